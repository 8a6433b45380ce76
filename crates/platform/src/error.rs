//! The one error type of this crate, with stable codes the UI can switch on.
//!
//! Every failure of every call becomes a [`PlatformError`]: an [`ErrorCode`] (stable,
//! snake_case when serialized) plus what Adobe said (its own error code and message), the
//! request id for support tickets, a plain-language hint and whether retrying could help.
//! It serializes for the UI as
//! `{code, message, hint, adobeCode, requestId, retryable, outcomeUnknown, status, retryAfterSeconds, operation}`
//! and never carries a secret: messages from servers are scrubbed of the client's
//! credentials before they are stored.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Stable error classes. The serialized names (snake_case) are part of the UI contract:
/// never rename one, only add.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PlatformErrorCode"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No valid credential: wrong client id/secret, expired or revoked token, sign-in needed.
    Unauthenticated,
    /// Authenticated but not allowed: missing permission, product profile or sandbox access.
    Forbidden,
    /// The addressed resource does not exist (or is not visible in this sandbox).
    NotFound,
    /// The resource already exists or clashes with another one (e.g. duplicate title).
    Conflict,
    /// The `If-Match` version is stale: read the resource again and reapply the change.
    PreconditionFailed,
    /// Adobe is throttling this client.
    RateLimited,
    /// Adobe rejected the request as malformed or invalid.
    InvalidRequest,
    /// Adobe failed internally (5xx).
    ServerError,
    /// No HTTP exchange completed: DNS, refused or dropped connection, TLS.
    Network,
    /// The request took longer than the configured timeout.
    Timeout,
    /// A response arrived but is not what the API documents (bad JSON, wrong shape).
    UnexpectedResponse,
    /// The client configuration is unusable (e.g. a non-HTTPS base URL for a remote host).
    InvalidConfiguration,
}

impl ErrorCode {
    /// The stable snake_case name (same as the serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::RateLimited => "rate_limited",
            Self::InvalidRequest => "invalid_request",
            Self::ServerError => "server_error",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::UnexpectedResponse => "unexpected_response",
            Self::InvalidConfiguration => "invalid_configuration",
        }
    }

    /// Whether this class of failure can go away by itself, so a retry could help.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::ServerError | Self::Network | Self::Timeout
        )
    }

    /// The default plain-language advice shown with this class of error.
    pub fn default_hint(self) -> &'static str {
        match self {
            Self::Unauthenticated => {
                "Check the client ID and client secret of the Adobe Developer Console credential, or sign in again."
            }
            Self::Forbidden => {
                "Ask an Experience Platform system administrator to add this API credential to a role that has the needed permissions (Manage Sources, Manage Schemas, Manage Datasets) and this sandbox."
            }
            Self::NotFound => {
                "The resource does not exist in this organization and sandbox; it may have been deleted."
            }
            Self::Conflict => {
                "A resource with the same name or title already exists; reuse it or choose another name."
            }
            Self::PreconditionFailed => {
                "The resource changed since it was read; read it again and retry the change."
            }
            Self::RateLimited => "Adobe is throttling requests; wait a moment and try again.",
            Self::InvalidRequest => "Adobe rejected the request; see the message for the field at fault.",
            Self::ServerError => "Adobe reported an internal error; try again in a few minutes.",
            Self::Network => "Could not reach Adobe; check the internet connection and proxy settings.",
            Self::Timeout => "Adobe did not answer in time; try again.",
            Self::UnexpectedResponse => {
                "Adobe answered in an unexpected format; try again, and report it if it persists."
            }
            Self::InvalidConfiguration => {
                "Check the configured Adobe endpoints: remote hosts must use https://."
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The error of every call in this crate.
///
/// Boxed inside so `Result<T, PlatformError>` stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}: {}", .inner.code, .inner.message)]
pub struct PlatformError {
    inner: Box<ErrorDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetails {
    code: ErrorCode,
    message: String,
    hint: String,
    adobe_code: Option<String>,
    request_id: Option<String>,
    retryable: bool,
    outcome_unknown: bool,
    status: Option<u16>,
    retry_after_seconds: Option<u64>,
    operation: Option<&'static str>,
}

/// Longest message kept from a server body; the rest is cut (HTML pages can be huge).
const MAX_MESSAGE_CHARS: usize = 600;

impl PlatformError {
    /// A new error of `code` with `message`, the code's default hint, and `retryable`
    /// taken from [`ErrorCode::is_transient`].
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(ErrorDetails {
                code,
                message: clean_message(&message.into()),
                hint: code.default_hint().to_owned(),
                adobe_code: None,
                request_id: None,
                retryable: code.is_transient(),
                outcome_unknown: false,
                status: None,
                retry_after_seconds: None,
                operation: None,
            }),
        }
    }

    /// The stable error class.
    pub fn code(&self) -> ErrorCode {
        self.inner.code
    }

    /// Human-readable message (Adobe's own when it sent one).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Plain-language advice for the user.
    pub fn hint(&self) -> &str {
        &self.inner.hint
    }

    /// Adobe's error code, e.g. `FLOW-1439-404`, `XDM-1521-400`, `401013`, `invalid_client`.
    pub fn adobe_code(&self) -> Option<&str> {
        self.inner.adobe_code.as_deref()
    }

    /// The request id (Adobe's `x-request-id`, or the one this client sent).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Whether trying again later could succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// True when a non-idempotent request (a create) may or may not have taken effect:
    /// the caller must look for the resource before creating it again.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// How long Adobe asked the client to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after_seconds.map(Duration::from_secs)
    }

    /// The operation that failed, e.g. `flow_service.create_flow`.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.inner.hint = hint.into();
        self
    }

    pub(crate) fn with_adobe_code(mut self, adobe_code: Option<String>) -> Self {
        self.inner.adobe_code = adobe_code.map(|code| truncate_chars(&code, 80));
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if request_id.is_some() {
            self.inner.request_id = request_id.map(|id| truncate_chars(&id, 120));
        }
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    pub(crate) fn with_outcome_unknown(mut self, outcome_unknown: bool) -> Self {
        self.inner.outcome_unknown = outcome_unknown;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after_seconds = retry_after.map(|duration| duration.as_secs());
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation = Some(operation);
        self
    }

    /// Replaces any of `secrets` inside the message with a redaction marker.
    pub(crate) fn scrubbed(mut self, secrets: &[&str]) -> Self {
        self.inner.message = crate::secret::scrub(&self.inner.message, secrets);
        self
    }

    /// Shorthand for an [`ErrorCode::InvalidConfiguration`] error.
    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfiguration, message)
    }

    /// Shorthand for an [`ErrorCode::UnexpectedResponse`] error.
    pub(crate) fn unexpected(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnexpectedResponse, message)
    }
}

