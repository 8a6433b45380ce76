//! The browser half of "Sign in with Adobe": opening the authorize URL, receiving the
//! redirect (loopback listener or custom-scheme deep link), checking it, cancel and
//! timeout. The token exchange is in [`Connector::sign_in`](crate::Connector::sign_in).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use url::Url;

use platform::Secret;

use crate::error::ConnectError;
use crate::input::Endpoints;
use crate::store::Storage;

/// The path the loopback listener answers on: `http://127.0.0.1:<port>/callback`.
pub const LOOPBACK_PATH: &str = "/callback";

/// A sensible wait for the user to finish in the browser (sign-in, two-factor prompt,
/// consent).
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// Longest request head the loopback listener reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How the sign-in answer comes back to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectStyle {
    /// A listener on `http://127.0.0.1:<port>/callback` (port 0: any free port). The
    /// credential's redirect URI pattern must allow that address.
    Loopback {
        /// The port; 0 picks a free one.
        port: u16,
    },
    /// A URL the installed app is registered for (e.g. the OAuth Native App credential's
    /// `adobe+<hash>://adobeid/<client id>`); the app's deep-link handler passes the
    /// URL it receives to [`Connector::complete_redirect`](crate::Connector::complete_redirect).
    CustomScheme {
        /// The redirect URI registered for the credential.
        redirect_uri: Url,
    },
}

/// Opens a URL in the user's browser.
pub type Opener = Arc<dyn Fn(&Url) -> Result<(), OpenerError> + Send + Sync>;

/// Why a URL could not be opened.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct OpenerError(pub String);

/// The system browser, through the `open` crate (`xdg-open` and its fallbacks on
/// Linux, `open` on macOS, the shell on Windows). It returns once the launcher started.
pub fn system_browser() -> Opener {
    Arc::new(|url: &Url| {
        open::that_detached(url.as_str()).map_err(|error| OpenerError(error.to_string()))
    })
}

/// Cancels a sign-in that waits for the browser. Clone it: every clone cancels the same
/// sign-in.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for CancelHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelHandle {
    /// A handle that has not been cancelled.
    pub fn new() -> Self {
        let (sender, _receiver) = watch::channel(false);
        Self {
            sender: Arc::new(sender),
        }
    }

    /// Cancels the sign-in (idempotent).
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes when cancelled.
    pub async fn cancelled(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        if receiver.wait_for(|cancelled| *cancelled).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// What the app asks for when the user chooses "Sign in with Adobe".
#[derive(Debug, Clone)]
pub struct SignInRequest {
    /// Adobe, or the simulator for practice.
    pub endpoints: Endpoints,
    /// The user-authentication credential's client id (public client, PKCE).
    pub client_id: String,
    /// Scopes, comma- or space-separated; `None`: [`DEFAULT_SIGN_IN_SCOPES`](crate::DEFAULT_SIGN_IN_SCOPES).
    pub scopes: Option<String>,
    /// How the answer comes back.
    pub redirect: RedirectStyle,
    /// Display name; blank: the organization or "Adobe sign-in".
    pub label: String,
    /// Where to keep the tokens.
    pub storage: Storage,
    /// How long to wait for the user to finish in the browser.
    pub timeout: Duration,
}

/// The query of a redirect back from IMS.
#[derive(Debug, Default)]
pub(crate) struct RedirectParams {
    pub code: Option<Secret>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl RedirectParams {
    pub(crate) fn from_url(url: &Url) -> Self {
        let mut params = Self::default();
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "code" => params.code = Some(Secret::new(value.into_owned())),
                "state" => params.state = Some(value.into_owned()),
                "error" => params.error = Some(value.into_owned()),
                "error_description" => params.error_description = Some(value.into_owned()),
                _ => {}
            }
        }
        params
    }

    /// The authorization code, when the redirect is a valid answer to the request that
    /// sent `expected_state`.
    pub(crate) fn check(self, expected_state: &str) -> Result<Secret, ConnectError> {
        if self.state.as_deref() != Some(expected_state) {
            return Err(ConnectError::StateMismatch);
        }
        if let Some(error) = self.error {
            return Err(match error.as_str() {
                "access_denied" => ConnectError::AccessDenied,
                "invalid_scope" => ConnectError::ScopeRejected(None),
                _ => ConnectError::AuthorizationFailed {
                    error: clip(&error),
                    description: self.error_description.map(|text| clip(&text)),
                },
            });
        }
        self.code
            .filter(|code| !code.is_empty())
            .ok_or_else(|| ConnectError::RedirectInvalid {
                detail: "it has neither a code nor an error".into(),
            })
    }
}

/// Keeps text from the redirect short and printable before it goes into an error.
fn clip(text: &str) -> String {
    text.chars()
        .filter(|character| !character.is_control())
        .take(200)
        .collect()
}

/// A sign-in waiting for a custom-scheme redirect.
#[derive(Debug)]
pub(crate) struct PendingRedirect {
    pub redirect_uri: Url,
    pub sender: oneshot::Sender<RedirectParams>,
}

/// True when `received` is an answer sent to `registered` (same scheme, host, port and
/// path; the query is the answer).
pub(crate) fn same_redirect_target(registered: &Url, received: &Url) -> bool {
    registered.scheme() == received.scheme()
        && registered.host_str() == received.host_str()
        && registered.port_or_known_default() == received.port_or_known_default()
        && registered.path().trim_end_matches('/') == received.path().trim_end_matches('/')
}

/// The loopback listener, bound before the browser opens.
pub(crate) struct LoopbackListener {
    listener: TcpListener,
    redirect_uri: String,
}

