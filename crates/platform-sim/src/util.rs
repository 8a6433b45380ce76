//! Small helpers: ids, JSON paths, query strings, filters.

use std::fmt::Write as _;

use axum::http::HeaderMap;
use rand::RngCore;
use serde_json::{Map, Value};

pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `count` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    to_hex(&buffer)
}

pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        if write!(out, "{byte:02x}").is_err() {
            break;
        }
    }
    out
}

/// Flow Service style etag: a JSON string that itself contains double quotes.
pub fn new_etag() -> String {
    let a = random_hex(4);
    let b = random_hex(4);
    format!("\"{a}-0000-0200-0000-{b}0000\"")
}

/// 26-character ULID-like batch id (uppercase Crockford alphabet).
pub fn new_batch_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut buffer = [0u8; 26];
    rand::rng().fill_bytes(&mut buffer);
    buffer
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Adobe's gateway answers `/schemaregistry/stats/` like `/schemaregistry/stats`, and
/// third-party clients such as `aepp` call some paths with a trailing slash; routes are
/// written without one, so it is dropped before routing (the root `/` stays).
pub fn drop_trailing_slash(uri: &mut axum::http::Uri) {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return;
    }
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    let rebuilt = match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    match rebuilt.parse() {
        Ok(path_and_query) => parts.path_and_query = Some(path_and_query),
        Err(error) => {
            tracing::debug!(%error, "kept a path whose trimmed form does not parse");
            return;
        }
    }
    match axum::http::Uri::from_parts(parts) {
        Ok(changed) => *uri = changed,
        Err(error) => tracing::debug!(%error, "kept a path whose trimmed form does not parse"),
    }
}

/// Parses a raw query string into ordered pairs (repeated keys kept).
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    match raw {
        Some(raw) => form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        None => Vec::new(),
    }
}

pub fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub fn query_all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Collects every value at a dotted path; `[]` segments (and arrays met on the way)
/// fan out over array elements, as Flow Service filters do.
pub fn values_at_path<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current: Vec<&Value> = vec![root];
    for raw_segment in path.split('.') {
        let segment = raw_segment.trim_end_matches("[]");
        let mut next = Vec::new();
        for value in current {
            collect_member(value, segment, &mut next);
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    let mut flat = Vec::new();
    for value in current {
        match value {
            Value::Array(items) => flat.extend(items.iter()),
            other => flat.push(other),
        }
    }
    flat
}

fn collect_member<'a>(value: &'a Value, segment: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if let Some(found) = map.get(segment) {
                out.push(found);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_member(item, segment, out);
            }
        }
        _ => {}
    }
}

/// Value as a string for comparisons (strings unquoted).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Exists,
    NotExists,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
}

/// One `property=` filter, as documented for Flow Service, the Schema Registry and Catalog.
#[derive(Debug, Clone)]
pub struct PropertyFilter {
    pub path: String,
    pub op: FilterOp,
    pub values: Vec<String>,
    regex: Option<regex::Regex>,
}

#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("the property filter `{0}` has no property name")]
    EmptyPath(String),
    #[error("the property filter `{0}` has an invalid regular expression")]
    BadRegex(String),
}

