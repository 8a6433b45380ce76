//! The Schema Registry and Catalog calls against platform-sim's Adobe-like behaviour:
//! Profile enabling in its documented order, lists longer than one page, the descriptor
//! lookup's Accept, and filter values with reserved characters in the query.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use platform::catalog::{is_profile_schema_refusal, DatasetQuery};
use platform::models::catalog::DatasetRequest;
use platform::models::dataprep::{Mapping, MappingSetRequest};
use platform::models::schema::{
    FieldGroupRequest, IdentityDescriptorRequest, SchemaRequest, EXPERIENCE_EVENT_CLASS,
    PROFILE_CLASS,
};
use platform::models::SchemaId;
use platform::schema_registry::{is_union_identity_refusal, ResourceKind};
use platform::{Client, ClientConfig, Credential, ErrorCode, Secret, Url};
use platform_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};

async fn start() -> (RunningSim, Client) {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = Url::parse(&sim.base_url()).unwrap();
    let config = ClientConfig::new(
        base.clone(),
        base,
        sim.config().org_id.clone(),
        "prod",
        Credential::server_to_server(
            sim.config().client_id.clone(),
            Secret::from(sim.config().client_secret.clone()),
        ),
    );
    (sim, Client::new(config).unwrap())
}

async fn logged(sim: &RunningSim) -> Vec<(String, String, String)> {
    let log: Value = reqwest::get(format!("{}/__sim/requests", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["method"].as_str().unwrap_or_default().to_owned(),
                entry["path"].as_str().unwrap_or_default().to_owned(),
                entry["query"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A schema of `class` with a tenant `email` field; returns its id.
async fn schema_with_email(client: &Client, title: &str, class: &str) -> SchemaId {
    let registry = client.schema_registry();
    let tenant = registry.tenant_id().await.unwrap();
    let group = registry
        .create_field_group(&FieldGroupRequest::tenant_fields(
            format!("{title} fields"),
            None,
            vec![class.to_owned()],
            &tenant,
            "contact",
            json!({ "email": { "type": "string", "title": "Email" } }),
        ))
        .await
        .unwrap();
    registry
        .create_schema(&SchemaRequest::new(title, None, class, &[group.id]))
        .await
        .unwrap()
        .id
}

fn profile_dataset(schema: &SchemaId) -> DatasetRequest {
    let mut request = DatasetRequest::new("Contacts dataset", schema.clone());
    request.tags = Some(BTreeMap::from([
        ("unifiedProfile".to_owned(), vec!["enabled:true".to_owned()]),
        (
            "unifiedIdentity".to_owned(),
            vec!["enabled:true".to_owned()],
        ),
    ]));
    request
}

#[tokio::test]
async fn profile_is_enabled_in_the_documented_order() {
    let (sim, client) = start().await;
    let registry = client.schema_registry();
    let schema = schema_with_email(&client, "Contacts", PROFILE_CLASS).await;

    // Union before a primary identity: XDM-1528-400; a Profile dataset before union: 400.
    let refused = registry.enable_for_profile(&schema).await.unwrap_err();
    assert!(is_union_identity_refusal(&refused), "{refused:?}");
    assert_eq!(refused.code(), ErrorCode::InvalidRequest);
    let refused = client
        .catalog()
        .create_dataset(&profile_dataset(&schema))
        .await
        .unwrap_err();
    assert!(is_profile_schema_refusal(&refused), "{refused:?}");

    // Schema, primary identity, union, dataset.
    let tenant = registry.tenant_id().await.unwrap();
    let descriptor = registry
        .create_identity_descriptor(&IdentityDescriptorRequest::new(
            schema.clone(),
            format!("/_{tenant}/email"),
            "Email",
            true,
        ))
        .await
        .unwrap();
    // The lookup sends the xdm Accept, which the registry requires of a given Accept.
    let looked_up = registry.get_descriptor(&descriptor.id).await.unwrap();
    assert_eq!(looked_up.is_primary, Some(true));

    assert!(!registry
        .get_schema(&schema)
        .await
        .unwrap()
        .is_profile_enabled());
    let enabled = registry.enable_for_profile(&schema).await.unwrap();
    assert!(enabled.is_profile_enabled());
    assert!(registry
        .get_schema(&schema)
        .await
        .unwrap()
        .is_profile_enabled());
    // Enabling again changes nothing and sends no PATCH.
    let patches_before = logged(&sim)
        .await
        .iter()
        .filter(|(method, _, _)| method == "PATCH")
        .count();
    assert!(registry
        .enable_for_profile(&schema)
        .await
        .unwrap()
        .is_profile_enabled());
    let patches_after = logged(&sim)
        .await
        .iter()
        .filter(|(method, _, _)| method == "PATCH")
        .count();
    assert_eq!(patches_before, patches_after);

    let dataset = client
        .catalog()
        .create_dataset(&profile_dataset(&schema))
        .await
        .unwrap();
    assert!(client
        .catalog()
        .get_dataset(&dataset)
        .await
        .unwrap()
        .is_profile_enabled());

    // Rollback cannot delete a Profile-enabled schema (even after its dataset is gone).
    client.catalog().delete_dataset(&dataset).await.unwrap();
    let kept = registry.delete_schema(&schema).await.unwrap_err();
    assert_eq!(kept.status(), Some(400));
    assert!(kept.message().contains("enabled for Profile"), "{kept:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_longer_than_one_page_are_read_to_the_end() {
    let (sim, client) = start().await;
    let registry = client.schema_registry();
    // 305 schemas: the registry answers 300 per page, then `_page.next`.
    for index in 0..305 {
        registry
            .create_schema(&SchemaRequest::new(
                format!("Paged schema {index:03}"),
                None,
                EXPERIENCE_EVENT_CLASS,
                &[],
            ))
            .await
            .unwrap();
    }
    let schemas = registry.list(ResourceKind::Schemas, &[]).await.unwrap();
    assert_eq!(schemas.len(), 305);
    let schema_pages = logged(&sim)
        .await
        .iter()
        .filter(|(method, path, _)| {
            method == "GET" && path == "/data/foundation/schemaregistry/tenant/schemas"
        })
        .count();
    assert_eq!(schema_pages, 2);

    // 130 datasets: Catalog answers at most 100 per call and 20 by default.
    let schema = schemas[0].id.clone();
    for index in 0..130 {
        client
            .catalog()
            .create_dataset(&DatasetRequest::new(
                format!("Paged dataset {index:03}"),
                schema.clone(),
            ))
            .await
            .unwrap();
    }
    let datasets = client
        .catalog()
        .list_datasets(&DatasetQuery {
            properties: vec!["name".into(), "description".into(), "schemaRef".into()],
            ..DatasetQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(datasets.len(), 130);
    // Every dataset was made without a description: Catalog sends `{}`, read as None.
    assert!(datasets
        .iter()
        .all(|(_, dataset)| dataset.description.is_none() && dataset.name.is_some()));
    let one_page = client
        .catalog()
        .list_datasets(&DatasetQuery {
            start: Some(120),
            limit: Some(100),
            ..DatasetQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one_page.len(), 10);
    // A `limit` alone asks for one page (pre-flight reads a single dataset).
    let one = client
        .catalog()
        .list_datasets(&DatasetQuery {
            limit: Some(1),
            ..DatasetQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn reserved_characters_in_filters_are_encoded_and_still_match() {
    let (sim, client) = start().await;
    let schema = schema_with_email(&client, "Encoded", EXPERIENCE_EVENT_CLASS).await;
    let tenant = client.schema_registry().tenant_id().await.unwrap();
    let name = "Chatlio events [chatlio-setup:ab12], a+b=c & more";
    client
        .data_prep()
        .create_mapping_set(
            &MappingSetRequest::new(
                schema.clone(),
                vec![Mapping::attribute("email", format!("_{tenant}.email"))],
            )
            .named(name),
        )
        .await
        .unwrap();
    let found = client
        .data_prep()
        .find_mapping_sets_by_name(name)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let title = client
        .schema_registry()
        .find_schema_by_title("Encoded")
        .await
        .unwrap();
    assert_eq!(title.map(|summary| summary.id), Some(schema));
    let queries: Vec<String> = logged(&sim)
        .await
        .into_iter()
        .filter(|(method, _, _)| method == "GET")
        .map(|(_, _, query)| query)
        .collect();
    assert!(
        queries.iter().any(|query| query.contains(
            "name=Chatlio%20events%20%5Bchatlio-setup%3Aab12%5D%2C%20a%2Bb%3Dc%20%26%20more"
        )),
        "{queries:?}"
    );
    assert!(
        queries
            .iter()
            .any(|query| query.contains("property=title%3D%3DEncoded")),
        "{queries:?}"
    );
    assert!(queries
        .iter()
        .all(|query| !query.contains('[') && !query.contains(']')));
    sim.shutdown().await;
}
