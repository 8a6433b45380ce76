//! Flow Service draft mode, from Adobe's tutorial "Create drafts of your Flow Service
//! entities using the API" (help/sources/tutorials/api/draft.md): `mode=draft` on create,
//! `POST .../action?op=publish`, `attributes.isDraftModeSupported` on the specs.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Harness, CHATLIO_SPEC, DATA_LAKE_SPEC, FLOW_SPEC};
use platform_sim::SimConfig;
use reqwest::Method;
use serde_json::{json, Value};

const FLOWS: &str = "/data/foundation/flowservice";

struct Parts {
    source: String,
    target: String,
    mapping: String,
}

/// A Chatlio source connection, a data lake target connection and a mapping set, the
/// connections created with `mode=draft` when asked.
async fn parts(h: &Harness, title: &str, source_draft: bool, target_draft: bool) -> Parts {
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset(title).await;
    let mode = |draft: bool| if draft { "?mode=draft" } else { "" };
    let (status, source) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/sourceConnections{}", mode(source_draft)),
            Some(json!({
                "name": format!("{title} source"),
                "connectionSpec": { "id": CHATLIO_SPEC, "version": "1.0" },
                "data": { "format": "json" }
            })),
        )
        .await;
    assert_eq!(status, 201, "{source}");
    let (status, target) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/targetConnections{}", mode(target_draft)),
            Some(json!({
                "name": format!("{title} target"),
                "connectionSpec": { "id": DATA_LAKE_SPEC, "version": "1.0" },
                "data": { "format": "json", "schema": { "id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1" } },
                "params": { "dataSetId": dataset_id }
            })),
        )
        .await;
    assert_eq!(status, 201, "{target}");
    let tenant = h.tenant();
    let (status, mapping) = h
        .json(
            Method::POST,
            "/data/foundation/conversion/mappingSets",
            Some(json!({
                "outputSchema": { "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1" } },
                "mappings": [
                    { "destinationXdmPath": format!("_{tenant}.UUID"), "sourceAttribute": "visitor.UUID", "identity": false, "version": 0 },
                    { "sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id" },
                    { "sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp" }
                ]
            })),
        )
        .await;
    assert_eq!(status, 200, "{mapping}");
    let id = |value: &Value| value["id"].as_str().unwrap().to_string();
    Parts {
        source: id(&source),
        target: id(&target),
        mapping: id(&mapping),
    }
}

fn flow_body(parts: &Parts, name: &str) -> Value {
    json!({
        "name": name,
        "flowSpec": { "id": FLOW_SPEC, "version": "1.0" },
        "sourceConnectionIds": [parts.source],
        "targetConnectionIds": [parts.target],
        "transformations": [ { "name": "Mapping", "params": { "mappingId": parts.mapping, "mappingVersion": 0 } } ]
    })
}

