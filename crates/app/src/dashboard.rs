//! Status dashboard: every Chatlio dataflow of the connected sandbox, with
//! the last known status kept on disk so it stays visible offline.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::desktop::Desktop;
use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::handover::TestEventView;
use crate::setup::{engine_for, journal_sandbox, Progress};
use crate::state::{Session, Shared};
use setup::StepId;

/// The runs a dataflow's card draws and lists: a day of Adobe's hourly
/// runs. A week is 168 per dataflow; for 50 dataflows that was 8,400 runs
/// in every refresh and on the page, for a chart too wide to read (the
/// memory it cost is in bench/README.md, "dashboard").
pub const RUNS_SHOWN: usize = 24;

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
    pub health: setup::status::Health,
    /// Adobe's own state, e.g. `enabled`.
    pub state: String,
    pub has_webhook: bool,
    pub last_day: Totals,
    pub last_week: Totals,
    pub last_ingested_at: Option<String>,
    /// When a new dataflow accepts data (Adobe asks to wait a few minutes
    /// after creating it).
    pub accepts_data_from: Option<String>,
    /// The newest runs, newest first: at most [`RUNS_SHOWN`] (a day of
    /// hourly runs). The day's and the week's totals above count every run.
    pub runs: Vec<RunView>,
    pub errors: Vec<FlowErrorView>,
    /// The name of this app's setup that made it, if one did.
    pub setup_name: Option<String>,
    /// For a dataflow no setup here made: the setup its marker names (made
    /// with this tool elsewhere), if any.
    #[serde(default)]
    pub marked_setup: Option<String>,
    /// The Chatlio fields whose URL is this dataflow's (known for a
    /// dataflow this app made).
    #[serde(default)]
    pub fields: Vec<chatlio::EventKind>,
    /// Test events sent from this app, the latest of each kind, with what
    /// Adobe's runs said of them so far.
    #[serde(default)]
    pub test_events: Vec<TestEventView>,
    /// The new dataflow of a rotation of its setup's webhook URL, under way
    /// (the setup's journal names it once the rotation is finished).
    #[serde(default)]
    pub rotating: bool,
    /// Which of its setup's dataflows it is (the plan key), for a setup
    /// made here with one per Chatlio event.
    #[serde(default)]
    pub instance: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub practice: bool,
    pub sandbox: String,
    /// When this status was read from Adobe.
    pub fetched_at: String,
    pub flows: Vec<FlowView>,
    /// This app's setups among them: one entry per setup, whatever its
    /// number of dataflows (one, or one per Chatlio event).
    #[serde(default)]
    pub setups: Vec<SetupGroupView>,
    /// Set when this refresh failed and the view is the last known one.
    #[serde(default, skip_deserializing)]
    pub error: Option<CommandError>,
}

/// One of this app's setups on the dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupGroupView {
    pub name: String,
    /// The worst of its dataflows'.
    pub health: setup::status::Health,
    /// Summed over its dataflows.
    pub last_day: Totals,
    pub last_week: Totals,
    /// Its dataflows, in the order of `DashboardView::flows`.
    pub flow_ids: Vec<String>,
    /// False for a setup known only by its dataflows' markers (made with this
    /// tool on another computer): shown together, acted on one dataflow at a
    /// time, since no journal here says what else belongs to it.
    #[serde(default = "made_here_default")]
    pub made_here: bool,
}

fn made_here_default() -> bool {
    true
}

