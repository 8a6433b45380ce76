//! A setup as a file ("config as code"): what `chatlio-aep export` writes and
//! `plan -f` / `apply -f` read. It holds the user's choices only (the
//! [`SetupRequest`]): no secret, token, id of a resource the setup made, or
//! webhook URL, so it can be kept in a repository and applied to another
//! sandbox.
//!
//! The format is versioned ([`VERSION`]); a file from a newer version is
//! refused as such rather than half understood. Every problem is reported at
//! once, each with the JSON path of the value it is about, and the rules for
//! the values themselves are [`SetupInput::validate`]'s (one place for them).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::input::{DatasetChoice, Field, Problem, SchemaChoice, SetupInput, SetupRequest};

/// The format this version writes and reads. Bumped when a file's meaning
/// changes incompatibly.
pub const VERSION: u64 = 1;

/// The top-level keys, in the order an exported file lists them.
pub const KEYS: &[&str] = &[
    "version",
    "name",
    "sandbox",
    "schema",
    "dataset",
    "profileEnabled",
    "errorDiagnostics",
    "partialIngestionThreshold",
    "webhookMode",
];

/// The schema or the dataset: new (`title` for a schema, `name` for a
/// dataset) or existing (`existingId`); exactly one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
}

/// The file, as written. Built from a validated request only, so what is
/// exported always reads back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupFile {
    pub version: u64,
    pub name: String,
    pub sandbox: String,
    pub schema: Choice,
    pub dataset: Choice,
    pub profile_enabled: bool,
    pub error_diagnostics: bool,
    pub partial_ingestion_threshold: Option<u8>,
    pub webhook_mode: chatlio::WebhookMode,
}

/// Why a value of a file was refused. Stable codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum FileProblem {
    /// Not JSON at all; `message` names the line and column.
    InvalidJson {
        message: String,
    },
    NotAnObject,
    /// A key this version does not know (a typo, or a newer version's).
    UnknownKey,
    Missing,
    /// The value is of the wrong type; `expected` says which.
    WrongType {
        expected: &'static str,
    },
    /// `version` is newer than this program understands.
    FutureVersion {
        found: u64,
        supported: u64,
    },
    /// The value breaks a rule of [`SetupInput::validate`].
    Invalid {
        problem: Problem,
    },
}

/// One refused value: where it is (a JSON path such as `$.dataset.name`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{path}: {}", describe(problem))]
pub struct FileError {
    pub path: String,
    #[serde(flatten)]
    pub problem: FileProblem,
}

fn describe(problem: &FileProblem) -> String {
    match problem {
        FileProblem::InvalidJson { message } => format!("not valid JSON ({message})"),
        FileProblem::NotAnObject => "must be a JSON object".into(),
        FileProblem::UnknownKey => format!("unknown key (the keys are: {})", KEYS.join(", ")),
        FileProblem::Missing => "missing".into(),
        FileProblem::WrongType { expected } => format!("must be {expected}"),
        FileProblem::FutureVersion { found, supported } => format!(
            "version {found} was written by a newer chatlio-aep; this one reads version {supported}: update chatlio-aep"
        ),
        FileProblem::Invalid { problem } => match problem {
            Problem::Empty => "must not be empty".into(),
            Problem::TooLong => "is too long".into(),
            Problem::InvalidCharacters => {
                "has characters that are not allowed (letters, digits, space, - _ . for names; lower-case letters, digits and - for sandboxes)".into()
            }
            Problem::NotASchemaId => "is not a schema $id (https://ns.adobe.com/...)".into(),
            Problem::ProfileNeedsNewSchema => {
                "Profile needs a new schema: an existing one may lack the identity Profile needs".into()
            }
            Problem::OutOfRange => "must be a whole number of percent from 1 to 100".into(),
        },
    }
}

/// The JSON path of each request field, so a validation error names the
/// value in the file.
fn field_path(field: Field) -> &'static str {
    match field {
        Field::Name => "$.name",
        Field::Sandbox => "$.sandbox",
        Field::SchemaTitle => "$.schema.title",
        Field::ExistingSchemaId => "$.schema.existingId",
        Field::DatasetName => "$.dataset.name",
        Field::ExistingDatasetId => "$.dataset.existingId",
        Field::PartialIngestionThreshold => "$.partialIngestionThreshold",
    }
}

impl SetupFile {
    /// The file of a validated request (a journal's, for `export`).
    pub fn from_request(request: &SetupRequest) -> Self {
        let existing = |id: &String| Choice {
            existing_id: Some(id.clone()),
            ..Choice::default()
        };
        Self {
            version: VERSION,
            name: request.name.clone(),
            sandbox: request.sandbox.clone(),
            schema: match &request.schema {
                SchemaChoice::New { title } => Choice {
                    title: Some(title.clone()),
                    ..Choice::default()
                },
                SchemaChoice::Existing { id } => existing(id),
            },
            dataset: match &request.dataset {
                DatasetChoice::New { name } => Choice {
                    name: Some(name.clone()),
                    ..Choice::default()
                },
                DatasetChoice::Existing { id } => existing(id),
            },
            profile_enabled: request.profile_enabled,
            error_diagnostics: request.error_diagnostics,
            partial_ingestion_threshold: request.partial_ingestion_threshold,
            webhook_mode: request.webhook_mode,
        }
    }

