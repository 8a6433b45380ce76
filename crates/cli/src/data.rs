//! The data folder the CLI shares with the desktop app (`storage::DataLayout`), and the
//! move of journals from where earlier versions of the CLI kept them.

use std::path::{Path, PathBuf};

use storage::{DataLayout, Mode, Moved};

/// What [`move_former_journals`] did, for the user.
#[derive(Debug, Default)]
pub struct JournalMove {
    /// Journals now in the shared journals folder.
    pub moved: Vec<PathBuf>,
    /// Journals left where they were because a different journal of the same name is in
    /// the journals folder already: neither is overwritten, the user chooses.
    pub conflicts: Vec<(PathBuf, PathBuf)>,
    /// Journals that could not be moved, with the reason; they stay where they were.
    pub failures: Vec<String>,
}

/// Earlier versions of the CLI kept journals as `<data folder>/<setup name>.json`; the
/// app (and now the CLI) keeps them in [`DataLayout::journals`]. Moves every file there
/// that reads as a journal (a journal of a newer format too) into the journals folder,
/// never over a file already there; any other file (`connections.json`, the app's own
/// files, a damaged journal) is left alone, so nothing is lost or altered. Running it
/// again finishes a move a crash interrupted and changes nothing otherwise.
pub fn move_former_journals(layout: &DataLayout) -> JournalMove {
    let mut report = JournalMove::default();
    move_journals_in(layout.former_cli_journals(), layout, &mut report);
    report
}

/// Earlier versions of the CLI used their own default folder
/// ([`DataLayout::former_cli_default`]); the CLI now shares the app's. Moves the
/// journals found there (at its top and in its `setups/`) and its saved connections
/// into `layout`, never over a file already there; a saved-connections file that
/// would replace another stays where it was and is reported, so the user can connect
/// again instead (the secrets stay in the keychain either way).
pub fn move_former_folder(former: &Path, layout: &DataLayout) -> JournalMove {
    let mut report = JournalMove::default();
    if former == layout.root() || !former.is_dir() {
        return report;
    }
    move_journals_in(former, layout, &mut report);
    move_journals_in(&former.join("setups"), layout, &mut report);
    let connections = former.join(storage::CONNECTIONS_FILE);
    if connections.is_file() {
        match storage::move_without_replacing(&connections, &layout.connections()) {
            Ok(Moved::Moved | Moved::AlreadyThere) => report.moved.push(layout.connections()),
            Ok(Moved::Conflict) => report.conflicts.push((connections, layout.connections())),
            Err(error) => report.failures.push(error.to_string()),
        }
    }
    report
}

/// Moves every journal file of `former` into the journals folder of `layout`.
fn move_journals_in(former: &Path, layout: &DataLayout, report: &mut JournalMove) {
    let entries = match std::fs::read_dir(former) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
        Err(error) => {
            report
                .failures
                .push(format!("cannot list {}: {error}", former.display()));
            return;
        }
    };
    let old_store = setup::JournalStore::new(former);
    let journals = layout.journals(Mode::Real);
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(error) => {
                report
                    .failures
                    .push(format!("cannot list {}: {error}", former.display()));
                continue;
            }
        };
        let Some(name) = journal_name(&path) else {
            continue;
        };
        // The layout's own files are never journals: not read at all, so a
        // large status cache costs no start-up time.
        if DataLayout::is_own_file(&format!("{name}.json")) || !is_journal(&old_store, name) {
            continue;
        }
        let destination = journals.join(format!("{name}.json"));
        match storage::move_without_replacing(&path, &destination) {
            Ok(Moved::Moved | Moved::AlreadyThere) => report.moved.push(destination),
            Ok(Moved::Conflict) => report.conflicts.push((path, destination)),
            Err(error) => report.failures.push(error.to_string()),
        }
    }
}

/// The setup name of a `<name>.json` file that is not hidden.
fn journal_name(path: &Path) -> Option<&str> {
    if !path.is_file() || path.extension().and_then(|extension| extension.to_str()) != Some("json")
    {
        return None;
    }
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .filter(|stem| !stem.starts_with('.'))
}

