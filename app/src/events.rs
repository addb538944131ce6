//! The one way to record a state change: who, when, what, from which state, to which, why.

use crate::db::{self, Db};
use sqlx::Executor;

#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub actor_id: Option<i64>,
    pub subject_kind: &'a str,
    pub subject_id: String,
    pub action: &'a str,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
}

impl<'a> NewEvent<'a> {
    /// A change a person made to their own record (sign-in, sign-out, preferences).
    pub fn about_person(
        person_id: i64,
        action: &'a str,
        from_state: Option<String>,
        to_state: Option<String>,
    ) -> Self {
        NewEvent {
            actor_id: Some(person_id),
            subject_kind: "person",
            subject_id: person_id.to_string(),
            action,
            from_state,
            to_state,
            reason: None,
        }
    }
}

pub async fn record<'c, E>(executor: E, event: NewEvent<'_>) -> Result<(), sqlx::Error>
where
    E: Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO events (occurred_at, actor_id, subject_kind, subject_id, action, from_state, to_state, reason, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(db::now())
    .bind(event.actor_id)
    .bind(event.subject_kind)
    .bind(event.subject_id)
    .bind(event.action)
    .bind(event.from_state)
    .bind(event.to_state)
    .bind(event.reason)
    .bind(crate::telemetry::current_request_id())
    .execute(executor)
    .await?;
    Ok(())
}

/// Events about one subject, oldest first (the history a person sees).
pub async fn history(db: &Db, subject_kind: &str, subject_id: &str) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as::<_, EventRow>(
        "SELECT occurred_at, actor_id, action, from_state, to_state, reason FROM events \
         WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id",
    )
    .bind(subject_kind)
    .bind(subject_id)
    .fetch_all(db.pool())
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct EventRow {
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
}
