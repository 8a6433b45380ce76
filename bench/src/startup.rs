//! Cold start and resident memory of a Tauri binary, through WebDriver.
//!
//! Each launch starts tauri-driver first (not timed), then requests a
//! WebDriver session: WebKitWebDriver spawns the binary on that request, so
//! the time from the request until `screen-welcome` is found covers the
//! process start, the window, the web process, the page and the session's
//! own set-up. The app and the baseline are measured the same way, so the
//! session's cost is in both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::{processes_of, App, TestResult};
use fantoccini::Locator;
use serde_json::{json, Value};

/// How often WebDriver is asked for the element while waiting: short enough
/// that polling adds little to the figure.
const POLL: Duration = Duration::from_millis(5);
/// A start that takes longer than this has failed.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One binary to launch, and the environment it gets.
pub struct Subject {
    pub name: &'static str,
    pub binary: PathBuf,
    pub environment: Vec<(&'static str, String)>,
}

/// What one launch measured.
pub struct Launch {
    pub start_ms: f64,
    /// Where that time went, from the page's own clock.
    pub phases: Phases,
    /// Present when the launch also idled and read memory.
    pub memory: Option<Memory>,
}

/// The cold start split at the page's navigation timing and the marks the
/// page set (the app sets `app-script` when its script has run and
/// `first-screen` when the first screen showed; the baseline sets none).
/// The page's clock is the system's, so its origin is placed against the
/// request.
pub struct Phases {
    /// Session request until the page's navigation began: the process, its
    /// window, the web process and WebDriver's own set-up.
    pub to_navigation_ms: f64,
    /// Navigation until the document was parsed (`domInteractive`): the
    /// HTML and the script and style it loads.
    pub to_document_ms: f64,
    /// Navigation until each mark, by name, in the order they were set.
    pub marks: Vec<(String, f64)>,
}

/// The paint timing entry of the page's first painted text.
const FIRST_PAINT: &str = "paint:first-contentful-paint";

impl Phases {
    /// Session request until WebKit first painted text (the page's paint
    /// timing): what the user sees first. `None` when the web view keeps no
    /// paint timing.
    pub fn first_paint_ms(&self) -> Option<f64> {
        self.marks
            .iter()
            .find(|(name, _)| name == FIRST_PAINT)
            .map(|(_, at)| self.to_navigation_ms + at)
    }
}

/// Reads the page's timing (see [`Phases`]); `requested` is the session
/// request's time.
async fn phases(app: &App, requested: Instant) -> TestResult<Phases> {
    let requested_epoch_ms = (SystemTime::now().duration_since(UNIX_EPOCH)? - requested.elapsed())
        .as_secs_f64()
        * 1000.0;
    let timing = app
        .client
        .execute(
            "const navigation = performance.getEntriesByType('navigation')[0];
             return {
               origin: performance.timeOrigin,
               document: navigation ? navigation.domInteractive : null,
               marks: performance.getEntriesByType('mark').map((mark) => [mark.name, mark.startTime])
                 .concat(performance.getEntriesByType('paint').map((paint) => ['paint:' + paint.name, paint.startTime])),
             };",
            Vec::new(),
        )
        .await?;
    let number = |key: &str| timing.get(key).and_then(Value::as_f64);
    let (Some(origin), Some(document)) = (number("origin"), number("document")) else {
        return Err(format!("the page gave no navigation timing: {timing}").into());
    };
    let marks = timing
        .get("marks")
        .and_then(Value::as_array)
        .map(|marks| {
            marks
                .iter()
                .filter_map(|mark| Some((mark[0].as_str()?.to_owned(), mark[1].as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Phases {
        to_navigation_ms: origin - requested_epoch_ms,
        to_document_ms: document,
        marks,
    })
}

/// Resident memory of a process tree.
pub struct Memory {
    /// Sum of VmRSS over the app and its descendants (shared pages counted
    /// once per process, so this is the upper figure).
    pub rss_mb: f64,
    /// Sum of Pss (shared pages split between their users).
    pub pss_mb: f64,
    /// Sum of private pages (Private_Clean + Private_Dirty): what only
    /// these processes use.
    pub private_mb: f64,
    /// The `data-testid` of the screen showing when memory was read.
    pub screen: String,
    /// Per process: name, VmRSS in MB.
    pub processes: Vec<(String, f64)>,
}

impl Memory {
    pub fn processes_json(&self) -> Value {
        json!(self
            .processes
            .iter()
            .map(|(name, rss)| json!({ "name": name, "rssMb": (rss * 10.0).round() / 10.0 }))
            .collect::<Vec<_>>())
    }
}

/// Launches `subject` once, times it to `screen-welcome`, and, when `idle`
/// is given, waits that long and reads the memory of its process tree.
/// Returns once the whole tree has exited, so no leftover WebKit process
/// competes with the next launch for the CPU.
pub async fn launch(subject: &Subject, idle: Option<Duration>) -> TestResult<Launch> {
    let environment: Vec<(&str, &str)> = subject
        .environment
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    let (app, requested) = App::launch_binary_timed(
        &format!("bench-{}", subject.name),
        &subject.binary,
        &environment,
    )
    .await?;
    let measured = measure(&app, subject, requested, idle).await;
    // Close in every case, so a failed launch leaves no app behind.
    let closed = app.close().await;
    let tree = measured
        .as_ref()
        .map_or_else(|_| Vec::new(), |(_, tree)| tree.clone());
    wait_for_exit(&subject.binary, &tree).await?;
    let (launch, _) = measured?;
    closed?;
    Ok(launch)
}

async fn measure(
    app: &App,
    subject: &Subject,
    requested: Instant,
    idle: Option<Duration>,
) -> TestResult<(Launch, Vec<u32>)> {
    app.find_polling("screen-welcome", START_TIMEOUT, POLL)
        .await?;
    let start_ms = requested.elapsed().as_secs_f64() * 1000.0;
    let phases = phases(app, requested).await?;
    let mut tree = process_tree(&subject.binary)?;
    let memory = match idle {
        Some(idle) => {
            tokio::time::sleep(idle).await;
            let screen = app
                .client
                .find(Locator::Css("[data-testid^=\"screen-\"]"))
                .await?
                .attr("data-testid")
                .await?
                .unwrap_or_default();
            tree = process_tree(&subject.binary)?;
            Some(tree_memory(&tree, screen))
        }
        None => None,
    };
    Ok((
        Launch {
            start_ms,
            phases,
            memory,
        },
        tree,
    ))
}

/// Waits until no process runs `binary` and every process of `tree` is gone
/// (the next launch would otherwise meet the single-instance guard, or share
/// the CPU with a web process still shutting down); kills leftovers after 10 s.
pub(crate) async fn wait_for_exit(binary: &Path, tree: &[u32]) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut left = processes_of(binary)?;
        left.extend(
            tree.iter()
                .filter(|pid| Path::new(&format!("/proc/{pid}")).exists()),
        );
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            for pid in &left {
                let status = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()?;
                if !status.success() {
                    eprintln!("bench: could not kill leftover process {pid}");
                }
            }
            eprintln!(
                "bench: {} or its web processes did not exit after the session closed; killed them",
                binary.display()
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Parent of every process, from `/proc/<pid>/stat`.
fn parents() -> TestResult<HashMap<u32, u32>> {
    let mut parents = HashMap::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces: the
        // parent id is the second field after the last ')'.
        let Some(parent) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|field| field.parse::<u32>().ok())
        else {
            continue;
        };
        parents.insert(pid, parent);
    }
    Ok(parents)
}

/// A `kB` field of a `/proc` file (`VmRSS:  1234 kB`), in kB.
fn kilobytes(text: &str, field: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The one process running `binary` and all its descendants
/// (WebKitWebProcess, WebKitNetworkProcess).
pub(crate) fn process_tree(binary: &Path) -> TestResult<Vec<u32>> {
    let roots = processes_of(binary)?;
    let [root] = roots.as_slice() else {
        return Err(format!(
            "expected one process of {}, found {}",
            binary.display(),
            roots.len()
        )
        .into());
    };
    let parents = parents()?;
    let mut tree = vec![*root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        tree.extend(
            parents
                .iter()
                .filter(|(_, of)| **of == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    Ok(tree)
}

/// Memory of the processes of `tree`; one that has exited counts as nothing.
pub(crate) fn tree_memory(tree: &[u32], screen: String) -> Memory {
    let mut rss_kb = 0.0;
    let mut pss_kb = 0.0;
    let mut private_kb = 0.0;
    let mut processes = Vec::new();
    for pid in tree {
        let directory = PathBuf::from(format!("/proc/{pid}"));
        let Ok(status) = std::fs::read_to_string(directory.join("status")) else {
            continue;
        };
        let rss = kilobytes(&status, "VmRSS:").unwrap_or(0.0);
        rss_kb += rss;
        // Another user's process cannot be read: it counts as nothing.
        let rollup = std::fs::read_to_string(directory.join("smaps_rollup")).unwrap_or_default();
        pss_kb += kilobytes(&rollup, "Pss:").unwrap_or(0.0);
        private_kb += kilobytes(&rollup, "Private_Clean:").unwrap_or(0.0)
            + kilobytes(&rollup, "Private_Dirty:").unwrap_or(0.0);
        let name = std::fs::read_to_string(directory.join("comm"))
            .map(|name| name.trim().to_owned())
            .unwrap_or_default();
        processes.push((name, rss / 1024.0));
    }
    Memory {
        rss_mb: rss_kb / 1024.0,
        pss_mb: pss_kb / 1024.0,
        private_mb: private_kb / 1024.0,
        screen,
        processes,
    }
}

/// Ends the session and waits until the whole tree has exited, so the next
/// launch meets neither the single-instance guard nor a web process still
/// shutting down. `measured` is returned when the close went well.
pub async fn close<T>(app: App, binary: &Path, measured: TestResult<T>) -> TestResult<T> {
    let tree = process_tree(binary).unwrap_or_default();
    let closed = app.close().await;
    wait_for_exit(binary, &tree).await?;
    let measured = measured?;
    closed?;
    Ok(measured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kilobyte_fields() {
        let status = "Name:\tx\nVmRSS:\t   2048 kB\nPss:  10 kB\n";
        assert_eq!(kilobytes(status, "VmRSS:"), Some(2048.0));
        assert_eq!(kilobytes(status, "Pss:"), Some(10.0));
        assert_eq!(kilobytes(status, "VmHWM:"), None);
    }

    #[test]
    fn finds_this_process_and_its_parent() {
        let me = std::process::id();
        let parents = parents().unwrap();
        assert!(parents.contains_key(&me));
        let executable = std::env::current_exe().unwrap();
        assert!(processes_of(&executable).unwrap().contains(&me));
    }

    #[test]
    fn the_tree_holds_children_and_their_memory_adds_up() {
        let mut child = std::process::Command::new("sleep")
            .arg("10")
            .spawn()
            .unwrap();
        let executable = std::env::current_exe().unwrap();
        let tree = process_tree(&executable).unwrap();
        assert_eq!(tree[0], std::process::id());
        assert!(tree.contains(&child.id()), "{tree:?}");
        let memory = tree_memory(&tree, "screen-x".into());
        assert!(memory.rss_mb > 0.0 && memory.pss_mb > 0.0 && memory.private_mb > 0.0);
        assert!(memory.pss_mb <= memory.rss_mb);
        assert!(memory.processes.iter().any(|(name, _)| name == "sleep"));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
