//! Per-service error bodies, shaped as Adobe documents them.
//!
//! Every Platform service answers with its own problem shape: the adobe.io gateway uses
//! `{"error_code","message"}`, Flow Service and the Schema Registry use RFC 7807-like
//! bodies with their own `report` keys, the streaming inlet (DCS) has yet another type URI.
//! [`ApiError`] carries a finished response so handlers can return `Result<_, ApiError>`.

use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::util::random_uuid;

/// A fully formed error response (status, JSON body, extra headers).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body's `report.timestamp` is still to be written in the simulator's time (see
    /// [`stamp_report_time`]).
    pub needs_report_time: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
            needs_report_time: false,
        }
    }
}

/// The body of an error response whose `report.timestamp` is not written yet: errors are
/// built in many places with no simulator at hand, so the request layer, which has the
/// simulator's clock, writes it.
#[derive(Debug, Clone)]
struct UnstampedReport(Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unstamped = self
            .needs_report_time
            .then(|| UnstampedReport(self.body.clone()));
        let mut response = (self.status, axum::Json(self.body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        if let Some(unstamped) = unstamped {
            response.extensions_mut().insert(unstamped);
        }
        response
    }
}

/// Writes `now` (the simulator's time) as the `report.timestamp` of an error response that
/// needs one (the Schema Registry's); other responses pass unchanged.
pub fn stamp_report_time(mut response: Response, now: DateTime<Utc>) -> Response {
    let Some(UnstampedReport(mut body)) = response.extensions_mut().remove::<UnstampedReport>()
    else {
        return response;
    };
    if let Some(report) = body.get_mut("report").and_then(Value::as_object_mut) {
        report.insert(
            "timestamp".into(),
            json!(now.format("%m-%d-%Y %H:%M:%S").to_string()),
        );
    }
    match serde_json::to_vec(&body) {
        Ok(bytes) => {
            // The length of the unstamped body no longer holds.
            response.headers_mut().remove(CONTENT_LENGTH);
            *response.body_mut() = axum::body::Body::from(bytes);
        }
        Err(error) => {
            tracing::warn!(%error, "could not write an error report's timestamp");
        }
    }
    response
}

/// Which service shapes the error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Flow,
    Xdm,
    Catalog,
    DataPrep,
    /// Data Access (`/data/foundation/export`).
    DataAccess,
    Sandbox,
}

/// adobe.io gateway errors (help/landing/troubleshooting.md).
pub fn gateway(status: StatusCode, code: &str, message: &str) -> ApiError {
    ApiError::new(status, json!({ "error_code": code, "message": message }))
}

/// Gateway body for a missing or wrong `Content-Type` (documented verbatim).
pub fn bad_content_type() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        json!({
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified"
        }),
    )
}

fn status_suffix(status: StatusCode) -> u16 {
    status.as_u16()
}

impl Service {
    /// Builds this service's problem body for `number` (e.g. 1439 for FLOW-1439-404).
    pub fn problem(self, status: StatusCode, number: u16, title: &str, detail: &str) -> ApiError {
        let suffix = status_suffix(status);
        match self {
            Service::Flow => {
                let code = format!("FLOW-{number}-{suffix}");
                ApiError::new(
                    status,
                    json!({
                        "type": format!("https://ns.adobe.com/aep/errors/{code}"),
                        "title": title,
                        "status": suffix,
                        "report": {
                            "detailed-message": detail,
                            "request-id": random_uuid(),
                        },
                        "errorMessage": detail,
                        "errorDetails": detail,
                    }),
                )
            }
            Service::Xdm => {
                let code = format!("XDM-{number}-{suffix}");
                let mut error = ApiError::new(
                    status,
                    json!({
                        "type": format!("http://ns.adobe.com/aep/errors/{code}"),
                        "title": title,
                        "status": suffix,
                        "report": {
                            "registryRequestId": random_uuid(),
                            "detailed-message": detail,
                            "sub-errors": [],
                        },
                        "detail": detail,
                    }),
                );
                // Written by the request layer in the simulator's time.
                error.needs_report_time = true;
                error
            }
            Service::Catalog | Service::DataPrep | Service::DataAccess => {
                let prefix = match self {
                    Service::Catalog => "CAT",
                    Service::DataPrep => "DPREP",
                    _ => "DAS",
                };
                let code = format!("{prefix}-{number}-{suffix}");
                ApiError::new(
                    status,
                    json!({
                        "type": format!("http://ns.adobe.com/aep/errors/{code}"),
                        "title": title,
                        "status": suffix,
                        "report": {
                            "detailed-message": detail,
                            "request-id": random_uuid(),
                        },
                        "detail": detail,
                    }),
                )
            }
            Service::Sandbox => {
                let code = format!("SMS-{number}-{suffix}");
                ApiError::new(
                    status,
                    json!({
                        "type": format!("http://ns.adobe.com/aep/errors/{code}"),
                        "title": title,
                        "status": suffix,
                        "detail": detail,
                    }),
                )
            }
        }
    }

