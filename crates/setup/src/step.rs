//! The steps of a setup and the order they depend on each other in.

use serde::{Deserialize, Serialize};

/// One resource-producing step. The order of the variants is the order a
/// sequential run would take; `dependencies` gives the real partial order, so
/// independent steps can run at the same time.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StepId {
    TenantId,
    FieldGroup,
    Schema,
    IdentityDescriptor,
    /// Enables the schema for Real-Time Customer Profile (the `union` tag).
    /// Only when Profile was asked for; it cannot be undone.
    ProfileSchema,
    Dataset,
    SourceConnection,
    TargetConnection,
    MappingSet,
    Dataflow,
    ReadBack,
}

impl StepId {
    /// Every step in variant order (a test checks it is the derived list).
    pub const ALL: [StepId; 11] = [
        StepId::TenantId,
        StepId::FieldGroup,
        StepId::Schema,
        StepId::IdentityDescriptor,
        StepId::ProfileSchema,
        StepId::Dataset,
        StepId::SourceConnection,
        StepId::TargetConnection,
        StepId::MappingSet,
        StepId::Dataflow,
        StepId::ReadBack,
    ];

    /// Stable name used in journals, progress events and UI test ids
    /// (`step-<name>`): the serde name, derived.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The steps whose results this one needs. `profile` is whether the setup
    /// enables Profile: only then does the dataset wait for the schema's
    /// identity and union tag (Adobe refuses a Profile dataset on a schema
    /// that is not enabled for Profile, and refuses the union tag on a
    /// schema without a primary identity: help/catalog/datasets/enable-for-profile.md,
    /// help/xdm/api/schemas.md), so a setup without Profile pays no extra round.
    pub fn dependencies(self, profile: bool) -> &'static [StepId] {
        match self {
            // The source connection needs nothing from the schema side, so it
            // runs in the first round with the tenant id.
            StepId::TenantId | StepId::SourceConnection => &[],
            // Steps that use the tenant id name it, not only through the
            // schema: a schema a rollback had to keep is done while the
            // tenant id is read again.
            StepId::FieldGroup => &[StepId::TenantId],
            StepId::Schema => &[StepId::TenantId, StepId::FieldGroup],
            StepId::ProfileSchema if profile => &[StepId::IdentityDescriptor],
            StepId::Dataset if profile => &[StepId::ProfileSchema],
            StepId::IdentityDescriptor | StepId::MappingSet => &[StepId::TenantId, StepId::Schema],
            StepId::ProfileSchema | StepId::Dataset => &[StepId::Schema],
            StepId::TargetConnection => &[StepId::Dataset],
            StepId::Dataflow => &[
                StepId::SourceConnection,
                StepId::TargetConnection,
                StepId::MappingSet,
                StepId::IdentityDescriptor,
            ],
            StepId::ReadBack => &[StepId::Dataflow],
        }
    }

    /// Whether each dataflow of a setup has its own resource of this step:
    /// Adobe's streaming tutorial makes a source connection, target
    /// connection and mapping set per dataflow
    /// (help/sources/tutorials/api/create/streaming/http.md), and each
    /// dataflow has its own inlet URL to read back. The schema, its identity,
    /// the field group and the dataset are shared by every dataflow.
    pub fn per_flow(self) -> bool {
        matches!(
            self,
            StepId::SourceConnection
                | StepId::TargetConnection
                | StepId::MappingSet
                | StepId::Dataflow
                | StepId::ReadBack
        )
    }

    /// The steps whose resources this step's resource names inside itself (a
    /// flow names its connections and mapping set; a target connection its
    /// dataset and schema). Narrower than `dependencies`, which also orders
    /// steps that share no data: when a resource is made again, exactly the
    /// resources referring to it must be made again too.
    pub fn references(self) -> &'static [StepId] {
        match self {
            StepId::TenantId | StepId::FieldGroup | StepId::SourceConnection => &[],
            StepId::Schema => &[StepId::FieldGroup],
            StepId::IdentityDescriptor
            | StepId::ProfileSchema
            | StepId::Dataset
            | StepId::MappingSet => &[StepId::Schema],
            StepId::TargetConnection => &[StepId::Schema, StepId::Dataset],
            StepId::Dataflow => &[
                StepId::SourceConnection,
                StepId::TargetConnection,
                StepId::MappingSet,
            ],
            StepId::ReadBack => &[StepId::Dataflow],
        }
    }

    /// This step and every step whose resource refers to it, directly or
    /// through others, in run order.
    pub fn with_referrers(self) -> Vec<StepId> {
        let mut affected = vec![self];
        // `ALL` is in run order and references point backwards, so one pass
        // finds every transitive referrer.
        for step in StepId::ALL {
            if !affected.contains(&step)
                && step
                    .references()
                    .iter()
                    .any(|reference| affected.contains(reference))
            {
                affected.push(step);
            }
        }
        affected.sort();
        affected
    }

    /// Whether rolling back deletes what this step made (see
    /// [`crate::steps::Step::creates_resource`]).
    pub fn creates_resource(self) -> bool {
        crate::steps::of(self).creates_resource()
    }
}

