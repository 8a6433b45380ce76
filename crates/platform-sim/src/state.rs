//! In-memory state of the simulator, and its optional JSON persistence.
//!
//! Metadata (schemas, datasets, flows, ...) lives behind one `RwLock` because it changes
//! rarely. The hot inlet path never holds that lock while it works: each flow gets an
//! [`crate::inlet::InletRuntime`] with its compiled mapping and validator, and records and
//! run counters sit behind small per-dataset and per-flow mutexes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::clock::Clock;
use crate::faults::Faults;
use crate::inlet::InletRuntime;
use crate::{SimConfig, SimError};

/// A secret string (client secret, token) with a redacted `Debug` and no `Serialize`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Permissions a credential can hold (names follow AEP's access-control permissions).
pub const ALL_PERMISSIONS: &[&str] = &[
    "view-sources",
    "manage-sources",
    "view-schemas",
    "manage-schemas",
    "manage-identity-metadata",
    "view-datasets",
    "manage-datasets",
    "view-sandboxes",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewSources,
    ManageSources,
    ViewSchemas,
    ManageSchemas,
    ManageIdentityMetadata,
    ViewDatasets,
    ManageDatasets,
    ViewSandboxes,
}

impl Permission {
    pub fn name(self) -> &'static str {
        match self {
            Permission::ViewSources => "view-sources",
            Permission::ManageSources => "manage-sources",
            Permission::ViewSchemas => "view-schemas",
            Permission::ManageSchemas => "manage-schemas",
            Permission::ManageIdentityMetadata => "manage-identity-metadata",
            Permission::ViewDatasets => "view-datasets",
            Permission::ManageDatasets => "manage-datasets",
            Permission::ViewSandboxes => "view-sandboxes",
        }
    }

    /// "Manage" implies "view" in AEP's permission model.
    pub fn satisfied_by(self, granted: &BTreeSet<String>) -> bool {
        if granted.contains(self.name()) {
            return true;
        }
        match self {
            Permission::ViewSources => granted.contains("manage-sources"),
            Permission::ViewSchemas => granted.contains("manage-schemas"),
            Permission::ViewDatasets => granted.contains("manage-datasets"),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub client_id: String,
    pub client_secret: Secret,
    pub org_id: String,
    pub permissions: BTreeSet<String>,
    pub sandboxes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked: bool,
    /// `true` for tokens minted by the user (authorization code) flow.
    pub user_flow: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRecord {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub challenge: Option<String>,
    pub challenge_method: String,
    pub expires_ms: i64,
    pub used: bool,
}

#[derive(Debug, Default)]
pub struct ImsState {
    pub credentials: Vec<Credential>,
    pub access_tokens: HashMap<Secret, TokenRecord>,
    pub refresh_tokens: HashMap<Secret, TokenRecord>,
    pub codes: HashMap<Secret, CodeRecord>,
}

impl ImsState {
    pub fn credential(&self, client_id: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.client_id == client_id)
    }
}

/// One sandbox as listed by Sandbox Management.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sandbox {
    pub id: String,
    pub name: String,
    pub title: String,
    pub sandbox_type: String,
    pub is_default: bool,
    pub created: String,
}

impl Sandbox {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "state": "active",
            "type": self.sandbox_type,
            "region": "VA7",
            "isDefault": self.is_default,
            "eTag": 1,
            "createdDate": self.created,
            "lastModifiedDate": self.created,
            "createdBy": "practice-admin@AdobeID",
            "modifiedBy": "practice-admin@AdobeID",
        })
    }
}

/// Everything one sandbox holds. Entities are stored as the JSON objects the APIs return.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SandboxData {
    pub field_groups: Vec<Value>,
    pub schemas: Vec<Value>,
    pub descriptors: Vec<Value>,
    /// Catalog datasets keyed by id (insertion ordered).
    pub datasets: Map<String, Value>,
    /// Mapping sets keyed by id; each entry holds every version (index = version).
    pub mapping_sets: BTreeMap<String, Vec<Value>>,
    pub source_connections: Vec<Value>,
    pub target_connections: Vec<Value>,
    pub flows: Vec<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlatformState {
    pub sandboxes: Vec<Sandbox>,
    pub data: BTreeMap<String, SandboxData>,
}

impl PlatformState {
    pub fn sandbox(&self, name: &str) -> Option<&Sandbox> {
        self.sandboxes.iter().find(|s| s.name == name)
    }
}

