//! Data Access (`/data/foundation/export`): a dataset's preview and a batch's error
//! diagnostics, as `static/swagger-specs/data-access.yaml` and
//! help/ingestion/quality/error-diagnostics.md show them.
//!
//! What the data lake holds follows the runs: a streamed record is in it only once the
//! run window (Catalog batch) it was counted in has closed, since Adobe takes up to an
//! hour to write streamed data to the lake (help/ingestion/streaming-ingestion/overview.md).

use std::collections::HashSet;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::catalog::runs_for_dataset;
use crate::errors::{ApiError, Service};
use crate::gateway::Caller;
use crate::state::{AppState, FailedRecord, Permission, RunWindow, Sim};
use crate::util::{query_get, query_pairs};

const BASE: &str = "/data/foundation/export";
/// "the first 100 rows" (data-access.yaml `retrieveDatasetPreview`).
const PREVIEW_ROWS: usize = 100;
/// Failed rows per `row_errors` file (assumed: Adobe does not say how it splits them).
const ROWS_PER_FILE: usize = 1_000;
/// Rows in `row_error_samples.json` (assumed: the content is not documented; the UI
/// previews up to 100 errors).
const SAMPLE_ROWS: usize = 100;
/// Default and largest page of a meta listing ("By default, 100 meta files are shown.
/// Additionally, 100 meta files is the maximum", data-access.yaml `retrieveBatchMeta`).
const PAGE_SIZE: usize = 100;
/// "The diagnostics will be retained within Platform for up to 30 days."
/// (help/ingestion/quality/error-diagnostics.md).
const RETENTION_MS: i64 = 30 * 24 * 3_600_000;
/// The meta directory of failed rows, and the sample file the run manifests link
/// (help/dataflows/api/monitor.md spells it `row_error_samples.json`; the spec's
/// `row_errors_sample.json` is not served).
const ROW_ERRORS: &str = "row_errors";
const SAMPLES: &str = "row_error_samples.json";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/datasets/{{id}}/preview"), get(preview))
        .route(&format!("{BASE}/batches/{{id}}/meta"), get(meta))
}

/// data-access.yaml's 404 of `retrieveDatasetPreview`.
fn dataset_not_found() -> ApiError {
    Service::DataAccess.problem(
        StatusCode::NOT_FOUND,
        1404,
        "Not found",
        "The requested dataset was not found.",
    )
}

/// data-access.yaml's 404 of `retrieveBatchMeta`, the only one it documents for that
/// path: an unknown batch gets it too.
fn path_not_found() -> ApiError {
    Service::DataAccess.problem(
        StatusCode::NOT_FOUND,
        1404,
        "Not found",
        "The path is not found.",
    )
}

/// `GET /datasets/{id}/preview` → `{"data": [rows]}`: the first 100 records in the data
/// lake, oldest first (Adobe: "the first 100 rows of the files", no newest-first
/// promise). 404 for an unknown dataset, and for one with nothing in the lake yet
/// (assumed: the UI deactivates preview for an empty dataset,
/// help/catalog/datasets/user-guide.md).
async fn preview(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewDatasets, Service::DataAccess)?;
    let exists = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .is_some_and(|data| data.datasets.contains_key(&id));
    if !exists {
        return Err(dataset_not_found());
    }
    let now = sim.clock.now_ms();
    let open: HashSet<String> = runs_for_dataset(&sim, &id)
        .into_iter()
        .filter(|run| !run.is_closed(now))
        .map(|run| run.batch_id)
        .collect();
    let store = sim.records.read().get(&id).cloned();
    let rows: Vec<Value> = match store {
        Some(store) => {
            let store = store.lock();
            store
                .records
                .iter()
                .enumerate()
                // A record of a batch no longer known (its flow was deleted) stays.
                .filter(|(index, _)| store.batch_of(*index).is_none_or(|b| !open.contains(b)))
                .map(|(_, record)| record.clone())
                .take(PREVIEW_ROWS)
                .collect()
        }
        None => Vec::new(),
    };
    if rows.is_empty() {
        return Err(dataset_not_found());
    }
    Ok(Json(json!({ "data": rows })))
}

