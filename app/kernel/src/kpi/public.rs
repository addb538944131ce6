//! "The cluster in numbers" (`/numbers`, no sign-in): a few national totals from the same
//! facts as the dashboard, with the same small-number rules.

use super::Kpi;
use super::disclosure::{Shown, too_small};
use super::figures::{Cell, Facts, Value};
use super::filters::{Filters, MAX_YEARS};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The public page's figures over one period, national.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PublicNumbers {
    pub proposals_received: Shown,
    pub projects_selected: Shown,
    pub agreements_signed: Shown,
    pub access_decisions: Shown,
    pub median_days_to_access_decision: Value,
}

fn count(n: usize, threshold: u64) -> Shown {
    let n = n as u64;
    if too_small(n, threshold) { Shown::Hidden } else { Shown::Count(n) }
}

pub fn public_numbers(facts: &Facts, filters: &Filters, threshold: u64) -> PublicNumbers {
    let national = Filters { node: None, call: None, company_kind: None, cohort: None, ..*filters };
    let records = |kpi: Kpi| kpi.records(facts, &national);
    let selected = records(Kpi::SelectionRate).iter().filter(|r| r.x > 0.0).count();
    let days: Cell = Kpi::DaysToAccessDecision.total(facts, &national, threshold);
    PublicNumbers {
        proposals_received: count(records(Kpi::ProposalsReceived).len(), threshold),
        projects_selected: count(selected, threshold),
        agreements_signed: count(records(Kpi::AgreementsSigned).len(), threshold),
        access_decisions: count(records(Kpi::AccessDecisions).len(), threshold),
        median_days_to_access_decision: days.value,
    }
}

/// From the first day anything was counted to `today` (at most the filters' longest span).
pub fn all_time(facts: &Facts, today: NaiveDate) -> Filters {
    let first = facts
        .access
        .iter()
        .map(|d| d.decided_at)
        .chain(facts.proposals.iter().filter_map(|p| p.submitted_at))
        .chain(facts.agreements.iter().filter_map(|a| a.in_force_at))
        .min()
        .map_or(today, crate::stockholm::date);
    let earliest = today
        .checked_sub_months(Months::new(12 * MAX_YEARS as u32))
        .and_then(|d| d.succ_opt())
        .unwrap_or(today);
    Filters {
        from: first.max(earliest).min(today),
        to: today,
        node: None,
        call: None,
        company_kind: None,
        cohort: None,
    }
}
