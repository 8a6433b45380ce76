//! Schema Registry API: tenant id, field groups, schemas, descriptors, lookups by title.

use reqwest::Method;

use crate::client::{Client, PlatformCall};
use crate::error::Result;
use crate::http::Idempotency;
use crate::models::flow::PatchOperation;
use crate::models::schema::{
    Descriptor, DescriptorList, FieldGroupRequest, IdentityDescriptorRequest, RegistryList,
    RegistryResource, RegistryStats, ResourceSummary, SchemaRequest,
};
use crate::models::{DescriptorId, SchemaId};

const BASE: [&str; 3] = ["data", "foundation", "schemaregistry"];
const MAX_PAGES: usize = 20;

/// `Accept` for short list entries.
pub const ACCEPT_XED_ID: &str = "application/vnd.adobe.xed-id+json";
/// `Accept` for a raw single resource.
pub const ACCEPT_XED_V1: &str = "application/vnd.adobe.xed+json; version=1";
/// `Accept` for a resolved single resource.
pub const ACCEPT_XED_FULL_V1: &str = "application/vnd.adobe.xed-full+json; version=1";
/// `Accept` for the descriptor list with whole objects, grouped by `@type` (descriptors
/// use `xdm` instead of `xed`, and no version).
pub const ACCEPT_XDM: &str = "application/vnd.adobe.xdm+json";
/// `@type` of identity descriptors.
pub const IDENTITY_DESCRIPTOR_TYPE: &str = "xdm:descriptorIdentity";

/// Adobe's code for enabling a schema for Profile without an `identityMap` field or a
/// primary identity descriptor (help/xdm/troubleshooting-guide.md).
pub const UNION_IDENTITY_REQUIRED: &str = "XDM-1528-400";
const UNION_IDENTITY_HINT: &str =
    "Create the schema's primary identity descriptor first, then enable the schema for Profile.";

/// Whether `error` is Adobe refusing to enable a schema for Profile because it has neither
/// an `identityMap` field nor a primary identity descriptor (`XDM-1528-400`).
pub fn is_union_identity_refusal(error: &crate::PlatformError) -> bool {
    error.adobe_code() == Some(UNION_IDENTITY_REQUIRED)
}

/// Registry resource kinds in the `tenant` container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/tenant/schemas`.
    Schemas,
    /// `/tenant/fieldgroups`.
    FieldGroups,
}

impl ResourceKind {
    fn segment(self) -> &'static str {
        match self {
            Self::Schemas => "schemas",
            Self::FieldGroups => "fieldgroups",
        }
    }
}

/// Schema Registry calls; get one with [`Client::schema_registry`].
#[derive(Debug, Clone, Copy)]
pub struct SchemaRegistry<'client> {
    client: &'client Client,
}

impl Client {
    /// Schema Registry calls.
    pub fn schema_registry(&self) -> SchemaRegistry<'_> {
        SchemaRegistry { client: self }
    }
}

fn path<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut segments: Vec<&str> = BASE.to_vec();
    segments.extend_from_slice(rest);
    segments
}

