//! Everything typed in or pasted, checked before any network call.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use url::Url;

use platform::{Credential, Secret};

use crate::error::{Field, FieldError, FieldProblem};

/// Scopes of the Experience Platform API OAuth Server-to-Server credential, as Developer
/// Console lists them; used when the user gives none.
pub const DEFAULT_SERVER_TO_SERVER_SCOPES: &[&str] = platform::ims::DEFAULT_SERVER_TO_SERVER_SCOPES;

/// Scopes asked for by "Sign in with Adobe" when the caller gives none: the Platform
/// scopes, with `read_organizations` to list the user's organizations. Not
/// `offline_access`: Adobe documents no refresh tokens for the OAuth Native App and
/// Single Page App credentials, so asking could be refused; add it (see
/// [`SIGN_IN_SCOPES_WITH_REFRESH`]) for a credential that grants refresh tokens.
pub const DEFAULT_SIGN_IN_SCOPES: &[&str] = &[
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
    "session",
];

/// [`DEFAULT_SIGN_IN_SCOPES`] plus `offline_access` (a refresh token, so the user does
/// not sign in again when the access token expires after about 24 hours).
pub const SIGN_IN_SCOPES_WITH_REFRESH: &str =
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session,offline_access";

/// Longest client id accepted (IMS ids seen are 32 characters; this leaves room).
const MAX_CLIENT_ID: usize = 255;
/// Longest client secret accepted.
const MAX_CLIENT_SECRET: usize = 1024;
/// Longest org id accepted (Adobe's are 24 characters + `@AdobeOrg`).
const MAX_ORG_ID: usize = 128;
/// Longest scope list accepted, in characters.
const MAX_SCOPES: usize = 2000;
/// Longest connection label.
pub(crate) const MAX_LABEL: usize = 100;
/// Longest base URL.
const MAX_URL: usize = 2048;

/// The ending every IMS organization id has.
pub const ORG_SUFFIX: &str = "@AdobeOrg";

/// What the user typed (or what a project file held) for an OAuth Server-to-Server
/// credential. Nothing here has been checked; call [`ServerToServerInput::validate`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerToServerInput {
    /// Client ID (also the `x-api-key`).
    pub client_id: String,
    /// Client secret. Deserializes from a plain string, never serializes.
    pub client_secret: Secret,
    /// Organization ID, `<24 hex>@AdobeOrg`.
    pub org_id: String,
    /// Scopes, comma- or space-separated; `None` or blank: the Experience Platform API
    /// defaults.
    #[serde(default)]
    pub scopes: Option<String>,
}

/// A credential that passed validation: trimmed, well-formed, ready for IMS.
#[derive(Debug, Clone)]
pub struct ServerToServerCredential {
    client_id: String,
    client_secret: Secret,
    org_id: String,
    scopes: Vec<String>,
}

impl ServerToServerCredential {
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The org id, `...@AdobeOrg`.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The scopes, in order, without duplicates.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The `platform` credential.
    pub fn to_platform_credential(&self) -> Credential {
        Credential::ServerToServer {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scopes: self.scopes.clone(),
        }
    }
}

impl ServerToServerInput {
    /// Checks every field and reports every problem at once. Surrounding whitespace
    /// (a paste with a trailing newline) is removed; whitespace inside a value is an
    /// error.
    ///
    /// # Errors
    /// One [`FieldError`] per field at fault.
    pub fn validate(&self) -> Result<ServerToServerCredential, Vec<FieldError>> {
        let mut errors = Vec::new();
        let client_id = check_client_id(&self.client_id, &mut errors);
        let client_secret =
            check_client_secret(self.client_secret.expose(), &client_id, &mut errors);
        let org_id = check_org_id(&self.org_id, &mut errors);
        let scopes = check_scopes(
            self.scopes.as_deref(),
            DEFAULT_SERVER_TO_SERVER_SCOPES,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(ServerToServerCredential {
                client_id,
                client_secret,
                org_id,
                scopes,
            })
        } else {
            Err(errors)
        }
    }
}

/// Checks a client id; returns it trimmed.
pub(crate) fn check_client_id(raw: &str, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    let field = Field::ClientId;
    if value.is_empty() {
        errors.push(FieldError::new(
            field,
            FieldProblem::Empty,
            "Enter the client ID from the credential page of your Developer Console project.",
        ));
    } else if value.chars().count() > MAX_CLIENT_ID {
        errors.push(FieldError::new(
            field,
            FieldProblem::TooLong,
            "This is too long for a client ID.",
        ));
    } else if value.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            field,
            FieldProblem::WhitespaceInside,
            "A client ID has no spaces or line breaks; copy it again.",
        ));
    } else if looks_like_secret(value) {
        errors.push(FieldError::new(
            field,
            FieldProblem::LooksLikeSecret,
            "This looks like the client secret; the client ID is the other value on the credential page.",
        ));
    } else if !value
        .chars()
        .all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.'))
    {
        errors.push(FieldError::new(
            field,
            FieldProblem::WrongFormat,
            "A client ID has only letters, digits, '-', '_' and '.'.",
        ));
    }
    value.to_owned()
}

