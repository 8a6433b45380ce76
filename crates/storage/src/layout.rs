//! The data folder's layout: one list of every file the desktop app and the CLI keep,
//! so both find each other's setups and connections in a shared folder.
//!
//! ```text
//! <root>/connections.json            saved Adobe connections (no secrets)     connect
//! <root>/wizard.json                 where the wizard stood                   app
//! <root>/setups/<setup name>.json    setup journals                           app, CLI
//! <root>/status-cache.json           last dashboard status, shown offline     app
//! <root>/test-events.json            test events sent, until counted          app
//! <root>/practice/setups/…           the same three for practice mode,
//! <root>/practice/status-cache.json  kept apart so practice work is never
//! <root>/practice/test-events.json   mistaken for (or resumed into) real work
//! <root>/practice/platform-sim.json  the practice emulator's state            app
//! <root>/logs/chatlio-setup.log      the desktop app's log (and .old.log)     app
//! ```

use std::path::{Path, PathBuf};

/// The environment variable that points both front ends at one data folder (tests use it
/// to isolate runs).
pub const DATA_DIR_VARIABLE: &str = "CHATLIO_AEP_DATA_DIR";

/// The desktop app's bundle identifier (`src-tauri/tauri.conf.json`, checked by a test
/// there): the operating system's per-app data folder is named after it, and the CLI
/// uses the same folder, so both see each other's setups and connections by default.
pub const APP_IDENTIFIER: &str = "io.chatliosetup.desktop";

/// The operating system's folder for per-user application data, as Tauri's
/// `app_data_dir` resolves it: `$XDG_DATA_HOME` (when absolute) or `~/.local/share` on
/// Linux and other Unix, `~/Library/Application Support` on macOS, `%APPDATA%` on
/// Windows. `None` when the variables it rests on are not set.
pub fn os_data_folder() -> Option<PathBuf> {
    let from = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    if cfg!(windows) {
        from("APPDATA")
    } else if cfg!(target_os = "macos") {
        from("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        from("XDG_DATA_HOME").or_else(|| from("HOME").map(|home| home.join(".local").join("share")))
    }
}

/// The saved-connections file's name inside the data folder.
pub const CONNECTIONS_FILE: &str = "connections.json";
const WIZARD_FILE: &str = "wizard.json";
const STATUS_CACHE_FILE: &str = "status-cache.json";
const TEST_EVENTS_FILE: &str = "test-events.json";
const REPLAYS_FILE: &str = "replays.json";
const PRACTICE_SIMULATOR_FILE: &str = "platform-sim.json";
const ALERT_RULES_FILE: &str = "alert-rules.json";
const ALERT_STATE_FILE: &str = "alert-state.json";
/// Every file the layout keeps at a mode folder's top (none is a journal).
const OWN_FILES: [&str; 8] = [
    ALERT_RULES_FILE,
    ALERT_STATE_FILE,
    REPLAYS_FILE,
    CONNECTIONS_FILE,
    WIZARD_FILE,
    STATUS_CACHE_FILE,
    TEST_EVENTS_FILE,
    PRACTICE_SIMULATOR_FILE,
];

/// Real Adobe work, or practice against the built-in emulator: each has its own journals,
/// status cache and test events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Against Adobe.
    Real,
    /// Against the practice emulator.
    Practice,
}

impl Mode {
    /// [`Mode::Practice`] when `practice` is true.
    pub fn from_practice(practice: bool) -> Self {
        if practice {
            Self::Practice
        } else {
            Self::Real
        }
    }
}

/// Where each file lives inside the data folder. Only computes paths; creating folders
/// is left to whoever writes (see [`crate::write_atomically`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLayout {
    root: PathBuf,
}

impl DataLayout {
    /// The layout of the data folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder named by `CHATLIO_AEP_DATA_DIR` when it is set and not blank, else
    /// `os_default` (the app passes the operating system's per-app data folder).
    pub fn from_environment_or(os_default: impl Into<PathBuf>) -> Self {
        match std::env::var_os(DATA_DIR_VARIABLE) {
            Some(folder) if !folder.to_string_lossy().trim().is_empty() => Self::new(folder),
            _ => Self::new(os_default),
        }
    }

    /// `CHATLIO_AEP_DATA_DIR` when set, else the app's folder in the operating system's
    /// data folder (see [`APP_IDENTIFIER`]); `None` when neither can be found.
    pub fn shared_default() -> Option<Self> {
        match std::env::var_os(DATA_DIR_VARIABLE) {
            Some(folder) if !folder.to_string_lossy().trim().is_empty() => Some(Self::new(folder)),
            _ => os_data_folder().map(|folder| Self::new(folder.join(APP_IDENTIFIER))),
        }
    }

    /// The data folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The saved-connections file (`connect::ConnectionStore`).
    pub fn connections(&self) -> PathBuf {
        self.root.join(CONNECTIONS_FILE)
    }

    /// Where the wizard stood, so the app reopens on the same screen.
    pub fn wizard_state(&self) -> PathBuf {
        self.root.join(WIZARD_FILE)
    }

    /// The folder of `mode`'s files: the root for real work, `practice/` for practice.
    pub fn mode_folder(&self, mode: Mode) -> PathBuf {
        match mode {
            Mode::Real => self.root.clone(),
            Mode::Practice => self.root.join("practice"),
        }
    }

    /// The setup journals of `mode` (`setup::JournalStore`'s folder).
    pub fn journals(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join("setups")
    }

