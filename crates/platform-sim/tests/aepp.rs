//! A third-party client against the simulator: `aepp` from PyPI, unmodified, lists the
//! sandboxes, reads the tenant id, lists datasets and lists dataflows. It is installed into
//! a virtual environment under the target directory (kept between runs) and driven by
//! `tests/aepp/list.py`, which sets only configuration values (the base URL and the IMS
//! token endpoint).
//!
//! Needs `python3` with the `venv` module (Debian: `python3-venv`, installed by
//! `scripts/deps.sh`) and PyPI for the first run; without them the test fails and says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The `aepp` release this test is pinned to.
const AEPP_VERSION: &str = "0.6.0";

/// `target/` of this build: the test binary is `target/<profile>/deps/aepp-<hash>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf()
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: could not start it ({error})"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

fn installed_version(venv: &Path) -> Option<String> {
    let output = Command::new(venv_python(venv))
        .args(["-c", "import aepp; print(aepp.__version__)"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The venv with the pinned `aepp`, made once and reused while its version matches.
fn aepp_venv() -> PathBuf {
    let venv = target_dir().join(format!("aepp-venv-{AEPP_VERSION}"));
    if installed_version(&venv).as_deref() == Some(AEPP_VERSION) {
        return venv;
    }
    let probe = Command::new(python())
        .args(["-m", "venv", "--help"])
        .output();
    let has_venv = probe.as_ref().is_ok_and(|output| output.status.success());
    assert!(
        has_venv,
        "this test needs `{}` with the venv module (Debian/Ubuntu: apt-get install python3-venv; \
         `scripts/deps.sh` installs it): {probe:?}",
        python()
    );
    // Built beside the final place and renamed, so an interrupted install is never reused.
    let building = target_dir().join(format!(
        "aepp-venv-{AEPP_VERSION}.building-{}",
        std::process::id()
    ));
    if building.exists() {
        std::fs::remove_dir_all(&building).unwrap();
    }
    run(
        Command::new(python()).arg("-m").arg("venv").arg(&building),
        "python3 -m venv",
    );
    run(
        Command::new(venv_python(&building)).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("aepp=={AEPP_VERSION}"),
        ]),
        &format!("pip install aepp=={AEPP_VERSION} (needs PyPI)"),
    );
    if venv.exists() {
        std::fs::remove_dir_all(&venv).unwrap();
    }
    std::fs::rename(&building, &venv).unwrap();
    venv
}

#[tokio::test(flavor = "multi_thread")]
async fn aepp_lists_sandboxes_tenant_datasets_flows_batches_records_and_row_errors() {
    let venv = tokio::task::spawn_blocking(aepp_venv).await.unwrap();
    let h = common::start_default().await;
    let (schema_id, dataset_id) = h.chatlio_schema_and_dataset("Chatlio aepp Events").await;
    let (flow_id, inlet) = h.chatlio_flow(&schema_id, &dataset_id).await;
    // One event stored and one failed (error diagnostics on), in a closed run.
    h.enable_diagnostics(&flow_id).await;
    h.control(
        reqwest::Method::POST,
        "/__sim/time/advance",
        Some(serde_json::json!({ "secs": 600 })),
    )
    .await;
    h.post_event(&inlet, &flow_id, &common::chatlio_event())
        .await;
    h.post_event(
        &inlet,
        &flow_id,
        &serde_json::json!({ "message": "no visitor", "channelId": "C04J7M7LCMQ" }),
    )
    .await;
    h.control(reqwest::Method::POST, "/__sim/runs/close", None)
        .await;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aepp/list.py");
    let config = h.sim.config().clone();
    let base = h.base.clone();
    let dataset = dataset_id.clone();
    let output = tokio::task::spawn_blocking(move || {
        run(
            Command::new(venv_python(&venv))
                .arg(script)
                .env("SIM_BASE_URL", &base)
                .env("SIM_ORG_ID", &config.org_id)
                .env("SIM_CLIENT_ID", &config.client_id)
                .env("SIM_CLIENT_SECRET", &config.client_secret)
                .env("SIM_SCOPES", common::SCOPES)
                .env("SIM_DATASET_ID", &dataset),
            "aepp script",
        )
    })
    .await
    .unwrap();
    let line = output
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON line from the aepp script:\n{output}"));
    let found: Value = serde_json::from_str(line).unwrap();

    assert_eq!(found["aeppVersion"], AEPP_VERSION);
    let sandboxes: Vec<&str> = found["sandboxes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        sandboxes.contains(&"prod") && sandboxes.contains(&"dev"),
        "{found}"
    );
    assert_eq!(found["tenantId"], h.tenant());
    assert_eq!(
        found["datasets"][&dataset_id], "Chatlio aepp Events dataset",
        "{found}"
    );
    let flows = found["flows"].as_array().unwrap();
    assert!(
        flows.iter().any(|flow| flow["id"] == flow_id.as_str()),
        "{found}"
    );
    // aepp reads the batch, the stored record and the failed row's file as
    // Adobe's Catalog and Data Access serve them.
    let batches = found["batches"].as_object().unwrap();
    assert_eq!(batches.len(), 1, "{found}");
    let (batch, summary) = batches.iter().next().unwrap();
    assert_eq!(summary["status"], "success", "{found}");
    assert_eq!(summary["failedRecordCount"], 1, "{found}");
    assert_eq!(found["preview"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        found["rowErrors"][batch],
        serde_json::json!(["conversion_errors_0.json"]),
        "{found}"
    );
    h.sim.shutdown().await;
}
