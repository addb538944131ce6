//! The one way to record a state change: who, when, what, from which state, to which, why.
//! Every row is sealed into the hash chain as it is written.

use super::chain::{self, ChainReport, ChainedFields, StoredRow, Verifier};
use super::model::{AuditEntry, AuditFilter, AuditPage};
use crate::db::{self, Db};
use sqlx::{AnyConnection, Row};

/// An event about to be recorded. Build it with [`NewEvent::transition`] or
/// [`NewEvent::about_person`] (there is no default: every event names its subject and action).
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub actor_id: Option<i64>,
    pub subject_kind: &'a str,
    pub subject_id: String,
    pub action: &'a str,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    /// A human-readable line for the audit view ("granted reviewer to Sara Lindqvist").
    pub summary: Option<String>,
    /// The nodes whose business this is: a node system's token reads these events only.
    pub nodes: Vec<kernel::NodeId>,
}

impl<'a> NewEvent<'a> {
    /// A person (or, with `None`, the system) moved a subject from one state to another.
    pub fn transition(
        actor_id: Option<i64>,
        subject_kind: &'a str,
        subject_id: impl ToString,
        action: &'a str,
        from_state: Option<&str>,
        to_state: Option<&str>,
    ) -> Self {
        NewEvent {
            actor_id,
            subject_kind,
            subject_id: subject_id.to_string(),
            action,
            from_state: from_state.map(str::to_owned),
            to_state: to_state.map(str::to_owned),
            reason: None,
            summary: None,
            nodes: Vec::new(),
        }
    }

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
            summary: None,
            nodes: Vec::new(),
        }
    }
}

/// Serialises chain writers on PostgreSQL for the rest of the transaction.
const CHAIN_LOCK: &str = "SELECT pg_advisory_xact_lock(7402)";

