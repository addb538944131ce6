//! How agreements are kept: the executor's [`Stored`] for the aggregate (facts read in the
//! command's transaction, the read tables, the mail), the collaboration models, the list
//! each viewer reads, and the public record of signed versions.

use crate::db::{self, Db, Sql};
use crate::i18n::Lang;
use crate::notifications::model::{About, Notice, PORTAL};
use crate::workflow::{self, ExecuteError, Logged, Stored};
use chrono::{DateTime, NaiveDate, Utc};
use kernel::agreement::model::CollaborationModel;
use kernel::agreement::review::ApprovalRole;
use kernel::agreement::schedule::ScheduleItem;
use kernel::agreement::{
    Actor, Agreement, AgreementFacts, AgreementState, Command, Event, Person, Refusal, Roles,
    SelectedProposal,
};
use kernel::{AgreementId, CompanyId, ModelId, NodeId, OrganisationId, PersonId, ProposalId};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};

pub type AgreementError = ExecuteError<Refusal>;
pub type LoggedEvent = Logged<Event>;

impl Stored for Agreement {
    const SUBJECT: &'static str = "agreement";
    const TABLE: &'static str = "agreements";
    const EVENTS: &'static str = "agreement_events";
    const KEY: &'static str = "agreement_id";

    fn state_code(&self) -> &'static str {
        self.state.code()
    }

    fn actor_id(actor: &Actor) -> Option<PersonId> {
        actor.id()
    }

    fn event_reason(event: &Event) -> Option<String> {
        event.reason().map(str::to_owned)
    }

    async fn facts(
        conn: &mut AnyConnection,
        id: i64,
        agreement: &Agreement,
    ) -> Result<AgreementFacts, sqlx::Error> {
        facts(conn, id, agreement).await
    }

    async fn project(
        conn: &mut AnyConnection,
        id: i64,
        agreement: &Agreement,
        event: &Event,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        project(conn, id, agreement, event, at).await
    }

    async fn notify(
        conn: &mut AnyConnection,
        id: i64,
        agreement: &Agreement,
        facts: &AgreementFacts,
        event: &Event,
        _actor: Option<PersonId>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        notify(conn, id, agreement, facts, event, at).await
    }
}

/// The facts the agreement's rules need from outside its log: its id, the selected
/// proposal it may be created from, the nodes of its parties, and who holds each
/// approval role.
pub async fn facts(
    conn: &mut AnyConnection,
    id: i64,
    agreement: &Agreement,
) -> Result<AgreementFacts, sqlx::Error> {
    let selected: Option<(i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.company_id FROM agreements a JOIN proposals p ON p.id = a.proposal_id \
         WHERE a.id = $1 AND p.decision = 'selected'",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let nodes = party_nodes(conn, agreement).await?;
    Ok(AgreementFacts {
        agreement: AgreementId(id),
        selected_proposal: selected.map(|(proposal, company)| SelectedProposal {
            proposal: ProposalId(proposal),
            company: CompanyId(company),
        }),
        nodes,
        approvers: approvers(conn).await?,
    })
}

/// Who holds each internal approval role.
async fn approvers(
    conn: &mut AnyConnection,
) -> Result<BTreeMap<ApprovalRole, BTreeSet<PersonId>>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT role, person_id FROM agreement_approvers").fetch_all(&mut *conn).await?;
    let mut approvers: BTreeMap<ApprovalRole, BTreeSet<PersonId>> = BTreeMap::new();
    for (role, person) in rows {
        if let Some(role) = ApprovalRole::parse(&role) {
            approvers.entry(role).or_default().insert(PersonId(person));
        }
    }
    Ok(approvers)
}

