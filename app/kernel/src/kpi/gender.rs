//! Gender balance: how many women, men and people of another gender are among the
//! applicants, the reviewers, the committees and the board, from what people declare in
//! their profile. Only aggregates leave this module: each row's cells go through the
//! same small-number rules as any line with its total, and a row that holds fewer people
//! than the threshold says so instead of showing numbers.
//!
//! The rows have no column totals: a person can be in several rows (an applicant who
//! also reviews), so a column sum would count no population; with row totals only, the
//! row's own suppression is all a reader can combine.

use super::disclosure::{Shown, suppress_line, too_small};
use super::figures::{Facts, access_in, proposals_of};
use super::filters::Filters;
use crate::codes::{Gender, code_list};
use crate::{NodeId, PersonId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The version of the table's definition (the groups and what puts a person in one),
/// recorded in exports as the KPIs' own versions are.
pub const DEFINITION_VERSION: u32 = 1;

code_list!(
    /// The groups of people the table counts.
    GenderGroup {
        /// The applicants of the access applications decided in the period.
        Applicants = "applicants",
        /// Those of them with at least one approval in the period.
        ApprovedApplicants = "approved_applicants",
        /// Reviewers who sent in a co-creation review in the period.
        Reviewers = "reviewers",
        /// Access committee members today.
        CommitteeMembers = "committee_members",
        /// Steering board members today.
        Board = "board",
    }
);

code_list!(
    /// The table's columns: "not stated" holds both "prefer not to say" and no answer.
    GenderColumn {
        Women = "women",
        Men = "men",
        Another = "another",
        NotStated = "not_stated",
    }
);

impl GenderColumn {
    pub fn of(gender: Option<Gender>) -> GenderColumn {
        match gender {
            Some(Gender::Woman) => GenderColumn::Women,
            Some(Gender::Man) => GenderColumn::Men,
            Some(Gender::Another) => GenderColumn::Another,
            Some(Gender::PreferNotToSay) | None => GenderColumn::NotStated,
        }
    }
}

impl GenderGroup {
    /// Co-creation and the board are national: a node's view leaves them out.
    pub fn has_node(self) -> bool {
        matches!(
            self,
            GenderGroup::Applicants | GenderGroup::ApprovedApplicants | GenderGroup::CommitteeMembers
        )
    }
}

/// Who holds a role today, and what people declared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct People {
    pub genders: BTreeMap<PersonId, Gender>,
    /// Access committee members, with their node.
    pub committee: Vec<(PersonId, NodeId)>,
    pub board: Vec<PersonId>,
}

/// One group's row as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenderRow {
    pub group: GenderGroup,
    /// In the order of [`GenderColumn::ALL`].
    pub cells: Vec<Shown>,
    pub total: Shown,
    /// Women's share of those who stated woman, man or another gender; hidden when the
    /// women or the others are too few to show.
    pub share_women: Option<f64>,
    /// Fewer people than the threshold: the row says so instead of showing numbers.
    pub too_few: bool,
}

/// The distinct people of each group under these filters.
pub fn members(group: GenderGroup, facts: &Facts, people: &People, filters: &Filters) -> BTreeSet<PersonId> {
    // The same records, under the same filters, as the access and pipeline KPIs count.
    let access = access_in(facts, filters);
    match group {
        GenderGroup::Applicants => access.filter_map(|d| d.applicant).collect(),
        GenderGroup::ApprovedApplicants => {
            access.filter(|d| d.approved).filter_map(|d| d.applicant).collect()
        }
        GenderGroup::Reviewers => proposals_of(facts, filters)
            .flat_map(|p| p.reviews.iter())
            .filter(|(_, at)| filters.covers(*at))
            .map(|(person, _)| *person)
            .collect(),
        GenderGroup::CommitteeMembers => people
            .committee
            .iter()
            .filter(|(_, node)| filters.node.is_none_or(|n| n == *node))
            .map(|(person, _)| *person)
            .collect(),
        GenderGroup::Board => people.board.iter().copied().collect(),
    }
}

