//! Rotating a dataflow's webhook URL: anyone who has the URL can write into
//! the dataset, so a leaked one must be replaced, and never leave a moment
//! without a working URL.
//!
//! A new source connection and dataflow are made next to the old one,
//! writing to the same dataset through the same target connection and
//! mapping; the new URL is handed over only once Adobe's warm-up has passed
//! (data sent earlier may be lost: help/sources/tutorials/api/create/streaming/http.md);
//! the old dataflow keeps working until the first event arrives through the
//! new one; then the old one is disabled and, once confirmed, deleted, and
//! the setup's journal names the new resources.
//!
//! Like a setup, a rotation is data ([`Rotation`]) saved after every step,
//! so an interrupted one resumes where it stood and never makes a resource
//! twice: each new resource's name is fixed (from the rotation's start)
//! before it is made, and looked up by that name before making it again.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use platform::flow_service::ListQuery;
use platform::models::flow::{FlowRequest, SourceConnectionRequest};
use platform::models::{FlowId, SourceConnectionId};
use platform::{Client, ErrorCode, PlatformError, WebhookUrl};
use serde::{Deserialize, Serialize};

use crate::journal::{is_safe_file_name, Journal, JournalError, JournalStore};
use crate::names::{instance_marker, marker};
use crate::plan::EntryKey;
use crate::step::StepId;
use crate::timing::{from_millis, Timing};

/// The format [`Rotation`] files are written in.
pub const ROTATION_FORMAT: u32 = 1;

/// Where a rotation stands, in order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationPhase {
    /// Names fixed; the new resources are being made.
    Started,
    /// The new dataflow exists; Adobe's warm-up has not passed yet.
    Created,
    /// The new URL accepts data: it can be handed over.
    Ready,
    /// An event arrived through the new URL: Chatlio uses it.
    FirstEventSeen,
    /// The old dataflow is disabled (its URL no longer accepts data).
    OldDisabled,
    /// The old dataflow and its source connection are deleted and the
    /// journal names the new ones.
    Finished,
}

