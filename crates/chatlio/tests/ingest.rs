//! Against platform-sim: the setup done as Adobe documents it, with this
//! crate's schema and mapping, then Chatlio bodies posted to the inlet.

#![allow(clippy::unwrap_used)] // Tests may unwrap (project rule).

mod support;

use chatlio::{
    adobe_sample, documented_example, expected_record, generate, send, unidentifiable_payload,
    EventKind, RecordedKind, WebhookMode, WebhookPlan,
};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use support::{without_generated, Platform};

fn assert_generated_fields(record: &Value) {
    let id = record["_id"].as_str().expect("_id");
    assert!(!id.is_empty());
    let timestamp = record["timestamp"].as_str().expect("timestamp");
    assert!(
        chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
        "{timestamp}"
    );
}

#[tokio::test]
async fn all_five_kinds_on_one_url_ingest_with_the_right_fields() {
    let platform = Platform::start().await;
    let setup = platform.set_up(WebhookMode::SingleUrl).await;
    let url = &setup.flows["all"].webhook_url;

    let mut sent = Vec::new();
    for kind in EventKind::ALL {
        sent.push(documented_example(kind));
    }
    sent.push(adobe_sample());
    for body in &sent {
        let outcome = send(url, body).await;
        assert_eq!(outcome.status, Some(200), "{outcome:?}");
        assert!(
            outcome
                .response
                .as_ref()
                .is_some_and(|response| response["xactionId"].is_string()),
            "{outcome:?}"
        );
    }

    let (records, failed) = platform.records(&setup.dataset_id).await;
    assert!(failed.is_empty(), "failed records: {failed:#?}");
    assert_eq!(records.len(), sent.len());
    let tenant = &platform.tenant_id;
    let expected_kinds = [
        "visitor_event",
        "visitor_event",
        "visitor_event",
        "offline_message",
        "chat_transcript",
        "visitor_event",
    ];
    for ((record, body), kind) in records.iter().zip(&sent).zip(expected_kinds) {
        assert_generated_fields(record);
        assert_eq!(record[format!("_{tenant}")]["chatlio"]["eventKind"], kind);
        assert_eq!(
            without_generated(record),
            expected_record(tenant, body, None)
        );
    }
    let transcript = &records[4][format!("_{tenant}")]["chatlio"];
    assert_eq!(transcript["transcript"]["messageCount"], 2);
    assert_eq!(transcript["transcript"]["agentName"], "Some One");
    assert_eq!(transcript["subjectIdType"], "conversation_uuid");
    assert!(transcript["visitor"].get("uuid").is_none());
    let offline = &records[3][format!("_{tenant}")]["chatlio"];
    assert_eq!(offline["visitor"]["email"], "bob@example.com");
    assert_eq!(offline["offline"]["name"], "Bob Smith");
    assert_eq!(offline["subjectIdType"], "visitor_uuid");
    assert_eq!(records[0]["eventType"], "chatlio.visitor_event");
    platform.sim.shutdown().await;
}

#[tokio::test]
async fn per_event_urls_record_the_precise_kind() {
    let platform = Platform::start().await;
    let setup = platform.set_up(WebhookMode::PerEventUrl).await;
    let plan = WebhookPlan::new(WebhookMode::PerEventUrl);
    let tenant = &platform.tenant_id;

    for kind in EventKind::ALL {
        let flow = plan.flow_for(kind).expect("flow for kind");
        let created = &setup.flows[&flow.key];
        let body = documented_example(kind);
        let outcome = send(&created.webhook_url, &body).await;
        assert_eq!(outcome.status, Some(200), "{kind}: {outcome:?}");
        let (records, failed) = platform.records(&setup.dataset_id).await;
        assert!(failed.is_empty(), "{kind}: {failed:#?}");
        let record = records.last().expect("a record");
        assert_eq!(
            record[format!("_{tenant}")]["chatlio"]["eventKind"],
            kind.code(),
            "{kind}"
        );
        assert_eq!(record["eventType"], format!("chatlio.{}", kind.code()));
        assert_eq!(
            without_generated(record),
            expected_record(tenant, &body, created.url_hint)
        );
    }

    // A transcript pasted into a visitor-event field is still a transcript.
    let feedback_url = &setup.flows["visitor_feedback"].webhook_url;
    let outcome = send(feedback_url, &documented_example(EventKind::ChatTranscript)).await;
    assert_eq!(outcome.status, Some(200));
    let (records, _) = platform.records(&setup.dataset_id).await;
    assert_eq!(
        records.last().unwrap()[format!("_{tenant}")]["chatlio"]["eventKind"],
        RecordedKind::ChatTranscript.code()
    );
    platform.sim.shutdown().await;
}

#[tokio::test]
async fn a_body_with_nothing_identifying_is_a_failed_record_with_a_clear_error() {
    let platform = Platform::start().await;
    let setup = platform.set_up(WebhookMode::SingleUrl).await;
    let url = &setup.flows["all"].webhook_url;

    for body in [unidentifiable_payload(), json!({"message": "hello"})] {
        let outcome = send(url, &body).await;
        assert!(outcome.status.is_some(), "{outcome:?}");
    }
    let (records, failed) = platform.records(&setup.dataset_id).await;
    assert!(records.is_empty(), "stored: {records:#?}");
    assert_eq!(failed.len(), 2, "{failed:#?}");
    for failure in &failed {
        let errors = failure["errors"].as_array().expect("errors");
        assert!(
            errors.iter().any(|error| error["message"]
                .as_str()
                .is_some_and(|message| message.contains("subjectId"))),
            "{errors:#?}"
        );
    }
    platform.sim.shutdown().await;
}

#[tokio::test]
async fn generated_variants_ingest_with_expected_records() {
    let platform = Platform::start().await;
    let setup = platform.set_up(WebhookMode::SingleUrl).await;
    let url = &setup.flows["all"].webhook_url;
    let tenant = &platform.tenant_id;
    let sender = chatlio::Sender::new(std::time::Duration::from_secs(10)).unwrap();
    let mut rng = StdRng::seed_from_u64(2024);
    let mut sent = Vec::new();
    for _ in 0..8 {
        for kind in EventKind::ALL {
            let body = generate(kind, &mut rng);
            let outcome = sender.send(url, &body).await;
            assert!(outcome.is_success(), "{outcome:?}");
            sent.push(body);
        }
    }
    let (records, failed) = platform.records(&setup.dataset_id).await;
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(records.len(), sent.len());
    for (record, body) in records.iter().zip(&sent) {
        assert_eq!(
            without_generated(record),
            expected_record(tenant, body, None)
        );
    }
    platform.sim.shutdown().await;
}

#[tokio::test]
async fn the_cli_sends_every_kind_and_reports_each_response() {
    let platform = Platform::start().await;
    let setup = platform.set_up(WebhookMode::SingleUrl).await;
    let url = setup.flows["all"].webhook_url.clone();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_chatlio-sim"))
        .args(["send", "--url", &url, "--event", "all", "--count", "5"])
        .args(["--rate", "100/s", "--seed", "9"])
        .output()
        .await
        .expect("run chatlio-sim");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(stdout.matches("status=200").count(), 5, "{stdout}");
    assert!(stdout.contains("xactionId"), "{stdout}");
    assert!(stdout.contains("sent=5 ok=5 failed=0"), "{stdout}");
    for kind in EventKind::ALL {
        assert!(stdout.contains(kind.code()), "{stdout}");
    }
    let (records, failed) = platform.records(&setup.dataset_id).await;
    assert_eq!((records.len(), failed.len()), (5, 0));
    platform.sim.shutdown().await;
}
