//! SQL for co-creation: companies and their invitations, calls, proposals (an event log
//! kept by the one executor, `crate::workflow`, with their read tables: the proposal row,
//! versions, assignments, reviews and their revisions), conflicts and the panel.

use super::assignment::{AssignmentInput, ProposalSlot};
use super::form::ProposalForm;
use super::model::{CallPhase, CriterionRow};
use super::scoring::{Criterion, HalfPoints};
use crate::audit::{NewEvent, record_in};
use crate::cohort_access::notices::people;
use crate::db::{self, Db};
use crate::notifications::model::{Notice, PORTAL};
use crate::workflow::{self, Stored, project_exclusions};
use chrono::{DateTime, Utc};
use kernel::codes::ConflictKind;
use kernel::proposal::{
    Actor, CallTerms, Command, Event, Proposal, ProposalFacts, ProposalState, Refusal, Review, Stage,
};
use kernel::{CallId, CompanyId, PersonId};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

pub type ExecuteError = workflow::ExecuteError<Refusal>;
pub type LoggedEvent = workflow::Logged<Event>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("not found")]
    NotFound,
    #[error("invalid {0}")]
    Invalid(String, &'static str),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("a stored event could not be read: {0}")]
    Corrupt(String),
}

impl From<Refusal> for StoreError {
    fn from(refusal: Refusal) -> Self {
        StoreError::Refused(refusal)
    }
}

impl From<ExecuteError> for StoreError {
    fn from(error: ExecuteError) -> Self {
        match error {
            ExecuteError::Refused(refusal) => StoreError::Refused(refusal),
            ExecuteError::NotFound => StoreError::NotFound,
            ExecuteError::Sql(error) => StoreError::Sql(error),
            ExecuteError::Corrupt(problem) => StoreError::Corrupt(problem),
        }
    }
}

// --- Companies ----------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CompanyRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub company_kind: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub org_number: Option<String>,
    pub size: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

const COMPANY_COLUMNS: &str = "o.id, o.slug, o.name, o.company_kind, o.city, o.website, p.org_number, p.size, \
     p.contact_name, p.contact_email, p.contact_phone";

pub async fn company(conn: &mut AnyConnection, slug: &str) -> Result<Option<CompanyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COMPANY_COLUMNS} FROM organisations o LEFT JOIN company_profiles p ON p.organisation_id = o.id \
         WHERE o.slug = $1 AND o.kind = 'company'"
    ))
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// The representatives of a company: (id, name, e-mail).
pub async fn representatives(
    conn: &mut AnyConnection,
    company_id: i64,
) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.display_name, p.email FROM memberships m JOIN people p ON p.id = m.person_id \
         WHERE m.organisation_id = $1 ORDER BY p.display_name",
    )
    .bind(company_id)
    .fetch_all(conn)
    .await
}

/// The companies a person represents: (slug, name).
pub async fn companies_of(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.slug, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.person_id = $1 AND o.kind = 'company' ORDER BY o.name",
    )
    .bind(person.get())
    .fetch_all(conn)
    .await
}

/// What a company profile says, checked.
#[derive(Debug, Clone)]
pub struct CompanyProfile {
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

fn slug_of(name: &str) -> String {
    crate::content::library::anchor_id(name)
}

/// Registers a company with the person as its first representative; answers its slug.
pub async fn register_company(
    db: &Db,
    person: PersonId,
    profile: &CompanyProfile,
) -> Result<String, StoreError> {
    let person = person.get();
    let mut tx = db.write_one_at_a_time("company registration").await?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT organisation_id FROM company_profiles WHERE org_number = $1")
            .bind(&profile.org_number)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        return Err(StoreError::Invalid("org_number".into(), "company.refused.org_number_taken"));
    }
    let base = if slug_of(&profile.name).is_empty() { "company".to_owned() } else { slug_of(&profile.name) };
    let mut slug = base.clone();
    let mut n = 2;
    while sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE slug = $1")
        .bind(&slug)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let now = db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, kind, company_kind, city, website, created_at) \
         VALUES ($1, $2, 'company', $3, $4, $5, $6) RETURNING id",
    )
    .bind(&slug)
    .bind(&profile.name)
    .bind(&profile.kind)
    .bind(&profile.city)
    .bind(&profile.website)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    write_profile(&mut tx, id, profile, &now, true).await?;
    sqlx::query("INSERT INTO memberships (person_id, organisation_id) VALUES ($1, $2)")
        .bind(person)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let event =
        NewEvent::transition(Some(person), "company", id, "company_registered", None, Some("registered"));
    record_in(&mut tx, NewEvent { summary: Some(profile.name.clone()), ..event }).await?;
    tx.commit().await?;
    Ok(slug)
}

async fn write_profile(
    conn: &mut AnyConnection,
    id: i64,
    profile: &CompanyProfile,
    now: &str,
    insert: bool,
) -> Result<(), sqlx::Error> {
    let sql = if insert {
        "INSERT INTO company_profiles (org_number, size, contact_name, contact_email, contact_phone, created_at, updated_at, organisation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
    } else {
        "UPDATE company_profiles SET org_number = $1, size = $2, contact_name = $3, contact_email = $4, contact_phone = $5, updated_at = $6 \
         WHERE organisation_id = $7"
    };
    sqlx::query(sql)
        .bind(&profile.org_number)
        .bind(&profile.size)
        .bind(&profile.contact_name)
        .bind(&profile.contact_email)
        .bind(&profile.contact_phone)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes a company's profile (a demo company without one gets one).
pub async fn update_company(
    db: &Db,
    person: PersonId,
    id: i64,
    profile: &CompanyProfile,
) -> Result<(), StoreError> {
    let person = person.get();
    let mut tx = db.write_one_at_a_time("company registration").await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT organisation_id FROM company_profiles WHERE org_number = $1 AND organisation_id <> $2",
    )
    .bind(&profile.org_number)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(StoreError::Invalid("org_number".into(), "company.refused.org_number_taken"));
    }
    let now = db::now();
    sqlx::query(
        "UPDATE organisations SET name = $1, company_kind = $2, city = $3, website = $4 WHERE id = $5",
    )
    .bind(&profile.name)
    .bind(&profile.kind)
    .bind(&profile.city)
    .bind(&profile.website)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let has: Option<i64> =
        sqlx::query_scalar("SELECT organisation_id FROM company_profiles WHERE organisation_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    write_profile(&mut tx, id, profile, &now, has.is_none()).await?;
    let event = NewEvent::transition(Some(person), "company", id, "company_updated", None, None);
    record_in(&mut tx, NewEvent { summary: Some(profile.name.clone()), ..event }).await?;
    tx.commit().await?;
    Ok(())
}

/// How long an invitation to represent a company works.
pub const COMPANY_INVITATION_DAYS: i64 = 14;

