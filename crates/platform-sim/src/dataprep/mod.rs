//! Data Prep (`/data/foundation/conversion`): mapping sets, validation, preview, and the
//! compiled mappings the streaming inlet applies.

pub mod expr;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::errors::{ApiError, Service};
use crate::gateway::{json_object, Caller, RawBody};
use crate::schema_registry::compile_schema;
use crate::state::{AppState, Permission, RecordError, SandboxData};
use crate::util::{query_get, query_pairs, random_hex};
use crate::xdm::{Kind, Node};

use expr::{parse, parse_path, Expr};

/// Error code for a field the mapper could not produce.
pub const MAPPER_ERROR: &str = "MAPPER-3700-400";

#[derive(Debug, Clone)]
enum Source {
    Attribute(Vec<String>),
    Expression(Expr),
    Static(Value),
}

#[derive(Debug, Clone)]
struct Entry {
    source: Source,
    destination: Vec<String>,
    destination_text: String,
    kind: Kind,
}

/// A mapping set compiled against its target schema, ready to apply to records.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    entries: Vec<Entry>,
}

/// The result of applying a mapping to one input record.
#[derive(Debug, Clone)]
pub struct MappingOutcome {
    pub record: Value,
    pub warnings: Vec<RecordError>,
}

/// One mapping in either request dialect, normalised.
#[derive(Debug, Clone)]
pub struct MappingSpec {
    pub source_type: String,
    pub source: String,
    pub destination: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

pub fn normalise(mapping: &Value, index: usize) -> Result<MappingSpec, String> {
    let object = mapping
        .as_object()
        .ok_or_else(|| format!("mappings[{index}] must be an object"))?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
    let destination = text("destination")
        .or_else(|| text("destinationXdmPath"))
        .filter(|d| !d.is_empty())
        .ok_or_else(|| format!("mappings[{index}] needs a destination (or destinationXdmPath)"))?;
    let raw_type = text("sourceType").unwrap_or_else(|| "ATTRIBUTE".into());
    let source_type = match raw_type.as_str() {
        "ATTRIBUTE" | "text/x.schema-path" => "ATTRIBUTE",
        "EXPRESSION" | "text/x.aep-xl" => "EXPRESSION",
        "STATIC" => "STATIC",
        other => {
            return Err(format!(
                "mappings[{index}] has an unknown sourceType {other}"
            ))
        }
    }
    .to_string();
    let source = match object
        .get("source")
        .or_else(|| object.get("sourceAttribute"))
    {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) if source_type == "STATIC" && !other.is_null() => other.to_string(),
        _ => {
            return Err(format!(
                "mappings[{index}] needs a source (or sourceAttribute)"
            ))
        }
    };
    Ok(MappingSpec {
        source_type,
        source,
        destination,
        name: text("name"),
        description: text("description"),
    })
}

impl CompiledMapping {
    pub fn compile(specs: &[MappingSpec], schema: &Node) -> Result<Self, Vec<String>> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            let destination = parse_path(&spec.destination);
            let kind = match schema.lookup(&destination) {
                Some(node) => node.kind,
                None => {
                    problems.push(format!(
                        "mappings[{index}]: destination {} does not exist in the target schema",
                        spec.destination
                    ));
                    continue;
                }
            };
            let source = match spec.source_type.as_str() {
                "EXPRESSION" => match parse(&spec.source) {
                    Ok(expr) => Source::Expression(expr),
                    Err(error) => {
                        problems.push(format!(
                            "mappings[{index}]: invalid expression {}: {error}",
                            spec.source
                        ));
                        continue;
                    }
                },
                "STATIC" => Source::Static(
                    serde_json::from_str::<Value>(&spec.source)
                        .unwrap_or_else(|_| Value::String(spec.source.clone())),
                ),
                _ => Source::Attribute(parse_path(&spec.source)),
            };
            entries.push(Entry {
                source,
                destination,
                destination_text: spec.destination.clone(),
                kind,
            });
        }
        if problems.is_empty() {
            Ok(Self { entries })
        } else {
            Err(problems)
        }
    }

    /// Maps one input record; `now` is the simulator's time, for `now()` and `timestamp()`.
    pub fn apply(&self, input: &Value, now: DateTime<Utc>) -> MappingOutcome {
        let mut record = Value::Object(Map::new());
        let mut warnings = Vec::new();
        for entry in &self.entries {
            let value = match &entry.source {
                Source::Attribute(path) => expr::lookup_path(input, path)
                    .cloned()
                    .unwrap_or(Value::Null),
                Source::Static(value) => value.clone(),
                Source::Expression(expr) => match expr.eval(input, now) {
                    Ok(value) => value,
                    Err(error) => {
                        warnings.push(RecordError {
                            code: MAPPER_ERROR.into(),
                            message: format!("Mapper Transform Error: {error}"),
                            path: entry.destination_text.clone(),
                        });
                        continue;
                    }
                },
            };
            if value.is_null() {
                continue;
            }
            match coerce(value, entry.kind) {
                Ok(value) => {
                    if let Err(message) = set_path(&mut record, &entry.destination, value) {
                        warnings.push(RecordError {
                            code: MAPPER_ERROR.into(),
                            message,
                            path: entry.destination_text.clone(),
                        });
                    }
                }
                Err(message) => warnings.push(RecordError {
                    code: MAPPER_ERROR.into(),
                    message: format!("Mapper Transform Error: {message}"),
                    path: entry.destination_text.clone(),
                }),
            }
        }
        MappingOutcome { record, warnings }
    }
}

