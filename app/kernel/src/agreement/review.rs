//! Internal review: before a version goes to the other parties, named roles (legal,
//! finance, the node lead, …) approve it, one after another or all at once as the
//! agreement says. The checklist shows who has approved and who is pending: Hypha's staff
//! could not see that (#3151).

use crate::codes::code_list;
use crate::ids::PersonId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::AgreementState;

/// The most roles one review may ask for.
pub const MAX_ROLES: usize = 10;

code_list!(
    /// A role that approves an agreement internally. Who holds it for an agreement is a
    /// fact from outside the log ([`super::AgreementFacts::approvers`]).
    ApprovalRole {
        Legal = "legal",
        Finance = "finance",
        NodeLead = "node_lead",
        GrantsOffice = "grants_office",
        DataProtection = "data_protection",
        Management = "management",
    }
);

code_list!(
    /// Whether the roles approve one after another (in the plan's order) or in any order.
    ApprovalOrder {
        InOrder = "in_order",
        InParallel = "in_parallel",
    }
);

/// Which roles approve, and in what order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPlan {
    pub roles: Vec<ApprovalRole>,
    pub order: ApprovalOrder,
}

impl Default for ApprovalPlan {
    fn default() -> ApprovalPlan {
        ApprovalPlan { roles: Vec::new(), order: ApprovalOrder::InOrder }
    }
}

/// One role's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: PersonId,
    pub at: DateTime<Utc>,
}

/// Where a role stands in the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    Approved {
        by: PersonId,
        at: DateTime<Utc>,
    },
    /// May approve now.
    Pending,
    /// Waits for the roles before it (in order).
    Waiting,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub role: ApprovalRole,
    pub step: Step,
}

impl ApprovalPlan {
    /// At least one role, none twice, not too many.
    pub fn sane(&self) -> bool {
        let distinct: BTreeSet<_> = self.roles.iter().collect();
        !self.roles.is_empty() && self.roles.len() <= MAX_ROLES && distinct.len() == self.roles.len()
    }

    /// The roles that may approve now: in order, the first not yet approved; in parallel,
    /// every one not yet approved.
    pub fn due(&self, approvals: &BTreeMap<ApprovalRole, Approval>) -> BTreeSet<ApprovalRole> {
        let mut open = self.roles.iter().copied().filter(|r| !approvals.contains_key(r));
        match self.order {
            ApprovalOrder::InOrder => open.next().into_iter().collect(),
            ApprovalOrder::InParallel => open.collect(),
        }
    }

    pub fn complete(&self, approvals: &BTreeMap<ApprovalRole, Approval>) -> bool {
        self.roles.iter().all(|r| approvals.contains_key(r))
    }

    /// Every role of the plan in order, approved, pending or waiting.
    pub fn checklist(&self, approvals: &BTreeMap<ApprovalRole, Approval>) -> Vec<ChecklistItem> {
        let due = self.due(approvals);
        self.roles
            .iter()
            .map(|role| {
                let step = match approvals.get(role) {
                    Some(a) => Step::Approved { by: a.by, at: a.at },
                    None if due.contains(role) => Step::Pending,
                    None => Step::Waiting,
                };
                ChecklistItem { role: *role, step }
            })
            .collect()
    }
}

/// A version under internal review: the approvals so far and where a request for
/// changes sends it back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalReview {
    pub version: u32,
    pub return_to: AgreementState,
    pub approvals: BTreeMap<ApprovalRole, Approval>,
    /// Every role approved: the version went on to negotiation.
    pub passed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approved(by: i64) -> Approval {
        Approval { by: PersonId(by), at: DateTime::<Utc>::default() }
    }

    #[test]
    fn in_order_one_role_at_a_time_in_parallel_all_at_once() {
        use ApprovalRole::*;
        let mut plan = ApprovalPlan { roles: vec![Legal, Finance, NodeLead], order: ApprovalOrder::InOrder };
        let mut approvals = BTreeMap::new();
        assert_eq!(plan.due(&approvals), [Legal].into());
        approvals.insert(Legal, approved(1));
        assert_eq!(plan.due(&approvals), [Finance].into());
        let steps: Vec<Step> = plan.checklist(&approvals).into_iter().map(|i| i.step).collect();
        assert_eq!(
            steps,
            [
                Step::Approved { by: PersonId(1), at: DateTime::<Utc>::default() },
                Step::Pending,
                Step::Waiting
            ]
        );
        plan.order = ApprovalOrder::InParallel;
        assert_eq!(plan.due(&approvals), [Finance, NodeLead].into());
        approvals.insert(Finance, approved(2));
        approvals.insert(NodeLead, approved(3));
        assert!(plan.complete(&approvals) && plan.due(&approvals).is_empty());
    }

    #[test]
    fn a_plan_names_each_role_once() {
        use ApprovalRole::*;
        assert!(ApprovalPlan { roles: vec![Legal], order: ApprovalOrder::InOrder }.sane());
        assert!(!ApprovalPlan { roles: vec![Legal, Legal], order: ApprovalOrder::InOrder }.sane());
        assert!(!ApprovalPlan::default().sane());
    }
}
