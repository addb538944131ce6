//! An access application as a pure state machine: a command is checked against the
//! permission table (who may give which command in which state) and then its values, and
//! answers events or a refusal; the state is the fold of its events (REMS' design). One
//! application can ask for cohorts at several nodes: each cohort is a *part* that its
//! node's committee handles and decides alone.
//!
//! Every command lives in [`Command`], every event in [`Event`]; [`Application::may`] is the
//! table, [`Application::check`] the rules about values, [`Application::visibility`] what
//! each person may see. "Someone on the team, or with a declared conflict, takes no part in
//! the committee's business" is [`Application::excluded`], and nothing else says it.

pub mod clock;
pub mod votes;

use crate::ids::{CohortId, NodeId, PersonId};
use crate::workflow::{self, Aggregate, EventKind, Permissioned, require, text_fits};
use chrono::{DateTime, NaiveDate, Utc};
use clock::{ClockRules, DecisionClock};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use votes::{Tally, Vote, VoteRule, tally};

/// Longest free text a command may carry (questions, reasons, remarks, advice).
pub const MAX_TEXT: usize = 5_000;

/// The committee seats a person's roles give: whole nodes (committee members and
/// coordinators of a node), and single cohorts (committee members for a cohort).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seats {
    pub nodes: BTreeSet<NodeId>,
    pub cohorts: BTreeSet<CohortId>,
}

impl Seats {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.cohorts.is_empty()
    }

    fn cover(&self, part: &Part) -> bool {
        self.nodes.contains(&part.node) || self.cohorts.contains(&part.cohort)
    }
}

/// Who gives a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The portal itself (expiry, reminders).
    System,
    Person {
        id: PersonId,
        seats: Seats,
        /// Holds the reviewer role: only reviewers read what they were asked to advise on.
        reviewer: bool,
    },
}

impl Actor {
    pub fn person(id: PersonId) -> Actor {
        Actor::Person { id, seats: Seats::default(), reviewer: false }
    }

    pub fn committee(id: PersonId, nodes: &[NodeId]) -> Actor {
        let seats = Seats { nodes: nodes.iter().copied().collect(), cohorts: BTreeSet::new() };
        Actor::Person { id, seats, reviewer: false }
    }

    /// A committee member for these cohorts only.
    pub fn cohort_committee(id: PersonId, cohorts: &[CohortId]) -> Actor {
        let seats = Seats { nodes: BTreeSet::new(), cohorts: cohorts.iter().copied().collect() };
        Actor::Person { id, seats, reviewer: false }
    }

    pub fn id(&self) -> Option<PersonId> {
        match self {
            Actor::System => None,
            Actor::Person { id, .. } => Some(*id),
        }
    }

    /// A reviewer asked for advice (holding the reviewer role).
    pub fn reviewer(id: PersonId) -> Actor {
        Actor::Person { id, seats: Seats::default(), reviewer: true }
    }

    fn holds_reviewer_role(&self) -> bool {
        matches!(self, Actor::Person { reviewer: true, .. })
    }

    fn seats(&self) -> Option<&Seats> {
        match self {
            Actor::System => None,
            Actor::Person { seats, .. } => Some(seats),
        }
    }
}

/// What the rules need from outside the log, read in the same transaction: the seats of
/// the people who serve this application's nodes, and who holds the reviewer role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFacts {
    pub seats: BTreeMap<PersonId, Seats>,
    pub reviewers: BTreeSet<PersonId>,
}

pub type Context = workflow::Context<AccessFacts>;

impl workflow::Context<AccessFacts> {
    /// A context with no outside facts: nobody can be made handler or reviewer.
    pub fn at(now: DateTime<Utc>) -> Context {
        workflow::Context::with(now, AccessFacts::default())
    }
}

/// How a node decides: its clock and its voting rule (configurable per node). An
/// application keeps the rules in force when it was started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRules {
    pub clock: ClockRules,
    pub votes: VoteRule,
    /// The committee's chair, whose vote breaks a tie where the rule says so.
    pub chair: Option<PersonId>,
}

/// Where the application as a whole stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    /// With the committees (some parts submitted or under review).
    Submitted,
    /// At least one node sent it back with questions: the applicant edits and resubmits.
    Returned,
    /// Every part has a decision.
    Decided,
    Withdrawn,
    Closed,
}

/// Where one cohort's part stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum PartState {
    Draft,
    Submitted,
    UnderReview { handler: PersonId },
    Returned,
    Approved { ends_on: NaiveDate, conditions: String },
    Rejected { reasons: String },
    AccessActive { starts_on: NaiveDate, ends_on: NaiveDate },
    Expired,
    Revoked { reason: String },
    Withdrawn,
}

/// Where a part stands, without the details: what lists, filters and labels need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    Draft,
    Submitted,
    UnderReview,
    Returned,
    Approved,
    Rejected,
    AccessActive,
    Expired,
    Revoked,
    Withdrawn,
}

impl PartStatus {
    pub const ALL: [PartStatus; 10] = [
        PartStatus::Draft,
        PartStatus::Submitted,
        PartStatus::UnderReview,
        PartStatus::Returned,
        PartStatus::Approved,
        PartStatus::Rejected,
        PartStatus::AccessActive,
        PartStatus::Expired,
        PartStatus::Revoked,
        PartStatus::Withdrawn,
    ];

    /// The statuses a committee's queue lists.
    pub const IN_QUEUE: [PartStatus; 3] =
        [PartStatus::Submitted, PartStatus::UnderReview, PartStatus::Returned];

    pub fn code(self) -> &'static str {
        match self {
            PartStatus::Draft => "draft",
            PartStatus::Submitted => "submitted",
            PartStatus::UnderReview => "under_review",
            PartStatus::Returned => "returned",
            PartStatus::Approved => "approved",
            PartStatus::Rejected => "rejected",
            PartStatus::AccessActive => "access_active",
            PartStatus::Expired => "expired",
            PartStatus::Revoked => "revoked",
            PartStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<PartStatus> {
        PartStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl PartState {
    pub fn status(&self) -> PartStatus {
        match self {
            PartState::Draft => PartStatus::Draft,
            PartState::Submitted => PartStatus::Submitted,
            PartState::UnderReview { .. } => PartStatus::UnderReview,
            PartState::Returned => PartStatus::Returned,
            PartState::Approved { .. } => PartStatus::Approved,
            PartState::Rejected { .. } => PartStatus::Rejected,
            PartState::AccessActive { .. } => PartStatus::AccessActive,
            PartState::Expired => PartStatus::Expired,
            PartState::Revoked { .. } => PartStatus::Revoked,
            PartState::Withdrawn => PartStatus::Withdrawn,
        }
    }

    pub fn code(&self) -> &'static str {
        self.status().code()
    }

    /// The committee still has to decide.
    pub fn in_handling(&self) -> bool {
        matches!(self, PartState::Submitted | PartState::UnderReview { .. })
    }

    pub fn decided(&self) -> bool {
        matches!(
            self,
            PartState::Approved { .. }
                | PartState::Rejected { .. }
                | PartState::AccessActive { .. }
                | PartState::Expired
                | PartState::Revoked { .. }
        )
    }
}

/// An access holder asks for a later end date: an amendment the committee decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub ends_on: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub cohort: CohortId,
    /// The node whose committee decides for this cohort.
    pub node: NodeId,
    pub state: PartState,
    pub clock: DecisionClock,
    #[serde(default)]
    pub rules: NodeRules,
    /// This round's votes, each member's last (cleared when the part goes back).
    #[serde(default)]
    pub votes: Vec<(PersonId, Vote)>,
    #[serde(default)]
    pub extension_request: Option<ExtensionRequest>,
}

impl Part {
    /// What the committee's votes allow so far.
    pub fn tally(&self) -> Tally {
        let voters: Vec<PersonId> = self.votes.iter().map(|(p, _)| *p).collect();
        tally(&self.votes, &voters, self.rules.chair, self.rules.votes)
    }
}

/// A reviewer a node's committee asked for advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub node: NodeId,
    pub person: PersonId,
    /// `None` until declared: a reviewer sees nothing of the application before.
    pub conflicted: Option<bool>,
    pub advice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve { ends_on: NaiveDate, conditions: String },
    Reject { reasons: String },
}

crate::commands! {
    /// Everything anyone (or the portal) can ask of an application.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Command {
        /// From the basket: one part per cohort, each with its deciding node and that node's rules.
        Create {
            cohorts: Vec<(CohortId, NodeId)>,
            rules: Vec<(NodeId, NodeRules)>,
        },
        /// The invited person joins (the caller has checked the invitation's token).
        JoinTeam {
            email: String,
        },
        /// The system, when an access period has ended.
        Expire {
            cohort: CohortId,
        },
    }

    /// The commands a person gives through a form: every [`Command`] but those only the
    /// portal gives (starting an application from the basket, joining with an invitation's
    /// token, expiry), so a posted form can never ask for those.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum PersonCommand {
        /// The applicant invites someone by e-mail; they join with the link they are sent.
        InviteMember {
            email: String,
        },
        CancelInvitation {
            email: String,
        },
        RemoveMember {
            person: PersonId,
        },
        /// A member (or the applicant) accepts the terms of one cohort.
        AcceptTerms {
            cohort: CohortId,
        },
        /// The form is complete (checked by the caller against the form rules).
        Submit,
        AssignHandler {
            node: NodeId,
            handler: PersonId,
        },
        InviteReviewer {
            node: NodeId,
            reviewer: PersonId,
        },
        /// The reviewer says whether they have a conflict of interest, before seeing anything.
        DeclareConflict {
            node: NodeId,
            conflicted: bool,
            #[serde(default)]
            reason: String,
        },
        GiveAdvice {
            node: NodeId,
            advice: String,
        },
        Vote {
            cohort: CohortId,
            vote: Vote,
            #[serde(default)]
            comment: String,
        },
        /// A remark to the applicant (public) or within the committee (internal); the team
        /// answers with public remarks.
        AddRemark {
            node: NodeId,
            public: bool,
            text: String,
        },
        ReturnForChanges {
            node: NodeId,
            questions: String,
        },
        ExtendDeadline {
            node: NodeId,
            reason: String,
        },
        Decide {
            cohort: CohortId,
            decision: Decision,
        },
        Revoke {
            cohort: CohortId,
            reason: String,
        },
        /// The applicant asks for access to last longer.
        RequestExtension {
            cohort: CohortId,
            ends_on: NaiveDate,
            reason: String,
        },
        DecideExtension {
            cohort: CohortId,
            approve: bool,
            #[serde(default)]
            comment: String,
        },
        /// The yearly report on progress and publications.
        ReportProgress {
            summary: String,
            #[serde(default)]
            publications: String,
        },
        Withdraw,
        Close,
    }
}

