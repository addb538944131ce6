//! What the access pages show, as the server sends it: built for one viewer (a committee
//! sees its own node's part, the team never sees committee business), rendered alike on
//! the server and in the browser. Plain data, no rules.

use super::duo::Compatibility;
use super::form::ApplicationForm;
use crate::catalogue::model::Localized;
pub use crate::timeline::TimelineEntry;
use kernel::access::votes::{Tally, Vote};
pub use kernel::access::{ApplicationState, PartStatus, Permission};
use kernel::{ApplicationId, CohortId, NodeId, PersonId};
use serde::{Deserialize, Serialize};

/// Every field a refusal for an invalid value can name.
/// Every field [`Refusal::Invalid`] can name (their messages are translated).
pub const INVALID_FIELDS: [&str; 14] = [
    "cohorts",
    "conditions",
    "email",
    "person",
    "cohort",
    "handler",
    "reviewer",
    "questions",
    "reason",
    "ends_on",
    "reasons",
    "text",
    "comment",
    "summary",
];

impl ApplicationPage {
    /// May the viewer give this command now? (The page offers only what the rules permit.)
    pub fn may(&self, permission: Permission) -> bool {
        self.permitted.contains(&permission)
    }
}

/// The application page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationPage {
    pub id: ApplicationId,
    pub title: String,
    pub state: ApplicationState,
    /// The commands this viewer may give now: what the page offers (the rules' table).
    pub permitted: Vec<Permission>,
    pub version: u32,
    pub applicant: String,
    pub viewer: ViewerRole,
    pub parts: Vec<PartView>,
    pub team: Vec<MemberView>,
    /// Addresses invited and not yet joined (the team only).
    pub invitations: Vec<String>,
    pub form: ApplicationForm,
    /// When the draft was last saved, in Stockholm time.
    pub last_saved: String,
    /// Per form section: is everything in it acceptable? (The progress indicator.)
    pub sections: Vec<(String, bool)>,
    /// Every problem that stops a submission, at its field: shown after a submission was tried.
    pub problems: Vec<(String, String)>,
    pub ethics_required: bool,
    pub publication_plan_required: bool,
    pub duo: Vec<DuoView>,
    /// Fields changed in the last submitted version since the one before (for committees).
    pub changed_fields: Vec<String>,
    pub compared_versions: Option<(u32, u32)>,
    pub remarks: Vec<RemarkView>,
    /// One per node whose committee the viewer serves.
    pub handling: Vec<NodeHandling>,
    /// The viewer's own requests for advice on this application.
    pub advice: Vec<ReviewerSeat>,
    pub attachments: Vec<AttachmentView>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerRole {
    pub person_id: PersonId,
    pub is_applicant: bool,
    pub on_team: bool,
    /// The form can be changed now (a draft, or returned) by this viewer.
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartView {
    pub cohort_id: CohortId,
    pub cohort_slug: String,
    pub acronym: String,
    pub title: Localized,
    pub node_id: NodeId,
    pub node_slug: String,
    pub node_name: Localized,
    /// The cohort's terms of access, which each team member accepts.
    pub terms: Localized,
    pub state: PartStatus,
    /// The decision deadline, Stockholm time.
    pub deadline: Option<String>,
    pub clock: Option<ClockView>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub conditions: Option<String>,
    pub reasons: Option<String>,
    /// A pending request to extend access: (until, why).
    pub extension_request: Option<(String, String)>,
    pub handler: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    /// `running`, `paused` or `overdue`.
    pub status: String,
    pub days: i64,
    pub extended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub person_id: PersonId,
    pub name: String,
    pub email: Option<String>,
    pub organisation: Option<String>,
    pub is_applicant: bool,
    /// Cohorts whose terms this member accepted.
    pub accepted: Vec<CohortId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuoView {
    pub cohort_id: CohortId,
    pub acronym: String,
    /// `None` until the form names a purpose.
    pub verdict: Option<Compatibility>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemarkView {
    pub at: String,
    pub author: String,
    pub node_name: Localized,
    /// `questions` (a return for changes) or `remark`.
    pub kind: String,
    pub public: bool,
    pub text: String,
}

/// What a committee member needs to handle their node's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeHandling {
    pub node_id: NodeId,
    pub node_slug: String,
    pub node_name: Localized,
    pub cohorts: Vec<CohortHandling>,
    pub reviewers: Vec<ReviewerView>,
    /// Who may be made handler: the node's committee.
    pub committee: Vec<(PersonId, String)>,
    /// Who may be asked for advice: people with the reviewer role not on the team.
    pub reviewer_candidates: Vec<(PersonId, String)>,
    pub in_handling: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortHandling {
    pub cohort_id: CohortId,
    pub acronym: String,
    pub state: PartStatus,
    pub votes: Vec<VoteView>,
    pub tally: Tally,
    /// A pending request for more time: (until, why).
    pub extension_request: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteView {
    pub voter: String,
    pub vote: Vote,
    pub comment: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerView {
    pub name: String,
    pub conflicted: Option<bool>,
    pub advice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerSeat {
    pub node_id: NodeId,
    pub node_slug: String,
    pub node_name: Localized,
    pub conflicted: Option<bool>,
    pub advice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub size_bytes: i64,
    pub uploaded_at: String,
}

/// A cohort in the basket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasketItem {
    pub cohort_id: CohortId,
    pub slug: String,
    pub acronym: String,
    pub title: Localized,
    pub deciding_node: Option<Localized>,
}

/// One row of "my applications".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub id: ApplicationId,
    pub title: String,
    pub state: ApplicationState,
    pub version: i64,
    pub is_applicant: bool,
    pub updated_at: String,
    /// (cohort acronym, node slug, part state)
    pub parts: Vec<(String, String, PartStatus)>,
}

/// What an invitation link shows before joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub application_id: ApplicationId,
    pub title: String,
    pub inviter: String,
    pub email: String,
    pub live: bool,
    pub already_member: bool,
}

/// A committee's queue page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    /// The nodes whose queues the viewer may see: (slug, name).
    pub nodes: Vec<(String, Localized)>,
    pub node_slug: String,
    /// The cohorts the queue may be narrowed to.
    pub cohorts: Vec<String>,
    pub items: Vec<QueueRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub application_id: ApplicationId,
    pub title: String,
    pub applicant: String,
    pub cohort_slug: String,
    pub state: PartStatus,
    pub handler: Option<String>,
    pub deadline: Option<String>,
    pub paused: bool,
    pub overdue: bool,
    pub near: bool,
}

/// A request for advice as the reviewer first sees it: enough to judge a conflict, no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub application_id: ApplicationId,
    pub node_id: NodeId,
    pub node_slug: String,
    pub node_name: Localized,
    pub title: String,
    /// The people on the team: (name, organisation).
    pub team: Vec<(String, Option<String>)>,
    pub conflicted: Option<bool>,
    pub advised: bool,
    pub invited_at: String,
}

/// A node's rules for deciding, as its edit page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRulesView {
    pub decision_months: u32,
    pub extension_months: u32,
    pub quorum: usize,
    /// `simple` or `two_thirds`.
    pub majority: String,
    pub chair_decides_ties: bool,
    pub chair: Option<PersonId>,
    /// Who may chair: the node's committee and coordinators.
    pub committee: Vec<(PersonId, String)>,
}
