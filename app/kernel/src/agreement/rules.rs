//! Who gives commands ([`Actor`]), the facts from outside the log the rules need
//! ([`AgreementFacts`]), and the agreement's rules: the permission table (`may`, deny by
//! default) and the checks of values (`check`).

use crate::ids::{AgreementId, CompanyId, NodeId, OrganisationId, PersonId, ProposalId};
use crate::workflow::{self, Aggregate, require};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::canonical;
use super::review::{Approval, ApprovalPlan, ApprovalRole, InternalReview, MAX_ROLES};
use super::schedule::MilestoneStatus;
use super::signing::{self, SignatureRecord, chain_hash};
use super::terms::{MAX_LINK, Terms};
use super::{Agreement, AgreementState, Command, Event, Origin, Permission, Refusal, Visibility};

/// Longest reason, comment, note or closing report.
pub const MAX_TEXT: usize = 5_000;

/// The roles a person holds, as far as agreements are concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub administrator: bool,
    pub board: bool,
}

/// A signed-in person: their roles, the organisations they belong to and the nodes they
/// coordinate. Whether they sign this agreement is read from its log (the signatories
/// and researchers it names); whether they approve it, from [`AgreementFacts::approvers`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub roles: Roles,
    pub organisations: BTreeSet<OrganisationId>,
    pub coordinates: BTreeSet<NodeId>,
}

/// Who gives a command or looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The portal itself: expiry at the end date.
    System,
    Person(Person),
}

impl Actor {
    pub fn person(&self) -> Option<&Person> {
        match self {
            Actor::System => None,
            Actor::Person(person) => Some(person),
        }
    }

    pub fn id(&self) -> Option<PersonId> {
        self.person().map(|p| p.id)
    }
}

/// The proposal an agreement may be created from: selected, its agreement not yet begun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectedProposal {
    pub proposal: ProposalId,
    pub company: CompanyId,
}

/// What the rules need from outside the agreement's log, read in the same transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementFacts {
    /// The agreement's id: part of the text that is signed.
    pub agreement: AgreementId,
    pub selected_proposal: Option<SelectedProposal>,
    /// The nodes involved (the parties' nodes, the call's): their coordinators take part.
    pub nodes: BTreeSet<NodeId>,
    /// Who holds each approval role for this agreement (the legal office, finance, …).
    pub approvers: BTreeMap<ApprovalRole, BTreeSet<PersonId>>,
}

impl AgreementFacts {
    pub fn holds(&self, person: PersonId, role: ApprovalRole) -> bool {
        self.approvers.get(&role).is_some_and(|people| people.contains(&person))
    }
}

pub type Context = workflow::Context<AgreementFacts>;

/// How a person stands to this agreement: what the table and the visibility ask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub administrator: bool,
    pub board: bool,
    /// Belongs to a party's organisation.
    pub member: bool,
    /// Coordinates a node involved.
    pub coordinator: bool,
    /// Named to sign (a signatory, or a researcher giving an undertaking).
    pub signer: bool,
    /// Holds one of the agreement's approval roles.
    pub approver: bool,
}

impl Standing {
    /// Works on the agreement: administrators, the parties' people, the nodes' coordinators.
    pub fn takes_part(&self) -> bool {
        self.administrator || self.member || self.coordinator
    }
}

crate::text_refusals!(Refusal);

fn need(text: &str) -> Result<String, Refusal> {
    workflow::reason(text, MAX_TEXT)
}

fn required(field: &str, text: &str) -> Result<String, Refusal> {
    workflow::required_text(field, text, MAX_TEXT)
}

fn optional(field: &str, text: &str, max: usize) -> Result<Option<String>, Refusal> {
    workflow::optional_text(field, text, max)
}

fn bounded(terms: &Terms) -> Result<(), Refusal> {
    terms.check_bounds().map_err(|p| Refusal::Invalid(p.field, p.key))
}

/// A plan as set: may be empty until the review is asked for, never repeats a role.
fn plan_fits(plan: &ApprovalPlan) -> Result<(), Refusal> {
    require(plan.roles.is_empty() || plan.sane(), invalid("approval", "agreement.refused.approval_plan"))?;
    require(plan.roles.len() <= MAX_ROLES, invalid("approval", "agreement.refused.approval_plan"))
}

impl Agreement {
    pub fn standing(&self, actor: &Actor, facts: &AgreementFacts) -> Standing {
        let Some(person) = actor.person() else { return Standing::default() };
        Standing {
            administrator: person.roles.administrator,
            board: person.roles.board,
            member: person.organisations.iter().any(|o| self.is_party(*o)),
            coordinator: person.coordinates.iter().any(|n| facts.nodes.contains(n)),
            signer: self.names_signer(person.id),
            approver: self.approval.roles.iter().any(|r| facts.holds(person.id, *r)),
        }
    }

