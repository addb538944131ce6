//! The board's notes on a KPI: a decision taken or an action agreed, for a period, kept
//! with who wrote it and when; shown on the card and in the board pack.

use super::Kpi;
use super::filters::Filters;
use super::targets::{TargetPeriod, TargetProblem};
use crate::codes::code_list;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

code_list!(
    /// What a note records.
    NoteKind {
        Decision = "decision",
        Action = "action",
    }
);

/// The longest note kept.
pub const NOTE_MAX: usize = 2000;

/// A note as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteForm {
    pub kpi: String,
    pub period: String,
    pub kind: String,
    pub text: String,
}

/// A note as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub kpi: Kpi,
    pub period: TargetPeriod,
    pub kind: NoteKind,
    pub text: String,
}

/// The periods a note may be about: last year, this year and the next, with their
/// quarters (a decision is often about the period just closed).
pub fn note_periods(today: NaiveDate) -> Vec<TargetPeriod> {
    let last_year = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let mut periods = TargetPeriod::choices(last_year);
    let later: Vec<TargetPeriod> =
        TargetPeriod::choices(today).into_iter().filter(|p| !periods.contains(p)).collect();
    periods.extend(later);
    periods
}

impl NoteForm {
    pub fn read(&self, today: NaiveDate) -> Result<Note, TargetProblem> {
        let problem = |field, key| TargetProblem { field, key };
        let kpi = Kpi::parse(self.kpi.trim()).ok_or(problem("kpi", "dashboard.filter.invalid"))?;
        let period = TargetPeriod::parse(&self.period)
            .filter(|p| note_periods(today).contains(p))
            .ok_or(problem("period", "dashboard.note.bad_period"))?;
        let kind = NoteKind::parse(self.kind.trim()).ok_or(problem("kind", "dashboard.filter.invalid"))?;
        let text = self.text.trim();
        if text.is_empty() {
            return Err(problem("text", "form.required"));
        }
        if text.chars().count() > NOTE_MAX {
            return Err(problem("text", "form.too_long"));
        }
        Ok(Note { kpi, period, kind, text: text.to_owned() })
    }
}

impl Note {
    /// Whether a view over these filters shows this note: its period overlaps theirs.
    pub fn shown_in(&self, filters: &Filters) -> bool {
        self.period.start() <= filters.to && filters.from <= self.period.end()
    }
}
