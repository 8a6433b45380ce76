//! Schema Registry bodies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{DescriptorId, SchemaId};

/// `$id` of the XDM ExperienceEvent class.
pub const EXPERIENCE_EVENT_CLASS: &str = "https://ns.adobe.com/xdm/context/experienceevent";
/// `$id` of the XDM Individual Profile class.
pub const PROFILE_CLASS: &str = "https://ns.adobe.com/xdm/context/profile";
/// The `meta:immutableTags` entry that enables a schema for Real-Time Customer Profile
/// (help/xdm/api/schemas.md "Enable a schema for use in Real-time Customer Profile").
pub const UNION_TAG: &str = "union";

/// `GET /stats`: the tenant id and counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryStats {
    /// The organization.
    #[serde(default)]
    pub ims_org: Option<String>,
    /// The tenant namespace without underscore, e.g. `extconndev`.
    pub tenant_id: String,
    /// Resource counts by type.
    #[serde(default)]
    pub counts: Option<Value>,
}

/// A `{"$ref": "..."}` entry of `allOf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XdmRef {
    /// The referenced resource `$id` (or a local `#/definitions/...` pointer).
    #[serde(rename = "$ref")]
    pub reference: String,
}

impl XdmRef {
    /// A reference to `target`.
    pub fn to(target: impl Into<String>) -> Self {
        Self {
            reference: target.into(),
        }
    }
}

/// `POST /tenant/fieldgroups` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldGroupRequest {
    /// Unique across all registry resources of the sandbox.
    pub title: String,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Always `object`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Class `$id`s this field group may be used with.
    #[serde(rename = "meta:intendedToExtend")]
    pub intended_to_extend: Vec<String>,
    /// The field definitions (custom fields under `_{TENANT_ID}`).
    pub definitions: Value,
    /// References into `definitions`.
    #[serde(rename = "allOf")]
    pub all_of: Vec<XdmRef>,
}

impl FieldGroupRequest {
    /// A field group whose custom `properties` sit under `_{tenant_id}` inside the
    /// definition `definition_name`, referenced from `allOf` (the structure of Adobe's
    /// field group example).
    pub fn tenant_fields(
        title: impl Into<String>,
        description: Option<String>,
        intended_to_extend: Vec<String>,
        tenant_id: &str,
        definition_name: &str,
        properties: Value,
    ) -> Self {
        let mut tenant_object = serde_json::Map::new();
        tenant_object.insert(
            format!("_{tenant_id}"),
            serde_json::json!({ "type": "object", "properties": properties }),
        );
        let mut definitions = serde_json::Map::new();
        definitions.insert(
            definition_name.to_owned(),
            serde_json::json!({ "properties": Value::Object(tenant_object) }),
        );
        Self {
            title: title.into(),
            description,
            resource_type: "object".to_owned(),
            intended_to_extend,
            definitions: Value::Object(definitions),
            all_of: vec![XdmRef::to(format!("#/definitions/{definition_name}"))],
        }
    }
}

/// `POST /tenant/schemas` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaRequest {
    /// Unique across all registry resources of the sandbox.
    pub title: String,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Always `object`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Exactly one class plus any field groups.
    #[serde(rename = "allOf")]
    pub all_of: Vec<XdmRef>,
}

impl SchemaRequest {
    /// A schema of `class_id` composed with `field_groups`.
    pub fn new(
        title: impl Into<String>,
        description: Option<String>,
        class_id: &str,
        field_groups: &[SchemaId],
    ) -> Self {
        let mut all_of = vec![XdmRef::to(class_id)];
        all_of.extend(field_groups.iter().map(|group| XdmRef::to(group.as_str())));
        Self {
            title: title.into(),
            description,
            resource_type: "object".to_owned(),
            all_of,
        }
    }
}

