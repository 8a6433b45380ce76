//! Carrying out a setup: the engine runs the entries of the reviewed [`Plan`];
//! each starts as soon as the entries it depends on are done (so the request
//! chain is as deep as `step::rounds()`, not as long as the step list), the
//! journal is saved after every entry, and every step looks for what an
//! interrupted run made before creating. What each step does is in
//! [`crate::steps`]; rollback is in [`rollback`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use platform::models::FlowId;
use platform::{Client, PlatformError, WebhookUrl};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::task::JoinHandle;

use chatlio::{EventKind, WebhookMode};

use crate::error::{ErrorView, Result, SetupError};
use crate::input::SetupRequest;
use crate::journal::{Journal, JournalError, JournalStore, RecordedError, StepRecord, StepState};
use crate::lookup::{pick, Found};
use crate::names::Names;
use crate::plan::{EntryKey, Plan, PlanEntry};
use crate::step::StepId;
use crate::steps::{self, draft_mode_supported, StepOutput};

mod rollback;

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
    /// Which of the step's resources, when a setup has several of its kind
    /// (one dataflow per Chatlio event): the flow's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(flatten)]
    pub kind: ProgressKind,
    pub at: DateTime<Utc>,
}

/// Where progress goes: the CLI prints it, the desktop app emits it to the UI.
pub type ProgressSink = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// The result of `apply`, `resume` or `retry_step`. Serialized (camelCase)
/// with two derived members besides its fields: `webhookUrls` (see
/// [`SetupOutcome::webhook_urls`]) and `flowIds` ([`SetupOutcome::flow_ids`]).
#[derive(Debug, Clone)]
pub struct SetupOutcome {
    pub setup_name: String,
    pub complete: bool,
    /// The dataflow of a single-URL setup; with one URL per event, the one
    /// for transcripts and offline messages (key `all`).
    pub flow_id: Option<String>,
    pub dataset_id: Option<String>,
    pub schema_id: Option<String>,
    /// `{inletUrl}?x-adobe-flow-id={flowId}`, rebuilt, never stored. Only for
    /// a single-URL setup: with one URL per event there is no one URL, see
    /// [`SetupOutcome::webhook_urls`].
    pub webhook_url: Option<WebhookUrl>,
    pub steps: Vec<StepRecord>,
}

/// How a [`SetupOutcome`] is serialized: its fields, then the derived maps.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutcomeView<'a> {
    setup_name: &'a str,
    complete: bool,
    flow_id: &'a Option<String>,
    dataset_id: &'a Option<String>,
    schema_id: &'a Option<String>,
    webhook_url: &'a Option<WebhookUrl>,
    steps: &'a [StepRecord],
    webhook_urls: BTreeMap<EventKind, WebhookUrl>,
    flow_ids: BTreeMap<String, String>,
}

impl Serialize for SetupOutcome {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        OutcomeView {
            setup_name: &self.setup_name,
            complete: self.complete,
            flow_id: &self.flow_id,
            dataset_id: &self.dataset_id,
            schema_id: &self.schema_id,
            webhook_url: &self.webhook_url,
            steps: &self.steps,
            webhook_urls: self.webhook_urls(),
            flow_ids: self.flow_ids(),
        }
        .serialize(serializer)
    }
}

impl SetupOutcome {
    /// The done resource id of `step`'s record for `instance`.
    fn done(&self, step: StepId, instance: Option<&str>) -> Option<&str> {
        self.steps
            .iter()
            .find(|record| record.step == step && record.instance.as_deref() == instance)
            .filter(|record| record.state == StepState::Done)
            .and_then(|record| record.resource_id.as_deref())
    }

    /// The setup's webhook mode: only a per-event setup's journal names
    /// instances (a single-URL journal is what it was before the choice).
    pub fn webhook_mode(&self) -> WebhookMode {
        if self.steps.iter().any(|record| record.instance.is_some()) {
            WebhookMode::PerEventUrl
        } else {
            WebhookMode::SingleUrl
        }
    }

