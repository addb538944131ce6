//! The KPIs' reads and the targets' writes. Figures are folded from the workflows' event
//! logs (the kernel computes them); targets keep every change in an append-only history.

use super::model::{BoardNote, Choices, TargetChange};
use crate::audit::{NewEvent, record_in};
use crate::db;
use crate::i18n::Lang;
use crate::workflow::{self, ExecuteError};
use kernel::access::Application;
use kernel::agreement::Agreement;
use kernel::codes::{CompanyKind, Gender};
use kernel::kpi::facts::{access_decisions, agreement_facts, proposal_facts};
use kernel::kpi::figures::{Facts, Parts, StoredMonth};
use kernel::kpi::filters::Month;
use kernel::kpi::gender::People;
use kernel::kpi::notes::{Note, NoteKind};
use kernel::kpi::snapshots::{SnapshotScope, Taken};
use kernel::kpi::targets::{Target, TargetPeriod};
use kernel::kpi::{Direction, Kpi};
use kernel::proposal::Proposal;
use kernel::{AgreementId, ApplicationId, NodeId, PersonId, ProposalId};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// A log could not be read: the figures would be wrong, so none are shown.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("a stored event could not be read: {0}")]
    Corrupt(String),
}

fn corrupt<R: std::fmt::Debug>(error: ExecuteError<R>) -> FactsError {
    match error {
        ExecuteError::Sql(error) => FactsError::Sql(error),
        other => FactsError::Corrupt(other.to_string()),
    }
}

