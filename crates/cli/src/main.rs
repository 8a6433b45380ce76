//! `chatlio-aep`: the headless front end over the setup engine. All logic is
//! in the `setup` crate; this file parses flags, builds the client, prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use platform::{Client, ClientConfig, Credential, ErrorCode, Secret, Url};
use serde::Serialize;
use setup::error::ErrorView;
use setup::{Engine, FailPoint, JournalStore, ProgressEvent, ProgressKind, SetupError, SetupInput};

/// Exit codes (documented in the README; scripts rely on them).
mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const AUTH: u8 = 3;
    pub const RESUMABLE: u8 = 4;
    pub const NAME_TAKEN: u8 = 5;
    pub const PREFLIGHT: u8 = 6;
}

#[derive(Parser)]
#[command(
    name = "chatlio-aep",
    version,
    about = "Set up Chatlio webhooks -> Adobe Experience Platform dataflows"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[arg(long, global = true, env = "CHATLIO_AEP_IMS_URL", default_value = platform::ADOBE_IMS_BASE)]
    ims_url: String,
    #[arg(long, global = true, env = "CHATLIO_AEP_PLATFORM_URL", default_value = platform::ADOBE_PLATFORM_BASE)]
    platform_url: String,
    #[arg(long, global = true, env = "CHATLIO_AEP_CLIENT_ID", default_value = "")]
    client_id: String,
    #[arg(long, global = true, env = "CHATLIO_AEP_ORG_ID", default_value = "")]
    org_id: String,
    #[arg(
        long,
        global = true,
        env = "CHATLIO_AEP_SANDBOX",
        default_value = "prod"
    )]
    sandbox: String,
    /// Where setup journals are kept.
    #[arg(long, global = true, env = "CHATLIO_AEP_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct SetupArgs {
    /// The dataflow's name; also names the setup.
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    schema_title: String,
    #[arg(long, default_value = "")]
    existing_schema_id: String,
    #[arg(long, default_value = "")]
    dataset_name: String,
    #[arg(long, default_value = "")]
    existing_dataset_id: String,
    #[arg(long)]
    profile: bool,
    #[arg(long)]
    error_diagnostics: bool,
    #[arg(long)]
    partial_ingestion_threshold: Option<u8>,
}

#[derive(Subcommand)]
enum Command {
    /// Show every resource and API call a setup would make, and run pre-flight checks.
    Plan {
        #[command(flatten)]
        setup: SetupArgs,
        /// Print the plan as a curl shell script instead.
        #[arg(long)]
        curl: bool,
        /// Skip the pre-flight checks (no network).
        #[arg(long)]
        offline: bool,
    },
    /// Create everything for a new dataflow.
    Setup {
        #[command(flatten)]
        setup: SetupArgs,
    },
    /// Finish an interrupted setup.
    Resume {
        #[arg(long)]
        name: String,
    },
    /// Delete what a setup created (never what existed before).
    Rollback {
        #[arg(long)]
        name: String,
    },
    /// Every Chatlio dataflow in the sandbox, or one setup's journal with --name.
    Status {
        #[arg(long)]
        name: Option<String>,
    },
    /// Send a generated Chatlio event to a dataflow and wait until it is counted.
    TestEvent {
        #[arg(long)]
        flow_id: String,
        #[arg(long, default_value = "new_conversation")]
        event: String,
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
    },
    /// Delete a Chatlio dataflow and its connections (made here or elsewhere).
    Teardown {
        #[arg(long)]
        flow_id: String,
        /// Confirms the deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Platform(#[from] platform::PlatformError),
    #[error(transparent)]
    TestEvent(#[from] setup::status::TestEventError),
    #[error("pre-flight checks failed")]
    Preflight,
}

impl CliError {
    fn exit_code(&self) -> u8 {
        let auth =
            |code: ErrorCode| matches!(code, ErrorCode::Unauthenticated | ErrorCode::Forbidden);
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Preflight => exit::PREFLIGHT,
            Self::Setup(SetupError::Invalid(_)) => exit::USAGE,
            Self::Setup(SetupError::NameTaken { .. }) => exit::NAME_TAKEN,
            Self::Setup(error) if error.platform_error().is_some_and(|e| auth(e.code())) => {
                exit::AUTH
            }
            Self::Setup(error) if error.is_resumable() => exit::RESUMABLE,
            Self::Platform(error) if auth(error.code()) => exit::AUTH,
            Self::Platform(error) if error.is_retryable() => exit::RESUMABLE,
            _ => exit::FAILED,
        }
    }

    fn view(&self) -> serde_json::Value {
        match self {
            Self::Setup(error) => serde_json::to_value(ErrorView::from(error)).unwrap_or_default(),
            Self::Platform(error) => serde_json::to_value(error).unwrap_or_default(),
            other => serde_json::json!({"code": "cli", "message": other.to_string()}),
        }
    }
}

fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("chatlio-aep: cannot encode the result: {error}"),
    }
}

