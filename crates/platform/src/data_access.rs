//! Data Access API (`/data/foundation/export`): what Adobe stored in a dataset and the
//! error diagnostics of a batch.
//!
//! * A dataset's preview (`GET /datasets/{id}/preview`, spec `data-access.yaml`
//!   `retrieveDatasetPreview`) is "the first 100 rows" of the dataset's files: no paging,
//!   no ordering promise, so it is a sample of what was stored, not the newest records.
//! * A batch's error diagnostics (`GET /batches/{id}/meta?path=row_errors`,
//!   help/ingestion/quality/error-diagnostics.md) list files of failed rows; each row
//!   carries `_corrupt_record` (the input), `_errors[{code, message}]` and `_filename`.
//!   Adobe keeps them for up to 30 days and only for flows with error diagnostics on.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::client::{Client, PlatformCall};
use crate::error::{ErrorCode, Result};
use crate::models::{BatchId, DatasetId};

const BASE: [&str; 3] = ["data", "foundation", "export"];
/// Rows in a dataset preview (spec: "the first 100 rows").
pub const PREVIEW_ROWS: usize = 100;
/// Files per page of a listing (the spec's default and maximum).
const PAGE_SIZE: u32 = 100;
/// At most this many listing pages are read (10,000 files).
const MAX_PAGES: u32 = 100;
/// The meta directory holding a batch's failed rows.
pub const ROW_ERRORS: &str = "row_errors";

/// Data Access calls; get one with [`Client::data_access`].
#[derive(Debug, Clone, Copy)]
pub struct DataAccess<'client> {
    client: &'client Client,
}

impl Client {
    /// Data Access API calls.
    pub fn data_access(&self) -> DataAccess<'_> {
        DataAccess { client: self }
    }
}

#[derive(Deserialize)]
struct Preview {
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    data: Vec<Value>,
}

/// A file in a Data Access listing (`data[]` of `/batches/{id}/meta`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportFile {
    /// File name, e.g. `conversion_errors_0.json`.
    pub name: String,
    /// Size in bytes (Adobe sends it as a string).
    #[serde(default, deserialize_with = "crate::models::flexible_u64")]
    pub length: Option<u64>,
}

#[derive(Deserialize)]
struct FilePage {
    #[serde(default, deserialize_with = "crate::models::null_as_default")]
    data: Vec<ExportFile>,
    #[serde(default, rename = "_links")]
    links: Option<PageLinks>,
}

#[derive(Deserialize)]
struct PageLinks {
    #[serde(default)]
    next: Option<Value>,
}

/// One failed row of an error diagnostics file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The input as Adobe received it (a JSON text for a webhook body).
    #[serde(rename = "_corrupt_record", default)]
    pub corrupt_record: Option<String>,
    /// Why the row failed.
    #[serde(
        rename = "_errors",
        default,
        deserialize_with = "crate::models::null_as_default"
    )]
    pub errors: Vec<RowErrorEntry>,
    /// The diagnostics file the row came from.
    #[serde(rename = "_filename", default)]
    pub filename: Option<String>,
}

/// One reason a row failed: Adobe's code (a bare number such as `"1401"` in the
/// documented example) and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowErrorEntry {
    /// Error code, as text whether Adobe sent a string or a number.
    #[serde(default, deserialize_with = "code_as_text")]
    pub code: Option<String>,
    /// Adobe's message.
    #[serde(default)]
    pub message: Option<String>,
}

fn code_as_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(text)) => Some(text),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    })
}

/// Rows of a diagnostics file. Adobe documents one JSON object per row (JSON Lines); a
/// JSON array or a single object is read too. A line that is not a row is skipped and
/// counted, so one damaged line does not hide the others.
pub fn parse_rows(body: &[u8]) -> (Vec<RowError>, usize) {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.starts_with('[') {
        if let Ok(rows) = serde_json::from_str::<Vec<RowError>>(trimmed) {
            return (rows, 0);
        }
    }
    let mut rows = Vec::new();
    let mut skipped = 0;
    for line in trimmed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        match serde_json::from_str::<RowError>(line) {
            Ok(row) => rows.push(row),
            Err(_) => skipped += 1,
        }
    }
    if rows.is_empty() && skipped > 0 {
        // A pretty-printed single object spans several lines.
        if let Ok(row) = serde_json::from_str::<RowError>(trimmed) {
            return (vec![row], 0);
        }
    }
    (rows, skipped)
}

