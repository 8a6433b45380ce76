//! The built binary against platform-sim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use platform_sim::SimConfig;

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

#[tokio::test]
async fn setup_interrupt_resume_status_and_rollback_through_the_binary() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-cli-{}", std::process::id()));
    let run = |args: &[&str], fail_point: Option<&str>| {
        let mut command = command(&base, &config, &data);
        if let Some(fail_point) = fail_point {
            command.env("CHATLIO_AEP_FAIL_POINT", fail_point);
        }
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };

    let plan = run(&["plan", "--name", "Cli flow", "--curl"], None).await;
    let script = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success());
    assert!(script.contains("$ACCESS_TOKEN") && !script.contains(&config.client_secret));

    let interrupted = run(
        &["setup", "--name", "Cli flow", "--webhook-mode", "single"],
        Some("after_create:dataflow"),
    )
    .await;
    assert_eq!(
        interrupted.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&interrupted.stderr)
    );
    let resumed = run(&["resume", "--name", "Cli flow", "--json"], None).await;
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(outcome["complete"], true);

    let status = run(&["status", "--json"], None).await;
    assert!(status.status.success());
    let sandbox: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(sandbox["setups"].as_array().unwrap().len(), 1, "{sandbox}");
    assert_eq!(
        sandbox["dataflows"].as_array().unwrap().len(),
        0,
        "{sandbox}"
    );
    assert_eq!(
        sandbox["warnings"].as_array().unwrap().len(),
        0,
        "{sandbox}"
    );
    let setup = &sandbox["setups"][0];
    assert_eq!(setup["setupName"], "Cli flow");
    let flows = setup["dataflows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    for key in [
        "flowId",
        "name",
        "state",
        "health",
        "lastIngestedAt",
        "acceptsDataFrom",
        "errors",
    ] {
        assert!(flows[0].get(key).is_some(), "{key}");
    }
    for period in ["last24h", "last7d"] {
        for key in ["received", "ingested", "failed"] {
            assert_eq!(flows[0][period][key], 0, "{period}.{key}");
        }
    }
    // Never received anything: no data, not stale.
    assert_eq!(flows[0]["health"], "no_data");
    assert_eq!(setup["health"], "no_data");
    assert_eq!(flows[0]["flowId"], outcome["flowId"]);

    let rollback = run(&["rollback", "--name", "Cli flow"], None).await;
    assert!(
        rollback.status.success(),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    let status = run(&["status", "--json"], None).await;
    let sandbox: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(sandbox["setups"].as_array().unwrap().len(), 0, "{sandbox}");
    assert_eq!(
        sandbox["dataflows"].as_array().unwrap().len(),
        0,
        "{sandbox}"
    );

    let no_secret = command(&base, &config, &data)
        .env_remove("CHATLIO_AEP_CLIENT_SECRET")
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(no_secret.status.code(), Some(2));
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}

async fn control(base: &str, path: &str, body: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}");
}

