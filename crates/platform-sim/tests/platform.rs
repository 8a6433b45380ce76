//! Platform contract tests, written from Adobe's documentation: gateway rules, Sandbox
//! Management, Schema Registry, Catalog, Data Prep, Flow Service, runs and the inlet.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod common;

use std::time::Duration;

use platform_sim::SimConfig;
use reqwest::Method;
use serde_json::{json, Value};

const FLOWS: &str = "/data/foundation/flowservice/flows";

#[tokio::test]
async fn gateway_rejects_missing_or_wrong_headers_with_documented_bodies() {
    let h = common::start_default().await;
    let url = format!("{}/data/foundation/flowservice/flows", h.base);
    let send = |builder: reqwest::RequestBuilder| async move {
        common::read(builder.send().await.unwrap()).await
    };

    let (status, body) = send(
        h.http
            .get(&url)
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", &h.org_id),
    )
    .await;
    assert_eq!(
        (status, body.clone()),
        (
            403,
            json!({"error_code": "403010", "message": "Oauth token is missing."})
        )
    );

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth("not-a-token")
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", &h.org_id),
    )
    .await;
    assert_eq!((status, body["error_code"].as_str()), (401, Some("401013")));

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-gw-ims-org-id", &h.org_id),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error_code": "403000", "message": "Api Key is required"})
        )
    );

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-api-key", "other")
            .header("x-gw-ims-org-id", &h.org_id),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error_code": "403003", "message": "Api Key is invalid"})
        )
    );

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-api-key", &h.client_id),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error_code": "400003", "message": "Missing header"})
        )
    );

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", "not an org"),
    )
    .await;
    assert_eq!((status, body["error_code"].as_str()), (403, Some("403027")));

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", "5C1328435BF324E90A49402A@AdobeOrg"),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error_code": "403025", "message": "Profile is not valid"})
        )
    );

    let (status, body) = send(
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("x-api-key", &h.client_id)
            .header("x-gw-ims-org-id", &h.org_id)
            .header("x-sandbox-name", "nosuchsandbox"),
    )
    .await;
    assert_eq!((status, body["error_code"].as_str()), (403, Some("403025")));

    // Wrong content type on a create.
    let (status, body) = send(
        h.platform(Method::POST, FLOWS)
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["detail"], "A valid content-type must be specified");

    // Expired token.
    let (status, _) = h.control(Method::POST, "/__sim/tokens/expire", None).await;
    assert_eq!(status, 200);
    let (status, body) = h.json(Method::GET, FLOWS, None).await;
    assert_eq!((status, body["error_code"].as_str()), (401, Some("401013")));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn sandboxes_available_to_the_caller() {
    let h = common::start_default().await;
    let (status, body) = h
        .json(Method::GET, "/data/foundation/sandbox-management/", None)
        .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["sandboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod", "dev"]);
    let prod = &body["sandboxes"][0];
    assert_eq!(prod["state"], "active");
    assert_eq!(prod["type"], "production");
    assert_eq!(prod["isDefault"], true);
    assert!(body["_page"]["count"].is_u64());
    let (status, limited) = h
        .json(
            Method::GET,
            "/data/foundation/sandbox-management/?limit=1&offset=1",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(limited["sandboxes"][0]["name"], "dev");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn schema_registry_contract() {
    let h = common::start_default().await;
    let (schema_id, _) = h.chatlio_schema_and_dataset("Chatlio Events").await;
    let encoded: String = url::form_urlencoded::byte_serialize(schema_id.as_bytes()).collect();

    // Lookup needs a versioned Accept (schema-registry.yaml `acceptErrorLookup`).
    let path = format!("/data/foundation/schemaregistry/tenant/schemas/{encoded}");
    let (status, body) = h.json(Method::GET, &path, None).await;
    assert_eq!(status, 400);
    assert!(body["type"].as_str().unwrap().ends_with("XDM-1007-400"));
    let (status, raw) = common::read(
        h.platform(Method::GET, &path)
            .header("accept", "application/vnd.adobe.xed+json; version=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        raw["meta:class"],
        "https://ns.adobe.com/xdm/context/experienceevent"
    );
    assert_eq!(raw["meta:resourceType"], "schemas");
    assert_eq!(raw["meta:containerId"], "tenant");
    assert!(raw["allOf"].is_array());
    let alt = raw["meta:altId"].as_str().unwrap();
    assert!(alt.starts_with("_practice.schemas."));
    let (status, full) = common::read(
        h.platform(
            Method::GET,
            &format!("/data/foundation/schemaregistry/tenant/schemas/{alt}"),
        )
        .header("accept", "application/vnd.adobe.xed-full+json; version=1")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(full["properties"]["_practice"]["properties"]["UUID"].is_object());
    assert_eq!(full["required"], json!(["_id", "timestamp"]));

    // Lists: id form and property filters.
    let list = |query: &str| {
        h.platform(
            Method::GET,
            &format!("/data/foundation/schemaregistry/tenant/schemas{query}"),
        )
        .header("accept", "application/vnd.adobe.xed-id+json")
        .send()
    };
    let (status, listed) =
        common::read(list("?property=title==Chatlio%20Events").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
    assert_eq!(listed["results"][0]["$id"], json!(schema_id));
    assert!(listed["_page"]["next"].is_null());
    let (_, none) = common::read(list("?property=title==Other").await.unwrap()).await;
    assert_eq!(none["results"].as_array().unwrap().len(), 0);
    let (status, groups) = common::read(
        h.platform(Method::GET, "/data/foundation/schemaregistry/tenant/fieldgroups?property=meta:intendedToExtend==https://ns.adobe.com/xdm/context/experienceevent")
            .header("accept", "application/vnd.adobe.xed-id+json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(groups["results"].as_array().unwrap().len(), 1);

    // Titles are unique across resource types.
    let (status, body) = h
        .json(
            Method::POST,
            "/data/foundation/schemaregistry/tenant/schemas",
            Some(json!({
                "title": "Chatlio Events fields",
                "allOf": [{ "$ref": "https://ns.adobe.com/xdm/context/experienceevent" }]
            })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["type"].as_str().unwrap().ends_with("XDM-1521-400"));

    // Custom fields outside the tenant namespace.
    let (status, body) = h
        .json(
            Method::POST,
            "/data/foundation/schemaregistry/tenant/fieldgroups",
            Some(json!({
                "title": "Bad namespace",
                "meta:intendedToExtend": ["https://ns.adobe.com/xdm/context/experienceevent"],
                "definitions": { "x": { "properties": { "loose": { "type": "string" } } } },
                "allOf": [{ "$ref": "#/definitions/x" }]
            })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["type"].as_str().unwrap().ends_with("XDM-1020-400"));

    // Identity descriptor.
    let (status, descriptor) = h
        .json(
            Method::POST,
            "/data/foundation/schemaregistry/tenant/descriptors",
            Some(json!({
                "@type": "xdm:descriptorIdentity",
                "xdm:sourceSchema": schema_id,
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": "/_practice/chatlio_email",
                "xdm:namespace": "Email",
                "xdm:property": "xdm:code",
                "xdm:isPrimary": false
            })),
        )
        .await;
    assert_eq!(status, 201, "{descriptor}");
    assert_eq!(descriptor["@id"].as_str().unwrap().len(), 40);
    assert_eq!(descriptor["meta:containerId"], "tenant");
    // The list groups whole descriptors by @type and takes property filters.
    for (filter, expected) in [
        (format!("xdm:sourceSchema=={schema_id}"), 1),
        (
            "xdm:sourceSchema==https://ns.adobe.com/practice/schemas/other".to_owned(),
            0,
        ),
    ] {
        let (status, listed) = common::read(
            h.platform(
                Method::GET,
                &format!("/data/foundation/schemaregistry/tenant/descriptors?property={filter}"),
            )
            .header("accept", "application/vnd.adobe.xdm+json")
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{listed}");
        let identities = listed["xdm:descriptorIdentity"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(identities, expected, "{filter}: {listed}");
        if expected == 1 {
            assert_eq!(
                listed["xdm:descriptorIdentity"][0]["@id"],
                descriptor["@id"]
            );
        }
    }
    let (status, _) = h
        .json(Method::POST, "/data/foundation/schemaregistry/tenant/descriptors", Some(json!({
            "@type": "xdm:descriptorIdentity", "xdm:sourceSchema": schema_id, "xdm:sourceVersion": 1,
            "xdm:sourceProperty": "/_practice/nope", "xdm:namespace": "Email", "xdm:property": "xdm:code"
        })))
        .await;
    assert_eq!(status, 400);

    // Unknown ids give 404 problems; deleting a schema used by a dataset is refused.
    let (status, body) = common::read(
        h.platform(
            Method::GET,
            "/data/foundation/schemaregistry/tenant/schemas/_practice.schemas.missing",
        )
        .header("accept", "application/vnd.adobe.xed+json; version=1")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["title"], "Resource not found");
    let (status, _) = h.json(Method::DELETE, &path, None).await;
    assert_eq!(status, 400);

    // PATCH adds to allOf and bumps the minor version.
    let (status, patched) = h
        .json(
            Method::PATCH,
            &path,
            Some(json!([{ "op": "replace", "path": "/description", "value": "changed" }])),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["version"], "1.1");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn catalog_contract() {
    let h = common::start_default().await;
    let (_, dataset_id) = h.chatlio_schema_and_dataset("Catalog Events").await;
    assert_eq!(dataset_id.len(), 24);
    let (status, got) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/dataSets/{dataset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let dataset = &got[&dataset_id];
    assert_eq!(dataset["name"], "Catalog Events dataset");
    assert_eq!(dataset["imsOrg"], json!(h.org_id));
    assert!(dataset["created"].is_i64());
    let (_, projected) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/dataSets/{dataset_id}?properties=name,schemaRef"),
            None,
        )
        .await;
    assert_eq!(projected[&dataset_id].as_object().unwrap().len(), 2);
    let (status, listed) = h
        .json(Method::GET, "/data/foundation/catalog/dataSets?limit=5&properties=name,schemaRef&name=Catalog%20Events%20dataset", None)
        .await;
    assert_eq!(status, 200);
    assert!(listed.get(&dataset_id).is_some());
    let (_, filtered) = h
        .json(
            Method::GET,
            "/data/foundation/catalog/dataSets?name=other",
            None,
        )
        .await;
    assert_eq!(filtered, json!({}));
    let (status, _) = h
        .json(
            Method::GET,
            "/data/foundation/catalog/dataSets?limit=0",
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = h
        .json(Method::POST, "/data/foundation/catalog/dataSets", Some(json!({ "name": "x", "schemaRef": { "id": "https://ns.adobe.com/practice/schemas/none" } })))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = h
        .json(
            Method::GET,
            "/data/foundation/catalog/dataSets/000000000000000000000000",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, deleted) = h
        .json(
            Method::DELETE,
            &format!("/data/foundation/catalog/dataSets/{dataset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(deleted, json!([format!("@/dataSets/{dataset_id}")]));
    let (status, _) = h
        .json(
            Method::GET,
            &format!("/data/foundation/catalog/dataSets/{dataset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn data_prep_contract() {
    let h = common::start_default().await;
    let (schema_id, _) = h.chatlio_schema_and_dataset("Prep Events").await;
    let body = |mappings: Value| {
        json!({
            "outputSchema": { "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1" } },
            "mappings": mappings
        })
    };
    let (status, created) = h
        .json(Method::POST, "/data/foundation/conversion/mappingSets", Some(body(json!([
            { "sourceType": "ATTRIBUTE", "source": "visitor.UUID", "destination": "_practice.UUID" },
            { "sourceType": "EXPRESSION", "source": "lower(trim(visitor.email))", "destination": "_practice.chatlio_email" },
            { "sourceType": "EXPRESSION", "source": "iif(is_set(message), concat(\"chat: \", message), \"none\")", "destination": "_practice.message" },
            { "sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id" },
            { "sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp" }
        ]))))
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert_eq!(created["version"], 0);
    let (status, got) = h
        .json(
            Method::GET,
            &format!("/data/foundation/conversion/mappingSets/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["mappings"][0]["sourceType"], "text/x.schema-path");
    assert_eq!(got["mappings"][0]["sourceAttribute"], "visitor.UUID");
    assert_eq!(got["mappings"][0]["destinationXdmPath"], "_practice.UUID");

    // Preview evaluates the functions.
    let (status, preview) = h
        .json(Method::POST, "/data/foundation/conversion/mappingSets/preview", Some(json!({
            "data": [{ "visitor": { "UUID": "u", "email": "  A@B.COM " }, "message": "Hi" }],
            "mappingSet": body(json!([
                { "sourceType": "EXPRESSION", "source": "lower(trim(visitor.email))", "destination": "_practice.chatlio_email" },
                { "sourceType": "EXPRESSION", "source": "iif(is_set(message), concat(\"chat: \", message), \"none\")", "destination": "_practice.message" }
            ]))
        })))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview[0]["data"]["_practice"]["chatlio_email"], "a@b.com");
    assert_eq!(preview[0]["data"]["_practice"]["message"], "chat: Hi");

    // Unknown functions and destinations are rejected.
    for mappings in [
        json!([{ "sourceType": "EXPRESSION", "source": "make_magic(message)", "destination": "_practice.message" }]),
        json!([{ "sourceType": "ATTRIBUTE", "source": "message", "destination": "_practice.notInSchema" }]),
        json!([{ "sourceType": "EXPRESSION", "source": "concat(message", "destination": "_practice.message" }]),
    ] {
        let (status, error) = h
            .json(
                Method::POST,
                "/data/foundation/conversion/mappingSets",
                Some(body(mappings)),
            )
            .await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["status"], 400);
    }
    let (status, _) = h
        .json(
            Method::GET,
            "/data/foundation/conversion/mappingSets/ffffffffffffffffffffffffffffffff",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, listed) = h
        .json(
            Method::GET,
            "/data/foundation/conversion/mappingSets?limit=10&start=0",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    // A name is kept and filters the list (exactly; PUT keeps it).
    let mut named = body(json!([
        { "sourceType": "ATTRIBUTE", "source": "visitor.UUID", "destination": "_practice.UUID" }
    ]));
    named["name"] = json!("Chatlio mapping [marker]");
    let (status, created) = h
        .json(
            Method::POST,
            "/data/foundation/conversion/mappingSets",
            Some(named.clone()),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let named_id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = h
        .json(
            Method::PUT,
            &format!("/data/foundation/conversion/mappingSets/{named_id}"),
            Some(body(json!([
                { "sourceType": "ATTRIBUTE", "source": "message", "destination": "_practice.message" }
            ]))),
        )
        .await;
    assert_eq!(status, 200);
    for (filter, expected) in [("Chatlio mapping [marker]", 1), ("Chatlio mapping", 0)] {
        let (status, listed) = h
            .json(
                Method::GET,
                &format!("/data/foundation/conversion/mappingSets?limit=10&start=0&name={filter}"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let data = listed["data"].as_array().unwrap();
        assert_eq!(data.len(), expected, "{filter}: {listed}");
        if expected == 1 {
            assert_eq!(data[0]["id"], named_id.as_str());
            assert_eq!(data[0]["name"], "Chatlio mapping [marker]");
            assert_eq!(data[0]["version"], 1);
        }
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn flow_service_contract() {
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Flow Events").await;
    let (flow_id, _) = h.chatlio_flow(&schema_id, &dataset_id).await;

    let (status, spec) = h
        .json(
            Method::GET,
            &format!(
                "/data/foundation/flowservice/connectionSpecs/{}",
                common::CHATLIO_SPEC
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(spec["items"][0]["id"], common::CHATLIO_SPEC);
    let (status, flow_spec) = h
        .json(
            Method::GET,
            &format!(
                "/data/foundation/flowservice/flowSpecs/{}",
                common::FLOW_SPEC
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(flow_spec["items"][0]["name"], "GenericStreamingAEP");

    // Filters.
    let query = format!(
        "{FLOWS}?property=inheritedAttributes.sourceConnections[].connectionSpec.id=={}",
        common::CHATLIO_SPEC
    );
    let (status, found) = h.json(Method::GET, &query, None).await;
    assert_eq!(status, 200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, none) = h
        .json(Method::GET, &format!("{FLOWS}?property=name==other"), None)
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (_, count) = h
        .json(
            Method::GET,
            &format!("{FLOWS}?property=state==enabled&count=true"),
            None,
        )
        .await;
    assert_eq!(count, json!({ "count": 1 }));
    // help/sources/errors/flow-service-errors.md: 1401-400 for limit with count.
    let (status, both) = h
        .json(Method::GET, &format!("{FLOWS}?count=true&limit=5"), None)
        .await;
    assert_eq!(status, 400);
    assert!(both["type"].as_str().unwrap().ends_with("FLOW-1401-400"));
    // ... and 1443-400 for a range operator with several values.
    let (status, range) = h
        .json(
            Method::GET,
            &format!("{FLOWS}?property=createdAt>1,2"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(range["type"].as_str().unwrap().ends_with("FLOW-1443-400"));

    // PATCH needs the current etag; a stale one gives 412.
    let (_, got) = h
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    let etag = got["items"][0]["etag"].as_str().unwrap().to_string();
    let patch = json!([{ "op": "replace", "path": "/name", "value": "Renamed" }]);
    let (status, _) = h
        .json(
            Method::PATCH,
            &format!("{FLOWS}/{flow_id}"),
            Some(patch.clone()),
        )
        .await;
    assert_eq!(status, 400, "If-Match is required");
    assert!(missing_header_type(&h, &flow_id, &patch)
        .await
        .ends_with("FLOW-1403-400"));
    let (status, updated) = common::read(
        h.platform(Method::PATCH, &format!("{FLOWS}/{flow_id}"))
            .header("if-match", &etag)
            .json(&patch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["id"], json!(flow_id));
    assert_ne!(updated["etag"], json!(etag));
    let (status, stale) = common::read(
        h.platform(Method::PATCH, &format!("{FLOWS}/{flow_id}"))
            .header("if-match", &etag)
            .json(&patch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 412);
    assert!(stale["type"].as_str().unwrap().ends_with("FLOW-1404-412"));
    assert_eq!(stale["title"], "Version not matching");
    assert!(stale["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("Supplied version="));

    // Disable, and the inlet refuses; enable again.
    let (status, action) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/{flow_id}/action?op=disable"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(action["etag"].is_string());
    assert_ne!(
        action["etag"], updated["etag"],
        "every update changes the etag"
    );
    let (_, got) = h
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert_eq!(got["items"][0]["state"], "disabled");
    assert_eq!(got["items"][0]["etag"], action["etag"]);
    assert_eq!(got["items"][0]["lastOperation"]["operation"], "disable");
    // A stale If-Match on an action is refused the same way.
    let (status, stale_action) = common::read(
        h.platform(Method::POST, &format!("{FLOWS}/{flow_id}/action?op=enable"))
            .header("if-match", updated["etag"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 412);
    assert!(stale_action["type"]
        .as_str()
        .unwrap()
        .ends_with("FLOW-1404-412"));
    let inlet = got["items"][0]["options"]["inletUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let response = h
        .http
        .post(format!("{inlet}?x-adobe-flow-id={flow_id}"))
        .json(&common::chatlio_event())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, _) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/{flow_id}/action?op=enable"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = h
        .json(
            Method::POST,
            &format!("{FLOWS}/{flow_id}/action?op=explode"),
            None,
        )
        .await;
    assert_eq!(status, 400);

    // Connections in use cannot be deleted; delete the flow, then 404.
    let source_id = got["items"][0]["sourceConnectionIds"][0]
        .as_str()
        .unwrap()
        .to_string();
    let (status, in_use) = h
        .json(
            Method::DELETE,
            &format!("/data/foundation/flowservice/sourceConnections/{source_id}"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(in_use["type"].as_str().unwrap().ends_with("FLOW-1447-400"));
    let (status, body) = h
        .json(Method::DELETE, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, missing) = h
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert_eq!(status, 404);
    assert!(missing["type"].as_str().unwrap().ends_with("FLOW-1439-404"));
    assert_eq!(missing["report"]["id"], json!(flow_id));
    let (status, _) = h
        .json(
            Method::DELETE,
            &format!("/data/foundation/flowservice/sourceConnections/{source_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);

    // Bad creates: the generic 1100-400 "Invalid request".
    let (status, bad) = h
        .json(Method::POST, "/data/foundation/flowservice/sourceConnections", Some(json!({ "name": "x", "connectionSpec": { "id": "nope" }, "data": { "format": "json" } })))
        .await;
    assert_eq!(status, 400);
    assert!(bad["type"].as_str().unwrap().ends_with("FLOW-1100-400"));
    assert_eq!(bad["title"], "Invalid request");
    assert!(bad["report"]["detailed-message"].is_string());
    let (status, _) = h
        .json(Method::POST, FLOWS, Some(json!({ "name": "x", "flowSpec": { "id": common::FLOW_SPEC }, "sourceConnectionIds": ["missing"], "targetConnectionIds": ["missing"] })))
        .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}

/// The problem `type` of a `PATCH` sent without `If-Match`.
async fn missing_header_type(h: &common::Harness, flow_id: &str, patch: &Value) -> String {
    let (_, body) = h
        .json(
            Method::PATCH,
            &format!("{FLOWS}/{flow_id}"),
            Some(patch.clone()),
        )
        .await;
    assert_eq!(body["title"], "Header is missing");
    body["type"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn runs_close_after_the_configured_window() {
    let h = common::start(SimConfig {
        run_window: Duration::from_millis(400),
        warmup: Duration::ZERO,
        ..SimConfig::default()
    })
    .await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Window Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    let post = |body: Value| {
        h.http
            .post(format!("{inlet}?x-adobe-flow-id={flow_id}"))
            .json(&body)
            .send()
    };
    assert_eq!(post(common::chatlio_event()).await.unwrap().status(), 200);
    // Missing the field group's required UUID: a failed record.
    assert_eq!(
        post(json!({ "message": "no visitor" }))
            .await
            .unwrap()
            .status(),
        200
    );
    let runs_path = format!("/data/foundation/flowservice/runs?property=flowId=={flow_id}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let run = loop {
        let (_, runs) = h.json(Method::GET, &runs_path, None).await;
        let run = runs["items"][0].clone();
        if run["metrics"]["statusSummary"]["status"] != "inProgress"
            || tokio::time::Instant::now() > deadline
        {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let metrics = &run["metrics"];
    // One of two ingested is a `success`, as in help/sources/tutorials/api/monitor.md.
    assert_eq!(metrics["statusSummary"]["status"], "success", "{run}");
    assert_eq!(metrics["recordSummary"]["inputRecordCount"], 2);
    assert_eq!(metrics["recordSummary"]["outputRecordCount"], 1);
    assert_eq!(metrics["recordSummary"]["failedRecordCount"], 1);
    assert_eq!(
        metrics["statusSummary"]["errors"][0]["code"],
        "CONNECTOR-2001-500"
    );
    assert!(metrics["statusSummary"]["errors"][0]
        .get("recordCount")
        .is_none());
    let record_errors = run["activities"][0]["statusSummary"]["extensions"]["errors"].to_string();
    assert!(record_errors.contains("DCVS-1111-400"), "{record_errors}");
    assert!(metrics["durationSummary"]["completedAtUTC"].is_i64());
    // The next event opens a new run.
    assert_eq!(post(common::chatlio_event()).await.unwrap().status(), 200);
    let (_, runs) = h.json(Method::GET, &runs_path, None).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2);
    let (_, flow) = h
        .json(Method::GET, &format!("{FLOWS}/{flow_id}"), None)
        .await;
    assert!(flow["items"][0]["lastRunDetails"]["id"].is_string());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn inlet_documented_errors() {
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Inlet Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    let url = format!("{inlet}?x-adobe-flow-id={flow_id}");

    let big = format!("{{\"message\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let (status, body) = common::read(
        h.http
            .post(&url)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        body["report"]["message"],
        "The payload is larger than 1 MB."
    );

    let (status, body) = common::read(
        h.http
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["type"],
        "http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet"
    );

    let (status, _) = common::read(
        h.http
            .post(format!("{}/collection/{}", h.base, "0".repeat(64)))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = common::read(
        h.http
            .post(&inlet)
            .json(&common::chatlio_event())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "flow id missing");
    let (status, _) = common::read(
        h.http
            .post(&url)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 415);
    let (status, _) =
        common::read(h.http.post(&url).json(&json!([1, 2])).send().await.unwrap()).await;
    assert_eq!(status, 400);

    // Synchronous validation reports violations in the documented shape.
    let (status, body) = common::read(
        h.http
            .post(format!("{url}&syncValidation=true"))
            .json(&json!({ "message": "x" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["title"], "Invalid XDM Message Format");
    assert!(body["report"]["cause"]["_streamingValidation"].is_array());
    // A valid one passes, and says so (help/ingestion/tutorials/streaming-record-data.md).
    h.wait_out_warmup().await;
    let (status, body) = common::read(
        h.http
            .post(format!("{url}&syncValidation=true"))
            .json(&common::chatlio_event())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["syncValidation"], json!({ "status": "pass" }));
    // A record failing synchronous validation is dropped: neither stored nor counted
    // (help/ingestion/quality/streaming-validation.md).
    let (status, _) = common::read(
        h.http
            .post(format!("{url}&syncValidation=true"))
            .json(&json!({ "message": "x" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    let (_, stored) = h
        .control(
            Method::GET,
            &format!("/__sim/datasets/{dataset_id}/records"),
            None,
        )
        .await;
    assert_eq!(stored["records"].as_array().unwrap().len(), 1);
    assert_eq!(stored["failed"], json!([]));
    h.advance(3600).await;
    let runs = h.runs_of(&flow_id).await;
    assert_eq!(runs[0]["metrics"]["recordSummary"]["inputRecordCount"], 1);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn credentials_without_manage_sources_get_permission_errors() {
    let h = common::start_default().await;
    let (status, credential) = h
        .control(Method::POST, "/__sim/credentials", Some(json!({ "clientId": "reader", "permissions": ["view-sources", "view-schemas", "view-datasets"] })))
        .await;
    assert_eq!(status, 201);
    let secret = credential["clientSecret"].as_str().unwrap();
    let token = common::token_for(&h.http, &h.base, "reader", secret).await;
    let request = |method: Method, path: &str| {
        h.http
            .request(method, format!("{}{path}", h.base))
            .bearer_auth(&token)
            .header("x-api-key", "reader")
            .header("x-gw-ims-org-id", &h.org_id)
            .header("x-sandbox-name", "prod")
    };
    let (status, _) = common::read(request(Method::GET, FLOWS).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let (status, body) = common::read(
        request(Method::POST, "/data/foundation/flowservice/sourceConnections")
            .json(&json!({ "name": "x", "connectionSpec": { "id": common::CHATLIO_SPEC, "version": "1.0" }, "data": { "format": "json" } }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["type"].as_str().unwrap().ends_with("FLOW-2120-403"));
    let (status, _) = common::read(
        request(
            Method::POST,
            "/data/foundation/schemaregistry/tenant/schemas",
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    // The seeded key's token cannot be used with this credential's api key.
    let (status, body) = common::read(
        h.http
            .get(format!("{}{FLOWS}", h.base))
            .bearer_auth(&h.token)
            .header("x-api-key", "reader")
            .header("x-gw-ims-org-id", &h.org_id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error_code"].as_str()), (403, Some("403003")));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_json_errors() {
    let h = common::start_default().await;
    let (status, body) = h.json(Method::GET, "/data/foundation/nothing", None).await;
    assert_eq!(status, 404);
    assert!(body["detail"].is_string());
    let (status, body) = h.json(Method::PUT, FLOWS, Some(json!({}))).await;
    assert_eq!(status, 405);
    assert!(body["detail"].is_string());
    h.sim.shutdown().await;
}
