//! Builds what the co-creation pages show, for one viewer: only what they may see.

use super::form::{EligibilityRules, ProposalForm, eligibility};
use super::model::*;
use super::scoring::{self, HalfPoints, ReviewScores};
use super::store::{self, CallRow, CriterionRecord, ExecuteError, LoggedEvent};
use crate::catalogue::model::Localized;
use crate::error::AppError;
use crate::identity::model::SignedInPerson;
use crate::policy::{Action, Thing};
use crate::request::{AppState, permits};
use crate::time::stockholm_time;
use crate::timeline::TimelineEntry;
use chrono::{DateTime, Utc};
use kernel::proposal::{Actor, Permission, Proposal, ProposalFacts, ProposalState, ReviewsSeen};
use kernel::workflow::{Aggregate, Context};
use kernel::{PersonId, ProposalId};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

pub fn call_summary(row: &CallRow, now: DateTime<Utc>) -> CallSummary {
    CallSummary {
        slug: row.slug.clone(),
        title: Localized::new(row.title_sv.clone(), row.title_en.clone()),
        opens: stockholm_time(&row.opens_at),
        closes: stockholm_time(&row.closes_at),
        closes_iso: row.closes_at.clone(),
        phase: row.phase(now),
        trl_min: row.trl_min.clamp(1, 9) as u8,
        trl_max: row.trl_max.clamp(1, 9) as u8,
        disease_areas: row
            .disease_areas
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        expression_of_interest: row.expression_of_interest == 1,
        decisions_released: row.decisions_released_at.is_some(),
    }
}

pub fn criterion_view(record: &CriterionRecord) -> CriterionView {
    CriterionView {
        code: record.code.clone(),
        name: Localized::new(record.name_sv.clone(), record.name_en.clone()),
        description: Localized::new(record.description_sv.clone(), record.description_en.clone()),
        threshold: record.rule().threshold.written(),
        weight: record.rule().weight,
    }
}

/// A median in quarter points, written as people read it (`3.25`).
fn quarters(q: u8) -> String {
    let value = f64::from(q) / 4.0;
    if q.is_multiple_of(4) { format!("{}", q / 4) } else { format!("{value}") }
}

/// The median of the reviewers' assessed TRLs (`6`, or `5.5` between two).
fn median_trl(values: &[u8]) -> Option<String> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle].to_string()),
        _ => Some(quarters((sorted[middle - 1] + sorted[middle]) * 2)),
    }
}

