//! A suggested assignment of reviewers to proposals: every proposal gets the reviewers it
//! needs (three by default), nobody reviews a company they declared a conflict with, and
//! the work is spread so no reviewer has two more proposals than another, wherever the
//! conflicts allow. Assignments already made (by hand) are kept and count as load.

use std::collections::{BTreeMap, BTreeSet};

/// What the suggestion starts from.
#[derive(Debug, Clone, Default)]
pub struct AssignmentInput {
    /// Each proposal with the company that sent it and the reviewers it already has.
    pub proposals: Vec<ProposalSlot>,
    pub reviewers: Vec<i64>,
    /// Reviewers needed per proposal.
    pub per_proposal: usize,
}

#[derive(Debug, Clone)]
pub struct ProposalSlot {
    pub proposal: i64,
    /// Who may review it, by the proposals' own rule (never a representative of the
    /// company, never someone who declared a conflict with it).
    pub eligible: BTreeSet<i64>,
    pub assigned: Vec<i64>,
}

/// The suggested new assignments and the proposals that cannot get enough reviewers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suggestion {
    /// (proposal, reviewer), new ones only.
    pub assignments: Vec<(i64, i64)>,
    /// (proposal, reviewers still missing): too few reviewers free of conflict.
    pub short: Vec<(i64, usize)>,
}

impl AssignmentInput {
    fn may_review(&self, reviewer: i64, slot: &ProposalSlot) -> bool {
        slot.eligible.contains(&reviewer)
    }
}

