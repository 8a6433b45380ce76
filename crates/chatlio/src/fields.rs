//! The Chatlio field group: one table that both the Schema Registry bodies
//! ([`crate::schema`]) and the Data Prep mapping ([`crate::mapping`]) are
//! generated from, so every mapped destination exists in the schema with the
//! type the mapping produces.
//!
//! Paths are relative to `_{tenantId}.chatlio`.

/// The object under the tenant namespace that holds every Chatlio field.
pub const ROOT_OBJECT: &str = "chatlio";

/// XDM type of a leaf field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XdmType {
    String,
    Integer,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A path into the Chatlio body, copied as is (`""` stays `""`).
    Attribute(&'static str),
    /// A Data Prep expression, see [`Computed`].
    Computed(Computed),
}

/// Values the mapping computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    /// The recorded event kind (precise when shape or URL says so).
    EventKind,
    /// The payload family (`chat_transcript`, `offline_message`,
    /// `visitor_event`, `unknown`).
    EventFamily,
    /// First non-empty of visitor UUID, conversation UUID, visitor email.
    SubjectId,
    /// Which of those [`Computed::SubjectId`] is.
    SubjectIdType,
    /// First non-empty of `visitor.email`, `visitorEmail`, `email`. Primary
    /// identity (namespace Email); empty strings are left out because `""` is
    /// not an identity value.
    VisitorEmail,
    /// First non-empty of `visitor.name`, `name`.
    VisitorName,
    /// Number of entries in a transcript's `messages`.
    MessageCount,
}

/// One leaf of the field group.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Dot path under `_{tenantId}.chatlio`.
    pub path: &'static str,
    pub xdm_type: XdmType,
    pub title: &'static str,
    pub description: &'static str,
    pub source: Source,
}

/// Required leaves of the `chatlio` object: an event without them fails
/// validation (a failed record), which is what must happen for a body that
/// carries nothing that identifies a visitor or a conversation.
pub const REQUIRED: [&str; 2] = ["eventKind", "subjectId"];

/// Path of the primary identity, relative to `_{tenantId}.chatlio`.
pub const PRIMARY_IDENTITY_PATH: &str = "visitor.email";

