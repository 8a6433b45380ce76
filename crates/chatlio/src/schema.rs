//! Request bodies for Adobe's Schema Registry: the Chatlio field group, the
//! ExperienceEvent schema that uses it and the primary identity descriptor.
//!
//! Shapes follow Adobe's Schema Registry API docs (`POST /tenant/fieldgroups`,
//! `POST /tenant/schemas`, `POST /tenant/descriptors`).

use crate::fields::{XdmType, FIELDS, PRIMARY_IDENTITY_PATH, REQUIRED, ROOT_OBJECT};
use crate::kind::RecordedKind;
use serde_json::{json, Map, Value};

/// `$id` of Adobe's XDM ExperienceEvent class.
pub const EXPERIENCE_EVENT_CLASS: &str = "https://ns.adobe.com/xdm/context/experienceevent";

/// Title of the field group (Schema Registry titles are unique per sandbox
/// across all resource types, so it differs from any schema title we use).
pub const FIELD_GROUP_TITLE: &str = "Chatlio Webhook Event Fields";

/// Default schema title.
pub const DEFAULT_SCHEMA_TITLE: &str = "Chatlio Webhook Events";

/// Identity namespace of the primary identity.
pub const PRIMARY_IDENTITY_NAMESPACE: &str = "Email";

/// The tenant namespace object name: `_{tenantId}`.
pub fn tenant_namespace(tenant_id: &str) -> String {
    format!("_{tenant_id}")
}

/// Dot path of a Chatlio field in records and in Data Prep destinations, e.g.
/// `_acme.chatlio.visitor.email`.
pub fn field_path(tenant_id: &str, relative: &str) -> String {
    format!("{}.{ROOT_OBJECT}.{relative}", tenant_namespace(tenant_id))
}

fn leaf_schema(spec: &crate::fields::FieldSpec) -> Value {
    let mut leaf = Map::new();
    leaf.insert("title".into(), json!(spec.title));
    leaf.insert("description".into(), json!(spec.description));
    match spec.xdm_type {
        XdmType::String => {
            leaf.insert("type".into(), json!("string"));
        }
        XdmType::Integer => {
            leaf.insert("type".into(), json!("integer"));
            leaf.insert("minimum".into(), json!(0));
        }
    }
    if spec.path == "eventKind" {
        let codes: Vec<&str> = RecordedKind::ALL.iter().map(|kind| kind.code()).collect();
        leaf.insert("enum".into(), json!(codes));
    }
    if spec.path == "subjectId" {
        leaf.insert("minLength".into(), json!(1));
    }
    Value::Object(leaf)
}

fn insert_leaf(object: &mut Map<String, Value>, segments: &[&str], leaf: Value) {
    match segments {
        [] => {}
        [last] => {
            object.insert((*last).to_owned(), leaf);
        }
        [first, rest @ ..] => {
            let child = object.entry((*first).to_owned()).or_insert_with(
                || json!({"type": "object", "title": title_case(first), "properties": {}}),
            );
            if let Some(properties) = child.get_mut("properties").and_then(Value::as_object_mut) {
                insert_leaf(properties, rest, leaf);
            }
        }
    }
}

