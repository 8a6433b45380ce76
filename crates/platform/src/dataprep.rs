//! Data Prep (conversion) API: mapping sets.
//!
//! Adobe documents no delete for mapping sets (the Data Prep spec has create, list,
//! lookup, update, validate and preview only); a mapping set made by mistake stays.

use crate::client::{Client, PlatformCall};
use crate::error::{ErrorCode, PlatformError, Result};
use crate::models::dataprep::{MappingSet, MappingSetPage, MappingSetRequest};
use crate::models::MappingSetId;
use serde::Deserialize;
use serde_json::Value;

/// One record as Data Prep's preview maps it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MappingPreview {
    /// The mapped record (`null` when nothing could be mapped).
    #[serde(default)]
    pub data: Value,
    /// Transform errors (`TransformErrorInfo`: destination, exception, source, ...), kept
    /// as Adobe sent them.
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    pub errors: Vec<Value>,
}

const BASE: [&str; 3] = ["data", "foundation", "conversion"];
/// Page size for the list (`limit` is required by the spec; it documents no maximum,
/// 100 keeps each answer small).
pub const LIST_PAGE_SIZE: u32 = 100;
/// At most this many pages are read by [`DataPrep::find_mapping_sets_by_name`].
const MAX_PAGES: u32 = 20;

/// Query of `GET /mappingSets`. `limit` and `start` are required by Adobe; `name`
/// filters by the mapping set's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSetQuery {
    /// Page size.
    pub limit: u32,
    /// Offset of the first result.
    pub start: u32,
    /// Only mapping sets with this name.
    pub name: Option<String>,
}

impl Default for MappingSetQuery {
    fn default() -> Self {
        Self {
            limit: LIST_PAGE_SIZE,
            start: 0,
            name: None,
        }
    }
}

/// Data Prep calls; get one with [`Client::data_prep`].
#[derive(Debug, Clone, Copy)]
pub struct DataPrep<'client> {
    client: &'client Client,
}

impl Client {
    /// Data Prep calls.
    pub fn data_prep(&self) -> DataPrep<'_> {
        DataPrep { client: self }
    }
}

impl DataPrep<'_> {
    /// Creates a mapping set (`POST /mappingSets`; Adobe answers 200, not 201).
    pub async fn create_mapping_set(&self, request: &MappingSetRequest) -> Result<MappingSet> {
        let call = PlatformCall::post(
            "data_prep.create_mapping_set",
            &[BASE[0], BASE[1], BASE[2], "mappingSets"],
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// One page of mapping sets (`GET /mappingSets?limit=&start=[&name=]`).
    pub async fn list_mapping_sets(&self, query: &MappingSetQuery) -> Result<Vec<MappingSet>> {
        let mut call = PlatformCall::get(
            "data_prep.list_mapping_sets",
            &[BASE[0], BASE[1], BASE[2], "mappingSets"],
        )
        .query("limit", query.limit.max(1).to_string())
        .query("start", query.start.to_string());
        if let Some(name) = &query.name {
            call = call.query("name", name.clone());
        }
        let page: MappingSetPage = self.client.call(call).await?;
        Ok(page.data)
    }

    /// Every mapping set named exactly `name`, reading pages until a short one (at most
    /// 20 pages). The server-side filter is a hint; the exact match is checked here.
    pub async fn find_mapping_sets_by_name(&self, name: &str) -> Result<Vec<MappingSet>> {
        let mut found = Vec::new();
        for page in 0..MAX_PAGES {
            let query = MappingSetQuery {
                limit: LIST_PAGE_SIZE,
                start: page * LIST_PAGE_SIZE,
                name: Some(name.to_owned()),
            };
            let items = self.list_mapping_sets(&query).await?;
            let short = items.len() < LIST_PAGE_SIZE as usize;
            found.extend(
                items
                    .into_iter()
                    .filter(|set| set.name.as_deref() == Some(name)),
            );
            if short {
                break;
            }
        }
        Ok(found)
    }

    /// What a mapping set makes of sample records, without ingesting anything
    /// (`POST /mappingSets/preview`, help/data-prep/api/mapping-set.md): one
    /// [`MappingPreview`] per input record. The page documents a JSON array, the spec a
    /// single object; both are read.
    pub async fn preview_mapping(
        &self,
        data: &[Value],
        mapping_set: &MappingSetRequest,
    ) -> Result<Vec<MappingPreview>> {
        let body = serde_json::json!({
            "data": data,
            "mappingSet": {
                "outputSchema": mapping_set.output_schema,
                "mappings": mapping_set.mappings,
            },
        });
        let call = PlatformCall::post(
            "data_prep.preview_mapping",
            &[BASE[0], BASE[1], BASE[2], "mappingSets", "preview"],
        )
        .json(&body)?;
        let answer: Value = self.client.call(call).await?;
        let items = match answer {
            Value::Array(items) => items,
            other => vec![other],
        };
        items
            .into_iter()
            .map(|item| {
                serde_json::from_value::<MappingPreview>(item).map_err(|error| {
                    PlatformError::new(
                        ErrorCode::UnexpectedResponse,
                        format!("Data Prep's preview could not be read: {error}"),
                    )
                    .with_operation("data_prep.preview_mapping")
                })
            })
            .collect()
    }

    /// Looks up a mapping set.
    pub async fn get_mapping_set(&self, id: &MappingSetId) -> Result<MappingSet> {
        let call = PlatformCall::get(
            "data_prep.get_mapping_set",
            &[BASE[0], BASE[1], BASE[2], "mappingSets", id.as_str()],
        );
        self.client.call(call).await
    }
}
