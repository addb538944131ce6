//! Server functions for co-creation: calls, companies, proposals, screening, assignment,
//! reviews, the panel and the board's decisions. Each asks the policy's coarse gate first;
//! the proposal's own rules (the kernel) then decide the command.

use super::form::ProposalFields;
use super::model::{
    CallEditor, CallPage, CallSummary, CompanyView, MyProposalsView, PanelPage, ProposalPage,
    ReviewerDeskView,
};
use crate::error::AppError;
use kernel::ProposalId;
use kernel::proposal::PersonCommand;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::store::{self, CallRow, CompanyProfile, StoreError};
    use crate::error::AppError;
    use crate::forms::{bounded, limits};
    use crate::request::{AppState, with_status};
    use kernel::proposal::Refusal;

    pub fn refused(error: StoreError) -> AppError {
        with_status(match error {
            StoreError::Refused(Refusal::NotAllowed) => AppError::Forbidden,
            StoreError::Refused(refusal) => AppError::invalid(refusal.field(), refusal.message_key()),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(field, key) => AppError::invalid(&field, key),
            StoreError::Sql(error) => AppError::from(error),
            StoreError::Corrupt(problem) => {
                tracing::error!(%problem, "a proposal's events could not be read");
                AppError::Internal
            }
        })
    }

    pub fn executed(error: super::super::store::ExecuteError) -> AppError {
        refused(error.into())
    }

    /// A call by its slug; a draft exists only for those who manage calls.
    pub async fn call(
        conn: &mut sqlx::AnyConnection,
        slug: &str,
        manager: bool,
    ) -> Result<CallRow, AppError> {
        store::call(conn, slug)
            .await?
            .filter(|c| c.published == 1 || manager)
            .ok_or_else(|| with_status(AppError::NotFound))
    }

    /// A company by its slug with its representatives' ids; a missing one is a 404.
    pub async fn company(
        state: &AppState,
        slug: &str,
    ) -> Result<(store::CompanyRow, Vec<kernel::PersonId>), AppError> {
        let mut conn = state.db.read().await?;
        let row = store::company(&mut conn, slug).await?.ok_or_else(|| with_status(AppError::NotFound))?;
        let ids = store::representatives(&mut conn, row.id)
            .await?
            .into_iter()
            .map(|r| kernel::PersonId(r.0))
            .collect();
        Ok((row, ids))
    }

    pub fn invalid(field: &str, key: &str) -> AppError {
        with_status(AppError::invalid(field, key))
    }

    /// A company profile from its form, each problem at its field.
    pub fn profile(fields: &super::CompanyFields) -> Result<CompanyProfile, AppError> {
        use kernel::codes::{CompanyKind, CompanySize};
        let name = bounded(&fields.name, "name", limits::TITLE, true)?;
        let org_number = super::super::org_number::normalise(&fields.org_number)
            .map_err(|problem| invalid("org_number", problem.message_key()))?;
        let kind = CompanyKind::parse(&fields.kind).ok_or_else(|| invalid("kind", "form.required"))?;
        let size = CompanySize::parse(&fields.size).ok_or_else(|| invalid("size", "form.required"))?;
        let city = bounded(&fields.city, "city", limits::NAME, false)?;
        let contact_name = bounded(&fields.contact_name, "contact_name", limits::NAME, true)?;
        let contact_phone = bounded(&fields.contact_phone, "contact_phone", limits::PHONE, false)?;
        let email = kernel::access::normalise_email(&fields.contact_email)
            .ok_or_else(|| invalid("contact_email", "form.invalid_email"))?;
        let website = bounded(&fields.website, "website", limits::SHORT, false)?;
        if !(website.is_empty() || website.starts_with("https://") || website.starts_with("http://")) {
            return Err(invalid("website", "company.refused.website"));
        }
        Ok(CompanyProfile {
            name,
            org_number,
            kind: kind.code().to_owned(),
            size: size.code().to_owned(),
            city,
            website,
            contact_name,
            contact_email: email,
            contact_phone,
        })
    }
}

// --- Calls --------------------------------------------------------------------------------

