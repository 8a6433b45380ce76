//! Schema Registry (`/data/foundation/schemaregistry`): stats, tenant field groups,
//! schemas and descriptors, the global ExperienceEvent class.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::errors::{ApiError, Service};
use crate::gateway::{json_body, json_object, Caller, RawBody};
use crate::state::{AppState, Permission, SandboxData, Sim};
use crate::util::{
    compare_text, header_str, query_all, query_get, query_pairs, random_hex, scalar_text,
    values_at_path, PropertyFilter,
};
use crate::xdm::{self, Node};

const BASE: &str = "/data/foundation/schemaregistry";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/stats"), get(stats))
        .route(
            &format!("{BASE}/tenant/fieldgroups"),
            get(list_field_groups).post(create_field_group),
        )
        .route(
            &format!("{BASE}/tenant/fieldgroups/{{id}}"),
            get(get_field_group)
                .delete(delete_field_group)
                .patch(patch_field_group),
        )
        .route(
            &format!("{BASE}/tenant/schemas"),
            get(list_schemas).post(create_schema),
        )
        .route(
            &format!("{BASE}/tenant/schemas/{{id}}"),
            get(get_schema).delete(delete_schema).patch(patch_schema),
        )
        .route(
            &format!("{BASE}/tenant/descriptors"),
            get(list_descriptors).post(create_descriptor),
        )
        .route(
            &format!("{BASE}/tenant/descriptors/{{id}}"),
            get(get_descriptor).delete(delete_descriptor),
        )
        .route(&format!("{BASE}/global/classes/{{id}}"), get(get_class))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    FieldGroup,
    Schema,
}

impl Resource {
    fn segment(self) -> &'static str {
        match self {
            Resource::FieldGroup => "mixins",
            Resource::Schema => "schemas",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Resource::FieldGroup => "field group",
            Resource::Schema => "schema",
        }
    }
    fn list(self, data: &SandboxData) -> &Vec<Value> {
        match self {
            Resource::FieldGroup => &data.field_groups,
            Resource::Schema => &data.schemas,
        }
    }
    fn list_mut(self, data: &mut SandboxData) -> &mut Vec<Value> {
        match self {
            Resource::FieldGroup => &mut data.field_groups,
            Resource::Schema => &mut data.schemas,
        }
    }
}

fn same_id(item: &Value, id: &str) -> bool {
    item.get("$id").and_then(Value::as_str) == Some(id)
        || item.get("meta:altId").and_then(Value::as_str) == Some(id)
}

pub fn find_schema<'a>(data: &'a SandboxData, id: &str) -> Option<&'a Value> {
    data.schemas.iter().find(|s| same_id(s, id))
}

/// Resolves and compiles a schema for validation.
pub fn compile_schema(data: &SandboxData, id: &str) -> Result<(Value, Node), String> {
    let schema = find_schema(data, id).ok_or_else(|| format!("schema {id} does not exist"))?;
    let resolved = xdm::resolve_schema(schema, &data.field_groups).map_err(|e| e.to_string())?;
    Ok((schema.clone(), Node::compile(&resolved)))
}

/// The Accept forms of a lookup (`...; version=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookupForm {
    Raw,
    Full,
    NoText,
    FullNoText,
    FullDesc,
}

fn accept_header(headers: &HeaderMap) -> String {
    header_str(headers, "accept")
        .unwrap_or_default()
        .replace(' ', "")
        .to_ascii_lowercase()
}

/// Which request an `Accept` was refused on: the registry answers each with its own code
/// and names the form it wanted (schema-registry.yaml `acceptErrorList`,
/// `acceptErrorLookup`, `acceptErrorDescriptorList`, `acceptErrorDescriptorLookup`;
/// help/xdm/troubleshooting-guide.md "Accept header invalid").
#[derive(Debug, Clone, Copy)]
enum AcceptUse {
    List,
    Lookup,
    DescriptorList,
    DescriptorLookup,
}

fn accept_error(used: AcceptUse, headers: &HeaderMap) -> ApiError {
    let (number, wanted) = match used {
        AcceptUse::List => (1006, "application/vnd.adobe.{xed|xdm}+json"),
        AcceptUse::Lookup => (
            1007,
            "application/vnd.adobe.{xed|xdm}+json; version=1 (Version should be specified)",
        ),
        AcceptUse::DescriptorList => (1008, "application/vnd.adobe.xdm-id+json"),
        AcceptUse::DescriptorLookup => (1009, "application/vnd.adobe.xdm+json"),
    };
    let supplied = header_str(headers, "accept").unwrap_or_default();
    Service::Xdm.problem(
        StatusCode::BAD_REQUEST,
        number,
        "Accept header invalid",
        &format!(
            "The supplied Accept header is not valid: {supplied} - A valid Accept value should look like {wanted}"
        ),
    )
}

