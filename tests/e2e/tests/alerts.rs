//! Watching with the window closed, on the real app in practice mode: after a
//! setup the window is closed (the app stays in the tray), the dataflow starts
//! failing, and the app raises one desktop notification. The test is the
//! desktop's notification service (org.freedesktop.Notifications on its own
//! D-Bus session bus): it reads the notification and clicks it, and the window
//! comes back at that dataflow's details.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::steps::{free_port, practice_to_created, sim_state};
use e2e::{sim_control, App, TestResult};
use fantoccini::Locator;
use serde_json::json;
use zbus::object_server::SignalEmitter;
use zbus::OwnedVariant;

/// One notification as the app sent it.
#[derive(Debug, Clone)]
struct Shown {
    id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// A notification service that keeps what it is sent.
struct Notifications {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }

    #[allow(clippy::too_many_arguments, reason = "the D-Bus method's signature")]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self
            .shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = u32::try_from(shown.len()).unwrap_or(u32::MAX) + 1;
        shown.push(Shown {
            id,
            summary,
            body,
            actions,
        });
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "e2e".to_owned(),
            "chatlio-setup".to_owned(),
            "1".to_owned(),
            "1.2".to_owned(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

const PATH: &str = "/org/freedesktop/Notifications";

/// The app window's title (tauri.conf.json).
const TITLE: &[u8] = b"Chatlio Setup for Adobe Experience Platform";

/// Asks the window titled [`TITLE`] to close, as a window manager does when
/// the user clicks its close button: a `WM_DELETE_WINDOW` message.
fn close_like_a_user() -> TestResult {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask};
    let (connection, screen) = x11rb::connect(None)?;
    let root = connection.setup().roots[screen].root;
    let atom =
        |name: &[u8]| -> TestResult<u32> { Ok(connection.intern_atom(false, name)?.reply()?.atom) };
    let (protocols, delete, net_name, utf8) = (
        atom(b"WM_PROTOCOLS")?,
        atom(b"WM_DELETE_WINDOW")?,
        atom(b"_NET_WM_NAME")?,
        atom(b"UTF8_STRING")?,
    );
    let mut pending = vec![root];
    let mut found = None;
    while let Some(window) = pending.pop() {
        for (property, kind) in [
            (net_name, utf8),
            (AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()),
        ] {
            let title = connection
                .get_property(false, window, property, kind, 0, 256)?
                .reply()?
                .value;
            if title == TITLE {
                found = Some(window);
            }
        }
        pending.extend(connection.query_tree(window)?.reply()?.children);
    }
    let window = found.ok_or("no window with the app's title")?;
    let message = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
    connection.send_event(false, window, EventMask::NO_EVENT, message)?;
    connection.flush()?;
    Ok(())
}

async fn wait_for_notifications(
    shown: &Arc<Mutex<Vec<Shown>>>,
    count: usize,
    timeout: Duration,
) -> TestResult<Vec<Shown>> {
    let deadline = Instant::now() + timeout;
    loop {
        let now: Vec<Shown> = shown.lock().map_err(|_| "poisoned")?.clone();
        if now.len() >= count {
            return Ok(now);
        }
        if Instant::now() > deadline {
            return Err(format!("{} notification(s) after {timeout:?}: {now:?}", now.len()).into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver; run by `make test`"]
async fn a_failing_dataflow_raises_one_notification_that_opens_it() -> TestResult {
    let shown = Arc::new(Mutex::new(Vec::new()));
    let bus = zbus::connection::Builder::session()
        .name("org.freedesktop.Notifications")
        .serve_at(
            PATH,
            Notifications {
                shown: Arc::clone(&shown),
            },
        )
        .build()
        .await?;

    let port = free_port()?;
    let sim = format!("http://127.0.0.1:{port}");
    let app = App::launch(
        "alerts",
        &[
            ("CHATLIO_AEP_PRACTICE_PORT", &port.to_string()),
            // A check every two seconds instead of practice mode's twenty.
            ("CHATLIO_AEP_CHECK_SECS", "2"),
        ],
    )
    .await?;
    practice_to_created(&app, None).await?;
    // Every hour counts and no quiet hours: the test runs at any time of day.
    let mut rules = setup::alerts::AlertSettings::round_the_clock(4);
    rules.defaults.failed_share_percent = Some(10);
    app.invoke(
        "save_alert_rules",
        json!({ "setup": null, "rules": rules.defaults }),
    )
    .await?;
    let state = sim_state(&sim).await?;
    let flow_id = state["platform"]["data"]["prod"]["flows"][0]["id"]
        .as_str()
        .ok_or("no dataflow in the practice simulator")?
        .to_owned();
    // Past the warm-up: the dataflow accepts data.
    sim_control(reqwest::Method::POST, &format!("{sim}/__sim/time/advance"))
        .json(&json!({ "secs": 60 }))
        .send()
        .await?
        .error_for_status()?;

    // The window closes; the app keeps running in the tray.
    let window = app.client.window().await?;
    close_like_a_user()?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Still running: the practice simulator (inside the app) answers.
    sim_state(&sim).await?;
    assert!(
        shown.lock().map_err(|_| "poisoned")?.is_empty(),
        "nothing is wrong yet"
    );

    // Chatlio keeps sending, and every event fails (nothing identifies it).
    let board = app.invoke("dashboard", json!({})).await?;
    let setup_name = board["flows"][0]["setupName"]
        .as_str()
        .ok_or("the dataflow has no setup")?
        .to_owned();
    let webhook = app
        .invoke(
            "reveal_webhook_url",
            json!({ "name": setup_name, "kind": null }),
        )
        .await?;
    let webhook = webhook.as_str().ok_or("no webhook URL")?.to_owned();
    let sender = tokio::spawn(async move {
        loop {
            let outcome = chatlio::send(&webhook, &chatlio::unidentifiable_payload()).await;
            if !outcome.is_success() {
                eprintln!("the inlet refused an event: {outcome:?}");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    // Practice mode's run windows are 30 s: the first failing one closes,
    // is read by a check, and raises the notification.
    let notifications = wait_for_notifications(&shown, 1, Duration::from_secs(90)).await?;
    let notification = notifications[0].clone();
    assert!(
        notification.summary.starts_with("Records failing"),
        "{notification:?}"
    );
    assert!(
        notification.body.contains("failed in the last hour"),
        "{notification:?}"
    );
    assert!(
        notification
            .actions
            .iter()
            .any(|action| action == "default"),
        "{notification:?}"
    );
    // More windows fail and more checks run: still the one notification.
    tokio::time::sleep(Duration::from_secs(35)).await;
    let all = shown.lock().map_err(|_| "poisoned")?.clone();
    assert_eq!(all.len(), 1, "{all:?}");
    sender.abort();

    // The user clicks it: the window comes back at the dataflow.
    let interface = bus
        .object_server()
        .interface::<_, Notifications>(PATH)
        .await?;
    Notifications::action_invoked(interface.signal_emitter(), notification.id, "default").await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let windows = app.client.windows().await?;
        if windows.contains(&window) {
            app.client.switch_to_window(window.clone()).await?;
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the window did not come back: {windows:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("alerts-after-click").await?;
    let card = app.find(&format!("flow-{flow_id}")).await?;
    let detail = card
        .find(Locator::Css("[data-testid=\"flow-detail\"]"))
        .await?;
    assert!(detail.is_displayed().await?);
    let alert = card
        .find(Locator::Css("[data-testid=\"flow-alert\"]"))
        .await?;
    assert_eq!(
        alert.attr("data-kind").await?.as_deref(),
        Some("failed_records")
    );
    app.screenshot("alerts-opened-from-notification").await?;
    // The summary at the top names the same condition.
    let summary = app.find("alerts-summary").await?;
    assert_eq!(summary.attr("data-worst").await?.as_deref(), Some("alert"));
    // The setup's rules, as the user opens them: the form and what works
    // with the app closed.
    let rules = app.find("setup-alerts").await?;
    rules
        .find(Locator::Css("[data-testid=\"alerts-toggle\"]"))
        .await?
        .click()
        .await?;
    let form = app.find("alert-rules").await?;
    assert!(form.is_displayed().await?);
    app.client
        .execute(
            "document.querySelector('[data-testid=\"alert-rules\"]').scrollIntoView(); return null;",
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("alerts-rules-form").await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=\"alerts-closed\"]').scrollIntoView(); return null;",
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("alerts-when-closed").await?;
    app.close().await?;
    Ok(())
}
