//! The `/__sim/` control surface used by tests: open, unless the sim was
//! started with a control token (the app's practice simulator is).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::{Clock, ClockError, Moved};
use crate::errors::ApiError;
use crate::faults::{FailNextRule, RandomFaults};
use crate::state::{AppState, Credential, Secret, ALL_PERMISSIONS};
use crate::util::{query_get, query_pairs, random_hex};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sim/health", get(health))
        .route("/__sim/requests", get(requests).delete(clear_requests))
        .route("/__sim/state", get(state))
        .route("/__sim/datasets/{id}/records", get(records))
        .route("/__sim/reset", post(reset))
        .route("/__sim/credentials", post(create_credential))
        .route("/__sim/tokens/expire", post(expire_tokens))
        .route("/__sim/runs/close", post(close_runs))
        .route("/__sim/runs/age", post(age_runs))
        .route("/__sim/runs/seed", post(seed_runs))
        .route("/__sim/time/advance", post(advance_time))
        .route("/__sim/clock", get(clock).put(set_clock))
        .route("/__sim/clock/advance", post(advance_clock))
        .route("/__sim/faults", get(faults).delete(clear_faults))
        .route("/__sim/faults/latency", put(set_latency))
        .route("/__sim/faults/random", put(set_random))
        .route("/__sim/faults/next", post(fail_next))
        .route("/__sim/faults/next/{id}", delete(remove_fail_next))
}

/// `None` when the control call may go on; otherwise the 403 that refuses a
/// call without the sim's control token (when it has one). The comparison
/// takes the same time whatever the guess.
pub fn refuse_without_token(
    sim: &crate::state::Sim,
    headers: &axum::http::HeaderMap,
) -> Option<Response> {
    let expected = sim.config.control_token.as_ref()?;
    let given = headers
        .get(crate::CONTROL_TOKEN_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    let matches = given.len() == expected.len()
        && given
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0;
    (!matches).then(|| {
        control_error(
            StatusCode::FORBIDDEN,
            "this simulator's control surface needs its control token",
        )
        .into_response()
    })
}

fn control_error(status: StatusCode, message: &str) -> ApiError {
    ApiError::new(
        status,
        json!({ "error": "invalid_control_request", "message": message }),
    )
}

/// Parses an optional JSON body (empty = `{}`).
fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| control_error(StatusCode::BAD_REQUEST, &e.to_string()))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn requests(
    State(sim): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let since: u64 = match query_get(&pairs, "since") {
        Some(raw) => raw.parse().map_err(|_| {
            control_error(StatusCode::BAD_REQUEST, "since must be a sequence number")
        })?,
        None => 0,
    };
    let log = sim.log.lock();
    let entries: Vec<Value> = log
        .entries
        .iter()
        .filter(|e| e.seq > since)
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    Ok(Json(json!({ "requests": entries })))
}

async fn clear_requests(State(sim): State<AppState>) -> StatusCode {
    sim.log.lock().entries.clear();
    StatusCode::NO_CONTENT
}

async fn state(State(sim): State<AppState>) -> Json<Value> {
    let credentials: Vec<Value> = sim
        .ims
        .lock()
        .credentials
        .iter()
        .map(|c| json!({ "clientId": c.client_id, "orgId": c.org_id, "permissions": c.permissions, "sandboxes": c.sandboxes }))
        .collect();
    let platform = serde_json::to_value(&*sim.platform.read()).unwrap_or(Value::Null);
    let records: serde_json::Map<String, Value> = sim
        .records
        .read()
        .iter()
        .map(|(id, r)| {
            let store = r.lock();
            (
                id.clone(),
                json!({ "records": store.records.len(), "failed": store.failed.len() }),
            )
        })
        .collect();
    let runs: serde_json::Map<String, Value> = sim
        .runs
        .read()
        .iter()
        .map(|(id, r)| {
            (
                id.clone(),
                serde_json::to_value(&r.lock().runs).unwrap_or(Value::Null),
            )
        })
        .collect();
    let faults = sim.faults.lock().to_json();
    Json(json!({
        "config": {
            "baseUrl": sim.base_url(),
            "orgId": sim.config.org_id,
            "tenantId": sim.config.tenant_id,
            "runWindowMs": u64::try_from(sim.config.run_window.as_millis()).unwrap_or(u64::MAX),
            "warmupMs": u64::try_from(sim.config.warmup.as_millis()).unwrap_or(u64::MAX),
            "tokenLifetimeMs": u64::try_from(sim.config.token_lifetime.as_millis()).unwrap_or(u64::MAX),
        },
        "clock": clock_json(sim.clock.now_ms()),
        "credentials": credentials,
        "platform": platform,
        "records": records,
        "runs": runs,
        "faults": faults,
    }))
}

