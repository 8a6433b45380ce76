//! Flow Service bodies (connection specs, source/target connections, flows, runs).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    BaseConnectionId, ConnectionSpecId, DatasetId, Etag, FlowId, FlowSpecId, MappingSetId, RunId,
    SchemaId, SourceConnectionId, TargetConnectionId, XED_FULL_V1,
};

/// Chatlio's connection spec id.
pub const CHATLIO_CONNECTION_SPEC_ID: &str = "073127a3-26e3-496c-9d94-9f48fb93fba8";
/// Provider id used by the Chatlio source connection.
pub const CHATLIO_PROVIDER_ID: &str = "521eee4d-8cbe-4906-bb48-fb6bd4450033";
/// The data lake target connection spec id.
pub const DATA_LAKE_CONNECTION_SPEC_ID: &str = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";
/// The GenericStreamingAEP flow spec id used by self-serve streaming sources (Chatlio).
pub const GENERIC_STREAMING_FLOW_SPEC_ID: &str = "e77fde5a-22a8-11ed-861d-0242ac120002";

/// `{"id": "...", "version": "1.0"}` reference to a connection spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSpecRef {
    /// Spec id.
    pub id: ConnectionSpecId,
    /// Spec version, `1.0`.
    #[serde(default)]
    pub version: Option<String>,
}

impl ConnectionSpecRef {
    /// A reference to version `1.0` of `id`.
    pub fn v1(id: impl Into<ConnectionSpecId>) -> Self {
        Self {
            id: id.into(),
            version: Some("1.0".to_owned()),
        }
    }
}

/// `{"id": "...", "version": "1.0"}` reference to a flow spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowSpecRef {
    /// Spec id.
    pub id: FlowSpecId,
    /// Spec version, `1.0`.
    #[serde(default)]
    pub version: Option<String>,
}

/// The answer of every Flow Service create/update: `{"id": "...", "etag": "\"...\""}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created<Id> {
    /// The new or updated entity's id.
    pub id: Id,
    /// Its current version, for `If-Match`.
    #[serde(default)]
    pub etag: Option<Etag>,
}

/// `data` of a source connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceData {
    /// `json` (the only supported format).
    pub format: String,
}

/// `POST /sourceConnections` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceConnectionRequest {
    /// Name.
    pub name: String,
    /// Provider id (Chatlio's tutorial sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Base connection (none for Chatlio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_connection_id: Option<BaseConnectionId>,
    /// The source's connection spec.
    pub connection_spec: ConnectionSpecRef,
    /// Data format.
    pub data: SourceData,
    /// Source-specific parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

impl SourceConnectionRequest {
    /// A Chatlio streaming source connection, as in Adobe's tutorial.
    pub fn chatlio(name: impl Into<String>, description: Option<String>) -> Self {
        Self {
            name: name.into(),
            provider_id: Some(CHATLIO_PROVIDER_ID.to_owned()),
            description,
            base_connection_id: None,
            connection_spec: ConnectionSpecRef::v1(CHATLIO_CONNECTION_SPEC_ID),
            data: SourceData {
                format: "json".to_owned(),
            },
            params: None,
        }
    }
}

/// `data.schema` of a target connection: `version` is the XED content type string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSchema {
    /// Schema `$id`.
    pub id: SchemaId,
    /// e.g. `application/vnd.adobe.xed-full+json;version=1`.
    pub version: String,
}

/// `data` of a target connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetData {
    /// `json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The target schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<TargetSchema>,
}

/// `params` of a data lake target connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetParams {
    /// The dataset that receives the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_set_id: Option<DatasetId>,
}

/// `POST /targetConnections` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetConnectionRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The data lake connection spec.
    pub connection_spec: ConnectionSpecRef,
    /// Format and schema.
    pub data: TargetData,
    /// The dataset.
    pub params: TargetParams,
}

impl TargetConnectionRequest {
    /// A data lake target connection writing `schema` records into `dataset`, as in Adobe's
    /// Chatlio tutorial.
    pub fn data_lake(
        name: impl Into<String>,
        description: Option<String>,
        schema: SchemaId,
        dataset: DatasetId,
    ) -> Self {
        Self {
            name: name.into(),
            description,
            connection_spec: ConnectionSpecRef::v1(DATA_LAKE_CONNECTION_SPEC_ID),
            data: TargetData {
                format: Some("json".to_owned()),
                schema: Some(TargetSchema {
                    id: schema,
                    version: XED_FULL_V1.to_owned(),
                }),
            },
            params: TargetParams {
                data_set_id: Some(dataset),
            },
        }
    }
}

