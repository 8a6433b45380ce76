//! Integration tests against platform-sim: every call of the client, and the client's
//! reaction to each error class the simulator's fault injection produces.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use platform::catalog::DatasetQuery;
use platform::flow_service::ListQuery;
use platform::models::catalog::DatasetRequest;
use platform::models::dataprep::{Mapping, MappingSetRequest};
use platform::models::flow::{
    FlowRequest, PatchOperation, SourceConnectionRequest, TargetConnectionRequest,
    CHATLIO_CONNECTION_SPEC_ID,
};
use platform::models::schema::{
    FieldGroupRequest, IdentityDescriptorRequest, SchemaRequest, EXPERIENCE_EVENT_CLASS,
};
use platform::models::{ConnectionSpecId, FlowId, SchemaId};
use platform::{
    AuthorizeRequest, Client, ClientConfig, Credential, ErrorCode, Pkce, RetryPolicy, Secret,
    Timeouts, Url, WebhookUrl,
};
use platform_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Harness

/// Adobe's warm-up of a new dataflow (help/sources/tutorials/api/create/streaming/http.md),
/// platform-sim's default, plus a second.
const WARMUP_SECS: u64 = 301;

struct Harness {
    sim: RunningSim,
    control: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        let sim = platform_sim::start(SimConfig::default()).await.unwrap();
        Self {
            sim,
            control: reqwest::Client::new(),
        }
    }

    fn base(&self) -> Url {
        Url::parse(&self.sim.base_url()).unwrap()
    }

    fn config_with(
        &self,
        credential: Credential,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> ClientConfig {
        let mut config = ClientConfig::new(
            self.base(),
            self.base(),
            self.sim.config().org_id.clone(),
            "prod",
            credential,
        );
        config.timeouts = timeouts;
        config.retry = retry;
        config
    }

    fn s2s(&self) -> Credential {
        Credential::server_to_server(
            self.sim.config().client_id.clone(),
            Secret::from(self.sim.config().client_secret.clone()),
        )
    }

    fn fast_retry() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(5),
        }
    }

    fn client(&self) -> Client {
        Client::new(self.config_with(self.s2s(), Timeouts::default(), Self::fast_retry())).unwrap()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.sim.base_url());
        let mut request = self.control.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "control call {path} failed: {}",
            response.status()
        );
        let bytes = response.bytes().await.unwrap();
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        }
    }

    /// `POST /__sim/time/advance`: as if `secs` seconds had passed.
    async fn advance(&self, secs: u64) {
        self.control(
            reqwest::Method::POST,
            "/__sim/time/advance",
            Some(json!({ "secs": secs })),
        )
        .await;
    }

    /// `POST /__sim/clock/advance`: the sim's own clock moves `secs` forward (its now
    /// moves, unlike `advance`), so the tokens it issued expire by it.
    async fn advance_clock(&self, secs: u64) {
        self.control(
            reqwest::Method::POST,
            "/__sim/clock/advance",
            Some(json!({ "secs": secs })),
        )
        .await;
    }

    async fn fail_next(&self, rule: Value) {
        self.control(reqwest::Method::POST, "/__sim/faults/next", Some(rule))
            .await;
    }

    async fn clear_log(&self) {
        self.control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await;
    }

    /// `(method, path, status)` of logged requests (status `None` for dropped ones).
    async fn log(&self) -> Vec<(String, String, Option<u64>)> {
        let log = self
            .control(reqwest::Method::GET, "/__sim/requests", None)
            .await;
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["method"].as_str().unwrap_or_default().to_owned(),
                    entry["path"].as_str().unwrap_or_default().to_owned(),
                    entry["status"].as_u64(),
                )
            })
            .collect()
    }

    async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// Creates schema + dataset + connections + mapping + flow; returns the ids.
struct Pipeline {
    schema: SchemaId,
    field_group: SchemaId,
    dataset: platform::models::DatasetId,
    source: platform::models::SourceConnectionId,
    target: platform::models::TargetConnectionId,
    mapping: platform::models::MappingSetId,
    flow: FlowId,
    /// The etag of the flow's create answer.
    flow_etag: Option<platform::models::Etag>,
}

fn chatlio_fields() -> Value {
    json!({
        "UUID": { "type": "string", "title": "Visitor UUID" },
        "chatlio_email": { "type": "string", "title": "Visitor Email" },
        "message": { "type": "string", "title": "Message" },
        "channel_ID": { "type": "string", "title": "Channel ID" },
        "slackchannel_ID": { "type": "string", "title": "Slack Channel ID" },
        "slackchannel_name": { "type": "string", "title": "Slack Channel Name" }
    })
}

fn chatlio_event() -> Value {
    json!({
        "visitor": { "email": "test@example.com", "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257" },
        "message": "Hi",
        "channelId": "C04J7M7LCMQ",
        "slackChannelName": "aep",
        "slackChannelId": "C04JVR71WKS"
    })
}

