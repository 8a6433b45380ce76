//! The OS keychain for real: on Linux a Secret Service such as gnome-keyring.
//!
//! These tests run only when a keychain answers. Locally and in CI:
//! `dbus-run-session -- sh -c 'echo -n k | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test -p connect'`.
//! With `CONNECT_REQUIRE_KEYCHAIN=1` a missing keychain fails them instead of skipping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::{TimeZone as _, Utc};
use common::*;
use connect::{ConnectionId, KeychainVault, SecretKind, SecretVault, StoredSecret};
use platform::Secret;

/// A vault under a service name of its own, so tests never touch the app's entries;
/// `None` (after saying why) when no keychain answers.
fn test_vault(name: &str) -> Option<Arc<KeychainVault>> {
    let vault = Arc::new(KeychainVault::new(format!(
        "chatlio-aep-setup-test-{name}-{}",
        std::process::id()
    )));
    match vault.probe() {
        Ok(()) => Some(vault),
        Err(error) => {
            assert!(
                std::env::var_os("CONNECT_REQUIRE_KEYCHAIN").is_none(),
                "CONNECT_REQUIRE_KEYCHAIN is set but no keychain answers: {error}"
            );
            eprintln!("skipped: no keychain answers ({error})");
            None
        }
    }
}

#[test]
fn keychain_stores_reads_replaces_and_deletes() {
    let Some(vault) = test_vault("cycle") else {
        return;
    };
    let id = ConnectionId::generate();
    assert_eq!(vault.get(&id, SecretKind::ClientSecret).unwrap(), None);
    vault
        .set(
            &id,
            SecretKind::ClientSecret,
            &StoredSecret::new(Secret::from("p8e-first-value")),
        )
        .unwrap();
    assert_eq!(
        vault
            .get(&id, SecretKind::ClientSecret)
            .unwrap()
            .unwrap()
            .value
            .expose(),
        "p8e-first-value"
    );
    vault
        .set(
            &id,
            SecretKind::ClientSecret,
            &StoredSecret::new(Secret::from("p8e-second-value")),
        )
        .unwrap();
    let replaced = vault.get(&id, SecretKind::ClientSecret).unwrap().unwrap();
    assert_eq!(replaced.value.expose(), "p8e-second-value");
    assert_eq!(replaced.expires_at, None);

    let expires_at = Utc.with_ymd_and_hms(2031, 5, 6, 7, 8, 9).unwrap();
    vault
        .set(
            &id,
            SecretKind::AccessToken,
            &StoredSecret::expiring(Secret::from("eyJ.access.token"), expires_at),
        )
        .unwrap();
    let access = vault.get(&id, SecretKind::AccessToken).unwrap().unwrap();
    assert_eq!(access.value.expose(), "eyJ.access.token");
    assert_eq!(access.expires_at, Some(expires_at));
    // Kinds and connections are separate entries.
    assert_eq!(vault.get(&id, SecretKind::RefreshToken).unwrap(), None);
    assert_eq!(
        vault
            .get(&ConnectionId::generate(), SecretKind::ClientSecret)
            .unwrap(),
        None
    );

    for kind in SecretKind::ALL {
        vault.delete(&id, kind).unwrap();
        assert_eq!(vault.get(&id, kind).unwrap(), None);
        // Deleting again is not an error.
        vault.delete(&id, kind).unwrap();
    }
}

#[tokio::test]
async fn a_keychain_connection_survives_a_restart_and_sign_out_deletes_its_entries() {
    let Some(vault) = test_vault("connector") else {
        return;
    };
    let sim = start_sim().await;
    let directory = data_dir("keychain-connector");
    let id = {
        let first_run = connector(&directory, vault.clone());
        connect_seeded(&first_run, &sim).await
    };
    let stored = vault.get(&id, SecretKind::ClientSecret).unwrap().unwrap();
    assert_eq!(stored.value.expose(), &sim.config().client_secret);
    assert!(vault
        .get(&id, SecretKind::AccessToken)
        .unwrap()
        .unwrap()
        .expires_at
        .is_some());

    let second_run = connector(&directory, vault.clone());
    assert_eq!(second_run.list_sandboxes(&id).await.unwrap().len(), 2);
    // The stored access token was reused: one token request in all.
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 1);
    let status = second_run.secret_status(&id).await.unwrap();
    assert!(status.client_secret && status.access_token_expires_at.is_some());

    second_run.sign_out(&id).await.unwrap();
    for kind in SecretKind::ALL {
        assert_eq!(vault.get(&id, kind).unwrap(), None);
    }
    sim.shutdown().await;
}