/// A flow transformation. Only `Mapping` is used by streaming sources; params of other
/// transformations are kept as raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transformation {
    /// `Mapping`.
    pub name: String,
    /// For `Mapping`: `{"mappingId": "...", "mappingVersion": 0}`.
    #[serde(default)]
    pub params: Value,
}

impl Transformation {
    /// The `Mapping` transformation (the name must be exactly `Mapping`).
    pub fn mapping(mapping_id: &MappingSetId, mapping_version: u64) -> Self {
        Self {
            name: "Mapping".to_owned(),
            params: serde_json::json!({
                "mappingId": mapping_id.as_str(),
                "mappingVersion": mapping_version,
            }),
        }
    }

    /// The mapping set id of a `Mapping` transformation.
    pub fn mapping_id(&self) -> Option<MappingSetId> {
        self.params
            .get("mappingId")
            .and_then(Value::as_str)
            .map(MappingSetId::from)
    }

    /// The mapping version (accepts `0` and `"0"`).
    pub fn mapping_version(&self) -> Option<u64> {
        match self.params.get("mappingVersion")? {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }
}

/// `POST /flows` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The flow spec.
    pub flow_spec: FlowSpecRef,
    /// Source connections.
    pub source_connection_ids: Vec<SourceConnectionId>,
    /// Target connections.
    pub target_connection_ids: Vec<TargetConnectionId>,
    /// Transformations (the mapping).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformations: Vec<Transformation>,
    /// Flow options per the flow spec's `optionSpec` (`errorDiagnosticsEnabled`,
    /// `partialIngestionPercent`). Not in the Chatlio tutorial; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
}

impl FlowRequest {
    /// A GenericStreamingAEP flow from `source` to `target` through `mapping`, as in
    /// Adobe's Chatlio tutorial.
    pub fn streaming(
        name: impl Into<String>,
        description: Option<String>,
        source: SourceConnectionId,
        target: TargetConnectionId,
        mapping: &MappingSetId,
        mapping_version: u64,
    ) -> Self {
        Self {
            name: name.into(),
            description,
            flow_spec: FlowSpecRef {
                id: FlowSpecId::new(GENERIC_STREAMING_FLOW_SPEC_ID),
                version: Some("1.0".to_owned()),
            },
            source_connection_ids: vec![source],
            target_connection_ids: vec![target],
            transformations: vec![Transformation::mapping(mapping, mapping_version)],
            options: None,
        }
    }
}

/// `options` of a flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowOptions {
    /// The streaming endpoint; absent until the flow is enabled.
    #[serde(default)]
    pub inlet_url: Option<String>,
    /// Error diagnostics flag.
    #[serde(default)]
    pub error_diagnostics_enabled: Option<bool>,
    /// Partial ingestion threshold.
    #[serde(default)]
    pub partial_ingestion_percent: Option<f64>,
}

/// `lastRunDetails` of a flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRunDetails {
    /// Run id.
    #[serde(default)]
    pub id: Option<RunId>,
    /// `success` or `failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Start, epoch ms.
    #[serde(
        default,
        rename = "startedAtUTC",
        deserialize_with = "super::flexible_i64"
    )]
    pub started_at_utc: Option<i64>,
    /// End, epoch ms.
    #[serde(
        default,
        rename = "completedAtUTC",
        deserialize_with = "super::flexible_i64"
    )]
    pub completed_at_utc: Option<i64>,
}

