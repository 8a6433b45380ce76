//! Chatlio Setup desktop shell: window, plugins and the command list.
//!
//! Domain logic lives in the library crates under `crates/`; this crate only
//! adapts their calls to Tauri commands.

pub mod bindings;
mod commands;
pub mod error;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    tauri::Builder::default()
        // Single instance: a second launch focuses the window that is open
        // rather than starting a second setup against the same journal.
        .plugin(tauri_plugin_single_instance::init(
            |app, _arguments, _cwd| {
                if let Some(window) = app.get_webview_window("main") {
                    if let Err(error) = window.set_focus() {
                        tracing::warn!(%error, "could not focus the running window");
                    }
                }
            },
        ))
        .invoke_handler(tauri::generate_handler![commands::app::app_info])
        .run(tauri::generate_context!())
}
