//! Every Chatlio dataflow of a sandbox (also those made elsewhere), with its
//! state, webhook URL, recent runs and errors explained; and test events.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use platform::models::flow::{Flow, Run};
use platform::models::FlowId;
use platform::{map_bounded, Client, PlatformError, WebhookUrl};
use serde::Serialize;

/// How many dataflows are refreshed at once. High enough that 50 flows take
/// one round of run reads, low enough not to trip Adobe's rate limits.
pub const STATUS_CONCURRENCY: usize = 64;
/// Runs read per dataflow.
pub const RUNS_PER_FLOW: u32 = 10;
/// An enabled dataflow with nothing ingested for this long is flagged stale.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    pub status: Option<String>,
    pub received: u64,
    pub ingested: u64,
    pub failed: u64,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// An error with a stable explanation code and a fix the UI can show.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainedError {
    pub explanation: &'static str,
    pub fix: &'static str,
    pub adobe_code: Option<String>,
    pub message: Option<String>,
    pub records: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowStatus {
    pub flow_id: String,
    pub name: String,
    pub state: String,
    pub webhook_url: Option<WebhookUrl>,
    pub received: u64,
    pub ingested: u64,
    pub failed: u64,
    pub last_ingested_at: Option<DateTime<Utc>>,
    pub stale: bool,
    pub runs: Vec<RunSummary>,
    pub errors: Vec<ExplainedError>,
}

fn time(milliseconds: Option<i64>) -> Option<DateTime<Utc>> {
    milliseconds.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

fn summarize(run: &Run) -> RunSummary {
    let metrics = run.metrics.as_ref();
    let records = metrics.and_then(|metrics| metrics.record_summary.as_ref());
    let durations = metrics.and_then(|metrics| metrics.duration_summary.as_ref());
    RunSummary {
        run_id: run.id.as_str().to_owned(),
        status: metrics
            .and_then(|metrics| metrics.status_summary.as_ref())
            .and_then(|status| status.status.clone()),
        received: records.and_then(|r| r.input_record_count).unwrap_or(0),
        ingested: records.and_then(|r| r.output_record_count).unwrap_or(0),
        failed: records.and_then(|r| r.failed_record_count).unwrap_or(0),
        started_at: time(durations.and_then(|d| d.started_at_utc)),
        completed_at: time(
            durations
                .and_then(|d| d.completed_at_utc)
                .or(run.updated_at),
        ),
    }
}

/// Records counted over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub received: u64,
    pub ingested: u64,
    pub failed: u64,
}

impl FlowStatus {
    /// What the runs that started (or ended) at or after `since` counted.
    pub fn totals_since(&self, since: DateTime<Utc>) -> Totals {
        self.runs
            .iter()
            .filter(|run| {
                run.started_at
                    .or(run.completed_at)
                    .is_some_and(|at| at >= since)
            })
            .fold(Totals::default(), |sum, run| Totals {
                received: sum.received + run.received,
                ingested: sum.ingested + run.ingested,
                failed: sum.failed + run.failed,
            })
    }

    /// Health in one stable word, most urgent first: `disabled`, `unknown`
    /// (the runs could not be read), `failing` (the newest run ingested
    /// nothing and failed some), `no_data`, `stale`, `healthy`.
    pub fn health(&self) -> &'static str {
        let runs_unknown = self
            .errors
            .iter()
            .any(|error| error.explanation == "runs_unavailable");
        if self.state != "enabled" {
            "disabled"
        } else if runs_unknown {
            // Without the runs nothing can be said about the data; "no data
            // yet" would be a guess.
            "unknown"
        } else if self
            .runs
            .first()
            .is_some_and(|run| run.failed > 0 && run.ingested == 0)
        {
            "failing"
        } else if self.last_ingested_at.is_none() {
            "no_data"
        } else if self.stale {
            "stale"
        } else {
            "healthy"
        }
    }
}

#[cfg(test)]
mod health_tests {
    use super::*;

    fn run(hours_ago: i64, received: u64, ingested: u64, failed: u64) -> RunSummary {
        RunSummary {
            run_id: format!("run-{hours_ago}"),
            status: Some("success".into()),
            received,
            ingested,
            failed,
            started_at: Some(Utc::now() - chrono::Duration::hours(hours_ago)),
            completed_at: None,
        }
    }

