//! Who is told what about an access application, and when: the mail each event causes
//! (queued in the event's own transaction), and the reminders the hourly job sends.

use super::store::create_invitation;
use crate::db::{self, Db};
use crate::i18n::Lang;
use crate::notifications::model::{Notice, PORTAL};
use crate::notifications::store::queue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::access::{AccessFacts, Application, Event};
use kernel::{CohortId, NodeId, PersonId};
use sqlx::AnyConnection;

/// Committees hear of a deadline this many days before it.
pub const DEADLINE_REMINDER_DAYS: i64 = 14;
/// Access holders hear this many days before their access ends.
pub const EXPIRY_REMINDER_DAYS: i64 = 30;

/// (id, e-mail, language) of someone to tell.
pub(crate) type Recipient = (Option<PersonId>, String, Lang);

pub(crate) async fn people(
    conn: &mut AnyConnection,
    ids: &[PersonId],
) -> Result<Vec<Recipient>, sqlx::Error> {
    let mut recipients = Vec::new();
    for id in ids {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT email, preferred_lang FROM people WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((Some(email), lang)) = row {
            recipients.push((Some(*id), email, lang.as_deref().and_then(Lang::parse).unwrap_or_default()));
        }
    }
    Ok(recipients)
}

/// Who decides on these cohorts' parts at this node, as the application's rules say:
/// never anyone on the team or with a declared conflict.
async fn committee(
    conn: &mut AnyConnection,
    application: &Application,
    facts: &AccessFacts,
    node: NodeId,
    cohorts: &[CohortId],
) -> Result<Vec<Recipient>, sqlx::Error> {
    let deciders: Vec<PersonId> = application
        .committee_of(facts, node)
        .into_iter()
        .filter(|person| cohorts.iter().any(|c| application.decides(facts, *person, *c)))
        .collect();
    people(conn, &deciders).await
}

async fn name_of(
    conn: &mut AnyConnection,
    table: &str,
    id: i64,
    column: &str,
) -> Result<String, sqlx::Error> {
    let name: Option<String> = sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(name.unwrap_or_default())
}

async fn node_name(conn: &mut AnyConnection, node: NodeId, lang: Lang) -> Result<String, sqlx::Error> {
    name_of(conn, "nodes", node.get(), if lang == Lang::En { "name_en" } else { "name_sv" }).await
}

fn link(application_id: i64) -> String {
    format!("{PORTAL}/applications/{application_id}")
}

