//! Where the wizard stood, so closing and reopening the app resumes there.
//! Kept as JSON in the data directory; it never holds a secret (the typed
//! structure has no field for one).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::Shared;

/// The wizard's screens, in order; also the `screen-<name>` test ids.
pub const SCREENS: [&str; 9] = [
    "welcome",
    "prerequisites",
    "connect",
    "dataflow",
    "review",
    "create",
    "chatlio",
    "verify",
    "dashboard",
];

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
    pub screen: String,
    /// `practice` or `adobe`, once chosen on the welcome screen.
    pub mode: Option<String>,
    /// Ticked prerequisite ids.
    pub checked: Vec<String>,
    pub connect: ConnectForm,
    #[ts(type = "SetupInput")]
    pub setup: setup::SetupInput,
    /// The setup started on the Create screen.
    pub setup_name: Option<String>,
}

const FILE: &str = "wizard.json";

pub fn load(directory: &Path) -> Result<Option<WizardState>, std::io::Error> {
    match std::fs::read(directory.join(FILE)) {
        Ok(bytes) => match serde_json::from_slice::<WizardState>(&bytes) {
            Ok(state) if SCREENS.contains(&state.screen.as_str()) => Ok(Some(state)),
            // An unreadable or foreign file restarts the wizard rather than
            // stopping the app; the user loses a screen position, nothing in Adobe.
            Ok(_) | Err(_) => {
                tracing::warn!("wizard state unreadable; starting over");
                Ok(None)
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

pub fn save(directory: &Path, state: &WizardState) -> Result<(), std::io::Error> {
    std::fs::create_dir_all(directory)?;
    let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    // Write, flush, then rename: a crash leaves the old file or the new one.
    let temporary = directory.join(format!("{FILE}.tmp"));
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, directory.join(FILE))
}

#[tauri::command]
pub async fn load_wizard(state: State<'_, Shared>) -> CommandResult<Option<WizardState>> {
    load(state.data_dir()).map_err(|error| {
        CommandError::new(
            ErrorCode::Internal,
            format!("reading the wizard state: {error}"),
        )
    })
}

#[tauri::command]
pub async fn save_wizard(state: State<'_, Shared>, wizard: WizardState) -> CommandResult<()> {
    if !SCREENS.contains(&wizard.screen.as_str()) {
        return Err(CommandError::new(
            ErrorCode::InvalidInput,
            format!("unknown screen {:?}", wizard.screen),
        ));
    }
    save(state.data_dir(), &wizard).map_err(|error| {
        CommandError::new(
            ErrorCode::Internal,
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
        let directory = std::env::temp_dir().join(format!("wizard-test-{}", std::process::id()));
        assert_eq!(load(&directory).unwrap(), None);
        let state = WizardState {
            screen: "review".into(),
            mode: Some("practice".into()),
            checked: vec!["chatlio_account".into()],
            setup_name: Some("Chatlio".into()),
            ..WizardState::default()
        };
        save(&directory, &state).unwrap();
        assert_eq!(load(&directory).unwrap(), Some(state));
        std::fs::write(directory.join(FILE), b"{\"screen\": \"nowhere\"}").unwrap();
        assert_eq!(load(&directory).unwrap(), None);
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