/// Invites someone to represent a company: the link goes to the address given, and
/// only whoever opens it, signed in, becomes a representative (nobody is picked by their
/// address). Answers the token for the mail (never stored).
pub async fn invite_representative(
    db: &Db,
    actor: PersonId,
    company_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let email = kernel::access::normalise_email(email)
        .ok_or_else(|| StoreError::Invalid("email".into(), "form.invalid_email"))?;
    let mut tx = db.write().await?;
    let token = crate::identity::sessions::new_token();
    sqlx::query(
        "INSERT INTO company_invitations (company_id, email, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(company_id)
    .bind(&email)
    .bind(crate::identity::tokens::hash(&token))
    .bind(actor.get())
    .bind(db::timestamp(now))
    .bind(db::timestamp(now + chrono::Duration::days(COMPANY_INVITATION_DAYS)))
    .execute(&mut *tx)
    .await?;
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(company_id)
        .fetch_one(&mut *tx)
        .await?;
    let lang = people(&mut tx, &[actor]).await?.first().map(|r| r.2).unwrap_or_default();
    let notice = Notice {
        kind: "company_invitation",
        recipient_id: None,
        email: email.clone(),
        lang,
        args: vec![("company", name.clone()), ("link", format!("{PORTAL}/company-invitations/{token}"))],
        about: crate::notifications::model::About::Nothing,
        dedupe_key: None,
    };
    crate::notifications::store::queue(&mut tx, &notice, now).await?;
    let event =
        NewEvent::transition(Some(actor.get()), "company", company_id, "representative_invited", None, None);
    record_in(&mut tx, NewEvent { summary: Some(format!("{name}: {email}")), ..event }).await?;
    tx.commit().await?;
    Ok(())
}

/// An invitation to represent a company, found by its token.
#[derive(Debug, Clone)]
pub struct CompanyInvitation {
    pub id: i64,
    pub company_id: i64,
    pub company: String,
    pub company_slug: String,
    pub email: String,
    pub live: bool,
}

pub async fn company_invitation(
    conn: &mut AnyConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<CompanyInvitation>, sqlx::Error> {
    type Row = (i64, i64, String, String, String, String, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT i.id, i.company_id, o.name, o.slug, i.email, i.expires_at, i.accepted_at FROM company_invitations i \
         JOIN organisations o ON o.id = i.company_id WHERE i.token_hash = $1",
    )
    .bind(crate::identity::tokens::hash(token))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, company_id, company, company_slug, email, expires_at, accepted_at)| CompanyInvitation {
        id,
        company_id,
        company,
        company_slug,
        email,
        live: accepted_at.is_none() && expires_at > db::timestamp(now),
    }))
}

/// Accepts an invitation as the signed-in person. Someone who judges proposals (a
/// reviewer, a board member, an administrator) is refused, and the administrators are
/// told: representing a company would take them off judging its proposals.
pub async fn accept_company_invitation(
    db: &Db,
    token: &str,
    person: &crate::identity::model::SignedInPerson,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    use crate::identity::model::Role;
    let mut tx = db.write().await?;
    let invitation =
        company_invitation(&mut tx, token, now).await?.filter(|i| i.live).ok_or(StoreError::NotFound)?;
    let judges = [Role::Reviewer, Role::SteeringBoardMember, Role::Administrator];
    if judges.iter().any(|r| person.has_role(*r)) {
        let event = NewEvent::transition(
            Some(person.id.get()),
            "company",
            invitation.company_id,
            "representative_refused",
            None,
            None,
        );
        let summary =
            format!("{} holds a judging role and was not made a representative", person.display_name);
        record_in(&mut tx, NewEvent { summary: Some(summary), ..event }).await?;
        for (recipient, email, lang) in administrators(&mut tx).await? {
            let notice = Notice {
                kind: "representative_refused",
                recipient_id: recipient.map(i64::from),
                email,
                lang,
                args: vec![("company", invitation.company.clone()), ("person", person.display_name.clone())],
                about: crate::notifications::model::About::Nothing,
                dedupe_key: None,
            };
            crate::notifications::store::queue(&mut tx, &notice, now).await?;
        }
        tx.commit().await?;
        return Err(StoreError::Invalid("invitation".into(), "company.refused.judging_role"));
    }
    sqlx::query(
        "INSERT INTO memberships (person_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(person.id.get())
    .bind(invitation.company_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE company_invitations SET accepted_by = $1, accepted_at = $2 WHERE id = $3")
        .bind(person.id.get())
        .bind(db::timestamp(now))
        .bind(invitation.id)
        .execute(&mut *tx)
        .await?;
    refresh_exclusions(&mut tx, invitation.company_id).await?;
    let event = NewEvent::transition(
        Some(person.id.get()),
        "company",
        invitation.company_id,
        "representative_added",
        None,
        None,
    );
    let summary = format!("{} accepted the invitation sent to {}", person.display_name, invitation.email);
    record_in(&mut tx, NewEvent { summary: Some(summary), ..event }).await?;
    tx.commit().await?;
    Ok(invitation.company_slug)
}

/// The administrators, to tell.
async fn administrators(
    conn: &mut AnyConnection,
) -> Result<Vec<crate::cohort_access::notices::Recipient>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT person_id FROM role_assignments WHERE role = 'administrator' AND revoked_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    people(conn, &ids.into_iter().map(PersonId).collect::<Vec<_>>()).await
}

// --- Calls --------------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub slug: String,
    pub title_sv: String,
    pub title_en: String,
    pub body_sv: String,
    pub body_en: String,
    pub opens_at: String,
    pub closes_at: String,
    pub trl_min: i64,
    pub trl_max: i64,
    pub disease_areas: String,
    pub expression_of_interest: i64,
    pub overall_threshold: i64,
    pub reviewers_per_proposal: i64,
    pub published: i64,
    pub decisions_released_at: Option<String>,
}

impl CallRow {
    /// The call as a proposal's rules need it.
    pub fn terms(&self, criteria: Vec<String>) -> CallTerms {
        let time = |t: &str| db::parse_timestamp(t).unwrap_or(DateTime::<Utc>::MIN_UTC);
        CallTerms {
            // A call not yet published is open to nobody.
            opens_at: if self.published == 1 { time(&self.opens_at) } else { DateTime::<Utc>::MAX_UTC },
            closes_at: time(&self.closes_at),
            released: self.decisions_released_at.is_some(),
            criteria,
        }
    }

    pub fn phase(&self, now: DateTime<Utc>) -> CallPhase {
        let now = db::timestamp(now);
        if self.published == 0 {
            CallPhase::Draft
        } else if now < self.opens_at {
            CallPhase::Upcoming
        } else if now < self.closes_at {
            CallPhase::Open
        } else {
            CallPhase::Closed
        }
    }

    pub fn first_stage(&self) -> Stage {
        if self.expression_of_interest == 1 { Stage::ExpressionOfInterest } else { Stage::Full }
    }

    pub fn overall_threshold(&self) -> HalfPoints {
        HalfPoints::new(self.overall_threshold.clamp(0, 10) as u8).unwrap_or(HalfPoints::MAX)
    }
}

const CALL_COLUMNS: &str = "id, slug, title_sv, title_en, body_sv, body_en, opens_at, closes_at, trl_min, trl_max, \
     disease_areas, expression_of_interest, overall_threshold, reviewers_per_proposal, published, decisions_released_at";

