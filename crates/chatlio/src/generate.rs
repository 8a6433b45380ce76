//! Realistic Chatlio webhook bodies: the documented examples and random,
//! seedable variants (empty optional fields, non-ASCII text, long transcripts,
//! traits as a JSON string or an object).
//!
//! Values follow the shapes in Chatlio's docs. Addresses use the reserved
//! `example.*` domains and IPs the documentation ranges, so nothing generated
//! points at a real person or host.

use crate::kind::EventKind;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::{json, Map, Value};

const NAMES: &[&str] = &[
    "Bob Smith",
    "Åsa Lindqvist",
    "José Álvarez",
    "Zoë Ní Bhriain",
    "李雷",
    "Ольга Петрова",
    "Søren Bæk",
    "Mohammed Al-Farsi",
    "Jane O'Neil",
    "Nguyễn Thị Hoa",
    "Willie Wilson",
];

const LOCATIONS: &[(&str, &str)] = &[
    ("Los Angeles, California, United States", "united-states"),
    (
        "Costa Mesa, California, United States",
        "costa-mesa-california-us",
    ),
    ("Stockholm, Stockholm County, Sweden", "stockholm-sweden"),
    ("Göteborg, Västra Götaland, Sweden", "goteborg-sweden"),
    ("München, Bavaria, Germany", "munchen-germany"),
    ("São Paulo, São Paulo, Brazil", "sao-paulo-brazil"),
    ("Tokyo, Tokyo, Japan", "tokyo-japan"),
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/49.0.2623.28 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
];

const PAGES: &[&str] = &[
    "signup",
    "pricing",
    "checkout",
    "docs/getting-started",
    "kontakt",
    "faq",
];

const FIRST_MESSAGES: &[&str] = &[
    "Hi, I am having trouble signing up",
    "Is there a team plan?",
    "Hej! Kan ni hjälpa mig med min faktura?",
    "Bonjour, j'ai une question sur la livraison 📦",
    "こんにちは、注文について質問があります",
    "My card was declined twice 😕",
];

const UNANSWERED_MESSAGES: &[&str] = &[
    "Hello? Is anyone there? I need help with my invoice",
    "Still waiting for an answer…",
    "Hallå? Finns det någon där?",
];

const FEEDBACK_MESSAGES: &[&str] = &[
    "Very quick and helpful, thanks!",
    "Took a while but solved my problem.",
    "Tack, mycket bra hjälp! ⭐⭐⭐⭐⭐",
    "",
];

const OFFLINE_MESSAGES: &[&str] = &[
    "I just want to say I love your service!",
    "Please call me back about my order #4711.",
    "Ring mig gärna på förmiddagen.",
    "Can you send me a quote for 50 seats?",
];

const OPERATOR_REPLIES: &[&str] = &[
    "Great, thanks for letting us know!",
    "Yes! It starts at 5 seats.",
    "Let me check that for you.",
    "Självklart, jag kollar direkt.",
    "Could you share your order number?",
];

const AGENTS: &[(&str, &str)] = &[
    ("Jane Doe", "jane"),
    ("Some One", "some.one"),
    ("Örjan Ek", "orjan"),
];

const SLACK_CHANNEL_NAMES: &[&str] = &["live-chat", "support", "aep", "kundtjänst"];

fn uuid<R: Rng + ?Sized>(rng: &mut R) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

fn slack_id<R: Rng + ?Sized>(rng: &mut R, prefix: char) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut id = String::from(prefix);
    for _ in 0..8 {
        let index = rng.random_range(0..ALPHABET.len());
        id.push(char::from(ALPHABET[index]));
    }
    id
}

fn pick<'items, R: Rng + ?Sized, T>(rng: &mut R, items: &'items [T]) -> &'items T {
    // Every pool above is a non-empty constant, so `choose` always returns Some.
    match items.choose(rng) {
        Some(item) => item,
        None => &items[0],
    }
}

fn ascii_slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|character| character.to_ascii_lowercase())
        .collect();
    if slug.is_empty() {
        "visitor".to_owned()
    } else {
        slug
    }
}