/// Result alias used by every call of this crate.
pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

/// Makes server text safe to keep and show: no control characters, bounded length.
fn clean_message(message: &str) -> String {
    let collapsed: String = message
        .chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect();
    truncate_chars(collapsed.trim(), MAX_MESSAGE_CHARS)
}

fn truncate_chars(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_owned()
    } else {
        let mut truncated: String = text.chars().take(limit).collect();
        truncated.push('…');
        truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_stable_ui_shape() {
        let error = PlatformError::new(ErrorCode::PreconditionFailed, "stale")
            .with_adobe_code(Some("FLOW-1234-412".into()))
            .with_request_id(Some("req-1".into()))
            .with_status(412);
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["code"], "precondition_failed");
        assert_eq!(value["message"], "stale");
        assert_eq!(value["adobeCode"], "FLOW-1234-412");
        assert_eq!(value["requestId"], "req-1");
        assert_eq!(value["retryable"], false);
        assert_eq!(value["outcomeUnknown"], false);
        assert!(value["hint"].as_str().unwrap().contains("read it again"));
    }

    #[test]
    fn every_code_serializes_as_its_name() {
        let codes = [
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PreconditionFailed,
            ErrorCode::RateLimited,
            ErrorCode::InvalidRequest,
            ErrorCode::ServerError,
            ErrorCode::Network,
            ErrorCode::Timeout,
            ErrorCode::UnexpectedResponse,
            ErrorCode::InvalidConfiguration,
        ];
        for code in codes {
            let value = serde_json::to_value(code).unwrap();
            assert_eq!(value, code.as_str());
            assert!(!code.default_hint().is_empty());
        }
    }

    #[test]
    fn messages_are_cleaned_and_bounded() {
        let long = "x\u{0}y".repeat(1000);
        let error = PlatformError::new(ErrorCode::ServerError, long);
        assert!(error.message().chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(!error.message().contains('\u{0}'));
    }
}
