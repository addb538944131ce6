//! The figures a dashboard shows: for each KPI its value over the period, the previous
//! period's, a monthly trend and a breakdown, each cell with the number of records behind
//! it and the small-number rules applied to what is actually shown.

use super::disclosure::{Shown, suppress_line, too_small};
use super::facts::{AccessDecision, AgreementFacts, ProposalFacts};
use super::filters::{Filters, Month};
use super::{Kpi, Unit};
use crate::codes::CompanyKind;
use crate::proposal::Decision;
use crate::{AgreementId, ApplicationId, CallId, CohortId, NodeId, ProposalId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the KPIs are computed from (read by the store, each from its event log).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub access: Vec<AccessDecision>,
    pub proposals: Vec<ProposalFacts>,
    pub agreements: Vec<AgreementFacts>,
}

/// What a breakdown groups by, one key per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Key {
    Node(NodeId),
    Call(CallId),
    CompanyKind(CompanyKind),
    /// An agreement without a company among its parties.
    NoCompany,
}

/// The record a figure counts, for the drill-down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordId {
    Application(ApplicationId, CohortId),
    Proposal(ProposalId),
    Agreement(AgreementId),
}

/// One record as a KPI sees it: when it counts, its group, and what it adds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub at: DateTime<Utc>,
    pub key: Key,
    /// 1 for a count; 1 or 0 for a share; days; kronor; a ratio's numerator.
    pub x: f64,
    /// A ratio's denominator.
    pub y: f64,
}

fn record(id: RecordId, at: DateTime<Utc>, key: Key, x: f64) -> Record {
    Record { id, at, key, x, y: 0.0 }
}

fn flag(yes: bool) -> f64 {
    if yes { 1.0 } else { 0.0 }
}

pub(super) fn access_in<'a>(
    facts: &'a Facts,
    filters: &'a Filters,
) -> impl Iterator<Item = &'a AccessDecision> + 'a {
    facts.access.iter().filter(move |d| {
        filters.covers(d.decided_at)
            && filters.node.is_none_or(|n| n == d.node)
            && filters.cohort.is_none_or(|c| c == d.cohort)
    })
}

pub(super) fn proposals_of<'a>(
    facts: &'a Facts,
    filters: &'a Filters,
) -> impl Iterator<Item = &'a ProposalFacts> + 'a {
    facts.proposals.iter().filter(move |p| {
        filters.call.is_none_or(|c| c == p.call)
            && filters.company_kind.is_none_or(|k| Some(k) == p.company_kind)
    })
}

