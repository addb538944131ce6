//! A collaboration agreement as the fold of its events: created from a selected proposal
//! (or by an administrator for a collaboration outside a call), drafted on a
//! collaboration model, reviewed internally by named roles, negotiated in versions that
//! freeze when sent, approved by every party, signed in order with fresh sign-ins and
//! hash-chained evidence, then followed up (milestones, obligations) until it completes,
//! expires or is terminated. An amendment runs the same way while the signed version
//! stays in force.
//!
//! [`Agreement::may`](crate::workflow::Aggregate::may) is the permission table (in
//! `rules`), `check` the rules about values, [`Agreement::visibility`] what each person
//! may see. The parts are modules by concept: [`model`] and [`examples`] (collaboration
//! models), [`guide`] (the guided choice), [`terms`] (the typed data) and [`form`] (it
//! as a browser edits it), [`money`]
//! (contributions and state aid), [`review`] (internal approval), [`schedule`]
//! (follow-up), [`render`] and [`canonical`] (the text that is signed, its hash and the
//! version diff), [`signing`] (order, re-authentication, evidence).

pub mod canonical;
pub mod examples;
pub mod form;
pub mod guide;
pub mod model;
pub mod money;
pub mod render;
pub mod review;
pub mod schedule;
pub mod signing;
pub mod terms;

mod commands;
mod rules;
mod visibility;

pub use commands::*;
pub use examples::example_models;
pub use rules::*;
pub use visibility::*;

use crate::codes::code_list;
use crate::ids::{CompanyId, OrganisationId, PersonId, ProposalId};
use crate::workflow::{Aggregate, EventKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use canonical::VersionDiff;
use model::Heading;
use review::{Approval, ApprovalPlan, ChecklistItem, InternalReview};
use schedule::{Fulfilment, Progress, Reminder, Tracking};
use signing::{Capacity, SignatureRecord, Slot};
use terms::{Content, Terms};

code_list!(
    /// Where an agreement is in its life.
    #[derive(Default)]
    AgreementState {
        #[default]
        Draft = "draft",
        InternalReview = "internal_review",
        Negotiation = "negotiation",
        Approved = "approved",
        OutForSignature = "out_for_signature",
        Active = "active",
        Completed = "completed",
        OnHold = "on_hold",
        Withdrawn = "withdrawn",
        Terminated = "terminated",
        Expired = "expired",
    }
);

impl AgreementState {
    /// Over for good.
    pub fn closed(self) -> bool {
        matches!(
            self,
            AgreementState::Completed
                | AgreementState::Withdrawn
                | AgreementState::Terminated
                | AgreementState::Expired
        )
    }

    /// On the way to a signature (the first one, or an amendment's).
    pub fn before_signing(self) -> bool {
        matches!(
            self,
            AgreementState::Draft
                | AgreementState::InternalReview
                | AgreementState::Negotiation
                | AgreementState::Approved
                | AgreementState::OutForSignature
        )
    }
}

/// Where the agreement came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "origin")]
pub enum Origin {
    /// Started from a selected proposal of this company.
    Proposal { proposal: ProposalId, company: CompanyId },
    /// Started by an administrator for a collaboration outside a call.
    #[default]
    OutsideCall,
}

/// One version of the agreement. Sent (to internal review, to the parties) it is frozen
/// and never changes again; the next edit starts a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub number: u32,
    pub content: Content,
    pub sent_at: Option<DateTime<Utc>>,
}

impl Version {
    pub fn frozen(&self) -> bool {
        self.sent_at.is_some()
    }
}

/// A party's acceptance of a version in negotiation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    pub version: u32,
    pub by: PersonId,
    pub at: DateTime<Utc>,
}

/// A party's comment on one clause of a sent version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseComment {
    pub by: PersonId,
    pub version: u32,
    pub clause: Heading,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// The version out for signature, and the hash every signature of it must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningRound {
    pub version: u32,
    pub hash: String,
}

