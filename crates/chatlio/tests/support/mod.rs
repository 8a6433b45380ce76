//! Test glue: drives platform-sim over plain HTTP exactly as Adobe's docs
//! describe the Chatlio setup (token, field group, schema, descriptor, dataset,
//! source and target connections, mapping set, flow, inlet URL), using this
//! crate's request bodies.

#![allow(dead_code)]

use chatlio::{
    field_group_body, identity_descriptor_body, mapping_set_body, schema_body, webhook_url,
    VisitorEventKind, WebhookMode, WebhookPlan,
};
use platform_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const CHATLIO_CONNECTION_SPEC: &str = "073127a3-26e3-496c-9d94-9f48fb93fba8";
const CHATLIO_PROVIDER: &str = "521eee4d-8cbe-4906-bb48-fb6bd4450033";
const DATA_LAKE_CONNECTION_SPEC: &str = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";
const STREAMING_FLOW_SPEC: &str = "e77fde5a-22a8-11ed-861d-0242ac120002";
const SCOPES: &str =
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session";

/// A running simulator with an access token.
pub struct Platform {
    pub sim: RunningSim,
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
    pub client_id: String,
    pub org_id: String,
    pub tenant_id: String,
}

/// One created dataflow and the webhook URL Chatlio would call.
#[derive(Debug, Clone)]
pub struct CreatedFlow {
    pub key: String,
    pub url_hint: Option<VisitorEventKind>,
    pub flow_id: String,
    pub webhook_url: String,
}

/// Everything the setup created.
#[derive(Debug, Clone)]
pub struct Setup {
    pub schema_id: String,
    pub dataset_id: String,
    pub flows: BTreeMap<String, CreatedFlow>,
}

async fn body_of(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("response body");
    assert!(status.is_success(), "{what}: HTTP {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"))
}

impl Platform {
    pub async fn start() -> Platform {
        let sim = platform_sim::start(SimConfig {
            port: 0,
            // These tests read the stored records at once: no 5 minute warm-up.
            warmup: std::time::Duration::ZERO,
            ..Default::default()
        })
        .await
        .expect("platform-sim starts");
        let base = sim.base_url();
        let config = sim.config().clone();
        let http = reqwest::Client::new();
        let token_body = body_of(
            http.post(format!("{base}/ims/token/v3"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", config.client_id.as_str()),
                    ("client_secret", config.client_secret.as_str()),
                    ("scope", SCOPES),
                ])
                .send()
                .await
                .expect("token request"),
            "IMS token",
        )
        .await;
        let token = token_body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        let mut platform = Platform {
            sim,
            base,
            http,
            token,
            client_id: config.client_id.clone(),
            org_id: config.org_id.clone(),
            tenant_id: String::new(),
        };
        let stats = platform
            .get("/data/foundation/schemaregistry/stats", None)
            .await;
        platform.tenant_id = stats["tenantId"].as_str().expect("tenantId").to_owned();
        platform
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("x-api-key", &self.client_id)
            .header("x-gw-ims-org-id", &self.org_id)
            .header("x-sandbox-name", "prod")
    }

