//! Flow Service (`/data/foundation/flowservice`): connection and flow specs, source and
//! target connections, dataflows (with enable/disable and `If-Match` updates) and runs.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::dataprep::{normalise, CompiledMapping};
use crate::errors::{flow as flow_errors, ApiError, Service};
use crate::gateway::{json_body, json_object, Caller, RawBody};
use crate::inlet::{InletRuntime, Pipeline};
use crate::schema_registry::{compile_schema, find_schema};
use crate::state::{AppState, Permission, RunWindow, SandboxData, Sim};
use crate::util::{
    header_str, new_etag, query_all, query_get, query_pairs, random_hex, random_uuid, sort_items,
    FilterOp, PropertyFilter,
};

const BASE: &str = "/data/foundation/flowservice";

pub const CHATLIO_SPEC: &str = "073127a3-26e3-496c-9d94-9f48fb93fba8";
pub const GENERIC_STREAMING_SPEC: &str = "e77fd9d2-22a8-11ed-861d-0242ac120002";
pub const DATA_LAKE_SPEC: &str = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";
pub const STREAMING_FLOW_SPEC: &str = "e77fde5a-22a8-11ed-861d-0242ac120002";
pub const PROVIDER_ID: &str = "521eee4d-8cbe-4906-bb48-fb6bd4450033";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{BASE}/connectionSpecs"),
            get(list_connection_specs),
        )
        .route(
            &format!("{BASE}/connectionSpecs/{{id}}"),
            get(get_connection_spec),
        )
        .route(&format!("{BASE}/flowSpecs"), get(list_flow_specs))
        .route(&format!("{BASE}/flowSpecs/{{id}}"), get(get_flow_spec))
        .route(
            &format!("{BASE}/sourceConnections"),
            get(list_sources).post(create_source),
        )
        .route(
            &format!("{BASE}/sourceConnections/{{id}}"),
            get(get_source).patch(patch_source).delete(delete_source),
        )
        .route(
            &format!("{BASE}/targetConnections"),
            get(list_targets).post(create_target),
        )
        .route(
            &format!("{BASE}/targetConnections/{{id}}"),
            get(get_target).patch(patch_target).delete(delete_target),
        )
        .route(&format!("{BASE}/flows"), get(list_flows).post(create_flow))
        .route(
            &format!("{BASE}/flows/{{id}}"),
            get(get_flow).patch(patch_flow).delete(delete_flow),
        )
        .route(&format!("{BASE}/flows/{{id}}/action"), post(flow_action))
        .route(
            &format!("{BASE}/sourceConnections/{{id}}/action"),
            post(source_action),
        )
        .route(
            &format!("{BASE}/targetConnections/{{id}}/action"),
            post(target_action),
        )
        .route(&format!("{BASE}/runs"), get(list_runs))
        .route(&format!("{BASE}/runs/{{id}}"), get(get_run))
}

fn permissions_info() -> Value {
    json!({
        "view": [ { "@type": "lowLevel", "name": "StreamingSource", "permissions": ["read"] } ],
        "manage": [ { "@type": "lowLevel", "name": "StreamingSource", "permissions": ["write"] } ]
    })
}

fn streaming_source_spec(id: &str, name: &str, label: &str, description: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "providerId": PROVIDER_ID,
        "version": "1.0",
        "type": "generic-streaming",
        "authSpec": [],
        "sourceSpec": {
            "attributes": {
                "authRequired": false,
                "uiAttributes": {
                    "isSource": true,
                    "monitoringSupported": true,
                    "category": { "key": "marketingAutomation" },
                    "icon": { "key": name },
                    "description": { "text": description },
                    "label": { "text": label },
                    "frequency": { "text": "streaming" }
                }
            }
        },
        "exploreSpec": { "type": "StreamingConnection" },
        "attributes": {
            "category": "Streaming",
            "isSource": true,
            "uiAttributes": { "apiFeatures": { "updateSupported": false } }
        },
        "permissionsInfo": permissions_info()
    })
}

/// Adds `attributes.isDraftModeSupported: true` to the specs the configuration names.
fn with_draft_flags(sim: &Sim, mut specs: Vec<Value>) -> Vec<Value> {
    for spec in &mut specs {
        let flagged = spec["id"].as_str().is_some_and(|id| {
            sim.config
                .draft_mode_specs
                .iter()
                .any(|wanted| wanted == id)
        });
        if flagged {
            spec["attributes"]["isDraftModeSupported"] = json!(true);
        }
    }
    specs
}

fn connection_specs(sim: &Sim) -> Vec<Value> {
    with_draft_flags(sim, seeded_connection_specs())
}

fn flow_specs(sim: &Sim) -> Vec<Value> {
    with_draft_flags(sim, seeded_flow_specs())
}

fn draft_supported(spec: &Value) -> bool {
    spec.pointer("/attributes/isDraftModeSupported") == Some(&json!(true))
}

fn is_draft(item: &Value) -> bool {
    item["state"] == json!(DRAFT)
}

/// `_sim` key of a flow: when it was created or published, the start of its warm-up.
const ACTIVATED_AT: &str = "activatedAtMs";

/// The state of an entity created with `mode=draft` until it is published. Adobe's
/// tutorial speaks of "a draft state" without showing the value.
const DRAFT: &str = "draft";

/// `mode=draft` (the only mode Adobe documents) or no mode.
fn draft_mode(query: Option<&str>) -> Result<bool, ApiError> {
    let pairs = query_pairs(query);
    match query_get(&pairs, "mode") {
        None => Ok(false),
        Some(mode) if mode.eq_ignore_ascii_case(DRAFT) => Ok(true),
        Some(mode) => {
            Err(Service::Flow.bad_request(&format!("Unknown mode {mode}; the only mode is draft.")))
        }
    }
}

fn draft_refused(what: &str, id: &str) -> ApiError {
    Service::Flow.bad_request(&format!(
        "The {what} {id} does not support draft mode (attributes.isDraftModeSupported is not true)."
    ))
}

