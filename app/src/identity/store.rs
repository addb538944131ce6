//! SQL for people, roles and sessions.

use super::model::{DemoPerson, PersonListing, Role, RoleGrant, SignedInPerson};
use super::sessions::SessionPolicy;
use crate::audit::{NewEvent, record_in};
use crate::db::{self, Db};
use crate::i18n::Lang;
use chrono::Utc;
use kernel::codes::Gender;
use sqlx::{AnyConnection, Row};

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    display_name: String,
    email: Option<String>,
    home_organisation: Option<String>,
    issuer: String,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    person_id: i64,
    role: String,
    node_slug: Option<String>,
    cohort_slug: Option<String>,
    node_id: Option<i64>,
    cohort_id: Option<i64>,
}

const GRANTS_SQL: &str = "SELECT r.person_id, r.role, n.slug AS node_slug, c.slug AS cohort_slug, \
     r.scope_node_id AS node_id, r.scope_cohort_id AS cohort_id \
     FROM role_assignments r \
     LEFT JOIN nodes n ON n.id = r.scope_node_id \
     LEFT JOIN cohorts c ON c.id = r.scope_cohort_id \
     WHERE r.revoked_at IS NULL";

/// Live role grants, grouped by person id.
async fn grants_by_person(
    conn: &mut AnyConnection,
    person_id: Option<i64>,
) -> Result<Vec<(i64, RoleGrant)>, sqlx::Error> {
    let rows: Vec<GrantRow> = match person_id {
        Some(id) => {
            sqlx::query_as(&format!("{GRANTS_SQL} AND r.person_id = $1 ORDER BY r.id"))
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        }
        None => sqlx::query_as(&format!("{GRANTS_SQL} ORDER BY r.id")).fetch_all(&mut *conn).await?,
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let role = Role::parse(&row.role)?;
            let grant = RoleGrant {
                role,
                node_slug: row.node_slug,
                cohort_slug: row.cohort_slug,
                node_id: row.node_id.map(kernel::NodeId),
                cohort_id: row.cohort_id.map(kernel::CohortId),
            };
            Some((row.person_id, grant))
        })
        .collect())
}

fn grants_of(all: &[(i64, RoleGrant)], person_id: i64) -> Vec<RoleGrant> {
    all.iter().filter(|(id, _)| *id == person_id).map(|(_, g)| g.clone()).collect()
}

pub async fn load_person(
    db: &Db,
    person_id: kernel::PersonId,
) -> Result<Option<SignedInPerson>, sqlx::Error> {
    let mut conn = db.read().await?;
    person_on(&mut conn, person_id.get()).await
}

