//! Catalog Service bodies (datasets, batches).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{SchemaRef, XED_V1};
use crate::models::SchemaId;

/// `POST /dataSets` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetRequest {
    /// Dataset name.
    pub name: String,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The schema the dataset is based on.
    pub schema_ref: SchemaRef,
    /// Tags such as `unifiedProfile: ["enabled:true"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, Vec<String>>>,
    /// Turns on error diagnostics for ingestion into this dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_error_diagnostics: Option<bool>,
}

impl DatasetRequest {
    /// A dataset named `name` based on `schema` (content type `xed+json;version=1`, as in
    /// Adobe's example).
    pub fn new(name: impl Into<String>, schema: SchemaId) -> Self {
        Self {
            name: name.into(),
            description: None,
            schema_ref: SchemaRef {
                id: schema,
                content_type: Some(XED_V1.to_owned()),
            },
            tags: None,
            enable_error_diagnostics: None,
        }
    }
}

/// A dataset (Catalog returns objects keyed by id; the id is carried separately).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Schema reference.
    #[serde(default)]
    pub schema_ref: Option<SchemaRef>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<BTreeMap<String, Value>>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created: Option<i64>,
    /// Update time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub updated: Option<i64>,
    /// Last batch id.
    #[serde(default)]
    pub last_batch_id: Option<String>,
    /// Last batch status.
    #[serde(default)]
    pub last_batch_status: Option<String>,
}

/// A related object of a batch, e.g. its dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedObject {
    /// e.g. `dataSet`.
    #[serde(rename = "type", default)]
    pub object_type: Option<String>,
    /// The object's id.
    #[serde(default)]
    pub id: Option<String>,
}

/// A batch (streaming writes land as batches).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    /// e.g. `success`, `failed`, `processing`.
    #[serde(default)]
    pub status: Option<String>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created: Option<i64>,
    /// Update time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub updated: Option<i64>,
    /// Records in the batch.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub record_count: Option<u64>,
    /// Records that failed.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub failed_record_count: Option<u64>,
    /// Error entries.
    #[serde(default)]
    pub errors: Vec<Value>,
    /// Related objects (the dataset).
    #[serde(default)]
    pub related_objects: Vec<RelatedObject>,
}
