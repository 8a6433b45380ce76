//! `--config FILE`: the connection and the setup choices in a JSON file, below
//! flags and environment variables in precedence. The file never holds a
//! secret: one that does is refused, and a key we do not know is an error, so a
//! typo cannot silently fall back to a default.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The keys a config file may hold (camelCase, like the desktop app's JSON).
pub const KEYS: &[&str] = &[
    "imsUrl",
    "platformUrl",
    "clientId",
    "orgId",
    "sandbox",
    "name",
    "schemaTitle",
    "existingSchemaId",
    "datasetName",
    "existingDatasetId",
    "profile",
    "errorDiagnostics",
    "partialIngestionThreshold",
    "webhookMode",
];

/// What a config file says; `None` where it says nothing (or `null`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    pub ims_url: Option<String>,
    pub platform_url: Option<String>,
    pub client_id: Option<String>,
    pub org_id: Option<String>,
    pub sandbox: Option<String>,
    pub name: Option<String>,
    pub schema_title: Option<String>,
    pub existing_schema_id: Option<String>,
    pub dataset_name: Option<String>,
    pub existing_dataset_id: Option<String>,
    pub profile: Option<bool>,
    pub error_diagnostics: Option<bool>,
    pub partial_ingestion_threshold: Option<u8>,
    pub webhook_mode: Option<chatlio::WebhookMode>,
}

/// A webhook mode as `--webhook-mode` spells it (`single`, `per-event`) or as
/// the desktop app's JSON does (`single_url`, `per_event_url`).
pub fn parse_webhook_mode(text: &str) -> Option<chatlio::WebhookMode> {
    match text {
        "single" | "single_url" => Some(chatlio::WebhookMode::SingleUrl),
        "per-event" | "per_event_url" => Some(chatlio::WebhookMode::PerEventUrl),
        _ => None,
    }
}

/// Why a config file was refused. `code()` is stable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {} is not valid JSON: {message}", path.display())]
    InvalidJson { path: PathBuf, message: String },
    #[error("the config file {} must hold a JSON object", path.display())]
    NotAnObject { path: PathBuf },
    /// Only the key is named: the value is never read, printed or kept.
    #[error("the config file {} holds a secret (key {key:?}); secrets are never read from a file", path.display())]
    SecretInFile { path: PathBuf, key: String },
    #[error("the config file {} has an unknown key {key:?}{}", path.display(), suggestion.as_ref().map(|known| format!(" (did you mean {known:?}?)")).unwrap_or_default())]
    UnknownKey {
        path: PathBuf,
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error("in the config file {}, {key:?} must be {expected}", path.display())]
    WrongType {
        path: PathBuf,
        key: &'static str,
        expected: &'static str,
    },
}

impl ConfigError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "config_unreadable",
            Self::InvalidJson { .. } => "config_invalid_json",
            Self::NotAnObject { .. } => "config_not_an_object",
            Self::SecretInFile { .. } => "config_secret_refused",
            Self::UnknownKey { .. } => "config_unknown_key",
            Self::WrongType { .. } => "config_wrong_type",
        }
    }

    pub fn hint(&self) -> String {
        match self {
            Self::Unreadable { .. } => "check the path given with --config (or CHATLIO_AEP_CONFIG)".into(),
            Self::InvalidJson { .. } | Self::NotAnObject { .. } => {
                "the file is one JSON object, e.g. {\"name\": \"Chatlio events\", \"sandbox\": \"prod\"}".into()
            }
            Self::SecretInFile { .. } => "remove the secret from the file; set CHATLIO_AEP_CLIENT_SECRET for the command, or run `chatlio-aep connect` once to keep it in the OS keychain".into(),
            Self::UnknownKey { .. } => format!("the keys are: {}", KEYS.join(", ")),
            Self::WrongType { .. } => "fix the value's type (strings in quotes, true/false without)".into(),
        }
    }
}

/// A key that names a secret, in any spelling (`clientSecret`, `client_secret`,
/// `CLIENT-SECRET`, `secret`, `client_secrets`).
fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("secret")
}

/// The first secret key anywhere in `value`, as a dotted path.
fn secret_key(value: &Value, prefix: &str) -> Option<String> {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => map.iter().find_map(|(key, inner)| {
            if is_secret_key(key) {
                Some(join(key))
            } else {
                secret_key(inner, &join(key))
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, inner)| secret_key(inner, &join(&index.to_string()))),
        _ => None,
    }
}

/// Edit distance, for "did you mean".
fn distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (i, l) in left.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, r) in right.iter().enumerate() {
            let substitution = previous[j] + usize::from(l != *r);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[right.len()]
}

/// The known key an unknown one was probably meant to be: the same letters
/// in another case or with `_`/`-`, or at most two edits away.
fn suggest(key: &str) -> Option<&'static str> {
    let fold = |text: &str| -> String {
        text.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(key);
    KEYS.iter()
        .map(|known| (distance(&folded, &fold(known)), *known))
        .filter(|(edits, _)| *edits <= 2)
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, known)| known)
}

