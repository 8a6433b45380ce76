//! What applying a setup file would do: for each resource of its plan,
//! whether it is made (`create`), left as it is (`keep`), changed in place
//! (`change`) or stands in the way (`conflict`), and which of the file's
//! settings differ from the setup that exists. Built from what is known
//! about the setup: its journal (when the data folder has one), the drift of
//! what the journal records, and the same lookups by name and marker the
//! engine does before creating.

use std::collections::HashMap;

use futures_util::future::join_all;
use platform::Client;
use serde::Serialize;
use serde_json::{json, Value};

use crate::drift::{drift, Drift, DriftKind};
use crate::error::Result;
use crate::input::SetupRequest;
use crate::journal::{Journal, StepState};
use crate::lookup::{look_up_all, Found};
use crate::names::Names;
use crate::plan::{EntryKey, Plan, ResourceAction};
use crate::step::StepId;
use crate::steps;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryAction {
    /// Nothing there: apply makes it.
    Create,
    /// It exists and matches (or is the user's own, used as it is).
    Keep,
    /// It exists but differs; `in_place` says whether apply can fix it.
    Change,
    /// Its name is taken by a resource this setup did not make.
    Conflict,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffEntry {
    pub step: StepId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The resource's kind, as the plan names it (`dataset`, `dataflow`, ...).
    pub kind: &'static str,
    pub name: String,
    pub action: EntryAction,
    /// For a `change`: whether apply can make it without making the resource
    /// again (enabling a disabled dataflow).
    pub in_place: bool,
    /// The id of what exists (none for the read-back, half a webhook URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    pub reason: String,
    /// For a `change`: the settings read back from Adobe that differ from
    /// the file's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDifference>,
}

/// A setting of a resource as Adobe has it, against the file's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDifference {
    /// The JSON path in the setup file.
    pub path: &'static str,
    pub current: Value,
    pub wanted: Value,
}

/// A setting of the file that differs from the setup that exists.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingChange {
    /// The JSON path in the setup file.
    pub path: &'static str,
    pub current: Value,
    pub wanted: Value,
    /// Always false today: Adobe takes these settings when a resource is
    /// made, and the engine does not make a finished step again.
    pub in_place: bool,
    pub reason: &'static str,
}

/// The verdict scripts switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Applying the file changes nothing.
    NoChanges,
    /// Applying the file makes or changes resources, all of which it can.
    Changes,
    /// Something differs that applying the file cannot fix: drift it cannot
    /// repair in place, a setting that cannot change in place, or a conflict.
    Drift,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupDiff {
    pub setup_name: String,
    pub sandbox: String,
    pub verdict: Verdict,
    pub entries: Vec<DiffEntry>,
    pub settings: Vec<SettingChange>,
    /// The drift of what the journal records (see [`crate::drift`]).
    pub drift: Vec<Drift>,
}

impl SetupDiff {
    /// Whether anything differs that apply cannot make so.
    pub fn has_refused(&self) -> bool {
        self.settings.iter().any(|setting| !setting.in_place)
            || self.entries.iter().any(|entry| {
                entry.action == EntryAction::Conflict
                    || (entry.action == EntryAction::Change && !entry.in_place)
            })
    }

    /// Whether a dataflow is disabled (the one change apply makes in place).
    pub fn has_disabled_flow(&self) -> bool {
        self.drift
            .iter()
            .any(|drift| drift.kind == DriftKind::Disabled)
    }

    fn decide(&mut self) {
        self.verdict = if self.has_refused() {
            Verdict::Drift
        } else if self
            .entries
            .iter()
            .any(|entry| entry.action != EntryAction::Keep)
        {
            Verdict::Changes
        } else {
            Verdict::NoChanges
        };
    }
}