/// Every leaf of the field group, in schema order.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        path: "eventKind",
        xdm_type: XdmType::String,
        title: "Event kind",
        description: "Which Chatlio webhook sent the event: new_conversation, unanswered_visitor, visitor_feedback, offline_message, chat_transcript; visitor_event when a visitor event arrived on the URL shared by all events (Chatlio's body does not say which of the three it is); unknown for an unrecognised body.",
        source: Source::Computed(Computed::EventKind),
    },
    FieldSpec {
        path: "eventFamily",
        xdm_type: XdmType::String,
        title: "Payload family",
        description: "Shape of the Chatlio body: chat_transcript, offline_message, visitor_event or unknown.",
        source: Source::Computed(Computed::EventFamily),
    },
    FieldSpec {
        path: "subjectId",
        xdm_type: XdmType::String,
        title: "Subject id",
        description: "What the event is about: the Chatlio visitor UUID when the body has one, else the conversation UUID, else the visitor's email. Required: a body with none of these is rejected.",
        source: Source::Computed(Computed::SubjectId),
    },
    FieldSpec {
        path: "subjectIdType",
        xdm_type: XdmType::String,
        title: "Subject id type",
        description: "visitor_uuid, conversation_uuid or email: which value subjectId holds.",
        source: Source::Computed(Computed::SubjectIdType),
    },
    FieldSpec {
        path: "conversationUUID",
        xdm_type: XdmType::String,
        title: "Conversation UUID",
        description: "Chatlio conversation id; the same value appears in the conversation's transcript.",
        source: Source::Attribute("conversationUUID"),
    },
    FieldSpec {
        path: "message",
        xdm_type: XdmType::String,
        title: "Message",
        description: "The visitor's message: first message, unanswered message, feedback text or offline message, depending on the event.",
        source: Source::Attribute("message"),
    },
    FieldSpec {
        path: "visitor.uuid",
        xdm_type: XdmType::String,
        title: "Visitor UUID",
        description: "Chatlio's visitor id (visitor.UUID). Not sent with transcripts.",
        source: Source::Attribute("visitor.UUID"),
    },
    FieldSpec {
        path: "visitor.email",
        xdm_type: XdmType::String,
        title: "Visitor email",
        description: "The visitor's email when known (visitor.email, or visitorEmail in transcripts, or the offline form's email). Primary identity, namespace Email.",
        source: Source::Computed(Computed::VisitorEmail),
    },
    FieldSpec {
        path: "visitor.name",
        xdm_type: XdmType::String,
        title: "Visitor name",
        description: "The visitor's name when known (visitor.name, or the offline form's name).",
        source: Source::Computed(Computed::VisitorName),
    },
    FieldSpec {
        path: "visitor.identUserId",
        xdm_type: XdmType::String,
        title: "Identified user id",
        description: "The user id the website passed to Chatlio's identify() call.",
        source: Source::Attribute("visitor.identUserId"),
    },
    FieldSpec {
        path: "visitor.handle",
        xdm_type: XdmType::String,
        title: "Visitor handle",
        description: "Chatlio's generated visitor handle.",
        source: Source::Attribute("visitor.handle"),
    },
    FieldSpec {
        path: "visitor.currentPage",
        xdm_type: XdmType::String,
        title: "Current page",
        description: "The page the visitor was on.",
        source: Source::Attribute("visitor.currentPage"),
    },
    FieldSpec {
        path: "visitor.referrerUrl",
        xdm_type: XdmType::String,
        title: "Referrer URL",
        description: "The visitor's referrer.",
        source: Source::Attribute("visitor.referrerURL"),
    },
    FieldSpec {
        path: "visitor.location",
        xdm_type: XdmType::String,
        title: "Location",
        description: "Chatlio's location text for the visitor (not sent with offline messages).",
        source: Source::Attribute("visitor.location"),
    },
    FieldSpec {
        path: "visitor.createdAt",
        xdm_type: XdmType::String,
        title: "Visitor created at",
        description: "Chatlio's visitor creation time, as sent (RFC 3339 text).",
        source: Source::Attribute("visitor.createdAt"),
    },
    FieldSpec {
        path: "slack.channelId",
        xdm_type: XdmType::String,
        title: "Slack channel id",
        description: "channelId as sent by Chatlio (visitor events and transcripts).",
        source: Source::Attribute("channelId"),
    },
    FieldSpec {
        path: "slack.channelName",
        xdm_type: XdmType::String,
        title: "Slack channel name",
        description: "channelName as sent by Chatlio in transcripts.",
        source: Source::Attribute("channelName"),
    },
    FieldSpec {
        path: "slack.slackChannelId",
        xdm_type: XdmType::String,
        title: "Chatlio Slack channel id",
        description: "slackChannelId as sent by Chatlio in visitor events.",
        source: Source::Attribute("slackChannelId"),
    },
    FieldSpec {
        path: "slack.slackChannelName",
        xdm_type: XdmType::String,
        title: "Chatlio Slack channel name",
        description: "slackChannelName as sent by Chatlio in visitor events.",
        source: Source::Attribute("slackChannelName"),
    },
    FieldSpec {
        path: "slack.teamId",
        xdm_type: XdmType::String,
        title: "Slack team id",
        description: "slackTeamID, when a transcript carries it.",
        source: Source::Attribute("slackTeamID"),
    },
    FieldSpec {
        path: "transcript.agentEmail",
        xdm_type: XdmType::String,
        title: "Agent email",
        description: "Email of the operator who handled the chat.",
        source: Source::Attribute("agentEmail"),
    },
    FieldSpec {
        path: "transcript.agentName",
        xdm_type: XdmType::String,
        title: "Agent name",
        description: "Name of the operator who handled the chat.",
        source: Source::Attribute("agentName"),
    },
    FieldSpec {
        path: "transcript.startedAt",
        xdm_type: XdmType::String,
        title: "Chat started at",
        description: "Start of the chat, as sent (RFC 3339 text).",
        source: Source::Attribute("startedAt"),
    },
    FieldSpec {
        path: "transcript.endedAt",
        xdm_type: XdmType::String,
        title: "Chat ended at",
        description: "End of the chat, as sent (RFC 3339 text).",
        source: Source::Attribute("endedAt"),
    },
    FieldSpec {
        path: "transcript.messageCount",
        xdm_type: XdmType::Integer,
        title: "Message count",
        description: "Number of messages in the transcript.",
        source: Source::Computed(Computed::MessageCount),
    },
    FieldSpec {
        path: "transcript.textBody",
        xdm_type: XdmType::String,
        title: "Transcript text",
        description: "Plain-text transcript.",
        source: Source::Attribute("textBody"),
    },
    FieldSpec {
        path: "transcript.visitorName",
        xdm_type: XdmType::String,
        title: "Transcript visitor name",
        description: "visitorName as sent in the transcript (may be the visitor's handle).",
        source: Source::Attribute("visitorName"),
    },
    FieldSpec {
        path: "transcript.replyToEmail",
        xdm_type: XdmType::String,
        title: "Reply-to email",
        description: "replyToEmail as sent: the visitor's email if known, else a fallback address.",
        source: Source::Attribute("replyToEmail"),
    },
    FieldSpec {
        path: "transcript.archiveUrl",
        xdm_type: XdmType::String,
        title: "Archive URL",
        description: "Link to the archived Slack conversation.",
        source: Source::Attribute("archiveUrl"),
    },
    FieldSpec {
        path: "offline.name",
        xdm_type: XdmType::String,
        title: "Offline form name",
        description: "Name entered in the offline form.",
        source: Source::Attribute("name"),
    },
    FieldSpec {
        path: "offline.email",
        xdm_type: XdmType::String,
        title: "Offline form email",
        description: "Email entered in the offline form.",
        source: Source::Attribute("email"),
    },
    FieldSpec {
        path: "offline.emailPretty",
        xdm_type: XdmType::String,
        title: "Offline form email (display form)",
        description: "The offline form's name and email as \"Name\" <email>.",
        source: Source::Attribute("emailPretty"),
    },
    FieldSpec {
        path: "offline.subject",
        xdm_type: XdmType::String,
        title: "Offline message subject",
        description: "subject, when an offline message carries it.",
        source: Source::Attribute("subject"),
    },
];

