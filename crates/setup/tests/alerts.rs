//! Alert rules in time, against platform-sim with Adobe's hourly windows and
//! its clock moved forward: each condition is raised once when it starts and
//! cleared once when it ends; the no-data clock stops outside business hours
//! (over a weekend, and across the change to summer time); a brand-new
//! dataflow raises nothing before its first data could have come.

#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]

mod common;

use chatlio::EventKind;
use chrono::{DateTime, Utc};
use common::{request, Harness};
use platform::models::FlowId;
use platform_sim::SimConfig;
use serde_json::json;
use setup::alerts::{
    AlertKind, AlertRules, AlertSettings, AlertState, Notice, Severity, Transition,
};
use setup::{JournalStore, Timing};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// What each transition is about, in order.
fn kinds_of(transitions: &[Transition]) -> Vec<AlertKind> {
    transitions
        .iter()
        .map(|transition| transition.condition().kind)
        .collect()
}

/// Office hours in Stockholm, Monday to Friday 09:00 to 17:00, four
/// business hours of silence allowed; quiet from 20:00 to 08:00.
fn stockholm() -> AlertSettings {
    AlertSettings::with_defaults(AlertRules::recommended("Europe/Stockholm"))
}

struct Watch {
    harness: Harness,
    client: platform::Client,
    settings: AlertSettings,
    state: AlertState,
    raised: Vec<AlertKind>,
    cleared: Vec<AlertKind>,
    notified: usize,
}

impl Watch {
    /// A sandbox on Adobe's timing whose clock starts at `clock_start`, with
    /// one setup named `setup_name` made in it, watched with Stockholm's
    /// office hours.
    async fn start(test: &str, clock_start: &str, setup_name: &str) -> (Self, setup::SetupOutcome) {
        let harness = Harness::start_adobe_like_with(
            test,
            SimConfig {
                clock_start: Some(at(clock_start)),
                ..SimConfig::default()
            },
        )
        .await;
        let outcome = harness.engine().apply(&request(setup_name)).await.unwrap();
        let client = harness.client();
        let watch = Self {
            harness,
            client,
            settings: stockholm(),
            state: AlertState::default(),
            raised: Vec::new(),
            cleared: Vec::new(),
            notified: 0,
        };
        (watch, outcome)
    }

    async fn clock(&self) -> DateTime<Utc> {
        let body = self
            .harness
            .control(reqwest::Method::GET, "/__sim/clock", None)
            .await;
        at(body["now"].as_str().unwrap())
    }

    /// Moves the simulator's clock to `instant` (already there: it stays).
    async fn set_clock(&self, instant: &str) {
        if at(instant) <= self.clock().await {
            return;
        }
        let body = self
            .harness
            .control(
                reqwest::Method::PUT,
                "/__sim/clock",
                Some(json!({ "now": instant })),
            )
            .await;
        assert!(body["now"].is_string(), "{body}");
    }

    /// One check at the simulator's time, drift included; returns what
    /// started and ended.
    async fn check_at(&mut self, instant: &str) -> Vec<Transition> {
        self.set_clock(instant).await;
        let now = self.clock().await;
        let journals: Vec<setup::Journal> = JournalStore::new(&self.harness.directory)
            .list()
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let report = setup::alerts::check(
            &self.client,
            &Timing::ADOBE,
            &self.settings,
            Some(&journals),
            None,
            now,
        )
        .await;
        assert!(report.unreachable.is_none(), "{report:?}");
        let transitions = self.state.update(report.conditions, &report.coverage, now);
        for transition in &transitions {
            match transition {
                Transition::Raised { condition } => self.raised.push(condition.kind),
                Transition::Cleared { condition, .. } => self.cleared.push(condition.kind),
            }
        }
        self.notified += self
            .state
            .notices(&transitions, &self.settings, now)
            .iter()
            .filter(|notice| matches!(notice, Notice::Raised { .. }))
            .count();
        transitions
    }

