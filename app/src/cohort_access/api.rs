//! Server functions for cohort access: the basket, applications and their forms, every
//! command on an application, advice from reviewers, and the committee queues. Each asks
//! the policy's coarse gate first; the application's own rules (the kernel) then decide.

use super::form::FormFields;
use super::model::{
    ApplicationPage, ApplicationSummary, BasketItem, InvitationView, NodeRulesView, QueuePage, ReviewRequest,
};
use crate::error::AppError;
use kernel::access::PersonCommand;
use kernel::{ApplicationId, CohortId};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::store::ExecuteError;
    use crate::error::AppError;
    use crate::request::with_status;
    use kernel::access::Refusal;

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
    let mut conn = state.db.read().await?;
    let items = super::store::basket(&mut conn, person.id)
        .await?
        .into_iter()
        .map(|row| BasketItem {
            cohort_id: CohortId(row.cohort_id),
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
    let mut conn = state.db.read().await?;
    if !super::store::add_to_basket(&mut conn, person.id, &slug).await? {
        return Err(with_status(AppError::NotFound));
    }
    Ok(())
}

#[server]
pub async fn remove_from_basket(cohort_id: CohortId) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    super::store::remove_from_basket(&mut conn, person.id, cohort_id.get()).await?;
    Ok(())
}

/// Starts one application for everything in the basket and opens it.
#[server]
pub async fn start_application(title: String) -> Result<ApplicationId, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let title = crate::forms::bounded(&title, "title", crate::forms::limits::TITLE, true)?;
    let mut conn = state.db.read().await?;
    let cohorts: Vec<CohortId> =
        super::store::basket(&mut conn, person.id).await?.iter().map(|b| CohortId(b.cohort_id)).collect();
    drop(conn);
    if cohorts.is_empty() {
        return Err(with_status(AppError::invalid("title", "basket.empty")));
    }
    let actor = person.access_actor();
    let id = super::store::create(&state.db, &actor, &title, &cohorts, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    let mut conn = state.db.read().await?;
    super::store::clear_basket(&mut conn, person.id).await?;
    leptos_axum::redirect(&format!("/applications/{id}"));
    Ok(ApplicationId(id))
}

// --- Applications ------------------------------------------------------------------------

/// The viewer's applications, as applicant or team member.
#[server]
pub async fn my_applications() -> Result<Vec<ApplicationSummary>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    use kernel::access::{ApplicationState, PartStatus};
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let rows = super::store::my_applications(&mut conn, person.id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parts = super::store::part_states(&mut conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| ApplicationSummary {
            parts: parts
                .iter()
                .filter(|(id, ..)| *id == row.id)
                .filter_map(|(_, acronym, node, state)| {
                    Some((acronym.clone(), node.clone(), PartStatus::parse(state)?))
                })
                .collect(),
            id: ApplicationId(row.id),
            title: row.title,
            state: ApplicationState::parse(&row.state).unwrap_or(ApplicationState::Draft),
            version: row.version,
            is_applicant: row.applicant_id == person.id.get(),
            updated_at: crate::time::stockholm_time(&row.updated_at),
        })
        .collect())
}

/// One application as the viewer may see it; `check` lists the form's problems. A person
/// who may not see it is refused; a missing one is not found.
#[server]
pub async fn get_application(id: ApplicationId, check: bool) -> Result<ApplicationPage, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, authorize_on, request_lang};
    use kernel::workflow::Aggregate;
    let (state, person) = authorize(Action::ReadApplication).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let record = super::page_data::load(&mut conn, id).await.map_err(ssr::refused)?;
    drop(conn);
    let actor = person.access_actor();
    let visibility = record.application.visibility(&actor, &record.facts);
    authorize_on(Action::ReadApplication, Thing::Application(&visibility)).await?;
    Ok(super::page_data::build(&record, &actor, check, request_lang(), chrono::Utc::now()))
}

