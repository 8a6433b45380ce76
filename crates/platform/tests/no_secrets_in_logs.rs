//! Runs a full token + calls sequence under a capturing `tracing` subscriber at TRACE level
//! (every crate, including reqwest and hyper) and checks that no log line contains the
//! client secret, an access or refresh token, a flow id, an inlet id or the webhook URL.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use platform::models::catalog::DatasetRequest;
use platform::models::dataprep::{Mapping, MappingSetRequest};
use platform::models::flow::{
    FlowRequest, PatchOperation, SourceConnectionRequest, TargetConnectionRequest,
};
use platform::models::schema::{FieldGroupRequest, SchemaRequest, EXPERIENCE_EVENT_CLASS};
use platform::models::FlowId;
use platform::{Client, ClientConfig, Credential, Secret, Url};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'writer> MakeWriter<'writer> for Capture {
    type Writer = Capture;
    fn make_writer(&'writer self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_any_trace_line() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = platform_sim::start(platform_sim::SimConfig {
        client_secret: "s3cr3t-client-secret-for-log-test".into(),
        ..platform_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let base = Url::parse(&sim.base_url()).unwrap();
    let client = Client::new(ClientConfig::new(
        base.clone(),
        base,
        sim.config().org_id.clone(),
        "prod",
        Credential::server_to_server(
            sim.config().client_id.clone(),
            Secret::from(sim.config().client_secret.clone()),
        ),
    ))
    .unwrap();

    let first_token = client.access_token().await.unwrap();
    client.sandboxes().list_available().await.unwrap();
    let registry = client.schema_registry();
    let tenant = registry.tenant_id().await.unwrap();
    let group = registry
        .create_field_group(&FieldGroupRequest::tenant_fields(
            "Log Test Fields",
            None,
            vec![EXPERIENCE_EVENT_CLASS.into()],
            &tenant,
            "chatlio",
            json!({ "UUID": { "type": "string" } }),
        ))
        .await
        .unwrap();
    let schema = registry
        .create_schema(&SchemaRequest::new(
            "Log Test Schema",
            None,
            EXPERIENCE_EVENT_CLASS,
            &[group.id],
        ))
        .await
        .unwrap();
    let dataset = client
        .catalog()
        .create_dataset(&DatasetRequest::new("Log Test Dataset", schema.id.clone()))
        .await
        .unwrap();
    let flows = client.flow_service();
    let source = flows
        .create_source_connection(&SourceConnectionRequest::chatlio("log source", None))
        .await
        .unwrap();
    let target = flows
        .create_target_connection(&TargetConnectionRequest::data_lake(
            "log target",
            None,
            schema.id.clone(),
            dataset,
        ))
        .await
        .unwrap();
    let mapping = client
        .data_prep()
        .create_mapping_set(&MappingSetRequest::new(
            schema.id,
            vec![
                Mapping::attribute("visitor.UUID", format!("_{tenant}.UUID")),
                Mapping::expression("uuid()", "_id"),
                Mapping::expression("now()", "timestamp"),
            ],
        ))
        .await
        .unwrap();
    let flow = flows
        .create_flow(&FlowRequest::streaming(
            "log flow",
            None,
            source.id,
            target.id,
            &mapping.id,
            0,
        ))
        .await
        .unwrap();
    let fetched = flows.get_flow(&flow.id).await.unwrap();
    let inlet_url = fetched.inlet_url().unwrap().to_owned();
    let inlet_id = inlet_url.rsplit('/').next().unwrap().to_owned();
    flows
        .patch_flow(
            &flow.id,
            fetched.etag.as_ref().unwrap(),
            &[PatchOperation::replace("/name", json!("log flow renamed"))],
        )
        .await
        .unwrap();
    let webhook = flows.webhook_url(&flow.id).await.unwrap().unwrap();
    client
        .inlet()
        .send_event(&webhook, &json!({ "visitor": { "UUID": "u-1" } }))
        .await
        .unwrap();
    flows.list_runs(&flow.id, 5).await.unwrap();

    // Errors are logged too: a 404 whose body names the flow id, and a re-authentication.
    let missing = FlowId::new("84224def-1e2a-4d95-9ea2-132d697ed2aa");
    let error = flows.get_flow(&missing).await.unwrap_err();
    assert_eq!(error.code(), platform::ErrorCode::NotFound);
    reqwest::Client::new()
        .post(format!("{}/__sim/tokens/expire", sim.base_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    flows.get_flow(&flow.id).await.unwrap();
    let second_token = client.access_token().await.unwrap();
    assert_ne!(first_token.expose(), second_token.expose());
    flows.delete_flow(&flow.id).await.unwrap();
    sim.shutdown().await;

    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("adobe call succeeded"),
        "the capture must hold the client's own lines"
    );
    assert!(text.contains("TRACE"), "trace level must be captured");
    let forbidden = [
        (
            "client secret",
            "s3cr3t-client-secret-for-log-test".to_owned(),
        ),
        ("first access token", first_token.expose().clone()),
        ("second access token", second_token.expose().clone()),
        ("flow id", flow.id.as_str().to_owned()),
        ("missing flow id", missing.as_str().to_owned()),
        ("inlet id", inlet_id),
        ("webhook URL", webhook.as_str().to_owned()),
    ];
    for line in text.lines() {
        for (what, value) in &forbidden {
            assert!(
                !line.contains(value.as_str()),
                "a log line contains the {what}: {line}"
            );
        }
    }
}