/// Published calls, newest closing first (administrators also see drafts).
#[server]
pub async fn list_calls() -> Result<Vec<CallSummary>, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, permits};
    let (state, person) = authorize(Action::ReadPublicCatalogue).await?;
    let manager = permits(&state, person.as_ref(), Action::ManageCalls, Thing::Nothing);
    let now = chrono::Utc::now();
    let mut conn = state.db.read().await?;
    Ok(super::store::calls(&mut conn, !manager)
        .await?
        .iter()
        .map(|c| super::views::call_summary(c, now))
        .collect())
}

/// A call's public page: its text, criteria and, once closed, its numbers.
#[server]
pub async fn get_call(slug: String) -> Result<CallPage, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, permits};
    let (state, person) = authorize(Action::ReadPublicCatalogue).await?;
    let manager = permits(&state, person.as_ref(), Action::ManageCalls, Thing::Nothing);
    let mut conn = state.db.read().await?;
    let call = ssr::call(&mut conn, &slug, manager).await?;
    super::views::call_page(&mut conn, &state, person.as_ref(), &call, chrono::Utc::now()).await
}

/// A call to edit (`slug` empty: a new call with the default criteria).
#[server]
pub async fn get_call_editor(slug: String) -> Result<CallEditor, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    use crate::time::stockholm_time;
    let (state, _) = authorize(Action::ManageCalls).await?;
    if slug.is_empty() {
        return Ok(CallEditor {
            trl_min: "5".into(),
            trl_max: "9".into(),
            overall_threshold: "3".into(),
            reviewers_per_proposal: "3".into(),
            criteria: super::store::default_criteria(),
            ..CallEditor::default()
        });
    }
    let mut conn = state.db.read().await?;
    let call = ssr::call(&mut conn, &slug, true).await?;
    let criteria = super::store::criteria(&mut conn, call.id).await?;
    let locked: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND submitted_at IS NOT NULL")
            .bind(call.id)
            .fetch_one(&mut *conn)
            .await?;
    let local = |t: &str| stockholm_time(t).replace(' ', "T");
    Ok(CallEditor {
        slug: Some(call.slug.clone()),
        title_sv: call.title_sv.clone(),
        title_en: call.title_en.clone(),
        body_sv: call.body_sv.clone(),
        body_en: call.body_en.clone(),
        opens: local(&call.opens_at),
        closes: local(&call.closes_at),
        trl_min: call.trl_min.to_string(),
        trl_max: call.trl_max.to_string(),
        disease_areas: call.disease_areas.clone(),
        expression_of_interest: call.expression_of_interest == 1,
        overall_threshold: call.overall_threshold().written(),
        reviewers_per_proposal: call.reviewers_per_proposal.to_string(),
        published: call.published == 1,
        criteria: criteria
            .iter()
            .map(|c| super::model::CriterionRow {
                code: c.code.clone(),
                name_sv: c.name_sv.clone(),
                name_en: c.name_en.clone(),
                description_sv: c.description_sv.clone(),
                description_en: c.description_en.clone(),
                threshold: c.rule().threshold.written(),
                weight: c.weight.to_string(),
            })
            .collect(),
        criteria_locked: locked > 0,
    })
}

/// A call's form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallFields {
    pub title_sv: String,
    pub title_en: String,
    pub body_sv: String,
    pub body_en: String,
    pub opens: String,
    pub closes: String,
    pub trl_min: String,
    pub trl_max: String,
    pub disease_areas: String,
    pub expression_of_interest: Option<String>,
    pub overall_threshold: String,
    pub reviewers_per_proposal: String,
    pub published: Option<String>,
}

/// The criteria rows as posted: `criteria[name_en-2]=…` (the form encoding nests one level,
/// and a key that starts with a digit would be read as a list index).
#[cfg(feature = "ssr")]
fn criteria_rows(posted: &std::collections::BTreeMap<String, String>) -> Vec<super::model::CriterionRow> {
    let mut rows: std::collections::BTreeMap<usize, super::model::CriterionRow> =
        std::collections::BTreeMap::new();
    for (key, value) in posted {
        let Some((part, n)) = key.rsplit_once('-') else { continue };
        let Ok(n) = n.parse::<usize>() else { continue };
        if n >= 20 {
            continue;
        }
        let row = rows.entry(n).or_default();
        let value = value.clone();
        match part {
            "code" => row.code = value,
            "name_sv" => row.name_sv = value,
            "name_en" => row.name_en = value,
            "description_sv" => row.description_sv = value,
            "description_en" => row.description_en = value,
            "threshold" => row.threshold = value,
            "weight" => row.weight = value,
            _ => {}
        }
    }
    rows.into_values().collect()
}

