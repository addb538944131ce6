//! A co-creation proposal as the fold of its events: drafted by a company, submitted
//! before the call closes (automatic eligibility checks at once), screened by the call's
//! administrators, reviewed by assigned reviewers, decided by the board and released with
//! the call's other decisions; a selected proposal starts an agreement.
//!
//! [`Proposal::may`] is the permission table, [`Proposal::check`] the rules about values,
//! [`Proposal::visibility`] what each person may see. "A representative of the company, or
//! someone who declared a conflict with it, takes no part in judging it" is
//! [`ProposalFacts::excluded`]; who may be assigned to review is
//! [`ProposalFacts::may_review`]. Nothing else says either.

use crate::ids::{CallId, CompanyId, PersonId};
use crate::workflow::{self, Aggregate, EventKind, Permissioned, require, text_fits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Longest reason, rationale, summary or review comment.
pub const MAX_TEXT: usize = 5_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    #[default]
    Draft,
    /// Sent in and through the automatic checks; waiting for screening.
    Submitted,
    Ineligible,
    InReview,
    Selected,
    Reserve,
    NotSelected,
    Withdrawn,
}

impl ProposalState {
    pub const ALL: [ProposalState; 8] = [
        ProposalState::Draft,
        ProposalState::Submitted,
        ProposalState::Ineligible,
        ProposalState::InReview,
        ProposalState::Selected,
        ProposalState::Reserve,
        ProposalState::NotSelected,
        ProposalState::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProposalState::Draft => "draft",
            ProposalState::Submitted => "submitted",
            ProposalState::Ineligible => "ineligible",
            ProposalState::InReview => "in_review",
            ProposalState::Selected => "selected",
            ProposalState::Reserve => "reserve",
            ProposalState::NotSelected => "not_selected",
            ProposalState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Sent in at least once: what counts as "received" on the public page.
    pub fn received(self) -> bool {
        !matches!(self, ProposalState::Draft | ProposalState::Withdrawn)
    }

    /// Decided and released.
    pub fn decided(self) -> bool {
        matches!(self, ProposalState::Selected | ProposalState::Reserve | ProposalState::NotSelected)
    }
}

/// A call with an expression of interest first asks for a short proposal; those invited
/// go on to write the full one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    ExpressionOfInterest,
    #[default]
    Full,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::ExpressionOfInterest => "expression_of_interest",
            Stage::Full => "full",
        }
    }

    pub fn parse(code: &str) -> Option<Stage> {
        [Stage::ExpressionOfInterest, Stage::Full].into_iter().find(|s| s.code() == code)
    }
}

/// The board's decision on a proposal; released to the company with the call's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Selected,
    Reserve,
    NotSelected,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Selected, Decision::Reserve, Decision::NotSelected];

    pub fn code(self) -> &'static str {
        match self {
            Decision::Selected => "selected",
            Decision::Reserve => "reserve",
            Decision::NotSelected => "not_selected",
        }
    }

    pub fn parse(code: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.code() == code)
    }

    pub fn state(self) -> ProposalState {
        match self {
            Decision::Selected => ProposalState::Selected,
            Decision::Reserve => ProposalState::Reserve,
            Decision::NotSelected => ProposalState::NotSelected,
        }
    }
}

/// How sure a reviewer is of their review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    pub fn code(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(code: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// One criterion's score in a review: half points 0–10 (0.0–5.0) and the comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionScore {
    pub criterion: String,
    pub halves: Option<u8>,
    pub comment: String,
}

/// A review as the reviewer submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub scores: Vec<CriterionScore>,
    pub assessed_trl: Option<u8>,
    pub confidence: Option<Confidence>,
}

/// One submitted revision of a reviewer's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedReview {
    pub revision: u32,
    pub review: Review,
    pub justification: Option<String>,
    pub at: DateTime<Utc>,
}

/// A reviewer on the proposal and what they have submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub suggested: bool,
    pub revisions: Vec<SubmittedReview>,
}

