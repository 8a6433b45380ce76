//! The five Chatlio webhook events, their payload families and the value the
//! mapping records as the event kind.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the five Chatlio webhooks Adobe lists as supported.
///
/// The serialized form (`code`) is stable: it is stored in AEP records, used as
/// an i18n key segment and accepted by the `chatlio-sim` CLI.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// "New conversation has started".
    NewConversation,
    /// "Visitor did not get an answer in time" (unanswered visitor message).
    UnansweredVisitor,
    /// "Visitor left feedback after a chat".
    VisitorFeedback,
    /// "Exporting offline messages".
    OfflineMessage,
    /// "Exporting chat transcripts".
    ChatTranscript,
}

impl EventKind {
    /// Every kind, in the order the UI lists them.
    pub const ALL: [EventKind; 5] = [
        EventKind::NewConversation,
        EventKind::UnansweredVisitor,
        EventKind::VisitorFeedback,
        EventKind::OfflineMessage,
        EventKind::ChatTranscript,
    ];

    /// Stable code (also the serde form).
    pub fn code(self) -> &'static str {
        match self {
            EventKind::NewConversation => "new_conversation",
            EventKind::UnansweredVisitor => "unanswered_visitor",
            EventKind::VisitorFeedback => "visitor_feedback",
            EventKind::OfflineMessage => "offline_message",
            EventKind::ChatTranscript => "chat_transcript",
        }
    }

    /// The payload family this kind's webhook sends.
    pub fn family(self) -> Family {
        match self {
            EventKind::NewConversation
            | EventKind::UnansweredVisitor
            | EventKind::VisitorFeedback => Family::VisitorEvent,
            EventKind::OfflineMessage => Family::Offline,
            EventKind::ChatTranscript => Family::Transcript,
        }
    }

    /// The visitor-event kind, if this is one of the three shape-identical events.
    pub fn as_visitor_event(self) -> Option<VisitorEventKind> {
        match self {
            EventKind::NewConversation => Some(VisitorEventKind::NewConversation),
            EventKind::UnansweredVisitor => Some(VisitorEventKind::UnansweredVisitor),
            EventKind::VisitorFeedback => Some(VisitorEventKind::VisitorFeedback),
            EventKind::OfflineMessage | EventKind::ChatTranscript => None,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// A string that is not one of the [`EventKind`] codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Chatlio event kind {0:?}; expected one of new_conversation, unanswered_visitor, visitor_feedback, offline_message, chat_transcript")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.code() == text)
            .ok_or_else(|| UnknownEventKind(text.to_owned()))
    }
}

/// The three events that share one payload shape. Only the webhook URL they
/// were sent to tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitorEventKind {
    NewConversation,
    UnansweredVisitor,
    VisitorFeedback,
}

impl VisitorEventKind {
    pub const ALL: [VisitorEventKind; 3] = [
        VisitorEventKind::NewConversation,
        VisitorEventKind::UnansweredVisitor,
        VisitorEventKind::VisitorFeedback,
    ];

    pub fn event_kind(self) -> EventKind {
        match self {
            VisitorEventKind::NewConversation => EventKind::NewConversation,
            VisitorEventKind::UnansweredVisitor => EventKind::UnansweredVisitor,
            VisitorEventKind::VisitorFeedback => EventKind::VisitorFeedback,
        }
    }

    pub fn code(self) -> &'static str {
        self.event_kind().code()
    }
}

/// Payload families: what can be told from the JSON body alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `agentEmail`, `messages[]`, `textBody`, ... (no `visitor` object).
    Transcript,
    /// `name`, `email`, `emailPretty`, `message`, `visitor{}`.
    Offline,
    /// `visitor{}`, `message`, `conversationUUID`, Slack channel fields.
    VisitorEvent,
}

impl Family {
    /// Stable code, stored in records as `eventFamily`.
    pub fn code(self) -> &'static str {
        match self {
            Family::Transcript => "chat_transcript",
            Family::Offline => "offline_message",
            Family::VisitorEvent => "visitor_event",
        }
    }
}

/// The value the mapping writes to `eventKind`.
///
/// It is the precise [`EventKind`] when the payload shape or the webhook URL it
/// arrived on says which event it is, `visitor_event` when a visitor-event
/// payload arrived on the shared URL, and `unknown` for a body that matches no
/// documented family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedKind {
    NewConversation,
    UnansweredVisitor,
    VisitorFeedback,
    OfflineMessage,
    ChatTranscript,
    VisitorEvent,
    Unknown,
}

impl RecordedKind {
    pub const ALL: [RecordedKind; 7] = [
        RecordedKind::NewConversation,
        RecordedKind::UnansweredVisitor,
        RecordedKind::VisitorFeedback,
        RecordedKind::OfflineMessage,
        RecordedKind::ChatTranscript,
        RecordedKind::VisitorEvent,
        RecordedKind::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecordedKind::NewConversation => "new_conversation",
            RecordedKind::UnansweredVisitor => "unanswered_visitor",
            RecordedKind::VisitorFeedback => "visitor_feedback",
            RecordedKind::OfflineMessage => "offline_message",
            RecordedKind::ChatTranscript => "chat_transcript",
            RecordedKind::VisitorEvent => "visitor_event",
            RecordedKind::Unknown => "unknown",
        }
    }

    /// The precise event, when known.
    pub fn event_kind(self) -> Option<EventKind> {
        match self {
            RecordedKind::NewConversation => Some(EventKind::NewConversation),
            RecordedKind::UnansweredVisitor => Some(EventKind::UnansweredVisitor),
            RecordedKind::VisitorFeedback => Some(EventKind::VisitorFeedback),
            RecordedKind::OfflineMessage => Some(EventKind::OfflineMessage),
            RecordedKind::ChatTranscript => Some(EventKind::ChatTranscript),
            RecordedKind::VisitorEvent | RecordedKind::Unknown => None,
        }
    }
}

impl From<EventKind> for RecordedKind {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::NewConversation => RecordedKind::NewConversation,
            EventKind::UnansweredVisitor => RecordedKind::UnansweredVisitor,
            EventKind::VisitorFeedback => RecordedKind::VisitorFeedback,
            EventKind::OfflineMessage => RecordedKind::OfflineMessage,
            EventKind::ChatTranscript => RecordedKind::ChatTranscript,
        }
    }
}

impl fmt::Display for RecordedKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_from_str_and_serde() {
        for kind in EventKind::ALL {
            assert_eq!(kind.code().parse::<EventKind>().unwrap(), kind);
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.code())
            );
            assert_eq!(RecordedKind::from(kind).code(), kind.code());
        }
        for kind in RecordedKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.code())
            );
        }
        assert!("transcript".parse::<EventKind>().is_err());
    }

    #[test]
    fn visitor_events_share_a_family() {
        for kind in VisitorEventKind::ALL {
            assert_eq!(kind.event_kind().family(), Family::VisitorEvent);
            assert_eq!(kind.event_kind().as_visitor_event(), Some(kind));
        }
        assert_eq!(EventKind::ChatTranscript.family(), Family::Transcript);
        assert_eq!(EventKind::OfflineMessage.family(), Family::Offline);
    }
}