impl PersonCommand {
    /// The commands that carry nothing but their name (a form posts `command=withdraw`).
    pub const UNIT: [&'static str; 3] = ["submit", "withdraw", "close"];
}

/// What happened. Folding these gives the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Created {
        applicant: PersonId,
        cohorts: Vec<(CohortId, NodeId)>,
        #[serde(default)]
        rules: Vec<(NodeId, NodeRules)>,
    },
    MemberInvited {
        email: String,
    },
    InvitationCancelled {
        email: String,
    },
    MemberJoined {
        person: PersonId,
        email: String,
    },
    MemberRemoved {
        person: PersonId,
    },
    TermsAccepted {
        person: PersonId,
        cohort: CohortId,
    },
    /// Version `version` went to these nodes' committees.
    Submitted {
        version: u32,
        nodes: Vec<NodeId>,
    },
    HandlerAssigned {
        node: NodeId,
        handler: PersonId,
    },
    ReviewerInvited {
        node: NodeId,
        reviewer: PersonId,
    },
    ConflictDeclared {
        node: NodeId,
        reviewer: PersonId,
        conflicted: bool,
        reason: String,
    },
    AdviceGiven {
        node: NodeId,
        reviewer: PersonId,
        advice: String,
    },
    VoteCast {
        cohort: CohortId,
        voter: PersonId,
        vote: Vote,
        comment: String,
    },
    RemarkAdded {
        node: NodeId,
        public: bool,
        text: String,
    },
    Returned {
        node: NodeId,
        questions: String,
    },
    DeadlineExtended {
        node: NodeId,
        reason: String,
    },
    Approved {
        cohort: CohortId,
        ends_on: NaiveDate,
        conditions: String,
    },
    /// Entitlements start for every member.
    AccessActivated {
        cohort: CohortId,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
    Rejected {
        cohort: CohortId,
        reasons: String,
    },
    Revoked {
        cohort: CohortId,
        reason: String,
    },
    ExtensionRequested {
        cohort: CohortId,
        ends_on: NaiveDate,
        reason: String,
    },
    ExtensionGranted {
        cohort: CohortId,
        ends_on: NaiveDate,
        comment: String,
    },
    ExtensionRefused {
        cohort: CohortId,
        comment: String,
    },
    ProgressReported {
        summary: String,
        publications: String,
    },
    Expired {
        cohort: CohortId,
    },
    Withdrawn,
    Closed,
}

/// Every kind of event, for translations and the timeline.
pub const EVENT_KINDS: [&str; 26] = [
    "created",
    "member_invited",
    "invitation_cancelled",
    "member_joined",
    "member_removed",
    "terms_accepted",
    "submitted",
    "handler_assigned",
    "reviewer_invited",
    "conflict_declared",
    "advice_given",
    "vote_cast",
    "remark_added",
    "returned",
    "deadline_extended",
    "approved",
    "access_activated",
    "rejected",
    "revoked",
    "extension_requested",
    "extension_granted",
    "extension_refused",
    "progress_reported",
    "expired",
    "withdrawn",
    "closed",
];

impl EventKind for Event {
    fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::MemberInvited { .. } => "member_invited",
            Event::InvitationCancelled { .. } => "invitation_cancelled",
            Event::MemberJoined { .. } => "member_joined",
            Event::MemberRemoved { .. } => "member_removed",
            Event::TermsAccepted { .. } => "terms_accepted",
            Event::Submitted { .. } => "submitted",
            Event::HandlerAssigned { .. } => "handler_assigned",
            Event::ReviewerInvited { .. } => "reviewer_invited",
            Event::ConflictDeclared { .. } => "conflict_declared",
            Event::AdviceGiven { .. } => "advice_given",
            Event::VoteCast { .. } => "vote_cast",
            Event::RemarkAdded { .. } => "remark_added",
            Event::Returned { .. } => "returned",
            Event::DeadlineExtended { .. } => "deadline_extended",
            Event::Approved { .. } => "approved",
            Event::AccessActivated { .. } => "access_activated",
            Event::Rejected { .. } => "rejected",
            Event::Revoked { .. } => "revoked",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ExtensionGranted { .. } => "extension_granted",
            Event::ExtensionRefused { .. } => "extension_refused",
            Event::ProgressReported { .. } => "progress_reported",
            Event::Expired { .. } => "expired",
            Event::Withdrawn => "withdrawn",
            Event::Closed => "closed",
        }
    }
}

impl Event {
    /// The node an event concerns, when it concerns one node's handling only (its
    /// committee's internal business is shown to that committee alone).
    pub fn node(&self, application: &Application) -> Option<NodeId> {
        let of_cohort = |cohort: &CohortId| application.parts.get(cohort).map(|p| p.node);
        match self {
            Event::HandlerAssigned { node, .. }
            | Event::ReviewerInvited { node, .. }
            | Event::ConflictDeclared { node, .. }
            | Event::AdviceGiven { node, .. }
            | Event::RemarkAdded { node, .. }
            | Event::Returned { node, .. }
            | Event::DeadlineExtended { node, .. } => Some(*node),
            Event::VoteCast { cohort, .. }
            | Event::Approved { cohort, .. }
            | Event::AccessActivated { cohort, .. }
            | Event::Rejected { cohort, .. }
            | Event::Revoked { cohort, .. }
            | Event::ExtensionRequested { cohort, .. }
            | Event::ExtensionGranted { cohort, .. }
            | Event::ExtensionRefused { cohort, .. }
            | Event::Expired { cohort } => of_cohort(cohort),
            _ => None,
        }
    }

    /// Committee business the applicant's team does not see: reviewers, their conflicts
    /// and advice, votes and internal remarks.
    pub fn internal(&self) -> bool {
        matches!(
            self,
            Event::ReviewerInvited { .. }
                | Event::ConflictDeclared { .. }
                | Event::AdviceGiven { .. }
                | Event::VoteCast { .. }
                | Event::HandlerAssigned { .. }
                | Event::RemarkAdded { public: false, .. }
        )
    }
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 6] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::Returned,
        ApplicationState::Decided,
        ApplicationState::Withdrawn,
        ApplicationState::Closed,
    ];

    pub fn parse(code: &str) -> Option<ApplicationState> {
        ApplicationState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Returned => "returned",
            ApplicationState::Decided => "decided",
            ApplicationState::Withdrawn => "withdrawn",
            ApplicationState::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("this person may not do that")]
    NotAllowed,
    #[error("not in this state")]
    WrongState,
    #[error("every member must accept the terms of every cohort first")]
    TermsNotAccepted,
    #[error("the application does not ask for that cohort or node")]
    NotInApplication,
    #[error("the committee's votes do not carry this decision")]
    VotesDoNotCarry,
    #[error("the value is not acceptable")]
    Invalid(&'static str),
}

impl Refusal {
    /// The translation key of what a person is told.
    pub fn message_key(&self) -> String {
        match self {
            Refusal::NotAllowed => "application.refused.not_allowed".into(),
            Refusal::WrongState => "application.refused.wrong_state".into(),
            Refusal::TermsNotAccepted => "application.refused.terms".into(),
            Refusal::NotInApplication => "application.refused.not_in_application".into(),
            Refusal::VotesDoNotCarry => "application.refused.votes".into(),
            Refusal::Invalid(field) => format!("application.refused.invalid.{field}"),
        }
    }

    /// The field a refusal belongs at, where it belongs at one.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::Invalid(field) => field,
            Refusal::TermsNotAccepted => "terms",
            Refusal::VotesDoNotCarry => "decision",
            _ => "",
        }
    }
}

/// The application, as the fold of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub applicant: Option<PersonId>,
    pub members: BTreeSet<PersonId>,
    /// E-mail addresses invited and not yet joined (lower case).
    pub invitations: BTreeSet<String>,
    /// (person, cohort) pairs whose terms were accepted.
    pub accepted_terms: BTreeSet<(PersonId, CohortId)>,
    pub parts: BTreeMap<CohortId, Part>,
    pub reviewers: Vec<Reviewer>,
    /// Submissions so far; each is a version the committees can compare.
    pub version: u32,
    pub last_progress_report: Option<DateTime<Utc>>,
    pub withdrawn: bool,
    pub closed: bool,
}

/// An e-mail address as invitations key it, or `None` when it cannot be one.
pub fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let fine = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@');
    fine.then_some(email)
}

impl Application {
    pub fn state(&self) -> ApplicationState {
        let parts: Vec<&PartState> = self.parts.values().map(|p| &p.state).collect();
        if self.closed {
            ApplicationState::Closed
        } else if self.withdrawn {
            ApplicationState::Withdrawn
        } else if self.version == 0 {
            ApplicationState::Draft
        } else if parts.iter().any(|p| **p == PartState::Returned) {
            ApplicationState::Returned
        } else if !parts.is_empty() && parts.iter().all(|p| p.decided()) {
            ApplicationState::Decided
        } else {
            ApplicationState::Submitted
        }
    }

    /// Everyone who will see the data: the applicant and the members.
    pub fn team(&self) -> BTreeSet<PersonId> {
        self.members.iter().copied().chain(self.applicant).collect()
    }

    pub fn nodes(&self) -> BTreeSet<NodeId> {
        self.parts.values().map(|p| p.node).collect()
    }

    pub fn terms_complete(&self) -> bool {
        self.team()
            .iter()
            .all(|person| self.parts.keys().all(|c| self.accepted_terms.contains(&(*person, *c))))
    }

    pub fn reviewer(&self, node: NodeId, person: PersonId) -> Option<&Reviewer> {
        self.reviewers.iter().find(|r| r.node == node && r.person == person)
    }

    fn reviewer_mut(&mut self, node: NodeId, person: PersonId) -> Option<&mut Reviewer> {
        self.reviewers.iter_mut().find(|r| r.node == node && r.person == person)
    }

    fn node_parts_in_handling(&mut self, node: NodeId) -> impl Iterator<Item = &mut Part> {
        self.parts.values_mut().filter(move |p| p.node == node && p.state.in_handling())
    }

    fn apply_event(&mut self, event: &Event, at: DateTime<Utc>) {
        match event {
            Event::Created { applicant, cohorts, rules } => {
                self.applicant = Some(*applicant);
                for (cohort, node) in cohorts {
                    let rules = rules.iter().find(|(n, _)| n == node).map(|(_, r)| *r).unwrap_or_default();
                    let part = Part {
                        cohort: *cohort,
                        node: *node,
                        state: PartState::Draft,
                        clock: DecisionClock::default(),
                        rules,
                        votes: Vec::new(),
                        extension_request: None,
                    };
                    self.parts.insert(*cohort, part);
                }
            }
            Event::MemberInvited { email } => {
                self.invitations.insert(email.clone());
            }
            Event::InvitationCancelled { email } => {
                self.invitations.remove(email);
            }
            Event::MemberJoined { person, email } => {
                self.invitations.remove(email);
                self.members.insert(*person);
            }
            Event::MemberRemoved { person } => {
                self.members.remove(person);
                self.accepted_terms.retain(|(p, _)| p != person);
            }
            Event::TermsAccepted { person, cohort } => {
                self.accepted_terms.insert((*person, *cohort));
            }
            Event::Submitted { version, nodes } => {
                self.version = *version;
                // A new version is before every committee: votes on the old one no longer stand.
                for part in self.parts.values_mut().filter(|p| p.state.in_handling()) {
                    part.votes.clear();
                }
                let waiting = |p: &&mut Part| matches!(p.state, PartState::Draft | PartState::Returned);
                for part in self.parts.values_mut().filter(|p| nodes.contains(&p.node)).filter(waiting) {
                    match part.state {
                        // Back from the applicant: the clock runs on from where it stopped.
                        PartState::Returned => {
                            let _ = part.clock.resume(at);
                        }
                        _ => part.clock.start(at, part.rules.clock),
                    }
                    part.state = PartState::Submitted;
                    part.votes.clear();
                }
            }
            Event::HandlerAssigned { node, handler } => {
                for part in self.node_parts_in_handling(*node) {
                    part.state = PartState::UnderReview { handler: *handler };
                }
            }
            Event::ReviewerInvited { node, reviewer } => {
                self.reviewers.push(Reviewer {
                    node: *node,
                    person: *reviewer,
                    conflicted: None,
                    advice: None,
                });
            }
            Event::ConflictDeclared { node, reviewer, conflicted, .. } => {
                if let Some(r) = self.reviewer_mut(*node, *reviewer) {
                    r.conflicted = Some(*conflicted);
                }
            }
            Event::AdviceGiven { node, reviewer, advice } => {
                if let Some(r) = self.reviewer_mut(*node, *reviewer) {
                    r.advice = Some(advice.clone());
                }
            }
            Event::VoteCast { cohort, voter, vote, .. } => {
                if let Some(part) = self.parts.get_mut(cohort) {
                    part.votes.retain(|(p, _)| p != voter);
                    part.votes.push((*voter, *vote));
                }
            }
            Event::RemarkAdded { .. } => {}
            Event::Returned { node, .. } => {
                for part in self.node_parts_in_handling(*node) {
                    part.state = PartState::Returned;
                    part.votes.clear();
                    let _ = part.clock.pause(at);
                }
            }
            Event::DeadlineExtended { node, .. } => {
                for part in self.node_parts_in_handling(*node) {
                    let _ = part.clock.extend(part.rules.clock);
                }
            }
            Event::Approved { cohort, ends_on, conditions } => {
                self.set(*cohort, PartState::Approved { ends_on: *ends_on, conditions: conditions.clone() });
            }
            Event::AccessActivated { cohort, starts_on, ends_on } => {
                self.set(*cohort, PartState::AccessActive { starts_on: *starts_on, ends_on: *ends_on });
            }
            Event::Rejected { cohort, reasons } => {
                self.set(*cohort, PartState::Rejected { reasons: reasons.clone() })
            }
            Event::Revoked { cohort, reason } => {
                self.set(*cohort, PartState::Revoked { reason: reason.clone() })
            }
            Event::ExtensionRequested { cohort, ends_on, reason } => {
                if let Some(part) = self.parts.get_mut(cohort) {
                    part.extension_request =
                        Some(ExtensionRequest { ends_on: *ends_on, reason: reason.clone() });
                }
            }
            Event::ExtensionGranted { cohort, ends_on, .. } => {
                if let Some(part) = self.parts.get_mut(cohort) {
                    part.extension_request = None;
                    if let PartState::AccessActive { starts_on, .. } = part.state {
                        part.state = PartState::AccessActive { starts_on, ends_on: *ends_on };
                    }
                }
            }
            Event::ExtensionRefused { cohort, .. } => {
                if let Some(part) = self.parts.get_mut(cohort) {
                    part.extension_request = None;
                }
            }
            Event::ProgressReported { .. } => self.last_progress_report = Some(at),
            Event::Expired { cohort } => self.set(*cohort, PartState::Expired),
            Event::Withdrawn => {
                self.withdrawn = true;
                for part in self.parts.values_mut().filter(|p| !p.state.decided()) {
                    part.state = PartState::Withdrawn;
                }
            }
            Event::Closed => self.closed = true,
        }
    }