/// Creates or changes a call and opens its page.
#[server]
pub async fn save_call(
    slug: String,
    call: CallFields,
    criteria: Option<std::collections::BTreeMap<String, String>>,
) -> Result<String, AppError> {
    use super::scoring::HalfPoints;
    use crate::policy::Action;
    use crate::request::authorize;
    use ssr::invalid;
    let (state, person) = authorize(Action::ManageCalls).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    use crate::forms::{bounded, limits};
    let title_sv = bounded(&call.title_sv, "title_sv", limits::TITLE, true)?;
    let title_en = bounded(&call.title_en, "title_en", limits::TITLE, true)?;
    let body_sv = bounded(&call.body_sv, "body_sv", limits::BODY, false)?;
    let body_en = bounded(&call.body_en, "body_en", limits::BODY, true)?;
    let disease_areas = bounded(&call.disease_areas, "disease_areas", limits::SHORT, false)?;
    // Typed in Stockholm time, kept in UTC; only sane years.
    let time = |value: &str, field: &str| {
        chrono::NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .filter(|t| kernel::dates::sane(t.date()))
            .map(kernel::stockholm::to_utc)
            .ok_or_else(|| invalid(field, "form.invalid_datetime"))
    };
    let opens_at = time(&call.opens, "opens")?;
    let closes_at = time(&call.closes, "closes")?;
    if closes_at <= opens_at {
        return Err(invalid("closes", "call.refused.closes_before_opens"));
    }
    let trl = |value: &str, field: &str| {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|t| (1..=9).contains(t))
            .ok_or_else(|| invalid(field, "call.refused.trl"))
    };
    let (trl_min, trl_max) = (trl(&call.trl_min, "trl_min")?, trl(&call.trl_max, "trl_max")?);
    if trl_min > trl_max {
        return Err(invalid("trl_max", "call.refused.trl_order"));
    }
    let overall_threshold = HalfPoints::parse(&call.overall_threshold)
        .ok_or_else(|| invalid("overall_threshold", "call.refused.score"))?;
    let reviewers_per_proposal = call
        .reviewers_per_proposal
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=9).contains(n))
        .ok_or_else(|| invalid("reviewers_per_proposal", "call.refused.reviewers"))?;
    let existing = if slug.is_empty() { None } else { Some(slug.as_str()) };
    let locked = match existing {
        Some(slug) => {
            let mut conn = state.db.read().await?;
            let editor_call = ssr::call(&mut conn, slug, true).await?;
            let submitted: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND submitted_at IS NOT NULL",
            )
            .bind(editor_call.id)
            .fetch_one(&mut *conn)
            .await?;
            submitted > 0
        }
        None => false,
    };
    // Once a proposal is in, the rules it was written under stay (the locked rows are not
    // even sent: disabled fields are not part of a form).
    let posted = if locked { Vec::new() } else { criteria_rows(&criteria.unwrap_or_default()) };
    let mut criteria = Vec::new();
    for (i, row) in posted.iter().enumerate() {
        if row.name_en.trim().is_empty() && row.name_sv.trim().is_empty() {
            continue;
        }
        let field = |part: &str| format!("criteria-{i}-{part}");
        let row = super::model::CriterionRow {
            name_sv: bounded(&row.name_sv, &field("name_sv"), limits::TITLE, false)?,
            name_en: bounded(&row.name_en, &field("name_en"), limits::TITLE, false)?,
            description_sv: bounded(&row.description_sv, &field("description_sv"), limits::REASON, false)?,
            description_en: bounded(&row.description_en, &field("description_en"), limits::REASON, false)?,
            ..row.clone()
        };
        let code = if row.code.trim().is_empty() {
            let derived = crate::content::library::anchor_id(&row.name_en).replace('-', "_");
            derived.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(60).collect()
        } else {
            row.code.trim().to_owned()
        };
        // The code names form fields (`review[score][<code>]`): short, and letters, digits
        // and underscores only.
        let code_fits = code.len() <= 60 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !code_fits {
            return Err(invalid(&field("name_en"), "call.refused.criterion_name"));
        }
        let threshold = HalfPoints::parse(&row.threshold)
            .ok_or_else(|| invalid(&format!("criteria-{i}-threshold"), "call.refused.score"))?;
        let weight = row
            .weight
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|w| *w <= 100)
            .ok_or_else(|| invalid(&format!("criteria-{i}-weight"), "call.refused.weight"))?;
        if code.is_empty()
            || criteria.iter().any(|(r, ..): &(super::model::CriterionRow, _, _)| r.code == code)
        {
            return Err(invalid(&format!("criteria-{i}-name_en"), "call.refused.criterion_name"));
        }
        criteria.push((super::model::CriterionRow { code, ..row }, threshold, weight));
    }
    if !locked && (criteria.is_empty() || criteria.iter().all(|(_, _, w)| *w == 0)) {
        return Err(invalid("criteria", "call.refused.no_criteria"));
    }
    let input = super::store::CallInput {
        title_sv,
        title_en,
        body_sv,
        body_en,
        opens_at,
        closes_at,
        trl_min,
        trl_max,
        disease_areas,
        expression_of_interest: call.expression_of_interest.is_some(),
        overall_threshold,
        reviewers_per_proposal,
        published: call.published.is_some(),
        criteria: (!locked).then_some(criteria),
    };
    let slug = super::store::save_call(&state.db, person.id, existing, &input).await.map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/calls/{slug}"));
    Ok(slug)
}

