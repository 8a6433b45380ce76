//! Dataflow, Review and Create screens: validate, plan, run, resume, retry,
//! roll back. All work is the `setup` crate's; progress reaches the UI
//! through a [`Progress`] callback (the shell forwards it to a channel).

use std::sync::Arc;

use serde::Serialize;
use setup::{Engine, JournalStore, ProgressEvent, ProgressKind, SetupInput, StepId};
use ts_rs::TS;

use crate::desktop::Desktop;
use crate::error::{AppErrorCode, CommandError, CommandResult, ErrorCode, FieldProblem};
use crate::state::{Session, Shared};

/// Where a long command reports each step as it happens.
pub type Progress = Arc<dyn Fn(StepEvent) + Send + Sync>;

/// Field problems as the user types; no network.
pub async fn validate_setup(input: SetupInput) -> CommandResult<Vec<FieldProblem>> {
    Ok(match validated(&input) {
        Ok(_) => Vec::new(),
        Err(error) => error.fields,
    })
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedResourceView {
    pub step: StepId,
    /// `field_group`, `schema`, `dataset`, ...
    pub kind: String,
    pub name: String,
    pub action: setup::plan::ResourceAction,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCallView {
    pub step: Option<StepId>,
    pub method: String,
    pub path: String,
    /// Pretty-printed JSON; never holds a secret.
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    pub name: String,
    pub sandbox: String,
    pub resources: Vec<PlannedResourceView>,
    pub calls: Vec<PlannedCallView>,
    /// The same calls as a runnable shell script.
    pub curl: String,
}

pub(crate) fn validated(input: &SetupInput) -> CommandResult<setup::SetupRequest> {
    input.validate().map_err(|errors| {
        CommandError::from_fields(errors.into_iter().map(|e| (e.field, e.problem)))
    })
}

/// The review screen's plan.
pub async fn plan_setup(input: SetupInput) -> CommandResult<PlanView> {
    let request = validated(&input)?;
    let plan = setup::plan::Plan::new(&request).map_err(CommandError::internal)?;
    let curl = plan.to_curl_script();
    Ok(PlanView {
        name: request.name.clone(),
        sandbox: request.sandbox.clone(),
        resources: plan
            .resources()
            .iter()
            .map(|resource| PlannedResourceView {
                step: resource.step,
                kind: resource.kind.to_owned(),
                name: resource.name.clone(),
                action: resource.action,
            })
            .collect(),
        calls: plan
            .calls()
            .iter()
            .map(|call| {
                Ok(PlannedCallView {
                    step: call.step,
                    method: call.method.to_owned(),
                    path: call.path.clone(),
                    body: call.body.as_ref().map(pretty_json).transpose()?,
                })
            })
            .collect::<CommandResult<_>>()?,
        curl,
    })
}

fn pretty_json(value: &serde_json::Value) -> CommandResult<String> {
    serde_json::to_string_pretty(value).map_err(CommandError::internal)
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExistingView {
    pub id: String,
    /// Title of a schema, name of a dataset.
    pub name: String,
}

/// Schemas of the sandbox a Chatlio dataflow can write to.
pub async fn existing_schemas(state: &Shared) -> CommandResult<Vec<ExistingView>> {
    let (_, client) = state.sandbox_client().await?;
    Ok(setup::existing::compatible_schemas(&client)
        .await
        .map_err(|error| CommandError::from_platform(&error))?
        .into_iter()
        .map(|schema| ExistingView {
            id: schema.id,
            name: schema.title,
        })
        .collect())
}

/// Datasets of `schema_id`.
pub async fn existing_datasets(
    state: &Shared,
    schema_id: String,
) -> CommandResult<Vec<ExistingView>> {
    let (_, client) = state.sandbox_client().await?;
    Ok(setup::existing::datasets_for_schema(&client, &schema_id)
        .await
        .map_err(|error| CommandError::from_platform(&error))?
        .into_iter()
        .map(|dataset| ExistingView {
            id: dataset.id,
            name: dataset.name,
        })
        .collect())
}

/// Copies the plan as a runnable curl script (it holds no secret: the script
/// reads the token from the environment).
pub async fn copy_plan_script(desktop: &dyn Desktop, input: SetupInput) -> CommandResult<()> {
    let plan = plan_setup(input).await?;
    desktop.copy_to_clipboard(&plan.curl).map_err(|error| {
        CommandError::new(AppErrorCode::ClipboardFailed, error)
            .with_hint("Run `chatlio-aep plan --curl` to get the script instead.")
    })
}

/// One step's progress, as the Create screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepEvent {
    pub setup_name: String,
    pub step: StepId,
    /// Which of the step's resources, in a setup with one dataflow per
    /// Chatlio event (the flow's key); none for a setup's only one.
    pub instance: Option<String>,
    pub kind: StepEventKind,
    pub resource_id: Option<String>,
    pub adopted: bool,
    pub error: Option<CommandError>,
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepEventKind {
    Started,
    Done,
    Failed,
    RolledBack,
    Kept,
}

pub fn step_event(event: &ProgressEvent) -> StepEvent {
    let mut out = StepEvent {
        setup_name: event.setup_name.clone(),
        step: event.step,
        instance: event.instance.clone(),
        kind: StepEventKind::Started,
        resource_id: None,
        adopted: false,
        error: None,
    };
    out.kind = match &event.kind {
        ProgressKind::Started => StepEventKind::Started,
        ProgressKind::Done {
            resource_id,
            adopted,
            ..
        } => {
            out.resource_id = resource_id.clone();
            out.adopted = *adopted;
            StepEventKind::Done
        }
        ProgressKind::Failed { error } => {
            out.error = Some(CommandError::from_view(error));
            StepEventKind::Failed
        }
        ProgressKind::RolledBack { resource_id } => {
            out.resource_id = Some(resource_id.clone());
            StepEventKind::RolledBack
        }
        ProgressKind::Kept { .. } => StepEventKind::Kept,
    };
    out
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub step: StepId,
    /// As in [`StepEvent::instance`].
    pub instance: Option<String>,
    pub state: setup::journal::StepState,
    pub resource_id: Option<String>,
    pub pre_existing: bool,
    pub attempts: u32,
    /// The recorded error's code and English message, after a restart.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupView {
    pub name: String,
    pub webhook_mode: chatlio::WebhookMode,
    pub practice: bool,
    pub sandbox: String,
    pub complete: bool,
    pub flow_id: Option<String>,
    pub dataset_id: Option<String>,
    pub schema_id: Option<String>,
    /// The webhook URL exists; it is only sent on request (`reveal_webhook_url`).
    pub has_webhook: bool,
    pub steps: Vec<StepView>,
}

fn setup_view(outcome: &setup::SetupOutcome, practice: bool, sandbox: &str) -> SetupView {
    SetupView {
        name: outcome.setup_name.clone(),
        webhook_mode: outcome.webhook_mode(),
        practice,
        sandbox: sandbox.to_owned(),
        complete: outcome.complete,
        flow_id: outcome.flow_id.clone(),
        dataset_id: outcome.dataset_id.clone(),
        schema_id: outcome.schema_id.clone(),
        has_webhook: outcome.webhook_url.is_some(),
        steps: outcome
            .steps
            .iter()
            .map(|record| StepView {
                step: record.step,
                instance: record.instance.clone(),
                state: record.state,
                resource_id: record.shown_resource_id().map(str::to_owned),
                pre_existing: record.pre_existing,
                attempts: record.attempts,
                error_code: record.error.as_ref().map(|error| error.code.clone()),
                error_message: record.error.as_ref().map(|error| error.message.clone()),
            })
            .collect(),
    }
}

pub async fn engine_for(
    state: &Shared,
    session: &Session,
    sandbox: &str,
    progress: Option<Progress>,
) -> CommandResult<Engine> {
    let client = session.client(sandbox).await?;
    let store = JournalStore::new(state.journal_dir(session.practice));
    // Who makes a new setup, for its record.
    let mut engine = Engine::new(client, store).with_identity(crate::documents::identity(session));
    if let Some(progress) = progress {
        engine = engine.with_progress(Arc::new(move |event: &ProgressEvent| {
            progress(step_event(event));
        }));
    }
    Ok(engine)
}

/// Creates everything for `input`, reporting each step on `on_progress`.
pub async fn run_setup(
    state: &Shared,
    input: SetupInput,
    progress: Option<Progress>,
) -> CommandResult<SetupView> {
    let request = validated(&input)?;
    let session = state.session().await?;
    let _busy = state.claim(&request.name)?;
    let engine = engine_for(state, &session, &request.sandbox, progress).await?;
    let outcome = engine.apply(&request).await;
    let outcome = outcome.map_err(|error| CommandError::from_setup(&error))?;
    Ok(setup_view(&outcome, session.practice, &request.sandbox))
}

/// The sandbox a setup's journal was made in.
pub fn journal_sandbox(state: &Shared, session: &Session, name: &str) -> CommandResult<String> {
    let store = JournalStore::new(state.journal_dir(session.practice));
    match store.load(name) {
        Ok(Some(journal)) => Ok(journal.sandbox),
        Ok(None) => Err(CommandError::new(
            ErrorCode::Setup(setup::SetupErrorCode::UnknownSetup),
            format!("no setup named {name:?}"),
        )),
        Err(error) => Err(CommandError::new(
            ErrorCode::Setup(setup::SetupErrorCode::Journal),
            error.to_string(),
        )),
    }
}

/// The sandbox a recorded setup lives in, the engine for it, and what its
/// journal says (no network).
pub async fn recorded_setup(
    state: &Shared,
    session: &Session,
    name: &str,
) -> CommandResult<(String, Engine, setup::SetupOutcome)> {
    let sandbox = journal_sandbox(state, session, name)?;
    let engine = engine_for(state, session, &sandbox, None).await?;
    let outcome = engine
        .status(name)
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok((sandbox, engine, outcome))
}

/// Finishes an interrupted setup.
pub async fn resume_setup(
    state: &Shared,
    name: String,
    progress: Option<Progress>,
) -> CommandResult<SetupView> {
    let session = state.session().await?;
    let sandbox = journal_sandbox(state, &session, &name)?;
    let _busy = state.claim(&name)?;
    let engine = engine_for(state, &session, &sandbox, progress).await?;
    let outcome = engine.resume(&name).await;
    let outcome = outcome.map_err(|error| CommandError::from_setup(&error))?;
    Ok(setup_view(&outcome, session.practice, &sandbox))
}

/// Runs one failed step again, then whatever depends on it.
pub async fn retry_step(
    state: &Shared,
    name: String,
    step: StepId,
    progress: Option<Progress>,
) -> CommandResult<SetupView> {
    let session = state.session().await?;
    let sandbox = journal_sandbox(state, &session, &name)?;
    let _busy = state.claim(&name)?;
    let engine = engine_for(state, &session, &sandbox, progress.clone()).await?;
    engine
        .retry_step(&name, step)
        .await
        .map_err(|error| CommandError::from_setup(&error))?;
    // The retried step may unblock the rest.
    let outcome = engine
        .resume(&name)
        .await
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok(setup_view(&outcome, session.practice, &sandbox))
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollbackView {
    pub name: String,
    /// Step and resource id of every deleted resource.
    pub deleted: Vec<(StepId, String)>,
    /// Step and reason of what stayed.
    pub kept: Vec<(StepId, setup::KeptReason)>,
}

/// Deletes what this setup created, newest first, and forgets the setup.
pub async fn rollback_setup(
    state: &Shared,
    name: String,
    progress: Option<Progress>,
) -> CommandResult<RollbackView> {
    let session = state.session().await?;
    let sandbox = journal_sandbox(state, &session, &name)?;
    let _busy = state.claim(&name)?;
    let engine = engine_for(state, &session, &sandbox, progress).await?;
    let outcome = engine
        .rollback(&name)
        .await
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok(RollbackView {
        name: outcome.setup_name,
        deleted: outcome.deleted,
        kept: outcome
            .kept
            .into_iter()
            .map(|kept| (kept.step, kept.reason))
            .collect(),
    })
}

/// A setup as its journal records it; no network.
pub async fn setup_state(state: &Shared, name: String) -> CommandResult<SetupView> {
    let session = state.session().await?;
    let sandbox = journal_sandbox(state, &session, &name)?;
    let engine = engine_for(state, &session, &sandbox, None).await?;
    let outcome = engine
        .status(&name)
        .map_err(|error| CommandError::from_setup(&error))?;
    Ok(setup_view(&outcome, session.practice, &sandbox))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_events_carry_codes_not_words() {
        let event = ProgressEvent {
            setup_name: "Chatlio".into(),
            step: StepId::Schema,
            instance: None,
            kind: ProgressKind::Done {
                resource_id: Some("https://ns.adobe.com/practice/schemas/1".into()),
                adopted: true,
                pre_existing: false,
            },
            at: chrono::Utc::now(),
        };
        let view = step_event(&event);
        assert_eq!(view.step, StepId::Schema);
        assert_eq!(view.kind, StepEventKind::Done);
        assert!(view.adopted);
    }

    #[test]
    fn a_setup_view_never_carries_the_inlet_or_webhook_url() {
        let inlet = "https://dcs.adobedc.net/collection/abc123";
        let mut journal = setup::Journal::new("Chatlio", "ORG@AdobeOrg", "prod");
        for step in StepId::ALL {
            let record = journal.record_mut(step);
            record.state = setup::journal::StepState::Done;
            record.resource_id = Some(format!("{}-id", step.as_str()));
        }
        journal.record_mut(StepId::ReadBack).resource_id = Some(inlet.into());
        let outcome = setup::SetupOutcome {
            setup_name: "Chatlio".into(),
            complete: true,
            flow_id: Some("dataflow-id".into()),
            dataset_id: None,
            schema_id: None,
            webhook_url: platform::WebhookUrl::new(
                inlet,
                &platform::models::FlowId::new("dataflow-id"),
            )
            .ok(),
            steps: journal.steps.clone(),
        };
        assert!(outcome.webhook_url.is_some());
        let view = serde_json::to_string(&setup_view(&outcome, false, "prod")).unwrap();
        assert!(!view.contains("abc123"), "{view}");
        assert!(view.contains("schema-id"), "other ids still shown: {view}");
    }

    #[tokio::test]
    async fn the_plan_lists_resources_and_a_script_without_secrets() {
        let input = SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            ..SetupInput::default()
        };
        let plan = plan_setup(input).await.unwrap();
        let kinds: Vec<&str> = plan.resources.iter().map(|r| r.kind.as_str()).collect();
        for kind in ["schema", "dataset", "dataflow"] {
            assert!(kinds.iter().any(|k| k.contains(kind)), "{kinds:?}");
        }
        assert!(plan.calls.len() > 8);
        assert!(plan.curl.starts_with("#!"));
        assert!(!plan.curl.contains("practice-secret"));
    }

    #[tokio::test]
    async fn bad_input_names_every_field() {
        let problems = validate_setup(SetupInput::default()).await.unwrap();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"name"), "{fields:?}");
        assert!(fields.contains(&"sandbox"), "{fields:?}");
    }
}
