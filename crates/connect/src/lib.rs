//! The connection layer the desktop app and the CLI share: from "I have an Adobe
//! Developer Console project" to "connected to the right org and sandbox", with every
//! secret in the OS keychain (or, by choice, in memory for this session) and never in a
//! file.
//!
//! * Input checks before any network call: [`ServerToServerInput::validate`],
//!   [`Endpoints::custom`], [`parse_console_project`].
//! * [`Connector`]: OAuth Server-to-Server connect, "Sign in with Adobe" (PKCE S256,
//!   loopback or custom-scheme redirect), organizations, sandboxes, clients for the
//!   `platform` crate, cached tokens, sign-out.
//! * [`SecretVault`]: [`KeychainVault`] (the `keyring` crate) and [`SessionVault`];
//!   [`probe_keychain`] says whether a keychain is there.
//! * [`ConnectionStore`]: `connections.json`, several saved connections.
//!
//! Every failure is a [`ConnectError`] with a stable snake_case [`ConnectError::code`];
//! see the README for the table. No Tauri dependency.

mod connector;
mod console;
mod error;
mod input;
mod sign_in;
mod store;
mod vault;

pub use connector::{
    Connected, Connector, OrgSummary, SandboxSummary, SecretStatus, SignOutReport, SignedIn,
};
pub use console::{
    parse_console_project, ConsoleOtherCredential, ConsoleProject, ConsoleProjectSummary,
    ConsoleServerToServer, ConsoleUserCredential, ProjectGap,
};
pub use error::{
    ConnectError, ConnectErrorCode, ErrorView, Field, FieldError, FieldProblem, ProjectFileProblem,
    Result,
};
pub use input::{
    Endpoints, ServerToServerCredential, ServerToServerInput, DEFAULT_SERVER_TO_SERVER_SCOPES,
    DEFAULT_SIGN_IN_SCOPES, ORG_SUFFIX, SIGN_IN_SCOPES_WITH_REFRESH,
};
pub use sign_in::{
    system_browser, CancelHandle, Opener, OpenerError, RedirectStyle, SignInRequest,
    DEFAULT_SIGN_IN_TIMEOUT, LOOPBACK_PATH,
};
pub use store::{AuthMethod, Connection, ConnectionId, ConnectionStore, Storage, CONNECTIONS_FILE};
pub use vault::{
    probe_keychain, KeychainVault, SecretKind, SecretVault, SessionVault, SharedVault,
    StoredSecret, VaultError, VaultKind, KEYCHAIN_SERVICE,
};
