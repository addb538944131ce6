//! Europe/Stockholm time without a time-zone database: Sweden keeps the EU's rule (since
//! 1996) of CET (UTC+1) with summer time (UTC+2) from 01:00 UTC on the last Sunday of March
//! to 01:00 UTC on the last Sunday of October. Deadlines end at Stockholm midnight and
//! people read and type Stockholm times; both directions are here. A test checks every
//! hour from 1996 to 2100 against the IANA database.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday};

/// The last Sunday of a month, at 01:00 UTC: when summer time starts (March) or ends (October).
fn switch_at(year: i32, month: u32) -> DateTime<Utc> {
    let last = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    sunday.and_time(NaiveTime::from_hms_opt(1, 0, 0).unwrap_or_default()).and_utc()
}

/// Stockholm's offset from UTC at an instant.
pub fn offset_at(at: DateTime<Utc>) -> TimeDelta {
    let year = at.year();
    let summer = at >= switch_at(year, 3) && at < switch_at(year, 10);
    Duration::hours(if summer { 2 } else { 1 })
}

/// What a clock in Stockholm shows at an instant.
pub fn local(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc() + offset_at(at)
}

/// The Stockholm calendar day of an instant.
pub fn date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date()
}

/// The instant a Stockholm wall-clock time names. A time that does not exist (the hour
/// skipped in March) is read as summer time's; a time that exists twice (the hour repeated
/// in October) is read as its first occurrence.
pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let summer = local.and_utc() - Duration::hours(2);
    if offset_at(summer) == Duration::hours(2) {
        return summer;
    }
    let winter = local.and_utc() - Duration::hours(1);
    if offset_at(winter) == Duration::hours(1) { winter } else { summer }
}

/// The first instant of a Stockholm calendar day.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    to_utc(day.and_time(NaiveTime::MIN))
}

/// The last second of a Stockholm calendar day, in UTC.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    match day.succ_opt() {
        Some(next) => start_of_day(next) - Duration::seconds(1),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// `2026-06-02 23:59`, as Stockholm reads the instant.
pub fn minute_text(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-06-02`, the Stockholm day of the instant.
pub fn date_text(at: DateTime<Utc>) -> String {
    date(at).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Stockholm;

    #[test]
    fn every_hour_from_1996_to_2099_agrees_with_the_iana_database() {
        let mut at = Utc.with_ymd_and_hms(1996, 1, 1, 0, 30, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2099, 12, 31, 23, 0, 0).unwrap();
        while at < end {
            assert_eq!(local(at), at.with_timezone(&Stockholm).naive_local(), "{at}");
            at += Duration::minutes(60);
        }
    }

    #[test]
    fn wall_clock_times_read_back_as_the_iana_database_reads_them() {
        let mut day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        while day.year() < 2031 {
            for hour in 0..24 {
                let naive = day.and_hms_opt(hour, 15, 0).unwrap();
                let expected = match Stockholm.from_local_datetime(&naive) {
                    chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
                    chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
                    // The skipped hour: the same wall-clock reading in summer time.
                    chrono::LocalResult::None => naive.and_utc() - Duration::hours(2),
                };
                assert_eq!(to_utc(naive), expected, "{naive}");
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn days_end_at_stockholm_midnight() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(end_of_day(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()), at("2026-05-01T21:59:59Z"));
        assert_eq!(end_of_day(NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()), at("2027-02-28T22:59:59Z"));
        // The day summer time ends is 25 hours long.
        let long = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(end_of_day(long) - start_of_day(long), Duration::hours(25) - Duration::seconds(1));
        assert_eq!(date(at("2026-01-31T23:30:00Z")), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(minute_text(at("2026-06-02T21:59:59Z")), "2026-06-02 23:59");
    }
}
