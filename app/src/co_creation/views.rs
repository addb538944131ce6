//! Builds what the co-creation pages show, for one viewer: only what they may see.

use super::form::{EligibilityRules, ProposalForm, eligibility};
use super::model::*;
use super::proposal::ProposalState;
use super::scoring::{self, HalfPoints, ReviewScores};
use super::store::{self, CallRow, CriterionRecord, ProposalRow};
use crate::catalogue::model::Localized;
use crate::cohort_access::clock::stockholm_time;
use crate::error::AppError;
use crate::identity::model::SignedInPerson;
use crate::policy::{Action, ProposalFacts, Thing};
use crate::request::{AppState, permits};
use crate::shell::timeline::TimelineEntry;
use chrono::{DateTime, Utc};

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
    state: &AppState,
    person: Option<&SignedInPerson>,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<CallPage, AppError> {
    let mut conn = state.db.pool().acquire().await?;
    let criteria = store::criteria(&mut conn, call.id).await?;
    let summary = call_summary(call, now);
    let outcome = if summary.phase == CallPhase::Closed {
        let ((received, eligible, selected, reserve), named) =
            store::call_outcome(&state.db, call.id).await?;
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
        Some(p) => store::companies_of(&state.db, p.id).await?,
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

/// Events the company does not see (the review work and the board's deliberation).
fn internal(kind: &str) -> bool {
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

pub async fn proposal_page(
    state: &AppState,
    person: &SignedInPerson,
    id: i64,
    facts: &ProposalFacts,
    check: bool,
    now: DateTime<Utc>,
) -> Result<ProposalPage, AppError> {
    let db = &state.db;
    let mut conn = db.pool().acquire().await?;
    let row: ProposalRow = store::proposal(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let call = store::call_by_id(&mut conn, row.call_id).await?.ok_or(AppError::NotFound)?;
    let criteria = store::criteria(&mut conn, call.id).await?;
    let (company, company_slug): (String, String) =
        sqlx::query_as("SELECT name, slug FROM organisations WHERE id = $1")
            .bind(row.company_id)
            .fetch_one(&mut *conn)
            .await?;
    let status = row.status();
    let thing = Thing::Proposal(facts);
    let may = |action| permits(state, Some(person), action, thing);
    let is_company = facts.representative_ids.contains(&person.id);
    let call_open = call.phase(now) == CallPhase::Open;
    let admin = may(Action::ManageProposal);
    let board = may(Action::DecideProposal);
    let reviewer = may(Action::ReviewProposal);
    let released = row.released_at.is_some();
    let viewer = ProposalViewer {
        is_company,
        can_edit: is_company && status.state == ProposalState::Draft && call_open,
        can_withdraw: is_company
            && matches!(
                status.state,
                ProposalState::Draft | ProposalState::Submitted | ProposalState::InReview
            ),
        can_screen: admin && status.state == ProposalState::Submitted,
        can_review: reviewer && status.state == ProposalState::InReview && status.decision.is_none(),
        can_decide: board && status.state == ProposalState::InReview && call.decisions_released_at.is_none(),
        can_start_agreement: (is_company || admin)
            && status.state == ProposalState::Selected
            && !status.agreement_started,
    };
    let form: ProposalForm = row.form();
    let rules =
        EligibilityRules { trl_min: call.trl_min.clamp(1, 9) as u8, trl_max: call.trl_max.clamp(1, 9) as u8 };
    let stage = status.stage;
    let letter = match form.clinical_letter {
        Some(a) => store::attachment(db, id, a).await?.map(|(name, _, size)| (a, name, size)),
        None => None,
    };
    let nodes: Vec<(String, String, String)> =
        sqlx::query_as("SELECT slug, name_sv, name_en FROM nodes ORDER BY sort_order, slug")
            .fetch_all(&mut *conn)
            .await?;
    let rules_list: Vec<scoring::Criterion> = criteria.iter().map(CriterionRecord::rule).collect();
    let all_reviews = store::reviews(db, id).await?;
    let submitted: Vec<&store::ReviewRecord> =
        all_reviews.iter().filter(|r| r.submitted_at.is_some()).collect();
    let scores_of = |r: &store::ReviewRecord| -> ReviewScores {
        r.scores
            .iter()
            .filter_map(|(c, s, _)| {
                s.and_then(|s| HalfPoints::new(s.clamp(0, 10) as u8)).map(|s| (c.clone(), s))
            })
            .collect()
    };
    let criterion_scores = |r: &store::ReviewRecord| -> Vec<CriterionScore> {
        criteria
            .iter()
            .map(|c| {
                let found = r.scores.iter().find(|(code, ..)| *code == c.code);
                CriterionScore {
                    code: c.code.clone(),
                    score: found
                        .and_then(|(_, s, _)| s.and_then(|s| HalfPoints::new(s.clamp(0, 10) as u8)))
                        .map(HalfPoints::written)
                        .unwrap_or_default(),
                    comment: found.map(|(.., m)| m.clone()).unwrap_or_default(),
                }
            })
            .collect()
    };
    let own = all_reviews.iter().find(|r| r.reviewer_id == person.id);
    let own_review = reviewer.then(|| OwnReview {
        scores: match own {
            Some(r) => criterion_scores(r),
            None => criteria
                .iter()
                .map(|c| CriterionScore {
                    code: c.code.clone(),
                    score: String::new(),
                    comment: String::new(),
                })
                .collect(),
        },
        assessed_trl: own.and_then(|r| r.assessed_trl).map(|t| t.clamp(1, 9) as u8),
        confidence: own.and_then(|r| r.confidence.clone()).unwrap_or_default(),
        submitted: own.is_some_and(|r| r.submitted_at.is_some()),
        revision: own.map(|r| r.revision as u32).unwrap_or(0),
    });
    let own_submitted = own.is_some_and(|r| r.submitted_at.is_some());
    let reviews_hidden = reviewer && !own_submitted && !admin && !board;
    let named = admin || board;
    let reviews: Vec<ReviewView> = if named || (reviewer && own_submitted) {
        submitted
            .iter()
            .enumerate()
            .filter(|(_, r)| named || r.reviewer_id != person.id)
            .map(|(n, r)| ReviewView {
                reviewer: if named { r.reviewer.clone() } else { format!("#{}", n + 1) },
                scores: criterion_scores(r),
                assessed_trl: r.assessed_trl.map(|t| t.clamp(1, 9) as u8),
                confidence: r.confidence.clone().unwrap_or_default(),
                submitted: r.submitted_at.as_deref().map(stockholm_time),
                revision: r.revision as u32,
                history: r.history.iter().map(|(at, why)| (stockholm_time(at), why.clone())).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let review_scores: Vec<ReviewScores> = submitted.iter().map(|r| scores_of(r)).collect();
    let aggregate = scoring::aggregate(&rules_list, call.overall_threshold(), &review_scores);
    let assignment = if admin && status.state == ProposalState::InReview {
        let reviewers = store::reviewers(&mut conn).await?;
        let loads = store::loads(&mut conn, call.id).await?;
        let assigned: Vec<(i64, String, bool)> = reviewers
            .iter()
            .filter(|(r, _)| facts.assigned_reviewer_ids.contains(r))
            .map(|(r, name)| (*r, name.clone(), submitted.iter().any(|s| s.reviewer_id == *r)))
            .collect();
        let candidates = reviewers
            .iter()
            .filter(|(r, _)| {
                !facts.assigned_reviewer_ids.contains(r)
                    && !facts.conflicted_ids.contains(r)
                    && !facts.representative_ids.contains(r)
            })
            .map(|(r, name)| {
                (*r, name.clone(), loads.iter().find(|(x, _)| x == r).map(|(_, n)| *n as usize).unwrap_or(0))
            })
            .collect();
        Some(AssignmentView {
            assigned,
            candidates,
            conflicted: facts.conflicted_ids.len(),
            needed: call.reviewers_per_proposal.clamp(1, 9) as u32,
        })
    } else {
        None
    };
    let decision = (admin || board).then(|| DecisionView {
        decision: row.decision.clone().unwrap_or_default(),
        rationale: row.decision_rationale.clone().unwrap_or_default(),
        consensus_summary: row.consensus_summary.clone().unwrap_or_default(),
        released,
    });
    let report = (is_company && released).then(|| ConsensusReport {
        decision: row.decision.clone().unwrap_or_default(),
        rationale: row.decision_rationale.clone().unwrap_or_default(),
        summary: row.consensus_summary.clone().unwrap_or_default(),
        criteria: criteria
            .iter()
            .zip(&aggregate.criteria)
            .map(|(c, result)| {
                let comments = submitted
                    .iter()
                    .filter_map(|r| {
                        r.scores.iter().find(|(code, ..)| *code == c.code).map(|(.., m)| m.clone())
                    })
                    .filter(|m| !m.trim().is_empty())
                    .collect();
                (criterion_view(c), result.median_quarters.map(quarters), comments)
            })
            .collect(),
        weighted_mean: format!("{:.2}", aggregate.weighted.value()),
        assessed_trl: submitted.iter().filter_map(|r| r.assessed_trl).map(|t| t.clamp(1, 9) as u8).collect(),
    });
    let show_internal = admin || board;
    let timeline = store::events(db, id)
        .await?
        .into_iter()
        .filter(|event| show_internal || !internal(&event.kind))
        .map(|store::LoggedEvent { occurred_at: at, actor, kind, from_state: from, to_state: to, reason }| {
            let mut args = Vec::new();
            if let Some(to) = to {
                args.push(("to".to_owned(), to));
            }
            if let Some(from) = from {
                args.push(("from".to_owned(), from));
            }
            TimelineEntry {
                at: stockholm_time(&at),
                at_iso: at,
                // The company never learns who reviewed; reviewers' own events name them only
                // for those who see reviewers' names.
                actor: if internal(&kind) && !show_internal { None } else { actor },
                internal: internal(&kind),
                kind: format!("proposal_{kind}"),
                args,
                text: reason,
            }
        })
        .collect();
    let show_aggregate = (admin || board) && !submitted.is_empty();
    Ok(ProposalPage {
        id,
        call: call_summary(&call, now),
        criteria: criteria.iter().map(criterion_view).collect(),
        company,
        company_slug,
        state: status.state.code().to_owned(),
        stage: stage.code().to_owned(),
        problems: if viewer.can_edit && check { form.problems(stage) } else { Vec::new() },
        sections: form.sections(stage),
        required: super::form::SECTIONS
            .iter()
            .flat_map(|(_, fields)| fields.iter())
            .filter(|f| ProposalForm::required(stage, f))
            .map(|f| (*f).to_owned())
            .collect(),
        eligibility: if is_company && matches!(status.state, ProposalState::Draft | ProposalState::Ineligible)
        {
            eligibility(&form, rules)
        } else {
            Vec::new()
        },
        ineligible_reason: row.ineligible_reason.clone(),
        letter,
        nodes: nodes.into_iter().map(|(slug, sv, en)| (slug, Localized::new(sv, en))).collect(),
        last_saved: stockholm_time(&row.updated_at),
        form,
        viewer,
        own_review,
        reviews,
        reviews_hidden,
        aggregate: show_aggregate.then_some(aggregate),
        assignment,
        decision,
        report,
        agreement: store::agreement(db, id).await?.as_deref().map(stockholm_time),
        timeline,
    })
}

pub async fn panel_page(
    state: &AppState,
    person: &SignedInPerson,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<PanelPage, AppError> {
    let db = &state.db;
    let mut conn = db.pool().acquire().await?;
    let criteria = store::criteria(&mut conn, call.id).await?;
    let rules: Vec<scoring::Criterion> = criteria.iter().map(CriterionRecord::rule).collect();
    let mut hidden: Vec<i64> = store::conflicted_companies(db, person.id).await?;
    hidden.extend(
        sqlx::query_scalar::<_, i64>("SELECT organisation_id FROM memberships WHERE person_id = $1")
            .bind(person.id)
            .fetch_all(&mut *conn)
            .await?,
    );
    let entries = store::panel_entries(db, call.id).await?;
    let total = entries.len();
    let visible: Vec<store::PanelEntry> =
        entries.into_iter().filter(|e| !hidden.contains(&e.company_id)).collect();
    let hidden_for_conflict = total - visible.len();
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
                id: entry.id,
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
    let release_blockers = store::release_blockers(&mut conn, call, now).await?;
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