    pub fn not_found(self, kind: &str, id: &str) -> ApiError {
        match self {
            Service::Flow => {
                let detail = format!(
                    "The requested {kind} resource {id} is not found. Verify the resource ID before trying again."
                );
                let mut error =
                    self.problem(StatusCode::NOT_FOUND, 1439, "Resource not found", &detail);
                if let Some(report) = error.body.get_mut("report").and_then(Value::as_object_mut) {
                    report.insert("id".into(), json!(id));
                    report.insert("type".into(), json!(kind));
                }
                error
            }
            Service::Xdm => self.problem(
                StatusCode::NOT_FOUND,
                1010,
                "Resource not found",
                &format!("The requested {kind} resource {id} with version 1 is not found."),
            ),
            Service::Catalog => self.problem(
                StatusCode::NOT_FOUND,
                1004,
                "Not found",
                &format!("The requested {kind} {id} was not found."),
            ),
            Service::DataPrep => self.problem(
                StatusCode::NOT_FOUND,
                1404,
                "Not found",
                &format!("The requested {kind} {id} was not found."),
            ),
            Service::DataAccess => self.problem(
                StatusCode::NOT_FOUND,
                1404,
                "Not found",
                &format!("The requested {kind} {id} was not found."),
            ),
            Service::Sandbox => self.problem(
                StatusCode::NOT_FOUND,
                2000,
                "Sandbox not found",
                &format!("Sandbox {id} was not found."),
            ),
        }
    }

    pub fn bad_request(self, detail: &str) -> ApiError {
        let (number, title) = match self {
            // help/sources/errors/flow-service-errors.md: `1100-400` "Invalid request".
            Service::Flow => (1100, "Invalid request"),
            Service::Xdm => (1000, "Invalid request"),
            Service::Catalog => (1000, "Bad Request"),
            Service::DataPrep => (1400, "An invalid mapping set was requested"),
            Service::DataAccess => (1400, "Bad Request"),
            Service::Sandbox => (2074, "Bad Request"),
        };
        self.problem(StatusCode::BAD_REQUEST, number, title, detail)
    }

    pub fn invalid_json(self, reason: &str) -> ApiError {
        self.bad_request(&format!("The request body is not valid JSON: {reason}"))
    }

    pub fn forbidden(self) -> ApiError {
        let detail = "You do not have sufficient permissions to perform the operation. Please contact your administrator to resolve permissions and try again.";
        let number = match self {
            Service::Flow => 2120,
            Service::Xdm => 1150,
            Service::Catalog => 1403,
            Service::DataPrep => 1403,
            Service::DataAccess => 1403,
            Service::Sandbox => 2403,
        };
        self.problem(StatusCode::FORBIDDEN, number, "Forbidden", detail)
    }

    pub fn payload_too_large(self, limit: usize) -> ApiError {
        self.problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            1413,
            "Payload Too Large",
            &format!("The request body is larger than {limit} bytes."),
        )
    }
}

/// Flow Service's documented codes (help/sources/errors/flow-service-errors.md) for the
/// cases the emulator models beyond a plain `1100-400`.
pub mod flow {
    use axum::http::StatusCode;
    use serde_json::json;

    use super::{ApiError, Service};

    /// `1403-400` "Header is missing": a `PATCH` without `If-Match`.
    pub fn if_match_missing() -> ApiError {
        Service::Flow.problem(
            StatusCode::BAD_REQUEST,
            1403,
            "Header is missing",
            "The header 'If-Match' is missing in the request. Please provide the header and try again.",
        )
    }

    /// `1404-412` "Version not matching": a stale `If-Match`. `errorMessage` keeps the
    /// wording of help/landing/troubleshooting.md, which clients match on.
    pub fn version_mismatch(supplied: &str, current: &str) -> ApiError {
        let detail = format!(
            "The supplied version '{supplied}' does not match the current version on entity '{current}'. Please ensure that the supplied version matches the current version on entity and try again."
        );
        let mut error = Service::Flow.problem(
            StatusCode::PRECONDITION_FAILED,
            1404,
            "Version not matching",
            &detail,
        );
        error.body["errorMessage"] = json!(format!(
            "Supplied version=[{supplied}] does not match the current version on entity=[{current}]"
        ));
        error
    }

    /// `1401-400`: `limit` and `count=true` in one request.
    pub fn limit_with_count() -> ApiError {
        Service::Flow.problem(
            StatusCode::BAD_REQUEST,
            1401,
            "Invalid request",
            "The limit and count parameters cannot be given together in the same request. Please provide either only the limit or the count parameter and try again.",
        )
    }

    /// `1443-400`: a range operator (`<`, `>`, `<=`, `>=`) with several values.
    pub fn range_with_several_values(operator: &str) -> ApiError {
        Service::Flow.problem(
            StatusCode::BAD_REQUEST,
            1443,
            "Invalid request",
            &format!("Operator '{operator}' is not allowed for multiple values."),
        )
    }

    /// `1447-400`: a connection that a flow still uses cannot be deleted.
    pub fn used_by_flows(id: &str) -> ApiError {
        Service::Flow.problem(
            StatusCode::BAD_REQUEST,
            1447,
            "Invalid request",
            &format!("Found active flows containing id {id}."),
        )
    }
}

/// The streaming inlet's (DCS) problem body.
pub fn dcs(status: StatusCode, title: &str, message: &str) -> ApiError {
    ApiError::new(
        status,
        json!({
            "type": "http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet",
            "status": status.as_u16(),
            "title": title,
            "report": { "message": message },
        }),
    )
}

/// OAuth error body used by IMS.
pub fn oauth(status: StatusCode, error: &str, description: &str) -> ApiError {
    ApiError::new(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

/// Generic 404 for paths no service owns, at `now_ms` (the simulator's time).
pub fn no_route(method: &str, path: &str, now_ms: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        json!({
            "type": "http://ns.adobe.com/aep/errors/GW-404",
            "title": "Not Found",
            "status": 404,
            "detail": format!("No resource is found at {method} {path}."),
            "timestamp": now_ms,
        }),
    )
}

/// Generic 405 for a known path with a method it does not support.
pub fn wrong_method(method: &str, path: &str) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        json!({
            "type": "http://ns.adobe.com/aep/errors/GW-405",
            "title": "Method Not Allowed",
            "status": 405,
            "detail": format!("The method {method} is not allowed on {path}."),
        }),
    )
}
