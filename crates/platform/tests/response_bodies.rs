//! Decoding Adobe's documented response examples into the typed models.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use platform::models::flow::{Flow, Run};
use platform::response::{interpret, ResponseMeta};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

/// help/sources/tutorials/api/update-dataflows.md, "Look up dataflow details"
/// (note `mappingVersion` as a string and a non-mapping transformation).
#[test]
fn flow_from_update_dataflows_page() {
    let body = json!({
        "items": [{
            "id": "2edc08ac-4df5-4fe6-936f-81a19ce92f5c",
            "createdAt": 1612310475905u64,
            "updatedAt": 1614122324830u64,
            "name": "Database dataflow using BigQuery",
            "flowSpec": { "id": "14518937-270c-4525-bdec-c2ba7cce3860", "version": "1.0" },
            "state": "enabled",
            "version": "\"5400d99c-0000-0200-0000-60358d540000\"",
            "etag": "\"5400d99c-0000-0200-0000-60358d540000\"",
            "sourceConnectionIds": ["b7581b59-c603-4df1-a689-d23d7ac440f3"],
            "targetConnectionIds": ["320f119a-5ac1-4ab1-88ea-eb19e674ea2e"],
            "scheduleParams": { "startTime": "1612310466", "frequency": "week", "interval": "15", "backfill": "true" },
            "transformations": [
                { "name": "Copy", "params": { "deltaColumn": { "name": "Datefield", "dateFormat": "YYYY-MM-DD", "timezone": "UTC" } } },
                { "name": "Mapping", "params": { "mappingId": "0b090130b58b4819afc78b6dc98b484d", "mappingVersion": "0" } }
            ],
            "runs": "/flows/2edc08ac-4df5-4fe6-936f-81a19ce92f5c/runs",
            "lastOperation": { "started": 1614122316652u64, "operation": "update" },
            "lastRunDetails": { "id": "a10cc80b-fbea-4c6b-873e-d7fd32f4d12d", "state": "success", "startedAtUTC": 1613079975512u64, "completedAtUTC": 1613080027511u64 }
        }]
    });
    let items: Items<Flow> = interpret(
        200,
        &ResponseMeta::default(),
        &serde_json::to_vec(&body).unwrap(),
    )
    .unwrap();
    let flow = &items.items[0];
    assert!(flow.is_enabled());
    assert_eq!(
        flow.etag.as_ref().unwrap().as_str(),
        "\"5400d99c-0000-0200-0000-60358d540000\""
    );
    assert_eq!(flow.transformations[1].mapping_version(), Some(0));
    assert_eq!(
        flow.transformations[1].mapping_id().unwrap().as_str(),
        "0b090130b58b4819afc78b6dc98b484d"
    );
    assert_eq!(
        flow.last_run_details.as_ref().unwrap().state.as_deref(),
        Some("success")
    );
    assert_eq!(flow.inlet_url(), None);
}

/// help/sources/tutorials/api/monitor.md, run sample (abridged to the typed fields).
#[test]
fn run_from_monitor_page() {
    let body = json!({
        "items": [{
            "createdAt": 1596656079576u64,
            "id": "9830305a-985f-47d0-b030-5a985fd7d004",
            "flowId": "c9cef9cb-c934-4467-8ef9-cbc934546741",
            "etag": "\"b8003af1-0000-0200-0000-5f2b09f10000\"",
            "metrics": {
                "durationSummary": { "startedAtUTC": 1596656058198u64, "completedAtUTC": 1596656113306u64 },
                "sizeSummary": { "inputBytes": 24012, "outputBytes": 17128 },
                "recordSummary": { "inputRecordCount": 100, "outputRecordCount": 99, "failedRecordCount": 1 },
                "statusSummary": {
                    "status": "success",
                    "errors": [{ "code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity." }],
                    "activityRefs": ["promotionActivity"]
                }
            },
            "activities": [{ "id": "promotionActivity" }]
        }],
        "_links": {}
    });
    let items: Items<Run> = interpret(
        200,
        &ResponseMeta::default(),
        &serde_json::to_vec(&body).unwrap(),
    )
    .unwrap();
    let metrics = items.items[0].metrics.as_ref().unwrap();
    assert_eq!(
        metrics.record_summary.as_ref().unwrap().failed_record_count,
        Some(1)
    );
    let status = metrics.status_summary.as_ref().unwrap();
    assert_eq!(status.errors[0].code.as_deref(), Some("CONNECTOR-2001-500"));
}