async fn build_pipeline(client: &Client, suffix: &str) -> Pipeline {
    let registry = client.schema_registry();
    let tenant = registry.tenant_id().await.unwrap();
    let field_group = registry
        .create_field_group(&FieldGroupRequest::tenant_fields(
            format!("Chatlio Webhook Fields {suffix}"),
            Some("Fields received from Chatlio webhooks.".into()),
            vec![EXPERIENCE_EVENT_CLASS.into()],
            &tenant,
            "chatlio",
            chatlio_fields(),
        ))
        .await
        .unwrap();
    let schema = registry
        .create_schema(&SchemaRequest::new(
            format!("Chatlio Events {suffix}"),
            Some("Chatlio webhook events.".into()),
            EXPERIENCE_EVENT_CLASS,
            std::slice::from_ref(&field_group.id),
        ))
        .await
        .unwrap();
    let dataset = client
        .catalog()
        .create_dataset(&DatasetRequest::new(
            format!("Chatlio Dataset {suffix}"),
            schema.id.clone(),
        ))
        .await
        .unwrap();
    let flow_service = client.flow_service();
    let source = flow_service
        .create_source_connection(&SourceConnectionRequest::chatlio(
            format!("Chatlio source {suffix}"),
            None,
        ))
        .await
        .unwrap();
    let target = flow_service
        .create_target_connection(&TargetConnectionRequest::data_lake(
            format!("Chatlio target {suffix}"),
            None,
            schema.id.clone(),
            dataset.clone(),
        ))
        .await
        .unwrap();
    let namespace = format!("_{tenant}");
    let mapping = client
        .data_prep()
        .create_mapping_set(&MappingSetRequest::new(
            schema.id.clone(),
            vec![
                Mapping::attribute("visitor.UUID", format!("{namespace}.UUID")),
                Mapping::attribute("visitor.email", format!("{namespace}.chatlio_email")),
                Mapping::attribute("message", format!("{namespace}.message")),
                Mapping::attribute("channelId", format!("{namespace}.channel_ID")),
                Mapping::attribute("slackChannelId", format!("{namespace}.slackchannel_ID")),
                Mapping::attribute("slackChannelName", format!("{namespace}.slackchannel_name")),
                Mapping::expression("uuid()", "_id"),
                Mapping::expression("now()", "timestamp"),
            ],
        ))
        .await
        .unwrap();
    let flow = flow_service
        .create_flow(&FlowRequest::streaming(
            format!("Chatlio flow {suffix}"),
            Some("Streaming Dataflow for Chatlio".into()),
            source.id.clone(),
            target.id.clone(),
            &mapping.id,
            mapping.version.unwrap_or(0),
        ))
        .await
        .unwrap();
    Pipeline {
        schema: schema.id,
        field_group: field_group.id,
        dataset,
        source: source.id,
        target: target.id,
        mapping: mapping.id,
        flow: flow.id,
        flow_etag: flow.etag,
    }
}

// ---------------------------------------------------------------------------------------
// Every call