/// `test-event` under Adobe's timing (the sim's defaults): refused with
/// `--no-wait` while the dataflow warms up, accepted once it has, "not
/// counted yet" until the hour's run closes, then counted; `status --json`
/// agrees.
#[tokio::test]
async fn test_event_follows_the_warm_up_and_the_hourly_run() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-cli-events-{}", std::process::id()));
    let run = |args: &[&str]| {
        let mut command = command(&base, &config, &data);
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };
    let setup = run(&["setup", "--name", "Events", "--json"]).await;
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&setup.stdout).unwrap();
    let flow_id = outcome["flowId"].as_str().unwrap().to_owned();

    let early = run(&["test-event", "--flow-id", &flow_id, "--no-wait"]).await;
    assert_eq!(early.status.code(), Some(4));
    let said = String::from_utf8_lossy(&early.stderr);
    assert!(said.contains("accepts data from"), "{said}");

    // Five minutes pass: the event is accepted, and waits for its run.
    control(
        &base,
        "/__sim/time/advance",
        serde_json::json!({"secs": 300}),
    )
    .await;
    let sent = run(&["test-event", "--flow-id", &flow_id, "--no-wait", "--json"]).await;
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let receipt: serde_json::Value = serde_json::from_slice(&sent.stdout).unwrap();
    assert!(receipt["expectedBy"].is_string(), "{receipt}");

    let waited = run(&[
        "test-event",
        "--flow-id",
        &flow_id,
        "--timeout-secs",
        "2",
        "--poll-secs",
        "1",
    ])
    .await;
    assert_eq!(
        waited.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let said = String::from_utf8_lossy(&waited.stderr);
    assert!(said.contains("Waiting for the hourly run"), "{said}");
    assert!(said.contains("waiting for the run: expected in"), "{said}");

    // The hour ends while a third one waits: it is counted.
    let closer = {
        let base = base.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            control(&base, "/__sim/runs/close", serde_json::json!({})).await;
        })
    };
    let counted = run(&[
        "test-event",
        "--flow-id",
        &flow_id,
        "--event",
        "chat_transcript",
        "--poll-secs",
        "1",
        "--timeout-secs",
        "30",
    ])
    .await;
    closer.await.unwrap();
    assert!(
        counted.status.success(),
        "{}{}",
        String::from_utf8_lossy(&counted.stdout),
        String::from_utf8_lossy(&counted.stderr)
    );
    assert!(String::from_utf8_lossy(&counted.stdout).contains("counted and ingested"));

    let status = run(&["status", "--json"]).await;
    let sandbox: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let setup = &sandbox["setups"][0];
    let flows = setup["dataflows"].as_array().unwrap();
    let tested = flows
        .iter()
        .find(|flow| flow["flowId"] == flow_id.as_str())
        .unwrap();
    assert_eq!(tested["last24h"]["received"], 3, "{sandbox}");
    assert_eq!(tested["last24h"]["ingested"], 3, "{sandbox}");
    assert_eq!(tested["health"], "healthy");
    // The setup's totals are its dataflows' summed: only this one received.
    assert_eq!(setup["last24h"], tested["last24h"], "{sandbox}");
    // One URL per event (the default): the other dataflows never received
    // anything, and the setup shows the most urgent health.
    assert_eq!(flows.len(), 4);
    assert_eq!(setup["health"], "no_data");
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}

/// `--webhook-mode per-event`: the plan's script makes four dataflows, and
/// `setup --json` and `status --name --json` give each of the five Chatlio
/// fields its URL; a single-URL setup gives the same URL five times.
#[tokio::test]
async fn webhook_urls_per_chatlio_field_in_both_modes() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-modes-{}", std::process::id()));
    let run = |args: &[&str]| {
        let mut command = command(&base, &config, &data);
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            let output = tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        }
    };
    let codes = [
        "new_conversation",
        "unanswered_visitor",
        "visitor_feedback",
        "offline_message",
        "chat_transcript",
    ];

    let script = run(&[
        "plan",
        "--name",
        "Per event",
        "--webhook-mode",
        "per-event",
        "--curl",
    ])
    .await;
    let script = String::from_utf8_lossy(&script);
    assert_eq!(
        script
            .matches("call POST \"/data/foundation/flowservice/flows\"")
            .count(),
        4
    );
    for code in codes {
        assert!(
            script.contains(&format!("Chatlio's {code} field")),
            "{code}"
        );
    }

    let per_event: serde_json::Value = serde_json::from_slice(
        &run(&[
            "setup",
            "--name",
            "Per event",
            "--webhook-mode",
            "per-event",
            "--json",
        ])
        .await,
    )
    .unwrap();
    assert_eq!(per_event["complete"], true);
    assert!(per_event["webhookUrl"].is_null());
    let urls = per_event["webhookUrls"].as_object().unwrap();
    let keys: Vec<&str> = urls.keys().map(String::as_str).collect();
    assert_eq!(
        keys, codes,
        "the five fields, in the order the UI lists them"
    );
    let distinct: std::collections::BTreeSet<&str> =
        urls.values().map(|url| url.as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 4);
    assert_eq!(
        urls["offline_message"], urls["chat_transcript"],
        "transcripts and offline messages share a flow"
    );
    let status: serde_json::Value =
        serde_json::from_slice(&run(&["status", "--name", "Per event", "--json"]).await).unwrap();
    assert_eq!(status["webhookUrls"], per_event["webhookUrls"]);

    let single: serde_json::Value = serde_json::from_slice(
        &run(&[
            "setup",
            "--name",
            "Single",
            "--webhook-mode",
            "single",
            "--json",
        ])
        .await,
    )
    .unwrap();
    let url = single["webhookUrl"].as_str().unwrap();
    let urls = single["webhookUrls"].as_object().unwrap();
    assert_eq!(urls.len(), 5);
    assert!(urls.values().all(|value| value == url));
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}

