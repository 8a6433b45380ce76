//! The configured client: one per (IMS base, Platform base, org, sandbox, credential).

use std::net::IpAddr;
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{PlatformError, Result};
use crate::http::{Idempotency, Outgoing, RawResponse, RetryPolicy, Timeouts, Transport};
use crate::ims::{ImsClient, TokenProvider, UserTokenSnapshot, DEFAULT_SERVER_TO_SERVER_SCOPES};
use crate::models::ims::{Organization, UserInfo};
use crate::models::{Etag, OrgId, SandboxName};
use crate::response::decode_success;
use crate::secret::Secret;

/// Adobe's production IMS host.
pub const ADOBE_IMS_BASE: &str = "https://ims-na1.adobelogin.com";
/// Adobe's Platform API gateway.
pub const ADOBE_PLATFORM_BASE: &str = "https://platform.adobe.io";
pub(crate) const USER_AGENT: &str =
    concat!("chatlio-aep-setup-platform/", env!("CARGO_PKG_VERSION"));

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credential {
    /// OAuth server-to-server (client credentials) from an Adobe Developer Console project.
    ServerToServer {
        /// Client id; also the `x-api-key`.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
        /// Scopes; see [`DEFAULT_SERVER_TO_SERVER_SCOPES`].
        scopes: Vec<String>,
    },
    /// Tokens from a user sign-in (authorization code with PKCE).
    UserTokens {
        /// Client id; also the `x-api-key`.
        client_id: String,
        /// Access token.
        access: Secret,
        /// Refresh token, when `offline_access` was granted.
        refresh: Option<Secret>,
        /// Access token expiry, when known.
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

impl Credential {
    /// A server-to-server credential with the default Experience Platform scopes.
    pub fn server_to_server(client_id: impl Into<String>, client_secret: Secret) -> Self {
        Self::ServerToServer {
            client_id: client_id.into(),
            client_secret,
            scopes: DEFAULT_SERVER_TO_SERVER_SCOPES
                .iter()
                .map(|scope| (*scope).to_owned())
                .collect(),
        }
    }

    /// The client id (sent as `x-api-key`).
    pub fn client_id(&self) -> &str {
        match self {
            Self::ServerToServer { client_id, .. } | Self::UserTokens { client_id, .. } => {
                client_id
            }
        }
    }

    /// Every secret this credential holds, for scrubbing server messages.
    fn secret_values(&self) -> Vec<String> {
        match self {
            Self::ServerToServer { client_secret, .. } => vec![client_secret.expose().clone()],
            Self::UserTokens {
                access, refresh, ..
            } => {
                let mut values = vec![access.expose().clone()];
                if let Some(refresh) = refresh {
                    values.push(refresh.expose().clone());
                }
                values
            }
        }
    }
}

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// IMS base URL (Adobe: [`ADOBE_IMS_BASE`]; the simulator: its base URL).
    pub ims_base: Url,
    /// Platform base URL (Adobe: [`ADOBE_PLATFORM_BASE`]).
    pub platform_base: Url,
    /// `x-gw-ims-org-id`.
    pub org_id: OrgId,
    /// `x-sandbox-name`.
    pub sandbox: SandboxName,
    /// How to authenticate.
    pub credential: Credential,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Retry policy.
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A configuration with default timeouts and retry policy.
    pub fn new(
        ims_base: Url,
        platform_base: Url,
        org_id: impl Into<OrgId>,
        sandbox: impl Into<SandboxName>,
        credential: Credential,
    ) -> Self {
        Self {
            ims_base,
            platform_base,
            org_id: org_id.into(),
            sandbox: sandbox.into(),
            credential,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// A configuration for Adobe's production endpoints.
    pub fn adobe(
        org_id: impl Into<OrgId>,
        sandbox: impl Into<SandboxName>,
        credential: Credential,
    ) -> Result<Self> {
        let ims_base = Url::parse(ADOBE_IMS_BASE)
            .map_err(|_| PlatformError::configuration("The built-in IMS URL does not parse."))?;
        let platform_base = Url::parse(ADOBE_PLATFORM_BASE).map_err(|_| {
            PlatformError::configuration("The built-in Platform URL does not parse.")
        })?;
        Ok(Self::new(
            ims_base,
            platform_base,
            org_id,
            sandbox,
            credential,
        ))
    }
}

/// Checks that `url` can serve as a base: `https://`, or `http://` to a loopback host.
pub fn validate_base_url(what: &str, url: &Url) -> Result<()> {
    if url.cannot_be_a_base() {
        return Err(PlatformError::configuration(format!(
            "The {what} base URL must be an absolute http(s) URL."
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(PlatformError::configuration(format!(
            "The {what} base URL must use https:// (plain http:// is allowed only for localhost)."
        ))),
        _ => Err(PlatformError::configuration(format!(
            "The {what} base URL must use https://."
        ))),
    }
}

/// True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(url::Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

/// Appends path segments (each percent-encoded) to a base URL.
pub(crate) fn join_segments(base: &Url, segments: &[&str]) -> Result<Url> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| PlatformError::configuration("The base URL cannot take a path."))?;
        path.pop_if_empty();
        path.extend(segments);
    }
    Ok(url)
}

/// Characters left as is in query keys and values: RFC 3986's unreserved set (letters,
/// digits, `-`, `.`, `_`, `~`). Everything else is percent-encoded, including the `[`,
/// `]`, `=`, `:`, `,`, `!` and `*` of Adobe's filter syntax
/// (`property=inheritedAttributes.sourceConnections[].connectionSpec.id==x`): RFC 3986
/// allows no raw `[` or `]` in a query, a proxy that enforces it would refuse the call,
/// and servers decode `%5B` to the same `[`. Adobe's pages show these values raw only in
/// their "API format" blocks and say nothing about encoding.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Sets the query from ordered pairs, encoding keys and values with [`QUERY_VALUE`]; the
/// `=` between a key and its value and the `&` between pairs are the only raw separators.
pub(crate) fn set_query(url: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        url.set_query(None);
        return;
    }
    let query = pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(key, QUERY_VALUE),
                utf8_percent_encode(value, QUERY_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    url.set_query(Some(&query));
}

/// One Platform API call, described before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct PlatformCall {
    pub operation: &'static str,
    pub method: Method,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub accept: Option<&'static str>,
    pub json_body: Option<Vec<u8>>,
    pub idempotency: Option<Idempotency>,
    pub sandbox_header: bool,
    pub if_match: Option<Etag>,
}

impl PlatformCall {
    pub(crate) fn new(operation: &'static str, method: Method, segments: &[&str]) -> Self {
        Self {
            operation,
            method,
            segments: segments
                .iter()
                .map(|segment| (*segment).to_owned())
                .collect(),
            query: Vec::new(),
            accept: None,
            json_body: None,
            idempotency: None,
            sandbox_header: true,
            if_match: None,
        }
    }

    pub(crate) fn get(operation: &'static str, segments: &[&str]) -> Self {
        Self::new(operation, Method::GET, segments)
    }

    pub(crate) fn post(operation: &'static str, segments: &[&str]) -> Self {
        Self::new(operation, Method::POST, segments)
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub(crate) fn accept(mut self, accept: &'static str) -> Self {
        self.accept = Some(accept);
        self
    }

    pub(crate) fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            PlatformError::new(
                crate::error::ErrorCode::InvalidRequest,
                format!("The request body could not be encoded as JSON: {error}"),
            )
        })?;
        self.json_body = Some(bytes);
        Ok(self)
    }

    pub(crate) fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    pub(crate) fn without_sandbox(mut self) -> Self {
        self.sandbox_header = false;
        self
    }

    pub(crate) fn if_match(mut self, etag: &Etag) -> Self {
        self.if_match = Some(etag.clone());
        self
    }
}

