//! Enabling the schema for Real-Time Customer Profile (`PATCH` adding
//! `meta:immutableTags: ["union"]`, help/xdm/api/schemas.md). Only when Profile
//! was asked for, and it cannot be undone: a rollback reports it kept.

use futures_util::future::BoxFuture;
use platform::models::SchemaId;
use serde_json::json;

use super::{resource, PlanContext, Step, StepOutput, StepPlan, REGISTRY};
use crate::engine::StepContext;
use crate::error::Result;
use crate::input::SchemaChoice;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct ProfileSchema;

impl Step for ProfileSchema {
    fn id(&self) -> StepId {
        StepId::ProfileSchema
    }

    fn permission(&self) -> &'static str {
        "Manage Schemas"
    }

    fn variable(&self) -> Option<&'static str> {
        None
    }

    fn creates_resource(&self) -> bool {
        false
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        // Input validation refuses Profile on a schema the user picked.
        let (true, SchemaChoice::New { title }) =
            (context.request.profile_enabled, &context.request.schema)
        else {
            return Ok(StepPlan::default());
        };
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                title,
                ResourceAction::ChangeIrreversibly,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "PATCH",
                path: format!("{REGISTRY}/tenant/schemas/@@SCHEMA_ID_ENCODED@@"),
                body: Some(
                    json!([{"op": "add", "path": "/meta:immutableTags", "value": [platform::models::schema::UNION_TAG]}]),
                ),
                captures: None,
                accept: Some(platform::models::XED_V1),
                note: "enable the schema for Profile (cannot be undone)",
            }],
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            if context.entry().calls.is_empty() {
                return Ok(StepOutput::nothing());
            }
            let schema = SchemaId::new(context.resource(StepId::Schema)?);
            // Reads the schema first and leaves one that already carries the
            // tag as it is, so a resumed run never patches twice.
            context
                .client()
                .schema_registry()
                .enable_for_profile(&schema)
                .await
                .map_err(|error| context.failed(error))?;
            Ok(StepOutput::created(schema.into_inner(), None))
        })
    }
}
