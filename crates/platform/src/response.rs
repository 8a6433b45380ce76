//! Turning an HTTP response (status, a few headers, body bytes) into a typed value or a
//! typed [`PlatformError`].
//!
//! These functions are pure and total: any status and any bytes (HTML error pages, empty
//! bodies, truncated JSON, binary garbage) give a value or an error, never a panic. Adobe
//! services disagree on error shapes, so the extraction below knows each documented one:
//!
//! * gateway: `{"error_code":"401013","message":"Oauth token is not valid"}`
//! * services (RFC 7807-like): `{"type":".../FLOW-1439-404","title","status","report":{"detailed-message","request-id"},"detail","errorMessage"}`
//! * Flow Service etag: `{"errorMessage":"Supplied version=[...] does not match the current version on entity=[...]"}`
//! * IMS (OAuth): `{"error":"invalid_client","error_description":"..."}`
//! * streaming inlet: `{"type":"...","status":"401","title":"Authorization","report":{"message":"..."}}`

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ErrorCode, PlatformError, Result};

/// The parts of a response's headers that classification needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseMeta {
    /// `x-request-id` from the response, else the id the client sent.
    pub request_id: Option<String>,
    /// Parsed `Retry-After`.
    pub retry_after: Option<Duration>,
}

/// What Adobe said in an error body, when the body was JSON of a known shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdobeErrorBody {
    /// Adobe's own code: `FLOW-1439-404`, `XDM-1521-400`, `401013`, `invalid_client`, ...
    pub code: Option<String>,
    /// The most specific message found.
    pub message: Option<String>,
    /// A request id found inside the body (`report.request-id`, `registryRequestId`).
    pub request_id: Option<String>,
}

/// Interprets a complete response: 2xx bodies are decoded as `T` (an empty body decodes
/// as JSON `null`, so `()` and `Option<_>` accept it); anything else becomes an error
/// from [`classify_failure`].
pub fn interpret<T: DeserializeOwned>(status: u16, meta: &ResponseMeta, body: &[u8]) -> Result<T> {
    if (200..300).contains(&status) {
        decode_success(status, meta, body)
    } else {
        Err(classify_failure(status, meta, body))
    }
}

/// Decodes a 2xx body as `T`, mapping any decoding problem to
/// [`ErrorCode::UnexpectedResponse`].
pub fn decode_success<T: DeserializeOwned>(
    status: u16,
    meta: &ResponseMeta,
    body: &[u8],
) -> Result<T> {
    let trimmed = trim_ascii(body);
    let source: &[u8] = if trimmed.is_empty() { b"null" } else { trimmed };
    serde_json::from_slice::<T>(source).map_err(|error| {
        let what = if trimmed.is_empty() {
            "an empty body".to_owned()
        } else if looks_like_html(trimmed) {
            "an HTML page".to_owned()
        } else {
            // serde_json's message names the field and position, never the body's content.
            format!("a body that does not match the documented shape ({error})")
        };
        PlatformError::unexpected(format!("Adobe answered HTTP {status} with {what}."))
            .with_status(status)
            .with_request_id(meta.request_id.clone())
    })
}

/// Classifies a non-2xx response into a [`PlatformError`].
pub fn classify_failure(status: u16, meta: &ResponseMeta, body: &[u8]) -> PlatformError {
    let adobe = parse_error_body(body);
    let code = classify_code(status, &adobe);
    let message = adobe
        .message
        .clone()
        .unwrap_or_else(|| fallback_message(status, body));
    let request_id = meta.request_id.clone().or_else(|| adobe.request_id.clone());
    let retryable = match status {
        // Not implemented / version not supported will not change on retry.
        501 | 505 => false,
        _ => code.is_transient(),
    };
    let mut error = PlatformError::new(code, message)
        .with_status(status)
        .with_adobe_code(adobe.code.clone())
        .with_request_id(request_id)
        .with_retryable(retryable)
        .with_retry_after(meta.retry_after);
    if let Some(hint) = specific_hint(status, code, adobe.code.as_deref()) {
        error = error.with_hint(hint);
    }
    error
}

