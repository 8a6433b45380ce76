//! [`Connector`]: connections made, saved, used and removed; secrets in a vault.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use platform::{
    AuthorizeRequest, Client, ClientConfig, Credential, ErrorCode, ImsClient, Pkce, PlatformError,
    RenewalHook, RenewedTokens, RetryPolicy, Secret, Timeouts, TokenProvider,
};

use crate::error::{ConnectError, Field, FieldError, FieldProblem, Result};
use crate::input::{
    check_client_id, check_label, check_org_id, check_scopes, Endpoints, ServerToServerCredential,
    DEFAULT_SIGN_IN_SCOPES,
};
use crate::sign_in::{
    same_redirect_target, CancelHandle, LoopbackListener, Opener, PendingRedirect, RedirectParams,
    RedirectStyle, SignInRequest,
};
use crate::store::{AuthMethod, Connection, ConnectionId, ConnectionStore, Storage};
use crate::vault::{
    run_blocking, SecretKind, SecretVault, SessionVault, SharedVault, StoredSecret,
};

/// The sandbox sent while no sandbox is chosen; calls made before the choice (the
/// sandbox list) do not send a sandbox header at all.
const DEFAULT_SANDBOX: &str = "prod";

/// A sandbox the connection can use, for the sandbox picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxSummary {
    /// The name that goes into `x-sandbox-name`.
    pub name: String,
    /// Display title.
    pub title: Option<String>,
    /// `production` or `development`.
    #[serde(rename = "type")]
    pub sandbox_type: Option<String>,
    /// Data-centre region, e.g. `VA7`.
    pub region: Option<String>,
    /// `active`, `creating`, ...; only active sandboxes can be used.
    pub state: Option<String>,
    /// The organization's default sandbox.
    pub is_default: bool,
}

/// An organization the signed-in user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgSummary {
    /// `...@AdobeOrg`.
    pub org_id: String,
    /// Display name.
    pub name: Option<String>,
    /// e.g. `Enterprise`.
    pub org_type: Option<String>,
}

/// The result of a server-to-server connect.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    /// The saved connection (now the current one).
    pub connection: Connection,
    /// The sandboxes it can use (the check that the org has Experience Platform).
    pub sandboxes: Vec<SandboxSummary>,
}

/// The result of a user sign-in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    /// The saved connection (now the current one). `orgId` is set when the user has
    /// exactly one organization; otherwise call [`Connector::select_org`].
    pub connection: Connection,
    /// The user's organizations (empty when `read_organizations` was not granted).
    pub organizations: Vec<OrgSummary>,
    /// Whether IMS granted a refresh token (`offline_access`): without one the user
    /// signs in again when the access token expires (IMS default: 24 hours).
    pub refreshable: bool,
}

/// What sign-out did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignOutReport {
    /// The connection removed.
    pub connection_id: ConnectionId,
    /// How many tokens IMS revoked.
    pub tokens_revoked: usize,
    /// Why a revocation failed (network, ...), when one did; the connection and its
    /// secrets are removed anyway, and the tokens expire by themselves.
    pub revoke_error: Option<PlatformError>,
}

/// The secrets a connection has, for the UI's masked display ("•••• stored").
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStatus {
    /// Where they are kept.
    pub storage: Storage,
    /// The client secret is stored (server-to-server).
    pub client_secret: bool,
    /// A refresh token is stored (user sign-in).
    pub refresh_token: bool,
    /// A cached access token and its expiry, when stored.
    pub access_token_expires_at: Option<DateTime<Utc>>,
}

/// The connection layer the app and the CLI share. Cheap to share (`Arc<Connector>`);
/// every method takes `&self`.
#[derive(Debug)]
pub struct Connector {
    /// Shared with each token cache's renewal hook, which checks that its
    /// connection still exists before and after storing a token.
    store: Arc<ConnectionStore>,
    keychain: Option<SharedVault>,
    session_vault: SharedVault,
    /// Per connection in use: one token cache shared by every client of the connection,
    /// which stores each token it renews (see [`keep_renewed_tokens`]).
    sessions: tokio::sync::Mutex<HashMap<ConnectionId, Arc<TokenProvider>>>,
    pending: std::sync::Mutex<Option<PendingRedirect>>,
    timeouts: Timeouts,
}

impl Connector {
    /// A connector over `store`, keeping [`Storage::Keychain`] secrets in `keychain`
    /// (normally a [`KeychainVault`](crate::KeychainVault); `None` when there is none, then
    /// only session-only connections can be made) and [`Storage::SessionOnly`] secrets
    /// in memory.
    pub fn new(store: ConnectionStore, keychain: Option<SharedVault>) -> Self {
        Self {
            store: Arc::new(store),
            keychain,
            session_vault: Arc::new(SessionVault::new()),
            sessions: tokio::sync::Mutex::new(HashMap::new()),
            pending: std::sync::Mutex::new(None),
            timeouts: Timeouts::default(),
        }
    }

    /// Uses `timeouts` for every Adobe call.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The saved-connections store.
    pub fn store(&self) -> &ConnectionStore {
        &self.store
    }

    /// Every saved connection.
    ///
    /// # Errors
    /// `store_failed`, `store_corrupt`.
    pub fn connections(&self) -> Result<Vec<Connection>> {
        self.store.list()
    }

    /// The connection in use.
    ///
    /// # Errors
    /// `store_failed`, `store_corrupt`.
    pub fn current(&self) -> Result<Option<Connection>> {
        self.store.current()
    }

