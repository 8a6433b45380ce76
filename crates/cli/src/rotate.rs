//! `rotate`: replacing a setup's webhook URL (after a leak, say) with never a moment
//! without a working one. `start` makes a new dataflow next to the old one, `status`
//! says when the new URL can be handed over and when Chatlio uses it, `url` prints it
//! once it accepts data, `finish` disables the old dataflow and, with `--yes`, deletes
//! it. Each step is saved, so running one again goes on from where it stopped.

use clap::Subcommand;
use platform::Client;
use setup::rotate::{self, Rotation, RotationPhase, RotationStore};
use setup::JournalStore;
use storage::Mode;

use crate::{print_json, CliError, Settings};

#[derive(Subcommand)]
pub enum RotateAction {
    /// Make the new source connection and dataflow (same dataset, mapping and
    /// options); the old URL keeps working.
    Start {
        #[arg(long)]
        name: String,
        /// Which dataflow of a setup with one per Chatlio event (its key, as
        /// `status --name` lists them).
        #[arg(long)]
        flow: Option<String>,
    },
    /// Where the rotation stands, and the records each dataflow received since it
    /// started.
    Status {
        #[arg(long)]
        name: String,
        #[arg(long)]
        flow: Option<String>,
    },
    /// The new webhook URL, once it accepts data (Adobe's warm-up has passed).
    Url {
        #[arg(long)]
        name: String,
        #[arg(long)]
        flow: Option<String>,
    },
    /// Disable the old dataflow (once an event came through the new URL), and with
    /// --yes delete it and its source connection.
    Finish {
        #[arg(long)]
        name: String,
        #[arg(long)]
        flow: Option<String>,
        /// Disable the old dataflow even though no event came through the new URL.
        #[arg(long)]
        force: bool,
        /// Confirms deleting the old dataflow and its source connection.
        #[arg(long)]
        yes: bool,
    },
}

fn stores(global: &Settings) -> (JournalStore, RotationStore) {
    (
        JournalStore::new(global.layout().journals(Mode::Real)),
        RotationStore::new(global.layout().rotations(Mode::Real)),
    )
}

fn phase_words(phase: RotationPhase) -> &'static str {
    match phase {
        RotationPhase::Started => "started: making the new dataflow",
        RotationPhase::Created => "new dataflow made; its URL accepts data after Adobe's warm-up",
        RotationPhase::Ready => "the new URL is ready: put it in Chatlio (`rotate url`)",
        RotationPhase::FirstEventSeen => {
            "Chatlio uses the new URL: `rotate finish` disables the old one"
        }
        RotationPhase::OldDisabled => {
            "the old dataflow is disabled: `rotate finish --yes` deletes it"
        }
        RotationPhase::Finished => "finished: the old dataflow is deleted",
    }
}

fn print_rotation(global: &Settings, rotation: &Rotation) {
    if global.json {
        print_json(rotation);
        return;
    }
    println!(
        "rotation of {:?}{}: {}",
        rotation.setup_name,
        rotation
            .instance
            .as_ref()
            .map(|key| format!(" ({key})"))
            .unwrap_or_default(),
        phase_words(rotation.phase)
    );
    println!("  old dataflow {}", rotation.old_flow_id);
    if let Some(id) = &rotation.new_flow_id {
        println!("  new dataflow {id}");
    }
    if let (RotationPhase::Created, Some(from)) = (rotation.phase, rotation.accepts_data_from) {
        println!("  the new URL accepts data from {}", from.to_rfc3339());
    }
}

pub async fn rotate_command(
    global: &Settings,
    client: &Client,
    action: &RotateAction,
) -> Result<(), CliError> {
    let (journals, rotations) = stores(global);
    match action {
        RotateAction::Start { name, flow } => {
            let rotation = rotate::start(
                client,
                &journals,
                &rotations,
                name,
                flow.as_deref(),
                &global.timing,
            )
            .await?;
            print_rotation(global, &rotation);
        }
        RotateAction::Status { name, flow } => {
            let status = rotate::status(
                client,
                &rotations,
                name,
                flow.as_deref(),
                &global.timing,
                chrono::Utc::now(),
            )
            .await?;
            if global.json {
                print_json(&status);
            } else {
                print_rotation(global, &status.rotation);
                println!(
                    "  since it started: {} record(s) through the old URL, {} through the new one",
                    status.old_received, status.new_received
                );
            }
        }
        RotateAction::Url { name, flow } => {
            // Moves the phase on first, so a warm-up that has passed counts.
            let status = rotate::status(
                client,
                &rotations,
                name,
                flow.as_deref(),
                &global.timing,
                chrono::Utc::now(),
            )
            .await?;
            let url = rotate::new_url(client, &status.rotation, chrono::Utc::now()).await?;
            if global.json {
                print_json(&serde_json::json!({ "webhookUrl": url.as_str() }));
            } else {
                println!("{}", url.as_str());
            }
        }
        RotateAction::Finish {
            name,
            flow,
            force,
            yes,
        } => {
            // Reads the runs first: an event through the new URL moves the
            // rotation on before finishing is judged.
            rotate::status(
                client,
                &rotations,
                name,
                flow.as_deref(),
                &global.timing,
                chrono::Utc::now(),
            )
            .await?;
            let rotation = rotate::finish(
                client,
                &journals,
                &rotations,
                name,
                flow.as_deref(),
                *force,
                *yes,
            )
            .await?;
            print_rotation(global, &rotation);
        }
    }
    Ok(())
}