/// Client secrets of OAuth Server-to-Server credentials start with `p8e-`.
fn looks_like_secret(value: &str) -> bool {
    value.starts_with("p8e-")
}

/// Checks a client secret; returns it trimmed, still wrapped, so no plain copy of it
/// exists outside a [`Secret`].
fn check_client_secret(raw: &str, client_id: &str, errors: &mut Vec<FieldError>) -> Secret {
    let value = raw.trim();
    let field = Field::ClientSecret;
    if value.is_empty() {
        errors.push(FieldError::new(
            field,
            FieldProblem::Empty,
            "Enter the client secret (Retrieve client secret on the credential page).",
        ));
    } else if value.chars().count() > MAX_CLIENT_SECRET {
        errors.push(FieldError::new(
            field,
            FieldProblem::TooLong,
            "This is too long for a client secret.",
        ));
    } else if value.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            field,
            FieldProblem::WhitespaceInside,
            "A client secret has no spaces or line breaks; copy it again.",
        ));
    } else if value.chars().any(char::is_control) || !value.is_ascii() {
        errors.push(FieldError::new(
            field,
            FieldProblem::WrongFormat,
            "A client secret has only letters, digits and punctuation; copy it again.",
        ));
    } else if !client_id.is_empty() && value == client_id {
        errors.push(FieldError::new(
            field,
            FieldProblem::SameAsClientId,
            "This is the client ID; the client secret is a different value.",
        ));
    }
    Secret::from(value)
}

/// Checks an org id; returns it trimmed with the suffix spelled `@AdobeOrg`.
pub(crate) fn check_org_id(raw: &str, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    let field = Field::OrgId;
    if value.is_empty() {
        errors.push(FieldError::new(
            field,
            FieldProblem::Empty,
            "Enter the organization ID (it ends with @AdobeOrg).",
        ));
        return String::new();
    }
    if value.chars().count() > MAX_ORG_ID {
        errors.push(FieldError::new(
            field,
            FieldProblem::TooLong,
            "This is too long for an organization ID.",
        ));
        return value.to_owned();
    }
    if value.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            field,
            FieldProblem::WhitespaceInside,
            "An organization ID has no spaces or line breaks; copy it again.",
        ));
        return value.to_owned();
    }
    let Some((ident, suffix)) = value.rsplit_once('@') else {
        errors.push(FieldError::new(
            field,
            FieldProblem::MissingSuffix,
            "An organization ID ends with @AdobeOrg, e.g. 5C1328435BF324E90A49402A@AdobeOrg.",
        ));
        return value.to_owned();
    };
    if !suffix.eq_ignore_ascii_case("AdobeOrg") {
        errors.push(FieldError::new(
            field,
            FieldProblem::MissingSuffix,
            "An organization ID ends with @AdobeOrg; this one ends differently (a user or technical account ID is not an organization ID).",
        ));
        return value.to_owned();
    }
    if ident.is_empty()
        || !ident
            .chars()
            .all(|character| character.is_ascii_alphanumeric())
    {
        errors.push(FieldError::new(
            field,
            FieldProblem::WrongFormat,
            "Before @AdobeOrg an organization ID has only letters and digits.",
        ));
        return value.to_owned();
    }
    format!("{ident}{ORG_SUFFIX}")
}

/// Checks a scope list (comma- or space-separated); blank means `defaults`.
pub(crate) fn check_scopes(
    raw: Option<&str>,
    defaults: &[&str],
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return defaults.iter().map(|scope| (*scope).to_owned()).collect();
    }
    if text.chars().count() > MAX_SCOPES {
        errors.push(FieldError::new(
            Field::Scopes,
            FieldProblem::TooLong,
            "This scope list is too long.",
        ));
        return Vec::new();
    }
    let mut scopes: Vec<String> = Vec::new();
    for scope in text
        .split(|character: char| character == ',' || character.is_whitespace())
        .filter(|scope| !scope.is_empty())
    {
        if !scope.chars().all(|character| {
            character.is_ascii_alphanumeric() || matches!(character, '_' | '.' | '-' | ':' | '/')
        }) {
            errors.push(FieldError::new(
                Field::Scopes,
                FieldProblem::WrongFormat,
                format!("'{scope}' is not a scope name; separate scopes with commas."),
            ));
            return Vec::new();
        }
        if !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

/// Checks a connection label; blank means `fallback`.
pub(crate) fn check_label(raw: &str, fallback: &str, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    if value.is_empty() {
        return fallback.to_owned();
    }
    if value.chars().count() > MAX_LABEL {
        errors.push(FieldError::new(
            Field::Label,
            FieldProblem::TooLong,
            format!("A connection name has at most {MAX_LABEL} characters."),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            Field::Label,
            FieldProblem::WrongFormat,
            "A connection name is one line of text.",
        ));
    }
    value.to_owned()
}

/// Where IMS and Platform are: Adobe's production hosts, or custom base URLs (the local
/// simulator for practice, or another environment for testing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    ims_base: Url,
    platform_base: Url,
}

