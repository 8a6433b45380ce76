// Generated from src-tauri/src/commands.rs by `make bindings`. Do not edit by hand.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type AdobeAlertsView = { 
/**
 * `documented_unsupported`: Adobe's docs exclude streaming sources.
 */
streamingSupport: string, 
/**
 * Whether an API can tell if a subscription is on: Adobe documents none.
 */
subscriptionReadable: boolean, };
export type AlertCheckView = { checkedAt: string, 
/**
 * The worst of the conditions that hold; `None`: all is well.
 */
worst: Severity | null, 
/**
 * Every condition that holds, most severe first.
 */
conditions: Array<Condition>, 
/**
 * The notifications to show now (already counted as shown).
 */
notices: Array<Notice>, 
/**
 * Why nothing could be checked (Adobe or the network did not answer);
 * the check backs off.
 */
unreachable: string | null, pausedUntil: string | null, 
/**
 * False when no connection or sandbox is chosen yet: nothing to watch.
 */
watching: boolean, };
export type AlertKind = "connection" | "disabled" | "no_data" | "failed_records" | "drift";
export type AlertRules = { 
/**
 * Alert when nothing was ingested for this many business hours.
 */
noDataHours: number | null, 
/**
 * Warn when an hour's failed records reach this share of its records.
 */
failedSharePercent: number | null, 
/**
 * Warn when an hour's failed records reach this count.
 */
failedCount: number | null, 
/**
 * Alert when a dataflow is disabled (Chatlio's events are dropped).
 */
disabled: boolean, 
/**
 * Warn when a resource of the setup was changed or deleted in Adobe.
 */
drift: boolean, 
/**
 * Alert when the Adobe connection stops working (secret expired or
 * revoked, permission removed).
 */
connection: boolean, businessHours: BusinessHours, quietHours: QuietHours | null, };
export type AlertSettings = { 
/**
 * The file's format; see [`SETTINGS_VERSION`].
 */
version: number, defaults: AlertRules, 
/**
 * By setup name.
 */
setups: { [key in string]: AlertRules }, 
/**
 * Notifications wait until then (conditions are still tracked).
 */
pausedUntil: string | null, };
export type AlertSettingsView = { settings: AlertSettings, 
/**
 * What a setup without rules of its own gets, to reset a form to.
 */
recommended: AlertRules, 
/**
 * Every time zone name the rules accept, for the form's list.
 */
timeZones: Array<string>, 
/**
 * Which of the alerts keep working while this computer is off (Adobe's
 * own), and where to turn them on.
 */
adobeAlerts: AdobeAlertsView, };
export type AppErrorCode = "internal" | "invalid_input" | "fields_invalid" | "not_connected" | "no_sandbox" | "setup_busy" | "practice_failed" | "clipboard_failed" | "open_failed" | "folder_open_failed" | "no_webhook" | "warming_up" | "body_not_json" | "already_replayed" | "record_gone" | "autostart_failed" | "save_failed" | "setup_incomplete" | "setup_file_invalid" | "rotation_not_started" | "rotation_warming_up" | "rotation_new_url_unused" | "rotation_needs_confirmation" | "rotation_new_dataflow_gone" | "update_check_failed" | "update_signature_invalid" | "update_install_failed";
export type AppInfo = { 
/**
 * The app's version, from Cargo.
 */
version: string, 
/**
 * The operating system's preferred language as a BCP 47 tag, when known.
 * The UI picks its default language from it.
 */
osLocale: string | null, 
/**
 * Operating system family, e.g. "linux", for platform-specific wording.
 */
os: string, };
export type Boot = { info: AppInfo, 
/**
 * The saved wizard state; `null` for a first start.
 */
wizard: WizardState | null, };
export type BusinessHours = { 
/**
 * An IANA time zone name, e.g. `Europe/Stockholm`.
 */
timeZone: string, days: Array<Day>, 
/**
 * `HH:MM`, local time.
 */
start: string, 
/**
 * `HH:MM` after `start`; `24:00` for the end of the day.
 */
end: string, };
export type Certainty = "documented" | "inferred" | "unknown" | "app";
export type ChatlioInstructionsView = { general: Array<StatementView>, mode: StatementView, events: Array<EventInstructionsView>, };
export type CheckState = "passed" | "failed" | "unverified";
export type CheckView = { 
/**
 * Stable id, e.g. `token`, `sandbox`, `permission_sources`.
 */
id: string, state: CheckState, message: string, hint: string | null, };
export type CommandError = { code: ErrorCode, 
/**
 * English, for logs and the "technical details" disclosure.
 */
message: string, 
/**
 * English advice; the UI words the fix from `code` in its own catalogs.
 */
hint: string | null, 
/**
 * The setup step that failed.
 */
step: StepId | null, 
/**
 * The Adobe permission the step needed, named as in Adobe's Permissions
 * UI (e.g. `Manage Schemas`), when Adobe refused it for lack of one.
 */
permission: string | null, 
/**
 * True when resume can finish the job as things stand.
 */
resumable: boolean, 
/**
 * Adobe's request id, for a support ticket.
 */
requestId: string | null, fields: Array<FieldProblem>, };
export type Condition = { 
/**
 * Stable while the condition holds: kind, setup and dataflow.
 */
key: string, kind: AlertKind, severity: Severity, 
/**
 * The setup it belongs to (by the dataflow's marker); `None` for the
 * connection and for dataflows made outside this tool.
 */
setup: string | null, flowId: string | null, flowName: string | null, 
/**
 * The figures behind it, for the words: hours of silence and the
 * rule's hours, or an hour's failed and received records, or how many
 * resources drifted.
 */
figures: Figures, 
/**
 * What it is, in English, for the CLI and logs (the app words `kind`
 * and `figures` itself).
 */
summary: string, };
export type ConnectErrorCode = "invalid_input" | "project_file_unreadable" | "wrong_client_secret" | "unknown_client_id" | "scope_rejected" | "scope_missing" | "org_mismatch" | "no_platform_access" | "session_expired" | "platform" | "keychain_unavailable" | "keychain_failed" | "secret_missing" | "connection_not_found" | "org_not_chosen" | "org_not_available" | "wrong_connection_kind" | "store_failed" | "store_corrupt" | "state_mismatch" | "cancelled" | "timed_out" | "access_denied" | "authorization_failed" | "redirect_invalid" | "loopback_unavailable" | "browser_unavailable" | "no_sign_in_pending" | "store_busy";
export type ConnectForm = { imsUrl: string, platformUrl: string, clientId: string, orgId: string, };
export type ConnectInput = { imsUrl: string, platformUrl: string, clientId: string, 
/**
 * Empty: the imported project file's secret, else
 * `CHATLIO_AEP_CLIENT_SECRET` when it is set. Redacted in `Debug`.
 */
clientSecret: string, orgId: string, 
/**
 * Keep the secret in memory only (when there is no keychain, or by choice).
 */
sessionOnly: boolean, };
export type ConnectionDefaults = { imsUrl: string, platformUrl: string, clientId: string, orgId: string, sandbox: string, 
/**
 * `CHATLIO_AEP_CLIENT_SECRET` is set: an empty secret field uses it.
 * The value itself never reaches the UI.
 */
secretFromEnvironment: boolean, };
export type ConnectionSummary = { practice: boolean, orgId: string, sandbox: string | null, };
export type ConnectionView = { practice: boolean, orgId: string, clientId: string, 
/**
 * The secret, masked: the last four characters at most.
 */
maskedSecret: string, sandboxes: Array<SandboxView>, sandbox: string | null, };
export type DashboardView = { practice: boolean, sandbox: string, 
/**
 * When this status was read from Adobe.
 */
fetchedAt: string, flows: Array<FlowView>, 
/**
 * This app's setups among them: one entry per setup, whatever its
 * number of dataflows (one, or one per Chatlio event).
 */
setups: Array<SetupGroupView>, 
/**
 * Set when this refresh failed and the view is the last known one.
 */
error: CommandError | null, };
export type DataflowTimingView = { 
/**
 * When the setup's dataflow accepts data (Adobe asks to wait a few
 * minutes after creating it); `null` when Adobe gave no creation time.
 */
acceptsDataFrom: string | null, 
/**
 * This connection's figures: Adobe's, or practice mode's short ones.
 */
warmupSecs: number, runWindowSecs: number, 
/**
 * Adobe's own, for the practice-mode note.
 */
adobeWarmupSecs: number, adobeRunWindowSecs: number, practice: boolean, };
export type Day = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";
export type DeletedView = { 
/**
 * Ids of what was deleted, newest first.
 */
deleted: Array<string>, 
/**
 * Steps whose resources stayed, with the reason.
 */
kept: Array<[StepId, KeptReason]>, };
export type EditedBody = { recordId: string, payload: string, };
export type ErrorCode = AppErrorCode | PlatformErrorCode | SetupErrorCode | ConnectErrorCode;
export type EventInstructionsView = { 
/**
 * Also the `event-<kind>` test id.
 */
kind: EventKind, title: string, location: Array<StatementView>, trigger: Array<StatementView>, test: Array<StatementView>, };
export type EventKind = "new_conversation" | "unanswered_visitor" | "visitor_feedback" | "offline_message" | "chat_transcript";
export type ExistingView = { id: string, 
/**
 * Title of a schema, name of a dataset.
 */
name: string, };
export type FailedRecord = { 
/**
 * Stable within the batch: `{batch}:{row}`; what replay refers to.
 */
id: string, batchId: string, 
/**
 * When the run that counted it started (RFC 3339).
 */
runStarted: string | null, 
/**
 * Adobe's error codes and messages for the record.
 */
errors: Array<FailedRecordError>, 
/**
 * The Chatlio body as Adobe kept it (`_corrupt_record`), parsed when it is JSON;
 * masked unless revealed. `null` when Adobe kept none.
 */
payload: JsonValue, 
/**
 * The body's kind as the payload's shape says (`visitor_event` for the three
 * visitor events that look alike), when it could be read.
 */
family: string | null, 
/**
 * Whether the body can be re-sent (Adobe kept it).
 */
replayable: boolean, };
export type FailedRecordError = { adobeCode: string | null, message: string | null, 
/**
 * Stable explanation code (`missing_identifier`, `schema_validation_failed`, ...).
 */
explanation: string, fix: string, 
/**
 * The field Adobe names in its message, when it names one.
 */
field: string | null, };
export type FailedRecords = { 
/**
 * Newest run first.
 */
records: Array<FailedRecord>, 
/**
 * Records the runs counted as failed over the period (Adobe's count, which also
 * covers failures without diagnostics).
 */
counted: number, 
/**
 * Batches with failures whose diagnostics Adobe did not have (error diagnostics
 * off when they ran, or the run still open).
 */
batchesWithoutDiagnostics: number, 
/**
 * Diagnostics lines that could not be read.
 */
unreadable: number, };
export type FailuresView = { failed: FailedRecords, replayed: Array<ReplayedView>, };
export type FieldProblem = { field: string, problem: string, };
export type Figures = { 
/**
 * Business hours without data (rounded down) and the rule's limit.
 */
silentHours: number | null, limitHours: number | null, 
/**
 * Last ingested record's run end, if any.
 */
lastDataAt: string | null, failed: number | null, received: number | null, drifted: number | null, 
/**
 * Adobe's error class for a connection condition.
 */
errorCode: string | null, };
export type FlowErrorView = { 
/**
 * Stable code the UI words: `mapping_failed`, `flow_disabled`, ...
 */
explanation: string, adobeCode: string | null, 
/**
 * Adobe's own message, for the details disclosure.
 */
message: string | null, records: number | null, };
export type FlowView = { flowId: string, name: string, health: Health, 
/**
 * Adobe's own state, e.g. `enabled`.
 */
state: string, hasWebhook: boolean, lastDay: Totals, lastWeek: Totals, lastIngestedAt: string | null, 
/**
 * When a new dataflow accepts data (Adobe asks to wait a few minutes
 * after creating it).
 */
acceptsDataFrom: string | null, 
/**
 * The newest runs, newest first: at most [`RUNS_SHOWN`] (a day of
 * hourly runs). The day's and the week's totals above count every run.
 */
runs: Array<RunView>, errors: Array<FlowErrorView>, 
/**
 * The name of this app's setup that made it, if one did.
 */
setupName: string | null, 
/**
 * For a dataflow no setup here made: the setup its marker names (made
 * with this tool elsewhere), if any.
 */
markedSetup: string | null, 
/**
 * The Chatlio fields whose URL is this dataflow's (known for a
 * dataflow this app made).
 */
fields: Array<EventKind>, 
/**
 * Test events sent from this app, the latest of each kind, with what
 * Adobe's runs said of them so far.
 */
testEvents: Array<TestEventView>, 
/**
 * The new dataflow of a rotation of its setup's webhook URL, under way
 * (the setup's journal names it once the rotation is finished).
 */
rotating: boolean, 
/**
 * Which of its setup's dataflows it is (the plan key), for a setup
 * made here with one per Chatlio event.
 */
instance: string | null, };
export type Health = "disabled" | "unknown" | "failing" | "no_data" | "stale" | "healthy";
export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;
export type KeptReason = "pre_existing" | "not_deletable" | "in_use" | "irreversible";
export type Link = "developer_console" | "adobe_auth_guide" | "adobe_permissions" | "adobe_sandboxes" | "adobe_chatlio_source" | "chatlio_dashboard" | "chatlio_webhooks" | "chatlio_pricing" | "adobe_dataflows" | "adobe_source_alerts" | "adobe_alerts_subscribe";
export type Mode = "practice" | "adobe";
export type Notice = { "notice": "raised", condition: Condition, } | { "notice": "recovered", condition: Condition, } | { "notice": "more", raised: number, recovered: number, };
export type OrgView = { orgId: string, name: string | null, };
export type PayloadPreview = { 
/**
 * The XDM record Data Prep's preview produced (`null` when it produced none).
 */
record: JsonValue, 
/**
 * The kind the record would be stored as.
 */
kind: string | null, 
/**
 * Data Prep's transform errors, as Adobe sent them.
 */
mappingErrors: Array<JsonValue>, 
/**
 * Required fields the record lacks (it would fail ingestion).
 */
missingRequired: Array<string>, 
/**
 * True when the record would be stored.
 */
valid: boolean, validatedBy: ValidationSource, };
export type PlanView = { name: string, sandbox: string, resources: Array<PlannedResourceView>, calls: Array<PlannedCallView>, 
/**
 * The same calls as a runnable shell script.
 */
curl: string, };
export type PlannedCallView = { step: StepId | null, method: string, path: string, 
/**
 * Pretty-printed JSON; never holds a secret.
 */
body: string | null, };
export type PlannedResourceView = { step: StepId, 
/**
 * `field_group`, `schema`, `dataset`, ...
 */
kind: string, name: string, action: ResourceAction, };
export type PlatformErrorCode = "unauthenticated" | "forbidden" | "not_found" | "conflict" | "precondition_failed" | "rate_limited" | "invalid_request" | "server_error" | "network" | "timeout" | "unexpected_response" | "invalid_configuration";
export type PreflightView = { ok: boolean, tenantId: string | null, checks: Array<CheckView>, };
export type ProgressChannel = Channel<StepEvent>;
export type ProjectView = { project: string | null, orgId: string | null, clientId: string | null, hasClientSecret: boolean, 
/**
 * What a server-to-server connection still needs from the user.
 */
missing: Array<string>, };
export type QuietHours = { start: string, end: string, };
export type ReceivedView = { 
/**
 * Records Adobe counted for the setup's dataflows over the last 7 days.
 */
received: number, ingested: number, failed: number, };
export type RepairKind = "enable_flow" | "rerun";
export type ReplayItem = { 
/**
 * The caller's label for the body (a failed record's id, a file name).
 */
label: string, 
/**
 * Adobe accepted it (it may still fail later; the run counts it).
 */
accepted: boolean, 
/**
 * Why Adobe refused it, as a platform error code.
 */
errorCode: string | null, error: string | null, };
export type ReplayReport = { sent: number, accepted: number, items: Array<ReplayItem>, 
/**
 * When the run holding them should be readable (their counts then show on the
 * dashboard).
 */
sentAt: string, };
export type ReplayRequest = { flowId: string, 
/**
 * Failed records to re-send as Adobe kept them.
 */
recordIds: Array<string>, 
/**
 * Failed records to re-send as corrected.
 */
edited: Array<EditedBody>, 
/**
 * Bodies pasted by the user.
 */
pasted: Array<string>, 
/**
 * Re-send failed records that were re-sent from here before.
 */
again: boolean, };
export type ReplayedView = { recordId: string, sentAt: string, };
export type ResourceAction = "create" | "create_or_reuse" | "use_existing" | "change_irreversibly";
export type ResourceHealth = "ok" | "deleted" | "disabled" | "changed" | "unchecked";
export type ResourceHealthView = { 
/**
 * The step that made it.
 */
step: StepId, 
/**
 * Which dataflow's resource, with one dataflow per Chatlio event.
 */
instance: string | null, resourceId: string | null, 
/**
 * The user picked it, or it existed before.
 */
preExisting: boolean, health: ResourceHealth, 
/**
 * Stable code of what differs (e.g. `flow_disabled`), when it drifted.
 */
detail: string | null, 
/**
 * Adobe's or the engine's English wording, for the details disclosure.
 */
message: string | null, repair: RepairKind | null, 
/**
 * The repair makes a new dataflow, so Chatlio needs the new URL.
 */
webhookUrlChanges: boolean, };
export type RollbackView = { name: string, 
/**
 * Step and resource id of every deleted resource.
 */
deleted: Array<[StepId, string]>, 
/**
 * Step and reason of what stayed.
 */
kept: Array<[StepId, KeptReason]>, };
export type RotationPhase = "started" | "created" | "ready" | "first_event_seen" | "old_disabled" | "finished";
export type RotationView = { setupName: string, 
/**
 * Which dataflow of a setup with one per Chatlio event (its key).
 */
instance: string | null, 
/**
 * The Chatlio fields whose URL is rotated.
 */
fields: Array<EventKind>, phase: RotationPhase, startedAt: string, 
/**
 * When the new URL accepts data (Adobe's warm-up after creating it).
 */
acceptsDataFrom: string | null, 
/**
 * The new URL can be copied now.
 */
urlReady: boolean, firstEventAt: string | null, oldDisabledAt: string | null, finishedAt: string | null, 
/**
 * Records received through the old and the new URL since the rotation
 * started.
 */
oldReceived: number, newReceived: number, oldFlowId: string, newFlowId: string | null, };
export type RunView = { runId: string, status: string | null, received: number, ingested: number, failed: number, startedAt: string | null, };
export type SandboxView = { name: string, title: string, 
/**
 * `production` or `development`.
 */
sandboxType: string | null, region: string | null, isDefault: boolean, };
export type SavedConnectionView = { id: string, label: string, orgId: string | null, clientId: string, storage: Storage, current: boolean, };
export type SavedDocumentView = { 
/**
 * Where it was saved (the Downloads folder, or the app's data folder).
 */
path: string, fileName: string, 
/**
 * It holds webhook URLs: saved readable by its owner only, to be shared
 * over a safe channel and deleted once Chatlio's fields are filled in.
 */
containsUrls: boolean, 
/**
 * The setup record's JSON, saved next to its page.
 */
dataPath: string | null, };
export type Screen = "welcome" | "prerequisites" | "connect" | "dataflow" | "review" | "create" | "chatlio" | "verify" | "dashboard";
export type SetupErrorCode = "invalid_request" | "step_failed" | "name_taken" | "dataset_schema_mismatch" | "unexpected_response" | "journal" | "unknown_setup" | "wrong_target" | "dependency_not_done" | "interrupted" | "inlet_url_missing" | "platform" | "webhook_mode_changed";
export type SetupGroupView = { name: string, 
/**
 * The worst of its dataflows'.
 */
health: Health, 
/**
 * Summed over its dataflows.
 */
lastDay: Totals, lastWeek: Totals, 
/**
 * Its dataflows, in the order of `DashboardView::flows`.
 */
flowIds: Array<string>, 
/**
 * False for a setup known only by its dataflows' markers (made with this
 * tool on another computer): shown together, acted on one dataflow at a
 * time, since no journal here says what else belongs to it.
 */
madeHere: boolean, };
export type SetupInput = { 
/**
 * The dataflow's name; also names the setup's journal.
 */
name: string, sandbox: string, 
/**
 * Empty: create a new schema titled after the dataflow.
 */
existingSchemaId: string, schemaTitle: string, 
/**
 * Empty: create a new dataset named after the dataflow.
 */
existingDatasetId: string, datasetName: string, profileEnabled: boolean, errorDiagnostics: boolean, 
/**
 * Percentage of failed records tolerated before a run fails, when
 * partial ingestion is on.
 */
partialIngestionThreshold: number | null, 
/**
 * One webhook URL for all five Chatlio fields, or one per event (four
 * dataflows over one schema and dataset). An input without it is a
 * single-URL one.
 */
webhookMode: WebhookMode, };
export type SetupNameView = { name: string, sandbox: string, 
/**
 * The sandbox the setup of that name here was made in, if there is one.
 */
sandboxHere: string | null, 
/**
 * Used here for a setup in another sandbox (or org): another name is
 * needed.
 */
taken: boolean, 
/**
 * A free name for it, when taken: "<name> <sandbox>", numbered if
 * needed.
 */
suggestion: string | null, };
export type SetupView = { name: string, webhookMode: WebhookMode, practice: boolean, sandbox: string, complete: boolean, flowId: string | null, datasetId: string | null, schemaId: string | null, 
/**
 * The webhook URL exists; it is only sent on request (`reveal_webhook_url`).
 */
hasWebhook: boolean, steps: Array<StepView>, };
export type Severity = "warning" | "alert";
export type SignInInput = { imsUrl: string, platformUrl: string, clientId: string, 
/**
 * The Native App credential's redirect URI (its custom scheme); empty:
 * a listener on 127.0.0.1 receives the answer.
 */
redirectUri: string, sessionOnly: boolean, 
/**
 * Sign in on the practice simulator's own sign-in page instead.
 */
practice: boolean, };
export type SignInView = { connectionId: string, connection: ConnectionView | null, organizations: Array<OrgView>, };
export type StatementView = { 
/**
 * Key in the UI's `chatlio` catalog.
 */
code: string, certainty: Certainty, };
export type StepEvent = { setupName: string, step: StepId, 
/**
 * Which of the step's resources, in a setup with one dataflow per
 * Chatlio event (the flow's key); none for a setup's only one.
 */
instance: string | null, kind: StepEventKind, resourceId: string | null, adopted: boolean, error: CommandError | null, };
export type StepEventKind = "started" | "done" | "failed" | "rolled_back" | "kept";
export type StepId = "tenant_id" | "field_group" | "schema" | "identity_descriptor" | "profile_schema" | "dataset" | "source_connection" | "target_connection" | "mapping_set" | "dataflow" | "read_back";
export type StepState = "pending" | "running" | "done" | "failed" | "rolled_back";
export type StepView = { step: StepId, 
/**
 * As in [`StepEvent::instance`].
 */
instance: string | null, state: StepState, resourceId: string | null, preExisting: boolean, attempts: number, 
/**
 * The recorded error's code and English message, after a restart.
 */
errorCode: string | null, errorMessage: string | null, };
export type Storage = "keychain" | "session_only";
export type StoredRecord = { 
/**
 * The record's `_id`.
 */
id: string | null, 
/**
 * The record's `timestamp` (when Adobe mapped it).
 */
time: string | null, 
/**
 * The recorded event kind code (`chat_transcript`, `visitor_event`, ...), as stored.
 */
kind: string | null, visitorEmail: string | null, visitorName: string | null, visitorId: string | null, conversationId: string | null, message: string | null, 
/**
 * The whole stored record; `null` unless revealed (it holds the personal data).
 */
record: JsonValue, };
export type StoredRecords = { datasetId: string, 
/**
 * Newest first by their `timestamp`; only the kinds the dataflow serves when a
 * filter was given (the dataflows of a per-event setup share one dataset).
 */
records: Array<StoredRecord>, 
/**
 * Rows Adobe returned before the kind filter: at most
 * [`platform::data_access::PREVIEW_ROWS`], which Adobe picks (its preview is "the
 * first 100 rows", not the newest).
 */
sampled: number, };
export type TestEventState = "waiting" | "ingested" | "failed";
export type TestEventView = { kind: EventKind, 
/**
 * `waiting`: accepted by Adobe, the hourly run has not counted it yet.
 */
state: TestEventState, 
/**
 * Still waiting after the expected time: worth a look, not a failure.
 */
overdue: boolean, sentAt: string, 
/**
 * When the run that counts it should be readable.
 */
expectedBy: string, 
/**
 * Why it failed, explained.
 */
errors: Array<FlowErrorView>, 
/**
 * The event kind code Adobe stored for it (`visitor_event` for a visitor
 * event on the URL all fields share), once its record is readable.
 */
recordedKind: string | null, };
export type Totals = { received: number, ingested: number, failed: number, };
export type UpdateCheckView = { state: UpdateState, currentVersion: string, update: UpdateView | null, };
export type UpdateProgress = { downloaded: number, 
/**
 * The download's size, when the server says it.
 */
total: number | null, };
export type UpdateProgressChannel = Channel<UpdateProgress>;
export type UpdateState = "available" | "latest" | "not_configured";
export type UpdateView = { version: string, currentVersion: string, 
/**
 * RFC 3339, when the manifest has one.
 */
date: string | null, 
/**
 * The release notes (the manifest's `notes`), as written there.
 */
notes: string | null, };
export type ValidationSource = "data_prep_preview_and_required_fields";
export type WebhookFieldView = { kind: EventKind, 
/**
 * Its dataflow is made and read back: the URL can be copied.
 */
ready: boolean, 
/**
 * The other fields that take the very same URL.
 */
sharedWith: Array<EventKind>, };
export type WebhookFieldsView = { mode: WebhookMode, 
/**
 * What the mode means for the Chatlio admin, in the `chatlio` catalog.
 */
statement: StatementView, 
/**
 * Chatlio's five fields, in the order the UI lists them.
 */
fields: Array<WebhookFieldView>, };
export type WebhookMode = "single_url" | "per_event_url";
export type WizardState = { screen: Screen, 
/**
 * Once chosen on the welcome screen.
 */
mode: Mode | null, 
/**
 * Ticked prerequisite ids.
 */
checked: Array<string>, connect: ConnectForm, setup: SetupInput, 
/**
 * The setup started on the Create screen.
 */
setupName: string | null, };

