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
/// per resource, so a background check asks for it less often), and the
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
    let statuses = match crate::status::sandbox_status_at(client, timing, settings, now).await {
        Ok(statuses) => {
            coverage.flows_listed = true;
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
                .map(|journal| crate::drift::drift(client, journal)),
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
