//! Schema Registry, Catalog and Data Prep answers written to the structure of Adobe's
//! documented examples, served through the simulator's fail-next rule (status 200 and a
//! given body), so that the client's real request and decoding path reads them.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use platform::catalog::{is_profile_schema_refusal, DatasetQuery};
use platform::dataprep::MappingSetQuery;
use platform::models::schema::DescriptorList;
use platform::models::{DatasetId, DescriptorId, SchemaId};
use platform::schema_registry::{is_union_identity_refusal, ResourceKind};
use platform::{Client, ClientConfig, Credential, ErrorCode, Secret, Url};
use platform_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};

struct Fixture {
    sim: RunningSim,
    http: reqwest::Client,
    client: Client,
}

impl Fixture {
    async fn start() -> Self {
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
        let client = Client::new(config).unwrap();
        Self {
            sim,
            http: reqwest::Client::new(),
            client,
        }
    }

    /// The next call to `path` (a `*` glob) is answered with `status` and `body`.
    async fn answer(&self, method: &str, path: &str, status: u16, body: Value) {
        let response = self
            .http
            .post(format!("{}/__sim/faults/next", self.sim.base_url()))
            .json(&json!({ "method": method, "path": path, "count": 1, "status": status, "body": body }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// Queries of the logged requests to `path`, in order.
    async fn queries(&self, path: &str) -> Vec<String> {
        let log: Value = self
            .http
            .get(format!("{}/__sim/requests", self.sim.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["path"] == path)
            .map(|entry| entry["query"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// help/catalog/api/filter-data.md "Limit displayed properties": `Dataset2` has none of
/// the requested properties, `Dataset3` a name without a value.
#[tokio::test]
async fn catalog_list_with_empty_object_properties() {
    let f = Fixture::start().await;
    f.answer(
        "GET",
        "/data/foundation/catalog/dataSets",
        200,
        json!({
            "Dataset1": {
                "name": "Dataset 1",
                "schemaRef": {
                    "id": "https://ns.adobe.com/{TENANT_ID}/schemas/bc82c518380478b59a95c63e0f843121",
                    "contentType": "application/vnd.adobe.xed+json;version=1"
                }
            },
            "Dataset2": {},
            "Dataset3": { "name": {} },
            "Dataset4": {
                "name": "Dataset 4",
                "schemaRef": {
                    "id": "https://ns.adobe.com/{TENANT_ID}/schemas/142afb78d8b368a5ba97a6cc8fc7e033",
                    "contentType": "application/vnd.adobe.xed+json;version=1"
                }
            },
            "Dataset5": "not an object"
        }),
    )
    .await;
    let listed = f
        .client
        .catalog()
        .list_datasets(&DatasetQuery {
            properties: vec!["name".into(), "schemaRef".into()],
            limit: Some(4),
            start: Some(0),
            ..DatasetQuery::default()
        })
        .await
        .unwrap();
    let names: Vec<(&str, Option<&str>, bool)> = listed
        .iter()
        .map(|(id, dataset)| {
            (
                id.as_str(),
                dataset.name.as_deref(),
                dataset.schema_ref.is_some(),
            )
        })
        .collect();
    // The entry that is not an object is skipped; the others decode.
    assert_eq!(
        names,
        [
            ("Dataset1", Some("Dataset 1"), true),
            ("Dataset2", None, false),
            ("Dataset3", None, false),
            ("Dataset4", Some("Dataset 4"), true),
        ]
    );
    f.sim.shutdown().await;
}

/// help/catalog/datasets/enable-for-profile.md: the dataset lookup with Profile tags, and
/// the create answer `["@/dataSets/{id}"]`.
#[tokio::test]
async fn catalog_dataset_lookup_and_create_answers() {
    let f = Fixture::start().await;
    f.answer(
        "GET",
        "/data/foundation/catalog/dataSets/5b020a27e7040801dedbf46e",
        200,
        json!({
            "5b020a27e7040801dedbf46e": {
                "name": "Commission Program Events DataSet",
                "imsOrg": "{ORG_ID}",
                "tags": {
                    "adobe/pqs/table": ["unifiedprofileingestiontesteventsdataset"],
                    "unifiedProfile": ["enabled:true"],
                    "unifiedIdentity": ["enabled:true"]
                },
                "version": "1.0.1",
                "created": 1536536917382u64,
                "updated": 1539793978215u64,
                "createdClient": "{CLIENT_CREATED}",
                "createdUser": "{CREATED_BY}",
                "updatedUser": "{CREATED_BY}",
                "viewId": "5b020a27e7040801dedbf46f",
                "files": "@/dataSetFiles?dataSetId=5b020a27e7040801dedbf46e",
                "schema": "@/xdms/context/experienceevent",
                "schemaRef": {
                    "id": "https://ns.adobe.com/xdm/context/experienceevent",
                    "contentType": "application/vnd.adobe.xed+json"
                }
            }
        }),
    )
    .await;
    let dataset = f
        .client
        .catalog()
        .get_dataset(&DatasetId::new("5b020a27e7040801dedbf46e"))
        .await
        .unwrap();
    assert!(dataset.is_profile_enabled());
    assert_eq!(dataset.created, Some(1_536_536_917_382));
    assert_eq!(
        dataset.schema_ref.unwrap().id.as_str(),
        "https://ns.adobe.com/xdm/context/experienceevent"
    );

    f.answer(
        "POST",
        "/data/foundation/catalog/dataSets",
        201,
        json!(["@/dataSets/5b020a27e7040801dedbf46e"]),
    )
    .await;
    let request = platform::models::catalog::DatasetRequest::new(
        "Profile dataset",
        SchemaId::new("https://ns.adobe.com/{TENANT_ID}/schemas/31670881463308a46f7d2cb09762715"),
    );
    let created = f.client.catalog().create_dataset(&request).await.unwrap();
    assert_eq!(created.as_str(), "5b020a27e7040801dedbf46e");

    // help/xdm/troubleshooting-guide.md (00010d38): a Profile dataset on a schema that is
    // not enabled for Profile.
    f.answer(
        "POST",
        "/data/foundation/catalog/dataSets",
        400,
        json!({
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "To enable profile datasets the schema should be valid"
        }),
    )
    .await;
    let refused = f
        .client
        .catalog()
        .create_dataset(&request)
        .await
        .unwrap_err();
    assert!(is_profile_schema_refusal(&refused), "{refused:?}");
    assert_eq!(refused.code(), ErrorCode::InvalidRequest);
    assert!(refused.hint().contains("Enable the schema for Profile"));
    f.sim.shutdown().await;
}

/// help/xdm/api/schemas.md "Retrieve a list of schemas" with `_page.next` set on the
/// first page (help/xdm/api/appendix.md: the next `start`), and an entry without `$id`.
#[tokio::test]
async fn registry_list_follows_page_next() {
    let f = Fixture::start().await;
    let path = "/data/foundation/schemaregistry/tenant/schemas";
    f.answer(
        "GET",
        path,
        200,
        json!({
            "results": [
                {
                    "$id": "https://ns.adobe.com/{TENANT_ID}/schemas/0238be93d3e7a06aec5e0655955901ec",
                    "meta:altId": "_{TENANT_ID}.schemas.0238be93d3e7a06aec5e0655955901ec",
                    "version": "1.4",
                    "title": "Hotels"
                },
                { "title": "No id here" }
            ],
            "_page": { "orderby": "title", "next": "Hotels", "count": 2 },
            "_links": { "next": { "href": "https://platform.adobe.io/data/foundation/schemaregistry/tenant/schemas?orderby=title&start=Hotels" } }
        }),
    )
    .await;
    f.answer(
        "GET",
        path,
        200,
        json!({
            "results": [{
                "$id": "https://ns.adobe.com/{TENANT_ID}/schemas/0ef4ce0d390f0809fad490802f53d30b",
                "meta:altId": "_{TENANT_ID}.schemas.0ef4ce0d390f0809fad490802f53d30b",
                "version": "1.0",
                "title": "Loyalty Members"
            }],
            "_page": { "orderby": "title", "next": null, "count": 1 },
            "_links": { "next": null, "global_schemas": { "href": "https://platform.adobe.io/data/foundation/schemaregistry/global/schemas" } }
        }),
    )
    .await;
    let listed = f
        .client
        .schema_registry()
        .list(ResourceKind::Schemas, &[])
        .await
        .unwrap();
    let titles: Vec<&str> = listed
        .iter()
        .filter_map(|item| item.title.as_deref())
        .collect();
    assert_eq!(titles, ["Hotels", "Loyalty Members"]);
    let queries = f.queries(path).await;
    assert_eq!(queries, ["orderby=title", "orderby=title&start=Hotels"]);
    f.sim.shutdown().await;
}

/// help/xdm/api/descriptors.md list (grouped by `@type`) and lookup, the stats of
/// help/xdm/api/stats.md, and the XDM-1528-400 body of help/xdm/troubleshooting-guide.md.
#[tokio::test]
async fn descriptors_stats_and_the_union_refusal() {
    let f = Fixture::start().await;
    let registry = f.client.schema_registry();
    f.answer(
        "GET",
        "/data/foundation/schemaregistry/tenant/descriptors",
        200,
        json!({
            "xdm:alternateDisplayInfo": [{
                "@id": "b1f5bbc2b8d1c8ae6a9a4d34c5d2a0e8f1b7a3c9",
                "@type": "xdm:alternateDisplayInfo",
                "xdm:sourceSchema": "https://ns.adobe.com/{TENANT_ID}/schemas/fbc52b243d04b5d4f41eaa72a8ba58be",
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": "/_{TENANT_ID}/loyaltyLevel",
                "xdm:title": { "en_us": "Loyalty Level" }
            }],
            "xdm:descriptorIdentity": [
                {
                    "@id": "f3a1dfa38a4871cf4442a33074c1f9406a593407",
                    "@type": "xdm:descriptorIdentity",
                    "xdm:sourceSchema": "https://ns.adobe.com/{TENANT_ID}/schemas/fbc52b243d04b5d4f41eaa72a8ba58be",
                    "xdm:sourceVersion": 1,
                    "xdm:sourceProperty": "/personalEmail/address",
                    "xdm:namespace": "Email",
                    "xdm:property": "xdm:code",
                    "xdm:isPrimary": true
                },
                { "@type": "xdm:descriptorIdentity", "xdm:namespace": "no @id" }
            ]
        }),
    )
    .await;
    let all = registry.list_descriptors(None).await.unwrap();
    assert_eq!(all.len(), 2, "the entry without @id is skipped");
    let grouped: DescriptorList =
        serde_json::from_value(json!({ "xdm:descriptorIdentity": [{"@type": "x"}] })).unwrap();
    assert!(grouped.by_type["xdm:descriptorIdentity"].is_empty());

    f.answer(
        "GET",
        "/data/foundation/schemaregistry/tenant/descriptors/f3a1dfa38a4871cf4442a33074c1f9406a593407",
        200,
        json!({
            "@type": "xdm:descriptorIdentity",
            "xdm:sourceSchema": "https://ns.adobe.com/{TENANT_ID}/schemas/fbc52b243d04b5d4f41eaa72a8ba58be",
            "xdm:sourceVersion": 1,
            "xdm:sourceProperty": "/personalEmail/address",
            "xdm:namespace": "Email",
            "xdm:property": "xdm:code",
            "xdm:isPrimary": true,
            "@id": "f3a1dfa38a4871cf4442a33074c1f9406a593407",
            "meta:containerId": "tenant"
        }),
    )
    .await;
    let descriptor = registry
        .get_descriptor(&DescriptorId::new(
            "f3a1dfa38a4871cf4442a33074c1f9406a593407",
        ))
        .await
        .unwrap();
    assert_eq!(descriptor.is_primary, Some(true));

    f.answer(
        "GET",
        "/data/foundation/schemaregistry/stats",
        200,
        json!({
            "imsOrg": "{ORG_ID}",
            "tenantId": "{TENANT_ID}",
            "counts": { "schemas": 4, "mixins": 3, "datatypes": 1, "classes": 2, "unions": 0 },
            "recentlyCreatedResources": [{
                "title": "Sample Field Group",
                "description": "New Sample Field Group.",
                "meta:resourceType": "mixins",
                "meta:created": "Sat Feb 02 2019 00:24:30 GMT+0000 (UTC)",
                "version": "1.1"
            }],
            "recentlyUpdatedResources": [],
            "classUsage": {}
        }),
    )
    .await;
    assert_eq!(registry.tenant_id().await.unwrap(), "{TENANT_ID}");

    // enable_for_profile reads the schema, then PATCHes; the PATCH gets XDM-1528-400.
    let schema_path = "/data/foundation/schemaregistry/tenant/schemas/*";
    f.answer(
        "GET",
        schema_path,
        200,
        json!({
            "$id": "https://ns.adobe.com/{TENANT_ID}/schemas/d5cc04eb8d50190001287e4c869ebe67",
            "meta:altId": "_{TENANT_ID}.schemas.d5cc04eb8d50190001287e4c869ebe67",
            "title": "Property Information",
            "allOf": [
                { "$ref": "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590" },
                { "type": "object", "properties": {} }
            ]
        }),
    )
    .await;
    f.answer(
        "PATCH",
        schema_path,
        400,
        json!({
            "type": "http://ns.adobe.com/aep/errors/XDM-1528-400",
            "title": "Union descriptor validation error",
            "status": 400,
            "report": {
                "registryRequestId": "a15996b5-5133-4cec-9bf7-7d1207904ae3",
                "timestamp": "06-01-2021 04:11:06",
                "detailed-message": "To participate in a union, a schema must include an identityMap fieldgroup or a primary identity descriptor.",
                "sub-errors": []
            },
            "detail": "To participate in a union, a schema must include an identityMap fieldgroup or a primary identity descriptor."
        }),
    )
    .await;
    let refused = registry
        .enable_for_profile(&SchemaId::new(
            "https://ns.adobe.com/{TENANT_ID}/schemas/d5cc04eb8d50190001287e4c869ebe67",
        ))
        .await
        .unwrap_err();
    assert!(is_union_identity_refusal(&refused), "{refused:?}");
    assert_eq!(refused.adobe_code(), Some("XDM-1528-400"));
    assert!(refused.hint().contains("primary identity"));
    f.sim.shutdown().await;
}

/// help/xdm/api/schemas.md, the answer to the union PATCH (`meta:immutableTags`).
#[test]
fn the_union_patch_answer_is_profile_enabled() {
    let schema: platform::models::schema::RegistryResource = serde_json::from_value(json!({
        "title": "Property Information",
        "type": "object",
        "allOf": [
            { "$ref": "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590" },
            { "$ref": "https://ns.adobe.com/{TENANT_ID}/mixins/e49cbb2eec33618f686b8344b4597ecf" }
        ],
        "meta:class": "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590",
        "meta:abstract": false,
        "meta:extensible": false,
        "meta:extends": [
            "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590",
            "https://ns.adobe.com/xdm/data/record",
            "https://ns.adobe.com/{TENANT_ID}/mixins/e49cbb2eec33618f686b8344b4597ecf"
        ],
        "meta:containerId": "tenant",
        "imsOrg": "{IMS_ORG}",
        "meta:altId": "_{TENANT_ID}.schemas.d5cc04eb8d50190001287e4c869ebe67",
        "meta:xdmType": "object",
        "$id": "https://ns.adobe.com/{TENANT_ID}/schemas/d5cc04eb8d50190001287e4c869ebe67",
        "version": "1.1",
        "meta:resourceType": "schemas",
        "meta:registryMetadata": {
            "repo:createDate": 1552088461236u64,
            "repo:lastModifiedDate": 1552088649634u64,
            "xdm:createdClientId": "{CREATED_CLIENT}",
            "xdm:repositoryCreatedBy": "{CREATED_BY}"
        },
        "meta:immutableTags": ["union"]
    }))
    .unwrap();
    assert!(schema.is_profile_enabled());
    assert_eq!(schema.all_of.len(), 2);
    let plain: platform::models::schema::RegistryResource = serde_json::from_value(json!({
        "$id": "https://ns.adobe.com/t/schemas/1",
        "meta:immutableTags": null,
        "meta:extends": null
    }))
    .unwrap();
    assert!(!plain.is_profile_enabled());
}

/// help/data-prep/api/mapping-set.md list answer, with `null` where a list is expected.
#[tokio::test]
async fn mapping_set_list_with_nulls() {
    let f = Fixture::start().await;
    f.answer(
        "GET",
        "/data/foundation/conversion/mappingSets",
        200,
        json!({
            "data": [{
                "id": "63bd5e0d79d74ee3b24c6e72d3ec0b3e",
                "version": 0,
                "createdDate": 1575496183000u64,
                "modifiedDate": 1575496183000u64,
                "inputSchema": null,
                "outputSchema": {
                    "id": "2b8b8ac0be5745b5ab22b3e47a9d2af1",
                    "schemaRef": { "id": "https://ns.adobe.com/{TENANT_ID}/schemas/1", "contentType": "1.0" }
                },
                "mappings": null,
                "status": "PUBLISHED",
                "errors": null
            }],
            "_page": { "count": 1, "limit": 100 }
        }),
    )
    .await;
    let page = f
        .client
        .data_prep()
        .list_mapping_sets(&MappingSetQuery::default())
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert!(page[0].mappings.is_empty());
    assert_eq!(
        page[0].output_schema_id(),
        Some("https://ns.adobe.com/{TENANT_ID}/schemas/1")
    );
    f.sim.shutdown().await;
}