/// The setups among `flows`, in the order their first dataflow appears: this
/// app's (by journal), and those made elsewhere (by marker).
fn setup_groups(flows: &[FlowView]) -> Vec<SetupGroupView> {
    let mut groups: Vec<SetupGroupView> = Vec::new();
    for flow in flows {
        let (name, made_here) = match (&flow.setup_name, &flow.marked_setup) {
            (Some(name), _) => (name, true),
            (None, Some(name)) => (name, false),
            (None, None) => continue,
        };
        let index = match groups
            .iter()
            .position(|group| &group.name == name && group.made_here == made_here)
        {
            Some(index) => index,
            None => {
                groups.push(SetupGroupView {
                    made_here,
                    name: name.clone(),
                    health: flow.health,
                    last_day: Totals::default(),
                    last_week: Totals::default(),
                    flow_ids: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.health = setup::status::Health::worst([group.health, flow.health]);
        group.flow_ids.push(flow.flow_id.clone());
        group.last_day.add(flow.last_day);
        group.last_week.add(flow.last_week);
    }
    groups
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.received += other.received;
        self.ingested += other.ingested;
        self.failed += other.failed;
    }
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
    owner: Option<&Owner>,
    test_events: Vec<TestEventView>,
) -> FlowView {
    let setup_name = owner.map(|owner| owner.setup_name.clone());
    let rotating = owner.is_some_and(|owner| owner.rotating);
    let fields = match owner {
        Some(owner) => owner.fields(),
        None if status.marked_setup.is_some() => {
            chatlio::plan::fields_served(status.marked_instance.as_deref())
        }
        None => Vec::new(),
    };
    let marked_setup = match owner {
        Some(_) => None,
        None => status.marked_setup.clone(),
    };
    FlowView {
        marked_setup,
        fields,
        health: status.health,
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
            .take(RUNS_SHOWN)
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
        rotating,
        instance: owner.and_then(|owner| owner.instance.clone()),
    }
}

fn cache_path(state: &Shared, practice: bool) -> std::path::PathBuf {
    state
        .layout()
        .status_cache(storage::Mode::from_practice(practice))
}

/// A dataflow this app made: its setup, and which of the setup's dataflows
/// it is when there is one per Chatlio event.
struct Owner {
    flow_id: String,
    setup_name: String,
    instance: Option<String>,
    /// The new dataflow of a rotation under way.
    rotating: bool,
}

impl Owner {
    /// The Chatlio fields whose URL is this dataflow's.
    fn fields(&self) -> Vec<chatlio::EventKind> {
        chatlio::plan::fields_served(self.instance.as_deref())
    }
}

/// Which of this app's setups made each dataflow, from the journals. An
/// unreadable journal is an error, not "no owner": it may be the one that
/// made the flow, and a flow wrongly thought foreign would be deleted
/// without the rest of its setup.
fn setups_by_flow(state: &Shared, session: &Session) -> CommandResult<Vec<Owner>> {
    let store = setup::JournalStore::new(state.journal_dir(session.practice));
    let journal_error = |error: &dyn std::fmt::Display| {
        CommandError::new(
            crate::ErrorCode::Setup(setup::SetupErrorCode::Journal),
            format!("a setup journal is unreadable: {error}"),
        )
        .with_hint("Check the app's data folder; a damaged journal can be moved away.")
    };
    let mut owners = Vec::new();
    for journal in store.list().map_err(|error| journal_error(&error))? {
        let journal = journal.map_err(|error| journal_error(&error))?;
        // Every dataflow of the setup: one, or one per event.
        for record in journal.records_of(StepId::Dataflow) {
            if let Some(flow_id) = record.resource_id.clone() {
                owners.push(Owner {
                    flow_id,
                    setup_name: journal.setup_name.clone(),
                    instance: record.instance.clone(),
                    rotating: false,
                });
            }
        }
    }
    // A rotation's new dataflow is its setup's before the journal names it.
    let folder = state
        .layout()
        .rotations(storage::Mode::from_practice(session.practice));
    let rotation_error = |error: &dyn std::fmt::Display| {
        CommandError::new(
            crate::ErrorCode::Setup(setup::SetupErrorCode::Journal),
            format!("a rotation file is unreadable: {error}"),
        )
        .with_hint("Check the app's data folder; a damaged file can be moved away.")
    };
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries.collect::<Vec<_>>(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(rotation_error(&error)),
    };
    for entry in entries {
        let path = entry.map_err(|error| rotation_error(&error))?.path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("json") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|error| rotation_error(&error))?;
        let rotation: setup::rotate::Rotation =
            serde_json::from_slice(&bytes).map_err(|error| rotation_error(&error))?;
        if rotation.phase == setup::rotate::RotationPhase::Finished {
            continue;
        }
        if let Some(flow_id) = rotation.new_flow_id {
            if owners.iter().all(|owner| owner.flow_id != flow_id) {
                owners.push(Owner {
                    flow_id,
                    setup_name: rotation.setup_name,
                    instance: rotation.instance,
                    rotating: true,
                });
            }
        }
    }
    Ok(owners)
}

/// Reads every Chatlio dataflow's status. A failure returns the last known
/// status with the error, so the screen never goes blank.
pub async fn dashboard(state: &Shared) -> CommandResult<DashboardView> {
    let (session, client) = state.sandbox_client().await?;
    let sandbox = client.sandbox().as_str().to_owned();
    let path = cache_path(state, session.practice);
    // Staleness follows each setup's no-data rule; a damaged rules file
    // costs only that (the recommended rules stand in), never the status.
    let settings = crate::alerts::load_settings(state, session.practice).unwrap_or_else(|error| {
        tracing::warn!(message = %error.message, "alert rules unreadable; recommended rules used");
        setup::alerts::AlertSettings::recommended()
    });
    let statuses = setup::status::sandbox_status(&client, &session.timing(), &settings).await;
    let statuses = match statuses {
        Ok(statuses) => statuses,
        Err(error) => {
            let error = CommandError::from_platform(&error);
            return match read_cache(&path) {
                Some(mut cached) if cached.sandbox == sandbox => {
                    cached.error = Some(error);
                    Ok(cached)
                }
                _ => Err(error),
            };
        }
    };
    // The status stays useful without owners: a damaged journal only costs
    // the "made by this app" label here (deleting checks again, strictly).
    let owners = setups_by_flow(state, &session).unwrap_or_else(|error| {
        tracing::warn!(message = %error.message, "dataflow owners unknown");
        Vec::new()
    });
    let flow_ids: Vec<String> = statuses
        .iter()
        .map(|status| status.flow_id.clone())
        .collect();
    let mut test_events =
        crate::handover::refresh_test_events(state, &session, &client, &flow_ids).await;
    let flows = statuses
        .into_iter()
        .map(|status| {
            let owner = owners.iter().find(|owner| owner.flow_id == status.flow_id);
            let sent = test_events.remove(&status.flow_id).unwrap_or_default();
            flow_view(status, owner, sent)
        })
        .collect::<Vec<_>>();
    let view = DashboardView {
        practice: session.practice,
        sandbox,
        fetched_at: Utc::now().to_rfc3339(),
        setups: setup_groups(&flows),
        flows,
        error: None,
    };
    if let Err(error) = write_json(&path, &view) {
        tracing::warn!(%error, "status cache not written");
    }
    Ok(view)
}

/// Writes `value` as JSON so that a crash leaves the old file or the new
/// one, never half of one.
pub fn write_json<T: Serialize + ?Sized>(path: &std::path::Path, value: &T) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    storage::write_atomically(path, &bytes, storage::Permissions::Default)
        .map_err(std::io::Error::other)
}

/// The last known status; a missing or unreadable cache is no status (it
/// is rebuilt by the next refresh), the latter logged.
fn read_cache(path: &std::path::Path) -> Option<DashboardView> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(%error, "status cache unreadable");
            return None;
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(view) => Some(view),
        Err(error) => {
            tracing::warn!(%error, "status cache damaged; ignored");
            None
        }
    }
}

