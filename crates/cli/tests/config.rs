//! `--config FILE` through the built binary: what the file may say, the
//! precedence flags > environment > file > defaults, and the files refused.
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
            "chatlio-aep-config-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str, contents: &Value) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(contents).unwrap()).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("scratch folder left behind: {error}");
        }
    }
}

/// The binary with none of the caller's `CHATLIO_AEP_*` variables, so only
/// what a test sets counts.
fn binary(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CHATLIO_AEP_") {
            command.env_remove(key);
        }
    }
    command.env("CHATLIO_AEP_DATA_DIR", data);
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

/// The request an offline `plan --json` would carry out.
async fn planned(command: Command, args: &[&str]) -> Value {
    let mut all = vec!["plan", "--offline", "--json"];
    all.extend_from_slice(args);
    let output = run(command, &all).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    plan["plan"]["request"].clone()
}

#[tokio::test]
async fn a_config_file_supplies_the_connection_and_the_setup_choices() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let scratch = Scratch::new("connection");
    let file = scratch.file(
        "chatlio.json",
        &json!({
            "imsUrl": base,
            "platformUrl": base,
            "clientId": config.client_id,
            "orgId": config.org_id,
            "sandbox": "prod",
            "name": "File flow",
            "errorDiagnostics": true,
            "partialIngestionThreshold": 5
        }),
    );
    let file = file.to_str().unwrap();
    let with_secret = || {
        let mut command = binary(&scratch.0);
        command.env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret);
        command
    };
    let setup = run(with_secret(), &["--config", file, "setup", "--json"]).await;
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let outcome: Value = serde_json::from_slice(&setup.stdout).unwrap();
    assert_eq!(outcome["complete"], true);
    assert_eq!(outcome["setupName"], "File flow");
    let journal: Value =
        serde_json::from_slice(&std::fs::read(scratch.0.join("setups/File flow.json")).unwrap())
            .unwrap();
    assert_eq!(journal["request"]["errorDiagnostics"], true);
    assert_eq!(journal["request"]["partialIngestionThreshold"], 5);
    assert_eq!(journal["request"]["profileEnabled"], false);

    // The name comes from the file for resume and rollback too; the
    // environment variable names the file as well as the flag does.
    let mut by_environment = with_secret();
    by_environment.env("CHATLIO_AEP_CONFIG", file);
    let resumed = run(by_environment, &["resume", "--json"]).await;
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let rollback = run(with_secret(), &["--config", file, "rollback", "--json"]).await;
    assert!(rollback.status.success(), "{}", text(&rollback.stderr));
    let rolled_back: Value = serde_json::from_slice(&rollback.stdout).unwrap();
    assert_eq!(rolled_back["setupName"], "File flow");
    assert!(!rolled_back["deleted"].as_array().unwrap().is_empty());

    // Environment beats the file: a file pointing nowhere is overridden.
    let nowhere = scratch.file(
        "nowhere.json",
        &json!({
            "imsUrl": "http://127.0.0.1:9",
            "platformUrl": "http://127.0.0.1:9",
            "clientId": "someone-else",
            "orgId": "ELSEWHERE00000000000000@AdobeOrg"
        }),
    );
    let nowhere = nowhere.to_str().unwrap();
    let environment = || {
        let mut command = with_secret();
        command
            .env("CHATLIO_AEP_IMS_URL", &base)
            .env("CHATLIO_AEP_PLATFORM_URL", &base)
            .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
            .env("CHATLIO_AEP_ORG_ID", &config.org_id);
        command
    };
    let status = run(environment(), &["--config", nowhere, "status", "--json"]).await;
    assert!(status.status.success(), "{}", text(&status.stderr));
    // And a flag beats the environment.
    let flagged = run(
        environment(),
        &[
            "--config",
            nowhere,
            "--platform-url",
            "http://127.0.0.1:9",
            "status",
            "--json",
        ],
    )
    .await;
    assert!(!flagged.status.success());
    sim.shutdown().await;
}