/// The state of a proposal as it stood when its log began to be kept as typed events
/// (derived once by the upgrade from the tables of the earlier design).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migrated {
    pub company: CompanyId,
    pub call: CallId,
    pub state: ProposalState,
    pub stage: Stage,
    pub version: u32,
    pub ineligible_reason: Option<String>,
    pub decision: Option<(Decision, String, String)>,
    pub released: bool,
    pub agreement_started: bool,
    pub reviewers: BTreeMap<PersonId, Assignment>,
}

/// Everything anyone can ask of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Create {
        company: CompanyId,
        call: CallId,
        stage: Stage,
    },
    /// `ineligible`: what the automatic checks found in the form (empty when eligible);
    /// missing parts are refused before this.
    Submit {
        ineligible: Vec<String>,
    },
    Screen {
        eligible: bool,
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    AssignReviewer {
        reviewer: PersonId,
        suggested: bool,
    },
    RemoveReviewer {
        reviewer: PersonId,
    },
    /// The reviewer declared a conflict with the company: off the proposal at once.
    StepDown,
    SubmitReview {
        review: Review,
        justification: String,
    },
    RecordDecision {
        decision: Decision,
        rationale: String,
        summary: String,
    },
    /// The call's decisions go out together; each proposal's is released by this.
    Release,
    StartAgreement,
}

/// The commands a person gives through the proposal page's small forms. Submitting
/// (the eligibility checks are the server's), reviewing (the review form) and creating
/// have server functions of their own, so a posted form can never ask for those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonCommand {
    Screen {
        eligible: bool,
        #[serde(default)]
        reason: String,
    },
    Withdraw {
        #[serde(default)]
        reason: String,
    },
    AssignReviewer {
        reviewer: PersonId,
    },
    RemoveReviewer {
        reviewer: PersonId,
    },
    RecordDecision {
        decision: Decision,
        #[serde(default)]
        rationale: String,
        #[serde(default)]
        summary: String,
    },
    StartAgreement,
}

impl From<PersonCommand> for Command {
    fn from(command: PersonCommand) -> Command {
        match command {
            PersonCommand::Screen { eligible, reason } => Command::Screen { eligible, reason },
            PersonCommand::Withdraw { reason } => Command::Withdraw { reason },
            PersonCommand::AssignReviewer { reviewer } => {
                Command::AssignReviewer { reviewer, suggested: false }
            }
            PersonCommand::RemoveReviewer { reviewer } => Command::RemoveReviewer { reviewer },
            PersonCommand::RecordDecision { decision, rationale, summary } => {
                Command::RecordDecision { decision, rationale, summary }
            }
            PersonCommand::StartAgreement => Command::StartAgreement,
        }
    }
}

/// What happened. Folding these gives the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Created { company: CompanyId, call: CallId, stage: Stage },
    Submitted { version: u32 },
    FoundIneligible { version: u32, reasons: String },
    ScreenedEligible { reason: Option<String> },
    InvitedToFullProposal { reason: Option<String> },
    ScreenedIneligible { reason: String },
    Withdrawn { reason: String },
    ReviewerAssigned { reviewer: PersonId, suggested: bool },
    ReviewerRemoved { reviewer: PersonId },
    ReviewerConflicted { reviewer: PersonId },
    ReviewSubmitted { reviewer: PersonId, revision: u32, review: Review },
    ReviewRevised { reviewer: PersonId, revision: u32, review: Review, justification: String },
    DecisionRecorded { decision: Decision, rationale: String, summary: String },
    DecisionReleased,
    AgreementStarted,
    Migrated(Box<Migrated>),
}

impl EventKind for Event {
    fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::Submitted { .. } => "submitted",
            Event::FoundIneligible { .. } => "found_ineligible",
            Event::ScreenedEligible { .. } => "screened_eligible",
            Event::InvitedToFullProposal { .. } => "invited_to_full_proposal",
            Event::ScreenedIneligible { .. } => "screened_ineligible",
            Event::Withdrawn { .. } => "withdrawn",
            Event::ReviewerAssigned { .. } => "reviewers_assigned",
            Event::ReviewerRemoved { .. } => "reviewer_removed",
            Event::ReviewerConflicted { .. } => "reviewer_conflicted",
            Event::ReviewSubmitted { .. } => "review_submitted",
            Event::ReviewRevised { .. } => "review_revised",
            Event::DecisionRecorded { .. } => "decision_recorded",
            Event::DecisionReleased => "decision_released",
            Event::AgreementStarted => "agreement_started",
            Event::Migrated(_) => "migrated",
        }
    }
}

