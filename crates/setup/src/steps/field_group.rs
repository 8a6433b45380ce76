//! The Chatlio field group, shared by every Chatlio setup of a sandbox under
//! the fixed title from `chatlio`: adopted whoever made it.

use futures_util::future::BoxFuture;
use platform::models::schema::FieldGroupRequest;
use platform::models::SchemaId;
use platform::{Client, ErrorCode, PlatformError};
use serde_json::json;

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, REGISTRY};
use crate::drift::{check_exists, Drift, Recorded};
use crate::engine::{KeptReason, StepContext};
use crate::error::Result;
use crate::input::SchemaChoice;
use crate::journal::Journal;
use crate::lookup::Found;
use crate::names::Names;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct FieldGroup;

impl Step for FieldGroup {
    fn id(&self) -> StepId {
        StepId::FieldGroup
    }

    fn permission(&self) -> &'static str {
        "Manage Schemas"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("FIELD_GROUP_ID")
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        // A chosen schema brings its own fields.
        if let SchemaChoice::Existing { .. } = context.request.schema {
            return Ok(StepPlan::default());
        }
        let mut body = chatlio::field_group_body(&context.tenant);
        let what = body["description"]
            .as_str()
            .unwrap_or("Chatlio webhook fields.")
            .to_owned();
        body["description"] = json!(context.names.description(self.id(), &what));
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                &context.names.field_group_title,
                ResourceAction::CreateOrReuse,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{REGISTRY}/tenant/fieldgroups"),
                body: Some(body),
                captures: Some(("FIELD_GROUP_ID", ".\"$id\"")),
                accept: None,
                note: "field group (reused if one with this title exists)",
            }],
        })
    }

    fn can_look_up(&self) -> bool {
        true
    }

    fn look_up<'a>(
        &'a self,
        client: &'a Client,
        names: &'a Names,
    ) -> BoxFuture<'a, std::result::Result<Vec<Found>, PlatformError>> {
        Box::pin(async move {
            let registry = client.schema_registry();
            let Some(summary) = registry
                .find_field_group_by_title(&names.field_group_title)
                .await?
            else {
                return Ok(Vec::new());
            };
            // The summary has no description, so the marker needs the full resource.
            let full = registry.get_field_group(&summary.id).await?;
            Ok(vec![Found::by_marker(
                full.id.into_inner(),
                full.description.as_deref(),
                names,
                self.id(),
            )])
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            if let SchemaChoice::Existing { .. } = context.request().schema {
                return Ok(StepOutput::pre_existing(None));
            }
            if let Some(found) = context.found().await? {
                // Shared by all Chatlio setups of the sandbox: adopt whatever
                // has the title.
                return Ok(StepOutput::adopted(found));
            }
            let body: FieldGroupRequest = context.body()?;
            let created = context
                .client()
                .schema_registry()
                .create_field_group(&body)
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
            match client
                .schema_registry()
                .delete_field_group(&SchemaId::new(id))
                .await
            {
                Ok(()) => Ok(()),
                // Another setup's schema still uses the shared field group.
                Err(error) if error.code() == ErrorCode::InvalidRequest => {
                    Err(DeleteFailure::Kept(KeptReason::InUse))
                }
                Err(error) => Err(DeleteFailure::Error(error)),
            }
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
                .get_field_group(&SchemaId::new(record.id.as_str()))
                .await;
            check_exists(record, "field group", read)
        })
    }
}
