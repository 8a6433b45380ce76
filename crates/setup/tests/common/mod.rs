//! Test glue: a simulator, a client and an engine pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use platform::{Client, ClientConfig, Credential, RetryPolicy, Secret, Url};
use platform_sim::{RunningSim, SimConfig};
use serde_json::Value;
use setup::{Engine, JournalStore, ProgressEvent, SetupInput, SetupRequest};

pub struct Harness {
    pub sim: RunningSim,
    pub base: String,
    pub directory: PathBuf,
    pub http: reqwest::Client,
    pub events: Arc<Mutex<Vec<ProgressEvent>>>,
}

pub fn scratch(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let directory =
        std::env::temp_dir().join(format!("setup-it-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

impl Harness {
    pub async fn start(tag: &str, latency: Duration) -> Harness {
        Self::start_with(
            tag,
            SimConfig {
                latency,
                ..SimConfig::default()
            },
        )
        .await
    }

    /// A sim with `config`, on any free port, with 500 ms run windows and
    /// no warm-up: for tests of the setup itself, where Adobe's timing only
    /// slows things down. Tests of timing use [`Harness::start_adobe_like`].
    pub async fn start_with(tag: &str, config: SimConfig) -> Harness {
        Self::start_exactly(
            tag,
            SimConfig {
                run_window: SHORT_WINDOW,
                warmup: Duration::ZERO,
                ..config
            },
        )
        .await
    }

    /// A sim with Adobe's documented timing: a 5-minute warm-up for new
    /// dataflows and hourly run windows.
    pub async fn start_adobe_like(tag: &str) -> Harness {
        Self::start_exactly(tag, SimConfig::default()).await
    }

    /// A sim with Adobe's documented timing and the rest of `config` (its
    /// clock's start, say).
    pub async fn start_adobe_like_with(tag: &str, config: SimConfig) -> Harness {
        Self::start_exactly(tag, config).await
    }

    async fn start_exactly(tag: &str, config: SimConfig) -> Harness {
        let sim = platform_sim::start(SimConfig { port: 0, ..config })
            .await
            .expect("sim starts");
        let base = sim.base_url();
        Harness {
            sim,
            base,
            directory: scratch(tag),
            http: reqwest::Client::new(),
            events: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn client_with(&self, retry: RetryPolicy) -> Client {
        let config = self.sim.config();
        self.client_for(
            config.client_id.as_str(),
            config.client_secret.as_str(),
            "prod",
            retry,
        )
    }

    /// A client for any credential and sandbox of the sim.
    pub fn client_for(
        &self,
        client_id: &str,
        client_secret: &str,
        sandbox: &str,
        retry: RetryPolicy,
    ) -> Client {
        let base = Url::parse(&self.base).unwrap();
        let mut client_config = ClientConfig::new(
            base.clone(),
            base,
            self.sim.config().org_id.as_str(),
            sandbox,
            Credential::server_to_server(client_id, Secret::from(client_secret)),
        );
        client_config.retry = retry;
        Client::new(client_config).unwrap()
    }

    pub fn client(&self) -> Client {
        self.client_with(fast_retry())
    }

    pub fn engine(&self) -> Engine {
        let events = Arc::clone(&self.events);
        Engine::new(self.client(), JournalStore::new(&self.directory)).with_progress(Arc::new(
            move |event: &ProgressEvent| {
                events.lock().unwrap().push(event.clone());
            },
        ))
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let text = response.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn state(&self) -> Value {
        self.control(reqwest::Method::GET, "/__sim/state", None)
            .await
    }

    pub async fn requests(&self) -> Vec<Value> {
        self.control(reqwest::Method::GET, "/__sim/requests", None)
            .await["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn shutdown(self) {
        std::fs::remove_dir_all(&self.directory).ok();
        self.sim.shutdown().await;
    }
}

/// The run window of [`Harness::start_with`].
pub const SHORT_WINDOW: Duration = Duration::from_millis(500);

/// The timing of [`Harness::start_with`]'s sim, for test events.
pub fn short_timing() -> setup::Timing {
    setup::Timing {
        warmup: Duration::ZERO,
        run_window: SHORT_WINDOW,
        report_delay: Duration::from_secs(1),
        poll: Duration::from_millis(100),
    }
}

/// Retries quick enough for tests, as many as the default policy.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

pub fn request(name: &str) -> SetupRequest {
    SetupInput {
        name: name.into(),
        sandbox: "prod".into(),
        ..SetupInput::default()
    }
    .validate()
    .unwrap()
}

/// A setup with one webhook URL per Chatlio event (four dataflows).
pub fn per_event_request(name: &str) -> SetupRequest {
    SetupInput {
        name: name.into(),
        sandbox: "prod".into(),
        webhook_mode: chatlio::WebhookMode::PerEventUrl,
        ..SetupInput::default()
    }
    .validate()
    .unwrap()
}

/// Counts of each resource kind in the prod sandbox, from the sim's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub field_groups: usize,
    pub schemas: usize,
    pub descriptors: usize,
    pub datasets: usize,
    pub source_connections: usize,
    pub target_connections: usize,
    pub mapping_sets: usize,
    pub flows: usize,
}

pub fn counts(state: &Value) -> Counts {
    let data = &state["platform"]["data"]["prod"];
    let length = |key: &str| match &data[key] {
        Value::Array(items) => items.len(),
        Value::Object(items) => items.len(),
        _ => 0,
    };
    Counts {
        field_groups: length("field_groups").max(length("fieldGroups")),
        schemas: length("schemas"),
        descriptors: length("descriptors"),
        datasets: length("datasets"),
        source_connections: length("source_connections").max(length("sourceConnections")),
        target_connections: length("target_connections").max(length("targetConnections")),
        mapping_sets: length("mapping_sets"),
        flows: length("flows"),
    }
}

pub fn one_of_each() -> Counts {
    Counts {
        field_groups: 1,
        schemas: 1,
        descriptors: 1,
        datasets: 1,
        source_connections: 1,
        target_connections: 1,
        mapping_sets: 1,
        flows: 1,
    }
}

/// What one per-event setup makes: the shared schema side once, and a source
/// connection, target connection, mapping set and dataflow per flow.
pub fn one_per_event_set() -> Counts {
    let flows = chatlio::WebhookPlan::new(chatlio::WebhookMode::PerEventUrl)
        .flows
        .len();
    Counts {
        source_connections: flows,
        target_connections: flows,
        mapping_sets: flows,
        flows,
        ..one_of_each()
    }
}