    /// The last status the dashboard showed in `mode`, shown again while Adobe does not
    /// answer.
    pub fn status_cache(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join(STATUS_CACHE_FILE)
    }

    /// The test events sent in `mode` and not yet seen counted.
    pub fn test_events(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join(TEST_EVENTS_FILE)
    }

    /// The failed records re-sent in `mode`, so none is sent twice by accident.
    pub fn replays(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join(REPLAYS_FILE)
    }

    /// Webhook URL rotations under way or done in `mode`
    /// (`setup::rotate::RotationStore`'s folder; never among the journals).
    pub fn rotations(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join("rotations")
    }

    /// The alert rules of `mode`'s setups (`setup::alerts::AlertSettings`).
    pub fn alert_rules(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join(ALERT_RULES_FILE)
    }

    /// The alert conditions that held at the last check, so a restart
    /// neither repeats a notification nor forgets a due one.
    pub fn alert_state(&self, mode: Mode) -> PathBuf {
        self.mode_folder(mode).join(ALERT_STATE_FILE)
    }

    /// The desktop app's log folder: the current log and the one before it.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// The practice emulator's saved state, so practice dataflows outlive a restart.
    pub fn practice_simulator_state(&self) -> PathBuf {
        self.mode_folder(Mode::Practice)
            .join(PRACTICE_SIMULATOR_FILE)
    }

    /// Before the layout was shared, the CLI kept its journals directly in the data
    /// folder (`<root>/<setup name>.json`); they are moved to [`DataLayout::journals`].
    pub fn former_cli_journals(&self) -> &Path {
        &self.root
    }

    /// The folder earlier versions of the CLI used by default, whose journals and
    /// connections move to the shared one: `$HOME/.local/share/chatlio-aep` on every
    /// system, whatever `XDG_DATA_HOME` said (that is where they looked).
    pub fn former_cli_default() -> Option<PathBuf> {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|home| home.is_absolute())
            .map(|home| home.join(".local").join("share").join("chatlio-aep"))
    }

    /// Whether `name` is one of the files this layout keeps at a mode folder's top
    /// (never a setup journal).
    pub fn is_own_file(name: &str) -> bool {
        OWN_FILES.contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_the_place_the_app_has_always_used() {
        let layout = DataLayout::new("/data");
        let expected = [
            (layout.connections(), "/data/connections.json"),
            (layout.wizard_state(), "/data/wizard.json"),
            (layout.journals(Mode::Real), "/data/setups"),
            (layout.journals(Mode::Practice), "/data/practice/setups"),
            (layout.status_cache(Mode::Real), "/data/status-cache.json"),
            (
                layout.status_cache(Mode::Practice),
                "/data/practice/status-cache.json",
            ),
            (layout.test_events(Mode::Real), "/data/test-events.json"),
            (layout.replays(Mode::Real), "/data/replays.json"),
            (layout.alert_rules(Mode::Real), "/data/alert-rules.json"),
            (layout.rotations(Mode::Real), "/data/rotations"),
            (
                layout.alert_state(Mode::Practice),
                "/data/practice/alert-state.json",
            ),
            (
                layout.test_events(Mode::Practice),
                "/data/practice/test-events.json",
            ),
            (
                layout.practice_simulator_state(),
                "/data/practice/platform-sim.json",
            ),
        ];
        for (path, wanted) in expected {
            assert_eq!(path, PathBuf::from(wanted));
        }
    }

    #[test]
    fn practice_and_real_work_never_share_a_file() {
        let layout = DataLayout::new("/data");
        for file in [
            DataLayout::journals,
            DataLayout::status_cache,
            DataLayout::test_events,
        ] {
            assert_ne!(file(&layout, Mode::Real), file(&layout, Mode::Practice));
        }
    }

    // The only test of this crate that reads the variable, so none races with it.
    #[test]
    fn the_environment_variable_wins_unless_blank() {
        std::env::set_var(DATA_DIR_VARIABLE, "/from/environment");
        assert_eq!(
            DataLayout::from_environment_or("/os/default").root(),
            Path::new("/from/environment")
        );
        std::env::set_var(DATA_DIR_VARIABLE, "  ");
        assert_eq!(
            DataLayout::from_environment_or("/os/default").root(),
            Path::new("/os/default")
        );
        std::env::remove_var(DATA_DIR_VARIABLE);
        assert_eq!(
            DataLayout::from_environment_or("/os/default").root(),
            Path::new("/os/default")
        );
        // Without the variable, both front ends use the app's folder in the OS's.
        if cfg!(all(unix, not(target_os = "macos"))) {
            std::env::set_var("XDG_DATA_HOME", "/xdg/data");
            assert_eq!(
                DataLayout::shared_default().map(|layout| layout.root().to_path_buf()),
                Some(PathBuf::from("/xdg/data/io.chatliosetup.desktop"))
            );
            std::env::remove_var("XDG_DATA_HOME");
        }
        std::env::set_var(DATA_DIR_VARIABLE, "/from/environment");
        assert_eq!(
            DataLayout::shared_default().map(|layout| layout.root().to_path_buf()),
            Some(PathBuf::from("/from/environment"))
        );
        std::env::remove_var(DATA_DIR_VARIABLE);
    }

    #[test]
    fn mode_follows_the_practice_flag() {
        assert_eq!(Mode::from_practice(true), Mode::Practice);
        assert_eq!(Mode::from_practice(false), Mode::Real);
    }
}
