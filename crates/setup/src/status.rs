//! Every Chatlio dataflow of a sandbox (also those made elsewhere), with its
//! state, webhook URL, the last day's and week's record counts, its health
//! and its errors explained.
//!
//! Streaming runs are hourly windows
//! (help/sources/tutorials/ui/monitor-streaming.md), so the runs of the last
//! seven days are read by time (help/dataflows/api/sort-and-filter.md), to the
//! last page, and every figure comes from that one complete set.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::models::flow::{Flow, Run, RunError};
use platform::models::FlowId;
use platform::{map_bounded, Client, PlatformError, WebhookUrl};
use serde::Serialize;

use crate::alerts::evaluate::{effective_rules, silence};
use crate::alerts::AlertSettings;
use crate::timing::{from_millis, to_chrono, Timing};

/// How many dataflows are refreshed at once. High enough that 50 flows take
/// one round of run reads, low enough not to trip Adobe's rate limits.
pub const STATUS_CONCURRENCY: usize = 64;
/// How far back the runs are read: the longest period shown.
pub const HISTORY: Duration = Duration::from_secs(7 * 24 * 3600);
/// The shorter period shown.
pub const LAST_DAY: Duration = Duration::from_secs(24 * 3600);

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
    /// Records it affected; `None` for a run-level error, which Adobe reports
    /// without a count.
    pub records: Option<u64>,
}

/// A dataflow's health in one word, most urgent first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Health {
    /// Not enabled: Chatlio's events are dropped.
    Disabled,
    /// The runs could not be read, so nothing can be said about the data.
    Unknown,
    /// The newest run ingested nothing and failed some records.
    Failing,
    /// Never received anything (no run in the week, and no last run).
    NoData,
    /// Received data once, but nothing ingested for as long as its setup's
    /// no-data alert rule allows (business hours; see `alerts::evaluate::silence`).
    Stale,
    Healthy,
}

impl Health {
    /// The health of a group of dataflows (a setup with one per Chatlio
    /// event): its most urgent one's. The variants are declared most urgent
    /// first, so that is the least; `Unknown` for no dataflow at all.
    pub fn worst(healths: impl IntoIterator<Item = Health>) -> Health {
        healths.into_iter().min().unwrap_or(Health::Unknown)
    }

    /// The stable name (the serde one, derived).
    pub fn as_str(self) -> &'static str {
        self.into()
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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowStatus {
    pub flow_id: String,
    pub name: String,
    pub state: String,
    pub webhook_url: Option<WebhookUrl>,
    pub created_at: Option<DateTime<Utc>>,
    /// When the dataflow accepts data: Adobe asks to wait a few minutes
    /// after creating it.
    pub accepts_data_from: Option<DateTime<Utc>>,
    pub last24h: Totals,
    pub last7d: Totals,
    pub last_ingested_at: Option<DateTime<Utc>>,
    pub health: Health,
    /// The runs of the last seven days, newest first.
    pub runs: Vec<RunSummary>,
    /// Record-level errors of the week (summed per code and message) and
    /// run-level errors, explained; also a disabled flow or unreadable runs.
    pub errors: Vec<ExplainedError>,
    /// The setup the dataflow's description names in its marker, and which of
    /// its dataflows it is: known even where no journal of it is at hand.
    pub marked_setup: Option<String>,
    pub marked_instance: Option<String>,
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
        started_at: from_millis(durations.and_then(|d| d.started_at_utc).or(run.created_at)),
        // Only a closed run has an end: an open window's run is listed
        // without one (and without counts).
        completed_at: from_millis(durations.and_then(|d| d.completed_at_utc)),
    }
}

/// What the runs whose window ended after `since` counted (an open run by
/// its start): a run that overlaps the period's start belongs to it, so a
/// day of hourly runs is 24 of them, not 23 and a fraction.
pub fn totals_since(runs: &[RunSummary], since: DateTime<Utc>) -> Totals {
    runs.iter()
        .filter(|run| {
            run.completed_at
                .or(run.started_at)
                .is_some_and(|at| at > since)
        })
        .fold(Totals::default(), |sum, run| Totals {
            received: sum.received + run.received,
            ingested: sum.ingested + run.ingested,
            failed: sum.failed + run.failed,
        })
}

