//! Connect screen: practice mode, a server-to-server connection, sandboxes,
//! pre-flight.

use platform::{Secret, Url};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::desktop::Desktop;
use crate::error::{code_name, AppErrorCode, CommandError, CommandResult, FieldProblem};
use crate::state::{Session, Shared};

/// Values the Connect form starts with: the `CHATLIO_AEP_*` environment
/// variables the CLI honours, so a test (or a power user) can point the app
/// at another Platform, e.g. an external platform-sim.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDefaults {
    pub ims_url: String,
    pub platform_url: String,
    pub client_id: String,
    pub org_id: String,
    pub sandbox: String,
    /// `CHATLIO_AEP_CLIENT_SECRET` is set: an empty secret field uses it.
    /// The value itself never reaches the UI.
    pub secret_from_environment: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

pub fn defaults_from_environment() -> ConnectionDefaults {
    ConnectionDefaults {
        ims_url: env("CHATLIO_AEP_IMS_URL").unwrap_or_else(|| platform::ADOBE_IMS_BASE.to_owned()),
        platform_url: env("CHATLIO_AEP_PLATFORM_URL")
            .unwrap_or_else(|| platform::ADOBE_PLATFORM_BASE.to_owned()),
        client_id: env("CHATLIO_AEP_CLIENT_ID").unwrap_or_default(),
        org_id: env("CHATLIO_AEP_ORG_ID").unwrap_or_default(),
        sandbox: env("CHATLIO_AEP_SANDBOX").unwrap_or_default(),
        secret_from_environment: env("CHATLIO_AEP_CLIENT_SECRET").is_some(),
    }
}

pub async fn connection_defaults() -> CommandResult<ConnectionDefaults> {
    Ok(defaults_from_environment())
}

/// The server-to-server form as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectInput {
    pub ims_url: String,
    pub platform_url: String,
    pub client_id: String,
    /// Empty: the imported project file's secret, else
    /// `CHATLIO_AEP_CLIENT_SECRET` when it is set. Redacted in `Debug`.
    #[ts(type = "string")]
    pub client_secret: Secret,
    pub org_id: String,
    /// Keep the secret in memory only (when there is no keychain, or by choice).
    pub session_only: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    pub name: String,
    pub title: String,
    /// `production` or `development`.
    pub sandbox_type: Option<String>,
    pub region: Option<String>,
    pub is_default: bool,
}

/// A working connection, as the UI may see it (no secret).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub practice: bool,
    pub org_id: String,
    pub client_id: String,
    /// The secret, masked: the last four characters at most.
    pub masked_secret: String,
    pub sandboxes: Vec<SandboxView>,
    pub sandbox: Option<String>,
}

/// The sandboxes a setup can use: only active ones (Adobe lists others
/// while they are being created or deleted).
fn sandbox_views(sandboxes: Vec<connect::SandboxSummary>) -> Vec<SandboxView> {
    sandboxes
        .into_iter()
        .filter(|sandbox| {
            sandbox
                .state
                .as_deref()
                .is_none_or(|state| state == "active")
        })
        .map(|sandbox| SandboxView {
            title: sandbox
                .title
                .clone()
                .unwrap_or_else(|| sandbox.name.clone()),
            name: sandbox.name,
            sandbox_type: sandbox.sandbox_type,
            region: sandbox.region,
            is_default: sandbox.is_default,
        })
        .collect()
}

/// The sandbox to start with: the preferred one if the credential sees it,
/// else the org's default, else the first.
fn pick_sandbox(sandboxes: &[SandboxView], preferred: Option<String>) -> Option<String> {
    preferred
        .filter(|name| sandboxes.iter().any(|sandbox| &sandbox.name == name))
        .or_else(|| {
            sandboxes
                .iter()
                .find(|sandbox| sandbox.is_default)
                .or(sandboxes.first())
                .map(|sandbox| sandbox.name.clone())
        })
}

fn view_of(
    session: &Session,
    sandboxes: Vec<SandboxView>,
    masked_secret: String,
) -> ConnectionView {
    ConnectionView {
        practice: session.practice,
        org_id: session.org_id.clone(),
        client_id: session.client_id.clone(),
        masked_secret,
        sandbox: session.sandbox.clone(),
        sandboxes,
    }
}

const MASK: &str = "••••••••";