/// A schema, field group or class as returned by create and lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryResource {
    /// The resource URI.
    #[serde(rename = "$id")]
    pub id: SchemaId,
    /// Dot form usable in paths, e.g. `_tenant.schemas.<hex>`.
    #[serde(default, rename = "meta:altId")]
    pub alt_id: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `major.minor`.
    #[serde(default)]
    pub version: Option<String>,
    /// `schemas`, `mixins`, `classes`, ...
    #[serde(default, rename = "meta:resourceType")]
    pub resource_type: Option<String>,
    /// The class of a schema.
    #[serde(default, rename = "meta:class")]
    pub class: Option<String>,
    /// Composition: the `$ref` entries of `allOf`. Entries without a `$ref` (a resolved
    /// lookup can inline definitions there) are skipped rather than failing the resource.
    #[serde(default, rename = "allOf", deserialize_with = "refs_only")]
    pub all_of: Vec<XdmRef>,
    /// Resolved ancestry.
    #[serde(
        default,
        rename = "meta:extends",
        deserialize_with = "super::null_as_default"
    )]
    pub extends: Vec<String>,
    /// Tags such as `union` (Profile-enabled).
    #[serde(
        default,
        rename = "meta:immutableTags",
        deserialize_with = "super::null_as_default"
    )]
    pub immutable_tags: Vec<String>,
}

impl RegistryResource {
    /// Whether the schema is enabled for Real-Time Customer Profile: `meta:immutableTags`
    /// holds `union`. Adobe never removes that tag once set.
    pub fn is_profile_enabled(&self) -> bool {
        self.immutable_tags.iter().any(|tag| tag == UNION_TAG)
    }
}

/// `allOf` entries that carry a `$ref`, the others skipped.
fn refs_only<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<XdmRef>, D::Error> {
    let entries: Vec<Value> = super::null_as_default(deserializer)?;
    Ok(entries
        .into_iter()
        .filter_map(|entry| entry.get("$ref").and_then(Value::as_str).map(XdmRef::to))
        .collect())
}

/// A summary entry of a registry list (`Accept: application/vnd.adobe.xed-id+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSummary {
    /// The resource URI.
    #[serde(rename = "$id")]
    pub id: SchemaId,
    /// Dot form.
    #[serde(default, rename = "meta:altId")]
    pub alt_id: Option<String>,
    /// `major.minor`.
    #[serde(default)]
    pub version: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RegistryPage {
    #[serde(default)]
    pub next: Option<String>,
}

/// One page of a registry list. Entries are kept raw so that one that does not decode is
/// skipped (and logged) instead of failing the whole list.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RegistryList {
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub results: Vec<Value>,
    #[serde(default, rename = "_page")]
    pub page: Option<RegistryPage>,
}

/// `POST /tenant/descriptors` body for an identity descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDescriptorRequest {
    /// Always `xdm:descriptorIdentity`.
    #[serde(rename = "@type")]
    pub descriptor_type: String,
    /// The schema `$id`.
    #[serde(rename = "xdm:sourceSchema")]
    pub source_schema: SchemaId,
    /// Major version of the schema (always 1).
    #[serde(rename = "xdm:sourceVersion")]
    pub source_version: u32,
    /// JSON pointer-like path of the field, e.g. `/_tenant/chatlio_email`.
    #[serde(rename = "xdm:sourceProperty")]
    pub source_property: String,
    /// Identity namespace code, e.g. `Email`.
    #[serde(rename = "xdm:namespace")]
    pub namespace: String,
    /// Always `xdm:code`.
    #[serde(rename = "xdm:property")]
    pub property: String,
    /// Whether this is the primary identity.
    #[serde(rename = "xdm:isPrimary")]
    pub is_primary: bool,
}

