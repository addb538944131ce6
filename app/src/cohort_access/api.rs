//! Server functions for cohort access: the basket, applications and their forms, the
//! team, committee handling, advice from reviewers, and the committee queues. Each asks
//! the policy first; the application's own rules (`machine.rs`) then decide the command.
// A form with many fields is a server function with many arguments.
#![allow(clippy::too_many_arguments)]

use super::model::{
    ApplicationPage, ApplicationSummary, BasketItem, InvitationView, NodeRulesView, QueuePage, ReviewRequest,
};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::machine::{Command, Context, NodeId, Refusal};
    use super::super::store::{self, ExecuteError};
    use crate::error::AppError;
    use crate::identity::model::SignedInPerson;
    use crate::policy::ApplicationFacts;
    use crate::request::{AppState, with_status};

    /// The facts of an application for the policy; a missing one is a 404. Nobody learns
    /// which applications exist without signing in.
    pub async fn facts(id: i64) -> Result<ApplicationFacts, AppError> {
        let state = crate::request::app_state()?;
        if crate::request::signed_in_person(&state).await?.is_none() {
            return Err(with_status(AppError::NotSignedIn));
        }
        super::super::page_data::facts(&state.db, id).await?.ok_or_else(|| with_status(AppError::NotFound))
    }

    /// A refusal from the application's rules, as the person is told it (at its field).
    pub fn refused(error: ExecuteError) -> AppError {
        with_status(match error {
            ExecuteError::Refused(Refusal::NotAllowed) => AppError::Forbidden,
            ExecuteError::Refused(refusal) => {
                AppError::Invalid { field: refusal.field().to_owned(), message_key: refusal.message_key() }
            }
            ExecuteError::NotFound => AppError::NotFound,
            ExecuteError::Sql(error) => AppError::from(error),
            ExecuteError::Corrupt(problem) => {
                tracing::error!(%problem, "an application's events could not be read");
                AppError::Internal
            }
        })
    }

    /// Runs a command as this person on the application.
    pub async fn run(
        state: &AppState,
        person: Option<SignedInPerson>,
        id: i64,
        facts: &ApplicationFacts,
        command: Command,
    ) -> Result<(), AppError> {
        let person = person.ok_or(AppError::NotSignedIn)?;
        let actor = super::super::page_data::actor(&person, facts);
        store::execute(&state.db, id, &actor, command, Context::at(chrono::Utc::now()))
            .await
            .map_err(refused)?;
        Ok(())
    }

    /// The node of this application with this slug.
    pub fn node(facts: &ApplicationFacts, slug: &str) -> Result<NodeId, AppError> {
        facts
            .parts
            .iter()
            .find(|p| p.node_slug == slug)
            .map(|p| p.node_id)
            .ok_or_else(|| with_status(AppError::invalid("node", "application.refused.not_in_application")))
    }

    pub fn required(value: Option<i64>, field: &str) -> Result<i64, AppError> {
        value.ok_or_else(|| with_status(AppError::invalid(field, "form.required")))
    }

    /// A date written `YYYY-MM-DD` (four digits of year, no sign).
    pub fn date(value: Option<String>, field: &str) -> Result<chrono::NaiveDate, AppError> {
        value
            .map(|v| v.trim().to_owned())
            .filter(|v| v.len() == 10 && v.as_bytes()[..4].iter().all(u8::is_ascii_digit))
            .and_then(|v| chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok())
            .ok_or_else(|| with_status(AppError::invalid(field, "form.invalid_date")))
    }

    /// Only someone on the node's committee (not on the team) handles its part.
    pub async fn eligible_handler(
        state: &AppState,
        facts: &ApplicationFacts,
        node: NodeId,
        person: i64,
    ) -> Result<(), AppError> {
        let cohorts: Vec<i64> =
            facts.parts.iter().filter(|p| p.node_id == node).map(|p| p.cohort_id).collect();
        let mut conn = state.db.pool().acquire().await?;
        let committee = store::committee_people(&mut conn, node, &cohorts).await?;
        if committee.iter().any(|(id, ..)| *id == person) && !facts.team_ids.contains(&person) {
            Ok(())
        } else {
            Err(with_status(AppError::invalid("handler", "application.refused.invalid.handler")))
        }
    }

    /// Only someone who holds the reviewer role (and is not on the team) is asked for advice.
    pub async fn eligible_reviewer(
        state: &AppState,
        facts: &ApplicationFacts,
        person: i64,
    ) -> Result<(), AppError> {
        let reviewer = crate::identity::store::load_person(&state.db, person)
            .await?
            .is_some_and(|p| p.has_role(crate::identity::model::Role::Reviewer));
        if reviewer && !facts.team_ids.contains(&person) {
            Ok(())
        } else {
            Err(with_status(AppError::invalid("reviewer", "application.refused.invalid.reviewer")))
        }
    }
}

