//! OAuth Server-to-Server against platform-sim over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use connect::{ConnectionId, SecretKind, SecretVault, ServerToServerInput, SessionVault, Storage};
use platform::Secret;
use serde_json::json;

#[tokio::test]
async fn connect_saves_the_connection_and_its_secrets_and_lists_sandboxes() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-ok");
    let vault = Arc::new(SessionVault::new());
    let connector = connector(&directory, vault.clone());
    let connected = connector
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "",
            Storage::Keychain,
        )
        .await
        .unwrap();
    let connection = &connected.connection;
    assert!(connection.practice);
    assert_eq!(
        connection.label,
        format!("Practice ({})", sim.config().org_id)
    );
    assert_eq!(
        connection.org_id.as_deref(),
        Some(sim.config().org_id.as_str())
    );
    let names: Vec<&str> = connected
        .sandboxes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["prod", "dev"]);
    assert_eq!(
        connected.sandboxes[0].sandbox_type.as_deref(),
        Some("production")
    );
    assert_eq!(connector.current().unwrap().unwrap().id, connection.id);

    let stored = vault
        .get(&connection.id, SecretKind::ClientSecret)
        .unwrap()
        .unwrap();
    assert_eq!(stored.value.expose(), &sim.config().client_secret);
    let access = vault
        .get(&connection.id, SecretKind::AccessToken)
        .unwrap()
        .unwrap();
    assert!(access.expires_at.unwrap() > chrono::Utc::now() + chrono::Duration::hours(23));
    let file = std::fs::read_to_string(connector.store().path()).unwrap();
    assert!(file.contains(&sim.config().client_id));
    assert!(!file.contains(&sim.config().client_secret));
    assert!(!file.contains(access.value.expose()));

    // The same credential again updates the connection instead of adding one.
    let again = connector
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "Renamed",
            Storage::Keychain,
        )
        .await
        .unwrap();
    assert_eq!(again.connection.id, connection.id);
    assert_eq!(connector.connections().unwrap().len(), 1);
    assert_eq!(connector.connections().unwrap()[0].label, "Renamed");

    // The chosen sandbox is remembered per connection.
    connector.set_last_sandbox(&connection.id, "dev").unwrap();
    let client = connector.client_for(&connection.id, "dev").await.unwrap();
    assert_eq!(client.sandbox().as_str(), "dev");
    assert!(client.schema_registry().tenant_id().await.is_ok());
    assert_eq!(
        connector
            .current()
            .unwrap()
            .unwrap()
            .last_sandbox
            .as_deref(),
        Some("dev")
    );
    let orgs = connector.list_orgs(&connection.id).await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].org_id, sim.config().org_id);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_reported_as_such_and_nothing_is_saved() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-secret");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let credential = ServerToServerInput {
        client_id: sim.config().client_id.clone(),
        client_secret: Secret::from("p8e-not-the-secret"),
        org_id: sim.config().org_id.clone(),
        scopes: None,
    }
    .validate()
    .unwrap();
    let error = connector
        .connect_server_to_server(&practice(&sim), credential, "", Storage::Keychain)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "wrong_client_secret", "{error:?}");
    assert!(error.hint().contains("client secret"));
    let view = serde_json::to_value(&error).unwrap();
    assert_eq!(view["code"], "wrong_client_secret");
    assert_eq!(view["adobe"]["adobeCode"], "invalid_client");
    assert!(!view.to_string().contains("p8e-not-the-secret"));
    assert!(connector.connections().unwrap().is_empty());

    let unknown = ServerToServerInput {
        client_id: "no-such-client".into(),
        client_secret: Secret::from("p8e-anything"),
        org_id: sim.config().org_id.clone(),
        scopes: None,
    }
    .validate()
    .unwrap();
    let error = connector
        .connect_server_to_server(&practice(&sim), unknown, "", Storage::Keychain)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "unknown_client_id", "{error:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_org_is_reported_as_such() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-org");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let credential = ServerToServerInput {
        client_id: sim.config().client_id.clone(),
        client_secret: Secret::from(sim.config().client_secret.as_str()),
        org_id: "0A1B2C3D4E5F60718293A4B5@AdobeOrg".into(),
        scopes: None,
    }
    .validate()
    .unwrap();
    let error = connector
        .connect_server_to_server(&practice(&sim), credential, "", Storage::Keychain)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "org_mismatch", "{error:?}");
    assert!(error
        .to_string()
        .contains("0A1B2C3D4E5F60718293A4B5@AdobeOrg"));
    assert_eq!(error.platform_error().unwrap().adobe_code(), Some("403025"));
    assert!(connector.connections().unwrap().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_scope_the_credential_does_not_have_is_reported_as_such() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-scope");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    // A scope from another Adobe API than Experience Platform.
    let credential = ServerToServerInput {
        client_id: sim.config().client_id.clone(),
        client_secret: Secret::from(sim.config().client_secret.as_str()),
        org_id: sim.config().org_id.clone(),
        scopes: Some("openid,AdobeID,read_organizations,ent_analytics_bulk_ingest_sdk".into()),
    }
    .validate()
    .unwrap();
    let error = connector
        .connect_server_to_server(&practice(&sim), credential, "", Storage::Keychain)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "scope_rejected", "{error:?}");
    assert!(error.hint().contains("scopes"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_credential_without_any_sandbox_has_no_platform_access() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-access");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let created = sim_credential(&sim, json!({"sandboxes": []})).await;
    let error = connector
        .connect_server_to_server(
            &practice(&sim),
            credential_from(&created),
            "",
            Storage::Keychain,
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "no_platform_access", "{error:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_the_new_one_kept() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("s2s-expired");
    let connector = connector(&directory, vault.clone());
    let id = connect_seeded(&connector, &sim).await;
    let first = vault.get(&id, SecretKind::AccessToken).unwrap().unwrap();
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 1);

    expire_tokens(&sim).await;
    let sandboxes = connector.list_sandboxes(&id).await.unwrap();
    assert_eq!(sandboxes.len(), 2);
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 2);
    let second = vault.get(&id, SecretKind::AccessToken).unwrap().unwrap();
    assert_ne!(first.value, second.value);

    // A client handed out for a sandbox stores the token it renews by itself: the
    // caller has nothing to remember.
    let client = connector.client_for(&id, "prod").await.unwrap();
    expire_tokens(&sim).await;
    client.sandboxes().list_available().await.unwrap();
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 3);
    let third = vault.get(&id, SecretKind::AccessToken).unwrap().unwrap();
    assert_ne!(second.value, third.value);
    assert!(third
        .expires_at
        .is_some_and(|expires| expires > chrono::Utc::now()));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_client_made_before_sign_out_leaves_no_renewed_token_behind() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("s2s-renewed-after-sign-out");
    let connector = connector(&directory, vault.clone());
    let id = connect_seeded(&connector, &sim).await;
    // A client still in use when the user signs out (a dashboard refresh, a
    // background check): it holds the client secret, which lives on at Adobe.
    let client = connector.client_for(&id, "prod").await.unwrap();
    connector.sign_out(&id).await.unwrap();
    let minted = request_count(&sim, "/ims/token/v3").await;
    expire_tokens(&sim).await;
    client.sandboxes().list_available().await.unwrap();
    assert_eq!(
        request_count(&sim, "/ims/token/v3").await,
        minted + 1,
        "the client renewed its token"
    );
    for kind in SecretKind::ALL {
        assert!(vault.get(&id, kind).unwrap().is_none(), "{kind:?} kept");
    }
    assert!(connector.connections().unwrap().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_restart_reuses_the_stored_token_instead_of_minting_one() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-restart");
    let vault = Arc::new(SessionVault::new());
    let id: ConnectionId = {
        let first_run = connector(&directory, vault.clone());
        connect_seeded(&first_run, &sim).await
    };
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 1);
    // A new process: same data folder, same keychain, nothing in memory.
    let second_run = connector(&directory, vault.clone());
    let dev = second_run.client_for(&id, "dev").await.unwrap();
    let prod = second_run.client_for(&id, "prod").await.unwrap();
    assert!(dev.schema_registry().tenant_id().await.is_ok());
    assert!(prod.schema_registry().tenant_id().await.is_ok());
    second_run.list_sandboxes(&id).await.unwrap();
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn session_only_secrets_are_gone_after_a_restart_and_can_be_replaced() {
    let sim = start_sim().await;
    let directory = data_dir("s2s-session");
    let keychain = Arc::new(SessionVault::new());
    let first_run = connector(&directory, keychain.clone());
    let id = first_run
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "",
            Storage::SessionOnly,
        )
        .await
        .unwrap()
        .connection
        .id;
    // Session-only: nothing went to the keychain.
    for kind in SecretKind::ALL {
        assert!(keychain.get(&id, kind).unwrap().is_none());
    }
    let second_run = connector(&directory, keychain.clone());
    let error = second_run.client_for(&id, "prod").await.unwrap_err();
    assert_eq!(error.code().as_str(), "secret_missing");
    let status = second_run.secret_status(&id).await.unwrap();
    assert!(!status.client_secret);

    let error = second_run
        .replace_client_secret(&id, Secret::from("p8e-wrong"))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "wrong_client_secret");
    second_run
        .replace_client_secret(
            &id,
            Secret::from(format!(" {} ", sim.config().client_secret)),
        )
        .await
        .unwrap();
    assert!(second_run.secret_status(&id).await.unwrap().client_secret);
    assert_eq!(second_run.list_sandboxes(&id).await.unwrap().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn two_orgs_are_two_connections_and_sign_out_removes_one() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("s2s-two");
    let connector = connector(&directory, vault.clone());
    let first = connector
        .connect_server_to_server(
            &practice(&sim),
            seeded_credential(&sim),
            "First",
            Storage::Keychain,
        )
        .await
        .unwrap()
        .connection;
    let created = sim_credential(&sim, json!({"sandboxes": ["dev"]})).await;
    let second = connector
        .connect_server_to_server(
            &practice(&sim),
            credential_from(&created),
            "Second",
            Storage::Keychain,
        )
        .await
        .unwrap();
    assert_eq!(second.sandboxes.len(), 1);
    assert_eq!(connector.connections().unwrap().len(), 2);
    assert_eq!(connector.current().unwrap().unwrap().label, "Second");
    connector.switch_to(&first.id).unwrap();
    assert_eq!(connector.current().unwrap().unwrap().label, "First");

    let token = vault
        .get(&first.id, SecretKind::AccessToken)
        .unwrap()
        .unwrap()
        .value;
    let report = connector.sign_out(&first.id).await.unwrap();
    assert_eq!(report.tokens_revoked, 1);
    assert!(report.revoke_error.is_none());
    for kind in SecretKind::ALL {
        assert!(vault.get(&first.id, kind).unwrap().is_none());
    }
    assert_eq!(connector.connections().unwrap().len(), 1);
    assert_eq!(connector.current().unwrap().unwrap().label, "Second");
    assert_eq!(
        connector
            .client_for(&first.id, "prod")
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "connection_not_found"
    );
    // The revoked token no longer opens Platform.
    let response = reqwest::Client::new()
        .get(format!(
            "{}/data/foundation/sandbox-management/",
            sim.base_url()
        ))
        .bearer_auth(token.expose())
        .header("x-api-key", &sim.config().client_id)
        .header("x-gw-ims-org-id", &sim.config().org_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_network_failure_keeps_adobe_code_and_nothing_is_saved() {
    // Nothing listens on this port.
    let endpoints = connect::Endpoints::practice("http://127.0.0.1:9").unwrap();
    let directory = data_dir("s2s-network");
    let connector =
        connector(&directory, Arc::new(SessionVault::new())).with_timeouts(platform::Timeouts {
            connect: std::time::Duration::from_millis(500),
            request: std::time::Duration::from_secs(2),
        });
    let credential = ServerToServerInput {
        client_id: "client".into(),
        client_secret: Secret::from("p8e-secret"),
        org_id: "A1@AdobeOrg".into(),
        scopes: None,
    }
    .validate()
    .unwrap();
    let error = connector
        .connect_server_to_server(&endpoints, credential, "", Storage::Keychain)
        .await
        .unwrap_err();
    assert_eq!(error.shown_code(), "network", "{error:?}");
    assert!(connector.connections().unwrap().is_empty());
}
