//! Test events and drift against platform-sim, after a real setup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chatlio::EventKind;
use chrono::Utc;
use common::{counts, one_of_each, request, short_timing, Harness};
use platform::models::FlowId;
use serde_json::{json, Value};
use setup::alerts::AlertSettings;
use setup::status::Health;
use setup::test_event::{
    check_test_event, send_test_event, send_test_payload, wait_for_test_event, TestEventError,
    TestEventState,
};
use setup::{DriftKind, Repair, StepId, Timing};

async fn dataset_records(harness: &Harness, dataset: &str) -> Value {
    harness
        .control(
            reqwest::Method::GET,
            &format!("/__sim/datasets/{dataset}/records"),
            None,
        )
        .await
}

/// Under Adobe's documented timing (the sim's defaults): a new dataflow
/// refuses test events during its warm-up, then each is accepted at once
/// and stays "waiting" until its hourly run closes; only then is it counted.
#[tokio::test]
async fn test_events_wait_for_the_warm_up_and_the_hourly_run() {
    let harness = Harness::start_adobe_like("events-adobe").await;
    let outcome = harness.engine().apply(&request("Events")).await.unwrap();
    let flow_id = outcome.flow_id.unwrap();
    let client = harness.client();
    let adobe = Timing::ADOBE;

    let refused = send_test_event(&client, &flow_id, EventKind::NewConversation, &adobe)
        .await
        .unwrap_err();
    let TestEventError::WarmingUp { accepts_from } = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(refused.code(), "warming_up");
    let wait = accepts_from - Utc::now();
    assert!(
        wait > chrono::Duration::seconds(240) && wait <= chrono::Duration::seconds(300),
        "{wait}"
    );
    let status = setup::status::flow_status(
        &client,
        &flow_id,
        &adobe,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(status.accepts_data_from, Some(accepts_from));
    assert_eq!(status.health, Health::NoData);

    // Five minutes pass.
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/time/advance",
            Some(json!({"secs": 300})),
        )
        .await;
    let mut receipts = Vec::new();
    for kind in EventKind::ALL {
        let receipt = send_test_event(&client, &flow_id, kind, &adobe)
            .await
            .unwrap();
        assert!(receipt.xaction_id.is_some(), "{kind}: no receipt");
        assert_eq!(receipt.expected_by, adobe.expected_by(receipt.sent_at));
        assert!(receipt.expected_by > receipt.sent_at + chrono::Duration::minutes(15));
        let now = check_test_event(&client, &receipt, &adobe).await.unwrap();
        assert_eq!(now.state, TestEventState::Waiting, "{kind}: {now:?}");
        assert!(!now.overdue);
        receipts.push(receipt);
    }
    // The hour ends.
    harness
        .control(reqwest::Method::POST, "/__sim/runs/close", Some(json!({})))
        .await;
    for receipt in &receipts {
        let counted = check_test_event(&client, receipt, &adobe).await.unwrap();
        assert_eq!(counted.state, TestEventState::Ingested, "{counted:?}");
        assert!(counted.errors.is_empty(), "{counted:?}");
        // Its stored record is found by the body's visitor or conversation
        // UUID: on the URL all fields share, a visitor event is stored as
        // `visitor_event`, a transcript or offline message as itself.
        let subject = receipt.subject.as_deref().unwrap();
        let recorded = setup::records::recorded_kind(&client, &flow_id, subject)
            .await
            .unwrap();
        let expected = match receipt.kind.family() {
            chatlio::Family::VisitorEvent => "visitor_event",
            _ => receipt.kind.code(),
        };
        assert_eq!(recorded.as_deref(), Some(expected), "{:?}", receipt.kind);
    }
    // Every event landed in the dataset as its own record, none failed.
    let stored = dataset_records(&harness, outcome.dataset_id.as_deref().unwrap()).await;
    let records = stored["records"].as_array().unwrap();
    assert_eq!(records.len(), 5, "{stored}");
    assert_eq!(stored["failed"].as_array().unwrap().len(), 0, "{stored}");
    let mut kinds: Vec<&str> = records
        .iter()
        .map(|record| {
            record["_practice"]["chatlio"]["eventKind"]
                .as_str()
                .unwrap()
        })
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "chat_transcript",
            "offline_message",
            "visitor_event",
            "visitor_event",
            "visitor_event"
        ]
    );
    let status = setup::status::flow_status(
        &client,
        &flow_id,
        &adobe,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            status.last24h.received,
            status.last24h.ingested,
            status.last24h.failed
        ),
        (5, 5, 0)
    );
    assert_eq!(status.last7d, status.last24h);
    assert_eq!(status.health, Health::Healthy);
    harness.shutdown().await;
}

