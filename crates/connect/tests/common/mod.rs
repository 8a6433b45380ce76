//! Shared helpers: the simulator, a fake browser that drives its sign-in page over
//! HTTP, temporary data folders.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use connect::{
    ConnectionId, ConnectionStore, Connector, Endpoints, Opener, OpenerError,
    ServerToServerCredential, ServerToServerInput, SharedVault, Storage,
};
use platform::{Secret, Url};
use platform_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};

pub async fn start_sim() -> RunningSim {
    platform_sim::start(SimConfig::default()).await.unwrap()
}

pub fn practice(sim: &RunningSim) -> Endpoints {
    Endpoints::practice(&sim.base_url()).unwrap()
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {error}", self.0.display());
        }
    }
}

pub fn data_dir(name: &str) -> TempDir {
    let directory = std::env::temp_dir().join(format!(
        "connect-test-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&directory).unwrap();
    TempDir(directory)
}

/// A connector whose "keychain" is `vault` (a `SessionVault` stands in for the OS
/// keychain where the keychain itself is not under test).
pub fn connector(directory: &std::path::Path, vault: SharedVault) -> Connector {
    Connector::new(ConnectionStore::new(directory), Some(vault))
}

/// A new credential in the simulator: `{"clientId","clientSecret","orgId",...}`.
pub async fn sim_credential(sim: &RunningSim, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/__sim/credentials", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

pub fn credential_from(created: &Value) -> ServerToServerCredential {
    ServerToServerInput {
        client_id: created["clientId"].as_str().unwrap().into(),
        client_secret: Secret::from(created["clientSecret"].as_str().unwrap()),
        org_id: created["orgId"].as_str().unwrap().into(),
        scopes: None,
    }
    .validate()
    .unwrap()
}

pub fn seeded_credential(sim: &RunningSim) -> ServerToServerCredential {
    let config = sim.config();
    ServerToServerInput {
        client_id: config.client_id.clone(),
        client_secret: Secret::from(config.client_secret.as_str()),
        org_id: config.org_id.clone(),
        scopes: None,
    }
    .validate()
    .unwrap()
}

/// Connects the simulator's seeded server-to-server credential, its secrets in the
/// keychain slot of the connector's vault, and returns the saved connection's id.
pub async fn connect_seeded(connector: &Connector, sim: &RunningSim) -> ConnectionId {
    connector
        .connect_server_to_server(
            &practice(sim),
            seeded_credential(sim),
            "",
            Storage::Keychain,
        )
        .await
        .unwrap()
        .connection
        .id
}

/// How many requests the simulator logged for `path`.
pub async fn request_count(sim: &RunningSim, path: &str) -> usize {
    let log: Value = reqwest::get(format!("{}/__sim/requests", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["path"] == path)
        .count()
}

pub async fn expire_tokens(sim: &RunningSim) {
    let response = reqwest::Client::new()
        .post(format!("{}/__sim/tokens/expire", sim.base_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

/// What the fake browser does on the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Signs in and allows.
    Allow,
    /// Clicks Deny.
    Deny,
    /// Allows, then changes `state` in the redirect before following it.
    TamperState,
}

/// Plays the user in a browser: opens the authorize URL, submits the simulator's
/// sign-in form, and returns the redirect IMS answers with. An `http` redirect (the
/// loopback listener) is followed, as a browser would.
pub async fn drive_sign_in(authorize: Url, behaviour: Browser) -> Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(authorize.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_inputs(&page);
    assert!(
        form.iter().any(|(name, _)| name == "code_challenge"),
        "not the sign-in page: {page}"
    );
    form.push(("email".into(), "practice.user@example.com".into()));
    form.push(("password".into(), "practice".into()));
    let decision = if behaviour == Browser::Deny {
        "deny"
    } else {
        "allow"
    };
    form.push(("decision".into(), decision.into()));
    let submitted = http
        .post(authorize.join("/ims/authorize/v2").unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 302);
    let location = submitted.headers()["location"].to_str().unwrap().to_owned();
    let mut redirect = Url::parse(&location).unwrap();
    if behaviour == Browser::TamperState {
        let pairs: Vec<(String, String)> = redirect
            .query_pairs()
            .map(|(key, value)| {
                let value = if key == "state" {
                    "forged-state".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        redirect.query_pairs_mut().clear().extend_pairs(pairs);
    }
    if redirect.scheme() == "http" {
        let landing = http.get(redirect.clone()).send().await.unwrap();
        assert_eq!(landing.status(), 200);
    }
    redirect
}

/// The `<input type="hidden" name=".." value="..">` fields of a page.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[start + "<input type=\"hidden\" name=\"".len()..];
        let name_end = rest.find('"').unwrap();
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        let value_start = rest.find("value=\"").unwrap() + "value=\"".len();
        rest = &rest[value_start..];
        let value_end = rest.find('"').unwrap();
        let value = rest[..value_end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        fields.push((name, value));
        rest = &rest[value_end..];
    }
    fields
}

/// An opener that hands the authorize URL to the fake browser on this runtime; the
/// final redirect goes to `redirects` (for custom-scheme flows).
pub fn fake_browser(
    behaviour: Browser,
    redirects: Option<tokio::sync::mpsc::UnboundedSender<Url>>,
) -> Opener {
    let runtime = tokio::runtime::Handle::current();
    Arc::new(move |url: &Url| -> Result<(), OpenerError> {
        let url = url.clone();
        let redirects = redirects.clone();
        runtime.spawn(async move {
            let redirect = drive_sign_in(url, behaviour).await;
            if let Some(redirects) = redirects {
                redirects.send(redirect).unwrap();
            }
        });
        Ok(())
    })
}

/// An opener for a user who never finishes (for cancel and timeout).
pub fn idle_browser(opened: Arc<std::sync::atomic::AtomicUsize>) -> Opener {
    Arc::new(move |_url: &Url| -> Result<(), OpenerError> {
        opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    })
}
