//! Adobe IMS: tokens (server-to-server and user sign-in), PKCE, the authorize URL,
//! organizations, userinfo, revoke, and the cached [`TokenProvider`].
//!
//! The interactive sign-in flow (opening a browser, receiving the redirect) belongs to the
//! app; this module provides the HTTP calls and the PKCE/authorize-URL pieces it needs.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures_util::future::BoxFuture;
use rand::RngCore as _;
use reqwest::Method;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use crate::client::{validate_base_url, Credential};
use crate::error::{ErrorCode, PlatformError, Result};
use crate::http::{Idempotency, Outgoing, RetryPolicy, Timeouts, Transport};
use crate::models::ims::{Organization, TokenGrant, TokenResponse, UserInfo};
use crate::response::decode_success;
use crate::secret::Secret;

/// Scopes of the Experience Platform API server-to-server credential, as the Developer
/// Console shows them.
pub const DEFAULT_SERVER_TO_SERVER_SCOPES: &[&str] = &[
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
    "session",
];

/// A PKCE pair (RFC 7636, method `S256`).
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl Pkce {
    /// The only challenge method this crate uses; IMS defaults to `plain` unless told.
    pub const METHOD: &'static str = "S256";

    /// A fresh random verifier (64 characters of the unreserved set) and its challenge.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = challenge_for(&verifier);
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// Rebuilds the pair from a stored verifier, checking RFC 7636's rules
    /// (43–128 characters of `A-Z a-z 0-9 - . _ ~`).
    pub fn from_verifier(verifier: Secret) -> Result<Self> {
        let text = verifier.expose();
        let valid_length = (43..=128).contains(&text.len());
        let valid_characters = text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'));
        if !(valid_length && valid_characters) {
            return Err(PlatformError::new(
                ErrorCode::InvalidRequest,
                "A PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' or '~'.",
            ));
        }
        let challenge = challenge_for(text);
        Ok(Self {
            verifier,
            challenge,
        })
    }

    /// The verifier, sent with the token request.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// `BASE64URL(SHA256(verifier))`, sent with the authorize request.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random `state` value for the authorize request (43 URL-safe characters).
pub fn random_state() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What goes into `GET /ims/authorize/v2`.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// The credential's client id.
    pub client_id: String,
    /// Must match the credential's redirect URI pattern.
    pub redirect_uri: String,
    /// Requested scopes (sent comma-separated).
    pub scopes: Vec<String>,
    /// Anti-forgery value echoed back on the redirect; see [`random_state`].
    pub state: String,
    /// The PKCE challenge, see [`Pkce::challenge`].
    pub code_challenge: String,
    /// `none` (no UI; fails if not signed in) or `login` (force sign-in); omitted when `None`.
    pub prompt: Option<String>,
}

/// Calls to Adobe IMS that do not need a configured Platform client: the sign-in token
/// exchange, refresh, revoke, organizations and userinfo.
#[derive(Debug, Clone)]
pub struct ImsClient {
    transport: Transport,
    base: Url,
}

impl ImsClient {
    /// An IMS client for `ims_base` (e.g. `https://ims-na1.adobelogin.com`).
    ///
    /// # Errors
    /// [`ErrorCode::InvalidConfiguration`] when the base URL is not `https://` (plain
    /// `http://` is allowed for loopback hosts only).
    pub fn new(ims_base: Url, timeouts: &Timeouts, retry: RetryPolicy) -> Result<Self> {
        validate_base_url("IMS", &ims_base)?;
        let transport = Transport::new(timeouts, retry, crate::client::USER_AGENT)?;
        Ok(Self::with_transport(transport, ims_base))
    }

    pub(crate) fn with_transport(transport: Transport, base: Url) -> Self {
        Self { transport, base }
    }

    fn endpoint(&self, segments: &[&str]) -> Result<Url> {
        crate::client::join_segments(&self.base, segments)
    }