#[tokio::test]
async fn every_call_end_to_end() {
    let harness = Harness::start().await;
    let client = harness.client();

    // IMS + sandboxes.
    let token = client.access_token().await.unwrap();
    assert!(!token.expose().is_empty());
    let sandboxes = client.sandboxes().list_available().await.unwrap();
    assert!(sandboxes
        .iter()
        .any(|sandbox| sandbox.name.as_str() == "prod"));
    let prod = client.sandboxes().find_available("prod").await.unwrap();
    assert!(prod.is_active());
    assert_eq!(
        client.sandboxes().get("prod").await.unwrap().name.as_str(),
        "prod"
    );
    assert_eq!(
        client
            .sandboxes()
            .find_available("nope")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    // Schema Registry.
    let registry = client.schema_registry();
    let stats = registry.stats().await.unwrap();
    assert_eq!(stats.tenant_id, harness.sim.config().tenant_id);
    let pipeline = build_pipeline(&client, "A").await;
    let found = registry
        .find_schema_by_title("Chatlio Events A")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, pipeline.schema);
    assert!(registry
        .find_schema_by_title("No Such Title")
        .await
        .unwrap()
        .is_none());
    let group = registry
        .find_field_group_by_title("Chatlio Webhook Fields A")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(group.id, pipeline.field_group);
    let schema = registry.get_schema(&pipeline.schema).await.unwrap();
    assert!(schema
        .all_of
        .iter()
        .any(|reference| reference.reference == EXPERIENCE_EVENT_CLASS));
    let fetched_group = registry
        .get_field_group(&pipeline.field_group)
        .await
        .unwrap();
    assert_eq!(
        fetched_group.title.as_deref(),
        Some("Chatlio Webhook Fields A")
    );
    let tenant = stats.tenant_id.clone();
    let descriptor = registry
        .create_identity_descriptor(&IdentityDescriptorRequest::new(
            pipeline.schema.clone(),
            format!("/_{tenant}/chatlio_email"),
            "Email",
            false,
        ))
        .await
        .unwrap();
    let fetched_descriptor = registry.get_descriptor(&descriptor.id).await.unwrap();
    assert_eq!(fetched_descriptor.namespace.as_deref(), Some("Email"));

    // Catalog.
    let catalog = client.catalog();
    let dataset = catalog.get_dataset(&pipeline.dataset).await.unwrap();
    assert_eq!(dataset.name.as_deref(), Some("Chatlio Dataset A"));
    assert_eq!(dataset.schema_ref.unwrap().id, pipeline.schema);
    let by_name = catalog
        .find_datasets_by_name("Chatlio Dataset A")
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].0, pipeline.dataset);
    let listed = catalog
        .list_datasets(&DatasetQuery {
            limit: Some(10),
            ..DatasetQuery::default()
        })
        .await
        .unwrap();
    assert!(listed.iter().any(|(id, _)| *id == pipeline.dataset));

    // Data Prep.
    let mapping = client
        .data_prep()
        .get_mapping_set(&pipeline.mapping)
        .await
        .unwrap();
    assert_eq!(mapping.id, pipeline.mapping);
    assert!(!mapping.mappings.is_empty());

    // Flow Service reads.
    let flow_service = client.flow_service();
    let spec = flow_service
        .get_connection_spec(&ConnectionSpecId::new(CHATLIO_CONNECTION_SPEC_ID))
        .await
        .unwrap();
    assert_eq!(spec.id.as_str(), CHATLIO_CONNECTION_SPEC_ID);
    let specs = flow_service
        .list_connection_specs(&ListQuery::property(format!(
            "id=={CHATLIO_CONNECTION_SPEC_ID}"
        )))
        .await
        .unwrap();
    assert_eq!(specs.len(), 1);
    let source = flow_service
        .get_source_connection(&pipeline.source)
        .await
        .unwrap();
    assert_eq!(
        source.connection_spec.unwrap().id.as_str(),
        CHATLIO_CONNECTION_SPEC_ID
    );
    let sources = flow_service
        .list_source_connections(&ListQuery::property(format!(
            "connectionSpec.id=={CHATLIO_CONNECTION_SPEC_ID}"
        )))
        .await
        .unwrap();
    assert!(sources.iter().any(|item| item.id == pipeline.source));
    let target = flow_service
        .get_target_connection(&pipeline.target)
        .await
        .unwrap();
    assert_eq!(
        target.params.unwrap().data_set_id,
        Some(pipeline.dataset.clone())
    );
    let targets = flow_service
        .list_target_connections(&ListQuery::property(format!("id=={}", pipeline.target)))
        .await
        .unwrap();
    assert_eq!(targets.len(), 1);

    let flow = flow_service.get_flow(&pipeline.flow).await.unwrap();
    assert!(flow.is_enabled());
    let inlet = flow
        .inlet_url()
        .expect("the sim enables flows at once")
        .to_owned();
    assert!(inlet.starts_with(&harness.sim.base_url()));
    let chatlio_flows = flow_service.list_chatlio_flows().await.unwrap();
    assert!(chatlio_flows.iter().any(|item| item.id == pipeline.flow));
    let by_name = flow_service
        .list_flows(&ListQuery::property("name==Chatlio flow A").and_property("state==enabled"))
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1);

    // PATCH with If-Match, disable, enable.
    let etag = flow.etag.clone().unwrap();
    let patched = flow_service
        .patch_flow(
            &pipeline.flow,
            &etag,
            &[PatchOperation::replace("/description", json!("patched"))],
        )
        .await
        .unwrap();
    assert_ne!(patched.etag.as_ref(), Some(&etag));
    assert_eq!(
        flow_service
            .get_flow(&pipeline.flow)
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("patched")
    );
    flow_service
        .disable_flow(&pipeline.flow, None)
        .await
        .unwrap();
    assert!(!flow_service
        .get_flow(&pipeline.flow)
        .await
        .unwrap()
        .is_enabled());
    flow_service
        .enable_flow(&pipeline.flow, None)
        .await
        .unwrap();
    assert!(flow_service
        .get_flow(&pipeline.flow)
        .await
        .unwrap()
        .is_enabled());

    // Inlet, runs, batches (after the dataflow's warm-up).
    let webhook = flow_service
        .webhook_url(&pipeline.flow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(webhook, WebhookUrl::new(&inlet, &pipeline.flow).unwrap());
    harness.advance(WARMUP_SECS).await;
    let receipt = client
        .inlet()
        .send_event(&webhook, &chatlio_event())
        .await
        .unwrap();
    assert!(receipt.xaction_id.is_some());
    harness
        .control(reqwest::Method::POST, "/__sim/runs/close", None)
        .await;
    let runs = flow_service.list_runs(&pipeline.flow, 10).await.unwrap();
    assert!(!runs.is_empty(), "a run should exist after an event");
    let run = flow_service.get_run(&runs[0].id).await.unwrap();
    assert_eq!(run.flow_id.as_ref(), Some(&pipeline.flow));
    let received: u64 = runs
        .iter()
        .filter_map(|run| {
            run.metrics
                .as_ref()?
                .record_summary
                .as_ref()?
                .input_record_count
        })
        .sum();
    assert_eq!(received, 1);
    let batches = catalog.list_batches(&pipeline.dataset, 10).await.unwrap();
    if let Some((batch_id, _)) = batches.first() {
        catalog.get_batch(batch_id).await.unwrap();
    }

    // Bounded fan-out.
    let unknown = FlowId::new("00000000-0000-0000-0000-000000000000");
    let statuses = flow_service
        .get_flows_bounded(
            &[
                pipeline.flow.clone(),
                unknown.clone(),
                pipeline.flow.clone(),
            ],
            2,
        )
        .await;
    assert_eq!(statuses.len(), 3);
    assert!(statuses[0].1.is_ok());
    assert_eq!(
        statuses[1].1.as_ref().unwrap_err().code(),
        ErrorCode::NotFound
    );

    // Deletes, in Adobe's cleanup order.
    flow_service.delete_flow(&pipeline.flow).await.unwrap();
    let gone = flow_service.get_flow(&pipeline.flow).await.unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound);
    flow_service
        .delete_source_connection(&pipeline.source)
        .await
        .unwrap();
    flow_service
        .delete_target_connection(&pipeline.target)
        .await
        .unwrap();
    catalog.delete_dataset(&pipeline.dataset).await.unwrap();
    assert_eq!(
        catalog
            .get_dataset(&pipeline.dataset)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    registry.delete_descriptor(&descriptor.id).await.unwrap();
    registry.delete_schema(&pipeline.schema).await.unwrap();
    registry
        .delete_field_group(&pipeline.field_group)
        .await
        .unwrap();
    assert_eq!(
        registry
            .get_schema(&pipeline.schema)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    harness.shutdown().await;
}

#[tokio::test]
async fn schema_patch_adds_a_field_group() {
    let harness = Harness::start().await;
    let client = harness.client();
    let registry = client.schema_registry();
    let tenant = registry.tenant_id().await.unwrap();
    let group = registry
        .create_field_group(&FieldGroupRequest::tenant_fields(
            "Patch Group",
            None,
            vec![EXPERIENCE_EVENT_CLASS.into()],
            &tenant,
            "extra",
            json!({ "note": { "type": "string", "title": "Note" } }),
        ))
        .await
        .unwrap();
    let schema = registry
        .create_schema(&SchemaRequest::new(
            "Patch Schema",
            None,
            EXPERIENCE_EVENT_CLASS,
            &[],
        ))
        .await
        .unwrap();
    let patched = registry
        .patch_schema(
            &schema.id,
            &[PatchOperation::add(
                "/allOf/-",
                json!({ "$ref": group.id.as_str() }),
            )],
        )
        .await
        .unwrap();
    assert!(patched
        .all_of
        .iter()
        .any(|reference| reference.reference == group.id.as_str()));
    harness.shutdown().await;
}

#[tokio::test]
async fn mapping_sets_are_found_by_name_and_descriptors_by_schema() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "lists").await;
    let prep = client.data_prep();
    let tenant = client.schema_registry().tenant_id().await.unwrap();
    let mappings = || {
        vec![Mapping::attribute(
            "visitor.UUID",
            format!("_{tenant}.UUID"),
        )]
    };
    // Two with one name, one with another; names are not unique in Data Prep.
    let mut named = Vec::new();
    for name in [
        "Setup A mapping [m:a]",
        "Setup A mapping [m:a]",
        "Setup B mapping",
    ] {
        let created = prep
            .create_mapping_set(
                &MappingSetRequest::new(pipeline.schema.clone(), mappings()).named(name),
            )
            .await
            .unwrap();
        named.push(created.id);
    }
    let found = prep
        .find_mapping_sets_by_name("Setup A mapping [m:a]")
        .await
        .unwrap();
    let mut ids: Vec<_> = found.iter().map(|set| set.id.clone()).collect();
    ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut expected = named[..2].to_vec();
    expected.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(ids, expected);
    for set in &found {
        assert_eq!(set.output_schema_id(), Some(pipeline.schema.as_str()));
    }
    assert!(prep
        .find_mapping_sets_by_name("Setup A mapping")
        .await
        .unwrap()
        .is_empty());
    // One page, unfiltered: all four (the pipeline's has no name).
    let page = prep
        .list_mapping_sets(&platform::dataprep::MappingSetQuery::default())
        .await
        .unwrap();
    assert_eq!(page.len(), 4);
    assert!(page
        .iter()
        .any(|set| set.id == pipeline.mapping && set.name.is_none()));

    // Descriptors: the list groups by type; by schema only that schema's.
    let registry = client.schema_registry();
    assert!(registry
        .identity_descriptors(&pipeline.schema)
        .await
        .unwrap()
        .is_empty());
    let created = registry
        .create_identity_descriptor(&IdentityDescriptorRequest::new(
            pipeline.schema.clone(),
            format!("/_{tenant}/chatlio_email"),
            "Email",
            true,
        ))
        .await
        .unwrap();
    let found = registry
        .identity_descriptors(&pipeline.schema)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    assert_eq!(found[0].is_primary, Some(true));
    assert_eq!(
        found[0].source_property.as_deref(),
        Some(format!("/_{tenant}/chatlio_email").as_str())
    );
    let other = SchemaId::new("https://ns.adobe.com/practice/schemas/none");
    assert!(registry
        .identity_descriptors(&other)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(registry.list_descriptors(None).await.unwrap().len(), 1);
    let log = harness.log().await;
    assert!(log.iter().any(|(method, path, status)| method == "GET"
        && path == "/data/foundation/schemaregistry/tenant/descriptors"
        && *status == Some(200)));
    harness.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// IMS

#[tokio::test]
async fn user_sign_in_pkce_refresh_userinfo_organizations_revoke() {
    let harness = Harness::start().await;
    let client_id = harness.sim.config().client_id.clone();
    let ims = platform::ImsClient::new(harness.base(), &Timeouts::default(), Harness::fast_retry())
        .unwrap();
    let pkce = Pkce::generate();
    let state = platform::ims::random_state();
    let authorize = ims
        .authorize_url(&AuthorizeRequest {
            client_id: client_id.clone(),
            redirect_uri: "https://localhost:8443/callback".into(),
            scopes: [
                "openid",
                "AdobeID",
                "read_organizations",
                "offline_access",
                "email",
                "profile",
            ]
            .iter()
            .map(|scope| (*scope).to_owned())
            .collect(),
            state: state.clone(),
            code_challenge: pkce.challenge().to_owned(),
            prompt: Some("none".into()),
        })
        .unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects.get(authorize.as_str()).send().await.unwrap();
    assert!(
        response.status().is_redirection(),
        "authorize answered {}",
        response.status()
    );
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let code = pairs
        .iter()
        .find(|(key, _)| key == "code")
        .unwrap()
        .1
        .clone();
    assert!(pairs
        .iter()
        .any(|(key, value)| key == "state" && *value == state));

    // A wrong verifier is refused; the right one works.
    let wrong = ims
        .exchange_code(
            &client_id,
            &Secret::from(code.clone()),
            Pkce::generate().verifier(),
            Some("https://localhost:8443/callback"),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::Unauthenticated);
    assert_eq!(wrong.adobe_code(), Some("invalid_grant"));
    // The sim may consume the code on a failed attempt; get a fresh one.
    let response = no_redirects.get(authorize.as_str()).send().await.unwrap();
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(key, _)| key == "code")
        .unwrap()
        .1
        .into_owned();
    let grant = ims
        .exchange_code(
            &client_id,
            &Secret::from(code),
            pkce.verifier(),
            Some("https://localhost:8443/callback"),
        )
        .await
        .unwrap();
    let refresh = grant
        .refresh_token
        .clone()
        .expect("offline_access gives a refresh token");

    let organizations = ims.organizations(&grant.access_token).await.unwrap();
    assert!(organizations
        .iter()
        .any(|organization| organization.org_id().as_str() == harness.sim.config().org_id));
    let user = ims.userinfo(&client_id, &grant.access_token).await.unwrap();
    assert!(user.email.is_some());

    // A client on user tokens; after the sim expires every token, the next call refreshes
    // transparently (one 401, one refresh, one retry).
    let credential = Credential::UserTokens {
        client_id: client_id.clone(),
        access: grant.access_token.clone(),
        refresh: Some(refresh),
        expires_at: None,
    };
    let client =
        Client::new(harness.config_with(credential, Timeouts::default(), Harness::fast_retry()))
            .unwrap();
    assert!(!client.organizations().await.unwrap().is_empty());
    assert!(client.userinfo().await.unwrap().sub.is_some());
    client.sandboxes().list_available().await.unwrap();
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/tokens/expire",
            Some(json!({})),
        )
        .await;
    harness.clear_log().await;
    client.sandboxes().list_available().await.unwrap();
    let log = harness.log().await;
    let statuses: Vec<Option<u64>> = log.iter().map(|(_, _, status)| *status).collect();
    assert_eq!(
        statuses,
        vec![Some(401), Some(200), Some(200)],
        "log: {log:?}"
    );
    assert!(log[1].1.ends_with("/ims/token/v3"));
    let snapshot = client.user_tokens().await.unwrap();
    assert_ne!(snapshot.access.expose(), grant.access_token.expose());

    // Revoke: the access token stops working.
    client.revoke().await.unwrap();
    let revoked = ims
        .userinfo(&client_id, &snapshot.access)
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), ErrorCode::Unauthenticated);
    harness.shutdown().await;
}

