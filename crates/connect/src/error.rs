//! The one error type of this crate, with stable snake_case codes the UI switches on.
//!
//! A [`ConnectError`] never holds a secret: messages are fixed text or come from a
//! [`PlatformError`], whose server messages the `platform` crate scrubs of credentials.

use serde::{Deserialize, Serialize};

use platform::PlatformError;

use crate::vault::SecretKind;

/// Which input a [`FieldError`] is about.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Field {
    /// The credential's client id (also the `x-api-key`).
    ClientId,
    /// The credential's client secret.
    ClientSecret,
    /// The organization id (`...@AdobeOrg`).
    OrgId,
    /// The OAuth scopes.
    Scopes,
    /// A custom IMS base URL.
    ImsUrl,
    /// A custom Platform base URL.
    PlatformUrl,
    /// The connection's display name.
    Label,
    /// A custom-scheme redirect URI for sign-in.
    RedirectUri,
    /// A sandbox name.
    Sandbox,
}

impl Field {
    /// The stable snake_case name (same as the serialized form).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What is wrong with a field. Serialized names are part of the UI contract: never
/// rename one, only add.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FieldProblem {
    /// Nothing was entered.
    Empty,
    /// Longer than any valid value.
    TooLong,
    /// Characters or structure that a valid value cannot have.
    WrongFormat,
    /// Spaces, tabs or line breaks inside the value (usually a bad paste).
    WhitespaceInside,
    /// An org id without the `@AdobeOrg` ending.
    MissingSuffix,
    /// The client id field holds what looks like a client secret.
    LooksLikeSecret,
    /// The client secret is the client id pasted twice.
    SameAsClientId,
    /// Not an absolute URL.
    NotAUrl,
    /// `http://` to a host that is not this computer.
    InsecureScheme,
    /// A scheme other than `https://` (or `http://` for this computer).
    WrongScheme,
    /// A URL with `user:password@`, a query or a fragment where a base URL is expected.
    UnexpectedParts,
}

impl FieldProblem {
    /// The stable snake_case name (same as the serialized form).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One problem with one input field, found before any network call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The field.
    pub field: Field,
    /// The problem.
    pub problem: FieldProblem,
    /// A sentence for the user (English; the UI may word it from `field` + `problem`).
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: Field, problem: FieldProblem, message: impl Into<String>) -> Self {
        Self {
            field,
            problem,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{} ({}): {}",
            self.field.as_str(),
            self.problem.as_str(),
            self.message
        )
    }
}

/// Why a Developer Console project file could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectFileProblem {
    /// The text is not JSON.
    NotJson,
    /// JSON, but without the `project` object of a Developer Console download.
    NotAProjectFile,
    /// Larger than any project file (1 MB).
    TooLarge,
}

/// The stable code of a [`ConnectError`], one per variant. Serialized names (snake_case)
/// are part of the UI contract and what scripts see: never rename one, only add. The
/// list of names is derived ([`strum::IntoEnumIterator::iter`], `Into<&'static str>`),
/// never kept by hand.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConnectErrorCode {
    /// [`ConnectError::InvalidInput`].
    InvalidInput,
    /// [`ConnectError::ProjectFileUnreadable`].
    ProjectFileUnreadable,
    /// [`ConnectError::WrongClientSecret`].
    WrongClientSecret,
    /// [`ConnectError::UnknownClientId`].
    UnknownClientId,
    /// [`ConnectError::ScopeRejected`].
    ScopeRejected,
    /// [`ConnectError::ScopeMissing`].
    ScopeMissing,
    /// [`ConnectError::OrgMismatch`].
    OrgMismatch,
    /// [`ConnectError::NoPlatformAccess`].
    NoPlatformAccess,
    /// [`ConnectError::SessionExpired`].
    SessionExpired,
    /// [`ConnectError::Platform`]: an Adobe failure this crate does not classify further.
    /// Its class is the [`platform::ErrorCode`] of [`ConnectError::platform_error`], which
    /// is also what [`ErrorView::code`] shows (`network`, `rate_limited`, ...), exactly
    /// as `setup`'s `SetupErrorCode::Platform` does.
    Platform,
    /// [`ConnectError::KeychainUnavailable`].
    KeychainUnavailable,
    /// [`ConnectError::KeychainFailed`].
    KeychainFailed,
    /// [`ConnectError::SecretMissing`].
    SecretMissing,
    /// [`ConnectError::ConnectionNotFound`].
    ConnectionNotFound,
    /// [`ConnectError::OrgNotChosen`].
    OrgNotChosen,
    /// [`ConnectError::OrgNotAvailable`].
    OrgNotAvailable,
    /// [`ConnectError::WrongConnectionKind`].
    WrongConnectionKind,
    /// [`ConnectError::StoreFailed`].
    StoreFailed,
    /// [`ConnectError::StoreCorrupt`].
    StoreCorrupt,
    /// [`ConnectError::StateMismatch`].
    StateMismatch,
    /// [`ConnectError::Cancelled`].
    Cancelled,
    /// [`ConnectError::TimedOut`].
    TimedOut,
    /// [`ConnectError::AccessDenied`].
    AccessDenied,
    /// [`ConnectError::AuthorizationFailed`].
    AuthorizationFailed,
    /// [`ConnectError::RedirectInvalid`].
    RedirectInvalid,
    /// [`ConnectError::LoopbackUnavailable`].
    LoopbackUnavailable,
    /// [`ConnectError::BrowserUnavailable`].
    BrowserUnavailable,
    /// [`ConnectError::NoSignInPending`].
    NoSignInPending,
    /// [`ConnectError::StoreBusy`].
    StoreBusy,
}

