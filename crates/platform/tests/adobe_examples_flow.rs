//! Every Flow Service response shape the client decodes, written to Adobe's documented
//! examples: the Chatlio tutorial's create answers and flow
//! (help/sources/tutorials/api/create/marketing-automation/chatlio-webhook.md), the run of
//! help/sources/tutorials/api/monitor.md with its activity errors, a target connection and
//! the paging envelope of flow-service.yaml, and error bodies of
//! help/sources/errors/flow-service-errors.md. Paged lists are served by a small local
//! HTTP server so the client's own paging reads them.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use platform::models::flow::{Created, Flow, FlowSpec, Run, TargetConnection};
use platform::models::{FlowId, SourceConnectionId};
use platform::response::{classify_failure, interpret, ResponseMeta};
use platform::{Client, ClientConfig, Credential, ErrorCode, Secret, Url};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

fn decode<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    interpret(
        200,
        &ResponseMeta::default(),
        &serde_json::to_vec(body).unwrap(),
    )
    .unwrap()
}

/// The flow of the Chatlio tutorial's "Get your streaming endpoint URL" step.
fn chatlio_tutorial_flow() -> Value {
    json!({
        "id": "d947e6a9-ea53-42c4-985c-c9379265491f",
        "createdAt": 1676875325841u64,
        "updatedAt": 1676875331938u64,
        "createdBy": "acme@AdobeID",
        "updatedBy": "acme@AdobeID",
        "createdClient": "{CREATED_CLIENT}",
        "updatedClient": "{UPDATED_CLIENT}",
        "sandboxId": "{SANDBOX_ID}",
        "sandboxName": "{SANDBOX_NAME}",
        "imsOrgId": "{ORG_ID}",
        "name": "Streaming Dataflow for Chatlio",
        "description": "Streaming Dataflow for Chatlio",
        "flowSpec": { "id": "e77fde5a-22a8-11ed-861d-0242ac120002", "version": "1.0" },
        "state": "enabled",
        "version": "\"9b012541-0000-0200-0000-63f316430000\"",
        "etag": "\"9b012541-0000-0200-0000-63f316430000\"",
        "sourceConnectionIds": ["7689a40d-43eb-4f74-a3f1-092a55884f6c"],
        "targetConnectionIds": ["f7be8ab6-e5ea-4405-83b9-200cdfb2a9e5"],
        "inheritedAttributes": {
            "properties": { "isSourceFlow": true },
            "sourceConnections": [{
                "id": "7689a40d-43eb-4f74-a3f1-092a55884f6c",
                "connectionSpec": { "id": "073127a3-26e3-496c-9d94-9f48fb93fba8", "version": "1.0" }
            }],
            "targetConnections": [{
                "id": "f7be8ab6-e5ea-4405-83b9-200cdfb2a9e5",
                "connectionSpec": { "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0" }
            }]
        },
        "options": {
            "inletUrl": "https://dcs.adobedc.net/collection/e71b6a6cd7270388674f8ab68ee438da58ba4434dea63cc547ee21547275923c"
        },
        "transformations": [{
            "name": "Mapping",
            "params": { "mappingId": "4b7188aad69c44529a5e674ab5d3568b", "mappingVersion": 0 }
        }],
        "runs": "/runs?property=flowId==d947e6a9-ea53-42c4-985c-c9379265491f",
        "providerRefId": "bfac26f5-9256-438c-b1a0-e07a7dc675f6",
        "lastOperation": { "started": 0, "updated": 0, "operation": "enable" }
    })
}

