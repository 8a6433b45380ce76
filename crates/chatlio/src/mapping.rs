//! The Data Prep mapping set for the Chatlio schema, and a reference
//! evaluation of it in Rust.
//!
//! Only functions listed in Adobe's "Data Prep mapping functions" page are
//! used, with the documented signatures: `uuid()`, `now()`, `iif(EXPRESSION,
//! TRUE_VALUE, FALSE_VALUE)`, `contains_key(INPUT)`, `coalesce(INPUT...)`,
//! `size_of(INPUT)` and the string method `STRING1.equals(STRING2)`.
//!
//! Empty strings: Chatlio sends `""` for unknown values. Plain fields keep them
//! (they are valid strings); the computed identity fields turn them into "no
//! value", via `iif("".equals(coalesce(x, "")), null, x)`, because `""` is not an
//! email or an id.

use crate::classify::{recorded_kind, FAMILY_RULES};
use crate::fields::{Computed, FieldSpec, Source, FIELDS};
use crate::kind::{Family, RecordedKind, VisitorEventKind};
use crate::schema::{field_path, tenant_namespace};
use serde_json::{json, Map, Value};

/// `schemaRef.contentType` Adobe's mapping-set examples use.
pub const SCHEMA_CONTENT_TYPE: &str = "application/vnd.adobe.xed-full+json;version=1";

/// Data Prep functions the mapping uses (all documented). Kept as data so a
/// test can check every generated expression against it.
pub const FUNCTIONS_USED: [&str; 7] = [
    "uuid",
    "now",
    "iif",
    "contains_key",
    "coalesce",
    "size_of",
    "equals",
];

fn quoted(text: &str) -> String {
    // Mapping constants are fixed ASCII codes without quotes or backslashes.
    format!("\"{text}\"")
}

fn present(key: &str) -> String {
    format!("contains_key({})", quoted(key))
}

fn any_present(keys: &[&str]) -> String {
    match keys {
        [] => "false".to_owned(),
        [only] => present(only),
        [first, rest @ ..] => format!("iif({}, true, {})", present(first), any_present(rest)),
    }
}

fn all_groups(groups: &[&[&str]]) -> String {
    match groups {
        [] => "true".to_owned(),
        [only] => any_present(only),
        [first, rest @ ..] => format!("iif({}, {}, false)", any_present(first), all_groups(rest)),
    }
}

fn by_family(value_of: &dyn Fn(Family) -> String, fallback: &str) -> String {
    FAMILY_RULES
        .iter()
        .rev()
        .fold(quoted(fallback), |otherwise, rule| {
            format!(
                "iif({}, {}, {otherwise})",
                all_groups(rule.all_of),
                value_of(rule.family)
            )
        })
}

/// `x`, or null when `x` is `""` or missing.
fn non_empty(path: &str) -> String {
    format!("iif(\"\".equals(coalesce({path}, \"\")), null, {path})")
}

fn is_blank(expression: &str) -> String {
    format!("\"\".equals(coalesce({expression}, \"\"))")
}

fn visitor_email_expression() -> String {
    format!(
        "coalesce({}, {}, {})",
        non_empty("visitor.email"),
        non_empty("visitorEmail"),
        non_empty("email")
    )
}

/// Prefix of the standard ExperienceEvent `eventType` values we write.
pub const EVENT_TYPE_PREFIX: &str = "chatlio.";

/// `eventType` = `chatlio.` + the recorded event kind.
pub fn event_type(kind: RecordedKind) -> String {
    format!("{EVENT_TYPE_PREFIX}{}", kind.code())
}

fn event_type_expression(url_hint: Option<VisitorEventKind>) -> String {
    by_family(
        &|family| quoted(&event_type(recorded_kind(Some(family), url_hint))),
        &event_type(recorded_kind(None, url_hint)),
    )
}

/// The Data Prep expression for a computed field.
pub fn expression(computed: Computed, url_hint: Option<VisitorEventKind>) -> String {
    match computed {
        Computed::EventKind => by_family(
            &|family| quoted(recorded_kind(Some(family), url_hint).code()),
            recorded_kind(None, url_hint).code(),
        ),
        Computed::EventFamily => by_family(&|family| quoted(family.code()), "unknown"),
        Computed::VisitorEmail => visitor_email_expression(),
        Computed::VisitorName => format!(
            "coalesce({}, {})",
            non_empty("visitor.name"),
            non_empty("name")
        ),
        Computed::SubjectId => format!(
            "coalesce({}, {}, {})",
            non_empty("visitor.UUID"),
            non_empty("conversationUUID"),
            visitor_email_expression()
        ),
        Computed::SubjectIdType => format!(
            "iif({}, iif({}, iif({}, null, \"email\"), \"conversation_uuid\"), \"visitor_uuid\")",
            is_blank("visitor.UUID"),
            is_blank("conversationUUID"),
            is_blank(&visitor_email_expression())
        ),
        Computed::MessageCount => format!("iif({}, size_of(messages), null)", present("messages")),
    }
}