/// A record that failed mapping or validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedRecord {
    #[serde(rename = "flowId")]
    pub flow_id: String,
    #[serde(rename = "receivedTimeMs")]
    pub received_ms: i64,
    pub errors: Vec<RecordError>,
    pub input: Value,
    /// The Catalog batch (run window) the record was counted in. Defaulted so state
    /// files written before batches were remembered still load; such a record belongs to
    /// no batch and so to no error diagnostics file.
    #[serde(rename = "batchId", default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// Whether the flow had `options.errorDiagnosticsEnabled` on when the record was
    /// received: only then does Adobe write it to the batch's `row_errors` files
    /// (help/ingestion/quality/error-diagnostics.md).
    #[serde(rename = "errorDiagnostics", default)]
    pub error_diagnostics: bool,
}

impl FailedRecord {
    /// The record as `/__sim/datasets/{id}/records` has always shown it: the batch and
    /// diagnostics flag are bookkeeping for the Data Access API, not part of that shape.
    pub fn control_json(&self) -> Value {
        json!({
            "flowId": self.flow_id,
            "receivedTimeMs": self.received_ms,
            "errors": self.errors,
            "input": self.input,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordError {
    pub code: String,
    pub message: String,
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DatasetRecords {
    pub records: Vec<Value>,
    /// The batch of `records[i]`, by index: a record is in the data lake (Data Access
    /// preview) only once its batch has closed. State files written before batches were
    /// remembered have fewer entries (none); a record without one is taken to be in the
    /// data lake already. Kept beside `records` so the control surface's record list keeps
    /// its shape.
    #[serde(default)]
    pub record_batches: Vec<String>,
    pub failed: Vec<FailedRecord>,
}

impl DatasetRecords {
    /// Stores a valid record counted in `batch_id`.
    pub fn push_record(&mut self, record: Value, batch_id: &str) {
        // Pads for records loaded from an older state file, so indexes stay aligned.
        self.record_batches
            .resize(self.records.len(), String::new());
        self.records.push(record);
        self.record_batches.push(batch_id.to_string());
    }

    /// The batch `records[index]` was counted in, if known.
    pub fn batch_of(&self, index: usize) -> Option<&str> {
        self.record_batches
            .get(index)
            .map(String::as_str)
            .filter(|id| !id.is_empty())
    }
}

/// One run window of a streaming flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunWindow {
    pub id: String,
    pub batch_id: String,
    pub etag: String,
    pub flow_id: String,
    pub dataset_id: String,
    pub target_connection_id: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub first_record_ms: i64,
    pub last_record_ms: i64,
    pub input_records: u64,
    pub output_records: u64,
    pub failed_records: u64,
    pub warning_records: u64,
    pub input_bytes: u64,
    pub output_bytes: u64,
    /// Error code → (message, record count).
    pub errors: BTreeMap<String, (String, u64)>,
    pub force_closed: bool,
    /// Whether the flow had `options.errorDiagnosticsEnabled` on for every record counted
    /// in this run: only then does its Catalog batch give each error code's
    /// `recordCount` (help/ingestion/quality/error-diagnostics.md). Defaulted (off) for
    /// state files written before it existed.
    #[serde(default)]
    pub error_diagnostics: bool,
}

impl RunWindow {
    /// An empty run of `flow_id` for the window `[start_ms, end_ms)`, created at
    /// `created_ms` (when its first record arrived).
    pub fn new(
        flow_id: &str,
        dataset_id: &str,
        target_connection_id: &str,
        created_ms: i64,
        start_ms: i64,
        end_ms: i64,
    ) -> Self {
        Self {
            id: crate::util::random_uuid(),
            batch_id: crate::util::new_batch_id(),
            etag: crate::util::new_etag(),
            flow_id: flow_id.to_string(),
            dataset_id: dataset_id.to_string(),
            target_connection_id: target_connection_id.to_string(),
            created_ms,
            updated_ms: created_ms,
            window_start_ms: start_ms,
            window_end_ms: end_ms,
            first_record_ms: created_ms,
            last_record_ms: created_ms,
            input_records: 0,
            output_records: 0,
            failed_records: 0,
            warning_records: 0,
            input_bytes: 0,
            output_bytes: 0,
            errors: BTreeMap::new(),
            force_closed: false,
            error_diagnostics: false,
        }
    }

    pub fn is_closed(&self, now: i64) -> bool {
        self.force_closed || now >= self.window_end_ms
    }

    /// `inProgress` while the window is open (help/dataflows/api/sort-and-filter.md filters
    /// runs on it); then `success` when at least one record was ingested, even with
    /// failures (help/sources/tutorials/api/monitor.md: 99 of 100 ingested is `success`),
    /// or `failed` when none was (the spec's `lastRunDetails.state` values).
    pub fn status(&self, now: i64) -> &'static str {
        if !self.is_closed(now) {
            "inProgress"
        } else if self.output_records == 0 && self.input_records > 0 {
            "failed"
        } else {
            "success"
        }
    }

    /// Moves every time of the run `shift_ms` into the past.
    pub fn shift(&mut self, shift_ms: i64) {
        self.created_ms -= shift_ms;
        self.updated_ms -= shift_ms;
        self.window_start_ms -= shift_ms;
        self.window_end_ms -= shift_ms;
        self.first_record_ms -= shift_ms;
        self.last_record_ms -= shift_ms;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FlowRuns {
    pub runs: Vec<RunWindow>,
}

/// What a request-log line records.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: Option<u16>,
    #[serde(rename = "startedAtMs")]
    pub started_ms: i64,
    #[serde(rename = "endedAtMs")]
    pub ended_ms: Option<i64>,
    #[serde(rename = "durationMs")]
    pub duration_ms: Option<i64>,
    pub fault: Option<String>,
}

/// Cap so a long benchmark cannot grow the log without bound.
const LOG_CAPACITY: usize = 200_000;

#[derive(Debug, Default)]
pub struct RequestLog {
    pub entries: std::collections::VecDeque<LogEntry>,
}

impl RequestLog {
    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() >= LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Completes the entry `seq`, which ended at `ended_ms` (the simulator's time).
    pub fn finish(&mut self, seq: u64, status: Option<u16>, fault: Option<String>, ended_ms: i64) {
        // Recent entries are at the back, so search from there.
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = status;
            entry.ended_ms = Some(ended_ms);
            entry.duration_ms = Some(ended_ms - entry.started_ms);
            if fault.is_some() {
                entry.fault = fault;
            }
        }
    }
}

/// Sequential rounds among request spans (start, end): a request starts a new
/// round when it began after every request of the current round had ended. The
/// number of rounds is the depth of the request chain a client paid for in
/// latency, which is what the setup's concurrency is measured by.
pub fn rounds_of_spans(spans: impl IntoIterator<Item = (i64, i64)>) -> usize {
    let mut spans: Vec<(i64, i64)> = spans.into_iter().collect();
    spans.sort_unstable();
    let mut rounds = 0;
    let mut round_end = 0;
    for (start, end) in spans {
        if rounds == 0 || start >= round_end {
            rounds += 1;
            round_end = end;
        } else {
            round_end = round_end.max(end);
        }
    }
    rounds
}

/// Sequential rounds in the request log as `GET /__sim/requests` returns it
/// (its `requests` array); entries without both times are left out.
pub fn rounds(log: &[serde_json::Value]) -> usize {
    rounds_of_spans(
        log.iter().filter_map(|entry| {
            Some((entry["startedAtMs"].as_i64()?, entry["endedAtMs"].as_i64()?))
        }),
    )
}

/// The whole simulator.
pub struct Sim {
    pub config: SimConfig,
    /// Every time the simulator records or compares is read from here, never from the
    /// real clock, so a test can put the simulator at an instant of its choosing.
    pub clock: Clock,
    pub base_url: RwLock<String>,
    pub ims: Mutex<ImsState>,
    pub platform: RwLock<PlatformState>,
    pub inlets: RwLock<HashMap<String, Arc<InletRuntime>>>,
    pub records: RwLock<HashMap<String, Arc<Mutex<DatasetRecords>>>>,
    pub runs: RwLock<HashMap<String, Arc<Mutex<FlowRuns>>>>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<RequestLog>,
    pub log_seq: AtomicU64,
    pub dirty: AtomicBool,
}

pub type AppState = Arc<Sim>;

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        let faults = Faults::new(config.seed, config.latency);
        let sim = Self {
            clock: Clock::starting_at(config.clock_start),
            config,
            base_url: RwLock::new(String::new()),
            ims: Mutex::new(ImsState::default()),
            platform: RwLock::new(PlatformState::default()),
            inlets: RwLock::new(HashMap::new()),
            records: RwLock::new(HashMap::new()),
            runs: RwLock::new(HashMap::new()),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            log_seq: AtomicU64::new(0),
            dirty: AtomicBool::new(false),
        };
        sim.seed();
        sim
    }

    /// Seeds one org with its credential, sandboxes `prod` and `dev`.
    pub fn seed(&self) {
        let mut ims = self.ims.lock();
        *ims = ImsState::default();
        ims.credentials.push(Credential {
            client_id: self.config.client_id.clone(),
            client_secret: Secret::new(self.config.client_secret.clone()),
            org_id: self.config.org_id.clone(),
            permissions: ALL_PERMISSIONS.iter().map(|p| (*p).to_string()).collect(),
            sandboxes: vec!["prod".into(), "dev".into()],
        });
        drop(ims);
        let mut platform = self.platform.write();
        *platform = PlatformState::default();
        platform.sandboxes = vec![
            Sandbox {
                id: "d537df80-c5d7-11e9-aafb-87c71c35cac8".into(),
                name: "prod".into(),
                title: "Production".into(),
                sandbox_type: "production".into(),
                is_default: true,
                created: "2019-09-04 04:57:24".into(),
            },
            Sandbox {
                id: "1bd86660-c5da-11e9-93d4-6d5fc3a66a8e".into(),
                name: "dev".into(),
                title: "Development".into(),
                sandbox_type: "development".into(),
                is_default: false,
                created: "2019-09-03 22:27:48".into(),
            },
        ];
        for sandbox in ["prod", "dev"] {
            platform.data.insert(sandbox.into(), SandboxData::default());
        }
        drop(platform);
        self.inlets.write().clear();
        self.records.write().clear();
        self.runs.write().clear();
        self.mark_dirty();
    }

    /// Back to a freshly started simulator, its clock included: nothing recorded survives
    /// a reset, so the clock's configured start cannot put a recorded time in the future.
    pub fn reset(&self) {
        self.clock.restart_at(self.config.clock_start);
        self.seed();
        self.faults.lock().clear(self.config.latency);
        self.log.lock().entries.clear();
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().clone()
    }

    pub fn dataset_records(&self, dataset_id: &str) -> Arc<Mutex<DatasetRecords>> {
        if let Some(found) = self.records.read().get(dataset_id) {
            return Arc::clone(found);
        }
        let mut records = self.records.write();
        Arc::clone(records.entry(dataset_id.to_string()).or_default())
    }

    pub fn flow_runs(&self, flow_id: &str) -> Arc<Mutex<FlowRuns>> {
        if let Some(found) = self.runs.read().get(flow_id) {
            return Arc::clone(found);
        }
        let mut runs = self.runs.write();
        Arc::clone(runs.entry(flow_id.to_string()).or_default())
    }

    /// A snapshot of everything that persists across restarts.
    pub fn snapshot(&self) -> PersistedState {
        let ims = self.ims.lock();
        let credentials = ims
            .credentials
            .iter()
            .map(|c| PersistedCredential {
                client_id: c.client_id.clone(),
                client_secret: c.client_secret.expose().to_string(),
                org_id: c.org_id.clone(),
                permissions: c.permissions.iter().cloned().collect(),
                sandboxes: c.sandboxes.clone(),
            })
            .collect();
        let access_tokens = ims
            .access_tokens
            .iter()
            .map(|(k, v)| (k.expose().to_string(), v.clone()))
            .collect();
        let refresh_tokens = ims
            .refresh_tokens
            .iter()
            .map(|(k, v)| (k.expose().to_string(), v.clone()))
            .collect();
        drop(ims);
        let platform = self.platform.read().clone();
        let records = self
            .records
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.lock().clone()))
            .collect();
        let runs = self
            .runs
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.lock().clone()))
            .collect();
        PersistedState {
            format: 1,
            saved_at_ms: self.clock.now_ms(),
            clock_offset_ms: self.clock.offset_ms(),
            credentials,
            access_tokens,
            refresh_tokens,
            platform,
            records,
            runs,
        }
    }

    pub fn restore(&self, state: PersistedState) {
        self.clock.keep_up_with(state.clock_offset_ms);
        let mut ims = self.ims.lock();
        ims.credentials = state
            .credentials
            .into_iter()
            .map(|c| Credential {
                client_id: c.client_id,
                client_secret: Secret::new(c.client_secret),
                org_id: c.org_id,
                permissions: c.permissions.into_iter().collect(),
                sandboxes: c.sandboxes,
            })
            .collect();
        ims.access_tokens = state
            .access_tokens
            .into_iter()
            .map(|(k, v)| (Secret::new(k), v))
            .collect();
        ims.refresh_tokens = state
            .refresh_tokens
            .into_iter()
            .map(|(k, v)| (Secret::new(k), v))
            .collect();
        drop(ims);
        *self.platform.write() = state.platform;
        *self.records.write() = state
            .records
            .into_iter()
            .map(|(k, v)| (k, Arc::new(Mutex::new(v))))
            .collect();
        *self.runs.write() = state
            .runs
            .into_iter()
            .map(|(k, v)| (k, Arc::new(Mutex::new(v))))
            .collect();
    }

    pub fn save_to(&self, path: &Path) -> Result<(), SimError> {
        let snapshot = self.snapshot();
        let text = serde_json::to_vec_pretty(&snapshot)
            .map_err(|source| SimError::StateEncode { source })?;
        // Private: the state holds the emulator's client secrets and tokens. Durable:
        // practice dataflows must outlive a crash of the app, like real ones.
        storage::write_atomically(path, &text, storage::Permissions::Private).map_err(|error| {
            SimError::StateFile {
                path: error.path,
                source: error.source,
            }
        })
    }

    pub fn next_log_seq(&self) -> u64 {
        self.log_seq.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersistedCredential {
    pub client_id: String,
    pub client_secret: String,
    pub org_id: String,
    pub permissions: Vec<String>,
    pub sandboxes: Vec<String>,
}

/// The state file format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersistedState {
    pub format: u32,
    /// In the simulator's time.
    pub saved_at_ms: i64,
    /// How far the simulator's clock was ahead of real time (0 in files from before the
    /// clock could move): a restart keeps at least that offset.
    #[serde(default)]
    pub clock_offset_ms: i64,
    pub credentials: Vec<PersistedCredential>,
    pub access_tokens: HashMap<String, TokenRecord>,
    pub refresh_tokens: HashMap<String, TokenRecord>,
    pub platform: PlatformState,
    pub records: HashMap<String, DatasetRecords>,
    pub runs: HashMap<String, FlowRuns>,
}

