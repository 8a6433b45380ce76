//! IMS contract: documented requests get the documented status and body shapes.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn client_credentials_token_has_documented_shape_and_claims() {
    let h = common::start_default().await;
    let response = h
        .http
        .post(format!("{}/ims/token/v3", h.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "practice-client"),
            ("client_secret", "practice-secret"),
            ("scope", common::SCOPES),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86400);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    let c = claims(token);
    assert_eq!(c["type"], "access_token");
    assert_eq!(c["client_id"], "practice-client");
    assert_eq!(c["as"], "ims-na1");
    assert_eq!(c["expires_in"], "86400000");
    assert!(c["created_at"].as_str().unwrap().parse::<i64>().is_ok());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn token_errors_are_oauth_bodies() {
    let h = common::start_default().await;
    let url = format!("{}/ims/token/v3", h.base);
    let cases: Vec<(Vec<(&str, &str)>, u16, &str)> = vec![
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "practice-client"),
                ("client_secret", "wrong"),
                ("scope", "openid"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
                ("scope", "openid"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "practice-client"),
                ("client_secret", "practice-secret"),
                ("scope", "openid,nope"),
            ],
            400,
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "practice-client"),
                ("client_secret", "practice-secret"),
            ],
            400,
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", "practice-client"),
                ("client_secret", "practice-secret"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            vec![("client_id", "practice-client")],
            400,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", "practice-client"),
                ("code", "bogus"),
            ],
            400,
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", "practice-client"),
                ("refresh_token", "bogus"),
            ],
            400,
            "invalid_grant",
        ),
    ];
    for (form, want_status, want_error) in cases {
        let (status, body) =
            common::read(h.http.post(&url).form(&form).send().await.unwrap()).await;
        assert_eq!(status, want_status, "{form:?} {body}");
        assert_eq!(body["error"], want_error, "{form:?}");
        assert!(body["error_description"].is_string());
    }
    // Parameters in the query string are accepted too.
    let (status, _) = common::read(
        h.http
            .post(format!("{url}?grant_type=client_credentials&client_id=practice-client&client_secret=practice-secret&scope=openid"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    h.sim.shutdown().await;
}

async fn authorize(h: &common::Harness, query: &[(&str, &str)], decision: &str) -> url::Url {
    let page = h
        .http
        .get(format!("{}/ims/authorize/v2", h.base))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""));
    let mut form: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    form.push(("email".into(), "practice.user@example.com".into()));
    form.push(("password".into(), "secret".into()));
    form.push(("decision".into(), decision.into()));
    let response = h
        .http
        .post(format!("{}/ims/authorize/v2", h.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn param(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn authorization_code_with_pkce_s256_then_refresh_userinfo_orgs_and_revoke() {
    let h = common::start_default().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-practice";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = [
        ("client_id", "practice-client"),
        ("redirect_uri", "https://localhost:8080/callback"),
        (
            "scope",
            "openid,AdobeID,read_organizations,offline_access,email,profile",
        ),
        ("state", "xyz"),
        ("response_type", "code"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let redirect = authorize(&h, &query, "allow").await;
    assert_eq!(redirect.host_str(), Some("localhost"));
    assert_eq!(param(&redirect, "state").as_deref(), Some("xyz"));
    let code = param(&redirect, "code").unwrap();
    let token_url = format!("{}/ims/token/v3?client_id=practice-client", h.base);

    // Wrong verifier → invalid_grant (and the code is spent).
    let (status, body) = common::read(
        h.http
            .post(&token_url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("code_verifier", &"x".repeat(43)),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = param(&authorize(&h, &query, "allow").await, "code").unwrap();
    let (status, tokens) = common::read(
        h.http
            .post(&token_url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    for key in ["access_token", "refresh_token", "id_token", "sub"] {
        assert!(tokens[key].is_string(), "{key} missing in {tokens}");
    }
    assert_eq!(tokens["token_type"], "bearer");
    // A code is single-use.
    let (status, _) = common::read(
        h.http
            .post(&token_url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);

    let access = tokens["access_token"].as_str().unwrap();
    let (status, info) = common::read(
        h.http
            .get(format!(
                "{}/ims/userinfo/v2?client_id=practice-client",
                h.base
            ))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(info["sub"], tokens["sub"]);
    assert_eq!(info["email_verified"], true);

    let (status, orgs) = common::read(
        h.http
            .get(format!("{}/ims/organizations/v6", h.base))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let org = &orgs[0];
    assert_eq!(
        format!(
            "{}@{}",
            org["orgRef"]["ident"].as_str().unwrap(),
            org["orgRef"]["authSrc"].as_str().unwrap()
        ),
        h.org_id
    );

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed) = common::read(
        h.http
            .post(&token_url)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(refreshed["access_token"].is_string());

    let (status, _) = common::read(
        h.http
            .post(format!("{}/ims/revoke?client_id=practice-client", h.base))
            .form(&[("token", access)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = common::read(
        h.http
            .get(format!("{}/ims/userinfo/v2", h.base))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn pkce_plain_deny_and_bad_scope() {
    let h = common::start_default().await;
    let verifier = "a".repeat(50);
    let query = [
        ("client_id", "practice-client"),
        ("redirect_uri", "https://localhost/redirect"),
        ("scope", "openid,AdobeID"),
        ("state", "s1"),
        ("code_challenge", verifier.as_str()),
        ("code_challenge_method", "plain"),
    ];
    let code = param(&authorize(&h, &query, "allow").await, "code").unwrap();
    let (status, body) = common::read(
        h.http
            .post(format!("{}/ims/token/v3", h.base))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", "practice-client"),
                ("code", code.as_str()),
                ("code_verifier", verifier.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );

    let denied = authorize(&h, &query, "deny").await;
    assert_eq!(param(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&denied, "state").as_deref(), Some("s1"));

    let response = h
        .http
        .get(format!("{}/ims/authorize/v2", h.base))
        .query(&[
            ("client_id", "practice-client"),
            ("redirect_uri", "https://localhost/r"),
            ("scope", "openid,bogus"),
            ("state", "s2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(param(&location, "error").as_deref(), Some("invalid_scope"));

    let unknown = h
        .http
        .get(format!(
            "{}/ims/authorize/v2?client_id=nobody&redirect_uri=https://x/",
            h.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn discovery_document_points_at_the_simulator() {
    let h = common::start_default().await;
    for path in [
        "/ims/.well-known/openid-configuration",
        "/.well-known/openid-configuration",
    ] {
        let (status, body) = h.control(Method::GET, path, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            body["token_endpoint"],
            json!(format!("{}/ims/token/v3", h.base))
        );
        assert_eq!(
            body["authorization_endpoint"],
            json!(format!("{}/ims/authorize/v2", h.base))
        );
    }
    h.sim.shutdown().await;
}