/// Groups the steps into rounds: every step in a round depends only on steps
/// in earlier rounds. The number of rounds is the depth of the chain a
/// concurrent run pays for in latency.
pub fn rounds(profile: bool) -> Vec<Vec<StepId>> {
    let mut placed: Vec<StepId> = Vec::new();
    let mut rounds = Vec::new();
    while placed.len() < StepId::ALL.len() {
        let round: Vec<StepId> = StepId::ALL
            .into_iter()
            .filter(|step| !placed.contains(step))
            .filter(|step| {
                step.dependencies(profile)
                    .iter()
                    .all(|dependency| placed.contains(dependency))
            })
            .collect();
        if round.is_empty() {
            // Only a cycle in `dependencies` could get here; the test below
            // keeps that from shipping.
            break;
        }
        placed.extend(&round);
        rounds.push(round);
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_and_names_are_the_derived_ones() {
        use strum::IntoEnumIterator;
        assert_eq!(StepId::ALL.to_vec(), StepId::iter().collect::<Vec<_>>());
        for step in StepId::ALL {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
    }

    #[test]
    fn every_step_is_placed_in_a_round_after_its_dependencies() {
        for profile in [false, true] {
            let rounds = rounds(profile);
            let flattened: Vec<StepId> = rounds.iter().flatten().copied().collect();
            assert_eq!(
                flattened.len(),
                StepId::ALL.len(),
                "a dependency cycle left steps out"
            );
            for (index, round) in rounds.iter().enumerate() {
                for step in round {
                    for dependency in step.dependencies(profile) {
                        let placed_at = rounds.iter().position(|r| r.contains(dependency)).unwrap();
                        assert!(placed_at < index, "{step:?} runs before {dependency:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_chain_is_seven_rounds_deep_after_the_token() {
        // token; tenant id + source connection; field group; schema; dataset +
        // mapping + descriptor (+ the Profile no-op); target connection; flow;
        // read back = 8 rounds.
        assert_eq!(rounds(false).len(), 7);
        assert_eq!(
            rounds(false)[0],
            vec![StepId::TenantId, StepId::SourceConnection]
        );
    }

    #[test]
    fn profile_orders_identity_then_union_then_dataset() {
        // Adobe refuses union without a primary identity, and a Profile
        // dataset without union: two more rounds, only when asked for.
        let rounds = rounds(true);
        assert_eq!(rounds.len(), 9);
        let at = |step: StepId| rounds.iter().position(|r| r.contains(&step)).unwrap();
        assert!(at(StepId::IdentityDescriptor) < at(StepId::ProfileSchema));
        assert!(at(StepId::ProfileSchema) < at(StepId::Dataset));
        assert!(!StepId::ProfileSchema.creates_resource());
    }

    #[test]
    fn references_are_dependencies_and_referrers_are_transitive() {
        for step in StepId::ALL {
            for reference in step.references() {
                assert!(
                    reference < &step,
                    "{step:?} refers forward to {reference:?}"
                );
            }
        }
        assert_eq!(
            StepId::Dataflow.with_referrers(),
            vec![StepId::Dataflow, StepId::ReadBack]
        );
        assert_eq!(
            StepId::Dataset.with_referrers(),
            vec![
                StepId::Dataset,
                StepId::TargetConnection,
                StepId::Dataflow,
                StepId::ReadBack
            ]
        );
        // The descriptor orders the flow but is not named by it.
        assert_eq!(
            StepId::IdentityDescriptor.with_referrers(),
            vec![StepId::IdentityDescriptor]
        );
        assert_eq!(StepId::FieldGroup.with_referrers().len(), 9);
        assert!(StepId::Schema
            .with_referrers()
            .contains(&StepId::ProfileSchema));
    }

    #[test]
    fn names_are_unique_and_serde_agrees() {
        let mut names: Vec<&str> = StepId::ALL.iter().map(|step| step.as_str()).collect();
        for step in StepId::ALL {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), StepId::ALL.len());
    }
}
