//! Connect Chatlio and Verify screens: the webhook URL, Chatlio's five
//! webhooks, test events, links out.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::dashboard::{write_json, FlowErrorView};
use crate::desktop::Desktop;
use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::setup::recorded_setup;
use crate::state::Shared;

/// The webhook URL for one of Chatlio's fields (`kind`), or the setup's one
/// URL when it has one and no field is named. It is a credential of sorts
/// (anyone holding it can send data into the dataflow), so it crosses to the
/// UI only when the user asks to see it, and is never logged.
async fn webhook_url(
    state: &Shared,
    name: &str,
    kind: Option<chatlio::EventKind>,
) -> CommandResult<platform::WebhookUrl> {
    let session = state.session().await?;
    let (_, _, outcome) = recorded_setup(state, &session, name).await?;
    let url = match kind {
        Some(kind) => outcome.webhook_urls().remove(&kind),
        None => outcome.webhook_url,
    };
    url.ok_or_else(|| {
        CommandError::new(
            AppErrorCode::NoWebhook,
            "the setup has no webhook URL for that yet",
        )
        .with_hint("Finish the setup first; with one URL per event, copy each field's own.")
    })
}

/// The webhook URL, shown because the user asked to see it.
pub async fn reveal_webhook_url(
    state: &Shared,
    name: String,
    kind: Option<chatlio::EventKind>,
) -> CommandResult<String> {
    Ok(webhook_url(state, &name, kind).await?.as_str().to_owned())
}

/// Copies the webhook URL to the clipboard without it passing through the UI.
pub async fn copy_webhook_url(
    state: &Shared,
    desktop: &dyn Desktop,
    name: String,
    kind: Option<chatlio::EventKind>,
) -> CommandResult<()> {
    let url = webhook_url(state, &name, kind).await?;
    desktop.copy_to_clipboard(url.as_str()).map_err(|error| {
        CommandError::new(AppErrorCode::ClipboardFailed, error)
            .with_hint("Reveal the URL and copy it by hand.")
    })
}

/// One of Chatlio's five webhook fields and the URL that goes into it
/// (never the URL itself: `reveal_webhook_url` or `copy_webhook_url` with
/// the field's kind).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WebhookFieldView {
    pub kind: chatlio::EventKind,
    /// Its dataflow is made and read back: the URL can be copied.
    pub ready: bool,
    /// The other fields that take the very same URL.
    pub shared_with: Vec<chatlio::EventKind>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WebhookFieldsView {
    pub mode: chatlio::WebhookMode,
    /// What the mode means for the Chatlio admin, in the `chatlio` catalog.
    pub statement: StatementView,
    /// Chatlio's five fields, in the order the UI lists them.
    pub fields: Vec<WebhookFieldView>,
}

/// Which URL goes into each of Chatlio's five fields.
pub async fn webhook_fields(state: &Shared, name: String) -> CommandResult<WebhookFieldsView> {
    let session = state.session().await?;
    let (_, _, outcome) = recorded_setup(state, &session, &name).await?;
    let mode = outcome.webhook_mode();
    let urls = outcome.webhook_urls();
    let fields = chatlio::EventKind::ALL
        .into_iter()
        .map(|kind| {
            let url = urls.get(&kind);
            WebhookFieldView {
                kind,
                ready: url.is_some(),
                shared_with: chatlio::EventKind::ALL
                    .into_iter()
                    .filter(|other| *other != kind && url.is_some() && urls.get(other) == url)
                    .collect(),
            }
        })
        .collect();
    let statement = chatlio::instructions::mode_statement(mode);
    Ok(WebhookFieldsView {
        mode,
        statement: StatementView {
            code: statement.code.to_owned(),
            certainty: statement.certainty,
        },
        fields,
    })
}

/// Pages the app links to. The UI names one; it can never open an arbitrary
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    DeveloperConsole,
    AdobeAuthGuide,
    AdobePermissions,
    AdobeSandboxes,
    AdobeChatlioSource,
    ChatlioDashboard,
    ChatlioWebhooks,
    ChatlioPricing,
    AdobeDataflows,
    /// Adobe's page on alerts for a source dataflow (and that streaming
    /// sources are not yet supported).
    AdobeSourceAlerts,
    /// Adobe's page on subscribing to alerts through Adobe I/O Events.
    AdobeAlertsSubscribe,
}

