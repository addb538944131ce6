//! Who sees what of an agreement, deny by default: the parties' members and signatories,
//! the coordinators of the nodes involved, its approvers and administrators see it; the
//! board sees a summary (parties, model, period, money totals, milestone status) but not
//! the clauses, comments or annexes; everyone else, reviewers and other companies
//! included, sees nothing. Confidential annexes are for the parties and administrators.

use crate::ids::OrganisationId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::{Bilingual, ModelRef, PartyKind};
use super::money::Sek;
use super::schedule::MilestoneStatus;
use super::terms::{Annex, PartyRole};
use super::{Actor, Agreement, AgreementFacts, AgreementState, Event};

/// What one person may see of an agreement. Pages, lists, mail and downloads ask it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    /// Sees the agreement at all.
    pub sees: bool,
    /// Only the summary: the board.
    pub summary_only: bool,
    /// Confidential annexes: the parties' people and administrators.
    pub confidential: bool,
    pub administrator: bool,
}

impl Visibility {
    pub const NOTHING: Visibility =
        Visibility { sees: false, summary_only: false, confidential: false, administrator: false };

    pub fn sees(&self) -> bool {
        self.sees
    }

    /// The text: clauses, versions and what changed between them.
    pub fn sees_clauses(&self) -> bool {
        self.sees && !self.summary_only
    }

    pub fn sees_comments(&self) -> bool {
        self.sees_clauses()
    }

    /// Each contribution, not only the totals.
    pub fn sees_money_detail(&self) -> bool {
        self.sees_clauses()
    }

    pub fn sees_annex(&self, annex: &Annex) -> bool {
        self.sees_clauses() && (!annex.confidential || self.confidential)
    }

    /// May the person see this event of the log? The board sees the agreement's course,
    /// not the negotiation.
    pub fn sees_event(&self, event: &Event) -> bool {
        self.sees && (!self.summary_only || event.in_summary())
    }
}

/// A party as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryParty {
    pub organisation: OrganisationId,
    pub name: String,
    pub kind: PartyKind,
    pub role: PartyRole,
}

/// A milestone as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryMilestone {
    pub code: String,
    pub title: String,
    pub due: NaiveDate,
    pub status: MilestoneStatus,
    pub overdue: bool,
}

/// The money as the summary shows it: totals only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryMoney {
    pub total: Sek,
    pub industry: Sek,
    pub public_grants: Sek,
    pub public_cofinancing: Sek,
    pub industry_ratio_bp: Option<i64>,
}

/// What the board (and every list) shows of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub state: AgreementState,
    pub model: Option<(ModelRef, Bilingual)>,
    pub parties: Vec<SummaryParty>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub money: Option<SummaryMoney>,
    pub milestones: Vec<SummaryMilestone>,
}

impl Agreement {
    /// What the person may see, given who they are and the facts around the agreement.
    pub fn visibility_with(&self, actor: &Actor, facts: &AgreementFacts) -> Visibility {
        if !self.created {
            return Visibility::NOTHING;
        }
        let standing = self.standing(actor, facts);
        let party_side = standing.administrator || standing.member || standing.signer;
        if party_side || standing.coordinator || standing.approver {
            Visibility {
                sees: true,
                summary_only: false,
                confidential: party_side,
                administrator: standing.administrator,
            }
        } else if standing.board {
            Visibility { sees: true, summary_only: true, confidential: false, administrator: false }
        } else {
            Visibility::NOTHING
        }
    }

    /// The summary of what the agreement says now (the version in force, else the latest).
    pub fn summary(&self, today: NaiveDate) -> Option<Summary> {
        let content = &self.current()?.content;
        let terms = &content.terms;
        let money = terms.money().ok().map(|m| SummaryMoney {
            total: m.total,
            industry: m.industry,
            public_grants: m.public_grants,
            public_cofinancing: m.public_cofinancing,
            industry_ratio_bp: m.industry_ratio.and_then(|r| r.basis_points()),
        });
        let milestones = terms
            .milestones
            .iter()
            .map(|m| {
                let status = self.tracking.status(&m.code);
                SummaryMilestone {
                    code: m.code.clone(),
                    title: m.title.clone(),
                    due: m.due,
                    status,
                    overdue: status.open() && m.due < today && self.in_force.is_some(),
                }
            })
            .collect();
        Some(Summary {
            state: self.state,
            model: content.model.as_ref().map(|m| (m.reference(), m.name.clone())),
            parties: terms
                .parties
                .iter()
                .map(|p| SummaryParty {
                    organisation: p.organisation,
                    name: p.name.clone(),
                    kind: p.kind,
                    role: p.role,
                })
                .collect(),
            start: terms.start,
            end: terms.end,
            money,
            milestones,
        })
    }
}
