//! What the desktop app's background check costs Adobe: the requests, the
//! sequential rounds and the wall time of `setup::alerts::check` on 50
//! dataflows, each made by a setup of its own (so each has a journal and
//! the drift check has something to read), at 150 ms latency.
//!
//! The app (`app::alerts::Watcher`) checks every 5 minutes against Adobe and
//! asks for drift on every sixth round only, starting with the first: a
//! cycle here is those six rounds, so its average is what the app asks of
//! Adobe per half hour.

use std::time::{Duration, Instant};

use e2e::TestResult;
use serde_json::{json, Value};
use setup::alerts::{AlertKind, AlertSettings};
use setup::journal::StepState;
use setup::{Journal, JournalStore, StepId};

use crate::flow::{Bench, LATENCY};

/// Dataflows (and setups) the check reads.
pub const ALERT_FLOWS: usize = 50;
/// Drift on every this many rounds, the first included: the app's and the
/// CLI's cadence (`setup::alerts::DRIFT_EVERY`).
pub const DRIFT_EVERY: usize = setup::alerts::DRIFT_EVERY as usize;
/// Hourly runs each dataflow holds: a full week, as in the status figures.
pub const RUN_HOURS: u64 = 7 * 24;

/// One background check.
pub struct CheckRound {
    pub with_drift: bool,
    pub wall_ms: f64,
    /// Platform requests (`/data/...`): what the check asks of Adobe.
    pub requests: usize,
    pub rounds: usize,
    /// IMS token requests in the same round (the token is cached, so
    /// normally none).
    pub token_requests: usize,
}

/// The rounds measured and what the setups behind them hold.
pub struct CheckCycles {
    pub rounds: Vec<CheckRound>,
    /// Per setup: the resources its journal records as done with an id.
    pub resources_per_setup: Vec<usize>,
    /// Per setup: the recorded resources drift reads back (every step with
    /// a drift check of its own read: all but the tenant id, the profile
    /// schema flag, and the dataflow and its read-back, compared as the
    /// status round listed the dataflow).
    pub checked_per_setup: Vec<usize>,
    /// The time the 50 setups took to make (no latency; not a figure).
    pub making_ms: f64,
}

/// Steps whose record drift reads back with one request each
/// (`Step::check_drift` in `crates/setup/src/steps/`): the tenant id and the
/// profile schema have no read of their own, and the dataflow and the
/// read-back of its inlet are compared as the check's status round listed
/// the dataflow (`Step::drift_from_listed`, `setup::drift::ListedFlows`).
fn has_drift_read(step: StepId) -> bool {
    !matches!(
        step,
        StepId::TenantId | StepId::ProfileSchema | StepId::Dataflow | StepId::ReadBack
    )
}

fn done_with_id(journal: &Journal) -> impl Iterator<Item = StepId> + '_ {
    journal
        .steps
        .iter()
        .filter(|record| record.state == StepState::Done && record.resource_id.is_some())
        .map(|record| record.step)
}

/// [`ALERT_FLOWS`] single-URL setups made through `setup::Engine::apply`
/// (no latency: their making is not measured), a week of hourly runs seeded
/// on each dataflow, then `cycles` × [`DRIFT_EVERY`] checks at [`LATENCY`],
/// drift on the first of each six as the app does.
pub async fn check_cycles(cycles: usize) -> TestResult<CheckCycles> {
    let bench = Bench::start("alerts", Duration::ZERO).await?;
    let result = measure(&bench, cycles).await;
    bench.shutdown().await?;
    result
}

/// Makes [`ALERT_FLOWS`] single-URL setups through `setup::Engine::apply`
/// on `bench` (its journals in `bench.journals`) and seeds a week of hourly
/// runs on each dataflow: 50 setups as a user has them, for the background
/// check here and for the app's dashboard (`crate::dashboard`). Returns the
/// time the making took.
pub(crate) async fn make_setups(bench: &Bench) -> TestResult<Duration> {
    let started = Instant::now();
    for index in 0..ALERT_FLOWS {
        bench
            .setup(
                &format!("Alerts bench {index}"),
                chatlio::WebhookMode::SingleUrl,
            )
            .await?;
    }
    let making = started.elapsed();
    let flows = bench.client.flow_service().list_chatlio_flows().await?;
    if flows.len() != ALERT_FLOWS {
        return Err(format!(
            "the {ALERT_FLOWS} setups made {} dataflows, not {ALERT_FLOWS}",
            flows.len()
        )
        .into());
    }
    for flow in &flows {
        bench
            .control(
                reqwest::Method::POST,
                "/__sim/runs/seed",
                Some(json!({
                    "flowId": flow.id.as_str(),
                    "hours": RUN_HOURS,
                    "received": 12,
                    "failed": 1
                })),
            )
            .await?;
    }
    Ok(making)
}