    fn set(&mut self, cohort: CohortId, state: PartState) {
        if let Some(part) = self.parts.get_mut(&cohort) {
            // A request to extend access that ended meanwhile has nothing left to extend.
            if !matches!(state, PartState::AccessActive { .. }) {
                part.extension_request = None;
            }
            part.state = state;
        }
    }
}

impl Event {
    /// The cohort an event concerns, when it concerns one cohort's part.
    pub fn cohort(&self) -> Option<CohortId> {
        match self {
            Event::VoteCast { cohort, .. }
            | Event::Approved { cohort, .. }
            | Event::AccessActivated { cohort, .. }
            | Event::Rejected { cohort, .. }
            | Event::Revoked { cohort, .. }
            | Event::ExtensionRequested { cohort, .. }
            | Event::ExtensionGranted { cohort, .. }
            | Event::ExtensionRefused { cohort, .. }
            | Event::Expired { cohort } => Some(*cohort),
            _ => None,
        }
    }

    /// The reason an event carries, for the log's and the audit trail's reason column.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Event::Returned { questions: text, .. }
            | Event::DeadlineExtended { reason: text, .. }
            | Event::Rejected { reasons: text, .. }
            | Event::Revoked { reason: text, .. }
            | Event::ExtensionRequested { reason: text, .. }
            | Event::ExtensionRefused { comment: text, .. } => Some(text),
            _ => None,
        }
    }
}

/// The kind of command, with the node or cohort it is about: the permission table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Create,
    InviteMember,
    CancelInvitation,
    JoinTeam,
    RemoveMember,
    AcceptTerms(CohortId),
    /// Save the form as typed (no event: a draft changes as it is typed).
    EditForm,
    Submit,
    AssignHandler(NodeId),
    InviteReviewer(NodeId),
    DeclareConflict(NodeId),
    GiveAdvice(NodeId),
    Vote(CohortId),
    AddRemark {
        node: NodeId,
        internal: bool,
    },
    ReturnForChanges(NodeId),
    ExtendDeadline(NodeId),
    Decide(CohortId),
    Revoke(CohortId),
    RequestExtension(CohortId),
    DecideExtension(CohortId),
    ReportProgress,
    Expire(CohortId),
    Withdraw,
    Close,
}

impl Permissioned for Command {
    type Permission = Permission;

    fn permission(&self) -> Permission {
        match self {
            Command::Create { .. } => Permission::Create,
            Command::InviteMember { .. } => Permission::InviteMember,
            Command::CancelInvitation { .. } => Permission::CancelInvitation,
            Command::JoinTeam { .. } => Permission::JoinTeam,
            Command::RemoveMember { .. } => Permission::RemoveMember,
            Command::AcceptTerms { cohort } => Permission::AcceptTerms(*cohort),
            Command::Submit => Permission::Submit,
            Command::AssignHandler { node, .. } => Permission::AssignHandler(*node),
            Command::InviteReviewer { node, .. } => Permission::InviteReviewer(*node),
            Command::DeclareConflict { node, .. } => Permission::DeclareConflict(*node),
            Command::GiveAdvice { node, .. } => Permission::GiveAdvice(*node),
            Command::Vote { cohort, .. } => Permission::Vote(*cohort),
            Command::AddRemark { node, public, .. } => {
                Permission::AddRemark { node: *node, internal: !*public }
            }
            Command::ReturnForChanges { node, .. } => Permission::ReturnForChanges(*node),
            Command::ExtendDeadline { node, .. } => Permission::ExtendDeadline(*node),
            Command::Decide { cohort, .. } => Permission::Decide(*cohort),
            Command::Revoke { cohort, .. } => Permission::Revoke(*cohort),
            Command::RequestExtension { cohort, .. } => Permission::RequestExtension(*cohort),
            Command::DecideExtension { cohort, .. } => Permission::DecideExtension(*cohort),
            Command::ReportProgress { .. } => Permission::ReportProgress,
            Command::Expire { cohort } => Permission::Expire(*cohort),
            Command::Withdraw => Permission::Withdraw,
            Command::Close => Permission::Close,
        }
    }
}

/// What one person may see of an application. Built once per viewer by
/// [`Application::visibility`]; pages, queues, mail and downloads all ask it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    pub person: Option<PersonId>,
    /// On the team: the whole application (its live draft too), but no committee business.
    pub on_team: bool,
    /// Nodes whose committee the person serves for some part.
    pub serving: BTreeSet<NodeId>,
    /// Cohorts whose part the person decides: their committee business is visible.
    pub deciding: BTreeSet<CohortId>,
    /// Nodes whose whole business (handler, questions, the deadline, reviewers) they do.
    pub node_wide: BTreeSet<NodeId>,
    /// Nodes that asked the person for advice and for which they declared no conflict.
    pub advising: BTreeSet<NodeId>,
    /// Nodes that asked the person for advice, whatever they declared (their own request).
    pub invited: BTreeSet<NodeId>,
}

impl Visibility {
    /// May the person read the application at all?
    pub fn sees_application(&self) -> bool {
        self.on_team || !self.serving.is_empty() || !self.advising.is_empty()
    }

    /// The form as typed now (the team) rather than the last submitted version.
    pub fn sees_draft(&self) -> bool {
        self.on_team
    }

    pub fn sees_node(&self, node: NodeId) -> bool {
        self.on_team || self.serving.contains(&node) || self.advising.contains(&node)
    }

    pub fn sees_part(&self, part: &Part) -> bool {
        self.on_team || self.deciding.contains(&part.cohort) || self.advising.contains(&part.node)
    }

    /// Who handles a part is the committee's business.
    pub fn sees_handler(&self, part: &Part) -> bool {
        self.deciding.contains(&part.cohort)
    }

    /// E-mail addresses are for the team and the committees, not for reviewers.
    pub fn sees_addresses(&self) -> bool {
        self.on_team || !self.serving.is_empty()
    }

    /// The committee's business at a node: reviewers and their advice, internal remarks.
    pub fn sees_committee_business(&self, node: NodeId) -> bool {
        self.serving.contains(&node)
    }

    /// May the person see this event of the log (the timeline, remarks, votes)? A cohort's
    /// committee business is for those who decide that cohort, not the whole node.
    pub fn sees_event(&self, event: &Event, application: &Application) -> bool {
        if let Some(cohort) = event.cohort() {
            let part = application.parts.get(&cohort);
            return if event.internal() {
                self.deciding.contains(&cohort)
            } else {
                part.is_some_and(|p| self.sees_part(p))
            };
        }
        match event.node(application) {
            None => !event.internal() || !self.serving.is_empty(),
            Some(node) if event.internal() => self.serving.contains(&node),
            Some(node) => self.sees_node(node),
        }
    }
}

impl Application {
    /// Takes no part in the committee's business: on the team, or declared a conflict.
    pub fn excluded(&self, person: PersonId) -> bool {
        self.team().contains(&person)
            || self.reviewers.iter().any(|r| r.person == person && r.conflicted == Some(true))
    }

    /// The people who take no part in the committee's business (for the queues' projection).
    pub fn excluded_people(&self) -> BTreeSet<PersonId> {
        let mut people = self.team();
        people.extend(self.reviewers.iter().filter(|r| r.conflicted == Some(true)).map(|r| r.person));
        people
    }

    fn seats_of<'a>(&self, actor: &'a Actor) -> Option<&'a Seats> {
        let seats = actor.seats()?;
        if actor.id().is_some_and(|id| self.excluded(id)) { None } else { Some(seats) }
    }

    /// May decide on this part: serves its node or its cohort, and is not excluded.
    pub fn serves_part(&self, actor: &Actor, part: &Part) -> bool {
        self.seats_of(actor).is_some_and(|seats| seats.cover(part))
    }

    /// Does the node's whole business here: serves every part this node decides.
    pub fn serves(&self, actor: &Actor, node: NodeId) -> bool {
        let mut parts = self.parts.values().filter(|p| p.node == node).peekable();
        parts.peek().is_some() && parts.all(|p| self.serves_part(actor, p))
    }

    /// The people who serve a node's committee for this application, by their seats.
    pub fn committee_of(&self, facts: &AccessFacts, node: NodeId) -> Vec<PersonId> {
        facts
            .seats
            .iter()
            .filter(|(person, seats)| {
                !self.excluded(**person) && self.parts.values().any(|p| p.node == node && seats.cover(p))
            })
            .map(|(person, _)| *person)
            .collect()
    }

    /// Does this person decide this cohort's part, by their seats?
    pub fn decides(&self, facts: &AccessFacts, person: PersonId, cohort: CohortId) -> bool {
        let (Some(seats), Some(part)) = (facts.seats.get(&person), self.parts.get(&cohort)) else {
            return false;
        };
        !self.excluded(person) && seats.cover(part)
    }

    /// Who may be made a part's handler at a node: one who does the node's whole business.
    pub fn may_handle(&self, facts: &AccessFacts, node: NodeId, person: PersonId) -> bool {
        let Some(seats) = facts.seats.get(&person) else { return false };
        self.serves(&Actor::Person { id: person, seats: seats.clone(), reviewer: false }, node)
    }

    /// Who may be asked for advice at a node: a reviewer, not on the team, not yet asked.
    pub fn may_advise(&self, facts: &AccessFacts, node: NodeId, person: PersonId) -> bool {
        facts.reviewers.contains(&person)
            && !self.team().contains(&person)
            && self.reviewer(node, person).is_none()
    }

    fn in_handling_at(&self, node: NodeId) -> bool {
        self.parts.values().any(|p| p.node == node && p.state.in_handling())
    }

    fn editable(&self) -> bool {
        matches!(self.state(), ApplicationState::Draft | ApplicationState::Returned)
    }
}