/// A call's business for its administrators: apply the suggested assignment, release decisions.
/// What a call's administrators do with all its proposals at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStep {
    SuggestAssignment,
    Release,
}

#[server]
pub async fn manage_call(slug: String, step: CallStep) -> Result<String, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ManageCalls).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let call = ssr::call(&mut conn, &slug, true).await?;
    drop(conn);
    let actor = person.proposal_actor();
    let now = chrono::Utc::now();
    match step {
        CallStep::SuggestAssignment => {
            let (assigned, short) =
                super::store::apply_suggestion(&state.db, &call, &actor, now).await.map_err(ssr::refused)?;
            Ok(format!("{assigned}/{short}"))
        }
        CallStep::Release => {
            let released = super::store::release_decisions(&state.db, call.id, &actor, now)
                .await
                .map_err(ssr::refused)?;
            Ok(released.to_string())
        }
    }
}

/// The ranked panel view of a call (without the proposals of companies the viewer is
/// conflicted with or represents).
#[server]
pub async fn get_panel(slug: String) -> Result<PanelPage, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ViewPanel).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let call = ssr::call(&mut conn, &slug, true).await?;
    super::views::panel_page(&mut conn, &state, &person, &call, chrono::Utc::now()).await
}

// --- Companies ----------------------------------------------------------------------------

/// A company's form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyFields {
    pub name: String,
    pub org_number: String,
    pub kind: String,
    pub size: String,
    pub city: String,
    pub website: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// Registers a company with the viewer as its first representative.
#[server]
pub async fn register_company(company: CompanyFields) -> Result<String, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::RegisterCompany).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let profile = ssr::profile(&company)?;
    let slug = super::store::register_company(&state.db, person.id, &profile).await.map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/companies/{slug}"));
    Ok(slug)
}

#[server]
pub async fn get_company(slug: String) -> Result<CompanyView, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let state = crate::request::app_state()?;
    let (row, ids) = ssr::company(&state, &slug).await?;
    let (state, _) =
        authorize_on(Action::RepresentCompany, Thing::Company { representative_ids: &ids }).await?;
    let mut conn = state.db.read().await?;
    let representatives = super::store::representatives(&mut conn, row.id).await?;
    Ok(CompanyView {
        slug: row.slug,
        name: row.name,
        org_number: row.org_number.unwrap_or_default(),
        kind: row.company_kind.unwrap_or_default(),
        size: row.size.unwrap_or_default(),
        city: row.city.unwrap_or_default(),
        website: row.website.unwrap_or_default(),
        contact_name: row.contact_name.unwrap_or_default(),
        contact_email: row.contact_email.unwrap_or_default(),
        contact_phone: row.contact_phone.unwrap_or_default(),
        representatives: representatives.into_iter().map(|(_, name, email)| (name, email)).collect(),
        can_edit: true,
    })
}