/// The run of help/sources/tutorials/api/monitor.md, exactly as documented.
fn monitor_md_run() -> Value {
    json!({
        "createdAt": 1596656079576u64,
        "updatedAt": 1596656113526u64,
        "createdBy": "{CREATED_BY}",
        "updatedBy": "{UPDATED_BY}",
        "createdClient": "{CREATED_CLIENT}",
        "updatedClient": "{UPDATED_CLIENT}",
        "sandboxId": "1bd86660-c5da-11e9-93d4-6d5fc3a66a8e",
        "sandboxName": "prod",
        "id": "9830305a-985f-47d0-b030-5a985fd7d004",
        "flowId": "c9cef9cb-c934-4467-8ef9-cbc934546741",
        "etag": "\"b8003af1-0000-0200-0000-5f2b09f10000\"",
        "metrics": {
            "durationSummary": { "startedAtUTC": 1596656058198u64, "completedAtUTC": 1596656113306u64 },
            "sizeSummary": { "inputBytes": 24012, "outputBytes": 17128 },
            "recordSummary": { "inputRecordCount": 100, "outputRecordCount": 99, "failedRecordCount": 1 },
            "fileSummary": { "inputFileCount": 1, "outputFileCount": 1, "activityRefs": ["promotionActivity"] },
            "statusSummary": {
                "status": "success",
                "errors": [{ "code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity." }],
                "activityRefs": ["promotionActivity"]
            }
        },
        "activities": [
            {
                "id": "copyActivity",
                "updatedAtUTC": 1596656095088u64,
                "durationSummary": {
                    "startedAtUTC": 1596656058198u64,
                    "completedAtUTC": 1596656089650u64,
                    "extensions": { "windowStart": 1596653708000u64, "windowEnd": 1596655508000u64 }
                },
                "sizeSummary": { "inputBytes": 24012, "outputBytes": 24012 },
                "recordSummary": {},
                "fileSummary": { "inputFileCount": 1, "outputFileCount": 1 },
                "statusSummary": { "status": "success", "extensions": { "type": "one-time" } },
                "sourceInfo": [{
                    "id": "c0e18602-f9ea-44f9-a186-02f9ea64f9ac",
                    "type": "SourceConnection",
                    "reference": { "type": "AdfRunId", "ids": ["8a8eb0cc-e283-4605-ac70-65a5adb1baef"] }
                }]
            },
            {
                "id": "promotionActivity",
                "updatedAtUTC": 1596656113485u64,
                "durationSummary": { "startedAtUTC": 1596656095333u64, "completedAtUTC": 1596656113306u64 },
                "sizeSummary": { "inputBytes": 24012, "outputBytes": 17128 },
                "recordSummary": { "inputRecordCount": 100, "outputRecordCount": 99, "failedRecordCount": 1 },
                "fileSummary": {
                    "inputFileCount": 2,
                    "outputFileCount": 1,
                    "extensions": { "manifest": { "fileInfo": "https://platform-int.adobe.io/data/foundation/export/batches/01EF01X41KJD82Y9ZX6ET54PCZ/meta?path=input_files" } }
                },
                "statusSummary": {
                    "status": "success",
                    "errors": [{ "code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity." }],
                    "extensions": {
                        "manifest": {
                            "failedRecords": "https://platform-int.adobe.io/data/foundation/export/batches/01EF01X41KJD82Y9ZX6ET54PCZ/meta?path=row_errors",
                            "sampleErrors": "https://platform-int.adobe.io/data/foundation/export/batches/01EF01X41KJD82Y9ZX6ET54PCZ/meta?path=row_error_samples.json"
                        },
                        "errors": [
                            { "code": "INGEST-1212-400", "message": "Encountered 1 errors in the data. Successfully ingested 99 rows. Review the associated diagnostic files for additional details." },
                            { "code": "MAPPER-3700-400", "recordCount": 1, "message": "Mapper Transform Error" }
                        ]
                    }
                },
                "targetInfo": [{
                    "id": "47166b83-01c7-4b65-966b-8301c70b6562",
                    "type": "TargetConnection",
                    "reference": { "type": "Batch", "ids": ["01EF01X41KJD82Y9ZX6ET54PCZ"] }
                }]
            }
        ]
    })
}

