//! What arrived and what failed, for one dataflow: the records Adobe stored in its
//! dataset, its failed records with their causes, a dry run of a Chatlio body through
//! its mapping, and re-sending bodies to its URL.
//!
//! Every read goes through Adobe's documented APIs (see the platform client's README):
//! the Data Access preview for stored records, each run's batches and their error
//! diagnostics for failed ones, Data Prep's preview for the dry run. Personal data
//! (emails, names, message text) leaves this module masked unless the caller asks for
//! it ([`Reveal`]).

use std::collections::BTreeMap;

use chatlio::RecordedKind;
use chrono::{DateTime, Utc};
use platform::data_access::RowError;
use platform::models::dataprep::MappingSetRequest;
use platform::models::{BatchId, DatasetId, FlowId};
use platform::{Client, PlatformError, WebhookUrl};
use serde::Serialize;
use serde_json::Value;

use crate::status::explain;

/// How many batches' diagnostics are read at once.
const BATCH_READS: usize = 8;
/// Adobe keeps error diagnostics for up to 30 days
/// (help/ingestion/quality/error-diagnostics.md): older runs are not read.
pub const DIAGNOSTICS_RETENTION_DAYS: i64 = 30;

/// Whether personal data is shown as stored or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    Masked,
    Shown,
}

/// `j•••@e•••.com`: enough to tell two visitors apart, not enough to read over a
/// shoulder or in a screenshot.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let (host, top) = domain.rsplit_once('.').unwrap_or((domain, ""));
            let top = if top.is_empty() {
                String::new()
            } else {
                format!(".{top}")
            };
            format!("{}@{}{top}", mask_word(local), mask_word(host))
        }
        None => mask_word(email),
    }
}

