//! SQL for co-creation: companies, calls, proposals with their event log, conflicts,
//! assignments, reviews and their history, decisions and agreements. Every state change
//! writes a proposal event and an audit event in the same transaction.

use super::assignment::{AssignmentInput, ProposalSlot};
use super::form::ProposalForm;
use super::model::{CallPhase, CriterionRow};
use super::proposal::{
    self, Command, Decision, ProposalActor, ProposalState, Refusal, Stage, Status, Transition,
};
use super::scoring::{Criterion, HalfPoints};
use crate::audit::{NewEvent, record_in};
use crate::cohort_access::notices::people;
use crate::db::{self, Db};
use crate::notifications::model::{Notice, PORTAL};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("not found")]
    NotFound,
    #[error("invalid {0}")]
    Invalid(String, &'static str),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
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

pub async fn company(db: &Db, slug: &str) -> Result<Option<CompanyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COMPANY_COLUMNS} FROM organisations o LEFT JOIN company_profiles p ON p.organisation_id = o.id \
         WHERE o.slug = $1 AND o.kind = 'company'"
    ))
    .bind(slug)
    .fetch_optional(db.pool())
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
pub async fn companies_of(db: &Db, person: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.slug, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.person_id = $1 AND o.kind = 'company' ORDER BY o.name",
    )
    .bind(person)
    .fetch_all(db.pool())
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
pub async fn register_company(db: &Db, person: i64, profile: &CompanyProfile) -> Result<String, StoreError> {
    let mut tx = db.pool().begin().await?;
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
    person: i64,
    id: i64,
    profile: &CompanyProfile,
) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
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

/// Adds a representative by the e-mail they signed in with.
pub async fn add_representative(db: &Db, actor: i64, company_id: i64, email: &str) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    let person: Option<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE LOWER(email) = LOWER($1) ORDER BY id")
            .bind(email.trim())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(person) = person else {
        return Err(StoreError::Invalid("email".into(), "company.refused.unknown_person"));
    };
    sqlx::query(
        "INSERT INTO memberships (person_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(person)
    .bind(company_id)
    .execute(&mut *tx)
    .await?;
    let event = NewEvent::transition(Some(actor), "company", company_id, "representative_added", None, None);
    record_in(&mut tx, NewEvent { summary: Some(format!("person {person}")), ..event }).await?;
    tx.commit().await?;
    Ok(())
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

pub async fn calls(db: &Db, published_only: bool) -> Result<Vec<CallRow>, sqlx::Error> {
    let filter = if published_only { "WHERE published = 1" } else { "" };
    sqlx::query_as(&format!("SELECT {CALL_COLUMNS} FROM calls {filter} ORDER BY closes_at DESC, id DESC"))
        .fetch_all(db.pool())
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
    person: i64,
    slug: Option<&str>,
    input: &CallInput,
) -> Result<String, StoreError> {
    let mut tx = db.pool().begin().await?;
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
    db: &Db,
    call_id: i64,
) -> Result<((usize, usize, usize, usize), Vec<(String, String)>), sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT p.state, p.title, o.name, p.form FROM proposals p JOIN organisations o ON o.id = p.company_id \
         WHERE p.call_id = $1 AND p.submitted_at IS NOT NULL",
    )
    .bind(call_id)
    .fetch_all(db.pool())
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
    pub ineligible_reason: Option<String>,
    pub decision: Option<String>,
    pub decision_rationale: Option<String>,
    pub consensus_summary: Option<String>,
    pub released_at: Option<String>,
    pub agreement_started: i64,
    pub updated_at: String,
}

impl ProposalRow {
    pub fn status(&self) -> Status {
        Status {
            state: ProposalState::parse(&self.state).unwrap_or(ProposalState::Draft),
            stage: Stage::parse(&self.stage).unwrap_or(Stage::Full),
            decision: self.decision.as_deref().and_then(Decision::parse),
            agreement_started: self.agreement_started == 1,
        }
    }

    pub fn form(&self) -> ProposalForm {
        serde_json::from_str(&self.form).unwrap_or_default()
    }
}

const PROPOSAL_COLUMNS: &str = "id, call_id, company_id, state, stage, title, form, submitted_at, ineligible_reason, decision, \
     decision_rationale, consensus_summary, released_at, agreement_started, updated_at";

