//! The app's log file, next to its data (`storage::DataLayout::logs`): what
//! a user sends when something went wrong, on systems where nothing keeps
//! an app's stderr (macOS from Finder, Windows without a console).
//!
//! Logging starts before the data folder is known (Tauri resolves it in
//! `setup`), so lines go to stderr from the first one and to the file from
//! [`open`] on. The file is bounded: past [`LIMIT`] it becomes the `.old`
//! one, replacing the previous `.old`, so at most two files are ever kept.
//! Nothing secret is a field of a log line (secrets redact themselves), but
//! Adobe's error messages may quote a record's values: the files are the
//! owner's only, as the records and alert files are.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The current log's name inside the logs folder.
pub const FILE_NAME: &str = "chatlio-setup.log";
/// The previous log's name.
pub const OLD_FILE_NAME: &str = "chatlio-setup.old.log";
/// Size at which the log starts again (the current one becomes `.old`).
pub const LIMIT: u64 = 2 * 1024 * 1024;

struct OpenLog {
    folder: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl OpenLog {
    fn open(folder: &Path, limit: u64) -> io::Result<Self> {
        storage::create_folder(folder, storage::Permissions::Private)?;
        let path = folder.join(FILE_NAME);
        // A log already past the limit from earlier runs starts over now.
        let existing = match std::fs::metadata(&path) {
            Ok(metadata) => metadata.len(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
            Err(error) => return Err(error),
        };
        let mut log = Self {
            folder: folder.to_owned(),
            file: append(&path)?,
            written: existing,
            limit,
        };
        if existing >= limit {
            log.rotate()?;
        }
        Ok(log)
    }

    fn rotate(&mut self) -> io::Result<()> {
        let path = self.folder.join(FILE_NAME);
        std::fs::rename(&path, self.folder.join(OLD_FILE_NAME))?;
        self.file = append(&path)?;
        self.written = 0;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if self.written > 0 && self.written.saturating_add(length) > self.limit {
            self.rotate()?;
        }
        self.file.write_all(bytes)?;
        self.written = self.written.saturating_add(length);
        Ok(())
    }
}

fn append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Where log lines go once the folder is known; `None` before.
pub struct LogFile {
    open: Mutex<Option<OpenLog>>,
}

impl LogFile {
    pub const fn new() -> Self {
        Self {
            open: Mutex::new(None),
        }
    }

    /// Starts writing to `folder`'s log, rotating at `limit` bytes.
    /// Returns the log's path.
    pub fn open_in(&self, folder: &Path, limit: u64) -> io::Result<PathBuf> {
        let log = OpenLog::open(folder, limit)?;
        let mut open = self
            .open
            .lock()
            .map_err(|_| io::Error::other("the log file's lock is poisoned"))?;
        *open = Some(log);
        Ok(folder.join(FILE_NAME))
    }

    /// Writes one formatted line (tracing hands whole lines). A line that
    /// cannot be written is dropped: the log must never stop the app, and
    /// stderr still has it.
    fn write_line(&self, bytes: &[u8]) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(log) = open.as_mut() {
                if log.write(bytes).is_err() {
                    // The disk is full or the folder went away: stop
                    // writing rather than fail every line.
                    *open = None;
                }
            }
        }
    }
}

impl Default for LogFile {
    fn default() -> Self {
        Self::new()
    }
}

/// The app's one log file.
pub static LOG_FILE: LogFile = LogFile::new();

/// Starts the app's log file in `folder`.
pub fn open(folder: &Path) -> io::Result<PathBuf> {
    LOG_FILE.open_in(folder, LIMIT)
}

/// The writer `tracing_subscriber` asks for per line.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        LOG_FILE.write_line(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// For `tracing_subscriber::fmt::layer().with_writer(logfile::writer)`.
pub fn writer() -> LogWriter {
    LogWriter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn lines_before_opening_are_dropped_and_later_ones_kept() {
        let folder = tempfile::tempdir().unwrap();
        let log = LogFile::new();
        log.write_line(b"before\n");
        let path = log.open_in(&folder.path().join("logs"), 1024).unwrap();
        log.write_line(b"after\n");
        assert_eq!(read(&path), "after\n");
    }

    #[test]
    fn past_the_limit_the_log_starts_over_and_keeps_one_old_file() {
        let folder = tempfile::tempdir().unwrap();
        let log = LogFile::new();
        let path = log.open_in(folder.path(), 20).unwrap();
        for line in [
            "one 56789\n",
            "two 56789\n",
            "three 789\n",
            "four 6789\n",
            "five 6789\n",
        ] {
            log.write_line(line.as_bytes());
        }
        assert_eq!(read(&path), "five 6789\n");
        assert_eq!(
            read(&folder.path().join(OLD_FILE_NAME)),
            "three 789\nfour 6789\n"
        );
        let names: Vec<_> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_log_left_past_the_limit_starts_over_when_opened_again() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(FILE_NAME), "x".repeat(30)).unwrap();
        let log = LogFile::new();
        let path = log.open_in(folder.path(), 20).unwrap();
        log.write_line(b"new\n");
        assert_eq!(read(&path), "new\n");
        assert_eq!(read(&folder.path().join(OLD_FILE_NAME)).len(), 30);

        // Under the limit, a restart appends.
        let again = LogFile::new();
        again.open_in(folder.path(), 20).unwrap();
        again.write_line(b"more\n");
        assert_eq!(read(&path), "new\nmore\n");
    }

    #[cfg(unix)]
    #[test]
    fn the_log_and_its_folder_are_the_owners_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let folder = tempfile::tempdir().unwrap();
        let logs = folder.path().join("logs");
        let log = LogFile::new();
        let path = log.open_in(&logs, 20).unwrap();
        log.write_line(b"a line that rotates\n");
        log.write_line(b"and another\n");
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&logs), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&logs.join(OLD_FILE_NAME)), 0o600);
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_an_error_not_a_panic() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        assert!(LogFile::new().open_in(&file.join("logs"), 20).is_err());
    }
}
