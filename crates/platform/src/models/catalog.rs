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
///
/// Every field is read leniently: Catalog answers a requested property that a dataset
/// has without a value as an empty object (`"name": {}`, help/catalog/api/filter-data.md
/// "Limit displayed properties"), and such a value, or `null`, reads as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    /// Name.
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub description: Option<String>,
    /// Schema reference.
    #[serde(default, deserialize_with = "super::lenient_object")]
    pub schema_ref: Option<SchemaRef>,
    /// Tags, e.g. `unifiedProfile: ["enabled:true"]`.
    #[serde(default, deserialize_with = "super::lenient_object")]
    pub tags: Option<BTreeMap<String, Value>>,
    /// `dataBehavior` (`time-series` or `record`) and `managedBy` (catalog.yaml).
    #[serde(default, deserialize_with = "super::lenient_object")]
    pub classification: Option<Classification>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created: Option<i64>,
    /// Update time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub updated: Option<i64>,
    /// Last batch id.
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub last_batch_id: Option<String>,
    /// Last batch status.
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub last_batch_status: Option<String>,
}

impl Dataset {
    /// Whether the dataset is enabled for Real-Time Customer Profile (`tags.unifiedProfile`
    /// holds `enabled:true`, help/catalog/datasets/enable-for-profile.md).
    pub fn is_profile_enabled(&self) -> bool {
        self.tags
            .as_ref()
            .and_then(|tags| tags.get("unifiedProfile"))
            .and_then(Value::as_array)
            .is_some_and(|values| {
                values
                    .iter()
                    .any(|value| value.as_str() == Some("enabled:true"))
            })
    }
}

/// A dataset's `classification` (catalog.yaml).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Classification {
    /// `time-series` (ExperienceEvent) or `record` (Profile and other record classes).
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub data_behavior: Option<String>,
    /// `CUSTOMER` or `SYSTEM`.
    #[serde(default, deserialize_with = "super::lenient_text")]
    pub managed_by: Option<String>,
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
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub errors: Vec<Value>,
    /// Related objects (the dataset).
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub related_objects: Vec<RelatedObject>,
}