impl Link {
    #[cfg(test)]
    pub const ALL: [Link; 11] = [
        Link::DeveloperConsole,
        Link::AdobeAuthGuide,
        Link::AdobePermissions,
        Link::AdobeSandboxes,
        Link::AdobeChatlioSource,
        Link::ChatlioDashboard,
        Link::ChatlioWebhooks,
        Link::ChatlioPricing,
        Link::AdobeDataflows,
        Link::AdobeSourceAlerts,
        Link::AdobeAlertsSubscribe,
    ];

    pub fn url(self) -> &'static str {
        match self {
            Link::DeveloperConsole => "https://developer.adobe.com/console",
            Link::AdobeAuthGuide => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/landing/platform-apis/api-authentication"
            }
            Link::AdobePermissions => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/access-control/home"
            }
            Link::AdobeSandboxes => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/sandbox/home"
            }
            Link::AdobeChatlioSource => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/sources/connectors/marketing-automation/chatlio"
            }
            Link::ChatlioDashboard => "https://chatlio.com/app/",
            Link::ChatlioWebhooks => "https://chatlio.com/docs/webhooks/",
            Link::ChatlioPricing => "https://chatlio.com/pricing/",
            Link::AdobeDataflows => "https://experience.adobe.com/#/platform/source/dataflows",
            Link::AdobeSourceAlerts => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/sources/tutorials/ui/alerts"
            }
            Link::AdobeAlertsSubscribe => {
                "https://experienceleague.adobe.com/en/docs/experience-platform/observability/alerts/subscribe"
            }
        }
    }
}

