//! Catalog (`/data/foundation/catalog`): datasets and the batches streaming writes land in.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::errors::{ApiError, Service};
use crate::gateway::{json_body, json_object, Caller, RawBody};
use crate::schema_registry::find_schema;
use crate::state::{AppState, Permission, RunWindow, Sim};
use crate::util::{
    glob_matches, query_all, query_get, query_pairs, random_hex, scalar_text, sort_items,
    PropertyFilter,
};

const BASE: &str = "/data/foundation/catalog";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/dataSets"), get(list).post(create))
        .route(
            &format!("{BASE}/dataSets/{{id}}"),
            get(get_one).delete(delete).patch(patch),
        )
        .route(&format!("{BASE}/batches"), get(list_batches))
        .route(&format!("{BASE}/batches/{{id}}"), get(get_batch))
}

async fn create(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageDatasets, Service::Catalog)?;
    let body = json_object(&headers, &body, Service::Catalog)?;
    let schema_id = body
        .get("schemaRef")
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Catalog.bad_request("schemaRef.id is required."))?
        .to_string();
    if let Some(name) = body.get("name") {
        if !name.is_string() {
            return Err(Service::Catalog.bad_request("name must be a string."));
        }
    }
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Catalog.bad_request("Unknown sandbox."))?;
    let schema = find_schema(data, &schema_id).ok_or_else(|| {
        Service::Catalog.bad_request(&format!(
            "The schema {schema_id} does not exist in this sandbox."
        ))
    })?;
    let full_schema_id = schema.get("$id").cloned().unwrap_or(json!(schema_id));
    let schema_is_union = crate::schema_registry::is_union(schema);
    let data_behavior = data_behavior(schema);
    if asks_for_profile(body.get("tags")) && !schema_is_union {
        return Err(profile_schema_not_enabled());
    }
    let id = random_hex(12);
    let now = sim.clock.now_ms();
    let mut dataset = body.clone();
    dataset.insert("schemaRef".into(), json!({
        "id": full_schema_id,
        "contentType": body.pointer_str("/schemaRef/contentType").unwrap_or("application/vnd.adobe.xed+json;version=1"),
    }));
    dataset.insert("imsOrg".into(), json!(caller.org_id));
    dataset.insert("sandboxId".into(), json!(caller.sandbox.id));
    dataset.insert("version".into(), json!("1.0.0"));
    dataset.insert("created".into(), json!(now));
    dataset.insert("updated".into(), json!(now));
    dataset.insert("createdClient".into(), json!(caller.client_id));
    dataset.insert("createdUser".into(), json!(caller.user_id));
    dataset.insert("updatedUser".into(), json!(caller.user_id));
    dataset.insert("viewId".into(), json!(random_hex(12)));
    dataset.insert(
        "files".into(),
        json!(format!("@/dataSetFiles?dataSetId={id}")),
    );
    dataset.insert("state".into(), json!("DRAFT"));
    // A real dataset always carries these (catalog.yaml dataset `classification`; the
    // `adobe/pqs/table` and `adobe/siphon/table/format` tags of the documented examples,
    // e.g. help/catalog/datasets/enable-for-profile.md), and third-party clients such as
    // `aepp` read them on every dataset.
    dataset.insert(
        "classification".into(),
        json!({ "dataBehavior": data_behavior, "managedBy": "CUSTOMER" }),
    );
    // Assumed: a dataset made without a description has the property with no value, so
    // `properties=description` answers `{}` for it (help/catalog/api/filter-data.md).
    dataset.entry("description").or_insert_with(|| json!(""));
    let table = table_name(dataset.get("name").and_then(Value::as_str), &id);
    let tags = dataset.entry("tags").or_insert_with(|| json!({}));
    if let Some(tags) = tags.as_object_mut() {
        tags.entry("adobe/pqs/table")
            .or_insert_with(|| json!([table]));
        tags.entry("adobe/siphon/table/format")
            .or_insert_with(|| json!(["parquet"]));
    }
    data.datasets.insert(id.clone(), Value::Object(dataset));
    drop(platform);
    sim.mark_dirty();
    Ok((
        StatusCode::CREATED,
        Json(json!([format!("@/dataSets/{id}")])),
    )
        .into_response())
}

