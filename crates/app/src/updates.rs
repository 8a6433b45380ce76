//! Updates of the app itself: checked at start and on request, installed
//! only when the user says so.
//!
//! Releases come from the release workflow (`.github/workflows/release.yml`),
//! which publishes Tauri's updater manifest (`latest.json`) with a signature
//! per installer; the updater plugin (`src-tauri/src/updates.rs`, behind
//! [`Updater`]) fetches it and refuses any download whose signature does not
//! match the public key in `tauri.conf.json`. A build made here has no
//! update source and says so instead of failing.

use std::future::Future;

use serde::Serialize;
use ts_rs::TS;

use crate::{AppErrorCode, CommandError, CommandResult};

/// A newer version than the running one, as the release manifest gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    pub version: String,
    pub current_version: String,
    /// RFC 3339, when the manifest has one.
    pub date: Option<String>,
    /// The release notes (the manifest's `notes`), as written there.
    pub notes: Option<String>,
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// A newer version is offered; `update` describes it.
    Available,
    /// The running version is the newest released.
    Latest,
    /// This build has no update source: it was not made by the release
    /// workflow (a `make dist` or `make run` build), so it is updated the
    /// way it was installed.
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCheckView {
    pub state: UpdateState,
    pub current_version: String,
    pub update: Option<UpdateView>,
}

/// How far the download of an update is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    /// The download's size, when the server says it.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// Why a check or an install did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateFailure {
    /// The build has no update source (no endpoint in its configuration).
    NotConfigured,
    /// The manifest or the download could not be fetched or read.
    Unreachable(String),
    /// The download's signature does not match the app's public key: it
    /// was not made by the release workflow, or was changed on the way.
    SignatureInvalid(String),
    /// Downloaded and verified, but the system refused to install it (no
    /// permission, a package manager's refusal, an unsupported format).
    InstallFailed(String),
    /// Install was asked for without a check that found an update.
    NothingPending,
}

/// The updater as the use cases need it; the Tauri plugin in the app, a
/// fake in tests.
pub trait Updater {
    /// The newer version offered, if any.
    fn check(&self) -> impl Future<Output = Result<Option<UpdateView>, UpdateFailure>> + Send;
    /// Downloads, verifies and installs the update the last check found.
    fn install(
        &self,
        progress: Box<dyn Fn(UpdateProgress) + Send + Sync>,
    ) -> impl Future<Output = Result<(), UpdateFailure>> + Send;
}

/// Asks the release manifest for a newer version. A build without an update
/// source is not an error: the UI says how such a build is updated.
pub async fn check_for_update(
    updater: &impl Updater,
    current_version: &str,
) -> CommandResult<UpdateCheckView> {
    let (state, update) = match updater.check().await {
        Ok(Some(update)) => (UpdateState::Available, Some(update)),
        Ok(None) => (UpdateState::Latest, None),
        Err(UpdateFailure::NotConfigured) => (UpdateState::NotConfigured, None),
        Err(failure) => return Err(command_error(failure)),
    };
    Ok(UpdateCheckView {
        state,
        current_version: current_version.to_owned(),
        update,
    })
}

/// Installs the update the last check found, reporting the download's
/// progress. Nothing is installed unless its signature matched.
pub async fn install_update(
    updater: &impl Updater,
    progress: Box<dyn Fn(UpdateProgress) + Send + Sync>,
) -> CommandResult<()> {
    updater.install(progress).await.map_err(command_error)
}

