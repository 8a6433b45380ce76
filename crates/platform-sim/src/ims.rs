//! Adobe IMS: token endpoint (client credentials, authorization code with PKCE, refresh),
//! the authorize page, userinfo, organizations, revoke and discovery.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::errors::{oauth, ApiError};
use crate::gateway::bearer;
use crate::state::{
    practice_user_id, technical_account, AppState, CodeRecord, Secret, Sim, TokenRecord,
};
use crate::util::{header_str, query_pairs, random_hex, random_uuid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ims/token/v3", post(token))
        .route(
            "/ims/authorize/v2",
            get(authorize_page).post(authorize_submit),
        )
        .route("/ims/organizations/v6", get(organizations))
        .route("/ims/userinfo/v2", get(userinfo))
        .route("/ims/revoke", post(revoke))
        .route("/ims/.well-known/openid-configuration", get(discovery))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/ims/keys", get(keys))
}

/// Scopes the emulated IMS knows; anything else is `invalid_scope`.
const KNOWN_SCOPES: &[&str] = &[
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info",
    "additional_info.projectedProductContext",
    "additional_info.roles",
    "additional_info.job_function",
    "session",
    "offline_access",
    "email",
    "profile",
    "address",
];

const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;
const REFRESH_LIFETIME_MS: i64 = 14 * 24 * 3600 * 1000;