/// Saves the draft as typed (invalid or not); with `intent=submit` also submits it, or,
/// when something is missing, sends the applicant to the list of problems.
#[server]
pub async fn save_application(
    id: ApplicationId,
    intent: Option<String>,
    form: FormFields,
) -> Result<SaveOutcome, AppError> {
    use super::form::{ApplicationForm, MAX_DRAFT_BYTES};
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::access::{Command, Permission};
    use kernel::workflow::{Aggregate, Context};
    let (state, person) = authorize(Action::ChangeApplication).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let form = ApplicationForm::from_fields(&form);
    if serde_json::to_string(&form).map(|f| f.len()).unwrap_or(usize::MAX) > MAX_DRAFT_BYTES {
        return Err(with_status(AppError::invalid("", "form.draft_too_large")));
    }
    let now = chrono::Utc::now();
    let actor = person.access_actor();
    let mut tx = state.db.write().await?;
    let (application, _) = super::store::load(&mut tx, id.get()).await.map_err(ssr::refused)?;
    let facts = super::store::access_facts(&mut tx, &application).await?;
    let context = Context::with(now, facts);
    if let Err(refusal) = application.may(&actor, Permission::EditForm, &context) {
        return Err(ssr::refused(super::store::ExecuteError::Refused(refusal)));
    }
    if !super::store::save_form(&mut tx, id.get(), &form, now).await? {
        return Err(with_status(AppError::invalid("", "application.refused.wrong_state")));
    }
    tx.commit().await?;
    let saved_at = kernel::stockholm::minute_text(now);
    if intent.as_deref() != Some("submit") {
        return Ok(SaveOutcome { saved_at, submitted: false, problems: Vec::new() });
    }
    let mut conn = state.db.read().await?;
    let record = super::page_data::load(&mut conn, id).await.map_err(ssr::refused)?;
    drop(conn);
    let page = super::page_data::build(&record, &actor, true, crate::request::request_lang(), now);
    if !page.problems.is_empty() {
        leptos_axum::redirect(&format!("/applications/{id}?check=1#form"));
        return Ok(SaveOutcome { saved_at, submitted: false, problems: page.problems });
    }
    super::store::execute(&state.db, id.get(), &actor, Command::Submit, now).await.map_err(ssr::refused)?;
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

/// A command on an application, as its form posts it (`command[vote][cohort]=12`, …).
/// The application's rules decide whether this person may give it now; a form cannot ask
/// for what only the portal does (starting, joining by token, expiry).
#[server]
pub async fn act_on_application(id: ApplicationId, command: PersonCommand) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    use kernel::access::Command;
    let (state, person) = authorize(Action::ActOnApplication).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let command = Command::from(command);
    let declared_free = matches!(command, Command::DeclareConflict { conflicted: false, .. });
    let actor = person.access_actor();
    super::store::execute(&state.db, id.get(), &actor, command, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    if declared_free {
        leptos_axum::redirect(&format!("/applications/{id}#advice"));
    }
    Ok(())
}

/// A request for advice as the reviewer sees it before and after declaring conflicts.
#[server]
pub async fn get_review_request(id: ApplicationId, node: String) -> Result<ReviewRequest, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ReviewApplication).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    super::page_data::review_request(&mut conn, id, &node, person.id)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))
}

/// The requests for advice the viewer has been sent.
#[server]
pub async fn my_reviews() -> Result<Vec<ReviewRequest>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ListOwnReviews).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let rows = super::store::reviews_for(&mut conn, person.id).await?;
    let mut requests = Vec::with_capacity(rows.len());
    for row in rows {
        let id = ApplicationId(row.application_id);
        if let Some(request) =
            super::page_data::review_request(&mut conn, id, &row.node_slug, person.id).await?
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
    let mut conn = state.db.read().await?;
    let invitation = super::store::invitation(&mut conn, &token, chrono::Utc::now())
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let (application, _) =
        super::store::load(&mut conn, invitation.application_id).await.map_err(ssr::refused)?;
    Ok(InvitationView {
        application_id: ApplicationId(invitation.application_id),
        title: invitation.title,
        inviter: invitation.inviter,
        email: invitation.email,
        live: invitation.live,
        already_member: application.team().contains(&person.id),
    })
}