/// Every kind of event, for translations and the timeline.
pub const EVENT_KINDS: [&str; 16] = [
    "created",
    "submitted",
    "found_ineligible",
    "screened_eligible",
    "invited_to_full_proposal",
    "screened_ineligible",
    "withdrawn",
    "reviewers_assigned",
    "reviewer_removed",
    "reviewer_conflicted",
    "review_submitted",
    "review_revised",
    "decision_recorded",
    "decision_released",
    "agreement_started",
    "migrated",
];

impl Event {
    /// The review work and the board's deliberation: never shown to the company.
    pub fn internal(&self) -> bool {
        Proposal::internal_kind(self.kind())
    }

    /// The reason an event carries, for the log's reason column.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Event::FoundIneligible { reasons: text, .. }
            | Event::ScreenedIneligible { reason: text }
            | Event::Withdrawn { reason: text }
            | Event::ReviewRevised { justification: text, .. }
            | Event::DecisionRecorded { rationale: text, .. } => Some(text),
            Event::ScreenedEligible { reason } | Event::InvitedToFullProposal { reason } => reason.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not yours to do")]
    NotAllowed,
    #[error("not in this state")]
    WrongState,
    #[error("the call has closed")]
    CallClosed,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("no decision to release")]
    NoDecision,
    /// A value is not acceptable: the field, and the message's translation key.
    #[error("invalid {0}")]
    Invalid(String, &'static str),
}

impl Refusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            Refusal::NotAllowed => "error.forbidden",
            Refusal::WrongState => "proposal.refused.wrong_state",
            Refusal::CallClosed => "proposal.refused.call_closed",
            Refusal::ReasonRequired => "form.required",
            Refusal::NoDecision => "proposal.refused.no_decision",
            Refusal::Invalid(_, key) => key,
        }
    }

    /// The field a refusal is shown at.
    pub fn field(&self) -> &str {
        match self {
            Refusal::ReasonRequired => "reason",
            Refusal::Invalid(field, _) => field,
            _ => "",
        }
    }
}

/// The call as a proposal's rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTerms {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// The call's decisions have gone out.
    pub released: bool,
    /// The codes of the call's criteria, in order: a review scores each.
    pub criteria: Vec<String>,
}

impl CallTerms {
    pub fn open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// What the rules need from outside the proposal's log, read in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalFacts {
    pub call: CallTerms,
    /// The company's representatives.
    pub representatives: BTreeSet<PersonId>,
    /// People who declared a conflict of interest with the company.
    pub conflicted: BTreeSet<PersonId>,
    /// People who hold the reviewer role.
    pub reviewers: BTreeSet<PersonId>,
}

impl ProposalFacts {
    /// Takes no part in judging the proposal: represents the company or declared a conflict.
    pub fn excluded(&self, person: PersonId) -> bool {
        self.representatives.contains(&person) || self.conflicted.contains(&person)
    }

    /// The people who take no part in judging (for the panel's and queues' projection).
    pub fn excluded_people(&self) -> BTreeSet<PersonId> {
        self.representatives.union(&self.conflicted).copied().collect()
    }

    /// May this person be assigned to review: a reviewer, neither representative nor conflicted.
    pub fn may_review(&self, person: PersonId) -> bool {
        self.reviewers.contains(&person) && !self.excluded(person)
    }
}

pub type Context = workflow::Context<ProposalFacts>;

/// The roles a person holds, as far as proposals are concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub administrator: bool,
    pub board: bool,
    pub reviewer: bool,
}

/// Who gives a command or looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: PersonId,
    pub roles: Roles,
}

/// The proposal, as the fold of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub company: CompanyId,
    pub call: CallId,
    pub created: bool,
    pub state: ProposalState,
    pub stage: Stage,
    /// Submissions so far: each is a version outsiders read.
    pub version: u32,
    pub ineligible_reason: Option<String>,
    pub reviewers: BTreeMap<PersonId, Assignment>,
    /// (decision, rationale, consensus summary), recorded and not yet released or released.
    pub decision: Option<(Decision, String, String)>,
    pub released: bool,
    pub agreement_started: bool,
}