async fn get_flow(h: &Harness, id: &str) -> Value {
    let (status, body) = h
        .json(Method::GET, &format!("{FLOWS}/flows/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"][0].clone()
}

async fn action(h: &Harness, path: &str, op: &str, if_match: Option<&str>) -> (u16, Value) {
    let mut request = h.platform(Method::POST, &format!("{FLOWS}/{path}/action?op={op}"));
    if let Some(etag) = if_match {
        request = request.header("If-Match", etag);
    }
    common::read(request.send().await.unwrap()).await
}

fn draft_config(specs: &[&str]) -> SimConfig {
    SimConfig {
        draft_mode_specs: specs.iter().map(|spec| (*spec).to_owned()).collect(),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn without_the_flag_drafts_are_refused_and_flows_are_as_before() {
    let h = common::start_default().await;
    for path in [
        format!("{FLOWS}/connectionSpecs/{CHATLIO_SPEC}"),
        format!("{FLOWS}/flowSpecs/{FLOW_SPEC}"),
    ] {
        let (status, spec) = h.json(Method::GET, &path, None).await;
        assert_eq!(status, 200);
        assert!(
            spec["items"][0]["attributes"]
                .get("isDraftModeSupported")
                .is_none(),
            "{spec}"
        );
    }
    let parts = parts(&h, "No draft", false, false).await;
    let (status, body) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows?mode=draft"),
            Some(flow_body(&parts, "No draft flow")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("isDraftModeSupported"), "{body}");
    let (status, body) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/sourceConnections?mode=draft"),
            Some(json!({
                "name": "draft source",
                "connectionSpec": { "id": CHATLIO_SPEC, "version": "1.0" },
                "data": { "format": "json" }
            })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows?mode=sketch"),
            Some(flow_body(&parts, "No draft flow")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // Nothing was made by the refused calls; a plain create still works.
    let (status, flows) = h.json(Method::GET, &format!("{FLOWS}/flows"), None).await;
    assert_eq!(status, 200);
    assert_eq!(flows["items"].as_array().unwrap().len(), 0);
    let (status, created) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows"),
            Some(flow_body(&parts, "No draft flow")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let flow = get_flow(&h, created["id"].as_str().unwrap()).await;
    assert_eq!(flow["state"], "enabled");
    assert!(flow["options"]["inletUrl"].is_string());
    // Publishing is for drafts only.
    let (status, body) = action(
        &h,
        &format!("flows/{}", created["id"].as_str().unwrap()),
        "publish",
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn a_draft_flow_has_no_inlet_until_published() {
    let h = common::start(draft_config(&[CHATLIO_SPEC, FLOW_SPEC])).await;
    for path in [
        format!("{FLOWS}/connectionSpecs/{CHATLIO_SPEC}"),
        format!("{FLOWS}/flowSpecs/{FLOW_SPEC}"),
    ] {
        let (_, spec) = h.json(Method::GET, &path, None).await;
        assert_eq!(spec["items"][0]["attributes"]["isDraftModeSupported"], true);
    }
    let parts = parts(&h, "Drafted", false, false).await;
    let (status, created) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows?mode=draft"),
            Some(flow_body(&parts, "Drafted flow")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(created["etag"].is_string());
    let flow = get_flow(&h, &id).await;
    assert_eq!(flow["state"], "draft");
    assert!(flow["options"].get("inletUrl").is_none(), "{flow}");
    let (_, drafts) = h
        .json(
            Method::GET,
            &format!("{FLOWS}/flows?property=state==draft"),
            None,
        )
        .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);

    // A draft waits longer than the warm-up: the warm-up starts at publish, not create.
    h.advance(h.sim.config().warmup.as_secs() * 2).await;

    // A draft is not enabled or disabled; it is updated (If-Match) and published.
    let (status, body) = action(&h, &format!("flows/{id}"), "enable", None).await;
    assert_eq!(status, 400, "{body}");
    let response = h
        .platform(Method::PATCH, &format!("{FLOWS}/flows/{id}"))
        .header("If-Match", created["etag"].as_str().unwrap())
        .json(&json!([{ "op": "add", "path": "/description", "value": "ready" }]))
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = action(
        &h,
        &format!("flows/{id}"),
        "publish",
        Some(created["etag"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 412, "a stale If-Match is refused: {body}");
    let (status, published) = action(&h, &format!("flows/{id}"), "publish", None).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["id"], id.as_str());
    let flow = get_flow(&h, &id).await;
    assert_eq!(flow["state"], "enabled");
    assert_eq!(flow["etag"], published["etag"]);
    assert_eq!(flow["lastOperation"]["operation"], "publish");
    let inlet = flow["options"]["inletUrl"].as_str().unwrap();
    let response = h
        .http
        .post(format!("{inlet}?x-adobe-flow-id={id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, 200, "{body}");
    h.advance(3600).await;
    assert!(
        h.runs_of(&id).await.is_empty(),
        "sent during the warm-up: lost"
    );
    let response = h
        .http
        .post(format!("{inlet}?x-adobe-flow-id={id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    h.advance(3600).await;
    let runs = h.runs_of(&id).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["metrics"]["recordSummary"]["outputRecordCount"], 1);
    let (status, body) = action(&h, &format!("flows/{id}"), "publish", None).await;
    assert_eq!(status, 400, "published twice: {body}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn a_draft_needs_both_the_connection_spec_and_the_flow_spec_flag() {
    let h = common::start(draft_config(&[CHATLIO_SPEC])).await;
    let parts = parts(&h, "Half flagged", false, false).await;
    let (status, body) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows?mode=draft"),
            Some(flow_body(&parts, "Half flagged flow")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains(FLOW_SPEC), "{body}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn a_flow_is_published_after_its_draft_connections() {
    let h = common::start(draft_config(&[CHATLIO_SPEC, FLOW_SPEC, DATA_LAKE_SPEC])).await;
    let parts = parts(&h, "All drafts", true, true).await;
    let (status, body) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows"),
            Some(flow_body(&parts, "Not a draft")),
        )
        .await;
    assert_eq!(
        status, 400,
        "a published flow cannot use draft connections: {body}"
    );
    let (status, created) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/flows?mode=draft"),
            Some(flow_body(&parts, "All drafts flow")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, body) = action(&h, &format!("flows/{id}"), "publish", None).await;
    assert_eq!(status, 400, "connections still drafts: {body}");
    assert_eq!(get_flow(&h, id).await["state"], "draft");
    for path in [
        format!("sourceConnections/{}", parts.source),
        format!("targetConnections/{}", parts.target),
    ] {
        let (status, body) = action(&h, &path, "publish", None).await;
        assert_eq!(status, 200, "{body}");
        let (_, connection) = h.json(Method::GET, &format!("{FLOWS}/{path}"), None).await;
        assert_eq!(connection["items"][0]["state"], "enabled");
        assert_eq!(connection["items"][0]["etag"], body["etag"]);
    }
    let (status, body) = action(&h, &format!("flows/{id}"), "publish", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get_flow(&h, id).await["state"], "enabled");
    h.sim.shutdown().await;
}