fn lookup_form(headers: &HeaderMap) -> Result<LookupForm, ApiError> {
    let accept = accept_header(headers);
    let (media, params) = accept.split_once(';').unwrap_or((accept.as_str(), ""));
    if !params
        .split(';')
        .any(|p| p == "version=1" || p.starts_with("version=1."))
    {
        return Err(accept_error(AcceptUse::Lookup, headers));
    }
    match media {
        "application/vnd.adobe.xed+json" => Ok(LookupForm::Raw),
        "application/vnd.adobe.xed-full+json" | "application/vnd.adobe.xed-deprecatefield+json" => {
            Ok(LookupForm::Full)
        }
        "application/vnd.adobe.xed-notext+json" => Ok(LookupForm::NoText),
        "application/vnd.adobe.xed-full-notext+json" => Ok(LookupForm::FullNoText),
        "application/vnd.adobe.xed-full-desc+json" => Ok(LookupForm::FullDesc),
        _ => Err(accept_error(AcceptUse::Lookup, headers)),
    }
}

/// `true` for the short id form, `false` for full resources.
fn list_form(headers: &HeaderMap) -> Result<bool, ApiError> {
    let accept = accept_header(headers);
    let media = accept.split(';').next().unwrap_or_default();
    match media {
        "application/vnd.adobe.xed-id+json" => Ok(true),
        "application/vnd.adobe.xed+json" => Ok(false),
        _ => Err(accept_error(AcceptUse::List, headers)),
    }
}

/// The media types of the descriptor list (schema-registry.yaml `acceptDescriptors`).
const DESCRIPTOR_LIST_MEDIA: &[&str] = &[
    "application/vnd.adobe.xdm-id+json",
    "application/vnd.adobe.xdm-link+json",
    "application/vnd.adobe.xdm+json",
    "application/vnd.adobe.xdm-v2+json",
    "application/vnd.adobe.xdm-v2-id+json",
    "application/vnd.adobe.xdm-v2-link+json",
];

/// A descriptor lookup needs no `Accept` ("Descriptors are not versioned, therefore no
/// `Accept` header is required", schema-registry.yaml `retrieveDescriptor`), but one that
/// is given must be an `xdm` form: `application/json` or an `xed` form is `XDM-1009-400`.
/// `*/*` (what HTTP libraries send by default) counts as none.
fn check_descriptor_lookup_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let accept = accept_header(headers);
    let media = accept.split(';').next().unwrap_or_default();
    if media.is_empty() || media == "*/*" || DESCRIPTOR_LIST_MEDIA.contains(&media) {
        Ok(())
    } else {
        Err(accept_error(AcceptUse::DescriptorLookup, headers))
    }
}

fn strip_text(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("title");
            map.remove("description");
            for child in map.values_mut() {
                strip_text(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_text),
        _ => {}
    }
}

fn render(data: &SandboxData, resource: Resource, item: &Value, form: LookupForm) -> Value {
    let mut out = item.clone();
    let full = matches!(
        form,
        LookupForm::Full | LookupForm::FullNoText | LookupForm::FullDesc
    );
    if full {
        let properties = match resource {
            Resource::Schema => xdm::resolve_schema(item, &data.field_groups)
                .ok()
                .and_then(|r| r.get("properties").cloned()),
            Resource::FieldGroup => Some(Value::Object(xdm::field_group_properties(item))),
        };
        if let Some(map) = out.as_object_mut() {
            map.remove("allOf");
            map.remove("definitions");
            map.insert("properties".into(), properties.unwrap_or_else(|| json!({})));
            if resource == Resource::Schema {
                let required = xdm::resolve_schema(item, &data.field_groups)
                    .ok()
                    .and_then(|r| r.get("required").cloned())
                    .unwrap_or_else(|| json!([]));
                map.insert("required".into(), required);
            }
        }
    }
    if matches!(form, LookupForm::NoText | LookupForm::FullNoText) {
        strip_text(&mut out);
    }
    if form == LookupForm::FullDesc {
        let id = item.get("$id").cloned().unwrap_or(Value::Null);
        let descriptors: Vec<Value> = data
            .descriptors
            .iter()
            .filter(|d| d.get("xdm:sourceSchema") == Some(&id))
            .cloned()
            .collect();
        out["meta:descriptors"] = Value::Array(descriptors);
    }
    out
}

fn sandbox_data<'a>(
    platform: &'a crate::state::PlatformState,
    caller: &Caller,
) -> Result<&'a SandboxData, ApiError> {
    platform
        .data
        .get(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))
}