/// The batch `id` among the runs of the caller's sandbox.
fn find_batch(sim: &Sim, caller: &Caller, id: &str) -> Option<RunWindow> {
    let dataset_ids: Vec<String> = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .map(|data| data.datasets.keys().cloned().collect())
        .unwrap_or_default();
    dataset_ids
        .iter()
        .flat_map(|dataset| runs_for_dataset(sim, dataset))
        .find(|run| run.batch_id == id)
}

/// One `row_errors` file: its name and JSON Lines content.
struct ErrorFile {
    name: String,
    content: Vec<u8>,
}

/// The numeric part of a record error code (`DCVS-1111-400` → `1111`), as the row files
/// show `"1401"` for the batch-level `INGEST-1401-400` (error-diagnostics.md; applying it
/// to every code is assumed). A code of another form is kept whole.
fn row_code(code: &str) -> &str {
    let mut parts = code.split('-');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(number), Some(_), None)
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            number
        }
        _ => code,
    }
}

/// One failed row as error-diagnostics.md prints it: `_corrupt_record` (the input as
/// received, as text), `_errors[{code, message}]` and `_filename`; nothing else, since no
/// other key is documented.
fn row_json(record: &FailedRecord, filename: &str) -> Value {
    // Writing a `Value` as JSON cannot fail (its map keys are strings).
    let corrupt = serde_json::to_string(&record.input).unwrap_or_default();
    let errors: Vec<Value> = record
        .errors
        .iter()
        .map(|error| json!({ "code": row_code(&error.code), "message": error.message }))
        .collect();
    json!({ "_corrupt_record": corrupt, "_errors": errors, "_filename": filename })
}

fn json_lines(rows: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        // As in `row_json`: a `Value` always serialises.
        out.extend(serde_json::to_vec(row).unwrap_or_default());
        out.push(b'\n');
    }
    out
}

/// The failed rows Adobe would keep for a closed batch: records counted in it while the
/// flow had error diagnostics on, received less than 30 days ago, in arrival order.
fn diagnostic_rows(sim: &Sim, run: &RunWindow, now: i64) -> Vec<FailedRecord> {
    let Some(store) = sim.records.read().get(&run.dataset_id).cloned() else {
        return Vec::new();
    };
    let store = store.lock();
    store
        .failed
        .iter()
        .filter(|record| record.batch_id.as_deref() == Some(run.batch_id.as_str()))
        .filter(|record| record.error_diagnostics)
        .filter(|record| now - record.received_ms < RETENTION_MS)
        .cloned()
        .collect()
}

/// Parses `start` (default 0) and `limit` (default and largest 100; `0` or a non-number
/// is 400, more than 100 is served as 100, both assumed from the Catalog's rules).
fn paging(pairs: &[(String, String)]) -> Result<(usize, usize), ApiError> {
    let start = match query_get(pairs, "start") {
        None => 0,
        Some(raw) => raw.parse::<usize>().map_err(|_| {
            Service::DataAccess.bad_request("start must be a non-negative integer.")
        })?,
    };
    let limit = match query_get(pairs, "limit") {
        None => PAGE_SIZE,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|limit| *limit >= 1)
            .map(|limit| limit.min(PAGE_SIZE))
            .ok_or_else(|| {
                Service::DataAccess.bad_request(&format!(
                    "limit must be an integer between 1 and {PAGE_SIZE}."
                ))
            })?,
    };
    Ok((start, limit))
}

