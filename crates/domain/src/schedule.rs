//! When a connection syncs by itself: never (`manual`), every N units (`basic`, the 2020
//! contract's `schedule`), or at the fire times of a Quartz-style cron expression in an IANA
//! time zone (`cron`), as Airbyte's later API spells it (`scheduleType` + `scheduleData`).
//!
//! The cron arithmetic is here, as pure functions of the instant they are asked about: the
//! scheduler passes its clock in, and tests pass theirs.

use crate::connection::ConnectionSchedule;
use crate::values::StringRules;
use crate::{string_schema, wire_enum, Error, Result, Violation};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

wire_enum!(
    /// How a connection's `scheduleData` is read: `manual` (none: it syncs only when asked),
    /// `basic` (`scheduleData.basicSchedule`, the same as `schedule`) or `cron`
    /// (`scheduleData.cron`).
    ConnectionScheduleType { Manual => "manual", Basic => "basic", Cron => "cron" }
);

/// The longest cron expression accepted.
pub const MAX_CRON_EXPRESSION_CHARS: usize = 256;
/// The longest time zone name accepted (the longest IANA name is about 32).
pub const MAX_TIME_ZONE_CHARS: usize = 64;

string_schema!(
    CronExpression,
    StringRules {
        description: "A Quartz cron expression: seconds minutes hours day-of-month month \
            day-of-week [year], such as `0 30 2 * * ?` (02:30 every day). Fields take numbers, \
            `*`, ranges (`1-5`), lists (`1,15`), steps (`0/15`, `*/15`) and month and weekday \
            names; day-of-month takes `?`, `L` (last day) and `W` (`15W`: the weekday nearest \
            the 15th); day-of-week (1-7 or SUN-SAT, 1 is Sunday) takes `?`, `L` (`6L`: the last \
            Friday) and `#` (`6#3`: the third Friday). At most one of day-of-month and \
            day-of-week may be restricted (the other `?` or `*`). The seconds field names one \
            second: a sync schedule fires at most once a minute.",
        min_length: Some(11),
        max_length: Some(MAX_CRON_EXPRESSION_CHARS),
        pattern: Some("^\\s*\\S+(\\s+\\S+){5,6}\\s*$"),
        format: None,
    }
);
string_schema!(
    CronTimeZone,
    StringRules {
        description: "An IANA time zone name, such as `UTC`, `Europe/Berlin` or \
            `America/New_York`; fire times are wall-clock times there, daylight saving \
            included.",
        min_length: Some(1),
        max_length: Some(MAX_TIME_ZONE_CHARS),
        pattern: Some("^[A-Za-z0-9_+/-]+$"),
        format: None,
    }
);

/// The parser for Quartz's dialect: seconds required, year optional, weekdays 1-7 from
/// Sunday, `0/15` steps.
fn quartz() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Optional)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
}

/// Parses a Quartz cron expression and applies Ferry's rules to it (the clock plays no part).
fn parse_cron(text: &str) -> std::result::Result<Cron, String> {
    if text.chars().count() > MAX_CRON_EXPRESSION_CHARS {
        return Err(format!(
            "must be at most {MAX_CRON_EXPRESSION_CHARS} characters"
        ));
    }
    let fields = text.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(format!(
            "must have 6 or 7 fields (seconds minutes hours day-of-month month day-of-week \
             [year]), not {fields}"
        ));
    }
    let cron = quartz()
        .parse(text)
        .map_err(|e| format!("is not a valid cron expression: {e}"))?;
    if cron.pattern.seconds.values().len() != 1 {
        return Err(
            "fires more than once a minute: a sync schedule fires at most once a \
                    minute, so the seconds field must name one second (such as 0)"
                .into(),
        );
    }
    let pattern = &cron.pattern;
    if !pattern.is_dom_wildcard() && !pattern.is_dow_wildcard() && !pattern.matches_dom_and_dow() {
        return Err(
            "restricts both day-of-month and day-of-week: set one of them to ? (as Quartz \
             requires)"
                .into(),
        );
    }
    Ok(cron)
}