crate::codes::code_list!(
    /// The kind of command, with whom it is about: the permission table's rows.
    Permission {
        Create = "create",
        /// Save the draft's form (no event: a draft changes as it is typed).
        EditDraft = "edit_draft",
        Submit = "submit",
        Screen = "screen",
        Withdraw = "withdraw",
        AssignReviewers = "assign_reviewers",
        RemoveReviewer = "remove_reviewer",
        StepDown = "step_down",
        Review = "review",
        RecordDecision = "record_decision",
        Release = "release",
        StartAgreement = "start_agreement",
    }
);

impl Permissioned for Command {
    type Permission = Permission;

    fn permission(&self) -> Permission {
        match self {
            Command::Create { .. } => Permission::Create,
            Command::Submit { .. } => Permission::Submit,
            Command::Screen { .. } => Permission::Screen,
            Command::Withdraw { .. } => Permission::Withdraw,
            Command::AssignReviewer { .. } => Permission::AssignReviewers,
            Command::RemoveReviewer { .. } => Permission::RemoveReviewer,
            Command::StepDown => Permission::StepDown,
            Command::SubmitReview { .. } => Permission::Review,
            Command::RecordDecision { .. } => Permission::RecordDecision,
            Command::Release => Permission::Release,
            Command::StartAgreement => Permission::StartAgreement,
        }
    }
}

/// Whose reviews a person reads, and whether with the reviewers' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewsSeen {
    None,
    /// A reviewer who has submitted their own: the others', numbered, without names.
    OthersUnnamed,
    /// The board and administrators: every submitted review with its reviewer.
    AllNamed,
    /// The company after the release: the consensus report (scores and comments, no names).
    ConsensusReport,
}

/// What one person may see of a proposal. Pages, the panel, mail and downloads ask it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    /// May read the proposal at all.
    pub sees: bool,
    /// A representative: the live draft and everything the company is told.
    pub company: bool,
    /// An administrator or board member free of conflict: the review work and deliberation.
    pub judge: bool,
    /// Assigned to review it.
    pub reviewer: bool,
    pub reviews: ReviewsSeen,
    /// The board's decision, rationale and summary.
    pub decision: bool,
}

impl Visibility {
    const NOTHING: Visibility = Visibility {
        sees: false,
        company: false,
        judge: false,
        reviewer: false,
        reviews: ReviewsSeen::None,
        decision: false,
    };

    /// The form as typed now (the company) rather than the last submitted version.
    pub fn sees_draft(&self) -> bool {
        self.company
    }

    /// May the person see this kind of event of the log? The company never sees the review
    /// work or the board's deliberation.
    pub fn sees_event(&self, kind: &str) -> bool {
        self.sees && (self.judge || !Proposal::internal_kind(kind))
    }

    /// Who did it: internal events name their actor only to the judges.
    pub fn sees_actor(&self, kind: &str) -> bool {
        self.judge || !Proposal::internal_kind(kind)
    }
}

crate::text_refusals!(Refusal);

fn need(text: &str) -> Result<String, Refusal> {
    workflow::reason(text, MAX_TEXT)
}

fn optional(text: &str) -> Result<Option<String>, Refusal> {
    workflow::optional_text("reason", text, MAX_TEXT)
}

impl Proposal {
    pub fn internal_kind(kind: &str) -> bool {
        matches!(
            kind,
            "reviewers_assigned"
                | "reviewer_removed"
                | "reviewer_conflicted"
                | "review_submitted"
                | "review_revised"
                | "decision_recorded"
        )
    }

    /// Submitted at least once: outsiders may look (administrators, board, reviewers).
    pub fn submitted(&self) -> bool {
        self.version > 0
    }

    /// The reviewer's last submitted review.
    pub fn review_of(&self, reviewer: PersonId) -> Option<&SubmittedReview> {
        self.reviewers.get(&reviewer).and_then(|a| a.revisions.last())
    }

    /// Every reviewer's last submitted review.
    pub fn submitted_reviews(&self) -> impl Iterator<Item = (PersonId, &SubmittedReview)> {
        self.reviewers.iter().filter_map(|(p, a)| a.revisions.last().map(|r| (*p, r)))
    }

