//! A setup with one webhook URL per Chatlio event (four dataflows over one
//! schema and dataset) against platform-sim: made, adopted, interrupted at
//! every step boundary and resumed, rolled back, drift-repaired, and each
//! Chatlio field's URL recording its exact event kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chatlio::{EventKind, WebhookMode, WebhookPlan};
use common::{counts, one_per_event_set, per_event_request, Counts, Harness};
use platform::models::FlowId;
use platform_sim::SimConfig;
use serde_json::json;
use setup::{DriftKind, FailPoint, Repair, SetupOutcome, StepId};

fn flows() -> usize {
    WebhookPlan::new(WebhookMode::PerEventUrl).flows.len()
}

/// Four dataflows, each with its own URL, and every field's URL the one of
/// the flow `WebhookPlan::flow_for` names.
fn assert_urls(outcome: &SetupOutcome) {
    assert!(outcome.complete);
    assert_eq!(outcome.webhook_url, None, "no one URL with per-event URLs");
    let flow_ids = outcome.flow_ids();
    assert_eq!(flow_ids.len(), flows(), "{flow_ids:?}");
    assert_eq!(outcome.flow_id.as_ref(), flow_ids.get("all"));
    let urls = outcome.webhook_urls();
    assert_eq!(urls.len(), EventKind::ALL.len());
    let plan = WebhookPlan::new(WebhookMode::PerEventUrl);
    for kind in EventKind::ALL {
        let key = &plan.flow_for(kind).unwrap().key;
        assert!(
            urls[&kind]
                .as_str()
                .ends_with(&format!("x-adobe-flow-id={}", flow_ids[key])),
            "{kind}"
        );
    }
    let distinct: BTreeSet<&str> = urls.values().map(|url| url.as_str()).collect();
    assert_eq!(distinct.len(), flows());
}

#[tokio::test]
async fn a_per_event_setup_makes_four_dataflows_once_and_a_second_run_adopts() {
    let harness = Harness::start("per-event-full", Duration::ZERO).await;
    let engine = harness.engine();
    let outcome = engine.apply(&per_event_request("Per event")).await.unwrap();
    assert_urls(&outcome);
    assert_eq!(counts(&harness.state().await), one_per_event_set());
    // The JSON carries the five fields' URLs and each flow's id.
    let value = serde_json::to_value(&outcome).unwrap();
    assert_eq!(value["webhookUrls"].as_object().unwrap().len(), 5);
    assert_eq!(value["flowIds"].as_object().unwrap().len(), flows());
    assert!(value["webhookUrl"].is_null());

    let again = engine.apply(&per_event_request("Per event")).await.unwrap();
    assert_eq!(again.flow_ids(), outcome.flow_ids());
    // The journal lost: every instance adopts its own by its marker.
    std::fs::remove_file(harness.directory.join("Per event.json")).unwrap();
    let adopted = engine.apply(&per_event_request("Per event")).await.unwrap();
    assert_eq!(adopted.flow_ids(), outcome.flow_ids());
    assert_eq!(adopted.webhook_urls(), outcome.webhook_urls());
    assert_eq!(counts(&harness.state().await), one_per_event_set());
    // The same setup with one URL for all five fields is refused before
    // anything is made: it would add a second set of dataflows.
    let single = setup::SetupInput {
        name: "Per event".into(),
        sandbox: "prod".into(),
        webhook_mode: WebhookMode::SingleUrl,
        ..setup::SetupInput::default()
    }
    .validate()
    .unwrap();
    let refused = engine.apply(&single).await.unwrap_err();
    assert_eq!(refused.code(), setup::SetupErrorCode::WebhookModeChanged);
    assert_eq!(counts(&harness.state().await), one_per_event_set());
    harness.shutdown().await;
}

#[tokio::test]
async fn per_event_interrupted_at_every_step_boundary_then_resumed_leaves_exactly_one_set() {
    let harness = Harness::start("per-event-interrupt", Duration::ZERO).await;
    for (index, step) in StepId::ALL.into_iter().enumerate() {
        for fail_point in [FailPoint::BeforeStep(step), FailPoint::AfterCreate(step)] {
            let name = format!(
                "per event {index} {}",
                matches!(fail_point, FailPoint::AfterCreate(_))
            );
            let before = counts(&harness.state().await);
            let error = harness
                .engine()
                .with_fail_point(Some(fail_point))
                .apply(&per_event_request(&name))
                .await
                .unwrap_err();
            assert!(error.is_resumable(), "{fail_point:?}: {error}");
            let outcome = harness.engine().resume(&name).await.unwrap();
            assert_urls(&outcome);
            for record in &outcome.steps {
                assert!(
                    record.resource_id.is_some() || record.step == StepId::ProfileSchema,
                    "{fail_point:?}: {} has no id",
                    record.key()
                );
            }
            let per_event = one_per_event_set();
            let expected = Counts {
                field_groups: 1,
                schemas: before.schemas + 1,
                descriptors: before.descriptors + 1,
                datasets: before.datasets + 1,
                source_connections: before.source_connections + per_event.source_connections,
                target_connections: before.target_connections + per_event.target_connections,
                mapping_sets: before.mapping_sets + per_event.mapping_sets,
                flows: before.flows + per_event.flows,
            };
            assert_eq!(counts(&harness.state().await), expected, "{fail_point:?}");
        }
    }
    harness.shutdown().await;
}

