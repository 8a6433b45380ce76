//! The packet and the record checked for content (every field's instructions
//! in both languages, the right ids) and for what must never be in them.

use super::*;
use crate::input::SetupInput;
use crate::journal::RecordedError;

const INLET: &str = "https://dcs.adobedc.net/collection/0123456789abcdef";

/// A finished setup's journal: every entry done, each dataflow `flow-<key>`
/// and each read-back the inlet URL with the key in it.
fn journal(name: &str, mode: WebhookMode) -> Journal {
    let request = SetupInput {
        sandbox: "prod".into(),
        webhook_mode: mode,
        ..SetupInput::recommended()
    }
    .validate()
    .unwrap();
    let plan = Plan::new(&request).unwrap();
    let mut journal = Journal::for_entries(
        name,
        "0123456789ABCDEF01234567@AdobeOrg",
        "prod",
        plan.entries.iter().map(|entry| entry.key()),
    );
    journal.request = Some(request);
    for record in &mut journal.steps {
        let key = record.instance.clone().unwrap_or_else(|| "single".into());
        record.state = StepState::Done;
        record.attempts = 1;
        record.resource_id = Some(match record.step {
            StepId::Dataflow => format!("flow-{key}"),
            StepId::ReadBack => format!("{INLET}{key}"),
            step => format!("{}-{key}", step.as_str()),
        });
    }
    journal
}

fn texts(language: Language, statements: &[Statement]) -> Vec<String> {
    let catalog = Catalog::new(language);
    statements
        .iter()
        .map(|statement| escape(&catalog.text(statement.code)))
        .collect()
}

#[test]
fn every_fields_instructions_are_in_the_packet_in_english_and_swedish() {
    let journal = journal("Chatlio events", WebhookMode::PerEventUrl);
    for language in Language::ALL {
        let page = handoff_packet(&journal, language, Some("Anna"), None, "1.2.3");
        assert!(page.contains(&format!("<html lang=\"{}\">", language.code())));
        for kind in EventKind::ALL {
            let event = instructions::event_instructions(kind);
            assert!(page.contains(&format!("data-field=\"{}\"", kind.code())));
            let title = escape(&Catalog::new(language).text(event.title));
            assert!(page.contains(&title), "{language:?} {kind}: {title}");
            for text in texts(language, event.location)
                .into_iter()
                .chain(texts(language, event.trigger))
                .chain(texts(language, event.test))
            {
                assert!(page.contains(&text), "{language:?} {kind}: {text}");
            }
        }
        for text in texts(language, instructions::GENERAL) {
            assert!(page.contains(&text), "{language:?}: {text}");
        }
        // Worded, not left as codes.
        assert!(!page.contains("event.new_conversation"), "{language:?}");
        assert!(!page.contains("certainty."), "{language:?}");
    }
    let swedish = handoff_packet(&journal, Language::Swedish, None, None, "1.2.3");
    assert!(swedish.contains("Be den som satte upp dataflödet om URL 1"));
    assert!(swedish.contains("Klistra in URL:en"));
}

#[test]
fn by_default_the_packet_has_no_url_no_script_and_no_remote_content() {
    for mode in [WebhookMode::SingleUrl, WebhookMode::PerEventUrl] {
        let journal = journal("Chatlio events", mode);
        for language in Language::ALL {
            let page = handoff_packet(&journal, language, Some("Anna, IT"), None, "1.2.3");
            assert!(!page.contains("http"), "{mode:?} {language:?}");
            assert!(!page.contains(INLET));
            assert!(!page.contains("x-adobe-flow-id"));
            assert!(!page.to_ascii_lowercase().contains("<script"));
            assert!(!page.contains("src="));
            assert!(!page.contains("data-testid=\"urls-included\""));
            assert!(page.contains("data-testid=\"urls-left-out\""));
            assert!(page.contains("Anna, IT"));
        }
    }
}

#[test]
fn with_one_url_per_event_each_field_names_its_own_dataflow_and_url_number() {
    let journal = journal("Chatlio events", WebhookMode::PerEventUrl);
    let page = handoff_packet(&journal, Language::English, Some("Anna"), None, "1.2.3");
    let row = |kind: EventKind| -> String {
        let start = page
            .find(&format!("<tr data-field=\"{}\">", kind.code()))
            .unwrap();
        let end = start + page[start..].find("</tr>").unwrap();
        page[start..end].to_owned()
    };
    let expected = [
        (EventKind::NewConversation, "flow-new_conversation", 1),
        (EventKind::UnansweredVisitor, "flow-unanswered_visitor", 2),
        (EventKind::VisitorFeedback, "flow-visitor_feedback", 3),
        (EventKind::OfflineMessage, "flow-all", 4),
        (EventKind::ChatTranscript, "flow-all", 4),
    ];
    for (kind, flow, number) in expected {
        let row = row(kind);
        assert!(row.contains(flow), "{row}");
        assert!(row.contains(&format!("Ask Anna for URL {number}")), "{row}");
    }
    assert!(page.contains("one URL per event"));
}

#[test]
fn with_one_url_the_packet_says_all_five_fields_take_the_same() {
    let journal = journal("Chatlio events", WebhookMode::SingleUrl);
    let page = handoff_packet(&journal, Language::English, None, None, "1.2.3");
    assert_eq!(
        page.matches("<strong>URL 1</strong> (shared by all five fields)")
            .count(),
        5
    );
    assert!(!page.contains("URL 2"));
    assert!(page.contains("the same URL goes into all five fields"));
    assert!(page.contains("Ask the person who set up the dataflow for URL 1"));
}

