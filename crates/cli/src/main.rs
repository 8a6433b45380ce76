//! `chatlio-aep`: the headless front end over the setup engine. All logic is
//! in the `setup` crate; this file parses flags, builds the client, prints.

mod alerts;
mod config;
mod data;
mod handoff;
mod records;
mod rotate;
mod sandbox;
mod setup_file;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use config::{ConfigError, ConfigFile};
use connect::{
    parse_console_project, ConnectError, ConnectErrorCode, Connection, ConnectionId,
    ConnectionStore, Connector, Endpoints, KeychainVault, ServerToServerInput, Storage,
};
use platform::{Client, ClientConfig, Credential, ErrorCode, Secret, Url};
use serde::Serialize;
use setup::error::ErrorView;
use setup::{Engine, FailPoint, JournalStore, ProgressEvent, ProgressKind, SetupError, SetupInput};
use storage::{DataLayout, Mode};

/// Exit codes (documented in the README; scripts rely on them).
mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const AUTH: u8 = 3;
    pub const RESUMABLE: u8 = 4;
    pub const NAME_TAKEN: u8 = 5;
    pub const PREFLIGHT: u8 = 6;
    /// `check` and `watch` exit as monitoring plugins do: 1 a warning, 2 an alert,
    /// 3 nothing could be checked (bad flags, Adobe unreachable).
    pub const CHECK_WARNING: u8 = 1;
    pub const CHECK_ALERT: u8 = 2;
    pub const CHECK_UNKNOWN: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "chatlio-aep",
    version,
    about = "Set up Chatlio webhooks -> Adobe Experience Platform dataflows"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Connection flags. Each may also come from its environment variable, then
/// from the `--config` file, then its default: flags > environment > file >
/// defaults.
#[derive(Args)]
struct Global {
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// A JSON file with the connection and the setup choices (see the README); it must
    /// not hold a secret.
    #[arg(long, global = true, env = "CHATLIO_AEP_CONFIG")]
    config: Option<PathBuf>,
    /// IMS base URL [default: Adobe IMS]
    #[arg(long, global = true, env = "CHATLIO_AEP_IMS_URL")]
    ims_url: Option<String>,
    /// Platform base URL [default: https://platform.adobe.io]
    #[arg(long, global = true, env = "CHATLIO_AEP_PLATFORM_URL")]
    platform_url: Option<String>,
    #[arg(long, global = true, env = "CHATLIO_AEP_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, global = true, env = "CHATLIO_AEP_ORG_ID")]
    org_id: Option<String>,
    /// Sandbox name [default: prod]
    #[arg(long, global = true, env = "CHATLIO_AEP_SANDBOX")]
    sandbox: Option<String>,
    /// The data folder, shared with the desktop app: setup journals (in `setups/`) and
    /// the list of saved connections.
    #[arg(long, global = true, env = "CHATLIO_AEP_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A saved connection (see `connections`) to use instead of the current one.
    #[arg(long, global = true, env = "CHATLIO_AEP_CONNECTION")]
    connection: Option<String>,
    /// Seconds a new dataflow needs before it accepts data [default: Adobe's 300].
    /// Set it only for practice against platform-sim.
    #[arg(long, global = true, env = "CHATLIO_AEP_WARMUP_SECS")]
    warmup_secs: Option<u64>,
    /// Length of a run window in seconds [default: Adobe's 3600].
    #[arg(long, global = true, env = "CHATLIO_AEP_RUN_WINDOW_SECS")]
    run_window_secs: Option<u64>,
    /// Seconds after a window ends until its run is expected [default: 900].
    #[arg(long, global = true, env = "CHATLIO_AEP_REPORT_DELAY_SECS")]
    report_delay_secs: Option<u64>,
    /// Seconds between looks while waiting for a run [default: 60].
    #[arg(long, global = true, env = "CHATLIO_AEP_POLL_SECS")]
    poll_secs: Option<u64>,
}

impl Global {
    /// Adobe's timing, with any value the flags change.
    fn timing(&self) -> setup::Timing {
        setup::Timing::ADOBE.with_seconds(
            self.warmup_secs,
            self.run_window_secs,
            self.report_delay_secs,
            self.poll_secs,
        )
    }
}

/// The setup's choices. Each may also come from the `--config` file; a flag
/// wins. The schema flags replace the file's schema choice as a whole (and the
/// dataset flags its dataset choice), so a flag never mixes with the file.
#[derive(Args, Clone)]
struct SetupArgs {
    /// The dataflow's name; also names the setup (or `name` in the config file).
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    schema_title: Option<String>,
    #[arg(long)]
    existing_schema_id: Option<String>,
    #[arg(long)]
    dataset_name: Option<String>,
    #[arg(long)]
    existing_dataset_id: Option<String>,
    /// Enable the dataset for Profile (`--profile=false` overrides the config file)
    /// [default: false].
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    profile: Option<bool>,
    /// Error diagnostics on the dataset and dataflow (`=false` turns them off)
    /// [default: true].
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    error_diagnostics: Option<bool>,
    #[arg(long)]
    partial_ingestion_threshold: Option<u8>,
    /// `single`: one webhook URL for all five Chatlio fields (one dataflow; the
    /// three visitor events are stored as one kind). `per-event`: one URL per
    /// event (four dataflows over the same schema and dataset; the exact kind
    /// in every record) [default: per-event].
    #[arg(long, value_parser = parse_webhook_mode_flag)]
    webhook_mode: Option<chatlio::WebhookMode>,
}

fn parse_webhook_mode_flag(text: &str) -> Result<chatlio::WebhookMode, String> {
    config::parse_webhook_mode(text).ok_or_else(|| format!("{text:?} is not single or per-event"))
}

