//! `records`, `preview` and `replay`: what arrived, what failed and why, a dry run of a
//! Chatlio body, and re-sending failed records or bodies.

use std::path::{Path, PathBuf};

use platform::Client;
use serde_json::Value;
use setup::records::{self, Reveal};

use crate::{print_json, CliError, Settings};

/// `records`: the records Adobe stored (newest first of Adobe's 100-row sample) or,
/// with `failed`, the failed records of the last `days` days.
pub async fn records_command(
    global: &Settings,
    client: &Client,
    flow_id: &str,
    failed: bool,
    limit: usize,
    days: i64,
    reveal: bool,
) -> Result<(), CliError> {
    let reveal = if reveal {
        Reveal::Shown
    } else {
        Reveal::Masked
    };
    if failed {
        let mut found = records::failed_records(client, flow_id, days, reveal).await?;
        let replayed = replay_log(global)
            .replayed(flow_id)
            .map_err(|error| CliError::Usage(format!("the replay list cannot be read: {error}")))?;
        found.records.truncate(limit);
        if global.json {
            let mut value = serde_json::to_value(&found).unwrap_or_default();
            value["replayed"] = serde_json::to_value(&replayed).unwrap_or_default();
            print_json(&value);
            return Ok(());
        }
        println!(
            "{} record(s) failed in the last {days} day(s) by Adobe's count; {} with Adobe's diagnostics shown.",
            found.counted,
            found.records.len()
        );
        if found.batches_without_diagnostics > 0 {
            println!(
                "{} batch(es) have no diagnostics: error diagnostics were off when they ran, or their hour is still open.",
                found.batches_without_diagnostics
            );
        }
        for record in &found.records {
            let when = replayed
                .get(&record.id)
                .map(|at| format!(" (re-sent {at})"))
                .unwrap_or_default();
            println!(
                "\n{}  run {}  {}{when}",
                record.id,
                record.run_started.as_deref().unwrap_or("-"),
                record.family.as_deref().unwrap_or("unreadable body"),
            );
            for error in &record.errors {
                println!(
                    "  {} {}: {}{}",
                    error.adobe_code.as_deref().unwrap_or("-"),
                    error.explanation,
                    error.message.as_deref().unwrap_or(""),
                    error
                        .field
                        .as_deref()
                        .map(|field| format!(" [field {field}]"))
                        .unwrap_or_default()
                );
                println!("    fix: {}", error.fix);
            }
            if reveal == Reveal::Shown {
                println!("  body: {}", record.payload);
            }
        }
        return Ok(());
    }
    let mut stored = records::stored_records(client, flow_id, &[], reveal).await?;
    stored.records.truncate(limit);
    if global.json {
        print_json(&stored);
        return Ok(());
    }
    println!(
        "Records as Adobe stored them in dataset {} (Adobe's preview returns up to 100; shown newest first{}):",
        stored.dataset_id,
        if reveal == Reveal::Masked { ", personal data masked; --reveal shows it" } else { "" }
    );
    if stored.records.is_empty() {
        println!("  none yet: a streamed record reaches the dataset after its hourly run closes (up to an hour).");
    }
    for record in &stored.records {
        println!(
            "  {}  {:<18}  {}  conversation {}",
            record.time.as_deref().unwrap_or("-"),
            record.kind.as_deref().unwrap_or("-"),
            record
                .visitor_email
                .as_deref()
                .or(record.visitor_id.as_deref())
                .unwrap_or("-"),
            record.conversation_id.as_deref().unwrap_or("-"),
        );
        if reveal == Reveal::Shown {
            println!("    {}", record.record);
        }
    }
    Ok(())
}

/// A Chatlio body from a file, or standard input for `-`.
fn read_payload(path: &Path) -> Result<Value, CliError> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|error| CliError::Usage(format!("standard input: {error}")))?;
        bytes
    } else {
        std::fs::read(path)
            .map_err(|error| CliError::Usage(format!("{}: {error}", path.display())))?
    };
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|error| CliError::Usage(format!("{} is not JSON: {error}", path.display())))?;
    if !value.is_object() {
        return Err(CliError::Usage(format!(
            "{} is not a JSON object; Chatlio posts one object per event",
            path.display()
        )));
    }
    Ok(value)
}