    /// The URL to open in the browser for the authorization-code flow with PKCE (S256).
    pub fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url> {
        let mut url = self.endpoint(&["ims", "authorize", "v2"])?;
        url.query_pairs_mut()
            .append_pair("client_id", &request.client_id)
            .append_pair("code_challenge", &request.code_challenge)
            .append_pair("code_challenge_method", Pkce::METHOD)
            .append_pair("redirect_uri", &request.redirect_uri)
            .append_pair("scope", &request.scopes.join(","))
            .append_pair("state", &request.state)
            .append_pair("response_type", "code");
        if let Some(prompt) = &request.prompt {
            url.query_pairs_mut().append_pair("prompt", prompt);
        }
        Ok(url)
    }

    /// OAuth server-to-server: `grant_type=client_credentials`.
    pub async fn client_credentials(
        &self,
        client_id: &str,
        client_secret: &Secret,
        scopes: &[String],
    ) -> Result<TokenGrant> {
        let scope = scopes.join(",");
        let outgoing = Outgoing::new(
            "ims.token_client_credentials",
            Method::POST,
            self.endpoint(&["ims", "token", "v3"])?,
        )
        .form(&[
            ("client_id", client_id),
            ("client_secret", client_secret.expose()),
            ("grant_type", "client_credentials"),
            ("scope", &scope),
        ])
        // Asking twice only mints a second token.
        .idempotency(Idempotency::Safe);
        self.token_call(&outgoing, &[client_secret.expose()]).await
    }

    /// Exchanges an authorization code (public client with PKCE) for tokens.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        code: &Secret,
        verifier: &Secret,
        redirect_uri: Option<&str>,
    ) -> Result<TokenGrant> {
        let mut url = self.endpoint(&["ims", "token", "v3"])?;
        url.query_pairs_mut().append_pair("client_id", client_id);
        let mut pairs = vec![
            ("code", code.expose().as_str()),
            ("grant_type", "authorization_code"),
            ("code_verifier", verifier.expose().as_str()),
        ];
        if let Some(redirect_uri) = redirect_uri {
            pairs.push(("redirect_uri", redirect_uri));
        }
        // Codes are single-use: never repeated blindly.
        let outgoing =
            Outgoing::new("ims.token_authorization_code", Method::POST, url).form(&pairs);
        self.token_call(&outgoing, &[code.expose(), verifier.expose()])
            .await
    }

    /// Renews user tokens with a refresh token.
    pub async fn refresh(&self, client_id: &str, refresh_token: &Secret) -> Result<TokenGrant> {
        let mut url = self.endpoint(&["ims", "token", "v3"])?;
        url.query_pairs_mut().append_pair("client_id", client_id);
        // Refresh tokens may rotate, so a repeat after an unknown outcome could fail.
        let outgoing = Outgoing::new("ims.token_refresh", Method::POST, url).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ]);
        self.token_call(&outgoing, &[refresh_token.expose()]).await
    }

    async fn token_call(&self, outgoing: &Outgoing, secrets: &[&str]) -> Result<TokenGrant> {
        let response = self.transport.execute(outgoing, None, secrets).await?;
        let parsed: TokenResponse = decode_success(response.status, &response.meta, &response.body)
            .map_err(|error| error.with_operation(outgoing.operation))?;
        if parsed.access_token.is_empty() {
            return Err(
                PlatformError::unexpected("IMS returned an empty access token.")
                    .with_operation(outgoing.operation)
                    .with_request_id(response.meta.request_id),
            );
        }
        Ok(parsed.into())
    }

    /// Revokes an access or refresh token (`POST /ims/revoke`).
    pub async fn revoke(&self, client_id: &str, token: &Secret) -> Result<()> {
        let mut url = self.endpoint(&["ims", "revoke"])?;
        url.query_pairs_mut().append_pair("client_id", client_id);
        let outgoing = Outgoing::new("ims.revoke", Method::POST, url)
            .form(&[("token", token.expose())])
            .idempotency(Idempotency::Safe);
        self.transport
            .execute(&outgoing, None, &[token.expose()])
            .await?;
        Ok(())
    }

    /// Organizations of the signed-in user (`GET /ims/organizations/v6`, needs
    /// `read_organizations`).
    pub async fn organizations(&self, access_token: &Secret) -> Result<Vec<Organization>> {
        let outgoing = Outgoing::new(
            "ims.organizations",
            Method::GET,
            self.endpoint(&["ims", "organizations", "v6"])?,
        )
        .sensitive_bearer(access_token)?;
        let response = self
            .transport
            .execute(&outgoing, None, &[access_token.expose()])
            .await?;
        decode_success(response.status, &response.meta, &response.body)
            .map_err(|error| error.with_operation(outgoing.operation))
    }

    /// The signed-in user's profile (`GET /ims/userinfo/v2`).
    pub async fn userinfo(&self, client_id: &str, access_token: &Secret) -> Result<UserInfo> {
        let mut url = self.endpoint(&["ims", "userinfo", "v2"])?;
        url.query_pairs_mut().append_pair("client_id", client_id);
        let outgoing =
            Outgoing::new("ims.userinfo", Method::GET, url).sensitive_bearer(access_token)?;
        let response = self
            .transport
            .execute(&outgoing, None, &[access_token.expose()])
            .await?;
        decode_success(response.status, &response.meta, &response.body)
            .map_err(|error| error.with_operation(outgoing.operation))
    }
}

