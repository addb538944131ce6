//! What anyone can ask of an agreement ([`Command`]), what happened ([`Event`]), the
//! permission each command needs ([`Permission`]) and why a command is refused
//! ([`Refusal`]).

use crate::ids::{CompanyId, OrganisationId, PersonId, ProposalId};
use crate::workflow::{EventKind, Permissioned};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::{CollaborationModel, Heading, ModelError};
use super::review::{ApprovalPlan, ApprovalRole};
use super::schedule::MilestoneStatus;
use super::signing::{Authentication, Capacity, Client, Reauthentication, SignatureRecord, SigningRequest};
use super::terms::{Problem, Terms};
use super::{AgreementState, Origin};

crate::commands! {
    /// Everything anyone can ask of an agreement.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Command {
        /// From a selected proposal: its company, and the budget, milestones and background
        /// IP carried over into `terms`.
        CreateFromProposal {
            proposal: ProposalId,
            company: CompanyId,
            approval: ApprovalPlan,
            terms: Terms,
        },
        /// By an administrator, for a collaboration outside a call.
        CreateOutsideCall {
            approval: ApprovalPlan,
            terms: Terms,
        },
        /// The server reads the model version from the store; the agreement keeps a copy.
        ChooseModel {
            model: CollaborationModel,
        },
        Revise {
            terms: Terms,
        },
        SetApprovalPlan {
            approval: ApprovalPlan,
        },
        /// The server fills in the evidence (the signing request, the ID token, the client).
        Sign {
            capacity: Capacity,
            request: SigningRequest,
            authentication: Authentication,
            client: Client,
        },
        /// The portal's job, at the end date.
        Expire,
    }

    /// The commands the agreement page's small forms post: every [`Command`] but those
    /// the portal builds itself (creation, the model, the terms and the approval plan from
    /// their own forms, a signature with its evidence, expiry).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum PersonCommand {
        SendForInternalReview,
        Approve {
            role: ApprovalRole,
        },
        RequestChanges {
            role: ApprovalRole,
            reason: String,
        },
        /// Send the working version to the parties: it freezes.
        ShareVersion,
        Comment {
            version: u32,
            clause: Heading,
            text: String,
        },
        AcceptVersion {
            party: OrganisationId,
            version: u32,
        },
        SendForSignature,
        StartAmendment {
            reason: String,
        },
        UpdateMilestone {
            code: String,
            status: MilestoneStatus,
            #[serde(default)]
            evidence: String,
            #[serde(default)]
            note: String,
        },
        RecordObligationMet {
            code: String,
            due: NaiveDate,
            #[serde(default)]
            evidence: String,
        },
        PutOnHold {
            reason: String,
        },
        Resume,
        /// Before it is in force: withdraw the agreement. During an amendment: abandon the
        /// amendment, the signed version staying in force.
        Withdraw {
            reason: String,
        },
        Terminate {
            reason: String,
        },
        Complete {
            trl_reached: u8,
            report: String,
        },
    }
}

impl PersonCommand {
    /// The commands that carry nothing but their name (a form posts `command=resume`).
    pub const UNIT: [&'static str; 4] =
        ["send_for_internal_review", "share_version", "send_for_signature", "resume"];
}

/// What happened. Folding these gives the agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Created {
        origin: Origin,
        approval: ApprovalPlan,
        terms: Terms,
    },
    ModelChosen {
        version: u32,
        model: CollaborationModel,
    },
    Revised {
        version: u32,
        terms: Terms,
    },
    ApprovalPlanSet {
        approval: ApprovalPlan,
    },
    SentForInternalReview {
        version: u32,
        return_to: AgreementState,
    },
    RoleApproved {
        role: ApprovalRole,
        by: PersonId,
    },
    ChangesRequested {
        role: ApprovalRole,
        by: PersonId,
        reason: String,
        return_to: AgreementState,
    },
    InternalReviewPassed {
        version: u32,
    },
    VersionShared {
        version: u32,
    },
    Commented {
        by: PersonId,
        version: u32,
        clause: Heading,
        text: String,
    },
    VersionAccepted {
        party: OrganisationId,
        version: u32,
        by: PersonId,
    },
    Approved {
        version: u32,
    },
    SentForSignature {
        version: u32,
        hash: String,
    },
    Signed(Box<SignatureRecord>),
    CameIntoForce {
        version: u32,
    },
    AmendmentStarted {
        version: u32,
        reason: String,
    },
    AmendmentAbandoned {
        reason: String,
    },
    MilestoneUpdated {
        code: String,
        status: MilestoneStatus,
        evidence: Option<String>,
        note: Option<String>,
        by: PersonId,
    },
    ObligationMet {
        code: String,
        due: NaiveDate,
        evidence: Option<String>,
        by: PersonId,
    },
    PutOnHold {
        reason: String,
    },
    Resumed {
        to: AgreementState,
    },
    Withdrawn {
        reason: String,
    },
    Terminated {
        reason: String,
    },
    Expired {
        end: NaiveDate,
    },
    Completed {
        trl_reached: u8,
        report: String,
    },
}

