//! One webhook URL per Chatlio event, in the real app in practice mode: each
//! of Chatlio's five fields gets the URL of the dataflow that serves it, a
//! test event per field goes through that field's URL, and platform-sim
//! stores the five exact event kinds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use e2e::steps::{
    assert_no_raw_keys, clipboard, free_port, practice_to_created_with, sim_dataset_records,
};
use e2e::{App, TestResult};

const KINDS: [&str; 5] = [
    "new_conversation",
    "unanswered_visitor",
    "visitor_feedback",
    "offline_message",
    "chat_transcript",
];

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn each_chatlio_field_gets_its_url_and_records_its_exact_kind() -> TestResult {
    let port = free_port()?.to_string();
    let sim = format!("http://127.0.0.1:{port}");
    let app = App::launch(
        "per-event",
        &[
            ("LANG", "en_US.UTF-8"),
            ("CHATLIO_AEP_PRACTICE_PORT", &port),
        ],
    )
    .await?;
    // One URL per event is what the app proposes: nothing to pick.
    practice_to_created_with(&app, Some("per-event"), None).await?;

    app.click("next").await?;
    app.find("screen-chatlio").await?;
    // No single URL: each field has its own row.
    let mut urls = BTreeMap::new();
    for kind in KINDS {
        app.click(&format!("copy-webhook-url-{kind}")).await?;
        app.find(&format!("copied-{kind}")).await?;
        let url = clipboard()?.trim().to_owned();
        assert!(
            url.starts_with(&format!("{sim}/collection/")),
            "{kind}: {url}"
        );
        urls.insert(kind, url);
    }
    assert_eq!(urls["chat_transcript"], urls["offline_message"]);
    let distinct: BTreeSet<&String> = urls.values().collect();
    assert_eq!(distinct.len(), 4, "{urls:?}");
    app.find("shared-chat_transcript").await?;
    assert_no_raw_keys(&app.page_text().await?, "chatlio");
    app.screenshot("per-event-chatlio").await?;

    // A test event per field, each through its own field's URL (the app
    // picks the dataflow serving the field).
    app.click("next").await?;
    app.find("screen-verify").await?;
    for kind in KINDS {
        app.find("test-event-kind")
            .await?
            .select_by_value(kind)
            .await?;
        app.click("send-test-event").await?;
        app.wait_for_attribute(
            "test-event-result",
            "data-kind",
            Duration::from_secs(40),
            |k| k == kind,
        )
        .await?;
    }
    app.wait_for_count(
        "test-event-row",
        "data-state",
        "ingested",
        KINDS.len(),
        Duration::from_secs(120),
    )
    .await?;
    app.screenshot("per-event-verify").await?;

    // platform-sim stored the five exact kinds, in one dataset.
    let stored = sim_dataset_records(&sim).await?;
    let mut kinds: Vec<String> = stored["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|record| record["_practice"]["chatlio"]["eventKind"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    kinds.sort();
    let mut expected: Vec<String> = KINDS.iter().map(|kind| (*kind).to_owned()).collect();
    expected.sort();
    assert_eq!(kinds, expected, "{stored}");

    // The dashboard shows the setup as one entry holding its four dataflows.
    app.click("finish").await?;
    app.find("screen-dashboard").await?;
    app.find("setup-Chatlio events").await?;
    for url in distinct {
        let flow_id = url
            .split("x-adobe-flow-id=")
            .nth(1)
            .ok_or_else(|| format!("no flow id in {url}"))?;
        app.find(&format!("flow-{flow_id}")).await?;
    }
    app.close().await?;
    Ok(())
}
