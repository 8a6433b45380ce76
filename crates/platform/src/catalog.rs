//! Catalog Service API: datasets and batches.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::{Client, PlatformCall};
use crate::error::{ErrorCode, PlatformError, Result};
use crate::models::catalog::{Batch, Dataset, DatasetRequest};
use crate::models::{BatchId, DatasetId};

const BASE: [&str; 3] = ["data", "foundation", "catalog"];

/// Catalog calls; get one with [`Client::catalog`].
#[derive(Debug, Clone, Copy)]
pub struct Catalog<'client> {
    client: &'client Client,
}

impl Client {
    /// Catalog Service calls.
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog { client: self }
    }
}

fn path<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut segments: Vec<&str> = BASE.to_vec();
    segments.extend_from_slice(rest);
    segments
}

/// Filters for listing datasets.
#[derive(Debug, Clone, Default)]
pub struct DatasetQuery {
    /// Simple name filter (`name=`; `*` wildcard allowed).
    pub name: Option<String>,
    /// Properties to return (`properties=name,schemaRef`); empty = all.
    pub properties: Vec<String>,
    /// Page size (Adobe: default 20, max 100). With `start`, `None` for both makes
    /// [`Catalog::list_datasets`] read every page.
    pub limit: Option<u32>,
    /// Zero-based offset.
    pub start: Option<u32>,
}

/// `["@/dataSets/5c8c3c555033b814b69f947f"]` → the id.
pub(crate) fn dataset_id_from_create_response(paths: &[String]) -> Result<DatasetId> {
    paths
        .iter()
        .find_map(|path| {
            let id = path.rsplit('/').next()?.trim();
            (!id.is_empty() && !id.starts_with('@')).then(|| DatasetId::new(id))
        })
        .ok_or_else(|| {
            PlatformError::unexpected("Catalog did not return the new dataset's id.")
                .with_operation("catalog.create_dataset")
        })
}

/// Decodes a Catalog map `{id: object}` into ordered `(id, object)` pairs. An entry that
/// does not decode is skipped with a warning naming its id, so one odd object in a
/// sandbox cannot fail a whole list.
fn keyed<Id: From<String>, T: DeserializeOwned>(
    operation: &'static str,
    map: Map<String, Value>,
) -> Vec<(Id, T)> {
    map.into_iter()
        .filter_map(|(id, value)| match serde_json::from_value::<T>(value) {
            Ok(object) => Some((Id::from(id), object)),
            Err(error) => {
                // Catalog ids name datasets and batches, not secrets or capabilities.
                tracing::warn!(operation, id = %id, %error, "skipped a Catalog object that does not decode");
                None
            }
        })
        .collect()
}

/// The one object of a lookup (`{id: object}`), or `not_found` when Catalog returned
/// another id, and `unexpected_response` when it does not decode.
fn single<Id: AsRef<str>, T: DeserializeOwned>(
    operation: &'static str,
    noun: &str,
    id: &Id,
    mut map: Map<String, Value>,
) -> Result<T> {
    let value = map.remove(id.as_ref()).ok_or_else(|| {
        PlatformError::new(
            ErrorCode::NotFound,
            format!("Catalog returned no such {noun}."),
        )
        .with_operation(operation)
    })?;
    serde_json::from_value(value).map_err(|error| {
        PlatformError::unexpected(format!(
            "Catalog returned a {noun} that does not match the documented shape ({error})."
        ))
        .with_operation(operation)
    })
}

/// The documented 400 for a Profile dataset on a schema not enabled for Profile
/// (help/xdm/troubleshooting-guide.md, "To enable profile datasets the schema should be
/// valid"). Adobe's body carries no code of its own, so the message identifies it.
const PROFILE_SCHEMA_NOT_ENABLED: &str = "To enable profile datasets the schema should be valid";
const PROFILE_SCHEMA_HINT: &str =
    "Enable the schema for Profile (it needs a primary identity) before creating or enabling a Profile dataset on it.";

/// Whether `error` is Catalog refusing a Profile dataset (`tags.unifiedProfile`) because
/// its schema is not enabled for Profile.
pub fn is_profile_schema_refusal(error: &PlatformError) -> bool {
    error.status() == Some(400) && error.message().contains(PROFILE_SCHEMA_NOT_ENABLED)
}

fn with_profile_hint(error: PlatformError) -> PlatformError {
    if is_profile_schema_refusal(&error) {
        error.with_hint(PROFILE_SCHEMA_HINT)
    } else {
        error
    }
}

/// Page size used when reading every dataset (Catalog's maximum, filter-data.md).
pub const DATASET_PAGE_SIZE: u32 = 100;
/// At most this many pages are read by one listing (10,000 datasets).
const MAX_DATASET_PAGES: u32 = 100;