/// Technical-account style user id derived from a client id.
pub fn technical_account(client_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(client_id.as_bytes());
    let hex = crate::util::to_hex(&digest[..12]).to_uppercase();
    format!("{hex}@techacct.adobe.com")
}

pub fn practice_user_id() -> String {
    "B0DC108C5CD449CA0A494133@AdobeID".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_files_from_before_batches_were_remembered_still_load() {
        let old = json!({
            "records": [{ "n": 1 }],
            "failed": [{ "flowId": "f", "receivedTimeMs": 5, "errors": [], "input": {} }],
        });
        let mut records: DatasetRecords = serde_json::from_value(old).unwrap();
        assert_eq!(records.batch_of(0), None);
        assert_eq!(records.failed[0].batch_id, None);
        assert!(!records.failed[0].error_diagnostics);
        // A new record lines up with its own batch, the old one keeps none.
        records.push_record(json!({ "n": 2 }), "B1");
        assert_eq!(records.batch_of(0), None);
        assert_eq!(records.batch_of(1), Some("B1"));
        // The control surface's shape of a failed record is unchanged.
        assert_eq!(
            records.failed[0].control_json(),
            json!({ "flowId": "f", "receivedTimeMs": 5, "errors": [], "input": {} })
        );

        let mut run = serde_json::to_value(RunWindow::new("f", "d", "t", 0, 0, 10)).unwrap();
        run.as_object_mut().unwrap().remove("error_diagnostics");
        let run: RunWindow = serde_json::from_value(run).unwrap();
        assert!(!run.error_diagnostics);
    }

    #[test]
    fn overlapping_requests_share_a_round() {
        let entry = |started: i64, ended: i64| serde_json::json!({ "startedAtMs": started, "endedAtMs": ended });
        let log = [
            entry(0, 150),
            entry(10, 160),
            entry(160, 310),
            entry(300, 450),
            entry(450, 600),
        ];
        assert_eq!(rounds(&log), 3);
        assert_eq!(rounds(&[]), 0);
        assert_eq!(rounds_of_spans([(0, 150), (10, 160), (160, 310)]), 2);
    }
}
