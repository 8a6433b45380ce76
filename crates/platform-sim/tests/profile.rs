//! Real-Time Customer Profile rules, from Adobe's documentation:
//! * help/xdm/api/schemas.md "Enable a schema for use in Real-time Customer Profile"
//!   (`PATCH` adding `meta:immutableTags: ["union"]`; immutable tags are never removed);
//! * help/xdm/troubleshooting-guide.md `XDM-1528-400` (an identityMap or a primary
//!   identity descriptor first) and, at 00010d38, the Catalog 400 "To enable profile
//!   datasets the schema should be valid";
//! * help/catalog/datasets/enable-for-profile.md (`tags.unifiedProfile`, PATCH of a
//!   dataset);
//! * help/xdm/ui/resources/schemas.md "More actions" (a Profile-enabled schema cannot be
//!   deleted).

#![allow(clippy::unwrap_used)]

mod common;

use common::Harness;
use reqwest::Method;
use serde_json::{json, Value};

const REGISTRY: &str = "/data/foundation/schemaregistry";
const UNION_PATCH: &str = r#"[{"op":"add","path":"/meta:immutableTags","value":["union"]}]"#;

fn encoded(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// A field group with an email field and a schema of `class` using it; returns the schema.
async fn schema_of_class(h: &Harness, title: &str, class: &str) -> Value {
    let tenant = h.tenant();
    let (status, group) = h
        .json(
            Method::POST,
            &format!("{REGISTRY}/tenant/fieldgroups"),
            Some(json!({
                "title": format!("{title} fields"),
                "type": "object",
                "meta:intendedToExtend": [class],
                "definitions": { "contact": { "properties": { format!("_{tenant}"): {
                    "type": "object",
                    "properties": { "email": { "type": "string", "title": "Email" } }
                } } } },
                "allOf": [ { "$ref": "#/definitions/contact" } ]
            })),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let (status, schema) = h
        .json(
            Method::POST,
            &format!("{REGISTRY}/tenant/schemas"),
            Some(json!({
                "title": title,
                "type": "object",
                "allOf": [ { "$ref": class }, { "$ref": group["$id"] } ]
            })),
        )
        .await;
    assert_eq!(status, 201, "{schema}");
    schema
}

async fn patch_schema(h: &Harness, id: &str, body: &str) -> (u16, Value) {
    common::read(
        h.platform(
            Method::PATCH,
            &format!("{REGISTRY}/tenant/schemas/{}", encoded(id)),
        )
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap(),
    )
    .await
}

async fn primary_identity(h: &Harness, schema_id: &str) -> Value {
    let tenant = h.tenant();
    let (status, descriptor) = h
        .json(
            Method::POST,
            &format!("{REGISTRY}/tenant/descriptors"),
            Some(json!({
                "@type": "xdm:descriptorIdentity",
                "xdm:sourceSchema": schema_id,
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": format!("/_{tenant}/email"),
                "xdm:namespace": "Email",
                "xdm:property": "xdm:code",
                "xdm:isPrimary": true
            })),
        )
        .await;
    assert_eq!(status, 201, "{descriptor}");
    descriptor
}

async fn create_dataset(h: &Harness, schema_id: &str, tags: Value) -> (u16, Value) {
    h.json(
        Method::POST,
        "/data/foundation/catalog/dataSets?requestDataSource=true",
        Some(json!({
            "name": "Profile dataset",
            "schemaRef": { "id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1" },
            "tags": tags
        })),
    )
    .await
}

#[tokio::test]
async fn a_profile_schema_needs_a_primary_identity_before_the_union_tag() {
    let h = common::start_default().await;
    let schema = schema_of_class(&h, "Contacts", "https://ns.adobe.com/xdm/context/profile").await;
    let id = schema["$id"].as_str().unwrap();

    // No identityMap (the Profile class has none) and no primary identity: XDM-1528-400.
    let (status, refused) = patch_schema(&h, id, UNION_PATCH).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["type"],
        "http://ns.adobe.com/aep/errors/XDM-1528-400"
    );
    assert_eq!(refused["title"], "Union descriptor validation error");
    assert_eq!(
        refused["detail"],
        "To participate in a union, a schema must include an identityMap fieldgroup or a primary identity descriptor."
    );

    // A Profile dataset on it is refused with Catalog's documented body.
    let (status, body) =
        create_dataset(&h, id, json!({ "unifiedProfile": ["enabled:true"] })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "To enable profile datasets the schema should be valid"
        })
    );
    let (status, _) = create_dataset(&h, id, json!({ "unifiedIdentity": ["enabled:true"] })).await;
    assert_eq!(status, 400);

    // A non-primary identity is not enough; a primary one is.
    primary_identity(&h, id).await;
    let (status, enabled) = patch_schema(&h, id, UNION_PATCH).await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["meta:immutableTags"], json!(["union"]));
    assert_eq!(enabled["version"], "1.1");

    // The lookup shows the tag; stats count one union.
    let (status, looked_up) = common::read(
        h.platform(
            Method::GET,
            &format!("{REGISTRY}/tenant/schemas/{}", encoded(id)),
        )
        .header("accept", "application/vnd.adobe.xed+json; version=1")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(looked_up["meta:immutableTags"], json!(["union"]));
    let (_, stats) = h
        .json(Method::GET, &format!("{REGISTRY}/stats"), None)
        .await;
    assert_eq!(stats["counts"]["unions"], 1);

    // Now the Profile dataset is accepted.
    let (status, created) = create_dataset(
        &h,
        id,
        json!({ "unifiedProfile": ["enabled:true"], "unifiedIdentity": ["enabled:true"] }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn an_event_schema_joins_the_union_through_the_class_identity_map() {
    let h = common::start_default().await;
    let schema = schema_of_class(
        &h,
        "Chat events",
        "https://ns.adobe.com/xdm/context/experienceevent",
    )
    .await;
    let id = schema["$id"].as_str().unwrap();
    // The ExperienceEvent class carries identityMap (help/xdm/classes/experienceevent.md),
    // so XDM-1528-400 does not apply.
    let (status, enabled) = patch_schema(&h, id, UNION_PATCH).await;
    assert_eq!(status, 200, "{enabled}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn the_union_tag_cannot_be_removed_and_the_schema_cannot_be_deleted() {
    let h = common::start_default().await;
    let schema = schema_of_class(&h, "Members", "https://ns.adobe.com/xdm/context/profile").await;
    let id = schema["$id"].as_str().unwrap();
    primary_identity(&h, id).await;
    let (status, _) = patch_schema(&h, id, UNION_PATCH).await;
    assert_eq!(status, 200);

    for removal in [
        r#"[{"op":"remove","path":"/meta:immutableTags"}]"#,
        r#"[{"op":"replace","path":"/meta:immutableTags","value":[]}]"#,
        r#"[{"op":"remove","path":"/meta:immutableTags/0"}]"#,
    ] {
        let (status, body) = patch_schema(&h, id, removal).await;
        assert_eq!(status, 400, "{removal}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("cannot be removed"),
            "{body}"
        );
    }
    // Other changes still work and keep the tag.
    let (status, changed) = patch_schema(
        &h,
        id,
        r#"[{"op":"add","path":"/description","value":"Members"}]"#,
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["meta:immutableTags"], json!(["union"]));

    // Deleting a Profile-enabled schema is refused, and so is its field group (used by it).
    let (status, refused) = h
        .json(
            Method::DELETE,
            &format!("{REGISTRY}/tenant/schemas/{}", encoded(id)),
            None,
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["detail"]
        .as_str()
        .unwrap()
        .contains("enabled for Profile and cannot be deleted"));
    let group = schema["allOf"][1]["$ref"].as_str().unwrap();
    let (status, _) = h
        .json(
            Method::DELETE,
            &format!("{REGISTRY}/tenant/fieldgroups/{}", encoded(group)),
            None,
        )
        .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn a_dataset_patched_into_profile_needs_a_union_schema() {
    let h = common::start_default().await;
    let schema = schema_of_class(&h, "Leads", "https://ns.adobe.com/xdm/context/profile").await;
    let id = schema["$id"].as_str().unwrap();
    let (status, created) = create_dataset(&h, id, json!({})).await;
    assert_eq!(status, 201, "{created}");
    let dataset = created[0]
        .as_str()
        .unwrap()
        .strip_prefix("@/dataSets/")
        .unwrap()
        .to_owned();
    let profile_patch = json!([
        { "op": "add", "path": "/tags/unifiedProfile", "value": ["enabled:true"] },
        { "op": "add", "path": "/tags/unifiedIdentity", "value": ["enabled:true"] }
    ]);
    let path = format!("/data/foundation/catalog/dataSets/{dataset}");
    let (status, body) = h
        .json(Method::PATCH, &path, Some(profile_patch.clone()))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["detail"],
        "To enable profile datasets the schema should be valid"
    );

    primary_identity(&h, id).await;
    let (status, _) = patch_schema(&h, id, UNION_PATCH).await;
    assert_eq!(status, 200);
    let (status, patched) = h.json(Method::PATCH, &path, Some(profile_patch)).await;
    assert_eq!(status, 200, "{patched}");
    let (_, got) = h.json(Method::GET, &path, None).await;
    assert_eq!(
        got[&dataset]["tags"]["unifiedProfile"],
        json!(["enabled:true"])
    );
    assert_eq!(got[&dataset]["classification"]["dataBehavior"], "record");
    h.sim.shutdown().await;
}
