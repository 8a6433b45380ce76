//! The project file Adobe Developer Console lets you download (Project overview →
//! Download, or `aio console workspace download`).
//!
//! Shape (see the README for sources): `project.{name,title}`,
//! `project.org.{name, ims_org_id}`, `project.workspace.{name, details.credentials[]}`;
//! a credential has `name`, `integration_type` and, for `oauth_server_to_server`, an
//! object of that name with `client_id`, `client_secrets[]`, `technical_account_email`,
//! `technical_account_id`, `scopes[]`; user-authentication credentials (`oauthwebapp`,
//! `oauthsinglepageapp`, `oauthnativeapp`, ...) have an `oauth2` object with
//! `client_id`, maybe `client_secret`, `redirect_uri[]` and `defaultRedirectUri`. Only
//! these fields are read; everything else in the file is ignored.

use serde::Serialize;
use serde_json::Value;

use platform::Secret;

use crate::error::{ConnectError, ProjectFileProblem};
use crate::input::ServerToServerInput;

/// Largest project file read (real ones are a few kB).
const MAX_PROJECT_FILE: usize = 1024 * 1024;

/// What a project file holds that this app can use.
#[derive(Debug, Clone)]
pub struct ConsoleProject {
    /// `project.name`.
    pub project_name: Option<String>,
    /// `project.title` (the name shown in Developer Console).
    pub project_title: Option<String>,
    /// `project.workspace.name`.
    pub workspace_name: Option<String>,
    /// `project.org.ims_org_id`.
    pub org_id: Option<String>,
    /// `project.org.name`.
    pub org_name: Option<String>,
    /// Every `oauth_server_to_server` credential, in file order.
    pub server_to_server: Vec<ConsoleServerToServer>,
    /// Every user-authentication (`oauth2`) credential, in file order.
    pub user_credentials: Vec<ConsoleUserCredential>,
    /// Credentials of other kinds (API key, the retired JWT service account), by name and
    /// type, so the UI can say why they are not used.
    pub other_credentials: Vec<ConsoleOtherCredential>,
}

/// An OAuth Server-to-Server credential from the file.
#[derive(Debug, Clone)]
pub struct ConsoleServerToServer {
    /// The credential's name.
    pub name: Option<String>,
    /// `client_id`.
    pub client_id: String,
    /// The first of `client_secrets`, when the file has one.
    pub client_secret: Option<Secret>,
    /// `technical_account_email`.
    pub technical_account_email: Option<String>,
    /// `technical_account_id`.
    pub technical_account_id: Option<String>,
    /// `scopes`.
    pub scopes: Vec<String>,
}

/// A user-authentication credential from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleUserCredential {
    /// The credential's name.
    pub name: Option<String>,
    /// `integration_type`, e.g. `oauthnativeapp`, `oauthwebapp`, `oauthsinglepageapp`.
    pub integration_type: Option<String>,
    /// `client_id`.
    pub client_id: String,
    /// `redirect_uri`.
    pub redirect_uris: Vec<String>,
    /// `defaultRedirectUri`.
    pub default_redirect_uri: Option<String>,
    /// Whether the file holds a client secret for it (a confidential Web App client;
    /// this app signs in as a public client with PKCE and does not use it).
    pub has_client_secret: bool,
}

/// A credential of a kind this app does not use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleOtherCredential {
    /// The credential's name.
    pub name: Option<String>,
    /// `integration_type`, e.g. `apikey`, `service` (JWT).
    pub integration_type: Option<String>,
}

/// What a server-to-server connection needs that the file does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectGap {
    /// No OAuth Server-to-Server credential in the file.
    ServerToServerCredential,
    /// The credential has no client secret in the file (to be typed in).
    ClientSecret,
    /// No `project.org.ims_org_id`.
    OrgId,
    /// The credential lists no scopes (the defaults will be used).
    Scopes,
}

/// A serializable view for the UI: everything but the secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleProjectSummary {
    /// `project.title`, else `project.name`.
    pub project: Option<String>,
    /// `project.workspace.name`.
    pub workspace: Option<String>,
    /// `project.org.ims_org_id`.
    pub org_id: Option<String>,
    /// `project.org.name`.
    pub org_name: Option<String>,
    /// The first server-to-server credential's client id.
    pub client_id: Option<String>,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Its technical account email.
    pub technical_account_email: Option<String>,
    /// Whether the file holds its client secret.
    pub has_client_secret: bool,
    /// Number of server-to-server credentials in the file.
    pub server_to_server_count: usize,
    /// User-authentication credentials.
    pub user_credentials: Vec<ConsoleUserCredential>,
    /// Credentials of other kinds.
    pub other_credentials: Vec<ConsoleOtherCredential>,
    /// What a server-to-server connection still needs.
    pub missing: Vec<ProjectGap>,
}

