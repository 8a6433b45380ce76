//! A wrapper for values that must never reach a log, a UI payload or an error message.
//!
//! [`Secret`] has a redacted `Debug` and `Display`, and deliberately no `Serialize`, so a
//! secret cannot leak through `{:?}`, `tracing` fields or `serde_json::to_string` by
//! accident. The only way to read the value is the explicit [`Secret::expose`].

use std::fmt;

/// What every redacted value prints as.
pub const REDACTED: &str = "[redacted]";

/// A secret value (client secret, access token, refresh token, PKCE verifier).
///
/// `Deserialize` is allowed so configuration files and keychain payloads can be read
/// into it; `Serialize` is not implemented on purpose.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret<T = String>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Reads the secret value. Every caller of this is a place where the secret leaves
    /// its wrapper: keep those places few (request building only).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Secret<String> {
    /// True when the secret is the empty string (a missing credential).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

/// Replaces every occurrence of each non-trivial secret in `text` with [`REDACTED`].
///
/// Used on text that came back from a server (error messages) before it is stored in an
/// error value, in case a server echoes a credential back.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut scrubbed = text.to_owned();
    for secret in secrets {
        // Very short values would redact ordinary words; real secrets are long.
        if secret.len() >= 8 && scrubbed.contains(secret) {
            scrubbed = scrubbed.replace(secret, REDACTED);
        }
    }
    scrubbed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::from("p8e-very-secret-value");
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(secret.expose(), "p8e-very-secret-value");
    }

    #[test]
    fn nested_debug_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Secret,
        }
        let holder = Holder {
            token: Secret::from("eyJhbGciOi.secret.token"),
        };
        assert!(!format!("{holder:?}").contains("eyJhbGciOi"));
    }

    #[test]
    fn deserializes_transparently() {
        let secret: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(secret.expose(), "abc");
    }

    #[test]
    fn scrub_replaces_long_secrets_only() {
        let text = "token abcdefghij and id";
        assert_eq!(
            scrub(text, &["abcdefghij", "id"]),
            "token [redacted] and id"
        );
    }
}