async fn records(
    State(sim): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let known = sim
        .platform
        .read()
        .data
        .values()
        .any(|d| d.datasets.contains_key(&id));
    let store = sim.records.read().get(&id).cloned();
    match store {
        Some(store) => {
            let store = store.lock();
            let failed: Vec<Value> = store.failed.iter().map(|f| f.control_json()).collect();
            Ok(Json(
                json!({ "dataSetId": id, "records": store.records, "failed": failed }),
            ))
        }
        None if known => Ok(Json(
            json!({ "dataSetId": id, "records": [], "failed": [] }),
        )),
        None => Err(control_error(
            StatusCode::NOT_FOUND,
            &format!("dataset {id} does not exist"),
        )),
    }
}

async fn reset(State(sim): State<AppState>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewCredential {
    client_id: Option<String>,
    client_secret: Option<String>,
    permissions: Option<Vec<String>>,
    sandboxes: Option<Vec<String>>,
}

async fn create_credential(State(sim): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request: NewCredential = parse(&body)?;
    let permissions = request
        .permissions
        .unwrap_or_else(|| ALL_PERMISSIONS.iter().map(|p| (*p).to_string()).collect());
    if let Some(bad) = permissions
        .iter()
        .find(|p| !ALL_PERMISSIONS.contains(&p.as_str()))
    {
        return Err(control_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "unknown permission {bad}; known: {}",
                ALL_PERMISSIONS.join(", ")
            ),
        ));
    }
    let sandboxes = request
        .sandboxes
        .unwrap_or_else(|| vec!["prod".into(), "dev".into()]);
    let client_id = request
        .client_id
        .unwrap_or_else(|| format!("practice-client-{}", random_hex(4)));
    let client_secret = request
        .client_secret
        .unwrap_or_else(|| format!("p8e-{}", random_hex(16)));
    let mut ims = sim.ims.lock();
    if ims.credential(&client_id).is_some() {
        return Err(control_error(
            StatusCode::CONFLICT,
            &format!("credential {client_id} already exists"),
        ));
    }
    ims.credentials.push(Credential {
        client_id: client_id.clone(),
        client_secret: Secret::new(client_secret.clone()),
        org_id: sim.config.org_id.clone(),
        permissions: permissions.iter().cloned().collect(),
        sandboxes: sandboxes.clone(),
    });
    drop(ims);
    sim.mark_dirty();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "clientId": client_id,
            "clientSecret": client_secret,
            "orgId": sim.config.org_id,
            "permissions": permissions,
            "sandboxes": sandboxes,
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpireRequest {
    client_id: Option<String>,
}

async fn expire_tokens(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: ExpireRequest = parse(&body)?;
    let expired = crate::ims::expire_tokens(&sim, request.client_id.as_deref());
    Ok(Json(json!({ "expired": expired })))
}

async fn close_runs(State(sim): State<AppState>) -> Json<Value> {
    Json(json!({ "closed": crate::inlet::close_runs(&sim) }))
}

#[derive(Debug, Deserialize)]
struct AgeRequest {
    hours: u32,
}

/// Moves every run `hours` into the past (closing it), so a test can show a
/// dataflow that has had no data for a day without waiting a day.
async fn age_runs(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: AgeRequest = parse(&body)?;
    let shift_ms = i64::from(request.hours) * 3_600_000;
    Ok(Json(
        json!({ "aged": crate::inlet::age_runs(&sim, shift_ms) }),
    ))
}

#[derive(Debug, Deserialize)]
struct AdvanceRequest {
    secs: u64,
}