/// The first letter of each word and dots: `Jane Doe` → `J••• D•••`.
pub fn mask_text(text: &str) -> String {
    text.split_whitespace()
        .map(mask_word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn mask_word(word: &str) -> String {
    match word.chars().next() {
        Some(first) => format!("{first}•••"),
        None => String::new(),
    }
}

fn shown(value: Option<String>, reveal: Reveal, mask: fn(&str) -> String) -> Option<String> {
    match reveal {
        Reveal::Shown => value,
        Reveal::Masked => value.map(|text| mask(&text)),
    }
}

/// One record as Adobe stored it, read through the Chatlio field group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRecord {
    /// The record's `_id`.
    pub id: Option<String>,
    /// The record's `timestamp` (when Adobe mapped it).
    pub time: Option<String>,
    /// The recorded event kind code (`chat_transcript`, `visitor_event`, ...), as stored.
    pub kind: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_id: Option<String>,
    pub conversation_id: Option<String>,
    pub message: Option<String>,
    /// The whole stored record; `null` unless revealed (it holds the personal data).
    pub record: Value,
}

/// The `chatlio` object of a stored record: under the one tenant namespace (`_tenant`)
/// that holds one. The tenant need not be known: it is the only `_` key with it.
pub fn chatlio_object(record: &Value) -> Option<&Value> {
    record
        .as_object()?
        .iter()
        .filter(|(key, _)| key.starts_with('_') && key.as_str() != "_id")
        .find_map(|(_, value)| value.get(chatlio::fields::ROOT_OBJECT))
}

fn text_at(object: Option<&Value>, path: &str) -> Option<String> {
    let mut value = object?;
    for part in path.split('.') {
        value = value.get(part)?;
    }
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Reads a stored record, masking personal data unless `reveal` says otherwise.
pub fn read_stored_record(record: Value, reveal: Reveal) -> StoredRecord {
    let chatlio = chatlio_object(&record);
    let read = |path: &str| text_at(chatlio, path);
    StoredRecord {
        id: text_at(Some(&record), "_id"),
        time: text_at(Some(&record), "timestamp"),
        kind: read("eventKind"),
        visitor_email: shown(read("visitor.email"), reveal, mask_email),
        visitor_name: shown(read("visitor.name"), reveal, mask_text),
        visitor_id: read("visitor.uuid"),
        conversation_id: read("conversationUUID"),
        message: shown(read("message"), reveal, mask_text),
        record: match reveal {
            Reveal::Shown => record,
            Reveal::Masked => Value::Null,
        },
    }
}

/// The dataset a dataflow writes to: its target connection's `params.dataSetId`.
pub async fn flow_dataset(client: &Client, flow_id: &str) -> Result<DatasetId, PlatformError> {
    let service = client.flow_service();
    let flow = service.get_flow(&FlowId::new(flow_id)).await?;
    for target in &flow.target_connection_ids {
        let connection = service.get_target_connection(target).await?;
        if let Some(dataset) = connection.params.and_then(|params| params.data_set_id) {
            return Ok(dataset);
        }
    }
    Err(PlatformError::new(
        platform::ErrorCode::NotFound,
        "The dataflow writes to no dataset.",
    ))
}

/// Records Adobe stored for a dataflow.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRecords {
    pub dataset_id: String,
    /// Newest first by their `timestamp`; only the kinds the dataflow serves when a
    /// filter was given (the dataflows of a per-event setup share one dataset).
    pub records: Vec<StoredRecord>,
    /// Rows Adobe returned before the kind filter: at most
    /// [`platform::data_access::PREVIEW_ROWS`], which Adobe picks (its preview is "the
    /// first 100 rows", not the newest).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sampled: usize,
}

/// Up to 100 records Adobe stored in the dataflow's dataset; `kinds` keeps only those
/// event kind codes (empty: all).
pub async fn stored_records(
    client: &Client,
    flow_id: &str,
    kinds: &[RecordedKind],
    reveal: Reveal,
) -> Result<StoredRecords, PlatformError> {
    let dataset = flow_dataset(client, flow_id).await?;
    let rows = client.data_access().preview_dataset(&dataset).await?;
    let sampled = rows.len();
    let mut records: Vec<StoredRecord> = rows
        .into_iter()
        .map(|row| read_stored_record(row, reveal))
        .filter(|record| {
            kinds.is_empty()
                || record
                    .kind
                    .as_deref()
                    .is_some_and(|kind| kinds.iter().any(|wanted| wanted.code() == kind))
        })
        .collect();
    // RFC 3339 times in one zone sort as text; a record without one goes last.
    records.sort_by(|left, right| right.time.cmp(&left.time));
    Ok(StoredRecords {
        dataset_id: dataset.as_str().to_owned(),
        records,
        sampled,
    })
}

/// The kind Adobe recorded for the stored record about `subject` (a visitor or
/// conversation UUID): what the Verify screen shows for a counted test event. `None`
/// while Adobe's preview does not return it (its sample is 100 records).
pub async fn recorded_kind(
    client: &Client,
    flow_id: &str,
    subject: &str,
) -> Result<Option<String>, PlatformError> {
    let stored = stored_records(client, flow_id, &[], Reveal::Masked).await?;
    Ok(stored
        .records
        .into_iter()
        .find(|record| {
            record.visitor_id.as_deref() == Some(subject)
                || record.conversation_id.as_deref() == Some(subject)
        })
        .and_then(|record| record.kind))
}

/// One failed record with its cause explained.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedRecord {
    /// Stable within the batch: `{batch}:{row}`; what replay refers to.
    pub id: String,
    pub batch_id: String,
    /// When the run that counted it started (RFC 3339).
    pub run_started: Option<String>,
    /// Adobe's error codes and messages for the record.
    pub errors: Vec<FailedRecordError>,
    /// The Chatlio body as Adobe kept it (`_corrupt_record`), parsed when it is JSON;
    /// masked unless revealed. `null` when Adobe kept none.
    pub payload: Value,
    /// The body's kind as the payload's shape says (`visitor_event` for the three
    /// visitor events that look alike), when it could be read.
    pub family: Option<String>,
    /// Whether the body can be re-sent (Adobe kept it).
    pub replayable: bool,
}

/// One of Adobe's reasons, with our explanation code, fix and the field at fault.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedRecordError {
    pub adobe_code: Option<String>,
    pub message: Option<String>,
    /// Stable explanation code (`missing_identifier`, `schema_validation_failed`, ...).
    pub explanation: &'static str,
    pub fix: &'static str,
    /// The field Adobe names in its message, when it names one.
    pub field: Option<String>,
}