/// [`load_with_facts`] for a list's rows, in four queries rather than several per row.
pub async fn load_many_with_facts(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<BTreeMap<i64, (Agreement, AgreementFacts)>, AgreementError> {
    let agreements = workflow::load_many::<Agreement>(conn, ids).await?;
    let mut sql = Sql::default();
    sql.push(
        "SELECT a.id, p.id, p.company_id FROM agreements a JOIN proposals p ON p.id = a.proposal_id \
         WHERE p.decision = 'selected' AND a.id IN (",
    );
    sql.bind_ints(ids).push(")");
    let selected: BTreeMap<i64, (i64, i64)> = sql
        .query_as::<(i64, i64, i64)>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, proposal, company)| (id, (proposal, company)))
        .collect();
    let organisations: BTreeSet<i64> =
        agreements.values().flat_map(|a| a.party_organisations()).map(i64::from).collect();
    let mut sql = Sql::default();
    sql.push("SELECT id, node_id FROM organisations WHERE node_id IS NOT NULL AND id IN (");
    sql.bind_ints(&organisations.into_iter().collect::<Vec<_>>()).push(")");
    let node_of: BTreeMap<i64, i64> =
        sql.query_as::<(i64, i64)>().fetch_all(&mut *conn).await?.into_iter().collect();
    let approvers = approvers(conn).await?;
    Ok(agreements
        .into_iter()
        .map(|(id, agreement)| {
            let facts = AgreementFacts {
                agreement: AgreementId(id),
                selected_proposal: selected.get(&id).map(|(proposal, company)| SelectedProposal {
                    proposal: ProposalId(*proposal),
                    company: CompanyId(*company),
                }),
                nodes: agreement
                    .party_organisations()
                    .into_iter()
                    .filter_map(|o| node_of.get(&i64::from(o)).copied().map(NodeId))
                    .collect(),
                approvers: approvers.clone(),
            };
            (id, (agreement, facts))
        })
        .collect())
}

/// The nodes of the agreement's parties (their coordinators take part).
async fn party_nodes(
    conn: &mut AnyConnection,
    agreement: &Agreement,
) -> Result<BTreeSet<NodeId>, sqlx::Error> {
    let organisations: Vec<i64> = agreement.party_organisations().into_iter().map(i64::from).collect();
    if organisations.is_empty() {
        return Ok(BTreeSet::new());
    }
    let mut sql = Sql::default();
    sql.push("SELECT DISTINCT node_id FROM organisations WHERE node_id IS NOT NULL AND id IN (");
    sql.bind_ints(&organisations).push(")");
    let rows: Vec<i64> = sql.query_scalar().fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(NodeId).collect())
}

