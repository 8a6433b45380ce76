//! Typed identifiers, so a dataset id cannot be passed where a flow id is expected.

macro_rules! typed_id {
    ($(#[$attribute:meta])* $name:ident) => {
        $(#[$attribute])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id string.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as sent to and received from Adobe.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the id string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(
    /// A Flow Service dataflow id (lowercase UUID).
    FlowId
);
typed_id!(
    /// A Flow Service source connection id.
    SourceConnectionId
);
typed_id!(
    /// A Flow Service target connection id.
    TargetConnectionId
);
typed_id!(
    /// A Flow Service base connection id.
    BaseConnectionId
);
typed_id!(
    /// A connection specification id (e.g. Chatlio's `073127a3-...`).
    ConnectionSpecId
);
typed_id!(
    /// A flow specification id (e.g. `e77fde5a-...` GenericStreamingAEP).
    FlowSpecId
);
typed_id!(
    /// A flow run id.
    RunId
);
typed_id!(
    /// A Catalog dataset id (24 hex characters).
    DatasetId
);
typed_id!(
    /// A Catalog batch id.
    BatchId
);
typed_id!(
    /// A Data Prep mapping set id (32 hex characters).
    MappingSetId
);
typed_id!(
    /// A Schema Registry resource `$id` URI (schema, field group, class).
    SchemaId
);
typed_id!(
    /// A Schema Registry descriptor `@id`.
    DescriptorId
);
typed_id!(
    /// An IMS organization id, `<24 hex>@AdobeOrg`.
    OrgId
);
typed_id!(
    /// A sandbox name as used in `x-sandbox-name` (all lowercase).
    SandboxName
);

/// A Flow Service entity version, sent verbatim in `If-Match`.
///
/// Adobe's etags contain their own double quotes (`"\"9b01c840-...\""` in JSON); they are
/// kept exactly as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Etag(String);

impl Etag {
    /// Wraps an etag exactly as Adobe returned it (quotes included).
    pub fn new(etag: impl Into<String>) -> Self {
        Self(etag.into())
    }

    /// The value for the `If-Match` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Etag {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}
