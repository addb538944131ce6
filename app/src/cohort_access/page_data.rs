//! Builds what one viewer may see of an application, in two steps: [`load`] reads the
//! record once, on one connection (the log, names, cohorts, versions, files and, for a
//! committee, who could handle or advise); [`build`] is pure and shows only what the
//! application's [`Visibility`] lets this viewer see, with the commands the rules permit.

use super::duo;
use super::form::{ApplicationForm, Demands, changed_fields};
use super::model::*;
use super::store::{self, ExecuteError, LoggedEvent};
use crate::catalogue::model::{ConsentCode, DuoTerm, Localized};
use crate::db::{self, Sql};
use crate::i18n::Lang;
use crate::time::stockholm_time;
use chrono::{DateTime, Utc};
use kernel::access::clock::ClockStatus;
use kernel::access::{AccessFacts, Actor, Application, Context, Event, Part, PartState, Visibility};
use kernel::workflow::{Aggregate, EventKind};
use kernel::{ApplicationId, CohortId, NodeId, PersonId};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};

/// People by id: (name, e-mail, home organisation).
pub type People = BTreeMap<PersonId, (String, Option<String>, Option<String>)>;

pub async fn people(conn: &mut AnyConnection, ids: &BTreeSet<PersonId>) -> Result<People, sqlx::Error> {
    if ids.is_empty() {
        return Ok(People::new());
    }
    let mut sql = Sql::default();
    sql.push("SELECT id, display_name, email, home_organisation FROM people WHERE id IN (");
    sql.bind_ints(&ids.iter().map(|id| id.get()).collect::<Vec<_>>()).push(")");
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = sql.query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(id, name, email, org)| (PersonId(id), (name, email, org))).collect())
}

/// A requested cohort with its node, as pages name them.
#[derive(Debug, Clone)]
pub struct CohortInfo {
    pub node_id: NodeId,
    pub slug: String,
    pub acronym: String,
    pub title: Localized,
    pub node_slug: String,
    pub node_name: Localized,
    pub terms: Localized,
    pub codes: Vec<ConsentCode>,
}