/// Every fact the KPIs count, from the logs of the applications decided, the proposals
/// submitted and the agreements signed.
pub async fn facts(conn: &mut AnyConnection) -> Result<Facts, FactsError> {
    let applications =
        workflow::logs_with_kinds::<Application>(conn, &["approved", "rejected"]).await.map_err(corrupt)?;
    let access =
        applications.iter().flat_map(|(id, log)| access_decisions(ApplicationId(*id), log)).collect();

    let kinds: BTreeMap<i64, Option<String>> = sqlx::query_as(
        "SELECT p.id, o.company_kind FROM proposals p JOIN organisations o ON o.id = p.company_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let proposals =
        workflow::logs_with_kinds::<Proposal>(conn, &["submitted", "found_ineligible", "migrated"])
            .await
            .map_err(corrupt)?;
    let proposals = proposals
        .iter()
        .filter_map(|(id, log)| {
            let kind = kinds.get(id).cloned().flatten().and_then(|k| CompanyKind::parse(&k));
            proposal_facts(ProposalId(*id), kind, log)
        })
        .collect();

    let mut nodes: BTreeMap<i64, Vec<NodeId>> = BTreeMap::new();
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT agreement_id, node_id FROM agreement_nodes ORDER BY node_id")
            .fetch_all(&mut *conn)
            .await?;
    for (agreement, node) in rows {
        nodes.entry(agreement).or_default().push(NodeId(node));
    }
    let agreements =
        workflow::logs_with_kinds::<Agreement>(conn, &["came_into_force"]).await.map_err(corrupt)?;
    let agreements = agreements
        .iter()
        .map(|(id, log)| agreement_facts(AgreementId(*id), nodes.remove(id).unwrap_or_default(), log))
        .collect();
    Ok(Facts { access, proposals, agreements })
}

/// What people declared of their gender, and who sits on the committees and the board
/// today: the gender-balance table's inputs (only ever counted, never listed).
pub async fn people(conn: &mut AnyConnection) -> Result<People, sqlx::Error> {
    let declared: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, gender FROM people WHERE gender IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?;
    let genders =
        declared.into_iter().filter_map(|(id, g)| Gender::parse(&g).map(|g| (PersonId(id), g))).collect();
    // A committee grant is for a node, or for a cohort (at each of its nodes).
    let committee: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT DISTINCT r.person_id, COALESCE(r.scope_node_id, cn.node_id) FROM role_assignments r \
         LEFT JOIN cohort_nodes cn ON cn.cohort_id = r.scope_cohort_id \
         WHERE r.role = 'access_committee_member' AND r.revoked_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let committee =
        committee.into_iter().filter_map(|(person, node)| Some((PersonId(person), NodeId(node?)))).collect();
    let board: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT person_id FROM role_assignments WHERE role = 'steering_board_member' AND revoked_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(People { genders, committee, board: board.into_iter().map(PersonId).collect() })
}

/// How many calls are published and how many cohorts the catalogue holds.
pub async fn catalogue_counts(conn: &mut AnyConnection) -> Result<(u64, u64), sqlx::Error> {
    let calls: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE published = 1").fetch_one(&mut *conn).await?;
    let cohorts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cohorts").fetch_one(&mut *conn).await?;
    Ok((calls.max(0) as u64, cohorts.max(0) as u64))
}

fn name_column(lang: Lang, stem: &str) -> String {
    format!("{stem}_{}", lang.code())
}

/// The nodes, calls and cohorts by name, for the filter form and the breakdowns.
pub async fn choices(conn: &mut AnyConnection, lang: Lang) -> Result<Choices, sqlx::Error> {
    let nodes = sqlx::query_as(&format!("SELECT id, {} FROM nodes ORDER BY 2", name_column(lang, "name")))
        .fetch_all(&mut *conn)
        .await?;
    let calls = sqlx::query_as(&format!(
        "SELECT id, {} FROM calls ORDER BY opens_at DESC",
        name_column(lang, "title")
    ))
    .fetch_all(&mut *conn)
    .await?;
    let cohorts =
        sqlx::query_as("SELECT id, acronym FROM cohorts ORDER BY acronym").fetch_all(&mut *conn).await?;
    Ok(Choices { nodes, calls, cohorts })
}

type TargetRow = (String, String, String, String, String, String);

fn target_of(row: TargetRow) -> Option<Target> {
    let (kpi, period, direction, value, owner, rationale) = row;
    Some(Target {
        kpi: Kpi::parse(&kpi)?,
        period: TargetPeriod::parse(&period)?,
        direction: Direction::parse(&direction)?,
        value: value.parse().ok()?,
        owner,
        rationale,
    })
}

pub async fn targets(conn: &mut AnyConnection) -> Result<Vec<Target>, sqlx::Error> {
    let rows: Vec<TargetRow> = sqlx::query_as(
        "SELECT kpi, period, direction, value, owner, rationale FROM kpi_targets ORDER BY kpi, period",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().filter_map(target_of).collect())
}

/// Every change to the targets, newest first, per KPI.
pub async fn history(conn: &mut AnyConnection) -> Result<BTreeMap<Kpi, Vec<TargetChange>>, sqlx::Error> {
    type Row =
        (String, String, Option<String>, Option<String>, String, String, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.kpi, c.period, c.old_direction, c.old_value, c.new_direction, c.new_value, c.owner, \
                p.display_name, c.changed_at, c.rationale \
         FROM kpi_target_changes c JOIN people p ON p.id = c.changed_by ORDER BY c.id DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut history: BTreeMap<Kpi, Vec<TargetChange>> = BTreeMap::new();
    for (kpi, period, old_direction, old_value, new_direction, new_value, owner, who, when, why) in rows {
        let Some(kpi) = Kpi::parse(&kpi) else { continue };
        let old =
            old_direction.and_then(|d| Direction::parse(&d)).zip(old_value.and_then(|v| v.parse().ok()));
        let Some(new) = Direction::parse(&new_direction).zip(new_value.parse().ok()) else { continue };
        history.entry(kpi).or_default().push(TargetChange {
            period,
            old,
            new,
            owner,
            who,
            when: crate::time::stockholm_time(&when),
            why,
        });
    }
    Ok(history)
}

/// Sets (or changes) a target, keeping the change with who, when and why, in one
/// transaction with its audit event.
pub async fn set_target(
    conn: &mut AnyConnection,
    person: PersonId,
    target: &Target,
) -> Result<(), sqlx::Error> {
    let now = db::now();
    let period = target.period.code();
    let old: Option<(String, String)> =
        sqlx::query_as("SELECT direction, value FROM kpi_targets WHERE kpi = $1 AND period = $2")
            .bind(target.kpi.code())
            .bind(&period)
            .fetch_optional(&mut *conn)
            .await?;
    let value = target.value.to_string();
    sqlx::query("DELETE FROM kpi_targets WHERE kpi = $1 AND period = $2")
        .bind(target.kpi.code())
        .bind(&period)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO kpi_targets (kpi, period, direction, value, owner, rationale, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(target.kpi.code())
    .bind(&period)
    .bind(target.direction.code())
    .bind(&value)
    .bind(&target.owner)
    .bind(&target.rationale)
    .bind(person.get())
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO kpi_target_changes (kpi, period, old_direction, old_value, new_direction, new_value, owner, \
         rationale, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(target.kpi.code())
    .bind(&period)
    .bind(old.as_ref().map(|(d, _)| d.clone()))
    .bind(old.as_ref().map(|(_, v)| v.clone()))
    .bind(target.direction.code())
    .bind(&value)
    .bind(&target.owner)
    .bind(&target.rationale)
    .bind(person.get())
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    let old_text = old.map(|(direction, value)| format!("{direction} {value}"));
    let mut event = NewEvent::transition(
        Some(person.get()),
        "kpi_target",
        format!("{}:{period}", target.kpi.code()),
        "kpi_target_set",
        old_text.as_deref(),
        Some(&format!("{} {value}", target.direction.code())),
    );
    event.reason = Some(target.rationale.clone());
    record_in(conn, event).await?;
    Ok(())
}

/// Every board note with who wrote it, newest first.
pub async fn notes(conn: &mut AnyConnection) -> Result<Vec<(Note, BoardNote)>, sqlx::Error> {
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT n.kpi, n.period, n.kind, n.body, p.display_name, n.written_at \
         FROM kpi_notes n JOIN people p ON p.id = n.written_by ORDER BY n.id DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kpi, period, kind, text, who, when)| {
            let note = Note {
                kpi: Kpi::parse(&kpi)?,
                period: TargetPeriod::parse(&period)?,
                kind: NoteKind::parse(&kind)?,
                text: text.clone(),
            };
            let shown =
                BoardNote { period, kind: note.kind, text, who, when: crate::time::stockholm_time(&when) };
            Some((note, shown))
        })
        .collect())
}

/// Adds a board note, with its audit event, in the caller's transaction.
pub async fn add_note(conn: &mut AnyConnection, person: PersonId, note: &Note) -> Result<(), sqlx::Error> {
    let period = note.period.code();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO kpi_notes (kpi, period, kind, body, written_by, written_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id",
    )
    .bind(note.kpi.code())
    .bind(&period)
    .bind(note.kind.code())
    .bind(&note.text)
    .bind(person.get())
    .bind(db::now())
    .fetch_one(&mut *conn)
    .await?;
    let mut event = NewEvent::transition(
        Some(person.get()),
        "kpi_note",
        id.to_string(),
        "kpi_note_added",
        None,
        Some(&format!("{} {} {period}", note.kind.code(), note.kpi.code())),
    );
    event.reason = Some(note.text.clone());
    record_in(conn, event).await?;
    Ok(())
}

/// Titles of the applications, proposals and agreements a drill-down lists.
pub async fn titles(
    conn: &mut AnyConnection,
    table: &str,
    ids: &[i64],
) -> Result<BTreeMap<i64, String>, sqlx::Error> {
    let mut sql = db::Sql::default();
    sql.push(&format!("SELECT id, title FROM {table} WHERE id IN (")).bind_ints(ids).push(")");
    Ok(sql.query_as::<(i64, String)>().fetch_all(&mut *conn).await?.into_iter().collect())
}

/// What the snapshot job has stored so far.
pub async fn snapshots_taken(conn: &mut AnyConnection) -> Result<Taken, sqlx::Error> {
    let rows: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT kpi, month, scope, definition_version FROM kpi_snapshots")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kpi, month, scope, version)| {
            Some((
                Kpi::parse(&kpi)?,
                Month::parse(&month)?,
                SnapshotScope::parse(&scope)?,
                u32::try_from(version).ok()?,
            ))
        })
        .collect())
}

