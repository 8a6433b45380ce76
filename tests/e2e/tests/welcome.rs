//! The foundation's end-to-end path: UI -> IPC -> Rust -> UI on the real app.

use e2e::{App, TestResult};

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by `make test`"]
async fn welcome_screen_speaks_english_and_swedish_and_calls_the_backend() -> TestResult {
    let app = App::launch("welcome", &[("LANG", "en_US.UTF-8")]).await?;

    app.find("screen-welcome").await?;
    let title = app.text("welcome-title").await?;
    assert_eq!(
        title,
        "Stream Chatlio events into Adobe Experience Platform"
    );

    // The footer shows the version the Rust command returned.
    let version = env!("CARGO_PKG_VERSION");
    app.wait_for_text("app-version", |text| text.contains(version))
        .await?;
    app.screenshot("welcome-en").await?;

    // Switch to Swedish and read Swedish text.
    app.find("lang-select").await?.select_by_value("sv").await?;
    let swedish = app
        .wait_for_text("welcome-title", |text| text.contains("Strömma"))
        .await?;
    assert_eq!(
        swedish,
        "Strömma Chatlio-händelser till Adobe Experience Platform"
    );
    app.screenshot("welcome-sv").await?;

    // The real command, through the same IPC the UI uses.
    let info = app.invoke("app_info", serde_json::json!({})).await?;
    assert_eq!(info["version"], version);
    assert_eq!(info["os"], "linux");

    // The log file support asks for, next to the data, with the start's
    // lines in it (plain text: no terminal colours).
    let log = app.data_dir.join("logs").join("chatlio-setup.log");
    let text = std::fs::read_to_string(&log)
        .map_err(|error| format!("no log at {}: {error}", log.display()))?;
    assert!(text.contains("data directory ready"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");

    app.close().await
}
