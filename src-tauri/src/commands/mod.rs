//! Tauri commands, grouped by area. Each one is a thin adapter over a library
//! crate: it converts arguments, calls the library and maps errors.

pub mod app;

/// Every command the UI may call, with its TypeScript signature. The list is
/// the source for `ui/src/backend/bindings.ts`; keep it next to
/// `generate_handler!` in `lib.rs` so the two never drift.
pub fn signatures() -> Vec<crate::bindings::CommandSignature> {
    use crate::bindings::CommandSignature as Command;
    vec![Command::new::<app::AppInfo>("app_info", &[])]
}