pub async fn calls(conn: &mut AnyConnection, published_only: bool) -> Result<Vec<CallRow>, sqlx::Error> {
    let filter = if published_only { "WHERE published = 1" } else { "" };
    sqlx::query_as(&format!("SELECT {CALL_COLUMNS} FROM calls {filter} ORDER BY closes_at DESC, id DESC"))
        .fetch_all(conn)
        .await
}

pub async fn call(conn: &mut AnyConnection, slug: &str) -> Result<Option<CallRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(conn)
        .await
}

pub async fn call_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<CallRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionRecord {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub threshold: i64,
    pub weight: i64,
}

impl CriterionRecord {
    pub fn rule(&self) -> Criterion {
        Criterion {
            code: self.code.clone(),
            threshold: HalfPoints::new(self.threshold.clamp(0, 10) as u8).unwrap_or(HalfPoints::MAX),
            weight: self.weight.clamp(0, 100) as u32,
        }
    }
}

pub async fn criteria(conn: &mut AnyConnection, call_id: i64) -> Result<Vec<CriterionRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code, name_sv, name_en, description_sv, description_en, threshold, weight FROM call_criteria \
         WHERE call_id = $1 ORDER BY position",
    )
    .bind(call_id)
    .fetch_all(conn)
    .await
}

/// A call as checked from its form.
#[derive(Debug, Clone)]
pub struct CallInput {
    pub title_sv: String,
    pub title_en: String,
    pub body_sv: String,
    pub body_en: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub trl_min: u8,
    pub trl_max: u8,
    pub disease_areas: String,
    pub expression_of_interest: bool,
    pub overall_threshold: HalfPoints,
    pub reviewers_per_proposal: u8,
    pub published: bool,
    /// (row, threshold, weight); `None` keeps the criteria (they are locked).
    pub criteria: Option<Vec<(CriterionRow, HalfPoints, u32)>>,
}

/// Creates (no slug) or changes a call; answers its slug.
pub async fn save_call(
    db: &Db,
    person: PersonId,
    slug: Option<&str>,
    input: &CallInput,
) -> Result<String, StoreError> {
    let person = person.get();
    let mut tx = db.write().await?;
    let now = db::now();
    let (id, slug, action) = match slug {
        Some(slug) => {
            let id: i64 = sqlx::query_scalar("SELECT id FROM calls WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            (id, slug.to_owned(), "call_updated")
        }
        None => {
            let base = slug_of(&input.title_en);
            let base = if base.is_empty() { "call".to_owned() } else { base };
            let mut slug = base.clone();
            let mut n = 2;
            while sqlx::query_scalar::<_, i64>("SELECT id FROM calls WHERE slug = $1")
                .bind(&slug)
                .fetch_optional(&mut *tx)
                .await?
                .is_some()
            {
                slug = format!("{base}-{n}");
                n += 1;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO calls (slug, title_sv, title_en, body_sv, body_en, opens_at, closes_at, trl_min, trl_max, created_by, created_at, updated_at) \
                 VALUES ($1, '', '', '', '', $2, $3, 5, 9, $4, $5, $5) RETURNING id",
            )
            .bind(&slug)
            .bind(db::timestamp(input.opens_at))
            .bind(db::timestamp(input.closes_at))
            .bind(person)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?;
            (id, slug, "call_created")
        }
    };
    sqlx::query(
        "UPDATE calls SET title_sv = $1, title_en = $2, body_sv = $3, body_en = $4, opens_at = $5, closes_at = $6, \
         trl_min = $7, trl_max = $8, disease_areas = $9, expression_of_interest = $10, overall_threshold = $11, \
         reviewers_per_proposal = $12, published = $13, updated_at = $14 WHERE id = $15",
    )
    .bind(&input.title_sv)
    .bind(&input.title_en)
    .bind(&input.body_sv)
    .bind(&input.body_en)
    .bind(db::timestamp(input.opens_at))
    .bind(db::timestamp(input.closes_at))
    .bind(i64::from(input.trl_min))
    .bind(i64::from(input.trl_max))
    .bind(&input.disease_areas)
    .bind(i64::from(input.expression_of_interest))
    .bind(i64::from(input.overall_threshold.halves()))
    .bind(i64::from(input.reviewers_per_proposal))
    .bind(i64::from(input.published))
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some(criteria) = &input.criteria {
        let submitted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND submitted_at IS NOT NULL",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if submitted > 0 {
            return Err(StoreError::Invalid("criteria".into(), "call.refused.criteria_locked"));
        }
        sqlx::query("DELETE FROM call_criteria WHERE call_id = $1").bind(id).execute(&mut *tx).await?;
        for (position, (row, threshold, weight)) in criteria.iter().enumerate() {
            sqlx::query(
                "INSERT INTO call_criteria (call_id, position, code, name_sv, name_en, description_sv, description_en, threshold, weight) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(&row.code)
            .bind(&row.name_sv)
            .bind(&row.name_en)
            .bind(&row.description_sv)
            .bind(&row.description_en)
            .bind(i64::from(threshold.halves()))
            .bind(i64::from(*weight))
            .execute(&mut *tx)
            .await?;
        }
    }
    let event = NewEvent::transition(
        Some(person),
        "call",
        id,
        action,
        None,
        Some(if input.published { "published" } else { "draft" }),
    );
    record_in(&mut tx, NewEvent { summary: Some(input.title_en.clone()), ..event }).await?;
    tx.commit().await?;
    Ok(slug)
}

/// Counts for the public page of a call: (received, eligible, selected, reserve) and the
/// selected projects whose companies agreed to be named.
pub async fn call_outcome(
    conn: &mut AnyConnection,
    call_id: i64,
) -> Result<((usize, usize, usize, usize), Vec<(String, String)>), sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT p.state, p.title, o.name, p.form FROM proposals p JOIN organisations o ON o.id = p.company_id \
         WHERE p.call_id = $1 AND p.submitted_at IS NOT NULL",
    )
    .bind(call_id)
    .fetch_all(conn)
    .await?;
    let mut counts = (0, 0, 0, 0);
    let mut named = Vec::new();
    for (state, title, company, form) in rows {
        let Some(state) = ProposalState::parse(&state) else { continue };
        counts.0 += 1;
        if !matches!(state, ProposalState::Ineligible | ProposalState::Submitted | ProposalState::Withdrawn) {
            counts.1 += 1;
        }
        match state {
            ProposalState::Selected => {
                counts.2 += 1;
                let form: ProposalForm = serde_json::from_str(&form).unwrap_or_default();
                if form.may_name {
                    named.push((company, title));
                }
            }
            ProposalState::Reserve => counts.3 += 1,
            _ => {}
        }
    }
    named.sort();
    Ok((counts, named))
}

// --- Proposals ----------------------------------------------------------------------------

/// The proposal's read row: what lists, the panel and the public page use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProposalRow {
    pub id: i64,
    pub call_id: i64,
    pub company_id: i64,
    pub state: String,
    pub stage: String,
    pub title: String,
    pub form: String,
    pub submitted_at: Option<String>,
    pub released_at: Option<String>,
    pub updated_at: String,
}

impl ProposalRow {
    pub fn form(&self) -> ProposalForm {
        serde_json::from_str(&self.form).unwrap_or_default()
    }
}