    /// The instances of the setup's dataflows: `None` for a single-URL
    /// setup's one, else each flow's key.
    fn flow_instances(&self) -> Vec<Option<&str>> {
        let mut instances: Vec<Option<&str>> = self
            .steps
            .iter()
            .filter(|record| record.step == StepId::Dataflow)
            .map(|record| record.instance.as_deref())
            .collect();
        instances.dedup();
        instances
    }

    /// Each dataflow's id by its [`chatlio::FlowPlan`] key (`all` for a
    /// single-URL setup's one dataflow), for those made so far.
    pub fn flow_ids(&self) -> BTreeMap<String, String> {
        self.flow_instances()
            .into_iter()
            .filter_map(|instance| {
                let id = self.done(StepId::Dataflow, instance)?;
                let key = instance.unwrap_or(chatlio::plan::SHARED_FLOW_KEY);
                Some((key.to_owned(), id.to_owned()))
            })
            .collect()
    }

    /// The URL that goes into each of Chatlio's five webhook fields, once the
    /// dataflow serving it is made and read back: in a single-URL setup the
    /// same URL five times, with one URL per event the URL of the flow
    /// [`chatlio::WebhookPlan::flow_for`] names. Rebuilt, never stored.
    pub fn webhook_urls(&self) -> BTreeMap<EventKind, WebhookUrl> {
        let mut urls = BTreeMap::new();
        for instance in self.flow_instances() {
            let (Some(flow), Some(inlet)) = (
                self.done(StepId::Dataflow, instance),
                self.done(StepId::ReadBack, instance),
            ) else {
                continue;
            };
            let Ok(url) = WebhookUrl::new(inlet, &FlowId::new(flow)) else {
                continue;
            };
            for kind in chatlio::plan::fields_served(instance) {
                urls.insert(kind, url.clone());
            }
        }
        urls
    }
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

pub struct Engine {
    client: Client,
    store: JournalStore,
    progress: Option<ProgressSink>,
    fail_point: Option<FailPoint>,
    /// Who runs it, for a new journal's `made_by`.
    identity: Option<crate::journal::Identity>,
}

type LookupTask = JoinHandle<std::result::Result<Vec<Found>, PlatformError>>;
type DraftCheckTask = JoinHandle<std::result::Result<bool, PlatformError>>;

/// State shared by the entries of one run.
struct Run {
    plan: Plan,
    names: Names,
    /// The names of each dataflow's own resources, by instance (see
    /// [`Names::for_instance`]); empty for a single-URL setup.
    instance_names: HashMap<String, Names>,
    journal: Mutex<Journal>,
    lookups: Mutex<HashMap<EntryKey, LookupTask>>,
    /// Entries that created their resource in this run (not adopted): what
    /// depends only on them cannot exist yet, so it needs no lookup.
    created: Mutex<BTreeSet<EntryKey>>,
    /// Saves one at a time, each writing the journal as it is when its turn
    /// comes, so a later save never lands before an earlier one.
    saves: tokio::sync::Mutex<()>,
    /// Signalled when an entry is done in memory, so dependents can start.
    progressed: tokio::sync::Notify,
    /// The draft mode check, started with the lookups so it adds no round.
    draft_check: Mutex<Option<DraftCheckTask>>,
    /// Its answer, shared by every dataflow of the run: the first to need
    /// it awaits the check, the others wait for that answer instead of
    /// asking Adobe again (which would add a round).
    draft_mode: tokio::sync::OnceCell<bool>,
}

/// Locks a mutex of the run. A panic while holding one cannot leave the
/// journal half written (saves are atomic), so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Run {
    fn new(plan: Plan, journal: Journal) -> Self {
        let names = Names::new(&plan.request);
        let instance_names = plan
            .flows()
            .into_iter()
            .filter_map(|(instance, flow)| {
                instance.map(|instance| (instance, names.for_instance(Some(&flow))))
            })
            .collect();
        Self {
            names,
            instance_names,
            plan,
            journal: Mutex::new(journal),
            lookups: Mutex::new(HashMap::new()),
            created: Mutex::new(BTreeSet::new()),
            saves: tokio::sync::Mutex::new(()),
            progressed: tokio::sync::Notify::new(),
            draft_check: Mutex::new(None),
            draft_mode: tokio::sync::OnceCell::new(),
        }
    }

