//! The desktop app's use cases against the practice simulator over HTTP,
//! without a window: what only WebDriver covered before (which setup owns a
//! dataflow, the delete policy, health and repair, the status cache, the
//! sandbox choice) and that no view carries the webhook URL unasked.

#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

use std::sync::{Arc, Mutex};

use app::connection::{self, ConnectionView};
use app::dashboard::{self, RepairKind, ResourceHealth};
use app::setup::{self as setup_commands, Progress, StepEvent, StepEventKind};
use app::{AppErrorCode, AppState, ErrorCode, Shared};
use setup::{SetupInput, StepId};

struct Practice {
    state: Shared,
    connection: ConnectionView,
    // Dropped last: the data folder outlives the app state.
    _folder: tempfile::TempDir,
}

async fn practice() -> Practice {
    let folder = tempfile::tempdir().unwrap();
    let state: Shared = Arc::new(AppState::new(storage::DataLayout::new(folder.path())));
    let connection = connection::start_practice(&state).await.unwrap();
    Practice {
        state,
        connection,
        _folder: folder,
    }
}

fn input(name: &str) -> SetupInput {
    SetupInput {
        name: name.into(),
        sandbox: "prod".into(),
        ..SetupInput::recommended()
    }
}

/// A progress callback that keeps every event.
fn recorder() -> (Progress, Arc<Mutex<Vec<StepEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&events);
    let progress: Progress = Arc::new(move |event| kept.lock().unwrap().push(event));
    (progress, events)
}

#[derive(Default)]
struct FakeDesktop {
    clipboard: Mutex<Option<String>>,
    opened: Mutex<Vec<String>>,
    starts_at_login: Mutex<bool>,
    /// Each document saved: its file name, text and whether it was private.
    saved: Mutex<Vec<(String, String, bool)>>,
}

impl app::Desktop for FakeDesktop {
    fn copy_to_clipboard(&self, text: &str) -> Result<(), String> {
        *self.clipboard.lock().unwrap() = Some(text.to_owned());
        Ok(())
    }
    fn open_in_browser(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_owned());
        Ok(())
    }
    fn register_url_scheme(&self, _scheme: &str) -> Result<(), String> {
        Ok(())
    }
    fn start_at_login(&self) -> Result<bool, String> {
        Ok(*self.starts_at_login.lock().unwrap())
    }
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String> {
        *self.starts_at_login.lock().unwrap() = enabled;
        Ok(())
    }
    fn save_document(
        &self,
        file_name: &str,
        bytes: &[u8],
        private: bool,
    ) -> Result<std::path::PathBuf, String> {
        let text = String::from_utf8(bytes.to_vec()).map_err(|error| error.to_string())?;
        self.saved
            .lock()
            .unwrap()
            .push((file_name.to_owned(), text, private));
        Ok(std::path::Path::new("/downloads").join(file_name))
    }
    fn open_path(&self, path: &std::path::Path) -> Result<(), String> {
        self.opened.lock().unwrap().push(path.display().to_string());
        Ok(())
    }
}

async fn flow_of(state: &Shared, name: &str) -> String {
    setup_commands::setup_state(state, name.into())
        .await
        .unwrap()
        .flow_id
        .unwrap()
}

#[tokio::test]
async fn practice_picks_an_active_sandbox_and_refuses_a_bad_one() {
    let practice = practice().await;
    assert!(practice.connection.practice);
    assert_eq!(practice.connection.sandbox.as_deref(), Some("prod"));
    assert!(practice
        .connection
        .sandboxes
        .iter()
        .any(|sandbox| sandbox.name == "prod"));
    let refused = connection::choose_sandbox(&practice.state, "Not a sandbox!".into())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::App(AppErrorCode::FieldsInvalid));
    assert_eq!(refused.fields[0].field, "sandbox");
    // The refused name did not replace the chosen one.
    let summary = connection::current_connection(&practice.state)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.sandbox.as_deref(), Some("prod"));
}