fn text_ok(text: &str, required: bool) -> bool {
    text_fits(text, MAX_TEXT, required)
}

impl Aggregate for Application {
    type Command = Command;
    type Event = Event;
    type Actor = Actor;
    type Facts = AccessFacts;
    type Refusal = Refusal;
    type Visibility = Visibility;

    fn apply(&mut self, event: &Event, at: DateTime<Utc>) {
        self.apply_event(event, at);
    }

    fn candidates(&self) -> Vec<Permission> {
        use Permission as P;
        let mut all = vec![
            P::Create,
            P::InviteMember,
            P::CancelInvitation,
            P::JoinTeam,
            P::RemoveMember,
            P::EditForm,
            P::Submit,
            P::ReportProgress,
            P::Withdraw,
            P::Close,
        ];
        for cohort in self.parts.keys().copied() {
            all.extend([
                P::AcceptTerms(cohort),
                P::Vote(cohort),
                P::Decide(cohort),
                P::Revoke(cohort),
                P::RequestExtension(cohort),
                P::DecideExtension(cohort),
                P::Expire(cohort),
            ]);
        }
        for node in self.nodes() {
            all.extend([
                P::AssignHandler(node),
                P::InviteReviewer(node),
                P::DeclareConflict(node),
                P::GiveAdvice(node),
                P::AddRemark { node, internal: false },
                P::AddRemark { node, internal: true },
                P::ReturnForChanges(node),
                P::ExtendDeadline(node),
            ]);
        }
        all
    }

    fn may(&self, actor: &Actor, permission: Permission, context: &Context) -> Result<(), Refusal> {
        use Permission as P;
        let state = self.state();
        let is_applicant = actor.id().is_some() && actor.id() == self.applicant;
        let on_team = actor.id().is_some_and(|id| self.team().contains(&id));
        let editable = self.editable();
        let part = |cohort: &CohortId| self.parts.get(cohort).ok_or(Refusal::NotInApplication);
        let known_node = |node: &NodeId| require(self.nodes().contains(node), Refusal::NotInApplication);
        let serving = |node: &NodeId| -> Result<(), Refusal> {
            known_node(node)?;
            require(self.serves(actor, *node), Refusal::NotAllowed)
        };
        let serving_part = |part: &Part| require(self.serves_part(actor, part), Refusal::NotAllowed);
        // Only one who holds the reviewer role answers a request for advice.
        let invited = |node: &NodeId| -> Result<&Reviewer, Refusal> {
            let person = actor.id().filter(|_| actor.holds_reviewer_role()).ok_or(Refusal::NotAllowed)?;
            self.reviewer(*node, person).ok_or(Refusal::NotAllowed)
        };
        // After the end, only what ends access can still happen: a withdrawn application keeps
        // the access already granted, so it can still expire or be revoked.
        let after_the_end = matches!(permission, P::Expire(_) | P::Revoke(_));
        if state == ApplicationState::Closed || (state == ApplicationState::Withdrawn && !after_the_end) {
            return Err(Refusal::WrongState);
        }
        match permission {
            P::Create => {
                require(actor.id().is_some(), Refusal::NotAllowed)?;
                require(self.applicant.is_none(), Refusal::WrongState)
            }
            P::InviteMember | P::CancelInvitation | P::RemoveMember | P::Submit => {
                require(is_applicant, Refusal::NotAllowed)?;
                require(editable, Refusal::WrongState)
            }
            P::JoinTeam => {
                require(actor.id().is_some(), Refusal::NotAllowed)?;
                require(editable, Refusal::WrongState)
            }
            P::EditForm => {
                require(on_team, Refusal::NotAllowed)?;
                require(editable, Refusal::WrongState)
            }
            P::AcceptTerms(cohort) => {
                require(on_team, Refusal::NotAllowed)?;
                part(&cohort)?;
                require(editable, Refusal::WrongState)
            }
            P::AssignHandler(node) | P::InviteReviewer(node) | P::ReturnForChanges(node) => {
                serving(&node)?;
                require(self.in_handling_at(node), Refusal::WrongState)
            }
            P::ExtendDeadline(node) => {
                serving(&node)?;
                let parts: Vec<&Part> =
                    self.parts.values().filter(|p| p.node == node && p.state.in_handling()).collect();
                require(!parts.is_empty() && !parts.iter().any(|p| p.clock.extended), Refusal::WrongState)
            }
            P::DeclareConflict(node) => {
                let reviewer = invited(&node)?;
                require(reviewer.conflicted.is_none(), Refusal::WrongState)
            }
            P::GiveAdvice(node) => {
                let reviewer = invited(&node)?;
                // A conflict (or none declared yet) shuts the reviewer out.
                require(reviewer.conflicted == Some(false), Refusal::NotAllowed)?;
                require(self.in_handling_at(node), Refusal::WrongState)
            }
            P::Vote(cohort) | P::Decide(cohort) => {
                let part = part(&cohort)?;
                require(actor.id().is_some(), Refusal::NotAllowed)?;
                serving_part(part)?;
                require(matches!(part.state, PartState::UnderReview { .. }), Refusal::WrongState)
            }
            P::AddRemark { node, internal } => {
                known_node(&node)?;
                let committee = self.parts.values().any(|p| p.node == node && self.serves_part(actor, p));
                // The team answers in the open; only the committee talks internally.
                require(committee || (on_team && !internal), Refusal::NotAllowed)?;
                require(state != ApplicationState::Draft, Refusal::WrongState)
            }
            P::Revoke(cohort) => {
                let part = part(&cohort)?;
                serving_part(part)?;
                require(matches!(part.state, PartState::AccessActive { .. }), Refusal::WrongState)
            }
            P::RequestExtension(cohort) => {
                let part = part(&cohort)?;
                require(is_applicant, Refusal::NotAllowed)?;
                require(matches!(part.state, PartState::AccessActive { .. }), Refusal::WrongState)?;
                require(part.extension_request.is_none(), Refusal::WrongState)
            }
            P::DecideExtension(cohort) => {
                let part = part(&cohort)?;
                serving_part(part)?;
                require(part.extension_request.is_some(), Refusal::WrongState)?;
                require(matches!(part.state, PartState::AccessActive { .. }), Refusal::WrongState)
            }
            P::ReportProgress => {
                require(on_team, Refusal::NotAllowed)?;
                let had_access = self
                    .parts
                    .values()
                    .any(|p| matches!(p.state, PartState::AccessActive { .. } | PartState::Expired));
                require(had_access, Refusal::WrongState)
            }
            P::Expire(cohort) => {
                require(*actor == Actor::System, Refusal::NotAllowed)?;
                match part(&cohort)?.state {
                    // The end date is the last day of access: it ends the day after.
                    PartState::AccessActive { ends_on, .. } if ends_on < context.today() => Ok(()),
                    _ => Err(Refusal::WrongState),
                }
            }
            P::Withdraw => {
                require(is_applicant, Refusal::NotAllowed)?;
                require(state != ApplicationState::Decided, Refusal::WrongState)
            }
            P::Close => {
                let may = is_applicant || self.nodes().iter().any(|n| self.serves(actor, *n));
                require(may, Refusal::NotAllowed)?;
                let finished = self.parts.values().all(|p| {
                    matches!(
                        p.state,
                        PartState::Rejected { .. } | PartState::Expired | PartState::Revoked { .. }
                    )
                });
                require(state == ApplicationState::Decided && finished, Refusal::WrongState)
            }
        }
    }

