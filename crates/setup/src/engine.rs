//! Carrying out a setup: steps run as soon as their dependencies are done (so
//! the request chain is as deep as `step::rounds()`, not as long as the step
//! list), the journal is saved after every step, every step looks for what an
//! interrupted run made before creating, and rollback deletes what this setup
//! made in reverse order.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use platform::models::catalog::DatasetRequest;
use platform::models::dataprep::MappingSetRequest;
use platform::models::flow::{
    Created, Flow, FlowRequest, SourceConnectionRequest, TargetConnectionRequest,
    CHATLIO_CONNECTION_SPEC_ID, GENERIC_STREAMING_FLOW_SPEC_ID,
};
use platform::models::schema::{FieldGroupRequest, IdentityDescriptorRequest, SchemaRequest};
use platform::models::{
    ConnectionSpecId, DatasetId, DescriptorId, FlowId, FlowSpecId, MappingSetId, SchemaId,
    SourceConnectionId, TargetConnectionId,
};
use platform::{Client, ErrorCode, PlatformError, WebhookUrl};
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::error::{ErrorView, Result, SetupError};
use crate::input::{DatasetChoice, SchemaChoice, SetupRequest};
use crate::journal::{Journal, JournalError, JournalStore, RecordedError, StepRecord, StepState};
use crate::lookup::{
    can_look_up, dataset_schema, find_identity_descriptor, look_up, look_up_all, pick, Found,
};
use crate::names::{has_marker, Names};
use crate::step::StepId;

/// A simulated crash, for tests and (in debug builds) the CLI's
/// `CHATLIO_AEP_FAIL_POINT`: the run stops as if the process died there, so
/// the journal does not learn about that step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailPoint {
    /// Before the step sends anything.
    BeforeStep(StepId),
    /// After Adobe created the step's resource, before the journal records
    /// it: the case that needs adoption by marker.
    AfterCreate(StepId),
    /// After a draft dataflow was created and its id journaled, before it is
    /// published (only the dataflow step, and only when draft mode is used).
    AfterDraft(StepId),
}

