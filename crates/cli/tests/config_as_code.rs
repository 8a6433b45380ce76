//! Config as code through the built binary against platform-sim: `export`,
//! `plan -f`, `apply -f` (idempotent, with exit codes 0 / 10 / 11), a changed
//! file's precise plan, refused files, and promotion to another sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use platform_sim::SimConfig;
use serde_json::{json, Value};

/// A scratch folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "chatlio-aep-code-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("scratch folder left behind: {error}");
        }
    }
}

/// The binary against the sim, with none of the caller's `CHATLIO_AEP_*`
/// variables but the connection's; the sandbox comes from the file or the flag.
fn binary(base: &str, config: &SimConfig, data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CHATLIO_AEP_") {
            command.env_remove(key);
        }
    }
    command
        .env("CHATLIO_AEP_IMS_URL", base)
        .env("CHATLIO_AEP_PLATFORM_URL", base)
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id)
        .env("CHATLIO_AEP_DATA_DIR", data);
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

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", text(&output.stdout), text(&output.stderr)))
}

fn actions(diff: &Value) -> Vec<String> {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect()
}

/// The paths at which two JSON values differ.
fn differences(before: &Value, after: &Value, path: &str) -> Vec<String> {
    match (before, after) {
        (Value::Object(left), Value::Object(right)) => {
            let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .flat_map(|key| {
                    differences(
                        left.get(key).unwrap_or(&Value::Null),
                        right.get(key).unwrap_or(&Value::Null),
                        &format!("{path}.{key}"),
                    )
                })
                .collect()
        }
        (Value::Array(left), Value::Array(right)) if left.len() == right.len() => left
            .iter()
            .zip(right)
            .enumerate()
            .flat_map(|(index, (left, right))| {
                differences(left, right, &format!("{path}[{index}]"))
            })
            .collect(),
        _ if before == after => Vec::new(),
        _ => vec![format!("{path}: {before} -> {after}")],
    }
}