/// Queues what an event tells people. Called inside the event's transaction.
pub async fn queue_for_event(
    conn: &mut AnyConnection,
    application_id: i64,
    application: &Application,
    facts: &AccessFacts,
    event: &Event,
    actor_id: Option<PersonId>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let title = name_of(conn, "applications", application_id, "title").await?;
    let team: Vec<PersonId> = application.team().into_iter().collect();
    let cohorts_at = |node: NodeId| -> Vec<CohortId> {
        application.parts.values().filter(|p| p.node == node).map(|p| p.cohort).collect()
    };
    // (kind, recipients, extra placeholders, link)
    type Send = (&'static str, Vec<Recipient>, Vec<(&'static str, String)>, String);
    let mut sends: Vec<Send> = Vec::new();
    match event {
        Event::MemberInvited { email } => {
            let token = create_invitation(conn, application_id, email, now).await?;
            let inviter = people(conn, &actor_id.into_iter().collect::<Vec<_>>()).await?;
            let lang = inviter.first().map(|(_, _, lang)| *lang).unwrap_or_default();
            let inviter_name =
                name_of(conn, "people", actor_id.unwrap_or_default().get(), "display_name").await?;
            sends.push((
                "member_invited",
                vec![(None, email.clone(), lang)],
                vec![("inviter", inviter_name)],
                format!("{PORTAL}/invitations/{token}"),
            ));
        }
        Event::Submitted { nodes, .. } => {
            // The nodes it went to, and those still deciding: a new version is before them too.
            let mut told: Vec<(NodeId, &'static str)> =
                nodes.iter().map(|n| (*n, "submitted_committee")).collect();
            for part in application.parts.values().filter(|p| p.state.in_handling()) {
                if !told.iter().any(|(n, _)| *n == part.node) {
                    told.push((part.node, "resubmitted_committee"));
                }
            }
            for (node, kind) in told {
                let recipients = committee(conn, application, facts, node, &cohorts_at(node)).await?;
                let node_slug = name_of(conn, "nodes", node.get(), "slug").await?;
                sends.push((
                    kind,
                    recipients,
                    vec![],
                    format!("{PORTAL}/applications/{application_id}#handling-{node_slug}"),
                ));
            }
            let applicant = people(conn, &application.applicant.into_iter().collect::<Vec<_>>()).await?;
            sends.push(("submitted", applicant, vec![], link(application_id)));
        }
        Event::Returned { questions, .. } => {
            sends.push((
                "returned",
                people(conn, &team).await?,
                vec![("questions", questions.clone())],
                link(application_id),
            ));
        }
        Event::RemarkAdded { public: true, text, node } => {
            // The committee's remarks go to the team; the team's answers to the committee.
            let from_team = actor_id.is_some_and(|a| team.contains(&a));
            let recipients = if from_team {
                committee(conn, application, facts, *node, &cohorts_at(*node)).await?
            } else {
                people(conn, &team).await?
            };
            sends.push(("remark", recipients, vec![("text", text.clone())], link(application_id)));
        }
        Event::Approved { cohort, ends_on, conditions } => {
            let args = vec![
                ("cohort", acronym(conn, *cohort).await?),
                ("date", ends_on.to_string()),
                ("conditions", conditions.clone()),
            ];
            sends.push(("approved", people(conn, &team).await?, args, link(application_id)));
        }
        Event::Rejected { cohort, reasons } => {
            let args = vec![("cohort", acronym(conn, *cohort).await?), ("reasons", reasons.clone())];
            sends.push(("rejected", people(conn, &team).await?, args, link(application_id)));
        }
        Event::ReviewerInvited { reviewer, .. } => {
            sends.push((
                "reviewer_invited",
                people(conn, &[*reviewer]).await?,
                vec![],
                format!("{PORTAL}/reviews"),
            ));
        }
        Event::ExtensionRequested { cohort, ends_on, reason } => {
            let node = application.parts.get(cohort).map(|p| p.node).unwrap_or_default();
            let args = vec![
                ("cohort", acronym(conn, *cohort).await?),
                ("date", ends_on.to_string()),
                ("reason", reason.clone()),
            ];
            sends.push((
                "extension_requested",
                committee(conn, application, facts, node, &[*cohort]).await?,
                args,
                link(application_id),
            ));
        }
        Event::ExtensionGranted { cohort, ends_on, .. } => {
            let args = vec![("cohort", acronym(conn, *cohort).await?), ("date", ends_on.to_string())];
            sends.push(("extension_granted", people(conn, &team).await?, args, link(application_id)));
        }
        Event::ExtensionRefused { cohort, comment } => {
            let args = vec![("cohort", acronym(conn, *cohort).await?), ("reason", comment.clone())];
            sends.push(("extension_refused", people(conn, &team).await?, args, link(application_id)));
        }
        Event::Revoked { cohort, reason } => {
            let args = vec![("cohort", acronym(conn, *cohort).await?), ("reason", reason.clone())];
            sends.push(("revoked", people(conn, &team).await?, args, link(application_id)));
        }
        Event::Expired { cohort } => {
            let args = vec![("cohort", acronym(conn, *cohort).await?)];
            sends.push(("expired", people(conn, &team).await?, args, link(application_id)));
        }
        _ => {}
    }
    let node_of_event = event.node(application);
    for (kind, recipients, extra, href) in sends {
        for (recipient_id, email, lang) in recipients {
            // Nobody is told about what they did themselves, but a submission gets a receipt.
            if recipient_id.is_some() && recipient_id == actor_id && kind != "submitted" {
                continue;
            }
            let mut args = vec![("title", title.clone()), ("link", href.clone())];
            if let Some(node) = node_of_event {
                args.push(("node", node_name(conn, node, lang).await?));
            }
            args.extend(extra.iter().cloned());
            queue(conn, &notice(kind, (recipient_id, email, lang), args, application_id, None), now).await?;
        }
    }
    Ok(())
}

async fn acronym(conn: &mut AnyConnection, cohort: CohortId) -> Result<String, sqlx::Error> {
    name_of(conn, "cohorts", cohort.get(), "acronym").await
}