pub async fn proposal(conn: &mut AnyConnection, id: i64) -> Result<Option<ProposalRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The policy's facts about a proposal.
pub async fn facts(db: &Db, id: i64) -> Result<Option<crate::policy::ProposalFacts>, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT company_id, submitted_at FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((company, submitted)) = row else { return Ok(None) };
    let representative_ids = representatives(&mut conn, company).await?.into_iter().map(|r| r.0).collect();
    let assigned_reviewer_ids =
        sqlx::query_scalar("SELECT reviewer_id FROM review_assignments WHERE proposal_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let conflicted_ids = sqlx::query_scalar("SELECT person_id FROM company_conflicts WHERE company_id = $1")
        .bind(company)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some(crate::policy::ProposalFacts {
        representative_ids,
        assigned_reviewer_ids,
        conflicted_ids,
        submitted: submitted.is_some(),
    }))
}

/// Starts a draft proposal of a company in an open call.
pub async fn create_proposal(
    db: &Db,
    call: &CallRow,
    company_id: i64,
    person: i64,
    title: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    if call.phase(now) != CallPhase::Open {
        return Err(Refusal::CallClosed.into());
    }
    let mut tx = db.pool().begin().await?;
    let at = db::timestamp(now);
    let form = ProposalForm { title: title.to_owned(), ..ProposalForm::default() };
    let stage = call.first_stage();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (call_id, company_id, created_by, state, stage, title, form, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(call.id)
    .bind(company_id)
    .bind(person)
    .bind(stage.code())
    .bind(title)
    .bind(serde_json::to_string(&form).unwrap_or_default())
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    append_event(&mut tx, id, Some(person), "created", None, Some("draft"), None, &at).await?;
    record_in(&mut tx, NewEvent::transition(Some(person), "proposal", id, "created", None, Some("draft")))
        .await?;
    tx.commit().await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn append_event(
    conn: &mut AnyConnection,
    id: i64,
    actor: Option<i64>,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    reason: Option<&str>,
    at: &str,
) -> Result<(), sqlx::Error> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM proposal_events WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO proposal_events (proposal_id, seq, occurred_at, actor_id, kind, from_state, to_state, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change that is not a transition (assignments, reviews) in the log and audit.
async fn note(
    conn: &mut AnyConnection,
    id: i64,
    actor: Option<i64>,
    kind: &'static str,
    reason: Option<&str>,
    at: &str,
) -> Result<(), sqlx::Error> {
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    append_event(conn, id, actor, kind, Some(&state), Some(&state), reason, at).await?;
    let event = NewEvent::transition(actor, "proposal", id, kind, Some(&state), Some(&state));
    record_in(conn, NewEvent { reason: reason.map(str::to_owned), ..event }).await?;
    Ok(())
}

/// Keeps the draft's form (whatever it holds). False once the proposal is no longer a draft.
pub async fn save_form(db: &Db, id: i64, person: i64, mut form: ProposalForm) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let row = proposal(&mut tx, id).await?;
    let Some(row) = row.filter(|r| r.state == "draft") else { return Ok(false) };
    // The letter is an upload; a save of the fields keeps it.
    form.clinical_letter = row.form().clinical_letter;
    let now = db::now();
    sqlx::query("UPDATE proposals SET form = $1, title = $2, updated_at = $3 WHERE id = $4")
        .bind(serde_json::to_string(&form).unwrap_or_default())
        .bind(form.title.trim())
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let _ = person;
    tx.commit().await?;
    Ok(true)
}

/// Checks a command against the proposal and, if allowed, stores the transition: the new
/// state, the event, the audit event and the mail it causes, in one transaction.
pub async fn execute(
    db: &Db,
    id: i64,
    actor_id: i64,
    actor: ProposalActor,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let mut tx = db.pool().begin().await?;
    let transition = execute_in(&mut tx, id, actor_id, actor, &command, now).await?;
    tx.commit().await?;
    Ok(transition)
}

async fn execute_in(
    conn: &mut AnyConnection,
    id: i64,
    actor_id: i64,
    actor: ProposalActor,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let at = db::timestamp(now);
    // Writing first takes the lock, so two commands on one proposal go one after the other.
    let touched = sqlx::query("UPDATE proposals SET updated_at = $1 WHERE id = $2")
        .bind(&at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if touched.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let row = proposal(&mut *conn, id).await?.ok_or(StoreError::NotFound)?;
    let before = row.status();
    let transition = proposal::decide(before, actor, command)?;
    let after = transition.to;
    let time_column = match transition.kind {
        "submitted" | "found_ineligible" => "submitted_at",
        "decision_released" => "released_at",
        _ => "updated_at",
    };
    let reason_column = match transition.kind {
        "found_ineligible" | "screened_ineligible" => Some("ineligible_reason"),
        "decision_recorded" => Some("decision_rationale"),
        _ => None,
    };
    let mut sql = format!(
        "UPDATE proposals SET state = $1, stage = $2, decision = $3, agreement_started = $4, {time_column} = $5"
    );
    if let Some(column) = reason_column {
        sql.push_str(&format!(", {column} = $7"));
    }
    sql.push_str(" WHERE id = $6");
    let mut update = sqlx::query(&sql)
        .bind(after.state.code())
        .bind(after.stage.code())
        .bind(after.decision.map(Decision::code))
        .bind(i64::from(after.agreement_started))
        .bind(&at)
        .bind(id);
    if reason_column.is_some() {
        update = update.bind(transition.reason.clone());
    }
    update.execute(&mut *conn).await?;
    if transition.kind == "agreement_started" {
        sqlx::query("INSERT INTO agreements (proposal_id, started_by, started_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(actor_id)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
    }
    let (from, to) = (before.state.code(), after.state.code());
    append_event(
        &mut *conn,
        id,
        Some(actor_id),
        transition.kind,
        Some(from),
        Some(to),
        transition.reason.as_deref(),
        &at,
    )
    .await?;
    let event = NewEvent::transition(Some(actor_id), "proposal", id, transition.kind, Some(from), Some(to));
    record_in(&mut *conn, NewEvent { reason: transition.reason.clone(), ..event }).await?;
    tell_company(&mut *conn, &row, transition.kind, now).await?;
    Ok(transition)
}

/// The company hears of its submission, of ineligibility and of the released decision.
async fn tell_company(
    conn: &mut AnyConnection,
    row: &ProposalRow,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mail = match kind {
        "submitted" => "proposal_submitted",
        "found_ineligible" | "screened_ineligible" => "proposal_ineligible",
        "invited_to_full_proposal" => "proposal_invited",
        "decision_released" => "proposal_decision",
        _ => return Ok(()),
    };
    let ids: Vec<i64> = representatives(&mut *conn, row.company_id).await?.into_iter().map(|r| r.0).collect();
    for (recipient, email, lang) in people(&mut *conn, &ids).await? {
        let notice = Notice {
            kind: mail,
            recipient_id: recipient,
            email,
            lang,
            args: vec![("title", row.title.clone()), ("link", format!("{PORTAL}/proposals/{}", row.id))],
            application_id: None,
            dedupe_key: None,
        };
        crate::notifications::store::queue(&mut *conn, &notice, now).await?;
    }
    Ok(())
}

/// The board's decision with its rationale and the consensus report's summary.
pub async fn record_decision(
    db: &Db,
    id: i64,
    actor_id: i64,
    decision: Decision,
    rationale: &str,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if summary.trim().is_empty() {
        return Err(StoreError::Invalid("summary".into(), "form.required"));
    }
    let mut tx = db.pool().begin().await?;
    let released: Option<String> = sqlx::query_scalar(
        "SELECT c.decisions_released_at FROM calls c JOIN proposals p ON p.call_id = c.id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    if released.is_some() {
        return Err(Refusal::WrongState.into());
    }
    let command = Command::RecordDecision { decision, rationale: rationale.to_owned() };
    execute_in(&mut tx, id, actor_id, ProposalActor::Board, &command, now).await?;
    sqlx::query("UPDATE proposals SET consensus_summary = $1 WHERE id = $2")
        .bind(summary.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What stops a call's decisions from going out: message keys.
pub async fn release_blockers(
    conn: &mut AnyConnection,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let mut blockers = Vec::new();
    if call.decisions_released_at.is_some() {
        blockers.push("panel.blocked.released".to_owned());
        return Ok(blockers);
    }
    if call.phase(now) != CallPhase::Closed {
        blockers.push("panel.blocked.open".to_owned());
    }
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND state = 'submitted'")
            .bind(call.id)
            .fetch_one(&mut *conn)
            .await?;
    if waiting > 0 {
        blockers.push("panel.blocked.screening".to_owned());
    }
    let undecided: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND state = 'in_review' AND (decision IS NULL OR consensus_summary IS NULL)",
    )
    .bind(call.id)
    .fetch_one(&mut *conn)
    .await?;
    if undecided > 0 {
        blockers.push("panel.blocked.undecided".to_owned());
    }
    Ok(blockers)
}

/// Releases every decision of a closed call together; answers how many went out.
pub async fn release_decisions(
    db: &Db,
    call_id: i64,
    actor_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut tx = db.pool().begin().await?;
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
        execute_in(&mut tx, *id, actor_id, ProposalActor::CallAdmin, &Command::Release, now).await?;
    }
    sqlx::query("UPDATE calls SET decisions_released_at = $1 WHERE id = $2")
        .bind(db::timestamp(now))
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
    let event = NewEvent::transition(
        Some(actor_id),
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

/// One entry of a proposal's log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoggedEvent {
    pub occurred_at: String,
    pub actor: Option<String>,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
}

/// The proposal's log, in order.
pub async fn events(db: &Db, id: i64) -> Result<Vec<LoggedEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.occurred_at, p.display_name AS actor, e.kind, e.from_state, e.to_state, e.reason FROM proposal_events e \
         LEFT JOIN people p ON p.id = e.actor_id WHERE e.proposal_id = $1 ORDER BY e.seq",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await
}

/// Keeps a PDF as the draft's clinical partner letter. False once it is no longer a draft.
pub async fn attach_letter(
    db: &Db,
    files: &crate::storage::FileStore,
    id: i64,
    person: i64,
    filename: &str,
    bytes: &[u8],
) -> Result<bool, crate::cohort_access::store::AttachError> {
    use sha2::{Digest, Sha256};
    let key = files.put(bytes).await?;
    let now = db::now();
    let mut tx = db.pool().begin().await?;
    let Some(row) = proposal(&mut tx, id).await?.filter(|r| r.state == "draft") else { return Ok(false) };
    let attachment: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_attachments (proposal_id, purpose, filename, size_bytes, sha256, storage_key, uploaded_by, uploaded_at) \
         VALUES ($1, 'clinical_letter', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(filename)
    .bind(bytes.len() as i64)
    .bind(hex::encode(Sha256::digest(bytes)))
    .bind(&key)
    .bind(person)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let mut form = row.form();
    form.clinical_letter = Some(attachment);
    sqlx::query("UPDATE proposals SET form = $1, updated_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(&form).unwrap_or_default())
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let event = NewEvent::transition(
        Some(person),
        "proposal",
        id,
        "attachment_uploaded",
        Some("draft"),
        Some("draft"),
    );
    record_in(&mut tx, NewEvent { summary: Some(format!("clinical letter {filename}")), ..event }).await?;
    tx.commit().await?;
    Ok(true)
}

/// A proposal's attachment: (file name, storage key, size).
pub async fn attachment(
    db: &Db,
    id: i64,
    attachment: i64,
) -> Result<Option<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT filename, storage_key, size_bytes FROM proposal_attachments WHERE id = $1 AND proposal_id = $2")
        .bind(attachment)
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// Proposals of the person's companies.
pub async fn my_proposals(db: &Db, person: i64) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.title, p.state, p.stage, p.updated_at, c.slug AS call_slug, c.title_sv, c.title_en, o.name AS company \
         FROM proposals p JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.company_id \
         WHERE p.company_id IN (SELECT organisation_id FROM memberships WHERE person_id = $1) ORDER BY p.updated_at DESC",
    )
    .bind(person)
    .fetch_all(db.pool())
    .await
}

// --- Conflicts and assignments ------------------------------------------------------------

/// Declares a conflict with a company; any assignment to its proposals is withdrawn (the
/// reviewer must never see them).
pub async fn declare_conflict(db: &Db, person: i64, company: i64, kind: &str) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    let now = db::now();
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
    .bind(person)
    .bind(company)
    .bind(kind)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let withdrawn: Vec<i64> = sqlx::query_scalar(
        "SELECT a.proposal_id FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id \
         WHERE a.reviewer_id = $1 AND p.company_id = $2",
    )
    .bind(person)
    .bind(company)
    .fetch_all(&mut *tx)
    .await?;
    for proposal in &withdrawn {
        sqlx::query("DELETE FROM review_assignments WHERE proposal_id = $1 AND reviewer_id = $2")
            .bind(proposal)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        note(&mut tx, *proposal, Some(person), "reviewer_conflicted", None, &now).await?;
    }
    let event = NewEvent::transition(Some(person), "company", company, "conflict_declared", None, Some(kind));
    record_in(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The companies with proposals past screening and the person's declared conflicts.
pub async fn conflict_choices(
    db: &Db,
    person: i64,
) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, k.kind FROM organisations o \
         LEFT JOIN company_conflicts k ON k.company_id = o.id AND k.person_id = $1 \
         WHERE o.kind = 'company' AND (k.kind IS NOT NULL OR o.id IN (SELECT company_id FROM proposals WHERE submitted_at IS NOT NULL)) \
         ORDER BY o.name",
    )
    .bind(person)
    .fetch_all(db.pool())
    .await
}

/// People who hold the reviewer role: (id, name).
pub async fn reviewers(conn: &mut AnyConnection) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT p.id, p.display_name FROM people p JOIN role_assignments r ON r.person_id = p.id \
         WHERE r.role = 'reviewer' AND r.revoked_at IS NULL ORDER BY p.display_name, p.id",
    )
    .fetch_all(conn)
    .await
}

/// Assigns a reviewer (refused when they are conflicted, represent the company, or are not a reviewer).
pub async fn assign(db: &Db, id: i64, reviewer: i64, actor: i64, source: &str) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    let at = db::now();
    assign_in(&mut tx, id, reviewer, actor, source, &at).await?;
    tx.commit().await?;
    Ok(())
}

