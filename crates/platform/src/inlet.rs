//! The streaming inlet (Data Collection Service): the webhook URL and sending one event.
//!
//! The inlet can answer 2xx and still reject the message: the batch endpoint answers 207
//! with per-message `statusCode`s, and error reports can arrive inside a 2xx body. A
//! known trap with Adobe's collection endpoint: [`interpret_inlet_response`] treats any
//! such hidden rejection as an error.

use std::fmt;

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::client::{validate_base_url, Client};
use crate::error::{ErrorCode, PlatformError, Result};
use crate::http::Outgoing;
use crate::models::inlet::InletReceipt;
use crate::models::FlowId;
use crate::response::{classify_failure, decode_success, parse_error_body, ResponseMeta};

/// The URL a webhook sender (Chatlio) posts to: `{inletUrl}?x-adobe-flow-id={flowId}`.
///
/// It is a capability (anyone holding it can send data), so `Debug` and `Display` redact
/// the inlet path and the flow id. It serializes as the full URL because the UI must show
/// and copy it; [`WebhookUrl::as_str`] gives it explicitly.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Builds the webhook URL from a flow's `options.inletUrl` and its id.
    ///
    /// # Errors
    /// [`ErrorCode::UnexpectedResponse`] when the inlet URL is not an absolute `https://`
    /// URL (or `http://` to a loopback host).
    pub fn new(inlet_url: &str, flow_id: &FlowId) -> Result<Self> {
        let mut url = Url::parse(inlet_url.trim()).map_err(|_| {
            PlatformError::unexpected("The dataflow's inlet URL is not a valid URL.")
        })?;
        validate_base_url("inlet", &url)
            .map_err(|error| PlatformError::unexpected(error.message().to_owned()))?;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| key != "x-adobe-flow-id")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        url.set_query(None);
        {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &kept {
                pairs.append_pair(key, value);
            }
            pairs.append_pair("x-adobe-flow-id", flow_id.as_str());
        }
        Ok(Self(url.to_string()))
    }

    /// Parses a stored webhook URL, checking it carries a flow id.
    pub fn parse(text: &str) -> Result<Self> {
        let url = Url::parse(text.trim()).map_err(|_| {
            PlatformError::new(
                ErrorCode::InvalidRequest,
                "The webhook URL is not a valid URL.",
            )
        })?;
        validate_base_url("webhook", &url).map_err(|error| {
            PlatformError::new(ErrorCode::InvalidRequest, error.message().to_owned())
        })?;
        if !url
            .query_pairs()
            .any(|(key, value)| key == "x-adobe-flow-id" && !value.is_empty())
        {
            return Err(PlatformError::new(
                ErrorCode::InvalidRequest,
                "The webhook URL lacks the x-adobe-flow-id parameter.",
            ));
        }
        Ok(Self(url.to_string()))
    }

    /// The full URL (includes the flow id; do not log it).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with the inlet path and flow id replaced by markers, safe to log.
    pub fn redacted(&self) -> String {
        match Url::parse(&self.0) {
            Ok(url) => format!(
                "{}://{}/collection/[redacted]?x-adobe-flow-id=[redacted]",
                url.scheme(),
                url.host_str().unwrap_or_default()
            ),
            Err(_) => crate::secret::REDACTED.to_owned(),
        }
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "WebhookUrl({})", self.redacted())
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.redacted())
    }
}

/// Interprets the inlet's answer to one event, including rejections hidden in a 2xx.
pub fn interpret_inlet_response(
    status: u16,
    meta: &ResponseMeta,
    body: &[u8],
) -> Result<InletReceipt> {
    if !(200..300).contains(&status) {
        return Err(classify_failure(status, meta, body));
    }
    if let Some(error) = hidden_rejection(status, meta, body) {
        return Err(error);
    }
    decode_success(status, meta, body)
}