/// Whether dataset `tags` ask for Profile or Identity Service (`unifiedProfile` /
/// `unifiedIdentity` holding `enabled:true`, help/catalog/datasets/enable-for-profile.md).
fn asks_for_profile(tags: Option<&Value>) -> bool {
    ["unifiedProfile", "unifiedIdentity"].iter().any(|name| {
        tags.and_then(|tags| tags.get(*name))
            .and_then(Value::as_array)
            .is_some_and(|values| {
                values.iter().any(|value| {
                    value
                        .as_str()
                        .is_some_and(|text| text.eq_ignore_ascii_case("enabled:true"))
                })
            })
    })
}

/// The documented answer to a Profile dataset on a schema without the `union` tag
/// (help/xdm/troubleshooting-guide.md at 00010d38, "To enable profile datasets the schema
/// should be valid"), body as printed there. Adobe documents it for Profile; Identity
/// Service (`unifiedIdentity`) is given the same answer (assumed).
fn profile_schema_not_enabled() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        json!({
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "To enable profile datasets the schema should be valid"
        }),
    )
}

/// `time-series` for ExperienceEvent schemas, `record` otherwise (help/xdm/home.md "data
/// behaviors"; catalog.yaml `classification.dataBehavior`).
fn data_behavior(schema: &Value) -> &'static str {
    let extends_time_series = schema
        .get("meta:extends")
        .and_then(Value::as_array)
        .is_some_and(|ancestors| {
            ancestors
                .iter()
                .any(|a| a.as_str() == Some("https://ns.adobe.com/xdm/data/time-series"))
        });
    let is_event =
        schema.get("meta:class").and_then(Value::as_str) == Some(crate::xdm::EXPERIENCE_EVENT);
    if extends_time_series || is_event {
        "time-series"
    } else {
        "record"
    }
}

/// The Query Service table name Catalog derives from a dataset name (`Luma CRM Dataset` →
/// `luma_crm_dataset`, as in Adobe's tutorials); assumed: the id when there is no name.
fn table_name(name: Option<&str>, id: &str) -> String {
    let derived: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = derived.trim_matches('_');
    if trimmed.is_empty() {
        format!("dataset_{id}")
    } else {
        trimmed.to_string()
    }
}

trait PointerStr {
    fn pointer_str(&self, pointer: &str) -> Option<&str>;
}

impl PointerStr for Map<String, Value> {
    fn pointer_str(&self, pointer: &str) -> Option<&str> {
        let mut parts = pointer.trim_start_matches('/').split('/');
        let first = parts.next()?;
        let mut current = self.get(first)?;
        for part in parts {
            current = current.get(part)?;
        }
        current.as_str()
    }
}

/// Adds the fields Catalog computes from ingestion (last batch).
fn with_batch_info(sim: &Sim, id: &str, dataset: &Value) -> Value {
    let mut out = dataset.clone();
    let runs = runs_for_dataset(sim, id);
    if let Some(last) = runs.iter().max_by_key(|r| r.created_ms) {
        let now = sim.clock.now_ms();
        out["lastBatchId"] = json!(last.batch_id);
        out["lastBatchStatus"] = json!(batch_status(last, now));
        if let Some(success) = runs
            .iter()
            .filter(|r| r.is_closed(now) && r.output_records > 0)
            .max_by_key(|r| r.created_ms)
        {
            out["lastSuccessfulBatch"] = json!(success.batch_id);
        }
    }
    out
}

/// `properties=a,b`: only those top-level properties. As help/catalog/api/filter-data.md
/// "Limit displayed properties" shows, a property the object lacks is left out (an
/// object with none of them is `{}`), and one it has without a value (null, empty text,
/// empty list) comes back as an empty object.
fn project(item: &Value, properties: Option<&str>) -> Value {
    match properties {
        None => item.clone(),
        Some(list) => {
            let mut out = Map::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if let Some(value) = item.get(name) {
                    let has_value = match value {
                        Value::Null => false,
                        Value::String(text) => !text.is_empty(),
                        Value::Array(items) => !items.is_empty(),
                        _ => true,
                    };
                    let shown = if has_value { value.clone() } else { json!({}) };
                    out.insert(name.to_string(), shown);
                }
            }
            Value::Object(out)
        }
    }
}