#[test]
fn create_answers_of_the_chatlio_tutorial() {
    let source: Created<SourceConnectionId> = decode(&json!({
        "id": "7689a40d-43eb-4f74-a3f1-092a55884f6c",
        "etag": "\"01013ed0-0000-0200-0000-63f314d00000\""
    }));
    assert_eq!(source.id.as_str(), "7689a40d-43eb-4f74-a3f1-092a55884f6c");
    let flow: Created<FlowId> = decode(&json!({
        "id": "d947e6a9-ea53-42c4-985c-c9379265491f",
        "etag": "\"9b01c840-0000-0200-0000-63f3163e0000\""
    }));
    assert_eq!(
        flow.etag.unwrap().as_str(),
        "\"9b01c840-0000-0200-0000-63f3163e0000\""
    );
}

#[test]
fn flow_of_the_chatlio_tutorial() {
    let items: Items<Flow> = decode(&json!({ "items": [chatlio_tutorial_flow()] }));
    let flow = &items.items[0];
    assert!(flow.is_enabled() && !flow.is_draft());
    assert_eq!(
        flow.inlet_url(),
        Some("https://dcs.adobedc.net/collection/e71b6a6cd7270388674f8ab68ee438da58ba4434dea63cc547ee21547275923c")
    );
    // The etag read back is not the create answer's: use this one for If-Match.
    assert_eq!(
        flow.etag.as_ref().unwrap().as_str(),
        "\"9b012541-0000-0200-0000-63f316430000\""
    );
    assert_eq!(flow.created_at, Some(1_676_875_325_841));
    assert_eq!(flow.last_operation.as_ref().unwrap()["operation"], "enable");
    assert_eq!(flow.transformations[0].mapping_version(), Some(0));
    assert_eq!(flow.source_connection_ids.len(), 1);
    assert!(flow.last_run_details.is_none());
}

#[test]
fn target_connection_from_the_spec_example() {
    // flow-service.yaml, TargetConnectionItemDTO example values.
    let items: Items<TargetConnection> = decode(&json!({ "items": [{
        "id": "1642748e-7cbc-4f3d-8274-8e7cbcaf3d97",
        "createdAt": 1670279178771u64,
        "updatedAt": 1670279178771u64,
        "createdBy": "28AF22BA5DE6B0B40A494036@AdobeID",
        "updatedBy": "28AF22BA5DE6B0B40A494036@AdobeID",
        "createdClient": "exc_app",
        "updatedClient": "exc_app",
        "sandboxId": "1bd86660-c5da-11e9-93d4-6d5fc3a66a8e",
        "sandboxName": "prod",
        "imsOrgId": "5C1328435BF324E90A49402A@AdobeOrg",
        "name": "Google Cloud Storage Target Connection",
        "description": "A Google Cloud Storage Target Connection for ACME customer data",
        "state": "enabled",
        "data": { "format": "json", "schema": { "id": "https://ns.adobe.com/extconndev/schemas/49cecec83dd1a8da1aef4a96c67c06654e8c337a0a3b4262", "version": "application/vnd.adobe.xed-full+json;version=1.0" } },
        "connectionSpec": { "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0" },
        "params": { "dataSetId": "5ed18e0f4f90b719196f44a9" },
        "version": "\"6f00d1ea-0000-0200-0000-5ea6713e0000\"",
        "etag": "\"6f00d1ea-0000-0200-0000-5ea6713e0000\""
    }], "_links": {} }));
    let target = &items.items[0];
    assert_eq!(
        target
            .params
            .as_ref()
            .unwrap()
            .data_set_id
            .as_ref()
            .unwrap()
            .as_str(),
        "5ed18e0f4f90b719196f44a9"
    );
    assert!(target.data.as_ref().unwrap().schema.is_some());
    assert_eq!(target.state.as_deref(), Some("enabled"));
}

