//! `check` and `watch`: the desktop app's alert rules evaluated once (for cron, a
//! systemd timer or a monitoring system) or on an interval, printing what changed.
//!
//! `check` exits like a monitoring plugin: 0 all is well, 1 a warning, 2 an alert, 3
//! nothing could be checked.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use setup::alerts::{AlertSettings, AlertState, CheckReport, Condition, Severity, Transition};
use setup::JournalStore;
use storage::Mode;

use crate::{print_json, CliError, Settings};

/// The rules: `--rules FILE`, else the ones the desktop app keeps in the shared data
/// folder (its Alerts panel), else the recommended ones. A `--rules` file that is
/// not there is an error: a mistyped path must not check by other rules.
pub fn rules(global: &Settings, file: Option<&PathBuf>) -> Result<AlertSettings, CliError> {
    if let Some(path) = file {
        std::fs::metadata(path)
            .map_err(|error| CliError::Usage(format!("rules file {}: {error}", path.display())))?;
    }
    let path = file
        .cloned()
        .unwrap_or_else(|| global.layout().alert_rules(Mode::Real));
    AlertSettings::load(&path)
        .map_err(|error| CliError::Usage(format!("{}: {error}", path.display())))
}

/// One check, drift included unless `no_drift`.
async fn run_check(
    global: &Settings,
    settings: &AlertSettings,
    name: Option<&str>,
    no_drift: bool,
) -> Result<CheckReport, CliError> {
    let now = Utc::now();
    let client = match crate::client(global, &global.sandbox).await {
        Ok(client) => client,
        Err(error) => {
            return match lost_connection(&error) {
                Some(code) => Ok(CheckReport {
                    checked_at: now,
                    sandbox: global.sandbox.clone(),
                    conditions: setup::alerts::evaluate::connection_condition(
                        &code,
                        &error.to_string(),
                        settings,
                    )
                    .into_iter()
                    .collect(),
                    statuses: Vec::new(),
                    coverage: setup::alerts::Coverage {
                        connection_tried: true,
                        ..setup::alerts::Coverage::default()
                    },
                    unreachable: None,
                }),
                None => Err(error),
            }
        }
    };
    let journals: Vec<setup::Journal> = if no_drift {
        Vec::new()
    } else {
        let store = JournalStore::new(global.layout().journals(Mode::Real));
        store
            .list()
            .map_err(|error| CliError::Usage(format!("setup journals unreadable: {error}")))?
            .into_iter()
            .filter_map(|journal| match journal {
                Ok(journal) => Some(journal),
                Err(error) => {
                    eprintln!("chatlio-aep: warning: a journal was skipped: {error}");
                    None
                }
            })
            .collect()
    };
    Ok(setup::alerts::check(
        &client,
        &global.timing,
        settings,
        (!no_drift).then_some(journals.as_slice()),
        name,
        now,
    )
    .await)
}

/// The code of a failure to make a client that only the user can fix (a secret no
/// longer accepted or no longer in the keychain); `None` for anything else.
fn lost_connection(error: &CliError) -> Option<String> {
    match error {
        CliError::Platform(platform) if setup::alerts::evaluate::connection_lost(platform) => {
            Some(platform.code().as_str().to_owned())
        }
        CliError::Connect(connect) => match connect.platform_error() {
            Some(platform) if setup::alerts::evaluate::connection_lost(platform) => {
                Some(platform.code().as_str().to_owned())
            }
            Some(_) => None,
            None => connect
                .code()
                .means_credential_lost()
                .then(|| connect.code().as_str().to_owned()),
        },
        _ => None,
    }
}

fn line(condition: &Condition) -> String {
    format!(
        "{:<7} {:<14} {}",
        condition.severity.as_str(),
        condition.kind.as_str(),
        condition.summary
    )
}

