//! XDM: the global classes the simulator knows, schema resolution (`allOf` of a class and
//! field groups) and record validation against the resolved schema.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::state::RecordError;

pub const EXPERIENCE_EVENT: &str = "https://ns.adobe.com/xdm/context/experienceevent";
pub const PROFILE: &str = "https://ns.adobe.com/xdm/context/profile";

/// Error codes used for records that fail validation.
pub const MISSING_REQUIRED: &str = "DCVS-1111-400";
pub const TYPE_MISMATCH: &str = "DCVS-1104-400";
pub const FORMAT_VIOLATION: &str = "DCVS-1105-400";
pub const ENUM_VIOLATION: &str = "DCVS-1106-400";

fn identity_map() -> Value {
    json!({
        "title": "Identity map",
        "type": "object",
        "meta:xdmType": "map",
        "additionalProperties": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": { "type": "string" },
                    "authenticatedState": { "type": "string", "enum": ["ambiguous", "authenticated", "loggedOut"] },
                    "primary": { "type": "boolean" }
                }
            }
        }
    })
}

/// The XDM ExperienceEvent class, with its required `_id` and `timestamp`.
pub fn experience_event_class() -> Value {
    json!({
        "$id": EXPERIENCE_EVENT,
        "meta:altId": "_xdm.context.experienceevent",
        "meta:resourceType": "classes",
        "version": "2.5",
        "title": "XDM ExperienceEvent",
        "type": "object",
        "description": "The core ExperienceEvent XDM is used to capture observations that are altering one or more related XDM objects.",
        "meta:extensible": true,
        "meta:abstract": false,
        "meta:containerId": "global",
        "meta:extends": [
            "https://ns.adobe.com/xdm/data/time-series",
            "https://ns.adobe.com/xdm/common/auditable",
            "https://ns.adobe.com/xdm/common/extensible"
        ],
        "properties": {
            "_id": { "title": "Identifier", "type": "string", "meta:xdmType": "string",
                     "description": "A unique identifier for the time-series event." },
            "timestamp": { "title": "Timestamp", "type": "string", "format": "date-time", "meta:xdmType": "date-time",
                           "description": "The time when an event or observation occurred." },
            "eventType": { "title": "Event Type", "type": "string", "meta:xdmType": "string" },
            "producedBy": { "title": "Produced By", "type": "string", "meta:xdmType": "string" },
            "eventMergeId": { "title": "Event Merge ID", "type": "string", "meta:xdmType": "string" },
            "identityMap": identity_map()
        },
        "required": ["_id", "timestamp"]
    })
}

/// The XDM Individual Profile class (minimal). Its own fields are those of
/// help/xdm/classes/individual-profile.md; `identityMap` is not one of them (it comes from
/// the IdentityMap field group), so a Profile schema joins the union only through a
/// primary identity descriptor here.
pub fn profile_class() -> Value {
    json!({
        "$id": PROFILE,
        "meta:altId": "_xdm.context.profile",
        "meta:resourceType": "classes",
        "version": "2.5",
        "title": "XDM Individual Profile",
        "type": "object",
        "meta:extensible": true,
        "meta:abstract": false,
        "meta:containerId": "global",
        "meta:extends": [
            "https://ns.adobe.com/xdm/data/record",
            "https://ns.adobe.com/xdm/common/auditable",
            "https://ns.adobe.com/xdm/common/extensible"
        ],
        "properties": {
            "_id": { "title": "Identifier", "type": "string", "meta:xdmType": "string" },
            "_repo": {
                "title": "Repository",
                "type": "object",
                "meta:xdmType": "object",
                "properties": {
                    "createDate": { "type": "string", "format": "date-time", "meta:xdmType": "date-time" },
                    "modifyDate": { "type": "string", "format": "date-time", "meta:xdmType": "date-time" }
                }
            },
            "personID": { "title": "Person ID", "type": "string", "meta:xdmType": "string" },
            "createdByBatchID": { "title": "Created by batch ID", "type": "string", "meta:xdmType": "string" },
            "modifiedByBatchID": { "title": "Modified by batch ID", "type": "string", "meta:xdmType": "string" },
            "repositoryCreatedBy": { "title": "Created by user ID", "type": "string", "meta:xdmType": "string" },
            "repositoryLastModifiedBy": { "title": "Modified by user ID", "type": "string", "meta:xdmType": "string" }
        },
        "required": ["_id"]
    })
}