    fn check(&self, actor: &Actor, command: &Command, context: &Context) -> Result<Vec<Event>, Refusal> {
        let on_team = actor.id().is_some_and(|id| self.team().contains(&id));
        let part = |cohort: &CohortId| self.parts.get(cohort).ok_or(Refusal::NotInApplication);
        // Ten years is the longest period of need a form may ask for.
        let today = context.today();
        let latest_end = today.checked_add_months(chrono::Months::new(120)).unwrap_or(today);
        match command {
            Command::Create { cohorts, rules } => {
                let applicant = actor.id().ok_or(Refusal::NotAllowed)?;
                let distinct: BTreeSet<CohortId> = cohorts.iter().map(|(c, _)| *c).collect();
                if cohorts.is_empty() || distinct.len() != cohorts.len() {
                    return Err(Refusal::Invalid("cohorts"));
                }
                Ok(vec![Event::Created { applicant, cohorts: cohorts.clone(), rules: rules.clone() }])
            }
            Command::InviteMember { email } => {
                let email = normalise_email(email).ok_or(Refusal::Invalid("email"))?;
                require(!self.invitations.contains(&email), Refusal::Invalid("email"))?;
                Ok(vec![Event::MemberInvited { email }])
            }
            Command::CancelInvitation { email } => {
                let email = normalise_email(email).filter(|e| self.invitations.contains(e));
                let email = email.ok_or(Refusal::Invalid("email"))?;
                Ok(vec![Event::InvitationCancelled { email }])
            }
            Command::JoinTeam { email } => {
                let person = actor.id().ok_or(Refusal::NotAllowed)?;
                let email = normalise_email(email).filter(|e| self.invitations.contains(e));
                let email = email.ok_or(Refusal::NotAllowed)?;
                require(!on_team, Refusal::Invalid("person"))?;
                // Nobody joins a team whose application they reviewed or voted on.
                let judged = self.reviewers.iter().any(|r| r.person == person)
                    || self.parts.values().any(|p| p.votes.iter().any(|(voter, _)| *voter == person));
                require(!judged, Refusal::Invalid("person"))?;
                Ok(vec![Event::MemberJoined { person, email }])
            }
            Command::RemoveMember { person } => {
                require(self.members.contains(person), Refusal::Invalid("person"))?;
                Ok(vec![Event::MemberRemoved { person: *person }])
            }
            Command::AcceptTerms { cohort } => {
                let person = actor.id().ok_or(Refusal::NotAllowed)?;
                require(!self.accepted_terms.contains(&(person, *cohort)), Refusal::Invalid("cohort"))?;
                Ok(vec![Event::TermsAccepted { person, cohort: *cohort }])
            }
            Command::Submit => {
                require(self.terms_complete(), Refusal::TermsNotAccepted)?;
                // A first submission goes to every node; a resubmission to the nodes that asked.
                let nodes: BTreeSet<NodeId> = self
                    .parts
                    .values()
                    .filter(|p| matches!(p.state, PartState::Draft | PartState::Returned))
                    .map(|p| p.node)
                    .collect();
                Ok(vec![Event::Submitted { version: self.version + 1, nodes: nodes.into_iter().collect() }])
            }
            Command::AssignHandler { node, handler } => {
                require(!self.team().contains(handler), Refusal::Invalid("handler"))?;
                require(self.may_handle(&context.facts, *node, *handler), Refusal::Invalid("handler"))?;
                Ok(vec![Event::HandlerAssigned { node: *node, handler: *handler }])
            }
            Command::InviteReviewer { node, reviewer } => {
                require(self.may_advise(&context.facts, *node, *reviewer), Refusal::Invalid("reviewer"))?;
                Ok(vec![Event::ReviewerInvited { node: *node, reviewer: *reviewer }])
            }
            Command::DeclareConflict { node, conflicted, reason } => {
                let person = actor.id().ok_or(Refusal::NotAllowed)?;
                require(text_ok(reason, false), Refusal::Invalid("reason"))?;
                Ok(vec![Event::ConflictDeclared {
                    node: *node,
                    reviewer: person,
                    conflicted: *conflicted,
                    reason: reason.trim().to_owned(),
                }])
            }
            Command::GiveAdvice { node, advice } => {
                let person = actor.id().ok_or(Refusal::NotAllowed)?;
                require(text_ok(advice, true), Refusal::Invalid("text"))?;
                Ok(vec![Event::AdviceGiven {
                    node: *node,
                    reviewer: person,
                    advice: advice.trim().to_owned(),
                }])
            }
            Command::Vote { cohort, vote, comment } => {
                let voter = actor.id().ok_or(Refusal::NotAllowed)?;
                require(text_ok(comment, false), Refusal::Invalid("comment"))?;
                Ok(vec![Event::VoteCast {
                    cohort: *cohort,
                    voter,
                    vote: *vote,
                    comment: comment.trim().to_owned(),
                }])
            }
            Command::AddRemark { node, public, text } => {
                require(text_ok(text, true), Refusal::Invalid("text"))?;
                Ok(vec![Event::RemarkAdded { node: *node, public: *public, text: text.trim().to_owned() }])
            }
            Command::ReturnForChanges { node, questions } => {
                require(text_ok(questions, true), Refusal::Invalid("questions"))?;
                Ok(vec![Event::Returned { node: *node, questions: questions.trim().to_owned() }])
            }
            Command::ExtendDeadline { node, reason } => {
                require(text_ok(reason, true), Refusal::Invalid("reason"))?;
                Ok(vec![Event::DeadlineExtended { node: *node, reason: reason.trim().to_owned() }])
            }
            Command::Decide { cohort, decision } => {
                let part = part(cohort)?;
                match decision {
                    Decision::Approve { ends_on, conditions } => {
                        require(*ends_on > today && *ends_on <= latest_end, Refusal::Invalid("ends_on"))?;
                        require(text_ok(conditions, false), Refusal::Invalid("conditions"))?;
                        require(matches!(part.tally(), Tally::Approve { .. }), Refusal::VotesDoNotCarry)?;
                        Ok(vec![
                            Event::Approved {
                                cohort: *cohort,
                                ends_on: *ends_on,
                                conditions: conditions.trim().to_owned(),
                            },
                            Event::AccessActivated { cohort: *cohort, starts_on: today, ends_on: *ends_on },
                        ])
                    }
                    Decision::Reject { reasons } => {
                        require(text_ok(reasons, true), Refusal::Invalid("reasons"))?;
                        require(matches!(part.tally(), Tally::Reject { .. }), Refusal::VotesDoNotCarry)?;
                        Ok(vec![Event::Rejected { cohort: *cohort, reasons: reasons.trim().to_owned() }])
                    }
                }
            }
            Command::Revoke { cohort, reason } => {
                require(text_ok(reason, true), Refusal::Invalid("reason"))?;
                Ok(vec![Event::Revoked { cohort: *cohort, reason: reason.trim().to_owned() }])
            }
            Command::RequestExtension { cohort, ends_on, reason } => {
                let PartState::AccessActive { ends_on: current, .. } = part(cohort)?.state else {
                    return Err(Refusal::WrongState);
                };
                require(*ends_on > current && *ends_on <= latest_end, Refusal::Invalid("ends_on"))?;
                require(text_ok(reason, true), Refusal::Invalid("reason"))?;
                Ok(vec![Event::ExtensionRequested {
                    cohort: *cohort,
                    ends_on: *ends_on,
                    reason: reason.trim().to_owned(),
                }])
            }
            Command::DecideExtension { cohort, approve, comment } => {
                let request = part(cohort)?.extension_request.as_ref().ok_or(Refusal::WrongState)?;
                // A refusal says why; a grant may simply grant.
                require(text_ok(comment, !approve), Refusal::Invalid("comment"))?;
                let comment = comment.trim().to_owned();
                Ok(vec![if *approve {
                    Event::ExtensionGranted { cohort: *cohort, ends_on: request.ends_on, comment }
                } else {
                    Event::ExtensionRefused { cohort: *cohort, comment }
                }])
            }
            Command::ReportProgress { summary, publications } => {
                require(text_ok(summary, true), Refusal::Invalid("summary"))?;
                require(text_ok(publications, false), Refusal::Invalid("text"))?;
                Ok(vec![Event::ProgressReported {
                    summary: summary.trim().to_owned(),
                    publications: publications.trim().to_owned(),
                }])
            }
            Command::Expire { cohort } => Ok(vec![Event::Expired { cohort: *cohort }]),
            Command::Withdraw => Ok(vec![Event::Withdrawn]),
            Command::Close => Ok(vec![Event::Closed]),
        }
    }

    fn visibility(&self, actor: &Actor, _facts: &AccessFacts) -> Visibility {
        let Some(person) = actor.id() else { return Visibility::default() };
        let mine = |r: &&Reviewer| r.person == person;
        let invited: BTreeSet<NodeId> = self.reviewers.iter().filter(mine).map(|r| r.node).collect();
        if !self.team().contains(&person) && self.excluded(person) {
            // A declared conflict hides everything but the request itself.
            return Visibility { person: Some(person), invited, ..Visibility::default() };
        }
        let submitted = self.version > 0;
        let deciding: BTreeSet<CohortId> = self
            .parts
            .values()
            .filter(|p| submitted && self.serves_part(actor, p))
            .map(|p| p.cohort)
            .collect();
        let serving: BTreeSet<NodeId> =
            self.parts.values().filter(|p| deciding.contains(&p.cohort)).map(|p| p.node).collect();
        let node_wide = serving.iter().copied().filter(|n| self.serves(actor, *n)).collect();
        let advising = self
            .reviewers
            .iter()
            .filter(mine)
            .filter(|r| submitted && actor.holds_reviewer_role() && r.conflicted == Some(false))
            .map(|r| r.node)
            .collect();
        Visibility {
            person: Some(person),
            on_team: self.team().contains(&person),
            serving,
            deciding,
            node_wide,
            advising,
            invited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::Aggregate;
    use proptest::prelude::*;
    use votes::Majority;

    use crate::fixtures::access::*;
    use crate::fixtures::at;

    fn context_at(now: DateTime<Utc>) -> Context {
        Context::with(now, world())
    }

    fn context(now: &str) -> Context {
        context_at(at(now))
    }

    fn decide(
        application: &Application,
        actor: &Actor,
        command: &Command,
        context: &Context,
    ) -> Result<Vec<Event>, Refusal> {
        application.decide(actor, command, context)
    }

    /// Each node decides with one vote here, so stories stay short; the rules of larger
    /// committees are tested in `votes.rs` and below.
    fn one_vote() -> NodeRules {
        NodeRules {
            votes: VoteRule { quorum: 1, majority: Majority::Simple, chair_decides_ties: true },
            ..NodeRules::default()
        }
    }

    fn create_both() -> Command {
        Command::Create {
            cohorts: vec![(SCAPIS, UPPSALA), (UCAN, UMEA)],
            rules: vec![(UPPSALA, one_vote()), (UMEA, one_vote())],
        }
    }

    struct Story {
        application: Application,
        log: Vec<(Event, DateTime<Utc>)>,
    }

    impl Story {
        fn new() -> Story {
            Story { application: Application::default(), log: Vec::new() }
        }

        fn run(&mut self, actor: &Actor, command: Command, now: &str) -> Result<(), Refusal> {
            let context = context(now);
            let events = decide(&self.application, actor, &command, &context)?;
            for event in events {
                self.application.apply(&event, context.now);
                self.log.push((event, context.now));
            }
            Ok(())
        }
    }

    fn applicant() -> Actor {
        Actor::person(APPLICANT)
    }

    fn approve(cohort: CohortId, ends_on: NaiveDate) -> Command {
        Command::Decide {
            cohort,
            decision: Decision::Approve { ends_on, conditions: "Cite the cohort.".into() },
        }
    }

    fn vote(cohort: CohortId, vote: Vote) -> Command {
        Command::Vote { cohort, vote, comment: String::new() }
    }

    #[test]
    fn one_application_two_nodes_two_decisions() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let umea = Actor::committee(UMEA_COMMITTEE, &[UMEA]);
        let mut story = Story::new();
        story.run(&applicant(), create_both(), "2026-03-01T10:00:00Z").unwrap();
        story
            .run(
                &applicant(),
                Command::InviteMember { email: " Member@Example.org ".into() },
                "2026-03-01T10:01:00Z",
            )
            .unwrap();
        assert!(story.application.invitations.contains(MEMBER_EMAIL), "addresses are kept in lower case");
        assert_eq!(
            story.run(
                &Actor::person(OUTSIDER),
                Command::JoinTeam { email: "other@example.org".into() },
                "2026-03-01T10:01:30Z"
            ),
            Err(Refusal::NotAllowed),
            "only an invited address joins"
        );
        story
            .run(
                &Actor::person(MEMBER),
                Command::JoinTeam { email: MEMBER_EMAIL.into() },
                "2026-03-01T10:01:40Z",
            )
            .unwrap();
        assert!(story.application.invitations.is_empty());
        assert_eq!(
            story.run(&applicant(), Command::Submit, "2026-03-01T10:02:00Z"),
            Err(Refusal::TermsNotAccepted)
        );
        for person in [APPLICANT, MEMBER] {
            for cohort in [SCAPIS, UCAN] {
                story
                    .run(&Actor::person(person), Command::AcceptTerms { cohort }, "2026-03-01T10:03:00Z")
                    .unwrap();
            }
        }
        assert_eq!(
            story.run(
                &Actor::person(OUTSIDER),
                Command::AcceptTerms { cohort: SCAPIS },
                "2026-03-01T10:03:00Z"
            ),
            Err(Refusal::NotAllowed)
        );
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        assert_eq!(story.application.state(), ApplicationState::Submitted);
        assert_eq!(story.application.version, 1);

        // Umeå's committee cannot touch Uppsala's part, and the other way round.
        let handle = |node| Command::AssignHandler { node, handler: UPPSALA_COMMITTEE };
        assert_eq!(story.run(&umea, handle(UPPSALA), "2026-03-03T09:00:00Z"), Err(Refusal::NotAllowed));
        story.run(&uppsala, handle(UPPSALA), "2026-03-03T09:00:00Z").unwrap();
        story
            .run(
                &umea,
                Command::ReturnForChanges { node: UMEA, questions: "Which registers?".into() },
                "2026-03-04T09:00:00Z",
            )
            .unwrap();
        assert_eq!(story.application.state(), ApplicationState::Returned);
        // Returned: the applicant answers; only Umeå's part goes back, as version 2.
        story
            .run(
                &applicant(),
                Command::AddRemark { node: UMEA, public: true, text: "The cancer register.".into() },
                "2026-03-14T08:00:00Z",
            )
            .unwrap();
        assert_eq!(
            story.run(
                &applicant(),
                Command::AddRemark { node: UMEA, public: false, text: "psst".into() },
                "2026-03-14T08:00:00Z"
            ),
            Err(Refusal::NotAllowed),
            "the team never writes internal remarks"
        );
        story.run(&applicant(), Command::Submit, "2026-03-14T09:00:00Z").unwrap();
        assert_eq!(story.application.version, 2);
        assert_eq!(
            story
                .log
                .iter()
                .filter(|(e, _)| matches!(e, Event::Submitted { nodes, .. } if nodes == &vec![UMEA]))
                .count(),
            1
        );
        let ucan_clock = story.application.parts[&UCAN].clock;
        let scapis_clock = story.application.parts[&SCAPIS].clock;
        assert_eq!(
            ucan_clock.deadline.unwrap() - scapis_clock.deadline.unwrap(),
            chrono::Duration::days(10),
            "the clock paused for 10 days"
        );

        let ends_on = NaiveDate::from_ymd_opt(2028, 3, 31).unwrap();
        assert_eq!(
            story.run(&uppsala, approve(SCAPIS, ends_on), "2026-04-01T09:00:00Z"),
            Err(Refusal::VotesDoNotCarry),
            "no decision before the committee has voted"
        );
        story.run(&uppsala, vote(SCAPIS, Vote::Approve), "2026-04-01T08:00:00Z").unwrap();
        assert_eq!(
            story.run(
                &uppsala,
                Command::Decide { cohort: SCAPIS, decision: Decision::Reject { reasons: "No.".into() } },
                "2026-04-01T09:00:00Z"
            ),
            Err(Refusal::VotesDoNotCarry),
            "the decision follows the vote"
        );
        story.run(&uppsala, approve(SCAPIS, ends_on), "2026-04-01T09:00:00Z").unwrap();
        assert!(
            matches!(story.application.parts[&SCAPIS].state, PartState::AccessActive { ends_on: e, .. } if e == ends_on)
        );
        story
            .run(
                &umea,
                Command::AssignHandler { node: UMEA, handler: UMEA_COMMITTEE },
                "2026-04-02T09:00:00Z",
            )
            .unwrap();
        story.run(&umea, vote(UCAN, Vote::Reject), "2026-04-03T08:00:00Z").unwrap();
        story
            .run(
                &umea,
                Command::Decide {
                    cohort: UCAN,
                    decision: Decision::Reject { reasons: "Purpose is outside DS-cancer.".into() },
                },
                "2026-04-03T09:00:00Z",
            )
            .unwrap();
        assert_eq!(story.application.state(), ApplicationState::Decided);

        // The access holder asks for more time once; the committee grants it.
        let later = NaiveDate::from_ymd_opt(2029, 3, 31).unwrap();
        let ask =
            Command::RequestExtension { cohort: SCAPIS, ends_on: later, reason: "Follow-up data".into() };
        assert_eq!(story.run(&umea, ask.clone(), "2027-01-01T09:00:00Z"), Err(Refusal::NotAllowed));
        story.run(&applicant(), ask.clone(), "2027-01-01T09:00:00Z").unwrap();
        assert_eq!(
            story.run(&applicant(), ask, "2027-01-02T09:00:00Z"),
            Err(Refusal::WrongState),
            "one at a time"
        );
        assert_eq!(
            story.run(
                &uppsala,
                Command::DecideExtension { cohort: SCAPIS, approve: false, comment: " ".into() },
                "2027-01-03T09:00:00Z"
            ),
            Err(Refusal::Invalid("comment")),
            "a refusal says why"
        );
        story
            .run(
                &uppsala,
                Command::DecideExtension { cohort: SCAPIS, approve: true, comment: String::new() },
                "2027-01-03T09:00:00Z",
            )
            .unwrap();
        assert!(
            matches!(story.application.parts[&SCAPIS].state, PartState::AccessActive { ends_on: e, .. } if e == later)
        );
        story
            .run(
                &Actor::person(MEMBER),
                Command::ReportProgress { summary: "Two papers".into(), publications: "doi:10/x".into() },
                "2027-03-01T09:00:00Z",
            )
            .unwrap();
        assert!(story.application.last_progress_report.is_some());

        // Expiry is the system's, and only after the end date.
        assert_eq!(
            story.run(&Actor::System, Command::Expire { cohort: SCAPIS }, "2028-04-01T09:00:00Z"),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            story.run(&uppsala, Command::Expire { cohort: SCAPIS }, "2029-04-01T09:00:00Z"),
            Err(Refusal::NotAllowed)
        );
        story.run(&Actor::System, Command::Expire { cohort: SCAPIS }, "2029-04-01T09:00:00Z").unwrap();
        story.run(&applicant(), Command::Close, "2029-04-02T09:00:00Z").unwrap();
        assert_eq!(story.application.state(), ApplicationState::Closed);

        // The state is the fold of the log.
        let replayed = Application::fold(story.log.iter().map(|(e, t)| (e, *t)));
        assert_eq!(replayed, story.application);
    }

    #[test]
    fn a_deadline_extends_once_with_a_reason() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let mut story = Story::new();
        let create = Command::Create { cohorts: vec![(SCAPIS, UPPSALA)], rules: vec![] };
        story.run(&applicant(), create, "2026-03-01T10:00:00Z").unwrap();
        story.run(&applicant(), Command::AcceptTerms { cohort: SCAPIS }, "2026-03-01T10:00:00Z").unwrap();
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        let before = story.application.parts[&SCAPIS].clock.deadline.unwrap();
        let extend = |reason: &str| Command::ExtendDeadline { node: UPPSALA, reason: reason.into() };
        assert_eq!(story.run(&uppsala, extend(" "), "2026-05-01T09:00:00Z"), Err(Refusal::Invalid("reason")));
        story.run(&uppsala, extend("Linkage to registers takes time."), "2026-05-01T09:00:00Z").unwrap();
        let after = story.application.parts[&SCAPIS].clock.deadline.unwrap();
        assert_eq!(after, at("2026-09-02T21:59:59Z"));
        assert!(after > before);
        assert_eq!(story.run(&uppsala, extend("again"), "2026-06-01T09:00:00Z"), Err(Refusal::WrongState));
    }

