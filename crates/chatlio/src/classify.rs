//! Which Chatlio webhook a body came from.
//!
//! No Chatlio payload names its event. The family (transcript, offline
//! message, visitor event) follows from the body's shape; which of the three
//! visitor events it is follows only from the URL it was posted to, which the
//! caller passes in as a hint.
//!
//! The rules are data ([`FAMILY_RULES`]) because the Data Prep mapping in
//! [`crate::mapping`] is generated from the same table: the classifier and the
//! expression that AEP evaluates cannot drift apart.

use crate::kind::{Family, RecordedKind, VisitorEventKind};
use serde::Serialize;
use serde_json::Value;

/// A family rule: every inner list must have at least one top-level key that
/// is present. "Present" means the key exists, whatever its value, which is
/// what Data Prep's `contains_key` checks.
#[derive(Debug, Clone, Copy)]
pub struct FamilyRule {
    pub family: Family,
    /// Conjunction of disjunctions of top-level keys.
    pub all_of: &'static [&'static [&'static str]],
}

/// Ordered rules; the first that matches decides the family.
///
/// 1. Transcript fields (`messages`, `textBody`, `htmlBody`, `agentEmail`) only
///    occur in transcripts.
/// 2. `emailPretty` only occurs in offline messages.
/// 3. The conversation and Slack channel fields occur in visitor events (and
///    transcripts, already matched).
/// 4. A `visitor` object with the top-level form fields `email`/`name` but no
///    conversation is an offline message whose `emailPretty` is missing.
/// 5. Any other body with a `visitor` object is read as a visitor event; Adobe's
///    own sample source JSON is such a subset.
pub const FAMILY_RULES: &[FamilyRule] = &[
    FamilyRule {
        family: Family::Transcript,
        all_of: &[&["messages", "textBody", "htmlBody", "agentEmail"]],
    },
    FamilyRule {
        family: Family::Offline,
        all_of: &[&["emailPretty"]],
    },
    FamilyRule {
        family: Family::VisitorEvent,
        all_of: &[&[
            "conversationUUID",
            "slackChannelId",
            "slackChannelName",
            "channelId",
        ]],
    },
    FamilyRule {
        family: Family::Offline,
        all_of: &[&["visitor"], &["email", "name"]],
    },
    FamilyRule {
        family: Family::VisitorEvent,
        all_of: &[&["visitor"]],
    },
];

fn is_present(body: &Value, key: &str) -> bool {
    body.get(key).is_some()
}

/// The payload family, from the body alone. `None` when no rule matches.
pub fn classify_family(body: &Value) -> Option<Family> {
    FAMILY_RULES
        .iter()
        .find(|rule| {
            rule.all_of
                .iter()
                .all(|any_of| any_of.iter().any(|key| is_present(body, key)))
        })
        .map(|rule| rule.family)
}

/// The outcome of classifying one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// `None` when the body matches no documented family.
    pub family: Option<Family>,
    /// What the mapping records as `eventKind`.
    pub kind: RecordedKind,
}

/// Classify a body that arrived on a webhook URL. `url_hint` is the visitor
/// event that URL is configured for in Chatlio, if the URL is dedicated to one
/// (see [`crate::plan::WebhookPlan`]); it is ignored for transcripts and offline
/// messages, whose shape already says what they are.
pub fn classify(body: &Value, url_hint: Option<VisitorEventKind>) -> Classification {
    let family = classify_family(body);
    let kind = recorded_kind(family, url_hint);
    Classification { family, kind }
}

pub(crate) fn recorded_kind(
    family: Option<Family>,
    url_hint: Option<VisitorEventKind>,
) -> RecordedKind {
    match family {
        Some(Family::Transcript) => RecordedKind::ChatTranscript,
        Some(Family::Offline) => RecordedKind::OfflineMessage,
        Some(Family::VisitorEvent) => match url_hint {
            Some(hint) => hint.event_kind().into(),
            None => RecordedKind::VisitorEvent,
        },
        None => RecordedKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn adobe_sample_is_a_visitor_event() {
        let adobe_sample = json!({
            "visitor": {"email": "test@example.com", "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257"},
            "message": "Hi", "channelId": "C04J7M7LCMQ",
            "slackChannelName": "aep", "slackChannelId": "C04JVR71WKS"
        });
        assert_eq!(classify_family(&adobe_sample), Some(Family::VisitorEvent));
    }

    #[test]
    fn minimal_receiver_transcript_is_a_transcript() {
        let body = json!({"messages": [{}], "visitorEmail": "user@example.com", "textBody": "x"});
        assert_eq!(classify_family(&body), Some(Family::Transcript));
    }

    #[test]
    fn offline_without_email_pretty_is_still_offline() {
        let body = json!({"name": "Bob", "email": "", "message": "hi", "visitor": {"UUID": "u"}});
        assert_eq!(classify_family(&body), Some(Family::Offline));
    }

    #[test]
    fn keys_count_as_present_whatever_their_value() {
        let body = json!({"messages": null, "visitor": {"UUID": "u"}, "conversationUUID": "c"});
        assert_eq!(classify_family(&body), Some(Family::Transcript));
        assert_eq!(
            classify_family(&json!({"visitor": null})),
            Some(Family::VisitorEvent)
        );
        assert_eq!(classify_family(&json!({"message": "hi"})), None);
    }

    #[test]
    fn hint_only_refines_visitor_events() {
        let visitor_event = json!({"visitor": {}, "conversationUUID": "c"});
        let transcript = json!({"messages": []});
        let hint = Some(VisitorEventKind::VisitorFeedback);
        assert_eq!(
            classify(&visitor_event, hint).kind,
            RecordedKind::VisitorFeedback
        );
        assert_eq!(
            classify(&visitor_event, None).kind,
            RecordedKind::VisitorEvent
        );
        assert_eq!(
            classify(&transcript, hint).kind,
            RecordedKind::ChatTranscript
        );
        assert_eq!(classify(&json!({}), hint).kind, RecordedKind::Unknown);
    }
}
