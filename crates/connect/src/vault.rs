//! Where secrets live: the OS keychain ([`KeychainVault`]) or this process's memory
//! ([`SessionVault`]). Never a file.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use platform::Secret;

use crate::error::ConnectError;
use crate::store::ConnectionId;

/// The keychain service name entries are filed under.
pub const KEYCHAIN_SERVICE: &str = "chatlio-aep-setup";

/// How long a keychain operation may take before it counts as unavailable (a locked
/// keychain waiting for an unlock prompt nobody answers, a hung D-Bus).
pub(crate) const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The secrets a connection can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// The OAuth Server-to-Server client secret.
    ClientSecret,
    /// The user sign-in's refresh token.
    RefreshToken,
    /// The current access token and its expiry (cached so a restart does not mint a
    /// new one; Adobe throttles integrations that mint too many).
    AccessToken,
}

impl SecretKind {
    /// Every kind, for deleting a connection's secrets.
    pub const ALL: [SecretKind; 3] = [
        SecretKind::ClientSecret,
        SecretKind::RefreshToken,
        SecretKind::AccessToken,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "client_secret",
            Self::RefreshToken => "refresh_token",
            Self::AccessToken => "access_token",
        }
    }

    /// Words for messages.
    pub fn description(self) -> &'static str {
        match self {
            Self::ClientSecret => "client secret",
            Self::RefreshToken => "sign-in (refresh token)",
            Self::AccessToken => "access token",
        }
    }
}

/// A secret with its expiry, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// The value.
    pub value: Secret,
    /// When it stops working (access tokens).
    pub expires_at: Option<DateTime<Utc>>,
}

impl StoredSecret {
    /// A secret without expiry.
    pub fn new(value: Secret) -> Self {
        Self {
            value,
            expires_at: None,
        }
    }

    /// A secret that expires.
    pub fn expiring(value: Secret, expires_at: DateTime<Utc>) -> Self {
        Self {
            value,
            expires_at: Some(expires_at),
        }
    }
}

/// What a vault could not do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No keychain could be reached (no Secret Service, locked, no access).
    #[error("{0}")]
    Unavailable(String),
    /// The keychain answered but the operation failed.
    #[error("{0}")]
    Failed(String),
}

impl From<VaultError> for ConnectError {
    fn from(error: VaultError) -> Self {
        match error {
            VaultError::Unavailable(detail) => ConnectError::KeychainUnavailable { detail },
            VaultError::Failed(detail) => ConnectError::KeychainFailed { detail },
        }
    }
}

/// Which kind of vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultKind {
    /// The OS keychain.
    Keychain,
    /// This process's memory.
    Session,
}

/// Secret storage by connection id and kind. Implementations block (keychains talk to
/// a system service); the [`Connector`](crate::Connector) calls them on a blocking
/// thread with a timeout.
pub trait SecretVault: Send + Sync + fmt::Debug {
    /// Which kind of vault this is.
    fn kind(&self) -> VaultKind;
    /// Reads a secret; `None` when there is none.
    ///
    /// # Errors
    /// [`VaultError`] when the store cannot be used.
    fn get(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
    ) -> Result<Option<StoredSecret>, VaultError>;
    /// Stores or replaces a secret.
    ///
    /// # Errors
    /// [`VaultError`] when the store cannot be used.
    fn set(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
        secret: &StoredSecret,
    ) -> Result<(), VaultError>;
    /// Deletes a secret; deleting one that does not exist is not an error.
    ///
    /// # Errors
    /// [`VaultError`] when the store cannot be used.
    fn delete(&self, connection: &ConnectionId, kind: SecretKind) -> Result<(), VaultError>;
    /// Checks that the store can be used, without changing it; called before a connect or
    /// sign-in so the user is not sent through Adobe first and told afterwards.
    ///
    /// # Errors
    /// [`VaultError::Unavailable`] with the reason.
    fn probe(&self) -> Result<(), VaultError> {
        Ok(())
    }
}

/// Secrets in memory only, forgotten when the process ends: the "this session only"
/// choice when there is no keychain (and the test double for one).
#[derive(Debug, Default)]
pub struct SessionVault {
    entries: Mutex<HashMap<(ConnectionId, SecretKind), StoredSecret>>,
}

impl SessionVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(ConnectionId, SecretKind), StoredSecret>> {
        // A panic while holding the lock cannot leave the map half-changed (every
        // operation is one insert or remove), so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretVault for SessionVault {
    fn kind(&self) -> VaultKind {
        VaultKind::Session
    }

    fn get(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
    ) -> Result<Option<StoredSecret>, VaultError> {
        Ok(self.entries().get(&(connection.clone(), kind)).cloned())
    }

    fn set(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
        secret: &StoredSecret,
    ) -> Result<(), VaultError> {
        self.entries()
            .insert((connection.clone(), kind), secret.clone());
        Ok(())
    }

    fn delete(&self, connection: &ConnectionId, kind: SecretKind) -> Result<(), VaultError> {
        self.entries().remove(&(connection.clone(), kind));
        Ok(())
    }
}

/// The OS keychain through the `keyring` crate: Secret Service (D-Bus) on Linux,
/// Keychain on macOS, Credential Manager on Windows. One entry per connection and kind:
/// service [`KEYCHAIN_SERVICE`], account `<connection id>/<kind>`; the stored text is a
/// small JSON object with the value and, for access tokens, the expiry.
#[derive(Debug, Clone)]
pub struct KeychainVault {
    service: String,
}

impl Default for KeychainVault {
    fn default() -> Self {
        Self::new(KEYCHAIN_SERVICE)
    }
}

/// The text stored in a keychain entry.
#[derive(Deserialize)]
struct Payload {
    secret: Secret,
    #[serde(default, rename = "expiresAt")]
    expires_at: Option<DateTime<Utc>>,
}

