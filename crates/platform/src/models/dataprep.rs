//! Data Prep (conversion) bodies.

use serde::{Deserialize, Serialize};

use super::{MappingSetId, SchemaId, SchemaRef, XED_FULL_V1};

/// `outputSchema` of a mapping set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputSchema {
    /// The target XDM schema.
    pub schema_ref: SchemaRef,
}

/// One mapping. Adobe documents two dialects and accepts both:
/// the current one (`sourceType`, `source`, `destination`) and the legacy one used by the
/// Chatlio tutorial (`sourceAttribute`, `destinationXdmPath`, `identity`, `version`).
/// Use [`Mapping::attribute`], [`Mapping::expression`] or [`Mapping::legacy_attribute`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// `ATTRIBUTE`, `EXPRESSION` or `STATIC` (GET may return `text/x.schema-path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// Source path or expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Destination XDM path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Optional display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Legacy dialect: destination path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_xdm_path: Option<String>,
    /// Legacy dialect: source path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_attribute: Option<String>,
    /// Legacy dialect: identity flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<bool>,
    /// Legacy dialect: mapping version.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::flexible_u64"
    )]
    pub version: Option<u64>,
}

impl Mapping {
    /// Copies the input field at `source` to `destination`.
    pub fn attribute(source: impl Into<String>, destination: impl Into<String>) -> Self {
        Self {
            source_type: Some("ATTRIBUTE".to_owned()),
            source: Some(source.into()),
            destination: Some(destination.into()),
            ..Self::default()
        }
    }

    /// Writes the value of a Data Prep expression (e.g. `uuid()`, `now()`) to `destination`.
    pub fn expression(expression: impl Into<String>, destination: impl Into<String>) -> Self {
        Self {
            source_type: Some("EXPRESSION".to_owned()),
            source: Some(expression.into()),
            destination: Some(destination.into()),
            ..Self::default()
        }
    }

    /// The legacy form used verbatim by Adobe's Chatlio tutorial.
    pub fn legacy_attribute(source: impl Into<String>, destination: impl Into<String>) -> Self {
        Self {
            destination_xdm_path: Some(destination.into()),
            source_attribute: Some(source.into()),
            identity: Some(false),
            version: Some(0),
            ..Self::default()
        }
    }

    /// Sets the display name and description (current dialect).
    pub fn described(mut self, name: impl Into<String>, description: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self.description = Some(description.into());
        self
    }
}

/// `POST /mappingSets` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingSetRequest {
    /// Optional name (the spec's `MappingSet.name`); the list can be filtered by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The target schema.
    pub output_schema: OutputSchema,
    /// The mappings.
    pub mappings: Vec<Mapping>,
}

impl MappingSetRequest {
    /// Mappings into `schema` (content type `xed-full+json;version=1`, as Adobe documents).
    pub fn new(schema: SchemaId, mappings: Vec<Mapping>) -> Self {
        Self {
            name: None,
            output_schema: OutputSchema {
                schema_ref: SchemaRef {
                    id: schema,
                    content_type: Some(XED_FULL_V1.to_owned()),
                },
            },
            mappings,
        }
    }

    /// Sets the name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// `outputSchema` as lookups and lists return it (the spec's `SchemaRepresentation`):
/// an internal id and version next to the `schemaRef`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaRepresentation {
    /// Data Prep's own id for the schema copy.
    #[serde(default)]
    pub id: Option<String>,
    /// The XDM schema the mapping writes to.
    #[serde(default)]
    pub schema_ref: Option<SchemaRef>,
}

/// A mapping set as returned by create (200) and lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingSet {
    /// Mapping set id.
    pub id: MappingSetId,
    /// Version, 0 on create.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub version: Option<u64>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created_date: Option<i64>,
    /// Modification time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub modified_date: Option<i64>,
    /// `PUBLISHED` or `DRAFT`.
    #[serde(default)]
    pub status: Option<String>,
    /// The mappings (lookup only).
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub mappings: Vec<Mapping>,
    /// The name given on create, if any (lookup and list).
    #[serde(default)]
    pub name: Option<String>,
    /// The target schema (lookup and list).
    #[serde(default)]
    pub output_schema: Option<SchemaRepresentation>,
    /// The target schema's `$id`, a legacy top-level copy (lookup and list).
    #[serde(default)]
    pub xdm_schema: Option<String>,
}

impl MappingSet {
    /// The `$id` of the schema this mapping set writes to, from `outputSchema.schemaRef`
    /// or the legacy `xdmSchema`.
    pub fn output_schema_id(&self) -> Option<&str> {
        self.output_schema
            .as_ref()
            .and_then(|schema| schema.schema_ref.as_ref())
            .map(|reference| reference.id.as_str())
            .or(self.xdm_schema.as_deref())
    }
}

/// `GET /mappingSets`: one page (`{"data": [...], "_page": {"count", "limit"}}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MappingSetPage {
    /// The mapping sets of this page.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub data: Vec<MappingSet>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list example of the Data Prep spec (`MapperSetPage`), with `data` as the
    /// array the schema declares, plus a `name`.
    #[test]
    fn a_listed_mapping_set_gives_its_name_and_output_schema() {
        let page: MappingSetPage = serde_json::from_value(serde_json::json!({
            "data": [{
                "id": "428beb15b4864daaaa9dc3f005448005",
                "version": 1,
                "createdDate": 1582250953000_i64,
                "modifiedDate": 1582251156000_i64,
                "name": "Events mapping",
                "inputSchema": {"id": "e660142cab8e438382abc5691b364b30", "version": 0},
                "outputSchema": {
                    "id": "1956affc28be468aa452e5e47c680c6b",
                    "version": 0,
                    "schemaRef": {"id": "https://ns.adobe.com/xdm/context/profile__union", "contentType": "1.0"}
                },
                "mappings": [{"sourceType": "text/x.schema-path", "source": "id", "destination": "person.name.firstName"}],
                "status": "PUBLISHED",
                "xdmSchema": "https://ns.adobe.com/xdm/context/profile__union"
            }, {
                "id": "e7c80e4c0d8f4a98a7d400b4e178b635",
                "xdmSchema": "https://ns.adobe.com/tenant/schemas/legacy"
            }],
            "_page": {"count": 2, "limit": 10}
        }))
        .unwrap();
        assert_eq!(page.data.len(), 2);
        assert_eq!(page.data[0].name.as_deref(), Some("Events mapping"));
        assert_eq!(
            page.data[0].output_schema_id(),
            Some("https://ns.adobe.com/xdm/context/profile__union")
        );
        // Without `outputSchema`, the legacy top-level copy is used.
        assert_eq!(
            page.data[1].output_schema_id(),
            Some("https://ns.adobe.com/tenant/schemas/legacy")
        );
        assert_eq!(page.data[1].name, None);
    }

    #[test]
    fn a_request_name_is_sent_only_when_set() {
        let request = MappingSetRequest::new(
            SchemaId::new("https://ns.adobe.com/t/schemas/1"),
            Vec::new(),
        );
        assert!(serde_json::to_value(&request)
            .unwrap()
            .get("name")
            .is_none());
        let named = serde_json::to_value(request.named("A mapping")).unwrap();
        assert_eq!(named["name"], "A mapping");
    }
}