    /// The roles that may approve now.
    fn roles_due(&self) -> BTreeSet<ApprovalRole> {
        self.review.as_ref().map(|r| self.approval.due(&r.approvals)).unwrap_or_default()
    }

    /// The parties of the latest version that have not accepted it.
    fn parties_to_accept(&self) -> BTreeSet<OrganisationId> {
        let Some(latest) = self.latest() else { return BTreeSet::new() };
        latest
            .content
            .terms
            .parties
            .iter()
            .map(|p| p.organisation)
            .filter(|o| self.accepted.get(o).is_none_or(|a| a.version != latest.number))
            .collect()
    }

    /// A sent version's content must be complete.
    fn complete(&self, number: u32) -> Result<(), Refusal> {
        let version = self.version(number).ok_or(Refusal::WrongState)?;
        let missing = version.content.missing();
        if missing.is_empty() { Ok(()) } else { Err(Refusal::Incomplete(missing)) }
    }

    /// The review under way, when this person holds this role and the role is due.
    fn reviewing_as(
        &self,
        role: ApprovalRole,
        person: PersonId,
        facts: &AgreementFacts,
    ) -> Result<&InternalReview, Refusal> {
        require(self.roles_due().contains(&role) && facts.holds(person, role), Refusal::NotAllowed)?;
        self.review.as_ref().ok_or(Refusal::WrongState)
    }

    fn in_force_terms(&self) -> Result<&Terms, Refusal> {
        self.in_force_version().map(|v| &v.content.terms).ok_or(Refusal::WrongState)
    }

    fn sign(&self, actor: &Actor, command: &Command, now: DateTime<Utc>) -> Result<Vec<Event>, Refusal> {
        let Command::Sign { capacity, request, authentication, client } = command else {
            return Err(Refusal::WrongState);
        };
        let round = self.signing.as_ref().ok_or(Refusal::WrongState)?;
        let signer = actor.id().ok_or(Refusal::NotAllowed)?;
        let slot = self
            .pending_slots()
            .into_iter()
            .find(|s| s.signer == signer && s.capacity == *capacity)
            .ok_or(invalid("capacity", "agreement.sign.refused.capacity"))?;
        require(request.version == round.version && request.hash == round.hash, Refusal::HashMismatch)?;
        signing::reauthenticated(request.requested_at, authentication.auth_time, now)
            .map_err(Refusal::Reauthentication)?;
        require(
            signing::evidence_fits(request, authentication, client),
            invalid("evidence", "agreement.sign.refused.evidence"),
        )?;
        let waiting_for = self.waiting_for(&slot);
        require(waiting_for.is_empty(), Refusal::OutOfOrder { waiting_for })?;
        let record = SignatureRecord {
            version: round.version,
            hash: round.hash.clone(),
            signer,
            name: slot.name,
            capacity: slot.capacity,
            authority: slot.authority,
            issuer: authentication.issuer.trim().to_owned(),
            subject: authentication.subject.trim().to_owned(),
            acr: authentication.acr.as_ref().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()),
            amr: authentication.amr.iter().map(|m| m.trim().to_owned()).collect(),
            auth_time: authentication.auth_time,
            requested_at: request.requested_at,
            nonce: request.nonce.trim().to_owned(),
            server_time: now,
            ip: client.ip.trim().to_owned(),
            user_agent: client.user_agent.trim().to_owned(),
            previous: self.signatures.last().map(chain_hash),
        };
        let last = self.pending_slots().len() == 1;
        let mut events = vec![Event::Signed(Box::new(record))];
        if last {
            events.push(Event::CameIntoForce { version: round.version });
        }
        Ok(events)
    }
}

impl Aggregate for Agreement {
    type Command = Command;
    type Event = Event;
    type Actor = Actor;
    type Facts = AgreementFacts;
    type Refusal = Refusal;
    type Visibility = Visibility;

    fn apply(&mut self, event: &Event, at: DateTime<Utc>) {
        self.apply_event(event, at);
    }

    fn candidates(&self) -> Vec<Permission> {
        Permission::ALL.to_vec()
    }

