//! Profile done in Adobe's order: schema, primary identity, the union tag,
//! then the dataset with the Profile tags; the union tag cannot be undone,
//! so the plan says so and a rollback reports it kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{request, Harness};
use platform::models::{DatasetId, SchemaId};
use setup::plan::{Plan, ResourceAction};
use setup::{FailPoint, KeptReason, SetupInput, SetupRequest, StepId};

fn profile_request(name: &str) -> SetupRequest {
    SetupInput {
        name: name.into(),
        sandbox: "prod".into(),
        profile_enabled: true,
        ..SetupInput::default()
    }
    .validate()
    .unwrap()
}

#[test]
fn the_plan_enables_profile_before_the_dataset_and_says_it_cannot_be_undone() {
    let plan = Plan::new(&profile_request("Profiled")).unwrap();
    let profile = plan
        .resources()
        .into_iter()
        .find(|resource| resource.step == StepId::ProfileSchema)
        .unwrap();
    assert_eq!(profile.action, ResourceAction::ChangeIrreversibly);
    let position = |step: StepId| {
        plan.calls()
            .iter()
            .position(|call| call.step == Some(step))
            .unwrap()
    };
    assert!(position(StepId::IdentityDescriptor) < position(StepId::ProfileSchema));
    assert!(position(StepId::ProfileSchema) < position(StepId::Dataset));
    let patch = plan.calls()[position(StepId::ProfileSchema)];
    assert_eq!(patch.method, "PATCH");
    let body = patch.body.as_ref().unwrap().to_string();
    assert!(
        body.contains("meta:immutableTags") && body.contains("union"),
        "{body}"
    );
    let dataset = plan.calls()[position(StepId::Dataset)]
        .body
        .as_ref()
        .unwrap();
    assert_eq!(dataset["tags"]["unifiedProfile"][0], "enabled:true");
    assert_eq!(dataset["tags"]["unifiedIdentity"][0], "enabled:true");

    // Without Profile: no such step, no such call, no warning.
    let plain = Plan::new(&request("Plain")).unwrap();
    assert!(plain
        .resources()
        .iter()
        .all(|resource| resource.action != ResourceAction::ChangeIrreversibly));
    assert!(plain
        .calls()
        .iter()
        .all(|call| call.step != Some(StepId::ProfileSchema)));
}

#[tokio::test]
async fn a_profile_setup_completes_and_its_rollback_reports_the_union_tag_kept() {
    let harness = Harness::start("profile", Duration::ZERO).await;
    let engine = harness.engine();
    let outcome = engine.apply(&profile_request("Profiled")).await.unwrap();
    assert!(outcome.complete, "{outcome:?}");
    let client = harness.client();
    let schema_id = SchemaId::new(outcome.schema_id.clone().unwrap());
    let schema = client
        .schema_registry()
        .get_schema(&schema_id)
        .await
        .unwrap();
    assert!(schema.is_profile_enabled());
    let dataset = client
        .catalog()
        .get_dataset(&DatasetId::new(outcome.dataset_id.clone().unwrap()))
        .await
        .unwrap();
    let tags = dataset.tags.unwrap_or_default();
    assert!(tags.contains_key("unifiedProfile"), "{tags:?}");
    assert!(tags.contains_key("unifiedIdentity"), "{tags:?}");

    let rolled_back = engine.rollback("Profiled").await.unwrap();
    // Adobe keeps a Profile schema (and so its field group), and the schema
    // needs its primary identity: each reported once, with the reason.
    for step in [StepId::Schema, StepId::IdentityDescriptor] {
        let kept: Vec<_> = rolled_back
            .kept
            .iter()
            .filter(|kept| kept.step == step)
            .collect();
        assert_eq!(kept.len(), 1, "{step:?}: {rolled_back:?}");
        assert_eq!(kept[0].reason, KeptReason::Irreversible);
    }
    assert!(rolled_back
        .kept
        .iter()
        .all(|kept| kept.step != StepId::ProfileSchema));
    // Whatever could be deleted was.
    for step in [StepId::Dataflow, StepId::Dataset, StepId::SourceConnection] {
        assert!(
            rolled_back
                .deleted
                .iter()
                .any(|(deleted, _)| *deleted == step),
            "{step:?} not deleted: {rolled_back:?}"
        );
    }
    assert!(rolled_back
        .deleted
        .iter()
        .all(|(step, _)| !matches!(step, StepId::Schema | StepId::IdentityDescriptor)));
    assert!(client
        .schema_registry()
        .get_schema(&schema_id)
        .await
        .unwrap()
        .is_profile_enabled());
    // The same setup made again reuses the kept schema and enables nothing twice.
    let again = engine.apply(&profile_request("Profiled")).await.unwrap();
    assert!(again.complete, "{again:?}");
    assert_eq!(again.schema_id, outcome.schema_id);
    harness.shutdown().await;
}

#[tokio::test]
async fn an_interrupted_profile_setup_resumes_without_enabling_twice() {
    for fail_point in [
        FailPoint::AfterCreate(StepId::ProfileSchema),
        FailPoint::BeforeStep(StepId::Dataset),
    ] {
        let harness = Harness::start("profile-resume", Duration::ZERO).await;
        let crashed = harness
            .engine()
            .with_fail_point(Some(fail_point))
            .apply(&profile_request("Resumed"))
            .await;
        assert!(crashed.is_err(), "{fail_point:?}");
        let resumed = harness.engine().resume("Resumed").await.unwrap();
        assert!(resumed.complete, "{fail_point:?}: {resumed:?}");
        let profile_patches = harness
            .requests()
            .await
            .into_iter()
            .filter(|request| {
                request["method"] == "PATCH"
                    && request["path"]
                        .as_str()
                        .is_some_and(|path| path.contains("/tenant/schemas/"))
            })
            .count();
        assert_eq!(profile_patches, 1, "{fail_point:?}");
        harness.shutdown().await;
    }
}