impl LoopbackListener {
    pub(crate) async fn bind(port: u16) -> Result<Self, ConnectError> {
        let unavailable = |error: std::io::Error| ConnectError::LoopbackUnavailable {
            port,
            detail: error.to_string(),
        };
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(unavailable)?;
        let bound = listener.local_addr().map_err(unavailable)?.port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{bound}{LOOPBACK_PATH}"),
        })
    }

    pub(crate) fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Serves browser requests until one arrives on [`LOOPBACK_PATH`]; answers it with a
    /// page saying whether the sign-in can go on, and returns its query.
    pub(crate) async fn receive(self, expected_state: &str) -> RedirectParams {
        loop {
            let (stream, _) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "loopback accept failed");
                    continue;
                }
            };
            if let Some(params) = answer(stream, &self.redirect_uri, expected_state).await {
                return params;
            }
        }
    }
}

/// Handles one browser connection; `Some` when it carried the redirect.
async fn answer(
    mut stream: TcpStream,
    redirect_uri: &str,
    expected_state: &str,
) -> Option<RedirectParams> {
    let target = match tokio::time::timeout(REQUEST_READ_TIMEOUT, read_target(&mut stream)).await {
        Ok(Some(target)) => target,
        _ => {
            respond(
                &mut stream,
                400,
                "Bad request",
                "This address only receives the Adobe sign-in answer.",
            )
            .await;
            return None;
        }
    };
    // The request target is origin-form (`/callback?code=...`); resolve it against the
    // redirect URI to read the path and query.
    let url = Url::parse(redirect_uri).ok()?.join(&target).ok()?;
    if url.path() != LOOPBACK_PATH {
        respond(
            &mut stream,
            404,
            "Not found",
            "This address only receives the Adobe sign-in answer.",
        )
        .await;
        return None;
    }
    let params = RedirectParams::from_url(&url);
    let verdict = RedirectParams {
        code: params.code.clone(),
        state: params.state.clone(),
        error: params.error.clone(),
        error_description: None,
    }
    .check(expected_state);
    match verdict {
        Ok(_) => {
            respond(
                &mut stream,
                200,
                "Signed in",
                "You are signed in to Adobe. You can close this tab and return to Chatlio Setup.",
            )
            .await;
        }
        Err(error) => {
            respond(
                &mut stream,
                200,
                "Sign-in not completed",
                &format!("{} Return to Chatlio Setup to try again.", error),
            )
            .await;
        }
    }
    Some(params)
}

/// Reads the request head; the target of a `GET`, else `None`.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() + read > MAX_REQUEST_HEAD {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = std::str::from_utf8(&head).ok()?;
    let mut parts = text.lines().next()?.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET" && target.starts_with('/')).then(|| target.to_owned())
}

async fn respond(stream: &mut TcpStream, status: u16, title: &str, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
<body style=\"font-family: sans-serif; margin: 3em;\"><h1>{title}</h1><p>{}</p></body></html>",
        escape_html(message)
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Err(error) = stream.write_all(response.as_bytes()).await {
        tracing::debug!(%error, "could not answer the browser");
        return;
    }
    if let Err(error) = stream.shutdown().await {
        tracing::debug!(%error, "could not close the browser connection");
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> RedirectParams {
        RedirectParams::from_url(
            &Url::parse(&format!("http://127.0.0.1:1/callback?{query}")).unwrap(),
        )
    }

    #[test]
    fn redirects_are_checked_state_first() {
        assert_eq!(
            params("code=abc&state=s1").check("s1").unwrap().expose(),
            "abc"
        );
        let code = |query: &str| params(query).check("s1").unwrap_err().code().as_str();
        assert_eq!(code("code=abc&state=s2"), "state_mismatch");
        assert_eq!(code("code=abc"), "state_mismatch");
        assert_eq!(code("error=access_denied"), "state_mismatch");
        assert_eq!(code("error=access_denied&state=s1"), "access_denied");
        assert_eq!(code("error=invalid_scope&state=s1"), "scope_rejected");
        assert_eq!(
            code("error=login_required&state=s1"),
            "authorization_failed"
        );
        assert_eq!(code("state=s1"), "redirect_invalid");
        assert_eq!(code("state=s1&code="), "redirect_invalid");
    }

    #[test]
    fn redirect_targets_match_on_scheme_host_and_path() {
        let registered = Url::parse("adobe+12ab://adobeid/client1").unwrap();
        assert!(same_redirect_target(
            &registered,
            &Url::parse("adobe+12ab://adobeid/client1?code=x&state=y").unwrap()
        ));
        assert!(!same_redirect_target(
            &registered,
            &Url::parse("adobe+12ab://adobeid/other?code=x").unwrap()
        ));
        assert!(!same_redirect_target(
            &registered,
            &Url::parse("https://adobeid/client1?code=x").unwrap()
        ));
    }

    #[tokio::test]
    async fn cancel_handle_wakes_waiters() {
        let handle = CancelHandle::new();
        assert!(!handle.is_cancelled());
        let waiter = tokio::spawn({
            let handle = handle.clone();
            async move { handle.cancelled().await }
        });
        handle.cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(handle.is_cancelled());
        // Already cancelled: completes at once.
        tokio::time::timeout(Duration::from_secs(5), handle.cancelled())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_listener_ignores_other_paths_and_answers_the_callback() {
        let listener = LoopbackListener::bind(0).await.unwrap();
        let redirect = listener.redirect_uri().to_owned();
        let server = tokio::spawn(async move { listener.receive("s1").await });
        let base = Url::parse(&redirect).unwrap();
        let client = reqwest::Client::new();
        let favicon = client
            .get(base.join("/favicon.ico").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(favicon.status(), 404);
        let page = client
            .get(format!("{redirect}?code=c1&state=s1"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("close this tab"));
        let received = server.await.unwrap();
        assert_eq!(received.check("s1").unwrap().expose(), "c1");
    }
}
