//! What the user chose, parsed and validated into a typed request before any
//! network call. Every bad field gets its own error with a stable code, so the
//! wizard can show it next to the field and the CLI can name the flag.

use serde::{Deserialize, Serialize};

/// Longest names we accept. Adobe documents no limits for these names; these
/// keep them readable in Adobe's UI and safe as file names for the journal.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_TITLE_CHARS: usize = 200;

/// The raw input, as typed in a form or given as flags.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetupInput {
    /// The dataflow's name; also names the setup's journal.
    pub name: String,
    pub sandbox: String,
    /// Empty: create a new schema titled after the dataflow.
    pub existing_schema_id: String,
    pub schema_title: String,
    /// Empty: create a new dataset named after the dataflow.
    pub existing_dataset_id: String,
    pub dataset_name: String,
    pub profile_enabled: bool,
    pub error_diagnostics: bool,
    /// Percentage of failed records tolerated before a run fails, when
    /// partial ingestion is on.
    pub partial_ingestion_threshold: Option<u8>,
    /// One webhook URL for all five Chatlio fields, or one per event (four
    /// dataflows over one schema and dataset). An input without it is a
    /// single-URL one.
    pub webhook_mode: chatlio::WebhookMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SchemaChoice {
    New { title: String },
    Existing { id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum DatasetChoice {
    New { name: String },
    Existing { id: String },
}

/// A request that passed validation: every later stage may rely on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupRequest {
    pub name: String,
    pub sandbox: String,
    pub schema: SchemaChoice,
    pub dataset: DatasetChoice,
    pub profile_enabled: bool,
    pub error_diagnostics: bool,
    pub partial_ingestion_threshold: Option<u8>,
    /// Which dataflows the setup makes. Absent in journals written before the
    /// choice, and left out when it is the single URL, so a single-URL
    /// setup's journal and plan are exactly what they were.
    #[serde(default, skip_serializing_if = "is_single_url")]
    pub webhook_mode: chatlio::WebhookMode,
}

fn is_single_url(mode: &chatlio::WebhookMode) -> bool {
    *mode == chatlio::WebhookMode::SingleUrl
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Sandbox,
    SchemaTitle,
    ExistingSchemaId,
    DatasetName,
    ExistingDatasetId,
    PartialIngestionThreshold,
}

/// Why a field was refused. Stable codes: the UI words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Empty,
    TooLong,
    InvalidCharacters,
    /// The schema id is not a Schema Registry `$id` URL.
    NotASchemaId,
    /// Profile needs an identity on the schema, which an existing schema may
    /// lack; we only create ours with one.
    ProfileNeedsNewSchema,
    OutOfRange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{field:?}: {problem:?}")]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

fn check_name(field: Field, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    let mut fail = |problem| errors.push(FieldError { field, problem });
    if value.is_empty() {
        fail(Problem::Empty);
    } else if value.chars().count() > max {
        fail(Problem::TooLong);
    } else if value.starts_with('.')
        || !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
    {
        fail(Problem::InvalidCharacters);
    }
}

/// Adobe's rule for sandbox names, kept once in `platform::models::SandboxName::parse`;
/// the name, trimmed, when it passes.
fn check_sandbox(value: &str, errors: &mut Vec<FieldError>) -> String {
    match parse_sandbox(value) {
        Ok(name) => name,
        Err(error) => {
            errors.push(error);
            value.trim().to_owned()
        }
    }
}

/// A sandbox name as typed, checked by Adobe's rule
/// ([`platform::models::SandboxName::parse`]) and refused, if it breaks it, with this
/// crate's field codes: the one check for every form that takes a sandbox.
///
/// # Errors
/// The [`Field::Sandbox`] problem the UI and CLI word.
pub fn parse_sandbox(value: &str) -> Result<String, FieldError> {
    use platform::models::{SandboxName, SandboxNameError};
    SandboxName::parse(value)
        .map(SandboxName::into_inner)
        .map_err(|error| FieldError {
            field: Field::Sandbox,
            problem: match error {
                SandboxNameError::Empty => Problem::Empty,
                SandboxNameError::TooLong => Problem::TooLong,
                // Sandbox names are the lower-case ids shown in the sandbox switcher,
                // not their display titles.
                SandboxNameError::UpperCase
                | SandboxNameError::InvalidCharacter(_)
                | SandboxNameError::FirstNotALetter => Problem::InvalidCharacters,
            },
        })
}

/// The failed-record share, in percent, proposed when the user turns partial ingestion
/// on (the UI's threshold field starts at it). Off by default: see
/// [`SetupInput::recommended`].
pub const RECOMMENDED_PARTIAL_INGESTION_THRESHOLD: u8 = 5;

impl SetupInput {
    /// What the wizard starts with and what the CLI uses for every choice its flags and
    /// config file leave open, so both front ends make the same dataflow by default:
    ///
    /// * name "Chatlio events"; the schema and dataset are new and named after it.
    /// * **error diagnostics on**: Adobe then keeps, for each record it refuses, which
    ///   field failed and why, so the dashboard and `status` can explain a failure instead
    ///   of only counting it. It costs nothing while records succeed, and it cannot be
    ///   turned on after the fact for records already refused.
    /// * Profile off: enabling a schema for Profile cannot be undone, so it is the user's
    ///   explicit choice, never a default.
    /// * partial ingestion off: a run with any bad record fails visibly rather than
    ///   quietly dropping up to a threshold of records; when it is turned on,
    ///   [`RECOMMENDED_PARTIAL_INGESTION_THRESHOLD`] is proposed.
    /// * **one webhook URL per event** ([`chatlio::WebhookMode::PerEventUrl`]): Chatlio's
    ///   new-conversation, unanswered-visitor and visitor-feedback webhooks send bodies of
    ///   the same shape, so only the URL can tell them apart; with one URL for all five
    ///   they are stored as one kind, `visitor_event`, and a marketer cannot count
    ///   unanswered visitors or feedback, which is what two of the five webhooks are for.
    ///   The cost is in Adobe (four dataflows over the one schema and dataset instead of
    ///   one), not for the person wiring Chatlio: they paste into five fields either way.
    ///   `--webhook-mode single` (CLI) and "One URL for all five fields" (app) make one.
    /// * no sandbox: it is chosen per connection (Adobe's default production sandbox is
    ///   `prod`, which the CLI falls back to).
    pub fn recommended() -> Self {
        Self {
            name: "Chatlio events".into(),
            error_diagnostics: true,
            profile_enabled: false,
            partial_ingestion_threshold: None,
            webhook_mode: chatlio::WebhookMode::PerEventUrl,
            ..Self::default()
        }
    }

    /// Validates every field and reports all problems at once.
    pub fn validate(&self) -> Result<SetupRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        check_name(Field::Name, &name, MAX_NAME_CHARS, &mut errors);
        let sandbox = check_sandbox(&self.sandbox, &mut errors);

        let existing_schema = self.existing_schema_id.trim();
        let schema = if existing_schema.is_empty() {
            let title = match self.schema_title.trim() {
                "" => format!("{name} schema"),
                title => title.to_owned(),
            };
            if title.chars().count() > MAX_TITLE_CHARS {
                errors.push(FieldError {
                    field: Field::SchemaTitle,
                    problem: Problem::TooLong,
                });
            }
            SchemaChoice::New { title }
        } else {
            if !existing_schema.starts_with("https://ns.adobe.com/") {
                errors.push(FieldError {
                    field: Field::ExistingSchemaId,
                    problem: Problem::NotASchemaId,
                });
            }
            if self.profile_enabled {
                errors.push(FieldError {
                    field: Field::ExistingSchemaId,
                    problem: Problem::ProfileNeedsNewSchema,
                });
            }
            SchemaChoice::Existing {
                id: existing_schema.to_owned(),
            }
        };

        let existing_dataset = self.existing_dataset_id.trim();
        let dataset = if existing_dataset.is_empty() {
            let dataset_name = match self.dataset_name.trim() {
                "" => format!("{name} dataset"),
                given => given.to_owned(),
            };
            if dataset_name.chars().count() > MAX_TITLE_CHARS {
                errors.push(FieldError {
                    field: Field::DatasetName,
                    problem: Problem::TooLong,
                });
            }
            DatasetChoice::New { name: dataset_name }
        } else {
            if !existing_dataset.chars().all(|c| c.is_ascii_alphanumeric()) {
                errors.push(FieldError {
                    field: Field::ExistingDatasetId,
                    problem: Problem::InvalidCharacters,
                });
            }
            DatasetChoice::Existing {
                id: existing_dataset.to_owned(),
            }
        };

        if let Some(threshold) = self.partial_ingestion_threshold {
            if !(1..=100).contains(&threshold) {
                errors.push(FieldError {
                    field: Field::PartialIngestionThreshold,
                    problem: Problem::OutOfRange,
                });
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SetupRequest {
            name,
            sandbox,
            schema,
            dataset,
            profile_enabled: self.profile_enabled,
            error_diagnostics: self.error_diagnostics,
            partial_ingestion_threshold: self.partial_ingestion_threshold,
            webhook_mode: self.webhook_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid() -> SetupInput {
        SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            ..SetupInput::default()
        }
    }

    fn problems(input: &SetupInput) -> Vec<(Field, Problem)> {
        input
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| (error.field, error.problem))
            .collect()
    }

    #[test]
    fn defaults_name_the_new_schema_and_dataset_after_the_dataflow() {
        let request = valid().validate().unwrap();
        assert_eq!(
            request.schema,
            SchemaChoice::New {
                title: "Chatlio events schema".into()
            }
        );
        assert_eq!(
            request.dataset,
            DatasetChoice::New {
                name: "Chatlio events dataset".into()
            }
        );
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_not_refused() {
        let input = SetupInput {
            name: "  Chatlio events \n".into(),
            sandbox: " dev ".into(),
            ..valid()
        };
        let request = input.validate().unwrap();
        assert_eq!(request.name, "Chatlio events");
        assert_eq!(request.sandbox, "dev");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = SetupInput {
            name: String::new(),
            sandbox: "Prod Sandbox".into(),
            existing_schema_id: "not-a-url".into(),
            existing_dataset_id: "abc/../x".into(),
            partial_ingestion_threshold: Some(0),
            ..SetupInput::default()
        };
        assert_eq!(
            problems(&input),
            vec![
                (Field::Name, Problem::Empty),
                (Field::Sandbox, Problem::InvalidCharacters),
                (Field::ExistingSchemaId, Problem::NotASchemaId),
                (Field::ExistingDatasetId, Problem::InvalidCharacters),
                (Field::PartialIngestionThreshold, Problem::OutOfRange),
            ]
        );
    }

    #[test]
    fn names_that_are_too_long_or_path_like_are_refused() {
        let long = SetupInput {
            name: "x".repeat(MAX_NAME_CHARS + 1),
            ..valid()
        };
        assert_eq!(problems(&long), vec![(Field::Name, Problem::TooLong)]);
        for bad in ["../journal", "a/b", ".hidden", "tab\there"] {
            let input = SetupInput {
                name: bad.into(),
                ..valid()
            };
            assert_eq!(
                problems(&input),
                vec![(Field::Name, Problem::InvalidCharacters)],
                "{bad}"
            );
        }
        let unicode = SetupInput {
            name: "Chatlio händelser".into(),
            ..valid()
        };
        assert!(unicode.validate().is_ok());
    }

    #[test]
    fn the_recommended_input_is_valid_once_a_sandbox_is_chosen() {
        let recommended = SetupInput::recommended();
        assert!(recommended.error_diagnostics);
        assert!(!recommended.profile_enabled);
        assert_eq!(recommended.partial_ingestion_threshold, None);
        let request = SetupInput {
            sandbox: "prod".into(),
            ..recommended
        }
        .validate()
        .unwrap();
        assert_eq!(request.name, "Chatlio events");
        assert!(request.error_diagnostics);
        let with_threshold = SetupInput {
            sandbox: "prod".into(),
            partial_ingestion_threshold: Some(RECOMMENDED_PARTIAL_INGESTION_THRESHOLD),
            ..SetupInput::recommended()
        };
        assert!(with_threshold.validate().is_ok());
    }

    #[test]
    fn sandbox_names_follow_adobes_rule() {
        for (sandbox, problem) in [
            ("", Problem::Empty),
            ("Prod", Problem::InvalidCharacters),
            ("my_sandbox", Problem::InvalidCharacters),
            ("2dev", Problem::InvalidCharacters),
            (&*"a".repeat(257), Problem::TooLong),
        ] {
            let input = SetupInput {
                sandbox: sandbox.into(),
                ..valid()
            };
            assert_eq!(
                problems(&input),
                vec![(Field::Sandbox, problem)],
                "{sandbox}"
            );
        }
    }

    #[test]
    fn profile_with_an_existing_schema_is_refused() {
        let input = SetupInput {
            existing_schema_id: "https://ns.adobe.com/tenant/schemas/abc".into(),
            profile_enabled: true,
            ..valid()
        };
        assert_eq!(
            problems(&input),
            vec![(Field::ExistingSchemaId, Problem::ProfileNeedsNewSchema)]
        );
    }

    proptest! {
        // Validation is total: any input gives a request or field errors,
        // and an accepted name is always safe as a journal file name.
        #[test]
        fn validation_never_panics_and_accepted_names_are_safe(name in ".{0,120}", sandbox in ".{0,20}") {
            let input = SetupInput { name, sandbox, ..SetupInput::default() };
            if let Ok(request) = input.validate() {
                prop_assert!(!request.name.is_empty());
                prop_assert!(!request.name.contains('/'));
                prop_assert!(!request.name.starts_with('.'));
            }
        }
    }
}