/// A token in the cache.
#[derive(Debug, Clone)]
struct CachedToken {
    access: Secret,
    /// When to fetch a new one (ahead of expiry).
    renew_at: Instant,
    /// When it stops working.
    expires_at: Instant,
    expires_at_utc: Option<chrono::DateTime<chrono::Utc>>,
}

impl CachedToken {
    fn from_grant(grant: &TokenGrant) -> Self {
        let now = Instant::now();
        let lifetime = grant.expires_in;
        Self {
            access: grant.access_token.clone(),
            renew_at: now + lifetime.saturating_sub(renewal_margin(lifetime)),
            expires_at: now + lifetime,
            expires_at_utc: chrono::Duration::from_std(lifetime)
                .ok()
                .and_then(|lifetime| chrono::Utc::now().checked_add_signed(lifetime)),
        }
    }
}

/// How long before expiry a token is renewed: a quarter of its lifetime, at most 5 minutes.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(300))
}

#[derive(Debug)]
struct TokenState {
    current: Option<CachedToken>,
    refresh: Option<Secret>,
}

/// User tokens as they stand now (after any refresh), for the app to persist.
#[derive(Debug, Clone)]
pub struct UserTokenSnapshot {
    /// Current access token.
    pub access: Secret,
    /// Current refresh token, if any.
    pub refresh: Option<Secret>,
    /// Expiry of the access token, when known.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Tokens a [`TokenProvider`] has just obtained from IMS, for a [`RenewalHook`] to keep.
#[derive(Debug, Clone)]
pub struct RenewedTokens {
    /// The new access token.
    pub access: Secret,
    /// When it stops working, when IMS said.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For user tokens, the new refresh token when IMS rotated it; `None` when the
    /// one already stored stays in use, and for server-to-server credentials.
    pub refresh: Option<Secret>,
}

/// Called with every token a [`TokenProvider`] obtains from IMS, so its owner can store
/// it (Adobe throttles integrations that mint too many tokens, and a rotated refresh
/// token that is not stored is lost). The provider awaits it before handing the token
/// out, while it holds its cache: renewals reach the hook one at a time and in order,
/// and the hook must not call back into the provider. Storing can fail without failing
/// the call that needed the token, so the hook reports its own errors.
#[derive(Clone)]
pub struct RenewalHook(Arc<dyn Fn(RenewedTokens) -> BoxFuture<'static, ()> + Send + Sync>);

impl RenewalHook {
    /// A hook that runs `keep` for each renewal.
    pub fn new(
        keep: impl Fn(RenewedTokens) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(keep))
    }
}

impl std::fmt::Debug for RenewalHook {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RenewalHook")
    }
}

/// Supplies bearer tokens: cached, renewed ahead of expiry, one fetch at a time.
#[derive(Debug)]
pub struct TokenProvider {
    ims: ImsClient,
    credential: Credential,
    state: Mutex<TokenState>,
    renewal_hook: OnceLock<RenewalHook>,
}

