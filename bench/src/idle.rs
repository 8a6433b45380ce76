//! The app's CPU use while it sits idle with the background check running:
//! once with the window open on the dashboard, once with the window closed
//! (hidden to the tray, the app still checking). Practice mode, reached
//! through the UI as the end-to-end tests do, is the realistic case a bench
//! can run: a setup exists (so there is a dataflow and a journal to check),
//! the check runs every 20 s (practice's interval) instead of every 5 min,
//! and the practice simulator answering it runs inside the app's own
//! process, so its work is counted too (against Adobe it would not be).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::steps::{free_port, practice_to_created};
use e2e::{sim_control, App, TestResult, PRACTICE_CONTROL_TOKEN};
use serde_json::Value;

use crate::startup;
use crate::stats::MachineState;

/// The app window's title (`src-tauri/tauri.conf.json`), to find it on the
/// X display.
const TITLE: &[u8] = b"Chatlio Setup for Adobe Experience Platform";
/// How long the app is left alone before a window is measured: the page's
/// own start (dashboard load, first status) is not idle time.
const SETTLE: Duration = Duration::from_secs(10);

/// CPU use of the app's process tree over one window of time.
pub struct CpuWindow {
    /// Percent of one core: CPU time over wall time × 100.
    pub percent: f64,
    pub seconds: f64,
    /// Per process name: percent of one core.
    pub processes: Vec<(String, f64)>,
    /// Platform requests the practice simulator answered meanwhile, and how
    /// many of them listed the dataflows (one per check or status refresh).
    pub platform_requests: usize,
    pub flow_lists: usize,
    /// The machine when the window began and when it ended.
    pub before: MachineState,
    pub after: MachineState,
}

/// Both windows, measured in one launch of the app.
pub struct IdleCpu {
    pub open: CpuWindow,
    pub closed: CpuWindow,
    /// The `data-testid` of the screen showing in the open window.
    pub screen: String,
}

/// Launches `binary` under WebDriver, runs practice mode to a finished setup
/// and the dashboard, measures `window` with the window open, closes it as a
/// window manager does, and measures `window` again. The app is ended
/// afterwards in every case.
pub async fn measure(binary: &Path, window: Duration) -> TestResult<IdleCpu> {
    let private = PrivateBinary::of(binary)?;
    measure_binary(&private.path, window).await
}

/// A link to the binary under a path of the bench's own: the app's
/// processes are found by their executable's path, and on a shared machine
/// another run (the end-to-end tests) may run the same build meanwhile, or
/// rebuild it. A hard link costs nothing and keeps the file measured; a
/// copy when it cannot be made (another file system).
pub(crate) struct PrivateBinary {
    directory: PathBuf,
    pub(crate) path: PathBuf,
}

