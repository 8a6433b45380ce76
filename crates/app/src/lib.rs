//! The desktop app's use cases, as plain async functions over the library
//! crates, with the view types the UI receives.
//!
//! Each public `async fn` here is one command of the desktop app: it takes
//! the app's state ([`Shared`]), typed arguments and, where the operating
//! system is involved, a [`Desktop`]; it returns a view or a
//! [`CommandError`]. `src-tauri` wraps each in a Tauri command and nothing
//! more, so everything the app decides is tested here without a window
//! (`tests/`).

// Command errors are serialized to the UI once per call; their size on the
// stack does not matter, and boxing them would only obscure the signatures.
#![allow(clippy::result_large_err)]

pub mod alerts;
pub mod connection;
pub mod dashboard;
pub mod desktop;
pub mod documents;
pub mod error;
pub mod handover;
pub mod info;
pub mod promotion;
pub mod records;
pub mod rotation;
pub mod setup;
pub mod state;
pub mod updates;
pub mod wizard;

pub use desktop::Desktop;
pub use error::{AppErrorCode, CommandError, CommandResult, ErrorCode, FieldProblem};
pub use state::{AppState, Session, Shared};