impl Catalog<'_> {
    /// Creates a dataset (`POST /dataSets?requestDataSource=true`, 201) and returns its id.
    pub async fn create_dataset(&self, request: &DatasetRequest) -> Result<DatasetId> {
        let call = PlatformCall::post("catalog.create_dataset", &path(&["dataSets"]))
            .query("requestDataSource", "true")
            .json(request)?;
        let paths: Vec<String> = self.client.call(call).await.map_err(with_profile_hint)?;
        dataset_id_from_create_response(&paths)
    }

    /// Looks up one dataset.
    pub async fn get_dataset(&self, id: &DatasetId) -> Result<Dataset> {
        let call = PlatformCall::get("catalog.get_dataset", &path(&["dataSets", id.as_str()]));
        let map: Map<String, Value> = self.client.call(call).await?;
        single("catalog.get_dataset", "dataset", id, map)
    }

    /// Lists datasets as `(id, dataset)` pairs in Adobe's order.
    ///
    /// With neither `limit` nor `start` every page is read: Catalog answers at most
    /// `limit` objects (20 when none is given, 100 at most) and has no paging envelope, so
    /// pages of [`DATASET_PAGE_SIZE`] are requested at `start=0, 100, 200, ...` until one
    /// comes back short (help/catalog/api/filter-data.md). With either of them set, the
    /// one page they describe is read.
    pub async fn list_datasets(&self, query: &DatasetQuery) -> Result<Vec<(DatasetId, Dataset)>> {
        if query.limit.is_some() || query.start.is_some() {
            let (entries, _) = self.dataset_page(query, query.limit, query.start).await?;
            return Ok(entries);
        }
        let mut all = Vec::new();
        for page in 0..MAX_DATASET_PAGES {
            let (entries, returned) = self
                .dataset_page(
                    query,
                    Some(DATASET_PAGE_SIZE),
                    Some(page.saturating_mul(DATASET_PAGE_SIZE)),
                )
                .await?;
            all.extend(entries);
            if returned < DATASET_PAGE_SIZE as usize {
                break;
            }
        }
        Ok(all)
    }

    /// One page; also returns how many objects Catalog sent (skipped ones included), so a
    /// page with an undecodable entry is not mistaken for the last one.
    async fn dataset_page(
        &self,
        query: &DatasetQuery,
        limit: Option<u32>,
        start: Option<u32>,
    ) -> Result<(Vec<(DatasetId, Dataset)>, usize)> {
        let mut call = PlatformCall::get("catalog.list_datasets", &path(&["dataSets"]));
        if let Some(name) = &query.name {
            call = call.query("name", name.clone());
        }
        if !query.properties.is_empty() {
            call = call.query("properties", query.properties.join(","));
        }
        if let Some(limit) = limit {
            call = call.query("limit", limit.to_string());
        }
        if let Some(start) = start {
            call = call.query("start", start.to_string());
        }
        let map: Map<String, Value> = self.client.call(call).await?;
        let returned = map.len();
        Ok((keyed("catalog.list_datasets", map), returned))
    }

    /// Datasets whose name is exactly `name` (Catalog does not enforce unique names), from
    /// every page.
    pub async fn find_datasets_by_name(&self, name: &str) -> Result<Vec<(DatasetId, Dataset)>> {
        let found = self
            .list_datasets(&DatasetQuery {
                name: Some(name.to_owned()),
                properties: vec!["name".into(), "schemaRef".into()],
                limit: None,
                start: None,
            })
            .await?;
        Ok(found
            .into_iter()
            .filter(|(_, dataset)| dataset.name.as_deref() == Some(name))
            .collect())
    }

    /// Deletes a dataset.
    pub async fn delete_dataset(&self, id: &DatasetId) -> Result<()> {
        let call = PlatformCall::new(
            "catalog.delete_dataset",
            Method::DELETE,
            &path(&["dataSets", id.as_str()]),
        );
        self.client.call_raw(call).await?;
        Ok(())
    }

    /// The latest batches of a dataset, newest first.
    pub async fn list_batches(
        &self,
        dataset: &DatasetId,
        limit: u32,
    ) -> Result<Vec<(BatchId, Batch)>> {
        let call = PlatformCall::get("catalog.list_batches", &path(&["batches"]))
            .query("dataSet", dataset.as_str())
            .query("orderBy", "desc:created")
            .query("limit", limit.clamp(1, 100).to_string());
        let map: Map<String, Value> = self.client.call(call).await?;
        Ok(keyed("catalog.list_batches", map))
    }

    /// Looks up one batch.
    pub async fn get_batch(&self, id: &BatchId) -> Result<Batch> {
        let call = PlatformCall::get("catalog.get_batch", &path(&["batches", id.as_str()]));
        let map: Map<String, Value> = self.client.call(call).await?;
        single("catalog.get_batch", "batch", id, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_response_parsing() {
        assert_eq!(
            dataset_id_from_create_response(&["@/dataSets/5c8c3c555033b814b69f947f".into()])
                .unwrap(),
            DatasetId::new("5c8c3c555033b814b69f947f")
        );
        assert_eq!(
            dataset_id_from_create_response(&["@/datasets/abc".into()]).unwrap(),
            DatasetId::new("abc")
        );
        assert!(dataset_id_from_create_response(&[]).is_err());
        assert!(dataset_id_from_create_response(&["@/dataSets/".into()]).is_err());
    }
}