impl ConfigFile {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Checks `text` (the contents of `path`): no secret anywhere, only known
    /// keys, each with its type.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| ConfigError::InvalidJson {
                path: path.to_path_buf(),
                // serde's message names the line and column, never the text.
                message: error.to_string(),
            })?;
        // First, before any other complaint: a file with a secret is refused as such.
        if let Some(key) = secret_key(&value, "") {
            return Err(ConfigError::SecretInFile {
                path: path.to_path_buf(),
                key,
            });
        }
        let Value::Object(map) = value else {
            return Err(ConfigError::NotAnObject {
                path: path.to_path_buf(),
            });
        };
        Self::from_map(path, map)
    }

    fn from_map(path: &Path, map: Map<String, Value>) -> Result<Self, ConfigError> {
        let mut file = Self::default();
        for (key, value) in map {
            let Some(known) = KEYS.iter().copied().find(|known| *known == key) else {
                return Err(ConfigError::UnknownKey {
                    path: path.to_path_buf(),
                    suggestion: suggest(&key),
                    key,
                });
            };
            if value.is_null() {
                continue;
            }
            let wrong = |expected| ConfigError::WrongType {
                path: path.to_path_buf(),
                key: known,
                expected,
            };
            let text = |value: &Value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong("a string"))
            };
            let flag = |value: &Value| value.as_bool().ok_or_else(|| wrong("true or false"));
            match known {
                "imsUrl" => file.ims_url = Some(text(&value)?),
                "platformUrl" => file.platform_url = Some(text(&value)?),
                "clientId" => file.client_id = Some(text(&value)?),
                "orgId" => file.org_id = Some(text(&value)?),
                "sandbox" => file.sandbox = Some(text(&value)?),
                "name" => file.name = Some(text(&value)?),
                "schemaTitle" => file.schema_title = Some(text(&value)?),
                "existingSchemaId" => file.existing_schema_id = Some(text(&value)?),
                "datasetName" => file.dataset_name = Some(text(&value)?),
                "existingDatasetId" => file.existing_dataset_id = Some(text(&value)?),
                "profile" => file.profile = Some(flag(&value)?),
                "errorDiagnostics" => file.error_diagnostics = Some(flag(&value)?),
                "partialIngestionThreshold" => {
                    let percent = value
                        .as_u64()
                        .and_then(|number| u8::try_from(number).ok())
                        .ok_or_else(|| wrong("a whole number of percent (0 to 100)"))?;
                    file.partial_ingestion_threshold = Some(percent);
                }
                "webhookMode" => {
                    let mode = value
                        .as_str()
                        .and_then(parse_webhook_mode)
                        .ok_or_else(|| wrong("\"single\" or \"per-event\""))?;
                    file.webhook_mode = Some(mode);
                }
                // `KEYS` and this match list the same keys.
                _ => {
                    return Err(ConfigError::UnknownKey {
                        path: path.to_path_buf(),
                        key,
                        suggestion: None,
                    })
                }
            }
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(Path::new("chatlio.json"), text)
    }

    #[test]
    fn every_key_is_read() {
        let file = parse(
            r#"{"imsUrl": "https://ims.example", "platformUrl": "https://platform.example",
                "clientId": "id", "orgId": "ORG@AdobeOrg", "sandbox": "dev", "name": "Chatlio events",
                "schemaTitle": "S", "existingSchemaId": null, "datasetName": "D",
                "existingDatasetId": null, "profile": true, "errorDiagnostics": false,
                "partialIngestionThreshold": 5, "webhookMode": "per-event"}"#,
        )
        .unwrap();
        assert_eq!(file.webhook_mode, Some(chatlio::WebhookMode::PerEventUrl));
        assert_eq!(
            parse(r#"{"webhookMode": "single_url"}"#)
                .unwrap()
                .webhook_mode,
            Some(chatlio::WebhookMode::SingleUrl)
        );
        assert_eq!(file.sandbox.as_deref(), Some("dev"));
        assert_eq!(file.existing_schema_id, None);
        assert_eq!(file.profile, Some(true));
        assert_eq!(file.error_diagnostics, Some(false));
        assert_eq!(file.partial_ingestion_threshold, Some(5));
    }

    #[test]
    fn secrets_are_refused_in_any_spelling_and_place_without_echoing_them() {
        for text in [
            r#"{"clientSecret": "p8e-value"}"#,
            r#"{"client_secret": "p8e-value", "name": "x"}"#,
            r#"{"name": "x", "CLIENT-SECRET": ""}"#,
            r#"{"credential": {"secret": "p8e-value"}}"#,
            r#"{"client_secrets": ["p8e-value"]}"#,
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!(error.code(), "config_secret_refused", "{text}");
            assert!(!error.to_string().contains("p8e-value"));
            assert!(error.hint().contains("CHATLIO_AEP_CLIENT_SECRET"));
            assert!(error.hint().contains("keychain"));
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_errors() {
        let error = parse(r#"{"errorDiagnostic": true}"#).unwrap_err();
        assert_eq!(error.code(), "config_unknown_key");
        assert!(
            error.to_string().contains("\"errorDiagnostics\""),
            "{error}"
        );
        let error = parse(r#"{"org_id": "x"}"#).unwrap_err();
        assert!(error.to_string().contains("\"orgId\""), "{error}");
        let error = parse(r#"{"colour": "blue"}"#).unwrap_err();
        assert_eq!(error.code(), "config_unknown_key");
        assert!(!error.to_string().contains("did you mean"));
        assert_eq!(
            parse(r#"{"profile": "yes"}"#).unwrap_err().code(),
            "config_wrong_type"
        );
        assert_eq!(
            parse(r#"{"partialIngestionThreshold": 300}"#)
                .unwrap_err()
                .code(),
            "config_wrong_type"
        );
        assert_eq!(
            parse(r#"{"webhookMode": "several"}"#).unwrap_err().code(),
            "config_wrong_type"
        );
        assert_eq!(parse("[1]").unwrap_err().code(), "config_not_an_object");
        assert_eq!(parse("{").unwrap_err().code(), "config_invalid_json");
    }
}
