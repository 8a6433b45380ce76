//! One module per step. Each implements [`Step`], which owns everything the
//! setup knows about that step: its entry in the reviewed plan (the resource
//! and the calls, with the bodies the engine sends), how an earlier run's
//! resource is found again (its marker), how it is made, deleted on rollback and
//! checked for drift, and the Adobe permission it needs. The engine, the plan,
//! rollback, drift and the error hints iterate over [`all`] instead of matching
//! on [`StepId`].

use futures_util::future::BoxFuture;
use platform::models::flow::Created;
use platform::{Client, PlatformError};

use crate::drift::{Drift, ListedFlows, Recorded};
use crate::engine::{KeptReason, StepContext};
use crate::error::Result;
use crate::input::SetupRequest;
use crate::journal::Journal;
use crate::lookup::Found;
use crate::names::Names;
use crate::plan::{PlannedCall, PlannedResource};
use crate::step::StepId;

mod dataflow;
mod dataset;
mod field_group;
mod identity_descriptor;
mod mapping_set;
mod profile_schema;
mod read_back;
mod schema;
mod source_connection;
mod target_connection;
mod tenant_id;

pub(crate) use dataflow::draft_mode_supported;

pub(crate) const REGISTRY: &str = "/data/foundation/schemaregistry";
pub(crate) const FLOWS: &str = "/data/foundation/flowservice";

/// What a step contributes to the plan: the resource it makes (none for the
/// steps that only read, or that have nothing to do for this request) and the
/// calls that make it, in order.
#[derive(Debug, Clone, Default)]
pub struct StepPlan {
    pub resource: Option<PlannedResource>,
    pub calls: Vec<PlannedCall>,
}

/// What the plan knows before anything runs: the request, the names and the
/// values that only exist once earlier steps ran, as placeholders.
pub struct PlanContext<'a> {
    pub request: &'a SetupRequest,
    pub names: &'a Names,
    /// `@@TENANT_ID@@`.
    pub tenant: String,
    /// The chosen schema's `$id`, or `@@SCHEMA_ID@@` for the one the setup makes.
    pub schema_id: String,
    /// The chosen dataset's id, or `@@DATASET_ID@@`.
    pub dataset_id: String,
    /// The dataflow this entry belongs to when the setup makes one per
    /// Chatlio event (`names` are then that flow's); `None` otherwise.
    pub flow: Option<&'a chatlio::FlowPlan>,
}

/// What a step produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutput {
    pub resource_id: Option<String>,
    pub etag: Option<String>,
    pub pre_existing: bool,
    pub adopted: bool,
}

impl StepOutput {
    pub fn created(id: impl Into<String>, etag: Option<String>) -> Self {
        Self {
            resource_id: Some(id.into()),
            etag,
            pre_existing: false,
            adopted: false,
        }
    }

    pub fn adopted(found: Found) -> Self {
        Self {
            resource_id: Some(found.id),
            etag: found.etag,
            pre_existing: !found.ours,
            adopted: true,
        }
    }

    /// The step had nothing to do (Profile not asked for).
    pub fn nothing() -> Self {
        Self {
            resource_id: None,
            etag: None,
            pre_existing: false,
            adopted: false,
        }
    }

    /// The user's resource (or, with no id, one the user's choice makes
    /// unnecessary): used, never changed or deleted.
    pub fn pre_existing(id: Option<String>) -> Self {
        Self {
            resource_id: id,
            etag: None,
            pre_existing: true,
            adopted: false,
        }
    }
}

/// What Flow Service answers a create (or a publish) with: the new id and its
/// ETag, kept as Adobe sent it.
impl<Id: AsRef<str>> From<Created<Id>> for StepOutput {
    fn from(created: Created<Id>) -> Self {
        Self::created(
            created.id.as_ref(),
            created.etag.map(|etag| etag.as_str().to_owned()),
        )
    }
}

/// Why a delete did not happen.
#[derive(Debug)]
pub enum DeleteFailure {
    /// Left in place on purpose; reported to the user with this reason.
    Kept(KeptReason),
    Error(PlatformError),
}

/// Everything the setup knows about one step.
pub trait Step: Send + Sync {
    fn id(&self) -> StepId;

    /// The permission the step needs, named as in Adobe's Permissions UI.
    fn permission(&self) -> &'static str;

    /// The placeholder (and curl-script variable) the step's resource id
    /// fills in later steps' bodies and paths, e.g. `SCHEMA_ID`.
    fn variable(&self) -> Option<&'static str>;

    /// Whether rolling back deletes what this step made. Reading the tenant id
    /// or the inlet URL creates nothing, and enabling Profile changes the
    /// schema in a way Adobe offers no undo for.
    fn creates_resource(&self) -> bool {
        true
    }

    /// Whether Adobe offers a delete for the resource. When it does not, a
    /// rollback reports every copy this setup made (recorded or found by its
    /// marker), so none goes unmentioned.
    fn deletable(&self) -> bool {
        true
    }

    /// Whether a rollback keeps the resource once the schema is enabled for
    /// Profile: Adobe refuses to delete such a schema
    /// (help/xdm/ui/resources/schemas.md), and a union schema needs its
    /// primary identity (help/xdm/troubleshooting-guide.md).
    fn kept_once_profile_enabled(&self) -> bool {
        false
    }

