//! Setup wall time and status refresh against platform-sim with injected
//! latency, measured the way `crates/setup/tests/resilience.rs` checks them:
//! a whole setup through the engine, its sequential request rounds read from
//! the sim's request log, and a status refresh of 50 dataflows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::TestResult;
use platform::{Client, ClientConfig, Credential, Secret, Url};
use platform_sim::{rounds, RunningSim, SimConfig};
use serde_json::{json, Value};
use setup::{Engine, JournalStore, SetupInput};

/// The latency the targets are stated at.
pub const LATENCY: Duration = Duration::from_millis(150);
/// How many dataflows the status refresh reads.
pub const STATUS_FLOWS: usize = 50;

/// One setup: its wall time and its rounds.
pub struct SetupRun {
    pub wall_ms: f64,
    pub rounds: usize,
    pub requests: usize,
}

/// A sim, a client for its seeded credential, and a journal directory.
pub(crate) struct Bench {
    sim: RunningSim,
    base: String,
    pub(crate) client: Client,
    pub(crate) journals: PathBuf,
    http: reqwest::Client,
}

impl Bench {
    pub(crate) async fn start(tag: &str, latency: Duration) -> TestResult<Self> {
        let sim = platform_sim::start(SimConfig {
            port: 0,
            latency,
            ..SimConfig::default()
        })
        .await?;
        let base = sim.base_url();
        let url = Url::parse(&base)?;
        let config = sim.config();
        let client = Client::new(ClientConfig::new(
            url.clone(),
            url,
            config.org_id.as_str(),
            "prod",
            Credential::server_to_server(
                config.client_id.as_str(),
                Secret::from(config.client_secret.as_str()),
            ),
        ))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let journals = std::env::temp_dir().join(format!(
            "chatlio-bench-{tag}-{}-{nanos}",
            std::process::id()
        ));
        if journals.exists() {
            std::fs::remove_dir_all(&journals)?;
        }
        std::fs::create_dir_all(&journals)?;
        Ok(Self {
            sim,
            base,
            client,
            journals,
            http: reqwest::Client::new(),
        })
    }

    /// Applies a whole setup named `name` with `mode`'s dataflows; fails
    /// unless it completes.
    pub(crate) async fn setup(
        &self,
        name: &str,
        mode: chatlio::WebhookMode,
    ) -> TestResult<(setup::SetupOutcome, Duration)> {
        let request = SetupInput {
            name: name.into(),
            sandbox: "prod".into(),
            webhook_mode: mode,
            ..SetupInput::default()
        }
        .validate()
        .map_err(|errors| format!("the bench's setup input is invalid: {errors:?}"))?;
        let engine = Engine::new(self.client.clone(), JournalStore::new(&self.journals));
        let started = Instant::now();
        let outcome = engine.apply(&request).await?;
        let elapsed = started.elapsed();
        if !outcome.complete {
            return Err(format!("setup {name} did not complete").into());
        }
        Ok((outcome, elapsed))
    }

    /// Where the sim serves IMS and Platform (`http://127.0.0.1:PORT`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base
    }

    /// The sim's credential and org, for an app that connects to it.
    pub(crate) fn sim_config(&self) -> &SimConfig {
        self.sim.config()
    }

    pub(crate) async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> TestResult<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?.error_for_status()?;
        let text = response.text().await?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn shutdown(self) -> TestResult {
        std::fs::remove_dir_all(&self.journals)?;
        self.sim.shutdown().await;
        Ok(())
    }
}