/// The last known status without any network call: what the app shows the
/// moment it opens, before the first refresh answers.
pub async fn cached_dashboard(
    state: &Shared,
    practice: bool,
) -> CommandResult<Option<DashboardView>> {
    Ok(read_cache(&cache_path(state, practice)))
}

pub async fn set_flow_enabled(state: &Shared, flow_id: String, enabled: bool) -> CommandResult<()> {
    let (_, client) = state.sandbox_client().await?;
    switch(&client, &flow_id, enabled).await
}

/// Enables or disables every dataflow of one of this app's setups.
pub async fn set_setup_enabled(state: &Shared, name: String, enabled: bool) -> CommandResult<()> {
    let session = state.session().await?;
    // The journal's sandbox and dataflows: where the setup made them.
    let (sandbox, _, outcome) = crate::setup::recorded_setup(state, &session, &name).await?;
    let client = session.client(&sandbox).await?;
    let flows: Vec<String> = outcome.flow_ids().into_values().collect();
    if flows.is_empty() {
        return Err(CommandError::new(
            crate::ErrorCode::Setup(setup::SetupErrorCode::UnknownSetup),
            format!("no dataflow of a setup named {name:?}"),
        ));
    }
    // One after the other: a failure stops with the rest as they were, and
    // the dashboard's refresh shows which changed.
    for flow_id in flows {
        switch(&client, &flow_id, enabled).await?;
    }
    Ok(())
}