impl ConsoleProject {
    /// What a server-to-server connection from the first credential still needs.
    pub fn missing(&self) -> Vec<ProjectGap> {
        let mut missing = Vec::new();
        match self.server_to_server.first() {
            None => missing.push(ProjectGap::ServerToServerCredential),
            Some(credential) => {
                if credential.client_secret.is_none() {
                    missing.push(ProjectGap::ClientSecret);
                }
                if credential.scopes.is_empty() {
                    missing.push(ProjectGap::Scopes);
                }
            }
        }
        if self.org_id.is_none() {
            missing.push(ProjectGap::OrgId);
        }
        missing
    }

    /// The form values from the first server-to-server credential (the secret empty when
    /// the file has none), to validate with [`ServerToServerInput::validate`].
    pub fn server_to_server_input(&self) -> Option<ServerToServerInput> {
        let credential = self.server_to_server.first()?;
        Some(ServerToServerInput {
            client_id: credential.client_id.clone(),
            client_secret: credential
                .client_secret
                .clone()
                .unwrap_or_else(|| Secret::from("")),
            org_id: self.org_id.clone().unwrap_or_default(),
            scopes: (!credential.scopes.is_empty()).then(|| credential.scopes.join(",")),
        })
    }

    /// The UI view (no secret).
    pub fn summary(&self) -> ConsoleProjectSummary {
        let first = self.server_to_server.first();
        ConsoleProjectSummary {
            project: self
                .project_title
                .clone()
                .or_else(|| self.project_name.clone()),
            workspace: self.workspace_name.clone(),
            org_id: self.org_id.clone(),
            org_name: self.org_name.clone(),
            client_id: first.map(|credential| credential.client_id.clone()),
            scopes: first
                .map(|credential| credential.scopes.clone())
                .unwrap_or_default(),
            technical_account_email: first
                .and_then(|credential| credential.technical_account_email.clone()),
            has_client_secret: first.is_some_and(|credential| credential.client_secret.is_some()),
            server_to_server_count: self.server_to_server.len(),
            user_credentials: self.user_credentials.clone(),
            other_credentials: self.other_credentials.clone(),
            missing: self.missing(),
        }
    }
}