    fn status(state: &str, runs: Vec<RunSummary>, stale: bool) -> FlowStatus {
        FlowStatus {
            flow_id: "flow".into(),
            name: "Chatlio".into(),
            state: state.into(),
            webhook_url: None,
            received: 0,
            ingested: 0,
            failed: 0,
            last_ingested_at: runs
                .iter()
                .filter(|r| r.ingested > 0)
                .filter_map(|r| r.started_at)
                .max(),
            stale,
            runs,
            errors: Vec::new(),
        }
    }

    #[test]
    fn health_names_the_most_urgent_problem() {
        assert_eq!(
            status("disabled", vec![run(1, 1, 1, 0)], false).health(),
            "disabled"
        );
        assert_eq!(
            status("enabled", vec![run(1, 2, 0, 2)], false).health(),
            "failing"
        );
        assert_eq!(status("enabled", vec![], true).health(), "no_data");
        assert_eq!(
            status("enabled", vec![run(30, 1, 1, 0)], true).health(),
            "stale"
        );
        assert_eq!(
            status("enabled", vec![run(1, 3, 3, 0)], false).health(),
            "healthy"
        );
        let mut unreadable = status("enabled", vec![], true);
        unreadable.errors.push(ExplainedError {
            explanation: "runs_unavailable",
            fix: "",
            adobe_code: None,
            message: None,
            records: None,
        });
        assert_eq!(unreadable.health(), "unknown");
    }

    #[test]
    fn totals_split_into_the_last_day_and_week() {
        let flow = status(
            "enabled",
            vec![run(1, 3, 2, 1), run(30, 5, 5, 0), run(24 * 9, 7, 7, 0)],
            false,
        );
        let now = Utc::now();
        let day = flow.totals_since(now - chrono::Duration::hours(24));
        let week = flow.totals_since(now - chrono::Duration::days(7));
        assert_eq!((day.received, day.failed), (3, 1));
        assert_eq!((week.received, week.ingested), (8, 7));
    }
}

/// Maps Adobe's run error to an explanation code and a fix.
pub fn explain(adobe_code: Option<&str>, message: Option<&str>) -> (&'static str, &'static str) {
    let text = message.unwrap_or_default().to_ascii_lowercase();
    if text.contains("required key") || text.contains("subjectid") {
        (
            "missing_identifier",
            "The event had no visitor UUID, conversation UUID or email; real Chatlio events carry one. Check the webhook payload.",
        )
    } else if text.contains("mapping") || adobe_code.is_some_and(|code| code.starts_with("MAPPER"))
    {
        (
            "mapping_failed",
            "A field could not be mapped; re-run setup with the current mapping or check the payload shape.",
        )
    } else if text.contains("schema") || text.contains("xdm") {
        (
            "schema_validation_failed",
            "The record did not match the schema; check that the dataflow targets the Chatlio schema.",
        )
    } else if text.contains("too large") || text.contains("1 mb") {
        (
            "record_too_large",
            "Records above 1 MB are rejected; shorten the transcript.",
        )
    } else {
        (
            "ingestion_failed",
            "See Adobe's message; the record can be re-sent once the cause is fixed.",
        )
    }
}

