//! Data Access (`/data/foundation/export`) as data-access.yaml and
//! help/ingestion/quality/error-diagnostics.md document it: a dataset's preview shows only
//! what reached the data lake (records of closed batches), a batch's `row_errors` exist
//! only with the flow's error diagnostics on, once the batch closed, for 30 days; and Data
//! Prep's preview shows the record the inlet stores for the same payload and mapping.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::Harness;
use reqwest::Method;
use serde_json::{json, Map, Value};

const EXPORT: &str = "/data/foundation/export";
const DAY_SECS: u64 = 24 * 3600;

/// No warm-up, so posts count at once; Adobe's hourly window, so a batch stays open
/// until the test closes it.
async fn start() -> Harness {
    common::start(platform_sim::SimConfig {
        warmup: Duration::ZERO,
        ..Default::default()
    })
    .await
}

/// A Chatlio event without `visitor`: the schema's required `UUID` is missing.
fn failing_event(index: usize) -> Value {
    json!({ "message": format!("no visitor {index}"), "channelId": "C04J7M7LCMQ" })
}

/// The batch of the flow's newest run, found as a client finds it: the run's
/// `activities[].targetInfo[].reference.ids`.
async fn newest_batch(h: &Harness, flow_id: &str) -> String {
    let runs = h.runs_of(flow_id).await;
    runs[0]["activities"][0]["targetInfo"][0]["reference"]["ids"][0]
        .as_str()
        .unwrap()
        .to_string()
}