/// Converts a value to the destination field's type where Data Prep would.
fn coerce(value: Value, kind: Kind) -> Result<Value, String> {
    match (kind, value) {
        (Kind::String, Value::String(s)) => Ok(Value::String(s)),
        (Kind::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
        (Kind::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (Kind::Integer, Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("cannot convert \"{s}\" to an integer")),
        (Kind::Number, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("cannot convert \"{s}\" to a number")),
        (Kind::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("cannot convert \"{s}\" to a boolean")),
        },
        (_, other) => Ok(other),
    }
}

fn set_path(record: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty destination".into());
    };
    let mut current = record;
    for segment in parents {
        let Value::Object(map) = current else {
            return Err(format!("{segment} is not an object"));
        };
        current = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match current {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        _ => Err(format!("cannot set {last} inside a non-object")),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/data/foundation/conversion/mappingSets",
            post(create).get(list),
        )
        .route(
            "/data/foundation/conversion/mappingSets/validate",
            post(validate),
        )
        .route(
            "/data/foundation/conversion/mappingSets/preview",
            post(preview),
        )
        .route(
            "/data/foundation/conversion/mappingSets/{id}",
            get(get_one).put(update),
        )
}

fn schema_id_of(body: &Map<String, Value>) -> Option<String> {
    body.get("outputSchema")
        .and_then(|o| o.get("schemaRef"))
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .or_else(|| body.get("xdmSchema").and_then(Value::as_str))
        .map(str::to_string)
}

/// Checks a mapping-set body against the sandbox; returns the specs and compiled mapping.
fn check_body(
    data: &SandboxData,
    body: &Map<String, Value>,
) -> Result<(String, Vec<MappingSpec>, CompiledMapping), ApiError> {
    let service = Service::DataPrep;
    let schema_id = schema_id_of(body).ok_or_else(|| {
        service.bad_request("outputSchema.schemaRef.id (or xdmSchema) is required.")
    })?;
    let (_, node) = compile_schema(data, &schema_id).map_err(|message| {
        service.bad_request(&format!(
            "The output schema {schema_id} cannot be used: {message}"
        ))
    })?;
    let mappings = body
        .get("mappings")
        .and_then(Value::as_array)
        .ok_or_else(|| service.bad_request("mappings must be an array."))?;
    let specs = mappings
        .iter()
        .enumerate()
        .map(|(i, m)| normalise(m, i))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| service.bad_request(&message))?;
    let compiled = CompiledMapping::compile(&specs, &node)
        .map_err(|problems| service.bad_request(&problems.join("; ")))?;
    Ok((schema_id, specs, compiled))
}

/// The optional `name` of a mapping set (the spec's `MappingSet.name`).
fn name_of(body: &Map<String, Value>) -> Option<String> {
    body.get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
}

fn content_type_of(body: &Map<String, Value>) -> String {
    body.get("outputSchema")
        .and_then(|o| o.get("schemaRef"))
        .and_then(|r| r.get("contentType"))
        .and_then(Value::as_str)
        .unwrap_or("application/vnd.adobe.xed-full+json;version=1")
        .to_string()
}

