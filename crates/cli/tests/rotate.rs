//! `chatlio-aep rotate` through the binary against platform-sim: the new URL is
//! handed over, the old dataflow is disabled only once Chatlio uses the new one and
//! deleted only when confirmed, and the setup then is the new dataflow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::time::Duration;

use platform_sim::SimConfig;
use serde_json::Value;

fn run(base: &str, config: &SimConfig, data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatlio-aep"))
        .env("CHATLIO_AEP_IMS_URL", base)
        .env("CHATLIO_AEP_PLATFORM_URL", base)
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id)
        .env("CHATLIO_AEP_SANDBOX", "prod")
        .env("CHATLIO_AEP_DATA_DIR", data)
        // The simulator's short windows and no warm-up, told to the CLI too.
        .env("CHATLIO_AEP_WARMUP_SECS", "0")
        .env("CHATLIO_AEP_RUN_WINDOW_SECS", "1")
        .env("CHATLIO_AEP_REPORT_DELAY_SECS", "0")
        .env_remove("CHATLIO_AEP_FAIL_POINT")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn rotate_hands_over_a_new_url_then_retires_the_old_dataflow() {
    let sim = platform_sim::start(SimConfig {
        warmup: Duration::ZERO,
        run_window: Duration::from_millis(500),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-rotate-{}", std::process::id()));
    let cli = |args: &'static [&'static str]| {
        let (base, config, data) = (base.clone(), config.clone(), data.clone());
        tokio::task::spawn_blocking(move || run(&base, &config, &data, args))
    };
    let made = cli(&[
        "setup",
        "--name",
        "Rot",
        "--webhook-mode",
        "single",
        "--json",
    ])
    .await
    .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let outcome: Value = serde_json::from_slice(&made.stdout).unwrap();
    let old_flow = outcome["flowId"].as_str().unwrap().to_owned();

    // Nothing under way yet.
    let early = cli(&["rotate", "status", "--name", "Rot"]).await.unwrap();
    assert_eq!(early.status.code(), Some(2), "{}", text(&early.stderr));

    let started = cli(&["rotate", "start", "--name", "Rot", "--json"])
        .await
        .unwrap();
    assert!(started.status.success(), "{}", text(&started.stderr));
    let rotation: Value = serde_json::from_slice(&started.stdout).unwrap();
    let new_flow = rotation["newFlowId"].as_str().unwrap().to_owned();
    assert_ne!(new_flow, old_flow);

    let url = cli(&["rotate", "url", "--name", "Rot"]).await.unwrap();
    assert!(url.status.success(), "{}", text(&url.stderr));
    let new_url = text(&url.stdout).trim().to_owned();
    assert!(new_url.starts_with("http"), "{new_url}");

    // Chatlio has not used it yet: finishing would cut it off (try later: 4).
    let unused = cli(&["rotate", "finish", "--name", "Rot"]).await.unwrap();
    assert_eq!(unused.status.code(), Some(4), "{}", text(&unused.stderr));
    assert!(text(&unused.stderr).contains("no event has arrived"));

    let event = chatlio::documented_example(chatlio::EventKind::NewConversation);
    assert!(chatlio::send(&new_url, &event).await.is_success());
    // The window closes and its run counts the event.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let status = cli(&["rotate", "status", "--name", "Rot", "--json"])
        .await
        .unwrap();
    assert!(status.status.success(), "{}", text(&status.stderr));
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["rotation"]["phase"], "first_event_seen", "{status}");
    assert_eq!(status["newReceived"], 1);

    // Disabled, then deleted only with --yes.
    let disabled = cli(&["rotate", "finish", "--name", "Rot"]).await.unwrap();
    assert_eq!(
        disabled.status.code(),
        Some(2),
        "{}",
        text(&disabled.stderr)
    );
    let state: Value = reqwest::get(format!("{base}/__sim/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let flows = state["platform"]["data"]["prod"]["flows"]
        .as_array()
        .unwrap();
    let old = flows
        .iter()
        .find(|flow| flow["id"] == old_flow.as_str())
        .unwrap();
    assert_eq!(old["state"], "disabled", "{old}");
    let finished = cli(&["rotate", "finish", "--name", "Rot", "--yes", "--json"])
        .await
        .unwrap();
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    let finished: Value = serde_json::from_slice(&finished.stdout).unwrap();
    assert_eq!(finished["phase"], "finished");

    // The setup's journal now names the new dataflow.
    let setup = cli(&["status", "--name", "Rot", "--json"]).await.unwrap();
    let setup: Value = serde_json::from_slice(&setup.stdout).unwrap();
    assert_eq!(setup["flowId"], new_flow.as_str(), "{setup}");
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}