async fn switch(client: &platform::Client, flow_id: &str, enabled: bool) -> CommandResult<()> {
    let id = platform::models::FlowId::new(flow_id);
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
    /// Steps whose resources stayed, with the reason.
    pub kept: Vec<(StepId, setup::KeptReason)>,
}

/// Deletes a dataflow. One this app created goes with everything its setup
/// made (a rollback); one found elsewhere goes with its two connections.
pub async fn delete_dataflow(
    state: &Shared,
    flow_id: String,
    progress: Option<Progress>,
) -> CommandResult<DeletedView> {
    let (session, client) = state.sandbox_client().await?;
    // A rotation's new dataflow is not in its setup's journal yet: a
    // rollback would leave it, so it goes alone, like one found elsewhere.
    let owner = setups_by_flow(state, &session)?
        .into_iter()
        .find(|owner| owner.flow_id == flow_id && !owner.rotating)
        .map(|owner| owner.setup_name);
    let Some(name) = owner else {
        let deleted = setup::status::teardown(&client, &flow_id)
            .await
            .map_err(|error| CommandError::from_platform(&error));
        return Ok(DeletedView {
            deleted: deleted?,
            kept: Vec::new(),
        });
    };
    let _busy = state.claim(&name)?;
    // The journal's sandbox, not the screen's: a rollback deletes where the
    // setup created.
    let sandbox = journal_sandbox(state, &session, &name)?;
    let engine = engine_for(state, &session, &sandbox, progress).await?;
    let outcome = engine.rollback(&name).await;
    let outcome = outcome.map_err(|error| CommandError::from_setup(&error))?;
    Ok(DeletedView {
        deleted: outcome.deleted.into_iter().map(|(_, id)| id).collect(),
        kept: outcome
            .kept
            .into_iter()
            .map(|kept| (kept.step, kept.reason))
            .collect(),
    })
}

/// Copies any Chatlio dataflow's webhook URL without it passing the UI.
pub async fn copy_flow_webhook_url(
    state: &Shared,
    desktop: &dyn Desktop,
    flow_id: String,
) -> CommandResult<()> {
    let (_, client) = state.sandbox_client().await?;
    let url = client
        .flow_service()
        .webhook_url(&platform::models::FlowId::new(&flow_id))
        .await
        .map_err(|error| CommandError::from_platform(&error));
    let url = url?.ok_or_else(|| {
        CommandError::new(AppErrorCode::NoWebhook, "the dataflow has no inlet URL")
    })?;
    desktop
        .copy_to_clipboard(url.as_str())
        .map_err(|error| CommandError::new(AppErrorCode::ClipboardFailed, error))
}

/// A resource's state compared with what its setup made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResourceHealth {
    Ok,
    Deleted,
    Disabled,
    Changed,
    Unchecked,
}

impl From<setup::DriftKind> for ResourceHealth {
    fn from(kind: setup::DriftKind) -> Self {
        match kind {
            setup::DriftKind::Deleted => Self::Deleted,
            setup::DriftKind::Disabled => Self::Disabled,
            setup::DriftKind::Changed => Self::Changed,
            setup::DriftKind::Unchecked => Self::Unchecked,
        }
    }
}

