//! The plan: every resource and every API call a setup will make, with bodies
//! (no secret is ever part of one), for the review screen, `chatlio-aep plan`
//! and `plan --curl`, which writes them as a runnable shell script.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::input::{DatasetChoice, SchemaChoice, SetupRequest};
use crate::names::Names;
use crate::step::StepId;
use crate::steps::{self, PlanContext, StepPlan};

/// Stands in for a value known only while the setup runs; in the script it
/// becomes the shell variable of the same name.
pub(crate) fn placeholder(variable: &str) -> String {
    format!("@@{variable}@@")
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCall {
    /// `None` for the token request that precedes everything.
    pub step: Option<StepId>,
    pub method: &'static str,
    /// Relative to the Platform (or IMS) base URL; may hold placeholders.
    pub path: String,
    pub body: Option<Value>,
    /// Shell variable the script stores the result in, and the jq filter.
    pub captures: Option<(&'static str, &'static str)>,
    /// The `Accept` header when the call needs one of its own.
    pub accept: Option<&'static str>,
    pub note: &'static str,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceAction {
    Create,
    /// Created unless one with this title exists (shared field group).
    CreateOrReuse,
    UseExisting,
    /// Changes an existing resource in a way Adobe offers no undo for
    /// (enabling a schema for Profile).
    ChangeIrreversibly,
}

/// The dataset tags that enable Profile and Identity Service on creation
/// (help/catalog/datasets/enable-for-profile.md).
pub fn profile_dataset_tags() -> std::collections::BTreeMap<String, Vec<String>> {
    ["unifiedProfile", "unifiedIdentity"]
        .into_iter()
        .map(|tag| (tag.to_owned(), vec!["enabled:true".to_owned()]))
        .collect()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedResource {
    pub step: StepId,
    pub kind: &'static str,
    pub name: String,
    pub action: ResourceAction,
    pub marker: String,
}

/// Which plan entry (and journal record) a resource belongs to: its step and,
/// when a setup makes several resources of one kind (e.g. one dataflow per
/// Chatlio event), the instance's name. `None` is the setup's only (or shared)
/// resource of the kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryKey {
    pub step: StepId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

impl EntryKey {
    /// The setup's only resource of `step`'s kind.
    pub fn single(step: StepId) -> Self {
        Self {
            step,
            instance: None,
        }
    }
}

impl std::fmt::Display for EntryKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.instance {
            Some(instance) => write!(formatter, "{}[{instance}]", self.step.as_str()),
            None => formatter.write_str(self.step.as_str()),
        }
    }
}

/// One step of the plan: the resource it makes and the calls that make it.
/// The engine runs exactly these entries, and each step sends the bodies of
/// its entry's calls (placeholders filled in), so what is reviewed, exported as
/// curl and carried out is one value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    pub step: StepId,
    /// See [`EntryKey::instance`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `None` when the step makes nothing for this request (it only reads, or
    /// the user's choice makes it unnecessary).
    pub resource: Option<PlannedResource>,
    pub calls: Vec<PlannedCall>,
}

impl PlanEntry {
    pub fn key(&self) -> EntryKey {
        EntryKey {
            step: self.step,
            instance: self.instance.clone(),
        }
    }

    /// The body the step sends: its first call with a body, placeholders
    /// still in.
    pub fn body(&self) -> Option<&Value> {
        self.calls.iter().find_map(|call| call.body.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub request: SetupRequest,
    /// In run order; several entries may share a step (with distinct
    /// instances).
    pub entries: Vec<PlanEntry>,
}

/// The plan as `plan --json` and the review screen have always shown it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanView<'a> {
    request: &'a SetupRequest,
    resources: Vec<&'a PlannedResource>,
    calls: Vec<&'a PlannedCall>,
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PlanView {
            request: &self.request,
            resources: self.resources(),
            calls: self.calls(),
        }
        .serialize(serializer)
    }
}

