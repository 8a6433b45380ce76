//! The `/__sim/` control surface: request log, fault injection, reset, persistence.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod common;

use std::time::{Duration, Instant};

use platform_sim::SimConfig;
use reqwest::Method;
use serde_json::json;

const FLOWS: &str = "/data/foundation/flowservice/flows";

#[tokio::test]
async fn fail_next_with_status_and_drop_then_recover() {
    let h = common::start_default().await;
    let (status, rule) = h
        .control(Method::POST, "/__sim/faults/next", Some(json!({ "method": "GET", "path": "/data/foundation/flowservice/*", "count": 2, "status": 503, "retryAfterSecs": 3 })))
        .await;
    assert_eq!(status, 201);
    assert!(rule["id"].is_string());
    for _ in 0..2 {
        let response = h.platform(Method::GET, FLOWS).send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "3");
    }
    assert_eq!(
        h.platform(Method::GET, FLOWS)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    h.control(
        Method::POST,
        "/__sim/faults/next",
        Some(json!({ "path": FLOWS, "drop": true })),
    )
    .await;
    let dropped = h.platform(Method::GET, FLOWS).send().await;
    assert!(
        dropped.is_err(),
        "a dropped connection is a transport error"
    );
    assert_eq!(
        h.platform(Method::GET, FLOWS)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let (_, log) = h.control(Method::GET, "/__sim/requests", None).await;
    let entries = log["requests"].as_array().unwrap();
    let flows: Vec<_> = entries.iter().filter(|e| e["path"] == FLOWS).collect();
    assert_eq!(flows.len(), 5);
    assert_eq!(flows[0]["status"], 503);
    assert_eq!(flows[3]["status"], serde_json::Value::Null);
    assert_eq!(flows[3]["fault"], "drop");
    assert!(flows
        .iter()
        .all(|e| e["startedAtMs"].is_i64() && e["method"] == "GET"));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn drop_after_carries_the_request_out_then_closes_the_connection() {
    let h = common::start_default().await;
    const SOURCES: &str = "/data/foundation/flowservice/sourceConnections";
    let (status, _) = h
        .control(
            Method::POST,
            "/__sim/faults/next",
            Some(json!({ "method": "POST", "path": SOURCES, "dropAfter": true })),
        )
        .await;
    assert_eq!(status, 201);
    let body = json!({
        "name": "Dropped answer",
        "connectionSpec": { "id": common::CHATLIO_SPEC, "version": "1.0" },
        "data": { "format": "json" }
    });
    let sent = h.platform(Method::POST, SOURCES).json(&body).send().await;
    assert!(sent.is_err(), "the caller gets no answer");
    // ... but the connection was made.
    let (status, listed) = h
        .json(
            Method::GET,
            &format!("{SOURCES}?property=name==Dropped answer"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let (_, log) = h.control(Method::GET, "/__sim/requests", None).await;
    let entry = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["method"] == "POST" && entry["path"] == SOURCES)
        .cloned()
        .unwrap();
    assert_eq!(entry["fault"], "drop_after:201");
    assert_eq!(entry["status"], serde_json::Value::Null);
    let (status, _) = h
        .control(
            Method::PUT,
            "/__sim/faults/random",
            Some(json!({ "rate": 0.5, "kinds": ["drop_after", "nonsense"] })),
        )
        .await;
    assert_eq!(status, 400, "unknown kinds are still refused");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn random_faults_are_seeded_and_latency_is_applied() {
    let h = common::start_default().await;
    let (status, _) = h
        .control(Method::PUT, "/__sim/faults/random", Some(json!({ "rate": 1.0, "seed": 3, "kinds": ["429"], "retryAfterSecs": 2, "pathPrefix": "/data/" })))
        .await;
    assert_eq!(status, 200);
    let response = h.platform(Method::GET, FLOWS).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(common::read(response).await.1["error_code"], "429050");
    h.control(Method::DELETE, "/__sim/faults", None).await;

    h.control(
        Method::PUT,
        "/__sim/faults/latency",
        Some(json!({ "ms": 150 })),
    )
    .await;
    let started = Instant::now();
    assert_eq!(
        h.platform(Method::GET, FLOWS)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    h.control(Method::DELETE, "/__sim/faults", None).await;

    // The request log can count sequential rounds.
    let (_, log) = h.control(Method::GET, "/__sim/requests", None).await;
    let last = log["requests"].as_array().unwrap().last().unwrap().clone();
    assert!(last["durationMs"].as_i64().unwrap() >= 150);
    let seq = last["seq"].as_u64().unwrap();
    let (_, later) = h
        .control(Method::GET, &format!("/__sim/requests?since={seq}"), None)
        .await;
    assert_eq!(later["requests"].as_array().unwrap().len(), 0);
    let (status, _) = h
        .control(
            Method::PUT,
            "/__sim/faults/random",
            Some(json!({ "rate": 2.0 })),
        )
        .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn reset_state_dump_and_close_runs() {
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Reset Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    h.wait_out_warmup().await;
    h.http
        .post(format!("{inlet}?x-adobe-flow-id={flow_id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    let (_, closed) = h.control(Method::POST, "/__sim/runs/close", None).await;
    assert_eq!(closed["closed"], 1);
    let (_, runs) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/runs?property=flowId=={flow_id}"),
            None,
        )
        .await;
    assert_eq!(
        runs["items"][0]["metrics"]["statusSummary"]["status"],
        "success"
    );
    let (status, state) = h.control(Method::GET, "/__sim/state", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        state["platform"]["data"]["prod"]["flows"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(state["records"][&dataset_id]["records"], 1);
    assert!(
        !state.to_string().contains("practice-secret"),
        "secrets are not dumped"
    );
    let (status, _) = h.control(Method::POST, "/__sim/reset", None).await;
    assert_eq!(status, 204);
    let (_, state) = h.control(Method::GET, "/__sim/state", None).await;
    assert_eq!(
        state["platform"]["data"]["prod"]["flows"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Tokens are cleared by a reset.
    let (status, _) = h.json(Method::GET, FLOWS, None).await;
    assert_eq!(status, 401);
    let (status, _) = h
        .control(Method::GET, "/__sim/datasets/unknown/records", None)
        .await;
    assert_eq!(status, 404);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let directory = std::env::temp_dir().join(format!("platform-sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("state.json");
    if file.exists() {
        std::fs::remove_file(&file).unwrap();
    }
    let config = SimConfig {
        state_file: Some(file.clone()),
        ..SimConfig::default()
    };
    let h = common::start(config.clone()).await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Persisted Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    h.wait_out_warmup().await;
    h.http
        .post(format!("{inlet}?x-adobe-flow-id={flow_id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    let token = h.token.clone();
    h.sim.shutdown().await;
    assert!(file.exists());

    let mut again = common::start(config).await;
    again.token = token;
    let (status, flow) = again
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert_eq!(status, 200, "the old token and the flow survive");
    let new_inlet = flow["items"][0]["options"]["inletUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let response = again
        .http
        .post(format!("{new_inlet}?x-adobe-flow-id={flow_id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, stored) = again
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(stored["records"].as_array().unwrap().len(), 2);
    again.sim.shutdown().await;
    std::fs::remove_dir_all(&directory).unwrap();
}

/// With a control token (the app's practice simulator has one per run), a
/// control call without it is refused, and the Platform API is unaffected.
#[tokio::test]
async fn a_control_token_closes_the_control_surface_to_other_processes() {
    let config = SimConfig {
        control_token: Some("per-run-token".into()),
        ..SimConfig::default()
    };
    let h = common::start(config).await;
    let base = h.sim.base_url();
    let http = reqwest::Client::new();
    for path in ["/__sim/state", "/__sim/requests", "/__sim/faults"] {
        let refused = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{path}");
        let wrong = http
            .get(format!("{base}{path}"))
            .header(platform_sim::CONTROL_TOKEN_HEADER, "per-run-tokeX")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 403, "{path}");
        let allowed = http
            .get(format!("{base}{path}"))
            .header(platform_sim::CONTROL_TOKEN_HEADER, "per-run-token")
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status(), 200, "{path}");
    }
    let refused = http
        .post(format!("{base}/__sim/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // The emulated Adobe APIs answer as before.
    let (status, _) = h
        .json(Method::GET, "/data/foundation/schemaregistry/stats", None)
        .await;
    assert_eq!(status, 200);
    h.sim.shutdown().await;
}
