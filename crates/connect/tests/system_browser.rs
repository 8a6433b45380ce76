//! The production opener (`system_browser`, the `open` crate) with an `xdg-open` shim
//! first on `PATH`: the shim records the URL it is asked to open, and the fake browser
//! follows that URL through the simulator's sign-in page. Its own test binary, because
//! it changes this process's `PATH`.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use connect::{system_browser, CancelHandle, RedirectStyle, SessionVault, SignInRequest, Storage};
use platform::Url;

#[tokio::test]
async fn sign_in_through_the_system_opener_and_an_xdg_open_shim() {
    let shim_dir = data_dir("xdg-shim");
    let opened_file = shim_dir.join("opened-urls");
    let script = shim_dir.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::set_var("PATH", format!("{}:{path}", shim_dir.display()));

    let sim = start_sim().await;
    let directory = data_dir("xdg-flow");
    let connector = Arc::new(connector(&directory, Arc::new(SessionVault::new())));
    let request = SignInRequest {
        endpoints: practice(&sim),
        client_id: sim.config().client_id.clone(),
        scopes: Some(connect::SIGN_IN_SCOPES_WITH_REFRESH.into()),
        redirect: RedirectStyle::Loopback { port: 0 },
        label: "Via xdg-open".into(),
        storage: Storage::Keychain,
        timeout: Duration::from_secs(30),
    };
    let flow = tokio::spawn({
        let connector = connector.clone();
        async move {
            connector
                .sign_in(request, system_browser(), CancelHandle::new())
                .await
        }
    });
    let mut opened = String::new();
    for _ in 0..200 {
        opened = std::fs::read_to_string(&opened_file).unwrap_or_default();
        if !opened.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let authorize = Url::parse(opened.trim()).expect("the shim was not run with a URL");
    assert_eq!(authorize.path(), "/ims/authorize/v2");
    assert!(authorize
        .query_pairs()
        .any(|(key, value)| key == "code_challenge_method" && value == "S256"));
    drive_sign_in(authorize, Browser::Allow).await;
    let signed_in = flow.await.unwrap().unwrap();
    assert_eq!(signed_in.connection.label, "Via xdg-open");
    assert_eq!(opened.lines().count(), 1);
    sim.shutdown().await;
}