impl ConnectErrorCode {
    /// The stable snake_case name (same as the serialized form).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the saved credential or sign-in stopped working in a way only
    /// the user can fix (a secret no longer accepted or gone from the
    /// keychain, a sign-in that can no longer be renewed, access removed):
    /// what an alert about the connection means. A keychain that is merely
    /// locked or absent is not that.
    pub fn means_credential_lost(self) -> bool {
        matches!(
            self,
            Self::WrongClientSecret
                | Self::UnknownClientId
                | Self::SessionExpired
                | Self::SecretMissing
                | Self::NoPlatformAccess
        )
    }
}

impl std::fmt::Display for ConnectErrorCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Every failure of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Inputs failed validation; nothing was sent.
    #[error("Some fields need attention.")]
    InvalidInput(Vec<FieldError>),
    /// The Developer Console project file is unusable.
    #[error("This file is not a project file downloaded from Adobe Developer Console.")]
    ProjectFileUnreadable(ProjectFileProblem),
    /// IMS rejected the client secret (`invalid_client`).
    #[error("Adobe rejected the client secret.")]
    WrongClientSecret(PlatformError),
    /// IMS does not know the client id (`invalid_client` about `client_id`).
    #[error("Adobe does not know this client ID.")]
    UnknownClientId(PlatformError),
    /// IMS refused a requested scope (`invalid_scope`), at the token endpoint or on the
    /// sign-in redirect.
    #[error("Adobe refused one of the requested scopes.")]
    ScopeRejected(Option<PlatformError>),
    /// A call needs a scope the token was not granted (e.g. `read_organizations`).
    #[error("The sign-in was not granted the {scope} scope.")]
    ScopeMissing {
        /// The scope that is missing.
        scope: String,
        /// Adobe's answer.
        source: PlatformError,
    },
    /// Platform refused the organization (`403025` / `403027`).
    #[error("Experience Platform does not accept organization {org_id} for this credential.")]
    OrgMismatch {
        /// The organization that was refused.
        org_id: String,
        /// Adobe's answer.
        source: PlatformError,
    },
    /// The credential works but reaches no active sandbox in the organization.
    #[error("This credential has no access to Experience Platform in organization {org_id}.")]
    NoPlatformAccess {
        /// The organization.
        org_id: String,
        /// Adobe's answer, when it refused rather than listing nothing.
        source: Option<PlatformError>,
    },
    /// The user sign-in expired or was revoked (`invalid_grant`, no refresh token).
    #[error("The Adobe sign-in has expired or was revoked.")]
    SessionExpired(Option<PlatformError>),
    /// Any other failure of an Adobe call (network, timeout, throttling, ...).
    #[error("{0}")]
    Platform(PlatformError),
    /// No OS keychain could be reached.
    #[error("No keychain is available to keep the secret: {detail}")]
    KeychainUnavailable {
        /// What the keychain layer reported (never a secret).
        detail: String,
    },
    /// The keychain answered, but the operation failed.
    #[error("The keychain could not store or read the secret: {detail}")]
    KeychainFailed {
        /// What the keychain layer reported (never a secret).
        detail: String,
    },
    /// A secret the connection needs is not in the vault (session-only connection after
    /// a restart, or deleted from the keychain by hand).
    #[error("The {} for this connection is not stored.", .0.description())]
    SecretMissing(SecretKind),
    /// No saved connection has this id.
    #[error("No saved connection has the id {0}.")]
    ConnectionNotFound(String),
    /// A user sign-in connection has no organization chosen yet.
    #[error("Choose an organization for this connection first.")]
    OrgNotChosen,
    /// The chosen organization is not among the signed-in user's organizations.
    #[error("Organization {0} is not one of the signed-in user's organizations.")]
    OrgNotAvailable(String),
    /// The operation needs the other kind of connection.
    #[error("This operation is not available for this kind of connection.")]
    WrongConnectionKind,
    /// `connections.json` could not be read or written.
    #[error("The list of saved connections could not be read or written: {detail}")]
    StoreFailed {
        /// The I/O error.
        detail: String,
    },
    /// Another process (the CLI, another copy of the app) kept changing
    /// `connections.json` for longer than a change waits.
    #[error("The list of saved connections is being changed by another process: {detail}")]
    StoreBusy {
        /// How long this one waited, and for which file.
        detail: String,
    },
    /// `connections.json` is not valid.
    #[error("The list of saved connections is damaged: {detail}")]
    StoreCorrupt {
        /// The decoding error.
        detail: String,
    },
    /// The redirect's `state` is not the one this sign-in sent.
    #[error("The sign-in answer did not belong to this sign-in attempt.")]
    StateMismatch,
    /// The sign-in was cancelled.
    #[error("The sign-in was cancelled.")]
    Cancelled,
    /// The user did not finish signing in in time.
    #[error("The sign-in was not finished within {seconds} seconds.")]
    TimedOut {
        /// The time allowed.
        seconds: u64,
    },
    /// The user declined (`error=access_denied`).
    #[error("The sign-in was declined.")]
    AccessDenied,
    /// IMS ended the sign-in with another `error=` value.
    #[error("Adobe ended the sign-in with {error}.")]
    AuthorizationFailed {
        /// IMS's `error` value.
        error: String,
        /// IMS's `error_description`, when sent.
        description: Option<String>,
    },
    /// A redirect that is not a valid answer (no code, wrong address).
    #[error("The sign-in answer is not valid: {detail}")]
    RedirectInvalid {
        /// What is wrong.
        detail: String,
    },
    /// The loopback listener could not be started.
    #[error("Could not listen on 127.0.0.1:{port} for the sign-in answer: {detail}")]
    LoopbackUnavailable {
        /// The port asked for (0: any).
        port: u16,
        /// The I/O error.
        detail: String,
    },
    /// The browser could not be opened.
    #[error("Could not open the web browser: {detail}")]
    BrowserUnavailable {
        /// The opener's error.
        detail: String,
    },
    /// A deep link arrived while no sign-in waits for one.
    #[error("No sign-in is waiting for an answer.")]
    NoSignInPending,
}

