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
    /// Page size (Adobe: default 20, max 100).
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

/// Decodes a Catalog map `{id: object}` into ordered `(id, object)` pairs.
fn keyed<Id: From<String>, T: DeserializeOwned>(
    operation: &'static str,
    map: Map<String, Value>,
) -> Result<Vec<(Id, T)>> {
    map.into_iter()
        .map(|(id, value)| {
            let object = serde_json::from_value::<T>(value).map_err(|error| {
                PlatformError::unexpected(format!(
                    "Catalog returned an object that does not match the documented shape ({error})."
                ))
                .with_operation(operation)
            })?;
            Ok((Id::from(id), object))
        })
        .collect()
}

impl Catalog<'_> {
    /// Creates a dataset (`POST /dataSets?requestDataSource=true`, 201) and returns its id.
    pub async fn create_dataset(&self, request: &DatasetRequest) -> Result<DatasetId> {
        let call = PlatformCall::post("catalog.create_dataset", &path(&["dataSets"]))
            .query("requestDataSource", "true")
            .json(request)?;
        let paths: Vec<String> = self.client.call(call).await?;
        dataset_id_from_create_response(&paths)
    }

    /// Looks up one dataset.
    pub async fn get_dataset(&self, id: &DatasetId) -> Result<Dataset> {
        let call = PlatformCall::get("catalog.get_dataset", &path(&["dataSets", id.as_str()]));
        let map: Map<String, Value> = self.client.call(call).await?;
        let entries: Vec<(DatasetId, Dataset)> = keyed("catalog.get_dataset", map)?;
        entries
            .into_iter()
            .find(|(found, _)| found == id)
            .map(|(_, dataset)| dataset)
            .ok_or_else(|| {
                PlatformError::new(ErrorCode::NotFound, "Catalog returned no such dataset.")
                    .with_operation("catalog.get_dataset")
            })
    }

    /// Lists datasets (one page) as `(id, dataset)` pairs in Adobe's order.
    pub async fn list_datasets(&self, query: &DatasetQuery) -> Result<Vec<(DatasetId, Dataset)>> {
        let mut call = PlatformCall::get("catalog.list_datasets", &path(&["dataSets"]));
        if let Some(name) = &query.name {
            call = call.query("name", name.clone());
        }
        if !query.properties.is_empty() {
            call = call.query("properties", query.properties.join(","));
        }
        if let Some(limit) = query.limit {
            call = call.query("limit", limit.to_string());
        }
        if let Some(start) = query.start {
            call = call.query("start", start.to_string());
        }
        let map: Map<String, Value> = self.client.call(call).await?;
        keyed("catalog.list_datasets", map)
    }

    /// Datasets whose name is exactly `name` (Catalog does not enforce unique names).
    pub async fn find_datasets_by_name(&self, name: &str) -> Result<Vec<(DatasetId, Dataset)>> {
        let found = self
            .list_datasets(&DatasetQuery {
                name: Some(name.to_owned()),
                properties: vec!["name".into(), "schemaRef".into()],
                limit: Some(100),
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
        keyed("catalog.list_batches", map)
    }

    /// Looks up one batch.
    pub async fn get_batch(&self, id: &BatchId) -> Result<Batch> {
        let call = PlatformCall::get("catalog.get_batch", &path(&["batches", id.as_str()]));
        let map: Map<String, Value> = self.client.call(call).await?;
        let entries: Vec<(BatchId, Batch)> = keyed("catalog.get_batch", map)?;
        entries
            .into_iter()
            .find(|(found, _)| found == id)
            .map(|(_, batch)| batch)
            .ok_or_else(|| {
                PlatformError::new(ErrorCode::NotFound, "Catalog returned no such batch.")
                    .with_operation("catalog.get_batch")
            })
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