/// Opens one of the known pages in the system browser.
pub async fn open_link(desktop: &dyn Desktop, link: Link) -> CommandResult<()> {
    desktop.open_in_browser(link.url()).map_err(|error| {
        CommandError::new(AppErrorCode::OpenFailed, error)
            .with_hint(format!("Open {} in your browser.", link.url()))
    })
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatementView {
    /// Key in the UI's `chatlio` catalog.
    pub code: String,
    pub certainty: chatlio::instructions::Certainty,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventInstructionsView {
    /// Also the `event-<kind>` test id.
    pub kind: chatlio::EventKind,
    pub title: String,
    pub location: Vec<StatementView>,
    pub trigger: Vec<StatementView>,
    pub test: Vec<StatementView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChatlioInstructionsView {
    pub general: Vec<StatementView>,
    pub mode: StatementView,
    pub events: Vec<EventInstructionsView>,
}

fn statements(list: &[chatlio::instructions::Statement]) -> Vec<StatementView> {
    list.iter()
        .map(|statement| StatementView {
            code: statement.code.to_owned(),
            certainty: statement.certainty,
        })
        .collect()
}

pub fn instructions() -> ChatlioInstructionsView {
    let mode = chatlio::instructions::mode_statement(chatlio::WebhookMode::SingleUrl);
    ChatlioInstructionsView {
        general: statements(chatlio::instructions::GENERAL),
        mode: StatementView {
            code: mode.code.to_owned(),
            certainty: mode.certainty,
        },
        events: chatlio::instructions::EVENTS
            .iter()
            .map(|event| EventInstructionsView {
                kind: event.kind,
                title: event.title.to_owned(),
                location: statements(event.location),
                trigger: statements(event.trigger),
                test: statements(event.test),
            })
            .collect(),
    }
}

/// Where each of Chatlio's five webhooks goes and what triggers it.
pub async fn chatlio_instructions() -> CommandResult<ChatlioInstructionsView> {
    Ok(instructions())
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestEventView {
    pub kind: chatlio::EventKind,
    /// `waiting`: accepted by Adobe, the hourly run has not counted it yet.
    pub state: setup::test_event::TestEventState,
    /// Still waiting after the expected time: worth a look, not a failure.
    pub overdue: bool,
    pub sent_at: String,
    /// When the run that counts it should be readable.
    pub expected_by: String,
    /// Why it failed, explained.
    pub errors: Vec<FlowErrorView>,
    /// The event kind code Adobe stored for it (`visitor_event` for a visitor
    /// event on the URL all fields share), once its record is readable.
    #[serde(default)]
    pub recorded_kind: Option<String>,
}

/// A sent test event and what was last seen of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredTestEvent {
    receipt: setup::test_event::TestEventReceipt,
    view: TestEventView,
    /// A failed test event's record was looked for once its run had closed
    /// and was not there: it really failed, and is not looked for again.
    #[serde(default)]
    failure_confirmed: bool,
}

fn test_event_view(outcome: &setup::test_event::TestEventOutcome) -> TestEventView {
    TestEventView {
        kind: outcome.receipt.kind,
        state: outcome.state,
        overdue: outcome.overdue,
        sent_at: outcome.receipt.sent_at.to_rfc3339(),
        expected_by: outcome.receipt.expected_by.to_rfc3339(),
        errors: outcome.errors.iter().map(FlowErrorView::from).collect(),
        recorded_kind: None,
    }
}

fn test_events_path(state: &Shared, practice: bool) -> std::path::PathBuf {
    state
        .layout()
        .test_events(storage::Mode::from_practice(practice))
}

/// The test events sent from this app, newest last. An unreadable file is
/// logged and read as empty: losing the list loses no data in Adobe.
fn load_test_events(path: &std::path::Path) -> Vec<StoredTestEvent> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(%error, "test event list unreadable; starting a new one");
            Vec::new()
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => {
            tracing::warn!(%error, "test event list unreadable");
            Vec::new()
        }
    }
}

fn save_test_events(path: &std::path::Path, events: &[StoredTestEvent]) {
    if let Err(error) = write_json(path, &events) {
        tracing::warn!(%error, "test event list not saved");
    }
}

/// A counted test event whose stored kind is not known yet (and can be: its
/// body had a visitor or conversation UUID). A failed one is looked for once:
/// it may have been counted with other failures of its window.
fn needs_recorded_kind(event: &StoredTestEvent) -> bool {
    event.view.state != setup::test_event::TestEventState::Waiting
        && event.view.recorded_kind.is_none()
        && event.receipt.subject.is_some()
        && !event.failure_confirmed
}

/// How many waiting test events are checked with Adobe at once.
const TEST_EVENT_CHECKS: usize = 16;

/// Checks the test events of `flow_ids` that are still waiting (one runs
/// read each, all at once) and returns, per flow, the latest of each kind in
/// the order sent. Shared by the Verify screen and the dashboard.
pub async fn refresh_test_events(
    state: &Shared,
    session: &crate::state::Session,
    client: &platform::Client,
    flow_ids: &[String],
) -> std::collections::HashMap<String, Vec<TestEventView>> {
    let path = test_events_path(state, session.practice);
    let waiting: Vec<setup::test_event::TestEventReceipt> = {
        let _held = state.test_events.lock().await;
        load_test_events(&path)
            .into_iter()
            .filter(|event| {
                flow_ids.contains(&event.receipt.flow_id)
                    && (event.view.state == setup::test_event::TestEventState::Waiting
                        || needs_recorded_kind(event))
            })
            .map(|event| event.receipt)
            .collect()
    };
    let timing = session.timing();
    let checked = platform::map_bounded(waiting, TEST_EVENT_CHECKS, |receipt| async move {
        let outcome = setup::test_event::check_test_event(client, &receipt, &timing).await;
        // Once counted, its stored record tells the kind Adobe recorded; the
        // preview may not return it yet, then the next refresh looks again.
        // A run counts every record of its window together, so an event in
        // a window with other failures reads as failed; its stored record
        // settles that it was ingested.
        let recorded_kind = match (&outcome, receipt.subject.as_deref()) {
            (Ok(outcome), Some(subject))
                if outcome.state != setup::test_event::TestEventState::Waiting =>
            {
                setup::records::recorded_kind(client, &receipt.flow_id, subject)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::debug!(code = ?error.code(), "recorded kind not read");
                        None
                    })
            }
            _ => None,
        };
        (receipt, outcome.map(|outcome| (outcome, recorded_kind)))
    })
    .await;
    // Merged into the list as it is now: a test event sent meanwhile stays.
    let _held = state.test_events.lock().await;
    let mut events = load_test_events(&path);
    let mut changed = false;
    for (receipt, outcome) in checked {
        match outcome {
            Ok((outcome, recorded_kind)) => {
                if let Some(event) = events.iter_mut().find(|event| event.receipt == receipt) {
                    let known = event.view.recorded_kind.take();
                    event.view = test_event_view(&outcome);
                    event.view.recorded_kind = recorded_kind.or(known);
                    if event.view.recorded_kind.is_some() {
                        event.view.state = setup::test_event::TestEventState::Ingested;
                        event.view.errors.clear();
                    } else if event.view.state == setup::test_event::TestEventState::Failed
                        && event.receipt.subject.is_some()
                    {
                        event.failure_confirmed = true;
                    }
                    changed = true;
                }
            }
            // Left waiting; the next refresh looks again.
            Err(error) => tracing::debug!(code = ?error.code(), "test event not checked"),
        }
    }
    if changed {
        save_test_events(&path, &events);
    }
    let mut by_flow: std::collections::HashMap<String, Vec<TestEventView>> =
        std::collections::HashMap::new();
    for event in events {
        if flow_ids.contains(&event.receipt.flow_id) {
            by_flow
                .entry(event.receipt.flow_id)
                .or_default()
                .push(event.view);
        }
    }
    by_flow
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DataflowTimingView {
    /// When the setup's dataflow accepts data (Adobe asks to wait a few
    /// minutes after creating it); `null` when Adobe gave no creation time.
    pub accepts_data_from: Option<String>,
    /// This connection's figures: Adobe's, or practice mode's short ones.
    #[ts(type = "number")]
    pub warmup_secs: u64,
    #[ts(type = "number")]
    pub run_window_secs: u64,
    /// Adobe's own, for the practice-mode note.
    #[ts(type = "number")]
    pub adobe_warmup_secs: u64,
    #[ts(type = "number")]
    pub adobe_run_window_secs: u64,
    pub practice: bool,
}