/// Starts the built-in simulator (once) and connects to it.
pub async fn start_practice(state: &Shared) -> CommandResult<ConnectionView> {
    let (base_url, config) = {
        let mut practice = state.practice.lock().await;
        if practice.is_none() {
            *practice = Some(start_simulator(state).await?);
        }
        match practice.as_ref() {
            Some(sim) => (sim.base_url(), sim.config().clone()),
            None => return Err(CommandError::internal("practice simulator missing")),
        }
    };
    let url = Url::parse(&base_url).map_err(CommandError::internal)?;
    let mut session = Session::practice(
        url.clone(),
        url,
        config.org_id.clone(),
        config.client_id.clone(),
        Secret::new(config.client_secret.clone()),
    );
    let client = session.client("prod").await?;
    let sandboxes = sandbox_views(
        client
            .sandboxes()
            .list_available()
            .await
            .map_err(|error| CommandError::from_platform(&error))?
            .into_iter()
            .map(connect::SandboxSummary::from)
            .collect(),
    );
    session.sandbox = pick_sandbox(&sandboxes, Some("prod".to_owned()));
    // The practice secret is public (it is in the README); masked anyway, as
    // a real one would be.
    let view = view_of(&session, sandboxes, MASK.to_owned());
    *state.session.write().await = Some(session);
    state.session_changed();
    Ok(view)
}

async fn start_simulator(state: &Shared) -> CommandResult<platform_sim::RunningSim> {
    let state_file = state.layout().practice_simulator_state();
    let directory = state_file.parent().unwrap_or(state.layout().root());
    std::fs::create_dir_all(directory).map_err(|error| {
        CommandError::new(AppErrorCode::PracticeFailed, error.to_string())
            .with_hint("Check that the app's data folder is writable.")
    })?;
    // Tests pin the port to read the simulator's state; users get any free one.
    let port = env("CHATLIO_AEP_PRACTICE_PORT")
        .map(|text| text.parse::<u16>())
        .transpose()
        .map_err(|error| {
            CommandError::new(
                AppErrorCode::PracticeFailed,
                format!("CHATLIO_AEP_PRACTICE_PORT: {error}"),
            )
        })?
        .unwrap_or(0);
    // The same figures the app's status and test events wait by.
    let practice_timing = setup::Timing::PRACTICE.with_environment();
    let config = platform_sim::SimConfig {
        port,
        // Practice runs last: dataflows made today should still be there
        // when the app is reopened tomorrow.
        state_file: Some(state_file.clone()),
        // Adobe's rules with seconds for minutes (the app says so), so the
        // dashboard and test events show every phase without the wait.
        run_window: practice_timing.run_window,
        warmup: practice_timing.warmup,
        // The control surface reads and changes everything the simulator
        // holds: closed to other local processes by a token made for this
        // run. End-to-end tests name their own to read the state.
        control_token: Some(
            env("CHATLIO_AEP_PRACTICE_CONTROL_TOKEN")
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        ),
        ..platform_sim::SimConfig::default()
    };
    platform_sim::start(config).await.map_err(|error| {
        CommandError::new(AppErrorCode::PracticeFailed, error.to_string())
            .with_hint("Close other copies of the app and try again.")
    })
}

fn field_problems(errors: Vec<connect::FieldError>) -> Vec<FieldProblem> {
    errors
        .into_iter()
        .map(|error| FieldProblem {
            field: code_name(&error.field),
            problem: code_name(&error.problem),
        })
        .collect()
}

/// Connects with a server-to-server credential and saves the connection
/// (its secret in the keychain, or in memory when asked).
pub async fn connect(state: &Shared, input: ConnectInput) -> CommandResult<ConnectionView> {
    // An empty secret field: the project file's secret, else the environment's.
    let typed = input.client_secret.expose().trim().to_owned();
    let secret = if typed.is_empty() {
        let pending = state
            .pending_project_secret
            .lock()
            .map_err(|_| CommandError::internal("project secret lock poisoned"))?
            .clone();
        pending.or_else(|| env("CHATLIO_AEP_CLIENT_SECRET").map(Secret::new))
    } else {
        Some(Secret::new(typed))
    };
    let form = connect::ServerToServerInput {
        client_id: input.client_id.clone(),
        client_secret: secret.unwrap_or_else(|| Secret::new(String::new())),
        org_id: input.org_id.clone(),
        scopes: None,
    };
    let mut problems = Vec::new();
    let credential = form
        .validate()
        .map_err(|errors| problems.extend(field_problems(errors)))
        .ok();
    let endpoints = connect::Endpoints::custom(input.ims_url.trim(), input.platform_url.trim())
        .map_err(|errors| problems.extend(field_problems(errors)))
        .ok();
    let (Some(credential), Some(endpoints)) = (credential, endpoints) else {
        let mut error = CommandError::new(AppErrorCode::FieldsInvalid, "some fields were refused");
        error.fields = problems;
        return Err(error);
    };
    let storage = if input.session_only {
        connect::Storage::SessionOnly
    } else {
        connect::Storage::Keychain
    };
    let connected = state
        .connector
        .connect_server_to_server(&endpoints, credential, "", storage)
        .await
        .map_err(|error| CommandError::from_connect(&error))?;
    let mut session = Session::saved(state.connector.clone(), &connected.connection);
    let sandboxes = sandbox_views(connected.sandboxes);
    session.sandbox = pick_sandbox(
        &sandboxes,
        connected
            .connection
            .last_sandbox
            .clone()
            .or_else(|| env("CHATLIO_AEP_SANDBOX")),
    );
    remember_sandbox(&session)?;
    let view = view_of(&session, sandboxes, MASK.to_owned());
    *state.session.write().await = Some(session);
    state.session_changed();
    Ok(view)
}