fn seeded_connection_specs() -> Vec<Value> {
    vec![
        streaming_source_spec(
            CHATLIO_SPEC,
            "Chatlio",
            "Chatlio",
            "Chatlio webhook streaming source",
        ),
        streaming_source_spec(
            GENERIC_STREAMING_SPEC,
            "generic-streaming",
            "Generic",
            "Generic Streaming Connector",
        ),
        json!({
            "id": DATA_LAKE_SPEC,
            "name": "Data Lake",
            "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
            "version": "1.0",
            "type": "dataLake",
            "authSpec": [],
            "targetSpec": { "name": "Data Lake", "type": "DataSet" },
            "attributes": { "category": "Database", "isSource": false, "isDestination": true },
            "permissionsInfo": permissions_info()
        }),
    ]
}

fn seeded_flow_specs() -> Vec<Value> {
    vec![json!({
        "id": STREAMING_FLOW_SPEC,
        "name": "GenericStreamingAEP",
        "providerId": PROVIDER_ID,
        "version": "1.0",
        "sourceConnectionSpecIds": [GENERIC_STREAMING_SPEC, CHATLIO_SPEC],
        "targetConnectionSpecIds": [DATA_LAKE_SPEC],
        "optionSpec": {
            "name": "OptionSpec",
            "spec": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {
                    "errorDiagnosticsEnabled": { "title": "Error diagnostics.", "description": "Flag to enable detailed and sample error diagnostics summary.", "type": "boolean", "default": false },
                    "partialIngestionPercent": { "title": "Partial ingestion threshold.", "description": "Percentage which defines the threshold of errors allowed before the run is marked as failed.", "type": "number", "exclusiveMinimum": 0 },
                    "inletUrl": { "title": "Inlet Url.", "description": "Inlet Url which defines the streaming endpoint.", "type": "string" }
                }
            }
        },
        "transformationSpecs": [{
            "name": "Mapping",
            "spec": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "description": "defines various params required for different mapping from source to target",
                "properties": { "mappingId": { "type": "string" }, "mappingVersion": { "type": "string" } }
            }
        }],
        "attributes": {
            "isSourceFlow": true,
            "flacValidationSupported": true,
            "frequency": "streaming",
            "uiAttributes": { "apiFeatures": { "updateSupported": true, "flowRunsSupported": true } }
        },
        "permissionsInfo": permissions_info()
    })]
}

fn parse_filters(pairs: &[(String, String)]) -> Result<Vec<PropertyFilter>, ApiError> {
    let filters = query_all(pairs, "property")
        .into_iter()
        .map(PropertyFilter::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Service::Flow.bad_request(&e.to_string()))?;
    for filter in &filters {
        let operator = match filter.op {
            FilterOp::Lt => "<",
            FilterOp::Le => "<=",
            FilterOp::Gt => ">",
            FilterOp::Ge => ">=",
            _ => continue,
        };
        if filter.values.len() > 1 {
            return Err(flow_errors::range_with_several_values(operator));
        }
    }
    Ok(filters)
}

/// Items per page when the request names no `limit` (assumed: Adobe documents none).
const DEFAULT_PAGE_SIZE: usize = 20;
/// The largest page served; a larger `limit` is served as this (assumed: the spec gives no
/// maximum for list GETs, only 1000 for its POST filter body).
pub const MAX_PAGE_SIZE: usize = 100;

/// What a continuation token carries: the list it belongs to, where the next page starts
/// and the query the first page was asked with, so the bare `_links.next.href` is enough.
#[derive(serde::Serialize, serde::Deserialize)]
struct Continuation {
    #[serde(rename = "r")]
    resource: String,
    #[serde(rename = "o")]
    offset: usize,
    #[serde(rename = "q")]
    query: Vec<(String, String)>,
}

impl Continuation {
    /// URL-safe base64 without padding: no `=`, so clients that split the `href` on `=`
    /// (as `aepp` does) get the whole token.
    fn encode(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn decode(token: &str, resource: &str) -> Result<Self, ApiError> {
        let invalid = || {
            Service::Flow.bad_request(&format!(
                "The continuationToken is not valid for the {resource} list."
            ))
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| invalid())?;
        let continuation: Self = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if continuation.resource != resource {
            return Err(invalid());
        }
        Ok(continuation)
    }
}

/// The query a list request stands for, and where its page starts: a continuation token
/// brings back the query of the first page.
fn effective_query(
    resource: &str,
    query: Option<&str>,
) -> Result<(Vec<(String, String)>, usize), ApiError> {
    let request = query_pairs(query);
    match query_get(&request, "continuationToken") {
        Some(token) => {
            let continuation = Continuation::decode(token, resource)?;
            Ok((continuation.query, continuation.offset))
        }
        None => Ok((request, 0)),
    }
}

/// Applies `property=`, `orderby`, `limit`, `count` and `continuationToken` the way Flow
/// Service lists do (flow-service.yaml, help/dataflows/api/sort-and-filter.md). `items`
/// come in creation order, which is also the order without `orderby`.
fn list_response(
    resource: &str,
    items: Vec<Value>,
    query: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let (pairs, offset) = effective_query(resource, query)?;
    let filters = parse_filters(&pairs)?;
    let mut items: Vec<Value> = items
        .into_iter()
        .filter(|i| filters.iter().all(|f| f.matches(i)))
        .collect();
    let counting = query_get(&pairs, "count").is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let limit = match query_get(&pairs, "limit") {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<usize>()
                .ok()
                .filter(|l| *l > 0)
                .ok_or_else(|| Service::Flow.bad_request("limit must be a positive integer."))?,
        ),
    };
    if counting {
        if limit.is_some() {
            return Err(flow_errors::limit_with_count());
        }
        return Ok(Json(json!({ "count": items.len() })));
    }
    if let Some(order) = query_get(&pairs, "orderby") {
        sort_items(&mut items, order);
    }
    let page_size = limit.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(page_size).collect();
    let next = offset + page_size;
    let links = if next < total {
        let kept: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(key, _)| key != "continuationToken")
            .collect();
        let token = Continuation {
            resource: resource.to_string(),
            offset: next,
            query: kept,
        }
        .encode();
        json!({ "next": { "href": format!("/{resource}?continuationToken={token}") } })
    } else {
        json!({})
    };
    Ok(Json(json!({ "items": page, "_links": links })))
}

async fn list_connection_specs(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    list_response("connectionSpecs", connection_specs(&sim), query.as_deref())
}

async fn get_connection_spec(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    connection_specs(&sim)
        .into_iter()
        .find(|s| s["id"] == json!(id))
        .map(|s| Json(json!({ "items": [s] })))
        .ok_or_else(|| Service::Flow.not_found("connectionSpecs", &id))
}