    /// The step's entry in the plan.
    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error>;

    /// Whether [`Step::look_up`] can find the step's resource by name or title.
    fn can_look_up(&self) -> bool {
        false
    }

    /// Everything with the name or title the step would use, in any order.
    fn look_up<'a>(
        &'a self,
        _client: &'a Client,
        _names: &'a Names,
    ) -> BoxFuture<'a, std::result::Result<Vec<Found>, PlatformError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// This setup's resources of this step that an interrupted run made
    /// without recording them, for rollback. By default, those the lookup
    /// finds with the marker.
    fn find_unrecorded<'a>(
        &'a self,
        client: &'a Client,
        names: &'a Names,
        _journal: &'a Journal,
    ) -> BoxFuture<'a, std::result::Result<Vec<String>, PlatformError>> {
        Box::pin(async move {
            if !self.can_look_up() {
                return Ok(Vec::new());
            }
            let mut found = self.look_up(client, names).await?;
            found.retain(|candidate| candidate.ours);
            Ok(found.into_iter().map(|candidate| candidate.id).collect())
        })
    }

    /// Carries out the step's plan entry (`context.entry()`): adopts what an
    /// earlier run made, or makes it with the planned body.
    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>>;

    /// Deletes the step's resource `id`. A resource already gone counts as
    /// deleted (the caller maps not-found to success).
    fn delete<'a>(
        &'a self,
        _client: &'a Client,
        _id: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), DeleteFailure>> {
        Box::pin(async { Ok(()) })
    }

    /// How the recorded resource differs from what the setup made, from the
    /// dataflows a status round listed moments before, when that list holds
    /// what the check would read; `None`: it must be read (`check_drift`).
    fn drift_from_listed(
        &self,
        _journal: &Journal,
        _record: &Recorded,
        _listed: &ListedFlows,
    ) -> Option<Vec<Drift>> {
        None
    }

    /// Reads the recorded resource back and reports how it differs from what
    /// the setup made.
    fn check_drift<'a>(
        &'a self,
        _client: &'a Client,
        _journal: &'a Journal,
        _record: &'a Recorded,
    ) -> BoxFuture<'a, Vec<Drift>> {
        Box::pin(async { Vec::new() })
    }
}

static TENANT_ID: tenant_id::TenantId = tenant_id::TenantId;
static FIELD_GROUP: field_group::FieldGroup = field_group::FieldGroup;
static SCHEMA: schema::Schema = schema::Schema;
static IDENTITY_DESCRIPTOR: identity_descriptor::IdentityDescriptor =
    identity_descriptor::IdentityDescriptor;
static PROFILE_SCHEMA: profile_schema::ProfileSchema = profile_schema::ProfileSchema;
static DATASET: dataset::Dataset = dataset::Dataset;
static SOURCE_CONNECTION: source_connection::SourceConnection = source_connection::SourceConnection;
static TARGET_CONNECTION: target_connection::TargetConnection = target_connection::TargetConnection;
static MAPPING_SET: mapping_set::MappingSet = mapping_set::MappingSet;
static DATAFLOW: dataflow::Dataflow = dataflow::Dataflow;
static READ_BACK: read_back::ReadBack = read_back::ReadBack;

/// The one place a [`StepId`] is turned into its behaviour.
pub fn of(step: StepId) -> &'static dyn Step {
    match step {
        StepId::TenantId => &TENANT_ID,
        StepId::FieldGroup => &FIELD_GROUP,
        StepId::Schema => &SCHEMA,
        StepId::IdentityDescriptor => &IDENTITY_DESCRIPTOR,
        StepId::ProfileSchema => &PROFILE_SCHEMA,
        StepId::Dataset => &DATASET,
        StepId::SourceConnection => &SOURCE_CONNECTION,
        StepId::TargetConnection => &TARGET_CONNECTION,
        StepId::MappingSet => &MAPPING_SET,
        StepId::Dataflow => &DATAFLOW,
        StepId::ReadBack => &READ_BACK,
    }
}

/// Every step, in run order.
pub fn all() -> impl Iterator<Item = &'static dyn Step> {
    StepId::ALL.into_iter().map(of)
}

/// The step whose resource id fills `variable`.
pub fn filling(variable: &str) -> Option<StepId> {
    all()
        .find(|step| step.variable() == Some(variable))
        .map(|step| step.id())
}

/// A planned resource of `step` with its marker.
pub(crate) fn resource(
    step: StepId,
    context: &PlanContext<'_>,
    name: &str,
    action: crate::plan::ResourceAction,
) -> PlannedResource {
    PlannedResource {
        step,
        kind: step.as_str(),
        name: name.to_owned(),
        action,
        marker: context.names.marker(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_id_has_its_own_step_and_variables_are_unique() {
        let mut variables = Vec::new();
        for step in StepId::ALL {
            assert_eq!(of(step).id(), step);
            if let Some(variable) = of(step).variable() {
                assert_eq!(filling(variable), Some(step));
                variables.push(variable);
            }
        }
        let count = variables.len();
        variables.sort_unstable();
        variables.dedup();
        assert_eq!(variables.len(), count);
    }
}
