//! No keychain (headless Linux without a Secret Service): a clear, typed error and a
//! session-only connection instead; never a file. Its own test binary, because it points
//! this process's D-Bus session address nowhere.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use connect::{probe_keychain, KeychainVault, SecretVault, Storage};

#[tokio::test]
async fn without_a_secret_service_the_error_says_so_and_session_only_works() {
    // Before any D-Bus use in this process: libdbus reads the address once.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/connect-test/bus",
    );
    std::env::remove_var("DISPLAY");
    std::env::remove_var("WAYLAND_DISPLAY");

    let error = probe_keychain().await.unwrap_err();
    assert_eq!(error.code().as_str(), "keychain_unavailable", "{error:?}");
    assert!(error.hint().contains("gnome-keyring"), "{}", error.hint());
    assert!(error.hint().contains("session only"));
    let view = serde_json::to_value(&error).unwrap();
    assert_eq!(view["code"], "keychain_unavailable");

    let vault = Arc::new(KeychainVault::new("chatlio-aep-setup-test-none"));
    assert!(vault.probe().is_err());
    let sim = start_sim().await;
    let directory = data_dir("no-keychain");
    let connector = connector(&directory, vault);
    let error = connector
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "",
            Storage::Keychain,
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "keychain_unavailable");
    // Refused before anything was sent to Adobe, and nothing written.
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 0);
    assert!(connector.connections().unwrap().is_empty());
    assert!(std::fs::read_dir(&directory).unwrap().next().is_none());

    // The offered alternative: this session only.
    let connected = connector
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "",
            Storage::SessionOnly,
        )
        .await
        .unwrap();
    assert_eq!(connected.connection.storage, Storage::SessionOnly);
    assert_eq!(
        connector
            .list_sandboxes(&connected.connection.id)
            .await
            .unwrap()
            .len(),
        2
    );
    sim.shutdown().await;
}
