//! The simulator's own clock: real time plus an offset held by each simulator, so tests can
//! put one simulator at a chosen instant and move it forward while other simulators in the
//! same process keep their own time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// Why the clock cannot be moved as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error(
        "the clock can only move forward: {requested} is before the simulator's now ({now}), \
         and times already recorded would then lie in the future"
    )]
    Backwards { requested: String, now: String },
    #[error("the clock cannot move that far: the instant would be out of range")]
    OutOfRange,
}

/// The clock before and after a move, in epoch milliseconds of the simulator's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub before_ms: i64,
    pub after_ms: i64,
}

/// Real time shifted by an offset. The offset is atomic because every request reads the
/// clock while a control call may move it.
#[derive(Debug)]
pub struct Clock {
    offset_ms: AtomicI64,
}

fn real_now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `start - real now`: the offset that makes the clock read `start` at this moment.
fn offset_for(start: Option<DateTime<Utc>>) -> i64 {
    start.map_or(0, |start| {
        start.timestamp_millis().saturating_sub(real_now_ms())
    })
}

/// Whether chrono can represent the instant (so `now()` and RFC 3339 output stay exact).
fn representable(ms: i64) -> bool {
    DateTime::<Utc>::from_timestamp_millis(ms).is_some()
}

impl Clock {
    /// A clock that reads `start` now (real time when `None`) and runs at real speed.
    pub fn starting_at(start: Option<DateTime<Utc>>) -> Self {
        Self {
            offset_ms: AtomicI64::new(offset_for(start)),
        }
    }

    /// Puts the clock back at `start` (real time when `None`) whatever it read before: only
    /// for a reset, which forgets every recorded time.
    pub fn restart_at(&self, start: Option<DateTime<Utc>>) {
        self.offset_ms.store(offset_for(start), Ordering::Release);
    }

    /// The simulator's now, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        real_now_ms().saturating_add(self.offset_ms.load(Ordering::Acquire))
    }

    /// The simulator's now.
    pub fn now(&self) -> DateTime<Utc> {
        Self::instant(self.now_ms())
    }

    /// An epoch-millisecond time as an instant (clamped to chrono's range, which the
    /// clock's moves never leave).
    pub fn instant(ms: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
    }

    /// The offset from real time, for the state file.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Acquire)
    }

    /// Moves the clock forward to the offset of a restored state file when it is ahead, so
    /// times recorded before the restart are not in the future (and time spent stopped
    /// still passes, as it does for Adobe).
    pub fn keep_up_with(&self, offset_ms: i64) {
        self.offset_ms.fetch_max(offset_ms, Ordering::AcqRel);
    }

    /// Sets the clock to `instant`. Refused when it lies before the clock's now: what
    /// was recorded since would then lie in the future.
    pub fn set(&self, instant: DateTime<Utc>) -> Result<Moved, ClockError> {
        let target_ms = instant.timestamp_millis();
        let real_ms = real_now_ms();
        let mut before_ms = 0;
        self.offset_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                before_ms = real_ms.saturating_add(offset);
                (target_ms >= before_ms).then(|| target_ms.saturating_sub(real_ms))
            })
            .map_err(|_| ClockError::Backwards {
                requested: instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                now: Self::instant(before_ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })?;
        Ok(Moved {
            before_ms,
            after_ms: target_ms,
        })
    }

    /// Moves the clock `ms` forward.
    pub fn advance(&self, ms: i64) -> Result<Moved, ClockError> {
        let real_ms = real_now_ms();
        let mut moved = Moved {
            before_ms: 0,
            after_ms: 0,
        };
        self.offset_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                let new_offset = offset.checked_add(ms)?;
                let after_ms = real_ms.checked_add(new_offset)?;
                if !representable(after_ms) {
                    return None;
                }
                moved = Moved {
                    before_ms: real_ms.saturating_add(offset),
                    after_ms,
                };
                Some(new_offset)
            })
            .map_err(|_| ClockError::OutOfRange)?;
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn starts_at_the_given_instant_and_runs_on() {
        let clock = Clock::starting_at(Some(at("2027-03-26T16:30:00Z")));
        let elapsed = clock.now_ms() - at("2027-03-26T16:30:00Z").timestamp_millis();
        assert!((0..5_000).contains(&elapsed), "{elapsed}");
        let real = Clock::starting_at(None);
        assert!((real.now_ms() - Utc::now().timestamp_millis()).abs() < 5_000);
    }

    #[test]
    fn moves_forward_only() {
        let clock = Clock::starting_at(Some(at("2027-03-26T16:30:00Z")));
        let moved = clock.set(at("2027-03-28T09:00:00Z")).unwrap();
        assert_eq!(
            moved.after_ms,
            at("2027-03-28T09:00:00Z").timestamp_millis()
        );
        assert!(moved.before_ms >= at("2027-03-26T16:30:00Z").timestamp_millis());
        let refused = clock.set(at("2027-03-27T09:00:00Z")).unwrap_err();
        assert!(matches!(refused, ClockError::Backwards { .. }), "{refused}");
        let advanced = clock.advance(3_600_000).unwrap();
        assert_eq!(advanced.after_ms - advanced.before_ms, 3_600_000);
        assert!(clock.now_ms() >= at("2027-03-28T10:00:00Z").timestamp_millis());
        assert_eq!(clock.advance(i64::MAX), Err(ClockError::OutOfRange));
    }

    #[test]
    fn a_restored_offset_only_moves_the_clock_forward() {
        let clock = Clock::starting_at(None);
        clock.keep_up_with(-86_400_000);
        assert!(clock.offset_ms().abs() < 5_000);
        clock.keep_up_with(86_400_000);
        assert_eq!(clock.offset_ms(), 86_400_000);
    }
}