#[tokio::test]
async fn user_tokens_without_refresh_need_sign_in_after_expiry() {
    let harness = Harness::start().await;
    let s2s = harness.client();
    let token = s2s.access_token().await.unwrap();
    let credential = Credential::UserTokens {
        client_id: harness.sim.config().client_id.clone(),
        access: token,
        refresh: None,
        expires_at: None,
    };
    let client =
        Client::new(harness.config_with(credential, Timeouts::default(), Harness::fast_retry()))
            .unwrap();
    client.sandboxes().list_available().await.unwrap();
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/tokens/expire",
            Some(json!({})),
        )
        .await;
    let error = client.sandboxes().list_available().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthenticated);
    assert_eq!(error.adobe_code(), Some("401013"));
    harness.shutdown().await;
}

#[tokio::test]
async fn wrong_client_secret_is_unauthenticated() {
    let harness = Harness::start().await;
    let credential = Credential::server_to_server(
        harness.sim.config().client_id.clone(),
        Secret::from("wrong-secret-value"),
    );
    let client =
        Client::new(harness.config_with(credential, Timeouts::default(), Harness::fast_retry()))
            .unwrap();
    let error = client.sandboxes().list_available().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthenticated);
    assert_eq!(error.adobe_code(), Some("invalid_client"));
    assert!(!error.message().contains("wrong-secret-value"));
    assert!(!serde_json::to_string(&error)
        .unwrap()
        .contains("wrong-secret-value"));
    harness.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Error classes from fault injection

