//! What the running app holds between commands: where it keeps its files, the
//! practice simulator when one runs, and the Adobe session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use platform::{Client, ClientConfig, Credential, Secret, Url};
use tokio::sync::{Mutex, RwLock};

use crate::error::{CommandError, CommandResult, ErrorCode};

/// Managed state; commands take `tauri::State<'_, Shared>`.
pub type Shared = Arc<AppState>;

pub struct AppState {
    data_dir: PathBuf,
    /// The built-in platform-sim of practice mode, started on first use.
    pub practice: Mutex<Option<platform_sim::RunningSim>>,
    /// The Adobe (or practice) connection in use.
    pub session: RwLock<Option<Session>>,
    /// Names of setups with an apply, resume, retry or rollback under way, so
    /// a double click cannot start two runs over one journal.
    pub busy: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            practice: Mutex::new(None),
            session: RwLock::new(None),
            busy: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Journals of real setups and of practice ones live apart, so a
    /// practice run can never be mistaken for (or resume into) a real one.
    pub fn journal_dir(&self, practice: bool) -> PathBuf {
        if practice {
            self.data_dir.join("practice").join("setups")
        } else {
            self.data_dir.join("setups")
        }
    }

    pub fn practice_dir(&self) -> PathBuf {
        self.data_dir.join("practice")
    }

    /// A copy of the current session, or the error that sends the user back
    /// to the Connect screen.
    pub async fn session(&self) -> CommandResult<Session> {
        self.session.read().await.clone().ok_or_else(|| {
            CommandError::new(ErrorCode::NotConnected, "no Adobe connection yet")
                .with_hint("Connect to Adobe or start practice mode first.")
        })
    }

    /// Marks `name` busy until the returned guard is dropped.
    pub fn claim(self: &Arc<Self>, name: &str) -> CommandResult<BusyGuard> {
        let mut busy = self
            .busy
            .lock()
            .map_err(|_| CommandError::new(ErrorCode::Internal, "busy set poisoned"))?;
        if !busy.insert(name.to_owned()) {
            return Err(CommandError::new(
                ErrorCode::SetupBusy,
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

/// One connection: where Adobe (or the simulator) is, and who we are there.
/// The secret lives only in memory here and in the OS keychain.
#[derive(Clone)]
pub struct Session {
    pub practice: bool,
    pub ims_url: Url,
    pub platform_url: Url,
    pub org_id: String,
    pub credential: Credential,
    /// The sandbox picked on the Connect screen.
    pub sandbox: Option<String>,
    /// One client per sandbox, reused: each holds a token cache, and Adobe
    /// throttles integrations that mint a token for every call.
    clients: Arc<std::sync::Mutex<HashMap<String, Client>>>,
}

impl Session {
    pub fn server_to_server(
        practice: bool,
        ims_url: Url,
        platform_url: Url,
        org_id: String,
        client_id: String,
        client_secret: Secret,
    ) -> Self {
        Self {
            practice,
            ims_url,
            platform_url,
            org_id,
            credential: Credential::server_to_server(client_id, client_secret),
            sandbox: None,
            clients: Arc::default(),
        }
    }

    pub fn client_id(&self) -> &str {
        self.credential.client_id()
    }

    /// A client for `sandbox`.
    pub fn client(&self, sandbox: &str) -> CommandResult<Client> {
        let mut clients = self
            .clients
            .lock()
            .map_err(|_| CommandError::new(ErrorCode::Internal, "client cache poisoned"))?;
        if let Some(client) = clients.get(sandbox) {
            return Ok(client.clone());
        }
        let config = ClientConfig::new(
            self.ims_url.clone(),
            self.platform_url.clone(),
            self.org_id.clone(),
            sandbox.to_owned(),
            self.credential.clone(),
        );
        let client = Client::new(config).map_err(|error| CommandError::from_platform(&error))?;
        clients.insert(sandbox.to_owned(), client.clone());
        Ok(client)
    }
}
