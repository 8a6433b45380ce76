//! "Sign in with Adobe" (authorization code + PKCE) against platform-sim's IMS, with a
//! fake browser that submits the simulator's sign-in page over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use connect::{
    AuthMethod, CancelHandle, Connector, RedirectStyle, SecretKind, SecretVault, SessionVault,
    SignInRequest, Storage,
};
use platform::{ImsClient, RetryPolicy, Timeouts, Url};
use platform_sim::RunningSim;

fn request(sim: &RunningSim, redirect: RedirectStyle) -> SignInRequest {
    SignInRequest {
        endpoints: practice(sim),
        client_id: sim.config().client_id.clone(),
        scopes: Some(connect::SIGN_IN_SCOPES_WITH_REFRESH.into()),
        redirect,
        label: String::new(),
        storage: Storage::Keychain,
        timeout: Duration::from_secs(20),
    }
}

async fn signed_in(sim: &RunningSim, connector: &Connector) -> connect::SignedIn {
    connector
        .sign_in(
            request(sim, RedirectStyle::Loopback { port: 0 }),
            fake_browser(Browser::Allow, None),
            CancelHandle::new(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn loopback_sign_in_end_to_end() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("pkce-loopback");
    let connector = connector(&directory, vault.clone());
    let outcome = signed_in(&sim, &connector).await;
    let connection = &outcome.connection;
    assert_eq!(connection.method, AuthMethod::UserSignIn);
    assert!(outcome.refreshable);
    assert_eq!(outcome.organizations.len(), 1);
    assert_eq!(outcome.organizations[0].org_id, sim.config().org_id);
    // The one organization is chosen at once.
    assert_eq!(
        connection.org_id.as_deref(),
        Some(sim.config().org_id.as_str())
    );
    assert_eq!(connection.label, "Practice Org");
    assert!(connection
        .redirect_uri
        .as_deref()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert!(vault
        .get(&connection.id, SecretKind::RefreshToken)
        .unwrap()
        .is_some());
    assert!(vault
        .get(&connection.id, SecretKind::AccessToken)
        .unwrap()
        .is_some());
    // The code was exchanged with the PKCE verifier: the simulator checked it.
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 1);

    let sandboxes = connector.list_sandboxes(&connection.id).await.unwrap();
    assert_eq!(sandboxes.len(), 2);
    let orgs = connector.list_orgs(&connection.id).await.unwrap();
    assert_eq!(orgs[0].name.as_deref(), Some("Practice Org"));
    let chosen = connector
        .select_org(&connection.id, &sim.config().org_id)
        .await
        .unwrap();
    assert_eq!(chosen.org_name.as_deref(), Some("Practice Org"));
    let error = connector
        .select_org(&connection.id, "0A1B2C3D4E5F60718293A4B5@AdobeOrg")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "org_not_available");
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_scheme_sign_in_end_to_end() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-scheme");
    let connector = Arc::new(connector(&directory, Arc::new(SessionVault::new())));
    let redirect_uri = Url::parse("adobe+0123abcd://adobeid/practice-client").unwrap();
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    // The app's deep-link handler: every URL the OS hands over goes to the connector.
    let deep_links = tokio::spawn({
        let connector = connector.clone();
        async move {
            let url: Url = receiver.recv().await.unwrap();
            // A link for another purpose does not disturb the waiting sign-in.
            let stray = Url::parse("adobe+0123abcd://adobeid/other?code=x").unwrap();
            assert_eq!(
                connector
                    .complete_redirect(&stray)
                    .unwrap_err()
                    .code()
                    .as_str(),
                "redirect_invalid"
            );
            connector.complete_redirect(&url).unwrap();
        }
    });
    let outcome = connector
        .sign_in(
            request(&sim, RedirectStyle::CustomScheme { redirect_uri }),
            fake_browser(Browser::Allow, Some(sender)),
            CancelHandle::new(),
        )
        .await
        .unwrap();
    deep_links.await.unwrap();
    assert_eq!(
        outcome.connection.redirect_uri.as_deref(),
        Some("adobe+0123abcd://adobeid/practice-client")
    );
    assert_eq!(
        connector
            .list_sandboxes(&outcome.connection.id)
            .await
            .unwrap()
            .len(),
        2
    );
    // Nothing waits any more.
    let late = Url::parse("adobe+0123abcd://adobeid/practice-client?code=x&state=y").unwrap();
    assert_eq!(
        connector
            .complete_redirect(&late)
            .unwrap_err()
            .code()
            .as_str(),
        "no_sign_in_pending"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_forged_state_is_rejected_and_nothing_is_saved() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-state");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let error = connector
        .sign_in(
            request(&sim, RedirectStyle::Loopback { port: 0 }),
            fake_browser(Browser::TamperState, None),
            CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "state_mismatch");
    assert!(connector.connections().unwrap().is_empty());
    // The code was never exchanged.
    assert_eq!(request_count(&sim, "/ims/token/v3").await, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn declining_is_access_denied() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-deny");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let error = connector
        .sign_in(
            request(&sim, RedirectStyle::Loopback { port: 0 }),
            fake_browser(Browser::Deny, None),
            CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "access_denied");
    sim.shutdown().await;
}

#[tokio::test]
async fn cancel_stops_the_wait_and_frees_the_port() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-cancel");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let opened = Arc::new(AtomicUsize::new(0));
    let cancel = CancelHandle::new();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let canceller = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            cancel.cancel();
        }
    });
    let started = std::time::Instant::now();
    let error = connector
        .sign_in(
            request(&sim, RedirectStyle::Loopback { port }),
            idle_browser(opened.clone()),
            cancel,
        )
        .await
        .unwrap_err();
    canceller.await.unwrap();
    assert_eq!(error.code().as_str(), "cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(opened.load(Ordering::SeqCst), 1);
    // The listener is gone: the port can be bound again.
    std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn a_user_who_never_finishes_times_out() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-timeout");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let mut timed = request(&sim, RedirectStyle::Loopback { port: 0 });
    timed.timeout = Duration::from_millis(400);
    let error = connector
        .sign_in(
            timed,
            idle_browser(Arc::new(AtomicUsize::new(0))),
            CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "timed_out");
    let mut deep = request(
        &sim,
        RedirectStyle::CustomScheme {
            redirect_uri: Url::parse("adobe+0123abcd://adobeid/practice-client").unwrap(),
        },
    );
    deep.timeout = Duration::from_millis(300);
    let error = connector
        .sign_in(
            deep,
            idle_browser(Arc::new(AtomicUsize::new(0))),
            CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "timed_out");
    let late = Url::parse("adobe+0123abcd://adobeid/practice-client?code=x&state=y").unwrap();
    assert_eq!(
        connector
            .complete_redirect(&late)
            .unwrap_err()
            .code()
            .as_str(),
        "no_sign_in_pending"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_and_a_revoked_refresh_token_means_sign_in_again() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("pkce-refresh");
    let first_run = connector(&directory, vault.clone());
    let id = signed_in(&sim, &first_run).await.connection.id;
    let first_access = vault
        .get(&id, SecretKind::AccessToken)
        .unwrap()
        .unwrap()
        .value;

    // Expired at IMS: the next call refreshes with the refresh token and keeps the new
    // access token.
    expire_tokens(&sim).await;
    first_run.list_sandboxes(&id).await.unwrap();
    let second_access = vault
        .get(&id, SecretKind::AccessToken)
        .unwrap()
        .unwrap()
        .value;
    assert_ne!(first_access, second_access);
    // IMS calls (the organization list) renew an expired token the same way.
    expire_tokens(&sim).await;
    assert_eq!(first_run.list_orgs(&id).await.unwrap().len(), 1);
    let third_access = vault
        .get(&id, SecretKind::AccessToken)
        .unwrap()
        .unwrap()
        .value;
    assert_ne!(second_access, third_access);

    // The refresh token is revoked (signed out elsewhere) and the access token expires.
    let refresh = vault
        .get(&id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap()
        .value;
    let ims = ImsClient::new(
        Url::parse(&sim.base_url()).unwrap(),
        &Timeouts::default(),
        RetryPolicy::default(),
    )
    .unwrap();
    ims.revoke(&sim.config().client_id, &refresh).await.unwrap();
    expire_tokens(&sim).await;
    let error = first_run.list_sandboxes(&id).await.unwrap_err();
    assert_eq!(error.code().as_str(), "session_expired", "{error:?}");
    assert_eq!(error.hint(), "Sign in to Adobe again.");
    // A restart with the same vault reaches the same verdict.
    let second_run = connector(&directory, vault.clone());
    let error = second_run.list_orgs(&id).await.unwrap_err();
    assert_eq!(error.code().as_str(), "session_expired", "{error:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn without_read_organizations_the_org_is_typed_and_listing_reports_the_scope() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-scope");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let mut narrow = request(&sim, RedirectStyle::Loopback { port: 0 });
    narrow.scopes = Some("openid,AdobeID,session".into());
    let outcome = connector
        .sign_in(
            narrow,
            fake_browser(Browser::Allow, None),
            CancelHandle::new(),
        )
        .await
        .unwrap();
    assert!(outcome.organizations.is_empty());
    assert!(!outcome.refreshable);
    let id = outcome.connection.id;
    assert_eq!(
        connector
            .client_for(&id, "prod")
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "org_not_chosen"
    );
    let error = connector.list_orgs(&id).await.unwrap_err();
    assert_eq!(error.code().as_str(), "scope_missing");
    assert!(error.hint().contains("read_organizations"));
    let chosen = connector
        .select_org(&id, &sim.config().org_id)
        .await
        .unwrap();
    assert_eq!(chosen.org_id.as_deref(), Some(sim.config().org_id.as_str()));
    assert_eq!(connector.list_sandboxes(&id).await.unwrap().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_deletes_the_secrets() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("pkce-signout");
    let connector = connector(&directory, vault.clone());
    let id = signed_in(&sim, &connector).await.connection.id;
    let refresh = vault
        .get(&id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap()
        .value;
    let report = connector.sign_out(&id).await.unwrap();
    assert_eq!(report.tokens_revoked, 2);
    for kind in SecretKind::ALL {
        assert!(vault.get(&id, kind).unwrap().is_none());
    }
    assert!(connector.connections().unwrap().is_empty());
    let ims = ImsClient::new(
        Url::parse(&sim.base_url()).unwrap(),
        &Timeouts::default(),
        RetryPolicy::default(),
    )
    .unwrap();
    let refused = ims
        .refresh(&sim.config().client_id, &refresh)
        .await
        .unwrap_err();
    assert_eq!(refused.adobe_code(), Some("invalid_grant"));
    sim.shutdown().await;
}

#[tokio::test]
async fn sign_in_input_is_checked_before_the_browser_opens() {
    let sim = start_sim().await;
    let directory = data_dir("pkce-input");
    let connector = connector(&directory, Arc::new(SessionVault::new()));
    let opened = Arc::new(AtomicUsize::new(0));
    let mut bad = request(&sim, RedirectStyle::Loopback { port: 0 });
    bad.client_id = "has space".into();
    bad.scopes = Some("openid;AdobeID".into());
    let error = connector
        .sign_in(bad, idle_browser(opened.clone()), CancelHandle::new())
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "invalid_input");
    assert_eq!(error.field_errors().len(), 2);
    assert_eq!(opened.load(Ordering::SeqCst), 0);

    // No browser to open: a typed error, and the listener is released.
    let failing: connect::Opener =
        Arc::new(|_url: &Url| Err(connect::OpenerError("no browser installed".into())));
    let error = connector
        .sign_in(
            request(&sim, RedirectStyle::Loopback { port: 0 }),
            failing,
            CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "browser_unavailable");
    assert!(error.to_string().contains("no browser installed"));
    sim.shutdown().await;
}

#[tokio::test]
async fn with_default_scopes_there_is_no_refresh_token_and_expiry_means_sign_in_again() {
    let sim = start_sim().await;
    let vault = Arc::new(SessionVault::new());
    let directory = data_dir("pkce-default-scopes");
    let connector = connector(&directory, vault.clone());
    let outcome = connector
        .sign_in(
            SignInRequest {
                scopes: None,
                ..request(&sim, RedirectStyle::Loopback { port: 0 })
            },
            fake_browser(Browser::Allow, None),
            CancelHandle::new(),
        )
        .await
        .unwrap();
    assert!(!outcome.refreshable);
    assert_eq!(outcome.connection.scopes, connect::DEFAULT_SIGN_IN_SCOPES);
    let id = outcome.connection.id;
    assert!(vault.get(&id, SecretKind::RefreshToken).unwrap().is_none());
    assert_eq!(connector.list_sandboxes(&id).await.unwrap().len(), 2);
    expire_tokens(&sim).await;
    let error = connector.list_sandboxes(&id).await.unwrap_err();
    assert_eq!(error.code().as_str(), "session_expired", "{error:?}");
    sim.shutdown().await;
}
