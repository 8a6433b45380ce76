//! Alerts in the desktop app: the rules the user sets per setup, the check
//! that runs in the background while the window is closed, and what it
//! tells the tray and the notifications. The shell only runs [`Watcher`] on
//! its timer and shows what it returns.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use setup::alerts::{
    AlertRules, AlertSettings, AlertState, Condition, Notice, Severity, Transition,
};
use ts_rs::TS;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::state::{Session, Shared};

/// How often the background check runs against Adobe: runs are hourly, so
/// a few minutes is as fresh as the data can be.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Practice mode's runs are a minute long; its checks keep pace.
pub const PRACTICE_CHECK_INTERVAL: Duration = Duration::from_secs(20);
/// Overrides the interval (whole seconds): for tests and for users who
/// want fewer requests.
pub const CHECK_INTERVAL_VARIABLE: &str = "CHATLIO_AEP_CHECK_SECS";

/// The rules on the Alerts panel.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertSettingsView {
    pub settings: AlertSettings,
    /// What a setup without rules of its own gets, to reset a form to.
    pub recommended: AlertRules,
    /// Every time zone name the rules accept, for the form's list.
    pub time_zones: Vec<String>,
    /// Which of the alerts keep working while this computer is off (Adobe's
    /// own), and where to turn them on.
    pub adobe_alerts: AdobeAlertsView,
}

/// What Adobe offers for this kind of dataflow, as its documentation says
/// (help/sources/tutorials/ui/alerts.md, help/observability/alerts/rules.md,
/// help/observability/alerts/subscribe.md): alerts for sources are
/// subscribed per dataflow in Adobe's UI or through Adobe I/O Events, the
/// docs say streaming sources are not yet supported, and no API tells
/// whether a subscription is on. The UI says this plainly.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AdobeAlertsView {
    /// `documented_unsupported`: Adobe's docs exclude streaming sources.
    pub streaming_support: String,
    /// Whether an API can tell if a subscription is on: Adobe documents none.
    pub subscription_readable: bool,
}

/// Reads the rules of the session's mode (real or practice).
pub fn load_settings(state: &Shared, practice: bool) -> CommandResult<AlertSettings> {
    let path = state
        .layout()
        .alert_rules(storage::Mode::from_practice(practice));
    AlertSettings::load(&path).map_err(|error| settings_error(&error))
}

fn settings_error(error: &setup::alerts::rules::SettingsError) -> CommandError {
    use setup::alerts::rules::SettingsError;
    match error {
        SettingsError::Invalid { errors, .. } => {
            let mut out = CommandError::from_fields(
                errors.iter().map(|problem| (problem.field, problem.code.clone())),
            );
            out.message = error.to_string();
            out
        }
        _ => CommandError::internal(error).with_hint(
            "The alert rules file in the app's data folder is damaged; move it away to start from the recommended rules.",
        ),
    }
}

fn view(settings: AlertSettings) -> AlertSettingsView {
    AlertSettingsView {
        recommended: AlertRules::recommended(&settings.defaults.business_hours.time_zone),
        settings,
        time_zones: chrono_tz::TZ_VARIANTS
            .iter()
            .map(|zone| zone.name().to_owned())
            .collect(),
        adobe_alerts: AdobeAlertsView {
            streaming_support: "documented_unsupported".to_owned(),
            subscription_readable: false,
        },
    }
}

/// The alert rules of the connected mode.
pub async fn alert_settings(state: &Shared) -> CommandResult<AlertSettingsView> {
    let session = state.session().await?;
    load_settings(state, session.practice).map(view)
}