#[tokio::test]
async fn a_setup_reports_progress_and_its_views_never_carry_the_webhook_url() {
    let practice = practice().await;
    let state = &practice.state;
    let (progress, events) = recorder();
    let single = SetupInput {
        webhook_mode: chatlio::WebhookMode::SingleUrl,
        ..input("Chatlio events")
    };
    let view = setup_commands::run_setup(state, single, Some(progress))
        .await
        .unwrap();
    assert!(view.complete && view.has_webhook);
    let events = events.lock().unwrap().clone();
    for step in [StepId::Schema, StepId::Dataset, StepId::Dataflow] {
        assert!(
            events
                .iter()
                .any(|event| event.step == step && event.kind == StepEventKind::Done),
            "{step:?} done"
        );
    }

    let desktop = FakeDesktop::default();
    app::handover::copy_webhook_url(state, &desktop, "Chatlio events".into(), None)
        .await
        .unwrap();
    let url = desktop.clipboard.lock().unwrap().clone().unwrap();
    let flow_id = view.flow_id.clone().unwrap();
    assert!(url.contains(&flow_id), "the copied URL names the dataflow");
    let inlet = url.split('?').next().unwrap().to_owned();
    assert_eq!(
        app::handover::reveal_webhook_url(state, "Chatlio events".into(), None)
            .await
            .unwrap(),
        url
    );

    // Every view a command returns without being asked for the URL.
    let views = [
        serde_json::to_string(&view).unwrap(),
        serde_json::to_string(&events).unwrap(),
        serde_json::to_string(
            &setup_commands::setup_state(state, "Chatlio events".into())
                .await
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(&dashboard::dashboard(state).await.unwrap()).unwrap(),
        serde_json::to_string(
            &dashboard::setup_health(state, "Chatlio events".into())
                .await
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(
            &app::handover::dataflow_timing(state, "Chatlio events".into())
                .await
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(
            &app::handover::received_records(state, "Chatlio events".into())
                .await
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(
            &app::handover::test_event_results(state, "Chatlio events".into())
                .await
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(
            &connection::preflight(state, input("Chatlio events"))
                .await
                .unwrap(),
        )
        .unwrap(),
        // A new dataflow is still warming up: the refusal names the time,
        // not the address.
        serde_json::to_string(
            &app::handover::send_test_event(
                state,
                "Chatlio events".into(),
                chatlio::EventKind::ChatTranscript,
            )
            .await
            .unwrap_err(),
        )
        .unwrap(),
    ];
    for text in views {
        assert!(
            !text.contains(&inlet),
            "a view carries the inlet URL: {text}"
        );
    }
}

#[tokio::test]
async fn the_dashboard_names_the_owning_setup_and_keeps_the_last_status() {
    let practice = practice().await;
    let state = &practice.state;
    setup_commands::run_setup(state, input("Owned"), None)
        .await
        .unwrap();
    let flow_id = flow_of(state, "Owned").await;
    let view = dashboard::dashboard(state).await.unwrap();
    let flow = view
        .flows
        .iter()
        .find(|flow| flow.flow_id == flow_id)
        .unwrap();
    assert_eq!(flow.setup_name.as_deref(), Some("Owned"));
    assert!(view.error.is_none());

    let cached = dashboard::cached_dashboard(state, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cached.fetched_at, view.fetched_at);
    assert_eq!(cached.flows.len(), view.flows.len());
    // Real work and practice keep separate caches.
    assert!(dashboard::cached_dashboard(state, false)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_disabled_dataflow_shows_as_drift_and_is_repaired() {
    let practice = practice().await;
    let state = &practice.state;
    setup_commands::run_setup(state, input("Drifting"), None)
        .await
        .unwrap();
    let healthy = dashboard::setup_health(state, "Drifting".into())
        .await
        .unwrap();
    assert!(healthy
        .iter()
        .all(|resource| resource.health == ResourceHealth::Ok));

    let flow_id = flow_of(state, "Drifting").await;
    dashboard::set_flow_enabled(state, flow_id, false)
        .await
        .unwrap();
    let drifted = dashboard::setup_health(state, "Drifting".into())
        .await
        .unwrap();
    let dataflow = drifted
        .iter()
        .find(|resource| resource.step == StepId::Dataflow)
        .unwrap();
    assert_eq!(dataflow.health, ResourceHealth::Disabled);
    let instance = dataflow.instance.clone();
    assert_eq!(dataflow.repair, Some(RepairKind::EnableFlow));
    assert!(!dataflow.webhook_url_changes);

    dashboard::repair_drift(state, "Drifting".into(), StepId::Dataflow, instance.clone())
        .await
        .unwrap();
    let repaired = dashboard::setup_health(state, "Drifting".into())
        .await
        .unwrap();
    assert!(repaired
        .iter()
        .all(|resource| resource.health == ResourceHealth::Ok));
    // Nothing left to repair: a stale screen's second click is refused.
    let again =
        dashboard::repair_drift(state, "Drifting".into(), StepId::Dataflow, instance.clone())
            .await
            .unwrap_err();
    assert_eq!(again.code, ErrorCode::App(AppErrorCode::InvalidInput));
}

#[tokio::test]
async fn deleting_our_dataflow_rolls_back_its_setup_and_a_foreign_one_only_its_flow() {
    let practice = practice().await;
    let state = &practice.state;
    setup_commands::run_setup(state, input("Ours"), None)
        .await
        .unwrap();
    setup_commands::run_setup(state, input("Theirs"), None)
        .await
        .unwrap();
    let ours = flow_of(state, "Ours").await;
    let theirs = flow_of(state, "Theirs").await;
    // "Theirs" becomes foreign: its journal is gone.
    let journals = state.journal_dir(true);
    std::fs::remove_file(journals.join("Theirs.json")).unwrap();

    let (progress, events) = recorder();
    let deleted = dashboard::delete_dataflow(state, ours.clone(), Some(progress))
        .await
        .unwrap();
    // The whole setup went: dataflow, connections, dataset, schema...
    assert!(deleted.deleted.contains(&ours));
    assert!(deleted.deleted.len() > 4, "{:?}", deleted.deleted);
    assert!(events
        .lock()
        .unwrap()
        .iter()
        .any(|event| event.kind == StepEventKind::RolledBack));

    let foreign = dashboard::delete_dataflow(state, theirs.clone(), None)
        .await
        .unwrap();
    // Only the dataflow and its two connections: its dataset and schema may
    // be someone else's.
    assert_eq!(foreign.deleted.len(), 3, "{:?}", foreign.deleted);
    assert!(foreign.deleted.contains(&theirs));
    assert!(foreign.kept.is_empty());

    let left = dashboard::dashboard(state).await.unwrap();
    assert!(left
        .flows
        .iter()
        .all(|flow| flow.flow_id != ours && flow.flow_id != theirs));
}

#[tokio::test]
async fn a_damaged_journal_stops_a_delete_before_anything_is_deleted() {
    let practice = practice().await;
    let state = &practice.state;
    setup_commands::run_setup(state, input("Kept"), None)
        .await
        .unwrap();
    let flow_id = flow_of(state, "Kept").await;
    std::fs::write(state.journal_dir(true).join("Damaged.json"), b"{ not json").unwrap();

    let refused = dashboard::delete_dataflow(state, flow_id.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(
        refused.code,
        ErrorCode::Setup(setup::SetupErrorCode::Journal)
    );
    let view = dashboard::dashboard(state).await.unwrap();
    assert!(view.flows.iter().any(|flow| flow.flow_id == flow_id));
}

#[tokio::test]
async fn links_open_in_the_browser_and_the_wizard_position_survives_a_restart() {
    let folder = tempfile::tempdir().unwrap();
    let state: Shared = Arc::new(AppState::new(storage::DataLayout::new(folder.path())));
    let desktop = FakeDesktop::default();
    app::handover::open_link(&desktop, app::handover::Link::ChatlioWebhooks)
        .await
        .unwrap();
    assert_eq!(
        desktop.opened.lock().unwrap().as_slice(),
        ["https://chatlio.com/docs/webhooks/"]
    );

    assert!(app::wizard::load_wizard(&state).await.unwrap().is_none());
    let wizard = app::wizard::WizardState {
        screen: app::wizard::Screen::Verify,
        setup_name: Some("Chatlio events".into()),
        ..app::wizard::WizardState::default()
    };
    app::wizard::save_wizard(&state, wizard.clone())
        .await
        .unwrap();
    let reopened: Shared = Arc::new(AppState::new(storage::DataLayout::new(folder.path())));
    assert_eq!(
        app::wizard::load_wizard(&reopened).await.unwrap(),
        Some(wizard)
    );
}

#[tokio::test]
async fn commands_that_need_a_connection_say_so() {
    let folder = tempfile::tempdir().unwrap();
    let state: Shared = Arc::new(AppState::new(storage::DataLayout::new(folder.path())));
    let error = dashboard::dashboard(&state).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::NotConnected));
    assert!(error.hint.is_some());
}

#[tokio::test]
async fn one_url_per_event_gives_each_chatlio_field_its_url_and_acts_on_the_whole_group() {
    let practice = practice().await;
    let state = &practice.state;
    let per_event = SetupInput {
        webhook_mode: chatlio::WebhookMode::PerEventUrl,
        ..input("Per event")
    };
    let view = setup_commands::run_setup(state, per_event, None)
        .await
        .unwrap();
    assert!(view.complete);

    let fields = app::handover::webhook_fields(state, "Per event".into())
        .await
        .unwrap();
    assert_eq!(fields.mode, chatlio::WebhookMode::PerEventUrl);
    assert_eq!(fields.statement.code, "mode.per_event_url");
    assert_eq!(fields.fields.len(), 5);
    assert!(fields.fields.iter().all(|field| field.ready));
    let desktop = FakeDesktop::default();
    let mut urls = std::collections::BTreeMap::new();
    for field in &fields.fields {
        app::handover::copy_webhook_url(state, &desktop, "Per event".into(), Some(field.kind))
            .await
            .unwrap();
        let copied = desktop.clipboard.lock().unwrap().clone().unwrap();
        assert_eq!(
            app::handover::reveal_webhook_url(state, "Per event".into(), Some(field.kind))
                .await
                .unwrap(),
            copied
        );
        urls.insert(field.kind, copied);
    }
    // Transcripts and offline messages share the "all" flow's URL; each
    // visitor event has its own.
    use chatlio::EventKind::*;
    assert_eq!(urls[&ChatTranscript], urls[&OfflineMessage]);
    let distinct: std::collections::BTreeSet<&String> = urls.values().collect();
    assert_eq!(distinct.len(), 4);
    let transcript = fields
        .fields
        .iter()
        .find(|field| field.kind == ChatTranscript)
        .unwrap();
    assert_eq!(transcript.shared_with, [OfflineMessage]);
    let feedback = fields
        .fields
        .iter()
        .find(|field| field.kind == VisitorFeedback)
        .unwrap();
    assert!(feedback.shared_with.is_empty());
    // A per-event setup has no single URL to hand out.
    let single = app::handover::reveal_webhook_url(state, "Per event".into(), None)
        .await
        .unwrap_err();
    assert_eq!(single.code, ErrorCode::App(AppErrorCode::NoWebhook));

    // The dashboard knows all four dataflows as this setup's, and deleting
    // any of them rolls back the whole setup.
    let dashboard = dashboard::dashboard(state).await.unwrap();
    let ours: Vec<_> = dashboard
        .flows
        .iter()
        .filter(|flow| flow.setup_name.as_deref() == Some("Per event"))
        .collect();
    assert_eq!(ours.len(), 4);
    // One entry for the setup, with its four dataflows and their totals.
    let group = dashboard
        .setups
        .iter()
        .find(|group| group.name == "Per event")
        .unwrap();
    assert_eq!(group.flow_ids.len(), 4);
    let served: std::collections::BTreeSet<chatlio::EventKind> =
        ours.iter().flat_map(|flow| flow.fields.clone()).collect();
    assert_eq!(served.len(), 5, "every Chatlio field is served once");
    assert!(ours.iter().any(|flow| flow.fields == [VisitorFeedback]));
    assert!(ours
        .iter()
        .any(|flow| flow.fields == [OfflineMessage, ChatTranscript]));
    // Disabling the setup disables all four; its health is the worst.
    dashboard::set_setup_enabled(state, "Per event".into(), false)
        .await
        .unwrap();
    let disabled = dashboard::dashboard(state).await.unwrap();
    let group = disabled
        .setups
        .iter()
        .find(|group| group.name == "Per event")
        .unwrap();
    assert_eq!(group.health, setup::status::Health::Disabled);
    assert!(disabled
        .flows
        .iter()
        .filter(|flow| group.flow_ids.contains(&flow.flow_id))
        .all(|flow| flow.health == setup::status::Health::Disabled));
    dashboard::set_setup_enabled(state, "Per event".into(), true)
        .await
        .unwrap();
    let feedback_flow = urls[&VisitorFeedback]
        .split("x-adobe-flow-id=")
        .nth(1)
        .unwrap()
        .to_owned();
    let deleted = dashboard::delete_dataflow(state, feedback_flow, None)
        .await
        .unwrap();
    for flow in &ours {
        assert!(deleted.deleted.contains(&flow.flow_id), "{deleted:?}");
    }
}

/// Calls the practice simulator's control surface with the token the app
/// made for it.
async fn practice_control(state: &Shared, path: &str, body: serde_json::Value) {
    let (base, token) = {
        let practice = state.practice.lock().await;
        let sim = practice.as_ref().unwrap();
        (sim.base_url(), sim.config().control_token.clone().unwrap())
    };
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header(platform_sim::CONTROL_TOKEN_HEADER, token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

/// Adobe's hours pass in no time: every time the simulator recorded moves
/// `secs` into the past.
async fn advance_practice_clock(state: &Shared, secs: u64) {
    practice_control(
        state,
        "/__sim/time/advance",
        serde_json::json!({ "secs": secs }),
    )
    .await;
}

/// The open hourly runs end now.
async fn close_practice_runs(state: &Shared) {
    practice_control(state, "/__sim/runs/close", serde_json::json!({})).await;
}

/// The dataflow serving `kind`'s Chatlio field in a setup made here.
async fn flow_for(state: &Shared, name: &str, kind: chatlio::EventKind) -> String {
    dashboard::dashboard(state)
        .await
        .unwrap()
        .flows
        .into_iter()
        .find(|flow| flow.setup_name.as_deref() == Some(name) && flow.fields.contains(&kind))
        .unwrap()
        .flow_id
}

#[tokio::test]
async fn what_arrived_what_failed_and_a_replay_with_the_fix_applied() {
    use chatlio::EventKind::*;
    let practice = practice().await;
    let state = &practice.state;
    let name = "Records";
    let view = setup_commands::run_setup(state, input(name), None)
        .await
        .unwrap();
    assert!(view.complete);
    // Past the warm-up: the dataflows accept data.
    advance_practice_clock(state, 60).await;
    let shared = flow_for(state, name, ChatTranscript).await;

    // Five good events, each through its own field's URL, and two broken
    // ones (nothing identifies a visitor or a conversation).
    for kind in chatlio::EventKind::ALL {
        app::handover::send_test_event(state, name.into(), kind)
            .await
            .unwrap();
    }
    let broken = serde_json::to_string(&chatlio::unidentifiable_payload()).unwrap();
    let sent = app::records::replay_records(
        state,
        app::records::ReplayRequest {
            flow_id: shared.clone(),
            record_ids: vec![],
            edited: vec![],
            pasted: vec![broken.clone(), broken],
            again: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (sent.sent, sent.accepted),
        (2, 2),
        "Adobe accepts them; the run fails them"
    );

    // Nothing shows while the hour is open: Adobe has not written the batch.
    let early = app::records::flow_records(state, shared.clone())
        .await
        .unwrap();
    assert!(early.records.is_empty(), "{early:?}");
    close_practice_runs(state).await;

    let stored = app::records::flow_records(state, shared.clone())
        .await
        .unwrap();
    let kinds: std::collections::BTreeSet<String> = stored
        .records
        .iter()
        .filter_map(|record| record.kind.clone())
        .collect();
    let expected: std::collections::BTreeSet<String> = chatlio::EventKind::ALL
        .iter()
        .map(|kind| kind.code().to_owned())
        .collect();
    assert_eq!(kinds, expected, "the exact kind of each of the five");
    assert_eq!(stored.records.len(), 5);
    // Verify shows, for each test event, the kind Adobe stored it as.
    let results = app::handover::test_event_results(state, name.into())
        .await
        .unwrap();
    assert_eq!(results.len(), 5);
    for result in &results {
        assert_eq!(
            result.recorded_kind.as_deref(),
            Some(result.kind.code()),
            "{result:?}"
        );
    }
    for record in &stored.records {
        assert_eq!(
            record.record,
            serde_json::Value::Null,
            "whole records only on request"
        );
        if let Some(email) = &record.visitor_email {
            // One letter of the name and of the domain, then dots.
            let (local, domain) = email.split_once('@').unwrap();
            let letters = |part: &str| part.chars().filter(|c| c.is_alphanumeric()).count();
            assert!(
                letters(local) <= 1 && letters(domain.split('.').next().unwrap()) <= 1,
                "masked: {email}"
            );
        }
    }
    let first = stored.records[0].id.clone().unwrap();
    let whole = app::records::reveal_record(state, shared.clone(), first)
        .await
        .unwrap();
    assert!(whole.get("_id").is_some());

    let failures = app::records::flow_failures(state, shared.clone())
        .await
        .unwrap();
    assert_eq!(failures.failed.counted, 2);
    assert_eq!(failures.failed.records.len(), 2);
    for record in &failures.failed.records {
        assert!(record.replayable);
        let error = &record.errors[0];
        assert_eq!(error.explanation, "missing_identifier", "{error:?}");
    }
    assert!(failures.replayed.is_empty());

    // The user adds the missing visitor email to each and re-sends them.
    let ids: Vec<String> = failures
        .failed
        .records
        .iter()
        .map(|record| record.id.clone())
        .collect();
    let mut edited = Vec::new();
    for id in &ids {
        let body = app::records::failed_payload(state, shared.clone(), id.clone())
            .await
            .unwrap();
        let mut body: serde_json::Value = serde_json::from_str(&body).unwrap();
        body["visitor"] = serde_json::json!({ "email": "fixed@example.com" });
        edited.push(app::records::EditedBody {
            record_id: id.clone(),
            payload: body.to_string(),
        });
    }
    let request = app::records::ReplayRequest {
        flow_id: shared.clone(),
        record_ids: vec![],
        edited,
        pasted: vec![],
        again: false,
    };
    let report = app::records::replay_records(state, request.clone())
        .await
        .unwrap();
    assert_eq!((report.sent, report.accepted), (2, 2));
    // Sending them a second time is refused unless asked for.
    let twice = app::records::replay_records(state, request)
        .await
        .unwrap_err();
    assert_eq!(twice.code, ErrorCode::App(AppErrorCode::AlreadyReplayed));
    let failures = app::records::flow_failures(state, shared.clone())
        .await
        .unwrap();
    assert_eq!(failures.replayed.len(), 2);

    // Once the run closes, the dashboard's counts match what Adobe stored.
    close_practice_runs(state).await;
    let stored = app::records::flow_records(state, shared.clone())
        .await
        .unwrap();
    assert_eq!(stored.records.len(), 7);
    let dashboard = dashboard::dashboard(state).await.unwrap();
    let ingested: u64 = dashboard
        .flows
        .iter()
        .filter(|flow| flow.setup_name.as_deref() == Some(name))
        .map(|flow| flow.last_day.ingested)
        .sum();
    let failed: u64 = dashboard
        .flows
        .iter()
        .filter(|flow| flow.setup_name.as_deref() == Some(name))
        .map(|flow| flow.last_day.failed)
        .sum();
    assert_eq!((ingested, failed), (7, 2));
}

#[tokio::test]
async fn the_preview_of_each_sample_is_the_record_then_stored() {
    let practice = practice().await;
    let state = &practice.state;
    let name = "Preview";
    setup_commands::run_setup(state, input(name), None)
        .await
        .unwrap();
    advance_practice_clock(state, 60).await;
    let mut previews = Vec::new();
    for kind in chatlio::EventKind::ALL {
        let flow = flow_for(state, name, kind).await;
        let body = app::records::sample_payload(kind).await.unwrap();
        let preview = app::records::preview_payload(state, flow.clone(), body.clone())
            .await
            .unwrap();
        assert!(preview.valid, "{kind:?}: {preview:?}");
        assert_eq!(preview.kind.as_deref(), Some(kind.code()));
        let report = app::records::replay_records(
            state,
            app::records::ReplayRequest {
                flow_id: flow.clone(),
                record_ids: vec![],
                edited: vec![],
                pasted: vec![body],
                again: false,
            },
        )
        .await
        .unwrap();
        assert_eq!(report.accepted, 1);
        previews.push((kind, flow, preview.record));
    }
    close_practice_runs(state).await;
    // Every field but the generated id and time is the same as stored.
    let strip = |mut record: serde_json::Value| {
        let object = record.as_object_mut().unwrap();
        object.remove("_id");
        object.remove("timestamp");
        record
    };
    let (_, any_flow, _) = &previews[0];
    let stored: Vec<serde_json::Value> = {
        let records = app::records::flow_records(state, any_flow.clone())
            .await
            .unwrap();
        let mut whole = Vec::new();
        for record in records.records {
            whole.push(
                app::records::reveal_record(state, any_flow.clone(), record.id.unwrap())
                    .await
                    .unwrap(),
            );
        }
        whole
    };
    assert_eq!(stored.len(), 5);
    for (kind, _, preview) in previews {
        let preview = strip(preview);
        assert!(
            stored.iter().any(|record| strip(record.clone()) == preview),
            "{kind:?}: the preview {preview} is not among the stored records"
        );
    }
}

#[tokio::test]
async fn dataflows_made_elsewhere_are_grouped_by_their_markers() {
    let practice = practice().await;
    let state = &practice.state;
    // Another computer's setup: same sandbox, its journal not in this app's folder.
    let (_, client) = state.sandbox_client().await.unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let request = SetupInput {
        webhook_mode: chatlio::WebhookMode::PerEventUrl,
        ..input("Made elsewhere")
    }
    .validate()
    .unwrap();
    let outcome = setup::Engine::new(client, setup::JournalStore::new(elsewhere.path()))
        .apply(&request)
        .await
        .unwrap();
    assert!(outcome.complete);
    let ours = setup_commands::run_setup(state, input("Made here"), None)
        .await
        .unwrap();
    assert!(ours.complete);

    let view = dashboard::dashboard(state).await.unwrap();
    let group = |name: &str| view.setups.iter().find(|group| group.name == name).unwrap();
    let foreign = group("Made elsewhere");
    assert!(!foreign.made_here);
    assert_eq!(foreign.flow_ids.len(), 4);
    assert!(group("Made here").made_here);
    let feedback = view
        .flows
        .iter()
        .find(|flow| {
            foreign.flow_ids.contains(&flow.flow_id)
                && flow.fields == [chatlio::EventKind::VisitorFeedback]
        })
        .unwrap();
    assert_eq!(
        feedback.setup_name, None,
        "not this app's: deleting it deletes only it"
    );
    assert_eq!(feedback.marked_setup.as_deref(), Some("Made elsewhere"));
}

#[tokio::test]
async fn the_background_check_notifies_once_per_condition_and_respects_a_pause() {
    use app::alerts::{self, Watcher};
    use setup::alerts::{AlertKind, Notice, Severity};
    let practice = practice().await;
    let state = &practice.state;
    // Connecting woke the background check: it runs now, not minutes later.
    tokio::time::timeout(
        std::time::Duration::from_millis(200),
        state.alert_refresh.notified(),
    )
    .await
    .expect("connecting wakes the background check");
    let desktop = FakeDesktop::default();
    let view = setup_commands::run_setup(state, input("Watched"), None)
        .await
        .unwrap();
    let flow_id = view.flow_id.clone().unwrap();
    // Any hour is business time and nothing is quiet: the test runs at any
    // time of day. A refused rule changes nothing.
    let mut rules = setup::alerts::AlertSettings::round_the_clock(4).defaults;
    let mut bad = rules.clone();
    bad.business_hours.time_zone = "Atlantis/Central".into();
    let refused = alerts::save_alert_rules(state, None, bad)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::App(AppErrorCode::FieldsInvalid));
    assert_eq!(refused.fields[0].field, "time_zone");
    assert_eq!(refused.fields[0].problem, "unknown_time_zone");
    rules.failed_share_percent = Some(10);
    let saved = alerts::save_alert_rules(state, None, rules.clone())
        .await
        .unwrap();
    assert_eq!(saved.settings.defaults, rules);

    let mut watcher = Watcher::new();
    let first = watcher.tick(state, chrono::Utc::now()).await;
    assert!(first.watching);
    assert!(first.conditions.is_empty(), "{first:?}");
    assert!(first.notices.is_empty());

    // The last hour: every record failed.
    practice_control(
        state,
        "/__sim/runs/seed",
        serde_json::json!({ "flowId": flow_id, "hours": 1, "received": 8, "failed": 8 }),
    )
    .await;
    let failing = watcher.tick(state, chrono::Utc::now()).await;
    assert_eq!(failing.worst, Some(Severity::Alert), "{failing:?}");
    let [Notice::Raised { condition }] = failing.notices.as_slice() else {
        panic!("{:?}", failing.notices);
    };
    assert_eq!(condition.kind, AlertKind::FailedRecords);
    assert_eq!(condition.flow_id.as_deref(), Some(flow_id.as_str()));
    assert_eq!(condition.setup.as_deref(), Some("Watched"));
    let text = alerts::notice_text(&failing.notices[0], "en");
    assert_eq!(text.flow_id.as_deref(), Some(flow_id.as_str()));
    assert!(text.body.contains("8 of 8"), "{text:?}");
    // Again, and after a restart of the app: the condition holds, nothing
    // is notified twice.
    let again = watcher.tick(state, chrono::Utc::now()).await;
    assert_eq!(again.conditions.len(), 1);
    assert!(again.notices.is_empty());
    let mut restarted = Watcher::new();
    assert!(restarted
        .tick(state, chrono::Utc::now())
        .await
        .notices
        .is_empty());

    // Paused: the dataflow is disabled, tracked, not notified; resumed: it is.
    let paused = alerts::pause_alerts(state, Some(1)).await.unwrap();
    assert!(paused.settings.paused_until.is_some());
    assert!(alerts::pause_alerts(state, Some(0)).await.is_err());
    dashboard::set_flow_enabled(state, flow_id.clone(), false)
        .await
        .unwrap();
    let quiet = watcher.tick(state, chrono::Utc::now()).await;
    assert!(quiet.notices.is_empty());
    assert!(quiet
        .conditions
        .iter()
        .any(|condition| condition.kind == AlertKind::Disabled));
    assert!(quiet.paused_until.is_some());
    alerts::pause_alerts(state, None).await.unwrap();
    let resumed = watcher.tick(state, chrono::Utc::now()).await;
    assert!(
        matches!(resumed.notices.as_slice(), [Notice::Raised { condition }] if condition.kind == AlertKind::Disabled),
        "{:?}",
        resumed.notices
    );
    // Enabled again: one "recovered".
    dashboard::set_flow_enabled(state, flow_id.clone(), true)
        .await
        .unwrap();
    let recovered = watcher.tick(state, chrono::Utc::now()).await;
    assert!(
        recovered.notices.iter().any(
            |notice| matches!(notice, Notice::Recovered { condition } if condition.kind == AlertKind::Disabled)
        ),
        "{:?}",
        recovered.notices
    );

    // The dashboard calls a dataflow stale by the same rule: a day of
    // silence after a good hour is stale under four round-the-clock hours.
    let conversations = flow_for(state, "Watched", chatlio::EventKind::NewConversation).await;
    practice_control(
        state,
        "/__sim/runs/seed",
        serde_json::json!({ "flowId": conversations, "hours": 1, "received": 3 }),
    )
    .await;
    let health = |board: &dashboard::DashboardView| {
        board
            .flows
            .iter()
            .find(|flow| flow.flow_id == conversations)
            .unwrap()
            .health
    };
    let board = dashboard::dashboard(state).await.unwrap();
    assert_eq!(health(&board), setup::status::Health::Healthy);
    advance_practice_clock(state, 24 * 3600).await;
    let board = dashboard::dashboard(state).await.unwrap();
    assert_eq!(health(&board), setup::status::Health::Stale);

    // A card draws and lists a day of runs; the week's totals count all.
    practice_control(
        state,
        "/__sim/runs/seed",
        serde_json::json!({ "flowId": conversations, "hours": 48, "received": 2 }),
    )
    .await;
    let board = dashboard::dashboard(state).await.unwrap();
    let card = board
        .flows
        .iter()
        .find(|flow| flow.flow_id == conversations)
        .unwrap();
    assert_eq!(card.runs.len(), dashboard::RUNS_SHOWN);
    assert_eq!(card.last_week.received, 3 + 48 * 2, "{:?}", card.last_week);

    // Start at login and the link to the dataflow in Adobe.
    assert!(!alerts::start_at_login(&desktop).await.unwrap());
    assert!(alerts::set_start_at_login(&desktop, true).await.unwrap());
    alerts::open_adobe_dataflow(state, &desktop, flow_id.clone())
        .await
        .unwrap();
    let opened = desktop.opened.lock().unwrap().clone();
    assert!(
        opened
            .last()
            .unwrap()
            .ends_with(&format!("/platform/source/dataflows/{flow_id}/activity")),
        "{opened:?}"
    );
}

#[tokio::test]
async fn the_log_folder_opens_where_the_shell_writes_the_log() {
    let folder = tempfile::tempdir().unwrap();
    let state: Shared = Arc::new(AppState::new(storage::DataLayout::new(folder.path())));
    let desktop = FakeDesktop::default();
    app::info::open_log_folder(&state, &desktop).await.unwrap();
    let logs = folder.path().join("logs");
    assert!(logs.is_dir());
    assert_eq!(
        desktop.opened.lock().unwrap().as_slice(),
        [logs.display().to_string()]
    );

    // A data folder that is a file: the error says where the log would be.
    let file = folder.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let state: Shared = Arc::new(AppState::new(storage::DataLayout::new(&file)));
    let error = app::info::open_log_folder(&state, &desktop)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::FolderOpenFailed));
    assert!(error.hint.unwrap().contains("logs"));
}

/// The row of one of Chatlio's fields in a hand-off packet.
fn packet_row<'a>(page: &'a str, field: &str) -> &'a str {
    let start = page
        .find(&format!("<tr data-field=\"{field}\">"))
        .unwrap_or_else(|| panic!("no row for {field}"));
    let end = start + page[start..].find("</tr>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn documents_packet_record_and_setup_file() {
    use app::documents;

    let practice = practice().await;
    let state = &practice.state;
    let desktop = FakeDesktop::default();
    let name = "Chatlio handoff";
    let view = setup_commands::run_setup(state, input(name), None)
        .await
        .unwrap();
    assert!(view.complete);
    let journal = setup::JournalStore::new(state.journal_dir(true))
        .load(name)
        .unwrap()
        .unwrap();
    let urls = setup::handoff::webhook_urls(&journal);
    assert_eq!(urls.len(), 5);
    let flow_ids: Vec<String> = journal
        .steps
        .iter()
        .filter(|record| record.step == StepId::Dataflow)
        .filter_map(|record| record.resource_id.clone())
        .collect();
    assert_eq!(flow_ids.len(), 4);

    // The packet, by default without any URL: all five fields, each naming
    // whom to ask.
    let packet = documents::save_handoff_packet(
        state,
        &desktop,
        name.into(),
        "en".into(),
        Some("Anna Berg".into()),
        false,
    )
    .await
    .unwrap();
    assert!(!packet.contains_urls);
    assert!(packet.file_name.ends_with(".html"), "{packet:?}");
    let (file_name, page, private) = desktop.saved.lock().unwrap().last().cloned().unwrap();
    assert_eq!(file_name, packet.file_name);
    assert!(!private);
    assert!(page.starts_with("<!DOCTYPE html>"));
    for kind in chatlio::EventKind::ALL {
        let row = packet_row(&page, kind.code());
        assert!(row.contains("Ask Anna Berg"), "{kind:?}: {row}");
    }
    assert!(!page.contains("x-adobe-flow-id"), "no webhook URL unasked");
    // Opened in the browser for printing.
    assert_eq!(desktop.opened.lock().unwrap().last().unwrap(), &packet.path);

    // With the URLs, in Swedish: private, and each field has its URL.
    let with_urls =
        documents::save_handoff_packet(state, &desktop, name.into(), "sv".into(), None, true)
            .await
            .unwrap();
    assert!(with_urls.contains_urls);
    let (_, page, private) = desktop.saved.lock().unwrap().last().cloned().unwrap();
    assert!(private, "a packet with URLs is the owner's only");
    assert!(page.contains("<html lang=\"sv\">"));
    for (kind, url) in &urls {
        assert!(
            packet_row(&page, kind.code()).contains(url.as_str()),
            "{kind:?}"
        );
    }
    let refused =
        documents::save_handoff_packet(state, &desktop, name.into(), "fi".into(), None, false)
            .await
            .unwrap_err();
    assert_eq!(refused.code, ErrorCode::App(AppErrorCode::InvalidInput));

    // The record: a page and its JSON, both with the journal's ids, no URL.
    let record = documents::save_setup_record(state, &desktop, name.into(), "en".into())
        .await
        .unwrap();
    assert!(!record.contains_urls);
    assert!(record.data_path.is_some());
    let saved = desktop.saved.lock().unwrap().clone();
    let [.., (_, record_page, false), (json_name, record_json, false)] = saved.as_slice() else {
        panic!("a page and its JSON, neither private: {saved:?}");
    };
    assert!(json_name.ends_with(".json"));
    let value: serde_json::Value = serde_json::from_str(record_json).unwrap();
    assert_eq!(value["setupName"], name);
    assert_eq!(value["complete"], true);
    for flow_id in &flow_ids {
        assert!(record_page.contains(flow_id.as_str()), "{flow_id}");
        assert!(record_json.contains(flow_id.as_str()), "{flow_id}");
    }
    assert!(!record_page.contains("x-adobe-flow-id"));
    assert!(!record_json.contains("x-adobe-flow-id"));

    // The setup file, read back, gives the same input.
    let export = documents::export_setup_file(state, &desktop, name.into())
        .await
        .unwrap();
    assert!(export.file_name.ends_with(".json"));
    let (_, text, private) = desktop.saved.lock().unwrap().last().cloned().unwrap();
    assert!(!private);
    let read = documents::read_setup_file(text.clone()).await.unwrap();
    assert_eq!(
        read,
        input(name)
            .validate()
            .map(|r| documents::input_of(&r))
            .unwrap()
    );
    assert_eq!(read.name, name);
    assert_eq!(read.webhook_mode, chatlio::WebhookMode::PerEventUrl);

    // A bad file: each problem named by its JSON path.
    let mut bad: serde_json::Value = serde_json::from_str(&text).unwrap();
    bad["dataset"]["name"] = serde_json::json!("x".repeat(500));
    bad["colour"] = serde_json::json!("blue");
    bad.as_object_mut().unwrap().remove("sandbox");
    let refused = documents::read_setup_file(bad.to_string())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::App(AppErrorCode::SetupFileInvalid));
    let problems: Vec<(&str, &str)> = refused
        .fields
        .iter()
        .map(|problem| (problem.field.as_str(), problem.problem.as_str()))
        .collect();
    assert!(
        problems.contains(&("$.dataset.name", "too_long")),
        "{problems:?}"
    );
    assert!(
        problems.contains(&("$.colour", "unknown_key")),
        "{problems:?}"
    );
    assert!(problems.contains(&("$.sandbox", "missing")), "{problems:?}");
    let not_json = documents::read_setup_file("{ nope".into())
        .await
        .unwrap_err();
    assert_eq!(not_json.fields[0].field, "$");
    assert_eq!(not_json.fields[0].problem, "invalid_json");

    // An unknown setup is refused by code.
    let unknown = documents::export_setup_file(state, &desktop, "Nobody".into())
        .await
        .unwrap_err();
    assert_eq!(
        unknown.code,
        ErrorCode::Setup(setup::SetupErrorCode::UnknownSetup)
    );
}

/// Moves the practice simulator's now forward (warm-ups pass, hours end).
async fn advance_practice_now(state: &Shared, secs: u64) {
    practice_control(
        state,
        "/__sim/clock/advance",
        serde_json::json!({ "secs": secs }),
    )
    .await;
}

#[tokio::test]
async fn a_practice_setup_rotates_its_webhook_url_as_one_group_throughout() {
    use app::rotation;
    let practice = practice().await;
    let state = &practice.state;
    let name = "Rotated";
    let single = SetupInput {
        webhook_mode: chatlio::WebhookMode::SingleUrl,
        ..input(name)
    };
    let made = setup_commands::run_setup(state, single, None)
        .await
        .unwrap();
    assert!(made.complete);
    let old_flow = made.flow_id.clone().unwrap();
    let old_url = app::handover::reveal_webhook_url(state, name.into(), None)
        .await
        .unwrap();
    let one_group = |view: &dashboard::DashboardView| {
        assert_eq!(view.setups.len(), 1, "{:?}", view.setups);
        let group = &view.setups[0];
        assert!(group.made_here && group.name == name);
        group.flow_ids.clone()
    };

    assert!(rotation::rotation_status(state, name.into(), None)
        .await
        .unwrap()
        .is_none());
    let error = rotation::reveal_rotation_url(state, name.into(), None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::RotationNotStarted));

    let started = rotation::start_rotation(state, name.into(), None)
        .await
        .unwrap();
    assert_eq!(started.phase, setup::rotate::RotationPhase::Created);
    assert!(!started.url_ready && started.accepts_data_from.is_some());
    assert_eq!(started.old_flow_id, old_flow);
    let new_flow = started.new_flow_id.clone().unwrap();
    // The new dataflow is the setup's on the dashboard, marked.
    let view = dashboard::dashboard(state).await.unwrap();
    let ids = one_group(&view);
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&old_flow) && ids.contains(&new_flow));
    let rotating = view.flows.iter().find(|f| f.flow_id == new_flow).unwrap();
    assert!(rotating.rotating && rotating.setup_name.as_deref() == Some(name));
    assert!(
        !view
            .flows
            .iter()
            .find(|f| f.flow_id == old_flow)
            .unwrap()
            .rotating
    );

    // During the warm-up the new URL is not handed over, nor the old one retired.
    let desktop = FakeDesktop::default();
    let error = rotation::copy_rotation_url(state, &desktop, name.into(), None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::RotationWarmingUp));
    assert!(desktop.clipboard.lock().unwrap().is_none());
    let error = rotation::finish_rotation(state, name.into(), None, true, true)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::RotationWarmingUp));

    advance_practice_now(state, 60).await;
    let ready = rotation::rotation_status(state, name.into(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready.phase, setup::rotate::RotationPhase::Ready);
    assert!(ready.url_ready);
    rotation::copy_rotation_url(state, &desktop, name.into(), None)
        .await
        .unwrap();
    let new_url = desktop.clipboard.lock().unwrap().clone().unwrap();
    assert_ne!(new_url, old_url);
    assert!(new_url.contains(&new_flow));
    assert_eq!(
        rotation::reveal_rotation_url(state, name.into(), None)
            .await
            .unwrap(),
        new_url
    );
    // Nothing came through the new URL yet: finishing would cut Chatlio off.
    let error = rotation::finish_rotation(state, name.into(), None, false, true)
        .await
        .unwrap_err();
    assert_eq!(
        error.code,
        ErrorCode::App(AppErrorCode::RotationNewUrlUnused)
    );

    // Chatlio switches: three events through the new URL.
    let (_, client) = state.sandbox_client().await.unwrap();
    let webhook = platform::WebhookUrl::parse(&new_url).unwrap();
    for kind in [
        chatlio::EventKind::NewConversation,
        chatlio::EventKind::ChatTranscript,
        chatlio::EventKind::VisitorFeedback,
    ] {
        client
            .inlet()
            .send_event(&webhook, &chatlio::documented_example(kind))
            .await
            .unwrap();
    }
    advance_practice_now(state, 3600).await;
    close_practice_runs(state).await;
    let seen = rotation::rotation_status(state, name.into(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.new_received, 3, "{seen:?}");
    assert_eq!(seen.phase, setup::rotate::RotationPhase::FirstEventSeen);
    assert_eq!(
        one_group(&dashboard::dashboard(state).await.unwrap()).len(),
        2
    );

    // Disabling the old one is done at once; deleting it needs confirming.
    let error = rotation::finish_rotation(state, name.into(), None, false, false)
        .await
        .unwrap_err();
    assert_eq!(
        error.code,
        ErrorCode::App(AppErrorCode::RotationNeedsConfirmation)
    );
    let disabled = rotation::rotation_status(state, name.into(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(disabled.phase, setup::rotate::RotationPhase::OldDisabled);
    assert_eq!(
        one_group(&dashboard::dashboard(state).await.unwrap()).len(),
        2
    );

    let finished = rotation::finish_rotation(state, name.into(), None, false, true)
        .await
        .unwrap();
    assert_eq!(finished.phase, setup::rotate::RotationPhase::Finished);
    // The old dataflow is gone; the setup names the new one and its URL.
    let view = dashboard::dashboard(state).await.unwrap();
    assert!(view.flows.iter().all(|flow| flow.flow_id != old_flow));
    assert_eq!(one_group(&view), std::slice::from_ref(&new_flow));
    assert!(!view.flows.iter().any(|flow| flow.rotating));
    assert_eq!(flow_of(state, name).await, new_flow);
    assert_eq!(
        app::handover::reveal_webhook_url(state, name.into(), None)
            .await
            .unwrap(),
        new_url
    );
}

#[tokio::test]
async fn a_setup_file_applied_to_another_sandbox_needs_another_name_there() {
    use app::promotion::setup_name_check;
    let practice = practice().await;
    let state = &practice.state;
    let made = setup_commands::run_setup(state, input("Promoted"), None)
        .await
        .unwrap();
    assert!(made.complete);
    // The same sandbox: the same setup (applied again, nothing new).
    let same = setup_name_check(state, "Promoted".into(), "prod".into())
        .await
        .unwrap();
    assert!(!same.taken && same.suggestion.is_none());
    assert_eq!(same.sandbox_here.as_deref(), Some("prod"));
    // A name nobody uses here is free anywhere.
    let free = setup_name_check(state, "Fresh".into(), "dev".into())
        .await
        .unwrap();
    assert!(!free.taken && free.sandbox_here.is_none());
    // Another sandbox: a journal names one setup, so another name.
    let other = setup_name_check(state, "Promoted".into(), "dev".into())
        .await
        .unwrap();
    assert!(other.taken);
    assert_eq!(other.suggestion.as_deref(), Some("Promoted dev"));
    let promoted = setup_commands::run_setup(
        state,
        SetupInput {
            sandbox: "dev".into(),
            ..input("Promoted dev")
        },
        None,
    )
    .await
    .unwrap();
    assert!(promoted.complete);
    assert_eq!(promoted.sandbox, "dev");
    // Applied to dev again: the suggestion is that same setup there.
    let again = setup_name_check(state, "Promoted".into(), "dev".into())
        .await
        .unwrap();
    assert_eq!(again.suggestion.as_deref(), Some("Promoted dev"));
    // And the dev setup's name is taken for prod.
    let back = setup_name_check(state, "Promoted dev".into(), "prod".into())
        .await
        .unwrap();
    assert!(back.taken);
    assert_eq!(back.sandbox_here.as_deref(), Some("dev"));
    assert_eq!(back.suggestion.as_deref(), Some("Promoted dev prod"));
}

#[tokio::test]
async fn one_dataflow_of_a_per_event_setup_rotates_and_stays_in_its_group() {
    use app::rotation;
    let practice = practice().await;
    let state = &practice.state;
    let name = "Per event rotated";
    let per_event = SetupInput {
        webhook_mode: chatlio::WebhookMode::PerEventUrl,
        ..input(name)
    };
    assert!(
        setup_commands::run_setup(state, per_event, None)
            .await
            .unwrap()
            .complete
    );
    let feedback = flow_for(state, name, chatlio::EventKind::VisitorFeedback).await;
    // Several dataflows: which one must be said.
    let error = rotation::start_rotation(state, name.into(), None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::App(AppErrorCode::InvalidInput));
    let view = dashboard::dashboard(state).await.unwrap();
    let instance = view
        .flows
        .iter()
        .find(|flow| flow.flow_id == feedback)
        .unwrap()
        .instance
        .clone();
    assert!(instance.is_some());
    let started = rotation::start_rotation(state, name.into(), instance.clone())
        .await
        .unwrap();
    assert_eq!(started.old_flow_id, feedback);
    assert_eq!(started.fields, [chatlio::EventKind::VisitorFeedback]);
    let view = dashboard::dashboard(state).await.unwrap();
    assert_eq!(view.setups.len(), 1);
    assert_eq!(view.setups[0].flow_ids.len(), 5);
    let new = view.flows.iter().find(|flow| flow.rotating).unwrap();
    assert_eq!(new.instance, instance);
    assert_eq!(new.fields, [chatlio::EventKind::VisitorFeedback]);
    // Another dataflow of the setup has no rotation under way.
    let others = view
        .flows
        .iter()
        .find(|flow| flow.instance.is_some() && flow.instance != instance)
        .unwrap();
    assert!(
        rotation::rotation_status(state, name.into(), others.instance.clone())
            .await
            .unwrap()
            .is_none()
    );

    // The new dataflow deleted in Adobe's UI: said with its own code, and
    // starting again makes another, still counted in the setup's group.
    let deleted = started.new_flow_id.clone().unwrap();
    let (_, client) = state.sandbox_client().await.unwrap();
    client
        .flow_service()
        .delete_flow(&platform::models::FlowId::new(deleted.as_str()))
        .await
        .unwrap();
    let error = rotation::rotation_status(state, name.into(), instance.clone())
        .await
        .unwrap_err();
    assert_eq!(
        error.code,
        ErrorCode::App(AppErrorCode::RotationNewDataflowGone)
    );
    assert!(error.message.contains(&deleted), "{}", error.message);
    let again = rotation::start_rotation(state, name.into(), instance.clone())
        .await
        .unwrap();
    let remade = again.new_flow_id.clone().unwrap();
    assert_ne!(remade, deleted);
    let view = dashboard::dashboard(state).await.unwrap();
    assert_eq!(view.setups[0].flow_ids.len(), 5);
    let new = view.flows.iter().find(|flow| flow.rotating).unwrap();
    assert_eq!(new.flow_id, remade);
    assert_eq!(new.instance, instance);
}
