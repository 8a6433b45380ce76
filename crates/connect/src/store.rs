//! Saved connections: `connections.json` in the app's data folder. Never a secret: the
//! file holds ids, names, endpoints and choices; secrets are in a
//! [`SecretVault`](crate::SecretVault).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ConnectError, Result};
use crate::input::Endpoints;

/// The file name inside the data folder (as `storage::DataLayout::connections` has it).
pub use storage::CONNECTIONS_FILE;

/// The file format version this code writes and reads.
const FORMAT_VERSION: u32 = 1;

/// A saved connection's id (a random UUID; also the keychain account prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// A new random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ConnectionId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for ConnectionId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// How a connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// OAuth Server-to-Server (client credentials).
    ServerToServer,
    /// Sign in with Adobe (authorization code + PKCE).
    UserSignIn,
}

/// Where a connection's secrets are kept.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// The OS keychain: the connection works after a restart.
    Keychain,
    /// Memory only: after a restart the secret must be entered (or the user sign in)
    /// again.
    SessionOnly,
}

/// One saved connection, as stored and as shown in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Id.
    pub id: ConnectionId,
    /// Display name.
    pub label: String,
    /// How it authenticates.
    pub method: AuthMethod,
    /// Client id (not secret: it is sent as `x-api-key` with every call).
    pub client_id: String,
    /// Organization (`...@AdobeOrg`); for a user sign-in `None` until chosen.
    pub org_id: Option<String>,
    /// Organization name, when known.
    pub org_name: Option<String>,
    /// Scopes requested.
    pub scopes: Vec<String>,
    /// IMS and Platform base URLs.
    pub endpoints: Endpoints,
    /// True for the local simulator (practice mode).
    pub practice: bool,
    /// Where the secrets are.
    pub storage: Storage,
    /// The sandbox chosen last.
    pub last_sandbox: Option<String>,
    /// The redirect URI a user sign-in used.
    pub redirect_uri: Option<String>,
    /// When it was saved first.
    pub created_at: DateTime<Utc>,
    /// When it was connected or signed in last.
    pub connected_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoreFile {
    version: u32,
    current: Option<ConnectionId>,
    connections: Vec<Connection>,
}

/// `connections.json` in a data folder. Every change rewrites the file atomically and
/// durably (`storage::write_atomically`), so a crash leaves the old or the new list,
/// never a half-written one.
#[derive(Debug)]
pub struct ConnectionStore {
    path: PathBuf,
    /// Serializes read-modify-write cycles within this process (other processes:
    /// `storage::lock_for_change`).
    lock: Mutex<()>,
}