/// As if `secs` seconds passed: every time Flow Service recorded (flow creation and so
/// the end of its warm-up, runs and their windows, failed records) moves that far into
/// the past, and windows whose end is now past close.
async fn advance_time(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: AdvanceRequest = parse(&body)?;
    let shift_ms = i64::try_from(request.secs)
        .ok()
        .and_then(|secs| secs.checked_mul(1000))
        .ok_or_else(|| control_error(StatusCode::BAD_REQUEST, "secs is too large"))?;
    let closed = crate::inlet::shift_run_times(&sim, shift_ms);
    crate::flow_service::shift_entity_times(&sim, shift_ms);
    Ok(Json(
        json!({ "advancedSecs": request.secs, "closedRuns": closed }),
    ))
}

/// `{"now": RFC 3339 UTC, "nowMs"}`: the simulator's clock at `now_ms`.
fn clock_json(now_ms: i64) -> Value {
    json!({
        "now": Clock::instant(now_ms).to_rfc3339_opts(SecondsFormat::Millis, true),
        "nowMs": now_ms,
    })
}

/// The 400 of a move the clock refuses (backwards, or out of range).
fn clock_refused(error: &ClockError) -> ApiError {
    control_error(StatusCode::BAD_REQUEST, &error.to_string())
}

/// The clock's answer to a move: where it is now, and how many run windows the move
/// closed (their end lies between the old now and the new one, as if that time had
/// passed).
fn moved_json(sim: &crate::state::Sim, moved: Moved) -> Value {
    // The state file keeps the clock's offset.
    sim.mark_dirty();
    let mut body = clock_json(moved.after_ms);
    body["closedRuns"] = json!(crate::inlet::runs_closed_between(
        sim,
        moved.before_ms,
        moved.after_ms
    ));
    body
}

