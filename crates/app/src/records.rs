//! A dataflow's details: the records Adobe stored, the failed ones and why, a dry run
//! of a Chatlio body, and re-sending failed records or pasted bodies.
//!
//! Personal data reaches the UI masked; the whole record or body only on request
//! ([`reveal_record`], [`failed_payload`]), and none of it is logged or written to a
//! file (the replay list keeps record ids and times only).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use setup::records::{
    self, FailedRecords, PayloadPreview, ReplayLog, ReplayReport, Reveal, StoredRecords,
};
use ts_rs::TS;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::state::{Session, Shared};

fn platform_error(error: platform::PlatformError) -> CommandError {
    CommandError::from_platform(&error)
}

fn replay_log(state: &Shared, session: &Session) -> ReplayLog {
    ReplayLog::new(
        state
            .layout()
            .replays(storage::Mode::from_practice(session.practice)),
    )
}

fn log_error(error: std::io::Error) -> CommandError {
    CommandError::new(
        AppErrorCode::Internal,
        format!("the list of re-sent records cannot be read or saved: {error}"),
    )
}

/// Up to 100 records Adobe stored in the dataflow's dataset (Adobe's sample), newest
/// first, personal data masked.
pub async fn flow_records(state: &Shared, flow_id: String) -> CommandResult<StoredRecords> {
    let (_, client) = state.sandbox_client().await?;
    records::stored_records(&client, &flow_id, &[], Reveal::Masked)
        .await
        .map_err(platform_error)
}

/// One stored record whole, unmasked (read again from Adobe: nothing personal is kept
/// between calls).
pub async fn reveal_record(
    state: &Shared,
    flow_id: String,
    record_id: String,
) -> CommandResult<Value> {
    let (_, client) = state.sandbox_client().await?;
    let stored = records::stored_records(&client, &flow_id, &[], Reveal::Shown)
        .await
        .map_err(platform_error)?;
    stored
        .records
        .into_iter()
        .find(|record| record.id.as_deref() == Some(record_id.as_str()))
        .map(|record| record.record)
        .ok_or_else(|| {
            CommandError::new(
                AppErrorCode::RecordGone,
                "Adobe's preview no longer returns that record",
            )
        })
}

/// A failed record re-sent from this computer.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayedView {
    pub record_id: String,
    pub sent_at: String,
}

/// A dataflow's failed records of the last 30 days (Adobe keeps diagnostics that
/// long), with which were re-sent from here.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FailuresView {
    pub failed: FailedRecords,
    pub replayed: Vec<ReplayedView>,
}

pub async fn flow_failures(state: &Shared, flow_id: String) -> CommandResult<FailuresView> {
    let (session, client) = state.sandbox_client().await?;
    let failed = records::failed_records(
        &client,
        &flow_id,
        records::DIAGNOSTICS_RETENTION_DAYS,
        Reveal::Masked,
    )
    .await
    .map_err(platform_error)?;
    let replayed = replay_log(state, &session)
        .replayed(&flow_id)
        .map_err(log_error)?
        .into_iter()
        .map(|(record_id, sent_at)| ReplayedView { record_id, sent_at })
        .collect();
    Ok(FailuresView { failed, replayed })
}

/// A failed record's body as Adobe kept it, unmasked and pretty-printed, for the user
/// to correct before re-sending.
pub async fn failed_payload(
    state: &Shared,
    flow_id: String,
    record_id: String,
) -> CommandResult<String> {
    let (_, client) = state.sandbox_client().await?;
    let (mut bodies, _) = records::failed_bodies(&client, &flow_id, Some(&[record_id]))
        .await
        .map_err(platform_error)?;
    let (_, body) = bodies.pop().ok_or_else(|| {
        CommandError::new(
            AppErrorCode::RecordGone,
            "Adobe kept no body for that failed record",
        )
    })?;
    serde_json::to_string_pretty(&body).map_err(CommandError::internal)
}

