//! Runs and Flow Service lists as Adobe documents them: hourly windows
//! (help/sources/tutorials/ui/monitor-streaming.md), the run layout of
//! help/sources/tutorials/api/monitor.md, the filters of help/dataflows/api/sort-and-filter.md
//! and the paging of flow-service.yaml (`limit`, `continuationToken`, `_links.next.href`);
//! with the controls that let time pass (`/__sim/time/advance`) and seed a week of runs
//! (`/__sim/runs/seed`).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::Harness;
use reqwest::Method;
use serde_json::{json, Value};

const FLOWSERVICE: &str = "/data/foundation/flowservice";

/// A Chatlio flow past its warm-up.
async fn ready_flow(h: &Harness, title: &str) -> (String, String) {
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset(title).await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    h.wait_out_warmup().await;
    let url = format!("{inlet}?x-adobe-flow-id={flow_id}");
    (flow_id, url)
}

async fn seed(h: &Harness, body: Value) -> (u16, Value) {
    h.control(Method::POST, "/__sim/runs/seed", Some(body))
        .await
}

/// Every item of a list, following `_links.next.href` (relative to the Flow Service base)
/// exactly as given; returns the items and the number of pages.
async fn follow(h: &Harness, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut path = first.to_string();
    loop {
        let (status, page) = h.json(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        pages += 1;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["_links"]["next"]["href"].as_str() {
            Some(href) => {
                assert!(
                    href.starts_with('/') && !href.contains("flowservice"),
                    "{href}"
                );
                let token = href.split_once("continuationToken=").unwrap().1;
                assert!(!token.contains('='), "one `=` in the href: {href}");
                path = format!("{FLOWSERVICE}{href}");
            }
            None => {
                assert_eq!(page["_links"], json!({}));
                break;
            }
        }
    }
    (items, pages)
}

#[tokio::test]
async fn a_seeded_week_is_read_by_time_filter_across_pages() {
    let h = common::start_default().await;
    let (flow_id, _) = ready_flow(&h, "Seeded Week").await;
    let (other_id, _) = ready_flow(&h, "Seeded Other").await;
    let (status, seeded) = seed(
        &h,
        json!({ "flowId": flow_id, "hours": 168, "received": 12, "failed": 2, "warnings": 1 }),
    )
    .await;
    assert_eq!((status, seeded), (200, json!({ "seeded": 168 })));
    let (status, _) = seed(&h, json!({ "flowId": other_id, "hours": 5, "received": 1 })).await;
    assert_eq!(status, 200);

    // Default page: 20 runs, oldest first, with a next link.
    let (_, page) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/runs"), None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert!(page["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .starts_with("/runs?continuationToken="));

    // A week of one flow, newest first, at most 100 a page even when more is asked for.
    let now = chrono::Utc::now().timestamp_millis();
    let week_ago = now - 7 * 24 * 3_600_000 - 60_000;
    let (runs, pages) = follow(
        &h,
        &format!(
            "{FLOWSERVICE}/runs?property=flowId=={flow_id}&property=metrics.durationSummary.startedAtUTC>{week_ago}&orderby=-metrics.durationSummary.startedAtUTC&limit=1000"
        ),
    )
    .await;
    assert_eq!((runs.len(), pages), (168, 2));
    let starts: Vec<i64> = runs
        .iter()
        .map(|run| {
            run["metrics"]["durationSummary"]["startedAtUTC"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(starts.windows(2).all(|pair| pair[0] - pair[1] == 3_600_000));
    let ids: BTreeSet<&str> = runs.iter().map(|run| run["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 168, "no run twice across pages");
    assert!(runs.iter().all(|run| run["flowId"] == json!(flow_id)));

    // The last 24 hours by start time.
    let day_ago = now - 24 * 3_600_000 - 60_000;
    let (day, _) = follow(
        &h,
        &format!("{FLOWSERVICE}/runs?property=flowId=={flow_id}&property=metrics.durationSummary.startedAtUTC>={day_ago}&limit=100"),
    )
    .await;
    assert_eq!(day.len(), 24);
    let (older, _) = follow(
        &h,
        &format!("{FLOWSERVICE}/runs?property=flowId=={flow_id}&property=metrics.durationSummary.startedAtUTC<{day_ago}"),
    )
    .await;
    assert_eq!(older.len(), 144);

    // Several flows in one filter (comma = OR), and the count.
    let (_, count) = h
        .json(
            Method::GET,
            &format!("{FLOWSERVICE}/runs?property=flowId=={flow_id},{other_id}&count=true"),
            None,
        )
        .await;
    assert_eq!(count, json!({ "count": 173 }));

    // A seeded run in Adobe's layout.
    let run = &runs[0];
    let metrics = &run["metrics"];
    assert_eq!(metrics["statusSummary"]["status"], "success");
    assert_eq!(metrics["recordSummary"]["inputRecordCount"], 12);
    assert_eq!(metrics["recordSummary"]["outputRecordCount"], 10);
    assert_eq!(metrics["recordSummary"]["failedRecordCount"], 2);
    assert_eq!(metrics["recordSummary"]["warningRecordCount"], 1);
    assert_eq!(
        metrics["statusSummary"]["errors"],
        json!([{ "code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity." }])
    );
    let record_errors = run["activities"][0]["statusSummary"]["extensions"]["errors"]
        .as_array()
        .unwrap();
    let counted = |code: &str| {
        record_errors
            .iter()
            .find(|error| error["code"] == code)
            .map(|error| error["recordCount"].clone())
    };
    assert_eq!(counted("DCVS-1111-400"), Some(json!(2)));
    assert_eq!(counted("MAPPER-3700-400"), Some(json!(1)));
    assert_eq!(counted("INGEST-1212-400"), Some(Value::Null));

    // The flow's lastRunDetails is the newest run.
    let (_, flow) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/flows/{flow_id}"), None)
        .await;
    assert_eq!(flow["items"][0]["lastRunDetails"]["id"], run["id"]);
    assert_eq!(flow["items"][0]["lastRunDetails"]["state"], "success");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn seeding_names_its_errors_and_refuses_what_cannot_be() {
    let h = common::start_default().await;
    let (flow_id, _) = ready_flow(&h, "Seed Errors").await;
    let (status, _) = seed(
        &h,
        json!({ "flowId": flow_id, "hours": 2, "received": 4, "errors": [
            { "code": "DCVS-1104-400", "message": "expected type: String, found: Long", "recordCount": 3 },
            { "code": "DCVS-1106-400", "recordCount": 1 }
        ] }),
    )
    .await;
    assert_eq!(status, 200);
    let runs = h.runs_of(&flow_id).await;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["metrics"]["statusSummary"]["status"], "failed");
    let errors = runs[0]["activities"][0]["statusSummary"]["extensions"]["errors"].to_string();
    assert!(errors.contains("DCVS-1104-400") && errors.contains("DCVS-1106-400"));
    let (_, flow) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/flows/{flow_id}"), None)
        .await;
    assert_eq!(flow["items"][0]["lastRunDetails"]["state"], "failed");

    for bad in [
        json!({ "flowId": "unknown", "received": 1 }),
        json!({ "flowId": flow_id, "received": 1, "failed": 2 }),
        json!({ "flowId": flow_id, "received": 3, "failed": 1, "errors": [{ "code": "X", "recordCount": 2 }] }),
        json!({ "flowId": flow_id, "received": 1, "surprise": true }),
    ] {
        let (status, body) = seed(&h, bad.clone()).await;
        assert!(status == 400 || status == 404, "{bad}: {status} {body}");
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn time_passes_through_the_warm_up_and_the_hour() {
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Timed Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    let url = format!("{inlet}?x-adobe-flow-id={flow_id}");
    let post = || async {
        let response = h
            .http
            .post(&url)
            .json(&common::chatlio_event())
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "the inlet answers during the warm-up"
        );
    };
    let (_, state) = h.control(Method::GET, "/__sim/state", None).await;
    assert_eq!(state["config"]["warmupMs"], 300_000);

    // Four minutes in: still warming up.
    h.advance(240).await;
    post().await;
    // Six minutes in: ready.
    h.advance(120).await;
    post().await;
    post().await;
    let open = h.runs_of(&flow_id).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["metrics"]["statusSummary"]["status"], "inProgress");
    assert_eq!(open[0]["metrics"]["recordSummary"], json!({}));
    assert!(open[0]["activities"][0]["statusSummary"]["extensions"]
        .get("errors")
        .is_none());
    let (_, flow) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/flows/{flow_id}"), None)
        .await;
    assert!(
        flow["items"][0].get("lastRunDetails").is_none(),
        "an open run is not the last run"
    );

    let advanced = h.advance(3600).await;
    assert_eq!(advanced, json!({ "advancedSecs": 3600, "closedRuns": 1 }));
    let closed = h.runs_of(&flow_id).await;
    assert_eq!(
        closed[0]["metrics"]["recordSummary"]["inputRecordCount"], 2,
        "the post during the warm-up is not counted"
    );
    let started = closed[0]["metrics"]["durationSummary"]["startedAtUTC"]
        .as_i64()
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    assert!(
        now - started >= 3_600_000,
        "the window moved an hour into the past"
    );
    // Creation time moved with the clock too.
    let created = flow["items"][0]["createdAt"].as_i64().unwrap();
    let (_, again) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/flows/{flow_id}"), None)
        .await;
    assert_eq!(
        created - again["items"][0]["createdAt"].as_i64().unwrap(),
        3_600_000
    );

    // The next event opens a new run.
    post().await;
    assert_eq!(h.runs_of(&flow_id).await.len(), 2);
    let (status, _) = h
        .control(
            Method::POST,
            "/__sim/time/advance",
            Some(json!({ "secs": -5 })),
        )
        .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn flows_and_connections_are_paged_to_the_end() {
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Paged Events").await;
    let mut made = BTreeSet::new();
    for _ in 0..23 {
        let (flow_id, _) = h.chatlio_flow(&schema_id, &dataset_id).await;
        made.insert(flow_id);
    }
    // No limit: pages of 20.
    let (flows, pages) = follow(&h, &format!("{FLOWSERVICE}/flows")).await;
    assert_eq!(pages, 2);
    let listed: BTreeSet<String> = flows
        .iter()
        .map(|flow| flow["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, made);
    // The token keeps the filter and the page size of the first request.
    let (flows, pages) = follow(
        &h,
        &format!("{FLOWSERVICE}/flows?property=state==enabled&limit=5&orderby=-createdAt"),
    )
    .await;
    assert_eq!((flows.len(), pages), (23, 5));
    let created: Vec<i64> = flows
        .iter()
        .map(|flow| flow["createdAt"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|pair| pair[0] >= pair[1]));
    let (sources, pages) = follow(&h, &format!("{FLOWSERVICE}/sourceConnections?limit=10")).await;
    assert_eq!((sources.len(), pages), (23, 3));
    let (targets, _) = follow(&h, &format!("{FLOWSERVICE}/targetConnections")).await;
    assert_eq!(targets.len(), 23);

    // A token belongs to its list.
    let (_, page) = h
        .json(Method::GET, &format!("{FLOWSERVICE}/flows?limit=1"), None)
        .await;
    let href = page["_links"]["next"]["href"].as_str().unwrap();
    let token = href.split_once("continuationToken=").unwrap().1;
    let (status, wrong) = h
        .json(
            Method::GET,
            &format!("{FLOWSERVICE}/sourceConnections?continuationToken={token}"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(wrong["type"].as_str().unwrap().ends_with("FLOW-1100-400"));
    let (status, _) = h
        .json(
            Method::GET,
            &format!("{FLOWSERVICE}/flows?continuationToken=not-a-token"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}
