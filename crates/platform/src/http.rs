//! Sending requests: one attempt, the retry loop, re-authentication on 401, and logging.
//!
//! Retry policy (see the crate README):
//! * idempotent requests (GET, PUT, DELETE, PATCH with `If-Match`, and the few POSTs that
//!   are safe to repeat) are retried on network errors, timeouts, 408, 429 and retryable
//!   5xx, with exponential backoff and jitter, honouring `Retry-After`;
//! * a create (POST) is retried only when Adobe provably did not act on it: the connection
//!   was never established, or the answer was 429. Otherwise a timeout, a dropped
//!   connection or a 5xx leaves the error flagged [`PlatformError::is_outcome_unknown`];
//! * any request that gets a 401 with a bearer token is re-sent once with a new token.
//!
//! Logging never includes URLs (they carry flow and inlet ids), headers, bodies or server
//! messages: only the operation name, method, attempt, status, Adobe's error code, the
//! request id and timings.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use url::Url;

use crate::error::{ErrorCode, PlatformError, Result};
use crate::ims::TokenProvider;
use crate::response::{classify_failure, parse_retry_after, ResponseMeta};
use crate::secret::Secret;

/// Largest response body read; larger bodies are an unexpected response.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles for each further retry.
    pub base_delay: Duration,
    /// Upper bound of a computed backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` the client waits for by itself; a longer one is returned to
    /// the caller as a [`ErrorCode::RateLimited`] error carrying the wait.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry (the re-authentication on 401 still happens).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): exponential, capped, with
    /// jitter in the upper half so concurrent clients spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let uncapped = self.base_delay.saturating_mul(1u32 << exponent);
        let capped = uncapped.min(self.max_delay);
        let jitter: f64 = rand::rng().random_range(0.5..=1.0);
        capped.mul_f64(jitter)
    }
}

/// Request and connection timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// Whole request, from sending to the last body byte.
    pub request: Duration,
    /// Establishing the connection (TCP + TLS).
    pub connect: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            request: Duration::from_secs(30),
            connect: Duration::from_secs(10),
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum RequestBody {
    /// `application/json`.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded`. It may hold secrets, so it is wrapped.
    Form(Secret),
}

/// Whether repeating a request could do something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Repeating is harmless (reads, PUT, DELETE, PATCH with `If-Match`, state actions).
    Safe,
    /// Repeating may create a second resource or event.
    Unsafe,
}

/// One logical request, re-sent as is on each attempt.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<RequestBody>,
    pub idempotency: Idempotency,
}

impl Outgoing {
    pub(crate) fn new(operation: &'static str, method: Method, url: Url) -> Self {
        let idempotency = if method == Method::POST || method == Method::PATCH {
            Idempotency::Unsafe
        } else {
            Idempotency::Safe
        };
        Self {
            operation,
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotency,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            PlatformError::new(
                ErrorCode::InvalidRequest,
                format!("The value for the {name} header contains characters HTTP does not allow."),
            )
        })?;
        self.headers.insert(HeaderName::from_static(name), value);
        Ok(self)
    }

    pub(crate) fn sensitive_bearer(mut self, token: &Secret) -> Result<Self> {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                PlatformError::new(
                    ErrorCode::Unauthenticated,
                    "The access token is not a valid header value.",
                )
            })?;
        value.set_sensitive(true);
        self.headers.insert(reqwest::header::AUTHORIZATION, value);
        Ok(self)
    }

    pub(crate) fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            PlatformError::new(
                ErrorCode::InvalidRequest,
                format!("The request body could not be encoded as JSON: {error}"),
            )
        })?;
        self.body = Some(RequestBody::Json(bytes));
        Ok(self)
    }

    pub(crate) fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some(RequestBody::Form(Secret::new(encoded)));
        self
    }

    pub(crate) fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub meta: ResponseMeta,
    pub body: Vec<u8>,
}

/// Why an attempt produced no response.
struct TransportFailure {
    error: PlatformError,
    /// False when the request provably never reached the server (connection not made).
    maybe_sent: bool,
}

