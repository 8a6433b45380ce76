//! A scripted walk of Adobe's Chatlio API tutorial
//! (help/sources/tutorials/api/create/marketing-automation/chatlio-webhook.md) with plain
//! HTTP calls, ending with the posted event readable from the dataset. It runs against
//! the emulator's Adobe-like defaults (5 minute warm-up, hourly runs) and lets time pass
//! with `/__sim/time/advance`.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod common;

use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn chatlio_tutorial_walk_ingests_the_sample_event() {
    let h = common::start_default().await;
    let tenant = h.tenant();

    // Tenant id, as the wizard learns it.
    let (status, stats) = h
        .json(Method::GET, "/data/foundation/schemaregistry/stats", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(stats["tenantId"], json!(tenant));
    assert_eq!(stats["imsOrg"], json!(h.org_id));

    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Chatlio Events").await;
    let (flow_id, inlet_url, created_etag) = h.chatlio_flow_created(&schema_id, &dataset_id).await;

    // GET /flows/{id}: the documented shape.
    let (_, flow) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/flows/{flow_id}"),
            None,
        )
        .await;
    let item = &flow["items"][0];
    assert_eq!(item["state"], "enabled");
    assert_eq!(item["flowSpec"]["id"], common::FLOW_SPEC);
    assert_eq!(
        item["inheritedAttributes"]["sourceConnections"][0]["connectionSpec"]["id"],
        common::CHATLIO_SPEC
    );
    assert_eq!(
        item["inheritedAttributes"]["targetConnections"][0]["connectionSpec"]["id"],
        common::DATA_LAKE_SPEC
    );
    assert_eq!(
        item["inheritedAttributes"]["properties"]["isSourceFlow"],
        true
    );
    assert_eq!(item["transformations"][0]["params"]["mappingVersion"], 0);
    assert!(item["etag"].as_str().unwrap().starts_with('"'));
    assert_eq!(item["etag"], item["version"]);
    // The tutorial reads the flow back with another etag than the create answer: Flow
    // Service has enabled it meanwhile.
    assert_ne!(item["etag"], json!(created_etag));
    assert_eq!(item["lastOperation"]["operation"], "enable");
    assert!(item["createdAt"].as_i64().unwrap() > 0);
    assert!(item.get("lastRunDetails").is_none(), "no run yet");
    assert_eq!(
        item["runs"],
        json!(format!("/runs?property=flowId=={flow_id}"))
    );
    assert!(inlet_url.starts_with(&format!("{}/collection/", h.base)));

    // The webhook URL pattern from the UI guide: {inletUrl}?x-adobe-flow-id={flowId}.
    let post = || async {
        let response = h
            .http
            .post(format!("{inlet_url}?x-adobe-flow-id={flow_id}"))
            .json(&common::chatlio_event())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        common::read(response).await.1
    };
    // Sent right after the flow was made, during its warm-up: answered, then lost.
    let receipt = post().await;
    assert!(receipt["inletId"].is_string());
    assert_eq!(receipt["syncValidation"], json!({ "skipped": true }));
    h.advance(3600).await;
    assert!(h.runs_of(&flow_id).await.is_empty(), "nothing was counted");
    let (_, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(stored["records"], json!([]), "nothing was stored");

    // After the warm-up (the hour above covered it) the event is ingested.
    let receipt = post().await;
    assert!(receipt["xactionId"].as_str().unwrap().contains(':'));
    assert!(receipt["receivedTimeMs"].is_i64());

    // Its run is listed while the hour is open, without counts yet.
    let runs = h.runs_of(&flow_id).await;
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["flowId"], json!(flow_id));
    assert_eq!(run["metrics"]["statusSummary"]["status"], "inProgress");
    assert_eq!(run["metrics"]["recordSummary"], json!({}));
    assert!(run["metrics"]["durationSummary"]["completedAtUTC"].is_null());

    // Once the hour has passed, the run is closed and counts the record.
    let advanced = h.advance(3600).await;
    assert_eq!(advanced["closedRuns"], 1);
    let runs = h.runs_of(&flow_id).await;
    let run = &runs[0];
    assert_eq!(run["metrics"]["recordSummary"]["inputRecordCount"], 1);
    assert_eq!(run["metrics"]["recordSummary"]["outputRecordCount"], 1);
    assert_eq!(run["metrics"]["recordSummary"]["failedRecordCount"], 0);
    assert_eq!(run["metrics"]["statusSummary"]["status"], "success");
    assert!(run["metrics"]["durationSummary"]["completedAtUTC"].is_i64());
    let (_, flow) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/flows/{flow_id}"),
            None,
        )
        .await;
    assert_eq!(flow["items"][0]["lastRunDetails"]["id"], run["id"]);
    assert_eq!(flow["items"][0]["lastRunDetails"]["state"], "success");

    // The mapped record is in the dataset.
    let (status, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let records = stored["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{stored}");
    let fields = &records[0][format!("_{tenant}")];
    assert_eq!(fields["UUID"], "2d3f4260-2235-903b-0a82-a23d326cc257");
    assert_eq!(fields["chatlio_email"], "test@example.com");
    assert_eq!(fields["message"], "Hi");
    assert_eq!(fields["channel_ID"], "C04J7M7LCMQ");
    assert_eq!(fields["slackchannel_ID"], "C04JVR71WKS");
    assert_eq!(fields["slackchannel_name"], "aep");
    assert!(records[0]["_id"].is_string());
    assert!(records[0]["timestamp"].is_string());

    // Catalog shows the streaming batch for the dataset.
    let (status, batches) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/batches?dataSet={dataset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let batch: &Value = batches.as_object().unwrap().values().next().unwrap();
    assert_eq!(batch["recordCount"], 1);
    assert_eq!(batch["relatedObjects"][0]["id"], json!(dataset_id));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn the_tutorial_mapping_without_id_and_timestamp_fails_records_with_a_required_field_error() {
    let h = common::start_default().await;
    let tenant = h.tenant();
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Chatlio Strict").await;
    let (status, source) = h
        .json(
            Method::POST,
            "/data/foundation/flowservice/sourceConnections",
            Some(json!({ "name": "s", "connectionSpec": { "id": common::CHATLIO_SPEC, "version": "1.0" }, "data": { "format": "json" } })),
        )
        .await;
    assert_eq!(status, 201);
    let (_, target) = h
        .json(
            Method::POST,
            "/data/foundation/flowservice/targetConnections",
            Some(json!({
                "name": "t",
                "connectionSpec": { "id": common::DATA_LAKE_SPEC, "version": "1.0" },
                "data": { "format": "json", "schema": { "id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1" } },
                "params": { "dataSetId": dataset_id }
            })),
        )
        .await;
    // Exactly the tutorial's mapping (tenant renamed): no `_id`, no `timestamp`.
    let (status, mapping) = h
        .json(
            Method::POST,
            "/data/foundation/conversion/mappingSets",
            Some(json!({
                "outputSchema": { "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1" } },
                "mappings": [
                    { "destinationXdmPath": format!("_{tenant}.UUID"), "sourceAttribute": "visitor.UUID", "identity": false, "version": 0 },
                    { "destinationXdmPath": format!("_{tenant}.message"), "sourceAttribute": "message", "identity": false, "version": 0 }
                ]
            })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, flow) = h
        .json(
            Method::POST,
            "/data/foundation/flowservice/flows",
            Some(json!({
                "name": "f",
                "flowSpec": { "id": common::FLOW_SPEC, "version": "1.0" },
                "sourceConnectionIds": [source["id"]],
                "targetConnectionIds": [target["id"]],
                "transformations": [{ "name": "Mapping", "params": { "mappingId": mapping["id"], "mappingVersion": "0" } }]
            })),
        )
        .await;
    let flow_id = flow["id"].as_str().unwrap();
    let (_, got) = h
        .json(
            Method::GET,
            &format!("/data/foundation/flowservice/flows/{flow_id}"),
            None,
        )
        .await;
    let inlet = got["items"][0]["options"]["inletUrl"].as_str().unwrap();
    h.wait_out_warmup().await;
    // The header form of x-adobe-flow-id.
    let response = h
        .http
        .post(inlet)
        .header("x-adobe-flow-id", flow_id)
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "asynchronous validation accepts the message"
    );
    let (_, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(stored["records"].as_array().unwrap().len(), 0);
    let failed = &stored["failed"][0];
    let codes: Vec<&str> = failed["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"DCVS-1111-400"), "{failed}");
    assert!(failed["errors"]
        .to_string()
        .contains("required key [_id] not found"));

    h.advance(3600).await;
    let runs = h.runs_of(flow_id).await;
    let run = &runs[0];
    let summary = &run["metrics"];
    assert_eq!(summary["recordSummary"]["failedRecordCount"], 1);
    assert_eq!(summary["statusSummary"]["status"], "failed");
    // Adobe's layout (help/sources/tutorials/api/monitor.md): the run level names the
    // activity that failed, without counts; the record-level codes with their counts
    // are in the activity's extensions.
    assert_eq!(
        summary["statusSummary"]["errors"],
        json!([{ "code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity." }])
    );
    let record_errors = run["activities"][0]["statusSummary"]["extensions"]["errors"]
        .as_array()
        .unwrap();
    let required = record_errors
        .iter()
        .find(|e| e["code"] == "DCVS-1111-400")
        .unwrap();
    assert_eq!(required["recordCount"], 1);
    let summary_error = record_errors
        .iter()
        .find(|e| e["code"] == "INGEST-1212-400")
        .unwrap();
    assert!(summary_error.get("recordCount").is_none());
    assert!(summary_error["message"]
        .as_str()
        .unwrap()
        .starts_with("Encountered 1 errors in the data. Successfully ingested 0 rows."));
    h.sim.shutdown().await;
}
