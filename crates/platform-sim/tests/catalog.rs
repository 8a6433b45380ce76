//! Catalog listing as help/catalog/api/filter-data.md documents it: `properties=` with
//! `{}` for an object without any requested property and for a property without a value,
//! default `limit` 20 (at most 100), zero-based `start`; and the fields a real dataset
//! carries (catalog.yaml `classification`, the `adobe/pqs/table` tag).

#![allow(clippy::unwrap_used)]

mod common;

use reqwest::Method;
use serde_json::{json, Value};

const DATASETS: &str = "/data/foundation/catalog/dataSets";

#[tokio::test]
async fn requested_properties_without_a_value_come_back_as_empty_objects() {
    let h = common::start_default().await;
    let (schema_id, described) = h.chatlio_schema_and_dataset("Catalog Shapes").await;
    // One dataset without a name, one with an empty name.
    let mut ids = Vec::new();
    for body in [
        json!({ "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1" } }),
        json!({ "name": "", "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1" } }),
    ] {
        let (status, created) = h.json(Method::POST, DATASETS, Some(body)).await;
        assert_eq!(status, 201, "{created}");
        ids.push(
            created[0]
                .as_str()
                .unwrap()
                .strip_prefix("@/dataSets/")
                .unwrap()
                .to_owned(),
        );
    }
    let (status, listed) = h
        .json(Method::GET, &format!("{DATASETS}?properties=name"), None)
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed[&described],
        json!({ "name": "Catalog Shapes dataset" })
    );
    // No name at all: the object is empty (`"Dataset2": {}`).
    assert_eq!(listed[&ids[0]], json!({}));
    // A name without a value: `"Dataset3": {"name": {}}`.
    assert_eq!(listed[&ids[1]], json!({ "name": {} }));
    // A dataset made without a description has one without a value (assumed), shown as {}.
    let (_, one) = h
        .json(
            Method::GET,
            &format!("{DATASETS}/{described}?properties=name,description,schemaRef"),
            None,
        )
        .await;
    assert_eq!(one[&described]["description"], json!({}));
    assert_eq!(one[&described]["schemaRef"]["id"], json!(schema_id));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn lists_default_to_20_and_page_with_start() {
    let h = common::start_default().await;
    let (schema_id, _) = h.chatlio_schema_and_dataset("Catalog Paging").await;
    for index in 0..24 {
        let (status, _) = h
            .json(
                Method::POST,
                DATASETS,
                Some(json!({
                    "name": format!("Paged {index:02}"),
                    "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1" }
                })),
            )
            .await;
        assert_eq!(status, 201);
    }
    let count = |value: &Value| value.as_object().unwrap().len();
    let (_, first) = h.json(Method::GET, DATASETS, None).await;
    assert_eq!(count(&first), 20);
    let (_, rest) = h
        .json(Method::GET, &format!("{DATASETS}?start=20"), None)
        .await;
    assert_eq!(count(&rest), 5);
    let (_, all) = h
        .json(Method::GET, &format!("{DATASETS}?limit=100"), None)
        .await;
    assert_eq!(count(&all), 25);
    let (status, _) = h
        .json(Method::GET, &format!("{DATASETS}?limit=101"), None)
        .await;
    assert_eq!(status, 400);
    let mut seen: Vec<String> = first.as_object().unwrap().keys().cloned().collect();
    seen.extend(rest.as_object().unwrap().keys().cloned());
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25, "pages overlap");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn datasets_carry_classification_and_table_tags() {
    let h = common::start_default().await;
    let (_, dataset_id) = h.chatlio_schema_and_dataset("Luma CRM").await;
    let (_, got) = h
        .json(Method::GET, &format!("{DATASETS}/{dataset_id}"), None)
        .await;
    let dataset = &got[&dataset_id];
    assert_eq!(
        dataset["classification"],
        json!({ "dataBehavior": "time-series", "managedBy": "CUSTOMER" })
    );
    assert_eq!(
        dataset["tags"]["adobe/pqs/table"],
        json!(["luma_crm_dataset"])
    );
    assert_eq!(
        dataset["tags"]["adobe/siphon/table/format"],
        json!(["parquet"])
    );
    h.sim.shutdown().await;
}