    /// The file as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self).map(|text| text + "\n")
    }
}

/// Reads a file's text into the request it describes. Every problem is
/// returned at once; a future version is reported alone (its other keys may
/// mean something this version cannot know).
pub fn parse(text: &str) -> Result<SetupRequest, Vec<FileError>> {
    let value: Value = serde_json::from_str(text).map_err(|error| {
        vec![FileError {
            path: "$".into(),
            // serde's message names the line and column, never the text.
            problem: FileProblem::InvalidJson {
                message: error.to_string(),
            },
        }]
    })?;
    let Value::Object(map) = value else {
        return Err(vec![at("$", FileProblem::NotAnObject)]);
    };
    Reader::default().read(&map)
}

fn at(path: &str, problem: FileProblem) -> FileError {
    FileError {
        path: path.to_owned(),
        problem,
    }
}

/// Collects the problems of one file while reading it.
#[derive(Default)]
struct Reader {
    errors: Vec<FileError>,
}

impl Reader {
    fn wrong(&mut self, path: &str, expected: &'static str) {
        self.errors
            .push(at(path, FileProblem::WrongType { expected }));
    }

    fn unknown_keys(&mut self, map: &Map<String, Value>, known: &[&str], prefix: &str) {
        for key in map.keys().filter(|key| !known.contains(&key.as_str())) {
            self.errors
                .push(at(&format!("{prefix}.{key}"), FileProblem::UnknownKey));
        }
    }