/// Extracts Adobe's code, message and request id from an error body of any known shape.
/// Returns empty fields for bodies that are not JSON objects.
pub fn parse_error_body(body: &[u8]) -> AdobeErrorBody {
    let Ok(value) = serde_json::from_slice::<Value>(trim_ascii(body)) else {
        return AdobeErrorBody::default();
    };
    let Some(object) = value.as_object() else {
        return AdobeErrorBody::default();
    };
    let report = object.get("report").and_then(Value::as_object);

    let code = object
        .get("type")
        .and_then(Value::as_str)
        .and_then(code_from_type_uri)
        .or_else(|| text_of(object.get("error_code")))
        .or_else(|| text_of(object.get("errorCode")))
        .or_else(|| text_of(object.get("error")))
        .or_else(|| text_of(object.get("code")));

    let message = [
        report.and_then(|report| report.get("detailed-message")),
        object.get("detail"),
        object.get("errorMessage"),
        object.get("error_description"),
        object.get("message"),
        report.and_then(|report| report.get("message")),
        object.get("errorDetails"),
        object.get("title"),
    ]
    .into_iter()
    .flatten()
    .find_map(|candidate| {
        candidate
            .as_str()
            .map(str::trim)
            .filter(|text| !text.is_empty())
    })
    .map(str::to_owned);

    let request_id = report
        .and_then(|report| {
            text_of(report.get("request-id")).or_else(|| text_of(report.get("registryRequestId")))
        })
        .or_else(|| text_of(object.get("requestId")))
        .or_else(|| text_of(object.get("request_id")));

    AdobeErrorBody {
        code,
        message,
        request_id,
    }
}

fn classify_code(status: u16, adobe: &AdobeErrorBody) -> ErrorCode {
    let adobe_code = adobe.code.as_deref().unwrap_or_default();
    let message = adobe
        .message
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mentions_duplicate = message.contains("not unique")
        || message.contains("already exists")
        || message.contains("duplicate");
    let mentions_stale_version = message.contains("does not match the current version");
    match status {
        400 => {
            if adobe_code == "XDM-1521-400" || mentions_duplicate {
                ErrorCode::Conflict
            } else if mentions_stale_version {
                ErrorCode::PreconditionFailed
            } else if matches!(
                adobe_code,
                "invalid_client" | "invalid_grant" | "unauthorized_client"
            ) {
                ErrorCode::Unauthenticated
            } else if adobe_code == "invalid_scope" {
                ErrorCode::Forbidden
            } else {
                ErrorCode::InvalidRequest
            }
        }
        401 => ErrorCode::Unauthenticated,
        // The gateway answers a missing token with 403 010.
        403 if adobe_code == "403010" => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 | 410 => ErrorCode::NotFound,
        408 => ErrorCode::Timeout,
        409 => ErrorCode::Conflict,
        412 | 428 => ErrorCode::PreconditionFailed,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::ServerError,
        402..=499 => {
            if mentions_stale_version {
                ErrorCode::PreconditionFailed
            } else {
                ErrorCode::InvalidRequest
            }
        }
        _ => ErrorCode::UnexpectedResponse,
    }
}

fn specific_hint(status: u16, code: ErrorCode, adobe_code: Option<&str>) -> Option<&'static str> {
    match (adobe_code, code) {
        (Some("403025"), _) => Some(
            "This credential is not entitled to the selected organization: check the organization ID.",
        ),
        (Some("403027"), _) => Some(
            "The organization has no Experience Platform product profile for this credential, or the organization ID is malformed.",
        ),
        (Some("403000" | "403003"), _) => Some(
            "The API key (client ID) is missing or not valid for Experience Platform: check the Developer Console project.",
        ),
        (Some("XDM-1521-400"), _) => Some(
            "Schema Registry titles must be unique across schemas and field groups: reuse the existing resource or pick another title.",
        ),
        (Some("invalid_grant"), _) => Some("The sign-in has expired or was revoked: sign in again."),
        (Some("invalid_scope"), _) => Some(
            "The credential is not allowed the requested scopes: compare them with the Developer Console credential page.",
        ),
        (_, ErrorCode::InvalidRequest) if status == 413 => {
            Some("The event is larger than 1 MB, the streaming limit.")
        }
        _ => None,
    }
}