/// An access token as the cache holds it, with its expiry, so it can be stored (in the
/// OS keychain) and given back to a later process with
/// [`TokenProvider::seed_access_token`].
#[derive(Debug, Clone)]
pub struct CachedAccessToken {
    /// The bearer token.
    pub access: Secret,
    /// When it stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl TokenProvider {
    /// A provider for `credential` that fetches tokens through `ims`. A
    /// [`Client`](crate::Client) makes its own; build one here to share it between
    /// clients with [`Client::with_token_provider`](crate::Client::with_token_provider).
    pub fn new(ims: ImsClient, credential: Credential) -> Self {
        let state = match &credential {
            Credential::ServerToServer { .. } => TokenState {
                current: None,
                refresh: None,
            },
            Credential::UserTokens {
                access,
                refresh,
                expires_at,
                ..
            } => {
                let now = Instant::now();
                let lifetime = expires_at.map_or(
                    // Unknown expiry: use it until Adobe rejects it.
                    Duration::from_secs(365 * 24 * 3600),
                    |expires_at| {
                        (expires_at - chrono::Utc::now())
                            .to_std()
                            .unwrap_or(Duration::ZERO)
                    },
                );
                TokenState {
                    current: Some(CachedToken {
                        access: access.clone(),
                        renew_at: now + lifetime.saturating_sub(renewal_margin(lifetime)),
                        expires_at: now + lifetime,
                        expires_at_utc: *expires_at,
                    }),
                    refresh: refresh.clone(),
                }
            }
        };
        Self {
            ims,
            credential,
            state: Mutex::new(state),
            renewal_hook: OnceLock::new(),
        }
    }

    /// Has every token obtained from now on handed to `hook` (see [`RenewalHook`]).
    /// Returns false, and keeps the first, when a hook was set already.
    pub fn on_renewal(&self, hook: RenewalHook) -> bool {
        self.renewal_hook.set(hook).is_ok()
    }

    /// Hands a token just obtained to the renewal hook, if there is one.
    async fn announce(
        &self,
        access: &Secret,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        refresh: Option<Secret>,
    ) {
        if let Some(hook) = self.renewal_hook.get() {
            (hook.0)(RenewedTokens {
                access: access.clone(),
                expires_at,
                refresh,
            })
            .await;
        }
    }

