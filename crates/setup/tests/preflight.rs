//! Pre-flight with restricted credentials made through the sim's control
//! surface: the specific check fails with its fix, and nothing is created.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{counts, fast_retry, request, Counts, Harness};
use platform::Client;
use serde_json::json;
use setup::preflight::{preflight, CheckState, PreflightReport};
use setup::{Engine, JournalStore, SetupErrorCode};

const ALL_PERMISSIONS: [&str; 8] = [
    "view-sources",
    "manage-sources",
    "view-schemas",
    "manage-schemas",
    "manage-identity-metadata",
    "view-datasets",
    "manage-datasets",
    "view-sandboxes",
];

/// A credential with every permission except `without`, for `sandboxes`.
async fn restricted(harness: &Harness, without: &[&str], sandboxes: &[&str]) -> Client {
    let permissions: Vec<&str> = ALL_PERMISSIONS
        .into_iter()
        .filter(|permission| !without.contains(permission))
        .collect();
    let created = harness
        .control(
            reqwest::Method::POST,
            "/__sim/credentials",
            Some(json!({"permissions": permissions, "sandboxes": sandboxes})),
        )
        .await;
    harness.client_for(
        created["clientId"].as_str().unwrap(),
        created["clientSecret"].as_str().unwrap(),
        "prod",
        fast_retry(),
    )
}

fn state_of<'report>(
    report: &'report PreflightReport,
    id: &str,
) -> (CheckState, Option<&'report str>) {
    let check = report
        .checks
        .iter()
        .find(|check| check.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {report:?}"));
    (check.state, check.hint.as_deref())
}

/// Nothing was created and no write request reached the sim.
async fn assert_nothing_created(harness: &Harness) {
    assert_eq!(counts(&harness.state().await), Counts::default());
    let writes: Vec<_> = harness
        .requests()
        .await
        .into_iter()
        .filter(|entry| entry["method"] != "GET" && entry["path"] != "/ims/token/v3")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[tokio::test]
async fn a_credential_without_view_sources_fails_those_checks_with_the_fix() {
    let harness = Harness::start("preflight-sources", Duration::ZERO).await;
    let client = restricted(&harness, &["view-sources", "manage-sources"], &["prod"]).await;
    let report = preflight(&client, &request("Restricted")).await;
    assert!(!report.ok);
    for id in ["view_sources", "chatlio_source"] {
        let (state, hint) = state_of(&report, id);
        assert_eq!(state, CheckState::Failed, "{id}");
        let hint = hint.unwrap();
        assert!(hint.contains("lacks View Sources"), "{id}: {hint}");
        assert!(hint.contains("ask an admin"), "{id}: {hint}");
    }
    for id in [
        "token",
        "sandbox",
        "tenant_id",
        "view_datasets",
        "schema_title_free",
    ] {
        assert_eq!(
            state_of(&report, id).0,
            CheckState::Passed,
            "{id}: {report:?}"
        );
    }
    assert_nothing_created(&harness).await;
    harness.shutdown().await;
}

#[tokio::test]
async fn a_credential_without_view_datasets_or_the_sandbox_is_named_precisely() {
    let harness = Harness::start("preflight-datasets", Duration::ZERO).await;
    let client = restricted(&harness, &["view-datasets", "manage-datasets"], &["prod"]).await;
    let report = preflight(&client, &request("No datasets")).await;
    assert!(!report.ok);
    let (state, hint) = state_of(&report, "view_datasets");
    assert_eq!(state, CheckState::Failed);
    assert!(hint.unwrap().contains("lacks View Datasets"), "{hint:?}");
    assert_eq!(state_of(&report, "view_sources").0, CheckState::Passed);

    // Granted only the dev sandbox: the prod sandbox check fails and says so.
    let client = restricted(&harness, &[], &["dev"]).await;
    let report = preflight(&client, &request("Wrong sandbox")).await;
    assert!(!report.ok);
    let (state, hint) = state_of(&report, "sandbox");
    assert_eq!(state, CheckState::Failed, "{report:?}");
    assert!(hint.unwrap().contains("access to this sandbox"), "{hint:?}");
    assert_nothing_created(&harness).await;
    harness.shutdown().await;
}

#[tokio::test]
async fn a_read_only_credential_passes_reads_then_fails_the_first_create_cleanly() {
    let harness = Harness::start("preflight-readonly", Duration::ZERO).await;
    let client = restricted(
        &harness,
        &[
            "manage-sources",
            "manage-schemas",
            "manage-datasets",
            "manage-identity-metadata",
        ],
        &["prod"],
    )
    .await;
    let report = preflight(&client, &request("Read only")).await;
    // Reads cannot reveal the manage permissions: shown as unverified.
    assert!(report.ok, "{report:?}");
    assert_eq!(
        state_of(&report, "manage_permissions").0,
        CheckState::Unverified
    );
    let engine = Engine::new(client, JournalStore::new(&harness.directory));
    let error = engine.apply(&request("Read only")).await.unwrap_err();
    assert_eq!(error.code(), SetupErrorCode::StepFailed, "{error}");
    assert!(!error.is_resumable(), "{error}");
    assert!(
        error.hint().contains("Your credential lacks Manage"),
        "{}",
        error.hint()
    );
    assert_eq!(counts(&harness.state().await), Counts::default());
    harness.shutdown().await;
}

/// One URL per event names four dataflows `<setup> - <suffix>`: a dataflow
/// already holding one of those names (here made by another setup) fails the
/// check before anything is made, while the single-URL name is still free.
#[tokio::test]
async fn per_event_dataflow_names_are_each_checked() {
    let harness = Harness::start("preflight-per-event", Duration::ZERO).await;
    let engine = harness.engine();
    let other = engine
        .apply(&request("Shop - visitor feedback"))
        .await
        .unwrap();
    assert!(other.complete);
    let client = harness.client();
    let per_event = preflight(&client, &common::per_event_request("Shop")).await;
    let (state, hint) = state_of(&per_event, "dataflow_name_free");
    assert_eq!(state, CheckState::Failed, "{per_event:?}");
    assert!(hint.is_some());
    assert!(!per_event.ok);
    let single = preflight(&client, &request("Shop")).await;
    assert_eq!(
        state_of(&single, "dataflow_name_free").0,
        CheckState::Passed,
        "{single:?}"
    );
}