/// The token request that precedes everything; the script leaves it to the
/// user (it needs the secret).
fn token_call() -> &'static PlannedCall {
    static TOKEN: std::sync::OnceLock<PlannedCall> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| PlannedCall {
        step: None,
        method: "POST",
        path: "/ims/token/v3".into(),
        body: Some(
            json!({"grant_type": "client_credentials", "client_id": "$API_KEY", "client_secret": "[redacted]", "scope": "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"}),
        ),
        captures: None,
        accept: None,
        note: "access token (the script expects ACCESS_TOKEN to be set already)",
    })
}

impl Plan {
    /// One entry per step, in run order, each from its step's [`Step::plan`](crate::steps::Step::plan).
    /// With one URL per Chatlio event, the steps each dataflow has its own
    /// resource of ([`StepId::per_flow`]) get one entry per
    /// [`chatlio::WebhookPlan`] flow, its key as the instance, after the
    /// shared ones and one flow after the other (the order the curl script
    /// runs them in). With one URL, every entry is the single one, as always.
    pub fn new(request: &SetupRequest) -> Result<Self, serde_json::Error> {
        let names = Names::new(request);
        let webhooks = chatlio::WebhookPlan::new(request.webhook_mode);
        let per_event = request.webhook_mode == chatlio::WebhookMode::PerEventUrl;
        let flows: Vec<Option<&chatlio::FlowPlan>> = if per_event {
            webhooks.flows.iter().map(Some).collect()
        } else {
            vec![None]
        };
        let mut entries = Vec::with_capacity(StepId::ALL.len() * flows.len());
        // The shared steps once, with the setup's names and markers.
        let shared = plan_context(request, &names, None);
        for step in steps::all().filter(|step| !step.id().per_flow()) {
            let StepPlan { resource, calls } = step.plan(&shared)?;
            entries.push(PlanEntry {
                step: step.id(),
                instance: None,
                resource,
                calls,
            });
        }
        // Each flow's own steps, with its names and markers.
        for flow in flows {
            let flow_names = names.for_instance(flow);
            let flow_context = plan_context(request, &flow_names, flow);
            for step in steps::all().filter(|step| step.id().per_flow()) {
                let StepPlan { resource, calls } = step.plan(&flow_context)?;
                entries.push(PlanEntry {
                    step: step.id(),
                    instance: flow.map(|flow| flow.key.clone()),
                    resource,
                    calls,
                });
            }
        }
        Ok(Plan {
            request: request.clone(),
            entries,
        })
    }

    /// The Chatlio webhook flows of this plan's mode, each with the
    /// instance its entries carry (`None` for a single-URL setup's one flow).
    pub fn flows(&self) -> Vec<(Option<String>, chatlio::FlowPlan)> {
        let webhooks = chatlio::WebhookPlan::new(self.request.webhook_mode);
        let per_event = self.request.webhook_mode == chatlio::WebhookMode::PerEventUrl;
        webhooks
            .flows
            .into_iter()
            .map(|flow| (per_event.then(|| flow.key.clone()), flow))
            .collect()
    }

    /// Every resource the setup makes, uses or changes, in run order.
    pub fn resources(&self) -> Vec<&PlannedResource> {
        self.entries
            .iter()
            .filter_map(|entry| entry.resource.as_ref())
            .collect()
    }

    /// Every call: the token request, then each entry's calls in run order.
    pub fn calls(&self) -> Vec<&PlannedCall> {
        std::iter::once(token_call())
            .chain(self.entries.iter().flat_map(|entry| entry.calls.iter()))
            .collect()
    }

    /// The entry for `key`.
    pub fn entry(&self, key: &EntryKey) -> Option<&PlanEntry> {
        self.entries
            .iter()
            .find(|entry| entry.step == key.step && entry.instance == key.instance)
    }

    /// The entries a step of `key`'s entry waits for: for each step it depends
    /// on, the entry of the same instance if the plan has one, else the
    /// setup's single one.
    pub fn dependencies(&self, key: &EntryKey) -> Vec<EntryKey> {
        key.step
            .dependencies(self.request.profile_enabled)
            .iter()
            .map(|step| {
                let same_instance = EntryKey {
                    step: *step,
                    instance: key.instance.clone(),
                };
                if self.entry(&same_instance).is_some() {
                    same_instance
                } else {
                    EntryKey::single(*step)
                }
            })
            .collect()
    }

