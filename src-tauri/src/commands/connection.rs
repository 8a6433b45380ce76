//! Connect screen: practice mode, a server-to-server connection, sandboxes,
//! pre-flight.

use platform::{Secret, Url};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult, ErrorCode, FieldProblem};
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

#[tauri::command]
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
    /// Empty: use `CHATLIO_AEP_CLIENT_SECRET` when it is set.
    pub client_secret: String,
    pub org_id: String,
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

/// Validation of the form before any network call.
pub struct ValidConnect {
    pub ims_url: Url,
    pub platform_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub org_id: String,
}

fn problem(field: &str, problem: &str) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        problem: problem.to_owned(),
    }
}

fn check_url(field: &str, text: &str, problems: &mut Vec<FieldProblem>) -> Option<Url> {
    let text = text.trim();
    if text.is_empty() {
        problems.push(problem(field, "empty"));
        return None;
    }
    match Url::parse(text) {
        Ok(url) if platform::client::validate_base_url(field, &url).is_ok() => Some(url),
        // A remote host over plain HTTP would carry the token in clear text.
        Ok(_) => {
            problems.push(problem(field, "insecure_url"));
            None
        }
        Err(_) => {
            problems.push(problem(field, "wrong_format"));
            None
        }
    }
}

/// Checks every field and reports all problems at once.
pub fn validate_connect(
    input: &ConnectInput,
    secret_from_environment: Option<String>,
) -> Result<ValidConnect, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let ims_url = check_url("ims_url", &input.ims_url, &mut problems);
    let platform_url = check_url("platform_url", &input.platform_url, &mut problems);

    let client_id = input.client_id.trim();
    if client_id.is_empty() {
        problems.push(problem("client_id", "empty"));
    } else if client_id.len() > 128 {
        problems.push(problem("client_id", "too_long"));
    } else if !client_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.push(problem("client_id", "wrong_format"));
    }

    // A secret pasted with a trailing newline or spaces is common; those are
    // never part of an Adobe secret, so they are trimmed. Whitespace inside
    // means two things were pasted.
    let typed = input.client_secret.trim();
    let secret = if typed.is_empty() {
        secret_from_environment.map(|value| value.trim().to_owned())
    } else {
        Some(typed.to_owned())
    };
    match &secret {
        None => problems.push(problem("client_secret", "empty")),
        Some(value) if value.is_empty() => problems.push(problem("client_secret", "empty")),
        Some(value) if value.len() > 256 => problems.push(problem("client_secret", "too_long")),
        Some(value) if value.chars().any(char::is_whitespace) => {
            problems.push(problem("client_secret", "whitespace_inside"))
        }
        Some(_) => {}
    }

    let org_id = input.org_id.trim();
    if org_id.is_empty() {
        problems.push(problem("org_id", "empty"));
    } else if org_id.len() > 128 {
        problems.push(problem("org_id", "too_long"));
    } else if !org_id.ends_with("@AdobeOrg")
        || org_id.len() == "@AdobeOrg".len()
        || !org_id
            .trim_end_matches("@AdobeOrg")
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
    {
        problems.push(problem("org_id", "wrong_format"));
    }

    match (ims_url, platform_url, secret) {
        (Some(ims_url), Some(platform_url), Some(secret)) if problems.is_empty() => {
            Ok(ValidConnect {
                ims_url,
                platform_url,
                client_id: client_id.to_owned(),
                client_secret: Secret::new(secret),
                org_id: org_id.to_owned(),
            })
        }
        _ => Err(problems),
    }
}

fn mask(secret: &Secret) -> String {
    let text = secret.expose();
    let tail: String = text
        .chars()
        .rev()
        .take(if text.chars().count() > 12 { 4 } else { 0 })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("••••••••{tail}")
}