    async fn send(&self, webhook: &platform::WebhookUrl, payload: &serde_json::Value) {
        self.client
            .inlet()
            .send_event(webhook, payload)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn no_data_counts_business_hours_across_a_weekend_and_a_clock_change() {
    // Friday 26 March 2027, 08:30 in Stockholm (CET, UTC+1). Summer time
    // starts on Sunday the 28th: Monday 09:00 is 07:00 UTC.
    let (mut watch, outcome) =
        Watch::start("alerts-weekend", "2027-03-26T07:30:00Z", "Weekend").await;
    let webhook = outcome.webhook_url.clone().unwrap();

    // Brand new: nothing is expected yet.
    assert!(watch.check_at("2027-03-26T07:40:00Z").await.is_empty());
    // Chats at 08:45, 12:10 and 14:10 local (the last one's hourly window
    // ends at 15:00 local, 14:00 UTC).
    for instant in [
        "2027-03-26T07:45:00Z",
        "2027-03-26T11:10:00Z",
        "2027-03-26T13:10:00Z",
    ] {
        watch.set_clock(instant).await;
        let event = chatlio::generate(EventKind::NewConversation, &mut rand::rng());
        watch.send(&webhook, &event).await;
        let transitions = watch.check_at(instant).await;
        assert!(transitions.is_empty(), "{instant}: {transitions:?}");
    }
    // 16:50 local: one business hour of silence seen (15:00 to 16:00).
    for instant in [
        "2027-03-26T15:50:00Z",
        // Saturday noon: twenty hours since, two of them business hours.
        "2027-03-27T11:00:00Z",
        // Monday 10:10 (summer time): the week's first hour is not
        // readable yet.
        "2027-03-29T08:10:00Z",
    ] {
        let transitions = watch.check_at(instant).await;
        assert!(transitions.is_empty(), "{instant}: {transitions:?}");
    }
    // Monday 11:20: 09:00 to 11:00 is readable; with Friday's two hours,
    // four. (Had the clock change been missed, Monday would have counted
    // one hour, not two.)
    let transitions = watch.check_at("2027-03-29T09:20:00Z").await;
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    let Transition::Raised { condition } = &transitions[0] else {
        panic!("{transitions:?}");
    };
    assert_eq!(condition.kind, AlertKind::NoData);
    assert_eq!(condition.severity, Severity::Alert);
    assert_eq!(condition.figures.silent_hours, Some(4));
    assert_eq!(condition.setup.as_deref(), Some("Weekend"));
    // Still silent half an hour later: no second transition.
    assert!(watch.check_at("2027-03-29T09:50:00Z").await.is_empty());
    // A chat arrives; once its window's run can be read, the condition ends.
    let event = chatlio::generate(EventKind::ChatTranscript, &mut rand::rng());
    watch.send(&webhook, &event).await;
    assert!(watch.check_at("2027-03-29T09:55:00Z").await.is_empty());
    let transitions = watch.check_at("2027-03-29T10:05:00Z").await;
    assert!(
        matches!(transitions.as_slice(), [Transition::Cleared { condition, was_notified: true, .. }] if condition.kind == AlertKind::NoData),
        "{transitions:?}"
    );
    assert_eq!(watch.raised, vec![AlertKind::NoData]);
    assert_eq!(watch.cleared, vec![AlertKind::NoData]);
    assert_eq!(watch.notified, 1);
    watch.harness.shutdown().await;
}

#[tokio::test]
async fn failed_records_and_a_disabled_dataflow_each_start_and_end_once() {
    // Wednesday 13 January 2027, 10:00 in Stockholm.
    let (mut watch, outcome) =
        Watch::start("alerts-failures", "2027-01-13T09:00:00Z", "Failing").await;
    let webhook = outcome.webhook_url.clone().unwrap();
    let flow_id = FlowId::new(outcome.flow_id.clone().unwrap());

    // 10:10 to 11:00 local: one good record and three Adobe refuses (no
    // identity): three quarters failed, past the 10 % rule.
    watch.set_clock("2027-01-13T09:10:00Z").await;
    watch
        .send(
            &webhook,
            &chatlio::generate(EventKind::NewConversation, &mut rand::rng()),
        )
        .await;
    for _ in 0..3 {
        watch
            .send(&webhook, &chatlio::unidentifiable_payload())
            .await;
    }
    // The hour is open: its run has no counts yet.
    assert!(watch.check_at("2027-01-13T09:50:00Z").await.is_empty());
    // As soon as Adobe reports the hour's run, it counts.
    let transitions = watch.check_at("2027-01-13T10:05:00Z").await;
    let [Transition::Raised { condition }] = transitions.as_slice() else {
        panic!("{transitions:?}");
    };
    assert_eq!(condition.kind, AlertKind::FailedRecords);
    // Some records were stored: a warning, not an alert.
    assert_eq!(condition.severity, Severity::Warning);
    assert_eq!(
        (condition.figures.failed, condition.figures.received),
        (Some(3), Some(4))
    );
    // The next hour had no records: the failing hour is over.
    let transitions = watch.check_at("2027-01-13T11:20:00Z").await;
    assert!(
        matches!(transitions.as_slice(), [Transition::Cleared { condition, .. }] if condition.kind == AlertKind::FailedRecords),
        "{transitions:?}"
    );

    // Disabled in Adobe: one alert, and drift (the setup's flow is not as
    // made) is not raised on top of it.
    let owned_client = watch.client.clone();
    let service = owned_client.flow_service();
    let etag = service.get_flow(&flow_id).await.unwrap().etag;
    service.disable_flow(&flow_id, etag.as_ref()).await.unwrap();
    let transitions = watch.check_at("2027-01-13T11:30:00Z").await;
    let kinds = kinds_of(&transitions);
    assert_eq!(kinds, vec![AlertKind::Disabled], "{transitions:?}");
    assert!(watch.check_at("2027-01-13T11:40:00Z").await.is_empty());
    let etag = service.get_flow(&flow_id).await.unwrap().etag;
    service.enable_flow(&flow_id, etag.as_ref()).await.unwrap();
    let transitions = watch.check_at("2027-01-13T11:50:00Z").await;
    assert!(
        matches!(transitions.as_slice(), [Transition::Cleared { condition, .. }] if condition.kind == AlertKind::Disabled),
        "{transitions:?}"
    );
    assert_eq!(
        watch.raised,
        vec![AlertKind::FailedRecords, AlertKind::Disabled]
    );
    assert_eq!(
        watch.cleared,
        vec![AlertKind::FailedRecords, AlertKind::Disabled]
    );
    watch.harness.shutdown().await;
}

#[tokio::test]
async fn a_deleted_dataset_is_drift_and_a_revoked_credential_is_the_connection() {
    let (mut watch, outcome) =
        Watch::start("alerts-drift", "2027-01-13T09:00:00Z", "Drifted").await;
    assert!(watch.check_at("2027-01-13T09:10:00Z").await.is_empty());
    let dataset = outcome.dataset_id.clone().unwrap();
    watch
        .client
        .catalog()
        .delete_dataset(&platform::models::DatasetId::new(dataset))
        .await
        .unwrap();
    let transitions = watch.check_at("2027-01-13T09:20:00Z").await;
    let kinds = kinds_of(&transitions);
    assert_eq!(kinds, vec![AlertKind::Drift], "{transitions:?}");
    assert_eq!(transitions[0].condition().figures.drifted, Some(1));

    // The credential is revoked: the one condition that says so, and the
    // others stand (nothing could be seen).
    let config = watch.harness.sim.config().clone();
    let revoked = watch.harness.client_for(
        config.client_id.as_str(),
        "not-the-secret",
        "prod",
        common::fast_retry(),
    );
    watch.client = revoked;
    let transitions = watch.check_at("2027-01-13T09:30:00Z").await;
    let kinds = kinds_of(&transitions);
    assert_eq!(kinds, vec![AlertKind::Connection], "{transitions:?}");
    assert!(watch
        .state
        .active
        .values()
        .any(|active| active.condition.kind == AlertKind::Drift));
    watch.harness.shutdown().await;
}

/// The dataflow reads of one check: `GET` of `/flows/{id}` (the list is
/// `/flows` with a query).
fn dataflow_reads(log: &[serde_json::Value], flow_id: &str) -> usize {
    let path = format!("/data/foundation/flowservice/flows/{flow_id}");
    log.iter()
        .filter(|entry| entry["method"] == "GET" && entry["path"] == path.as_str())
        .count()
}

#[tokio::test]
async fn the_drift_round_compares_the_dataflow_as_listed_and_reads_it_when_gone() {
    let (mut watch, outcome) =
        Watch::start("alerts-drift-listed", "2027-01-13T09:00:00Z", "Listed").await;
    let flow_id = outcome.flow_id.clone().unwrap();
    let before = watch.harness.requests().await.len();
    assert!(watch.check_at("2027-01-13T09:10:00Z").await.is_empty());
    let log = watch.harness.requests().await;
    // Listed, then compared as listed: neither the dataflow's own check
    // nor the read-back of its inlet reads it again.
    assert_eq!(
        dataflow_reads(&log[before..], &flow_id),
        0,
        "{:?}",
        &log[before..]
    );

    // Gone from Adobe, so gone from the list: read, found missing, drift.
    watch
        .client
        .flow_service()
        .delete_flow(&FlowId::new(flow_id.as_str()))
        .await
        .unwrap();
    let before = watch.harness.requests().await.len();
    let transitions = watch.check_at("2027-01-13T09:20:00Z").await;
    let kinds = kinds_of(&transitions);
    assert_eq!(kinds, vec![AlertKind::Drift], "{transitions:?}");
    let log = watch.harness.requests().await;
    assert_eq!(
        dataflow_reads(&log[before..], &flow_id),
        2,
        "{:?}",
        &log[before..]
    );
    watch.harness.shutdown().await;
}
