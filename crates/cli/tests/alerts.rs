//! `check` and `watch` through the built binary against platform-sim: the exit
//! codes a monitoring system reads (0 ok, 1 warning, 2 alert, 3 nothing could be
//! checked), `--json`, `--name`, and `watch` printing each change once.
//!
//! Every rules file here is explicit (round-the-clock UTC business hours unless a
//! test says otherwise), so no result depends on the weekday or the hour the tests
//! run at. The simulator runs on the real clock (the binary's now); silence is made
//! with `/__sim/time/advance`, which moves the past.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use platform_sim::SimConfig;
use setup::alerts::AlertSettings;

struct Fixture {
    sim: platform_sim::RunningSim,
    base: String,
    config: SimConfig,
    data: PathBuf,
}

impl Fixture {
    async fn start(tag: &str) -> Fixture {
        let sim = platform_sim::start(SimConfig::default()).await.unwrap();
        let base = sim.base_url();
        let config = sim.config().clone();
        let data =
            std::env::temp_dir().join(format!("chatlio-aep-alerts-{tag}-{}", std::process::id()));
        std::fs::remove_dir_all(&data).ok();
        std::fs::create_dir_all(&data).unwrap();
        Fixture {
            sim,
            base,
            config,
            data,
        }
    }

    fn command(&self) -> Command {
        command_for(&self.base, &self.base, &self.config, &self.data)
    }

    /// Runs the binary off the runtime's thread (the simulator answers on it).
    async fn run(&self, args: &[&str]) -> Output {
        run(self.command(), args).await
    }

    /// A single-URL setup made through the binary; its dataflow's id.
    async fn setup(&self, name: &str) -> String {
        let output = self
            .run(&[
                "setup",
                "--name",
                name,
                "--webhook-mode",
                "single",
                "--json",
            ])
            .await;
        assert!(output.status.success(), "{}", text(&output.stderr));
        let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        outcome["flowId"].as_str().unwrap().to_owned()
    }

    async fn control(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().await.unwrap()
    }

    /// One closed hourly run for `flow_id`, ending now: `received` records of
    /// which `failed` failed (the rest ingested).
    async fn seed_hour(&self, flow_id: &str, received: u64, failed: u64) {
        let seeded = self
            .control(
                "/__sim/runs/seed",
                serde_json::json!({
                    "flowId": flow_id,
                    "hours": 1,
                    "received": received,
                    "failed": failed,
                }),
            )
            .await;
        assert_eq!(seeded["seeded"], 1, "{seeded}");
    }

    /// As if `hours` passed since everything the simulator recorded.
    async fn hours_pass(&self, hours: u64) {
        self.control(
            "/__sim/time/advance",
            serde_json::json!({"secs": hours * 3600}),
        )
        .await;
    }

    /// Writes `settings` (round the clock, four hours, unless changed) to a file.
    fn rules(&self, file: &str, edit: impl FnOnce(&mut AlertSettings)) -> String {
        let mut settings = AlertSettings::round_the_clock(4);
        edit(&mut settings);
        let path = self.data.join(file);
        std::fs::write(&path, serde_json::to_vec_pretty(&settings).unwrap()).unwrap();
        path.to_str().unwrap().to_owned()
    }

    async fn disable(&self, flow_id: &str) {
        let base = platform::Url::parse(&self.base).unwrap();
        let client = platform::Client::new(platform::ClientConfig::new(
            base.clone(),
            base,
            self.config.org_id.as_str(),
            "prod",
            platform::Credential::server_to_server(
                self.config.client_id.as_str(),
                platform::Secret::from(self.config.client_secret.clone()),
            ),
        ))
        .unwrap();
        let id = platform::models::FlowId::new(flow_id);
        let service = client.flow_service();
        let etag = service.get_flow(&id).await.unwrap().etag;
        service.disable_flow(&id, etag.as_ref()).await.unwrap();
    }

    async fn finish(self) {
        std::fs::remove_dir_all(&self.data).ok();
        self.sim.shutdown().await;
    }
}