pub(crate) async fn person_on(
    conn: &mut AnyConnection,
    person_id: i64,
) -> Result<Option<SignedInPerson>, sqlx::Error> {
    let row: Option<PersonRow> =
        sqlx::query_as("SELECT id, display_name, email, home_organisation, issuer FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let grants = grants_by_person(conn, Some(row.id)).await?;
    Ok(Some(SignedInPerson {
        id: kernel::PersonId(row.id),
        display_name: row.display_name,
        email: row.email,
        home_organisation: row.home_organisation,
        grants: grants_of(&grants, row.id),
    }))
}

/// The person holding a live session with this token hash; refreshes its last use. One
/// connection, held for these few queries only.
pub async fn person_for_session(
    db: &Db,
    token_hash: &str,
    policy: &SessionPolicy,
) -> Result<Option<SignedInPerson>, sqlx::Error> {
    let mut conn = db.read().await?;
    let row = sqlx::query("SELECT person_id, last_seen_at, expires_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let now = Utc::now();
    let person_id: i64 = row.try_get("person_id")?;
    let last_seen = db::parse_timestamp(&row.try_get::<String, _>("last_seen_at")?);
    let expires = db::parse_timestamp(&row.try_get::<String, _>("expires_at")?);
    let (Some(last_seen), Some(expires)) = (last_seen, expires) else { return Ok(None) };
    if !policy.is_live(expires, last_seen, now) {
        return Ok(None);
    }
    if policy.needs_touch(last_seen, now) {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(db::timestamp(now))
            .bind(token_hash)
            .execute(&mut *conn)
            .await?;
    }
    person_on(&mut conn, person_id).await
}

pub async fn create_session(
    db: &Db,
    person_id: i64,
    token_hash: &str,
    policy: &SessionPolicy,
    provider_id: Option<&str>,
    id_token: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, expires_at, provider_id, id_token) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(person_id)
    .bind(db::timestamp(now))
    .bind(db::timestamp(policy.expires_at(now)))
    .bind(provider_id)
    .bind(id_token)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Deletes a session; answers its provider and ID token if it existed.
pub async fn delete_session(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(Option<String>, Option<String>)>, sqlx::Error> {
    sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING provider_id, id_token")
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await
}

/// Removes sessions that can no longer be used; answers how many.
pub async fn delete_dead_sessions(db: &Db, policy: &SessionPolicy) -> Result<u64, sqlx::Error> {
    let now = Utc::now();
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(db::timestamp(now))
        .bind(db::timestamp(now - policy.idle))
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

pub async fn preferred_lang(db: &Db, person_id: i64) -> Result<Option<Lang>, sqlx::Error> {
    let lang: Option<Option<String>> = sqlx::query_scalar("SELECT preferred_lang FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(lang.flatten().as_deref().and_then(Lang::parse))
}

pub async fn set_preferred_lang(db: &Db, person_id: i64, lang: Lang) -> Result<Option<Lang>, sqlx::Error> {
    let before = preferred_lang(db, person_id).await?;
    sqlx::query("UPDATE people SET preferred_lang = $1 WHERE id = $2")
        .bind(lang.code())
        .bind(person_id)
        .execute(db.pool())
        .await?;
    Ok(before)
}

pub async fn is_demo_person(db: &Db, person_id: i64) -> Result<bool, sqlx::Error> {
    let flag: Option<i64> = sqlx::query_scalar("SELECT is_demo FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(flag == Some(1))
}

async fn people(db: &Db, demo_only: bool) -> Result<Vec<(PersonRow, Vec<RoleGrant>)>, sqlx::Error> {
    let sql = if demo_only {
        "SELECT id, display_name, email, home_organisation, issuer FROM people WHERE is_demo = 1 ORDER BY id"
    } else {
        "SELECT id, display_name, email, home_organisation, issuer FROM people ORDER BY display_name, id"
    };
    let mut conn = db.read().await?;
    let rows: Vec<PersonRow> = sqlx::query_as(sql).fetch_all(&mut *conn).await?;
    let grants = grants_by_person(&mut conn, None).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let person_grants = grants_of(&grants, row.id);
            (row, person_grants)
        })
        .collect())
}

pub async fn demo_people(db: &Db) -> Result<Vec<DemoPerson>, sqlx::Error> {
    Ok(people(db, true)
        .await?
        .into_iter()
        .map(|(row, grants)| DemoPerson {
            id: row.id,
            display_name: row.display_name,
            home_organisation: row.home_organisation,
            grants,
        })
        .collect())
}

pub async fn all_people(db: &Db) -> Result<Vec<PersonListing>, sqlx::Error> {
    Ok(people(db, false)
        .await?
        .into_iter()
        .map(|(row, grants)| PersonListing {
            id: row.id,
            display_name: row.display_name,
            email: row.email,
            home_organisation: row.home_organisation,
            issuer: row.issuer,
            grants,
        })
        .collect())
}

/// What the person declared of their gender in their profile (`None`: no answer).
pub async fn declared_gender(db: &Db, person_id: i64) -> Result<Option<Gender>, sqlx::Error> {
    let gender: Option<Option<String>> = sqlx::query_scalar("SELECT gender FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(gender.flatten().as_deref().and_then(Gender::parse))
}

/// Sets (or, with `None`, withdraws) the declaration. The audit trail records whether
/// the profile holds one, never its value: the trail is read by administrators, and a
/// person's gender is only ever counted.
pub async fn declare_gender(db: &Db, person_id: i64, gender: Option<Gender>) -> Result<(), sqlx::Error> {
    let mut tx = db.write().await?;
    let before: Option<String> = sqlx::query_scalar("SELECT gender FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?;
    let before = before.as_deref().and_then(Gender::parse);
    if before == gender {
        return Ok(());
    }
    sqlx::query("UPDATE people SET gender = $1 WHERE id = $2")
        .bind(gender.map(Gender::code))
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let state = |g: Option<Gender>| Some(if g.is_some() { "declared" } else { "not_declared" }.to_owned());
    let event = NewEvent::about_person(person_id, "gender_declaration_changed", state(before), state(gender));
    record_in(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}
