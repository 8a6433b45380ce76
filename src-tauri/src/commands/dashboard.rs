//! Status dashboard: every Chatlio dataflow of the connected sandbox, with
//! the last known status kept on disk so it stays visible offline.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::commands::setup::{engine_for, journal_sandbox};
use crate::error::{code_name, CommandError, CommandResult, ErrorCode};
use crate::state::{Session, Shared};

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub status: Option<String>,
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub ingested: u64,
    #[ts(type = "number")]
    pub failed: u64,
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FlowErrorView {
    /// Stable code the UI words: `mapping_failed`, `flow_disabled`, ...
    pub explanation: String,
    pub adobe_code: Option<String>,
    /// Adobe's own message, for the details disclosure.
    pub message: Option<String>,
    #[ts(type = "number | null")]
    pub records: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub ingested: u64,
    #[ts(type = "number")]
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FlowView {
    pub flow_id: String,
    pub name: String,
    /// `healthy`, `disabled`, `failing`, `stale`, `no_data` or `unknown` (runs
    /// could not be read).
    pub health: String,
    /// Adobe's own state, e.g. `enabled`.
    pub state: String,
    pub has_webhook: bool,
    pub last_day: Totals,
    pub last_week: Totals,
    pub last_ingested_at: Option<String>,
    /// When a new dataflow accepts data (Adobe asks to wait a few minutes
    /// after creating it).
    pub accepts_data_from: Option<String>,
    /// The runs of the last 7 days, newest first.
    pub runs: Vec<RunView>,
    pub errors: Vec<FlowErrorView>,
    /// The name of this app's setup that made it, if one did.
    pub setup_name: Option<String>,
    /// Test events sent from this app, the latest of each kind, with what
    /// Adobe's runs said of them so far.
    #[serde(default)]
    pub test_events: Vec<crate::commands::handover::TestEventView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub practice: bool,
    pub sandbox: String,
    /// When this status was read from Adobe.
    pub fetched_at: String,
    pub flows: Vec<FlowView>,
    /// Set when this refresh failed and the view is the last known one.
    #[serde(default, skip_deserializing)]
    pub error: Option<CommandError>,
}

impl From<setup::status::Totals> for Totals {
    fn from(totals: setup::status::Totals) -> Self {
        Self {
            received: totals.received,
            ingested: totals.ingested,
            failed: totals.failed,
        }
    }
}

impl From<&setup::status::ExplainedError> for FlowErrorView {
    fn from(error: &setup::status::ExplainedError) -> Self {
        Self {
            explanation: error.explanation.to_owned(),
            adobe_code: error.adobe_code.clone(),
            message: error.message.clone(),
            records: error.records,
        }
    }
}

fn flow_view(
    status: setup::status::FlowStatus,
    setup_name: Option<String>,
    test_events: Vec<crate::commands::handover::TestEventView>,
) -> FlowView {
    FlowView {
        health: status.health.as_str().to_owned(),
        flow_id: status.flow_id,
        name: status.name,
        state: status.state,
        has_webhook: status.webhook_url.is_some(),
        last_day: status.last24h.into(),
        last_week: status.last7d.into(),
        last_ingested_at: status.last_ingested_at.map(|at| at.to_rfc3339()),
        accepts_data_from: status.accepts_data_from.map(|at| at.to_rfc3339()),
        runs: status
            .runs
            .iter()
            .map(|run| RunView {
                run_id: run.run_id.clone(),
                status: run.status.clone(),
                received: run.received,
                ingested: run.ingested,
                failed: run.failed,
                started_at: run.started_at.map(|at| at.to_rfc3339()),
            })
            .collect(),
        errors: status.errors.iter().map(FlowErrorView::from).collect(),
        setup_name,
        test_events,
    }
}

fn cache_path(state: &Shared, practice: bool) -> std::path::PathBuf {
    state
        .data_dir()
        .join(if practice { "practice" } else { "." })
        .join("status-cache.json")
}

/// Flow id → setup name, from this app's journals.
fn setups_by_flow(state: &Shared, session: &Session) -> Vec<(String, String)> {
    let store = setup::JournalStore::new(state.journal_dir(session.practice));
    let journals = match store.list() {
        Ok(journals) => journals,
        Err(error) => {
            tracing::warn!(%error, "journals unreadable");
            return Vec::new();
        }
    };
    journals
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|journal| {
            let flow = journal
                .record(setup::StepId::Dataflow)
                .and_then(|record| record.resource_id.clone())?;
            Some((flow, journal.setup_name))
        })
        .collect()
}

