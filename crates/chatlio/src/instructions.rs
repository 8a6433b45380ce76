//! Per-event setup instructions as data: stable codes the UI looks up in the
//! `chatlio` i18n namespace (`locales/{en,sv}/chatlio.json`), each tagged with
//! how sure we are.
//!
//! Only what Chatlio's or Adobe's docs say is [`Certainty::Documented`]. Where
//! the docs are silent (three field labels, the no-answer delay, how a rating
//! is sent) the text says so instead of guessing.

use crate::kind::{EventKind, RecordedKind};
use crate::plan::WebhookMode;
use serde::Serialize;

/// How well a statement is backed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Stated in Chatlio's or Adobe's documentation.
    Documented,
    /// Our reading of the documentation; not stated there.
    Inferred,
    /// Not documented anywhere public; the text says what is not known.
    Unknown,
    /// How this app behaves.
    App,
}

impl Certainty {
    /// i18n code of the badge the UI shows next to the statement.
    pub fn code(self) -> &'static str {
        match self {
            Certainty::Documented => "certainty.documented",
            Certainty::Inferred => "certainty.inferred",
            Certainty::Unknown => "certainty.unknown",
            Certainty::App => "certainty.app",
        }
    }
}

/// One sentence of instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub code: &'static str,
    pub certainty: Certainty,
}

const fn documented(code: &'static str) -> Statement {
    Statement {
        code,
        certainty: Certainty::Documented,
    }
}

const fn inferred(code: &'static str) -> Statement {
    Statement {
        code,
        certainty: Certainty::Inferred,
    }
}

const fn unknown(code: &'static str) -> Statement {
    Statement {
        code,
        certainty: Certainty::Unknown,
    }
}

const fn app(code: &'static str) -> Statement {
    Statement {
        code,
        certainty: Certainty::App,
    }
}

/// Instructions for one Chatlio webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventInstructions {
    pub kind: EventKind,
    /// Code of the event's display name.
    pub title: &'static str,
    /// Whether Chatlio's label of the URL field is known (published as text).
    pub field_label_known: bool,
    /// Where in Chatlio's widget settings the URL goes.
    pub location: &'static [Statement],
    /// What makes Chatlio send the event.
    pub trigger: &'static [Statement],
    /// How to make Chatlio send one for a test.
    pub test: &'static [Statement],
}

/// Steps that apply to every event.
pub const GENERAL: &[Statement] = &[
    documented("general.open_settings"),
    documented("general.url_only"),
    inferred("general.url_is_secret"),
    unknown("general.plan"),
    unknown("general.field_labels"),
    documented("general.validate_in_chatlio"),
];

/// Instructions for every event, in [`EventKind::ALL`] order.
pub const EVENTS: [EventInstructions; 5] = [
    EventInstructions {
        kind: EventKind::NewConversation,
        title: "event.new_conversation.title",
        field_label_known: true,
        location: &[documented("event.new_conversation.where")],
        trigger: &[inferred("event.new_conversation.trigger")],
        test: &[inferred("event.new_conversation.test")],
    },
    EventInstructions {
        kind: EventKind::UnansweredVisitor,
        title: "event.unanswered_visitor.title",
        field_label_known: false,
        location: &[unknown("event.unanswered_visitor.where")],
        trigger: &[
            inferred("event.unanswered_visitor.trigger"),
            unknown("event.unanswered_visitor.delay"),
        ],
        test: &[inferred("event.unanswered_visitor.test")],
    },
    EventInstructions {
        kind: EventKind::VisitorFeedback,
        title: "event.visitor_feedback.title",
        field_label_known: false,
        location: &[unknown("event.visitor_feedback.where")],
        trigger: &[
            inferred("event.visitor_feedback.trigger"),
            unknown("event.visitor_feedback.rating"),
        ],
        test: &[inferred("event.visitor_feedback.test")],
    },
    EventInstructions {
        kind: EventKind::OfflineMessage,
        title: "event.offline_message.title",
        field_label_known: false,
        location: &[unknown("event.offline_message.where")],
        trigger: &[
            inferred("event.offline_message.trigger"),
            documented("event.offline_message.offline_when"),
        ],
        test: &[inferred("event.offline_message.test")],
    },
    EventInstructions {
        kind: EventKind::ChatTranscript,
        title: "event.chat_transcript.title",
        field_label_known: true,
        location: &[documented("event.chat_transcript.where")],
        trigger: &[
            documented("event.chat_transcript.trigger_manual"),
            documented("event.chat_transcript.trigger_automatic"),
            unknown("event.chat_transcript.visitor_end"),
        ],
        test: &[documented("event.chat_transcript.test")],
    },
];