impl KeychainVault {
    /// A vault filing entries under `service` (tests use their own service name).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, account).map_err(classify)
    }

    fn account(connection: &ConnectionId, kind: SecretKind) -> String {
        format!("{}/{}", connection.as_str(), kind.as_str())
    }
}

impl SecretVault for KeychainVault {
    fn kind(&self) -> VaultKind {
        VaultKind::Keychain
    }

    fn get(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
    ) -> Result<Option<StoredSecret>, VaultError> {
        let entry = self.entry(&Self::account(connection, kind))?;
        let text = match entry.get_password() {
            Ok(text) => Secret::new(text),
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(error) => return Err(classify(error)),
        };
        match serde_json::from_str::<Payload>(text.expose()) {
            Ok(payload) => Ok(Some(StoredSecret {
                value: payload.secret,
                expires_at: payload.expires_at,
            })),
            // An entry written by hand holds the bare value.
            Err(_) => Ok(Some(StoredSecret::new(text))),
        }
    }

    fn set(
        &self,
        connection: &ConnectionId,
        kind: SecretKind,
        secret: &StoredSecret,
    ) -> Result<(), VaultError> {
        let entry = self.entry(&Self::account(connection, kind))?;
        let mut payload = serde_json::json!({ "secret": secret.value.expose() });
        if let Some(expires_at) = secret.expires_at {
            payload["expiresAt"] = serde_json::json!(expires_at.to_rfc3339());
        }
        let text = Secret::new(payload.to_string());
        entry.set_password(text.expose()).map_err(classify)
    }

    /// Reads an entry that does not exist: the keychain answers without changing.
    fn probe(&self) -> Result<(), VaultError> {
        match self.entry("probe")?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }

    fn delete(&self, connection: &ConnectionId, kind: SecretKind) -> Result<(), VaultError> {
        let entry = self.entry(&Self::account(connection, kind))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }
}

/// Maps a keyring error without ever formatting a value that could hold a secret
/// (`BadEncoding` carries the stored bytes, `Ambiguous` the entries).
fn classify(error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            VaultError::Unavailable(inner.to_string())
        }
        keyring::Error::NoEntry => VaultError::Failed("no such entry".into()),
        keyring::Error::BadEncoding(_) => {
            VaultError::Failed("a stored entry is not UTF-8 text".into())
        }
        keyring::Error::TooLong(attribute, limit) => VaultError::Failed(format!(
            "the keychain limits {attribute} to {limit} characters"
        )),
        keyring::Error::Invalid(attribute, reason) => {
            VaultError::Failed(format!("invalid {attribute}: {reason}"))
        }
        keyring::Error::Ambiguous(entries) => VaultError::Failed(format!(
            "{} keychain entries match one secret; delete the duplicates",
            entries.len()
        )),
        _ => VaultError::Failed("unknown keychain error".into()),
    }
}

/// Checks that the OS keychain can be used, before offering to keep secrets in it.
///
/// # Errors
/// [`ConnectError::KeychainUnavailable`] (code `keychain_unavailable`) with a hint on
/// how to install or unlock one; the caller offers a session-only connection instead.
/// This never falls back to a file.
pub async fn probe_keychain() -> Result<(), ConnectError> {
    let vault = KeychainVault::default();
    run_blocking(move || vault.probe()).await
}

/// Runs a blocking vault operation on a blocking thread, bounded by
/// [`KEYCHAIN_TIMEOUT`].
pub(crate) async fn run_blocking<T, F>(operation: F) -> Result<T, ConnectError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, VaultError> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(operation);
    match tokio::time::timeout(KEYCHAIN_TIMEOUT, task).await {
        Ok(Ok(result)) => result.map_err(ConnectError::from),
        Ok(Err(join_error)) => Err(ConnectError::KeychainFailed {
            detail: format!("the keychain call stopped: {join_error}"),
        }),
        Err(_) => Err(ConnectError::KeychainUnavailable {
            detail: format!(
                "the keychain did not answer within {} seconds (is it locked?)",
                KEYCHAIN_TIMEOUT.as_secs()
            ),
        }),
    }
}

/// Shared handle type for vaults.
pub type SharedVault = Arc<dyn SecretVault>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_vault_stores_replaces_and_deletes() {
        let vault = SessionVault::new();
        let id = ConnectionId::from("c1");
        assert_eq!(vault.get(&id, SecretKind::ClientSecret).unwrap(), None);
        vault
            .set(
                &id,
                SecretKind::ClientSecret,
                &StoredSecret::new(Secret::from("one")),
            )
            .unwrap();
        vault
            .set(
                &id,
                SecretKind::ClientSecret,
                &StoredSecret::new(Secret::from("two")),
            )
            .unwrap();
        assert_eq!(
            vault
                .get(&id, SecretKind::ClientSecret)
                .unwrap()
                .unwrap()
                .value
                .expose(),
            "two"
        );
        assert_eq!(vault.get(&id, SecretKind::AccessToken).unwrap(), None);
        vault.delete(&id, SecretKind::ClientSecret).unwrap();
        vault.delete(&id, SecretKind::ClientSecret).unwrap();
        assert_eq!(vault.get(&id, SecretKind::ClientSecret).unwrap(), None);
        assert!(!format!("{vault:?}").contains("two"));
    }

    #[test]
    fn vault_errors_become_keychain_codes() {
        let unavailable: ConnectError = VaultError::Unavailable("no bus".into()).into();
        assert_eq!(unavailable.code().as_str(), "keychain_unavailable");
        assert!(unavailable.hint().contains("session only"));
        let failed: ConnectError = VaultError::Failed("x".into()).into();
        assert_eq!(failed.code().as_str(), "keychain_failed");
    }
}
