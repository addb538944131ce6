//! The outbox table: queueing (inside the caller's transaction), the due list for the mail
//! job, and the outcome of each attempt.

use super::model::{Notice, OutboxMessage};
use crate::db::{self, Db};
use chrono::{DateTime, Duration, Utc};
use sqlx::AnyConnection;

/// After this many failed attempts a message is given up (and shown as failed).
pub const MAX_ATTEMPTS: i64 = 8;

/// Queues a notice; a reminder whose key was queued before is not queued again (false).
pub async fn queue(
    conn: &mut AnyConnection,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let (subject, body) = notice.render();
    let now = db::timestamp(now);
    let queued = sqlx::query(
        "INSERT INTO notifications (kind, recipient_id, recipient_email, subject, body, application_id, proposal_id, dedupe_key, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(notice.kind)
    .bind(notice.recipient_id)
    .bind(&notice.email)
    .bind(&subject)
    .bind(&body)
    .bind(notice.about.application_id())
    .bind(notice.about.proposal_id())
    .bind(&notice.dedupe_key)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(queued.rows_affected() == 1)
}

/// A message the mail job should try now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueMessage {
    pub id: i64,
    pub recipient_email: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<DueMessage>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient_email, subject, body, attempts FROM notifications \
         WHERE delivery = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(db::timestamp(now))
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// How a delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// No mail server: the message stays on the demo outbox page.
    KeptInOutbox,
    Failed(String),
}

/// The wait before the next attempt: 1, 2, 4 … minutes, at most six hours.
pub fn backoff(attempts: i64) -> Duration {
    Duration::minutes(1i64 << attempts.clamp(0, 9)).min(Duration::hours(6))
}

pub async fn record_attempt(
    db: &Db,
    message: &DueMessage,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let stamp = db::timestamp(now);
    let query = match outcome {
        // What went out keeps no secret link: the recipient has it now.
        Outcome::Sent => sqlx::query(
            "UPDATE notifications SET delivery = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL, body = $2 WHERE id = $3",
        )
        .bind(stamp)
        .bind(super::model::redact_invitation_links(&message.body))
        .bind(message.id),
        Outcome::KeptInOutbox => sqlx::query(
            "UPDATE notifications SET delivery = 'outbox', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2",
        )
        .bind(stamp)
        .bind(message.id),
        Outcome::Failed(error) => {
            let attempts = message.attempts + 1;
            let delivery = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
            sqlx::query(
                "UPDATE notifications SET delivery = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5",
            )
            .bind(delivery)
            .bind(attempts)
            .bind(error.chars().take(500).collect::<String>())
            .bind(db::timestamp(now + backoff(message.attempts)))
            .bind(message.id)
        }
    };
    query.execute(db.pool()).await?;
    Ok(())
}

/// The demo outbox: mail to this person (or to anyone, for administrators), newest first.
/// Mail about a record the reader is excluded from (their company's proposal, one they
/// declared a conflict with) is left out unless it was sent to them.
pub async fn outbox(
    db: &Db,
    reader: i64,
    recipient: Option<(i64, Option<&str>)>,
    limit: i64,
) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let (id, email) = match recipient {
        Some((id, email)) => (Some(id), email.map(str::to_lowercase)),
        None => (None, None),
    };
    sqlx::query_as::<_, (i64, String, String, String, String, String, String)>(
        "SELECT id, kind, recipient_email, subject, body, created_at, delivery FROM notifications n \
         WHERE ($1 IS NULL OR n.recipient_id = $1 OR LOWER(n.recipient_email) = $2) \
           AND (n.recipient_id = $4 OR NOT EXISTS (SELECT 1 FROM exclusions x WHERE x.person_id = $4 \
                AND ((x.subject_kind = 'application' AND x.subject_id = n.application_id) \
                  OR (x.subject_kind = 'proposal' AND x.subject_id = n.proposal_id)))) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(id)
    .bind(email)
    .bind(limit)
    .bind(reader)
    .fetch_all(db.pool())
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|(id, kind, to, subject, body, created_at, delivery)| OutboxMessage {
                id,
                kind,
                to,
                subject,
                body,
                created_at,
                delivery,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped() {
        assert_eq!(backoff(0), Duration::minutes(1));
        assert_eq!(backoff(3), Duration::minutes(8));
        assert_eq!(backoff(40), Duration::hours(6));
    }
}
