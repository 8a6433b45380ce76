//! The streaming dataflow, and Flow Service draft mode
//! (help/sources/tutorials/api/draft.md): when both the source's connection
//! spec and the flow spec allow drafts, the flow is created with `mode=draft`,
//! journaled, then published.

use futures_util::future::BoxFuture;
use platform::flow_service::ListQuery;
use platform::models::flow::{
    Created, Flow, FlowRequest, CHATLIO_CONNECTION_SPEC_ID, GENERIC_STREAMING_FLOW_SPEC_ID,
};
use platform::models::{
    ConnectionSpecId, FlowId, FlowSpecId, MappingSetId, SourceConnectionId, TargetConnectionId,
};
use platform::{Client, ErrorCode, PlatformError};
use serde_json::json;

use super::{resource, DeleteFailure, PlanContext, Step, StepOutput, StepPlan, FLOWS};
use crate::drift::{
    compare_read, finding, reference_changed, Drift, DriftKind, ListedFlows, Recorded,
};
use crate::engine::{FailPoint, StepContext};
use crate::error::Result;
use crate::journal::Journal;
use crate::lookup::{named, Found};
use crate::names::Names;
use crate::plan::{placeholder, PlannedCall, ResourceAction};
use crate::step::StepId;

pub struct Dataflow;

/// Whether the dataflow can be made as a draft and then published. Adobe's draft
/// tutorial (help/sources/tutorials/api/draft.md) asks to check
/// `attributes.isDraftModeSupported` on both the source's connection spec and its flow
/// spec; neither Chatlio's spec nor GenericStreamingAEP shows the flag in Adobe's docs,
/// so against Adobe this is expected to say no until Adobe turns it on.
pub(crate) async fn draft_mode_supported(
    client: &Client,
) -> std::result::Result<bool, PlatformError> {
    let flows = client.flow_service();
    let connection_spec = ConnectionSpecId::new(CHATLIO_CONNECTION_SPEC_ID);
    let flow_spec = FlowSpecId::new(GENERIC_STREAMING_FLOW_SPEC_ID);
    let (connection, flow) = futures_util::future::try_join(
        flows.get_connection_spec(&connection_spec),
        flows.get_flow_spec(&flow_spec),
    )
    .await?;
    Ok(connection.is_draft_mode_supported() && flow.is_draft_mode_supported())
}