    /// A POSIX shell script doing the same calls with curl and jq. It reads
    /// ACCESS_TOKEN, API_KEY, ORG_ID and SANDBOX from the environment and
    /// contains no secret.
    pub fn to_curl_script(&self) -> String {
        let mut script = String::from("#!/bin/sh\n");
        script.push_str(&format!(
            "# Chatlio -> Adobe Experience Platform setup {:?}, exported by chatlio-aep plan --curl.\n",
            self.request.name
        ));
        script.push_str(
            "# Needs curl and jq. Set ACCESS_TOKEN, API_KEY, ORG_ID and SANDBOX first.\n",
        );
        script.push_str("set -eu\n");
        for variable in ["ACCESS_TOKEN", "API_KEY", "ORG_ID", "SANDBOX"] {
            script.push_str(&format!(": \"${{{variable}:?set {variable}}}\"\n"));
        }
        script.push_str("PLATFORM_URL=\"${PLATFORM_URL:-https://platform.adobe.io}\"\n\n");
        script.push_str("call() {\n  method=$1; path=$2; shift 2\n  curl -sS --fail-with-body -X \"$method\" \"$PLATFORM_URL$path\" \\\n    -H \"Authorization: Bearer $ACCESS_TOKEN\" -H \"x-api-key: $API_KEY\" \\\n    -H \"x-gw-ims-org-id: $ORG_ID\" -H \"x-sandbox-name: $SANDBOX\" \\\n    -H \"Content-Type: application/json\" \"$@\"\n}\n\n");
        // One flow's resources after the other: each flow's calls reuse the
        // same shell variables (SOURCE_CONNECTION_ID, FLOW_ID, ...), which
        // always hold the current flow's ids when its later calls read them.
        let flows = self.flows();
        let mut current_instance: Option<&str> = None;
        let entry_calls = self.entries.iter().flat_map(|entry| {
            let last = entry.calls.len().saturating_sub(1);
            entry
                .calls
                .iter()
                .enumerate()
                .map(move |(index, call)| (entry, index == last, call))
        });
        for (entry, last_of_entry, call) in entry_calls {
            if let Some(instance) = entry.instance.as_deref() {
                if current_instance != Some(instance) {
                    current_instance = Some(instance);
                    script.push_str(&format!(
                        "# ---- dataflow {instance:?}, for Chatlio's {} webhook field(s) ----\n\n",
                        chatlio_fields(&flows, instance)
                    ));
                }
            }
            script.push_str(&format!("# {}\n", call.note));
            let path = shell_text(&call.path);
            let accept = call
                .accept
                .map(|accept| format!(" -H \"Accept: {accept}\""))
                .unwrap_or_default();
            let (prefix, suffix) = match call.captures {
                // The closing parenthesis goes on its own line after the
                // heredoc: the body is read after the line that opens it.
                Some((variable, filter)) => {
                    (format!("{variable}=$("), format!(" | jq -r '{filter}'"))
                }
                None => (String::new(), String::new()),
            };
            match &call.body {
                Some(body) => {
                    let text = serde_json::to_string_pretty(body).unwrap_or_default();
                    script.push_str(&format!(
                        "{prefix}call {} \"{path}\"{accept} --data-binary @- <<CHATLIO_BODY_END{suffix}\n",
                        call.method
                    ));
                    // Unquoted delimiter: the placeholders become "${NAME}"
                    // and expand; every other "$" (as in "$id") is escaped.
                    script.push_str(&heredoc_text(&text));
                    script.push_str("\nCHATLIO_BODY_END\n");
                }
                None => {
                    script.push_str(&format!(
                        "{prefix}call {} \"{path}\"{accept}{suffix}\n",
                        call.method
                    ));
                }
            }
            if call.captures.is_some() {
                script.push_str(")\n");
            }
            if let Some((variable, _)) = call.captures {
                script.push_str(&format!("echo \"{variable}=${variable}\" >&2\n\n"));
                if variable == "SCHEMA_ID" {
                    // Schema Registry paths take the URL-encoded $id.
                    script.push_str(
                        "SCHEMA_ID_ENCODED=$(printf '%s' \"$SCHEMA_ID\" | jq -sRr @uri)\n\n",
                    );
                }
            }
            // Printed as soon as the flow's inlet URL is known: the next
            // flow's calls reuse INLET_URL and FLOW_ID.
            if let (StepId::ReadBack, true, Some(instance)) =
                (entry.step, last_of_entry, entry.instance.as_deref())
            {
                script.push_str(&format!(
                    "WEBHOOK_URL_{}=\"$INLET_URL?x-adobe-flow-id=$FLOW_ID\"\n\n",
                    instance.to_ascii_uppercase()
                ));
            }
        }
        // help/sources/tutorials/api/create/streaming/http.md
        script.push_str("echo \"Adobe asks to wait about 5 minutes after creating a streaming dataflow before sending data to it.\" >&2\n");
        if current_instance.is_none() {
            script.push_str(
                "echo \"Webhook URL for Chatlio: $INLET_URL?x-adobe-flow-id=$FLOW_ID\"\n",
            );
            return script;
        }
        for kind in chatlio::EventKind::ALL {
            let owner = flows
                .iter()
                .find(|(_, flow)| flow.event_kinds.contains(&kind))
                .and_then(|(instance, _)| instance.as_deref());
            if let Some(instance) = owner {
                script.push_str(&format!(
                    "echo \"Webhook URL for Chatlio's {} field: $WEBHOOK_URL_{}\"\n",
                    kind.code(),
                    instance.to_ascii_uppercase()
                ));
            }
        }
        script
    }
}