/// Instructions for `kind`.
pub fn event_instructions(kind: EventKind) -> &'static EventInstructions {
    let position = EventKind::ALL
        .iter()
        .position(|candidate| *candidate == kind)
        .unwrap_or(0);
    &EVENTS[position]
}

/// Explanation of a [`WebhookMode`].
pub fn mode_statement(mode: WebhookMode) -> Statement {
    match mode {
        WebhookMode::SingleUrl => app("mode.single_url"),
        WebhookMode::PerEventUrl => app("mode.per_event_url"),
    }
}

/// Display-name code of a recorded kind (for status and record views).
pub fn recorded_kind_label(kind: RecordedKind) -> String {
    format!("kind.{}", kind.code())
}

/// Every code the Rust side can hand to the UI in the `chatlio` namespace.
pub fn all_codes() -> Vec<String> {
    let mut statements: Vec<Statement> = GENERAL.to_vec();
    statements.extend([WebhookMode::SingleUrl, WebhookMode::PerEventUrl].map(mode_statement));
    let mut codes: Vec<String> = Vec::new();
    for instructions in &EVENTS {
        statements.extend(
            instructions
                .location
                .iter()
                .chain(instructions.trigger)
                .chain(instructions.test),
        );
        codes.push(instructions.title.to_owned());
    }
    for statement in statements {
        codes.push(statement.code.to_owned());
        codes.push(statement.certainty.code().to_owned());
    }
    for kind in RecordedKind::ALL {
        codes.push(recorded_kind_label(kind));
    }
    codes.extend(ERROR_CODES.iter().map(|code| (*code).to_owned()));
    codes.sort();
    codes.dedup();
    codes
}

/// Error codes returned by this crate ([`crate::PayloadError::code`],
/// [`crate::SendError::code`]).
pub const ERROR_CODES: &[&str] = &[
    "error.payload.invalid_json",
    "error.payload.not_an_object",
    "error.payload.unrecognised_shape",
    "error.payload.wrong_field_type",
    "error.send.invalid_url",
    "error.send.timeout",
    "error.send.connect",
    "error.send.request",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn flatten(prefix: &str, value: &Value, keys: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    flatten(&path, child, keys);
                }
            }
            Value::String(text) => {
                assert!(!text.trim().is_empty(), "{prefix} is empty");
                keys.insert(prefix.to_owned());
            }
            other => panic!("{prefix} is not a string: {other}"),
        }
    }

    fn catalog(language: &str) -> BTreeSet<String> {
        let text = match language {
            "en" => include_str!("../locales/en/chatlio.json"),
            _ => include_str!("../locales/sv/chatlio.json"),
        };
        let value: Value = serde_json::from_str(text).unwrap();
        let mut keys = BTreeSet::new();
        flatten("", &value, &mut keys);
        keys
    }

    #[test]
    fn catalogs_have_the_same_keys() {
        let english = catalog("en");
        let swedish = catalog("sv");
        let only_english: Vec<_> = english.difference(&swedish).collect();
        let only_swedish: Vec<_> = swedish.difference(&english).collect();
        assert!(only_english.is_empty(), "missing in sv: {only_english:?}");
        assert!(only_swedish.is_empty(), "missing in en: {only_swedish:?}");
    }

    #[test]
    fn every_code_has_a_text() {
        let english = catalog("en");
        for code in all_codes() {
            assert!(english.contains(&code), "no text for {code}");
        }
    }

    #[test]
    fn error_codes_match_the_error_types() {
        use crate::payload::PayloadError;
        use crate::send::SendError;
        let payload_codes = [
            PayloadError::NotAnObject { found: "x" }.code(),
            PayloadError::UnrecognisedShape.code(),
        ];
        let send_codes = [
            SendError::InvalidUrl(String::new()).code(),
            SendError::Timeout.code(),
            SendError::Connect(String::new()).code(),
            SendError::Request(String::new()).code(),
        ];
        for code in payload_codes.iter().chain(&send_codes) {
            assert!(ERROR_CODES.contains(code), "{code}");
        }
    }

    #[test]
    fn unknown_labels_are_marked_unknown() {
        for kind in EventKind::ALL {
            let instructions = event_instructions(kind);
            assert_eq!(instructions.kind, kind);
            let location_certainty = instructions.location[0].certainty;
            assert_eq!(
                instructions.field_label_known,
                location_certainty == Certainty::Documented,
                "{kind}"
            );
        }
    }
}