impl FailPoint {
    /// Parses `before:<step>`, `after_create:<step>` or `after_draft:<step>`.
    pub fn parse(text: &str) -> Option<Self> {
        let (when, step) = text.split_once(':')?;
        let step = StepId::ALL.into_iter().find(|s| s.as_str() == step)?;
        match when {
            "before" => Some(Self::BeforeStep(step)),
            "after_create" => Some(Self::AfterCreate(step)),
            "after_draft" => Some(Self::AfterDraft(step)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProgressKind {
    Started,
    Done {
        /// Ids only; the inlet URL of the read-back step is never sent here.
        resource_id: Option<String>,
        adopted: bool,
        pre_existing: bool,
    },
    Skipped,
    Failed {
        error: ErrorView,
    },
    RolledBack {
        resource_id: String,
    },
    Kept {
        reason: KeptReason,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEvent {
    pub setup_name: String,
    pub step: StepId,
    #[serde(flatten)]
    pub kind: ProgressKind,
    pub at: DateTime<Utc>,
}

/// Where progress goes: the CLI prints it, the desktop app emits it to the UI.
pub type ProgressSink = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// The result of `apply`, `resume` or `retry_step`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupOutcome {
    pub setup_name: String,
    pub complete: bool,
    pub flow_id: Option<String>,
    pub dataset_id: Option<String>,
    pub schema_id: Option<String>,
    /// `{inletUrl}?x-adobe-flow-id={flowId}`, rebuilt, never stored.
    pub webhook_url: Option<WebhookUrl>,
    pub steps: Vec<StepRecord>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptReason {
    /// The user picked it, or it existed before (shared field group).
    PreExisting,
    /// Adobe offers no delete for it (mapping sets).
    NotDeletable,
    /// Another resource still uses it (a field group in another schema).
    InUse,
    /// Adobe offers no undo: a schema enabled for Profile keeps its `union`
    /// tag (help/xdm/api/schemas.md), and such a schema may not be deletable.
    Irreversible,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptResource {
    pub step: StepId,
    pub resource_id: Option<String>,
    pub reason: KeptReason,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackOutcome {
    pub setup_name: String,
    pub deleted: Vec<(StepId, String)>,
    pub kept: Vec<KeptResource>,
}

/// How long the read-back step waits for a new flow's inlet URL.
const INLET_DEADLINE: Duration = Duration::from_secs(20);
const INLET_POLL: Duration = Duration::from_millis(250);

pub struct Engine {
    client: Client,
    store: JournalStore,
    progress: Option<ProgressSink>,
    fail_point: Option<FailPoint>,
}

/// What a step produced.
struct StepOutput {
    resource_id: Option<String>,
    etag: Option<String>,
    pre_existing: bool,
    adopted: bool,
}

impl StepOutput {
    fn created(id: impl Into<String>, etag: Option<String>) -> Self {
        Self {
            resource_id: Some(id.into()),
            etag,
            pre_existing: false,
            adopted: false,
        }
    }

    fn adopted(found: Found) -> Self {
        Self {
            resource_id: Some(found.id),
            etag: found.etag,
            pre_existing: !found.ours,
            adopted: true,
        }
    }

    /// The step had nothing to do (Profile not asked for).
    fn nothing() -> Self {
        Self {
            resource_id: None,
            etag: None,
            pre_existing: false,
            adopted: false,
        }
    }

    fn pre_existing(id: impl Into<String>) -> Self {
        Self {
            resource_id: Some(id.into()),
            etag: None,
            pre_existing: true,
            adopted: false,
        }
    }
}

type LookupTask = JoinHandle<std::result::Result<Vec<Found>, PlatformError>>;
type DraftCheckTask = JoinHandle<std::result::Result<bool, PlatformError>>;

/// Whether the dataflow can be made as a draft and then published. Adobe's draft
/// tutorial (help/sources/tutorials/api/draft.md) asks to check
/// `attributes.isDraftModeSupported` on both the source's connection spec and its flow
/// spec; neither Chatlio's spec nor GenericStreamingAEP shows the flag in Adobe's docs,
/// so against Adobe this is expected to say no until Adobe turns it on.
async fn draft_mode_supported(client: &Client) -> std::result::Result<bool, PlatformError> {
    let flows = client.flow_service();
    let connection_spec = ConnectionSpecId::new(CHATLIO_CONNECTION_SPEC_ID);
    let flow_spec = FlowSpecId::new(GENERIC_STREAMING_FLOW_SPEC_ID);
    let (connection, flow) = futures_util::future::try_join(
        flows.get_connection_spec(&connection_spec),
        flows.get_flow_spec(&flow_spec),
    )
    .await?;
    Ok(connection.is_draft_mode_supported() && flow.is_draft_mode_supported())
}

/// State shared by the steps of one run.
struct Run {
    request: SetupRequest,
    names: Names,
    journal: Mutex<Journal>,
    lookups: Mutex<HashMap<StepId, LookupTask>>,
    /// Steps that created their resource in this run (not adopted): what
    /// depends only on them cannot exist yet, so it needs no lookup.
    created: Mutex<BTreeSet<StepId>>,
    /// Saves one at a time, each writing the journal as it is when its turn
    /// comes, so a later save never lands before an earlier one.
    saves: tokio::sync::Mutex<()>,
    /// Signalled when a step is done in memory, so dependents can start.
    progressed: tokio::sync::Notify,
    /// The draft mode check, started with the lookups so it adds no round.
    draft_check: Mutex<Option<DraftCheckTask>>,
}

impl Run {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        // A panic while holding the lock cannot leave the journal half
        // written (saves are atomic), so a poisoned lock is still usable.
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn resource(&self, step: StepId) -> Result<String> {
        self.journal()
            .record(step)
            .filter(|record| record.state == StepState::Done)
            .and_then(|record| record.resource_id.clone())
            .ok_or(SetupError::DependencyNotDone {
                step,
                missing: step,
            })
    }

    fn is_done(&self, step: StepId) -> bool {
        self.journal()
            .record(step)
            .is_some_and(|record| record.state == StepState::Done)
    }

    /// Every resource the lookup started for `step` found, ours first.
    async fn candidates(&self, step: StepId) -> Result<Vec<Found>> {
        let task = self
            .lookups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&step);
        match task {
            None => Ok(Vec::new()),
            Some(task) => match task.await {
                Ok(result) => result.map_err(|error| SetupError::Step { step, error }),
                // The lookup task only panics on a bug; treat it as "not
                // looked", the create below then reports any conflict.
                Err(join_error) => {
                    tracing::error!(step = step.as_str(), %join_error, "lookup task failed; creating without it");
                    Ok(Vec::new())
                }
            },
        }
    }

    /// The resource the lookup found for `step`, ours preferred.
    async fn found(&self, step: StepId) -> Result<Option<Found>> {
        Ok(pick(self.candidates(step).await?))
    }

    fn take_draft_check(&self) -> Option<DraftCheckTask> {
        self.draft_check
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    fn created_in_this_run(&self, step: StepId) -> bool {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&step)
    }
}

impl Engine {
    pub fn new(client: Client, store: JournalStore) -> Self {
        Self {
            client,
            store,
            progress: None,
            fail_point: None,
        }
    }

    pub fn with_progress(mut self, sink: ProgressSink) -> Self {
        self.progress = Some(sink);
        self
    }

    pub fn with_fail_point(mut self, fail_point: Option<FailPoint>) -> Self {
        self.fail_point = fail_point;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn store(&self) -> &JournalStore {
        &self.store
    }

    fn emit(&self, setup_name: &str, step: StepId, kind: ProgressKind) {
        if let Some(sink) = &self.progress {
            sink(&ProgressEvent {
                setup_name: setup_name.to_owned(),
                step,
                kind,
                at: Utc::now(),
            });
        }
    }

    fn check_target(&self, journal: &Journal) -> Result<()> {
        if journal.org_id != self.client.org_id().as_str()
            || journal.sandbox != self.client.sandbox().as_str()
        {
            return Err(SetupError::WrongTarget {
                journal_org: journal.org_id.clone(),
                journal_sandbox: journal.sandbox.clone(),
            });
        }
        Ok(())
    }

    /// Creates everything for `request`, or finishes what an earlier run of
    /// the same setup left (the journal and the markers say what exists).
    pub async fn apply(&self, request: &SetupRequest) -> Result<SetupOutcome> {
        let journal = match self.store.load(&request.name)? {
            Some(journal) => {
                self.check_target(&journal)?;
                journal
            }
            None => Journal::new(
                &request.name,
                self.client.org_id().as_str(),
                self.client.sandbox().as_str(),
            ),
        };
        self.run(request.clone(), journal, None).await
    }

    /// Finishes an interrupted setup; only its name is needed.
    pub async fn resume(&self, setup_name: &str) -> Result<SetupOutcome> {
        let (request, journal) = self.load(setup_name)?;
        self.run(request, journal, None).await
    }

    /// Runs one step again (after its error was fixed), if its dependencies
    /// are done.
    pub async fn retry_step(&self, setup_name: &str, step: StepId) -> Result<SetupOutcome> {
        let (request, journal) = self.load(setup_name)?;
        self.run(request, journal, Some(step)).await
    }

    /// The journal's view, without any network call.
    pub fn status(&self, setup_name: &str) -> Result<SetupOutcome> {
        let (request, journal) = self.load(setup_name)?;
        let run = Run {
            names: Names::new(&request),
            request,
            journal: Mutex::new(journal),
            lookups: Mutex::new(HashMap::new()),
            created: Mutex::new(BTreeSet::new()),
            saves: tokio::sync::Mutex::new(()),
            progressed: tokio::sync::Notify::new(),
            draft_check: Mutex::new(None),
        };
        Ok(outcome(&run))
    }

    fn load(&self, setup_name: &str) -> Result<(SetupRequest, Journal)> {
        let journal = self
            .store
            .load(setup_name)?
            .ok_or_else(|| SetupError::UnknownSetup(setup_name.to_owned()))?;
        self.check_target(&journal)?;
        let request = journal
            .request
            .clone()
            .ok_or_else(|| SetupError::UnknownSetup(setup_name.to_owned()))?;
        Ok((request, journal))
    }

    async fn run(
        &self,
        request: SetupRequest,
        mut journal: Journal,
        only: Option<StepId>,
    ) -> Result<SetupOutcome> {
        journal.request = Some(request.clone());
        let names = Names::new(&request);
        // Start every lookup at once, next to the tenant id: they need only
        // names, so they add no round to the chain.
        let mut lookups = HashMap::new();
        for step in StepId::ALL {
            let wanted = only.is_none_or(|only| only == step);
            let done = journal
                .record(step)
                .is_some_and(|record| record.state == StepState::Done);
            if wanted && !done && can_look_up(step) {
                let client = self.client.clone();
                let names = names.clone();
                lookups.insert(
                    step,
                    tokio::spawn(async move { look_up_all(&client, &names, step).await }),
                );
            }
        }
        // The dataflow step needs the specs' draft mode flags; read them now,
        // next to the lookups, so the dataflow does not wait for them.
        let dataflow_wanted = only.is_none_or(|only| only == StepId::Dataflow)
            && !journal
                .record(StepId::Dataflow)
                .is_some_and(|record| record.state == StepState::Done);
        let draft_check = dataflow_wanted.then(|| {
            let client = self.client.clone();
            tokio::spawn(async move { draft_mode_supported(&client).await })
        });
        let run = Run {
            request,
            names,
            journal: Mutex::new(journal),
            lookups: Mutex::new(lookups),
            created: Mutex::new(BTreeSet::new()),
            saves: tokio::sync::Mutex::new(()),
            progressed: tokio::sync::Notify::new(),
            draft_check: Mutex::new(draft_check),
        };
        self.save_run(&run).await?;
        let profile = run.request.profile_enabled;
        if let Some(step) = only {
            for dependency in step.dependencies(profile) {
                if !run.is_done(*dependency) {
                    return Err(SetupError::DependencyNotDone {
                        step,
                        missing: *dependency,
                    });
                }
            }
        }

        let mut started: BTreeSet<StepId> = BTreeSet::new();
        let mut running = FuturesUnordered::new();
        let mut first_error: Option<SetupError> = None;
        loop {
            if first_error.is_none() {
                for step in StepId::ALL {
                    let wanted = only.is_none_or(|only| only == step);
                    if !wanted || started.contains(&step) || run.is_done(step) {
                        continue;
                    }
                    if step
                        .dependencies(profile)
                        .iter()
                        .all(|dependency| run.is_done(*dependency))
                    {
                        started.insert(step);
                        running.push(self.execute(&run, step));
                    }
                }
            }
            // A step's dependents start as soon as its result is known, not
            // after its journal save: if a crash loses that save, the next run
            // finds the resource by its marker, so the disk stays off the
            // critical path.
            tokio::select! {
                biased;
                finished = running.next() => match finished {
                    None => break,
                    Some(Err(error)) => {
                        if first_error.is_none() {
                            first_error = Some(error);
                        }
                    }
                    Some(Ok(())) => {}
                },
                () = run.progressed.notified() => {}
            }
        }
        for (_, task) in run
            .lookups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain()
        {
            task.abort();
        }
        if let Some(task) = run.take_draft_check() {
            task.abort();
        }
        if let Some(error) = first_error {
            return Err(error);
        }
        Ok(outcome(&run))
    }

    async fn execute(&self, run: &Run, step: StepId) -> Result<()> {
        let setup_name = run.names.setup.clone();
        self.emit(&setup_name, step, ProgressKind::Started);
        {
            let mut journal = run.journal();
            let record = journal.record_mut(step);
            record.state = StepState::Running;
            record.attempts += 1;
            record.started_at = Some(Utc::now());
        }
        let result = self.perform(run, step).await;
        match result {
            Ok(output) => {
                if !output.adopted && !output.pre_existing {
                    run.created
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(step);
                }
                {
                    let mut journal = run.journal();
                    let record = journal.record_mut(step);
                    record.state = StepState::Done;
                    record.resource_id = output.resource_id.clone();
                    record.etag = output.etag;
                    record.pre_existing = output.pre_existing;
                    record.finished_at = Some(Utc::now());
                    record.error = None;
                }
                run.progressed.notify_one();
                self.save_run(run).await?;
                // The read-back's "resource" is the inlet URL: half of the
                // webhook URL, so it is neither logged nor sent as progress.
                let shown_id = if step == StepId::ReadBack {
                    None
                } else {
                    output.resource_id
                };
                tracing::info!(
                    setup = %setup_name,
                    step = step.as_str(),
                    resource_id = shown_id.as_deref().unwrap_or("-"),
                    adopted = output.adopted,
                    pre_existing = output.pre_existing,
                    "setup step done"
                );
                self.emit(
                    &setup_name,
                    step,
                    ProgressKind::Done {
                        resource_id: shown_id,
                        adopted: output.adopted,
                        pre_existing: output.pre_existing,
                    },
                );
                Ok(())
            }
            Err(error) => {
                tracing::warn!(
                    setup = %setup_name,
                    step = step.as_str(),
                    code = ?error.code(),
                    resumable = error.is_resumable(),
                    "setup step failed: {error}"
                );
                if !matches!(error, SetupError::Interrupted { .. }) {
                    {
                        let mut journal = run.journal();
                        let record = journal.record_mut(step);
                        record.state = StepState::Failed;
                        record.finished_at = Some(Utc::now());
                        let platform = error.platform_error();
                        record.error = Some(RecordedError {
                            code: platform.map_or_else(
                                || format!("{:?}", error.code()),
                                |platform| platform.code().as_str().to_owned(),
                            ),
                            message: error.to_string(),
                            request_id: platform
                                .and_then(PlatformError::request_id)
                                .map(str::to_owned),
                        });
                    }
                    self.save_run(run).await?;
                }
                self.emit(
                    &setup_name,
                    step,
                    ProgressKind::Failed {
                        error: ErrorView::from(&error),
                    },
                );
                Err(error)
            }
        }
    }

    /// Writes a journal off the async threads: the file is synced to disk,
    /// which can take long on a busy disk, and must not stall the other steps.
    async fn persist(&self, journal: &Journal) -> Result<()> {
        let mut snapshot = journal.clone();
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.save(&mut snapshot)).await {
            Ok(result) => Ok(result?),
            // The writer only stops by panicking, a bug; report it as an I/O
            // failure of the journal rather than losing the error.
            Err(stopped) => Err(SetupError::Journal(JournalError::Io {
                path: self.store.directory().to_path_buf(),
                source: std::io::Error::other(stopped.to_string()),
            })),
        }
    }

    /// Saves the run's journal in turn (see `Run::saves`).
    async fn save_run(&self, run: &Run) -> Result<()> {
        let _turn = run.saves.lock().await;
        let snapshot = run.journal().clone();
        self.persist(&snapshot).await
    }

    fn check_fail_point(&self, wanted: FailPoint) -> Result<()> {
        if self.fail_point == Some(wanted) {
            let step = match wanted {
                FailPoint::BeforeStep(step)
                | FailPoint::AfterCreate(step)
                | FailPoint::AfterDraft(step) => step,
            };
            return Err(SetupError::Interrupted { step });
        }
        Ok(())
    }

    async fn perform(&self, run: &Run, step: StepId) -> Result<StepOutput> {
        self.check_fail_point(FailPoint::BeforeStep(step))?;
        let output = self.perform_step(run, step).await?;
        self.check_fail_point(FailPoint::AfterCreate(step))?;
        Ok(output)
    }

    async fn perform_step(&self, run: &Run, step: StepId) -> Result<StepOutput> {
        let on = |error: PlatformError| SetupError::Step { step, error };
        let names = &run.names;
        let client = &self.client;
        let output = match step {
            StepId::TenantId => {
                let tenant = client.schema_registry().tenant_id().await.map_err(on)?;
                return Ok(StepOutput::created(tenant, None));
            }
            StepId::FieldGroup => {
                if let SchemaChoice::Existing { .. } = run.request.schema {
                    // The chosen schema brings its own fields.
                    return Ok(StepOutput {
                        resource_id: None,
                        etag: None,
                        pre_existing: true,
                        adopted: false,
                    });
                }
                if let Some(found) = run.found(step).await? {
                    // Shared by all Chatlio setups of the sandbox: adopt
                    // whatever has the title.
                    return Ok(StepOutput::adopted(found));
                }
                let tenant = run.resource(StepId::TenantId)?;
                let mut body: FieldGroupRequest =
                    serde_json::from_value(chatlio::field_group_body(&tenant))?;
                body.description = Some(
                    names.description(
                        step,
                        body.description
                            .as_deref()
                            .unwrap_or("Chatlio webhook fields."),
                    ),
                );
                let created = client
                    .schema_registry()
                    .create_field_group(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(created.id.into_inner(), None)
            }
            StepId::Schema => {
                let title = match &run.request.schema {
                    SchemaChoice::Existing { id } => {
                        client
                            .schema_registry()
                            .get_schema(&SchemaId::new(id.as_str()))
                            .await
                            .map_err(on)?;
                        return Ok(StepOutput::pre_existing(id.as_str()));
                    }
                    SchemaChoice::New { title } => title,
                };
                if let Some(found) = run.found(step).await? {
                    if !found.ours {
                        return Err(SetupError::NameTaken {
                            what: "a schema titled",
                            name: title.clone(),
                        });
                    }
                    return Ok(StepOutput::adopted(found));
                }
                let tenant = run.resource(StepId::TenantId)?;
                let field_group = run.resource(StepId::FieldGroup)?;
                let mut body: SchemaRequest =
                    serde_json::from_value(chatlio::schema_body(&tenant, &field_group, title))?;
                body.description = Some(
                    names.description(
                        step,
                        body.description
                            .as_deref()
                            .unwrap_or("Chatlio webhook events."),
                    ),
                );
                let created = client
                    .schema_registry()
                    .create_schema(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(created.id.into_inner(), None)
            }
            StepId::IdentityDescriptor => {
                let schema_pre_existing = run
                    .journal()
                    .record(StepId::Schema)
                    .is_some_and(|record| record.pre_existing);
                if schema_pre_existing {
                    // Never add identities to a schema the user owns.
                    return Ok(StepOutput {
                        resource_id: None,
                        etag: None,
                        pre_existing: true,
                        adopted: false,
                    });
                }
                let tenant = run.resource(StepId::TenantId)?;
                let schema = run.resource(StepId::Schema)?;
                let body: IdentityDescriptorRequest =
                    serde_json::from_value(chatlio::identity_descriptor_body(&schema, &tenant))?;
                // A schema created in this run has no descriptor yet. One adopted
                // from an interrupted run may: a schema takes one primary
                // identity, so look before creating.
                if !run.created_in_this_run(StepId::Schema) {
                    let found = find_identity_descriptor(
                        client,
                        &SchemaId::new(schema.as_str()),
                        &body.source_property,
                    )
                    .await
                    .map_err(on)?;
                    if let Some(found) = found {
                        return Ok(StepOutput::adopted(found));
                    }
                }
                let created = client
                    .schema_registry()
                    .create_identity_descriptor(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(created.id.into_inner(), None)
            }
            StepId::ProfileSchema => {
                if !run.request.profile_enabled {
                    return Ok(StepOutput::nothing());
                }
                // Input validation refuses Profile on a schema the user
                // picked, so this is always the setup's own schema.
                let schema = SchemaId::new(run.resource(StepId::Schema)?);
                // Reads the schema first and leaves one that already carries
                // the tag as it is, so a resumed run never patches twice.
                client
                    .schema_registry()
                    .enable_for_profile(&schema)
                    .await
                    .map_err(on)?;
                StepOutput::created(schema.into_inner(), None)
            }
            StepId::Dataset => {
                let schema = run.resource(StepId::Schema)?;
                let name = match &run.request.dataset {
                    DatasetChoice::Existing { id } => {
                        let found = dataset_schema(client, id).await.map_err(on)?;
                        let found = found.map(SchemaId::into_inner).unwrap_or_default();
                        if found != schema {
                            return Err(SetupError::DatasetSchemaMismatch {
                                expected: schema,
                                found,
                            });
                        }
                        return Ok(StepOutput::pre_existing(id.as_str()));
                    }
                    DatasetChoice::New { name } => name,
                };
                if let Some(found) = run.found(step).await? {
                    if !found.ours {
                        return Err(SetupError::NameTaken {
                            what: "a dataset named",
                            name: name.clone(),
                        });
                    }
                    return Ok(StepOutput::adopted(found));
                }
                let mut body = DatasetRequest::new(name.clone(), SchemaId::new(schema));
                body.description = Some(names.description(step, "Chatlio webhook events."));
                if run.request.profile_enabled {
                    body.tags = Some(crate::plan::profile_dataset_tags());
                }
                if run.request.error_diagnostics {
                    body.enable_error_diagnostics = Some(true);
                }
                let created = client.catalog().create_dataset(&body).await.map_err(on)?;
                StepOutput::created(created.into_inner(), None)
            }
            StepId::SourceConnection => {
                if let Some(found) = run.found(step).await? {
                    if found.ours {
                        return Ok(StepOutput::adopted(found));
                    }
                }
                let body = SourceConnectionRequest::chatlio(
                    names.source_connection.clone(),
                    Some(names.description(step, "Chatlio webhook source.")),
                );
                let created = client
                    .flow_service()
                    .create_source_connection(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(
                    created.id.into_inner(),
                    created.etag.map(|etag| etag.as_str().to_owned()),
                )
            }
            StepId::TargetConnection => {
                if let Some(found) = run.found(step).await? {
                    if found.ours {
                        return Ok(StepOutput::adopted(found));
                    }
                }
                let schema = run.resource(StepId::Schema)?;
                let dataset = run.resource(StepId::Dataset)?;
                let body = TargetConnectionRequest::data_lake(
                    names.target_connection.clone(),
                    Some(names.description(step, "Chatlio events into the data lake.")),
                    SchemaId::new(schema),
                    DatasetId::new(dataset),
                );
                let created = client
                    .flow_service()
                    .create_target_connection(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(
                    created.id.into_inner(),
                    created.etag.map(|etag| etag.as_str().to_owned()),
                )
            }
            StepId::MappingSet => {
                let tenant = run.resource(StepId::TenantId)?;
                let schema = run.resource(StepId::Schema)?;
                // Only one made for this schema is usable: a rolled-back setup
                // of the same name leaves one behind for its deleted schema.
                let reusable =
                    run.candidates(step).await?.into_iter().find(|found| {
                        found.ours && found.schema.as_deref() == Some(schema.as_str())
                    });
                if let Some(found) = reusable {
                    return Ok(StepOutput::adopted(found));
                }
                let body: MappingSetRequest = serde_json::from_value::<MappingSetRequest>(
                    chatlio::mapping_set_body(&tenant, &schema, None),
                )?
                .named(names.mapping_set.clone());
                let created = client
                    .data_prep()
                    .create_mapping_set(&body)
                    .await
                    .map_err(on)?;
                StepOutput::created(created.id.into_inner(), None)
            }
            StepId::Dataflow => {
                // A draft an interrupted run journaled before publishing it.
                if let Some(flow) = self.journaled_flow(run).await.map_err(on)? {
                    return self.adopt_flow(flow).await.map_err(on);
                }
                if let Some(found) = run.found(step).await? {
                    if !found.ours {
                        return Err(SetupError::NameTaken {
                            what: "a dataflow named",
                            name: names.dataflow.clone(),
                        });
                    }
                    // Ours, maybe still a draft: its state says whether to publish.
                    let flow = client
                        .flow_service()
                        .get_flow(&FlowId::new(found.id.as_str()))
                        .await
                        .map_err(on)?;
                    return self.adopt_flow(flow).await.map_err(on);
                }
                let source = run.resource(StepId::SourceConnection)?;
                let target = run.resource(StepId::TargetConnection)?;
                let mapping = run.resource(StepId::MappingSet)?;
                let mut body = FlowRequest::streaming(
                    names.dataflow.clone(),
                    Some(names.description(step, "Chatlio webhook dataflow.")),
                    SourceConnectionId::new(source),
                    TargetConnectionId::new(target),
                    &MappingSetId::new(mapping),
                    0,
                );
                let mut options = serde_json::Map::new();
                if run.request.error_diagnostics {
                    options.insert("errorDiagnosticsEnabled".into(), true.into());
                }
                if let Some(threshold) = run.request.partial_ingestion_threshold {
                    options.insert("partialIngestionPercent".into(), threshold.into());
                }
                if !options.is_empty() {
                    body.options = Some(serde_json::Value::Object(options));
                }
                let draft_mode = match run.take_draft_check() {
                    Some(task) => match task.await {
                        Ok(result) => result,
                        // The check task only panics on a bug; ask again here.
                        Err(join_error) => {
                            tracing::error!(%join_error, "draft mode check failed; asking again");
                            draft_mode_supported(client).await
                        }
                    },
                    None => draft_mode_supported(client).await,
                }
                .map_err(on)?;
                let created = if draft_mode {
                    let draft = client
                        .flow_service()
                        .create_draft_flow(&body)
                        .await
                        .map_err(on)?;
                    // Journal the draft before publishing it: a crash in between
                    // resumes by publishing this one, not by making another.
                    {
                        let mut journal = run.journal();
                        let record = journal.record_mut(step);
                        record.resource_id = Some(draft.id.as_str().to_owned());
                        record.etag = draft.etag.as_ref().map(|etag| etag.as_str().to_owned());
                    }
                    self.save_run(run).await?;
                    self.check_fail_point(FailPoint::AfterDraft(step))?;
                    tracing::info!(setup = %names.setup, "draft dataflow journaled; publishing");
                    self.publish(&draft.id).await.map_err(on)?
                } else {
                    client.flow_service().create_flow(&body).await.map_err(on)?
                };
                StepOutput::created(
                    created.id.into_inner(),
                    created.etag.map(|etag| etag.as_str().to_owned()),
                )
            }
            StepId::ReadBack => {
                let flow_id = FlowId::new(run.resource(StepId::Dataflow)?);
                let deadline = tokio::time::Instant::now() + INLET_DEADLINE;
                loop {
                    let flow = client.flow_service().get_flow(&flow_id).await.map_err(on)?;
                    if let Some(inlet) = flow.inlet_url() {
                        // Checked now so a bad URL fails here, not on screen.
                        WebhookUrl::new(inlet, &flow_id).map_err(on)?;
                        break StepOutput::created(
                            inlet.to_owned(),
                            flow.etag.map(|etag| etag.as_str().to_owned()),
                        );
                    }
                    if tokio::time::Instant::now() >= deadline {
                        return Err(SetupError::InletUrlMissing);
                    }
                    tokio::time::sleep(INLET_POLL).await;
                }
            }
        };
        Ok(output)
    }

    /// The dataflow the journal names while the step is not done: a draft an
    /// interrupted run created and journaled before publishing it. `None` when
    /// nothing is recorded, the flow is gone (deleted by a rollback or by hand)
    /// or it does not carry this setup's marker.
    async fn journaled_flow(&self, run: &Run) -> std::result::Result<Option<Flow>, PlatformError> {
        let step = StepId::Dataflow;
        let recorded = run
            .journal()
            .record(step)
            .and_then(|record| record.resource_id.clone());
        let Some(id) = recorded else {
            return Ok(None);
        };
        match self.client.flow_service().get_flow(&FlowId::new(id)).await {
            Ok(flow) if has_marker(flow.description.as_deref(), &run.names.setup, step) => {
                Ok(Some(flow))
            }
            Ok(_) => Ok(None),
            Err(error) if error.code() == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Adopts this setup's dataflow, publishing it first when an interrupted
    /// run left it a draft.
    async fn adopt_flow(&self, flow: Flow) -> std::result::Result<StepOutput, PlatformError> {
        let (id, etag) = if flow.is_draft() {
            let published = self.publish(&flow.id).await?;
            (published.id, published.etag)
        } else {
            (flow.id, flow.etag)
        };
        Ok(StepOutput {
            resource_id: Some(id.into_inner()),
            etag: etag.map(|etag| etag.as_str().to_owned()),
            pre_existing: false,
            adopted: true,
        })
    }

    /// Publishes a draft dataflow. Adobe's tutorial sends no `If-Match`, so none
    /// is sent. When the publish fails, the flow is read again: a publish whose
    /// answer was lost (and that the client repeated) took effect already, and
    /// Flow Service refuses to publish a flow that is no longer a draft.
    async fn publish(&self, id: &FlowId) -> std::result::Result<Created<FlowId>, PlatformError> {
        let flows = self.client.flow_service();
        let error = match flows.publish_flow(id, None).await {
            Ok(published) => return Ok(published),
            Err(error) => error,
        };
        match flows.get_flow(id).await {
            Ok(flow) if !flow.is_draft() => Ok(Created {
                id: flow.id,
                etag: flow.etag,
            }),
            Ok(_) => Err(error),
            Err(read_error) => {
                // The publish error is what the user must act on; the failed
                // read only means we could not tell whether it took effect.
                tracing::debug!(
                    code = ?read_error.code(),
                    "reading the dataflow after a failed publish failed too"
                );
                Err(error)
            }
        }
    }

    /// Deletes what this setup made, newest first; never what existed before.
    /// Resources an interrupted run made without recording them are found by
    /// their marker. Safe to run again after a failure.
    pub async fn rollback(&self, setup_name: &str) -> Result<RollbackOutcome> {
        let (request, mut journal) = self.load(setup_name)?;
        let names = Names::new(&request);
        let mut deleted = Vec::new();
        let mut kept = Vec::new();
        for step in StepId::ALL.into_iter().rev() {
            // Nothing to delete: what it changed is the schema, reported
            // with it below.
            if step == StepId::ProfileSchema {
                continue;
            }
            if !step.creates_resource() {
                continue;
            }
            let record = journal
                .record(step)
                .cloned()
                .unwrap_or_else(|| StepRecord::pending(step));
            if record.state == StepState::RolledBack {
                continue;
            }
            // Adobe refuses to delete a schema enabled for Profile
            // (help/xdm/ui/resources/schemas.md): say so instead of failing,
            // and keep its primary identity, which a union schema needs
            // (help/xdm/troubleshooting-guide.md).
            let profile_enabled = journal
                .record(StepId::ProfileSchema)
                .is_some_and(|profile| {
                    profile.state == StepState::Done && profile.resource_id.is_some()
                });
            if matches!(step, StepId::Schema | StepId::IdentityDescriptor)
                && profile_enabled
                && record.resource_id.is_some()
            {
                self.keep(
                    setup_name,
                    step,
                    record.resource_id.clone(),
                    KeptReason::Irreversible,
                    &mut kept,
                );
                continue;
            }
            if record.pre_existing {
                if record.resource_id.is_some() {
                    self.keep(
                        setup_name,
                        step,
                        record.resource_id.clone(),
                        KeptReason::PreExisting,
                        &mut kept,
                    );
                }
                continue;
            }
            if step == StepId::MappingSet {
                self.keep_mapping_sets(setup_name, &names, &record, &mut kept)
                    .await?;
                let record = journal.record_mut(step);
                record.state = StepState::RolledBack;
                record.finished_at = Some(Utc::now());
                self.persist(&journal).await?;
                continue;
            }
            let resource_id = match record.resource_id.clone() {
                Some(id) => Some(id),
                None if can_look_up(step) => look_up(&self.client, &names, step)
                    .await
                    .map_err(|error| SetupError::Step { step, error })?
                    .filter(|found| found.ours)
                    .map(|found| found.id),
                None if step == StepId::IdentityDescriptor => self
                    .unrecorded_descriptor(&journal)
                    .await
                    .map_err(|error| SetupError::Step { step, error })?,
                None => None,
            };
            let Some(resource_id) = resource_id else {
                continue;
            };
            match self.delete(step, &resource_id).await {
                Ok(()) => {
                    deleted.push((step, resource_id.clone()));
                    self.emit(
                        setup_name,
                        step,
                        ProgressKind::RolledBack {
                            resource_id: resource_id.clone(),
                        },
                    );
                }
                Err(DeleteFailure::Kept(reason)) => {
                    self.keep(
                        setup_name,
                        step,
                        Some(resource_id.clone()),
                        reason,
                        &mut kept,
                    );
                    if reason == KeptReason::NotDeletable {
                        continue;
                    }
                }
                Err(DeleteFailure::Error(error)) => {
                    let error = SetupError::Step { step, error };
                    self.emit(
                        setup_name,
                        step,
                        ProgressKind::Failed {
                            error: ErrorView::from(&error),
                        },
                    );
                    self.persist(&journal).await?;
                    return Err(error);
                }
            }
            let record = journal.record_mut(step);
            record.state = StepState::RolledBack;
            record.resource_id = Some(resource_id);
            record.finished_at = Some(Utc::now());
            self.persist(&journal).await?;
        }
        // Nothing to delete for these, but a new run must do them again (a
        // re-made schema needs its Profile tag again).
        for step in [StepId::TenantId, StepId::ProfileSchema, StepId::ReadBack] {
            journal.record_mut(step).state = StepState::Pending;
        }
        self.persist(&journal).await?;
        Ok(RollbackOutcome {
            setup_name: setup_name.to_owned(),
            deleted,
            kept,
        })
    }

    /// Deletes what this setup made for `steps` (newest first; what the user
    /// picked is never deleted) and marks the steps pending, so `resume` makes
    /// them again. Used by drift repair.
    pub(crate) async fn forget_steps(&self, setup_name: &str, steps: &[StepId]) -> Result<()> {
        let (_, mut journal) = self.load(setup_name)?;
        let mut ordered = steps.to_vec();
        ordered.sort();
        for step in ordered.into_iter().rev() {
            let record = journal
                .record(step)
                .cloned()
                .unwrap_or_else(|| StepRecord::pending(step));
            let ours = record.state == StepState::Done && !record.pre_existing;
            if let (true, true, Some(id)) = (ours, step.creates_resource(), &record.resource_id) {
                match self.delete(step, id).await {
                    // Kept (a mapping set, or a field group another schema
                    // uses): the re-run adopts it again if it still fits.
                    Ok(()) | Err(DeleteFailure::Kept(_)) => {}
                    Err(DeleteFailure::Error(error)) => {
                        self.persist(&journal).await?;
                        return Err(SetupError::Step { step, error });
                    }
                }
            }
            let record = journal.record_mut(step);
            *record = StepRecord {
                attempts: record.attempts,
                ..StepRecord::pending(step)
            };
            self.persist(&journal).await?;
        }
        Ok(())
    }

    /// Adobe has no delete for mapping sets: every one this setup made (the
    /// recorded one, and any an interrupted run left, found by the marker in
    /// its name) is reported as kept, so none goes unmentioned.
    async fn keep_mapping_sets(
        &self,
        setup_name: &str,
        names: &Names,
        record: &StepRecord,
        kept: &mut Vec<KeptResource>,
    ) -> Result<()> {
        let step = StepId::MappingSet;
        let mut ids: Vec<String> = record.resource_id.iter().cloned().collect();
        let found = look_up_all(&self.client, names, step)
            .await
            .map_err(|error| SetupError::Step { step, error })?;
        for candidate in found.into_iter().filter(|found| found.ours) {
            if !ids.contains(&candidate.id) {
                ids.push(candidate.id);
            }
        }
        for id in ids {
            tracing::info!(setup = %setup_name, mapping_set = %id, "mapping set kept (Adobe offers no delete)");
            self.keep(setup_name, step, Some(id), KeptReason::NotDeletable, kept);
        }
        Ok(())
    }

    /// Reports a resource the rollback leaves in place, and why.
    fn keep(
        &self,
        setup_name: &str,
        step: StepId,
        resource_id: Option<String>,
        reason: KeptReason,
        kept: &mut Vec<KeptResource>,
    ) {
        kept.push(KeptResource {
            step,
            resource_id,
            reason,
        });
        self.emit(setup_name, step, ProgressKind::Kept { reason });
    }

    /// The identity descriptor an interrupted run added to this setup's
    /// schema without recording it.
    async fn unrecorded_descriptor(
        &self,
        journal: &Journal,
    ) -> std::result::Result<Option<String>, PlatformError> {
        let recorded = |step: StepId| {
            journal
                .record(step)
                .filter(|record| !record.pre_existing && record.state != StepState::RolledBack)
                .and_then(|record| record.resource_id.clone())
        };
        let (Some(schema), Some(tenant)) = (recorded(StepId::Schema), recorded(StepId::TenantId))
        else {
            return Ok(None);
        };
        let property = chatlio::schema::primary_identity_property(&tenant);
        Ok(
            find_identity_descriptor(&self.client, &SchemaId::new(schema), &property)
                .await?
                .filter(|found| found.ours)
                .map(|found| found.id),
        )
    }

    async fn delete(&self, step: StepId, id: &str) -> std::result::Result<(), DeleteFailure> {
        let flows = self.client.flow_service();
        let registry = self.client.schema_registry();
        let result = match step {
            StepId::Dataflow => flows.delete_flow(&FlowId::new(id)).await,
            StepId::TargetConnection => {
                flows
                    .delete_target_connection(&TargetConnectionId::new(id))
                    .await
            }
            StepId::SourceConnection => {
                flows
                    .delete_source_connection(&SourceConnectionId::new(id))
                    .await
            }
            // Handled by `keep_mapping_sets`; Adobe offers no delete.
            StepId::MappingSet => return Err(DeleteFailure::Kept(KeptReason::NotDeletable)),
            StepId::Dataset => {
                self.client
                    .catalog()
                    .delete_dataset(&DatasetId::new(id))
                    .await
            }
            StepId::IdentityDescriptor => registry.delete_descriptor(&DescriptorId::new(id)).await,
            StepId::Schema => registry.delete_schema(&SchemaId::new(id)).await,
            StepId::FieldGroup => match registry.delete_field_group(&SchemaId::new(id)).await {
                // Another setup's schema still uses the shared field group.
                Err(error) if error.code() == ErrorCode::InvalidRequest => {
                    return Err(DeleteFailure::Kept(KeptReason::InUse))
                }
                other => other,
            },
            StepId::TenantId | StepId::ReadBack | StepId::ProfileSchema => Ok(()),
        };
        match result {
            Ok(()) => Ok(()),
            // Already gone (deleted by hand, or with its schema).
            Err(error) if error.code() == ErrorCode::NotFound => Ok(()),
            Err(error) => Err(DeleteFailure::Error(error)),
        }
    }
}

enum DeleteFailure {
    Kept(KeptReason),
    Error(PlatformError),
}

fn outcome(run: &Run) -> SetupOutcome {
    let journal = run.journal();
    let done = |step: StepId| {
        journal
            .record(step)
            .filter(|record| record.state == StepState::Done)
            .and_then(|record| record.resource_id.clone())
    };
    let flow_id = done(StepId::Dataflow);
    let webhook_url = match (done(StepId::ReadBack), &flow_id) {
        (Some(inlet), Some(flow)) => WebhookUrl::new(&inlet, &FlowId::new(flow.as_str())).ok(),
        _ => None,
    };
    SetupOutcome {
        setup_name: journal.setup_name.clone(),
        complete: journal.is_complete(),
        flow_id,
        dataset_id: done(StepId::Dataset),
        schema_id: done(StepId::Schema),
        webhook_url,
        steps: journal.steps.clone(),
    }
}

/// Exposed for tests: whether a description carries a setup's marker.
pub fn is_marked(description: Option<&str>, setup_name: &str, step: StepId) -> bool {
    has_marker(description, setup_name, step)
}
