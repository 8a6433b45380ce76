//! The one error shape that crosses from Rust to the UI.
//!
//! The UI switches on `code` (a stable enum) and shows words from its own
//! catalogs; `message` is English for logs and `hint` a short fix. Never put a
//! secret in either.

use serde::Serialize;
use strum::{EnumIter, IntoEnumIterator, IntoStaticStr};
use ts_rs::TS;

/// Codes of failures the app itself detects (the libraries have their own).
/// Renaming a variant is a breaking change for the UI's catalogs, so add new
/// ones instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS, EnumIter, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AppErrorCode {
    /// Something inside the app went wrong that the user cannot fix.
    Internal,
    /// The request from the UI was malformed or named something unknown.
    InvalidInput,
    /// Form fields were refused; `fields` says which and why.
    FieldsInvalid,
    /// A command needs a connection and there is none.
    NotConnected,
    /// A command needs a sandbox and none was picked.
    NoSandbox,
    /// That setup is already running.
    SetupBusy,
    /// The built-in simulator of practice mode could not start.
    PracticeFailed,
    /// The clipboard could not be written.
    ClipboardFailed,
    /// The system browser could not be opened.
    OpenFailed,
    /// The file manager could not show a folder of the app's (the logs).
    FolderOpenFailed,
    /// The dataflow has no inlet URL (yet).
    NoWebhook,
    /// The dataflow was created minutes ago and does not accept data yet.
    WarmingUp,
    /// A pasted or corrected Chatlio body is not a JSON object.
    BodyNotJson,
    /// Those failed records were re-sent from here before.
    AlreadyReplayed,
    /// Adobe no longer returns that record, or kept no body for it.
    RecordGone,
    /// The start at login could not be read or changed.
    AutostartFailed,
    /// A document could not be saved in the Downloads (or data) folder.
    SaveFailed,
    /// The setup is not finished, so the document would be incomplete.
    SetupIncomplete,
    /// A setup file was refused; `fields` names each value by its JSON path.
    SetupFileInvalid,
    /// No rotation of that dataflow's webhook URL is under way.
    RotationNotStarted,
    /// The rotation's new URL does not accept data yet (Adobe's warm-up).
    RotationWarmingUp,
    /// No event came through the new URL yet: the old one may be in use.
    RotationNewUrlUnused,
    /// Deleting the old dataflow needs confirming.
    RotationNeedsConfirmation,
    /// The rotation's new dataflow was deleted outside this app: starting
    /// the rotation again makes a new one.
    RotationNewDataflowGone,
    /// The release manifest could not be fetched or read.
    UpdateCheckFailed,
    /// A downloaded update's signature did not match the app's public key;
    /// nothing was installed.
    UpdateSignatureInvalid,
    /// A verified update could not be installed; nothing was changed.
    UpdateInstallFailed,
}

/// Every code the UI may receive: the app's own, or the library's that
/// detected the failure. Each library keeps its codes in one enum; this only
/// says which one a code comes from, so a new library code reaches the UI's
/// type (and its catalog test) without being listed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum ErrorCode {
    App(AppErrorCode),
    Platform(platform::ErrorCode),
    Setup(setup::SetupErrorCode),
    Connect(connect::ConnectErrorCode),
}

impl From<AppErrorCode> for ErrorCode {
    fn from(code: AppErrorCode) -> Self {
        Self::App(code)
    }
}

impl ErrorCode {
    /// The code's name, as the UI receives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App(code) => code.into(),
            Self::Platform(code) => code.as_str(),
            Self::Setup(code) => code.into(),
            Self::Connect(code) => code.into(),
        }
    }

    /// Every name the UI may receive, each once: for the generated bindings
    /// and the UI's test that its catalogs word them all.
    pub fn all_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = AppErrorCode::iter()
            .map(|code| ErrorCode::App(code).as_str())
            .chain(platform::ErrorCode::iter().map(|code| ErrorCode::Platform(code).as_str()))
            .chain(setup::SetupErrorCode::iter().map(|code| ErrorCode::Setup(code).as_str()))
            .chain(connect::ConnectErrorCode::iter().map(|code| ErrorCode::Connect(code).as_str()))
            .collect();
        let mut seen = std::collections::HashSet::new();
        names.retain(|name| seen.insert(*name));
        names
    }
}

/// A refused form field: `field` and `problem` are the stable codes of the
/// library that validated it (e.g. `setup::input::Field`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    /// English, for logs and the "technical details" disclosure.
    pub message: String,
    /// English advice; the UI words the fix from `code` in its own catalogs.
    pub hint: Option<String>,
    /// The setup step that failed.
    pub step: Option<setup::StepId>,
    /// The Adobe permission the step needed, named as in Adobe's Permissions
    /// UI (e.g. `Manage Schemas`), when Adobe refused it for lack of one.
    pub permission: Option<String>,
    /// True when resume can finish the job as things stand.
    pub resumable: bool,
    /// Adobe's request id, for a support ticket.
    pub request_id: Option<String>,
    pub fields: Vec<FieldProblem>,
}

