//! Which alert conditions hold now, from what a status read, a drift check
//! and the connection said. Pure: the same inputs give the same conditions,
//! so the desktop's background checks, `chatlio-aep check` and `watch`, and
//! the dashboard's staleness all agree.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rules::{AlertRules, AlertSettings, Schedule};
use crate::drift::{Drift, DriftKind};
use crate::status::{FlowStatus, Health, RunSummary};
use crate::timing::{to_chrono, Timing};

/// What a condition is about.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AlertKind {
    /// The Adobe connection no longer works.
    Connection,
    /// A dataflow is disabled.
    Disabled,
    /// Nothing ingested for the rule's business hours.
    NoData,
    /// The last hour's failed records reached the rule's share or count.
    FailedRecords,
    /// A resource of the setup was changed or deleted in Adobe.
    Drift,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How bad: a warning while data still arrives, an alert when it is lost.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Severity {
    Warning,
    Alert,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One condition that holds now.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Stable while the condition holds: kind, setup and dataflow.
    pub key: String,
    pub kind: AlertKind,
    pub severity: Severity,
    /// The setup it belongs to (by the dataflow's marker); `None` for the
    /// connection and for dataflows made outside this tool.
    pub setup: Option<String>,
    pub flow_id: Option<String>,
    pub flow_name: Option<String>,
    /// The figures behind it, for the words: hours of silence and the
    /// rule's hours, or an hour's failed and received records, or how many
    /// resources drifted.
    pub figures: Figures,
    /// What it is, in English, for the CLI and logs (the app words `kind`
    /// and `figures` itself).
    pub summary: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    /// Business hours without data (rounded down) and the rule's limit.
    pub silent_hours: Option<u32>,
    pub limit_hours: Option<u32>,
    /// Last ingested record's run end, if any.
    pub last_data_at: Option<DateTime<Utc>>,
    pub failed: Option<u32>,
    pub received: Option<u32>,
    pub drifted: Option<u32>,
    /// Adobe's error class for a connection condition.
    pub error_code: Option<String>,
}

/// The end of the newest run window whose run should be readable at `now`:
/// data that came later is not known yet, so silence is measured only up to
/// here and a working flow is never called silent because of Adobe's lag.
pub fn readable_until(now: DateTime<Utc>, timing: &Timing) -> DateTime<Utc> {
    let seen = now - to_chrono(timing.report_delay);
    let window_ms = i64::try_from(timing.run_window.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let millis = seen.timestamp_millis();
    DateTime::from_timestamp_millis(millis - millis.rem_euclid(window_ms)).unwrap_or(seen)
}

fn hours(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs() / 3600).unwrap_or(u32::MAX)
}

/// The no-data condition's figures when it holds: the flow is enabled, its
/// runs were read, and the business time from its last ingested data (or
/// from when it first accepted data, for one that never had any) to the last
/// readable window reaches the rule's hours.
pub fn silence(
    status: &FlowStatus,
    rules: &AlertRules,
    schedule: &Schedule,
    now: DateTime<Utc>,
    timing: &Timing,
) -> Option<Figures> {
    let limit = rules.no_data_hours?;
    if matches!(status.health, Health::Disabled | Health::Unknown) {
        return None;
    }
    let reference = status
        .last_ingested_at
        .or(status.accepts_data_from)
        .or(status.created_at)?;
    let limit_duration = Duration::from_secs(u64::from(limit) * 3600);
    let silent =
        schedule.business_time_between(reference, readable_until(now, timing), limit_duration);
    (silent >= limit_duration).then(|| Figures {
        silent_hours: Some(hours(silent)),
        limit_hours: Some(limit),
        last_data_at: status.last_ingested_at,
        ..Figures::default()
    })
}