/// A dataflow (`GET /flows/{id}` item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// Flow id.
    pub id: FlowId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Flow spec.
    #[serde(default)]
    pub flow_spec: Option<FlowSpecRef>,
    /// `enabled`, `disabled`, or (a flow created with `mode=draft`) `draft`.
    #[serde(default)]
    pub state: Option<String>,
    /// Current version for `If-Match`.
    #[serde(default)]
    pub etag: Option<Etag>,
    /// Source connections.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub source_connection_ids: Vec<SourceConnectionId>,
    /// Target connections.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub target_connection_ids: Vec<TargetConnectionId>,
    /// Transformations.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub transformations: Vec<Transformation>,
    /// Options, including `inletUrl`.
    #[serde(default)]
    pub options: Option<FlowOptions>,
    /// Last run summary.
    #[serde(default)]
    pub last_run_details: Option<LastRunDetails>,
    /// Last operation (`create`, `enable`, `update`, ...), raw.
    #[serde(default)]
    pub last_operation: Option<Value>,
    /// Inherited attributes (connection specs of the connections), raw.
    #[serde(default)]
    pub inherited_attributes: Option<Value>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created_at: Option<i64>,
    /// Update time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub updated_at: Option<i64>,
}

impl Flow {
    /// The streaming endpoint, once the flow is enabled.
    pub fn inlet_url(&self) -> Option<&str> {
        self.options.as_ref()?.inlet_url.as_deref()
    }

    /// The webhook URL (`{inletUrl}?x-adobe-flow-id={id}`), once the flow has an inlet.
    pub fn webhook_url(&self) -> crate::Result<Option<crate::WebhookUrl>> {
        self.inlet_url()
            .map(|inlet| crate::WebhookUrl::new(inlet, &self.id))
            .transpose()
    }

    /// Whether the flow is enabled.
    pub fn is_enabled(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|state| state.eq_ignore_ascii_case("enabled"))
    }

    /// Whether the flow is a draft (made with `mode=draft`, not yet published). Adobe's
    /// tutorial calls it "a draft state" without showing the `state` value; `draft` is
    /// what platform-sim returns.
    pub fn is_draft(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|state| state.eq_ignore_ascii_case("draft"))
    }
}

/// A source connection item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceConnection {
    /// Id.
    pub id: SourceConnectionId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Base connection.
    #[serde(default)]
    pub base_connection_id: Option<BaseConnectionId>,
    /// Connection spec.
    #[serde(default)]
    pub connection_spec: Option<ConnectionSpecRef>,
    /// State.
    #[serde(default)]
    pub state: Option<String>,
    /// Data.
    #[serde(default)]
    pub data: Option<Value>,
    /// Params.
    #[serde(default)]
    pub params: Option<Value>,
    /// Version for `If-Match`.
    #[serde(default)]
    pub etag: Option<Etag>,
}

/// A target connection item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetConnection {
    /// Id.
    pub id: TargetConnectionId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Connection spec.
    #[serde(default)]
    pub connection_spec: Option<ConnectionSpecRef>,
    /// State.
    #[serde(default)]
    pub state: Option<String>,
    /// Format and schema.
    #[serde(default)]
    pub data: Option<TargetData>,
    /// The dataset.
    #[serde(default)]
    pub params: Option<TargetParams>,
    /// Version for `If-Match`.
    #[serde(default)]
    pub etag: Option<Etag>,
}

/// A connection spec item (kept mostly raw: its attributes are source-specific).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSpec {
    /// Spec id.
    pub id: ConnectionSpecId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Provider id.
    #[serde(default)]
    pub provider_id: Option<String>,
    /// Version.
    #[serde(default)]
    pub version: Option<String>,
    /// Attributes.
    #[serde(default)]
    pub attributes: Option<Value>,
    /// Source spec.
    #[serde(default)]
    pub source_spec: Option<Value>,
}

impl ConnectionSpec {
    /// `attributes.isDraftModeSupported` is `true`: entities of this source may be
    /// created with `mode=draft` (Adobe's "Create drafts of your Flow Service entities"
    /// tutorial). Absent means not supported.
    pub fn is_draft_mode_supported(&self) -> bool {
        draft_mode_flag(self.attributes.as_ref())
    }
}

/// A flow spec item (`GET /flowSpecs/{id}`), kept mostly raw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowSpec {
    /// Spec id.
    pub id: FlowSpecId,
    /// Name, e.g. `GenericStreamingAEP`.
    #[serde(default)]
    pub name: Option<String>,
    /// Source connection specs this flow spec accepts.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub source_connection_spec_ids: Vec<ConnectionSpecId>,
    /// Target connection specs this flow spec accepts.
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub target_connection_spec_ids: Vec<ConnectionSpecId>,
    /// Attributes (`isSourceFlow`, `frequency`, `isDraftModeSupported`, ...), raw.
    #[serde(default)]
    pub attributes: Option<Value>,
}

