//! Harness for the end-to-end tests: starts tauri-driver, opens a WebDriver
//! session on the real app binary, and finds elements by `data-testid`.
//!
//! The tests are `#[ignore]`d because they need a display, WebKitWebDriver and
//! a D-Bus session; `make test` runs them under Xvfb with `--ignored`.

pub mod steps;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Where screenshots go; kept by CI as test artifacts.
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("E2E_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("e2e-artifacts"))
}

fn app_binary() -> PathBuf {
    std::env::var_os("E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/chatlio-setup"))
}

fn free_port() -> TestResult<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running tauri-driver. Dropping it sends SIGTERM, not SIGKILL: only then
/// does tauri-driver stop its WebKitWebDriver child, which would otherwise
/// linger and be reused by the next run on a stale display.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(environment: &[(String, String)], log: &Path) -> TestResult<Self> {
        let driver = std::env::var_os("TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("node_modules/.bin/tauri-driver"));
        let port = free_port()?;
        let native_port = free_port()?;
        let child = Command::new(&driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(environment.iter().map(|(key, value)| (key, value)))
            .stdout(Stdio::null())
            // The app inherits this: its log lands in the artifacts, where
            // tests scan it for secrets.
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)?,
            ))
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", driver.display()))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("tauri-driver did not open its port within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self { child, port })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if !matches!(terminated, Ok(status) if status.success()) {
            // Last resort; the native driver may linger, but the test must end.
            if let Err(error) = self.child.kill() {
                eprintln!("could not stop tauri-driver: {error}");
            }
        }
        if let Err(error) = self.child.wait() {
            eprintln!("could not reap tauri-driver: {error}");
        }
    }
}

/// One app instance under WebDriver.
pub struct App {
    pub client: Client,
    _driver: Driver,
    pub data_dir: PathBuf,
    /// The binary under test, to find its processes.
    binary: PathBuf,
}

/// Each test's app gets its own web storage (the UI keeps the language
/// choice there), so one test's choice never leaks into the next.
/// The control token the tests give the app's practice simulator.
pub const PRACTICE_CONTROL_TOKEN: &str = "e2e-practice-control";

/// A request to a platform-sim control route (`/__sim/...`), carrying the
/// practice simulator's control token (a sim without one ignores it).
pub fn sim_control(method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, url)
        .header(platform_sim::CONTROL_TOKEN_HEADER, PRACTICE_CONTROL_TOKEN)
}

fn isolated_environment(data_dir: &Path) -> TestResult<(String, String)> {
    let web_data = data_dir.join("xdg-data");
    std::fs::create_dir_all(&web_data)?;
    Ok(("XDG_DATA_HOME".to_owned(), web_data.display().to_string()))
}

/// Pids of running processes whose executable is `binary`.
pub fn processes_of(binary: &Path) -> TestResult<Vec<u32>> {
    // /proc names the executable by its real path.
    let binary = std::fs::canonicalize(binary)?;
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        // Processes of other users, or gone meanwhile: not ours.
        let Ok(executable) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        if executable == binary {
            pids.push(pid);
        }
    }
    Ok(pids)
}

impl Drop for App {
    /// A test that fails midway leaves its app running; the next launch
    /// would then only focus it (single instance) and hang. Give the app a
    /// moment to quit on its own, then kill what is left.
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            match processes_of(&self.binary) {
                Ok(pids) if pids.is_empty() => return,
                Ok(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Ok(_) => break,
                Err(error) => {
                    eprintln!("could not list the app's processes: {error}");
                    return;
                }
            }
        }
        if let Err(error) = self.kill_app() {
            eprintln!("could not stop the app: {error}");
        }
    }
}

impl App {
    /// Launches the app with a fresh data directory of its own and the given
    /// extra environment (e.g. `CHATLIO_AEP_*`).
    pub async fn launch(name: &str, environment: &[(&str, &str)]) -> TestResult<Self> {
        let data_dir = target_dir().join("e2e-data").join(name);
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        let log = Self::log_path(name);
        if log.exists() {
            std::fs::remove_file(&log)?;
        }
        Self::relaunch(name, environment).await
    }

    /// Where the app's log (stderr) of test `name` is kept.
    pub fn log_path(name: &str) -> PathBuf {
        artifacts_dir().join(format!("{name}.log"))
    }