/// An event sent during the warm-up anyway (as Chatlio would, straight to
/// the URL) is answered but never counted.
#[tokio::test]
async fn data_sent_during_the_warm_up_is_not_counted() {
    let harness = Harness::start_adobe_like("events-warmup").await;
    let outcome = harness.engine().apply(&request("Early")).await.unwrap();
    let client = harness.client();
    let webhook = outcome.webhook_url.clone().unwrap();
    let payload = chatlio::generate(EventKind::OfflineMessage, &mut rand::rng());
    client.inlet().send_event(&webhook, &payload).await.unwrap();
    harness
        .control(reqwest::Method::POST, "/__sim/runs/close", Some(json!({})))
        .await;
    let status = setup::status::flow_status(
        &client,
        outcome.flow_id.as_deref().unwrap(),
        &Timing::ADOBE,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(status.last7d.received, 0, "{status:?}");
    assert_eq!(status.health, Health::NoData);
    harness.shutdown().await;
}

#[tokio::test]
async fn a_payload_that_fails_validation_is_reported_failed_with_an_explanation() {
    let harness = Harness::start("failing-event", Duration::ZERO).await;
    let outcome = harness.engine().apply(&request("Failing")).await.unwrap();
    let flow_id = outcome.flow_id.unwrap();
    let client = harness.client();
    let timing = short_timing();
    // No visitor UUID, conversation UUID or email: the required subject id
    // cannot be mapped, so the record fails schema validation.
    let payload = chatlio::unidentifiable_payload();
    for attempt in 1..=2 {
        let receipt = send_test_payload(
            &client,
            &flow_id,
            EventKind::NewConversation,
            &payload,
            &timing,
        )
        .await
        .unwrap();
        let result = wait_for_test_event(
            &client,
            &receipt,
            &timing,
            receipt.expected_by + chrono::Duration::seconds(10),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(result.state, TestEventState::Failed, "{result:?}");
        assert_eq!(result.errors.len(), 1, "{result:?}");
        let error = &result.errors[0];
        assert_eq!(error.explanation, "missing_identifier", "{result:?}");
        assert!(error.fix.contains("visitor UUID"), "{result:?}");
        assert!(error.adobe_code.is_some(), "{result:?}");
        // Only this event's record, not the earlier attempt's.
        assert_eq!(error.records, Some(1), "attempt {attempt}: {result:?}");
    }
    let stored = dataset_records(&harness, outcome.dataset_id.as_deref().unwrap()).await;
    assert_eq!(stored["records"].as_array().unwrap().len(), 0, "{stored}");
    assert_eq!(stored["failed"].as_array().unwrap().len(), 2, "{stored}");
    // The dashboard's view of the same: failing, with the cause and count.
    let status = setup::status::flow_status(
        &client,
        &flow_id,
        &timing,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(status.health, Health::Failing);
    let cause = status
        .errors
        .iter()
        .find(|error| error.explanation == "missing_identifier")
        .unwrap_or_else(|| panic!("{:?}", status.errors));
    assert_eq!(cause.records, Some(2));

    // A body the inlet refuses outright is an error, not a silent success.
    let error = send_test_payload(
        &client,
        &flow_id,
        EventKind::NewConversation,
        &json!(["not", "an", "object"]),
        &timing,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TestEventError::Platform(_)), "{error:?}");
    assert_eq!(error.code(), "platform");
    harness.shutdown().await;
}

/// A week of hourly runs, more than one page of them: the day and week
/// totals cover exactly their periods, and staleness follows the last
/// ingested record.
#[tokio::test]
async fn totals_cover_the_last_day_and_week_of_hourly_runs() {
    let harness = Harness::start_adobe_like("totals").await;
    let outcome = harness.engine().apply(&request("Totals")).await.unwrap();
    let flow_id = outcome.flow_id.unwrap();
    let client = harness.client();
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/runs/seed",
            Some(json!({"flowId": flow_id, "hours": 200, "received": 3, "failed": 1})),
        )
        .await;
    let status = setup::status::flow_status(
        &client,
        &flow_id,
        &Timing::ADOBE,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    // 24 hourly runs in the last day, 168 in the week (the 32 older ones are
    // not read).
    assert_eq!(status.last24h.received, 24 * 3, "{:?}", status.last24h);
    assert_eq!(status.last24h.failed, 24);
    assert_eq!(status.last7d.received, 168 * 3, "{:?}", status.last7d);
    assert_eq!(status.last7d.ingested, 168 * 2);
    assert!(
        status.runs.len() >= 168 && status.runs.len() <= 169,
        "{}",
        status.runs.len()
    );
    assert_eq!(status.health, Health::Healthy);
    // The record errors, summed over the week, with Adobe's code.
    let counted: u64 = status.errors.iter().filter_map(|error| error.records).sum();
    assert_eq!(counted, 168, "{:?}", status.errors);
    assert!(status.errors.iter().all(|error| error.adobe_code.is_some()));

    // Thirty hours later with nothing new: stale, and the day is empty.
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/time/advance",
            Some(json!({"secs": 30 * 3600})),
        )
        .await;
    let statuses =
        setup::status::sandbox_status(&client, &Timing::ADOBE, &AlertSettings::round_the_clock(24))
            .await
            .unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].health, Health::Stale);
    assert_eq!(statuses[0].last24h.received, 0);
    assert_eq!(statuses[0].last7d.received, (168 - 30) * 3);
    harness.shutdown().await;
}