    /// Switches to another saved connection.
    ///
    /// # Errors
    /// `connection_not_found`, `store_failed`, `store_corrupt`.
    pub fn switch_to(&self, id: &ConnectionId) -> Result<Connection> {
        self.store.set_current(id)
    }

    /// The vault for `storage`, checked to answer (before anything is sent to Adobe).
    async fn usable_vault(&self, storage: Storage) -> Result<SharedVault> {
        let vault = self.vault(storage)?;
        let probed = vault.clone();
        run_blocking(move || probed.probe()).await?;
        Ok(vault)
    }

    fn vault(&self, storage: Storage) -> Result<SharedVault> {
        match storage {
            Storage::SessionOnly => Ok(self.session_vault.clone()),
            Storage::Keychain => {
                self.keychain
                    .clone()
                    .ok_or_else(|| ConnectError::KeychainUnavailable {
                        detail: "no keychain was configured for this app".into(),
                    })
            }
        }
    }

    fn ims_client(&self, endpoints: &Endpoints) -> Result<ImsClient> {
        ImsClient::new(
            endpoints.ims_base().clone(),
            &self.timeouts,
            RetryPolicy::default(),
        )
        .map_err(ConnectError::Platform)
    }

    fn client_with(
        &self,
        endpoints: &Endpoints,
        org_id: &str,
        sandbox: &str,
        tokens: Arc<TokenProvider>,
    ) -> Result<Client> {
        let mut config = ClientConfig::new(
            endpoints.ims_base().clone(),
            endpoints.platform_base().clone(),
            org_id,
            sandbox,
            tokens.credential().clone(),
        );
        config.timeouts = self.timeouts.clone();
        Client::with_token_provider(config, tokens).map_err(ConnectError::Platform)
    }

    /// OAuth Server-to-Server: gets a token from IMS, checks that the organization has
    /// Experience Platform (lists its sandboxes), then saves the connection and its
    /// secrets. Connecting again with the same client id, org and endpoints updates that
    /// connection instead of adding another.
    ///
    /// # Errors
    /// `wrong_client_secret`, `unknown_client_id`, `scope_rejected`, `org_mismatch`,
    /// `no_platform_access`, `invalid_input` (label), `keychain_unavailable`, Adobe's
    /// codes (`network`, `rate_limited`, ...). Nothing is saved on error.
    pub async fn connect_server_to_server(
        &self,
        endpoints: &Endpoints,
        credential: ServerToServerCredential,
        label: &str,
        storage: Storage,
    ) -> Result<Connected> {
        let mut errors = Vec::new();
        let fallback = if endpoints.is_practice() {
            format!("Practice ({})", credential.org_id())
        } else {
            credential.org_id().to_owned()
        };
        let label = check_label(label, &fallback, &mut errors);
        if !errors.is_empty() {
            return Err(ConnectError::InvalidInput(errors));
        }
        let vault = self.usable_vault(storage).await?;
        let tokens = Arc::new(TokenProvider::new(
            self.ims_client(endpoints)?,
            credential.to_platform_credential(),
        ));
        tokens
            .bearer()
            .await
            .map_err(|error| classify(error, AuthMethod::ServerToServer, credential.org_id()))?;
        let client = self.client_with(
            endpoints,
            credential.org_id(),
            DEFAULT_SANDBOX,
            tokens.clone(),
        )?;
        let sandboxes = list_sandboxes_with(&client, AuthMethod::ServerToServer).await?;

        let existing = self.store.list()?.into_iter().find(|known| {
            known.method == AuthMethod::ServerToServer
                && known.client_id == credential.client_id()
                && known.org_id.as_deref() == Some(credential.org_id())
                && known.endpoints == *endpoints
        });
        let now = Utc::now();
        let connection = Connection {
            id: existing
                .as_ref()
                .map_or_else(ConnectionId::generate, |known| known.id.clone()),
            label,
            method: AuthMethod::ServerToServer,
            client_id: credential.client_id().to_owned(),
            org_id: Some(credential.org_id().to_owned()),
            org_name: None,
            scopes: credential.scopes().to_vec(),
            endpoints: endpoints.clone(),
            practice: endpoints.is_practice(),
            storage,
            last_sandbox: existing
                .as_ref()
                .and_then(|known| known.last_sandbox.clone()),
            redirect_uri: None,
            created_at: existing.as_ref().map_or(now, |known| known.created_at),
            connected_at: now,
        };
        if let Some(existing) = &existing {
            if existing.storage != storage {
                // Moving between keychain and session: the old place must not keep a copy.
                self.delete_secrets(&existing.id, existing.storage).await?;
            }
        }
        let id = connection.id.clone();
        store_secret(
            &vault,
            &id,
            SecretKind::ClientSecret,
            StoredSecret::new(credential.client_secret().clone()),
        )
        .await?;
        store_cached_access_token(&vault, &id, &tokens).await?;
        self.store.save(connection.clone())?;
        keep_renewed_tokens(&tokens, vault, self.store.clone(), id.clone());
        self.sessions.lock().await.insert(id, tokens);
        tracing::info!(
            practice = connection.practice,
            sandboxes = sandboxes.len(),
            "connected with OAuth server-to-server"
        );
        Ok(Connected {
            connection,
            sandboxes,
        })
    }