/** Every error code the back end can return; the UI has words for each. */
export const ERROR_CODES: readonly ErrorCode[] = ["internal", "invalid_input", "fields_invalid", "not_connected", "no_sandbox", "setup_busy", "practice_failed", "clipboard_failed", "open_failed", "folder_open_failed", "no_webhook", "warming_up", "body_not_json", "already_replayed", "record_gone", "autostart_failed", "save_failed", "setup_incomplete", "setup_file_invalid", "rotation_not_started", "rotation_warming_up", "rotation_new_url_unused", "rotation_needs_confirmation", "rotation_new_dataflow_gone", "update_check_failed", "update_signature_invalid", "update_install_failed", "unauthenticated", "forbidden", "not_found", "conflict", "precondition_failed", "rate_limited", "invalid_request", "server_error", "network", "timeout", "unexpected_response", "invalid_configuration", "step_failed", "name_taken", "dataset_schema_mismatch", "journal", "unknown_setup", "wrong_target", "dependency_not_done", "interrupted", "inlet_url_missing", "platform", "webhook_mode_changed", "project_file_unreadable", "wrong_client_secret", "unknown_client_id", "scope_rejected", "scope_missing", "org_mismatch", "no_platform_access", "session_expired", "keychain_unavailable", "keychain_failed", "secret_missing", "connection_not_found", "org_not_chosen", "org_not_available", "wrong_connection_kind", "store_failed", "store_corrupt", "state_mismatch", "cancelled", "timed_out", "access_denied", "authorization_failed", "redirect_invalid", "loopback_unavailable", "browser_unavailable", "no_sign_in_pending", "store_busy"];

