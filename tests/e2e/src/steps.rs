//! Steps and checks the end-to-end tests share.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::{App, TestResult};

/// The steps of a setup without Profile (the setup crate's list, less the
/// step that only Profile takes).
pub fn steps() -> impl Iterator<Item = &'static str> {
    setup::StepId::ALL
        .into_iter()
        .filter(|step| *step != setup::StepId::ProfileSchema)
        .map(setup::StepId::as_str)
}

/// Reads the clipboard the way another app would.
pub fn clipboard() -> TestResult<String> {
    let output = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .output()
        .map_err(|error| format!("xclip is needed to read the clipboard: {error}"))?;
    if !output.status.success() {
        return Err(format!("xclip failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> TestResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// platform-sim's full state (`/__sim/state`).
pub async fn sim_state(base_url: &str) -> TestResult<Value> {
    Ok(
        crate::sim_control(reqwest::Method::GET, &format!("{base_url}/__sim/state"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?,
    )
}

/// What platform-sim holds for the one dataset it has records for:
/// `{"records": [...], "failed": [...]}` (its `/__sim/datasets/{id}/records`).
pub async fn sim_dataset_records(base_url: &str) -> TestResult<Value> {
    let state = sim_state(base_url).await?;
    let datasets: Vec<String> = state["records"]
        .as_object()
        .map(|datasets| datasets.keys().cloned().collect())
        .unwrap_or_default();
    if datasets.len() != 1 {
        return Err(format!(
            "records in {} datasets, not one: {}",
            datasets.len(),
            state["records"]
        )
        .into());
    }
    Ok(crate::sim_control(
        reqwest::Method::GET,
        &format!("{base_url}/__sim/datasets/{}/records", datasets[0]),
    )
    .send()
    .await?
    .error_for_status()?
    .json()
    .await?)
}

/// How many of each resource the sandbox holds.
pub fn counts(state: &Value, sandbox: &str) -> BTreeMap<&'static str, usize> {
    let data = &state["platform"]["data"][sandbox];
    let length = |key: &str| match &data[key] {
        Value::Array(items) => items.len(),
        Value::Object(items) => items.len(),
        _ => 0,
    };
    [
        "field_groups",
        "schemas",
        "descriptors",
        "datasets",
        "mapping_sets",
        "source_connections",
        "target_connections",
        "flows",
    ]
    .into_iter()
    .map(|key| (key, length(key)))
    .collect()
}

/// Exactly one of every resource a setup makes: no duplicate, no orphan.
pub fn one_of_each(counts: &BTreeMap<&'static str, usize>) -> bool {
    counts.values().all(|count| *count == 1)
}

/// A catalog key shown instead of words (`create.step.schema`) means a
/// missing translation.
pub fn assert_no_raw_keys(page: &str, screen: &str) {
    let raw: Vec<&str> = page
        .split(|c: char| c.is_whitespace() || "()[]\"'".contains(c))
        .filter(|token| {
            token.matches('.').count() >= 1
                && token.split('.').count() >= 2
                && token.split('.').all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
                && token.chars().any(|c| c == '_' || c == '.')
                && token.split('.').next().is_some_and(|first| {
                    [
                        "common",
                        "welcome",
                        "wizard",
                        "prerequisites",
                        "connect",
                        "dataflow",
                        "review",
                        "create",
                        "handover",
                        "verify",
                        "dashboard",
                        "errors",
                        "fields",
                        "chatlio",
                    ]
                    .contains(&first)
                })
        })
        .collect();
    assert!(
        raw.is_empty(),
        "untranslated keys on the {screen} screen: {raw:?}"
    );
}

/// Welcome to a finished Create in practice mode, with one webhook URL for
/// all five fields; returns after Create.
pub async fn practice_to_created(app: &App, shots: Option<&str>) -> TestResult {
    practice_to_created_with(app, shots, Some("single_url")).await
}

/// The same, with the webhook mode picked on the Dataflow screen
/// (`single_url` or `per_event_url`; `None` keeps the default).
pub async fn practice_to_created_with(
    app: &App,
    shots: Option<&str>,
    webhook_mode: Option<&str>,
) -> TestResult {
    let shot = |name: &'static str| async move {
        if let Some(prefix) = shots {
            app.screenshot(&format!("{prefix}-{name}")).await?;
        }
        TestResult::Ok(())
    };
    app.find("screen-welcome").await?;
    assert_no_raw_keys(&app.page_text().await?, "welcome");
    shot("01-welcome").await?;
    app.click("start-practice").await?;
    app.find("screen-prerequisites").await?;
    app.find("practice-badge").await?;
    assert_no_raw_keys(&app.page_text().await?, "prerequisites");
    shot("02-prerequisites").await?;
    app.click("next").await?;
    app.find("screen-connect").await?;
    app.wait_for_attribute("check-token", "data-state", Duration::from_secs(20), |s| {
        s == "passed"
    })
    .await?;
    assert_no_raw_keys(&app.page_text().await?, "connect");
    shot("03-connect").await?;
    app.click("next").await?;
    app.find("screen-dataflow").await?;
    assert_no_raw_keys(&app.page_text().await?, "dataflow");
    if let Some(mode) = webhook_mode {
        app.click(&format!("webhook-mode-{mode}")).await?;
    }
    shot("04-dataflow").await?;
    app.click("next").await?;
    app.find("screen-review").await?;
    app.find("plan-schema").await?;
    app.wait_for_attribute(
        "check-dataflow_name_free",
        "data-state",
        Duration::from_secs(20),
        |s| s == "passed",
    )
    .await?;
    assert_no_raw_keys(&app.page_text().await?, "review");
    shot("05-review").await?;
    app.click("create").await?;
    app.find("screen-create").await?;
    app.wait_for_attribute(
        "step-read_back",
        "data-state",
        Duration::from_secs(60),
        |s| s == "done",
    )
    .await?;
    for step in steps() {
        let state = app
            .find(&format!("step-{step}"))
            .await?
            .attr("data-state")
            .await?;
        assert_eq!(state.as_deref(), Some("done"), "step {step}");
    }
    assert_no_raw_keys(&app.page_text().await?, "create");
    shot("06-create").await?;
    Ok(())
}
