//! Looking for what an earlier, interrupted run may have made, by title or
//! name, and telling ours (marker in the description, or in the name of a
//! mapping set) from someone else's.

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
    /// It carries this setup's marker for the step.
    pub ours: bool,
    /// The schema a mapping set writes to; `None` for other resources.
    pub schema: Option<String>,
}

/// Steps whose resources can be found again by name or title. The identity
/// descriptor is found through its schema instead
/// ([`find_identity_descriptor`]); the tenant id and the read-back make nothing.
pub fn can_look_up(step: StepId) -> bool {
    matches!(
        step,
        StepId::FieldGroup
            | StepId::Schema
            | StepId::Dataset
            | StepId::SourceConnection
            | StepId::TargetConnection
            | StepId::MappingSet
            | StepId::Dataflow
    )
}

/// Prefers a resource that carries our marker over a same-named foreign one.
pub fn pick(mut found: Vec<Found>) -> Option<Found> {
    found.sort_by_key(|candidate| !candidate.ours);
    found.into_iter().next()
}

/// A listed resource, before the exact-name check.
struct Listed {
    name: Option<String>,
    description: Option<String>,
    id: String,
    etag: Option<String>,
}

/// Keeps the listed resources named exactly `name` (list filters are
/// server-side hints) and marks those carrying this setup's marker.
fn named(
    listed: impl IntoIterator<Item = Listed>,
    name: &str,
    names: &Names,
    step: StepId,
) -> Vec<Found> {
    listed
        .into_iter()
        .filter(|item| item.name.as_deref() == Some(name))
        .map(|item| Found {
            ours: has_marker(item.description.as_deref(), &names.setup, step),
            id: item.id,
            etag: item.etag,
            schema: None,
        })
        .collect()
}

/// Everything with the name or title `step` would use, ours first.
/// Empty: nothing with that name.
pub async fn look_up_all(
    client: &Client,
    names: &Names,
    step: StepId,
) -> Result<Vec<Found>, PlatformError> {
    let flows = client.flow_service();
    let registry = client.schema_registry();
    let mut found = match step {
        StepId::FieldGroup | StepId::Schema => {
            let summary = if step == StepId::FieldGroup {
                registry
                    .find_field_group_by_title(&names.field_group_title)
                    .await?
            } else {
                match &names.schema_title {
                    Some(title) => registry.find_schema_by_title(title).await?,
                    None => None,
                }
            };
            let Some(summary) = summary else {
                return Ok(Vec::new());
            };
            // The summary has no description, so the marker needs the full resource.
            let full = if step == StepId::FieldGroup {
                registry.get_field_group(&summary.id).await?
            } else {
                registry.get_schema(&summary.id).await?
            };
            vec![Found {
                ours: has_marker(full.description.as_deref(), &names.setup, step),
                id: full.id.into_inner(),
                etag: None,
                schema: None,
            }]
        }
        StepId::Dataset => {
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
            named(
                listed.into_iter().map(|(id, dataset)| Listed {
                    name: dataset.name,
                    description: dataset.description,
                    id: id.into_inner(),
                    etag: None,
                }),
                name,
                names,
                step,
            )
        }
        StepId::SourceConnection => {
            let name = &names.source_connection;
            let listed = flows
                .list_source_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            named(
                listed.into_iter().map(|item| Listed {
                    name: item.name,
                    description: item.description,
                    id: item.id.into_inner(),
                    etag: item.etag.map(|etag| etag.as_str().to_owned()),
                }),
                name,
                names,
                step,
            )
        }
        StepId::TargetConnection => {
            let name = &names.target_connection;
            let listed = flows
                .list_target_connections(&ListQuery::property(format!("name=={name}")))
                .await?;
            named(
                listed.into_iter().map(|item| Listed {
                    name: item.name,
                    description: item.description,
                    id: item.id.into_inner(),
                    etag: item.etag.map(|etag| etag.as_str().to_owned()),
                }),
                name,
                names,
                step,
            )
        }
        StepId::Dataflow => {
            let name = &names.dataflow;
            let listed = flows
                .list_all_flows(&ListQuery::property(format!("name=={name}")))
                .await?;
            named(
                listed.into_iter().map(|item| Listed {
                    name: item.name,
                    description: item.description,
                    id: item.id.into_inner(),
                    etag: item.etag.map(|etag| etag.as_str().to_owned()),
                }),
                name,
                names,
                step,
            )
        }
        StepId::MappingSet => {
            // Mapping sets have a name but no description: the name carries the
            // marker, so every match is ours.
            client
                .data_prep()
                .find_mapping_sets_by_name(&names.mapping_set)
                .await?
                .into_iter()
                .map(|set| Found {
                    ours: has_marker(set.name.as_deref(), &names.setup, step),
                    schema: set.output_schema_id().map(str::to_owned),
                    id: set.id.into_inner(),
                    etag: None,
                })
                .collect()
        }
        StepId::TenantId
        | StepId::IdentityDescriptor
        | StepId::ProfileSchema
        | StepId::ReadBack => Vec::new(),
    };
    found.sort_by_key(|candidate| !candidate.ours);
    Ok(found)
}

/// Looks up what `step` would create, ours preferred. `Ok(None)`: nothing with
/// that name.
pub async fn look_up(
    client: &Client,
    names: &Names,
    step: StepId,
) -> Result<Option<Found>, PlatformError> {
    Ok(pick(look_up_all(client, names, step).await?))
}

/// The primary identity descriptor of `schema`, from the descriptor list.
/// `ours` when it is on `property` (the field this setup makes the identity);
/// one on another field was put there by someone else.
pub async fn find_identity_descriptor(
    client: &Client,
    schema: &SchemaId,
    property: &str,
) -> Result<Option<Found>, PlatformError> {
    let descriptors = client
        .schema_registry()
        .identity_descriptors(schema)
        .await?;
    Ok(pick(
        descriptors
            .into_iter()
            .filter(|descriptor| descriptor.is_primary == Some(true))
            .map(|descriptor| Found {
                ours: descriptor.source_property.as_deref() == Some(property),
                id: descriptor.id.into_inner(),
                etag: None,
                schema: None,
            })
            .collect(),
    ))
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