pub fn global_class(id: &str) -> Option<Value> {
    match id {
        EXPERIENCE_EVENT | "_xdm.context.experienceevent" => Some(experience_event_class()),
        PROFILE | "_xdm.context.profile" => Some(profile_class()),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ResolveError {
    #[error("the schema references {0}, which does not exist")]
    MissingReference(String),
    #[error("the schema must reference exactly one class in allOf")]
    ClassCount,
}

/// Deep-merges `properties` of `source` into `target` (both JSON Schema objects).
fn merge_properties(target: &mut Map<String, Value>, source: &Map<String, Value>) {
    for (key, value) in source {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                let both_have_properties = existing.get("properties").is_some_and(Value::is_object)
                    && incoming.get("properties").is_some_and(Value::is_object);
                if both_have_properties {
                    if let (Some(Value::Object(into)), Some(Value::Object(from))) =
                        (existing.get_mut("properties"), incoming.get("properties"))
                    {
                        merge_properties(into, from);
                    }
                } else {
                    for (k, v) in incoming {
                        existing.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                if let Some(Value::Array(required)) = incoming.get("required") {
                    let merged = existing.entry("required").or_insert_with(|| json!([]));
                    if let Value::Array(list) = merged {
                        for item in required {
                            if !list.contains(item) {
                                list.push(item.clone());
                            }
                        }
                    }
                }
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The properties a field group contributes (its `allOf` definitions and own properties).
pub fn field_group_properties(field_group: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let definitions = field_group.get("definitions").and_then(Value::as_object);
    if let Some(all_of) = field_group.get("allOf").and_then(Value::as_array) {
        for entry in all_of {
            let Some(reference) = entry.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let Some(name) = reference.strip_prefix("#/definitions/") else {
                continue;
            };
            if let Some(props) = definitions
                .and_then(|d| d.get(name))
                .and_then(|d| d.get("properties"))
                .and_then(Value::as_object)
            {
                merge_properties(&mut out, props);
            }
        }
    }
    if let Some(props) = field_group.get("properties").and_then(Value::as_object) {
        merge_properties(&mut out, props);
    }
    out
}

/// Resolves a schema's `allOf` into one JSON Schema object with all properties.
pub fn resolve_schema(schema: &Value, field_groups: &[Value]) -> Result<Value, ResolveError> {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut classes = 0;
    let refs = schema
        .get("allOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for entry in refs {
        let Some(reference) = entry.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        if let Some(class) = global_class(reference) {
            classes += 1;
            if let Some(props) = class.get("properties").and_then(Value::as_object) {
                merge_properties(&mut properties, props);
            }
            if let Some(Value::Array(list)) = class.get("required") {
                required.extend(list.iter().cloned());
            }
            continue;
        }
        let group = field_groups.iter().find(|g| {
            g.get("$id").and_then(Value::as_str) == Some(reference)
                || g.get("meta:altId").and_then(Value::as_str) == Some(reference)
        });
        match group {
            Some(group) => merge_properties(&mut properties, &field_group_properties(group)),
            None => return Err(ResolveError::MissingReference(reference.to_string())),
        }
    }
    if classes != 1 {
        return Err(ResolveError::ClassCount);
    }
    Ok(json!({
        "type": "object",
        "properties": Value::Object(properties),
        "required": required,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Any,
}

impl Kind {
    fn from_json(value: Option<&Value>) -> Option<Kind> {
        match value.and_then(Value::as_str) {
            Some("string") => Some(Kind::String),
            Some("integer") => Some(Kind::Integer),
            Some("number") => Some(Kind::Number),
            Some("boolean") => Some(Kind::Boolean),
            Some("object") => Some(Kind::Object),
            Some("array") => Some(Kind::Array),
            None => None,
            Some(_) => Some(Kind::Any),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::Integer => "Integer",
            Kind::Number => "Number",
            Kind::Boolean => "Boolean",
            Kind::Object => "JSONObject",
            Kind::Array => "JSONArray",
            Kind::Any => "Any",
        }
    }
}

/// Is `type` one XDM accepts in a field definition?
pub fn valid_type_name(name: &str) -> bool {
    matches!(
        name,
        "string" | "integer" | "number" | "boolean" | "object" | "array"
    )
}

/// A compiled node of a resolved schema.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub properties: BTreeMap<String, Node>,
    pub required: Vec<String>,
    pub items: Option<Box<Node>>,
    pub additional: Option<Box<Node>>,
    pub enumeration: Option<Vec<Value>>,
    pub format: Option<String>,
    pub pattern: Option<regex::Regex>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

impl Node {
    pub fn compile(schema: &Value) -> Node {
        let properties: BTreeMap<String, Node> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), Node::compile(v)))
                    .collect()
            })
            .unwrap_or_default();
        let kind = Kind::from_json(schema.get("type")).unwrap_or(if properties.is_empty() {
            Kind::Any
        } else {
            Kind::Object
        });
        Node {
            kind,
            properties,
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            items: schema.get("items").map(|i| Box::new(Node::compile(i))),
            additional: schema
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .map(|a| Box::new(Node::compile(a))),
            enumeration: schema.get("enum").and_then(Value::as_array).cloned(),
            format: schema
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_string),
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| regex::Regex::new(p).ok()),
            min_length: schema.get("minLength").and_then(Value::as_u64),
            max_length: schema.get("maxLength").and_then(Value::as_u64),
            minimum: schema.get("minimum").and_then(Value::as_f64),
            maximum: schema.get("maximum").and_then(Value::as_f64),
        }
    }

    /// Finds the node at a dotted destination path.
    pub fn lookup(&self, path: &[String]) -> Option<&Node> {
        let mut node = self;
        for segment in path {
            node = match node.properties.get(segment) {
                Some(child) => child,
                None => node.additional.as_deref()?,
            };
        }
        Some(node)
    }

    /// Validates `value` and appends every violation to `errors`.
    pub fn validate(&self, value: &Value, pointer: &str, errors: &mut Vec<RecordError>) {
        let type_ok = match self.kind {
            Kind::String => value.is_string(),
            Kind::Integer => {
                value.as_i64().is_some()
                    || value.as_u64().is_some()
                    || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            Kind::Number => value.is_number(),
            Kind::Boolean => value.is_boolean(),
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::Any => true,
        };
        if !type_ok {
            errors.push(RecordError {
                code: TYPE_MISMATCH.into(),
                message: format!(
                    "expected type: {}, found: {}",
                    self.kind.name(),
                    json_type_name(value)
                ),
                path: pointer_or_root(pointer),
            });
            return;
        }
        if let Some(allowed) = &self.enumeration {
            if !allowed.contains(value) {
                errors.push(RecordError {
                    code: ENUM_VIOLATION.into(),
                    message: format!("{value} is not a valid enum value"),
                    path: pointer_or_root(pointer),
                });
            }
        }
        match value {
            Value::String(text) => self.validate_string(text, pointer, errors),
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or(0.0);
                if self.minimum.is_some_and(|m| n < m) || self.maximum.is_some_and(|m| n > m) {
                    errors.push(RecordError {
                        code: FORMAT_VIOLATION.into(),
                        message: format!("{n} is out of the allowed range"),
                        path: pointer_or_root(pointer),
                    });
                }
            }
            Value::Object(map) => {
                for name in &self.required {
                    if map.get(name).is_none_or(Value::is_null) {
                        errors.push(RecordError {
                            code: MISSING_REQUIRED.into(),
                            message: format!("required key [{name}] not found"),
                            path: pointer_or_root(pointer),
                        });
                    }
                }
                for (key, child) in map {
                    if child.is_null() {
                        continue;
                    }
                    let child_pointer = format!("{pointer}/{key}");
                    if let Some(node) = self.properties.get(key) {
                        node.validate(child, &child_pointer, errors);
                    } else if let Some(node) = &self.additional {
                        node.validate(child, &child_pointer, errors);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(node) = &self.items {
                    for (index, item) in items.iter().enumerate() {
                        node.validate(item, &format!("{pointer}/{index}"), errors);
                    }
                }
            }
            _ => {}
        }
    }

    fn validate_string(&self, text: &str, pointer: &str, errors: &mut Vec<RecordError>) {
        let mut problem = None;
        match self.format.as_deref() {
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                problem = Some(format!("[{text}] is not a valid date-time"));
            }
            Some("date") if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                problem = Some(format!("[{text}] is not a valid date"));
            }
            Some("email") if !text.contains('@') => {
                problem = Some(format!("[{text}] is not a valid email address"));
            }
            _ => {}
        }
        let length = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
        if self.min_length.is_some_and(|m| length < m)
            || self.max_length.is_some_and(|m| length > m)
        {
            problem = Some(format!(
                "string length {length} is outside the allowed range"
            ));
        }
        if let Some(pattern) = &self.pattern {
            if !pattern.is_match(text) {
                problem = Some(format!(
                    "string [{text}] does not match pattern {}",
                    pattern.as_str()
                ));
            }
        }
        if let Some(message) = problem {
            errors.push(RecordError {
                code: FORMAT_VIOLATION.into(),
                message,
                path: pointer_or_root(pointer),
            });
        }
    }
}

fn pointer_or_root(pointer: &str) -> String {
    if pointer.is_empty() {
        "#".into()
    } else {
        format!("#{pointer}")
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "BigDecimal",
        Value::Number(_) => "Long",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// Every property path (dotted) defined in a field group, for namespace checks.
pub fn top_level_fields(field_group: &Value) -> Vec<String> {
    field_group_properties(field_group)
        .keys()
        .cloned()
        .collect()
}

/// Checks every `type` in a property tree; returns the first bad path.
pub fn find_bad_type(properties: &Map<String, Value>, prefix: &str) -> Option<String> {
    for (key, definition) in properties {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if let Some(kind) = definition.get("type") {
            match kind.as_str() {
                Some(name) if valid_type_name(name) => {}
                _ => return Some(path),
            }
        }
        if let Some(children) = definition.get("properties").and_then(Value::as_object) {
            if let Some(bad) = find_bad_type(children, &path) {
                return Some(bad);
            }
        }
        if let Some(items) = definition
            .get("items")
            .and_then(|i| i.get("properties"))
            .and_then(Value::as_object)
        {
            if let Some(bad) = find_bad_type(items, &path) {
                return Some(bad);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> Value {
        json!({
            "$id": "https://ns.adobe.com/t/mixins/abc",
            "definitions": {"chatlio": {"properties": {"_t": {"type": "object", "properties": {
                "UUID": {"type": "string"}, "count": {"type": "integer"}
            }, "required": ["UUID"]}}}},
            "allOf": [{"$ref": "#/definitions/chatlio"}]
        })
    }

    #[test]
    fn resolves_class_and_field_group() {
        let schema = json!({"allOf": [{"$ref": EXPERIENCE_EVENT}, {"$ref": "https://ns.adobe.com/t/mixins/abc"}]});
        let resolved = resolve_schema(&schema, &[group()]).unwrap();
        assert!(resolved["properties"]["_t"]["properties"]["UUID"].is_object());
        assert!(resolved["properties"]["timestamp"].is_object());
        let node = Node::compile(&resolved);
        let mut errors = Vec::new();
        node.validate(&json!({"_id": "1", "timestamp": "2024-01-01T00:00:00Z", "_t": {"UUID": "u", "count": 2}}), "", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        node.validate(
            &json!({"timestamp": "nope", "_t": {"count": "x"}}),
            "",
            &mut errors,
        );
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert!(codes.contains(&MISSING_REQUIRED));
        assert!(codes.contains(&TYPE_MISMATCH));
        assert!(codes.contains(&FORMAT_VIOLATION));
    }

    #[test]
    fn missing_reference_and_class_count() {
        let schema = json!({"allOf": [{"$ref": EXPERIENCE_EVENT}, {"$ref": "https://ns.adobe.com/t/mixins/none"}]});
        assert!(matches!(
            resolve_schema(&schema, &[]),
            Err(ResolveError::MissingReference(_))
        ));
        assert_eq!(
            resolve_schema(&json!({"allOf": []}), &[]),
            Err(ResolveError::ClassCount)
        );
    }
}
