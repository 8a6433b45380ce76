//! Typed Chatlio webhook bodies.
//!
//! Tolerant on purpose: Chatlio documents no schema version, sends `""` for
//! unknown values, has sent traits both as a JSON string and as an object, and
//! its docs are cut off mid-payload. So every documented field is optional,
//! every unknown field is kept in `extra` and written back unchanged, and a
//! body parses as long as the documented fields it does carry have the
//! documented JSON types.

use crate::classify::classify_family;
use crate::kind::Family;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Traits passed to `_chatlio.identify(userId, traits)`: Chatlio's examples show
/// both a JSON-encoded string (`identTraits`) and an object (`visitorTraits`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Traits {
    Object(Map<String, Value>),
    Text(String),
}

impl Traits {
    /// The traits as an object: the object itself, or the string parsed as a
    /// JSON object. `None` for `""` or a string that is not a JSON object.
    pub fn to_object(&self) -> Option<Map<String, Value>> {
        match self {
            Traits::Object(map) => Some(map.clone()),
            Traits::Text(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Some(map),
                _ => None,
            },
        }
    }
}

/// The `visitor` object of visitor-event and offline payloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Visitor {
    #[serde(rename = "UUID", default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        rename = "identUserId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ident_user_id: Option<String>,
    #[serde(
        rename = "identTraits",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ident_traits: Option<Traits>,
    #[serde(rename = "userAgent", default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(
        rename = "currentPage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_page: Option<String>,
    #[serde(
        rename = "referrerURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub referrer_url: Option<String>,
    #[serde(rename = "createdAt", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(rename = "IPAddress", default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Present in the visitor-event example, absent from the offline example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// "New conversation started", "visitor got no reply in time" and "visitor left
