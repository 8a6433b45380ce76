//! Chatlio Setup desktop shell: window, plugins, OS integration and the
//! command list.
//!
//! Everything the app decides lives in `crates/app` (use cases) and the
//! library crates below it; this crate only wires them to Tauri.

// Command errors are serialized to the UI once per call; their size on the
// stack does not matter, and boxing them would only obscure the signatures.
#![allow(clippy::result_large_err)]

pub mod bindings;
mod commands;
mod desktop;
mod first_screen;
pub mod logfile;
mod memory;
mod updates;
pub mod watch;
pub mod webview;

use std::sync::Arc;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_window_state::StateFlags;

/// The argument the start at login passes: open in the tray only.
const BACKGROUND_ARGUMENT: &str = "--background";

/// The label of the app's one window.
pub const MAIN_WINDOW: &str = "main";

/// Builds and runs the app until "Quit" (closing the window leaves it
/// watching in the tray).
pub fn run() -> Result<(), tauri::Error> {
    let mut context = tauri::generate_context!();
    let first_screen = first_screen::Offer::default();
    first_screen::install(&mut context, first_screen.clone());
    tauri::Builder::default()
        // Single instance: a second launch focuses the window that is open
        // rather than starting a second setup against the same journal.
        .plugin(tauri_plugin_single_instance::init(
            |app, arguments, _cwd| {
                // The browser hands an Adobe sign-in's custom-scheme redirect
                // to a second launch of the app; it belongs to this one.
                deliver_redirects(app, &arguments);
                // Also brings back a window closed to the tray: launching
                // the app again is how a desktop without a tray reopens it.
                watch::show_window(app);
            },
        ))
        .plugin(navigation_guard())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![BACKGROUND_ARGUMENT]),
        ))
        // Remembers the window's size and position between launches, not
        // whether it was shown: a window closed to the tray opens again.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() & !StateFlags::VISIBLE)
                .build(),
        )
        // Closing the window keeps the app watching in the tray; "Quit" in
        // the tray's menu ends it.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                if let Err(error) = window.hide() {
                    tracing::warn!(%error, "window not hidden");
                }
            }
        })
        .setup(move |app| {
            let layout = storage::DataLayout::from_environment_or(app.path().app_data_dir()?);
            let arguments: Vec<String> = std::env::args().collect();
            // First, so the page loads while the rest is set up.
            let background = arguments
                .iter()
                .any(|argument| argument == BACKGROUND_ARGUMENT);
            let window = main_window(app, &layout, !background, &first_screen)?;
            webview::tune(&window)?;
            std::fs::create_dir_all(layout.root())?;
            // Without a log file the app still runs: stderr has the lines.
            match logfile::open(&layout.logs()) {
                Ok(path) => tracing::info!(log = %path.display(), "data directory ready"),
                Err(error) => tracing::warn!(%error, "data directory ready; no log file"),
            }
            app.manage::<app::Shared>(Arc::new(app::AppState::new(layout)));
            app.manage(updates::PendingUpdate::default());
            // Where the OS delivers opened URLs as events (macOS), and the
            // URL the app was started with elsewhere.
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                let urls: Vec<String> = event.urls().iter().map(ToString::to_string).collect();
                deliver_redirects(&handle, &urls);
            });
            deliver_redirects(app.handle(), &arguments);
            watch::start(app.handle())?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(context)?
        .run(|app, event| {
            // macOS: a click on the Dock icon, or opening the app again from
            // Finder, brings back a window closed to the menu bar.
            #[cfg(target_os = "macos")]
            if let tauri::RunEvent::Reopen { .. } = event {
                watch::show_window(app);
            }
            #[cfg(not(target_os = "macos"))]
            let _unused = (app, event);
        });
    Ok(())
}