/** Typed wrappers over `invoke`; a rejected promise carries a CommandError. */
export const commands = {
  appInfo: (): Promise<AppInfo> => invoke<AppInfo>("app_info"),
  openLogFolder: (): Promise<null> => invoke<null>("open_log_folder"),
  connectionDefaults: (): Promise<ConnectionDefaults> => invoke<ConnectionDefaults>("connection_defaults"),
  startPractice: (): Promise<ConnectionView> => invoke<ConnectionView>("start_practice"),
  connect: (input: ConnectInput): Promise<ConnectionView> => invoke<ConnectionView>("connect", { input }),
  disconnect: (): Promise<null> => invoke<null>("disconnect"),
  restoreConnection: (): Promise<ConnectionView | null> => invoke<ConnectionView | null>("restore_connection"),
  savedConnections: (): Promise<Array<SavedConnectionView>> => invoke<Array<SavedConnectionView>>("saved_connections"),
  switchConnection: (id: string): Promise<ConnectionView | null> => invoke<ConnectionView | null>("switch_connection", { id }),
  signOut: (id: string): Promise<null> => invoke<null>("sign_out", { id }),
  signInWithAdobe: (input: SignInInput): Promise<SignInView> => invoke<SignInView>("sign_in_with_adobe", { input }),
  cancelSignIn: (): Promise<null> => invoke<null>("cancel_sign_in"),
  chooseOrg: (connectionId: string, orgId: string): Promise<ConnectionView> => invoke<ConnectionView>("choose_org", { connectionId, orgId }),
  importProject: (json: string): Promise<ProjectView> => invoke<ProjectView>("import_project", { json }),
  currentConnection: (): Promise<ConnectionSummary | null> => invoke<ConnectionSummary | null>("current_connection"),
  chooseSandbox: (sandbox: string): Promise<null> => invoke<null>("choose_sandbox", { sandbox }),
  preflight: (input: SetupInput): Promise<PreflightView> => invoke<PreflightView>("preflight", { input }),
  validateSetup: (input: SetupInput): Promise<Array<FieldProblem>> => invoke<Array<FieldProblem>>("validate_setup", { input }),
  existingSchemas: (): Promise<Array<ExistingView>> => invoke<Array<ExistingView>>("existing_schemas"),
  existingDatasets: (schemaId: string): Promise<Array<ExistingView>> => invoke<Array<ExistingView>>("existing_datasets", { schemaId }),
  planSetup: (input: SetupInput): Promise<PlanView> => invoke<PlanView>("plan_setup", { input }),
  copyPlanScript: (input: SetupInput): Promise<null> => invoke<null>("copy_plan_script", { input }),
  runSetup: (input: SetupInput, onProgress: ProgressChannel): Promise<SetupView> => invoke<SetupView>("run_setup", { input, onProgress }),
  resumeSetup: (name: string, onProgress: ProgressChannel): Promise<SetupView> => invoke<SetupView>("resume_setup", { name, onProgress }),
  retryStep: (name: string, step: StepId, onProgress: ProgressChannel): Promise<SetupView> => invoke<SetupView>("retry_step", { name, step, onProgress }),
  rollbackSetup: (name: string, onProgress: ProgressChannel): Promise<RollbackView> => invoke<RollbackView>("rollback_setup", { name, onProgress }),
  setupState: (name: string): Promise<SetupView> => invoke<SetupView>("setup_state", { name }),
  revealWebhookUrl: (name: string, kind: EventKind | null): Promise<string> => invoke<string>("reveal_webhook_url", { name, kind }),
  copyWebhookUrl: (name: string, kind: EventKind | null): Promise<null> => invoke<null>("copy_webhook_url", { name, kind }),
  webhookFields: (name: string): Promise<WebhookFieldsView> => invoke<WebhookFieldsView>("webhook_fields", { name }),
  openLink: (link: Link): Promise<null> => invoke<null>("open_link", { link }),
  chatlioInstructions: (): Promise<ChatlioInstructionsView> => invoke<ChatlioInstructionsView>("chatlio_instructions"),
  sendTestEvent: (name: string, kind: EventKind): Promise<TestEventView> => invoke<TestEventView>("send_test_event", { name, kind }),
  testEventResults: (name: string): Promise<Array<TestEventView>> => invoke<Array<TestEventView>>("test_event_results", { name }),
  dataflowTiming: (name: string): Promise<DataflowTimingView> => invoke<DataflowTimingView>("dataflow_timing", { name }),
  receivedRecords: (name: string): Promise<ReceivedView> => invoke<ReceivedView>("received_records", { name }),
  dashboard: (): Promise<DashboardView> => invoke<DashboardView>("dashboard"),
  cachedDashboard: (practice: boolean): Promise<DashboardView | null> => invoke<DashboardView | null>("cached_dashboard", { practice }),
  setFlowEnabled: (flowId: string, enabled: boolean): Promise<null> => invoke<null>("set_flow_enabled", { flowId, enabled }),
  setSetupEnabled: (name: string, enabled: boolean): Promise<null> => invoke<null>("set_setup_enabled", { name, enabled }),
  deleteDataflow: (flowId: string, onProgress: ProgressChannel): Promise<DeletedView> => invoke<DeletedView>("delete_dataflow", { flowId, onProgress }),
  sendFlowTestEvent: (flowId: string, kind: EventKind): Promise<TestEventView> => invoke<TestEventView>("send_flow_test_event", { flowId, kind }),
  copyFlowWebhookUrl: (flowId: string): Promise<null> => invoke<null>("copy_flow_webhook_url", { flowId }),
  setupHealth: (name: string): Promise<Array<ResourceHealthView>> => invoke<Array<ResourceHealthView>>("setup_health", { name }),
  repairDrift: (name: string, step: StepId, instance: string | null): Promise<null> => invoke<null>("repair_drift", { name, step, instance }),
  setupNameCheck: (name: string, sandbox: string): Promise<SetupNameView> => invoke<SetupNameView>("setup_name_check", { name, sandbox }),
  startRotation: (name: string, instance: string | null): Promise<RotationView> => invoke<RotationView>("start_rotation", { name, instance }),
  rotationStatus: (name: string, instance: string | null): Promise<RotationView | null> => invoke<RotationView | null>("rotation_status", { name, instance }),
  revealRotationUrl: (name: string, instance: string | null): Promise<string> => invoke<string>("reveal_rotation_url", { name, instance }),
  copyRotationUrl: (name: string, instance: string | null): Promise<null> => invoke<null>("copy_rotation_url", { name, instance }),
  finishRotation: (name: string, instance: string | null, force: boolean, deleteOld: boolean): Promise<RotationView> => invoke<RotationView>("finish_rotation", { name, instance, force, deleteOld }),
  flowRecords: (flowId: string): Promise<StoredRecords> => invoke<StoredRecords>("flow_records", { flowId }),
  revealRecord: (flowId: string, recordId: string): Promise<JsonValue> => invoke<JsonValue>("reveal_record", { flowId, recordId }),
  flowFailures: (flowId: string): Promise<FailuresView> => invoke<FailuresView>("flow_failures", { flowId }),
  failedPayload: (flowId: string, recordId: string): Promise<string> => invoke<string>("failed_payload", { flowId, recordId }),
  previewPayload: (flowId: string, payload: string): Promise<PayloadPreview> => invoke<PayloadPreview>("preview_payload", { flowId, payload }),
  samplePayload: (kind: EventKind): Promise<string> => invoke<string>("sample_payload", { kind }),
  replayRecords: (request: ReplayRequest): Promise<ReplayReport> => invoke<ReplayReport>("replay_records", { request }),
  alertSettings: (): Promise<AlertSettingsView> => invoke<AlertSettingsView>("alert_settings"),
  saveAlertRules: (setup: string | null, rules: AlertRules): Promise<AlertSettingsView> => invoke<AlertSettingsView>("save_alert_rules", { setup, rules }),
  resetAlertRules: (setup: string): Promise<AlertSettingsView> => invoke<AlertSettingsView>("reset_alert_rules", { setup }),
  pauseAlerts: (hours: number | null): Promise<AlertSettingsView> => invoke<AlertSettingsView>("pause_alerts", { hours }),
  lastAlertCheck: (): Promise<AlertCheckView | null> => invoke<AlertCheckView | null>("last_alert_check"),
  checkAlertsNow: (): Promise<null> => invoke<null>("check_alerts_now"),
  setLanguage: (language: string): Promise<null> => invoke<null>("set_language", { language }),
  startAtLogin: (): Promise<boolean> => invoke<boolean>("start_at_login"),
  setStartAtLogin: (enabled: boolean): Promise<boolean> => invoke<boolean>("set_start_at_login", { enabled }),
  openAdobeDataflow: (flowId: string): Promise<null> => invoke<null>("open_adobe_dataflow", { flowId }),
  saveHandoffPacket: (name: string, language: string, contact: string | null, includeUrls: boolean): Promise<SavedDocumentView> => invoke<SavedDocumentView>("save_handoff_packet", { name, language, contact, includeUrls }),
  saveSetupRecord: (name: string, language: string): Promise<SavedDocumentView> => invoke<SavedDocumentView>("save_setup_record", { name, language }),
  exportSetupFile: (name: string): Promise<SavedDocumentView> => invoke<SavedDocumentView>("export_setup_file", { name }),
  readSetupFile: (text: string): Promise<SetupInput> => invoke<SetupInput>("read_setup_file", { text }),
  checkForUpdate: (): Promise<UpdateCheckView> => invoke<UpdateCheckView>("check_for_update"),
  installUpdate: (onProgress: UpdateProgressChannel): Promise<null> => invoke<null>("install_update", { onProgress }),
  loadWizard: (): Promise<WizardState | null> => invoke<WizardState | null>("load_wizard"),
  saveWizard: (wizard: WizardState): Promise<null> => invoke<null>("save_wizard", { wizard }),
};

