//! Two years of access applications at Uppsala and Umeå (illustrative, like the rest of
//! the demo), every step a command through the one executor at its own time, so every
//! event, clock, entitlement and audit row is genuine and the dashboard has a real shape.
//!
//! 120 applications, one every six days from 800 days ago; the first 112 are decided,
//! the last 8 are still in handling (one of them back with the applicant). Uppsala's
//! committee is the slow one: of every four of its applications one is approved in 40
//! days, one approved after 100 days (late), one returned for 10 days and approved after
//! 90 (80 of them the committee's), one rejected after 110 days (late). Umeå's approves
//! in 30 days, rejects in 50, extends and approves after 120, approves in 45.
//! Over the whole history: 112 decisions, 84 approved, 84 within the limit, 14 extended,
//! a median of 65 days. The mail these steps sent is not kept: it would bury the demo
//! outbox's mail of today.

use super::SeedError;
use crate::cohort_access::store;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use kernel::access::votes::Vote;
use kernel::access::{Actor, Command, Decision};
use kernel::{CohortId, NodeId, PersonId};

pub const APPLICATIONS: i64 = 120;
pub const DECIDED: i64 = 112;
/// Days between one application and the next; the first is this many days ago.
const EVERY_DAYS: i64 = 6;
const FIRST_DAYS_AGO: i64 = 800;

/// One step of an application's handling, in days after it was submitted.
enum Step {
    Decide { day: i64, approve: bool },
    Return { day: i64, back_after: i64 },
    Extend { day: i64 },
}

fn uppsala(cycle: i64) -> Vec<Step> {
    match cycle {
        0 => vec![Step::Decide { day: 40, approve: true }],
        1 => vec![Step::Decide { day: 100, approve: true }],
        2 => vec![Step::Return { day: 20, back_after: 10 }, Step::Decide { day: 90, approve: true }],
        _ => vec![Step::Decide { day: 110, approve: false }],
    }
}

fn umea(cycle: i64) -> Vec<Step> {
    match cycle {
        0 => vec![Step::Decide { day: 30, approve: true }],
        1 => vec![Step::Decide { day: 50, approve: false }],
        2 => vec![Step::Extend { day: 80 }, Step::Decide { day: 120, approve: true }],
        _ => vec![Step::Decide { day: 45, approve: true }],
    }
}

async fn id_of(db: &Db, sql: &str, key: &str) -> Result<i64, SeedError> {
    sqlx::query_scalar(sql)
        .bind(key)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| SeedError::BadData(format!("the access history needs {key}")))
}

fn refused(error: store::ExecuteError) -> SeedError {
    match error {
        crate::workflow::ExecuteError::Sql(error) => SeedError::from(error),
        other => SeedError::BadData(format!("a demo access command was refused: {other}")),
    }
}

/// Researchers who applied in the past (fictional; they cannot sign in: not demo
/// sign-in people), with what they declared of their gender, so the gender-balance
/// table has groups large enough to show.
const PAST_APPLICANTS: &[(&str, Option<&str>)] = &[
    ("Malin Åberg", Some("woman")),
    ("Elin Sandberg", Some("woman")),
    ("Hanna Lindahl", Some("woman")),
    ("Sara Nordin", Some("woman")),
    ("Linnea Forsberg", Some("woman")),
    ("Ida Engström", Some("woman")),
    ("Frida Holmqvist", Some("woman")),
    ("Emilia Sundberg", Some("woman")),
    ("Johan Eklund", Some("man")),
    ("Erik Lindholm", Some("man")),
    ("Anders Nyström", Some("man")),
    ("Mattias Öberg", Some("man")),
    ("Viktor Dahl", Some("man")),
    ("Gustav Sjögren", Some("man")),
    ("Robin Falk", Some("prefer_not_to_say")),
    ("Alex Morin", None),
    ("Kim Larsson", None),
    ("Jonas Wallin", Some("prefer_not_to_say")),
];

async fn past_applicants(db: &Db, now: DateTime<Utc>) -> Result<Vec<PersonId>, SeedError> {
    let mut tx = db.write().await?;
    let mut ids = Vec::new();
    for (name, gender) in PAST_APPLICANTS {
        let subject = format!("past-{}", name.to_lowercase().replace(' ', "-"));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (issuer, subject, display_name, home_organisation, gender, is_demo, created_at) \
             VALUES ($1, $2, $3, 'Uppsala University', $4, 0, $5) RETURNING id",
        )
        .bind(super::DEMO_ISSUER)
        .bind(&subject)
        .bind(*name)
        .bind(*gender)
        .bind(crate::db::timestamp(now - Duration::days(FIRST_DAYS_AGO + 1)))
        .fetch_one(&mut *tx)
        .await?;
        ids.push(PersonId(id));
    }
    tx.commit().await?;
    Ok(ids)
}