async fn stored_records(h: &Harness, dataset_id: &str) -> Vec<Value> {
    let (status, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{stored}");
    stored["records"].as_array().unwrap().clone()
}

async fn preview(h: &Harness, dataset_id: &str) -> (u16, Value) {
    h.json(
        Method::GET,
        &format!("{EXPORT}/datasets/{dataset_id}/preview"),
        None,
    )
    .await
}

/// `GET /batches/{id}/meta?{query}`: status, content type and body text.
async fn meta(h: &Harness, batch: &str, query: &str) -> (u16, String, String) {
    let response = h
        .platform(
            Method::GET,
            &format!("{EXPORT}/batches/{batch}/meta?{query}"),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn assert_path_not_found(status: u16, body: &str) {
    assert_eq!(status, 404, "{body}");
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["detail"], "The path is not found.", "{body}");
}

#[tokio::test]
async fn preview_shows_records_only_once_their_batch_closed_oldest_first() {
    let h = start().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Preview Lake").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;

    // Nothing stored yet: 404, as for a dataset that does not exist (both assumed).
    let (status, body) = preview(&h, &dataset_id).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["detail"], "The requested dataset was not found.");
    let (status, _) = preview(&h, "5c8c3c555033b814b69f947f").await;
    assert_eq!(status, 404);

    // Stored, but its window is open: not in the data lake yet.
    let mut first = common::chatlio_event();
    first["message"] = json!("first");
    h.post_event(&inlet, &flow_id, &first).await;
    assert_eq!(stored_records(&h, &dataset_id).await.len(), 1);
    let (status, body) = preview(&h, &dataset_id).await;
    assert_eq!(status, 404, "an open batch is not in the lake: {body}");

    // Closed: there, exactly as stored.
    let (status, _) = h.control(Method::POST, "/__sim/runs/close", None).await;
    assert_eq!(status, 200);
    let (status, shown) = preview(&h, &dataset_id).await;
    assert_eq!(status, 200, "{shown}");
    let stored = stored_records(&h, &dataset_id).await;
    assert_eq!(shown, json!({ "data": stored }));

    // A second record opens a new window: hidden until time closes it, then listed
    // after the first.
    let mut second = common::chatlio_event();
    second["message"] = json!("second");
    h.post_event(&inlet, &flow_id, &second).await;
    let (_, shown) = preview(&h, &dataset_id).await;
    assert_eq!(shown["data"].as_array().unwrap().len(), 1);
    h.advance(3600).await;
    let (_, shown) = preview(&h, &dataset_id).await;
    let rows = shown["data"].as_array().unwrap();
    let tenant = format!("_{}", h.tenant());
    let messages: Vec<&str> = rows
        .iter()
        .map(|row| row[&tenant]["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["first", "second"]);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn preview_keeps_to_the_first_100_rows_and_needs_dataset_permissions() {
    let h = start().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Preview Rows").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    for index in 0..105 {
        let mut event = common::chatlio_event();
        event["message"] = json!(format!("m{index}"));
        h.post_event(&inlet, &flow_id, &event).await;
    }
    h.control(Method::POST, "/__sim/runs/close", None).await;
    let (status, shown) = preview(&h, &dataset_id).await;
    assert_eq!(status, 200);
    let rows = shown["data"].as_array().unwrap();
    assert_eq!(rows.len(), 100);
    let tenant = format!("_{}", h.tenant());
    assert_eq!(rows[0][&tenant]["message"], "m0");
    assert_eq!(rows[99][&tenant]["message"], "m99");

    // Like a Catalog read: view-datasets (or manage-datasets) is needed.
    let (_, credential) = h
        .control(
            Method::POST,
            "/__sim/credentials",
            Some(json!({ "permissions": ["view-sources"] })),
        )
        .await;
    let client_id = credential["clientId"].as_str().unwrap();
    let token = common::token_for(
        &h.http,
        &h.base,
        client_id,
        credential["clientSecret"].as_str().unwrap(),
    )
    .await;
    let response = h
        .http
        .get(format!("{}{EXPORT}/datasets/{dataset_id}/preview", h.base))
        .bearer_auth(token)
        .header("x-api-key", client_id)
        .header("x-gw-ims-org-id", &h.org_id)
        .header("x-sandbox-name", "prod")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn row_errors_list_and_serve_failed_rows_with_error_diagnostics_for_30_days() {
    let h = start().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Diagnostics On").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    h.enable_diagnostics(&flow_id).await;
    h.post_event(&inlet, &flow_id, &common::chatlio_event())
        .await;
    // 1,001 failed rows: two files of at most 1,000 rows.
    for index in 0..1001 {
        h.post_event(&inlet, &flow_id, &failing_event(index)).await;
    }
    let batch = newest_batch(&h, &flow_id).await;

    // While the batch is open there are no diagnostics yet.
    let (status, _, body) = meta(&h, &batch, "path=row_errors").await;
    assert_path_not_found(status, &body);
    h.control(Method::POST, "/__sim/runs/close", None).await;

    // The Catalog batch: a summary, then each code with its recordCount; still `success`.
    let (_, got) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/batches/{batch}"),
            None,
        )
        .await;
    let catalog_batch = &got[&batch];
    assert_eq!(catalog_batch["status"], "success");
    assert_eq!(
        catalog_batch["errors"][0],
        json!({
            "code": "INGEST-1212-400",
            "description": "Encountered 1001 errors in the data. Successfully ingested 1 rows. Please review the associated diagnostic files for more details."
        })
    );
    assert_eq!(catalog_batch["errors"][1]["code"], "DCVS-1111-400");
    assert_eq!(catalog_batch["errors"][1]["recordCount"], 1001);
    assert_eq!(catalog_batch["metrics"]["failedRecordCount"], 1001);

    // The listing: both files on one page, no `_links`.
    let (status, content_type, body) = meta(&h, &batch, "path=row_errors").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let listing: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = listing["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["conversion_errors_0.json", "conversion_errors_1.json"]
    );
    assert_eq!(listing["_page"], json!({ "limit": 100, "count": 2 }));
    assert!(listing.get("_links").is_none(), "{listing}");
    let first = &listing["data"][0];
    assert_eq!(
        first["_links"]["self"]["href"],
        json!(format!(
            "{}{EXPORT}/batches/{batch}/meta?path=row_errors%2Fconversion_errors_0.json",
            h.base
        ))
    );

    // One file a page: `next` until the last page, `page` templated.
    let (_, _, body) = meta(&h, &batch, "path=row_errors&start=0&limit=1").await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["_page"], json!({ "limit": 1, "count": 2 }));
    assert_eq!(page["_links"]["page"]["templated"], true);
    let next = page["_links"]["next"]["href"].as_str().unwrap();
    let (status, last) = common::read(
        h.http
            .get(next)
            .bearer_auth(&h.token)
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", &h.org_id)
            .header("x-sandbox-name", "prod")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{last}");
    assert_eq!(last["data"][0]["name"], "conversion_errors_1.json");
    assert!(last["_links"].get("next").is_none(), "{last}");

    // A file: JSON Lines of the documented keys, its length as listed.
    let (status, content_type, text) =
        meta(&h, &batch, "path=row_errors%2Fconversion_errors_0.json").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(first["length"], json!(text.len().to_string()));
    let rows: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 1000);
    let row = rows[0].as_object().unwrap();
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(keys, ["_corrupt_record", "_errors", "_filename"]);
    let original: Value = serde_json::from_str(row["_corrupt_record"].as_str().unwrap()).unwrap();
    assert_eq!(original, failing_event(0));
    assert_eq!(row["_errors"][0]["code"], "1111");
    assert!(row["_errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("UUID"));
    assert_eq!(row["_filename"], "conversion_errors_0.json");
    let (_, _, text) = meta(&h, &batch, "path=row_errors/conversion_errors_1.json").await;
    let rows: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(rows[0]["_corrupt_record"].as_str().unwrap()).unwrap(),
        failing_event(1000)
    );
    assert_eq!(rows[0]["_filename"], "conversion_errors_1.json");

    // The sample file the run manifests link: the first 100 rows.
    let (status, content_type, text) = meta(&h, &batch, "path=row_error_samples.json").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(text.lines().count(), 100);

    // Other paths, other batches: "The path is not found.".
    for query in [
        "path=row_errors%2Fconversion_errors_2.json",
        "path=row_errors_sample.json",
        "path=input_files",
        "",
    ] {
        let (status, _, body) = meta(&h, &batch, query).await;
        assert_path_not_found(status, &body);
    }
    let (status, _, body) = meta(&h, "01E8043CY305K2MTV5ANH9G1GC", "path=row_errors").await;
    assert_path_not_found(status, &body);
    let (status, _, _) = meta(&h, &batch, "path=row_errors&limit=0").await;
    assert_eq!(status, 400);

    // Kept for 30 days.
    h.advance(29 * DAY_SECS).await;
    let (status, _, _) = meta(&h, &batch, "path=row_errors").await;
    assert_eq!(status, 200);
    h.advance(2 * DAY_SECS).await;
    let (status, _, body) = meta(&h, &batch, "path=row_errors").await;
    assert_path_not_found(status, &body);
    let (status, _, _) = meta(&h, &batch, "path=row_error_samples.json").await;
    assert_eq!(status, 404);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn without_error_diagnostics_a_batch_has_no_row_errors_and_no_counts() {
    let h = start().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Diagnostics Off").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    h.post_event(&inlet, &flow_id, &failing_event(0)).await;
    let batch = newest_batch(&h, &flow_id).await;
    h.control(Method::POST, "/__sim/runs/close", None).await;
    let (status, _, body) = meta(&h, &batch, "path=row_errors").await;
    assert_path_not_found(status, &body);
    let (_, got) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/batches/{batch}"),
            None,
        )
        .await;
    let errors = got[&batch]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "INGEST-1211-400");
    assert!(errors[0].get("recordCount").is_none());
    // Turning diagnostics on later does not produce files for records received before.
    h.enable_diagnostics(&flow_id).await;
    let (status, _, _) = meta(&h, &batch, "path=row_errors").await;
    assert_eq!(status, 404);
    h.sim.shutdown().await;
}

/// Drops the fields the mapping generates anew for every record.
fn without_generated(record: &Value) -> Value {
    let mut map: Map<String, Value> = record.as_object().unwrap().clone();
    map.remove("_id");
    map.remove("timestamp");
    Value::Object(map)
}

#[tokio::test]
async fn data_prep_preview_shows_the_record_the_inlet_stores() {
    let h = start().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Preview Same").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    // The flow's mapping set, as a client reads it back.
    let (_, flow) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/flows/{flow_id}"),
            None,
        )
        .await;
    let mapping_id = flow["items"][0]["transformations"][0]["params"]["mappingId"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, mapping) = h
        .json(
            Method::GET,
            &format!("/data/foundation/conversion/mappingSets/{mapping_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{mapping}");
    let event = common::chatlio_event();
    let (status, previewed) = h
        .json(
            Method::POST,
            "/data/foundation/conversion/mappingSets/preview",
            Some(json!({
                "data": [event, { "message": "second sample" }],
                "mappingSet": { "outputSchema": mapping["outputSchema"], "mappings": mapping["mappings"] }
            })),
        )
        .await;
    assert_eq!(status, 200, "{previewed}");
    // A JSON array, one `{data, errors}` per input record (mapping-set.md).
    let items = previewed.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["errors"], Value::Null);
    let keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["data", "errors"]);

    h.post_event(&inlet, &flow_id, &event).await;
    let stored = stored_records(&h, &dataset_id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        without_generated(&items[0]["data"]),
        without_generated(&stored[0])
    );
    assert!(items[0]["data"]["_id"].is_string());
    assert!(items[0]["data"]["timestamp"].is_string());

    // And the Data Access preview shows that stored record once its batch closed.
    h.control(Method::POST, "/__sim/runs/close", None).await;
    let (status, lake) = preview(&h, &dataset_id).await;
    assert_eq!(status, 200);
    assert_eq!(lake["data"][0], stored[0]);

    // A mapper error comes back in the spec's TransformErrorInfo shape.
    let tenant = h.tenant();
    let (status, failing) = h
        .json(
            Method::POST,
            "/data/foundation/conversion/mappingSets/preview",
            Some(json!({
                "data": [event],
                "mappingSet": {
                    "outputSchema": mapping["outputSchema"],
                    "mappings": [{ "sourceType": "EXPRESSION", "source": "to_integer(message)", "destination": format!("_{tenant}.message") }]
                }
            })),
        )
        .await;
    assert_eq!(status, 200, "{failing}");
    let error = &failing[0]["errors"][0];
    assert_eq!(error["destination"], json!(format!("_{tenant}.message")));
    assert_eq!(error["source"], "to_integer(message)");
    assert_eq!(error["sourceType"], "EXPRESSION");
    assert!(error["exception"].is_string(), "{error}");
    h.sim.shutdown().await;
}
