//! "My data": everything the portal holds about one person, as one JSON document.
//! Secrets (session and token hashes, ID tokens) are left out: they identify nothing new
//! and would only be a risk in a downloaded file.

use crate::db::Db;
use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

/// Every column of every row as JSON (text, integers and nulls are all this schema has).
fn rows_to_json(rows: &[AnyRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut object = Map::new();
                for column in row.columns() {
                    let name = column.name();
                    let value = row
                        .try_get::<Option<i64>, _>(name)
                        .map(|v| v.map(Value::from))
                        .or_else(|_| row.try_get::<Option<String>, _>(name).map(|v| v.map(Value::from)))
                        .ok()
                        .flatten()
                        .unwrap_or(Value::Null);
                    object.insert(name.to_owned(), value);
                }
                Value::Object(object)
            })
            .collect(),
    )
}

async fn section(db: &Db, sql: &str, person_id: i64) -> Result<Value, sqlx::Error> {
    let rows = sqlx::query(sql).bind(person_id).fetch_all(db.pool()).await?;
    Ok(rows_to_json(&rows))
}

pub async fn my_data(db: &Db, person_id: i64) -> Result<Value, sqlx::Error> {
    let person = section(
        db,
        "SELECT id, issuer, subject, display_name, email, home_organisation, preferred_lang, gender, created_at \
         FROM people WHERE id = $1",
        person_id,
    )
    .await?;
    Ok(json!({
        "format": "portal-my-data/1",
        "exported_at": crate::db::now(),
        "person": person.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null),
        "organisations": section(db,
            "SELECT o.slug, o.name, o.kind FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
             WHERE m.person_id = $1 ORDER BY o.name", person_id).await?,
        "roles": section(db,
            "SELECT r.id, r.role, n.slug AS node, c.slug AS cohort, r.granted_at, r.granted_by, r.source_rule_id, \
             r.revoked_at, r.revoked_by, r.revoke_reason FROM role_assignments r \
             LEFT JOIN nodes n ON n.id = r.scope_node_id LEFT JOIN cohorts c ON c.id = r.scope_cohort_id \
             WHERE r.person_id = $1 ORDER BY r.id", person_id).await?,
        "sessions": section(db,
            "SELECT created_at, last_seen_at, expires_at, provider_id FROM sessions WHERE person_id = $1 \
             ORDER BY created_at", person_id).await?,
        "api_tokens_created": section(db,
            "SELECT id, name, token_prefix, scopes, created_at, expires_at, revoked_at FROM api_tokens \
             WHERE created_by = $1 ORDER BY id", person_id).await?,
        "events": section(db,
            "SELECT id, occurred_at, actor_id, subject_kind, subject_id, action, from_state, to_state, reason, \
             summary, request_id FROM events \
             WHERE actor_id = $1 OR (subject_kind = 'person' AND subject_id = CAST($1 AS TEXT)) ORDER BY id",
            person_id).await?,
    }))
}
