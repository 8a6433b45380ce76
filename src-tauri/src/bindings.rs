//! TypeScript bindings for the commands and the types they exchange.
//!
//! `ui/src/backend/bindings.ts` is generated from here and checked in; the test
//! below fails when it is stale. Regenerate with `make bindings`
//! (`UPDATE_BINDINGS=1 cargo test -p chatlio-setup bindings`).

use ts_rs::{Config, TS};

use crate::commands;
use crate::error::{CommandError, ErrorCode};

/// One command's TypeScript-facing signature.
pub struct CommandSignature {
    name: &'static str,
    arguments: Vec<(&'static str, String)>,
    returns: String,
}

impl CommandSignature {
    pub fn new<Returns: TS>(name: &'static str, arguments: &[(&'static str, String)]) -> Self {
        Self {
            name,
            arguments: arguments.to_vec(),
            returns: Returns::name(&Config::new()),
        }
    }
}

/// The TypeScript name of an argument's type, for `CommandSignature::new`.
pub fn argument<T: TS>(name: &'static str) -> (&'static str, String) {
    (name, T::name(&Config::new()))
}

/// An argument whose TypeScript type is written out: Tauri's `Channel`, and
/// types declared below from library crates that do not derive `TS`.
pub fn raw(name: &'static str, typescript: &str) -> (&'static str, String) {
    (name, typescript.to_owned())
}

/// `setup::SetupInput` as TypeScript. The setup crate stays free of binding
/// machinery; a test checks this mirror has exactly the crate's fields.
#[derive(TS, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "SetupInput")]
#[allow(dead_code)] // Only its TypeScript declaration is used.
struct SetupInputMirror {
    name: String,
    sandbox: String,
    existing_schema_id: String,
    schema_title: String,
    existing_dataset_id: String,
    dataset_name: String,
    profile_enabled: bool,
    error_diagnostics: bool,
    partial_ingestion_threshold: Option<u8>,
}

fn declaration<T: TS>() -> String {
    format!("export {}\n", T::decl(&Config::new()))
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper_next = false;
    for character in snake.chars() {
        if character == '_' {
            upper_next = true;
        } else if upper_next {
            out.extend(character.to_uppercase());
            upper_next = false;
        } else {
            out.push(character);
        }
    }
    out
}

/// The full text of `ui/src/backend/bindings.ts`.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/bindings.rs by `make bindings`. Do not edit by hand.\n\
         import { Channel, invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for declaration in [
        declaration::<ErrorCode>(),
        declaration::<CommandError>(),
        declaration::<crate::error::FieldProblem>(),
        declaration::<commands::app::AppInfo>(),
        declaration::<SetupInputMirror>(),
        declaration::<commands::connection::ConnectionDefaults>(),
        declaration::<commands::connection::ConnectInput>(),
        declaration::<commands::connection::SandboxView>(),
        declaration::<commands::connection::ConnectionView>(),
        declaration::<commands::connection::ConnectionSummary>(),
        declaration::<commands::connection::SavedConnectionView>(),
        declaration::<commands::connection::ProjectView>(),
        declaration::<commands::connection::SignInInput>(),
        declaration::<commands::connection::OrgView>(),
        declaration::<commands::connection::SignInView>(),
        declaration::<commands::connection::CheckView>(),
        declaration::<commands::connection::PreflightView>(),
        declaration::<commands::setup::ExistingView>(),
        declaration::<commands::setup::PlannedResourceView>(),
        declaration::<commands::setup::PlannedCallView>(),
        declaration::<commands::setup::PlanView>(),
        declaration::<commands::setup::StepEvent>(),
        declaration::<commands::setup::StepView>(),
        declaration::<commands::setup::SetupView>(),
        declaration::<commands::setup::RollbackView>(),
        declaration::<commands::handover::Link>(),
        declaration::<commands::handover::StatementView>(),
        declaration::<commands::handover::EventInstructionsView>(),
        declaration::<commands::handover::ChatlioInstructionsView>(),
        declaration::<commands::handover::TestEventView>(),
        declaration::<commands::handover::DataflowTimingView>(),
        declaration::<commands::handover::ReceivedView>(),
        declaration::<commands::dashboard::RunView>(),
        declaration::<commands::dashboard::FlowErrorView>(),
        declaration::<commands::dashboard::Totals>(),
        declaration::<commands::dashboard::FlowView>(),
        declaration::<commands::dashboard::DashboardView>(),
        declaration::<commands::dashboard::DeletedView>(),
        declaration::<commands::dashboard::ResourceHealthView>(),
        declaration::<commands::wizard::ConnectForm>(),
        declaration::<commands::wizard::WizardState>(),
    ] {
        out.push_str(&declaration);
    }
    out.push_str("\n/** Every error code the back end can return; the UI has words for each. */\n");
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|code| format!("\"{}\"", code.as_str()))
        .collect();
    out.push_str(&format!(
        "export const ERROR_CODES: readonly ErrorCode[] = [{}];\n\n",
        codes.join(", ")
    ));
    out.push_str(
        "/** Typed wrappers over `invoke`; a rejected promise carries a CommandError. */\n",
    );
    out.push_str("export const commands = {\n");
    for command in commands::signatures() {
        let parameters: Vec<String> = command
            .arguments
            .iter()
            .map(|(name, ty)| format!("{}: {ty}", camel_case(name)))
            .collect();
        let arguments = if command.arguments.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = command
                .arguments
                .iter()
                .map(|(name, _)| camel_case(name))
                .collect();
            format!(", {{ {} }}", names.join(", "))
        };
        out.push_str(&format!(
            "  {}: ({}): Promise<{}> => invoke<{}>(\"{}\"{}),\n",
            camel_case(command.name),
            parameters.join(", "),
            command.returns,
            command.returns,
            command.name,
            arguments
        ));
    }
    out.push_str("};\n\n");
    out.push_str("/** The wizard's screens, in order (also the `screen-<name>` test ids). */\n");
    let screens: Vec<String> = commands::wizard::SCREENS
        .iter()
        .map(|screen| format!("\"{screen}\""))
        .collect();
    out.push_str(&format!(
        "export const SCREENS = [{}] as const;\n",
        screens.join(", ")
    ));
    out.push_str("export { Channel };\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_fresh() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/bindings.ts");
        let expected = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
            return;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "ui/src/backend/bindings.ts is stale: run `make bindings` and commit the result"
        );
    }

    #[test]
    fn the_setup_input_mirror_has_the_crates_fields() {
        let keys = |value: serde_json::Value| -> Vec<String> {
            value.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(
            keys(serde_json::to_value(setup::SetupInput::default()).unwrap()),
            keys(serde_json::to_value(SetupInputMirror::default()).unwrap())
        );
    }

    #[test]
    fn command_names_become_camel_case() {
        assert_eq!(camel_case("app_info"), "appInfo");
        assert_eq!(camel_case("send_test_event"), "sendTestEvent");
    }
}
