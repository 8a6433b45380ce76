//! Alerts: per-setup rules ([`rules`]), the conditions they find in a
//! sandbox's status ([`evaluate`]), and conditions over time with the
//! notifications that follow ([`tracker`]). One check ([`check`]) is what
//! the desktop app runs in the background and `chatlio-aep check` runs once.

pub mod evaluate;
pub mod rules;
pub mod tracker;

use chrono::{DateTime, Utc};
use platform::{Client, PlatformError};
use serde::Serialize;

pub use evaluate::{AlertKind, Condition, Figures, Severity};
pub use rules::{AlertRules, AlertSettings, BusinessHours, Day, QuietHours, RuleError, RuleField};
pub use tracker::{AlertState, Coverage, Notice, Transition};

use crate::journal::Journal;
use crate::status::{FlowStatus, Health};
use crate::timing::Timing;

/// Drift reads every resource of every setup, so a repeated check (the
/// app's background one, `chatlio-aep watch`) includes it on every sixth
/// round only, starting with the first.
pub const DRIFT_EVERY: u64 = 6;
/// The longest wait between repeated checks while Adobe does not answer.
pub const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether round `round` (from 0) of a repeated check includes drift.
pub fn drift_round(round: u64) -> bool {
    round.is_multiple_of(DRIFT_EVERY)
}

/// The wait before the next of repeated checks: `interval`, doubled for each
/// check in a row Adobe did not answer, up to [`MAX_BACKOFF`] (or the
/// interval itself when that is longer).
pub fn next_delay(interval: std::time::Duration, failures: u32) -> std::time::Duration {
    interval
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(MAX_BACKOFF.max(interval))
}

/// What one check found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub checked_at: DateTime<Utc>,
    pub sandbox: String,
    /// Most severe first.
    pub conditions: Vec<Condition>,
    /// The dataflows read, for the dashboard and `--json`.
    #[serde(skip)]
    pub statuses: Vec<FlowStatus>,
    #[serde(skip)]
    pub coverage: Coverage,
    /// Why the sandbox could not be read, when it could not and the reason
    /// is not a connection condition (Adobe down, network): nothing could
    /// be said, and a background check backs off.
    pub unreachable: Option<String>,
}

impl CheckReport {
    /// The verdict: `None` when all is well.
    pub fn worst(&self) -> Option<Severity> {
        evaluate::worst(&self.conditions)
    }
}

/// One check of a sandbox: its dataflows' status under `settings`, each
/// journaled setup's drift when `journals` are given (drift costs a read
/// per resource, so a background check asks for it less often; the
/// dataflows just listed are compared as listed, not read again), and the
/// connection. Only the setups named in `only` when it is given.
pub async fn check(
    client: &Client,
    timing: &Timing,
    settings: &AlertSettings,
    journals: Option<&[Journal]>,
    only: Option<&str>,
    now: DateTime<Utc>,
) -> CheckReport {
    let sandbox = client.sandbox().as_str().to_owned();
    let mut coverage = Coverage {
        connection_tried: true,
        ..Coverage::default()
    };
    let mut conditions = Vec::new();
    let mut unreachable = None;
    let mut listed = crate::drift::ListedFlows::default();
    let statuses = match crate::status::listed_status_at(client, timing, settings, now).await {
        Ok((flows, statuses)) => {
            coverage.flows_listed = true;
            listed = crate::drift::ListedFlows::new(flows);
            statuses
        }
        Err(error) if evaluate::connection_lost(&error) => {
            conditions.extend(evaluate::connection_condition(
                error.code().as_str(),
                error.message(),
                settings,
            ));
            Vec::new()
        }
        Err(error) => {
            // Nothing is known, so nothing clears, the connection's
            // condition included.
            coverage.connection_tried = false;
            unreachable = Some(describe(&error));
            Vec::new()
        }
    };
    let statuses: Vec<FlowStatus> = statuses
        .into_iter()
        .filter(|status| only.is_none() || status.marked_setup.as_deref() == only)
        .collect();
    coverage.unread_flows = statuses
        .iter()
        .filter(|status| status.health == Health::Unknown)
        .map(|status| status.flow_id.clone())
        .collect();
    conditions.extend(evaluate::conditions(&statuses, settings, now, timing));
    if let (Some(journals), true) = (journals, coverage.flows_listed) {
        let ours: Vec<&Journal> = journals
            .iter()
            .filter(|journal| journal.sandbox == sandbox)
            .filter(|journal| only.is_none_or(|name| journal.setup_name == name))
            .collect();
        let drifts = futures_util::future::join_all(
            ours.iter()
                .map(|journal| crate::drift::drift_with_listed(client, journal, &listed)),
        )
        .await;
        for (journal, drifts) in ours.into_iter().zip(drifts) {
            coverage.drift_checked.insert(journal.setup_name.clone());
            let rules = settings.rules_for(Some(&journal.setup_name));
            conditions.extend(evaluate::drift_condition(
                &journal.setup_name,
                &drifts,
                rules,
            ));
        }
    }
    evaluate::sort(&mut conditions);
    CheckReport {
        checked_at: now,
        sandbox,
        conditions,
        statuses,
        coverage,
        unreachable,
    }
}

fn describe(error: &PlatformError) -> String {
    format!("{}: {}", error.code().as_str(), error.message())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn repeated_checks_back_off_to_an_hour_and_check_drift_every_sixth_round() {
        let five_minutes = Duration::from_secs(300);
        assert_eq!(next_delay(five_minutes, 0), five_minutes);
        assert_eq!(next_delay(five_minutes, 2), Duration::from_secs(1200));
        assert_eq!(next_delay(five_minutes, 40), MAX_BACKOFF);
        // An interval longer than the cap is kept, never shortened.
        let two_hours = Duration::from_secs(7200);
        assert_eq!(next_delay(two_hours, 3), two_hours);
        let drift: Vec<u64> = (0..13).filter(|round| drift_round(*round)).collect();
        assert_eq!(drift, vec![0, 6, 12]);
    }
}