fn mapping_entry(tenant_id: &str, spec: &FieldSpec, url_hint: Option<VisitorEventKind>) -> Value {
    let destination = field_path(tenant_id, spec.path);
    match spec.source {
        Source::Attribute(source) => json!({
            "sourceType": "ATTRIBUTE",
            "source": source,
            "destination": destination,
            "description": spec.title,
        }),
        Source::Computed(computed) => json!({
            "sourceType": "EXPRESSION",
            "source": expression(computed, url_hint),
            "destination": destination,
            "description": spec.title,
        }),
    }
}

/// The `mappings` array: `_id` and `timestamp` (required by ExperienceEvent)
/// then one entry per Chatlio field.
pub fn mappings(tenant_id: &str, url_hint: Option<VisitorEventKind>) -> Vec<Value> {
    let mut entries = vec![
        json!({
            "sourceType": "EXPRESSION",
            "source": "uuid()",
            "destination": "_id",
            "description": "Unique event id (ExperienceEvent requires _id)",
        }),
        json!({
            "sourceType": "EXPRESSION",
            "source": "now()",
            "destination": "timestamp",
            "description": "Time the event was ingested (ExperienceEvent requires timestamp)",
        }),
        json!({
            "sourceType": "EXPRESSION",
            "source": event_type_expression(url_hint),
            "destination": "eventType",
            "description": "ExperienceEvent eventType: chatlio.<event kind>",
        }),
    ];
    entries.extend(
        FIELDS
            .iter()
            .map(|spec| mapping_entry(tenant_id, spec, url_hint)),
    );
    entries
}

/// Body of `POST /data/foundation/conversion/mappingSets` for the Chatlio
/// schema `schema_id` (its `$id`). `url_hint` is the visitor event the flow's
/// URL is dedicated to, `None` for the URL shared by all events.
pub fn mapping_set_body(
    tenant_id: &str,
    schema_id: &str,
    url_hint: Option<VisitorEventKind>,
) -> Value {
    json!({
        "outputSchema": {
            "schemaRef": {
                "id": schema_id,
                "contentType": SCHEMA_CONTENT_TYPE
            }
        },
        "mappings": mappings(tenant_id, url_hint)
    })
}

// ---- Reference evaluation -------------------------------------------------

fn lookup<'body>(body: &'body Value, path: &str) -> Option<&'body Value> {
    path.split('.')
        .try_fold(body, |value, segment| value.get(segment))
        .filter(|value| !value.is_null())
}

fn non_empty_value(body: &Value, path: &str) -> Option<Value> {
    lookup(body, path)
        .filter(|value| value.as_str() != Some(""))
        .cloned()
}

fn visitor_email_value(body: &Value) -> Option<Value> {
    non_empty_value(body, "visitor.email")
        .or_else(|| non_empty_value(body, "visitorEmail"))
        .or_else(|| non_empty_value(body, "email"))
}

fn computed_value(
    computed: Computed,
    body: &Value,
    url_hint: Option<VisitorEventKind>,
) -> Option<Value> {
    let family = crate::classify::classify_family(body);
    match computed {
        Computed::EventKind => Some(json!(recorded_kind(family, url_hint).code())),
        Computed::EventFamily => Some(json!(family.map_or("unknown", Family::code))),
        Computed::VisitorEmail => visitor_email_value(body),
        Computed::VisitorName => {
            non_empty_value(body, "visitor.name").or_else(|| non_empty_value(body, "name"))
        }
        Computed::SubjectId => non_empty_value(body, "visitor.UUID")
            .or_else(|| non_empty_value(body, "conversationUUID"))
            .or_else(|| visitor_email_value(body)),
        Computed::SubjectIdType => {
            if non_empty_value(body, "visitor.UUID").is_some() {
                Some(json!("visitor_uuid"))
            } else if non_empty_value(body, "conversationUUID").is_some() {
                Some(json!("conversation_uuid"))
            } else if visitor_email_value(body).is_some() {
                Some(json!("email"))
            } else {
                None
            }
        }
        Computed::MessageCount => match body.get("messages") {
            Some(Value::Array(messages)) => Some(json!(messages.len())),
            Some(Value::Null) => Some(json!(0)),
            _ => None,
        },
    }
}

fn insert_at(object: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments = path.split('.').peekable();
    let mut current = object;
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            current.insert(segment.to_owned(), value);
            return;
        }
        let child = current
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        match child.as_object_mut() {
            Some(next) => current = next,
            None => return,
        }
    }
}

/// What the mapping should produce under `_{tenantId}.chatlio` for `body`
/// (fields without a value are left out). `_id` and `timestamp` are generated
/// at ingestion and not part of this.
pub fn expected_chatlio_object(body: &Value, url_hint: Option<VisitorEventKind>) -> Value {
    let mut object = Map::new();
    for spec in FIELDS {
        let value = match spec.source {
            Source::Attribute(source) => lookup(body, source).cloned(),
            Source::Computed(computed) => computed_value(computed, body, url_hint),
        };
        if let Some(value) = value {
            insert_at(&mut object, spec.path, value);
        }
    }
    Value::Object(object)
}

