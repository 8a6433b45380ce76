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
#[allow(dead_code)] // Used as soon as a command takes arguments.
pub fn argument<T: TS>(name: &'static str) -> (&'static str, String) {
    (name, T::name(&Config::new()))
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
         import { invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for declaration in [
        declaration::<ErrorCode>(),
        declaration::<CommandError>(),
        declaration::<commands::app::AppInfo>(),
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
    out.push_str("};\n");
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
    fn command_names_become_camel_case() {
        assert_eq!(camel_case("app_info"), "appInfo");
        assert_eq!(camel_case("send_test_event"), "sendTestEvent");
    }
}