// --- The basket --------------------------------------------------------------------------

/// The cohorts the viewer has picked, with the node that will decide on each (a visitor
/// who has not signed in has none, and is told so rather than refused: dataset pages ask).
#[server]
pub async fn get_basket() -> Result<Basket, AppError> {
    use crate::catalogue::model::Localized;
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ReadPublicCatalogue).await?;
    let Some(person) = person else { return Ok(Basket { signed_in: false, items: Vec::new() }) };
    let items = super::store::basket(&state.db, person.id)
        .await?
        .into_iter()
        .map(|row| BasketItem {
            cohort_id: row.cohort_id,
            slug: row.slug,
            acronym: row.acronym,
            title: Localized::new(row.title_sv, row.title_en),
            deciding_node: row.node_sv.zip(row.node_en).map(|(sv, en)| Localized::new(sv, en)),
        })
        .collect();
    Ok(Basket { signed_in: true, items })
}

/// The viewer's basket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Basket {
    pub signed_in: bool,
    pub items: Vec<BasketItem>,
}

#[server]
pub async fn add_to_basket(slug: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    if !super::store::add_to_basket(&state.db, person.id, &slug).await? {
        return Err(with_status(AppError::NotFound));
    }
    Ok(())
}

#[server]
pub async fn remove_from_basket(cohort_id: i64) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    super::store::remove_from_basket(&state.db, person.id, cohort_id).await?;
    Ok(())
}

/// Starts one application for everything in the basket and opens it.
#[server]
pub async fn start_application(title: String) -> Result<i64, AppError> {
    use super::machine::{Actor, Context};
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let title = title.trim();
    if title.is_empty() {
        return Err(with_status(AppError::invalid("title", "form.required")));
    }
    if title.chars().count() > 200 {
        return Err(with_status(AppError::invalid("title", "form.too_long")));
    }
    let cohorts: Vec<i64> =
        super::store::basket(&state.db, person.id).await?.iter().map(|b| b.cohort_id).collect();
    if cohorts.is_empty() {
        return Err(with_status(AppError::invalid("title", "basket.empty")));
    }
    let actor = Actor::person(person.id);
    let id =
        super::store::create(&state.db, &actor, person.id, title, &cohorts, Context::at(chrono::Utc::now()))
            .await
            .map_err(ssr::refused)?;
    super::store::clear_basket(&state.db, person.id).await?;
    leptos_axum::redirect(&format!("/applications/{id}"));
    Ok(id)
}

// --- Applications ------------------------------------------------------------------------

/// The viewer's applications, as applicant or team member.
#[server]
pub async fn my_applications() -> Result<Vec<ApplicationSummary>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let rows = super::store::my_applications(&state.db, person.id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parts = super::store::part_states(&state.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| ApplicationSummary {
            parts: parts
                .iter()
                .filter(|(id, ..)| *id == row.id)
                .map(|(_, acronym, node, state)| (acronym.clone(), node.clone(), state.clone()))
                .collect(),
            id: row.id,
            title: row.title,
            state: row.state,
            version: row.version,
            is_applicant: row.applicant_id == person.id,
            updated_at: super::clock::stockholm_time(&row.updated_at),
        })
        .collect())
}

