//! Inlet ingestion benchmark: sets up the Chatlio flow (mapping + schema validation on),
//! then posts events concurrently and reports events per second.
//!
//! Run: `cargo run --release -p platform-sim --example inlet_bench -- [EVENTS] [CONCURRENCY]`

use std::time::Instant;

use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn call(
    _client: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> Result<Value, Failure> {
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut arguments = std::env::args().skip(1);
    let events: usize = arguments
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let concurrency: usize = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(32);

    // Throughput of ingestion itself: no warm-up before the first event is kept.
    let sim = platform_sim::start(platform_sim::SimConfig {
        warmup: std::time::Duration::ZERO,
        ..platform_sim::SimConfig::default()
    })
    .await?;
    let base = sim.base_url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let token = call(
        &http,
        http.post(format!("{base}/ims/token/v3")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "practice-client"),
            ("client_secret", "practice-secret"),
            ("scope", "openid,AdobeID,read_organizations"),
        ]),
    )
    .await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let platform = |method: reqwest::Method, path: &str, body: Value| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(&token)
            .header("x-api-key", "practice-client")
            .header("x-gw-ims-org-id", "PRACTICE0000000000000000@AdobeOrg")
            .header("x-sandbox-name", "prod")
            .json(&body)
    };
    let post = reqwest::Method::POST;
    let group = call(&http, platform(post.clone(), "/data/foundation/schemaregistry/tenant/fieldgroups", json!({
        "title": "Bench fields",
        "meta:intendedToExtend": ["https://ns.adobe.com/xdm/context/experienceevent"],
        "definitions": { "c": { "properties": { "_practice": { "type": "object", "properties": {
            "UUID": { "type": "string" }, "chatlio_email": { "type": "string" }, "message": { "type": "string" },
            "channel_ID": { "type": "string" }, "eventKind": { "type": "string" }
        }, "required": ["UUID"] } } } },
        "allOf": [{ "$ref": "#/definitions/c" }]
    }))).await?;
    let schema = call(&http, platform(post.clone(), "/data/foundation/schemaregistry/tenant/schemas", json!({
        "title": "Bench events",
        "allOf": [{ "$ref": "https://ns.adobe.com/xdm/context/experienceevent" }, { "$ref": group["$id"] }]
    }))).await?;
    let dataset = call(&http, platform(post.clone(), "/data/foundation/catalog/dataSets", json!({
        "name": "Bench", "schemaRef": { "id": schema["$id"], "contentType": "application/vnd.adobe.xed+json;version=1" }
    }))).await?;
    let dataset_id = dataset[0]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("@/dataSets/")
        .to_string();
    let source = call(&http, platform(post.clone(), "/data/foundation/flowservice/sourceConnections", json!({
        "name": "s", "connectionSpec": { "id": "073127a3-26e3-496c-9d94-9f48fb93fba8", "version": "1.0" }, "data": { "format": "json" }
    }))).await?;
    let target = call(&http, platform(post.clone(), "/data/foundation/flowservice/targetConnections", json!({
        "name": "t", "connectionSpec": { "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0" },
        "data": { "format": "json", "schema": { "id": schema["$id"], "version": "application/vnd.adobe.xed-full+json;version=1" } },
        "params": { "dataSetId": dataset_id }
    }))).await?;
    let mapping = call(&http, platform(post.clone(), "/data/foundation/conversion/mappingSets", json!({
        "outputSchema": { "schemaRef": { "id": schema["$id"], "contentType": "application/vnd.adobe.xed-full+json;version=1" } },
        "mappings": [
            { "sourceType": "ATTRIBUTE", "source": "visitor.UUID", "destination": "_practice.UUID" },
            { "sourceType": "EXPRESSION", "source": "lower(visitor.email)", "destination": "_practice.chatlio_email" },
            { "sourceType": "ATTRIBUTE", "source": "message", "destination": "_practice.message" },
            { "sourceType": "ATTRIBUTE", "source": "channelId", "destination": "_practice.channel_ID" },
            { "sourceType": "EXPRESSION", "source": "iif(is_set(message), \"message\", \"other\")", "destination": "_practice.eventKind" },
            { "sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id" },
            { "sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp" }
        ]
    }))).await?;
    let flow = call(&http, platform(post.clone(), "/data/foundation/flowservice/flows", json!({
        "name": "bench", "flowSpec": { "id": "e77fde5a-22a8-11ed-861d-0242ac120002", "version": "1.0" },
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{ "name": "Mapping", "params": { "mappingId": mapping["id"], "mappingVersion": 0 } }]
    }))).await?;
    let flow_id = flow["id"].as_str().unwrap_or_default().to_string();
    let got = call(
        &http,
        platform(
            reqwest::Method::GET,
            &format!("/data/foundation/flowservice/flows/{flow_id}"),
            json!({}),
        ),
    )
    .await?;
    let inlet = format!(
        "{}?x-adobe-flow-id={flow_id}",
        got["items"][0]["options"]["inletUrl"]
            .as_str()
            .unwrap_or_default()
    );

    let payload = json!({
        "visitor": { "email": "Test@Example.com", "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257" },
        "message": "Hi", "channelId": "C04J7M7LCMQ", "slackChannelName": "aep", "slackChannelId": "C04JVR71WKS"
    })
    .to_string();
    let started = Instant::now();
    let per_worker = events / concurrency;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let http = http.clone();
        let inlet = inlet.clone();
        let payload = payload.clone();
        workers.push(tokio::spawn(async move {
            let mut failures = 0usize;
            for _ in 0..per_worker {
                let sent = http
                    .post(&inlet)
                    .header("content-type", "application/json")
                    .body(payload.clone())
                    .send()
                    .await;
                if !sent.is_ok_and(|r| r.status().is_success()) {
                    failures += 1;
                }
            }
            failures
        }));
    }
    let mut failures = 0;
    for worker in workers {
        failures += worker.await?;
    }
    let elapsed = started.elapsed();
    let sent = per_worker * concurrency;
    let stored = call(
        &http,
        http.get(format!("{base}/__sim/datasets/{dataset_id}/records")),
    )
    .await?;
    let stored_count = stored["records"].as_array().map_or(0, Vec::len);
    let rate = sent as f64 / elapsed.as_secs_f64();
    println!("events sent: {sent}, HTTP failures: {failures}, records stored: {stored_count}");
    println!(
        "elapsed: {:.2} s, throughput: {rate:.0} events/s (concurrency {concurrency})",
        elapsed.as_secs_f64()
    );
    sim.shutdown().await;
    if stored_count != sent || failures > 0 {
        return Err("not every event was stored".into());
    }
    Ok(())
}