fn command_for(ims: &str, platform: &str, config: &SimConfig, data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    command
        .env("CHATLIO_AEP_IMS_URL", ims)
        .env("CHATLIO_AEP_PLATFORM_URL", platform)
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id)
        .env("CHATLIO_AEP_SANDBOX", "prod")
        .env("CHATLIO_AEP_DATA_DIR", data)
        .env_remove("CHATLIO_AEP_CONFIG")
        .env_remove("CHATLIO_AEP_CONNECTION")
        .env_remove("CHATLIO_AEP_FAIL_POINT");
    command
}

async fn run(mut command: Command, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit code, with both streams in the message when it is not `expected`.
fn assert_exit(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stdout: {}\nstderr: {}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", text(&output.stdout)))
}

/// `(kind, severity, flowId)` of each condition of a `check --json` report, in order.
fn conditions(report: &serde_json::Value) -> Vec<(String, String, Option<String>)> {
    report["conditions"]
        .as_array()
        .unwrap_or_else(|| panic!("no conditions: {report}"))
        .iter()
        .map(|condition| {
            (
                condition["kind"].as_str().unwrap().to_owned(),
                condition["severity"].as_str().unwrap().to_owned(),
                condition["flowId"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn condition(kind: &str, severity: &str, flow_id: &str) -> (String, String, Option<String>) {
    (
        kind.to_owned(),
        severity.to_owned(),
        Some(flow_id.to_owned()),
    )
}

/// Ok, warning, alert as exit codes 0, 1, 2 (human and `--json`); `--name` limits
/// the check to one setup; without `--rules` the data folder's rules apply.
#[tokio::test]
async fn verdicts_are_exit_codes_and_name_limits_the_check() {
    let fixture = Fixture::start("verdicts").await;
    let quiet = fixture.setup("Quiet").await;
    let noisy = fixture.setup("Noisy").await;
    let rules = fixture.rules("rules.json", |_| {});
    fixture.seed_hour(&quiet, 10, 0).await;

    // Quiet got data in the last hour and nothing failed; Noisy has had no run
    // yet and is younger than the rule's four hours: all is well.
    let ok = fixture.run(&["check", "--rules", &rules]).await;
    assert_exit(&ok, 0);
    let said = text(&ok.stdout);
    assert!(said.starts_with("ok:"), "{said}");
    assert!(said.contains("2 dataflow(s)"), "{said}");
    let ok = fixture.run(&["check", "--rules", &rules, "--json"]).await;
    assert_exit(&ok, 0);
    let report = json(&ok);
    assert_eq!(report["verdict"], "ok", "{report}");
    assert_eq!(report["dataflows"], 2, "{report}");
    assert_eq!(report["sandbox"], "prod", "{report}");
    assert_eq!(report["conditions"], serde_json::json!([]), "{report}");
    assert!(report["checkedAt"].is_string(), "{report}");

    // Half of Noisy's last hour failed (the share is 10%; 5 is under the count
    // of 10), half was ingested: a warning, not an alert.
    fixture.seed_hour(&noisy, 10, 5).await;
    let warned = fixture.run(&["check", "--rules", &rules, "--json"]).await;
    assert_exit(&warned, 1);
    let report = json(&warned);
    assert_eq!(report["verdict"], "warning", "{report}");
    assert_eq!(
        conditions(&report),
        [condition("failed_records", "warning", &noisy)],
        "{report}"
    );
    let found = &report["conditions"][0];
    assert_eq!(found["setup"], "Noisy", "{report}");
    assert_eq!(found["figures"]["failed"], 5, "{report}");
    assert_eq!(found["figures"]["received"], 10, "{report}");
    assert!(
        found["summary"].as_str().unwrap().contains("5 of 10"),
        "{report}"
    );
    let human = fixture
        .run(&["check", "--rules", &rules, "--no-drift"])
        .await;
    assert_exit(&human, 1);
    let said = text(&human.stdout);
    assert!(said.starts_with("warning: 1 condition(s)"), "{said}");
    assert!(said.contains("failed_records"), "{said}");
    // Only Quiet: Noisy's failures are not its business.
    let only_quiet = fixture
        .run(&["check", "--rules", &rules, "--name", "Quiet", "--json"])
        .await;
    assert_exit(&only_quiet, 0);
    let report = json(&only_quiet);
    assert_eq!(report["verdict"], "ok", "{report}");
    assert_eq!(report["dataflows"], 1, "{report}");
    // A name no dataflow carries checks nothing: not "ok".
    let typo = fixture
        .run(&["check", "--rules", &rules, "--name", "Quiett"])
        .await;
    assert_exit(&typo, 3);
    assert!(
        text(&typo.stderr).contains("Quiett"),
        "{}",
        text(&typo.stderr)
    );

    // The rules the desktop app keeps in the data folder, when no --rules is
    // given: these watch no failed records, so Noisy's hour is fine by them.
    let kept = AlertSettings::round_the_clock(4);
    let mut lenient = kept.clone();
    lenient.defaults.failed_share_percent = None;
    lenient.defaults.failed_count = None;
    lenient
        .save(&storage::DataLayout::new(&fixture.data).alert_rules(storage::Mode::Real))
        .unwrap();
    let by_the_app = fixture.run(&["check", "--json"]).await;
    assert_exit(&by_the_app, 0);
    assert_eq!(json(&by_the_app)["verdict"], "ok");

    // Quiet's dataflow disabled: an alert (exit 2), listed before the warning.
    fixture.disable(&quiet).await;
    let alerted = fixture.run(&["check", "--rules", &rules, "--json"]).await;
    assert_exit(&alerted, 2);
    let report = json(&alerted);
    assert_eq!(report["verdict"], "alert", "{report}");
    assert_eq!(
        conditions(&report),
        [
            condition("disabled", "alert", &quiet),
            condition("failed_records", "warning", &noisy),
        ],
        "{report}"
    );
    let human = fixture.run(&["check", "--rules", &rules]).await;
    assert_exit(&human, 2);
    let said = text(&human.stdout);
    assert!(said.starts_with("alert: 2 condition(s)"), "{said}");
    assert!(said.contains("disabled"), "{said}");
    // Only Noisy: Quiet's alert is left out, its warning stays.
    let only_noisy = fixture
        .run(&["check", "--rules", &rules, "--name", "Noisy", "--json"])
        .await;
    assert_exit(&only_noisy, 1);
    let report = json(&only_noisy);
    assert_eq!(
        conditions(&report),
        [condition("failed_records", "warning", &noisy)],
        "{report}"
    );
    // Rules with the disabled rule off: Quiet is not an alert.
    let no_disabled = fixture.rules("no-disabled.json", |settings| {
        settings.defaults.disabled = false;
    });
    let relaxed = fixture
        .run(&["check", "--rules", &no_disabled, "--name", "Quiet"])
        .await;
    assert_exit(&relaxed, 0);
    fixture.finish().await;
}

/// Silence past the rule's hours is an alert; shorter than the rule, or outside
/// business hours, it is not.
#[tokio::test]
async fn no_data_longer_than_the_rule_is_an_alert() {
    let fixture = Fixture::start("silence").await;
    let flow = fixture.setup("Silent").await;
    fixture.seed_hour(&flow, 10, 0).await;
    let four = fixture.rules("four.json", |_| {});
    let eight = fixture.rules("eight.json", |settings| {
        settings.defaults.no_data_hours = Some(8);
    });
    // Business hours one hour long, starting two hours from now (every day):
    // the last six hours were all outside them.
    let next = (chrono::Timelike::hour(&chrono::Utc::now()) + 2) % 24;
    let after_hours = fixture.rules("after-hours.json", |settings| {
        let hours = &mut settings.defaults.business_hours;
        hours.start = format!("{next:02}:00");
        hours.end = if next == 23 {
            "24:00".to_owned()
        } else {
            format!("{:02}:00", next + 1)
        };
    });
    let fresh = fixture.run(&["check", "--rules", &four, "--json"]).await;
    assert_exit(&fresh, 0);

    // Six hours without data: at least 4h45m of it up to the last hour Adobe can
    // have reported (a window ends on the hour, its run is read 15 minutes on).
    fixture.hours_pass(6).await;
    let silent = fixture.run(&["check", "--rules", &four, "--json"]).await;
    assert_exit(&silent, 2);
    let report = json(&silent);
    assert_eq!(report["verdict"], "alert", "{report}");
    assert_eq!(
        conditions(&report),
        [condition("no_data", "alert", &flow)],
        "{report}"
    );
    let figures = &report["conditions"][0]["figures"];
    assert_eq!(figures["limitHours"], 4, "{report}");
    let silent_hours = figures["silentHours"].as_u64().unwrap();
    assert!((4..=6).contains(&silent_hours), "{report}");
    assert!(figures["lastDataAt"].is_string(), "{report}");
    let human = fixture
        .run(&["check", "--rules", &four, "--no-drift"])
        .await;
    assert_exit(&human, 2);
    assert!(
        text(&human.stdout).contains("no_data"),
        "{}",
        text(&human.stdout)
    );

    let patient = fixture.run(&["check", "--rules", &eight, "--json"]).await;
    assert_exit(&patient, 0);
    // The clock stops outside business hours: the same silence is no alert.
    let closed = fixture
        .run(&["check", "--rules", &after_hours, "--json"])
        .await;
    assert_exit(&closed, 0);
    assert_eq!(json(&closed)["conditions"], serde_json::json!([]));
    fixture.finish().await;
}

/// Exit 3 when nothing could be checked: a bad rules file, a missing one, a
/// config file refused, Adobe unreachable, a flag clap refuses; other commands
/// keep their own codes. A secret Adobe refuses is a condition, not an unknown.
#[tokio::test]
async fn nothing_checked_exits_3() {
    let fixture = Fixture::start("unknown").await;
    fixture.setup("Somewhere").await;

    let mars = fixture.rules("mars.json", |settings| {
        settings.defaults.business_hours.time_zone = "Mars/Olympus".to_owned();
    });
    let bad = fixture.run(&["check", "--rules", &mars]).await;
    assert_exit(&bad, 3);
    assert!(
        text(&bad.stderr).contains("Mars/Olympus"),
        "{}",
        text(&bad.stderr)
    );
    let bad_json = fixture.run(&["check", "--rules", &mars, "--json"]).await;
    assert_exit(&bad_json, 3);
    let error = json(&bad_json);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing could be checked"),
        "{error}"
    );
    let bad_watch = fixture
        .run(&["watch", "--rules", &mars, "--max-checks", "1"])
        .await;
    assert_exit(&bad_watch, 3);

    // A rules file named but not there is not the recommended rules.
    let missing = fixture.data.join("no-such-rules.json");
    let missing = fixture
        .run(&["check", "--rules", missing.to_str().unwrap()])
        .await;
    assert_exit(&missing, 3);
    assert!(
        text(&missing.stderr).contains("no-such-rules.json"),
        "{}",
        text(&missing.stderr)
    );
    // A config file that cannot be read: usage (2) elsewhere, unknown here.
    let no_config = fixture.data.join("no-such-config.json");
    let unread = fixture
        .run(&["check", "--config", no_config.to_str().unwrap()])
        .await;
    assert_exit(&unread, 3);
    let unread_status = fixture
        .run(&["status", "--config", no_config.to_str().unwrap()])
        .await;
    assert_exit(&unread_status, 2);

    let rules = fixture.rules("rules.json", |_| {});
    // Nothing listens on this port: Adobe's Platform API cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = run(
        command_for(&fixture.base, &nowhere, &fixture.config, &fixture.data),
        &["check", "--rules", &rules, "--no-drift"],
    )
    .await;
    assert_exit(&unreachable, 3);
    assert!(
        text(&unreachable.stderr).contains("nothing could be checked")
            || text(&unreachable.stderr).contains("could not be read"),
        "{}",
        text(&unreachable.stderr)
    );
    assert!(
        unreachable.stdout.is_empty(),
        "{}",
        text(&unreachable.stdout)
    );

    // A secret Adobe no longer accepts is the connection alert, not an unknown.
    let refused = fixture
        .run_with_secret("not-the-secret", &["check", "--rules", &rules, "--json"])
        .await;
    assert_exit(&refused, 2);
    let report = json(&refused);
    assert_eq!(report["verdict"], "alert", "{report}");
    assert_eq!(report["conditions"][0]["kind"], "connection", "{report}");
    assert!(report["conditions"][0]["flowId"].is_null(), "{report}");

    // Usage errors clap finds: 3 for check and watch, still 2 for the others.
    let bogus = fixture.run(&["check", "--bogus"]).await;
    assert_exit(&bogus, 3);
    let bogus = fixture.run(&["watch", "--bogus"]).await;
    assert_exit(&bogus, 3);
    let zero = fixture.run(&["watch", "--interval-secs", "0"]).await;
    assert_exit(&zero, 3);
    let bogus = fixture.run(&["status", "--bogus"]).await;
    assert_exit(&bogus, 2);
    // A setup named "watch" is not the watch command.
    let named = fixture.run(&["status", "--name", "watch", "--bogus"]).await;
    assert_exit(&named, 2);
    let named = fixture
        .run(&["--sandbox", "check", "status", "--bogus"])
        .await;
    assert_exit(&named, 2);
    let flag_after = fixture.run(&["--json", "check", "--bogus"]).await;
    assert_exit(&flag_after, 3);
    let help = fixture.run(&["check", "--help"]).await;
    assert_exit(&help, 0);
    fixture.finish().await;
}

impl Fixture {
    async fn run_with_secret(&self, secret: &str, args: &[&str]) -> Output {
        let mut command = self.command();
        command.env("CHATLIO_AEP_CLIENT_SECRET", secret);
        run(command, args).await
    }
}

/// A condition that holds over two checks is raised once; one that ends is
/// cleared once; `--json` prints one object per line.
#[tokio::test]
async fn watch_prints_each_change_once() {
    let fixture = Fixture::start("watch").await;
    let flow = fixture.setup("Watched").await;
    fixture.seed_hour(&flow, 10, 5).await;
    let rules = fixture.rules("rules.json", |_| {});

    let watched = fixture
        .run(&[
            "watch",
            "--rules",
            &rules,
            "--max-checks",
            "2",
            "--interval-secs",
            "1",
        ])
        .await;
    assert_exit(&watched, 0);
    let said = text(&watched.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 1, "{said}");
    assert!(lines[0].contains(" raised "), "{said}");
    assert!(lines[0].contains("warning"), "{said}");
    assert!(lines[0].contains("failed_records"), "{said}");
    assert_eq!(said.matches("raised").count(), 1, "{said}");

    let watched = fixture
        .run(&[
            "watch",
            "--rules",
            &rules,
            "--max-checks",
            "2",
            "--interval-secs",
            "1",
            "--json",
        ])
        .await;
    assert_exit(&watched, 0);
    let said = text(&watched.stdout);
    let lines: Vec<serde_json::Value> = said
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{said}");
    assert!(lines[0]["at"].is_string(), "{said}");
    let transition = &lines[0]["transition"];
    assert_eq!(transition["change"], "raised", "{said}");
    assert_eq!(transition["condition"]["kind"], "failed_records", "{said}");
    assert_eq!(transition["condition"]["flowId"], flow.as_str(), "{said}");

    // The failing hour ages out between two checks: raised, then cleared.
    let mut child = fixture
        .command()
        .args([
            "watch",
            "--rules",
            &rules,
            "--max-checks",
            "2",
            "--interval-secs",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (first, mut lines) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        (first, lines)
    })
    .await
    .unwrap();
    let first = first.expect("a line before watch ended").unwrap();
    assert!(
        first.contains(" raised ") && first.contains("failed_records"),
        "{first}"
    );
    fixture.hours_pass(3).await;
    let (rest, output) = tokio::task::spawn_blocking(move || {
        let rest: Vec<String> = lines.by_ref().map(Result::unwrap).collect();
        (rest, child.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    assert_exit(&output, 0);
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert!(
        rest[0].contains(" cleared ") && rest[0].contains("failed_records"),
        "{rest:?}"
    );
    fixture.finish().await;
}