    fn judging(&self, actor: &Actor, facts: &ProposalFacts) -> (bool, bool, bool) {
        let outside = self.submitted() && !facts.excluded(actor.id);
        let admin = outside && actor.roles.administrator;
        let board = outside && actor.roles.board;
        let reviewer = outside && actor.roles.reviewer && self.reviewers.contains_key(&actor.id);
        (admin, board, reviewer)
    }

    /// What the person may see, given who they are and the facts around the proposal.
    pub fn visibility_with(&self, actor: &Actor, facts: &ProposalFacts) -> Visibility {
        let company = facts.representatives.contains(&actor.id);
        let (admin, board, reviewer) = self.judging(actor, facts);
        let judge = admin || board;
        if !(company || judge || reviewer) {
            return Visibility::NOTHING;
        }
        let reviews = if judge {
            ReviewsSeen::AllNamed
        } else if reviewer && self.review_of(actor.id).is_some() {
            ReviewsSeen::OthersUnnamed
        } else if company && self.released {
            ReviewsSeen::ConsensusReport
        } else {
            ReviewsSeen::None
        };
        Visibility {
            sees: true,
            company,
            judge,
            reviewer,
            reviews,
            decision: judge || (company && self.released),
        }
    }

    /// Decided, or past the point where a decision can be recorded.
    pub fn awaits_decision(&self) -> bool {
        self.state == ProposalState::InReview && self.decision.is_none()
    }

    fn apply_event(&mut self, event: &Event, at: DateTime<Utc>) {
        match event {
            Event::Created { company, call, stage } => {
                self.created = true;
                self.company = *company;
                self.call = *call;
                self.stage = *stage;
                self.state = ProposalState::Draft;
            }
            Event::Submitted { version } => {
                self.version = *version;
                self.state = ProposalState::Submitted;
            }
            Event::FoundIneligible { version, reasons } => {
                self.version = *version;
                self.state = ProposalState::Ineligible;
                self.ineligible_reason = Some(reasons.clone());
            }
            Event::ScreenedEligible { .. } => self.state = ProposalState::InReview,
            Event::InvitedToFullProposal { .. } => {
                self.state = ProposalState::Draft;
                self.stage = Stage::Full;
            }
            Event::ScreenedIneligible { reason } => {
                self.state = ProposalState::Ineligible;
                self.ineligible_reason = Some(reason.clone());
            }
            Event::Withdrawn { .. } => self.state = ProposalState::Withdrawn,
            Event::ReviewerAssigned { reviewer, suggested } => {
                self.reviewers
                    .entry(*reviewer)
                    .or_insert(Assignment { suggested: *suggested, revisions: Vec::new() });
            }
            Event::ReviewerRemoved { reviewer } | Event::ReviewerConflicted { reviewer } => {
                self.reviewers.remove(reviewer);
            }
            Event::ReviewSubmitted { reviewer, revision, review } => {
                if let Some(assignment) = self.reviewers.get_mut(reviewer) {
                    let submitted = SubmittedReview {
                        revision: *revision,
                        review: review.clone(),
                        justification: None,
                        at,
                    };
                    assignment.revisions.push(submitted);
                }
            }
            Event::ReviewRevised { reviewer, revision, review, justification } => {
                if let Some(assignment) = self.reviewers.get_mut(reviewer) {
                    assignment.revisions.push(SubmittedReview {
                        revision: *revision,
                        review: review.clone(),
                        justification: Some(justification.clone()),
                        at,
                    });
                }
            }
            Event::DecisionRecorded { decision, rationale, summary } => {
                self.decision = Some((*decision, rationale.clone(), summary.clone()));
            }
            Event::DecisionReleased => {
                self.released = true;
                if let Some((decision, ..)) = &self.decision {
                    self.state = decision.state();
                }
            }
            Event::AgreementStarted => self.agreement_started = true,
            Event::Migrated(state) => {
                let Migrated {
                    company,
                    call,
                    state,
                    stage,
                    version,
                    ineligible_reason,
                    decision,
                    released,
                    agreement_started,
                    reviewers,
                } = state.as_ref().clone();
                *self = Proposal {
                    company,
                    call,
                    created: true,
                    state,
                    stage,
                    version,
                    ineligible_reason,
                    reviewers,
                    decision,
                    released,
                    agreement_started,
                };
            }
        }
    }
}