/// Saves one setup's rules (`setup: None`: the defaults every setup
/// without its own gets). Every bad field is refused with its own problem,
/// and nothing is written.
pub async fn save_alert_rules(
    state: &Shared,
    setup: Option<String>,
    rules: AlertRules,
) -> CommandResult<AlertSettingsView> {
    let session = state.session().await?;
    if let Err(errors) = rules.validate() {
        return Err(CommandError::from_fields(
            errors
                .into_iter()
                .map(|problem| (problem.field, problem.code)),
        ));
    }
    let _writing = state.alerts.lock().await;
    let mut settings = load_settings(state, session.practice)?;
    match setup {
        Some(name) => {
            settings.setups.insert(name, rules);
        }
        None => settings.defaults = rules,
    }
    save(state, &session, &settings)?;
    Ok(view(settings))
}

/// Drops a setup's own rules: it gets the defaults again.
pub async fn reset_alert_rules(state: &Shared, setup: String) -> CommandResult<AlertSettingsView> {
    let session = state.session().await?;
    let _writing = state.alerts.lock().await;
    let mut settings = load_settings(state, session.practice)?;
    settings.setups.remove(&setup);
    save(state, &session, &settings)?;
    Ok(view(settings))
}

/// Pauses notifications for `hours` (conditions are still tracked; those
/// still holding are notified when the pause ends); `None` resumes them.
pub async fn pause_alerts(state: &Shared, hours: Option<u32>) -> CommandResult<AlertSettingsView> {
    let session = state.session().await?;
    let until = match hours {
        None => None,
        Some(0) | Some(169..) => {
            return Err(CommandError::new(
                AppErrorCode::InvalidInput,
                "a pause lasts between 1 and 168 hours",
            ))
        }
        Some(hours) => Some(Utc::now() + chrono::Duration::hours(i64::from(hours))),
    };
    let _writing = state.alerts.lock().await;
    let mut settings = load_settings(state, session.practice)?;
    settings.paused_until = until;
    save(state, &session, &settings)?;
    Ok(view(settings))
}

fn save(state: &Shared, session: &Session, settings: &AlertSettings) -> CommandResult<()> {
    let path = state
        .layout()
        .alert_rules(storage::Mode::from_practice(session.practice));
    settings.save(&path).map_err(|error| settings_error(&error))
}

/// One background check's outcome, for the tray, the notifications and the
/// dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertCheckView {
    pub checked_at: String,
    /// The worst of the conditions that hold; `None`: all is well.
    pub worst: Option<Severity>,
    /// Every condition that holds, most severe first.
    pub conditions: Vec<Condition>,
    /// The notifications to show now (already counted as shown).
    pub notices: Vec<Notice>,
    /// Why nothing could be checked (Adobe or the network did not answer);
    /// the check backs off.
    pub unreachable: Option<String>,
    pub paused_until: Option<String>,
    /// False when no connection or sandbox is chosen yet: nothing to watch.
    pub watching: bool,
}

/// Runs the background checks: one [`Watcher::tick`] per timer round.
/// Holds only the round count and the back-off; the conditions live in
/// the data folder.
#[derive(Debug, Default)]
pub struct Watcher {
    round: u64,
    failures: u32,
}

impl Watcher {
    pub fn new() -> Watcher {
        Watcher::default()
    }

    /// The wait before the next check: the mode's interval, backing off
    /// while Adobe does not answer (`setup::alerts::next_delay`).
    pub fn next_delay(&self, practice: bool) -> Duration {
        setup::alerts::next_delay(interval(practice), self.failures)
    }

    /// One check of the connected sandbox at `now`: conditions updated and
    /// saved, notifications due returned. Drift on the rounds
    /// `setup::alerts::drift_round` names.
    pub async fn tick(&mut self, state: &Shared, now: DateTime<Utc>) -> AlertCheckView {
        let with_drift = setup::alerts::drift_round(self.round);
        self.round += 1;
        match check(state, now, with_drift).await {
            Ok(view) => {
                if view.unreachable.is_some() {
                    self.failures = self.failures.saturating_add(1);
                } else {
                    self.failures = 0;
                }
                view
            }
            Err(error) => {
                tracing::warn!(code = ?error.code, "background check not run");
                AlertCheckView {
                    checked_at: now.to_rfc3339(),
                    worst: None,
                    conditions: Vec::new(),
                    notices: Vec::new(),
                    unreachable: None,
                    paused_until: None,
                    watching: false,
                }
            }
        }
    }
}

