//! The Data Prep mapping set for all five Chatlio events. It has no
//! description, so its name carries the marker; Adobe offers no delete, so a
//! rollback reports every one this setup made as kept.

use futures_util::future::BoxFuture;
use platform::models::dataprep::MappingSetRequest;
use platform::models::MappingSetId;
use platform::{Client, PlatformError};
use serde_json::json;

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan};
use crate::drift::{check_exists, Drift, Recorded};
use crate::engine::{KeptReason, StepContext};
use crate::error::Result;
use crate::journal::Journal;
use crate::lookup::Found;
use crate::names::Names;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct MappingSet;

impl Step for MappingSet {
    fn id(&self) -> StepId {
        StepId::MappingSet
    }

    fn permission(&self) -> &'static str {
        "Manage Sources"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("MAPPING_SET_ID")
    }

    fn deletable(&self) -> bool {
        false
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        // A visitor event's own dataflow records its kind as a constant: the
        // body alone cannot tell the three visitor events apart.
        let url_hint = context.flow.and_then(|flow| flow.url_hint);
        let mut body = chatlio::mapping_set_body(&context.tenant, &context.schema_id, url_hint);
        body["name"] = json!(context.names.mapping_set);
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                &context.names.mapping_set,
                ResourceAction::Create,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: "/data/foundation/conversion/mappingSets".into(),
                body: Some(body),
                captures: Some(("MAPPING_SET_ID", ".id")),
                accept: None,
                note: if url_hint.is_some() {
                    "Data Prep mapping for one visitor event, its kind set as a constant"
                } else {
                    "Data Prep mapping for all five Chatlio events"
                },
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
            Ok(client
                .data_prep()
                .find_mapping_sets_by_name(&names.mapping_set)
                .await?
                .into_iter()
                .map(|set| Found {
                    schema: set.output_schema_id().map(str::to_owned),
                    ..Found::by_marker(set.id.into_inner(), set.name.as_deref(), names, self.id())
                })
                .collect())
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let schema = context.resource(StepId::Schema)?;
            // Only one made for this schema is usable: a rolled-back setup of
            // the same name leaves one behind for its deleted schema.
            let reusable = context
                .candidates()
                .await?
                .into_iter()
                .find(|found| found.ours && found.schema.as_deref() == Some(schema.as_str()));
            if let Some(found) = reusable {
                return Ok(StepOutput::adopted(found));
            }
            let body: MappingSetRequest = context.body()?;
            let created = context
                .client()
                .data_prep()
                .create_mapping_set(&body)
                .await
                .map_err(|error| context.failed(error))?;
            Ok(StepOutput::created(created.id.into_inner(), None))
        })
    }

    /// Adobe's Data Prep API has no DELETE for mapping sets.
    fn delete<'a>(
        &'a self,
        _client: &'a Client,
        _id: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), DeleteFailure>> {
        Box::pin(async { Err(DeleteFailure::Kept(KeptReason::NotDeletable)) })
    }

    fn check_drift<'a>(
        &'a self,
        client: &'a Client,
        _journal: &'a Journal,
        record: &'a Recorded,
    ) -> BoxFuture<'a, Vec<Drift>> {
        Box::pin(async move {
            let read = client
                .data_prep()
                .get_mapping_set(&MappingSetId::new(record.id.as_str()))
                .await;
            check_exists(record, "mapping set", read)
        })
    }
}
