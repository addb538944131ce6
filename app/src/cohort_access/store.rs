//! Applications in the database: the event log is the record; `applications`,
//! `application_parts`, `application_team`, `application_reviewers`, `application_versions`,
//! `entitlements` and the exclusions are projections of it, rewritten in the same
//! transaction as each command's events (by the one executor, `crate::workflow`), together
//! with the mail the events cause.

use super::form::ApplicationForm;
use super::notices;
use crate::db::{self, Bind, Sql};
use crate::workflow::{self, Stored, project_exclusions};
use chrono::{DateTime, Utc};
use kernel::access::votes::{Majority, VoteRule};
use kernel::access::{
    AccessFacts, Actor, Application, Command, Context, Event, NodeRules, PartState, Refusal, Seats,
};
use kernel::{CohortId, NodeId, PersonId};
use sqlx::AnyConnection;
use std::collections::BTreeSet;

pub type ExecuteError = workflow::ExecuteError<Refusal>;
pub type LoggedEvent = workflow::Logged<Event>;

/// The node whose committee decides on cohort `c`: as set, else the node it was harvested
/// from, else the first node that holds it.
pub const DECIDING_NODE: &str = "COALESCE(c.deciding_node_id, c.source_node_id, \
     (SELECT cn.node_id FROM cohort_nodes cn JOIN nodes n ON n.id = cn.node_id \
      WHERE cn.cohort_id = c.id ORDER BY n.sort_order, n.id LIMIT 1))";

