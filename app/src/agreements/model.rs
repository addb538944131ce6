//! What the agreement pages show, as plain data the server builds for one viewer (only
//! what the agreement's visibility lets them see) and the browser draws.

use crate::timeline::TimelineEntry;
use kernel::AgreementId;
use serde::{Deserialize, Serialize};

pub use kernel::agreement::{AgreementState, Permission, Summary};

/// The list's filters, as the URL carries them (`?state=active&party=12&overdue=1`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub state: Option<String>,
    pub party: Option<i64>,
    pub overdue: bool,
}

/// What the public verification page says of a signed version: its number, when it came
/// into force, the parties and the signers; never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub version: u32,
    pub in_force_at: String,
    pub parties: Vec<String>,
    /// Who signed, and when (Stockholm time).
    pub signers: Vec<(String, String)>,
}

/// A collaboration model to choose: its id, name, explanation and whether it is one of the
/// portal's examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelChoice {
    pub id: i64,
    pub name: String,
    pub explanation: String,
    pub example: bool,
    pub chosen: bool,
}

/// A party's comment on one clause of a sent version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentLine {
    pub version: u32,
    pub clause: String,
    pub text: String,
    pub by: String,
    pub at: String,
}

/// One agreement in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRow {
    pub id: AgreementId,
    pub title: String,
    pub state: AgreementState,
    pub model: Option<String>,
    pub parties: Vec<String>,
    /// The next open milestone or obligation: its date and what it is (`milestone:M1`).
    pub next_due: Option<(String, String)>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementList {
    pub rows: Vec<AgreementRow>,
    /// The organisations a list may be narrowed to: (id, name).
    pub parties: Vec<(i64, String)>,
}

/// A line of the money table: one party's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyLine {
    pub party: String,
    pub cash: String,
    pub in_kind: String,
    pub total: String,
    /// Its share of the whole, in per cent with one decimal.
    pub share: String,
}

/// A state-aid warning, explained: its message key and the numbers in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub key: String,
    pub args: Vec<(String, String)>,
}

/// One signature given, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureLine {
    pub name: String,
    pub capacity: String,
    pub version: u32,
    pub signed_at: String,
    pub authenticated_at: String,
    pub issuer: String,
    /// Signed through the demo's confirmation, not an identity provider.
    pub demo: bool,
}

/// One role of the internal review: approved (by whom, when), pending, or waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub role: String,
    pub step: String,
    pub by: Option<String>,
    pub at: Option<String>,
}

/// A milestone or deliverable as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneLine {
    pub code: String,
    pub title: String,
    pub due: String,
    pub responsible: String,
    pub status: String,
    pub overdue: bool,
}

/// What changed in a version, field by field and clause by clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    pub what: String,
    pub before: String,
    pub after: String,
}

/// Everything beyond the summary: for the parties, their coordinators and approvers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDetail {
    pub purpose: String,
    pub version: u32,
    pub frozen: bool,
    /// The SHA-256 of the version's canonical text, grouped in fours for reading aloud.
    pub hash: String,
    pub clauses: Vec<(String, String)>,
    pub changes: Vec<ChangeLine>,
    pub changed_from: Option<u32>,
    pub money: Vec<MoneyLine>,
    pub warnings: Vec<Warning>,
    pub checklist: Vec<ChecklistLine>,
    pub signatures: Vec<SignatureLine>,
    /// Who is still to sign, in order.
    pub to_sign: Vec<String>,
    pub background: Vec<(String, String)>,
    pub annexes: Vec<(String, bool)>,
    pub comments: Vec<CommentLine>,
    /// The clauses a comment may be about: (code, title).
    pub clause_choices: Vec<(String, String)>,
    /// The versions every signatory signed, each a PDF to download.
    pub signed_versions: Vec<u32>,
}

/// One agreement's page for one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementPage {
    pub id: AgreementId,
    pub title: String,
    pub state: AgreementState,
    /// Started from a selected proposal, or by an administrator outside a call.
    pub proposal: Option<i64>,
    pub model: Option<String>,
    pub example_model: bool,
    pub parties: Vec<(String, String, String)>,
    pub period: Option<(String, String)>,
    pub total: Option<String>,
    pub industry_ratio: Option<String>,
    pub milestones: Vec<MilestoneLine>,
    /// Only the board's summary: no clauses, money detail, comments or annexes.
    pub summary_only: bool,
    pub detail: Option<AgreementDetail>,
    /// The commands this viewer may give now (the agreement's permission table).
    pub permitted: Vec<Permission>,
    /// The approval roles this viewer may approve or send back now.
    pub my_roles: Vec<String>,
    /// The organisations this viewer may accept the latest version for: (id, name).
    pub may_accept_for: Vec<(i64, String)>,
    /// What this viewer may sign now: (organisation, an undertaking rather than for the
    /// party, the capacity's name).
    pub may_sign_for: Vec<(i64, bool, String)>,
    /// The models this viewer may choose from (empty unless they may edit the draft).
    pub models: Vec<ModelChoice>,
    /// This viewer signs through the demo's labelled confirmation (a demo person, demo
    /// sign-in on); everyone else signs by signing in again at their identity provider.
    pub demo_signing: bool,
    pub timeline: Vec<TimelineEntry>,
}

/// What a column of the terms editor asks for, as the page draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditorInput {
    Text {
        max: usize,
    },
    Area {
        max: usize,
    },
    Date,
    Number,
    Check,
    /// `options` are (value, label); a label is a translation key when `translated`.
    Choice {
        options: Vec<(String, String)>,
        translated: bool,
        optional: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorColumn {
    pub part: String,
    pub input: EditorInput,
}

/// One section of the terms as its form shows it: the values of each row, by column,
/// and for a list room for new rows at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorSection {
    pub code: String,
    pub single: bool,
    pub columns: Vec<EditorColumn>,
    pub rows: Vec<Vec<String>>,
    /// How many of `rows` hold values (the rest are empty rows to add to).
    pub filled: usize,
}

/// The terms editor: every section of the latest version, what is still missing before
/// it can be sent, the state-aid warnings and the approval plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsEditor {
    pub id: AgreementId,
    pub title: String,
    pub version: u32,
    /// The version's hash when the form was drawn: a save against another is refused.
    pub base: String,
    pub sections: Vec<EditorSection>,
    /// (field, message key): what keeps the version from being sent.
    pub missing: Vec<(String, String)>,
    pub warnings: Vec<Warning>,
    pub approval_order: String,
    pub approval_roles: Vec<String>,
}

/// A question of the guided choice: its text's key, the answer's name and its options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideQuestion {
    pub key: String,
    pub field: String,
    pub options: Vec<String>,
    /// Asked only when three or more parties take part.
    pub consortium_only: bool,
}

/// What the guided choice recommends for the answers given: the model, the reasons in
/// plain words (message keys and their values), and the models that would also do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuideRecommendation {
    /// `None` when no model of the recommended kind suits every party.
    pub model: Option<ModelChoice>,
    pub rule: String,
    pub reasons: Vec<Warning>,
    pub runners_up: Vec<ModelChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidePage {
    pub id: AgreementId,
    pub title: String,
    pub questions: Vec<GuideQuestion>,
    /// The answers as given (field, option).
    pub answers: Vec<(String, String)>,
    pub recommendation: Option<GuideRecommendation>,
}