#[tokio::test]
async fn a_disabled_flow_is_drift_repaired_by_enabling_it() {
    let harness = Harness::start("drift-disabled", Duration::ZERO).await;
    let engine = harness.engine();
    let outcome = engine.apply(&request("Drifting")).await.unwrap();
    assert!(engine.drift("Drifting").await.unwrap().is_empty());

    let client = harness.client();
    let flow_id = FlowId::new(outcome.flow_id.clone().unwrap());
    client
        .flow_service()
        .disable_flow(&flow_id, None)
        .await
        .unwrap();
    let drifts = engine.drift("Drifting").await.unwrap();
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    let drift = &drifts[0];
    assert_eq!(
        (drift.step, drift.kind, drift.detail),
        (StepId::Dataflow, DriftKind::Disabled, "flow_disabled")
    );
    assert_eq!(drift.repair, Some(Repair::EnableFlow));

    let repaired = engine
        .repair("Drifting", drift.repair.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(repaired.webhook_url, outcome.webhook_url);
    assert!(client
        .flow_service()
        .get_flow(&flow_id)
        .await
        .unwrap()
        .is_enabled());
    assert!(engine.drift("Drifting").await.unwrap().is_empty());
    // The journal's history has the run and the repair.
    let journal = setup::JournalStore::new(&harness.directory)
        .load("Drifting")
        .unwrap()
        .unwrap();
    let repair = journal.history.last().unwrap();
    assert_eq!(repair.action, setup::journal::HistoryAction::Repair);
    assert_eq!(repair.outcome, "done");
    assert_eq!(repair.detail.as_deref(), Some("enable_flow"));
    assert_eq!(
        journal.history[0].action,
        setup::journal::HistoryAction::Apply
    );
    harness.shutdown().await;
}

#[tokio::test]
async fn deleted_resources_are_drift_repaired_by_making_them_again() {
    let harness = Harness::start("drift-deleted", Duration::ZERO).await;
    let engine = harness.engine();
    let first = engine.apply(&request("Deleted")).await.unwrap();
    let client = harness.client();

    // The dataflow deleted by hand: the flow and the read-back are made again.
    let flow_id = FlowId::new(first.flow_id.clone().unwrap());
    client.flow_service().delete_flow(&flow_id).await.unwrap();
    let drifts = engine.drift("Deleted").await.unwrap();
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    assert_eq!(
        (drifts[0].step, drifts[0].kind),
        (StepId::Dataflow, DriftKind::Deleted)
    );
    assert_eq!(
        drifts[0].repair,
        Some(Repair::Rerun {
            steps: vec![StepId::Dataflow, StepId::ReadBack],
            webhook_url_changes: true,
            instance: None,
        })
    );
    let second = engine
        .repair("Deleted", drifts[0].repair.as_ref().unwrap())
        .await
        .unwrap();
    assert!(second.complete);
    assert_ne!(second.flow_id, first.flow_id);
    assert_ne!(second.webhook_url, first.webhook_url);
    assert_eq!(counts(&harness.state().await), one_of_each());
    assert!(engine.drift("Deleted").await.unwrap().is_empty());

    // The dataset deleted: it, the target connection that names it and the
    // flow are made again; the schema, connections and mapping set are kept.
    let dataset = second.dataset_id.clone().unwrap();
    client
        .catalog()
        .delete_dataset(&platform::models::DatasetId::new(dataset.as_str()))
        .await
        .unwrap();
    let drifts = engine.drift("Deleted").await.unwrap();
    let dataset_drift = drifts
        .iter()
        .find(|drift| drift.step == StepId::Dataset)
        .unwrap_or_else(|| panic!("{drifts:?}"));
    assert_eq!(dataset_drift.kind, DriftKind::Deleted);
    let third = engine
        .repair("Deleted", dataset_drift.repair.as_ref().unwrap())
        .await
        .unwrap();
    assert!(third.complete);
    assert_ne!(third.dataset_id.as_deref(), Some(dataset.as_str()));
    assert_eq!(third.schema_id, first.schema_id);
    assert_eq!(counts(&harness.state().await), one_of_each());
    assert!(engine.drift("Deleted").await.unwrap().is_empty());
    harness.shutdown().await;
}

#[tokio::test]
async fn a_changed_inlet_and_an_unreadable_flow_are_reported() {
    let harness = Harness::start("drift-changed", Duration::ZERO).await;
    let engine = harness.engine();
    let outcome = engine.apply(&request("Changed")).await.unwrap();

    // The journal remembers another inlet than the flow now has.
    let store = engine.store();
    let mut journal = store.load("Changed").unwrap().unwrap();
    let recorded = journal.record_mut(StepId::ReadBack);
    let real_inlet = recorded.resource_id.clone().unwrap();
    recorded.resource_id = Some(format!("{real_inlet}-old"));
    store.save(&mut journal).unwrap();
    let drifts = setup::drift(&harness.client(), &journal).await;
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    let drift = &drifts[0];
    assert_eq!(
        (drift.step, drift.kind, drift.detail),
        (StepId::ReadBack, DriftKind::Changed, "inlet_url_changed")
    );
    // The inlet URL is half of the webhook URL: never shown in a drift.
    assert_eq!(drift.resource_id, None);
    assert!(!serde_json::to_string(drift).unwrap().contains(&real_inlet));
    let repaired = engine
        .repair("Changed", drift.repair.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(repaired.webhook_url, outcome.webhook_url);
    assert!(engine.drift("Changed").await.unwrap().is_empty());

    // A read that keeps failing says "unchecked", offers nothing, and does
    // not claim the flow is gone.
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/faults/next",
            Some(json!({"method": "GET", "path": "/data/foundation/flowservice/flows/*", "count": 100, "status": 500})),
        )
        .await;
    let drifts = engine.drift("Changed").await.unwrap();
    assert!(!drifts.is_empty());
    for drift in &drifts {
        assert_eq!(drift.kind, DriftKind::Unchecked, "{drift:?}");
        assert_eq!(drift.repair, None);
    }
    harness.shutdown().await;
}

/// Only failed records in the window: once its run closes the flow is
/// failing, not stale.
#[tokio::test]
async fn a_flow_with_only_failed_records_is_failing_once_its_run_closes() {
    let harness = Harness::start_with(
        "only-failed",
        platform_sim::SimConfig {
            run_window: Duration::from_secs(2),
            ..platform_sim::SimConfig::default()
        },
    )
    .await;
    let outcome = harness
        .engine()
        .apply(&request("Only failed"))
        .await
        .unwrap();
    let client = harness.client();
    let webhook = outcome.webhook_url.clone().unwrap();
    for _ in 0..2 {
        let sent = client
            .inlet()
            .send_event(&webhook, &chatlio::unidentifiable_payload())
            .await;
        assert!(sent.is_ok(), "{sent:?}");
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let status = setup::status::flow_status(
        &client,
        outcome.flow_id.as_deref().unwrap(),
        &Timing::ADOBE,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(status.health, Health::Failing, "{:?}", status.runs);
    harness.shutdown().await;
}

/// The background check compares the dataflows its status round listed
/// instead of reading them again: what it finds must be what a read finds.
#[tokio::test]
async fn a_listed_dataflow_shows_the_same_drift_a_read_of_it_does() {
    let harness = Harness::start("drift-listed", Duration::ZERO).await;
    let engine = harness.engine();
    engine.apply(&request("Listed")).await.unwrap();
    let client = harness.client();
    let store = engine.store();
    let mut journal = store.load("Listed").unwrap().unwrap();
    // The journal remembers another inlet and another mapping set than the
    // dataflow has now.
    let inlet = journal.record_mut(StepId::ReadBack);
    inlet.resource_id = inlet.resource_id.clone().map(|url| format!("{url}-old"));
    let mapping = journal.record_mut(StepId::MappingSet);
    mapping.resource_id = Some("another-mapping-set".into());
    store.save(&mut journal).unwrap();

    let found = |drifts: &[setup::Drift]| {
        let mut found: Vec<(StepId, DriftKind, &'static str)> = drifts
            .iter()
            .map(|drift| (drift.step, drift.kind, drift.detail))
            .collect();
        found.sort_by_key(|(step, _, detail)| (*step, *detail));
        found
    };
    let read = setup::drift(&client, &journal).await;
    let listed =
        setup::drift::ListedFlows::new(client.flow_service().list_chatlio_flows().await.unwrap());
    let before = harness.requests().await.len();
    let compared = setup::drift::drift_with_listed(&client, &journal, &listed).await;
    assert_eq!(found(&compared), found(&read));
    assert!(
        found(&read).contains(&(StepId::ReadBack, DriftKind::Changed, "inlet_url_changed")),
        "{read:?}"
    );
    assert!(
        found(&read)
            .iter()
            .any(|(step, kind, _)| *step == StepId::Dataflow && *kind == DriftKind::Changed),
        "{read:?}"
    );
    let flow_reads = harness.requests().await[before..]
        .iter()
        .filter(|entry| {
            entry["method"] == "GET"
                && entry["path"]
                    .as_str()
                    .is_some_and(|path| path.starts_with("/data/foundation/flowservice/flows/"))
        })
        .count();
    assert_eq!(flow_reads, 0);
    harness.shutdown().await;
}
