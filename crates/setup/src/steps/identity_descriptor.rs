//! The schema's primary identity (the visitor's email, Email namespace). Found
//! again through its schema, not by name: a schema has one primary identity.

use futures_util::future::BoxFuture;
use platform::models::schema::IdentityDescriptorRequest;
use platform::models::{DescriptorId, SchemaId};
use platform::{Client, PlatformError};

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, REGISTRY};
use crate::drift::{compare_read, finding, Drift, DriftKind, Recorded};
use crate::engine::StepContext;
use crate::error::Result;
use crate::input::SchemaChoice;
use crate::journal::{Journal, StepState};
use crate::lookup::find_identity_descriptor;
use crate::names::Names;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct IdentityDescriptor;

impl Step for IdentityDescriptor {
    fn id(&self) -> StepId {
        StepId::IdentityDescriptor
    }

    fn permission(&self) -> &'static str {
        "Manage Identity Namespaces and Manage Schemas"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("DESCRIPTOR_ID")
    }

    fn kept_once_profile_enabled(&self) -> bool {
        true
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        // Never add identities to a schema the user owns.
        if let SchemaChoice::Existing { .. } = context.request.schema {
            return Ok(StepPlan::default());
        }
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                "visitor email (Email namespace, primary)",
                ResourceAction::Create,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{REGISTRY}/tenant/descriptors"),
                body: Some(chatlio::identity_descriptor_body(
                    &context.schema_id,
                    &context.tenant,
                )),
                captures: Some(("DESCRIPTOR_ID", ".\"@id\"")),
                accept: None,
                note: "primary identity: visitor email",
            }],
        })
    }

    /// Through the schema: the descriptor an interrupted run added to this
    /// setup's schema without recording it.
    fn find_unrecorded<'a>(
        &'a self,
        client: &'a Client,
        _names: &'a Names,
        journal: &'a Journal,
    ) -> BoxFuture<'a, std::result::Result<Vec<String>, PlatformError>> {
        Box::pin(async move {
            let recorded = |step: StepId| {
                journal
                    .record(step)
                    .filter(|record| !record.pre_existing && record.state != StepState::RolledBack)
                    .and_then(|record| record.resource_id.clone())
            };
            let (Some(schema), Some(tenant)) =
                (recorded(StepId::Schema), recorded(StepId::TenantId))
            else {
                return Ok(Vec::new());
            };
            let property = chatlio::schema::primary_identity_property(&tenant);
            Ok(
                find_identity_descriptor(client, &SchemaId::new(schema), &property)
                    .await?
                    .filter(|found| found.ours)
                    .map(|found| found.id)
                    .into_iter()
                    .collect(),
            )
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let schema_pre_existing = context
                .record(StepId::Schema)
                .is_some_and(|record| record.pre_existing);
            if schema_pre_existing {
                // Never add identities to a schema the user owns.
                return Ok(StepOutput::pre_existing(None));
            }
            let body: IdentityDescriptorRequest = context.body()?;
            // A schema created in this run has no descriptor yet. One adopted
            // from an interrupted run may: a schema takes one primary
            // identity, so look before creating.
            if !context.created_in_this_run(StepId::Schema) {
                let found = find_identity_descriptor(
                    context.client(),
                    &body.source_schema,
                    &body.source_property,
                )
                .await
                .map_err(|error| context.failed(error))?;
                if let Some(found) = found {
                    return Ok(StepOutput::adopted(found));
                }
            }
            let created = context
                .client()
                .schema_registry()
                .create_identity_descriptor(&body)
                .await
                .map_err(|error| context.failed(error))?;
            Ok(StepOutput::created(created.id.into_inner(), None))
        })
    }

    fn delete<'a>(
        &'a self,
        client: &'a Client,
        id: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), DeleteFailure>> {
        Box::pin(async move {
            client
                .schema_registry()
                .delete_descriptor(&DescriptorId::new(id))
                .await
                .map_err(DeleteFailure::Error)
        })
    }

    fn check_drift<'a>(
        &'a self,
        client: &'a Client,
        _journal: &'a Journal,
        record: &'a Recorded,
    ) -> BoxFuture<'a, Vec<Drift>> {
        Box::pin(async move {
            let read = client
                .schema_registry()
                .get_descriptor(&DescriptorId::new(record.id.as_str()))
                .await;
            compare_read(record, "identity descriptor", read, |descriptor| {
                if descriptor.is_primary == Some(true) {
                    return Vec::new();
                }
                vec![finding(
                    record,
                    DriftKind::Changed,
                    "identity_not_primary",
                    "The visitor email is no longer the schema's primary identity.",
                )]
            })
        })
    }
}