fn split_scopes(scope: &str) -> Vec<String> {
    scope
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn unknown_scope(scope: &str) -> Option<String> {
    split_scopes(scope)
        .into_iter()
        .find(|s| !KNOWN_SCOPES.contains(&s.as_str()))
}

fn has_scope(scope: &str, wanted: &str) -> bool {
    split_scopes(scope).iter().any(|s| s == wanted)
}

fn jwt(payload: &Value, kid: &str) -> String {
    let header = json!({ "alg": "RS256", "x5u": format!("{kid}.cer"), "kid": kid, "itt": "at" });
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    // Not a real signature: clients only decode the payload.
    let signature = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{head}.{body}").as_bytes()));
    format!("{head}.{body}.{signature}")
}

fn mint(kind: &str, record: &TokenRecord) -> String {
    let lifetime = record.expires_ms - record.created_ms;
    let payload = json!({
        "id": format!("{}_{}_ue1", record.created_ms, random_uuid()),
        "type": kind,
        "client_id": record.client_id,
        "user_id": record.user_id,
        "as": "ims-na1",
        "aa_id": record.user_id,
        "ctp": 0,
        "created_at": record.created_ms.to_string(),
        "expires_in": lifetime.to_string(),
        "scope": record.scope,
    });
    jwt(
        &payload,
        if kind == "access_token" {
            "ims_na1-key-at-1"
        } else {
            "ims_na1-key-1"
        },
    )
}

fn token_lifetime_ms(sim: &Sim) -> i64 {
    i64::try_from(sim.config.token_lifetime.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Issues an access token and stores it.
fn issue_access(
    sim: &Sim,
    client_id: &str,
    user_id: &str,
    scope: &str,
    user_flow: bool,
) -> (String, i64) {
    let now = sim.clock.now_ms();
    let lifetime = token_lifetime_ms(sim);
    let record = TokenRecord {
        client_id: client_id.into(),
        user_id: user_id.into(),
        scope: scope.into(),
        created_ms: now,
        expires_ms: now.saturating_add(lifetime),
        revoked: false,
        user_flow,
    };
    let token = mint("access_token", &record);
    sim.ims
        .lock()
        .access_tokens
        .insert(Secret::new(token.clone()), record);
    sim.mark_dirty();
    (token, lifetime / 1000)
}

/// Merged form body + query parameters, body winning.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = header_str(headers, "authorization")?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn read_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Params, ApiError> {
    let mut pairs = query_pairs(query);
    if !body.is_empty() {
        let content_type = header_str(headers, "content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !content_type.is_empty()
            && !content_type.starts_with("application/x-www-form-urlencoded")
        {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded",
            ));
        }
        pairs.extend(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    }
    Ok(Params(pairs))
}

async fn token(
    State(sim): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    crate::gateway::RawBody(body): crate::gateway::RawBody,
) -> Result<Response, ApiError> {
    let params = read_params(query.as_deref(), &headers, &body)?;
    let basic = basic_auth(&headers);
    let client_id = basic
        .as_ref()
        .map(|(id, _)| id.clone())
        .or_else(|| params.get("client_id").map(str::to_string));
    let client_secret = basic
        .as_ref()
        .map(|(_, secret)| secret.clone())
        .or_else(|| params.get("client_secret").map(str::to_string));
    let Some(grant_type) = params.get("grant_type") else {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing grant_type parameter",
        ));
    };
    let Some(client_id) = client_id else {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing client_id parameter",
        ));
    };
    let credential = sim.ims.lock().credential(&client_id).cloned();
    let Some(credential) = credential else {
        return Err(oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client_id parameter",
        ));
    };
    if let Some(secret) = &client_secret {
        if secret != credential.client_secret.expose() {
            return Err(oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "invalid client_secret parameter",
            ));
        }
    }
    match grant_type {
        "client_credentials" => {
            if client_secret.is_none() {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "missing client_secret parameter",
                ));
            }
            let Some(scope) = params.get("scope") else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "missing scope parameter",
                ));
            };
            if let Some(bad) = unknown_scope(scope) {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!("invalid scope ({bad})"),
                ));
            }
            let user = technical_account(&client_id);
            let (access_token, expires_in) = issue_access(&sim, &client_id, &user, scope, false);
            Ok(Json(json!({
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": expires_in,
            }))
            .into_response())
        }
        "authorization_code" => {
            let Some(code) = params.get("code") else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "missing code parameter",
                ));
            };
            let record = {
                let mut ims = sim.ims.lock();
                let record = ims.codes.get_mut(&Secret::new(code));
                match record {
                    Some(r)
                        if !r.used
                            && r.expires_ms > sim.clock.now_ms()
                            && r.client_id == client_id =>
                    {
                        r.used = true;
                        Some(r.clone())
                    }
                    _ => None,
                }
            };
            let Some(record) = record else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Code is invalid, expired or already used",
                ));
            };
            if let Some(redirect) = params.get("redirect_uri") {
                if redirect != record.redirect_uri {
                    return Err(oauth(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "redirect_uri does not match the authorization request",
                    ));
                }
            }
            match &record.challenge {
                Some(challenge) => {
                    let Some(verifier) = params.get("code_verifier") else {
                        return Err(oauth(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            "missing code_verifier parameter",
                        ));
                    };
                    let valid_chars = verifier
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'));
                    if !(43..=128).contains(&verifier.len()) || !valid_chars {
                        return Err(oauth(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            "code_verifier is malformed",
                        ));
                    }
                    let computed = if record.challenge_method.eq_ignore_ascii_case("S256") {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                    } else {
                        verifier.to_string()
                    };
                    if &computed != challenge {
                        return Err(oauth(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            "code_verifier does not match code_challenge",
                        ));
                    }
                }
                None => {
                    if client_secret.is_none() {
                        return Err(oauth(
                            StatusCode::UNAUTHORIZED,
                            "invalid_client",
                            "missing client_secret parameter",
                        ));
                    }
                }
            }
            let user = practice_user_id();
            let (access_token, expires_in) =
                issue_access(&sim, &client_id, &user, &record.scope, true);
            let mut body = json!({
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": expires_in,
                "sub": user,
            });
            if has_scope(&record.scope, "offline_access") {
                body["refresh_token"] =
                    json!(issue_refresh(&sim, &client_id, &user, &record.scope));
            }
            if has_scope(&record.scope, "openid") {
                body["id_token"] = json!(id_token(&sim, &client_id, &user));
            }
            Ok(Json(body).into_response())
        }
        "refresh_token" => {
            let Some(refresh) = params.get("refresh_token") else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "missing refresh_token parameter",
                ));
            };
            let record = sim
                .ims
                .lock()
                .refresh_tokens
                .get(&Secret::new(refresh))
                .filter(|r| {
                    !r.revoked && r.expires_ms > sim.clock.now_ms() && r.client_id == client_id
                })
                .cloned();
            let Some(record) = record else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Refresh token is invalid, expired or revoked",
                ));
            };
            let (access_token, expires_in) =
                issue_access(&sim, &client_id, &record.user_id, &record.scope, true);
            Ok(Json(json!({
                "access_token": access_token,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": expires_in,
            }))
            .into_response())
        }
        other => Err(oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        )),
    }
}

