//! The app where its users keep it: on the dashboard, showing 50 dataflows
//! read from a platform-sim, left open for minutes. Measured here: the
//! memory of its process tree after that time and after ten refreshes, and
//! how soon a second launch on the same data shows the 50 dataflows when
//! every request takes seconds (the dashboard cached on disk should show
//! before any answer). The minimal Tauri window (`bench/baseline`) is
//! measured in the same run, so the machine's state touches both.
//!
//! The app connects to the sim as a user who put a server-to-server
//! credential in the environment does (`CHATLIO_AEP_*`, as
//! `tests/e2e/tests/dashboard.rs` does with 50 dataflows): the saved wizard
//! state opens it on the dashboard and the UI connects with those values.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::{App, TestResult};
use fantoccini::elements::Element;
use serde_json::json;

use crate::alerts::{make_setups, ALERT_FLOWS};
use crate::flow::Bench;
use crate::idle::PrivateBinary;
use crate::startup::{self, Memory, Subject};
use crate::stats::MachineState;

/// A dataflow's card on the dashboard (`ui/src/lib/FlowCard.svelte`:
/// `flow-<id>` with its health); setup groups are `setup-<name>` and the
/// card's parts carry no `data-health`.
const FLOW_CARDS: &str = "[data-testid^=\"flow-\"][data-health]";
/// The dashboard's "Refresh now" (`ui/src/screens/Dashboard.svelte`),
/// disabled while a refresh runs.
const REFRESH: &str = "refresh";
/// Refreshes between the two memory readings of the growth figure (the
/// issue's target is over 10; `--dashboard-refreshes` asks for more, to see
/// whether the growth levels off).
pub const REFRESHES: usize = 10;
/// The latency of every request on the second launch: far above what a
/// start-up from disk takes, so a dashboard shown sooner cannot have come
/// from an answer.
pub const SLOW_LATENCY: Duration = Duration::from_secs(3);
/// Second launches (and baseline cold starts) timed.
pub const FIRST_SCREEN_RUNS: usize = 3;
/// After the last refresh, before memory is read: the page's own clean-up
/// (garbage collection of the replaced view) is not growth.
const SETTLE: Duration = Duration::from_secs(10);
/// How often the page is asked for the cards while a second launch is timed.
const POLL: Duration = Duration::from_millis(20);
/// The background check's interval given to the app: Adobe's 5 minutes. A
/// sim on this computer makes the connection a practice one, whose check
/// would run every 20 s and read the 50 dataflows' weeks each time.
const CHECK_SECONDS: &str = "300";
/// Where the app keeps its files under its data directory
/// (`storage::DataLayout`): the wizard's screen, and per mode (the root for
/// Adobe, `practice/` for a sim on this computer) the setup journals and
/// the last dashboard shown.
const WIZARD_FILE: &str = "wizard.json";
const ADOBE_STATUS_CACHE: &str = "status-cache.json";
const PRACTICE_STATUS_CACHE: &str = "practice/status-cache.json";
const PRACTICE_JOURNALS: &str = "practice/setups";

/// What the group measured, for the figures in `main.rs`.
pub struct DashboardRun {
    /// The app after `minutes` on the dashboard with 50 dataflows.
    pub app_open: Memory,
    /// The baseline window after the same time on its page.
    pub baseline_open: Memory,
    /// The app after the refreshes and [`SETTLE`] (`app_open` is before).
    pub after_refreshes: Memory,
    /// Each refresh, click to the button enabled again.
    pub refresh_ms: Vec<f64>,
    /// Pss right after each refresh (no settling): whether growth levels
    /// off (a heap or allocator reaching its working size) or keeps on (a
    /// leak).
    pub pss_each_refresh_mb: Vec<f64>,
    /// First launch: session request to 50 cards (no cache yet, no latency).
    pub first_visit_ms: f64,
    /// Elements in the page with the 50 cards shown: what the web process
    /// lays out and keeps.
    pub page_elements: usize,
    /// Second launches at [`SLOW_LATENCY`]: session request to 50 cards.
    pub first_screen_ms: Vec<f64>,
    /// Per second launch: the requests the sim had answered when the 50
    /// showed, and their sequential rounds (each round cost the latency).
    pub answered_requests: Vec<usize>,
    pub answered_rounds: Vec<usize>,
    /// The first second launch's answered requests, `METHOD path`, in order.
    pub answered_paths: Vec<String>,
    /// Baseline cold starts alternated with those.
    pub baseline_start_ms: Vec<f64>,
    /// The status caches (relative to the data directory) the first launch
    /// left.
    pub status_caches: Vec<&'static str>,
    /// Whether the practice slot's cache was copied to Adobe's slot (see
    /// [`cache_where_adobe_keeps_it`]).
    pub cache_copied: bool,
    /// How long the 50 setups took to make on the sim (not a figure).
    pub making_ms: f64,
    /// The machine when each part began.
    pub open_before: MachineState,
    pub refreshes_before: MachineState,
    pub first_screen_before: MachineState,
}