async fn stats(State(sim): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    let platform = sim.platform.read();
    let data = sandbox_data(&platform, &caller)?;
    let summary = |item: &Value| {
        json!({
            "title": item.get("title"),
            "description": item.get("description"),
            "meta:resourceType": item.get("meta:resourceType"),
            "meta:created": item.pointer("/meta:registryMetadata/repo:createdDate"),
            "version": item.get("version"),
        })
    };
    let mut recent: Vec<&Value> = data
        .schemas
        .iter()
        .chain(data.field_groups.iter())
        .collect();
    recent.sort_by_key(|i| {
        std::cmp::Reverse(
            i.pointer("/meta:registryMetadata/repo:createdDate")
                .and_then(Value::as_i64),
        )
    });
    // One union per class that has a Profile-enabled schema (help/xdm/api/unions.md).
    let mut union_classes: Vec<&str> = data
        .schemas
        .iter()
        .filter(|schema| is_union(schema))
        .filter_map(|schema| schema.get("meta:class").and_then(Value::as_str))
        .collect();
    union_classes.sort_unstable();
    union_classes.dedup();
    let unions = union_classes.len();
    let mut class_usage = serde_json::Map::new();
    for schema in &data.schemas {
        if let Some(class) = schema.get("meta:class").and_then(Value::as_str) {
            let entry = class_usage
                .entry(class.to_string())
                .or_insert_with(|| json!([]));
            if let Value::Array(list) = entry {
                list.push(json!({ "$id": schema.get("$id"), "title": schema.get("title"), "description": schema.get("description") }));
            }
        }
    }
    Ok(Json(json!({
        "imsOrg": caller.org_id,
        "tenantId": sim.config.tenant_id,
        "counts": {
            "schemas": data.schemas.len(),
            "mixins": data.field_groups.len(),
            "datatypes": 0,
            "classes": 0,
            "unions": unions,
        },
        "recentlyCreatedResources": recent.iter().take(5).map(|i| summary(i)).collect::<Vec<_>>(),
        "recentlyUpdatedResources": recent.iter().take(5).map(|i| summary(i)).collect::<Vec<_>>(),
        "classUsage": Value::Object(class_usage),
    })))
}

/// Page size when no `limit` is given: "the Schema Registry limits result sets to 300
/// items" (help/xdm/api/schemas.md "Retrieve a list of schemas").
const DEFAULT_PAGE_SIZE: usize = 300;
/// Largest `limit` (help/xdm/api/appendix.md "Paging": between 0 and 500).
const MAX_PAGE_SIZE: usize = 500;
/// The order of a list without `orderby`: the spec's list examples answer
/// `"_page": {"orderby": "updated"}` (schema-registry.yaml).
const DEFAULT_ORDERBY: &str = "updated";

/// The JSON path behind an `orderby` field name: `updated` and `created` are the
/// registry's own timestamps.
fn order_path(field: &str) -> String {
    match field {
        "updated" => "meta:registryMetadata.repo:lastModifiedDate".into(),
        "created" => "meta:registryMetadata.repo:createdDate".into(),
        other => other.into(),
    }
}

/// `orderby=title,-version` as (path, descending) pairs, primary first.
fn order_keys(orderby: &str) -> Vec<(String, bool)> {
    orderby
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(|field| match field.strip_prefix('-') {
            Some(rest) => (order_path(rest), true),
            None => (order_path(field.trim_start_matches('+')), false),
        })
        .collect()
}

fn order_value(item: &Value, path: &str) -> Option<String> {
    values_at_path(item, path)
        .first()
        .map(|value| scalar_text(value))
}