#[test]
fn run_of_monitor_md_with_its_activity_errors() {
    let items: Items<Run> = decode(&json!({ "items": [monitor_md_run()], "_links": {} }));
    let run = &items.items[0];
    let records = run
        .metrics
        .as_ref()
        .unwrap()
        .record_summary
        .as_ref()
        .unwrap();
    assert_eq!(
        (
            records.input_record_count,
            records.output_record_count,
            records.failed_record_count
        ),
        (Some(100), Some(99), Some(1))
    );
    assert_eq!(run.started_at(), Some(1_596_656_058_198));
    // Record-level errors, with their counts where Adobe gives one.
    let record_errors = run.record_errors();
    assert_eq!(record_errors.len(), 2);
    assert_eq!(record_errors[0].code.as_deref(), Some("INGEST-1212-400"));
    assert_eq!(record_errors[0].record_count, None);
    assert_eq!(record_errors[1].code.as_deref(), Some("MAPPER-3700-400"));
    assert_eq!(record_errors[1].record_count, Some(1));
    assert_eq!(
        record_errors[1].message.as_deref(),
        Some("Mapper Transform Error")
    );
    // The run level names the failing activity, without a count.
    let run_errors = run.run_errors();
    assert_eq!(run_errors.len(), 1);
    assert_eq!(run_errors[0].code.as_deref(), Some("CONNECTOR-2001-500"));
    assert_eq!(run_errors[0].record_count, None);
}

#[test]
fn null_lists_decode_as_empty() {
    let mut flow = chatlio_tutorial_flow();
    flow["sourceConnectionIds"] = Value::Null;
    flow["transformations"] = Value::Null;
    let items: Items<Flow> = decode(&json!({ "items": [flow] }));
    assert!(items.items[0].source_connection_ids.is_empty());
    assert!(items.items[0].transformations.is_empty());

    let mut run = monitor_md_run();
    run["metrics"]["statusSummary"]["errors"] = Value::Null;
    run["activities"][1]["statusSummary"]["extensions"]["errors"] = Value::Null;
    let items: Items<Run> = decode(&json!({ "items": [run] }));
    assert!(items.items[0].run_errors().is_empty());
    assert!(items.items[0].record_errors().is_empty());
    let mut run = monitor_md_run();
    run["activities"] = Value::Null;
    let items: Items<Run> = decode(&json!({ "items": [run] }));
    assert!(items.items[0].record_errors().is_empty());
    // An error entry that is not an object is skipped, not fatal.
    let mut odd = monitor_md_run();
    odd["activities"][1]["statusSummary"]["extensions"]["errors"] =
        json!(["not an object", { "code": "MAPPER-3700-400", "recordCount": "2" }]);
    let items: Items<Run> = decode(&json!({ "items": [odd] }));
    let errors = items.items[0].record_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].record_count, Some(2));

    let spec: FlowSpec = decode(&json!({
        "id": "e77fde5a-22a8-11ed-861d-0242ac120002",
        "sourceConnectionSpecIds": null,
        "targetConnectionSpecIds": null
    }));
    assert!(spec.source_connection_spec_ids.is_empty());
}

/// A Flow Service problem body in the documented shape (help/sources/tutorials/api/labels.md)
/// with a code of help/sources/errors/flow-service-errors.md.
fn flow_problem(code: &str, status: u16, title: &str, detail: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": format!("https://ns.adobe.com/aep/errors/FLOW-{code}"),
        "title": title,
        "status": status,
        "report": { "detailed-message": detail, "request-id": "7d5c5c5e-0b0a-4a43-9ad8-2f6a1d2b7a11" },
        "errorMessage": detail,
        "errorDetails": detail
    }))
    .unwrap()
}