async fn clock(State(sim): State<AppState>) -> Json<Value> {
    Json(clock_json(sim.clock.now_ms()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClockRequest {
    now: String,
}

/// Puts the clock at an instant at or after its now. A move backwards is refused: times
/// already recorded (tokens, runs, batches, records) would lie in the future.
async fn set_clock(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: SetClockRequest = parse(&body)?;
    let instant = DateTime::parse_from_rfc3339(&request.now)
        .map_err(|error| {
            control_error(
                StatusCode::BAD_REQUEST,
                &format!("now must be an RFC 3339 instant such as 2027-03-26T16:30:00Z ({error})"),
            )
        })?
        .with_timezone(&Utc);
    let moved = sim
        .clock
        .set(instant)
        .map_err(|error| clock_refused(&error))?;
    Ok(Json(moved_json(&sim, moved)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceClockRequest {
    secs: u64,
}

/// Moves the clock `secs` forward: "now" moves, for a client that takes its now from the
/// simulator (unlike `/__sim/time/advance`, which moves the past for a client on the real
/// clock).
async fn advance_clock(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: AdvanceClockRequest = parse(&body)?;
    let shift_ms = i64::try_from(request.secs)
        .ok()
        .and_then(|secs| secs.checked_mul(1000))
        .ok_or_else(|| control_error(StatusCode::BAD_REQUEST, "secs is too large"))?;
    let moved = sim
        .clock
        .advance(shift_ms)
        .map_err(|error| clock_refused(&error))?;
    let mut answer = moved_json(&sim, moved);
    answer["advancedSecs"] = json!(request.secs);
    Ok(Json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedErrorRequest {
    code: String,
    message: Option<String>,
    record_count: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedRequest {
    flow_id: String,
    #[serde(default = "a_week_of_hours")]
    hours: u32,
    received: u64,
    #[serde(default)]
    failed: u64,
    #[serde(default)]
    warnings: u64,
    errors: Option<Vec<SeedErrorRequest>>,
}

fn a_week_of_hours() -> u32 {
    168
}

/// The seeded failure when the request names none: a required field missing, the commonest
/// validation failure of a mapping that leaves a field out.
const DEFAULT_SEEDED_FAILURE: (&str, &str) =
    (crate::xdm::MISSING_REQUIRED, "required key [_id] not found");

/// `{"flowId", "hours": 168, "received": R, "failed": F, "warnings"?: W, "errors"?:
/// [{"code", "message"?, "recordCount"}]}`: `hours` closed hourly runs ending now, each with
/// R records received, F failed (split over `errors`, or all `DCVS-1111-400`) and W
/// ingested with a mapper warning.
async fn seed_runs(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: SeedRequest = parse(&body)?;
    let errors = match request.errors {
        Some(errors) => {
            let total: u64 = errors.iter().map(|error| error.record_count).sum();
            if request.failed != 0 && total != request.failed {
                return Err(control_error(
                    StatusCode::BAD_REQUEST,
                    "failed must equal the sum of the errors' recordCount (or be left out)",
                ));
            }
            errors
                .into_iter()
                .map(|error| crate::inlet::SeededError {
                    message: error
                        .message
                        .unwrap_or_else(|| format!("{} in the record", error.code)),
                    code: error.code,
                    records: error.record_count,
                })
                .collect()
        }
        None => {
            let (code, message) = DEFAULT_SEEDED_FAILURE;
            vec![crate::inlet::SeededError {
                code: code.to_string(),
                message: message.to_string(),
                records: request.failed,
            }]
        }
    };
    let failed: u64 = errors.iter().map(|error| error.records).sum();
    if failed + request.warnings > request.received {
        return Err(control_error(
            StatusCode::BAD_REQUEST,
            "failed plus warnings cannot exceed received",
        ));
    }
    let seed = crate::inlet::Seed {
        flow_id: request.flow_id,
        hours: request.hours,
        received: request.received,
        errors,
        warnings: request.warnings,
    };
    let seeded = crate::inlet::seed_runs(&sim, &seed)
        .map_err(|error| control_error(StatusCode::NOT_FOUND, &error.to_string()))?;
    Ok(Json(json!({ "seeded": seeded })))
}

async fn faults(State(sim): State<AppState>) -> Json<Value> {
    Json(sim.faults.lock().to_json())
}

async fn clear_faults(State(sim): State<AppState>) -> StatusCode {
    sim.faults.lock().clear(std::time::Duration::ZERO);
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct LatencyRequest {
    ms: u64,
}

async fn set_latency(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: LatencyRequest = parse(&body)?;
    let mut faults = sim.faults.lock();
    faults.latency = std::time::Duration::from_millis(request.ms);
    Ok(Json(faults.to_json()))
}

async fn set_random(State(sim): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let request: RandomFaults = parse(&body)?;
    if !(0.0..=1.0).contains(&request.rate) {
        return Err(control_error(
            StatusCode::BAD_REQUEST,
            "rate must be between 0 and 1",
        ));
    }
    for kind in &request.kinds {
        let valid = kind.eq_ignore_ascii_case("drop")
            || kind.eq_ignore_ascii_case("drop_after")
            || kind.parse::<u16>().is_ok_and(|s| (400..600).contains(&s));
        if !valid {
            return Err(control_error(
                StatusCode::BAD_REQUEST,
                &format!("unknown fault kind {kind}"),
            ));
        }
    }
    let mut faults = sim.faults.lock();
    faults.set_random(request);
    Ok(Json(faults.to_json()))
}

async fn fail_next(State(sim): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let mut rule: FailNextRule = parse(&body)?;
    if rule.count == 0 {
        return Err(control_error(
            StatusCode::BAD_REQUEST,
            "count must be at least 1",
        ));
    }
    if let Some(status) = rule.status {
        if !(100..600).contains(&status) {
            return Err(control_error(
                StatusCode::BAD_REQUEST,
                "status must be an HTTP status code",
            ));
        }
    }
    rule.id = random_hex(8);
    let id = rule.id.clone();
    sim.faults.lock().fail_next.push(rule);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn remove_fail_next(State(sim): State<AppState>, Path(id): Path<String>) -> StatusCode {
    let mut faults = sim.faults.lock();
    let before = faults.fail_next.len();
    faults.fail_next.retain(|r| r.id != id);
    if faults.fail_next.len() == before {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::NO_CONTENT
    }
}