/// The last readable hour's run, when it failed past the rule: the newest
/// closed run, if it ended no earlier than the last readable window did
/// (an hour with no run had no records, so nothing failed in it).
fn failed_hour<'a>(
    status: &'a FlowStatus,
    rules: &AlertRules,
    now: DateTime<Utc>,
    timing: &Timing,
) -> Option<&'a RunSummary> {
    if rules.failed_share_percent.is_none() && rules.failed_count.is_none() {
        return None;
    }
    // The last readable window's run ends where what can be read ends; one
    // that ended before had its hour, and the hours since had no records.
    let recent_from = readable_until(now, timing);
    let run = status.runs.iter().find(|run| run.completed_at.is_some())?;
    if run.completed_at.is_some_and(|end| end < recent_from) || run.failed == 0 {
        return None;
    }
    let over_count = rules
        .failed_count
        .is_some_and(|count| run.failed >= u64::from(count));
    let over_share = rules.failed_share_percent.is_some_and(|share| {
        run.failed.saturating_mul(100) >= u64::from(share).saturating_mul(run.received.max(1))
    });
    (over_count || over_share).then_some(run)
}

fn key(kind: AlertKind, setup: Option<&str>, flow_id: Option<&str>) -> String {
    format!(
        "{}:{}:{}",
        kind.as_str(),
        setup.unwrap_or_default(),
        flow_id.unwrap_or_default()
    )
}

fn flow_name(status: &FlowStatus) -> String {
    if status.name.is_empty() {
        status.flow_id.clone()
    } else {
        status.name.clone()
    }
}

/// The conditions one dataflow's status meets under its setup's rules.
pub fn flow_conditions(
    status: &FlowStatus,
    rules: &AlertRules,
    schedule: &Schedule,
    now: DateTime<Utc>,
    timing: &Timing,
) -> Vec<Condition> {
    let setup = status.marked_setup.as_deref();
    let name = flow_name(status);
    let condition =
        |kind: AlertKind, severity: Severity, figures: Figures, summary: String| Condition {
            key: key(kind, setup, Some(&status.flow_id)),
            kind,
            severity,
            setup: setup.map(str::to_owned),
            flow_id: Some(status.flow_id.clone()),
            flow_name: Some(name.clone()),
            figures,
            summary,
        };
    let mut conditions = Vec::new();
    if rules.disabled && status.health == Health::Disabled {
        conditions.push(condition(
            AlertKind::Disabled,
            Severity::Alert,
            Figures::default(),
            format!("dataflow {name:?} is disabled: Chatlio's events are dropped"),
        ));
    }
    if let Some(figures) = silence(status, rules, schedule, now, timing) {
        let since = figures
            .last_data_at
            .map_or_else(|| "it was created".to_owned(), |at| at.to_rfc3339());
        conditions.push(condition(
            AlertKind::NoData,
            Severity::Alert,
            figures.clone(),
            format!(
                "no data in dataflow {name:?} for {} business hours (limit {}), since {since}",
                figures.silent_hours.unwrap_or_default(),
                figures.limit_hours.unwrap_or_default()
            ),
        ));
    }
    if let Some(run) = failed_hour(status, rules, now, timing) {
        let severity = if run.ingested == 0 {
            Severity::Alert
        } else {
            Severity::Warning
        };
        conditions.push(condition(
            AlertKind::FailedRecords,
            severity,
            Figures {
                failed: Some(u32::try_from(run.failed).unwrap_or(u32::MAX)),
                received: Some(u32::try_from(run.received).unwrap_or(u32::MAX)),
                ..Figures::default()
            },
            format!(
                "{} of {} records failed in dataflow {name:?} in the hour to {}",
                run.failed,
                run.received,
                run.completed_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default()
            ),
        ));
    }
    conditions
}