#[server]
pub async fn update_company(slug: String, company: CompanyFields) -> Result<(), AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let state = crate::request::app_state()?;
    let (row, ids) = ssr::company(&state, &slug).await?;
    let (state, person) =
        authorize_on(Action::RepresentCompany, Thing::Company { representative_ids: &ids }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let profile = ssr::profile(&company)?;
    super::store::update_company(&state.db, person.id, row.id, &profile).await.map_err(ssr::refused)
}

/// Invites someone to represent the company: the link is mailed to the address, and
/// whoever opens it signed in becomes a representative (after declining if they judge).
#[server]
pub async fn add_representative(slug: String, email: String) -> Result<(), AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let state = crate::request::app_state()?;
    let (row, ids) = ssr::company(&state, &slug).await?;
    let (state, person) =
        authorize_on(Action::RepresentCompany, Thing::Company { representative_ids: &ids }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let email = crate::forms::bounded(&email, "email", crate::forms::limits::EMAIL, true)?;
    super::store::invite_representative(&state.db, person.id, row.id, &email, chrono::Utc::now())
        .await
        .map_err(ssr::refused)
}

/// What an invitation to represent a company shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyInvitationView {
    pub company: String,
    pub email: String,
    pub live: bool,
}

#[server]
pub async fn get_company_invitation(token: String) -> Result<CompanyInvitationView, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, _) = authorize(Action::AcceptInvitation).await?;
    let mut conn = state.db.read().await?;
    let invitation = super::store::company_invitation(&mut conn, &token, chrono::Utc::now())
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))?;
    Ok(CompanyInvitationView { company: invitation.company, email: invitation.email, live: invitation.live })
}

#[server]
pub async fn accept_company_invitation(token: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::AcceptInvitation).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let slug = super::store::accept_company_invitation(&state.db, &token, &person, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/companies/{slug}"));
    Ok(())
}

// --- Proposals ----------------------------------------------------------------------------

#[server]
pub async fn my_proposals() -> Result<MyProposalsView, AppError> {
    use super::model::{ProposalState, ProposalSummary, Stage};
    use crate::catalogue::model::Localized;
    use crate::policy::Action;
    use crate::request::authorize;
    use sqlx::Row;
    let (state, person) = authorize(Action::RegisterCompany).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let rows = super::store::my_proposals(&mut conn, person.id).await?;
    let mut proposals = Vec::with_capacity(rows.len());
    for row in &rows {
        proposals.push(ProposalSummary {
            id: ProposalId(row.try_get("id")?),
            title: row.try_get("title")?,
            call: Localized::new(
                row.try_get::<String, _>("title_sv")?,
                row.try_get::<String, _>("title_en")?,
            ),
            call_slug: row.try_get("call_slug")?,
            company: row.try_get("company")?,
            state: ProposalState::parse(&row.try_get::<String, _>("state")?).unwrap_or_default(),
            stage: Stage::parse(&row.try_get::<String, _>("stage")?).unwrap_or_default(),
            updated: crate::time::stockholm_time(&row.try_get::<String, _>("updated_at")?),
        });
    }
    Ok(MyProposalsView { proposals, companies: super::store::companies_of(&mut conn, person.id).await? })
}

/// Starts a proposal of one of the viewer's companies in an open call and opens it.
#[server]
pub async fn start_proposal(call: String, company: String, title: String) -> Result<ProposalId, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let state = crate::request::app_state()?;
    if company.is_empty() {
        return Err(ssr::invalid("company", "form.required"));
    }
    let (row, ids) = ssr::company(&state, &company).await?;
    let (state, person) =
        authorize_on(Action::RepresentCompany, Thing::Company { representative_ids: &ids }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let title = crate::forms::bounded(&title, "title", crate::forms::limits::TITLE, true)?;
    let mut conn = state.db.read().await?;
    let call = ssr::call(&mut conn, &call, false).await?;
    drop(conn);
    let actor = person.proposal_actor();
    let id = super::store::create_proposal(
        &state.db,
        &call,
        kernel::CompanyId(row.id),
        &actor,
        &title,
        chrono::Utc::now(),
    )
    .await
    .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/proposals/{id}"));
    Ok(ProposalId(id))
}