fn mapping_json(spec: &MappingSpec, caller: &Caller, now: i64, version: i64) -> Value {
    let source_type = match spec.source_type.as_str() {
        "ATTRIBUTE" => "text/x.schema-path",
        "EXPRESSION" => "text/x.aep-xl",
        _ => "STATIC",
    };
    let mut item = json!({
        "id": random_hex(16),
        "version": version,
        "createdDate": now,
        "modifiedDate": now,
        "createdBy": caller.user_id,
        "modifiedBy": caller.user_id,
        "sourceType": source_type,
        "source": spec.source,
        "destination": spec.destination,
        "identity": false,
        "primaryIdentity": false,
        "functionVersion": 0,
        "copyModeMapping": false,
        "sourceAttribute": spec.source,
        "destinationXdmPath": spec.destination,
    });
    if let Some(name) = &spec.name {
        item["name"] = json!(name);
    }
    if let Some(description) = &spec.description {
        item["description"] = json!(description);
    }
    item
}

async fn create(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSources, Service::DataPrep)?;
    let body = json_object(&headers, &body, Service::DataPrep)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::DataPrep.bad_request("Unknown sandbox."))?;
    let (schema_id, specs, _) = check_body(data, &body)?;
    let now = sim.clock.now_ms();
    let id = random_hex(16);
    let content_type = content_type_of(&body);
    let stored = json!({
        "id": id,
        "version": 0,
        "createdDate": now,
        "modifiedDate": now,
        "createdBy": caller.user_id,
        "modifiedBy": caller.user_id,
        "supportVersion": "1.1",
        "outputSchema": { "schemaRef": { "id": schema_id, "contentType": content_type } },
        "mappings": specs.iter().map(|s| mapping_json(s, &caller, now, 0)).collect::<Vec<_>>(),
        "status": "PUBLISHED",
        "strictMapping": false,
        "allowNullValues": body.get("allowNullValues").cloned().unwrap_or(json!(false)),
        "xdmVersion": "1.0",
        "schemaRef": { "id": schema_id, "contentType": content_type },
        "xdmSchema": schema_id,
    });
    let mut stored = stored;
    if let Some(name) = name_of(&body) {
        stored["name"] = json!(name);
    }
    data.mapping_sets.insert(id.clone(), vec![stored]);
    drop(platform);
    sim.mark_dirty();
    Ok(Json(json!({
        "id": id,
        "version": 0,
        "createdDate": now,
        "modifiedDate": now,
        "createdBy": caller.user_id,
        "modifiedBy": caller.user_id,
    })))
}

async fn update(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ManageSources, Service::DataPrep)?;
    let body = json_object(&headers, &body, Service::DataPrep)?;
    let mut platform = sim.platform.write();
    let data = platform
        .data
        .get_mut(&caller.sandbox.name)
        .ok_or_else(|| Service::DataPrep.bad_request("Unknown sandbox."))?;
    if !data.mapping_sets.contains_key(&id) {
        return Err(Service::DataPrep.not_found("mapping set", &id));
    }
    let (schema_id, specs, _) = check_body(data, &body)?;
    let now = sim.clock.now_ms();
    let content_type = content_type_of(&body);
    let versions = data
        .mapping_sets
        .get_mut(&id)
        .ok_or_else(|| Service::DataPrep.not_found("mapping set", &id))?;
    let previous = versions.last().cloned().unwrap_or_else(|| json!({}));
    let version = i64::try_from(versions.len()).unwrap_or(i64::MAX);
    let stored = json!({
        "id": id,
        "version": version,
        "createdDate": previous.get("createdDate").cloned().unwrap_or(json!(now)),
        "modifiedDate": now,
        "createdBy": previous.get("createdBy").cloned().unwrap_or(json!(caller.user_id)),
        "modifiedBy": caller.user_id,
        "supportVersion": "1.1",
        "outputSchema": { "schemaRef": { "id": schema_id, "contentType": content_type } },
        "mappings": specs.iter().map(|s| mapping_json(s, &caller, now, version)).collect::<Vec<_>>(),
        "status": "PUBLISHED",
        "strictMapping": false,
        "allowNullValues": body.get("allowNullValues").cloned().unwrap_or(json!(false)),
        "xdmVersion": "1.0",
        "schemaRef": { "id": schema_id, "contentType": content_type },
        "xdmSchema": schema_id,
    });
    let mut stored = stored;
    // A new version keeps the name unless the body gives another one.
    if let Some(name) = name_of(&body).or_else(|| {
        previous
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
    }) {
        stored["name"] = json!(name);
    }
    versions.push(stored);
    drop(platform);
    sim.mark_dirty();
    crate::flow_service::rebuild_inlets(&sim);
    Ok(Json(json!({
        "id": id,
        "version": version,
        "createdDate": now,
        "modifiedDate": now,
        "createdBy": caller.user_id,
        "modifiedBy": caller.user_id,
    })))
}

