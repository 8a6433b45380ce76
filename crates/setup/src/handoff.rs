//! What a setup leaves for people: the hand-off packet (a printable page that
//! tells the Chatlio admin which URL goes into which of Chatlio's five webhook
//! fields, step by step, how to check it and whom to ask) and the setup record
//! (every resource with its id and its page in Adobe, who made it, when, the
//! plan and the journal's history), as JSON and as a page.
//!
//! Both are made from the journal alone. The packet's instructions are worded
//! by `chatlio::instructions`' codes from the catalogs the app's screens use,
//! so the admin reads what the app shows. Neither ever holds a secret or a
//! token (the journal has none); the packet holds webhook URLs only when the
//! caller passes them, and the record never does (the read-back step's
//! resource, the inlet URL, is left out as everywhere outside the engine).

use std::collections::BTreeMap;
use std::str::FromStr;

use chatlio::instructions::{self, Statement};
use chatlio::{EventKind, WebhookMode};
use chrono::{DateTime, Utc};
use platform::WebhookUrl;
use serde::{Deserialize, Serialize};

use crate::engine::SetupOutcome;
use crate::input::SetupRequest;
use crate::journal::{Journal, StepRecord, StepState};
use crate::plan::{Plan, ResourceAction};
use crate::step::StepId;

mod words;
use words::Words;

/// Appends formatted text to a page: a `String` grows or aborts, so unlike
/// `write!` there is no error to handle.
macro_rules! put {
    ($page:expr, $($argument:tt)*) => {
        $page.push_str(&format!($($argument)*))
    };
}

/// [`put!`] and a line end.
macro_rules! putln {
    ($page:expr, $($argument:tt)*) => {{
        $page.push_str(&format!($($argument)*));
        $page.push('\n');
    }};
}

/// The language of a packet or record page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "sv")]
    Swedish,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Swedish];

    /// The code used in the UI's catalogs and the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Swedish => "sv",
        }
    }

    fn words(self) -> &'static Words {
        match self {
            Language::English => &words::ENGLISH,
            Language::Swedish => &words::SWEDISH,
        }
    }

    /// The `chatlio` catalog the app's screens word the instructions from.
    fn catalog_text(self) -> &'static str {
        match self {
            Language::English => include_str!("../../chatlio/locales/en/chatlio.json"),
            Language::Swedish => include_str!("../../chatlio/locales/sv/chatlio.json"),
        }
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .into_iter()
            .find(|language| language.code() == text.trim())
            .ok_or_else(|| format!("{text:?} is not a language here; use en or sv"))
    }
}

/// The `chatlio` catalog of one language, read once per document.
struct Catalog(serde_json::Value);

impl Catalog {
    fn new(language: Language) -> Self {
        // The catalogs are checked by chatlio's tests (valid, same keys in both
        // languages, a text for every code), so a failure here cannot pass them.
        Self(serde_json::from_str(language.catalog_text()).unwrap_or(serde_json::Value::Null))
    }

    /// The words of `code` (`event.new_conversation.where`); the code itself
    /// if the catalog lacks it, so a gap shows instead of vanishing.
    fn text(&self, code: &str) -> String {
        code.split('.')
            .try_fold(&self.0, |node, key| node.get(key))
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| code.to_owned(), str::to_owned)
    }

    /// A statement and, after it, how well it is backed.
    fn statement(&self, statement: &Statement) -> String {
        format!(
            "{} <span class=\"certainty\">({})</span>",
            escape(&self.text(statement.code)),
            escape(&self.text(statement.certainty.code()))
        )
    }
}

/// Text made safe to put into HTML, in an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// `template` with each `{name}` replaced by its value.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

fn day_and_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The journal as the engine reports it. Only the steps are set: they are all
/// [`SetupOutcome::webhook_mode`] and [`SetupOutcome::webhook_urls`] read, so
/// which URL serves which field stays decided in one place.
fn steps_outcome(journal: &Journal) -> SetupOutcome {
    SetupOutcome {
        setup_name: journal.setup_name.clone(),
        complete: journal.is_complete(),
        flow_id: None,
        dataset_id: None,
        schema_id: None,
        webhook_url: None,
        steps: journal.steps.clone(),
    }
}

