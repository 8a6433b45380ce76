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
    /// The target schema.
    pub output_schema: OutputSchema,
    /// The mappings.
    pub mappings: Vec<Mapping>,
}

impl MappingSetRequest {
    /// Mappings into `schema` (content type `xed-full+json;version=1`, as Adobe documents).
    pub fn new(schema: SchemaId, mappings: Vec<Mapping>) -> Self {
        Self {
            output_schema: OutputSchema {
                schema_ref: SchemaRef {
                    id: schema,
                    content_type: Some(XED_FULL_V1.to_owned()),
                },
            },
            mappings,
        }
    }
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
    #[serde(default)]
    pub mappings: Vec<Mapping>,
}