pub async fn cohort_info(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<BTreeMap<CohortId, CohortInfo>, sqlx::Error> {
    type Row = (i64, i64, String, String, String, String, String, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, n.id, c.slug, c.acronym, c.title_sv, c.title_en, n.slug, n.name_sv, n.name_en, \
                c.access_conditions_sv, c.access_conditions_en FROM application_parts ap \
         JOIN cohorts c ON c.id = ap.cohort_id JOIN nodes n ON n.id = ap.node_id WHERE ap.application_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let codes: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT cc.cohort_id, cc.code, cc.disease_term FROM cohort_consent_codes cc \
         JOIN application_parts ap ON ap.cohort_id = cc.cohort_id WHERE ap.application_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut info: BTreeMap<CohortId, CohortInfo> = rows
        .into_iter()
        .map(|(id, node_id, slug, acronym, sv, en, node_slug, node_sv, node_en, terms_sv, terms_en)| {
            let info = CohortInfo {
                node_id: NodeId(node_id),
                slug,
                acronym,
                title: Localized::new(sv, en),
                node_slug,
                node_name: Localized::new(node_sv, node_en),
                terms: Localized::new(terms_sv, terms_en),
                codes: Vec::new(),
            };
            (CohortId(id), info)
        })
        .collect();
    for (cohort, code, disease_term) in codes {
        if let (Some(entry), Some(term)) = (info.get_mut(&CohortId(cohort)), DuoTerm::parse(&code)) {
            entry.codes.push(ConsentCode { term, disease_term });
        }
    }
    Ok(info)
}

/// Everything the page is built from, read once.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: ApplicationId,
    pub title: String,
    pub applicant: PersonId,
    /// The form as the team has it now.
    pub draft: ApplicationForm,
    pub updated_at: String,
    pub application: Application,
    pub log: Vec<LoggedEvent>,
    pub facts: AccessFacts,
    pub people: People,
    pub info: BTreeMap<CohortId, CohortInfo>,
    /// The last two submitted versions, newest first.
    pub versions: Vec<(u32, ApplicationForm)>,
    /// (id, file name, size, uploaded at) of every file uploaded.
    pub attachments: Vec<(i64, String, i64, String)>,
    /// The files a submitted version carries.
    pub submitted_attachments: BTreeSet<i64>,
}

/// Reads the application for a page, on one connection.
pub async fn load(conn: &mut AnyConnection, id: ApplicationId) -> Result<Record, ExecuteError> {
    let (application, log) = store::load(conn, id.get()).await?;
    let (title, applicant, draft, updated_at): (String, i64, String, String) =
        sqlx::query_as("SELECT title, applicant_id, form, updated_at FROM applications WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(ExecuteError::NotFound)?;
    let facts = store::access_facts(conn, &application).await?;
    let mut ids: BTreeSet<PersonId> = application.team();
    ids.extend(log.iter().filter_map(|e| e.actor_id));
    ids.extend(application.reviewers.iter().map(|r| r.person));
    ids.extend(facts.seats.keys().copied());
    ids.extend(facts.reviewers.iter().copied());
    ids.extend(application.parts.values().filter_map(|p| match p.state {
        PartState::UnderReview { handler } => Some(handler),
        _ => None,
    }));
    let people = people(conn, &ids).await?;
    let info = cohort_info(conn, id.get()).await?;
    let versions = store::last_versions(conn, id.get()).await?;
    let attachments: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, filename, size_bytes, uploaded_at FROM attachments WHERE application_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    let submitted_attachments = store::submitted_attachments(conn, id.get()).await?;
    Ok(Record {
        id,
        title,
        applicant: PersonId(applicant),
        draft: serde_json::from_str(&draft).unwrap_or_default(),
        updated_at,
        application,
        log,
        facts,
        people,
        info,
        versions,
        attachments,
        submitted_attachments,
    })
}

fn display(at: &DateTime<Utc>) -> String {
    kernel::stockholm::minute_text(*at)
}

fn name(people: &People, id: &PersonId) -> String {
    people.get(id).map(|p| p.0.clone()).unwrap_or_default()
}

fn node_name(info: &BTreeMap<CohortId, CohortInfo>, node: NodeId) -> Localized {
    info.values()
        .find(|c| c.node_id == node)
        .map(|c| c.node_name.clone())
        .unwrap_or_else(|| Localized::new("", ""))
}

fn node_slug(info: &BTreeMap<CohortId, CohortInfo>, node: NodeId) -> String {
    info.values().find(|c| c.node_id == node).map(|c| c.node_slug.clone()).unwrap_or_default()
}

/// The events of the log this viewer may see (rows from before typed events are shown
/// to those who see the committee's business only).
fn visible_log<'a>(
    record: &'a Record,
    lens: &'a Visibility,
) -> impl Iterator<Item = (&'a LoggedEvent, &'a Event)> {
    record
        .log
        .iter()
        .filter_map(|e| e.event.as_ref().map(|event| (e, event)))
        .filter(move |(_, event)| lens.sees_event(event, &record.application))
}

/// The whole page for one viewer. `check` asks for the form's problems (after a submission
/// was tried).
pub fn build(record: &Record, actor: &Actor, check: bool, lang: Lang, now: DateTime<Utc>) -> ApplicationPage {
    let application = &record.application;
    let lens = application.visibility(actor, &record.facts);
    let person = actor.id().unwrap_or_default();
    let context = Context::with(now, record.facts.clone());
    let permitted = application.permitted(actor, &context);
    let info = &record.info;
    let people = &record.people;
    // The team works on its draft; everyone else reads what was submitted.
    let form: ApplicationForm = if lens.sees_draft() {
        record.draft.clone()
    } else {
        record.versions.first().map(|(_, form)| form.clone()).unwrap_or_default()
    };
    let (changed, compared) = match record.versions.as_slice() {
        [(newer, after), (older, before), ..] => (changed_fields(before, after), Some((*older, *newer))),
        _ => (Vec::new(), None),
    };
    let demands = Demands {
        ethics_approval: info.values().any(|c| c.codes.iter().any(|code| code.term == DuoTerm::Irb)),
        publication_plan: info.values().any(|c| c.codes.iter().any(|code| code.term == DuoTerm::Pub)),
    };
    let today = context.today();
    let parts: Vec<PartView> = application
        .parts
        .values()
        .filter(|p| lens.sees_part(p))
        .filter_map(|part| {
            Some(part_view(part, info.get(&part.cohort)?, people, now, lens.sees_handler(part)))
        })
        .collect();
    let team: Vec<MemberView> = application
        .team()
        .into_iter()
        .map(|member| {
            let (name, email, organisation) = people.get(&member).cloned().unwrap_or_default();
            MemberView {
                person_id: member,
                name,
                email: email.filter(|_| lens.sees_addresses()),
                organisation,
                is_applicant: Some(member) == application.applicant,
                accepted: application
                    .accepted_terms
                    .iter()
                    .filter(|(p, _)| *p == member)
                    .map(|(_, c)| *c)
                    .collect(),
            }
        })
        .collect();
    let duo = application
        .parts
        .values()
        .filter(|p| lens.sees_part(p))
        .filter_map(|part| {
            let cohort = info.get(&part.cohort)?;
            let verdict =
                form.purpose.as_ref().map(|purpose| duo::check(&cohort.codes, purpose, form.for_profit));
            Some(DuoView { cohort_id: part.cohort, acronym: cohort.acronym.clone(), verdict })
        })
        .collect();
    let remarks = visible_log(record, &lens)
        .filter_map(|(logged, event)| {
            let (node, kind, public, text) = match event {
                Event::Returned { node, questions } => (*node, "questions", true, questions),
                Event::RemarkAdded { node, public, text } => (*node, "remark", *public, text),
                _ => return None,
            };
            Some(RemarkView {
                at: display(&logged.at),
                author: logged.actor_id.map(|a| name(people, &a)).unwrap_or_default(),
                node_name: node_name(info, node),
                kind: kind.into(),
                public,
                text: text.clone(),
            })
        })
        .collect();
    let handling = lens.serving.iter().map(|node| node_handling(record, &lens, *node)).collect();
    let advice = application
        .reviewers
        .iter()
        .filter(|r| r.person == person)
        .map(|r| ReviewerSeat {
            node_id: r.node,
            node_slug: node_slug(info, r.node),
            node_name: node_name(info, r.node),
            conflicted: r.conflicted,
            advice: r.advice.clone(),
        })
        .collect();
    // Files uploaded to a draft are the team's until a version carries them.
    let attachments = record
        .attachments
        .iter()
        .filter(|(attachment, ..)| lens.sees_draft() || record.submitted_attachments.contains(attachment))
        .map(|(id, filename, size_bytes, at)| AttachmentView {
            id: *id,
            filename: filename.clone(),
            size_bytes: *size_bytes,
            uploaded_at: stockholm_time(at),
        })
        .collect();
    let timeline = visible_log(record, &lens)
        .map(|(logged, event)| timeline_entry(logged, event, info, people, lang, lens.sees_addresses()))
        .collect();
    ApplicationPage {
        id: record.id,
        title: record.title.clone(),
        state: application.state(),
        permitted: permitted.into_iter().collect(),
        version: application.version,
        applicant: name(people, &record.applicant),
        viewer: ViewerRole {
            person_id: person,
            is_applicant: application.applicant == Some(person),
            on_team: lens.on_team,
            can_edit: application.may(actor, kernel::access::Permission::EditForm, &context).is_ok(),
        },
        parts,
        team,
        invitations: if lens.sees_draft() {
            application.invitations.iter().cloned().collect()
        } else {
            Vec::new()
        },
        last_saved: stockholm_time(&record.updated_at),
        sections: if lens.sees_draft() {
            form.sections_complete(demands, today).into_iter().map(|(s, done)| (s.to_owned(), done)).collect()
        } else {
            Vec::new()
        },
        problems: if check && lens.sees_draft() {
            form.problems(demands, today).into_iter().map(|(f, k)| (f.to_owned(), k.to_owned())).collect()
        } else {
            Vec::new()
        },
        ethics_required: demands.ethics_approval,
        publication_plan_required: demands.publication_plan,
        form,
        duo,
        changed_fields: if lens.sees_draft() {
            Vec::new()
        } else {
            changed.into_iter().map(String::from).collect()
        },
        compared_versions: compared.filter(|_| !lens.sees_draft()),
        remarks,
        handling,
        advice,
        attachments,
        timeline,
    }
}

fn part_view(
    part: &Part,
    cohort: &CohortInfo,
    people: &People,
    now: DateTime<Utc>,
    show_handler: bool,
) -> PartView {
    let clock = match part.clock.status(now) {
        ClockStatus::NotStarted => None,
        ClockStatus::Paused { days_left } => Some(("paused", days_left)),
        ClockStatus::Running { days_left } => Some(("running", days_left)),
        ClockStatus::Overdue { days_over } => Some(("overdue", days_over)),
    }
    .filter(|_| part.state.in_handling() || part.state == PartState::Returned)
    .map(|(status, days)| ClockView { status: status.into(), days, extended: part.clock.extended });
    let (mut starts_on, mut ends_on, mut conditions, mut reasons) = (None, None, None, None);
    match &part.state {
        PartState::AccessActive { starts_on: s, ends_on: e } => {
            starts_on = Some(s.to_string());
            ends_on = Some(e.to_string());
        }
        PartState::Approved { ends_on: e, conditions: c } => {
            ends_on = Some(e.to_string());
            conditions = Some(c.clone());
        }
        PartState::Rejected { reasons: r } | PartState::Revoked { reason: r } => reasons = Some(r.clone()),
        _ => {}
    }
    PartView {
        cohort_id: part.cohort,
        cohort_slug: cohort.slug.clone(),
        acronym: cohort.acronym.clone(),
        title: cohort.title.clone(),
        node_id: part.node,
        node_slug: cohort.node_slug.clone(),
        node_name: cohort.node_name.clone(),
        terms: cohort.terms.clone(),
        state: part.state.status(),
        deadline: part.clock.deadline.filter(|_| clock.is_some()).map(|d| display(&d)),
        clock,
        starts_on,
        ends_on,
        conditions,
        reasons,
        extension_request: part.extension_request.as_ref().map(|r| (r.ends_on.to_string(), r.reason.clone())),
        handler: match part.state {
            PartState::UnderReview { handler } if show_handler => Some(name(people, &handler)),
            _ => None,
        },
    }
}

fn node_handling(record: &Record, lens: &Visibility, node: NodeId) -> NodeHandling {
    let application = &record.application;
    let (info, people) = (&record.info, &record.people);
    let parts: Vec<&Part> = application.parts.values().filter(|p| p.node == node).collect();
    let cohorts = parts
        .iter()
        .filter(|part| lens.deciding.contains(&part.cohort))
        .map(|part| {
            // This round's votes: each voter's last, with its comment and time.
            let mut votes: Vec<VoteView> = Vec::new();
            for (voter, _) in &part.votes {
                let cast = record.log.iter().rev().find_map(|e| match &e.event {
                    Some(Event::VoteCast { cohort, voter: v, vote, comment })
                        if *cohort == part.cohort && v == voter =>
                    {
                        Some(VoteView {
                            voter: name(people, voter),
                            vote: *vote,
                            comment: comment.clone(),
                            at: display(&e.at),
                        })
                    }
                    _ => None,
                });
                votes.extend(cast);
            }
            CohortHandling {
                cohort_id: part.cohort,
                acronym: info.get(&part.cohort).map(|c| c.acronym.clone()).unwrap_or_default(),
                state: part.state.status(),
                votes,
                tally: part.tally(),
                extension_request: part
                    .extension_request
                    .as_ref()
                    .map(|r| (r.ends_on.to_string(), r.reason.clone())),
            }
        })
        .collect();
    let reviewers = application
        .reviewers
        .iter()
        .filter(|r| r.node == node)
        .map(|r| ReviewerView {
            name: name(people, &r.person),
            conflicted: r.conflicted,
            advice: r.advice.clone(),
        })
        .collect();
    let named = |ids: Vec<PersonId>| -> Vec<(PersonId, String)> {
        let mut named: Vec<(PersonId, String)> = ids.into_iter().map(|id| (id, name(people, &id))).collect();
        named.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        named
    };
    let facts = &record.facts;
    let committee = named(
        application
            .committee_of(facts, node)
            .into_iter()
            .filter(|p| application.may_handle(facts, node, *p))
            .collect(),
    );
    let candidates = named(
        facts
            .reviewers
            .iter()
            .copied()
            .filter(|p| Some(*p) != lens.person && application.may_advise(facts, node, *p))
            .collect(),
    );
    NodeHandling {
        node_id: node,
        node_slug: node_slug(info, node),
        node_name: node_name(info, node),
        cohorts,
        reviewers,
        committee,
        reviewer_candidates: candidates,
        in_handling: parts.iter().any(|p| p.state.in_handling()),
    }
}

fn timeline_entry(
    logged: &LoggedEvent,
    event: &Event,
    info: &BTreeMap<CohortId, CohortInfo>,
    people: &People,
    lang: Lang,
    show_addresses: bool,
) -> TimelineEntry {
    let acronym = |cohort: &CohortId| info.get(cohort).map(|c| c.acronym.clone()).unwrap_or_default();
    let node = |node: &NodeId| node_name(info, *node).get(lang).to_owned();
    let mut args: Vec<(String, String)> = Vec::new();
    let mut arg = |k: &str, v: String| args.push((k.to_owned(), v));
    let text = match event {
        Event::Created { cohorts, .. } => {
            arg("cohorts", cohorts.iter().map(|(c, _)| acronym(c)).collect::<Vec<_>>().join(", "));
            None
        }
        Event::MemberInvited { email } | Event::InvitationCancelled { email } => {
            arg("email", if show_addresses { email.clone() } else { "…".to_owned() });
            None
        }
        Event::MemberJoined { person, .. } | Event::MemberRemoved { person } => {
            arg("person", name(people, person));
            None
        }
        Event::TermsAccepted { person, cohort } => {
            arg("person", name(people, person));
            arg("cohort", acronym(cohort));
            None
        }
        Event::Submitted { version, nodes } => {
            arg("version", version.to_string());
            arg("nodes", nodes.iter().map(node).collect::<Vec<_>>().join(", "));
            None
        }
        Event::HandlerAssigned { node: n, handler } => {
            arg("node", node(n));
            arg("person", name(people, handler));
            None
        }
        Event::ReviewerInvited { node: n, reviewer } => {
            arg("node", node(n));
            arg("person", name(people, reviewer));
            None
        }
        Event::ConflictDeclared { node: n, reviewer, conflicted, reason } => {
            arg("node", node(n));
            arg("person", name(people, reviewer));
            arg("conflict", if *conflicted { "yes".into() } else { "no".into() });
            (!reason.is_empty()).then(|| reason.clone())
        }
        Event::AdviceGiven { node: n, reviewer, advice } => {
            arg("node", node(n));
            arg("person", name(people, reviewer));
            Some(advice.clone())
        }
        Event::VoteCast { cohort, vote, comment, .. } => {
            arg("cohort", acronym(cohort));
            arg("vote", format!("{vote:?}").to_lowercase());
            (!comment.is_empty()).then(|| comment.clone())
        }
        Event::RemarkAdded { node: n, text, .. } => {
            arg("node", node(n));
            Some(text.clone())
        }
        Event::Returned { node: n, questions } => {
            arg("node", node(n));
            Some(questions.clone())
        }
        Event::DeadlineExtended { node: n, reason } => {
            arg("node", node(n));
            Some(reason.clone())
        }
        Event::Approved { cohort, ends_on, conditions } => {
            arg("cohort", acronym(cohort));
            arg("date", ends_on.to_string());
            (!conditions.is_empty()).then(|| conditions.clone())
        }
        Event::AccessActivated { cohort, starts_on, ends_on } => {
            arg("cohort", acronym(cohort));
            arg("start", starts_on.to_string());
            arg("date", ends_on.to_string());
            None
        }
        Event::Rejected { cohort, reasons } => {
            arg("cohort", acronym(cohort));
            Some(reasons.clone())
        }
        Event::Revoked { cohort, reason } => {
            arg("cohort", acronym(cohort));
            Some(reason.clone())
        }
        Event::ExtensionRequested { cohort, ends_on, reason } => {
            arg("cohort", acronym(cohort));
            arg("date", ends_on.to_string());
            Some(reason.clone())
        }
        Event::ExtensionGranted { cohort, ends_on, comment } => {
            arg("cohort", acronym(cohort));
            arg("date", ends_on.to_string());
            (!comment.is_empty()).then(|| comment.clone())
        }
        Event::ExtensionRefused { cohort, comment } => {
            arg("cohort", acronym(cohort));
            Some(comment.clone())
        }
        Event::ProgressReported { summary, publications } => Some(if publications.is_empty() {
            summary.clone()
        } else {
            format!("{summary}\n\n{publications}")
        }),
        Event::Expired { cohort } => {
            arg("cohort", acronym(cohort));
            None
        }
        Event::Withdrawn | Event::Closed => None,
    };
    TimelineEntry {
        at: display(&logged.at),
        at_iso: db::timestamp(logged.at),
        actor: logged.actor_id.map(|a| name(people, &a)),
        kind: event.kind().into(),
        args,
        text,
        internal: event.internal(),
    }
}

/// What a reviewer sees before declaring: the title and who is on the team. `None` when
/// the person was not asked for advice at that node.
pub async fn review_request(
    conn: &mut AnyConnection,
    id: ApplicationId,
    node_slug: &str,
    person: PersonId,
) -> Result<Option<ReviewRequest>, sqlx::Error> {
    type Row = (String, i64, String, String, Option<i64>, i64, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT a.title, r.node_id, n.name_sv, n.name_en, r.conflicted, r.advised, r.invited_at FROM application_reviewers r \
         JOIN applications a ON a.id = r.application_id JOIN nodes n ON n.id = r.node_id \
         WHERE r.application_id = $1 AND n.slug = $2 AND r.person_id = $3",
    )
    .bind(id.get())
    .bind(node_slug)
    .bind(person.get())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((title, node_id, sv, en, conflicted, advised, invited_at)) = row else { return Ok(None) };
    let team: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT p.display_name, p.home_organisation FROM application_team t JOIN people p ON p.id = t.person_id \
         WHERE t.application_id = $1 ORDER BY p.display_name",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(ReviewRequest {
        application_id: id,
        node_id: NodeId(node_id),
        node_slug: node_slug.to_owned(),
        node_name: Localized::new(sv, en),
        title,
        team,
        conflicted: conflicted.map(|c| c != 0),
        advised: advised != 0,
        invited_at: stockholm_time(&invited_at),
    }))
}

/// The person as the application's rules see them: the committee seats their roles give,
/// and whether they hold the reviewer role.
pub fn actor(person: &crate::identity::model::SignedInPerson) -> Actor {
    person.access_actor()
}

#[cfg(test)]
mod tests;
