//! What the co-creation pages show, as the server sends it.

use super::form::ProposalForm;
use super::scoring::Aggregate;
use crate::catalogue::model::Localized;
use crate::timeline::TimelineEntry;
pub use kernel::codes::{CompanyKind, CompanySize, ConflictKind};
pub use kernel::proposal::{Confidence, Decision, Permission, ProposalState, Stage};
use kernel::{PersonId, ProposalId};
use serde::{Deserialize, Serialize};

/// Where a call stands by the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    Draft,
    Upcoming,
    Open,
    Closed,
}

impl CallPhase {
    pub fn code(self) -> &'static str {
        match self {
            CallPhase::Draft => "draft",
            CallPhase::Upcoming => "upcoming",
            CallPhase::Open => "open",
            CallPhase::Closed => "closed",
        }
    }
}

impl CallPhase {
    pub const ALL: [CallPhase; 4] =
        [CallPhase::Draft, CallPhase::Upcoming, CallPhase::Open, CallPhase::Closed];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSummary {
    pub slug: String,
    pub title: Localized,
    /// Stockholm time, to the minute.
    pub opens: String,
    pub closes: String,
    pub closes_iso: String,
    pub phase: CallPhase,
    pub trl_min: u8,
    pub trl_max: u8,
    pub disease_areas: Vec<String>,
    pub expression_of_interest: bool,
    pub decisions_released: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionView {
    pub code: String,
    pub name: Localized,
    pub description: Localized,
    /// `3`, `3.5`.
    pub threshold: String,
    pub weight: u32,
}

/// The public account of a closed call: the numbers and the method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOutcome {
    pub received: usize,
    pub eligible: usize,
    pub selected: Option<usize>,
    pub reserve: Option<usize>,
    /// Selected projects whose companies agreed to be named: (company, title).
    pub named: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPage {
    pub call: CallSummary,
    pub body: Localized,
    pub criteria: Vec<CriterionView>,
    pub overall_threshold: String,
    pub reviewers_per_proposal: u32,
    pub outcome: Option<CallOutcome>,
    /// The viewer's companies, to propose for (empty when they represent none).
    pub my_companies: Vec<(String, String)>,
    pub signed_in: bool,
    pub can_manage: bool,
    pub can_view_panel: bool,
}

/// A call as its administrators edit it (all in the form's own terms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEditor {
    pub slug: Option<String>,
    pub title_sv: String,
    pub title_en: String,
    pub body_sv: String,
    pub body_en: String,
    /// `YYYY-MM-DDTHH:MM` in Stockholm time (a `datetime-local` value).
    pub opens: String,
    pub closes: String,
    pub trl_min: String,
    pub trl_max: String,
    pub disease_areas: String,
    pub expression_of_interest: bool,
    pub overall_threshold: String,
    pub reviewers_per_proposal: String,
    pub published: bool,
    pub criteria: Vec<CriterionRow>,
    /// Criteria can no longer change once a proposal is submitted.
    pub criteria_locked: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CriterionRow {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub threshold: String,
    pub weight: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyView {
    pub slug: String,
    pub name: String,
    pub org_number: String,
    pub kind: String,
    pub size: String,
    pub city: String,
    pub website: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub representatives: Vec<(String, Option<String>)>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSummary {
    pub id: ProposalId,
    pub title: String,
    pub call: Localized,
    pub call_slug: String,
    pub company: String,
    pub state: ProposalState,
    pub stage: Stage,
    pub updated: String,
}

/// One's own proposals and companies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyProposalsView {
    pub proposals: Vec<ProposalSummary>,
    pub companies: Vec<(String, String)>,
}

/// A reviewer's scores on one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionScore {
    pub code: String,
    /// `3.5`, or empty when not yet scored.
    pub score: String,
    pub comment: String,
}

/// One review as someone allowed to see it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    /// The reviewer's name, for administrators and the board; "Reviewer 2" for the others.
    pub reviewer: String,
    pub scores: Vec<CriterionScore>,
    pub assessed_trl: Option<u8>,
    pub confidence: String,
    pub submitted: Option<String>,
    pub revision: u32,
    /// Earlier revisions: (when, justification).
    pub history: Vec<(String, String)>,
}

/// The viewer's own review, to write or change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnReview {
    pub scores: Vec<CriterionScore>,
    pub assessed_trl: Option<u8>,
    pub confidence: String,
    pub submitted: bool,
    pub revision: u32,
}