const PROPOSAL_COLUMNS: &str =
    "id, call_id, company_id, state, stage, title, form, submitted_at, released_at, updated_at";

pub async fn proposal(conn: &mut AnyConnection, id: i64) -> Result<Option<ProposalRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The facts a proposal's rules need: its call, its company's representatives, who declared
/// a conflict with the company, and who holds the reviewer role. Call and company come from
/// the proposal's row, so the facts hold before its first event (the one that creates it).
pub async fn proposal_facts(conn: &mut AnyConnection, id: i64) -> Result<ProposalFacts, sqlx::Error> {
    let (call_id, company_id): (i64, i64) =
        sqlx::query_as("SELECT call_id, company_id FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or((0, 0));
    let call = call_by_id(&mut *conn, call_id).await?;
    let criteria = match &call {
        Some(call) => criteria(&mut *conn, call.id).await?.into_iter().map(|c| c.code).collect(),
        None => Vec::new(),
    };
    let terms = match call {
        Some(call) => call.terms(criteria),
        None => CallTerms {
            opens_at: DateTime::<Utc>::MAX_UTC,
            closes_at: DateTime::<Utc>::MIN_UTC,
            released: false,
            criteria,
        },
    };
    company_facts(conn, CompanyId(company_id), terms).await
}

/// The company's side of a proposal's facts, with the call's terms.
pub async fn company_facts(
    conn: &mut AnyConnection,
    company: CompanyId,
    call: CallTerms,
) -> Result<ProposalFacts, sqlx::Error> {
    let representatives: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM memberships WHERE organisation_id = $1")
            .bind(company.get())
            .fetch_all(&mut *conn)
            .await?;
    let conflicted: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM company_conflicts WHERE company_id = $1")
            .bind(company.get())
            .fetch_all(&mut *conn)
            .await?;
    Ok(ProposalFacts {
        call,
        representatives: representatives.into_iter().map(PersonId).collect(),
        conflicted: conflicted.into_iter().map(PersonId).collect(),
        reviewers: reviewer_ids(conn).await?,
    })
}

/// Everyone who holds the reviewer role.
pub async fn reviewer_ids(conn: &mut AnyConnection) -> Result<BTreeSet<PersonId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT person_id FROM role_assignments WHERE role = 'reviewer' AND revoked_at IS NULL",
    )
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(PersonId).collect())
}

/// The proposal as its events tell it, with its log; a missing one is not found.
pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<(Proposal, Vec<LoggedEvent>), ExecuteError> {
    let (proposal, log) = workflow::load::<Proposal>(conn, id).await?;
    if !proposal.created {
        return Err(ExecuteError::NotFound);
    }
    Ok((proposal, log))
}

impl Stored for Proposal {
    const SUBJECT: &'static str = "proposal";
    const TABLE: &'static str = "proposals";
    const EVENTS: &'static str = "proposal_events";
    const KEY: &'static str = "proposal_id";

    fn state_code(&self) -> &'static str {
        self.state.code()
    }

    fn actor_id(actor: &Actor) -> Option<PersonId> {
        Some(actor.id)
    }

    fn event_reason(event: &Event) -> Option<String> {
        event.reason().map(str::to_owned)
    }

    async fn facts(
        conn: &mut AnyConnection,
        id: i64,
        _proposal: &Proposal,
    ) -> Result<ProposalFacts, sqlx::Error> {
        proposal_facts(conn, id).await
    }

    async fn project(
        conn: &mut AnyConnection,
        id: i64,
        proposal: &Proposal,
        event: &Event,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        project(conn, id, proposal, event, at).await
    }

    async fn notify(
        conn: &mut AnyConnection,
        id: i64,
        proposal: &Proposal,
        facts: &ProposalFacts,
        event: &Event,
        _actor: Option<PersonId>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        project_exclusions(conn, "proposal", id, &facts.excluded_people()).await?;
        notify(conn, id, proposal, facts, event, at).await
    }
}

