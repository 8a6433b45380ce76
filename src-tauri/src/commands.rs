//! The command list: the one place a command is declared. Each line names
//! the command, its arguments and result, and the `app` use case it calls;
//! the macro turns the list into the Tauri commands, the handler that
//! registers them and the signatures `bindings.ts` is generated from, so the
//! three cannot drift apart.

// `#[tauri::command]` expands each command's check that it returns a
// `Result` into a `let _ = …`. This module holds only the generated list
// (every body is one call into `app`), so the expectation covers no
// hand-written logic.
#![expect(clippy::let_underscore_must_use, reason = "tauri::command's expansion")]

use ::setup::alerts::AlertRules;
use ::setup::records::{PayloadPreview, ReplayReport, StoredRecords};
use ::setup::{SetupInput, StepId};
use app::alerts::{AlertCheckView, AlertSettingsView};
use app::connection::{
    ConnectInput, ConnectionDefaults, ConnectionSummary, ConnectionView, PreflightView,
    ProjectView, SavedConnectionView, SignInInput, SignInView,
};
use app::dashboard::{DashboardView, DeletedView, ResourceHealthView};
use app::documents::SavedDocumentView;
use app::handover::{
    ChatlioInstructionsView, DataflowTimingView, Link, ReceivedView, TestEventView,
    WebhookFieldsView,
};
use app::info::AppInfo;
use app::promotion::SetupNameView;
use app::records::{FailuresView, ReplayRequest};
use app::rotation::RotationView;
use app::setup::{ExistingView, PlanView, RollbackView, SetupView};
use app::updates::UpdateCheckView;
use app::wizard::WizardState;
use app::{
    alerts, connection, dashboard, documents, handover, info, promotion, records, rotation, setup,
    wizard, CommandError, FieldProblem,
};
use chatlio::EventKind;

use crate::desktop::{ProgressChannel, TauriDesktop};
use crate::updates::{TauriUpdater, UpdateProgressChannel};

/// Declares the commands. For each `name(arguments) -> Result = call;` it
/// emits an async `#[tauri::command]` that evaluates `call` with the app's
/// state bound to the first identifier and the desktop services to the
/// second, plus `handler()` and `signatures()` over the whole list.
macro_rules! commands {
    (
        |$state:ident, $desktop:ident|
        $( $name:ident ( $( $argument:ident : $type:ty ),* ) -> $result:ty = $call:expr ; )*
    ) => {
        $(
            #[tauri::command]
            async fn $name(
                handle: tauri::AppHandle,
                $state: tauri::State<'_, app::Shared>,
                $( $argument : $type ),*
            ) -> Result<$result, CommandError> {
                #[allow(unused_variables, reason = "only commands that need the OS use it")]
                let $desktop = TauriDesktop(&handle);
                #[allow(unused_variables, reason = "a few commands need no state")]
                let $state: &app::Shared = &$state;
                let result = $call;
                // A refresh reads every dataflow's runs; what it freed goes
                // back to the system rather than staying with the app.
                crate::memory::release_freed_memory();
                result
            }
        )*

        /// Registers every command with Tauri.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$( $name ),*]
        }

        /// Visits every command's argument and result types (for the
        /// declarations in `bindings.ts`).
        pub fn visit_types(visitor: &mut impl ts_rs::TypeVisitor) {
            $(
                $( visitor.visit::<$type>(); )*
                visitor.visit::<$result>();
            )*
        }

        /// Every command with its TypeScript signature, in list order.
        pub fn signatures() -> Vec<crate::bindings::CommandSignature> {
            vec![$(
                crate::bindings::CommandSignature {
                    name: stringify!($name),
                    arguments: vec![$( (stringify!($argument), crate::bindings::name_of::<$type>()) ),*],
                    returns: crate::bindings::name_of::<$result>(),
                }
            ),*]
        }
    };
}

