//! Rotating a webhook URL against platform-sim with Adobe's warm-up and
//! hourly windows: the old URL keeps working until the new one is in use,
//! events through the new URL after it was handed over are all counted, the
//! old dataflow ends disabled then deleted, the journal names the new
//! resources, and an interrupted rotation resumes without making anything
//! twice.

#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

mod common;

use chatlio::EventKind;
use common::{per_event_request, request, scratch, Harness};
use platform::models::FlowId;
use serde_json::json;
use setup::alerts::AlertSettings;
use setup::journal::HistoryAction;
use setup::rotate::{self, RotationError, RotationPhase, RotationStore};
use setup::{JournalStore, StepId, Timing};

/// Time passes on the simulator's clock (`now` moves forward; what it
/// recorded stays), as it does for Adobe and the rotation alike.
async fn advance(harness: &Harness, secs: u64) {
    let body = harness
        .control(
            reqwest::Method::POST,
            "/__sim/clock/advance",
            Some(json!({ "secs": secs })),
        )
        .await;
    assert!(body["now"].is_string(), "{body}");
}

async fn sim_now(harness: &Harness) -> chrono::DateTime<chrono::Utc> {
    let body = harness
        .control(reqwest::Method::GET, "/__sim/clock", None)
        .await;
    chrono::DateTime::parse_from_rfc3339(body["now"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

async fn received(client: &platform::Client, flow_id: &str) -> u64 {
    setup::status::flow_status(
        client,
        flow_id,
        &Timing::ADOBE,
        &AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap()
    .last7d
    .ingested
}

#[tokio::test]
async fn a_rotation_hands_over_a_new_url_and_retires_the_old_one() {
    let harness = Harness::start_adobe_like("rotate").await;
    let outcome = harness.engine().apply(&request("Rotated")).await.unwrap();
    let client = harness.client();
    let old_flow = outcome.flow_id.clone().unwrap();
    let old_url = outcome.webhook_url.clone().unwrap();
    advance(&harness, 600).await;
    let event = || chatlio::generate(EventKind::NewConversation, &mut rand::rng());
    client.inlet().send_event(&old_url, &event()).await.unwrap();

    let journals = JournalStore::new(&harness.directory);
    let rotations = RotationStore::new(scratch("rotations"));
    let started = rotate::start(
        &client,
        &journals,
        &rotations,
        "Rotated",
        None,
        &Timing::ADOBE,
    )
    .await
    .unwrap();
    assert_eq!(started.phase, RotationPhase::Created);
    let new_flow = started.new_flow_id.clone().unwrap();
    assert_ne!(new_flow, old_flow);
    // Started again: the same rotation, nothing made twice.
    let again = rotate::start(
        &client,
        &journals,
        &rotations,
        "Rotated",
        None,
        &Timing::ADOBE,
    )
    .await
    .unwrap();
    assert_eq!(again.new_flow_id, started.new_flow_id);
    let flows = client.flow_service().list_chatlio_flows().await.unwrap();
    assert_eq!(flows.len(), 2);

    // During the warm-up the new URL is not handed over.
    let now = sim_now(&harness).await;
    assert!(matches!(
        rotate::new_url(&client, &started, now).await,
        Err(RotationError::WarmingUp(_))
    ));
    assert!(matches!(
        rotate::finish(&client, &journals, &rotations, "Rotated", None, true, true).await,
        Err(RotationError::WarmingUp(_))
    ));
    // The old URL still works meanwhile.
    client.inlet().send_event(&old_url, &event()).await.unwrap();

    advance(&harness, 600).await;
    let status = rotate::status(
        &client,
        &rotations,
        "Rotated",
        None,
        &Timing::ADOBE,
        sim_now(&harness).await,
    )
    .await
    .unwrap();
    assert_eq!(status.rotation.phase, RotationPhase::Ready);
    let new_url = rotate::new_url(&client, &status.rotation, sim_now(&harness).await)
        .await
        .unwrap();
    assert_ne!(new_url.as_str(), old_url.as_str());
    // Not used yet: finishing would cut Chatlio off.
    assert!(matches!(
        rotate::finish(&client, &journals, &rotations, "Rotated", None, false, true).await,
        Err(RotationError::NewUrlUnused)
    ));

    // Chatlio switches: three events through the new URL, one straggler
    // through the old one before it is disabled.
    for _ in 0..3 {
        client.inlet().send_event(&new_url, &event()).await.unwrap();
    }
    client.inlet().send_event(&old_url, &event()).await.unwrap();
    advance(&harness, 3600).await;
    let status = rotate::status(
        &client,
        &rotations,
        "Rotated",
        None,
        &Timing::ADOBE,
        sim_now(&harness).await,
    )
    .await
    .unwrap();
    assert_eq!(status.rotation.phase, RotationPhase::FirstEventSeen);
    assert_eq!(status.new_received, 3);
    assert_eq!(received(&client, &old_flow).await, 3);
    assert_eq!(received(&client, &new_flow).await, 3);

    // Disabled first, deleted only when confirmed.
    assert!(matches!(
        rotate::finish(&client, &journals, &rotations, "Rotated", None, false, false).await,
        Err(RotationError::NeedsConfirmation)
    ));
    let old = client
        .flow_service()
        .get_flow(&FlowId::new(old_flow.as_str()))
        .await
        .unwrap();
    assert!(!old.is_enabled());
    let finished = rotate::finish(&client, &journals, &rotations, "Rotated", None, false, true)
        .await
        .unwrap();
    assert_eq!(finished.phase, RotationPhase::Finished);
    let gone = client
        .flow_service()
        .get_flow(&FlowId::new(old_flow.as_str()))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), platform::ErrorCode::NotFound);

    // The setup now is the new dataflow: its journal, its URL, no drift.
    let outcome = harness.engine().status("Rotated").unwrap();
    assert_eq!(outcome.flow_id.as_deref(), Some(new_flow.as_str()));
    assert_eq!(
        outcome
            .webhook_url
            .as_ref()
            .map(|url| url.as_str().to_owned()),
        Some(new_url.as_str().to_owned())
    );
    assert!(harness.engine().drift("Rotated").await.unwrap().is_empty());
    let journal = journals.load("Rotated").unwrap().unwrap();
    assert_eq!(
        journal
            .records_of(StepId::SourceConnection)
            .next()
            .unwrap()
            .resource_id,
        finished.new_source_connection_id
    );
    // The setup's history says what was done: made, then its URL rotated;
    // the setup record lists it.
    let actions: Vec<(HistoryAction, String)> = journal
        .history
        .iter()
        .map(|entry| (entry.action, entry.outcome.clone()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (HistoryAction::Apply, "done".to_owned()),
            (HistoryAction::Rotation, "done".to_owned())
        ]
    );
    let record = setup::handoff::setup_record(&journal, "test", setup::handoff::Identity::Unknown);
    assert_eq!(record.events.len(), 2);
    let page = setup::handoff::record_page(&record, setup::handoff::Language::English);
    assert!(page.contains(&format!("replaced by {new_flow}")), "{page}");
    // Every event sent through the new URL was stored.
    client.inlet().send_event(&new_url, &event()).await.unwrap();
    advance(&harness, 3600).await;
    assert_eq!(received(&client, &new_flow).await, 4);
    harness.shutdown().await;
}

#[tokio::test]
async fn one_of_several_dataflows_is_named_and_an_interrupted_start_resumes() {
    let harness = Harness::start("rotate-per-event", std::time::Duration::ZERO).await;
    let outcome = harness
        .engine()
        .apply(&per_event_request("Several"))
        .await
        .unwrap();
    let client = harness.client();
    let journals = JournalStore::new(&harness.directory);
    let rotations = RotationStore::new(scratch("rotations-several"));
    // Four dataflows: which one must be said.
    let which = rotate::start(
        &client,
        &journals,
        &rotations,
        "Several",
        None,
        &Timing::ADOBE,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(which, RotationError::WhichDataflow { .. }),
        "{which}"
    );
    let flows = outcome.flow_ids();
    let (key, old_flow) = flows.iter().next().unwrap();

    // A rotation interrupted after its source connection was made: the
    // saved file says so; starting again makes only the dataflow.
    let first = rotate::start(
        &client,
        &journals,
        &rotations,
        "Several",
        Some(key),
        &Timing::ADOBE,
    )
    .await
    .unwrap();
    let mut interrupted = first.clone();
    interrupted.phase = RotationPhase::Started;
    interrupted.new_flow_id = None;
    rotations.save(&interrupted).unwrap();
    let resumed = rotate::start(
        &client,
        &journals,
        &rotations,
        "Several",
        Some(key),
        &Timing::ADOBE,
    )
    .await
    .unwrap();
    // Found by its name, not made again.
    assert_eq!(resumed.new_flow_id, first.new_flow_id);
    assert_eq!(
        resumed.new_source_connection_id,
        first.new_source_connection_id
    );
    let all = client.flow_service().list_chatlio_flows().await.unwrap();
    assert_eq!(all.len(), 5);
    // The new dataflow carries the old one's marker: it is this setup's.
    let new_flow = all
        .iter()
        .find(|flow| Some(flow.id.as_str()) == resumed.new_flow_id.as_deref())
        .unwrap();
    assert_eq!(
        setup::names::parse_marker(new_flow.description.as_deref(), StepId::Dataflow),
        Some(("Several".to_owned(), Some(key.clone())))
    );
    assert_ne!(new_flow.id.as_str(), old_flow.as_str());
    harness.shutdown().await;
}

#[tokio::test]
async fn a_new_dataflow_deleted_outside_the_app_is_said_and_made_again() {
    let harness = Harness::start_adobe_like("rotate-gone").await;
    let outcome = harness.engine().apply(&request("Gone")).await.unwrap();
    let client = harness.client();
    let service = client.flow_service();
    let old_flow = FlowId::new(outcome.flow_id.clone().unwrap());
    let journals = JournalStore::new(&harness.directory);
    let rotations = RotationStore::new(scratch("rotations-gone"));
    let start = || rotate::start(&client, &journals, &rotations, "Gone", None, &Timing::ADOBE);
    let first = start().await.unwrap();
    advance(&harness, 600).await;
    let status = || async {
        rotate::status(
            &client,
            &rotations,
            "Gone",
            None,
            &Timing::ADOBE,
            sim_now(&harness).await,
        )
        .await
    };
    assert_eq!(status().await.unwrap().rotation.phase, RotationPhase::Ready);

    // Someone deletes the new dataflow in Adobe's UI.
    let deleted = first.new_flow_id.clone().unwrap();
    service
        .delete_flow(&FlowId::new(deleted.as_str()))
        .await
        .unwrap();
    let gone = |result: Result<_, RotationError>| match result {
        Err(RotationError::NewDataflowGone(id)) => id,
        Err(other) => panic!("expected the new dataflow gone, got {other}"),
        Ok(_) => panic!("expected the new dataflow gone, got an answer"),
    };
    assert_eq!(gone(status().await.map(|_| ())), deleted);
    let ready = rotations.load("Gone", None).unwrap().unwrap();
    assert_eq!(
        gone(
            rotate::new_url(&client, &ready, sim_now(&harness).await)
                .await
                .map(|_| ())
        ),
        deleted
    );
    // Finishing would leave no URL that accepts data: the old dataflow is
    // neither disabled nor deleted.
    assert_eq!(
        gone(
            rotate::finish(&client, &journals, &rotations, "Gone", None, true, true)
                .await
                .map(|_| ())
        ),
        deleted
    );
    assert!(service.get_flow(&old_flow).await.unwrap().is_enabled());

    // Started again: a new dataflow under a new name, the source connection
    // (still there) kept, the warm-up counted from the new one. (The new
    // names are stamped to the millisecond of the computer's clock.)
    advance(&harness, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = start().await.unwrap();
    assert_eq!(again.phase, RotationPhase::Created);
    let remade = again.new_flow_id.clone().unwrap();
    assert_ne!(remade, deleted);
    assert_ne!(again.new_flow_name, first.new_flow_name);
    assert!(
        again
            .new_flow_name
            .starts_with(first.new_flow_name.rsplit_once(" (rotated ").unwrap().0),
        "{}",
        again.new_flow_name
    );
    assert_eq!(
        again.new_source_connection_id,
        first.new_source_connection_id
    );
    assert!(again.accepts_data_from > first.accepts_data_from);
    assert_eq!(again.started_at, first.started_at);
    assert_eq!(service.list_chatlio_flows().await.unwrap().len(), 2);
    assert_eq!(
        status().await.unwrap().rotation.phase,
        RotationPhase::Created
    );

    // Its source connection deleted as well: both are made again.
    service
        .delete_flow(&FlowId::new(remade.as_str()))
        .await
        .unwrap();
    let source = again.new_source_connection_id.clone().unwrap();
    service
        .delete_source_connection(&platform::models::SourceConnectionId::new(source.as_str()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let third = start().await.unwrap();
    assert_eq!(third.phase, RotationPhase::Created);
    assert_ne!(
        third.new_source_connection_id.as_deref(),
        Some(source.as_str())
    );
    assert_ne!(third.new_flow_id.as_deref(), Some(remade.as_str()));
    assert_eq!(service.list_chatlio_flows().await.unwrap().len(), 2);

    // And it ends as any rotation does.
    advance(&harness, 600).await;
    assert_eq!(status().await.unwrap().rotation.phase, RotationPhase::Ready);
    let finished = rotate::finish(&client, &journals, &rotations, "Gone", None, true, true)
        .await
        .unwrap();
    assert_eq!(finished.phase, RotationPhase::Finished);
    assert_eq!(
        harness.engine().status("Gone").unwrap().flow_id,
        third.new_flow_id
    );
    harness.shutdown().await;
}
