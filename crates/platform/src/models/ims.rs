//! Adobe IMS bodies.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::OrgId;
use crate::secret::Secret;

/// Tokens returned by `POST /ims/token/v3`. Not serializable: it holds secrets.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The bearer token.
    pub access_token: Secret,
    /// Present for user sign-in when `offline_access` was granted.
    pub refresh_token: Option<Secret>,
    /// Present when `openid` was requested.
    pub id_token: Option<Secret>,
    /// Lifetime of the access token (IMS v3 reports seconds).
    pub expires_in: Duration,
}

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    #[serde(default)]
    pub id_token: Option<Secret>,
    #[serde(default, deserialize_with = "super::flexible_u64")]
    pub expires_in: Option<u64>,
}

/// Token lifetime assumed when IMS omits `expires_in` (its documented default is 24 h;
/// a shorter guess only costs an early renewal).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

impl From<TokenResponse> for TokenGrant {
    fn from(response: TokenResponse) -> Self {
        Self {
            access_token: response.access_token,
            refresh_token: response.refresh_token,
            id_token: response.id_token,
            expires_in: response
                .expires_in
                .map_or(DEFAULT_LIFETIME, Duration::from_secs),
        }
    }
}

/// `orgRef` of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgRef {
    /// 24 hex characters.
    pub ident: String,
    /// `AdobeOrg`.
    pub auth_src: String,
}

/// An organization the signed-in user belongs to (`GET /ims/organizations/v6`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Display name.
    #[serde(default)]
    pub org_name: Option<String>,
    /// e.g. `Enterprise`.
    #[serde(default)]
    pub org_type: Option<String>,
    /// Identity of the organization.
    pub org_ref: OrgRef,
}

impl Organization {
    /// The id for `x-gw-ims-org-id`: `ident@authSrc`.
    pub fn org_id(&self) -> OrgId {
        OrgId::new(format!("{}@{}", self.org_ref.ident, self.org_ref.auth_src))
    }
}

/// The signed-in user (`GET /ims/userinfo/v2`); fields depend on granted scopes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Subject id.
    #[serde(default)]
    pub sub: Option<String>,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name.
    #[serde(default, rename = "given_name")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, rename = "family_name")]
    pub family_name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email is verified.
    #[serde(default, rename = "email_verified")]
    pub email_verified: Option<bool>,
    /// Account type, e.g. `ent`.
    #[serde(default, rename = "account_type")]
    pub account_type: Option<String>,
}
