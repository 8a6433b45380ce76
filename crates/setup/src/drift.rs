//! Drift: what happened in Adobe to a setup's resources since it ran. Each
//! resource the journal records is read back and compared with what the setup
//! made; every difference comes with a repair the UI can offer.

use futures_util::future::join_all;
use platform::models::{
    DatasetId, DescriptorId, FlowId, MappingSetId, SchemaId, SourceConnectionId, TargetConnectionId,
};
use platform::{Client, ErrorCode, PlatformError};
use serde::Serialize;

use crate::engine::{Engine, SetupOutcome};
use crate::error::{Result, SetupError};
use crate::journal::{Journal, StepState};
use crate::step::StepId;

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
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub step: StepId,
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
struct Recorded {
    step: StepId,
    id: String,
    pre_existing: bool,
}

fn recorded(journal: &Journal, step: StepId) -> Option<Recorded> {
    journal
        .record(step)
        .filter(|record| record.state == StepState::Done)
        .and_then(|record| {
            Some(Recorded {
                step,
                id: record.resource_id.clone()?,
                pre_existing: record.pre_existing,
            })
        })
}

fn rerun(step: StepId) -> Repair {
    let steps = step.with_referrers();
    let webhook_url_changes = steps
        .iter()
        .any(|step| matches!(step, StepId::Dataflow | StepId::ReadBack));
    Repair::Rerun {
        steps,
        webhook_url_changes,
    }
}

fn finding(
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
        DriftKind::Deleted | DriftKind::Changed => Some(rerun(record.step)),
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
        resource_id: (record.step != StepId::ReadBack).then(|| record.id.clone()),
        kind,
        detail,
        message: message.into(),
        repair,
        hint,
    }
}

