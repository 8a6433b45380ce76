//! The streaming inlet (DCS): `POST /collection/{inletId}` ingests raw JSON through the
//! flow's mapping and the target schema, storing records or counting failures into runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::dataprep::CompiledMapping;
use crate::errors::{dcs, ApiError};
use crate::state::{AppState, DatasetRecords, FailedRecord, FlowRuns, RecordError, RunWindow, Sim};
use crate::util::{header_str, query_get, query_pairs};
use crate::xdm::Node;

/// Documented DCS limit: "The payload is larger than 1 MB."
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The compiled path from raw JSON to a stored XDM record.
#[derive(Debug)]
pub struct Pipeline {
    pub mapping: Option<CompiledMapping>,
    pub validator: Node,
    pub dataset_id: String,
    pub records: Arc<Mutex<DatasetRecords>>,
}

/// Everything the inlet needs for one flow, built once per flow change.
#[derive(Debug)]
pub struct InletRuntime {
    pub inlet_id: String,
    pub flow_id: String,
    pub org_id: String,
    pub enabled: bool,
    /// End of the flow's warm-up (epoch ms): posts before it are answered but dropped.
    pub accepts_data_from_ms: i64,
    pub target_connection_id: String,
    /// The flow's `options.errorDiagnosticsEnabled`: records received while it is on are
    /// written to their batch's error diagnostics (help/ingestion/quality/error-diagnostics.md).
    pub error_diagnostics: bool,
    pub pipeline: Result<Pipeline, String>,
    pub runs: Arc<Mutex<FlowRuns>>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/collection/{inlet_id}", post(collect))
}

static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

fn transaction_id(received: i64) -> String {
    let n = TRANSACTIONS.fetch_add(1, Ordering::Relaxed);
    format!("{received}:{}:{}", 2000 + (n % 1000), n)
}

async fn collect(
    State(sim): State<AppState>,
    Path(inlet_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let declared = header_str(&headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_MESSAGE_BYTES) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_MESSAGE_BYTES)
        .await
        .map_err(|_| too_large())?;
    let runtime = sim.inlets.read().get(&inlet_id).cloned().ok_or_else(|| {
        dcs(
            StatusCode::NOT_FOUND,
            "Inlet not found",
            &format!("inletId: [{inlet_id}] The inlet does not exist."),
        )
    })?;
    let pairs = query_pairs(query.as_deref());
    let flow_id = query_get(&pairs, "x-adobe-flow-id")
        .map(str::to_string)
        .or_else(|| header_str(&headers, "x-adobe-flow-id").map(str::to_string));
    let prefix = format!("inletId: [{inlet_id}] imsOrgId: [{}]", runtime.org_id);
    let Some(flow_id) = flow_id else {
        return Err(dcs(
            StatusCode::BAD_REQUEST,
            "Missing flow id",
            &format!("{prefix} Raw data needs the x-adobe-flow-id query parameter or header."),
        ));
    };
    if flow_id != runtime.flow_id {
        return Err(dcs(
            StatusCode::BAD_REQUEST,
            "Invalid flow id",
            &format!("{prefix} The flow {flow_id} does not belong to this inlet."),
        ));
    }
    if !runtime.enabled {
        return Err(dcs(
            StatusCode::BAD_REQUEST,
            "Dataflow is disabled",
            &format!("{prefix} The flow {flow_id} is disabled."),
        ));
    }
    let content_type = header_str(&headers, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !content_type.starts_with("application/json") {
        return Err(dcs(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            &format!("{prefix} Content-Type must be application/json."),
        ));
    }
    let input: Value = serde_json::from_slice(&bytes).map_err(|error| {
        dcs(
            StatusCode::BAD_REQUEST,
            "Invalid JSON",
            &format!("{prefix} The message is not valid JSON: {error}"),
        )
    })?;
    if !input.is_object() {
        return Err(dcs(
            StatusCode::BAD_REQUEST,
            "Invalid XDM Message Format",
            &format!("{prefix} Message has unknown xdm format"),
        ));
    }
    let received = sim.clock.now_ms();
    let sync_validation = query_get(&pairs, "syncValidation") == Some("true");
    let outcome = evaluate(&runtime, &input, Clock::instant(received));
    let failed = !outcome.errors.is_empty();
    // Adobe asks for a delay of about 5 minutes after creating a dataflow before sending
    // data (help/sources/tutorials/api/create/streaming/http.md). The inlet answers as
    // usual meanwhile, but what it receives is lost.
    let warming_up = received < runtime.accepts_data_from_ms;
    // A record that fails synchronous validation is dropped, not sent downstream
    // (help/ingestion/quality/streaming-validation.md).
    let dropped = warming_up || (sync_validation && failed);
    if !dropped {
        commit(
            &sim,
            &runtime,
            input,
            outcome.clone(),
            bytes.len(),
            received,
        );
    }
    if sync_validation && failed {
        return Err(sync_validation_failure(&prefix, &outcome.errors));
    }
    let mut body = json!({
        "inletId": inlet_id,
        "xactionId": transaction_id(received),
        "receivedTimeMs": received,
    });
    body["syncValidation"] = if sync_validation {
        json!({ "status": "pass" })
    } else {
        json!({ "skipped": true })
    };
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// Once five errors are found, Adobe's validation stops processing the message
/// (help/ingestion/quality/streaming-validation.md).
const MAX_REPORTED_VIOLATIONS: usize = 5;

/// The documented 400 of a record that fails `?syncValidation=true`.
fn sync_validation_failure(prefix: &str, errors: &[RecordError]) -> ApiError {
    let causes: Vec<Value> = errors
        .iter()
        .take(MAX_REPORTED_VIOLATIONS)
        .map(|e| json!({ "schemaLocation": "#", "pointerToViolation": e.path, "causingExceptions": [], "keyword": e.code, "message": e.message }))
        .collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        json!({
            "type": "http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet",
            "status": 400,
            "title": "Invalid XDM Message Format",
            "report": {
                "message": format!("{prefix} Message is invalid"),
                "cause": { "_streamingValidation": [{
                    "schemaLocation": "#",
                    "pointerToViolation": "#",
                    "causingExceptions": causes,
                    "message": format!("{} schema violations found", causes.len()),
                }] },
            },
        }),
    )
}

fn too_large() -> ApiError {
    dcs(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload Too Large",
        "The payload is larger than 1 MB.",
    )
}

/// What the flow's pipeline makes of one message.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The mapped record (absent when the flow's target no longer exists).
    pub record: Option<Value>,
    /// Errors that fail the record.
    pub errors: Vec<RecordError>,
    /// Mapper errors: the field is left out and the record still counts as ingested.
    pub warnings: Vec<RecordError>,
}

