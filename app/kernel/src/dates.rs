//! Dates people type: `YYYY-MM-DD` with a year from 1900 to 2200, nothing else. Every
//! date a form accepts goes through [`parse`], so no date can make arithmetic overflow.

use chrono::{Datelike, Months, NaiveDate};

/// The years a typed date may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date as typed, or `None` when it is not a sane date.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let well_formed = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().filter(|_| well_formed)?;
    sane(date).then_some(date)
}

/// Is the date within the years a form accepts?
pub fn sane(date: NaiveDate) -> bool {
    YEARS.contains(&date.year())
}

/// `date` plus `months`, or `None` past the end of the calendar.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_dates_are_read() {
        assert_eq!(parse(" 2026-03-31 "), NaiveDate::from_ymd_opt(2026, 3, 31));
        for bad in [
            "+262142-01-01",
            "262142-01-01",
            "2026-3-31",
            "2026-02-30",
            "1899-12-31",
            "2201-01-01",
            "",
            "tomorrow",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(add_months(NaiveDate::MAX, 1), None);
    }
}