/// One whole setup on a fresh sim at [`LATENCY`]: one webhook URL (one
/// dataflow) or one per Chatlio event (four dataflows side by side).
pub async fn setup_run(index: usize, mode: chatlio::WebhookMode) -> TestResult<SetupRun> {
    let bench = Bench::start(&format!("setup-{index}"), LATENCY).await?;
    let (_, elapsed) = bench.setup(&format!("Bench {index}"), mode).await?;
    let log = bench
        .control(reqwest::Method::GET, "/__sim/requests", None)
        .await?["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    bench.shutdown().await?;
    Ok(SetupRun {
        wall_ms: elapsed.as_secs_f64() * 1000.0,
        rounds: rounds(&log),
        requests: log.len(),
    })
}

/// One status refresh: its wall time, requests and sequential rounds.
pub struct StatusRun {
    pub wall_ms: f64,
    pub requests: usize,
    pub rounds: usize,
}

/// Hourly runs each dataflow holds in the status bench: a full week.
pub const STATUS_RUN_HOURS: u64 = 7 * 24;

/// Status refreshes of [`STATUS_FLOWS`] Chatlio dataflows, each with a week
/// of hourly runs, at [`LATENCY`], `runs` times on one sim. The flows and
/// runs are made without latency (their making is not what is measured),
/// then the latency is switched on.
pub async fn status_refreshes(runs: usize) -> TestResult<Vec<StatusRun>> {
    let bench = Bench::start("status", Duration::ZERO).await?;
    let (outcome, _) = bench
        .setup("Status bench", chatlio::WebhookMode::SingleUrl)
        .await?;
    let flow_id = outcome.flow_id.ok_or("the setup reported no dataflow id")?;
    let service = bench.client.flow_service();
    let first = service
        .get_flow(&platform::models::FlowId::new(flow_id))
        .await?;
    let source = first
        .source_connection_ids
        .first()
        .cloned()
        .ok_or("the dataflow has no source connection")?;
    let target = first
        .target_connection_ids
        .first()
        .cloned()
        .ok_or("the dataflow has no target connection")?;
    let mapping = first
        .transformations
        .first()
        .and_then(|transformation| transformation.mapping_id())
        .ok_or("the dataflow has no mapping")?;
    for index in 1..STATUS_FLOWS {
        let body = platform::models::flow::FlowRequest::streaming(
            format!("Status bench {index}"),
            None,
            source.clone(),
            target.clone(),
            &mapping,
            0,
        );
        service.create_flow(&body).await?;
    }
    for flow in service.list_chatlio_flows().await? {
        bench
            .control(
                reqwest::Method::POST,
                "/__sim/runs/seed",
                Some(json!({
                    "flowId": flow.id.as_str(),
                    "hours": STATUS_RUN_HOURS,
                    "received": 12,
                    "failed": 1
                })),
            )
            .await?;
    }
    bench
        .control(
            reqwest::Method::PUT,
            "/__sim/faults/latency",
            Some(json!({ "ms": u64::try_from(LATENCY.as_millis())? })),
        )
        .await?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        bench
            .control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await?;
        let started = Instant::now();
        let statuses = setup::status::sandbox_status(
            &bench.client,
            &setup::Timing::ADOBE,
            &setup::alerts::AlertSettings::round_the_clock(24),
        )
        .await?;
        let took = started.elapsed();
        if statuses.len() != STATUS_FLOWS {
            return Err(format!(
                "the status refresh read {} dataflows, not {STATUS_FLOWS}",
                statuses.len()
            )
            .into());
        }
        // Every flow's week must have been read whole, or the figure lies.
        let expected = STATUS_RUN_HOURS * 12;
        if let Some(short) = statuses
            .iter()
            .find(|status| status.last7d.received < expected - 12)
        {
            return Err(format!(
                "dataflow {} shows {} records for the week, not about {expected}",
                short.flow_id, short.last7d.received
            )
            .into());
        }
        let log = bench
            .control(reqwest::Method::GET, "/__sim/requests", None)
            .await?;
        let log: Vec<Value> = log["requests"].as_array().cloned().unwrap_or_default();
        // The token is fetched once and cached: only Platform reads count.
        let reads: Vec<Value> = log
            .into_iter()
            .filter(|entry| {
                entry["path"]
                    .as_str()
                    .is_some_and(|path| path.starts_with("/data/"))
            })
            .collect();
        samples.push(StatusRun {
            wall_ms: took.as_secs_f64() * 1000.0,
            requests: reads.len(),
            rounds: rounds(&reads),
        });
    }
    bench.shutdown().await?;
    Ok(samples)
}

/// Records the records bench stores in one dataflow's dataset, and how many fail.
pub const RECORDS_STORED: usize = 10_000;
pub const RECORDS_FAILED: usize = 1_000;
/// Hourly runs they are spread over (failures in each, as in real traffic).
pub const RECORDS_HOURS: usize = 10;

/// One read of a dataflow's records, as the dataflow details do it.
pub struct RecordsRun {
    pub stored_ms: f64,
    pub stored_requests: usize,
    pub stored_rows: usize,
    pub failed_ms: f64,
    pub failed_requests: usize,
    pub failed_rounds: usize,
}