/// Maps and validates one message, without storing or counting it.
/// `now` is the simulator's time the message was received at.
pub fn evaluate(runtime: &InletRuntime, input: &Value, now: DateTime<Utc>) -> Outcome {
    match &runtime.pipeline {
        Err(problem) => Outcome {
            record: None,
            errors: vec![RecordError {
                code: "INGEST-1001-400".into(),
                message: problem.clone(),
                path: "#".into(),
            }],
            warnings: Vec::new(),
        },
        Ok(pipeline) => {
            let (record, warnings) = match &pipeline.mapping {
                Some(mapping) => {
                    let outcome = mapping.apply(input, now);
                    (outcome.record, outcome.warnings)
                }
                None => (input.clone(), Vec::new()),
            };
            let mut errors = Vec::new();
            pipeline.validator.validate(&record, "", &mut errors);
            Outcome {
                record: Some(record),
                errors,
                warnings,
            }
        }
    }
}

/// Stores a record (or its failure) in the dataset and counts it into the flow's run.
fn commit(
    sim: &Sim,
    runtime: &InletRuntime,
    input: Value,
    outcome: Outcome,
    input_bytes: usize,
    received: i64,
) {
    let Outcome {
        record,
        mut errors,
        warnings,
    } = outcome;
    let failed = !errors.is_empty();
    let output_bytes = match (&record, failed) {
        (Some(record), false) => serde_json::to_vec(record).map(|v| v.len()).unwrap_or(0),
        _ => 0,
    };
    let failure_errors = if failed {
        let mut all = warnings.clone();
        all.extend(errors.iter().cloned());
        all
    } else {
        // Mapper errors alone make a warning, not a failure.
        errors.clear();
        Vec::new()
    };
    // Counted first, so the stored record knows the batch (run window) it belongs to.
    let batch_id = record_run(
        sim,
        runtime,
        input_bytes,
        output_bytes,
        failed,
        &warnings,
        &errors,
        received,
    );
    if let (Ok(pipeline), Some(record)) = (&runtime.pipeline, record) {
        let mut store = pipeline.records.lock();
        if failed {
            store.failed.push(FailedRecord {
                flow_id: runtime.flow_id.clone(),
                received_ms: received,
                errors: failure_errors,
                input,
                batch_id: Some(batch_id),
                error_diagnostics: runtime.error_diagnostics,
            });
        } else {
            store.push_record(record, &batch_id);
        }
    }
    sim.mark_dirty();
}