/// Mints a token and lists sandboxes: proof that the credential, the org and
/// Experience Platform access all work.
async fn open_session(
    mut session: Session,
    secret: &Secret,
    preferred_sandbox: Option<String>,
) -> CommandResult<(ConnectionView, Session)> {
    // Listing sandboxes is not scoped to one; `prod` only fills the header
    // Adobe's gateway expects on every call.
    let client = session.client("prod")?;
    client
        .access_token()
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    let sandboxes = client
        .sandboxes()
        .list_available()
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    let sandboxes: Vec<SandboxView> = sandboxes
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
                .unwrap_or_else(|| sandbox.name.as_str().to_owned()),
            name: sandbox.name.as_str().to_owned(),
            sandbox_type: sandbox.sandbox_type,
            region: sandbox.region,
            is_default: sandbox.is_default,
        })
        .collect();
    if sandboxes.is_empty() {
        return Err(CommandError::new(
            ErrorCode::Forbidden,
            "the credential sees no active sandbox",
        )
        .with_hint("Add a sandbox to the credential's product profile in Adobe Admin Console."));
    }
    let preferred =
        preferred_sandbox.filter(|name| sandboxes.iter().any(|sandbox| &sandbox.name == name));
    session.sandbox = preferred.or_else(|| {
        sandboxes
            .iter()
            .find(|sandbox| sandbox.is_default)
            .or(sandboxes.first())
            .map(|sandbox| sandbox.name.clone())
    });
    let view = ConnectionView {
        practice: session.practice,
        org_id: session.org_id.clone(),
        client_id: session.client_id().to_owned(),
        masked_secret: mask(secret),
        sandbox: session.sandbox.clone(),
        sandboxes,
    };
    Ok((view, session))
}

/// Starts the built-in simulator (once) and connects to it.
#[tauri::command]
pub async fn start_practice(state: State<'_, Shared>) -> CommandResult<ConnectionView> {
    let (base_url, config) = {
        let mut practice = state.practice.lock().await;
        if practice.is_none() {
            *practice = Some(start_simulator(&state).await?);
        }
        match practice.as_ref() {
            Some(sim) => (sim.base_url(), sim.config().clone()),
            None => return Err(CommandError::internal("practice simulator missing")),
        }
    };
    let url = Url::parse(&base_url).map_err(CommandError::internal)?;
    let secret = Secret::new(config.client_secret.clone());
    let session = Session::server_to_server(
        true,
        url.clone(),
        url,
        config.org_id.clone(),
        config.client_id.clone(),
        secret.clone(),
    );
    let (view, session) = open_session(session, &secret, Some("prod".to_owned())).await?;
    *state.session.write().await = Some(session);
    Ok(view)
}

async fn start_simulator(state: &Shared) -> CommandResult<platform_sim::RunningSim> {
    let directory = state.practice_dir();
    std::fs::create_dir_all(&directory).map_err(|error| {
        CommandError::new(ErrorCode::PracticeFailed, error.to_string())
            .with_hint("Check that the app's data folder is writable.")
    })?;
    // Tests pin the port to read the simulator's state; users get any free one.
    let port = env("CHATLIO_AEP_PRACTICE_PORT")
        .map(|text| text.parse::<u16>())
        .transpose()
        .map_err(|error| {
            CommandError::new(
                ErrorCode::PracticeFailed,
                format!("CHATLIO_AEP_PRACTICE_PORT: {error}"),
            )
        })?
        .unwrap_or(0);
    let config = platform_sim::SimConfig {
        port,
        // Practice runs last: dataflows made today should still be there
        // when the app is reopened tomorrow.
        state_file: Some(directory.join("platform-sim.json")),
        // Short run windows so the dashboard shows runs within minutes.
        run_window: std::time::Duration::from_secs(60),
        ..platform_sim::SimConfig::default()
    };
    platform_sim::start(config).await.map_err(|error| {
        CommandError::new(ErrorCode::PracticeFailed, error.to_string())
            .with_hint("Close other copies of the app and try again.")
    })
}

/// Connects with a server-to-server credential.
#[tauri::command]
pub async fn connect(
    state: State<'_, Shared>,
    input: ConnectInput,
) -> CommandResult<ConnectionView> {
    let valid = validate_connect(&input, env("CHATLIO_AEP_CLIENT_SECRET")).map_err(|problems| {
        let mut error = CommandError::new(ErrorCode::FieldsInvalid, "some fields were refused");
        error.fields = problems;
        error
    })?;
    let session = Session::server_to_server(
        false,
        valid.ims_url,
        valid.platform_url,
        valid.org_id,
        valid.client_id,
        valid.client_secret.clone(),
    );
    let (view, session) =
        open_session(session, &valid.client_secret, env("CHATLIO_AEP_SANDBOX")).await?;
    *state.session.write().await = Some(session);
    Ok(view)
}

/// Forgets the connection (the practice simulator keeps running).
#[tauri::command]
pub async fn disconnect(state: State<'_, Shared>) -> CommandResult<()> {
    *state.session.write().await = None;
    Ok(())
}