    /// The names an entry of `instance` uses: its dataflow's, or the setup's.
    fn names_for(&self, instance: Option<&str>) -> &Names {
        instance
            .and_then(|instance| self.instance_names.get(instance))
            .unwrap_or(&self.names)
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        lock(&self.journal)
    }

    fn is_done(&self, key: &EntryKey) -> bool {
        self.journal()
            .record_for(key)
            .is_some_and(|record| record.state == StepState::Done)
    }

    fn take_draft_check(&self) -> Option<DraftCheckTask> {
        lock(&self.draft_check).take()
    }
}

/// The entries of `plan` that can start now: wanted (all, or only those of
/// the step `only`), not started, not done, and with every entry they depend
/// on done.
fn ready_entries(
    plan: &Plan,
    journal: &Journal,
    started: &BTreeSet<EntryKey>,
    only: Option<StepId>,
) -> Vec<EntryKey> {
    let done = |key: &EntryKey| {
        journal
            .record_for(key)
            .is_some_and(|record| record.state == StepState::Done)
    };
    plan.entries
        .iter()
        .map(PlanEntry::key)
        .filter(|key| only.is_none_or(|only| only == key.step))
        .filter(|key| !started.contains(key) && !done(key))
        .filter(|key| plan.dependencies(key).iter().all(done))
        .collect()
}

/// What a step sees of the run while it carries out its plan entry.
pub struct StepContext<'a> {
    engine: &'a Engine,
    run: &'a Run,
    entry: &'a PlanEntry,
}