impl IdentityDescriptorRequest {
    /// An identity descriptor for `source_property` of `schema` in `namespace`.
    pub fn new(
        schema: SchemaId,
        source_property: impl Into<String>,
        namespace: impl Into<String>,
        is_primary: bool,
    ) -> Self {
        Self {
            descriptor_type: "xdm:descriptorIdentity".to_owned(),
            source_schema: schema,
            source_version: 1,
            source_property: source_property.into(),
            namespace: namespace.into(),
            property: "xdm:code".to_owned(),
            is_primary,
        }
    }
}

/// A descriptor as returned by create and lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Descriptor id.
    #[serde(rename = "@id")]
    pub id: DescriptorId,
    /// e.g. `xdm:descriptorIdentity`.
    #[serde(default, rename = "@type")]
    pub descriptor_type: Option<String>,
    /// The schema it describes.
    #[serde(default, rename = "xdm:sourceSchema")]
    pub source_schema: Option<SchemaId>,
    /// The field it describes.
    #[serde(default, rename = "xdm:sourceProperty")]
    pub source_property: Option<String>,
    /// Identity namespace.
    #[serde(default, rename = "xdm:namespace")]
    pub namespace: Option<String>,
    /// Primary identity flag.
    #[serde(default, rename = "xdm:isPrimary")]
    pub is_primary: Option<bool>,
}

/// `GET /tenant/descriptors` with `Accept: application/vnd.adobe.xdm+json`: descriptor
/// objects grouped by `@type`, e.g. `{"xdm:descriptorIdentity": [...]}`. A descriptor
/// that does not decode (no `@id`) is skipped, not a failure of the whole list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescriptorList {
    /// Descriptors keyed by their `@type`.
    #[serde(flatten, deserialize_with = "descriptors_by_type")]
    pub by_type: std::collections::BTreeMap<String, Vec<Descriptor>>,
}

fn descriptors_by_type<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, Vec<Descriptor>>, D::Error> {
    let raw: std::collections::BTreeMap<String, Value> = Deserialize::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .filter_map(|(kind, entries)| match entries {
            Value::Array(entries) => Some((
                kind,
                entries
                    .into_iter()
                    .filter_map(|entry| {
                        serde_json::from_value::<Descriptor>(entry)
                            .map_err(|error| {
                                tracing::warn!(%error, "skipped a descriptor that does not decode");
                            })
                            .ok()
                    })
                    .collect(),
            )),
            // Not a list of descriptors (e.g. a paging envelope): not a `@type` group.
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `GET /tenant/descriptors` with `Accept: application/vnd.adobe.xdm+json`: whole
    /// descriptors grouped by `@type`, types that carry other fields included.
    #[test]
    fn the_descriptor_list_decodes_every_type() {
        let list: DescriptorList = serde_json::from_value(serde_json::json!({
            "xdm:alternateDisplayInfo": [{
                "@id": "b1f5bbc2b8d1c8ae6a9a4d34c5d2a0e8f1b7a3c9",
                "@type": "xdm:alternateDisplayInfo",
                "xdm:sourceSchema": "https://ns.adobe.com/acme/schemas/1",
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": "/_acme/loyaltyLevel",
                "xdm:title": {"en_us": "Loyalty Level"}
            }],
            "xdm:descriptorIdentity": [{
                "@id": "f3a1dfa38a4871cf4442a33074c1f9406a593407",
                "@type": "xdm:descriptorIdentity",
                "xdm:sourceSchema": "https://ns.adobe.com/acme/schemas/1",
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": "/personalEmail/address",
                "xdm:namespace": "Email",
                "xdm:property": "xdm:code",
                "xdm:isPrimary": true,
                "meta:containerId": "tenant"
            }]
        }))
        .unwrap();
        assert_eq!(list.by_type.len(), 2);
        let identity = &list.by_type["xdm:descriptorIdentity"][0];
        assert_eq!(identity.is_primary, Some(true));
        assert_eq!(identity.namespace.as_deref(), Some("Email"));
        let empty: DescriptorList = serde_json::from_value(serde_json::json!({})).unwrap();
        assert!(empty.by_type.is_empty());
    }
}