/// Queues the reminders that are due (each once): deadlines near for committees, access
/// about to end for its holders, and the yearly progress report. Answers how many.
pub async fn queue_reminders(db: &Db, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let mut conn = db.read().await?;
    let mut queued = 0;
    let today = kernel::stockholm::date(now);

    let near: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT ap.application_id, ap.cohort_id, ap.node_id, ap.deadline, a.title FROM application_parts ap \
         JOIN applications a ON a.id = ap.application_id \
         WHERE ap.state IN ('submitted', 'under_review') AND ap.paused = 0 AND ap.deadline > $1 AND ap.deadline <= $2",
    )
    .bind(db::timestamp(now))
    .bind(db::timestamp(now + Duration::days(DEADLINE_REMINDER_DAYS)))
    .fetch_all(&mut *conn)
    .await?;
    for (application_id, cohort, node, deadline, title) in near {
        let date = crate::time::stockholm_date(&deadline);
        let (cohort, node) = (CohortId(cohort), NodeId(node));
        let Ok((application, _)) = super::store::load(&mut conn, application_id).await else { continue };
        let facts = super::store::access_facts(&mut conn, &application).await?;
        for (recipient_id, email, lang) in committee(&mut conn, &application, &facts, node, &[cohort]).await?
        {
            let args = vec![
                ("title", title.clone()),
                ("cohort", acronym(&mut conn, cohort).await?),
                ("node", node_name(&mut conn, node, lang).await?),
                ("date", date.clone()),
                ("link", link(application_id)),
            ];
            let key = format!(
                "deadline_near:{application_id}:{cohort}:{deadline}:{}",
                recipient_id.unwrap_or_default()
            );
            let reminder =
                notice("deadline_near", (recipient_id, email, lang), args, application_id, Some(key));
            queued += usize::from(queue(&mut conn, &reminder, now).await?);
        }
    }

    let ending: Vec<(i64, i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT e.id, e.application_id, e.cohort_id, e.person_id, e.ends_on, a.title FROM entitlements e \
         JOIN applications a ON a.id = e.application_id WHERE e.ended_at IS NULL AND e.ends_on >= $1 AND e.ends_on <= $2",
    )
    .bind(today.to_string())
    .bind((today + Duration::days(EXPIRY_REMINDER_DAYS)).to_string())
    .fetch_all(&mut *conn)
    .await?;
    for (entitlement, application_id, cohort, person, ends_on, title) in ending {
        for (recipient_id, email, lang) in people(&mut conn, &[PersonId(person)]).await? {
            let args = vec![
                ("title", title.clone()),
                ("cohort", acronym(&mut conn, CohortId(cohort)).await?),
                ("date", ends_on.clone()),
                ("link", link(application_id)),
            ];
            let key = format!("access_expiring:{entitlement}:{ends_on}");
            let reminder =
                notice("access_expiring", (recipient_id, email, lang), args, application_id, Some(key));
            queued += usize::from(queue(&mut conn, &reminder, now).await?);
        }
    }

    // A report is due each year after access began, unless one came in since.
    let holders: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT a.id, a.applicant_id, a.title, MIN(e.starts_on), \
                (SELECT MAX(ev.occurred_at) FROM application_events ev WHERE ev.application_id = a.id AND ev.kind = 'progress_reported') \
         FROM applications a JOIN entitlements e ON e.application_id = a.id \
         WHERE e.ended_at IS NULL AND a.state NOT IN ('closed', 'withdrawn') GROUP BY a.id, a.applicant_id, a.title",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (application_id, applicant, title, started, last_report) in holders {
        let Some(year) = progress_report_due(&started, last_report.as_deref(), today) else { continue };
        for (recipient_id, email, lang) in people(&mut conn, &[PersonId(applicant)]).await? {
            let args = vec![("title", title.clone()), ("link", link(application_id))];
            let key = format!("progress_report_due:{application_id}:{year}");
            let reminder =
                notice("progress_report_due", (recipient_id, email, lang), args, application_id, Some(key));
            queued += usize::from(queue(&mut conn, &reminder, now).await?);
        }
    }
    Ok(queued)
}

/// A notice about an application; a reminder carries the key that keeps it to once.
fn notice(
    kind: &'static str,
    (recipient_id, email, lang): Recipient,
    args: Vec<(&'static str, String)>,
    application_id: i64,
    dedupe_key: Option<String>,
) -> Notice {
    Notice {
        kind,
        recipient_id: recipient_id.map(i64::from),
        email,
        lang,
        args,
        about: crate::notifications::model::About::Application(application_id),
        dedupe_key,
    }
}

/// Which yearly report is due (1 for the first year…), if one is: a year or more since
/// access began and no report since the last anniversary.
pub fn progress_report_due(started: &str, last_report: Option<&str>, today: NaiveDate) -> Option<i64> {
    let started = NaiveDate::parse_from_str(started, "%Y-%m-%d").ok()?;
    let years = (today - started).num_days() / 365;
    if years < 1 {
        return None;
    }
    let anniversary = started + Duration::days(365 * years);
    let reported_since = last_report
        .and_then(db::parse_timestamp)
        .is_some_and(|at| kernel::stockholm::date(at) >= anniversary);
    (!reported_since).then_some(years)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_report_is_due_every_year_until_one_comes_in() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(progress_report_due("2026-01-10", None, day("2026-12-31")), None, "not before a year");
        assert_eq!(progress_report_due("2026-01-10", None, day("2027-01-10")), Some(1));
        assert_eq!(progress_report_due("2026-01-10", Some("2027-01-12T08:00:00Z"), day("2027-02-01")), None);
        assert_eq!(
            progress_report_due("2026-01-10", Some("2027-01-12T08:00:00Z"), day("2028-01-11")),
            Some(2)
        );
        assert_eq!(progress_report_due("not a date", None, day("2028-01-11")), None);
    }
}
