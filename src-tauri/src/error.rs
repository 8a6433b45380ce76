//! The one error shape that crosses from Rust to the UI.
//!
//! The UI switches on `code` (a stable enum) and shows words from its own
//! catalogs; `message` is English for logs and `hint` a short fix. Never put a
//! secret in either.

use serde::Serialize;
use ts_rs::TS;

/// Stable error codes. Renaming a variant is a breaking change for the UI's
/// catalogs, so add new ones instead. The Adobe ones mirror
/// `platform::ErrorCode`, the setup ones `setup::SetupErrorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
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
    /// The dataflow has no inlet URL (yet).
    NoWebhook,
    /// The dataflow was created minutes ago and does not accept data yet.
    WarmingUp,
    // Adobe's answers (see platform::ErrorCode).
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    RateLimited,
    InvalidRequest,
    ServerError,
    Network,
    Timeout,
    UnexpectedResponse,
    InvalidConfiguration,
    // The setup engine's (see setup::SetupErrorCode).
    NameTaken,
    DatasetSchemaMismatch,
    Journal,
    UnknownSetup,
    WrongTarget,
    DependencyNotDone,
    Interrupted,
    InletUrlMissing,
    // Connecting (see connect::ConnectError).
    WrongClientSecret,
    UnknownClientId,
    ScopeRejected,
    ScopeMissing,
    OrgMismatch,
    NoPlatformAccess,
    SessionExpired,
    KeychainUnavailable,
    KeychainFailed,
    SecretMissing,
    ConnectionNotFound,
    OrgNotChosen,
    OrgNotAvailable,
    WrongConnectionKind,
    StoreFailed,
    StoreCorrupt,
    ProjectFileUnreadable,
    StateMismatch,
    Cancelled,
    TimedOut,
    AccessDenied,
    AuthorizationFailed,
    RedirectInvalid,
    LoopbackUnavailable,
    BrowserUnavailable,
    NoSignInPending,
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
    /// The setup step that failed, e.g. `schema`.
    pub step: Option<String>,
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
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
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
        Self::new(ErrorCode::Internal, message.to_string())
    }

    pub fn from_platform(error: &platform::PlatformError) -> Self {
        let mut out = Self::new(platform_code(error.code()), error.to_string())
            .with_hint(error.hint().to_owned());
        out.resumable = error.is_retryable() || error.is_outcome_unknown();
        out.request_id = error.request_id().map(str::to_owned);
        out
    }

    pub fn from_fields<F: Serialize, P: Serialize>(
        problems: impl IntoIterator<Item = (F, P)>,
    ) -> Self {
        let mut out = Self::new(ErrorCode::FieldsInvalid, "some fields were refused");
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
        if let Some(platform) = error.platform_error() {
            if !matches!(error.code(), c if ErrorCode::parse(c).is_some_and(|code| !code.is_platform()))
            {
                return Self::from_platform(platform);
            }
        }
        let code = ErrorCode::parse(error.code()).unwrap_or(ErrorCode::Internal);
        let mut out = Self::new(code, error.to_string()).with_hint(error.hint());
        if code == ErrorCode::InvalidInput {
            out.code = ErrorCode::FieldsInvalid;
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
                    S::NameTaken => ErrorCode::NameTaken,
                    S::DatasetSchemaMismatch => ErrorCode::DatasetSchemaMismatch,
                    S::Journal => ErrorCode::Journal,
                    S::UnknownSetup => ErrorCode::UnknownSetup,
                    S::WrongTarget => ErrorCode::WrongTarget,
                    S::DependencyNotDone => ErrorCode::DependencyNotDone,
                    S::Interrupted => ErrorCode::Interrupted,
                    S::InletUrlMissing => ErrorCode::InletUrlMissing,
                    S::UnexpectedResponse => ErrorCode::UnexpectedResponse,
                    S::InvalidRequest => ErrorCode::FieldsInvalid,
                    S::StepFailed | S::Platform => ErrorCode::Internal,
                },
                view.message.clone(),
            ),
        };
        out.message = view.message.clone();
        out.hint = Some(view.hint.clone());
        out.resumable = view.resumable;
        out.step = view.step.map(|step| step.as_str().to_owned());
        if out.code == ErrorCode::Forbidden {
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

fn platform_code(code: platform::ErrorCode) -> ErrorCode {
    use platform::ErrorCode as P;
    match code {
        P::Unauthenticated => ErrorCode::Unauthenticated,
        P::Forbidden => ErrorCode::Forbidden,
        P::NotFound => ErrorCode::NotFound,
        P::Conflict => ErrorCode::Conflict,
        P::PreconditionFailed => ErrorCode::PreconditionFailed,
        P::RateLimited => ErrorCode::RateLimited,
        P::InvalidRequest => ErrorCode::InvalidRequest,
        P::ServerError => ErrorCode::ServerError,
        P::Network => ErrorCode::Network,
        P::Timeout => ErrorCode::Timeout,
        P::UnexpectedResponse => ErrorCode::UnexpectedResponse,
        P::InvalidConfiguration => ErrorCode::InvalidConfiguration,
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
        assert_eq!(error.code, ErrorCode::Forbidden);
        assert_eq!(error.step.as_deref(), Some("dataset"));
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

impl ErrorCode {
    /// Every code, for the generated bindings and the UI's catalog test.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Internal,
        ErrorCode::InvalidInput,
        ErrorCode::FieldsInvalid,
        ErrorCode::NotConnected,
        ErrorCode::NoSandbox,
        ErrorCode::SetupBusy,
        ErrorCode::PracticeFailed,
        ErrorCode::ClipboardFailed,
        ErrorCode::OpenFailed,
        ErrorCode::NoWebhook,
        ErrorCode::WarmingUp,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::PreconditionFailed,
        ErrorCode::RateLimited,
        ErrorCode::InvalidRequest,
        ErrorCode::ServerError,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::UnexpectedResponse,
        ErrorCode::InvalidConfiguration,
        ErrorCode::NameTaken,
        ErrorCode::DatasetSchemaMismatch,
        ErrorCode::Journal,
        ErrorCode::UnknownSetup,
        ErrorCode::WrongTarget,
        ErrorCode::DependencyNotDone,
        ErrorCode::Interrupted,
        ErrorCode::InletUrlMissing,
        ErrorCode::WrongClientSecret,
        ErrorCode::UnknownClientId,
        ErrorCode::ScopeRejected,
        ErrorCode::ScopeMissing,
        ErrorCode::OrgMismatch,
        ErrorCode::NoPlatformAccess,
        ErrorCode::SessionExpired,
        ErrorCode::KeychainUnavailable,
        ErrorCode::KeychainFailed,
        ErrorCode::SecretMissing,
        ErrorCode::ConnectionNotFound,
        ErrorCode::OrgNotChosen,
        ErrorCode::OrgNotAvailable,
        ErrorCode::WrongConnectionKind,
        ErrorCode::StoreFailed,
        ErrorCode::StoreCorrupt,
        ErrorCode::ProjectFileUnreadable,
        ErrorCode::StateMismatch,
        ErrorCode::Cancelled,
        ErrorCode::TimedOut,
        ErrorCode::AccessDenied,
        ErrorCode::AuthorizationFailed,
        ErrorCode::RedirectInvalid,
        ErrorCode::LoopbackUnavailable,
        ErrorCode::BrowserUnavailable,
        ErrorCode::NoSignInPending,
    ];

    /// The code named `text`, if there is one.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|code| code.as_str() == text)
    }

    /// Whether this is one of Adobe's error classes (platform::ErrorCode).
    pub fn is_platform(self) -> bool {
        matches!(
            self,
            ErrorCode::Unauthenticated
                | ErrorCode::Forbidden
                | ErrorCode::NotFound
                | ErrorCode::Conflict
                | ErrorCode::PreconditionFailed
                | ErrorCode::RateLimited
                | ErrorCode::InvalidRequest
                | ErrorCode::ServerError
                | ErrorCode::Network
                | ErrorCode::Timeout
                | ErrorCode::UnexpectedResponse
                | ErrorCode::InvalidConfiguration
        )
    }

    pub fn as_str(self) -> &'static str {
        // A match, not a table, so adding a variant fails to compile until it
        // is named here (and then in ALL, which a test checks).
        match self {
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::FieldsInvalid => "fields_invalid",
            ErrorCode::NotConnected => "not_connected",
            ErrorCode::NoSandbox => "no_sandbox",
            ErrorCode::SetupBusy => "setup_busy",
            ErrorCode::PracticeFailed => "practice_failed",
            ErrorCode::ClipboardFailed => "clipboard_failed",
            ErrorCode::OpenFailed => "open_failed",
            ErrorCode::NoWebhook => "no_webhook",
            ErrorCode::WarmingUp => "warming_up",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::ServerError => "server_error",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::UnexpectedResponse => "unexpected_response",
            ErrorCode::InvalidConfiguration => "invalid_configuration",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::DatasetSchemaMismatch => "dataset_schema_mismatch",
            ErrorCode::Journal => "journal",
            ErrorCode::UnknownSetup => "unknown_setup",
            ErrorCode::WrongTarget => "wrong_target",
            ErrorCode::DependencyNotDone => "dependency_not_done",
            ErrorCode::Interrupted => "interrupted",
            ErrorCode::InletUrlMissing => "inlet_url_missing",
            ErrorCode::WrongClientSecret => "wrong_client_secret",
            ErrorCode::UnknownClientId => "unknown_client_id",
            ErrorCode::ScopeRejected => "scope_rejected",
            ErrorCode::ScopeMissing => "scope_missing",
            ErrorCode::OrgMismatch => "org_mismatch",
            ErrorCode::NoPlatformAccess => "no_platform_access",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::KeychainFailed => "keychain_failed",
            ErrorCode::SecretMissing => "secret_missing",
            ErrorCode::ConnectionNotFound => "connection_not_found",
            ErrorCode::OrgNotChosen => "org_not_chosen",
            ErrorCode::OrgNotAvailable => "org_not_available",
            ErrorCode::WrongConnectionKind => "wrong_connection_kind",
            ErrorCode::StoreFailed => "store_failed",
            ErrorCode::StoreCorrupt => "store_corrupt",
            ErrorCode::ProjectFileUnreadable => "project_file_unreadable",
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::TimedOut => "timed_out",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::AuthorizationFailed => "authorization_failed",
            ErrorCode::RedirectInvalid => "redirect_invalid",
            ErrorCode::LoopbackUnavailable => "loopback_unavailable",
            ErrorCode::BrowserUnavailable => "browser_unavailable",
            ErrorCode::NoSignInPending => "no_sign_in_pending",
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
        let unique: std::collections::HashSet<_> = ErrorCode::ALL.iter().collect();
        assert_eq!(unique.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn setup_field_errors_keep_their_codes() {
        let error = setup::SetupError::Invalid(vec![setup::input::FieldError {
            field: setup::input::Field::Name,
            problem: setup::input::Problem::TooLong,
        }]);
        let view = CommandError::from_setup(&error);
        assert_eq!(view.code, ErrorCode::FieldsInvalid);
        assert_eq!(
            view.fields,
            vec![FieldProblem {
                field: "name".into(),
                problem: "too_long".into()
            }]
        );
    }
}
