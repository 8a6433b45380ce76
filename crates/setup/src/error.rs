//! The engine's one error type. Every variant has a stable code the UI and the
//! CLI switch on, and says whether running `resume` later can finish the job.

use platform::{ErrorCode, PlatformError};
use serde::Serialize;

use crate::input::FieldError;
use crate::journal::JournalError;
use crate::step::StepId;
use crate::steps;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the setup request is not valid ({} field problems)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("step {step} failed: {error}", step = .step.as_str())]
    Step {
        step: StepId,
        #[source]
        error: PlatformError,
    },
    #[error("{what} {name:?} already exists and was not made by this setup")]
    NameTaken { what: &'static str, name: String },
    #[error("the existing dataset uses schema {found}, not the chosen schema {expected}")]
    DatasetSchemaMismatch { expected: String, found: String },
    #[error("Adobe answered without {what}")]
    MissingInResponse { what: &'static str },
    #[error("a request body could not be built: {0}")]
    Body(#[from] serde_json::Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("no setup named {0:?} has a journal here")]
    UnknownSetup(String),
    #[error("the journal belongs to org {journal_org} / sandbox {journal_sandbox}, not the configured one")]
    WrongTarget {
        journal_org: String,
        journal_sandbox: String,
    },
    /// The setup exists with the other webhook mode: running it again in
    /// this one would add a second set of dataflows next to the first.
    #[error("the setup was made with {existing:?}; it cannot be run again with {requested:?}")]
    WebhookModeChanged {
        existing: chatlio::WebhookMode,
        requested: chatlio::WebhookMode,
    },
    #[error("step {} cannot run before {}", .step.as_str(), .missing.as_str())]
    DependencyNotDone { step: StepId, missing: StepId },
    /// Raised by a [`crate::engine::FailPoint`]: a simulated crash.
    #[error("interrupted at step {} (fail point)", .step.as_str())]
    Interrupted { step: StepId },
    #[error("the inlet URL did not appear before the deadline")]
    InletUrlMissing,
    #[error("could not reach the platform: {0}")]
    Platform(#[from] PlatformError),
}

/// Stable codes (never rename, only add).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SetupErrorCode {
    InvalidRequest,
    StepFailed,
    NameTaken,
    DatasetSchemaMismatch,
    UnexpectedResponse,
    Journal,
    UnknownSetup,
    WrongTarget,
    DependencyNotDone,
    Interrupted,
    InletUrlMissing,
    Platform,
    WebhookModeChanged,
}

impl SetupErrorCode {
    /// The stable name, as serialized (`name_taken`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads a code by its stable name, or by the Rust variant name older
    /// journals recorded (`NameTaken`).
    pub fn parse(text: &str) -> Option<Self> {
        use strum::IntoEnumIterator as _;
        Self::iter().find(|code| code.as_str() == text || format!("{code:?}") == text)
    }
}

impl SetupError {
    pub fn code(&self) -> SetupErrorCode {
        match self {
            Self::Invalid(_) => SetupErrorCode::InvalidRequest,
            Self::Step { .. } => SetupErrorCode::StepFailed,
            Self::NameTaken { .. } => SetupErrorCode::NameTaken,
            Self::DatasetSchemaMismatch { .. } => SetupErrorCode::DatasetSchemaMismatch,
            Self::MissingInResponse { .. } | Self::Body(_) => SetupErrorCode::UnexpectedResponse,
            Self::Journal(_) => SetupErrorCode::Journal,
            Self::UnknownSetup(_) => SetupErrorCode::UnknownSetup,
            Self::WrongTarget { .. } => SetupErrorCode::WrongTarget,
            Self::DependencyNotDone { .. } => SetupErrorCode::DependencyNotDone,
            Self::Interrupted { .. } => SetupErrorCode::Interrupted,
            Self::InletUrlMissing => SetupErrorCode::InletUrlMissing,
            Self::Platform(_) => SetupErrorCode::Platform,
            Self::WebhookModeChanged { .. } => SetupErrorCode::WebhookModeChanged,
        }
    }

    /// The Adobe error underneath, when there is one.
    pub fn platform_error(&self) -> Option<&PlatformError> {
        match self {
            Self::Step { error, .. } | Self::Platform(error) => Some(error),
            _ => None,
        }
    }

    /// True when `resume` can finish the job without the user changing
    /// anything: the failure was transient, or its outcome is unknown (the
    /// next run looks before creating).
    pub fn is_resumable(&self) -> bool {
        match self {
            Self::Interrupted { .. } | Self::InletUrlMissing => true,
            Self::Step { error, .. } | Self::Platform(error) => {
                error.is_retryable() || error.is_outcome_unknown()
            }
            _ => false,
        }
    }

    /// Plain-language advice, specific where the step tells us more than
    /// Adobe's error class does.
    pub fn hint(&self) -> String {
        match self {
            Self::Step { step, error } => step_hint(*step, error),
            Self::Platform(error) => error.hint().to_owned(),
            Self::NameTaken { what, .. } => format!(
                "Choose another name, or pick the existing {what} in the wizard if it is a Chatlio one."
            ),
            Self::Interrupted { .. } | Self::InletUrlMissing => {
                "Run resume: finished steps are kept and the rest is completed.".to_owned()
            }
            Self::UnknownSetup(_) => "Check the setup name, or start it with setup.".to_owned(),
            Self::WrongTarget { .. } => {
                "Use the org and sandbox the setup was started in.".to_owned()
            }
            Self::WebhookModeChanged { .. } => {
                "Keep the setup's webhook mode, or set up again under a new name (or roll this one back first)."
                    .to_owned()
            }
            _ => "See the message; nothing more was changed.".to_owned(),
        }
    }
}

/// The permission a step needs, named as in Adobe's Permissions UI.
pub fn permission_for(step: StepId) -> &'static str {
    steps::of(step).permission()
}

fn step_hint(step: StepId, error: &PlatformError) -> String {
    match error.code() {
        ErrorCode::Forbidden => format!(
            "Your credential lacks {}: ask an admin to add it to the product profile (role) of this sandbox.",
            permission_for(step)
        ),
        _ if error.is_outcome_unknown() => {
            "Adobe may or may not have created it: run resume, which looks for it before creating it again.".to_owned()
        }
        _ if error.is_retryable() => format!("{} Then run resume.", error.hint()),
        _ => error.hint().to_owned(),
    }
}

/// A serializable view of an error for the UI and `--json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorView {
    pub code: SetupErrorCode,
    pub message: String,
    pub hint: String,
    pub resumable: bool,
    pub step: Option<StepId>,
    pub platform: Option<PlatformError>,
}

impl From<&SetupError> for ErrorView {
    fn from(error: &SetupError) -> Self {
        let step = match error {
            SetupError::Step { step, .. }
            | SetupError::Interrupted { step }
            | SetupError::DependencyNotDone { step, .. } => Some(*step),
            _ => None,
        };
        Self {
            code: error.code(),
            message: error.to_string(),
            hint: error.hint(),
            resumable: error.is_resumable(),
            step,
            platform: error.platform_error().cloned(),
        }
    }
}

pub type Result<T, E = SetupError> = std::result::Result<T, E>;
