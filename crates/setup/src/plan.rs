//! The plan: every resource and every API call a setup will make, with bodies
//! (no secret is ever part of one), for the review screen, `chatlio-aep plan`
//! and `plan --curl`, which writes them as a runnable shell script.

use serde::Serialize;
use serde_json::{json, Value};

use crate::input::{DatasetChoice, SchemaChoice, SetupRequest};
use crate::names::Names;
use crate::step::StepId;

/// Stands in for a value known only while the setup runs; in the script it
/// becomes the shell variable of the same name.
fn placeholder(variable: &str) -> String {
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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub request: SetupRequest,
    pub resources: Vec<PlannedResource>,
    pub calls: Vec<PlannedCall>,
}

const REGISTRY: &str = "/data/foundation/schemaregistry";
const FLOWS: &str = "/data/foundation/flowservice";

impl Plan {
    pub fn new(request: &SetupRequest) -> Result<Self, serde_json::Error> {
        let names = Names::new(request);
        let tenant = placeholder("TENANT_ID");
        let schema_id = match &request.schema {
            SchemaChoice::New { .. } => placeholder("SCHEMA_ID"),
            SchemaChoice::Existing { id } => id.clone(),
        };
        let dataset_id = match &request.dataset {
            DatasetChoice::New { .. } => placeholder("DATASET_ID"),
            DatasetChoice::Existing { id } => id.clone(),
        };
        let mut resources = Vec::new();
        let mut calls = vec![
            PlannedCall {
                step: None,
                method: "POST",
                path: "/ims/token/v3".into(),
                body: Some(
                    json!({"grant_type": "client_credentials", "client_id": "$API_KEY", "client_secret": "[redacted]", "scope": "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"}),
                ),
                captures: None,
                accept: None,
                note: "access token (the script expects ACCESS_TOKEN to be set already)",
            },
            PlannedCall {
                step: Some(StepId::TenantId),
                method: "GET",
                path: format!("{REGISTRY}/stats"),
                body: None,
                captures: Some(("TENANT_ID", ".tenantId")),
                accept: None,
                note: "tenant id",
            },
        ];
        let mut resource = |step, kind, name: &str, action| {
            resources.push(PlannedResource {
                step,
                kind,
                name: name.to_owned(),
                action,
                marker: names.marker(step),
            });
        };
        if let SchemaChoice::New { title } = &request.schema {
            resource(
                StepId::FieldGroup,
                "field_group",
                &names.field_group_title,
                ResourceAction::CreateOrReuse,
            );
            resource(StepId::Schema, "schema", title, ResourceAction::Create);
            resource(
                StepId::IdentityDescriptor,
                "identity_descriptor",
                "visitor email (Email namespace, primary)",
                ResourceAction::Create,
            );
            let mut field_group = chatlio::field_group_body(&tenant);
            field_group["description"] =
                json!(names.description(StepId::FieldGroup, "Chatlio webhook fields."));
            calls.push(PlannedCall {
                step: Some(StepId::FieldGroup),
                method: "POST",
                path: format!("{REGISTRY}/tenant/fieldgroups"),
                body: Some(field_group),
                captures: Some(("FIELD_GROUP_ID", ".\"$id\"")),
                accept: None,
                note: "field group (reused if one with this title exists)",
            });
            let mut schema = chatlio::schema_body(&tenant, &placeholder("FIELD_GROUP_ID"), title);
            schema["description"] =
                json!(names.description(StepId::Schema, "Chatlio webhook events."));
            calls.push(PlannedCall {
                step: Some(StepId::Schema),
                method: "POST",
                path: format!("{REGISTRY}/tenant/schemas"),
                body: Some(schema),
                captures: Some(("SCHEMA_ID", ".\"$id\"")),
                accept: None,
                note: "ExperienceEvent schema with the Chatlio field group",
            });
            calls.push(PlannedCall {
                step: Some(StepId::IdentityDescriptor),
                method: "POST",
                path: format!("{REGISTRY}/tenant/descriptors"),
                body: Some(chatlio::identity_descriptor_body(&schema_id, &tenant)),
                captures: Some(("DESCRIPTOR_ID", ".\"@id\"")),
                accept: None,
                note: "primary identity: visitor email",
            });
            if request.profile_enabled {
                resource(
                    StepId::ProfileSchema,
                    "profile_schema",
                    title,
                    ResourceAction::ChangeIrreversibly,
                );
                calls.push(PlannedCall {
                    step: Some(StepId::ProfileSchema),
                    method: "PATCH",
                    path: format!("{REGISTRY}/tenant/schemas/@@SCHEMA_ID_ENCODED@@"),
                    body: Some(json!([{"op": "add", "path": "/meta:immutableTags", "value": [platform::models::schema::UNION_TAG]}])),
                    captures: None,
                    accept: Some(platform::models::XED_V1),
                    note: "enable the schema for Profile (cannot be undone)",
                });
            }
        } else {
            resource(
                StepId::Schema,
                "schema",
                &schema_id,
                ResourceAction::UseExisting,
            );
        }
        match &request.dataset {
            DatasetChoice::New { name } => {
                resource(StepId::Dataset, "dataset", name, ResourceAction::Create);
                let mut body = json!({
                    "name": name,
                    "description": names.description(StepId::Dataset, "Chatlio webhook events."),
                    "schemaRef": {"id": schema_id, "contentType": platform::models::XED_V1},
                });
                if request.profile_enabled {
                    body["tags"] = json!(profile_dataset_tags());
                }
                if request.error_diagnostics {
                    body["enableErrorDiagnostics"] = json!(true);
                }
                calls.push(PlannedCall {
                    step: Some(StepId::Dataset),
                    method: "POST",
                    path: "/data/foundation/catalog/dataSets?requestDataSource=true".into(),
                    body: Some(body),
                    captures: Some(("DATASET_ID", ".[0] | split(\"/\") | last")),
                    accept: None,
                    note: "dataset",
                });
            }
            DatasetChoice::Existing { id } => {
                resource(StepId::Dataset, "dataset", id, ResourceAction::UseExisting);
            }
        }
        resource(
            StepId::SourceConnection,
            "source_connection",
            &names.source_connection,
            ResourceAction::Create,
        );
        resource(
            StepId::TargetConnection,
            "target_connection",
            &names.target_connection,
            ResourceAction::Create,
        );
        resource(
            StepId::MappingSet,
            "mapping_set",
            &names.mapping_set,
            ResourceAction::Create,
        );
        resource(
            StepId::Dataflow,
            "dataflow",
            &names.dataflow,
            ResourceAction::Create,
        );
        calls.push(PlannedCall {
            step: Some(StepId::SourceConnection),
            method: "POST",
            path: format!("{FLOWS}/sourceConnections"),
            body: Some(serde_json::to_value(
                platform::models::flow::SourceConnectionRequest::chatlio(
                    names.source_connection.clone(),
                    Some(names.description(StepId::SourceConnection, "Chatlio webhook source.")),
                ),
            )?),
            captures: Some(("SOURCE_CONNECTION_ID", ".id")),
            accept: None,
            note: "Chatlio streaming source connection",
        });
        calls.push(PlannedCall {
            step: Some(StepId::TargetConnection),
            method: "POST",
            path: format!("{FLOWS}/targetConnections"),
            body: Some(serde_json::to_value(
                platform::models::flow::TargetConnectionRequest::data_lake(
                    names.target_connection.clone(),
                    Some(names.description(
                        StepId::TargetConnection,
                        "Chatlio events into the data lake.",
                    )),
                    platform::models::SchemaId::new(schema_id.clone()),
                    platform::models::DatasetId::new(dataset_id),
                ),
            )?),
            captures: Some(("TARGET_CONNECTION_ID", ".id")),
            accept: None,
            note: "data lake target connection",
        });
        let mut mapping_set = chatlio::mapping_set_body(&tenant, &schema_id, None);
        mapping_set["name"] = json!(names.mapping_set);
        calls.push(PlannedCall {
            step: Some(StepId::MappingSet),
            method: "POST",
            path: "/data/foundation/conversion/mappingSets".into(),
            body: Some(mapping_set),
            captures: Some(("MAPPING_SET_ID", ".id")),
            accept: None,
            note: "Data Prep mapping for all five Chatlio events",
        });
        let mut flow = serde_json::to_value(platform::models::flow::FlowRequest::streaming(
            names.dataflow.clone(),
            Some(names.description(StepId::Dataflow, "Chatlio webhook dataflow.")),
            placeholder("SOURCE_CONNECTION_ID").into(),
            placeholder("TARGET_CONNECTION_ID").into(),
            &placeholder("MAPPING_SET_ID").into(),
            0,
        ))?;
        if request.error_diagnostics {
            flow["options"]["errorDiagnosticsEnabled"] = json!(true);
        }
        if let Some(threshold) = request.partial_ingestion_threshold {
            flow["options"]["partialIngestionPercent"] = json!(threshold);
        }
        calls.push(PlannedCall {
            step: Some(StepId::Dataflow),
            method: "POST",
            path: format!("{FLOWS}/flows"),
            body: Some(flow),
            captures: Some(("FLOW_ID", ".id")),
            accept: None,
            note: "streaming dataflow",
        });
        calls.push(PlannedCall {
            step: Some(StepId::ReadBack),
            method: "GET",
            path: format!("{FLOWS}/flows/{}", placeholder("FLOW_ID")),
            body: None,
            captures: Some(("INLET_URL", ".items[0].options.inletUrl")),
            accept: None,
            note: "read back the inlet URL",
        });
        Ok(Plan {
            request: request.clone(),
            resources,
            calls,
        })
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
        for call in &self.calls {
            if call.step.is_none() {
                continue;
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
        }
        // help/sources/tutorials/api/create/streaming/http.md
        script.push_str("echo \"Adobe asks to wait about 5 minutes after creating a streaming dataflow before sending data to it.\" >&2\n");
        script.push_str("echo \"Webhook URL for Chatlio: $INLET_URL?x-adobe-flow-id=$FLOW_ID\"\n");
        script
    }
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
        plan.calls.iter().map(|call| call.step).collect()
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
        let listed: Vec<StepId> = plan.resources.iter().map(|r| r.step).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, created, "one resource per creating step");
        let names = Names::new(&request);
        for resource in &plan.resources {
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
            .calls
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
        for call in &plan.calls {
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
        let dataset = plan.calls[6].body.as_ref().unwrap();
        assert_eq!(dataset["tags"]["unifiedProfile"][0], "enabled:true");
        assert_eq!(dataset["enableErrorDiagnostics"], true);
        let flow = plan.calls[10].body.as_ref().unwrap();
        assert_eq!(flow["options"]["partialIngestionPercent"], 5);
        assert_eq!(flow["options"]["errorDiagnosticsEnabled"], true);
    }

    #[test]
    fn existing_schema_and_dataset_are_used_not_created() {
        let request = existing_setup();
        let plan = Plan::new(&request).unwrap();
        for step in [StepId::Schema, StepId::Dataset] {
            let resource = plan.resources.iter().find(|r| r.step == step).unwrap();
            assert_eq!(resource.action, ResourceAction::UseExisting);
        }
        assert!(!plan
            .resources
            .iter()
            .any(|r| matches!(r.step, StepId::FieldGroup | StepId::IdentityDescriptor)));
        assert!(!plan.calls.iter().any(|call| matches!(
            call.step,
            Some(
                StepId::FieldGroup | StepId::Schema | StepId::IdentityDescriptor | StepId::Dataset
            )
        )));
        let target = plan
            .calls
            .iter()
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
            let token = &plan.calls[0];
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
