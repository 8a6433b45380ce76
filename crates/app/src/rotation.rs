//! Rotating a setup's webhook URL from the app (`setup::rotate`): a new
//! dataflow next to the old one, its URL handed over once Adobe's warm-up
//! has passed, the old one disabled once an event came through the new URL
//! and deleted when confirmed. The new URL crosses to the UI only when the
//! user asks for it (`reveal_rotation_url`, `copy_rotation_url`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use setup::rotate::{self, RotationError, RotationPhase, RotationStatus, RotationStore};
use setup::JournalStore;
use ts_rs::TS;

use crate::desktop::Desktop;
use crate::error::{AppErrorCode, CommandError, CommandResult, ErrorCode};
use crate::setup::journal_sandbox;
use crate::state::{Session, Shared};

/// Where a rotation of one of a setup's dataflows stands. Never the URL.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RotationView {
    pub setup_name: String,
    /// Which dataflow of a setup with one per Chatlio event (its key).
    pub instance: Option<String>,
    /// The Chatlio fields whose URL is rotated.
    pub fields: Vec<chatlio::EventKind>,
    pub phase: RotationPhase,
    pub started_at: String,
    /// When the new URL accepts data (Adobe's warm-up after creating it).
    pub accepts_data_from: Option<String>,
    /// The new URL can be copied now.
    pub url_ready: bool,
    pub first_event_at: Option<String>,
    pub old_disabled_at: Option<String>,
    pub finished_at: Option<String>,
    /// Records received through the old and the new URL since the rotation
    /// started.
    #[ts(type = "number")]
    pub old_received: u64,
    #[ts(type = "number")]
    pub new_received: u64,
    pub old_flow_id: String,
    pub new_flow_id: Option<String>,
}

fn rfc3339(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| at.to_rfc3339())
}

fn view(status: RotationStatus, now: DateTime<Utc>) -> RotationView {
    let rotation = status.rotation;
    RotationView {
        fields: chatlio::plan::fields_served(rotation.instance.as_deref()),
        url_ready: rotation.phase >= RotationPhase::Ready
            && rotation.accepts_data_from.is_some_and(|from| from <= now),
        setup_name: rotation.setup_name,
        instance: rotation.instance,
        phase: rotation.phase,
        started_at: rotation.started_at.to_rfc3339(),
        accepts_data_from: rfc3339(rotation.accepts_data_from),
        first_event_at: rfc3339(rotation.first_event_at),
        old_disabled_at: rfc3339(rotation.old_disabled_at),
        finished_at: rfc3339(rotation.finished_at),
        old_received: status.old_received,
        new_received: status.new_received,
        old_flow_id: rotation.old_flow_id,
        new_flow_id: rotation.new_flow_id,
    }
}

/// The code the UI words for a rotation's failure.
pub fn rotation_error(error: &RotationError) -> CommandError {
    use RotationError as R;
    match error {
        R::Platform(platform) => CommandError::from_platform(platform),
        R::UnknownSetup(_) => CommandError::new(
            ErrorCode::Setup(setup::SetupErrorCode::UnknownSetup),
            error.to_string(),
        ),
        R::Journal(_) | R::File { .. } => CommandError::new(
            ErrorCode::Setup(setup::SetupErrorCode::Journal),
            error.to_string(),
        )
        .with_hint("Check the app's data folder; a damaged file can be moved away."),
        R::NoDataflow { .. } => CommandError::new(AppErrorCode::SetupIncomplete, error.to_string())
            .with_hint("Finish the setup first."),
        R::WhichDataflow { .. } => CommandError::new(AppErrorCode::InvalidInput, error.to_string())
            .with_hint("Choose which dataflow (Chatlio field) to rotate."),
        R::NotStarted(_) => CommandError::new(AppErrorCode::RotationNotStarted, error.to_string())
            .with_hint("Start the rotation first."),
        R::WarmingUp(_) => CommandError::new(AppErrorCode::RotationWarmingUp, error.to_string())
            .with_hint("Wait until the new URL accepts data."),
        R::NewUrlUnused => CommandError::new(AppErrorCode::RotationNewUrlUnused, error.to_string())
            .with_hint("Put the new URL in Chatlio and wait for an event, or disable anyway."),
        R::NeedsConfirmation => {
            CommandError::new(AppErrorCode::RotationNeedsConfirmation, error.to_string())
                .with_hint("Confirm deleting the old dataflow.")
        }
        R::NewDataflowGone(_) => {
            CommandError::new(AppErrorCode::RotationNewDataflowGone, error.to_string())
                .with_hint("Start the rotation again: a new dataflow is made in its place.")
        }
        R::MissingInResponse(_) => CommandError::internal(error),
    }
}

struct Context {
    session: Session,
    client: platform::Client,
    journals: JournalStore,
    rotations: RotationStore,
}

