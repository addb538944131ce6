//! Times as the portal stores and shows them: stored as RFC 3339 UTC text, shown as
//! Stockholm reads them (the rule itself is the kernel's, `kernel::stockholm`).

use chrono::{DateTime, Utc};

/// A stored time, or `None` when the text is not one.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// A stored time as Stockholm's clock shows it, `2026-06-02 23:59`.
pub fn stockholm_time(timestamp: &str) -> String {
    parse(timestamp).map(kernel::stockholm::minute_text).unwrap_or_default()
}

/// A stored time as a Stockholm calendar day, `2026-06-02`.
pub fn stockholm_date(timestamp: &str) -> String {
    parse(timestamp).map(kernel::stockholm::date_text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_as_stockholm_reads_them() {
        assert_eq!(stockholm_time("2026-06-02T21:59:59.000000Z"), "2026-06-02 23:59");
        assert_eq!(stockholm_date("2026-01-31T23:30:00Z"), "2026-02-01");
        assert_eq!(stockholm_time("garbage"), "");
    }
}
