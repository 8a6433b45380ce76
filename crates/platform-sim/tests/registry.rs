//! Schema Registry paging, Accept rules and trailing slashes, from Adobe's documentation:
//! help/xdm/api/appendix.md "Paging", help/xdm/api/schemas.md (300 per list),
//! schema-registry.yaml (`acceptErrorList`, `acceptErrorLookup`, `acceptErrorDescriptorList`,
//! `acceptErrorDescriptorLookup`; "no `Accept` header is required" on a descriptor lookup).

#![allow(clippy::unwrap_used)]

mod common;

use common::Harness;
use reqwest::Method;
use serde_json::{json, Value};

const REGISTRY: &str = "/data/foundation/schemaregistry";

async fn get_with_accept(h: &Harness, path: &str, accept: Option<&str>) -> (u16, Value) {
    let mut request = h.platform(Method::GET, path);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    common::read(request.send().await.unwrap()).await
}

/// Creates `count` schemas titled `Schema 000`, `Schema 001`, ...
async fn many_schemas(h: &Harness, count: usize) {
    for index in 0..count {
        let (status, body) = h
            .json(
                Method::POST,
                &format!("{REGISTRY}/tenant/schemas"),
                Some(json!({
                    "title": format!("Schema {index:03}"),
                    "type": "object",
                    "allOf": [{ "$ref": "https://ns.adobe.com/xdm/context/experienceevent" }]
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

fn titles(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_page_by_start_and_limit_until_next_is_null() {
    let h = common::start_default().await;
    many_schemas(&h, 7).await;
    let accept = Some("application/vnd.adobe.xed-id+json");
    let (status, first) = get_with_accept(
        &h,
        &format!("{REGISTRY}/tenant/schemas?orderby=title&limit=3"),
        accept,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(titles(&first), ["Schema 000", "Schema 001", "Schema 002"]);
    assert_eq!(first["_page"]["orderby"], "title");
    assert_eq!(first["_page"]["count"], 3);
    // `_page.next` is the value to pass as `start`; `_links.next.href` the whole URL.
    assert_eq!(first["_page"]["next"], "Schema 002");
    let href = first["_links"]["next"]["href"].as_str().unwrap();
    assert!(href.ends_with("start=Schema+002"), "{href}");

    let mut seen = titles(&first);
    let mut next = first["_page"]["next"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(start) = next {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("orderby", "title")
            .append_pair("limit", "3")
            .append_pair("start", &start)
            .finish();
        let (status, page) =
            get_with_accept(&h, &format!("{REGISTRY}/tenant/schemas?{query}"), accept).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(titles(&page));
        next = page["_page"]["next"].as_str().map(str::to_owned);
        if next.is_none() {
            assert!(page["_links"]["next"].is_null());
        }
        pages += 1;
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("Schema {i:03}")).collect();
    assert_eq!(seen, expected);

    // Descending order pages backwards; a limit above 500 is refused.
    let (_, descending) = get_with_accept(
        &h,
        &format!("{REGISTRY}/tenant/schemas?orderby=-title&limit=2&start=Schema%20005"),
        accept,
    )
    .await;
    assert_eq!(titles(&descending), ["Schema 004", "Schema 003"]);
    let (status, _) = get_with_accept(
        &h,
        &format!("{REGISTRY}/tenant/schemas?orderby=title&limit=501"),
        accept,
    )
    .await;
    assert_eq!(status, 400);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn a_list_without_limit_stops_at_300_and_points_to_the_rest() {
    let h = common::start_default().await;
    many_schemas(&h, 302).await;
    let accept = Some("application/vnd.adobe.xed-id+json");
    let (status, page) = get_with_accept(
        &h,
        &format!("{REGISTRY}/tenant/schemas?orderby=title"),
        accept,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["results"].as_array().unwrap().len(), 300);
    assert_eq!(page["_page"]["next"], "Schema 299");
    // Without orderby the registry sorts by `updated` (the spec's list examples).
    let (_, unordered) = get_with_accept(&h, &format!("{REGISTRY}/tenant/schemas"), accept).await;
    assert_eq!(unordered["_page"]["orderby"], "updated");
    assert!(unordered["results"].as_array().unwrap().len() >= 300);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn each_request_kind_has_its_own_accept_error() {
    let h = common::start_default().await;
    let (schema_id, _) = h.chatlio_schema_and_dataset("Accept Events").await;
    let tenant = h.tenant();
    let (status, descriptor) = h
        .json(
            Method::POST,
            &format!("{REGISTRY}/tenant/descriptors"),
            Some(json!({
                "@type": "xdm:descriptorIdentity",
                "xdm:sourceSchema": schema_id,
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": format!("/_{tenant}/chatlio_email"),
                "xdm:namespace": "Email",
                "xdm:property": "xdm:code",
                "xdm:isPrimary": true
            })),
        )
        .await;
    assert_eq!(status, 201);
    let descriptor_path = format!(
        "{REGISTRY}/tenant/descriptors/{}",
        descriptor["@id"].as_str().unwrap()
    );
    let encoded: String = url::form_urlencoded::byte_serialize(schema_id.as_bytes()).collect();
    let cases = [
        (
            format!("{REGISTRY}/tenant/schemas"),
            "application/json",
            "XDM-1006-400",
            "application/vnd.adobe.{xed|xdm}+json",
        ),
        (
            format!("{REGISTRY}/tenant/schemas/{encoded}"),
            "application/vnd.adobe.xed+json",
            "XDM-1007-400",
            "(Version should be specified)",
        ),
        (
            format!("{REGISTRY}/tenant/descriptors"),
            "application/json",
            "XDM-1008-400",
            "application/vnd.adobe.xdm-id+json",
        ),
        (
            descriptor_path.clone(),
            "application/json",
            "XDM-1009-400",
            "application/vnd.adobe.xdm+json",
        ),
        (
            descriptor_path.clone(),
            "application/vnd.adobe.xed+json;version=1",
            "XDM-1009-400",
            "application/vnd.adobe.xdm+json",
        ),
    ];
    for (path, accept, code, wanted) in cases {
        let (status, body) = get_with_accept(&h, &path, Some(accept)).await;
        assert_eq!(status, 400, "{path} with {accept}: {body}");
        assert_eq!(
            body["type"],
            format!("http://ns.adobe.com/aep/errors/{code}"),
            "{path}"
        );
        assert_eq!(body["title"], "Accept header invalid");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!(
                "The supplied Accept header is not valid: {accept}"
            )),
            "{detail}"
        );
        assert!(detail.contains(wanted), "{detail}");
    }
    // A descriptor lookup needs no Accept at all, and takes the xdm form.
    for accept in [None, Some("application/vnd.adobe.xdm+json")] {
        let (status, body) = get_with_accept(&h, &descriptor_path, accept).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert_eq!(body["@id"], descriptor["@id"]);
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn paths_with_a_trailing_slash_answer_like_without() {
    let h = common::start_default().await;
    let (status, stats) = h
        .json(Method::GET, &format!("{REGISTRY}/stats/"), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["tenantId"], "practice");
    let (status, listed) = get_with_accept(
        &h,
        &format!("{REGISTRY}/tenant/schemas/?orderby=title"),
        Some("application/vnd.adobe.xed-id+json"),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let (status, datasets) = h
        .json(Method::GET, "/data/foundation/catalog/dataSets/", None)
        .await;
    assert_eq!(status, 200, "{datasets}");
    // The request log keeps the path as it was asked for.
    let (_, log) = h.control(Method::GET, "/__sim/requests", None).await;
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"/data/foundation/schemaregistry/stats/"),
        "{paths:?}"
    );
    h.sim.shutdown().await;
}