/// Administrators' view of who reviews the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    /// (person id, name, submitted).
    pub assigned: Vec<(PersonId, String, bool)>,
    /// Reviewers who may be added: (id, name, current load). Conflicted ones are left out.
    pub candidates: Vec<(PersonId, String, usize)>,
    /// How many reviewers declared a conflict with the company (never who).
    pub conflicted: usize,
    pub needed: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub decision: String,
    pub rationale: String,
    pub consensus_summary: String,
    pub released: bool,
}

/// What the company reads once decisions are released: no reviewer names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsensusReport {
    pub decision: String,
    pub rationale: String,
    pub summary: String,
    /// Per criterion: the criterion, its median, its threshold, and the reviewers' comments.
    pub criteria: Vec<(CriterionView, Option<String>, Vec<String>)>,
    pub weighted_mean: String,
    pub assessed_trl: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalPage {
    pub id: ProposalId,
    pub call: CallSummary,
    pub criteria: Vec<CriterionView>,
    pub company: String,
    pub company_slug: String,
    pub state: ProposalState,
    pub stage: Stage,
    /// The commands this viewer may give now (the proposal's rules).
    pub permitted: Vec<Permission>,
    /// The viewer represents the proposing company.
    pub is_company: bool,
    pub form: ProposalForm,
    pub problems: Vec<(String, String)>,
    pub sections: Vec<(String, bool)>,
    /// Required fields at this stage.
    pub required: Vec<String>,
    /// What the automatic check says now (a draft) or said (ineligible): message keys and values.
    pub eligibility: Vec<(String, Vec<(String, String)>)>,
    pub ineligible_reason: Option<String>,
    pub letter: Option<(i64, String, i64)>,
    pub nodes: Vec<(String, Localized)>,
    pub last_saved: String,
    pub own_review: Option<OwnReview>,
    pub reviews: Vec<ReviewView>,
    /// True when the viewer reviews and has not yet submitted: others' reviews stay hidden.
    pub reviews_hidden: bool,
    pub aggregate: Option<Aggregate>,
    pub assignment: Option<AssignmentView>,
    pub decision: Option<DecisionView>,
    pub report: Option<ConsensusReport>,
    /// The agreement it started: its id, and when.
    pub agreement: Option<(i64, String)>,
    pub timeline: Vec<TimelineEntry>,
}

/// One row of the ranked panel view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelRow {
    pub rank: usize,
    pub tied: bool,
    pub id: ProposalId,
    pub title: String,
    pub company: String,
    pub trl_claimed: Option<u8>,
    /// Median assessed TRL, if reviewers gave one.
    pub trl_assessed: Option<String>,
    pub reviews: usize,
    pub needed: u32,
    /// Per criterion: median (`3.5`) and spread.
    pub medians: Vec<(Option<String>, String, bool)>,
    pub weighted_mean: String,
    pub passes: bool,
    pub disagreement: bool,
    pub decision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelPage {
    pub call: CallSummary,
    pub criteria: Vec<CriterionView>,
    pub overall_threshold: String,
    pub rows: Vec<PanelRow>,
    /// Proposals left out because the viewer declared a conflict with their company.
    pub hidden_for_conflict: usize,
    /// The viewer administers calls (assignment, release).
    pub can_manage: bool,
    pub can_release: bool,
    /// Why decisions cannot be released yet (message keys), empty when they can.
    pub release_blockers: Vec<String>,
}

/// A reviewer's work: assigned proposals and the companies to declare conflicts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerDeskView {
    /// (proposal id, title, company, call title, submitted).
    pub assigned: Vec<(ProposalId, String, String, Localized, bool)>,
    /// Companies with proposals in review: (id, name, declared conflict kind).
    pub companies: Vec<(i64, String, Option<String>)>,
}

impl ProposalPage {
    /// May the viewer give this command now? (The page offers only what the rules permit.)
    pub fn may(&self, permission: Permission) -> bool {
        self.permitted.contains(&permission)
    }
}

/// The default criteria set (code, weight); names and descriptions are translations
/// `criterion.<code>.name` / `.description` copied into each new call.
pub const DEFAULT_CRITERIA: [&str; 5] = [
    "clinical_need",
    "scientific_evidence",
    "technology_maturity",
    "applications_uptake",
    "implementation_fit",
];
