//! Documents a user takes out of the app: the hand-off packet for the
//! Chatlio admin, the setup record and the setup file (config as code), and
//! opening a setup file in the wizard. What they say is decided in
//! `setup::handoff` and `setup::setup_file`; here they are saved where the
//! user finds them (through [`Desktop::save_document`]) and the pages opened
//! for printing.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use setup::handoff::{self, Identity, Language};
use setup::input::{DatasetChoice, SchemaChoice};
use setup::setup_file::{self, FileError, FileProblem, SetupFile};
use setup::{Journal, JournalStore, SetupInput, SetupRequest};
use ts_rs::TS;

use crate::desktop::Desktop;
use crate::error::{AppErrorCode, CommandError, CommandResult, ErrorCode, FieldProblem};
use crate::state::{Session, Shared};

/// The app version the documents name.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A document saved for the user.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedDocumentView {
    /// Where it was saved (the Downloads folder, or the app's data folder).
    pub path: String,
    pub file_name: String,
    /// It holds webhook URLs: saved readable by its owner only, to be shared
    /// over a safe channel and deleted once Chatlio's fields are filled in.
    pub contains_urls: bool,
    /// The setup record's JSON, saved next to its page.
    pub data_path: Option<String>,
}

fn language(code: &str) -> CommandResult<Language> {
    code.parse()
        .map_err(|error: String| CommandError::new(AppErrorCode::InvalidInput, error))
}

fn journal(state: &Shared, session: &Session, name: &str) -> CommandResult<Journal> {
    JournalStore::new(state.journal_dir(session.practice))
        .load(name)
        .map_err(|error| {
            CommandError::new(
                ErrorCode::Setup(setup::SetupErrorCode::Journal),
                error.to_string(),
            )
        })?
        .ok_or_else(|| {
            CommandError::new(
                ErrorCode::Setup(setup::SetupErrorCode::UnknownSetup),
                format!("no setup named {name:?}"),
            )
        })
}

/// A file name from a setup name: only characters every file system takes.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_matches(['.', ' ']).to_owned();
    if stem.is_empty() {
        "setup".into()
    } else {
        stem
    }
}

