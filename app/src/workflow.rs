//! The one executor for every workflow's commands (the kernel decides, this stores): in
//! one transaction it locks the aggregate's row, reads its events and the outside facts,
//! folds, asks the kernel, appends the events (actor, time, from-state, to-state, reason),
//! brings the read tables in step, queues the mail and records the audit event. A refusal
//! rolls everything back, creation included.

use crate::audit::{NewEvent, record_in};
use crate::db::{self, Db};
use chrono::{DateTime, Utc};
use kernel::PersonId;
use kernel::workflow::{Aggregate, Context, EventKind};
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::future::Future;

/// How a workflow's aggregate is kept: its tables, its facts, its projections and its mail.
pub trait Stored:
    Aggregate<Event: Send + Sync, Command: Send + Sync, Actor: Send + Sync, Facts: Send + Sync, Refusal: Send>
    + Send
    + Sync
    + 'static
{
    /// The audit trail's subject kind.
    const SUBJECT: &'static str;
    /// The aggregate's own table (its row is the lock) and its events table.
    const TABLE: &'static str;
    const EVENTS: &'static str;
    /// The events table's column naming the aggregate.
    const KEY: &'static str;

    /// The state's code for the log's from- and to-state columns.
    fn state_code(&self) -> &'static str;

    fn actor_id(actor: &Self::Actor) -> Option<PersonId>;

    fn event_reason(event: &Self::Event) -> Option<String>;

    /// The facts from outside the log, read in the command's transaction.
    fn facts(
        conn: &mut AnyConnection,
        id: i64,
        aggregate: &Self,
    ) -> impl Future<Output = Result<Self::Facts, sqlx::Error>> + Send;

    /// Brings the read tables in step with one event.
    fn project(
        conn: &mut AnyConnection,
        id: i64,
        aggregate: &Self,
        event: &Self::Event,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Queues the mail one event causes.
    fn notify(
        conn: &mut AnyConnection,
        id: i64,
        aggregate: &Self,
        facts: &Self::Facts,
        event: &Self::Event,
        actor: Option<PersonId>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// The nodes whose business the command concerns (for node systems' audit exports).
    fn nodes(&self) -> Vec<kernel::NodeId> {
        Vec::new()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<R: std::fmt::Debug> {
    #[error("refused: {0:?}")]
    Refused(R),
    #[error("no such record")]
    NotFound,
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("a stored event could not be read: {0}")]
    Corrupt(String),
}

/// One stored event with who caused it and when.
#[derive(Debug, Clone)]
pub struct Logged<E> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<PersonId>,
    pub kind: String,
    pub reason: Option<String>,
    /// `None` for a row written before the log kept typed events (its kind and reason
    /// still tell what happened).
    pub event: Option<E>,
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Executed<A: Aggregate> {
    pub events: Vec<A::Event>,
    pub aggregate: A,
}

/// One row of a log table: seq, time, actor, kind, reason, typed payload.
type LogRow = (i64, String, Option<i64>, String, Option<String>, Option<String>);

fn logged<E: serde::de::DeserializeOwned, R: std::fmt::Debug>(
    row: LogRow,
) -> Result<Logged<E>, ExecuteError<R>> {
    let (seq, at, actor_id, kind, reason, payload) = row;
    let event = match payload {
        Some(payload) => {
            Some(serde_json::from_str(&payload).map_err(|e| ExecuteError::Corrupt(format!("{seq}: {e}")))?)
        }
        None => None,
    };
    let at = db::parse_timestamp(&at).ok_or_else(|| ExecuteError::Corrupt(format!("time {at}")))?;
    Ok(Logged { seq, at, actor_id: actor_id.map(PersonId), kind, reason, event })
}

fn fold<A: Stored>(log: &[Logged<A::Event>]) -> A {
    A::fold(log.iter().filter_map(|e| e.event.as_ref().map(|event| (event, e.at))))
}

/// The aggregate's log, in order.
pub async fn events<A: Stored>(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<Logged<A::Event>>, ExecuteError<A::Refusal>> {
    let sql = format!(
        "SELECT seq, occurred_at, actor_id, kind, reason, payload FROM {} WHERE {} = $1 ORDER BY seq",
        A::EVENTS,
        A::KEY
    );
    let rows: Vec<LogRow> = sqlx::query_as(&sql).bind(id).fetch_all(&mut *conn).await?;
    rows.into_iter().map(logged).collect()
}

/// Several aggregates as their events tell them, read in one query (a list's rows): the
/// same fold as [`load`], without a query per row.
pub async fn load_many<A: Stored>(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<BTreeMap<i64, A>, ExecuteError<A::Refusal>> {
    let mut sql = db::Sql::default();
    sql.push(&format!(
        "SELECT {key}, seq, occurred_at, actor_id, kind, reason, payload FROM {events} WHERE {key} IN (",
        key = A::KEY,
        events = A::EVENTS
    ));
    sql.bind_ints(ids).push(&format!(") ORDER BY {}, seq", A::KEY));
    type Row = (i64, i64, String, Option<i64>, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sql.query_as().fetch_all(&mut *conn).await?;
    let mut logs: BTreeMap<i64, Vec<Logged<A::Event>>> = BTreeMap::new();
    for (id, seq, at, actor_id, kind, reason, payload) in rows {
        logs.entry(id).or_default().push(logged((seq, at, actor_id, kind, reason, payload))?);
    }
    Ok(logs.into_iter().map(|(id, log)| (id, fold::<A>(&log))).collect())
}

/// Each aggregate's events with their times, in order, by the aggregate's id.
pub type TimedLogs<E> = BTreeMap<i64, Vec<(E, DateTime<Utc>)>>;

/// The typed logs of every aggregate that has an event of one of these kinds, each in
/// order: what read models (the KPIs) fold, in one query.
pub async fn logs_with_kinds<A: Stored>(
    conn: &mut AnyConnection,
    kinds: &[&str],
) -> Result<TimedLogs<A::Event>, ExecuteError<A::Refusal>> {
    let mut sql = db::Sql::default();
    sql.push(&format!(
        "SELECT {key}, seq, occurred_at, actor_id, kind, reason, payload FROM {events} \
         WHERE {key} IN (SELECT {key} FROM {events} WHERE kind IN (",
        key = A::KEY,
        events = A::EVENTS
    ));
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    sql.bind_list(&kinds).push(&format!(")) ORDER BY {}, seq", A::KEY));
    type Row = (i64, i64, String, Option<i64>, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sql.query_as().fetch_all(&mut *conn).await?;
    let mut logs: TimedLogs<A::Event> = BTreeMap::new();
    for (id, seq, at, actor_id, kind, reason, payload) in rows {
        let entry = logged::<A::Event, A::Refusal>((seq, at, actor_id, kind, reason, payload))?;
        if let Some(event) = entry.event {
            logs.entry(id).or_default().push((event, entry.at));
        }
    }
    Ok(logs)
}

/// The aggregate as its events tell it, with its log.
pub async fn load<A: Stored>(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<(A, Vec<Logged<A::Event>>), ExecuteError<A::Refusal>> {
    let log = events::<A>(conn, id).await?;
    Ok((fold::<A>(&log), log))
}

/// Runs a command on an existing aggregate in its own transaction.
pub async fn execute<A: Stored>(
    db: &Db,
    id: i64,
    actor: &A::Actor,
    command: A::Command,
    now: DateTime<Utc>,
) -> Result<Executed<A>, ExecuteError<A::Refusal>> {
    let mut tx = db.write().await?;
    let executed = execute_in::<A>(&mut tx, id, actor, command, now).await?;
    tx.commit().await?;
    Ok(executed)
}

/// Creates the aggregate's row with `insert` (SQL answering the new id; its binds are the
/// caller's) and runs its first command, in one transaction: a refusal leaves nothing.
pub async fn create<A: Stored>(
    db: &Db,
    insert: db::Sql,
    actor: &A::Actor,
    command: A::Command,
    now: DateTime<Utc>,
) -> Result<(i64, Executed<A>), ExecuteError<A::Refusal>> {
    let mut tx = db.write().await?;
    let id: i64 = insert.query_scalar().fetch_one(&mut *tx).await?;
    let executed = execute_in::<A>(&mut tx, id, actor, command, now).await?;
    tx.commit().await?;
    Ok((id, executed))
}

/// [`execute`] inside the caller's transaction (a release runs one command per proposal).
pub async fn execute_in<A: Stored>(
    conn: &mut AnyConnection,
    id: i64,
    actor: &A::Actor,
    command: A::Command,
    now: DateTime<Utc>,
) -> Result<Executed<A>, ExecuteError<A::Refusal>> {
    let at = db::timestamp(now);
    // Writing first takes the lock (SQLite's database lock, PostgreSQL's row lock), so two
    // commands on one aggregate are decided one after the other, each on fresh state.
    let touched = sqlx::query(&format!("UPDATE {} SET updated_at = $1 WHERE id = $2", A::TABLE))
        .bind(&at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if touched.rows_affected() == 0 {
        return Err(ExecuteError::NotFound);
    }
    let (mut aggregate, log) = load::<A>(conn, id).await?;
    let mut seq = log.last().map(|e| e.seq).unwrap_or(0);
    let facts = A::facts(conn, id, &aggregate).await?;
    let context = Context::with(now, facts);
    let events = aggregate.decide(actor, &command, &context).map_err(ExecuteError::Refused)?;
    let actor_id = A::actor_id(actor);
    let before = aggregate.state_code();
    let insert = format!(
        "INSERT INTO {} ({}, seq, occurred_at, actor_id, kind, from_state, to_state, reason, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        A::EVENTS,
        A::KEY
    );
    for event in &events {
        seq += 1;
        let from = aggregate.state_code();
        aggregate.apply(event, now);
        let payload = serde_json::to_string(event).map_err(|e| ExecuteError::Corrupt(e.to_string()))?;
        sqlx::query(&insert)
            .bind(id)
            .bind(seq)
            .bind(&at)
            .bind(actor_id.map(i64::from))
            .bind(event.kind())
            .bind(from)
            .bind(aggregate.state_code())
            .bind(A::event_reason(event))
            .bind(&payload)
            .execute(&mut *conn)
            .await?;
        A::project(conn, id, &aggregate, event, now).await?;
        A::notify(conn, id, &aggregate, &context.facts, event, actor_id, now).await?;
    }
    let kinds: Vec<&str> = events.iter().map(EventKind::kind).collect();
    let after = aggregate.state_code();
    let audit = NewEvent::transition(
        actor_id.map(i64::from),
        A::SUBJECT,
        id,
        kinds.first().copied().unwrap_or("command"),
        Some(before),
        Some(after),
    );
    let reason = events.iter().find_map(A::event_reason);
    record_in(conn, NewEvent { summary: Some(kinds.join(", ")), reason, nodes: aggregate.nodes(), ..audit })
        .await?;
    Ok(Executed { events, aggregate })
}

/// Writes who a workflow's rules exclude from a record (its team or company, declared
/// conflicts): queues, panels, the audit view and the outbox leave the record out for them.
/// The rule itself is the kernel's; this only keeps its answer where SQL can read it.
pub async fn project_exclusions(
    conn: &mut AnyConnection,
    subject: &str,
    id: i64,
    people: &std::collections::BTreeSet<PersonId>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM exclusions WHERE subject_kind = $1 AND subject_id = $2")
        .bind(subject)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for person in people {
        sqlx::query("INSERT INTO exclusions (subject_kind, subject_id, person_id) VALUES ($1, $2, $3)")
            .bind(subject)
            .bind(id)
            .bind(person.get())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
