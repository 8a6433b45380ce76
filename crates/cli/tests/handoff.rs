//! `handoff` and `record` through the built binary, after a setup against
//! platform-sim: the ids are the journal's, and no secret, token or webhook
//! URL is in either document unless the URLs are asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use platform_sim::SimConfig;
use setup::step::StepId;

fn command(base: &str, config: &SimConfig, data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatlio-aep"));
    command
        .env("CHATLIO_AEP_IMS_URL", base)
        .env("CHATLIO_AEP_PLATFORM_URL", base)
        .env("CHATLIO_AEP_CLIENT_ID", &config.client_id)
        .env("CHATLIO_AEP_CLIENT_SECRET", &config.client_secret)
        .env("CHATLIO_AEP_ORG_ID", &config.org_id)
        .env("CHATLIO_AEP_SANDBOX", "prod")
        .env("CHATLIO_AEP_DATA_DIR", data)
        .env_remove("CHATLIO_AEP_FAIL_POINT");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The table row of Chatlio's `field` in a packet.
fn row<'a>(page: &'a str, field: &str) -> &'a str {
    let start = page
        .find(&format!("<tr data-field=\"{field}\">"))
        .unwrap_or_else(|| panic!("no row for {field}"));
    let end = start + page[start..].find("</tr>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn handoff_and_record_name_the_journals_ids_and_no_secret_token_or_url() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-cli-handoff-{}", std::process::id()));
    let run = |args: &[&str]| {
        let mut command = command(&base, &config, &data);
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || -> Output { command.args(&args).output().unwrap() })
                .await
                .unwrap()
        }
    };
    let name = "Handoff flow";

    // One URL per event, the default.
    let setup = run(&["setup", "--name", name, "--json"]).await;
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let outcome: serde_json::Value = serde_json::from_slice(&setup.stdout).unwrap();
    assert_eq!(outcome["complete"], true);
    let urls = outcome["webhookUrls"].as_object().unwrap().clone();
    assert_eq!(urls.len(), 5, "{outcome}");
    let journal =
        setup::JournalStore::new(storage::DataLayout::new(&data).journals(storage::Mode::Real))
            .load(name)
            .unwrap()
            .unwrap();
    let flow_of = |instance: &str| {
        journal
            .steps
            .iter()
            .find(|record| {
                record.step == StepId::Dataflow && record.instance.as_deref() == Some(instance)
            })
            .and_then(|record| record.resource_id.clone())
            .unwrap()
    };
    // Each field's dataflow, as chatlio's plan assigns them.
    let fields = [
        ("new_conversation", flow_of("new_conversation")),
        ("unanswered_visitor", flow_of("unanswered_visitor")),
        ("visitor_feedback", flow_of("visitor_feedback")),
        ("offline_message", flow_of("all")),
        ("chat_transcript", flow_of("all")),
    ];
    let inlets: Vec<String> = journal
        .steps
        .iter()
        .filter(|record| record.step == StepId::ReadBack)
        .map(|record| record.resource_id.clone().unwrap())
        .collect();
    assert_eq!(inlets.len(), 4);
    let never = |document: &str, what: &str| {
        assert!(
            !document.contains(&config.client_secret),
            "{what}: the client secret"
        );
        // IMS access tokens are JWTs.
        assert!(!document.contains("eyJ"), "{what}: a token");
        assert!(
            !document.contains("x-adobe-flow-id"),
            "{what}: a webhook URL"
        );
        for inlet in &inlets {
            assert!(!document.contains(inlet.as_str()), "{what}: the inlet URL");
        }
    };

    // The packet, by default without URLs.
    let started = std::time::Instant::now();
    let packet = run(&[
        "handoff",
        "--name",
        name,
        "--contact",
        "Anna Berg <anna@example.com>",
    ])
    .await;
    assert!(packet.status.success(), "{}", text(&packet.stderr));
    let page = text(&packet.stdout);
    never(&page, "packet");
    never(&text(&packet.stderr), "packet's stderr");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Anna Berg &lt;anna@example.com&gt;"));
    for (field, flow) in &fields {
        let row = row(&page, field);
        assert!(row.contains(flow.as_str()), "{field}: {row}");
        assert!(row.contains("Ask Anna Berg"), "{field}: {row}");
    }
    if let Some(folder) = std::env::var_os("E2E_ARTIFACTS") {
        let folder = std::path::PathBuf::from(folder);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("handoff-packet.html"), &page).unwrap();
    }

    // In Swedish, into a file, with the URLs asked for: each field's URL is its
    // dataflow's, and a warning is printed.
    let file = data.join("packet-sv.html");
    let with_urls = run(&[
        "handoff",
        "--name",
        name,
        "--language",
        "sv",
        "--include-urls",
        "--out",
        file.to_str().unwrap(),
    ])
    .await;
    assert!(with_urls.status.success(), "{}", text(&with_urls.stderr));
    assert!(with_urls.stdout.is_empty());
    assert!(
        text(&with_urls.stderr).contains("warning"),
        "{}",
        text(&with_urls.stderr)
    );
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.contains("<html lang=\"sv\">"));
    assert!(page.contains("Varning"));
    for (field, flow) in &fields {
        let url = urls[*field].as_str().unwrap();
        assert!(url.ends_with(&format!("x-adobe-flow-id={flow}")), "{url}");
        assert!(row(&page, field).contains(url), "{field}");
    }
    assert!(!page.contains(&config.client_secret));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a packet with URLs is readable by others");
    }

    // The record, as JSON: every resource with the journal's id.
    let record = run(&["record", "--name", name, "--json"]).await;
    assert!(record.status.success(), "{}", text(&record.stderr));
    never(&text(&record.stdout), "record");
    let value: serde_json::Value = serde_json::from_slice(&record.stdout).unwrap();
    assert_eq!(value["setupName"], name);
    assert_eq!(value["orgId"], config.org_id.as_str());
    assert_eq!(value["sandbox"], "prod");
    assert_eq!(value["complete"], true);
    assert_eq!(value["webhookMode"], "per_event_url");
    assert_eq!(value["identity"]["kind"], "technical_account");
    assert_eq!(value["identity"]["clientId"], config.client_id.as_str());
    // Recorded in the journal when the setup was made, not guessed later.
    assert_eq!(value["identitySource"], "recorded_when_made");
    assert_eq!(value["appVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(value["request"]["name"], name);
    assert!(!value["plan"].as_array().unwrap().is_empty());
    let resources = value["resources"].as_array().unwrap();
    assert_eq!(resources.len(), journal.steps.len());
    for (resource, step) in resources.iter().zip(&journal.steps) {
        assert_eq!(resource["step"], step.step.as_str());
        assert_eq!(resource["instance"].as_str(), step.instance.as_deref());
        assert_eq!(resource["history"]["attempts"], step.attempts);
        let expected = match step.step {
            StepId::ReadBack => None,
            _ => step.resource_id.as_deref(),
        };
        assert_eq!(resource["resourceId"].as_str(), expected, "{resource}");
        if step.step == StepId::Dataflow {
            let link = resource["link"].as_str().unwrap();
            assert!(
                link.starts_with("https://experience.adobe.com/#/@"),
                "{link}"
            );
            assert!(link.ends_with(&format!("/dataflows/{}/activity", expected.unwrap())));
        } else {
            assert_eq!(resource["linkNote"], "no documented link");
        }
    }

    // And as a page.
    let page = run(&["record", "--name", name, "--language", "sv"]).await;
    assert!(page.status.success(), "{}", text(&page.stderr));
    let page = text(&page.stdout);
    never(&page, "record page");
    assert!(page.contains("Installationsprotokoll: Handoff flow"));
    for (_, flow) in &fields {
        assert!(page.contains(flow.as_str()));
    }
    eprintln!("handoff and record took {:?}", started.elapsed());

    let unknown = run(&["handoff", "--name", "No such setup"]).await;
    assert!(!unknown.status.success());
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}

/// An interrupted setup: no packet (its fields would have no URL yet), but a
/// record that says what was made and what was not.
#[tokio::test]
async fn an_unfinished_setup_has_a_record_but_no_packet() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!(
        "chatlio-aep-cli-handoff-unfinished-{}",
        std::process::id()
    ));
    let run = |args: &[&str], fail_point: Option<&str>| {
        let mut command = command(&base, &config, &data);
        if let Some(fail_point) = fail_point {
            command.env("CHATLIO_AEP_FAIL_POINT", fail_point);
        }
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || -> Output { command.args(&args).output().unwrap() })
                .await
                .unwrap()
        }
    };
    let interrupted = run(
        &["setup", "--name", "Half", "--webhook-mode", "single"],
        Some("before:dataflow"),
    )
    .await;
    assert_eq!(
        interrupted.status.code(),
        Some(4),
        "{}",
        text(&interrupted.stderr)
    );

    let packet = run(&["handoff", "--name", "Half"], None).await;
    assert_eq!(packet.status.code(), Some(2), "{}", text(&packet.stderr));
    assert!(
        text(&packet.stderr).contains("resume"),
        "{}",
        text(&packet.stderr)
    );
    assert!(packet.stdout.is_empty());

    let record = run(&["record", "--name", "Half", "--json"], None).await;
    assert!(record.status.success(), "{}", text(&record.stderr));
    let value: serde_json::Value = serde_json::from_slice(&record.stdout).unwrap();
    assert_eq!(value["complete"], false);
    assert_eq!(value["webhookMode"], "single_url");
    let resource = |step: &str| {
        value["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|resource| resource["step"] == step)
            .cloned()
            .unwrap()
    };
    assert_eq!(resource("dataset")["state"], "done");
    assert!(resource("dataset")["resourceId"].is_string());
    let flow = resource("dataflow");
    assert_ne!(flow["state"], "done", "{flow}");
    assert!(
        flow["resourceId"].is_null() && flow["link"].is_null(),
        "{flow}"
    );
    assert!(flow.get("linkNote").is_none(), "{flow}");
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}