/// The HTTP client shared by IMS and Platform calls.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl Transport {
    pub(crate) fn new(timeouts: &Timeouts, retry: RetryPolicy, user_agent: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeouts.request)
            .connect_timeout(timeouts.connect)
            // Adobe's APIs do not redirect; following one could carry headers elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .map_err(|error| {
                PlatformError::configuration(format!(
                    "The HTTP client could not be created: {}",
                    error_chain(&error)
                ))
            })?;
        Ok(Self { http, retry })
    }

    /// Sends `outgoing` with retries; with `tokens`, adds a bearer token and re-authenticates
    /// once on 401. Returns the 2xx response or a classified error. `secrets` are scrubbed
    /// from any error message.
    pub(crate) async fn execute(
        &self,
        outgoing: &Outgoing,
        tokens: Option<&TokenProvider>,
        secrets: &[&str],
    ) -> Result<RawResponse> {
        let mut attempt: u32 = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let token = match tokens {
                // Boxed: fetching a token goes through this same function (without tokens).
                Some(provider) => Some(Box::pin(provider.bearer()).await?),
                None => None,
            };
            let mut scrub_list: Vec<&str> = secrets.to_vec();
            if let Some(token) = &token {
                scrub_list.push(token.expose());
            }
            let request_id = uuid::Uuid::new_v4().to_string();
            let started = tokio::time::Instant::now();
            let outcome = self.send_once(outgoing, token.as_ref(), &request_id).await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

            let (error, retry_wait) = match outcome {
                Ok(response) if (200..300).contains(&response.status) => {
                    tracing::debug!(
                        operation = outgoing.operation,
                        method = %outgoing.method,
                        attempt,
                        status = response.status,
                        elapsed_ms,
                        request_id = response.meta.request_id.as_deref().unwrap_or_default(),
                        "adobe call succeeded"
                    );
                    tracing::trace!(
                        operation = outgoing.operation,
                        body_bytes = response.body.len(),
                        "adobe response body received"
                    );
                    return Ok(response);
                }
                Ok(response) => {
                    let error = classify_failure(response.status, &response.meta, &response.body)
                        .with_operation(outgoing.operation)
                        .scrubbed(&scrub_list);
                    log_failure(outgoing, attempt, elapsed_ms, &error);

                    if response.status == 401 && !reauthenticated {
                        if let (Some(provider), Some(rejected)) = (tokens, &token) {
                            if Box::pin(provider.renew_after_rejection(rejected)).await {
                                tracing::debug!(
                                    operation = outgoing.operation,
                                    "token rejected; re-authenticating once"
                                );
                                reauthenticated = true;
                                // The re-authentication does not use up a retry.
                                attempt -= 1;
                                continue;
                            }
                        }
                    }
                    // 429 means Adobe refused the request without acting on it, so even a
                    // create can be repeated.
                    let may_repeat =
                        outgoing.idempotency == Idempotency::Safe || response.status == 429;
                    if !may_repeat && error.is_retryable() {
                        // A 5xx or 408 on a create: Adobe may have acted before failing.
                        return Err(error.with_outcome_unknown(true));
                    }
                    let wait = if may_repeat && error.is_retryable() {
                        Some(self.wait_before_retry(attempt, error.retry_after()))
                    } else {
                        None
                    };
                    (error, wait.flatten())
                }
                Err(failure) => {
                    let error = failure
                        .error
                        .with_operation(outgoing.operation)
                        .scrubbed(&scrub_list);
                    log_failure(outgoing, attempt, elapsed_ms, &error);
                    let may_repeat =
                        outgoing.idempotency == Idempotency::Safe || !failure.maybe_sent;
                    if !may_repeat {
                        return Err(error.with_outcome_unknown(true));
                    }
                    (error, self.wait_before_retry(attempt, None))
                }
            };

            match retry_wait {
                Some(wait) if attempt < self.retry.max_attempts => {
                    tracing::debug!(
                        operation = outgoing.operation,
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying adobe call"
                    );
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(error),
            }
        }
    }

    /// The wait before the next attempt, or `None` when the server asked for a wait longer
    /// than the policy allows (then the caller gets the error and decides).
    fn wait_before_retry(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(requested) if requested > self.retry.max_retry_after => None,
            Some(requested) => Some(requested),
            None => Some(self.retry.backoff(attempt)),
        }
    }

    async fn send_once(
        &self,
        outgoing: &Outgoing,
        token: Option<&Secret>,
        request_id: &str,
    ) -> std::result::Result<RawResponse, TransportFailure> {
        let mut builder = self
            .http
            .request(outgoing.method.clone(), outgoing.url.clone())
            .headers(outgoing.headers.clone())
            .header("x-request-id", request_id);
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    TransportFailure {
                        error: PlatformError::new(
                            ErrorCode::Unauthenticated,
                            "The access token from IMS is not a valid header value.",
                        ),
                        maybe_sent: false,
                    }
                })?;
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        builder = match &outgoing.body {
            Some(RequestBody::Json(bytes)) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Some(RequestBody::Form(encoded)) => builder
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(encoded.expose().clone()),
            None => builder,
        };

        let mut response = builder
            .send()
            .await
            .map_err(|error| transport_failure(&error, false))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let meta = ResponseMeta {
            request_id: header_text(headers, "x-request-id")
                .or_else(|| Some(request_id.to_owned())),
            retry_after: header_text(headers, "retry-after")
                .and_then(|value| parse_retry_after(&value)),
        };
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err(TransportFailure {
                            error: PlatformError::unexpected(format!(
                                "Adobe sent a response body larger than {MAX_BODY_BYTES} bytes."
                            ))
                            .with_status(status)
                            .with_request_id(meta.request_id.clone()),
                            maybe_sent: true,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    let failure = transport_failure(&error, true);
                    return Err(TransportFailure {
                        error: failure.error.with_request_id(meta.request_id.clone()),
                        maybe_sent: true,
                    });
                }
            }
        }
        Ok(RawResponse { status, meta, body })
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