async fn context(state: &Shared, name: &str) -> CommandResult<Context> {
    let session = state.session().await?;
    let sandbox = journal_sandbox(state, &session, name)?;
    let client = session.client(&sandbox).await?;
    let mode = storage::Mode::from_practice(session.practice);
    Ok(Context {
        journals: JournalStore::new(state.journal_dir(session.practice)),
        rotations: RotationStore::new(state.layout().rotations(mode)),
        session,
        client,
    })
}

/// Now, as the service sees it: the practice simulator keeps its own clock
/// (which its control surface may move forward), Adobe the real one.
async fn now(state: &Shared, session: &Session) -> DateTime<Utc> {
    if !session.practice {
        return Utc::now();
    }
    let (base, token) = {
        let practice = state.practice.lock().await;
        match practice.as_ref() {
            Some(sim) => (sim.base_url(), sim.config().control_token.clone()),
            None => return Utc::now(),
        }
    };
    let mut request = reqwest::Client::new().get(format!("{base}/__sim/clock"));
    if let Some(token) = token {
        request = request.header(platform_sim::CONTROL_TOKEN_HEADER, token);
    }
    let read = async {
        let body: serde_json::Value = request.send().await.ok()?.json().await.ok()?;
        let text = body.get("now")?.as_str()?.to_owned();
        DateTime::parse_from_rfc3339(&text)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    };
    read.await.unwrap_or_else(Utc::now)
}

async fn status_of(
    state: &Shared,
    context: &Context,
    name: &str,
    instance: Option<&str>,
) -> CommandResult<(RotationStatus, DateTime<Utc>)> {
    let now = now(state, &context.session).await;
    let status = rotate::status(
        &context.client,
        &context.rotations,
        name,
        instance,
        &context.session.timing(),
        now,
    )
    .await
    .map_err(|error| rotation_error(&error))?;
    Ok((status, now))
}

/// Starts (or resumes) rotating one dataflow of a setup made here.
pub async fn start_rotation(
    state: &Shared,
    name: String,
    instance: Option<String>,
) -> CommandResult<RotationView> {
    let context = context(state, &name).await?;
    let _busy = state.claim(&name)?;
    rotate::start(
        &context.client,
        &context.journals,
        &context.rotations,
        &name,
        instance.as_deref(),
        &context.session.timing(),
    )
    .await
    .map_err(|error| rotation_error(&error))?;
    let (status, now) = status_of(state, &context, &name, instance.as_deref()).await?;
    Ok(view(status, now))
}

/// Where the rotation stands (moving its phase on), or `None` when none was
/// started for that dataflow.
pub async fn rotation_status(
    state: &Shared,
    name: String,
    instance: Option<String>,
) -> CommandResult<Option<RotationView>> {
    let context = context(state, &name).await?;
    let started = context
        .rotations
        .load(&name, instance.as_deref())
        .map_err(|error| rotation_error(&error))?;
    if started.is_none() {
        return Ok(None);
    }
    let (status, now) = status_of(state, &context, &name, instance.as_deref()).await?;
    Ok(Some(view(status, now)))
}

async fn new_url(
    state: &Shared,
    name: &str,
    instance: Option<&str>,
) -> CommandResult<platform::WebhookUrl> {
    let context = context(state, name).await?;
    let (status, now) = status_of(state, &context, name, instance).await?;
    rotate::new_url(&context.client, &status.rotation, now)
        .await
        .map_err(|error| rotation_error(&error))
}

/// The new webhook URL, shown because the user asked to see it.
pub async fn reveal_rotation_url(
    state: &Shared,
    name: String,
    instance: Option<String>,
) -> CommandResult<String> {
    Ok(new_url(state, &name, instance.as_deref())
        .await?
        .as_str()
        .to_owned())
}

/// Copies the new webhook URL to the clipboard without it passing through
/// the UI.
pub async fn copy_rotation_url(
    state: &Shared,
    desktop: &dyn Desktop,
    name: String,
    instance: Option<String>,
) -> CommandResult<()> {
    let url = new_url(state, &name, instance.as_deref()).await?;
    desktop.copy_to_clipboard(url.as_str()).map_err(|error| {
        CommandError::new(AppErrorCode::ClipboardFailed, error)
            .with_hint("Reveal the URL and copy it by hand.")
    })
}

/// Disables the old dataflow (once an event came through the new URL, or
/// when `force`), and with `delete` deletes it: the setup then names the
/// new one.
pub async fn finish_rotation(
    state: &Shared,
    name: String,
    instance: Option<String>,
    force: bool,
    delete: bool,
) -> CommandResult<RotationView> {
    let context = context(state, &name).await?;
    let _busy = state.claim(&name)?;
    // The runs first: an event through the new URL moves the rotation on.
    status_of(state, &context, &name, instance.as_deref()).await?;
    rotate::finish(
        &context.client,
        &context.journals,
        &context.rotations,
        &name,
        instance.as_deref(),
        force,
        delete,
    )
    .await
    .map_err(|error| rotation_error(&error))?;
    let (status, now) = status_of(state, &context, &name, instance.as_deref()).await?;
    Ok(view(status, now))
}
