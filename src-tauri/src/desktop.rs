//! The operating system and IPC as the use cases see them: Tauri's plugins
//! behind `app::Desktop`, and the progress channel behind `app::setup::Progress`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use app::setup::{Progress, StepEvent};
use tauri::ipc::{Channel, CommandArg, CommandItem, InvokeError};
use tauri::Manager;
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

/// The desktop services of the running app.
pub struct TauriDesktop<'a>(pub &'a tauri::AppHandle);

impl app::Desktop for TauriDesktop<'_> {
    fn copy_to_clipboard(&self, text: &str) -> Result<(), String> {
        self.0
            .clipboard()
            .write_text(text.to_owned())
            .map_err(|error| error.to_string())
    }

    fn open_in_browser(&self, url: &str) -> Result<(), String> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|error| error.to_string())
    }

    fn register_url_scheme(&self, scheme: &str) -> Result<(), String> {
        match self.0.deep_link().register(scheme) {
            Ok(()) => Ok(()),
            // macOS opens only the schemes the app bundle declares, and each
            // Native App credential has its own: its redirect would never
            // come back. Saying so now beats a sign-in that waits in vain.
            Err(tauri_plugin_deep_link::Error::UnsupportedPlatform) => Err(format!(
                "this system opens only URL schemes declared when the app was built, not {scheme}"
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    fn start_at_login(&self) -> Result<bool, String> {
        self.0
            .autolaunch()
            .is_enabled()
            .map_err(|error| error.to_string())
    }

    fn set_start_at_login(&self, enabled: bool) -> Result<(), String> {
        let launcher = self.0.autolaunch();
        let result = if enabled {
            launcher.enable()
        } else {
            launcher.disable()
        };
        result.map_err(|error| error.to_string())
    }

    fn save_document(
        &self,
        file_name: &str,
        bytes: &[u8],
        private: bool,
    ) -> Result<PathBuf, String> {
        // The Downloads folder, where people look for what they saved; the
        // app's own data folder where a system has none.
        let folder = match self.0.path().download_dir() {
            Ok(folder) => folder,
            Err(_) => self
                .0
                .state::<app::Shared>()
                .layout()
                .root()
                .join("documents"),
        };
        app::documents::save_new_file(&folder, file_name, bytes, private)
            .map_err(|error| format!("{}: {error}", folder.display()))
    }

    fn open_path(&self, path: &Path) -> Result<(), String> {
        self.0
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|error| error.to_string())
    }
}

/// The channel a screen passes for a long command's step events.
#[derive(TS)]
#[ts(rename = "ProgressChannel")]
pub struct ProgressChannel(#[ts(type = "Channel<StepEvent>")] Channel<StepEvent>);

impl<'de, R: tauri::Runtime> CommandArg<'de, R> for ProgressChannel {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        Channel::from_command(command).map(Self)
    }
}

impl ProgressChannel {
    /// The use cases' progress callback, sending to this channel.
    pub fn into_progress(self) -> Option<Progress> {
        let channel = self.0;
        Some(Arc::new(move |event: StepEvent| {
            // A closed window stops listening; the run itself goes on and
            // the journal records it.
            if let Err(error) = channel.send(event) {
                tracing::debug!(%error, "progress channel closed");
            }
        }))
    }
}
