//! `handoff` and `record`: the hand-off packet for the Chatlio admin and the
//! setup record, both from the setup's journal alone (no call to Adobe, so no
//! secret is needed). What they say is decided in `setup::handoff`.

use std::path::PathBuf;

use setup::handoff::{self, Identity, Language};
use setup::{Journal, JournalStore, SetupError};
use storage::{Mode, Permissions};

use crate::{connector, find_connection, print_json, CliError, Settings};

/// The app version both documents name.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `--language`: `en` or `sv`.
pub fn parse_language(text: &str) -> Result<Language, String> {
    text.parse()
}

fn journal(global: &Settings, name: &str) -> Result<Journal, CliError> {
    JournalStore::new(global.layout().journals(Mode::Real))
        .load(name)
        .map_err(SetupError::from)?
        .ok_or_else(|| CliError::Setup(SetupError::UnknownSetup(name.to_owned())))
}

/// Writes `text` to `out` (atomically; only the owner may read a file with
/// webhook URLs in it) or to standard output.
fn emit(text: &str, out: Option<&PathBuf>, private: bool) -> Result<(), CliError> {
    let Some(path) = out else {
        print!("{text}");
        return Ok(());
    };
    let permissions = if private {
        Permissions::Private
    } else {
        Permissions::Default
    };
    storage::write_atomically(path, text.as_bytes(), permissions).map_err(|error| {
        CliError::Usage(format!("cannot write {}: {}", path.display(), error.source))
    })?;
    eprintln!("chatlio-aep: wrote {}", path.display());
    Ok(())
}

/// `chatlio-aep handoff`: the packet, without the URLs unless `include_urls`.
pub fn handoff_command(
    global: &Settings,
    name: &str,
    language: Language,
    contact: Option<&str>,
    include_urls: bool,
    out: Option<&PathBuf>,
) -> Result<(), CliError> {
    let journal = journal(global, name)?;
    // A packet for a setup whose dataflows are not all made would send the
    // admin to fields with no URL yet.
    if !journal.is_complete() {
        return Err(CliError::Usage(format!(
            "setup {name:?} is not complete: finish it with `chatlio-aep resume --name {name:?}` first"
        )));
    }
    let urls = include_urls.then(|| handoff::webhook_urls(&journal));
    if include_urls {
        eprintln!(
            "chatlio-aep: warning: the packet contains the webhook URLs; anyone who has one can write data into the dataset. Share it only over a safe channel and delete it once Chatlio's fields are filled in."
        );
    }
    let page = handoff::handoff_packet(&journal, language, contact, urls.as_ref(), VERSION);
    emit(&page, out, include_urls)
}

/// The connection this command uses, as the record names it (never its
/// secret): recorded in a new setup's journal, and used for the record of an
/// older journal that does not say who made it.
pub(crate) fn identity(global: &Settings) -> Identity {
    let from_flags = || {
        let client_id = global.client_id.trim();
        if client_id.is_empty() {
            Identity::Unknown
        } else {
            // A client id without a saved connection is used with
            // CHATLIO_AEP_CLIENT_SECRET: a technical account.
            Identity::TechnicalAccount {
                client_id: client_id.to_owned(),
                label: None,
            }
        }
    };
    let connection = match find_connection(global, &connector(global)) {
        Ok(Some(connection)) => connection,
        Ok(None) => return from_flags(),
        Err(error) => {
            eprintln!("chatlio-aep: warning: the saved connections could not be read ({error})");
            return from_flags();
        }
    };
    match connection.method {
        connect::AuthMethod::ServerToServer => Identity::TechnicalAccount {
            client_id: connection.client_id,
            label: Some(connection.label),
        },
        connect::AuthMethod::UserSignIn => Identity::User {
            client_id: connection.client_id,
            label: connection.label,
        },
    }
}

/// `chatlio-aep record`: the setup record, as JSON with `--json`, else a page.
pub fn record_command(
    global: &Settings,
    name: &str,
    language: Language,
    out: Option<&PathBuf>,
) -> Result<(), CliError> {
    let journal = journal(global, name)?;
    let record = handoff::setup_record(&journal, VERSION, identity(global));
    match (global.json, out) {
        (true, None) => {
            print_json(&record);
            Ok(())
        }
        (true, Some(_)) => {
            let text = serde_json::to_string_pretty(&record)
                .map_err(|error| CliError::Usage(format!("cannot encode the record: {error}")))?;
            emit(&format!("{text}\n"), out, false)
        }
        (false, _) => emit(&handoff::record_page(&record, language), out, false),
    }
}