impl FlowSpec {
    /// `attributes.isDraftModeSupported` is `true`. Adobe asks to check both the source's
    /// connection spec and its flow spec before creating drafts.
    pub fn is_draft_mode_supported(&self) -> bool {
        draft_mode_flag(self.attributes.as_ref())
    }
}

fn draft_mode_flag(attributes: Option<&Value>) -> bool {
    attributes
        .and_then(|attributes| attributes.get("isDraftModeSupported"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `recordSummary` of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    /// Records received.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub input_record_count: Option<u64>,
    /// Records ingested.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub output_record_count: Option<u64>,
    /// Records failed.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub failed_record_count: Option<u64>,
    /// Records with warnings.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub warning_record_count: Option<u64>,
}

/// An error entry of a run. Record-level errors (`MAPPER-3700-400`, `DCVS-…`) carry the
/// number of records they failed in `recordCount`; run-level ones (`CONNECTOR-2001-500`)
/// and summaries (`INGEST-1212-400`) carry none (help/sources/tutorials/api/monitor.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunError {
    /// e.g. `INGEST-1212-400`, `MAPPER-3700-400`, `CONNECTOR-2001-500`.
    #[serde(default)]
    pub code: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
    /// Records affected.
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub record_count: Option<u64>,
}

/// `statusSummary` of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusSummary {
    /// Status; casing varies across Adobe docs (`success`, `Failed`, `inProgress`).
    #[serde(default)]
    pub status: Option<String>,
    /// Run-level errors (no record counts); see [`Run::run_errors`].
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub errors: Vec<RunError>,
}

/// `durationSummary` of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationSummary {
    /// Start, epoch ms.
    #[serde(
        default,
        rename = "startedAtUTC",
        deserialize_with = "super::flexible_i64"
    )]
    pub started_at_utc: Option<i64>,
    /// End, epoch ms.
    #[serde(
        default,
        rename = "completedAtUTC",
        deserialize_with = "super::flexible_i64"
    )]
    pub completed_at_utc: Option<i64>,
}

/// `metrics` of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMetrics {
    /// Window.
    #[serde(default)]
    pub duration_summary: Option<DurationSummary>,
    /// Record counts.
    #[serde(default)]
    pub record_summary: Option<RecordSummary>,
    /// Status and errors.
    #[serde(default)]
    pub status_summary: Option<StatusSummary>,
}

/// A flow run (an hourly window for streaming flows). Adobe lists a streaming run while
/// its hour is open, but its counts are only final once it has closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// Run id.
    pub id: RunId,
    /// The flow.
    #[serde(default)]
    pub flow_id: Option<FlowId>,
    /// Creation time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub created_at: Option<i64>,
    /// Update time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub updated_at: Option<i64>,
    /// Metrics.
    #[serde(default)]
    pub metrics: Option<RunMetrics>,
    /// Activities, kept raw (their shape varies by source); read their errors with
    /// [`Run::record_errors`].
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub activities: Vec<Value>,
}

