//! A dataflow's Records panel on the real app in practice mode: Chatlio sends
//! five good events (one per kind, each to its field's URL) and two that nothing
//! identifies; "What arrived" lists the five with their kinds and masked emails,
//! "What failed" lists the two with their cause; both are corrected in the app and
//! re-sent, and the dashboard's counts then match what platform-sim stored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chatlio::EventKind;
use e2e::steps::{clipboard, free_port, practice_to_created_with, sim_dataset_records};
use e2e::{sim_control, App, TestResult};
use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::{json, Value};

fn by_id(test_id: &str) -> String {
    format!("[data-testid=\"{test_id}\"]")
}

/// The elements with this `data-testid`, now.
async fn all(app: &App, test_id: &str) -> TestResult<Vec<Element>> {
    Ok(app.client.find_all(Locator::Css(&by_id(test_id))).await?)
}

/// Waits up to `timeout` until exactly `count` elements have this `data-testid`.
async fn wait_for_all(
    app: &App,
    test_id: &str,
    count: usize,
    timeout: Duration,
) -> TestResult<Vec<Element>> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = all(app, test_id).await?;
        if found.len() == count {
            return Ok(found);
        }
        if Instant::now() > deadline {
            return Err(format!("{} of [data-testid={test_id}], not {count}", found.len()).into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The element `test_id` inside `within`.
async fn inside(within: &Element, test_id: &str) -> TestResult<Element> {
    Ok(within.find(Locator::Css(&by_id(test_id))).await?)
}

/// Scrolls the element with this `data-testid` to the top of the window, for a
/// screenshot of it.
async fn scroll_to(app: &App, test_id: &str) -> TestResult {
    app.client
        .execute(
            "document.querySelector(`[data-testid=\"${arguments[0]}\"]`).scrollIntoView(); return null;",
            vec![test_id.into()],
        )
        .await?;
    // Let the scrolled window paint before the picture.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

/// As if `secs` seconds passed on the practice simulator (its control token):
/// the warm-up ends and open run windows close without waiting.
async fn advance(sim: &str, secs: u64) -> TestResult {
    sim_control(reqwest::Method::POST, &format!("{sim}/__sim/time/advance"))
        .json(&json!({ "secs": secs }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// What Chatlio posts to `url`; Adobe must accept it (the run decides later).
async fn post(url: &str, body: &Value) -> TestResult {
    let outcome = chatlio::send(url, body).await;
    if !outcome.is_success() {
        return Err(format!("{url} refused the event: {outcome:?}").into());
    }
    Ok(())
}

/// Chatlio's documented example of `kind`, from a visitor with a known email.
fn good_event(kind: EventKind) -> (Value, String) {
    let email = format!("{}@example.com", kind.code().replace('_', "-"));
    let mut body = chatlio::documented_example(kind);
    match kind {
        EventKind::ChatTranscript => body["visitorEmail"] = json!(email),
        _ => body["visitor"]["email"] = json!(email),
    }
    (body, email)
}

/// The stored records and failed ones platform-sim holds for the setup's dataset.
async fn sim_records(sim: &str) -> TestResult<(usize, usize)> {
    let stored = sim_dataset_records(sim).await?;
    let length = |key: &str| stored[key].as_array().map_or(0, Vec::len);
    Ok((length("records"), length("failed")))
}

/// A dashboard number inside a card.
async fn number(card: &Element, field: &str) -> TestResult<u64> {
    Ok(inside(card, field).await?.text().await?.trim().parse()?)
}

/// The dashboard's last-day `ingested` and `failed`, summed over these cards.
async fn dashboard_counts(app: &App, flows: &BTreeSet<String>) -> TestResult<(u64, u64)> {
    let mut totals = (0, 0);
    for flow in flows {
        let card = app.find(&format!("flow-{flow}")).await?;
        totals.0 += number(&card, "flow-ingested").await?;
        totals.1 += number(&card, "flow-failed").await?;
    }
    Ok(totals)
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn records_show_what_arrived_and_what_failed_and_a_corrected_resend_is_counted() -> TestResult
{
    let port = free_port()?.to_string();
    let sim = format!("http://127.0.0.1:{port}");
    let app = App::launch(
        "records",
        &[
            ("LANG", "en_US.UTF-8"),
            ("CHATLIO_AEP_PRACTICE_PORT", &port),
        ],
    )
    .await?;
    // One URL per event (the default): each kind is stored as itself.
    practice_to_created_with(&app, None, None).await?;
    app.click("next").await?;
    app.find("screen-chatlio").await?;
    let mut urls = BTreeMap::new();
    for kind in EventKind::ALL {
        app.click(&format!("copy-webhook-url-{}", kind.code()))
            .await?;
        app.find(&format!("copied-{}", kind.code())).await?;
        urls.insert(kind, clipboard()?.trim().to_owned());
    }
    // The dataflow that offline messages and transcripts share.
    let shared = urls[&EventKind::ChatTranscript].clone();
    assert_eq!(shared, urls[&EventKind::OfflineMessage]);
    let flow_of = |url: &str| -> TestResult<String> {
        Ok(url
            .split("x-adobe-flow-id=")
            .nth(1)
            .ok_or_else(|| format!("no flow id in {url}"))?
            .to_owned())
    };
    let flows: BTreeSet<String> = urls
        .values()
        .map(|url| flow_of(url))
        .collect::<TestResult<_>>()?;
    let card = format!("flow-{}", flow_of(&shared)?);
    app.click("next").await?;
    app.click("finish").await?;
    app.find("screen-dashboard").await?;

    // Past the warm-up, Chatlio sends: five good events and two broken ones.
    advance(&sim, 60).await?;
    let mut emails = Vec::new();
    for kind in EventKind::ALL {
        let (body, email) = good_event(kind);
        post(&urls[&kind], &body).await?;
        emails.push(email);
    }
    for _ in 0..2 {
        post(&shared, &chatlio::unidentifiable_payload()).await?;
    }
    // The hour closes: Adobe writes the batch and counts the failures.
    advance(&sim, 60).await?;
    assert_eq!(sim_records(&sim).await?, (5, 2), "what platform-sim stored");

    // What arrived: the five, each with its kind, emails masked. The refresh
    // may move a card (under its setup once the setups are read), which makes
    // it anew: its details are opened once the refresh has ended.
    app.click("refresh").await?;
    app.wait_for_text("refresh", |text| text == "Refresh")
        .await?;
    inside(&app.find(&card).await?, "flow-details")
        .await?
        .click()
        .await?;
    app.find("flow-records").await?;
    // As a user would, "Refresh" again while Adobe's preview has not caught up.
    let deadline = Instant::now() + Duration::from_secs(45);
    let rows = loop {
        app.click("records-load").await?;
        match wait_for_all(&app, "record-row", 5, Duration::from_secs(5)).await {
            Ok(rows) => break rows,
            Err(error) if Instant::now() > deadline => return Err(error),
            Err(_) => {}
        }
    };
    let mut kinds = BTreeSet::new();
    for row in &rows {
        kinds.insert(row.attr("data-kind").await?.unwrap_or_default());
        let text = row.text().await?;
        assert!(text.contains("@e•••.com"), "a masked email: {text}");
    }
    let expected: BTreeSet<String> = EventKind::ALL
        .iter()
        .map(|kind| kind.code().to_owned())
        .collect();
    assert_eq!(kinds, expected);
    let page = app.page_text().await?;
    for email in &emails {
        assert!(!page.contains(email.as_str()), "{email} shows unmasked");
    }
    scroll_to(&app, "records-note").await?;
    app.screenshot("records-arrived").await?;

    // What failed: the two, explained.
    app.click("records-tab-failed").await?;
    let failed = wait_for_all(&app, "failed-row", 2, Duration::from_secs(30)).await?;
    app.wait_for_count(
        "failed-explanation",
        "data-explanation",
        "missing_identifier",
        2,
        Duration::from_secs(5),
    )
    .await?;
    for row in &failed {
        let text = row.text().await?;
        assert!(
            text.contains("This event has no visitor email, visitor id or conversation id."),
            "{text}"
        );
    }
    scroll_to(&app, "failed-summary").await?;
    app.screenshot("records-failed").await?;

    // Each corrected with the visitor's email, then both re-sent.
    for (index, row) in failed.iter().enumerate() {
        let edit = inside(row, "failed-edit").await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !edit.is_enabled().await? {
            if Instant::now() > deadline {
                return Err("the edit button stayed disabled".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        edit.click().await?;
        wait_for_all(&app, "failed-editor", index + 1, Duration::from_secs(15)).await?;
        let editor = inside(row, "failed-editor").await?;
        let kept: Value = serde_json::from_str(&editor.prop("value").await?.unwrap_or_default())?;
        assert_eq!(
            kept,
            chatlio::unidentifiable_payload(),
            "the body as Adobe kept it"
        );
        let mut corrected = kept;
        corrected["visitor"] = json!({ "email": format!("fixed-{index}@example.com") });
        editor.clear().await?;
        editor.send_keys(&corrected.to_string()).await?;
        let typed: Value = serde_json::from_str(&editor.prop("value").await?.unwrap_or_default())?;
        assert_eq!(typed, corrected);
    }
    app.wait_for_text("replay-selected", |text| {
        text.contains("Re-send 2 selected")
    })
    .await?;
    app.click("replay-selected").await?;
    app.wait_for_attribute(
        "replay-result",
        "data-accepted",
        Duration::from_secs(30),
        |a| a == "2",
    )
    .await?;
    assert_eq!(
        app.find("replay-result")
            .await?
            .attr("data-sent")
            .await?
            .as_deref(),
        Some("2")
    );
    wait_for_all(&app, "failed-replayed", 2, Duration::from_secs(15)).await?;

    // Once the hour holding them closes, the dashboard counts what Adobe stored.
    advance(&sim, 60).await?;
    let stored = sim_records(&sim).await?;
    assert_eq!(stored, (7, 2), "the corrected two are stored");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        app.click("refresh").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (ingested, failed) = dashboard_counts(&app, &flows).await?;
        if (ingested as usize, failed as usize) == stored {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the dashboard shows {ingested} ingested, {failed} failed; platform-sim {stored:?}"
            )
            .into());
        }
    }
    app.screenshot("records-recounted").await?;
    app.close().await
}