#[derive(Subcommand)]
enum Command {
    /// Show every resource and API call a setup would make, and run pre-flight checks.
    Plan {
        #[command(flatten)]
        setup: SetupArgs,
        /// A setup file (see `export`): show what applying it would create, keep or
        /// change, against what exists. Exits 0 no changes, 10 changes pending, 11 drift
        /// or a change it cannot make in place.
        #[arg(short = 'f', long)]
        file: Option<PathBuf>,
        /// Print the plan as a curl shell script instead.
        #[arg(long)]
        curl: bool,
        /// Skip the pre-flight checks (no network).
        #[arg(long)]
        offline: bool,
    },
    /// Create everything for a new dataflow.
    Setup {
        #[command(flatten)]
        setup: SetupArgs,
    },
    /// Print a setup's choices as a setup file (config as code), from its journal.
    Export {
        /// The setup's name (or `name` in the config file).
        #[arg(long)]
        name: Option<String>,
    },
    /// Make a setup file so: pre-flight in its sandbox (or `--sandbox`, to promote it),
    /// then create what is missing. Exits 0 nothing to do, 10 changes applied, 11 drift
    /// or a change it cannot make in place (nothing applied).
    Apply {
        #[arg(short = 'f', long)]
        file: PathBuf,
        /// Apply under another setup name (promotion to a sandbox where the file's
        /// name is taken by another journal here).
        #[arg(long)]
        name: Option<String>,
        /// Print the webhook URLs.
        #[arg(long)]
        show_urls: bool,
    },
    /// Finish an interrupted setup.
    Resume {
        /// The setup's name (or `name` in the config file).
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete what a setup created (never what existed before).
    Rollback {
        /// The setup's name (or `name` in the config file).
        #[arg(long)]
        name: Option<String>,
    },
    /// Every Chatlio dataflow in the sandbox, grouped by the setup that made it, or
    /// one setup's journal with --name.
    Status {
        #[arg(long)]
        name: Option<String>,
    },
    /// Send a generated Chatlio event to a dataflow and wait until Adobe's
    /// hourly run counts it (or only send it, with --no-wait).
    TestEvent {
        #[arg(long)]
        flow_id: String,
        #[arg(long, default_value = "new_conversation")]
        event: String,
        /// Send and return without waiting for the run; during the dataflow's
        /// warm-up, exit with code 4 instead of waiting for it.
        #[arg(long)]
        no_wait: bool,
        /// Longest wait, in seconds, for the run after sending [default: until the
        /// expected time plus the report delay].
        #[arg(long)]
        timeout_secs: Option<u64>,
    },
    /// Check an OAuth Server-to-Server credential with Adobe and keep its secret in the
    /// OS keychain, so later commands need no CHATLIO_AEP_CLIENT_SECRET.
    Connect {
        /// A name for the connection.
        #[arg(long, default_value = "")]
        label: String,
        /// Scopes, comma-separated (default: the Experience Platform API scopes).
        #[arg(long)]
        scopes: Option<String>,
        /// The project JSON downloaded from Adobe Developer Console; fills in the client
        /// ID, organization, scopes and (when the file has it) the secret.
        #[arg(long)]
        project_file: Option<PathBuf>,
        /// Read the client secret from the first line of standard input (when
        /// CHATLIO_AEP_CLIENT_SECRET is not set).
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Sign out: revoke the cached token, delete the keychain entries, forget the
    /// connection.
    Disconnect,
    /// The saved connections (no secrets).
    Connections,
    /// What a dataflow stored: the records Adobe kept in its dataset (Adobe's
    /// preview, up to 100, newest first), or with --failed its failed records with the
    /// cause explained. Personal data is masked unless --reveal.
    Records {
        #[arg(long)]
        flow_id: String,
        /// The failed records (from Adobe's error diagnostics) instead.
        #[arg(long)]
        failed: bool,
        /// At most this many records.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Failed records of this many days (Adobe keeps diagnostics 30 days).
        #[arg(long, default_value_t = 7)]
        days: i64,
        /// Show emails, names, messages and whole records.
        #[arg(long)]
        reveal: bool,
    },
    /// What a dataflow's mapping makes of a Chatlio body, and whether Adobe would
    /// store it, without sending anything. Exits 1 when it would fail.
    Preview {
        #[arg(long)]
        flow_id: String,
        /// The body, a JSON file (`-` for standard input).
        #[arg(long, conflicts_with = "sample")]
        payload: Option<PathBuf>,
        /// One of the five documented samples instead (new_conversation, ...).
        #[arg(long)]
        sample: Option<String>,
    },
    /// Re-send failed records (as Adobe kept them) or bodies from files to a
    /// dataflow's URL. A failed record already re-sent from here is skipped unless
    /// --again.
    Replay {
        #[arg(long)]
        flow_id: String,
        /// Every failed record with a body Adobe kept (last 30 days).
        #[arg(long)]
        failed: bool,
        /// Only these failed records (ids from `records --failed`).
        #[arg(long = "id")]
        ids: Vec<String>,
        /// Bodies to send, JSON files (a corrected failed record, say).
        #[arg(long = "payload")]
        payloads: Vec<PathBuf>,
        /// Send failed records again even if they were re-sent from here before.
        #[arg(long)]
        again: bool,
    },
    /// Evaluate the alert rules once (no data within business hours, failed records,
    /// disabled dataflows, drift, the connection) and print what holds. Exits 0 ok,
    /// 1 warning, 2 alert, 3 when nothing could be checked: for cron, a systemd timer
    /// or a monitoring system.
    Check {
        /// Only this setup's dataflows and drift.
        #[arg(long)]
        name: Option<String>,
        /// An alert rules file [default: the rules set in the desktop app].
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Skip the drift check (it reads every resource of every setup).
        #[arg(long)]
        no_drift: bool,
    },
    /// Run `check` on an interval and print each condition as it starts and ends,
    /// until interrupted.
    Watch {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Seconds between checks.
        #[arg(long, default_value_t = 300)]
        interval_secs: u64,
        /// Stop after this many checks.
        #[arg(long)]
        max_checks: Option<u64>,
    },
    /// The hand-off packet for the Chatlio admin: one printable HTML page saying which
    /// URL goes into which of Chatlio's five webhook fields, step by step, how to check
    /// it worked and whom to ask. The URLs are left out unless --include-urls.
    Handoff {
        /// The setup's name (or `name` in the config file).
        #[arg(long)]
        name: Option<String>,
        /// en or sv.
        #[arg(long, default_value = "en", value_parser = handoff::parse_language)]
        language: setup::handoff::Language,
        /// Whom the admin asks for the URLs and with questions (name, e-mail, phone).
        #[arg(long)]
        contact: Option<String>,
        /// Put the webhook URLs into the packet (anyone with one can write into the
        /// dataset): share the file only over a safe channel.
        #[arg(long)]
        include_urls: bool,
        /// Write the page to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The setup record: every resource with its id and page in Adobe, org, sandbox,
    /// identity, times, the plan and each step's history, as a page or (--json) JSON.
    /// It holds no secret, token or webhook URL.
    Record {
        /// The setup's name (or `name` in the config file).
        #[arg(long)]
        name: Option<String>,
        /// The page's language: en or sv.
        #[arg(long, default_value = "en", value_parser = handoff::parse_language)]
        language: setup::handoff::Language,
        /// Write it to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replace a setup's webhook URL with never a moment without a working one:
    /// start, status, url, finish.
    Rotate {
        #[command(subcommand)]
        action: rotate::RotateAction,
    },
    /// Delete a Chatlio dataflow and its connections (made here or elsewhere).
    Teardown {
        #[arg(long)]
        flow_id: String,
        /// Confirms the deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Platform(#[from] platform::PlatformError),
    #[error(transparent)]
    TestEvent(#[from] setup::test_event::TestEventError),
    #[error("the test event was counted as failed: {0}")]
    TestEventFailed(String),
    #[error(
        "Adobe accepted the test event but has not counted it yet; check again later with `status`"
    )]
    TestEventNotCounted,
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Rotation(#[from] setup::rotate::RotationError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("pre-flight checks failed")]
    Preflight,
    #[error("the record would fail: Adobe would not store it")]
    PreviewInvalid,
    #[error("Adobe refused {0} of the re-sent bodies")]
    ReplayRefused(usize),
    #[error("the check found a condition at level {}", .0.as_str())]
    CheckFound(setup::alerts::Severity),
    #[error("nothing could be checked: {0}")]
    CheckUnknown(String),
    /// `plan -f` or `apply -f` found changes or drift; the result is printed.
    #[error("{0:?}")]
    Verdict(setup::setup_diff::Verdict),
    #[error("the setup file {path} is not valid ({} problems)", errors.len())]
    SetupFile {
        path: String,
        errors: Vec<setup::setup_file::FileError>,
    },
}

impl CliError {
    fn exit_code(&self) -> u8 {
        let auth =
            |code: ErrorCode| matches!(code, ErrorCode::Unauthenticated | ErrorCode::Forbidden);
        match self {
            Self::CheckFound(setup::alerts::Severity::Warning) => exit::CHECK_WARNING,
            Self::CheckFound(setup::alerts::Severity::Alert) => exit::CHECK_ALERT,
            Self::CheckUnknown(_) => exit::CHECK_UNKNOWN,
            Self::Verdict(verdict) => setup_file::exit_code(*verdict),
            Self::Usage(_) | Self::Config(_) | Self::SetupFile { .. } => exit::USAGE,
            Self::TestEventNotCounted
            | Self::TestEvent(setup::test_event::TestEventError::WarmingUp { .. }) => {
                exit::RESUMABLE
            }
            Self::Preflight => exit::PREFLIGHT,
            Self::Setup(SetupError::Invalid(_)) => exit::USAGE,
            Self::Setup(SetupError::NameTaken { .. }) => exit::NAME_TAKEN,
            Self::Setup(error) if error.platform_error().is_some_and(|e| auth(e.code())) => {
                exit::AUTH
            }
            Self::Setup(error) if error.is_resumable() => exit::RESUMABLE,
            Self::Platform(error) if auth(error.code()) => exit::AUTH,
            Self::Platform(error) if error.is_retryable() => exit::RESUMABLE,
            Self::Rotation(error) => {
                use setup::rotate::RotationError as R;
                match error {
                    // Later: the warm-up, or Chatlio's first event, is still to come.
                    R::WarmingUp(_) | R::NewUrlUnused => exit::RESUMABLE,
                    R::UnknownSetup(_)
                    | R::NoDataflow { .. }
                    | R::WhichDataflow { .. }
                    | R::NotStarted(_)
                    | R::NeedsConfirmation => exit::USAGE,
                    R::Platform(platform) if auth(platform.code()) => exit::AUTH,
                    R::Platform(platform) if platform.is_retryable() => exit::RESUMABLE,
                    // Deleted outside the app: `rotate start` makes a new one.
                    R::NewDataflowGone(_) => exit::FAILED,
                    _ => exit::FAILED,
                }
            }
            Self::Connect(error) => match error.code() {
                ConnectErrorCode::InvalidInput
                | ConnectErrorCode::ProjectFileUnreadable
                | ConnectErrorCode::ConnectionNotFound
                | ConnectErrorCode::OrgNotChosen => exit::USAGE,
                ConnectErrorCode::WrongClientSecret
                | ConnectErrorCode::UnknownClientId
                | ConnectErrorCode::ScopeRejected
                | ConnectErrorCode::ScopeMissing
                | ConnectErrorCode::OrgMismatch
                | ConnectErrorCode::NoPlatformAccess
                | ConnectErrorCode::SessionExpired
                | ConnectErrorCode::SecretMissing => exit::AUTH,
                _ => match error.platform_error() {
                    Some(platform) if auth(platform.code()) => exit::AUTH,
                    Some(platform) if platform.is_retryable() => exit::RESUMABLE,
                    _ => exit::FAILED,
                },
            },
            _ => exit::FAILED,
        }
    }

    fn view(&self) -> serde_json::Value {
        match self {
            Self::Setup(error) => serde_json::to_value(ErrorView::from(error)).unwrap_or_default(),
            Self::Platform(error) => serde_json::to_value(error).unwrap_or_default(),
            Self::Connect(error) => serde_json::to_value(error).unwrap_or_default(),
            Self::Config(error) => serde_json::json!({
                "code": error.code(),
                "message": error.to_string(),
                "hint": error.hint(),
            }),
            Self::SetupFile { errors, .. } => serde_json::json!({
                "code": "setup_file_invalid",
                "message": self.to_string(),
                "fields": errors,
            }),
            other => serde_json::json!({"code": "cli", "message": other.to_string()}),
        }
    }
}

fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("chatlio-aep: cannot encode the result: {error}"),
    }
}

/// The connection settings after precedence (flags > environment > config
/// file > defaults), and the config file's setup choices.
struct Settings {
    json: bool,
    ims_url: String,
    platform_url: String,
    client_id: String,
    org_id: String,
    sandbox: String,
    data_dir: Option<PathBuf>,
    layout: DataLayout,
    connection: Option<String>,
    timing: setup::Timing,
    file: ConfigFile,
}

/// The first value that is set and not blank.
fn first_set(values: [Option<&String>; 2], default: &str) -> String {
    values
        .into_iter()
        .flatten()
        .find(|value| !value.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

impl Settings {
    fn resolve(global: &Global) -> Result<Self, CliError> {
        let file = match &global.config {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        Ok(Self {
            json: global.json,
            ims_url: first_set(
                [global.ims_url.as_ref(), file.ims_url.as_ref()],
                platform::ADOBE_IMS_BASE,
            ),
            platform_url: first_set(
                [global.platform_url.as_ref(), file.platform_url.as_ref()],
                platform::ADOBE_PLATFORM_BASE,
            ),
            client_id: first_set([global.client_id.as_ref(), file.client_id.as_ref()], ""),
            org_id: first_set([global.org_id.as_ref(), file.org_id.as_ref()], ""),
            sandbox: first_set([global.sandbox.as_ref(), file.sandbox.as_ref()], "prod"),
            data_dir: global.data_dir.clone(),
            layout: match &global.data_dir {
                Some(folder) => DataLayout::new(folder),
                None => DataLayout::shared_default().ok_or_else(|| {
                    CliError::Usage(
                        "no data folder: HOME is not set; pass --data-dir or set CHATLIO_AEP_DATA_DIR"
                            .into(),
                    )
                })?,
            },
            connection: global.connection.clone(),
            timing: global.timing(),
            file,
        })
    }

    /// The data folder's layout: `--data-dir` (or `CHATLIO_AEP_DATA_DIR`), else the
    /// desktop app's own folder, so the two see each other's setups and connections.
    fn layout(&self) -> &DataLayout {
        &self.layout
    }

    /// The setup name from `--name`, else the config file.
    fn setup_name(&self, flag: Option<&String>) -> Result<String, CliError> {
        let name = first_set([flag, self.file.name.as_ref()], "");
        if name.is_empty() {
            return Err(CliError::Usage(
                "a setup name is needed: pass --name, or put \"name\" in the --config file".into(),
            ));
        }
        Ok(name)
    }
}

/// The secret from the environment, when set (it wins over the keychain).
fn secret_from_environment() -> Option<Secret> {
    std::env::var("CHATLIO_AEP_CLIENT_SECRET")
        .ok()
        .filter(|secret| !secret.trim().is_empty())
        .map(Secret::from)
}

/// The connector over the data folder and the OS keychain.
/// `CHATLIO_AEP_KEYCHAIN_SERVICE` files entries under another name (tests).
fn connector(global: &Settings) -> Connector {
    let service = std::env::var("CHATLIO_AEP_KEYCHAIN_SERVICE")
        .ok()
        .filter(|service| !service.trim().is_empty())
        .unwrap_or_else(|| connect::KEYCHAIN_SERVICE.to_owned());
    Connector::new(
        ConnectionStore::at(global.layout()),
        Some(Arc::new(KeychainVault::new(service))),
    )
}

/// The saved connection meant: `--connection`, else one with `--client-id` (and
/// `--org-id`, when given), else the current one.
fn find_connection(
    global: &Settings,
    connector: &Connector,
) -> Result<Option<Connection>, CliError> {
    if let Some(id) = &global.connection {
        return Ok(Some(
            connector.store().get(&ConnectionId::from(id.as_str()))?,
        ));
    }
    if !global.client_id.trim().is_empty() {
        return Ok(connector
            .connections()?
            .into_iter()
            .rev()
            .find(|connection| {
                connection.client_id == global.client_id.trim()
                    && (global.org_id.trim().is_empty()
                        || connection.org_id.as_deref() == Some(global.org_id.trim()))
            }));
    }
    Ok(connector.current()?)
}

/// A client for `sandbox`: with the secret from the environment, else from a saved
/// connection, whose renewed tokens `connect` stores in the keychain as they arrive.
async fn client(global: &Settings, sandbox: &str) -> Result<Client, CliError> {
    let Some(secret) = secret_from_environment() else {
        let connector = connector(global);
        let connection = find_connection(global, &connector)?.ok_or_else(|| {
            CliError::Usage(
                "no client secret: set CHATLIO_AEP_CLIENT_SECRET, or run `chatlio-aep connect` once to keep it in the OS keychain (the secret is never taken as a flag)".into(),
            )
        })?;
        return Ok(connector.client_for(&connection.id, sandbox).await?);
    };
    let parse = |what: &str, text: &str| {
        Url::parse(text).map_err(|_| CliError::Usage(format!("{what} is not a URL")))
    };
    let config = ClientConfig::new(
        parse("the IMS URL", &global.ims_url)?,
        parse("the Platform URL", &global.platform_url)?,
        global.org_id.as_str(),
        sandbox,
        Credential::server_to_server(global.client_id.as_str(), secret),
    );
    Ok(Client::new(config)?)
}

fn engine(global: &Settings, client: Client) -> Engine {
    let json = global.json;
    let sink = Arc::new(move |event: &ProgressEvent| {
        if json {
            if let Ok(line) = serde_json::to_string(event) {
                eprintln!("{line}");
            }
            return;
        }
        // With one dataflow per event, each flow's steps are named by its key.
        let step = match &event.instance {
            Some(instance) => format!("{} ({instance})", event.step.as_str()),
            None => event.step.as_str().to_owned(),
        };
        match &event.kind {
            ProgressKind::Started => eprintln!("  {step:<40} started"),
            ProgressKind::Done {
                adopted,
                pre_existing,
                ..
            } => {
                let how = match (adopted, pre_existing) {
                    (_, true) => "done (existing, kept)",
                    (true, false) => "done (adopted from an earlier run)",
                    _ => "done",
                };
                eprintln!("  {step:<40} {how}");
            }
            ProgressKind::Failed { error } => {
                eprintln!("  {step:<40} FAILED: {} ({})", error.message, error.hint)
            }
            ProgressKind::RolledBack { .. } => eprintln!("  {step:<40} deleted"),
            ProgressKind::Kept { reason } => eprintln!("  {step:<40} kept ({reason:?})"),
        }
    });
    // A test hook, compiled into debug builds only: simulate a crash.
    let fail_point = if cfg!(debug_assertions) {
        std::env::var("CHATLIO_AEP_FAIL_POINT")
            .ok()
            .and_then(|text| FailPoint::parse(&text))
    } else {
        None
    };
    Engine::new(
        client,
        JournalStore::new(global.layout().journals(Mode::Real)),
    )
    // Who makes a new setup, for its record.
    .with_identity(handoff::identity(global))
    .with_progress(sink)
    .with_fail_point(fail_point)
}

/// A choice made of two fields (new by title or name, or existing by id): the
/// flags' pair when either flag is given, else the file's pair.
fn choice(flags: [&Option<String>; 2], file: [&Option<String>; 2]) -> (String, String) {
    let given = flags.iter().any(|flag| flag.is_some());
    let [first, second] = if given { flags } else { file };
    (
        first.clone().unwrap_or_default(),
        second.clone().unwrap_or_default(),
    )
}

fn request(global: &Settings, args: &SetupArgs) -> Result<setup::SetupRequest, CliError> {
    let file = &global.file;
    let (schema_title, existing_schema_id) = choice(
        [&args.schema_title, &args.existing_schema_id],
        [&file.schema_title, &file.existing_schema_id],
    );
    let (dataset_name, existing_dataset_id) = choice(
        [&args.dataset_name, &args.existing_dataset_id],
        [&file.dataset_name, &file.existing_dataset_id],
    );
    // Every choice left open by the flags and the file is the one the desktop app
    // proposes, so both make the same dataflow.
    let recommended = SetupInput::recommended();
    SetupInput {
        name: global.setup_name(args.name.as_ref())?,
        sandbox: global.sandbox.clone(),
        existing_schema_id,
        schema_title,
        existing_dataset_id,
        dataset_name,
        profile_enabled: args
            .profile
            .or(file.profile)
            .unwrap_or(recommended.profile_enabled),
        error_diagnostics: args
            .error_diagnostics
            .or(file.error_diagnostics)
            .unwrap_or(recommended.error_diagnostics),
        partial_ingestion_threshold: args
            .partial_ingestion_threshold
            .or(file.partial_ingestion_threshold)
            .or(recommended.partial_ingestion_threshold),
        webhook_mode: args
            .webhook_mode
            .or(file.webhook_mode)
            .unwrap_or(recommended.webhook_mode),
    }
    .validate()
    .map_err(|errors| CliError::Setup(SetupError::Invalid(errors)))
}

fn print_outcome(global: &Settings, outcome: &setup::SetupOutcome) {
    if global.json {
        print_json(outcome);
        return;
    }
    println!(
        "setup {:?}: {}",
        outcome.setup_name,
        if outcome.complete {
            "complete"
        } else {
            "incomplete"
        }
    );
    if let Some(flow) = &outcome.flow_id {
        println!("dataflow id: {flow}");
    }
    if let Some(url) = &outcome.webhook_url {
        println!(
            "webhook URL (paste into Chatlio's webhook fields): {}",
            url.as_str()
        );
    } else {
        // One URL per event: each Chatlio field gets its own.
        for (kind, url) in outcome.webhook_urls() {
            println!(
                "webhook URL for Chatlio's {} field: {}",
                kind.code(),
                url.as_str()
            );
        }
    }
}

/// Endpoints from the flags: Adobe's unless the URLs say otherwise.
fn endpoints(global: &Settings) -> Result<Endpoints, CliError> {
    if global.ims_url == platform::ADOBE_IMS_BASE
        && global.platform_url == platform::ADOBE_PLATFORM_BASE
    {
        return Endpoints::adobe()
            .map_err(|errors| CliError::Connect(ConnectError::InvalidInput(errors)));
    }
    Endpoints::custom(&global.ims_url, &global.platform_url)
        .map_err(|errors| CliError::Connect(ConnectError::InvalidInput(errors)))
}

async fn connect_command(
    global: &Settings,
    label: &str,
    scopes: Option<&String>,
    project_file: Option<&PathBuf>,
    secret_stdin: bool,
) -> Result<(), CliError> {
    let mut input = ServerToServerInput {
        client_id: global.client_id.clone(),
        client_secret: Secret::from(""),
        org_id: global.org_id.clone(),
        scopes: scopes.cloned(),
    };
    if let Some(file) = project_file {
        let text = std::fs::read_to_string(file)
            .map_err(|error| CliError::Usage(format!("cannot read {}: {error}", file.display())))?;
        let project = parse_console_project(&text)?;
        let from_file = project.server_to_server_input().ok_or_else(|| {
            CliError::Usage(
                "the project file has no OAuth Server-to-Server credential; add one in Developer Console and download the file again".into(),
            )
        })?;
        if input.client_id.trim().is_empty() {
            input.client_id = from_file.client_id;
        }
        if input.org_id.trim().is_empty() {
            input.org_id = from_file.org_id;
        }
        if input.scopes.is_none() {
            input.scopes = from_file.scopes;
        }
        input.client_secret = from_file.client_secret;
    }
    if let Some(secret) = secret_from_environment() {
        input.client_secret = secret;
    } else if secret_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|error| {
            CliError::Usage(format!(
                "cannot read the secret from standard input: {error}"
            ))
        })?;
        input.client_secret = Secret::from(line);
    }
    if input.client_secret.is_empty() {
        return Err(CliError::Usage(
            "no client secret: set CHATLIO_AEP_CLIENT_SECRET or pass --secret-stdin (the secret is never taken as a flag)".into(),
        ));
    }
    let credential = input.validate().map_err(ConnectError::InvalidInput)?;
    let connected = connector(global)
        .connect_server_to_server(&endpoints(global)?, credential, label, Storage::Keychain)
        .await?;
    if global.json {
        print_json(&connected);
    } else {
        let connection = &connected.connection;
        println!(
            "connected {:?} ({}), org {}; the secret is in the OS keychain",
            connection.label,
            connection.id,
            connection.org_id.as_deref().unwrap_or_default()
        );
        println!("sandboxes:");
        for sandbox in &connected.sandboxes {
            println!(
                "  {:<24} {:<12} {:<8} {}",
                sandbox.name,
                sandbox.sandbox_type.as_deref().unwrap_or_default(),
                sandbox.region.as_deref().unwrap_or_default(),
                sandbox.state.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let settings = Settings::resolve(&cli.global)?;
    let layout = settings.layout();
    report_journal_move(&data::move_former_journals(layout));
    // Only the default folder inherits what earlier versions kept in theirs: a
    // folder named with --data-dir is the user's own choice.
    if settings.data_dir.is_none() {
        if let Some(former) = DataLayout::former_cli_default() {
            report_journal_move(&data::move_former_folder(&former, layout));
        }
    }
    run_command(&cli, &settings).await
}

/// Says what the move of journals from the CLI's former place did, when it did anything.
fn report_journal_move(report: &data::JournalMove) {
    for path in &report.moved {
        eprintln!(
            "chatlio-aep: moved to the folder shared with the desktop app: {}",
            path.display()
        );
    }
    for (kept, existing) in &report.conflicts {
        eprintln!(
            "chatlio-aep: {} was not moved: {} is a different file of the same name; keep the one you need there",
            kept.display(),
            existing.display()
        );
    }
    for failure in &report.failures {
        eprintln!("chatlio-aep: a file could not be moved ({failure}); it stays where it was");
    }
}

async fn run_command(cli: &Cli, global: &Settings) -> Result<(), CliError> {
    match &cli.command {
        Command::Plan {
            setup: args,
            file,
            curl,
            offline,
        } => {
            let request = match file {
                Some(path) => {
                    only_name_with_file(args)?;
                    setup_file::file_request(global, path, args.name.as_ref())?
                }
                None => request(global, args)?,
            };
            if file.is_some() && !*curl && !*offline {
                return setup_file::plan_command(global, &request).await;
            }
            let plan = setup::plan::Plan::new(&request).map_err(SetupError::from)?;
            if *curl {
                print!("{}", plan.to_curl_script());
                return Ok(());
            }
            let report = if *offline {
                None
            } else {
                Some(
                    setup::preflight::preflight(&client(global, &request.sandbox).await?, &request)
                        .await,
                )
            };
            if global.json {
                print_json(&serde_json::json!({"plan": plan, "preflight": report}));
            } else {
                println!("Resources:");
                for resource in plan.resources() {
                    println!(
                        "  {:<20} {:<16} {:?}",
                        resource.kind,
                        format!("{:?}", resource.action),
                        resource.name
                    );
                }
                if plan.resources().iter().any(|resource| {
                    resource.action == setup::plan::ResourceAction::ChangeIrreversibly
                }) {
                    println!(
                        "Note: enabling the schema for Profile cannot be undone; a rollback keeps that change."
                    );
                }
                println!("Calls:");
                for call in plan.calls() {
                    println!("  {:<6} {}  ({})", call.method, call.path, call.note);
                }
                if let Some(report) = &report {
                    println!("Pre-flight:");
                    for check in &report.checks {
                        println!("  {:<22} {:?}: {}", check.id, check.state, check.message);
                        if let Some(hint) = &check.hint {
                            println!("  {:<22} fix: {hint}", "");
                        }
                    }
                }
            }
            if report.is_some_and(|report| !report.ok) {
                return Err(CliError::Preflight);
            }
            Ok(())
        }
        Command::Setup { setup: args } => {
            let request = request(global, args)?;
            let engine = engine(global, client(global, &request.sandbox).await?);
            let outcome = engine.apply(&request).await?;
            print_outcome(global, &outcome);
            Ok(())
        }
        Command::Export { name } => {
            setup_file::export_command(global, &global.setup_name(name.as_ref())?)
        }
        Command::Apply {
            file,
            name,
            show_urls,
        } => {
            let request = setup_file::file_request(global, file, name.as_ref())?;
            setup_file::apply_command(global, &request, *show_urls).await
        }
        Command::Resume { name } => {
            let name = global.setup_name(name.as_ref())?;
            let engine = engine(global, client(global, &global.sandbox).await?);
            let outcome = engine.resume(&name).await?;
            print_outcome(global, &outcome);
            Ok(())
        }
        Command::Rollback { name } => {
            let name = global.setup_name(name.as_ref())?;
            let engine = engine(global, client(global, &global.sandbox).await?);
            let outcome = engine.rollback(&name).await?;
            if global.json {
                print_json(&outcome);
            } else {
                println!(
                    "rolled back {:?}: {} deleted, {} kept",
                    outcome.setup_name,
                    outcome.deleted.len(),
                    outcome.kept.len()
                );
            }
            Ok(())
        }
        Command::Status { name: Some(name) } => {
            let engine = engine(global, client(global, &global.sandbox).await?);
            print_outcome(global, &engine.status(name)?);
            Ok(())
        }
        Command::Status { name: None } => {
            let client = client(global, &global.sandbox).await?;
            // Staleness by the same no-data rules as `check` and the app.
            let rules = alerts::rules(global, None).unwrap_or_else(|error| {
                eprintln!("chatlio-aep: warning: {error}; the recommended alert rules are used");
                setup::alerts::AlertSettings::recommended()
            });
            let flows = setup::status::sandbox_status(&client, &global.timing, &rules).await?;
            let (owners, warnings) =
                sandbox::owners(&JournalStore::new(global.layout().journals(Mode::Real)));
            // The URLs come from the journal alone: `status` reads no resource again.
            let engine = engine(global, client);
            let status = sandbox::group(flows, &owners, warnings, |name| {
                engine.status(name).map(|outcome| outcome.webhook_urls())
            });
            if global.json {
                print_json(&status);
            } else {
                sandbox::print(&status);
            }
            Ok(())
        }
        Command::TestEvent {
            flow_id,
            event,
            no_wait,
            timeout_secs,
        } => {
            let kind: chatlio::EventKind = event
                .parse()
                .map_err(|_| CliError::Usage(format!("unknown event kind {event:?}")))?;
            let client = client(global, &global.sandbox).await?;
            test_event_command(global, &client, flow_id, kind, *no_wait, *timeout_secs).await
        }
        Command::Connect {
            label,
            scopes,
            project_file,
            secret_stdin,
        } => {
            connect_command(
                global,
                label,
                scopes.as_ref(),
                project_file.as_ref(),
                *secret_stdin,
            )
            .await
        }
        Command::Disconnect => {
            let connector = connector(global);
            let connection = find_connection(global, &connector)?
                .ok_or_else(|| CliError::Usage("no saved connection to disconnect".into()))?;
            let report = connector.sign_out(&connection.id).await?;
            if global.json {
                print_json(&report);
            } else {
                println!(
                    "disconnected {:?}: {} token(s) revoked, keychain entries deleted",
                    connection.label, report.tokens_revoked
                );
                if let Some(error) = &report.revoke_error {
                    println!(
                        "  (revocation failed: {}; the token expires by itself)",
                        error.code()
                    );
                }
            }
            Ok(())
        }
        Command::Connections => {
            let connector = connector(global);
            let connections = connector.connections()?;
            let current = connector.current()?.map(|connection| connection.id);
            if global.json {
                print_json(&serde_json::json!({"current": current, "connections": connections}));
            } else {
                for connection in &connections {
                    let marker = if Some(&connection.id) == current.as_ref() {
                        "*"
                    } else {
                        " "
                    };
                    println!(
                        "{marker} {:<36}  {:<28} {:<36} {:?}{}",
                        connection.id,
                        connection.label,
                        connection.org_id.as_deref().unwrap_or("(org not chosen)"),
                        connection.storage,
                        if connection.practice { " practice" } else { "" }
                    );
                }
            }
            Ok(())
        }
        Command::Records {
            flow_id,
            failed,
            limit,
            days,
            reveal,
        } => {
            let client = client(global, &global.sandbox).await?;
            records::records_command(global, &client, flow_id, *failed, *limit, *days, *reveal)
                .await
        }
        Command::Preview {
            flow_id,
            payload,
            sample,
        } => {
            let client = client(global, &global.sandbox).await?;
            records::preview_command(
                global,
                &client,
                flow_id,
                payload.as_ref(),
                sample.as_deref(),
            )
            .await
        }
        Command::Replay {
            flow_id,
            failed,
            ids,
            payloads,
            again,
        } => {
            let client = client(global, &global.sandbox).await?;
            records::replay_command(global, &client, flow_id, *failed, ids, payloads, *again).await
        }
        Command::Check {
            name,
            rules,
            no_drift,
        } => alerts::check_command(global, name.as_deref(), rules.as_ref(), *no_drift)
            .await
            .map_err(unknown_unless_verdict),
        Command::Watch {
            name,
            rules,
            interval_secs,
            max_checks,
        } => {
            if *interval_secs == 0 {
                return Err(CliError::CheckUnknown(
                    "--interval-secs must be at least 1".into(),
                ));
            }
            alerts::watch_command(
                global,
                name.as_deref(),
                rules.as_ref(),
                std::time::Duration::from_secs(*interval_secs),
                *max_checks,
            )
            .await
            .map_err(unknown_unless_verdict)
        }
        Command::Handoff {
            name,
            language,
            contact,
            include_urls,
            out,
        } => {
            let name = global.setup_name(name.as_ref())?;
            handoff::handoff_command(
                global,
                &name,
                *language,
                contact.as_deref(),
                *include_urls,
                out.as_ref(),
            )
        }
        Command::Record {
            name,
            language,
            out,
        } => {
            let name = global.setup_name(name.as_ref())?;
            handoff::record_command(global, &name, *language, out.as_ref())
        }
        Command::Rotate { action } => {
            let client = client(global, &global.sandbox).await?;
            rotate::rotate_command(global, &client, action).await
        }
        Command::Teardown { flow_id, yes } => {
            if !yes {
                return Err(CliError::Usage(
                    "teardown deletes the dataflow and its connections: add --yes".into(),
                ));
            }
            let client = client(global, &global.sandbox).await?;
            let deleted = setup::status::teardown(&client, flow_id).await?;
            if global.json {
                print_json(&deleted);
            } else {
                println!(
                    "deleted dataflow {flow_id} and {} connections",
                    deleted.len().saturating_sub(1)
                );
            }
            Ok(())
        }
    }
}

/// With `plan -f`, the file holds the choices: of the setup flags only `--name`
/// (with `--sandbox`, promotion) may change it.
fn only_name_with_file(args: &SetupArgs) -> Result<(), CliError> {
    let other_flag = args.schema_title.is_some()
        || args.existing_schema_id.is_some()
        || args.dataset_name.is_some()
        || args.existing_dataset_id.is_some()
        || args.profile.is_some()
        || args.error_diagnostics.is_some()
        || args.partial_ingestion_threshold.is_some()
        || args.webhook_mode.is_some();
    if other_flag {
        return Err(CliError::Usage(
            "with --file the file holds the setup's choices: change them there (only --name and --sandbox apply on top)".into(),
        ));
    }
    Ok(())
}

/// For `check` and `watch`, every failure but a verdict means nothing could be
/// checked (exit 3), whatever it would mean for another command.
fn unknown_unless_verdict(error: CliError) -> CliError {
    match error {
        CliError::CheckFound(_) | CliError::CheckUnknown(_) => error,
        other => CliError::CheckUnknown(other.to_string()),
    }
}

/// Whether the command line names `check` or `watch` (its first word that is not
/// a flag or a flag's value is looked at), so that even a usage error clap finds
/// exits 3 for them. A value that happens to read `check` (`status --name watch`,
/// `--sandbox check`) is not the command.
fn is_check_command(arguments: &[std::ffi::OsString]) -> bool {
    use clap::CommandFactory;
    // The flags before the command that take a value as the next word.
    let with_value: Vec<String> = Cli::command()
        .get_arguments()
        .filter(|argument| argument.get_action().takes_values())
        .filter_map(|argument| argument.get_long().map(|long| format!("--{long}")))
        .collect();
    let mut words = arguments
        .iter()
        .skip(1)
        .map(|argument| argument.to_string_lossy());
    while let Some(word) = words.next() {
        if word.starts_with('-') {
            if !word.contains('=') && with_value.iter().any(|flag| *flag == word) {
                words.next();
            }
            continue;
        }
        return word == "check" || word == "watch";
    }
    false
}

#[tokio::main]
async fn main() -> ExitCode {
    // The libraries' warnings (e.g. a renewed token the keychain would not
    // take) reach the user on stderr; `CHATLIO_AEP_LOG=debug` shows more.
    // Nothing secret is ever a field of a log line.
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHATLIO_AEP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .init();
    let arguments: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&arguments) {
        Ok(cli) => cli,
        Err(error) => {
            let usage = error.use_stderr();
            if let Err(print_error) = error.print() {
                eprintln!("chatlio-aep: {print_error}");
            }
            return ExitCode::from(match (usage, is_check_command(&arguments)) {
                // --help and --version are not errors.
                (false, _) => exit::OK,
                (true, true) => exit::CHECK_UNKNOWN,
                (true, false) => exit::USAGE,
            });
        }
    };
    let json = cli.global.json;
    // Whatever fails in `check` or `watch` short of a verdict (the config file
    // too, read before the command runs) means nothing could be checked.
    let checking = matches!(cli.command, Command::Check { .. } | Command::Watch { .. });
    match run(cli).await {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => {
            // A dry run that found a bad record, or a replay Adobe partly refused,
            // printed its result already: in JSON that is the one document.
            let result_printed = matches!(
                error,
                CliError::PreviewInvalid
                    | CliError::ReplayRefused(_)
                    | CliError::CheckFound(_)
                    | CliError::Verdict(_)
            );
            if json {
                if !result_printed {
                    print_json(&serde_json::json!({"error": error.view()}));
                }
            } else if !matches!(error, CliError::Verdict(_)) {
                eprintln!("chatlio-aep: {error}");
                if let CliError::SetupFile { errors, .. } = &error {
                    for field in errors {
                        eprintln!("  {field}");
                    }
                }
                if let CliError::Setup(setup_error) = &error {
                    eprintln!("  fix: {}", setup_error.hint());
                    if let SetupError::Invalid(fields) = setup_error {
                        for field in fields {
                            eprintln!("  {field}");
                        }
                    }
                }
                if let CliError::Platform(platform_error) = &error {
                    eprintln!("  fix: {}", platform_error.hint());
                }
                if let CliError::Config(config_error) = &error {
                    eprintln!("  fix: {}", config_error.hint());
                }
                if let CliError::Connect(connect_error) = &error {
                    for field in connect_error.field_errors() {
                        eprintln!("  {field}");
                    }
                    eprintln!("  fix: {}", connect_error.hint());
                    if connect_error.code() == ConnectErrorCode::KeychainUnavailable {
                        eprintln!("  or: skip `connect` and set CHATLIO_AEP_CLIENT_SECRET for each command");
                    }
                }
            }
            ExitCode::from(match error {
                CliError::CheckFound(_) => error.exit_code(),
                _ if checking => exit::CHECK_UNKNOWN,
                _ => error.exit_code(),
            })
        }
    }
}

/// Sends a test event once the dataflow accepts data, then (unless
/// `no_wait`) waits for the run that counts it, with a progress line.
async fn test_event_command(
    global: &Settings,
    client: &platform::Client,
    flow_id: &str,
    kind: chatlio::EventKind,
    no_wait: bool,
    timeout_secs: Option<u64>,
) -> Result<(), CliError> {
    use setup::test_event::{self, TestEventError, TestEventState};
    let timing = global.timing;
    let json = global.json;
    let receipt = loop {
        match test_event::send_test_event(client, flow_id, kind, &timing).await {
            Ok(receipt) => break receipt,
            Err(TestEventError::WarmingUp { accepts_from }) if !no_wait => {
                let left = (accepts_from - chrono::Utc::now())
                    .to_std()
                    .unwrap_or_default();
                if json {
                    eprintln!(
                        "{}",
                        serde_json::json!({"phase": "warming_up", "acceptsFrom": accepts_from})
                    );
                } else {
                    eprintln!(
                        "The dataflow accepts data from {} (Adobe asks to wait about 5 minutes after creating it); sending in {} s.",
                        accepts_from.to_rfc3339(),
                        left.as_secs() + 1
                    );
                }
                tokio::time::sleep(left + Duration::from_millis(200)).await;
            }
            Err(error) => return Err(error.into()),
        }
    };
    if json {
        eprintln!(
            "{}",
            serde_json::json!({"phase": "accepted", "expectedBy": receipt.expected_by})
        );
    } else {
        eprintln!(
            "Accepted by Adobe at {}. Waiting for the hourly run; expected by {}.",
            receipt.sent_at.to_rfc3339(),
            receipt.expected_by.to_rfc3339()
        );
    }
    if no_wait {
        if json {
            print_json(&receipt);
        } else {
            println!(
                "event {} sent; see `status` after {}",
                kind.code(),
                receipt.expected_by.to_rfc3339()
            );
        }
        return Ok(());
    }
    let until = match timeout_secs {
        Some(seconds) => {
            receipt.sent_at
                + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000))
        }
        None => {
            receipt.expected_by
                + chrono::Duration::from_std(timing.report_delay)
                    .unwrap_or(chrono::Duration::zero())
        }
    };
    let progress = move |outcome: &test_event::TestEventOutcome| {
        if outcome.state == TestEventState::Waiting && !json {
            let left = (outcome.receipt.expected_by - chrono::Utc::now()).num_seconds();
            if left > 0 {
                eprintln!("  waiting for the run: expected in {left} s");
            } else {
                eprintln!("  waiting for the run: {} s past the expected time", -left);
            }
        }
    };
    let outcome =
        test_event::wait_for_test_event(client, &receipt, &timing, until, &progress).await?;
    if json {
        print_json(&outcome);
    } else {
        match outcome.state {
            TestEventState::Ingested => println!("event {} counted and ingested", kind.code()),
            TestEventState::Failed => {
                println!("event {} counted as failed:", kind.code());
                for error in &outcome.errors {
                    let code = error.adobe_code.as_deref().unwrap_or("-");
                    println!("    {} [{code}]: {}", error.explanation, error.fix);
                }
            }
            TestEventState::Waiting => {}
        }
    }
    match outcome.state {
        TestEventState::Ingested => Ok(()),
        TestEventState::Failed => Err(CliError::TestEventFailed(
            outcome
                .errors
                .iter()
                .map(|error| error.explanation)
                .collect::<Vec<_>>()
                .join(", "),
        )),
        TestEventState::Waiting => Err(CliError::TestEventNotCounted),
    }
}