/// One rotation of one dataflow of a setup.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    pub format: u32,
    pub setup_name: String,
    /// Which of the setup's dataflows (its plan key), for a setup with one
    /// per Chatlio event; `None` for a setup's only dataflow.
    pub instance: Option<String>,
    pub phase: RotationPhase,
    pub old_flow_id: String,
    pub old_source_connection_id: Option<String>,
    pub new_source_connection_name: String,
    pub new_flow_name: String,
    pub new_source_connection_id: Option<String>,
    pub new_flow_id: Option<String>,
    pub started_at: DateTime<Utc>,
    /// When the new URL accepts data (its creation plus Adobe's warm-up).
    pub accepts_data_from: Option<DateTime<Utc>>,
    pub first_event_at: Option<DateTime<Utc>>,
    pub old_disabled_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("no setup named {0:?} has a journal here")]
    UnknownSetup(String),
    #[error("setup {setup:?} has no finished dataflow{}", .instance.as_ref().map(|key| format!(" {key:?}")).unwrap_or_default())]
    NoDataflow {
        setup: String,
        instance: Option<String>,
    },
    #[error("setup {setup:?} has several dataflows ({keys}): name the one to rotate")]
    WhichDataflow { setup: String, keys: String },
    #[error("no rotation of {0} is under way")]
    NotStarted(String),
    #[error("the new URL accepts data from {0}; hand it over after that")]
    WarmingUp(DateTime<Utc>),
    #[error("no event has arrived through the new URL yet: the old one may still be in use (finish anyway with force)")]
    NewUrlUnused,
    #[error("the old dataflow is disabled; deleting it needs confirming")]
    NeedsConfirmation,
    /// The new dataflow was deleted outside this app (in Adobe's UI, say)
    /// while the rotation was under way: starting again makes a new one.
    #[error("the rotation's new dataflow {0} is gone (deleted outside this app); start the rotation again to make a new one")]
    NewDataflowGone(String),
    #[error("Adobe answered without {0}")]
    MissingInResponse(&'static str),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("rotation file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

/// Rotation files, one per setup and dataflow, in their own folder
/// (`storage::DataLayout::rotations`; never among the journals).
#[derive(Debug, Clone)]
pub struct RotationStore {
    directory: PathBuf,
}

impl RotationStore {
    pub fn new(directory: impl Into<PathBuf>) -> RotationStore {
        RotationStore {
            directory: directory.into(),
        }
    }

    fn path_for(&self, setup_name: &str, instance: Option<&str>) -> Result<PathBuf, RotationError> {
        // The journal's rule for a safe file name, on each part.
        if !is_safe_file_name(setup_name) || instance.is_some_and(|key| !is_safe_file_name(key)) {
            return Err(RotationError::File {
                path: self.directory.clone(),
                message: format!("{setup_name:?} cannot name a file"),
            });
        }
        let file = match instance {
            Some(key) => format!("{setup_name}+{key}.json"),
            None => format!("{setup_name}.json"),
        };
        Ok(self.directory.join(file))
    }

    pub fn load(
        &self,
        setup_name: &str,
        instance: Option<&str>,
    ) -> Result<Option<Rotation>, RotationError> {
        let path = self.path_for(setup_name, instance)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(RotationError::File {
                    path,
                    message: error.to_string(),
                })
            }
        };
        let rotation: Rotation =
            serde_json::from_slice(&bytes).map_err(|error| RotationError::File {
                path: path.clone(),
                message: error.to_string(),
            })?;
        if rotation.format > ROTATION_FORMAT {
            return Err(RotationError::File {
                path,
                message: format!(
                    "format {} is newer than this version reads",
                    rotation.format
                ),
            });
        }
        Ok(Some(rotation))
    }

    /// Writes the rotation whole (never half a file).
    pub fn save(&self, rotation: &Rotation) -> Result<(), RotationError> {
        let path = self.path_for(&rotation.setup_name, rotation.instance.as_deref())?;
        let bytes = serde_json::to_vec_pretty(rotation).map_err(|error| RotationError::File {
            path: path.clone(),
            message: error.to_string(),
        })?;
        storage::write_atomically(&path, &bytes, storage::Permissions::Default).map_err(|error| {
            RotationError::File {
                path: error.path.clone(),
                message: error.to_string(),
            }
        })
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

/// The dataflow of `journal` a rotation is about: the one `instance` names,
/// or the only one.
fn dataflow_of(
    journal: &Journal,
    instance: Option<&str>,
) -> Result<(Option<String>, String), RotationError> {
    let flows: Vec<(Option<String>, String)> = journal
        .records_of(StepId::Dataflow)
        .filter(|record| record.state == crate::journal::StepState::Done)
        .filter_map(|record| {
            record
                .resource_id
                .clone()
                .map(|id| (record.instance.clone(), id))
        })
        .collect();
    let no_dataflow = || RotationError::NoDataflow {
        setup: journal.setup_name.clone(),
        instance: instance.map(str::to_owned),
    };
    match instance {
        Some(key) => flows
            .into_iter()
            .find(|(found, _)| found.as_deref() == Some(key))
            .ok_or_else(no_dataflow),
        None if flows.len() > 1 => Err(RotationError::WhichDataflow {
            setup: journal.setup_name.clone(),
            keys: flows
                .iter()
                .filter_map(|(key, _)| key.clone())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        None => flows.into_iter().next().ok_or_else(no_dataflow),
    }
}

fn not_found(error: &PlatformError) -> bool {
    error.code() == ErrorCode::NotFound
}

/// Starts (or resumes) rotating one dataflow of a setup: fixes the new
/// resources' names, makes the new source connection and dataflow (each
/// looked up by its name first, so a resumed rotation never makes one
/// twice), and saves the rotation after each.
pub async fn start(
    client: &Client,
    journals: &JournalStore,
    rotations: &RotationStore,
    setup_name: &str,
    instance: Option<&str>,
    timing: &Timing,
) -> Result<Rotation, RotationError> {
    let journal = journals
        .load(setup_name)?
        .ok_or_else(|| RotationError::UnknownSetup(setup_name.to_owned()))?;
    let (instance, old_flow_id) = dataflow_of(&journal, instance)?;
    let existing = rotations.load(setup_name, instance.as_deref())?;
    let mut rotation = match existing {
        Some(mut rotation) if rotation.phase < RotationPhase::Finished => {
            start_again_if_gone(client, &mut rotation, rotations).await?;
            rotation
        }
        _ => {
            let started_at = Utc::now();
            let old = client
                .flow_service()
                .get_flow(&FlowId::new(old_flow_id.as_str()))
                .await?;
            let stamp = started_at.format("%Y-%m-%d %H.%M.%S");
            let base = old.name.clone().unwrap_or_else(|| setup_name.to_owned());
            let rotation = Rotation {
                format: ROTATION_FORMAT,
                setup_name: setup_name.to_owned(),
                instance: instance.clone(),
                phase: RotationPhase::Started,
                old_source_connection_id: old
                    .source_connection_ids
                    .first()
                    .map(|id| id.as_str().to_owned()),
                old_flow_id,
                new_source_connection_name: format!("{base} source (rotated {stamp})"),
                new_flow_name: format!("{base} (rotated {stamp})"),
                new_source_connection_id: None,
                new_flow_id: None,
                started_at,
                accepts_data_from: None,
                first_event_at: None,
                old_disabled_at: None,
                finished_at: None,
            };
            rotations.save(&rotation)?;
            rotation
        }
    };
    if rotation.phase == RotationPhase::Started {
        make_new_resources(client, &mut rotation, rotations, timing).await?;
    }
    Ok(rotation)
}

/// A rotation whose new dataflow was deleted outside this app goes back to
/// making one (under a new name, so that nothing deleted is taken for it),
/// keeping its new source connection when that is still there. The old
/// dataflow is left as it is: it is the one Chatlio may still be using.
async fn start_again_if_gone(
    client: &Client,
    rotation: &mut Rotation,
    rotations: &RotationStore,
) -> Result<(), RotationError> {
    let Some(id) = rotation.new_flow_id.clone() else {
        return Ok(());
    };
    let service = client.flow_service();
    match service.get_flow(&FlowId::new(id.as_str())).await {
        Ok(_) => return Ok(()),
        Err(error) if not_found(&error) => {}
        Err(error) => return Err(error.into()),
    }
    if let Some(source) = rotation.new_source_connection_id.clone() {
        match service
            .get_source_connection(&SourceConnectionId::new(source.as_str()))
            .await
        {
            Ok(_) => {}
            Err(error) if not_found(&error) => rotation.new_source_connection_id = None,
            Err(error) => return Err(error.into()),
        }
    }
    // To the millisecond: started again within the second, the names still
    // differ from the deleted ones.
    let stamp = Utc::now().format("%Y-%m-%d %H.%M.%S%.3f");
    let base = rotation
        .new_flow_name
        .rsplit_once(" (rotated ")
        .map_or(rotation.setup_name.as_str(), |(base, _)| base)
        .to_owned();
    if rotation.new_source_connection_id.is_none() {
        rotation.new_source_connection_name = format!("{base} source (rotated {stamp})");
    }
    rotation.new_flow_name = format!("{base} (rotated {stamp})");
    rotation.new_flow_id = None;
    rotation.accepts_data_from = None;
    rotation.first_event_at = None;
    rotation.old_disabled_at = None;
    rotation.phase = RotationPhase::Started;
    rotations.save(rotation)?;
    Ok(())
}

/// The rotation's new dataflow, or [`RotationError::NewDataflowGone`] when
/// it was deleted outside this app.
async fn new_flow_of(
    client: &Client,
    rotation: &Rotation,
) -> Result<platform::models::flow::Flow, RotationError> {
    let id = rotation
        .new_flow_id
        .as_deref()
        .ok_or(RotationError::MissingInResponse("the new dataflow"))?;
    match client.flow_service().get_flow(&FlowId::new(id)).await {
        Ok(flow) => Ok(flow),
        Err(error) if not_found(&error) => Err(RotationError::NewDataflowGone(id.to_owned())),
        Err(error) => Err(error.into()),
    }
}

/// The markers the new resources carry: the old ones', so status, the
/// dashboard and drift know them as this setup's.
fn description(rotation: &Rotation, step: StepId, what: &str) -> String {
    let tag = match &rotation.instance {
        Some(key) => instance_marker(&rotation.setup_name, step, key),
        None => marker(&rotation.setup_name, step),
    };
    format!("{what} Made by Chatlio Setup, rotating the webhook URL [{tag}]")
}

async fn make_new_resources(
    client: &Client,
    rotation: &mut Rotation,
    rotations: &RotationStore,
    timing: &Timing,
) -> Result<(), RotationError> {
    let service = client.flow_service();
    if rotation.new_source_connection_id.is_none() {
        let name = rotation.new_source_connection_name.clone();
        let found = service
            .list_source_connections(&ListQuery::property(format!("name=={name}")))
            .await?
            .into_iter()
            .find(|connection| connection.name.as_deref() == Some(name.as_str()));
        let id = match found {
            Some(connection) => connection.id,
            None => {
                service
                    .create_source_connection(&SourceConnectionRequest::chatlio(
                        name,
                        Some(description(
                            rotation,
                            StepId::SourceConnection,
                            "Chatlio webhook source.",
                        )),
                    ))
                    .await?
                    .id
            }
        };
        rotation.new_source_connection_id = Some(id.as_str().to_owned());
        rotations.save(rotation)?;
    }
    let source = SourceConnectionId::new(
        rotation
            .new_source_connection_id
            .clone()
            .ok_or(RotationError::MissingInResponse("a source connection id"))?,
    );
    let name = rotation.new_flow_name.clone();
    let found = service
        .list_all_flows(&ListQuery::property(format!("name=={name}")))
        .await?
        .into_iter()
        .find(|flow| flow.name.as_deref() == Some(name.as_str()));
    let new_flow =
        match found {
            Some(flow) => flow,
            None => {
                // The old dataflow's target, mapping and options: the same
                // dataset, the same records.
                let old = service
                    .get_flow(&FlowId::new(rotation.old_flow_id.as_str()))
                    .await?;
                let options = old.options.as_ref().map(|options| {
                    let mut wanted = serde_json::Map::new();
                    if let Some(enabled) = options.error_diagnostics_enabled {
                        wanted.insert("errorDiagnosticsEnabled".into(), enabled.into());
                    }
                    if let Some(percent) = options.partial_ingestion_percent {
                        wanted.insert("partialIngestionPercent".into(), percent.into());
                    }
                    serde_json::Value::Object(wanted)
                });
                let request =
                    FlowRequest {
                        name,
                        description: Some(description(
                            rotation,
                            StepId::Dataflow,
                            "Chatlio events into Adobe Experience Platform.",
                        )),
                        flow_spec: old.flow_spec.clone().ok_or(
                            RotationError::MissingInResponse("the old dataflow's flow spec"),
                        )?,
                        source_connection_ids: vec![source],
                        target_connection_ids: old.target_connection_ids.clone(),
                        transformations: old.transformations.clone(),
                        options: options
                            .filter(|value| value.as_object().is_some_and(|map| !map.is_empty())),
                    };
                let created = service.create_flow(&request).await?;
                service.get_flow(&created.id).await?
            }
        };
    rotation.new_flow_id = Some(new_flow.id.as_str().to_owned());
    let created_at = from_millis(new_flow.created_at).unwrap_or_else(Utc::now);
    rotation.accepts_data_from = Some(timing.accepts_data_from(created_at));
    rotation.phase = RotationPhase::Created;
    rotations.save(rotation)?;
    Ok(())
}

/// What a rotation shows: its phase (moved on when the warm-up has passed or
/// the first event came through the new URL), and records counted by each
/// dataflow since the rotation started.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RotationStatus {
    pub rotation: Rotation,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub old_received: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_received: u64,
}

/// Reads both dataflows' runs since the rotation started and moves the
/// phase on: `Ready` once the warm-up has passed, `FirstEventSeen` once a
/// run of the new dataflow received a record.
pub async fn status(
    client: &Client,
    rotations: &RotationStore,
    setup_name: &str,
    instance: Option<&str>,
    timing: &Timing,
    now: DateTime<Utc>,
) -> Result<RotationStatus, RotationError> {
    let mut rotation = rotations
        .load(setup_name, instance)?
        .ok_or_else(|| RotationError::NotStarted(setup_name.to_owned()))?;
    let service = client.flow_service();
    let mut changed = false;
    // Until the rotation ends, its new dataflow is read: one deleted
    // outside this app is said, not shown as a URL still to hand over (its
    // runs alone would only read as none).
    if rotation.new_flow_id.is_some() && rotation.phase < RotationPhase::Finished {
        let flow = new_flow_of(client, &rotation).await?;
        // Adobe's creation time is the truth for the warm-up, not the
        // clock of the computer that started the rotation.
        if rotation.phase == RotationPhase::Created {
            if let Some(created_at) = from_millis(flow.created_at) {
                let from = timing.accepts_data_from(created_at);
                if rotation.accepts_data_from != Some(from) {
                    rotation.accepts_data_from = Some(from);
                    changed = true;
                }
            }
        }
    }
    let received = |runs: Vec<platform::models::flow::Run>| -> u64 {
        runs.iter()
            .filter_map(|run| run.metrics.as_ref())
            .filter_map(|metrics| metrics.record_summary.as_ref())
            .filter_map(|summary| summary.input_record_count)
            .sum()
    };
    let since = rotation.started_at - chrono::Duration::hours(1);
    let old_received = match service
        .list_runs_since(&FlowId::new(rotation.old_flow_id.as_str()), since)
        .await
    {
        Ok(runs) => received(runs),
        // Deleted at the end of the rotation: it counts nothing more.
        Err(error) if not_found(&error) => 0,
        Err(error) => return Err(error.into()),
    };
    let new_received = match &rotation.new_flow_id {
        Some(id) => received(
            service
                .list_runs_since(&FlowId::new(id.as_str()), since)
                .await?,
        ),
        None => 0,
    };
    if rotation.phase == RotationPhase::Created
        && rotation.accepts_data_from.is_some_and(|from| from <= now)
    {
        rotation.phase = RotationPhase::Ready;
        changed = true;
    }
    if rotation.phase == RotationPhase::Ready && new_received > 0 {
        rotation.phase = RotationPhase::FirstEventSeen;
        rotation.first_event_at = Some(now);
        changed = true;
    }
    if changed {
        rotations.save(&rotation)?;
    }
    Ok(RotationStatus {
        rotation,
        old_received,
        new_received,
    })
}

/// The new webhook URL, once it accepts data (before, data sent to it could
/// be lost, so it is not handed over).
pub async fn new_url(
    client: &Client,
    rotation: &Rotation,
    now: DateTime<Utc>,
) -> Result<WebhookUrl, RotationError> {
    match rotation.accepts_data_from {
        Some(from) if from > now => return Err(RotationError::WarmingUp(from)),
        None => return Err(RotationError::MissingInResponse("the new dataflow")),
        Some(_) => {}
    }
    new_flow_of(client, rotation)
        .await?
        .webhook_url()?
        .ok_or(RotationError::MissingInResponse(
            "the new dataflow's inlet URL",
        ))
}

/// Ends a rotation: disables the old dataflow (once an event came through
/// the new URL, or when `force`), then, when `delete` confirms it, deletes
/// the old dataflow and its source connection and makes the setup's journal
/// name the new ones. Each step is saved; running it again goes on from
/// where it stopped.
pub async fn finish(
    client: &Client,
    journals: &JournalStore,
    rotations: &RotationStore,
    setup_name: &str,
    instance: Option<&str>,
    force: bool,
    delete: bool,
) -> Result<Rotation, RotationError> {
    let mut rotation = rotations
        .load(setup_name, instance)?
        .ok_or_else(|| RotationError::NotStarted(setup_name.to_owned()))?;
    if rotation.phase < RotationPhase::Ready {
        return Err(match rotation.accepts_data_from {
            Some(from) => RotationError::WarmingUp(from),
            None => RotationError::MissingInResponse("the new dataflow"),
        });
    }
    if rotation.phase < RotationPhase::FirstEventSeen && !force {
        return Err(RotationError::NewUrlUnused);
    }
    let service = client.flow_service();
    let old = FlowId::new(rotation.old_flow_id.as_str());
    if rotation.phase == RotationPhase::Finished {
        return Ok(rotation);
    }
    // The new dataflow is read before the old one is touched: with the new
    // one deleted outside this app, disabling or deleting the old one would
    // leave no URL that accepts data.
    let new_flow = new_flow_of(client, &rotation).await?;
    if rotation.phase < RotationPhase::OldDisabled {
        match service.get_flow(&old).await {
            Ok(flow) if flow.is_enabled() => {
                service.disable_flow(&old, flow.etag.as_ref()).await?;
            }
            Ok(_) => {}
            Err(error) if not_found(&error) => {}
            Err(error) => return Err(error.into()),
        }
        rotation.phase = RotationPhase::OldDisabled;
        rotation.old_disabled_at = Some(Utc::now());
        rotations.save(&rotation)?;
    }
    if !delete {
        return Err(RotationError::NeedsConfirmation);
    }
    match service.delete_flow(&old).await {
        Ok(()) => {}
        Err(error) if not_found(&error) => {}
        Err(error) => return Err(error.into()),
    }
    if let Some(source) = &rotation.old_source_connection_id {
        match service
            .delete_source_connection(&SourceConnectionId::new(source.as_str()))
            .await
        {
            Ok(()) => {}
            Err(error) if not_found(&error) => {}
            Err(error) => return Err(error.into()),
        }
    }
    // The read-back's record is the dataflow's inlet, as the setup keeps it.
    let inlet = new_flow.inlet_url().map(str::to_owned);
    let mut journal = journals
        .load(setup_name)?
        .ok_or_else(|| RotationError::UnknownSetup(setup_name.to_owned()))?;
    for (step, id) in [
        (
            StepId::SourceConnection,
            rotation.new_source_connection_id.clone(),
        ),
        (StepId::Dataflow, rotation.new_flow_id.clone()),
        (StepId::ReadBack, inlet),
    ] {
        if let Some(id) = id {
            let key = EntryKey {
                step,
                instance: rotation.instance.clone(),
            };
            let record = journal.record_mut_for(&key);
            record.resource_id = Some(id);
            record.etag = None;
        }
    }
    journal.push_history(crate::journal::HistoryEntry {
        at: Utc::now(),
        action: crate::journal::HistoryAction::Rotation,
        outcome: "done".to_owned(),
        detail: Some(format!(
            "dataflow {} replaced by {}",
            rotation.old_flow_id,
            rotation.new_flow_id.as_deref().unwrap_or_default()
        )),
    });
    journals.save(&mut journal)?;
    rotation.phase = RotationPhase::Finished;
    rotation.finished_at = Some(Utc::now());
    rotations.save(&rotation)?;
    Ok(rotation)
}
