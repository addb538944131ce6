//! What the KPIs need of each record, read off its event log by folding it with the
//! workflow's own aggregate: the rules of when a clock starts, pauses and is extended, or
//! when a proposal counts as screened, stay in the aggregate; this module only notes the
//! time at which the folded state changed.

use crate::access::{Application, Event as AccessEvent, PartState};
use crate::agreement::model::PartyKind;
use crate::agreement::{Agreement, Event as AgreementEvent};
use crate::codes::CompanyKind;
use crate::proposal::{Decision, Event as ProposalEvent, Proposal, ProposalState};
use crate::{Aggregate, AgreementId, ApplicationId, CallId, CohortId, NodeId, PersonId, ProposalId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One cohort's decision in an access application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessDecision {
    pub application: ApplicationId,
    pub cohort: CohortId,
    pub node: NodeId,
    /// When the application became complete (submitted) for this cohort's node.
    pub complete_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub approved: bool,
    /// Days from complete to decided, without the days it was back with the applicant.
    pub days: i64,
    /// The deadline as it stood at the decision (moved by pauses and the extension).
    pub deadline: DateTime<Utc>,
    pub extended: bool,
    /// Who applied (for the gender-balance table; never shown per person).
    pub applicant: Option<PersonId>,
}

impl AccessDecision {
    pub fn within_limit(&self) -> bool {
        self.decided_at <= self.deadline
    }
}

#[derive(Default)]
struct PartClock {
    complete_at: Option<DateTime<Utc>>,
    paused_since: Option<DateTime<Utc>>,
    paused: Duration,
}

/// Every decision in one application's log, in order.
pub fn access_decisions(
    application: ApplicationId,
    log: &[(AccessEvent, DateTime<Utc>)],
) -> Vec<AccessDecision> {
    let mut folded = Application::default();
    let mut clocks: BTreeMap<CohortId, PartClock> = BTreeMap::new();
    let mut decisions = Vec::new();
    for (event, at) in log {
        folded.apply(event, *at);
        for (cohort, part) in &folded.parts {
            let clock = clocks.entry(*cohort).or_default();
            if part.clock.deadline.is_some() && clock.complete_at.is_none() {
                clock.complete_at = Some(*at);
            }
            match (part.clock.paused_at, clock.paused_since) {
                (Some(paused_at), None) => clock.paused_since = Some(paused_at),
                (None, Some(since)) => {
                    clock.paused += (*at - since).max(Duration::zero());
                    clock.paused_since = None;
                }
                _ => {}
            }
        }
        let (cohort, approved) = match event {
            AccessEvent::Approved { cohort, .. } => (*cohort, true),
            AccessEvent::Rejected { cohort, .. } => (*cohort, false),
            _ => continue,
        };
        let (Some(part), Some(clock)) = (folded.parts.get(&cohort), clocks.get(&cohort)) else { continue };
        let decided = matches!(part.state, PartState::Approved { .. } | PartState::Rejected { .. });
        let (Some(complete_at), Some(deadline), true) = (clock.complete_at, part.clock.deadline, decided)
        else {
            continue;
        };
        decisions.push(AccessDecision {
            application,
            cohort,
            node: part.node,
            complete_at,
            decided_at: *at,
            approved,
            days: (*at - complete_at - clock.paused).num_days().max(0),
            deadline,
            extended: part.clock.extended,
            applicant: folded.applicant,
        });
    }
    decisions
}

/// A proposal's way through its call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalFacts {
    pub proposal: ProposalId,
    pub call: CallId,
    pub company_kind: Option<CompanyKind>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was screened, and whether it was found eligible.
    pub screened: Option<(DateTime<Utc>, bool)>,
    /// When the board recorded its decision, and which.
    pub decided: Option<(DateTime<Utc>, Decision)>,
    /// Each reviewer's first review sent in, and when.
    pub reviews: Vec<(PersonId, DateTime<Utc>)>,
}

/// The facts of one proposal's log (`None` for an empty log).
pub fn proposal_facts(
    proposal: ProposalId,
    company_kind: Option<CompanyKind>,
    log: &[(ProposalEvent, DateTime<Utc>)],
) -> Option<ProposalFacts> {
    let mut folded = Proposal::default();
    let (mut submitted_at, mut screened, mut decided) = (None, None, None);
    let mut reviews: Vec<(PersonId, DateTime<Utc>)> = Vec::new();
    for (event, at) in log {
        if let ProposalEvent::ReviewSubmitted { reviewer, .. } = event
            && !reviews.iter().any(|(r, _)| r == reviewer)
        {
            reviews.push((*reviewer, *at));
        }
        let (before, decision_before) = (folded.state, folded.decision.as_ref().map(|d| d.0));
        folded.apply(event, *at);
        match (before, folded.state) {
            (before, after) if before == after => {}
            (_, ProposalState::Submitted) if submitted_at.is_none() => submitted_at = Some(*at),
            // Into review, or (a two-stage call) invited to write the full proposal.
            (ProposalState::Submitted, ProposalState::InReview | ProposalState::Draft) => {
                screened = Some((*at, true))
            }
            // Refused by the automatic checks as it was sent in: submitted, and screened out.
            (ProposalState::Draft, ProposalState::Ineligible) => {
                submitted_at = submitted_at.or(Some(*at));
                screened = Some((*at, false));
            }
            (_, ProposalState::Ineligible) => screened = Some((*at, false)),
            _ => {}
        }
        let decision_after = folded.decision.as_ref().map(|d| d.0);
        if decision_after != decision_before {
            decided = decision_after.map(|d| (*at, d));
        }
    }
    folded.created.then_some(ProposalFacts {
        proposal,
        call: folded.call,
        company_kind,
        submitted_at,
        screened,
        decided,
        reviews,
    })
}

/// An agreement as the leverage KPIs see it: the version that first came into force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementFacts {
    pub agreement: AgreementId,
    /// The nodes whose business it is.
    pub nodes: Vec<NodeId>,
    pub in_force_at: Option<DateTime<Utc>>,
    /// The kinds of the companies among its parties.
    pub company_kinds: Vec<CompanyKind>,
    /// The companies' own cash and in kind.
    pub industry: i64,
    /// Public grants and the research organisations' own contributions.
    pub public: i64,
}

fn company_kind(kind: PartyKind) -> Option<CompanyKind> {
    CompanyKind::ALL.iter().copied().find(|k| PartyKind::of_company(*k) == kind)
}

/// The facts of one agreement's log.
pub fn agreement_facts(
    agreement: AgreementId,
    nodes: Vec<NodeId>,
    log: &[(AgreementEvent, DateTime<Utc>)],
) -> AgreementFacts {
    let mut folded = Agreement::default();
    let mut in_force_at = None;
    for (event, at) in log {
        folded.apply(event, *at);
        if in_force_at.is_none() && folded.in_force.is_some() {
            in_force_at = Some(*at);
        }
    }
    let first_signed =
        folded.signed_versions.first().and_then(|n| folded.versions.iter().find(|v| v.number == *n));
    let terms = first_signed.map(|v| &v.content.terms);
    let money = terms.and_then(|t| t.money().ok());
    let mut company_kinds: Vec<CompanyKind> =
        terms.map(|t| t.parties.iter().filter_map(|p| company_kind(p.kind)).collect()).unwrap_or_default();
    company_kinds.sort();
    company_kinds.dedup();
    AgreementFacts {
        agreement,
        nodes,
        in_force_at,
        company_kinds,
        industry: money.as_ref().map_or(0, |m| m.industry.0),
        public: money.as_ref().map_or(0, |m| m.public_grants.0 + m.public_cofinancing.0),
    }
}