    /// Replaces a server-to-server connection's client secret (after a rotation in
    /// Developer Console): checks the new one with IMS first, then stores it.
    ///
    /// # Errors
    /// `invalid_input`, `wrong_client_secret`, `wrong_connection_kind`, keychain and
    /// store codes.
    pub async fn replace_client_secret(
        &self,
        id: &ConnectionId,
        client_secret: Secret,
    ) -> Result<Connection> {
        let connection = self.store.get(id)?;
        if connection.method != AuthMethod::ServerToServer {
            return Err(ConnectError::WrongConnectionKind);
        }
        let credential = crate::ServerToServerInput {
            client_id: connection.client_id.clone(),
            client_secret,
            org_id: connection.org_id.clone().unwrap_or_default(),
            scopes: Some(connection.scopes.join(",")),
        }
        .validate()
        .map_err(ConnectError::InvalidInput)?;
        let tokens = Arc::new(TokenProvider::new(
            self.ims_client(&connection.endpoints)?,
            credential.to_platform_credential(),
        ));
        tokens
            .bearer()
            .await
            .map_err(|error| classify(error, AuthMethod::ServerToServer, credential.org_id()))?;
        let vault = self.vault(connection.storage)?;
        store_secret(
            &vault,
            id,
            SecretKind::ClientSecret,
            StoredSecret::new(credential.client_secret().clone()),
        )
        .await?;
        store_cached_access_token(&vault, id, &tokens).await?;
        keep_renewed_tokens(&tokens, vault, self.store.clone(), id.clone());
        self.sessions.lock().await.insert(id.clone(), tokens);
        self.store
            .update(id, |connection| connection.connected_at = Utc::now())
    }

    /// The token cache of a connection, built from the vault on first use.
    async fn tokens(&self, connection: &Connection) -> Result<Arc<TokenProvider>> {
        let mut sessions = self.sessions.lock().await;
        if let Some(tokens) = sessions.get(&connection.id) {
            return Ok(tokens.clone());
        }
        let vault = self.vault(connection.storage)?;
        let id = &connection.id;
        let access = load_secret(&vault, id, SecretKind::AccessToken).await?;
        let ims = self.ims_client(&connection.endpoints)?;
        let provider = match connection.method {
            AuthMethod::ServerToServer => {
                let secret = load_secret(&vault, id, SecretKind::ClientSecret)
                    .await?
                    .ok_or(ConnectError::SecretMissing(SecretKind::ClientSecret))?;
                let provider = TokenProvider::new(
                    ims,
                    Credential::ServerToServer {
                        client_id: connection.client_id.clone(),
                        client_secret: secret.value,
                        scopes: connection.scopes.clone(),
                    },
                );
                if let Some(StoredSecret {
                    value,
                    expires_at: Some(expires_at),
                }) = access
                {
                    provider.seed_access_token(value, expires_at).await;
                }
                provider
            }
            AuthMethod::UserSignIn => {
                let refresh = load_secret(&vault, id, SecretKind::RefreshToken)
                    .await?
                    .map(|stored| stored.value);
                let usable_access = access
                    .filter(|stored| stored.expires_at.is_none_or(|expires| expires > Utc::now()));
                if refresh.is_none() && usable_access.is_none() {
                    return Err(ConnectError::SessionExpired(None));
                }
                // With only a refresh token, an already-expired placeholder makes the
                // provider refresh on first use.
                let (access_value, expires_at) = match usable_access {
                    Some(stored) => (stored.value, stored.expires_at),
                    None => (Secret::from(""), Some(Utc::now())),
                };
                TokenProvider::new(
                    ims,
                    Credential::UserTokens {
                        client_id: connection.client_id.clone(),
                        access: access_value,
                        refresh,
                        expires_at,
                    },
                )
            }
        };
        let tokens = Arc::new(provider);
        keep_renewed_tokens(&tokens, vault, self.store.clone(), id.clone());
        sessions.insert(id.clone(), tokens.clone());
        Ok(tokens)
    }

    /// A Platform client for a saved connection and sandbox, with its secrets from the
    /// vault. Every client of one connection shares one token cache, seeded from the
    /// stored access token: no new token is minted while the stored one is valid, and an
    /// expired or rejected one is renewed (client secret, or refresh token), and every
    /// renewed token (and rotated refresh token) is stored in the vault as it arrives,
    /// before the client uses it: callers have nothing to save.
    ///
    /// # Errors
    /// `connection_not_found`, `org_not_chosen`, `secret_missing`, `session_expired`,
    /// keychain codes.
    pub async fn client_for(&self, id: &ConnectionId, sandbox: &str) -> Result<Client> {
        let connection = self.store.get(id)?;
        let org_id = connection
            .org_id
            .clone()
            .ok_or(ConnectError::OrgNotChosen)?;
        let sandbox = check_sandbox(sandbox)?;
        let tokens = self.tokens(&connection).await?;
        self.client_with(&connection.endpoints, &org_id, &sandbox, tokens)
    }

    /// The sandboxes the connection can use (all states; offer only `active` ones).
    ///
    /// # Errors
    /// `no_platform_access` when none is active, `org_mismatch`, `session_expired`,
    /// `wrong_client_secret`, `org_not_chosen`, Adobe's codes.
    pub async fn list_sandboxes(&self, id: &ConnectionId) -> Result<Vec<SandboxSummary>> {
        let connection = self.store.get(id)?;
        let sandbox = connection
            .last_sandbox
            .clone()
            .unwrap_or_else(|| DEFAULT_SANDBOX.to_owned());
        let client = self.client_for(id, &sandbox).await?;
        list_sandboxes_with(&client, connection.method).await
    }

