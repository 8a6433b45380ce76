//! When Adobe accepts and reports streaming data: one place for the waits that
//! status, test events and the Verify screen share.
//!
//! Adobe documents two facts: wait "at least ~5 minutes" after creating a
//! streaming dataflow before sending data
//! (help/sources/tutorials/api/create/streaming/http.md), and "each flow run is
//! recorded within an hourly window"
//! (help/sources/tutorials/ui/monitor-streaming.md). How long after a window
//! ends its run can be read is not documented; [`Timing::ADOBE`] assumes a
//! margin so the app waits long enough rather than calling a working setup
//! broken.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// After a dataflow is created, data sent before this has passed may be
    /// lost.
    #[serde(with = "seconds")]
    pub warmup: Duration,
    /// Length of one run window; windows are aligned to multiples of it since
    /// the Unix epoch (whole hours for Adobe).
    #[serde(with = "seconds")]
    pub run_window: Duration,
    /// How long after a window ends its run is expected to be readable.
    #[serde(with = "seconds")]
    pub report_delay: Duration,
    /// How often to look again while waiting for a run.
    #[serde(with = "seconds")]
    pub poll: Duration,
}

mod seconds {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(
        duration: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_secs())
    }
}

impl Timing {
    /// Adobe's documented warm-up and hourly windows. The report delay (15
    /// minutes) is assumed: Adobe gives none.
    pub const ADOBE: Timing = Timing {
        warmup: Duration::from_secs(5 * 60),
        run_window: Duration::from_secs(3600),
        report_delay: Duration::from_secs(15 * 60),
        poll: Duration::from_secs(60),
    };

    /// Practice mode's built-in platform-sim: the same rules, minutes made
    /// seconds, so a practice run shows every phase without the wait. The
    /// app tells the user Adobe's real figures.
    pub const PRACTICE: Timing = Timing {
        warmup: Duration::from_secs(15),
        run_window: Duration::from_secs(30),
        report_delay: Duration::from_secs(3),
        poll: Duration::from_secs(2),
    };

    /// `self` with any of `CHATLIO_AEP_WARMUP_SECS`,
    /// `CHATLIO_AEP_RUN_WINDOW_SECS`, `CHATLIO_AEP_REPORT_DELAY_SECS` and
    /// `CHATLIO_AEP_POLL_SECS` applied (for tests against platform-sim; the
    /// CLI takes the same names as flags).
    pub fn with_environment(self) -> Timing {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok())
        };
        self.with_seconds(
            read("CHATLIO_AEP_WARMUP_SECS"),
            read("CHATLIO_AEP_RUN_WINDOW_SECS"),
            read("CHATLIO_AEP_REPORT_DELAY_SECS"),
            read("CHATLIO_AEP_POLL_SECS"),
        )
    }

    /// `self` with each value that is given, in seconds. A run window is at
    /// least a second and the poll interval at least 100 ms, so a bad value
    /// cannot make a busy loop.
    pub fn with_seconds(
        self,
        warmup: Option<u64>,
        run_window: Option<u64>,
        report_delay: Option<u64>,
        poll: Option<u64>,
    ) -> Timing {
        let or = |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        Timing {
            warmup: or(warmup, self.warmup),
            run_window: or(run_window, self.run_window).max(Duration::from_secs(1)),
            report_delay: or(report_delay, self.report_delay),
            poll: or(poll, self.poll).max(Duration::from_millis(100)),
        }
    }

    /// When a dataflow created at `created_at` accepts data.
    pub fn accepts_data_from(&self, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at + to_chrono(self.warmup)
    }

    /// The end of the run window that holds `at`.
    pub fn window_end(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let window = i64::try_from(self.run_window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let millis = at.timestamp_millis();
        let end = (millis.div_euclid(window) + 1).saturating_mul(window);
        Utc.timestamp_millis_opt(end).single().unwrap_or(at)
    }

    /// When the run counting a record sent at `sent_at` should be readable.
    pub fn expected_by(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        self.window_end(sent_at) + to_chrono(self.report_delay)
    }
}

impl Default for Timing {
    fn default() -> Self {
        Self::ADOBE
    }
}

/// Epoch milliseconds as a time; `None` for a value chrono cannot hold.
pub fn from_millis(milliseconds: Option<i64>) -> Option<DateTime<Utc>> {
    milliseconds.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

pub(crate) fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_hours_and_the_result_waits_for_the_end_of_one() {
        let timing = Timing::ADOBE;
        let sent = Utc.with_ymd_and_hms(2026, 11, 28, 10, 17, 45).unwrap();
        assert_eq!(
            timing.window_end(sent),
            Utc.with_ymd_and_hms(2026, 11, 28, 11, 0, 0).unwrap()
        );
        assert_eq!(
            timing.expected_by(sent),
            Utc.with_ymd_and_hms(2026, 11, 28, 11, 15, 0).unwrap()
        );
        // A record sent exactly on the hour belongs to the window that starts.
        let on_the_hour = Utc.with_ymd_and_hms(2026, 11, 28, 11, 0, 0).unwrap();
        assert_eq!(
            timing.window_end(on_the_hour),
            Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
        );
        assert_eq!(
            timing.accepts_data_from(sent),
            Utc.with_ymd_and_hms(2026, 11, 28, 10, 22, 45).unwrap()
        );
    }
}
