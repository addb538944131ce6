//! The dashboard's filters, as its URL carries them: a period (from, to) and optionally a
//! node, a call, a company kind and a cohort. Read once from the query, checked, and
//! written back the same way, so every view is a link.

use crate::codes::CompanyKind;
use crate::{CallId, CohortId, NodeId, dates, stockholm};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest period one view covers.
pub const MAX_YEARS: i32 = 10;

/// The query as typed (every part optional, as text), before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub call: Option<String>,
    #[serde(default)]
    pub company_kind: Option<String>,
    #[serde(default)]
    pub cohort: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub node: Option<NodeId>,
    pub call: Option<CallId>,
    pub company_kind: Option<CompanyKind>,
    pub cohort: Option<CohortId>,
}

/// A filter that could not be read: the field and the message's translation key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterProblem {
    pub field: &'static str,
    pub key: &'static str,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn id<T: From<i64>>(value: &Option<String>, field: &'static str) -> Result<Option<T>, FilterProblem> {
    match blank(value) {
        None => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Some(T::from(n)))
            .ok_or(FilterProblem { field, key: "dashboard.filter.invalid" }),
    }
}

impl FilterQuery {
    /// The filters, or what is wrong with them. Without dates, the year so far.
    pub fn read(&self, today: NaiveDate) -> Result<Filters, FilterProblem> {
        let date = |value: &Option<String>, field: &'static str, default: NaiveDate| match blank(value) {
            None => Ok(default),
            Some(text) => dates::parse(text).ok_or(FilterProblem { field, key: "dashboard.filter.bad_date" }),
        };
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let from = date(&self.from, "from", year_start)?;
        let to = date(&self.to, "to", today.max(from))?;
        if to < from {
            return Err(FilterProblem { field: "to", key: "dashboard.filter.to_before_from" });
        }
        if from.checked_add_months(Months::new(12 * MAX_YEARS as u32)).is_none_or(|limit| to >= limit) {
            return Err(FilterProblem { field: "to", key: "dashboard.filter.too_long" });
        }
        let company_kind = match blank(&self.company_kind) {
            None => None,
            Some(code) => Some(
                CompanyKind::parse(code)
                    .ok_or(FilterProblem { field: "company_kind", key: "dashboard.filter.invalid" })?,
            ),
        };
        Ok(Filters {
            from,
            to,
            node: id(&self.node, "node")?,
            call: id(&self.call, "call")?,
            company_kind,
            cohort: id(&self.cohort, "cohort")?,
        })
    }
}

impl Filters {
    /// The same filters as a query, for links and exports.
    pub fn query(&self) -> FilterQuery {
        FilterQuery {
            from: Some(self.from.to_string()),
            to: Some(self.to.to_string()),
            node: self.node.map(|n| n.to_string()),
            call: self.call.map(|c| c.to_string()),
            company_kind: self.company_kind.map(|k| k.code().to_owned()),
            cohort: self.cohort.map(|c| c.to_string()),
        }
    }

    /// `from=…&to=…&node=…`: the view as a URL's query.
    pub fn query_string(&self) -> String {
        let q = self.query();
        [
            ("from", q.from),
            ("to", q.to),
            ("node", q.node),
            ("call", q.call),
            ("company_kind", q.company_kind),
            ("cohort", q.cohort),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The same filters over the period of the same length just before.
    pub fn previous(&self) -> Filters {
        let days = (self.to - self.from).num_days() + 1;
        let to = self.from.pred_opt().unwrap_or(self.from);
        let from = to - chrono::Duration::days(days - 1);
        Filters { from, to, ..*self }
    }

    /// Does an event at `at` fall in the period (by its Stockholm date)?
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        let day = stockholm::date(at);
        self.from <= day && day <= self.to
    }

    /// The calendar months the period touches, oldest first.
    pub fn months(&self) -> Vec<Month> {
        let mut months = Vec::new();
        let mut month = Month::of(self.from);
        let last = Month::of(self.to);
        while month <= last {
            months.push(month);
            month = month.next();
        }
        months
    }

    /// How much of the period has passed on `today`, from 0 to 1.
    pub fn elapsed(&self, today: NaiveDate) -> f64 {
        let days = (self.to - self.from).num_days() as f64 + 1.0;
        let gone = ((today - self.from).num_days() as f64 + 1.0).clamp(0.0, days);
        gone / days
    }
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(day: NaiveDate) -> Month {
        Month { year: day.year(), month: day.month() }
    }

    pub fn of_time(at: DateTime<Utc>) -> Month {
        Month::of(stockholm::date(at))
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// From its code (`2026-03`).
    pub fn parse(code: &str) -> Option<Month> {
        let (year, month) = code.split_once('-')?;
        let month = Month { year: year.parse().ok()?, month: month.parse().ok()? };
        (1..=12).contains(&month.month).then_some(month)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// `2026-03`.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}
