//! `platform-sim`: a local emulator of the Adobe IMS and Experience Platform APIs that the
//! Chatlio setup app uses (IMS, Sandbox Management, Schema Registry, Catalog, Data Prep,
//! Data Access, Flow Service and the streaming inlet), plus a `/__sim/` control surface
//! for tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), platform_sim::SimError> {
//! let sim = platform_sim::start(platform_sim::SimConfig::default()).await?;
//! println!("{}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

mod catalog;
mod clock;
mod control;
mod data_access;
pub mod dataprep;
mod errors;
mod faults;
mod flow_service;
mod gateway;
mod ims;
mod inlet;
mod sandbox;
mod schema_registry;
mod state;
mod util;
pub mod xdm;

pub use state::{rounds, rounds_of_spans, LogEntry, RequestLog, ALL_PERMISSIONS};

use state::{AppState, Sim};

/// Configuration of one simulator instance.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Client id (API key) of the seeded credential.
    pub client_id: String,
    /// Client secret of the seeded credential.
    pub client_secret: String,
    /// IMS org id of the seeded org (`<24 hex>@AdobeOrg`).
    pub org_id: String,
    /// Schema Registry tenant id (custom fields live under `_<tenant_id>`).
    pub tenant_id: String,
    /// Length of one flow-run window (Adobe: one hour,
    /// help/sources/tutorials/ui/monitor-streaming.md).
    pub run_window: Duration,
    /// How long after a flow is created (or a draft published) its inlet answers posts
    /// without ingesting or counting them (Adobe: about 5 minutes,
    /// help/sources/tutorials/api/create/streaming/http.md). Tests that need data at once
    /// pass a short one.
    pub warmup: Duration,
    /// Lifetime of IMS access tokens (Adobe: 24 hours).
    pub token_lifetime: Duration,
    /// Fixed latency added to every non-control request.
    pub latency: Duration,
    /// Seed for random fault injection.
    pub seed: u64,
    /// When set, state is loaded from and saved to this JSON file.
    pub state_file: Option<PathBuf>,
    /// Connection spec and flow spec ids served with `attributes.isDraftModeSupported:
    /// true`, so Flow Service accepts `mode=draft` for them. Empty by default: Adobe's
    /// docs show the flag on neither Chatlio's connection spec nor GenericStreamingAEP.
    pub draft_mode_specs: Vec<String>,
    /// When set, every `/__sim/` control call must carry it in the
    /// [`CONTROL_TOKEN_HEADER`] header (403 otherwise): the app's practice
    /// simulator sets one per run, so no other local process can read its
    /// state or inject faults. `None` (the default) leaves the surface open,
    /// as tests and the binary expect.
    pub control_token: Option<String>,
    /// The instant the simulator's clock reads when it starts; `None` (the default) is
    /// real time. The clock then runs at real speed and only moves forward (control
    /// calls `PUT /__sim/clock` and `POST /__sim/clock/advance`): token lifetimes, warm-ups,
    /// run windows and every recorded time follow it, so a test can use it as its own now.
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
}

/// The header that carries [`SimConfig::control_token`].
pub const CONTROL_TOKEN_HEADER: &str = "x-sim-control-token";

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            client_id: "practice-client".into(),
            client_secret: "practice-secret".into(),
            org_id: "PRACTICE0000000000000000@AdobeOrg".into(),
            tenant_id: "practice".into(),
            run_window: Duration::from_secs(3600),
            warmup: Duration::from_secs(300),
            token_lifetime: Duration::from_secs(24 * 3600),
            latency: Duration::ZERO,
            seed: 0,
            state_file: None,
            draft_mode_specs: Vec::new(),
            control_token: None,
            clock_start: None,
        }
    }
}

/// Errors starting or persisting the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot read or write the state file {path}: {source}")]
    StateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the state file {path} is not valid: {source}")]
    StateDecode {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot encode the state: {source}")]
    StateEncode { source: serde_json::Error },
}

impl SimError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SimError::Bind { .. } => "bind",
            SimError::StateFile { .. } => "state_file",
            SimError::StateDecode { .. } => "state_decode",
            SimError::StateEncode { .. } => "state_encode",
        }
    }
}

/// A running simulator. Dropping it without [`RunningSim::shutdown`] leaves the server
/// task running until the runtime ends.
pub struct RunningSim {
    base_url: String,
    config: SimConfig,
    sim: Arc<Sim>,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    flusher: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Stops accepting connections, closes open ones and saves the state file if any.
    pub async fn shutdown(self) {
        if self.stop.send(true).is_err() {
            tracing::debug!("server task already stopped");
        }
        if let Err(error) = self.server.await {
            tracing::warn!(%error, "server task ended abnormally");
        }
        if let Some(flusher) = self.flusher {
            flusher.abort();
            if let Err(error) = flusher.await {
                if !error.is_cancelled() {
                    tracing::warn!(%error, "state flusher ended abnormally");
                }
            }
        }
        if let Some(path) = &self.config.state_file {
            if let Err(error) = self.sim.save_to(path) {
                tracing::warn!(%error, "could not save the state file on shutdown");
            }
        }
    }
}

