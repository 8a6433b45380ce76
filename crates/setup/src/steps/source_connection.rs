//! The Chatlio streaming source connection. One with our name but without our
//! marker is someone else's: ignored, and ours is made next to it.

use futures_util::future::BoxFuture;
use platform::flow_service::ListQuery;
use platform::models::flow::SourceConnectionRequest;
use platform::models::SourceConnectionId;
use platform::{Client, PlatformError};

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, FLOWS};
use crate::drift::{check_exists, Drift, Recorded};
use crate::engine::StepContext;
use crate::error::Result;
use crate::journal::Journal;
use crate::lookup::{named, Found};
use crate::names::Names;
use crate::plan::{PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct SourceConnection;

impl Step for SourceConnection {
    fn id(&self) -> StepId {
        StepId::SourceConnection
    }

    fn permission(&self) -> &'static str {
        "Manage Sources"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("SOURCE_CONNECTION_ID")
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        let names = context.names;
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                &names.source_connection,
                ResourceAction::Create,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{FLOWS}/sourceConnections"),
                body: Some(serde_json::to_value(SourceConnectionRequest::chatlio(
                    names.source_connection.clone(),
                    Some(names.description(self.id(), "Chatlio webhook source.")),
                ))?),
                captures: Some(("SOURCE_CONNECTION_ID", ".id")),
                accept: None,
                note: "Chatlio streaming source connection",
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
            let name = &names.source_connection;
            let listed = client
                .flow_service()
                .list_source_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(named(listed, name, names, self.id()))
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            if let Some(adopted) = context.adopt_ours().await? {
                return Ok(adopted);
            }
            let body: SourceConnectionRequest = context.body()?;
            let created = context
                .client()
                .flow_service()
                .create_source_connection(&body)
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
                .delete_source_connection(&SourceConnectionId::new(id))
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
                .flow_service()
                .get_source_connection(&SourceConnectionId::new(record.id.as_str()))
                .await;
            check_exists(record, "source connection", read)
        })
    }
}