/// The drift condition of one setup, when a check found a resource changed
/// or deleted. A disabled dataflow is its own condition, and a resource that
/// could not be read says nothing, so neither counts here.
pub fn drift_condition(setup: &str, drifts: &[Drift], rules: &AlertRules) -> Option<Condition> {
    if !rules.drift {
        return None;
    }
    let drifted = drifts
        .iter()
        .filter(|drift| matches!(drift.kind, DriftKind::Deleted | DriftKind::Changed))
        .count();
    (drifted > 0).then(|| Condition {
        key: key(AlertKind::Drift, Some(setup), None),
        kind: AlertKind::Drift,
        severity: Severity::Warning,
        setup: Some(setup.to_owned()),
        flow_id: None,
        flow_name: None,
        figures: Figures {
            drifted: Some(u32::try_from(drifted).unwrap_or(u32::MAX)),
            ..Figures::default()
        },
        summary: format!(
            "{drifted} resource(s) of setup {setup:?} were changed or deleted in Adobe"
        ),
    })
}

/// Whether a failure to read the sandbox is one only the user can fix: the
/// credential or the sign-in is no longer accepted, or a permission was
/// removed. Transient failures (network, throttling, Adobe's own errors)
/// are not: a check backs off and tries again.
pub fn connection_lost(error: &platform::PlatformError) -> bool {
    code_means_connection_lost(error.code())
}

/// [`connection_lost`] by the error's class alone (for an error that has
/// already become a code).
pub fn code_means_connection_lost(code: platform::ErrorCode) -> bool {
    matches!(
        code,
        platform::ErrorCode::Unauthenticated | platform::ErrorCode::Forbidden
    )
}

/// The connection condition, when any rule in effect watches it. `code` is
/// the error's stable code (Adobe's class, or the keychain's), `message`
/// what it said.
pub fn connection_condition(
    code: &str,
    message: &str,
    settings: &AlertSettings,
) -> Option<Condition> {
    let watched =
        settings.defaults.connection || settings.setups.values().any(|rules| rules.connection);
    watched.then(|| Condition {
        key: key(AlertKind::Connection, None, None),
        kind: AlertKind::Connection,
        severity: Severity::Alert,
        setup: None,
        flow_id: None,
        flow_name: None,
        figures: Figures {
            error_code: Some(code.to_owned()),
            ..Figures::default()
        },
        summary: format!("the Adobe connection no longer works ({code}): {message}"),
    })
}

/// Every condition of a sandbox's dataflows under `settings`, most severe
/// first. Rules that fail validation fall back to the defaults (which are
/// validated when saved), so a bad file never silences every alert.
pub fn conditions(
    statuses: &[FlowStatus],
    settings: &AlertSettings,
    now: DateTime<Utc>,
    timing: &Timing,
) -> Vec<Condition> {
    let mut conditions: Vec<Condition> = statuses
        .iter()
        .flat_map(|status| {
            let (rules, schedule) = effective_rules(settings, status.marked_setup.as_deref());
            match schedule {
                Some(schedule) => flow_conditions(status, rules, &schedule, now, timing),
                None => Vec::new(),
            }
        })
        .collect();
    sort(&mut conditions);
    conditions
}

/// Most severe first, then by kind and key, so output is stable.
pub fn sort(conditions: &mut [Condition]) {
    conditions.sort_by(|first, second| {
        second
            .severity
            .cmp(&first.severity)
            .then(first.kind.cmp(&second.kind))
            .then(first.key.cmp(&second.key))
    });
}

/// A setup's rules and their schedule; the defaults' when its own do not
/// validate; no schedule when neither does.
pub fn effective_rules<'a>(
    settings: &'a AlertSettings,
    setup: Option<&str>,
) -> (&'a AlertRules, Option<Schedule>) {
    let rules = settings.rules_for(setup);
    match rules.validate() {
        Ok(schedule) => (rules, Some(schedule)),
        Err(errors) => {
            tracing::warn!(
                setup = setup.unwrap_or_default(),
                errors = errors.len(),
                "alert rules invalid; using the defaults"
            );
            (&settings.defaults, settings.defaults.validate().ok())
        }
    }
}

/// The overall verdict of some conditions: the most severe, `None` when
/// all is well.
pub fn worst(conditions: &[Condition]) -> Option<Severity> {
    conditions.iter().map(|condition| condition.severity).max()
}