/// What a step's plan sees: the request, the names it uses, the placeholders
/// of ids known only at run time, and its dataflow when there are several.
fn plan_context<'a>(
    request: &'a SetupRequest,
    names: &'a Names,
    flow: Option<&'a chatlio::FlowPlan>,
) -> PlanContext<'a> {
    PlanContext {
        request,
        names,
        tenant: placeholder("TENANT_ID"),
        schema_id: match &request.schema {
            SchemaChoice::New { .. } => placeholder("SCHEMA_ID"),
            SchemaChoice::Existing { id } => id.clone(),
        },
        dataset_id: match &request.dataset {
            DatasetChoice::New { .. } => placeholder("DATASET_ID"),
            DatasetChoice::Existing { id } => id.clone(),
        },
        flow,
    }
}

/// The Chatlio webhook fields (event codes) whose URL is `instance`'s flow's.
fn chatlio_fields(flows: &[(Option<String>, chatlio::FlowPlan)], instance: &str) -> String {
    flows
        .iter()
        .find(|(key, _)| key.as_deref() == Some(instance))
        .map(|(_, flow)| {
            flow.event_kinds
                .iter()
                .map(|kind| kind.code())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A path with placeholders as shell text inside double quotes.
fn shell_text(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
        .replace('`', "\\`");
    substitute(&escaped)
}

/// JSON as the body of an unquoted heredoc, placeholders expanded.
fn heredoc_text(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('$', "\\$")
        .replace('`', "\\`");
    substitute(&escaped)
}

/// `@@NAME@@` → `${NAME}`.
fn substitute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("@@") {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_') =>
            {
                out.push_str(&format!("${{{}}}", &after[..end]));
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("@@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::SetupInput;

    fn new_setup() -> SetupRequest {
        SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            profile_enabled: true,
            error_diagnostics: true,
            partial_ingestion_threshold: Some(5),
            ..SetupInput::default()
        }
        .validate()
        .unwrap()
    }

    fn existing_setup() -> SetupRequest {
        SetupInput {
            name: "Reuse".into(),
            sandbox: "prod".into(),
            existing_schema_id: "https://ns.adobe.com/acme/schemas/abc".into(),
            existing_dataset_id: "5f0a1b2c3d4e5f6a7b8c9d0e".into(),
            ..SetupInput::default()
        }
        .validate()
        .unwrap()
    }

    fn steps_of_calls(plan: &Plan) -> Vec<Option<StepId>> {
        plan.calls().iter().map(|call| call.step).collect()
    }

    /// Every string in `value` under a key naming a secret or token.
    fn secret_values(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let key = key.to_ascii_lowercase();
                    if key.contains("secret") || key.contains("token") || key == "authorization" {
                        found.push(inner.to_string());
                    }
                    secret_values(inner, found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| secret_values(item, found)),
            _ => {}
        }
    }

    #[test]
    fn a_new_setup_lists_every_resource_and_every_call_in_order() {
        let request = new_setup();
        let plan = Plan::new(&request).unwrap();
        // With Profile (as here) the union tag is listed too, as a change.
        let created: Vec<StepId> = StepId::ALL
            .into_iter()
            .filter(|step| step.creates_resource() || *step == StepId::ProfileSchema)
            .collect();
        let listed: Vec<StepId> = plan.resources().iter().map(|r| r.step).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, created, "one resource per creating step");
        let names = Names::new(&request);
        for resource in plan.resources() {
            assert_eq!(resource.marker, names.marker(resource.step));
            let expected = match resource.step {
                StepId::FieldGroup => ResourceAction::CreateOrReuse,
                StepId::ProfileSchema => ResourceAction::ChangeIrreversibly,
                _ => ResourceAction::Create,
            };
            assert_eq!(resource.action, expected, "{:?}", resource.step);
        }
        // The token, then one call per step, in run order.
        let mut expected = vec![None];
        expected.extend(StepId::ALL.into_iter().map(Some));
        assert_eq!(steps_of_calls(&plan), expected);
        let shapes: Vec<(&str, &str)> = plan
            .calls()
            .iter()
            .map(|call| (call.method, call.path.as_str()))
            .collect();
        assert_eq!(
            shapes,
            [
                ("POST", "/ims/token/v3"),
                ("GET", "/data/foundation/schemaregistry/stats"),
                ("POST", "/data/foundation/schemaregistry/tenant/fieldgroups"),
                ("POST", "/data/foundation/schemaregistry/tenant/schemas"),
                ("POST", "/data/foundation/schemaregistry/tenant/descriptors"),
                (
                    "PATCH",
                    "/data/foundation/schemaregistry/tenant/schemas/@@SCHEMA_ID_ENCODED@@"
                ),
                (
                    "POST",
                    "/data/foundation/catalog/dataSets?requestDataSource=true"
                ),
                ("POST", "/data/foundation/flowservice/sourceConnections"),
                ("POST", "/data/foundation/flowservice/targetConnections"),
                ("POST", "/data/foundation/conversion/mappingSets"),
                ("POST", "/data/foundation/flowservice/flows"),
                ("GET", "/data/foundation/flowservice/flows/@@FLOW_ID@@"),
            ]
        );
        // Every created resource carries its marker, so an interrupted run's
        // resource (or one made by the exported script) is adopted.
        for call in plan.calls() {
            let (Some(step), Some(body)) = (call.step, &call.body) else {
                continue;
            };
            // Neither a descriptor nor a JSON Patch has a description.
            if matches!(step, StepId::IdentityDescriptor | StepId::ProfileSchema) {
                continue;
            }
            let marked = if step == StepId::MappingSet {
                body["name"].as_str()
            } else {
                body["description"].as_str()
            };
            assert!(
                crate::names::has_marker(marked, &request.name, step),
                "{step:?}: {body}"
            );
        }
        let dataset = plan.calls()[6].body.as_ref().unwrap();
        assert_eq!(dataset["tags"]["unifiedProfile"][0], "enabled:true");
        assert_eq!(dataset["enableErrorDiagnostics"], true);
        let flow = plan.calls()[10].body.as_ref().unwrap();
        assert_eq!(flow["options"]["partialIngestionPercent"], 5);
        assert_eq!(flow["options"]["errorDiagnosticsEnabled"], true);
    }

    #[test]
    fn existing_schema_and_dataset_are_used_not_created() {
        let request = existing_setup();
        let plan = Plan::new(&request).unwrap();
        for step in [StepId::Schema, StepId::Dataset] {
            let resource = plan
                .resources()
                .into_iter()
                .find(|r| r.step == step)
                .unwrap();
            assert_eq!(resource.action, ResourceAction::UseExisting);
        }
        assert!(!plan
            .resources()
            .iter()
            .any(|r| matches!(r.step, StepId::FieldGroup | StepId::IdentityDescriptor)));
        assert!(!plan.calls().iter().any(|call| matches!(
            call.step,
            Some(
                StepId::FieldGroup | StepId::Schema | StepId::IdentityDescriptor | StepId::Dataset
            )
        )));
        let target = plan
            .calls()
            .into_iter()
            .find(|call| call.step == Some(StepId::TargetConnection))
            .unwrap();
        let body = target.body.as_ref().unwrap().to_string();
        assert!(
            body.contains("https://ns.adobe.com/acme/schemas/abc"),
            "{body}"
        );
        assert!(body.contains("5f0a1b2c3d4e5f6a7b8c9d0e"), "{body}");
    }

    #[test]
    fn secrets_are_redacted_in_the_plan() {
        for request in [new_setup(), existing_setup()] {
            let plan = Plan::new(&request).unwrap();
            let value = serde_json::to_value(&plan).unwrap();
            let mut found = Vec::new();
            secret_values(&value, &mut found);
            assert_eq!(found, vec!["\"[redacted]\"".to_owned()], "{found:?}");
            let token = &plan.calls()[0];
            assert_eq!(token.step, None);
            assert_eq!(token.body.as_ref().unwrap()["client_secret"], "[redacted]");
            assert!(!value.to_string().contains("Bearer"));
        }
    }

    #[test]
    fn the_curl_script_reads_credentials_from_the_environment_and_holds_no_secret() {
        let plan = Plan::new(&new_setup()).unwrap();
        let script = plan.to_curl_script();
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("\nset -eu\n"));
        for variable in ["ACCESS_TOKEN", "API_KEY", "ORG_ID", "SANDBOX"] {
            assert!(
                script.contains(&format!(": \"${{{variable}:?set {variable}}}\"")),
                "{variable} is not required"
            );
        }
        assert!(script.contains("-H \"Authorization: Bearer $ACCESS_TOKEN\""));
        // The token request is left to the user; no secret, no token in text.
        for forbidden in ["client_secret", "[redacted]", "/ims/token", "eyJ"] {
            assert!(!script.contains(forbidden), "{forbidden}");
        }
        // One curl call per step, each body in its own heredoc.
        let calls = script
            .lines()
            .filter(|line| {
                line.contains("call POST")
                    || line.contains("call GET")
                    || line.contains("call PATCH")
            })
            .count();
        assert_eq!(calls, StepId::ALL.len());
        assert_eq!(
            script.matches("<<CHATLIO_BODY_END").count(),
            script.matches("\nCHATLIO_BODY_END\n").count()
        );
        // Placeholders became shell variables; the JSON "$ref"/"$id" stay literal.
        assert!(!script.contains("@@"));
        assert!(script.contains("${SCHEMA_ID}"));
        assert!(script.contains("\\$ref"));
        assert!(script.ends_with("?x-adobe-flow-id=$FLOW_ID\"\n"));
    }

    #[test]
    fn a_per_event_plan_makes_each_dataflow_its_own_resources_over_one_schema_and_dataset() {
        let request = SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            webhook_mode: chatlio::WebhookMode::PerEventUrl,
            ..SetupInput::default()
        }
        .validate()
        .unwrap();
        let plan = Plan::new(&request).unwrap();
        let flows = chatlio::WebhookPlan::new(chatlio::WebhookMode::PerEventUrl).flows;
        let per_flow: Vec<StepId> = StepId::ALL
            .into_iter()
            .filter(|step| step.per_flow())
            .collect();
        let shared = StepId::ALL.len() - per_flow.len();
        assert_eq!(plan.entries.len(), shared + per_flow.len() * flows.len());
        for entry in &plan.entries {
            assert_eq!(
                entry.instance.is_some(),
                entry.step.per_flow(),
                "{}",
                entry.key()
            );
        }
        // Names and markers are distinct, so each instance adopts its own.
        let resources = plan.resources();
        let mut markers: Vec<&str> = resources.iter().map(|r| r.marker.as_str()).collect();
        let mut names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
        let count = markers.len();
        markers.sort_unstable();
        markers.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!((markers.len(), names.len()), (count, count));
        let single = Names::new(&request);
        for resource in resources.iter().filter(|r| !r.step.per_flow()) {
            assert_eq!(
                resource.marker,
                single.marker(resource.step),
                "shared: the setup's marker"
            );
        }
        for flow in &flows {
            let key = |step| EntryKey {
                step,
                instance: Some(flow.key.clone()),
            };
            let mapping = plan.entry(&key(StepId::MappingSet)).unwrap();
            assert_eq!(mapping.body().unwrap(), &{
                let mut body =
                    chatlio::mapping_set_body("@@TENANT_ID@@", "@@SCHEMA_ID@@", flow.url_hint);
                body["name"] = mapping.body().unwrap()["name"].clone();
                body
            });
            let dataflow = plan.entry(&key(StepId::Dataflow)).unwrap();
            assert!(dataflow
                .resource
                .as_ref()
                .unwrap()
                .name
                .ends_with(&flow.name_suffix));
            // Each dataflow waits for its own connections and mapping, and
            // for the shared identity.
            let dependencies = plan.dependencies(&key(StepId::Dataflow));
            assert!(dependencies.contains(&key(StepId::SourceConnection)));
            assert!(dependencies.contains(&EntryKey::single(StepId::IdentityDescriptor)));
            let target = plan.entry(&key(StepId::TargetConnection)).unwrap();
            assert!(target
                .body()
                .unwrap()
                .to_string()
                .contains("@@DATASET_ID@@"));
        }
        // One schema, one dataset.
        for step in [StepId::Schema, StepId::Dataset] {
            assert_eq!(
                plan.entries
                    .iter()
                    .filter(|entry| entry.step == step)
                    .count(),
                1
            );
        }
        // The script makes every resource and prints the URL of each field.
        let script = plan.to_curl_script();
        assert_eq!(
            script
                .matches("call POST \"/data/foundation/flowservice/flows\"")
                .count(),
            4
        );
        for kind in chatlio::EventKind::ALL {
            assert!(
                script.contains(&format!(
                    "Webhook URL for Chatlio's {} field: $WEBHOOK_URL_",
                    kind.code()
                )),
                "{kind}"
            );
        }
        assert!(
            script.contains("WEBHOOK_URL_NEW_CONVERSATION=\"$INLET_URL?x-adobe-flow-id=$FLOW_ID\"")
        );
        assert!(!script.contains("@@"));
        // The mode is in the request the plan shows; a single-URL request
        // leaves it out, as before the choice existed.
        let value = serde_json::to_value(&plan).unwrap();
        assert_eq!(value["request"]["webhookMode"], "per_event_url");
        let single = serde_json::to_value(Plan::new(&new_setup()).unwrap()).unwrap();
        assert!(single["request"].get("webhookMode").is_none());
    }

    #[test]
    fn shell_text_is_quoted_so_nothing_in_a_title_is_expanded() {
        assert_eq!(
            heredoc_text(r#"{"title": "a $(x) `y` \\ $HOME @@TENANT_ID@@"}"#),
            r#"{"title": "a \$(x) \`y\` \\\\ \$HOME ${TENANT_ID}"}"#
        );
        assert_eq!(
            shell_text(r#"/x/"$y"/@@FLOW_ID@@"#),
            r#"/x/\"\$y\"/${FLOW_ID}"#
        );
        // Only upper-case names are placeholders.
        assert_eq!(substitute("@@a@@ @@B_C@@"), "@@a@@ ${B_C}");
    }
}
