//! Conditions over time: each one is raised once when it starts and cleared
//! once when it ends, and notifications follow from that with no storms:
//! one per condition until it clears, one "recovered" after, none while
//! paused, and those due in quiet hours wait until the quiet hours end.
//!
//! The state is data ([`AlertState`]), saved after each check, so a restart
//! neither repeats a notification nor forgets one that is due.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::evaluate::{effective_rules, AlertKind, Condition};
use super::rules::AlertSettings;

/// The most notifications one check shows; past it, the rest are summed up
/// in one more.
pub const MAX_NOTICES_PER_CHECK: usize = 3;

/// What one check could see, so what it could not see is not taken as
/// cleared: a drift check skipped this round, a sandbox that did not answer,
/// a dataflow whose runs could not be read.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// The dataflows were listed: a condition of one that is gone ends.
    pub flows_listed: bool,
    /// Dataflows whose runs could not be read: their conditions stand.
    pub unread_flows: BTreeSet<String>,
    /// Setups whose drift was checked this round.
    pub drift_checked: BTreeSet<String>,
    /// The connection was tried (a status read or a token): its condition
    /// is known either way.
    pub connection_tried: bool,
}

impl Coverage {
    fn saw(&self, condition: &Condition) -> bool {
        match condition.kind {
            AlertKind::Connection => self.connection_tried,
            AlertKind::Drift => condition
                .setup
                .as_ref()
                .is_some_and(|setup| self.drift_checked.contains(setup)),
            AlertKind::Disabled | AlertKind::NoData | AlertKind::FailedRecords => {
                self.flows_listed
                    && !condition
                        .flow_id
                        .as_ref()
                        .is_some_and(|flow| self.unread_flows.contains(flow))
            }
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCondition {
    pub condition: Condition,
    pub since: DateTime<Utc>,
    /// A notification of its start was shown, so its end gets one too.
    pub notified: bool,
}

/// A condition starting or ending.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "change")]
pub enum Transition {
    Raised {
        condition: Condition,
    },
    Cleared {
        condition: Condition,
        since: DateTime<Utc>,
        /// Whether its start was notified (only then is its end).
        was_notified: bool,
    },
}

impl Transition {
    pub fn condition(&self) -> &Condition {
        match self {
            Transition::Raised { condition } | Transition::Cleared { condition, .. } => condition,
        }
    }
}

/// What a notification says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "notice")]
pub enum Notice {
    Raised {
        condition: Condition,
    },
    Recovered {
        condition: Condition,
    },
    /// More conditions started or ended at once than one check shows.
    More {
        raised: u32,
        recovered: u32,
    },
}

/// The conditions that hold, as last checked. Saved in the data folder
/// (`storage::DataLayout::alert_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertState {
    #[serde(default)]
    pub active: BTreeMap<String, ActiveCondition>,
    /// When the last check ran.
    #[serde(default)]
    pub checked_at: Option<DateTime<Utc>>,
}

impl AlertState {
    /// Takes one check's conditions: those new are raised, those it could
    /// see and did not find are cleared, the rest carry on (their figures
    /// updated, no new transition).
    pub fn update(
        &mut self,
        current: Vec<Condition>,
        coverage: &Coverage,
        now: DateTime<Utc>,
    ) -> Vec<Transition> {
        let mut transitions = Vec::new();
        let current_keys: BTreeSet<String> = current.iter().map(|c| c.key.clone()).collect();
        let ended: Vec<String> = self
            .active
            .iter()
            .filter(|(key, active)| !current_keys.contains(*key) && coverage.saw(&active.condition))
            .map(|(key, _)| key.clone())
            .collect();
        for key in ended {
            if let Some(active) = self.active.remove(&key) {
                transitions.push(Transition::Cleared {
                    condition: active.condition,
                    since: active.since,
                    was_notified: active.notified,
                });
            }
        }
        for condition in current {
            match self.active.get_mut(&condition.key) {
                Some(active) => active.condition = condition,
                None => {
                    transitions.push(Transition::Raised {
                        condition: condition.clone(),
                    });
                    self.active.insert(
                        condition.key.clone(),
                        ActiveCondition {
                            condition,
                            since: now,
                            notified: false,
                        },
                    );
                }
            }
        }
        self.checked_at = Some(now);
        transitions
    }

    /// The notifications due now: a start not yet notified (unless paused
    /// or in its setup's quiet hours, when it waits), and the end of one
    /// whose start was. At most [`MAX_NOTICES_PER_CHECK`]; the rest as one
    /// summary, all marked notified.
    pub fn notices(
        &mut self,
        transitions: &[Transition],
        settings: &AlertSettings,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        if settings.paused_until.is_some_and(|until| until > now) {
            return Vec::new();
        }
        let quiet = |condition: &Condition| {
            let (_, schedule) = effective_rules(settings, condition.setup.as_deref());
            schedule.is_some_and(|schedule| schedule.quiet_until(now).is_some())
        };
        let mut due: Vec<Notice> = Vec::new();
        for transition in transitions {
            if let Transition::Cleared {
                condition,
                was_notified: true,
                ..
            } = transition
            {
                if !quiet(condition) {
                    due.push(Notice::Recovered {
                        condition: condition.clone(),
                    });
                }
            }
        }
        let mut raised: Vec<&mut ActiveCondition> = self
            .active
            .values_mut()
            .filter(|active| !active.notified)
            .collect();
        raised.sort_by(|first, second| {
            second
                .condition
                .severity
                .cmp(&first.condition.severity)
                .then(first.since.cmp(&second.since))
        });
        for active in raised {
            if quiet(&active.condition) {
                continue;
            }
            active.notified = true;
            due.push(Notice::Raised {
                condition: active.condition.clone(),
            });
        }
        // Raised ones first: a recovery is good news that can wait for the
        // summary line.
        due.sort_by_key(|notice| match notice {
            Notice::Raised { .. } => 0,
            Notice::Recovered { .. } | Notice::More { .. } => 1,
        });
        if due.len() > MAX_NOTICES_PER_CHECK {
            let rest = due.split_off(MAX_NOTICES_PER_CHECK - 1);
            let count = |want_raised: bool| {
                u32::try_from(
                    rest.iter()
                        .filter(|notice| matches!(notice, Notice::Raised { .. }) == want_raised)
                        .count(),
                )
                .unwrap_or(u32::MAX)
            };
            due.push(Notice::More {
                raised: count(true),
                recovered: count(false),
            });
        }
        due
    }

    /// Reads the saved state; an empty one when there is none or it cannot
    /// be read (the worst that follows is one notification shown again).
    pub fn load(path: &std::path::Path) -> AlertState {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(%error, "alert state unreadable; starting afresh");
                AlertState::default()
            }),
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(%error, "alert state unreadable; starting afresh");
                }
                AlertState::default()
            }
        }
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|error| error.to_string())?;
        storage::write_atomically(path, &bytes, storage::Permissions::Private)
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::evaluate::{Figures, Severity};
    use crate::alerts::rules::AlertRules;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn condition(kind: AlertKind, flow: &str) -> Condition {
        Condition {
            key: format!("{}::{flow}", kind.as_str()),
            kind,
            severity: Severity::Alert,
            setup: None,
            flow_id: Some(flow.to_owned()),
            flow_name: Some(flow.to_owned()),
            figures: Figures::default(),
            summary: String::new(),
        }
    }

    fn listed() -> Coverage {
        Coverage {
            flows_listed: true,
            connection_tried: true,
            ..Coverage::default()
        }
    }

    /// Stockholm office hours, quiet from 20:00 to 08:00.
    fn settings() -> AlertSettings {
        AlertSettings::with_defaults(AlertRules::recommended("Europe/Stockholm"))
    }

    #[test]
    fn a_condition_is_raised_once_and_cleared_once() {
        let mut state = AlertState::default();
        let noon = at("2027-01-14T11:00:00Z");
        let silent = condition(AlertKind::NoData, "a");
        let raised = state.update(vec![silent.clone()], &listed(), noon);
        assert!(matches!(raised.as_slice(), [Transition::Raised { .. }]));
        let notices = state.notices(&raised, &settings(), noon);
        assert_eq!(notices.len(), 1);
        // Still holding: no transition, no second notification.
        for minutes in [5, 10, 15] {
            let later = noon + chrono::Duration::minutes(minutes);
            let same = state.update(vec![silent.clone()], &listed(), later);
            assert!(same.is_empty());
            assert!(state.notices(&same, &settings(), later).is_empty());
        }
        let cleared = state.update(Vec::new(), &listed(), noon + chrono::Duration::hours(1));
        assert!(matches!(
            cleared.as_slice(),
            [Transition::Cleared {
                was_notified: true,
                ..
            }]
        ));
        let notices = state.notices(&cleared, &settings(), noon + chrono::Duration::hours(1));
        assert!(matches!(notices.as_slice(), [Notice::Recovered { .. }]));
        assert!(state.active.is_empty());
    }

    #[test]
    fn what_a_check_could_not_see_does_not_clear() {
        let mut state = AlertState::default();
        let now = at("2027-01-14T11:00:00Z");
        state.update(
            vec![
                condition(AlertKind::NoData, "a"),
                condition(AlertKind::Connection, ""),
            ],
            &listed(),
            now,
        );
        // Adobe did not answer: nothing was seen, nothing ends.
        assert!(state
            .update(Vec::new(), &Coverage::default(), now)
            .is_empty());
        // The runs of "a" could not be read: its condition stands, the
        // connection's (which was tried and worked) ends.
        let mut unread = listed();
        unread.unread_flows.insert("a".to_owned());
        let transitions = state.update(Vec::new(), &unread, now);
        assert_eq!(transitions.len(), 1);
        assert_eq!(transitions[0].condition().kind, AlertKind::Connection);
    }

    #[test]
    fn quiet_hours_hold_notifications_until_they_end() {
        let mut state = AlertState::default();
        // 22:00 in Stockholm (winter): quiet.
        let night = at("2027-01-14T21:00:00Z");
        let transitions = state.update(vec![condition(AlertKind::Disabled, "a")], &listed(), night);
        assert!(state.notices(&transitions, &settings(), night).is_empty());
        // 07:30: still quiet, nothing new.
        let dawn = at("2027-01-15T06:30:00Z");
        let transitions = state.update(vec![condition(AlertKind::Disabled, "a")], &listed(), dawn);
        assert!(state.notices(&transitions, &settings(), dawn).is_empty());
        // 08:05: the held notification, once.
        let morning = at("2027-01-15T07:05:00Z");
        let transitions = state.update(
            vec![condition(AlertKind::Disabled, "a")],
            &listed(),
            morning,
        );
        assert_eq!(state.notices(&transitions, &settings(), morning).len(), 1);
        assert!(state.notices(&[], &settings(), morning).is_empty());
    }

    #[test]
    fn a_condition_that_ends_in_quiet_hours_is_never_notified() {
        let mut state = AlertState::default();
        let night = at("2027-01-14T21:00:00Z");
        let transitions = state.update(vec![condition(AlertKind::NoData, "a")], &listed(), night);
        assert!(state.notices(&transitions, &settings(), night).is_empty());
        let later = at("2027-01-14T23:00:00Z");
        let transitions = state.update(Vec::new(), &listed(), later);
        assert!(matches!(
            transitions.as_slice(),
            [Transition::Cleared {
                was_notified: false,
                ..
            }]
        ));
        let morning = at("2027-01-15T09:00:00Z");
        assert!(state.notices(&transitions, &settings(), morning).is_empty());
    }

    #[test]
    fn a_pause_holds_notifications_and_many_at_once_are_summed_up() {
        let mut state = AlertState::default();
        let noon = at("2027-01-14T11:00:00Z");
        let many: Vec<Condition> = (0..8)
            .map(|flow| condition(AlertKind::NoData, &format!("flow-{flow}")))
            .collect();
        let transitions = state.update(many.clone(), &listed(), noon);
        let mut paused = settings();
        paused.paused_until = Some(noon + chrono::Duration::hours(2));
        assert!(state.notices(&transitions, &paused, noon).is_empty());
        // After the pause: one check shows at most three notifications.
        let after = noon + chrono::Duration::hours(3);
        let transitions = state.update(many, &listed(), after);
        let notices = state.notices(&transitions, &settings(), after);
        assert_eq!(notices.len(), MAX_NOTICES_PER_CHECK);
        assert_eq!(
            notices.last(),
            Some(&Notice::More {
                raised: 6,
                recovered: 0
            })
        );
        // All eight count as notified: none comes again.
        assert!(state.notices(&[], &settings(), after).is_empty());
        assert!(state.active.values().all(|active| active.notified));
    }

    #[test]
    fn the_state_survives_a_restart() {
        let folder = std::env::temp_dir().join(format!("alert-state-{}", std::process::id()));
        let path = folder.join("alert-state.json");
        let mut state = AlertState::default();
        let noon = at("2027-01-14T11:00:00Z");
        let transitions = state.update(vec![condition(AlertKind::NoData, "a")], &listed(), noon);
        assert_eq!(state.notices(&transitions, &settings(), noon).len(), 1);
        state.save(&path).unwrap();
        let mut reopened = AlertState::load(&path);
        let transitions = reopened.update(vec![condition(AlertKind::NoData, "a")], &listed(), noon);
        assert!(transitions.is_empty());
        assert!(reopened.notices(&transitions, &settings(), noon).is_empty());
        std::fs::remove_dir_all(folder).unwrap();
    }
}