/// One application as the viewer may see it; `check` lists the form's problems.
#[server]
pub async fn get_application(id: i64, check: bool) -> Result<ApplicationPage, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, request_lang};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ReadApplication, Thing::Application(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    super::page_data::application_page(
        &state.db,
        id,
        &person,
        &facts,
        check,
        request_lang(),
        chrono::Utc::now(),
    )
    .await
    .map_err(ssr::refused)
}

/// Saves the draft as typed (invalid or not); with `intent=submit` also submits it, or,
/// when something is missing, sends the applicant to the list of problems.
#[server]
pub async fn save_application(
    id: i64,
    intent: Option<String>,
    title: String,
    lay_summary: String,
    scientific_abstract: String,
    // A choice not yet made is not sent at all.
    purpose: Option<String>,
    disease: String,
    for_profit: Option<String>,
    funding: String,
    publication_plan: String,
    data_categories: String,
    selection_criteria: String,
    linkage: String,
    data_form: Option<String>,
    data_form_reason: String,
    period_start: String,
    period_end: String,
    processing_location: String,
    safeguards: String,
    ethics_reference: String,
    ethics_decision_date: String,
) -> Result<SaveOutcome, AppError> {
    use super::form::{ApplicationForm, FormFields, MAX_DRAFT_BYTES};
    use super::machine::Command;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ChangeApplication, Thing::Application(&facts)).await?;
    let fields = FormFields {
        title,
        lay_summary,
        scientific_abstract,
        purpose: purpose.unwrap_or_default(),
        disease,
        for_profit: for_profit.is_some_and(|v| !v.is_empty() && v != "false"),
        funding,
        publication_plan,
        data_categories,
        selection_criteria,
        linkage,
        data_form: data_form.unwrap_or_default(),
        data_form_reason,
        period_start,
        period_end,
        processing_location,
        safeguards,
        ethics_reference,
        ethics_decision_date,
    };
    let form = ApplicationForm::from_fields(&fields);
    if serde_json::to_string(&form).map(|f| f.len()).unwrap_or(usize::MAX) > MAX_DRAFT_BYTES {
        return Err(with_status(AppError::invalid("", "form.draft_too_large")));
    }
    let now = chrono::Utc::now();
    if !super::store::save_form(&state.db, id, &form, now).await? {
        return Err(with_status(AppError::invalid("", "application.refused.wrong_state")));
    }
    let saved_at = super::clock::stockholm_time(&crate::db::timestamp(now));
    if intent.as_deref() != Some("submit") {
        return Ok(SaveOutcome { saved_at, submitted: false, problems: Vec::new() });
    }
    let page = super::page_data::application_page(
        &state.db,
        id,
        person.as_ref().ok_or(AppError::NotSignedIn)?,
        &facts,
        true,
        crate::request::request_lang(),
        now,
    )
    .await
    .map_err(ssr::refused)?;
    if !page.problems.is_empty() {
        leptos_axum::redirect(&format!("/applications/{id}?check=1#form"));
        return Ok(SaveOutcome { saved_at, submitted: false, problems: page.problems });
    }
    ssr::run(&state, person, id, &facts, Command::Submit).await?;
    leptos_axum::redirect(&format!("/applications/{id}"));
    Ok(SaveOutcome { saved_at, submitted: true, problems: Vec::new() })
}

impl crate::forms::Saved for SaveOutcome {
    fn saved_at(&self) -> &str {
        &self.saved_at
    }
}

/// What saving the form did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SaveOutcome {
    /// Stockholm time of the save.
    pub saved_at: String,
    pub submitted: bool,
    /// (field, message key) when a submission was refused for what the form lacks.
    pub problems: Vec<(String, String)>,
}