fn compare_by(keys: &[(String, bool)], left: &Value, right: &Value) -> std::cmp::Ordering {
    for (path, descending) in keys {
        let ordering = match (order_value(left, path), order_value(right, path)) {
            (Some(l), Some(r)) => compare_text(&l, &r),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        let ordering = if *descending {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    std::cmp::Ordering::Equal
}

/// One page of a registry list, as help/xdm/api/appendix.md "Paging" describes it: sorted
/// by `orderby`, starting strictly after `start` (a value of the primary sort field), at
/// most `limit` items, except that items sharing the last item's primary value stay on
/// the same page so the next `start` skips none ("this value is not strictly honored").
/// `_page.next` is the `start` of the next page (what `aepp` reads) and `_links.next.href`
/// the whole next URL; both are null on the last page.
fn list_resources(
    sim: &Sim,
    caller: &Caller,
    resource: Resource,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    let short = list_form(headers)?;
    let pairs = query_pairs(query);
    let filters = query_all(&pairs, "property")
        .into_iter()
        .map(PropertyFilter::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Service::Xdm.bad_request(&e.to_string()))?;
    let limit = match query_get(&pairs, "limit") {
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_PAGE_SIZE).contains(l))
            .ok_or_else(|| {
                Service::Xdm.bad_request(&format!(
                    "limit must be a positive integer of at most {MAX_PAGE_SIZE}."
                ))
            })?,
        None => DEFAULT_PAGE_SIZE,
    };
    let orderby = query_get(&pairs, "orderby")
        .filter(|order| !order.trim().is_empty())
        .unwrap_or(DEFAULT_ORDERBY)
        .to_string();
    let keys = order_keys(&orderby);
    let Some((primary, descending)) = keys.first().cloned() else {
        return Err(Service::Xdm.bad_request("orderby names no field."));
    };
    let start = query_get(&pairs, "start");
    let platform = sim.platform.read();
    let data = sandbox_data(&platform, caller)?;
    let mut items: Vec<Value> = resource
        .list(data)
        .iter()
        .filter(|item| filters.iter().all(|f| f.matches(item)))
        .filter(|item| {
            start.is_none_or(|start| {
                order_value(item, &primary).is_some_and(|value| {
                    let ordering = compare_text(&value, start);
                    if descending {
                        ordering.is_lt()
                    } else {
                        ordering.is_gt()
                    }
                })
            })
        })
        .cloned()
        .collect();
    drop(platform);
    items.sort_by(|left, right| compare_by(&keys, left, right));
    let mut taken = items.len().min(limit);
    if let Some(last) = taken.checked_sub(1).and_then(|index| items.get(index)) {
        let boundary = order_value(last, &primary);
        while items
            .get(taken)
            .is_some_and(|item| order_value(item, &primary) == boundary)
        {
            taken += 1;
        }
    }
    let next = if taken < items.len() {
        taken
            .checked_sub(1)
            .and_then(|index| items.get(index))
            .and_then(|last| order_value(last, &primary))
    } else {
        None
    };
    items.truncate(taken);
    let results: Vec<Value> = if short {
        items
            .iter()
            .map(|i| {
                json!({
                    "$id": i.get("$id"),
                    "meta:altId": i.get("meta:altId"),
                    "version": i.get("version"),
                    "title": i.get("title"),
                })
            })
            .collect()
    } else {
        items
    };
    let list_url = format!(
        "{}{BASE}/tenant/{}",
        sim.base_url(),
        match resource {
            Resource::Schema => "schemas",
            Resource::FieldGroup => "fieldgroups",
        }
    );
    let next_link = next.as_ref().map(|next| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs.iter().filter(|(key, _)| key != "start") {
            serializer.append_pair(key, value);
        }
        serializer.append_pair("start", next);
        json!({ "href": format!("{list_url}?{}", serializer.finish()) })
    });
    let global_link = match resource {
        Resource::Schema => (
            "global_schemas",
            format!("{}{BASE}/global/schemas", sim.base_url()),
        ),
        Resource::FieldGroup => (
            "global_fieldgroups",
            format!("{}{BASE}/global/fieldgroups", sim.base_url()),
        ),
    };
    Ok(Json(json!({
        "results": results,
        "_page": { "orderby": orderby, "next": next, "count": results.len() },
        "_links": { "next": next_link, global_link.0: { "href": global_link.1 } },
    })))
}

async fn list_field_groups(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list_resources(
        &sim,
        &caller,
        Resource::FieldGroup,
        &headers,
        query.as_deref(),
    )
}

async fn list_schemas(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list_resources(&sim, &caller, Resource::Schema, &headers, query.as_deref())
}

fn get_resource(
    sim: &Sim,
    caller: &Caller,
    resource: Resource,
    id: &str,
    headers: &HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    let form = lookup_form(headers)?;
    let platform = sim.platform.read();
    let data = sandbox_data(&platform, caller)?;
    let item = resource
        .list(data)
        .iter()
        .find(|i| same_id(i, id))
        .ok_or_else(|| not_found(resource, id))?;
    Ok(Json(render(data, resource, item, form)))
}

fn not_found(resource: Resource, id: &str) -> ApiError {
    let number = match resource {
        Resource::Schema => 1010,
        Resource::FieldGroup => 1011,
    };
    Service::Xdm.problem(
        StatusCode::NOT_FOUND,
        number,
        "Resource not found",
        &format!(
            "The requested {} resource {id} with version 1 is not found.",
            resource.segment()
        ),
    )
}

async fn get_field_group(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    get_resource(&sim, &caller, Resource::FieldGroup, &id, &headers)
}

async fn get_schema(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    get_resource(&sim, &caller, Resource::Schema, &id, &headers)
}

fn title_taken(data: &SandboxData, title: &str, except: Option<&str>) -> bool {
    data.schemas
        .iter()
        .chain(data.field_groups.iter())
        .filter(|i| except.is_none_or(|id| !same_id(i, id)))
        .any(|i| {
            i.get("title")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(title))
        })
}

fn title_error(title: &str) -> ApiError {
    Service::Xdm.problem(
        StatusCode::BAD_REQUEST,
        1521,
        "Title not unique",
        &format!("Object titles must be unique. The title {title} is already used by another resource in this sandbox."),
    )
}

