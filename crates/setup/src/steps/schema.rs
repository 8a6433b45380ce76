//! The ExperienceEvent schema with the Chatlio field group, or the schema the
//! user picked (used, never changed).

use futures_util::future::BoxFuture;
use platform::models::schema::SchemaRequest;
use platform::models::SchemaId;
use platform::{Client, PlatformError};
use serde_json::json;

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, REGISTRY};
use crate::drift::{compare_read, reference_changed, Drift, Recorded};
use crate::engine::StepContext;
use crate::error::Result;
use crate::input::SchemaChoice;
use crate::journal::Journal;
use crate::lookup::Found;
use crate::names::Names;
use crate::plan::{placeholder, PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct Schema;

impl Step for Schema {
    fn id(&self) -> StepId {
        StepId::Schema
    }

    fn permission(&self) -> &'static str {
        "Manage Schemas"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("SCHEMA_ID")
    }

    fn kept_once_profile_enabled(&self) -> bool {
        true
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        let title = match &context.request.schema {
            SchemaChoice::Existing { id } => {
                return Ok(StepPlan {
                    resource: Some(resource(
                        self.id(),
                        context,
                        id,
                        ResourceAction::UseExisting,
                    )),
                    calls: Vec::new(),
                })
            }
            SchemaChoice::New { title } => title,
        };
        let mut body = chatlio::schema_body(&context.tenant, &placeholder("FIELD_GROUP_ID"), title);
        let what = body["description"]
            .as_str()
            .unwrap_or("Chatlio webhook events.")
            .to_owned();
        body["description"] = json!(context.names.description(self.id(), &what));
        Ok(StepPlan {
            resource: Some(resource(self.id(), context, title, ResourceAction::Create)),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{REGISTRY}/tenant/schemas"),
                body: Some(body),
                captures: Some(("SCHEMA_ID", ".\"$id\"")),
                accept: None,
                note: "ExperienceEvent schema with the Chatlio field group",
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
            let Some(title) = &names.schema_title else {
                return Ok(Vec::new());
            };
            let registry = client.schema_registry();
            let Some(summary) = registry.find_schema_by_title(title).await? else {
                return Ok(Vec::new());
            };
            // The summary has no description, so the marker needs the full resource.
            let full = registry.get_schema(&summary.id).await?;
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
            let title = match &context.request().schema {
                SchemaChoice::Existing { id } => {
                    context
                        .client()
                        .schema_registry()
                        .get_schema(&SchemaId::new(id.as_str()))
                        .await
                        .map_err(|error| context.failed(error))?;
                    return Ok(StepOutput::pre_existing(Some(id.clone())));
                }
                SchemaChoice::New { title } => title,
            };
            if let Some(found) = context.ours_or_name_taken("a schema titled", title).await? {
                return Ok(StepOutput::adopted(found));
            }
            let body: SchemaRequest = context.body()?;
            let created = context
                .client()
                .schema_registry()
                .create_schema(&body)
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
                .delete_schema(&SchemaId::new(id))
                .await
                .map_err(DeleteFailure::Error)
        })
    }

    fn check_drift<'a>(
        &'a self,
        client: &'a Client,
        journal: &'a Journal,
        record: &'a Recorded,
    ) -> BoxFuture<'a, Vec<Drift>> {
        Box::pin(async move {
            let read = client
                .schema_registry()
                .get_schema(&SchemaId::new(record.id.as_str()))
                .await;
            compare_read(record, "schema", read, |schema| {
                reference_changed(
                    journal,
                    record,
                    StepId::FieldGroup,
                    |field_group| {
                        schema
                            .all_of
                            .iter()
                            .any(|part| part.reference == field_group)
                    },
                    "schema_field_group_removed",
                    "The schema no longer includes the Chatlio field group.",
                )
            })
        })
    }
}