/// What the team does: invite and remove members, accept terms, answer, ask for more time,
/// report progress, withdraw, close. `step` names the command; the other values are its details.
#[server]
pub async fn act_as_team(
    id: i64,
    step: String,
    email: Option<String>,
    person_id: Option<i64>,
    cohort_id: Option<i64>,
    node: Option<String>,
    text: Option<String>,
    extra: Option<String>,
    date: Option<String>,
) -> Result<(), AppError> {
    use super::machine::Command;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ChangeApplication, Thing::Application(&facts)).await?;
    let text = text.unwrap_or_default();
    let command = match step.as_str() {
        "invite" => Command::InviteMember { email: email.unwrap_or_default() },
        "cancel_invitation" => Command::CancelInvitation { email: email.unwrap_or_default() },
        "remove_member" => Command::RemoveMember { person: ssr::required(person_id, "person")? },
        "accept_terms" => Command::AcceptTerms { cohort: ssr::required(cohort_id, "cohort")? },
        "remark" => Command::AddRemark {
            node: ssr::node(&facts, node.as_deref().unwrap_or_default())?,
            public: true,
            text,
        },
        "request_extension" => Command::RequestExtension {
            cohort: ssr::required(cohort_id, "cohort")?,
            ends_on: ssr::date(date, "ends_on")?,
            reason: text,
        },
        "report_progress" => {
            Command::ReportProgress { summary: text, publications: extra.unwrap_or_default() }
        }
        "withdraw" => Command::Withdraw,
        "close" => Command::Close,
        _ => return Err(with_status(AppError::invalid("step", "error.request"))),
    };
    ssr::run(&state, person, id, &facts, command).await
}

/// What a committee does with its node's part: assign a handler, ask reviewers, remark,
/// vote, decide, return for changes, extend the deadline, revoke, decide on more time.
#[server]
pub async fn act_as_committee(
    id: i64,
    node: String,
    step: String,
    cohort_id: Option<i64>,
    person_id: Option<i64>,
    vote: Option<String>,
    text: Option<String>,
    date: Option<String>,
    public: Option<String>,
) -> Result<(), AppError> {
    use super::machine::{Command, Decision};
    use super::votes::Vote;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::HandleApplication, Thing::Application(&facts)).await?;
    let node = ssr::node(&facts, &node)?;
    let text = text.unwrap_or_default();
    let command = match step.as_str() {
        "assign_handler" => {
            let handler = ssr::required(person_id, "handler")?;
            ssr::eligible_handler(&state, &facts, node, handler).await?;
            Command::AssignHandler { node, handler }
        }
        "invite_reviewer" => {
            let reviewer = ssr::required(person_id, "reviewer")?;
            ssr::eligible_reviewer(&state, &facts, reviewer).await?;
            Command::InviteReviewer { node, reviewer }
        }
        "remark" => Command::AddRemark { node, public: public.as_deref() == Some("true"), text },
        "return" => Command::ReturnForChanges { node, questions: text },
        "extend_deadline" => Command::ExtendDeadline { node, reason: text },
        "vote" => Command::Vote {
            cohort: ssr::required(cohort_id, "cohort")?,
            vote: match vote.as_deref() {
                Some("approve") => Vote::Approve,
                Some("reject") => Vote::Reject,
                Some("abstain") => Vote::Abstain,
                _ => return Err(with_status(AppError::invalid("vote", "form.required"))),
            },
            comment: text,
        },
        "approve" => Command::Decide {
            cohort: ssr::required(cohort_id, "cohort")?,
            decision: Decision::Approve { ends_on: ssr::date(date, "ends_on")?, conditions: text },
        },
        "reject" => Command::Decide {
            cohort: ssr::required(cohort_id, "cohort")?,
            decision: Decision::Reject { reasons: text },
        },
        "revoke" => Command::Revoke { cohort: ssr::required(cohort_id, "cohort")?, reason: text },
        "grant_extension" | "refuse_extension" => Command::DecideExtension {
            cohort: ssr::required(cohort_id, "cohort")?,
            approve: step == "grant_extension",
            comment: text,
        },
        _ => return Err(with_status(AppError::invalid("step", "error.request"))),
    };
    ssr::run(&state, person, id, &facts, command).await
}

