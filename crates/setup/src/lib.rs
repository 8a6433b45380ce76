//! The setup engine: what the user chose becomes a validated plan, carried out
//! as a journal of steps that survives crashes.
//!
//! This crate never depends on Tauri; the CLI and the desktop app are two
//! front ends over it.

pub mod input;
pub mod journal;
pub mod step;