/// The interval for `practice` mode, or the one `CHATLIO_AEP_CHECK_SECS`
/// asks for.
pub fn interval(practice: bool) -> Duration {
    std::env::var(CHECK_INTERVAL_VARIABLE)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .unwrap_or(if practice {
            PRACTICE_CHECK_INTERVAL
        } else {
            CHECK_INTERVAL
        })
}

/// One check now (the tray's "Refresh now" and the timer): reads the
/// sandbox, evaluates every setup's rules, updates the saved conditions and
/// returns the notifications due.
pub async fn check(
    state: &Shared,
    now: DateTime<Utc>,
    with_drift: bool,
) -> CommandResult<AlertCheckView> {
    let session = state.session().await?;
    let mode = storage::Mode::from_practice(session.practice);
    let settings = load_settings(state, session.practice)?;
    let sandbox_client = match session.sandbox.as_deref() {
        None => {
            return Err(CommandError::new(
                AppErrorCode::NoSandbox,
                "no sandbox chosen",
            ));
        }
        Some(sandbox) => session.client(sandbox).await,
    };
    let journals = if with_drift {
        Some(journals(state, &session))
    } else {
        None
    };
    let report = match sandbox_client {
        Ok(client) => {
            setup::alerts::check(
                &client,
                &session.timing(),
                &settings,
                journals.as_deref(),
                None,
                now,
            )
            .await
        }
        // No client at all: the keychain lost the secret, or the saved
        // sign-in can no longer be renewed.
        Err(error) => lost_connection(&error, &settings, now),
    };
    let _writing = state.alerts.lock().await;
    let path = state.layout().alert_state(mode);
    let mut alert_state = AlertState::load(&path);
    let transitions = alert_state.update(report.conditions.clone(), &report.coverage, now);
    let notices = alert_state.notices(&transitions, &settings, now);
    for transition in &transitions {
        log_transition(transition);
    }
    if let Err(error) = alert_state.save(&path) {
        tracing::warn!(%error, "alert state not saved; a notification may repeat");
    }
    let conditions: Vec<Condition> = {
        let mut held: Vec<Condition> = alert_state
            .active
            .into_values()
            .map(|active| active.condition)
            .collect();
        setup::alerts::evaluate::sort(&mut held);
        held
    };
    Ok(AlertCheckView {
        checked_at: now.to_rfc3339(),
        worst: setup::alerts::evaluate::worst(&conditions),
        conditions,
        notices,
        unreachable: report.unreachable,
        paused_until: settings.paused_until.map(|until| until.to_rfc3339()),
        watching: true,
    })
}

fn log_transition(transition: &Transition) {
    let condition = transition.condition();
    match transition {
        Transition::Raised { .. } => {
            tracing::info!(
                kind = condition.kind.as_str(),
                severity = condition.severity.as_str(),
                "alert raised"
            );
        }
        Transition::Cleared { .. } => {
            tracing::info!(kind = condition.kind.as_str(), "alert cleared");
        }
    }
}