/// `status` without `--name`: a setup is one entry with its dataflows inside
/// (four for a per-event setup, one for a single-URL setup), each naming the
/// Chatlio fields it serves; a dataflow no journal here made is listed apart;
/// a damaged journal is a warning; one disabled dataflow makes its setup
/// `disabled`.
#[tokio::test]
async fn status_groups_dataflows_by_setup() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-groups-{}", std::process::id()));
    let run = |args: &[&str]| {
        let mut command = command(&base, &config, &data);
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            let output = tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            output
        }
    };
    let status_json = || async {
        let output = run(&["status", "--json"]).await;
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let codes = [
        "new_conversation",
        "unanswered_visitor",
        "visitor_feedback",
        "offline_message",
        "chat_transcript",
    ];
    let setup_json = |name: &'static str, mode: &'static str| {
        let run = &run;
        async move {
            let output = run(&["setup", "--name", name, "--webhook-mode", mode, "--json"]).await;
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
        }
    };
    let per_event = setup_json("Per event", "per-event").await;
    let single = setup_json("Single", "single").await;
    let theirs = setup_json("Theirs", "single").await;
    // "Theirs" becomes made elsewhere: its journal is gone.
    let journals = storage::DataLayout::new(&data).journals(storage::Mode::Real);
    std::fs::remove_file(journals.join("Theirs.json")).unwrap();

    let sandbox = status_json().await;
    assert_eq!(sandbox["warnings"], serde_json::json!([]), "{sandbox}");
    let setups = sandbox["setups"].as_array().unwrap();
    let names: std::collections::BTreeSet<&str> = setups
        .iter()
        .map(|setup| setup["setupName"].as_str().unwrap())
        .collect();
    // "Theirs" is known by its dataflow's marker: listed as a setup made elsewhere.
    assert_eq!(names, ["Per event", "Single", "Theirs"].into(), "{sandbox}");
    let setup_named = |sandbox: &serde_json::Value, name: &str| {
        sandbox["setups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|setup| setup["setupName"] == name)
            .unwrap()
            .clone()
    };

    let grouped = setup_named(&sandbox, "Per event");
    let flows = grouped["dataflows"].as_array().unwrap();
    assert_eq!(flows.len(), 4, "{grouped}");
    let flow_ids: std::collections::BTreeSet<&str> = per_event["flowIds"]
        .as_object()
        .unwrap()
        .values()
        .map(|id| id.as_str().unwrap())
        .collect();
    let listed: std::collections::BTreeSet<&str> = flows
        .iter()
        .map(|flow| flow["flowId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, flow_ids);
    // Each field is served by exactly one dataflow, the one whose URL it gets.
    let urls = grouped["webhookUrls"].as_object().unwrap();
    assert_eq!(
        urls.keys().map(String::as_str).collect::<Vec<_>>(),
        codes,
        "{grouped}"
    );
    assert_eq!(grouped["webhookUrls"], per_event["webhookUrls"]);
    let mut served: Vec<&str> = Vec::new();
    for flow in flows {
        for field in flow["fields"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            served.push(field);
            let url = urls[field].as_str().unwrap();
            assert!(
                url.contains(flow["flowId"].as_str().unwrap()),
                "{field}: {url} is not {}'s",
                flow["flowId"]
            );
        }
        // Every per-dataflow field of before is still there.
        for key in [
            "flowId",
            "name",
            "state",
            "webhookUrl",
            "createdAt",
            "acceptsDataFrom",
            "last24h",
            "last7d",
            "lastIngestedAt",
            "health",
            "runs",
            "errors",
        ] {
            assert!(flow.get(key).is_some(), "{key}: {flow}");
        }
    }
    served.sort_unstable();
    let mut all = codes.to_vec();
    all.sort_unstable();
    assert_eq!(served, all, "each field once");
    let shared = flows
        .iter()
        .find(|flow| flow["flowId"] == per_event["flowIds"]["all"])
        .unwrap();
    assert_eq!(
        shared["fields"],
        serde_json::json!(["offline_message", "chat_transcript"])
    );
    assert_eq!(
        flows[0]["flowId"], shared["flowId"],
        "the order the setup made them: the shared dataflow first"
    );
    assert_eq!(grouped["health"], "no_data");
    for period in ["last24h", "last7d"] {
        assert_eq!(
            grouped[period],
            serde_json::json!({"received": 0, "ingested": 0, "failed": 0})
        );
    }

    let alone = setup_named(&sandbox, "Single");
    let flows = alone["dataflows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["flowId"], single["flowId"]);
    assert_eq!(flows[0]["fields"], serde_json::json!(codes));
    assert_eq!(alone["webhookUrls"], single["webhookUrls"]);
    assert_eq!(alone["webhookUrls"].as_object().unwrap().len(), 5);

    let elsewhere = setup_named(&sandbox, "Theirs");
    assert_eq!(elsewhere["madeHere"], false, "{elsewhere}");
    assert_eq!(elsewhere["dataflows"][0]["flowId"], theirs["flowId"]);
    assert_eq!(
        elsewhere["dataflows"][0]["fields"],
        serde_json::json!(codes)
    );
    assert_eq!(
        elsewhere["webhookUrls"],
        serde_json::json!({}),
        "no journal here holds them"
    );
    assert_eq!(setup_named(&sandbox, "Single")["madeHere"], true);
    assert_eq!(sandbox["dataflows"], serde_json::json!([]), "{sandbox}");

    // The human form: the setup line, its dataflows beneath with their fields.
    let human = run(&["status"]).await;
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("setup \"Per event\" (4 dataflows)"), "{text}");
    assert!(text.contains("setup \"Single\" (1 dataflow)"), "{text}");
    assert!(
        text.contains("serves Chatlio's fields: offline_message, chat_transcript"),
        "{text}"
    );
    assert!(text.contains("made elsewhere"), "{text}");
    let line_of = |needle: &str| text.lines().position(|line| line.contains(needle)).unwrap();
    let theirs_id = theirs["flowId"].as_str().unwrap();
    assert!(line_of("made elsewhere") < line_of(theirs_id), "{text}");

    // A damaged journal: said, in JSON and on stderr, and the rest still grouped.
    std::fs::write(journals.join("Damaged.json"), b"{not json").unwrap();
    let warned = status_json().await;
    let warnings = warned["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warned}");
    assert_eq!(warnings[0]["code"], "journal_unreadable");
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .contains("Damaged.json"));
    assert_eq!(warned["setups"].as_array().unwrap().len(), 3);
    let human = run(&["status"]).await;
    let said = String::from_utf8_lossy(&human.stderr);
    assert!(
        said.contains("warning") && said.contains("Damaged.json"),
        "{said}"
    );
    std::fs::remove_file(journals.join("Damaged.json")).unwrap();

    // One of the four dataflows disabled: the setup is disabled.
    let client = platform::Client::new(platform::ClientConfig::new(
        platform::Url::parse(&base).unwrap(),
        platform::Url::parse(&base).unwrap(),
        config.org_id.as_str(),
        "prod",
        platform::Credential::server_to_server(
            config.client_id.as_str(),
            platform::Secret::from(config.client_secret.clone()),
        ),
    ))
    .unwrap();
    let visitor_flow =
        platform::models::FlowId::new(per_event["flowIds"]["visitor_feedback"].as_str().unwrap());
    let service = client.flow_service();
    let etag = service.get_flow(&visitor_flow).await.unwrap().etag;
    service
        .disable_flow(&visitor_flow, etag.as_ref())
        .await
        .unwrap();
    let disabled = status_json().await;
    assert_eq!(setup_named(&disabled, "Per event")["health"], "disabled");
    assert_eq!(setup_named(&disabled, "Single")["health"], "no_data");
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}

/// `records`, `preview` and `replay` under Adobe's timing: nothing stored
/// while the hour is open; then the stored records (masked unless
/// `--reveal`), the failed ones with their cause, a dry run that refuses a
/// body without an identifier (exit 1), and a replay of the failed records
/// corrected in a file, which is counted, and not sent twice.
#[tokio::test]
async fn records_preview_and_replay_through_the_binary() {
    let sim = platform_sim::start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let config = sim.config().clone();
    let data = std::env::temp_dir().join(format!("chatlio-aep-cli-records-{}", std::process::id()));
    let run = |args: &[&str]| {
        let mut command = command(&base, &config, &data);
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || command.args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };
    let setup = run(&[
        "setup",
        "--name",
        "Records",
        "--webhook-mode",
        "single",
        "--json",
    ])
    .await;
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&setup.stdout).unwrap();
    let flow_id = outcome["flowId"].as_str().unwrap().to_owned();
    control(
        &base,
        "/__sim/time/advance",
        serde_json::json!({"secs": 300}),
    )
    .await;

    // A body without anything that identifies a visitor: the dry run says so.
    let broken = data.join("broken.json");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(&broken, chatlio::unidentifiable_payload().to_string()).unwrap();
    let dry = run(&[
        "preview",
        "--flow-id",
        &flow_id,
        "--payload",
        broken.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert_eq!(
        dry.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let preview: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(preview["valid"], false);
    assert!(
        preview["missingRequired"].to_string().contains("subjectId"),
        "{preview}"
    );
    let good = run(&[
        "preview",
        "--flow-id",
        &flow_id,
        "--sample",
        "offline_message",
    ])
    .await;
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );

    // Two good events and the broken one, sent as "payloads".
    let offline = data.join("offline.json");
    std::fs::write(
        &offline,
        chatlio::documented_example(chatlio::EventKind::OfflineMessage).to_string(),
    )
    .unwrap();
    let sent = run(&[
        "replay",
        "--flow-id",
        &flow_id,
        "--payload",
        offline.to_str().unwrap(),
        "--payload",
        offline.to_str().unwrap(),
        "--payload",
        broken.to_str().unwrap(),
        "--json",
    ])
    .await;
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&sent.stdout).unwrap();
    assert_eq!(
        (report["sent"].as_u64(), report["accepted"].as_u64()),
        (Some(3), Some(3))
    );

    let open = run(&["records", "--flow-id", &flow_id, "--json"]).await;
    let open: serde_json::Value = serde_json::from_slice(&open.stdout).unwrap();
    assert_eq!(
        open["records"].as_array().unwrap().len(),
        0,
        "the hour is still open: {open}"
    );
    control(&base, "/__sim/runs/close", serde_json::json!({})).await;

    let stored = run(&["records", "--flow-id", &flow_id]).await;
    let text = String::from_utf8_lossy(&stored.stdout);
    assert!(
        text.contains("offline_message") && text.contains('•'),
        "{text}"
    );
    assert!(
        !text.contains("@example.com"),
        "masked without --reveal: {text}"
    );
    let failed = run(&["records", "--flow-id", &flow_id, "--failed", "--json"]).await;
    let failed: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(failed["counted"], 1, "{failed}");
    let record = &failed["records"][0];
    assert_eq!(record["errors"][0]["explanation"], "missing_identifier");
    assert_eq!(record["errors"][0]["field"], "subjectId");
    let id = record["id"].as_str().unwrap().to_owned();

    // The user corrects the body and re-sends it as a file; the failed
    // record itself, re-sent unchanged, would fail again: it is sent once,
    // then skipped.
    let mut fixed = chatlio::unidentifiable_payload();
    fixed["visitor"] = serde_json::json!({"email": "fixed@example.com"});
    let corrected = data.join("fixed.json");
    std::fs::write(&corrected, fixed.to_string()).unwrap();
    let replayed = run(&[
        "replay",
        "--flow-id",
        &flow_id,
        "--payload",
        corrected.to_str().unwrap(),
    ])
    .await;
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    let first = run(&["replay", "--flow-id", &flow_id, "--failed", "--json"]).await;
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(first["sent"], 1, "{first}");
    let second = run(&["replay", "--flow-id", &flow_id, "--id", &id, "--json"]).await;
    let second: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(second["sent"], 0, "{second}");
    assert_eq!(second["skippedAlreadyReplayed"][0], id.as_str());
    control(&base, "/__sim/runs/close", serde_json::json!({})).await;

    let status = run(&["status", "--json"]).await;
    let sandbox: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let totals = &sandbox["setups"][0]["last24h"];
    assert_eq!(
        (totals["ingested"].as_u64(), totals["failed"].as_u64()),
        (Some(3), Some(2)),
        "{sandbox}"
    );
    let stored = run(&["records", "--flow-id", &flow_id, "--json", "--reveal"]).await;
    let stored: serde_json::Value = serde_json::from_slice(&stored.stdout).unwrap();
    assert_eq!(stored["records"].as_array().unwrap().len(), 3, "{stored}");
    assert!(stored.to_string().contains("fixed@example.com"));
    std::fs::remove_dir_all(&data).ok();
    sim.shutdown().await;
}