/// Reads every Chatlio dataflow's status. A failure returns the last known
/// status with the error, so the screen never goes blank.
#[tauri::command]
pub async fn dashboard(state: State<'_, Shared>) -> CommandResult<DashboardView> {
    let session = state.session().await?;
    let sandbox = session
        .sandbox
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoSandbox, "no sandbox chosen"))?;
    let path = cache_path(&state, session.practice);
    let client = session.client(&sandbox).await?;
    let statuses = setup::status::sandbox_status(&client, &session.timing()).await;
    session.keep_tokens().await;
    match statuses {
        Ok(statuses) => {
            let now = Utc::now();
            let owners = setups_by_flow(&state, &session);
            let flow_ids: Vec<String> = statuses
                .iter()
                .map(|status| status.flow_id.clone())
                .collect();
            let mut test_events = crate::commands::handover::refresh_test_events(
                &state, &session, &client, &flow_ids,
            )
            .await;
            let flows = statuses
                .into_iter()
                .map(|status| {
                    let owner = owners
                        .iter()
                        .find(|(flow, _)| *flow == status.flow_id)
                        .map(|(_, name)| name.clone());
                    let sent = test_events.remove(&status.flow_id).unwrap_or_default();
                    flow_view(status, owner, sent)
                })
                .collect();
            let view = DashboardView {
                practice: session.practice,
                sandbox,
                fetched_at: now.to_rfc3339(),
                flows,
                error: None,
            };
            if let Err(error) = write_json_atomically(&path, &view) {
                tracing::warn!(%error, "status cache not written");
            }
            Ok(view)
        }
        Err(error) => {
            let error = CommandError::from_platform(&error);
            match read_cache(&path) {
                Some(mut cached) if cached.sandbox == sandbox => {
                    cached.error = Some(error);
                    Ok(cached)
                }
                _ => Err(error),
            }
        }
    }
}

/// Writes `value` as JSON through a temporary file and a rename, so a crash
/// leaves the old file or the new one, never half of one.
pub fn write_json_atomically<T: Serialize + ?Sized>(
    path: &std::path::Path,
    value: &T,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(
        &temporary,
        serde_json::to_vec(value).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(temporary, path)
}

fn read_cache(path: &std::path::Path) -> Option<DashboardView> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The last known status without any network call: what the app shows the
/// moment it opens, before the first refresh answers.
#[tauri::command]
pub async fn cached_dashboard(
    state: State<'_, Shared>,
    practice: bool,
) -> CommandResult<Option<DashboardView>> {
    Ok(read_cache(&cache_path(&state, practice)))
}

#[tauri::command]
pub async fn set_flow_enabled(
    state: State<'_, Shared>,
    flow_id: String,
    enabled: bool,
) -> CommandResult<()> {
    let session = state.session().await?;
    let sandbox = session
        .sandbox
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoSandbox, "no sandbox chosen"))?;
    let client = session.client(&sandbox).await?;
    let id = platform::models::FlowId::new(&flow_id);
    let service = client.flow_service();
    let flow = service
        .get_flow(&id)
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    let etag = flow.etag.clone();
    let result = if enabled {
        service.enable_flow(&id, etag.as_ref()).await
    } else {
        service.disable_flow(&id, etag.as_ref()).await
    };
    result
        .map(|_| ())
        .map_err(|error| CommandError::from_platform(&error))
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeletedView {
    /// Ids of what was deleted, newest first.
    pub deleted: Vec<String>,
    /// Steps whose resources stayed, with the reason code.
    pub kept: Vec<(String, String)>,
}

/// Deletes a dataflow. One this app created goes with everything its setup
/// made (a rollback); one found elsewhere goes with its two connections.
#[tauri::command]
pub async fn delete_dataflow(
    state: State<'_, Shared>,
    flow_id: String,
    on_progress: Channel<crate::commands::setup::StepEvent>,
) -> CommandResult<DeletedView> {
    let session = state.session().await?;
    let sandbox = session
        .sandbox
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoSandbox, "no sandbox chosen"))?;
    let owner = setups_by_flow(&state, &session)
        .into_iter()
        .find(|(flow, _)| *flow == flow_id)
        .map(|(_, name)| name);
    if let Some(name) = owner {
        let _busy = state.claim(&name)?;
        let engine = engine_for(&state, &session, &sandbox, Some(on_progress)).await?;
        let outcome = engine
            .rollback(&name)
            .await
            .map_err(|error| CommandError::from_setup(&error))?;
        return Ok(DeletedView {
            deleted: outcome.deleted.into_iter().map(|(_, id)| id).collect(),
            kept: outcome
                .kept
                .into_iter()
                .map(|kept| (kept.step.as_str().to_owned(), code_name(&kept.reason)))
                .collect(),
        });
    }
    let client = session.client(&sandbox).await?;
    let deleted = setup::status::teardown(&client, &flow_id)
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    Ok(DeletedView {
        deleted,
        kept: Vec::new(),
    })
}

