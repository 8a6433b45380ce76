//! Applying a setup file to another sandbox (dev to prod, say) from the
//! app: the Review screen's pre-flight and the run already follow the
//! input's sandbox; what is decided here is whether the file's setup name
//! is free for that sandbox. Journals are keyed by the setup name alone (as
//! the CLI's `apply -f --sandbox`), so a name already used here for a setup
//! in another sandbox or org needs another name.

use serde::Serialize;
use setup::JournalStore;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::Shared;

/// Whether a setup name can be used for a setup in a sandbox.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupNameView {
    pub name: String,
    pub sandbox: String,
    /// The sandbox the setup of that name here was made in, if there is one.
    pub sandbox_here: Option<String>,
    /// Used here for a setup in another sandbox (or org): another name is
    /// needed.
    pub taken: bool,
    /// A free name for it, when taken: "<name> <sandbox>", numbered if
    /// needed.
    pub suggestion: Option<String>,
}

/// Whether `name` is free for a setup in `sandbox`, and a free one if not.
pub async fn setup_name_check(
    state: &Shared,
    name: String,
    sandbox: String,
) -> CommandResult<SetupNameView> {
    let session = state.session().await?;
    let store = JournalStore::new(state.journal_dir(session.practice));
    let taken_by = |candidate: &str| -> CommandResult<Option<String>> {
        let journal = store.load(candidate).map_err(|error| {
            CommandError::new(
                ErrorCode::Setup(setup::SetupErrorCode::Journal),
                error.to_string(),
            )
            .with_hint("Check the app's data folder; a damaged journal can be moved away.")
        })?;
        Ok(journal.and_then(|journal| {
            let other = journal.sandbox != sandbox
                || (!session.org_id.is_empty() && journal.org_id != session.org_id);
            other.then_some(journal.sandbox)
        }))
    };
    let here = store
        .load(&name)
        .ok()
        .flatten()
        .map(|journal| journal.sandbox);
    let taken = taken_by(&name)?.is_some();
    let mut suggestion = None;
    if taken {
        for number in 1..100 {
            let candidate = match number {
                1 => format!("{name} {sandbox}"),
                n => format!("{name} {sandbox} {n}"),
            };
            if taken_by(&candidate)?.is_none() {
                suggestion = Some(candidate);
                break;
            }
        }
    }
    Ok(SetupNameView {
        name,
        sandbox,
        sandbox_here: here,
        taken,
        suggestion,
    })
}
