//! Bad input never panics or hangs: random bodies, content types and methods against every
//! write endpoint get a clear 4xx (or a 2xx for a valid body), always within a deadline.

#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use reqwest::Method;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9_ .:/{}$()\"-]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_$:@]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        json_value().prop_map(Body::Json),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
    ]
}

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/data/foundation/schemaregistry/tenant/fieldgroups"),
    ("POST", "/data/foundation/schemaregistry/tenant/schemas"),
    ("POST", "/data/foundation/schemaregistry/tenant/descriptors"),
    ("POST", "/data/foundation/catalog/dataSets"),
    ("POST", "/data/foundation/conversion/mappingSets"),
    ("POST", "/data/foundation/conversion/mappingSets/preview"),
    ("POST", "/data/foundation/conversion/mappingSets/validate"),
    ("POST", "/data/foundation/flowservice/sourceConnections"),
    ("POST", "/data/foundation/flowservice/targetConnections"),
    ("POST", "/data/foundation/flowservice/flows"),
    ("PATCH", "/data/foundation/flowservice/flows/FLOW"),
    (
        "PATCH",
        "/data/foundation/schemaregistry/tenant/schemas/SCHEMA",
    ),
    ("PUT", "/data/foundation/flowservice/flows"),
    ("DELETE", "/data/foundation/catalog/dataSets/nope"),
    ("POST", "/ims/token/v3"),
    ("POST", "/ims/revoke"),
    ("POST", "/__sim/faults/next"),
    ("POST", "INLET"),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_get_clear_errors(endpoint in 0..ENDPOINTS.len(), body in body(), content_type in prop_oneof![
        Just("application/json"), Just("text/plain"), Just("application/x-www-form-urlencoded"), Just("")
    ]) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let h = harness().await;
            let (method, path) = ENDPOINTS[endpoint];
            let path = path
                .replace("FLOW", &h.flow_id)
                .replace("SCHEMA", &h.schema_alt);
            let url = if path == "INLET" { format!("{}?x-adobe-flow-id={}", h.inlet, h.flow_id) } else { format!("{}{path}", h.inner.base) };
            let mut request = h
                .inner
                .http
                .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
                .bearer_auth(&h.inner.token)
                .header("x-api-key", &h.inner.client_id)
                .header("x-gw-ims-org-id", &h.inner.org_id)
                .header("x-sandbox-name", "prod")
                .header("if-match", "\"stale\"");
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            request = match &body {
                Body::Json(value) => request.body(value.to_string()),
                Body::Bytes(bytes) => request.body(bytes.clone()),
            };
            let response = tokio::time::timeout(std::time::Duration::from_secs(10), request.send())
                .await
                .expect("no hang")
                .expect("no dropped connection");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert!(status < 500, "{method} {path} gave {status}: {text}");
            if !text.is_empty() {
                assert!(serde_json::from_str::<Value>(&text).is_ok(), "non-JSON body for {method} {path}: {text}");
            }
            if status >= 400 {
                assert!(!text.is_empty(), "{method} {path} gave {status} with no body");
            }
            h.inner.sim.shutdown().await;
        });
    }
}

struct Prepared {
    inner: common::Harness,
    flow_id: String,
    inlet: String,
    schema_alt: String,
}

async fn harness() -> Prepared {
    let inner = common::start_default().await;
    let (schema_id, dataset_id) = inner.chatlio_schema_and_dataset("Robust Events").await;
    let (flow_id, inlet) = inner.chatlio_flow(&schema_id, &dataset_id).await;
    let schema_alt = schema_id
        .rsplit('/')
        .next()
        .map(|hex| format!("_practice.schemas.{hex}"))
        .unwrap();
    Prepared {
        inner,
        flow_id,
        inlet,
        schema_alt,
    }
}