fn client(global: &Global, sandbox: &str) -> Result<Client, CliError> {
    let secret = std::env::var("CHATLIO_AEP_CLIENT_SECRET").map_err(|_| {
        CliError::Usage(
            "set CHATLIO_AEP_CLIENT_SECRET (the secret is never taken as a flag)".into(),
        )
    })?;
    let parse = |what: &str, text: &str| {
        Url::parse(text).map_err(|_| CliError::Usage(format!("{what} is not a URL")))
    };
    let config = ClientConfig::new(
        parse("the IMS URL", &global.ims_url)?,
        parse("the Platform URL", &global.platform_url)?,
        global.org_id.as_str(),
        sandbox,
        Credential::server_to_server(global.client_id.as_str(), Secret::from(secret)),
    );
    Ok(Client::new(config)?)
}

fn data_dir(global: &Global) -> PathBuf {
    global.data_dir.clone().unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".local/share/chatlio-aep"))
            .unwrap_or_else(|| PathBuf::from("chatlio-aep-journals"))
    })
}

fn engine(global: &Global, client: Client) -> Engine {
    let json = global.json;
    let sink = Arc::new(move |event: &ProgressEvent| {
        if json {
            if let Ok(line) = serde_json::to_string(event) {
                eprintln!("{line}");
            }
            return;
        }
        let step = event.step.as_str();
        match &event.kind {
            ProgressKind::Started => eprintln!("  {step:<20} started"),
            ProgressKind::Done {
                adopted,
                pre_existing,
                ..
            } => {
                let how = match (adopted, pre_existing) {
                    (_, true) => "done (existing, kept)",
                    (true, false) => "done (adopted from an earlier run)",
                    _ => "done",
                };
                eprintln!("  {step:<20} {how}");
            }
            ProgressKind::Skipped => eprintln!("  {step:<20} skipped"),
            ProgressKind::Failed { error } => {
                eprintln!("  {step:<20} FAILED: {} ({})", error.message, error.hint)
            }
            ProgressKind::RolledBack { .. } => eprintln!("  {step:<20} deleted"),
            ProgressKind::Kept { reason } => eprintln!("  {step:<20} kept ({reason:?})"),
        }
    });
    // A test hook, compiled into debug builds only: simulate a crash.
    let fail_point = if cfg!(debug_assertions) {
        std::env::var("CHATLIO_AEP_FAIL_POINT")
            .ok()
            .and_then(|text| FailPoint::parse(&text))
    } else {
        None
    };
    Engine::new(client, JournalStore::new(data_dir(global)))
        .with_progress(sink)
        .with_fail_point(fail_point)
}

fn request(global: &Global, args: &SetupArgs) -> Result<setup::SetupRequest, CliError> {
    SetupInput {
        name: args.name.clone(),
        sandbox: global.sandbox.clone(),
        existing_schema_id: args.existing_schema_id.clone(),
        schema_title: args.schema_title.clone(),
        existing_dataset_id: args.existing_dataset_id.clone(),
        dataset_name: args.dataset_name.clone(),
        profile_enabled: args.profile,
        error_diagnostics: args.error_diagnostics,
        partial_ingestion_threshold: args.partial_ingestion_threshold,
    }
    .validate()
    .map_err(|errors| CliError::Setup(SetupError::Invalid(errors)))
}