commands! { |state, desktop|
    app_info() -> AppInfo = info::app_info().await;
    open_log_folder() -> () = info::open_log_folder(state, &desktop).await;

    connection_defaults() -> ConnectionDefaults = connection::connection_defaults().await;
    start_practice() -> ConnectionView = connection::start_practice(state).await;
    connect(input: ConnectInput) -> ConnectionView = connection::connect(state, input).await;
    disconnect() -> () = connection::disconnect(state).await;
    restore_connection() -> Option<ConnectionView> = connection::restore_connection(state).await;
    saved_connections() -> Vec<SavedConnectionView> = connection::saved_connections(state).await;
    switch_connection(id: String) -> Option<ConnectionView> =
        connection::switch_connection(state, id).await;
    sign_out(id: String) -> () = connection::sign_out(state, id).await;
    sign_in_with_adobe(input: SignInInput) -> SignInView =
        connection::sign_in_with_adobe(state, &desktop, input).await;
    cancel_sign_in() -> () = connection::cancel_sign_in(state).await;
    choose_org(connection_id: String, org_id: String) -> ConnectionView =
        connection::choose_org(state, connection_id, org_id).await;
    import_project(json: String) -> ProjectView = connection::import_project(state, json).await;
    current_connection() -> Option<ConnectionSummary> =
        connection::current_connection(state).await;
    choose_sandbox(sandbox: String) -> () = connection::choose_sandbox(state, sandbox).await;
    preflight(input: SetupInput) -> PreflightView = connection::preflight(state, input).await;

    validate_setup(input: SetupInput) -> Vec<FieldProblem> = setup::validate_setup(input).await;
    existing_schemas() -> Vec<ExistingView> = setup::existing_schemas(state).await;
    existing_datasets(schema_id: String) -> Vec<ExistingView> =
        setup::existing_datasets(state, schema_id).await;
    plan_setup(input: SetupInput) -> PlanView = setup::plan_setup(input).await;
    copy_plan_script(input: SetupInput) -> () = setup::copy_plan_script(&desktop, input).await;
    run_setup(input: SetupInput, on_progress: ProgressChannel) -> SetupView =
        setup::run_setup(state, input, on_progress.into_progress()).await;
    resume_setup(name: String, on_progress: ProgressChannel) -> SetupView =
        setup::resume_setup(state, name, on_progress.into_progress()).await;
    retry_step(name: String, step: StepId, on_progress: ProgressChannel) -> SetupView =
        setup::retry_step(state, name, step, on_progress.into_progress()).await;
    rollback_setup(name: String, on_progress: ProgressChannel) -> RollbackView =
        setup::rollback_setup(state, name, on_progress.into_progress()).await;
    setup_state(name: String) -> SetupView = setup::setup_state(state, name).await;

    reveal_webhook_url(name: String, kind: Option<EventKind>) -> String =
        handover::reveal_webhook_url(state, name, kind).await;
    copy_webhook_url(name: String, kind: Option<EventKind>) -> () =
        handover::copy_webhook_url(state, &desktop, name, kind).await;
    webhook_fields(name: String) -> WebhookFieldsView = handover::webhook_fields(state, name).await;
    open_link(link: Link) -> () = handover::open_link(&desktop, link).await;
    chatlio_instructions() -> ChatlioInstructionsView = handover::chatlio_instructions().await;
    send_test_event(name: String, kind: EventKind) -> TestEventView =
        handover::send_test_event(state, name, kind).await;
    test_event_results(name: String) -> Vec<TestEventView> =
        handover::test_event_results(state, name).await;
    dataflow_timing(name: String) -> DataflowTimingView =
        handover::dataflow_timing(state, name).await;
    received_records(name: String) -> ReceivedView = handover::received_records(state, name).await;

    dashboard() -> DashboardView = dashboard::dashboard(state).await;
    cached_dashboard(practice: bool) -> Option<DashboardView> =
        dashboard::cached_dashboard(state, practice).await;
    set_flow_enabled(flow_id: String, enabled: bool) -> () =
        dashboard::set_flow_enabled(state, flow_id, enabled).await;
    set_setup_enabled(name: String, enabled: bool) -> () =
        dashboard::set_setup_enabled(state, name, enabled).await;
    delete_dataflow(flow_id: String, on_progress: ProgressChannel) -> DeletedView =
        dashboard::delete_dataflow(state, flow_id, on_progress.into_progress()).await;
    send_flow_test_event(flow_id: String, kind: EventKind) -> TestEventView =
        dashboard::send_flow_test_event(state, flow_id, kind).await;
    copy_flow_webhook_url(flow_id: String) -> () =
        dashboard::copy_flow_webhook_url(state, &desktop, flow_id).await;
    setup_health(name: String) -> Vec<ResourceHealthView> =
        dashboard::setup_health(state, name).await;
    repair_drift(name: String, step: StepId, instance: Option<String>) -> () =
        dashboard::repair_drift(state, name, step, instance).await;

    setup_name_check(name: String, sandbox: String) -> SetupNameView =
        promotion::setup_name_check(state, name, sandbox).await;

    start_rotation(name: String, instance: Option<String>) -> RotationView =
        rotation::start_rotation(state, name, instance).await;
    rotation_status(name: String, instance: Option<String>) -> Option<RotationView> =
        rotation::rotation_status(state, name, instance).await;
    reveal_rotation_url(name: String, instance: Option<String>) -> String =
        rotation::reveal_rotation_url(state, name, instance).await;
    copy_rotation_url(name: String, instance: Option<String>) -> () =
        rotation::copy_rotation_url(state, &desktop, name, instance).await;
    finish_rotation(name: String, instance: Option<String>, force: bool, delete_old: bool)
        -> RotationView = rotation::finish_rotation(state, name, instance, force, delete_old).await;

    flow_records(flow_id: String) -> StoredRecords = records::flow_records(state, flow_id).await;
    reveal_record(flow_id: String, record_id: String) -> serde_json::Value =
        records::reveal_record(state, flow_id, record_id).await;
    flow_failures(flow_id: String) -> FailuresView = records::flow_failures(state, flow_id).await;
    failed_payload(flow_id: String, record_id: String) -> String =
        records::failed_payload(state, flow_id, record_id).await;
    preview_payload(flow_id: String, payload: String) -> PayloadPreview =
        records::preview_payload(state, flow_id, payload).await;
    sample_payload(kind: EventKind) -> String = records::sample_payload(kind).await;
    replay_records(request: ReplayRequest) -> ReplayReport =
        records::replay_records(state, request).await;

    alert_settings() -> AlertSettingsView = alerts::alert_settings(state).await;
    save_alert_rules(setup: Option<String>, rules: AlertRules) -> AlertSettingsView =
        alerts::save_alert_rules(state, setup, rules).await;
    reset_alert_rules(setup: String) -> AlertSettingsView =
        alerts::reset_alert_rules(state, setup).await;
    pause_alerts(hours: Option<u32>) -> AlertSettingsView = alerts::pause_alerts(state, hours).await;
    last_alert_check() -> Option<AlertCheckView> = alerts::last_alert_check(state).await;
    check_alerts_now() -> () = alerts::check_alerts_now(state).await;
    set_language(language: String) -> () = alerts::set_language(state, language).await;
    start_at_login() -> bool = alerts::start_at_login(&desktop).await;
    set_start_at_login(enabled: bool) -> bool = alerts::set_start_at_login(&desktop, enabled).await;
    open_adobe_dataflow(flow_id: String) -> () =
        alerts::open_adobe_dataflow(state, &desktop, flow_id).await;

    save_handoff_packet(
        name: String, language: String, contact: Option<String>, include_urls: bool
    ) -> SavedDocumentView =
        documents::save_handoff_packet(state, &desktop, name, language, contact, include_urls)
            .await;
    save_setup_record(name: String, language: String) -> SavedDocumentView =
        documents::save_setup_record(state, &desktop, name, language).await;
    export_setup_file(name: String) -> SavedDocumentView =
        documents::export_setup_file(state, &desktop, name).await;
    read_setup_file(text: String) -> SetupInput = documents::read_setup_file(text).await;

    check_for_update() -> UpdateCheckView = app::updates::check_for_update(
        &TauriUpdater(desktop.0), &desktop.0.package_info().version.to_string()).await;
    install_update(on_progress: UpdateProgressChannel) -> () =
        crate::updates::install_and_restart(desktop.0, on_progress).await;

    load_wizard() -> Option<WizardState> = wizard::load_wizard(state).await;
    save_wizard(wizard: WizardState) -> () = wizard::save_wizard(state, wizard).await;
}
