//! Committee votes: members vote approve, reject or abstain (with a comment); a node's rule
//! says how many must vote (quorum), what majority carries, and whether the chair decides
//! a tie. Pure; the committee records its decision once the tally says it may.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Approve,
    Reject,
    Abstain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More approvals than rejections.
    Simple,
    /// At least two thirds of the approvals and rejections approve.
    TwoThirds,
}

/// A node's voting rule (configurable per node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRule {
    /// How many members must have voted (abstentions count towards it).
    pub quorum: usize,
    pub majority: Majority,
    pub chair_decides_ties: bool,
}

impl Default for VoteRule {
    fn default() -> Self {
        VoteRule { quorum: 3, majority: Majority::Simple, chair_decides_ties: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Tally {
    /// Too few votes yet.
    NoQuorum {
        cast: usize,
        needed: usize,
    },
    Approve {
        approve: usize,
        reject: usize,
        abstain: usize,
    },
    Reject {
        approve: usize,
        reject: usize,
        abstain: usize,
    },
    /// Neither side carries and the chair has not broken the tie.
    Undecided {
        approve: usize,
        reject: usize,
        abstain: usize,
    },
}

/// Counts the committee's votes. Only members count, each once (their last vote).
pub fn tally<P: Ord + Copy>(votes: &[(P, Vote)], members: &[P], chair: Option<P>, rule: VoteRule) -> Tally {
    let mut last: BTreeMap<P, Vote> = BTreeMap::new();
    for (person, vote) in votes.iter().filter(|(p, _)| members.contains(p)) {
        last.insert(*person, *vote);
    }
    let count = |kind: Vote| last.values().filter(|v| **v == kind).count();
    let (approve, reject, abstain) = (count(Vote::Approve), count(Vote::Reject), count(Vote::Abstain));
    if last.len() < rule.quorum {
        return Tally::NoQuorum { cast: last.len(), needed: rule.quorum };
    }
    let decisive = approve + reject;
    let carries = match rule.majority {
        Majority::Simple => approve > reject,
        Majority::TwoThirds => decisive > 0 && approve * 3 >= decisive * 2,
    };
    let fails = match rule.majority {
        Majority::Simple => reject > approve,
        Majority::TwoThirds => decisive > 0 && reject * 3 > decisive,
    };
    if carries {
        Tally::Approve { approve, reject, abstain }
    } else if fails {
        Tally::Reject { approve, reject, abstain }
    } else {
        match chair.and_then(|c| last.get(&c)).filter(|_| rule.chair_decides_ties) {
            Some(Vote::Approve) => Tally::Approve { approve, reject, abstain },
            Some(Vote::Reject) => Tally::Reject { approve, reject, abstain },
            _ => Tally::Undecided { approve, reject, abstain },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Vote::*;

    const MEMBERS: [i64; 5] = [1, 2, 3, 4, 5];

    fn rule(quorum: usize, majority: Majority, chair: bool) -> VoteRule {
        VoteRule { quorum, majority, chair_decides_ties: chair }
    }

    #[test]
    fn quorum_first_then_majority() {
        let simple = rule(3, Majority::Simple, true);
        assert_eq!(
            tally(&[(1, Approve), (2, Approve)], &MEMBERS, None, simple),
            Tally::NoQuorum { cast: 2, needed: 3 }
        );
        assert_eq!(
            tally(&[(1, Approve), (2, Approve), (3, Reject)], &MEMBERS, None, simple),
            Tally::Approve { approve: 2, reject: 1, abstain: 0 }
        );
        assert_eq!(
            tally(&[(1, Reject), (2, Abstain), (3, Abstain)], &MEMBERS, None, simple),
            Tally::Reject { approve: 0, reject: 1, abstain: 2 }
        );
    }

    #[test]
    fn the_chair_breaks_a_tie_only_when_the_rule_says_so() {
        let votes = [(1, Approve), (2, Reject), (3, Abstain), (4, Approve), (5, Reject)];
        assert_eq!(
            tally(&votes, &MEMBERS, Some(4), rule(3, Majority::Simple, true)),
            Tally::Approve { approve: 2, reject: 2, abstain: 1 }
        );
        assert_eq!(
            tally(&votes, &MEMBERS, Some(5), rule(3, Majority::Simple, true)),
            Tally::Reject { approve: 2, reject: 2, abstain: 1 }
        );
        assert_eq!(
            tally(&votes, &MEMBERS, Some(3), rule(3, Majority::Simple, true)),
            Tally::Undecided { approve: 2, reject: 2, abstain: 1 }
        );
        assert_eq!(
            tally(&votes, &MEMBERS, Some(4), rule(3, Majority::Simple, false)),
            Tally::Undecided { approve: 2, reject: 2, abstain: 1 }
        );
    }

    #[test]
    fn two_thirds_needs_two_thirds_of_those_who_took_a_side() {
        let two_thirds = rule(3, Majority::TwoThirds, false);
        assert!(matches!(
            tally(&[(1, Approve), (2, Approve), (3, Reject)], &MEMBERS, None, two_thirds),
            Tally::Approve { .. }
        ));
        assert!(matches!(
            tally(&[(1, Approve), (2, Approve), (3, Reject), (4, Reject)], &MEMBERS, None, two_thirds),
            Tally::Reject { .. }
        ));
        assert!(matches!(
            tally(&[(1, Abstain), (2, Abstain), (3, Abstain)], &MEMBERS, None, two_thirds),
            Tally::Undecided { .. }
        ));
    }

    #[test]
    fn only_members_count_and_each_once() {
        let votes = [(1, Reject), (9, Approve), (9, Approve), (1, Approve), (2, Approve), (3, Abstain)];
        assert_eq!(
            tally(&votes, &MEMBERS, None, VoteRule::default()),
            Tally::Approve { approve: 2, reject: 0, abstain: 1 },
            "an outsider's votes are ignored and a changed vote counts once"
        );
    }
}