/// The URL that goes into each of Chatlio's fields, rebuilt from the journal
/// (its dataflow ids and inlet URLs); only for a packet the user asked to
/// carry the URLs.
pub fn webhook_urls(journal: &Journal) -> BTreeMap<EventKind, WebhookUrl> {
    steps_outcome(journal).webhook_urls()
}

/// One of Chatlio's five fields in the packet: the dataflow serving it and
/// the number of its URL (the same number for fields that share a URL).
struct FieldFlow {
    kind: EventKind,
    number: usize,
    flow_id: Option<String>,
}

/// Which dataflow serves each field, in the order Chatlio's fields are listed,
/// with URLs numbered by first appearance.
fn field_flows(journal: &Journal) -> Vec<FieldFlow> {
    let mut instances: Vec<Option<String>> = Vec::new();
    EventKind::ALL
        .into_iter()
        .map(|kind| {
            let record = journal.records_of(StepId::Dataflow).find(|record| {
                chatlio::plan::fields_served(record.instance.as_deref()).contains(&kind)
            });
            let instance = record.and_then(|record| record.instance.clone());
            let number = match instances.iter().position(|known| *known == instance) {
                Some(position) => position + 1,
                None => {
                    instances.push(instance);
                    instances.len()
                }
            };
            FieldFlow {
                kind,
                number,
                flow_id: record
                    .filter(|record| record.state == StepState::Done)
                    .and_then(|record| record.resource_id.clone()),
            }
        })
        .collect()
}