async fn assign_in(
    conn: &mut AnyConnection,
    id: i64,
    reviewer: i64,
    actor: i64,
    source: &str,
    at: &str,
) -> Result<(), StoreError> {
    let row = proposal(&mut *conn, id).await?.ok_or(StoreError::NotFound)?;
    if row.state != "in_review" {
        return Err(Refusal::WrongState.into());
    }
    let eligible = reviewers(&mut *conn).await?.iter().any(|(r, _)| *r == reviewer);
    let conflicted: Option<i64> = sqlx::query_scalar(
        "SELECT person_id FROM company_conflicts WHERE person_id = $1 AND company_id = $2",
    )
    .bind(reviewer)
    .bind(row.company_id)
    .fetch_optional(&mut *conn)
    .await?;
    let representative = representatives(&mut *conn, row.company_id).await?.iter().any(|r| r.0 == reviewer);
    if !eligible || conflicted.is_some() || representative {
        return Err(StoreError::Invalid("reviewer".into(), "proposal.refused.reviewer"));
    }
    let added = sqlx::query(
        "INSERT INTO review_assignments (proposal_id, reviewer_id, source, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (proposal_id, reviewer_id) DO NOTHING",
    )
    .bind(id)
    .bind(reviewer)
    .bind(source)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if added.rows_affected() == 1 {
        note(&mut *conn, id, Some(actor), "reviewers_assigned", None, at).await?;
        for (recipient, email, lang) in people(&mut *conn, &[reviewer]).await? {
            let notice = Notice {
                kind: "proposal_review_assigned",
                recipient_id: recipient,
                email,
                lang,
                args: vec![("link", format!("{PORTAL}/reviewing"))],
                application_id: None,
                dedupe_key: None,
            };
            crate::notifications::store::queue(
                &mut *conn,
                &notice,
                db::parse_timestamp(at).unwrap_or_else(Utc::now),
            )
            .await?;
        }
    }
    Ok(())
}