#[test]
fn urls_are_in_the_packet_only_when_given_and_then_with_a_warning() {
    let journal = journal("Chatlio events", WebhookMode::PerEventUrl);
    let urls = webhook_urls(&journal);
    assert_eq!(urls.len(), 5);
    for language in Language::ALL {
        let page = handoff_packet(&journal, language, None, Some(&urls), "1.2.3");
        assert!(page.contains("data-testid=\"urls-included\""));
        assert!(!page.contains("data-testid=\"urls-left-out\""));
        for (kind, url) in &urls {
            let start = page
                .find(&format!("<tr data-field=\"{}\">", kind.code()))
                .unwrap();
            let end = start + page[start..].find("</tr>").unwrap();
            assert!(page[start..end].contains(&escape(url.as_str())), "{kind}");
        }
    }
    let english = handoff_packet(&journal, Language::English, None, Some(&urls), "1.2.3");
    assert!(english.contains("Anyone who has one of them can write data"));
    let swedish = handoff_packet(&journal, Language::Swedish, None, Some(&urls), "1.2.3");
    assert!(swedish.contains("Den som har en av dem kan skriva data"));
}

#[test]
fn a_setup_name_or_contact_with_markup_is_escaped() {
    let journal = journal("<script>alert(1)</script>", WebhookMode::SingleUrl);
    let page = handoff_packet(
        &journal,
        Language::English,
        Some("<img src=x onerror=alert(2)> & \"Bob\""),
        None,
        "1.2.3",
    );
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;Bob&quot;"));
    let record = setup_record(&journal, "1.2.3", Identity::Unknown);
    let page = record_page(&record, Language::Swedish);
    assert!(!page.contains("<script>"));
    assert!(page.contains("Installationsprotokoll: &lt;script&gt;"));
}

#[test]
fn the_record_lists_every_resource_with_its_id_and_never_the_inlet_url() {
    let mut journal = journal("Chatlio events", WebhookMode::PerEventUrl);
    let failed = journal
        .steps
        .iter_mut()
        .find(|record| record.step == StepId::MappingSet)
        .unwrap();
    failed.attempts = 3;
    failed.error = Some(RecordedError {
        code: "conflict".into(),
        message: format!("refused {INLET}?x-adobe-flow-id=1 with eyJhbGciOi.secret"),
        request_id: Some("req-7".into()),
    });
    let identity = Identity::TechnicalAccount {
        client_id: "client-1".into(),
        label: None,
    };
    let record = setup_record(&journal, "1.2.3", identity);
    assert_eq!(record.resources.len(), journal.steps.len());
    for (resource, step) in record.resources.iter().zip(&journal.steps) {
        assert_eq!(resource.step, step.step);
        assert_eq!(resource.instance, step.instance);
        match step.step {
            StepId::ReadBack => assert_eq!(resource.resource_id, None),
            _ => assert_eq!(resource.resource_id, step.resource_id),
        }
        match (step.step, &resource.link) {
            (StepId::Dataflow, Some(link)) => assert_eq!(
                *link,
                format!(
                    "https://experience.adobe.com/#/@0123456789ABCDEF01234567@AdobeOrg/sname:prod/platform/source/dataflows/{}/activity",
                    step.resource_id.as_deref().unwrap()
                )
            ),
            (StepId::Dataflow, None) => panic!("no link for the dataflow"),
            (_, link) => {
                assert_eq!(*link, None);
                assert_eq!(resource.link_note, Some(NO_DOCUMENTED_LINK));
            }
        }
    }
    assert_eq!(record.webhook_mode, WebhookMode::PerEventUrl);
    assert!(record.complete);
    assert!(!record.plan.is_empty());
    let json = serde_json::to_string(&record).unwrap();
    let page = record_page(&record, Language::English);
    for document in [&json, &page] {
        assert!(!document.contains(INLET));
        assert!(!document.contains("x-adobe-flow-id"));
        assert!(!document.contains("eyJ"));
        assert!(document.contains("client-1"));
        assert!(document.contains("req-7"));
        assert!(document.contains("[URL left out]"));
    }
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["identity"]["kind"], "technical_account");
    assert_eq!(value["identity"]["clientId"], "client-1");
    assert_eq!(value["appVersion"], "1.2.3");
    assert_eq!(value["orgId"], "0123456789ABCDEF01234567@AdobeOrg");
    assert_eq!(value["resources"][0]["history"]["attempts"], 1);
}

#[test]
fn language_codes_parse() {
    assert_eq!("sv".parse::<Language>(), Ok(Language::Swedish));
    assert_eq!("en".parse::<Language>(), Ok(Language::English));
    assert!("de".parse::<Language>().is_err());
}

#[test]
fn the_record_names_who_made_the_setup_when_the_journal_says() {
    let mut journal = journal("Chatlio events", WebhookMode::SingleUrl);
    let now = Identity::TechnicalAccount {
        client_id: "today".into(),
        label: None,
    };
    // An older journal: the connection at hand, said to be that.
    let record = setup_record(&journal, "1.2.3", now.clone());
    assert_eq!(record.identity, now);
    assert_eq!(record.identity_source, IDENTITY_FROM_CONNECTION);
    // A journal that recorded who made it: that one, whoever asks now.
    let maker = Identity::User {
        client_id: "native-app".into(),
        label: "Dana (signed in)".into(),
    };
    journal.made_by = Some(maker.clone());
    let record = setup_record(&journal, "1.2.3", now);
    assert_eq!(record.identity, maker);
    assert_eq!(record.identity_source, IDENTITY_FROM_JOURNAL);
}