/// Whether the file reads as a journal; one written by a newer version counts.
fn is_journal(store: &setup::JournalStore, name: &str) -> bool {
    match store.load(name) {
        Ok(journal) => journal.is_some(),
        Err(setup::journal::JournalError::TooNew { .. }) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch data folder, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let path = std::env::temp_dir().join(format!(
                "chatlio-aep-data-{tag}-{}-{nanos}",
                std::process::id()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            std::fs::remove_dir_all(&self.0).unwrap();
        }
    }

    /// A journal as the CLI wrote it, through the journal store itself.
    fn write_journal(folder: &Path, name: &str) -> Vec<u8> {
        let store = setup::JournalStore::new(folder);
        let mut journal = setup::Journal::new(name, "A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg", "prod");
        store.save(&mut journal).unwrap();
        std::fs::read(folder.join(format!("{name}.json"))).unwrap()
    }

    #[test]
    fn former_journals_move_to_the_shared_folder_and_nothing_else_does() {
        let scratch = Scratch::new("move");
        let layout = DataLayout::new(&scratch.0);
        let first = write_journal(&scratch.0, "Chatlio events");
        let second = write_journal(&scratch.0, "Second flow");
        let others: [(&str, &[u8]); 4] = [
            ("connections.json", br#"{"version": 1, "connections": []}"#),
            ("wizard.json", br#"{"screen": "welcome"}"#),
            ("damaged.json", b"{not json"),
            ("notes.txt", b"mine"),
        ];
        for (name, bytes) in others {
            std::fs::write(scratch.0.join(name), bytes).unwrap();
        }

        let report = move_former_journals(&layout);
        assert_eq!(report.moved.len(), 2, "{report:?}");
        assert!(report.conflicts.is_empty() && report.failures.is_empty());
        let journals = layout.journals(Mode::Real);
        assert_eq!(
            std::fs::read(journals.join("Chatlio events.json")).unwrap(),
            first
        );
        assert_eq!(
            std::fs::read(journals.join("Second flow.json")).unwrap(),
            second
        );
        assert!(!scratch.0.join("Chatlio events.json").exists());
        for (name, bytes) in others {
            assert_eq!(
                std::fs::read(scratch.0.join(name)).unwrap(),
                bytes,
                "{name}"
            );
        }
        // The moved journals load through the store the CLI now uses.
        let moved = setup::JournalStore::new(&journals)
            .load("Chatlio events")
            .unwrap()
            .unwrap();
        assert_eq!(moved.setup_name, "Chatlio events");

        // Again: nothing left to move, nothing changed.
        let again = move_former_journals(&layout);
        assert!(again.moved.is_empty() && again.conflicts.is_empty());
        assert!(again.failures.is_empty());
    }

    #[test]
    fn a_journal_of_the_same_name_in_the_shared_folder_is_never_overwritten() {
        let scratch = Scratch::new("conflict");
        let layout = DataLayout::new(&scratch.0);
        let journals = layout.journals(Mode::Real);
        std::fs::create_dir_all(&journals).unwrap();
        let in_shared = write_journal(&journals, "Chatlio events");
        // A different journal of the same name in the old place (made later).
        std::thread::sleep(std::time::Duration::from_millis(5));
        let former = write_journal(&scratch.0, "Chatlio events");
        assert_ne!(in_shared, former);

        let report = move_former_journals(&layout);
        assert!(report.moved.is_empty());
        assert_eq!(report.conflicts.len(), 1);
        assert_eq!(
            std::fs::read(journals.join("Chatlio events.json")).unwrap(),
            in_shared
        );
        assert_eq!(
            std::fs::read(scratch.0.join("Chatlio events.json")).unwrap(),
            former
        );
    }

    #[test]
    fn a_missing_data_folder_is_nothing_to_move() {
        let scratch = Scratch::new("missing");
        let report = move_former_journals(&DataLayout::new(scratch.0.join("absent")));
        assert!(report.moved.is_empty() && report.conflicts.is_empty());
        assert!(report.failures.is_empty());
    }
}