    /// A valid access token, fetching or refreshing one when needed.
    pub async fn bearer(&self) -> Result<Secret> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(current) = &state.current {
            if now < current.renew_at {
                return Ok(current.access.clone());
            }
        }
        match &self.credential {
            Credential::ServerToServer {
                client_id,
                client_secret,
                scopes,
            } => {
                let grant = self
                    .ims
                    .client_credentials(client_id, client_secret, scopes)
                    .await?;
                let cached = CachedToken::from_grant(&grant);
                let access = cached.access.clone();
                let expires_at = cached.expires_at_utc;
                state.current = Some(cached);
                tracing::debug!("obtained a server-to-server access token");
                self.announce(&access, expires_at, None).await;
                Ok(access)
            }
            Credential::UserTokens { client_id, .. } => {
                if let Some(refresh) = state.refresh.clone() {
                    let grant = self.ims.refresh(client_id, &refresh).await?;
                    // Only a rotated refresh token needs storing again.
                    let rotated = grant
                        .refresh_token
                        .clone()
                        .filter(|new_refresh| new_refresh.expose() != refresh.expose());
                    if let Some(new_refresh) = &rotated {
                        state.refresh = Some(new_refresh.clone());
                    }
                    let cached = CachedToken::from_grant(&grant);
                    let access = cached.access.clone();
                    let expires_at = cached.expires_at_utc;
                    state.current = Some(cached);
                    tracing::debug!("refreshed the user access token");
                    self.announce(&access, expires_at, rotated).await;
                    return Ok(access);
                }
                // No refresh token: use the current one until it actually expires.
                match &state.current {
                    Some(current) if now < current.expires_at => Ok(current.access.clone()),
                    _ => Err(sign_in_again()),
                }
            }
        }
    }

    /// Called after Adobe rejected `rejected` with 401: drops it from the cache so the
    /// next [`bearer`](Self::bearer) fetches a new one. Returns false when no new token
    /// can be had without the user (user tokens without a refresh token).
    pub(crate) async fn renew_after_rejection(&self, rejected: &Secret) -> bool {
        let mut state = self.state.lock().await;
        let can_renew = match &self.credential {
            Credential::ServerToServer { .. } => true,
            Credential::UserTokens { .. } => state.refresh.is_some(),
        };
        if !can_renew {
            return false;
        }
        // Another task may already have replaced the rejected token.
        if state
            .current
            .as_ref()
            .is_some_and(|current| current.access == *rejected)
        {
            state.current = None;
        }
        true
    }

    /// Puts an access token obtained earlier (e.g. read back from the OS keychain) into
    /// the cache, so a new process does not mint a token while the old one is valid:
    /// Adobe throttles integrations that mint too many. Returns false, and changes
    /// nothing, when the token has already expired. A seeded token that Adobe rejects
    /// (revoked, expired early) is replaced as usual after the first 401.
    pub async fn seed_access_token(
        &self,
        access: Secret,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let remaining = match (expires_at - chrono::Utc::now()).to_std() {
            Ok(remaining) if !remaining.is_zero() => remaining,
            _ => return false,
        };
        let now = Instant::now();
        let mut state = self.state.lock().await;
        state.current = Some(CachedToken {
            access,
            renew_at: now + remaining.saturating_sub(renewal_margin(remaining)),
            expires_at: now + remaining,
            expires_at_utc: Some(expires_at),
        });
        true
    }

    /// The access token in the cache and its expiry, when a token is cached, its expiry
    /// is known and it has not expired; for storing it between runs.
    pub async fn cached_access_token(&self) -> Option<CachedAccessToken> {
        let state = self.state.lock().await;
        let current = state.current.as_ref()?;
        if Instant::now() >= current.expires_at {
            return None;
        }
        Some(CachedAccessToken {
            access: current.access.clone(),
            expires_at: current.expires_at_utc?,
        })
    }

    /// The credential this provider fetches tokens for.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Drops the cached access token (e.g. after the user changed the credential).
    pub async fn invalidate(&self) {
        self.state.lock().await.current = None;
    }

    /// For user credentials: the tokens as they stand now, after any refresh, so the app
    /// can store the rotated refresh token. `None` for server-to-server credentials.
    pub async fn user_tokens(&self) -> Option<UserTokenSnapshot> {
        if !matches!(self.credential, Credential::UserTokens { .. }) {
            return None;
        }
        let state = self.state.lock().await;
        let current = state.current.as_ref()?;
        Some(UserTokenSnapshot {
            access: current.access.clone(),
            refresh: state.refresh.clone(),
            expires_at: current.expires_at_utc,
        })
    }

    /// The IMS client this provider uses.
    pub fn ims(&self) -> &ImsClient {
        &self.ims
    }
}

