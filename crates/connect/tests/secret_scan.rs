//! After a full connect → setup → status run (server-to-server and user sign-in, with a
//! token renewal and a refresh), no client secret, access token or refresh token is in
//! the data folder (connections.json, setup journals), in the captured logs (TRACE, every
//! crate) or in what the UI receives. Its own test binary: it installs the global
//! tracing subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use connect::{
    CancelHandle, RedirectStyle, SecretKind, SecretVault, SessionVault, SignInRequest, Storage,
};
use serde_json::json;
use setup::{Engine, JournalStore, SetupInput};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Every (place, secret name) where a secret occurs.
fn findings(places: &[(String, Vec<u8>)], secrets: &[(&str, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (place, bytes) in places {
        for (name, secret) in secrets {
            assert!(secret.len() >= 16, "{name} is too short to search for");
            if bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes())
            {
                found.push(format!("{name} in {place}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn no_secret_in_files_logs_or_ui_payloads_after_connect_setup_and_status() {
    let logs = Captured::default();
    tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .init();

    let sim = start_sim().await;
    let created = sim_credential(&sim, json!({})).await;
    let client_secret = created["clientSecret"].as_str().unwrap().to_owned();
    let directory = data_dir("secret-scan");
    let vault = Arc::new(SessionVault::new());
    let connector = connector(&directory, vault.clone());
    let mut ui_payloads: Vec<String> = Vec::new();
    let mut tokens: Vec<(&str, String)> = Vec::new();

    // Server-to-server: connect, choose a sandbox, set up a dataflow, status.
    let connected = connector
        .connect_server_to_server(
            &practice(&sim),
            credential_from(&created),
            "Scan",
            Storage::Keychain,
        )
        .await
        .unwrap();
    ui_payloads.push(serde_json::to_string(&connected).unwrap());
    let id = connected.connection.id.clone();
    tokens.push((
        "first access token",
        vault
            .get(&id, SecretKind::AccessToken)
            .unwrap()
            .unwrap()
            .value
            .expose()
            .clone(),
    ));
    ui_payloads
        .push(serde_json::to_string(&connector.set_last_sandbox(&id, "prod").unwrap()).unwrap());
    let client = connector.client_for(&id, "prod").await.unwrap();
    let engine = Engine::new(client.clone(), JournalStore::new(directory.to_path_buf()));
    let request = SetupInput {
        name: "Secret scan flow".into(),
        sandbox: "prod".into(),
        ..SetupInput::default()
    }
    .validate()
    .unwrap();
    let outcome = engine.apply(&request).await.unwrap();
    assert!(outcome.complete);
    ui_payloads.push(serde_json::to_string(&outcome).unwrap());
    ui_payloads.push(serde_json::to_string(&engine.status("Secret scan flow").unwrap()).unwrap());
    let flows = setup::status::sandbox_status(
        &client,
        &setup::Timing::ADOBE,
        &setup::alerts::AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(flows.len(), 1);
    ui_payloads.push(serde_json::to_string(&flows).unwrap());
    // A renewal after expiry, kept in the vault.
    expire_tokens(&sim).await;
    ui_payloads.push(serde_json::to_string(&connector.list_sandboxes(&id).await.unwrap()).unwrap());
    tokens.push((
        "renewed access token",
        vault
            .get(&id, SecretKind::AccessToken)
            .unwrap()
            .unwrap()
            .value
            .expose()
            .clone(),
    ));
    ui_payloads.push(serde_json::to_string(&connector.secret_status(&id).await.unwrap()).unwrap());
    // An error the UI would show, carrying Adobe's answer.
    let wrong = connector
        .replace_client_secret(&id, platform::Secret::from(format!("{client_secret}x")))
        .await
        .unwrap_err();
    ui_payloads.push(serde_json::to_string(&wrong).unwrap());

    // User sign-in: tokens, a refresh, organizations, sandboxes.
    let signed_in = connector
        .sign_in(
            SignInRequest {
                endpoints: practice(&sim),
                client_id: sim.config().client_id.clone(),
                scopes: Some(connect::SIGN_IN_SCOPES_WITH_REFRESH.into()),
                redirect: RedirectStyle::Loopback { port: 0 },
                label: String::new(),
                storage: Storage::Keychain,
                timeout: std::time::Duration::from_secs(20),
            },
            fake_browser(Browser::Allow, None),
            CancelHandle::new(),
        )
        .await
        .unwrap();
    ui_payloads.push(serde_json::to_string(&signed_in).unwrap());
    let user = signed_in.connection.id.clone();
    tokens.push((
        "user access token",
        vault
            .get(&user, SecretKind::AccessToken)
            .unwrap()
            .unwrap()
            .value
            .expose()
            .clone(),
    ));
    tokens.push((
        "refresh token",
        vault
            .get(&user, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .value
            .expose()
            .clone(),
    ));
    expire_tokens(&sim).await;
    ui_payloads.push(serde_json::to_string(&connector.list_orgs(&user).await.unwrap()).unwrap());
    ui_payloads
        .push(serde_json::to_string(&connector.list_sandboxes(&user).await.unwrap()).unwrap());
    tokens.push((
        "refreshed user access token",
        vault
            .get(&user, SecretKind::AccessToken)
            .unwrap()
            .unwrap()
            .value
            .expose()
            .clone(),
    ));
    ui_payloads.push(serde_json::to_string(&connector.connections().unwrap()).unwrap());

    let mut secrets: Vec<(&str, String)> = vec![("client secret", client_secret.clone())];
    secrets.extend(tokens);
    let distinct: std::collections::HashSet<&String> =
        secrets.iter().map(|(_, value)| value).collect();
    assert_eq!(
        distinct.len(),
        secrets.len(),
        "every secret is a different value"
    );

    let files = files_under(&directory);
    let names: Vec<String> = files
        .iter()
        .map(|file| file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|name| name == connect::CONNECTIONS_FILE),
        "{names:?}"
    );
    assert!(
        files.len() >= 2,
        "a setup journal was written too: {names:?}"
    );
    let mut places: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|file| (file.display().to_string(), std::fs::read(file).unwrap()))
        .collect();
    let log_text = logs.0.lock().unwrap().clone();
    assert!(String::from_utf8_lossy(&log_text).contains("connected with OAuth server-to-server"));
    assert!(String::from_utf8_lossy(&log_text).contains("signed in with Adobe"));
    places.push(("captured logs".into(), log_text));
    for (index, payload) in ui_payloads.iter().enumerate() {
        places.push((format!("UI payload {index}"), payload.clone().into_bytes()));
    }
    let found = findings(&places, &secrets);
    assert!(found.is_empty(), "secrets found: {found:?}");

    // The scan finds what is there (so an empty result means something).
    let planted = data_dir("secret-scan-control");
    let mut file = std::fs::File::create(planted.join("leak.txt")).unwrap();
    writeln!(file, "token={}", secrets[3].1).unwrap();
    let control: Vec<(String, Vec<u8>)> = files_under(&planted)
        .iter()
        .map(|file| (file.display().to_string(), std::fs::read(file).unwrap()))
        .collect();
    assert_eq!(findings(&control, &secrets).len(), 1);
    sim.shutdown().await;
}