/// Shared by both documents: print-friendly, no remote content, no script.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#111;line-height:1.45;max-width:52rem;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem;margin-bottom:.3rem}h4{font-size:.95rem;margin:.6rem 0 .2rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #999;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#eee}\
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all;white-space:pre-wrap}\
.warning{border:2px solid #a00;background:#fdecec;padding:.6rem .8rem;font-weight:600}\
.note{border-left:4px solid #888;padding:.2rem .8rem;background:#f5f5f5}\
.certainty{color:#555;font-size:.85em}.meta{color:#333}footer{margin-top:2rem;color:#555;font-size:.85em}\
@media print{body{margin:0;max-width:none}a{color:inherit}section,tr{break-inside:avoid}h2,h3{break-after:avoid}}\
@page{margin:16mm}";

fn page_start(page: &mut String, language: Language, title: &str) {
    put!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        language.code(),
        escape(title),
        escape(title)
    );
}

fn list(page: &mut String, items: impl IntoIterator<Item = String>) {
    page.push_str("<ul>\n");
    for item in items {
        putln!(page, "<li>{item}</li>");
    }
    page.push_str("</ul>\n");
}

/// The hand-off packet: one self-contained HTML page for the Chatlio admin.
///
/// `contact` is whom the admin asks (for the URLs and with questions); `urls`,
/// only when the user explicitly asked for them, puts each field's URL in the
/// page with a warning. Without them each field says which URL to ask for.
/// `version` is the app's, for the footer.
pub fn handoff_packet(
    journal: &Journal,
    language: Language,
    contact: Option<&str>,
    urls: Option<&BTreeMap<EventKind, WebhookUrl>>,
    version: &str,
) -> String {
    let words = language.words();
    let catalog = Catalog::new(language);
    let contact = contact
        .map(str::trim)
        .filter(|contact| !contact.is_empty())
        .unwrap_or(words.default_contact);
    let flows = field_flows(journal);
    let one_url = flows.iter().all(|flow| flow.number == 1);
    let mode = steps_outcome(journal).webhook_mode();

    let mut page = String::new();
    let title = fill(words.packet_title, &[("name", &journal.setup_name)]);
    page_start(&mut page, language, &title);
    putln!(
        page,
        "<p class=\"meta\">{}: <code>{}</code> · {}: <code>{}</code> · {}: {}</p>",
        escape(words.organization),
        escape(&journal.org_id),
        escape(words.sandbox),
        escape(&journal.sandbox),
        escape(words.made),
        escape(&day_and_time(journal.created_at)),
    );
    match urls {
        Some(_) => {
            putln!(
                page,
                "<p class=\"warning\" role=\"alert\" data-testid=\"urls-included\">{}</p>",
                escape(words.urls_included_warning)
            );
        }
        None => {
            putln!(
                page,
                "<p class=\"note\" data-testid=\"urls-left-out\">{}</p>",
                escape(&fill(words.urls_left_out, &[("contact", contact)]))
            );
        }
    }

    // Which URL goes where.
    putln!(page, "<h2>{}</h2>", escape(words.which_url));
    let summary = if one_url {
        words.same_url_everywhere
    } else {
        words.own_url_per_field
    };
    putln!(
        page,
        "<p>{}</p>\n<p>{}</p>",
        escape(summary),
        catalog.statement(&instructions::mode_statement(mode))
    );
    putln!(
        page,
        "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(words.field),
        escape(words.url),
        escape(words.dataflow)
    );
    let url_cell = |flow: &FieldFlow| -> String {
        let number = flow.number.to_string();
        let label = fill(words.url_number, &[("number", &number)]);
        let shared = if one_url {
            format!(" ({})", escape(words.shared_url))
        } else {
            String::new()
        };
        match urls.and_then(|urls| urls.get(&flow.kind)) {
            Some(url) => format!(
                "<strong>{}</strong>{shared}<br><code data-testid=\"url\">{}</code>",
                escape(&label),
                escape(url.as_str())
            ),
            None => format!(
                "<strong>{}</strong>{shared}<br>{}",
                escape(&label),
                escape(&fill(
                    words.ask_for_url,
                    &[("contact", contact), ("number", &number)]
                ))
            ),
        }
    };
    for flow in &flows {
        let event = instructions::event_instructions(flow.kind);
        putln!(
            page,
            "<tr data-field=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            flow.kind.code(),
            escape(&catalog.text(event.title)),
            url_cell(flow),
            escape(flow.flow_id.as_deref().unwrap_or(words.not_made_yet))
        );
    }
    page.push_str("</table>\n");
    list(
        &mut page,
        [
            catalog.statement(&instructions::GENERAL[1]),
            catalog.statement(&instructions::GENERAL[2]),
        ],
    );

    // Step by step: open the settings, then each field with its URL.
    putln!(page, "<h2>{}</h2>", escape(words.step_by_step));
    putln!(
        page,
        "<p>{}</p>",
        catalog.statement(&instructions::GENERAL[0])
    );
    for flow in &flows {
        let event = instructions::event_instructions(flow.kind);
        let number = flow.number.to_string();
        let url = fill(words.url_number, &[("number", &number)]);
        putln!(
            page,
            "<section class=\"event\" data-event=\"{}\">\n<h3>{}</h3>\n<p><strong>{}</strong></p>\n<h4>{}</h4>",
            flow.kind.code(),
            escape(&catalog.text(event.title)),
            escape(&fill(words.paste_url, &[("url", &url)])),
            escape(words.where_heading)
        );
        list(
            &mut page,
            event
                .location
                .iter()
                .map(|statement| catalog.statement(statement)),
        );
        putln!(page, "<h4>{}</h4>", escape(words.trigger_heading));
        list(
            &mut page,
            event
                .trigger
                .iter()
                .map(|statement| catalog.statement(statement)),
        );
        page.push_str("</section>\n");
    }

    // How to check it worked: the test steps the app shows.
    putln!(
        page,
        "<h2>{}</h2>\n<p>{}</p>\n<ol>",
        escape(words.check_heading),
        escape(words.check_lead)
    );
    for flow in &flows {
        let event = instructions::event_instructions(flow.kind);
        let steps: Vec<String> = event
            .test
            .iter()
            .map(|statement| catalog.statement(statement))
            .collect();
        putln!(
            page,
            "<li data-test=\"{}\"><strong>{}</strong>: {}</li>",
            flow.kind.code(),
            escape(&catalog.text(event.title)),
            steps.join(" ")
        );
    }
    page.push_str("</ol>\n");
    putln!(
        page,
        "<p>{}</p>\n<p>{}</p>",
        catalog.statement(&instructions::GENERAL[5]),
        escape(&fill(words.check_tell, &[("contact", contact)]))
    );

    putln!(page, "<h2>{}</h2>", escape(words.good_to_know));
    list(
        &mut page,
        [
            catalog.statement(&instructions::GENERAL[3]),
            catalog.statement(&instructions::GENERAL[4]),
        ],
    );

    putln!(
        page,
        "<h2>{}</h2>\n<p>{}</p>\n<p data-testid=\"contact\"><strong>{}</strong></p>",
        escape(words.contact_heading),
        escape(words.contact_lead),
        escape(contact)
    );
    putln!(
        page,
        "<footer>{}</footer>\n</body>\n</html>",
        escape(&fill(
            words.generated,
            &[("version", version), ("date", &day_and_time(Utc::now()))]
        ))
    );
    page
}

pub use crate::journal::Identity;

/// A resource of the setup, as the record lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedResource {
    pub step: StepId,
    /// Which dataflow's resource, with one dataflow per event (its key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub state: StepState,
    /// The id; none for the read-back, whose resource is the inlet URL.
    pub resource_id: Option<String>,
    pub pre_existing: bool,
    /// Its page in Adobe Experience Platform's UI, where one is documented.
    pub link: Option<String>,
    /// Why there is no link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_note: Option<&'static str>,
    pub history: StepHistory,
}

/// What the journal keeps of a step's runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepHistory {
    pub attempts: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub rolled_back: bool,
    pub last_error: Option<RecordedErrorView>,
}