/// Why a setting cannot change in place.
fn refusal(path: &str, current: &Value, wanted: &Value) -> &'static str {
    match path {
        "$.webhookMode" => {
            "the other mode's dataflows would be made next to these: roll the setup back first, or apply under another --name"
        }
        "$.profileEnabled" if current == &Value::Bool(true) && wanted == &Value::Bool(false) => {
            "Adobe offers no way to turn Profile off for a schema or dataset"
        }
        // Adobe's PATCH of a dataflow covers its name, description, schedule
        // and mapping (help/sources/tutorials/api/update-dataflows.md); its
        // options are not among them, so none is tried.
        "$.errorDiagnostics" | "$.partialIngestionThreshold" => {
            "Adobe documents changing a dataflow's name, description, schedule and mapping in place, not its error options: roll the setup back and apply the file (the webhook URLs change), or apply under another --name"
        }
        _ => {
            "Adobe takes it when the resource is made: roll the setup back and apply the file (the webhook URLs change), or apply under another --name"
        }
    }
}

/// The file's settings that differ from `existing`'s (the journal's request).
fn setting_changes(existing: &SetupRequest, wanted: &SetupRequest) -> Vec<SettingChange> {
    let pairs: [(&'static str, Value, Value); 6] = [
        ("$.schema", json!(existing.schema), json!(wanted.schema)),
        ("$.dataset", json!(existing.dataset), json!(wanted.dataset)),
        (
            "$.profileEnabled",
            json!(existing.profile_enabled),
            json!(wanted.profile_enabled),
        ),
        (
            "$.errorDiagnostics",
            json!(existing.error_diagnostics),
            json!(wanted.error_diagnostics),
        ),
        (
            "$.partialIngestionThreshold",
            json!(existing.partial_ingestion_threshold),
            json!(wanted.partial_ingestion_threshold),
        ),
        (
            "$.webhookMode",
            json!(existing.webhook_mode),
            json!(wanted.webhook_mode),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, current, wanted)| current != wanted)
        .map(|(path, current, wanted)| SettingChange {
            path,
            reason: refusal(path, &current, &wanted),
            current,
            wanted,
            in_place: false,
        })
        .collect()
}

/// What a step does with a same-named resource without this setup's
/// marker, as its `run` decides: the shared field group is reused, a schema,
/// dataset or dataflow stops with `name_taken`, and the connections and
/// mapping set make their own next to it.
fn foreign(step: StepId, found: &Found) -> (EntryAction, String) {
    match step {
        StepId::FieldGroup => (
            EntryAction::Keep,
            format!("the shared Chatlio field group {} is reused", found.id),
        ),
        // A schema or dataset of someone else's can be used as it is: the
        // file names it by id instead.
        StepId::Schema | StepId::Dataset => (
            EntryAction::Conflict,
            format!(
                "the name is taken by {}, which this setup did not make: use it with {{\"existingId\": \"{}\"}} in the file, or choose another name",
                found.id, found.id
            ),
        ),
        StepId::Dataflow => (
            EntryAction::Conflict,
            format!(
                "the name is taken by dataflow {}, which this setup did not make: apply under another --name",
                found.id
            ),
        ),
        _ => (
            EntryAction::Create,
            "made next to a same-named resource this setup did not make".into(),
        ),
    }
}

/// The settings of a dataflow or dataset the setup made, as Adobe has them
/// now, that differ from `request`'s. A read that fails finds nothing here:
/// the drift check reports the resource deleted or unchecked.
async fn live_differences(
    client: &Client,
    step: StepId,
    id: &str,
    request: &SetupRequest,
) -> Vec<FieldDifference> {
    let mut found = Vec::new();
    let mut compare = |path: &'static str, current: Value, wanted: Value| {
        if current != wanted {
            found.push(FieldDifference {
                path,
                current,
                wanted,
            });
        }
    };
    match step {
        StepId::Dataflow => {
            let Ok(flow) = client
                .flow_service()
                .get_flow(&platform::models::FlowId::new(id))
                .await
            else {
                return found;
            };
            let options = flow.options.unwrap_or_default();
            // Adobe answers the percentage as a number that may carry a
            // fraction; the file's is whole.
            let threshold = options
                .partial_ingestion_percent
                .map(|percent| json!(percent.round() as u64));
            compare(
                "$.partialIngestionThreshold",
                threshold.unwrap_or(Value::Null),
                json!(request.partial_ingestion_threshold),
            );
            compare(
                "$.errorDiagnostics",
                json!(options.error_diagnostics_enabled.unwrap_or(false)),
                json!(request.error_diagnostics),
            );
        }
        StepId::Dataset => {
            let Ok(dataset) = client
                .catalog()
                .get_dataset(&platform::models::DatasetId::new(id))
                .await
            else {
                return found;
            };
            let profile = dataset
                .tags
                .as_ref()
                .and_then(|tags| tags.get("unifiedProfile"))
                .is_some_and(|values| {
                    values
                        .as_array()
                        .is_some_and(|values| values.iter().any(|value| value == "enabled:true"))
                });
            compare(
                "$.profileEnabled",
                json!(profile),
                json!(request.profile_enabled),
            );
        }
        _ => {}
    }
    found
}