/// `GET /batches/{id}/meta?path=…`: `row_errors` lists the batch's failed-row files,
/// `row_errors/<file>` and `row_error_samples.json` give content as JSON Lines. Only for
/// a closed batch with failed rows kept (error diagnostics on, at most 30 days old);
/// anything else is 404 "The path is not found.".
async fn meta(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewDatasets, Service::DataAccess)?;
    let pairs = query_pairs(query.as_deref());
    let (start, limit) = paging(&pairs)?;
    let run = find_batch(&sim, &caller, &id).ok_or_else(path_not_found)?;
    let now = sim.clock.now_ms();
    // Diagnostics are written when the batch is (assumed, least convenient: Adobe does
    // not say when they appear).
    if !run.is_closed(now) {
        return Err(path_not_found());
    }
    let failed = diagnostic_rows(&sim, &run, now);
    if failed.is_empty() {
        return Err(path_not_found());
    }
    let rows: Vec<Value> = failed
        .iter()
        .enumerate()
        .map(|(index, record)| {
            row_json(
                record,
                &format!("conversion_errors_{}.json", index / ROWS_PER_FILE),
            )
        })
        .collect();
    let files: Vec<ErrorFile> = rows
        .chunks(ROWS_PER_FILE)
        .enumerate()
        .map(|(index, chunk)| ErrorFile {
            name: format!("conversion_errors_{index}.json"),
            content: json_lines(chunk),
        })
        .collect();
    let path = query_get(&pairs, "path").unwrap_or_default();
    if path == ROW_ERRORS {
        return Ok(Json(listing(&sim.base_url(), &id, &files, start, limit)).into_response());
    }
    let content = if path == SAMPLES {
        json_lines(&rows[..rows.len().min(SAMPLE_ROWS)])
    } else {
        let name = path
            .strip_prefix(ROW_ERRORS)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(path_not_found)?;
        files
            .into_iter()
            .find(|file| file.name == name)
            .map(|file| file.content)
            .ok_or_else(path_not_found)?
    };
    // The spec allows `application/json` or `application/octet-stream` for a download;
    // JSON Lines is not one JSON document, so octet-stream (assumed).
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        content,
    )
        .into_response())
}

/// The `row_errors` listing, shaped as error-diagnostics.md shows it (`data[{name,
/// length, _links.self.href}]`, `_page{limit, count}`). `count` is the number of files
/// in the directory, as the paged example of help/data-access/tutorials/dataset-data.md
/// shows (`count` 6 with one file on the page). `_links` (`next` while more files
/// remain, `page` with `templated: true`) appear only when the page is not the whole
/// directory, as in that example; the single-page examples have none.
fn listing(base: &str, batch_id: &str, files: &[ErrorFile], start: usize, limit: usize) -> Value {
    let href = |query: &str| format!("{base}{BASE}/batches/{batch_id}/meta?{query}");
    let data: Vec<Value> = files
        .iter()
        .skip(start)
        .take(limit)
        .map(|file| {
            json!({
                "name": file.name,
                "length": file.content.len().to_string(),
                "_links": { "self": { "href": href(&format!("path={ROW_ERRORS}%2F{}", file.name)) } },
            })
        })
        .collect();
    let mut body = json!({
        "data": data,
        "_page": { "limit": limit, "count": files.len() },
    });
    let has_next = start.saturating_add(limit) < files.len();
    if start > 0 || has_next {
        let mut links = json!({
            "page": {
                "href": href(&format!("path={ROW_ERRORS}&start={start}&limit={limit}")),
                "templated": true,
            },
        });
        if has_next {
            links["next"] = json!({
                "href": href(&format!("path={ROW_ERRORS}&start={}&limit={limit}", start + limit)),
            });
        }
        body["_links"] = links;
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_codes_are_the_numeric_part() {
        assert_eq!(row_code("DCVS-1111-400"), "1111");
        assert_eq!(row_code("INGEST-1401-400"), "1401");
        assert_eq!(row_code("MAPPER-3700-400"), "3700");
        assert_eq!(row_code("weird"), "weird");
        assert_eq!(row_code("A-B-C"), "A-B-C");
    }
}
