//! The setup wizard on the real app: every screen in practice mode to a
//! working webhook URL and five counted test events; the same path in
//! Swedish with no English left on the main screens; and a crash during
//! Create that a restart finishes without duplicates.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use e2e::steps::{
    assert_no_raw_keys, clipboard, counts, free_port, one_of_each, practice_to_created, sim_state,
};
use e2e::{App, TestResult};
use serde_json::Value;

const KINDS: [&str; 5] = [
    "new_conversation",
    "unanswered_visitor",
    "visitor_feedback",
    "offline_message",
    "chat_transcript",
];

/// Every English text of the UI's catalogs whose Swedish text differs: none
/// of them may show on a Swedish screen.
fn english_only_texts() -> TestResult<Vec<String>> {
    fn flatten(prefix: &str, value: &Value, into: &mut BTreeMap<String, String>) {
        match value {
            Value::String(text) => {
                into.insert(prefix.to_owned(), text.clone());
            }
            Value::Object(map) => {
                for (key, value) in map {
                    flatten(&format!("{prefix}.{key}"), value, into);
                }
            }
            _ => {}
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut catalogs: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for language in ["en", "sv"] {
        let into = catalogs.entry(language).or_default();
        let directory = root.join("ui/src/locales").join(language);
        for entry in std::fs::read_dir(directory)? {
            let path = entry?.path();
            let feature = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .unwrap_or_default()
                .to_owned();
            let value: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
            flatten(&feature, &value, into);
        }
        let chatlio = root.join(format!("crates/chatlio/locales/{language}/chatlio.json"));
        let value: Value = serde_json::from_slice(&std::fs::read(chatlio)?)?;
        flatten("chatlio", &value, into);
    }
    let english = &catalogs["en"];
    let swedish = &catalogs["sv"];
    Ok(english
        .iter()
        .filter(|(key, text)| swedish.get(*key) != Some(*text))
        // Short texts ("OK", "Status") can be the same word in both.
        .filter(|(_, text)| text.chars().count() >= 14 && !text.contains('{'))
        .map(|(_, text)| text.clone())
        .collect())
}

fn assert_no_english(page: &str, english: &[String], screen: &str) {
    let found: Vec<&String> = english
        .iter()
        .filter(|text| page.contains(text.as_str()))
        .collect();
    assert!(
        found.is_empty(),
        "English on the Swedish {screen} screen: {found:?}"
    );
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn practice_mode_from_welcome_to_five_counted_test_events() -> TestResult {
    let port = free_port()?.to_string();
    let sim = format!("http://127.0.0.1:{port}");
    let app = App::launch(
        "wizard-practice",
        &[
            ("LANG", "en_US.UTF-8"),
            ("CHATLIO_AEP_PRACTICE_PORT", &port),
        ],
    )
    .await?;
    practice_to_created(&app, Some("wizard")).await?;
    // The practice simulator's control surface is closed to other local
    // processes: without its per-run token, nothing is read.
    let refused = reqwest::get(format!("{sim}/__sim/state")).await?;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);

    app.click("next").await?;
    app.find("screen-chatlio").await?;
    for kind in KINDS {
        app.find(&format!("event-{kind}")).await?;
    }
    let masked = app.text("webhook-url").await?;
    assert!(
        !masked.contains("http"),
        "the URL is masked by default: {masked}"
    );
    assert_no_raw_keys(&app.page_text().await?, "chatlio");
    app.screenshot("wizard-07-chatlio").await?;
    app.click("reveal-webhook-url").await?;
    let url = app
        .wait_for_text("webhook-url", |text| text.contains("x-adobe-flow-id="))
        .await?;
    let url = url.trim().to_owned();
    assert!(url.starts_with(&format!("{sim}/collection/")), "{url}");
    app.click("copy-webhook-url").await?;
    app.find("copied").await?;
    assert_eq!(
        clipboard()?.trim(),
        url,
        "the clipboard holds the webhook URL"
    );
    app.click("reveal-webhook-url").await?;

    app.click("next").await?;
    app.find("screen-verify").await?;
    // Adobe's timing in practice form: the new dataflow warms up (15 s here,
    // about 5 minutes at Adobe), and sending waits for it.
    app.find("practice-timing").await?;
    app.find("warming-up").await?;
    app.screenshot("wizard-08-verify-warming-up").await?;
    for kind in KINDS {
        app.find("test-event-kind")
            .await?
            .select_by_value(kind)
            .await?;
        app.click("send-test-event").await?;
        app.wait_for_attribute(
            "test-event-result",
            "data-kind",
            Duration::from_secs(10),
            |k| k == kind,
        )
        .await?;
        // Accepted at once; counted only when the run window closes.
        let state = app
            .wait_for_attribute(
                "test-event-result",
                "data-state",
                Duration::from_secs(10),
                |s| matches!(s, "waiting" | "ingested" | "failed" | "error"),
            )
            .await?;
        assert!(
            matches!(state.as_str(), "waiting" | "ingested"),
            "test event {kind}: {state}"
        );
    }
    app.screenshot("wizard-08-verify-waiting").await?;
    // The practice run window is 30 s (Adobe: an hour); every event is
    // then counted as ingested.
    app.wait_for_count(
        "test-event-row",
        "data-state",
        "ingested",
        KINDS.len(),
        Duration::from_secs(90),
    )
    .await?;
    assert_no_raw_keys(&app.page_text().await?, "verify");
    // "I've pasted the URL in Chatlio": a real webhook arrives and is seen.
    app.click("wait-first-event").await?;
    app.wait_for_attribute("first-event", "data-state", Duration::from_secs(10), |s| {
        s == "waiting"
    })
    .await?;
    let chatlio_sim = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("debug/chatlio-sim");
    let sent = tokio::process::Command::new(chatlio_sim)
        .args(["send", "--url", &url, "--event", "new_conversation"])
        .output()
        .await?;
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stdout)
    );
    // Seen once the practice run that counts it closes (30 s windows).
    app.wait_for_attribute("first-event", "data-state", Duration::from_secs(90), |s| {
        s == "arrived"
    })
    .await?;
    app.screenshot("wizard-08-verify").await?;
    app.click("finish").await?;
    app.find("screen-dashboard").await?;
    app.screenshot("wizard-09-dashboard").await?;

    // What the simulator holds: one of each resource, five records.
    let state = sim_state(&sim).await?;
    let found = counts(&state, "prod");
    assert!(one_of_each(&found), "{found:?}");
    let records: u64 = state["records"]
        .as_object()
        .map(|datasets| {
            datasets
                .values()
                .filter_map(|d| d["records"].as_u64())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(
        records, 6,
        "five test events and the real one: {}",
        state["records"]
    );
    app.close().await?;

    // Neither the webhook URL nor the practice secret reached the log or the data folder.
    let log = std::fs::read_to_string(App::log_path("wizard-practice"))?;
    assert!(!log.contains(&url), "the webhook URL is in the app's log");
    assert!(!log.contains("practice-secret"));
    // The journal keeps the inlet URL and the flow id apart (the URL is
    // rebuilt when shown); the assembled URL is stored nowhere.
    for entry in walk(&app_data("wizard-practice"))? {
        let text = String::from_utf8_lossy(&std::fs::read(&entry)?).into_owned();
        assert!(
            !text.contains(&url),
            "{} holds the webhook URL",
            entry.display()
        );
    }
    Ok(())
}

fn app_data(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("e2e-data").join(name)
}

fn walk(directory: &Path) -> TestResult<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn the_same_path_in_swedish_shows_no_english() -> TestResult {
    let english = english_only_texts()?;
    assert!(english.len() > 50, "the catalogs were read");
    let app = App::launch(
        "wizard-swedish",
        &[("LANG", "sv_SE.UTF-8"), ("LC_ALL", "sv_SE.UTF-8")],
    )
    .await?;
    app.wait_for_text("welcome-title", |text| text.contains("Strömma"))
        .await?;
    assert_no_english(&app.page_text().await?, &english, "welcome");
    app.click("start-practice").await?;
    app.find("screen-prerequisites").await?;
    assert_no_english(&app.page_text().await?, &english, "prerequisites");
    app.click("next").await?;
    app.wait_for_attribute("check-token", "data-state", Duration::from_secs(20), |s| {
        s == "passed"
    })
    .await?;
    assert_no_english(&app.page_text().await?, &english, "connect");
    app.click("next").await?;
    app.find("screen-dataflow").await?;
    assert_no_english(&app.page_text().await?, &english, "dataflow");
    app.click("webhook-mode-single_url").await?;
    app.click("next").await?;
    app.find("plan-schema").await?;
    // The API calls are Adobe's payloads (the field group's enum labels are
    // English data), not words of the app.
    let calls = app.text("plan-calls").await?;
    let page = app.page_text().await?.replace(&calls, "");
    assert_no_english(&page, &english, "review");
    app.click("create").await?;
    app.wait_for_attribute(
        "step-read_back",
        "data-state",
        Duration::from_secs(60),
        |s| s == "done",
    )
    .await?;
    assert_no_english(&app.page_text().await?, &english, "create");
    app.click("next").await?;
    app.find("event-chat_transcript").await?;
    assert_no_english(&app.page_text().await?, &english, "chatlio");
    app.screenshot("wizard-sv-chatlio").await?;
    app.click("next").await?;
    app.find("test-event-kind")
        .await?
        .select_by_value("offline_message")
        .await?;
    app.click("send-test-event").await?;
    app.wait_for_attribute(
        "test-event-result",
        "data-state",
        Duration::from_secs(10),
        |s| s == "waiting",
    )
    .await?;
    app.wait_for_attribute(
        "test-event-result",
        "data-state",
        Duration::from_secs(90),
        |s| matches!(s, "ingested" | "failed"),
    )
    .await?;
    let state = app
        .find("test-event-result")
        .await?
        .attr("data-state")
        .await?
        .unwrap_or_default();
    assert_eq!(state, "ingested");
    assert_no_english(&app.page_text().await?, &english, "verify");
    app.screenshot("wizard-sv-verify").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn killing_the_app_during_create_then_reopening_finishes_without_duplicates() -> TestResult {
    // An external simulator stands in for Adobe; latency makes Create slow
    // enough to be killed in the middle.
    let sim = platform_sim::start(platform_sim::SimConfig {
        latency: Duration::from_millis(350),
        ..platform_sim::SimConfig::default()
    })
    .await?;
    let base = sim.base_url();
    let config = sim.config().clone();
    let environment = [
        ("LANG", "en_US.UTF-8"),
        ("CHATLIO_AEP_IMS_URL", base.as_str()),
        ("CHATLIO_AEP_PLATFORM_URL", base.as_str()),
        ("CHATLIO_AEP_CLIENT_ID", config.client_id.as_str()),
        ("CHATLIO_AEP_CLIENT_SECRET", config.client_secret.as_str()),
        ("CHATLIO_AEP_ORG_ID", config.org_id.as_str()),
    ];
    let app = App::launch("wizard-crash", &environment).await?;
    app.click("start-adobe").await?;
    app.click("next").await?;
    app.find("screen-connect").await?;
    // Prefilled from the environment; the secret comes from it too.
    app.click("connect").await?;
    app.wait_for_attribute("check-token", "data-state", Duration::from_secs(30), |s| {
        s == "passed"
    })
    .await?;
    app.click("next").await?;
    app.find("screen-dataflow").await?;
    app.click("webhook-mode-single_url").await?;
    app.click("next").await?;
    app.find("plan-schema").await?;
    app.click("create").await?;
    app.wait_for_attribute("step-schema", "data-state", Duration::from_secs(60), |s| {
        s == "done"
    })
    .await?;
    let killed = app.kill_app()?;
    assert!(killed >= 1, "the app process was found and killed");
    drop(app);

    let before = counts(&sim_state(&base).await?, "prod");
    assert!(
        before["flows"] == 0,
        "killed before the dataflow: {before:?}"
    );

    let app = App::relaunch("wizard-crash", &environment).await?;
    app.find("screen-create").await?;
    app.wait_for_attribute(
        "step-read_back",
        "data-state",
        Duration::from_secs(90),
        |s| s == "done",
    )
    .await?;
    app.screenshot("wizard-crash-resumed").await?;
    let after = counts(&sim_state(&base).await?, "prod");
    assert!(
        one_of_each(&after),
        "no duplicates after the resume: {after:?}"
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

/// Replaces an input's text the way a paste does: the new value, then an
/// input event. (WebDriver's clear() fires no input event, and modifier
/// chords are unreliable in WebKitWebDriver.)
async fn type_into(app: &App, test_id: &str, text: &str) -> TestResult {
    app.find(test_id).await?;
    app.client
        .execute(
            "const element = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);
             element.focus();
             element.value = arguments[1];
             element.dispatchEvent(new Event('input', { bubbles: true }));
             return null;",
            vec![test_id.into(), text.into()],
        )
        .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn bad_input_gets_inline_messages_and_creates_nothing() -> TestResult {
    let sim = platform_sim::start(platform_sim::SimConfig::default()).await?;
    let base = sim.base_url();
    let config = sim.config().clone();
    let before = counts(&sim_state(&base).await?, "prod");
    let app = App::launch(
        "wizard-bad-input",
        &[
            ("LANG", "en_US.UTF-8"),
            ("CHATLIO_AEP_IMS_URL", base.as_str()),
            ("CHATLIO_AEP_PLATFORM_URL", base.as_str()),
        ],
    )
    .await?;
    app.click("start-adobe").await?;
    app.click("next").await?;
    app.find("screen-connect").await?;

    // Empty, wrong format, and a secret with a line break inside.
    type_into(&app, "client-id", "").await?;
    type_into(&app, "client-secret", "first-half second-half").await?;
    type_into(&app, "org-id", "0123456789ABCDEF01234567").await?;
    app.click("connect").await?;
    let client_id = app.text("client-id-problem").await?;
    assert_eq!(client_id, "This field is required.");
    let org_id = app.text("org-id-problem").await?;
    assert!(org_id.contains("@AdobeOrg"), "{org_id}");
    assert!(app
        .text("client-secret-problem")
        .await?
        .contains("line breaks"));

    // Too long.
    type_into(&app, "client-id", &"a".repeat(300)).await?;
    app.click("connect").await?;
    app.wait_for_text("client-id-problem", |text| text == "This is too long.")
        .await?;

    // Right values, but Adobe cannot be reached at the address given.
    type_into(&app, "client-id", &config.client_id).await?;
    type_into(
        &app,
        "client-secret",
        &format!("  {}\n", config.client_secret),
    )
    .await?;
    type_into(&app, "org-id", &config.org_id).await?;
    app.find("ims-url").await?; // inside the Advanced disclosure
    app.client
        .execute(
            "document.querySelector('details.advanced').open = true; return null;",
            vec![],
        )
        .await?;
    let closed = free_port()?;
    type_into(&app, "ims-url", &format!("http://127.0.0.1:{closed}")).await?;
    app.click("connect").await?;
    app.wait_for_attribute(
        "connect-error",
        "data-code",
        Duration::from_secs(60),
        |code| code == "network",
    )
    .await?;
    app.screenshot("wizard-bad-input").await?;

    // A secret pasted with spaces and a newline around it is accepted.
    type_into(&app, "ims-url", &base).await?;
    app.click("connect").await?;
    app.wait_for_attribute("check-token", "data-state", Duration::from_secs(30), |s| {
        s == "passed"
    })
    .await?;

    // The dataflow name: empty and invalid characters block the way on.
    app.click("next").await?;
    type_into(&app, "dataflow-name", "").await?;
    app.wait_for_text("dataflow-name-problem", |text| {
        text == "This field is required."
    })
    .await?;
    assert!(!app.find("next").await?.is_enabled().await?);
    type_into(&app, "dataflow-name", "Chatlio <events>").await?;
    app.wait_for_text("dataflow-name-problem", |text| {
        text.contains("letters, digits")
    })
    .await?;
    assert!(!app.find("next").await?.is_enabled().await?);

    let after = counts(&sim_state(&base).await?, "prod");
    assert_eq!(before, after, "nothing was created");
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

/// The `<input type="hidden" name=".." value="..">` fields of a page.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    let marker = "<input type=\"hidden\" name=\"";
    while let Some(start) = rest.find(marker) {
        rest = &rest[start + marker.len()..];
        let Some(name_end) = rest.find('"') else {
            break;
        };
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        let Some(value_start) = rest.find("value=\"") else {
            break;
        };
        rest = &rest[value_start + "value=\"".len()..];
        let Some(value_end) = rest.find('"') else {
            break;
        };
        let value = rest[..value_end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        fields.push((name, value));
        rest = &rest[value_end..];
    }
    fields
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn sign_in_with_adobe_through_the_system_browser_in_practice_mode() -> TestResult {
    // The system browser is an `xdg-open` that writes down the address it
    // is given; this test then plays the user on the simulator's page.
    let shim = e2e::cargo_target_dir()
        .join("e2e-data")
        .join("browser-shim");
    std::fs::create_dir_all(&shim)?;
    let opened = shim.join("opened.txt");
    if opened.exists() {
        std::fs::remove_file(&opened)?;
    }
    let script = shim.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let port = free_port()?.to_string();
    let app = App::launch(
        "wizard-sign-in",
        &[
            ("LANG", "en_US.UTF-8"),
            ("CHATLIO_AEP_PRACTICE_PORT", &port),
            ("PATH", &path),
        ],
    )
    .await?;
    app.click("start-practice").await?;
    app.click("next").await?;
    app.find("screen-connect").await?;
    app.client
        .execute(
            "document.querySelector('[data-testid=\"practice-sign-in-section\"]').open = true; return null;",
            vec![],
        )
        .await?;
    app.click("practice-sign-in").await?;
    app.find("sign-in-waiting").await?;

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let authorize = loop {
        let text = std::fs::read_to_string(&opened).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break reqwest::Url::parse(line)?;
        }
        if std::time::Instant::now() > deadline {
            return Err("the app did not open the browser".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(authorize.path(), "/ims/authorize/v2");
    assert!(authorize
        .query_pairs()
        .any(|(key, value)| key == "code_challenge_method" && value == "S256"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = http.get(authorize.clone()).send().await?.text().await?;
    let mut form = hidden_inputs(&page);
    form.push(("email".into(), "practice.user@example.com".into()));
    form.push(("password".into(), "practice".into()));
    form.push(("decision".into(), "allow".into()));
    let submitted = http
        .post(authorize.join("/ims/authorize/v2")?)
        .form(&form)
        .send()
        .await?;
    let location = submitted
        .headers()
        .get("location")
        .ok_or("the sign-in page did not redirect")?
        .to_str()?
        .to_owned();
    // The browser follows the redirect to the app's listener on 127.0.0.1.
    let landing = http.get(&location).send().await?;
    assert_eq!(landing.status(), 200);

    app.find("connected").await?;
    app.wait_for_attribute("check-token", "data-state", Duration::from_secs(30), |s| {
        s == "passed"
    })
    .await?;
    app.screenshot("wizard-sign-in").await?;
    app.close().await
}
