//! What the running app holds between commands: where it keeps its files, the
//! practice simulator when one runs, and the Adobe session.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use platform::{Client, ClientConfig, Credential, Secret, Url};
use tokio::sync::{Mutex, RwLock};

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// The app's state as every use case takes it.
pub type Shared = Arc<AppState>;

pub struct AppState {
    layout: storage::DataLayout,
    /// Saved Adobe connections and their secrets.
    pub connector: Arc<connect::Connector>,
    /// A client secret read from a Developer Console project file, used when
    /// the secret field is left empty; it never goes to the UI.
    pub pending_project_secret: std::sync::Mutex<Option<Secret>>,
    /// Cancels the sign-in waiting for the browser, if one is.
    pub sign_in_cancel: std::sync::Mutex<Option<connect::CancelHandle>>,
    /// The built-in platform-sim of practice mode, started on first use.
    pub practice: Mutex<Option<platform_sim::RunningSim>>,
    /// The Adobe (or practice) connection in use.
    pub session: RwLock<Option<Session>>,
    /// Names of setups with an apply, resume, retry or rollback under way, so
    /// a double click cannot start two runs over one journal.
    pub busy: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Held while the list of sent test events is read and written, so a
    /// send and a check of earlier ones never overwrite each other.
    pub test_events: Mutex<()>,
    /// Held while the alert rules or the alert state are read and written,
    /// so a background check and a saved form never overwrite each other.
    pub alerts: Mutex<()>,
    /// Wakes the background check for a "Refresh now".
    pub alert_refresh: tokio::sync::Notify,
    /// The last background check's outcome.
    pub last_alert_check: std::sync::Mutex<Option<crate::alerts::AlertCheckView>>,
    /// The language the UI shows, for notifications.
    pub language: std::sync::Mutex<Option<String>>,
}

impl AppState {
    pub fn new(layout: storage::DataLayout) -> Self {
        let connector = connect::Connector::new(
            connect::ConnectionStore::at(&layout),
            Some(Arc::new(connect::KeychainVault::default())),
        );
        Self {
            connector: Arc::new(connector),
            pending_project_secret: std::sync::Mutex::new(None),
            sign_in_cancel: std::sync::Mutex::new(None),
            layout,
            practice: Mutex::new(None),
            session: RwLock::new(None),
            busy: std::sync::Mutex::new(std::collections::HashSet::new()),
            test_events: Mutex::new(()),
            alerts: Mutex::new(()),
            alert_refresh: tokio::sync::Notify::new(),
            last_alert_check: std::sync::Mutex::new(None),
            language: std::sync::Mutex::new(None),
        }
    }

    /// A connection or sandbox was chosen (or dropped): the background
    /// check runs now for it rather than at its next round, minutes away.
    pub fn session_changed(&self) {
        self.alert_refresh.notify_one();
    }

    /// Where every file of the app lives.
    pub fn layout(&self) -> &storage::DataLayout {
        &self.layout
    }

    /// Journals of real setups and of practice ones live apart, so a
    /// practice run can never be mistaken for (or resume into) a real one.
    pub fn journal_dir(&self, practice: bool) -> PathBuf {
        self.layout.journals(storage::Mode::from_practice(practice))
    }

    /// A copy of the current session, or the error that sends the user back
    /// to the Connect screen.
    pub async fn session(&self) -> CommandResult<Session> {
        self.session.read().await.clone().ok_or_else(|| {
            CommandError::new(AppErrorCode::NotConnected, "no Adobe connection yet")
                .with_hint("Connect to Adobe or start practice mode first.")
        })
    }

    /// The session, its sandbox and a client for it: what every command
    /// about the chosen sandbox starts with.
    pub async fn sandbox_client(&self) -> CommandResult<(Session, Client)> {
        let session = self.session().await?;
        let sandbox = session.sandbox.clone().ok_or_else(|| {
            CommandError::new(AppErrorCode::NoSandbox, "no sandbox chosen")
                .with_hint("Choose a sandbox on the Connect screen.")
        })?;
        let client = session.client(&sandbox).await?;
        Ok((session, client))
    }

