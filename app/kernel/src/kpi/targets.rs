//! Targets: the board sets one per KPI and period (a year or a quarter), with a direction,
//! an owner and a rationale; a card shows its value against the target that covers the
//! period it shows.

use super::figures::Value;
use super::filters::Filters;
use super::{Direction, Kpi, Unit};
use crate::codes::code_list;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A target's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TargetPeriod {
    Year(i32),
    /// A year and its quarter, 1 to 4.
    Quarter(i32, u32),
}

impl TargetPeriod {
    /// `2026` or `2026-Q3`.
    pub fn code(self) -> String {
        match self {
            TargetPeriod::Year(year) => format!("{year}"),
            TargetPeriod::Quarter(year, quarter) => format!("{year}-Q{quarter}"),
        }
    }

    pub fn parse(code: &str) -> Option<TargetPeriod> {
        let code = code.trim();
        let sane = |year: i32| (2000..=2100).contains(&year);
        match code.split_once("-Q") {
            None => code.parse().ok().filter(|y| sane(*y)).map(TargetPeriod::Year),
            Some((year, quarter)) => {
                let year: i32 = year.parse().ok().filter(|y| sane(*y))?;
                let quarter: u32 = quarter.parse().ok().filter(|q| (1..=4).contains(q))?;
                Some(TargetPeriod::Quarter(year, quarter))
            }
        }
    }

    pub fn start(self) -> NaiveDate {
        let (year, month) = match self {
            TargetPeriod::Year(year) => (year, 1),
            TargetPeriod::Quarter(year, quarter) => (year, 3 * quarter - 2),
        };
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
    }

    pub fn end(self) -> NaiveDate {
        let next = match self {
            TargetPeriod::Year(year) => NaiveDate::from_ymd_opt(year + 1, 1, 1),
            TargetPeriod::Quarter(year, 4) => NaiveDate::from_ymd_opt(year + 1, 1, 1),
            TargetPeriod::Quarter(year, quarter) => NaiveDate::from_ymd_opt(year, 3 * quarter + 1, 1),
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }

    pub fn months(self) -> u32 {
        match self {
            TargetPeriod::Year(_) => 12,
            TargetPeriod::Quarter(..) => 3,
        }
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.start() <= day && day <= self.end()
    }

    /// The year of `day` and the one after it, with their quarters: what the form offers.
    pub fn choices(day: NaiveDate) -> Vec<TargetPeriod> {
        (day.year()..=day.year() + 1)
            .flat_map(|year| {
                std::iter::once(TargetPeriod::Year(year))
                    .chain((1..=4).map(move |q| TargetPeriod::Quarter(year, q)))
            })
            .collect()
    }
}

/// A target as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub kpi: Kpi,
    pub period: TargetPeriod,
    pub direction: Direction,
    pub value: f64,
    pub owner: String,
    pub rationale: String,
}

code_list!(
    /// A value against its target.
    TargetStatus {
        /// The period is over (or a count already reached) and the target holds.
        Met = "met",
        /// The period runs, and at this pace the target will hold.
        OnTrack = "on_track",
        /// The period runs, and at this pace it will not.
        OffTrack = "off_track",
        /// The period is over and the target did not hold.
        Missed = "missed",
        /// Nothing to compare (no records, or too few to show).
        NoData = "no_data",
    }
);

fn holds(direction: Direction, value: f64, target: f64) -> bool {
    match direction {
        Direction::AtLeast => value >= target,
        Direction::AtMost => value <= target,
    }
}

impl Target {
    /// The value against the target on `today`. Counts and sums are judged by their pace
    /// (the value so far, scaled to the whole period); levels by where they stand.
    pub fn status(&self, value: Value, filters: &Filters, today: NaiveDate) -> TargetStatus {
        let Some(value) = value.number() else { return TargetStatus::NoData };
        let over = filters.to < today;
        if over {
            return if holds(self.direction, value, self.value) {
                TargetStatus::Met
            } else {
                TargetStatus::Missed
            };
        }
        if self.kpi.accumulates() {
            if self.direction == Direction::AtLeast && value >= self.value {
                return TargetStatus::Met;
            }
            let pace = value / filters.elapsed(today).max(f64::EPSILON);
            return if holds(self.direction, pace, self.value) {
                TargetStatus::OnTrack
            } else {
                TargetStatus::OffTrack
            };
        }
        if holds(self.direction, value, self.value) { TargetStatus::OnTrack } else { TargetStatus::OffTrack }
    }