/// Makes the window `tauri.conf.json` describes (`create: false` there, so
/// it is made here), with the first screen's data handed to its page before
/// the page's script runs (`app::info::boot`): the first screen draws
/// without waiting for a command. A first start's document is also served
/// with the welcome screen in it (`first_screen`). When that data cannot be
/// read the page asks for it through the commands, which report why.
fn main_window(
    app: &tauri::App,
    layout: &storage::DataLayout,
    visible: bool,
    first_screen: &first_screen::Offer,
) -> Result<tauri::WebviewWindow, Box<dyn std::error::Error>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == MAIN_WINDOW)
        .ok_or("tauri.conf.json describes no main window")?;
    // Opened in the tray only (`--background`): never shown, not even briefly.
    let mut builder = tauri::WebviewWindowBuilder::from_config(app.handle(), config)?
        .visible(visible && config.visible);
    let boot = app::info::boot(layout).and_then(|boot| {
        Ok((
            app::info::boot_script(&boot)?,
            app::info::first_screen_offer(&boot),
        ))
    });
    match boot {
        Ok((script, offer)) => {
            builder = builder.initialization_script(script);
            first_screen.set(offer);
        }
        Err(error) => {
            tracing::warn!(code = ?error.code, message = %error.message, "the page will ask for its first screen's data")
        }
    }
    Ok(builder.build()?)
}

/// Passes custom-scheme URLs (an Adobe Native App sign-in's redirect) to the
/// sign-in that waits for one. Other arguments are ignored.
fn deliver_redirects(app: &tauri::AppHandle, arguments: &[String]) {
    let Some(state) = app.try_state::<app::Shared>() else {
        return;
    };
    for argument in arguments {
        let Ok(url) = platform::Url::parse(argument) else {
            continue;
        };
        if matches!(url.scheme(), "http" | "https" | "file" | "tauri") {
            continue;
        }
        if let Err(error) = state.connector.complete_redirect(&url) {
            tracing::warn!(code = ?error.code(), "sign-in redirect not accepted");
        }
    }
}

/// Only the app's own pages may load in the window. A link to Adobe or
/// Chatlio must open in the system browser, never inside the app, where it
/// would run with access to the app's commands.
fn navigation_guard<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_url(url, tauri::is_dev());
            if !allowed {
                tracing::warn!(
                    scheme = url.scheme(),
                    "blocked navigation away from the app"
                );
            }
            allowed
        })
        .build()
}

fn is_app_url(url: &tauri::Url, development: bool) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", _) => true,
        // Windows and Android serve the bundled UI from this host.
        ("http" | "https", Some("tauri.localhost")) => true,
        // `tauri dev` serves the UI from Vite (see tauri.conf.json's devUrl).
        ("http", Some("localhost")) => development && url.port() == Some(1420),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_app_url;

    fn url(text: &str) -> tauri::Url {
        text.parse().unwrap()
    }

    #[test]
    fn the_shared_data_folder_is_named_after_this_apps_identifier() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(config["identifier"], storage::APP_IDENTIFIER);
    }

    #[test]
    fn the_main_window_is_described_in_the_config_and_made_in_code() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let windows = config["app"]["windows"].as_array().unwrap();
        let main = windows
            .iter()
            .find(|window| window["label"] == super::MAIN_WINDOW)
            .unwrap();
        // Made by Tauri too, the window would exist before `main_window`
        // could hand its page the first screen's data.
        assert_eq!(main["create"], false);
    }

    #[test]
    fn only_the_apps_own_pages_may_load() {
        assert!(is_app_url(&url("tauri://localhost/index.html"), false));
        assert!(is_app_url(&url("http://tauri.localhost/"), false));
        assert!(!is_app_url(&url("https://experience.adobe.com/"), false));
        assert!(!is_app_url(&url("https://www.chatlio.com/app"), false));
        assert!(!is_app_url(&url("http://localhost:1420/"), false));
        assert!(is_app_url(&url("http://localhost:1420/"), true));
        assert!(!is_app_url(&url("http://localhost:8080/"), true));
        assert!(!is_app_url(&url("file:///etc/passwd"), false));
    }
}