/// Three days on Adobe's clock, the cached 24 h token is expired there though the client's
/// own clock says it is fresh: one 401, one new token, and the call goes through.
#[tokio::test]
async fn token_expired_by_the_platforms_clock_is_renewed_once() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.sandboxes().list_available().await.unwrap();
    harness.advance_clock(3 * 24 * 3600).await;
    harness.clear_log().await;
    let sandboxes = client.sandboxes().list_available().await.unwrap();
    assert!(!sandboxes.is_empty());
    let log = harness.log().await;
    let statuses: Vec<Option<u64>> = log.iter().map(|(_, _, status)| *status).collect();
    assert_eq!(
        statuses,
        vec![Some(401), Some(200), Some(200)],
        "log: {log:?}"
    );
    assert_eq!(log[1].1, "/ims/token/v3");
    harness.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_renewed_once_transparently() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.sandboxes().list_available().await.unwrap();
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/tokens/expire",
            Some(json!({})),
        )
        .await;
    harness.clear_log().await;
    let sandboxes = client.sandboxes().list_available().await.unwrap();
    assert!(!sandboxes.is_empty());
    let log = harness.log().await;
    let statuses: Vec<Option<u64>> = log.iter().map(|(_, _, status)| *status).collect();
    assert_eq!(
        statuses,
        vec![Some(401), Some(200), Some(200)],
        "log: {log:?}"
    );
    assert_eq!(log[1].1, "/ims/token/v3");
    // The cache is used afterwards: no new token request.
    harness.clear_log().await;
    client.sandboxes().list_available().await.unwrap();
    assert_eq!(harness.log().await.len(), 1);
    harness.shutdown().await;
}

#[tokio::test]
async fn missing_permission_is_forbidden() {
    let harness = Harness::start().await;
    let created = harness
        .control(
            reqwest::Method::POST,
            "/__sim/credentials",
            Some(json!({ "permissions": ["view-sources", "view-schemas", "view-datasets"] })),
        )
        .await;
    let credential = Credential::server_to_server(
        created["clientId"].as_str().unwrap(),
        Secret::from(created["clientSecret"].as_str().unwrap()),
    );
    let client =
        Client::new(harness.config_with(credential, Timeouts::default(), Harness::fast_retry()))
            .unwrap();
    // Reading works, creating does not.
    client
        .flow_service()
        .list_all_flows(&ListQuery::default())
        .await
        .unwrap();
    let error = client
        .flow_service()
        .create_source_connection(&SourceConnectionRequest::chatlio("x", None))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(error.adobe_code(), Some("FLOW-2120-403"));
    assert!(!error.is_retryable());
    assert!(!error.is_outcome_unknown());
    assert!(error.hint().contains("role"));
    assert!(error.request_id().is_some());
    harness.shutdown().await;
}