fn registry_metadata(caller: &Caller, created: i64, updated: i64) -> Value {
    json!({
        "repo:createdDate": created,
        "repo:lastModifiedDate": updated,
        "xdm:createdClientId": caller.client_id,
        "xdm:lastModifiedClientId": caller.client_id,
        "xdm:createdUserId": caller.user_id,
        "xdm:lastModifiedUserId": caller.user_id,
        "eTag": random_hex(32),
        "meta:globalLibVersion": "1.50.1",
    })
}

/// Checks a field group body: namespace and types (shared by POST and PATCH).
fn check_field_group(sim: &Sim, body: &Value) -> Result<(), ApiError> {
    if body
        .get("meta:intendedToExtend")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        return Err(Service::Xdm.bad_request(
            "meta:intendedToExtend is required and must list the classes this field group extends.",
        ));
    }
    let namespace = format!("_{}", sim.config.tenant_id);
    for field in xdm::top_level_fields(body) {
        if field != namespace {
            return Err(Service::Xdm.problem(
                StatusCode::BAD_REQUEST,
                1020,
                "Namespace validation error",
                &format!("Custom fields must be nested under {namespace}; the field {field} is not allowed at the root."),
            ));
        }
    }
    let properties = xdm::field_group_properties(body);
    if let Some(bad) = xdm::find_bad_type(&properties, "") {
        return Err(Service::Xdm.bad_request(&format!("The field {bad} has an invalid type.")));
    }
    Ok(())
}

fn class_extends(class: &str) -> Vec<Value> {
    let mut extends = vec![json!(class)];
    if let Some(definition) = xdm::global_class(class) {
        if let Some(Value::Array(more)) = definition.get("meta:extends") {
            extends.extend(more.iter().cloned());
        }
    }
    extends
}

/// Checks a schema's allOf; returns its class and the full `meta:extends` list.
fn check_schema(data: &SandboxData, body: &Value) -> Result<(String, Vec<Value>), ApiError> {
    let refs: Vec<String> = body
        .get("allOf")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Service::Xdm.bad_request("A schema needs an allOf that references one class.")
        })?
        .iter()
        .filter_map(|e| e.get("$ref").and_then(Value::as_str).map(str::to_string))
        .collect();
    let classes: Vec<&String> = refs
        .iter()
        .filter(|r| xdm::global_class(r).is_some())
        .collect();
    let [class] = classes.as_slice() else {
        return Err(Service::Xdm.bad_request("A schema must reference exactly one class in allOf."));
    };
    let class = xdm::global_class(class)
        .and_then(|c| c.get("$id").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| (*class).clone());
    let mut extends = class_extends(&class);
    for reference in refs.iter().filter(|r| xdm::global_class(r).is_none()) {
        let group = data
            .field_groups
            .iter()
            .find(|g| same_id(g, reference))
            .ok_or_else(|| not_found(Resource::FieldGroup, reference))?;
        let fits = group
            .get("meta:intendedToExtend")
            .and_then(Value::as_array)
            .is_some_and(|targets| targets.iter().any(|t| t.as_str() == Some(class.as_str())));
        if !fits {
            return Err(Service::Xdm.bad_request(&format!(
                "The field group {reference} is not compatible with the class {class}."
            )));
        }
        if let Some(id) = group.get("$id") {
            extends.push(id.clone());
        }
    }
    Ok((class, extends))
}

fn create_resource(
    sim: &Sim,
    caller: &Caller,
    resource: Resource,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSchemas, Service::Xdm)?;
    let body = Value::Object(json_object(headers, body, Service::Xdm)?);
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Service::Xdm.bad_request("title is required."))?
        .to_string();
    let tenant = sim.config.tenant_id.clone();
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))?;
    if title_taken(data, &title, None) {
        return Err(title_error(&title));
    }
    let mut item = body.clone();
    let hex = random_hex(24);
    let now = sim.clock.now_ms();
    let id = format!("https://ns.adobe.com/{tenant}/{}/{hex}", resource.segment());
    match resource {
        Resource::FieldGroup => {
            check_field_group(sim, &body)?;
            item["meta:extensible"] = json!(true);
            item["meta:abstract"] = json!(true);
        }
        Resource::Schema => {
            let (class, extends) = check_schema(data, &body)?;
            check_union_change(data, &json!({}), &body)?;
            item["meta:class"] = json!(class);
            item["meta:extends"] = Value::Array(extends);
            item["meta:abstract"] = json!(false);
            item["meta:extensible"] = json!(false);
            item["meta:sandboxId"] = json!(caller.sandbox.id);
            item["meta:sandboxType"] = json!(caller.sandbox.sandbox_type);
        }
    }
    if item.get("type").is_none() {
        item["type"] = json!("object");
    }
    item["$id"] = json!(id);
    item["meta:altId"] = json!(format!("_{tenant}.{}.{hex}", resource.segment()));
    item["meta:resourceType"] = json!(resource.segment());
    item["version"] = json!("1.0");
    item["imsOrg"] = json!(caller.org_id);
    item["meta:xdmType"] = json!("object");
    item["meta:registryMetadata"] = registry_metadata(caller, now, now);
    item["meta:containerId"] = json!("tenant");
    item["meta:tenantNamespace"] = json!(format!("_{tenant}"));
    resource.list_mut(data).push(item.clone());
    drop(platform);
    sim.mark_dirty();
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