/// Counts one record into the flow's current run (opening one when needed) and returns
/// the run's batch id.
#[allow(clippy::too_many_arguments)]
fn record_run(
    sim: &Sim,
    runtime: &InletRuntime,
    input_bytes: usize,
    output_bytes: usize,
    failed: bool,
    warnings: &[RecordError],
    errors: &[RecordError],
    now: i64,
) -> String {
    let window = i64::try_from(sim.config.run_window.as_millis())
        .unwrap_or(i64::MAX / 4)
        .max(1);
    let dataset_id = runtime
        .pipeline
        .as_ref()
        .map(|p| p.dataset_id.clone())
        .unwrap_or_default();
    let mut runs = runtime.runs.lock();
    let needs_new = runs.runs.last().is_none_or(|r| r.is_closed(now));
    if needs_new {
        let grid_start = now - now.rem_euclid(window);
        let start = runs
            .runs
            .last()
            .map(|r| r.window_end_ms.max(grid_start))
            .unwrap_or(grid_start)
            .min(now);
        let mut run = RunWindow::new(
            &runtime.flow_id,
            &dataset_id,
            &runtime.target_connection_id,
            now,
            start,
            grid_start + window,
        );
        run.error_diagnostics = runtime.error_diagnostics;
        runs.runs.push(run);
    }
    let Some(run) = runs.runs.last_mut() else {
        // Unreachable: a run was pushed above when there was none.
        return String::new();
    };
    // The batch gives per-code counts only if diagnostics were on for all its records
    // (assumed: Adobe does not say what a batch shows when the option changes mid-window).
    run.error_diagnostics &= runtime.error_diagnostics;
    run.updated_ms = now;
    run.last_record_ms = now;
    run.input_records += 1;
    run.input_bytes += u64::try_from(input_bytes).unwrap_or(u64::MAX);
    if failed {
        run.failed_records += 1;
    } else {
        run.output_records += 1;
        run.output_bytes += u64::try_from(output_bytes).unwrap_or(u64::MAX);
    }
    if !warnings.is_empty() {
        run.warning_records += 1;
    }
    let mut seen = std::collections::BTreeSet::new();
    for error in errors.iter().chain(warnings.iter()) {
        if seen.insert(error.code.clone()) {
            let entry = run
                .errors
                .entry(error.code.clone())
                .or_insert_with(|| (error.message.clone(), 0));
            entry.1 += 1;
        }
    }
    run.batch_id.clone()
}

/// Shifts every run `shift_ms` into the past and closes it (`/__sim/runs/age`). Failed
/// records move with their runs, so their diagnostics age (30-day retention) alike.
pub fn age_runs(sim: &Sim, shift_ms: i64) -> usize {
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    let mut aged = 0;
    for runs in all {
        for run in runs.lock().runs.iter_mut() {
            run.shift(shift_ms);
            run.force_closed = true;
            aged += 1;
        }
    }
    shift_failed_records(sim, shift_ms);
    sim.mark_dirty();
    aged
}

/// Moves the receive time of every failed record `shift_ms` into the past.
fn shift_failed_records(sim: &Sim, shift_ms: i64) {
    let datasets: Vec<_> = sim.records.read().values().cloned().collect();
    for records in datasets {
        for failed in records.lock().failed.iter_mut() {
            failed.received_ms -= shift_ms;
        }
    }
}

/// Closes every open run window now (`/__sim/runs/close`).
pub fn close_runs(sim: &Sim) -> usize {
    let now = sim.clock.now_ms();
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    let mut closed = 0;
    for runs in all {
        for run in runs.lock().runs.iter_mut() {
            if !run.is_closed(now) {
                run.force_closed = true;
                run.window_end_ms = run.window_end_ms.min(now);
                run.updated_ms = now;
                closed += 1;
            }
        }
    }
    sim.mark_dirty();
    closed
}