/// The field an Adobe validation message names: `required key [subjectId] not found`
/// → `subjectId`; `#/timestamp` → `timestamp`.
pub fn field_at_fault(message: &str) -> Option<String> {
    if let Some(pointer) = message
        .split_whitespace()
        .find(|word| word.starts_with("#/"))
    {
        let field = pointer
            .trim_start_matches("#/")
            .trim_end_matches([',', '.', ':', ')']);
        if !field.is_empty() {
            return Some(field.replace('/', "."));
        }
    }
    // `key [name]`: the bracket right after "key" holds a field name (other brackets
    // hold values, such as a bad date).
    let start = message.find("key [")? + "key [".len();
    let length = message[start..].find(']')?;
    let inside = &message[start..start + length];
    (!inside.is_empty()).then(|| inside.to_owned())
}

/// Masks every string of a body that may hold personal data: the values of keys that
/// name an email, a name or a message, anywhere in it.
pub fn mask_payload(value: &Value) -> Value {
    fn personal(key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        ["email", "name", "message", "body", "text", "phone"]
            .iter()
            .any(|word| key.contains(word))
            && !key.contains("channel")
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let masked = match inner {
                        Value::String(text) if personal(key) => {
                            Value::String(if key.to_ascii_lowercase().contains("email") {
                                mask_email(text)
                            } else {
                                mask_text(text)
                            })
                        }
                        other => mask_payload(other),
                    };
                    (key.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_payload).collect()),
        other => other.clone(),
    }
}

/// The body of a failed row that can be sent again: what Adobe kept, when it is a
/// JSON object (Chatlio posts one object per event).
fn replayable_body(row: &RowError) -> Option<Value> {
    let body: Value = serde_json::from_str(row.corrupt_record.as_deref()?).ok()?;
    body.is_object().then_some(body)
}

fn failed_record(
    batch: &BatchId,
    index: usize,
    row: RowError,
    run_started: Option<String>,
    reveal: Reveal,
) -> FailedRecord {
    let parsed: Option<Value> = row
        .corrupt_record
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok());
    let family = parsed
        .as_ref()
        .and_then(chatlio::classify::classify_family)
        .map(|family| family.code().to_owned());
    let replayable = replayable_body(&row).is_some();
    let payload = match (parsed, &row.corrupt_record, reveal) {
        (Some(body), _, Reveal::Shown) => body,
        (Some(body), _, Reveal::Masked) => mask_payload(&body),
        (None, Some(text), Reveal::Shown) => Value::String(text.clone()),
        (None, Some(text), Reveal::Masked) => Value::String(mask_text(text)),
        (None, None, _) => Value::Null,
    };
    let errors = row
        .errors
        .into_iter()
        .map(|error| {
            let (explanation, fix) = explain(error.code.as_deref(), error.message.as_deref());
            FailedRecordError {
                field: error.message.as_deref().and_then(field_at_fault),
                adobe_code: error.code,
                message: error.message,
                explanation,
                fix,
            }
        })
        .collect();
    FailedRecord {
        id: format!("{}:{index}", batch.as_str()),
        batch_id: batch.as_str().to_owned(),
        run_started,
        errors,
        payload,
        family,
        replayable,
    }
}

/// A dataflow's failed records.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedRecords {
    /// Newest run first.
    pub records: Vec<FailedRecord>,
    /// Records the runs counted as failed over the period (Adobe's count, which also
    /// covers failures without diagnostics).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub counted: u64,
    /// Batches with failures whose diagnostics Adobe did not have (error diagnostics
    /// off when they ran, or the run still open).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub batches_without_diagnostics: usize,
    /// Diagnostics lines that could not be read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unreadable: usize,
}

