//! Sandbox Management API bodies.

use serde::{Deserialize, Serialize};

use super::SandboxName;

/// A sandbox available to the caller (`GET /sandbox-management/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sandbox {
    /// The name that goes into `x-sandbox-name`.
    pub name: SandboxName,
    /// Display title.
    #[serde(default)]
    pub title: Option<String>,
    /// `creating | active | deleting | resetting | deleted | failed`.
    #[serde(default)]
    pub state: Option<String>,
    /// `production | development`.
    #[serde(default, rename = "type")]
    pub sandbox_type: Option<String>,
    /// Data centre region, e.g. `VA7`.
    #[serde(default)]
    pub region: Option<String>,
    /// Whether this is the organization's default sandbox.
    #[serde(default)]
    pub is_default: bool,
}

impl Sandbox {
    /// Only active sandboxes can be used for setup.
    pub fn is_active(&self) -> bool {
        self.state
            .as_deref()
            .is_none_or(|state| state.eq_ignore_ascii_case("active"))
    }
}

/// The list envelope `{"sandboxes": [...], "_page": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SandboxList {
    #[serde(default)]
    pub sandboxes: Vec<Sandbox>,
}