/// The application as its events tell it, with its log.
pub async fn load(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<(Application, Vec<LoggedEvent>), ExecuteError> {
    let (application, log) = workflow::load::<Application>(conn, id).await?;
    if application.applicant.is_none() {
        return Err(ExecuteError::NotFound);
    }
    Ok((application, log))
}

/// The seats of everyone who serves one of the application's nodes or cohorts, and who
/// holds the reviewer role: what the rules need to know beyond the log.
pub async fn access_facts(
    conn: &mut AnyConnection,
    application: &Application,
) -> Result<AccessFacts, sqlx::Error> {
    let mut facts = AccessFacts::default();
    let nodes: Vec<i64> = application.nodes().into_iter().map(i64::from).collect();
    let cohorts: Vec<i64> = application.parts.keys().copied().map(i64::from).collect();
    if !nodes.is_empty() {
        let mut sql = Sql::default();
        sql.push(
            "SELECT person_id, scope_node_id, scope_cohort_id FROM role_assignments WHERE revoked_at IS NULL AND \
             ((role IN ('access_committee_member', 'node_coordinator') AND scope_node_id IN (",
        );
        sql.bind_ints(&nodes).push(")) OR (role = 'access_committee_member' AND scope_cohort_id IN (");
        sql.bind_ints(&cohorts).push(")))");
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = sql.query_as().fetch_all(&mut *conn).await?;
        for (person, node, cohort) in rows {
            let seats: &mut Seats = facts.seats.entry(PersonId(person)).or_default();
            match (node, cohort) {
                (Some(node), _) => {
                    seats.nodes.insert(NodeId(node));
                }
                (None, Some(cohort)) => {
                    seats.cohorts.insert(CohortId(cohort));
                }
                _ => {}
            }
        }
    }
    let reviewers: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT person_id FROM role_assignments WHERE role = 'reviewer' AND revoked_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    facts.reviewers = reviewers.into_iter().map(PersonId).collect();
    Ok(facts)
}

/// Each node's rules for deciding (the defaults where a node has none).
pub async fn node_rules(
    conn: &mut AnyConnection,
    nodes: &[NodeId],
) -> Result<Vec<(NodeId, NodeRules)>, sqlx::Error> {
    let mut rules = Vec::with_capacity(nodes.len());
    for node in nodes {
        let row: Option<(i64, i64, i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT decision_months, extension_months, quorum, majority, chair_decides_ties, chair_person_id \
             FROM node_access_rules WHERE node_id = $1",
        )
        .bind(node.get())
        .fetch_optional(&mut *conn)
        .await?;
        let node_rules = match row {
            None => NodeRules::default(),
            Some((decision, extension, quorum, majority, ties, chair)) => NodeRules {
                clock: kernel::access::clock::ClockRules {
                    decision_months: decision.clamp(1, 12) as u32,
                    extension_months: extension.clamp(0, 12) as u32,
                },
                votes: VoteRule {
                    quorum: quorum.max(1) as usize,
                    majority: if majority == "two_thirds" { Majority::TwoThirds } else { Majority::Simple },
                    chair_decides_ties: ties != 0,
                },
                chair: chair.map(PersonId),
            },
        };
        rules.push((*node, node_rules));
    }
    Ok(rules)
}

/// Sets a node's rules.
pub async fn set_node_rules(
    conn: &mut AnyConnection,
    node: NodeId,
    rules: NodeRules,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO node_access_rules (node_id, decision_months, extension_months, quorum, majority, chair_decides_ties, chair_person_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (node_id) DO UPDATE SET \
             decision_months = excluded.decision_months, extension_months = excluded.extension_months, \
             quorum = excluded.quorum, majority = excluded.majority, chair_decides_ties = excluded.chair_decides_ties, \
             chair_person_id = excluded.chair_person_id, updated_at = excluded.updated_at",
    )
    .bind(node.get())
    .bind(i64::from(rules.clock.decision_months))
    .bind(i64::from(rules.clock.extension_months))
    .bind(rules.votes.quorum as i64)
    .bind(match rules.votes.majority {
        Majority::Simple => "simple",
        Majority::TwoThirds => "two_thirds",
    })
    .bind(i64::from(rules.votes.chair_decides_ties))
    .bind(rules.chair.map(PersonId::get))
    .bind(db::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Stored for Application {
    const SUBJECT: &'static str = "application";
    const TABLE: &'static str = "applications";
    const EVENTS: &'static str = "application_events";
    const KEY: &'static str = "application_id";

    fn state_code(&self) -> &'static str {
        self.state().code()
    }

    fn actor_id(actor: &Actor) -> Option<PersonId> {
        actor.id()
    }

    fn event_reason(event: &Event) -> Option<String> {
        event.reason().map(str::to_owned)
    }

    async fn facts(
        conn: &mut AnyConnection,
        _id: i64,
        application: &Application,
    ) -> Result<AccessFacts, sqlx::Error> {
        access_facts(conn, application).await
    }

    async fn project(
        conn: &mut AnyConnection,
        id: i64,
        application: &Application,
        event: &Event,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        project(conn, id, application, event, at).await
    }

    async fn notify(
        conn: &mut AnyConnection,
        id: i64,
        application: &Application,
        facts: &AccessFacts,
        event: &Event,
        actor: Option<PersonId>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        notices::queue_for_event(conn, id, application, facts, event, actor, at).await
    }

    fn nodes(&self) -> Vec<NodeId> {
        self.nodes().into_iter().collect()
    }
}

/// Starts an application for these cohorts; each goes to the node that decides it, under
/// that node's rules. Withdrawn or unknown cohorts are refused; a refusal leaves nothing.
pub async fn create(
    db: &db::Db,
    actor: &Actor,
    title: &str,
    cohort_ids: &[CohortId],
    now: DateTime<Utc>,
) -> Result<i64, ExecuteError> {
    let applicant = actor.id().ok_or(ExecuteError::Refused(Refusal::NotAllowed))?;
    let mut tx = db.write().await?;
    let mut cohorts = Vec::with_capacity(cohort_ids.len());
    for cohort in cohort_ids {
        let node: Option<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT {DECIDING_NODE} FROM cohorts c WHERE c.id = $1 AND c.withdrawn_at IS NULL"
        ))
        .bind(cohort.get())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(Some(node)) = node else { return Err(ExecuteError::Refused(Refusal::Invalid("cohorts"))) };
        cohorts.push((*cohort, NodeId(node)));
    }
    let mut nodes: Vec<NodeId> = cohorts.iter().map(|(_, n)| *n).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let rules = node_rules(&mut tx, &nodes).await?;
    let form = ApplicationForm { title: title.trim().to_owned(), ..ApplicationForm::default() };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (applicant_id, title, form, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
    )
    .bind(applicant.get())
    .bind(title.trim())
    .bind(serde_json::to_string(&form).unwrap_or_default())
    .bind(db::timestamp(now))
    .fetch_one(&mut *tx)
    .await?;
    workflow::execute_in::<Application>(&mut tx, id, actor, Command::Create { cohorts, rules }, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Checks a command against the application and, if it is allowed, stores its events,
/// brings the projections in step and queues the mail they cause, all in one transaction.
pub async fn execute(
    db: &db::Db,
    id: i64,
    actor: &Actor,
    command: Command,
    now: DateTime<Utc>,
) -> Result<workflow::Executed<Application>, ExecuteError> {
    workflow::execute::<Application>(db, id, actor, command, now).await
}

/// The projections one event changes.
async fn project(
    conn: &mut AnyConnection,
    id: i64,
    application: &Application,
    event: &Event,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE applications SET state = $1, version = $2 WHERE id = $3")
        .bind(application.state().code())
        .bind(i64::from(application.version))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    project_exclusions(conn, "application", id, &application.excluded_people()).await?;
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
        .bind(part.cohort.get())
        .bind(part.node.get())
        .bind(part.state.code())
        .bind(handler.map(PersonId::get))
        .bind(part.clock.deadline.map(db::timestamp))
        .bind(i64::from(part.clock.paused_at.is_some()))
        .execute(&mut *conn)
        .await?;
    }
    let at = db::timestamp(at);
    match event {
        Event::Created { applicant: person, .. } | Event::MemberJoined { person, .. } => {
            sqlx::query("INSERT INTO application_team (application_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(person.get())
                .execute(&mut *conn)
                .await?;
        }
        Event::MemberRemoved { person } => {
            sqlx::query("DELETE FROM application_team WHERE application_id = $1 AND person_id = $2")
                .bind(id)
                .bind(person.get())
                .execute(&mut *conn)
                .await?;
            // Off the team, off the data.
            sqlx::query(
                "UPDATE entitlements SET ended_at = $1, end_reason = 'revoked' \
                 WHERE application_id = $2 AND person_id = $3 AND ended_at IS NULL",
            )
            .bind(&at)
            .bind(id)
            .bind(person.get())
            .execute(&mut *conn)
            .await?;
        }
        Event::InvitationCancelled { email } => {
            // The link in the mail stops working.
            sqlx::query(
                "UPDATE application_invitations SET expires_at = $1 WHERE application_id = $2 AND email = $3 AND accepted_at IS NULL",
            )
            .bind(&at)
            .bind(id)
            .bind(email)
            .execute(&mut *conn)
            .await?;
        }
        Event::Submitted { version, .. } => {
            sqlx::query(
                "INSERT INTO application_versions (application_id, version, form, submitted_at) \
                 SELECT id, $1, form, $2 FROM applications WHERE id = $3",
            )
            .bind(i64::from(*version))
            .bind(&at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            // The title lists and mail show is the submitted one.
            let form: String = sqlx::query_scalar("SELECT form FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            let title: String = serde_json::from_str::<ApplicationForm>(&form)
                .map(|f| f.title.trim().chars().take(TITLE_CHARS).collect())
                .unwrap_or_default();
            sqlx::query("UPDATE applications SET title = $1 WHERE id = $2")
                .bind(title)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Event::ReviewerInvited { node, reviewer } => {
            sqlx::query(
                "INSERT INTO application_reviewers (application_id, node_id, person_id, invited_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(node.get())
            .bind(reviewer.get())
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        Event::ConflictDeclared { node, reviewer, conflicted, .. } => {
            sqlx::query(
                "UPDATE application_reviewers SET conflicted = $1 WHERE application_id = $2 AND node_id = $3 AND person_id = $4",
            )
            .bind(i64::from(*conflicted))
            .bind(id)
            .bind(node.get())
            .bind(reviewer.get())
            .execute(&mut *conn)
            .await?;
        }
        Event::AdviceGiven { node, reviewer, .. } => {
            sqlx::query(
                "UPDATE application_reviewers SET advised = 1 WHERE application_id = $1 AND node_id = $2 AND person_id = $3",
            )
            .bind(id)
            .bind(node.get())
            .bind(reviewer.get())
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
                    "INSERT INTO entitlements (application_id, cohort_id, person_id, starts_on, ends_on, granted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(cohort.get())
                .bind(person.get())
                .bind(starts_on.to_string())
                .bind(ends_on.to_string())
                .bind(&at)
                .execute(&mut *conn)
                .await?;
            }
        }
        Event::ExtensionGranted { cohort, ends_on, .. } => {
            sqlx::query(
                "UPDATE entitlements SET ends_on = $1 WHERE application_id = $2 AND cohort_id = $3 AND ended_at IS NULL",
            )
            .bind(ends_on.to_string())
            .bind(id)
            .bind(cohort.get())
            .execute(&mut *conn)
            .await?;
        }
        Event::Revoked { cohort, .. } | Event::Expired { cohort } => {
            let reason = if matches!(event, Event::Revoked { .. }) { "revoked" } else { "expired" };
            sqlx::query(
                "UPDATE entitlements SET ended_at = $1, end_reason = $2 WHERE application_id = $3 AND cohort_id = $4 AND ended_at IS NULL",
            )
            .bind(&at)
            .bind(reason)
            .bind(id)
            .bind(cohort.get())
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The longest title lists and mail show (the form asks for at most 200 characters).
const TITLE_CHARS: usize = 200;

/// Saves the draft form as it is (a draft may be incomplete or wrong), keeping the ethics
/// decision already uploaded. Only while the application can be edited; answers whether it
/// was saved. The title committees see changes with a submission, not with a draft.
pub async fn save_form(
    tx: &mut AnyConnection,
    id: i64,
    form: &ApplicationForm,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    // Writing first takes the lock, so an upload cannot slip between the read and the write.
    let touched = sqlx::query(
        "UPDATE applications SET updated_at = $1 WHERE id = $2 AND state IN ('draft', 'returned')",
    )
    .bind(db::timestamp(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if touched.rows_affected() == 0 {
        return Ok(false);
    }
    let stored: String = sqlx::query_scalar("SELECT form FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let stored: ApplicationForm = serde_json::from_str(&stored).unwrap_or_default();
    let form =
        ApplicationForm { ethics_decision_attachment: stored.ethics_decision_attachment, ..form.clone() };
    sqlx::query(
        "UPDATE applications SET form = $1, \
             title = CASE WHEN state = 'draft' THEN $2 ELSE title END WHERE id = $3",
    )
    .bind(serde_json::to_string(&form).unwrap_or_default())
    .bind(form.title.trim().chars().take(TITLE_CHARS).collect::<String>())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// The attachments a submitted version refers to (what committees and reviewers may read).
pub async fn submitted_attachments(conn: &mut AnyConnection, id: i64) -> Result<BTreeSet<i64>, sqlx::Error> {
    let forms: Vec<String> =
        sqlx::query_scalar("SELECT form FROM application_versions WHERE application_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(forms
        .iter()
        .filter_map(|f| serde_json::from_str::<ApplicationForm>(f).ok()?.ethics_decision_attachment)
        .collect())
}

/// The forms of the last two submitted versions, newest first.
pub async fn last_versions(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(u32, ApplicationForm)>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, form FROM application_versions WHERE application_id = $1 ORDER BY version DESC LIMIT 2",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, form)| (version as u32, serde_json::from_str(&form).unwrap_or_default()))
        .collect())
}

// --- Invitations -----------------------------------------------------------------------

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 30;

/// Makes the link for an invitation just recorded; answers the token (to mail, never stored).
pub async fn create_invitation(
    conn: &mut AnyConnection,
    application_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let token = crate::identity::sessions::new_token();
    sqlx::query(
        "INSERT INTO application_invitations (application_id, email, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(application_id)
    .bind(email)
    .bind(crate::identity::tokens::hash(&token))
    .bind(db::timestamp(now))
    .bind(db::timestamp(now + chrono::Duration::days(INVITATION_DAYS)))
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// An invitation found by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub application_id: i64,
    pub email: String,
    pub title: String,
    pub inviter: String,
    pub live: bool,
}

pub async fn invitation(
    conn: &mut AnyConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Invitation>, sqlx::Error> {
    type Row = (i64, i64, String, String, String, String, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT i.id, i.application_id, i.email, a.title, p.display_name, i.expires_at, i.accepted_at \
         FROM application_invitations i JOIN applications a ON a.id = i.application_id \
         JOIN people p ON p.id = a.applicant_id WHERE i.token_hash = $1",
    )
    .bind(crate::identity::tokens::hash(token))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, application_id, email, title, inviter, expires_at, accepted_at)| Invitation {
        id,
        application_id,
        email,
        title,
        inviter,
        live: accepted_at.is_none() && expires_at > db::timestamp(now),
    }))
}

/// Joins the team with an invitation's token: the invitation is used up in the same
/// transaction as the joining.
pub async fn join_with_invitation(
    db: &db::Db,
    token: &str,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<i64, ExecuteError> {
    let mut tx = db.write().await?;
    let invitation = invitation(&mut tx, token, now).await?.filter(|i| i.live);
    let Some(invitation) = invitation else { return Err(ExecuteError::Refused(Refusal::NotAllowed)) };
    let command = Command::JoinTeam { email: invitation.email.clone() };
    let actor = Actor::person(person);
    workflow::execute_in::<Application>(&mut tx, invitation.application_id, &actor, command, now).await?;
    sqlx::query("UPDATE application_invitations SET accepted_by = $1, accepted_at = $2 WHERE id = $3")
        .bind(person.get())
        .bind(db::timestamp(now))
        .bind(invitation.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(invitation.application_id)
}

// --- The basket ------------------------------------------------------------------------

/// A cohort in a researcher's basket, with the node that will decide on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct BasketRow {
    pub cohort_id: i64,
    pub slug: String,
    pub acronym: String,
    pub title_sv: String,
    pub title_en: String,
    pub node_slug: Option<String>,
    pub node_sv: Option<String>,
    pub node_en: Option<String>,
}

pub async fn basket(conn: &mut AnyConnection, person: PersonId) -> Result<Vec<BasketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT c.id AS cohort_id, c.slug, c.acronym, c.title_sv, c.title_en, n.slug AS node_slug, \
                n.name_sv AS node_sv, n.name_en AS node_en \
         FROM basket_items b JOIN cohorts c ON c.id = b.cohort_id LEFT JOIN nodes n ON n.id = {DECIDING_NODE} \
         WHERE b.person_id = $1 AND c.withdrawn_at IS NULL ORDER BY b.added_at, c.slug"
    ))
    .bind(person)
    .fetch_all(&mut *conn)
    .await
}

/// Puts a cohort in the basket; answers false when there is no such (live) cohort.
pub async fn add_to_basket(
    conn: &mut AnyConnection,
    person: PersonId,
    cohort_slug: &str,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO basket_items (person_id, cohort_id, added_at) \
         SELECT $1, id, $2 FROM cohorts WHERE slug = $3 AND withdrawn_at IS NULL ON CONFLICT DO NOTHING",
    )
    .bind(person)
    .bind(db::now())
    .bind(cohort_slug)
    .execute(&mut *conn)
    .await?;
    if added.rows_affected() == 1 {
        return Ok(true);
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = $1 AND withdrawn_at IS NULL")
            .bind(cohort_slug)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(exists.is_some())
}

pub async fn remove_from_basket(
    conn: &mut AnyConnection,
    person: PersonId,
    cohort_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM basket_items WHERE person_id = $1 AND cohort_id = $2")
        .bind(person)
        .bind(cohort_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn clear_basket(conn: &mut AnyConnection, person: PersonId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM basket_items WHERE person_id = $1").bind(person).execute(&mut *conn).await?;
    Ok(())
}

// --- Lists -----------------------------------------------------------------------------

/// One of a person's applications (as applicant or member).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct MyApplicationRow {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub version: i64,
    pub applicant_id: i64,
    pub updated_at: String,
}

pub async fn my_applications(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<MyApplicationRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.title, a.state, a.version, a.applicant_id, a.updated_at FROM application_team t \
         JOIN applications a ON a.id = t.application_id WHERE t.person_id = $1 ORDER BY a.updated_at DESC LIMIT 200",
    )
    .bind(person)
    .fetch_all(&mut *conn)
    .await
}

/// Each part of these applications: (application, cohort acronym, node slug, state).
pub async fn part_states(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String, String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    sql.push(
        "SELECT ap.application_id, c.acronym, n.slug, ap.state FROM application_parts ap \
         JOIN cohorts c ON c.id = ap.cohort_id JOIN nodes n ON n.id = ap.node_id WHERE ap.application_id IN (",
    );
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bind::Int(*id));
    }
    sql.push(") ORDER BY ap.application_id, c.acronym");
    sql.query_as().fetch_all(&mut *conn).await
}

/// A review a person was asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct ReviewRow {
    pub application_id: i64,
    pub node_id: i64,
    pub node_slug: String,
    pub node_sv: String,
    pub node_en: String,
    pub conflicted: Option<i64>,
    pub advised: i64,
    pub invited_at: String,
}

pub async fn reviews_for(conn: &mut AnyConnection, person: PersonId) -> Result<Vec<ReviewRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.application_id, r.node_id, n.slug AS node_slug, n.name_sv AS node_sv, n.name_en AS node_en, \
                r.conflicted, r.advised, r.invited_at \
         FROM application_reviewers r JOIN nodes n ON n.id = r.node_id WHERE r.person_id = $1 \
         ORDER BY r.invited_at DESC LIMIT 200",
    )
    .bind(person)
    .fetch_all(&mut *conn)
    .await
}

/// The people who serve a node's committee for these cohorts: its access committee, its
/// coordinators, and committee members for one of the cohorts. (id, name, e-mail, language)
pub async fn committee_people(
    conn: &mut AnyConnection,
    node: NodeId,
    cohorts: &[CohortId],
) -> Result<Vec<(PersonId, String, Option<String>, Option<String>)>, sqlx::Error> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT DISTINCT p.id, p.display_name, p.email, p.preferred_lang FROM role_assignments r \
         JOIN people p ON p.id = r.person_id WHERE r.revoked_at IS NULL AND ((r.role IN ('access_committee_member', 'node_coordinator') \
         AND r.scope_node_id = ",
    )
    .bind(Bind::Int(node.get()))
    .push(")");
    if !cohorts.is_empty() {
        sql.push(" OR (r.role = 'access_committee_member' AND r.scope_cohort_id IN (");
        for (i, cohort) in cohorts.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Bind::Int(cohort.get()));
        }
        sql.push("))");
    }
    sql.push(") ORDER BY p.display_name");
    sql.query_as().fetch_all(&mut *conn).await
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
    pub handler: Option<String>,
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
    handler: Option<String>,
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
    /// A committee member for some cohorts only sees those (`None`: every cohort).
    pub only_cohorts: Option<Vec<String>>,
    /// Who is looking: applications they are on the team of, or declared a conflict with,
    /// are not theirs to handle and are left out.
    pub viewer: Option<i64>,
}

/// A node's open parts, overdue and nearest deadlines first, those back with the applicant last.
pub async fn committee_queue(
    conn: &mut AnyConnection,
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
              ap.handler_id, h.display_name AS handler, ap.deadline, ap.paused FROM (SELECT * FROM application_parts WHERE node_id = ",
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
    if let Some(cohorts) = &filter.only_cohorts {
        sql.push(" AND cohort_id IN (SELECT id FROM cohorts WHERE slug IN (");
        if cohorts.is_empty() {
            sql.push("NULL");
        }
        sql.bind_list(cohorts).push("))");
    }
    if filter.overdue_only {
        sql.push(" AND paused = 0 AND deadline < ").bind(Bind::Text(now.clone()));
    }
    if let Some(handler) = filter.assigned_to {
        sql.push(" AND handler_id = ").bind(Bind::Int(handler));
    }
    if let Some(viewer) = filter.viewer {
        // Those the application's rules exclude (its team, declared conflicts) are left out.
        sql.push(
            " AND NOT EXISTS (SELECT 1 FROM exclusions x WHERE x.subject_kind = 'application' \
             AND x.subject_id = application_parts.application_id AND x.person_id = ",
        )
        .bind(Bind::Int(viewer))
        .push(")");
    }
    sql.push(
        " ORDER BY paused, deadline, application_id LIMIT 500) ap \
         JOIN applications a ON a.id = ap.application_id JOIN people p ON p.id = a.applicant_id \
         JOIN cohorts c ON c.id = ap.cohort_id LEFT JOIN people h ON h.id = ap.handler_id \
         ORDER BY ap.paused, ap.deadline, ap.application_id",
    );
    let rows: Vec<QueueRow> = sql.query_as().fetch_all(&mut *conn).await?;
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
            handler: row.handler,
            deadline: row.deadline,
            paused: row.paused == 1,
        })
        .collect())
}