/// Joins an application's team with the token from an invitation.
#[server]
pub async fn join_team(token: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ApplyForAccess).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let id = super::store::join_with_invitation(&state.db, &token, person.id, chrono::Utc::now())
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
    use crate::request::{authorize, authorize_on, with_status};
    use kernel::access::PartStatus;
    // Which queue is asked for is known only after reading the nodes; the queue itself is
    // authorised below, once chosen.
    let (state, viewer) = authorize(Action::ReadPublicCatalogue).await?;
    let person = viewer.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    // The nodes and the cohorts each decides, to offer the viewer the queues they serve.
    let nodes = crate::catalogue::store::nodes_with_decided_cohorts(&mut conn).await?;
    let served: Vec<&crate::catalogue::store::NodeCohorts> = nodes
        .iter()
        .filter(|n| committee_cohorts(&person, &n.slug, &n.cohorts).is_none_or(|c| !c.is_empty()))
        .collect();
    let chosen = match node.filter(|n| !n.is_empty()) {
        Some(slug) => nodes.iter().find(|n| n.slug == slug).ok_or_else(|| with_status(AppError::NotFound))?,
        None => served.first().copied().or(nodes.first()).ok_or_else(|| with_status(AppError::NotFound))?,
    };
    let queue = Thing::Committee { node_slug: &chosen.slug, cohort_slugs: &chosen.cohorts };
    authorize_on(Action::ViewCommitteeQueue, queue).await?;
    let state_filter = match state_filter.filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(
            PartStatus::parse(&code)
                .filter(|s| PartStatus::IN_QUEUE.contains(s))
                .ok_or_else(|| with_status(AppError::invalid("state", "form.unknown_choice")))?,
        ),
    };
    let filter = super::store::QueueFilter {
        viewer: Some(person.id.get()),
        state: state_filter.map(|s| s.code().to_owned()),
        cohort_slug: cohort.filter(|c| !c.is_empty()),
        overdue_only: overdue.is_some_and(|v| !v.is_empty()),
        assigned_to: mine.filter(|v| !v.is_empty()).map(|_| person.id.get()),
        only_cohorts: committee_cohorts(&person, &chosen.slug, &chosen.cohorts),
    };
    let now = chrono::Utc::now();
    let items = super::store::committee_queue(&mut conn, chosen.id, &filter, now).await?;
    let soon = crate::db::timestamp(now + chrono::Duration::days(super::notices::DEADLINE_REMINDER_DAYS));
    Ok(QueuePage {
        nodes: served
            .iter()
            .map(|n| (n.slug.clone(), Localized::new(n.name_sv.clone(), n.name_en.clone())))
            .collect(),
        node_slug: chosen.slug.clone(),
        cohorts: filter.only_cohorts.clone().unwrap_or_else(|| chosen.cohorts.clone()),
        items: items
            .into_iter()
            .map(|item| super::model::QueueRow {
                near: !item.overdue
                    && !item.paused
                    && item.deadline.as_deref().is_some_and(|d| d <= soon.as_str()),
                application_id: ApplicationId(item.application_id),
                title: item.title,
                applicant: item.applicant,
                cohort_slug: item.cohort_slug,
                state: PartStatus::parse(&item.state).unwrap_or(PartStatus::Submitted),
                handler: item.handler,
                deadline: item.deadline.as_deref().map(crate::time::stockholm_time),
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
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    use kernel::access::votes::Majority;
    let (state, _) = authorize_on(Action::EditNode, Thing::Node { slug: &slug }).await?;
    let mut conn = state.db.read().await?;
    let node = crate::catalogue::store::node_id(&mut conn, &slug)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let node = kernel::NodeId(node);
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

/// A node's rules as its form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct NodeRulesFields {
    pub decision_months: String,
    pub extension_months: String,
    pub quorum: String,
    pub majority: String,
    pub chair_decides_ties: Option<String>,
    pub chair: Option<String>,
}

/// Changes a node's rules; applications started before keep the rules they began under.
#[server]
pub async fn update_node_rules(slug: String, rules: NodeRulesFields) -> Result<(), AppError> {
    use crate::audit::{NewEvent, record_in};
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    use kernel::PersonId;
    use kernel::access::NodeRules;
    use kernel::access::clock::ClockRules;
    use kernel::access::votes::{Majority, VoteRule};
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
    let majority = match rules.majority.as_str() {
        "simple" => Majority::Simple,
        "two_thirds" => Majority::TwoThirds,
        _ => return Err(with_status(AppError::invalid("majority", "form.unknown_choice"))),
    };
    let decision_months = number(&rules.decision_months, "decision_months", 1..=12)?;
    let extension_months = number(&rules.extension_months, "extension_months", 0..=12)?;
    let quorum = number(&rules.quorum, "quorum", 1..=50)? as usize;
    let mut tx = state.db.write().await?;
    let node = crate::catalogue::store::node_id(&mut tx, &slug)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    let node = kernel::NodeId(node);
    let chair = match rules.chair.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(chair) => {
            let committee = super::store::committee_people(&mut tx, node, &[]).await?;
            let chosen =
                chair.parse::<i64>().ok().map(PersonId).filter(|id| committee.iter().any(|(c, ..)| c == id));
            Some(chosen.ok_or_else(|| with_status(AppError::invalid("chair", "rules.chair_not_member")))?)
        }
    };
    let rules = NodeRules {
        clock: ClockRules { decision_months, extension_months },
        votes: VoteRule {
            quorum,
            majority,
            chair_decides_ties: rules.chair_decides_ties.is_some_and(|v| !v.is_empty() && v != "false"),
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
        rules.chair.map(PersonId::get)
    );
    let event = NewEvent::transition(Some(person.id.get()), "node", &slug, "node_rules_updated", None, None);
    record_in(&mut tx, NewEvent { summary: Some(summary), nodes: vec![node], ..event }).await?;
    tx.commit().await?;
    Ok(())
}
