//! The one error shape that crosses from Rust to the UI.
//!
//! The UI switches on `code` (a stable enum) and shows words from its own
//! catalogs; `message` is English for logs and `hint` a short fix. Never put a
//! secret in either.

use serde::Serialize;
use ts_rs::TS;

/// Stable error codes. Renaming a variant is a breaking change for the UI's
/// catalogs, so add new ones instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Something inside the app went wrong that the user cannot fix.
    Internal,
    /// The request from the UI was malformed or named something unknown.
    InvalidInput,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_message_hint() {
        let error = CommandError::new(ErrorCode::InvalidInput, "bad language tag")
            .with_hint("use en or sv");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid_input", "message": "bad language tag", "hint": "use en or sv"})
        );
    }
}

impl ErrorCode {
    /// Every code, for the generated bindings and the UI's catalog test.
    pub const ALL: &'static [ErrorCode] = &[ErrorCode::Internal, ErrorCode::InvalidInput];

    pub fn as_str(self) -> &'static str {
        // A match, not a table, so adding a variant fails to compile until it
        // is named here (and then in ALL, which a test checks).
        match self {
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidInput => "invalid_input",
        }
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn all_codes_serialize_as_their_names() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