/// One proposal as the viewer may see it (`check` lists the form's problems).
#[server]
pub async fn get_proposal(id: ProposalId, check: bool) -> Result<ProposalPage, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, authorize_on, request_lang};
    use kernel::workflow::Aggregate;
    let (state, person) = authorize(Action::ReadProposal).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let record = super::views::load_proposal(&mut conn, id).await.map_err(ssr::executed)?;
    drop(conn);
    let actor = person.proposal_actor();
    let visibility = record.proposal.visibility(&actor, &record.facts);
    authorize_on(Action::ReadProposal, Thing::Proposal(&visibility)).await?;
    Ok(super::views::proposal_page(&record, &actor, check, request_lang(), chrono::Utc::now()))
}

impl crate::forms::Saved for ProposalSaved {
    fn saved_at(&self) -> &str {
        &self.saved_at
    }
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSaved {
    pub saved_at: String,
    /// The state after a submission (`submitted` or `ineligible`), if it was one.
    pub submitted: Option<kernel::proposal::ProposalState>,
    /// (field, message key) when a submission was refused for what the form lacks.
    pub problems: Vec<(String, String)>,
}

/// Saves the draft as typed; with `intent=submit` checks every required part (each problem
/// at its field), then submits it through the automatic eligibility check.
#[server]
pub async fn save_proposal(
    id: ProposalId,
    intent: Option<String>,
    fields: ProposalFields,
    nodes: Option<std::collections::BTreeMap<String, String>>,
    resources: Option<std::collections::BTreeMap<String, String>>,
) -> Result<ProposalSaved, AppError> {
    use super::form::{EligibilityRules, ProposalForm, eligibility};
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    use kernel::proposal::Command;
    let (state, person) = authorize(Action::ChangeProposal).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let actor = person.proposal_actor();
    let mut conn = state.db.read().await?;
    let known: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM nodes ORDER BY sort_order, slug").fetch_all(&mut *conn).await?;
    drop(conn);
    let fields = ProposalFields {
        nodes: nodes.unwrap_or_default().into_values().collect(),
        resources: resources.unwrap_or_default().into_values().collect(),
        ..fields
    };
    // A draft keeps what is typed, within each field's limit (checked at its field).
    crate::forms::bounded(&fields.title, "title", crate::forms::limits::TITLE, false)?;
    let form = ProposalForm::from_fields(&fields, &known);
    if serde_json::to_string(&form).map(|f| f.len()).unwrap_or(usize::MAX) > 400_000 {
        return Err(ssr::invalid("", "form.draft_too_large"));
    }
    let now = chrono::Utc::now();
    super::store::save_form(&state.db, id.get(), &actor, form, now).await.map_err(ssr::refused)?;
    let saved_at = kernel::stockholm::minute_text(now);
    if intent.as_deref() != Some("submit") {
        return Ok(ProposalSaved { saved_at, submitted: None, problems: Vec::new() });
    }
    let mut conn = state.db.read().await?;
    let record = super::views::load_proposal(&mut conn, id).await.map_err(ssr::executed)?;
    drop(conn);
    let saved = record.draft.clone();
    let problems = saved.problems(record.proposal.stage);
    if !problems.is_empty() {
        // The page lists each problem at its field (with or without JavaScript).
        leptos_axum::redirect(&format!("/proposals/{id}?check=1#form"));
        return Ok(ProposalSaved { saved_at, submitted: None, problems });
    }
    let call = &record.call;
    let rules =
        EligibilityRules { trl_min: call.trl_min.clamp(1, 9) as u8, trl_max: call.trl_max.clamp(1, 9) as u8 };
    let lang = request_lang();
    let ineligible = eligibility(&saved, rules)
        .into_iter()
        .map(|(key, values)| {
            let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            crate::i18n::I18n { lang }.t_with(&key, &values)
        })
        .collect();
    let executed = super::store::execute(&state.db, id.get(), &actor, Command::Submit { ineligible }, now)
        .await
        .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/proposals/{id}"));
    Ok(ProposalSaved { saved_at, submitted: Some(executed.aggregate.state), problems: Vec::new() })
}

/// A command on a proposal from its page's small forms (withdraw, screen, assign or remove
/// a reviewer, record the board's decision, start the agreement). The proposal's rules
/// decide whether this person may give it now.
#[server]
pub async fn act_on_proposal(id: ProposalId, command: PersonCommand) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ActOnProposal).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let actor = person.proposal_actor();
    super::store::execute(&state.db, id.get(), &actor, command.into(), chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// A review as the form posts it: per criterion code `score[clinical_need]=4.5` and
/// `comment[clinical_need]=…`, the assessed TRL, the confidence, and (for a change after
/// submission) the justification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewFields {
    pub score: std::collections::BTreeMap<String, String>,
    pub comment: std::collections::BTreeMap<String, String>,
    pub assessed_trl: String,
    pub confidence: String,
    pub justification: String,
}