impl PrivateBinary {
    pub(crate) fn of(binary: &Path) -> TestResult<Self> {
        if !binary.exists() {
            return Err(format!(
                "app binary {} is missing: build it (cargo build -p chatlio-setup) or pass --app",
                binary.display()
            )
            .into());
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let directory =
            std::env::temp_dir().join(format!("chatlio-bench-app-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&directory)?;
        let name = binary
            .file_name()
            .ok_or("the app binary has no file name")?;
        let path = directory.join(name);
        if std::fs::hard_link(binary, &path).is_err() {
            std::fs::copy(binary, &path)?;
        }
        Ok(Self { directory, path })
    }
}

impl Drop for PrivateBinary {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.directory) {
            eprintln!(
                "bench: could not remove {}: {error}",
                self.directory.display()
            );
        }
    }
}

/// The same window for the minimal Tauri window (`bench/baseline`, one
/// static page): WebKitGTK's own idle floor under the same WebDriver
/// session and display, for comparison with the open window.
pub async fn measure_baseline(binary: &Path, window: Duration) -> TestResult<CpuWindow> {
    let private = PrivateBinary::of(binary)?;
    let binary = private.path.as_path();
    let app = App::launch_binary("bench-idle-baseline", binary, &[]).await?;
    let measured = async {
        app.find("screen-welcome").await?;
        tokio::time::sleep(SETTLE).await;
        cpu_window(binary, None, window).await
    }
    .await;
    startup::close(app, binary, measured).await
}

async fn measure_binary(binary: &Path, window: Duration) -> TestResult<IdleCpu> {
    let port = free_port()?;
    let port_text = port.to_string();
    let environment = [
        ("LANG", "en_US.UTF-8"),
        ("CHATLIO_AEP_PRACTICE_PORT", port_text.as_str()),
        ("CHATLIO_AEP_PRACTICE_CONTROL_TOKEN", PRACTICE_CONTROL_TOKEN),
    ];
    let app = App::launch_binary("bench-idle", binary, &environment).await?;
    let sim = format!("http://127.0.0.1:{port}");
    let measured = measure_launched(&app, binary, &sim, window).await;
    let tree = startup::process_tree(binary).unwrap_or_default();
    let closed = app.close().await;
    startup::wait_for_exit(binary, &tree).await?;
    let measured = measured?;
    // With the window hidden, ending the session may report an error
    // while the app still ends; what was measured stands.
    if let Err(error) = closed {
        eprintln!("bench: ending the idle session: {error}");
    }
    Ok(measured)
}

async fn measure_launched(
    app: &App,
    binary: &Path,
    sim: &str,
    window: Duration,
) -> TestResult<IdleCpu> {
    practice_to_created(app, None).await?;
    // The webhook URL, the first-event check, then the dashboard.
    app.click("next").await?;
    app.click("next").await?;
    app.click("finish").await?;
    let screen = app
        .find("screen-dashboard")
        .await?
        .attr("data-testid")
        .await?
        .unwrap_or_default();
    // The background check's first round ran at launch, before practice
    // was connected, and found nothing to watch: its next round would come
    // after the unconnected interval (5 min). "Refresh now" (the
    // dashboard's and the tray's) runs it at once; from then on it checks
    // every 20 s, practice's interval.
    app.invoke("check_alerts_now", serde_json::json!({}))
        .await?;
    // What is on screen, kept with the app's log under E2E_ARTIFACTS; taken
    // before the settling time, which absorbs its CPU. Not right before the
    // close: a close sent just after WebKit's snapshot is lost (the window
    // stays mapped), one sent 10 s later is not.
    let shot = app.screenshot("bench-idle-open").await?;
    eprintln!("bench: the idle window open: {}", shot.display());
    tokio::time::sleep(SETTLE).await;
    let open = cpu_window(binary, Some(sim), window).await?;
    checks_ran(&open, "open")?;
    if !viewable()? {
        return Err("the window was not showing while measured open".into());
    }

    close_like_a_user()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while viewable()? {
        if Instant::now() > deadline {
            return Err("the window was still showing 10 s after it was closed".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(SETTLE).await;
    let closed = cpu_window(binary, Some(sim), window).await?;
    checks_ran(&closed, "closed")?;
    // Still running in the tray, window still hidden.
    startup::process_tree(binary)?;
    if viewable()? {
        return Err("the window came back while measured closed".into());
    }
    Ok(IdleCpu {
        open,
        closed,
        screen,
    })
}

/// The figures are about the app with its background check running: a
/// window long enough for two checks at practice's 20 s must have seen one.
fn checks_ran(window: &CpuWindow, which: &str) -> TestResult {
    if window.seconds >= 40.0 && window.flow_lists == 0 {
        return Err(format!(
            "no background check ran in the {:.0} s with the window {which}",
            window.seconds
        )
        .into());
    }
    Ok(())
}

/// CPU ticks of one process: its own user and system time, and that of its
/// children it has waited for (a web process that ended counts in its
/// parent), from `/proc/<pid>/stat`.
fn ticks(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_ticks(&stat)
}

/// Name and utime + stime + cutime + cstime of a `/proc/<pid>/stat` line.
fn parse_ticks(stat: &str) -> Option<(String, u64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_owned();
    // After the name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let sum = fields
        .get(11..15)?
        .iter()
        .map(|field| field.parse::<u64>().ok())
        .sum::<Option<u64>>()?;
    Some((name, sum))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux if it cannot say).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// Ticks of every process of the app's tree now, by pid.
fn snapshot(binary: &Path) -> TestResult<HashMap<u32, (String, u64)>> {
    Ok(startup::process_tree(binary)?
        .into_iter()
        .filter_map(|pid| ticks(pid).map(|entry| (pid, entry)))
        .collect())
}

/// Sleeps `window` and reads the CPU the app's tree used meanwhile. A
/// process that ended meanwhile is counted in its parent's waited-for
/// children time; one that began is counted whole.
/// With `sim` (the practice simulator), also what it was asked meanwhile.
async fn cpu_window(binary: &Path, sim: Option<&str>, window: Duration) -> TestResult<CpuWindow> {
    if let Some(sim) = sim {
        sim_control(reqwest::Method::DELETE, &format!("{sim}/__sim/requests"))
            .send()
            .await?
            .error_for_status()?;
    }
    let machine_before = MachineState::now();
    let before = snapshot(binary)?;
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let after = snapshot(binary)?;
    let seconds = started.elapsed().as_secs_f64();
    let machine_after = MachineState::now();
    let log: Value = match sim {
        Some(sim) => {
            sim_control(reqwest::Method::GET, &format!("{sim}/__sim/requests"))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?
        }
        None => Value::Null,
    };
    let tick = clock_ticks();
    let total = |snapshot: &HashMap<u32, (String, u64)>| -> i128 {
        snapshot.values().map(|(_, ticks)| i128::from(*ticks)).sum()
    };
    let used = (total(&after) - total(&before)).max(0) as f64 / tick;
    let mut by_name: HashMap<String, f64> = HashMap::new();
    for (pid, (name, ticks)) in &after {
        let earlier = before.get(pid).map_or(0, |(_, ticks)| *ticks);
        *by_name.entry(name.clone()).or_default() +=
            ticks.saturating_sub(earlier) as f64 / tick / seconds * 100.0;
    }
    let mut processes: Vec<(String, f64)> = by_name.into_iter().collect();
    processes.sort_by(|first, second| first.0.cmp(&second.0));
    let requests = log["requests"].as_array().cloned().unwrap_or_default();
    let path = |entry: &Value| entry["path"].as_str().unwrap_or_default().to_owned();
    let platform: Vec<&Value> = requests
        .iter()
        .filter(|entry| path(entry).starts_with("/data/"))
        .collect();
    let flow_lists = platform
        .iter()
        .filter(|entry| entry["method"] == "GET" && path(entry).ends_with("/flowservice/flows"))
        .count();
    Ok(CpuWindow {
        percent: used / seconds * 100.0,
        seconds,
        processes,
        platform_requests: platform.len(),
        flow_lists,
        before: machine_before,
        after: machine_after,
    })
}

/// The app's top-level window on the X display (`DISPLAY`), found by its
/// title, with the connection and the atoms a close needs.
fn app_window() -> TestResult<(x11rb::rust_connection::RustConnection, u32)> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt};
    let (connection, screen) = x11rb::connect(None)?;
    let root = connection.setup().roots[screen].root;
    let net_name = connection
        .intern_atom(false, b"_NET_WM_NAME")?
        .reply()?
        .atom;
    let utf8 = connection.intern_atom(false, b"UTF8_STRING")?.reply()?.atom;
    let mut pending = vec![root];
    let mut found = None;
    while let Some(window) = pending.pop() {
        for (property, kind) in [
            (net_name, utf8),
            (AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()),
        ] {
            let title = connection
                .get_property(false, window, property, kind, 0, 256)?
                .reply()?
                .value;
            if title == TITLE {
                found = Some(window);
            }
        }
        pending.extend(connection.query_tree(window)?.reply()?.children);
    }
    let window = found.ok_or("no window with the app's title on the display")?;
    Ok((connection, window))
}

/// Whether the app's window is mapped and showing.
fn viewable() -> TestResult<bool> {
    use x11rb::protocol::xproto::{ConnectionExt, MapState};
    let (connection, window) = app_window()?;
    let state = connection.get_window_attributes(window)?.reply()?.map_state;
    Ok(state == MapState::VIEWABLE)
}

/// Asks the app's window to close as a window manager does when the user
/// clicks its close button (a `WM_DELETE_WINDOW` client message), as the
/// alerts end-to-end test does: WebDriver's "close window" would end the
/// app instead of hiding it to the tray.
fn close_like_a_user() -> TestResult {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt, EventMask};
    let (connection, window) = app_window()?;
    let protocols = connection
        .intern_atom(false, b"WM_PROTOCOLS")?
        .reply()?
        .atom;
    let delete = connection
        .intern_atom(false, b"WM_DELETE_WINDOW")?
        .reply()?
        .atom;
    let message = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
    connection.send_event(false, window, EventMask::NO_EVENT, message)?;
    connection.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_ticks_from_a_stat_line() {
        let stat = "4242 (WebKit Web Proc) S 1 2 3 4 5 6 7 8 9 10 120 30 5 1 20 0 9 0";
        assert_eq!(
            parse_ticks(stat),
            Some(("WebKit Web Proc".to_owned(), 120 + 30 + 5 + 1))
        );
        assert_eq!(parse_ticks("4242 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_has_ticks() {
        let (name, _) = ticks(std::process::id()).unwrap();
        assert!(!name.is_empty());
        assert!(clock_ticks() > 0.0);
    }
}