    /// The organizations the connection can work in: for a user sign-in, the user's
    /// organizations from IMS; for server-to-server, the credential's one organization.
    ///
    /// # Errors
    /// `scope_missing` (no `read_organizations`), `session_expired`, Adobe's codes.
    pub async fn list_orgs(&self, id: &ConnectionId) -> Result<Vec<OrgSummary>> {
        let connection = self.store.get(id)?;
        if connection.method == AuthMethod::ServerToServer {
            return Ok(connection
                .org_id
                .iter()
                .map(|org_id| OrgSummary {
                    org_id: org_id.clone(),
                    name: connection.org_name.clone(),
                    org_type: None,
                })
                .collect());
        }
        let tokens = self.tokens(&connection).await?;
        user_organizations(&tokens).await
    }

    /// Chooses the organization of a user sign-in connection. When the user's
    /// organizations can be listed, it must be one of them.
    ///
    /// # Errors
    /// `invalid_input`, `org_not_available`, `wrong_connection_kind`, `session_expired`.
    pub async fn select_org(&self, id: &ConnectionId, org_id: &str) -> Result<Connection> {
        let connection = self.store.get(id)?;
        if connection.method != AuthMethod::UserSignIn {
            return Err(ConnectError::WrongConnectionKind);
        }
        let mut errors = Vec::new();
        let org_id = check_org_id(org_id, &mut errors);
        if !errors.is_empty() {
            return Err(ConnectError::InvalidInput(errors));
        }
        let org_name = match self.list_orgs(id).await {
            Ok(organizations) => Some(
                organizations
                    .into_iter()
                    .find(|org| org.org_id == org_id)
                    .ok_or_else(|| ConnectError::OrgNotAvailable(org_id.clone()))?
                    .name,
            ),
            // Without read_organizations the list cannot be had; the org is then taken
            // as typed, and Platform says whether it is right.
            Err(ConnectError::ScopeMissing { .. }) => None,
            Err(error) => return Err(error),
        };
        self.store.update(id, |connection| {
            if connection.org_id.as_deref() != Some(org_id.as_str()) {
                connection.last_sandbox = None;
            }
            connection.org_id = Some(org_id);
            connection.org_name = org_name.flatten();
        })
    }

    /// Remembers the sandbox chosen for a connection.
    ///
    /// # Errors
    /// `invalid_input`, `connection_not_found`, store codes.
    pub fn set_last_sandbox(&self, id: &ConnectionId, sandbox: &str) -> Result<Connection> {
        let sandbox = check_sandbox(sandbox)?;
        self.store
            .update(id, |connection| connection.last_sandbox = Some(sandbox))
    }

    /// Which secrets a connection has stored (for the masked display).
    ///
    /// # Errors
    /// `connection_not_found`, keychain codes.
    pub async fn secret_status(&self, id: &ConnectionId) -> Result<SecretStatus> {
        let connection = self.store.get(id)?;
        let vault = self.vault(connection.storage)?;
        Ok(SecretStatus {
            storage: connection.storage,
            client_secret: load_secret(&vault, id, SecretKind::ClientSecret)
                .await?
                .is_some(),
            refresh_token: load_secret(&vault, id, SecretKind::RefreshToken)
                .await?
                .is_some(),
            access_token_expires_at: load_secret(&vault, id, SecretKind::AccessToken)
                .await?
                .and_then(|stored| stored.expires_at),
        })
    }

    /// Signs out: revokes the tokens where IMS allows it (the refresh and access token of
    /// a user sign-in; the cached access token of a server-to-server credential), deletes
    /// the connection's keychain entries and removes it from the list. A failed
    /// revocation (e.g. offline) does not stop the rest; it is reported.
    ///
    /// # Errors
    /// `keychain_unavailable` when the secrets cannot be deleted (the connection is
    /// then kept, so nothing is left behind silently), store codes.
    pub async fn sign_out(&self, id: &ConnectionId) -> Result<SignOutReport> {
        let connection = self.store.get(id)?;
        let vault = self.vault(connection.storage)?;
        let mut tokens_to_revoke: Vec<Secret> = Vec::new();
        if let Some(tokens) = self.sessions.lock().await.remove(id) {
            match connection.method {
                AuthMethod::ServerToServer => {
                    if let Some(cached) = tokens.cached_access_token().await {
                        tokens_to_revoke.push(cached.access);
                    }
                }
                AuthMethod::UserSignIn => {
                    if let Some(snapshot) = tokens.user_tokens().await {
                        tokens_to_revoke.extend(snapshot.refresh);
                        tokens_to_revoke.push(snapshot.access);
                    }
                }
            }
        }
        for kind in [SecretKind::RefreshToken, SecretKind::AccessToken] {
            if let Some(stored) = load_secret(&vault, id, kind).await? {
                if stored.expires_at.is_none_or(|expires| expires > Utc::now())
                    && !tokens_to_revoke.contains(&stored.value)
                {
                    tokens_to_revoke.push(stored.value);
                }
            }
        }
        tokens_to_revoke.retain(|token| !token.is_empty());
        let mut tokens_revoked = 0;
        let mut revoke_error = None;
        let ims = self.ims_client(&connection.endpoints)?;
        for token in &tokens_to_revoke {
            match ims.revoke(&connection.client_id, token).await {
                Ok(()) => tokens_revoked += 1,
                Err(error) => {
                    tracing::warn!(code = %error.code(), "token revocation failed");
                    revoke_error = Some(error);
                }
            }
        }
        self.delete_secrets(id, connection.storage).await?;
        self.store.remove(id)?;
        // A client made before the sign-out (a refresh or background check under way)
        // may have stored a renewed token between the deletion and the removal; once
        // the connection is gone its renewal hook deletes what it stores itself
        // (`store_renewed_tokens`), so one of the two always comes last.
        if let Err(error) = self.delete_secrets(id, connection.storage).await {
            tracing::warn!(code = %error.code(), "a token stored during the sign-out was not deleted");
        }
        tracing::info!(tokens_revoked, "signed out");
        Ok(SignOutReport {
            connection_id: id.clone(),
            tokens_revoked,
            revoke_error,
        })
    }

