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