#[tokio::test]
async fn flags_beat_the_environment_which_beats_the_file_which_beats_the_defaults() {
    let scratch = Scratch::new("precedence");
    let file = scratch.file(
        "chatlio.json",
        &json!({
            "sandbox": "filebox",
            "name": "File name",
            "schemaTitle": "File schema",
            "datasetName": "File dataset",
            "profile": true,
            "partialIngestionThreshold": 10
        }),
    );
    let file = file.to_str().unwrap();

    let from_file = planned(binary(&scratch.0), &["--config", file]).await;
    assert_eq!(from_file["name"], "File name");
    assert_eq!(from_file["sandbox"], "filebox");
    assert_eq!(from_file["schema"]["title"], "File schema");
    assert_eq!(from_file["dataset"]["name"], "File dataset");
    assert_eq!(from_file["profileEnabled"], true);
    assert_eq!(from_file["partialIngestionThreshold"], 10);

    let mut environment = binary(&scratch.0);
    environment.env("CHATLIO_AEP_SANDBOX", "envbox");
    let from_environment = planned(environment, &["--config", file]).await;
    assert_eq!(from_environment["sandbox"], "envbox");

    let mut environment = binary(&scratch.0);
    environment.env("CHATLIO_AEP_SANDBOX", "envbox");
    let from_flags = planned(
        environment,
        &[
            "--config",
            file,
            "--sandbox",
            "flagbox",
            "--name",
            "Flag name",
            "--existing-dataset-id",
            "5ba9452f7de80400007fc52a",
            "--profile=false",
            "--partial-ingestion-threshold",
            "20",
        ],
    )
    .await;
    assert_eq!(from_flags["sandbox"], "flagbox");
    assert_eq!(from_flags["name"], "Flag name");
    // A dataset flag replaces the file's dataset choice; the schema choice
    // still comes from the file.
    assert_eq!(from_flags["dataset"]["kind"], "existing");
    assert_eq!(from_flags["dataset"]["id"], "5ba9452f7de80400007fc52a");
    assert_eq!(from_flags["schema"]["title"], "File schema");
    assert_eq!(from_flags["profileEnabled"], false);
    assert_eq!(from_flags["partialIngestionThreshold"], 20);

    // Without flags or file, the choices the desktop app proposes
    // (setup::SetupInput::recommended).
    let defaults = planned(binary(&scratch.0), &["--name", "Plain"]).await;
    assert_eq!(defaults["sandbox"], "prod");
    assert_eq!(defaults["profileEnabled"], false);
    assert_eq!(defaults["errorDiagnostics"], true);
    assert_eq!(defaults["partialIngestionThreshold"], Value::Null);
    assert_eq!(defaults["schema"]["kind"], "new");
    let off = planned(
        binary(&scratch.0),
        &["--name", "Plain", "--error-diagnostics=false"],
    )
    .await;
    assert_eq!(off["errorDiagnostics"], false);

    // Without --name and without a name in the file: a usage error.
    let output = run(binary(&scratch.0), &["plan", "--offline"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--name"));
}

#[tokio::test]
async fn the_webhook_mode_comes_from_the_flag_then_the_file_then_per_event() {
    let scratch = Scratch::new("webhook-mode");
    let file = scratch.file(
        "chatlio.json",
        &json!({"name": "Modes", "webhookMode": "per-event"}),
    );
    let file = file.to_str().unwrap();
    let from_file = planned(binary(&scratch.0), &["--config", file]).await;
    assert_eq!(from_file["webhookMode"], "per_event_url");
    // A single-URL request shows no mode: the plan is the one it always was.
    let from_flag = planned(
        binary(&scratch.0),
        &["--config", file, "--webhook-mode", "single"],
    )
    .await;
    assert!(from_flag.get("webhookMode").is_none(), "{from_flag}");
    // The recommended setup: one URL per event.
    let default = planned(binary(&scratch.0), &["--name", "Plain"]).await;
    assert_eq!(default["webhookMode"], "per_event_url", "{default}");
    let flagged = planned(
        binary(&scratch.0),
        &["--name", "Plain", "--webhook-mode", "single"],
    )
    .await;
    assert!(flagged.get("webhookMode").is_none(), "{flagged}");
    let wrong = run(
        binary(&scratch.0),
        &[
            "plan",
            "--offline",
            "--name",
            "Plain",
            "--webhook-mode",
            "both",
        ],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(2));
}

#[tokio::test]
async fn a_file_with_a_secret_is_refused_before_anything_is_sent() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let secret = sim.config().client_secret.clone();
    let scratch = Scratch::new("secret");
    for (tag, contents) in [
        (
            "camel",
            json!({ "name": "Secret flow", "clientSecret": secret }),
        ),
        (
            "snake",
            json!({ "name": "Secret flow", "client_secret": secret }),
        ),
        (
            "nested",
            json!({ "name": "Secret flow", "credential": { "CLIENT_SECRET": secret } }),
        ),
    ] {
        let file = scratch.file(&format!("{tag}.json"), &contents);
        let mut command = binary(&scratch.0);
        command
            .env("CHATLIO_AEP_IMS_URL", &base)
            .env("CHATLIO_AEP_PLATFORM_URL", &base);
        let output = run(command, &["--config", file.to_str().unwrap(), "setup"]).await;
        assert_eq!(output.status.code(), Some(2), "{tag}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("holds a secret"), "{tag}: {stderr}");
        assert!(stderr.contains("CHATLIO_AEP_CLIENT_SECRET"), "{stderr}");
        assert!(stderr.contains("keychain"), "{stderr}");
        assert!(!stderr.contains(&secret), "the secret is never echoed");

        let output = run(
            binary(&scratch.0),
            &[
                "--config",
                file.to_str().unwrap(),
                "plan",
                "--offline",
                "--json",
            ],
        )
        .await;
        assert_eq!(output.status.code(), Some(2));
        let error: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(error["error"]["code"], "config_secret_refused", "{tag}");
        assert!(!text(&output.stdout).contains(&secret));
    }
    let log = reqwest::get(format!("{base}/__sim/requests"))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(log["requests"].as_array().unwrap().len(), 0, "nothing sent");
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_keys_wrong_types_and_missing_files_are_errors() {
    let scratch = Scratch::new("errors");
    for (contents, code, mentions) in [
        (
            json!({ "name": "Typo", "errorDiagnostic": true }),
            "config_unknown_key",
            "errorDiagnostics",
        ),
        (
            json!({ "name": "Typo", "platform_url": "https://platform.adobe.io" }),
            "config_unknown_key",
            "platformUrl",
        ),
        (
            json!({ "name": "Typo", "profile": "yes" }),
            "config_wrong_type",
            "profile",
        ),
        (json!(["name"]), "config_not_an_object", "object"),
    ] {
        let file = scratch.file("chatlio.json", &contents);
        let output = run(
            binary(&scratch.0),
            &[
                "--config",
                file.to_str().unwrap(),
                "plan",
                "--offline",
                "--json",
            ],
        )
        .await;
        assert_eq!(output.status.code(), Some(2), "{contents}");
        let error: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(error["error"]["code"], code, "{contents}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains(mentions),
            "{error}"
        );
    }
    let missing = scratch.0.join("missing.json");
    let output = run(
        binary(&scratch.0),
        &[
            "--config",
            missing.to_str().unwrap(),
            "plan",
            "--offline",
            "--json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["error"]["code"], "config_unreadable");
}

#[tokio::test]
async fn a_journal_where_the_cli_used_to_keep_it_is_moved_and_found() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let config = sim.config().clone();
    let scratch = Scratch::new("former-journal");
    // Where earlier versions wrote it: the data folder itself.
    let mut journal = setup::Journal::new("Old flow", &config.org_id, "prod");
    journal.request = Some(
        setup::SetupInput {
            name: "Old flow".into(),
            sandbox: "prod".into(),
            ..setup::SetupInput::recommended()
        }
        .validate()
        .unwrap(),
    );
    setup::JournalStore::new(&scratch.0)
        .save(&mut journal)
        .unwrap();
    let before = std::fs::read(scratch.0.join("Old flow.json")).unwrap();

    let mut command = binary(&scratch.0);
    command
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_IMS_URL", sim.base_url())
        .env("CHATLIO_AEP_PLATFORM_URL", sim.base_url())
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id);
    let status = run(command, &["status", "--name", "Old flow", "--json"]).await;
    assert!(status.status.success(), "{}", text(&status.stderr));
    let outcome: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(outcome["setupName"], "Old flow");
    assert!(text(&status.stderr).contains("moved to the folder shared with the desktop app"));
    assert!(!scratch.0.join("Old flow.json").exists());
    assert_eq!(
        std::fs::read(scratch.0.join("setups/Old flow.json")).unwrap(),
        before
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn without_a_data_folder_the_cli_uses_the_apps_and_brings_its_former_one_along() {
    let home = Scratch::new("home");
    let former = home.0.join(".local/share/chatlio-aep");
    std::fs::create_dir_all(&former).unwrap();
    let mut journal = setup::Journal::new("Earlier flow", "ORG@AdobeOrg", "prod");
    setup::JournalStore::new(&former)
        .save(&mut journal)
        .unwrap();
    let journal_bytes = std::fs::read(former.join("Earlier flow.json")).unwrap();
    std::fs::write(
        former.join("connections.json"),
        br#"{"version": 1, "current": null, "connections": []}"#,
    )
    .unwrap();

    let mut command = binary(&home.0);
    command
        .env_remove("CHATLIO_AEP_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", &home.0);
    let output = run(command, &["connections"]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));

    let shared = home.0.join(".local/share/io.chatliosetup.desktop");
    assert_eq!(
        std::fs::read(shared.join("setups/Earlier flow.json")).unwrap(),
        journal_bytes
    );
    assert!(shared.join("connections.json").is_file());
    assert!(!former.join("Earlier flow.json").exists());
    assert!(!former.join("connections.json").exists());
    // Run again: nothing left to move, nothing said.
    let mut again = binary(&home.0);
    again
        .env_remove("CHATLIO_AEP_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", &home.0);
    let output = run(again, &["connections"]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains("moved"),
        "{}",
        text(&output.stderr)
    );
}
