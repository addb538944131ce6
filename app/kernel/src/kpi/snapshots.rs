//! Monthly snapshots: when a month closes, each KPI's figure for it is stored with the
//! version of its definition, nationally and for each node, so the board later sees what
//! it was shown then even after a definition changes. A trend reads its closed months
//! from the snapshots and the current month live. What is stored is the figure's parts
//! before the small-number rules ([`Parts`]): the rules apply when it is shown, under
//! the threshold of that day.
//!
//! A snapshot stands for a view only when the view is the whole country or one node
//! with nothing else filtered, and only for months wholly inside its period; a view by
//! call, company kind or cohort is live throughout.

use super::Kpi;
use super::figures::{Facts, Parts, Record};
use super::filters::{Filters, Month};
use crate::NodeId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Whose figures a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SnapshotScope {
    National,
    Node(NodeId),
}

impl SnapshotScope {
    /// The scope a view is, when snapshots can stand for it.
    pub fn of(filters: &Filters) -> Option<SnapshotScope> {
        if filters.call.is_some() || filters.company_kind.is_some() || filters.cohort.is_some() {
            return None;
        }
        Some(filters.node.map_or(SnapshotScope::National, SnapshotScope::Node))
    }

    /// `national` or `node:3`.
    pub fn code(self) -> String {
        match self {
            SnapshotScope::National => "national".to_owned(),
            SnapshotScope::Node(node) => format!("node:{node}"),
        }
    }

    pub fn parse(code: &str) -> Option<SnapshotScope> {
        match code.split_once(':') {
            None if code == "national" => Some(SnapshotScope::National),
            Some(("node", id)) => {
                id.parse::<i64>().ok().filter(|n| *n > 0).map(|n| SnapshotScope::Node(NodeId(n)))
            }
            _ => None,
        }
    }

    /// Calls are national: a node's snapshots leave the pipeline out, as its view does.
    pub fn has(self, kpi: Kpi) -> bool {
        self == SnapshotScope::National || kpi.has_node()
    }
}

/// One KPI's figure for one closed month and scope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub kpi: Kpi,
    pub month: Month,
    pub scope: SnapshotScope,
    pub definition_version: u32,
    pub parts: Parts,
}

/// The months of a view a snapshot may stand for: closed on `today`, and wholly inside
/// the period.
pub fn storable_months(filters: &Filters, today: NaiveDate) -> Vec<Month> {
    let current = Month::of(today);
    filters
        .months()
        .into_iter()
        .filter(|m| *m < current && filters.from <= m.first_day() && m.last_day() <= filters.to)
        .collect()
}

/// What has been stored already: (KPI, month, scope, definition version).
pub type Taken = BTreeSet<(Kpi, Month, SnapshotScope, u32)>;