    /// The line a monthly trend is drawn against: the target itself for a level, the
    /// monthly pace that reaches it for a count or a sum.
    pub fn monthly_line(&self) -> f64 {
        if self.kpi.accumulates() { self.value / f64::from(self.period.months()) } else { self.value }
    }
}

/// The target that applies to a view: one for exactly its period if there is one, else
/// the shortest period that covers the view's last day.
pub fn applicable<'a>(targets: &'a [Target], kpi: Kpi, filters: &Filters) -> Option<&'a Target> {
    let of_kpi = || targets.iter().filter(move |t| t.kpi == kpi);
    of_kpi()
        .find(|t| t.period.start() == filters.from && t.period.end() == filters.to)
        .or_else(|| of_kpi().filter(|t| t.period.contains(filters.to)).min_by_key(|t| t.period.months()))
}

/// The longest owner and rationale a target keeps.
pub const OWNER_MAX: usize = 200;
pub const RATIONALE_MAX: usize = 2000;

/// A target as the form sends it, every field as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetForm {
    pub kpi: String,
    pub period: String,
    pub direction: String,
    /// In the unit people read: a percentage for a share.
    pub value: String,
    pub owner: String,
    pub rationale: String,
}

/// What is wrong with a typed target: the field and the message's translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetProblem {
    pub field: &'static str,
    pub key: &'static str,
}

fn problem(field: &'static str, key: &'static str) -> TargetProblem {
    TargetProblem { field, key }
}

/// A typed value in the KPI's unit, as stored (a percentage becomes a share).
pub fn typed_value(unit: Unit, typed: &str) -> Option<f64> {
    let text: String = typed.trim().trim_end_matches('%').chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let n: f64 = text.replace(',', ".").parse().ok()?;
    let n = if unit == Unit::Share { n / 100.0 } else { n };
    let sane = match unit {
        Unit::Share => (0.0..=1.0).contains(&n),
        Unit::Ratio => (0.0..=1000.0).contains(&n),
        Unit::Days => (0.0..=3650.0).contains(&n),
        Unit::Count | Unit::Kronor => (0.0..=1e12).contains(&n),
    };
    (n.is_finite() && sane).then_some(n)
}

impl TargetForm {
    /// The target, or the first thing wrong with it. Targets are set for this year and
    /// the next (`today`'s year and its quarters, and the following year's).
    pub fn read(&self, today: NaiveDate) -> Result<Target, TargetProblem> {
        let kpi = Kpi::parse(self.kpi.trim()).ok_or(problem("kpi", "dashboard.filter.invalid"))?;
        let period = TargetPeriod::parse(&self.period)
            .filter(|p| TargetPeriod::choices(today).contains(p))
            .ok_or(problem("period", "dashboard.target.bad_period"))?;
        let direction = Direction::parse(self.direction.trim())
            .ok_or(problem("direction", "dashboard.filter.invalid"))?;
        let value =
            typed_value(kpi.unit(), &self.value).ok_or(problem("value", "dashboard.target.bad_value"))?;
        let owner = self.owner.trim();
        if owner.is_empty() {
            return Err(problem("owner", "form.required"));
        }
        if owner.chars().count() > OWNER_MAX {
            return Err(problem("owner", "form.too_long"));
        }
        let rationale = self.rationale.trim();
        if rationale.is_empty() {
            return Err(problem("rationale", "form.required"));
        }
        if rationale.chars().count() > RATIONALE_MAX {
            return Err(problem("rationale", "form.too_long"));
        }
        Ok(Target { kpi, period, direction, value, owner: owner.to_owned(), rationale: rationale.to_owned() })
    }
}
