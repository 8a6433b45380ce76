//! Drift: what happened in Adobe to a setup's resources since it ran. Each
//! resource the journal records is read back and compared with what the setup
//! made; every difference comes with a repair the UI can offer.

use std::collections::HashMap;

use futures_util::future::join_all;
use platform::models::flow::Flow;
use platform::models::FlowId;
use platform::{Client, ErrorCode, PlatformError};
use serde::Serialize;

use crate::engine::{Engine, SetupOutcome};
use crate::error::{Result, SetupError};
use crate::journal::{Journal, StepRecord, StepState};
use crate::plan::EntryKey;
use crate::step::StepId;
use crate::steps;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// The resource is gone.
    Deleted,
    /// The dataflow is disabled: Adobe rejects Chatlio's events.
    Disabled,
    /// The resource exists but no longer matches the setup (see `detail`).
    Changed,
    /// The resource could not be read; nothing is known about its drift.
    Unchecked,
}

/// What fixes a drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Repair {
    /// Enable the dataflow again; the webhook URL stays the same.
    EnableFlow,
    /// Make these steps' resources again: ours that still exist are deleted
    /// first (newest first), then the setup resumes. When the dataflow is among
    /// them, its webhook URL changes and Chatlio must get the new one.
    #[serde(rename_all = "camelCase")]
    Rerun {
        steps: Vec<StepId>,
        webhook_url_changes: bool,
        /// When the drifted resource is one dataflow's own (a setup with one
        /// URL per event), only that dataflow's resources are made again;
        /// `None`: every record of the steps.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instance: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub step: StepId,
    /// Which dataflow's resource (its [`chatlio::FlowPlan`] key) when the
    /// setup has one per Chatlio event; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The id the journal records (none for the read-back, whose record is half
    /// of the webhook URL).
    pub resource_id: Option<String>,
    pub kind: DriftKind,
    /// Stable code of what differs, e.g. `flow_disabled`, `dataset_schema_changed`.
    pub detail: &'static str,
    pub message: String,
    /// `None` when no automatic repair exists (a resource the user picked was
    /// deleted, or the check itself failed).
    pub repair: Option<Repair>,
    pub hint: String,
}

/// A finished step's record, as the checks need it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub step: StepId,
    /// See [`StepRecord::instance`](crate::journal::StepRecord::instance).
    pub instance: Option<String>,
    pub id: String,
    pub pre_existing: bool,
}

/// A journal record as the checks need it, when it is done with a resource.
fn done_record(record: &StepRecord) -> Option<Recorded> {
    if record.state != StepState::Done {
        return None;
    }
    Some(Recorded {
        step: record.step,
        instance: record.instance.clone(),
        id: record.resource_id.clone()?,
        pre_existing: record.pre_existing,
    })
}

/// The record of `step` that `of` uses, when it is done with a resource:
/// the one of `of`'s own instance when the journal has it (one dataflow's
/// connection), else the single one (the shared dataset).
pub(crate) fn recorded(journal: &Journal, step: StepId, of: &Recorded) -> Option<Recorded> {
    let same_instance = EntryKey {
        step,
        instance: of.instance.clone(),
    };
    journal
        .record_for(&same_instance)
        .or_else(|| journal.record(step))
        .and_then(done_record)
}

fn rerun(record: &Recorded) -> Repair {
    let steps = record.step.with_referrers();
    let webhook_url_changes = steps
        .iter()
        .any(|step| matches!(step, StepId::Dataflow | StepId::ReadBack));
    Repair::Rerun {
        steps,
        webhook_url_changes,
        instance: record.instance.clone(),
    }
}