/// The read tables one event changes.
async fn project(
    conn: &mut AnyConnection,
    id: i64,
    proposal: &Proposal,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let when = at;
    let at = db::timestamp(at);
    let decision = proposal.decision.as_ref();
    sqlx::query(
        "UPDATE proposals SET state = $1, stage = $2, decision = $3, decision_rationale = $4, consensus_summary = $5, \
         ineligible_reason = $6, agreement_started = $7 WHERE id = $8",
    )
    .bind(proposal.state.code())
    .bind(proposal.stage.code())
    .bind(decision.map(|d| d.0.code()))
    .bind(decision.map(|d| d.1.clone()))
    .bind(decision.map(|d| d.2.clone()))
    .bind(proposal.ineligible_reason.clone())
    .bind(i64::from(proposal.agreement_started))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    match event {
        Event::Submitted { version } | Event::FoundIneligible { version, .. } => {
            sqlx::query("UPDATE proposals SET submitted_at = $1 WHERE id = $2")
                .bind(&at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            // What outsiders read from now on: this version, not the draft as it changes.
            sqlx::query(
                "INSERT INTO proposal_versions (proposal_id, version, stage, form, submitted_at) \
                 SELECT id, $1, stage, form, $2 FROM proposals WHERE id = $3",
            )
            .bind(i64::from(*version))
            .bind(&at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Event::DecisionReleased => {
            sqlx::query("UPDATE proposals SET released_at = $1 WHERE id = $2")
                .bind(&at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Event::ReviewerAssigned { reviewer, suggested } => {
            sqlx::query(
                "INSERT INTO review_assignments (proposal_id, reviewer_id, source, assigned_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (proposal_id, reviewer_id) DO NOTHING",
            )
            .bind(id)
            .bind(reviewer.get())
            .bind(if *suggested { "suggested" } else { "manual" })
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        Event::ReviewerRemoved { reviewer } | Event::ReviewerConflicted { reviewer } => {
            sqlx::query("DELETE FROM review_assignments WHERE proposal_id = $1 AND reviewer_id = $2")
                .bind(id)
                .bind(reviewer.get())
                .execute(&mut *conn)
                .await?;
        }
        Event::ReviewSubmitted { reviewer, revision, review } => {
            write_review(conn, id, *reviewer, review, Some((*revision, None)), &at).await?;
        }
        Event::ReviewRevised { reviewer, revision, review, justification } => {
            write_review(conn, id, *reviewer, review, Some((*revision, Some(justification.as_str()))), &at)
                .await?;
        }
        Event::AgreementStarted => {
            let agreement: i64 = sqlx::query_scalar(
                "INSERT INTO agreements (proposal_id, title, started_by, started_at, updated_at) \
                 SELECT $1, title, COALESCE((SELECT actor_id FROM proposal_events WHERE proposal_id = $1 ORDER BY seq DESC LIMIT 1), created_by), $2, $2 \
                 FROM proposals WHERE id = $1 RETURNING id",
            )
            .bind(id)
            .bind(&at)
            .fetch_one(&mut *conn)
            .await?;
            // The agreement is created with the proposal's event, in its transaction: a
            // refusal (which the carried-over terms are built never to meet) undoes both.
            crate::agreements::store::create_from_proposal(conn, agreement, id, when).await.map_err(
                |error| match error {
                    crate::workflow::ExecuteError::Sql(error) => error,
                    other => sqlx::Error::Protocol(format!("the agreement could not be created: {other}")),
                },
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// A review in the read tables: a draft (no revision) or a submission (with its revision
/// and, after the first, its justification, kept in the append-only revisions).
async fn write_review(
    conn: &mut AnyConnection,
    id: i64,
    reviewer: PersonId,
    review: &Review,
    submitted: Option<(u32, Option<&str>)>,
    at: &str,
) -> Result<(), sqlx::Error> {
    let revision: i64 = match submitted {
        Some((revision, _)) => i64::from(revision),
        None => {
            sqlx::query_scalar("SELECT revision FROM reviews WHERE proposal_id = $1 AND reviewer_id = $2")
                .bind(id)
                .bind(reviewer.get())
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or(0)
        }
    };
    let submitted_at: Option<String> = match submitted {
        Some(_) => Some(at.to_owned()),
        None => sqlx::query_scalar::<_, Option<String>>(
            "SELECT submitted_at FROM reviews WHERE proposal_id = $1 AND reviewer_id = $2",
        )
        .bind(id)
        .bind(reviewer.get())
        .fetch_optional(&mut *conn)
        .await?
        .flatten(),
    };
    sqlx::query(
        "INSERT INTO reviews (proposal_id, reviewer_id, assessed_trl, confidence, submitted_at, revision, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (proposal_id, reviewer_id) DO UPDATE SET \
         assessed_trl = excluded.assessed_trl, confidence = excluded.confidence, submitted_at = excluded.submitted_at, \
         revision = excluded.revision, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(reviewer.get())
    .bind(review.assessed_trl.map(i64::from))
    .bind(review.confidence.map(|c| c.code()))
    .bind(submitted_at)
    .bind(revision)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM review_scores WHERE proposal_id = $1 AND reviewer_id = $2")
        .bind(id)
        .bind(reviewer.get())
        .execute(&mut *conn)
        .await?;
    for score in &review.scores {
        sqlx::query(
            "INSERT INTO review_scores (proposal_id, reviewer_id, criterion, score, comment) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(reviewer.get())
        .bind(&score.criterion)
        .bind(score.halves.map(i64::from))
        .bind(score.comment.trim())
        .execute(&mut *conn)
        .await?;
    }
    if let Some((revision, justification)) = submitted {
        sqlx::query(
            "INSERT INTO review_revisions (proposal_id, reviewer_id, revision, snapshot, justification, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(reviewer.get())
        .bind(i64::from(revision))
        .bind(serde_json::to_string(review).unwrap_or_default())
        .bind(justification)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The company hears of its submission, of ineligibility, of the invitation to a full
/// proposal and of the released decision; a reviewer hears of an assignment.
async fn notify(
    conn: &mut AnyConnection,
    id: i64,
    proposal: &Proposal,
    facts: &ProposalFacts,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let title: String = sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let (kind, recipients, link): (&'static str, Vec<PersonId>, String) = match event {
        Event::Submitted { .. } => (
            "proposal_submitted",
            facts.representatives.iter().copied().collect(),
            format!("{PORTAL}/proposals/{id}"),
        ),
        Event::FoundIneligible { .. } | Event::ScreenedIneligible { .. } => (
            "proposal_ineligible",
            facts.representatives.iter().copied().collect(),
            format!("{PORTAL}/proposals/{id}"),
        ),
        Event::InvitedToFullProposal { .. } => (
            "proposal_invited",
            facts.representatives.iter().copied().collect(),
            format!("{PORTAL}/proposals/{id}"),
        ),
        Event::DecisionReleased => (
            "proposal_decision",
            facts.representatives.iter().copied().collect(),
            format!("{PORTAL}/proposals/{id}"),
        ),
        Event::ReviewerAssigned { reviewer, .. } => {
            ("proposal_review_assigned", vec![*reviewer], format!("{PORTAL}/reviewing"))
        }
        _ => return Ok(()),
    };
    let _ = proposal;
    for (recipient, email, lang) in people(&mut *conn, &recipients).await? {
        let args = if kind == "proposal_review_assigned" {
            vec![("link", link.clone())]
        } else {
            vec![("title", title.clone()), ("link", link.clone())]
        };
        let notice = Notice {
            kind,
            recipient_id: recipient.map(i64::from),
            email,
            lang,
            args,
            about: crate::notifications::model::About::Proposal(id),
            dedupe_key: None,
        };
        crate::notifications::store::queue(&mut *conn, &notice, now).await?;
    }
    Ok(())
}

/// Starts a draft proposal of a company in a call: the row and its first event in one
/// transaction (a refusal leaves nothing).
pub async fn create_proposal(
    db: &Db,
    call: &CallRow,
    company: CompanyId,
    actor: &Actor,
    title: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let form = ProposalForm { title: title.to_owned(), ..ProposalForm::default() };
    let stage = call.first_stage();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (call_id, company_id, created_by, state, stage, title, form, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(call.id)
    .bind(company.get())
    .bind(actor.id.get())
    .bind(stage.code())
    .bind(title)
    .bind(serde_json::to_string(&form).unwrap_or_default())
    .bind(db::timestamp(now))
    .fetch_one(&mut *tx)
    .await?;
    let command = Command::Create { company, call: CallId(call.id), stage };
    workflow::execute_in::<Proposal>(&mut tx, id, actor, command, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Locks the proposal (the row write serialises drafts with commands), folds it and
/// checks that the permission table lets this person save a draft of this kind now.
async fn lock_for_draft(
    tx: &mut AnyConnection,
    id: i64,
    actor: &Actor,
    permission: kernel::proposal::Permission,
    now: DateTime<Utc>,
) -> Result<Proposal, StoreError> {
    use kernel::workflow::Aggregate;
    sqlx::query("UPDATE proposals SET updated_at = $1 WHERE id = $2")
        .bind(db::timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let (proposal, _) = load(&mut *tx, id).await?;
    let facts = proposal_facts(&mut *tx, id).await?;
    proposal.may(actor, permission, &kernel::workflow::Context::with(now, facts))?;
    Ok(proposal)
}

/// Keeps the draft's form as typed (whatever it holds), when the proposal's rules let this
/// person edit it now. The clinical letter is an upload; a save of the fields keeps it.
pub async fn save_form(
    db: &Db,
    id: i64,
    actor: &Actor,
    mut form: ProposalForm,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    lock_for_draft(&mut tx, id, actor, kernel::proposal::Permission::EditDraft, now).await?;
    let row = self::proposal(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
    form.clinical_letter = row.form().clinical_letter;
    sqlx::query("UPDATE proposals SET form = $1, title = $2 WHERE id = $3")
        .bind(serde_json::to_string(&form).unwrap_or_default())
        .bind(form.title.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a command on a proposal in its own transaction.
pub async fn execute(
    db: &Db,
    id: i64,
    actor: &Actor,
    command: Command,
    now: DateTime<Utc>,
) -> Result<workflow::Executed<Proposal>, StoreError> {
    Ok(workflow::execute::<Proposal>(db, id, actor, command, now).await?)
}

/// The last submitted version of the form: what everyone but the company reads.
pub async fn submitted_form(conn: &mut AnyConnection, id: i64) -> Result<Option<ProposalForm>, sqlx::Error> {
    let form: Option<String> = sqlx::query_scalar(
        "SELECT form FROM proposal_versions WHERE proposal_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(form.map(|f| serde_json::from_str(&f).unwrap_or_default()))
}

/// Releases every decision of a closed call together; answers how many went out.
pub async fn release_decisions(
    db: &Db,
    call_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut tx = db.write().await?;
    // Taking the call's row first serialises two administrators releasing at once.
    sqlx::query("UPDATE calls SET updated_at = $1 WHERE id = $2")
        .bind(db::timestamp(now))
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
    let call = call_by_id(&mut tx, call_id).await?.ok_or(StoreError::NotFound)?;
    if !release_blockers(&mut tx, &call, now).await?.is_empty() {
        return Err(Refusal::WrongState.into());
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM proposals WHERE call_id = $1 AND state = 'in_review' ORDER BY id")
            .bind(call_id)
            .fetch_all(&mut *tx)
            .await?;
    for id in &ids {
        workflow::execute_in::<Proposal>(&mut tx, *id, actor, Command::Release, now).await?;
    }
    sqlx::query("UPDATE calls SET decisions_released_at = $1 WHERE id = $2")
        .bind(db::timestamp(now))
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
    let event = NewEvent::transition(
        Some(actor.id.get()),
        "call",
        call_id,
        "decisions_released",
        Some("closed"),
        Some("released"),
    );
    record_in(&mut tx, NewEvent { summary: Some(format!("{} decisions", ids.len())), ..event }).await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// What stops a call's decisions from going out (message keys), by the proposals' rule.
pub async fn release_blockers(
    conn: &mut AnyConnection,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT state, decision FROM proposals WHERE call_id = $1 AND state IN ('submitted', 'in_review')",
    )
    .bind(call.id)
    .fetch_all(conn)
    .await?;
    let states = rows
        .into_iter()
        .filter_map(|(state, decision)| Some((ProposalState::parse(&state)?, decision.is_some())));
    let open = call.phase(now) != CallPhase::Closed;
    Ok(kernel::proposal::release_blockers(open, call.decisions_released_at.is_some(), states)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// Brings a company's proposals' exclusions in step after its representatives or the
/// conflicts declared with it changed.
pub async fn refresh_exclusions(conn: &mut AnyConnection, company_id: i64) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM proposals WHERE company_id = $1")
        .bind(company_id)
        .fetch_all(&mut *conn)
        .await?;
    let never = CallTerms {
        opens_at: DateTime::<Utc>::MAX_UTC,
        closes_at: DateTime::<Utc>::MIN_UTC,
        released: false,
        criteria: Vec::new(),
    };
    let facts = company_facts(conn, CompanyId(company_id), never).await?;
    for id in ids {
        project_exclusions(conn, "proposal", id, &facts.excluded_people()).await?;
    }
    Ok(())
}

/// The log of proposals whose history was kept before typed events is given one
/// `migrated` event that carries their state then (the earlier rows stay as they are,
/// readable by kind and reason). Runs at start-up; does nothing once done.
pub async fn migrate_untyped_logs(db: &Db) -> Result<usize, sqlx::Error> {
    use kernel::proposal::{Assignment, Confidence, CriterionScore, Decision, Migrated, SubmittedReview};
    let mut conn = db.read().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM proposals p WHERE NOT EXISTS \
         (SELECT 1 FROM proposal_events e WHERE e.proposal_id = p.id AND e.payload IS NOT NULL) ORDER BY p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    for id in &ids {
        let mut tx = db.write().await?;
        type Row = (
            i64,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
        );
        let (call, company, state, stage, ineligible, decision, rationale, summary, released, agreement, submitted): Row =
            sqlx::query_as(
                "SELECT call_id, company_id, state, stage, ineligible_reason, decision, decision_rationale, consensus_summary, \
                 released_at, agreement_started, submitted_at FROM proposals WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let assigned: Vec<(i64, String)> =
            sqlx::query_as("SELECT reviewer_id, source FROM review_assignments WHERE proposal_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let revisions: Vec<(i64, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT reviewer_id, revision, snapshot, justification, submitted_at FROM review_revisions \
             WHERE proposal_id = $1 ORDER BY reviewer_id, revision",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let mut reviewers = std::collections::BTreeMap::new();
        for (reviewer, source) in assigned {
            let mut kept = Vec::new();
            for (r, revision, snapshot, justification, at) in revisions.iter().filter(|r| r.0 == reviewer) {
                let _ = r;
                // The earlier snapshot: {"scores": [[code, "3.5", comment]], "assessed_trl", "confidence"}.
                let value: serde_json::Value = serde_json::from_str(snapshot).unwrap_or_default();
                let scores = value["scores"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| {
                        let code = s.get(0)?.as_str()?.to_owned();
                        let halves =
                            s.get(1).and_then(|v| v.as_str()).and_then(HalfPoints::parse).map(|h| h.halves());
                        let comment = s.get(2).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                        Some(CriterionScore { criterion: code, halves, comment })
                    })
                    .collect();
                let review = Review {
                    scores,
                    assessed_trl: value["assessed_trl"].as_u64().map(|t| t as u8),
                    confidence: value["confidence"].as_str().and_then(Confidence::parse),
                };
                kept.push(SubmittedReview {
                    revision: *revision as u32,
                    review,
                    justification: justification.clone(),
                    at: db::parse_timestamp(at).unwrap_or(DateTime::<Utc>::MIN_UTC),
                });
            }
            reviewers
                .insert(PersonId(reviewer), Assignment { suggested: source == "suggested", revisions: kept });
        }
        let migrated = Migrated {
            company: CompanyId(company),
            call: CallId(call),
            state: ProposalState::parse(&state).unwrap_or_default(),
            stage: Stage::parse(&stage).unwrap_or_default(),
            version: u32::from(submitted.is_some()),
            ineligible_reason: ineligible,
            decision: decision
                .as_deref()
                .and_then(Decision::parse)
                .map(|d| (d, rationale.unwrap_or_default(), summary.unwrap_or_default())),
            released: released.is_some(),
            agreement_started: agreement == 1,
            reviewers,
        };
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM proposal_events WHERE proposal_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let event = Event::Migrated(Box::new(migrated));
        sqlx::query(
            "INSERT INTO proposal_events (proposal_id, seq, occurred_at, actor_id, kind, from_state, to_state, reason, payload) \
             VALUES ($1, $2, $3, NULL, 'migrated', $4, $4, NULL, $5)",
        )
        .bind(id)
        .bind(seq)
        .bind(db::now())
        .bind(&state)
        .bind(serde_json::to_string(&event).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        if submitted.is_some() {
            sqlx::query(
                "INSERT INTO proposal_versions (proposal_id, version, stage, form, submitted_at) \
                 SELECT id, 1, stage, form, submitted_at FROM proposals WHERE id = $1 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(ids.len())
}

/// Proposals of the person's companies.
pub async fn my_proposals(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.title, p.state, p.stage, p.updated_at, c.slug AS call_slug, c.title_sv, c.title_en, o.name AS company \
         FROM proposals p JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.company_id \
         JOIN memberships m ON m.organisation_id = p.company_id WHERE m.person_id = $1 ORDER BY p.updated_at DESC",
    )
    .bind(person.get())
    .fetch_all(conn)
    .await
}

// --- Conflicts and assignments ------------------------------------------------------------

/// Declares a conflict with a company; the person steps down from reviewing any of its
/// proposals at once (the proposals' rules record it), and its proposals leave their view.
pub async fn declare_conflict(
    db: &Db,
    person: &crate::identity::model::SignedInPerson,
    company: i64,
    kind: ConflictKind,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1 AND kind = 'company'")
            .bind(company)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    sqlx::query(
        "INSERT INTO company_conflicts (person_id, company_id, kind, declared_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person_id, company_id) DO UPDATE SET kind = excluded.kind",
    )
    .bind(person.id.get())
    .bind(company)
    .bind(kind.code())
    .bind(db::timestamp(now))
    .execute(&mut *tx)
    .await?;
    let assigned: Vec<i64> = sqlx::query_scalar(
        "SELECT a.proposal_id FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id \
         WHERE a.reviewer_id = $1 AND p.company_id = $2",
    )
    .bind(person.id.get())
    .bind(company)
    .fetch_all(&mut *tx)
    .await?;
    let actor = person.proposal_actor();
    for proposal in assigned {
        workflow::execute_in::<Proposal>(&mut tx, proposal, &actor, Command::StepDown, now).await?;
    }
    refresh_exclusions(&mut tx, company).await?;
    let event = NewEvent::transition(
        Some(person.id.get()),
        "company",
        company,
        "conflict_declared",
        None,
        Some(kind.code()),
    );
    record_in(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The companies with proposals past screening and the person's declared conflicts.
pub async fn conflict_choices(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, k.kind FROM organisations o \
         LEFT JOIN company_conflicts k ON k.company_id = o.id AND k.person_id = $1 \
         WHERE o.kind = 'company' AND (k.kind IS NOT NULL OR o.id IN (SELECT company_id FROM proposals WHERE submitted_at IS NOT NULL)) \
         ORDER BY o.name",
    )
    .bind(person.get())
    .fetch_all(conn)
    .await
}

/// People who hold the reviewer role: (id, name).
pub async fn reviewers(conn: &mut AnyConnection) -> Result<Vec<(PersonId, String)>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT p.id, p.display_name FROM people p JOIN role_assignments r ON r.person_id = p.id \
         WHERE r.role = 'reviewer' AND r.revoked_at IS NULL ORDER BY p.display_name, p.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, name)| (PersonId(id), name)).collect())
}

/// The suggestion's input for a call's proposals in review: who each may be given, by the
/// proposals' own rule (`ProposalFacts::may_review`).
pub async fn assignment_input(
    conn: &mut AnyConnection,
    call: &CallRow,
) -> Result<AssignmentInput, sqlx::Error> {
    let proposals: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, company_id FROM proposals WHERE call_id = $1 AND state = 'in_review' ORDER BY id",
    )
    .bind(call.id)
    .fetch_all(&mut *conn)
    .await?;
    let assigned: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT a.proposal_id, a.reviewer_id FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id WHERE p.call_id = $1",
    )
    .bind(call.id)
    .fetch_all(&mut *conn)
    .await?;
    let reviewers = reviewer_ids(&mut *conn).await?;
    let mut facts_of: std::collections::BTreeMap<i64, ProposalFacts> = std::collections::BTreeMap::new();
    for (_, company) in &proposals {
        if !facts_of.contains_key(company) {
            let facts = company_facts(&mut *conn, CompanyId(*company), call.terms(Vec::new())).await?;
            facts_of.insert(*company, facts);
        }
    }
    Ok(AssignmentInput {
        proposals: proposals
            .into_iter()
            .map(|(proposal, company)| ProposalSlot {
                proposal,
                eligible: reviewers
                    .iter()
                    .filter(|r| facts_of.get(&company).is_some_and(|f| f.may_review(**r)))
                    .map(|r| r.get())
                    .collect(),
                assigned: assigned.iter().filter(|(p, _)| *p == proposal).map(|(_, r)| *r).collect(),
            })
            .collect(),
        reviewers: reviewers.into_iter().map(PersonId::get).collect(),
        per_proposal: call.reviewers_per_proposal.clamp(1, 9) as usize,
    })
}

/// Applies the suggested assignment for a call; answers (assigned, proposals still short).
pub async fn apply_suggestion(
    db: &Db,
    call: &CallRow,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let mut tx = db.write().await?;
    let input = assignment_input(&mut tx, call).await?;
    let suggestion = super::assignment::suggest(&input);
    for (proposal, reviewer) in &suggestion.assignments {
        let command = Command::AssignReviewer { reviewer: PersonId(*reviewer), suggested: true };
        workflow::execute_in::<Proposal>(&mut tx, *proposal, actor, command, now).await?;
    }
    tx.commit().await?;
    Ok((suggestion.assignments.len(), suggestion.short.len()))
}

/// A reviewer's assigned proposals: (id, title, company, call title sv/en, review submitted).
pub async fn assigned_to(
    conn: &mut AnyConnection,
    reviewer: PersonId,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.title, o.name AS company, c.title_sv, c.title_en, r.submitted_at FROM review_assignments a \
         JOIN proposals p ON p.id = a.proposal_id JOIN organisations o ON o.id = p.company_id JOIN calls c ON c.id = p.call_id \
         LEFT JOIN reviews r ON r.proposal_id = a.proposal_id AND r.reviewer_id = a.reviewer_id \
         WHERE a.reviewer_id = $1 AND NOT EXISTS (SELECT 1 FROM exclusions x WHERE x.subject_kind = 'proposal' \
             AND x.subject_id = p.id AND x.person_id = $1) \
         ORDER BY p.id",
    )
    .bind(reviewer.get())
    .fetch_all(conn)
    .await
}

// --- Reviews ------------------------------------------------------------------------------

/// A reviewer's draft, kept as typed (drafts are not events; a submission is).
pub async fn save_review_draft(
    db: &Db,
    id: i64,
    actor: &Actor,
    review: &Review,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let proposal = lock_for_draft(&mut tx, id, actor, kernel::proposal::Permission::Review, now).await?;
    if proposal.review_of(actor.id).is_some() {
        // A submitted review changes only by a new submission with its reason.
        return Err(StoreError::Invalid("justification".into(), "review.refused.resubmit"));
    }
    write_review(&mut tx, id, actor.id, review, None, &db::timestamp(now)).await?;
    tx.commit().await?;
    Ok(())
}

/// A review as stored.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    pub reviewer_id: PersonId,
    pub reviewer: String,
    pub assessed_trl: Option<i64>,
    pub confidence: Option<String>,
    pub submitted_at: Option<String>,
    pub revision: i64,
    /// (criterion, half points, comment).
    pub scores: Vec<(String, Option<i64>, String)>,
    /// (when, justification) of each revision after the first.
    pub history: Vec<(String, String)>,
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    reviewer_id: i64,
    reviewer: String,
    assessed_trl: Option<i64>,
    confidence: Option<String>,
    submitted_at: Option<String>,
    revision: i64,
}

pub async fn reviews(conn: &mut AnyConnection, id: i64) -> Result<Vec<ReviewRecord>, sqlx::Error> {
    let rows: Vec<ReviewRow> = sqlx::query_as(
        "SELECT r.reviewer_id, p.display_name AS reviewer, r.assessed_trl, r.confidence, r.submitted_at, r.revision FROM reviews r \
         JOIN people p ON p.id = r.reviewer_id WHERE r.proposal_id = $1 ORDER BY r.submitted_at, r.reviewer_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let scores: Vec<(i64, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT reviewer_id, criterion, score, comment FROM review_scores WHERE proposal_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let history: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT reviewer_id, submitted_at, justification FROM review_revisions WHERE proposal_id = $1 AND revision > 1 ORDER BY revision",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|ReviewRow { reviewer_id, reviewer, assessed_trl, confidence, submitted_at, revision }| {
            ReviewRecord {
                reviewer_id: PersonId(reviewer_id),
                reviewer,
                assessed_trl,
                confidence,
                submitted_at,
                revision,
                scores: scores
                    .iter()
                    .filter(|s| s.0 == reviewer_id)
                    .map(|s| (s.1.clone(), s.2, s.3.clone()))
                    .collect(),
                history: history
                    .iter()
                    .filter(|h| h.0 == reviewer_id)
                    .map(|h| (h.1.clone(), h.2.clone().unwrap_or_default()))
                    .collect(),
            }
        })
        .collect())
}

// --- The panel ----------------------------------------------------------------------------

/// One proposal of a call for the panel, with its submitted scores.
#[derive(Debug, Clone)]
pub struct PanelEntry {
    pub id: i64,
    pub title: String,
    pub company: String,
    pub company_id: i64,
    pub form_trl: Option<u8>,
    pub decision: Option<String>,
    pub state: String,
    /// Submitted reviews: reviewer → scores.
    pub reviews: Vec<(i64, Vec<(String, HalfPoints)>)>,
    pub assessed_trl: Vec<u8>,
}

/// Every proposal of a call past screening with its submitted scores, read in three
/// queries, without those the proposals' rules keep from this viewer. Answers the entries
/// and how many were left out.
pub async fn panel_entries(
    conn: &mut AnyConnection,
    call_id: i64,
    viewer: PersonId,
) -> Result<(Vec<PanelEntry>, usize), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, o.name AS company, p.company_id, v.form, p.decision, p.state, \
                EXISTS (SELECT 1 FROM exclusions x WHERE x.subject_kind = 'proposal' AND x.subject_id = p.id AND x.person_id = $2) AS hidden \
         FROM proposals p JOIN organisations o ON o.id = p.company_id \
         LEFT JOIN proposal_versions v ON v.proposal_id = p.id AND v.version = (SELECT MAX(version) FROM proposal_versions w WHERE w.proposal_id = p.id) \
         WHERE p.call_id = $1 AND p.state IN ('in_review', 'selected', 'reserve', 'not_selected') ORDER BY p.id",
    )
    .bind(call_id)
    .bind(viewer.get())
    .fetch_all(&mut *conn)
    .await?;
    let mut entries: Vec<PanelEntry> = Vec::with_capacity(rows.len());
    let mut hidden = 0;
    for row in &rows {
        if row
            .try_get::<bool, _>("hidden")
            .unwrap_or_else(|_| row.try_get::<i64, _>("hidden").unwrap_or(0) != 0)
        {
            hidden += 1;
            continue;
        }
        let form: Option<String> = row.try_get("form")?;
        let trl = form
            .and_then(|f| serde_json::from_str::<serde_json::Value>(&f).ok())
            .and_then(|v| v.get("trl_claimed").and_then(|t| t.as_u64()))
            .map(|t| t as u8);
        entries.push(PanelEntry {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            company: row.try_get("company")?,
            company_id: row.try_get("company_id")?,
            form_trl: trl,
            decision: row.try_get("decision")?,
            state: row.try_get("state")?,
            reviews: Vec::new(),
            assessed_trl: Vec::new(),
        });
    }
    let scores: Vec<(i64, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT s.proposal_id, s.reviewer_id, s.criterion, s.score FROM review_scores s \
         JOIN reviews r ON r.proposal_id = s.proposal_id AND r.reviewer_id = s.reviewer_id \
         JOIN proposals p ON p.id = s.proposal_id \
         WHERE p.call_id = $1 AND r.submitted_at IS NOT NULL ORDER BY s.proposal_id, s.reviewer_id",
    )
    .bind(call_id)
    .fetch_all(&mut *conn)
    .await?;
    let trls: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT r.proposal_id, r.assessed_trl FROM reviews r JOIN proposals p ON p.id = r.proposal_id \
         WHERE p.call_id = $1 AND r.submitted_at IS NOT NULL",
    )
    .bind(call_id)
    .fetch_all(&mut *conn)
    .await?;
    let index: std::collections::HashMap<i64, usize> =
        entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    for (proposal, reviewer, criterion, score) in scores {
        let (Some(&i), Some(score)) =
            (index.get(&proposal), score.and_then(|s| HalfPoints::new(s.clamp(0, 10) as u8)))
        else {
            continue;
        };
        let reviews = &mut entries[i].reviews;
        match reviews.last_mut() {
            Some((r, scores)) if *r == reviewer => scores.push((criterion, score)),
            _ => reviews.push((reviewer, vec![(criterion, score)])),
        }
    }
    for (proposal, trl) in trls {
        if let (Some(&i), Some(trl)) = (index.get(&proposal), trl) {
            entries[i].assessed_trl.push(trl.clamp(1, 9) as u8);
        }
    }
    Ok((entries, hidden))
}

/// The agreement a proposal started: its id, and when.
pub async fn agreement(conn: &mut AnyConnection, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, started_at FROM agreements WHERE proposal_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Reviewers' current loads in a call: reviewer → proposals assigned.
pub async fn loads(conn: &mut AnyConnection, call_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.reviewer_id, COUNT(*) FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id \
         WHERE p.call_id = $1 GROUP BY a.reviewer_id",
    )
    .bind(call_id)
    .fetch_all(conn)
    .await
}

/// The call's default criteria rows in the two languages (from the translations).
pub fn default_criteria() -> Vec<CriterionRow> {
    use crate::i18n::{Lang, translate};
    super::model::DEFAULT_CRITERIA
        .iter()
        .map(|code| CriterionRow {
            code: (*code).to_owned(),
            name_sv: translate(Lang::Sv, &format!("criterion.{code}.name")),
            name_en: translate(Lang::En, &format!("criterion.{code}.name")),
            description_sv: translate(Lang::Sv, &format!("criterion.{code}.description")),
            description_en: translate(Lang::En, &format!("criterion.{code}.description")),
            threshold: "3".into(),
            weight: "1".into(),
        })
        .collect()
}