impl Endpoints {
    /// Adobe's production IMS and Platform.
    ///
    /// # Errors
    /// Only if the built-in URLs did not parse (a unit test checks they do).
    pub fn adobe() -> Result<Self, Vec<FieldError>> {
        Self::custom(platform::ADOBE_IMS_BASE, platform::ADOBE_PLATFORM_BASE)
    }

    /// Custom base URLs, checked: absolute, `https://` (or `http://` to this computer
    /// only), no `user:password@`, query or fragment.
    ///
    /// # Errors
    /// One [`FieldError`] per URL at fault (`ims_url`, `platform_url`).
    pub fn custom(ims_url: &str, platform_url: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let ims_base = check_base_url(Field::ImsUrl, ims_url, &mut errors);
        let platform_base = check_base_url(Field::PlatformUrl, platform_url, &mut errors);
        match (ims_base, platform_base) {
            (Some(ims_base), Some(platform_base)) if errors.is_empty() => Ok(Self {
                ims_base,
                platform_base,
            }),
            _ => Err(errors),
        }
    }

    /// The local simulator (`platform-sim`), which serves IMS and Platform on one base
    /// URL.
    ///
    /// # Errors
    /// As [`Endpoints::custom`].
    pub fn practice(base_url: &str) -> Result<Self, Vec<FieldError>> {
        Self::custom(base_url, base_url)
    }

    /// The IMS base URL.
    pub fn ims_base(&self) -> &Url {
        &self.ims_base
    }

    /// The Platform base URL.
    pub fn platform_base(&self) -> &Url {
        &self.platform_base
    }

    /// True when both services are on this computer: practice against the simulator,
    /// never Adobe.
    pub fn is_practice(&self) -> bool {
        is_loopback(&self.ims_base) && is_loopback(&self.platform_base)
    }

    /// True for Adobe's production hosts.
    pub fn is_adobe(&self) -> bool {
        Self::adobe().is_ok_and(|adobe| adobe == *self)
    }
}

fn check_base_url(field: Field, raw: &str, errors: &mut Vec<FieldError>) -> Option<Url> {
    let text = raw.trim();
    if text.is_empty() {
        errors.push(FieldError::new(field, FieldProblem::Empty, "Enter a URL."));
        return None;
    }
    if text.len() > MAX_URL {
        errors.push(FieldError::new(
            field,
            FieldProblem::TooLong,
            "This URL is too long.",
        ));
        return None;
    }
    let url = match Url::parse(text) {
        Ok(url) if !url.cannot_be_a_base() && url.host().is_some() => url,
        _ => {
            errors.push(FieldError::new(
                field,
                FieldProblem::NotAUrl,
                "Enter an absolute URL such as https://platform.adobe.io.",
            ));
            return None;
        }
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            errors.push(FieldError::new(
                field,
                FieldProblem::InsecureScheme,
                "Use https://; plain http:// is allowed only for this computer (localhost, 127.0.0.1).",
            ));
            return None;
        }
        _ => {
            errors.push(FieldError::new(
                field,
                FieldProblem::WrongScheme,
                "Use an https:// URL.",
            ));
            return None;
        }
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        errors.push(FieldError::new(
            field,
            FieldProblem::UnexpectedParts,
            "Enter only the base URL, without user name, password, '?' or '#' parts.",
        ));
        return None;
    }
    Some(url)
}