fn command_error(failure: UpdateFailure) -> CommandError {
    match failure {
        UpdateFailure::NotConfigured => CommandError::new(
            AppErrorCode::UpdateCheckFailed,
            "this build has no update source",
        )
        .with_hint("Install a release from the project's releases page to get updates."),
        UpdateFailure::Unreachable(message) => {
            let mut error = CommandError::new(AppErrorCode::UpdateCheckFailed, message)
                .with_hint("Check the internet connection, then try again.");
            error.resumable = true;
            error
        }
        UpdateFailure::SignatureInvalid(message) => {
            CommandError::new(AppErrorCode::UpdateSignatureInvalid, message).with_hint(
                "Nothing was installed. Download the release from the project's releases page.",
            )
        }
        UpdateFailure::InstallFailed(message) => {
            CommandError::new(AppErrorCode::UpdateInstallFailed, message).with_hint(
                "Nothing was changed. Install the new version the way this one was installed.",
            )
        }
        UpdateFailure::NothingPending => CommandError::new(
            AppErrorCode::InvalidInput,
            "no update was found by a check before installing",
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    struct Fake {
        check: Result<Option<UpdateView>, UpdateFailure>,
        install: Result<(), UpdateFailure>,
        installs: Arc<Mutex<u32>>,
    }

    impl Updater for Fake {
        async fn check(&self) -> Result<Option<UpdateView>, UpdateFailure> {
            self.check.clone()
        }

        async fn install(
            &self,
            progress: Box<dyn Fn(UpdateProgress) + Send + Sync>,
        ) -> Result<(), UpdateFailure> {
            *self.installs.lock().unwrap() += 1;
            progress(UpdateProgress {
                downloaded: 10,
                total: Some(10),
            });
            self.install.clone()
        }
    }

    fn fake(
        check: Result<Option<UpdateView>, UpdateFailure>,
        install: Result<(), UpdateFailure>,
    ) -> Fake {
        Fake {
            check,
            install,
            installs: Arc::default(),
        }
    }

    fn newer() -> UpdateView {
        UpdateView {
            version: "0.2.0".into(),
            current_version: "0.1.0".into(),
            date: None,
            notes: Some("Faster dashboard".into()),
        }
    }

    #[tokio::test]
    async fn a_check_says_available_latest_or_that_the_build_has_no_source() {
        let found = check_for_update(&fake(Ok(Some(newer())), Ok(())), "0.1.0")
            .await
            .unwrap();
        assert_eq!(found.state, UpdateState::Available);
        assert_eq!(found.update, Some(newer()));
        let latest = check_for_update(&fake(Ok(None), Ok(())), "0.1.0")
            .await
            .unwrap();
        assert_eq!((latest.state, latest.update), (UpdateState::Latest, None));
        let local = check_for_update(&fake(Err(UpdateFailure::NotConfigured), Ok(())), "0.1.0")
            .await
            .unwrap();
        assert_eq!(local.state, UpdateState::NotConfigured);
        assert_eq!(local.current_version, "0.1.0");
    }

    #[tokio::test]
    async fn an_unreachable_manifest_is_an_error_worth_retrying() {
        let error = check_for_update(
            &fake(Err(UpdateFailure::Unreachable("dns".into())), Ok(())),
            "0.1.0",
        )
        .await
        .unwrap_err();
        assert_eq!(error.code.as_str(), "update_check_failed");
        assert!(error.resumable);
    }

    #[tokio::test]
    async fn install_failures_keep_their_cause_and_say_nothing_was_installed() {
        let progress = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&progress);
        let signature = install_update(
            &fake(
                Ok(Some(newer())),
                Err(UpdateFailure::SignatureInvalid("bad".into())),
            ),
            Box::new(move |step| seen.lock().unwrap().push(step)),
        )
        .await
        .unwrap_err();
        assert_eq!(signature.code.as_str(), "update_signature_invalid");
        assert!(signature.hint.unwrap().starts_with("Nothing was installed"));
        assert_eq!(progress.lock().unwrap().len(), 1);
        let refused = install_update(
            &fake(
                Ok(Some(newer())),
                Err(UpdateFailure::InstallFailed("pkexec".into())),
            ),
            Box::new(|_| {}),
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code.as_str(), "update_install_failed");
        let updater = fake(Ok(Some(newer())), Ok(()));
        install_update(&updater, Box::new(|_| {})).await.unwrap();
        assert_eq!(*updater.installs.lock().unwrap(), 1);
    }
}
