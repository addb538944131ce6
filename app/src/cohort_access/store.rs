//! Applications in the database: the event log is the record; `applications`,
//! `application_parts`, `application_team` and `entitlements` are projections of it,
//! rewritten in the same transaction as each command's events.

use super::clock::ClockRules;
use super::machine::{
    Actor, Application, ApplicationState, CohortId, Command, Context, Event, NodeId, PartState, Refusal,
    decide,
};
use crate::audit::{NewEvent, record_in};
use crate::db::{self, Bind, Db, Sql};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("no such application")]
    NotFound,
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("a stored event could not be read: {0}")]
    Corrupt(String),
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    pub events: Vec<Event>,
    pub state: ApplicationState,
}

/// The application as its events tell it, with the number of events so far.
pub async fn load(
    conn: &mut AnyConnection,
    id: i64,
    rules: ClockRules,
) -> Result<(Application, i64), ExecuteError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT occurred_at, payload FROM application_events WHERE application_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for (at, payload) in &rows {
        let event: Event = serde_json::from_str(payload).map_err(|e| ExecuteError::Corrupt(e.to_string()))?;
        let at = db::parse_timestamp(at).ok_or_else(|| ExecuteError::Corrupt(format!("time {at}")))?;
        events.push((event, at));
    }
    let application = Application::fold(events.iter().map(|(e, t)| (e, *t)), rules);
    Ok((application, rows.len() as i64))
}

/// Starts an application for these cohorts (each with the node that decides it).
pub async fn create(
    db: &Db,
    actor: &Actor,
    applicant_id: i64,
    title: &str,
    cohorts: Vec<(CohortId, NodeId)>,
    context: Context,
) -> Result<i64, ExecuteError> {
    let now = db::timestamp(context.now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (applicant_id, title, state, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $3) RETURNING id",
    )
    .bind(applicant_id)
    .bind(title)
    .bind(&now)
    .fetch_one(db.pool())
    .await?;
    match execute(db, id, actor, Command::Create { cohorts }, context).await {
        Ok(_) => Ok(id),
        Err(error) => {
            // The row without events is nobody's application: take it away again.
            sqlx::query("DELETE FROM applications WHERE id = $1").bind(id).execute(db.pool()).await?;
            Err(error)
        }
    }
}

