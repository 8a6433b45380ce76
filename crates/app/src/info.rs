//! Facts about the app itself: version, the OS language, what a first screen needs.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::wizard::{self, WizardState};
use crate::{Desktop, Shared};

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version, from Cargo.
    pub version: String,
    /// The operating system's preferred language as a BCP 47 tag, when known.
    /// The UI picks its default language from it.
    pub os_locale: Option<String>,
    /// Operating system family, e.g. "linux", for platform-specific wording.
    pub os: String,
}

pub fn app_info_now() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        os_locale: sys_locale::get_locale(),
        os: std::env::consts::OS.to_owned(),
    }
}

pub async fn app_info() -> CommandResult<AppInfo> {
    Ok(app_info_now())
}

/// The global the shell's initialization script sets to a [`Boot`] before
/// the page's own script runs (`boot_script`).
pub const BOOT_GLOBAL: &str = "__chatlioAepBoot";

/// What the first screen waits for, handed to the page before its script
/// runs: the answers `app_info` and `load_wizard` give, read when the window
/// is made. Without it the first screen waits for both commands to come
/// back before it is even known which screen to draw: a relaunch onto the
/// dashboard showed it about 200 ms later (bench/README.md, "Handing the
/// first screen its answers").
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Boot {
    pub info: AppInfo,
    /// The saved wizard state; `null` for a first start.
    pub wizard: Option<WizardState>,
}

/// Reads [`Boot`] from the data folder `layout` describes. An unreadable
/// wizard state is the same error `load_wizard` gives.
pub fn boot(layout: &storage::DataLayout) -> CommandResult<Boot> {
    Ok(Boot {
        info: app_info_now(),
        wizard: wizard::saved(layout)?,
    })
}

/// The initialization script that hands `boot` to the page as
/// `window[BOOT_GLOBAL]`. JSON is a JavaScript expression (every JSON text
/// is one since ES2019), so the value needs no other escaping.
pub fn boot_script(boot: &Boot) -> CommandResult<String> {
    let json = serde_json::to_string(boot).map_err(|error| {
        CommandError::new(
            AppErrorCode::Internal,
            format!("writing the first screen's data: {error}"),
        )
    })?;
    Ok(format!("window.{BOOT_GLOBAL} = {json};"))
}

/// Opens the folder holding the app's log (`storage::DataLayout::logs`) in
/// the file manager: what support asks for when something went wrong.
pub async fn open_log_folder(state: &Shared, desktop: &dyn Desktop) -> CommandResult<()> {
    let folder = state.layout().logs();
    let where_it_is = || format!("The log is in {}.", folder.display());
    // The shell writes the log once the data folder is ready; the folder may
    // still be missing if that failed, and an empty one says so plainly.
    storage::create_folder(&folder, storage::Permissions::Private).map_err(|error| {
        CommandError::new(AppErrorCode::FolderOpenFailed, error.to_string())
            .with_hint(where_it_is())
    })?;
    desktop.open_path(&folder).map_err(|error| {
        CommandError::new(AppErrorCode::FolderOpenFailed, error).with_hint(where_it_is())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn reports_the_crate_version_and_os() {
        let info = app_info_now();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.os, std::env::consts::OS);
        let json = serde_json::to_value(&info).unwrap();
        assert!(
            json.get("osLocale").is_some(),
            "camelCase field names: {json}"
        );
    }

    #[test]
    fn boot_holds_what_the_two_commands_answer() {
        let directory = tempfile::tempdir().unwrap();
        let layout = storage::DataLayout::new(directory.path());
        let first = boot(&layout).unwrap();
        assert_eq!(first.wizard, None);
        assert_eq!(first.info.version, app_info_now().version);

        let state = WizardState {
            screen: wizard::Screen::Dashboard,
            setup_name: Some("Chatlio".into()),
            ..WizardState::default()
        };
        wizard::save(&layout.wizard_state(), &state).unwrap();
        assert_eq!(boot(&layout).unwrap().wizard, Some(state));

        // A folder where the file should be cannot be read: the error
        // load_wizard reports, not a first start.
        std::fs::remove_file(layout.wizard_state()).unwrap();
        std::fs::create_dir(layout.wizard_state()).unwrap();
        assert_eq!(
            boot(&layout).unwrap_err().code,
            ErrorCode::App(AppErrorCode::Internal)
        );
    }

    #[test]
    fn the_script_sets_the_global_to_the_boot_as_json() {
        let boot = Boot {
            info: app_info_now(),
            wizard: Some(WizardState {
                // Quotes, a line separator and a closing tag stay inside
                // the string.
                setup_name: Some("\"a\" \u{2028} </script>".into()),
                ..WizardState::default()
            }),
        };
        let script = boot_script(&boot).unwrap();
        let json = script
            .strip_prefix(&format!("window.{BOOT_GLOBAL} = "))
            .and_then(|rest| rest.strip_suffix(';'))
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, serde_json::to_value(&boot).unwrap());
        assert_eq!(parsed["wizard"]["setupName"], "\"a\" \u{2028} </script>");
    }
}