fn email_for<R: Rng + ?Sized>(rng: &mut R, name: &str) -> String {
    let domain = pick(rng, &["example.com", "example.org", "example.net"]);
    format!("{}{}@{domain}", ascii_slug(name), rng.random_range(1..1000))
}

/// A time between 2024-01-01 and about two years later, with a Chatlio-style
/// zone offset.
fn instant<R: Rng + ?Sized>(rng: &mut R) -> DateTime<FixedOffset> {
    let seconds = 1_704_067_200 + rng.random_range(0..63_000_000_i64);
    let nanos = rng.random_range(0..1_000_000_000_u32);
    let offset_hours = *pick(rng, &[-8, -5, 0, 1, 2, 9]);
    let utc = Utc
        .timestamp_opt(seconds, nanos)
        .single()
        .unwrap_or_else(Utc::now);
    let offset =
        FixedOffset::east_opt(offset_hours * 3600).unwrap_or_else(|| utc.fixed_offset().timezone());
    utc.with_timezone(&offset)
}

/// RFC 3339 with microseconds or nanoseconds, as in Chatlio's examples.
fn chatlio_time<R: Rng + ?Sized>(rng: &mut R, moment: DateTime<FixedOffset>) -> String {
    let format = if rng.random_bool(0.5) {
        "%Y-%m-%dT%H:%M:%S%.6f%:z"
    } else {
        "%Y-%m-%dT%H:%M:%S%.9f%:z"
    };
    let text = moment.format(format).to_string();
    match text.strip_suffix("+00:00") {
        Some(utc) => format!("{utc}Z"),
        None => text,
    }
}

fn maybe_empty<R: Rng + ?Sized>(rng: &mut R, probability_empty: f64, value: String) -> String {
    if rng.random_bool(probability_empty) {
        String::new()
    } else {
        value
    }
}

fn traits<R: Rng + ?Sized>(rng: &mut R, name: &str, email: &str) -> Value {
    let mut object = Map::new();
    if !name.is_empty() {
        object.insert("name".into(), json!(name));
    }
    if !email.is_empty() {
        object.insert("email".into(), json!(email));
    }
    object.insert(
        "plan".into(),
        json!(pick(rng, &["speed", "free", "team", "företag"])),
    );
    match rng.random_range(0..4) {
        0 => json!(""),
        1 => Value::Object(object),
        _ => json!(Value::Object(object).to_string()),
    }
}

struct Person {
    name: String,
    email: String,
    location: &'static str,
    handle: String,
}

fn person<R: Rng + ?Sized>(rng: &mut R, email_empty: f64, name_empty: f64) -> Person {
    let full_name = (*pick(rng, NAMES)).to_owned();
    let email = email_for(rng, &full_name);
    let (location, slug) = *pick(rng, LOCATIONS);
    Person {
        name: maybe_empty(rng, name_empty, full_name),
        email: maybe_empty(rng, email_empty, email),
        location,
        handle: format!("{slug}-{}", rng.random_range(1..500)),
    }
}

fn visitor_object<R: Rng + ?Sized>(rng: &mut R, who: &Person, with_location: bool) -> Value {
    let site = pick(rng, &["yoursite.example", "acme.example", "shop.example"]);
    let ident_user_id = if rng.random_bool(0.4) {
        format!("user{}", rng.random_range(1000..99999))
    } else {
        String::new()
    };
    let referrer = if rng.random_bool(0.5) {
        String::new()
    } else {
        format!(
            "https://search.example/?q={}",
            pick(rng, &["chat", "pricing", "hjälp"])
        )
    };
    let created_at = instant(rng);
    let mut visitor = json!({
        "email": who.email,
        "UUID": uuid(rng),
        "name": who.name,
        "identUserId": ident_user_id,
        "identTraits": traits(rng, &who.name, &who.email),
        "userAgent": pick(rng, USER_AGENTS),
        "handle": who.handle,
        "currentPage": format!("https://{site}/{}", pick(rng, PAGES)),
        "referrerURL": referrer,
        "createdAt": chatlio_time(rng, created_at),
        "IPAddress": format!("{}.{}", pick(rng, &["192.0.2", "198.51.100", "203.0.113"]), rng.random_range(1..255)),
    });
    if with_location {
        let location = maybe_empty(rng, 0.1, who.location.to_owned());
        visitor["location"] = json!(location);
    }
    visitor
}