/// The dataflow the journal names while the step is not done: a draft an
/// interrupted run created and journaled before publishing it. `None` when
/// nothing is recorded, the flow is gone (deleted by a rollback or by hand) or
/// it does not carry this setup's marker.
async fn journaled_flow(
    context: &StepContext<'_>,
) -> std::result::Result<Option<Flow>, PlatformError> {
    let recorded = context
        .own_record()
        .and_then(|record| record.resource_id.clone());
    let Some(id) = recorded else {
        return Ok(None);
    };
    match context
        .client()
        .flow_service()
        .get_flow(&FlowId::new(id))
        .await
    {
        Ok(flow)
            if context
                .names()
                .has_marker(flow.description.as_deref(), StepId::Dataflow) =>
        {
            Ok(Some(flow))
        }
        Ok(_) => Ok(None),
        Err(error) if error.code() == ErrorCode::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Adopts this setup's dataflow, publishing it first when an interrupted run
/// left it a draft.
async fn adopt_flow(client: &Client, flow: Flow) -> std::result::Result<StepOutput, PlatformError> {
    let current = if flow.is_draft() {
        publish(client, &flow.id).await?
    } else {
        Created {
            id: flow.id,
            etag: flow.etag,
        }
    };
    Ok(StepOutput {
        adopted: true,
        ..StepOutput::from(current)
    })
}

/// Publishes a draft dataflow. Adobe's tutorial sends no `If-Match`, so none is
/// sent. When the publish fails, the flow is read again: a publish whose answer
/// was lost (and that the client repeated) took effect already, and Flow
/// Service refuses to publish a flow that is no longer a draft.
async fn publish(
    client: &Client,
    id: &FlowId,
) -> std::result::Result<Created<FlowId>, PlatformError> {
    let flows = client.flow_service();
    let error = match flows.publish_flow(id, None).await {
        Ok(published) => return Ok(published),
        Err(error) => error,
    };
    match flows.get_flow(id).await {
        Ok(flow) if !flow.is_draft() => Ok(Created {
            id: flow.id,
            etag: flow.etag,
        }),
        Ok(_) => Err(error),
        Err(read_error) => {
            // The publish error is what the user must act on; the failed read
            // only means we could not tell whether it took effect.
            tracing::debug!(
                code = ?read_error.code(),
                "reading the dataflow after a failed publish failed too"
            );
            Err(error)
        }
    }
}

impl Step for Dataflow {
    fn id(&self) -> StepId {
        StepId::Dataflow
    }

    fn permission(&self) -> &'static str {
        "Manage Sources"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("FLOW_ID")
    }

    fn plan(&self, context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        let names = context.names;
        let mut flow = serde_json::to_value(FlowRequest::streaming(
            names.dataflow.clone(),
            Some(names.description(self.id(), "Chatlio webhook dataflow.")),
            SourceConnectionId::new(placeholder("SOURCE_CONNECTION_ID")),
            TargetConnectionId::new(placeholder("TARGET_CONNECTION_ID")),
            &MappingSetId::new(placeholder("MAPPING_SET_ID")),
            0,
        ))?;
        if context.request.error_diagnostics {
            flow["options"]["errorDiagnosticsEnabled"] = json!(true);
        }
        if let Some(threshold) = context.request.partial_ingestion_threshold {
            flow["options"]["partialIngestionPercent"] = json!(threshold);
        }
        Ok(StepPlan {
            resource: Some(resource(
                self.id(),
                context,
                &names.dataflow,
                ResourceAction::Create,
            )),
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "POST",
                path: format!("{FLOWS}/flows"),
                body: Some(flow),
                captures: Some(("FLOW_ID", ".id")),
                accept: None,
                note: "streaming dataflow",
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
            let name = &names.dataflow;
            let listed = client
                .flow_service()
                .list_all_flows(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(named(listed, name, names, self.id()))
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let client = context.client();
            let on = |error| context.failed(error);
            // A draft an interrupted run journaled before publishing it.
            if let Some(flow) = journaled_flow(context).await.map_err(on)? {
                return adopt_flow(client, flow).await.map_err(on);
            }
            let dataflow = &context.names().dataflow;
            if let Some(found) = context
                .ours_or_name_taken("a dataflow named", dataflow)
                .await?
            {
                // Ours, maybe still a draft: its state says whether to publish.
                let flow = client
                    .flow_service()
                    .get_flow(&FlowId::new(found.id.as_str()))
                    .await
                    .map_err(on)?;
                return adopt_flow(client, flow).await.map_err(on);
            }
            let body: FlowRequest = context.body()?;
            let created = if context.draft_mode().await.map_err(on)? {
                let draft = client
                    .flow_service()
                    .create_draft_flow(&body)
                    .await
                    .map_err(on)?;
                // Journal the draft before publishing it: a crash in between
                // resumes by publishing this one, not by making another.
                context
                    .journal_progress(
                        draft.id.as_str(),
                        draft.etag.as_ref().map(|etag| etag.as_str().to_owned()),
                    )
                    .await?;
                context.fail_point(FailPoint::AfterDraft(self.id()))?;
                tracing::info!(setup = %context.names().setup, "draft dataflow journaled; publishing");
                publish(client, &draft.id).await.map_err(on)?
            } else {
                client.flow_service().create_flow(&body).await.map_err(on)?
            };
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
                .delete_flow(&FlowId::new(id))
                .await
                .map_err(DeleteFailure::Error)
        })
    }

    fn drift_from_listed(
        &self,
        journal: &Journal,
        record: &Recorded,
        listed: &ListedFlows,
    ) -> Option<Vec<Drift>> {
        let flow = listed.get(&record.id)?;
        Some(flow_drift(journal, record, flow))
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
                .get_flow(&FlowId::new(record.id.as_str()))
                .await;
            compare_read(record, "dataflow", read, |flow| {
                flow_drift(journal, record, &flow)
            })
        })
    }
}

/// How the dataflow read back differs from what the setup made: disabled, or
/// no longer connecting the setup's source, target and mapping.
fn flow_drift(journal: &Journal, record: &Recorded, flow: &Flow) -> Vec<Drift> {
    let mut drifts = Vec::new();
    if !flow.is_enabled() {
        drifts.push(finding(
            record,
            DriftKind::Disabled,
            "flow_disabled",
            format!(
                "The dataflow is {}; Chatlio's events are not ingested.",
                flow.state.as_deref().unwrap_or("not enabled")
            ),
        ));
    }
    let checks = [
        (
            StepId::SourceConnection,
            flow.source_connection_ids
                .iter()
                .map(|id| id.as_str().to_owned())
                .collect::<Vec<_>>(),
            "flow_source_changed",
            "The dataflow reads from another source connection.",
        ),
        (
            StepId::TargetConnection,
            flow.target_connection_ids
                .iter()
                .map(|id| id.as_str().to_owned())
                .collect(),
            "flow_target_changed",
            "The dataflow writes to another target connection.",
        ),
        (
            StepId::MappingSet,
            flow.transformations
                .iter()
                .filter_map(|transformation| transformation.mapping_id())
                .map(MappingSetId::into_inner)
                .collect(),
            "flow_mapping_changed",
            "The dataflow uses another mapping set.",
        ),
    ];
    for (step, found, detail, message) in checks {
        drifts.extend(reference_changed(
            journal,
            record,
            step,
            |expected| found.iter().any(|id| id == expected),
            detail,
            message,
        ));
    }
    drifts
}
