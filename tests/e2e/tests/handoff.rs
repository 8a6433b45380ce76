//! The hand-off packet as the Chatlio admin sees it: made for a real setup on
//! platform-sim (one URL per Chatlio event), opened in WebKit's own browser
//! (MiniBrowser, driven by WebKitWebDriver) from the file the owner sends, and
//! photographed in English and Swedish for the test artifacts.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{artifacts_dir, TestResult};
use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use setup::handoff::{handoff_packet, Language};

/// WebKit's browser, installed with the WebKitGTK library the app uses
/// (Debian and Ubuntu: under the architecture's library folder; Fedora:
/// under libexec).
fn mini_browser() -> TestResult<std::path::PathBuf> {
    let mut places: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib")?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("webkit2gtk-4.1/MiniBrowser"))
        .collect();
    places.push("/usr/libexec/webkit2gtk-4.1/MiniBrowser".into());
    places
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| "WebKitGTK's MiniBrowser is not installed (libwebkit2gtk-4.1-0)".into())
}

/// A WebKitWebDriver for MiniBrowser, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Err(error) = self.0.kill() {
            eprintln!("WebKitWebDriver not stopped: {error}");
        }
        if let Err(error) = self.0.wait() {
            eprintln!("WebKitWebDriver not reaped: {error}");
        }
    }
}

#[tokio::test]
#[ignore = "needs a display and WebKitWebDriver; run by `make test`"]
async fn the_packet_reads_well_in_a_browser_in_both_languages() -> TestResult {
    // A per-event setup on the simulator, its journal in a scratch folder.
    let sim = platform_sim::start(platform_sim::SimConfig::default()).await?;
    let base = platform::Url::parse(&sim.base_url())?;
    let config = sim.config().clone();
    let client = platform::Client::new(platform::ClientConfig::new(
        base.clone(),
        base,
        config.org_id.clone(),
        "prod",
        platform::Credential::server_to_server(
            config.client_id.clone(),
            platform::Secret::new(config.client_secret.clone()),
        ),
    ))?;
    let journals = std::env::temp_dir().join(format!("e2e-handoff-{}", std::process::id()));
    let request = setup::SetupInput {
        name: "Web chat".into(),
        sandbox: "prod".into(),
        ..setup::SetupInput::recommended()
    }
    .validate()
    .map_err(|errors| format!("{errors:?}"))?;
    let store = setup::JournalStore::new(&journals);
    setup::Engine::new(client, store.clone())
        .apply(&request)
        .await?;
    let journal = store.load("Web chat")?.ok_or("no journal")?;
    std::fs::remove_dir_all(&journals)?;

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let _driver = Driver(
        Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("WebKitWebDriver: {error}"))?,
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "webkitgtk:browserOptions".into(),
        serde_json::json!({ "binary": mini_browser()?, "args": ["--automation"] }),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let browser = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(browser) => break browser,
            Err(error) if Instant::now() > deadline => return Err(error.into()),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };

    let directory = artifacts_dir();
    std::fs::create_dir_all(&directory)?;
    for (language, contact, heading) in [
        (
            Language::English,
            "Dana in marketing ops",
            "Ask Dana in marketing ops",
        ),
        (Language::Swedish, "Dana på marknad", "Dana på marknad"),
    ] {
        let html = handoff_packet(&journal, language, Some(contact), None, "e2e");
        let path = directory.join(format!("handoff-packet-{}.html", language.code()));
        std::fs::write(&path, &html)?;
        browser.goto(&format!("file://{}", path.display())).await?;
        let text = browser
            .find(fantoccini::Locator::Css("body"))
            .await?
            .text()
            .await?;
        assert!(text.contains("Web chat"), "{text}");
        assert!(text.contains(heading), "{text}");
        // No URL by default: the admin gets them from the owner.
        assert!(!text.contains("http"), "{text}");
        std::fs::write(
            directory.join(format!("handoff-packet-{}.png", language.code())),
            browser.screenshot().await?,
        )?;
    }
    browser.close().await?;
    sim.shutdown().await;
    Ok(())
}
