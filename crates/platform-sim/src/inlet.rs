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
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::dataprep::CompiledMapping;
use crate::errors::{dcs, ApiError};
use crate::state::{AppState, DatasetRecords, FailedRecord, FlowRuns, RecordError, RunWindow, Sim};
use crate::util::{
    header_str, new_batch_id, new_etag, now_ms, query_get, query_pairs, random_uuid,
};
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
    pub target_connection_id: String,
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
    let received = now_ms();
    let sync_validation = query_get(&pairs, "syncValidation") == Some("true");
    let errors = ingest(&sim, &runtime, input, bytes.len(), received);
    if sync_validation && !errors.is_empty() {
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({ "schemaLocation": "#", "pointerToViolation": e.path, "causingExceptions": [], "keyword": e.code, "message": e.message }))
            .collect();
        return Err(ApiError::new(
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
                        "message": format!("{} schema violations found", errors.len()),
                    }] },
                },
            }),
        ));
    }
    let mut body = json!({
        "inletId": inlet_id,
        "xactionId": transaction_id(received),
        "receivedTimeMs": received,
    });
    if !sync_validation {
        body["syncValidation"] = json!({ "skipped": true });
    }
    Ok((StatusCode::OK, Json(body)).into_response())
}

fn too_large() -> ApiError {
    dcs(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload Too Large",
        "The payload is larger than 1 MB.",
    )
}

/// Maps, validates and stores one message; returns the errors that failed it (if any).
pub fn ingest(
    sim: &Sim,
    runtime: &InletRuntime,
    input: Value,
    input_bytes: usize,
    received: i64,
) -> Vec<RecordError> {
    let (mut errors, warnings, record) = match &runtime.pipeline {
        Err(problem) => (
            vec![RecordError {
                code: "INGEST-1001-400".into(),
                message: problem.clone(),
                path: "#".into(),
            }],
            Vec::new(),
            None,
        ),
        Ok(pipeline) => {
            let (record, warnings) = match &pipeline.mapping {
                Some(mapping) => {
                    let outcome = mapping.apply(&input);
                    (outcome.record, outcome.warnings)
                }
                None => (input.clone(), Vec::new()),
            };
            let mut errors = Vec::new();
            pipeline.validator.validate(&record, "", &mut errors);
            (errors, warnings, Some(record))
        }
    };
    let failed = !errors.is_empty();
    let mut output_bytes = 0;
    if let (Ok(pipeline), Some(record)) = (&runtime.pipeline, record) {
        let mut store = pipeline.records.lock();
        if failed {
            let mut all = warnings.clone();
            all.append(&mut errors.clone());
            store.failed.push(FailedRecord {
                flow_id: runtime.flow_id.clone(),
                received_ms: received,
                errors: all,
                input,
            });
        } else {
            output_bytes = serde_json::to_vec(&record).map(|v| v.len()).unwrap_or(0);
            store.records.push(record);
        }
    }
    if !failed && !warnings.is_empty() {
        // Mapper errors alone make a warning, not a failure.
        errors.clear();
    }
    record_run(
        sim,
        runtime,
        input_bytes,
        output_bytes,
        failed,
        &warnings,
        &errors,
        received,
    );
    sim.mark_dirty();
    errors
}

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
) {
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
        runs.runs.push(RunWindow {
            id: random_uuid(),
            batch_id: new_batch_id(),
            etag: new_etag(),
            flow_id: runtime.flow_id.clone(),
            dataset_id,
            target_connection_id: runtime.target_connection_id.clone(),
            created_ms: now,
            updated_ms: now,
            window_start_ms: start,
            window_end_ms: grid_start + window,
            first_record_ms: now,
            last_record_ms: now,
            input_records: 0,
            output_records: 0,
            failed_records: 0,
            warning_records: 0,
            input_bytes: 0,
            output_bytes: 0,
            errors: Default::default(),
            force_closed: false,
        });
    }
    let Some(run) = runs.runs.last_mut() else {
        return;
    };
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
}

/// Closes every open run window now.
/// Shifts every run `shift_ms` into the past and closes it (control surface).
pub fn age_runs(sim: &Sim, shift_ms: i64) -> usize {
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    let mut aged = 0;
    for runs in all {
        for run in runs.lock().runs.iter_mut() {
            run.created_ms -= shift_ms;
            run.updated_ms -= shift_ms;
            run.window_start_ms -= shift_ms;
            run.window_end_ms -= shift_ms;
            run.first_record_ms -= shift_ms;
            run.last_record_ms -= shift_ms;
            run.force_closed = true;
            aged += 1;
        }
    }
    sim.mark_dirty();
    aged
}

pub fn close_runs(sim: &Sim) -> usize {
    let now = now_ms();
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