/// The read tables after one event: the row the lists read, who takes part, and the
/// public record of a version that came into force.
async fn project(
    conn: &mut AnyConnection,
    id: i64,
    agreement: &Agreement,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let content = agreement.current().map(|v| &v.content);
    let title = content.map(|c| c.terms.title.clone()).unwrap_or_default();
    let model = content.and_then(|c| c.model.as_ref()).map(|m| m.name.sv.clone());
    let next = agreement.next_due();
    sqlx::query(
        "UPDATE agreements SET state = $1, title = $2, model_name = $3, next_due = $4, next_due_what = $5 WHERE id = $6",
    )
    .bind(agreement.state.code())
    .bind(&title)
    .bind(model)
    .bind(next.as_ref().map(|(due, _)| due.to_string()))
    .bind(next.as_ref().map(|(_, item)| schedule_item_code(item)))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let latest = agreement.latest().map(|v| &v.content.terms);
    let parties: BTreeSet<OrganisationId> = agreement.party_organisations();
    let signers: BTreeSet<PersonId> = latest
        .map(|t| {
            t.parties
                .iter()
                .flat_map(|p| p.signatories.iter().map(|s| s.person))
                .chain(t.researchers.iter().map(|r| r.person))
                .collect()
        })
        .unwrap_or_default();
    replace_set(conn, "agreement_parties", "organisation_id", id, parties.iter().map(|o| o.get())).await?;
    replace_set(conn, "agreement_signers", "person_id", id, signers.iter().map(|p| p.get())).await?;
    let nodes = party_nodes(conn, agreement).await?;
    replace_set(conn, "agreement_nodes", "node_id", id, nodes.iter().map(|n| n.get())).await?;
    if let Event::CameIntoForce { version } = event
        && let Some(round) = agreement.signatures.iter().rev().find(|s| s.version == *version)
    {
        sqlx::query(
            "INSERT INTO signed_versions (hash, agreement_id, version, in_force_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&round.hash)
        .bind(id)
        .bind(i64::from(*version))
        .bind(db::timestamp(at))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What a list says is due next: `milestone:M1` or `obligation:R`.
fn schedule_item_code(item: &ScheduleItem) -> String {
    match item {
        ScheduleItem::Milestone { code } => format!("milestone:{code}"),
        ScheduleItem::Obligation { code, .. } => format!("obligation:{code}"),
    }
}

/// Rewrites one projection table's rows for the agreement.
async fn replace_set(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    id: i64,
    values: impl Iterator<Item = i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("DELETE FROM {table} WHERE agreement_id = $1")).bind(id).execute(&mut *conn).await?;
    let insert = format!("INSERT INTO {table} (agreement_id, {column}) VALUES ($1, $2)");
    for value in values {
        sqlx::query(&insert).bind(id).bind(value).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The mail one event causes: approvers when their turn comes, signers when theirs does,
/// every signer when the agreement comes into force or is asked to change.
async fn notify(
    conn: &mut AnyConnection,
    id: i64,
    agreement: &Agreement,
    facts: &AgreementFacts,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let due_approvers = || -> Vec<PersonId> {
        if agreement.state != AgreementState::InternalReview {
            return Vec::new();
        }
        let checklist = agreement.checklist();
        checklist
            .iter()
            .filter(|item| item.step == kernel::agreement::review::Step::Pending)
            .flat_map(|item| facts.approvers.get(&item.role).into_iter().flatten().copied())
            .collect()
    };
    let next_signers = || -> Vec<PersonId> {
        agreement
            .pending_slots()
            .into_iter()
            .filter(|slot| agreement.waiting_for(slot).is_empty())
            .map(|slot| slot.signer)
            .collect()
    };
    let everyone = || -> Vec<PersonId> {
        let mut people: BTreeSet<PersonId> = BTreeSet::new();
        if let Some(terms) = agreement.latest().map(|v| &v.content.terms) {
            people.extend(terms.parties.iter().flat_map(|p| p.signatories.iter().map(|s| s.person)));
            people.extend(terms.researchers.iter().map(|r| r.person));
        }
        people.into_iter().collect()
    };
    let (kind, recipients): (&'static str, Vec<PersonId>) = match event {
        Event::SentForInternalReview { .. } | Event::RoleApproved { .. } => {
            ("agreement_review", due_approvers())
        }
        Event::SentForSignature { .. } | Event::Signed(_) => ("agreement_sign", next_signers()),
        Event::ChangesRequested { .. } => ("agreement_changes", everyone()),
        Event::CameIntoForce { .. } => ("agreement_in_force", everyone()),
        _ => return Ok(()),
    };
    let title = agreement.current().map(|v| v.content.terms.title.clone()).unwrap_or_default();
    let link = format!("{PORTAL}/agreements/{id}");
    let dedupe = |person: PersonId| match event {
        // Each approver and signer hears once that it is their turn for this version.
        Event::RoleApproved { .. } | Event::SentForInternalReview { .. } => Some(format!(
            "agreement:{id}:review:{}:{person}",
            agreement.latest().map(|v| v.number).unwrap_or(0)
        )),
        Event::Signed(_) | Event::SentForSignature { .. } => Some(format!(
            "agreement:{id}:sign:{}:{person}",
            agreement.signing.as_ref().map(|r| r.version).unwrap_or(0)
        )),
        _ => None,
    };
    for (recipient, email, lang) in crate::cohort_access::notices::people(&mut *conn, &recipients).await? {
        let notice = Notice {
            kind,
            recipient_id: recipient.map(i64::from),
            email,
            lang,
            args: vec![("title", title.clone()), ("link", link.clone())],
            about: About::Nothing,
            dedupe_key: recipient.and_then(dedupe),
        };
        crate::notifications::store::queue(&mut *conn, &notice, now).await?;
    }
    Ok(())
}

/// The reminders due today for every agreement in force (two weeks before, on the day,
/// overdue), each queued once to the responsible party's signatories: the hourly job.
pub async fn send_due_reminders(db: &Db, now: DateTime<Utc>) -> Result<usize, AgreementError> {
    let today = kernel::stockholm::date(now);
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM agreements WHERE next_due IS NOT NULL ORDER BY id")
            .fetch_all(db.pool())
            .await?;
    let mut queued = 0;
    for id in ids {
        let mut tx = db.write().await?;
        let (agreement, _) = workflow::load::<Agreement>(&mut tx, id).await?;
        let Some(terms) = agreement.in_force_version().map(|v| v.content.terms.clone()) else { continue };
        for reminder in agreement.due_reminders(today) {
            let signers: Vec<PersonId> = terms
                .parties
                .iter()
                .filter(|p| p.organisation == reminder.responsible)
                .flat_map(|p| p.signatories.iter().map(|s| s.person))
                .collect();
            let what = match &reminder.item {
                ScheduleItem::Milestone { code } => {
                    terms.milestones.iter().find(|m| &m.code == code).map(|m| format!("{code}: {}", m.title))
                }
                ScheduleItem::Obligation { code, kind } => Some(format!("{code}: {}", kind.code())),
            }
            .unwrap_or_default();
            for (recipient, email, lang) in crate::cohort_access::notices::people(&mut tx, &signers).await? {
                let notice = Notice {
                    kind: reminder_kind(reminder.kind),
                    recipient_id: recipient.map(i64::from),
                    email,
                    lang,
                    args: vec![
                        ("title", terms.title.clone()),
                        ("what", what.clone()),
                        ("due", reminder.due.to_string()),
                        ("link", format!("{PORTAL}/agreements/{id}")),
                    ],
                    about: About::Nothing,
                    dedupe_key: Some(format!(
                        "agreement:{id}:{}:{}",
                        reminder.key(),
                        recipient.unwrap_or_default()
                    )),
                };
                if crate::notifications::store::queue(&mut tx, &notice, now).await? {
                    queued += 1;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(queued)
}

fn reminder_kind(kind: kernel::agreement::schedule::ReminderKind) -> &'static str {
    use kernel::agreement::schedule::ReminderKind;
    match kind {
        ReminderKind::TwoWeeksBefore => "agreement_due_soon",
        ReminderKind::OnTheDay => "agreement_due_today",
        ReminderKind::Overdue => "agreement_overdue",
    }
}

/// Expires every agreement in force whose end date has passed in Stockholm: the hourly job.
pub async fn expire_ended(db: &Db, now: DateTime<Utc>) -> Result<usize, AgreementError> {
    let today = kernel::stockholm::date(now);
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM agreements WHERE state IN ('active', 'on_hold') ORDER BY id")
            .fetch_all(db.pool())
            .await?;
    let mut expired = 0;
    for id in ids {
        let mut conn = db.read().await?;
        let (agreement, _) = workflow::load::<Agreement>(&mut conn, id).await?;
        drop(conn);
        let ended =
            agreement.in_force_version().and_then(|v| v.content.terms.end).is_some_and(|end| end < today);
        if ended {
            match workflow::execute::<Agreement>(db, id, &Actor::System, Command::Expire, now).await {
                Ok(_) => expired += 1,
                Err(ExecuteError::Refused(_)) => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(expired)
}

/// The person as agreements' rules see them: roles, the organisations they belong to,
/// the nodes they coordinate.
pub async fn actor(
    conn: &mut AnyConnection,
    person: &crate::identity::model::SignedInPerson,
) -> Result<Actor, sqlx::Error> {
    use crate::identity::model::Role;
    let organisations: Vec<i64> =
        sqlx::query_scalar("SELECT organisation_id FROM memberships WHERE person_id = $1")
            .bind(person.id.get())
            .fetch_all(&mut *conn)
            .await?;
    Ok(Actor::Person(Person {
        id: person.id,
        roles: Roles {
            administrator: person.has_role(Role::Administrator),
            board: person.has_role(Role::SteeringBoardMember),
        },
        organisations: organisations.into_iter().map(OrganisationId).collect(),
        coordinates: person
            .grants
            .iter()
            .filter(|g| g.role == Role::NodeCoordinator)
            .filter_map(|g| g.node_id)
            .collect(),
    }))
}

/// The agreement with its log and the facts around it, read on one connection.
pub async fn load_with_facts(
    conn: &mut AnyConnection,
    id: AgreementId,
) -> Result<(Agreement, Vec<LoggedEvent>, AgreementFacts), AgreementError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM agreements WHERE id = $1")
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(ExecuteError::NotFound);
    }
    let (agreement, log) = workflow::load::<Agreement>(conn, id.get()).await?;
    let facts = facts(conn, id.get(), &agreement).await?;
    Ok((agreement, log, facts))
}

/// One row of an agreements list.
#[derive(Debug, Clone)]
pub struct ListedAgreement {
    pub id: AgreementId,
    pub title: String,
    pub state: AgreementState,
    pub model_name: Option<String>,
    pub next_due: Option<NaiveDate>,
    pub next_due_what: Option<String>,
    pub parties: Vec<String>,
}

/// What a list may be narrowed to (from the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub state: Option<AgreementState>,
    pub organisation: Option<OrganisationId>,
    pub overdue_on: Option<NaiveDate>,
}

/// The agreements this person could see, as the projections name who takes part (the
/// aggregate's visibility is asked again for each before it is shown): everything for
/// administrators and the board, else those where they belong to a party, are named to
/// sign, coordinate a node involved or hold an approval role. Overdue first, then by
/// what is due next, then newest.
pub async fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &ListFilter,
    limit: i64,
) -> Result<Vec<ListedAgreement>, sqlx::Error> {
    let Some(person) = actor.person() else { return Ok(Vec::new()) };
    let mut sql = Sql::default();
    sql.push("SELECT a.id, a.title, a.state, a.model_name, a.next_due, a.next_due_what FROM agreements a WHERE 1 = 1");
    if !(person.roles.administrator || person.roles.board) {
        let organisations: Vec<i64> = person.organisations.iter().map(|o| o.get()).collect();
        let nodes: Vec<i64> = person.coordinates.iter().map(|n| n.get()).collect();
        sql.push(" AND (EXISTS (SELECT 1 FROM agreement_parties p WHERE p.agreement_id = a.id AND p.organisation_id IN (");
        sql.bind_ints(&organisations);
        sql.push(
            ")) OR EXISTS (SELECT 1 FROM agreement_nodes n WHERE n.agreement_id = a.id AND n.node_id IN (",
        );
        sql.bind_ints(&nodes);
        sql.push(
            ")) OR EXISTS (SELECT 1 FROM agreement_signers s WHERE s.agreement_id = a.id AND s.person_id = ",
        );
        sql.bind(db::Bind::Int(person.id.get()));
        sql.push(") OR EXISTS (SELECT 1 FROM agreement_approvers r WHERE r.person_id = ");
        sql.bind(db::Bind::Int(person.id.get()));
        sql.push("))");
    }
    if let Some(state) = filter.state {
        sql.push(" AND a.state = ").bind(db::Bind::Text(state.code().to_owned()));
    }
    if let Some(organisation) = filter.organisation {
        sql.push(" AND EXISTS (SELECT 1 FROM agreement_parties f WHERE f.agreement_id = a.id AND f.organisation_id = ");
        sql.bind(db::Bind::Int(organisation.get())).push(")");
    }
    if let Some(today) = filter.overdue_on {
        sql.push(" AND a.next_due < ").bind(db::Bind::Text(today.to_string()));
    }
    sql.push(" ORDER BY CASE WHEN a.next_due IS NULL THEN 1 ELSE 0 END, a.next_due, a.id DESC LIMIT ");
    sql.bind(db::Bind::Int(limit));
    type Row = (i64, String, String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sql.query_as().fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    if !ids.is_empty() {
        let mut sql = Sql::default();
        sql.push(
            "SELECT p.agreement_id, o.name FROM agreement_parties p JOIN organisations o ON o.id = p.organisation_id \
             WHERE p.agreement_id IN (",
        );
        sql.bind_ints(&ids).push(") ORDER BY o.name");
        let rows: Vec<(i64, String)> = sql.query_as().fetch_all(&mut *conn).await?;
        for (id, name) in rows {
            names.entry(id).or_default().push(name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, title, state, model_name, next_due, next_due_what)| ListedAgreement {
            id: AgreementId(id),
            title,
            state: AgreementState::parse(&state).unwrap_or_default(),
            model_name,
            next_due: next_due.as_deref().and_then(kernel::dates::parse),
            next_due_what,
            parties: names.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// Stores the example collaboration models (version 1 of each) unless a version of them
/// is stored already.
pub async fn seed_models(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let mut stored = 0;
    for model in kernel::agreement::example_models() {
        let inserted = sqlx::query(
            "INSERT INTO collaboration_models (model_id, version, payload, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (model_id, version) DO NOTHING",
        )
        .bind(model.id.get())
        .bind(i64::from(model.version))
        .bind(serde_json::to_string(&model).unwrap_or_default())
        .bind(db::timestamp(now))
        .execute(&mut *conn)
        .await?;
        stored += inserted.rows_affected() as usize;
    }
    Ok(stored)
}

/// The latest version of every collaboration model.
pub async fn models(conn: &mut AnyConnection) -> Result<Vec<CollaborationModel>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT m.payload FROM collaboration_models m WHERE m.version = \
         (SELECT MAX(l.version) FROM collaboration_models l WHERE l.model_id = m.model_id) ORDER BY m.model_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().filter_map(|payload| serde_json::from_str(payload).ok()).collect())
}

/// The latest version of one model.
pub async fn model(conn: &mut AnyConnection, id: ModelId) -> Result<Option<CollaborationModel>, sqlx::Error> {
    let payload: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM collaboration_models WHERE model_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
}

/// Stores a changed model as its next version (agreements keep the copy they chose).
pub async fn save_model_version(
    db: &Db,
    model: &CollaborationModel,
    by: PersonId,
    now: DateTime<Utc>,
) -> Result<u32, sqlx::Error> {
    let mut tx = db.write().await?;
    let latest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM collaboration_models WHERE model_id = $1")
            .bind(model.id.get())
            .fetch_one(&mut *tx)
            .await?;
    let version = u32::try_from(latest.unwrap_or(0) + 1).unwrap_or(u32::MAX);
    let stored = CollaborationModel { version, ..model.clone() };
    sqlx::query(
        "INSERT INTO collaboration_models (model_id, version, payload, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(model.id.get())
    .bind(i64::from(version))
    .bind(serde_json::to_string(&stored).unwrap_or_default())
    .bind(by.get())
    .bind(db::timestamp(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// What the public verification page may say of a signed version: the agreement's title,
/// its parties, its signers and when; never its content.
#[derive(Debug, Clone)]
pub struct SignedVersion {
    pub agreement: AgreementId,
    pub version: u32,
    pub in_force_at: String,
    pub parties: Vec<String>,
    pub signers: Vec<(String, String)>,
}

pub async fn signed_version(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<SignedVersion>, AgreementError> {
    let row: Option<(i64, i64, String)> =
        sqlx::query_as("SELECT agreement_id, version, in_force_at FROM signed_versions WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((id, version, in_force_at)) = row else { return Ok(None) };
    let (agreement, _) = workflow::load::<Agreement>(conn, id).await?;
    let version = u32::try_from(version).unwrap_or_default();
    let parties = agreement
        .version(version)
        .map(|v| v.content.terms.parties.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    let signers = agreement
        .signatures
        .iter()
        .filter(|s| s.version == version)
        .map(|s| (s.name.clone(), db::timestamp(s.server_time)))
        .collect();
    Ok(Some(SignedVersion { agreement: AgreementId(id), version, in_force_at, parties, signers }))
}

/// When a version came into force (every signatory signed it), if it has: only such a
/// version becomes a document.
pub async fn in_force_since(
    conn: &mut AnyConnection,
    id: AgreementId,
    version: u32,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let at: Option<String> = sqlx::query_scalar(
        "SELECT in_force_at FROM signed_versions WHERE agreement_id = $1 AND version = $2",
    )
    .bind(id.get())
    .bind(i64::from(version))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(at.as_deref().and_then(db::parse_timestamp))
}

/// Records that a PDF with this SHA-256 was handed out of a signed version (once per
/// distinct file: the same version always renders to the same bytes).
pub async fn record_issued_document(
    conn: &mut AnyConnection,
    sha256: &str,
    id: AgreementId,
    version: u32,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO issued_documents (sha256, agreement_id, version, first_issued_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(id.get())
    .bind(i64::from(version))
    .bind(db::timestamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The signed version's hash a handed-out PDF is of, by the SHA-256 of the file's bytes.
pub async fn issued_document(conn: &mut AnyConnection, sha256: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.hash FROM issued_documents d \
         JOIN signed_versions s ON s.agreement_id = d.agreement_id AND s.version = d.version \
         WHERE d.sha256 = $1",
    )
    .bind(sha256)
    .fetch_optional(&mut *conn)
    .await
}

/// The language a version is shown in, for a reader of this language.
pub fn reading_language(lang: Lang) -> kernel::agreement::model::Language {
    match lang {
        Lang::Sv => kernel::agreement::model::Language::Sv,
        Lang::En => kernel::agreement::model::Language::En,
    }
}

/// The organisations a list may be narrowed to: the parties of agreements this person's
/// list could hold (all, for administrators and the board; else their own organisations).
pub async fn party_choices(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let Some(person) = actor.person() else { return Ok(Vec::new()) };
    let mut sql = Sql::default();
    sql.push(
        "SELECT DISTINCT o.id, o.name FROM agreement_parties p JOIN organisations o ON o.id = p.organisation_id",
    );
    if !(person.roles.administrator || person.roles.board) {
        sql.push(" WHERE o.id IN (");
        sql.bind_ints(&person.organisations.iter().map(|o| o.get()).collect::<Vec<_>>()).push(")");
    }
    sql.push(" ORDER BY o.name");
    sql.query_as().fetch_all(&mut *conn).await
}

/// People's display names by id.
pub async fn names(conn: &mut AnyConnection, ids: &[PersonId]) -> Result<super::views::Names, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut sql = Sql::default();
    sql.push("SELECT id, display_name FROM people WHERE id IN (");
    sql.bind_ints(&ids.iter().map(|id| id.get()).collect::<Vec<_>>()).push(")");
    let rows: Vec<(i64, String)> = sql.query_as().fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(id, name)| (PersonId(id), name)).collect())
}

/// A demo person's subject (the demo confirmation records it); `None` for anyone who
/// signs in through a real identity provider.
pub async fn demo_subject(conn: &mut AnyConnection, person: PersonId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT subject FROM people WHERE id = $1 AND is_demo = 1")
        .bind(person.get())
        .fetch_optional(&mut *conn)
        .await
}

/// Creates the agreement a selected proposal started, in the proposal command's own
/// transaction, as the person who started it: the company as coordinator (its
/// organisation number and size), the proposal's title and summary, its background IP and
/// the TRL its reviewers assessed (the median; the claimed TRL without reviews). Budget and
/// milestones are free text in a proposal, so the parties enter them as typed rows; legal
/// and then finance review it.
pub async fn create_from_proposal(
    conn: &mut AnyConnection,
    agreement_id: i64,
    proposal_id: i64,
    at: DateTime<Utc>,
) -> Result<(), AgreementError> {
    use kernel::agreement::model::{Language, PartyKind};
    use kernel::agreement::review::{ApprovalOrder, ApprovalPlan};
    use kernel::agreement::terms::{self, BackgroundEntry, Party, PartyRole, Terms};
    type Row = (i64, String, i64, i64, String, Option<String>, Option<String>, Option<String>);
    let (company, form, started_by, _, name, kind, org_number, size): Row = sqlx::query_as(
        "SELECT p.company_id, p.form, a.started_by, o.id, o.name, o.company_kind, c.org_number, c.size \
         FROM agreements a JOIN proposals p ON p.id = a.proposal_id JOIN organisations o ON o.id = p.company_id \
         LEFT JOIN company_profiles c ON c.organisation_id = o.id WHERE a.id = $1 AND p.id = $2",
    )
    .bind(agreement_id)
    .bind(proposal_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ExecuteError::NotFound)?;
    let form: crate::co_creation::form::ProposalForm = serde_json::from_str(&form).unwrap_or_default();
    let mut assessed: Vec<i64> = sqlx::query_scalar(
        "SELECT assessed_trl FROM reviews WHERE proposal_id = $1 AND submitted_at IS NOT NULL AND assessed_trl IS NOT NULL",
    )
    .bind(proposal_id)
    .fetch_all(&mut *conn)
    .await?;
    assessed.sort_unstable();
    let trl = assessed
        .get(assessed.len() / 2)
        .and_then(|t| u8::try_from(*t).ok())
        .or(form.trl_claimed)
        .filter(|t| (1..=9).contains(t));
    let fit = |text: &str, max: usize| text.trim().chars().take(max).collect::<String>();
    let company_id = OrganisationId(company);
    let background = (!form.background_ip.trim().is_empty()).then(|| BackgroundEntry {
        party: company_id,
        what: fit(&form.background_ip, terms::MAX_TEXT),
        owner: fit(&name, terms::MAX_TEXT),
        restrictions: String::new(),
        project_use: String::new(),
        exploitation: String::new(),
        essential: false,
    });
    let party_kind = kind
        .as_deref()
        .and_then(kernel::codes::CompanyKind::parse)
        .map(PartyKind::of_company)
        .unwrap_or(PartyKind::Sme);
    let terms = Terms {
        title: fit(&form.title, terms::MAX_TITLE),
        purpose: fit(&form.summary, terms::MAX_TEXT),
        language: Language::Sv,
        parties: vec![Party {
            organisation: company_id,
            name: fit(&name, terms::MAX_NAME),
            kind: party_kind,
            organisation_number: fit(
                org_number.as_deref().unwrap_or_default(),
                terms::MAX_ORGANISATION_NUMBER,
            ),
            role: PartyRole::Coordinator,
            size: size.as_deref().and_then(kernel::codes::CompanySize::parse),
            signatories: Vec::new(),
        }],
        background: background.into_iter().collect(),
        trl_start: trl,
        ..Terms::default()
    };
    let person = crate::identity::store::person_on(conn, started_by).await?.ok_or(ExecuteError::NotFound)?;
    let actor = actor(conn, &person).await?;
    let command = Command::CreateFromProposal {
        proposal: ProposalId(proposal_id),
        company: CompanyId(company),
        approval: ApprovalPlan {
            roles: vec![ApprovalRole::Legal, ApprovalRole::Finance],
            order: ApprovalOrder::InOrder,
        },
        terms,
    };
    workflow::execute_in::<Agreement>(conn, agreement_id, &actor, command, at).await?;
    Ok(())
}

/// What the terms editor looks names up in: every organisation that may be a party
/// (agencies may not), and the people the terms name or the form gives by e-mail.
pub async fn register(
    conn: &mut AnyConnection,
    terms: &kernel::agreement::terms::Terms,
    emails: &[String],
) -> Result<kernel::agreement::form::Register, sqlx::Error> {
    use kernel::agreement::form::{Register, RegisteredOrganisation, RegisteredPerson};
    use kernel::agreement::model::PartyKind;
    let organisations: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, name, kind, company_kind FROM organisations WHERE kind <> 'agency' ORDER BY name LIMIT 2000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let kind_of = |kind: &str, company: Option<&str>| match kind {
        "university" => Some(PartyKind::University),
        "hospital" | "region" => Some(PartyKind::UniversityHospitalRegion),
        "company" => company.and_then(kernel::codes::CompanyKind::parse).map(PartyKind::of_company),
        _ => None,
    };
    let mut register = Register::default();
    for (id, name, kind, company) in organisations {
        if let Some(kind) = kind_of(&kind, company.as_deref()) {
            register.organisations.insert(OrganisationId(id), RegisteredOrganisation { name, kind });
        }
    }
    let named: Vec<i64> = terms
        .parties
        .iter()
        .flat_map(|p| p.signatories.iter().map(|s| s.person.get()))
        .chain(terms.researchers.iter().map(|r| r.person.get()))
        .collect();
    let emails: Vec<String> =
        emails.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).take(500).collect();
    if named.is_empty() && emails.is_empty() {
        return Ok(register);
    }
    let mut sql = Sql::default();
    sql.push("SELECT id, display_name, email FROM people WHERE email IS NOT NULL AND (id IN (");
    sql.bind_ints(&named).push(") OR lower(email) IN (");
    if emails.is_empty() { sql.push("NULL") } else { sql.bind_list(&emails) }.push("))");
    let people: Vec<(i64, String, String)> = sql.query_as().fetch_all(&mut *conn).await?;
    register.people = people
        .into_iter()
        .map(|(id, name, email)| RegisteredPerson { id: PersonId(id), name, email })
        .collect();
    Ok(register)
}