/// A pasted body as JSON, or the error the UI shows under the text box.
fn parse_body(text: &str) -> CommandResult<Value> {
    let value: Value = serde_json::from_str(text).map_err(|error| {
        CommandError::new(
            AppErrorCode::BodyNotJson,
            format!("the body is not JSON: {error}"),
        )
    })?;
    if !value.is_object() {
        return Err(CommandError::new(
            AppErrorCode::BodyNotJson,
            "the body is not a JSON object; Chatlio posts one object per event",
        ));
    }
    Ok(value)
}

/// What the dataflow's mapping makes of a pasted body, without sending it.
pub async fn preview_payload(
    state: &Shared,
    flow_id: String,
    payload: String,
) -> CommandResult<PayloadPreview> {
    let body = parse_body(&payload)?;
    let (_, client) = state.sandbox_client().await?;
    records::preview_payload(&client, &flow_id, &body)
        .await
        .map_err(platform_error)
}

/// Chatlio's documented example body for `kind`, pretty-printed (for the dry run).
pub async fn sample_payload(kind: chatlio::EventKind) -> CommandResult<String> {
    serde_json::to_string_pretty(&chatlio::documented_example(kind)).map_err(CommandError::internal)
}

/// A failed record's body as the user corrected it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditedBody {
    pub record_id: String,
    pub payload: String,
}

/// What to re-send to a dataflow.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayRequest {
    pub flow_id: String,
    /// Failed records to re-send as Adobe kept them.
    #[serde(default)]
    pub record_ids: Vec<String>,
    /// Failed records to re-send as corrected.
    #[serde(default)]
    pub edited: Vec<EditedBody>,
    /// Bodies pasted by the user.
    #[serde(default)]
    pub pasted: Vec<String>,
    /// Re-send failed records that were re-sent from here before.
    #[serde(default)]
    pub again: bool,
}

/// Re-sends failed records (unchanged or corrected) and pasted bodies. Every body is
/// checked before anything is sent; a failed record already re-sent from here is
/// refused unless `again`, so none is sent twice by accident.
pub async fn replay_records(state: &Shared, request: ReplayRequest) -> CommandResult<ReplayReport> {
    let mut bodies: Vec<(String, Value)> = Vec::new();
    let mut record_ids: Vec<String> = Vec::new();
    for edited in &request.edited {
        bodies.push((edited.record_id.clone(), parse_body(&edited.payload)?));
        record_ids.push(edited.record_id.clone());
    }
    for (index, text) in request.pasted.iter().enumerate() {
        bodies.push((format!("pasted-{}", index + 1), parse_body(text)?));
    }
    let (session, client) = state.sandbox_client().await?;
    let log = replay_log(state, &session);
    let replayed = log.replayed(&request.flow_id).map_err(log_error)?;
    let unchanged: Vec<String> = request
        .record_ids
        .iter()
        .filter(|id| !record_ids.contains(id))
        .cloned()
        .collect();
    let already: Vec<&String> = unchanged
        .iter()
        .chain(record_ids.iter())
        .filter(|id| replayed.contains_key(*id))
        .collect();
    if !already.is_empty() && !request.again {
        return Err(CommandError::new(
            AppErrorCode::AlreadyReplayed,
            format!(
                "already re-sent from here: {}",
                already
                    .iter()
                    .map(|id| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_hint("Choose \"Send again\" to re-send them anyway."));
    }
    if !unchanged.is_empty() {
        let (found, missing) = records::failed_bodies(&client, &request.flow_id, Some(&unchanged))
            .await
            .map_err(platform_error)?;
        if !missing.is_empty() {
            return Err(CommandError::new(
                AppErrorCode::RecordGone,
                format!("Adobe kept no body for: {}", missing.join(", ")),
            ));
        }
        record_ids.extend(found.iter().map(|(id, _)| id.clone()));
        bodies.extend(found);
    }
    if bodies.is_empty() {
        return Err(CommandError::new(
            AppErrorCode::InvalidInput,
            "nothing to re-send",
        ));
    }
    let report = records::replay(&client, &request.flow_id, &bodies)
        .await
        .map_err(platform_error)?;
    log.remember(&request.flow_id, &report, &record_ids)
        .map_err(log_error)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_bodies_must_be_json_objects() {
        assert!(parse_body("{\"visitor\": {}}").is_ok());
        assert!(parse_body("[1]").is_err());
        assert!(parse_body("{broken").is_err());
    }
}
