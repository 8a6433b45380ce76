//! The journal: one JSON file per setup, rewritten atomically after every
//! step, so a crash at any moment leaves either the old or the new state on
//! disk and a resume knows exactly where it stood.
//!
//! It records ids, ETags, states and times. It never holds a secret, a token or
//! a whole webhook URL: the URL is rebuilt from the inlet URL and flow id when
//! it is shown.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SetupErrorCode;
use crate::input::SetupRequest;
use crate::plan::EntryKey;
use crate::step::StepId;

/// Bumped when the file's shape changes incompatibly.
pub const FORMAT: u32 = 1;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
    /// Deleted again by a rollback.
    RolledBack,
}

/// A step's error as the journal keeps it: the stable code and Adobe's request
/// id, enough to explain it again after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub step: StepId,
    /// Which resource of the step's kind (see [`EntryKey::instance`]); absent
    /// for the setup's only one, as in every journal written before instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub state: StepState,
    /// The id of the resource this step made or adopted.
    pub resource_id: Option<String>,
    pub etag: Option<String>,
    /// True when the resource existed before this setup (the user picked it):
    /// a rollback must never delete it.
    pub pre_existing: bool,
    pub attempts: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<RecordedError>,
}

impl StepRecord {
    /// The resource id to show outside the engine: none for the read-back,
    /// whose "resource" is the inlet URL, half of the webhook URL (which is
    /// shown only when the user asks for it).
    pub fn shown_resource_id(&self) -> Option<&str> {
        if self.step == StepId::ReadBack {
            None
        } else {
            self.resource_id.as_deref()
        }
    }

    /// The plan entry this record belongs to.
    pub fn key(&self) -> EntryKey {
        EntryKey {
            step: self.step,
            instance: self.instance.clone(),
        }
    }

    pub fn pending(step: StepId) -> Self {
        Self::pending_for(&EntryKey::single(step))
    }