/// Saves one's review; `intent=submit` submits it (a change after submission needs a
/// justification, and both versions are kept).
#[server]
pub async fn save_review(
    id: ProposalId,
    intent: Option<String>,
    review: ReviewFields,
) -> Result<(), AppError> {
    use super::scoring::HalfPoints;
    use crate::forms::{bounded, limits};
    use crate::policy::Action;
    use crate::request::authorize;
    use kernel::proposal::{Command, Confidence, CriterionScore, Review};
    let (state, person) = authorize(Action::ReviewProposal).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let row = super::store::proposal(&mut conn, id.get())
        .await?
        .ok_or_else(|| crate::request::with_status(AppError::NotFound))?;
    let criteria = super::store::criteria(&mut conn, row.call_id).await?;
    drop(conn);
    let mut scores = Vec::with_capacity(criteria.len());
    for criterion in &criteria {
        let written = review.score.get(&criterion.code).map(|s| s.trim()).unwrap_or_default();
        let halves = if written.is_empty() {
            None
        } else {
            Some(
                HalfPoints::parse(written)
                    .ok_or_else(|| {
                        ssr::invalid(&format!("score-{}", criterion.code), "review.refused.score")
                    })?
                    .halves(),
            )
        };
        let comment = review.comment.get(&criterion.code).cloned().unwrap_or_default();
        let comment = bounded(&comment, &format!("comment-{}", criterion.code), limits::REASON, false)?;
        scores.push(CriterionScore { criterion: criterion.code.clone(), halves, comment });
    }
    let assessed_trl = match review.assessed_trl.trim() {
        "" => None,
        t => Some(
            t.parse::<u8>()
                .ok()
                .filter(|t| (1..=9).contains(t))
                .ok_or_else(|| ssr::invalid("assessed_trl", "call.refused.trl"))?,
        ),
    };
    let justification = bounded(&review.justification, "justification", limits::REASON, false)?;
    let review = Review { scores, assessed_trl, confidence: Confidence::parse(&review.confidence) };
    let actor = person.proposal_actor();
    let now = chrono::Utc::now();
    if intent.as_deref() == Some("submit") {
        super::store::execute(
            &state.db,
            id.get(),
            &actor,
            Command::SubmitReview { review, justification },
            now,
        )
        .await
        .map_err(ssr::refused)?;
    } else {
        super::store::save_review_draft(&state.db, id.get(), &actor, &review, now)
            .await
            .map_err(ssr::refused)?;
    }
    Ok(())
}

// --- Reviewers ----------------------------------------------------------------------------

/// A reviewer's assigned proposals and the companies to declare conflicts with.
#[server]
pub async fn reviewer_desk() -> Result<ReviewerDeskView, AppError> {
    use crate::catalogue::model::Localized;
    use crate::policy::Action;
    use crate::request::authorize;
    use sqlx::Row;
    let (state, person) = authorize(Action::DeclareConflicts).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let rows = super::store::assigned_to(&mut conn, person.id).await?;
    let mut assigned = Vec::with_capacity(rows.len());
    for row in &rows {
        assigned.push((
            ProposalId(row.try_get("id")?),
            row.try_get("title")?,
            row.try_get("company")?,
            Localized::new(row.try_get::<String, _>("title_sv")?, row.try_get::<String, _>("title_en")?),
            row.try_get::<Option<String>, _>("submitted_at")?.is_some(),
        ));
    }
    Ok(ReviewerDeskView { assigned, companies: super::store::conflict_choices(&mut conn, person.id).await? })
}

/// Declares a conflict of interest with a company (its proposals disappear from view).
#[server]
pub async fn declare_conflict(company: i64, kind: kernel::codes::ConflictKind) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::DeclareConflicts).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    super::store::declare_conflict(&state.db, &person, company, kind, chrono::Utc::now())
        .await
        .map_err(ssr::refused)
}
