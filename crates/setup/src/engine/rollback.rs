//! Rollback: deleting what a setup made, newest first, never what existed
//! before; and `forget_steps`, which drift repair uses to make resources again.
//! What a delete means for each step (and what cannot be deleted) is the step's
//! own ([`crate::steps::Step::delete`]).

use chrono::Utc;
use platform::ErrorCode;

use super::{Engine, KeptReason, KeptResource, ProgressKind, RollbackOutcome};
use crate::error::{ErrorView, Result, SetupError};
use crate::journal::{StepRecord, StepState};
use crate::names::Names;
use crate::plan::{EntryKey, Plan};
use crate::step::StepId;
use crate::steps::{self, DeleteFailure};

impl Engine {
    /// Deletes what this setup made, newest first; never what existed before.
    /// Resources an interrupted run made without recording them are found by
    /// their marker. Safe to run again after a failure.
    pub async fn rollback(&self, setup_name: &str) -> Result<RollbackOutcome> {
        let (request, mut journal) = self.load(setup_name)?;
        let names = Names::new(&request);
        let mut deleted = Vec::new();
        let mut kept = Vec::new();
        // Adobe refuses to delete a schema enabled for Profile: what the
        // steps say they keep then is reported instead of failing.
        let profile_enabled = journal
            .record(StepId::ProfileSchema)
            .is_some_and(|profile| {
                profile.state == StepState::Done && profile.resource_id.is_some()
            });
        // Every entry of the setup's plan (one per dataflow for the steps each
        // dataflow has its own of), and any other record the journal holds.
        let plan = Plan::new(&request)?;
        let mut records: Vec<StepRecord> = plan
            .entries
            .iter()
            .map(|entry| {
                let key = entry.key();
                journal
                    .record_for(&key)
                    .cloned()
                    .unwrap_or_else(|| StepRecord::pending_for(&key))
            })
            .collect();
        for record in &journal.steps {
            if !records.iter().any(|known| known.key() == record.key()) {
                records.push(record.clone());
            }
        }
        let flows: Vec<(Option<String>, chatlio::FlowPlan)> = plan.flows();
        let names_of = |instance: Option<&str>| {
            let flow = flows
                .iter()
                .find(|(key, _)| key.as_deref() == instance)
                .map(|(_, flow)| flow);
            names.for_instance(instance.and(flow))
        };
        let mut ordered = records;
        ordered.sort_by_key(StepRecord::key);
        for record in ordered.into_iter().rev() {
            let step = steps::of(record.step);
            let key = record.key();
            let names = names_of(record.instance.as_deref());
            // Nothing to delete: reading makes nothing, and what enabling
            // Profile changed is the schema, reported with it.
            if !step.creates_resource() || record.state == StepState::RolledBack {
                continue;
            }
            if step.kept_once_profile_enabled() && profile_enabled && record.resource_id.is_some() {
                self.keep(
                    setup_name,
                    record.step,
                    record.resource_id.clone(),
                    KeptReason::Irreversible,
                    &mut kept,
                );
                continue;
            }
            if record.pre_existing {
                if record.resource_id.is_some() {
                    self.keep(
                        setup_name,
                        record.step,
                        record.resource_id.clone(),
                        KeptReason::PreExisting,
                        &mut kept,
                    );
                }
                continue;
            }
            if !step.deletable() {
                // Every one this setup made (the recorded one, and any an
                // interrupted run left) is reported, so none goes unmentioned.
                let mut ids: Vec<String> = record.resource_id.iter().cloned().collect();
                let found = step
                    .find_unrecorded(&self.client, &names, &journal)
                    .await
                    .map_err(|error| SetupError::Step {
                        step: record.step,
                        error,
                    })?;
                for id in found {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                for id in ids {
                    tracing::info!(setup = %setup_name, step = %key, resource_id = %id, "kept (Adobe offers no delete)");
                    self.keep(
                        setup_name,
                        record.step,
                        Some(id),
                        KeptReason::NotDeletable,
                        &mut kept,
                    );
                }
                let stored = journal.record_mut_for(&key);
                stored.state = StepState::RolledBack;
                stored.finished_at = Some(Utc::now());
                self.persist(&journal).await?;
                continue;
            }
            let resource_id = match record.resource_id.clone() {
                Some(id) => Some(id),
                None => step
                    .find_unrecorded(&self.client, &names, &journal)
                    .await
                    .map_err(|error| SetupError::Step {
                        step: record.step,
                        error,
                    })?
                    .into_iter()
                    .next(),
            };
            let Some(resource_id) = resource_id else {
                continue;
            };
            match self.delete(record.step, &resource_id).await {
                Ok(()) => {
                    deleted.push((record.step, resource_id.clone()));
                    self.emit(
                        setup_name,
                        record.step,
                        record.instance.as_deref(),
                        ProgressKind::RolledBack {
                            resource_id: resource_id.clone(),
                        },
                    );
                }
                Err(DeleteFailure::Kept(reason)) => {
                    self.keep(
                        setup_name,
                        record.step,
                        Some(resource_id.clone()),
                        reason,
                        &mut kept,
                    );
                    if reason == KeptReason::NotDeletable {
                        continue;
                    }
                }
                Err(DeleteFailure::Error(error)) => {
                    let error = SetupError::Step {
                        step: record.step,
                        error,
                    };
                    self.emit(
                        setup_name,
                        record.step,
                        record.instance.as_deref(),
                        ProgressKind::Failed {
                            error: ErrorView::from(&error),
                        },
                    );
                    self.persist(&journal).await?;
                    return Err(error);
                }
            }
            let stored = journal.record_mut_for(&key);
            stored.state = StepState::RolledBack;
            stored.resource_id = Some(resource_id);
            stored.finished_at = Some(Utc::now());
            self.persist(&journal).await?;
        }
        // Nothing to delete for these, but a new run must do them again (a
        // re-made schema needs its Profile tag again).
        for record in &mut journal.steps {
            if !steps::of(record.step).creates_resource() {
                record.state = StepState::Pending;
            }
        }
        self.persist(&journal).await?;
        Ok(RollbackOutcome {
            setup_name: setup_name.to_owned(),
            deleted,
            kept,
        })
    }

    /// Deletes what this setup made for `steps` (newest first; what the user
    /// picked is never deleted) and marks the steps pending, so `resume` makes
    /// them again. Used by drift repair. With `instance`, only that
    /// dataflow's records of the steps each dataflow has its own of; without,
    /// every record of the steps.
    pub(crate) async fn forget_steps(
        &self,
        setup_name: &str,
        steps: &[StepId],
        instance: Option<&str>,
    ) -> Result<()> {
        let (_, mut journal) = self.load(setup_name)?;
        let mut keys: Vec<EntryKey> = Vec::new();
        for step in steps {
            let recorded: Vec<EntryKey> = journal
                .records_of(*step)
                .map(StepRecord::key)
                .filter(|key| {
                    instance.is_none() || !step.per_flow() || key.instance.as_deref() == instance
                })
                .collect();
            if recorded.is_empty() {
                keys.push(EntryKey::single(*step));
            }
            keys.extend(recorded);
        }
        keys.sort();
        for key in keys.into_iter().rev() {
            let step = key.step;
            let record = journal
                .record_for(&key)
                .cloned()
                .unwrap_or_else(|| StepRecord::pending_for(&key));
            let ours = record.state == StepState::Done && !record.pre_existing;
            if let (true, true, Some(id)) = (ours, step.creates_resource(), &record.resource_id) {
                match self.delete(step, id).await {
                    // Kept (a mapping set, or a field group another schema
                    // uses): the re-run adopts it again if it still fits.
                    Ok(()) | Err(DeleteFailure::Kept(_)) => {}
                    Err(DeleteFailure::Error(error)) => {
                        self.persist(&journal).await?;
                        return Err(SetupError::Step { step, error });
                    }
                }
            }
            let record = journal.record_mut_for(&key);
            *record = StepRecord {
                attempts: record.attempts,
                ..StepRecord::pending_for(&key)
            };
            self.persist(&journal).await?;
        }
        Ok(())
    }

    /// Reports a resource the rollback leaves in place, and why.
    fn keep(
        &self,
        setup_name: &str,
        step: StepId,
        resource_id: Option<String>,
        reason: KeptReason,
        kept: &mut Vec<KeptResource>,
    ) {
        kept.push(KeptResource {
            step,
            resource_id,
            reason,
        });
        self.emit(setup_name, step, None, ProgressKind::Kept { reason });
    }

    /// Deletes `id` through its step; one already gone counts as deleted
    /// (deleted by hand, or with its schema).
    async fn delete(&self, step: StepId, id: &str) -> std::result::Result<(), DeleteFailure> {
        match steps::of(step).delete(&self.client, id).await {
            Err(DeleteFailure::Error(error)) if error.code() == ErrorCode::NotFound => Ok(()),
            other => other,
        }
    }
}