fn print_outcome(global: &Global, outcome: &setup::SetupOutcome) {
    if global.json {
        print_json(outcome);
        return;
    }
    println!(
        "setup {:?}: {}",
        outcome.setup_name,
        if outcome.complete {
            "complete"
        } else {
            "incomplete"
        }
    );
    if let Some(flow) = &outcome.flow_id {
        println!("dataflow id: {flow}");
    }
    if let Some(url) = &outcome.webhook_url {
        println!(
            "webhook URL (paste into Chatlio's webhook fields): {}",
            url.as_str()
        );
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Plan {
            setup: args,
            curl,
            offline,
        } => {
            let request = request(global, args)?;
            let plan = setup::plan::Plan::new(&request).map_err(SetupError::from)?;
            if *curl {
                print!("{}", plan.to_curl_script());
                return Ok(());
            }
            let report = if *offline {
                None
            } else {
                Some(
                    setup::preflight::preflight(&client(global, &request.sandbox)?, &request).await,
                )
            };
            if global.json {
                print_json(&serde_json::json!({"plan": plan, "preflight": report}));
            } else {
                println!("Resources:");
                for resource in &plan.resources {
                    println!(
                        "  {:<20} {:<16} {:?}",
                        resource.kind,
                        format!("{:?}", resource.action),
                        resource.name
                    );
                }
                println!("Calls:");
                for call in &plan.calls {
                    println!("  {:<6} {}  ({})", call.method, call.path, call.note);
                }
                if let Some(report) = &report {
                    println!("Pre-flight:");
                    for check in &report.checks {
                        println!("  {:<22} {:?}: {}", check.id, check.state, check.message);
                        if let Some(hint) = &check.hint {
                            println!("  {:<22} fix: {hint}", "");
                        }
                    }
                }
            }
            if report.is_some_and(|report| !report.ok) {
                return Err(CliError::Preflight);
            }
            Ok(())
        }
        Command::Setup { setup: args } => {
            let request = request(global, args)?;
            let engine = engine(global, client(global, &request.sandbox)?);
            let outcome = engine.apply(&request).await?;
            print_outcome(global, &outcome);
            Ok(())
        }
        Command::Resume { name } => {
            let engine = engine(global, client(global, &global.sandbox)?);
            let outcome = engine.resume(name).await?;
            print_outcome(global, &outcome);
            Ok(())
        }
        Command::Rollback { name } => {
            let engine = engine(global, client(global, &global.sandbox)?);
            let outcome = engine.rollback(name).await?;
            if global.json {
                print_json(&outcome);
            } else {
                println!(
                    "rolled back {:?}: {} deleted, {} kept",
                    outcome.setup_name,
                    outcome.deleted.len(),
                    outcome.kept.len()
                );
            }
            Ok(())
        }
        Command::Status { name: Some(name) } => {
            let engine = engine(global, client(global, &global.sandbox)?);
            print_outcome(global, &engine.status(name)?);
            Ok(())
        }
        Command::Status { name: None } => {
            let client = client(global, &global.sandbox)?;
            let flows = setup::status::sandbox_status(&client).await?;
            if global.json {
                print_json(&flows);
            } else {
                println!(
                    "{:<38} {:<28} {:<9} {:>8} {:>8} {:>6}  stale",
                    "flow id", "name", "state", "received", "ingested", "failed"
                );
                for flow in &flows {
                    println!(
                        "{:<38} {:<28} {:<9} {:>8} {:>8} {:>6}  {}",
                        flow.flow_id,
                        flow.name,
                        flow.state,
                        flow.received,
                        flow.ingested,
                        flow.failed,
                        flow.stale
                    );
                    for error in &flow.errors {
                        println!("    {}: {}", error.explanation, error.fix);
                    }
                }
            }
            Ok(())
        }
        Command::TestEvent {
            flow_id,
            event,
            timeout_secs,
        } => {
            let kind: chatlio::EventKind = event
                .parse()
                .map_err(|_| CliError::Usage(format!("unknown event kind {event:?}")))?;
            let client = client(global, &global.sandbox)?;
            let json = global.json;
            let progress = move |phase: setup::status::TestEventPhase| {
                if !json {
                    eprintln!("  {phase:?}");
                }
            };
            let outcome = setup::status::send_test_event(
                &client,
                flow_id,
                kind,
                Duration::from_secs(*timeout_secs),
                &progress,
            )
            .await?;
            if global.json {
                print_json(&outcome);
            } else {
                println!(
                    "event {} accepted; counted={} ingested={} failed={} after {} ms",
                    kind.code(),
                    outcome.counted,
                    outcome.ingested,
                    outcome.failed,
                    outcome.elapsed_ms
                );
            }
            if !outcome.counted {
                return Err(CliError::Usage(
                    "the event was accepted but not counted before the deadline".into(),
                ));
            }
            Ok(())
        }
        Command::Teardown { flow_id, yes } => {
            if !yes {
                return Err(CliError::Usage(
                    "teardown deletes the dataflow and its connections: add --yes".into(),
                ));
            }
            let client = client(global, &global.sandbox)?;
            let deleted = setup::status::teardown(&client, flow_id).await?;
            if global.json {
                print_json(&deleted);
            } else {
                println!(
                    "deleted dataflow {flow_id} and {} connections",
                    deleted.len().saturating_sub(1)
                );
            }
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    match run(cli).await {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => {
            if json {
                print_json(&serde_json::json!({"error": error.view()}));
            } else {
                eprintln!("chatlio-aep: {error}");
                if let CliError::Setup(setup_error) = &error {
                    eprintln!("  fix: {}", setup_error.hint());
                    if let SetupError::Invalid(fields) = setup_error {
                        for field in fields {
                            eprintln!("  {field}");
                        }
                    }
                }
                if let CliError::Platform(platform_error) = &error {
                    eprintln!("  fix: {}", platform_error.hint());
                }
            }
            ExitCode::from(error.exit_code())
        }
    }
}