impl ConnectionStore {
    /// The store in `data_dir` (created on first write).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self::at(&storage::DataLayout::new(data_dir))
    }

    /// The store where `layout` keeps it.
    pub fn at(layout: &storage::DataLayout) -> Self {
        Self {
            path: layout.connections(),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every saved connection, in the order they were saved.
    ///
    /// # Errors
    /// `store_failed` / `store_corrupt`.
    pub fn list(&self) -> Result<Vec<Connection>> {
        let _guard = self.guard();
        Ok(self.read()?.connections)
    }

    /// One connection.
    ///
    /// # Errors
    /// `connection_not_found`, `store_failed`, `store_corrupt`.
    pub fn get(&self, id: &ConnectionId) -> Result<Connection> {
        self.list()?
            .into_iter()
            .find(|connection| connection.id == *id)
            .ok_or_else(|| ConnectError::ConnectionNotFound(id.to_string()))
    }

    /// The connection in use (the one switched to last), if any.
    ///
    /// # Errors
    /// `store_failed`, `store_corrupt`.
    pub fn current(&self) -> Result<Option<Connection>> {
        let _guard = self.guard();
        let file = self.read()?;
        Ok(file.current.and_then(|current| {
            file.connections
                .into_iter()
                .find(|connection| connection.id == current)
        }))
    }

    /// Makes `id` the connection in use.
    ///
    /// # Errors
    /// `connection_not_found`, `store_failed`, `store_corrupt`.
    pub fn set_current(&self, id: &ConnectionId) -> Result<Connection> {
        self.modify(|file| {
            let connection = file
                .connections
                .iter()
                .find(|connection| connection.id == *id)
                .cloned()
                .ok_or_else(|| ConnectError::ConnectionNotFound(id.to_string()))?;
            file.current = Some(id.clone());
            Ok(connection)
        })
    }

    /// Adds a connection, or replaces the one with the same id; makes it current.
    ///
    /// # Errors
    /// `store_failed`, `store_corrupt`.
    pub fn save(&self, connection: Connection) -> Result<()> {
        self.modify(|file| {
            file.current = Some(connection.id.clone());
            match file
                .connections
                .iter_mut()
                .find(|known| known.id == connection.id)
            {
                Some(known) => *known = connection,
                None => file.connections.push(connection),
            }
            Ok(())
        })
    }

    /// Changes one connection.
    ///
    /// # Errors
    /// `connection_not_found`, `store_failed`, `store_corrupt`.
    pub fn update(
        &self,
        id: &ConnectionId,
        change: impl FnOnce(&mut Connection),
    ) -> Result<Connection> {
        self.modify(|file| {
            let connection = file
                .connections
                .iter_mut()
                .find(|connection| connection.id == *id)
                .ok_or_else(|| ConnectError::ConnectionNotFound(id.to_string()))?;
            change(connection);
            Ok(connection.clone())
        })
    }

    /// Removes a connection; `None` when there was none with this id.
    ///
    /// # Errors
    /// `store_failed`, `store_corrupt`.
    pub fn remove(&self, id: &ConnectionId) -> Result<Option<Connection>> {
        self.modify(|file| {
            let position = file
                .connections
                .iter()
                .position(|connection| connection.id == *id);
            let removed = position.map(|position| file.connections.remove(position));
            if file.current.as_ref() == Some(id) {
                file.current = file
                    .connections
                    .last()
                    .map(|connection| connection.id.clone());
            }
            Ok(removed)
        })
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is the file, which every writer replaces atomically; a panic
        // elsewhere cannot leave it half-written.
        self.lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn modify<T>(&self, change: impl FnOnce(&mut StoreFile) -> Result<T>) -> Result<T> {
        let _guard = self.guard();
        // The CLI and the app change this file too: without the lock between processes
        // a connection saved by one while the other saves would be lost. Reads need no
        // lock: every write replaces the file whole.
        let _change = storage::lock_for_change(
            &self.path,
            storage::Permissions::Private,
            storage::DEFAULT_LOCK_WAIT,
        )
        .map_err(|error| match error {
            storage::LockError::Busy { .. } => ConnectError::StoreBusy {
                detail: error.to_string(),
            },
            storage::LockError::Failed { .. } => ConnectError::StoreFailed {
                detail: error.to_string(),
            },
        })?;
        let mut file = self.read()?;
        let result = change(&mut file)?;
        self.write(&file)?;
        Ok(result)
    }

    fn read(&self) -> Result<StoreFile> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StoreFile {
                    version: FORMAT_VERSION,
                    ..StoreFile::default()
                })
            }
            Err(error) => {
                return Err(ConnectError::StoreFailed {
                    detail: error.to_string(),
                })
            }
        };
        let file: StoreFile =
            serde_json::from_slice(&bytes).map_err(|error| ConnectError::StoreCorrupt {
                detail: error.to_string(),
            })?;
        if file.version != FORMAT_VERSION {
            return Err(ConnectError::StoreCorrupt {
                detail: format!(
                    "format version {} is not {FORMAT_VERSION}; a newer version of the app wrote it",
                    file.version
                ),
            });
        }
        Ok(file)
    }

    fn write(&self, file: &StoreFile) -> Result<()> {
        let mut bytes =
            serde_json::to_vec_pretty(file).map_err(|error| ConnectError::StoreFailed {
                detail: error.to_string(),
            })?;
        bytes.push(b'\n');
        // Private: the file names the user's organizations and credentials (never a
        // secret), which other users of the computer have no business reading.
        storage::write_atomically(&self.path, &bytes, storage::Permissions::Private).map_err(
            |error| ConnectError::StoreFailed {
                detail: error.to_string(),
            },
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A saved server-to-server connection, for tests here and in `connector`.
    pub(crate) fn connection(id: &str, label: &str) -> Connection {
        Connection {
            id: ConnectionId::from(id),
            label: label.into(),
            method: AuthMethod::ServerToServer,
            client_id: "client".into(),
            org_id: Some("A1@AdobeOrg".into()),
            org_name: None,
            scopes: vec!["openid".into()],
            endpoints: Endpoints::adobe().unwrap(),
            practice: false,
            storage: Storage::Keychain,
            last_sandbox: None,
            redirect_uri: None,
            created_at: Utc::now(),
            connected_at: Utc::now(),
        }
    }

    pub(crate) fn temporary_dir(name: &str) -> PathBuf {
        let directory = std::env::temp_dir().join(format!(
            "connect-store-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        fs::create_dir_all(&directory).unwrap();
        directory
    }

    #[test]
    fn connections_are_saved_switched_updated_and_removed() {
        let directory = temporary_dir("cycle");
        let store = ConnectionStore::new(&directory);
        assert!(store.list().unwrap().is_empty());
        assert!(store.current().unwrap().is_none());
        store.save(connection("a", "Org A")).unwrap();
        store.save(connection("b", "Org B")).unwrap();
        assert_eq!(store.current().unwrap().unwrap().label, "Org B");
        store.set_current(&ConnectionId::from("a")).unwrap();
        let reopened = ConnectionStore::new(&directory);
        assert_eq!(reopened.current().unwrap().unwrap().label, "Org A");
        let updated = reopened
            .update(&ConnectionId::from("b"), |connection| {
                connection.last_sandbox = Some("dev".into());
            })
            .unwrap();
        assert_eq!(updated.last_sandbox.as_deref(), Some("dev"));
        assert_eq!(
            store
                .get(&ConnectionId::from("b"))
                .unwrap()
                .last_sandbox
                .as_deref(),
            Some("dev")
        );
        assert!(store.remove(&ConnectionId::from("a")).unwrap().is_some());
        assert!(store.remove(&ConnectionId::from("a")).unwrap().is_none());
        assert_eq!(store.current().unwrap().unwrap().label, "Org B");
        assert_eq!(
            store
                .get(&ConnectionId::from("a"))
                .unwrap_err()
                .code()
                .as_str(),
            "connection_not_found"
        );
        let mut leftovers: Vec<_> = fs::read_dir(&directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        leftovers.sort();
        // The file, and the empty lock file the next change locks again.
        assert_eq!(
            leftovers,
            vec![
                std::ffi::OsString::from(CONNECTIONS_FILE),
                std::ffi::OsString::from(format!("{CONNECTIONS_FILE}.lock")),
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for path in [store.path().to_path_buf(), storage::lock_path(store.path())] {
                let mode = fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "{}", path.display());
            }
        }
        fs::remove_dir_all(&directory).unwrap();
    }

    /// The app and the CLI each have their own store on the same file: each thread
    /// here has one too, so only the lock between processes keeps them apart.
    #[test]
    fn saves_from_separate_stores_at_once_are_all_kept() {
        let directory = temporary_dir("race");
        let writers: Vec<_> = (0..6)
            .map(|writer| {
                let directory = directory.clone();
                std::thread::spawn(move || {
                    let store = ConnectionStore::new(&directory);
                    for index in 0..8 {
                        let id = format!("w{writer}-{index}");
                        store.save(connection(&id, &id)).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let saved = ConnectionStore::new(&directory).list().unwrap();
        assert_eq!(saved.len(), 6 * 8);
        fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn a_change_held_up_by_another_process_is_reported_as_busy_and_changes_nothing() {
        let directory = temporary_dir("busy");
        let store = ConnectionStore::new(&directory);
        store.save(connection("a", "A")).unwrap();
        let other = storage::lock_for_change(
            store.path(),
            storage::Permissions::Private,
            storage::DEFAULT_LOCK_WAIT,
        )
        .unwrap();
        let error = store.save(connection("b", "B")).unwrap_err();
        assert_eq!(error.code().as_str(), "store_busy");
        assert!(error.hint().contains("chatlio-aep"), "{}", error.hint());
        drop(other);
        assert_eq!(store.list().unwrap().len(), 1);
        store.save(connection("b", "B")).unwrap();
        assert_eq!(store.list().unwrap().len(), 2);
        fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn a_damaged_or_newer_file_is_reported_not_overwritten() {
        let directory = temporary_dir("damaged");
        let store = ConnectionStore::new(&directory);
        fs::write(store.path(), b"{not json").unwrap();
        assert_eq!(store.list().unwrap_err().code().as_str(), "store_corrupt");
        assert_eq!(
            store
                .save(connection("a", "A"))
                .unwrap_err()
                .code()
                .as_str(),
            "store_corrupt"
        );
        assert_eq!(fs::read(store.path()).unwrap(), b"{not json");
        fs::write(store.path(), br#"{"version": 2, "connections": []}"#).unwrap();
        assert_eq!(store.list().unwrap_err().code().as_str(), "store_corrupt");
        fs::remove_dir_all(&directory).unwrap();
    }
}
