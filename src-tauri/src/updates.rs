//! The updater plugin behind `app::updates::Updater`: the release manifest
//! named in `tauri.conf.json` (`plugins.updater.endpoints`, set by the
//! release workflow) and its signatures checked against the public key there.

use std::sync::Mutex;

use app::updates::{UpdateFailure, UpdateProgress, UpdateView, Updater};
use tauri::ipc::{Channel, CommandArg, CommandItem, InvokeError};
use tauri::Manager;
use tauri_plugin_updater::{Error, Update, UpdaterExt};
use ts_rs::TS;

/// The update the last check found, kept for "Install".
#[derive(Default)]
pub struct PendingUpdate(Mutex<Option<Update>>);

/// The updater of the running app.
pub struct TauriUpdater<'a>(pub &'a tauri::AppHandle);

impl TauriUpdater<'_> {
    fn updater(&self) -> Result<tauri_plugin_updater::Updater, UpdateFailure> {
        #[allow(unused_mut, reason = "only debug builds change the builder")]
        let mut builder = self.0.updater_builder();
        // Debug builds only, for the end-to-end tests: a manifest and a key
        // of the test's own. A release build reads both from its
        // configuration alone, so its environment cannot redirect updates.
        #[cfg(debug_assertions)]
        {
            if let Ok(url) = std::env::var("CHATLIO_AEP_UPDATE_URL") {
                let url = url
                    .parse()
                    .map_err(|error| UpdateFailure::Unreachable(format!("{url}: {error}")))?;
                builder = builder.endpoints(vec![url]).map_err(classify)?;
            }
            if let Ok(key) = std::env::var("CHATLIO_AEP_UPDATE_PUBKEY") {
                builder = builder.pubkey(key);
            }
        }
        builder.build().map_err(classify)
    }

    fn pending(&self) -> &PendingUpdate {
        self.0.state::<PendingUpdate>().inner()
    }
}

impl Updater for TauriUpdater<'_> {
    async fn check(&self) -> Result<Option<UpdateView>, UpdateFailure> {
        let found = self.updater()?.check().await.map_err(classify)?;
        let view = found.as_ref().map(|update| UpdateView {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            // The manifest's own text (RFC 3339, as the workflow writes it).
            date: update
                .raw_json
                .get("pub_date")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            notes: update.body.clone(),
        });
        *lock(self.pending()) = found;
        Ok(view)
    }

    async fn install(
        &self,
        progress: Box<dyn Fn(UpdateProgress) + Send + Sync>,
    ) -> Result<(), UpdateFailure> {
        let Some(update) = lock(self.pending()).take() else {
            return Err(UpdateFailure::NothingPending);
        };
        let mut downloaded = 0_u64;
        let outcome = update
            .download_and_install(
                |chunk, total| {
                    downloaded += chunk as u64;
                    progress(UpdateProgress { downloaded, total });
                },
                || {},
            )
            .await;
        if let Err(error) = outcome {
            // Kept, so "Try again" needs no new check.
            *lock(self.pending()) = Some(update);
            return Err(classify(error));
        }
        Ok(())
    }
}

/// The pending update even after a panic elsewhere poisoned the lock: it
/// holds no invariant a panic could break.
fn lock(pending: &PendingUpdate) -> std::sync::MutexGuard<'_, Option<Update>> {
    pending
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The plugin's errors, by what the user can do about them.
fn classify(error: Error) -> UpdateFailure {
    let message = error.to_string();
    match error {
        Error::EmptyEndpoints => UpdateFailure::NotConfigured,
        Error::Minisign(_)
        | Error::Base64(_)
        | Error::SignatureUtf8(_)
        | Error::SignedVersionMismatch { .. }
        | Error::MissingSignedVersion => UpdateFailure::SignatureInvalid(message),
        Error::Reqwest(_)
        | Error::Network(_)
        | Error::ReleaseNotFound
        | Error::Serialization(_)
        | Error::Semver(_)
        | Error::UrlParse(_)
        | Error::InsecureTransportProtocol
        | Error::TargetNotFound(_)
        | Error::TargetsNotFound(_) => UpdateFailure::Unreachable(message),
        _ => UpdateFailure::InstallFailed(message),
    }
}

/// The channel the UI passes for an update's download progress.
#[derive(TS)]
#[ts(rename = "UpdateProgressChannel")]
pub struct UpdateProgressChannel(#[ts(type = "Channel<UpdateProgress>")] Channel<UpdateProgress>);

impl<'de, R: tauri::Runtime> CommandArg<'de, R> for UpdateProgressChannel {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        Channel::from_command(command).map(Self)
    }
}

impl UpdateProgressChannel {
    pub fn into_callback(self) -> Box<dyn Fn(UpdateProgress) + Send + Sync> {
        let channel = self.0;
        Box::new(move |progress| {
            if let Err(error) = channel.send(progress) {
                tracing::debug!(%error, "update progress channel closed");
            }
        })
    }
}

/// Installs, then starts the new version (Windows' installer restarts the
/// app itself).
pub async fn install_and_restart(
    handle: &tauri::AppHandle,
    progress: UpdateProgressChannel,
) -> Result<(), app::CommandError> {
    app::updates::install_update(&TauriUpdater(handle), progress.into_callback()).await?;
    handle.restart()
}