/// Turns a failed read into `Deleted` (not found) or `Unchecked`.
fn read_failed(record: &Recorded, what: &str, error: &PlatformError) -> Drift {
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

/// Reads back one step's resource and reports how it differs.
async fn check(client: &Client, journal: &Journal, record: Recorded) -> Vec<Drift> {
    let registry = client.schema_registry();
    let flows = client.flow_service();
    let other = |step| recorded(journal, step).map(|found| found.id);
    let mut drifts = Vec::new();
    match record.step {
        StepId::FieldGroup => {
            if let Err(error) = registry
                .get_field_group(&SchemaId::new(record.id.as_str()))
                .await
            {
                drifts.push(read_failed(&record, "field group", &error));
            }
        }
        StepId::Schema => match registry
            .get_schema(&SchemaId::new(record.id.as_str()))
            .await
        {
            Err(error) => drifts.push(read_failed(&record, "schema", &error)),
            Ok(schema) => {
                if let Some(field_group) = other(StepId::FieldGroup) {
                    if !schema
                        .all_of
                        .iter()
                        .any(|part| part.reference == field_group)
                    {
                        drifts.push(finding(
                            &record,
                            DriftKind::Changed,
                            "schema_field_group_removed",
                            "The schema no longer includes the Chatlio field group.",
                        ));
                    }
                }
            }
        },
        StepId::IdentityDescriptor => {
            match registry
                .get_descriptor(&DescriptorId::new(record.id.as_str()))
                .await
            {
                Err(error) => drifts.push(read_failed(&record, "identity descriptor", &error)),
                Ok(descriptor) if descriptor.is_primary != Some(true) => drifts.push(finding(
                    &record,
                    DriftKind::Changed,
                    "identity_not_primary",
                    "The visitor email is no longer the schema's primary identity.",
                )),
                Ok(_) => {}
            }
        }
        StepId::Dataset => match client
            .catalog()
            .get_dataset(&DatasetId::new(record.id.as_str()))
            .await
        {
            Err(error) => drifts.push(read_failed(&record, "dataset", &error)),
            Ok(dataset) => {
                let found = dataset
                    .schema_ref
                    .map(|reference| reference.id.into_inner());
                if let Some(schema) = other(StepId::Schema) {
                    if found.as_deref() != Some(schema.as_str()) {
                        drifts.push(finding(
                            &record,
                            DriftKind::Changed,
                            "dataset_schema_changed",
                            "The dataset no longer uses the setup's schema.",
                        ));
                    }
                }
            }
        },
        StepId::SourceConnection => {
            if let Err(error) = flows
                .get_source_connection(&SourceConnectionId::new(record.id.as_str()))
                .await
            {
                drifts.push(read_failed(&record, "source connection", &error));
            }
        }
        StepId::TargetConnection => match flows
            .get_target_connection(&TargetConnectionId::new(record.id.as_str()))
            .await
        {
            Err(error) => drifts.push(read_failed(&record, "target connection", &error)),
            Ok(connection) => {
                let found = connection
                    .params
                    .and_then(|params| params.data_set_id)
                    .map(DatasetId::into_inner);
                if let Some(dataset) = other(StepId::Dataset) {
                    if found.as_deref() != Some(dataset.as_str()) {
                        drifts.push(finding(
                            &record,
                            DriftKind::Changed,
                            "target_dataset_changed",
                            "The target connection writes to another dataset.",
                        ));
                    }
                }
            }
        },
        StepId::MappingSet => {
            if let Err(error) = client
                .data_prep()
                .get_mapping_set(&MappingSetId::new(record.id.as_str()))
                .await
            {
                drifts.push(read_failed(&record, "mapping set", &error));
            }
        }
        StepId::Dataflow => match flows.get_flow(&FlowId::new(record.id.as_str())).await {
            Err(error) => drifts.push(read_failed(&record, "dataflow", &error)),
            Ok(flow) => {
                if !flow.is_enabled() {
                    drifts.push(finding(
                        &record,
                        DriftKind::Disabled,
                        "flow_disabled",
                        format!(
                            "The dataflow is {}; Chatlio's events are not ingested.",
                            flow.state.as_deref().unwrap_or("not enabled")
                        ),
                    ));
                }
                let checks = [
                    (
                        StepId::SourceConnection,
                        flow.source_connection_ids
                            .iter()
                            .map(|id| id.as_str().to_owned())
                            .collect::<Vec<_>>(),
                        "flow_source_changed",
                        "The dataflow reads from another source connection.",
                    ),
                    (
                        StepId::TargetConnection,
                        flow.target_connection_ids
                            .iter()
                            .map(|id| id.as_str().to_owned())
                            .collect(),
                        "flow_target_changed",
                        "The dataflow writes to another target connection.",
                    ),
                    (
                        StepId::MappingSet,
                        flow.transformations
                            .iter()
                            .filter_map(|transformation| transformation.mapping_id())
                            .map(MappingSetId::into_inner)
                            .collect(),
                        "flow_mapping_changed",
                        "The dataflow uses another mapping set.",
                    ),
                ];
                for (step, found, detail, message) in checks {
                    if let Some(expected) = other(step) {
                        if !found.contains(&expected) {
                            drifts.push(finding(&record, DriftKind::Changed, detail, message));
                        }
                    }
                }
            }
        },
        StepId::ReadBack => {
            let Some(flow_id) = other(StepId::Dataflow) else {
                return drifts;
            };
            match flows.get_flow(&FlowId::new(flow_id)).await {
                // The dataflow's own check reports it gone.
                Err(error) if error.code() == ErrorCode::NotFound => {}
                Err(error) => drifts.push(read_failed(&record, "dataflow's inlet", &error)),
                Ok(flow) => {
                    if flow.inlet_url() != Some(record.id.as_str()) {
                        drifts.push(finding(
                            &record,
                            DriftKind::Changed,
                            "inlet_url_changed",
                            "The dataflow's streaming endpoint changed since setup.",
                        ));
                    }
                }
            }
        }
        // Adobe cannot remove a union tag, so a Profile-enabled schema can
        // only drift by being deleted, which the schema's own check reports.
        StepId::TenantId | StepId::ProfileSchema => {}
    }
    drifts
}

/// Compares every resource the journal records as done with what exists in
/// Adobe now. All reads run at once. An empty list: no drift found.
pub async fn drift(client: &Client, journal: &Journal) -> Vec<Drift> {
    let records: Vec<Recorded> = StepId::ALL
        .into_iter()
        .filter_map(|step| recorded(journal, step))
        .collect();
    join_all(
        records
            .into_iter()
            .map(|record| check(client, journal, record)),
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
        match repair {
            Repair::EnableFlow => {
                let outcome = self.status(setup_name)?;
                let flow_id = outcome.flow_id.ok_or(SetupError::DependencyNotDone {
                    step: StepId::Dataflow,
                    missing: StepId::Dataflow,
                })?;
                self.client()
                    .flow_service()
                    .enable_flow(&FlowId::new(flow_id), None)
                    .await
                    .map_err(|error| SetupError::Step {
                        step: StepId::Dataflow,
                        error,
                    })?;
                tracing::info!(setup = %setup_name, "dataflow enabled again (drift repair)");
                self.status(setup_name)
            }
            Repair::Rerun { steps, .. } => {
                self.forget_steps(setup_name, steps).await?;
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
