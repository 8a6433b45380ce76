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

const BATCHES: &str = "/data/foundation/catalog/batches";

/// `batches` as an ordered list of (id, batch), in the order Catalog answered.
fn batch_list(answer: &Value) -> Vec<(String, Value)> {
    answer
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, batch)| (id.clone(), batch.clone()))
        .collect()
}

#[tokio::test]
async fn batches_default_to_20_oldest_first_and_page_with_start_up_to_100() {
    let h = common::start(platform_sim::SimConfig {
        warmup: std::time::Duration::ZERO,
        ..Default::default()
    })
    .await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Batch Paging").await;
    let (flow_id, _) = h.chatlio_flow(&schema_id, &dataset_id).await;
    // 105 closed hourly runs, one Catalog batch each.
    let (status, seeded) = h
        .control(
            Method::POST,
            "/__sim/runs/seed",
            Some(json!({ "flowId": flow_id, "hours": 105, "received": 10, "failed": 2 })),
        )
        .await;
    assert_eq!(status, 200, "{seeded}");
    let of_dataset = format!("{BATCHES}?dataSet={dataset_id}");

    // No `limit`: 20, oldest first (ascending is Catalog's default direction).
    let (status, first) = h.json(Method::GET, &of_dataset, None).await;
    assert_eq!(status, 200, "{first}");
    let first = batch_list(&first);
    assert_eq!(first.len(), 20);
    let created: Vec<i64> = first
        .iter()
        .map(|(_, b)| b["created"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "{created:?}");

    // `desc:created` gives the newest first.
    let (_, newest) = h
        .json(
            Method::GET,
            &format!("{of_dataset}&orderBy=desc:created&limit=1"),
            None,
        )
        .await;
    let newest = batch_list(&newest);
    assert_eq!(newest.len(), 1);
    let (_, all) = h
        .json(
            Method::GET,
            &format!("{of_dataset}&limit=100&start=5&orderBy=desc:created"),
            None,
        )
        .await;
    let all = batch_list(&all);
    assert_eq!(all.len(), 100, "100 of 105 after skipping 5");
    assert!(all.iter().all(|(id, _)| *id != newest[0].0));
    assert!(all[0].1["created"].as_i64().unwrap() < newest[0].1["created"].as_i64().unwrap());

    // More than 100 is served as 100; `start` pages to the end.
    let (status, big) = h
        .json(Method::GET, &format!("{of_dataset}&limit=500"), None)
        .await;
    assert_eq!(status, 200, "{big}");
    assert_eq!(batch_list(&big).len(), 100);
    let (_, tail) = h
        .json(
            Method::GET,
            &format!("{of_dataset}&limit=100&start=100"),
            None,
        )
        .await;
    assert_eq!(batch_list(&tail).len(), 5);
    let (_, second) = h
        .json(Method::GET, &format!("{of_dataset}&start=20"), None)
        .await;
    let second = batch_list(&second);
    assert_eq!(second.len(), 20);
    assert!(second[0].1["created"].as_i64().unwrap() > *created.last().unwrap());

    // `limit=0`, a limit or start that is not a number: 400.
    for query in ["limit=0", "limit=ten", "limit=-1", "start=x"] {
        let (status, body) = h
            .json(Method::GET, &format!("{of_dataset}&{query}"), None)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
    }

    // The spec's relatedObjects types only; metrics beside the top-level counts; no
    // error diagnostics on this flow, so one INGEST-1211-400 without a count; `success`
    // although records failed.
    let batch = &first[0].1;
    assert_eq!(
        batch["relatedObjects"],
        json!([{ "type": "dataSet", "id": dataset_id }])
    );
    assert_eq!(batch["status"], "success");
    assert_eq!(batch["recordCount"], 8);
    assert_eq!(batch["failedRecordCount"], 2);
    assert_eq!(
        batch["metrics"],
        json!({ "inputRecordCount": 10, "outputRecordCount": 8, "failedRecordCount": 2 })
    );
    assert_eq!(
        batch["errors"],
        json!([{
            "code": "INGEST-1211-400",
            "description": "Encountered errors while parsing, converting or otherwise validating the data. Please resend the data with error diagnostics enabled to collect additional information on failure types"
        }])
    );
    h.sim.shutdown().await;
}