async fn create_field_group(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    create_resource(&sim, &caller, Resource::FieldGroup, &headers, &body)
}

async fn create_schema(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    create_resource(&sim, &caller, Resource::Schema, &headers, &body)
}

fn bump_minor(version: Option<&Value>) -> String {
    let text = version.and_then(Value::as_str).unwrap_or("1.0");
    let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
    let minor: u64 = minor.parse().unwrap_or(0);
    format!("{major}.{}", minor + 1)
}

fn patch_resource(
    sim: &Sim,
    caller: &Caller,
    resource: Resource,
    id: &str,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSchemas, Service::Xdm)?;
    let patch = json_body(headers, body, Service::Xdm)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))?;
    let index = resource
        .list(data)
        .iter()
        .position(|i| same_id(i, id))
        .ok_or_else(|| not_found(resource, id))?;
    let mut item = resource.list(data)[index].clone();
    let readonly = [
        "$id",
        "meta:altId",
        "meta:resourceType",
        "meta:containerId",
        "imsOrg",
        "meta:registryMetadata",
    ];
    if let Some(ops) = patch.as_array() {
        for op in ops {
            let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
            let first = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            if readonly.contains(&first) {
                return Err(
                    Service::Xdm.bad_request(&format!("The field {first} cannot be changed."))
                );
            }
        }
    }
    crate::util::apply_json_patch(&mut item, &patch).map_err(|m| Service::Xdm.bad_request(&m))?;
    let own_id = item
        .get("$id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(title) = item.get("title").and_then(Value::as_str) {
        if title_taken(data, title, Some(&own_id)) {
            return Err(title_error(title));
        }
    }
    match resource {
        Resource::FieldGroup => check_field_group(sim, &item)?,
        Resource::Schema => {
            let (class, extends) = check_schema(data, &item)?;
            item["meta:class"] = json!(class);
            item["meta:extends"] = Value::Array(extends);
            check_union_change(data, &resource.list(data)[index], &item)?;
        }
    }
    let created = item
        .pointer("/meta:registryMetadata/repo:createdDate")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| sim.clock.now_ms());
    item["version"] = json!(bump_minor(item.get("version")));
    item["meta:registryMetadata"] = registry_metadata(caller, created, sim.clock.now_ms());
    resource.list_mut(data)[index] = item.clone();
    drop(platform);
    sim.mark_dirty();
    crate::flow_service::rebuild_inlets(sim);
    Ok(Json(item))
}

/// The tag that enables a schema for Real-Time Customer Profile
/// (help/xdm/api/schemas.md "Enable a schema for use in Real-time Customer Profile").
const UNION_TAG: &str = "union";

/// Whether a schema carries the `union` tag in `meta:immutableTags`.
pub fn is_union(schema: &Value) -> bool {
    schema
        .get("meta:immutableTags")
        .and_then(Value::as_array)
        .is_some_and(|tags| tags.iter().any(|tag| tag.as_str() == Some(UNION_TAG)))
}

/// The Profile rules of a schema PATCH:
/// * `meta:immutableTags` must stay a list of strings;
/// * an immutable tag, once set, is never removed ("Immutable tags are tags that are
///   intended to be set, but never removed", help/xdm/api/schemas.md); Adobe documents no
///   error for trying, so this answers a plain `XDM-1000-400` (assumed);
/// * adding `union` needs an `identityMap` field or a primary identity descriptor, else
///   `XDM-1528-400` (help/xdm/troubleshooting-guide.md "The schema must include an
///   identityMap or primary identity").
fn check_union_change(data: &SandboxData, before: &Value, after: &Value) -> Result<(), ApiError> {
    let tags = |schema: &Value| -> Result<Vec<String>, ApiError> {
        match schema.get("meta:immutableTags") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|tag| {
                    tag.as_str().map(str::to_string).ok_or_else(|| {
                        Service::Xdm.bad_request("meta:immutableTags must be an array of strings.")
                    })
                })
                .collect(),
            Some(_) => {
                Err(Service::Xdm.bad_request("meta:immutableTags must be an array of strings."))
            }
        }
    };
    let old_tags = tags(before)?;
    let new_tags = tags(after)?;
    if let Some(removed) = old_tags.iter().find(|tag| !new_tags.contains(tag)) {
        return Err(Service::Xdm.bad_request(&format!(
            "The immutable tag {removed} cannot be removed from a schema once it is set."
        )));
    }
    if is_union(after) && !is_union(before) && !can_join_union(data, after) {
        return Err(Service::Xdm.problem(
            StatusCode::BAD_REQUEST,
            1528,
            "Union descriptor validation error",
            "To participate in a union, a schema must include an identityMap fieldgroup or a primary identity descriptor.",
        ));
    }
    Ok(())
}

