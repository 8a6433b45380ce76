//! Posting a body to a webhook URL the way Chatlio does: one `POST` with a JSON
//! body, no signature, no custom headers, no retry.
//!
//! Chatlio documents no timeout, retry policy or headers beyond the body being
//! JSON; the 10 s timeout and single attempt are this simulator's choice.

use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Client timeout for one webhook call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// `User-Agent` sent by the simulator. Chatlio's real value is not documented.
pub const USER_AGENT: &str = concat!("chatlio-sim/", env!("CARGO_PKG_VERSION"));

/// Why a webhook call produced no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", content = "message", rename_all = "snake_case")]
pub enum SendError {
    #[error("the URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("the request timed out")]
    Timeout,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("the request failed: {0}")]
    Request(String),
}

impl SendError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::InvalidUrl(_) => "error.send.invalid_url",
            SendError::Timeout => "error.send.timeout",
            SendError::Connect(_) => "error.send.connect",
            SendError::Request(_) => "error.send.request",
        }
    }
}

/// What happened to one webhook call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendOutcome {
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// The response body: JSON when it parses, else the text.
    pub response: Option<Value>,
    pub elapsed_ms: u64,
    pub error: Option<SendError>,
}

impl SendOutcome {
    /// Chatlio's view of success is not documented; a 2xx is what a receiver
    /// that accepted the event answers.
    pub fn is_success(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// A reusable webhook sender (one connection pool).
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Sender {
    pub fn new(timeout: Duration) -> Result<Self, SendError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| SendError::Request(error.to_string()))?;
        Ok(Sender { client })
    }

    /// POST `payload` as JSON to `url`.
    pub async fn send(&self, url: &str, payload: &Value) -> SendOutcome {
        let started = Instant::now();
        let elapsed =
            |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let parsed = match reqwest::Url::parse(url) {
            Ok(parsed) => parsed,
            Err(error) => {
                return SendOutcome {
                    status: None,
                    response: None,
                    elapsed_ms: 0,
                    error: Some(SendError::InvalidUrl(error.to_string())),
                }
            }
        };
        let result = self.client.post(parsed).json(payload).send().await;
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                return SendOutcome {
                    status: None,
                    response: None,
                    elapsed_ms: elapsed(started),
                    error: Some(classify_error(&error)),
                }
            }
        };
        let status = response.status().as_u16();
        let (body, error) = match response.text().await {
            Ok(text) if text.is_empty() => (None, None),
            Ok(text) => (
                Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
                None,
            ),
            Err(error) => (None, Some(classify_error(&error))),
        };
        SendOutcome {
            status: Some(status),
            response: body,
            elapsed_ms: elapsed(started),
            error,
        }
    }
}

fn classify_error(error: &reqwest::Error) -> SendError {
    if error.is_timeout() {
        SendError::Timeout
    } else if error.is_connect() {
        SendError::Connect(error.to_string())
    } else {
        SendError::Request(error.to_string())
    }
}

/// POST `payload` to `url` once with a fresh client and the default timeout.
/// For many calls, keep a [`Sender`].
pub async fn send(url: &str, payload: &Value) -> SendOutcome {
    match Sender::new(DEFAULT_TIMEOUT) {
        Ok(sender) => sender.send(url, payload).await,
        Err(error) => SendOutcome {
            status: None,
            response: None,
            elapsed_ms: 0,
            error: Some(error),
        },
    }
}