/// Record-level errors over some runs, from each run's activities, where
/// Adobe puts them (help/sources/tutorials/api/monitor.md). An error with a
/// `recordCount` is summed per code and message; one without (such as the
/// summary `INGEST-1212-400`, whose message differs per run) is kept once per
/// code, with the newest message and no count.
pub(crate) fn record_errors(runs: &[Run]) -> Vec<ExplainedError> {
    let mut counted: BTreeMap<(Option<String>, Option<String>), u64> = BTreeMap::new();
    let mut uncounted: Vec<RunError> = Vec::new();
    for run in runs {
        for error in run.record_errors() {
            match error.record_count {
                Some(records) => {
                    *counted
                        .entry((error.code.clone(), error.message.clone()))
                        .or_default() += records;
                }
                None => {
                    if !uncounted.iter().any(|seen| seen.code == error.code) {
                        uncounted.push(error);
                    }
                }
            }
        }
    }
    counted
        .into_iter()
        .map(|((code, message), records)| explained(code, message, Some(records)))
        .chain(
            uncounted
                .into_iter()
                .map(|error| explained(error.code, error.message, None)),
        )
        .collect()
}

pub(crate) fn explained(
    code: Option<String>,
    message: Option<String>,
    records: Option<u64>,
) -> ExplainedError {
    let (explanation, fix) = explain(code.as_deref(), message.as_deref());
    ExplainedError {
        explanation,
        fix,
        adobe_code: code,
        message,
        records,
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

fn status_of(
    flow: &Flow,
    runs: Result<Vec<Run>, PlatformError>,
    now: DateTime<Utc>,
    timing: &Timing,
    settings: &AlertSettings,
) -> FlowStatus {
    let mut errors = Vec::new();
    let runs_readable = runs.is_ok();
    let mut runs = match runs {
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
    let started = |run: &Run| {
        run.metrics
            .as_ref()
            .and_then(|metrics| metrics.duration_summary.as_ref())
            .and_then(|durations| durations.started_at_utc)
            .or(run.created_at)
    };
    // Newest first whatever order the pages came in.
    runs.sort_by_key(|run| std::cmp::Reverse(started(run)));
    let summaries: Vec<RunSummary> = runs.iter().map(summarize).collect();
    errors.extend(record_errors(&runs));
    let mut run_level: Vec<&RunError> = Vec::new();
    for error in runs.iter().flat_map(Run::run_errors) {
        if !run_level
            .iter()
            .any(|seen| seen.code == error.code && seen.message == error.message)
        {
            run_level.push(error);
        }
    }
    for error in run_level {
        errors.push(explained(error.code.clone(), error.message.clone(), None));
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
    // Only a closed run says anything (an open one has no counts yet); one
    // older than the week still shows in the flow's own summary.
    let ever_ran = summaries.iter().any(|run| run.completed_at.is_some())
        || flow
            .last_run_details
            .as_ref()
            .is_some_and(|last| last.id.is_some() || last.started_at_utc.is_some());
    let health = if !flow.is_enabled() {
        Health::Disabled
    } else if !runs_readable {
        Health::Unknown
    } else if summaries
        .iter()
        // The open window's run shows no counts until it closes; the newest
        // closed one says how the data fares.
        .find(|run| run.completed_at.is_some())
        .is_some_and(|run| run.failed > 0 && run.ingested == 0)
    {
        Health::Failing
    } else if !ever_ran {
        Health::NoData
    } else {
        // Stale or not is decided below by the no-data rule, once the
        // status it reads is whole.
        Health::Healthy
    };
    let created_at = from_millis(flow.created_at);
    let marked = crate::names::parse_marker(flow.description.as_deref(), crate::StepId::Dataflow);
    let (marked_setup, marked_instance) = match marked {
        Some((setup, instance)) => (Some(setup), instance),
        None => (None, None),
    };
    let mut status = FlowStatus {
        marked_setup,
        marked_instance,
        flow_id: flow.id.as_str().to_owned(),
        name: flow.name.clone().unwrap_or_default(),
        state,
        webhook_url: flow
            .inlet_url()
            .and_then(|inlet| WebhookUrl::new(inlet, &flow.id).ok()),
        created_at,
        accepts_data_from: created_at.map(|at| timing.accepts_data_from(at)),
        last24h: totals_since(&summaries, now - to_chrono(LAST_DAY)),
        last7d: totals_since(&summaries, now - to_chrono(HISTORY)),
        last_ingested_at,
        health,
        runs: summaries,
        errors,
    };
    if status.health == Health::Healthy {
        let (rules, schedule) = effective_rules(settings, status.marked_setup.as_deref());
        let silent = schedule
            .is_some_and(|schedule| silence(&status, rules, &schedule, now, timing).is_some());
        if silent {
            status.health = Health::Stale;
        }
    }
    status
}

/// Where run reads start: the week, and the run that overlaps its start
/// (the filter is on a run's start).
fn history_start(now: DateTime<Utc>, timing: &Timing) -> DateTime<Utc> {
    now - to_chrono(HISTORY) - to_chrono(timing.run_window)
}

/// Every Chatlio dataflow of the client's sandbox now, staleness by the
/// setups' no-data rules in `settings`. See [`sandbox_status_at`].
pub async fn sandbox_status(
    client: &Client,
    timing: &Timing,
    settings: &AlertSettings,
) -> Result<Vec<FlowStatus>, PlatformError> {
    sandbox_status_at(client, timing, settings, Utc::now()).await
}

/// Every Chatlio dataflow of the client's sandbox as of `now`: one list
/// call (paged to the end), then each flow's runs of the last seven days,
/// all flows at once (bounded by [`STATUS_CONCURRENCY`]).
pub async fn sandbox_status_at(
    client: &Client,
    timing: &Timing,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Result<Vec<FlowStatus>, PlatformError> {
    Ok(listed_status_at(client, timing, settings, now).await?.1)
}

/// [`sandbox_status_at`], with the dataflows as listed: a drift check right
/// after it compares them instead of reading each again
/// ([`crate::drift::ListedFlows`]).
pub async fn listed_status_at(
    client: &Client,
    timing: &Timing,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Result<(Vec<Flow>, Vec<FlowStatus>), PlatformError> {
    let flows = client.flow_service().list_chatlio_flows().await?;
    let since = history_start(now, timing);
    let service = client.flow_service();
    // By index: a closure over `&Flow` items makes the future's lifetime
    // higher-ranked, which the app's spawned tasks cannot prove `Send`.
    let flows_ref = &flows;
    let statuses = map_bounded(0..flows.len(), STATUS_CONCURRENCY, |index| async move {
        let flow = &flows_ref[index];
        let runs = service.list_runs_since(&flow.id, since).await;
        status_of(flow, runs, now, timing, settings)
    })
    .await;
    Ok((flows, statuses))
}

/// One dataflow's status.
pub async fn flow_status(
    client: &Client,
    flow_id: &str,
    timing: &Timing,
    settings: &AlertSettings,
) -> Result<FlowStatus, PlatformError> {
    let id = FlowId::new(flow_id);
    let now = Utc::now();
    let flow = client.flow_service().get_flow(&id).await?;
    let runs = client
        .flow_service()
        .list_runs_since(&id, history_start(now, timing))
        .await;
    Ok(status_of(&flow, runs, now, timing, settings))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(value: serde_json::Value) -> Flow {
        serde_json::from_value(value).unwrap()
    }

    /// A run shaped like Adobe's documented one
    /// (help/sources/tutorials/api/monitor.md): record-level errors with
    /// counts in the activities, a run-level error without a count.
    fn documented_run(hours_ago: i64, received: u64, failed: u64) -> Run {
        let started = Utc::now() - chrono::Duration::hours(hours_ago);
        serde_json::from_value(serde_json::json!({
            "id": format!("run-{hours_ago}"),
            "flowId": "flow",
            "metrics": {
                "durationSummary": {"startedAtUTC": started.timestamp_millis(), "completedAtUTC": started.timestamp_millis() + 3_600_000},
                "recordSummary": {"inputRecordCount": received, "outputRecordCount": received - failed, "failedRecordCount": failed},
                "statusSummary": {"status": "success", "errors": [{"code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity."}]}
            },
            "activities": [{
                "id": "activity",
                "statusSummary": {"status": "success", "extensions": {
                    "manifest": {"failedRecords": "https://platform.adobe.io/data/foundation/export/batches/b/meta?path=row_errors"},
                    "errors": [
                        {"code": "INGEST-1212-400", "message": format!("Encountered {failed} errors in the data.")},
                        {"code": "MAPPER-3700-400", "recordCount": failed, "message": "Mapper Transform Error"}
                    ]
                }}
            }]
        }))
        .unwrap()
    }

    #[test]
    fn record_errors_come_from_the_activities_summed_over_the_runs() {
        let enabled = flow(serde_json::json!({"id": "flow", "state": "enabled"}));
        let runs = vec![documented_run(1, 10, 2), documented_run(2, 5, 1)];
        let status = status_of(
            &enabled,
            Ok(runs),
            Utc::now(),
            &Timing::ADOBE,
            &AlertSettings::round_the_clock(24),
        );
        let mapper = status
            .errors
            .iter()
            .find(|error| error.adobe_code.as_deref() == Some("MAPPER-3700-400"))
            .unwrap();
        assert_eq!(mapper.explanation, "mapping_failed");
        assert_eq!(mapper.records, Some(3));
        // The summary without a count, once, and the run-level error without one.
        let summary: Vec<&ExplainedError> = status
            .errors
            .iter()
            .filter(|error| error.adobe_code.as_deref() == Some("INGEST-1212-400"))
            .collect();
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].records, None);
        assert!(status.errors.iter().any(|error| error.adobe_code.as_deref()
            == Some("CONNECTOR-2001-500")
            && error.records.is_none()));
        assert_eq!(status.last24h.received, 15);
        assert_eq!(status.health, Health::Healthy);
    }

    #[test]
    fn health_names_the_most_urgent_problem() {
        let now = Utc::now();
        let enabled = flow(serde_json::json!({"id": "flow", "state": "enabled"}));
        let disabled = flow(serde_json::json!({"id": "flow", "state": "disabled"}));
        let health = |flow: &Flow, runs: Result<Vec<Run>, PlatformError>| {
            status_of(
                flow,
                runs,
                now,
                &Timing::ADOBE,
                &AlertSettings::round_the_clock(24),
            )
            .health
        };
        assert_eq!(
            health(&disabled, Ok(vec![documented_run(1, 1, 0)])),
            Health::Disabled
        );
        assert_eq!(
            health(
                &enabled,
                Err(PlatformError::new(
                    platform::ErrorCode::ServerError,
                    "runs unreadable"
                ))
            ),
            Health::Unknown
        );
        assert_eq!(
            health(&enabled, Ok(vec![documented_run(1, 2, 2)])),
            Health::Failing
        );
        // An open window listed first (no counts yet) does not hide it.
        let open: Run = serde_json::from_value(serde_json::json!({
            "id": "open",
            "metrics": {
                "durationSummary": {"startedAtUTC": Utc::now().timestamp_millis()},
                "recordSummary": {},
                "statusSummary": {"status": "inProgress"}
            }
        }))
        .unwrap();
        assert_eq!(
            health(&enabled, Ok(vec![open.clone(), documented_run(1, 2, 2)])),
            Health::Failing
        );
        // A new flow whose first window is still open: no data yet, not stale.
        assert_eq!(health(&enabled, Ok(vec![open])), Health::NoData);
        assert_eq!(health(&enabled, Ok(vec![])), Health::NoData);
        assert_eq!(
            health(&enabled, Ok(vec![documented_run(30, 1, 0)])),
            Health::Stale
        );
        assert_eq!(
            health(&enabled, Ok(vec![documented_run(1, 3, 0)])),
            Health::Healthy
        );
        // No run in the week, but Adobe's last run says data came once: stale,
        // not "no data yet".
        let ran_before = flow(serde_json::json!({
            "id": "flow", "state": "enabled", "createdAt": 1_599_000_000_000_i64,
            "lastRunDetails": {"id": "old-run", "state": "success", "startedAtUTC": 1_600_000_000_000_i64, "completedAtUTC": 1_600_003_600_000_i64}
        }));
        assert_eq!(health(&ran_before, Ok(vec![])), Health::Stale);
    }

    #[test]
    fn a_day_is_the_runs_that_ended_in_it() {
        let now = Utc::now();
        let runs: Vec<RunSummary> = (0..30)
            .map(|hour| {
                let end = now - chrono::Duration::hours(hour);
                RunSummary {
                    run_id: format!("run-{hour}"),
                    status: None,
                    received: 1,
                    ingested: 1,
                    failed: 0,
                    started_at: Some(end - chrono::Duration::hours(1)),
                    completed_at: Some(end),
                }
            })
            .collect();
        let day = totals_since(&runs, now - chrono::Duration::hours(24));
        assert_eq!(day.received, 24);
    }
}
