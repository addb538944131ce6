//! The people, nodes and cohorts that the kernel's tests and the portal's page-model
//! tests share, so both speak of one world. Built only for tests (`cfg(test)` here, the
//! `fixtures` feature for the portal's dev-dependency).

use chrono::{DateTime, Utc};

/// An RFC 3339 time; the fixtures' times are all well-formed.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

/// One application asking for three cohorts at two nodes, and the committees around it.
pub mod access {
    use crate::access::{AccessFacts, Seats};
    use crate::ids::{CohortId, NodeId, PersonId};

    pub const APPLICANT: PersonId = PersonId(1);
    pub const MEMBER: PersonId = PersonId(2);
    pub const OUTSIDER: PersonId = PersonId(3);
    pub const UPPSALA_COMMITTEE: PersonId = PersonId(4);
    pub const UMEA_COMMITTEE: PersonId = PersonId(5);
    pub const REVIEWER: PersonId = PersonId(6);
    pub const SCAPIS_COMMITTEE: PersonId = PersonId(7);
    pub const UPPSALA: NodeId = NodeId(10);
    pub const UMEA: NodeId = NodeId(20);
    pub const SCAPIS: CohortId = CohortId(100);
    pub const UCAN: CohortId = CohortId(200);
    /// A second cohort decided at Uppsala: the SCAPIS-only member takes no part in it.
    pub const EPIHEALTH: CohortId = CohortId(300);
    pub const COHORTS: [(CohortId, NodeId); 3] = [(SCAPIS, UPPSALA), (EPIHEALTH, UPPSALA), (UCAN, UMEA)];
    pub const MEMBER_EMAIL: &str = "member@example.org";

    /// The people around the application: who sits on which committee, who reviews.
    pub fn world() -> AccessFacts {
        let seat = |nodes: &[NodeId], cohorts: &[CohortId]| Seats {
            nodes: nodes.iter().copied().collect(),
            cohorts: cohorts.iter().copied().collect(),
        };
        AccessFacts {
            seats: [
                (UPPSALA_COMMITTEE, seat(&[UPPSALA], &[])),
                (UMEA_COMMITTEE, seat(&[UMEA], &[])),
                (SCAPIS_COMMITTEE, seat(&[], &[SCAPIS])),
            ]
            .into_iter()
            .collect(),
            reviewers: [REVIEWER, OUTSIDER].into_iter().collect(),
        }
    }
}

/// One proposal in a call with two criteria, and the people around it.
pub mod proposal {
    use super::at;
    use crate::ids::PersonId;
    use crate::proposal::{Actor, CallTerms, ProposalFacts, Roles};

    pub const COMPANY: PersonId = PersonId(1);
    pub const ADMIN: PersonId = PersonId(2);
    pub const BOARD: PersonId = PersonId(3);
    pub const REVIEWER: PersonId = PersonId(4);
    pub const CONFLICTED_ADMIN: PersonId = PersonId(5);
    pub const OTHER_REVIEWER: PersonId = PersonId(6);
    pub const STRANGER: PersonId = PersonId(7);
    pub const PEOPLE: [PersonId; 7] =
        [COMPANY, ADMIN, BOARD, REVIEWER, CONFLICTED_ADMIN, OTHER_REVIEWER, STRANGER];
    pub const CRITERIA: [&str; 2] = ["need", "evidence"];

    /// The call (open January and February 2026) and who stands where towards the company.
    pub fn facts(released: bool) -> ProposalFacts {
        ProposalFacts {
            call: CallTerms {
                opens_at: at("2026-01-01T00:00:00Z"),
                closes_at: at("2026-03-01T00:00:00Z"),
                released,
                criteria: CRITERIA.iter().map(|c| (*c).to_owned()).collect(),
            },
            representatives: [COMPANY].into_iter().collect(),
            conflicted: [CONFLICTED_ADMIN].into_iter().collect(),
            reviewers: [REVIEWER, OTHER_REVIEWER, CONFLICTED_ADMIN].into_iter().collect(),
        }
    }

    pub fn actor(id: PersonId, administrator: bool, board: bool, reviewer: bool) -> Actor {
        Actor { id, roles: Roles { administrator, board, reviewer } }
    }
}