impl ConnectError {
    /// The stable code. [`ConnectErrorCode::Platform`] for an Adobe failure this crate
    /// does not classify further; [`ConnectError::platform_error`] then says which.
    pub fn code(&self) -> ConnectErrorCode {
        use ConnectErrorCode as Code;
        match self {
            Self::InvalidInput(_) => Code::InvalidInput,
            Self::ProjectFileUnreadable(_) => Code::ProjectFileUnreadable,
            Self::WrongClientSecret(_) => Code::WrongClientSecret,
            Self::UnknownClientId(_) => Code::UnknownClientId,
            Self::ScopeRejected(_) => Code::ScopeRejected,
            Self::ScopeMissing { .. } => Code::ScopeMissing,
            Self::OrgMismatch { .. } => Code::OrgMismatch,
            Self::NoPlatformAccess { .. } => Code::NoPlatformAccess,
            Self::SessionExpired(_) => Code::SessionExpired,
            Self::Platform(_) => Code::Platform,
            Self::KeychainUnavailable { .. } => Code::KeychainUnavailable,
            Self::KeychainFailed { .. } => Code::KeychainFailed,
            Self::SecretMissing(_) => Code::SecretMissing,
            Self::ConnectionNotFound(_) => Code::ConnectionNotFound,
            Self::OrgNotChosen => Code::OrgNotChosen,
            Self::OrgNotAvailable(_) => Code::OrgNotAvailable,
            Self::WrongConnectionKind => Code::WrongConnectionKind,
            Self::StoreFailed { .. } => Code::StoreFailed,
            Self::StoreCorrupt { .. } => Code::StoreCorrupt,
            Self::StoreBusy { .. } => Code::StoreBusy,
            Self::StateMismatch => Code::StateMismatch,
            Self::Cancelled => Code::Cancelled,
            Self::TimedOut { .. } => Code::TimedOut,
            Self::AccessDenied => Code::AccessDenied,
            Self::AuthorizationFailed { .. } => Code::AuthorizationFailed,
            Self::RedirectInvalid { .. } => Code::RedirectInvalid,
            Self::LoopbackUnavailable { .. } => Code::LoopbackUnavailable,
            Self::BrowserUnavailable { .. } => Code::BrowserUnavailable,
            Self::NoSignInPending => Code::NoSignInPending,
        }
    }