/// Starts a simulator on 127.0.0.1.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    let sim = Arc::new(Sim::new(config.clone()));
    if let Some(path) = &config.state_file {
        if path.exists() {
            let text = std::fs::read(path).map_err(|source| SimError::StateFile {
                path: path.clone(),
                source,
            })?;
            let persisted =
                serde_json::from_slice(&text).map_err(|source| SimError::StateDecode {
                    path: path.clone(),
                    source,
                })?;
            sim.restore(persisted);
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|source| SimError::Bind {
            port: config.port,
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| SimError::Bind {
            port: config.port,
            source,
        })?
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    *sim.base_url.write() = base_url.clone();
    flow_service::rebuild_inlets(&sim);

    let router = build_router(Arc::clone(&sim));
    let (stop, stop_rx) = watch::channel(false);
    let server = tokio::spawn(serve(listener, router, stop_rx));
    let flusher = config.state_file.clone().map(|path| {
        let sim = Arc::clone(&sim);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_millis(500));
            loop {
                ticker.tick().await;
                if sim.dirty.swap(false, Ordering::AcqRel) {
                    if let Err(error) = sim.save_to(&path) {
                        tracing::warn!(%error, "could not save the state file");
                    }
                }
            }
        })
    });
    Ok(RunningSim {
        base_url,
        config,
        sim,
        stop,
        server,
        flusher,
    })
}

/// The path as the client sent it, before a trailing slash is dropped for routing: the
/// request log and fault rules see what was asked for.
#[derive(Clone)]
struct RequestedPath(String);

/// Lets the fault injector close a connection without answering.
#[derive(Clone)]
pub(crate) struct ConnectionKill(Arc<Notify>);

async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::debug!(%error, "set_nodelay failed");
                }
                let router = router.clone();
                connections.spawn(async move {
                    let kill = Arc::new(Notify::new());
                    let kill_for_requests = Arc::clone(&kill);
                    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                        let router = router.clone();
                        let kill = ConnectionKill(Arc::clone(&kill_for_requests));
                        async move {
                            let mut request = request.map(axum::body::Body::new);
                            let requested = RequestedPath(request.uri().path().to_string());
                            request.extensions_mut().insert(requested);
                            util::drop_trailing_slash(request.uri_mut());
                            request.extensions_mut().insert(kill);
                            router.oneshot(request).await
                        }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        result = connection => {
                            if let Err(error) = result {
                                tracing::debug!(%error, "connection ended with an error");
                            }
                        }
                        () = kill.notified() => {
                            tracing::debug!("connection dropped by fault injection");
                        }
                    }
                });
            }
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

fn build_router(sim: AppState) -> Router {
    Router::new()
        .merge(ims::routes())
        .merge(control::routes())
        .merge(sandbox::routes())
        .merge(schema_registry::routes())
        .merge(catalog::routes())
        .merge(dataprep::routes())
        .merge(data_access::routes())
        .merge(flow_service::routes())
        .merge(inlet::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&sim),
            observe,
        ))
        .with_state(sim)
}

async fn no_route(State(sim): State<AppState>, request: Request) -> Response {
    errors::no_route(
        request.method().as_str(),
        request.uri().path(),
        sim.clock.now_ms(),
    )
    .into_response()
}

async fn wrong_method(request: Request) -> Response {
    errors::wrong_method(request.method().as_str(), request.uri().path()).into_response()
}

/// Request log, latency and fault injection around every non-control request.
async fn observe(State(sim): State<AppState>, request: Request, next: Next) -> Response {
    let path = request
        .extensions()
        .get::<RequestedPath>()
        .map_or_else(|| request.uri().path().to_string(), |path| path.0.clone());
    if path.starts_with("/__sim") {
        if let Some(refused) = control::refuse_without_token(&sim, request.headers()) {
            return refused;
        }
        return next.run(request).await;
    }
    let method = request.method().as_str().to_string();
    let seq = sim.next_log_seq();
    sim.log.lock().push(LogEntry {
        seq,
        method: method.clone(),
        path: path.clone(),
        query: request.uri().query().map(str::to_string),
        status: None,
        started_ms: sim.clock.now_ms(),
        ended_ms: None,
        duration_ms: None,
        fault: None,
    });
    let (latency, fault) = {
        let mut faults = sim.faults.lock();
        (faults.latency, faults.decide(&method, &path))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(faults::FaultAction::Drop) => {
            sim.log
                .lock()
                .finish(seq, None, Some("drop".into()), sim.clock.now_ms());
            if let Some(kill) = request.extensions().get::<ConnectionKill>() {
                kill.0.notify_one();
                // The connection task drops this future together with the connection.
                std::future::pending::<()>().await;
            }
            StatusCode::BAD_GATEWAY.into_response()
        }
        Some(faults::FaultAction::DropAfter) => {
            // The request is carried out, then the connection dies before the
            // answer: the caller cannot know whether it took effect.
            let kill = request.extensions().get::<ConnectionKill>().cloned();
            let response = next.run(request).await;
            sim.log.lock().finish(
                seq,
                None,
                Some(format!("drop_after:{}", response.status().as_u16())),
                sim.clock.now_ms(),
            );
            if let Some(kill) = kill {
                kill.0.notify_one();
                std::future::pending::<()>().await;
            }
            StatusCode::BAD_GATEWAY.into_response()
        }
        Some(faults::FaultAction::Respond {
            status,
            retry_after_secs,
            body,
        }) => {
            let status_code =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = body.unwrap_or_else(|| faults::injected_body(status));
            let mut response = (status_code, axum::Json(body)).into_response();
            if let Some(seconds) = retry_after_secs {
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    response
                        .headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, value);
                }
            }
            sim.log.lock().finish(
                seq,
                Some(status),
                Some(format!("status:{status}")),
                sim.clock.now_ms(),
            );
            response
        }
        None => {
            let response = errors::stamp_report_time(next.run(request).await, sim.clock.now());
            sim.log.lock().finish(
                seq,
                Some(response.status().as_u16()),
                None,
                sim.clock.now_ms(),
            );
            response
        }
    }
}
