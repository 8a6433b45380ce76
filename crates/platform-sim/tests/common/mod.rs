//! Shared helpers for the integration tests: start a simulator, get a token, and call the
//! Platform APIs with the documented headers.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use platform_sim::{RunningSim, SimConfig};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};

pub const CHATLIO_SPEC: &str = "073127a3-26e3-496c-9d94-9f48fb93fba8";
pub const DATA_LAKE_SPEC: &str = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";
pub const FLOW_SPEC: &str = "e77fde5a-22a8-11ed-861d-0242ac120002";
pub const SCOPES: &str =
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session";

pub struct Harness {
    pub sim: RunningSim,
    pub http: Client,
    pub base: String,
    pub token: String,
    pub client_id: String,
    pub org_id: String,
    pub sandbox: String,
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn start(config: SimConfig) -> Harness {
    let sim = platform_sim::start(config).await.unwrap();
    let http = client();
    let base = sim.base_url();
    let client_id = sim.config().client_id.clone();
    let secret = sim.config().client_secret.clone();
    let org_id = sim.config().org_id.clone();
    let token = token_for(&http, &base, &client_id, &secret).await;
    Harness {
        sim,
        http,
        base,
        token,
        client_id,
        org_id,
        sandbox: "prod".into(),
    }
}

pub async fn start_default() -> Harness {
    start(SimConfig::default()).await
}

pub async fn token_for(http: &Client, base: &str, client_id: &str, secret: &str) -> String {
    let response = http
        .post(format!("{base}/ims/token/v3"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", SCOPES),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

impl Harness {
    /// Turns the flow's error diagnostics on as help/ingestion/batch-ingestion/partial.md
    /// shows (`PATCH /flows/{id}` with `If-Match`).
    pub async fn enable_diagnostics(&self, flow_id: &str) {
        let path = format!("/data/foundation/flowservice/flows/{flow_id}");
        let (_, flow) = self.json(Method::GET, &path, None).await;
        let etag = flow["items"][0]["etag"].as_str().unwrap().to_string();
        let response = self
            .platform(Method::PATCH, &path)
            .header("If-Match", etag)
            .json(&json!([
                { "op": "add", "path": "/options/errorDiagnosticsEnabled", "value": true }
            ]))
            .send()
            .await
            .unwrap();
        let (status, body) = read(response).await;
        assert_eq!(status, 200, "{body}");
    }

    /// Posts one event to a flow's inlet, as Chatlio does; Adobe answers 200.
    pub async fn post_event(&self, inlet: &str, flow_id: &str, body: &Value) {
        let response = self
            .http
            .post(inlet)
            .header("x-adobe-flow-id", flow_id)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// A Platform request with the four documented headers.
    pub fn platform(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("x-api-key", &self.client_id)
            .header("x-gw-ims-org-id", &self.org_id)
            .header("x-sandbox-name", &self.sandbox)
    }

    pub async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.platform(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    pub fn tenant(&self) -> String {
        self.sim.config().tenant_id.clone()
    }

    /// Field group + schema + dataset for Chatlio events; returns (schema id, dataset id).
    pub async fn chatlio_schema_and_dataset(&self, title: &str) -> (String, String) {
        let tenant = self.tenant();
        let (status, group) = self
            .json(
                Method::POST,
                "/data/foundation/schemaregistry/tenant/fieldgroups",
                Some(json!({
                    "title": format!("{title} fields"),
                    "description": "Fields received from Chatlio webhooks.",
                    "type": "object",
                    "meta:intendedToExtend": ["https://ns.adobe.com/xdm/context/experienceevent"],
                    "definitions": { "chatlio": { "properties": { format!("_{tenant}"): {
                        "type": "object",
                        "properties": {
                            "UUID": { "type": "string", "title": "Visitor UUID" },
                            "chatlio_email": { "type": "string", "title": "Visitor Email" },
                            "message": { "type": "string", "title": "Message" },
                            "channel_ID": { "type": "string", "title": "Channel ID" },
                            "slackchannel_ID": { "type": "string", "title": "Slack Channel ID" },
                            "slackchannel_name": { "type": "string", "title": "Slack Channel Name" }
                        },
                        "required": ["UUID"]
                    } } } },
                    "allOf": [ { "$ref": "#/definitions/chatlio" } ]
                })),
            )
            .await;
        assert_eq!(status, 201, "{group}");
        let (status, schema) = self
            .json(
                Method::POST,
                "/data/foundation/schemaregistry/tenant/schemas",
                Some(json!({
                    "title": title,
                    "description": "Chatlio webhook events.",
                    "type": "object",
                    "allOf": [
                        { "$ref": "https://ns.adobe.com/xdm/context/experienceevent" },
                        { "$ref": group["$id"] }
                    ]
                })),
            )
            .await;
        assert_eq!(status, 201, "{schema}");
        let schema_id = schema["$id"].as_str().unwrap().to_string();
        let (status, created) = self
            .json(
                Method::POST,
                "/data/foundation/catalog/dataSets?requestDataSource=true",
                Some(json!({
                    "name": format!("{title} dataset"),
                    "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1" }
                })),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let reference = created[0].as_str().unwrap();
        let dataset_id = reference.strip_prefix("@/dataSets/").unwrap().to_string();
        (schema_id, dataset_id)
    }

    /// `POST /__sim/time/advance`: as if `secs` seconds had passed.
    pub async fn advance(&self, secs: u64) -> Value {
        let (status, body) = self
            .control(
                Method::POST,
                "/__sim/time/advance",
                Some(json!({ "secs": secs })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `GET /__sim/clock`: the simulator's now.
    pub async fn clock(&self) -> chrono::DateTime<chrono::Utc> {
        let (status, body) = self.control(Method::GET, "/__sim/clock", None).await;
        assert_eq!(status, 200, "{body}");
        clock_instant(&body)
    }

    /// `PUT /__sim/clock`: puts the simulator's clock at `instant` (RFC 3339); returns
    /// the answer (`now`, `nowMs`, `closedRuns`).
    pub async fn set_clock(&self, instant: &str) -> Value {
        let (status, body) = self
            .control(Method::PUT, "/__sim/clock", Some(json!({ "now": instant })))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `POST /__sim/clock/advance`: moves the simulator's clock `secs` forward; returns
    /// the answer (`now`, `nowMs`, `closedRuns`).
    pub async fn advance_clock(&self, secs: u64) -> Value {
        let (status, body) = self
            .control(
                Method::POST,
                "/__sim/clock/advance",
                Some(json!({ "secs": secs })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Lets the configured warm-up of every flow made so far pass.
    pub async fn wait_out_warmup(&self) {
        self.advance(self.sim.config().warmup.as_secs() + 1).await;
    }

    /// Runs of one flow, newest first, as a monitoring client asks for them.
    pub async fn runs_of(&self, flow_id: &str) -> Vec<Value> {
        let (status, runs) = self
            .json(
                Method::GET,
                &format!(
                    "/data/foundation/flowservice/runs?property=flowId=={flow_id}&orderby=-createdAt"
                ),
                None,
            )
            .await;
        assert_eq!(status, 200, "{runs}");
        runs["items"].as_array().unwrap().clone()
    }

    /// Source connection, target connection, mapping set and flow for a schema + dataset.
    /// Returns (flow id, inlet URL).
    pub async fn chatlio_flow(&self, schema_id: &str, dataset_id: &str) -> (String, String) {
        let (flow_id, inlet, _) = self.chatlio_flow_created(schema_id, dataset_id).await;
        (flow_id, inlet)
    }

    /// As [`Harness::chatlio_flow`], also returning the etag of the create answer.
    pub async fn chatlio_flow_created(
        &self,
        schema_id: &str,
        dataset_id: &str,
    ) -> (String, String, String) {
        let tenant = self.tenant();
        let (status, source) = self
            .json(
                Method::POST,
                "/data/foundation/flowservice/sourceConnections",
                Some(json!({
                    "name": "Streaming Source Connection for Chatlio.",
                    "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
                    "description": "Streaming Source Connection for Chatlio.",
                    "connectionSpec": { "id": CHATLIO_SPEC, "version": "1.0" },
                    "data": { "format": "json" }
                })),
            )
            .await;
        assert_eq!(status, 201, "{source}");
        let (status, target) = self
            .json(
                Method::POST,
                "/data/foundation/flowservice/targetConnections",
                Some(json!({
                    "name": "Streaming Target Connection for a Chatlio.",
                    "description": "Streaming Target Connection for a Chatlio.",
                    "connectionSpec": { "id": DATA_LAKE_SPEC, "version": "1.0" },
                    "data": { "format": "json", "schema": { "id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1" } },
                    "params": { "dataSetId": dataset_id }
                })),
            )
            .await;
        assert_eq!(status, 201, "{target}");
        let field = |name: &str, source: &str| json!({ "destinationXdmPath": format!("_{tenant}.{name}"), "sourceAttribute": source, "identity": false, "version": 0 });
        let (status, mapping) = self
            .json(
                Method::POST,
                "/data/foundation/conversion/mappingSets",
                Some(json!({
                    "outputSchema": { "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1" } },
                    "mappings": [
                        field("slackchannel_ID", "slackChannelId"),
                        field("slackchannel_name", "slackChannelName"),
                        field("UUID", "visitor.UUID"),
                        field("chatlio_email", "visitor.email"),
                        field("message", "message"),
                        field("channel_ID", "channelId"),
                        { "sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id" },
                        { "sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp" }
                    ]
                })),
            )
            .await;
        assert_eq!(status, 200, "{mapping}");
        let (status, flow) = self
            .json(
                Method::POST,
                "/data/foundation/flowservice/flows",
                Some(json!({
                    "name": "Streaming Dataflow for Chatlio",
                    "description": "Streaming Dataflow for Chatlio",
                    "flowSpec": { "id": FLOW_SPEC, "version": "1.0" },
                    "sourceConnectionIds": [ source["id"] ],
                    "targetConnectionIds": [ target["id"] ],
                    "transformations": [ { "name": "Mapping", "params": { "mappingId": mapping["id"], "mappingVersion": 0 } } ]
                })),
            )
            .await;
        assert_eq!(status, 201, "{flow}");
        let flow_id = flow["id"].as_str().unwrap().to_string();
        let (status, got) = self
            .json(
                Method::GET,
                &format!("/data/foundation/flowservice/flows/{flow_id}"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let inlet = got["items"][0]["options"]["inletUrl"]
            .as_str()
            .unwrap()
            .to_string();
        let created_etag = flow["etag"].as_str().unwrap().to_string();
        (flow_id, inlet, created_etag)
    }
}

/// The `now` of a clock answer, checked against its `nowMs`.
pub fn clock_instant(body: &Value) -> chrono::DateTime<chrono::Utc> {
    let now = chrono::DateTime::parse_from_rfc3339(body["now"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(
        Some(now.timestamp_millis()),
        body["nowMs"].as_i64(),
        "{body}"
    );
    now
}

/// An RFC 3339 instant (test input).
pub fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

pub async fn read(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

pub fn chatlio_event() -> Value {
    json!({
        "visitor": { "email": "test@example.com", "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257" },
        "message": "Hi",
        "channelId": "C04J7M7LCMQ",
        "slackChannelName": "aep",
        "slackChannelId": "C04JVR71WKS"
    })
}
