//! The plan the user reviews is what runs: every write the engine sends to the
//! sim is one of the plan's calls, in the plan's order along each dependency,
//! and each created resource carries the body the plan shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Harness;
use serde_json::Value;
use setup::plan::Plan;
use setup::{SetupInput, StepId};

/// `%XX` sequences decoded, so a path compares whatever the client encoded.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[index + 1..index + 3], 16) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn the_engine_sends_exactly_the_plans_writes_in_the_plans_order() {
    let harness = Harness::start("plan-runs", Duration::ZERO).await;
    let request = SetupInput {
        name: "Planned".into(),
        sandbox: "prod".into(),
        profile_enabled: true,
        error_diagnostics: true,
        partial_ingestion_threshold: Some(5),
        ..SetupInput::default()
    }
    .validate()
    .unwrap();
    let plan = Plan::new(&request).unwrap();
    let outcome = harness.engine().execute(&plan).await.unwrap();
    assert!(outcome.complete);

    // Each id the run recorded, as the placeholder the plan holds for it.
    let placeholders = [
        (StepId::TenantId, "TENANT_ID"),
        (StepId::FieldGroup, "FIELD_GROUP_ID"),
        // The only path naming the schema is the Profile PATCH's.
        (StepId::Schema, "SCHEMA_ID_ENCODED"),
        (StepId::IdentityDescriptor, "DESCRIPTOR_ID"),
        (StepId::Dataset, "DATASET_ID"),
        (StepId::SourceConnection, "SOURCE_CONNECTION_ID"),
        (StepId::TargetConnection, "TARGET_CONNECTION_ID"),
        (StepId::MappingSet, "MAPPING_SET_ID"),
        (StepId::Dataflow, "FLOW_ID"),
    ];
    let ids: BTreeMap<StepId, String> = outcome
        .steps
        .iter()
        .filter_map(|record| Some((record.step, record.resource_id.clone()?)))
        .collect();
    // Longest first: the schema's id holds the tenant id.
    let mut replacements: Vec<(&String, &str)> = placeholders
        .iter()
        .filter_map(|(step, placeholder)| Some((ids.get(step)?, *placeholder)))
        .collect();
    replacements.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let normalized = |entry: &Value| {
        let mut path = percent_decoded(entry["path"].as_str().unwrap());
        if let Some(query) = entry["query"].as_str().filter(|query| !query.is_empty()) {
            path = format!("{path}?{query}");
        }
        for (id, placeholder) in &replacements {
            path = path.replace(id.as_str(), &format!("@@{placeholder}@@"));
        }
        (entry["method"].as_str().unwrap().to_owned(), path)
    };
    let log = harness.requests().await;
    let sent: Vec<(String, String)> = log
        .iter()
        .filter(|entry| entry["method"] != "GET")
        .filter(|entry| !entry["path"].as_str().unwrap().starts_with("/ims"))
        .map(normalized)
        .collect();
    let planned: Vec<(String, String)> = plan
        .calls()
        .into_iter()
        .filter(|call| call.step.is_some() && call.method != "GET")
        .map(|call| (call.method.to_owned(), call.path.clone()))
        .collect();
    let position = |call: &(String, String)| {
        planned
            .iter()
            .position(|planned| planned == call)
            .unwrap_or_else(|| panic!("{call:?} is not in the plan {planned:#?}"))
    };
    let mut in_plan_order = sent.clone();
    in_plan_order.sort_by_key(position);
    assert_eq!(
        in_plan_order, planned,
        "every planned write once, nothing else"
    );
    // Along the chain each write waits for, the log keeps the plan's order.
    let chain = [
        "/tenant/fieldgroups",
        "/tenant/schemas",
        "/tenant/descriptors",
        "/tenant/schemas/@@SCHEMA_ID_ENCODED@@",
        "/dataSets?requestDataSource=true",
        "/targetConnections",
        "/flows",
    ];
    let order_in = |calls: &[(String, String)]| {
        calls
            .iter()
            .filter(|(_, path)| chain.iter().any(|suffix| path.ends_with(suffix)))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(order_in(&sent), order_in(&planned));
    // The reads the plan shows happen too.
    let reads: Vec<(String, String)> = log
        .iter()
        .filter(|entry| entry["method"] == "GET")
        .map(normalized)
        .collect();
    for call in plan.calls().into_iter().filter(|call| call.method == "GET") {
        assert!(
            reads.contains(&("GET".to_owned(), call.path.clone())),
            "{} not read",
            call.path
        );
    }

    // The bodies: what the sim stored is what the plan showed.
    let state = harness.state().await;
    let data = &state["platform"]["data"]["prod"];
    let dataset_body = plan
        .entries
        .iter()
        .find(|entry| entry.step == StepId::Dataset)
        .and_then(|entry| entry.body())
        .unwrap();
    let stored = data.to_string();
    for text in [
        dataset_body["name"].as_str().unwrap(),
        dataset_body["description"].as_str().unwrap(),
    ] {
        assert!(
            stored.contains(&serde_json::to_string(text).unwrap()),
            "{text}"
        );
    }
    harness.shutdown().await;
}