/// Builds 50 setups on a fresh sim, then measures the app (`app`) and the
/// baseline window (`baseline`) as the module says. `app_environment` is
/// added to the app's environment, after (so over) the bench's own.
pub async fn measure(
    app: &Path,
    baseline: &Path,
    minutes: Duration,
    refreshes: usize,
    app_environment: &[(String, String)],
) -> TestResult<DashboardRun> {
    let app = PrivateBinary::of(app)?;
    let baseline = PrivateBinary::of(baseline)?;
    let bench = Bench::start("dashboard", Duration::ZERO).await?;
    let data = DataDirectory::new()?;
    let measured = measure_on(
        &bench,
        &data.path,
        &app.path,
        &baseline.path,
        minutes,
        refreshes,
        app_environment,
    )
    .await;
    bench.shutdown().await?;
    measured
}

/// The app's data directory for the group's launches, removed afterwards.
struct DataDirectory {
    path: PathBuf,
}

impl DataDirectory {
    fn new() -> TestResult<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "chatlio-bench-dashboard-data-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }
}

impl Drop for DataDirectory {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            eprintln!("bench: could not remove {}: {error}", self.path.display());
        }
    }
}

/// The app's environment: its data directory, the sim's credential as a
/// user would set it, Adobe's check interval, then `extra`.
fn app_environment(
    bench: &Bench,
    data: &Path,
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let config = bench.sim_config();
    let mut environment: Vec<(String, String)> = [
        ("LANG", "en_US.UTF-8".to_owned()),
        // After the harness's own data directory, so this one is used.
        ("CHATLIO_AEP_DATA_DIR", data.display().to_string()),
        ("CHATLIO_AEP_IMS_URL", bench.base_url().to_owned()),
        ("CHATLIO_AEP_PLATFORM_URL", bench.base_url().to_owned()),
        ("CHATLIO_AEP_CLIENT_ID", config.client_id.clone()),
        ("CHATLIO_AEP_CLIENT_SECRET", config.client_secret.clone()),
        ("CHATLIO_AEP_ORG_ID", config.org_id.clone()),
        ("CHATLIO_AEP_SANDBOX", "prod".to_owned()),
        ("CHATLIO_AEP_CHECK_SECS", CHECK_SECONDS.to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    environment.extend(extra.iter().cloned());
    environment
}

/// Launches `binary` with `environment` under WebDriver, timed from the
/// session request.
async fn launch_app(
    name: &str,
    binary: &Path,
    environment: &[(String, String)],
) -> TestResult<(App, Instant)> {
    let pairs: Vec<(&str, &str)> = environment
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    App::launch_binary_timed(name, binary, &pairs).await
}

/// What the first launch measured, before the second launches.
struct FirstLaunch {
    first_visit_ms: f64,
    page_elements: usize,
    app_open: Memory,
    refreshes_before: MachineState,
    refresh_ms: Vec<f64>,
    pss_each_refresh_mb: Vec<f64>,
    after_refreshes: Memory,
}

async fn measure_on(
    bench: &Bench,
    data: &Path,
    app: &Path,
    baseline: &Path,
    minutes: Duration,
    refreshes: usize,
    extra: &[(String, String)],
) -> TestResult<DashboardRun> {
    let making_ms = make_setups(bench).await?.as_secs_f64() * 1000.0;
    // The setups' journals where the app keeps those of a sim on this
    // computer, so the dashboard groups the dataflows under setups made
    // here, as a user's 50 setups would show.
    copy_files(&bench.journals, &data.join(PRACTICE_JOURNALS))?;
    // Opens on the dashboard, connecting with the environment's credential
    // (as `tests/e2e/tests/dashboard.rs`).
    std::fs::write(
        data.join(WIZARD_FILE),
        serde_json::to_vec(&json!({ "screen": "dashboard", "mode": "adobe" }))?,
    )?;
    let environment = app_environment(bench, data, extra);

    // The baseline first, the same time on its page.
    let open_before = MachineState::now();
    let baseline_open = baseline_memory(baseline, minutes).await?;

    let (session, requested) = launch_app("bench-dashboard", app, &environment).await?;
    let opened = async {
        session.find("screen-dashboard").await?;
        wait_for_cards(
            &session,
            Duration::from_secs(120),
            Duration::from_millis(250),
        )
        .await?;
        let first_visit_ms = requested.elapsed().as_secs_f64() * 1000.0;
        let page_elements = page_elements(&session).await?;
        tokio::time::sleep(minutes).await;
        let app_open = memory_on_dashboard(&session, app).await?;
        let refreshes_before = MachineState::now();
        let mut refresh_ms = Vec::with_capacity(refreshes);
        let mut pss_each_refresh_mb = Vec::with_capacity(refreshes);
        for _ in 0..refreshes {
            refresh_ms.push(refresh(&session, bench).await?);
            pss_each_refresh_mb.push(memory_on_dashboard(&session, app).await?.pss_mb);
        }
        tokio::time::sleep(SETTLE).await;
        let after_refreshes = memory_on_dashboard(&session, app).await?;
        TestResult::Ok(FirstLaunch {
            first_visit_ms,
            page_elements,
            app_open,
            refreshes_before,
            refresh_ms,
            pss_each_refresh_mb,
            after_refreshes,
        })
    }
    .await;
    let first = startup::close(session, app, opened).await?;

    // The dashboard was seen: a second launch, every request slow.
    let status_caches = [ADOBE_STATUS_CACHE, PRACTICE_STATUS_CACHE]
        .into_iter()
        .filter(|cache| data.join(cache).exists())
        .collect();
    let cache_copied = cache_where_adobe_keeps_it(data)?;
    bench
        .control(
            reqwest::Method::PUT,
            "/__sim/faults/latency",
            Some(json!({ "ms": u64::try_from(SLOW_LATENCY.as_millis())? })),
        )
        .await?;
    let first_screen_before = MachineState::now();
    let baseline_subject = Subject {
        name: "dashboard-baseline",
        binary: baseline.to_path_buf(),
        environment: Vec::new(),
    };
    let mut first_screen_ms = Vec::with_capacity(FIRST_SCREEN_RUNS);
    let mut baseline_start_ms = Vec::with_capacity(FIRST_SCREEN_RUNS);
    let (mut answered_requests, mut answered_rounds) = (Vec::new(), Vec::new());
    let mut answered_paths = Vec::new();
    for _ in 0..FIRST_SCREEN_RUNS {
        bench
            .control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await?;
        let (session, requested) = launch_app("bench-dashboard", app, &environment).await?;
        let shown = async {
            wait_for_cards(&session, Duration::from_secs(120), POLL).await?;
            let elapsed_ms = requested.elapsed().as_secs_f64() * 1000.0;
            let shown_at = epoch_ms()?;
            let log = bench
                .control(reqwest::Method::GET, "/__sim/requests", None)
                .await?;
            TestResult::Ok((elapsed_ms, answered_before(&log, shown_at)))
        }
        .await;
        let (elapsed_ms, answered) = startup::close(session, app, shown).await?;
        first_screen_ms.push(elapsed_ms);
        answered_requests.push(answered.len());
        answered_rounds.push(platform_sim::rounds(&answered));
        if answered_paths.is_empty() {
            answered_paths = answered
                .iter()
                .map(|entry| {
                    format!(
                        "{} {}",
                        entry["method"].as_str().unwrap_or_default(),
                        entry["path"].as_str().unwrap_or_default()
                    )
                })
                .collect();
        }
        baseline_start_ms.push(startup::launch(&baseline_subject, None).await?.start_ms);
    }
    Ok(DashboardRun {
        app_open: first.app_open,
        baseline_open,
        after_refreshes: first.after_refreshes,
        refresh_ms: first.refresh_ms,
        pss_each_refresh_mb: first.pss_each_refresh_mb,
        first_visit_ms: first.first_visit_ms,
        page_elements: first.page_elements,
        first_screen_ms,
        answered_requests,
        answered_rounds,
        answered_paths,
        baseline_start_ms,
        status_caches,
        cache_copied,
        making_ms,
        open_before,
        refreshes_before: first.refreshes_before,
        first_screen_before,
    })
}

/// Milliseconds since the Unix epoch, the clock of the sim's request log.
fn epoch_ms() -> TestResult<i64> {
    Ok(i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?)
}

/// The requests of the sim's log (`GET /__sim/requests`) answered by
/// `instant` (epoch ms), in the order they began; control requests left out.
fn answered_before(log: &serde_json::Value, instant: i64) -> Vec<serde_json::Value> {
    let mut answered: Vec<serde_json::Value> = log["requests"]
        .as_array()
        .map(|requests| {
            requests
                .iter()
                .filter(|entry| {
                    !entry["path"]
                        .as_str()
                        .is_some_and(|path| path.starts_with("/__sim/"))
                        && entry["endedAtMs"]
                            .as_i64()
                            .is_some_and(|ended| ended <= instant)
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    answered.sort_by_key(|entry| entry["startedAtMs"].as_i64());
    answered
}

/// The sim is on this computer, so the app counts the connection as practice
/// and keeps the dashboard it showed in the practice slot; the UI, opened
/// in Adobe mode, reads Adobe's slot. A user connected to Adobe has the
/// cache in Adobe's slot: it is put there (a copy of what the app wrote)
/// when the app left it only in the practice one. Returns whether it was.
fn cache_where_adobe_keeps_it(data: &Path) -> TestResult<bool> {
    let (adobe, practice) = (
        data.join(ADOBE_STATUS_CACHE),
        data.join(PRACTICE_STATUS_CACHE),
    );
    if adobe.exists() || !practice.exists() {
        return Ok(false);
    }
    std::fs::copy(&practice, &adobe)?;
    Ok(true)
}

/// The baseline window after `minutes` on its page.
async fn baseline_memory(binary: &Path, minutes: Duration) -> TestResult<Memory> {
    let session = App::launch_binary("bench-dashboard-baseline", binary, &[]).await?;
    let measured = async {
        session.find("screen-welcome").await?;
        tokio::time::sleep(minutes).await;
        let tree = startup::process_tree(binary)?;
        TestResult::Ok(startup::tree_memory(&tree, "screen-welcome".to_owned()))
    }
    .await;
    startup::close(session, binary, measured).await
}

/// The memory of the app's tree, after checking it still shows the 50.
async fn memory_on_dashboard(session: &App, binary: &Path) -> TestResult<Memory> {
    let cards = card_count(session).await?;
    if cards != ALERT_FLOWS {
        return Err(format!("the dashboard shows {cards} dataflows, not {ALERT_FLOWS}").into());
    }
    let tree = startup::process_tree(binary)?;
    Ok(startup::tree_memory(&tree, "screen-dashboard".to_owned()))
}

/// Every element in the page (SVG's included).
async fn page_elements(session: &App) -> TestResult<usize> {
    let count = session
        .client
        .execute(
            "return document.getElementsByTagName('*').length;",
            Vec::new(),
        )
        .await?;
    count
        .as_u64()
        .and_then(|count| usize::try_from(count).ok())
        .ok_or_else(|| format!("the page counted its elements as {count}").into())
}

/// Dataflow cards on the page now: one script call, so polling it is cheap.
async fn card_count(session: &App) -> TestResult<usize> {
    let count = session
        .client
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![FLOW_CARDS.into()],
        )
        .await?;
    count
        .as_u64()
        .and_then(|count| usize::try_from(count).ok())
        .ok_or_else(|| format!("the page counted the cards as {count}").into())
}

/// Waits until the dashboard shows all 50 dataflows, asking every `period`.
async fn wait_for_cards(session: &App, timeout: Duration, period: Duration) -> TestResult {
    let deadline = Instant::now() + timeout;
    loop {
        let cards = card_count(session).await?;
        if cards == ALERT_FLOWS {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the dashboard showed {cards} of {ALERT_FLOWS} dataflows after {timeout:?}"
            )
            .into());
        }
        tokio::time::sleep(period).await;
    }
}

/// Clicks "Refresh now" and waits until that refresh is done: the sim has
/// listed the dataflows since the click (the refresh's first request) and
/// the button is enabled again. Returns the time it took.
async fn refresh(session: &App, bench: &Bench) -> TestResult<f64> {
    bench
        .control(reqwest::Method::DELETE, "/__sim/requests", None)
        .await?;
    let button = session.find(REFRESH).await?;
    let started = Instant::now();
    button.click().await?;
    let deadline = started + Duration::from_secs(120);
    loop {
        if flow_listed(bench).await? && enabled(&button).await? {
            return Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
        if Instant::now() > deadline {
            return Err("a dashboard refresh did not end within 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn enabled(button: &Element) -> TestResult<bool> {
    Ok(button.is_enabled().await?)
}

/// Whether the sim listed the dataflows since its log was cleared.
async fn flow_listed(bench: &Bench) -> TestResult<bool> {
    let log = bench
        .control(reqwest::Method::GET, "/__sim/requests", None)
        .await?;
    Ok(log["requests"].as_array().is_some_and(|requests| {
        requests.iter().any(|entry| {
            entry["method"] == "GET"
                && entry["path"]
                    .as_str()
                    .is_some_and(|path| path.ends_with("/flowservice/flows"))
        })
    }))
}

/// Copies the files of `from` (journals: one file per setup) into `to`.
fn copy_files(from: &Path, to: &Path) -> TestResult {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Parses `--app-env`'s `KEY=VALUE`.
pub fn environment_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !key.contains(char::is_whitespace) => {
            Ok((key.to_owned(), value.to_owned()))
        }
        _ => Err(format!("--app-env takes KEY=VALUE, not {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_requests_answered_in_time() {
        let log = json!({ "requests": [
            { "method": "GET", "path": "/data/b", "startedAtMs": 20, "endedAtMs": 90 },
            { "method": "POST", "path": "/ims/token/v3", "startedAtMs": 0, "endedAtMs": 10 },
            { "method": "GET", "path": "/data/late", "startedAtMs": 30, "endedAtMs": 200 },
            { "method": "GET", "path": "/__sim/requests", "startedAtMs": 1, "endedAtMs": 2 },
        ] });
        let answered = answered_before(&log, 100);
        let paths: Vec<&str> = answered
            .iter()
            .map(|entry| entry["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/ims/token/v3", "/data/b"]);
        assert_eq!(platform_sim::rounds(&answered), 2);
    }

    #[test]
    fn parses_environment_pairs() {
        assert_eq!(
            environment_pair("CHATLIO_AEP_WEBVIEW_TUNING=off"),
            Ok(("CHATLIO_AEP_WEBVIEW_TUNING".to_owned(), "off".to_owned()))
        );
        assert_eq!(
            environment_pair("EMPTY="),
            Ok(("EMPTY".to_owned(), String::new()))
        );
        assert_eq!(
            environment_pair("A=b=c"),
            Ok(("A".to_owned(), "b=c".to_owned()))
        );
        assert!(environment_pair("NOVALUE").is_err());
        assert!(environment_pair("=value").is_err());
    }
}