/// The agreement, as the fold of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub created: bool,
    pub origin: Origin,
    pub state: AgreementState,
    /// Who reviews internally, and in what order.
    pub approval: ApprovalPlan,
    pub versions: Vec<Version>,
    /// The signed version in force (kept through an amendment until the next is signed).
    pub in_force: Option<u32>,
    /// Every version that came into force, oldest first: the signed documents.
    pub signed_versions: Vec<u32>,
    pub review: Option<InternalReview>,
    pub comments: Vec<ClauseComment>,
    pub accepted: BTreeMap<OrganisationId, Acceptance>,
    pub signing: Option<SigningRound>,
    /// Every signature ever given, in order, each chained to the one before.
    pub signatures: Vec<SignatureRecord>,
    /// The state an agreement on hold resumes to.
    pub held_from: Option<AgreementState>,
    pub tracking: Tracking,
    pub trl_reached: Option<u8>,
    /// Why it was withdrawn or terminated, or the closing report.
    pub closing: Option<String>,
}

/// A change of state, for the audit trail: the event's kind, from (nothing, for the
/// creation), to, and its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub kind: &'static str,
    pub from: Option<AgreementState>,
    pub to: AgreementState,
    pub reason: Option<String>,
}

impl Agreement {
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }

    pub fn version(&self, number: u32) -> Option<&Version> {
        self.versions.iter().find(|v| v.number == number)
    }

    /// The version being edited: the latest, while it has not been sent.
    pub fn working(&self) -> Option<&Version> {
        self.latest().filter(|v| !v.frozen())
    }

    pub fn in_force_version(&self) -> Option<&Version> {
        self.in_force.and_then(|n| self.version(n))
    }

    /// What the agreement says now: the version in force, or else the latest.
    pub fn current(&self) -> Option<&Version> {
        self.in_force_version().or_else(|| self.latest())
    }

    /// An amendment is under way: a signed version is in force and a new one is not yet.
    pub fn amending(&self) -> bool {
        self.in_force.is_some() && self.state.before_signing()
    }

    /// The number the next edit writes: the working version's, or a new one.
    pub fn next_edit(&self) -> u32 {
        match self.latest() {
            Some(v) if !v.frozen() => v.number,
            Some(v) => v.number + 1,
            None => 1,
        }
    }

    /// The versions whose people take part: the latest and the one in force.
    fn named_in(&self) -> impl Iterator<Item = &Terms> {
        let in_force = self.in_force_version().filter(|v| Some(v.number) != self.latest().map(|l| l.number));
        self.latest().into_iter().chain(in_force).map(|v| &v.content.terms)
    }

    /// The company whose proposal started the agreement.
    fn proposer(&self) -> Option<OrganisationId> {
        match self.origin {
            Origin::Proposal { company, .. } => Some(company.organisation()),
            Origin::OutsideCall => None,
        }
    }

    /// A party of the latest version or of the one in force, or the company whose
    /// proposal started it: its members take part.
    pub fn is_party(&self, organisation: OrganisationId) -> bool {
        self.proposer() == Some(organisation) || self.named_in().any(|t| t.party(organisation).is_some())
    }

    /// Every organisation [`Agreement::is_party`] names, for the lists' queries.
    pub fn party_organisations(&self) -> BTreeSet<OrganisationId> {
        let parties = self.named_in().flat_map(|t| t.parties.iter().map(|p| p.organisation));
        parties.chain(self.proposer()).collect()
    }

    /// Named to sign the latest version or the one in force: a signatory or a researcher.
    pub fn names_signer(&self, person: PersonId) -> bool {
        self.named_in().any(|t| {
            t.parties.iter().any(|p| p.signatories.iter().any(|s| s.person == person))
                || t.researchers.iter().any(|r| r.person == person)
        })
    }

    /// The signatures given on a version, by signer and capacity.
    pub fn signed(&self, version: u32) -> BTreeSet<(PersonId, Capacity)> {
        self.signatures.iter().filter(|s| s.version == version).map(|s| (s.signer, s.capacity)).collect()
    }

    /// The signatures the version out for signature still needs.
    pub fn pending_slots(&self) -> Vec<Slot> {
        let Some(round) = &self.signing else { return Vec::new() };
        let Some(version) = self.version(round.version) else { return Vec::new() };
        let signed = self.signed(round.version);
        signing::slots(&version.content.terms)
            .into_iter()
            .filter(|s| !signed.contains(&(s.signer, s.capacity)))
            .collect()
    }

    /// Who must sign before this slot of the round out for signature, and has not.
    pub fn waiting_for(&self, slot: &Slot) -> Vec<PersonId> {
        let Some(round) = &self.signing else { return Vec::new() };
        let Some(version) = self.version(round.version) else { return Vec::new() };
        signing::waiting_for(&version.content.terms, slot, &self.signed(round.version))
    }

    /// Every signatory and every researcher's undertaking has signed this version.
    pub fn fully_signed(&self, version: u32) -> bool {
        let signed = self.signed(version);
        self.version(version).is_some_and(|v| {
            signing::slots(&v.content.terms).iter().all(|s| signed.contains(&(s.signer, s.capacity)))
        })
    }

    /// The internal review's checklist: every role, approved, pending or waiting.
    pub fn checklist(&self) -> Vec<ChecklistItem> {
        let approvals = self.review.as_ref().map(|r| r.approvals.clone()).unwrap_or_default();
        self.approval.checklist(&approvals)
    }

    /// The reminders due today for the version in force.
    pub fn due_reminders(&self, today: NaiveDate) -> Vec<Reminder> {
        let Some(version) = self.in_force_version().filter(|_| !self.state.closed()) else {
            return Vec::new();
        };
        let terms = &version.content.terms;
        schedule::due_reminders(&terms.milestones, &terms.obligations, terms.end, &self.tracking, today)
    }

    /// The earliest open item of the version in force, while the agreement runs.
    pub fn next_due(&self) -> Option<(NaiveDate, schedule::ScheduleItem)> {
        let version = self.in_force_version().filter(|_| !self.state.closed())?;
        let terms = &version.content.terms;
        schedule::next_due(&terms.milestones, &terms.obligations, terms.end, &self.tracking)
    }

    /// What changed from one version to another.
    pub fn diff(&self, from: u32, to: u32) -> Option<VersionDiff> {
        Some(canonical::diff(&self.version(from)?.content, &self.version(to)?.content))
    }

    /// What this event changes the state from and to, if it changes it.
    pub fn transition(&self, event: &Event) -> Option<Transition> {
        let mut next = self.clone();
        next.apply(event, DateTime::<Utc>::default());
        let from = self.created.then_some(self.state);
        (from != Some(next.state)).then(|| Transition {
            kind: event.kind(),
            from,
            to: next.state,
            reason: event.reason().map(str::to_owned),
        })
    }

    /// Writes a change into version `number`: the working version, or a new one that
    /// starts as a copy of the latest.
    fn write(&mut self, number: u32, change: impl FnOnce(&mut Content)) {
        match self.versions.last_mut() {
            Some(last) if !last.frozen() && last.number == number => change(&mut last.content),
            _ => {
                let mut content = self.latest().map(|v| v.content.clone()).unwrap_or_default();
                change(&mut content);
                self.versions.push(Version { number, content, sent_at: None });
            }
        }
    }

    fn freeze(&mut self, number: u32, at: DateTime<Utc>) {
        if let Some(version) = self.versions.iter_mut().find(|v| v.number == number && !v.frozen()) {
            version.sent_at = Some(at);
        }
    }

    fn apply_event(&mut self, event: &Event, at: DateTime<Utc>) {
        use AgreementState::*;
        match event {
            Event::Created { origin, approval, terms } => {
                *self = Agreement {
                    created: true,
                    origin: *origin,
                    approval: approval.clone(),
                    ..Agreement::default()
                };
                self.versions.push(Version {
                    number: 1,
                    content: Content { model: None, terms: terms.clone() },
                    sent_at: None,
                });
            }
            Event::ModelChosen { version, model } => self.write(*version, |c| c.model = Some(model.clone())),
            Event::Revised { version, terms } => self.write(*version, |c| c.terms = terms.clone()),
            Event::ApprovalPlanSet { approval } => self.approval = approval.clone(),
            Event::SentForInternalReview { version, return_to } => {
                self.freeze(*version, at);
                self.review = Some(review::InternalReview {
                    version: *version,
                    return_to: *return_to,
                    approvals: BTreeMap::new(),
                    passed: false,
                });
                self.state = AgreementState::InternalReview;
            }
            Event::RoleApproved { role, by } => {
                if let Some(review) = self.review.as_mut() {
                    review.approvals.insert(*role, Approval { by: *by, at });
                }
            }
            Event::ChangesRequested { return_to, .. } => self.state = *return_to,
            Event::InternalReviewPassed { .. } => {
                if let Some(review) = self.review.as_mut() {
                    review.passed = true;
                }
                self.state = Negotiation;
            }
            Event::VersionShared { version } => self.freeze(*version, at),
            Event::Commented { by, version, clause, text } => self.comments.push(ClauseComment {
                by: *by,
                version: *version,
                clause: *clause,
                text: text.clone(),
                at,
            }),
            Event::VersionAccepted { party, version, by } => {
                self.accepted.insert(*party, Acceptance { version: *version, by: *by, at });
            }
            Event::Approved { .. } => self.state = Approved,
            Event::SentForSignature { version, hash } => {
                self.signing = Some(SigningRound { version: *version, hash: hash.clone() });
                self.state = OutForSignature;
            }
            Event::Signed(record) => self.signatures.push(record.as_ref().clone()),
            Event::CameIntoForce { version } => {
                self.in_force = Some(*version);
                self.signed_versions.push(*version);
                self.signing = None;
                self.state = Active;
            }
            Event::AmendmentStarted { version, .. } => {
                let content = self.in_force_version().map(|v| v.content.clone()).unwrap_or_default();
                self.versions.push(Version { number: *version, content, sent_at: None });
                self.accepted.clear();
                self.review = None;
                self.state = Negotiation;
            }
            Event::AmendmentAbandoned { .. } => {
                self.signing = None;
                self.review = None;
                self.state = Active;
            }
            Event::MilestoneUpdated { code, status, evidence, note, by } => {
                let progress =
                    Progress { status: *status, evidence: evidence.clone(), note: note.clone(), by: *by, at };
                self.tracking.milestones.insert(code.clone(), progress);
            }
            Event::ObligationMet { code, due, evidence, by } => {
                let fulfilment = Fulfilment { evidence: evidence.clone(), by: *by, at };
                self.tracking.obligations.entry(code.clone()).or_default().insert(*due, fulfilment);
            }
            Event::PutOnHold { .. } => {
                self.held_from = Some(self.state);
                self.state = OnHold;
            }
            Event::Resumed { to } => {
                self.held_from = None;
                self.state = *to;
            }
            Event::Withdrawn { reason } | Event::Terminated { reason } => {
                self.state = if matches!(event, Event::Withdrawn { .. }) { Withdrawn } else { Terminated };
                self.closing = Some(reason.clone());
            }
            Event::Expired { .. } => self.state = Expired,
            Event::Completed { trl_reached, report } => {
                self.trl_reached = Some(*trl_reached);
                self.closing = Some(report.clone());
                self.state = Completed;
            }
        }
    }
}

/// The changes of state a log records, in order: the audit trail's transitions.
pub fn transitions<'a>(events: impl IntoIterator<Item = (&'a Event, DateTime<Utc>)>) -> Vec<Transition> {
    let mut agreement = Agreement::default();
    let mut found = Vec::new();
    for (event, at) in events {
        found.extend(agreement.transition(event));
        agreement.apply(event, at);
    }
    found
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
