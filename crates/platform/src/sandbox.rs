//! Sandbox Management API.

use crate::client::{Client, PlatformCall};
use crate::error::{ErrorCode, PlatformError, Result};
use crate::models::sandbox::{Sandbox, SandboxList};

const BASE: [&str; 3] = ["data", "foundation", "sandbox-management"];
const PAGE_SIZE: usize = 100;
const MAX_PAGES: usize = 20;

/// Sandbox calls; get one with [`Client::sandboxes`].
#[derive(Debug, Clone, Copy)]
pub struct Sandboxes<'client> {
    client: &'client Client,
}

impl Client {
    /// Sandbox Management calls.
    pub fn sandboxes(&self) -> Sandboxes<'_> {
        Sandboxes { client: self }
    }
}

impl Sandboxes<'_> {
    /// Sandboxes available to the caller (`GET /sandbox-management/`), all pages. This
    /// endpoint needs no Sandbox Administration permission and no `x-sandbox-name`.
    pub async fn list_available(&self) -> Result<Vec<Sandbox>> {
        let mut all: Vec<Sandbox> = Vec::new();
        for page in 0..MAX_PAGES {
            let call =
                PlatformCall::get("sandbox.list_available", &[BASE[0], BASE[1], BASE[2], ""])
                    .without_sandbox()
                    .query("limit", PAGE_SIZE.to_string())
                    .query("offset", (page * PAGE_SIZE).to_string());
            let list: SandboxList = self.client.call(call).await?;
            let received = list.sandboxes.len();
            for sandbox in list.sandboxes {
                // A server that ignores paging returns the same sandboxes again.
                if !all.iter().any(|known| known.name == sandbox.name) {
                    all.push(sandbox);
                }
            }
            if received < PAGE_SIZE {
                break;
            }
        }
        Ok(all)
    }

    /// One sandbox by name (`GET /sandbox-management/sandboxes/{name}`; needs the
    /// Sandbox Administration view permission). Prefer [`Self::list_available`].
    pub async fn get(&self, name: &str) -> Result<Sandbox> {
        let call = PlatformCall::get(
            "sandbox.get",
            &[BASE[0], BASE[1], BASE[2], "sandboxes", name],
        )
        .without_sandbox();
        self.client.call(call).await
    }

    /// Finds an available sandbox by name, `NotFound` if the caller has no such sandbox.
    pub async fn find_available(&self, name: &str) -> Result<Sandbox> {
        self.list_available()
            .await?
            .into_iter()
            .find(|sandbox| sandbox.name.as_str() == name)
            .ok_or_else(|| {
                PlatformError::new(
                    ErrorCode::NotFound,
                    format!("No sandbox named '{name}' is available to this credential."),
                )
                .with_operation("sandbox.find_available")
            })
    }
}