async fn list_flow_specs(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    list_response("flowSpecs", flow_specs(&sim), query.as_deref())
}

async fn get_flow_spec(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    flow_specs(&sim)
        .into_iter()
        .find(|s| s["id"] == json!(id))
        .map(|s| Json(json!({ "items": [s] })))
        .ok_or_else(|| Service::Flow.not_found("flowSpecs", &id))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Source,
    Target,
    Flow,
}

impl Entity {
    fn kind(self) -> &'static str {
        match self {
            Entity::Source => "sourceConnections",
            Entity::Target => "targetConnections",
            Entity::Flow => "flows",
        }
    }
    fn list(self, data: &SandboxData) -> &Vec<Value> {
        match self {
            Entity::Source => &data.source_connections,
            Entity::Target => &data.target_connections,
            Entity::Flow => &data.flows,
        }
    }
    fn list_mut(self, data: &mut SandboxData) -> &mut Vec<Value> {
        match self {
            Entity::Source => &mut data.source_connections,
            Entity::Target => &mut data.target_connections,
            Entity::Flow => &mut data.flows,
        }
    }
}

fn find<'a>(data: &'a SandboxData, entity: Entity, id: &str) -> Option<&'a Value> {
    entity.list(data).iter().find(|i| i["id"] == json!(id))
}

fn audit_fields(caller: &Caller, now: i64) -> Map<String, Value> {
    let actor = if caller.user_id.ends_with("@techacct.adobe.com") {
        caller.client_id.clone()
    } else {
        caller.user_id.clone()
    };
    let mut map = Map::new();
    map.insert("createdAt".into(), json!(now));
    map.insert("updatedAt".into(), json!(now));
    map.insert("createdBy".into(), json!(actor));
    map.insert("updatedBy".into(), json!(actor));
    map.insert("createdClient".into(), json!(caller.client_id));
    map.insert("updatedClient".into(), json!(caller.client_id));
    map.insert("sandboxId".into(), json!(caller.sandbox.id));
    map.insert("sandboxName".into(), json!(caller.sandbox.name));
    map.insert("imsOrgId".into(), json!(caller.org_id));
    map
}

fn spec_ref(body: &Map<String, Value>) -> Result<(String, String), ApiError> {
    let spec = body
        .get("connectionSpec")
        .and_then(Value::as_object)
        .ok_or_else(|| Service::Flow.bad_request("connectionSpec is required."))?;
    let id = spec
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Flow.bad_request("connectionSpec.id is required."))?;
    let version = spec.get("version").and_then(Value::as_str).unwrap_or("1.0");
    Ok((id.to_string(), version.to_string()))
}

fn require_name(body: &Map<String, Value>) -> Result<(), ApiError> {
    match body.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => Ok(()),
        _ => Err(Service::Flow.bad_request("name is required and must be a non-empty string.")),
    }
}

fn created(id: &str, etag: &str, location: Option<String>) -> Response {
    let mut response =
        (StatusCode::CREATED, Json(json!({ "id": id, "etag": etag }))).into_response();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn create_source(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let draft = draft_mode(query.as_deref())?;
    let body = json_object(&headers, &body, Service::Flow)?;
    require_name(&body)?;
    let (spec_id, version) = spec_ref(&body)?;
    let spec = connection_specs(&sim)
        .into_iter()
        .find(|s| s["id"] == json!(spec_id));
    let Some(spec) = spec.filter(|s| s.pointer("/attributes/isSource") == Some(&json!(true)))
    else {
        return Err(Service::Flow.bad_request(&format!(
            "The connection spec {spec_id} is not a source connection spec."
        )));
    };
    if draft && !draft_supported(&spec) {
        return Err(draft_refused("connection spec", &spec_id));
    }
    let format = body
        .get("data")
        .and_then(|d| d.get("format"))
        .and_then(Value::as_str);
    if format != Some("json") {
        return Err(Service::Flow
            .bad_request("data.format is required; the only supported format is json."));
    }
    let id = random_uuid();
    let etag = new_etag();
    let mut item = audit_fields(&caller, sim.clock.now_ms());
    item.insert("id".into(), json!(id));
    for key in [
        "name",
        "description",
        "baseConnectionId",
        "params",
        "providerId",
    ] {
        if let Some(value) = body.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    item.insert("state".into(), json!(if draft { DRAFT } else { "enabled" }));
    item.insert(
        "data".into(),
        body.get("data").cloned().unwrap_or(json!({})),
    );
    item.insert(
        "connectionSpec".into(),
        json!({ "id": spec_id, "version": version }),
    );
    item.insert("version".into(), json!(etag));
    item.insert("etag".into(), json!(etag));
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.bad_request("Unknown sandbox."))?;
    data.source_connections.push(Value::Object(item));
    drop(platform);
    sim.mark_dirty();
    Ok(created(&id, &etag, None))
}

async fn create_target(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let draft = draft_mode(query.as_deref())?;
    let body = json_object(&headers, &body, Service::Flow)?;
    let (spec_id, version) = spec_ref(&body)?;
    if spec_id != DATA_LAKE_SPEC {
        return Err(Service::Flow.bad_request(&format!(
            "The connection spec {spec_id} is not a target connection spec."
        )));
    }
    let spec_allows_draft = connection_specs(&sim)
        .iter()
        .any(|spec| spec["id"] == json!(spec_id) && draft_supported(spec));
    if draft && !spec_allows_draft {
        return Err(draft_refused("connection spec", &spec_id));
    }
    let data_field = body
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| Service::Flow.bad_request("data is required."))?;
    let schema_id = data_field
        .get("schema")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Flow.bad_request("data.schema.id is required."))?;
    let dataset_id = body
        .get("params")
        .and_then(|p| p.get("dataSetId"))
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Flow.bad_request("params.dataSetId is required."))?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.bad_request("Unknown sandbox."))?;
    let schema = find_schema(data, schema_id).ok_or_else(|| {
        Service::Flow.bad_request(&format!(
            "The schema {schema_id} does not exist in this sandbox."
        ))
    })?;
    let full_schema = schema.get("$id").cloned().unwrap_or(json!(schema_id));
    let dataset = data.datasets.get(dataset_id).ok_or_else(|| {
        Service::Flow.bad_request(&format!(
            "The dataset {dataset_id} does not exist in this sandbox."
        ))
    })?;
    if dataset.pointer("/schemaRef/id") != Some(&full_schema) {
        return Err(Service::Flow.bad_request(&format!(
            "The dataset {dataset_id} does not use the schema {schema_id}."
        )));
    }
    let id = random_uuid();
    let etag = new_etag();
    let mut item = audit_fields(&caller, sim.clock.now_ms());
    item.insert("id".into(), json!(id));
    for key in ["name", "description", "params"] {
        if let Some(value) = body.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    item.insert("state".into(), json!(if draft { DRAFT } else { "enabled" }));
    item.insert("data".into(), Value::Object(data_field.clone()));
    item.insert(
        "connectionSpec".into(),
        json!({ "id": spec_id, "version": version }),
    );
    item.insert("version".into(), json!(etag));
    item.insert("etag".into(), json!(etag));
    data.target_connections.push(Value::Object(item));
    drop(platform);
    sim.mark_dirty();
    Ok(created(&id, &etag, None))
}

