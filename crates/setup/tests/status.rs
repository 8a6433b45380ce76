//! Test events and drift against platform-sim, after a real setup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatlio::EventKind;
use common::{counts, one_of_each, request, Harness};
use platform::models::FlowId;
use serde_json::{json, Value};
use setup::status::{send_test_event, send_test_payload, TestEventError, TestEventPhase};
use setup::{DriftKind, Repair, StepId};

const DEADLINE: Duration = Duration::from_secs(10);

/// Collects the phases a test event reports.
fn recorder() -> (
    Arc<Mutex<Vec<TestEventPhase>>>,
    impl Fn(TestEventPhase) + Send + Sync,
) {
    let phases = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&phases);
    (phases, move |phase| sink.lock().unwrap().push(phase))
}

/// What a sent phase list must look like: sent, accepted, any number of
/// waits, then the final stages.
fn assert_phases(phases: &[TestEventPhase], last: &[TestEventPhase]) {
    assert_eq!(
        &phases[..2],
        &[TestEventPhase::Sent, TestEventPhase::Accepted],
        "{phases:?}"
    );
    assert_eq!(&phases[phases.len() - last.len()..], last, "{phases:?}");
    assert!(
        phases[2..phases.len() - last.len()]
            .iter()
            .all(|phase| *phase == TestEventPhase::Waiting),
        "{phases:?}"
    );
}

async fn dataset_records(harness: &Harness, dataset: &str) -> Value {
    harness
        .control(
            reqwest::Method::GET,
            &format!("/__sim/datasets/{dataset}/records"),
            None,
        )
        .await
}

#[tokio::test]
async fn a_test_event_of_each_kind_is_sent_accepted_and_counted() {
    let harness = Harness::start("events", Duration::ZERO).await;
    let outcome = harness.engine().apply(&request("Events")).await.unwrap();
    let flow_id = outcome.flow_id.unwrap();
    let client = harness.client();
    for kind in EventKind::ALL {
        let (phases, progress) = recorder();
        let result = send_test_event(&client, &flow_id, kind, DEADLINE, &progress)
            .await
            .unwrap();
        assert_eq!(result.kind, kind);
        assert!(result.xaction_id.is_some(), "{kind}: no receipt");
        assert!(
            result.counted && result.ingested && !result.failed,
            "{kind}: {result:?}"
        );
        assert!(result.errors.is_empty(), "{kind}: {result:?}");
        assert_phases(&phases.lock().unwrap(), &[TestEventPhase::Counted]);
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
    let status = setup::status::flow_status(&client, &flow_id).await.unwrap();
    assert_eq!((status.received, status.ingested, status.failed), (5, 5, 0));
    assert!(!status.stale);
    harness.shutdown().await;
}

#[tokio::test]
async fn a_payload_that_fails_validation_is_reported_failed_with_an_explanation() {
    let harness = Harness::start("failing-event", Duration::ZERO).await;
    let outcome = harness.engine().apply(&request("Failing")).await.unwrap();
    let flow_id = outcome.flow_id.unwrap();
    let client = harness.client();
    // No visitor UUID, conversation UUID or email: the required subject id
    // cannot be mapped, so the record fails schema validation.
    let payload = chatlio::unidentifiable_payload();
    for attempt in 1..=2 {
        let (phases, progress) = recorder();
        let result = send_test_payload(
            &client,
            &flow_id,
            EventKind::NewConversation,
            &payload,
            DEADLINE,
            &progress,
        )
        .await
        .unwrap();
        assert!(
            result.counted && result.failed && !result.ingested,
            "{result:?}"
        );
        assert_eq!(result.errors.len(), 1, "{result:?}");
        let error = &result.errors[0];
        assert_eq!(error.explanation, "missing_identifier", "{result:?}");
        assert!(error.fix.contains("visitor UUID"), "{result:?}");
        assert!(error.adobe_code.is_some(), "{result:?}");
        // Only this event's record, not the earlier attempt's.
        assert_eq!(error.records, Some(1), "attempt {attempt}: {result:?}");
        assert_phases(
            &phases.lock().unwrap(),
            &[TestEventPhase::Counted, TestEventPhase::Failed],
        );
    }
    let stored = dataset_records(&harness, outcome.dataset_id.as_deref().unwrap()).await;
    assert_eq!(stored["records"].as_array().unwrap().len(), 0, "{stored}");
    assert_eq!(stored["failed"].as_array().unwrap().len(), 2, "{stored}");

    // A body the inlet refuses outright is an error, not a silent success.
    let (phases, progress) = recorder();
    let error = send_test_payload(
        &client,
        &flow_id,
        EventKind::NewConversation,
        &json!(["not", "an", "object"]),
        DEADLINE,
        &progress,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TestEventError::Platform(_)), "{error:?}");
    assert_eq!(error.code(), "platform");
    assert_eq!(*phases.lock().unwrap(), vec![TestEventPhase::Sent]);
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
            webhook_url_changes: true
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