/// The failed records of a dataflow's runs over the last `days` days (at most Adobe's
/// 30 days of diagnostics), read from each batch's error diagnostics.
pub async fn failed_records(
    client: &Client,
    flow_id: &str,
    days: i64,
    reveal: Reveal,
) -> Result<FailedRecords, PlatformError> {
    let days = days.clamp(1, DIAGNOSTICS_RETENTION_DAYS);
    let since = Utc::now() - chrono::Duration::days(days);
    let runs = client
        .flow_service()
        .list_runs_since(&FlowId::new(flow_id), since)
        .await?;
    let mut counted = 0;
    // Batches with failures, newest run first, each with its run's start.
    let mut batches: Vec<(BatchId, Option<String>)> = Vec::new();
    let mut ordered: Vec<&platform::models::flow::Run> = runs.iter().collect();
    ordered.sort_by_key(|run| std::cmp::Reverse(run.started_at()));
    for run in ordered {
        let failed = run
            .metrics
            .as_ref()
            .and_then(|metrics| metrics.record_summary.as_ref())
            .and_then(|summary| summary.failed_record_count)
            .unwrap_or(0);
        if failed == 0 {
            continue;
        }
        counted += failed;
        let started = run
            .started_at()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map(|at| at.to_rfc3339());
        for batch in run.batch_ids() {
            batches.push((batch, started.clone()));
        }
    }
    let read = platform::map_bounded(batches, BATCH_READS, |(batch, started)| async move {
        let rows = client.data_access().row_errors(&batch).await;
        (batch, started, rows)
    })
    .await;
    let mut result = FailedRecords {
        records: Vec::new(),
        counted,
        batches_without_diagnostics: 0,
        unreadable: 0,
    };
    for (batch, started, rows) in read {
        let rows = rows?;
        if !rows.available {
            result.batches_without_diagnostics += 1;
            continue;
        }
        result.unreadable += rows.unreadable;
        result.records.extend(
            rows.rows
                .into_iter()
                .enumerate()
                .map(|(index, row)| failed_record(&batch, index, row, started.clone(), reveal)),
        );
    }
    Ok(result)
}

/// Which check said whether the mapped record is valid.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationSource {
    /// Data Prep's preview mapped it; Adobe offers no dry-run validation for HTTP API
    /// source bodies (`syncValidation` is documented only for XDM messages on the
    /// single-message endpoint, help/ingestion/quality/streaming-validation.md), so the
    /// schema's required fields were checked here.
    DataPrepPreviewAndRequiredFields,
}

/// A Chatlio body run through a dataflow's mapping without ingesting anything.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadPreview {
    /// The XDM record Data Prep's preview produced (`null` when it produced none).
    pub record: Value,
    /// The kind the record would be stored as.
    pub kind: Option<String>,
    /// Data Prep's transform errors, as Adobe sent them.
    pub mapping_errors: Vec<Value>,
    /// Required fields the record lacks (it would fail ingestion).
    pub missing_required: Vec<String>,
    /// True when the record would be stored.
    pub valid: bool,
    pub validated_by: ValidationSource,
}

/// Fields every record of the Chatlio schema must have: ExperienceEvent's `_id` and
/// `timestamp`, and the field group's required leaves.
fn missing_required(record: &Value) -> Vec<String> {
    let mut missing: Vec<String> = ["_id", "timestamp"]
        .into_iter()
        .filter(|field| text_at(Some(record), field).is_none())
        .map(str::to_owned)
        .collect();
    let chatlio = chatlio_object(record);
    for field in chatlio::fields::REQUIRED {
        if text_at(chatlio, field).is_none() {
            missing.push(format!("{}.{field}", chatlio::fields::ROOT_OBJECT));
        }
    }
    missing
}

/// The mapping set a dataflow applies (its `Mapping` transformation).
async fn flow_mapping(client: &Client, flow_id: &str) -> Result<MappingSetRequest, PlatformError> {
    let flow = client
        .flow_service()
        .get_flow(&FlowId::new(flow_id))
        .await?;
    let mapping_id = flow
        .transformations
        .iter()
        .find_map(platform::models::flow::Transformation::mapping_id)
        .ok_or_else(|| {
            PlatformError::new(
                platform::ErrorCode::NotFound,
                "The dataflow has no mapping.",
            )
        })?;
    let set = client.data_prep().get_mapping_set(&mapping_id).await?;
    let schema_ref = set
        .output_schema
        .and_then(|schema| schema.schema_ref)
        .ok_or_else(|| {
            PlatformError::new(
                platform::ErrorCode::UnexpectedResponse,
                "The dataflow's mapping names no output schema.",
            )
        })?;
    Ok(MappingSetRequest {
        name: set.name,
        output_schema: platform::models::dataprep::OutputSchema { schema_ref },
        mappings: set.mappings,
    })
}

