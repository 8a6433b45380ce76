//! The tenant id: read from the Schema Registry's stats; every tenant-scoped
//! name (field group, schema fields, mapping) is built from it.

use futures_util::future::BoxFuture;

use super::{PlanContext, Step, StepOutput, StepPlan, REGISTRY};
use crate::engine::StepContext;
use crate::error::Result;
use crate::plan::PlannedCall;
use crate::step::StepId;

pub struct TenantId;

impl Step for TenantId {
    fn id(&self) -> StepId {
        StepId::TenantId
    }

    fn permission(&self) -> &'static str {
        "Manage Schemas"
    }

    fn variable(&self) -> Option<&'static str> {
        Some("TENANT_ID")
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
                path: format!("{REGISTRY}/stats"),
                body: None,
                captures: Some(("TENANT_ID", ".tenantId")),
                accept: None,
                note: "tenant id",
            }],
        })
    }

    fn run<'a>(&'a self, context: &'a StepContext<'a>) -> BoxFuture<'a, Result<StepOutput>> {
        Box::pin(async move {
            let tenant = context
                .client()
                .schema_registry()
                .tenant_id()
                .await
                .map_err(|error| context.failed(error))?;
            Ok(StepOutput::created(tenant, None))
        })
    }
}