/// Platform reads in the sim's request log since it was last cleared.
pub(crate) async fn platform_reads(bench: &Bench) -> TestResult<Vec<Value>> {
    let log = bench
        .control(reqwest::Method::GET, "/__sim/requests", None)
        .await?;
    Ok(log["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| {
            entry["path"]
                .as_str()
                .is_some_and(|path| path.starts_with("/data/"))
        })
        .collect())
}

/// [`RECORDS_STORED`] good and [`RECORDS_FAILED`] broken Chatlio events sent to
/// one dataflow (error diagnostics on) over [`RECORDS_HOURS`] hourly runs, then
/// the stored records (Adobe's 100-row preview) and every failed record read
/// `runs` times at [`LATENCY`]. Sending is done without latency: it is not what
/// is measured.
pub async fn records_reads(runs: usize) -> TestResult<Vec<RecordsRun>> {
    let bench = Bench::start("records", Duration::ZERO).await?;
    let request = SetupInput {
        name: "Records bench".into(),
        sandbox: "prod".into(),
        webhook_mode: chatlio::WebhookMode::SingleUrl,
        ..SetupInput::recommended()
    }
    .validate()
    .map_err(|errors| format!("the bench's setup input is invalid: {errors:?}"))?;
    let engine = Engine::new(bench.client.clone(), JournalStore::new(&bench.journals));
    let outcome = engine.apply(&request).await?;
    let flow_id = outcome.flow_id.ok_or("the setup reported no dataflow id")?;
    // Past the dataflow's warm-up.
    bench
        .control(
            reqwest::Method::POST,
            "/__sim/time/advance",
            Some(json!({ "secs": 600 })),
        )
        .await?;
    let id = platform::models::FlowId::new(flow_id.as_str());
    let flow = bench.client.flow_service().get_flow(&id).await?;
    let inlet = flow.inlet_url().ok_or("the dataflow has no inlet")?;
    let webhook = platform::WebhookUrl::new(inlet, &id)?;
    let good = chatlio::documented_example(chatlio::EventKind::OfflineMessage);
    let broken = chatlio::unidentifiable_payload();
    let per_hour_good = RECORDS_STORED / RECORDS_HOURS;
    let per_hour_failed = RECORDS_FAILED / RECORDS_HOURS;
    for _ in 0..RECORDS_HOURS {
        let bodies: Vec<&Value> = std::iter::repeat_n(&good, per_hour_good)
            .chain(std::iter::repeat_n(&broken, per_hour_failed))
            .collect();
        let sent = platform::map_bounded(bodies, 32, |body| {
            let (client, webhook) = (&bench.client, &webhook);
            async move { client.inlet().send_event(webhook, body).await }
        })
        .await;
        if let Some(error) = sent.into_iter().find_map(Result::err) {
            return Err(format!("an event was refused: {error}").into());
        }
        // The hour ends; the next chunk lands in the next run.
        bench
            .control(
                reqwest::Method::POST,
                "/__sim/time/advance",
                Some(json!({ "secs": 3600 })),
            )
            .await?;
    }
    bench
        .control(
            reqwest::Method::PUT,
            "/__sim/faults/latency",
            Some(json!({ "ms": u64::try_from(LATENCY.as_millis())? })),
        )
        .await?;
    let reveal = setup::records::Reveal::Masked;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        bench
            .control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await?;
        let started = Instant::now();
        let stored = setup::records::stored_records(&bench.client, &flow_id, &[], reveal).await?;
        let stored_ms = started.elapsed().as_secs_f64() * 1000.0;
        let stored_requests = platform_reads(&bench).await?.len();
        bench
            .control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await?;
        let started = Instant::now();
        let failed = setup::records::failed_records(&bench.client, &flow_id, 30, reveal).await?;
        let failed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let reads = platform_reads(&bench).await?;
        if failed.records.len() != RECORDS_FAILED {
            return Err(format!(
                "read {} failed records, not {RECORDS_FAILED}",
                failed.records.len()
            )
            .into());
        }
        samples.push(RecordsRun {
            stored_ms,
            stored_requests,
            stored_rows: stored.records.len(),
            failed_ms,
            failed_requests: reads.len(),
            failed_rounds: rounds(&reads),
        });
    }
    bench.shutdown().await?;
    Ok(samples)
}
