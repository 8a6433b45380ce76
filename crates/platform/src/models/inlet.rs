//! Streaming inlet (DCS) bodies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the inlet answers for an accepted event:
/// `{"inletId": "...", "xactionId": "1584479347507:2153:240", "receivedTimeMs": 1584479347507}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InletReceipt {
    /// The inlet id (the spec also spells it `inletID`).
    #[serde(default, alias = "inletID")]
    pub inlet_id: Option<String>,
    /// Server-side transaction id of the record.
    #[serde(default)]
    pub xaction_id: Option<String>,
    /// Receive time, epoch ms.
    #[serde(default, deserialize_with = "super::flexible_i64")]
    pub received_time_ms: Option<i64>,
    /// `{"skipped": true}` in asynchronous validation mode.
    #[serde(default)]
    pub sync_validation: Option<Value>,
}