/// Writes `bytes` into `folder` as `file_name`, never over an existing file:
/// `name (2).ext`, `name (3).ext`, ... Readable by the owner only when
/// `private` (on Unix; elsewhere the user's own folder's access applies).
pub fn save_new_file(
    folder: &Path,
    file_name: &str,
    bytes: &[u8],
    private: bool,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let (stem, extension) = match file_name.rfind('.') {
        Some(dot) if dot > 0 => (&file_name[..dot], &file_name[dot..]),
        _ => (file_name, ""),
    };
    for number in 1..1000 {
        let candidate = if number == 1 {
            folder.join(file_name)
        } else {
            folder.join(format!("{stem} ({number}){extension}"))
        };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if private { 0o600 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = private;
        match options.open(&candidate) {
            Ok(mut file) => {
                file.write_all(bytes)?;
                file.sync_all()?;
                return Ok(candidate);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{file_name}: too many files of that name"),
    ))
}

fn save(
    desktop: &dyn Desktop,
    file_name: &str,
    bytes: &[u8],
    private: bool,
) -> CommandResult<PathBuf> {
    desktop
        .save_document(file_name, bytes, private)
        .map_err(|error| {
            CommandError::new(AppErrorCode::SaveFailed, error)
                .with_hint("Check that your Downloads folder exists and can be written to.")
        })
}

/// Opens a saved page in the browser for printing; the file stays saved
/// when no browser opens, so that is only logged.
fn open(desktop: &dyn Desktop, path: &Path) {
    if let Err(error) = desktop.open_path(path) {
        tracing::warn!(%error, "the saved page could not be opened");
    }
}

fn view(path: &Path, contains_urls: bool, data_path: Option<&Path>) -> SavedDocumentView {
    SavedDocumentView {
        path: path.display().to_string(),
        file_name: path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        contains_urls,
        data_path: data_path.map(|path| path.display().to_string()),
    }
}

/// The hand-off packet for the Chatlio admin: which URL goes into which of
/// Chatlio's five fields. Without `include_urls` each field says which URL
/// to ask `contact` for; with them the file is readable by its owner only.
pub async fn save_handoff_packet(
    state: &Shared,
    desktop: &dyn Desktop,
    name: String,
    language_code: String,
    contact: Option<String>,
    include_urls: bool,
) -> CommandResult<SavedDocumentView> {
    let language = language(&language_code)?;
    let session = state.session().await?;
    let journal = journal(state, &session, &name)?;
    // A packet for a setup whose dataflows are not all made would send the
    // admin to fields with no URL yet.
    if !journal.is_complete() {
        return Err(CommandError::new(
            AppErrorCode::SetupIncomplete,
            format!("setup {name:?} is not complete"),
        )
        .with_hint("Finish the setup first (resume it on the dashboard)."));
    }
    let urls = include_urls.then(|| handoff::webhook_urls(&journal));
    let page = handoff::handoff_packet(
        &journal,
        language,
        contact.as_deref(),
        urls.as_ref(),
        VERSION,
    );
    let file_name = format!(
        "{} - Chatlio hand-off ({}).html",
        file_stem(&name),
        language.code()
    );
    let path = save(desktop, &file_name, page.as_bytes(), include_urls)?;
    open(desktop, &path);
    Ok(view(&path, include_urls, None))
}

/// The session's connection, as the record names it (never a secret: a
/// client id is sent with every call): recorded in a new setup's journal,
/// and used for the record of an older journal that does not say.
pub(crate) fn identity(session: &Session) -> Identity {
    let Some((connector, id)) = session.saved_connection() else {
        return Identity::TechnicalAccount {
            client_id: session.client_id.clone(),
            label: session.practice.then(|| "practice".to_owned()),
        };
    };
    let connection = connector
        .connections()
        .ok()
        .and_then(|all| all.into_iter().find(|connection| &connection.id == id));
    match connection {
        Some(connection) => match connection.method {
            connect::AuthMethod::ServerToServer => Identity::TechnicalAccount {
                client_id: connection.client_id,
                label: Some(connection.label),
            },
            connect::AuthMethod::UserSignIn => Identity::User {
                client_id: connection.client_id,
                label: connection.label,
            },
        },
        None => Identity::Unknown,
    }
}

/// The setup record: a page to print or file (every resource with its id
/// and Adobe page, who made it, when, the plan and the history) and, next to
/// it, the same record as JSON for tools and tickets. Both are saved because
/// they serve different readers and neither holds a URL or secret, so two
/// files cost nothing; only the page is opened.
pub async fn save_setup_record(
    state: &Shared,
    desktop: &dyn Desktop,
    name: String,
    language_code: String,
) -> CommandResult<SavedDocumentView> {
    let language = language(&language_code)?;
    let session = state.session().await?;
    let journal = journal(state, &session, &name)?;
    let record = handoff::setup_record(&journal, VERSION, identity(&session));
    let page = handoff::record_page(&record, language);
    let json = serde_json::to_string_pretty(&record)
        .map_err(|error| CommandError::new(AppErrorCode::Internal, error.to_string()))?;
    let stem = file_stem(&name);
    let page_path = save(
        desktop,
        &format!("{stem} - setup record ({}).html", language.code()),
        page.as_bytes(),
        false,
    )?;
    let json_path = save(
        desktop,
        &format!("{stem} - setup record.json"),
        format!("{json}\n").as_bytes(),
        false,
    )?;
    open(desktop, &page_path);
    Ok(view(&page_path, false, Some(&json_path)))
}

/// The setup's choices as a setup file (`chatlio-aep plan -f`/`apply -f`
/// read it; so does "Open a setup file").
pub async fn export_setup_file(
    state: &Shared,
    desktop: &dyn Desktop,
    name: String,
) -> CommandResult<SavedDocumentView> {
    let session = state.session().await?;
    let journal = journal(state, &session, &name)?;
    // A journal from before requests were kept cannot say what was chosen.
    let request = journal.request.ok_or_else(|| {
        CommandError::new(
            ErrorCode::Setup(setup::SetupErrorCode::Journal),
            format!("the journal of {name:?} does not record its choices"),
        )
    })?;
    let text = SetupFile::from_request(&request)
        .to_json()
        .map_err(|error| CommandError::new(AppErrorCode::Internal, error.to_string()))?;
    let path = save(
        desktop,
        &format!("{}.setup.json", file_stem(&name)),
        text.as_bytes(),
        false,
    )?;
    Ok(view(&path, false, None))
}

/// The wizard's input for a validated request.
pub fn input_of(request: &SetupRequest) -> SetupInput {
    let (existing_schema_id, schema_title) = match &request.schema {
        SchemaChoice::New { title } => (String::new(), title.clone()),
        SchemaChoice::Existing { id } => (id.clone(), String::new()),
    };
    let (existing_dataset_id, dataset_name) = match &request.dataset {
        DatasetChoice::New { name } => (String::new(), name.clone()),
        DatasetChoice::Existing { id } => (id.clone(), String::new()),
    };
    SetupInput {
        name: request.name.clone(),
        sandbox: request.sandbox.clone(),
        existing_schema_id,
        schema_title,
        existing_dataset_id,
        dataset_name,
        profile_enabled: request.profile_enabled,
        error_diagnostics: request.error_diagnostics,
        partial_ingestion_threshold: request.partial_ingestion_threshold,
        webhook_mode: request.webhook_mode,
    }
}

/// A file problem's stable code: the rule a value broke, or what is wrong
/// with the file's shape.
fn problem_code(problem: &FileProblem) -> String {
    match problem {
        FileProblem::Invalid { problem } => crate::error::code_name(problem),
        FileProblem::InvalidJson { .. } => "invalid_json".into(),
        FileProblem::NotAnObject => "not_an_object".into(),
        FileProblem::UnknownKey => "unknown_key".into(),
        FileProblem::Missing => "missing".into(),
        FileProblem::WrongType { .. } => "wrong_type".into(),
        FileProblem::FutureVersion { .. } => "future_version".into(),
    }
}

/// The refusal of a setup file: `fields` names each refused value by its
/// JSON path (`$.dataset.name`) with the problem's code; the message has
/// them in English.
pub fn setup_file_error(errors: &[FileError]) -> CommandError {
    let message = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let mut error = CommandError::new(AppErrorCode::SetupFileInvalid, message);
    error.fields = errors
        .iter()
        .map(|error| FieldProblem {
            field: error.path.clone(),
            problem: problem_code(&error.problem),
        })
        .collect();
    error
}

/// A setup file's choices for the wizard's Review screen, checked by the
/// same rules as `chatlio-aep apply -f`.
pub async fn read_setup_file(text: String) -> CommandResult<SetupInput> {
    setup_file::parse(&text)
        .map(|request| input_of(&request))
        .map_err(|errors| setup_file_error(&errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_file_never_replaces_another() {
        let folder = tempfile::tempdir().unwrap();
        let first = save_new_file(folder.path(), "a b.html", b"one", false).unwrap();
        let second = save_new_file(folder.path(), "a b.html", b"two", true).unwrap();
        let third = save_new_file(folder.path(), "a b.html", b"three", false).unwrap();
        assert_eq!(first.file_name().unwrap(), "a b.html");
        assert_eq!(second.file_name().unwrap(), "a b (2).html");
        assert_eq!(third.file_name().unwrap(), "a b (3).html");
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&second).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "private: the owner's only");
        }
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_stem("Chatlio events"), "Chatlio events");
        assert_eq!(file_stem("a/b\\c:d"), "a_b_c_d");
        assert_eq!(file_stem(" .. "), "setup");
    }
}
