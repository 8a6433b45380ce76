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
    /// A sandbox name as used in `x-sandbox-name` (all lowercase). Names typed by a user
    /// go through [`SandboxName::parse`]; names Adobe lists are taken as they come.
    SandboxName
);

/// Why a text is not a sandbox name (see [`SandboxName::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SandboxNameError {
    /// Nothing but whitespace.
    #[error("a sandbox name is needed")]
    Empty,
    /// Longer than [`SandboxName::MAX_CHARS`].
    #[error("a sandbox name has at most 256 characters")]
    TooLong,
    /// An upper-case letter: the name is the lower-case id, not the display title.
    #[error("a sandbox name is all lower case (it is the name, not the title)")]
    UpperCase,
    /// A character other than a lower-case letter, a digit or `-`.
    #[error("a sandbox name has only letters, digits and '-', not {0:?}")]
    InvalidCharacter(char),
    /// Begins with a digit or `-`.
    #[error("a sandbox name begins with a letter")]
    FirstNotALetter,
}

impl SandboxName {
    /// The longest sandbox name Adobe allows.
    pub const MAX_CHARS: usize = 256;

    /// A sandbox name typed or configured by a user, checked against Adobe's rule: "The
    /// sandbox name is an all-lowercase identifier for use in API calls [...]. The
    /// sandbox name must begin with a letter, have a maximum of 256 characters, and
    /// consist only of alphanumeric characters and hyphens (-)."
    /// (AdobeDocs/experience-platform.en, help/sandboxes/ui/user-guide.md, "Create a new
    /// sandbox"; help/sandboxes/api/sandboxes.md says the same of `name`: no spaces or
    /// special characters.) Surrounding whitespace, as a paste brings, is removed.
    ///
    /// Names read from Adobe's sandbox list are not parsed: Adobe is the authority on
    /// the sandboxes it has, whatever rule held when they were made.
    ///
    /// # Errors
    /// The first rule the text breaks, in the order of [`SandboxNameError`]'s variants.
    pub fn parse(text: &str) -> Result<Self, SandboxNameError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(SandboxNameError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(SandboxNameError::TooLong);
        }
        if name.chars().any(|character| character.is_ascii_uppercase()) {
            return Err(SandboxNameError::UpperCase);
        }
        if let Some(invalid) = name.chars().find(|character| {
            !(character.is_ascii_lowercase() || character.is_ascii_digit() || *character == '-')
        }) {
            return Err(SandboxNameError::InvalidCharacter(invalid));
        }
        if !name.starts_with(|first: char| first.is_ascii_lowercase()) {
            return Err(SandboxNameError::FirstNotALetter);
        }
        Ok(Self(name.to_owned()))
    }
}

impl std::str::FromStr for SandboxName {
    type Err = SandboxNameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_names_follow_adobes_rule() {
        for good in ["prod", "dev", "dev-2", "acme-dev", "a", " padded\n"] {
            assert_eq!(
                SandboxName::parse(good).map(SandboxName::into_inner),
                Ok(good.trim().to_owned()),
                "{good:?}"
            );
        }
        let longest = format!("a{}", "b".repeat(SandboxName::MAX_CHARS - 1));
        assert!(SandboxName::parse(&longest).is_ok());
        let cases = [
            ("", SandboxNameError::Empty),
            ("  \t", SandboxNameError::Empty),
            (&*format!("{longest}c"), SandboxNameError::TooLong),
            ("Prod", SandboxNameError::UpperCase),
            ("Prod Sandbox", SandboxNameError::UpperCase),
            ("my_sandbox", SandboxNameError::InvalidCharacter('_')),
            ("dev 2", SandboxNameError::InvalidCharacter(' ')),
            ("sandbox/../prod", SandboxNameError::InvalidCharacter('/')),
            ("dév", SandboxNameError::InvalidCharacter('é')),
            ("2dev", SandboxNameError::FirstNotALetter),
            ("-dev", SandboxNameError::FirstNotALetter),
        ];
        for (text, expected) in cases {
            assert_eq!(SandboxName::parse(text), Err(expected), "{text:?}");
        }
    }
}