/// `https://ns.adobe.com/aep/errors/FLOW-1439-404` → `FLOW-1439-404`.
fn code_from_type_uri(type_uri: &str) -> Option<String> {
    let last = type_uri.rsplit('/').next()?;
    let mut parts = last.split('-');
    let (Some(prefix), Some(number), Some(http), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let well_formed = !prefix.is_empty()
        && prefix
            .chars()
            .all(|character| character.is_ascii_uppercase())
        && !number.is_empty()
        && number.chars().all(|character| character.is_ascii_digit())
        && !http.is_empty()
        && http.chars().all(|character| character.is_ascii_digit());
    well_formed.then(|| last.to_owned())
}

/// A JSON string or number as text; other types are ignored.
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let trimmed = trim_ascii(body);
    let shape = if trimmed.is_empty() {
        "an empty body"
    } else if looks_like_html(trimmed) {
        "an HTML page"
    } else {
        "a body that is not a documented error"
    };
    format!(
        "Adobe answered HTTP {status} ({}) with {shape}.",
        reason_phrase(status)
    )
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "unexpected status",
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body.iter().take(64).map(u8::to_ascii_lowercase).collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html") || start.starts_with(b"<")
}

fn trim_ascii(body: &[u8]) -> &[u8] {
    let start = body
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|byte| !byte.is_ascii_whitespace())
        .map_or(start, |position| position + 1);
    &body[start..end]
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let remaining = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(remaining.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ResponseMeta {
        ResponseMeta {
            request_id: Some("req-header".into()),
            retry_after: None,
        }
    }

    #[test]
    fn flow_service_not_found() {
        let body = br#"{"type":"https://ns.adobe.com/aep/errors/FLOW-1439-404","title":"Resource not found","status":404,
            "report":{"detailed-message":"The requested flows resource abc is not found.","request-id":"req-body"},
            "errorMessage":"x","errorDetails":"y"}"#;
        let error = classify_failure(404, &ResponseMeta::default(), body);
        assert_eq!(error.code(), ErrorCode::NotFound);
        assert_eq!(error.adobe_code(), Some("FLOW-1439-404"));
        assert_eq!(
            error.message(),
            "The requested flows resource abc is not found."
        );
        assert_eq!(error.request_id(), Some("req-body"));
        assert!(!error.is_retryable());
    }

    #[test]
    fn header_request_id_wins() {
        let body = br#"{"report":{"request-id":"req-body"}}"#;
        let error = classify_failure(500, &meta(), body);
        assert_eq!(error.request_id(), Some("req-header"));
        assert_eq!(error.code(), ErrorCode::ServerError);
        assert!(error.is_retryable());
    }

    #[test]
    fn gateway_errors() {
        let error = classify_failure(
            401,
            &meta(),
            br#"{"error_code":"401013","message":"Oauth token is not valid"}"#,
        );
        assert_eq!(error.code(), ErrorCode::Unauthenticated);
        assert_eq!(error.adobe_code(), Some("401013"));
        let error = classify_failure(
            403,
            &meta(),
            br#"{"error_code":"403010","message":"Oauth token is missing."}"#,
        );
        assert_eq!(error.code(), ErrorCode::Unauthenticated);
        let error = classify_failure(
            403,
            &meta(),
            br#"{"error_code":"403027","message":"User region is missing"}"#,
        );
        assert_eq!(error.code(), ErrorCode::Forbidden);
        assert!(error.hint().contains("product profile"));
        let error = classify_failure(
            429,
            &ResponseMeta {
                request_id: None,
                retry_after: Some(Duration::from_secs(3)),
            },
            br#"{"error_code":"429050","message":"Too many requests"}"#,
        );
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
        assert!(error.is_retryable());
    }

    #[test]
    fn duplicate_title_is_conflict() {
        let body = br#"{"type":"http://ns.adobe.com/aep/errors/XDM-1521-400","title":"Title not unique","status":400,
            "report":{"registryRequestId":"r1","detailed-message":"Object titles must be unique."},"detail":"Object titles must be unique."}"#;
        let error = classify_failure(400, &ResponseMeta::default(), body);
        assert_eq!(error.code(), ErrorCode::Conflict);
        assert_eq!(error.adobe_code(), Some("XDM-1521-400"));
        assert_eq!(error.request_id(), Some("r1"));
    }

    #[test]
    fn stale_etag_message_is_precondition_failed_whatever_the_status() {
        let body = br#"{"errorMessage":"Supplied version=[\"a\"] does not match the current version on entity=[\"b\"]"}"#;
        assert_eq!(
            classify_failure(412, &meta(), body).code(),
            ErrorCode::PreconditionFailed
        );
        assert_eq!(
            classify_failure(400, &meta(), body).code(),
            ErrorCode::PreconditionFailed
        );
    }

    #[test]
    fn ims_oauth_errors() {
        let error = classify_failure(
            400,
            &meta(),
            br#"{"error":"invalid_client","error_description":"invalid client_secret parameter"}"#,
        );
        assert_eq!(error.code(), ErrorCode::Unauthenticated);
        assert_eq!(error.adobe_code(), Some("invalid_client"));
        assert_eq!(error.message(), "invalid client_secret parameter");
        let error = classify_failure(
            400,
            &meta(),
            br#"{"error":"invalid_scope","error_description":"bad"}"#,
        );
        assert_eq!(error.code(), ErrorCode::Forbidden);
    }

    #[test]
    fn inlet_string_status() {
        let body = br#"{"type":"https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization","status":"401","title":"Authorization","report":{"message":"[id] Ims service token is empty"}}"#;
        let error = classify_failure(401, &meta(), body);
        assert_eq!(error.code(), ErrorCode::Unauthenticated);
        assert_eq!(error.message(), "[id] Ims service token is empty");
    }

    #[test]
    fn html_and_empty_bodies() {
        let error = classify_failure(502, &meta(), b"<html><body>Bad gateway</body></html>");
        assert_eq!(error.code(), ErrorCode::ServerError);
        assert!(error.message().contains("HTML"));
        let error = classify_failure(503, &meta(), b"");
        assert!(error.message().contains("empty body"));
        let error = classify_failure(501, &meta(), b"");
        assert!(!error.is_retryable());
    }

    #[test]
    fn success_decoding() {
        #[derive(serde::Deserialize, Debug)]
        struct Created {
            id: String,
        }
        let created: Created = interpret(201, &meta(), br#"{"id":"abc","unknown":1}"#).unwrap();
        assert_eq!(created.id, "abc");
        let nothing: () = interpret(204, &meta(), b"").unwrap();
        assert_eq!(nothing, ());
        let error = interpret::<Created>(200, &meta(), br#"{"id": "abc"#).unwrap_err();
        assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
        let error = interpret::<Created>(200, &meta(), b"<!DOCTYPE html><html>").unwrap_err();
        assert!(error.message().contains("HTML"));
        let error = interpret::<Created>(200, &meta(), b"").unwrap_err();
        assert!(error.message().contains("empty"));
    }

    #[test]
    fn unexpected_statuses() {
        assert_eq!(
            classify_failure(302, &meta(), b"").code(),
            ErrorCode::UnexpectedResponse
        );
        assert_eq!(
            classify_failure(418, &meta(), b"{}").code(),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            classify_failure(408, &meta(), b"").code(),
            ErrorCode::Timeout
        );
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn type_uri_code_extraction() {
        assert_eq!(
            code_from_type_uri("https://x/errors/SMS-2074-400").as_deref(),
            Some("SMS-2074-400")
        );
        assert_eq!(code_from_type_uri("/placeholder/type/uri"), None);
        assert_eq!(code_from_type_uri(""), None);
        assert_eq!(code_from_type_uri("a-b-c-d"), None);
    }
}