/// What the dataflow's mapping makes of `payload`, and whether it would be stored.
pub async fn preview_payload(
    client: &Client,
    flow_id: &str,
    payload: &Value,
) -> Result<PayloadPreview, PlatformError> {
    let mapping = flow_mapping(client, flow_id).await?;
    let mut previews = client
        .data_prep()
        .preview_mapping(std::slice::from_ref(payload), &mapping)
        .await?;
    let preview = if previews.is_empty() {
        platform::dataprep::MappingPreview {
            data: Value::Null,
            errors: Vec::new(),
        }
    } else {
        previews.swap_remove(0)
    };
    let missing = if preview.data.is_object() {
        missing_required(&preview.data)
    } else {
        vec!["_id".to_owned(), "timestamp".to_owned()]
    };
    Ok(PayloadPreview {
        kind: text_at(chatlio_object(&preview.data), "eventKind"),
        valid: missing.is_empty() && preview.data.is_object(),
        record: preview.data,
        mapping_errors: preview.errors,
        missing_required: missing,
        validated_by: ValidationSource::DataPrepPreviewAndRequiredFields,
    })
}

/// What happened to one re-sent body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayItem {
    /// The caller's label for the body (a failed record's id, a file name).
    pub label: String,
    /// Adobe accepted it (it may still fail later; the run counts it).
    pub accepted: bool,
    /// Why Adobe refused it, as a platform error code.
    pub error_code: Option<String>,
    pub error: Option<String>,
}

/// The outcome of re-sending bodies.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub accepted: usize,
    pub items: Vec<ReplayItem>,
    /// When the run holding them should be readable (their counts then show on the
    /// dashboard).
    pub sent_at: String,
}

/// Re-sends `bodies` (label, body) to the dataflow's URL, one after another, each
/// once: a body refused by Adobe is reported, not retried, so nothing is sent twice.
pub async fn replay(
    client: &Client,
    flow_id: &str,
    bodies: &[(String, Value)],
) -> Result<ReplayReport, PlatformError> {
    let id = FlowId::new(flow_id);
    let flow = client.flow_service().get_flow(&id).await?;
    let inlet = flow.inlet_url().ok_or_else(|| {
        PlatformError::new(
            platform::ErrorCode::NotFound,
            "The dataflow has no URL yet (it is not enabled).",
        )
    })?;
    let webhook = WebhookUrl::new(inlet, &id)?;
    let mut report = ReplayReport {
        sent: 0,
        accepted: 0,
        items: Vec::new(),
        sent_at: Utc::now().to_rfc3339(),
    };
    for (label, body) in bodies {
        report.sent += 1;
        let item = match client.inlet().send_event(&webhook, body).await {
            Ok(_) => {
                report.accepted += 1;
                ReplayItem {
                    label: label.clone(),
                    accepted: true,
                    error_code: None,
                    error: None,
                }
            }
            Err(error) => ReplayItem {
                label: label.clone(),
                accepted: false,
                error_code: Some(error.code().as_str().to_owned()),
                error: Some(error.to_string()),
            },
        };
        report.items.push(item);
    }
    Ok(report)
}