/// The session, a client for the setup's sandbox and the dataflow serving
/// `kind`'s Chatlio field (without a kind: the one for transcripts and
/// offline messages, which every setup has).
async fn setup_dataflow(
    state: &Shared,
    name: &str,
    kind: Option<chatlio::EventKind>,
) -> CommandResult<(crate::state::Session, platform::Client, String)> {
    let session = state.session().await?;
    let (sandbox, _, outcome) = recorded_setup(state, &session, name).await?;
    let key = match kind {
        Some(kind) => chatlio::WebhookPlan::new(outcome.webhook_mode())
            .flow_for(kind)
            .map_or(chatlio::plan::SHARED_FLOW_KEY, |flow| flow.key.as_str())
            .to_owned(),
        None => chatlio::plan::SHARED_FLOW_KEY.to_owned(),
    };
    let flow_id = outcome.flow_ids().remove(&key).ok_or_else(|| {
        CommandError::new(
            AppErrorCode::NoWebhook,
            "the setup has no dataflow for that yet",
        )
    })?;
    let client = session.client(&sandbox).await?;
    Ok((session, client, flow_id))
}

/// The session, a client for the setup's sandbox and every dataflow of it.
async fn setup_dataflows(
    state: &Shared,
    name: &str,
) -> CommandResult<(crate::state::Session, platform::Client, Vec<String>)> {
    let session = state.session().await?;
    let (sandbox, _, outcome) = recorded_setup(state, &session, name).await?;
    let flow_ids = outcome.flow_ids().into_values().collect();
    let client = session.client(&sandbox).await?;
    Ok((session, client, flow_ids))
}

/// When the setup's dataflow accepts data, and the run window length.
pub async fn dataflow_timing(state: &Shared, name: String) -> CommandResult<DataflowTimingView> {
    // A setup's dataflows are made side by side: the first one's age is theirs.
    let (session, client, flow_id) = setup_dataflow(state, &name, None).await?;
    let timing = session.timing();
    let flow = client
        .flow_service()
        .get_flow(&platform::models::FlowId::new(flow_id))
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    let accepts_data_from = setup::timing::from_millis(flow.created_at)
        .map(|created_at| timing.accepts_data_from(created_at));
    Ok(DataflowTimingView {
        accepts_data_from: accepts_data_from.map(|at| at.to_rfc3339()),
        warmup_secs: timing.warmup.as_secs(),
        run_window_secs: timing.run_window.as_secs(),
        adobe_warmup_secs: setup::Timing::ADOBE.warmup.as_secs(),
        adobe_run_window_secs: setup::Timing::ADOBE.run_window.as_secs(),
        practice: session.practice,
    })
}

/// Sends a generated Chatlio event of `kind` to the setup's webhook URL.
/// Returns once Adobe accepted it (`waiting`); the result is read later with
/// `test_event_results` or on the dashboard, so the screen can be left.
pub async fn send_test_event(
    state: &Shared,
    name: String,
    kind: chatlio::EventKind,
) -> CommandResult<TestEventView> {
    let (session, client, flow_id) = setup_dataflow(state, &name, Some(kind)).await?;
    send_and_record(state, &session, &client, &flow_id, kind).await
}