fn title_case(segment: &str) -> String {
    let mut characters = segment.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// The `chatlio` object's JSON schema (what sits under `_{tenantId}.chatlio`).
pub fn chatlio_object_schema() -> Value {
    let mut properties = Map::new();
    for spec in FIELDS {
        let segments: Vec<&str> = spec.path.split('.').collect();
        insert_leaf(&mut properties, &segments, leaf_schema(spec));
    }
    json!({
        "type": "object",
        "title": "Chatlio",
        "description": "Fields from Chatlio's live-chat webhooks.",
        "properties": properties,
        "required": REQUIRED,
    })
}

/// Body of `POST /data/foundation/schemaregistry/tenant/fieldgroups`.
pub fn field_group_body(tenant_id: &str) -> Value {
    let mut tenant_properties = Map::new();
    tenant_properties.insert(ROOT_OBJECT.to_owned(), chatlio_object_schema());
    let mut definition_properties = Map::new();
    definition_properties.insert(
        tenant_namespace(tenant_id),
        json!({"type": "object", "properties": tenant_properties}),
    );
    json!({
        "title": FIELD_GROUP_TITLE,
        "description": "Events received from Chatlio's five webhooks (new conversation, unanswered visitor, visitor feedback, offline message, chat transcript).",
        "type": "object",
        "meta:intendedToExtend": [EXPERIENCE_EVENT_CLASS],
        "definitions": {
            "chatlio": {
                "properties": definition_properties
            }
        },
        "allOf": [{"$ref": "#/definitions/chatlio"}]
    })
}

/// Body of `POST /data/foundation/schemaregistry/tenant/schemas`: the
/// ExperienceEvent class plus the Chatlio field group (`field_group_id` is the
/// field group's `$id`).
pub fn schema_body(tenant_id: &str, field_group_id: &str, title: &str) -> Value {
    json!({
        "title": title,
        "description": format!("Chatlio webhook events (fields under {}.{ROOT_OBJECT}).", tenant_namespace(tenant_id)),
        "type": "object",
        "allOf": [
            {"$ref": EXPERIENCE_EVENT_CLASS},
            {"$ref": field_group_id}
        ]
    })
}

/// `xdm:sourceProperty` of the primary identity: `/_{tenantId}/chatlio/visitor/email`.
pub fn primary_identity_property(tenant_id: &str) -> String {
    format!(
        "/{}/{ROOT_OBJECT}/{}",
        tenant_namespace(tenant_id),
        PRIMARY_IDENTITY_PATH.replace('.', "/")
    )
}

/// Body of `POST /data/foundation/schemaregistry/tenant/descriptors`: the
/// visitor email as primary identity in the standard `Email` namespace.
pub fn identity_descriptor_body(schema_id: &str, tenant_id: &str) -> Value {
    json!({
        "@type": "xdm:descriptorIdentity",
        "xdm:sourceSchema": schema_id,
        "xdm:sourceVersion": 1,
        "xdm:sourceProperty": primary_identity_property(tenant_id),
        "xdm:namespace": PRIMARY_IDENTITY_NAMESPACE,
        "xdm:property": "xdm:code",
        "xdm:isPrimary": true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_group_nests_fields_under_the_tenant() {
        let body = field_group_body("acme");
        let chatlio =
            &body["definitions"]["chatlio"]["properties"]["_acme"]["properties"]["chatlio"];
        assert_eq!(chatlio["type"], "object");
        assert_eq!(
            chatlio["properties"]["visitor"]["properties"]["email"]["type"],
            "string"
        );
        assert_eq!(
            chatlio["properties"]["transcript"]["properties"]["messageCount"]["type"],
            "integer"
        );
        assert_eq!(chatlio["required"], json!(["eventKind", "subjectId"]));
        assert_eq!(
            body["meta:intendedToExtend"],
            json!([EXPERIENCE_EVENT_CLASS])
        );
        assert_eq!(body["allOf"], json!([{"$ref": "#/definitions/chatlio"}]));
        let kinds = chatlio["properties"]["eventKind"]["enum"]
            .as_array()
            .unwrap();
        assert!(kinds.contains(&json!("visitor_event")));
    }

    #[test]
    fn schema_and_descriptor_bodies() {
        let schema = schema_body("acme", "https://ns.adobe.com/acme/mixins/abc", "Chatlio");
        assert_eq!(schema["allOf"][0]["$ref"], EXPERIENCE_EVENT_CLASS);
        assert_eq!(
            schema["allOf"][1]["$ref"],
            "https://ns.adobe.com/acme/mixins/abc"
        );
        assert_eq!(schema["title"], "Chatlio");
        let descriptor = identity_descriptor_body("https://ns.adobe.com/acme/schemas/s1", "acme");
        assert_eq!(
            descriptor["xdm:sourceProperty"],
            "/_acme/chatlio/visitor/email"
        );
        assert_eq!(descriptor["xdm:namespace"], "Email");
        assert_eq!(descriptor["xdm:isPrimary"], true);
        assert_eq!(
            field_path("acme", "visitor.email"),
            "_acme.chatlio.visitor.email"
        );
    }
}