#[test]
fn error_bodies_of_the_flow_service_catalog() {
    let meta = ResponseMeta::default();
    let stale = classify_failure(
        412,
        &meta,
        &flow_problem(
            "1404-412",
            412,
            "Version not matching",
            "The supplied version 'v1' does not match the current version on entity 'cc01fc2c-0000-0200'. Please ensure that the supplied version matches the current version on entity and try again.",
        ),
    );
    assert_eq!(stale.code(), ErrorCode::PreconditionFailed);
    assert_eq!(stale.adobe_code(), Some("FLOW-1404-412"));
    assert!(!stale.is_retryable());

    let missing = classify_failure(
        400,
        &meta,
        &flow_problem(
            "1403-400",
            400,
            "Header is missing",
            "The header 'If-Match' is missing in the request. Please provide the header and try again.",
        ),
    );
    assert_eq!(missing.code(), ErrorCode::InvalidRequest);
    assert_eq!(missing.adobe_code(), Some("FLOW-1403-400"));
    assert!(missing.message().contains("If-Match"));

    let invalid = classify_failure(
        400,
        &meta,
        &flow_problem(
            "1401-400",
            400,
            "Invalid request",
            "The limit and count parameters cannot be given together in the same request. Please provide either only the limit or the count parameter and try again.",
        ),
    );
    assert_eq!(invalid.code(), ErrorCode::InvalidRequest);
    assert_eq!(invalid.adobe_code(), Some("FLOW-1401-400"));

    // help/landing/troubleshooting.md: the stale-etag message alone, at any 4xx.
    let bare = classify_failure(
        400,
        &meta,
        br#"{"errorMessage":"Supplied version=[\"a200a2a3-0000-0200-0000-123178f90000\"] does not match the current version on entity=[\"a200cdb2-0000-0200-0000-456179940000\"]"}"#,
    );
    assert_eq!(bare.code(), ErrorCode::PreconditionFailed);
}

// ---------------------------------------------------------------------------------------
// Paged lists served by a fixture server

/// Answers with fixed bodies: `POST /ims/token/v3` with a token, and `GET` of a path with
/// the body keyed by its `continuationToken` (`""` for the first page). Records the query
/// of each Platform request.
struct Fixture {
    base: Url,
    queries: Arc<Mutex<Vec<String>>>,
}

async fn fixture(path: &'static str, pages: HashMap<&'static str, Value>) -> Fixture {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let queries = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&queries);
    let pages = Arc::new(pages);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let pages = Arc::clone(&pages);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                let head_end = loop {
                    let read = stream.read(&mut buffer).await.unwrap();
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..head_end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while request.len() < head_end + length {
                    let read = stream.read(&mut buffer).await.unwrap();
                    if read == 0 {
                        break;
                    }
                    request.extend_from_slice(&buffer[..read]);
                }
                let target = head.split_whitespace().nth(1).unwrap_or_default();
                let url = Url::parse(&format!("http://fixture{target}")).unwrap();
                let (status, body) = if url.path() == "/ims/token/v3" {
                    (
                        200,
                        json!({ "access_token": "fixture-token", "token_type": "bearer", "expires_in": 86399 }),
                    )
                } else if url.path() == path {
                    seen.lock()
                        .unwrap()
                        .push(url.query().unwrap_or_default().to_owned());
                    let token = url
                        .query_pairs()
                        .find(|(key, _)| key == "continuationToken")
                        .map(|(_, value)| value.into_owned())
                        .unwrap_or_default();
                    match pages.get(token.as_str()) {
                        Some(page) => (200, page.clone()),
                        None => (400, json!({ "title": "unknown page" })),
                    }
                } else {
                    (404, json!({ "title": "not here" }))
                };
                let body = serde_json::to_vec(&body).unwrap();
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await.unwrap();
                stream.write_all(&body).await.unwrap();
                stream.shutdown().await.unwrap();
            });
        }
    });
    Fixture { base, queries }
}

fn client_for(fixture: &Fixture) -> Client {
    Client::new(ClientConfig::new(
        fixture.base.clone(),
        fixture.base.clone(),
        "5C1328435BF324E90A49402A@AdobeOrg",
        "prod",
        Credential::server_to_server("fixture-client", Secret::from("fixture-secret".to_owned())),
    ))
    .unwrap()
}

