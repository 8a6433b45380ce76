//! Checks before anything is created: token, sandbox, tenant id, the
//! permissions reads can reveal, and name collisions. All run at once.

use platform::catalog::DatasetQuery;
use platform::flow_service::ListQuery;
use platform::models::flow::CHATLIO_CONNECTION_SPEC_ID;
use platform::models::ConnectionSpecId;
use platform::{Client, ErrorCode, PlatformError};
use serde::Serialize;

use crate::input::SetupRequest;
use crate::lookup::look_up;
use crate::names::Names;
use crate::step::StepId;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Passed,
    Failed,
    /// Cannot be verified by reading; shown so the user knows.
    Unverified,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub id: &'static str,
    pub state: CheckState,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    pub ok: bool,
    pub tenant_id: Option<String>,
    pub checks: Vec<Check>,
}

fn failed(id: &'static str, error: &PlatformError, permission: &str) -> Check {
    let hint = match error.code() {
        ErrorCode::Forbidden => format!(
            "Your credential lacks {permission}: ask an admin to add it to the product profile (role) of this sandbox."
        ),
        _ => error.hint().to_owned(),
    };
    Check {
        id,
        state: CheckState::Failed,
        message: error.to_string(),
        hint: Some(hint),
    }
}

fn passed(id: &'static str, message: impl Into<String>) -> Check {
    Check {
        id,
        state: CheckState::Passed,
        message: message.into(),
        hint: None,
    }
}

/// What already carries the setup's dataflow names: one name for one URL, the
/// four per-event names (`<setup> - <suffix>`) for one URL per event. A name
/// taken by a resource this setup did not make wins over one of ours, so it is
/// reported before anything is made.
async fn dataflow_names_found(
    client: &Client,
    names: &Names,
    request: &SetupRequest,
) -> Result<Option<crate::lookup::Found>, PlatformError> {
    let plan = chatlio::WebhookPlan::new(request.webhook_mode);
    let instances: Vec<Names> = match request.webhook_mode {
        chatlio::WebhookMode::PerEventUrl => plan
            .flows
            .iter()
            .map(|flow| names.for_instance(Some(flow)))
            .collect(),
        chatlio::WebhookMode::SingleUrl => vec![names.clone()],
    };
    let found = futures_util::future::join_all(
        instances
            .iter()
            .map(|instance| look_up(client, instance, StepId::Dataflow)),
    )
    .await;
    let mut ours = None;
    for result in found {
        match result? {
            Some(other) if !other.ours => return Ok(Some(other)),
            Some(mine) => ours = Some(mine),
            None => {}
        }
    }
    Ok(ours)
}

pub async fn preflight(client: &Client, request: &SetupRequest) -> PreflightReport {
    let mut checks = Vec::new();
    if let Err(error) = client.access_token().await {
        checks.push(failed("token", &error, "a valid client id and secret"));
        return PreflightReport {
            ok: false,
            tenant_id: None,
            checks,
        };
    }
    checks.push(passed("token", "The credential gets an access token."));
    let names = Names::new(request);
    let sandbox = client.sandbox().as_str().to_owned();
    let registry = client.schema_registry();
    let flows = client.flow_service();
    let catalog = client.catalog();
    let sandboxes = client.sandboxes();
    let spec_id = ConnectionSpecId::new(CHATLIO_CONNECTION_SPEC_ID);
    let one_flow = ListQuery {
        limit: Some(1),
        ..ListQuery::default()
    };
    let one_dataset = DatasetQuery {
        limit: Some(1),
        ..DatasetQuery::default()
    };
    let (
        sandbox_result,
        tenant,
        spec,
        flow_read,
        dataset_read,
        schema_found,
        dataset_found,
        flow_found,
    ) = tokio::join!(
        sandboxes.find_available(&sandbox),
        registry.tenant_id(),
        flows.get_connection_spec(&spec_id),
        flows.list_flows(&one_flow),
        catalog.list_datasets(&one_dataset),
        look_up(client, &names, StepId::Schema),
        look_up(client, &names, StepId::Dataset),
        dataflow_names_found(client, &names, request),
    );
    checks.push(match sandbox_result {
        Ok(_) => passed("sandbox", format!("Sandbox {sandbox} is available.")),
        // Not in the credential's list: mistyped, or not granted to it.
        Err(error) if error.code() == ErrorCode::NotFound => Check {
            id: "sandbox",
            state: CheckState::Failed,
            message: error.to_string(),
            hint: Some(format!(
                "Check the sandbox name ({sandbox}), or ask an admin to give the credential access to this sandbox in its product profile."
            )),
        },
        Err(error) => failed("sandbox", &error, "access to this sandbox"),
    });
    let tenant_id = match tenant {
        Ok(tenant) => {
            checks.push(passed("tenant_id", format!("Tenant id is {tenant}.")));
            Some(tenant)
        }
        Err(error) => {
            checks.push(failed("tenant_id", &error, "View Schemas"));
            None
        }
    };
    checks.push(match spec {
        Ok(_) => passed("chatlio_source", "The Chatlio source is available."),
        Err(error) => failed("chatlio_source", &error, "View Sources"),
    });
    checks.push(match flow_read {
        Ok(_) => passed("view_sources", "Dataflows can be read."),
        Err(error) => failed("view_sources", &error, "View Sources"),
    });
    checks.push(match dataset_read {
        Ok(_) => passed("view_datasets", "Datasets can be read."),
        Err(error) => failed("view_datasets", &error, "View Datasets"),
    });
    checks.push(Check {
        id: "manage_permissions",
        state: CheckState::Unverified,
        message: "Manage Sources, Manage Schemas and Manage Datasets cannot be checked without creating something.".into(),
        hint: Some("If a create step fails with forbidden, ask an admin to add these permissions to the credential's role.".into()),
    });
    for (id, what, found) in [
        ("schema_title_free", "schema title", schema_found),
        ("dataset_name_free", "dataset name", dataset_found),
        ("dataflow_name_free", "dataflow name", flow_found),
    ] {
        checks.push(match found {
            Ok(None) => passed(id, format!("The {what} is free.")),
            Ok(Some(found)) if found.ours => passed(
                id,
                format!("The {what} belongs to this setup; it will be reused."),
            ),
            Ok(Some(_)) => Check {
                id,
                state: CheckState::Failed,
                message: format!(
                    "The {what} is already used by a resource this setup did not make."
                ),
                hint: Some("Choose another name, or pick the existing resource.".into()),
            },
            Err(error) => failed(id, &error, "View Schemas, View Datasets and View Sources"),
        });
    }
    PreflightReport {
        ok: checks.iter().all(|check| check.state != CheckState::Failed),
        tenant_id,
        checks,
    }
}