/// Sends a test event of `kind` (a stable kind code) to `flow_id` and keeps
/// its receipt, so its result can be read later. Shared by the Verify screen
/// and the dashboard.
pub async fn send_and_record(
    state: &Shared,
    session: &crate::state::Session,
    client: &platform::Client,
    flow_id: &str,
    kind: chatlio::EventKind,
) -> CommandResult<TestEventView> {
    let receipt =
        setup::test_event::send_test_event(client, flow_id, kind, &session.timing()).await;
    let receipt = receipt.map_err(test_event_error)?;
    let view = TestEventView {
        kind,
        state: setup::test_event::TestEventState::Waiting,
        overdue: false,
        sent_at: receipt.sent_at.to_rfc3339(),
        expected_by: receipt.expected_by.to_rfc3339(),
        errors: Vec::new(),
        recorded_kind: None,
    };
    let path = test_events_path(state, session.practice);
    let _held = state.test_events.lock().await;
    let mut events = load_test_events(&path);
    // The latest test of each kind per flow is what the screens show.
    events.retain(|event| !(event.receipt.flow_id == flow_id && event.receipt.kind == kind));
    events.push(StoredTestEvent {
        receipt,
        view: view.clone(),
        failure_confirmed: false,
    });
    save_test_events(&path, &events);
    Ok(view)
}

fn test_event_error(error: setup::test_event::TestEventError) -> CommandError {
    match error {
        setup::test_event::TestEventError::NoInlet => {
            CommandError::new(AppErrorCode::NoWebhook, "the dataflow has no inlet URL yet")
        }
        setup::test_event::TestEventError::WarmingUp { accepts_from } => CommandError::new(
            AppErrorCode::WarmingUp,
            format!(
                "the dataflow accepts data from {}",
                accepts_from.to_rfc3339()
            ),
        ),
        setup::test_event::TestEventError::Platform(error) => CommandError::from_platform(&error),
    }
}

/// The setup's test events: waiting ones are checked with Adobe first.
pub async fn test_event_results(state: &Shared, name: String) -> CommandResult<Vec<TestEventView>> {
    let (session, client, flow_ids) = setup_dataflows(state, &name).await?;
    let mut by_flow = refresh_test_events(state, &session, &client, &flow_ids).await;
    let mut views: Vec<TestEventView> = flow_ids
        .iter()
        .flat_map(|flow_id| by_flow.remove(flow_id).unwrap_or_default())
        .collect();
    views.sort_by(|left, right| left.sent_at.cmp(&right.sent_at));
    Ok(views)
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedView {
    /// Records Adobe counted for the setup's dataflows over the last 7 days.
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub ingested: u64,
    #[ts(type = "number")]
    pub failed: u64,
}

/// How many records the setup's dataflow has received: the Verify screen
/// polls it to see Chatlio's first real event arrive.
pub async fn received_records(state: &Shared, name: String) -> CommandResult<ReceivedView> {
    let (session, client, flow_ids) = setup_dataflows(state, &name).await?;
    let timing = session.timing();
    // Only the counts are used, so the rules (which decide staleness) are
    // the recommended ones.
    let settings = setup::alerts::AlertSettings::recommended();
    // The dataflows are read side by side: a per-event setup has four.
    let statuses = platform::map_bounded(flow_ids, TEST_EVENT_CHECKS, |flow_id| {
        let (client, timing, settings) = (&client, &timing, &settings);
        async move { setup::status::flow_status(client, &flow_id, timing, settings).await }
    })
    .await;
    let mut total = ReceivedView {
        received: 0,
        ingested: 0,
        failed: 0,
    };
    for status in statuses {
        let status = status.map_err(|error| CommandError::from_platform(&error))?;
        total.received += status.last7d.received;
        total.ingested += status.last7d.ingested;
        total.failed += status.last7d.failed;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_https_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for link in Link::ALL {
            assert!(link.url().starts_with("https://"), "{link:?}");
            assert!(seen.insert(link.url()), "{link:?} repeats a URL");
        }
    }

    #[test]
    fn instructions_cover_the_five_events() {
        let view = instructions();
        let kinds: Vec<&str> = view.events.iter().map(|e| e.kind.code()).collect();
        assert_eq!(
            kinds,
            [
                "new_conversation",
                "unanswered_visitor",
                "visitor_feedback",
                "offline_message",
                "chat_transcript"
            ]
        );
        assert!(view.events.iter().all(|e| !e.location.is_empty()));
    }
}
