//! Existing schemas and datasets offered for reuse: only compatible ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{request, Harness};
use setup::existing::{compatible_schemas, datasets_for_schema};

#[tokio::test]
async fn only_schemas_with_the_chatlio_field_group_and_their_datasets_are_offered() {
    let harness = Harness::start("existing", Duration::ZERO).await;
    let client = harness.client();
    // Before any setup there is no Chatlio field group, so nothing fits.
    assert!(compatible_schemas(&client).await.unwrap().is_empty());

    let outcome = harness
        .engine()
        .apply(&request("Chatlio one"))
        .await
        .unwrap();
    // An unrelated schema and dataset in the same sandbox.
    let other = client
        .schema_registry()
        .create_schema(&platform::models::schema::SchemaRequest::new(
            "Unrelated",
            Some("not Chatlio".into()),
            "https://ns.adobe.com/xdm/context/experienceevent",
            &[],
        ))
        .await;
    assert!(other.is_ok(), "{other:?}");

    let schemas = compatible_schemas(&client).await.unwrap();
    let schema_id = outcome.schema_id.clone().unwrap();
    assert_eq!(schemas.len(), 1, "{schemas:?}");
    assert_eq!(schemas[0].id, schema_id);

    let datasets = datasets_for_schema(&client, &schema_id).await.unwrap();
    assert_eq!(datasets.len(), 1, "{datasets:?}");
    assert_eq!(Some(datasets[0].id.clone()), outcome.dataset_id);
    assert!(
        datasets_for_schema(&client, "https://ns.adobe.com/practice/schemas/none")
            .await
            .unwrap()
            .is_empty()
    );
    harness.shutdown().await;
}

/// Catalog answers 20 datasets when no limit is given
/// (help/catalog/api/filter-data.md): a sandbox with more must still offer
/// every compatible one.
#[tokio::test]
async fn every_compatible_dataset_is_offered_past_the_first_page() {
    let harness = Harness::start("existing-many", Duration::ZERO).await;
    let client = harness.client();
    let outcome = harness
        .engine()
        .apply(&request("Chatlio many"))
        .await
        .unwrap();
    let schema_id = outcome.schema_id.clone().unwrap();
    for index in 0..130 {
        let request = platform::models::catalog::DatasetRequest::new(
            format!("Chatlio copy {index:03}"),
            platform::models::SchemaId::new(schema_id.as_str()),
        );
        client.catalog().create_dataset(&request).await.unwrap();
    }
    let datasets = datasets_for_schema(&client, &schema_id).await.unwrap();
    assert_eq!(datasets.len(), 131, "every page read");
    harness.shutdown().await;
}