    fn text(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match map.get(key) {
            None => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.wrong(path, "a string");
                None
            }
        }
    }

    fn required_text(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> String {
        if !map.contains_key(key) {
            self.errors.push(at(path, FileProblem::Missing));
        }
        self.text(map, key, path).unwrap_or_default()
    }

    fn flag(&mut self, map: &Map<String, Value>, key: &str, default: bool) -> bool {
        match map.get(key) {
            None => default,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                self.wrong(&format!("$.{key}"), "true or false");
                default
            }
        }
    }

    /// A schema or dataset choice: `{"<new key>": "..."}` or
    /// `{"existingId": "..."}` (one of the two). Returns (new, existing).
    fn choice(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        new_key: &'static str,
    ) -> (String, String) {
        let path = format!("$.{key}");
        let Some(value) = map.get(key) else {
            return (String::new(), String::new());
        };
        let Value::Object(inner) = value else {
            self.wrong(
                &path,
                "an object: {\"existingId\": ...} or a new one's title or name",
            );
            return (String::new(), String::new());
        };
        self.unknown_keys(inner, &[new_key, "existingId"], &path);
        let new = self.text(inner, new_key, &format!("{path}.{new_key}"));
        let existing = self.text(inner, "existingId", &format!("{path}.existingId"));
        if new.is_some() && existing.is_some() {
            self.wrong(&path, "either a new one or an existing one, not both");
        }
        (new.unwrap_or_default(), existing.unwrap_or_default())
    }

    fn read(mut self, map: &Map<String, Value>) -> Result<SetupRequest, Vec<FileError>> {
        match map.get("version") {
            None => self.errors.push(at("$.version", FileProblem::Missing)),
            Some(version) => match version.as_u64() {
                Some(found) if found > VERSION => {
                    return Err(vec![at(
                        "$.version",
                        FileProblem::FutureVersion {
                            found,
                            supported: VERSION,
                        },
                    )])
                }
                Some(VERSION) => {}
                _ => self.wrong("$.version", "the whole number 1"),
            },
        }
        self.unknown_keys(map, KEYS, "$");
        // Choices the file leaves out are the ones the app proposes, as for
        // the CLI's flags.
        let recommended = SetupInput::recommended();
        let name = self.required_text(map, "name", "$.name");
        let sandbox = self.required_text(map, "sandbox", "$.sandbox");
        let (schema_title, existing_schema_id) = self.choice(map, "schema", "title");
        let (dataset_name, existing_dataset_id) = self.choice(map, "dataset", "name");
        let profile_enabled = self.flag(map, "profileEnabled", recommended.profile_enabled);
        let error_diagnostics = self.flag(map, "errorDiagnostics", recommended.error_diagnostics);
        let partial_ingestion_threshold = match map.get("partialIngestionThreshold") {
            None | Some(Value::Null) => recommended.partial_ingestion_threshold,
            Some(value) => match value.as_u64() {
                // Out of u8's range is out of validation's range too.
                Some(number) => Some(u8::try_from(number).unwrap_or(u8::MAX)),
                None => {
                    self.wrong(
                        "$.partialIngestionThreshold",
                        "a whole number of percent, or null for off",
                    );
                    None
                }
            },
        };
        let webhook_mode = match map.get("webhookMode") {
            None => recommended.webhook_mode,
            Some(value) => match serde_json::from_value::<chatlio::WebhookMode>(value.clone()) {
                Ok(mode) => mode,
                Err(_) => {
                    self.wrong("$.webhookMode", "\"single_url\" or \"per_event_url\"");
                    recommended.webhook_mode
                }
            },
        };
        let input = SetupInput {
            name,
            sandbox,
            existing_schema_id,
            schema_title,
            existing_dataset_id,
            dataset_name,
            profile_enabled,
            error_diagnostics,
            partial_ingestion_threshold,
            webhook_mode,
        };
        let validated = input.validate();
        if let Err(field_errors) = &validated {
            for error in field_errors {
                let path = field_path(error.field);
                // A value already refused for its type (or a missing one) is
                // not reported a second time as empty.
                if !self.errors.iter().any(|known| known.path == path) {
                    self.errors.push(at(
                        path,
                        FileProblem::Invalid {
                            problem: error.problem,
                        },
                    ));
                }
            }
        }
        match validated {
            Ok(request) if self.errors.is_empty() => Ok(request),
            _ => Err(self.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> SetupRequest {
        SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            partial_ingestion_threshold: Some(5),
            ..SetupInput::recommended()
        }
        .validate()
        .unwrap()
    }

    fn paths(text: &str) -> Vec<(String, FileProblem)> {
        parse(text)
            .unwrap_err()
            .into_iter()
            .map(|error| (error.path, error.problem))
            .collect()
    }

    #[test]
    fn an_exported_file_reads_back_as_the_same_request() {
        let request = request();
        let text = SetupFile::from_request(&request).to_json().unwrap();
        assert_eq!(parse(&text).unwrap(), request);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["schema"]["title"], "Chatlio events schema");
        assert_eq!(value["dataset"]["name"], "Chatlio events dataset");
        assert_eq!(value["webhookMode"], "per_event_url");
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), KEYS.len());

        let existing = SetupInput {
            name: "Reuse".into(),
            sandbox: "dev".into(),
            existing_schema_id: "https://ns.adobe.com/tenant/schemas/abc".into(),
            existing_dataset_id: "5f0c1a".into(),
            ..SetupInput::default()
        }
        .validate()
        .unwrap();
        let text = SetupFile::from_request(&existing).to_json().unwrap();
        assert!(text.contains("\"existingId\""), "{text}");
        assert_eq!(parse(&text).unwrap(), existing);
    }

    #[test]
    fn left_out_choices_are_the_recommended_ones() {
        let request =
            parse(r#"{"version": 1, "name": "Chatlio events", "sandbox": "prod"}"#).unwrap();
        let recommended = SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            ..SetupInput::recommended()
        }
        .validate()
        .unwrap();
        assert_eq!(request, recommended);
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let problems = paths(
            r#"{"version": 1, "name": "", "sandbox": "Prod", "colour": "blue",
                "schema": {"title": "x", "existingId": "y"}, "dataset": {"nme": "d"},
                "profileEnabled": "yes", "partialIngestionThreshold": 300, "webhookMode": "many"}"#,
        );
        let found: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
        for path in [
            "$.colour",
            "$.name",
            "$.sandbox",
            "$.schema",
            "$.dataset.nme",
            "$.profileEnabled",
            "$.partialIngestionThreshold",
            "$.webhookMode",
        ] {
            assert!(found.contains(&path), "{path} in {found:?}");
        }
        assert!(problems.contains(&("$.colour".into(), FileProblem::UnknownKey)));
        assert!(problems.contains(&(
            "$.name".into(),
            FileProblem::Invalid {
                problem: Problem::Empty
            }
        )));
        assert!(problems.contains(&(
            "$.partialIngestionThreshold".into(),
            FileProblem::Invalid {
                problem: Problem::OutOfRange
            }
        )));
    }

    #[test]
    fn a_future_version_is_refused_alone_and_a_missing_one_is_named() {
        let problems = paths(r#"{"version": 2, "name": "x", "sandbox": "prod", "newKey": 1}"#);
        assert_eq!(
            problems,
            vec![(
                "$.version".into(),
                FileProblem::FutureVersion {
                    found: 2,
                    supported: 1
                }
            )]
        );
        let message = parse(r#"{"version": 2}"#).unwrap_err()[0].to_string();
        assert!(message.contains("newer"), "{message}");
        assert_eq!(
            paths(r#"{"name": "x", "sandbox": "prod"}"#),
            vec![("$.version".into(), FileProblem::Missing)]
        );
        assert_eq!(paths("[1]"), vec![("$".into(), FileProblem::NotAnObject)]);
        assert!(matches!(
            paths("{").as_slice(),
            [(_, FileProblem::InvalidJson { .. })]
        ));
    }
}
