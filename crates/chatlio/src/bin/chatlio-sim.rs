//! `chatlio-sim`: send realistic Chatlio webhook bodies to a URL.
//!
//! ```text
//! chatlio-sim send --url URL --event KIND [--count N] [--rate R/s] [--seed S]
//! chatlio-sim generate --event KIND [--seed S]
//! chatlio-sim example --event KIND
//! ```

use chatlio::{generate, EventKind, Sender};
use clap::{Parser, Subcommand};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "chatlio-sim", version, about = "Simulate Chatlio webhooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// POST generated bodies to a webhook URL and report each response.
    Send {
        /// Webhook URL, e.g. an AEP inlet URL with `?x-adobe-flow-id=...`.
        #[arg(long)]
        url: String,
        /// new_conversation, unanswered_visitor, visitor_feedback,
        /// offline_message, chat_transcript, `all` to rotate through them,
        /// or `unidentifiable`: a body with no visitor or conversation id,
        /// which Adobe receives but cannot ingest (to see failures).
        #[arg(long)]
        event: EventChoice,
        /// Number of requests.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Requests per second, e.g. `5` or `5/s`. Unlimited when absent.
        #[arg(long, value_parser = parse_rate)]
        rate: Option<f64>,
        /// Seed for the generator (same seed, same bodies).
        #[arg(long)]
        seed: Option<u64>,
        /// Request timeout in seconds.
        #[arg(long, default_value_t = 10)]
        timeout_secs: u64,
    },
    /// Print Chatlio's documented example body for an event.
    Example {
        #[arg(long)]
        event: EventKind,
    },
    /// Print one generated body.
    Generate {
        #[arg(long)]
        event: EventChoice,
        #[arg(long)]
        seed: Option<u64>,
    },
}

#[derive(Debug, Clone, Copy)]
enum EventChoice {
    One(EventKind),
    All,
    Unidentifiable,
}

impl std::str::FromStr for EventChoice {
    type Err = chatlio::UnknownEventKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "all" {
            Ok(EventChoice::All)
        } else if text == "unidentifiable" {
            Ok(EventChoice::Unidentifiable)
        } else {
            text.parse().map(EventChoice::One)
        }
    }
}

impl EventChoice {
    fn label(self, index: u32) -> &'static str {
        match self {
            EventChoice::One(kind) => kind.code(),
            EventChoice::All => {
                let position = usize::try_from(index).unwrap_or(0) % EventKind::ALL.len();
                EventKind::ALL[position].code()
            }
            EventChoice::Unidentifiable => "unidentifiable",
        }
    }

    fn payload_for(self, index: u32, rng: &mut StdRng) -> serde_json::Value {
        match self {
            EventChoice::One(kind) => generate(kind, rng),
            EventChoice::All => {
                let position = usize::try_from(index).unwrap_or(0) % EventKind::ALL.len();
                generate(EventKind::ALL[position], rng)
            }
            EventChoice::Unidentifiable => chatlio::unidentifiable_payload(),
        }
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("{text:?} is not a positive rate such as 5 or 5/s")),
    }
}

fn rng_for(seed: Option<u64>) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_os_rng(),
    }
}

async fn run_send(
    url: &str,
    event: EventChoice,
    count: u32,
    rate: Option<f64>,
    seed: Option<u64>,
    timeout: Duration,
) -> ExitCode {
    let sender = match Sender::new(timeout) {
        Ok(sender) => sender,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut rng = rng_for(seed);
    let interval = rate.map(|rate| Duration::from_secs_f64(1.0 / rate));
    let started = tokio::time::Instant::now();
    let mut failures = 0_u32;
    for index in 0..count {
        if let Some(interval) = interval {
            tokio::time::sleep_until(started + interval * index).await;
        }
        let payload = event.payload_for(index, &mut rng);
        let kind = event.label(index);
        let outcome = sender.send(url, &payload).await;
        let status = outcome
            .status
            .map_or_else(|| "-".to_owned(), |status| status.to_string());
        let detail = match (&outcome.error, &outcome.response) {
            (Some(error), _) => format!("error: {error}"),
            (None, Some(response)) => response.to_string(),
            (None, None) => String::new(),
        };
        println!(
            "#{number} {kind} status={status} {elapsed}ms {detail}",
            number = index + 1,
            elapsed = outcome.elapsed_ms
        );
        if !outcome.is_success() {
            failures += 1;
        }
    }
    println!("sent={count} ok={} failed={failures}", count - failures);
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_json(value: &serde_json::Value) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Send {
            url,
            event,
            count,
            rate,
            seed,
            timeout_secs,
        } => {
            run_send(
                &url,
                event,
                count,
                rate,
                seed,
                Duration::from_secs(timeout_secs),
            )
            .await
        }
        Command::Example { event } => print_json(&chatlio::documented_example(event)),
        Command::Generate { event, seed } => {
            let mut rng = rng_for(seed);
            print_json(&event.payload_for(0, &mut rng))
        }
    }
}
