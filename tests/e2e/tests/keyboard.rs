//! The practice wizard completed, and the dashboard read, with the keyboard
//! alone: every control is reached with Tab and pressed with Enter or Space,
//! no element is clicked. On the way it checks that each new screen puts
//! focus on its heading, that the focused control shows a focus ring, and
//! that progress and results reach the window's live region.

use std::time::{Duration, Instant};

use e2e::{App, TestResult};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

/// Presses and releases one key, as a keyboard does (WebDriver actions, not
/// synthetic DOM events, so the web view's own focus handling runs).
async fn press(app: &App, key: Key) -> TestResult {
    let value: char = key.into();
    let actions = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value })
        .then(KeyAction::Up { value });
    app.client.perform_actions(actions).await?;
    Ok(())
}

/// The focused element: its `data-testid`, `id`, tag, and whether it shows
/// a focus indicator (an outline, which `:focus-visible` draws).
async fn focused(app: &App) -> TestResult<(String, String, String, bool)> {
    let value = app
        .client
        .execute(
            "const element = document.activeElement;
             if (!element) return ['', '', '', false];
             const style = getComputedStyle(element);
             const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
             return [element.getAttribute('data-testid') || '', element.id || '',
                     element.tagName.toLowerCase(), ring];",
            vec![],
        )
        .await?;
    let field = |index: usize| value[index].as_str().unwrap_or_default().to_owned();
    Ok((
        field(0),
        field(1),
        field(2),
        value[3].as_bool().unwrap_or(false),
    ))
}

/// Tabs forward until the control with this `data-testid` has focus (at
/// most 80 presses); fails when it cannot be reached, or when it has focus
/// without a visible focus ring.
async fn tab_to(app: &App, test_id: &str) -> TestResult {
    let mut seen = Vec::new();
    for _ in 0..80 {
        press(app, Key::Tab).await?;
        let (focused_id, element_id, tag, ring) = focused(app).await?;
        if focused_id == test_id {
            assert!(
                ring,
                "[data-testid={test_id}] has focus but no visible focus ring"
            );
            return Ok(());
        }
        seen.push(if focused_id.is_empty() {
            format!("{tag}#{element_id}")
        } else {
            focused_id
        });
    }
    Err(
        format!("[data-testid={test_id}] was not reached with Tab; focus went through {seen:?}")
            .into(),
    )
}

/// Waits until the control is enabled (disabled controls are skipped by
/// Tab), then tabs to it and presses Enter.
async fn activate(app: &App, test_id: &str) -> TestResult {
    wait_enabled(app, test_id).await?;
    tab_to(app, test_id).await?;
    press(app, Key::Enter).await
}