/// The connection in use, if any: after a reload of the UI.
#[tauri::command]
pub async fn current_connection(
    state: State<'_, Shared>,
) -> CommandResult<Option<ConnectionSummary>> {
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

#[tauri::command]
pub async fn choose_sandbox(state: State<'_, Shared>, sandbox: String) -> CommandResult<()> {
    let mut session = state.session.write().await;
    let session = session
        .as_mut()
        .ok_or_else(|| CommandError::new(ErrorCode::NotConnected, "no Adobe connection yet"))?;
    let mut problems = Vec::new();
    let input = setup::SetupInput {
        name: "probe".into(),
        sandbox: sandbox.clone(),
        ..setup::SetupInput::default()
    };
    if let Err(errors) = input.validate() {
        problems.extend(
            errors
                .into_iter()
                .filter(|error| error.field == setup::input::Field::Sandbox)
                .map(|error| (error.field, error.problem)),
        );
    }
    if !problems.is_empty() {
        return Err(CommandError::from_fields(problems));
    }
    session.sandbox = Some(sandbox);
    Ok(())
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// Stable id, e.g. `token`, `sandbox`, `permission_sources`.
    pub id: String,
    /// `passed`, `failed`, `warning` or `skipped`.
    pub state: String,
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
#[tauri::command]
pub async fn preflight(
    state: State<'_, Shared>,
    input: setup::SetupInput,
) -> CommandResult<PreflightView> {
    let session = state.session().await?;
    let request = input.validate().map_err(|errors| {
        CommandError::from_fields(errors.into_iter().map(|e| (e.field, e.problem)))
    })?;
    let client = session.client(&request.sandbox)?;
    let report = setup::preflight::preflight(&client, &request).await;
    Ok(PreflightView {
        ok: report.ok,
        tenant_id: report.tenant_id,
        checks: report
            .checks
            .into_iter()
            .map(|check| CheckView {
                id: check.id.to_owned(),
                state: serde_json::to_value(check.state)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: check.message,
                hint: check.hint,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ConnectInput {
        ConnectInput {
            ims_url: "https://ims-na1.adobelogin.com".into(),
            platform_url: "https://platform.adobe.io".into(),
            client_id: "0123456789abcdef0123456789abcdef".into(),
            client_secret: "p8e-SECRETsecretSECRETsecret1234".into(),
            org_id: "0123456789ABCDEF01234567@AdobeOrg".into(),
        }
    }

    fn fields(result: Result<ValidConnect, Vec<FieldProblem>>) -> Vec<(String, String)> {
        match result {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|p| (p.field, p.problem)).collect(),
        }
    }

    #[test]
    fn a_good_form_passes_and_a_pasted_secret_is_trimmed() {
        let mut form = input();
        form.client_secret = "  p8e-SECRET\n".into();
        let valid = validate_connect(&form, None).unwrap();
        assert_eq!(valid.client_secret.expose(), "p8e-SECRET");
    }

    #[test]
    fn every_bad_field_is_named() {
        let form = ConnectInput {
            ims_url: "not a url".into(),
            platform_url: "http://platform.example.com".into(),
            client_id: "has spaces in it".into(),
            client_secret: "two words".into(),
            org_id: "0123456789ABCDEF01234567".into(),
        };
        let found = fields(validate_connect(&form, None));
        let expected = [
            ("ims_url", "wrong_format"),
            ("platform_url", "insecure_url"),
            ("client_id", "wrong_format"),
            ("client_secret", "whitespace_inside"),
            ("org_id", "wrong_format"),
        ];
        assert_eq!(
            found,
            expected
                .iter()
                .map(|(f, p)| (f.to_string(), p.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_empty_secret_falls_back_to_the_environment_only_when_set() {
        let mut form = input();
        form.client_secret = "   ".into();
        assert_eq!(
            fields(validate_connect(&form, None)),
            vec![("client_secret".to_string(), "empty".to_string())]
        );
        assert!(validate_connect(&form, Some("from-env".into())).is_ok());
    }

    #[test]
    fn too_long_values_are_refused() {
        let mut form = input();
        form.client_id = "a".repeat(200);
        form.org_id = format!("{}@AdobeOrg", "A".repeat(200));
        assert_eq!(
            fields(validate_connect(&form, None)),
            vec![
                ("client_id".to_string(), "too_long".to_string()),
                ("org_id".to_string(), "too_long".to_string())
            ]
        );
    }

    #[test]
    fn the_mask_shows_at_most_the_last_four_characters() {
        assert_eq!(mask(&Secret::new("short".to_owned())), "••••••••");
        assert_eq!(
            mask(&Secret::new("p8e-0123456789abcdef".to_owned())),
            "••••••••cdef"
        );
    }
}