async fn get_one(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewDatasets, Service::Catalog)?;
    let pairs = query_pairs(query.as_deref());
    let dataset = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .and_then(|d| d.datasets.get(&id).cloned())
        .ok_or_else(|| Service::Catalog.not_found("dataSet", &id))?;
    let full = with_batch_info(&sim, &id, &dataset);
    let mut out = Map::new();
    out.insert(id, project(&full, query_get(&pairs, "properties")));
    Ok(Json(Value::Object(out)))
}

/// Catalog's simple filters: `name=a,b`, `name=!a`, `*` wildcards, on top-level properties.
fn simple_filter_matches(item: &Value, key: &str, raw: &str) -> bool {
    let (negate, raw) = match raw.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let actual = item.get(key).map(scalar_text);
    let hit = raw.split(',').any(|want| match &actual {
        Some(value) => {
            if want.contains('*') {
                glob_matches(want, value)
            } else {
                value == want
            }
        }
        None => false,
    });
    hit != negate
}

const RESERVED_PARAMS: &[&str] = &[
    "limit",
    "start",
    "properties",
    "property",
    "orderBy",
    "requestDataSource",
    "dataSet",
    "createdAfter",
    "createdBefore",
];

fn parse_limit(pairs: &[(String, String)], maximum: usize) -> Result<usize, ApiError> {
    match query_get(pairs, "limit") {
        None => Ok(20),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=maximum).contains(l))
            .ok_or_else(|| {
                Service::Catalog.bad_request(&format!(
                    "limit must be an integer between 1 and {maximum}."
                ))
            }),
    }
}

/// Largest page of a Catalog list (help/catalog/api/filter-data.md: "The global limit for
/// all other Catalog queries is 100 objects").
const MAX_LIMIT: usize = 100;

/// `limit` of `GET /batches`: 20 when absent, `0` or a non-number is 400
/// (filter-data.md), and more than 100 is served as 100 (assumed: the spec says only
/// that at most 100 objects are returned).
fn parse_batch_limit(pairs: &[(String, String)]) -> Result<usize, ApiError> {
    match query_get(pairs, "limit") {
        None => Ok(20),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|limit| *limit >= 1)
            .map(|limit| limit.min(MAX_LIMIT))
            .ok_or_else(|| {
                Service::Catalog.bad_request(&format!(
                    "limit must be an integer between 1 and {MAX_LIMIT}."
                ))
            }),
    }
}