    fn may(&self, actor: &Actor, permission: Permission, context: &Context) -> Result<(), Refusal> {
        use AgreementState::*;
        let facts = &context.facts;
        let standing = self.standing(actor, facts);
        let (admin, side) = (standing.administrator, standing.takes_part());
        let state = self.state;
        let in_force = self.in_force.is_some() && !state.closed();
        let may = |who: bool, when: bool| {
            require(who, Refusal::NotAllowed)?;
            require(when, Refusal::WrongState)
        };
        let creating = matches!(permission, Permission::CreateFromProposal | Permission::CreateOutsideCall);
        if !creating && !self.created {
            return Err(Refusal::WrongState);
        }
        let person = actor.person();
        match permission {
            Permission::CreateFromProposal => {
                let company = facts.selected_proposal.map(|p| p.company.organisation());
                let represents = person.zip(company).is_some_and(|(p, c)| p.organisations.contains(&c));
                may(admin || represents, !self.created && company.is_some())
            }
            Permission::CreateOutsideCall => may(admin, !self.created),
            Permission::Edit | Permission::SendForInternalReview => {
                may(side, matches!(state, Draft | Negotiation))
            }
            Permission::Approve | Permission::RequestChanges => {
                let holds = person.is_some_and(|p| self.roles_due().iter().any(|r| facts.holds(p.id, *r)));
                may(holds, state == InternalReview)
            }
            Permission::ShareVersion => may(side, state == Negotiation && self.working().is_some()),
            Permission::Comment => {
                may(side || standing.approver, matches!(state, InternalReview | Negotiation))
            }
            Permission::Accept => {
                let pending = self.parties_to_accept();
                let represents = person.is_some_and(|p| p.organisations.iter().any(|o| pending.contains(o)));
                let sent = self.latest().is_some_and(|v| v.frozen());
                may(represents, state == Negotiation && sent)
            }
            Permission::SendForSignature => may(side, state == Approved),
            Permission::Sign => {
                let id = actor.id();
                let mine: Vec<_> =
                    self.pending_slots().into_iter().filter(|s| Some(s.signer) == id).collect();
                may(standing.signer, state == OutForSignature && !mine.is_empty())?;
                let waits: Vec<Vec<PersonId>> = mine.iter().map(|s| self.waiting_for(s)).collect();
                let my_turn = waits.iter().any(Vec::is_empty);
                require(my_turn, Refusal::OutOfOrder { waiting_for: waits.concat() })
            }
            Permission::StartAmendment | Permission::Complete => may(side, state == Active),
            Permission::TrackProgress => may(side, in_force && state != OnHold),
            Permission::Hold => may(admin, !state.closed() && state != OnHold),
            Permission::Resume => may(admin, state == OnHold),
            Permission::Withdraw => may(admin || standing.member, state.before_signing()),
            Permission::Terminate => may(admin, in_force),
            Permission::Expire => may(*actor == Actor::System, in_force),
        }
    }