pub(crate) fn finding(
    record: &Recorded,
    kind: DriftKind,
    detail: &'static str,
    message: impl Into<String>,
) -> Drift {
    let repair = match kind {
        DriftKind::Unchecked => None,
        DriftKind::Disabled => Some(Repair::EnableFlow),
        // What the user picked is theirs; the setup cannot make it again.
        DriftKind::Deleted | DriftKind::Changed if record.pre_existing => None,
        DriftKind::Deleted | DriftKind::Changed => Some(rerun(record)),
    };
    let hint = match (&repair, kind) {
        (_, DriftKind::Unchecked) => {
            "Check again later; if it persists, check the credential's View permissions."
                .to_owned()
        }
        (Some(Repair::EnableFlow), _) => {
            "Enable the dataflow again; the webhook URL stays the same.".to_owned()
        }
        (Some(Repair::Rerun {
            webhook_url_changes: true,
            ..
        }), _) => "Repair makes the affected resources again; the dataflow gets a new webhook URL, which must be pasted into Chatlio.".to_owned(),
        (Some(Repair::Rerun { .. }), _) => {
            "Repair makes the affected resources again; the webhook URL stays the same."
                .to_owned()
        }
        (None, _) => "This resource was chosen by you, not made by the setup: pick another one and run the setup again.".to_owned(),
    };
    Drift {
        step: record.step,
        instance: record.instance.clone(),
        resource_id: (record.step != StepId::ReadBack).then(|| record.id.clone()),
        kind,
        detail,
        message: message.into(),
        repair,
        hint,
    }
}

/// Turns a failed read into `Deleted` (not found) or `Unchecked`.
pub(crate) fn read_failed(record: &Recorded, what: &str, error: &PlatformError) -> Drift {
    if error.code() == ErrorCode::NotFound {
        finding(
            record,
            DriftKind::Deleted,
            "deleted",
            format!("The {what} {} no longer exists.", record.id),
        )
    } else {
        finding(
            record,
            DriftKind::Unchecked,
            "check_failed",
            format!("The {what} could not be read: {error}"),
        )
    }
}

/// The drift of a resource read back: `Deleted` or `Unchecked` when the read
/// failed (see [`read_failed`]), else what `compare` finds in it.
pub(crate) fn compare_read<Resource>(
    record: &Recorded,
    what: &str,
    read: std::result::Result<Resource, PlatformError>,
    compare: impl FnOnce(Resource) -> Vec<Drift>,
) -> Vec<Drift> {
    match read {
        Err(error) => vec![read_failed(record, what, &error)],
        Ok(resource) => compare(resource),
    }
}

/// The drift of a resource the setup only needs to exist.
pub(crate) fn check_exists<Resource>(
    record: &Recorded,
    what: &str,
    read: std::result::Result<Resource, PlatformError>,
) -> Vec<Drift> {
    compare_read(record, what, read, |_| Vec::new())
}

/// `Changed` (with `detail` and `message`) when the journal records `step`
/// done and the resource read back no longer refers to that step's resource;
/// `refers_to` says whether it refers to an id. Nothing when `step` has no
/// resource recorded: there is nothing to compare with.
pub(crate) fn reference_changed(
    journal: &Journal,
    record: &Recorded,
    step: StepId,
    refers_to: impl FnOnce(&str) -> bool,
    detail: &'static str,
    message: &str,
) -> Vec<Drift> {
    match recorded(journal, step, record) {
        Some(expected) if !refers_to(&expected.id) => {
            vec![finding(record, DriftKind::Changed, detail, message)]
        }
        _ => Vec::new(),
    }
}

/// The dataflows a status round has just listed, by id: Adobe lists a
/// dataflow as it answers a read of it (`GET /flows` and `GET /flows/{id}`
/// both answer `FlowListResponse` items, `FlowItemDTO`, in
/// `static/swagger-specs/flow-service.yaml`), so a drift check made right
/// after the list compares a listed dataflow instead of reading it again.
/// A dataflow not listed (deleted, or no longer Chatlio's) is read.
#[derive(Debug, Default)]
pub struct ListedFlows(HashMap<String, Flow>);

impl ListedFlows {
    pub fn new(flows: impl IntoIterator<Item = Flow>) -> Self {
        Self(
            flows
                .into_iter()
                .map(|flow| (flow.id.as_str().to_owned(), flow))
                .collect(),
        )
    }

    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.0.get(id)
    }
}

/// How one step's resource differs: from the listed dataflows when they
/// hold what the step compares, else read back.
async fn check(
    client: &Client,
    journal: &Journal,
    listed: &ListedFlows,
    record: Recorded,
) -> Vec<Drift> {
    let step = steps::of(record.step);
    match step.drift_from_listed(journal, &record, listed) {
        Some(drifts) => drifts,
        None => step.check_drift(client, journal, &record).await,
    }
}