/// A journaled error, any URL or token-like word in its message left out.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedErrorView {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

/// A resource the plan made (or reused), as the user reviewed it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRecord {
    pub step: StepId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub kind: &'static str,
    pub name: String,
    pub action: ResourceAction,
}

/// Everything a setup made and how, for an audit or a successor.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupRecord {
    pub setup_name: String,
    pub org_id: String,
    pub sandbox: String,
    pub identity: Identity,
    /// Where `identity` comes from: the journal does not record who ran the
    /// setup, so it is the connection in use when the record was made.
    pub identity_source: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub app_version: String,
    pub complete: bool,
    pub webhook_mode: WebhookMode,
    /// The choices the plan was built from; absent in very old journals.
    pub request: Option<SetupRequest>,
    /// The plan built from `request`: what the setup was to make.
    pub plan: Vec<PlannedRecord>,
    pub resources: Vec<RecordedResource>,
    /// What was done to the setup and when (the journal's history).
    pub events: Vec<crate::journal::HistoryEntry>,
}

/// The value of [`SetupRecord::identity_source`] when the journal does not
/// say who made the setup (journals written before it did): the connection
/// in use when the record was made.
pub const IDENTITY_FROM_CONNECTION: &str = "connection_at_record_time";
/// The value of [`SetupRecord::identity_source`] when the journal recorded
/// who made the setup, when it was made.
pub const IDENTITY_FROM_JOURNAL: &str = "recorded_when_made";
/// The value of [`RecordedResource::link_note`].
pub const NO_DOCUMENTED_LINK: &str = "no documented link";

/// An id that can go into a URL unchanged (Adobe's ids, org ids, sandbox
/// names); anything else gets no link rather than a link somewhere else.
fn plain(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|character| {
            character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '@' | '.')
        })
}

/// The page of a resource in Adobe Experience Platform's UI. Only the
/// dataflow's is well known (the Sources workspace's activity page, which the
/// app opens from its dashboard too); for the others no link is documented.
pub fn adobe_link(org_id: &str, sandbox: &str, step: StepId, resource_id: &str) -> Option<String> {
    if step != StepId::Dataflow || !plain(org_id) || !plain(sandbox) || !plain(resource_id) {
        return None;
    }
    Some(format!(
        "https://experience.adobe.com/#/@{org_id}/sname:{sandbox}/platform/source/dataflows/{resource_id}/activity"
    ))
}

/// `text` with every URL and every word that looks like a token (a JWT)
/// replaced, so an error message that quoted one cannot carry it out.
fn without_urls_or_tokens(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            let bare = trimmed.trim_start_matches(['"', '\'', '(', '<', '[']);
            let lower = bare.to_ascii_lowercase();
            let replacement = if lower.starts_with("http://") || lower.starts_with("https://") {
                Some("[URL left out]")
            } else if bare.starts_with("eyJ") {
                Some("[token left out]")
            } else {
                None
            };
            match replacement {
                Some(replacement) => {
                    format!("{replacement}{}", &word[trimmed.len()..])
                }
                None => word.to_owned(),
            }
        })
        .collect()
}