/// True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(url::Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(client_id: &str, secret: &str, org: &str) -> ServerToServerInput {
        ServerToServerInput {
            client_id: client_id.into(),
            client_secret: Secret::from(secret),
            org_id: org.into(),
            scopes: None,
        }
    }

    fn problems(
        result: Result<ServerToServerCredential, Vec<FieldError>>,
    ) -> Vec<(Field, FieldProblem)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|error| (error.field, error.problem))
            .collect()
    }

    #[test]
    fn a_good_credential_is_trimmed_and_normalized() {
        let credential = input(
            "  0123456789abcdef0123456789abcdef ",
            "p8e-AbC_123-xyz\n",
            "5C1328435BF324E90A49402A@adobeorg",
        )
        .validate()
        .unwrap();
        assert_eq!(credential.client_id(), "0123456789abcdef0123456789abcdef");
        assert_eq!(credential.client_secret().expose(), "p8e-AbC_123-xyz");
        assert_eq!(credential.org_id(), "5C1328435BF324E90A49402A@AdobeOrg");
        assert_eq!(credential.scopes(), DEFAULT_SERVER_TO_SERVER_SCOPES);
    }

    #[test]
    fn every_field_reports_its_problem() {
        assert_eq!(
            problems(input("", "", "").validate()),
            vec![
                (Field::ClientId, FieldProblem::Empty),
                (Field::ClientSecret, FieldProblem::Empty),
                (Field::OrgId, FieldProblem::Empty),
            ]
        );
        assert_eq!(
            problems(input("abc def", "p8e-a b", "ABC 1@AdobeOrg").validate()),
            vec![
                (Field::ClientId, FieldProblem::WhitespaceInside),
                (Field::ClientSecret, FieldProblem::WhitespaceInside),
                (Field::OrgId, FieldProblem::WhitespaceInside),
            ]
        );
        assert_eq!(
            problems(input("p8e-secret", "client", "5C13@techacct.adobe.com").validate()),
            vec![
                (Field::ClientId, FieldProblem::LooksLikeSecret),
                (Field::OrgId, FieldProblem::MissingSuffix),
            ]
        );
        assert_eq!(
            problems(input("client/1", "client/1", "5C13").validate()),
            vec![
                (Field::ClientId, FieldProblem::WrongFormat),
                (Field::ClientSecret, FieldProblem::SameAsClientId),
                (Field::OrgId, FieldProblem::MissingSuffix),
            ]
        );
        assert_eq!(
            problems(input(&"a".repeat(256), &"s".repeat(1025), "5C-13@AdobeOrg").validate()),
            vec![
                (Field::ClientId, FieldProblem::TooLong),
                (Field::ClientSecret, FieldProblem::TooLong),
                (Field::OrgId, FieldProblem::WrongFormat),
            ]
        );
    }

    #[test]
    fn scopes_are_split_deduplicated_and_checked() {
        let mut with_scopes = input("client", "secret", "A1@AdobeOrg");
        with_scopes.scopes = Some(" openid, AdobeID openid,\nsession ".into());
        assert_eq!(
            with_scopes.validate().unwrap().scopes(),
            ["openid", "AdobeID", "session"]
        );
        with_scopes.scopes = Some("openid;AdobeID".into());
        assert_eq!(
            problems(with_scopes.validate()),
            vec![(Field::Scopes, FieldProblem::WrongFormat)]
        );
    }

    #[test]
    fn errors_serialize_with_stable_codes() {
        let errors = input("", "x", "y@AdobeOrg").validate().unwrap_err();
        let value = serde_json::to_value(&errors).unwrap();
        assert_eq!(value[0]["field"], "client_id");
        assert_eq!(value[0]["problem"], "empty");
        assert!(value[0]["message"].as_str().unwrap().contains("client ID"));
    }

    #[test]
    fn base_urls_are_checked() {
        let adobe = Endpoints::adobe().unwrap();
        assert!(adobe.is_adobe() && !adobe.is_practice());
        let practice = Endpoints::practice("http://127.0.0.1:8088").unwrap();
        assert!(practice.is_practice() && !practice.is_adobe());
        let staging =
            Endpoints::custom("https://ims.example.com", "https://platform.example.com/").unwrap();
        assert!(!staging.is_practice());
        let cases = [
            ("", FieldProblem::Empty),
            ("platform.adobe.io", FieldProblem::NotAUrl),
            ("http://platform.example.com", FieldProblem::InsecureScheme),
            ("ftp://localhost", FieldProblem::WrongScheme),
            (
                "https://user:pw@platform.example.com",
                FieldProblem::UnexpectedParts,
            ),
            (
                "https://platform.example.com/?a=1",
                FieldProblem::UnexpectedParts,
            ),
            ("http://localhost.evil.com", FieldProblem::InsecureScheme),
        ];
        for (url, problem) in cases {
            let errors = Endpoints::custom("https://ims.example.com", url).unwrap_err();
            assert_eq!(errors.len(), 1, "{url}");
            assert_eq!(errors[0].field, Field::PlatformUrl, "{url}");
            assert_eq!(errors[0].problem, problem, "{url}");
        }
    }

    #[test]
    fn input_debug_never_shows_the_secret() {
        let typed = input("client", "p8e-very-secret-value", "A1@AdobeOrg");
        assert!(!format!("{typed:?}").contains("very-secret"));
        assert!(!format!("{:?}", typed.validate().unwrap()).contains("very-secret"));
    }
}