    fn check(&self, actor: &Actor, command: &Command, context: &Context) -> Result<Vec<Event>, Refusal> {
        let facts = &context.facts;
        let by = actor.id().unwrap_or_default();
        let latest = self.latest().map(|v| v.number).unwrap_or_default();
        match command {
            Command::CreateFromProposal { proposal, company, approval, terms } => {
                let selected = SelectedProposal { proposal: *proposal, company: *company };
                require(
                    facts.selected_proposal == Some(selected),
                    invalid("proposal", "agreement.refused.proposal"),
                )?;
                require(
                    terms.party(company.organisation()).is_some(),
                    invalid("parties", "agreement.refused.company_missing"),
                )?;
                plan_fits(approval)?;
                bounded(terms)?;
                let origin = Origin::Proposal { proposal: *proposal, company: *company };
                Ok(vec![Event::Created { origin, approval: approval.clone(), terms: terms.clone() }])
            }
            Command::CreateOutsideCall { approval, terms } => {
                plan_fits(approval)?;
                bounded(terms)?;
                Ok(vec![Event::Created {
                    origin: Origin::OutsideCall,
                    approval: approval.clone(),
                    terms: terms.clone(),
                }])
            }
            Command::ChooseModel { model } => {
                model.validate().map_err(Refusal::Model)?;
                Ok(vec![Event::ModelChosen { version: self.next_edit(), model: model.clone() }])
            }
            Command::Revise { terms } => {
                bounded(terms)?;
                Ok(vec![Event::Revised { version: self.next_edit(), terms: terms.clone() }])
            }
            Command::SetApprovalPlan { approval } => {
                plan_fits(approval)?;
                Ok(vec![Event::ApprovalPlanSet { approval: approval.clone() }])
            }
            Command::SendForInternalReview => {
                require(self.approval.sane(), invalid("approval", "agreement.refused.approval_plan"))?;
                self.complete(latest)?;
                Ok(vec![Event::SentForInternalReview { version: latest, return_to: self.state }])
            }
            Command::Approve { role } => {
                let review = self.reviewing_as(*role, by, facts)?;
                let mut approvals = review.approvals.clone();
                approvals.insert(*role, Approval { by, at: context.now });
                let mut events = vec![Event::RoleApproved { role: *role, by }];
                if self.approval.complete(&approvals) {
                    events.push(Event::InternalReviewPassed { version: review.version });
                }
                Ok(events)
            }
            Command::RequestChanges { role, reason } => {
                let return_to = self.reviewing_as(*role, by, facts)?.return_to;
                Ok(vec![Event::ChangesRequested { role: *role, by, reason: need(reason)?, return_to }])
            }
            Command::ShareVersion => {
                self.complete(latest)?;
                Ok(vec![Event::VersionShared { version: latest }])
            }
            Command::Comment { version, clause, text } => {
                require(
                    self.version(*version).is_some_and(|v| v.frozen()),
                    invalid("version", "agreement.refused.version"),
                )?;
                let text = required("text", text)?;
                Ok(vec![Event::Commented { by, version: *version, clause: *clause, text }])
            }
            Command::AcceptVersion { party, version } => {
                require(*version == latest, invalid("version", "agreement.refused.stale_version"))?;
                let pending = self.parties_to_accept();
                let represents = actor.person().is_some_and(|p| p.organisations.contains(party));
                require(represents && pending.contains(party), Refusal::NotAllowed)?;
                let mut events = vec![Event::VersionAccepted { party: *party, version: *version, by }];
                if pending.len() == 1 {
                    events.push(Event::Approved { version: *version });
                }
                Ok(events)
            }
            Command::SendForSignature => {
                let version = self.latest().filter(|v| v.frozen()).ok_or(Refusal::WrongState)?;
                let hash = canonical::version_hash(facts.agreement, version.number, &version.content);
                Ok(vec![Event::SentForSignature { version: version.number, hash }])
            }
            Command::Sign { .. } => self.sign(actor, command, context.now),
            Command::StartAmendment { reason } => {
                Ok(vec![Event::AmendmentStarted { version: latest + 1, reason: need(reason)? }])
            }
            Command::UpdateMilestone { code, status, evidence, note } => {
                let terms = self.in_force_terms()?;
                let milestone = terms
                    .milestones
                    .iter()
                    .find(|m| m.code == *code)
                    .ok_or(invalid("code", "agreement.refused.milestone"))?;
                if matches!(
                    status,
                    MilestoneStatus::Accepted | MilestoneStatus::Rejected | MilestoneStatus::Waived
                ) {
                    // Another than the party that delivers it judges the delivery.
                    let standing = self.standing(actor, facts);
                    let other_party = actor.person().is_some_and(|p| {
                        p.organisations.iter().any(|o| *o != milestone.responsible && self.is_party(*o))
                    });
                    require(
                        standing.administrator || standing.coordinator || other_party,
                        Refusal::NotAllowed,
                    )?;
                }
                Ok(vec![Event::MilestoneUpdated {
                    code: code.clone(),
                    status: *status,
                    evidence: optional("evidence", evidence, MAX_LINK)?,
                    note: optional("note", note, MAX_TEXT)?,
                    by,
                }])
            }
            Command::RecordObligationMet { code, due, evidence } => {
                let terms = self.in_force_terms()?;
                let obligation = terms
                    .obligations
                    .iter()
                    .find(|o| o.code == *code)
                    .ok_or(invalid("code", "agreement.refused.obligation"))?;
                require(
                    obligation.occurrences(terms.end).contains(due),
                    invalid("due", "agreement.refused.obligation"),
                )?;
                require(!self.tracking.met(code, *due), invalid("due", "agreement.refused.obligation_met"))?;
                let evidence = optional("evidence", evidence, MAX_LINK)?;
                Ok(vec![Event::ObligationMet { code: code.clone(), due: *due, evidence, by }])
            }
            Command::PutOnHold { reason } => Ok(vec![Event::PutOnHold { reason: need(reason)? }]),
            Command::Resume => Ok(vec![Event::Resumed { to: self.held_from.unwrap_or_default() }]),
            Command::Withdraw { reason } => {
                let reason = need(reason)?;
                Ok(vec![if self.amending() {
                    Event::AmendmentAbandoned { reason }
                } else {
                    Event::Withdrawn { reason }
                }])
            }
            Command::Terminate { reason } => Ok(vec![Event::Terminated { reason: need(reason)? }]),
            Command::Expire => {
                let end = self.in_force_terms()?.end;
                match end {
                    Some(end) if context.today() > end => Ok(vec![Event::Expired { end }]),
                    _ => Err(Refusal::NotEnded { end }),
                }
            }
            Command::Complete { trl_reached, report } => {
                require((1..=9).contains(trl_reached), invalid("trl_reached", "form.trl"))?;
                let report = required("report", report)?;
                let terms = self.in_force_terms()?;
                let open: Vec<String> = terms
                    .milestones
                    .iter()
                    .filter(|m| !self.tracking.status(&m.code).settled())
                    .map(|m| m.code.clone())
                    .collect();
                require(open.is_empty(), Refusal::OpenMilestones(open))?;
                Ok(vec![Event::Completed { trl_reached: *trl_reached, report }])
            }
        }
    }

    fn visibility(&self, actor: &Actor, facts: &AgreementFacts) -> Visibility {
        self.visibility_with(actor, facts)
    }
}