/// `preview`: what the dataflow's mapping makes of a body (a file, or one of the five
/// samples), without sending it. Exits 1 when the record would fail.
pub async fn preview_command(
    global: &Settings,
    client: &Client,
    flow_id: &str,
    payload: Option<&PathBuf>,
    sample: Option<&str>,
) -> Result<(), CliError> {
    let body = match (payload, sample) {
        (Some(path), None) => read_payload(path)?,
        (None, Some(kind)) => {
            let kind: chatlio::EventKind = kind
                .parse()
                .map_err(|_| CliError::Usage(format!("unknown event kind {kind:?}")))?;
            chatlio::documented_example(kind)
        }
        _ => {
            return Err(CliError::Usage(
                "give either --payload FILE or --sample KIND".into(),
            ))
        }
    };
    let preview = records::preview_payload(client, flow_id, &body).await?;
    if global.json {
        print_json(&preview);
    } else {
        println!(
            "Mapped by Adobe's Data Prep preview; required fields checked here (Adobe offers no dry-run validation for webhook bodies). Nothing was sent."
        );
        println!("kind: {}", preview.kind.as_deref().unwrap_or("-"));
        match serde_json::to_string_pretty(&preview.record) {
            Ok(text) => println!("{text}"),
            Err(error) => eprintln!("chatlio-aep: cannot print the record: {error}"),
        }
        for error in &preview.mapping_errors {
            println!("mapping error: {error}");
        }
        if preview.valid {
            println!("valid: Adobe would store this record.");
        } else {
            println!(
                "not valid: the record lacks {}; Adobe would count it as failed.",
                preview.missing_required.join(", ")
            );
        }
    }
    if preview.valid {
        Ok(())
    } else {
        Err(CliError::PreviewInvalid)
    }
}

fn replay_log(global: &Settings) -> records::ReplayLog {
    records::ReplayLog::new(global.layout().replays(storage::Mode::Real))
}

/// `replay`: re-sends failed records (all, or the chosen ids) or bodies from files to
/// the dataflow's URL. Failed records already re-sent from here are skipped unless
/// `again`.
pub async fn replay_command(
    global: &Settings,
    client: &Client,
    flow_id: &str,
    failed: bool,
    ids: &[String],
    payloads: &[PathBuf],
    again: bool,
) -> Result<(), CliError> {
    if !failed && ids.is_empty() && payloads.is_empty() {
        return Err(CliError::Usage(
            "give --failed, --id ID or --payload FILE".into(),
        ));
    }
    // Every file is read before anything is sent: a bad file sends nothing.
    let mut bodies: Vec<(String, Value)> = Vec::new();
    for path in payloads {
        bodies.push((path.display().to_string(), read_payload(path)?));
    }
    let log = replay_log(global);
    let mut record_ids = Vec::new();
    let mut skipped = Vec::new();
    let mut missing = Vec::new();
    if failed || !ids.is_empty() {
        let wanted = (!ids.is_empty()).then_some(ids);
        let (found, not_found) = records::failed_bodies(client, flow_id, wanted).await?;
        missing = not_found;
        let replayed = log
            .replayed(flow_id)
            .map_err(|error| CliError::Usage(format!("the replay list cannot be read: {error}")))?;
        for (id, body) in found {
            if replayed.contains_key(&id) && !again {
                skipped.push(id);
            } else {
                record_ids.push(id.clone());
                bodies.push((id, body));
            }
        }
    }
    if !missing.is_empty() && !ids.is_empty() {
        return Err(CliError::Usage(format!(
            "no failed record with a body Adobe kept: {} (see `records --failed`)",
            missing.join(", ")
        )));
    }
    let report = records::replay(client, flow_id, &bodies).await?;
    let remembered = log.remember(flow_id, &report, &record_ids);
    if global.json {
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        value["skippedAlreadyReplayed"] = serde_json::to_value(&skipped).unwrap_or_default();
        print_json(&value);
    } else {
        println!(
            "sent {}, accepted by Adobe {}; the hourly run counts them (see `status`).",
            report.sent, report.accepted
        );
        for item in report.items.iter().filter(|item| !item.accepted) {
            println!(
                "  refused {}: {}",
                item.label,
                item.error.as_deref().unwrap_or("-")
            );
        }
        if !skipped.is_empty() {
            println!(
                "skipped {} failed record(s) already re-sent from here (--again sends them again)",
                skipped.len()
            );
        }
    }
    remembered.map_err(|error| {
        CliError::Usage(format!(
            "the records were sent, but the replay list could not be saved: {error}"
        ))
    })?;
    if report.accepted < report.sent {
        return Err(CliError::ReplayRefused(report.sent - report.accepted));
    }
    Ok(())
}