/// A Quartz-style cron expression, checked when deserialised: its syntax, at most one fire a
/// minute, and at least one fire time still to come.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CronExpression(String);

impl CronExpression {
    /// An expression as stored: it was checked when it was accepted, and is not checked
    /// again (a stored expression whose last fire time has passed still reads).
    pub fn stored(text: String) -> Self {
        CronExpression(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn cron(&self) -> Option<Cron> {
        parse_cron(&self.0).ok()
    }
}

impl TryFrom<String> for CronExpression {
    type Error = String;

    fn try_from(value: String) -> std::result::Result<Self, String> {
        if value.chars().count() > MAX_CRON_EXPRESSION_CHARS {
            return Err(format!(
                "must be at most {MAX_CRON_EXPRESSION_CHARS} characters"
            ));
        }
        let text = value.trim();
        let cron = parse_cron(text)?;
        let now = Utc::now();
        if cron.find_next_occurrence(&now, false).is_err() {
            return Err("never fires from now on".into());
        }
        Ok(CronExpression(text.to_string()))
    }
}

impl From<CronExpression> for String {
    fn from(value: CronExpression) -> String {
        value.0
    }
}

impl fmt::Display for CronExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone name, checked when deserialised.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CronTimeZone(String);

impl CronTimeZone {
    /// A zone as stored (checked when it was accepted).
    pub fn stored(text: String) -> Self {
        CronTimeZone(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn tz(&self) -> Option<Tz> {
        self.0.parse().ok()
    }
}

impl TryFrom<String> for CronTimeZone {
    type Error = String;

    fn try_from(value: String) -> std::result::Result<Self, String> {
        if value.chars().count() > MAX_TIME_ZONE_CHARS {
            return Err(format!("must be at most {MAX_TIME_ZONE_CHARS} characters"));
        }
        match value.parse::<Tz>() {
            Ok(_) => Ok(CronTimeZone(value)),
            Err(_) => Err(
                "is not an IANA time zone name (such as UTC, Europe/Berlin or America/New_York)"
                    .into(),
            ),
        }
    }
}

impl From<CronTimeZone> for String {
    fn from(value: CronTimeZone) -> String {
        value.0
    }
}

impl fmt::Display for CronTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Fire at the times of `cronExpression`, read as wall-clock times in `cronTimeZone`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionScheduleDataCron {
    pub cron_expression: CronExpression,
    pub cron_time_zone: CronTimeZone,
}

impl ConnectionScheduleDataCron {
    fn parts(&self) -> Option<(Cron, Tz)> {
        Some((self.cron_expression.cron()?, self.cron_time_zone.tz()?))
    }

    /// The first fire time strictly after `after`. None when there is none (or when a stored
    /// expression no longer parses).
    ///
    /// Daylight saving: a wall-clock time that a spring-forward gap skips fires at the first
    /// instant after the gap (a daily 02:30 in Europe/Berlin fires at 03:00 on the day the
    /// clocks go forward); a time that a fall-back repeats fires once, at its first occurrence.
    /// Expressions with `*` or steps in their time fields fire at each matching wall-clock
    /// time that exists.
    pub fn next_fire_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (cron, zone) = self.parts()?;
        cron.find_next_occurrence(&after.with_timezone(&zone), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest fire time at or before `now`, if any.
    pub fn latest_fire_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (cron, zone) = self.parts()?;
        cron.find_previous_occurrence(&now.with_timezone(&zone), true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Whether a run is due at `now` when nothing of this schedule ran after `since` (the
    /// later of the last sync's creation and the moment the schedule was set): the latest
    /// fire time at or before `now` is after `since`. However many fire times were missed
    /// (while every scheduler was down), that is one run.
    pub fn is_due(&self, now: DateTime<Utc>, since: DateTime<Utc>) -> bool {
        self.latest_fire_at_or_before(now)
            .is_some_and(|fire| fire > since)
    }
}

/// A schedule in Airbyte's later form: `basicSchedule` when `scheduleType` is `basic`, `cron`
/// when it is `cron`, neither when it is `manual`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionScheduleData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub basic_schedule: Option<ConnectionSchedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<ConnectionScheduleDataCron>,
}

/// A connection's schedule, decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// It syncs only when asked.
    #[default]
    Manual,
    /// Every `units` `timeUnit` after the last sync.
    Basic(ConnectionSchedule),
    /// At the fire times of a cron expression.
    Cron(ConnectionScheduleDataCron),
}

impl From<Option<ConnectionSchedule>> for Schedule {
    fn from(schedule: Option<ConnectionSchedule>) -> Self {
        schedule.map_or(Schedule::Manual, Schedule::Basic)
    }
}

impl Schedule {
    pub fn schedule_type(&self) -> ConnectionScheduleType {
        match self {
            Schedule::Manual => ConnectionScheduleType::Manual,
            Schedule::Basic(_) => ConnectionScheduleType::Basic,
            Schedule::Cron(_) => ConnectionScheduleType::Cron,
        }
    }

    /// The 2020 contract's `schedule`: the basic schedule, absent otherwise.
    pub fn basic(&self) -> Option<ConnectionSchedule> {
        match self {
            Schedule::Basic(basic) => Some(*basic),
            _ => None,
        }
    }

    pub fn cron(&self) -> Option<&ConnectionScheduleDataCron> {
        match self {
            Schedule::Cron(cron) => Some(cron),
            _ => None,
        }
    }

    /// `scheduleData` as reads show it: absent for a manual connection.
    pub fn data(&self) -> Option<ConnectionScheduleData> {
        match self {
            Schedule::Manual => None,
            Schedule::Basic(basic) => Some(ConnectionScheduleData {
                basic_schedule: Some(*basic),
                cron: None,
            }),
            Schedule::Cron(cron) => Some(ConnectionScheduleData {
                basic_schedule: None,
                cron: Some(cron.clone()),
            }),
        }
    }

    /// Decides the schedule a request asks for from both of its forms: the 2020 `schedule`,
    /// and `scheduleType` with `scheduleData`. Without `scheduleType`, `scheduleData` decides
    /// (its `cron` or its `basicSchedule`), else `schedule` (basic), else manual. Forms that
    /// disagree are refused, naming the property at fault.
    pub fn from_request(
        schedule: Option<ConnectionSchedule>,
        schedule_type: Option<ConnectionScheduleType>,
        data: Option<&ConnectionScheduleData>,
    ) -> std::result::Result<Schedule, Violation> {
        let basic_data = data.and_then(|d| d.basic_schedule);
        let cron_data = data.and_then(|d| d.cron.clone());
        let schedule_type = match schedule_type {
            Some(given) => given,
            None => match (&cron_data, basic_data) {
                (Some(_), Some(_)) => {
                    return Err(Violation::new(
                        "scheduleData",
                        "holds both basicSchedule and cron: give one, with scheduleType",
                    ))
                }
                (Some(_), None) => ConnectionScheduleType::Cron,
                (None, Some(_)) => ConnectionScheduleType::Basic,
                (None, None) if schedule.is_some() => ConnectionScheduleType::Basic,
                (None, None) => ConnectionScheduleType::Manual,
            },
        };
        let not_for = |path: &str| {
            Violation::new(
                path,
                format!("must be absent when scheduleType is {schedule_type}"),
            )
        };
        match schedule_type {
            ConnectionScheduleType::Manual => {
                if schedule.is_some() {
                    return Err(not_for("schedule"));
                }
                if basic_data.is_some() {
                    return Err(not_for("scheduleData.basicSchedule"));
                }
                if cron_data.is_some() {
                    return Err(not_for("scheduleData.cron"));
                }
                Ok(Schedule::Manual)
            }
            ConnectionScheduleType::Basic => {
                if cron_data.is_some() {
                    return Err(not_for("scheduleData.cron"));
                }
                match (schedule, basic_data) {
                    (Some(legacy), Some(basic)) if legacy != basic => Err(Violation::new(
                        "schedule",
                        "disagrees with scheduleData.basicSchedule: give one, or both the same",
                    )),
                    (_, Some(basic)) | (Some(basic), None) => Ok(Schedule::Basic(basic)),
                    (None, None) => Err(Violation::new(
                        "scheduleData.basicSchedule",
                        "is required when scheduleType is basic",
                    )),
                }
            }
            ConnectionScheduleType::Cron => {
                if schedule.is_some() {
                    return Err(Violation::new(
                        "schedule",
                        "must be absent when scheduleType is cron (a cron connection has no \
                         interval schedule)",
                    ));
                }
                if basic_data.is_some() {
                    return Err(not_for("scheduleData.basicSchedule"));
                }
                cron_data.map(Schedule::Cron).ok_or_else(|| {
                    Violation::new("scheduleData.cron", "is required when scheduleType is cron")
                })
            }
        }
    }
}

/// [`Schedule::from_request`] as a `validator` rule on a request body, so a disagreement is a
/// 422 like any other invalid body.
pub fn forms_agree(
    schedule: Option<ConnectionSchedule>,
    schedule_type: Option<ConnectionScheduleType>,
    data: Option<&ConnectionScheduleData>,
) -> std::result::Result<(), ValidationError> {
    match Schedule::from_request(schedule, schedule_type, data) {
        Ok(_) => Ok(()),
        Err(violation) => {
            let mut error = ValidationError::new("schedule");
            error.message = Some(violation.message.into());
            error.add_param("field".into(), &violation.property_path);
            Err(error)
        }
    }
}

/// [`Schedule::from_request`] for a handler, after the body passed [`forms_agree`].
pub fn decide(
    schedule: Option<ConnectionSchedule>,
    schedule_type: Option<ConnectionScheduleType>,
    data: Option<&ConnectionScheduleData>,
) -> Result<Schedule> {
    Schedule::from_request(schedule, schedule_type, data).map_err(Error::invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::TimeUnit;
    use chrono::TimeZone;

    fn cron(expression: &str, zone: &str) -> ConnectionScheduleDataCron {
        ConnectionScheduleDataCron {
            cron_expression: CronExpression::try_from(expression.to_string()).unwrap(),
            cron_time_zone: CronTimeZone::try_from(zone.to_string()).unwrap(),
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// Europe/Berlin goes from 02:00 CET to 03:00 CEST on 2026-03-29: 02:30 does not exist
    /// that day, so the daily 02:30 run happens at 03:00 CEST (01:00 UTC), once.
    #[test]
    fn a_daily_run_across_the_spring_forward_gap() {
        let daily = cron("0 30 2 * * ?", "Europe/Berlin");
        let before = utc(2026, 3, 28, 1, 30); // 02:30 CET
        assert_eq!(daily.next_fire_after(utc(2026, 3, 28, 0, 0)), Some(before));
        let in_gap_day = daily.next_fire_after(before).unwrap();
        assert_eq!(in_gap_day, utc(2026, 3, 29, 1, 0), "03:00 CEST");
        assert_eq!(
            daily.next_fire_after(in_gap_day),
            Some(utc(2026, 3, 30, 0, 30)),
            "02:30 CEST the next day"
        );
        // Backwards, the same times.
        assert_eq!(
            daily.latest_fire_at_or_before(utc(2026, 3, 29, 12, 0)),
            Some(in_gap_day)
        );
        assert_eq!(
            daily.latest_fire_at_or_before(utc(2026, 3, 29, 0, 59)),
            Some(before)
        );
    }

    /// On 2026-10-25 Europe/Berlin goes from 03:00 CEST back to 02:00 CET: 02:30 happens
    /// twice, and the daily 02:30 run happens once, at the first (00:30 UTC).
    #[test]
    fn a_daily_run_across_the_fall_back_overlap() {
        let daily = cron("0 30 2 * * ?", "Europe/Berlin");
        let first = daily.next_fire_after(utc(2026, 10, 24, 12, 0)).unwrap();
        assert_eq!(first, utc(2026, 10, 25, 0, 30), "02:30 CEST");
        let next = daily.next_fire_after(first).unwrap();
        assert_eq!(next, utc(2026, 10, 26, 1, 30), "02:30 CET the next day");
        // Not due a second time at the repeated 02:30 CET (01:30 UTC).
        assert!(!daily.is_due(utc(2026, 10, 25, 1, 30), first));
        assert_eq!(
            daily.latest_fire_at_or_before(utc(2026, 10, 25, 1, 45)),
            Some(first)
        );
    }

    /// An hourly expression fires in each real hour, the repeated one included.
    #[test]
    fn an_hourly_run_across_the_fall_back_overlap() {
        let hourly = cron("0 0 * * * ?", "Europe/Berlin");
        let mut at = utc(2026, 10, 24, 23, 30);
        let mut fires = Vec::new();
        for _ in 0..4 {
            at = hourly.next_fire_after(at).unwrap();
            fires.push(at);
        }
        assert_eq!(
            fires,
            [
                utc(2026, 10, 25, 0, 0), // 02:00 CEST
                utc(2026, 10, 25, 1, 0), // 02:00 CET
                utc(2026, 10, 25, 2, 0), // 03:00 CET
                utc(2026, 10, 25, 3, 0),
            ]
        );
    }

    #[test]
    fn due_means_a_fire_time_after_the_last_run() {
        let daily = cron("0 30 2 * * ?", "UTC");
        let last_run = utc(2026, 6, 1, 2, 30);
        assert!(!daily.is_due(utc(2026, 6, 1, 12, 0), last_run));
        assert!(!daily.is_due(utc(2026, 6, 2, 2, 29), last_run));
        assert!(
            daily.is_due(utc(2026, 6, 2, 2, 30), last_run),
            "at the fire time"
        );
        // Three missed days: due, and the latest fire time is the one that counts.
        assert!(daily.is_due(utc(2026, 6, 5, 3, 0), last_run));
        assert_eq!(
            daily.latest_fire_at_or_before(utc(2026, 6, 5, 3, 0)),
            Some(utc(2026, 6, 5, 2, 30))
        );
    }

    #[test]
    fn zones_shift_fire_times() {
        let noon = cron("0 0 12 ? * MON-FRI", "America/New_York");
        // Friday 2026-07-03 12:00 EDT is 16:00 UTC; the next is Monday.
        assert_eq!(
            noon.next_fire_after(utc(2026, 7, 3, 15, 0)),
            Some(utc(2026, 7, 3, 16, 0))
        );
        assert_eq!(
            noon.next_fire_after(utc(2026, 7, 3, 16, 0)),
            Some(utc(2026, 7, 6, 16, 0))
        );
    }

    #[test]
    fn quartz_specials() {
        let at = utc(2026, 12, 1, 0, 0);
        let next = |expression: &str| cron(expression, "UTC").next_fire_after(at).unwrap();
        assert_eq!(
            next("0 15 10 ? * 6L"),
            utc(2026, 12, 25, 10, 15),
            "last Friday"
        );
        assert_eq!(
            next("0 15 10 ? * 6#3"),
            utc(2026, 12, 18, 10, 15),
            "third Friday"
        );
        assert_eq!(next("0 0 12 L * ?"), utc(2026, 12, 31, 12, 0), "last day");
        // 2027-05-15 is a Saturday: the nearest weekday is Friday the 14th.
        let may = cron("0 0 12 15W 5 ?", "UTC");
        assert_eq!(may.next_fire_after(at), Some(utc(2027, 5, 14, 12, 0)));
        // 2027-01-31 is a Sunday: the last weekday of January 2027 is Friday the 29th.
        let january = cron("0 0 12 LW 1 ?", "UTC");
        assert_eq!(january.next_fire_after(at), Some(utc(2027, 1, 29, 12, 0)));
        assert_eq!(next("0 0 12 ? * SUN"), utc(2026, 12, 6, 12, 0));
        assert_eq!(next("0 0 12 ? * 1"), utc(2026, 12, 6, 12, 0), "1 is Sunday");
        assert_eq!(next("0 0/20 * * * ?"), utc(2026, 12, 1, 0, 20));
        assert_eq!(
            next("0 0 12 * * ? 2028"),
            utc(2028, 1, 1, 12, 0),
            "a year field"
        );
    }

    #[test]
    fn invalid_expressions_say_why() {
        for (expression, says) in [
            ("", "6 or 7 fields"),
            ("0 12 * * *", "6 or 7 fields"),
            ("0 0 12 * * ? 2030 1", "6 or 7 fields"),
            ("0 0 25 * * ?", "not a valid cron expression"),
            ("0 0 12 ? * 8", "not a valid cron expression"),
            ("0 0 12 x * ?", "not a valid cron expression"),
            ("* * * * * ?", "more than once a minute"),
            ("*/30 * * * * ?", "more than once a minute"),
            ("0,30 * * * * ?", "more than once a minute"),
            ("0 0 12 1 * MON", "both day-of-month and day-of-week"),
            ("0 0 0 30 2 ?", "never fires"),
            ("0 0 12 * * ? 2020", "never fires"),
        ] {
            let error = CronExpression::try_from(expression.to_string()).unwrap_err();
            assert!(error.contains(says), "{expression:?}: {error}");
        }
        assert!(
            CronExpression::try_from(" 0 0 12 * * ? ".to_string()).is_ok(),
            "trimmed"
        );
        let long = format!("0 0 12 * * ?{}", " ".repeat(300));
        assert!(CronExpression::try_from(long)
            .unwrap_err()
            .contains("at most"));
        let long = format!("0 0 12 1{} * ?", ",1".repeat(200));
        assert!(CronExpression::try_from(long)
            .unwrap_err()
            .contains("at most"));
    }

    #[test]
    fn once_a_minute_is_the_most() {
        let every_minute = cron("30 * * * * ?", "UTC");
        let at = utc(2026, 1, 1, 0, 0);
        assert_eq!(
            every_minute.next_fire_after(at),
            Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).unwrap())
        );
    }

    #[test]
    fn invalid_zones_say_why() {
        for zone in [
            "",
            "Mars/Olympus",
            "europe/berlin",
            "+02:00",
            "CEST",
            " UTC",
        ] {
            let error = CronTimeZone::try_from(zone.to_string()).unwrap_err();
            assert!(error.contains("IANA"), "{zone:?}: {error}");
        }
        for zone in [
            "UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert!(CronTimeZone::try_from(zone.to_string()).is_ok(), "{zone}");
        }
    }

    #[test]
    fn forms_are_decided_and_must_agree() {
        let six_hours = ConnectionSchedule {
            units: 6,
            time_unit: TimeUnit::Hours,
        };
        let hourly = ConnectionSchedule {
            units: 1,
            time_unit: TimeUnit::Hours,
        };
        let nightly = cron("0 0 3 * * ?", "UTC");
        let basic_data = ConnectionScheduleData {
            basic_schedule: Some(six_hours),
            cron: None,
        };
        let cron_data = ConnectionScheduleData {
            basic_schedule: None,
            cron: Some(nightly.clone()),
        };
        use ConnectionScheduleType::{Basic, Cron, Manual};
        let ok = |s, t, d| Schedule::from_request(s, t, d).unwrap();
        let refused = |s, t, d| Schedule::from_request(s, t, d).unwrap_err().property_path;
        // The 2020 form alone.
        assert_eq!(ok(None, None, None), Schedule::Manual);
        assert_eq!(ok(Some(six_hours), None, None), Schedule::Basic(six_hours));
        // The later form, with or without its type.
        assert_eq!(
            ok(None, Some(Basic), Some(&basic_data)),
            Schedule::Basic(six_hours)
        );
        assert_eq!(
            ok(None, None, Some(&basic_data)),
            Schedule::Basic(six_hours)
        );
        assert_eq!(
            ok(None, Some(Cron), Some(&cron_data)),
            Schedule::Cron(nightly.clone())
        );
        assert_eq!(
            ok(None, None, Some(&cron_data)),
            Schedule::Cron(nightly.clone())
        );
        assert_eq!(ok(None, Some(Manual), None), Schedule::Manual);
        let empty = ConnectionScheduleData::default();
        assert_eq!(ok(None, Some(Manual), Some(&empty)), Schedule::Manual);
        // Both forms, agreeing.
        assert_eq!(
            ok(Some(six_hours), Some(Basic), Some(&basic_data)),
            Schedule::Basic(six_hours)
        );
        assert_eq!(
            ok(Some(six_hours), Some(Basic), None),
            Schedule::Basic(six_hours)
        );
        // Disagreeing.
        assert_eq!(
            refused(Some(hourly), Some(Basic), Some(&basic_data)),
            "schedule"
        );
        assert_eq!(refused(Some(hourly), None, Some(&basic_data)), "schedule");
        assert_eq!(
            refused(Some(six_hours), Some(Cron), Some(&cron_data)),
            "schedule"
        );
        assert_eq!(refused(Some(six_hours), None, Some(&cron_data)), "schedule");
        assert_eq!(refused(Some(six_hours), Some(Manual), None), "schedule");
        assert_eq!(
            refused(None, Some(Manual), Some(&cron_data)),
            "scheduleData.cron"
        );
        assert_eq!(
            refused(None, Some(Manual), Some(&basic_data)),
            "scheduleData.basicSchedule"
        );
        assert_eq!(
            refused(None, Some(Basic), Some(&cron_data)),
            "scheduleData.cron"
        );
        assert_eq!(
            refused(None, Some(Cron), Some(&basic_data)),
            "scheduleData.basicSchedule"
        );
        assert_eq!(refused(None, Some(Cron), None), "scheduleData.cron");
        assert_eq!(
            refused(None, Some(Basic), None),
            "scheduleData.basicSchedule"
        );
        let both = ConnectionScheduleData {
            basic_schedule: Some(six_hours),
            cron: Some(nightly),
        };
        assert_eq!(refused(None, None, Some(&both)), "scheduleData");
    }

    #[test]
    fn reads_show_both_forms() {
        let six_hours = ConnectionSchedule {
            units: 6,
            time_unit: TimeUnit::Hours,
        };
        let basic = Schedule::Basic(six_hours);
        assert_eq!(basic.schedule_type(), ConnectionScheduleType::Basic);
        assert_eq!(basic.basic(), Some(six_hours));
        assert_eq!(basic.data().unwrap().basic_schedule, Some(six_hours));
        let nightly = Schedule::Cron(cron("0 0 3 * * ?", "UTC"));
        assert_eq!(nightly.basic(), None);
        assert!(nightly.data().unwrap().cron.is_some());
        assert_eq!(Schedule::Manual.data(), None);
        assert_eq!(
            serde_json::to_value(nightly.data()).unwrap(),
            serde_json::json!({"cron": {"cronExpression": "0 0 3 * * ?", "cronTimeZone": "UTC"}})
        );
    }
}