    /// Marks `name` busy until the returned guard is dropped.
    pub fn claim(self: &Arc<Self>, name: &str) -> CommandResult<BusyGuard> {
        let mut busy = self
            .busy
            .lock()
            .map_err(|_| CommandError::new(AppErrorCode::Internal, "busy set poisoned"))?;
        if !busy.insert(name.to_owned()) {
            return Err(CommandError::new(
                AppErrorCode::SetupBusy,
                format!("setup {name:?} is already running"),
            ));
        }
        Ok(BusyGuard {
            state: Arc::clone(self),
            name: name.to_owned(),
        })
    }
}

pub struct BusyGuard {
    state: Arc<AppState>,
    name: String,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        match self.state.busy.lock() {
            Ok(mut busy) => {
                busy.remove(&self.name);
            }
            Err(_) => tracing::error!("busy set poisoned; setup stays marked busy"),
        }
    }
}

/// Where a session's clients come from.
#[derive(Clone)]
enum Source {
    /// The practice simulator: its seeded credential, held in memory.
    Direct {
        ims_url: Url,
        platform_url: Url,
        credential: Box<Credential>,
        /// One client per sandbox, reused: each holds a token cache.
        clients: Arc<std::sync::Mutex<HashMap<String, Client>>>,
    },
    /// A saved connection: secrets in the keychain (or this session's
    /// memory), one token cache shared by all its clients.
    Saved {
        connector: Arc<connect::Connector>,
        id: connect::ConnectionId,
    },
}

/// One connection in use. No secret is reachable from here except through
/// the clients it makes.
#[derive(Clone)]
pub struct Session {
    pub practice: bool,
    pub org_id: String,
    pub client_id: String,
    /// The sandbox picked on the Connect screen.
    pub sandbox: Option<String>,
    source: Source,
}

impl Session {
    pub fn practice(
        ims_url: Url,
        platform_url: Url,
        org_id: String,
        client_id: String,
        client_secret: Secret,
    ) -> Self {
        Self {
            practice: true,
            org_id,
            client_id: client_id.clone(),
            sandbox: None,
            source: Source::Direct {
                ims_url,
                platform_url,
                credential: Box::new(Credential::server_to_server(client_id, client_secret)),
                clients: Arc::default(),
            },
        }
    }

    pub fn saved(connector: Arc<connect::Connector>, connection: &connect::Connection) -> Self {
        Self {
            practice: connection.practice,
            org_id: connection.org_id.clone().unwrap_or_default(),
            client_id: connection.client_id.clone(),
            sandbox: connection.last_sandbox.clone(),
            source: Source::Saved {
                connector,
                id: connection.id.clone(),
            },
        }
    }

    /// When Adobe (or the practice simulator) accepts and reports data.
    pub fn timing(&self) -> setup::Timing {
        let base = if self.practice {
            setup::Timing::PRACTICE
        } else {
            setup::Timing::ADOBE
        };
        base.with_environment()
    }

    /// The saved connection behind this session, if it is one.
    pub fn saved_connection(&self) -> Option<(&Arc<connect::Connector>, &connect::ConnectionId)> {
        match &self.source {
            Source::Saved { connector, id } => Some((connector, id)),
            Source::Direct { .. } => None,
        }
    }

    /// A client for `sandbox`.
    pub async fn client(&self, sandbox: &str) -> CommandResult<Client> {
        match &self.source {
            Source::Saved { connector, id } => connector
                .client_for(id, sandbox)
                .await
                .map_err(|error| CommandError::from_connect(&error)),
            Source::Direct {
                ims_url,
                platform_url,
                credential,
                clients,
            } => {
                let mut clients = clients.lock().map_err(|_| {
                    CommandError::new(AppErrorCode::Internal, "client cache poisoned")
                })?;
                if let Some(client) = clients.get(sandbox) {
                    return Ok(client.clone());
                }
                let config = ClientConfig::new(
                    ims_url.clone(),
                    platform_url.clone(),
                    self.org_id.clone(),
                    sandbox.to_owned(),
                    (**credential).clone(),
                );
                let client =
                    Client::new(config).map_err(|error| CommandError::from_platform(&error))?;
                clients.insert(sandbox.to_owned(), client.clone());
                Ok(client)
            }
        }
    }
}
