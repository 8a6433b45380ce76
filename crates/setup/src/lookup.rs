//! Looking for what an earlier, interrupted run may have made, by title or
//! name, and telling ours (marker in the description) from someone else's.

use platform::catalog::DatasetQuery;
use platform::flow_service::ListQuery;
use platform::models::SchemaId;
use platform::{Client, PlatformError};

use crate::names::{has_marker, Names};
use crate::step::StepId;

/// An existing resource with the name or title a step would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    pub etag: Option<String>,
    /// Its description carries this setup's marker for the step.
    pub ours: bool,
}

/// Steps whose resources can be found again by name or title. The mapping set
/// (Data Prep lists carry no name) and the identity descriptor (found through
/// its schema) cannot.
pub fn can_look_up(step: StepId) -> bool {
    matches!(
        step,
        StepId::FieldGroup
            | StepId::Schema
            | StepId::Dataset
            | StepId::SourceConnection
            | StepId::TargetConnection
            | StepId::Dataflow
    )
}

/// Prefers a resource that carries our marker over a same-named foreign one.
fn pick(mut found: Vec<Found>) -> Option<Found> {
    found.sort_by_key(|candidate| !candidate.ours);
    found.into_iter().next()
}

/// Looks up what `step` would create. `Ok(None)`: nothing with that name.
pub async fn look_up(
    client: &Client,
    names: &Names,
    step: StepId,
) -> Result<Option<Found>, PlatformError> {
    let setup = names.setup.as_str();
    let flows = client.flow_service();
    match step {
        StepId::FieldGroup => {
            let registry = client.schema_registry();
            let Some(summary) = registry
                .find_field_group_by_title(&names.field_group_title)
                .await?
            else {
                return Ok(None);
            };
            let full = registry.get_field_group(&summary.id).await?;
            Ok(Some(Found {
                id: full.id.into_inner(),
                etag: None,
                ours: has_marker(full.description.as_deref(), setup, step),
            }))
        }
        StepId::Schema => {
            let Some(title) = &names.schema_title else {
                return Ok(None);
            };
            let registry = client.schema_registry();
            let Some(summary) = registry.find_schema_by_title(title).await? else {
                return Ok(None);
            };
            let full = registry.get_schema(&summary.id).await?;
            Ok(Some(Found {
                id: full.id.into_inner(),
                etag: None,
                ours: has_marker(full.description.as_deref(), setup, step),
            }))
        }
        StepId::Dataset => {
            let Some(name) = &names.dataset_name else {
                return Ok(None);
            };
            let found = client
                .catalog()
                .list_datasets(&DatasetQuery {
                    name: Some(name.clone()),
                    properties: vec!["name".into(), "description".into(), "schemaRef".into()],
                    limit: Some(100),
                    start: None,
                })
                .await?;
            Ok(pick(
                found
                    .into_iter()
                    .filter(|(_, dataset)| dataset.name.as_deref() == Some(name.as_str()))
                    .map(|(id, dataset)| Found {
                        id: id.into_inner(),
                        etag: None,
                        ours: has_marker(dataset.description.as_deref(), setup, step),
                    })
                    .collect(),
            ))
        }
        StepId::SourceConnection => {
            let name = &names.source_connection;
            let found = flows
                .list_source_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(pick(
                found
                    .into_iter()
                    .filter(|item| item.name.as_deref() == Some(name.as_str()))
                    .map(|item| Found {
                        ours: has_marker(item.description.as_deref(), setup, step),
                        id: item.id.into_inner(),
                        etag: item.etag.map(|etag| etag.as_str().to_owned()),
                    })
                    .collect(),
            ))
        }
        StepId::TargetConnection => {
            let name = &names.target_connection;
            let found = flows
                .list_target_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(pick(
                found
                    .into_iter()
                    .filter(|item| item.name.as_deref() == Some(name.as_str()))
                    .map(|item| Found {
                        ours: has_marker(item.description.as_deref(), setup, step),
                        id: item.id.into_inner(),
                        etag: item.etag.map(|etag| etag.as_str().to_owned()),
                    })
                    .collect(),
            ))
        }
        StepId::Dataflow => {
            let name = &names.dataflow;
            let found = flows
                .list_all_flows(&ListQuery::property(format!("name=={name}")))
                .await?;
            Ok(pick(
                found
                    .into_iter()
                    .filter(|item| item.name.as_deref() == Some(name.as_str()))
                    .map(|item| Found {
                        ours: has_marker(item.description.as_deref(), setup, step),
                        id: item.id.into_inner(),
                        etag: item.etag.map(|etag| etag.as_str().to_owned()),
                    })
                    .collect(),
            ))
        }
        StepId::TenantId | StepId::IdentityDescriptor | StepId::MappingSet | StepId::ReadBack => {
            Ok(None)
        }
    }
}

/// The schema `$id` a dataset is based on.
pub async fn dataset_schema(
    client: &Client,
    dataset: &str,
) -> Result<Option<SchemaId>, PlatformError> {
    let dataset = client
        .catalog()
        .get_dataset(&platform::models::DatasetId::new(dataset))
        .await?;
    Ok(dataset.schema_ref.map(|reference| reference.id))
}