/// A schema may join its class's union when its resolved fields have a root
/// `identityMap` (the ExperienceEvent class has one; the Individual Profile class gets it
/// from the IdentityMap field group) or a primary identity descriptor names it.
fn can_join_union(data: &SandboxData, schema: &Value) -> bool {
    let has_identity_map = xdm::resolve_schema(schema, &data.field_groups)
        .ok()
        .and_then(|resolved| resolved.pointer("/properties/identityMap").cloned())
        .is_some();
    let id = schema.get("$id");
    has_identity_map
        || data.descriptors.iter().any(|descriptor| {
            descriptor.get("xdm:sourceSchema") == id
                && descriptor.get("@type").and_then(Value::as_str) == Some("xdm:descriptorIdentity")
                && descriptor.get("xdm:isPrimary").and_then(Value::as_bool) == Some(true)
        })
}

async fn patch_field_group(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    patch_resource(&sim, &caller, Resource::FieldGroup, &id, &headers, &body)
}

async fn patch_schema(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    patch_resource(&sim, &caller, Resource::Schema, &id, &headers, &body)
}

fn delete_resource(
    sim: &Sim,
    caller: &Caller,
    resource: Resource,
    id: &str,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageSchemas, Service::Xdm)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))?;
    let item = resource
        .list(data)
        .iter()
        .find(|i| same_id(i, id))
        .cloned()
        .ok_or_else(|| not_found(resource, id))?;
    let full_id = item.get("$id").cloned().unwrap_or(Value::Null);
    // "delete the schema if it has not been enabled for Real-Time Customer Profile or has
    // associated datasets" (help/xdm/ui/resources/schemas.md "More actions"); the API's
    // error for it is not documented, so it answers a plain XDM-1000-400 (assumed).
    if resource == Resource::Schema && is_union(&item) {
        return Err(Service::Xdm.bad_request(&format!(
            "The schema {id} is enabled for Profile and cannot be deleted."
        )));
    }
    let referenced = match resource {
        Resource::FieldGroup => data.schemas.iter().any(|s| {
            s.get("meta:extends")
                .and_then(Value::as_array)
                .is_some_and(|e| e.contains(&full_id))
        }),
        Resource::Schema => data
            .datasets
            .values()
            .any(|d| d.pointer("/schemaRef/id") == Some(&full_id)),
    };
    if referenced {
        return Err(Service::Xdm.bad_request(&format!(
            "The {} {id} is referenced by other resources and cannot be deleted.",
            resource.noun()
        )));
    }
    resource.list_mut(data).retain(|i| !same_id(i, id));
    if resource == Resource::Schema {
        data.descriptors
            .retain(|d| d.get("xdm:sourceSchema") != Some(&full_id));
    }
    drop(platform);
    sim.mark_dirty();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_field_group(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_resource(&sim, &caller, Resource::FieldGroup, &id)
}

async fn delete_schema(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_resource(&sim, &caller, Resource::Schema, &id)
}

async fn get_class(
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    let form = lookup_form(&headers)?;
    let mut class = xdm::global_class(&id).ok_or_else(|| {
        Service::Xdm.problem(
            StatusCode::NOT_FOUND,
            1012,
            "Resource not found",
            &format!("The requested class resource {id} with version 1 is not found."),
        )
    })?;
    if matches!(form, LookupForm::NoText | LookupForm::FullNoText) {
        strip_text(&mut class);
    }
    Ok(Json(class))
}

const DESCRIPTOR_TYPES: &[&str] = &[
    "xdm:descriptorIdentity",
    "xdm:alternateDisplayInfo",
    "xdm:descriptorOneToOne",
    "xdm:descriptorReferenceIdentity",
    "xdm:descriptorDeprecated",
    "xdm:descriptorRelationship",
];