    #[test]
    fn each_node_decides_under_its_own_rules() {
        // Uppsala gives six months and needs two of its members; Umeå keeps the defaults.
        let uppsala_rules = NodeRules {
            clock: ClockRules { decision_months: 6, extension_months: 1 },
            votes: VoteRule { quorum: 2, majority: Majority::Simple, chair_decides_ties: false },
            chair: None,
        };
        let mut story = Story::new();
        let create = Command::Create {
            cohorts: vec![(SCAPIS, UPPSALA), (UCAN, UMEA)],
            rules: vec![(UPPSALA, uppsala_rules)],
        };
        story.run(&applicant(), create, "2026-03-01T10:00:00Z").unwrap();
        for cohort in [SCAPIS, UCAN] {
            story.run(&applicant(), Command::AcceptTerms { cohort }, "2026-03-01T10:00:00Z").unwrap();
        }
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        assert_eq!(story.application.parts[&SCAPIS].clock.deadline.unwrap(), at("2026-09-02T21:59:59Z"));
        assert_eq!(story.application.parts[&UCAN].clock.deadline.unwrap(), at("2026-06-02T21:59:59Z"));
        let (first, second) =
            (Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]), Actor::committee(OUTSIDER, &[UPPSALA]));
        story
            .run(
                &first,
                Command::AssignHandler { node: UPPSALA, handler: UPPSALA_COMMITTEE },
                "2026-03-03T09:00:00Z",
            )
            .unwrap();
        story.run(&first, vote(SCAPIS, Vote::Approve), "2026-03-04T09:00:00Z").unwrap();
        let ends_on = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        assert_eq!(
            story.run(&first, approve(SCAPIS, ends_on), "2026-03-04T10:00:00Z"),
            Err(Refusal::VotesDoNotCarry),
            "no quorum"
        );
        // A changed vote counts once.
        story.run(&first, vote(SCAPIS, Vote::Reject), "2026-03-04T11:00:00Z").unwrap();
        story.run(&first, vote(SCAPIS, Vote::Approve), "2026-03-04T12:00:00Z").unwrap();
        story.run(&second, vote(SCAPIS, Vote::Approve), "2026-03-05T09:00:00Z").unwrap();
        assert_eq!(story.application.parts[&SCAPIS].votes.len(), 2);
        story.run(&second, approve(SCAPIS, ends_on), "2026-03-05T10:00:00Z").unwrap();
    }

    #[test]
    fn a_conflicted_reviewer_gives_no_advice_and_reviewers_never_join_the_team() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let reviewer = Actor::reviewer(REVIEWER);
        let mut story = Story::new();
        story.run(&applicant(), create_both(), "2026-03-01T10:00:00Z").unwrap();
        for cohort in [SCAPIS, UCAN] {
            story.run(&applicant(), Command::AcceptTerms { cohort }, "2026-03-01T10:00:00Z").unwrap();
        }
        assert_eq!(
            story.run(
                &uppsala,
                Command::InviteReviewer { node: UPPSALA, reviewer: REVIEWER },
                "2026-03-01T11:00:00Z"
            ),
            Err(Refusal::WrongState),
            "nothing to review in a draft"
        );
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        story
            .run(
                &uppsala,
                Command::InviteReviewer { node: UPPSALA, reviewer: REVIEWER },
                "2026-03-02T10:00:00Z",
            )
            .unwrap();
        assert_eq!(
            story.run(
                &uppsala,
                Command::InviteReviewer { node: UPPSALA, reviewer: APPLICANT },
                "2026-03-02T10:00:00Z"
            ),
            Err(Refusal::Invalid("reviewer"))
        );
        let advise = |text: &str| Command::GiveAdvice { node: UPPSALA, advice: text.into() };
        assert_eq!(
            story.run(&reviewer, advise("Fine."), "2026-03-03T09:00:00Z"),
            Err(Refusal::NotAllowed),
            "declare first"
        );
        assert_eq!(
            story.run(
                &reviewer,
                Command::GiveAdvice { node: UMEA, advice: "x".into() },
                "2026-03-03T09:00:00Z"
            ),
            Err(Refusal::NotAllowed),
            "invited by Uppsala only"
        );
        story
            .run(
                &reviewer,
                Command::DeclareConflict {
                    node: UPPSALA,
                    conflicted: true,
                    reason: "My former student".into(),
                },
                "2026-03-03T09:00:00Z",
            )
            .unwrap();
        assert_eq!(story.run(&reviewer, advise("Fine."), "2026-03-03T10:00:00Z"), Err(Refusal::NotAllowed));
        assert_eq!(
            story.run(
                &reviewer,
                Command::DeclareConflict { node: UPPSALA, conflicted: false, reason: String::new() },
                "2026-03-03T11:00:00Z"
            ),
            Err(Refusal::WrongState),
            "a declaration is not taken back"
        );
    }

    #[test]
    fn a_member_for_one_cohort_decides_that_cohort_only() {
        // SCAPIS and EpiHealth are both decided at Uppsala; this member serves SCAPIS only.
        let scapis_member = Actor::cohort_committee(SCAPIS_COMMITTEE, &[SCAPIS]);
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let mut story = Story::new();
        let create = Command::Create {
            cohorts: vec![(SCAPIS, UPPSALA), (EPIHEALTH, UPPSALA)],
            rules: vec![(UPPSALA, one_vote())],
        };
        story.run(&applicant(), create, "2026-03-01T10:00:00Z").unwrap();
        for cohort in [SCAPIS, EPIHEALTH] {
            story.run(&applicant(), Command::AcceptTerms { cohort }, "2026-03-01T10:00:00Z").unwrap();
        }
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        let node_wide = [
            Command::AssignHandler { node: UPPSALA, handler: SCAPIS_COMMITTEE },
            Command::ReturnForChanges { node: UPPSALA, questions: "Why?".into() },
            Command::ExtendDeadline { node: UPPSALA, reason: "Time".into() },
        ];
        for command in node_wide {
            assert_eq!(story.run(&scapis_member, command, "2026-03-03T09:00:00Z"), Err(Refusal::NotAllowed));
        }
        story
            .run(
                &uppsala,
                Command::AssignHandler { node: UPPSALA, handler: UPPSALA_COMMITTEE },
                "2026-03-03T09:00:00Z",
            )
            .unwrap();
        assert_eq!(
            story.run(&scapis_member, vote(EPIHEALTH, Vote::Approve), "2026-03-04T09:00:00Z"),
            Err(Refusal::NotAllowed),
            "not the other cohort of the same node"
        );
        story.run(&scapis_member, vote(SCAPIS, Vote::Approve), "2026-03-04T09:00:00Z").unwrap();
        let ends_on = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        story.run(&scapis_member, approve(SCAPIS, ends_on), "2026-03-04T10:00:00Z").unwrap();
        let far = NaiveDate::from_ymd_opt(2099, 1, 1).unwrap();
        story.run(&uppsala, vote(EPIHEALTH, Vote::Approve), "2026-03-05T09:00:00Z").unwrap();
        assert_eq!(
            story.run(&uppsala, approve(EPIHEALTH, far), "2026-03-05T10:00:00Z"),
            Err(Refusal::Invalid("ends_on")),
            "at most ten years"
        );
    }

    #[test]
    fn a_new_version_clears_the_votes_of_every_committee_still_deciding() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let umea = Actor::committee(UMEA_COMMITTEE, &[UMEA]);
        let mut story = Story::new();
        story.run(&applicant(), create_both(), "2026-03-01T10:00:00Z").unwrap();
        for cohort in [SCAPIS, UCAN] {
            story.run(&applicant(), Command::AcceptTerms { cohort }, "2026-03-01T10:00:00Z").unwrap();
        }
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        story
            .run(
                &uppsala,
                Command::AssignHandler { node: UPPSALA, handler: UPPSALA_COMMITTEE },
                "2026-03-03T09:00:00Z",
            )
            .unwrap();
        story.run(&uppsala, vote(SCAPIS, Vote::Approve), "2026-03-03T10:00:00Z").unwrap();
        story
            .run(
                &umea,
                Command::ReturnForChanges { node: UMEA, questions: "Registers?".into() },
                "2026-03-04T09:00:00Z",
            )
            .unwrap();
        story.run(&applicant(), Command::Submit, "2026-03-05T09:00:00Z").unwrap();
        assert!(story.application.parts[&SCAPIS].votes.is_empty(), "Uppsala voted on version 1");
        assert_eq!(
            story.run(
                &uppsala,
                approve(SCAPIS, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
                "2026-03-06T09:00:00Z"
            ),
            Err(Refusal::VotesDoNotCarry)
        );
        // A committee member who voted is not let into the team.
        story.run(&uppsala, vote(SCAPIS, Vote::Approve), "2026-03-06T10:00:00Z").unwrap();
        story
            .run(
                &umea,
                Command::ReturnForChanges { node: UMEA, questions: "More?".into() },
                "2026-03-07T09:00:00Z",
            )
            .unwrap();
        story
            .run(
                &applicant(),
                Command::InviteMember { email: "anna@example.org".into() },
                "2026-03-07T10:00:00Z",
            )
            .unwrap();
        assert_eq!(
            story.run(
                &uppsala,
                Command::JoinTeam { email: "anna@example.org".into() },
                "2026-03-07T11:00:00Z"
            ),
            Err(Refusal::Invalid("person"))
        );
    }

    /// The small world random sequences play in.
    fn actors() -> Vec<Actor> {
        vec![
            Actor::System,
            Actor::person(APPLICANT),
            Actor::person(MEMBER),
            Actor::person(OUTSIDER),
            Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]),
            Actor::committee(UMEA_COMMITTEE, &[UMEA]),
            Actor::reviewer(REVIEWER),
            Actor::cohort_committee(SCAPIS_COMMITTEE, &[SCAPIS]),
        ]
    }

    fn command_strategy() -> impl Strategy<Value = Command> {
        let cohort = prop_oneof![Just(SCAPIS), Just(UCAN), Just(CohortId(999))];
        let node = prop_oneof![Just(UPPSALA), Just(UMEA), Just(NodeId(99))];
        let person = prop_oneof![
            Just(APPLICANT),
            Just(MEMBER),
            Just(OUTSIDER),
            Just(UPPSALA_COMMITTEE),
            Just(REVIEWER)
        ];
        let email = prop_oneof![
            Just(MEMBER_EMAIL.to_owned()),
            Just("outsider@example.org".to_owned()),
            Just("no-at-sign".to_owned())
        ];
        let text = prop_oneof![Just(String::new()), Just("Because.".to_owned())];
        let vote = prop_oneof![Just(Vote::Approve), Just(Vote::Reject), Just(Vote::Abstain)];
        let day = (0i64..1500)
            .prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(d));
        prop_oneof![
            Just(create_both()),
            email.clone().prop_map(|email| Command::InviteMember { email }),
            email.clone().prop_map(|email| Command::CancelInvitation { email }),
            email.prop_map(|email| Command::JoinTeam { email }),
            person.clone().prop_map(|person| Command::RemoveMember { person }),
            cohort.clone().prop_map(|cohort| Command::AcceptTerms { cohort }),
            Just(Command::Submit),
            Just(Command::Submit),
            (node.clone(), person.clone())
                .prop_map(|(node, handler)| Command::AssignHandler { node, handler }),
            (node.clone(), person).prop_map(|(node, reviewer)| Command::InviteReviewer { node, reviewer }),
            (node.clone(), any::<bool>(), text.clone())
                .prop_map(|(node, conflicted, reason)| Command::DeclareConflict { node, conflicted, reason }),
            (node.clone(), text.clone()).prop_map(|(node, advice)| Command::GiveAdvice { node, advice }),
            (cohort.clone(), vote, text.clone()).prop_map(|(cohort, vote, comment)| Command::Vote {
                cohort,
                vote,
                comment
            }),
            // Approvals twice as often as the other votes, so decisions happen.
            cohort.clone().prop_map(|cohort| Command::Vote {
                cohort,
                vote: Vote::Approve,
                comment: String::new()
            }),
            (node.clone(), any::<bool>(), text.clone()).prop_map(|(node, public, text)| Command::AddRemark {
                node,
                public,
                text
            }),
            (node.clone(), text.clone())
                .prop_map(|(node, questions)| Command::ReturnForChanges { node, questions }),
            (node, text.clone()).prop_map(|(node, reason)| Command::ExtendDeadline { node, reason }),
            (cohort.clone(), day.clone(), text.clone()).prop_map(|(cohort, ends_on, conditions)| {
                Command::Decide { cohort, decision: Decision::Approve { ends_on, conditions } }
            }),
            (cohort.clone(), text.clone()).prop_map(|(cohort, reasons)| Command::Decide {
                cohort,
                decision: Decision::Reject { reasons }
            }),
            (cohort.clone(), text.clone()).prop_map(|(cohort, reason)| Command::Revoke { cohort, reason }),
            (cohort.clone(), day, text.clone())
                .prop_map(|(cohort, ends_on, reason)| Command::RequestExtension { cohort, ends_on, reason }),
            (cohort.clone(), any::<bool>(), text.clone())
                .prop_map(|(cohort, approve, comment)| Command::DecideExtension { cohort, approve, comment }),
            (text.clone(), text)
                .prop_map(|(summary, publications)| Command::ReportProgress { summary, publications }),
            cohort.prop_map(|cohort| Command::Expire { cohort }),
            Just(Command::Withdraw),
            Just(Command::Close),
        ]
    }

    /// What must hold after every accepted command, whatever came before.
    fn check_invariants(application: &Application) -> Result<(), String> {
        let state = application.state();
        for part in application.parts.values() {
            let fine = match state {
                ApplicationState::Draft => part.state == PartState::Draft,
                ApplicationState::Withdrawn => {
                    !part.state.in_handling()
                        && part.state != PartState::Returned
                        && part.state != PartState::Draft
                }
                ApplicationState::Decided | ApplicationState::Closed => part.state.decided(),
                ApplicationState::Submitted | ApplicationState::Returned => part.state != PartState::Draft,
            };
            if !fine {
                return Err(format!(
                    "part {} is {:?} while the application is {state:?}",
                    part.cohort, part.state
                ));
            }
            if let PartState::AccessActive { starts_on, ends_on } = part.state
                && ends_on <= starts_on
            {
                return Err("access ends before it starts".into());
            }
            if part.state.in_handling() && part.clock.deadline.is_none() {
                return Err("a part in handling has no deadline".into());
            }
            if part.state == PartState::Returned && part.clock.paused_at.is_none() {
                return Err("a returned part's clock runs".into());
            }
            if part.extension_request.is_some() && !matches!(part.state, PartState::AccessActive { .. }) {
                return Err("an extension is pending for access that is not active".into());
            }
            if !part.votes.is_empty()
                && matches!(part.state, PartState::Draft | PartState::Returned | PartState::Submitted)
            {
                return Err(format!("votes stand on a part that is {:?}", part.state));
            }
            if matches!(part.state, PartState::Approved { .. }) {
                return Err("an approval without access".into());
            }
        }
        for reviewer in &application.reviewers {
            if application.team().contains(&reviewer.person) {
                return Err("a reviewer is on the team".into());
            }
            if reviewer.advice.is_some() && reviewer.conflicted != Some(false) {
                return Err("advice from a reviewer who did not declare themselves free of conflict".into());
            }
        }
        if state != ApplicationState::Draft
            && application.version == 0
            && state != ApplicationState::Withdrawn
        {
            return Err("submitted without a version".into());
        }
        if application.version > 0
            && !application.terms_complete()
            && !application.withdrawn
            && !application.closed
        {
            // Members can only join while editable, and submitting needs everyone's terms.
            let editable = matches!(state, ApplicationState::Returned);
            if !editable {
                return Err("submitted while a member had not accepted the terms".into());
            }
        }
        Ok(())
    }

    /// Who may have caused an event, by role.
    fn allowed(actor: &Actor, event: &Event, before: &Application) -> bool {
        let applicant = actor.id().is_some() && actor.id() == before.applicant;
        let on_team = actor.id().is_some_and(|id| before.team().contains(&id));
        let serves_node_of =
            |cohort: &CohortId| before.parts.get(cohort).is_some_and(|p| before.serves_part(actor, p));
        let invited_reviewer =
            |node: &NodeId| actor.id().is_some_and(|id| before.reviewer(*node, id).is_some());
        match event {
            Event::Created { .. } => actor.id().is_some(),
            Event::MemberInvited { .. }
            | Event::InvitationCancelled { .. }
            | Event::MemberRemoved { .. }
            | Event::Submitted { .. }
            | Event::ExtensionRequested { .. }
            | Event::Withdrawn => applicant,
            Event::MemberJoined { person, email } => {
                actor.id() == Some(*person) && before.invitations.contains(email)
            }
            Event::TermsAccepted { person, .. } => {
                actor.id() == Some(*person) && before.team().contains(person)
            }
            Event::ProgressReported { .. } => on_team,
            Event::HandlerAssigned { node, .. }
            | Event::ReviewerInvited { node, .. }
            | Event::Returned { node, .. }
            | Event::DeadlineExtended { node, .. } => before.serves(actor, *node),
            Event::RemarkAdded { node, public, .. } => {
                before.parts.values().any(|p| p.node == *node && before.serves_part(actor, p))
                    || (on_team && *public)
            }
            Event::ConflictDeclared { node, reviewer, .. } | Event::AdviceGiven { node, reviewer, .. } => {
                invited_reviewer(node) && actor.id() == Some(*reviewer)
            }
            Event::VoteCast { cohort, voter, .. } => serves_node_of(cohort) && actor.id() == Some(*voter),
            Event::Approved { cohort, .. }
            | Event::AccessActivated { cohort, .. }
            | Event::Rejected { cohort, .. }
            | Event::Revoked { cohort, .. }
            | Event::ExtensionGranted { cohort, .. }
            | Event::ExtensionRefused { cohort, .. } => serves_node_of(cohort),
            Event::Expired { .. } => *actor == Actor::System,
            Event::Closed => applicant || before.parts.values().any(|p| before.serves(actor, p.node)),
        }
    }

    /// A valid story, step by step, so random sequences also start deep in the workflow
    /// (a random walk from nothing rarely gets past the terms and the submission).
    /// (index into [`actors`], the command) for each step of the story.
    type Step = (usize, fn() -> Command);

    const CHECKPOINTS: &[Step] = &[
        (1, create_both),
        (1, || Command::InviteMember { email: MEMBER_EMAIL.into() }),
        (2, || Command::JoinTeam { email: MEMBER_EMAIL.into() }),
        (1, || Command::AcceptTerms { cohort: SCAPIS }),
        (1, || Command::AcceptTerms { cohort: UCAN }),
        (2, || Command::AcceptTerms { cohort: SCAPIS }),
        (2, || Command::AcceptTerms { cohort: UCAN }),
        (1, || Command::Submit),
        (4, || Command::AssignHandler { node: UPPSALA, handler: UPPSALA_COMMITTEE }),
        (4, || Command::InviteReviewer { node: UPPSALA, reviewer: REVIEWER }),
        (6, || Command::DeclareConflict { node: UPPSALA, conflicted: false, reason: String::new() }),
        (5, || Command::ReturnForChanges { node: UMEA, questions: "Which registers?".into() }),
        (1, || Command::Submit),
        (5, || Command::AssignHandler { node: UMEA, handler: UMEA_COMMITTEE }),
        (4, || Command::Vote { cohort: SCAPIS, vote: Vote::Approve, comment: String::new() }),
        (4, || approve(SCAPIS, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap())),
        (1, || Command::RequestExtension {
            cohort: SCAPIS,
            ends_on: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            reason: "More follow-up".into(),
        }),
    ];

    /// The application after the first `steps` steps of the story.
    fn reach(steps: usize) -> (Application, Vec<(Event, DateTime<Utc>)>) {
        let actors = actors();
        let mut application = Application::default();
        let mut log = Vec::new();
        for (i, (who, command)) in CHECKPOINTS.iter().take(steps).enumerate() {
            let context = context_at(at("2026-01-05T09:00:00Z") + chrono::Duration::days(i as i64));
            for event in
                decide(&application, &actors[*who], &command(), &context).expect("the story is valid")
            {
                application.apply(&event, context.now);
                log.push((event, context.now));
            }
        }
        (application, log)
    }

    #[test]
    fn the_story_the_random_walks_start_from_is_valid() {
        let (application, _) = reach(CHECKPOINTS.len());
        assert!(application.parts[&SCAPIS].extension_request.is_some());
        assert_eq!(check_invariants(&application), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

        /// No sequence of commands, by anyone, in any order, reaches an illegal state, and
        /// every accepted command came from someone with the role for it.
        #[test]
        fn no_command_sequence_reaches_an_illegal_state(
            checkpoint in 0usize..=CHECKPOINTS.len(),
            steps in proptest::collection::vec((0usize..8, command_strategy(), 0i64..40), 1..40)
        ) {
            let actors = actors();
            let (mut application, mut log) = reach(checkpoint);
            let mut now = at("2026-02-01T09:00:00Z");
            for (who, command, days) in steps {
                now += chrono::Duration::days(days);
                let context = context_at(now);
                let actor = &actors[who];
                let permitted = application.permitted(actor, &context);
                if let Ok(events) = decide(&application, actor, &command, &context) {
                    prop_assert!(permitted.contains(&command.permission()), "{command:?} was not in {permitted:?}");
                    prop_assert!(!events.is_empty());
                    let before = application.clone();
                    for event in &events {
                        prop_assert!(allowed(actor, event, &before), "{actor:?} caused {event:?}");
                        application.apply(event, now);
                        log.push((event.clone(), now));
                    }
                    if let Err(problem) = check_invariants(&application) {
                        prop_assert!(false, "{problem} after {command:?} by {actor:?}");
                    }
                }
            }
            let replayed = Application::fold(log.iter().map(|(e, t)| (e, *t)));
            prop_assert_eq!(replayed, application);
        }
    }
}

