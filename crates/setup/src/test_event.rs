//! Test events under Adobe's timing: a generated Chatlio event goes to the
//! dataflow's webhook URL, Adobe accepts it at once, and the hourly run that
//! counts it shows later (help/sources/tutorials/ui/monitor-streaming.md).
//! So a test event is a receipt that can be checked again at any time (the
//! Verify screen can be left; the dashboard shows the result later) and,
//! where someone is watching, waited for.
//!
//! Adobe asks to wait about five minutes after creating a streaming dataflow
//! before sending data (help/sources/tutorials/api/create/streaming/http.md):
//! an event sent earlier may be lost, so sending is refused until then and
//! the error says when.

use chrono::{DateTime, Utc};
use platform::models::flow::Run;
use platform::models::FlowId;
use platform::{Client, PlatformError, WebhookUrl};
use serde::{Deserialize, Serialize};

use crate::status::{explain, explained, ExplainedError};
use crate::timing::{from_millis, to_chrono, Timing};

/// What the runs of the test event's window counted when it was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub received: u64,
    pub ingested: u64,
    pub failed: u64,
    /// Records per Adobe error code (record-level errors only).
    pub errors: Vec<(Option<String>, u64)>,
}

/// A sent test event: enough to check later, with no secret and no URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestEventReceipt {
    pub flow_id: String,
    pub kind: chatlio::EventKind,
    pub xaction_id: Option<String>,
    pub sent_at: DateTime<Utc>,
    /// Runs are read from here (a window's length before the send), so
    /// the run holding the event is among them wherever its window starts.
    pub runs_since: DateTime<Utc>,
    /// When the run counting it should be readable.
    pub expected_by: DateTime<Utc>,
    pub baseline: Counts,
    /// The visitor or conversation UUID of the body sent (the record's
    /// `subjectId`): how its stored record is found to show the kind Adobe
    /// recorded. Absent in receipts from before it was kept.
    #[serde(default)]
    pub subject: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestEventState {
    /// Accepted by Adobe; the run that counts it has not shown it yet.
    Waiting,
    /// The run counted it as ingested.
    Ingested,
    /// The run counted it as failed; `errors` says why.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestEventOutcome {
    pub receipt: TestEventReceipt,
    pub state: TestEventState,
    /// Past `expected_by` and still not counted: worth a look, not yet a
    /// failure (Adobe gives no deadline).
    pub overdue: bool,
    /// Why it failed: the record errors that grew in its window, explained.
    pub errors: Vec<ExplainedError>,
    /// What its window's run counted since it was sent: the test event and
    /// anything else sent in the same window (other test events, real
    /// Chatlio events). Zero while waiting.
    pub window: Counts,
    pub checked_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum TestEventError {
    #[error("the dataflow has no inlet URL yet")]
    NoInlet,
    /// Data sent before this may be lost.
    #[error("the dataflow accepts data from {accepts_from}; Adobe asks to wait a few minutes after creating it")]
    WarmingUp { accepts_from: DateTime<Utc> },
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl TestEventError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoInlet => "no_inlet",
            Self::WarmingUp { .. } => "warming_up",
            Self::Platform(_) => "platform",
        }
    }
}

fn counts(runs: &[&Run]) -> Counts {
    let mut counts = Counts::default();
    for run in runs {
        let records = run
            .metrics
            .as_ref()
            .and_then(|metrics| metrics.record_summary.as_ref());
        counts.received += records.and_then(|r| r.input_record_count).unwrap_or(0);
        counts.ingested += records.and_then(|r| r.output_record_count).unwrap_or(0);
        counts.failed += records.and_then(|r| r.failed_record_count).unwrap_or(0);
    }
    for (code, records) in errors_by_code(runs) {
        counts.errors.push((code, records));
    }
    counts
}

/// Record-level errors with a count, summed per Adobe code (one code can
/// come with several messages), with the newest message of each.
fn errors_by_code(runs: &[&Run]) -> Vec<(Option<String>, u64)> {
    let mut sums: Vec<(Option<String>, u64)> = Vec::new();
    for run in runs {
        for error in run.record_errors() {
            let Some(records) = error.record_count else {
                continue;
            };
            match sums.iter_mut().find(|(code, _)| *code == error.code) {
                Some((_, sum)) => *sum += records,
                None => sums.push((error.code, records)),
            }
        }
    }
    sums
}

/// The runs whose window holds `at`: started at or before it, and ended
/// after it (an open run by its start plus the window length). Adobe does
/// not say where its hourly windows start, so the run is found by its own
/// times, not by a clock-hour guess.
fn runs_holding<'a>(runs: &'a [Run], at: DateTime<Utc>, timing: &Timing) -> Vec<&'a Run> {
    let window = to_chrono(timing.run_window);
    runs.iter()
        .filter(|run| {
            let Some(started) = from_millis(run.started_at()) else {
                return false;
            };
            let ended = from_millis(
                run.metrics
                    .as_ref()
                    .and_then(|metrics| metrics.duration_summary.as_ref())
                    .and_then(|durations| durations.completed_at_utc),
            )
            .unwrap_or(started + window);
            started <= at && at < ended
        })
        .collect()
}