fn visitor_event<R: Rng + ?Sized>(rng: &mut R, messages: &[&str]) -> Value {
    let who = person(rng, 0.5, 0.5);
    json!({
        "visitor": visitor_object(rng, &who, true),
        "message": pick(rng, messages),
        "conversationUUID": uuid(rng),
        "channelId": slack_id(rng, 'C'),
        "slackChannelName": pick(rng, SLACK_CHANNEL_NAMES),
        "slackChannelId": slack_id(rng, 'C'),
    })
}

fn offline_message<R: Rng + ?Sized>(rng: &mut R) -> Value {
    let who = person(rng, 0.15, 0.4);
    let email_pretty = match (who.name.is_empty(), who.email.is_empty()) {
        (_, true) => String::new(),
        (true, false) => format!("<{}>", who.email),
        (false, false) => format!("\"{}\" <{}>", who.name, who.email),
    };
    let mut body = json!({
        "name": who.name,
        "email": who.email,
        "emailPretty": email_pretty,
        "message": pick(rng, OFFLINE_MESSAGES),
        "visitor": visitor_object(rng, &who, false),
    });
    if rng.random_bool(0.3) {
        body["subject"] = json!(maybe_empty(
            rng,
            0.5,
            "Question from the website".to_owned()
        ));
    }
    body
}

fn transcript<R: Rng + ?Sized>(rng: &mut R) -> Value {
    let who = person(rng, 0.4, 0.4);
    let (agent_name, agent_user) = *pick(rng, AGENTS);
    let mut agent_parts = agent_name.split(' ');
    let agent_short = match (
        agent_parts.next(),
        agent_parts.next().and_then(|last| last.chars().next()),
    ) {
        (Some(first), Some(initial)) => format!("{first} {initial}."),
        _ => agent_name.to_owned(),
    };
    let operator_id = slack_id(rng, 'U');
    let message_count = if rng.random_bool(0.1) {
        rng.random_range(100..400)
    } else {
        rng.random_range(1..12)
    };
    let started = instant(rng);
    let mut moment = started;
    let mut messages = Vec::with_capacity(message_count);
    let mut text_lines = Vec::with_capacity(message_count);
    let mut html = String::new();
    let visitor_label = if who.name.is_empty() {
        who.handle.clone()
    } else {
        who.name.clone()
    };
    for index in 0..message_count {
        moment += chrono::Duration::milliseconds(rng.random_range(2_000..90_000));
        let is_visitor = index == 0 || rng.random_bool(0.5);
        let text = if is_visitor {
            (*pick(rng, FIRST_MESSAGES)).to_owned()
        } else {
            (*pick(rng, OPERATOR_REPLIES)).to_owned()
        };
        let speaker = if is_visitor {
            visitor_label.clone()
        } else {
            agent_short.clone()
        };
        messages.push(json!({
            "text": text,
            "ts": format!("{}.{:06}", moment.timestamp(), rng.random_range(0..1_000_000)),
            "sentAt": chatlio_time(rng, moment),
            "userId": if is_visitor { String::new() } else { operator_id.clone() },
            "username": if is_visitor { who.handle.clone() } else { agent_short.clone() },
            "isVisitorMsg": is_visitor,
        }));
        text_lines.push(format!("{speaker}: {text}"));
        html.push_str(&format!("<p><b>{speaker}:</b> {text}</p>"));
    }
    let ended = moment + chrono::Duration::seconds(rng.random_range(5..600));
    let channel_id = slack_id(rng, 'C');
    let fallback = "support@acme.example".to_owned();
    let mut body = json!({
        "agentEmail": format!("{agent_user}@acme.example"),
        "agentName": agent_name,
        "archiveUrl": format!("https://acme.slack.example/archives/{channel_id}"),
        "extraData": if rng.random_bool(0.5) { json!([]) } else { json!(["extra", "stuff", "here"]) },
        "channelId": channel_id,
        "channelName": format!("{}-{}", who.handle, rng.random_range(1..200)),
        "conversationUUID": uuid(rng),
        "startedAt": chatlio_time(rng, started),
        "endedAt": chatlio_time(rng, ended),
        "htmlBody": html,
        "textBody": text_lines.join("\n"),
        "messages": messages,
        "visitorEmail": who.email,
        "replyToEmail": if who.email.is_empty() { fallback } else { who.email.clone() },
        "visitorName": visitor_label,
    });
    if rng.random_bool(0.5) {
        body["slackTeamID"] = json!(slack_id(rng, 'T'));
    }
    if rng.random_bool(0.8) {
        body["visitorTraits"] = traits(rng, &who.name, &who.email);
        if body["visitorTraits"] == json!("") {
            body["visitorTraits"] = json!({"current_page": "https://acme.example/pricing"});
        }
    }
    body
}