/// The bodies of chosen failed records (all of the last 30 days for `None`), as
/// Adobe kept them, for [`replay`], read again unmasked. Ids that are not found (or
/// whose body Adobe did not keep as a JSON object) are returned separately.
pub async fn failed_bodies(
    client: &Client,
    flow_id: &str,
    ids: Option<&[String]>,
) -> Result<(Vec<(String, Value)>, Vec<String>), PlatformError> {
    let Some(ids) = ids else {
        let failed =
            failed_records(client, flow_id, DIAGNOSTICS_RETENTION_DAYS, Reveal::Shown).await?;
        let bodies = failed
            .records
            .into_iter()
            .filter(|record| record.replayable)
            .map(|record| (record.id, record.payload))
            .collect();
        return Ok((bodies, Vec::new()));
    };
    // An id is `{batch}:{row}`: only the batches named are read, and only
    // those this dataflow's runs wrote, so a body is never sent to another
    // dataflow's URL.
    let since = Utc::now() - chrono::Duration::days(DIAGNOSTICS_RETENTION_DAYS);
    let runs = client
        .flow_service()
        .list_runs_since(&FlowId::new(flow_id), since)
        .await?;
    let own: Vec<BatchId> = runs.iter().flat_map(|run| run.batch_ids()).collect();
    let located: Vec<(&String, Option<(BatchId, usize)>)> = ids
        .iter()
        .map(|id| {
            let place = id.rsplit_once(':').and_then(|(batch, row)| {
                let batch = BatchId::new(batch);
                let row = row.parse::<usize>().ok()?;
                own.contains(&batch).then_some((batch, row))
            });
            (id, place)
        })
        .collect();
    let mut batches: Vec<BatchId> = Vec::new();
    for (batch, _) in located.iter().filter_map(|(_, place)| place.as_ref()) {
        if !batches.contains(batch) {
            batches.push(batch.clone());
        }
    }
    let read = platform::map_bounded(batches, BATCH_READS, |batch| async move {
        let rows = client.data_access().row_errors(&batch).await;
        (batch, rows)
    })
    .await;
    let mut rows_of: BTreeMap<String, Vec<RowError>> = BTreeMap::new();
    for (batch, rows) in read {
        rows_of.insert(batch.as_str().to_owned(), rows?.rows);
    }
    let mut bodies = Vec::new();
    let mut missing = Vec::new();
    for (id, place) in located {
        let body = place.and_then(|(batch, row)| {
            rows_of
                .get(batch.as_str())
                .and_then(|rows| rows.get(row))
                .and_then(replayable_body)
        });
        match body {
            Some(body) => bodies.push((id.clone(), body)),
            None => missing.push(id.clone()),
        }
    }
    Ok((bodies, missing))
}

/// One failed record re-sent from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayedRecord {
    pub flow_id: String,
    pub record_id: String,
    pub sent_at: String,
}

/// The failed records re-sent from this computer (the layout's `replays.json`). Adobe
/// keeps a failed record's diagnostics after it is re-sent, so without this list the
/// same record could be sent twice.
#[derive(Debug, Clone)]
pub struct ReplayLog {
    path: std::path::PathBuf,
}

