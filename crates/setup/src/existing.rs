//! Existing schemas and datasets a setup can reuse: only the compatible ones,
//! so the wizard never offers a choice that would fail later.

use platform::models::{DatasetId, SchemaId};
use platform::schema_registry::ResourceKind;
use platform::{map_bounded, Client, PlatformError};
use serde::Serialize;

/// How many schemas are read at once while checking compatibility.
const CONCURRENCY: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingSchema {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingDataset {
    pub id: String,
    pub name: String,
}

/// Schemas of the sandbox that include the Chatlio field group: the ones the
/// mapping can write to. Empty when the field group does not exist yet.
pub async fn compatible_schemas(client: &Client) -> Result<Vec<ExistingSchema>, PlatformError> {
    let registry = client.schema_registry();
    let Some(field_group) = registry
        .find_field_group_by_title(chatlio::schema::FIELD_GROUP_TITLE)
        .await?
    else {
        return Ok(Vec::new());
    };
    let field_group = field_group.id.as_str().to_owned();
    let field_group = field_group.as_str();
    let registry = &registry;
    let schemas = registry.list(ResourceKind::Schemas, &[]).await?;
    let checked = map_bounded(schemas, CONCURRENCY, |summary| async move {
        let schema = registry.get_schema(&summary.id).await?;
        let includes = schema
            .all_of
            .iter()
            .any(|part| part.reference == field_group)
            || schema.extends.iter().any(|id| id == field_group);
        Ok::<_, PlatformError>(includes.then(|| {
            ExistingSchema {
                id: schema.id.as_str().to_owned(),
                title: schema
                    .title
                    .unwrap_or_else(|| schema.id.as_str().to_owned()),
            }
        }))
    })
    .await;
    let mut found = Vec::new();
    for result in checked {
        if let Some(schema) = result? {
            found.push(schema);
        }
    }
    found.sort_by(|a, b| a.title.cmp(&b.title));
    Ok(found)
}

/// Datasets whose schema is `schema_id`.
pub async fn datasets_for_schema(
    client: &Client,
    schema_id: &str,
) -> Result<Vec<ExistingDataset>, PlatformError> {
    let wanted = SchemaId::new(schema_id);
    let query = platform::catalog::DatasetQuery {
        properties: vec!["name".into(), "schemaRef".into()],
        ..platform::catalog::DatasetQuery::default()
    };
    let mut found: Vec<ExistingDataset> = client
        .catalog()
        .list_datasets(&query)
        .await?
        .into_iter()
        .filter(|(_, dataset)| {
            dataset
                .schema_ref
                .as_ref()
                .is_some_and(|reference| reference.id == wanted)
        })
        .map(|(id, dataset): (DatasetId, _)| ExistingDataset {
            name: dataset.name.unwrap_or_else(|| id.as_str().to_owned()),
            id: id.as_str().to_owned(),
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}