/// Finds a per-message rejection inside a 2xx body.
fn hidden_rejection(status: u16, meta: &ResponseMeta, body: &[u8]) -> Option<PlatformError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;

    // Batch form: {"responses": [{"xactionId": ...}, {"statusCode": 400, "message": ...}]}
    if let Some(responses) = object.get("responses").and_then(Value::as_array) {
        let rejected: Vec<&Value> = responses
            .iter()
            .filter(|entry| status_of(entry.get("statusCode")).is_some_and(|code| code >= 400))
            .collect();
        if let Some(first) = rejected.first() {
            let inner_status = status_of(first.get("statusCode")).unwrap_or(400);
            let inner_body = serde_json::to_vec(first).unwrap_or_default();
            let adobe = parse_error_body(&inner_body);
            let message = adobe.message.unwrap_or_else(|| {
                format!(
                    "The inlet accepted the request but rejected {} message(s).",
                    rejected.len()
                )
            });
            return Some(inlet_rejection(
                inner_status,
                status,
                meta,
                message,
                adobe.code,
            ));
        }
    }

    // Problem document inside a 2xx: {"type": ..., "status": 400 | "400", "title": ..., "report": {...}}
    if let Some(inner_status) = status_of(object.get("status")).filter(|code| *code >= 400) {
        let adobe = parse_error_body(body);
        let message = adobe
            .message
            .unwrap_or_else(|| "The inlet reported an error inside a success response.".to_owned());
        return Some(inlet_rejection(
            inner_status,
            status,
            meta,
            message,
            adobe.code,
        ));
    }

    // Validation report: {"syncValidation": {"passed": false, ...}} or an "errors" list.
    let failed_validation = object
        .get("syncValidation")
        .and_then(|validation| validation.get("passed"))
        .and_then(Value::as_bool)
        == Some(false);
    let has_errors = object
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| !errors.is_empty());
    if failed_validation || has_errors {
        let adobe = parse_error_body(body);
        let message = adobe.message.unwrap_or_else(|| {
            "The inlet accepted the request but reported validation errors.".to_owned()
        });
        return Some(inlet_rejection(400, status, meta, message, adobe.code));
    }
    None
}

fn inlet_rejection(
    inner_status: u16,
    outer_status: u16,
    meta: &ResponseMeta,
    message: String,
    adobe_code: Option<String>,
) -> PlatformError {
    let code = if inner_status >= 500 {
        ErrorCode::ServerError
    } else if inner_status == 429 {
        ErrorCode::RateLimited
    } else if inner_status == 401 {
        ErrorCode::Unauthenticated
    } else if inner_status == 403 {
        ErrorCode::Forbidden
    } else {
        ErrorCode::InvalidRequest
    };
    PlatformError::new(code, message)
        .with_status(outer_status)
        .with_adobe_code(adobe_code.or_else(|| Some(format!("inlet-message-{inner_status}"))))
        .with_request_id(meta.request_id.clone())
        .with_hint("The streaming endpoint received the event but rejected it; check the event against the dataflow's mapping.")
}