/// Compares every resource the journal records as done with what exists in
/// Adobe now. All reads run at once. An empty list: no drift found.
pub async fn drift(client: &Client, journal: &Journal) -> Vec<Drift> {
    drift_with_listed(client, journal, &ListedFlows::default()).await
}

/// [`drift`], with the dataflows a status round listed just before taken
/// as read (see [`ListedFlows`]).
pub async fn drift_with_listed(
    client: &Client,
    journal: &Journal,
    listed: &ListedFlows,
) -> Vec<Drift> {
    // Every done record: the single ones and each dataflow's own, in step
    // order as the journal of a single-URL setup has always been read.
    let mut records: Vec<Recorded> = journal.steps.iter().filter_map(done_record).collect();
    records.sort_by(|first, second| {
        (first.step, &first.instance).cmp(&(second.step, &second.instance))
    });
    join_all(
        records
            .into_iter()
            .map(|record| check(client, journal, listed, record)),
    )
    .await
    .into_iter()
    .flatten()
    .collect()
}

impl Engine {
    /// The drift of a setup known to this engine's journal store.
    pub async fn drift(&self, setup_name: &str) -> Result<Vec<Drift>> {
        let journal = self
            .store()
            .load(setup_name)?
            .ok_or_else(|| SetupError::UnknownSetup(setup_name.to_owned()))?;
        Ok(drift(self.client(), &journal).await)
    }

    /// Carries out a drift's repair. Returns the setup's state afterwards; for a
    /// re-run that includes the new webhook URL.
    pub async fn repair(&self, setup_name: &str, repair: &Repair) -> Result<SetupOutcome> {
        let result = self.repair_now(setup_name, repair).await;
        let detail = match repair {
            Repair::EnableFlow => "enable_flow".to_owned(),
            Repair::Rerun {
                steps, instance, ..
            } => {
                let names: Vec<&str> = steps.iter().map(|step| step.as_str()).collect();
                match instance {
                    Some(key) => format!("rerun {} ({key})", names.join(", ")),
                    None => format!("rerun {}", names.join(", ")),
                }
            }
        };
        self.note_history(
            setup_name,
            crate::journal::HistoryAction::Repair,
            Some(detail),
            &result,
        );
        result
    }

    async fn repair_now(&self, setup_name: &str, repair: &Repair) -> Result<SetupOutcome> {
        match repair {
            Repair::EnableFlow => {
                // Every dataflow of the setup found disabled is enabled again
                // (one, or one per Chatlio event; the enabled ones untouched).
                let flow_ids = self.status(setup_name)?.flow_ids();
                if flow_ids.is_empty() {
                    return Err(SetupError::DependencyNotDone {
                        step: StepId::Dataflow,
                        missing: StepId::Dataflow,
                    });
                }
                self.enable_disabled_flows(setup_name, flow_ids).await
            }
            Repair::Rerun {
                steps, instance, ..
            } => {
                self.forget_steps(setup_name, steps, instance.as_deref())
                    .await?;
                tracing::info!(
                    setup = %setup_name,
                    steps = ?steps.iter().map(|step| step.as_str()).collect::<Vec<_>>(),
                    "steps reset for a re-run (drift repair)"
                );
                self.resume(setup_name).await
            }
        }
    }
}

impl Engine {
    /// Enables each of `flow_ids` that is not enabled.
    async fn enable_disabled_flows(
        &self,
        setup_name: &str,
        flow_ids: std::collections::BTreeMap<String, String>,
    ) -> Result<SetupOutcome> {
        let failed = |error| SetupError::Step {
            step: StepId::Dataflow,
            error,
        };
        let service = self.client().flow_service();
        let reads = join_all(flow_ids.values().map(|id| {
            let service = self.client().flow_service();
            async move { service.get_flow(&FlowId::new(id.as_str())).await }
        }))
        .await;
        for read in reads {
            let flow = read.map_err(failed)?;
            if !flow.is_enabled() {
                service.enable_flow(&flow.id, None).await.map_err(failed)?;
                tracing::info!(setup = %setup_name, "dataflow enabled again (drift repair)");
            }
        }
        self.status(setup_name)
    }
}
