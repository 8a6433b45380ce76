//! The built binary against platform-sim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use platform_sim::SimConfig;

fn command(base: &str, config: &SimConfig, data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    command
        .env("CHATLIO_AEP_IMS_URL", base)
        .env("CHATLIO_AEP_PLATFORM_URL", base)
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id)
        .env("CHATLIO_AEP_SANDBOX", "prod")
        .env("CHATLIO_AEP_DATA_DIR", data)
        .env_remove("CHATLIO_AEP_FAIL_POINT");
    command
}

#[tokio::test]
async fn setup_interrupt_resume_status_and_rollback_through_the_binary() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-cli-{}", std::process::id()));
    let run = |args: &[&str], fail_point: Option<&str>| {
        let mut command = command(&base, &config, &data);
        if let Some(fail_point) = fail_point {
            command.env("CHATLIO_AEP_FAIL_POINT", fail_point);
        }
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };

    let plan = run(&["plan", "--name", "Cli flow", "--curl"], None).await;
    let script = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success());
    assert!(script.contains("$ACCESS_TOKEN") && !script.contains(&config.client_secret));

    let interrupted = run(
        &["setup", "--name", "Cli flow"],
        Some("after_create:dataflow"),
    )
    .await;
    assert_eq!(
        interrupted.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&interrupted.stderr)
    );
    let resumed = run(&["resume", "--name", "Cli flow", "--json"], None).await;
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(outcome["complete"], true);

    let status = run(&["status", "--json"], None).await;
    assert!(status.status.success());
    let flows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let flows = flows.as_array().unwrap();
    assert_eq!(flows.len(), 1);
    for key in ["flowId", "name", "state", "received", "ingested", "failed"] {
        assert!(flows[0].get(key).is_some(), "{key}");
    }
    assert_eq!(flows[0]["flowId"], outcome["flowId"]);

    let rollback = run(&["rollback", "--name", "Cli flow"], None).await;
    assert!(
        rollback.status.success(),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    let status = run(&["status", "--json"], None).await;
    let flows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(flows.as_array().unwrap().len(), 0);

    let no_secret = command(&base, &config, &data)
        .env_remove("CHATLIO_AEP_CLIENT_SECRET")
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(no_secret.status.code(), Some(2));
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}
