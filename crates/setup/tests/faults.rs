//! Seeded random faults (429, 5xx, connections dropped before and after the
//! request took effect, tokens expiring mid-run) on every run: each completes
//! or stops with a resumable error, then resumes to completion with exactly
//! one of each resource. Its own test binary, so it never overlaps the latency
//! benchmark in `resilience.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{counts, one_of_each, one_per_event_set, per_event_request, request, Counts, Harness};
use serde_json::json;
use setup::SetupRequest;

/// Seeded random-fault runs, and how many lanes (each with its own sim and
/// journal directory) share them.
const FAULT_RUNS: u64 = 100;
const FAULT_LANES: u64 = 2;
/// The same faults on setups with one URL per Chatlio event (four dataflows
/// made side by side): fewer runs, each makes four times the flow resources.
const PER_EVENT_FAULT_RUNS: u64 = 30;

/// Which setups a lane makes: the request for a name, and what one makes.
#[derive(Clone, Copy)]
struct Mode {
    request: fn(&str) -> SetupRequest,
    one_set: fn() -> Counts,
    runs: u64,
    lanes: u64,
    tag: &'static str,
}

const SINGLE: Mode = Mode {
    request,
    one_set: one_of_each,
    runs: FAULT_RUNS,
    lanes: FAULT_LANES,
    tag: "faults",
};

const PER_EVENT: Mode = Mode {
    request: per_event_request,
    one_set: one_per_event_set,
    runs: PER_EVENT_FAULT_RUNS,
    lanes: 1,
    tag: "faults-per-event",
};

/// What the fault runs did, for the printed figure.
#[derive(Debug, Default)]
struct LaneReport {
    stopped: usize,
    outcome_unknown: usize,
}

/// One lane: its share of the seeded runs, one after another against its own
/// sim. Each run gets random 429/5xx/dropped connections (before and after the
/// request took effect) on a quarter of its Platform calls, and every fifth
/// run has every token expire in the middle.
async fn fault_lane(mode: Mode, lane: u64) -> LaneReport {
    let harness = Harness::start(&format!("{}-{lane}", mode.tag), Duration::ZERO).await;
    let per_lane = mode.runs / mode.lanes;
    let mut report = LaneReport::default();
    for index in 0..per_lane {
        let seed = lane * per_lane + index;
        let name = format!("faulty {seed}");
        harness
            .control(
                reqwest::Method::PUT,
                "/__sim/faults/random",
                Some(json!({"rate": 0.25, "seed": seed, "kinds": ["429", "500", "502", "503", "drop", "drop_after"], "retryAfterSecs": 0, "pathPrefix": "/data/"})),
            )
            .await;
        let engine = harness.engine();
        // Every fifth seed (written without `is_multiple_of`, newer than the
        // workspace's minimum Rust).
        let expiry = matches!(seed % 5, 0).then(|| {
            let http = harness.http.clone();
            let url = format!("{}/__sim/tokens/expire", harness.base);
            // Seeded delay: lands somewhere inside the run's first rounds.
            let delay = Duration::from_millis(2 + seed % 13);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                http.post(url).json(&json!({})).send().await.unwrap();
            })
        });
        let first = engine.apply(&(mode.request)(&name)).await;
        if let Some(expiry) = expiry {
            expiry.await.unwrap();
        }
        match &first {
            Ok(outcome) => assert!(outcome.complete, "run {seed}"),
            Err(error) => {
                assert!(
                    error.is_resumable(),
                    "run {seed}: not resumable: {error} ({:?})",
                    error.code()
                );
                let view = setup::ErrorView::from(error);
                assert!(view.step.is_some(), "run {seed}: no step named: {view:?}");
                assert!(!view.hint.is_empty(), "run {seed}");
                report.stopped += 1;
                if error
                    .platform_error()
                    .is_some_and(platform::PlatformError::is_outcome_unknown)
                {
                    report.outcome_unknown += 1;
                }
            }
        }
        harness
            .control(reqwest::Method::DELETE, "/__sim/faults", None)
            .await;
        // A fresh engine and client, as after a restart.
        let outcome = harness.engine().resume(&name).await.unwrap();
        assert!(outcome.complete, "run {seed}");
        assert_eq!(
            counts(&harness.state().await),
            (mode.one_set)(),
            "run {seed}: duplicates or orphans"
        );
        // Each run starts from an empty sandbox, so every count above is
        // this run's alone and the sim's lists stay short.
        harness
            .control(reqwest::Method::POST, "/__sim/reset", None)
            .await;
    }
    harness.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_each_run_completes_or_stops_resumably_without_duplicates() {
    fault_runs(SINGLE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_on_per_event_setups_resume_to_exactly_one_of_each() {
    fault_runs(PER_EVENT).await;
}

async fn fault_runs(mode: Mode) {
    let started = Instant::now();
    let lanes: Vec<_> = (0..mode.lanes)
        .map(|lane| tokio::spawn(fault_lane(mode, lane)))
        .collect();
    let mut total = LaneReport::default();
    for lane in lanes {
        let report = lane.await.unwrap();
        total.stopped += report.stopped;
        total.outcome_unknown += report.outcome_unknown;
    }
    println!(
        "{} {} seeded fault runs in {} lanes: {} ms wall; {} stopped with a resumable error ({} with an unknown outcome) and were resumed",
        mode.runs,
        mode.tag,
        mode.lanes,
        started.elapsed().as_millis(),
        total.stopped,
        total.outcome_unknown
    );
    // The faults must bite, or the runs prove nothing.
    assert!(total.stopped as u64 >= mode.runs / 10, "{total:?}");
    assert!(total.outcome_unknown >= 1, "{total:?}");
}