/// The field spec at `path` (relative to `_{tenantId}.chatlio`).
pub fn field(path: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|spec| spec.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn paths_are_unique_and_required_fields_exist() {
        let mut seen = HashSet::new();
        for spec in FIELDS {
            assert!(seen.insert(spec.path), "duplicate path {}", spec.path);
            // A leaf may not also be an object prefix of another leaf.
            let prefix = format!("{}.", spec.path);
            assert!(!FIELDS.iter().any(|other| other.path.starts_with(&prefix)));
        }
        for required in REQUIRED {
            assert!(field(required).is_some());
        }
        assert_eq!(
            field(PRIMARY_IDENTITY_PATH).map(|spec| spec.source),
            Some(Source::Computed(Computed::VisitorEmail))
        );
    }

    #[test]
    fn brief_fields_are_covered() {
        for path in [
            "eventKind",
            "visitor.uuid",
            "visitor.email",
            "visitor.name",
            "visitor.identUserId",
            "message",
            "conversationUUID",
            "slack.channelId",
            "slack.channelName",
            "slack.slackChannelId",
            "slack.slackChannelName",
            "transcript.agentEmail",
            "transcript.agentName",
            "transcript.startedAt",
            "transcript.endedAt",
            "transcript.messageCount",
            "transcript.textBody",
            "offline.name",
            "offline.email",
            "offline.subject",
        ] {
            assert!(field(path).is_some(), "{path} missing");
        }
    }
}