/// What fixes a drifted resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RepairKind {
    /// Enable the dataflow again; the webhook URL stays.
    EnableFlow,
    /// Make the resource (and what depends on it) again.
    Rerun,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceHealthView {
    /// The step that made it.
    pub step: StepId,
    /// Which dataflow's resource, with one dataflow per Chatlio event.
    pub instance: Option<String>,
    pub resource_id: Option<String>,
    /// The user picked it, or it existed before.
    pub pre_existing: bool,
    pub health: ResourceHealth,
    /// Stable code of what differs (e.g. `flow_disabled`), when it drifted.
    pub detail: Option<String>,
    /// Adobe's or the engine's English wording, for the details disclosure.
    pub message: Option<String>,
    pub repair: Option<RepairKind>,
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
    let drift = engine.drift(name).await;
    let drift = drift.map_err(|error| CommandError::from_setup(&error))?;
    Ok((engine, drift))
}

/// The health of a setup's resources: the journal's records merged with
/// what a drift check found now.
pub fn resource_health(
    records: &[setup::journal::StepRecord],
    drift: &[setup::drift::Drift],
) -> Vec<ResourceHealthView> {
    records
        .iter()
        .filter(|record| record.resource_id.is_some())
        .map(|record| {
            let found = drift
                .iter()
                .find(|drift| drift.step == record.step && drift.instance == record.instance);
            let repair = found.and_then(|drift| drift.repair.as_ref());
            ResourceHealthView {
                step: record.step,
                instance: record.instance.clone(),
                resource_id: record.shown_resource_id().map(str::to_owned),
                pre_existing: record.pre_existing,
                health: found.map_or(ResourceHealth::Ok, |drift| drift.kind.into()),
                detail: found.map(|drift| drift.detail.to_owned()),
                message: found.map(|drift| drift.message.clone()),
                repair: repair.map(|repair| match repair {
                    setup::drift::Repair::EnableFlow => RepairKind::EnableFlow,
                    setup::drift::Repair::Rerun { .. } => RepairKind::Rerun,
                }),
                webhook_url_changes: matches!(
                    repair,
                    Some(setup::drift::Repair::Rerun {
                        webhook_url_changes: true,
                        ..
                    })
                ),
            }
        })
        .collect()
}

/// The resources a setup made and whether each is still as it was made.
pub async fn setup_health(state: &Shared, name: String) -> CommandResult<Vec<ResourceHealthView>> {
    let session = state.session().await?;
    let (engine, drift) = drift_of(state, &session, &name).await?;
    let outcome = engine
        .status(&name)
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok(resource_health(&outcome.steps, &drift))
}

/// Repairs the drift found at `step` (of the dataflow `instance`, with one
/// per Chatlio event), checked again first, so a stale screen cannot trigger
/// a repair that is no longer needed.
pub async fn repair_drift(
    state: &Shared,
    name: String,
    step: StepId,
    instance: Option<String>,
) -> CommandResult<()> {
    let session = state.session().await?;
    let _busy = state.claim(&name)?;
    let (engine, drift) = drift_of(state, &session, &name).await?;
    let repair = drift
        .into_iter()
        .find(|drift| drift.step == step && drift.instance == instance)
        .and_then(|drift| drift.repair)
        .ok_or_else(|| {
            CommandError::new(
                AppErrorCode::InvalidInput,
                format!("no repair for step {}", step.as_str()),
            )
            .with_hint("Refresh: the resource may be fine again.")
        })?;
    let outcome = engine.repair(&name, &repair).await;
    outcome
        .map(|_| ())
        .map_err(|error| CommandError::from_setup(&error))
}

/// Sends a test event to any Chatlio dataflow of the sandbox; the result
/// shows on the dashboard once Adobe's run counts it.
pub async fn send_flow_test_event(
    state: &Shared,
    flow_id: String,
    kind: chatlio::EventKind,
) -> CommandResult<TestEventView> {
    let (session, client) = state.sandbox_client().await?;
    crate::handover::send_and_record(state, &session, &client, &flow_id, kind).await
}