    /// The code the UI and scripts are shown: [`ConnectError::code`], except for
    /// [`ConnectError::Platform`], where it is Adobe's class of failure
    /// ([`platform::ErrorCode`], e.g. `network`), which says more than `platform`.
    pub fn shown_code(&self) -> &'static str {
        match self {
            Self::Platform(error) => error.code().as_str(),
            other => other.code().as_str(),
        }
    }

    /// Plain-language advice for the user.
    pub fn hint(&self) -> String {
        match self {
            Self::InvalidInput(_) => "Correct the marked fields.".into(),
            Self::ProjectFileUnreadable(_) => "In Adobe Developer Console, open the project and use Download to save its JSON file, then choose that file; or type the values in.".into(),
            Self::WrongClientSecret(_) => "Copy the client secret again from the OAuth Server-to-Server credential page of your Adobe Developer Console project (Retrieve client secret). If it was rotated, use the new one.".into(),
            Self::UnknownClientId(_) => "Copy the client ID again from the credential page of your Adobe Developer Console project; check that the project is in the right organization.".into(),
            Self::ScopeRejected(_) => "Use exactly the scopes the credential page of your Developer Console project lists; remove any other scope (for sign-in, offline_access may not be allowed for this credential).".into(),
            Self::ScopeMissing { scope, .. } => format!("Add the {scope} scope to the sign-in (and to the credential in Developer Console), then sign in again."),
            Self::OrgMismatch { .. } => "Copy the Organization ID from the same credential page as the client ID (it ends with @AdobeOrg). If it is right, the credential lacks an Experience Platform product profile: add one to the credential in Developer Console.".into(),
            Self::NoPlatformAccess { .. } => "Add the Experience Platform API to the Developer Console project with a product profile, and ask an Experience Platform administrator to add the credential to a role with at least one sandbox.".into(),
            Self::SessionExpired(_) => "Sign in to Adobe again.".into(),
            Self::Platform(error) => error.hint().to_owned(),
            Self::KeychainUnavailable { .. } => keychain_hint().into(),
            Self::KeychainFailed { .. } => "Check that the keychain is unlocked and try again; or connect for this session only.".into(),
            Self::SecretMissing(kind) => match kind {
                SecretKind::ClientSecret => "Enter the client secret again (Replace secret).".into(),
                SecretKind::RefreshToken | SecretKind::AccessToken => "Sign in to Adobe again.".into(),
            },
            Self::ConnectionNotFound(_) => "Choose one of the saved connections, or connect again.".into(),
            Self::OrgNotChosen => "Choose the organization to work in.".into(),
            Self::OrgNotAvailable(_) => "Choose one of the organizations listed for the signed-in user.".into(),
            Self::WrongConnectionKind => "Use a connection of the other kind for this.".into(),
            Self::StoreFailed { .. } => "Check that the app's data folder exists and is writable.".into(),
            Self::StoreBusy { .. } => "Let the other change finish (a `chatlio-aep` command in a terminal, or the app), then try again.".into(),
            Self::StoreCorrupt { .. } => "Move connections.json out of the app's data folder and connect again; no secret is stored in it.".into(),
            Self::StateMismatch => "Start the sign-in again from this app, and finish it in the browser window it opens.".into(),
            Self::Cancelled => "Start the sign-in again when you are ready.".into(),
            Self::TimedOut { .. } => "Start the sign-in again and finish it in the browser.".into(),
            Self::AccessDenied => "Start the sign-in again and choose Allow to let this app use your Adobe account.".into(),
            Self::AuthorizationFailed { .. } => "Check the credential's redirect URI settings in Developer Console and try again.".into(),
            Self::RedirectInvalid { .. } => "Start the sign-in again from this app.".into(),
            Self::LoopbackUnavailable { .. } => "Close the program using this port, or choose another port that the credential's redirect URI pattern allows.".into(),
            Self::BrowserUnavailable { .. } => "Install or set a default web browser, or copy the sign-in address into a browser yourself.".into(),
            Self::NoSignInPending => "Start the sign-in from this app first.".into(),
        }
    }

    /// The inner Adobe error, when there is one.
    pub fn platform_error(&self) -> Option<&PlatformError> {
        match self {
            Self::WrongClientSecret(error)
            | Self::UnknownClientId(error)
            | Self::Platform(error)
            | Self::ScopeMissing { source: error, .. }
            | Self::OrgMismatch { source: error, .. } => Some(error),
            Self::ScopeRejected(error)
            | Self::SessionExpired(error)
            | Self::NoPlatformAccess { source: error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// The field errors of [`ConnectError::InvalidInput`].
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::InvalidInput(errors) => errors,
            _ => &[],
        }
    }

    /// The UI shape `{code, message, hint, fields, adobe}`.
    pub fn view(&self) -> ErrorView {
        ErrorView {
            code: self.shown_code(),
            message: self.to_string(),
            hint: self.hint(),
            fields: self.field_errors().to_vec(),
            adobe: self.platform_error().cloned(),
        }
    }
}