fn status_of(flow: &Flow, runs: Result<Vec<Run>, PlatformError>, now: DateTime<Utc>) -> FlowStatus {
    let mut errors = Vec::new();
    let runs = match runs {
        Ok(runs) => runs,
        Err(error) => {
            errors.push(ExplainedError {
                explanation: "runs_unavailable",
                fix: "Runs could not be read; refresh again, and check View Sources permission if it persists.",
                adobe_code: error.adobe_code().map(str::to_owned),
                message: Some(error.message().to_owned()),
                records: None,
            });
            Vec::new()
        }
    };
    let summaries: Vec<RunSummary> = runs.iter().map(summarize).collect();
    for run in &runs {
        let errors_of_run = run
            .metrics
            .as_ref()
            .and_then(|metrics| metrics.status_summary.as_ref())
            .map(|status| status.errors.clone())
            .unwrap_or_default();
        for error in errors_of_run {
            let (explanation, fix) = explain(error.code.as_deref(), error.message.as_deref());
            errors.push(ExplainedError {
                explanation,
                fix,
                adobe_code: error.code,
                message: error.message,
                records: error.record_count,
            });
        }
    }
    let state = flow.state.clone().unwrap_or_else(|| "unknown".to_owned());
    if !flow.is_enabled() {
        errors.push(ExplainedError {
            explanation: "flow_disabled",
            fix: "The dataflow is disabled and drops Chatlio's events; enable it in Sources > Dataflows.",
            adobe_code: None,
            message: None,
            records: None,
        });
    }
    let last_ingested_at = summaries
        .iter()
        .filter(|run| run.ingested > 0)
        .filter_map(|run| run.completed_at.or(run.started_at))
        .max();
    let stale_after = chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::MAX);
    let stale = flow.is_enabled()
        && last_ingested_at.is_none_or(|last| now.signed_duration_since(last) > stale_after);
    FlowStatus {
        flow_id: flow.id.as_str().to_owned(),
        name: flow.name.clone().unwrap_or_default(),
        state,
        webhook_url: flow
            .inlet_url()
            .and_then(|inlet| WebhookUrl::new(inlet, &flow.id).ok()),
        received: summaries.iter().map(|run| run.received).sum(),
        ingested: summaries.iter().map(|run| run.ingested).sum(),
        failed: summaries.iter().map(|run| run.failed).sum(),
        last_ingested_at,
        stale,
        runs: summaries,
        errors,
    }
}

/// Every Chatlio dataflow of the client's sandbox: one list call, then the
/// runs of all flows at once (bounded by [`STATUS_CONCURRENCY`]).
pub async fn sandbox_status(client: &Client) -> Result<Vec<FlowStatus>, PlatformError> {
    let flows = client.flow_service().list_chatlio_flows().await?;
    let now = Utc::now();
    let service = client.flow_service();
    Ok(map_bounded(flows, STATUS_CONCURRENCY, |flow| async move {
        let runs = service.list_runs(&flow.id, RUNS_PER_FLOW).await;
        status_of(&flow, runs, now)
    })
    .await)
}

