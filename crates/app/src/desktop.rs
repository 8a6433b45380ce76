//! What the use cases need from the operating system, as a trait: the
//! desktop shell implements it with Tauri's plugins, tests with a fake.

use std::path::{Path, PathBuf};

/// The operating system's services a command may use.
pub trait Desktop: Send + Sync {
    /// Puts `text` on the clipboard. `Err` carries the system's words.
    fn copy_to_clipboard(&self, text: &str) -> Result<(), String>;

    /// Opens `url` in the system browser.
    fn open_in_browser(&self, url: &str) -> Result<(), String>;

    /// Makes the system hand URLs of `scheme` to this app (a Native App
    /// credential's redirect). `Ok` also where the platform registers
    /// schemes only at install time.
    fn register_url_scheme(&self, scheme: &str) -> Result<(), String>;

    /// Whether the app is registered to start when the user logs in.
    fn start_at_login(&self) -> Result<bool, String>;

    /// Registers (or removes) the app's start at login.
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String>;

    /// Saves a document the user asked for where they find it (the
    /// Downloads folder, else the app's data folder), never over an existing
    /// file, readable by the owner only when `private`
    /// ([`crate::documents::save_new_file`]). Returns where it went.
    fn save_document(
        &self,
        file_name: &str,
        bytes: &[u8],
        private: bool,
    ) -> Result<PathBuf, String>;

    /// Opens a saved file with the system's default app (a page in the
    /// browser, for printing).
    fn open_path(&self, path: &Path) -> Result<(), String>;
}
