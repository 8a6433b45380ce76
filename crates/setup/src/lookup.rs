//! Looking for what an earlier, interrupted run may have made, by title or
//! name, and telling ours (marker in the description, or in the name of a
//! mapping set) from someone else's.

use platform::models::flow::{Flow, SourceConnection, TargetConnection};
use platform::models::{Etag, SchemaId};
use platform::{Client, PlatformError};

use crate::names::Names;
use crate::step::StepId;
use crate::steps;

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

impl Found {
    /// The resource `id`, ours when `marked` (its description, or a mapping
    /// set's name) carries this setup's marker for `step`.
    pub(crate) fn by_marker(id: String, marked: Option<&str>, names: &Names, step: StepId) -> Self {
        Self {
            ours: names.has_marker(marked, step),
            id,
            etag: None,
            schema: None,
        }
    }
}

/// Prefers a resource that carries our marker over a same-named foreign one.
pub fn pick(mut found: Vec<Found>) -> Option<Found> {
    found.sort_by_key(|candidate| !candidate.ours);
    found.into_iter().next()
}

/// A listed resource, before the exact-name check.
pub(crate) struct Listed {
    pub name: Option<String>,
    pub description: Option<String>,
    pub id: String,
    pub etag: Option<String>,
}

impl Listed {
    /// A Flow Service entity as listed; its ETag kept as Adobe sent it.
    fn flow_entity(
        name: Option<String>,
        description: Option<String>,
        id: impl AsRef<str>,
        etag: Option<Etag>,
    ) -> Self {
        Self {
            name,
            description,
            id: id.as_ref().to_owned(),
            etag: etag.map(|etag| etag.as_str().to_owned()),
        }
    }
}

impl From<SourceConnection> for Listed {
    fn from(item: SourceConnection) -> Self {
        Self::flow_entity(item.name, item.description, item.id, item.etag)
    }
}

impl From<TargetConnection> for Listed {
    fn from(item: TargetConnection) -> Self {
        Self::flow_entity(item.name, item.description, item.id, item.etag)
    }
}

impl From<Flow> for Listed {
    fn from(item: Flow) -> Self {
        Self::flow_entity(item.name, item.description, item.id, item.etag)
    }
}

/// Keeps the listed resources named exactly `name` (list filters are
/// server-side hints) and marks those carrying this setup's marker.
pub(crate) fn named(
    listed: impl IntoIterator<Item = impl Into<Listed>>,
    name: &str,
    names: &Names,
    step: StepId,
) -> Vec<Found> {
    listed
        .into_iter()
        .map(Into::<Listed>::into)
        .filter(|item| item.name.as_deref() == Some(name))
        .map(|item| Found {
            etag: item.etag,
            ..Found::by_marker(item.id, item.description.as_deref(), names, step)
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
    let mut found = steps::of(step).look_up(client, names).await?;
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
