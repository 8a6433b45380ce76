//! After a full setup, status, test event, drift check, records read back
//! whole, failed, dry-run and re-sent, plan export and rollback, with every
//! crate logging at TRACE into a buffer: neither the log nor any file in the
//! journal directory holds the client secret, an access token, the full
//! webhook URL or a visitor's personal data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{request, short_timing, Harness};
use platform_sim::SimConfig;
use tracing_subscriber::fmt::MakeWriter;

const CLIENT_SECRET: &str = "hygiene-client-secret-5d1f0c9a7e";
/// Personal data in the records read and re-sent: never logged or written.
const VISITOR_EMAIL: &str = "hygiene.visitor.7c1e@example.org";
const VISITOR_MESSAGE: &str = "hygiene-private-message-0b5d";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'writer> MakeWriter<'writer> for Capture {
    type Writer = Capture;
    fn make_writer(&'writer self) -> Self::Writer {
        self.clone()
    }
}

fn diagnosed_request() -> setup::SetupRequest {
    setup::SetupInput {
        name: "Hygiene".into(),
        sandbox: "prod".into(),
        error_diagnostics: true,
        ..setup::SetupInput::default()
    }
    .validate()
    .unwrap()
}

/// Every file under `directory`, read as text.
fn files_in(directory: &std::path::Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_in(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            files.push((path.display().to_string(), text));
        }
    }
    files
}

// The only test of this binary, so the global subscriber sees every thread:
// the engine's lookups and the sim run on the worker threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_token_or_webhook_url_in_logs_journals_or_exports() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();

    let harness = Harness::start_with(
        "hygiene",
        SimConfig {
            client_secret: CLIENT_SECRET.into(),
            ..SimConfig::default()
        },
    )
    .await;
    let engine = harness.engine();
    let client = engine.client().clone();
    // Error diagnostics on: Adobe then keeps failed bodies, which are read below.
    let outcome = engine.apply(&diagnosed_request()).await.unwrap();
    let webhook = outcome.webhook_url.clone().unwrap();
    let flow_id = outcome.flow_id.clone().unwrap();
    let mut tokens = vec![client.access_token().await.unwrap()];

    // A token expiring mid-way: the renewal and the retried call are logged too.
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/tokens/expire",
            Some(serde_json::json!({})),
        )
        .await;
    let statuses = setup::status::sandbox_status(
        &client,
        &setup::Timing::ADOBE,
        &setup::alerts::AlertSettings::round_the_clock(24),
    )
    .await
    .unwrap();
    assert_eq!(statuses.len(), 1);
    tokens.push(client.access_token().await.unwrap());
    let sent = setup::test_event::send_test_event(
        &client,
        &flow_id,
        chatlio::EventKind::ChatTranscript,
        &short_timing(),
    )
    .await
    .unwrap();
    let counted = setup::test_event::wait_for_test_event(
        &client,
        &sent,
        &short_timing(),
        sent.expected_by + chrono::Duration::seconds(10),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        counted.state,
        setup::test_event::TestEventState::Ingested,
        "{counted:?}"
    );
    assert!(engine.drift("Hygiene").await.unwrap().is_empty());

    // Records with personal data: read back whole, failed, dry-run and
    // re-sent; the replay list is written next to the journals.
    let mut personal = chatlio::documented_example(chatlio::EventKind::OfflineMessage);
    personal["email"] = serde_json::json!(VISITOR_EMAIL);
    personal["message"] = serde_json::json!(VISITOR_MESSAGE);
    let mut unidentified = chatlio::unidentifiable_payload();
    unidentified["message"] = serde_json::json!(VISITOR_MESSAGE);
    let bodies = vec![
        ("personal".to_owned(), personal.clone()),
        ("unidentified".to_owned(), unidentified),
    ];
    let report = setup::records::replay(&client, &flow_id, &bodies)
        .await
        .unwrap();
    assert_eq!(report.accepted, 2);
    setup::records::preview_payload(&client, &flow_id, &personal)
        .await
        .unwrap();
    harness
        .control(
            reqwest::Method::POST,
            "/__sim/runs/close",
            Some(serde_json::json!({})),
        )
        .await;
    let shown = setup::records::Reveal::Shown;
    let stored = setup::records::stored_records(&client, &flow_id, &[], shown)
        .await
        .unwrap();
    assert!(serde_json::to_string(&stored)
        .unwrap()
        .contains(VISITOR_EMAIL));
    let failed = setup::records::failed_records(&client, &flow_id, 1, shown)
        .await
        .unwrap();
    assert!(serde_json::to_string(&failed)
        .unwrap()
        .contains(VISITOR_MESSAGE));
    let ids: Vec<String> = failed
        .records
        .iter()
        .map(|record| record.id.clone())
        .collect();
    let (again, _) = setup::records::failed_bodies(&client, &flow_id, Some(&ids))
        .await
        .unwrap();
    let report = setup::records::replay(&client, &flow_id, &again)
        .await
        .unwrap();
    setup::records::ReplayLog::new(harness.directory.join("replays.json"))
        .remember(&flow_id, &report, &ids)
        .unwrap();
    let script = setup::plan::Plan::new(&request("Hygiene"))
        .unwrap()
        .to_curl_script();
    std::fs::write(harness.directory.join("Hygiene.sh"), script).unwrap();
    let rolled_back = engine.rollback("Hygiene").await.unwrap();
    assert!(!rolled_back.deleted.is_empty());

    let log = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    // The capture works: the engine's own lines are in it.
    assert!(log.contains("setup step done"), "nothing was captured");
    assert!(log.contains("obtained a server-to-server access token"));
    let inlet = webhook.as_str().split('?').next().unwrap().to_owned();
    let mut forbidden = vec![
        ("client secret", CLIENT_SECRET.to_owned()),
        ("webhook URL", webhook.as_str().to_owned()),
        ("flow id parameter", format!("x-adobe-flow-id={flow_id}")),
        ("visitor email", VISITOR_EMAIL.to_owned()),
        ("visitor message", VISITOR_MESSAGE.to_owned()),
    ];
    for token in &tokens {
        forbidden.push(("access token", token.expose().to_owned()));
    }
    for (what, value) in &forbidden {
        assert!(!log.contains(value.as_str()), "the log holds the {what}");
    }
    // The inlet URL is half of the webhook URL: the journal keeps it to
    // rebuild the URL, but no log line shows it.
    assert!(!log.contains(&inlet), "the log holds the inlet URL");

    let files = files_in(&harness.directory);
    assert!(files.len() >= 2, "{files:?}");
    for (path, text) in &files {
        for (what, value) in &forbidden {
            assert!(!text.contains(value.as_str()), "{path} holds the {what}");
        }
    }
    harness.shutdown().await;
}