/// What each person may see, and the permission table behind the pages (moved here from
/// the policy, which now asks [`Application::visibility`]).
#[cfg(test)]
mod visibility_tests {
    use super::*;
    use crate::workflow::Aggregate;

    const SARA: PersonId = PersonId(1);
    const DAVID: PersonId = PersonId(2);
    const UPPSALA: NodeId = NodeId(10);
    const UMEA: NodeId = NodeId(20);
    const SCAPIS: CohortId = CohortId(100);
    const UCAN: CohortId = CohortId(200);
    const EPIHEALTH: CohortId = CohortId(300);

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    /// SCAPIS decided at Uppsala, U-CAN at Umeå; Sara applies with David.
    fn two_node_application(submitted: bool, extra: &[(CohortId, NodeId)]) -> Application {
        let mut cohorts = vec![(SCAPIS, UPPSALA), (UCAN, UMEA)];
        cohorts.extend_from_slice(extra);
        let now = at("2026-03-01T10:00:00Z");
        let mut events = vec![
            Event::Created { applicant: SARA, cohorts: cohorts.clone(), rules: vec![] },
            Event::MemberInvited { email: "david@example.org".into() },
            Event::MemberJoined { person: DAVID, email: "david@example.org".into() },
        ];
        if submitted {
            for (cohort, _) in &cohorts {
                for person in [SARA, DAVID] {
                    events.push(Event::TermsAccepted { person, cohort: *cohort });
                }
            }
            events.push(Event::Submitted { version: 1, nodes: vec![UPPSALA, UMEA] });
        }
        Application::fold(events.iter().map(|e| (e, now)))
    }