impl StepContext<'_> {
    pub fn client(&self) -> &Client {
        &self.engine.client
    }

    pub fn request(&self) -> &SetupRequest {
        &self.run.plan.request
    }

    /// The names this entry uses: its dataflow's own when the setup makes
    /// one per Chatlio event, else the setup's.
    pub fn names(&self) -> &Names {
        self.run.names_for(self.entry.instance.as_deref())
    }

    /// The plan entry being carried out.
    pub fn entry(&self) -> &PlanEntry {
        self.entry
    }

    /// The error for a failed Adobe call of this step.
    pub fn failed(&self, error: PlatformError) -> SetupError {
        SetupError::Step {
            step: self.entry.step,
            error,
        }
    }

    /// The entry of `step` this one uses: of the same instance when the plan
    /// has one, else the setup's single one.
    fn key_of(&self, step: StepId) -> EntryKey {
        let same_instance = EntryKey {
            step,
            instance: self.entry.instance.clone(),
        };
        if self.run.plan.entry(&same_instance).is_some() {
            same_instance
        } else {
            EntryKey::single(step)
        }
    }

    /// The journal record of `step` (for this entry's instance).
    pub fn record(&self, step: StepId) -> Option<StepRecord> {
        self.run.journal().record_for(&self.key_of(step)).cloned()
    }

    /// This entry's own record.
    pub fn own_record(&self) -> Option<StepRecord> {
        self.run.journal().record_for(&self.entry.key()).cloned()
    }

    /// The resource id `step` recorded as done.
    pub fn resource(&self, step: StepId) -> Result<String> {
        self.record(step)
            .filter(|record| record.state == StepState::Done)
            .and_then(|record| record.resource_id)
            .ok_or(SetupError::DependencyNotDone {
                step: self.entry.step,
                missing: step,
            })
    }

    /// The body of the entry's call with every placeholder filled in by the
    /// resource ids of the done entries it names, as the typed request.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T> {
        let planned = self.entry.body().ok_or(SetupError::MissingInResponse {
            what: "a planned body",
        })?;
        let text = serde_json::to_string(planned)?;
        let mut filled = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find("@@") {
            let after = &rest[start + 2..];
            let Some(length) = after.find("@@") else {
                break;
            };
            let variable = &after[..length];
            let step = steps::filling(variable).ok_or(SetupError::MissingInResponse {
                what: "a known placeholder in the planned body",
            })?;
            let value = self.resource(step)?;
            // As a JSON string's content: quotes and backslashes escaped.
            let encoded = serde_json::to_string(&value)?;
            filled.push_str(&rest[..start]);
            let content = encoded
                .strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(&encoded);
            filled.push_str(content);
            rest = &after[length + 2..];
        }
        filled.push_str(rest);
        Ok(serde_json::from_str(&filled)?)
    }

    /// Every resource the lookup started for this entry found, ours first.
    pub async fn candidates(&self) -> Result<Vec<Found>> {
        let key = self.entry.key();
        let task = lock(&self.run.lookups).remove(&key);
        match task {
            None => Ok(Vec::new()),
            Some(task) => match task.await {
                Ok(result) => result.map_err(|error| self.failed(error)),
                // The lookup task only panics on a bug; treat it as "not
                // looked", the create then reports any conflict.
                Err(join_error) => {
                    tracing::error!(step = %key, %join_error, "lookup task failed; creating without it");
                    Ok(Vec::new())
                }
            },
        }
    }

    /// The resource the lookup found for this entry, ours preferred.
    pub async fn found(&self) -> Result<Option<Found>> {
        Ok(pick(self.candidates().await?))
    }

    /// Adopts what the lookup found when it carries this setup's marker. A
    /// same-named one without it is someone else's and left alone: the step
    /// makes its own next to it.
    pub async fn adopt_ours(&self) -> Result<Option<StepOutput>> {
        Ok(self
            .found()
            .await?
            .filter(|found| found.ours)
            .map(StepOutput::adopted))
    }

    /// What the lookup found, when it is ours. One without this setup's marker
    /// holds the name the step must use, so the step stops with `NameTaken`
    /// (`what` and `name` say which) instead of making a second one.
    pub async fn ours_or_name_taken(
        &self,
        what: &'static str,
        name: &str,
    ) -> Result<Option<Found>> {
        match self.found().await? {
            Some(found) if !found.ours => Err(SetupError::NameTaken {
                what,
                name: name.to_owned(),
            }),
            found => Ok(found),
        }
    }

    /// Whether `step`'s entry created its resource in this run.
    pub fn created_in_this_run(&self, step: StepId) -> bool {
        lock(&self.run.created).contains(&self.key_of(step))
    }

    /// Whether the dataflow is made as a draft: the check started with the
    /// lookups, or a new one.
    pub async fn draft_mode(&self) -> std::result::Result<bool, PlatformError> {
        let answer = self
            .run
            .draft_mode
            .get_or_try_init(|| async {
                match self.run.take_draft_check() {
                    Some(task) => match task.await {
                        Ok(result) => result,
                        // The check task only panics on a bug; ask again here.
                        Err(join_error) => {
                            tracing::error!(%join_error, "draft mode check failed; asking again");
                            draft_mode_supported(self.client()).await
                        }
                    },
                    None => draft_mode_supported(self.client()).await,
                }
            })
            .await?;
        Ok(*answer)
    }

    /// Records a resource the step made before it is done (a draft before
    /// its publish) and saves the journal, so a crash in between finds it.
    pub async fn journal_progress(&self, resource_id: &str, etag: Option<String>) -> Result<()> {
        {
            let mut journal = self.run.journal();
            let record = journal.record_mut_for(&self.entry.key());
            record.resource_id = Some(resource_id.to_owned());
            record.etag = etag;
        }
        self.engine.save_run(self.run).await
    }

    /// Stops here when the engine's fail point is `wanted` (a simulated crash).
    pub fn fail_point(&self, wanted: FailPoint) -> Result<()> {
        self.engine.check_fail_point(wanted)
    }
}

impl Engine {
    pub fn new(client: Client, store: JournalStore) -> Self {
        Self {
            client,
            store,
            progress: None,
            fail_point: None,
            identity: None,
        }
    }