    /// A pending record for the plan entry `key`.
    pub fn pending_for(key: &EntryKey) -> Self {
        Self {
            step: key.step,
            instance: key.instance.clone(),
            state: StepState::Pending,
            resource_id: None,
            etag: None,
            pre_existing: false,
            attempts: 0,
            started_at: None,
            finished_at: None,
            error: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    pub format: u32,
    pub setup_name: String,
    pub org_id: String,
    pub sandbox: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub steps: Vec<StepRecord>,
    /// What was asked for, so `resume` needs only the setup's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<SetupRequest>,
    /// Who made the setup (the credential or the signed-in connection),
    /// recorded when the journal was first written; absent in older ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_by: Option<Identity>,
    /// What was done to the setup and when (runs, retries, repairs,
    /// rotations), oldest first, at most [`HISTORY_LIMIT`] entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

/// The most history entries a journal keeps (the oldest go first).
pub const HISTORY_LIMIT: usize = 200;

/// Something done to a setup as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryAction {
    /// Made or finished from the plan.
    Apply,
    /// An interrupted run finished.
    Resume,
    /// One step run again.
    Retry,
    /// A drift repaired.
    Repair,
    /// The webhook URL replaced (`rotate`).
    Rotation,
}

/// One entry of a journal's history. `outcome` is `done` or the error's
/// stable code; `detail` names what was acted on (step names, ids), never a
/// URL or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: HistoryAction,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Who a setup was made with, as far as the caller's connection tells. Never
/// a secret: a client id is sent with every call as `x-api-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Identity {
    /// An OAuth Server-to-Server credential.
    #[serde(rename_all = "camelCase")]
    TechnicalAccount {
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// A user signed in with Adobe; IMS tells the app no more about them
    /// than the connection's name.
    #[serde(rename_all = "camelCase")]
    User {
        client_id: String,
        label: String,
    },
    Unknown,
}

impl Journal {
    pub fn new(setup_name: &str, org_id: &str, sandbox: &str) -> Self {
        let now = Utc::now();
        Self {
            format: FORMAT,
            setup_name: setup_name.to_owned(),
            org_id: org_id.to_owned(),
            sandbox: sandbox.to_owned(),
            created_at: now,
            updated_at: now,
            steps: StepId::ALL.into_iter().map(StepRecord::pending).collect(),
            request: None,
            made_by: None,
            history: Vec::new(),
        }
    }

    /// A new journal with a pending record for each of `keys` (a plan's
    /// entries, in run order). For a single-URL plan that is one record per
    /// step, as [`Journal::new`] makes.
    pub fn for_entries(
        setup_name: &str,
        org_id: &str,
        sandbox: &str,
        keys: impl IntoIterator<Item = EntryKey>,
    ) -> Self {
        Self {
            steps: keys
                .into_iter()
                .map(|key| StepRecord::pending_for(&key))
                .collect(),
            ..Self::new(setup_name, org_id, sandbox)
        }
    }

    /// Adds `entry` to the history, dropping the oldest past
    /// [`HISTORY_LIMIT`].
    pub fn push_history(&mut self, entry: HistoryEntry) {
        self.history.push(entry);
        let excess = self.history.len().saturating_sub(HISTORY_LIMIT);
        self.history.drain(..excess);
    }

    /// The record of the setup's only resource of `step`'s kind.
    pub fn record(&self, step: StepId) -> Option<&StepRecord> {
        self.record_for(&EntryKey::single(step))
    }

    /// The record of the plan entry `key`.
    pub fn record_for(&self, key: &EntryKey) -> Option<&StepRecord> {
        self.steps
            .iter()
            .find(|record| record.step == key.step && record.instance == key.instance)
    }

    /// The record for a step, created pending if an older journal lacks it.
    pub fn record_mut(&mut self, step: StepId) -> &mut StepRecord {
        self.record_mut_for(&EntryKey::single(step))
    }

    /// The record of the plan entry `key`, created pending if missing.
    pub fn record_mut_for(&mut self, key: &EntryKey) -> &mut StepRecord {
        match self
            .steps
            .iter()
            .position(|record| record.step == key.step && record.instance == key.instance)
        {
            Some(index) => &mut self.steps[index],
            None => {
                self.steps.push(StepRecord::pending_for(key));
                let last = self.steps.len() - 1;
                &mut self.steps[last]
            }
        }
    }

    /// Brings a journal written by an older version up to date: adds the
    /// records of steps newer than it, and rewrites error codes recorded by
    /// their Rust names (`NameTaken`) to the stable names (`name_taken`).
    fn upgrade(&mut self) {
        self.add_missing_steps();
        for record in &mut self.steps {
            if let Some(error) = &mut record.error {
                if let Some(code) = SetupErrorCode::parse(&error.code) {
                    error.code = code.as_str().to_owned();
                }
            }
        }
    }

    /// Adds the records of steps newer than this journal, in run order. A
    /// journal from before the Profile step whose dataset is done had nothing
    /// to enable (that version could not make a Profile dataset against
    /// Adobe), so its Profile step counts as done with nothing made. Records
    /// of further instances of a kind follow the single ones, in their order.
    /// A step recorded only by instances (one record per dataflow) is not
    /// missing.
    fn add_missing_steps(&mut self) {
        if StepId::ALL.iter().all(|step| self.has_step(*step)) {
            return;
        }
        let dataset_done = self
            .record(StepId::Dataset)
            .is_some_and(|record| record.state == StepState::Done);
        let mut steps = Vec::with_capacity(self.steps.len() + StepId::ALL.len());
        for step in StepId::ALL {
            match self.record(step) {
                Some(record) => steps.push(record.clone()),
                None if self.has_step(step) => {}
                None => {
                    let mut record = StepRecord::pending(step);
                    if step == StepId::ProfileSchema && dataset_done {
                        record.state = StepState::Done;
                    }
                    steps.push(record);
                }
            }
        }
        steps.extend(
            self.steps
                .iter()
                .filter(|record| record.instance.is_some())
                .cloned(),
        );
        self.steps = steps;
    }

    /// Whether any record (single or of an instance) is of `step`.
    fn has_step(&self, step: StepId) -> bool {
        self.steps.iter().any(|record| record.step == step)
    }

    /// Every step has a record, and every record (the single ones and every
    /// instance of a kind) is done.
    pub fn is_complete(&self) -> bool {
        StepId::ALL.iter().all(|step| self.has_step(*step))
            && self
                .steps
                .iter()
                .all(|record| record.state == StepState::Done)
    }

    /// The records of `step`: the single one, or one per instance.
    pub fn records_of(&self, step: StepId) -> impl Iterator<Item = &StepRecord> {
        self.steps.iter().filter(move |record| record.step == step)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read or write the journal {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the journal {path} is not valid: {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the journal {path} was written by a newer version of the app (format {format})")]
    TooNew { path: PathBuf, format: u32 },
    #[error("{0:?} cannot be used as a setup name in a file name")]
    UnsafeName(String),
}

/// Whether `name` can name a file in a folder of the app's without leaving
/// it: the last guard for setup names (and a dataflow's key) before they
/// become file names.
pub fn is_safe_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// Journals live as `<dir>/<setup name>.json`.
#[derive(Debug, Clone)]
pub struct JournalStore {
    directory: PathBuf,
}

impl JournalStore {
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        Self {
            directory: directory.into(),
        }
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }

    fn path_for(&self, setup_name: &str) -> Result<PathBuf, JournalError> {
        // Names are validated before a plan exists; this is the last guard
        // against a name that could escape the directory.
        if !is_safe_file_name(setup_name) {
            return Err(JournalError::UnsafeName(setup_name.to_owned()));
        }
        Ok(self.directory.join(format!("{setup_name}.json")))
    }

    pub fn load(&self, setup_name: &str) -> Result<Option<Journal>, JournalError> {
        let path = self.path_for(setup_name)?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(JournalError::Io { path, source }),
        };
        let mut journal: Journal =
            serde_json::from_str(&text).map_err(|source| JournalError::Corrupt {
                path: path.clone(),
                source,
            })?;
        if journal.format > FORMAT {
            return Err(JournalError::TooNew {
                path,
                format: journal.format,
            });
        }
        journal.upgrade();
        Ok(Some(journal))
    }

    /// Writes the journal atomically and durably (`storage::write_atomically`):
    /// readers see the old or the new file, never half of one, and a power cut
    /// after this returns cannot bring the old one back.
    pub fn save(&self, journal: &mut Journal) -> Result<(), JournalError> {
        let path = self.path_for(&journal.setup_name)?;
        journal.updated_at = Utc::now();
        let text = serde_json::to_vec_pretty(journal).map_err(|source| JournalError::Corrupt {
            path: path.clone(),
            source,
        })?;
        // Journals hold resource ids, never a secret; the default permissions let
        // the user's other tools read them.
        storage::write_atomically(&path, &text, storage::Permissions::Default).map_err(|error| {
            JournalError::Io {
                path: error.path,
                source: error.source,
            }
        })
    }

    /// Adds `entry` to the history of the setup's journal, if it has one
    /// (a setup whose first run failed before anything was journaled has
    /// none), dropping the oldest past [`HISTORY_LIMIT`].
    pub fn append_history(
        &self,
        setup_name: &str,
        entry: HistoryEntry,
    ) -> Result<(), JournalError> {
        let Some(mut journal) = self.load(setup_name)? else {
            return Ok(());
        };
        journal.push_history(entry);
        self.save(&mut journal)
    }

    pub fn remove(&self, setup_name: &str) -> Result<(), JournalError> {
        let path = self.path_for(setup_name)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(JournalError::Io { path, source }),
        }
    }

    /// Every journal in the directory, oldest first; unreadable files are
    /// returned as errors next to the good ones so one bad file hides nothing.
    pub fn list(&self) -> Result<Vec<Result<Journal, JournalError>>, JournalError> {
        let entries = match fs::read_dir(&self.directory) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(JournalError::Io {
                    path: self.directory.clone(),
                    source,
                })
            }
        };
        let mut journals = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| JournalError::Io {
                path: self.directory.clone(),
                source,
            })?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            match self.load(name) {
                Ok(Some(journal)) => journals.push(Ok(journal)),
                Ok(None) => {}
                Err(error) => journals.push(Err(error)),
            }
        }
        journals.sort_by_key(|journal| journal.as_ref().map(|j| j.created_at).ok());
        Ok(journals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let directory = std::env::temp_dir().join(format!(
            "setup-journal-test-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        fs::create_dir_all(&directory).unwrap();
        directory
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temporary_file() {
        let directory = scratch();
        let store = JournalStore::new(&directory);
        let mut journal = Journal::new("Chatlio events", "ABC@AdobeOrg", "prod");
        let record = journal.record_mut(StepId::Schema);
        record.state = StepState::Done;
        record.resource_id = Some("https://ns.adobe.com/tenant/schemas/123".into());
        store.save(&mut journal).unwrap();

        let loaded = store.load("Chatlio events").unwrap().unwrap();
        assert_eq!(loaded, journal);
        let names: Vec<String> = fs::read_dir(&directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["Chatlio events.json".to_owned()]);
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn missing_journal_is_none_and_corrupt_one_is_an_error() {
        let directory = scratch();
        let store = JournalStore::new(&directory);
        assert!(store.load("nothing").unwrap().is_none());
        fs::write(directory.join("broken.json"), b"{\"format\": 1, \"setupN").unwrap();
        assert!(matches!(
            store.load("broken"),
            Err(JournalError::Corrupt { .. })
        ));
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].is_err());
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn newer_format_is_refused_not_misread() {
        let directory = scratch();
        let store = JournalStore::new(&directory);
        let mut journal = Journal::new("future", "ABC@AdobeOrg", "prod");
        journal.format = FORMAT + 1;
        let text = serde_json::to_string(&journal).unwrap();
        fs::write(directory.join("future.json"), text).unwrap();
        assert!(matches!(
            store.load("future"),
            Err(JournalError::TooNew { .. })
        ));
        fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn names_that_could_escape_the_directory_are_refused() {
        let store = JournalStore::new(std::env::temp_dir());
        for name in ["../evil", "a/b", "", ".hidden", "nul\0byte"] {
            assert!(
                matches!(store.load(name), Err(JournalError::UnsafeName(_))),
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_new_journal_has_every_step_pending_and_is_not_complete() {
        let mut journal = Journal::new("x", "ABC@AdobeOrg", "prod");
        assert_eq!(journal.steps.len(), StepId::ALL.len());
        assert!(!journal.is_complete());
        for step in StepId::ALL {
            journal.record_mut(step).state = StepState::Done;
        }
        assert!(journal.is_complete());
    }

    #[test]
    fn a_complete_journal_from_before_the_profile_step_stays_complete() {
        let directory = std::env::temp_dir().join(format!(
            "journal-upgrade-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        let store = JournalStore::new(&directory);
        let mut journal = Journal::new("old", "ABC@AdobeOrg", "prod");
        for step in StepId::ALL {
            journal.record_mut(step).state = StepState::Done;
        }
        journal
            .steps
            .retain(|record| record.step != StepId::ProfileSchema);
        let text = serde_json::to_string(&journal).unwrap();
        std::fs::write(directory.join("old.json"), text).unwrap();
        let loaded = store.load("old").unwrap().unwrap();
        assert!(loaded.is_complete());
        let order: Vec<StepId> = loaded.steps.iter().map(|record| record.step).collect();
        assert_eq!(order, StepId::ALL.to_vec());

        // Interrupted before its dataset: the new step is still to do.
        let mut unfinished = Journal::new("half", "ABC@AdobeOrg", "prod");
        unfinished
            .steps
            .retain(|record| record.step != StepId::ProfileSchema);
        let text = serde_json::to_string(&unfinished).unwrap();
        std::fs::write(directory.join("half.json"), text).unwrap();
        let loaded = store.load("half").unwrap().unwrap();
        assert_eq!(
            loaded.record(StepId::ProfileSchema).unwrap().state,
            StepState::Pending
        );
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn an_old_journal_loads_with_its_error_codes_renamed_to_the_stable_names() {
        // Written before the Profile step, before instances, and when the
        // setup's own error codes were journaled by their Rust names.
        let old = r#"{
          "format": 1,
          "setupName": "legacy",
          "orgId": "ABC@AdobeOrg",
          "sandbox": "prod",
          "createdAt": "2026-01-01T00:00:00Z",
          "updatedAt": "2026-01-01T00:01:00Z",
          "steps": [
            {"step": "tenant_id", "state": "done", "resourceId": "acme", "etag": null, "preExisting": false, "attempts": 1, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "field_group", "state": "done", "resourceId": "fg", "etag": null, "preExisting": false, "attempts": 1, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "schema", "state": "failed", "resourceId": null, "etag": null, "preExisting": false, "attempts": 1, "startedAt": null, "finishedAt": null,
             "error": {"code": "NameTaken", "message": "a schema titled \"x\" already exists", "requestId": null}},
            {"step": "identity_descriptor", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "dataset", "state": "failed", "resourceId": null, "etag": null, "preExisting": false, "attempts": 1, "startedAt": null, "finishedAt": null,
             "error": {"code": "not_found", "message": "gone", "requestId": "r-1"}},
            {"step": "source_connection", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "target_connection", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "mapping_set", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "dataflow", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null},
            {"step": "read_back", "state": "pending", "resourceId": null, "etag": null, "preExisting": false, "attempts": 0, "startedAt": null, "finishedAt": null, "error": null}
          ]
        }"#;
        let directory = scratch();
        fs::write(directory.join("legacy.json"), old).unwrap();
        let loaded = JournalStore::new(&directory)
            .load("legacy")
            .unwrap()
            .unwrap();
        let order: Vec<StepId> = loaded.steps.iter().map(|record| record.step).collect();
        assert_eq!(order, StepId::ALL.to_vec());
        assert!(loaded.steps.iter().all(|record| record.instance.is_none()));
        let code = |step: StepId| {
            loaded
                .record(step)
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .code
                .clone()
        };
        assert_eq!(code(StepId::Schema), "name_taken");
        // Adobe's codes were always stable names and stay as they are.
        assert_eq!(code(StepId::Dataset), "not_found");
        assert_eq!(
            loaded.record(StepId::ProfileSchema).unwrap().state,
            StepState::Pending
        );
        fs::remove_dir_all(directory).unwrap();
    }
}