    fn sees(application: &Application, actor: &Actor) -> bool {
        application.visibility(actor, &AccessFacts::default()).sees_application()
    }

    #[test]
    fn the_commands_without_values_are_those_named_unit() {
        for name in PersonCommand::UNIT {
            let parsed: PersonCommand = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn the_team_reads_its_application_and_committees_their_part_once_submitted() {
        let draft = two_node_application(false, &[]);
        let submitted = two_node_application(true, &[]);
        let uppsala = Actor::committee(PersonId(4), &[UPPSALA]);
        let scapis_only = Actor::cohort_committee(PersonId(5), &[SCAPIS]);
        let umea_coordinator = Actor::committee(PersonId(6), &[UMEA]);
        let elsewhere = Actor::committee(PersonId(7), &[NodeId(99)]);
        let outsider = Actor::person(PersonId(8));
        assert!(sees(&draft, &Actor::person(SARA)) && sees(&draft, &Actor::person(DAVID)));
        assert!(draft.visibility(&Actor::person(SARA), &AccessFacts::default()).sees_draft());
        for committee in [&uppsala, &scapis_only, &umea_coordinator] {
            assert!(!sees(&draft, committee), "a draft is private");
            assert!(sees(&submitted, committee));
            assert!(!submitted.visibility(committee, &AccessFacts::default()).sees_draft());
        }
        for stranger in [&elsewhere, &outsider] {
            assert!(!sees(&submitted, stranger));
        }
        assert_eq!(
            submitted.visibility(&scapis_only, &AccessFacts::default()).node_wide,
            [UPPSALA].into_iter().collect(),
            "SCAPIS is all Uppsala decides here"
        );
        let three = two_node_application(true, &[(EPIHEALTH, UPPSALA)]);
        let lens = three.visibility(&scapis_only, &AccessFacts::default());
        assert_eq!(lens.deciding, [SCAPIS].into_iter().collect());
        assert!(lens.node_wide.is_empty(), "EpiHealth is not theirs");
        assert_eq!(
            three.visibility(&uppsala, &AccessFacts::default()).node_wide,
            [UPPSALA].into_iter().collect()
        );
        // A committee member who applies serves no committee for their own application.
        let applying_member = Actor::committee(SARA, &[UPPSALA]);
        let own = submitted.visibility(&applying_member, &AccessFacts::default());
        assert!(own.serving.is_empty() && own.on_team);
        let context = Context::at(at("2026-03-02T10:00:00Z"));
        assert!(
            submitted
                .permitted(&applying_member, &context)
                .iter()
                .all(|p| !matches!(p, Permission::AssignHandler(_)))
        );
        assert_eq!(
            submitted.visibility(&umea_coordinator, &AccessFacts::default()).serving,
            [UMEA].into_iter().collect()
        );
    }

    #[test]
    fn a_cohort_member_sees_only_their_cohorts_committee_business() {
        let mut three = two_node_application(true, &[(EPIHEALTH, UPPSALA)]);
        let now = at("2026-03-03T10:00:00Z");
        for event in [
            Event::HandlerAssigned { node: UPPSALA, handler: PersonId(4) },
            Event::VoteCast {
                cohort: EPIHEALTH,
                voter: PersonId(4),
                vote: votes::Vote::Reject,
                comment: "no".into(),
            },
            Event::Rejected { cohort: EPIHEALTH, reasons: "Outside consent".into() },
            Event::VoteCast {
                cohort: SCAPIS,
                voter: PersonId(5),
                vote: votes::Vote::Approve,
                comment: "yes".into(),
            },
        ] {
            three.apply(&event, now);
        }
        let scapis_only = Actor::cohort_committee(PersonId(5), &[SCAPIS]);
        let lens = three.visibility(&scapis_only, &AccessFacts::default());
        let epihealth_vote = Event::VoteCast {
            cohort: EPIHEALTH,
            voter: PersonId(4),
            vote: votes::Vote::Reject,
            comment: "no".into(),
        };
        let epihealth_rejected = Event::Rejected { cohort: EPIHEALTH, reasons: "Outside consent".into() };
        let scapis_vote = Event::VoteCast {
            cohort: SCAPIS,
            voter: PersonId(5),
            vote: votes::Vote::Approve,
            comment: "yes".into(),
        };
        assert!(!lens.sees_event(&epihealth_vote, &three), "another cohort's votes");
        assert!(!lens.sees_event(&epihealth_rejected, &three), "another cohort's decision");
        assert!(lens.sees_event(&scapis_vote, &three));
        // The team sees every decision, never a vote.
        let team = three.visibility(&Actor::person(SARA), &AccessFacts::default());
        assert!(team.sees_event(&epihealth_rejected, &three) && !team.sees_event(&epihealth_vote, &three));
    }

    #[test]
    fn a_reviewer_with_a_conflict_never_sees_the_application_whatever_else_they_are() {
        let submitted = two_node_application(true, &[]);
        let now = at("2026-03-03T10:00:00Z");
        let invited = |conflicted: Option<bool>| {
            let mut application = submitted.clone();
            application.apply(&Event::ReviewerInvited { node: UPPSALA, reviewer: PersonId(9) }, now);
            if let Some(conflicted) = conflicted {
                let declared = Event::ConflictDeclared {
                    node: UPPSALA,
                    reviewer: PersonId(9),
                    conflicted,
                    reason: String::new(),
                };
                application.apply(&declared, now);
            }
            application
        };
        let reviewer = Actor::reviewer(PersonId(9));
        let reviewer_and_committee = Actor::Person {
            id: PersonId(9),
            seats: Seats { nodes: [UMEA].into_iter().collect(), cohorts: BTreeSet::new() },
            reviewer: true,
        };
        let undeclared = invited(None);
        assert!(!sees(&undeclared, &reviewer), "nothing before the declaration");
        assert_eq!(
            undeclared.visibility(&reviewer, &AccessFacts::default()).invited,
            [UPPSALA].into_iter().collect()
        );
        assert!(sees(&invited(Some(false)), &reviewer));
        let conflicted = invited(Some(true));
        for who in [&reviewer, &reviewer_and_committee] {
            let lens = conflicted.visibility(who, &AccessFacts::default());
            assert!(!lens.sees_application() && lens.serving.is_empty());
            // The request itself stays theirs: it shows the conflict they declared.
            assert_eq!(lens.invited, [UPPSALA].into_iter().collect());
        }
        // Without the reviewer role an invitation shows nothing.
        assert!(!sees(&invited(Some(false)), &Actor::person(PersonId(9))));
    }
}