#[tokio::test]
async fn unknown_resources_are_not_found() {
    let harness = Harness::start().await;
    let client = harness.client();
    let error = client
        .flow_service()
        .get_flow(&FlowId::new("84224def-1e2a-4d95-9ea2-132d697ed2aa"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound);
    assert!(error
        .adobe_code()
        .is_some_and(|code| code.starts_with("FLOW-")));
    assert_eq!(error.operation(), Some("flow_service.get_flow"));
    let error = client
        .schema_registry()
        .get_schema(&SchemaId::new("https://ns.adobe.com/practice/schemas/0000"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound);
    harness.shutdown().await;
}

#[tokio::test]
async fn duplicate_title_is_conflict() {
    let harness = Harness::start().await;
    let client = harness.client();
    let registry = client.schema_registry();
    let request = SchemaRequest::new("Duplicate Title", None, EXPERIENCE_EVENT_CLASS, &[]);
    registry.create_schema(&request).await.unwrap();
    let error = registry.create_schema(&request).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert_eq!(error.adobe_code(), Some("XDM-1521-400"));
    assert!(!error.is_outcome_unknown());
    harness.shutdown().await;
}

#[tokio::test]
async fn stale_etag_is_precondition_failed() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "E").await;
    let flow_service = client.flow_service();
    let old = flow_service
        .get_flow(&pipeline.flow)
        .await
        .unwrap()
        .etag
        .unwrap();
    flow_service
        .patch_flow(
            &pipeline.flow,
            &old,
            &[PatchOperation::replace("/name", json!("first"))],
        )
        .await
        .unwrap();
    let error = flow_service
        .patch_flow(
            &pipeline.flow,
            &old,
            &[PatchOperation::replace("/name", json!("second"))],
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::PreconditionFailed);
    assert_eq!(error.status(), Some(412));
    assert!(!error.is_retryable());
    // The documented fix works: read again, reapply.
    let fresh = flow_service
        .get_flow(&pipeline.flow)
        .await
        .unwrap()
        .etag
        .unwrap();
    flow_service
        .patch_flow(
            &pipeline.flow,
            &fresh,
            &[PatchOperation::replace("/name", json!("second"))],
        )
        .await
        .unwrap();
    harness.shutdown().await;
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.access_token().await.unwrap();
    harness
        .fail_next(json!({ "method": "GET", "path": "/data/foundation/sandbox-management/*", "count": 1, "status": 429, "retryAfterSecs": 1 }))
        .await;
    harness.clear_log().await;
    let started = Instant::now();
    client.sandboxes().list_available().await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(950),
        "waited only {elapsed:?}"
    );
    let statuses: Vec<Option<u64>> = harness
        .log()
        .await
        .iter()
        .map(|(_, _, status)| *status)
        .collect();
    assert_eq!(statuses, vec![Some(429), Some(200)]);

    // A create refused with 429 was not acted on, so it is retried too.
    harness
        .fail_next(json!({ "method": "POST", "path": "/data/foundation/flowservice/sourceConnections", "count": 1, "status": 429, "retryAfterSecs": 1 }))
        .await;
    client
        .flow_service()
        .create_source_connection(&SourceConnectionRequest::chatlio("after 429", None))
        .await
        .unwrap();

    // A Retry-After beyond the policy's cap is handed to the caller.
    harness
        .fail_next(json!({ "method": "GET", "path": "/data/foundation/sandbox-management/*", "count": 1, "status": 429, "retryAfterSecs": 120 }))
        .await;
    let error = client.sandboxes().list_available().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(error.is_retryable());
    harness.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_and_flag_creates() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.access_token().await.unwrap();

    harness
        .fail_next(json!({ "method": "GET", "path": "/data/foundation/flowservice/flows", "count": 2, "status": 503 }))
        .await;
    harness.clear_log().await;
    client
        .flow_service()
        .list_flows(&ListQuery::default())
        .await
        .unwrap();
    let statuses: Vec<Option<u64>> = harness
        .log()
        .await
        .iter()
        .map(|(_, _, status)| *status)
        .collect();
    assert_eq!(statuses, vec![Some(503), Some(503), Some(200)]);

    // Persistent 500 on a read: gives up after max_attempts.
    harness
        .fail_next(json!({ "method": "GET", "path": "/data/foundation/flowservice/flows", "count": 10, "status": 500 }))
        .await;
    harness.clear_log().await;
    let error = client
        .flow_service()
        .list_flows(&ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ServerError);
    assert!(error.is_retryable());
    assert!(!error.is_outcome_unknown());
    assert_eq!(harness.log().await.len(), 4);
    harness
        .control(reqwest::Method::DELETE, "/__sim/faults", None)
        .await;

    // 500 on a create: sent once, outcome unknown.
    harness
        .fail_next(json!({ "method": "POST", "path": "/data/foundation/flowservice/sourceConnections", "count": 1, "status": 500 }))
        .await;
    harness.clear_log().await;
    let error = client
        .flow_service()
        .create_source_connection(&SourceConnectionRequest::chatlio("after 500", None))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ServerError);
    assert!(error.is_outcome_unknown());
    assert_eq!(harness.log().await.len(), 1);
    let serialized = serde_json::to_value(&error).unwrap();
    assert_eq!(serialized["code"], "server_error");
    assert_eq!(serialized["outcomeUnknown"], true);
    harness.shutdown().await;
}

#[tokio::test]
async fn dropped_connections() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.access_token().await.unwrap();

    harness
        .fail_next(json!({ "method": "GET", "path": "/data/foundation/flowservice/flows", "count": 1, "drop": true }))
        .await;
    harness.clear_log().await;
    client
        .flow_service()
        .list_flows(&ListQuery::default())
        .await
        .unwrap();
    let statuses: Vec<Option<u64>> = harness
        .log()
        .await
        .iter()
        .map(|(_, _, status)| *status)
        .collect();
    assert_eq!(statuses, vec![None, Some(200)]);

    harness
        .fail_next(json!({ "method": "POST", "path": "/data/foundation/flowservice/sourceConnections", "count": 1, "drop": true }))
        .await;
    harness.clear_log().await;
    let error = client
        .flow_service()
        .create_source_connection(&SourceConnectionRequest::chatlio("after drop", None))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Network);
    assert!(error.is_outcome_unknown());
    assert_eq!(harness.log().await.len(), 1);
    harness.shutdown().await;
}

#[tokio::test]
async fn latency_beyond_timeout() {
    let harness = Harness::start().await;
    let timeouts = Timeouts {
        request: Duration::from_millis(300),
        connect: Duration::from_secs(2),
    };
    let client = Client::new(harness.config_with(
        harness.s2s(),
        timeouts,
        RetryPolicy {
            max_attempts: 2,
            ..Harness::fast_retry()
        },
    ))
    .unwrap();
    client.access_token().await.unwrap();
    harness
        .control(
            reqwest::Method::PUT,
            "/__sim/faults/latency",
            Some(json!({ "ms": 600 })),
        )
        .await;
    let started = Instant::now();
    let error = client
        .flow_service()
        .list_flows(&ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Timeout);
    assert!(error.is_retryable());
    assert!(!error.is_outcome_unknown());
    // Two attempts of ~300 ms each, plus a short backoff.
    assert!(started.elapsed() < Duration::from_secs(3));

    let error = client
        .flow_service()
        .create_source_connection(&SourceConnectionRequest::chatlio("slow", None))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Timeout);
    assert!(error.is_outcome_unknown());
    harness
        .control(reqwest::Method::DELETE, "/__sim/faults", None)
        .await;
    harness.shutdown().await;
}

#[tokio::test]
async fn inlet_rejections_are_errors() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "I").await;
    let webhook = client
        .flow_service()
        .webhook_url(&pipeline.flow)
        .await
        .unwrap()
        .unwrap();
    // An unknown flow id on a real inlet.
    let inlet = client
        .flow_service()
        .get_flow(&pipeline.flow)
        .await
        .unwrap();
    let wrong = WebhookUrl::new(
        inlet.inlet_url().unwrap(),
        &FlowId::new("00000000-0000-0000-0000-000000000000"),
    )
    .unwrap();
    let error = client
        .inlet()
        .send_event(&wrong, &chatlio_event())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.code(),
            ErrorCode::InvalidRequest | ErrorCode::NotFound
        ),
        "{error:?}"
    );
    // Still accepted on the right URL.
    client
        .inlet()
        .send_event(&webhook, &chatlio_event())
        .await
        .unwrap();
    // A 5xx on the inlet is not retried (the event could be ingested twice).
    harness
        .fail_next(json!({ "method": "POST", "path": "/collection/*", "count": 1, "status": 503, "retryAfterSecs": 1 }))
        .await;
    harness.clear_log().await;
    let error = client
        .inlet()
        .send_event(&webhook, &chatlio_event())
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ServerError);
    assert!(error.is_outcome_unknown());
    assert_eq!(harness.log().await.len(), 1);
    harness.shutdown().await;
}