/// A request for advice as the reviewer sees it before and after declaring conflicts.
#[server]
pub async fn get_review_request(id: i64, node: String) -> Result<ReviewRequest, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ReviewApplication, Thing::Application(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    super::page_data::review_request(&state.db, id, &node, person.id)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))
}

/// What a reviewer does: declare whether they have a conflict, then advise.
#[server]
pub async fn act_as_reviewer(
    id: i64,
    node: String,
    step: String,
    conflicted: Option<String>,
    text: Option<String>,
) -> Result<(), AppError> {
    use super::machine::Command;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ReviewApplication, Thing::Application(&facts)).await?;
    let node_id = ssr::node(&facts, &node)?;
    let text = text.unwrap_or_default();
    let command = match (step.as_str(), conflicted.as_deref()) {
        ("declare", Some("yes")) => {
            Command::DeclareConflict { node: node_id, conflicted: true, reason: text }
        }
        ("declare", Some("no")) => {
            Command::DeclareConflict { node: node_id, conflicted: false, reason: text }
        }
        ("declare", _) => return Err(with_status(AppError::invalid("conflicted", "form.required"))),
        ("advise", _) => Command::GiveAdvice { node: node_id, advice: text },
        _ => return Err(with_status(AppError::invalid("step", "error.request"))),
    };
    let declared_free = matches!(command, Command::DeclareConflict { conflicted: false, .. });
    ssr::run(&state, person, id, &facts, command).await?;
    if declared_free {
        leptos_axum::redirect(&format!("/applications/{id}#advice"));
    }
    Ok(())
}

/// The requests for advice the viewer has been sent.
#[server]
pub async fn my_reviews() -> Result<Vec<ReviewRequest>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ListOwnReviews).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let rows = super::store::reviews_for(&state.db, person.id).await?;
    let mut requests = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(request) =
            super::page_data::review_request(&state.db, row.application_id, &row.node_slug, person.id).await?
        {
            requests.push(request);
        }
    }
    Ok(requests)
}

// --- Invitations -------------------------------------------------------------------------

#[server]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let invitation = super::store::invitation(&state.db, &token, chrono::Utc::now())
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let team =
        super::page_data::facts(&state.db, invitation.application_id).await?.unwrap_or_default().team_ids;
    Ok(InvitationView {
        application_id: invitation.application_id,
        title: invitation.title,
        inviter: invitation.inviter,
        email: invitation.email,
        live: invitation.live,
        already_member: team.contains(&person.id),
    })
}

/// Joins an application's team with the token from an invitation.
#[server]
pub async fn join_team(token: String) -> Result<(), AppError> {
    use super::machine::Context;
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let id =
        super::store::join_with_invitation(&state.db, &token, person.id, Context::at(chrono::Utc::now()))
            .await
            .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/applications/{id}#team"));
    Ok(())
}

// --- Committee queues --------------------------------------------------------------------