/// Takes a reviewer off a proposal they have not reviewed yet.
pub async fn unassign(db: &Db, id: i64, reviewer: i64, actor: i64) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    let submitted: Option<Option<String>> =
        sqlx::query_scalar("SELECT submitted_at FROM reviews WHERE proposal_id = $1 AND reviewer_id = $2")
            .bind(id)
            .bind(reviewer)
            .fetch_optional(&mut *tx)
            .await?;
    if submitted.flatten().is_some() {
        return Err(StoreError::Invalid("reviewer".into(), "proposal.refused.reviewed"));
    }
    let removed = sqlx::query("DELETE FROM review_assignments WHERE proposal_id = $1 AND reviewer_id = $2")
        .bind(id)
        .bind(reviewer)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 1 {
        note(&mut tx, id, Some(actor), "reviewer_removed", None, &db::now()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The suggestion's input for a call's proposals in review.
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
    let mut conflicts: std::collections::BTreeSet<(i64, i64)> =
        sqlx::query_as::<_, (i64, i64)>("SELECT person_id, company_id FROM company_conflicts")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    // Representatives of a company are as good as conflicted with it.
    let members: Vec<(i64, i64)> =
        sqlx::query_as("SELECT person_id, organisation_id FROM memberships").fetch_all(&mut *conn).await?;
    conflicts.extend(members);
    Ok(AssignmentInput {
        proposals: proposals
            .into_iter()
            .map(|(proposal, company)| ProposalSlot {
                proposal,
                company,
                assigned: assigned.iter().filter(|(p, _)| *p == proposal).map(|(_, r)| *r).collect(),
            })
            .collect(),
        reviewers: reviewers(&mut *conn).await?.into_iter().map(|(id, _)| id).collect(),
        conflicts,
        per_proposal: call.reviewers_per_proposal.clamp(1, 9) as usize,
    })
}

/// Applies the suggested assignment for a call; answers (assigned, proposals still short).
pub async fn apply_suggestion(db: &Db, call: &CallRow, actor: i64) -> Result<(usize, usize), StoreError> {
    let mut tx = db.pool().begin().await?;
    let input = assignment_input(&mut tx, call).await?;
    let suggestion = super::assignment::suggest(&input);
    let at = db::now();
    for (proposal, reviewer) in &suggestion.assignments {
        assign_in(&mut tx, *proposal, *reviewer, actor, "suggested", &at).await?;
    }
    tx.commit().await?;
    Ok((suggestion.assignments.len(), suggestion.short.len()))
}

/// A reviewer's assigned proposals: (id, title, company, call title sv/en, review submitted).
pub async fn assigned_to(db: &Db, reviewer: i64) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.title, o.name AS company, c.title_sv, c.title_en, r.submitted_at FROM review_assignments a \
         JOIN proposals p ON p.id = a.proposal_id JOIN organisations o ON o.id = p.company_id JOIN calls c ON c.id = p.call_id \
         LEFT JOIN reviews r ON r.proposal_id = a.proposal_id AND r.reviewer_id = a.reviewer_id \
         WHERE a.reviewer_id = $1 AND p.company_id NOT IN (SELECT company_id FROM company_conflicts WHERE person_id = $1) \
         ORDER BY p.id",
    )
    .bind(reviewer)
    .fetch_all(db.pool())
    .await
}

