//! `platform-sim` binary: runs the emulator until Ctrl-C.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "platform-sim",
    about = "Local emulator of Adobe IMS and Experience Platform APIs"
)]
struct Arguments {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8088)]
    port: u16,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
    #[arg(long)]
    org_id: Option<String>,
    #[arg(long)]
    tenant_id: Option<String>,
    /// Length of a flow-run window in seconds (Adobe: 3600).
    #[arg(long)]
    run_window_secs: Option<u64>,
    /// Seconds after a flow's creation during which its inlet answers but ingests nothing
    /// (Adobe: about 300).
    #[arg(long)]
    warmup_secs: Option<u64>,
    /// Access-token lifetime in seconds (Adobe: 86400).
    #[arg(long)]
    token_lifetime_secs: Option<u64>,
    /// JSON file to load state from and save it to.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Fixed latency added to every request, in milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Seed for random fault injection.
    #[arg(long)]
    seed: Option<u64>,
    /// A connection spec or flow spec id to serve with `isDraftModeSupported: true`
    /// (repeatable).
    #[arg(long = "draft-mode-spec")]
    draft_mode_specs: Vec<String>,
    /// Start the simulator's clock at this RFC 3339 instant (e.g. 2027-03-26T16:30:00Z)
    /// instead of real time; it then runs at real speed.
    #[arg(long = "clock", value_name = "RFC3339", value_parser = parse_instant)]
    clock_start: Option<DateTime<Utc>>,
}

/// An RFC 3339 instant in any offset, as UTC.
fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|error| format!("not an RFC 3339 instant ({error})"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let arguments = Arguments::parse();
    let defaults = platform_sim::SimConfig::default();
    let config = platform_sim::SimConfig {
        port: arguments.port,
        client_id: arguments.client_id.unwrap_or(defaults.client_id),
        client_secret: arguments.client_secret.unwrap_or(defaults.client_secret),
        org_id: arguments.org_id.unwrap_or(defaults.org_id),
        tenant_id: arguments.tenant_id.unwrap_or(defaults.tenant_id),
        run_window: arguments
            .run_window_secs
            .map(Duration::from_secs)
            .unwrap_or(defaults.run_window),
        warmup: arguments
            .warmup_secs
            .map(Duration::from_secs)
            .unwrap_or(defaults.warmup),
        token_lifetime: arguments
            .token_lifetime_secs
            .map(Duration::from_secs)
            .unwrap_or(defaults.token_lifetime),
        latency: arguments
            .latency_ms
            .map(Duration::from_millis)
            .unwrap_or(defaults.latency),
        seed: arguments.seed.unwrap_or(defaults.seed),
        state_file: arguments.state_file,
        control_token: None,
        draft_mode_specs: arguments.draft_mode_specs,
        clock_start: arguments.clock_start,
    };
    let sim = match platform_sim::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("platform-sim: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = sim.config();
    println!("platform-sim listening on {}", sim.base_url());
    println!(
        "client_id={} client_secret={} org_id={} tenant_id={} sandboxes=prod,dev",
        config.client_id, config.client_secret, config.org_id, config.tenant_id
    );
    if let Some(start) = config.clock_start {
        println!(
            "clock starts at {}",
            start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("platform-sim: cannot wait for Ctrl-C: {error}");
    }
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
