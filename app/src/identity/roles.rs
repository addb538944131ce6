//! SQL for what administrators change about people: role grants, memberships, and the
//! claim rules that grant roles at sign-in. Every change records an audit event.

use super::claims::{ClaimRule, rule_matches};
use super::model::{Choice, GrantRecord, PersonAdminView, Role, RoleGrant, RoleScope};
use crate::audit::{NewEvent, record_in};
use crate::db::{self, Db};
use sqlx::{AnyConnection, Row};

#[derive(Debug, thiserror::Error)]
pub enum RoleChangeError {
    #[error("no such person")]
    UnknownPerson,
    #[error("no such grant, or already revoked")]
    UnknownGrant,
    #[error("no such node")]
    UnknownNode,
    #[error("no such cohort")]
    UnknownCohort,
    #[error("no such organisation")]
    UnknownOrganisation,
    #[error("the person already holds this role with this scope")]
    AlreadyHeld,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

async fn choices(db: &Db, sql: &str) -> Result<Vec<Choice>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok(Choice { slug: r.try_get("slug")?, name: r.try_get("name")? })).collect()
}

pub async fn node_choices(db: &Db) -> Result<Vec<Choice>, sqlx::Error> {
    choices(db, "SELECT slug, name_en AS name FROM nodes ORDER BY sort_order, slug").await
}

pub async fn cohort_choices(db: &Db) -> Result<Vec<Choice>, sqlx::Error> {
    choices(db, "SELECT slug, acronym AS name FROM cohorts ORDER BY acronym").await
}

pub async fn person_admin_view(db: &Db, person_id: i64) -> Result<Option<PersonAdminView>, sqlx::Error> {
    let Some(person) = super::store::all_people(db).await?.into_iter().find(|p| p.id == person_id) else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT r.id, r.role, n.slug AS node_slug, c.slug AS cohort_slug, r.granted_at, g.display_name AS granted_by, \
         r.source_rule_id FROM role_assignments r \
         LEFT JOIN nodes n ON n.id = r.scope_node_id LEFT JOIN cohorts c ON c.id = r.scope_cohort_id \
         LEFT JOIN people g ON g.id = r.granted_by \
         WHERE r.person_id = $1 AND r.revoked_at IS NULL ORDER BY r.id",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut grants = Vec::new();
    for row in &rows {
        let Some(role) = Role::parse(&row.try_get::<String, _>("role")?) else { continue };
        grants.push(GrantRecord {
            id: row.try_get("id")?,
            grant: RoleGrant::named(role, row.try_get("node_slug")?, row.try_get("cohort_slug")?),
            granted_at: row.try_get("granted_at")?,
            granted_by: row.try_get("granted_by")?,
            source_rule_id: row.try_get("source_rule_id")?,
        });
    }
    let member_rows = sqlx::query(
        "SELECT o.slug, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.person_id = $1 ORDER BY o.name",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let organisations = member_rows
        .iter()
        .map(|r| Ok(Choice { slug: r.try_get("slug")?, name: r.try_get("name")? }))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(PersonAdminView {
        person,
        grants,
        organisations,
        all_nodes: node_choices(db).await?,
        all_cohorts: cohort_choices(db).await?,
        all_organisations: choices(db, "SELECT slug, name FROM organisations ORDER BY name").await?,
    }))
}

async fn id_of(conn: &mut AnyConnection, table: &str, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(conn)
        .await
}

async fn scope_ids(
    conn: &mut AnyConnection,
    scope: &RoleScope,
) -> Result<(Option<i64>, Option<i64>), RoleChangeError> {
    Ok(match scope {
        RoleScope::None => (None, None),
        RoleScope::Node(slug) => {
            (Some(id_of(conn, "nodes", slug).await?.ok_or(RoleChangeError::UnknownNode)?), None)
        }
        RoleScope::Cohort(slug) => {
            (None, Some(id_of(conn, "cohorts", slug).await?.ok_or(RoleChangeError::UnknownCohort)?))
        }
    })
}

fn describe(role: Role, scope: &RoleScope) -> String {
    match scope {
        RoleScope::None => role.code().to_owned(),
        RoleScope::Node(slug) => format!("{} (node {slug})", role.code()),
        RoleScope::Cohort(slug) => format!("{} (cohort {slug})", role.code()),
    }
}