/// The stored closed months of one scope, by KPI: for a month stored under several
/// definitions, the first (what the board was shown when the month closed).
pub async fn stored_months(
    conn: &mut AnyConnection,
    scope: SnapshotScope,
) -> Result<BTreeMap<Kpi, BTreeMap<Month, StoredMonth>>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT kpi, month, definition_version, records, yes, value FROM kpi_snapshots WHERE scope = $1 \
         ORDER BY definition_version DESC",
    )
    .bind(scope.code())
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: BTreeMap<Kpi, BTreeMap<Month, StoredMonth>> = BTreeMap::new();
    for (kpi, month, version, records, yes, value) in rows {
        let (Some(kpi), Some(month)) = (Kpi::parse(&kpi), Month::parse(&month)) else { continue };
        let parts = Parts {
            records: records.max(0) as u64,
            yes: yes.max(0) as u64,
            value: value.and_then(|v| v.parse().ok()),
        };
        let definition_version = u32::try_from(version).unwrap_or_default();
        // Lower versions come last and win: the first definition a month was stored under.
        stored.entry(kpi).or_default().insert(month, StoredMonth { parts, definition_version });
    }
    Ok(stored)
}

/// Stores the snapshots due on `now`'s day; answers how many were stored. Two replicas
/// cannot both take the job's lease, and a snapshot already stored is left as it was.
pub async fn take_snapshots(db: &db::Db, now: chrono::DateTime<chrono::Utc>) -> Result<usize, FactsError> {
    let mut conn = db.read().await?;
    let facts = facts(&mut conn).await?;
    let taken = snapshots_taken(&mut conn).await?;
    let nodes: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM nodes ORDER BY id").fetch_all(&mut *conn).await?;
    drop(conn);
    let today = kernel::stockholm::date(now);
    let first_day = kernel::kpi::public::all_time(&facts, today).from;
    let nodes: Vec<NodeId> = nodes.into_iter().map(NodeId).collect();
    let due = kernel::kpi::snapshots::due(&facts, &nodes, &taken, first_day, today);
    let mut tx = db.write().await?;
    for snapshot in &due {
        sqlx::query(
            "INSERT INTO kpi_snapshots (kpi, month, scope, definition_version, records, yes, value, taken_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(snapshot.kpi.code())
        .bind(snapshot.month.code())
        .bind(snapshot.scope.code())
        .bind(i64::from(snapshot.definition_version))
        .bind(snapshot.parts.records as i64)
        .bind(snapshot.parts.yes as i64)
        .bind(snapshot.parts.value.map(|v| v.to_string()))
        .bind(db::timestamp(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