#[derive(Debug)]
struct ClientInner {
    transport: Transport,
    tokens: Arc<TokenProvider>,
    platform_base: Url,
    org_id: OrgId,
    sandbox: SandboxName,
    client_id: String,
    credential_secrets: Vec<String>,
}

/// The Adobe client. Cheap to clone (shared inner state, including the token cache).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl Client {
    /// Builds a client. No network traffic happens until the first call.
    ///
    /// # Errors
    /// [`crate::ErrorCode::InvalidConfiguration`] for unusable base URLs, an empty org id or
    /// client id.
    pub fn new(config: ClientConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// Builds a client that shares `tokens` with other clients, e.g. one client per
    /// sandbox of the same credential, so a sandbox switch does not mint a new token
    /// (Adobe throttles integrations that mint too many). The provider must have been
    /// made for the same credential as `config.credential`; its IMS client is used for
    /// every token call. `config.ims_base` is still validated.
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn with_token_provider(config: ClientConfig, tokens: Arc<TokenProvider>) -> Result<Self> {
        Self::build(config, Some(tokens))
    }

    fn build(config: ClientConfig, shared_tokens: Option<Arc<TokenProvider>>) -> Result<Self> {
        validate_base_url("IMS", &config.ims_base)?;
        validate_base_url("Platform", &config.platform_base)?;
        if config.org_id.as_str().trim().is_empty() {
            return Err(PlatformError::configuration(
                "The organization ID is empty.",
            ));
        }
        if config.credential.client_id().trim().is_empty() {
            return Err(PlatformError::configuration("The client ID is empty."));
        }
        let transport = Transport::new(&config.timeouts, config.retry.clone(), USER_AGENT)?;
        let client_id = config.credential.client_id().to_owned();
        let credential_secrets = config.credential.secret_values();
        let tokens = match shared_tokens {
            Some(tokens) => tokens,
            None => {
                let ims = ImsClient::with_transport(transport.clone(), config.ims_base.clone());
                Arc::new(TokenProvider::new(ims, config.credential))
            }
        };
        Ok(Self {
            inner: Arc::new(ClientInner {
                transport,
                tokens,
                platform_base: config.platform_base,
                org_id: config.org_id,
                sandbox: config.sandbox,
                client_id,
                credential_secrets,
            }),
        })
    }

    /// The organization this client works in.
    pub fn org_id(&self) -> &OrgId {
        &self.inner.org_id
    }

    /// The sandbox this client works in.
    pub fn sandbox(&self) -> &SandboxName {
        &self.inner.sandbox
    }

    /// The shared token provider.
    pub fn tokens(&self) -> &TokenProvider {
        &self.inner.tokens
    }

    /// The IMS client (same transport and base URL).
    pub fn ims(&self) -> &ImsClient {
        self.inner.tokens.ims()
    }

    /// A valid access token (fetched or renewed as needed). Handle with care.
    pub async fn access_token(&self) -> Result<Secret> {
        self.inner.tokens.bearer().await
    }

    /// For user credentials: the current tokens after any refresh, for persisting.
    pub async fn user_tokens(&self) -> Option<UserTokenSnapshot> {
        self.inner.tokens.user_tokens().await
    }

    /// Organizations of the signed-in user (IMS `organizations/v6`).
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let token = self.access_token().await?;
        self.ims().organizations(&token).await
    }

    /// The signed-in user's profile (IMS `userinfo/v2`).
    pub async fn userinfo(&self) -> Result<UserInfo> {
        let token = self.access_token().await?;
        self.ims().userinfo(&self.inner.client_id, &token).await
    }

    /// Revokes the current access token (and refresh token, for user credentials) and
    /// clears the cache.
    pub async fn revoke(&self) -> Result<()> {
        let snapshot = self.inner.tokens.user_tokens().await;
        let token = self.access_token().await?;
        self.ims().revoke(&self.inner.client_id, &token).await?;
        if let Some(refresh) = snapshot.and_then(|snapshot| snapshot.refresh) {
            self.ims().revoke(&self.inner.client_id, &refresh).await?;
        }
        self.inner.tokens.invalidate().await;
        Ok(())
    }

    /// Sends a Platform call and decodes the 2xx body as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: PlatformCall) -> Result<T> {
        let operation = call.operation;
        let response = self.call_raw(call).await?;
        decode_success(response.status, &response.meta, &response.body)
            .map_err(|error| error.with_operation(operation))
    }

    /// Sends a Platform call and returns the raw 2xx response.
    pub(crate) async fn call_raw(&self, call: PlatformCall) -> Result<RawResponse> {
        let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
        let mut url = join_segments(&self.inner.platform_base, &segments)?;
        set_query(&mut url, &call.query);
        let mut outgoing = Outgoing::new(call.operation, call.method.clone(), url)
            .header("x-api-key", &self.inner.client_id)?
            .header("x-gw-ims-org-id", self.inner.org_id.as_str())?
            .header("accept", call.accept.unwrap_or("application/json"))?;
        if call.sandbox_header {
            outgoing = outgoing.header("x-sandbox-name", self.inner.sandbox.as_str())?;
        }
        if let Some(etag) = &call.if_match {
            outgoing = outgoing.header("if-match", etag.as_str())?;
        }
        if let Some(body) = call.json_body {
            outgoing.body = Some(crate::http::RequestBody::Json(body));
        }
        // PATCH with If-Match is safe to repeat: a second application fails the precondition
        // instead of changing anything twice.
        let default_idempotency = if call.method == Method::PATCH && call.if_match.is_some() {
            Idempotency::Safe
        } else {
            outgoing.idempotency
        };
        outgoing = outgoing.idempotency(call.idempotency.unwrap_or(default_idempotency));
        let secrets: Vec<&str> = self
            .inner
            .credential_secrets
            .iter()
            .map(String::as_str)
            .collect();
        self.inner
            .transport
            .execute(&outgoing, Some(&self.inner.tokens), &secrets)
            .await
    }

    /// Sends a request to a full URL outside the Platform base (the streaming inlet),
    /// without Adobe headers or a token.
    pub(crate) async fn send_external(&self, outgoing: &Outgoing) -> Result<RawResponse> {
        self.inner.transport.execute(outgoing, None, &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn https_required_except_loopback() {
        assert!(validate_base_url("x", &url("https://platform.adobe.io")).is_ok());
        assert!(validate_base_url("x", &url("http://127.0.0.1:8080")).is_ok());
        assert!(validate_base_url("x", &url("http://127.5.0.1:8080")).is_ok());
        assert!(validate_base_url("x", &url("http://localhost:1")).is_ok());
        assert!(validate_base_url("x", &url("http://[::1]:1")).is_ok());
        assert!(validate_base_url("x", &url("http://platform.adobe.io")).is_err());
        assert!(validate_base_url("x", &url("http://10.0.0.1")).is_err());
        assert!(validate_base_url("x", &url("http://localhost.evil.com")).is_err());
        assert!(validate_base_url("x", &url("ftp://localhost")).is_err());
        assert!(validate_base_url("x", &url("mailto:a@b")).is_err());
    }

    #[test]
    fn segments_are_encoded_and_joined() {
        let joined = join_segments(
            &url("https://platform.adobe.io/"),
            &[
                "data",
                "foundation",
                "schemaregistry",
                "tenant",
                "schemas",
                "https://ns.adobe.com/t/schemas/1",
            ],
        )
        .unwrap();
        assert_eq!(
            joined.as_str(),
            "https://platform.adobe.io/data/foundation/schemaregistry/tenant/schemas/https:%2F%2Fns.adobe.com%2Ft%2Fschemas%2F1"
        );
        let with_prefix =
            join_segments(&url("http://127.0.0.1:9/prefix"), &["ims", "token", "v3"]).unwrap();
        assert_eq!(
            with_prefix.as_str(),
            "http://127.0.0.1:9/prefix/ims/token/v3"
        );
        let trailing = join_segments(
            &url("https://platform.adobe.io"),
            &["data", "foundation", "sandbox-management", ""],
        )
        .unwrap();
        assert_eq!(trailing.path(), "/data/foundation/sandbox-management/");
    }

    #[test]
    fn query_values_are_encoded_outside_the_unreserved_set() {
        let mut target = url("https://platform.adobe.io/data/foundation/flowservice/flows");
        set_query(
            &mut target,
            &[
                (
                    "property".into(),
                    "inheritedAttributes.sourceConnections[].connectionSpec.id==073127a3".into(),
                ),
                ("property".into(), "name==Chatlio flow & more".into()),
                (
                    "name".into(),
                    "Chatlio [chatlio-setup:ab12] a,b!*:/+?#%'()$;@~".into(),
                ),
            ],
        );
        assert_eq!(
            target.query(),
            Some(concat!(
                "property=inheritedAttributes.sourceConnections%5B%5D.connectionSpec.id%3D%3D073127a3",
                "&property=name%3D%3DChatlio%20flow%20%26%20more",
                "&name=Chatlio%20%5Bchatlio-setup%3Aab12%5D%20a%2Cb%21%2A%3A%2F%2B%3F%23%25%27%28%29%24%3B%40~",
            ))
        );
        // Whatever a server decodes is exactly what was meant, `+` included.
        let decoded: Vec<(String, String)> = target.query_pairs().into_owned().collect();
        assert_eq!(
            decoded[0].1,
            "inheritedAttributes.sourceConnections[].connectionSpec.id==073127a3"
        );
        assert_eq!(decoded[1].1, "name==Chatlio flow & more");
        assert_eq!(
            decoded[2].1,
            "Chatlio [chatlio-setup:ab12] a,b!*:/+?#%'()$;@~"
        );
        let raw = target.query().unwrap_or_default();
        assert!(raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~%=&".contains(c)));
    }

    #[test]
    fn client_rejects_bad_configuration() {
        let credential = Credential::server_to_server("id", Secret::from("secret"));
        let bad = ClientConfig::new(
            url("http://ims.example.com"),
            url("https://p"),
            "org",
            "prod",
            credential.clone(),
        );
        assert_eq!(
            Client::new(bad).unwrap_err().code(),
            crate::ErrorCode::InvalidConfiguration
        );
        let empty_org = ClientConfig::new(
            url("https://ims"),
            url("https://p"),
            " ",
            "prod",
            credential,
        );
        assert!(Client::new(empty_org).is_err());
    }

    #[test]
    fn credential_debug_is_redacted() {
        let credential = Credential::server_to_server("id", Secret::from("p8e-top-secret"));
        assert!(!format!("{credential:?}").contains("p8e-top-secret"));
    }
}
