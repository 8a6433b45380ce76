//! Config as code: `export` writes a setup's choices as a file, `plan -f`
//! shows what applying one would create, keep, change or find in the way, and
//! `apply -f` makes it so (or does nothing and says why). `--sandbox` on the
//! command line applies a file to another sandbox: promotion.
//!
//! Exit codes of `plan -f` and `apply -f` (README): 0 no changes, 10 changes
//! pending (plan) or applied (apply), 11 drift or a change the file cannot
//! make in place (nothing is applied then).

use std::path::Path;

use setup::setup_diff::{self, EntryAction, SetupDiff, Verdict};
use setup::setup_file::{self, SetupFile};
use setup::{JournalStore, Repair, SetupError, SetupRequest};
use storage::Mode;

use crate::{print_json, CliError, Settings};

/// Exit codes of `plan -f` and `apply -f` beyond 0, clear of the others'.
pub const CHANGES: u8 = 10;
pub const DRIFT: u8 = 11;

pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::NoChanges => crate::exit::OK,
        Verdict::Changes => CHANGES,
        Verdict::Drift => DRIFT,
    }
}

/// `export --name NAME`: the journal's request as a setup file, on stdout.
/// Only the data folder is read; the journal's sandbox is the file's.
pub fn export_command(global: &Settings, name: &str) -> Result<(), CliError> {
    let store = JournalStore::new(global.layout().journals(Mode::Real));
    let journal = store
        .load(name)
        .map_err(SetupError::from)?
        .ok_or_else(|| SetupError::UnknownSetup(name.to_owned()))?;
    // A journal from before requests were kept cannot say what was chosen.
    let request = journal
        .request
        .ok_or_else(|| SetupError::UnknownSetup(name.to_owned()))?;
    let text = SetupFile::from_request(&request)
        .to_json()
        .map_err(SetupError::from)?;
    print!("{text}");
    Ok(())
}

/// Whether `--sandbox` was given on the command line. Only the flag moves a
/// file to another sandbox: `CHATLIO_AEP_SANDBOX` or a `--config` file left
/// set for other commands must not silently promote a setup.
fn sandbox_flag_given() -> bool {
    use clap::CommandFactory;
    crate::Cli::command()
        .try_get_matches_from(std::env::args_os())
        .ok()
        .and_then(|matches| {
            // A global flag given after the subcommand is recorded there.
            let source = |matches: &clap::ArgMatches| matches.value_source("sandbox");
            source(&matches).or_else(|| matches.subcommand().and_then(|(_, sub)| source(sub)))
        })
        .is_some_and(|source| source == clap::parser::ValueSource::CommandLine)
}

/// The request a setup file describes, with `--name` and `--sandbox`
/// (promotion) applied on top and checked by the same rules.
pub fn file_request(
    global: &Settings,
    path: &Path,
    name: Option<&String>,
) -> Result<SetupRequest, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| CliError::Usage(format!("cannot read {}: {error}", path.display())))?;
    let mut request = setup_file::parse(&text).map_err(|errors| CliError::SetupFile {
        path: path.display().to_string(),
        errors,
    })?;
    let sandbox = sandbox_flag_given().then(|| global.sandbox.clone());
    if name.is_some() || sandbox.is_some() {
        let renamed = SetupFile {
            name: name.cloned().unwrap_or(request.name.clone()),
            sandbox: sandbox.unwrap_or(request.sandbox.clone()),
            ..SetupFile::from_request(&request)
        };
        let text = renamed.to_json().map_err(SetupError::from)?;
        request = setup_file::parse(&text).map_err(|errors| CliError::SetupFile {
            path: "--name/--sandbox".into(),
            errors,
        })?;
    }
    Ok(request)
}

/// This setup's journal, when the data folder has one. Journals are kept by
/// setup name alone, so one in another org or sandbox is not this setup's:
/// promotion under the same name is refused and another name suggested
/// rather than mixing two setups in one journal.
fn journal_for(
    global: &Settings,
    request: &SetupRequest,
    org_id: &str,
) -> Result<Option<setup::Journal>, CliError> {
    let store = JournalStore::new(global.layout().journals(Mode::Real));
    let Some(journal) = store.load(&request.name).map_err(SetupError::from)? else {
        return Ok(None);
    };
    if journal.sandbox != request.sandbox || journal.org_id != org_id {
        return Err(CliError::Usage(format!(
            "the setup {:?} in this data folder is in sandbox {} (org {}); a setup name names one setup here, so apply the file to sandbox {} under another name, e.g. --name {:?}",
            request.name,
            journal.sandbox,
            journal.org_id,
            request.sandbox,
            format!("{} {}", request.name, request.sandbox)
        )));
    }
    Ok(Some(journal))
}

fn action_word(entry: &setup_diff::DiffEntry) -> &'static str {
    match (entry.action, entry.in_place) {
        (EntryAction::Create, _) => "create",
        (EntryAction::Keep, _) => "keep",
        (EntryAction::Change, true) => "change",
        (EntryAction::Change, false) => "change (refused)",
        (EntryAction::Conflict, _) => "conflict",
    }
}

fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::NoChanges => "no changes",
        Verdict::Changes => "changes pending",
        Verdict::Drift => "drift or a change the file cannot make in place",
    }
}

fn print_diff(diff: &SetupDiff) {
    println!(
        "Setup {:?} in sandbox {}: {}",
        diff.setup_name,
        diff.sandbox,
        verdict_words(diff.verdict)
    );
    for entry in &diff.entries {
        let what = match &entry.instance {
            Some(instance) => format!("{} ({instance})", entry.kind),
            None => entry.kind.to_owned(),
        };
        println!(
            "  {:<17} {:<28} {:?}: {}",
            action_word(entry),
            what,
            entry.name,
            entry.reason
        );
        for field in &entry.fields {
            println!(
                "  {:<17} {}: {} in Adobe, {} in the file",
                "", field.path, field.current, field.wanted
            );
        }
    }
    if !diff.settings.is_empty() {
        println!("Settings that differ from the existing setup (not changed in place):");
        for setting in &diff.settings {
            println!(
                "  {}: {} -> {}: {}",
                setting.path, setting.current, setting.wanted, setting.reason
            );
        }
    }
}

/// `plan -f FILE`: the diff, and its verdict as the exit code.
pub async fn plan_command(global: &Settings, request: &SetupRequest) -> Result<(), CliError> {
    let client = crate::client(global, &request.sandbox).await?;
    let journal = journal_for(global, request, client.org_id().as_str())?;
    let diff = setup_diff::diff(&client, journal.as_ref(), request).await?;
    if global.json {
        print_json(&diff);
    } else {
        print_diff(&diff);
    }
    match diff.verdict {
        Verdict::NoChanges => Ok(()),
        verdict => Err(CliError::Verdict(verdict)),
    }
}

/// `apply -f FILE`: pre-flight in the target sandbox, then the engine makes
/// what the diff says is missing (and enables a disabled dataflow). Nothing is
/// done when the file asks for something that cannot be made in place.
pub async fn apply_command(
    global: &Settings,
    request: &SetupRequest,
    show_urls: bool,
) -> Result<(), CliError> {
    let client = crate::client(global, &request.sandbox).await?;
    let journal = journal_for(global, request, client.org_id().as_str())?;
    let diff = setup_diff::diff(&client, journal.as_ref(), request).await?;
    let report = match diff.verdict {
        Verdict::NoChanges => None,
        _ => Some(setup::preflight::preflight(&client, request).await),
    };
    let preflight_failed = report.as_ref().is_some_and(|report| !report.ok);
    let refused = diff.verdict == Verdict::Drift;
    if preflight_failed || refused || diff.verdict == Verdict::NoChanges {
        if global.json {
            print_json(&serde_json::json!({"applied": false, "diff": diff, "preflight": report}));
        } else {
            print_diff(&diff);
            print_preflight_failures(report.as_ref());
            if refused && !preflight_failed {
                println!("Nothing was applied.");
            }
        }
        return if preflight_failed {
            Err(CliError::Preflight)
        } else if refused {
            Err(CliError::Verdict(Verdict::Drift))
        } else {
            Ok(())
        };
    }
    if !global.json {
        print_diff(&diff);
    }
    let engine = crate::engine(global, client);
    let mut outcome = engine.apply(request).await?;
    if diff.has_disabled_flow() {
        outcome = engine.repair(&request.name, &Repair::EnableFlow).await?;
    }
    if global.json {
        let mut view = serde_json::json!({
            "applied": true,
            "diff": diff,
            "setupName": outcome.setup_name,
            "complete": outcome.complete,
            "flowIds": outcome.flow_ids(),
        });
        if show_urls {
            view["webhookUrls"] = serde_json::json!(outcome.webhook_urls());
        }
        print_json(&view);
    } else {
        println!(
            "applied: setup {:?} in sandbox {} is {}",
            outcome.setup_name,
            request.sandbox,
            if outcome.complete {
                "complete"
            } else {
                "incomplete"
            }
        );
        if show_urls {
            for (kind, url) in outcome.webhook_urls() {
                println!(
                    "webhook URL for Chatlio's {} field: {}",
                    kind.code(),
                    url.as_str()
                );
            }
        } else {
            println!(
                "The webhook URLs are not shown: add --show-urls, or run `chatlio-aep --sandbox {} status --name {:?}`.",
                request.sandbox, outcome.setup_name
            );
        }
    }
    Err(CliError::Verdict(Verdict::Changes))
}

fn print_preflight_failures(report: Option<&setup::preflight::PreflightReport>) {
    let Some(report) = report else {
        return;
    };
    for check in report
        .checks
        .iter()
        .filter(|check| check.state == setup::preflight::CheckState::Failed)
    {
        println!("Pre-flight {}: {}", check.id, check.message);
        if let Some(hint) = &check.hint {
            println!("  fix: {hint}");
        }
    }
}