/// Checks a command against the application and, if it is allowed, stores its events and
/// brings the projections in step, all in one transaction.
pub async fn execute(
    db: &Db,
    id: i64,
    actor: &Actor,
    command: Command,
    context: Context,
) -> Result<Executed, ExecuteError> {
    let mut tx = db.pool().begin().await?;
    // Writing first takes the lock (SQLite's database lock, PostgreSQL's row lock), so two
    // commands on one application are decided one after the other, each on fresh state.
    let touched = sqlx::query("UPDATE applications SET updated_at = $1 WHERE id = $2")
        .bind(db::timestamp(context.now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if touched.rows_affected() == 0 {
        return Err(ExecuteError::NotFound);
    }
    let (mut application, mut seq) = load(&mut tx, id, context.clock).await?;
    let before = application.state();
    let events = decide(&application, actor, &command, context).map_err(ExecuteError::Refused)?;
    let actor_id = match actor {
        Actor::System => None,
        Actor::Person { id, .. } => Some(*id),
    };
    let at = db::timestamp(context.now);
    for event in &events {
        seq += 1;
        let payload = serde_json::to_string(event).map_err(|e| ExecuteError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO application_events (application_id, seq, occurred_at, actor_id, kind, payload) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(seq)
        .bind(&at)
        .bind(actor_id)
        .bind(event.kind())
        .bind(&payload)
        .execute(&mut *tx)
        .await?;
        application.apply(event, context.now, context.clock);
        project(&mut tx, id, &application, event, context.now).await?;
    }
    let after = application.state();
    sqlx::query("UPDATE applications SET state = $1, version = $2 WHERE id = $3")
        .bind(after.code())
        .bind(i64::from(application.version))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    let audit =
        NewEvent::transition(actor_id, "application", id, kinds[0], Some(before.code()), Some(after.code()));
    record_in(&mut tx, NewEvent { summary: Some(kinds.join(", ")), ..audit }).await?;
    tx.commit().await?;
    Ok(Executed { events, state: after })
}

/// The projections one event changes.
async fn project(
    conn: &mut AnyConnection,
    id: i64,
    application: &Application,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for part in application.parts.values() {
        let handler = match part.state {
            PartState::UnderReview { handler } => Some(handler),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO application_parts (application_id, cohort_id, node_id, state, handler_id, deadline, paused) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (application_id, cohort_id) DO UPDATE SET state = excluded.state, \
                 handler_id = COALESCE(excluded.handler_id, application_parts.handler_id), \
                 deadline = excluded.deadline, paused = excluded.paused",
        )
        .bind(id)
        .bind(part.cohort)
        .bind(part.node)
        .bind(part.state.code())
        .bind(handler)
        .bind(part.clock.deadline.map(db::timestamp))
        .bind(i64::from(part.clock.paused_at.is_some()))
        .execute(&mut *conn)
        .await?;
    }
    match event {
        Event::Created { applicant, .. } | Event::MemberInvited { person: applicant } => {
            sqlx::query("INSERT INTO application_team (application_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(applicant)
                .execute(&mut *conn)
                .await?;
        }
        Event::MemberRemoved { person } => {
            sqlx::query("DELETE FROM application_team WHERE application_id = $1 AND person_id = $2")
                .bind(id)
                .bind(person)
                .execute(&mut *conn)
                .await?;
            // Off the team, off the data.
            sqlx::query(
                "UPDATE entitlements SET ended_at = $1, end_reason = 'revoked' \
                 WHERE application_id = $2 AND person_id = $3 AND ended_at IS NULL",
            )
            .bind(db::timestamp(at))
            .bind(id)
            .bind(person)
            .execute(&mut *conn)
            .await?;
        }
        Event::AccessActivated { cohort, starts_on, ends_on } => {
            // Only those who accepted this cohort's terms: someone who joined while another
            // node had the application back was never reviewed for this cohort.
            let accepted = application
                .team()
                .into_iter()
                .filter(|p| application.accepted_terms.contains(&(*p, *cohort)));
            for person in accepted {
                sqlx::query(
                    "INSERT INTO entitlements (application_id, cohort_id, person_id, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(cohort)
                .bind(person)
                .bind(starts_on.to_string())
                .bind(ends_on.to_string())
                .execute(&mut *conn)
                .await?;
            }
        }
        Event::Revoked { cohort, .. } | Event::Expired { cohort } => {
            let reason = if matches!(event, Event::Revoked { .. }) { "revoked" } else { "expired" };
            sqlx::query(
                "UPDATE entitlements SET ended_at = $1, end_reason = $2 WHERE application_id = $3 AND cohort_id = $4 AND ended_at IS NULL",
            )
            .bind(db::timestamp(at))
            .bind(reason)
            .bind(id)
            .bind(cohort)
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A live entitlement, as node systems ask about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entitlement {
    pub application_id: i64,
    pub cohort_id: i64,
    pub person_id: i64,
    pub starts_on: String,
    pub ends_on: String,
}

/// A person's entitlements that have not ended.
pub async fn live_entitlements(db: &Db, person_id: i64) -> Result<Vec<Entitlement>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT application_id, cohort_id, person_id, starts_on, ends_on FROM entitlements \
         WHERE person_id = $1 AND ended_at IS NULL ORDER BY cohort_id",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(application_id, cohort_id, person_id, starts_on, ends_on)| Entitlement {
            application_id,
            cohort_id,
            person_id,
            starts_on,
            ends_on,
        })
        .collect())
}

/// Ends every access period that is over (the `access_expiry` job); answers how many.
pub async fn expire_due(db: &Db, now: DateTime<Utc>) -> Result<usize, ExecuteError> {
    let context = Context { now, clock: ClockRules::default() };
    let today = context.today().to_string();
    let due: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT application_id, cohort_id FROM entitlements WHERE ended_at IS NULL AND ends_on < $1 \
         ORDER BY application_id, cohort_id",
    )
    .bind(&today)
    .fetch_all(db.pool())
    .await?;
    let mut expired = 0;
    for (application_id, cohort) in due {
        match execute(db, application_id, &Actor::System, Command::Expire { cohort }, context).await {
            Ok(_) => expired += 1,
            // Revoked or expired by someone else meanwhile: nothing left to do.
            Err(ExecuteError::Refused(Refusal::WrongState)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(expired)
}

/// One cohort's part in a node committee's queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueItem {
    pub application_id: i64,
    pub title: String,
    pub applicant: String,
    pub cohort_slug: String,
    pub state: String,
    pub handler_id: Option<i64>,
    pub deadline: Option<String>,
    /// Back with the applicant: the clock stands still.
    pub paused: bool,
    pub overdue: bool,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    application_id: i64,
    title: String,
    applicant: String,
    cohort_slug: String,
    state: String,
    handler_id: Option<i64>,
    deadline: Option<String>,
    paused: i64,
}

/// What a committee narrows its queue by.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub cohort_slug: Option<String>,
    pub overdue_only: bool,
    pub assigned_to: Option<i64>,
}

/// A node's open parts, overdue and nearest deadlines first, those back with the applicant last.
pub async fn committee_queue(
    db: &Db,
    node_id: i64,
    filter: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<QueueItem>, sqlx::Error> {
    let now = db::timestamp(now);
    // The page of parts is chosen on `application_parts` alone (its index is in queue
    // order), and only those 500 rows are joined for titles and names.
    let mut sql = Sql::default();
    sql.push(
        "SELECT ap.application_id, a.title, p.display_name AS applicant, c.slug AS cohort_slug, ap.state, \
              ap.handler_id, ap.deadline, ap.paused FROM (SELECT * FROM application_parts WHERE node_id = ",
    )
    .bind(Bind::Int(node_id))
    .push(" AND state IN ('submitted', 'under_review', 'returned')");
    if let Some(state) = &filter.state {
        sql.push(" AND state = ").bind(Bind::Text(state.clone()));
    }
    if let Some(cohort) = &filter.cohort_slug {
        sql.push(" AND cohort_id = (SELECT id FROM cohorts WHERE slug = ")
            .bind(Bind::Text(cohort.clone()))
            .push(")");
    }
    if filter.overdue_only {
        sql.push(" AND paused = 0 AND deadline < ").bind(Bind::Text(now.clone()));
    }
    if let Some(handler) = filter.assigned_to {
        sql.push(" AND handler_id = ").bind(Bind::Int(handler));
    }
    sql.push(
        " ORDER BY paused, deadline, application_id LIMIT 500) ap \
         JOIN applications a ON a.id = ap.application_id JOIN people p ON p.id = a.applicant_id \
         JOIN cohorts c ON c.id = ap.cohort_id ORDER BY ap.paused, ap.deadline, ap.application_id",
    );
    let rows: Vec<QueueRow> = sql.query_as().fetch_all(db.pool()).await?;
    Ok(rows
        .into_iter()
        .map(|row| QueueItem {
            overdue: row.paused == 0 && row.deadline.as_deref().is_some_and(|d| d < now.as_str()),
            application_id: row.application_id,
            title: row.title,
            applicant: row.applicant,
            cohort_slug: row.cohort_slug,
            state: row.state,
            handler_id: row.handler_id,
            deadline: row.deadline,
            paused: row.paused == 1,
        })
        .collect())
}

/// A live entitlement as node systems see it: who, which dataset, from when until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct EntitlementListing {
    pub user: String,
    pub dataset: String,
    pub application_id: i64,
    pub starts_on: String,
    pub ends_on: String,
}

/// Live entitlements today, narrowed by dataset (cohort id) and user (subject) when given.
pub async fn entitlements_for(
    db: &Db,
    dataset: Option<&str>,
    user: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<EntitlementListing>, sqlx::Error> {
    let today = Context { now, clock: ClockRules::default() }.today().to_string();
    sqlx::query_as(
        "SELECT p.subject AS user, c.slug AS dataset, e.application_id, e.starts_on, e.ends_on FROM entitlements e \
         JOIN people p ON p.id = e.person_id JOIN cohorts c ON c.id = e.cohort_id \
         WHERE e.ended_at IS NULL AND e.starts_on <= $1 AND e.ends_on >= $1 \
           AND ($2 IS NULL OR c.slug = $2) AND ($3 IS NULL OR p.subject = $3) \
         ORDER BY c.slug, p.subject LIMIT 1000",
    )
    .bind(&today)
    .bind(dataset)
    .bind(user)
    .fetch_all(db.pool())
    .await
}