impl EventKind for Event {
    fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::ModelChosen { .. } => "model_chosen",
            Event::Revised { .. } => "revised",
            Event::ApprovalPlanSet { .. } => "approval_plan_set",
            Event::SentForInternalReview { .. } => "sent_for_internal_review",
            Event::RoleApproved { .. } => "role_approved",
            Event::ChangesRequested { .. } => "changes_requested",
            Event::InternalReviewPassed { .. } => "internal_review_passed",
            Event::VersionShared { .. } => "version_shared",
            Event::Commented { .. } => "commented",
            Event::VersionAccepted { .. } => "version_accepted",
            Event::Approved { .. } => "approved",
            Event::SentForSignature { .. } => "sent_for_signature",
            Event::Signed(_) => "signed",
            Event::CameIntoForce { .. } => "came_into_force",
            Event::AmendmentStarted { .. } => "amendment_started",
            Event::AmendmentAbandoned { .. } => "amendment_abandoned",
            Event::MilestoneUpdated { .. } => "milestone_updated",
            Event::ObligationMet { .. } => "obligation_met",
            Event::PutOnHold { .. } => "put_on_hold",
            Event::Resumed { .. } => "resumed",
            Event::Withdrawn { .. } => "withdrawn",
            Event::Terminated { .. } => "terminated",
            Event::Expired { .. } => "expired",
            Event::Completed { .. } => "completed",
        }
    }
}

/// Every kind of event, for translations and the timeline.
pub const EVENT_KINDS: [&str; 25] = [
    "created",
    "model_chosen",
    "revised",
    "approval_plan_set",
    "sent_for_internal_review",
    "role_approved",
    "changes_requested",
    "internal_review_passed",
    "version_shared",
    "commented",
    "version_accepted",
    "approved",
    "sent_for_signature",
    "signed",
    "came_into_force",
    "amendment_started",
    "amendment_abandoned",
    "milestone_updated",
    "obligation_met",
    "put_on_hold",
    "resumed",
    "withdrawn",
    "terminated",
    "expired",
    "completed",
];