impl PropertyFilter {
    pub fn parse(raw: &str) -> Result<Self, FilterError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix('!') {
            if !rest.contains(['=', '<', '>', '~']) {
                if rest.is_empty() {
                    return Err(FilterError::EmptyPath(raw.into()));
                }
                return Ok(Self {
                    path: rest.into(),
                    op: FilterOp::NotExists,
                    values: Vec::new(),
                    regex: None,
                });
            }
        }
        let position = raw.find(['=', '!', '<', '>', '~']);
        let Some(position) = position else {
            if raw.is_empty() {
                return Err(FilterError::EmptyPath(raw.into()));
            }
            return Ok(Self {
                path: raw.into(),
                op: FilterOp::Exists,
                values: Vec::new(),
                regex: None,
            });
        };
        let path = raw[..position].trim().to_string();
        if path.is_empty() {
            return Err(FilterError::EmptyPath(raw.into()));
        }
        let rest = &raw[position..];
        let (op, width) = if rest.starts_with("==") {
            (FilterOp::Eq, 2)
        } else if rest.starts_with("!=") {
            (FilterOp::Ne, 2)
        } else if rest.starts_with("<=") {
            (FilterOp::Le, 2)
        } else if rest.starts_with(">=") {
            (FilterOp::Ge, 2)
        } else if rest.starts_with('<') {
            (FilterOp::Lt, 1)
        } else if rest.starts_with('>') {
            (FilterOp::Gt, 1)
        } else if rest.starts_with('~') {
            (FilterOp::Regex, 1)
        } else {
            // A lone `=` or `!` is read as equality, the most forgiving reading.
            (FilterOp::Eq, 1)
        };
        let value = rest[width..].trim();
        let regex = if op == FilterOp::Regex {
            Some(regex::Regex::new(value).map_err(|_| FilterError::BadRegex(raw.into()))?)
        } else {
            None
        };
        let values = if op == FilterOp::Regex {
            vec![value.to_string()]
        } else {
            value.split(',').map(|v| v.trim().to_string()).collect()
        };
        Ok(Self {
            path,
            op,
            values,
            regex,
        })
    }

    pub fn matches(&self, item: &Value) -> bool {
        let found = values_at_path(item, &self.path);
        match self.op {
            FilterOp::Exists => !found.is_empty() && found.iter().any(|v| !v.is_null()),
            FilterOp::NotExists => found.is_empty() || found.iter().all(|v| v.is_null()),
            FilterOp::Eq => found.iter().any(|v| {
                let text = scalar_text(v);
                self.values
                    .iter()
                    .any(|want| want.eq_ignore_ascii_case(&text))
            }),
            FilterOp::Ne => !found.iter().any(|v| {
                let text = scalar_text(v);
                self.values
                    .iter()
                    .any(|want| want.eq_ignore_ascii_case(&text))
            }),
            FilterOp::Regex => match &self.regex {
                Some(regex) => found.iter().any(|v| regex.is_match(&scalar_text(v))),
                None => false,
            },
            FilterOp::Lt | FilterOp::Le | FilterOp::Gt | FilterOp::Ge => {
                let Some(want) = self.values.first() else {
                    return false;
                };
                found.iter().any(|v| {
                    let ordering = compare_text(&scalar_text(v), want);
                    match self.op {
                        FilterOp::Lt => ordering.is_lt(),
                        FilterOp::Le => ordering.is_le(),
                        FilterOp::Gt => ordering.is_gt(),
                        _ => ordering.is_ge(),
                    }
                })
            }
        }
    }
}

/// Numeric comparison when both sides are numbers, text comparison otherwise.
pub fn compare_text(left: &str, right: &str) -> std::cmp::Ordering {
    match (left.parse::<f64>(), right.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
        _ => left.cmp(right),
    }
}

