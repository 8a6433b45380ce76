//! What the user asks to be alerted about, per setup, and the clock those
//! rules run on: the Chatlio team's business hours (outside them the
//! no-data clock stops) and quiet hours (notifications wait until they end).
//!
//! The rules are kept as typed text (the form and the file show the same
//! values) and validated into [`Schedule`]s with one error per bad field.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The longest no-data period a rule may ask for: a working week. Status
/// reads a week of runs, so a longer silence could not be measured.
pub const MAX_NO_DATA_HOURS: u32 = 40;

/// A day of the week, as the form and the file name it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    pub const WORKING_WEEK: [Day; 5] = [
        Day::Monday,
        Day::Tuesday,
        Day::Wednesday,
        Day::Thursday,
        Day::Friday,
    ];

    fn of(weekday: Weekday) -> Day {
        match weekday {
            Weekday::Mon => Day::Monday,
            Weekday::Tue => Day::Tuesday,
            Weekday::Wed => Day::Wednesday,
            Weekday::Thu => Day::Thursday,
            Weekday::Fri => Day::Friday,
            Weekday::Sat => Day::Saturday,
            Weekday::Sun => Day::Sunday,
        }
    }
}

/// When the Chatlio team works: the widget's visitors come then, so only
/// then does silence mean something.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    /// An IANA time zone name, e.g. `Europe/Stockholm`.
    pub time_zone: String,
    pub days: Vec<Day>,
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM` after `start`; `24:00` for the end of the day.
    pub end: String,
}

/// When notifications wait (conditions are still tracked). May span
/// midnight (`20:00` to `08:00`); in the business hours' time zone.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

/// One setup's alert rules. `None` switches a threshold off.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRules {
    /// Alert when nothing was ingested for this many business hours.
    pub no_data_hours: Option<u32>,
    /// Warn when an hour's failed records reach this share of its records.
    pub failed_share_percent: Option<u32>,
    /// Warn when an hour's failed records reach this count.
    pub failed_count: Option<u32>,
    /// Alert when a dataflow is disabled (Chatlio's events are dropped).
    pub disabled: bool,
    /// Warn when a resource of the setup was changed or deleted in Adobe.
    pub drift: bool,
    /// Alert when the Adobe connection stops working (secret expired or
    /// revoked, permission removed).
    pub connection: bool,
    pub business_hours: BusinessHours,
    pub quiet_hours: Option<QuietHours>,
}

impl AlertRules {
    /// The defaults a new setup gets: four business hours of silence, a
    /// tenth of an hour's records (or ten of them) failing, office hours on
    /// weekdays in `time_zone`, no notifications at night.
    pub fn recommended(time_zone: &str) -> AlertRules {
        AlertRules {
            no_data_hours: Some(4),
            failed_share_percent: Some(10),
            failed_count: Some(10),
            disabled: true,
            drift: true,
            connection: true,
            business_hours: BusinessHours {
                time_zone: time_zone.to_owned(),
                days: Day::WORKING_WEEK.to_vec(),
                start: "09:00".to_owned(),
                end: "17:00".to_owned(),
            },
            quiet_hours: Some(QuietHours {
                start: "20:00".to_owned(),
                end: "08:00".to_owned(),
            }),
        }
    }

    /// Validates every field; one error per bad field.
    pub fn validate(&self) -> Result<Schedule, Vec<RuleError>> {
        let mut errors = Vec::new();
        let time_zone = match self.business_hours.time_zone.trim().parse::<Tz>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                errors.push(RuleError::new(
                    RuleField::TimeZone,
                    "unknown_time_zone",
                    format!(
                        "{:?} is not an IANA time zone name such as Europe/Stockholm",
                        self.business_hours.time_zone
                    ),
                ));
                None
            }
        };
        if self.business_hours.days.is_empty() {
            errors.push(RuleError::new(
                RuleField::Days,
                "no_business_days",
                "choose at least one business day",
            ));
        }
        let start = clock_time(&self.business_hours.start, false)
            .map_err(|message| errors.push(RuleError::new(RuleField::Start, "bad_time", message)))
            .ok();
        let end = clock_time(&self.business_hours.end, true)
            .map_err(|message| errors.push(RuleError::new(RuleField::End, "bad_time", message)))
            .ok();
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                errors.push(RuleError::new(
                    RuleField::End,
                    "end_before_start",
                    "business hours must end after they start",
                ));
            }
        }
        if let Some(hours) = self.no_data_hours {
            if hours == 0 || hours > MAX_NO_DATA_HOURS {
                errors.push(RuleError::new(
                    RuleField::NoDataHours,
                    "out_of_range",
                    format!("no-data hours must be between 1 and {MAX_NO_DATA_HOURS}"),
                ));
            }
        }
        if let Some(share) = self.failed_share_percent {
            if share == 0 || share > 100 {
                errors.push(RuleError::new(
                    RuleField::FailedSharePercent,
                    "out_of_range",
                    "the failed share must be between 1 and 100 percent",
                ));
            }
        }
        if self.failed_count == Some(0) {
            errors.push(RuleError::new(
                RuleField::FailedCount,
                "out_of_range",
                "the failed count must be at least 1",
            ));
        }
        let quiet = match &self.quiet_hours {
            None => None,
            Some(quiet) => {
                let quiet_start = clock_time(&quiet.start, false)
                    .map_err(|message| {
                        errors.push(RuleError::new(RuleField::QuietStart, "bad_time", message))
                    })
                    .ok();
                let quiet_end = clock_time(&quiet.end, false)
                    .map_err(|message| {
                        errors.push(RuleError::new(RuleField::QuietEnd, "bad_time", message))
                    })
                    .ok();
                match (quiet_start, quiet_end) {
                    (Some(start), Some(end)) if start == end => {
                        errors.push(RuleError::new(
                            RuleField::QuietEnd,
                            "empty_quiet_hours",
                            "quiet hours must end at another time than they start",
                        ));
                        None
                    }
                    (Some(start), Some(end)) => Some((start, end)),
                    _ => None,
                }
            }
        };
        match (time_zone, start, end) {
            (Some(time_zone), Some(start), Some(end)) if errors.is_empty() => Ok(Schedule {
                time_zone,
                days: self.business_hours.days.clone(),
                start,
                end,
                quiet,
            }),
            _ => Err(errors),
        }
    }
}

/// Which field of [`AlertRules`] an error is about.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    NoDataHours,
    FailedSharePercent,
    FailedCount,
    TimeZone,
    Days,
    Start,
    End,
    QuietStart,
    QuietEnd,
}

/// A bad rule field, with a stable code the form words.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleError {
    pub field: RuleField,
    pub code: String,
    pub message: String,
}

impl RuleError {
    fn new(field: RuleField, code: &str, message: impl Into<String>) -> RuleError {
        RuleError {
            field,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

/// `HH:MM` (24-hour clock); `24:00` only where `end_of_day` is allowed,
/// kept as `None`'s stand-in: the last representable instant of the day.
fn clock_time(text: &str, end_of_day: bool) -> Result<NaiveTime, String> {
    let text = text.trim();
    if end_of_day && text == "24:00" {
        return Ok(END_OF_DAY);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| format!("{text:?} is not a time of day as HH:MM (24-hour clock)"))
}

/// Stands for `24:00`: business hours that run to midnight.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// Validated business and quiet hours, in their time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    time_zone: Tz,
    days: Vec<Day>,
    start: NaiveTime,
    end: NaiveTime,
    quiet: Option<(NaiveTime, NaiveTime)>,
}

impl Schedule {
    /// Business time between `from` and `to` (zero if `to` is not after
    /// `from`), counted up to `enough`: nothing beyond it matters to a rule,
    /// and a dataflow silent for a year must not cost a year of days.
    pub fn business_time_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        enough: Duration,
    ) -> Duration {
        if to <= from {
            return Duration::ZERO;
        }
        let mut total = Duration::ZERO;
        let mut day = from.with_timezone(&self.time_zone).date_naive();
        let last = to.with_timezone(&self.time_zone).date_naive();
        while day <= last && total < enough {
            if let Some((open, close)) = self.business_interval(day) {
                let overlap_start = open.max(from);
                let overlap_end = close.min(to);
                if overlap_end > overlap_start {
                    total += (overlap_end - overlap_start).to_std().unwrap_or_default();
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        total.min(enough)
    }

    /// The business hours of one local day, as instants; `None` on a day off.
    /// A start or end that does not exist that day (clocks go forward) moves
    /// to the first instant after the gap; one that exists twice (clocks go
    /// back) is the earlier of the two.
    fn business_interval(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.days.contains(&Day::of(day.weekday())) {
            return None;
        }
        let open = self.instant(day, self.start)?;
        let close = if self.end == END_OF_DAY {
            self.instant(day.succ_opt()?, NaiveTime::MIN)?
        } else {
            self.instant(day, self.end)?
        };
        Some((open, close))
    }

    fn instant(&self, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = day.and_time(time);
        let mut probe = local;
        // A time inside a forward jump does not exist; the first minute
        // after the gap does (gaps are at most a few hours).
        for _ in 0..=240 {
            if let Some(instant) = self.time_zone.from_local_datetime(&probe).earliest() {
                return Some(instant.with_timezone(&Utc));
            }
            probe += chrono::Duration::minutes(1);
        }
        None
    }

    /// When quiet hours that contain `now` end; `None` outside them.
    pub fn quiet_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start, end) = self.quiet?;
        let local = now.with_timezone(&self.time_zone);
        let today = local.date_naive();
        let time = local.time();
        let (inside, end_day) = if start < end {
            (time >= start && time < end, Some(today))
        } else if time >= start {
            (true, today.succ_opt())
        } else {
            (time < end, Some(today))
        };
        if !inside {
            return None;
        }
        end_day.and_then(|day| self.instant(day, end))
    }

    /// Whether `at` falls within business hours.
    pub fn is_business_time(&self, at: DateTime<Utc>) -> bool {
        let day = at.with_timezone(&self.time_zone).date_naive();
        [day.pred_opt(), Some(day)]
            .into_iter()
            .flatten()
            .filter_map(|day| self.business_interval(day))
            .any(|(open, close)| open <= at && at < close)
    }
}

/// The system's time zone, for the default rules; UTC when it cannot be
/// read or is not one this build knows.
pub fn local_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|name| name.parse::<Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// Every setup's rules, the defaults for dataflows no rule names, and a
/// pause of all notifications. Kept in the data folder
/// (`storage::DataLayout::alert_rules`), one file per mode.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertSettings {
    /// The file's format; see [`SETTINGS_VERSION`].
    pub version: u32,
    pub defaults: AlertRules,
    /// By setup name.
    #[serde(default)]
    pub setups: BTreeMap<String, AlertRules>,
    /// Notifications wait until then (conditions are still tracked).
    #[serde(default)]
    pub paused_until: Option<DateTime<Utc>>,
}

/// The version [`AlertSettings`] are written in.
pub const SETTINGS_VERSION: u32 = 1;

impl AlertSettings {
    /// Settings with the recommended defaults in the system's time zone.
    pub fn recommended() -> AlertSettings {
        AlertSettings::with_defaults(AlertRules::recommended(&local_time_zone()))
    }

    /// Settings whose every day and hour is business time (UTC, no quiet
    /// hours), with a no-data limit of `hours`: for scripts that want plain
    /// elapsed time, and tests.
    pub fn round_the_clock(hours: u32) -> AlertSettings {
        let mut rules = AlertRules::recommended("UTC");
        rules.no_data_hours = Some(hours);
        rules.business_hours.days = vec![
            Day::Monday,
            Day::Tuesday,
            Day::Wednesday,
            Day::Thursday,
            Day::Friday,
            Day::Saturday,
            Day::Sunday,
        ];
        rules.business_hours.start = "00:00".to_owned();
        rules.business_hours.end = "24:00".to_owned();
        rules.quiet_hours = None;
        AlertSettings::with_defaults(rules)
    }

    pub fn with_defaults(defaults: AlertRules) -> AlertSettings {
        AlertSettings {
            version: SETTINGS_VERSION,
            defaults,
            setups: BTreeMap::new(),
            paused_until: None,
        }
    }

    /// The rules of `setup` (the defaults when it has none of its own).
    pub fn rules_for(&self, setup: Option<&str>) -> &AlertRules {
        setup
            .and_then(|name| self.setups.get(name))
            .unwrap_or(&self.defaults)
    }

    /// Reads the settings file; the recommended settings when there is none.
    pub fn load(path: &std::path::Path) -> Result<AlertSettings, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AlertSettings::recommended())
            }
            Err(error) => return Err(SettingsError::Read(error.to_string())),
        };
        let settings: AlertSettings = serde_json::from_str(&text)
            .map_err(|error| SettingsError::Format(error.to_string()))?;
        if settings.version != SETTINGS_VERSION {
            return Err(SettingsError::Format(format!(
                "alert settings version {} is not {SETTINGS_VERSION}, the one this version reads",
                settings.version
            )));
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Every rule set valid, or the errors of the first bad one.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.defaults
            .validate()
            .map_err(|errors| SettingsError::Invalid {
                setup: None,
                errors,
            })?;
        for (name, rules) in &self.setups {
            rules.validate().map_err(|errors| SettingsError::Invalid {
                setup: Some(name.clone()),
                errors,
            })?;
        }
        Ok(())
    }

    /// Validates, then writes the file whole (never half-written).
    pub fn save(&self, path: &std::path::Path) -> Result<(), SettingsError> {
        self.validate()?;
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|error| SettingsError::Format(error.to_string()))?;
        storage::write_atomically(path, &bytes, storage::Permissions::Private)
            .map_err(|error| SettingsError::Write(error.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("alert settings could not be read: {0}")]
    Read(String),
    #[error("alert settings are not valid JSON of the expected shape: {0}")]
    Format(String),
    #[error("alert rules{}: {}", setup.as_ref().map(|name| format!(" of {name:?}")).unwrap_or_default(), errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        setup: Option<String>,
        errors: Vec<RuleError>,
    },
    #[error("alert settings could not be saved: {0}")]
    Write(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn stockholm() -> Schedule {
        AlertRules::recommended("Europe/Stockholm")
            .validate()
            .unwrap()
    }

    const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

    #[test]
    fn the_clock_stops_over_the_weekend() {
        let schedule = stockholm();
        // Friday 16:00 to Monday 10:00 Stockholm (UTC+1 in January): one
        // hour on Friday, one on Monday.
        let silence = schedule.business_time_between(
            at("2027-01-15T15:00:00Z"),
            at("2027-01-18T09:00:00Z"),
            WEEK,
        );
        assert_eq!(silence, Duration::from_secs(2 * 3600));
    }

    #[test]
    fn a_day_with_a_clock_change_counts_its_local_business_hours() {
        let schedule = stockholm();
        // Sunday 28 March 2027, clocks go forward at 02:00; Monday 09:00 is
        // 07:00 UTC, no longer 08:00. Friday 16:00 (15:00 UTC) to Monday
        // 10:00 (08:00 UTC) is still two business hours.
        let silence = schedule.business_time_between(
            at("2027-03-26T15:00:00Z"),
            at("2027-03-29T08:00:00Z"),
            WEEK,
        );
        assert_eq!(silence, Duration::from_secs(2 * 3600));
        // Measured in UTC hours it would have been 65.
    }

    #[test]
    fn business_time_is_counted_only_as_far_as_needed() {
        let schedule = stockholm();
        let enough = Duration::from_secs(4 * 3600);
        let silence = schedule.business_time_between(
            at("2020-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
            enough,
        );
        assert_eq!(silence, enough);
        assert_eq!(
            schedule.business_time_between(
                at("2027-01-02T00:00:00Z"),
                at("2027-01-01T00:00:00Z"),
                enough
            ),
            Duration::ZERO
        );
    }

    #[test]
    fn quiet_hours_may_span_midnight() {
        let schedule = stockholm();
        // 21:30 Stockholm in winter: quiet until 08:00 the next morning.
        assert_eq!(
            schedule.quiet_until(at("2027-01-14T20:30:00Z")),
            Some(at("2027-01-15T07:00:00Z"))
        );
        // 06:00: quiet until 08:00 the same day.
        assert_eq!(
            schedule.quiet_until(at("2027-01-15T05:00:00Z")),
            Some(at("2027-01-15T07:00:00Z"))
        );
        assert_eq!(schedule.quiet_until(at("2027-01-15T10:00:00Z")), None);
    }

    #[test]
    fn round_the_clock_business_hours_reach_midnight() {
        let mut rules = AlertRules::recommended("UTC");
        rules.business_hours.end = "24:00".to_owned();
        rules.business_hours.start = "00:00".to_owned();
        rules.business_hours.days = vec![
            Day::Monday,
            Day::Tuesday,
            Day::Wednesday,
            Day::Thursday,
            Day::Friday,
            Day::Saturday,
            Day::Sunday,
        ];
        let schedule = rules.validate().unwrap();
        assert_eq!(
            schedule.business_time_between(
                at("2027-01-15T12:00:00Z"),
                at("2027-01-16T12:00:00Z"),
                WEEK
            ),
            Duration::from_secs(24 * 3600)
        );
        assert!(schedule.is_business_time(at("2027-01-16T23:59:59Z")));
    }

    #[test]
    fn every_bad_field_gets_its_own_error() {
        let mut rules = AlertRules::recommended("Mars/Olympus");
        rules.business_hours.days.clear();
        rules.business_hours.start = "9am".to_owned();
        rules.no_data_hours = Some(0);
        rules.failed_share_percent = Some(101);
        rules.failed_count = Some(0);
        rules.quiet_hours = Some(QuietHours {
            start: "22:00".to_owned(),
            end: "22:00".to_owned(),
        });
        let fields: Vec<RuleField> = rules
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                RuleField::TimeZone,
                RuleField::Days,
                RuleField::Start,
                RuleField::NoDataHours,
                RuleField::FailedSharePercent,
                RuleField::FailedCount,
                RuleField::QuietEnd,
            ]
        );
        let mut backwards = AlertRules::recommended("UTC");
        backwards.business_hours.end = "08:00".to_owned();
        assert_eq!(
            backwards.validate().unwrap_err()[0].code,
            "end_before_start"
        );
    }

    #[test]
    fn settings_survive_a_round_trip_and_refuse_bad_rules() {
        let folder = std::env::temp_dir().join(format!("alert-rules-{}", std::process::id()));
        let path = folder.join("alert-rules.json");
        assert_eq!(
            AlertSettings::load(&path).unwrap().defaults.no_data_hours,
            Some(4)
        );
        let mut settings = AlertSettings::with_defaults(AlertRules::recommended("UTC"));
        let mut shop = AlertRules::recommended("America/New_York");
        shop.no_data_hours = Some(2);
        settings.setups.insert("shop".to_owned(), shop.clone());
        settings.save(&path).unwrap();
        let loaded = AlertSettings::load(&path).unwrap();
        assert_eq!(loaded.rules_for(Some("shop")), &shop);
        assert_eq!(
            loaded.rules_for(Some("other")).business_hours.time_zone,
            "UTC"
        );
        settings.setups.get_mut("shop").unwrap().no_data_hours = Some(0);
        assert!(matches!(
            settings.save(&path),
            Err(SettingsError::Invalid { setup: Some(_), .. })
        ));
        // The bad rules were not written.
        assert_eq!(
            AlertSettings::load(&path).unwrap().rules_for(Some("shop")),
            &shop
        );
        std::fs::remove_dir_all(folder).unwrap();
    }
}
