//! Property tests: any status and any bytes given to the response-parsing functions
//! produce a typed value or a typed error, never a panic.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use platform::inlet::interpret_inlet_response;
use platform::models::flow::Flow;
use platform::models::inlet::InletReceipt;
use platform::models::sandbox::Sandbox;
use platform::response::{
    classify_failure, interpret, parse_error_body, parse_retry_after, ResponseMeta,
};
use platform::ErrorCode;
use proptest::prelude::*;
use serde_json::{Map, Value};

const DOCUMENTED_BODIES: &[&str] = &[
    r#"{"type":"https://ns.adobe.com/aep/errors/FLOW-1439-404","title":"Resource not found","status":404,"report":{"detailed-message":"not found","request-id":"r"}}"#,
    r#"{"error_code":"401013","message":"Oauth token is not valid"}"#,
    r#"{"error":"invalid_client","error_description":"invalid client_secret parameter"}"#,
    r#"{"items":[{"id":"d947e6a9-ea53-42c4-985c-c9379265491f","state":"enabled","etag":"\"9b01\"","options":{"inletUrl":"https://dcs.adobedc.net/collection/e7"},"transformations":[{"name":"Mapping","params":{"mappingId":"4b71","mappingVersion":"0"}}]}]}"#,
    r#"{"inletId":"667b","xactionId":"1584479347507:2153:240","receivedTimeMs":1584479347507}"#,
    r#"{"responses":[{"xactionId":"1"},{"statusCode":400,"message":"bad"}]}"#,
    r#"["@/dataSets/5c8c3c555033b814b69f947f"]"#,
];

fn meta() -> ResponseMeta {
    ResponseMeta {
        request_id: Some("req".into()),
        retry_after: None,
    }
}

fn check_all(status: u16, body: &[u8]) {
    let meta = meta();
    let error = classify_failure(status, &meta, body);
    assert!(!error.hint().is_empty());
    assert!(error.message().chars().count() <= 601);
    // The UI shape always serializes.
    let serialized = serde_json::to_value(&error).unwrap();
    assert!(serialized["code"].is_string());
    // Only "does not panic" is asserted for the raw parsers.
    std::hint::black_box(parse_error_body(body));
    let outcomes = [
        interpret::<Flow>(status, &meta, body).err(),
        interpret::<Vec<String>>(status, &meta, body).err(),
        interpret::<Map<String, Value>>(status, &meta, body).err(),
        interpret::<Sandbox>(status, &meta, body).err(),
        interpret::<()>(status, &meta, body).err(),
        interpret_inlet_response(status, &meta, body).err(),
        interpret::<InletReceipt>(status, &meta, body).err(),
    ];
    for error in outcomes.into_iter().flatten() {
        if !(200..300).contains(&status) {
            assert_eq!(error.status(), Some(status));
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        std::hint::black_box(parse_retry_after(text));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_all(status, &body);
    }

    #[test]
    fn truncated_documented_bodies_never_panic(status in 100u16..600, which in 0..DOCUMENTED_BODIES.len(), cut in 0usize..400) {
        let full = DOCUMENTED_BODIES[which].as_bytes();
        let body = &full[..cut.min(full.len())];
        check_all(status, body);
    }

    #[test]
    fn json_shaped_noise_never_panics(status in 100u16..600, text in r#"[\{\}\[\]":,0-9a-zA-Z_ \-]{0,200}"#) {
        check_all(status, text.as_bytes());
    }

    #[test]
    fn non_success_is_always_an_error(status in prop_oneof![100u16..200, 300u16..600], which in 0..DOCUMENTED_BODIES.len()) {
        let body = DOCUMENTED_BODIES[which].as_bytes();
        prop_assert!(interpret::<Value>(status, &meta(), body).is_err());
        prop_assert!(interpret_inlet_response(status, &meta(), body).is_err());
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let body = "[".repeat(100_000);
    let error = interpret::<Value>(200, &meta(), body.as_bytes()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    check_all(500, body.as_bytes());
}