fn remember_sandbox(session: &Session) -> CommandResult<()> {
    if let (Some((connector, id)), Some(sandbox)) = (session.saved_connection(), &session.sandbox) {
        connector
            .set_last_sandbox(id, sandbox)
            .map_err(|error| CommandError::from_connect(&error))?;
    }
    Ok(())
}

/// Reconnects with the saved current connection, if there is one: secrets
/// come from the keychain, so nothing is typed again.
pub async fn restore_connection(state: &Shared) -> CommandResult<Option<ConnectionView>> {
    let current = state
        .connector
        .current()
        .map_err(|error| CommandError::from_connect(&error))?;
    let Some(connection) = current.filter(|connection| !connection.practice) else {
        return Ok(None);
    };
    connect_saved(state, &connection).await.map(Some)
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedConnectionView {
    pub id: String,
    pub label: String,
    pub org_id: Option<String>,
    pub client_id: String,
    pub storage: connect::Storage,
    pub current: bool,
}

/// Every saved Adobe connection.
pub async fn saved_connections(state: &Shared) -> CommandResult<Vec<SavedConnectionView>> {
    let current = state
        .connector
        .current()
        .map_err(|error| CommandError::from_connect(&error))?
        .map(|connection| connection.id);
    Ok(state
        .connector
        .connections()
        .map_err(|error| CommandError::from_connect(&error))?
        .into_iter()
        .filter(|connection| !connection.practice)
        .map(|connection| SavedConnectionView {
            current: current.as_ref() == Some(&connection.id),
            id: connection.id.as_str().to_owned(),
            label: connection.label,
            org_id: connection.org_id,
            client_id: connection.client_id,
            storage: connection.storage,
        })
        .collect())
}

/// Makes another saved connection the current one and connects with it.
pub async fn switch_connection(
    state: &Shared,
    id: String,
) -> CommandResult<Option<ConnectionView>> {
    state
        .connector
        .switch_to(&connect::ConnectionId::from(id.as_str()))
        .map_err(|error| CommandError::from_connect(&error))?;
    restore_connection(state).await
}

/// Signs out: revokes what can be revoked, deletes the keychain entries and
/// forgets the connection.
pub async fn sign_out(state: &Shared, id: String) -> CommandResult<()> {
    state
        .connector
        .sign_out(&connect::ConnectionId::from(id.as_str()))
        .await
        .map_err(|error| CommandError::from_connect(&error))?;
    let mut session = state.session.write().await;
    if session
        .as_ref()
        .and_then(|session| session.saved_connection())
        .is_some_and(|(_, current)| current.as_str() == id)
    {
        *session = None;
    }
    Ok(())
}

/// "Sign in with Adobe": a user-authentication credential's client id.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInInput {
    pub ims_url: String,
    pub platform_url: String,
    pub client_id: String,
    /// The Native App credential's redirect URI (its custom scheme); empty:
    /// a listener on 127.0.0.1 receives the answer.
    pub redirect_uri: String,
    pub session_only: bool,
    /// Sign in on the practice simulator's own sign-in page instead.
    pub practice: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrgView {
    pub org_id: String,
    pub name: Option<String>,
}

/// The outcome of a sign-in: connected, or an organization to pick first.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInView {
    pub connection_id: String,
    pub connection: Option<ConnectionView>,
    pub organizations: Vec<OrgView>,
}

async fn connect_saved(
    state: &Shared,
    connection: &connect::Connection,
) -> CommandResult<ConnectionView> {
    let sandboxes = sandbox_views(
        state
            .connector
            .list_sandboxes(&connection.id)
            .await
            .map_err(|error| CommandError::from_connect(&error))?,
    );
    let mut session = Session::saved(state.connector.clone(), connection);
    session.sandbox = pick_sandbox(&sandboxes, connection.last_sandbox.clone());
    remember_sandbox(&session)?;
    let view = view_of(&session, sandboxes, MASK.to_owned());
    *state.session.write().await = Some(session);
    state.session_changed();
    Ok(view)
}