/// Sorts items by an `orderby` value such as `name`, `-createdAt`, `+title`,
/// `asc:created`, `desc:updated`.
pub fn sort_items(items: &mut [Value], orderby: &str) {
    let orderby = orderby.trim();
    let (descending, field) = if let Some(rest) = orderby.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = orderby.strip_prefix('+') {
        (false, rest)
    } else if let Some(rest) = orderby.strip_prefix("desc:") {
        (true, rest)
    } else if let Some(rest) = orderby.strip_prefix("asc:") {
        (false, rest)
    } else {
        (false, orderby)
    };
    let field = field.split(',').next().unwrap_or(field).to_string();
    items.sort_by(|a, b| {
        let left = values_at_path(a, &field).first().map(|v| scalar_text(v));
        let right = values_at_path(b, &field).first().map(|v| scalar_text(v));
        let ordering = match (left, right) {
            (Some(l), Some(r)) => compare_text(&l, &r),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

/// Applies an RFC 6902 JSON Patch (ops add, replace, remove, case-insensitive).
pub fn apply_json_patch(target: &mut Value, patch: &Value) -> Result<(), String> {
    let ops = patch
        .as_array()
        .ok_or_else(|| "a JSON Patch document must be an array of operations".to_string())?;
    for op in ops {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| "every patch operation needs an `op`".to_string())?
            .to_ascii_lowercase();
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| "every patch operation needs a `path`".to_string())?;
        let segments: Vec<String> = if path.is_empty() {
            Vec::new()
        } else {
            path.strip_prefix('/')
                .ok_or_else(|| format!("the patch path `{path}` must start with `/`"))?
                .split('/')
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect()
        };
        match name.as_str() {
            "add" | "replace" => {
                let value = op
                    .get("value")
                    .cloned()
                    .ok_or_else(|| format!("the `{name}` operation on `{path}` needs a `value`"))?;
                set_pointer(target, &segments, value, name == "replace")?;
            }
            "remove" => remove_pointer(target, &segments)?,
            other => return Err(format!("the patch operation `{other}` is not supported")),
        }
    }
    Ok(())
}

fn set_pointer(
    target: &mut Value,
    segments: &[String],
    value: Value,
    must_exist: bool,
) -> Result<(), String> {
    let Some((last, parents)) = segments.split_last() else {
        *target = value;
        return Ok(());
    };
    let mut current = target;
    for segment in parents {
        current = match current {
            Value::Object(map) => map
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => {
                let index: usize = segment
                    .parse()
                    .map_err(|_| format!("`{segment}` is not an array index"))?;
                items
                    .get_mut(index)
                    .ok_or_else(|| format!("array index {index} is out of range"))?
            }
            _ => return Err(format!("cannot descend into `{segment}`")),
        };
    }
    match current {
        Value::Object(map) => {
            if must_exist && !map.contains_key(last) {
                return Err(format!("the path `{last}` does not exist"));
            }
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            if last == "-" {
                items.push(value);
                return Ok(());
            }
            let index: usize = last
                .parse()
                .map_err(|_| format!("`{last}` is not an array index"))?;
            if must_exist {
                let slot = items
                    .get_mut(index)
                    .ok_or_else(|| format!("array index {index} is out of range"))?;
                *slot = value;
            } else {
                if index > items.len() {
                    return Err(format!("array index {index} is out of range"));
                }
                items.insert(index, value);
            }
            Ok(())
        }
        _ => Err(format!("cannot set `{last}` on a scalar")),
    }
}

fn remove_pointer(target: &mut Value, segments: &[String]) -> Result<(), String> {
    let Some((last, parents)) = segments.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    let mut current = target;
    for segment in parents {
        current = match current {
            Value::Object(map) => map
                .get_mut(segment)
                .ok_or_else(|| format!("the path `{segment}` does not exist"))?,
            Value::Array(items) => {
                let index: usize = segment
                    .parse()
                    .map_err(|_| format!("`{segment}` is not an array index"))?;
                items
                    .get_mut(index)
                    .ok_or_else(|| format!("array index {index} is out of range"))?
            }
            _ => return Err(format!("cannot descend into `{segment}`")),
        };
    }
    match current {
        Value::Object(map) => map
            .remove(last)
            .map(|_| ())
            .ok_or_else(|| format!("the path `{last}` does not exist")),
        Value::Array(items) => {
            let index: usize = last
                .parse()
                .map_err(|_| format!("`{last}` is not an array index"))?;
            if index >= items.len() {
                return Err(format!("array index {index} is out of range"));
            }
            items.remove(index);
            Ok(())
        }
        _ => Err(format!("cannot remove `{last}` from a scalar")),
    }
}

/// Glob with `*` matching any run of characters.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(found) = rest.find(part) {
            rest = &rest[found + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_follow_documented_syntax() {
        let flow = json!({
            "name": "Chatlio",
            "inheritedAttributes": {"sourceConnections": [{"connectionSpec": {"id": "abc"}}]},
            "sourceConnectionIds": ["s1", "s2"],
            "createdAt": 10
        });
        let f =
            PropertyFilter::parse("inheritedAttributes.sourceConnections[].connectionSpec.id==abc")
                .unwrap();
        assert!(f.matches(&flow));
        assert!(PropertyFilter::parse("sourceConnectionIds[]==s2")
            .unwrap()
            .matches(&flow));
        assert!(PropertyFilter::parse("name==x,Chatlio")
            .unwrap()
            .matches(&flow));
        assert!(!PropertyFilter::parse("name!=Chatlio")
            .unwrap()
            .matches(&flow));
        assert!(PropertyFilter::parse("createdAt>5").unwrap().matches(&flow));
        assert!(!PropertyFilter::parse("createdAt<5").unwrap().matches(&flow));
        assert!(PropertyFilter::parse("name~^Chat").unwrap().matches(&flow));
        assert!(PropertyFilter::parse("name").unwrap().matches(&flow));
        assert!(PropertyFilter::parse("!missing").unwrap().matches(&flow));
        assert!(PropertyFilter::parse("meta:intendedToExtend==https://ns.adobe.com/x").is_ok());
        assert!(PropertyFilter::parse("name~(").is_err());
    }

    #[test]
    fn trailing_slashes_are_dropped_before_routing() {
        let mut uri: axum::http::Uri = "/data/foundation/schemaregistry/stats/?x=1"
            .parse()
            .unwrap();
        drop_trailing_slash(&mut uri);
        assert_eq!(uri, "/data/foundation/schemaregistry/stats?x=1");
        let mut root: axum::http::Uri = "/".parse().unwrap();
        drop_trailing_slash(&mut root);
        assert_eq!(root, "/");
        let mut plain: axum::http::Uri = "/a/b".parse().unwrap();
        drop_trailing_slash(&mut plain);
        assert_eq!(plain, "/a/b");
    }

    #[test]
    fn json_patch_and_glob() {
        let mut doc = json!({"allOf": [1], "name": "a"});
        apply_json_patch(&mut doc, &json!([{"op":"add","path":"/allOf/-","value":2},{"op":"REPLACE","path":"/name","value":"b"}])).unwrap();
        assert_eq!(doc, json!({"allOf":[1,2],"name":"b"}));
        assert!(apply_json_patch(
            &mut doc,
            &json!([{"op":"replace","path":"/nope","value":1}])
        )
        .is_err());
        assert!(glob_matches(
            "/data/*/flows*",
            "/data/foundation/flowservice/flows/1"
        ));
        assert!(!glob_matches("/ims/*", "/data/x"));
        assert!(glob_matches("/exact", "/exact"));
    }
}