fn mapping_params(transformation: &Value) -> Option<(String, usize)> {
    let params = transformation.get("params")?;
    let id = params.get("mappingId")?.as_str()?.to_string();
    let version = match params.get("mappingVersion") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => usize::try_from(n.as_u64()?).ok()?,
        Some(Value::String(s)) => s.parse().ok()?,
        Some(_) => return None,
    };
    Some((id, version))
}

/// Checks a flow's references; returns an error body if any is wrong. A draft flow
/// (`draft`) must use a flow spec and source connection specs that support draft mode; a
/// flow that is not a draft must not use draft connections.
fn check_flow(sim: &Sim, data: &SandboxData, flow: &Value, draft: bool) -> Result<(), ApiError> {
    let spec_id = flow
        .pointer("/flowSpec/id")
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Flow.bad_request("flowSpec.id is required."))?;
    let spec = flow_specs(sim)
        .into_iter()
        .find(|s| s["id"] == json!(spec_id))
        .ok_or_else(|| {
            Service::Flow.bad_request(&format!("The flow spec {spec_id} does not exist."))
        })?;
    let ids = |key: &str| -> Result<Vec<String>, ApiError> {
        let list = flow
            .get(key)
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                Service::Flow.bad_request(&format!("{key} must be a non-empty array."))
            })?;
        list.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Service::Flow.bad_request(&format!("{key} must hold strings.")))
            })
            .collect()
    };
    let allowed =
        |field: &str, spec_id: &Value| spec[field].as_array().is_some_and(|l| l.contains(spec_id));
    if draft && !draft_supported(&spec) {
        return Err(draft_refused("flow spec", spec_id));
    }
    let connection_specs = connection_specs(sim);
    let check_draft = |entity: Entity, connection: &Value, id: &str| -> Result<(), ApiError> {
        if draft && entity == Entity::Source {
            let connection_spec = &connection["connectionSpec"]["id"];
            let supports = connection_specs
                .iter()
                .any(|spec| &spec["id"] == connection_spec && draft_supported(spec));
            if !supports {
                return Err(draft_refused(
                    "connection spec",
                    connection_spec.as_str().unwrap_or_default(),
                ));
            }
        }
        if !draft && is_draft(connection) {
            return Err(Service::Flow.bad_request(&format!(
                "The {} {id} is a draft; publish it before using it in a flow that is not a draft.",
                entity.kind()
            )));
        }
        Ok(())
    };
    for id in ids("sourceConnectionIds")? {
        let source = find(data, Entity::Source, &id).ok_or_else(|| {
            Service::Flow.bad_request(&format!("The source connection {id} does not exist."))
        })?;
        if !allowed("sourceConnectionSpecIds", &source["connectionSpec"]["id"]) {
            return Err(Service::Flow.bad_request(&format!(
                "The source connection {id} uses a connection spec that the flow spec {spec_id} does not support."
            )));
        }
        check_draft(Entity::Source, source, &id)?;
    }
    let mut target_schema = None;
    for id in ids("targetConnectionIds")? {
        let target = find(data, Entity::Target, &id).ok_or_else(|| {
            Service::Flow.bad_request(&format!("The target connection {id} does not exist."))
        })?;
        if !allowed("targetConnectionSpecIds", &target["connectionSpec"]["id"]) {
            return Err(Service::Flow.bad_request(&format!(
                "The target connection {id} uses a connection spec that the flow spec {spec_id} does not support."
            )));
        }
        check_draft(Entity::Target, target, &id)?;
        target_schema = target.pointer("/data/schema/id").cloned();
    }
    if let Some(transformations) = flow.get("transformations") {
        let list = transformations
            .as_array()
            .ok_or_else(|| Service::Flow.bad_request("transformations must be an array."))?;
        for transformation in list {
            if transformation.get("name").and_then(Value::as_str) != Some("Mapping") {
                return Err(Service::Flow.bad_request("The transformation name must be Mapping."));
            }
            let (mapping_id, version) = mapping_params(transformation)
                .ok_or_else(|| Service::Flow.bad_request("transformations[].params.mappingId (and a numeric mappingVersion) are required."))?;
            let mapping = data
                .mapping_sets
                .get(&mapping_id)
                .and_then(|versions| versions.get(version))
                .ok_or_else(|| {
                    Service::Flow.bad_request(&format!(
                        "The mapping set {mapping_id} version {version} does not exist."
                    ))
                })?;
            let mapping_schema = mapping
                .pointer("/outputSchema/schemaRef/id")
                .and_then(Value::as_str);
            let target_schema = target_schema.as_ref().and_then(Value::as_str);
            let same = match (mapping_schema, target_schema) {
                (Some(a), Some(b)) => {
                    let resolve = |id: &str| {
                        find_schema(data, id)
                            .and_then(|s| s.get("$id"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    };
                    resolve(a) == resolve(b)
                }
                _ => false,
            };
            if !same {
                return Err(Service::Flow.bad_request(
                    "The mapping set's output schema is not the target connection's schema.",
                ));
            }
        }
    }
    Ok(())
}

async fn create_flow(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let draft = draft_mode(query.as_deref())?;
    let body = json_object(&headers, &body, Service::Flow)?;
    require_name(&body)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.bad_request("Unknown sandbox."))?;
    let candidate = Value::Object(body.clone());
    check_flow(&sim, data, &candidate, draft)?;
    let id = random_uuid();
    let etag = new_etag();
    let now = sim.clock.now_ms();
    let mut item = audit_fields(&caller, now);
    item.insert("id".into(), json!(id));
    item.insert(
        "name".into(),
        body.get("name").cloned().unwrap_or(Value::Null),
    );
    if let Some(description) = body.get("description") {
        item.insert("description".into(), description.clone());
    }
    let spec_id = body
        .get("flowSpec")
        .and_then(|s| s.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    let spec_version = body
        .get("flowSpec")
        .and_then(|s| s.get("version"))
        .cloned()
        .unwrap_or(json!("1.0"));
    item.insert(
        "flowSpec".into(),
        json!({ "id": spec_id, "version": spec_version }),
    );
    item.insert("state".into(), json!(if draft { DRAFT } else { "enabled" }));
    // The Chatlio tutorial reads the flow back with another etag than the create answer
    // and `lastOperation.operation: enable`: Flow Service enables a new flow right after
    // answering. A draft stays as created.
    let stored_etag = if draft { etag.clone() } else { new_etag() };
    item.insert("version".into(), json!(stored_etag));
    item.insert("etag".into(), json!(stored_etag));
    for key in [
        "sourceConnectionIds",
        "targetConnectionIds",
        "transformations",
        "scheduleParams",
        "labels",
    ] {
        if let Some(value) = body.get(key) {
            item.insert(key.into(), value.clone());
        }
    }
    let mut options = body
        .get("options")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    options.remove("inletUrl");
    item.insert("options".into(), Value::Object(options));
    item.insert("runs".into(), json!(format!("/runs?property=flowId=={id}")));
    item.insert("providerRefId".into(), json!(random_uuid()));
    let operation = if draft { "create" } else { "enable" };
    item.insert(
        "lastOperation".into(),
        json!({ "started": now, "updated": now, "operation": operation }),
    );
    item.insert(
        "_sim".into(),
        json!({ "inletId": random_hex(32), ACTIVATED_AT: now }),
    );
    data.flows.push(Value::Object(item));
    drop(platform);
    sim.mark_dirty();
    rebuild_inlets(&sim);
    Ok(created(&id, &etag, Some(format!("{BASE}/flows/{id}"))))
}

/// The newest run whose window has closed: `lastRunDetails` reports only finished runs,
/// whose `state` the spec limits to `success` or `failed`.
fn latest_closed_run(sim: &Sim, flow_id: &str, now: i64) -> Option<RunWindow> {
    let runs = sim.runs.read().get(flow_id).cloned()?;
    let latest = runs
        .lock()
        .runs
        .iter()
        .filter(|run| run.is_closed(now))
        .max_by_key(|run| run.window_start_ms)
        .cloned();
    latest
}

/// The stored flow as the API returns it (inherited attributes, inlet URL, last run).
fn render_flow(sim: &Sim, data: &SandboxData, flow: &Value) -> Value {
    let mut out = flow.clone();
    let inlet_id = flow
        .pointer("/_sim/inletId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(map) = out.as_object_mut() {
        map.remove("_sim");
    }
    // A draft has no streaming endpoint until it is published.
    if !is_draft(flow) {
        out["options"]["inletUrl"] = json!(format!("{}/collection/{inlet_id}", sim.base_url()));
    }
    let connections = |entity: Entity, key: &str| -> Vec<Value> {
        flow.get(key)
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(|id| {
                        let spec = find(data, entity, id)
                            .map(|c| c["connectionSpec"].clone())
                            .unwrap_or(Value::Null);
                        json!({ "id": id, "connectionSpec": spec })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    out["inheritedAttributes"] = json!({
        "properties": { "isSourceFlow": true },
        "sourceConnections": connections(Entity::Source, "sourceConnectionIds"),
        "targetConnections": connections(Entity::Target, "targetConnectionIds"),
    });
    if let Some(id) = flow.get("id").and_then(Value::as_str) {
        let now = sim.clock.now_ms();
        if let Some(run) = latest_closed_run(sim, id, now) {
            out["lastRunDetails"] = json!({
                "id": run.id,
                "state": run.status(now),
                "startedAtUTC": run.window_start_ms,
                "completedAtUTC": run.window_end_ms,
            });
        }
    }
    out
}

fn render(sim: &Sim, data: &SandboxData, entity: Entity, item: &Value) -> Value {
    match entity {
        Entity::Flow => render_flow(sim, data, item),
        _ => item.clone(),
    }
}

fn get_entity(
    sim: &Sim,
    caller: &Caller,
    entity: Entity,
    id: &str,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    let platform = sim.platform.read();
    let data = platform
        .data
        .get(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    let item = find(data, entity, id).ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    Ok(Json(json!({ "items": [render(sim, data, entity, item)] })))
}

fn list_entities(
    sim: &Sim,
    caller: &Caller,
    entity: Entity,
    query: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    let platform = sim.platform.read();
    let items: Vec<Value> = platform
        .data
        .get(&caller.sandbox.name)
        .map(|data| {
            entity
                .list(data)
                .iter()
                .map(|i| render(sim, data, entity, i))
                .collect()
        })
        .unwrap_or_default();
    drop(platform);
    list_response(entity.kind(), items, query)
}

fn strip_quotes(text: &str) -> &str {
    text.trim().trim_start_matches("W/").trim_matches('"')
}

fn version_mismatch(supplied: &str, current: &str) -> ApiError {
    flow_errors::version_mismatch(supplied, current)
}

const READ_ONLY: &[&str] = &[
    "id",
    "etag",
    "version",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
    "createdClient",
    "updatedClient",
    "sandboxId",
    "sandboxName",
    "imsOrgId",
    "inheritedAttributes",
    "flowSpec",
    "connectionSpec",
    "state",
    "runs",
    "_sim",
    "lastOperation",
    "providerRefId",
    "lastRunDetails",
];

fn patch_entity(
    sim: &Sim,
    caller: &Caller,
    entity: Entity,
    id: &str,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let Some(if_match) = header_str(headers, "if-match") else {
        return Err(flow_errors::if_match_missing());
    };
    let patch = json_body(headers, body, Service::Flow)?;
    let ops = patch
        .as_array()
        .ok_or_else(|| Service::Flow.bad_request("The body must be a JSON Patch array."))?;
    for op in ops {
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        if READ_ONLY.contains(&first) || (first == "options" && path.contains("inletUrl")) {
            return Err(Service::Flow.bad_request(&format!("The path {path} cannot be changed.")));
        }
    }
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    let index = entity
        .list(data)
        .iter()
        .position(|i| i["id"] == json!(id))
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    let current = entity.list(data)[index]["etag"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if strip_quotes(if_match) != strip_quotes(&current) {
        return Err(version_mismatch(if_match, &current));
    }
    let mut item = entity.list(data)[index].clone();
    crate::util::apply_json_patch(&mut item, &patch).map_err(|m| Service::Flow.bad_request(&m))?;
    if entity == Entity::Flow {
        let draft = is_draft(&item);
        check_flow(sim, data, &item, draft)?;
    }
    if item.get("name").is_some_and(|n| !n.is_string()) {
        return Err(Service::Flow.bad_request("name must be a string."));
    }
    let etag = new_etag();
    let now = sim.clock.now_ms();
    item["etag"] = json!(etag);
    item["version"] = json!(etag);
    item["updatedAt"] = json!(now);
    item["updatedClient"] = json!(caller.client_id);
    if entity == Entity::Flow {
        item["lastOperation"] = json!({ "started": now, "updated": now, "operation": "update" });
    }
    entity.list_mut(data)[index] = item;
    drop(platform);
    sim.mark_dirty();
    rebuild_inlets(sim);
    Ok(Json(json!({ "id": id, "etag": etag })))
}

fn delete_entity(
    sim: &Sim,
    caller: &Caller,
    entity: Entity,
    id: &str,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    if find(data, entity, id).is_none() {
        return Err(Service::Flow.not_found(entity.kind(), id));
    }
    let key = match entity {
        Entity::Source => Some("sourceConnectionIds"),
        Entity::Target => Some("targetConnectionIds"),
        Entity::Flow => None,
    };
    if let Some(key) = key {
        let used = data.flows.iter().any(|f| {
            f.get(key)
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.contains(&json!(id)))
        });
        if used {
            return Err(flow_errors::used_by_flows(id));
        }
    }
    entity.list_mut(data).retain(|i| i["id"] != json!(id));
    drop(platform);
    if entity == Entity::Flow {
        sim.runs.write().remove(id);
    }
    sim.mark_dirty();
    rebuild_inlets(sim);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn get_source(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    get_entity(&sim, &caller, Entity::Source, &id)
}
async fn get_target(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    get_entity(&sim, &caller, Entity::Target, &id)
}
async fn get_flow(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    get_entity(&sim, &caller, Entity::Flow, &id)
}
async fn list_sources(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list_entities(&sim, &caller, Entity::Source, query.as_deref())
}
async fn list_targets(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list_entities(&sim, &caller, Entity::Target, query.as_deref())
}
async fn list_flows(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list_entities(&sim, &caller, Entity::Flow, query.as_deref())
}
async fn patch_source(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    patch_entity(&sim, &caller, Entity::Source, &id, &headers, &body)
}
async fn patch_target(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    patch_entity(&sim, &caller, Entity::Target, &id, &headers, &body)
}
async fn patch_flow(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    patch_entity(&sim, &caller, Entity::Flow, &id, &headers, &body)
}
async fn delete_source(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_entity(&sim, &caller, Entity::Source, &id)
}
async fn delete_target(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_entity(&sim, &caller, Entity::Target, &id)
}
async fn delete_flow(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_entity(&sim, &caller, Entity::Flow, &id)
}

async fn source_action(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    connection_action(
        &sim,
        &caller,
        Entity::Source,
        &id,
        query.as_deref(),
        &headers,
    )
}

async fn target_action(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    connection_action(
        &sim,
        &caller,
        Entity::Target,
        &id,
        query.as_deref(),
        &headers,
    )
}

/// `POST /{source,target}Connections/{id}/action?op=publish`: a draft connection becomes
/// `enabled`. Other operations are not emulated.
fn connection_action(
    sim: &Sim,
    caller: &Caller,
    entity: Entity,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let pairs = query_pairs(query);
    let op = query_get(&pairs, "op")
        .ok_or_else(|| Service::Flow.bad_request("The op query parameter is required (publish)."))?
        .to_ascii_lowercase();
    if op != "publish" {
        return Err(Service::Flow.bad_request(&format!(
            "The operation {op} is not supported on {}; use publish.",
            entity.kind()
        )));
    }
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    let item = entity
        .list_mut(data)
        .iter_mut()
        .find(|i| i["id"] == json!(id))
        .ok_or_else(|| Service::Flow.not_found(entity.kind(), id))?;
    let current = item["etag"].as_str().unwrap_or_default().to_string();
    if let Some(if_match) = header_str(headers, "if-match") {
        if strip_quotes(if_match) != strip_quotes(&current) {
            return Err(version_mismatch(if_match, &current));
        }
    }
    if !is_draft(item) {
        return Err(
            Service::Flow.bad_request(&format!("The {} {id} is not a draft.", entity.kind()))
        );
    }
    let etag = new_etag();
    item["state"] = json!("enabled");
    item["etag"] = json!(etag);
    item["version"] = json!(etag);
    item["updatedAt"] = json!(sim.clock.now_ms());
    item["updatedClient"] = json!(caller.client_id);
    drop(platform);
    sim.mark_dirty();
    Ok(Json(json!({ "id": id, "etag": etag })))
}

async fn flow_action(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSources, Service::Flow)?;
    let pairs = query_pairs(query.as_deref());
    let op = query_get(&pairs, "op")
        .ok_or_else(|| {
            Service::Flow
                .bad_request("The op query parameter is required (enable, disable or publish).")
        })?
        .to_ascii_lowercase();
    let state = match op.as_str() {
        "enable" | "publish" => "enabled",
        "disable" => "disabled",
        "finalize_update" | "finalize" => {
            return Err(Service::Flow.bad_request(&format!(
                "The operation {op} is not supported for streaming source flows."
            )))
        }
        _ => {
            return Err(Service::Flow.bad_request(&format!(
                "Unknown operation {op}; use enable, disable or publish."
            )))
        }
    };
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Flow.not_found("flows", &id))?;
    let index = data
        .flows
        .iter()
        .position(|f| f["id"] == json!(id))
        .ok_or_else(|| Service::Flow.not_found("flows", &id))?;
    let current = data.flows[index]["etag"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(if_match) = header_str(&headers, "if-match") {
        if strip_quotes(if_match) != strip_quotes(&current) {
            return Err(version_mismatch(if_match, &current));
        }
    }
    let draft = is_draft(&data.flows[index]);
    if op == "publish" {
        if !draft {
            return Err(Service::Flow.bad_request(&format!("The flow {id} is not a draft.")));
        }
        // Documented: a dataflow cannot be published while its source or target
        // connections are still drafts.
        for entity in [Entity::Source, Entity::Target] {
            let key = match entity {
                Entity::Source => "sourceConnectionIds",
                _ => "targetConnectionIds",
            };
            let connection_ids: Vec<String> = data.flows[index][key]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            for connection_id in connection_ids {
                if find(data, entity, &connection_id).is_some_and(is_draft) {
                    return Err(Service::Flow.bad_request(&format!(
                        "The {} {connection_id} is still a draft; publish it before the flow.",
                        entity.kind()
                    )));
                }
            }
        }
    } else if draft {
        return Err(Service::Flow.bad_request(&format!(
            "The flow {id} is a draft; publish it (op=publish) before {op}."
        )));
    }
    let flow = &mut data.flows[index];
    let etag = new_etag();
    let now = sim.clock.now_ms();
    flow["state"] = json!(state);
    flow["etag"] = json!(etag);
    flow["version"] = json!(etag);
    flow["updatedAt"] = json!(now);
    flow["lastOperation"] = json!({ "started": now, "updated": now, "operation": op });
    if op == "publish" {
        // Publishing makes the flow live: its warm-up starts now.
        flow["_sim"][ACTIVATED_AT] = json!(now);
    }
    drop(platform);
    sim.mark_dirty();
    rebuild_inlets(&sim);
    Ok(Json(json!({ "id": id, "etag": etag })))
}

/// Run-level code Adobe's documented run carries when records failed
/// (help/sources/tutorials/api/monitor.md): no record count at this level.
const RUN_LEVEL_FAILURE: (&str, &str) = (
    "CONNECTOR-2001-500",
    "Error occurred at promotion activity.",
);
/// Summary code of a run with failed records, also from monitor.md; it has no count.
const INGEST_SUMMARY: &str = "INGEST-1212-400";
/// The activity that writes records to the data lake, named as in monitor.md.
const PROMOTION_ACTIVITY: &str = "promotionActivity";

/// A run as `GET /runs` returns it, laid out like monitor.md's example: record-level
/// errors with `recordCount` under `activities[].statusSummary.extensions.errors`,
/// run-level codes without counts under `metrics.statusSummary.errors`. An open window
/// shows its start and `inProgress` only: its counts and errors appear once it closes.
fn run_json(caller: &Caller, run: &RunWindow, now: i64) -> Value {
    let closed = run.is_closed(now);
    let status = run.status(now);
    let mut run_errors = Vec::new();
    let mut record_errors = Vec::new();
    if closed && run.failed_records > 0 {
        let (code, message) = RUN_LEVEL_FAILURE;
        run_errors.push(json!({ "code": code, "message": message }));
        record_errors.push(json!({
            "code": INGEST_SUMMARY,
            "message": format!(
                "Encountered {} errors in the data. Successfully ingested {} rows. Review the associated diagnostic files for additional details.",
                run.failed_records, run.output_records
            ),
        }));
    }
    if closed {
        record_errors.extend(run.errors.iter().map(|(code, (message, count))| {
            json!({ "code": code, "recordCount": count, "message": message })
        }));
    }
    let (record_summary, size_summary) = if closed {
        (
            json!({
                "inputRecordCount": run.input_records,
                "outputRecordCount": run.output_records,
                "failedRecordCount": run.failed_records,
                "warningRecordCount": run.warning_records,
                "createdRecordCount": run.output_records,
            }),
            json!({ "inputBytes": run.input_bytes, "outputBytes": run.output_bytes }),
        )
    } else {
        (json!({}), json!({}))
    };
    let mut duration = json!({ "startedAtUTC": run.window_start_ms });
    if closed {
        duration["completedAtUTC"] = json!(run.window_end_ms);
    }
    let mut metrics_status = json!({ "status": status, "activityRefs": [PROMOTION_ACTIVITY] });
    let mut activity_status = json!({ "status": status, "extensions": {} });
    if !run_errors.is_empty() {
        metrics_status["errors"] = json!(run_errors);
        activity_status["errors"] = json!(run_errors);
    }
    if !record_errors.is_empty() {
        activity_status["extensions"]["errors"] = json!(record_errors);
    }
    let mut activity_duration = duration.clone();
    activity_duration["extensions"] =
        json!({ "windowStart": run.window_start_ms, "windowEnd": run.window_end_ms });
    json!({
        "id": run.id,
        "createdAt": run.created_ms,
        "updatedAt": run.updated_ms,
        "createdBy": "acp_streaming@AdobeID",
        "updatedBy": "acp_streaming@AdobeID",
        "createdClient": "acp_streaming",
        "updatedClient": "acp_streaming",
        "sandboxId": caller.sandbox.id,
        "sandboxName": caller.sandbox.name,
        "imsOrgId": caller.org_id,
        "flowId": run.flow_id,
        "flowSpec": { "id": STREAMING_FLOW_SPEC, "version": "1.0" },
        "etag": run.etag,
        "metrics": {
            "durationSummary": duration,
            "sizeSummary": size_summary,
            "recordSummary": record_summary,
            "statusSummary": metrics_status,
        },
        "activities": [{
            "id": PROMOTION_ACTIVITY,
            "updatedAtUTC": run.updated_ms,
            "durationSummary": activity_duration,
            "sizeSummary": size_summary,
            "recordSummary": record_summary,
            "statusSummary": activity_status,
            "targetInfo": [{
                "id": run.target_connection_id,
                "type": "TargetConnection",
                "reference": { "type": "Batch", "ids": [run.batch_id] },
            }],
        }],
    })
}

/// The runs of the caller's sandbox, oldest first; of the flows in `only` when given.
fn sandbox_runs(sim: &Sim, caller: &Caller, only: Option<&[String]>) -> Vec<Value> {
    let flow_ids: Vec<String> = sim
        .platform
        .read()
        .data
        .get(&caller.sandbox.name)
        .map(|d| {
            d.flows
                .iter()
                .filter_map(|f| f["id"].as_str().map(str::to_string))
                .filter(|id| {
                    only.is_none_or(|wanted| wanted.iter().any(|w| w.eq_ignore_ascii_case(id)))
                })
                .collect()
        })
        .unwrap_or_default();
    let now = sim.clock.now_ms();
    let mut runs = Vec::new();
    for flow_id in flow_ids {
        let flow_runs = sim.runs.read().get(&flow_id).cloned();
        if let Some(flow_runs) = flow_runs {
            runs.extend(flow_runs.lock().runs.iter().cloned());
        }
    }
    runs.sort_by_key(|run| (run.created_ms, run.window_start_ms));
    runs.iter().map(|run| run_json(caller, run, now)).collect()
}

async fn list_runs(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    // A `flowId==` filter picks the flows whose runs are rendered at all: a week of hourly
    // runs for 50 flows is 8,400 runs, and each request needs only its flow's.
    let (pairs, _) = effective_query("runs", query.as_deref())?;
    let flows: Option<Vec<String>> = parse_filters(&pairs)?
        .into_iter()
        .find(|filter| filter.path == "flowId" && filter.op == FilterOp::Eq)
        .map(|filter| filter.values);
    let runs = sandbox_runs(&sim, &caller, flows.as_deref());
    list_response("runs", runs, query.as_deref())
}

async fn get_run(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::Flow)?;
    sandbox_runs(&sim, &caller, None)
        .into_iter()
        .find(|r| r["id"] == json!(id))
        .map(|r| Json(json!({ "items": [r] })))
        .ok_or_else(|| Service::Flow.not_found("runs", &id))
}

/// Moves every time Flow Service recorded on its entities `shift_ms` into the past (the
/// `/__sim/time/advance` control): creation and update times, the last operation, and
/// the start of each flow's warm-up.
pub fn shift_entity_times(sim: &Sim, shift_ms: i64) {
    let mut platform = sim.platform.write();
    for data in platform.data.values_mut() {
        let entities = data
            .flows
            .iter_mut()
            .chain(data.source_connections.iter_mut())
            .chain(data.target_connections.iter_mut());
        for item in entities {
            for pointer in [
                "/createdAt".to_string(),
                "/updatedAt".to_string(),
                "/lastOperation/started".to_string(),
                "/lastOperation/updated".to_string(),
                format!("/_sim/{ACTIVATED_AT}"),
            ] {
                if let Some(time) = item.pointer_mut(&pointer) {
                    // Zero means "not recorded" in Adobe's examples; keep it.
                    if let Some(ms) = time.as_i64().filter(|ms| *ms != 0) {
                        *time = json!(ms - shift_ms);
                    }
                }
            }
        }
    }
    drop(platform);
    sim.mark_dirty();
    rebuild_inlets(sim);
}

/// Rebuilds the inlet runtimes of every flow (after any change a flow depends on).
pub fn rebuild_inlets(sim: &Sim) {
    let warmup_ms = i64::try_from(sim.config.warmup.as_millis()).unwrap_or(i64::MAX / 4);
    let platform = sim.platform.read();
    let mut runtimes = std::collections::HashMap::new();
    for data in platform.data.values() {
        for flow in &data.flows {
            let Some(flow_id) = flow["id"].as_str() else {
                continue;
            };
            let Some(inlet_id) = flow.pointer("/_sim/inletId").and_then(Value::as_str) else {
                continue;
            };
            // A draft has no inlet until it is published.
            if is_draft(flow) {
                continue;
            }
            let target_connection_id = flow
                .pointer("/targetConnectionIds/0")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let activated = flow
                .pointer(&format!("/_sim/{ACTIVATED_AT}"))
                .or_else(|| flow.get("createdAt"))
                .and_then(Value::as_i64)
                .unwrap_or_default();
            let runtime = InletRuntime {
                inlet_id: inlet_id.to_string(),
                flow_id: flow_id.to_string(),
                org_id: flow["imsOrgId"].as_str().unwrap_or_default().to_string(),
                enabled: flow["state"] == json!("enabled"),
                accepts_data_from_ms: activated.saturating_add(warmup_ms),
                // Only a JSON `true` turns it on: the flow spec's `optionSpec` types the
                // option as a boolean.
                error_diagnostics: flow.pointer("/options/errorDiagnosticsEnabled")
                    == Some(&Value::Bool(true)),
                pipeline: build_pipeline(sim, data, flow, &target_connection_id),
                target_connection_id,
                runs: sim.flow_runs(flow_id),
            };
            runtimes.insert(inlet_id.to_string(), Arc::new(runtime));
        }
    }
    drop(platform);
    *sim.inlets.write() = runtimes;
}

fn build_pipeline(
    sim: &Sim,
    data: &SandboxData,
    flow: &Value,
    target_id: &str,
) -> Result<Pipeline, String> {
    let target = find(data, Entity::Target, target_id)
        .ok_or_else(|| format!("the target connection {target_id} no longer exists"))?;
    let dataset_id = target
        .pointer("/params/dataSetId")
        .and_then(Value::as_str)
        .ok_or_else(|| "the target connection has no dataset".to_string())?;
    let dataset = data
        .datasets
        .get(dataset_id)
        .ok_or_else(|| format!("the dataset {dataset_id} no longer exists"))?;
    let schema_id = dataset
        .pointer("/schemaRef/id")
        .and_then(Value::as_str)
        .ok_or_else(|| "the dataset has no schema".to_string())?;
    let (_, validator) = compile_schema(data, schema_id)?;
    let mapping = match flow.pointer("/transformations/0").and_then(mapping_params) {
        Some((mapping_id, version)) => {
            let mapping = data
                .mapping_sets
                .get(&mapping_id)
                .and_then(|v| v.get(version))
                .ok_or_else(|| {
                    format!("the mapping set {mapping_id} version {version} no longer exists")
                })?;
            let specs = mapping["mappings"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .enumerate()
                        .filter_map(|(i, m)| normalise(m, i).ok())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            Some(CompiledMapping::compile(&specs, &validator).map_err(|p| p.join("; "))?)
        }
        None => None,
    };
    Ok(Pipeline {
        mapping,
        validator,
        dataset_id: dataset_id.to_string(),
        records: sim.dataset_records(dataset_id),
    })
}