/// Sends a generated Chatlio event of `kind` to the flow's webhook URL.
/// Refused while the dataflow is warming up; rejections hidden in a 2xx are
/// errors.
pub async fn send_test_event(
    client: &Client,
    flow_id: &str,
    kind: chatlio::EventKind,
    timing: &Timing,
) -> Result<TestEventReceipt, TestEventError> {
    let payload = {
        let mut rng = rand::rng();
        chatlio::generate(kind, &mut rng)
    };
    send_test_payload(client, flow_id, kind, &payload, timing).await
}

/// Like [`send_test_event`] with a given body (`kind` only labels it): for
/// replaying a real Chatlio payload, or showing what a broken one produces.
pub async fn send_test_payload(
    client: &Client,
    flow_id: &str,
    kind: chatlio::EventKind,
    payload: &serde_json::Value,
    timing: &Timing,
) -> Result<TestEventReceipt, TestEventError> {
    let id = FlowId::new(flow_id);
    let service = client.flow_service();
    let flow = service.get_flow(&id).await?;
    let inlet = flow.inlet_url().ok_or(TestEventError::NoInlet)?;
    let webhook = WebhookUrl::new(inlet, &id)?;
    let now = Utc::now();
    if let Some(created_at) = from_millis(flow.created_at) {
        let accepts_from = timing.accepts_data_from(created_at);
        if now < accepts_from {
            return Err(TestEventError::WarmingUp { accepts_from });
        }
    }
    // Runs are read from a window's length before the send: the run that
    // will hold the event, if its window is open already, is among them.
    let runs_since = now - to_chrono(timing.run_window);
    let before = service.list_runs_since(&id, runs_since).await?;
    let receipt = client.inlet().send_event(&webhook, payload).await?;
    let sent_at = Utc::now();
    // What the event's own window had counted before it; taken by the send
    // time, so a window that ended in between counts nothing of it.
    let baseline = counts(&runs_holding(&before, sent_at, timing));
    let subject = chatlio::ChatlioPayload::from_value(payload)
        .ok()
        .and_then(|body| {
            body.visitor_uuid()
                .or(body.conversation_uuid())
                .map(str::to_owned)
        });
    Ok(TestEventReceipt {
        subject,
        flow_id: flow_id.to_owned(),
        kind,
        xaction_id: receipt.xaction_id,
        sent_at,
        runs_since,
        expected_by: timing.expected_by(sent_at),
        baseline,
    })
}

/// Looks once at the run of the event's window: still waiting, or counted
/// as ingested or failed. All records of one window share a run, so test
/// events sent in the same window (and real traffic) are counted together:
/// `window` says what the whole window counted since the event was sent.
pub async fn check_test_event(
    client: &Client,
    receipt: &TestEventReceipt,
    timing: &Timing,
) -> Result<TestEventOutcome, PlatformError> {
    let id = FlowId::new(receipt.flow_id.as_str());
    let runs = client
        .flow_service()
        .list_runs_since(&id, receipt.runs_since)
        .await?;
    let holding = runs_holding(&runs, receipt.sent_at, timing);
    Ok(outcome(receipt, &holding, Utc::now()))
}

fn outcome(
    receipt: &TestEventReceipt,
    runs: &[&Run],
    checked_at: DateTime<Utc>,
) -> TestEventOutcome {
    let now_counts = counts(runs);
    let before = &receipt.baseline;
    let failed = now_counts.failed > before.failed;
    let counted =
        now_counts.received > before.received || now_counts.ingested > before.ingested || failed;
    let state = if failed {
        TestEventState::Failed
    } else if counted {
        TestEventState::Ingested
    } else {
        TestEventState::Waiting
    };
    let errors = if failed {
        let grown: Vec<ExplainedError> = errors_by_code(runs)
            .into_iter()
            .filter_map(|(code, records)| {
                let earlier = before
                    .errors
                    .iter()
                    .find(|(known, _)| *known == code)
                    .map_or(0, |(_, records)| *records);
                (records > earlier).then(|| {
                    // The newest message Adobe gave for this code.
                    let message = runs
                        .iter()
                        .flat_map(|run| run.record_errors())
                        .find(|error| error.code == code)
                        .and_then(|error| error.message);
                    explained(code, message, Some(records - earlier))
                })
            })
            .collect();
        if grown.is_empty() {
            // Counted as failed without a record error naming the cause:
            // still say so, with the general advice.
            let (explanation, fix) = explain(None, None);
            vec![ExplainedError {
                explanation,
                fix,
                adobe_code: None,
                message: None,
                records: Some(now_counts.failed - before.failed),
            }]
        } else {
            grown
        }
    } else {
        Vec::new()
    };
    let window = Counts {
        received: now_counts.received.saturating_sub(before.received),
        ingested: now_counts.ingested.saturating_sub(before.ingested),
        failed: now_counts.failed.saturating_sub(before.failed),
        errors: Vec::new(),
    };
    TestEventOutcome {
        receipt: receipt.clone(),
        state,
        overdue: state == TestEventState::Waiting && checked_at > receipt.expected_by,
        errors,
        window,
        checked_at,
    }
}