async fn wait_enabled(app: &App, test_id: &str) -> TestResult {
    let element = app.find(test_id).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !element.is_enabled().await? {
        if Instant::now() > deadline {
            return Err(format!("[data-testid={test_id}] stayed disabled").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The new screen's heading has focus (so a screen reader starts there and
/// the next Tab goes into the screen).
async fn heading_has_focus(app: &App, heading_id: &str) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, element_id, tag, _) = focused(app).await?;
        if element_id == heading_id && tag == "h1" {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(
                format!("focus is on {tag}#{element_id}, not the heading #{heading_id}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the window's live region has said something matching.
async fn announced(app: &App, accept: impl Fn(&str) -> bool, what: &str) -> TestResult<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while Instant::now() < deadline {
        // Its text content: WebDriver's element text leaves out what is
        // drawn off screen, which a live region for screen readers is.
        last = app
            .client
            .execute(
                "const region = document.querySelector('[data-testid=announcer]');
                 return region ? region.textContent : '';",
                vec![],
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if accept(&last) {
            return Ok(last);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("the live region never said {what}; last: {last:?}").into())
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display; run by scripts/test.sh"]
async fn the_practice_wizard_and_the_dashboard_work_with_the_keyboard_alone() -> TestResult {
    let app = App::launch("keyboard", &[]).await?;
    app.find("screen-welcome").await?;
    heading_has_focus(&app, "welcome-title").await?;

    activate(&app, "start-practice").await?;
    app.find("screen-prerequisites").await?;
    heading_has_focus(&app, "prerequisites-title").await?;
    activate(&app, "next").await?;

    app.find("screen-connect").await?;
    heading_has_focus(&app, "connect-title").await?;
    app.wait_for_attribute(
        "check-token",
        "data-state",
        Duration::from_secs(20),
        |state| state == "passed",
    )
    .await?;
    activate(&app, "next").await?;

    app.find("screen-dataflow").await?;
    heading_has_focus(&app, "dataflow-title").await?;
    // The webhook mode is a radio group: Tab lands on the chosen option (one
    // URL per event, the default), the arrow keys choose another.
    tab_to(&app, "webhook-mode-per_event_url").await?;
    press(&app, Key::Up).await?;
    let (now_focused, _, _, _) = focused(&app).await?;
    assert_eq!(now_focused, "webhook-mode-single_url");
    let chosen = app
        .find("webhook-mode-single_url")
        .await?
        .prop("checked")
        .await?;
    assert_eq!(chosen.as_deref(), Some("true"));
    activate(&app, "next").await?;

    app.find("screen-review").await?;
    heading_has_focus(&app, "review-title").await?;
    app.wait_for_attribute(
        "check-dataflow_name_free",
        "data-state",
        Duration::from_secs(20),
        |state| state == "passed",
    )
    .await?;
    activate(&app, "create").await?;

    app.find("screen-create").await?;
    heading_has_focus(&app, "create-title").await?;
    app.wait_for_attribute(
        "step-read_back",
        "data-state",
        Duration::from_secs(60),
        |state| state == "done",
    )
    .await?;
    // Progress and the result were said, not only drawn.
    announced(
        &app,
        |said| said.contains("Everything for"),
        "that the setup is done",
    )
    .await?;
    activate(&app, "next").await?;

    app.find("screen-chatlio").await?;
    heading_has_focus(&app, "chatlio-title").await?;
    activate(&app, "next").await?;

    app.find("screen-verify").await?;
    heading_has_focus(&app, "verify-title").await?;
    // Sending waits for the practice dataflow to warm up (15 s).
    activate(&app, "send-test-event").await?;
    let state = app
        .wait_for_attribute(
            "test-event-result",
            "data-state",
            Duration::from_secs(30),
            |state| matches!(state, "waiting" | "ingested" | "failed" | "error"),
        )
        .await?;
    assert!(
        matches!(state.as_str(), "waiting" | "ingested"),
        "test event: {state}"
    );
    activate(&app, "finish").await?;

    app.find("screen-dashboard").await?;
    heading_has_focus(&app, "dashboard-title").await?;
    app.find("setup-name").await?;
    activate(&app, "refresh").await?;
    let said = announced(
        &app,
        |said| said.starts_with("Status updated"),
        "that the status was updated",
    )
    .await?;
    assert!(said.contains("Dataflows: 1;"), "{said}");
    // The dataflow's details open from the keyboard and show its runs and
    // what the setup made.
    activate(&app, "flow-details").await?;
    app.find("flow-detail").await?;
    app.find("flow-resources").await?;
    let expanded = app
        .find("flow-details")
        .await?
        .attr("aria-expanded")
        .await?;
    assert_eq!(expanded.as_deref(), Some("true"));
    // The run chart has a text equivalent: its totals as the image's name
    // and a table of its runs.
    let chart = app.find("flow-chart").await?;
    let label = chart.attr("aria-label").await?.unwrap_or_default();
    assert!(
        label.contains("received") && label.contains("ingested"),
        "chart label: {label}"
    );
    let caption = app
        .client
        .execute(
            "const table = document.querySelector('[data-testid=flow-chart-table]');
             return table ? table.caption.textContent : null;",
            vec![],
        )
        .await?;
    assert_eq!(caption, Value::String("Records per run".to_owned()));
    app.screenshot("keyboard-dashboard").await?;
    app.close().await
}
