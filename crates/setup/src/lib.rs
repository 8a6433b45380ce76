//! The setup engine: what the user chose becomes a validated plan, carried out
//! as a journal of steps that survives crashes.
//!
//! This crate never depends on Tauri; the CLI and the desktop app are two
//! front ends over it.

pub mod alerts;
pub mod drift;
pub mod engine;
pub mod error;
pub mod existing;
pub mod handoff;
pub mod input;
pub mod journal;
pub mod lookup;
pub mod names;
pub mod plan;
pub mod preflight;
pub mod records;
pub mod rotate;
pub mod setup_diff;
pub mod setup_file;
pub mod status;
pub mod step;
pub mod steps;
pub mod test_event;
pub mod timing;

pub use drift::{drift, Drift, DriftKind, Repair};
pub use engine::{
    Engine, FailPoint, KeptReason, ProgressEvent, ProgressKind, ProgressSink, RollbackOutcome,
    SetupOutcome,
};
pub use error::{ErrorView, SetupError, SetupErrorCode};
pub use input::{SetupInput, SetupRequest};
pub use journal::{Journal, JournalStore};
pub use step::StepId;
pub use timing::Timing;