// --- Access ----------------------------------------------------------------------------

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
pub async fn live_entitlements(
    conn: &mut AnyConnection,
    person_id: PersonId,
) -> Result<Vec<Entitlement>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT application_id, cohort_id, person_id, starts_on, ends_on FROM entitlements \
         WHERE person_id = $1 AND ended_at IS NULL ORDER BY cohort_id",
    )
    .bind(person_id)
    .fetch_all(&mut *conn)
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
pub async fn expire_due(db: &db::Db, now: DateTime<Utc>) -> Result<usize, ExecuteError> {
    let today = kernel::stockholm::date(now).to_string();
    let mut conn = db.read().await?;
    let due: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT application_id, cohort_id FROM entitlements WHERE ended_at IS NULL AND ends_on < $1 \
         ORDER BY application_id, cohort_id",
    )
    .bind(&today)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let mut expired = 0;
    for (application_id, cohort) in due {
        let command = Command::Expire { cohort: CohortId(cohort) };
        match execute(db, application_id, &Actor::System, command, now).await {
            Ok(_) => expired += 1,
            // Revoked or expired by someone else meanwhile: nothing left to do.
            Err(ExecuteError::Refused(Refusal::WrongState)) => {}
            Err(ExecuteError::Sql(error)) => return Err(ExecuteError::Sql(error)),
            // One application that cannot be read must not keep every other's access alive.
            Err(error) => tracing::error!(application_id, cohort, %error, "access could not be ended"),
        }
    }
    Ok(expired)
}