    async fn delete_secrets(&self, id: &ConnectionId, storage: Storage) -> Result<()> {
        delete_secret_kinds(&self.vault(storage)?, id, &SecretKind::ALL).await
    }

    /// "Sign in with Adobe": authorization code with PKCE (S256). Opens the authorize URL
    /// with `opener`, waits for the redirect (loopback listener, or
    /// [`Connector::complete_redirect`] for a custom scheme) until `request.timeout` or
    /// `cancel`, checks `state`, exchanges the code, lists the user's organizations, and
    /// saves the connection with its tokens in the vault.
    ///
    /// # Errors
    /// `invalid_input`, `state_mismatch`, `cancelled`, `timed_out`, `access_denied`,
    /// `scope_rejected`, `authorization_failed`, `redirect_invalid`,
    /// `loopback_unavailable`, `browser_unavailable`, `unknown_client_id`,
    /// `session_expired` (code refused), keychain codes. Nothing is saved on error.
    pub async fn sign_in(
        &self,
        request: SignInRequest,
        opener: Opener,
        cancel: CancelHandle,
    ) -> Result<SignedIn> {
        let mut errors = Vec::new();
        let client_id = check_client_id(&request.client_id, &mut errors);
        // Blank stays blank here; the fallback needs the organization, known later.
        let typed_label = check_label(&request.label, "", &mut errors);
        let scopes = check_scopes(
            request.scopes.as_deref(),
            DEFAULT_SIGN_IN_SCOPES,
            &mut errors,
        );
        if let RedirectStyle::CustomScheme { redirect_uri } = &request.redirect {
            if redirect_uri.query().is_some() || redirect_uri.fragment().is_some() {
                errors.push(FieldError::new(
                    Field::RedirectUri,
                    FieldProblem::WrongFormat,
                    "Use the redirect URI registered for the credential, without a query.",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ConnectError::InvalidInput(errors));
        }
        let vault = self.usable_vault(request.storage).await?;
        let ims = self.ims_client(&request.endpoints)?;
        let pkce = Pkce::generate();
        let state = platform::ims::random_state();

        enum Receiver {
            Loopback(LoopbackListener),
            Deep(tokio::sync::oneshot::Receiver<RedirectParams>),
        }
        let (redirect_uri, receiver) = match &request.redirect {
            RedirectStyle::Loopback { port } => {
                let listener = LoopbackListener::bind(*port).await?;
                (
                    listener.redirect_uri().to_owned(),
                    Receiver::Loopback(listener),
                )
            }
            RedirectStyle::CustomScheme { redirect_uri } => {
                let (sender, receiver) = tokio::sync::oneshot::channel();
                // A newer sign-in replaces a forgotten older one; the older one's
                // receiver then ends as cancelled.
                *self.pending_slot() = Some(PendingRedirect {
                    redirect_uri: redirect_uri.clone(),
                    sender,
                });
                (redirect_uri.to_string(), Receiver::Deep(receiver))
            }
        };
        let authorize = ims
            .authorize_url(&AuthorizeRequest {
                client_id: client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                scopes: scopes.clone(),
                state: state.clone(),
                code_challenge: pkce.challenge().to_owned(),
                prompt: None,
            })
            .map_err(ConnectError::Platform)?;
        let waited = async {
            // Launchers may wait a moment to see whether the browser started.
            let url = authorize.clone();
            tokio::task::spawn_blocking(move || opener(&url))
                .await
                .map_err(|error| ConnectError::BrowserUnavailable {
                    detail: error.to_string(),
                })?
                .map_err(|error| ConnectError::BrowserUnavailable {
                    detail: error.to_string(),
                })?;
            tracing::info!("sign-in opened in the browser; waiting for the redirect");
            match receiver {
                Receiver::Loopback(listener) => Ok(listener.receive(&state).await),
                Receiver::Deep(receiver) => receiver.await.map_err(|_| ConnectError::Cancelled),
            }
        };
        let outcome = tokio::select! {
            outcome = waited => outcome,
            () = cancel.cancelled() => Err(ConnectError::Cancelled),
            () = tokio::time::sleep(request.timeout) => Err(ConnectError::TimedOut {
                seconds: request.timeout.as_secs(),
            }),
        };
        if matches!(request.redirect, RedirectStyle::CustomScheme { .. }) {
            let mut slot = self.pending_slot();
            if slot
                .as_ref()
                .is_some_and(|pending| pending.sender.is_closed())
            {
                *slot = None;
            }
        }
        let code = outcome?.check(&state)?;

        let grant = ims
            .exchange_code(&client_id, &code, pkce.verifier(), Some(&redirect_uri))
            .await
            .map_err(|error| classify(error, AuthMethod::UserSignIn, ""))?;
        let expires_at = Utc::now()
            + chrono::Duration::from_std(grant.expires_in).unwrap_or(chrono::Duration::hours(1));
        let refreshable = grant.refresh_token.is_some();
        let tokens = Arc::new(TokenProvider::new(
            ims,
            Credential::UserTokens {
                client_id: client_id.clone(),
                access: grant.access_token.clone(),
                refresh: grant.refresh_token.clone(),
                expires_at: Some(expires_at),
            },
        ));
        let organizations = if scopes.iter().any(|scope| scope == "read_organizations") {
            match user_organizations(&tokens).await {
                Ok(organizations) => organizations,
                Err(ConnectError::ScopeMissing { .. }) => Vec::new(),
                Err(error) => return Err(error),
            }
        } else {
            Vec::new()
        };
        let only_org = match organizations.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        let label = if typed_label.is_empty() {
            only_org
                .as_ref()
                .and_then(|org| org.name.clone())
                .unwrap_or_else(|| "Adobe sign-in".to_owned())
        } else {
            typed_label
        };
        let now = Utc::now();
        let connection = Connection {
            id: ConnectionId::generate(),
            label,
            method: AuthMethod::UserSignIn,
            client_id,
            org_id: only_org.as_ref().map(|org| org.org_id.clone()),
            org_name: only_org.and_then(|org| org.name),
            scopes,
            endpoints: request.endpoints.clone(),
            practice: request.endpoints.is_practice(),
            storage: request.storage,
            last_sandbox: None,
            redirect_uri: Some(redirect_uri),
            created_at: now,
            connected_at: now,
        };
        let id = connection.id.clone();
        if let Some(refresh) = &grant.refresh_token {
            store_secret(
                &vault,
                &id,
                SecretKind::RefreshToken,
                StoredSecret::new(refresh.clone()),
            )
            .await?;
        }
        store_secret(
            &vault,
            &id,
            SecretKind::AccessToken,
            StoredSecret::expiring(grant.access_token.clone(), expires_at),
        )
        .await?;
        self.store.save(connection.clone())?;
        keep_renewed_tokens(&tokens, vault, self.store.clone(), id.clone());
        self.sessions.lock().await.insert(id, tokens);
        tracing::info!(
            practice = connection.practice,
            organizations = organizations.len(),
            refreshable,
            "signed in with Adobe"
        );
        Ok(SignedIn {
            connection,
            organizations,
            refreshable,
        })
    }

    /// For [`RedirectStyle::CustomScheme`]: the app's deep-link handler passes every URL
    /// it receives for the registered scheme. The waiting [`Connector::sign_in`] checks
    /// it (`state`, `code` or `error`) and goes on.
    ///
    /// # Errors
    /// `no_sign_in_pending`; `redirect_invalid` when the URL is not addressed to the
    /// waiting sign-in's redirect URI (the sign-in keeps waiting).
    pub fn complete_redirect(&self, url: &Url) -> Result<()> {
        let mut slot = self.pending_slot();
        let Some(pending) = slot.take() else {
            return Err(ConnectError::NoSignInPending);
        };
        if !same_redirect_target(&pending.redirect_uri, url) {
            *slot = Some(pending);
            return Err(ConnectError::RedirectInvalid {
                detail: "it is not addressed to this app's sign-in redirect URI".into(),
            });
        }
        pending
            .sender
            .send(RedirectParams::from_url(url))
            .map_err(|_| ConnectError::NoSignInPending)
    }

    fn pending_slot(&self) -> std::sync::MutexGuard<'_, Option<PendingRedirect>> {
        // Every holder replaces or takes the whole value; a poisoned lock still holds a
        // consistent one.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A sandbox name by Adobe's rule (`platform::models::SandboxName::parse`, the one place
/// it is kept), as a field error the UI can show next to the sandbox.
fn check_sandbox(sandbox: &str) -> Result<String> {
    use platform::models::{SandboxName, SandboxNameError};
    SandboxName::parse(sandbox)
        .map(SandboxName::into_inner)
        .map_err(|error| {
            let (problem, message) = match error {
                SandboxNameError::Empty => (FieldProblem::Empty, "Choose a sandbox.".to_owned()),
                SandboxNameError::TooLong => (
                    FieldProblem::TooLong,
                    "This is too long for a sandbox name.".to_owned(),
                ),
                SandboxNameError::UpperCase => (
                    FieldProblem::WrongFormat,
                    "A sandbox name is all lower case: use the sandbox's name, not its title."
                        .to_owned(),
                ),
                SandboxNameError::InvalidCharacter(character) => (
                    FieldProblem::WrongFormat,
                    format!(
                        "A sandbox name has only lower-case letters, digits and '-', not {character:?}."
                    ),
                ),
                SandboxNameError::FirstNotALetter => (
                    FieldProblem::WrongFormat,
                    "A sandbox name begins with a letter.".to_owned(),
                ),
            };
            ConnectError::InvalidInput(vec![FieldError::new(Field::Sandbox, problem, message)])
        })
}

/// Stores the access token a new token cache holds, when it holds one with a known
/// expiry, so the next start can reuse it.
async fn store_cached_access_token(
    vault: &SharedVault,
    id: &ConnectionId,
    tokens: &TokenProvider,
) -> Result<()> {
    match tokens.cached_access_token().await {
        Some(cached) => {
            store_secret(
                vault,
                id,
                SecretKind::AccessToken,
                StoredSecret::expiring(cached.access, cached.expires_at),
            )
            .await
        }
        None => Ok(()),
    }
}

/// Makes `tokens` store every token it renews in `vault`: the access token (Adobe
/// throttles integrations that mint too many, so the next start reuses it) and, for a
/// user sign-in, the refresh token IMS may have rotated (the old one may stop working).
/// A failure to store does not fail the Adobe call that needed the token; it is logged,
/// and the next start asks IMS again. Nothing is kept for a connection signed out
/// meanwhile.
fn keep_renewed_tokens(
    tokens: &TokenProvider,
    vault: SharedVault,
    store: Arc<ConnectionStore>,
    id: ConnectionId,
) {
    let hook = RenewalHook::new(move |renewed: RenewedTokens| {
        let vault = vault.clone();
        let store = store.clone();
        let id = id.clone();
        Box::pin(async move {
            if let Err(error) = store_renewed_tokens(&vault, &store, &id, renewed).await {
                tracing::warn!(code = %error.code(), "a renewed token could not be stored");
            }
        })
    });
    // Each cache is made for one connection and gets its hook once, right here.
    if !tokens.on_renewal(hook) {
        tracing::error!("a token cache already stores its tokens elsewhere");
    }
}

/// Stores what a token cache renewed, unless its connection was signed out: a client
/// made before the sign-out may go on renewing with the secret it holds, and a token
/// kept then would outlive the connection in the keychain.
async fn store_renewed_tokens(
    vault: &SharedVault,
    store: &ConnectionStore,
    id: &ConnectionId,
    renewed: RenewedTokens,
) -> Result<()> {
    if signed_out(store, id) {
        tracing::info!("a token renewed after sign-out was not kept");
        return Ok(());
    }
    if !renewed.access.is_empty() {
        let stored = StoredSecret {
            value: renewed.access,
            expires_at: renewed.expires_at,
        };
        store_secret(vault, id, SecretKind::AccessToken, stored).await?;
        tracing::debug!("stored a renewed access token");
    }
    if let Some(refresh) = renewed.refresh {
        store_secret(
            vault,
            id,
            SecretKind::RefreshToken,
            StoredSecret::new(refresh),
        )
        .await?;
        tracing::debug!("stored the refresh token in use");
    }
    // Signed out while storing: sign-out's deletions may have come before this write.
    if signed_out(store, id) {
        delete_secret_kinds(
            vault,
            id,
            &[SecretKind::AccessToken, SecretKind::RefreshToken],
        )
        .await?;
        tracing::info!("a token renewed during sign-out was deleted again");
    }
    Ok(())
}

/// Whether the connection is gone from the list. An unreadable list says nothing
/// either way; the token is kept then, as before a sign-out.
fn signed_out(store: &ConnectionStore, id: &ConnectionId) -> bool {
    matches!(store.get(id), Err(ConnectError::ConnectionNotFound(_)))
}

async fn store_secret(
    vault: &SharedVault,
    id: &ConnectionId,
    kind: SecretKind,
    secret: StoredSecret,
) -> Result<()> {
    let vault = vault.clone();
    let id = id.clone();
    run_blocking(move || vault.set(&id, kind, &secret)).await
}

async fn delete_secret_kinds(
    vault: &SharedVault,
    id: &ConnectionId,
    kinds: &[SecretKind],
) -> Result<()> {
    for &kind in kinds {
        let vault = vault.clone();
        let id = id.clone();
        run_blocking(move || vault.delete(&id, kind)).await?;
    }
    Ok(())
}

async fn load_secret(
    vault: &SharedVault,
    id: &ConnectionId,
    kind: SecretKind,
) -> Result<Option<StoredSecret>> {
    let vault: Arc<dyn SecretVault> = vault.clone();
    let id = id.clone();
    run_blocking(move || vault.get(&id, kind)).await
}

async fn list_sandboxes_with(client: &Client, method: AuthMethod) -> Result<Vec<SandboxSummary>> {
    let org_id = client.org_id().as_str().to_owned();
    let sandboxes = client
        .sandboxes()
        .list_available()
        .await
        .map_err(|error| classify(error, method, &org_id))?;
    if !sandboxes
        .iter()
        .any(platform::models::sandbox::Sandbox::is_active)
    {
        return Err(ConnectError::NoPlatformAccess {
            org_id,
            source: None,
        });
    }
    Ok(sandboxes.into_iter().map(SandboxSummary::from).collect())
}

impl From<platform::models::sandbox::Sandbox> for SandboxSummary {
    fn from(sandbox: platform::models::sandbox::Sandbox) -> Self {
        Self {
            name: sandbox.name.as_str().to_owned(),
            title: sandbox.title,
            sandbox_type: sandbox.sandbox_type,
            region: sandbox.region,
            state: sandbox.state,
            is_default: sandbox.is_default,
        }
    }
}

async fn user_organizations(tokens: &TokenProvider) -> Result<Vec<OrgSummary>> {
    async fn fetch(
        tokens: &TokenProvider,
    ) -> std::result::Result<Vec<platform::models::ims::Organization>, PlatformError> {
        let access = tokens.bearer().await?;
        tokens.ims().organizations(&access).await
    }
    let organizations = match fetch(tokens).await {
        // IMS calls carry the token themselves, so a token that expired early (or was
        // revoked) is dropped here and renewed once with the refresh token, as Platform
        // calls do.
        Err(error)
            if error.code() == ErrorCode::Unauthenticated
                && error.operation() == Some("ims.organizations") =>
        {
            tokens.invalidate().await;
            fetch(tokens).await
        }
        other => other,
    }
    .map_err(|error| classify(error, AuthMethod::UserSignIn, ""))?;
    Ok(organizations
        .into_iter()
        .map(|org| OrgSummary {
            org_id: org.org_id().as_str().to_owned(),
            name: org.org_name,
            org_type: org.org_type,
        })
        .collect())
}

/// Turns an Adobe error into the distinct codes the connect screens explain.
fn classify(error: PlatformError, method: AuthMethod, org_id: &str) -> ConnectError {
    let adobe_code = error.adobe_code().map(str::to_owned);
    match adobe_code.as_deref() {
        Some("invalid_client") if error.message().contains("client_id") => {
            ConnectError::UnknownClientId(error)
        }
        Some("invalid_client" | "unauthorized_client") => match method {
            AuthMethod::ServerToServer => ConnectError::WrongClientSecret(error),
            AuthMethod::UserSignIn => ConnectError::UnknownClientId(error),
        },
        Some("invalid_scope") => ConnectError::ScopeRejected(Some(error)),
        Some("insufficient_scope") => ConnectError::ScopeMissing {
            scope: "read_organizations".into(),
            source: error,
        },
        Some("invalid_grant" | "invalid_token") if method == AuthMethod::UserSignIn => {
            ConnectError::SessionExpired(Some(error))
        }
        Some("403025" | "403027") => ConnectError::OrgMismatch {
            org_id: org_id.to_owned(),
            source: error,
        },
        _ if method == AuthMethod::UserSignIn && error.code() == ErrorCode::Unauthenticated => {
            ConnectError::SessionExpired(Some(error))
        }
        _ if error.code() == ErrorCode::Forbidden
            && error
                .operation()
                .is_some_and(|operation| operation.starts_with("sandbox.")) =>
        {
            ConnectError::NoPlatformAccess {
                org_id: org_id.to_owned(),
                source: Some(error),
            }
        }
        _ => ConnectError::Platform(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{connection, temporary_dir};
    use crate::vault::{SessionVault, VaultError, VaultKind};

    /// A vault during whose every write the connection is signed out (removed from
    /// the list): the sign-out comes while a renewed token is being stored.
    #[derive(Debug)]
    struct SignedOutWhileStoring {
        inner: SessionVault,
        store: Arc<ConnectionStore>,
    }

    impl SecretVault for SignedOutWhileStoring {
        fn kind(&self) -> VaultKind {
            self.inner.kind()
        }
        fn get(
            &self,
            connection: &ConnectionId,
            kind: SecretKind,
        ) -> std::result::Result<Option<StoredSecret>, VaultError> {
            self.inner.get(connection, kind)
        }
        fn set(
            &self,
            connection: &ConnectionId,
            kind: SecretKind,
            secret: &StoredSecret,
        ) -> std::result::Result<(), VaultError> {
            self.inner.set(connection, kind, secret)?;
            self.store.remove(connection).unwrap();
            Ok(())
        }
        fn delete(
            &self,
            connection: &ConnectionId,
            kind: SecretKind,
        ) -> std::result::Result<(), VaultError> {
            self.inner.delete(connection, kind)
        }
    }

    fn renewed() -> RenewedTokens {
        RenewedTokens {
            access: Secret::from("renewed access"),
            expires_at: None,
            refresh: Some(Secret::from("rotated refresh")),
        }
    }

    #[tokio::test]
    async fn renewed_tokens_are_kept_only_while_the_connection_is_saved() {
        let store = Arc::new(ConnectionStore::new(temporary_dir("renewals")));
        let saved = connection("c1", "One");
        store.save(saved.clone()).unwrap();

        // Saved: both kept.
        let vault: SharedVault = Arc::new(SessionVault::new());
        store_renewed_tokens(&vault, &store, &saved.id, renewed())
            .await
            .unwrap();
        assert!(vault
            .get(&saved.id, SecretKind::AccessToken)
            .unwrap()
            .is_some());
        assert!(vault
            .get(&saved.id, SecretKind::RefreshToken)
            .unwrap()
            .is_some());

        // Signed out while storing: what was written is deleted again.
        let racing: SharedVault = Arc::new(SignedOutWhileStoring {
            inner: SessionVault::new(),
            store: store.clone(),
        });
        store_renewed_tokens(&racing, &store, &saved.id, renewed())
            .await
            .unwrap();
        for kind in SecretKind::ALL {
            assert!(racing.get(&saved.id, kind).unwrap().is_none(), "{kind:?}");
        }

        // Signed out before: nothing is written.
        let after: SharedVault = Arc::new(SessionVault::new());
        store_renewed_tokens(&after, &store, &saved.id, renewed())
            .await
            .unwrap();
        for kind in SecretKind::ALL {
            assert!(after.get(&saved.id, kind).unwrap().is_none(), "{kind:?}");
        }
    }
}