// --- Reviews ------------------------------------------------------------------------------

/// A review as stored.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    pub reviewer_id: i64,
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

pub async fn reviews(db: &Db, id: i64) -> Result<Vec<ReviewRecord>, sqlx::Error> {
    let rows: Vec<ReviewRow> = sqlx::query_as(
        "SELECT r.reviewer_id, p.display_name AS reviewer, r.assessed_trl, r.confidence, r.submitted_at, r.revision FROM reviews r \
         JOIN people p ON p.id = r.reviewer_id WHERE r.proposal_id = $1 ORDER BY r.submitted_at, r.reviewer_id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let scores: Vec<(i64, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT reviewer_id, criterion, score, comment FROM review_scores WHERE proposal_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let history: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT reviewer_id, submitted_at, justification FROM review_revisions WHERE proposal_id = $1 AND revision > 1 ORDER BY revision",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|ReviewRow { reviewer_id, reviewer, assessed_trl, confidence, submitted_at, revision }| {
            ReviewRecord {
                reviewer_id,
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

/// A review as the reviewer sends it.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    /// (criterion, score, comment) for every criterion of the call.
    pub scores: Vec<(String, Option<HalfPoints>, String)>,
    pub assessed_trl: Option<u8>,
    pub confidence: Option<String>,
    pub submit: bool,
    pub justification: String,
}

/// Saves a review; submitting needs every score, comment, the assessed TRL and confidence,
/// and a change after submission needs a justification. Each submission is a revision.
pub async fn save_review(db: &Db, id: i64, reviewer: i64, input: &ReviewInput) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    let at = db::now();
    let row = proposal(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
    if row.state != "in_review" || row.decision.is_some() {
        return Err(Refusal::WrongState.into());
    }
    let current: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT submitted_at, revision FROM reviews WHERE proposal_id = $1 AND reviewer_id = $2",
    )
    .bind(id)
    .bind(reviewer)
    .fetch_optional(&mut *tx)
    .await?;
    let was_submitted = current.as_ref().is_some_and(|(s, _)| s.is_some());
    let revision = current.as_ref().map(|c| c.1).unwrap_or(0);
    if was_submitted && !input.submit {
        // A submitted review changes only by a new submission with its reason.
        return Err(StoreError::Invalid("justification".into(), "review.refused.resubmit"));
    }
    if input.submit {
        for (code, score, comment) in &input.scores {
            if score.is_none() {
                return Err(StoreError::Invalid(format!("score-{code}"), "review.refused.score"));
            }
            if comment.trim().is_empty() {
                return Err(StoreError::Invalid(format!("comment-{code}"), "review.refused.comment"));
            }
        }
        if input.assessed_trl.is_none() {
            return Err(StoreError::Invalid("assessed_trl".into(), "form.required"));
        }
        if input.confidence.is_none() {
            return Err(StoreError::Invalid("confidence".into(), "form.required"));
        }
        if was_submitted && input.justification.trim().is_empty() {
            return Err(StoreError::Invalid("justification".into(), "review.refused.justification"));
        }
    }
    let submitted_at = if input.submit { Some(at.clone()) } else { None };
    let next_revision = if input.submit { revision + 1 } else { revision };
    sqlx::query(
        "INSERT INTO reviews (proposal_id, reviewer_id, assessed_trl, confidence, submitted_at, revision, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (proposal_id, reviewer_id) DO UPDATE SET \
         assessed_trl = excluded.assessed_trl, confidence = excluded.confidence, submitted_at = excluded.submitted_at, \
         revision = excluded.revision, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(reviewer)
    .bind(input.assessed_trl.map(i64::from))
    .bind(input.confidence.clone())
    .bind(submitted_at)
    .bind(next_revision)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM review_scores WHERE proposal_id = $1 AND reviewer_id = $2")
        .bind(id)
        .bind(reviewer)
        .execute(&mut *tx)
        .await?;
    for (code, score, comment) in &input.scores {
        sqlx::query("INSERT INTO review_scores (proposal_id, reviewer_id, criterion, score, comment) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(reviewer)
            .bind(code)
            .bind(score.map(|s| i64::from(s.halves())))
            .bind(comment.trim())
            .execute(&mut *tx)
            .await?;
    }
    if input.submit {
        let snapshot = serde_json::json!({
            "scores": input.scores.iter().map(|(c, s, m)| (c.clone(), s.map(|s| s.written()), m.clone())).collect::<Vec<_>>(),
            "assessed_trl": input.assessed_trl,
            "confidence": input.confidence,
        });
        let justification = Some(input.justification.trim().to_owned()).filter(|j| !j.is_empty());
        sqlx::query(
            "INSERT INTO review_revisions (proposal_id, reviewer_id, revision, snapshot, justification, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(reviewer)
        .bind(next_revision)
        .bind(snapshot.to_string())
        .bind(justification.clone())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let kind = if was_submitted { "review_revised" } else { "review_submitted" };
        note(&mut tx, id, Some(reviewer), kind, justification.as_deref(), &at).await?;
    }
    tx.commit().await?;
    Ok(())
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

/// Every proposal of a call past screening with its submitted scores, read in two queries.
pub async fn panel_entries(db: &Db, call_id: i64) -> Result<Vec<PanelEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, o.name AS company, p.company_id, p.form, p.decision, p.state FROM proposals p \
         JOIN organisations o ON o.id = p.company_id \
         WHERE p.call_id = $1 AND p.state IN ('in_review', 'selected', 'reserve', 'not_selected') ORDER BY p.id",
    )
    .bind(call_id)
    .fetch_all(db.pool())
    .await?;
    let mut entries: Vec<PanelEntry> = Vec::with_capacity(rows.len());
    for row in &rows {
        let form: String = row.try_get("form")?;
        let trl = serde_json::from_str::<serde_json::Value>(&form)
            .ok()
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
    .fetch_all(db.pool())
    .await?;
    let trls: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT r.proposal_id, r.assessed_trl FROM reviews r JOIN proposals p ON p.id = r.proposal_id \
         WHERE p.call_id = $1 AND r.submitted_at IS NOT NULL",
    )
    .bind(call_id)
    .fetch_all(db.pool())
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
    Ok(entries)
}

/// The proposals of a call a person declared a conflict with (by company).
pub async fn conflicted_companies(db: &Db, person: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT company_id FROM company_conflicts WHERE person_id = $1")
        .bind(person)
        .fetch_all(db.pool())
        .await
}

/// The agreement a proposal started: when.
pub async fn agreement(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT started_at FROM agreements WHERE proposal_id = $1")
        .bind(id)
        .fetch_optional(db.pool())
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