/** The events the back end sends, with typed payloads. */
export const events = {
  alertsChecked: (handler: (payload: AlertCheckView) => void): Promise<UnlistenFn> =>
    listen<AlertCheckView>("alerts-checked", (event) => handler(event.payload)),
  openFlow: (handler: (payload: string) => void): Promise<UnlistenFn> =>
    listen<string>("open-flow", (event) => handler(event.payload)),
};

/** The wizard's screens, in order (also the `screen-<name>` test ids). */
export const SCREENS: readonly Screen[] = ["welcome", "prerequisites", "connect", "dataflow", "review", "create", "chatlio", "verify", "dashboard"];
/** A setup's steps, in the order a run takes them (also `step-<name>` test ids). */
export const STEPS: readonly StepId[] = ["tenant_id", "field_group", "schema", "identity_descriptor", "profile_schema", "dataset", "source_connection", "target_connection", "mapping_set", "dataflow", "read_back"];
/** Chatlio's five webhook events, in the order the UI lists them. */
export const EVENT_KINDS: readonly EventKind[] = ["new_conversation", "unanswered_visitor", "visitor_feedback", "offline_message", "chat_transcript"];
/** The setup a new user starts from (setup::SetupInput::recommended). */
export const RECOMMENDED_SETUP: SetupInput = {"name":"Chatlio events","sandbox":"","existingSchemaId":"","schemaTitle":"","existingDatasetId":"","datasetName":"","profileEnabled":false,"errorDiagnostics":true,"partialIngestionThreshold":null,"webhookMode":"per_event_url"};
/** The failed-record share (%) proposed when partial ingestion is turned on. */
export const RECOMMENDED_PARTIAL_INGESTION_THRESHOLD = 5;
/** The global the shell sets to a Boot before the page's script runs. */
export const BOOT_GLOBAL = "__chatlioAepBoot";
/** Stands for the app's version in the first screen the build draws; the shell fills it in. */
export const VERSION_PLACEHOLDER = "@@chatlio-aep-version@@";
export { Channel };