/// What keeps a call's decisions from going out together, as message keys: the call is
/// still open, proposals wait for screening, or proposals in review lack a decision.
/// `proposals` are (state, has a recorded decision) of each of the call's proposals.
pub fn release_blockers(
    call_open: bool,
    already_released: bool,
    proposals: impl IntoIterator<Item = (ProposalState, bool)>,
) -> Vec<&'static str> {
    if already_released {
        return vec!["panel.blocked.released"];
    }
    let mut blockers = Vec::new();
    if call_open {
        blockers.push("panel.blocked.open");
    }
    let proposals: Vec<(ProposalState, bool)> = proposals.into_iter().collect();
    if proposals.iter().any(|(state, _)| *state == ProposalState::Submitted) {
        blockers.push("panel.blocked.screening");
    }
    if proposals.iter().any(|(state, decided)| *state == ProposalState::InReview && !decided) {
        blockers.push("panel.blocked.undecided");
    }
    blockers
}

impl Aggregate for Proposal {
    type Command = Command;
    type Event = Event;
    type Actor = Actor;
    type Facts = ProposalFacts;
    type Refusal = Refusal;
    type Visibility = Visibility;

    fn apply(&mut self, event: &Event, at: DateTime<Utc>) {
        self.apply_event(event, at);
    }

    fn candidates(&self) -> Vec<Permission> {
        Permission::ALL.to_vec()
    }

    fn may(&self, actor: &Actor, permission: Permission, context: &Context) -> Result<(), Refusal> {
        use ProposalState::*;
        let facts = &context.facts;
        let company = facts.representatives.contains(&actor.id);
        let (admin, board, reviewer) = self.judging(actor, facts);
        let state = self.state;
        let may = |who: bool, when: bool| {
            require(who, Refusal::NotAllowed)?;
            require(when, Refusal::WrongState)
        };
        if permission != Permission::Create && !self.created {
            return Err(Refusal::WrongState);
        }
        match permission {
            Permission::Create => {
                may(company, !self.created)?;
                require(facts.call.open(context.now), Refusal::CallClosed)
            }
            Permission::EditDraft | Permission::Submit => {
                may(company, state == Draft)?;
                require(facts.call.open(context.now), Refusal::CallClosed)
            }
            Permission::Withdraw => may(company, matches!(state, Draft | Submitted | InReview)),
            Permission::Screen => may(admin, state == Submitted),
            Permission::AssignReviewers | Permission::RemoveReviewer => {
                may(admin, state == InReview && !self.released)
            }
            Permission::StepDown => may(self.reviewers.contains_key(&actor.id), true),
            Permission::Review => may(reviewer, state == InReview && self.decision.is_none()),
            Permission::RecordDecision => may(board, state == InReview && !facts.call.released),
            Permission::Release => {
                may(admin, state == InReview)?;
                require(self.decision.is_some(), Refusal::NoDecision)
            }
            Permission::StartAgreement => may(company || admin, state == Selected && !self.agreement_started),
        }
    }