/// The failed rows of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchRowErrors {
    /// Rows read from every diagnostics file of the batch.
    pub rows: Vec<RowError>,
    /// Lines that could not be read as a row.
    pub unreadable: usize,
    /// False when Adobe has no diagnostics for the batch (answered 404: error
    /// diagnostics off, the batch still open, or older than Adobe keeps them).
    pub available: bool,
}

impl DataAccess<'_> {
    /// Up to [`PREVIEW_ROWS`] records stored in a dataset, in the order Adobe returns
    /// them. Adobe answers 404 for an unknown dataset and, as the simulator assumes, for
    /// one with nothing stored yet; both are an empty list here, since a caller that
    /// made the dataset knows it exists.
    pub async fn preview_dataset(&self, dataset: &DatasetId) -> Result<Vec<Value>> {
        let call = PlatformCall::get(
            "data_access.preview_dataset",
            &[
                BASE[0],
                BASE[1],
                BASE[2],
                "datasets",
                dataset.as_str(),
                "preview",
            ],
        );
        match self.client.call::<Preview>(call).await {
            Ok(preview) => Ok(preview.data),
            Err(error) if error.code() == ErrorCode::NotFound => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }

    /// The files under `path` in a batch's meta directory, every page (Adobe pages by
    /// 100 and links the next page while there is one). `None` when Adobe has no such
    /// path (404).
    pub async fn list_meta(&self, batch: &BatchId, path: &str) -> Result<Option<Vec<ExportFile>>> {
        let mut files = Vec::new();
        for page in 0..MAX_PAGES {
            let call = PlatformCall::get(
                "data_access.list_batch_meta",
                &[BASE[0], BASE[1], BASE[2], "batches", batch.as_str(), "meta"],
            )
            .query("path", path)
            .query("start", (page * PAGE_SIZE).to_string())
            .query("limit", PAGE_SIZE.to_string());
            let listing: FilePage = match self.client.call(call).await {
                Ok(listing) => listing,
                Err(error) if error.code() == ErrorCode::NotFound && page == 0 => return Ok(None),
                Err(error) => return Err(error),
            };
            let count = listing.data.len();
            files.extend(listing.data);
            let has_next = listing.links.is_some_and(|links| links.next.is_some());
            if !has_next || count < PAGE_SIZE as usize {
                break;
            }
        }
        Ok(Some(files))
    }

    /// The content of one file in a batch's meta directory (`path` such as
    /// `row_errors/conversion_errors_0.json`). `None` when it is gone (404).
    pub async fn read_meta_file(&self, batch: &BatchId, path: &str) -> Result<Option<Vec<u8>>> {
        let call = PlatformCall::get(
            "data_access.read_batch_meta",
            &[BASE[0], BASE[1], BASE[2], "batches", batch.as_str(), "meta"],
        )
        .query("path", path)
        .accept("*/*");
        match self.client.call_raw(call).await {
            Ok(response) => Ok(Some(response.body)),
            Err(error) if error.code() == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every failed row Adobe kept for a batch: the `row_errors` listing, then each file.
    pub async fn row_errors(&self, batch: &BatchId) -> Result<BatchRowErrors> {
        let Some(files) = self.list_meta(batch, ROW_ERRORS).await? else {
            return Ok(BatchRowErrors::default());
        };
        let mut result = BatchRowErrors {
            available: true,
            ..BatchRowErrors::default()
        };
        for file in files {
            let path = format!("{ROW_ERRORS}/{}", file.name);
            if let Some(body) = self.read_meta_file(batch, &path).await? {
                let (rows, unreadable) = parse_rows(&body);
                result.rows.extend(rows);
                result.unreadable += unreadable;
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_from_json_lines_arrays_and_single_objects() {
        let lines = br#"{"_corrupt_record":"{\"a\":1}","_errors":[{"code":"1401","message":"Row is corrupted"}],"_filename":"parsing_errors_0.json"}
not a row
{"_errors":[{"code":1555,"message":"missing"}]}
"#;
        let (rows, skipped) = parse_rows(lines);
        assert_eq!(rows.len(), 2);
        assert_eq!(skipped, 1);
        assert_eq!(rows[0].corrupt_record.as_deref(), Some("{\"a\":1}"));
        assert_eq!(rows[1].errors[0].code.as_deref(), Some("1555"));

        let array = br#"[{"_errors":[{"code":"1401"}]},{"_errors":null}]"#;
        assert_eq!(parse_rows(array).0.len(), 2);

        let pretty = b"{\n  \"_corrupt_record\": \"x\",\n  \"_errors\": []\n}\n";
        let (rows, skipped) = parse_rows(pretty);
        assert_eq!((rows.len(), skipped), (1, 0));
        assert_eq!(parse_rows(b"").0.len(), 0);
    }
}