pub async fn call_page(
    conn: &mut AnyConnection,
    state: &AppState,
    person: Option<&SignedInPerson>,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<CallPage, AppError> {
    let criteria = store::criteria(&mut *conn, call.id).await?;
    let summary = call_summary(call, now);
    let outcome = if summary.phase == CallPhase::Closed {
        let ((received, eligible, selected, reserve), named) =
            store::call_outcome(&mut *conn, call.id).await?;
        let released = call.decisions_released_at.is_some();
        Some(CallOutcome {
            received,
            eligible,
            selected: released.then_some(selected),
            reserve: released.then_some(reserve),
            named: if released { named } else { Vec::new() },
        })
    } else {
        None
    };
    let my_companies = match person {
        Some(p) => store::companies_of(&mut *conn, p.id).await?,
        None => Vec::new(),
    };
    Ok(CallPage {
        call: summary,
        body: Localized::new(
            crate::content::library::render_typed_markdown(&call.body_sv),
            crate::content::library::render_typed_markdown(&call.body_en),
        ),
        criteria: criteria.iter().map(criterion_view).collect(),
        overall_threshold: call.overall_threshold().written(),
        reviewers_per_proposal: call.reviewers_per_proposal.clamp(1, 9) as u32,
        outcome,
        my_companies,
        signed_in: person.is_some(),
        can_manage: permits(state, person, Action::ManageCalls, Thing::Nothing),
        can_view_panel: permits(state, person, Action::ViewPanel, Thing::Nothing),
    })
}

/// Everything a proposal's page is built from, read once on one connection.
#[derive(Debug, Clone)]
pub struct ProposalRecord {
    pub id: ProposalId,
    pub proposal: Proposal,
    pub log: Vec<LoggedEvent>,
    pub facts: ProposalFacts,
    pub call: CallRow,
    pub criteria: Vec<CriterionRecord>,
    pub company: String,
    pub company_slug: String,
    /// The draft as the company has it now, and the last version it sent in.
    pub draft: ProposalForm,
    pub submitted: Option<ProposalForm>,
    pub updated_at: String,
    /// Every attachment of the proposal: (id, file name, size).
    pub attachments: Vec<(i64, String, i64)>,
    pub nodes: Vec<(String, Localized)>,
    /// Names of everyone the page may mention.
    pub names: BTreeMap<PersonId, String>,
    /// Reviewers' drafts not yet submitted (each only ever shown to its reviewer).
    pub drafts: Vec<store::ReviewRecord>,
    /// Reviewers' loads in the call (for the assignment panel).
    pub loads: Vec<(i64, i64)>,
    pub agreement: Option<(i64, String)>,
}

pub async fn load_proposal(conn: &mut AnyConnection, id: ProposalId) -> Result<ProposalRecord, ExecuteError> {
    let (proposal, log) = store::load(conn, id.get()).await?;
    let facts = store::proposal_facts(conn, id.get()).await?;
    let row = store::proposal(conn, id.get()).await?.ok_or(ExecuteError::NotFound)?;
    let call = store::call_by_id(conn, row.call_id).await?.ok_or(ExecuteError::NotFound)?;
    let criteria = store::criteria(conn, call.id).await?;
    let (company, company_slug): (String, String) =
        sqlx::query_as("SELECT name, slug FROM organisations WHERE id = $1")
            .bind(row.company_id)
            .fetch_one(&mut *conn)
            .await?;
    let submitted = store::submitted_form(conn, id.get()).await?;
    let attachments: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, filename, size_bytes FROM proposal_attachments WHERE proposal_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    let nodes: Vec<(String, String, String)> =
        sqlx::query_as("SELECT slug, name_sv, name_en FROM nodes ORDER BY sort_order, slug")
            .fetch_all(&mut *conn)
            .await?;
    let mut ids: std::collections::BTreeSet<PersonId> = log.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(proposal.reviewers.keys().copied());
    ids.extend(facts.reviewers.iter().copied());
    let people = crate::cohort_access::page_data::people(conn, &ids).await?;
    let names = people.into_iter().map(|(id, (name, ..))| (id, name)).collect();
    let drafts =
        store::reviews(conn, id.get()).await?.into_iter().filter(|r| r.submitted_at.is_none()).collect();
    let loads = store::loads(conn, call.id).await?;
    let agreement = store::agreement(conn, id.get()).await?;
    Ok(ProposalRecord {
        id,
        proposal,
        log,
        facts,
        call,
        criteria,
        company,
        company_slug,
        draft: row.form(),
        submitted,
        updated_at: row.updated_at,
        attachments,
        nodes: nodes.into_iter().map(|(slug, sv, en)| (slug, Localized::new(sv, en))).collect(),
        names,
        drafts,
        loads,
        agreement,
    })
}

fn written(halves: Option<u8>) -> String {
    halves.and_then(HalfPoints::new).map(HalfPoints::written).unwrap_or_default()
}

/// The page for one viewer: only what the proposal's visibility lets them see, with the
/// commands its rules permit. Pure.
pub fn proposal_page(
    record: &ProposalRecord,
    actor: &Actor,
    check: bool,
    lang: crate::i18n::Lang,
    now: DateTime<Utc>,
) -> ProposalPage {
    let proposal = &record.proposal;
    let lens = proposal.visibility(actor, &record.facts);
    let context = Context::with(now, record.facts.clone());
    let permitted = proposal.permitted(actor, &context);
    let call = &record.call;
    let criteria = &record.criteria;
    let name = |id: &PersonId| record.names.get(id).cloned().unwrap_or_default();
    // The company works on its draft; everyone else reads what was sent in.
    let form: ProposalForm =
        if lens.sees_draft() { record.draft.clone() } else { record.submitted.clone().unwrap_or_default() };
    let rules =
        EligibilityRules { trl_min: call.trl_min.clamp(1, 9) as u8, trl_max: call.trl_max.clamp(1, 9) as u8 };
    let stage = proposal.stage;
    let letter = form
        .clinical_letter
        .and_then(|a| record.attachments.iter().find(|(id, ..)| *id == a))
        .map(|(a, name, size)| (*a, name.clone(), *size));
    let rules_list: Vec<scoring::Criterion> = criteria.iter().map(CriterionRecord::rule).collect();
    let submitted: Vec<(PersonId, &kernel::proposal::SubmittedReview)> =
        proposal.submitted_reviews().collect();
    let scores_of = |review: &kernel::proposal::Review| -> ReviewScores {
        review
            .scores
            .iter()
            .filter_map(|s| Some((s.criterion.clone(), HalfPoints::new(s.halves?)?)))
            .collect()
    };
    let criterion_scores = |review: Option<&kernel::proposal::Review>| -> Vec<CriterionScore> {
        criteria
            .iter()
            .map(|c| {
                let found = review.and_then(|r| r.scores.iter().find(|s| s.criterion == c.code));
                CriterionScore {
                    code: c.code.clone(),
                    score: written(found.and_then(|s| s.halves)),
                    comment: found.map(|s| s.comment.clone()).unwrap_or_default(),
                }
            })
            .collect()
    };
    let own_submitted = proposal.review_of(actor.id);
    let may_review = permitted.contains(&Permission::Review);
    let own_review = (lens.reviewer && (may_review || own_submitted.is_some())).then(|| {
        let draft = record.drafts.iter().find(|d| d.reviewer_id == actor.id);
        match own_submitted {
            Some(own) => OwnReview {
                scores: criterion_scores(Some(&own.review)),
                assessed_trl: own.review.assessed_trl,
                confidence: own.review.confidence.map(|c| c.code().to_owned()).unwrap_or_default(),
                submitted: true,
                revision: own.revision,
            },
            None => OwnReview {
                scores: criteria
                    .iter()
                    .map(|c| {
                        let found = draft.and_then(|d| d.scores.iter().find(|(code, ..)| *code == c.code));
                        CriterionScore {
                            code: c.code.clone(),
                            score: written(found.and_then(|(_, s, _)| s.map(|s| s.clamp(0, 10) as u8))),
                            comment: found.map(|(.., m)| m.clone()).unwrap_or_default(),
                        }
                    })
                    .collect(),
                assessed_trl: draft.and_then(|d| d.assessed_trl).map(|t| t.clamp(1, 9) as u8),
                confidence: draft.and_then(|d| d.confidence.clone()).unwrap_or_default(),
                submitted: false,
                revision: 0,
            },
        }
    });
    let reviews: Vec<ReviewView> = match lens.reviews {
        ReviewsSeen::AllNamed | ReviewsSeen::OthersUnnamed => submitted
            .iter()
            .enumerate()
            .filter(|(_, (reviewer, _))| lens.reviews == ReviewsSeen::AllNamed || *reviewer != actor.id)
            .map(|(n, (reviewer, r))| {
                let history =
                    proposal.reviewers.get(reviewer).map(|a| a.revisions.as_slice()).unwrap_or_default();
                ReviewView {
                    reviewer: if lens.reviews == ReviewsSeen::AllNamed {
                        name(reviewer)
                    } else {
                        format!("#{}", n + 1)
                    },
                    scores: criterion_scores(Some(&r.review)),
                    assessed_trl: r.review.assessed_trl,
                    confidence: r.review.confidence.map(|c| c.code().to_owned()).unwrap_or_default(),
                    submitted: Some(kernel::stockholm::minute_text(r.at)),
                    revision: r.revision,
                    history: history
                        .iter()
                        .filter(|h| h.revision > 1)
                        .map(|h| {
                            (
                                kernel::stockholm::minute_text(h.at),
                                h.justification.clone().unwrap_or_default(),
                            )
                        })
                        .collect(),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let review_scores: Vec<ReviewScores> = submitted.iter().map(|(_, r)| scores_of(&r.review)).collect();
    let aggregate = scoring::aggregate(&rules_list, call.overall_threshold(), &review_scores);
    let assignment = permitted.contains(&Permission::AssignReviewers).then(|| {
        let mut candidates: Vec<(PersonId, String, usize)> = record
            .facts
            .reviewers
            .iter()
            .filter(|r| !proposal.reviewers.contains_key(r) && record.facts.may_review(**r))
            .map(|r| {
                let load =
                    record.loads.iter().find(|(x, _)| *x == r.get()).map(|(_, n)| *n as usize).unwrap_or(0);
                (*r, name(r), load)
            })
            .collect();
        candidates.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        AssignmentView {
            assigned: proposal
                .reviewers
                .iter()
                .map(|(r, a)| (*r, name(r), !a.revisions.is_empty()))
                .collect(),
            candidates,
            conflicted: record.facts.conflicted.len(),
            needed: call.reviewers_per_proposal.clamp(1, 9) as u32,
        }
    });
    let decision = lens.judge.then(|| DecisionView {
        decision: proposal.decision.as_ref().map(|d| d.0.code().to_owned()).unwrap_or_default(),
        rationale: proposal.decision.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
        consensus_summary: proposal.decision.as_ref().map(|d| d.2.clone()).unwrap_or_default(),
        released: proposal.released,
    });
    let report = (lens.reviews == ReviewsSeen::ConsensusReport).then(|| ConsensusReport {
        decision: proposal.decision.as_ref().map(|d| d.0.code().to_owned()).unwrap_or_default(),
        rationale: proposal.decision.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
        summary: proposal.decision.as_ref().map(|d| d.2.clone()).unwrap_or_default(),
        criteria: criteria
            .iter()
            .zip(&aggregate.criteria)
            .map(|(c, result)| {
                let comments = submitted
                    .iter()
                    .filter_map(|(_, r)| {
                        r.review.scores.iter().find(|s| s.criterion == c.code).map(|s| s.comment.clone())
                    })
                    .filter(|m| !m.trim().is_empty())
                    .collect();
                (criterion_view(c), result.median_quarters.map(quarters), comments)
            })
            .collect(),
        weighted_mean: format!("{:.2}", aggregate.weighted.value()),
        assessed_trl: submitted.iter().filter_map(|(_, r)| r.review.assessed_trl).collect(),
    });
    let timeline = record
        .log
        .iter()
        .filter(|e| lens.sees_event(&e.kind))
        .map(|e| {
            let mut args = Vec::new();
            let text = match &e.event {
                Some(event) => event.reason().map(str::to_owned),
                None => e.reason.clone(),
            };
            if let Some(kernel::proposal::Event::DecisionRecorded { decision, .. }) = &e.event {
                args.push(("decision".to_owned(), decision.code().to_owned()));
            }
            let _ = lang;
            TimelineEntry {
                at: kernel::stockholm::minute_text(e.at),
                at_iso: crate::db::timestamp(e.at),
                // The company never learns who reviewed.
                actor: if lens.sees_actor(&e.kind) { e.actor_id.map(|a| name(&a)) } else { None },
                internal: Proposal::internal_kind(&e.kind),
                kind: format!("proposal_{}", e.kind),
                args,
                text,
            }
        })
        .collect();
    let editable = permitted.contains(&Permission::EditDraft);
    ProposalPage {
        id: record.id,
        call: call_summary(call, now),
        criteria: criteria.iter().map(criterion_view).collect(),
        company: record.company.clone(),
        company_slug: record.company_slug.clone(),
        state: proposal.state,
        stage,
        permitted: permitted.into_iter().collect(),
        is_company: lens.company,
        problems: if editable && check { form.problems(stage) } else { Vec::new() },
        sections: form.sections(stage),
        required: super::form::SECTIONS
            .iter()
            .flat_map(|(_, fields)| fields.iter())
            .filter(|f| ProposalForm::required(stage, f))
            .map(|f| (*f).to_owned())
            .collect(),
        eligibility: if lens.company
            && matches!(proposal.state, ProposalState::Draft | ProposalState::Ineligible)
        {
            eligibility(&form, rules)
        } else {
            Vec::new()
        },
        ineligible_reason: proposal.ineligible_reason.clone(),
        letter,
        nodes: record.nodes.clone(),
        last_saved: stockholm_time(&record.updated_at),
        form,
        own_review,
        reviews,
        reviews_hidden: lens.reviewer && lens.reviews == ReviewsSeen::None,
        aggregate: (lens.judge && !submitted.is_empty()).then_some(aggregate),
        assignment,
        decision,
        report,
        agreement: record.agreement.as_ref().map(|(id, at)| (*id, stockholm_time(at))),
        timeline,
    }
}

pub async fn panel_page(
    conn: &mut AnyConnection,
    state: &AppState,
    person: &SignedInPerson,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<PanelPage, AppError> {
    let criteria = store::criteria(&mut *conn, call.id).await?;
    let rules: Vec<scoring::Criterion> = criteria.iter().map(CriterionRecord::rule).collect();
    // The proposals' rules keep those of companies the viewer represents or declared a
    // conflict with out of their panel (`exclusions`).
    let (visible, hidden_for_conflict) = store::panel_entries(&mut *conn, call.id, person.id).await?;
    let aggregates: Vec<(i64, scoring::Aggregate)> = visible
        .iter()
        .map(|e| {
            let reviews: Vec<ReviewScores> = e.reviews.iter().map(|(_, s)| s.clone()).collect();
            (e.id, scoring::aggregate(&rules, call.overall_threshold(), &reviews))
        })
        .collect();
    let by_id: std::collections::HashMap<i64, &store::PanelEntry> =
        visible.iter().map(|e| (e.id, e)).collect();
    let needed = call.reviewers_per_proposal.clamp(1, 9) as u32;
    let rows = scoring::rank(aggregates)
        .into_iter()
        .map(|ranked| {
            let entry = by_id[&ranked.key];
            let a = &ranked.aggregate;
            PanelRow {
                rank: ranked.rank,
                tied: ranked.tied,
                id: ProposalId(entry.id),
                title: entry.title.clone(),
                company: entry.company.clone(),
                trl_claimed: entry.form_trl,
                trl_assessed: median_trl(&entry.assessed_trl),
                reviews: a.reviews,
                needed,
                medians: a
                    .criteria
                    .iter()
                    .map(|c| {
                        (
                            c.median_quarters.map(quarters),
                            format!("{}", f64::from(c.spread_halves) / 2.0),
                            c.passes,
                        )
                    })
                    .collect(),
                weighted_mean: format!("{:.2}", a.weighted.value()),
                passes: a.passes,
                disagreement: a.disagreement,
                decision: entry.decision.clone(),
            }
        })
        .collect();
    let release_blockers = store::release_blockers(&mut *conn, call, now).await?;
    let can_manage = permits(state, Some(person), Action::ManageCalls, Thing::Nothing);
    let can_release = can_manage && release_blockers.is_empty();
    Ok(PanelPage {
        call: call_summary(call, now),
        criteria: criteria.iter().map(criterion_view).collect(),
        overall_threshold: call.overall_threshold().written(),
        rows,
        hidden_for_conflict,
        can_manage,
        can_release,
        release_blockers,
    })
}

#[cfg(test)]
mod tests;