    /// Who runs the setup, recorded in a new journal (the setup record
    /// names it).
    pub fn with_identity(mut self, identity: crate::journal::Identity) -> Self {
        self.identity = Some(identity);
        self
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

    fn emit(&self, setup_name: &str, step: StepId, instance: Option<&str>, kind: ProgressKind) {
        if let Some(sink) = &self.progress {
            sink(&ProgressEvent {
                setup_name: setup_name.to_owned(),
                step,
                instance: instance.map(str::to_owned),
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
    /// the same setup left (the journal and the markers say what exists):
    /// builds the plan the review screen shows and executes it.
    pub async fn apply(&self, request: &SetupRequest) -> Result<SetupOutcome> {
        self.execute(&Plan::new(request)?).await
    }

    /// Adds what was just done to the setup's history. The history only
    /// informs (the setup record shows it), so failing to write it is logged,
    /// never the operation's failure.
    pub(crate) fn note_history<T>(
        &self,
        setup_name: &str,
        action: crate::journal::HistoryAction,
        detail: Option<String>,
        result: &Result<T>,
    ) {
        let outcome = match result {
            Ok(_) => "done".to_owned(),
            Err(error) => crate::error::ErrorView::from(error)
                .code
                .as_str()
                .to_owned(),
        };
        let entry = crate::journal::HistoryEntry {
            at: chrono::Utc::now(),
            action,
            outcome,
            detail,
        };
        if let Err(error) = self.store.append_history(setup_name, entry) {
            tracing::warn!(%error, setup = %setup_name, "history not written");
        }
    }

    /// Carries out `plan`, the value the user reviewed (and `plan --curl`
    /// rendered): each of its entries, with the bodies it holds.
    pub async fn execute(&self, plan: &Plan) -> Result<SetupOutcome> {
        let journal = match self.store.load(&plan.request.name)? {
            Some(journal) => {
                self.check_target(&journal)?;
                // A journal without a request predates the choice: single URL.
                let existing = journal
                    .request
                    .as_ref()
                    .map_or(chatlio::WebhookMode::SingleUrl, |request| {
                        request.webhook_mode
                    });
                if existing != plan.request.webhook_mode {
                    return Err(SetupError::WebhookModeChanged {
                        existing,
                        requested: plan.request.webhook_mode,
                    });
                }
                journal
            }
            None => Journal {
                made_by: self.identity.clone(),
                ..Journal::for_entries(
                    &plan.request.name,
                    self.client.org_id().as_str(),
                    self.client.sandbox().as_str(),
                    plan.entries.iter().map(PlanEntry::key),
                )
            },
        };
        let result = self.run(plan.clone(), journal, None).await;
        self.note_history(
            &plan.request.name,
            crate::journal::HistoryAction::Apply,
            None,
            &result,
        );
        result
    }

    /// Finishes an interrupted setup; only its name is needed.
    pub async fn resume(&self, setup_name: &str) -> Result<SetupOutcome> {
        let (request, journal) = self.load(setup_name)?;
        let result = self.run(Plan::new(&request)?, journal, None).await;
        self.note_history(
            setup_name,
            crate::journal::HistoryAction::Resume,
            None,
            &result,
        );
        result
    }

    /// Runs one step again (after its error was fixed), if its dependencies
    /// are done: every entry of the step not done yet (one per dataflow when
    /// the setup has several).
    pub async fn retry_step(&self, setup_name: &str, step: StepId) -> Result<SetupOutcome> {
        let (request, journal) = self.load(setup_name)?;
        let result = self.run(Plan::new(&request)?, journal, Some(step)).await;
        self.note_history(
            setup_name,
            crate::journal::HistoryAction::Retry,
            Some(step.as_str().to_owned()),
            &result,
        );
        result
    }

    /// The journal's view, without any network call.
    pub fn status(&self, setup_name: &str) -> Result<SetupOutcome> {
        let (_, journal) = self.load(setup_name)?;
        Ok(outcome(&journal))
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
        plan: Plan,
        mut journal: Journal,
        only: Option<StepId>,
    ) -> Result<SetupOutcome> {
        journal.request = Some(plan.request.clone());
        let run = Run::new(plan, journal);
        // Start every lookup at once, next to the tenant id: they need only
        // names, so they add no round to the chain.
        for entry in &run.plan.entries {
            let key = entry.key();
            let step = steps::of(entry.step);
            let wanted = only.is_none_or(|only| only == key.step);
            if wanted && !run.is_done(&key) && step.can_look_up() {
                let client = self.client.clone();
                let names = run.names_for(key.instance.as_deref()).clone();
                lock(&run.lookups).insert(
                    key,
                    tokio::spawn(async move { step.look_up(&client, &names).await }),
                );
            }
        }
        // The dataflow step needs the specs' draft mode flags; read them now,
        // next to the lookups, so the dataflow does not wait for them.
        let dataflow_wanted = run.plan.entries.iter().any(|entry| {
            let key = entry.key();
            entry.step == StepId::Dataflow
                && only.is_none_or(|only| only == key.step)
                && !run.is_done(&key)
        });
        if dataflow_wanted {
            let client = self.client.clone();
            *lock(&run.draft_check) =
                Some(tokio::spawn(
                    async move { draft_mode_supported(&client).await },
                ));
        }
        self.save_run(&run).await?;
        if let Some(step) = only {
            let keys = run.plan.entries.iter().map(PlanEntry::key);
            for key in keys.filter(|key| key.step == step) {
                for dependency in run.plan.dependencies(&key) {
                    if !run.is_done(&dependency) {
                        return Err(SetupError::DependencyNotDone {
                            step,
                            missing: dependency.step,
                        });
                    }
                }
            }
        }

        let mut started: BTreeSet<EntryKey> = BTreeSet::new();
        let mut running = FuturesUnordered::new();
        let mut first_error: Option<SetupError> = None;
        loop {
            if first_error.is_none() {
                let ready = ready_entries(&run.plan, &run.journal(), &started, only);
                for key in ready {
                    if let Some(entry) = run.plan.entry(&key) {
                        started.insert(key);
                        running.push(self.execute_entry(&run, entry));
                    }
                }
            }
            // An entry's dependents start as soon as its result is known, not
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
        for (_, task) in lock(&run.lookups).drain() {
            task.abort();
        }
        if let Some(task) = run.take_draft_check() {
            task.abort();
        }
        if let Some(error) = first_error {
            return Err(error);
        }
        let finished = outcome(&run.journal());
        Ok(finished)
    }

    async fn execute_entry(&self, run: &Run, entry: &PlanEntry) -> Result<()> {
        let setup_name = run.names.setup.clone();
        let step = entry.step;
        let key = entry.key();
        self.emit(
            &setup_name,
            step,
            key.instance.as_deref(),
            ProgressKind::Started,
        );
        {
            let mut journal = run.journal();
            let record = journal.record_mut_for(&key);
            record.state = StepState::Running;
            record.attempts += 1;
            record.started_at = Some(Utc::now());
        }
        let context = StepContext {
            engine: self,
            run,
            entry,
        };
        let result = self.perform(&context).await;
        match result {
            Ok(output) => {
                if !output.adopted && !output.pre_existing {
                    lock(&run.created).insert(key.clone());
                }
                {
                    let mut journal = run.journal();
                    let record = journal.record_mut_for(&key);
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
                    step = %key,
                    resource_id = shown_id.as_deref().unwrap_or("-"),
                    adopted = output.adopted,
                    pre_existing = output.pre_existing,
                    "setup step done"
                );
                self.emit(
                    &setup_name,
                    step,
                    key.instance.as_deref(),
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
                    step = %key,
                    code = error.code().as_str(),
                    resumable = error.is_resumable(),
                    "setup step failed: {error}"
                );
                if !matches!(error, SetupError::Interrupted { .. }) {
                    {
                        let mut journal = run.journal();
                        let record = journal.record_mut_for(&key);
                        record.state = StepState::Failed;
                        record.finished_at = Some(Utc::now());
                        let platform = error.platform_error();
                        record.error = Some(RecordedError {
                            // Stable names only: Adobe's code when Adobe
                            // refused, else the setup's own (`name_taken`).
                            code: platform.map_or_else(
                                || error.code().as_str().to_owned(),
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
                    key.instance.as_deref(),
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

    async fn perform(&self, context: &StepContext<'_>) -> Result<StepOutput> {
        let step = context.entry.step;
        self.check_fail_point(FailPoint::BeforeStep(step))?;
        let output = steps::of(step).run(context).await?;
        self.check_fail_point(FailPoint::AfterCreate(step))?;
        Ok(output)
    }
}

fn outcome(journal: &Journal) -> SetupOutcome {
    let done_for = |key: &EntryKey| {
        journal
            .record_for(key)
            .filter(|record| record.state == StepState::Done)
            .and_then(|record| record.resource_id.clone())
    };
    let done = |step: StepId| done_for(&EntryKey::single(step));
    // With one URL per event the single records of the dataflow's steps do
    // not exist: the flow of transcripts and offline messages stands for the
    // setup, and there is no one webhook URL.
    let shared_flow = EntryKey {
        step: StepId::Dataflow,
        instance: Some(chatlio::plan::SHARED_FLOW_KEY.to_owned()),
    };
    let flow_id = done(StepId::Dataflow).or_else(|| done_for(&shared_flow));
    let webhook_url = match (done(StepId::ReadBack), done(StepId::Dataflow)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::SetupInput;

    fn second(step: StepId) -> EntryKey {
        EntryKey {
            step,
            instance: Some("transcripts".into()),
        }
    }

    #[test]
    fn a_plan_and_journal_with_two_dataflows_round_trip_and_resume_the_one_not_done() {
        let request = SetupInput {
            name: "Two flows".into(),
            sandbox: "prod".into(),
            ..SetupInput::default()
        }
        .validate()
        .unwrap();
        let mut plan = Plan::new(&request).unwrap();
        for step in [StepId::Dataflow, StepId::ReadBack] {
            let mut entry = plan
                .entries
                .iter()
                .find(|entry| entry.step == step)
                .cloned()
                .unwrap();
            entry.instance = Some("transcripts".into());
            plan.entries.push(entry);
        }
        // The second read-back waits for the second dataflow, which shares the
        // single connections and mapping set.
        assert_eq!(
            plan.dependencies(&second(StepId::ReadBack)),
            vec![second(StepId::Dataflow)]
        );
        assert!(plan
            .dependencies(&second(StepId::Dataflow))
            .iter()
            .all(|key| key.instance.is_none()));

        // Everything done but the second dataflow, saved and loaded again.
        let directory = std::env::temp_dir().join(format!(
            "setup-two-flows-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let store = JournalStore::new(&directory);
        let mut journal = Journal::new("Two flows", "ABC@AdobeOrg", "prod");
        for step in StepId::ALL {
            let record = journal.record_mut(step);
            record.state = StepState::Done;
            record.resource_id = Some(format!("{}-1", step.as_str()));
        }
        journal.record_mut_for(&second(StepId::Dataflow)).state = StepState::Failed;
        journal.record_mut_for(&second(StepId::ReadBack));
        store.save(&mut journal).unwrap();
        let mut loaded = store.load("Two flows").unwrap().unwrap();
        assert_eq!(loaded, journal);
        assert_eq!(loaded.steps.len(), StepId::ALL.len() + 2);
        assert_eq!(
            loaded
                .record(StepId::Dataflow)
                .unwrap()
                .resource_id
                .as_deref(),
            Some("dataflow-1"),
            "the two dataflows do not collide"
        );
        assert!(!loaded.is_complete());

        // Resuming runs the second dataflow, then its read-back, then nothing.
        let started = BTreeSet::new();
        assert_eq!(
            ready_entries(&plan, &loaded, &started, None),
            vec![second(StepId::Dataflow)]
        );
        loaded.record_mut_for(&second(StepId::Dataflow)).state = StepState::Done;
        assert_eq!(
            ready_entries(&plan, &loaded, &started, None),
            vec![second(StepId::ReadBack)]
        );
        loaded.record_mut_for(&second(StepId::ReadBack)).state = StepState::Done;
        assert!(ready_entries(&plan, &loaded, &started, None).is_empty());
        assert!(loaded.is_complete());
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