#[tokio::test]
async fn token_is_renewed_before_expiry_and_fetched_once_for_concurrent_calls() {
    let sim = platform_sim::start(SimConfig {
        token_lifetime: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let harness = Harness {
        sim,
        control: reqwest::Client::new(),
    };
    let client = harness.client();

    // Ten concurrent reads on a cold cache: one token request.
    let statuses = client
        .flow_service()
        .get_flows_bounded(
            &vec![FlowId::new("00000000-0000-0000-0000-000000000000"); 10],
            10,
        )
        .await;
    assert!(statuses
        .iter()
        .all(|(_, result)| result.as_ref().unwrap_err().code() == ErrorCode::NotFound));
    let log = harness.log().await;
    assert_eq!(
        log.iter()
            .filter(|(_, path, _)| path == "/ims/token/v3")
            .count(),
        1,
        "log: {log:?}"
    );

    // A 2 s token is renewed after 1.5 s (a quarter of its lifetime before expiry),
    // before Adobe would reject it: no 401 in the log.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    harness.clear_log().await;
    client.sandboxes().list_available().await.unwrap();
    let statuses: Vec<(String, Option<u64>)> = harness
        .log()
        .await
        .into_iter()
        .map(|(_, path, status)| (path, status))
        .collect();
    assert_eq!(
        statuses[0],
        ("/ims/token/v3".to_owned(), Some(200)),
        "log: {statuses:?}"
    );
    assert!(statuses.iter().all(|(_, status)| *status != Some(401)));
    harness.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Flow Service under Adobe's timing and paging

/// `(method, path, query)` of the logged requests to `path`.
async fn logged_queries(harness: &Harness, path: &str) -> Vec<String> {
    let log = harness
        .control(reqwest::Method::GET, "/__sim/requests", None)
        .await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["path"] == path)
        .map(|entry| entry["query"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn runs_since_reads_a_week_by_time_across_pages_newest_first() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "W").await;
    let other = build_pipeline(&client, "X").await;
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/runs/seed",
            Some(json!({ "flowId": pipeline.flow.as_str(), "hours": 168, "received": 10, "failed": 3, "warnings": 2 })),
        )
        .await;
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/runs/seed",
            Some(json!({ "flowId": other.flow.as_str(), "hours": 30, "received": 1 })),
        )
        .await;
    let flow_service = client.flow_service();
    let now = chrono::Utc::now();

    // The seeded week ended just before `now`: its oldest hour started a little more
    // than seven days ago.
    let strict_week = flow_service
        .list_runs_since(&pipeline.flow, now - chrono::Duration::days(7))
        .await
        .unwrap();
    assert_eq!(strict_week.len(), 167);
    harness.clear_log().await;
    let week = flow_service
        .list_runs_since(
            &pipeline.flow,
            now - chrono::Duration::days(7) - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(week.len(), 168, "all of the week, past the first page");
    let queries = logged_queries(&harness, "/data/foundation/flowservice/runs").await;
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries[0].contains("limit=1000"), "{queries:?}");
    assert!(queries[0].contains("startedAtUTC%3E%3D") || queries[0].contains("startedAtUTC>="));
    assert!(queries[1].contains("continuationToken="), "{queries:?}");
    assert!(week
        .iter()
        .all(|run| run.flow_id.as_ref() == Some(&pipeline.flow)));
    let starts: Vec<i64> = week.iter().map(|run| run.started_at().unwrap()).collect();
    assert!(
        starts.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first"
    );

    let day = flow_service
        .list_runs_since(
            &pipeline.flow,
            now - chrono::Duration::hours(24) - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(day.len(), 24);
    let received: u64 = day
        .iter()
        .filter_map(|run| {
            run.metrics
                .as_ref()?
                .record_summary
                .as_ref()?
                .input_record_count
        })
        .sum();
    assert_eq!(received, 240);

    // Record errors with their counts from the activities; the run level without.
    let run = &day[0];
    let record_errors = run.record_errors();
    let count = |code: &str| {
        record_errors
            .iter()
            .find(|error| error.code.as_deref() == Some(code))
            .map(|error| error.record_count)
    };
    assert_eq!(count("DCVS-1111-400"), Some(Some(3)));
    assert_eq!(count("MAPPER-3700-400"), Some(Some(2)));
    assert_eq!(count("INGEST-1212-400"), Some(None));
    assert_eq!(run.run_errors().len(), 1);
    assert_eq!(
        run.run_errors()[0].code.as_deref(),
        Some("CONNECTOR-2001-500")
    );
    assert_eq!(run.run_errors()[0].record_count, None);

    // The older API still reads one page, newest first.
    let latest = flow_service.list_runs(&pipeline.flow, 5).await.unwrap();
    assert_eq!(latest.len(), 5);
    assert_eq!(latest[0].id, week[0].id);
    // Several flows at once (comma = OR, help/dataflows/api/sort-and-filter.md).
    let both = flow_service
        .list_all_runs(&ListQuery::property(format!(
            "flowId=={},{}",
            pipeline.flow, other.flow
        )))
        .await
        .unwrap();
    assert_eq!(both.len(), 198);
    harness.shutdown().await;
}

#[tokio::test]
async fn events_in_the_warm_up_are_lost_and_the_hour_counts_the_rest() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "T").await;
    let flow_service = client.flow_service();
    let created = flow_service.get_flow(&pipeline.flow).await.unwrap();
    let created_at = created.created_at.unwrap();
    let webhook = flow_service
        .webhook_url(&pipeline.flow)
        .await
        .unwrap()
        .unwrap();
    let since = chrono::Utc::now() - chrono::Duration::days(1);

    // Accepted by the inlet, but the dataflow is not ready yet: the event is lost.
    client
        .inlet()
        .send_event(&webhook, &chatlio_event())
        .await
        .unwrap();
    harness.advance(WARMUP_SECS).await;
    // One event that maps, and one whose visitor UUID is an object: a type mismatch,
    // which fails the record (help/sources/tutorials/ui/monitor-streaming.md).
    client
        .inlet()
        .send_event(&webhook, &chatlio_event())
        .await
        .unwrap();
    client
        .inlet()
        .send_event(
            &webhook,
            &json!({ "visitor": { "UUID": { "not": "text" } }, "message": "odd" }),
        )
        .await
        .unwrap();

    // The open hour is listed, without counts yet.
    let open = flow_service
        .list_runs_since(&pipeline.flow, since)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    let status = |run: &platform::models::flow::Run| {
        run.metrics
            .as_ref()
            .and_then(|metrics| metrics.status_summary.as_ref())
            .and_then(|status| status.status.clone())
    };
    assert_eq!(status(&open[0]).as_deref(), Some("inProgress"));
    let summary = open[0]
        .metrics
        .as_ref()
        .and_then(|metrics| metrics.record_summary.clone())
        .unwrap_or_default();
    assert_eq!(summary.input_record_count, None);
    assert!(open[0].record_errors().is_empty());
    assert!(flow_service
        .get_flow(&pipeline.flow)
        .await
        .unwrap()
        .last_run_details
        .is_none());

    harness.advance(3600).await;
    let closed = flow_service
        .list_runs_since(&pipeline.flow, since - chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    let run = &closed[0];
    let records = run
        .metrics
        .as_ref()
        .unwrap()
        .record_summary
        .clone()
        .unwrap();
    assert_eq!(
        records.input_record_count,
        Some(2),
        "the lost event is not counted"
    );
    assert_eq!(records.output_record_count, Some(1));
    assert_eq!(records.failed_record_count, Some(1));
    assert_eq!(status(run).as_deref(), Some("success"));
    let record_errors = run.record_errors();
    let mismatch = record_errors
        .iter()
        .find(|error| error.code.as_deref() == Some("DCVS-1104-400"))
        .unwrap();
    assert_eq!(mismatch.record_count, Some(1));
    assert!(record_errors
        .iter()
        .any(|error| error.code.as_deref() == Some("INGEST-1212-400")
            && error.record_count.is_none()));
    assert_eq!(
        run.run_errors()[0].code.as_deref(),
        Some("CONNECTOR-2001-500")
    );
    let flow = flow_service.get_flow(&pipeline.flow).await.unwrap();
    let last = flow.last_run_details.unwrap();
    assert_eq!(last.id.as_ref(), Some(&run.id));
    assert_eq!(last.state.as_deref(), Some("success"));
    // Time moved for the flow too: it was created over an hour ago now.
    assert!(created_at - flow.created_at.unwrap() >= 3_600_000);
    harness.shutdown().await;
}

#[tokio::test]
async fn the_create_etag_is_stale_and_every_update_changes_it() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "G").await;
    let flow_service = client.flow_service();
    let created_etag = pipeline.flow_etag.clone().unwrap();
    let flow = flow_service.get_flow(&pipeline.flow).await.unwrap();
    // help/sources/tutorials/api/create/marketing-automation/chatlio-webhook.md: the flow
    // is read back with another etag, enabled after the create answer.
    assert_ne!(flow.etag.as_ref(), Some(&created_etag));
    assert_eq!(flow.last_operation.as_ref().unwrap()["operation"], "enable");
    let error = flow_service
        .patch_flow(
            &pipeline.flow,
            &created_etag,
            &[PatchOperation::replace("/description", json!("too early"))],
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::PreconditionFailed);
    assert_eq!(error.adobe_code(), Some("FLOW-1404-412"));

    let current = flow.etag.clone().unwrap();
    let disabled = flow_service
        .disable_flow(&pipeline.flow, Some(&current))
        .await
        .unwrap();
    assert_ne!(disabled.etag.as_ref(), Some(&current));
    let error = flow_service
        .enable_flow(&pipeline.flow, Some(&current))
        .await
        .unwrap_err();
    assert_eq!(error.adobe_code(), Some("FLOW-1404-412"));
    let enabled = flow_service
        .enable_flow(&pipeline.flow, disabled.etag.as_ref())
        .await
        .unwrap();
    assert_ne!(enabled.etag, disabled.etag);
    assert_eq!(
        flow_service.get_flow(&pipeline.flow).await.unwrap().etag,
        enabled.etag
    );
    harness.shutdown().await;
}

