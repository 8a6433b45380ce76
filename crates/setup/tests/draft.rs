//! Flow Service draft mode in the dataflow step: a dataflow is created with
//! `mode=draft` and then published only when the source's connection spec and
//! flow spec both say `isDraftModeSupported`; a crash between the two resumes
//! by publishing the journaled draft, never by making a second flow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{counts, one_of_each, request, Harness};
use platform::models::flow::{CHATLIO_CONNECTION_SPEC_ID, GENERIC_STREAMING_FLOW_SPEC_ID};
use platform_sim::{rounds, SimConfig};
use serde_json::{json, Value};
use setup::journal::StepState;
use setup::{FailPoint, StepId};

const FLOWS: &str = "/data/foundation/flowservice/flows";

async fn start(tag: &str, flagged: &[&str]) -> Harness {
    Harness::start_with(
        tag,
        SimConfig {
            draft_mode_specs: flagged.iter().map(|id| (*id).to_owned()).collect(),
            ..SimConfig::default()
        },
    )
    .await
}

fn both_flagged() -> [&'static str; 2] {
    [CHATLIO_CONNECTION_SPEC_ID, GENERIC_STREAMING_FLOW_SPEC_ID]
}

/// `(method, path, query)` of every Flow Service flow request in the log.
fn flow_requests(log: &[Value]) -> Vec<(String, String, String)> {
    log.iter()
        .filter(|entry| {
            entry["path"]
                .as_str()
                .is_some_and(|path| path.starts_with(FLOWS))
        })
        .map(|entry| {
            (
                entry["method"].as_str().unwrap_or_default().to_owned(),
                entry["path"].as_str().unwrap_or_default().to_owned(),
                entry["query"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn is_create(request: &(String, String, String)) -> bool {
    request.0 == "POST" && request.1 == FLOWS
}

fn is_publish(request: &(String, String, String)) -> bool {
    request.0 == "POST" && request.1.ends_with("/action") && request.2 == "op=publish"
}

fn flows(state: &Value) -> Vec<Value> {
    state["platform"]["data"]["prod"]["flows"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn without_both_flags_the_dataflow_is_created_directly() {
    // Neither spec flagged (Adobe's docs), then only the connection spec:
    // Adobe asks for both, so neither run drafts.
    for (tag, flagged) in [
        ("no-draft", &[][..]),
        ("half-draft", &[CHATLIO_CONNECTION_SPEC_ID][..]),
    ] {
        let harness = start(tag, flagged).await;
        let outcome = harness.engine().apply(&request("Direct")).await.unwrap();
        assert!(outcome.complete);
        let log = harness.requests().await;
        let requests = flow_requests(&log);
        let creates: Vec<_> = requests.iter().filter(|r| is_create(r)).collect();
        assert_eq!(creates.len(), 1, "{tag}: {requests:?}");
        assert_eq!(creates[0].2, "", "{tag}: created without mode=draft");
        assert!(!requests.iter().any(is_publish), "{tag}: {requests:?}");
        // The specs were read for their flags.
        for spec in [
            format!("/connectionSpecs/{CHATLIO_CONNECTION_SPEC_ID}"),
            format!("/flowSpecs/{GENERIC_STREAMING_FLOW_SPEC_ID}"),
        ] {
            assert!(
                log.iter()
                    .any(|entry| entry["path"].as_str().is_some_and(|p| p.ends_with(&spec))),
                "{tag}: {spec} not read"
            );
        }
        let state = harness.state().await;
        assert_eq!(counts(&state), one_of_each());
        assert_eq!(flows(&state)[0]["state"], "enabled");
        harness.shutdown().await;
    }
}

#[tokio::test]
async fn with_both_flags_the_dataflow_is_drafted_then_published() {
    let harness = start("draft", &both_flagged()).await;
    let outcome = harness.engine().apply(&request("Drafted")).await.unwrap();
    assert!(outcome.complete);
    assert!(outcome.webhook_url.is_some());
    let flow_id = outcome.flow_id.clone().unwrap();
    let requests = flow_requests(&harness.requests().await);
    let creates: Vec<_> = requests.iter().filter(|r| is_create(r)).collect();
    assert_eq!(creates.len(), 1, "{requests:?}");
    assert_eq!(creates[0].2, "mode=draft");
    let publishes: Vec<_> = requests.iter().filter(|r| is_publish(r)).collect();
    assert_eq!(publishes.len(), 1, "{requests:?}");
    assert_eq!(publishes[0].1, format!("{FLOWS}/{flow_id}/action"));
    let state = harness.state().await;
    assert_eq!(counts(&state), one_of_each());
    let flow = &flows(&state)[0];
    assert_eq!(flow["state"], "enabled");
    assert_eq!(flow["lastOperation"]["operation"], "publish");
    // The journal holds the published flow with the etag the publish returned.
    let record = outcome
        .steps
        .iter()
        .find(|record| record.step == StepId::Dataflow)
        .unwrap();
    assert_eq!(record.state, StepState::Done);
    assert_eq!(record.etag.as_deref(), flow["etag"].as_str());
    harness.shutdown().await;
}

#[tokio::test]
async fn a_crash_between_draft_and_publish_resumes_by_publishing_the_journaled_draft() {
    let harness = start("draft-crash", &both_flagged()).await;
    let error = harness
        .engine()
        .with_fail_point(Some(FailPoint::AfterDraft(StepId::Dataflow)))
        .apply(&request("Crashed"))
        .await
        .unwrap_err();
    assert!(error.is_resumable(), "{error}");
    let state = harness.state().await;
    let drafts = flows(&state);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["state"], "draft");
    let draft_id = drafts[0]["id"].as_str().unwrap().to_owned();
    // The journal on disk names the draft.
    let journal: Value =
        serde_json::from_slice(&std::fs::read(harness.directory.join("Crashed.json")).unwrap())
            .unwrap();
    let record = journal["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| record["step"] == "dataflow")
        .cloned()
        .unwrap();
    assert_eq!(record["resourceId"], json!(draft_id), "{record}");
    assert_ne!(record["state"], "done");

    harness
        .control(reqwest::Method::DELETE, "/__sim/requests", None)
        .await;
    let outcome = harness.engine().resume("Crashed").await.unwrap();
    assert!(outcome.complete);
    assert_eq!(outcome.flow_id.as_deref(), Some(draft_id.as_str()));
    let requests = flow_requests(&harness.requests().await);
    assert!(
        !requests.iter().any(is_create),
        "no second flow: {requests:?}"
    );
    assert_eq!(requests.iter().filter(|r| is_publish(r)).count(), 1);
    let state = harness.state().await;
    assert_eq!(counts(&state), one_of_each());
    assert_eq!(flows(&state)[0]["state"], "enabled");
    harness.shutdown().await;
}

#[tokio::test]
async fn a_draft_whose_journal_was_lost_is_adopted_by_its_marker_and_published() {
    let harness = start("draft-lost", &both_flagged()).await;
    let error = harness
        .engine()
        .with_fail_point(Some(FailPoint::AfterDraft(StepId::Dataflow)))
        .apply(&request("Lost"))
        .await
        .unwrap_err();
    assert!(error.is_resumable(), "{error}");
    let draft_id = flows(&harness.state().await)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::remove_file(harness.directory.join("Lost.json")).unwrap();
    let outcome = harness.engine().apply(&request("Lost")).await.unwrap();
    assert!(outcome.complete);
    assert_eq!(outcome.flow_id.as_deref(), Some(draft_id.as_str()));
    let state = harness.state().await;
    assert_eq!(counts(&state), one_of_each());
    assert_eq!(flows(&state)[0]["state"], "enabled");
    harness.shutdown().await;
}

#[tokio::test]
async fn rollback_after_a_crash_between_draft_and_publish_deletes_the_draft() {
    let harness = start("draft-rollback", &both_flagged()).await;
    harness
        .engine()
        .with_fail_point(Some(FailPoint::AfterDraft(StepId::Dataflow)))
        .apply(&request("Undone"))
        .await
        .unwrap_err();
    let outcome = harness.engine().rollback("Undone").await.unwrap();
    assert!(
        outcome
            .deleted
            .iter()
            .any(|(step, _)| *step == StepId::Dataflow),
        "{outcome:?}"
    );
    let after = counts(&harness.state().await);
    assert_eq!(after.flows, 0);
    assert_eq!(after.source_connections + after.target_connections, 0);
    harness.shutdown().await;
}

#[tokio::test]
async fn a_publish_whose_answer_was_lost_is_not_an_error() {
    let harness = start("draft-drop", &both_flagged()).await;
    // The publish takes effect, then the connection dies before the answer;
    // the client repeats it and Flow Service says the flow is no longer a draft.
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/faults/next",
            Some(json!({
                "method": "POST",
                "path": format!("{FLOWS}/*"),
                "count": 1,
                "dropAfter": true
            })),
        )
        .await;
    let outcome = harness.engine().apply(&request("Dropped")).await.unwrap();
    assert!(outcome.complete);
    let log = harness.requests().await;
    let dropped = log
        .iter()
        .filter(|entry| {
            entry["fault"]
                .as_str()
                .is_some_and(|f| f.starts_with("drop_after"))
        })
        .count();
    assert_eq!(dropped, 1, "the fault was used");
    let state = harness.state().await;
    assert_eq!(counts(&state), one_of_each());
    assert_eq!(flows(&state)[0]["state"], "enabled");
    harness.shutdown().await;
}

#[tokio::test]
async fn draft_mode_adds_one_round_the_publish_and_the_spec_reads_add_none() {
    let latency = std::time::Duration::from_millis(150);
    for (flagged, expected) in [(&[][..], 8), (&both_flagged()[..], 9)] {
        let harness = Harness::start_with(
            "draft-rounds",
            SimConfig {
                latency,
                draft_mode_specs: flagged.iter().map(|id| (*id).to_owned()).collect(),
                ..SimConfig::default()
            },
        )
        .await;
        let started = std::time::Instant::now();
        let outcome = harness.engine().apply(&request("Rounds")).await.unwrap();
        let elapsed = started.elapsed();
        assert!(outcome.complete);
        let log = harness.requests().await;
        let rounds = rounds(&log);
        println!(
            "draft mode {}: {} ms, {} requests in {rounds} rounds",
            !flagged.is_empty(),
            elapsed.as_millis(),
            log.len()
        );
        assert!(rounds <= expected, "{rounds} rounds, expected {expected}");
        harness.shutdown().await;
    }
}