/// The diff of applying `request` where `journal` (this setup's, in the same
/// org and sandbox, when the data folder has one) says what was made.
///
/// # Errors
/// A lookup Adobe did not answer (without it, `create` and `conflict` cannot
/// be told apart), or a plan body that could not be built.
pub async fn diff(
    client: &Client,
    journal: Option<&Journal>,
    request: &SetupRequest,
) -> Result<SetupDiff> {
    let plan = Plan::new(request)?;
    let names = Names::new(request);
    let instance_names: HashMap<Option<String>, Names> = plan
        .flows()
        .into_iter()
        .map(|(instance, flow)| {
            let flow_names = names.for_instance(instance.is_some().then_some(&flow));
            (instance, flow_names)
        })
        .collect();
    let done = |key: &EntryKey| {
        journal
            .and_then(|journal| journal.record_for(key))
            .filter(|record| record.state == StepState::Done)
            .cloned()
    };
    let anything_made = journal.is_some_and(|journal| {
        journal
            .steps
            .iter()
            .any(|record| record.state == StepState::Done && record.resource_id.is_some())
    });
    let settings = match journal.and_then(|journal| journal.request.as_ref()) {
        Some(existing) if anything_made => setting_changes(existing, request),
        // Nothing exists: the file's settings are simply the ones used, but
        // the engine still refuses to switch a journaled setup's mode.
        Some(existing) => setting_changes(existing, request)
            .into_iter()
            .filter(|change| change.path == "$.webhookMode")
            .collect(),
        None => Vec::new(),
    };
    let drifts = match journal {
        Some(journal) if anything_made => drift(client, journal).await,
        _ => Vec::new(),
    };

    // Look up, all at once, what each entry not done would find.
    let wanted: Vec<_> = plan
        .entries
        .iter()
        .filter_map(|entry| Some((entry, entry.resource.as_ref()?)))
        .collect();
    let lookups = join_all(wanted.iter().map(|(entry, resource)| {
        let key = entry.key();
        let look = resource.action != ResourceAction::UseExisting
            && done(&key).is_none()
            && steps::of(entry.step).can_look_up();
        let entry_names = if entry.step.per_flow() {
            instance_names.get(&entry.instance).unwrap_or(&names)
        } else {
            &names
        };
        async move {
            if look {
                look_up_all(client, entry_names, entry.step).await.map(Some)
            } else {
                Ok(None)
            }
        }
    }))
    .await;

    // Read back the settings of the dataflows and dataset the setup made.
    let live = join_all(wanted.iter().map(|(entry, _)| {
        let record = done(&entry.key()).filter(|record| !record.pre_existing);
        async move {
            match record.and_then(|record| record.resource_id) {
                Some(id) if matches!(entry.step, StepId::Dataflow | StepId::Dataset) => {
                    live_differences(client, entry.step, &id, request).await
                }
                _ => Vec::new(),
            }
        }
    }))
    .await;

    let mut entries = Vec::with_capacity(wanted.len());
    for (((entry, resource), lookup), fields) in wanted.into_iter().zip(lookups).zip(live) {
        let key = entry.key();
        let record = done(&key);
        let entry_drift = drifts
            .iter()
            .find(|drift| drift.step == key.step && drift.instance == key.instance);
        let (action, in_place, resource_id, reason) = if resource.action
            == ResourceAction::UseExisting
        {
            (
                EntryAction::Keep,
                false,
                Some(resource.name.clone()),
                "yours, used as it is".to_owned(),
            )
        } else if let Some(record) = record {
            let id = record.shown_resource_id().map(str::to_owned);
            match entry_drift {
                    None if fields.is_empty() => (
                        EntryAction::Keep,
                        false,
                        id,
                        "exists and matches".to_owned(),
                    ),
                    None => (
                        EntryAction::Change,
                        false,
                        id,
                        "its settings in Adobe differ from the file's; Adobe takes them when it is made"
                            .to_owned(),
                    ),
                    Some(found) => (
                        EntryAction::Change,
                        found.kind == DriftKind::Disabled,
                        id,
                        found.message.clone(),
                    ),
                }
        } else {
            match lookup?.and_then(|found| found.into_iter().next()) {
                None => (EntryAction::Create, false, None, "nothing there yet".into()),
                Some(found) if found.ours => (
                    EntryAction::Keep,
                    false,
                    Some(found.id),
                    "made by an earlier run of this setup; adopted".into(),
                ),
                Some(found) => {
                    let (action, reason) = foreign(entry.step, &found);
                    let id = (action != EntryAction::Create).then_some(found.id);
                    (action, false, id, reason)
                }
            }
        };
        entries.push(DiffEntry {
            step: entry.step,
            instance: entry.instance.clone(),
            kind: resource.kind,
            name: resource.name.clone(),
            action,
            in_place,
            resource_id,
            reason,
            fields,
        });
    }
    let mut result = SetupDiff {
        setup_name: request.name.clone(),
        sandbox: request.sandbox.clone(),
        verdict: Verdict::NoChanges,
        entries,
        settings,
        drift: drifts,
    };
    result.decide();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::SetupInput;

    fn request(threshold: Option<u8>, profile: bool) -> SetupRequest {
        SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            partial_ingestion_threshold: threshold,
            profile_enabled: profile,
            ..SetupInput::recommended()
        }
        .validate()
        .unwrap()
    }

    fn entry(action: EntryAction, in_place: bool) -> DiffEntry {
        DiffEntry {
            step: StepId::Dataflow,
            instance: None,
            kind: "dataflow",
            name: "Chatlio events".into(),
            action,
            in_place,
            resource_id: None,
            reason: String::new(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn the_verdict_is_drift_when_apply_cannot_make_something_so() {
        let verdict = |entries: Vec<DiffEntry>| {
            let mut diff = SetupDiff {
                setup_name: "Chatlio events".into(),
                sandbox: "prod".into(),
                verdict: Verdict::NoChanges,
                entries,
                settings: Vec::new(),
                drift: Vec::new(),
            };
            diff.decide();
            diff.verdict
        };
        assert_eq!(
            verdict(vec![entry(EntryAction::Keep, false)]),
            Verdict::NoChanges
        );
        assert_eq!(
            verdict(vec![
                entry(EntryAction::Keep, false),
                entry(EntryAction::Create, false)
            ]),
            Verdict::Changes
        );
        assert_eq!(
            verdict(vec![entry(EntryAction::Change, true)]),
            Verdict::Changes
        );
        for refused in [
            entry(EntryAction::Change, false),
            entry(EntryAction::Conflict, false),
        ] {
            assert_eq!(
                verdict(vec![entry(EntryAction::Create, false), refused]),
                Verdict::Drift
            );
        }
    }

    #[test]
    fn only_the_settings_that_differ_are_listed_each_with_why_it_is_refused() {
        assert!(setting_changes(&request(None, false), &request(None, false)).is_empty());
        let changes = setting_changes(&request(Some(5), true), &request(Some(10), false));
        let paths: Vec<&str> = changes.iter().map(|change| change.path).collect();
        assert_eq!(paths, ["$.profileEnabled", "$.partialIngestionThreshold"]);
        assert!(changes[0].reason.contains("no way to turn Profile off"));
        assert!(changes[1].reason.contains("not its error options"));
        assert_eq!(changes[1].current, json!(5));
        assert_eq!(changes[1].wanted, json!(10));
        assert!(changes.iter().all(|change| !change.in_place));
    }
}