async fn create_descriptor(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageIdentityMetadata, Service::Xdm)?;
    let body = json_object(&headers, &body, Service::Xdm)?;
    let kind = body
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !DESCRIPTOR_TYPES.contains(&kind) {
        return Err(Service::Xdm.bad_request(&format!(
            "@type must be one of {}.",
            DESCRIPTOR_TYPES.join(", ")
        )));
    }
    let schema_id = body
        .get("xdm:sourceSchema")
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Xdm.bad_request("xdm:sourceSchema is required."))?
        .to_string();
    let property = body
        .get("xdm:sourceProperty")
        .and_then(Value::as_str)
        .ok_or_else(|| Service::Xdm.bad_request("xdm:sourceProperty is required."))?
        .to_string();
    if !property.starts_with('/')
        || property.ends_with('/')
        || property.split('/').any(|s| s == "properties")
    {
        return Err(Service::Xdm.bad_request("xdm:sourceProperty must start with '/', not end with '/', and not contain 'properties'."));
    }
    if kind == "xdm:descriptorIdentity"
        && body.get("xdm:namespace").and_then(Value::as_str).is_none()
    {
        return Err(Service::Xdm.bad_request("xdm:namespace is required for identity descriptors."));
    }
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))?;
    let (schema, node) =
        compile_schema(data, &schema_id).map_err(|_| not_found(Resource::Schema, &schema_id))?;
    let path: Vec<String> = property
        .trim_start_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    if node.lookup(&path).is_none() {
        return Err(Service::Xdm.bad_request(&format!(
            "The property {property} does not exist in the schema {schema_id}."
        )));
    }
    if body.get("xdm:isPrimary").and_then(Value::as_bool) == Some(true) {
        let full_id = schema.get("$id").cloned();
        let has_primary = data.descriptors.iter().any(|d| {
            d.get("xdm:sourceSchema") == full_id.as_ref()
                && d.get("xdm:isPrimary").and_then(Value::as_bool) == Some(true)
        });
        if has_primary {
            return Err(
                Service::Xdm.bad_request("The schema already has a primary identity descriptor.")
            );
        }
    }
    let now = sim.clock.now_ms();
    let mut item = Value::Object(body);
    item["xdm:sourceSchema"] = schema.get("$id").cloned().unwrap_or(json!(schema_id));
    item["meta:containerId"] = json!("tenant");
    item["@id"] = json!(random_hex(20));
    item["imsOrg"] = json!(caller.org_id);
    item["createdUser"] = json!(caller.user_id);
    item["updatedUser"] = json!(caller.user_id);
    item["createdClient"] = json!(caller.client_id);
    item["created"] = json!(now);
    item["updated"] = json!(now);
    data.descriptors.push(item.clone());
    drop(platform);
    sim.mark_dirty();
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

async fn get_descriptor(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    check_descriptor_lookup_accept(&headers)?;
    let platform = sim.platform.read();
    let data = sandbox_data(&platform, &caller)?;
    data.descriptors
        .iter()
        .find(|d| d.get("@id").and_then(Value::as_str) == Some(id.as_str()))
        .cloned()
        .map(Json)
        .ok_or_else(|| {
            Service::Xdm.problem(
                StatusCode::NOT_FOUND,
                1013,
                "Resource not found",
                &format!("The requested descriptor {id} is not found."),
            )
        })
}

async fn list_descriptors(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewSchemas, Service::Xdm)?;
    let accept = accept_header(&headers);
    let media = accept.split(';').next().unwrap_or_default().to_string();
    if !DESCRIPTOR_LIST_MEDIA.contains(&media.as_str()) {
        return Err(accept_error(AcceptUse::DescriptorList, &headers));
    }
    let pairs = query_pairs(query.as_deref());
    let filters = query_all(&pairs, "property")
        .into_iter()
        .map(PropertyFilter::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Service::Xdm.bad_request(&e.to_string()))?;
    let platform = sim.platform.read();
    let data = sandbox_data(&platform, &caller)?;
    let mut grouped = serde_json::Map::new();
    for descriptor in data
        .descriptors
        .iter()
        .filter(|descriptor| filters.iter().all(|f| f.matches(descriptor)))
    {
        let kind = descriptor
            .get("@type")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let id = descriptor
            .get("@id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let entry = match media.as_str() {
            "application/vnd.adobe.xdm-id+json" | "application/vnd.adobe.xdm-v2-id+json" => {
                json!(id)
            }
            "application/vnd.adobe.xdm-link+json" | "application/vnd.adobe.xdm-v2-link+json" => {
                json!(format!("/tenant/descriptors/{id}"))
            }
            _ => descriptor.clone(),
        };
        let list = grouped.entry(kind).or_insert_with(|| json!([]));
        if let Value::Array(items) = list {
            items.push(entry);
        }
    }
    let mut response = Json(Value::Object(grouped)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

async fn delete_descriptor(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageIdentityMetadata, Service::Xdm)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::Xdm.bad_request("Unknown sandbox."))?;
    let before = data.descriptors.len();
    data.descriptors
        .retain(|d| d.get("@id").and_then(Value::as_str) != Some(id.as_str()));
    if data.descriptors.len() == before {
        return Err(Service::Xdm.problem(
            StatusCode::NOT_FOUND,
            1013,
            "Resource not found",
            &format!("The requested descriptor {id} is not found."),
        ));
    }
    drop(platform);
    sim.mark_dirty();
    Ok(StatusCode::NO_CONTENT.into_response())
}