fn issue_refresh(sim: &Sim, client_id: &str, user_id: &str, scope: &str) -> String {
    let now = sim.clock.now_ms();
    let record = TokenRecord {
        client_id: client_id.into(),
        user_id: user_id.into(),
        scope: scope.into(),
        created_ms: now,
        expires_ms: now + REFRESH_LIFETIME_MS,
        revoked: false,
        user_flow: true,
    };
    let token = mint("refresh_token", &record);
    sim.ims
        .lock()
        .refresh_tokens
        .insert(Secret::new(token.clone()), record);
    token
}

fn id_token(sim: &Sim, client_id: &str, user_id: &str) -> String {
    let now = sim.clock.now_ms() / 1000;
    let payload = json!({
        "iss": sim.base_url(),
        "sub": user_id,
        "aud": client_id,
        "exp": now + token_lifetime_ms(sim) / 1000,
        "iat": now,
        "type": "id_token",
        "email": "practice.user@example.com",
        "name": "Practice User",
    });
    jwt(&payload, "ims_na1-key-1")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><title>Adobe ID (practice)</title></head><body><h1>Sign-in error</h1><p>{}</p></body></html>",
        html_escape(message)
    );
    (status, Html(body)).into_response()
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs {
                    query.append_pair(k, v);
                }
            }
            match HeaderValue::from_str(url.as_str()) {
                Ok(location) => {
                    let mut response = StatusCode::FOUND.into_response();
                    response.headers_mut().insert(header::LOCATION, location);
                    response
                }
                Err(_) => error_page(StatusCode::BAD_REQUEST, "redirect_uri is not a valid URL"),
            }
        }
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is not a valid absolute URL",
        ),
    }
}

/// Checks the authorize request; an error before the redirect target is trusted is a page,
/// after it an `error=` redirect.
fn check_authorize(sim: &Sim, params: &Params) -> Result<(String, String), Box<Response>> {
    let Some(client_id) = params.get("client_id") else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request: missing client_id",
        )));
    };
    if sim.ims.lock().credential(client_id).is_none() {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_client: unknown client_id",
        )));
    }
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request: missing redirect_uri",
        )));
    };
    if url::Url::parse(redirect_uri).is_err() {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request: redirect_uri is not an absolute URL",
        )));
    }
    let state = params.get("state").unwrap_or_default().to_string();
    let error = |code: &str| -> Response {
        let mut pairs = vec![("error", code)];
        if !state.is_empty() {
            pairs.push(("state", state.as_str()));
        }
        redirect_with(redirect_uri, &pairs)
    };
    let response_type = params.get("response_type").unwrap_or("code");
    if response_type != "code" {
        return Err(Box::new(error("unsupported_response_type")));
    }
    let scope = params.get("scope").unwrap_or("openid,AdobeID");
    if unknown_scope(scope).is_some() {
        return Err(Box::new(error("invalid_scope")));
    }
    if let Some(method) = params.get("code_challenge_method") {
        if !method.eq_ignore_ascii_case("S256") && !method.eq_ignore_ascii_case("plain") {
            return Err(Box::new(error("invalid_request")));
        }
    }
    Ok((client_id.to_string(), redirect_uri.to_string()))
}