#[tokio::test]
async fn per_event_rollback_after_interruption_leaves_nothing_but_reported_mapping_sets() {
    let harness = Harness::start("per-event-rollback", Duration::ZERO).await;
    let mut kept_mapping_sets = 0;
    for step in StepId::ALL {
        let name = format!("per event rollback {}", step.as_str());
        let error = harness
            .engine()
            .with_fail_point(Some(FailPoint::AfterCreate(step)))
            .apply(&per_event_request(&name))
            .await
            .unwrap_err();
        assert!(error.is_resumable());
        let outcome = harness.engine().rollback(&name).await.unwrap();
        let after = counts(&harness.state().await);
        assert_eq!(
            Counts {
                field_groups: 0,
                mapping_sets: 0,
                ..after.clone()
            },
            Counts::default(),
            "{step:?}: {outcome:?}"
        );
        kept_mapping_sets += outcome
            .kept
            .iter()
            .filter(|kept| kept.step == StepId::MappingSet && kept.resource_id.is_some())
            .count();
        assert_eq!(
            after.mapping_sets, kept_mapping_sets,
            "{step:?}: {outcome:?}"
        );
    }
    harness.shutdown().await;
}

#[tokio::test]
async fn one_dataflow_deleted_or_disabled_is_repaired_alone() {
    let harness = Harness::start("per-event-drift", Duration::ZERO).await;
    let engine = harness.engine();
    let first = engine.apply(&per_event_request("Drift")).await.unwrap();
    assert!(engine.drift("Drift").await.unwrap().is_empty());
    let client = harness.client();
    let first_ids = first.flow_ids();

    // One visitor event's dataflow disabled: enabling acts on the setup.
    let feedback = FlowId::new(first_ids["visitor_feedback"].as_str());
    client
        .flow_service()
        .disable_flow(&feedback, None)
        .await
        .unwrap();
    let drifts = engine.drift("Drift").await.unwrap();
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    assert_eq!(drifts[0].instance.as_deref(), Some("visitor_feedback"));
    assert_eq!(drifts[0].repair, Some(Repair::EnableFlow));
    let enabled = engine
        .repair("Drift", drifts[0].repair.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(enabled.webhook_urls(), first.webhook_urls());
    assert!(engine.drift("Drift").await.unwrap().is_empty());

    // One deleted: only that dataflow (and its read-back) is made again.
    let unanswered = FlowId::new(first_ids["unanswered_visitor"].as_str());
    client
        .flow_service()
        .delete_flow(&unanswered)
        .await
        .unwrap();
    let drifts = engine.drift("Drift").await.unwrap();
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
            instance: Some("unanswered_visitor".into()),
        })
    );
    let repaired = engine
        .repair("Drift", drifts[0].repair.as_ref().unwrap())
        .await
        .unwrap();
    assert_urls(&repaired);
    let repaired_ids = repaired.flow_ids();
    for (key, id) in &first_ids {
        assert_eq!(
            repaired_ids[key] == *id,
            key != "unanswered_visitor",
            "{key}"
        );
    }
    assert_eq!(counts(&harness.state().await), one_per_event_set());

    // The shared dataset deleted: it, and every flow's target connection and
    // dataflow, are made again.
    let dataset = repaired.dataset_id.clone().unwrap();
    client
        .catalog()
        .delete_dataset(&platform::models::DatasetId::new(dataset.as_str()))
        .await
        .unwrap();
    let drifts = engine.drift("Drift").await.unwrap();
    let dataset_drift = drifts
        .iter()
        .find(|drift| drift.step == StepId::Dataset)
        .unwrap_or_else(|| panic!("{drifts:?}"));
    let remade = engine
        .repair("Drift", dataset_drift.repair.as_ref().unwrap())
        .await
        .unwrap();
    assert_urls(&remade);
    assert_ne!(remade.dataset_id, repaired.dataset_id);
    assert!(remade
        .flow_ids()
        .values()
        .all(|id| !repaired_ids.values().any(|old| old == id)));
    assert_eq!(counts(&harness.state().await), one_per_event_set());
    assert!(engine.drift("Drift").await.unwrap().is_empty());
    harness.shutdown().await;
}

/// Each of Chatlio's five events, generated as Chatlio sends it and posted to
/// the URL its field gets, is stored with its exact kind.
#[tokio::test]
async fn each_field_s_url_records_its_exact_event_kind() {
    // A short, explicit warm-up and run window: the dataflows accept data
    // almost at once, and a window's run closes quickly.
    let harness = Harness::start_with(
        "per-event-kinds",
        SimConfig {
            warmup: Duration::ZERO,
            ..SimConfig::default()
        },
    )
    .await;
    let outcome = harness
        .engine()
        .apply(&per_event_request("Kinds"))
        .await
        .unwrap();
    let urls = outcome.webhook_urls();
    let mut rng = rand::rng();
    for kind in EventKind::ALL {
        let payload = chatlio::generate(kind, &mut rng);
        let sent = chatlio::send(urls[&kind].as_str(), &payload).await;
        assert!(
            sent.status
                .is_some_and(|status| (200..300).contains(&status)),
            "{kind}: {sent:?}"
        );
    }
    harness
        .control(reqwest::Method::POST, "/__sim/runs/close", Some(json!({})))
        .await;
    let stored = harness
        .control(
            reqwest::Method::GET,
            &format!(
                "/__sim/datasets/{}/records",
                outcome.dataset_id.as_deref().unwrap()
            ),
            None,
        )
        .await;
    let records = stored["records"].as_array().unwrap();
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
    let mut expected: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.code()).collect();
    expected.sort_unstable();
    assert_eq!(kinds, expected, "{stored}");
    harness.shutdown().await;
}