/// feedback": one documented shape for all three.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VisitorEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<Visitor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(
        rename = "conversationUUID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_uuid: Option<String>,
    #[serde(rename = "channelId", default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(
        rename = "slackChannelName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub slack_channel_name: Option<String>,
    #[serde(
        rename = "slackChannelId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub slack_channel_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// "New offline message".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfflineMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(
        rename = "emailPretty",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_pretty: Option<String>,
    /// Not in Chatlio's current example; decoded by the one public receiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<Visitor>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One line of a chat transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Slack message timestamp, e.g. `"1469725409.000005"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    #[serde(rename = "sentAt", default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// Slack user id of an operator; `""` for visitor messages.
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(
        rename = "isVisitorMsg",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_visitor_message: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// "Chat transcript" (post-chat action).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatTranscript {
    #[serde(
        rename = "agentEmail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_email: Option<String>,
    #[serde(rename = "agentName", default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(
        rename = "archiveUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub archive_url: Option<String>,
    #[serde(rename = "extraData", default, skip_serializing_if = "Option::is_none")]
    pub extra_data: Option<Value>,
    #[serde(rename = "channelId", default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(
        rename = "channelName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_name: Option<String>,
    /// Not in the readable part of Chatlio's doc; decoded by the public receiver.
    #[serde(
        rename = "slackTeamID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub slack_team_id: Option<String>,
    #[serde(
        rename = "conversationUUID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_uuid: Option<String>,
    #[serde(rename = "startedAt", default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(rename = "endedAt", default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(rename = "htmlBody", default, skip_serializing_if = "Option::is_none")]
    pub html_body: Option<String>,
    #[serde(rename = "textBody", default, skip_serializing_if = "Option::is_none")]
    pub text_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<TranscriptMessage>>,
    #[serde(
        rename = "visitorEmail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub visitor_email: Option<String>,
    #[serde(
        rename = "replyToEmail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reply_to_email: Option<String>,
    #[serde(
        rename = "visitorName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub visitor_name: Option<String>,
    #[serde(
        rename = "visitorTraits",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub visitor_traits: Option<Traits>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Chatlio webhook body, by family.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatlioPayload {
    Transcript(ChatTranscript),
    Offline(OfflineMessage),
    VisitorEvent(VisitorEvent),
}

/// Why a body is not a Chatlio payload.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    #[error("a Chatlio webhook body is a JSON object, this is {found}")]
    NotAnObject { found: &'static str },
    #[error("the body matches none of the documented Chatlio payloads (no transcript, offline-message or visitor fields)")]
    UnrecognisedShape,
    #[error("the {family:?} payload has a field of the wrong type: {source}")]
    WrongFieldType {
        family: Family,
        #[source]
        source: serde_json::Error,
    },
}

impl PayloadError {
    /// Stable code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            PayloadError::InvalidJson(_) => "error.payload.invalid_json",
            PayloadError::NotAnObject { .. } => "error.payload.not_an_object",
            PayloadError::UnrecognisedShape => "error.payload.unrecognised_shape",
            PayloadError::WrongFieldType { .. } => "error.payload.wrong_field_type",
        }
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl ChatlioPayload {
    /// Parse raw webhook bytes.
    pub fn from_slice(body: &[u8]) -> Result<Self, PayloadError> {
        let value: Value = serde_json::from_slice(body).map_err(PayloadError::InvalidJson)?;
        Self::from_value(&value)
    }

    /// Parse a JSON value, choosing the family from the body's shape.
    pub fn from_value(value: &Value) -> Result<Self, PayloadError> {
        if !value.is_object() {
            return Err(PayloadError::NotAnObject {
                found: json_type_name(value),
            });
        }
        let family = classify_family(value).ok_or(PayloadError::UnrecognisedShape)?;
        let wrong_type = |source| PayloadError::WrongFieldType { family, source };
        Ok(match family {
            Family::Transcript => ChatlioPayload::Transcript(
                serde_json::from_value(value.clone()).map_err(wrong_type)?,
            ),
            Family::Offline => {
                ChatlioPayload::Offline(serde_json::from_value(value.clone()).map_err(wrong_type)?)
            }
            Family::VisitorEvent => ChatlioPayload::VisitorEvent(
                serde_json::from_value(value.clone()).map_err(wrong_type)?,
            ),
        })
    }

    pub fn family(&self) -> Family {
        match self {
            ChatlioPayload::Transcript(_) => Family::Transcript,
            ChatlioPayload::Offline(_) => Family::Offline,
            ChatlioPayload::VisitorEvent(_) => Family::VisitorEvent,
        }
    }

    /// The body as Chatlio sent it (unknown fields included).
    pub fn to_value(&self) -> Value {
        let serialized = match self {
            ChatlioPayload::Transcript(payload) => serde_json::to_value(payload),
            ChatlioPayload::Offline(payload) => serde_json::to_value(payload),
            ChatlioPayload::VisitorEvent(payload) => serde_json::to_value(payload),
        };
        // These types hold only strings, booleans, maps and JSON values, which
        // always serialize; the fallback cannot be reached.
        serialized.unwrap_or(Value::Null)
    }

    /// The Chatlio visitor UUID, when the payload has a non-empty one.
    pub fn visitor_uuid(&self) -> Option<&str> {
        let visitor = match self {
            ChatlioPayload::Transcript(_) => None,
            ChatlioPayload::Offline(payload) => payload.visitor.as_ref(),
            ChatlioPayload::VisitorEvent(payload) => payload.visitor.as_ref(),
        };
        non_empty(visitor.and_then(|visitor| visitor.uuid.as_deref()))
    }

    /// The conversation UUID, when the payload has a non-empty one.
    pub fn conversation_uuid(&self) -> Option<&str> {
        non_empty(match self {
            ChatlioPayload::Transcript(payload) => payload.conversation_uuid.as_deref(),
            ChatlioPayload::Offline(_) => None,
            ChatlioPayload::VisitorEvent(payload) => payload.conversation_uuid.as_deref(),
        })
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn traits_accept_string_object_and_empty() {
        let visitor: Visitor = serde_json::from_value(json!({
            "UUID": "u", "identTraits": "{\"plan\":\"speed\"}"
        }))
        .unwrap();
        let traits = visitor.ident_traits.unwrap();
        assert_eq!(traits.to_object().unwrap()["plan"], json!("speed"));

        let visitor: Visitor =
            serde_json::from_value(json!({"identTraits": {"plan": "speed"}})).unwrap();
        assert_eq!(
            visitor.ident_traits.unwrap().to_object().unwrap()["plan"],
            json!("speed")
        );

        let visitor: Visitor = serde_json::from_value(json!({"identTraits": ""})).unwrap();
        assert_eq!(visitor.ident_traits, Some(Traits::Text(String::new())));
        assert!(Traits::Text(String::new()).to_object().is_none());
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let body = json!({
            "visitor": {"UUID": "u", "newThing": {"a": 1}},
            "message": "",
            "conversationUUID": "c",
            "rating": 5
        });
        let payload = ChatlioPayload::from_value(&body).unwrap();
        assert_eq!(payload.family(), Family::VisitorEvent);
        assert_eq!(payload.to_value(), body);
    }

    #[test]
    fn wrong_types_and_non_objects_are_typed_errors() {
        let error = ChatlioPayload::from_value(&json!([1, 2])).unwrap_err();
        assert_eq!(error.code(), "error.payload.not_an_object");
        let error =
            ChatlioPayload::from_value(&json!({"conversationUUID": 5, "visitor": {}})).unwrap_err();
        assert_eq!(error.code(), "error.payload.wrong_field_type");
        let error = ChatlioPayload::from_value(&json!({"hello": "world"})).unwrap_err();
        assert_eq!(error.code(), "error.payload.unrecognised_shape");
        let error = ChatlioPayload::from_slice(b"{nope").unwrap_err();
        assert_eq!(error.code(), "error.payload.invalid_json");
    }
}