/// A node committee's queue, narrowed as asked. Without a node, the first the viewer serves.
#[server]
pub async fn committee_queue(
    node: Option<String>,
    state_filter: Option<String>,
    cohort: Option<String>,
    overdue: Option<String>,
    mine: Option<String>,
) -> Result<QueuePage, AppError> {
    use crate::catalogue::model::Localized;
    use crate::policy::{Action, Thing, committee_cohorts};
    use crate::request::{app_state, authorize_on, signed_in_person, with_status};
    let state = app_state()?;
    // The nodes and the cohorts each decides, to offer the viewer the queues they serve.
    let node_rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT slug, name_sv, name_en FROM nodes ORDER BY sort_order, slug")
            .fetch_all(state.db.pool())
            .await?;
    let decided: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT n.slug, c.slug FROM cohorts c JOIN nodes n ON n.id = {} WHERE c.withdrawn_at IS NULL ORDER BY c.slug",
        super::store::DECIDING_NODE
    ))
    .fetch_all(state.db.pool())
    .await?;
    let nodes: Vec<(String, Localized, Vec<String>)> = node_rows
        .into_iter()
        .map(|(slug, sv, en)| {
            let cohorts = decided.iter().filter(|(n, _)| *n == slug).map(|(_, c)| c.clone()).collect();
            (slug, Localized::new(sv, en), cohorts)
        })
        .collect();
    let viewer = signed_in_person(&state).await?;
    let served: Vec<&(String, Localized, Vec<String>)> = nodes
        .iter()
        .filter(|(slug, _, cohorts)| {
            viewer.as_ref().is_some_and(|p| committee_cohorts(p, slug, cohorts).is_none_or(|c| !c.is_empty()))
        })
        .collect();
    let chosen = match node.filter(|n| !n.is_empty()) {
        Some(slug) => {
            nodes.iter().find(|(s, ..)| *s == slug).ok_or_else(|| with_status(AppError::NotFound))?
        }
        None => served.first().copied().or(nodes.first()).ok_or_else(|| with_status(AppError::NotFound))?,
    };
    let committee = Thing::Committee { node_slug: &chosen.0, cohort_slugs: &chosen.2 };
    let (state, person) = authorize_on(Action::ViewCommitteeQueue, committee).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let node_id: i64 = sqlx::query_scalar("SELECT id FROM nodes WHERE slug = $1")
        .bind(&chosen.0)
        .fetch_one(state.db.pool())
        .await?;
    let state_filter = state_filter.filter(|s| !s.is_empty());
    if let Some(code) = &state_filter
        && !super::model::PART_STATES.contains(&code.as_str())
    {
        return Err(with_status(AppError::invalid("state", "form.unknown_choice")));
    }
    let filter = super::store::QueueFilter {
        viewer: Some(person.id),
        state: state_filter,
        cohort_slug: cohort.filter(|c| !c.is_empty()),
        overdue_only: overdue.is_some_and(|v| !v.is_empty()),
        assigned_to: mine.filter(|v| !v.is_empty()).map(|_| person.id),
        only_cohorts: committee_cohorts(&person, &chosen.0, &chosen.2),
    };
    let now = chrono::Utc::now();
    let items = super::store::committee_queue(&state.db, node_id, &filter, now).await?;
    let handlers: std::collections::BTreeSet<i64> = items.iter().filter_map(|i| i.handler_id).collect();
    let mut names = std::collections::BTreeMap::new();
    for handler in handlers {
        let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM people WHERE id = $1")
            .bind(handler)
            .fetch_optional(state.db.pool())
            .await?;
        names.insert(handler, name.unwrap_or_default());
    }
    let soon = crate::db::timestamp(now + chrono::Duration::days(super::notices::DEADLINE_REMINDER_DAYS));
    Ok(QueuePage {
        nodes: served.iter().map(|(slug, name, _)| (slug.clone(), name.clone())).collect(),
        node_slug: chosen.0.clone(),
        cohorts: filter.only_cohorts.clone().unwrap_or_else(|| chosen.2.clone()),
        items: items
            .into_iter()
            .map(|item| super::model::QueueRow {
                near: !item.overdue
                    && !item.paused
                    && item.deadline.as_deref().is_some_and(|d| d <= soon.as_str()),
                application_id: item.application_id,
                title: item.title,
                applicant: item.applicant,
                cohort_slug: item.cohort_slug,
                state: item.state,
                handler: item.handler_id.and_then(|h| names.get(&h).cloned()),
                deadline: item.deadline.as_deref().map(super::clock::stockholm_time),
                paused: item.paused,
                overdue: item.overdue,
            })
            .collect(),
    })
}

