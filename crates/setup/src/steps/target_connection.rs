//! The data lake target connection, naming the schema and the dataset. One
//! with our name but without our marker is ignored, and ours is made.

use futures_util::future::BoxFuture;
use platform::flow_service::ListQuery;
use platform::models::flow::TargetConnectionRequest;
use platform::models::{DatasetId, SchemaId, TargetConnectionId};
use platform::{Client, PlatformError};

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, FLOWS};
use crate::drift::{compare_read, reference_changed, Drift, Recorded};
use crate::engine::StepContext;
use crate::error::Result;
use crate::journal::Journal;
use crate::lookup::{named, Found};
use crate::names::Names;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct TargetConnection;

impl Step for TargetConnection {
    fn id(&self) -> StepId {
        StepId::TargetConnection
    }

    fn permission(&self) -> &'static str {
        "Manage Sources"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("TARGET_CONNECTION_ID")
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        let names = context.names;
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                &names.target_connection,
                ResourceAction::Create,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{FLOWS}/targetConnections"),
                body: Some(serde_json::to_value(TargetConnectionRequest::data_lake(
                    names.target_connection.clone(),
                    Some(names.description(self.id(), "Chatlio events into the data lake.")),
                    SchemaId::new(context.schema_id.clone()),
                    DatasetId::new(context.dataset_id.clone()),
                ))?),
                captures: Some(("TARGET_CONNECTION_ID", ".id")),
                accept: None,
                note: "data lake target connection",
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
            let name = &names.target_connection;
            let listed = client
                .flow_service()
                .list_target_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(named(listed, name, names, self.id()))
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            if let Some(adopted) = context.adopt_ours().await? {
                return Ok(adopted);
            }
            let body: TargetConnectionRequest = context.body()?;
            let created = context
                .client()
                .flow_service()
                .create_target_connection(&body)
                .await
                .map_err(|error| context.failed(error))?;
            Ok(created.into())
        })
    }

    fn delete<'a>(
        &'a self,
        client: &'a Client,
        id: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), DeleteFailure>> {
        Box::pin(async move {
            client
                .flow_service()
                .delete_target_connection(&TargetConnectionId::new(id))
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
                .flow_service()
                .get_target_connection(&TargetConnectionId::new(record.id.as_str()))
                .await;
            compare_read(record, "target connection", read, |connection| {
                let found = connection
                    .params
                    .and_then(|params| params.data_set_id)
                    .map(DatasetId::into_inner);
                reference_changed(
                    journal,
                    record,
                    StepId::Dataset,
                    |dataset| found.as_deref() == Some(dataset),
                    "target_dataset_changed",
                    "The target connection writes to another dataset.",
                )
            })
        })
    }
}