/// Checks every `timing.poll` until the event is counted or `until` passes;
/// each check's outcome goes to `progress`. The last outcome is returned,
/// counted or still waiting.
pub async fn wait_for_test_event(
    client: &Client,
    receipt: &TestEventReceipt,
    timing: &Timing,
    until: DateTime<Utc>,
    progress: &(dyn Fn(&TestEventOutcome) + Send + Sync),
) -> Result<TestEventOutcome, PlatformError> {
    loop {
        let outcome = check_test_event(client, receipt, timing).await?;
        progress(&outcome);
        if outcome.state != TestEventState::Waiting || Utc::now() >= until {
            return Ok(outcome);
        }
        let left = (until - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(timing.poll.min(left)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A closed run shaped like Adobe's (help/sources/tutorials/api/monitor.md):
    /// record errors with counts in the activities.
    fn run(started: DateTime<Utc>, received: u64, failed: u64) -> Run {
        serde_json::from_value(serde_json::json!({
            "id": format!("run-{}", started.timestamp()),
            "metrics": {
                "durationSummary": {"startedAtUTC": started.timestamp_millis(), "completedAtUTC": started.timestamp_millis() + 3_600_000},
                "recordSummary": {"inputRecordCount": received, "outputRecordCount": received - failed, "failedRecordCount": failed},
                "statusSummary": {"status": "success", "errors": [{"code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity."}]}
            },
            "activities": [{
                "id": "a", "statusSummary": {"status": "success", "extensions": {"errors": [
                    {"code": "INGEST-1212-400", "message": "Encountered 1 errors in the data."},
                    {"code": "MAPPER-3700-400", "recordCount": failed, "message": "Mapper Transform Error"}
                ]}}
            }]
        }))
        .unwrap()
    }

    fn receipt(sent_at: DateTime<Utc>, baseline: Counts) -> TestEventReceipt {
        TestEventReceipt {
            flow_id: "flow".into(),
            kind: chatlio::EventKind::NewConversation,
            xaction_id: None,
            sent_at,
            runs_since: sent_at - chrono::Duration::minutes(10),
            expected_by: sent_at + chrono::Duration::minutes(65),
            baseline,
            subject: None,
        }
    }

    #[test]
    fn waiting_until_the_window_run_shows_then_the_mapping_cause_of_a_failure() {
        let sent = Utc::now() - chrono::Duration::minutes(5);
        let start = sent - chrono::Duration::minutes(10);
        let receipt = receipt(sent, Counts::default());
        let waiting = outcome(&receipt, &[], Utc::now());
        assert_eq!(waiting.state, TestEventState::Waiting);
        assert!(!waiting.overdue);
        let late = outcome(&receipt, &[], sent + chrono::Duration::hours(2));
        assert!(late.overdue);

        let failing = run(start, 3, 1);
        let failed = outcome(&receipt, &[&failing], Utc::now());
        assert_eq!(failed.state, TestEventState::Failed);
        assert_eq!(failed.errors.len(), 1, "{:?}", failed.errors);
        assert_eq!(
            failed.errors[0].adobe_code.as_deref(),
            Some("MAPPER-3700-400")
        );
        assert_eq!(failed.errors[0].explanation, "mapping_failed");
        assert_eq!(failed.errors[0].records, Some(1));
        assert_eq!((failed.window.received, failed.window.failed), (3, 1));

        let fine = run(start, 2, 0);
        let ingested = outcome(&receipt, &[&fine], Utc::now());
        assert_eq!(ingested.state, TestEventState::Ingested);
        assert!(ingested.errors.is_empty());
    }

    #[test]
    fn only_what_grew_after_sending_is_the_test_event_s() {
        let sent = Utc::now();
        let start = sent - chrono::Duration::minutes(10);
        // The open window already showed one failed record before sending.
        let before = run(start, 4, 1);
        let receipt = receipt(sent, counts(&[&before]));
        let same = outcome(&receipt, &[&before], Utc::now());
        assert_eq!(same.state, TestEventState::Waiting);
        let after = run(start, 5, 1);
        assert_eq!(
            outcome(&receipt, &[&after], Utc::now()).state,
            TestEventState::Ingested
        );
    }

    #[test]
    fn the_run_holding_the_send_time_is_found_wherever_windows_start() {
        let timing = Timing::ADOBE;
        let sent = Utc::now();
        // Windows that start at 17 minutes past, not on the hour.
        let holding = run(sent - chrono::Duration::minutes(17), 2, 0);
        let earlier = run(sent - chrono::Duration::minutes(77), 9, 9);
        let runs = [holding, earlier];
        let found = runs_holding(&runs, sent, &timing);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, runs[0].id);
        // A send on the boundary belongs to the window that starts then.
        let boundary = sent - chrono::Duration::minutes(17);
        let found = runs_holding(&runs, boundary, &timing);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, runs[0].id);
    }
}