    /// Launches the app again on the data directory an earlier `launch` of
    /// `name` used, as a user reopening it would.
    pub async fn relaunch(name: &str, environment: &[(&str, &str)]) -> TestResult<Self> {
        let data_dir = target_dir().join("e2e-data").join(name);
        std::fs::create_dir_all(&data_dir)?;
        std::fs::create_dir_all(artifacts_dir())?;
        let mut all: Vec<(String, String)> = vec![(
            "CHATLIO_AEP_DATA_DIR".to_owned(),
            data_dir.display().to_string(),
        )];
        all.extend(
            environment
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
        );
        all.push(isolated_environment(&data_dir)?);
        // The practice simulator's control surface is closed by a per-run
        // token; the tests name theirs to read its state.
        all.push((
            "CHATLIO_AEP_PRACTICE_CONTROL_TOKEN".to_owned(),
            PRACTICE_CONTROL_TOKEN.to_owned(),
        ));
        let driver = Driver::start(&all, &Self::log_path(name))?;

        let application = app_binary();
        if !application.exists() {
            return Err(format!(
                "app binary {} is missing: build it first",
                application.display()
            )
            .into());
        }
        let binary = std::fs::canonicalize(&application)?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await?;
        Ok(Self {
            client,
            _driver: driver,
            data_dir,
            binary,
        })
    }

