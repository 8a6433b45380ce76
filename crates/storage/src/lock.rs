//! One change at a time to a file that several processes change: the desktop app and
//! the CLI share the data folder, and a read-modify-write of the same file from both at
//! once would lose one of the two changes (the last rename wins whole).

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::atomic::{create_folder, Permissions};

/// How long [`lock_for_change`] waits for another process's change by default. A
/// change is a read and an atomic write of a small file: milliseconds.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// How often a waiting [`lock_for_change`] tries again.
const RETRY_EVERY: Duration = Duration::from_millis(20);

/// Held while one process changes a file; dropping it lets the next one in.
///
/// The lock is the operating system's advisory lock on an open file (`flock` on Unix,
/// `LockFileEx` on Windows) on a file beside the one changed (`<name>.lock`): not on
/// the file itself, which every atomic write replaces by a new one. The system releases
/// it when the process ends, so a crash never leaves the file locked.
#[derive(Debug)]
#[must_use = "the lock is released when this is dropped"]
pub struct ChangeLock {
    // Holding the open handle is what holds the lock.
    _handle: fs::File,
}

/// Why [`lock_for_change`] could not take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held the lock for longer than the wait.
    #[error("another process is still changing {} after {waited:?}", .path.display())]
    Busy {
        /// The file being changed.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
    /// The lock file could not be created or locked.
    #[error("could not lock {} for a change: {source}", .path.display())]
    Failed {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// Where the lock for changes to `path` lives: `<name>.lock` beside it.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Waits (at most `wait`) until no other process or [`ChangeLock`] changes `path`, then
/// holds the lock until the returned value is dropped. Creates the folder and the lock
/// file when missing; the lock file stays (empty) for the next change.
///
/// # Errors
/// [`LockError::Busy`] when the wait ran out, [`LockError::Failed`] when the lock file
/// cannot be opened or locked.
pub fn lock_for_change(
    path: &Path,
    permissions: Permissions,
    wait: Duration,
) -> Result<ChangeLock, LockError> {
    let lock = lock_path(path);
    let failed = |source| LockError::Failed {
        path: lock.clone(),
        source,
    };
    if let Some(folder) = lock
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        create_folder(folder, permissions).map_err(failed)?;
    }
    let handle = open_lock_file(&lock, permissions).map_err(failed)?;
    let started = Instant::now();
    loop {
        match handle.try_lock() {
            Ok(()) => return Ok(ChangeLock { _handle: handle }),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                thread::sleep(RETRY_EVERY);
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    waited: started.elapsed(),
                })
            }
            Err(fs::TryLockError::Error(source)) => return Err(failed(source)),
        }
    }
}

#[cfg_attr(not(unix), allow(unused_variables))]
fn open_lock_file(path: &Path, permissions: Permissions) -> io::Result<fs::File> {
    let mut options = OpenOptions::new();
    // Opened for writing because Windows locks only handles with write access; nothing
    // is ever written to it.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    if permissions == Permissions::Private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("storage-lock-{}", uuid::Uuid::new_v4().simple()));
        fs::create_dir_all(&path).unwrap();
        path
    }

    #[test]
    fn the_lock_file_sits_beside_the_file_it_guards() {
        assert_eq!(
            lock_path(Path::new("/data/connections.json")),
            PathBuf::from("/data/connections.json.lock")
        );
    }

    #[test]
    fn a_second_change_waits_for_the_first_and_gives_up_with_a_clear_error() {
        let folder = scratch();
        let file = folder.join("sub").join("list.json");
        let first = lock_for_change(&file, Permissions::Private, DEFAULT_WAIT).unwrap();
        // A second handle on the lock file conflicts as another process's would.
        let started = Instant::now();
        let second = lock_for_change(&file, Permissions::Private, Duration::from_millis(200));
        assert!(started.elapsed() >= Duration::from_millis(200));
        match second {
            Err(error @ LockError::Busy { .. }) => {
                assert!(error.to_string().contains("list.json"), "{error}");
                assert!(error.to_string().contains("another process"), "{error}");
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        let third = lock_for_change(&file, Permissions::Private, Duration::from_millis(200));
        assert!(third.is_ok(), "{third:?}");
        drop(third);
        fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn a_waiting_change_goes_ahead_once_the_first_is_done() {
        let folder = scratch();
        let file = folder.join("list.json");
        let first = lock_for_change(&file, Permissions::Default, DEFAULT_WAIT).unwrap();
        let waiter = {
            let file = file.clone();
            thread::spawn(move || {
                let started = Instant::now();
                let lock = lock_for_change(&file, Permissions::Default, DEFAULT_WAIT);
                (lock.is_ok(), started.elapsed())
            })
        };
        thread::sleep(Duration::from_millis(150));
        drop(first);
        let (locked, waited) = waiter.join().unwrap();
        assert!(locked);
        assert!(waited >= Duration::from_millis(100), "{waited:?}");
        fs::remove_dir_all(&folder).unwrap();
    }
}