/// A random, realistic body for `kind`'s webhook.
pub fn generate<R: Rng + ?Sized>(kind: EventKind, rng: &mut R) -> Value {
    match kind {
        EventKind::NewConversation => visitor_event(rng, FIRST_MESSAGES),
        EventKind::UnansweredVisitor => visitor_event(rng, UNANSWERED_MESSAGES),
        EventKind::VisitorFeedback => visitor_event(rng, FEEDBACK_MESSAGES),
        EventKind::OfflineMessage => offline_message(rng),
        EventKind::ChatTranscript => transcript(rng),
    }
}

/// Chatlio's documented example for `kind` (emails, hidden in the stored copy
/// of the docs, replaced by `example.com` addresses). The three visitor events
/// share one documented example; unanswered and feedback get the proposed
/// messages from the research notes.
pub fn documented_example(kind: EventKind) -> Value {
    let visitor_event = |message: &str| {
        json!({
            "visitor": {
                "email": "",
                "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257",
                "name": "",
                "identUserId": "",
                "identTraits": "",
                "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/49.0.2623.28 Safari/537.36",
                "handle": "united-states-27",
                "currentPage": "http://yoursite.com/signup",
                "referrerURL": "",
                "createdAt": "2016-02-07T11:02:17.839766-08:00",
                "IPAddress": "175.24.144.21",
                "location": "Los Angeles, California, United States"
            },
            "message": message,
            "conversationUUID": "e3d1800d-2d9e-4966-4500-9ff986cfa197",
            "channelId": "C1NABCDEF",
            "slackChannelName": "live-chat",
            "slackChannelId": "C1XPVTNKR"
        })
    };
    match kind {
        EventKind::NewConversation => visitor_event("Hi, I am having trouble signing up"),
        EventKind::UnansweredVisitor => {
            visitor_event("Hello? Is anyone there? I need help with my invoice")
        }
        EventKind::VisitorFeedback => visitor_event("Very quick and helpful, thanks!"),
        EventKind::OfflineMessage => json!({
            "name": "Bob Smith",
            "email": "bob@example.com",
            "emailPretty": "\"Bob Smith\" <bob@example.com>",
            "message": "I just want to say I love your service!",
            "visitor": {
                "email": "bob@example.com",
                "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257",
                "name": "Bob Smith",
                "identUserId": "user1234",
                "identTraits": "{\"custom stuff\":\"things\"}",
                "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/49.0.2623.28 Safari/537.36",
                "handle": "united-states-27",
                "currentPage": "http://yoursite.com/signup",
                "referrerURL": "",
                "createdAt": "2016-02-07T11:02:17.839766-08:00",
                "IPAddress": "175.24.144.21"
            }
        }),
        EventKind::ChatTranscript => json!({
            "agentEmail": "agent@yourcompany.example",
            "agentName": "Some One",
            "archiveUrl": "https://yourcompany.slack.com/archives/cl-tiger128",
            "extraData": ["extra", "stuff", "here"],
            "channelId": "C03FVS2UR",
            "channelName": "costa-mesa-california-us-133",
            "conversationUUID": "e3d1800d-2d9e-4966-4500-9ff986cfa197",
            "endedAt": "2018-05-19T18:14:32.000026941+02:00",
            "htmlBody": "<HTML output of transcript will be in here, useful for simply display chat conversation in external system that accepts HTML>",
            "textBody": "<Text output of transcript will be in here, useful for simply display chat conversation in external system that accepts plain text messages>",
            "messages": [
                {
                    "text": "Hi! I love your webhooks!",
                    "ts": "1469725409.000005",
                    "sentAt": "2016-07-28T19:03:29.000005006+02:00",
                    "userId": "",
                    "username": "costa-mesa-california-us",
                    "isVisitorMsg": true
                },
                {
                    "text": "Great, thanks for letting us know!",
                    "ts": "1469725427.000007",
                    "sentAt": "2016-07-28T19:03:47.000006914+02:00",
                    "userId": "U0N2GKA2G",
                    "username": "Some O.",
                    "isVisitorMsg": false
                }
            ],
            "startedAt": "2015-07-19T14:38:15.560106+02:00",
            "visitorEmail": "",
            "replyToEmail": "visitor-or-fallback@example.com",
            "visitorName": "costa-mesa-california-us-133",
            "visitorTraits": {"current_page": "https://yoursite.com/pricing"}
        }),
    }
}