/// Zero-based `start` offset (filter-data.md "Offset starting index").
fn parse_start(pairs: &[(String, String)]) -> Result<usize, ApiError> {
    query_get(pairs, "start")
        .map(|raw| {
            raw.parse()
                .map_err(|_| Service::Catalog.bad_request("start must be a non-negative integer."))
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

async fn list(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewDatasets, Service::Catalog)?;
    let pairs = query_pairs(query.as_deref());
    let properties = query_get(&pairs, "properties");
    let maximum = if properties.is_some_and(|p| p.contains("observableSchema")) {
        20
    } else {
        MAX_LIMIT
    };
    let limit = parse_limit(&pairs, maximum)?;
    let start = parse_start(&pairs)?;
    let filters = query_all(&pairs, "property")
        .into_iter()
        .map(PropertyFilter::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Service::Catalog.bad_request(&e.to_string()))?;
    let datasets: Vec<(String, Value)> = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .map(|d| {
            d.datasets
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut items: Vec<Value> = datasets
        .into_iter()
        .map(|(id, dataset)| {
            let mut full = with_batch_info(&sim, &id, &dataset);
            full["__id"] = json!(id);
            full
        })
        .filter(|item| filters.iter().all(|f| f.matches(item)))
        .filter(|item| {
            pairs
                .iter()
                .filter(|(k, _)| !RESERVED_PARAMS.contains(&k.as_str()))
                .all(|(k, v)| simple_filter_matches(item, k, v))
        })
        .collect();
    if let Some(order) = query_get(&pairs, "orderBy") {
        sort_items(&mut items, order);
    }
    let mut out = Map::new();
    for mut item in items.into_iter().skip(start).take(limit) {
        let id = item
            .get("__id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(map) = item.as_object_mut() {
            map.remove("__id");
        }
        out.insert(id, project(&item, properties));
    }
    Ok(Json(Value::Object(out)))
}

async fn delete(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageDatasets, Service::Catalog)?;
    let removed = sim
        .platform
        .write()
        .data
        .get_mut(&caller.sandbox.name)
        .and_then(|d| d.datasets.remove(&id));
    if removed.is_none() {
        return Err(Service::Catalog.not_found("dataSet", &id));
    }
    sim.records.write().remove(&id);
    sim.mark_dirty();
    crate::flow_service::rebuild_inlets(&sim);
    Ok(Json(json!([format!("@/dataSets/{id}")])))
}

async fn patch(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageDatasets, Service::Catalog)?;
    let change = json_body(&headers, &body, Service::Catalog)?;
    let mut platform = sim.platform.write();
    let dataset = platform
        .data
        .get_mut(&caller.sandbox.name)
        .and_then(|d| d.datasets.get_mut(&id))
        .ok_or_else(|| Service::Catalog.not_found("dataSet", &id))?;
    let mut updated = dataset.clone();
    match &change {
        Value::Array(_) => crate::util::apply_json_patch(&mut updated, &change)
            .map_err(|m| Service::Catalog.bad_request(&m))?,
        Value::Object(fields) => {
            for (key, value) in fields {
                updated[key.as_str()] = value.clone();
            }
        }
        _ => {
            return Err(
                Service::Catalog.bad_request("The body must be a JSON Patch array or an object.")
            )
        }
    }
    if asks_for_profile(updated.get("tags")) && !asks_for_profile(dataset.get("tags")) {
        let schema_id = updated
            .pointer("/schemaRef/id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let schema_is_union = platform
            .data
            .get(&caller.sandbox.name)
            .and_then(|data| find_schema(data, &schema_id))
            .is_some_and(crate::schema_registry::is_union);
        if !schema_is_union {
            return Err(profile_schema_not_enabled());
        }
    }
    let dataset = platform
        .data
        .get_mut(&caller.sandbox.name)
        .and_then(|d| d.datasets.get_mut(&id))
        .ok_or_else(|| Service::Catalog.not_found("dataSet", &id))?;
    updated["updated"] = json!(sim.clock.now_ms());
    updated["updatedUser"] = json!(caller.user_id);
    *dataset = updated;
    drop(platform);
    sim.mark_dirty();
    Ok(Json(json!([format!("@/dataSets/{id}")])))
}

pub fn runs_for_dataset(sim: &Sim, dataset_id: &str) -> Vec<RunWindow> {
    let all: Vec<_> = sim.runs.read().values().cloned().collect();
    all.iter()
        .flat_map(|r| r.lock().runs.clone())
        .filter(|r| r.dataset_id == dataset_id)
        .collect()
}

fn batch_status(run: &RunWindow, now: i64) -> &'static str {
    if !run.is_closed(now) {
        "loading"
    } else if run.output_records == 0 && run.failed_records > 0 {
        "failed"
    } else {
        "success"
    }
}

/// Batch-level code of a batch whose records failed without error diagnostics
/// (help/ingestion/quality/error-diagnostics.md, text as printed there).
const DIAGNOSTICS_UNAVAILABLE: (&str, &str) = (
    "INGEST-1211-400",
    "Encountered errors while parsing, converting or otherwise validating the data. Please resend the data with error diagnostics enabled to collect additional information on failure types",
);
/// Summary code of a batch with failed records and error diagnostics (same page).
const DIAGNOSTICS_SUMMARY: &str = "INGEST-1212-400";

/// A batch's `errors` as help/ingestion/quality/error-diagnostics.md shows them: with the
/// flow's error diagnostics on, an `INGEST-1212-400` summary (when records failed) and
/// one entry per code with its `recordCount`; without them, a single `INGEST-1211-400`
/// with no count ("`errors.recordCount` … is only generated if `errorDiagnostics` is
/// enabled").
fn batch_errors(run: &RunWindow) -> Vec<Value> {
    if run.errors.is_empty() {
        return Vec::new();
    }
    if !run.error_diagnostics {
        let (code, description) = DIAGNOSTICS_UNAVAILABLE;
        return vec![json!({ "code": code, "description": description })];
    }
    let mut errors = Vec::new();
    if run.failed_records > 0 {
        errors.push(json!({
            "code": DIAGNOSTICS_SUMMARY,
            "description": format!(
                "Encountered {} errors in the data. Successfully ingested {} rows. Please review the associated diagnostic files for more details.",
                run.failed_records, run.output_records
            ),
        }));
    }
    errors.extend(run.errors.iter().map(|(code, (message, count))| {
        json!({ "code": code, "description": message, "recordCount": count })
    }));
    errors
}

fn batch_json(caller: &Caller, run: &RunWindow, now: i64) -> Value {
    let errors = batch_errors(run);
    json!({
        "imsOrg": caller.org_id,
        "created": run.created_ms,
        "updated": run.updated_ms,
        "createdClient": "acp_streaming",
        "createdUser": "acp_streaming@AdobeID",
        "updatedUser": "acp_streaming@AdobeID",
        "status": batch_status(run, now),
        "recordCount": run.output_records,
        "failedRecordCount": run.failed_records,
        // The same counts where error-diagnostics.md's example has them.
        "metrics": {
            "inputRecordCount": run.input_records,
            "outputRecordCount": run.output_records,
            "failedRecordCount": run.failed_records,
        },
        "size": run.output_bytes,
        "started": run.window_start_ms,
        "completed": if run.is_closed(now) { json!(run.window_end_ms.min(now)) } else { Value::Null },
        "errors": errors,
        "version": "1.0.0",
        // Only the spec's types (batch, dataSet, dataSetFile, dataSetView, transform): a
        // client finds a flow's batches through its runs' `targetInfo` instead.
        "relatedObjects": [
            { "type": "dataSet", "id": run.dataset_id }
        ],
        "inputFormat": { "format": "json" },
        "tags": { "acp_stagePath": [] },
    })
}

async fn list_batches(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewDatasets, Service::Catalog)?;
    let pairs = query_pairs(query.as_deref());
    let limit = parse_batch_limit(&pairs)?;
    let start = parse_start(&pairs)?;
    let dataset_ids: Vec<String> = match query_get(&pairs, "dataSet") {
        Some(id) => id.split(',').map(str::to_string).collect(),
        None => sim
            .platform
            .read()
            .data
            .get(&caller.sandbox.name)
            .map(|d| d.datasets.keys().cloned().collect())
            .unwrap_or_default(),
    };
    let now = sim.clock.now_ms();
    let mut items: Vec<Value> = dataset_ids
        .iter()
        .flat_map(|id| runs_for_dataset(&sim, id))
        .map(|run| {
            let mut batch = batch_json(&caller, &run, now);
            batch["__id"] = json!(run.batch_id);
            batch
        })
        .filter(|b| {
            query_get(&pairs, "status")
                .is_none_or(|s| b.get("status").and_then(Value::as_str) == Some(s))
        })
        .collect();
    // Without `orderBy` the oldest come first (filter-data.md: the default direction is
    // ascending): a client that wants the newest batches asks for `desc:created`.
    sort_items(
        &mut items,
        query_get(&pairs, "orderBy").unwrap_or("asc:created"),
    );
    let mut out = Map::new();
    for mut item in items.into_iter().skip(start).take(limit) {
        let id = item
            .get("__id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(map) = item.as_object_mut() {
            map.remove("__id");
        }
        out.insert(id, item);
    }
    Ok(Json(Value::Object(out)))
}

async fn get_batch(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewDatasets, Service::Catalog)?;
    let dataset_ids: Vec<String> = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .map(|d| d.datasets.keys().cloned().collect())
        .unwrap_or_default();
    let run = dataset_ids
        .iter()
        .flat_map(|d| runs_for_dataset(&sim, d))
        .find(|r| r.batch_id == id)
        .ok_or_else(|| Service::Catalog.not_found("batch", &id))?;
    let mut out = Map::new();
    out.insert(id, batch_json(&caller, &run, sim.clock.now_ms()));
    Ok(Json(Value::Object(out)))
}
