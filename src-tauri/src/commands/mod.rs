//! Tauri commands, grouped by area. Each one is a thin adapter over a library
//! crate: it converts arguments, calls the library and maps errors.

pub mod app;
pub mod connection;
pub mod dashboard;
pub mod handover;
pub mod setup;
pub mod wizard;

/// Every command the UI may call, with its TypeScript signature. The list is
/// the source for `ui/src/backend/bindings.ts`; keep it next to
/// `generate_handler!` in `lib.rs` so the two never drift.
pub fn signatures() -> Vec<crate::bindings::CommandSignature> {
    use crate::bindings::{argument as arg, raw, CommandSignature as Command};
    let progress = || raw("on_progress", "Channel<StepEvent>");
    vec![
        Command::new::<app::AppInfo>("app_info", &[]),
        Command::new::<connection::ConnectionDefaults>("connection_defaults", &[]),
        Command::new::<connection::ConnectionView>("start_practice", &[]),
        Command::new::<connection::ConnectionView>(
            "connect",
            &[arg::<connection::ConnectInput>("input")],
        ),
        Command::new::<()>("disconnect", &[]),
        Command::new::<Option<connection::ConnectionView>>("restore_connection", &[]),
        Command::new::<Vec<connection::SavedConnectionView>>("saved_connections", &[]),
        Command::new::<Option<connection::ConnectionView>>(
            "switch_connection",
            &[arg::<String>("id")],
        ),
        Command::new::<()>("sign_out", &[arg::<String>("id")]),
        Command::new::<connection::SignInView>(
            "sign_in_with_adobe",
            &[arg::<connection::SignInInput>("input")],
        ),
        Command::new::<()>("cancel_sign_in", &[]),
        Command::new::<connection::ConnectionView>(
            "choose_org",
            &[arg::<String>("connection_id"), arg::<String>("org_id")],
        ),
        Command::new::<connection::ProjectView>("import_project", &[arg::<String>("json")]),
        Command::new::<Option<connection::ConnectionSummary>>("current_connection", &[]),
        Command::new::<()>("choose_sandbox", &[arg::<String>("sandbox")]),
        Command::new::<connection::PreflightView>("preflight", &[raw("input", "SetupInput")]),
        Command::new::<Vec<crate::error::FieldProblem>>(
            "validate_setup",
            &[raw("input", "SetupInput")],
        ),
        Command::new::<Vec<setup::ExistingView>>("existing_schemas", &[]),
        Command::new::<Vec<setup::ExistingView>>(
            "existing_datasets",
            &[arg::<String>("schema_id")],
        ),
        Command::new::<setup::PlanView>("plan_setup", &[raw("input", "SetupInput")]),
        Command::new::<()>("copy_plan_script", &[raw("input", "SetupInput")]),
        Command::new::<setup::SetupView>("run_setup", &[raw("input", "SetupInput"), progress()]),
        Command::new::<setup::SetupView>("resume_setup", &[arg::<String>("name"), progress()]),
        Command::new::<setup::SetupView>(
            "retry_step",
            &[arg::<String>("name"), arg::<String>("step"), progress()],
        ),
        Command::new::<setup::RollbackView>("rollback_setup", &[arg::<String>("name"), progress()]),
        Command::new::<setup::SetupView>("setup_state", &[arg::<String>("name")]),
        Command::new::<String>("reveal_webhook_url", &[arg::<String>("name")]),
        Command::new::<()>("copy_webhook_url", &[arg::<String>("name")]),
        Command::new::<()>("open_link", &[arg::<handover::Link>("link")]),
        Command::new::<handover::ChatlioInstructionsView>("chatlio_instructions", &[]),
        Command::new::<handover::TestEventView>(
            "send_test_event",
            &[arg::<String>("name"), arg::<String>("kind")],
        ),
        Command::new::<Vec<handover::TestEventView>>(
            "test_event_results",
            &[arg::<String>("name")],
        ),
        Command::new::<handover::DataflowTimingView>("dataflow_timing", &[arg::<String>("name")]),
        Command::new::<dashboard::DashboardView>("dashboard", &[]),
        Command::new::<Option<dashboard::DashboardView>>(
            "cached_dashboard",
            &[arg::<bool>("practice")],
        ),
        Command::new::<()>(
            "set_flow_enabled",
            &[arg::<String>("flow_id"), arg::<bool>("enabled")],
        ),
        Command::new::<dashboard::DeletedView>(
            "delete_dataflow",
            &[arg::<String>("flow_id"), progress()],
        ),
        Command::new::<()>("copy_flow_webhook_url", &[arg::<String>("flow_id")]),
        Command::new::<Vec<dashboard::ResourceHealthView>>(
            "setup_health",
            &[arg::<String>("name")],
        ),
        Command::new::<()>(
            "repair_drift",
            &[arg::<String>("name"), arg::<String>("step")],
        ),
        Command::new::<handover::TestEventView>(
            "send_flow_test_event",
            &[arg::<String>("flow_id"), arg::<String>("kind")],
        ),
        Command::new::<handover::ReceivedView>("received_records", &[arg::<String>("name")]),
        Command::new::<Option<wizard::WizardState>>("load_wizard", &[]),
        Command::new::<()>("save_wizard", &[arg::<wizard::WizardState>("wizard")]),
    ]
}