impl ReplayLog {
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Everything re-sent. A missing file is an empty list; an unreadable one is an
    /// error, so a damaged list never lets a record be sent twice silently.
    pub fn load(&self) -> Result<Vec<ReplayedRecord>, std::io::Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }

    /// The ids of `flow_id`'s failed records already re-sent, with when.
    pub fn replayed(&self, flow_id: &str) -> Result<BTreeMap<String, String>, std::io::Error> {
        Ok(self
            .load()?
            .into_iter()
            .filter(|entry| entry.flow_id == flow_id)
            .map(|entry| (entry.record_id, entry.sent_at))
            .collect())
    }

    /// Adds the accepted failed records of a replay (labels that are failed record ids).
    pub fn remember(
        &self,
        flow_id: &str,
        report: &ReplayReport,
        record_ids: &[String],
    ) -> Result<(), std::io::Error> {
        // The app and the CLI may both re-send: without the lock between processes one
        // remembered replay could overwrite the other's, and those records could then
        // be sent again without a warning.
        let _change = storage::lock_for_change(
            &self.path,
            storage::Permissions::Private,
            storage::DEFAULT_LOCK_WAIT,
        )
        .map_err(|error| std::io::Error::other(error.to_string()))?;
        let mut entries = self.load()?;
        for item in report.items.iter().filter(|item| item.accepted) {
            if record_ids.contains(&item.label)
                && !entries
                    .iter()
                    .any(|entry| entry.flow_id == flow_id && entry.record_id == item.label)
            {
                entries.push(ReplayedRecord {
                    flow_id: flow_id.to_owned(),
                    record_id: item.label.clone(),
                    sent_at: report.sent_at.clone(),
                });
            }
        }
        let text = serde_json::to_vec_pretty(&entries)
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))?;
        storage::write_atomically(&self.path, &text, storage::Permissions::Private)
            .map_err(|error| std::io::Error::other(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masking_keeps_shape_not_content() {
        assert_eq!(mask_email("jane.doe@example.com"), "j•••@e•••.com");
        assert_eq!(mask_email("nobody"), "n•••");
        assert_eq!(mask_text("Jane  Doe"), "J••• D•••");
        assert_eq!(mask_text(""), "");
        let body = json!({"visitor": {"email": "a@b.co", "name": "Ann Lee", "UUID": "u-1"},
                          "channelName": "support", "messages": [{"message": "secret"}]});
        let masked = mask_payload(&body);
        assert_eq!(masked["visitor"]["email"], "a•••@b•••.co");
        assert_eq!(masked["visitor"]["name"], "A••• L•••");
        assert_eq!(masked["visitor"]["UUID"], "u-1");
        assert_eq!(masked["channelName"], "support");
        assert_eq!(masked["messages"][0]["message"], "s•••");
    }

    #[test]
    fn stored_records_are_read_through_the_tenant_namespace() {
        let record = json!({
            "_id": "r1", "timestamp": "2026-11-28T10:00:00Z",
            "_acme": {"chatlio": {"eventKind": "visitor_feedback", "conversationUUID": "c1",
                      "message": "Great help", "visitor": {"email": "x@y.com", "uuid": "v1"}}}
        });
        let masked = read_stored_record(record.clone(), Reveal::Masked);
        assert_eq!(masked.kind.as_deref(), Some("visitor_feedback"));
        assert_eq!(masked.visitor_email.as_deref(), Some("x•••@y•••.com"));
        assert_eq!(masked.message.as_deref(), Some("G••• h•••"));
        assert_eq!(masked.record, Value::Null);
        let shown = read_stored_record(record.clone(), Reveal::Shown);
        assert_eq!(shown.visitor_email.as_deref(), Some("x@y.com"));
        assert_eq!(shown.record, record);
        assert_eq!(
            missing_required(&record),
            vec!["chatlio.subjectId".to_owned()]
        );
    }

    #[test]
    fn the_field_at_fault_is_read_from_adobe_messages() {
        assert_eq!(
            field_at_fault("required key [subjectId] not found").as_deref(),
            Some("subjectId")
        );
        assert_eq!(
            field_at_fault("[2018-00-23T22:07:01Z] is not a valid date-time at #/timestamp")
                .as_deref(),
            Some("timestamp")
        );
        assert_eq!(field_at_fault("Row is corrupted"), None);
    }

    /// The app and the CLI each have their own log on the same file; each thread here
    /// too, so only the lock between processes keeps their replays apart.
    #[test]
    fn replays_remembered_at_once_from_separate_logs_are_all_kept() {
        let folder = std::env::temp_dir().join(format!("replay-race-{}", std::process::id()));
        let path = folder.join("replays.json");
        let writers: Vec<_> = (0..6)
            .map(|writer| {
                let log = ReplayLog::new(path.clone());
                std::thread::spawn(move || {
                    for index in 0..8 {
                        let label = format!("w{writer}:{index}");
                        let report = ReplayReport {
                            sent: 1,
                            accepted: 1,
                            items: vec![ReplayItem {
                                label: label.clone(),
                                accepted: true,
                                error_code: None,
                                error: None,
                            }],
                            sent_at: "2026-11-28T10:00:00Z".into(),
                        };
                        log.remember("f", &report, &[label]).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(ReplayLog::new(path).replayed("f").unwrap().len(), 6 * 8);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn the_replay_log_remembers_accepted_failed_records_once() {
        let folder = std::env::temp_dir().join(format!("replay-log-{}", std::process::id()));
        let log = ReplayLog::new(folder.join("replays.json"));
        assert!(log.replayed("f").unwrap().is_empty());
        let item = |label: &str, accepted| ReplayItem {
            label: label.into(),
            accepted,
            error_code: None,
            error: None,
        };
        let report = ReplayReport {
            sent: 3,
            accepted: 2,
            items: vec![
                item("b:0", true),
                item("b:1", false),
                item("pasted.json", true),
            ],
            sent_at: "2026-11-28T10:00:00Z".into(),
        };
        let ids = vec!["b:0".to_owned(), "b:1".to_owned()];
        log.remember("f", &report, &ids).unwrap();
        log.remember("f", &report, &ids).unwrap();
        let replayed = log.replayed("f").unwrap();
        assert_eq!(replayed.keys().collect::<Vec<_>>(), ["b:0"]);
        assert!(log.replayed("other").unwrap().is_empty());
        std::fs::write(folder.join("replays.json"), b"{broken").unwrap();
        assert!(
            log.load().is_err(),
            "a damaged list is an error, not an empty one"
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