/// `check`: prints each condition and returns the verdict as the error that sets
/// the exit code (1 warning, 2 alert); `Ok` when all is well.
pub async fn check_command(
    global: &Settings,
    name: Option<&str>,
    rules_file: Option<&PathBuf>,
    no_drift: bool,
) -> Result<(), CliError> {
    let settings = rules(global, rules_file)?;
    let report = run_check(global, &settings, name, no_drift).await?;
    if let Some(reason) = &report.unreachable {
        return Err(CliError::CheckUnknown(format!(
            "Adobe could not be read: {reason}"
        )));
    }
    // A mistyped `--name` must not read as "all is well" for ever.
    if let Some(name) = name {
        if report.statuses.is_empty() && report.conditions.is_empty() {
            return Err(CliError::CheckUnknown(format!(
                "no dataflow of setup {name:?} in sandbox {:?}: nothing was checked",
                report.sandbox
            )));
        }
    }
    let worst = report.worst();
    if global.json {
        print_json(&serde_json::json!({
            "verdict": worst.map_or("ok", Severity::as_str),
            "checkedAt": report.checked_at,
            "sandbox": report.sandbox,
            "dataflows": report.statuses.len(),
            "conditions": report.conditions,
        }));
    } else {
        match worst {
            None => println!(
                "ok: {} dataflow(s) in sandbox {:?}, no condition",
                report.statuses.len(),
                report.sandbox
            ),
            Some(severity) => {
                println!(
                    "{}: {} condition(s) in sandbox {:?}",
                    severity.as_str(),
                    report.conditions.len(),
                    report.sandbox
                );
                for condition in &report.conditions {
                    println!("  {}", line(condition));
                }
            }
        }
    }
    match worst {
        None => Ok(()),
        Some(severity) => Err(CliError::CheckFound(severity)),
    }
}

/// `watch`: a check every `interval`, printing only what started and ended (one line
/// each, or one JSON object per line), until interrupted or after `max_checks`.
/// Adobe not answering doubles the wait, up to an hour.
pub async fn watch_command(
    global: &Settings,
    name: Option<&str>,
    rules_file: Option<&PathBuf>,
    interval: Duration,
    max_checks: Option<u64>,
) -> Result<(), CliError> {
    let settings = rules(global, rules_file)?;
    let mut state = AlertState::default();
    let mut round: u64 = 0;
    let mut failures: u32 = 0;
    loop {
        // Drift reads every resource: on the app's cadence.
        let with_drift = setup::alerts::drift_round(round);
        round += 1;
        let wait = match run_check(global, &settings, name, !with_drift).await {
            Ok(report) if report.unreachable.is_none() => {
                failures = 0;
                let transitions =
                    state.update(report.conditions, &report.coverage, report.checked_at);
                for transition in &transitions {
                    print_transition(global, transition, report.checked_at);
                }
                interval
            }
            Ok(report) => {
                failures = failures.saturating_add(1);
                eprintln!(
                    "chatlio-aep: {}: Adobe could not be read ({}); next check later",
                    report.checked_at.to_rfc3339(),
                    report.unreachable.unwrap_or_default()
                );
                setup::alerts::next_delay(interval, failures)
            }
            Err(error @ CliError::Usage(_)) => return Err(error),
            Err(error) => {
                failures = failures.saturating_add(1);
                eprintln!("chatlio-aep: check failed: {error}; next check later");
                setup::alerts::next_delay(interval, failures)
            }
        };
        if max_checks.is_some_and(|most| round >= most) {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            signal = tokio::signal::ctrl_c() => {
                if let Err(error) = signal {
                    eprintln!("chatlio-aep: cannot wait for Ctrl-C: {error}");
                }
                return Ok(());
            }
        }
    }
}

fn print_transition(global: &Settings, transition: &Transition, at: chrono::DateTime<Utc>) {
    if global.json {
        match serde_json::to_string(&serde_json::json!({"at": at, "transition": transition})) {
            Ok(text) => println!("{text}"),
            Err(error) => eprintln!("chatlio-aep: cannot encode a transition: {error}"),
        }
        return;
    }
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match transition {
        Transition::Raised { condition } => println!("{at} raised  {}", line(condition)),
        Transition::Cleared { condition, .. } => println!("{at} cleared {}", line(condition)),
    }
}