fn sign_in_again() -> PlatformError {
    PlatformError::new(
        ErrorCode::Unauthenticated,
        "The Adobe sign-in has expired and there is no refresh token.",
    )
    .with_hint("Sign in to Adobe again.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        let pkce = Pkce::from_verifier(Secret::from("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
            .unwrap();
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_pkce_is_valid_and_random() {
        let first = Pkce::generate();
        let second = Pkce::generate();
        assert_ne!(first.verifier().expose(), second.verifier().expose());
        assert_eq!(first.verifier().expose().len(), 64);
        let rebuilt = Pkce::from_verifier(first.verifier().clone()).unwrap();
        assert_eq!(rebuilt.challenge(), first.challenge());
        assert!(!format!("{first:?}").contains(first.verifier().expose()));
    }

    #[test]
    fn bad_verifiers_are_rejected() {
        assert!(Pkce::from_verifier(Secret::from("short")).is_err());
        assert!(Pkce::from_verifier(Secret::from("a".repeat(43) + " ")).is_err());
        assert!(Pkce::from_verifier(Secret::from("a".repeat(129))).is_err());
    }

    #[test]
    fn authorize_url_has_every_documented_parameter() {
        let ims = ImsClient::new(
            Url::parse("https://ims-na1.adobelogin.com").unwrap(),
            &Timeouts::default(),
            RetryPolicy::default(),
        )
        .unwrap();
        let url = ims
            .authorize_url(&AuthorizeRequest {
                client_id: "client-1".into(),
                redirect_uri: "https://localhost:8443/callback".into(),
                scopes: vec!["openid".into(), "AdobeID".into(), "offline_access".into()],
                state: "state-1".into(),
                code_challenge: "challenge-1".into(),
                prompt: None,
            })
            .unwrap();
        assert_eq!(url.path(), "/ims/authorize/v2");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected = [
            ("client_id", "client-1"),
            ("code_challenge", "challenge-1"),
            ("code_challenge_method", "S256"),
            ("redirect_uri", "https://localhost:8443/callback"),
            ("scope", "openid,AdobeID,offline_access"),
            ("state", "state-1"),
            ("response_type", "code"),
        ];
        assert_eq!(
            pairs,
            expected
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn random_state_is_url_safe() {
        let state = random_state();
        assert_eq!(state.len(), 43);
        assert!(state
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'));
    }

    #[tokio::test]
    async fn a_seeded_token_is_used_without_minting_and_read_back() {
        let ims = ImsClient::new(
            // Nothing listens here: a token request would fail the test.
            Url::parse("http://127.0.0.1:9").unwrap(),
            &Timeouts::default(),
            RetryPolicy::default(),
        )
        .unwrap();
        let provider = TokenProvider::new(
            ims,
            Credential::server_to_server("client-1", Secret::from("secret-1")),
        );
        assert!(provider.cached_access_token().await.is_none());
        let expired = chrono::Utc::now() - chrono::Duration::seconds(5);
        assert!(
            !provider
                .seed_access_token(Secret::from("old-token"), expired)
                .await
        );
        assert!(provider.cached_access_token().await.is_none());
        let expires_at = chrono::Utc::now() + chrono::Duration::hours(20);
        assert!(
            provider
                .seed_access_token(Secret::from("seeded-token"), expires_at)
                .await
        );
        assert_eq!(provider.bearer().await.unwrap().expose(), "seeded-token");
        let cached = provider.cached_access_token().await.unwrap();
        assert_eq!(cached.access.expose(), "seeded-token");
        assert_eq!(cached.expires_at, expires_at);
        provider.invalidate().await;
        assert!(provider.cached_access_token().await.is_none());
    }

    #[tokio::test]
    async fn every_renewed_token_reaches_the_hook_before_it_is_used() {
        let sim = platform_sim::start(platform_sim::SimConfig::default())
            .await
            .unwrap();
        let config = sim.config().clone();
        let ims = ImsClient::new(
            Url::parse(&sim.base_url()).unwrap(),
            &Timeouts::default(),
            RetryPolicy::default(),
        )
        .unwrap();
        let provider = TokenProvider::new(
            ims,
            Credential::server_to_server(
                config.client_id.clone(),
                Secret::from(config.client_secret.clone()),
            ),
        );
        let kept = Arc::new(std::sync::Mutex::new(Vec::<RenewedTokens>::new()));
        let sink = kept.clone();
        assert!(provider.on_renewal(RenewalHook::new(move |renewed| {
            let sink = sink.clone();
            Box::pin(async move { sink.lock().unwrap().push(renewed) })
        })));
        assert!(!provider.on_renewal(RenewalHook::new(|_| Box::pin(async {}))));
        let first = provider.bearer().await.unwrap();
        assert_eq!(kept.lock().unwrap().len(), 1);
        assert_eq!(kept.lock().unwrap()[0].access, first);
        assert!(kept.lock().unwrap()[0].expires_at.is_some());
        assert!(kept.lock().unwrap()[0].refresh.is_none());
        // A cached token is not a renewal.
        provider.bearer().await.unwrap();
        assert_eq!(kept.lock().unwrap().len(), 1);
        provider.invalidate().await;
        let second = provider.bearer().await.unwrap();
        assert_eq!(kept.lock().unwrap().len(), 2);
        assert_eq!(kept.lock().unwrap()[1].access, second);
    }

    #[test]
    fn renewal_margin_is_bounded() {
        assert_eq!(
            renewal_margin(Duration::from_secs(86399)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
    }
}