/// Reads a Developer Console project file.
///
/// # Errors
/// [`ConnectError::ProjectFileUnreadable`] when the text is not JSON, has no `project`
/// object, or is larger than 1 MB. A file without any usable credential is not an error:
/// see [`ConsoleProject::missing`].
pub fn parse_console_project(json: &str) -> Result<ConsoleProject, ConnectError> {
    if json.len() > MAX_PROJECT_FILE {
        return Err(ConnectError::ProjectFileUnreadable(
            ProjectFileProblem::TooLarge,
        ));
    }
    let root: Value = serde_json::from_str(json.trim_start_matches('\u{feff}'))
        .map_err(|_| ConnectError::ProjectFileUnreadable(ProjectFileProblem::NotJson))?;
    let Some(project) = root.get("project").filter(|value| value.is_object()) else {
        return Err(ConnectError::ProjectFileUnreadable(
            ProjectFileProblem::NotAProjectFile,
        ));
    };
    let org = project.get("org");
    let workspace = project.get("workspace");
    let credentials = workspace
        .and_then(|workspace| workspace.get("details"))
        .and_then(|details| details.get("credentials"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();

    let mut parsed = ConsoleProject {
        project_name: text(project.get("name")),
        project_title: text(project.get("title")),
        workspace_name: text(workspace.and_then(|workspace| workspace.get("name"))),
        org_id: text(org.and_then(|org| org.get("ims_org_id"))),
        org_name: text(org.and_then(|org| org.get("name"))),
        server_to_server: Vec::new(),
        user_credentials: Vec::new(),
        other_credentials: Vec::new(),
    };
    for credential in credentials {
        let name = text(credential.get("name"));
        let integration_type = text(credential.get("integration_type"));
        if let Some(details) = credential
            .get("oauth_server_to_server")
            .filter(|value| value.is_object())
        {
            if let Some(client_id) = text(details.get("client_id")) {
                parsed.server_to_server.push(ConsoleServerToServer {
                    name,
                    client_id,
                    client_secret: details
                        .get("client_secrets")
                        .and_then(Value::as_array)
                        .and_then(|secrets| secrets.iter().find_map(|secret| text(Some(secret))))
                        .map(Secret::new),
                    technical_account_email: text(details.get("technical_account_email")),
                    technical_account_id: text(details.get("technical_account_id")),
                    scopes: strings(details.get("scopes")),
                });
                continue;
            }
        }
        if let Some(details) = credential.get("oauth2").filter(|value| value.is_object()) {
            if let Some(client_id) = text(details.get("client_id")) {
                let mut redirect_uris = strings(details.get("redirect_uri"));
                // Older files have a single string here.
                if let Some(single) = text(details.get("redirect_uri")) {
                    redirect_uris.push(single);
                }
                parsed.user_credentials.push(ConsoleUserCredential {
                    name,
                    integration_type,
                    client_id,
                    redirect_uris,
                    default_redirect_uri: text(details.get("defaultRedirectUri")),
                    has_client_secret: text(details.get("client_secret")).is_some(),
                });
                continue;
            }
        }
        parsed.other_credentials.push(ConsoleOtherCredential {
            name,
            integration_type,
        });
    }
    Ok(parsed)
}

/// A non-blank string value, trimmed.
fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|item| text(Some(item))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written for these tests after the documented shape (values invented).
    const PROJECT: &str = r#"{
      "project": {
        "id": "4566206088344859372",
        "name": "chatliosetup",
        "title": "Chatlio Setup",
        "org": {"id": "1234", "name": "Example Corp", "ims_org_id": "0A1B2C3D4E5F60718293A4B5@AdobeOrg"},
        "workspace": {
          "id": "4566206088344859373",
          "name": "Production",
          "details": {
            "credentials": [
              {"id": "1", "name": "Key", "integration_type": "apikey", "api_key": {"client_id": "k"}},
              {"id": "2", "name": "Platform S2S", "integration_type": "oauth_server_to_server",
               "oauth_server_to_server": {
                 "client_id": "0123456789abcdef0123456789abcdef",
                 "client_secrets": ["p8e-example-secret"],
                 "technical_account_email": "abc@techacct.adobe.com",
                 "technical_account_id": "ABC@techacct.adobe.com",
                 "scopes": ["openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext", "session"]
               }},
              {"id": "3", "name": "Desktop sign-in", "integration_type": "oauthnativeapp",
               "oauth2": {"client_id": "fedcba9876543210fedcba9876543210",
                          "redirect_uri": ["adobe+0000://adobeid/fedcba9876543210fedcba9876543210"],
                          "defaultRedirectUri": "adobe+0000://adobeid/fedcba9876543210fedcba9876543210"}}
            ],
            "services": [{"code": "AdobeExperiencePlatformAPI", "name": "Experience Platform API"}],
            "runtime": {"namespaces": []}
          }
        }
      }
    }"#;

    #[test]
    fn a_full_project_file_gives_every_field() {
        let project = parse_console_project(PROJECT).unwrap();
        assert_eq!(project.project_title.as_deref(), Some("Chatlio Setup"));
        assert_eq!(
            project.org_id.as_deref(),
            Some("0A1B2C3D4E5F60718293A4B5@AdobeOrg")
        );
        assert!(project.missing().is_empty());
        let credential = project
            .server_to_server_input()
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(credential.client_id(), "0123456789abcdef0123456789abcdef");
        assert_eq!(credential.client_secret().expose(), "p8e-example-secret");
        assert_eq!(credential.scopes().len(), 5);
        assert_eq!(project.user_credentials.len(), 1);
        assert_eq!(
            project.user_credentials[0].integration_type.as_deref(),
            Some("oauthnativeapp")
        );
        assert_eq!(project.other_credentials.len(), 1);
        let summary = serde_json::to_string(&project.summary()).unwrap();
        assert!(summary.contains("\"hasClientSecret\":true"));
        assert!(!summary.contains("p8e-example-secret"));
        assert!(!format!("{project:?}").contains("p8e-example-secret"));
    }

    #[test]
    fn what_the_file_lacks_is_reported() {
        let without_secret = PROJECT.replace("\"p8e-example-secret\"", "");
        let project = parse_console_project(&without_secret).unwrap();
        assert_eq!(project.missing(), vec![ProjectGap::ClientSecret]);
        let input = project.server_to_server_input().unwrap();
        assert!(input.client_secret.is_empty());

        let bare = r#"{"project": {"name": "x", "org": {}, "workspace": {"details": {"credentials": []}}}}"#;
        let project = parse_console_project(bare).unwrap();
        assert_eq!(
            project.missing(),
            vec![ProjectGap::ServerToServerCredential, ProjectGap::OrgId]
        );
        assert!(project.server_to_server_input().is_none());
    }

    #[test]
    fn other_files_are_rejected_with_a_reason() {
        let code = |text: &str| match parse_console_project(text) {
            Err(ConnectError::ProjectFileUnreadable(problem)) => problem,
            other => panic!("{other:?}"),
        };
        assert_eq!(code("not json"), ProjectFileProblem::NotJson);
        assert_eq!(code(r#"{"web": {}}"#), ProjectFileProblem::NotAProjectFile);
        assert_eq!(
            code(r#"{"project": "x"}"#),
            ProjectFileProblem::NotAProjectFile
        );
        assert_eq!(
            code(&" ".repeat(MAX_PROJECT_FILE + 1)),
            ProjectFileProblem::TooLarge
        );
    }
}