/// The record the mapping should produce for `body`, without `_id` and
/// `timestamp`: `{"eventType": "chatlio.<kind>", "_{tenantId}": {"chatlio": {...}}}`.
pub fn expected_record(tenant_id: &str, body: &Value, url_hint: Option<VisitorEventKind>) -> Value {
    let mut chatlio = Map::new();
    chatlio.insert(
        crate::fields::ROOT_OBJECT.to_owned(),
        expected_chatlio_object(body, url_hint),
    );
    let kind = recorded_kind(crate::classify::classify_family(body), url_hint);
    let mut record = Map::new();
    record.insert("eventType".to_owned(), json!(event_type(kind)));
    record.insert(tenant_namespace(tenant_id), Value::Object(chatlio));
    Value::Object(record)
}

/// Whether the schema would accept the record for `body`: the required fields
/// have values. (Types follow from the payload types: see the property tests.)
pub fn would_ingest(body: &Value) -> bool {
    computed_value(Computed::SubjectId, body, None).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn functions_in(expression: &str) -> Vec<String> {
        let mut names = Vec::new();
        let characters: Vec<char> = expression.chars().collect();
        let mut in_string = false;
        let mut start = None;
        for (index, character) in characters.iter().enumerate() {
            if *character == '"' {
                in_string = !in_string;
                start = None;
                continue;
            }
            if in_string {
                continue;
            }
            if character.is_alphanumeric() || *character == '_' {
                start.get_or_insert(index);
            } else {
                if *character == '(' {
                    if let Some(begin) = start {
                        names.push(characters[begin..index].iter().collect());
                    }
                }
                start = None;
            }
        }
        names
    }

    #[test]
    fn every_function_is_in_the_documented_list() {
        for hint in [None, Some(VisitorEventKind::VisitorFeedback)] {
            for entry in mappings("acme", hint) {
                if entry["sourceType"] == "EXPRESSION" {
                    let source = entry["source"].as_str().unwrap();
                    for name in functions_in(source) {
                        assert!(
                            FUNCTIONS_USED.contains(&name.as_str()),
                            "{name} in {source}"
                        );
                    }
                    let opens = source.matches('(').count();
                    assert_eq!(opens, source.matches(')').count(), "{source}");
                }
            }
        }
    }

    #[test]
    fn body_has_adobe_shape() {
        let body = mapping_set_body("acme", "https://ns.adobe.com/acme/schemas/1", None);
        assert_eq!(
            body["outputSchema"]["schemaRef"]["id"],
            "https://ns.adobe.com/acme/schemas/1"
        );
        let mappings = body["mappings"].as_array().unwrap();
        assert_eq!(mappings[0]["destination"], "_id");
        assert_eq!(mappings[1]["destination"], "timestamp");
        assert_eq!(mappings[2]["destination"], "eventType");
        assert!(mappings
            .iter()
            .any(|entry| entry["destination"] == "_acme.chatlio.visitor.uuid"
                && entry["source"] == "visitor.UUID"
                && entry["sourceType"] == "ATTRIBUTE"));
        for entry in mappings {
            assert!(["ATTRIBUTE", "EXPRESSION"].contains(&entry["sourceType"].as_str().unwrap()));
        }
    }

    #[test]
    fn hint_changes_only_the_event_kind_expression() {
        let shared = mappings("acme", None);
        let dedicated = mappings("acme", Some(VisitorEventKind::UnansweredVisitor));
        let differing: Vec<_> = shared
            .iter()
            .zip(&dedicated)
            .filter(|(left, right)| left != right)
            .map(|(left, _)| left["destination"].clone())
            .collect();
        assert_eq!(
            differing,
            vec![json!("eventType"), json!("_acme.chatlio.eventKind")]
        );
        let kind = dedicated
            .iter()
            .find(|entry| entry["destination"] == "_acme.chatlio.eventKind")
            .unwrap();
        assert!(kind["source"]
            .as_str()
            .unwrap()
            .contains("\"unanswered_visitor\""));
    }

    #[test]
    fn reference_evaluation_of_an_empty_visitor_event() {
        let body = json!({
            "visitor": {"UUID": "", "email": "", "name": ""},
            "message": "hi", "conversationUUID": "c-1"
        });
        let object = expected_chatlio_object(&body, None);
        assert_eq!(object["eventKind"], RecordedKind::VisitorEvent.code());
        assert_eq!(object["subjectId"], "c-1");
        assert_eq!(object["subjectIdType"], "conversation_uuid");
        assert_eq!(object["visitor"]["uuid"], "");
        assert!(object["visitor"].get("email").is_none());
        assert!(would_ingest(&body));
        assert!(!would_ingest(
            &json!({"visitor": {"UUID": ""}, "message": "x"})
        ));
    }
}