/// Records an event in its own transaction.
pub async fn record(db: &Db, event: NewEvent<'_>) -> Result<i64, sqlx::Error> {
    let mut tx = db.write().await?;
    let id = record_in(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records an event inside the caller's transaction, so the change and its event commit
/// together. Writers are serialised (the insert holds SQLite's write lock; PostgreSQL takes
/// an advisory lock), so each new row links to the one committed before it.
pub async fn record_in(conn: &mut AnyConnection, event: NewEvent<'_>) -> Result<i64, sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query(CHAIN_LOCK).execute(&mut *conn).await?;
    }
    let fields = ChainedFields {
        occurred_at: db::now(),
        actor_id: event.actor_id,
        subject_kind: event.subject_kind.to_owned(),
        subject_id: event.subject_id,
        action: event.action.to_owned(),
        from_state: event.from_state,
        to_state: event.to_state,
        reason: event.reason,
        summary: event.summary,
        request_id: crate::telemetry::current_request_id(),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (occurred_at, actor_id, subject_kind, subject_id, action, from_state, to_state, reason, summary, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&fields.occurred_at)
    .bind(fields.actor_id)
    .bind(&fields.subject_kind)
    .bind(&fields.subject_id)
    .bind(&fields.action)
    .bind(&fields.from_state)
    .bind(&fields.to_state)
    .bind(&fields.reason)
    .bind(&fields.summary)
    .bind(&fields.request_id)
    .fetch_one(&mut *conn)
    .await?;
    seal(conn, id, &fields).await?;
    for node in event.nodes {
        sqlx::query("INSERT INTO event_nodes (event_id, node_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(node.get())
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

async fn seal(conn: &mut AnyConnection, id: i64, fields: &ChainedFields) -> Result<(), sqlx::Error> {
    let prev: Option<String> = sqlx::query_scalar(
        "SELECT row_hash FROM events WHERE row_hash IS NOT NULL AND id < $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let prev = prev.unwrap_or_else(|| chain::GENESIS.to_owned());
    let hash = chain::row_hash(&prev, fields);
    sqlx::query("UPDATE events SET prev_hash = $1, row_hash = $2 WHERE id = $3")
        .bind(prev)
        .bind(hash)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const ROW_COLUMNS: &str = "id, occurred_at, actor_id, subject_kind, subject_id, action, from_state, to_state, \
     reason, summary, request_id, prev_hash, row_hash";

fn event_fields(row: &sqlx::any::AnyRow) -> Result<ChainedFields, sqlx::Error> {
    Ok(ChainedFields {
        occurred_at: row.try_get("occurred_at")?,
        actor_id: row.try_get("actor_id")?,
        subject_kind: row.try_get("subject_kind")?,
        subject_id: row.try_get("subject_id")?,
        action: row.try_get("action")?,
        from_state: row.try_get("from_state")?,
        to_state: row.try_get("to_state")?,
        reason: row.try_get("reason")?,
        summary: row.try_get("summary")?,
        request_id: row.try_get("request_id")?,
    })
}

fn stored_row(row: &sqlx::any::AnyRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        id: row.try_get("id")?,
        fields: event_fields(row)?,
        prev_hash: row.try_get("prev_hash")?,
        row_hash: row.try_get("row_hash")?,
    })
}

/// Seals rows written before the chain existed (databases created by an earlier release),
/// in id order. Runs at start-up, after migrating, and only while no row is sealed yet:
/// once the chain exists, an unsealed row was written around the portal and stays
/// unsealed for `verify` to report.
pub async fn seal_unchained(db: &Db) -> Result<u64, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    if db.backend() == db::Backend::Postgres {
        sqlx::query(CHAIN_LOCK).execute(&mut *tx).await?;
    }
    let chained: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE row_hash IS NOT NULL")
        .fetch_one(&mut *tx)
        .await?;
    if chained > 0 {
        return Ok(0);
    }
    let rows = sqlx::query(&format!("SELECT {ROW_COLUMNS} FROM events WHERE row_hash IS NULL ORDER BY id"))
        .fetch_all(&mut *tx)
        .await?;
    let mut sealed = 0;
    for row in &rows {
        let row = stored_row(row)?;
        seal(&mut tx, row.id, &row.fields).await?;
        sealed += 1;
    }
    tx.commit().await?;
    Ok(sealed)
}

/// Walks the whole chain in pages of 1,000 rows and reports the first break, if any.
pub async fn verify(db: &Db) -> Result<ChainReport, sqlx::Error> {
    let mut verifier = Verifier::default();
    let mut after = 0_i64;
    loop {
        let rows =
            sqlx::query(&format!("SELECT {ROW_COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT 1000"))
                .bind(after)
                .fetch_all(db.pool())
                .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        for row in &rows {
            verifier.check(&stored_row(row)?);
        }
        if verifier.is_broken() {
            break;
        }
    }
    Ok(verifier.report())
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

/// One page of the audit trail, newest first, filtered. Events about a record the viewer is
/// excluded from (their company's proposals, a company or record they declared a conflict
/// with) are left out: a declared conflict wins over the administrator role.
pub async fn search(db: &Db, viewer: i64, filter: &AuditFilter) -> Result<AuditPage, sqlx::Error> {
    let mut conditions = vec![format!(
        "NOT EXISTS (SELECT 1 FROM exclusions x WHERE x.person_id = {viewer} AND x.subject_kind = e.subject_kind \
           AND CAST(x.subject_id AS TEXT) = e.subject_id) \
         AND NOT (e.subject_kind = 'company' AND EXISTS (SELECT 1 FROM company_conflicts cc \
           WHERE cc.person_id = {viewer} AND CAST(cc.company_id AS TEXT) = e.subject_id))"
    )];
    let mut binds: Vec<String> = Vec::new();
    let mut add = |sql: &str, value: String| {
        binds.push(value);
        conditions.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.trim().is_empty()) {
        add("LOWER(p.display_name) LIKE ?", format!("%{}%", actor.trim().to_lowercase()));
    }
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        add("e.action = ?", action.to_owned());
    }
    if let Some(kind) = filter.subject_kind.as_deref().filter(|s| !s.is_empty()) {
        add("e.subject_kind = ?", kind.to_owned());
    }
    if let Some(from) = filter.from_date.as_deref().filter(|s| !s.is_empty()) {
        add("e.occurred_at >= ?", format!("{from}T00:00:00Z"));
    }
    if let Some(to) = filter.to_date.as_deref().filter(|s| !s.is_empty()) {
        add("e.occurred_at <= ?", format!("{to}T23:59:59Z"));
    }
    let where_sql = format!("WHERE {}", conditions.join(" AND "));
    let from_sql = format!("FROM events e LEFT JOIN people p ON p.id = e.actor_id {where_sql}");

    let count_sql = format!("SELECT COUNT(*) {from_sql}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for value in &binds {
        count = count.bind(value);
    }
    let total = count.fetch_one(db.pool()).await?;

    let page = filter.page.max(1);
    let list_sql = format!(
        "SELECT e.id, e.occurred_at, e.actor_id, p.display_name AS actor_name, e.subject_kind, e.subject_id, \
         e.action, e.from_state, e.to_state, e.reason, e.summary, e.request_id, e.row_hash {from_sql} \
         ORDER BY e.id DESC LIMIT {} OFFSET {}",
        AuditFilter::PAGE_SIZE,
        u64::from(page - 1) * u64::from(AuditFilter::PAGE_SIZE)
    );
    let mut list = sqlx::query(&list_sql);
    for value in &binds {
        list = list.bind(value);
    }
    let entries =
        list.fetch_all(db.pool()).await?.iter().map(audit_entry).collect::<Result<Vec<_>, sqlx::Error>>()?;
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT action FROM events ORDER BY action").fetch_all(db.pool()).await?;
    let subject_kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT subject_kind FROM events ORDER BY subject_kind")
            .fetch_all(db.pool())
            .await?;
    Ok(AuditPage { entries, total: total as u64, page, actions, subject_kinds })
}

/// Events since an id, oldest first: what a node system mirrors through the API.
/// The subjects of co-creation's events: who reviews, what the board reasoned, who declared
/// a conflict. Confidential to co-creation; never exported to a node.
pub const CO_CREATION_SUBJECTS: [&str; 3] = ["company", "call", "proposal"];

/// What an export may contain: one node's business only (events that name the node), and
/// co-creation's events only when asked for by a token that may have them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportScope {
    pub node_id: Option<i64>,
    pub co_creation: bool,
}

pub async fn since(
    db: &Db,
    after_id: i64,
    limit: i64,
    scope: ExportScope,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let co_creation = CO_CREATION_SUBJECTS.map(|s| format!("'{s}'")).join(", ");
    let rows = sqlx::query(&format!(
        "SELECT e.id, e.occurred_at, e.actor_id, p.display_name AS actor_name, e.subject_kind, e.subject_id, \
         e.action, e.from_state, e.to_state, e.reason, e.summary, e.request_id, e.row_hash \
         FROM events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.id > $1 \
           AND ($3 IS NULL OR EXISTS (SELECT 1 FROM event_nodes en WHERE en.event_id = e.id AND en.node_id = $3)) \
           AND ($4 = 1 OR e.subject_kind NOT IN ({co_creation})) \
         ORDER BY e.id LIMIT $2"
    ))
    .bind(after_id)
    .bind(limit)
    .bind(scope.node_id)
    .bind(i64::from(scope.co_creation && scope.node_id.is_none()))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(audit_entry).collect()
}

fn audit_entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        event: event_fields(row)?,
        actor_name: row.try_get("actor_name")?,
        row_hash: row.try_get("row_hash")?,
    })
}