/// Signs in through the system browser (authorization code with PKCE; the
/// answer comes back to a listener on 127.0.0.1). Waits until the user is
/// done, cancels, or the time runs out.
pub async fn sign_in_with_adobe(
    state: &Shared,
    desktop: &dyn Desktop,
    input: SignInInput,
) -> CommandResult<SignInView> {
    let redirect = match input.redirect_uri.trim() {
        "" => connect::RedirectStyle::Loopback { port: 0 },
        text => {
            let redirect_uri = platform::Url::parse(text)
                .map_err(|_| CommandError::from_fields([("redirect_uri", "not_a_url")]))?;
            register_scheme(desktop, redirect_uri.scheme())?;
            connect::RedirectStyle::CustomScheme { redirect_uri }
        }
    };
    let refused = |errors| {
        let mut error = CommandError::new(AppErrorCode::FieldsInvalid, "some fields were refused");
        error.fields = field_problems(errors);
        error
    };
    let (endpoints, client_id) = if input.practice {
        let practice = state.practice.lock().await;
        let sim = practice.as_ref().ok_or_else(|| {
            CommandError::new(
                AppErrorCode::PracticeFailed,
                "the practice simulator is not running",
            )
            .with_hint("Start practice mode from the welcome screen.")
        })?;
        let client_id = match input.client_id.trim() {
            "" => sim.config().client_id.clone(),
            typed => typed.to_owned(),
        };
        (
            connect::Endpoints::practice(&sim.base_url()).map_err(refused)?,
            client_id,
        )
    } else {
        (
            connect::Endpoints::custom(input.ims_url.trim(), input.platform_url.trim())
                .map_err(refused)?,
            input.client_id.trim().to_owned(),
        )
    };
    let cancel = connect::CancelHandle::new();
    *state
        .sign_in_cancel
        .lock()
        .map_err(|_| CommandError::internal("sign-in lock poisoned"))? = Some(cancel.clone());
    let request = connect::SignInRequest {
        endpoints,
        client_id,
        scopes: None,
        redirect,
        label: String::new(),
        storage: if input.session_only {
            connect::Storage::SessionOnly
        } else {
            connect::Storage::Keychain
        },
        timeout: connect::DEFAULT_SIGN_IN_TIMEOUT,
    };
    let signed_in = state
        .connector
        .sign_in(request, connect::system_browser(), cancel)
        .await
        .map_err(|error| CommandError::from_connect(&error));
    if let Ok(mut slot) = state.sign_in_cancel.lock() {
        *slot = None;
    }
    let signed_in = signed_in?;
    let organizations = signed_in
        .organizations
        .iter()
        .map(|org| OrgView {
            org_id: org.org_id.clone(),
            name: org.name.clone(),
        })
        .collect();
    let connection = if signed_in.connection.org_id.is_some() {
        Some(connect_saved(state, &signed_in.connection).await?)
    } else {
        None
    };
    Ok(SignInView {
        connection_id: signed_in.connection.id.as_str().to_owned(),
        connection,
        organizations,
    })
}

/// Makes the OS hand URLs of `scheme` to this app (the Native App
/// credential's custom scheme differs per credential, so it is registered
/// when used, not at install time).
fn register_scheme(desktop: &dyn Desktop, scheme: &str) -> CommandResult<()> {
    if matches!(scheme, "http" | "https") {
        return Ok(());
    }
    desktop.register_url_scheme(scheme).map_err(|error| {
        CommandError::new(
            crate::ErrorCode::Connect(connect::ConnectErrorCode::RedirectInvalid),
            error,
        )
        .with_hint("Use a loopback redirect (leave the redirect URI empty) instead.")
    })
}

/// Stops a sign-in that waits for the browser.
pub async fn cancel_sign_in(state: &Shared) -> CommandResult<()> {
    if let Some(cancel) = state
        .sign_in_cancel
        .lock()
        .map_err(|_| CommandError::internal("sign-in lock poisoned"))?
        .take()
    {
        cancel.cancel();
    }
    Ok(())
}

/// After a sign-in with several organizations: the one to work in.
pub async fn choose_org(
    state: &Shared,
    connection_id: String,
    org_id: String,
) -> CommandResult<ConnectionView> {
    let connection = state
        .connector
        .select_org(
            &connect::ConnectionId::from(connection_id.as_str()),
            &org_id,
        )
        .await
        .map_err(|error| CommandError::from_connect(&error))?;
    connect_saved(state, &connection).await
}

