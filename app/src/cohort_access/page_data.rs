//! Builds what one viewer may see of an application from its record: the team sees its
//! whole application but no committee business; a committee sees its own node's part with
//! the submitted form; a reviewer cleared of conflicts sees the form and their own seat.

use super::clock::{ClockStatus, stockholm_time};
use super::duo;
use super::form::{ApplicationForm, Demands, changed_fields};
use super::machine::{Actor, Application, CohortId, Event, NodeId, PartState, PersonId};
use super::model::*;
use super::store::{self, ExecuteError, LoggedEvent};
use crate::catalogue::model::{ConsentCode, DuoTerm, Localized};
use crate::db::{self, Bind, Db, Sql};
use crate::i18n::Lang;
use crate::identity::model::SignedInPerson;
use crate::policy::{ApplicationFacts, PartFacts, ReviewerFacts};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// The facts the policy decides on, from the projections. `None` when there is no such application.
pub async fn facts(db: &Db, id: i64) -> Result<Option<ApplicationFacts>, sqlx::Error> {
    let version: Option<i64> = sqlx::query_scalar("SELECT version FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let Some(version) = version else { return Ok(None) };
    let team_ids: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM application_team WHERE application_id = $1")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    let parts: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT ap.cohort_id, c.slug, ap.node_id, n.slug FROM application_parts ap JOIN cohorts c ON c.id = ap.cohort_id \
         JOIN nodes n ON n.id = ap.node_id WHERE ap.application_id = $1 ORDER BY n.sort_order, c.slug",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let reviewers: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT r.person_id, n.slug, r.conflicted FROM application_reviewers r JOIN nodes n ON n.id = r.node_id \
         WHERE r.application_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(Some(ApplicationFacts {
        team_ids,
        parts: parts
            .into_iter()
            .map(|(cohort_id, cohort_slug, node_id, node_slug)| PartFacts {
                cohort_id,
                cohort_slug,
                node_id,
                node_slug,
            })
            .collect(),
        reviewers: reviewers
            .into_iter()
            .map(|(person_id, node_slug, conflicted)| ReviewerFacts {
                person_id,
                node_slug,
                conflicted: conflicted.map(|c| c != 0),
            })
            .collect(),
        submitted: version > 0,
    }))
}

/// The person as the application's rules see them: with the nodes whose business they do
/// here and the cohorts they decide.
pub fn actor(person: &SignedInPerson, facts: &ApplicationFacts) -> Actor {
    let node_wide = facts.node_wide(person);
    Actor::Person {
        id: person.id,
        committee_of: facts
            .parts
            .iter()
            .filter(|p| node_wide.contains(&p.node_slug))
            .map(|p| p.node_id)
            .collect(),
        cohorts: facts.serving_parts(person).iter().map(|p| p.cohort_id).collect(),
    }
}

/// People by id: (name, e-mail, home organisation).
type People = BTreeMap<PersonId, (String, Option<String>, Option<String>)>;

async fn people(db: &Db, ids: &BTreeSet<PersonId>) -> Result<People, sqlx::Error> {
    if ids.is_empty() {
        return Ok(People::new());
    }
    let mut sql = Sql::default();
    sql.push("SELECT id, display_name, email, home_organisation FROM people WHERE id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bind::Int(*id));
    }
    sql.push(")");
    let rows: Vec<(i64, String, Option<String>, Option<String>)> =
        sql.query_as().fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(|(id, name, email, org)| (id, (name, email, org))).collect())
}

/// A requested cohort with its node, as pages name them.
struct CohortInfo {
    node_id: NodeId,
    slug: String,
    acronym: String,
    title: Localized,
    node_slug: String,
    node_name: Localized,
    terms: Localized,
    codes: Vec<ConsentCode>,
}