async fn sim_state(base: &str) -> Value {
    reqwest::get(format!("{base}/__sim/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_exported_setup_is_applied_again_after_a_rollback_and_twice_changes_nothing() {
    let started = std::time::Instant::now();
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let scratch = Scratch::new("export");
    let cli = || binary(&base, &config, &scratch.0);

    let setup = run(
        cli(),
        &[
            "--sandbox",
            "prod",
            "setup",
            "--name",
            "Code flow",
            "--webhook-mode",
            "single",
            "--partial-ingestion-threshold",
            "5",
            "--json",
        ],
    )
    .await;
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let first: Value = json_of(&setup);

    let export = run(cli(), &["export", "--name", "Code flow"]).await;
    assert!(export.status.success(), "{}", text(&export.stderr));
    let exported = text(&export.stdout);
    let file: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(
        file,
        json!({
            "version": 1,
            "name": "Code flow",
            "sandbox": "prod",
            "schema": {"title": "Code flow schema"},
            "dataset": {"name": "Code flow dataset"},
            "profileEnabled": false,
            "errorDiagnostics": true,
            "partialIngestionThreshold": 5,
            "webhookMode": "single_url"
        })
    );
    // No id, URL or secret: the file is the user's choices only.
    for leaked in [
        first["flowId"].as_str().unwrap(),
        first["datasetId"].as_str().unwrap(),
        "http",
        &config.client_secret,
    ] {
        assert!(!exported.contains(leaked), "{leaked} in {exported}");
    }
    let path = scratch.write("setup.json", &exported);

    // As it is: nothing to do, whether planned or applied.
    let plan = run(cli(), &["plan", "-f", &path, "--json"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    assert_eq!(diff["verdict"], "no_changes");
    assert!(
        actions(&diff).iter().all(|action| action == "keep"),
        "{diff}"
    );
    let apply = run(cli(), &["apply", "-f", &path]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(text(&apply.stdout).contains("no changes"));

    // A changed setting: a precise plan, refused in place, nothing applied.
    let changed = scratch.write(
        "changed.json",
        &exported.replace(
            "\"partialIngestionThreshold\": 5",
            "\"partialIngestionThreshold\": 10",
        ),
    );
    let plan = run(cli(), &["plan", "-f", &changed, "--json"]).await;
    assert_eq!(plan.status.code(), Some(11), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    assert_eq!(diff["verdict"], "drift");
    let settings = diff["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 1, "{diff}");
    assert_eq!(settings[0]["path"], "$.partialIngestionThreshold");
    assert_eq!(settings[0]["current"], 5);
    assert_eq!(settings[0]["wanted"], 10);
    assert_eq!(settings[0]["inPlace"], false);
    // The dataflow, read back from Adobe, says the same.
    let dataflow = entry(&diff, "dataflow");
    assert_eq!(dataflow["action"], "change", "{diff}");
    assert_eq!(dataflow["inPlace"], false);
    assert_eq!(
        dataflow["fields"],
        json!([{"path": "$.partialIngestionThreshold", "current": 5, "wanted": 10}])
    );
    assert_eq!(entry(&diff, "dataset")["action"], "keep", "{diff}");
    let words = run(cli(), &["plan", "-f", &changed]).await;
    assert!(
        text(&words.stdout).contains("$.partialIngestionThreshold: 5 -> 10")
            && text(&words.stdout)
                .contains("$.partialIngestionThreshold: 5 in Adobe, 10 in the file"),
        "{}",
        text(&words.stdout)
    );
    let refused = run(cli(), &["apply", "-f", &changed]).await;
    assert_eq!(refused.status.code(), Some(11), "{}", text(&refused.stderr));
    assert!(text(&refused.stdout).contains("Nothing was applied"));

    // Deleted, then applied from the file: the same setup again.
    let rollback = run(
        cli(),
        &["--sandbox", "prod", "rollback", "--name", "Code flow"],
    )
    .await;
    assert!(rollback.status.success(), "{}", text(&rollback.stderr));
    let plan = run(cli(), &["plan", "-f", &path, "--json"]).await;
    assert_eq!(plan.status.code(), Some(10), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    assert_eq!(diff["verdict"], "changes");
    for kind in ["schema", "dataset", "dataflow"] {
        let entry = diff["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["kind"] == kind)
            .unwrap();
        assert_eq!(entry["action"], "create", "{entry}");
    }
    let apply = run(cli(), &["apply", "-f", &path, "--json"]).await;
    assert_eq!(apply.status.code(), Some(10), "{}", text(&apply.stderr));
    let applied = json_of(&apply);
    assert_eq!(applied["complete"], true, "{applied}");
    assert!(
        applied.get("webhookUrls").is_none(),
        "only with --show-urls"
    );
    assert_ne!(applied["flowIds"]["all"], first["flowId"], "a new dataflow");
    let again = run(cli(), &["export", "--name", "Code flow"]).await;
    assert_eq!(text(&again.stdout), exported);
    let state = sim_state(&base).await;
    let prod = &state["platform"]["data"]["prod"];
    let datasets: Vec<&Value> = prod["datasets"]
        .as_object()
        .unwrap()
        .values()
        .filter(|dataset| dataset["name"] == "Code flow dataset")
        .collect();
    assert_eq!(datasets.len(), 1, "{prod}");
    assert_eq!(
        datasets[0]["enableErrorDiagnostics"], true,
        "{}",
        datasets[0]
    );
    let flows: Vec<&Value> = prod["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|flow| flow["name"] == "Code flow")
        .collect();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["options"]["partialIngestionPercent"], 5);
    assert_eq!(flows[0]["state"], "enabled");

    // Applying twice changes nothing.
    let twice = run(cli(), &["apply", "-f", &path]).await;
    assert_eq!(twice.status.code(), Some(0), "{}", text(&twice.stderr));
    eprintln!("export/plan/apply round trip: {:?}", started.elapsed());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_file_is_refused_with_each_problem_at_its_path() {
    let scratch = Scratch::new("refused");
    // Parsing comes before any connection: an address nothing listens on.
    let config = SimConfig::default();
    let cli = || binary("http://127.0.0.1:9", &config, &scratch.0);
    let bad = scratch.write(
        "bad.json",
        r#"{"version": 1, "name": "Code flow", "sandbox": "prod", "colour": "blue",
            "dataset": {"name": "x", "existingId": "y"}, "partialIngestionThreshold": 0,
            "webhookMode": "several"}"#,
    );
    for command in ["plan", "apply"] {
        let refused = run(cli(), &[command, "-f", &bad]).await;
        assert_eq!(refused.status.code(), Some(2), "{command}");
        let said = text(&refused.stderr);
        for path in [
            "$.colour: unknown key",
            "$.dataset: must be",
            "$.partialIngestionThreshold: must be a whole number of percent from 1 to 100",
            "$.webhookMode: must be",
        ] {
            assert!(said.contains(path), "{command}: {path} in {said}");
        }
    }
    let refused = run(cli(), &["--json", "apply", "-f", &bad]).await;
    assert_eq!(refused.status.code(), Some(2));
    let error = json_of(&refused);
    assert_eq!(error["error"]["code"], "setup_file_invalid");
    let fields = error["error"]["fields"].as_array().unwrap();
    assert!(fields
        .iter()
        .any(|field| field["path"] == "$.colour" && field["code"] == "unknown_key"));

    let future = scratch.write(
        "future.json",
        r#"{"version": 2, "name": "Code flow", "sandbox": "prod", "newThing": true}"#,
    );
    let refused = run(cli(), &["plan", "-f", &future]).await;
    assert_eq!(refused.status.code(), Some(2));
    let said = text(&refused.stderr);
    assert!(
        said.contains("$.version: version 2 was written by a newer chatlio-aep"),
        "{said}"
    );
    assert!(!said.contains("newThing"), "{said}");

    let flags = scratch.write(
        "good.json",
        r#"{"version": 1, "name": "Code flow", "sandbox": "prod"}"#,
    );
    let mixed = run(cli(), &["plan", "-f", &flags, "--profile"]).await;
    assert_eq!(mixed.status.code(), Some(2), "{}", text(&mixed.stderr));
}

#[tokio::test]
async fn a_setup_promoted_from_prod_to_dev_works_and_leaves_prod_untouched() {
    let started = std::time::Instant::now();
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let scratch = Scratch::new("promote");
    let cli = || binary(&base, &config, &scratch.0);

    let setup = run(
        cli(),
        &["--sandbox", "prod", "setup", "--name", "Promo", "--json"],
    )
    .await;
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let export = run(cli(), &["export", "--name", "Promo"]).await;
    assert!(export.status.success(), "{}", text(&export.stderr));
    let path = scratch.write("promo.json", &text(&export.stdout));
    // Another setup in dev made the shared field group there already.
    let other = run(
        cli(),
        &[
            "--sandbox",
            "dev",
            "setup",
            "--name",
            "Other",
            "--webhook-mode",
            "single",
        ],
    )
    .await;
    assert!(other.status.success(), "{}", text(&other.stderr));
    let prod_before = sim_state(&base).await["platform"]["data"]["prod"].clone();

    // The environment's sandbox does not move the file; only the flag does.
    let mut from_environment = cli();
    from_environment.env("CHATLIO_AEP_SANDBOX", "dev");
    let planned = run(from_environment, &["plan", "-f", &path, "--json"]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned.stderr));
    assert_eq!(json_of(&planned)["sandbox"], "prod");

    // Same name in another sandbox: refused, with another name suggested.
    let same_name = run(cli(), &["apply", "-f", &path, "--sandbox", "dev"]).await;
    assert_eq!(same_name.status.code(), Some(2));
    let said = text(&same_name.stderr);
    assert!(said.contains("--name \"Promo dev\""), "{said}");

    let plan = run(
        cli(),
        &[
            "plan",
            "-f",
            &path,
            "--sandbox",
            "dev",
            "--name",
            "Promo dev",
            "--json",
        ],
    )
    .await;
    assert_eq!(plan.status.code(), Some(10), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    assert_eq!(diff["sandbox"], "dev");
    // Dev's shared field group is reused; the rest is made.
    let field_group = entry(&diff, "field_group");
    assert_eq!(field_group["action"], "keep", "{diff}");
    assert!(field_group["reason"].as_str().unwrap().contains("reused"));
    assert_eq!(
        actions(&diff)
            .iter()
            .filter(|action| *action == "create")
            .count(),
        actions(&diff).len() - 1,
        "{diff}"
    );

    let promoted = run(
        cli(),
        &[
            "apply",
            "-f",
            &path,
            "--sandbox",
            "dev",
            "--name",
            "Promo dev",
            "--show-urls",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        promoted.status.code(),
        Some(10),
        "{}",
        text(&promoted.stderr)
    );
    let outcome = json_of(&promoted);
    assert_eq!(outcome["complete"], true, "{outcome}");
    let urls = outcome["webhookUrls"].as_object().unwrap();
    assert_eq!(urls.len(), 5, "{outcome}");
    let flow_ids = outcome["flowIds"].as_object().unwrap();
    assert_eq!(flow_ids.len(), 4, "one dataflow per event, as in prod");

    // Checked before the sim's time moves (which ages every resource).
    let prod_after = sim_state(&base).await["platform"]["data"]["prod"].clone();
    let changed = differences(&prod_before, &prod_after, "prod");
    assert!(changed.is_empty(), "prod changed: {changed:?}");

    // The promoted dataflow accepts an event once warmed up.
    reqwest::Client::new()
        .post(format!("{base}/__sim/time/advance"))
        .json(&json!({"secs": 300}))
        .send()
        .await
        .unwrap();
    let flow_id = flow_ids["all"].as_str().unwrap();
    let sent = run(
        cli(),
        &[
            "--sandbox",
            "dev",
            "test-event",
            "--flow-id",
            flow_id,
            "--no-wait",
        ],
    )
    .await;
    assert!(sent.status.success(), "{}", text(&sent.stderr));

    let state = sim_state(&base).await;
    let dev = &state["platform"]["data"]["dev"];
    assert_eq!(dev["flows"].as_array().unwrap().len(), 1 + 4);
    assert!(dev["datasets"]
        .as_object()
        .unwrap()
        .values()
        .any(|dataset| dataset["name"] == "Promo dataset"));

    // Applying the promotion again changes nothing.
    let again = run(
        cli(),
        &[
            "apply",
            "-f",
            &path,
            "--sandbox",
            "dev",
            "--name",
            "Promo dev",
        ],
    )
    .await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));

    // A schema title taken in dev by another setup: a conflict, with the way
    // to use that schema instead; pre-flight stops the apply.
    let taken = scratch.write(
        "taken.json",
        &text(&export.stdout).replace("Promo schema", "Other schema"),
    );
    let plan = run(
        cli(),
        &[
            "plan",
            "-f",
            &taken,
            "--sandbox",
            "dev",
            "--name",
            "Promo two",
            "--json",
        ],
    )
    .await;
    assert_eq!(plan.status.code(), Some(11), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    let schema = entry(&diff, "schema");
    assert_eq!(schema["action"], "conflict", "{diff}");
    assert!(
        schema["reason"].as_str().unwrap().contains("existingId"),
        "{schema}"
    );
    let stopped = run(
        cli(),
        &[
            "apply",
            "-f",
            &taken,
            "--sandbox",
            "dev",
            "--name",
            "Promo two",
        ],
    )
    .await;
    assert_eq!(stopped.status.code(), Some(6), "{}", text(&stopped.stdout));
    eprintln!("promotion: {:?}", started.elapsed());
    sim.shutdown().await;
}

fn sim_client(base: &str, config: &SimConfig, sandbox: &str) -> platform::Client {
    platform::Client::new(platform::ClientConfig::new(
        platform::Url::parse(base).unwrap(),
        platform::Url::parse(base).unwrap(),
        config.org_id.as_str(),
        sandbox,
        platform::Credential::server_to_server(
            config.client_id.as_str(),
            platform::Secret::from(config.client_secret.clone()),
        ),
    ))
    .unwrap()
}

fn entry<'a>(diff: &'a Value, kind: &str) -> &'a Value {
    diff["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {diff}"))
}

#[tokio::test]
async fn drift_is_planned_a_disabled_dataflow_is_enabled_and_a_deleted_one_is_left() {
    let started = std::time::Instant::now();
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let scratch = Scratch::new("drift");
    let cli = || binary(&base, &config, &scratch.0);
    let setup = run(
        cli(),
        &[
            "--sandbox",
            "prod",
            "setup",
            "--name",
            "Drifting",
            "--webhook-mode",
            "single",
            "--json",
        ],
    )
    .await;
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let flow_id = platform::models::FlowId::new(json_of(&setup)["flowId"].as_str().unwrap());
    let export = run(cli(), &["export", "--name", "Drifting"]).await;
    let path = scratch.write("drifting.json", &text(&export.stdout));

    // Disabled in Adobe: a change apply makes in place.
    let client = sim_client(&base, &config, "prod");
    let service = client.flow_service();
    let etag = service.get_flow(&flow_id).await.unwrap().etag;
    service.disable_flow(&flow_id, etag.as_ref()).await.unwrap();
    let plan = run(cli(), &["plan", "-f", &path, "--json"]).await;
    assert_eq!(plan.status.code(), Some(10), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    let dataflow = entry(&diff, "dataflow");
    assert_eq!(dataflow["action"], "change", "{diff}");
    assert_eq!(dataflow["inPlace"], true, "{diff}");
    assert_eq!(diff["drift"][0]["kind"], "disabled", "{diff}");
    let apply = run(cli(), &["apply", "-f", &path]).await;
    assert_eq!(apply.status.code(), Some(10), "{}", text(&apply.stderr));
    assert!(service.get_flow(&flow_id).await.unwrap().is_enabled());
    let again = run(cli(), &["apply", "-f", &path]).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));

    // Deleted in Adobe: drift the file cannot fix in place; nothing applied.
    service.delete_flow(&flow_id).await.unwrap();
    let plan = run(cli(), &["plan", "-f", &path, "--json"]).await;
    assert_eq!(plan.status.code(), Some(11), "{}", text(&plan.stderr));
    let diff = json_of(&plan);
    assert_eq!(entry(&diff, "dataflow")["action"], "change", "{diff}");
    assert_eq!(entry(&diff, "dataflow")["inPlace"], false, "{diff}");
    let left = run(cli(), &["apply", "-f", &path]).await;
    assert_eq!(left.status.code(), Some(11), "{}", text(&left.stderr));
    let flows = sim_state(&base).await["platform"]["data"]["prod"]["flows"].clone();
    assert_eq!(flows.as_array().unwrap().len(), 0, "nothing made: {flows}");
    eprintln!("drift: {:?}", started.elapsed());
    sim.shutdown().await;
}
