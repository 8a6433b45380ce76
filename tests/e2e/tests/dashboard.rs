//! The status dashboard on the real app: after a practice setup the app is
//! closed, the Chatlio simulator sends events (some that fail), and the
//! reopened app shows the counts platform-sim recorded, explains the
//! failures, and disables, enables and deletes the dataflow.

use std::path::PathBuf;
use std::time::Duration;

use e2e::steps::{free_port, practice_to_created, sim_state};
use e2e::{App, TestResult};
use serde_json::{json, Value};

fn chatlio_sim() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("debug/chatlio-sim")
}

/// Runs the Chatlio simulator; async, because the stand-in platform-sim
/// serves from this same runtime.
async fn send(url: &str, event: &str, count: u32) -> TestResult {
    let output = tokio::process::Command::new(chatlio_sim())
        .args([
            "send",
            "--url",
            url,
            "--event",
            event,
            "--count",
            &count.to_string(),
            "--seed",
            "7",
        ])
        .output()
        .await
        .map_err(|error| format!("chatlio-sim must be built (cargo build --workspace): {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "chatlio-sim failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

fn flow<'a>(state: &'a Value, flow_id: &str) -> Option<&'a Value> {
    state["platform"]["data"]["prod"]["flows"]
        .as_array()?
        .iter()
        .find(|flow| flow["id"] == flow_id)
}

async fn number(app: &App, card: &str, field: &str) -> TestResult<u64> {
    let element = app.find(card).await?;
    let value = element
        .find(fantoccini::Locator::Css(&format!(
            "[data-testid=\"{field}\"]"
        )))
        .await?
        .text()
        .await?;
    Ok(value.trim().parse()?)
}

/// Clicks the control `test_id` inside the element `within`.
async fn click_in(app: &App, within: &str, test_id: &str) -> TestResult {
    app.find(within)
        .await?
        .find(fantoccini::Locator::Css(&format!(
            "[data-testid=\"{test_id}\"]"
        )))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn the_dashboard_shows_what_the_simulator_recorded_and_acts_on_it() -> TestResult {
    let port = free_port()?.to_string();
    let base = format!("http://127.0.0.1:{port}");
    let environment = [
        ("LANG", "en_US.UTF-8"),
        ("CHATLIO_AEP_PRACTICE_PORT", port.as_str()),
    ];
    let app = App::launch("dashboard", &environment).await?;
    practice_to_created(&app, None).await?;
    app.click("next").await?;
    app.click("reveal-webhook-url").await?;
    let url = app
        .wait_for_text("webhook-url", |text| text.contains("x-adobe-flow-id="))
        .await?
        .trim()
        .to_owned();
    let flow_id = url.rsplit('=').next().unwrap_or_default().to_owned();
    app.click("next").await?;
    app.click("finish").await?;
    app.find("screen-dashboard").await?;
    let state_file = app.data_dir.join("practice/platform-sim.json");
    app.close().await?;
    // The app is gone; give its simulator a moment to release the port.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Chatlio keeps sending while the app is closed: the practice
    // simulator's saved state is served by a stand-in on the same port.
    let practice = setup::Timing::PRACTICE;
    let stand_in = platform_sim::start(platform_sim::SimConfig {
        port: port.parse()?,
        state_file: Some(state_file),
        run_window: practice.run_window,
        warmup: practice.warmup,
        ..platform_sim::SimConfig::default()
    })
    .await?;
    // Chatlio's first events come after the dataflow's warm-up; earlier ones
    // would be dropped, as at Adobe.
    tokio::time::sleep(practice.warmup).await;
    send(&url, "all", 5).await?;
    send(&url, "unidentifiable", 2).await?;
    let state = sim_state(&base).await?;
    let records: (u64, u64) = state["records"]
        .as_object()
        .map(|datasets| {
            datasets.values().fold((0, 0), |(ok, failed), d| {
                (
                    ok + d["records"].as_u64().unwrap_or(0),
                    failed + d["failed"].as_u64().unwrap_or(0),
                )
            })
        })
        .unwrap_or((0, 0));
    assert_eq!(records, (5, 2), "what platform-sim recorded");
    stand_in.shutdown().await;

    // Reopened, the app goes straight to the dashboard.
    let app = App::relaunch("dashboard", &environment).await?;
    app.find("screen-dashboard").await?;
    let card = format!("flow-{flow_id}");
    app.find(&card).await?;
    // Counted once the run window that holds them closes (30 s in practice).
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while number(&app, &card, "flow-received").await? != 7 {
        if std::time::Instant::now() > deadline {
            return Err("the dashboard never showed 7 received".into());
        }
        app.click("refresh").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(number(&app, &card, "flow-ingested").await?, 5);
    assert_eq!(number(&app, &card, "flow-failed").await?, 2);
    app.find("flow-error").await?;
    let explanation = app
        .find("flow-error")
        .await?
        .attr("data-explanation")
        .await?;
    assert_eq!(explanation.as_deref(), Some("missing_identifier"));
    // Let the chart and the error box paint before the picture.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot("dashboard-failures").await?;

    // The resources behind it, all as made.
    click_in(&app, &card, "flow-details").await?;
    app.find("flow-resources").await?;
    for step in [
        "schema",
        "dataset",
        "dataflow",
        "source_connection",
        "target_connection",
    ] {
        let health = app
            .wait_for_attribute(
                &format!("resource-{step}"),
                "data-health",
                Duration::from_secs(20),
                |h| !h.is_empty(),
            )
            .await?;
        assert_eq!(health, "ok", "{step}");
    }

    // Disable, then enable: platform-sim's state follows.
    click_in(&app, &card, "flow-toggle").await?;
    app.wait_for_attribute(&card, "data-health", Duration::from_secs(20), |h| {
        h == "disabled"
    })
    .await?;
    assert_eq!(
        flow(&sim_state(&base).await?, &flow_id).map(|f| f["state"].clone()),
        Some(json!("disabled"))
    );
    // The engine sees the drift and offers the repair.
    click_in(&app, &card, "flow-details").await?;
    click_in(&app, &card, "flow-details").await?;
    app.wait_for_attribute(
        "resource-dataflow",
        "data-health",
        Duration::from_secs(20),
        |h| h == "disabled",
    )
    .await?;
    app.find("repair-dataflow").await?;
    app.screenshot("dashboard-disabled").await?;
    click_in(&app, &card, "flow-toggle").await?;
    app.wait_for_attribute(&card, "data-health", Duration::from_secs(20), |h| {
        h != "disabled"
    })
    .await?;
    assert_eq!(
        flow(&sim_state(&base).await?, &flow_id).map(|f| f["state"].clone()),
        Some(json!("enabled"))
    );

    // Offline: Adobe stops answering; the last known status stays, marked.
    let rule: Value = e2e::sim_control(reqwest::Method::POST, &format!("{base}/__sim/faults/next"))
        .json(&json!({"path": "/data/foundation/flowservice/flows*", "count": 50, "status": 503}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    app.click("refresh").await?;
    app.wait_for_attribute(
        "offline-banner",
        "data-code",
        Duration::from_secs(60),
        |c| c == "server_error",
    )
    .await?;
    app.find(&card).await?;
    app.screenshot("dashboard-offline").await?;
    e2e::sim_control(
        reqwest::Method::DELETE,
        &format!(
            "{base}/__sim/faults/next/{}",
            rule["id"].as_str().unwrap_or_default()
        ),
    )
    .send()
    .await?;

    // Back online: the banner above the cards goes. Wait for it, as a user
    // would: clicking while it is removed lands where the button was, not
    // where it is (seen on a slow machine).
    app.click("refresh").await?;
    app.wait_for_count(
        "offline-banner",
        "data-code",
        "server_error",
        0,
        Duration::from_secs(60),
    )
    .await?;

    // Delete, with the confirmation; everything the setup made goes.
    click_in(&app, &card, "flow-delete").await?;
    app.click("confirm-delete").await?;
    app.find("no-flows").await?;
    let data = &sim_state(&base).await?["platform"]["data"]["prod"];
    for key in [
        "flows",
        "schemas",
        "source_connections",
        "target_connections",
    ] {
        assert_eq!(
            data[key].as_array().map(Vec::len),
            Some(0),
            "{key} left behind"
        );
    }
    assert_eq!(data["datasets"].as_object().map(|d| d.len()), Some(0));
    app.screenshot("dashboard-empty").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn fifty_dataflows_with_latency_and_errors_keep_the_dashboard_responsive() -> TestResult {
    // Adobe stand-in with 50 Chatlio dataflows, ingesting and counting at once.
    let sim = platform_sim::start(platform_sim::SimConfig {
        run_window: Duration::from_secs(2),
        warmup: Duration::ZERO,
        ..platform_sim::SimConfig::default()
    })
    .await?;
    let base = sim.base_url();
    let config = sim.config().clone();
    let url = platform::Url::parse(&base)?;
    let client = platform::Client::new(platform::ClientConfig::new(
        url.clone(),
        url,
        config.org_id.clone(),
        "prod",
        platform::Credential::server_to_server(
            config.client_id.clone(),
            platform::Secret::new(config.client_secret.clone()),
        ),
    ))?;
    let journals = std::env::temp_dir().join(format!("e2e-fifty-{}", std::process::id()));
    let request = setup::SetupInput {
        name: "Chatlio 0".into(),
        sandbox: "prod".into(),
        ..setup::SetupInput::default()
    }
    .validate()
    .map_err(|errors| format!("{errors:?}"))?;
    let outcome = setup::Engine::new(client.clone(), setup::JournalStore::new(&journals))
        .apply(&request)
        .await?;
    let service = client.flow_service();
    let first = service
        .get_flow(&platform::models::FlowId::new(
            outcome.flow_id.unwrap_or_default(),
        ))
        .await?;
    let mapping = first
        .transformations
        .first()
        .and_then(|transformation| transformation.mapping_id())
        .ok_or("the dataflow has no mapping")?;
    for index in 1..50 {
        service
            .create_flow(&platform::models::flow::FlowRequest::streaming(
                format!("Chatlio {index}"),
                None,
                first.source_connection_ids[0].clone(),
                first.target_connection_ids[0].clone(),
                &mapping,
                0,
            ))
            .await?;
    }
    std::fs::remove_dir_all(&journals)?;

    // Three states to see: "Chatlio 2" had data 30 hours ago (stale),
    // "Chatlio 0" has data now (healthy), "Chatlio 1" only failures (failing).
    let control = reqwest::Client::new();
    let flows = service.list_chatlio_flows().await?;
    let flow_of = |name: &str| -> TestResult<(String, String)> {
        let flow = flows
            .iter()
            .find(|flow| flow.name.as_deref() == Some(name))
            .ok_or_else(|| format!("no flow {name}"))?;
        let inlet = flow.inlet_url().ok_or("no inlet")?;
        let url = platform::WebhookUrl::new(inlet, &flow.id)?;
        Ok((flow.id.as_str().to_owned(), url.as_str().to_owned()))
    };
    let (healthy, healthy_url) = flow_of("Chatlio 0")?;
    let (failing, failing_url) = flow_of("Chatlio 1")?;
    let (stale, stale_url) = flow_of("Chatlio 2")?;
    send(&stale_url, "chat_transcript", 1).await?;
    control
        .post(format!("{base}/__sim/runs/age"))
        .json(&json!({"hours": 30}))
        .send()
        .await?
        .error_for_status()?;
    send(&healthy_url, "all", 3).await?;
    send(&failing_url, "unidentifiable", 2).await?;
    // The windows close before the app looks: an open run has no counts.
    control
        .post(format!("{base}/__sim/runs/close"))
        .json(&json!({}))
        .send()
        .await?
        .error_for_status()?;

    // The app opens on the dashboard, connected through the environment.
    let name = "dashboard-fifty";
    let data_dir = e2e::cargo_target_dir().join("e2e-data").join(name);
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    std::fs::create_dir_all(&data_dir)?;
    std::fs::write(
        data_dir.join("wizard.json"),
        serde_json::to_vec(&json!({"screen": "dashboard", "mode": "adobe"}))?,
    )?;
    // "Stale" follows the no-data rule's business hours: every hour counts
    // here, so 30 hours of silence is stale whatever the day the test runs.
    // (The simulator's credential makes this a practice connection; both
    // modes get the rules.)
    let layout = storage::DataLayout::new(&data_dir);
    for mode in [storage::Mode::Real, storage::Mode::Practice] {
        setup::alerts::AlertSettings::round_the_clock(24).save(&layout.alert_rules(mode))?;
    }
    let environment = [
        ("LANG", "en_US.UTF-8"),
        ("CHATLIO_AEP_IMS_URL", base.as_str()),
        ("CHATLIO_AEP_PLATFORM_URL", base.as_str()),
        ("CHATLIO_AEP_CLIENT_ID", config.client_id.as_str()),
        ("CHATLIO_AEP_CLIENT_SECRET", config.client_secret.as_str()),
        ("CHATLIO_AEP_ORG_ID", config.org_id.as_str()),
        ("CHATLIO_AEP_SANDBOX", "prod"),
    ];
    let app = App::relaunch(name, &environment).await?;
    app.find("screen-dashboard").await?;
    for (flow, health) in [
        (&healthy, "healthy"),
        (&failing, "failing"),
        (&stale, "stale"),
    ] {
        app.wait_for_attribute(
            &format!("flow-{flow}"),
            "data-health",
            Duration::from_secs(30),
            |h| h == health,
        )
        .await?;
    }
    app.client
        .execute(
            "document.querySelector(`[data-testid=\"flow-${arguments[0]}\"]`).scrollIntoView(); return null;",
            vec![failing.clone().into()],
        )
        .await?;
    // The first picture of a fresh session can be an old frame; let it paint.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot("dashboard-healthy-failing").await?;
    app.client
        .execute(
            "document.querySelector(`[data-testid=\"flow-${arguments[0]}\"]`).scrollIntoView(); return null;",
            vec![stale.clone().into()],
        )
        .await?;
    app.screenshot("dashboard-stale").await?;

    // Now Adobe turns slow, and fails often when runs are read.
    control
        .put(format!("{base}/__sim/faults/latency"))
        .json(&json!({"ms": 150}))
        .send()
        .await?
        .error_for_status()?;
    control
        .put(format!("{base}/__sim/faults/random"))
        .json(&json!({"rate": 0.7, "seed": 7, "kinds": ["500", "503"], "pathPrefix": "/data/foundation/flowservice/runs"}))
        .send()
        .await?
        .error_for_status()?;

    // While a refresh is under way the UI keeps answering: the language
    // switch shows on the refresh button at once.
    app.click("refresh").await?;
    app.wait_for_text("refresh", |text| text == "Refreshing…")
        .await?;
    let started = std::time::Instant::now();
    app.find("lang-select").await?.select_by_value("sv").await?;
    app.wait_for_text("refresh", |text| text == "Uppdaterar…")
        .await?;
    let answered = started.elapsed();
    assert!(
        answered < Duration::from_secs(2),
        "the UI froze for {answered:?}"
    );
    app.find("lang-select").await?.select_by_value("en").await?;
    app.wait_for_text("refresh", |text| text == "Refresh")
        .await?;

    // All fifty, with the failed reads shown as such.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let cards = app
            .client
            .find_all(fantoccini::Locator::Css(
                "[data-testid^=\"flow-\"][data-health]",
            ))
            .await?
            .len();
        if cards == 50 {
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{cards} of 50 dataflows shown").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let unavailable = app
        .client
        .find_all(fantoccini::Locator::Css(
            "[data-testid=\"flow-error\"][data-explanation=\"runs_unavailable\"]",
        ))
        .await?
        .len();
    assert!(
        unavailable > 0,
        "some run reads failed and are shown as such"
    );
    app.screenshot("dashboard-fifty").await?;
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