/// What a Developer Console project file holds, for the Connect form. A
/// client secret in it stays in the back end and is used when the secret
/// field is left empty.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    pub project: Option<String>,
    pub org_id: Option<String>,
    pub client_id: Option<String>,
    pub has_client_secret: bool,
    /// What a server-to-server connection still needs from the user.
    pub missing: Vec<String>,
}

pub async fn import_project(state: &Shared, json: String) -> CommandResult<ProjectView> {
    let project = connect::parse_console_project(&json)
        .map_err(|error| CommandError::from_connect(&error))?;
    let summary = project.summary();
    let secret = project
        .server_to_server_input()
        .map(|input| input.client_secret)
        .filter(|secret| !secret.expose().is_empty());
    let has_client_secret = secret.is_some();
    *state
        .pending_project_secret
        .lock()
        .map_err(|_| CommandError::internal("project secret lock poisoned"))? = secret;
    Ok(ProjectView {
        project: summary.project,
        org_id: summary.org_id,
        client_id: summary.client_id,
        has_client_secret,
        missing: project.missing().iter().map(code_name).collect(),
    })
}

/// Forgets the connection (the practice simulator keeps running).
pub async fn disconnect(state: &Shared) -> CommandResult<()> {
    *state.session.write().await = None;
    state.session_changed();
    Ok(())
}

/// The connection in use, if any: after a reload of the UI.
pub async fn current_connection(state: &Shared) -> CommandResult<Option<ConnectionSummary>> {
    Ok(state
        .session
        .read()
        .await
        .as_ref()
        .map(|session| ConnectionSummary {
            practice: session.practice,
            org_id: session.org_id.clone(),
            sandbox: session.sandbox.clone(),
        }))
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSummary {
    pub practice: bool,
    pub org_id: String,
    pub sandbox: Option<String>,
}

pub async fn choose_sandbox(state: &Shared, sandbox: String) -> CommandResult<()> {
    let mut session = state.session.write().await;
    let session = session
        .as_mut()
        .ok_or_else(|| CommandError::new(AppErrorCode::NotConnected, "no Adobe connection yet"))?;
    let sandbox = setup::input::parse_sandbox(&sandbox)
        .map_err(|error| CommandError::from_fields([(error.field, error.problem)]))?;
    session.sandbox = Some(sandbox);
    state.session_changed();
    remember_sandbox(session)
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// Stable id, e.g. `token`, `sandbox`, `permission_sources`.
    pub id: String,
    pub state: setup::preflight::CheckState,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreflightView {
    pub ok: bool,
    pub tenant_id: Option<String>,
    pub checks: Vec<CheckView>,
}

/// Read-only checks before anything is created.
pub async fn preflight(state: &Shared, input: setup::SetupInput) -> CommandResult<PreflightView> {
    let session = state.session().await?;
    let request = crate::setup::validated(&input)?;
    let client = session.client(&request.sandbox).await?;
    let report = setup::preflight::preflight(&client, &request).await;
    Ok(PreflightView {
        ok: report.ok,
        tenant_id: report.tenant_id,
        checks: report
            .checks
            .into_iter()
            .map(|check| CheckView {
                id: check.id.to_owned(),
                state: check.state,
                message: check.message,
                hint: check.hint,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(name: &str, is_default: bool) -> SandboxView {
        SandboxView {
            name: name.into(),
            title: name.into(),
            sandbox_type: None,
            region: None,
            is_default,
        }
    }

    #[test]
    fn the_remembered_sandbox_wins_when_it_is_still_there() {
        let list = [sandbox("dev", false), sandbox("prod", true)];
        assert_eq!(
            pick_sandbox(&list, Some("dev".into())).as_deref(),
            Some("dev")
        );
        assert_eq!(
            pick_sandbox(&list, Some("gone".into())).as_deref(),
            Some("prod")
        );
        assert_eq!(pick_sandbox(&list, None).as_deref(), Some("prod"));
        assert_eq!(pick_sandbox(&[], None), None);
    }

    #[test]
    fn field_problems_keep_the_connect_crates_codes() {
        let input = connect::ServerToServerInput {
            client_id: String::new(),
            client_secret: Secret::new("x".into()),
            org_id: "nope".into(),
            scopes: None,
        };
        let problems = field_problems(input.validate().unwrap_err());
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"client_id"), "{problems:?}");
        assert!(fields.contains(&"org_id"), "{problems:?}");
    }
}
