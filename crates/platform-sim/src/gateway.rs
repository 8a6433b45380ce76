//! The adobe.io gateway rules every Platform call passes before reaching a service:
//! `Authorization`, `x-api-key`, `x-gw-ims-org-id`, `x-sandbox-name`.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::errors::{self, ApiError, Service};
use crate::state::{AppState, Permission, Sandbox, Sim};
use crate::util::header_str;

/// Who is calling, after the gateway accepted the request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub org_id: String,
    pub user_id: String,
    pub sandbox: Sandbox,
    pub permissions: BTreeSet<String>,
    pub allowed_sandboxes: Vec<String>,
}

impl Caller {
    pub fn require(&self, permission: Permission, service: Service) -> Result<(), ApiError> {
        if permission.satisfied_by(&self.permissions) {
            Ok(())
        } else {
            Err(service.forbidden())
        }
    }
}

/// A caller whose request does not need `x-sandbox-name` (Sandbox Management lists).
#[derive(Debug, Clone)]
pub struct OrgCaller(pub Caller);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(&parts.headers, state, true)
    }
}

impl FromRequestParts<AppState> for OrgCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(&parts.headers, state, false).map(OrgCaller)
    }
}

fn org_id_well_formed(org_id: &str) -> bool {
    match org_id.split_once('@') {
        Some((ident, "AdobeOrg")) => {
            !ident.is_empty() && ident.chars().all(|c| c.is_ascii_alphanumeric())
        }
        _ => false,
    }
}

pub fn token_invalid() -> ApiError {
    errors::gateway(
        StatusCode::UNAUTHORIZED,
        "401013",
        "Oauth token is not valid",
    )
}

/// Extracts the bearer token, if the header has one.
pub fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = header_str(headers, "authorization") else {
        return Ok(None);
    };
    let mut parts = value.splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default().trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(token_invalid());
    }
    Ok(Some(token.to_string()))
}

pub fn authenticate(
    headers: &HeaderMap,
    sim: &Sim,
    needs_sandbox: bool,
) -> Result<Caller, ApiError> {
    let Some(token) = bearer(headers)? else {
        return Err(errors::gateway(
            StatusCode::FORBIDDEN,
            "403010",
            "Oauth token is missing.",
        ));
    };
    let ims = sim.ims.lock();
    let record = ims
        .access_tokens
        .get(&crate::state::Secret::new(token))
        .filter(|r| !r.revoked && r.expires_ms > sim.clock.now_ms())
        .cloned()
        .ok_or_else(token_invalid)?;
    let credential = ims
        .credential(&record.client_id)
        .cloned()
        .ok_or_else(token_invalid)?;
    drop(ims);
    let Some(api_key) = header_str(headers, "x-api-key") else {
        return Err(errors::gateway(
            StatusCode::FORBIDDEN,
            "403000",
            "Api Key is required",
        ));
    };
    if api_key != credential.client_id {
        return Err(errors::gateway(
            StatusCode::FORBIDDEN,
            "403003",
            "Api Key is invalid",
        ));
    }
    let Some(org_id) = header_str(headers, "x-gw-ims-org-id") else {
        return Err(errors::gateway(
            StatusCode::BAD_REQUEST,
            "400003",
            "Missing header",
        ));
    };
    if !org_id_well_formed(org_id) {
        return Err(errors::gateway(
            StatusCode::FORBIDDEN,
            "403027",
            "User region is missing",
        ));
    }
    if org_id != credential.org_id {
        return Err(errors::gateway(
            StatusCode::FORBIDDEN,
            "403025",
            "Profile is not valid",
        ));
    }
    let platform = sim.platform.read();
    let sandbox = if needs_sandbox {
        let name = header_str(headers, "x-sandbox-name").unwrap_or("prod");
        let found = platform.sandbox(name).filter(|s| {
            credential
                .sandboxes
                .iter()
                .any(|allowed| allowed == &s.name)
        });
        match found {
            Some(sandbox) => sandbox.clone(),
            None => {
                return Err(errors::gateway(
                    StatusCode::FORBIDDEN,
                    "403025",
                    "Profile is not valid",
                ));
            }
        }
    } else {
        platform
            .sandboxes
            .iter()
            .find(|s| s.is_default)
            .cloned()
            .ok_or_else(token_invalid)?
    };
    Ok(Caller {
        client_id: credential.client_id,
        org_id: credential.org_id,
        user_id: record.user_id,
        sandbox,
        permissions: credential.permissions,
        allowed_sandboxes: credential.sandboxes,
    })
}

/// Largest request body accepted by the Platform APIs.
pub const MAX_API_BODY: usize = 8 * 1024 * 1024;

/// The raw request body, read with a size limit.
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        axum::body::to_bytes(request.into_body(), MAX_API_BODY)
            .await
            .map(RawBody)
            .map_err(|_| Service::Catalog.payload_too_large(MAX_API_BODY))
    }
}

/// Checks `Content-Type` (gateway rule) and parses the JSON body (service error shape).
pub fn json_body(headers: &HeaderMap, body: &Bytes, service: Service) -> Result<Value, ApiError> {
    let content_type = header_str(headers, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !content_type.contains("json") {
        return Err(errors::bad_content_type());
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(service.bad_request("A request body is required."));
    }
    serde_json::from_slice(body).map_err(|error| service.invalid_json(&error.to_string()))
}

/// Like [`json_body`] but requires a JSON object.
pub fn json_object(
    headers: &HeaderMap,
    body: &Bytes,
    service: Service,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    match json_body(headers, body, service)? {
        Value::Object(map) => Ok(map),
        _ => Err(service.bad_request("The request body must be a JSON object.")),
    }
}