// --- A node's rules ----------------------------------------------------------------------

/// How a node's committee decides: its clock and its vote.
#[server]
pub async fn get_node_rules(slug: String) -> Result<NodeRulesView, AppError> {
    use super::votes::Majority;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let (state, _) = authorize_on(Action::EditNode, Thing::Node { slug: &slug }).await?;
    let mut conn = state.db.pool().acquire().await?;
    let node = crate::catalogue::store::node_id(&mut conn, &slug)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let rules = super::store::node_rules(&mut conn, &[node]).await?.pop().map(|(_, r)| r).unwrap_or_default();
    let committee = super::store::committee_people(&mut conn, node, &[]).await?;
    Ok(NodeRulesView {
        decision_months: rules.clock.decision_months,
        extension_months: rules.clock.extension_months,
        quorum: rules.votes.quorum,
        majority: match rules.votes.majority {
            Majority::Simple => "simple".into(),
            Majority::TwoThirds => "two_thirds".into(),
        },
        chair_decides_ties: rules.votes.chair_decides_ties,
        chair: rules.chair,
        committee: committee.into_iter().map(|(id, name, ..)| (id, name)).collect(),
    })
}

/// Changes a node's rules; applications started before keep the rules they began under.
#[server]
pub async fn update_node_rules(
    slug: String,
    decision_months: String,
    extension_months: String,
    quorum: String,
    majority: String,
    chair_decides_ties: Option<String>,
    chair: Option<String>,
) -> Result<(), AppError> {
    use super::clock::ClockRules;
    use super::machine::NodeRules;
    use super::votes::{Majority, VoteRule};
    use crate::audit::{NewEvent, record_in};
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let (state, person) = authorize_on(Action::EditNode, Thing::Node { slug: &slug }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let number = |value: &str, field: &str, range: std::ops::RangeInclusive<u32>| {
        value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| with_status(AppError::invalid(field, "rules.out_of_range")))
    };
    let majority = match majority.as_str() {
        "simple" => Majority::Simple,
        "two_thirds" => Majority::TwoThirds,
        _ => return Err(with_status(AppError::invalid("majority", "form.unknown_choice"))),
    };
    let mut tx = state.db.pool().begin().await?;
    let node = crate::catalogue::store::node_id(&mut tx, &slug)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let chair = match chair.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(chair) => {
            let committee = super::store::committee_people(&mut tx, node, &[]).await?;
            let chosen = chair.parse::<i64>().ok().filter(|id| committee.iter().any(|(c, ..)| c == id));
            Some(chosen.ok_or_else(|| with_status(AppError::invalid("chair", "rules.chair_not_member")))?)
        }
    };
    let rules = NodeRules {
        clock: ClockRules {
            decision_months: number(&decision_months, "decision_months", 1..=12)?,
            extension_months: number(&extension_months, "extension_months", 0..=12)?,
        },
        votes: VoteRule {
            quorum: number(&quorum, "quorum", 1..=50)? as usize,
            majority,
            chair_decides_ties: chair_decides_ties.is_some_and(|v| !v.is_empty() && v != "false"),
        },
        chair,
    };
    super::store::set_node_rules(&mut tx, node, rules).await?;
    let summary = format!(
        "decision in {} months (+{} once), quorum {}, {:?} majority, chair {:?}",
        rules.clock.decision_months,
        rules.clock.extension_months,
        rules.votes.quorum,
        rules.votes.majority,
        rules.chair
    );
    let event = NewEvent::transition(Some(person.id), "node", &slug, "node_rules_updated", None, None);
    record_in(&mut tx, NewEvent { summary: Some(summary), ..event }).await?;
    tx.commit().await?;
    Ok(())
}
