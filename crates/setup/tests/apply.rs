//! The engine against platform-sim over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{counts, one_of_each, request, Counts, Harness};
use setup::{FailPoint, ProgressKind, StepId};

#[tokio::test]
async fn full_setup_creates_everything_once_and_a_second_run_adopts() {
    let harness = Harness::start("full", Duration::ZERO).await;
    let engine = harness.engine();
    let outcome = engine.apply(&request("Chatlio events")).await.unwrap();
    assert!(outcome.complete);
    let webhook = outcome.webhook_url.clone().expect("webhook url");
    let flow_id = outcome.flow_id.clone().unwrap();
    assert!(webhook
        .as_str()
        .ends_with(&format!("?x-adobe-flow-id={flow_id}")));
    assert_eq!(counts(&harness.state().await), one_of_each());

    // Same name again: nothing new.
    let again = engine.apply(&request("Chatlio events")).await.unwrap();
    assert_eq!(again.flow_id, outcome.flow_id);
    assert_eq!(counts(&harness.state().await), one_of_each());

    // Journal lost: the markers still lead to adoption, not duplicates.
    std::fs::remove_file(harness.directory.join("Chatlio events.json")).unwrap();
    let adopted = engine.apply(&request("Chatlio events")).await.unwrap();
    assert_eq!(adopted.flow_id, outcome.flow_id);
    assert_eq!(counts(&harness.state().await), one_of_each());

    let events = harness.events.lock().unwrap().clone();
    assert!(events.iter().any(|event| event.step == StepId::Dataflow
        && matches!(event.kind, ProgressKind::Done { adopted: true, .. })));
    harness.shutdown().await;
}

#[tokio::test]
async fn interrupted_at_every_step_boundary_then_resume_leaves_no_duplicates() {
    let harness = Harness::start("interrupt", Duration::ZERO).await;
    for (index, step) in StepId::ALL.into_iter().enumerate() {
        for fail_point in [FailPoint::BeforeStep(step), FailPoint::AfterCreate(step)] {
            let name = format!(
                "flow {index} {}",
                matches!(fail_point, FailPoint::AfterCreate(_))
            );
            let before = counts(&harness.state().await);
            let error = harness
                .engine()
                .with_fail_point(Some(fail_point))
                .apply(&request(&name))
                .await
                .unwrap_err();
            assert!(error.is_resumable(), "{fail_point:?}: {error}");
            let outcome = harness.engine().resume(&name).await.unwrap();
            assert!(outcome.complete, "{fail_point:?}");
            // Adopted or created, every step knows its resource's id (the
            // descriptor and the mapping set are found by list, not assumed).
            // Without Profile the Profile step has nothing to name.
            for record in &outcome.steps {
                assert!(
                    record.resource_id.is_some() || record.step == StepId::ProfileSchema,
                    "{fail_point:?}: {:?} has no id",
                    record.step
                );
            }
            let after = counts(&harness.state().await);
            // Exactly one new set, except the shared field group.
            let expected = Counts {
                field_groups: 1,
                schemas: before.schemas + 1,
                descriptors: before.descriptors + 1,
                datasets: before.datasets + 1,
                source_connections: before.source_connections + 1,
                target_connections: before.target_connections + 1,
                mapping_sets: before.mapping_sets + 1,
                flows: before.flows + 1,
            };
            assert_eq!(after, expected, "{fail_point:?}");
        }
    }
    harness.shutdown().await;
}

#[tokio::test]
async fn rollback_after_interruption_leaves_nothing_this_setup_created() {
    let harness = Harness::start("rollback", Duration::ZERO).await;
    let mut kept_mapping_sets = 0;
    for step in StepId::ALL {
        let name = format!("rollback {}", step.as_str());
        let error = harness
            .engine()
            .with_fail_point(Some(FailPoint::AfterCreate(step)))
            .apply(&request(&name))
            .await
            .unwrap_err();
        assert!(error.is_resumable());
        let outcome = harness.engine().rollback(&name).await.unwrap();
        let after = counts(&harness.state().await);
        assert_eq!(
            Counts {
                field_groups: 0,
                mapping_sets: 0,
                ..after.clone()
            },
            Counts::default(),
            "{step:?}: {outcome:?}"
        );
        // Adobe cannot delete mapping sets; each one is reported, none is
        // left unmentioned.
        kept_mapping_sets += outcome
            .kept
            .iter()
            .filter(|kept| kept.step == StepId::MappingSet && kept.resource_id.is_some())
            .count();
        assert_eq!(
            after.mapping_sets, kept_mapping_sets,
            "{step:?}: {outcome:?}"
        );
    }
    harness.shutdown().await;
}

#[tokio::test]
async fn the_same_name_can_be_set_up_again_after_a_rollback() {
    let harness = Harness::start("again", Duration::ZERO).await;
    let engine = harness.engine();
    let first = engine.apply(&request("Again")).await.unwrap();
    let rolled_back = engine.rollback("Again").await.unwrap();
    assert_eq!(rolled_back.kept.len(), 1, "{rolled_back:?}");
    // The kept mapping set writes to the deleted schema: a new one is made for
    // the new schema instead of adopting the unusable one.
    let second = engine.apply(&request("Again")).await.unwrap();
    assert!(second.complete);
    assert_ne!(second.schema_id, first.schema_id);
    let state = harness.state().await;
    assert_eq!(
        counts(&state),
        Counts {
            mapping_sets: 2,
            ..one_of_each()
        }
    );
    harness.shutdown().await;
}
