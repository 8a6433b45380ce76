//! Request and response bodies, typed after Adobe's documentation.
//!
//! Field names follow Adobe's JSON exactly (camelCase, `meta:` prefixes, `$id`). Response
//! types ignore unknown fields and make every documented-but-not-guaranteed field optional,
//! so a new field or a sparse object from Adobe never breaks decoding.

pub mod catalog;
pub mod dataprep;
pub mod flow;
pub mod ids;
pub mod ims;
pub mod inlet;
pub mod sandbox;
pub mod schema;

pub use ids::*;

use serde::{Deserialize, Deserializer, Serialize};

/// A reference to an XDM schema with its content type, as used by Catalog and Data Prep
/// (`{"id": "...", "contentType": "application/vnd.adobe.xed+json;version=1"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaRef {
    /// The schema `$id`.
    pub id: SchemaId,
    /// The XED content type, e.g. [`XED_FULL_V1`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// `application/vnd.adobe.xed+json;version=1`: raw schema, used for datasets.
pub const XED_V1: &str = "application/vnd.adobe.xed+json;version=1";
/// `application/vnd.adobe.xed-full+json;version=1`: resolved schema, used for mappings and
/// target connections.
pub const XED_FULL_V1: &str = "application/vnd.adobe.xed-full+json;version=1";

/// Reads an explicit JSON `null` as the type's default: `#[serde(default)]` alone covers
/// a missing field but fails on `"errors": null`, which Adobe's services do send (Data
/// Prep documents it), and one such value would fail a whole list.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a text field leniently: a string is kept, and anything else (`null`, the empty
/// object Catalog sends for a requested property without a value, a number) is `None`
/// (help/catalog/api/filter-data.md "Limit displayed properties").
pub(crate) fn lenient_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Some(text),
        _ => None,
    })
}

/// Reads an optional object field leniently: a value of the expected shape is kept, and
/// one that does not decode (`{}` for a property without a value, `null`) is `None`.
pub(crate) fn lenient_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Accepts an unsigned integer written as a JSON number or a string (`0` or `"0"`): Adobe
/// types `mappingVersion` as a string in the flow spec and sends numbers in examples.
pub(crate) fn flexible_u64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flexible {
        Number(u64),
        Float(f64),
        Text(String),
        Nothing(()),
    }
    Ok(match Flexible::deserialize(deserializer)? {
        Flexible::Number(number) => Some(number),
        Flexible::Float(number) if number >= 0.0 && number.fract() == 0.0 && number < 1e18 => {
            // Exact: checked integral and in range above.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(number as u64)
        }
        Flexible::Text(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// Accepts a signed integer as number or string (timestamps in ms are sometimes strings).
pub(crate) fn flexible_i64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flexible {
        Number(i64),
        Float(f64),
        Text(String),
        Nothing(()),
    }
    Ok(match Flexible::deserialize(deserializer)? {
        Flexible::Number(number) => Some(number),
        Flexible::Float(number) if number.fract() == 0.0 && number.abs() < 1e18 =>
        {
            #[allow(clippy::cast_possible_truncation)]
            Some(number as i64)
        }
        Flexible::Text(text) => text.trim().parse().ok(),
        _ => None,
    })
}