impl CommandError {
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            hint: None,
            step: None,
            permission: None,
            resumable: false,
            request_id: None,
            fields: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(AppErrorCode::Internal, message.to_string())
    }

    pub fn from_platform(error: &platform::PlatformError) -> Self {
        let mut out = Self::new(ErrorCode::Platform(error.code()), error.to_string())
            .with_hint(error.hint().to_owned());
        out.resumable = error.is_retryable() || error.is_outcome_unknown();
        out.request_id = error.request_id().map(str::to_owned);
        out
    }

    pub fn from_fields<F: Serialize, P: Serialize>(
        problems: impl IntoIterator<Item = (F, P)>,
    ) -> Self {
        let mut out = Self::new(AppErrorCode::FieldsInvalid, "some fields were refused");
        out.fields = problems
            .into_iter()
            .map(|(field, problem)| FieldProblem {
                field: code_name(&field),
                problem: code_name(&problem),
            })
            .collect();
        out
    }

    pub fn from_setup(error: &setup::SetupError) -> Self {
        use setup::SetupError;
        if let SetupError::Invalid(problems) = error {
            return Self::from_fields(problems.iter().map(|p| (p.field, p.problem)));
        }
        Self::from_view(&setup::ErrorView::from(error))
    }

    /// From the connection layer's error: its stable code, or the Adobe
    /// error underneath.
    pub fn from_connect(error: &connect::ConnectError) -> Self {
        if let connect::ConnectError::Platform(platform) = error {
            return Self::from_platform(platform);
        }
        let mut out =
            Self::new(ErrorCode::Connect(error.code()), error.to_string()).with_hint(error.hint());
        if let connect::ConnectError::InvalidInput(problems) = error {
            out.code = AppErrorCode::FieldsInvalid.into();
            out.fields = problems
                .iter()
                .map(|problem| FieldProblem {
                    field: code_name(&problem.field),
                    problem: code_name(&problem.problem),
                })
                .collect();
        }
        if let Some(platform) = error.platform_error() {
            out.request_id = platform.request_id().map(str::to_owned);
        }
        out
    }

    /// From the setup engine's serializable view (what progress events carry).
    pub fn from_view(view: &setup::ErrorView) -> Self {
        use setup::SetupErrorCode as S;
        let mut out = match &view.platform {
            Some(platform) => Self::from_platform(platform),
            None => Self::new(
                match view.code {
                    S::InvalidRequest => AppErrorCode::FieldsInvalid.into(),
                    // A step's failure and Adobe's are explained by the
                    // platform error above; without one it is ours.
                    S::StepFailed | S::Platform => AppErrorCode::Internal.into(),
                    code => ErrorCode::Setup(code),
                },
                view.message.clone(),
            ),
        };
        out.message = view.message.clone();
        out.hint = Some(view.hint.clone());
        out.resumable = view.resumable;
        out.step = view.step;
        if out.code == ErrorCode::Platform(platform::ErrorCode::Forbidden) {
            out.permission = view
                .step
                .map(|step| setup::error::permission_for(step).to_owned());
        }
        out
    }
}

/// The serialized name of a unit enum variant (its stable code).
pub fn code_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(error) => format!("unknown ({error})"),
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_message_hint() {
        let error = CommandError::new(AppErrorCode::InvalidInput, "bad language tag")
            .with_hint("use en or sv");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["message"], "bad language tag");
        assert_eq!(json["hint"], "use en or sv");
        assert_eq!(json["resumable"], false);
        assert!(json["fields"].as_array().unwrap().is_empty());
    }

    #[test]
    fn a_refused_step_names_the_permission_it_needs() {
        let refused = setup::SetupError::Step {
            step: setup::StepId::Dataset,
            error: platform::PlatformError::new(platform::ErrorCode::Forbidden, "no access"),
        };
        let error = CommandError::from_setup(&refused);
        assert_eq!(
            error.code,
            ErrorCode::Platform(platform::ErrorCode::Forbidden)
        );
        assert_eq!(error.step, Some(setup::StepId::Dataset));
        assert_eq!(error.permission.as_deref(), Some("Manage Datasets"));
        assert!(error
            .hint
            .is_some_and(|hint| hint.contains("Manage Datasets")));
        // Anything else names no permission.
        let other = setup::SetupError::Step {
            step: setup::StepId::Dataset,
            error: platform::PlatformError::new(platform::ErrorCode::ServerError, "down"),
        };
        assert_eq!(CommandError::from_setup(&other).permission, None);
    }
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn every_code_serializes_as_its_name_once() {
        let names = ErrorCode::all_names();
        assert!(names.contains(&"not_connected") && names.contains(&"forbidden"));
        assert!(names.contains(&"name_taken") && names.contains(&"wrong_client_secret"));
        for code in AppErrorCode::iter() {
            let code = ErrorCode::App(code);
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        for code in connect::ConnectErrorCode::iter() {
            let code = ErrorCode::Connect(code);
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn setup_field_errors_keep_their_codes() {
        let error = setup::SetupError::Invalid(vec![setup::input::FieldError {
            field: setup::input::Field::Name,
            problem: setup::input::Problem::TooLong,
        }]);
        let view = CommandError::from_setup(&error);
        assert_eq!(view.code, ErrorCode::App(AppErrorCode::FieldsInvalid));
        assert_eq!(
            view.fields,
            vec![FieldProblem {
                field: "name".into(),
                problem: "too_long".into()
            }]
        );
    }
}
