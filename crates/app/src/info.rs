//! Facts about the app itself: version, the OS language, what a first screen needs.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{AppErrorCode, CommandError, CommandResult};
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
}
