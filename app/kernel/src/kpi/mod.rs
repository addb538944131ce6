//! The steering board's KPIs, as pure functions of the workflows' event logs: what each
//! one counts ([`Kpi`]), the facts read off the logs ([`facts`]), the figures for a period
//! and its filters ([`figures`]), the small-number rules ([`disclosure`]) and value against
//! target ([`targets`]). Durations come from the events' own times, never from mutable
//! columns, and medians are computed here, so both databases give the same figures.

pub mod disclosure;
pub mod facts;
pub mod figures;
pub mod filters;
pub mod gender;
pub mod notes;
pub mod public;
pub mod snapshots;
pub mod targets;
#[cfg(test)]
mod tests;

use crate::codes::code_list;

code_list!(
    /// The dashboard's sections, in order.
    Section {
        Pipeline = "pipeline",
        Access = "access",
        Leverage = "leverage",
    }
);

code_list!(
    /// Every KPI the portal computes. Each one's definition (the translation key
    /// `kpi.<code>.definition`) says in plain words what is counted, from which events.
    Kpi {
        ProposalsReceived = "proposals_received",
        EligibilityRate = "eligibility_rate",
        SelectionRate = "selection_rate",
        DaysToProposalDecision = "days_to_proposal_decision",
        AccessDecisions = "access_decisions",
        ApprovalRate = "approval_rate",
        DaysToAccessDecision = "days_to_access_decision",
        DecidedWithinLimit = "decided_within_limit",
        UsedExtension = "used_extension",
        AgreementsSigned = "agreements_signed",
        IndustryFunding = "industry_funding",
        CoFundingRatio = "co_funding_ratio",
    }
);

code_list!(
    /// What a KPI's value is.
    Unit {
        Count = "count",
        /// A share of a whole, 0 to 1.
        Share = "share",
        /// A median number of days.
        Days = "days",
        Kronor = "kronor",
        /// One sum divided by another.
        Ratio = "ratio",
    }
);

code_list!(
    /// Which way a target points.
    Direction {
        AtLeast = "at_least",
        AtMost = "at_most",
    }
);

code_list!(
    /// What a breakdown groups by.
    Dimension {
        Node = "node",
        Call = "call",
        CompanyKind = "company_kind",
    }
);

impl Kpi {
    pub fn section(self) -> Section {
        use Kpi::*;
        match self {
            ProposalsReceived | EligibilityRate | SelectionRate | DaysToProposalDecision => Section::Pipeline,
            AccessDecisions | ApprovalRate | DaysToAccessDecision | DecidedWithinLimit | UsedExtension => {
                Section::Access
            }
            AgreementsSigned | IndustryFunding | CoFundingRatio => Section::Leverage,
        }
    }

    pub fn unit(self) -> Unit {
        use Kpi::*;
        match self {
            ProposalsReceived | AccessDecisions | AgreementsSigned => Unit::Count,
            EligibilityRate | SelectionRate | ApprovalRate | DecidedWithinLimit | UsedExtension => {
                Unit::Share
            }
            DaysToProposalDecision | DaysToAccessDecision => Unit::Days,
            IndustryFunding => Unit::Kronor,
            CoFundingRatio => Unit::Ratio,
        }
    }

    /// The direction a target for it usually takes (the form's default).
    pub fn usual_direction(self) -> Direction {
        use Kpi::*;
        match self {
            DaysToProposalDecision | DaysToAccessDecision | UsedExtension => Direction::AtMost,
            _ => Direction::AtLeast,
        }
    }

    /// Counts and sums grow through a period; shares, medians and ratios are levels.
    pub fn accumulates(self) -> bool {
        matches!(self.unit(), Unit::Count | Unit::Kronor)
    }

    /// What its breakdown groups by.
    pub fn breakdown(self) -> Dimension {
        match self.section() {
            Section::Pipeline => Dimension::Call,
            Section::Access => Dimension::Node,
            Section::Leverage => Dimension::CompanyKind,
        }
    }

    /// Calls are national: the pipeline has no node, so a node's view leaves it out.
    pub fn has_node(self) -> bool {
        self.section() != Section::Pipeline
    }

    /// The version of its definition: snapshots and exports record it, and a change to
    /// what a KPI counts raises it.
    pub fn definition_version(self) -> u32 {
        1
    }

    pub fn in_section(section: Section) -> impl Iterator<Item = Kpi> {
        Kpi::ALL.iter().copied().filter(move |k| k.section() == section)
    }
}