impl Serialize for ConnectError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(serializer)
    }
}

/// How a [`ConnectError`] serializes for the UI.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorView {
    /// Stable snake_case code ([`ConnectError::shown_code`]).
    pub code: &'static str,
    /// What happened.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// Field errors (for `invalid_input`), else empty.
    pub fields: Vec<FieldError>,
    /// Adobe's error in the `platform` crate's shape (`code`, `adobeCode`, `requestId`,
    /// ...), when the failure came from Adobe.
    pub adobe: Option<PlatformError>,
}

/// The fix for a missing keychain, per OS.
pub(crate) fn keychain_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "The macOS Keychain could not be used. Unlock the login keychain in Keychain Access and try again, or connect for this session only (the secret is forgotten when the app closes)."
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager could not be used. Sign in to Windows with a user profile that has Credential Manager, or connect for this session only (the secret is forgotten when the app closes)."
    } else {
        "No Secret Service answered on the D-Bus session bus. Install one and unlock it: for example `sudo apt install gnome-keyring` and sign in to a desktop session, or start it in this session with `gnome-keyring-daemon --unlock --components=secrets` (KeePassXC with its Secret Service integration also works). Or connect for this session only (the secret is forgotten when the app closes)."
    }
}

/// Result alias of this crate.
pub type Result<T, E = ConnectError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator as _;

    use super::*;

    /// The derived names (what `as_str` gives) and the serialized ones (what the UI
    /// receives) come from two derives; they must never drift apart.
    fn names_agree<T: Serialize + Copy + Into<&'static str>>(values: impl Iterator<Item = T>) {
        let mut seen = std::collections::HashSet::new();
        for value in values {
            let name: &'static str = value.into();
            assert_eq!(serde_json::to_value(value).unwrap(), name);
            assert!(seen.insert(name), "{name} twice");
        }
        assert!(!seen.is_empty());
    }

    #[test]
    fn every_code_and_field_name_is_the_serialized_one() {
        names_agree(ConnectErrorCode::iter());
        names_agree(Field::iter());
        names_agree(FieldProblem::iter());
    }

    #[test]
    fn codes_keep_the_names_the_ui_knows() {
        assert_eq!(ConnectErrorCode::InvalidInput.as_str(), "invalid_input");
        assert_eq!(
            ConnectErrorCode::NoSignInPending.as_str(),
            "no_sign_in_pending"
        );
        assert_eq!(Field::RedirectUri.as_str(), "redirect_uri");
        assert_eq!(FieldProblem::NotAUrl.as_str(), "not_a_url");
        assert_eq!(FieldProblem::SameAsClientId.as_str(), "same_as_client_id");
    }

    #[test]
    fn an_unclassified_adobe_failure_shows_adobes_class() {
        let error = ConnectError::Platform(PlatformError::new(
            platform::ErrorCode::Network,
            "connection refused",
        ));
        assert_eq!(error.code(), ConnectErrorCode::Platform);
        assert_eq!(error.shown_code(), "network");
        assert_eq!(error.view().code, "network");
        let own = ConnectError::OrgNotChosen;
        assert_eq!(own.shown_code(), own.code().as_str());
    }
}
