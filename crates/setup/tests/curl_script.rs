//! `plan --curl` for real: the exported script is run with sh, curl and jq
//! against platform-sim, with a schema title full of shell syntax.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{counts, one_of_each, Harness};
use setup::plan::Plan;
use setup::SetupInput;

fn tool_missing(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .map_or(true, |output| !output.status.success())
}

#[tokio::test]
async fn the_exported_script_sets_up_the_same_resources_and_the_app_adopts_them() {
    // The script needs curl and jq; a machine without them cannot run it.
    if tool_missing("curl") || tool_missing("jq") {
        eprintln!("curl or jq is not installed: the exported script cannot run here");
        return;
    }
    let harness = Harness::start("curl", Duration::ZERO).await;
    let tripwire = harness.directory.join("expanded");
    let title = format!(
        "Script $(touch {0}) `touch {0}` \"double\" 'single' back\\slash $HOME ${{PATH}}",
        tripwire.display()
    );
    let request = SetupInput {
        name: "Scripted".into(),
        sandbox: "prod".into(),
        schema_title: title.clone(),
        ..SetupInput::default()
    }
    .validate()
    .unwrap();
    let script = Plan::new(&request).unwrap().to_curl_script();
    let path = harness.directory.join("setup.sh");
    std::fs::write(&path, &script).unwrap();

    let client = harness.client();
    let token = client.access_token().await.unwrap();
    let config = harness.sim.config();
    let output = tokio::process::Command::new("sh")
        .arg(&path)
        .env("ACCESS_TOKEN", token.expose())
        .env("API_KEY", config.client_id.as_str())
        .env("ORG_ID", config.org_id.as_str())
        .env("SANDBOX", "prod")
        .env("PLATFORM_URL", &harness.base)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}\n{stdout}");

    assert!(!tripwire.exists(), "the title was run as a command");
    assert_eq!(counts(&harness.state().await), one_of_each());
    let statuses = setup::status::sandbox_status(
        &client,
        &setup::Timing::ADOBE,
        &setup::alerts::AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(statuses.len(), 1);
    let webhook = statuses[0].webhook_url.clone().unwrap();
    assert_eq!(
        stdout.trim_end().lines().last().unwrap(),
        format!("Webhook URL for Chatlio: {}", webhook.as_str())
    );
    let schema_title = harness.state().await["platform"]["data"]["prod"]["schemas"][0]["title"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(schema_title, title, "the title reached Adobe unchanged");

    // Everything the script made carries the setup's markers: the app adopts
    // it instead of making a second set.
    let outcome = harness.engine().apply(&request).await.unwrap();
    assert!(outcome.complete);
    assert_eq!(outcome.webhook_url.as_ref(), Some(&webhook));
    assert_eq!(counts(&harness.state().await), one_of_each());
    harness.shutdown().await;
}

#[test]
fn the_exported_script_parses_as_posix_shell() {
    // `sh -n` reads without running: catches quoting and heredoc mistakes
    // even where curl and jq are missing.
    for input in [
        SetupInput {
            name: "Parsed".into(),
            sandbox: "prod".into(),
            schema_title: "Odd $(x) `y` \"z\" 'w' \\".into(),
            error_diagnostics: true,
            partial_ingestion_threshold: Some(10),
            ..SetupInput::default()
        },
        SetupInput {
            name: "Existing".into(),
            sandbox: "prod".into(),
            existing_schema_id: "https://ns.adobe.com/acme/schemas/abc".into(),
            existing_dataset_id: "5f0a1b2c3d4e5f6a7b8c9d0e".into(),
            ..SetupInput::default()
        },
    ] {
        let script = Plan::new(&input.validate().unwrap())
            .unwrap()
            .to_curl_script();
        let directory = common::scratch("parse");
        let path = directory.join("setup.sh");
        std::fs::write(&path, &script).unwrap();
        let output = std::process::Command::new("sh")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&directory).unwrap();
        assert!(
            output.status.success(),
            "{}\n{script}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
