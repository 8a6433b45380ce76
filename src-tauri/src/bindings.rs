//! TypeScript bindings for the commands and every type they exchange.
//!
//! `ui/src/backend/bindings.ts` is generated from the command list
//! (`commands.rs`) and the Rust types, and checked in; the test below fails
//! when it is stale. Regenerate with `make bindings`
//! (`UPDATE_BINDINGS=1 cargo test -p chatlio-setup bindings`). Every type
//! reachable from a command's arguments or result is declared, found by
//! walking the types' dependencies, so there is no list of types to keep.

use std::any::TypeId;
use std::collections::HashSet;

use strum::IntoEnumIterator;
use ts_rs::{Config, TypeVisitor, TS};

/// One command's TypeScript-facing signature.
pub struct CommandSignature {
    pub name: &'static str,
    pub arguments: Vec<(&'static str, String)>,
    pub returns: String,
}

/// The TypeScript name of `T` (`null` for `()`).
pub fn name_of<T: TS>() -> String {
    T::name(&Config::new())
}

/// Collects the declaration of every named type reachable from the roots,
/// each once.
#[derive(Default)]
struct Declarations {
    seen: HashSet<TypeId>,
    /// Type name and declaration.
    text: Vec<(String, String)>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        // Derived types have a file of their own; primitives and wrappers
        // (Option, Vec, tuples) have none and are written inline.
        if T::output_path().is_some() {
            let config = Config::new();
            self.text
                .push((T::ident(&config), format!("export {}\n", T::decl(&config))));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// Visits the argument and result types of every command.
fn declarations() -> Vec<String> {
    let mut declarations = Declarations::default();
    crate::commands::visit_types(&mut declarations);
    // Not reachable through a field: a progress channel's element, and the
    // codes every rejected promise carries.
    declarations.visit::<app::setup::StepEvent>();
    declarations.visit::<app::updates::UpdateProgress>();
    declarations.visit::<app::CommandError>();
    // The payloads of the events the back end sends (see `events` below).
    declarations.visit::<app::alerts::AlertCheckView>();
    // What the shell hands the page before its script runs (BOOT_GLOBAL).
    declarations.visit::<app::info::Boot>();
    // By name: the order types are reached in depends on how ts-rs's derive
    // lists a type's dependencies, which is not stable between builds.
    let mut text = declarations.text;
    text.sort();
    // One name, one declaration: ts-rs reaches `serde_json::Value` (JsonValue)
    // through more than one Rust type.
    text.dedup_by(|later, earlier| later.0 == earlier.0);
    text.into_iter()
        .map(|(_, declaration)| declaration)
        .collect()
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

fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The full text of `ui/src/backend/bindings.ts`.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/commands.rs by `make bindings`. Do not edit by hand.\n\
         import { Channel, invoke } from \"@tauri-apps/api/core\";\n\
         import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n\n",
    );
    for declaration in declarations() {
        out.push_str(&declaration);
    }
    out.push_str("\n/** Every error code the back end can return; the UI has words for each. */\n");
    out.push_str(&format!(
        "export const ERROR_CODES: readonly ErrorCode[] = [{}];\n\n",
        quoted_list(app::ErrorCode::all_names())
    ));
    out.push_str(
        "/** Typed wrappers over `invoke`; a rejected promise carries a CommandError. */\n",
    );
    out.push_str("export const commands = {\n");
    for command in crate::commands::signatures() {
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
    out.push_str("/** The events the back end sends, with typed payloads. */\n");
    out.push_str("export const events = {\n");
    for (name, event, payload) in [
        (
            "alertsChecked",
            crate::watch::ALERTS_CHECKED,
            name_of::<app::alerts::AlertCheckView>(),
        ),
        ("openFlow", crate::watch::OPEN_FLOW, name_of::<String>()),
    ] {
        out.push_str(&format!(
            "  {name}: (handler: (payload: {payload}) => void): Promise<UnlistenFn> =>\n    listen<{payload}>(\"{event}\", (event) => handler(event.payload)),\n"
        ));
    }
    out.push_str("};\n\n");
    out.push_str("/** The wizard's screens, in order (also the `screen-<name>` test ids). */\n");
    out.push_str(&format!(
        "export const SCREENS: readonly Screen[] = [{}];\n",
        quoted_list(app::wizard::Screen::iter().map(<&str>::from))
    ));
    out.push_str(
        "/** A setup's steps, in the order a run takes them (also `step-<name>` test ids). */\n",
    );
    out.push_str(&format!(
        "export const STEPS: readonly StepId[] = [{}];\n",
        quoted_list(setup::StepId::ALL.iter().map(|step| step.as_str()))
    ));
    out.push_str("/** Chatlio's five webhook events, in the order the UI lists them. */\n");
    out.push_str(&format!(
        "export const EVENT_KINDS: readonly EventKind[] = [{}];\n",
        quoted_list(chatlio::EventKind::ALL.iter().map(|kind| kind.code()))
    ));
    out.push_str("/** The setup a new user starts from (setup::SetupInput::recommended). */\n");
    out.push_str(&format!(
        "export const RECOMMENDED_SETUP: SetupInput = {};\n",
        serde_json::to_string(&setup::SetupInput::recommended())
            .unwrap_or_else(|error| format!("undefined; // not serializable: {error}"))
    ));
    out.push_str(
        "/** The failed-record share (%) proposed when partial ingestion is turned on. */\n",
    );
    out.push_str(&format!(
        "export const RECOMMENDED_PARTIAL_INGESTION_THRESHOLD = {};\n",
        setup::input::RECOMMENDED_PARTIAL_INGESTION_THRESHOLD
    ));
    out.push_str("/** The global the shell sets to a Boot before the page's script runs. */\n");
    out.push_str(&format!(
        "export const BOOT_GLOBAL = \"{}\";\n",
        app::info::BOOT_GLOBAL
    ));
    out.push_str(
        "/** Stands for the app's version in the first screen the build draws; the shell fills it in. */\n",
    );
    out.push_str(&format!(
        "export const VERSION_PLACEHOLDER = \"{}\";\n",
        app::info::VERSION_PLACEHOLDER
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
    fn every_type_a_command_names_is_declared() {
        let text = typescript();
        for command in crate::commands::signatures() {
            let names = command
                .arguments
                .iter()
                .map(|(_, ty)| ty.clone())
                .chain([command.returns.clone()]);
            for name in names {
                for identifier in name
                    .split(|character: char| !character.is_alphanumeric())
                    .filter(|word| word.chars().next().is_some_and(char::is_uppercase))
                    .filter(|word| !["Array", "Channel"].contains(word))
                {
                    assert!(
                        text.contains(&format!("export type {identifier} ")),
                        "{} names {identifier}, which is not declared",
                        command.name
                    );
                }
            }
        }
    }

    #[test]
    fn command_names_become_camel_case() {
        assert_eq!(camel_case("app_info"), "appInfo");
        assert_eq!(camel_case("send_test_event"), "sendTestEvent");
    }
}
