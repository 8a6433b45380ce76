//! The dataset the flow writes to (with the Profile and Identity tags when
//! Profile is asked for), or the dataset the user picked, checked to use the
//! setup's schema.

use futures_util::future::BoxFuture;
use platform::catalog::DatasetQuery;
use platform::models::catalog::DatasetRequest;
use platform::models::{DatasetId, SchemaId};
use platform::{Client, PlatformError};
use serde_json::json;

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan};
use crate::drift::{compare_read, reference_changed, Drift, Recorded};
use crate::engine::StepContext;
use crate::error::{Result, SetupError};
use crate::input::DatasetChoice;
use crate::journal::Journal;
use crate::lookup::{dataset_schema, named, Found, Listed};
use crate::names::Names;
use crate::plan::{profile_dataset_tags, PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct Dataset;

impl Step for Dataset {
    fn id(&self) -> StepId {
        StepId::Dataset
    }

    fn permission(&self) -> &'static str {
        "Manage Datasets"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("DATASET_ID")
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        let name = match &context.request.dataset {
            DatasetChoice::Existing { id } => {
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
            DatasetChoice::New { name } => name,
        };
        let mut body = json!({
            "name": name,
            "description": context.names.description(self.id(), "Chatlio webhook events."),
            "schemaRef": {"id": context.schema_id, "contentType": platform::models::XED_V1},
        });
        if context.request.profile_enabled {
            body["tags"] = json!(profile_dataset_tags());
        }
        if context.request.error_diagnostics {
            body["enableErrorDiagnostics"] = json!(true);
        }
        Ok(StepPlan {
            resource: Some(resource(self.id(), context, name, ResourceAction::Create)),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: "/data/foundation/catalog/dataSets?requestDataSource=true".into(),
                body: Some(body),
                captures: Some(("DATASET_ID", ".[0] | split(\"/\") | last")),
                accept: None,
                note: "dataset",
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
            let Some(name) = &names.dataset_name else {
                return Ok(Vec::new());
            };
            let listed = client
                .catalog()
                .list_datasets(&DatasetQuery {
                    name: Some(name.clone()),
                    properties: vec!["name".into(), "description".into(), "schemaRef".into()],
                    // No limit: every page, so a same-named dataset past the
                    // first hundred is still found.
                    limit: None,
                    start: None,
                })
                .await?;
            Ok(named(
                listed.into_iter().map(|(id, dataset)| Listed {
                    name: dataset.name,
                    description: dataset.description,
                    id: id.into_inner(),
                    etag: None,
                }),
                name,
                names,
                self.id(),
            ))
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let name = match &context.request().dataset {
                DatasetChoice::Existing { id } => {
                    let schema = context.resource(StepId::Schema)?;
                    let found = dataset_schema(context.client(), id)
                        .await
                        .map_err(|error| context.failed(error))?;
                    let found = found.map(SchemaId::into_inner).unwrap_or_default();
                    if found != schema {
                        return Err(SetupError::DatasetSchemaMismatch {
                            expected: schema,
                            found,
                        });
                    }
                    return Ok(StepOutput::pre_existing(Some(id.clone())));
                }
                DatasetChoice::New { name } => name,
            };
            if let Some(found) = context.ours_or_name_taken("a dataset named", name).await? {
                return Ok(StepOutput::adopted(found));
            }
            let body: DatasetRequest = context.body()?;
            let created = context
                .client()
                .catalog()
                .create_dataset(&body)
                .await
                .map_err(|error| context.failed(error))?;
            Ok(StepOutput::created(created.into_inner(), None))
        })
    }

    fn delete<'a>(
        &'a self,
        client: &'a Client,
        id: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), DeleteFailure>> {
        Box::pin(async move {
            client
                .catalog()
                .delete_dataset(&DatasetId::new(id))
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
                .catalog()
                .get_dataset(&DatasetId::new(record.id.as_str()))
                .await;
            compare_read(record, "dataset", read, |dataset| {
                let found = dataset
                    .schema_ref
                    .map(|reference| reference.id.into_inner());
                reference_changed(
                    journal,
                    record,
                    StepId::Schema,
                    |schema| found.as_deref() == Some(schema),
                    "dataset_schema_changed",
                    "The dataset no longer uses the setup's schema.",
                )
            })
        })
    }
}
