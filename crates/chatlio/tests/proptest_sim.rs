//! Property test: every generated body, of every kind, posted to a sim inlet
//! (shared URL and dedicated URLs), is stored as exactly the record the
//! mapping's reference evaluation predicts, with no failed record.

#![allow(clippy::unwrap_used)] // Tests may unwrap (project rule).

mod support;

use chatlio::{expected_record, generate, EventKind, Sender, WebhookMode, WebhookPlan};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::Duration;
use support::{without_generated, Platform};

#[test]
fn every_generated_payload_ingests_into_the_sim() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (platform, setup) = runtime.block_on(async {
        let platform = Platform::start().await;
        let setup = platform.set_up(WebhookMode::PerEventUrl).await;
        (platform, setup)
    });
    let plan = WebhookPlan::new(WebhookMode::PerEventUrl);
    let sender = Sender::new(Duration::from_secs(10)).unwrap();
    let tenant = platform.tenant_id.clone();

    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..EventKind::ALL.len(), any::<u64>(), any::<bool>());
    runner
        .run(&strategy, |(kind_index, seed, use_shared_url)| {
            let kind = EventKind::ALL[kind_index];
            let body = generate(kind, &mut StdRng::seed_from_u64(seed));
            let flow = if use_shared_url {
                &setup.flows["all"]
            } else {
                let key = &plan.flow_for(kind).expect("flow").key;
                &setup.flows[key]
            };
            let (before, outcome, records, failed) = runtime.block_on(async {
                let (before, _) = platform.records(&setup.dataset_id).await;
                let outcome = sender.send(&flow.webhook_url, &body).await;
                let (records, failed) = platform.records(&setup.dataset_id).await;
                (before.len(), outcome, records, failed)
            });
            prop_assert!(outcome.is_success(), "{:?}", outcome);
            prop_assert!(failed.is_empty(), "failed: {:?}", failed);
            prop_assert_eq!(records.len(), before + 1);
            let stored = without_generated(records.last().expect("record"));
            prop_assert_eq!(stored, expected_record(&tenant, &body, flow.url_hint));
            Ok(())
        })
        .unwrap();
    runtime.block_on(platform.sim.shutdown());
}