/// Copies any Chatlio dataflow's webhook URL without it passing the UI.
#[tauri::command]
pub async fn copy_flow_webhook_url(
    app: tauri::AppHandle,
    state: State<'_, Shared>,
    flow_id: String,
) -> CommandResult<()> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    let session = state.session().await?;
    let sandbox = session
        .sandbox
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoSandbox, "no sandbox chosen"))?;
    let client = session.client(&sandbox).await?;
    let url = client
        .flow_service()
        .webhook_url(&platform::models::FlowId::new(&flow_id))
        .await
        .map_err(|error| CommandError::from_platform(&error))?
        .ok_or_else(|| CommandError::new(ErrorCode::NoWebhook, "the dataflow has no inlet URL"))?;
    app.clipboard()
        .write_text(url.as_str().to_owned())
        .map_err(|error| CommandError::new(ErrorCode::ClipboardFailed, error.to_string()))
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceHealthView {
    /// The step that made it: `schema`, `dataset`, ...
    pub step: String,
    pub resource_id: Option<String>,
    /// The user picked it, or it existed before.
    pub pre_existing: bool,
    /// `ok`, `deleted`, `disabled`, `changed` or `unchecked`.
    pub health: String,
    /// Stable code of what differs (e.g. `flow_disabled`), when it drifted.
    pub detail: Option<String>,
    /// Adobe's or the engine's English wording, for the details disclosure.
    pub message: Option<String>,
    /// `enable_flow` or `rerun`, when a repair exists.
    pub repair: Option<String>,
    /// The repair makes a new dataflow, so Chatlio needs the new URL.
    pub webhook_url_changes: bool,
}

async fn drift_of(
    state: &Shared,
    session: &Session,
    name: &str,
) -> CommandResult<(setup::Engine, Vec<setup::drift::Drift>)> {
    let sandbox = journal_sandbox(state, session, name)?;
    let engine = engine_for(state, session, &sandbox, None).await?;
    let drift = engine
        .drift(name)
        .await
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok((engine, drift))
}

/// The resources a setup made and whether each is still as it was made.
#[tauri::command]
pub async fn setup_health(
    state: State<'_, Shared>,
    name: String,
) -> CommandResult<Vec<ResourceHealthView>> {
    let session = state.session().await?;
    let (engine, drift) = drift_of(&state, &session, &name).await?;
    let outcome = engine
        .status(&name)
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok(outcome
        .steps
        .iter()
        .filter(|record| record.resource_id.is_some())
        .map(|record| {
            let found = drift.iter().find(|drift| drift.step == record.step);
            ResourceHealthView {
                step: record.step.as_str().to_owned(),
                resource_id: record.shown_resource_id().map(str::to_owned),
                pre_existing: record.pre_existing,
                health: found
                    .map(|drift| code_name(&drift.kind))
                    .unwrap_or_else(|| "ok".to_owned()),
                detail: found.map(|drift| drift.detail.to_owned()),
                message: found.map(|drift| drift.message.clone()),
                repair: found.and_then(|drift| {
                    drift.repair.as_ref().map(|repair| match repair {
                        setup::drift::Repair::EnableFlow => "enable_flow".to_owned(),
                        setup::drift::Repair::Rerun { .. } => "rerun".to_owned(),
                    })
                }),
                webhook_url_changes: found.is_some_and(|drift| {
                    matches!(
                        drift.repair,
                        Some(setup::drift::Repair::Rerun {
                            webhook_url_changes: true,
                            ..
                        })
                    )
                }),
            }
        })
        .collect())
}

/// Repairs the drift found at `step` (checked again first, so a stale
/// screen cannot trigger a repair that is no longer needed).
#[tauri::command]
pub async fn repair_drift(
    state: State<'_, Shared>,
    name: String,
    step: String,
) -> CommandResult<()> {
    let session = state.session().await?;
    let _busy = state.claim(&name)?;
    let (engine, drift) = drift_of(&state, &session, &name).await?;
    let repair = drift
        .into_iter()
        .find(|drift| drift.step.as_str() == step)
        .and_then(|drift| drift.repair)
        .ok_or_else(|| {
            CommandError::new(
                ErrorCode::InvalidInput,
                format!("no repair for step {step:?}"),
            )
            .with_hint("Refresh: the resource may be fine again.")
        })?;
    let outcome = engine.repair(&name, &repair).await;
    session.keep_tokens().await;
    outcome
        .map(|_| ())
        .map_err(|error| CommandError::from_setup(&error))
}

/// Sends a test event to any Chatlio dataflow of the sandbox; the result
/// shows on the dashboard once Adobe's run counts it.
#[tauri::command]
pub async fn send_flow_test_event(
    state: State<'_, Shared>,
    flow_id: String,
    kind: String,
) -> CommandResult<crate::commands::handover::TestEventView> {
    let session = state.session().await?;
    let sandbox = session
        .sandbox
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoSandbox, "no sandbox chosen"))?;
    let client = session.client(&sandbox).await?;
    crate::commands::handover::send_and_record(&state, &session, &client, &flow_id, &kind).await
}
