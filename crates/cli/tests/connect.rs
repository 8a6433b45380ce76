//! `connect`, keychain-backed commands and `disconnect` through the built binary,
//! against platform-sim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use platform_sim::SimConfig;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "chatlio-aep-cli-{name}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {error}", self.0.display());
        }
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The binary, pointed at the simulator, without a secret in the environment.
fn command(base: &str, data: &Path, service: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    command
        .env("CHATLIO_AEP_IMS_URL", base)
        .env("CHATLIO_AEP_PLATFORM_URL", base)
        .env("CHATLIO_AEP_DATA_DIR", data)
        .env("CHATLIO_AEP_KEYCHAIN_SERVICE", service)
        .env_remove("CHATLIO_AEP_CLIENT_SECRET")
        .env_remove("CHATLIO_AEP_CLIENT_ID")
        .env_remove("CHATLIO_AEP_ORG_ID")
        .env_remove("CHATLIO_AEP_CONNECTION")
        .env_remove("CHATLIO_AEP_FAIL_POINT");
    command
}

async fn run(mut command: Command, stdin: Option<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn without_a_secret_or_saved_connection_commands_say_how_to_connect() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let data = TempDir::new("none");
    let mut status = command(&sim.base_url(), &data.0, "chatlio-aep-cli-test-none");
    status.arg("status");
    let output = run(status, None).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("chatlio-aep connect"));
    sim.shutdown().await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn without_a_keychain_connect_explains_the_fix() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let data = TempDir::new("no-keychain");
    let config = sim.config().clone();
    let mut connect = command(&sim.base_url(), &data.0, "chatlio-aep-cli-test-nokeychain");
    connect
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/chatlio-aep-test/bus",
        )
        .env_remove("DISPLAY")
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .args([
            "connect",
            "--client-id",
            &config.client_id,
            "--org-id",
            &config.org_id,
            "--json",
        ]);
    let output = run(connect, None).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["error"]["code"], "keychain_unavailable");
    assert!(printed["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("gnome-keyring"));
    // Nothing was written in the data folder.
    assert!(std::fs::read_dir(&data.0).unwrap().next().is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn connect_keeps_the_secret_in_the_keychain_for_later_commands_until_disconnect() {
    let service = format!("chatlio-aep-cli-test-{}", std::process::id());
    let vault = connect::KeychainVault::new(service.as_str());
    let probed = tokio::task::spawn_blocking(move || connect::SecretVault::probe(&vault))
        .await
        .unwrap();
    if let Err(error) = probed {
        assert!(
            std::env::var_os("CONNECT_REQUIRE_KEYCHAIN").is_none(),
            "CONNECT_REQUIRE_KEYCHAIN is set but no keychain answers: {error}"
        );
        eprintln!("skipped: no keychain answers ({error})");
        return;
    }
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = TempDir::new("keychain");
    let project = data.0.join("project.json");
    std::fs::write(
        &project,
        serde_json::json!({"project": {
            "name": "cli", "title": "CLI test",
            "org": {"name": "Practice", "ims_org_id": config.org_id},
            "workspace": {"name": "Production", "details": {"credentials": [
                {"name": "S2S", "integration_type": "oauth_server_to_server",
                 "oauth_server_to_server": {"client_id": config.client_id, "client_secrets": [],
                   "scopes": ["openid", "AdobeID", "read_organizations",
                              "additional_info.projectedProductContext", "session"]}}
            ]}}
        }})
        .to_string(),
    )
    .unwrap();

    let mut connect = command(&base, &data.0, &service);
    connect.args([
        "connect",
        "--project-file",
        project.to_str().unwrap(),
        "--secret-stdin",
        "--label",
        "CLI practice",
    ]);
    let output = run(connect, Some(format!("{}\n", config.client_secret))).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    assert!(
        printed.contains("CLI practice") && printed.contains("prod"),
        "{printed}"
    );
    let saved = std::fs::read_to_string(data.0.join(connect::CONNECTIONS_FILE)).unwrap();
    assert!(!saved.contains(&config.client_secret));

    // No secret in the environment: the keychain provides it, and the stored token is
    // reused rather than a new one minted.
    let mut status = command(&base, &data.0, &service);
    status.args(["status", "--json"]);
    let output = run(status, None).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let log: serde_json::Value = reqwest::get(format!("{base}/__sim/requests"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token_requests = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["path"] == "/ims/token/v3")
        .count();
    assert_eq!(token_requests, 1);

    let mut list = command(&base, &data.0, &service);
    list.args(["connections", "--json"]);
    let output = run(list, None).await;
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["connections"][0]["label"], "CLI practice");

    let mut disconnect = command(&base, &data.0, &service);
    disconnect.arg("disconnect");
    let output = run(disconnect, None).await;
    assert!(output.status.success(), "{}", text(&output.stderr));

    let mut status = command(&base, &data.0, &service);
    status.arg("status");
    let output = run(status, None).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    sim.shutdown().await;
}
