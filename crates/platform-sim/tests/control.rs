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
    for path in [
        "/__sim/state",
        "/__sim/requests",
        "/__sim/faults",
        "/__sim/clock",
    ] {
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

/// 2027-03-26T16:00:00Z, a Friday: the clock tests start there.
const CLOCK_START: &str = "2027-03-26T16:00:00Z";

fn clock_config() -> SimConfig {
    SimConfig {
        clock_start: Some(common::instant(CLOCK_START)),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn the_clock_reads_its_configured_start_and_runs_on() {
    let h = common::start(clock_config()).await;
    let now = h.clock().await;
    let elapsed = now - common::instant(CLOCK_START);
    assert!(
        elapsed >= chrono::Duration::zero() && elapsed < chrono::Duration::seconds(60),
        "{now}"
    );
    let (_, state) = h.control(Method::GET, "/__sim/state", None).await;
    assert!(common::clock_instant(&state["clock"]) >= now);

    // Another simulator in the same process keeps real time.
    let real = common::start_default().await;
    let real_now = real.clock().await;
    assert!(
        (real_now - chrono::Utc::now()).num_seconds().abs() < 60,
        "{real_now}"
    );
    real.sim.shutdown().await;
    h.sim.shutdown().await;
}

/// A run window opens in the simulator's time (hour-aligned there), the mapping's `now()`
/// reads that time, and moving the clock past the window's end closes it as an hour
/// passing would.
#[tokio::test]
async fn a_run_window_opens_and_closes_by_the_sims_clock() {
    let h = common::start(clock_config()).await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Clock Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    // Half an hour on: the flow's 5 minute warm-up is over, the token (24 h) still good.
    let moved = h.set_clock("2027-03-26T16:30:00Z").await;
    assert_eq!(moved["closedRuns"], 0);
    assert_eq!(
        common::clock_instant(&moved),
        common::instant("2027-03-26T16:30:00Z")
    );
    h.post_event(&inlet, &flow_id, &common::chatlio_event())
        .await;

    let window_start = common::instant("2027-03-26T16:00:00Z").timestamp_millis();
    let window_end = common::instant("2027-03-26T17:00:00Z").timestamp_millis();
    let (_, runs) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/runs?property=flowId=={flow_id}"),
            None,
        )
        .await;
    let run = &runs["items"][0];
    assert_eq!(
        run["metrics"]["statusSummary"]["status"], "inProgress",
        "{run}"
    );
    assert_eq!(
        run["metrics"]["durationSummary"]["startedAtUTC"], window_start,
        "{run}"
    );
    let (_, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    let timestamp = stored["records"][0]["timestamp"].as_str().unwrap();
    assert!(timestamp.starts_with("2027-03-26T16:30:"), "{stored}");

    let advanced = h.advance_clock(3600).await;
    assert_eq!(advanced["closedRuns"], 1, "{advanced}");
    assert!(common::clock_instant(&advanced) >= common::instant("2027-03-26T17:30:00Z"));
    let (status, runs) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/runs?property=flowId=={flow_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{runs}");
    let items = runs["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{runs}");
    let run = &items[0];
    assert_eq!(
        run["metrics"]["statusSummary"]["status"], "success",
        "{run}"
    );
    let duration = &run["metrics"]["durationSummary"];
    assert_eq!(duration["startedAtUTC"], window_start, "{run}");
    assert_eq!(duration["completedAtUTC"], window_end, "{run}");
    let created = run["createdAt"].as_i64().unwrap();
    assert!(
        (window_start..window_end).contains(&created),
        "the run was created in the simulator's 2027: {run}"
    );
    let (_, flow) = h
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert_eq!(
        flow["items"][0]["lastRunDetails"]["completedAtUTC"],
        window_end
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn the_clock_refuses_to_move_backwards() {
    let h = common::start(clock_config()).await;
    h.set_clock("2027-03-27T09:00:00Z").await;
    let (status, body) = h
        .control(
            Method::PUT,
            "/__sim/clock",
            Some(json!({ "now": "2027-03-27T08:59:59Z" })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_control_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("only move forward"),
        "{body}"
    );
    assert!(h.clock().await >= common::instant("2027-03-27T09:00:00Z"));
    // Another offset is the same instant, and so a move forward.
    let moved = h.set_clock("2027-03-27T11:00:00+01:00").await;
    assert_eq!(
        common::clock_instant(&moved),
        common::instant("2027-03-27T10:00:00Z")
    );
    for body in [
        json!({ "now": "tomorrow" }),
        json!({}),
        json!({ "secs": 5 }),
    ] {
        let (status, answer) = h.control(Method::PUT, "/__sim/clock", Some(body)).await;
        assert_eq!(status, 400, "{answer}");
    }
    let (status, answer) = h
        .control(
            Method::POST,
            "/__sim/clock/advance",
            Some(json!({ "secs": u64::MAX })),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    h.sim.shutdown().await;
}

/// Tokens expire by the simulator's clock: two days on, a token issued before is refused
/// as an expired one is, and the client must get a new one, as with Adobe.
#[tokio::test]
async fn tokens_issued_before_the_clock_moves_two_days_expire() {
    let mut h = common::start(clock_config()).await;
    let (status, _) = h.json(Method::GET, FLOWS, None).await;
    assert_eq!(status, 200);
    h.advance_clock(2 * 24 * 3600).await;
    let (status, body) = h.json(Method::GET, FLOWS, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_code"], "401013");
    let config = h.sim.config().clone();
    h.token = common::token_for(&h.http, &h.base, &config.client_id, &config.client_secret).await;
    let (status, _) = h.json(Method::GET, FLOWS, None).await;
    assert_eq!(status, 200);
    h.sim.shutdown().await;
}

/// A reset forgets every recorded time, and so puts the clock back at its start.
#[tokio::test]
async fn a_reset_puts_the_clock_back_at_its_start() {
    let h = common::start(clock_config()).await;
    h.advance_clock(7 * 24 * 3600).await;
    let (status, _) = h.control(Method::POST, "/__sim/reset", None).await;
    assert_eq!(status, 204);
    let now = h.clock().await;
    assert!(now < common::instant("2027-03-27T16:00:00Z"), "{now}");
    h.sim.shutdown().await;
}

/// Times the Schema Registry writes into its error reports, and the generic 404's, are
/// in the simulator's time too.
#[tokio::test]
async fn error_reports_carry_the_sims_time() {
    let h = common::start(clock_config()).await;
    // A schema asked for without the versioned Accept header: XDM-1007-400.
    let (status, body) = h
        .json(
            Method::GET,
            "/data/foundation/schemaregistry/tenant/schemas/https:%2F%2Fns.adobe.com%2Fpractice%2Fschemas%2Fnone",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let stamped = body["report"]["timestamp"].as_str().unwrap();
    assert!(stamped.starts_with("03-26-2027 16:"), "{body}");
    let (status, body) = h.json(Method::GET, "/no/such/path", None).await;
    assert_eq!(status, 404, "{body}");
    let at = body["timestamp"].as_i64().unwrap();
    assert!(
        at >= common::instant(CLOCK_START).timestamp_millis(),
        "{body}"
    );
    h.sim.shutdown().await;
}

/// The state file keeps the clock's lead over real time: a restarted simulator does not
/// put the times it restored in the future.
#[tokio::test]
async fn a_restart_keeps_the_clock_where_it_was() {
    let directory = std::env::temp_dir().join(format!("platform-sim-clock-{}", std::process::id()));
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
    let moved = h.advance_clock(3 * 24 * 3600).await;
    let ahead = common::clock_instant(&moved);
    h.sim.shutdown().await;

    let again = common::start(config).await;
    assert!(again.clock().await >= ahead);
    again.sim.shutdown().await;
    std::fs::remove_dir_all(&directory).unwrap();
}