fn recorded_resource(journal: &Journal, record: &StepRecord) -> RecordedResource {
    let resource_id = record.shown_resource_id().map(str::to_owned);
    let link = resource_id
        .as_deref()
        .filter(|_| record.state == StepState::Done)
        .and_then(|id| adobe_link(&journal.org_id, &journal.sandbox, record.step, id));
    RecordedResource {
        step: record.step,
        instance: record.instance.clone(),
        state: record.state,
        // A dataflow not made yet has no page; only the other kinds lack one.
        link_note: (record.step != StepId::Dataflow).then_some(NO_DOCUMENTED_LINK),
        link,
        resource_id,
        pre_existing: record.pre_existing,
        history: StepHistory {
            attempts: record.attempts,
            started_at: record.started_at,
            finished_at: record.finished_at,
            rolled_back: record.state == StepState::RolledBack,
            last_error: record.error.as_ref().map(|error| RecordedErrorView {
                code: error.code.clone(),
                message: without_urls_or_tokens(&error.message),
                request_id: error.request_id.clone(),
            }),
        },
    }
}

/// The setup record of `journal`. The identity is the one the journal
/// recorded when the setup was made; for an older journal, `identity` (what
/// the caller's connection tells). `app_version` is the version of the app
/// or CLI making the record.
pub fn setup_record(journal: &Journal, app_version: &str, identity: Identity) -> SetupRecord {
    let plan = journal
        .request
        .as_ref()
        .and_then(|request| Plan::new(request).ok())
        .map(|plan| {
            plan.entries
                .iter()
                .filter_map(|entry| {
                    let resource = entry.resource.as_ref()?;
                    Some(PlannedRecord {
                        step: entry.step,
                        instance: entry.instance.clone(),
                        kind: resource.kind,
                        name: resource.name.clone(),
                        action: resource.action,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    SetupRecord {
        setup_name: journal.setup_name.clone(),
        org_id: journal.org_id.clone(),
        sandbox: journal.sandbox.clone(),
        identity_source: if journal.made_by.is_some() {
            IDENTITY_FROM_JOURNAL
        } else {
            IDENTITY_FROM_CONNECTION
        },
        identity: journal.made_by.clone().unwrap_or(identity),
        created_at: journal.created_at,
        updated_at: journal.updated_at,
        recorded_at: Utc::now(),
        app_version: app_version.to_owned(),
        complete: journal.is_complete(),
        webhook_mode: steps_outcome(journal).webhook_mode(),
        request: journal.request.clone(),
        plan,
        events: journal.history.clone(),
        resources: journal
            .steps
            .iter()
            .map(|record| recorded_resource(journal, record))
            .collect(),
    }
}

fn state_word(words: &Words, state: StepState) -> &'static str {
    match state {
        StepState::Pending => words.state_pending,
        StepState::Running => words.state_running,
        StepState::Done => words.state_done,
        StepState::Failed => words.state_failed,
        StepState::RolledBack => words.state_rolled_back,
    }
}

fn optional_time(time: Option<DateTime<Utc>>) -> String {
    time.map(day_and_time).unwrap_or_default()
}

/// The setup record as a readable, printable page.
pub fn record_page(record: &SetupRecord, language: Language) -> String {
    let words = language.words();
    let yes_no = |value: bool| if value { words.yes } else { words.no };
    let mut page = String::new();
    page_start(
        &mut page,
        language,
        &fill(words.record_title, &[("name", &record.setup_name)]),
    );
    let identity = match &record.identity {
        Identity::TechnicalAccount { client_id, .. } => {
            fill(words.identity_technical_account, &[("client", client_id)])
        }
        Identity::User { client_id, label } => fill(
            words.identity_user,
            &[("client", client_id), ("label", label)],
        ),
        Identity::Unknown => words.identity_unknown.to_owned(),
    };
    let mode = match record.webhook_mode {
        WebhookMode::SingleUrl => words.mode_single_url,
        WebhookMode::PerEventUrl => words.mode_per_event_url,
    };
    let rows = [
        (words.organization, record.org_id.clone()),
        (words.sandbox, record.sandbox.clone()),
        (
            words.identity,
            format!("{identity}. {}", words.identity_note),
        ),
        (words.created, day_and_time(record.created_at)),
        (words.updated, day_and_time(record.updated_at)),
        (words.exported, day_and_time(record.recorded_at)),
        (words.app_version, record.app_version.clone()),
        (words.complete, yes_no(record.complete).to_owned()),
        (words.webhook_mode, mode.to_owned()),
    ];
    page.push_str("<table>\n");
    for (label, value) in rows {
        putln!(
            page,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(label),
            escape(&value)
        );
    }
    page.push_str("</table>\n");
    putln!(
        page,
        "<p class=\"note\">{}</p>",
        escape(words.record_privacy)
    );

    putln!(
        page,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(words.resources),
        escape(words.step),
        escape(words.instance),
        escape(words.state),
        escape(words.id),
        escape(words.pre_existing),
        escape(words.link)
    );
    for resource in &record.resources {
        let link = match &resource.link {
            Some(link) => format!(
                "<a href=\"{}\">{}</a>",
                escape(link),
                escape(words.open_in_adobe)
            ),
            None => escape(words.no_documented_link),
        };
        putln!(
            page,
            "<tr data-step=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{link}</td></tr>",
            resource.step.as_str(),
            resource.step.as_str(),
            escape(resource.instance.as_deref().unwrap_or("")),
            escape(state_word(words, resource.state)),
            escape(resource.resource_id.as_deref().unwrap_or("")),
            escape(yes_no(resource.pre_existing)),
        );
    }
    page.push_str("</table>\n");

    putln!(
        page,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(words.history),
        escape(words.history_note),
        escape(words.step),
        escape(words.instance),
        escape(words.attempts),
        escape(words.started),
        escape(words.finished),
        escape(words.error)
    );
    for resource in &record.resources {
        let history = &resource.history;
        let error = history
            .last_error
            .as_ref()
            .map_or_else(String::new, |error| {
                let request = error.request_id.as_deref().map_or_else(String::new, |id| {
                    format!(
                        " ({}: <code>{}</code>)",
                        escape(words.request_id),
                        escape(id)
                    )
                });
                format!(
                    "<code>{}</code>: {}{request}",
                    escape(&error.code),
                    escape(&error.message)
                )
            });
        putln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{error}</td></tr>",
            resource.step.as_str(),
            escape(resource.instance.as_deref().unwrap_or("")),
            history.attempts,
            escape(&optional_time(history.started_at)),
            escape(&optional_time(history.finished_at)),
        );
    }
    page.push_str("</table>\n");

    putln!(
        page,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(words.events_heading),
        escape(words.events_note),
        escape(words.when),
        escape(words.action),
        escape(words.outcome),
        escape(words.detail)
    );
    for event in &record.events {
        let action = serde_json::to_value(event.action)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        putln!(
            page,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&optional_time(Some(event.at))),
            escape(&action),
            escape(&event.outcome),
            escape(&without_urls_or_tokens(
                event.detail.as_deref().unwrap_or("")
            )),
        );
    }
    page.push_str("</table>\n");

    putln!(
        page,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(words.plan_heading),
        escape(words.step),
        escape(words.instance),
        escape(words.kind),
        escape(words.name),
        escape(words.action)
    );
    for planned in &record.plan {
        let action = serde_json::to_value(planned.action)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        putln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            planned.step.as_str(),
            escape(planned.instance.as_deref().unwrap_or("")),
            escape(planned.kind),
            escape(&planned.name),
            escape(&action)
        );
    }
    page.push_str("</table>\n");

    putln!(page, "<h2>{}</h2>", escape(words.request_heading));
    match record
        .request
        .as_ref()
        .and_then(|request| serde_json::to_string_pretty(request).ok())
    {
        Some(request) => {
            putln!(page, "<pre>{}</pre>", escape(&request));
        }
        None => {
            putln!(page, "<p>{}</p>", escape(words.no_request));
        }
    }
    page.push_str("</body>\n</html>\n");
    page
}

#[cfg(test)]
mod tests;