/// The report of a check whose client could not be made: a connection
/// condition when the cause is the credential, else nothing known.
fn lost_connection(
    error: &CommandError,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> setup::alerts::CheckReport {
    use crate::error::ErrorCode;
    // The same rule as a failed status read and the CLI's check.
    let lost = match error.code {
        ErrorCode::Platform(code) => setup::alerts::evaluate::code_means_connection_lost(code),
        ErrorCode::Connect(code) => code.means_credential_lost(),
        ErrorCode::App(_) | ErrorCode::Setup(_) => false,
    };
    let code = serde_json::to_value(error.code)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let conditions: Vec<Condition> = if lost {
        setup::alerts::evaluate::connection_condition(&code, &error.message, settings)
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    setup::alerts::CheckReport {
        checked_at: now,
        sandbox: String::new(),
        conditions,
        statuses: Vec::new(),
        coverage: setup::alerts::Coverage {
            connection_tried: lost,
            ..setup::alerts::Coverage::default()
        },
        unreachable: (!lost).then(|| error.message.clone()),
    }
}

/// The journals of the session's mode that can be read; a damaged one only
/// costs its setup's drift check.
fn journals(state: &Shared, session: &Session) -> Vec<setup::Journal> {
    let store = setup::JournalStore::new(state.journal_dir(session.practice));
    match store.list() {
        Ok(list) => list
            .into_iter()
            .filter_map(|journal| {
                journal
                    .map_err(|error| tracing::warn!(%error, "journal unreadable; its drift is not checked"))
                    .ok()
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "journals unreadable; drift is not checked");
            Vec::new()
        }
    }
}

/// A notification in words, for the operating system (the window may be
/// closed, so the shell cannot ask the UI to word it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NoticeText {
    pub title: String,
    pub body: String,
    /// The dataflow a click opens, when it is about one.
    pub flow_id: Option<String>,
}

/// The UI's own catalogs, so a notification says what the screen would.
const CATALOGS: [(&str, &str); 2] = [
    ("en", include_str!("../../../ui/src/locales/en/alerts.json")),
    ("sv", include_str!("../../../ui/src/locales/sv/alerts.json")),
];

fn catalog_text(language: &str, path: &[&str]) -> String {
    let lookup = |language: &str| -> Option<String> {
        let (_, text) = CATALOGS.iter().find(|(name, _)| *name == language)?;
        let catalog: serde_json::Value = serde_json::from_str(text).ok()?;
        let mut node = &catalog;
        for key in path {
            node = node.get(key)?;
        }
        node.as_str().map(str::to_owned)
    };
    lookup(language)
        .or_else(|| lookup("en"))
        .unwrap_or_else(|| path.join("."))
}

fn fill(template: String, values: &[(&str, String)]) -> String {
    values.iter().fold(template, |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

/// The words of `notice` in `language` (`en` or `sv`; English otherwise).
pub fn notice_text(notice: &Notice, language: &str) -> NoticeText {
    let language = if language.starts_with("sv") {
        "sv"
    } else {
        "en"
    };
    let subject = |condition: &Condition| -> String {
        condition
            .flow_name
            .clone()
            .or_else(|| condition.setup.clone())
            .unwrap_or_else(|| catalog_text(language, &["notice", "connectionSubject"]))
    };
    match notice {
        Notice::Raised { condition } => {
            let kind = condition.kind.as_str();
            let figures = &condition.figures;
            let number = |value: Option<u32>| value.unwrap_or_default().to_string();
            let values = [
                ("flow", subject(condition)),
                ("setup", condition.setup.clone().unwrap_or_default()),
                ("hours", number(figures.silent_hours)),
                ("failed", number(figures.failed)),
                ("received", number(figures.received)),
                ("count", number(figures.drifted)),
                ("code", figures.error_code.clone().unwrap_or_default()),
            ];
            NoticeText {
                title: fill(catalog_text(language, &["notice", kind, "title"]), &values),
                body: fill(catalog_text(language, &["notice", kind, "body"]), &values),
                flow_id: condition.flow_id.clone(),
            }
        }
        Notice::Recovered { condition } => NoticeText {
            title: fill(
                catalog_text(language, &["notice", "recovered", "title"]),
                &[("subject", subject(condition))],
            ),
            body: catalog_text(language, &["notice", "recovered", condition.kind.as_str()]),
            flow_id: condition.flow_id.clone(),
        },
        Notice::More { raised, recovered } => NoticeText {
            title: catalog_text(language, &["notice", "more", "title"]),
            body: fill(
                catalog_text(language, &["notice", "more", "body"]),
                &[
                    ("raised", raised.to_string()),
                    ("recovered", recovered.to_string()),
                ],
            ),
            flow_id: None,
        },
    }
}

/// A tray menu item or tooltip in `language`.
pub fn tray_text(language: &str, key: &str) -> String {
    let language = if language.starts_with("sv") {
        "sv"
    } else {
        "en"
    };
    catalog_text(language, &["tray", key])
}

/// The tray's tooltip for a check: how many conditions hold, or why
/// nothing is known.
pub fn tray_tooltip(view: &AlertCheckView, language: &str) -> String {
    let count = |severity: Severity| {
        view.conditions
            .iter()
            .filter(|condition| condition.severity == severity)
            .count()
            .to_string()
    };
    let text = if !view.watching {
        tray_text(language, "idle")
    } else if view.unreachable.is_some() {
        tray_text(language, "unreachable")
    } else {
        match view.worst {
            None => tray_text(language, "ok"),
            Some(severity) => fill(
                tray_text(language, severity.as_str()),
                &[("count", count(severity))],
            ),
        }
    };
    if view.paused_until.is_some() {
        text + &tray_text(language, "paused")
    } else {
        text
    }
}

/// The language notifications are worded in: the one the UI last reported,
/// else the operating system's.
pub fn notice_language(state: &Shared) -> String {
    state
        .language
        .lock()
        .ok()
        .and_then(|language| language.clone())
        .or_else(sys_locale::get_locale)
        .unwrap_or_else(|| "en".to_owned())
}

/// The UI reports the language it shows, for the notifications.
pub async fn set_language(state: &Shared, language: String) -> CommandResult<()> {
    if !matches!(language.as_str(), "en" | "sv") {
        return Err(CommandError::new(
            AppErrorCode::InvalidInput,
            format!("no catalog for language {language:?}"),
        ));
    }
    let mut current = state
        .language
        .lock()
        .map_err(|_| CommandError::internal("language lock poisoned"))?;
    *current = Some(language);
    Ok(())
}

/// The last background check, for a screen that opens after it ran.
pub async fn last_alert_check(state: &Shared) -> CommandResult<Option<AlertCheckView>> {
    state
        .last_alert_check
        .lock()
        .map(|last| last.clone())
        .map_err(|_| CommandError::internal("last check lock poisoned"))
}

/// Keeps `view` as the last check, for [`last_alert_check`].
pub fn remember_check(state: &Shared, view: &AlertCheckView) {
    match state.last_alert_check.lock() {
        Ok(mut last) => *last = Some(view.clone()),
        Err(_) => tracing::error!("last check lock poisoned"),
    }
}

/// Asks the background check to run now (the dashboard's and the tray's
/// "Refresh now"); it reports through its usual event.
pub async fn check_alerts_now(state: &Shared) -> CommandResult<()> {
    state.alert_refresh.notify_one();
    Ok(())
}

/// Whether the app starts, in the tray, when the user logs in.
pub async fn start_at_login(desktop: &dyn crate::Desktop) -> CommandResult<bool> {
    desktop
        .start_at_login()
        .map_err(|error| CommandError::new(AppErrorCode::AutostartFailed, error))
}

pub async fn set_start_at_login(
    desktop: &dyn crate::Desktop,
    enabled: bool,
) -> CommandResult<bool> {
    desktop
        .set_start_at_login(enabled)
        .map_err(|error| CommandError::new(AppErrorCode::AutostartFailed, error))?;
    start_at_login(desktop).await
}

/// Opens a dataflow's page in Adobe's UI (its runs, and the menu where
/// Adobe's own alerts are subscribed). The address is the one Adobe's alert
/// payloads link to (help/observability/alerts/rules.md).
pub async fn open_adobe_dataflow(
    state: &Shared,
    desktop: &dyn crate::Desktop,
    flow_id: String,
) -> CommandResult<()> {
    let (session, client) = state.sandbox_client().await?;
    let url = adobe_dataflow_url(&session.org_id, client.sandbox().as_str(), &flow_id)?;
    desktop.open_in_browser(&url).map_err(|error| {
        CommandError::new(AppErrorCode::OpenFailed, error)
            .with_hint(format!("Open {url} in your browser."))
    })
}

/// A dataflow's activity page in Adobe's UI: the link
/// `setup::handoff::adobe_link` builds (one place for the rule, shared with
/// the setup record), refused for an id that is not a plain identifier (it
/// goes into a URL the browser opens).
pub fn adobe_dataflow_url(org_id: &str, sandbox: &str, flow_id: &str) -> CommandResult<String> {
    setup::handoff::adobe_link(org_id, sandbox, setup::StepId::Dataflow, flow_id).ok_or_else(|| {
        CommandError::new(
            AppErrorCode::InvalidInput,
            "not a dataflow, organization or sandbox identifier",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use setup::alerts::{AlertKind, Figures};

    fn silent() -> Condition {
        Condition {
            key: "no_data:shop:flow-1".to_owned(),
            kind: AlertKind::NoData,
            severity: Severity::Alert,
            setup: Some("shop".to_owned()),
            flow_id: Some("flow-1".to_owned()),
            flow_name: Some("shop - new conversation".to_owned()),
            figures: Figures {
                silent_hours: Some(5),
                limit_hours: Some(4),
                ..Figures::default()
            },
            summary: String::new(),
        }
    }

    #[test]
    fn notifications_are_worded_from_the_uis_catalogs_in_both_languages() {
        let raised = Notice::Raised {
            condition: silent(),
        };
        let english = notice_text(&raised, "en-GB");
        assert_eq!(english.title, "No Chatlio data: shop - new conversation");
        assert!(
            english.body.contains("5 business hours"),
            "{}",
            english.body
        );
        assert_eq!(english.flow_id.as_deref(), Some("flow-1"));
        let swedish = notice_text(&raised, "sv-SE");
        assert!(swedish.body.contains("5 arbetstimmar"), "{}", swedish.body);
        let recovered = notice_text(
            &Notice::Recovered {
                condition: silent(),
            },
            "en",
        );
        assert_eq!(recovered.body, "Data arrives again.");
        let more = notice_text(
            &Notice::More {
                raised: 4,
                recovered: 1,
            },
            "fr",
        );
        assert!(more.body.starts_with("4 more started, 1 more recovered"));
        // Every kind has its words in both catalogs: no key shows through.
        for kind in [
            AlertKind::Connection,
            AlertKind::Disabled,
            AlertKind::NoData,
            AlertKind::FailedRecords,
            AlertKind::Drift,
        ] {
            for language in ["en", "sv"] {
                let condition = Condition { kind, ..silent() };
                for notice in [
                    Notice::Raised {
                        condition: condition.clone(),
                    },
                    Notice::Recovered { condition },
                ] {
                    let text = notice_text(&notice, language);
                    assert!(!text.title.contains("notice."), "{text:?}");
                    assert!(!text.body.contains("notice."), "{text:?}");
                    assert!(!text.title.contains('{'), "{text:?}");
                    assert!(!text.body.contains('{'), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn the_adobe_link_takes_only_identifiers() {
        assert_eq!(
            adobe_dataflow_url("ORG@AdobeOrg", "prod", "0a1b-2c").unwrap(),
            "https://experience.adobe.com/#/@ORG@AdobeOrg/sname:prod/platform/source/dataflows/0a1b-2c/activity"
        );
        assert!(adobe_dataflow_url("ORG@AdobeOrg", "prod", "x/../y").is_err());
        assert!(adobe_dataflow_url("ORG@AdobeOrg", "prod", "").is_err());
    }
}