fn issue_code(sim: &Sim, params: &Params, client_id: &str, redirect_uri: &str) -> String {
    let code = format!("eyJ{}", random_hex(24));
    let record = CodeRecord {
        client_id: client_id.into(),
        redirect_uri: redirect_uri.into(),
        scope: params.get("scope").unwrap_or("openid,AdobeID").to_string(),
        challenge: params.get("code_challenge").map(str::to_string),
        challenge_method: params
            .get("code_challenge_method")
            .unwrap_or("plain")
            .to_string(),
        expires_ms: sim.clock.now_ms() + CODE_LIFETIME_MS,
        used: false,
    };
    sim.ims
        .lock()
        .codes
        .insert(Secret::new(code.clone()), record);
    code
}

const FORWARDED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "response_type",
    "code_challenge",
    "code_challenge_method",
];

async fn authorize_page(State(sim): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params(query_pairs(query.as_deref()));
    let (client_id, redirect_uri) = match check_authorize(&sim, &params) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if params.get("prompt") == Some("none") {
        let code = issue_code(&sim, &params, &client_id, &redirect_uri);
        let state = params.get("state").unwrap_or_default().to_string();
        return redirect_with(
            &redirect_uri,
            &[("code", code.as_str()), ("state", state.as_str())],
        );
    }
    let hidden: String = FORWARDED
        .iter()
        .filter_map(|name| {
            params.get(name).map(|value| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    html_escape(value)
                )
            })
        })
        .collect();
    let scope = params.get("scope").unwrap_or("openid,AdobeID");
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in - Adobe ID (practice)</title></head>\
<body><h1>Sign in</h1><p>Practice Adobe ID for application <code>{client}</code>.</p>\
<form method=\"post\" action=\"/ims/authorize/v2\">{hidden}\
<label>Email <input type=\"email\" name=\"email\" value=\"practice.user@example.com\"></label><br>\
<label>Password <input type=\"password\" name=\"password\" value=\"practice\"></label><br>\
<p>The application asks for: <code>{scope}</code></p>\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
</form></body></html>",
        client = html_escape(&client_id),
        scope = html_escape(scope),
    );
    Html(body).into_response()
}

async fn authorize_submit(
    State(sim): State<AppState>,
    RawQuery(query): RawQuery,
    crate::gateway::RawBody(body): crate::gateway::RawBody,
) -> Response {
    let mut pairs = query_pairs(query.as_deref());
    pairs.extend(form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    let params = Params(pairs);
    let (client_id, redirect_uri) = match check_authorize(&sim, &params) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let state = params.get("state").unwrap_or_default().to_string();
    if params.get("decision") != Some("allow") {
        let mut pairs = vec![("error", "access_denied")];
        if !state.is_empty() {
            pairs.push(("state", state.as_str()));
        }
        return redirect_with(&redirect_uri, &pairs);
    }
    if params.get("email").is_none() || params.get("password").is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Enter an email address and a password.",
        );
    }
    let code = issue_code(&sim, &params, &client_id, &redirect_uri);
    let mut pairs = vec![("code", code.as_str())];
    if !state.is_empty() {
        pairs.push(("state", state.as_str()));
    }
    redirect_with(&redirect_uri, &pairs)
}

fn user_token(sim: &Sim, headers: &HeaderMap) -> Result<TokenRecord, ApiError> {
    let invalid = || {
        oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is missing, invalid or expired",
        )
    };
    let token = bearer(headers)
        .map_err(|_| invalid())?
        .ok_or_else(invalid)?;
    sim.ims
        .lock()
        .access_tokens
        .get(&Secret::new(token))
        .filter(|r| !r.revoked && r.expires_ms > sim.clock.now_ms())
        .cloned()
        .ok_or_else(invalid)
}

async fn userinfo(
    State(sim): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let record = user_token(&sim, &headers)?;
    let mut body = json!({ "sub": record.user_id });
    if has_scope(&record.scope, "profile") || has_scope(&record.scope, "AdobeID") {
        body["account_type"] = json!("ent");
        body["name"] = json!("Practice User");
        body["given_name"] = json!("Practice");
        body["family_name"] = json!("User");
    }
    if has_scope(&record.scope, "email") || has_scope(&record.scope, "AdobeID") {
        body["email"] = json!("practice.user@example.com");
        body["email_verified"] = json!(true);
    }
    if has_scope(&record.scope, "address") {
        body["address"] = json!({ "country": "US" });
    }
    Ok(Json(body))
}