async fn get_one(
    State(sim): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::DataPrep)?;
    let pairs = query_pairs(query.as_deref());
    let platform = sim.platform.read();
    let versions = platform
        .data
        .get(&caller.sandbox.name)
        .and_then(|d| d.mapping_sets.get(&id))
        .ok_or_else(|| Service::DataPrep.not_found("mapping set", &id))?;
    let found = match query_get(&pairs, "version") {
        Some(v) => {
            let index: usize = v.parse().map_err(|_| {
                Service::DataPrep.bad_request("version must be a non-negative integer.")
            })?;
            versions
                .get(index)
                .cloned()
                .ok_or_else(|| Service::DataPrep.not_found("mapping set version", v))?
        }
        None => versions
            .last()
            .cloned()
            .ok_or_else(|| Service::DataPrep.not_found("mapping set", &id))?,
    };
    Ok(Json(found))
}

async fn list(
    State(sim): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::DataPrep)?;
    let pairs = query_pairs(query.as_deref());
    let parse_number = |key: &str| -> Result<usize, ApiError> {
        query_get(&pairs, key)
            .ok_or_else(|| {
                Service::DataPrep.bad_request(&format!("The query parameter {key} is required."))
            })?
            .parse::<usize>()
            .map_err(|_| {
                Service::DataPrep.bad_request(&format!(
                    "The query parameter {key} must be a non-negative integer."
                ))
            })
    };
    let limit = parse_number("limit")?;
    let start = parse_number("start")?;
    if limit == 0 {
        return Err(Service::DataPrep.bad_request("limit must be greater than 0."));
    }
    let platform = sim.platform.read();
    let all: Vec<Value> = platform
        .data
        .get(&caller.sandbox.name)
        .map(|d| {
            d.mapping_sets
                .values()
                .filter_map(|v| v.last().cloned())
                .filter(|set| match query_get(&pairs, "name") {
                    // Documented as "Filter the mapping sets by name"; taken as an
                    // exact match.
                    Some(wanted) => set.get("name").and_then(Value::as_str) == Some(wanted),
                    None => true,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut all = all;
    crate::util::sort_items(
        &mut all,
        query_get(&pairs, "orderBy").unwrap_or("-createdDate"),
    );
    let page: Vec<Value> = all.into_iter().skip(start).take(limit).collect();
    Ok(Json(
        json!({ "data": page, "_page": { "count": page.len(), "limit": limit } }),
    ))
}

async fn validate(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSources, Service::DataPrep)?;
    let body = json_object(&headers, &body, Service::DataPrep)?;
    let platform = sim.platform.read();
    let data = platform
        .data
        .get(&caller.sandbox.name)
        .ok_or_else(|| Service::DataPrep.bad_request("Unknown sandbox."))?;
    let schema_id = schema_id_of(&body).ok_or_else(|| {
        Service::DataPrep.bad_request("outputSchema.schemaRef.id (or xdmSchema) is required.")
    })?;
    let (_, node) =
        compile_schema(data, &schema_id).map_err(|m| Service::DataPrep.bad_request(&m))?;
    let mappings = body
        .get("mappings")
        .and_then(Value::as_array)
        .ok_or_else(|| Service::DataPrep.bad_request("mappings must be an array."))?;
    let results: Vec<Value> = mappings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let outcome = normalise(m, i).map_err(|e| vec![e]).and_then(|spec| {
                CompiledMapping::compile(std::slice::from_ref(&spec), &node).map(|_| spec)
            });
            match outcome {
                Ok(_) => json!({ "status": "SUCCESS", "errors": null }),
                Err(problems) => json!({
                    "status": "FAILED",
                    "errors": problems.iter().map(|p| json!({
                        "destination": m.get("destination").or_else(|| m.get("destinationXdmPath")),
                        "source": m.get("source").or_else(|| m.get("sourceAttribute")),
                        "sourceType": m.get("sourceType"),
                        "exception": p,
                    })).collect::<Vec<_>>(),
                }),
            }
        })
        .collect();
    Ok(Json(json!({ "validationResponse": results })))
}