/// A row from the counts per column (in [`GenderColumn::ALL`] order).
pub fn row(group: GenderGroup, counts: &[u64], threshold: u64) -> GenderRow {
    let people: u64 = counts.iter().sum();
    if too_small(people, threshold) {
        let cells = vec![Shown::Hidden; counts.len()];
        return GenderRow { group, cells, total: Shown::Hidden, share_women: None, too_few: true };
    }
    let (cells, total) = suppress_line(counts, threshold);
    let women = counts[0];
    let stated = counts[..3].iter().sum::<u64>();
    // A share gives away its denominator and its complement: both must be showable, and
    // the denominator already known from what is shown, or it would reveal a hidden cell.
    let shown = |c: &Shown| *c != Shown::Hidden;
    let stated_known = cells[..3].iter().all(shown) || (shown(&cells[3]) && shown(&total));
    let share_women =
        (shown(&cells[0]) && stated_known && stated > 0 && !too_small(stated - women, threshold))
            .then(|| women as f64 / stated as f64);
    GenderRow { group, cells, total, share_women, too_few: false }
}

/// The table for a view: one row per group, each group counted in its own people.
pub fn table(facts: &Facts, people: &People, filters: &Filters, threshold: u64) -> Vec<GenderRow> {
    GenderGroup::ALL
        .iter()
        .copied()
        .filter(|g| filters.node.is_none() || g.has_node())
        .map(|group| {
            let mut counts = vec![0u64; GenderColumn::ALL.len()];
            for person in members(group, facts, people, filters) {
                let column = GenderColumn::of(people.genders.get(&person).copied());
                counts[GenderColumn::ALL.iter().position(|c| *c == column).unwrap_or(0)] += 1;
            }
            row(group, &counts, threshold)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::disclosure::{DEFAULT_THRESHOLD, possible_values};
    use crate::kpi::facts::AccessDecision;
    use crate::kpi::filters::FilterQuery;
    use crate::{ApplicationId, CohortId};
    use chrono::{DateTime, NaiveDate, Utc};

    const T: u64 = DEFAULT_THRESHOLD;

    fn shown(row: &GenderRow) -> Vec<Option<u64>> {
        row.cells.iter().map(|c| c.count()).collect()
    }

    #[test]
    fn small_cells_hide_with_enough_others_that_the_total_gives_none_away() {
        let row = row(GenderGroup::Applicants, &[12, 9, 1, 3], T);
        // 1 and 3 are small, and together (4) still small: the next smallest goes too.
        assert_eq!(shown(&row), vec![Some(12), None, None, None]);
        assert_eq!(row.total, Shown::Count(25));
        // 12 of 22 stated would give the hidden "not stated" away: no share.
        assert_eq!(row.share_women, None);

        let row = super::row(GenderGroup::Reviewers, &[20, 18, 0, 7], T);
        assert_eq!(shown(&row), vec![Some(20), Some(18), Some(0), Some(7)]);
        assert_eq!(row.share_women, Some(20.0 / 38.0));
    }

    #[test]
    fn a_group_of_fewer_people_than_the_threshold_says_so() {
        let row = row(GenderGroup::Board, &[2, 1, 0, 1], T);
        assert!(row.too_few);
        assert!(row.cells.iter().all(|c| *c == Shown::Hidden) && row.total == Shown::Hidden);
        assert_eq!(row.share_women, None);
    }

    #[test]
    fn a_share_is_hidden_when_the_others_are_few() {
        // 30 women and 2 men: 94 % would say "two men".
        let row = row(GenderGroup::CommitteeMembers, &[30, 2, 0, 6], T);
        assert_eq!(row.share_women, None);
    }

    /// Every row of counts 0 to 8: each hidden cell could take more than one value given
    /// the shown cells and the total (the disclosure module's oracle), and a share, when
    /// shown, weighs women against a number the shown cells already give.
    #[test]
    fn no_hidden_cell_is_determined_by_what_the_row_shows() {
        let max = 9u64;
        for n in 0..max.pow(4) {
            let counts = [n % max, n / max % max, n / max / max % max, n / max / max / max];
            let row = row(GenderGroup::Applicants, &counts, T);
            if row.too_few {
                continue;
            }
            for cell in (0..4).filter(|i| row.cells[*i] == Shown::Hidden) {
                if let Some(values) = possible_values(&counts, &row.cells, row.total, cell) {
                    assert!(values.start() < values.end(), "{counts:?}: cell {cell} can only be {values:?}");
                }
            }
            if row.share_women.is_some() {
                let known = match (row.cells[..3].iter().map(|c| c.count()).sum::<Option<u64>>(), row.total) {
                    (Some(stated), _) => stated,
                    (None, Shown::Count(total)) => total - row.cells[3].count().unwrap(),
                    (None, Shown::Hidden) => panic!("{counts:?}: a share with nothing to weigh it against"),
                };
                assert_eq!(known, counts[..3].iter().sum::<u64>(), "{counts:?}");
            }
        }
    }

    fn at(day: &str) -> DateTime<Utc> {
        NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    fn decision(application: i64, applicant: i64, node: i64, approved: bool) -> AccessDecision {
        AccessDecision {
            application: ApplicationId(application),
            cohort: CohortId(node),
            node: NodeId(node),
            complete_at: at("2026-02-01"),
            decided_at: at("2026-03-01"),
            approved,
            days: 28,
            deadline: at("2026-05-01"),
            extended: false,
            applicant: Some(PersonId(applicant)),
        }
    }

    #[test]
    fn each_person_counts_once_per_group_and_a_node_view_keeps_its_own_groups() {
        // Applicants 1..=12 at node 1, each twice (two cohorts' decisions); 1..=6 approved.
        let access = (1..=12)
            .flat_map(|p| [decision(p * 10, p, 1, p <= 6), decision(p * 10 + 1, p, 1, false)])
            .chain([decision(999, 50, 2, true)])
            .collect();
        let facts = Facts { access, ..Facts::default() };
        let genders =
            (1..=12).map(|p| (PersonId(p), if p <= 7 { Gender::Woman } else { Gender::Man })).collect();
        let people = People {
            genders,
            committee: (1..=6).map(|p| (PersonId(p), NodeId(1))).collect(),
            board: vec![PersonId(1), PersonId(8)],
        };
        let query = |node: Option<&str>| FilterQuery {
            from: Some("2026-01-01".into()),
            to: Some("2026-12-31".into()),
            node: node.map(str::to_owned),
            ..FilterQuery::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let national = table(&facts, &people, &query(None).read(today).unwrap(), T);
        assert_eq!(national.len(), GenderGroup::ALL.len());
        // 13 applicants: 7 women, 5 men, 1 (node 2's) not stated.
        let applicants = &national[0];
        assert_eq!(applicants.total, Shown::Count(13));
        assert_eq!(applicants.cells[0], Shown::Count(7));
        assert!(national[4].too_few, "a board of two says so");

        let node_one = table(&facts, &people, &query(Some("1")).read(today).unwrap(), T);
        let groups: Vec<GenderGroup> = node_one.iter().map(|r| r.group).collect();
        assert_eq!(
            groups,
            [GenderGroup::Applicants, GenderGroup::ApprovedApplicants, GenderGroup::CommitteeMembers]
        );
        assert_eq!(node_one[0].total, Shown::Count(12));
        assert_eq!(shown(&node_one[1]), vec![Some(6), Some(0), Some(0), Some(0)]);
        // Six of six: zero others is no small number.
        assert_eq!(node_one[1].share_women, Some(1.0));
    }
}