pub async fn seed_access_history(db: &Db, now: DateTime<Utc>) -> Result<(), SeedError> {
    let person = |name: &'static str| id_of(db, "SELECT id FROM people WHERE display_name = $1", name);
    let cohort = |slug: &'static str| id_of(db, "SELECT id FROM cohorts WHERE slug = $1", slug);
    let node = |slug: &'static str| id_of(db, "SELECT id FROM nodes WHERE slug = $1", slug);
    let mut applicants = vec![
        PersonId(person("Nils Berglund").await?),
        PersonId(person("Sofia Karlsson").await?),
        PersonId(person("Amir Rahimi").await?),
        PersonId(person("Ingrid Holm").await?),
    ];
    applicants.extend(past_applicants(db, now).await?);
    let (anna, karin) = (PersonId(person("Anna Ekström").await?), PersonId(person("Karin Sjöberg").await?));
    let (uppsala_node, umea_node) = (NodeId(node("uppsala").await?), NodeId(node("umea").await?));
    let scapis = CohortId(cohort("scapis").await?);
    let umea_cohorts =
        [CohortId(cohort("u-can").await?), CohortId(cohort("betula").await?), CohortId(cohort("vip").await?)];
    let titles = [
        "Blood pressure trajectories and coronary calcium",
        "Polygenic risk and early atherosclerosis",
        "Lifestyle and cancer incidence in northern Sweden",
        "Memory decline and cardiovascular risk factors",
        "Sleep, inflammation and heart disease",
        "Biomarkers of treatment response in colorectal cancer",
    ];
    let mut history = Vec::new();
    for i in 0..APPLICATIONS {
        let at_uppsala = i % 2 == 0;
        let cycle = (i / 2) % 4;
        let (node, cohort, committee_person) = if at_uppsala {
            (uppsala_node, scapis, anna)
        } else {
            (umea_node, umea_cohorts[((i / 2) % 3) as usize], karin)
        };
        let applicant = applicants[i as usize % applicants.len()];
        let team = Actor::person(applicant);
        let committee = Actor::committee(committee_person, &[node]);
        let created = now - Duration::days(FIRST_DAYS_AGO - EVERY_DAYS * i);
        let submitted = created + Duration::days(1);
        let day = |d: i64| submitted + Duration::days(d) + Duration::hours(2);
        let title = format!("{} ({})", titles[(i % 6) as usize], 2 + i / 60);
        let id = store::create(db, &team, &title, &[cohort], created).await.map_err(refused)?;
        history.push(id);
        let act = |actor: &Actor, command: Command, at: DateTime<Utc>| {
            let actor = actor.clone();
            async move { store::execute(db, id, &actor, command, at).await.map(|_| ()).map_err(refused) }
        };
        act(&team, Command::AcceptTerms { cohort }, created + Duration::hours(1)).await?;
        act(&team, Command::Submit, submitted).await?;
        act(&committee, Command::AssignHandler { node, handler: committee_person }, day(1)).await?;
        let steps = if at_uppsala { uppsala(cycle) } else { umea(cycle) };
        for step in steps {
            match step {
                Step::Return { day: d, back_after } => {
                    let questions = "Which variables do you need, and why these years?".to_owned();
                    act(&committee, Command::ReturnForChanges { node, questions }, day(d)).await?;
                    if i >= DECIDED {
                        break;
                    }
                    act(&team, Command::Submit, day(d + back_after)).await?;
                    act(
                        &committee,
                        Command::AssignHandler { node, handler: committee_person },
                        day(d + back_after),
                    )
                    .await?;
                }
                Step::Extend { day: d } if i < DECIDED => {
                    let reason = "The ethics approval's amendment is still with the authority.".to_owned();
                    act(&committee, Command::ExtendDeadline { node, reason }, day(d)).await?;
                }
                Step::Decide { day: d, approve } if i < DECIDED => {
                    let vote = if approve { Vote::Approve } else { Vote::Reject };
                    act(&committee, Command::Vote { cohort, vote, comment: String::new() }, day(d)).await?;
                    let decision = if approve {
                        Decision::Approve {
                            ends_on: (day(d) + Duration::days(365)).date_naive(),
                            conditions: String::new(),
                        }
                    } else {
                        Decision::Reject {
                            reasons: "The purpose lies outside the cohort's consent.".to_owned(),
                        }
                    };
                    act(&committee, Command::Decide { cohort, decision }, day(d)).await?;
                }
                _ => {}
            }
        }
    }
    let mut sql = crate::db::Sql::default();
    sql.push("DELETE FROM notifications WHERE application_id IN (").bind_ints(&history).push(")");
    sql.query().execute(db.pool()).await?;
    Ok(())
}