impl SchemaRegistry<'_> {
    /// Registry statistics, including the tenant id (`GET /stats`).
    pub async fn stats(&self) -> Result<RegistryStats> {
        self.client
            .call(PlatformCall::get(
                "schema_registry.stats",
                &path(&["stats"]),
            ))
            .await
    }

    /// The tenant id (e.g. `extconndev`) under which custom fields must live as `_{tenant}`.
    pub async fn tenant_id(&self) -> Result<String> {
        Ok(self.stats().await?.tenant_id)
    }

    /// Lists tenant resources sorted by title, following `_page.next` as the next `start`
    /// (help/xdm/api/appendix.md "Paging"; at most 20 pages of 300). Each `property`
    /// filter is Adobe's syntax, e.g. `title==Chatlio Events`. An entry that does not
    /// decode is skipped with a warning rather than failing the list.
    pub async fn list(
        &self,
        kind: ResourceKind,
        properties: &[String],
    ) -> Result<Vec<ResourceSummary>> {
        let operation = match kind {
            ResourceKind::Schemas => "schema_registry.list_schemas",
            ResourceKind::FieldGroups => "schema_registry.list_field_groups",
        };
        let mut results = Vec::new();
        let mut start: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut call = PlatformCall::get(operation, &path(&["tenant", kind.segment()]))
                .accept(ACCEPT_XED_ID)
                .query("orderby", "title");
            for property in properties {
                call = call.query("property", property.clone());
            }
            if let Some(start) = &start {
                call = call.query("start", start.clone());
            }
            let page: RegistryList = self.client.call(call).await?;
            results.extend(page.results.into_iter().filter_map(|entry| {
                serde_json::from_value::<ResourceSummary>(entry)
                    .map_err(|error| {
                        tracing::warn!(operation, %error, "skipped a registry list entry that does not decode");
                    })
                    .ok()
            }));
            match page.page.and_then(|page| page.next) {
                Some(next) if start.as_deref() != Some(next.as_str()) => start = Some(next),
                _ => break,
            }
        }
        Ok(results)
    }

    /// Finds a tenant schema by exact title (titles are unique in a sandbox).
    pub async fn find_schema_by_title(&self, title: &str) -> Result<Option<ResourceSummary>> {
        self.find_by_title(ResourceKind::Schemas, title).await
    }

    /// Finds a tenant field group by exact title.
    pub async fn find_field_group_by_title(&self, title: &str) -> Result<Option<ResourceSummary>> {
        self.find_by_title(ResourceKind::FieldGroups, title).await
    }

    async fn find_by_title(
        &self,
        kind: ResourceKind,
        title: &str,
    ) -> Result<Option<ResourceSummary>> {
        let found = self.list(kind, &[format!("title=={title}")]).await?;
        // The filter is a server-side hint; the exact match is checked here.
        Ok(found
            .into_iter()
            .find(|resource| resource.title.as_deref() == Some(title)))
    }

    /// Creates a field group (`POST /tenant/fieldgroups`, 201). A duplicate title fails
    /// with [`crate::ErrorCode::Conflict`] (`XDM-1521-400`).
    pub async fn create_field_group(
        &self,
        request: &FieldGroupRequest,
    ) -> Result<RegistryResource> {
        let call = PlatformCall::post(
            "schema_registry.create_field_group",
            &path(&["tenant", "fieldgroups"]),
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// Creates a schema (`POST /tenant/schemas`, 201).
    pub async fn create_schema(&self, request: &SchemaRequest) -> Result<RegistryResource> {
        let call = PlatformCall::post(
            "schema_registry.create_schema",
            &path(&["tenant", "schemas"]),
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// Looks up a schema by `$id` (or `meta:altId`).
    pub async fn get_schema(&self, id: &SchemaId) -> Result<RegistryResource> {
        self.get(ResourceKind::Schemas, id).await
    }

    /// Looks up a field group by `$id` (or `meta:altId`).
    pub async fn get_field_group(&self, id: &SchemaId) -> Result<RegistryResource> {
        self.get(ResourceKind::FieldGroups, id).await
    }

    async fn get(&self, kind: ResourceKind, id: &SchemaId) -> Result<RegistryResource> {
        let operation = match kind {
            ResourceKind::Schemas => "schema_registry.get_schema",
            ResourceKind::FieldGroups => "schema_registry.get_field_group",
        };
        let call = PlatformCall::get(operation, &path(&["tenant", kind.segment(), id.as_str()]))
            .accept(ACCEPT_XED_V1);
        self.client.call(call).await
    }

    /// Applies JSON Patch operations to a schema (e.g. add a field group with
    /// `add /allOf/-`). Not retried blindly: an `add` applied twice would add twice.
    pub async fn patch_schema(
        &self,
        id: &SchemaId,
        operations: &[PatchOperation],
    ) -> Result<RegistryResource> {
        let call = PlatformCall::new(
            "schema_registry.patch_schema",
            Method::PATCH,
            &path(&["tenant", "schemas", id.as_str()]),
        )
        .json(&operations)?;
        self.client.call(call).await
    }

    /// Enables a schema for Real-Time Customer Profile: `PATCH` with
    /// `[{"op":"add","path":"/meta:immutableTags","value":["union"]}]`, as
    /// help/xdm/api/schemas.md "Enable a schema for use in Real-time Customer Profile"
    /// shows. This cannot be undone: Adobe never removes an immutable tag, and a
    /// Profile-enabled schema cannot be deleted. A schema that is already enabled is
    /// returned as it is (the schema is read first).
    ///
    /// # Errors
    /// Without an `identityMap` field or a primary identity descriptor Adobe answers
    /// `XDM-1528-400` ([`is_union_identity_refusal`] tells it apart). Not retried blindly.
    pub async fn enable_for_profile(&self, id: &SchemaId) -> Result<RegistryResource> {
        let current = self.get_schema(id).await?;
        if current.is_profile_enabled() {
            return Ok(current);
        }
        // The documented body sets the whole list; a schema that already has other
        // immutable tags gets `union` appended instead, since tags are never removed.
        let operation = if current.immutable_tags.is_empty() {
            PatchOperation::add(
                "/meta:immutableTags",
                serde_json::json!([crate::models::schema::UNION_TAG]),
            )
        } else {
            PatchOperation::add(
                "/meta:immutableTags/-",
                serde_json::json!(crate::models::schema::UNION_TAG),
            )
        };
        let call = PlatformCall::new(
            "schema_registry.enable_for_profile",
            Method::PATCH,
            &path(&["tenant", "schemas", id.as_str()]),
        )
        .accept(ACCEPT_XED_V1)
        .json(&[operation])?;
        self.client.call(call).await.map_err(|error| {
            if is_union_identity_refusal(&error) {
                error.with_hint(UNION_IDENTITY_HINT)
            } else {
                error
            }
        })
    }

    /// Deletes a schema (204).
    pub async fn delete_schema(&self, id: &SchemaId) -> Result<()> {
        self.delete("schema_registry.delete_schema", ResourceKind::Schemas, id)
            .await
    }

    /// Deletes a field group (204).
    pub async fn delete_field_group(&self, id: &SchemaId) -> Result<()> {
        self.delete(
            "schema_registry.delete_field_group",
            ResourceKind::FieldGroups,
            id,
        )
        .await
    }

    async fn delete(
        &self,
        operation: &'static str,
        kind: ResourceKind,
        id: &SchemaId,
    ) -> Result<()> {
        let call = PlatformCall::new(
            operation,
            Method::DELETE,
            &path(&["tenant", kind.segment(), id.as_str()]),
        );
        self.client.call_raw(call).await?;
        Ok(())
    }

    /// Creates an identity descriptor (`POST /tenant/descriptors`, 201).
    pub async fn create_identity_descriptor(
        &self,
        request: &IdentityDescriptorRequest,
    ) -> Result<Descriptor> {
        let call = PlatformCall::post(
            "schema_registry.create_descriptor",
            &path(&["tenant", "descriptors"]),
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// Every descriptor of the tenant container, of every `@type`
    /// (`GET /tenant/descriptors`, `Accept: application/vnd.adobe.xdm+json`). With
    /// `schema`, asks for only that schema's descriptors (`property=xdm:sourceSchema==`)
    /// and checks the match here too, since the filter is a server-side hint.
    pub async fn list_descriptors(&self, schema: Option<&SchemaId>) -> Result<Vec<Descriptor>> {
        let mut call = PlatformCall::get(
            "schema_registry.list_descriptors",
            &path(&["tenant", "descriptors"]),
        )
        .accept(ACCEPT_XDM);
        if let Some(schema) = schema {
            call = call.query("property", format!("xdm:sourceSchema=={schema}"));
        }
        let grouped: DescriptorList = self.client.call(call).await?;
        Ok(grouped
            .by_type
            .into_values()
            .flatten()
            .filter(|descriptor| {
                schema.is_none_or(|schema| descriptor.source_schema.as_ref() == Some(schema))
            })
            .collect())
    }

    /// The identity descriptors of `schema`.
    pub async fn identity_descriptors(&self, schema: &SchemaId) -> Result<Vec<Descriptor>> {
        Ok(self
            .list_descriptors(Some(schema))
            .await?
            .into_iter()
            .filter(|descriptor| {
                descriptor.descriptor_type.as_deref() == Some(IDENTITY_DESCRIPTOR_TYPE)
            })
            .collect())
    }

    /// Looks up a descriptor. Sends `Accept: application/vnd.adobe.xdm+json`: the lookup
    /// needs no Accept, but `application/json` (the client's default) is refused with
    /// `XDM-1009-400` (schema-registry.yaml `acceptErrorDescriptorLookup`).
    pub async fn get_descriptor(&self, id: &DescriptorId) -> Result<Descriptor> {
        let call = PlatformCall::get(
            "schema_registry.get_descriptor",
            &path(&["tenant", "descriptors", id.as_str()]),
        )
        .accept(ACCEPT_XDM);
        self.client.call(call).await
    }

    /// Deletes a descriptor (204).
    pub async fn delete_descriptor(&self, id: &DescriptorId) -> Result<()> {
        let call = PlatformCall::new(
            "schema_registry.delete_descriptor",
            Method::DELETE,
            &path(&["tenant", "descriptors", id.as_str()]),
        )
        .idempotency(Idempotency::Safe);
        self.client.call_raw(call).await?;
        Ok(())
    }
}
