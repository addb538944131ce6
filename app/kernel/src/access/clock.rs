//! The statutory decision clock (EHDS, Regulation (EU) 2025/327): a decision within three
//! months of a *complete* application, paused while the application is back with the
//! applicant, extendable once. Deadlines fall at the end of a day in Europe/Stockholm.

use crate::stockholm;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A node's rules (configurable per node; the defaults are the regulation's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRules {
    pub decision_months: u32,
    pub extension_months: u32,
}

impl Default for ClockRules {
    fn default() -> Self {
        ClockRules { decision_months: 3, extension_months: 3 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock has not started")]
    NotStarted,
    #[error("the clock is paused")]
    Paused,
    #[error("the clock is not paused")]
    NotPaused,
    #[error("the deadline was already extended once")]
    AlreadyExtended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockStatus {
    NotStarted,
    /// Back with the applicant: the days left stay as they were.
    Paused {
        days_left: i64,
    },
    Running {
        days_left: i64,
    },
    Overdue {
        days_over: i64,
    },
}

/// One part's clock, driven by the application's events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionClock {
    pub deadline: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub extended: bool,
}

/// The last instant of the Stockholm day that is `months` after the Stockholm day of `at`.
pub fn end_of_day_months_later(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    let local_day = stockholm::date(at);
    let target = local_day.checked_add_months(Months::new(months)).unwrap_or(local_day);
    end_of_stockholm_day(target)
}

/// The last second of a Stockholm calendar day, in UTC.
pub fn end_of_stockholm_day(day: NaiveDate) -> DateTime<Utc> {
    stockholm::end_of_day(day)
}

impl DecisionClock {
    /// The application became complete: three months from that day.
    pub fn start(&mut self, at: DateTime<Utc>, rules: ClockRules) {
        self.deadline = Some(end_of_day_months_later(at, rules.decision_months));
        self.paused_at = None;
        self.extended = false;
    }

    /// Back to the applicant: time stops.
    pub fn pause(&mut self, at: DateTime<Utc>) -> Result<(), ClockError> {
        if self.deadline.is_none() {
            return Err(ClockError::NotStarted);
        }
        if self.paused_at.is_some() {
            return Err(ClockError::Paused);
        }
        self.paused_at = Some(at);
        Ok(())
    }

    /// The applicant answered: the deadline moves by the time it spent with them.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<(), ClockError> {
        let paused_at = self.paused_at.ok_or(ClockError::NotPaused)?;
        let deadline = self.deadline.ok_or(ClockError::NotStarted)?;
        self.deadline = Some(deadline + (at - paused_at).max(Duration::zero()));
        self.paused_at = None;
        Ok(())
    }

    /// Once only, with a reason recorded by the caller.
    pub fn extend(&mut self, rules: ClockRules) -> Result<(), ClockError> {
        let deadline = self.deadline.ok_or(ClockError::NotStarted)?;
        if self.extended {
            return Err(ClockError::AlreadyExtended);
        }
        let local_day = stockholm::date(deadline);
        let moved = local_day.checked_add_months(Months::new(rules.extension_months)).unwrap_or(local_day);
        self.deadline = Some(end_of_stockholm_day(moved));
        self.extended = true;
        Ok(())
    }

    pub fn status(&self, now: DateTime<Utc>) -> ClockStatus {
        let Some(deadline) = self.deadline else { return ClockStatus::NotStarted };
        let days = |from: DateTime<Utc>| (deadline - from).num_days();
        match self.paused_at {
            Some(paused_at) => ClockStatus::Paused { days_left: days(paused_at).max(0) },
            None if now > deadline => ClockStatus::Overdue { days_over: (now - deadline).num_days() },
            None => ClockStatus::Running { days_left: days(now) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_deadline_is_the_end_of_the_stockholm_day_three_months_on() {
        // 23:30 UTC on 31 January is already 1 February in Stockholm.
        let deadline = end_of_day_months_later(at("2026-01-31T23:30:00Z"), 3);
        assert_eq!(deadline, at("2026-05-01T21:59:59Z"), "1 May ends at 23:59:59 CEST");
        // Month ends are clamped: 30 November + 3 months is 28 February.
        assert_eq!(end_of_day_months_later(at("2026-11-30T10:00:00Z"), 3), at("2027-02-28T22:59:59Z"));
    }

    #[test]
    fn the_clock_pauses_while_returned_and_extends_once() {
        let rules = ClockRules::default();
        let mut clock = DecisionClock::default();
        assert_eq!(clock.status(at("2026-03-01T00:00:00Z")), ClockStatus::NotStarted);
        clock.start(at("2026-03-02T09:00:00Z"), rules);
        let first = clock.deadline.unwrap();
        assert_eq!(first, at("2026-06-02T21:59:59Z"));
        assert_eq!(clock.status(at("2026-05-31T12:00:00Z")), ClockStatus::Running { days_left: 2 });

        // Returned for 10 days: the deadline moves 10 days, and the days left stand still meanwhile.
        clock.pause(at("2026-04-01T09:00:00Z")).unwrap();
        let paused = clock.status(at("2026-04-08T09:00:00Z"));
        assert_eq!(paused, clock.status(at("2026-04-10T09:00:00Z")));
        assert_eq!(clock.pause(at("2026-04-02T09:00:00Z")), Err(ClockError::Paused));
        clock.resume(at("2026-04-11T09:00:00Z")).unwrap();
        assert_eq!(clock.deadline.unwrap(), first + Duration::days(10));
        assert_eq!(clock.resume(at("2026-04-12T09:00:00Z")), Err(ClockError::NotPaused));

        clock.extend(rules).unwrap();
        assert_eq!(clock.deadline.unwrap(), at("2026-09-12T21:59:59Z"));
        assert_eq!(clock.extend(rules), Err(ClockError::AlreadyExtended));
        assert_eq!(clock.status(at("2026-09-14T12:00:00Z")), ClockStatus::Overdue { days_over: 1 });
    }
}
