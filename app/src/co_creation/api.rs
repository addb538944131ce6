//! Server functions for co-creation: calls, companies, proposals, screening, assignment,
//! reviews, the panel and the board's decisions. Each asks the policy first; the
//! proposal's own rules (`proposal.rs`) then decide the command.

use super::form::ProposalFields;
use super::model::{
    CallEditor, CallPage, CallSummary, CompanyView, MyProposalsView, PanelPage, ProposalPage,
    ReviewerDeskView,
};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::store::{self, CallRow, CompanyProfile, StoreError};
    use crate::error::AppError;
    use crate::policy::ProposalFacts;
    use crate::request::{AppState, with_status};

    pub fn refused(error: StoreError) -> AppError {
        with_status(match error {
            StoreError::Refused(super::super::proposal::Refusal::NotAllowed) => AppError::Forbidden,
            StoreError::Refused(refusal) => AppError::invalid(refusal.field(), refusal.message_key()),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(field, key) => AppError::invalid(&field, key),
            StoreError::Sql(error) => AppError::from(error),
        })
    }

    /// The policy's facts about a proposal; nobody learns which exist without signing in.
    pub async fn facts(id: i64) -> Result<ProposalFacts, AppError> {
        let state = crate::request::app_state()?;
        if crate::request::signed_in_person(&state).await?.is_none() {
            return Err(with_status(AppError::NotSignedIn));
        }
        store::facts(&state.db, id).await?.ok_or_else(|| with_status(AppError::NotFound))
    }

    /// A call by its slug; a draft exists only for those who manage calls.
    pub async fn call(state: &AppState, slug: &str, manager: bool) -> Result<CallRow, AppError> {
        let mut conn = state.db.pool().acquire().await?;
        store::call(&mut conn, slug)
            .await?
            .filter(|c| c.published == 1 || manager)
            .ok_or_else(|| with_status(AppError::NotFound))
    }

    /// The representatives of a company by slug: (company id, their ids); a missing one is a 404.
    pub async fn company(state: &AppState, slug: &str) -> Result<(store::CompanyRow, Vec<i64>), AppError> {
        let row = store::company(&state.db, slug).await?.ok_or_else(|| with_status(AppError::NotFound))?;
        let mut conn = state.db.pool().acquire().await?;
        let ids = store::representatives(&mut conn, row.id).await?.into_iter().map(|r| r.0).collect();
        Ok((row, ids))
    }

    pub fn invalid(field: &str, key: &str) -> AppError {
        with_status(AppError::invalid(field, key))
    }

    /// A company profile from its form, each problem at its field.
    pub fn profile(fields: &super::CompanyFields) -> Result<CompanyProfile, AppError> {
        use super::super::model::{COMPANY_KINDS, COMPANY_SIZES};
        let name = fields.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "form.required"));
        }
        if name.chars().count() > 200 {
            return Err(invalid("name", "form.too_long"));
        }
        let org_number = super::super::org_number::normalise(&fields.org_number)
            .map_err(|problem| invalid("org_number", problem.message_key()))?;
        if !COMPANY_KINDS.contains(&fields.kind.as_str()) {
            return Err(invalid("kind", "form.required"));
        }
        if !COMPANY_SIZES.contains(&fields.size.as_str()) {
            return Err(invalid("size", "form.required"));
        }
        if fields.contact_name.trim().is_empty() {
            return Err(invalid("contact_name", "form.required"));
        }
        let email = fields.contact_email.trim();
        if !(email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace)) {
            return Err(invalid("contact_email", "form.invalid_email"));
        }
        let website = fields.website.trim();
        if !(website.is_empty() || website.starts_with("https://") || website.starts_with("http://")) {
            return Err(invalid("website", "company.refused.website"));
        }
        Ok(CompanyProfile {
            name: name.to_owned(),
            org_number,
            kind: fields.kind.clone(),
            size: fields.size.clone(),
            city: fields.city.trim().to_owned(),
            website: website.to_owned(),
            contact_name: fields.contact_name.trim().to_owned(),
            contact_email: email.to_owned(),
            contact_phone: fields.contact_phone.trim().to_owned(),
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
    Ok(super::store::calls(&state.db, !manager)
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
    let call = ssr::call(&state, &slug, manager).await?;
    super::views::call_page(&state, person.as_ref(), &call, chrono::Utc::now()).await
}

/// A call to edit (`slug` empty: a new call with the default criteria).
#[server]
pub async fn get_call_editor(slug: String) -> Result<CallEditor, AppError> {
    use crate::cohort_access::clock::stockholm_time;
    use crate::policy::Action;
    use crate::request::authorize;
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
    let call = ssr::call(&state, &slug, true).await?;
    let mut conn = state.db.pool().acquire().await?;
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
    for (field, value) in
        [("title_sv", &call.title_sv), ("title_en", &call.title_en), ("body_en", &call.body_en)]
    {
        if value.trim().is_empty() {
            return Err(invalid(field, "form.required"));
        }
    }
    let time = |value: &str, field: &str| {
        chrono::NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| {
                use chrono::TimeZone;
                chrono_tz::Europe::Stockholm.from_local_datetime(&t).earliest()
            })
            .map(|t| t.with_timezone(&chrono::Utc))
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
            let editor_call = ssr::call(&state, slug, true).await?;
            let submitted: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND submitted_at IS NOT NULL",
            )
            .bind(editor_call.id)
            .fetch_one(state.db.pool())
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
        let code = if row.code.trim().is_empty() {
            crate::content::library::anchor_id(&row.name_en).replace('-', "_")
        } else {
            row.code.trim().to_owned()
        };
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
        criteria.push((super::model::CriterionRow { code, ..row.clone() }, threshold, weight));
    }
    if !locked && (criteria.is_empty() || criteria.iter().all(|(_, _, w)| *w == 0)) {
        return Err(invalid("criteria", "call.refused.no_criteria"));
    }
    let input = super::store::CallInput {
        title_sv: call.title_sv.trim().to_owned(),
        title_en: call.title_en.trim().to_owned(),
        body_sv: call.body_sv.clone(),
        body_en: call.body_en.clone(),
        opens_at,
        closes_at,
        trl_min,
        trl_max,
        disease_areas: call.disease_areas.trim().to_owned(),
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
#[server]
pub async fn manage_call(slug: String, step: String) -> Result<String, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ManageCalls).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let call = ssr::call(&state, &slug, true).await?;
    match step.as_str() {
        "suggest_assignment" => {
            let (assigned, short) =
                super::store::apply_suggestion(&state.db, &call, person.id).await.map_err(ssr::refused)?;
            Ok(format!("{assigned}/{short}"))
        }
        "release" => {
            let released = super::store::release_decisions(&state.db, call.id, person.id, chrono::Utc::now())
                .await
                .map_err(ssr::refused)?;
            Ok(released.to_string())
        }
        _ => Err(ssr::invalid("step", "error.request")),
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
    let call = ssr::call(&state, &slug, true).await?;
    super::views::panel_page(&state, &person, &call, chrono::Utc::now()).await
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
    let mut conn = state.db.pool().acquire().await?;
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

/// Adds a representative by the e-mail they signed in with.
#[server]
pub async fn add_representative(slug: String, email: String) -> Result<(), AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let state = crate::request::app_state()?;
    let (row, ids) = ssr::company(&state, &slug).await?;
    let (state, person) =
        authorize_on(Action::RepresentCompany, Thing::Company { representative_ids: &ids }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    if email.trim().is_empty() {
        return Err(ssr::invalid("email", "form.required"));
    }
    super::store::add_representative(&state.db, person.id, row.id, &email).await.map_err(ssr::refused)
}

// --- Proposals ----------------------------------------------------------------------------

#[server]
pub async fn my_proposals() -> Result<MyProposalsView, AppError> {
    use super::model::ProposalSummary;
    use crate::catalogue::model::Localized;
    use crate::policy::Action;
    use crate::request::authorize;
    use sqlx::Row;
    let (state, person) = authorize(Action::RegisterCompany).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let rows = super::store::my_proposals(&state.db, person.id).await?;
    let mut proposals = Vec::with_capacity(rows.len());
    for row in &rows {
        proposals.push(ProposalSummary {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            call: Localized::new(
                row.try_get::<String, _>("title_sv")?,
                row.try_get::<String, _>("title_en")?,
            ),
            call_slug: row.try_get("call_slug")?,
            company: row.try_get("company")?,
            state: row.try_get("state")?,
            stage: row.try_get("stage")?,
            updated: crate::cohort_access::clock::stockholm_time(&row.try_get::<String, _>("updated_at")?),
        });
    }
    Ok(MyProposalsView { proposals, companies: super::store::companies_of(&state.db, person.id).await? })
}

/// Starts a proposal of one of the viewer's companies in an open call and opens it.
#[server]
pub async fn start_proposal(call: String, company: String, title: String) -> Result<i64, AppError> {
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
    let title = title.trim();
    if title.is_empty() {
        return Err(ssr::invalid("title", "form.required"));
    }
    if title.chars().count() > 200 {
        return Err(ssr::invalid("title", "form.too_long"));
    }
    let call = ssr::call(&state, &call, false).await?;
    let id = super::store::create_proposal(&state.db, &call, row.id, person.id, title, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/proposals/{id}"));
    Ok(id)
}

#[server]
pub async fn get_proposal(id: i64, check: bool) -> Result<ProposalPage, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ReadProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    super::views::proposal_page(&state, &person, id, &facts, check, chrono::Utc::now()).await
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
    pub submitted: Option<String>,
    /// (field, message key) when a submission was refused for what the form lacks.
    pub problems: Vec<(String, String)>,
}

/// Saves the draft as typed; with `intent=submit` checks every required part (each problem
/// at its field), then submits it through the automatic eligibility check.
#[server]
pub async fn save_proposal(
    id: i64,
    intent: Option<String>,
    fields: ProposalFields,
    nodes: Option<std::collections::BTreeMap<String, String>>,
    resources: Option<std::collections::BTreeMap<String, String>>,
) -> Result<ProposalSaved, AppError> {
    use super::form::{EligibilityRules, ProposalForm, eligibility};
    use super::proposal::{Command, ProposalActor};
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, request_lang};
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ChangeProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let known: Vec<String> = sqlx::query_scalar("SELECT slug FROM nodes ORDER BY sort_order, slug")
        .fetch_all(state.db.pool())
        .await?;
    let fields = ProposalFields {
        nodes: nodes.unwrap_or_default().into_values().collect(),
        resources: resources.unwrap_or_default().into_values().collect(),
        ..fields
    };
    let form = ProposalForm::from_fields(&fields, &known);
    if serde_json::to_string(&form).map(|f| f.len()).unwrap_or(usize::MAX) > 400_000 {
        return Err(ssr::invalid("", "form.draft_too_large"));
    }
    let now = chrono::Utc::now();
    let mut conn = state.db.pool().acquire().await?;
    let row = super::store::proposal(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let call = super::store::call_by_id(&mut conn, row.call_id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    if call.phase(now) != super::model::CallPhase::Open {
        return Err(ssr::invalid("", "proposal.refused.call_closed"));
    }
    if !super::store::save_form(&state.db, id, person.id, form.clone()).await? {
        return Err(ssr::invalid("", "proposal.refused.wrong_state"));
    }
    let saved_at = crate::cohort_access::clock::stockholm_time(&crate::db::timestamp(now));
    if intent.as_deref() != Some("submit") {
        return Ok(ProposalSaved { saved_at, submitted: None, problems: Vec::new() });
    }
    let stage = row.status().stage;
    let mut saved = form;
    saved.clinical_letter = row.form().clinical_letter;
    let problems = saved.problems(stage);
    if !problems.is_empty() {
        // The page lists each problem at its field (with or without JavaScript).
        leptos_axum::redirect(&format!("/proposals/{id}?check=1#form"));
        return Ok(ProposalSaved { saved_at, submitted: None, problems });
    }
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
    let command = Command::Submit { open: true, ineligible };
    let transition = super::store::execute(&state.db, id, person.id, ProposalActor::Company, command, now)
        .await
        .map_err(ssr::refused)?;
    leptos_axum::redirect(&format!("/proposals/{id}"));
    Ok(ProposalSaved {
        saved_at,
        submitted: Some(transition.to.state.code().to_owned()),
        problems: Vec::new(),
    })
}

/// The company's commands: withdraw (with a reason), start the agreement.
#[server]
pub async fn act_as_company(id: i64, step: String, reason: Option<String>) -> Result<(), AppError> {
    use super::proposal::{Command, ProposalActor};
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ChangeProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let command = match step.as_str() {
        "withdraw" => Command::Withdraw { reason: reason.unwrap_or_default() },
        "start_agreement" => Command::StartAgreement,
        _ => return Err(ssr::invalid("step", "error.request")),
    };
    super::store::execute(&state.db, id, person.id, ProposalActor::Company, command, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// The call administrators' commands on a proposal: screening, reviewers, the agreement.
#[server]
pub async fn manage_proposal(
    id: i64,
    step: String,
    reason: Option<String>,
    reviewer: Option<i64>,
) -> Result<(), AppError> {
    use super::proposal::{Command, ProposalActor};
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ManageProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let now = chrono::Utc::now();
    let run =
        |command| super::store::execute(&state.db, id, person.id, ProposalActor::CallAdmin, command, now);
    match step.as_str() {
        "screen_eligible" => {
            run(Command::Screen { eligible: true, reason: reason.unwrap_or_default() }).await.map(|_| ())
        }
        "screen_ineligible" => {
            run(Command::Screen { eligible: false, reason: reason.unwrap_or_default() }).await.map(|_| ())
        }
        "start_agreement" => run(Command::StartAgreement).await.map(|_| ()),
        "assign" => {
            let reviewer = reviewer.ok_or_else(|| ssr::invalid("reviewer", "form.required"))?;
            super::store::assign(&state.db, id, reviewer, person.id, "manual").await
        }
        "unassign" => {
            let reviewer = reviewer.ok_or_else(|| ssr::invalid("reviewer", "form.required"))?;
            super::store::unassign(&state.db, id, reviewer, person.id).await
        }
        _ => return Err(ssr::invalid("step", "error.request")),
    }
    .map_err(ssr::refused)
}

/// The board's decision on a proposal with its rationale and the consensus report's summary.
#[server]
pub async fn decide_proposal(
    id: i64,
    decision: String,
    rationale: String,
    summary: String,
) -> Result<(), AppError> {
    use super::proposal::Decision;
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::DecideProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let decision = Decision::parse(&decision).ok_or_else(|| ssr::invalid("decision", "form.required"))?;
    if rationale.trim().is_empty() {
        return Err(ssr::invalid("rationale", "form.required"));
    }
    super::store::record_decision(
        &state.db,
        id,
        person.id,
        decision,
        &rationale,
        &summary,
        chrono::Utc::now(),
    )
    .await
    .map_err(ssr::refused)
}

/// Saves one's review; `intent=submit` submits it (a change after submission needs a
/// justification, and both versions are kept).
#[server]
pub async fn save_review(
    id: i64,
    intent: Option<String>,
    // Per criterion code: `score[clinical_need]=4.5`, `comment[clinical_need]=…`.
    score: Option<std::collections::BTreeMap<String, String>>,
    comment: Option<std::collections::BTreeMap<String, String>>,
    assessed_trl: Option<String>,
    confidence: Option<String>,
    justification: Option<String>,
) -> Result<(), AppError> {
    use super::scoring::HalfPoints;
    use crate::policy::{Action, Thing};
    use crate::request::authorize_on;
    let facts = ssr::facts(id).await?;
    let (state, person) = authorize_on(Action::ReviewProposal, Thing::Proposal(&facts)).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.pool().acquire().await?;
    let row = super::store::proposal(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let criteria = super::store::criteria(&mut conn, row.call_id).await?;
    drop(conn);
    let (score, comment) = (score.unwrap_or_default(), comment.unwrap_or_default());
    let mut scores = Vec::with_capacity(criteria.len());
    for criterion in &criteria {
        let written = score.get(&criterion.code).map(|s| s.trim()).unwrap_or_default();
        let score =
            if written.is_empty() {
                None
            } else {
                Some(HalfPoints::parse(written).ok_or_else(|| {
                    ssr::invalid(&format!("score-{}", criterion.code), "review.refused.score")
                })?)
            };
        let comment = comment.get(&criterion.code).cloned().unwrap_or_default();
        if comment.chars().count() > super::form::MAX_TEXT {
            return Err(ssr::invalid(&format!("comment-{}", criterion.code), "form.too_long"));
        }
        scores.push((criterion.code.clone(), score, comment));
    }
    let assessed_trl = match assessed_trl.unwrap_or_default().trim() {
        "" => None,
        t => Some(
            t.parse::<u8>()
                .ok()
                .filter(|t| (1..=9).contains(t))
                .ok_or_else(|| ssr::invalid("assessed_trl", "call.refused.trl"))?,
        ),
    };
    let confidence = confidence.unwrap_or_default();
    let confidence = super::model::CONFIDENCE.iter().find(|c| **c == confidence).map(|c| (*c).to_owned());
    let input = super::store::ReviewInput {
        scores,
        assessed_trl,
        confidence,
        submit: intent.as_deref() == Some("submit"),
        justification: justification.unwrap_or_default(),
    };
    super::store::save_review(&state.db, id, person.id, &input).await.map_err(ssr::refused)
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
    let rows = super::store::assigned_to(&state.db, person.id).await?;
    let mut assigned = Vec::with_capacity(rows.len());
    for row in &rows {
        assigned.push((
            row.try_get("id")?,
            row.try_get("title")?,
            row.try_get("company")?,
            Localized::new(row.try_get::<String, _>("title_sv")?, row.try_get::<String, _>("title_en")?),
            row.try_get::<Option<String>, _>("submitted_at")?.is_some(),
        ));
    }
    Ok(ReviewerDeskView { assigned, companies: super::store::conflict_choices(&state.db, person.id).await? })
}

/// Declares a conflict of interest with a company (its proposals disappear from view).
#[server]
pub async fn declare_conflict(company: i64, kind: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::DeclareConflicts).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    if !super::model::CONFLICT_KINDS.contains(&kind.as_str()) {
        return Err(ssr::invalid("kind", "form.required"));
    }
    super::store::declare_conflict(&state.db, person.id, company, &kind).await.map_err(ssr::refused)
}
