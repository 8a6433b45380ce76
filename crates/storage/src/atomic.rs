//! Durable, atomic replacement of a file, and moving a file without replacing another.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who may read a file written by [`write_atomically`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permissions {
    /// The file's owner only: mode `0600` for the file and `0700` for any folder created
    /// on the way, on Unix. Other systems keep per-user data folders private already
    /// (Windows: the user profile's ACLs), so nothing is changed there.
    Private,
    /// The system's default for a new file (`0666` less the umask on Unix).
    Default,
}

/// What [`write_atomically`] or [`move_without_replacing`] was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Creating the folder that holds the file.
    CreateFolder,
    /// Writing and flushing the new content to a temporary file beside the target.
    Write,
    /// Renaming the temporary file over the target (or moving a file).
    Replace,
    /// Reading a file to compare it with another.
    Read,
    /// Removing the source of a move once the destination holds it.
    Remove,
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::CreateFolder => "create the folder of",
            Self::Write => "write",
            Self::Replace => "replace",
            Self::Read => "read",
            Self::Remove => "remove",
        })
    }
}

/// A file operation that failed, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", .path.display())]
pub struct WriteError {
    /// What was being done.
    pub action: Action,
    /// The file (or folder) concerned.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl WriteError {
    fn new(action: Action, path: &Path, source: io::Error) -> Self {
        Self {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Replaces `path` with `bytes`: readers see the old file or the new one, never a part
/// of one, and once this returns the new content survives a crash or power cut.
///
/// The bytes go to a new temporary file in the same folder (so the rename cannot cross
/// file systems), which is flushed to disk, renamed over `path`, and then the folder is
/// flushed too, because the rename lives in the folder's entry, not in the file. Missing
/// folders are created, and each one's parent flushed for the same reason. Each call
/// uses its own temporary name, so two writers of one file never mix their bytes: the
/// last rename wins whole.
///
/// # Errors
/// [`WriteError`] naming the step and path; the temporary file is removed on failure.
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Permissions,
) -> Result<(), WriteError> {
    let folder = folder_of(path);
    let created = missing_folders(folder);
    create_folder(folder, permissions)
        .map_err(|source| WriteError::new(Action::CreateFolder, folder, source))?;
    // A new folder's name lives in its parent's entries, like the rename below: each
    // is flushed, or a power cut could take the folder, and the file, with it.
    for new_folder in &created {
        sync_folder(folder_of(new_folder));
    }
    let file_name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy());
    let temporary = folder.join(format!(
        ".{file_name}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let written = write_new_file(&temporary, bytes, permissions)
        .map_err(|source| WriteError::new(Action::Write, &temporary, source))
        .and_then(|()| {
            fs::rename(&temporary, path)
                .map_err(|source| WriteError::new(Action::Replace, path, source))
        });
    if let Err(error) = written {
        if let Err(cleanup) = fs::remove_file(&temporary) {
            if cleanup.kind() != io::ErrorKind::NotFound {
                tracing::debug!(%cleanup, path = %temporary.display(), "temporary file left behind");
            }
        }
        return Err(error);
    }
    sync_folder(folder);
    Ok(())
}

/// What [`move_without_replacing`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// The file is now at the destination, and no longer at the source.
    Moved,
    /// The destination already held the same bytes; the source was removed.
    AlreadyThere,
    /// The destination holds a different file; both were left as they are.
    Conflict,
}

/// Moves the file `from` to `to` (same file system) unless `to` exists: a file at the
/// destination is never replaced. When both hold the same bytes the source is removed,
/// so a move interrupted after its first half finishes on the next call.
///
/// A hard link claims the destination atomically, so a file another process creates
/// there at the same moment is not replaced either. Where hard links are not supported
/// (FAT, some network shares) the file is renamed after checking the destination is free.
///
/// # Errors
/// [`WriteError`] naming the step and path; `from` is still in place unless the error is
/// about removing it after the destination was written.
pub fn move_without_replacing(from: &Path, to: &Path) -> Result<Moved, WriteError> {
    let destination_folder = folder_of(to);
    create_folder(destination_folder, Permissions::Default)
        .map_err(|source| WriteError::new(Action::CreateFolder, destination_folder, source))?;
    match fs::hard_link(from, to) {
        Ok(()) => {
            sync_folder(destination_folder);
            fs::remove_file(from)
                .map_err(|source| WriteError::new(Action::Remove, from, source))?;
            sync_folder(folder_of(from));
            Ok(Moved::Moved)
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => remove_if_same(from, to),
        Err(link_error) => {
            tracing::debug!(%link_error, "no hard link; moving by rename");
            match fs::symlink_metadata(to) {
                Ok(_) => remove_if_same(from, to),
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    fs::rename(from, to)
                        .map_err(|source| WriteError::new(Action::Replace, to, source))?;
                    sync_folder(destination_folder);
                    sync_folder(folder_of(from));
                    Ok(Moved::Moved)
                }
                Err(source) => Err(WriteError::new(Action::Read, to, source)),
            }
        }
    }
}

/// Both exist: drop the source when it is a copy of the destination.
fn remove_if_same(from: &Path, to: &Path) -> Result<Moved, WriteError> {
    let source_bytes =
        fs::read(from).map_err(|source| WriteError::new(Action::Read, from, source))?;
    let destination_bytes =
        fs::read(to).map_err(|source| WriteError::new(Action::Read, to, source))?;
    if source_bytes != destination_bytes {
        return Ok(Moved::Conflict);
    }
    fs::remove_file(from).map_err(|source| WriteError::new(Action::Remove, from, source))?;
    sync_folder(folder_of(from));
    Ok(Moved::AlreadyThere)
}

/// The folder holding `path`; a bare file name lives in the current folder.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Creates `folder` and its missing parents, those it creates readable by the owner only
/// when `permissions` is [`Permissions::Private`] (permissions only change anything on
/// Unix).
#[cfg_attr(not(unix), allow(unused_variables))]
pub fn create_folder(folder: &Path, permissions: Permissions) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    if permissions == Permissions::Private {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// The folders `create_folder(folder, …)` would create: `folder` and its missing
/// ancestors, deepest first.
fn missing_folders(folder: &Path) -> Vec<PathBuf> {
    folder
        .ancestors()
        .filter(|ancestor| !ancestor.as_os_str().is_empty())
        .take_while(|ancestor| !ancestor.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// Creates `path` (it must not exist), writes `bytes` and flushes them to the disk.
#[cfg_attr(not(unix), allow(unused_variables))]
fn write_new_file(path: &Path, bytes: &[u8], permissions: Permissions) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if permissions == Permissions::Private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes a folder's entries (a rename, a new name) to the disk. Only Unix can open a
/// folder as a file for this; NTFS journals renames itself. Some file systems refuse to
/// sync a folder: the file's bytes are already safe then, only the rename might be
/// undone by a power cut, and nothing better can be done, so it is logged, not failed.
#[cfg_attr(not(unix), allow(unused_variables))]
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Err(error) = fs::File::open(folder).and_then(|handle| handle.sync_all()) {
        tracing::debug!(%error, folder = %folder.display(), "could not flush the folder");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new empty folder under the system's temporary folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Self {
            let path = std::env::temp_dir()
                .join(format!("storage-test-{}", uuid::Uuid::new_v4().simple()));
            fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            fs::remove_dir_all(&self.0).unwrap();
        }
    }

    #[test]
    fn the_folders_a_write_creates_are_known_before_it_creates_them() {
        let scratch = Scratch::new();
        let nested = scratch.0.join("a").join("b").join("c");
        fs::create_dir(scratch.0.join("a")).unwrap();
        assert_eq!(
            missing_folders(&nested),
            vec![nested.clone(), scratch.0.join("a").join("b")]
        );
        assert!(missing_folders(&scratch.0).is_empty());
        write_atomically(&nested.join("file.json"), b"{}", Permissions::Private).unwrap();
        assert!(missing_folders(&nested).is_empty());
        assert_eq!(fs::read(nested.join("file.json")).unwrap(), b"{}");
    }

    fn entries(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_file_in_new_folders_and_leaves_no_temporary_file() {
        let scratch = Scratch::new();
        let path = scratch.0.join("a/b/file.json");
        write_atomically(&path, b"first", Permissions::Default).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(entries(&scratch.0.join("a/b")), vec!["file.json"]);
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let scratch = Scratch::new();
        let path = scratch.0.join("file.json");
        write_atomically(&path, b"a long first version", Permissions::Default).unwrap();
        write_atomically(&path, b"short", Permissions::Default).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"short");
        assert_eq!(entries(&scratch.0), vec!["file.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_and_their_new_folders_are_for_the_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let scratch = Scratch::new();
        let path = scratch.0.join("private/secret-free.json");
        write_atomically(&path, b"{}", Permissions::Private).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&scratch.0.join("private")), 0o700);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary_one() {
        let scratch = Scratch::new();
        let path = scratch.0.join("file.json");
        write_atomically(&path, b"old", Permissions::Default).unwrap();
        // A folder where the file should be: the rename over it fails.
        let blocked = scratch.0.join("blocked");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        let error = write_atomically(&blocked, b"new", Permissions::Default).unwrap_err();
        assert_eq!(error.action, Action::Replace);
        assert_eq!(error.path, blocked);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&scratch.0), vec!["blocked", "file.json"]);
    }

    #[test]
    fn concurrent_writers_never_mix_their_bytes() {
        let scratch = Scratch::new();
        let path = scratch.0.join("file.json");
        let versions: Vec<Vec<u8>> = (0..8u8).map(|n| vec![n; 64 * 1024]).collect();
        std::thread::scope(|scope| {
            for version in &versions {
                let path = &path;
                scope.spawn(move || {
                    for _ in 0..5 {
                        write_atomically(path, version, Permissions::Default).unwrap();
                    }
                });
            }
        });
        let written = fs::read(&path).unwrap();
        assert!(versions.contains(&written));
        assert_eq!(entries(&scratch.0), vec!["file.json"]);
    }

    #[test]
    fn a_move_never_replaces_a_different_file() {
        let scratch = Scratch::new();
        let from = scratch.0.join("old.json");
        let to = scratch.0.join("new/old.json");
        fs::write(&from, b"mine").unwrap();
        fs::create_dir_all(scratch.0.join("new")).unwrap();
        fs::write(&to, b"theirs").unwrap();
        assert_eq!(move_without_replacing(&from, &to).unwrap(), Moved::Conflict);
        assert_eq!(fs::read(&from).unwrap(), b"mine");
        assert_eq!(fs::read(&to).unwrap(), b"theirs");
    }

    #[test]
    fn a_move_finishes_a_half_done_one_and_moves_a_free_one() {
        let scratch = Scratch::new();
        let to_folder = scratch.0.join("new");
        let copied = scratch.0.join("copied.json");
        fs::write(&copied, b"same").unwrap();
        fs::create_dir_all(&to_folder).unwrap();
        fs::write(to_folder.join("copied.json"), b"same").unwrap();
        assert_eq!(
            move_without_replacing(&copied, &to_folder.join("copied.json")).unwrap(),
            Moved::AlreadyThere
        );
        let free = scratch.0.join("free.json");
        fs::write(&free, b"free").unwrap();
        assert_eq!(
            move_without_replacing(&free, &to_folder.join("free.json")).unwrap(),
            Moved::Moved
        );
        assert_eq!(entries(&scratch.0), vec!["new"]);
        assert_eq!(entries(&to_folder), vec!["copied.json", "free.json"]);
        assert_eq!(fs::read(to_folder.join("free.json")).unwrap(), b"free");
    }
}