async fn person_name(conn: &mut AnyConnection, person_id: i64) -> Result<String, RoleChangeError> {
    sqlx::query_scalar::<_, String>("SELECT display_name FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(conn)
        .await?
        .ok_or(RoleChangeError::UnknownPerson)
}

/// Grants a role inside the caller's transaction. `actor_id` is `None` when a claim rule
/// grants it at sign-in.
pub async fn grant_in(
    conn: &mut AnyConnection,
    person_id: i64,
    role: Role,
    scope: &RoleScope,
    actor_id: Option<i64>,
    source_rule_id: Option<i64>,
) -> Result<i64, RoleChangeError> {
    let name = person_name(conn, person_id).await?;
    let (node_id, cohort_id) = scope_ids(conn, scope).await?;
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM role_assignments WHERE person_id = $1 AND role = $2 AND revoked_at IS NULL \
         AND COALESCE(scope_node_id, 0) = COALESCE($3, 0) AND COALESCE(scope_cohort_id, 0) = COALESCE($4, 0)",
    )
    .bind(person_id)
    .bind(role.code())
    .bind(node_id)
    .bind(cohort_id)
    .fetch_optional(&mut *conn)
    .await?;
    if held.is_some() {
        return Err(RoleChangeError::AlreadyHeld);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO role_assignments (person_id, role, scope_node_id, scope_cohort_id, granted_by, granted_at, source_rule_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(person_id)
    .bind(role.code())
    .bind(node_id)
    .bind(cohort_id)
    .bind(actor_id)
    .bind(db::now())
    .bind(source_rule_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(|error| match &error {
        // A concurrent request granted the same thing first.
        sqlx::Error::Database(db_error) if db_error.is_unique_violation() => RoleChangeError::AlreadyHeld,
        _ => RoleChangeError::Db(error),
    })?;
    record_in(
        conn,
        NewEvent {
            reason: source_rule_id.map(|r| format!("claim rule {r}")),
            summary: Some(format!("{} granted to {name} (person {person_id})", describe(role, scope))),
            ..NewEvent::transition(actor_id, "role_assignment", id, "role_granted", None, Some("granted"))
        },
    )
    .await?;
    Ok(id)
}

pub async fn grant(
    db: &Db,
    person_id: i64,
    role: Role,
    scope: &RoleScope,
    actor_id: i64,
) -> Result<i64, RoleChangeError> {
    let mut tx = db.write().await?;
    let id = grant_in(&mut tx, person_id, role, scope, Some(actor_id), None).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn revoke_in(
    conn: &mut AnyConnection,
    grant_id: i64,
    actor_id: Option<i64>,
    reason: &str,
) -> Result<(), RoleChangeError> {
    let row = sqlx::query(
        "UPDATE role_assignments SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
         WHERE id = $4 AND revoked_at IS NULL RETURNING person_id, role",
    )
    .bind(db::now())
    .bind(actor_id)
    .bind(reason)
    .bind(grant_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(RoleChangeError::UnknownGrant)?;
    let person_id: i64 = row.try_get("person_id")?;
    let role: String = row.try_get("role")?;
    let name = person_name(conn, person_id).await?;
    record_in(
        conn,
        NewEvent {
            reason: Some(reason.to_owned()),
            summary: Some(format!("{role} revoked from {name} (person {person_id})")),
            ..NewEvent::transition(
                actor_id,
                "role_assignment",
                grant_id,
                "role_revoked",
                Some("granted"),
                Some("revoked"),
            )
        },
    )
    .await?;
    Ok(())
}

pub async fn revoke(db: &Db, grant_id: i64, actor_id: i64, reason: &str) -> Result<(), RoleChangeError> {
    let mut tx = db.write().await?;
    revoke_in(&mut tx, grant_id, Some(actor_id), reason).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds (`member = true`) or removes a person's membership of an organisation.
pub async fn set_membership(
    db: &Db,
    person_id: i64,
    organisation_slug: &str,
    member: bool,
    actor_id: i64,
) -> Result<(), RoleChangeError> {
    let mut tx = db.write().await?;
    let name = person_name(&mut tx, person_id).await?;
    let organisation_id = id_of(&mut tx, "organisations", organisation_slug)
        .await?
        .ok_or(RoleChangeError::UnknownOrganisation)?;
    let changed = if member {
        sqlx::query(
            "INSERT INTO memberships (person_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
    } else {
        sqlx::query("DELETE FROM memberships WHERE person_id = $1 AND organisation_id = $2")
    }
    .bind(person_id)
    .bind(organisation_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        let (action, from, to) = if member {
            ("membership_added", "not_member", "member")
        } else {
            ("membership_removed", "member", "not_member")
        };
        record_in(
            &mut tx,
            NewEvent {
                summary: Some(format!("{name} and organisation {organisation_slug}")),
                ..NewEvent::transition(Some(actor_id), "person", person_id, action, Some(from), Some(to))
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn claim_rules(db: &Db) -> Result<Vec<ClaimRule>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, r.provider_id, r.claim, r.value, r.role, n.slug AS node_slug, c.slug AS cohort_slug \
         FROM claim_role_rules r LEFT JOIN nodes n ON n.id = r.scope_node_id LEFT JOIN cohorts c ON c.id = r.scope_cohort_id \
         WHERE r.removed_at IS NULL ORDER BY r.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut rules = Vec::new();
    for row in &rows {
        let Some(role) = Role::parse(&row.try_get::<String, _>("role")?) else { continue };
        let grant = RoleGrant::named(role, row.try_get("node_slug")?, row.try_get("cohort_slug")?);
        rules.push(ClaimRule {
            id: row.try_get("id")?,
            provider_id: row.try_get("provider_id")?,
            claim: row.try_get("claim")?,
            value: row.try_get("value")?,
            role,
            scope: grant.scope(),
        });
    }
    Ok(rules)
}

pub struct NewClaimRule<'a> {
    pub provider_id: Option<&'a str>,
    pub claim: &'a str,
    pub value: &'a str,
    pub role: Role,
    pub scope: RoleScope,
}

pub async fn add_claim_rule(db: &Db, rule: NewClaimRule<'_>, actor_id: i64) -> Result<i64, RoleChangeError> {
    let mut tx = db.write().await?;
    let (node_id, cohort_id) = scope_ids(&mut tx, &rule.scope).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO claim_role_rules (provider_id, claim, value, role, scope_node_id, scope_cohort_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(rule.provider_id)
    .bind(rule.claim)
    .bind(rule.value)
    .bind(rule.role.code())
    .bind(node_id)
    .bind(cohort_id)
    .bind(actor_id)
    .bind(db::now())
    .fetch_one(&mut *tx)
    .await?;
    record_in(
        &mut tx,
        NewEvent {
            summary: Some(format!(
                "{} = {} (provider {}) gives {}",
                rule.claim,
                rule.value,
                rule.provider_id.unwrap_or("any"),
                describe(rule.role, &rule.scope)
            )),
            ..NewEvent::transition(Some(actor_id), "claim_rule", id, "claim_rule_added", None, Some("active"))
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a rule. Grants it made stay until the person next signs in without the claim
/// match, when the sync revokes them; administrators may revoke them at once by hand.
pub async fn remove_claim_rule(db: &Db, rule_id: i64, actor_id: i64) -> Result<(), RoleChangeError> {
    let mut tx = db.pool().begin().await?;
    let changed =
        sqlx::query("UPDATE claim_role_rules SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(db::now())
            .bind(rule_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(RoleChangeError::UnknownGrant);
    }
    record_in(
        &mut tx,
        NewEvent::transition(
            Some(actor_id),
            "claim_rule",
            rule_id,
            "claim_rule_removed",
            Some("active"),
            Some("removed"),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// At sign-in: grants what the person's claims now earn and revokes rule-made grants
/// whose claim is gone (or whose rule was removed).
pub async fn sync_claim_grants_in(
    conn: &mut AnyConnection,
    rules: &[ClaimRule],
    person_id: i64,
    provider_id: &str,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), RoleChangeError> {
    let earned: Vec<&ClaimRule> = rules.iter().filter(|r| rule_matches(r, provider_id, claims)).collect();
    let held: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, source_rule_id FROM role_assignments \
         WHERE person_id = $1 AND revoked_at IS NULL AND source_rule_id IS NOT NULL",
    )
    .bind(person_id)
    .fetch_all(&mut *conn)
    .await?;
    for (grant_id, rule_id) in &held {
        if !earned.iter().any(|r| r.id == *rule_id) {
            revoke_in(conn, *grant_id, None, "the identity provider no longer asserts the claim").await?;
        }
    }
    for rule in earned {
        if held.iter().any(|(_, rule_id)| *rule_id == rule.id) {
            continue;
        }
        match grant_in(conn, person_id, rule.role, &rule.scope, None, Some(rule.id)).await {
            Ok(_) | Err(RoleChangeError::AlreadyHeld) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