async fn measure(bench: &Bench, cycles: usize) -> TestResult<CheckCycles> {
    let making_ms = make_setups(bench).await?.as_secs_f64() * 1000.0;
    // Read from the store as the app reads them (`app::alerts::journals`).
    let journals: Vec<Journal> = JournalStore::new(&bench.journals)
        .list()?
        .into_iter()
        .collect::<Result<_, _>>()?;
    if journals.len() != ALERT_FLOWS {
        return Err(format!("{} journals, not {ALERT_FLOWS}", journals.len()).into());
    }
    let resources_per_setup = journals
        .iter()
        .map(|journal| done_with_id(journal).count())
        .collect();
    let checked_per_setup = journals
        .iter()
        .map(|journal| {
            done_with_id(journal)
                .filter(|step| has_drift_read(*step))
                .count()
        })
        .collect();
    bench
        .control(
            reqwest::Method::PUT,
            "/__sim/faults/latency",
            Some(json!({ "ms": u64::try_from(LATENCY.as_millis())? })),
        )
        .await?;
    // Conditions do not change what is read; round-the-clock rules keep
    // the evaluation the same at any hour the bench runs.
    let settings = AlertSettings::round_the_clock(24);
    let mut rounds = Vec::with_capacity(cycles * DRIFT_EVERY);
    for index in 0..cycles * DRIFT_EVERY {
        let with_drift = setup::alerts::drift_round(index as u64);
        bench
            .control(reqwest::Method::DELETE, "/__sim/requests", None)
            .await?;
        let started = Instant::now();
        let report = setup::alerts::check(
            &bench.client,
            &setup::Timing::ADOBE,
            &settings,
            with_drift.then_some(journals.as_slice()),
            None,
            chrono::Utc::now(),
        )
        .await;
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        verify(&report, with_drift)?;
        let log = bench
            .control(reqwest::Method::GET, "/__sim/requests", None)
            .await?;
        let log: Vec<Value> = log["requests"].as_array().cloned().unwrap_or_default();
        let path = |entry: &Value| entry["path"].as_str().unwrap_or_default().to_owned();
        let (reads, others): (Vec<Value>, Vec<Value>) = log
            .into_iter()
            .filter(|entry| !path(entry).starts_with("/__sim/"))
            .partition(|entry| path(entry).starts_with("/data/"));
        rounds.push(CheckRound {
            with_drift,
            wall_ms,
            requests: reads.len(),
            rounds: platform_sim::rounds(&reads),
            token_requests: others.len(),
        });
    }
    Ok(CheckCycles {
        rounds,
        resources_per_setup,
        checked_per_setup,
        making_ms,
    })
}

/// The figure is only worth something when the check read everything: every
/// dataflow's whole week, and (with drift) every setup, finding no drift.
fn verify(report: &setup::alerts::CheckReport, with_drift: bool) -> TestResult {
    if let Some(reason) = &report.unreachable {
        return Err(format!("the check could not read the sandbox: {reason}").into());
    }
    if report.statuses.len() != ALERT_FLOWS {
        return Err(format!(
            "the check read {} dataflows, not {ALERT_FLOWS}",
            report.statuses.len()
        )
        .into());
    }
    let expected = RUN_HOURS * 12;
    if let Some(short) = report
        .statuses
        .iter()
        .find(|status| status.last7d.received < expected - 12)
    {
        return Err(format!(
            "dataflow {} shows {} records for the week, not about {expected}",
            short.flow_id, short.last7d.received
        )
        .into());
    }
    let drift_checked = report.coverage.drift_checked.len();
    let wanted = if with_drift { ALERT_FLOWS } else { 0 };
    if drift_checked != wanted {
        return Err(format!("drift checked for {drift_checked} setups, not {wanted}").into());
    }
    if let Some(drift) = report
        .conditions
        .iter()
        .find(|condition| condition.kind == AlertKind::Drift)
    {
        return Err(format!("untouched setups reported drift: {drift:?}").into());
    }
    Ok(())
}
