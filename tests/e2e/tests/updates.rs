//! The app's own updates, against a release manifest the test serves: the
//! app offers the newer version and downloads nothing until the user agrees;
//! "Not now" hides the offer and "Check for updates" brings it back; a
//! download whose signature was made by another key is refused, and one
//! whose signature matches but which is not an installable package is
//! refused too; in neither case is the app's binary touched.
//!
//! The manifest's address and the public key reach the app through
//! `CHATLIO_AEP_UPDATE_URL` and `CHATLIO_AEP_UPDATE_PUBKEY`, which only debug
//! builds read (a release build takes both from its configuration alone).
//! The key pairs are made for the run with the Tauri CLI's `signer`, as a
//! release's are. The payload is never an executable: on Linux the updater
//! replaces the running binary with an AppImage, which here would be the
//! build under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e::{App, TestResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the test's release server answers, and the paths it was asked for.
#[derive(Default)]
struct Release {
    files: BTreeMap<String, Vec<u8>>,
    requests: Vec<String>,
}

/// The release's state; a panic in one connection's task leaves nothing
/// half-written in it.
fn lock(release: &Mutex<Release>) -> std::sync::MutexGuard<'_, Release> {
    release
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Serves `release.files` over HTTP/1.1 on a free loopback port.
async fn serve(release: Arc<Mutex<Release>>) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let release = Arc::clone(&release);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0_u8; 4096];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let body = {
                    let mut release = lock(&release);
                    release.requests.push(path.clone());
                    release.files.get(&path).cloned()
                };
                let response = match body {
                    Some(body) => {
                        let mut head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        head.extend(body);
                        head
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                if let Err(error) = stream.write_all(&response).await {
                    eprintln!("release server: {error}");
                }
            });
        }
    });
    Ok(port)
}

fn tauri_cli() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/tauri")
}

/// A fresh key pair (no password): the private key file and the public key.
fn key_pair(folder: &Path, name: &str) -> TestResult<(PathBuf, String)> {
    let key = folder.join(name);
    let output = std::process::Command::new(tauri_cli())
        .args(["signer", "generate", "--ci", "-p", "", "-f", "-w"])
        .arg(&key)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "tauri signer generate failed (run `npm ci`): {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let public = std::fs::read_to_string(folder.join(format!("{name}.pub")))?;
    Ok((key, public.trim().to_owned()))
}

/// The `.sig` text the release workflow publishes for `file`.
fn sign(key: &Path, file: &Path) -> TestResult<String> {
    let output = std::process::Command::new(tauri_cli())
        .args(["signer", "sign", "-p", "", "-f"])
        .arg(key)
        .arg(file)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "tauri signer sign failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut signature = file.as_os_str().to_owned();
    signature.push(".sig");
    Ok(std::fs::read_to_string(PathBuf::from(signature))?
        .trim()
        .to_owned())
}

fn manifest(port: u16, signature: &str) -> Vec<u8> {
    serde_json::json!({
        "version": "99.0.0",
        "notes": "A faster dashboard.",
        "pub_date": "2026-11-28T12:00:00Z",
        "platforms": {
            "linux-x86_64": {
                "signature": signature,
                "url": format!("http://127.0.0.1:{port}/chatlio-setup-99.0.0.AppImage"),
            }
        }
    })
    .to_string()
    .into_bytes()
}

fn downloads(release: &Arc<Mutex<Release>>) -> usize {
    lock(release)
        .requests
        .iter()
        .filter(|path| path.ends_with(".AppImage"))
        .count()
}

fn binary_digest(path: &Path) -> TestResult<(u64, Vec<u8>)> {
    let bytes = std::fs::read(path)?;
    // Length and the first and last 64 KiB: enough to see a replaced file.
    let mut sample = bytes[..bytes.len().min(65_536)].to_vec();
    sample.extend_from_slice(&bytes[bytes.len().saturating_sub(65_536)..]);
    Ok((bytes.len() as u64, sample))
}

#[tokio::test]
#[ignore = "needs the built app, tauri-driver and a display; run by scripts/test.sh"]
async fn an_update_is_offered_installed_only_when_asked_and_refused_unless_signed() -> TestResult {
    let scratch = e2e::artifacts_dir().join("updates-release");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let (release_key, public_key) = key_pair(&scratch, "release.key")?;
    let (other_key, _) = key_pair(&scratch, "other.key")?;
    let payload = scratch.join("chatlio-setup-99.0.0.AppImage");
    std::fs::write(
        &payload,
        b"not an executable: the package of version 99.0.0",
    )?;

    let release = Arc::new(Mutex::new(Release::default()));
    let port = serve(Arc::clone(&release)).await?;
    {
        let mut release = lock(&release);
        release.files.insert(
            "/latest.json".into(),
            manifest(port, &sign(&other_key, &payload)?),
        );
        release.files.insert(
            "/chatlio-setup-99.0.0.AppImage".into(),
            std::fs::read(&payload)?,
        );
    }
    let url = format!("http://127.0.0.1:{port}/latest.json");
    let app = App::launch(
        "updates",
        &[
            ("CHATLIO_AEP_UPDATE_URL", &url),
            ("CHATLIO_AEP_UPDATE_PUBKEY", &public_key),
        ],
    )
    .await?;
    let binary = std::fs::canonicalize(e2e::cargo_target_dir().join("debug/chatlio-setup"))?;
    let before = binary_digest(&binary)?;

    // Offered at start, with its notes; nothing downloaded yet.
    let offer = app.find("update-available").await?;
    assert_eq!(offer.attr("data-version").await?.as_deref(), Some("99.0.0"));
    let text = app.text("update-available").await?;
    assert!(text.contains("Version 99.0.0 is available"), "{text}");
    app.screenshot("updates-01-offered").await?;
    assert_eq!(downloads(&release), 0, "downloaded before the user agreed");

    // "Not now" hides it; asking again brings it back; still no download.
    app.click("update-dismiss").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app
        .client
        .find(fantoccini::Locator::Css("[data-testid=update-available]"))
        .await
        .is_ok()
    {
        assert!(std::time::Instant::now() < deadline, "the offer stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.click("update-check").await?;
    app.find("update-available").await?;
    assert_eq!(downloads(&release), 0);

    // Signed with another key: downloaded, refused, nothing installed.
    app.click("update-install").await?;
    app.wait_for_attribute(
        "update-error",
        "data-code",
        Duration::from_secs(30),
        |code| !code.is_empty(),
    )
    .await?;
    let code = app.find("update-error").await?.attr("data-code").await?;
    assert_eq!(code.as_deref(), Some("update_signature_invalid"));
    assert_eq!(downloads(&release), 1);
    assert!(binary_digest(&binary)? == before, "the binary was changed");
    app.screenshot("updates-02-signature-refused").await?;

    // Signed with the release key, but not an installable package: the
    // signature passes, the install is refused, nothing is changed.
    lock(&release).files.insert(
        "/latest.json".into(),
        manifest(port, &sign(&release_key, &payload)?),
    );
    app.click("update-check").await?;
    // A new check replaces the pending update with the newly signed one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.find("update-available").await?;
    app.click("update-install").await?;
    app.wait_for_attribute(
        "update-error",
        "data-code",
        Duration::from_secs(30),
        |code| code == "update_install_failed",
    )
    .await?;
    assert_eq!(downloads(&release), 2);
    assert!(binary_digest(&binary)? == before, "the binary was changed");
    app.screenshot("updates-03-install-refused").await?;
    app.close().await
}