impl Run {
    /// Record-level errors, from `activities[].statusSummary.extensions.errors`, where
    /// Adobe documents them with their `recordCount` (`MAPPER-3700-400`,
    /// `INGEST-1212-400`; help/sources/tutorials/api/monitor.md). An entry that is not an
    /// error object is skipped rather than failing the run.
    pub fn record_errors(&self) -> Vec<RunError> {
        self.activities
            .iter()
            .filter_map(|activity| activity.pointer("/statusSummary/extensions/errors"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|error| serde_json::from_value::<RunError>(error.clone()).ok())
            .collect()
    }

    /// Run-level errors from `metrics.statusSummary.errors` (such as `CONNECTOR-2001-500`
    /// "Error occurred at promotion activity."): which step failed, without record counts.
    pub fn run_errors(&self) -> &[RunError] {
        self.metrics
            .as_ref()
            .and_then(|metrics| metrics.status_summary.as_ref())
            .map_or(&[], |status| status.errors.as_slice())
    }

    /// The batches the run wrote, from `activities[].targetInfo[].reference.ids` where
    /// `reference.type` is `Batch` (help/sources/tutorials/api/monitor.md): where a
    /// run's records and its error diagnostics are found.
    pub fn batch_ids(&self) -> Vec<crate::models::BatchId> {
        let mut ids: Vec<crate::models::BatchId> = Vec::new();
        let targets = self
            .activities
            .iter()
            .filter_map(|activity| activity.get("targetInfo"))
            .filter_map(Value::as_array)
            .flatten();
        for target in targets {
            let Some(reference) = target.get("reference") else {
                continue;
            };
            let is_batch = reference
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("batch"));
            if !is_batch {
                continue;
            }
            let found = reference
                .get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            for id in found {
                let id = crate::models::BatchId::new(id);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// When the run's window started (epoch ms): `metrics.durationSummary.startedAtUTC`,
    /// else its creation time.
    pub fn started_at(&self) -> Option<i64> {
        self.metrics
            .as_ref()
            .and_then(|metrics| metrics.duration_summary.as_ref())
            .and_then(|duration| duration.started_at_utc)
            .or(self.created_at)
    }
}

/// A JSON Patch operation for `PATCH /flows/{id}` (and connections).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `replace` or `remove`.
    pub op: PatchOp,
    /// JSON pointer, e.g. `/name`, `/transformations/0`.
    pub path: String,
    /// New value (absent for `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// JSON Patch operation kinds that Flow Service accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    /// Add.
    Add,
    /// Replace.
    Replace,
    /// Remove.
    Remove,
}

impl PatchOperation {
    /// `{"op": "replace", "path": path, "value": value}`.
    pub fn replace(path: impl Into<String>, value: Value) -> Self {
        Self {
            op: PatchOp::Replace,
            path: path.into(),
            value: Some(value),
        }
    }

    /// `{"op": "add", "path": path, "value": value}`.
    pub fn add(path: impl Into<String>, value: Value) -> Self {
        Self {
            op: PatchOp::Add,
            path: path.into(),
            value: Some(value),
        }
    }

    /// `{"op": "remove", "path": path}`.
    pub fn remove(path: impl Into<String>) -> Self {
        Self {
            op: PatchOp::Remove,
            path: path.into(),
            value: None,
        }
    }
}

/// `{"items": [...], "_links": {"next": {"href": ...}}}`: the envelope of every Flow
/// Service GET, single or list.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct Items<T> {
    #[serde(default = "Vec::new", deserialize_with = "super::null_as_default")]
    pub items: Vec<T>,
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Links {
    #[serde(default)]
    pub next: Option<Link>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Link {
    #[serde(default)]
    pub href: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_mode_support_is_read_from_the_attributes() {
        // The connection spec excerpt of Adobe's draft tutorial (Azure File Storage).
        let supported: ConnectionSpec = serde_json::from_value(serde_json::json!({
            "id": "be5ec48c-5b78-49d5-b8fa-7c89ec4569b8",
            "attributes": { "category": "Cloud Storage", "isSource": true, "isDraftModeSupported": true }
        }))
        .unwrap();
        assert!(supported.is_draft_mode_supported());
        // GenericStreamingAEP as Adobe's Streaming SDK guide shows it: no flag.
        let streaming: FlowSpec = serde_json::from_value(serde_json::json!({
            "id": GENERIC_STREAMING_FLOW_SPEC_ID,
            "name": "GenericStreamingAEP",
            "sourceConnectionSpecIds": ["e77fd9d2-22a8-11ed-861d-0242ac120002"],
            "targetConnectionSpecIds": [DATA_LAKE_CONNECTION_SPEC_ID],
            "attributes": { "isSourceFlow": true, "frequency": "streaming" }
        }))
        .unwrap();
        assert!(!streaming.is_draft_mode_supported());
        let not_a_bool: FlowSpec = serde_json::from_value(serde_json::json!({
            "id": "x", "attributes": { "isDraftModeSupported": "true" }
        }))
        .unwrap();
        assert!(!not_a_bool.is_draft_mode_supported());
    }

    #[test]
    fn draft_state() {
        let flow: Flow =
            serde_json::from_value(serde_json::json!({"id": "f", "state": "draft"})).unwrap();
        assert!(flow.is_draft() && !flow.is_enabled());
        let flow: Flow =
            serde_json::from_value(serde_json::json!({"id": "f", "state": "enabled"})).unwrap();
        assert!(!flow.is_draft() && flow.is_enabled());
    }
}