/// A live entitlement as node systems see it: who, which dataset, from when until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct EntitlementListing {
    /// The portal's subject (`portal-<n>`), as `/api/permissions/{user}` takes it.
    pub user: String,
    pub subject_issuer: String,
    pub subject_at_issuer: String,
    pub dataset: String,
    pub application_id: i64,
    pub starts_on: String,
    pub ends_on: String,
}

/// Live entitlements today, narrowed by dataset (cohort id), user (portal subject) and the
/// node whose committee granted them, when given.
pub async fn entitlements_for(
    conn: &mut AnyConnection,
    dataset: Option<&str>,
    user: Option<&str>,
    node: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<EntitlementListing>, sqlx::Error> {
    let today = Context::at(now).today().to_string();
    // A user that is no portal subject matches nobody (not everybody).
    let person = user.map(|u| u.strip_prefix("portal-").and_then(|n| n.parse::<i64>().ok()).unwrap_or(-1));
    sqlx::query_as(
        "SELECT 'portal-' || CAST(p.id AS TEXT) AS \"user\", p.issuer AS subject_issuer, p.subject AS subject_at_issuer, \
         c.slug AS dataset, e.application_id, e.starts_on, e.ends_on FROM entitlements e \
         JOIN people p ON p.id = e.person_id JOIN cohorts c ON c.id = e.cohort_id \
         JOIN application_parts ap ON ap.application_id = e.application_id AND ap.cohort_id = e.cohort_id \
         WHERE e.ended_at IS NULL AND e.starts_on <= $1 AND e.ends_on >= $1 \
           AND ($2 IS NULL OR c.slug = $2) AND ($3 IS NULL OR p.id = $3) AND ($4 IS NULL OR ap.node_id = $4) \
         ORDER BY c.slug, p.id LIMIT 1000",
    )
    .bind(&today)
    .bind(dataset)
    .bind(person)
    .bind(node)
    .fetch_all(&mut *conn)
    .await
}