    pub async fn get(&self, path: &str, accept: Option<&str>) -> Value {
        let mut request = self.request(reqwest::Method::GET, path);
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        body_of(request.send().await.expect("GET"), path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST");
        body_of(response, path).await
    }

    /// Schema Registry, Catalog, Data Prep and Flow Service calls for `mode`.
    pub async fn set_up(&self, mode: WebhookMode) -> Setup {
        let tenant = &self.tenant_id;
        let field_group = self
            .post(
                "/data/foundation/schemaregistry/tenant/fieldgroups",
                &field_group_body(tenant),
            )
            .await;
        let field_group_id = field_group["$id"].as_str().expect("field group $id");
        let schema = self
            .post(
                "/data/foundation/schemaregistry/tenant/schemas",
                &schema_body(tenant, field_group_id, "Chatlio Webhook Events"),
            )
            .await;
        let schema_id = schema["$id"].as_str().expect("schema $id").to_owned();
        self.post(
            "/data/foundation/schemaregistry/tenant/descriptors",
            &identity_descriptor_body(&schema_id, tenant),
        )
        .await;
        let dataset = self
            .post(
                "/data/foundation/catalog/dataSets?requestDataSource=true",
                &json!({
                    "name": "Chatlio Webhook Events",
                    "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1"}
                }),
            )
            .await;
        let dataset_id = dataset[0]
            .as_str()
            .and_then(|reference| reference.strip_prefix("@/dataSets/"))
            .expect("dataset reference")
            .to_owned();

        let mut flows = BTreeMap::new();
        for flow in WebhookPlan::new(mode).flows {
            let name = format!("Chatlio ({})", flow.name_suffix);
            let source = self
                .post(
                    "/data/foundation/flowservice/sourceConnections",
                    &json!({
                        "name": format!("{name} source"),
                        "providerId": CHATLIO_PROVIDER,
                        "description": "Streaming source connection for Chatlio.",
                        "connectionSpec": {"id": CHATLIO_CONNECTION_SPEC, "version": "1.0"},
                        "data": {"format": "json"}
                    }),
                )
                .await;
            let target = self
                .post(
                    "/data/foundation/flowservice/targetConnections",
                    &json!({
                        "name": format!("{name} target"),
                        "connectionSpec": {"id": DATA_LAKE_CONNECTION_SPEC, "version": "1.0"},
                        "data": {
                            "format": "json",
                            "schema": {"id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1"}
                        },
                        "params": {"dataSetId": dataset_id}
                    }),
                )
                .await;
            let mapping = self
                .post(
                    "/data/foundation/conversion/mappingSets",
                    &mapping_set_body(tenant, &schema_id, flow.url_hint),
                )
                .await;
            let created = self
                .post(
                    "/data/foundation/flowservice/flows",
                    &json!({
                        "name": name,
                        "flowSpec": {"id": STREAMING_FLOW_SPEC, "version": "1.0"},
                        "sourceConnectionIds": [source["id"]],
                        "targetConnectionIds": [target["id"]],
                        "transformations": [{
                            "name": "Mapping",
                            "params": {"mappingId": mapping["id"], "mappingVersion": 0}
                        }]
                    }),
                )
                .await;
            let flow_id = created["id"].as_str().expect("flow id").to_owned();
            let inlet_url = self.inlet_url(&flow_id).await;
            flows.insert(
                flow.key.clone(),
                CreatedFlow {
                    key: flow.key,
                    url_hint: flow.url_hint,
                    webhook_url: webhook_url(&inlet_url, &flow_id),
                    flow_id,
                },
            );
        }
        Setup {
            schema_id,
            dataset_id,
            flows,
        }
    }

    /// `items[0].options.inletUrl` of the flow, polled until present (Adobe:
    /// the flow takes a while to enable).
    pub async fn inlet_url(&self, flow_id: &str) -> String {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let flow = self
                .get(
                    &format!("/data/foundation/flowservice/flows/{flow_id}"),
                    None,
                )
                .await;
            if let Some(url) = flow["items"][0]["options"]["inletUrl"].as_str() {
                return url.to_owned();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "flow {flow_id} has no inletUrl: {flow}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// `/__sim/datasets/{id}/records`: stored records and failed ones.
    pub async fn records(&self, dataset_id: &str) -> (Vec<Value>, Vec<Value>) {
        let response = self
            .http
            .get(format!("{}/__sim/datasets/{dataset_id}/records", self.base))
            .send()
            .await
            .expect("records");
        let body = body_of(response, "records").await;
        let list = |key: &str| body[key].as_array().cloned().unwrap_or_default();
        (list("records"), list("failed"))
    }
}

/// The stored record for a conversation or visitor: the one whose Chatlio
/// object's `subjectId` equals `subject`.
pub fn record_for<'records>(
    records: &'records [Value],
    tenant_id: &str,
    subject: &str,
) -> Option<&'records Value> {
    records
        .iter()
        .find(|record| record[format!("_{tenant_id}")]["chatlio"]["subjectId"] == subject)
}

/// A record without the values generated at ingestion (`_id`, `timestamp`),
/// for comparison with [`chatlio::expected_record`].
pub fn without_generated(record: &Value) -> Value {
    let mut record = record.clone();
    if let Some(object) = record.as_object_mut() {
        object.remove("_id");
        object.remove("timestamp");
    }
    record
}
