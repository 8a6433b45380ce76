//! Documented examples and generated variants: parse, classify, round-trip.

#![allow(clippy::unwrap_used)] // Tests may unwrap (project rule).

use chatlio::payload::Traits;
use chatlio::{
    adobe_sample, classify, documented_example, generate, ChatlioPayload, EventKind, Family,
    RecordedKind,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

fn fixture(kind: EventKind) -> Value {
    let text = match kind {
        EventKind::NewConversation => include_str!("../fixtures/new_conversation.json"),
        EventKind::UnansweredVisitor => include_str!("../fixtures/unanswered_visitor.json"),
        EventKind::VisitorFeedback => include_str!("../fixtures/visitor_feedback.json"),
        EventKind::OfflineMessage => include_str!("../fixtures/offline_message.json"),
        EventKind::ChatTranscript => include_str!("../fixtures/chat_transcript.json"),
    };
    serde_json::from_str(text).unwrap()
}

fn check(kind: EventKind, body: &Value) {
    let payload =
        ChatlioPayload::from_value(body).unwrap_or_else(|error| panic!("{kind}: {error}: {body}"));
    assert_eq!(payload.family(), kind.family(), "{kind}");
    assert_eq!(&payload.to_value(), body, "{kind} round trip");
    let bytes = serde_json::to_vec(body).unwrap();
    assert_eq!(ChatlioPayload::from_slice(&bytes).unwrap(), payload);
    let classification = classify(body, kind.as_visitor_event());
    assert_eq!(classification.family, Some(kind.family()));
    assert_eq!(classification.kind, RecordedKind::from(kind));
    let shared = classify(body, None).kind;
    match kind.family() {
        Family::VisitorEvent => assert_eq!(shared, RecordedKind::VisitorEvent),
        _ => assert_eq!(shared, RecordedKind::from(kind)),
    }
    assert!(
        chatlio::mapping::would_ingest(body),
        "{kind} would not ingest"
    );
}

#[test]
fn fixtures_are_the_documented_examples() {
    for kind in EventKind::ALL {
        assert_eq!(fixture(kind), documented_example(kind), "{kind}");
    }
}

#[test]
fn documented_examples_parse_classify_and_round_trip() {
    for kind in EventKind::ALL {
        check(kind, &documented_example(kind));
    }
    check(EventKind::NewConversation, &adobe_sample());
}

#[test]
fn documented_traits_are_read_in_both_forms() {
    let offline =
        ChatlioPayload::from_value(&documented_example(EventKind::OfflineMessage)).unwrap();
    let ChatlioPayload::Offline(offline) = offline else {
        panic!("not offline");
    };
    let traits = offline.visitor.unwrap().ident_traits.unwrap();
    assert!(matches!(traits, Traits::Text(_)));
    assert_eq!(traits.to_object().unwrap()["custom stuff"], "things");

    let transcript =
        ChatlioPayload::from_value(&documented_example(EventKind::ChatTranscript)).unwrap();
    let ChatlioPayload::Transcript(transcript) = transcript else {
        panic!("not a transcript");
    };
    assert!(matches!(transcript.visitor_traits, Some(Traits::Object(_))));
    assert_eq!(transcript.messages.unwrap().len(), 2);
}

#[test]
fn empty_optional_fields_are_accepted() {
    let mut body = documented_example(EventKind::ChatTranscript);
    for key in [
        "agentEmail",
        "agentName",
        "visitorEmail",
        "textBody",
        "htmlBody",
    ] {
        body[key] = Value::String(String::new());
    }
    body["visitorTraits"] = Value::String(String::new());
    check(EventKind::ChatTranscript, &body);

    let mut body = documented_example(EventKind::OfflineMessage);
    for key in ["name", "email", "emailPretty", "message"] {
        body[key] = Value::String(String::new());
    }
    body["subject"] = Value::String(String::new());
    check(EventKind::OfflineMessage, &body);
}

#[test]
fn generated_variants_cover_the_awkward_cases() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..60 {
        for kind in EventKind::ALL {
            check(kind, &generate(kind, &mut rng));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_generated_payload_parses_classifies_and_round_trips(kind_index in 0..5usize, seed in any::<u64>()) {
        let kind = EventKind::ALL[kind_index];
        let body = generate(kind, &mut StdRng::seed_from_u64(seed));
        let payload = ChatlioPayload::from_value(&body).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(payload.to_value(), body.clone());
        prop_assert_eq!(classify(&body, kind.as_visitor_event()).kind, RecordedKind::from(kind));
        prop_assert!(chatlio::mapping::would_ingest(&body));
        prop_assert!(serde_json::to_vec(&body).unwrap().len() < 1024 * 1024);
    }
}
