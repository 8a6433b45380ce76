//! Where the wizard stood, so closing and reopening the app resumes there.
//! Kept as JSON in the data directory; it never holds a secret (the typed
//! structure has no field for one).

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use strum::{EnumIter, IntoStaticStr};

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::state::Shared;

/// The wizard's screens, in order; also the `screen-<name>` test ids.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, EnumIter, IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Screen {
    #[default]
    Welcome,
    Prerequisites,
    Connect,
    Dataflow,
    Review,
    Create,
    Chatlio,
    Verify,
    Dashboard,
}

/// How the user chose to work on the welcome screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Against the built-in simulator, no Adobe account needed.
    Practice,
    Adobe,
}

/// The Connect form without its secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectForm {
    pub ims_url: String,
    pub platform_url: String,
    pub client_id: String,
    pub org_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct WizardState {
    pub screen: Screen,
    /// Once chosen on the welcome screen.
    pub mode: Option<Mode>,
    /// Ticked prerequisite ids.
    pub checked: Vec<String>,
    pub connect: ConnectForm,
    #[ts(type = "SetupInput")]
    pub setup: setup::SetupInput,
    /// The setup started on the Create screen.
    pub setup_name: Option<String>,
}

pub fn load(path: &Path) -> Result<Option<WizardState>, std::io::Error> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice::<WizardState>(&bytes) {
            Ok(state) => Ok(Some(state)),
            // An unreadable or foreign file restarts the wizard rather than
            // stopping the app; the user loses a screen position, nothing in Adobe.
            Err(error) => {
                tracing::warn!(%error, "wizard state unreadable; starting over");
                Ok(None)
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

pub fn save(path: &Path, state: &WizardState) -> Result<(), std::io::Error> {
    let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    storage::write_atomically(path, &bytes, storage::Permissions::Default)
        .map_err(std::io::Error::other)
}

pub async fn load_wizard(state: &Shared) -> CommandResult<Option<WizardState>> {
    saved(state.layout())
}

/// The saved state in the data folder `layout` describes, or why it could
/// not be read: what `load_wizard` answers, also handed to the page at
/// start (`info::boot`).
pub fn saved(layout: &storage::DataLayout) -> CommandResult<Option<WizardState>> {
    load(&layout.wizard_state()).map_err(|error| {
        CommandError::new(
            AppErrorCode::Internal,
            format!("reading the wizard state: {error}"),
        )
    })
}

pub async fn save_wizard(state: &Shared, wizard: WizardState) -> CommandResult<()> {
    save(&state.layout().wizard_state(), &wizard).map_err(|error| {
        CommandError::new(
            AppErrorCode::Internal,
            format!("saving the wizard state: {error}"),
        )
        .with_hint("Check that the app's data folder is writable.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_and_survives_a_foreign_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("wizard.json");
        assert_eq!(load(&path).unwrap(), None);
        let state = WizardState {
            screen: Screen::Review,
            mode: Some(Mode::Practice),
            checked: vec!["chatlio_account".into()],
            setup_name: Some("Chatlio".into()),
            ..WizardState::default()
        };
        save(&path, &state).unwrap();
        assert_eq!(load(&path).unwrap(), Some(state));
        std::fs::write(&path, b"{\"screen\": \"nowhere\"}").unwrap();
        assert_eq!(load(&path).unwrap(), None);
    }
}