fn status_of(value: Option<&Value>) -> Option<u16> {
    match value? {
        Value::Number(number) => number.as_u64().and_then(|code| u16::try_from(code).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Streaming inlet calls; get one with [`Client::inlet`].
#[derive(Debug, Clone, Copy)]
pub struct Inlet<'client> {
    client: &'client Client,
}

impl Client {
    /// Streaming inlet calls.
    pub fn inlet(&self) -> Inlet<'_> {
        Inlet { client: self }
    }
}

impl Inlet<'_> {
    /// Posts one raw JSON event to the webhook URL, as Chatlio would (no Adobe headers, no
    /// token: Chatlio's inlet is unauthenticated). Never retried blindly: a repeat would
    /// ingest the event twice.
    pub async fn send_event(&self, webhook: &WebhookUrl, event: &Value) -> Result<InletReceipt> {
        let url = Url::parse(webhook.as_str()).map_err(|_| {
            PlatformError::new(
                ErrorCode::InvalidRequest,
                "The webhook URL is not a valid URL.",
            )
        })?;
        let outgoing = Outgoing::new("inlet.send_event", Method::POST, url).json(event)?;
        let response = self.client.send_external(&outgoing).await?;
        interpret_inlet_response(response.status, &response.meta, &response.body)
            .map_err(|error| error.with_operation("inlet.send_event"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ResponseMeta {
        ResponseMeta::default()
    }

    #[test]
    fn webhook_url_is_built_and_redacted() {
        let flow = FlowId::new("d947e6a9-ea53-42c4-985c-c9379265491f");
        let url = WebhookUrl::new(
            "https://dcs.adobedc.net/collection/e71b6a6cd72703886",
            &flow,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://dcs.adobedc.net/collection/e71b6a6cd72703886?x-adobe-flow-id=d947e6a9-ea53-42c4-985c-c9379265491f"
        );
        for shown in [format!("{url:?}"), format!("{url}")] {
            assert!(!shown.contains("d947e6a9"));
            assert!(!shown.contains("e71b6a6cd"));
        }
        assert_eq!(serde_json::to_value(&url).unwrap(), url.as_str());
        assert!(WebhookUrl::parse(url.as_str()).is_ok());
        assert!(WebhookUrl::parse("https://dcs.adobedc.net/collection/x").is_err());
        assert!(WebhookUrl::new("http://dcs.adobedc.net/collection/x", &flow).is_err());
        assert!(WebhookUrl::new("http://127.0.0.1:1/collection/x", &flow).is_ok());
    }

    #[test]
    fn existing_flow_id_parameter_is_replaced() {
        let flow = FlowId::new("new");
        let url = WebhookUrl::new(
            "https://dcs.adobedc.net/collection/x?x-adobe-flow-id=old&a=b",
            &flow,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://dcs.adobedc.net/collection/x?a=b&x-adobe-flow-id=new"
        );
    }

    #[test]
    fn accepted_event() {
        let receipt = interpret_inlet_response(
            200,
            &meta(),
            br#"{"inletId":"667b41cf","xactionId":"1584479347507:2153:240","receivedTimeMs":1584479347507}"#,
        )
        .unwrap();
        assert_eq!(
            receipt.xaction_id.as_deref(),
            Some("1584479347507:2153:240")
        );
        assert_eq!(receipt.received_time_ms, Some(1_584_479_347_507));
    }

    #[test]
    fn per_message_rejection_inside_207() {
        let body = br#"{"inletId":"x","batchId":"1565638336649:1750:244","receivedTimeMs":1,
            "responses":[{"xactionId":"1:2:3"},{"statusCode":400,"message":"inletId: [x] imsOrgId: [y] Message has unknown xdm format"}]}"#;
        let error = interpret_inlet_response(207, &meta(), body).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert!(error.message().contains("unknown xdm format"));
        assert_eq!(error.status(), Some(207));
    }

    #[test]
    fn problem_document_inside_200() {
        let body = br#"{"type":"http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":"400","title":"Invalid XDM Message Format","report":{"message":"Message is invalid"}}"#;
        let error = interpret_inlet_response(200, &meta(), body).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert_eq!(error.message(), "Message is invalid");
    }

    #[test]
    fn validation_failure_inside_200() {
        let body = br#"{"xactionId":"1:2:3","syncValidation":{"passed":false},"errors":[{"message":"bad"}]}"#;
        assert!(interpret_inlet_response(200, &meta(), body).is_err());
        let skipped = br#"{"xactionId":"1:2:3","syncValidation":{"skipped":true}}"#;
        assert!(interpret_inlet_response(200, &meta(), skipped).is_ok());
    }

    #[test]
    fn synchronous_validation_answers() {
        // help/ingestion/tutorials/streaming-record-data.md: a valid record with
        // `?syncValidation=true`.
        let passed = br#"{"inletId":"{CONNECTION_ID}","xactionId":"1584479347507:2153:240","receivedTimeMs":1584479347507,"syncValidation":{"status":"pass"}}"#;
        let receipt = interpret_inlet_response(200, &meta(), passed).unwrap();
        assert_eq!(
            receipt.sync_validation,
            Some(serde_json::json!({ "status": "pass" }))
        );
        // help/ingestion/quality/streaming-validation.md: an invalid one.
        let failed = br##"{"type":"http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet","status":400,"title":"Invalid XDM Message Format","report":{"message":"inletId: [6aca7aa2] imsOrgId: [7BF122A65C5B3FE40A494026@AdobeOrg] Message is invalid","cause":{"_streamingValidation":[{"schemaLocation":"#","pointerToViolation":"#","causingExceptions":[{"schemaLocation":"#/properties/_id","pointerToViolation":"#/_id","causingExceptions":[],"keyword":"type","message":"expected type: String, found: Long"}],"message":"1 schema violations found"}]}}}"##;
        let error = interpret_inlet_response(400, &meta(), failed).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert!(error.message().contains("Message is invalid"), "{error:?}");
    }

    #[test]
    fn inlet_http_errors() {
        let error = interpret_inlet_response(413, &meta(), b"").unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidRequest);
        assert!(error.hint().contains("1 MB"));
    }
}