#[tokio::test]
async fn a_flow_list_is_followed_through_links_next() {
    let mut second = chatlio_tutorial_flow();
    second["id"] = json!("0c8f1d3e-5b6a-4c47-9e0f-2b7d8a6c5e41");
    let fixture = fixture(
        "/data/foundation/flowservice/flows",
        HashMap::from([
            (
                "",
                json!({
                    "items": [chatlio_tutorial_flow()],
                    // flow-service.yaml PageLink example, for the flows list.
                    "_links": { "next": { "href": "/flows?continuationToken=abcdefghijkLMNOPqrstupWXKYZ" } }
                }),
            ),
            ("abcdefghijkLMNOPqrstupWXKYZ", json!({ "items": [second], "_links": {} })),
        ]),
    )
    .await;
    let client = client_for(&fixture);
    let flows = client.flow_service().list_chatlio_flows().await.unwrap();
    let ids: Vec<&str> = flows.iter().map(|flow| flow.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "d947e6a9-ea53-42c4-985c-c9379265491f",
            "0c8f1d3e-5b6a-4c47-9e0f-2b7d8a6c5e41"
        ]
    );
    let queries = fixture.queries.lock().unwrap().clone();
    assert_eq!(queries.len(), 2);
    assert!(queries[1].contains("continuationToken=abcdefghijkLMNOPqrstupWXKYZ"));
}

#[tokio::test]
async fn runs_since_reads_every_page_of_monitor_md_runs() {
    let mut older = monitor_md_run();
    older["id"] = json!("1e2d3c4b-5a69-4788-9766-554433221100");
    older["metrics"]["durationSummary"]["startedAtUTC"] = json!(1_596_652_458_198u64);
    let fixture = fixture(
        "/data/foundation/flowservice/runs",
        HashMap::from([
            (
                "",
                json!({
                    // The older run first: the client orders newest first itself.
                    "items": [older],
                    "_links": { "next": { "href": "/runs?continuationToken=page2" } }
                }),
            ),
            (
                "page2",
                json!({ "items": [monitor_md_run()], "_links": {} }),
            ),
        ]),
    )
    .await;
    let client = client_for(&fixture);
    let since = chrono::DateTime::from_timestamp_millis(1_596_600_000_000).unwrap();
    let runs = client
        .flow_service()
        .list_runs_since(&FlowId::new("c9cef9cb-c934-4467-8ef9-cbc934546741"), since)
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].id.as_str(), "9830305a-985f-47d0-b030-5a985fd7d004");
    assert_eq!(runs[0].record_errors().len(), 2);
    let queries = fixture.queries.lock().unwrap().clone();
    let first: Vec<(String, String)> = url::form_urlencoded::parse(queries[0].as_bytes())
        .into_owned()
        .collect();
    assert!(first.contains(&(
        "property".to_owned(),
        "flowId==c9cef9cb-c934-4467-8ef9-cbc934546741".to_owned()
    )));
    assert!(first.contains(&(
        "property".to_owned(),
        "metrics.durationSummary.startedAtUTC>=1596600000000".to_owned()
    )));
    assert!(first.contains(&("limit".to_owned(), "1000".to_owned())));
    assert!(queries[1].contains("continuationToken=page2"));
}

#[tokio::test]
async fn a_list_that_never_ends_is_an_error_not_a_hang() {
    let fixture = fixture(
        "/data/foundation/flowservice/targetConnections",
        HashMap::from([
            (
                "",
                json!({ "items": [], "_links": { "next": { "href": "/targetConnections?continuationToken=again" } } }),
            ),
            (
                "again",
                json!({ "items": [], "_links": { "next": { "href": "/targetConnections?continuationToken=again" } } }),
            ),
        ]),
    )
    .await;
    let client = client_for(&fixture);
    let error = client
        .flow_service()
        .list_target_connections(&platform::flow_service::ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
}
