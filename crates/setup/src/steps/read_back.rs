//! Reading the new dataflow back for its inlet URL, the base of the webhook URL
//! Chatlio gets. The URL is half of the webhook URL, so it is never logged or
//! sent as progress.

use std::time::Duration;

use futures_util::future::BoxFuture;
use platform::models::flow::Flow;
use platform::models::FlowId;
use platform::{Client, ErrorCode, WebhookUrl};

use super::{PlanContext, Step, StepOutput, StepPlan, FLOWS};
use crate::drift::{finding, read_failed, recorded, Drift, DriftKind, ListedFlows, Recorded};
use crate::engine::StepContext;
use crate::error::{Result, SetupError};
use crate::journal::Journal;
use crate::plan::{placeholder, PlannedCall};
use crate::step::StepId;

/// How long the read-back step waits for a new flow's inlet URL.
const INLET_DEADLINE: Duration = Duration::from_secs(20);
const INLET_POLL: Duration = Duration::from_millis(250);

pub struct ReadBack;

impl Step for ReadBack {
    fn id(&self) -> StepId {
        StepId::ReadBack
    }

    fn permission(&self) -> &'static str {
        "Manage Sources"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("INLET_URL")
    }

    fn creates_resource(&self) -> bool {
        false
    }

    fn plan(&self, _context: &PlanContext<'_>) -> std::result::Result<StepPlan, serde_json::Error> {
        Ok(StepPlan {
            resource: None,
            calls: vec![PlannedCall {
                step: Some(self.id()),
                method: "GET",
                path: format!("{FLOWS}/flows/{}", placeholder("FLOW_ID")),
                body: None,
                captures: Some(("INLET_URL", ".items[0].options.inletUrl")),
                accept: None,
                note: "read back the inlet URL",
            }],
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let on = |error| context.failed(error);
            let flow_id = FlowId::new(context.resource(StepId::Dataflow)?);
            let deadline = tokio::time::Instant::now() + INLET_DEADLINE;
            loop {
                let flow = context
                    .client()
                    .flow_service()
                    .get_flow(&flow_id)
                    .await
                    .map_err(on)?;
                if let Some(inlet) = flow.inlet_url() {
                    // Checked now so a bad URL fails here, not on screen.
                    WebhookUrl::new(inlet, &flow_id).map_err(on)?;
                    return Ok(StepOutput::created(
                        inlet.to_owned(),
                        flow.etag.map(|etag| etag.as_str().to_owned()),
                    ));
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(SetupError::InletUrlMissing);
                }
                tokio::time::sleep(INLET_POLL).await;
            }
        })
    }

    fn check_drift<'a>(
        &'a self,
        client: &'a Client,
        journal: &'a Journal,
        record: &'a Recorded,
    ) -> BoxFuture<'a, Vec<Drift>> {
        Box::pin(async move {
            let Some(flow) = recorded(journal, StepId::Dataflow, record) else {
                return Vec::new();
            };
            match client.flow_service().get_flow(&FlowId::new(flow.id)).await {
                // The dataflow's own check reports it gone.
                Err(error) if error.code() == ErrorCode::NotFound => Vec::new(),
                Err(error) => vec![read_failed(record, "dataflow's inlet", &error)],
                Ok(flow) => inlet_drift(record, &flow),
            }
        })
    }

    fn drift_from_listed(
        &self,
        journal: &Journal,
        record: &Recorded,
        listed: &ListedFlows,
    ) -> Option<Vec<Drift>> {
        let Some(flow) = recorded(journal, StepId::Dataflow, record) else {
            return Some(Vec::new());
        };
        Some(inlet_drift(record, listed.get(&flow.id)?))
    }
}

/// `Changed` when the dataflow's streaming endpoint is no longer the one the
/// journal records (the base of the webhook URL Chatlio has).
fn inlet_drift(record: &Recorded, flow: &Flow) -> Vec<Drift> {
    if flow.inlet_url() == Some(record.id.as_str()) {
        return Vec::new();
    }
    vec![finding(
        record,
        DriftKind::Changed,
        "inlet_url_changed",
        "The dataflow's streaming endpoint changed since setup.",
    )]
}