impl Event {
    /// The reason an event carries, for the log's reason column.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Event::ChangesRequested { reason, .. }
            | Event::AmendmentStarted { reason, .. }
            | Event::AmendmentAbandoned { reason }
            | Event::PutOnHold { reason }
            | Event::Withdrawn { reason }
            | Event::Terminated { reason } => Some(reason),
            Event::Completed { report, .. } => Some(report),
            _ => None,
        }
    }

    /// Part of the summary the board sees: the agreement's course and its milestones'
    /// status, not the text, the negotiation or the signatures' evidence.
    pub fn in_summary(&self) -> bool {
        !matches!(
            self,
            Event::ModelChosen { .. }
                | Event::Revised { .. }
                | Event::ApprovalPlanSet { .. }
                | Event::RoleApproved { .. }
                | Event::ChangesRequested { .. }
                | Event::Commented { .. }
                | Event::VersionAccepted { .. }
                | Event::Signed(_)
                | Event::ObligationMet { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not yours to do")]
    NotAllowed,
    #[error("not in this state")]
    WrongState,
    #[error("a reason is required")]
    ReasonRequired,
    /// A value is not acceptable: the field, and the message's translation key.
    #[error("invalid {0}")]
    Invalid(String, &'static str),
    /// The version lacks what sending it needs.
    #[error("the version is incomplete")]
    Incomplete(Vec<Problem>),
    #[error("the model cannot be used: {0}")]
    Model(ModelError),
    /// The signing request names another version or text than the one out for signature.
    #[error("the text signed is not the text out for signature")]
    HashMismatch,
    #[error("{0}")]
    Reauthentication(Reauthentication),
    /// Others must sign first.
    #[error("not your turn to sign")]
    OutOfOrder { waiting_for: Vec<PersonId> },
    #[error("the agreement has not reached its end date")]
    NotEnded { end: Option<NaiveDate> },
    #[error("milestones are still open")]
    OpenMilestones(Vec<String>),
}

impl Refusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            Refusal::NotAllowed => "error.forbidden",
            Refusal::WrongState => "agreement.refused.wrong_state",
            Refusal::ReasonRequired => "form.required",
            Refusal::Invalid(_, key) => key,
            Refusal::Incomplete(_) => "agreement.refused.incomplete",
            Refusal::Model(error) => error.message_key(),
            Refusal::HashMismatch => "agreement.sign.refused.hash",
            Refusal::Reauthentication(problem) => problem.message_key(),
            Refusal::OutOfOrder { .. } => "agreement.sign.refused.order",
            Refusal::NotEnded { .. } => "agreement.refused.not_ended",
            Refusal::OpenMilestones(_) => "agreement.refused.open_milestones",
        }
    }

    /// The field a refusal is shown at.
    pub fn field(&self) -> &str {
        match self {
            Refusal::ReasonRequired => "reason",
            Refusal::Invalid(field, _) => field,
            Refusal::Incomplete(problems) => problems.first().map_or("", |p| p.field.as_str()),
            _ => "",
        }
    }
}

crate::codes::code_list!(
    /// The kind of command: the permission table's rows.
    Permission {
        CreateFromProposal = "create_from_proposal",
        CreateOutsideCall = "create_outside_call",
        /// Choose the model, revise the terms, set the approval plan.
        Edit = "edit",
        SendForInternalReview = "send_for_internal_review",
        Approve = "approve",
        RequestChanges = "request_changes",
        ShareVersion = "share_version",
        Comment = "comment",
        Accept = "accept",
        SendForSignature = "send_for_signature",
        Sign = "sign",
        StartAmendment = "start_amendment",
        /// Update milestones and record obligations met.
        TrackProgress = "track_progress",
        Hold = "hold",
        Resume = "resume",
        Withdraw = "withdraw",
        Terminate = "terminate",
        Expire = "expire",
        Complete = "complete",
    }
);

impl Permissioned for Command {
    type Permission = Permission;

    fn permission(&self) -> Permission {
        match self {
            Command::CreateFromProposal { .. } => Permission::CreateFromProposal,
            Command::CreateOutsideCall { .. } => Permission::CreateOutsideCall,
            Command::ChooseModel { .. } | Command::Revise { .. } | Command::SetApprovalPlan { .. } => {
                Permission::Edit
            }
            Command::SendForInternalReview => Permission::SendForInternalReview,
            Command::Approve { .. } => Permission::Approve,
            Command::RequestChanges { .. } => Permission::RequestChanges,
            Command::ShareVersion => Permission::ShareVersion,
            Command::Comment { .. } => Permission::Comment,
            Command::AcceptVersion { .. } => Permission::Accept,
            Command::SendForSignature => Permission::SendForSignature,
            Command::Sign { .. } => Permission::Sign,
            Command::StartAmendment { .. } => Permission::StartAmendment,
            Command::UpdateMilestone { .. } | Command::RecordObligationMet { .. } => {
                Permission::TrackProgress
            }
            Command::PutOnHold { .. } => Permission::Hold,
            Command::Resume => Permission::Resume,
            Command::Withdraw { .. } => Permission::Withdraw,
            Command::Terminate { .. } => Permission::Terminate,
            Command::Expire => Permission::Expire,
            Command::Complete { .. } => Permission::Complete,
        }
    }
}