fn agreements_in<'a>(
    facts: &'a Facts,
    filters: &'a Filters,
) -> impl Iterator<Item = (&'a AgreementFacts, DateTime<Utc>)> + 'a {
    facts.agreements.iter().filter_map(move |a| {
        let at = a.in_force_at.filter(|at| filters.covers(*at))?;
        let fits = filters.node.is_none_or(|n| a.nodes.contains(&n))
            && filters.company_kind.is_none_or(|k| a.company_kinds.contains(&k));
        fits.then_some((a, at))
    })
}

fn agreement_key(a: &AgreementFacts) -> Key {
    a.company_kinds.first().map_or(Key::NoCompany, |k| Key::CompanyKind(*k))
}

impl Kpi {
    /// The records this KPI counts under these filters, each once.
    pub fn records(self, facts: &Facts, filters: &Filters) -> Vec<Record> {
        use Kpi::*;
        let access = |value: fn(&AccessDecision) -> f64| {
            access_in(facts, filters)
                .map(|d| {
                    record(
                        RecordId::Application(d.application, d.cohort),
                        d.decided_at,
                        Key::Node(d.node),
                        value(d),
                    )
                })
                .collect()
        };
        let proposal_id = |p: &ProposalFacts| RecordId::Proposal(p.proposal);
        match self {
            ProposalsReceived => proposals_of(facts, filters)
                .filter_map(|p| {
                    let at = p.submitted_at.filter(|at| filters.covers(*at))?;
                    Some(record(proposal_id(p), at, Key::Call(p.call), 1.0))
                })
                .collect(),
            EligibilityRate => proposals_of(facts, filters)
                .filter_map(|p| {
                    let (at, eligible) = p.screened.filter(|(at, _)| filters.covers(*at))?;
                    Some(record(proposal_id(p), at, Key::Call(p.call), flag(eligible)))
                })
                .collect(),
            SelectionRate => proposals_of(facts, filters)
                .filter_map(|p| {
                    let (at, decision) = p.decided.filter(|(at, _)| filters.covers(*at))?;
                    Some(record(proposal_id(p), at, Key::Call(p.call), flag(decision == Decision::Selected)))
                })
                .collect(),
            DaysToProposalDecision => proposals_of(facts, filters)
                .filter_map(|p| {
                    let (at, _) = p.decided.filter(|(at, _)| filters.covers(*at))?;
                    let days = (at - p.submitted_at?).num_days().max(0) as f64;
                    Some(record(proposal_id(p), at, Key::Call(p.call), days))
                })
                .collect(),
            AccessDecisions => access(|_| 1.0),
            ApprovalRate => access(|d| flag(d.approved)),
            DaysToAccessDecision => access(|d| d.days as f64),
            DecidedWithinLimit => access(|d| flag(d.within_limit())),
            UsedExtension => access(|d| flag(d.extended)),
            AgreementsSigned | IndustryFunding | CoFundingRatio => agreements_in(facts, filters)
                .map(|(a, at)| {
                    let x = match self {
                        AgreementsSigned => 1.0,
                        _ => a.industry as f64,
                    };
                    Record {
                        id: RecordId::Agreement(a.agreement),
                        at,
                        key: agreement_key(a),
                        x,
                        y: a.public as f64,
                    }
                })
                .collect(),
        }
    }
}

/// The median of some numbers (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// A figure as shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// No records: nothing to compute.
    None,
    /// Computed from too few records to show.
    Hidden,
    Number(f64),
}

impl Value {
    pub fn number(self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
}

/// One cell: how many records, and the value computed from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub records: Shown,
    pub value: Value,
}

/// What a group of records adds up to before the small-number rules: enough to show it
/// again later under any threshold (a closed month's snapshot stores this).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Parts {
    pub records: u64,
    /// For a share: how many of the records count as yes (0 for other units).
    pub yes: u64,
    /// The value before it is hidden or not: a count, share, median, sum or ratio.
    pub value: Option<f64>,
}

impl Kpi {
    /// What these records add up to for this KPI.
    pub fn parts(self, records: &[&Record]) -> Parts {
        let n = records.len() as u64;
        let sum = |f: fn(&Record) -> f64| records.iter().map(|r| f(r)).sum::<f64>();
        let yes = if self.unit() == Unit::Share { sum(|r| r.x) as u64 } else { 0 };
        let value = if n == 0 {
            None
        } else {
            match self.unit() {
                Unit::Count => Some(n as f64),
                Unit::Share => Some(yes as f64 / n as f64),
                Unit::Days => median(&mut records.iter().map(|r| r.x).collect::<Vec<_>>()),
                Unit::Kronor => Some(sum(|r| r.x)),
                Unit::Ratio => {
                    let public = sum(|r| r.y);
                    (public > 0.0).then(|| sum(|r| r.x) / public)
                }
            }
        };
        Parts { records: n, yes, value }
    }
}

/// A KPI's value from its parts, given whether their count may be shown.
fn value_of(kpi: Kpi, parts: &Parts, shown: Shown, threshold: u64) -> Value {
    if parts.records == 0 {
        return match kpi.unit() {
            Unit::Count | Unit::Kronor => Value::Number(0.0),
            _ => Value::None,
        };
    }
    if shown == Shown::Hidden {
        return Value::Hidden;
    }
    // A share reveals its complement: hide it when either side is a small number.
    if kpi.unit() == Unit::Share
        && (too_small(parts.yes, threshold) || too_small(parts.records - parts.yes, threshold))
    {
        return Value::Hidden;
    }
    parts.value.map_or(Value::None, Value::Number)
}