async fn preview(
    State(sim): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewSources, Service::DataPrep)?;
    let body = json_object(&headers, &body, Service::DataPrep)?;
    let samples = body
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| Service::DataPrep.bad_request("data must be an array of sample records."))?;
    let mapping_set = body
        .get("mappingSet")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| Service::DataPrep.bad_request("mappingSet is required."))?;
    let platform = sim.platform.read();
    let data = platform
        .data
        .get(&caller.sandbox.name)
        .ok_or_else(|| Service::DataPrep.bad_request("Unknown sandbox."))?;
    let (_, specs, compiled) = check_body(data, &mapping_set)?;
    drop(platform);
    // One `{data, errors}` per input record, in a JSON array, as
    // help/data-prep/api/mapping-set.md shows it. `data` comes from
    // `CompiledMapping::apply`, the call the inlet makes before it stores a record.
    let now = sim.clock.now();
    let results: Vec<Value> = samples
        .iter()
        .map(|sample| {
            let outcome = compiled.apply(sample, now);
            let errors = if outcome.warnings.is_empty() {
                Value::Null
            } else {
                Value::Array(
                    outcome
                        .warnings
                        .iter()
                        .map(|warning| transform_error(&specs, warning))
                        .collect(),
                )
            };
            json!({ "data": outcome.record, "errors": errors })
        })
        .collect();
    Ok((StatusCode::OK, Json(Value::Array(results))).into_response())
}

/// A mapper error in the spec's `TransformErrorInfo` shape (`destination`, `exception`,
/// `source`, `sourceType`; data-prep.yaml). `columnName` is left out: the spec does not
/// say what it names (assumed).
fn transform_error(specs: &[MappingSpec], warning: &RecordError) -> Value {
    let mut error = json!({ "destination": warning.path, "exception": warning.message });
    if let Some(spec) = specs.iter().find(|spec| spec.destination == warning.path) {
        error["source"] = json!(spec.source);
        error["sourceType"] = json!(spec.source_type);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Node {
        Node::compile(&json!({"type": "object", "properties": {
            "_id": {"type": "string"}, "timestamp": {"type": "string", "format": "date-time"},
            "_t": {"type": "object", "properties": {"UUID": {"type": "string"}, "n": {"type": "integer"}, "obj": {"type": "object"}}}
        }}))
    }

    #[test]
    fn applies_both_dialects() {
        let specs: Vec<MappingSpec> = [
            json!({"destinationXdmPath": "_t.UUID", "sourceAttribute": "visitor.UUID", "identity": false, "version": 0}),
            json!({"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"}),
            json!({"sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp"}),
            json!({"sourceType": "ATTRIBUTE", "source": "count", "destination": "_t.n"}),
            json!({"sourceType": "EXPRESSION", "source": "to_object(\"a\", visitor.UUID)", "destination": "_t.obj"}),
        ]
        .iter()
        .enumerate()
        .map(|(i, m)| normalise(m, i).unwrap())
        .collect();
        let compiled = CompiledMapping::compile(&specs, &schema()).unwrap();
        let now = DateTime::from_timestamp(1_806_078_600, 0).unwrap();
        let outcome = compiled.apply(&json!({"visitor": {"UUID": "u"}, "count": "7"}), now);
        assert!(outcome.warnings.is_empty());
        assert_eq!(outcome.record["_t"]["UUID"], json!("u"));
        assert_eq!(outcome.record["_t"]["n"], json!(7));
        assert_eq!(outcome.record["_t"]["obj"], json!({"a": "u"}));
        assert!(outcome.record["_id"].is_string());
        let bad = compiled.apply(&json!({"count": "seven"}), now);
        assert_eq!(bad.warnings[0].code, MAPPER_ERROR);
    }

    #[test]
    fn rejects_unknown_destination_and_function() {
        let unknown_destination =
            normalise(&json!({"source": "a", "destination": "_t.nope"}), 0).unwrap();
        assert!(CompiledMapping::compile(&[unknown_destination], &schema()).is_err());
        let unknown_function = normalise(
            &json!({"sourceType": "EXPRESSION", "source": "explode_all(a)", "destination": "_id"}),
            0,
        )
        .unwrap();
        assert!(CompiledMapping::compile(&[unknown_function], &schema()).is_err());
    }
}