    /// Waits up to 15 s for the element with this `data-testid`.
    pub async fn find(&self, test_id: &str) -> TestResult<Element> {
        let locator = format!("[data-testid=\"{test_id}\"]");
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&locator))
            .await
            .map_err(|error| format!("no element [data-testid={test_id}]: {error}"))?;
        Ok(element)
    }

    /// Waits until the element is enabled, then clicks it.
    pub async fn click(&self, test_id: &str) -> TestResult {
        let element = self.find(test_id).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !element.is_enabled().await? {
            if Instant::now() > deadline {
                return Err(format!("[data-testid={test_id}] stayed disabled").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        element.click().await?;
        Ok(())
    }

    /// Polls an attribute until `accept` holds, for up to `timeout`.
    pub async fn wait_for_attribute(
        &self,
        test_id: &str,
        attribute: &str,
        timeout: Duration,
        accept: impl Fn(&str) -> bool,
    ) -> TestResult<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self
                .find(test_id)
                .await?
                .attr(attribute)
                .await?
                .unwrap_or_default();
            if accept(&value) {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(
                    format!("[data-testid={test_id}] {attribute} is still {value:?}").into(),
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to `timeout` until exactly `count` elements with this
    /// `data-testid` have `attribute` equal to `value`.
    pub async fn wait_for_count(
        &self,
        test_id: &str,
        attribute: &str,
        value: &str,
        count: usize,
        timeout: Duration,
    ) -> TestResult {
        let locator = format!("[data-testid=\"{test_id}\"][{attribute}=\"{value}\"]");
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.client.find_all(Locator::Css(&locator)).await?.len();
            if found == count {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{found} of [data-testid={test_id}] have {attribute}={value:?}, not {count}"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The text of the whole page.
    pub async fn page_text(&self) -> TestResult<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Kills the app process with SIGKILL, as a crash or a power cut would.
    pub fn kill_app(&self) -> TestResult<usize> {
        let mut killed = 0;
        for pid in processes_of(&self.binary)? {
            let status = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()?;
            if status.success() {
                killed += 1;
            }
        }
        Ok(killed)
    }

    pub async fn text(&self, test_id: &str) -> TestResult<String> {
        Ok(self.find(test_id).await?.text().await?)
    }

    /// Polls until the element's text satisfies `accept`, for up to 15 s.
    pub async fn wait_for_text(
        &self,
        test_id: &str,
        accept: impl Fn(&str) -> bool,
    ) -> TestResult<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.text(test_id).await?;
            if accept(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!("[data-testid={test_id}] still reads {text:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Calls a command through the same IPC the UI uses.
    pub async fn invoke(
        &self,
        command: &str,
        arguments: serde_json::Value,
    ) -> TestResult<serde_json::Value> {
        let script = "const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
              .then(value => done({ ok: value }), error => done({ error }));";
        let outcome = self
            .client
            .execute_async(script, vec![command.into(), arguments])
            .await?;
        match outcome.get("ok") {
            Some(value) => Ok(value.clone()),
            None => Err(format!("command {command} failed: {outcome}").into()),
        }
    }

    /// Saves a screenshot of the window as `<artifacts>/<name>.png`.
    ///
    /// Read from the X display, not asked of WebKit: WebDriver's "take
    /// screenshot" is WebKit's snapshot, which never returns while
    /// accelerated compositing is off, as the app runs it.
    pub async fn screenshot(&self, name: &str) -> TestResult<PathBuf> {
        let directory = artifacts_dir();
        std::fs::create_dir_all(&directory)?;
        let path = directory.join(format!("{name}.png"));
        let (x, y, width, height) = self.client.get_window_rect().await?;
        std::fs::write(&path, display_png(x, y, width, height)?)?;
        Ok(path)
    }

    pub async fn close(self) -> TestResult {
        self.client.clone().close().await?;
        Ok(())
    }
}

/// The directory cargo builds into: `CARGO_TARGET_DIR`, else `target/` at
/// the workspace root. `make dist` puts the `.deb` under it.
pub fn cargo_target_dir() -> PathBuf {
    target_dir()
}

impl App {
    /// Launches the binary at `binary` (for example the one installed from
    /// the `.deb`) with a fresh data directory of its own, as [`App::launch`]
    /// does for the built app.
    pub async fn launch_binary(
        name: &str,
        binary: &Path,
        environment: &[(&str, &str)],
    ) -> TestResult<Self> {
        Ok(Self::launch_binary_timed(name, binary, environment)
            .await?
            .0)
    }

    /// Like [`App::launch_binary`], and also returns the instant just before
    /// the WebDriver session was requested. WebKitWebDriver spawns the binary
    /// on that request, so the time from it until an element appears is the
    /// app's start-up plus the session's set-up, without tauri-driver's own
    /// start (which happens before).
    pub async fn launch_binary_timed(
        name: &str,
        binary: &Path,
        environment: &[(&str, &str)],
    ) -> TestResult<(Self, Instant)> {
        if !binary.exists() {
            return Err(format!("binary {} is missing", binary.display()).into());
        }
        let binary = std::fs::canonicalize(binary)?;
        let data_dir = target_dir().join("e2e-data").join(name);
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        std::fs::create_dir_all(&data_dir)?;
        std::fs::create_dir_all(artifacts_dir())?;
        let log = Self::log_path(name);
        if log.exists() {
            std::fs::remove_file(&log)?;
        }
        let mut all: Vec<(String, String)> = vec![(
            "CHATLIO_AEP_DATA_DIR".to_owned(),
            data_dir.display().to_string(),
        )];
        all.extend(
            environment
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
        );
        all.push(isolated_environment(&data_dir)?);
        let driver = Driver::start(&all, &log)?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary }),
        );
        let requested = Instant::now();
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await?;
        Ok((
            Self {
                client,
                _driver: driver,
                data_dir,
                binary,
            },
            requested,
        ))
    }

    /// Waits up to `timeout` for the element with this `data-testid`, asking
    /// every `period`: [`App::find`] asks every 250 ms, too coarse to time a
    /// start-up with.
    pub async fn find_polling(
        &self,
        test_id: &str,
        timeout: Duration,
        period: Duration,
    ) -> TestResult<Element> {
        let locator = format!("[data-testid=\"{test_id}\"]");
        let element = self
            .client
            .wait()
            .at_most(timeout)
            .every(period)
            .for_element(Locator::Css(&locator))
            .await
            .map_err(|error| format!("no element [data-testid={test_id}]: {error}"))?;
        Ok(element)
    }
}

/// The pixels of a rectangle of the X display (`DISPLAY`, Xvfb in the
/// tests), clipped to the screen, as a PNG.
pub fn display_png(x: u64, y: u64, width: u64, height: u64) -> TestResult<Vec<u8>> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

    let (connection, screen_number) = x11rb::connect(None)?;
    let setup = connection.setup();
    let screen = &setup.roots[screen_number];
    let clip = |start: u64, length: u64, limit: u16| -> TestResult<(i16, u16)> {
        let start = start.min(u64::from(limit));
        let length = length.min(u64::from(limit) - start);
        Ok((i16::try_from(start)?, u16::try_from(length)?))
    };
    let (x, width) = clip(x, width, screen.width_in_pixels)?;
    let (y, height) = clip(y, height, screen.height_in_pixels)?;
    if width == 0 || height == 0 {
        return Err("the window is outside the display".into());
    }
    let image = connection
        .get_image(ImageFormat::Z_PIXMAP, screen.root, x, y, width, height, !0)?
        .reply()?;
    let bits_per_pixel = setup
        .pixmap_formats
        .iter()
        .find(|format| format.depth == image.depth)
        .map(|format| format.bits_per_pixel);
    // A true-colour display (Xvfb's 24-bit screen): four bytes a pixel.
    if bits_per_pixel != Some(32) || image.depth != 24 {
        return Err(format!(
            "display depth {} ({bits_per_pixel:?} bits a pixel) is not 24-bit true colour",
            image.depth
        )
        .into());
    }
    let little_endian = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let rgb: Vec<u8> = image
        .data
        .chunks_exact(4)
        .flat_map(|pixel| {
            if little_endian {
                [pixel[2], pixel[1], pixel[0]]
            } else {
                [pixel[1], pixel[2], pixel[3]]
            }
        })
        .collect();
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, u32::from(width), u32::from(height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png_bytes)
}