    fn check(&self, actor: &Actor, command: &Command, context: &Context) -> Result<Vec<Event>, Refusal> {
        let facts = &context.facts;
        match command {
            Command::Create { company, call, stage } => {
                Ok(vec![Event::Created { company: *company, call: *call, stage: *stage }])
            }
            Command::Submit { ineligible } => {
                let version = self.version + 1;
                if ineligible.is_empty() {
                    Ok(vec![Event::Submitted { version }])
                } else {
                    Ok(vec![Event::FoundIneligible { version, reasons: ineligible.join("; ") }])
                }
            }
            Command::Screen { eligible: true, reason } => {
                let reason = optional(reason)?;
                Ok(vec![match self.stage {
                    Stage::ExpressionOfInterest => Event::InvitedToFullProposal { reason },
                    Stage::Full => Event::ScreenedEligible { reason },
                }])
            }
            Command::Screen { eligible: false, reason } => {
                Ok(vec![Event::ScreenedIneligible { reason: need(reason)? }])
            }
            Command::Withdraw { reason } => Ok(vec![Event::Withdrawn { reason: need(reason)? }]),
            Command::AssignReviewer { reviewer, suggested } => {
                require(facts.may_review(*reviewer), invalid("reviewer", "proposal.refused.reviewer"))?;
                require(
                    !self.reviewers.contains_key(reviewer),
                    invalid("reviewer", "proposal.refused.reviewer"),
                )?;
                Ok(vec![Event::ReviewerAssigned { reviewer: *reviewer, suggested: *suggested }])
            }
            Command::RemoveReviewer { reviewer } => {
                let assignment =
                    self.reviewers.get(reviewer).ok_or(invalid("reviewer", "proposal.refused.reviewer"))?;
                require(assignment.revisions.is_empty(), invalid("reviewer", "proposal.refused.reviewed"))?;
                Ok(vec![Event::ReviewerRemoved { reviewer: *reviewer }])
            }
            Command::StepDown => {
                require(facts.conflicted.contains(&actor.id), Refusal::NotAllowed)?;
                Ok(vec![Event::ReviewerConflicted { reviewer: actor.id }])
            }
            Command::SubmitReview { review, justification } => {
                for criterion in &facts.call.criteria {
                    let score = review.scores.iter().find(|s| &s.criterion == criterion);
                    let scored = score.and_then(|s| s.halves).is_some_and(|halves| halves <= 10);
                    if !scored {
                        return Err(invalid(&format!("score-{criterion}"), "review.refused.score"));
                    }
                    let comment = score.map(|s| s.comment.as_str()).unwrap_or_default();
                    if comment.trim().is_empty() {
                        return Err(invalid(&format!("comment-{criterion}"), "review.refused.comment"));
                    }
                    if !text_fits(comment, MAX_TEXT, true) {
                        return Err(invalid(&format!("comment-{criterion}"), "form.too_long"));
                    }
                }
                let unknown = review.scores.iter().any(|s| !facts.call.criteria.contains(&s.criterion));
                require(!unknown, invalid("score", "review.refused.score"))?;
                require(
                    review.assessed_trl.is_some_and(|t| (1..=9).contains(&t)),
                    invalid("assessed_trl", "form.required"),
                )?;
                require(review.confidence.is_some(), invalid("confidence", "form.required"))?;
                let previous = self.reviewers.get(&actor.id).map(|a| a.revisions.len()).unwrap_or(0);
                let revision = previous as u32 + 1;
                let review = Review {
                    scores: review
                        .scores
                        .iter()
                        .map(|s| CriterionScore { comment: s.comment.trim().to_owned(), ..s.clone() })
                        .collect(),
                    ..review.clone()
                };
                if previous == 0 {
                    Ok(vec![Event::ReviewSubmitted { reviewer: actor.id, revision, review }])
                } else {
                    let justification = justification.trim();
                    require(
                        !justification.is_empty(),
                        invalid("justification", "review.refused.justification"),
                    )?;
                    require(
                        text_fits(justification, MAX_TEXT, true),
                        invalid("justification", "form.too_long"),
                    )?;
                    Ok(vec![Event::ReviewRevised {
                        reviewer: actor.id,
                        revision,
                        review,
                        justification: justification.to_owned(),
                    }])
                }
            }
            Command::RecordDecision { decision, rationale, summary } => {
                let rationale = need(rationale)?;
                let summary = summary.trim();
                require(!summary.is_empty(), invalid("summary", "form.required"))?;
                require(text_fits(summary, MAX_TEXT, true), invalid("summary", "form.too_long"))?;
                Ok(vec![Event::DecisionRecorded {
                    decision: *decision,
                    rationale,
                    summary: summary.to_owned(),
                }])
            }
            Command::Release => Ok(vec![Event::DecisionReleased]),
            Command::StartAgreement => Ok(vec![Event::AgreementStarted]),
        }
    }

    fn visibility(&self, actor: &Actor, facts: &ProposalFacts) -> Visibility {
        self.visibility_with(actor, facts)
    }
}

#[cfg(test)]
mod tests;