/// Adobe's sample source JSON from its Chatlio UI tutorial (a subset of the
/// visitor-event shape).
pub fn adobe_sample() -> Value {
    json!({
        "visitor": {"email": "test@example.com", "UUID": "2d3f4260-2235-903b-0a82-a23d326cc257"},
        "message": "Hi",
        "channelId": "C04J7M7LCMQ",
        "slackChannelName": "aep",
        "slackChannelId": "C04JVR71WKS"
    })
}

/// A visitor-event-shaped body with nothing that identifies a visitor or a
/// conversation: it must become a failed record, not a silent success.
pub fn unidentifiable_payload() -> Value {
    json!({
        "visitor": {"email": "", "UUID": "", "name": ""},
        "message": "Hello?",
        "conversationUUID": "",
        "channelId": "",
        "slackChannelName": "",
        "slackChannelId": ""
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn same_seed_same_payload() {
        for kind in EventKind::ALL {
            let first = generate(kind, &mut StdRng::seed_from_u64(7));
            let second = generate(kind, &mut StdRng::seed_from_u64(7));
            assert_eq!(first, second);
        }
    }

    #[test]
    fn variants_appear_over_many_seeds() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut saw_string_traits = false;
        let mut saw_object_traits = false;
        let mut saw_empty_email = false;
        let mut saw_long_transcript = false;
        let mut saw_non_ascii = false;
        for _ in 0..300 {
            let visitor = generate(EventKind::NewConversation, &mut rng);
            match &visitor["visitor"]["identTraits"] {
                Value::String(text) if !text.is_empty() => saw_string_traits = true,
                Value::Object(_) => saw_object_traits = true,
                _ => {}
            }
            saw_empty_email |= visitor["visitor"]["email"] == "";
            saw_non_ascii |= !visitor.to_string().is_ascii();
            let transcript = generate(EventKind::ChatTranscript, &mut rng);
            saw_long_transcript |= transcript["messages"].as_array().map_or(0, Vec::len) >= 100;
        }
        assert!(saw_string_traits && saw_object_traits && saw_empty_email);
        assert!(saw_long_transcript && saw_non_ascii);
    }

    #[test]
    fn chatlio_time_is_rfc3339() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..50 {
            let moment = instant(&mut rng);
            let text = chatlio_time(&mut rng, moment);
            assert!(DateTime::parse_from_rfc3339(&text).is_ok(), "{text}");
        }
    }
}