pub fn suggest(input: &AssignmentInput) -> Suggestion {
    let reviewers: BTreeSet<i64> = input.reviewers.iter().copied().collect();
    let mut load: BTreeMap<i64, usize> = reviewers.iter().map(|r| (*r, 0)).collect();
    for slot in &input.proposals {
        for r in &slot.assigned {
            if let Some(l) = load.get_mut(r) {
                *l += 1;
            }
        }
    }
    // The hardest proposals first: those with the fewest reviewers free to take them.
    let mut order: Vec<&ProposalSlot> = input.proposals.iter().collect();
    order.sort_by_key(|slot| {
        (reviewers.iter().filter(|r| input.may_review(**r, slot)).count(), slot.proposal)
    });
    let mut on: BTreeMap<i64, BTreeSet<i64>> =
        input.proposals.iter().map(|s| (s.proposal, s.assigned.iter().copied().collect())).collect();
    let mut new: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut short = Vec::new();
    for slot in order {
        let taken = on.get_mut(&slot.proposal).expect("every proposal has a set");
        let mut missing = input.per_proposal.saturating_sub(taken.len());
        while missing > 0 {
            let pick = reviewers
                .iter()
                .filter(|r| !taken.contains(r) && input.may_review(**r, slot))
                .min_by_key(|r| (load[r], **r));
            let Some(&reviewer) = pick else { break };
            taken.insert(reviewer);
            new.insert((slot.proposal, reviewer));
            *load.get_mut(&reviewer).expect("a known reviewer") += 1;
            missing -= 1;
        }
        if missing > 0 {
            short.push((slot.proposal, missing));
        }
    }
    // Even out: move a suggested proposal from a busiest reviewer to a least busy one who
    // may take it, until no such move is left. Each move lowers the sum of squared loads,
    // so this ends.
    let slots: BTreeMap<i64, &ProposalSlot> = input.proposals.iter().map(|s| (s.proposal, s)).collect();
    loop {
        let movable = new.iter().find_map(|&(proposal, from)| {
            let slot = slots[&proposal];
            let taken = &on[&proposal];
            reviewers
                .iter()
                .filter(|to| {
                    load[to] + 2 <= load[&from] && !taken.contains(to) && input.may_review(**to, slot)
                })
                .min_by_key(|to| (load[to], **to))
                .map(|&to| (proposal, from, to))
        });
        let Some((proposal, from, to)) = movable else { break };
        new.remove(&(proposal, from));
        new.insert((proposal, to));
        let taken = on.get_mut(&proposal).expect("every proposal has a set");
        taken.remove(&from);
        taken.insert(to);
        *load.get_mut(&from).expect("a known reviewer") -= 1;
        *load.get_mut(&to).expect("a known reviewer") += 1;
    }
    short.sort_unstable();
    Suggestion { assignments: new.into_iter().collect(), short }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn loads(input: &AssignmentInput, suggestion: &Suggestion) -> BTreeMap<i64, usize> {
        let mut load: BTreeMap<i64, usize> = input.reviewers.iter().map(|r| (*r, 0)).collect();
        let existing = input.proposals.iter().flat_map(|s| s.assigned.iter().copied());
        for r in existing.chain(suggestion.assignments.iter().map(|(_, r)| *r)) {
            *load.get_mut(&r).unwrap() += 1;
        }
        load
    }

    /// A proposal slot whose eligible reviewers are those without a conflict with `company`.
    fn slot(
        proposal: i64,
        company: i64,
        conflicts: &BTreeSet<(i64, i64)>,
        reviewers: &[i64],
        assigned: Vec<i64>,
    ) -> ProposalSlot {
        let eligible = reviewers.iter().copied().filter(|r| !conflicts.contains(&(*r, company))).collect();
        ProposalSlot { proposal, eligible, assigned }
    }

    fn spread(load: &BTreeMap<i64, usize>) -> usize {
        load.values().max().unwrap_or(&0) - load.values().min().unwrap_or(&0)
    }

    #[test]
    fn three_reviewers_each_spread_evenly_and_never_a_conflict() {
        let conflicts: BTreeSet<(i64, i64)> = [(1, 100), (2, 101), (3, 102)].into_iter().collect();
        let reviewers = vec![1, 2, 3, 4, 5, 6, 7];
        let input = AssignmentInput {
            proposals: (1..=10).map(|p| slot(p, 100 + p % 3, &conflicts, &reviewers, vec![])).collect(),
            reviewers,
            per_proposal: 3,
        };
        let suggestion = suggest(&input);
        assert!(suggestion.short.is_empty());
        assert_eq!(suggestion.assignments.len(), 30);
        assert!(spread(&loads(&input, &suggestion)) <= 1);
        for (p, r) in &suggestion.assignments {
            assert!(!conflicts.contains(&(*r, 100 + p % 3)));
        }
    }

    #[test]
    fn too_few_free_reviewers_is_reported_not_hidden() {
        let conflicts: BTreeSet<(i64, i64)> = [(3, 9)].into_iter().collect();
        let input = AssignmentInput {
            proposals: vec![slot(1, 9, &conflicts, &[1, 2, 3], vec![])],
            reviewers: vec![1, 2, 3],
            per_proposal: 3,
        };
        let suggestion = suggest(&input);
        assert_eq!(suggestion.assignments, vec![(1, 1), (1, 2)]);
        assert_eq!(suggestion.short, vec![(1, 1)]);
    }

    /// An input with the conflicts and each proposal's company it was made from.
    type World = (AssignmentInput, BTreeSet<(i64, i64)>, BTreeMap<i64, i64>);

    fn any_input() -> impl Strategy<Value = World> {
        (3usize..12, 1usize..40, 2i64..8)
            .prop_flat_map(|(reviewers, proposals, companies)| {
                let conflicts =
                    proptest::collection::btree_set((1..=reviewers as i64, 0..companies), 0..reviewers * 2);
                let slots = proptest::collection::vec(
                    (0..companies, proptest::collection::btree_set(1..=reviewers as i64, 0..3)),
                    proposals,
                );
                (Just(reviewers), conflicts, slots)
            })
            .prop_map(|(reviewers, conflicts, slots)| {
                let all: Vec<i64> = (1..=reviewers as i64).collect();
                let company = slots.iter().enumerate().map(|(i, (c, _))| (i as i64 + 1, *c)).collect();
                let input = AssignmentInput {
                    proposals: slots
                        .into_iter()
                        .enumerate()
                        .map(|(i, (company, assigned))| {
                            // Assignments made by hand never include a conflicted reviewer.
                            let assigned = assigned
                                .into_iter()
                                .filter(|r| !conflicts.contains(&(*r, company)))
                                .collect();
                            slot(i as i64 + 1, company, &conflicts, &all, assigned)
                        })
                        .collect(),
                    reviewers: all.clone(),
                    per_proposal: 3,
                };
                (input, conflicts, company)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn assignments_respect_conflicts_fill_every_proposal_and_spread_the_load(world in any_input()) {
            let (input, conflicts, company) = world;
            let suggestion = suggest(&input);
            for (proposal, reviewer) in &suggestion.assignments {
                prop_assert!(!conflicts.contains(&(*reviewer, company[proposal])), "conflicted reviewer assigned");
            }
            for slot in &input.proposals {
                let mut all: BTreeSet<i64> = slot.assigned.iter().copied().collect();
                for (p, r) in &suggestion.assignments {
                    if *p == slot.proposal {
                        prop_assert!(all.insert(*r), "a reviewer twice on one proposal");
                    }
                }
                let free = input.reviewers.iter().filter(|r| !conflicts.contains(&(**r, company[&slot.proposal]))).count();
                let missing = suggestion.short.iter().find(|(p, _)| *p == slot.proposal).map(|(_, m)| *m).unwrap_or(0);
                prop_assert!(all.len() >= 3 || all.len() + missing == 3);
                // Short only when every reviewer free of conflict is already on it.
                prop_assert!(missing == 0 || all.len() == free);
            }
            // The load is spread within one, except where a conflict or a hand-made
            // assignment forbids the move that would even it out.
            let load = loads(&input, &suggestion);
            for (proposal, from) in &suggestion.assignments {
                let on: BTreeSet<i64> = input.proposals.iter().find(|s| s.proposal == *proposal).unwrap().assigned.iter().copied()
                    .chain(suggestion.assignments.iter().filter(|(p, _)| p == proposal).map(|(_, r)| *r)).collect();
                for to in &input.reviewers {
                    let free = !conflicts.contains(&(*to, company[proposal])) && !on.contains(to);
                    prop_assert!(!(free && load[to] + 2 <= load[from]), "a move would even the load");
                }
            }
            if conflicts.is_empty() && input.proposals.iter().all(|s| s.assigned.is_empty()) {
                prop_assert!(spread(&load) <= 1);
            }
        }
    }
}