fn transport_failure(error: &reqwest::Error, during_body: bool) -> TransportFailure {
    let code = if error.is_timeout() {
        ErrorCode::Timeout
    } else {
        ErrorCode::Network
    };
    let message = match code {
        ErrorCode::Timeout => format!("Adobe did not answer in time ({}).", error_chain(error)),
        _ if during_body => format!(
            "The connection broke while reading Adobe's answer ({}).",
            error_chain(error)
        ),
        _ => format!("The request to Adobe failed ({}).", error_chain(error)),
    };
    TransportFailure {
        error: PlatformError::new(code, message),
        // A connection that was never established carried no request.
        maybe_sent: during_body || !error.is_connect(),
    }
}

/// The error and its sources as one line, without the URL (which can carry ids).
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    parts.push(strip_url(error));
    while let Some(source) = current {
        let text = source.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = source.source();
    }
    parts.join(": ")
}

fn strip_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

fn log_failure(outgoing: &Outgoing, attempt: u32, elapsed_ms: u64, error: &PlatformError) {
    tracing::warn!(
        operation = outgoing.operation,
        method = %outgoing.method,
        attempt,
        elapsed_ms,
        status = error.status().unwrap_or_default(),
        code = error.code().as_str(),
        adobe_code = error.adobe_code().unwrap_or_default(),
        request_id = error.request_id().unwrap_or_default(),
        "adobe call failed"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.backoff(30);
            assert!(late <= Duration::from_millis(1000) && late >= Duration::from_millis(500));
        }
    }

    #[test]
    fn retry_after_beyond_cap_is_not_waited_for() {
        let transport =
            Transport::new(&Timeouts::default(), RetryPolicy::default(), "test").unwrap();
        assert_eq!(
            transport.wait_before_retry(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            transport.wait_before_retry(1, Some(Duration::from_secs(3600))),
            None
        );
        assert!(transport.wait_before_retry(1, None).is_some());
    }

    #[test]
    fn default_idempotency_by_method() {
        let url = Url::parse("https://platform.adobe.io/x").unwrap();
        assert_eq!(
            Outgoing::new("t", Method::GET, url.clone()).idempotency,
            Idempotency::Safe
        );
        assert_eq!(
            Outgoing::new("t", Method::DELETE, url.clone()).idempotency,
            Idempotency::Safe
        );
        assert_eq!(
            Outgoing::new("t", Method::PUT, url.clone()).idempotency,
            Idempotency::Safe
        );
        assert_eq!(
            Outgoing::new("t", Method::POST, url.clone()).idempotency,
            Idempotency::Unsafe
        );
        assert_eq!(
            Outgoing::new("t", Method::PATCH, url).idempotency,
            Idempotency::Unsafe
        );
    }
}