async fn organizations(
    State(sim): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let record = user_token(&sim, &headers)?;
    if !has_scope(&record.scope, "read_organizations") {
        return Err(oauth(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The read_organizations scope is required",
        ));
    }
    let org_id = sim
        .ims
        .lock()
        .credential(&record.client_id)
        .map(|c| c.org_id.clone())
        .unwrap_or_else(|| sim.config.org_id.clone());
    let (ident, auth_source) = org_id
        .split_once('@')
        .unwrap_or((org_id.as_str(), "AdobeOrg"));
    Ok(Json(json!([{
        "orgName": "Practice Org",
        "orgType": "Enterprise",
        "orgRef": { "ident": ident, "authSrc": auth_source },
        "orgAlternateRef": { "ident": ident, "authSrc": auth_source },
        "countryCode": "US",
        "groups": [{
            "groupName": "AEP-Default-All-Users",
            "groupDisplayName": "AEP-Default-All-Users",
            "role": "USER",
            "groupType": "LICENSE",
            "ident": 4_829_501,
        }],
    }])))
}

async fn revoke(
    State(sim): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    crate::gateway::RawBody(body): crate::gateway::RawBody,
) -> Result<Response, ApiError> {
    let params = read_params(query.as_deref(), &headers, &body)?;
    let client_id = basic_auth(&headers)
        .map(|(id, _)| id)
        .or_else(|| params.get("client_id").map(str::to_string));
    let Some(client_id) = client_id else {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing client_id parameter",
        ));
    };
    let Some(token) = params.get("token") else {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing token parameter",
        ));
    };
    let mut ims = sim.ims.lock();
    if ims.credential(&client_id).is_none() {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client_id parameter",
        ));
    }
    let key = Secret::new(token);
    if let Some(record) = ims
        .access_tokens
        .get_mut(&key)
        .filter(|r| r.client_id == client_id)
    {
        record.revoked = true;
    }
    if let Some(record) = ims
        .refresh_tokens
        .get_mut(&key)
        .filter(|r| r.client_id == client_id)
    {
        record.revoked = true;
    }
    drop(ims);
    sim.mark_dirty();
    Ok(StatusCode::OK.into_response())
}

async fn discovery(State(sim): State<AppState>) -> Json<Value> {
    let base = sim.base_url();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/ims/authorize/v2"),
        "token_endpoint": format!("{base}/ims/token/v3"),
        "userinfo_endpoint": format!("{base}/ims/userinfo/v2"),
        "revocation_endpoint": format!("{base}/ims/revoke"),
        "jwks_uri": format!("{base}/ims/keys"),
        "response_types_supported": ["code", "token", "id_token", "id_token token", "code id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["sub", "given_name", "family_name", "name", "email", "email_verified", "address"],
        "grant_types_supported": ["authorization_code", "implicit_grant", "refresh_token"],
    }))
}

async fn keys() -> Json<Value> {
    Json(json!({ "keys": [
        { "alg": "RS256", "kty": "RSA", "use": "sig", "kid": "ims_na1-key-1", "e": "AQAB", "n": "practice-not-a-real-key" },
        { "alg": "RS256", "kty": "RSA", "use": "sig", "kid": "ims_na1-key-at-1", "e": "AQAB", "n": "practice-not-a-real-key" }
    ]}))
}

/// Expires every access token now (or only those of `client_id`).
pub fn expire_tokens(sim: &Sim, client_id: Option<&str>) -> usize {
    let now = sim.clock.now_ms();
    let mut ims = sim.ims.lock();
    let mut count = 0;
    for record in ims.access_tokens.values_mut() {
        if client_id.is_none_or(|c| c == record.client_id) && record.expires_ms > now {
            record.expires_ms = now;
            count += 1;
        }
    }
    drop(ims);
    sim.mark_dirty();
    count
}