/// Moves every recorded run and record time `shift_ms` into the past, as if that much
/// time had passed (`/__sim/time/advance`); returns how many runs closed because their
/// window's end is now past.
pub fn shift_run_times(sim: &Sim, shift_ms: i64) -> usize {
    let now = sim.clock.now_ms();
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    let mut closed = 0;
    for runs in all {
        for run in runs.lock().runs.iter_mut() {
            let was_open = !run.is_closed(now);
            run.shift(shift_ms);
            if was_open && run.is_closed(now) {
                closed += 1;
            }
        }
    }
    shift_failed_records(sim, shift_ms);
    sim.mark_dirty();
    closed
}

/// How many runs were open at `before_ms` and are closed at `after_ms`: the windows a move
/// of the clock closed. Windows close by the clock alone (every reader compares their end
/// with its now), so moving the clock closes them exactly as real time passing does.
pub fn runs_closed_between(sim: &Sim, before_ms: i64, after_ms: i64) -> usize {
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    all.iter()
        .map(|runs| {
            runs.lock()
                .runs
                .iter()
                .filter(|run| !run.is_closed(before_ms) && run.is_closed(after_ms))
                .count()
        })
        .sum()
}

/// A failure code and how many records of each seeded run it failed.
#[derive(Debug, Clone)]
pub struct SeededError {
    pub code: String,
    pub message: String,
    pub records: u64,
}

/// What `/__sim/runs/seed` asks for: `hours` closed one-hour runs of one flow.
#[derive(Debug, Clone)]
pub struct Seed {
    pub flow_id: String,
    pub hours: u32,
    /// Records received per run.
    pub received: u64,
    /// Of those, records that failed (each run's errors add up to this).
    pub errors: Vec<SeededError>,
    /// Records ingested with a mapper warning (`MAPPER-3700-400`) per run.
    pub warnings: u64,
}

/// Why a seed cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("no dataflow {0} with an inlet (unknown, deleted or still a draft)")]
    UnknownFlow(String),
}

const HOUR_MS: i64 = 3_600_000;
/// Rough size of one Chatlio event, so seeded runs carry plausible byte counts.
const SEEDED_RECORD_BYTES: u64 = 1_200;

/// Adds `seed.hours` closed hourly runs to a flow, the newest ending now (or where the
/// flow's earliest existing run starts, so windows never overlap), for tests and the
/// benchmark that need a week of history at once.
pub fn seed_runs(sim: &Sim, seed: &Seed) -> Result<usize, SeedError> {
    let runtime = sim
        .inlets
        .read()
        .values()
        .find(|runtime| runtime.flow_id == seed.flow_id)
        .cloned()
        .ok_or_else(|| SeedError::UnknownFlow(seed.flow_id.clone()))?;
    let dataset_id = runtime
        .pipeline
        .as_ref()
        .map(|pipeline| pipeline.dataset_id.clone())
        .unwrap_or_default();
    let failed: u64 = seed.errors.iter().map(|error| error.records).sum();
    let failed = failed.min(seed.received);
    let ingested = seed.received - failed;
    let mut runs = runtime.runs.lock();
    let end = runs
        .runs
        .iter()
        .map(|run| run.window_start_ms)
        .min()
        .unwrap_or(i64::MAX)
        .min(sim.clock.now_ms());
    for hour in 0..i64::from(seed.hours) {
        let window_end = end - hour * HOUR_MS;
        let window_start = window_end - HOUR_MS;
        let mut run = RunWindow::new(
            &runtime.flow_id,
            &dataset_id,
            &runtime.target_connection_id,
            window_start,
            window_start,
            window_end,
        );
        run.updated_ms = window_end;
        run.last_record_ms = window_end;
        run.error_diagnostics = runtime.error_diagnostics;
        run.input_records = seed.received;
        run.output_records = ingested;
        run.failed_records = failed;
        run.warning_records = seed.warnings.min(ingested);
        run.input_bytes = seed.received * SEEDED_RECORD_BYTES;
        run.output_bytes = ingested * SEEDED_RECORD_BYTES;
        for error in seed.errors.iter().filter(|error| error.records > 0) {
            run.errors
                .insert(error.code.clone(), (error.message.clone(), error.records));
        }
        if run.warning_records > 0 {
            run.errors.insert(
                crate::dataprep::MAPPER_ERROR.to_string(),
                ("Mapper Transform Error".to_string(), run.warning_records),
            );
        }
        runs.runs.push(run);
    }
    runs.runs.sort_by_key(|run| run.window_start_ms);
    drop(runs);
    sim.mark_dirty();
    Ok(usize::try_from(seed.hours).unwrap_or(usize::MAX))
}
