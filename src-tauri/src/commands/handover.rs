//! Connect Chatlio and Verify screens: the webhook URL, Chatlio's five
//! webhooks, test events, links out.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

use crate::commands::setup::recorded_setup;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::Shared;

/// The webhook URL of a finished setup. It is a credential of sorts (anyone
/// holding it can send data into the dataflow), so it crosses to the UI only
/// when the user asks to see it, and is never logged.
async fn webhook_url(state: &Shared, name: &str) -> CommandResult<platform::WebhookUrl> {
    let session = state.session().await?;
    let (_, _, outcome) = recorded_setup(state, &session, name).await?;
    outcome.webhook_url.ok_or_else(|| {
        CommandError::new(ErrorCode::NoWebhook, "the setup has no webhook URL yet")
            .with_hint("Finish the setup first.")
    })
}

#[tauri::command]
pub async fn reveal_webhook_url(state: State<'_, Shared>, name: String) -> CommandResult<String> {
    Ok(webhook_url(&state, &name).await?.as_str().to_owned())
}

/// Copies the webhook URL to the clipboard without it passing through the UI.
#[tauri::command]
pub async fn copy_webhook_url(
    app: AppHandle,
    state: State<'_, Shared>,
    name: String,
) -> CommandResult<()> {
    let url = webhook_url(&state, &name).await?;
    app.clipboard()
        .write_text(url.as_str().to_owned())
        .map_err(|error| {
            CommandError::new(ErrorCode::ClipboardFailed, error.to_string())
                .with_hint("Reveal the URL and copy it by hand.")
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
}

impl Link {
    #[cfg(test)]
    pub const ALL: [Link; 9] = [
        Link::DeveloperConsole,
        Link::AdobeAuthGuide,
        Link::AdobePermissions,
        Link::AdobeSandboxes,
        Link::AdobeChatlioSource,
        Link::ChatlioDashboard,
        Link::ChatlioWebhooks,
        Link::ChatlioPricing,
        Link::AdobeDataflows,
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
        }
    }
}

/// Opens one of the known pages in the system browser.
#[tauri::command]
pub async fn open_link(app: AppHandle, link: Link) -> CommandResult<()> {
    app.opener()
        .open_url(link.url(), None::<&str>)
        .map_err(|error| {
            CommandError::new(ErrorCode::OpenFailed, error.to_string())
                .with_hint(format!("Open {} in your browser.", link.url()))
        })
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatementView {
    /// Key in the UI's `chatlio` catalog.
    pub code: String,
    /// `documented`, `inferred`, `unknown` or `app`.
    pub certainty: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventInstructionsView {
    /// `new_conversation`, `unanswered_visitor`, ...: also the `event-<kind>` test id.
    pub kind: String,
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
            certainty: statement.certainty.code().to_owned(),
        })
        .collect()
}

pub fn instructions() -> ChatlioInstructionsView {
    let mode = chatlio::instructions::mode_statement(chatlio::WebhookMode::SingleUrl);
    ChatlioInstructionsView {
        general: statements(chatlio::instructions::GENERAL),
        mode: StatementView {
            code: mode.code.to_owned(),
            certainty: mode.certainty.code().to_owned(),
        },
        events: chatlio::instructions::EVENTS
            .iter()
            .map(|event| EventInstructionsView {
                kind: event.kind.code().to_owned(),
                title: event.title.to_owned(),
                location: statements(event.location),
                trigger: statements(event.trigger),
                test: statements(event.test),
            })
            .collect(),
    }
}

/// Where each of Chatlio's five webhooks goes and what triggers it.
#[tauri::command]
pub async fn chatlio_instructions() -> CommandResult<ChatlioInstructionsView> {
    Ok(instructions())
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestEventView {
    pub kind: String,
    /// `counted` (ingested or failed), or `sent` when the deadline passed
    /// before Adobe counted it.
    pub state: String,
    pub ingested: bool,
    pub failed: bool,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// How long a test event may take to show in the run counts. Adobe itself
/// can take minutes; the UI says so and offers to keep waiting.
const TEST_EVENT_DEADLINE: Duration = Duration::from_secs(30);

/// Sends a generated Chatlio event of `kind` to the setup's webhook URL and
/// waits for Adobe to count it; phases (`sent`, `accepted`, `waiting`,
/// `counted`) go to `on_phase`.
#[tauri::command]
pub async fn send_test_event(
    state: State<'_, Shared>,
    name: String,
    kind: String,
    on_phase: Channel<String>,
) -> CommandResult<TestEventView> {
    let session = state.session().await?;
    let (sandbox, _, outcome) = recorded_setup(&state, &session, &name).await?;
    let flow_id = outcome
        .flow_id
        .ok_or_else(|| CommandError::new(ErrorCode::NoWebhook, "the setup has no dataflow yet"))?;
    let client = session.client(&sandbox).await?;
    test_event(&client, &flow_id, &kind, TEST_EVENT_DEADLINE, on_phase).await
}

/// Sends one generated event of `kind` to `flow_id`'s webhook URL and waits
/// until Adobe counts it or `deadline` passes.
pub async fn test_event(
    client: &platform::Client,
    flow_id: &str,
    kind: &str,
    deadline: Duration,
    on_phase: Channel<String>,
) -> CommandResult<TestEventView> {
    let kind: chatlio::EventKind = kind.parse().map_err(|_| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("unknown event kind {kind:?}"),
        )
    })?;
    let report = move |phase: setup::status::TestEventPhase| {
        if let Err(error) = on_phase.send(crate::error::code_name(&phase)) {
            tracing::debug!(%error, "test event channel closed");
        }
    };
    let result = setup::status::send_test_event(client, flow_id, kind, deadline, &report)
        .await
        .map_err(|error| match error {
            setup::status::TestEventError::NoInlet => {
                CommandError::new(ErrorCode::NoWebhook, "the dataflow has no inlet URL yet")
            }
            setup::status::TestEventError::Platform(error) => CommandError::from_platform(&error),
        })?;
    Ok(TestEventView {
        kind: kind.code().to_owned(),
        state: if result.counted { "counted" } else { "sent" }.to_owned(),
        ingested: result.ingested,
        failed: result.failed,
        elapsed_ms: result.elapsed_ms,
    })
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedView {
    /// Records Adobe counted for the setup's dataflow in its recent runs.
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub ingested: u64,
    #[ts(type = "number")]
    pub failed: u64,
}

/// How many records the setup's dataflow has received: the Verify screen
/// polls it to see Chatlio's first real event arrive.
#[tauri::command]
pub async fn received_records(
    state: State<'_, Shared>,
    name: String,
) -> CommandResult<ReceivedView> {
    let session = state.session().await?;
    let (sandbox, _, outcome) = recorded_setup(&state, &session, &name).await?;
    let flow_id = outcome
        .flow_id
        .ok_or_else(|| CommandError::new(ErrorCode::NoWebhook, "the setup has no dataflow yet"))?;
    let client = session.client(&sandbox).await?;
    let status = setup::status::flow_status(&client, &flow_id)
        .await
        .map_err(|error| CommandError::from_platform(&error))?;
    session.keep_tokens().await;
    Ok(ReceivedView {
        received: status.received,
        ingested: status.ingested,
        failed: status.failed,
    })
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
        let kinds: Vec<&str> = view.events.iter().map(|e| e.kind.as_str()).collect();
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