#[tokio::test]
async fn lists_are_followed_to_the_end() {
    let harness = Harness::start().await;
    let client = harness.client();
    let pipeline = build_pipeline(&client, "P").await;
    let flow_service = client.flow_service();
    // 104 more flows on the same connections: more than one page of Flow Service's
    // (platform-sim's) 100.
    let mut made = vec![pipeline.flow.clone()];
    for index in 0..104 {
        let created = flow_service
            .create_flow(&FlowRequest::streaming(
                format!("Paged flow {index}"),
                None,
                pipeline.source.clone(),
                pipeline.target.clone(),
                &pipeline.mapping,
                0,
            ))
            .await
            .unwrap();
        made.push(created.id);
    }
    harness.clear_log().await;
    let all = flow_service.list_chatlio_flows().await.unwrap();
    let mut listed: Vec<FlowId> = all.into_iter().map(|flow| flow.id).collect();
    listed.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    made.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(listed, made);
    assert_eq!(
        logged_queries(&harness, "/data/foundation/flowservice/flows")
            .await
            .len(),
        2
    );
    // A query with its own small limit is followed the same way.
    let small_pages = flow_service
        .list_all_flows(&ListQuery {
            limit: Some(7),
            ..ListQuery::property("state==enabled")
        })
        .await
        .unwrap();
    assert_eq!(small_pages.len(), 105);
    // One page is one page, with the token for the next.
    let page = flow_service
        .list_flows(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(
        page.items.len(),
        20,
        "Flow Service's default page (assumed)"
    );
    assert!(page.continuation_token.is_some());
    let sources = flow_service
        .list_source_connections(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(sources.len(), 1);
    harness.shutdown().await;
}