async fn cohort_info(db: &Db, id: i64) -> Result<BTreeMap<i64, CohortInfo>, sqlx::Error> {
    type Row = (i64, i64, String, String, String, String, String, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, n.id, c.slug, c.acronym, c.title_sv, c.title_en, n.slug, n.name_sv, n.name_en, \
                c.access_conditions_sv, c.access_conditions_en FROM application_parts ap \
         JOIN cohorts c ON c.id = ap.cohort_id JOIN nodes n ON n.id = ap.node_id WHERE ap.application_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let codes: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT cc.cohort_id, cc.code, cc.disease_term FROM cohort_consent_codes cc \
         JOIN application_parts ap ON ap.cohort_id = cc.cohort_id WHERE ap.application_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut info: BTreeMap<i64, CohortInfo> = rows
        .into_iter()
        .map(|(id, node_id, slug, acronym, sv, en, node_slug, node_sv, node_en, terms_sv, terms_en)| {
            let title = Localized::new(sv, en);
            let node_name = Localized::new(node_sv, node_en);
            let terms = Localized::new(terms_sv, terms_en);
            (id, CohortInfo { node_id, slug, acronym, title, node_slug, node_name, terms, codes: Vec::new() })
        })
        .collect();
    for (cohort, code, disease_term) in codes {
        if let (Some(entry), Some(term)) = (info.get_mut(&cohort), DuoTerm::parse(&code)) {
            entry.codes.push(ConsentCode { term, disease_term });
        }
    }
    Ok(info)
}

/// A node's name, from the cohorts it decides here.
fn node_name(info: &BTreeMap<i64, CohortInfo>, node: NodeId) -> Localized {
    info.values()
        .find(|c| c.node_id == node)
        .map(|c| c.node_name.clone())
        .unwrap_or_else(|| Localized::new("", ""))
}

fn node_slug(info: &BTreeMap<i64, CohortInfo>, node: NodeId) -> String {
    info.values().find(|c| c.node_id == node).map(|c| c.node_slug.clone()).unwrap_or_default()
}

/// Who is looking, and from where.
struct Lens {
    person: PersonId,
    on_team: bool,
    /// Nodes whose committee the viewer serves (for some cohort or all).
    serving: BTreeSet<NodeId>,
    /// The cohorts whose part the viewer decides.
    deciding: BTreeSet<CohortId>,
    /// Nodes whose whole business the viewer may do (handler, questions, reviewers).
    node_wide: BTreeSet<NodeId>,
    /// Nodes the viewer was asked to advise, cleared of conflicts.
    advising: BTreeSet<NodeId>,
}

impl Lens {
    fn sees_node(&self, node: NodeId) -> bool {
        self.on_team || self.serving.contains(&node) || self.advising.contains(&node)
    }

    fn sees_part(&self, part: &super::machine::Part) -> bool {
        self.on_team || self.deciding.contains(&part.cohort) || self.advising.contains(&part.node)
    }

    /// E-mail addresses are for the team and the committees, not for reviewers.
    fn sees_addresses(&self) -> bool {
        self.on_team || !self.serving.is_empty()
    }

    /// The timeline line of an event, if this viewer may see it.
    fn sees_event(&self, event: &Event, application: &Application) -> bool {
        match event.node(application) {
            None => !event.internal() || !self.serving.is_empty(),
            Some(node) if event.internal() => self.serving.contains(&node),
            Some(node) => self.sees_node(node),
        }
    }
}

fn display(at: &DateTime<Utc>) -> String {
    stockholm_time(&db::timestamp(*at))
}

fn name(people: &People, id: &PersonId) -> String {
    people.get(id).map(|p| p.0.clone()).unwrap_or_default()
}

/// The whole page for one viewer. `check` asks for the form's problems (after a submission
/// was tried).
pub async fn application_page(
    db: &Db,
    id: i64,
    person: &SignedInPerson,
    facts: &ApplicationFacts,
    check: bool,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<ApplicationPage, ExecuteError> {
    let mut conn = db.pool().acquire().await?;
    let log = store::events(&mut conn, id).await?;
    drop(conn);
    let application = Application::fold(log.iter().map(|e| (&e.event, e.at)));
    let (title, applicant_id, draft, updated_at): (String, i64, String, String) =
        sqlx::query_as("SELECT title, applicant_id, form, updated_at FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(ExecuteError::NotFound)?;
    let info = cohort_info(db, id).await?;
    let node_id = |slug: &str| facts.parts.iter().find(|p| p.node_slug == slug).map(|p| p.node_id);
    let lens = Lens {
        person: person.id,
        on_team: application.team().contains(&person.id),
        serving: facts.serving_nodes(person).iter().filter_map(|s| node_id(s)).collect(),
        deciding: facts.serving_parts(person).iter().map(|p| p.cohort_id).collect(),
        node_wide: facts.node_wide(person).iter().filter_map(|s| node_id(s)).collect(),
        advising: application
            .reviewers
            .iter()
            .filter(|r| r.person == person.id && r.conflicted == Some(false))
            .map(|r| r.node)
            .collect(),
    };

    let mut ids: BTreeSet<PersonId> = application.team();
    ids.extend(log.iter().filter_map(|e| e.actor_id));
    ids.extend(application.reviewers.iter().map(|r| r.person));
    ids.extend(application.parts.values().filter_map(|p| match p.state {
        PartState::UnderReview { handler } => Some(handler),
        _ => None,
    }));
    let people = people(db, &ids).await?;

    let versions = store::last_versions(db, id).await?;
    // The team works on its draft; everyone else reads what was submitted.
    let form: ApplicationForm = if lens.on_team {
        serde_json::from_str(&draft).unwrap_or_default()
    } else {
        versions.first().map(|(_, form)| form.clone()).unwrap_or_default()
    };
    let (changed, compared) = match versions.as_slice() {
        [(newer, after), (older, before), ..] => (changed_fields(before, after), Some((*older, *newer))),
        _ => (Vec::new(), None),
    };
    let demands = Demands {
        ethics_approval: info.values().any(|c| c.codes.iter().any(|code| code.term == DuoTerm::Irb)),
        publication_plan: info.values().any(|c| c.codes.iter().any(|code| code.term == DuoTerm::Pub)),
    };
    let today = super::machine::Context::at(now).today();
    let editable = matches!(
        application.state(),
        super::machine::ApplicationState::Draft | super::machine::ApplicationState::Returned
    );

    let parts: Vec<PartView> = application
        .parts
        .values()
        .filter(|p| lens.sees_part(p))
        .filter_map(|part| {
            let cohort = info.get(&part.cohort)?;
            // Who handles a part is the committee's business.
            Some(part_view(part, cohort, &people, now, lens.serving.contains(&part.node)))
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

    let remarks = log
        .iter()
        .filter(|e| lens.sees_event(&e.event, &application))
        .filter_map(|e| {
            let (node, kind, public, text) = match &e.event {
                Event::Returned { node, questions } => (*node, "questions", true, questions),
                Event::RemarkAdded { node, public, text } => (*node, "remark", *public, text),
                _ => return None,
            };
            Some(RemarkView {
                at: display(&e.at),
                author: e.actor_id.map(|a| name(&people, &a)).unwrap_or_default(),
                node_name: node_name(&info, node),
                kind: kind.into(),
                public,
                text: text.clone(),
            })
        })
        .collect();

    let mut handling = Vec::new();
    for node in &lens.serving {
        handling.push(node_handling(db, &application, &log, *node, &info, &people, &lens).await?);
    }
    let advice = application
        .reviewers
        .iter()
        .filter(|r| r.person == person.id)
        .map(|r| ReviewerSeat {
            node_slug: node_slug(&info, r.node),
            node_name: node_name(&info, r.node),
            conflicted: r.conflicted,
            advice: r.advice.clone(),
            can_advise: r.conflicted == Some(false)
                && application.parts.values().any(|p| p.node == r.node && p.state.in_handling()),
        })
        .collect();

    let mut attachments: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, filename, size_bytes, uploaded_at FROM attachments WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    // Files uploaded to a draft are the team's until a version carries them.
    if !lens.on_team {
        let submitted = store::submitted_attachments(db, id).await?;
        attachments.retain(|(attachment, ..)| submitted.contains(attachment));
    }

    let timeline = log
        .iter()
        .filter(|e| lens.sees_event(&e.event, &application))
        .map(|e| timeline_entry(e, &info, &people, lang, lens.sees_addresses()))
        .collect();

    Ok(ApplicationPage {
        id,
        title,
        state: application.state().code().into(),
        version: application.version,
        applicant: name(&people, &applicant_id),
        viewer: ViewerRole {
            person_id: person.id,
            is_applicant: application.applicant == Some(person.id),
            on_team: lens.on_team,
            can_edit: lens.on_team && editable,
        },
        parts,
        team,
        invitations: if lens.on_team {
            application.invitations.iter().cloned().collect()
        } else {
            Vec::new()
        },
        last_saved: stockholm_time(&updated_at),
        sections: if lens.on_team {
            form.sections_complete(demands, today).into_iter().map(|(s, done)| (s.to_owned(), done)).collect()
        } else {
            Vec::new()
        },
        problems: if check && lens.on_team {
            form.problems(demands, today).into_iter().map(|(f, k)| (f.to_owned(), k.to_owned())).collect()
        } else {
            Vec::new()
        },
        ethics_required: demands.ethics_approval,
        publication_plan_required: demands.publication_plan,
        form,
        duo,
        changed_fields: if lens.on_team {
            Vec::new()
        } else {
            changed.into_iter().map(String::from).collect()
        },
        compared_versions: compared.filter(|_| !lens.on_team),
        remarks,
        handling,
        advice,
        attachments: attachments
            .into_iter()
            .map(|(id, filename, size_bytes, at)| AttachmentView {
                id,
                filename,
                size_bytes,
                uploaded_at: stockholm_time(&at),
            })
            .collect(),
        timeline,
    })
}

fn part_view(
    part: &super::machine::Part,
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
        node_slug: cohort.node_slug.clone(),
        node_name: cohort.node_name.clone(),
        terms: cohort.terms.clone(),
        state: part.state.code().into(),
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

async fn node_handling(
    db: &Db,
    application: &Application,
    log: &[LoggedEvent],
    node: NodeId,
    info: &BTreeMap<i64, CohortInfo>,
    people: &People,
    lens: &Lens,
) -> Result<NodeHandling, sqlx::Error> {
    let parts: Vec<&super::machine::Part> = application.parts.values().filter(|p| p.node == node).collect();
    let cohorts = parts
        .iter()
        .filter(|part| lens.deciding.contains(&part.cohort))
        .map(|part| {
            // This round's votes: each voter's last, with its comment and time.
            let mut votes: Vec<VoteView> = Vec::new();
            for (voter, _) in &part.votes {
                let cast = log.iter().rev().find_map(|e| match &e.event {
                    Event::VoteCast { cohort, voter: v, vote, comment }
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
                state: part.state.code().into(),
                votes,
                tally: part.tally(),
                can_decide: matches!(part.state, PartState::UnderReview { .. }),
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
    let cohort_ids: Vec<i64> = parts.iter().map(|p| p.cohort).collect();
    let mut conn = db.pool().acquire().await?;
    let committee = store::committee_people(&mut conn, node, &cohort_ids)
        .await?
        .into_iter()
        .filter(|(id, ..)| !application.team().contains(id))
        .map(|(id, name, ..)| (id, name))
        .collect();
    let candidates: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT p.id, p.display_name FROM role_assignments r JOIN people p ON p.id = r.person_id \
         WHERE r.role = 'reviewer' AND r.revoked_at IS NULL ORDER BY p.display_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let asked: BTreeSet<PersonId> =
        application.reviewers.iter().filter(|r| r.node == node).map(|r| r.person).collect();
    let in_handling = parts.iter().any(|p| p.state.in_handling());
    Ok(NodeHandling {
        node_slug: node_slug(info, node),
        node_name: node_name(info, node),
        cohorts,
        reviewers,
        committee,
        reviewer_candidates: candidates
            .into_iter()
            .filter(|(id, _)| !application.team().contains(id) && !asked.contains(id) && *id != lens.person)
            .collect(),
        can_extend_deadline: in_handling
            && !parts.iter().filter(|p| p.state.in_handling()).any(|p| p.clock.extended),
        in_handling,
        node_wide: lens.node_wide.contains(&node),
    })
}

fn timeline_entry(
    logged: &LoggedEvent,
    info: &BTreeMap<i64, CohortInfo>,
    people: &People,
    lang: Lang,
    show_addresses: bool,
) -> TimelineEntry {
    let acronym = |cohort: &i64| info.get(cohort).map(|c| c.acronym.clone()).unwrap_or_default();
    let node = |node: &NodeId| node_name(info, *node).get(lang).to_owned();
    let mut args: Vec<(String, String)> = Vec::new();
    let mut arg = |k: &str, v: String| args.push((k.to_owned(), v));
    let text = match &logged.event {
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
        kind: logged.event.kind().into(),
        args,
        text,
        internal: logged.event.internal(),
    }
}

/// What a reviewer sees before declaring: the title and who is on the team.
pub async fn review_request(
    db: &Db,
    id: i64,
    node_slug: &str,
    person: PersonId,
) -> Result<Option<ReviewRequest>, sqlx::Error> {
    type Row = (String, i64, String, String, Option<i64>, i64, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT a.title, r.node_id, n.name_sv, n.name_en, r.conflicted, r.advised, r.invited_at FROM application_reviewers r \
         JOIN applications a ON a.id = r.application_id JOIN nodes n ON n.id = r.node_id \
         WHERE r.application_id = $1 AND n.slug = $2 AND r.person_id = $3",
    )
    .bind(id)
    .bind(node_slug)
    .bind(person)
    .fetch_optional(db.pool())
    .await?;
    let Some((title, _, sv, en, conflicted, advised, invited_at)) = row else { return Ok(None) };
    let team: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT p.display_name, p.home_organisation FROM application_team t JOIN people p ON p.id = t.person_id \
         WHERE t.application_id = $1 ORDER BY p.display_name",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(Some(ReviewRequest {
        application_id: id,
        node_slug: node_slug.to_owned(),
        node_name: Localized::new(sv, en),
        title,
        team,
        conflicted: conflicted.map(|c| c != 0),
        advised: advised != 0,
        invited_at: stockholm_time(&invited_at),
    }))
}