/// A line of groups (months or breakdown keys), with the small-number rules applied to
/// its counts and to the values computed from them.
fn line<K: Ord + Copy>(kpi: Kpi, groups: &[(K, Parts)], threshold: u64) -> (Vec<(K, Cell)>, Shown) {
    let counts: Vec<u64> = groups.iter().map(|(_, p)| p.records).collect();
    let (shown, total) = suppress_line(&counts, threshold);
    let cells = groups
        .iter()
        .zip(shown)
        .map(|((key, parts), shown)| {
            (*key, Cell { records: shown, value: value_of(kpi, parts, shown, threshold) })
        })
        .collect();
    (cells, total)
}

/// One KPI's card: the period's figure, the previous period's, the trend and the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub kpi: Kpi,
    pub total: Cell,
    pub previous: Cell,
    pub trend: Vec<(Month, Cell)>,
    pub breakdown: Vec<(Key, Cell)>,
    /// The trend's months read from stored snapshots, with the definition version each
    /// was computed under (the other months are live).
    pub stored: Vec<(Month, u32)>,
}

/// A closed month's figure as a snapshot stored it, under the definition it had then.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StoredMonth {
    pub parts: Parts,
    pub definition_version: u32,
}

fn total_cell(kpi: Kpi, records: &[Record], hidden_by_lines: bool, threshold: u64) -> Cell {
    let all: Vec<&Record> = records.iter().collect();
    let n = all.len() as u64;
    let shown = if too_small(n, threshold) || hidden_by_lines { Shown::Hidden } else { Shown::Count(n) };
    Cell { records: shown, value: value_of(kpi, &kpi.parts(&all), shown, threshold) }
}

impl Kpi {
    /// The period's figure alone, without a trend or breakdown beside it.
    pub fn total(self, facts: &Facts, filters: &Filters, threshold: u64) -> Cell {
        total_cell(self, &self.records(facts, filters), false, threshold)
    }

    /// The figure from the live records alone.
    pub fn figure(self, facts: &Facts, filters: &Filters, threshold: u64) -> Figure {
        self.figure_with(facts, filters, threshold, &BTreeMap::new())
    }

    /// The figure, its trend's months read from `stored` where a snapshot of that month is
    /// given (the caller gives only closed months wholly inside the period, of this view's
    /// scope) and from the live records for the rest.
    pub fn figure_with(
        self,
        facts: &Facts,
        filters: &Filters,
        threshold: u64,
        stored: &BTreeMap<Month, StoredMonth>,
    ) -> Figure {
        let records = self.records(facts, filters);
        let mut by_month: BTreeMap<Month, Vec<&Record>> =
            filters.months().into_iter().map(|m| (m, Vec::new())).collect();
        let mut by_key: BTreeMap<Key, Vec<&Record>> = BTreeMap::new();
        for r in &records {
            by_month.entry(Month::of_time(r.at)).or_default().push(r);
            by_key.entry(r.key).or_default().push(r);
        }
        let months: Vec<(Month, Parts)> = by_month
            .iter()
            .map(|(month, records)| {
                (*month, stored.get(month).map_or_else(|| self.parts(records), |s| s.parts))
            })
            .collect();
        let keys: Vec<(Key, Parts)> =
            by_key.iter().map(|(key, records)| (*key, self.parts(records))).collect();
        let (trend, month_total) = line(self, &months, threshold);
        let (breakdown, key_total) = line(self, &keys, threshold);
        let hidden = month_total == Shown::Hidden || key_total == Shown::Hidden;
        let previous_records = self.records(facts, &filters.previous());
        Figure {
            kpi: self,
            total: total_cell(self, &records, hidden, threshold),
            previous: total_cell(self, &previous_records, false, threshold),
            trend,
            breakdown,
            stored: by_month
                .keys()
                .filter_map(|m| stored.get(m).map(|s| (*m, s.definition_version)))
                .collect(),
        }
    }
}