/// One dataflow's status.
pub async fn flow_status(client: &Client, flow_id: &str) -> Result<FlowStatus, PlatformError> {
    let id = FlowId::new(flow_id);
    let flow = client.flow_service().get_flow(&id).await?;
    let runs = client.flow_service().list_runs(&id, RUNS_PER_FLOW).await;
    Ok(status_of(&flow, runs, Utc::now()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestEventPhase {
    /// The event is about to be posted to the webhook URL.
    Sent,
    /// The inlet answered 2xx without a hidden rejection.
    Accepted,
    /// Not counted yet; polled again shortly.
    Waiting,
    /// The flow's run counts grew.
    Counted,
    /// Counted as a failed record (mapping or schema validation).
    Failed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestEventOutcome {
    pub kind: chatlio::EventKind,
    pub xaction_id: Option<String>,
    /// The run counts grew: Adobe received the record.
    pub counted: bool,
    pub ingested: bool,
    pub failed: bool,
    /// Why the record failed: the run errors that grew with this event, each
    /// with an explanation code and a fix. Empty when it was ingested.
    pub errors: Vec<ExplainedError>,
    pub elapsed_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TestEventError {
    #[error("the dataflow has no inlet URL yet")]
    NoInlet,
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl TestEventError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoInlet => "no_inlet",
            Self::Platform(_) => "platform",
        }
    }
}

/// Record counts and error tallies of a flow's recent runs, to tell what one
/// test event changed.
#[derive(Debug, Default)]
struct Tally {
    received: u64,
    ingested: u64,
    failed: u64,
    /// Records per (Adobe error code, message).
    errors: std::collections::BTreeMap<(Option<String>, Option<String>), u64>,
}

fn tally(runs: &[Run]) -> Tally {
    let mut tally = Tally::default();
    for run in runs {
        let summary = summarize(run);
        tally.received += summary.received;
        tally.ingested += summary.ingested;
        tally.failed += summary.failed;
        let errors = run
            .metrics
            .as_ref()
            .and_then(|metrics| metrics.status_summary.as_ref())
            .map(|status| status.errors.as_slice())
            .unwrap_or_default();
        for error in errors {
            *tally
                .errors
                .entry((error.code.clone(), error.message.clone()))
                .or_default() += error.record_count.unwrap_or(1);
        }
    }
    tally
}

/// The run errors whose record count grew between two tallies, explained.
fn new_errors(before: &Tally, after: &Tally) -> Vec<ExplainedError> {
    after
        .errors
        .iter()
        .filter_map(|(key, records)| {
            let grew = records.saturating_sub(before.errors.get(key).copied().unwrap_or(0));
            (grew > 0).then(|| {
                let (code, message) = key;
                let (explanation, fix) = explain(code.as_deref(), message.as_deref());
                ExplainedError {
                    explanation,
                    fix,
                    adobe_code: code.clone(),
                    message: message.clone(),
                    records: Some(grew),
                }
            })
        })
        .collect()
}

/// Sends a generated Chatlio event of `kind` to the flow's webhook URL, checks
/// the inlet's answer (rejections hidden in a 2xx are errors), then waits
/// until the record shows in the flow's run counts or `deadline` passes.
pub async fn send_test_event(
    client: &Client,
    flow_id: &str,
    kind: chatlio::EventKind,
    deadline: Duration,
    progress: &(dyn Fn(TestEventPhase) + Send + Sync),
) -> Result<TestEventOutcome, TestEventError> {
    let payload = {
        let mut rng = rand::rng();
        chatlio::generate(kind, &mut rng)
    };
    send_test_payload(client, flow_id, kind, &payload, deadline, progress).await
}

/// Like [`send_test_event`], with a given body (`kind` only labels the
/// outcome): for replaying a real Chatlio payload, or showing what a broken
/// one produces. A record that fails mapping or validation comes back with
/// `failed` and the explained run errors it caused.
pub async fn send_test_payload(
    client: &Client,
    flow_id: &str,
    kind: chatlio::EventKind,
    payload: &serde_json::Value,
    deadline: Duration,
    progress: &(dyn Fn(TestEventPhase) + Send + Sync),
) -> Result<TestEventOutcome, TestEventError> {
    let started = tokio::time::Instant::now();
    let id = FlowId::new(flow_id);
    let service = client.flow_service();
    let webhook = service
        .webhook_url(&id)
        .await?
        .ok_or(TestEventError::NoInlet)?;
    let baseline = tally(&service.list_runs(&id, RUNS_PER_FLOW).await?);
    progress(TestEventPhase::Sent);
    let receipt = client.inlet().send_event(&webhook, payload).await?;
    progress(TestEventPhase::Accepted);
    let until = started + deadline;
    let mut outcome = TestEventOutcome {
        kind,
        xaction_id: receipt.xaction_id.clone(),
        counted: false,
        ingested: false,
        failed: false,
        errors: Vec::new(),
        elapsed_ms: 0,
    };
    loop {
        let now = tally(&service.list_runs(&id, RUNS_PER_FLOW).await?);
        if now.received > baseline.received
            || now.ingested > baseline.ingested
            || now.failed > baseline.failed
        {
            outcome.counted = true;
            outcome.ingested = now.ingested > baseline.ingested;
            outcome.failed = now.failed > baseline.failed;
            progress(TestEventPhase::Counted);
            if outcome.failed {
                outcome.errors = new_errors(&baseline, &now);
                if outcome.errors.is_empty() {
                    // Counted as failed without a run error naming the cause:
                    // still say so, with the general advice.
                    let (explanation, fix) = explain(None, None);
                    outcome.errors.push(ExplainedError {
                        explanation,
                        fix,
                        adobe_code: None,
                        message: None,
                        records: Some(now.failed - baseline.failed),
                    });
                }
                progress(TestEventPhase::Failed);
            }
            break;
        }
        if tokio::time::Instant::now() >= until {
            break;
        }
        progress(TestEventPhase::Waiting);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    outcome.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(outcome)
}

/// Deletes a dataflow and then its source and target connections. Returns the
/// deleted ids, flow first.
pub async fn teardown(client: &Client, flow_id: &str) -> Result<Vec<String>, PlatformError> {
    let service = client.flow_service();
    let id = FlowId::new(flow_id);
    let flow = service.get_flow(&id).await?;
    service.delete_flow(&id).await?;
    let mut deleted = vec![flow_id.to_owned()];
    for source in &flow.source_connection_ids {
        service.delete_source_connection(source).await?;
        deleted.push(source.as_str().to_owned());
    }
    for target in &flow.target_connection_ids {
        service.delete_target_connection(target).await?;
        deleted.push(target.as_str().to_owned());
    }
    Ok(deleted)
}