/// The snapshots to take on `today`: every KPI, nationally and for each node, for each
/// closed month since `first_day` (the first day anything was counted) that has none
/// under the KPI's current definition. The first run fills the history; later runs add
/// the month just closed, or a whole history again for a KPI whose definition changed.
pub fn due(
    facts: &Facts,
    nodes: &[NodeId],
    taken: &Taken,
    first_day: NaiveDate,
    today: NaiveDate,
) -> Vec<Snapshot> {
    let first = Month::of(first_day);
    let current = Month::of(today);
    if first >= current {
        return Vec::new();
    }
    let last_closed_day = current.first_day().pred_opt().unwrap_or(today);
    let scopes =
        std::iter::once(SnapshotScope::National).chain(nodes.iter().map(|n| SnapshotScope::Node(*n)));
    let mut due = Vec::new();
    for scope in scopes {
        let filters = Filters {
            from: first.first_day(),
            to: last_closed_day,
            node: match scope {
                SnapshotScope::National => None,
                SnapshotScope::Node(node) => Some(node),
            },
            call: None,
            company_kind: None,
            cohort: None,
        };
        for kpi in Kpi::ALL.iter().copied().filter(|k| scope.has(*k)) {
            let version = kpi.definition_version();
            let records = kpi.records(facts, &filters);
            let mut by_month: BTreeMap<Month, Vec<&Record>> = BTreeMap::new();
            for r in &records {
                by_month.entry(Month::of_time(r.at)).or_default().push(r);
            }
            for month in filters.months() {
                if taken.contains(&(kpi, month, scope, version)) {
                    continue;
                }
                let records = by_month.get(&month).map(Vec::as_slice).unwrap_or_default();
                due.push(Snapshot {
                    kpi,
                    month,
                    scope,
                    definition_version: version,
                    parts: kpi.parts(records),
                });
            }
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::disclosure::{DEFAULT_THRESHOLD, Shown};
    use crate::kpi::facts::AccessDecision;
    use crate::kpi::figures::{StoredMonth, Value};
    use crate::kpi::filters::FilterQuery;
    use crate::{ApplicationId, CohortId, PersonId};
    use chrono::{DateTime, Utc};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        day(text).and_hms_opt(10, 0, 0).unwrap().and_utc()
    }

    /// Six decisions a month at node 1 from January to May 2026, the first four approved.
    fn facts() -> Facts {
        let access = (1..=5)
            .flat_map(|month| {
                (0..6).map(move |i| AccessDecision {
                    application: ApplicationId(month * 10 + i),
                    cohort: CohortId(1),
                    node: NodeId(1),
                    complete_at: at(&format!("2026-{month:02}-01")),
                    decided_at: at(&format!("2026-{month:02}-{:02}", 2 + i)),
                    approved: i < 4,
                    days: 20,
                    deadline: at("2026-12-31"),
                    extended: false,
                    applicant: Some(PersonId(i)),
                })
            })
            .collect();
        Facts { access, ..Facts::default() }
    }

    fn view(from: &str, to: &str, node: Option<&str>) -> Filters {
        FilterQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            node: node.map(str::to_owned),
            ..FilterQuery::default()
        }
        .read(day("2026-06-10"))
        .unwrap()
    }

    #[test]
    fn the_first_run_fills_every_closed_month_and_the_next_adds_nothing() {
        let facts = facts();
        let today = day("2026-06-10");
        let due = due(&facts, &[NodeId(1), NodeId(2)], &Taken::new(), day("2026-01-02"), today);
        let national = Kpi::ALL.len();
        let per_node = Kpi::ALL.iter().filter(|k| k.has_node()).count();
        // January to May, closed; June is not.
        assert_eq!(due.len(), 5 * (national + 2 * per_node));
        assert!(due.iter().all(|s| s.month < Month::of(today)));
        let may = due
            .iter()
            .find(|s| {
                s.kpi == Kpi::ApprovalRate && s.scope == SnapshotScope::Node(NodeId(1)) && s.month.month == 5
            })
            .unwrap();
        assert_eq!(may.parts, Parts { records: 6, yes: 4, value: Some(4.0 / 6.0) });
        let taken: Taken = due.iter().map(|s| (s.kpi, s.month, s.scope, s.definition_version)).collect();
        assert!(super::due(&facts, &[NodeId(1), NodeId(2)], &taken, day("2026-01-02"), today).is_empty());
        // A month later only June is due.
        let july = super::due(&facts, &[NodeId(1), NodeId(2)], &taken, day("2026-01-02"), day("2026-07-01"));
        assert!(july.iter().all(|s| s.month == Month { year: 2026, month: 6 }) && !july.is_empty());
    }

    #[test]
    fn a_trend_reads_closed_months_from_their_snapshots_under_the_definition_they_had() {
        let facts = facts();
        let filters = view("2026-01-01", "2026-12-31", Some("1"));
        let live = Kpi::AccessDecisions.figure(&facts, &filters, DEFAULT_THRESHOLD);
        let march = Month { year: 2026, month: 3 };
        // What the board was shown for March, before a (pretended) change of definition.
        let stored = BTreeMap::from([(
            march,
            StoredMonth { parts: Parts { records: 9, yes: 0, value: Some(9.0) }, definition_version: 0 },
        )]);
        let figure = Kpi::AccessDecisions.figure_with(&facts, &filters, DEFAULT_THRESHOLD, &stored);
        let cell = |f: &crate::kpi::figures::Figure, m: Month| {
            f.trend.iter().find(|(month, _)| *month == m).unwrap().1
        };
        assert_eq!(cell(&live, march).value, Value::Number(6.0));
        assert_eq!(cell(&figure, march).value, Value::Number(9.0));
        assert_eq!(cell(&figure, march).records, Shown::Count(9));
        assert_eq!(
            cell(&figure, Month { year: 2026, month: 4 }),
            cell(&live, Month { year: 2026, month: 4 })
        );
        assert_eq!(figure.stored, [(march, 0)]);
        // The period's own value stays live.
        assert_eq!(figure.total, live.total);
    }

    #[test]
    fn only_whole_closed_months_of_an_unfiltered_or_node_view_are_storable() {
        let today = day("2026-06-10");
        let months = storable_months(&view("2026-01-15", "2026-12-31", None), today);
        let codes: Vec<String> = months.iter().map(|m| m.code()).collect();
        assert_eq!(codes, ["2026-02", "2026-03", "2026-04", "2026-05"]);
        assert_eq!(
            SnapshotScope::of(&view("2026-01-01", "2026-12-31", Some("2"))),
            Some(SnapshotScope::Node(NodeId(2)))
        );
        let by_call = Filters { call: Some(crate::CallId(1)), ..view("2026-01-01", "2026-12-31", None) };
        assert_eq!(SnapshotScope::of(&by_call), None);
        for scope in [SnapshotScope::National, SnapshotScope::Node(NodeId(7))] {
            assert_eq!(SnapshotScope::parse(&scope.code()), Some(scope));
        }
        assert_eq!(SnapshotScope::parse("node:x"), None);
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("2026-03"), Some(Month { year: 2026, month: 3 }));
    }
}
