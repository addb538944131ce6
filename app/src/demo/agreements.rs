//! The demo's collaboration agreements (illustrative, like the rest of the demo data), made
//! the way people would make them: every step a command through the one executor, so each
//! agreement's log is real. One is a draft, one is out for signature, one is active with
//! an overdue milestone. Signatures are demo confirmations and say so.

use super::SeedError;
use crate::agreements::views::DEMO_ISSUER;
use crate::db::Db;
use crate::workflow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::agreement::model::{CollaborationModel, IpRule, Language, PartyKind};
use kernel::agreement::money::{Contribution, ContributionKind, FundingSource, ResearchCategory};
use kernel::agreement::review::{ApprovalOrder, ApprovalPlan, ApprovalRole};
use kernel::agreement::schedule::{Milestone, MilestoneKind, Obligation, ObligationKind};
use kernel::agreement::signing::{Authentication, Capacity, Client, SigningRequest};
use kernel::agreement::terms::{Authority, BackgroundEntry, Party, PartyRole, Researcher, Signatory, Terms};
use kernel::agreement::{Agreement, Command, PersonCommand};
use kernel::codes::CompanySize;
use kernel::{OrganisationId, PersonId};

/// A demo person or organisation by its display name or slug.
struct Demo {
    people: std::collections::BTreeMap<String, PersonId>,
    organisations: std::collections::BTreeMap<String, OrganisationId>,
}

impl Demo {
    fn person(&self, name: &str) -> Result<PersonId, SeedError> {
        self.people.get(name).copied().ok_or_else(|| SeedError::BadData(format!("no demo person {name}")))
    }

    fn organisation(&self, slug: &str) -> Result<OrganisationId, SeedError> {
        self.organisations
            .get(slug)
            .copied()
            .ok_or_else(|| SeedError::BadData(format!("no demo organisation {slug}")))
    }
}

fn refused(error: workflow::ExecuteError<kernel::agreement::Refusal>) -> SeedError {
    match error {
        workflow::ExecuteError::Sql(error) => SeedError::from(error),
        other => SeedError::BadData(format!("a demo agreement was refused: {other}")),
    }
}

/// Runs one command as this person at this time.
async fn act(
    db: &Db,
    id: i64,
    person: PersonId,
    command: Command,
    at: DateTime<Utc>,
) -> Result<(), SeedError> {
    let actor = actor_of(db, person).await?;
    workflow::execute::<Agreement>(db, id, &actor, command, at).await.map_err(refused)?;
    Ok(())
}

/// The demo person as the agreement's rules see them.
async fn actor_of(db: &Db, person: PersonId) -> Result<kernel::agreement::Actor, SeedError> {
    let viewer = crate::identity::store::load_person(db, person)
        .await?
        .ok_or_else(|| SeedError::BadData(format!("demo person {person} is missing")))?;
    let mut conn = db.read().await?;
    Ok(crate::agreements::store::actor(&mut conn, &viewer).await?)
}

/// A demo signature: what a real one records, with the demo as the issuer.
fn demo_sign(capacity: Capacity, version: u32, hash: String, subject: &str, at: DateTime<Utc>) -> Command {
    Command::Sign {
        capacity,
        request: SigningRequest {
            version,
            hash,
            nonce: format!("demo-{subject}-{version}"),
            requested_at: at,
        },
        authentication: Authentication {
            issuer: DEMO_ISSUER.into(),
            subject: subject.into(),
            acr: None,
            amr: vec!["demo".into()],
            auth_time: at,
        },
        client: Client { ip: "127.0.0.1".into(), user_agent: "portal seed-demo".into() },
    }
}

fn cash(party: OrganisationId, year: i32, amount: i64, source: FundingSource, what: &str) -> Contribution {
    Contribution { party, year, kind: ContributionKind::Cash { amount }, source, description: what.into() }
}

fn hours(party: OrganisationId, year: i32, hours: i64, rate: i64, what: &str) -> Contribution {
    Contribution {
        party,
        year,
        kind: ContributionKind::Hours { hours, rate },
        source: FundingSource::Own,
        description: what.into(),
    }
}

fn signatory(person: PersonId, name: &str, title: &str, authority: Authority, step: u8) -> Signatory {
    Signatory { person, name: name.into(), title: title.into(), authority, step }
}

/// Nordbiotix and Lund University, with David Okafor's undertaking.
fn nordbiotix_and_lund(d: &Demo, title: &str, start: NaiveDate, months: u32) -> Result<Terms, SeedError> {
    let (company, university) = (d.organisation("nordbiotix")?, d.organisation("lu")?);
    let end = kernel::dates::add_months(start, months).unwrap_or(start);
    let year = |offset: i32| chrono::Datelike::year(&start) + offset;
    Ok(Terms {
        title: title.into(),
        purpose: "att validera Nordbiotix biomarkörpanel för tidig sepsis på akutmottagningar i Skåne (demo)"
            .into(),
        language: Language::Sv,
        start: Some(start),
        end: Some(end),
        parties: vec![
            Party {
                organisation: company,
                name: "Nordbiotix AB (fictional)".into(),
                kind: PartyKind::SpinOut,
                organisation_number: "559901-0013".into(),
                role: PartyRole::Coordinator,
                size: Some(CompanySize::Small),
                signatories: vec![signatory(
                    d.person("Emma Novak")?,
                    "Emma Novak",
                    "VD",
                    Authority::Statutory,
                    1,
                )],
            },
            Party {
                organisation: university,
                name: "Lund University".into(),
                kind: PartyKind::University,
                organisation_number: "202100-3211".into(),
                role: PartyRole::Partner,
                size: None,
                signatories: vec![signatory(
                    d.person("Helena Vik")?,
                    "Helena Vik",
                    "Avtalsansvarig enligt delegation",
                    Authority::Delegation,
                    2,
                )],
            },
        ],
        researchers: vec![Researcher {
            person: d.person("David Okafor")?,
            name: "David Okafor".into(),
            university,
        }],
        contributions: vec![
            cash(company, year(0), 600_000, FundingSource::Own, "Reagenser och analyser"),
            hours(company, year(0), 800, 950, "Utveckling och projektledning"),
            cash(university, year(0), 900_000, FundingSource::Vinnova, "Vinnova-bidrag, klinisk validering"),
            hours(university, year(1), 1_200, 750, "Forskare och forskningssjuksköterska"),
        ],
        research_category: ResearchCategory::IndustrialResearch,
        market_price_paid: false,
        cost_of_developed_goods:
            "Panelen säljs till parterna till självkostnadspris under fem år efter projektet.".into(),
        background: vec![
            BackgroundEntry {
                party: company,
                what: "Biomarkörpanelen och dess algoritm (patentansökan)".into(),
                owner: "Nordbiotix AB".into(),
                restrictions: "Endast inom projektet".into(),
                project_use: "Avgiftsfritt".into(),
                exploitation: "Separat licens".into(),
                essential: true,
            },
            BackgroundEntry {
                party: university,
                what: "Prover ur sepsiskohorten i Skåne".into(),
                owner: "Lunds universitet".into(),
                restrictions: "Etikprövat ändamål".into(),
                project_use: "Avgiftsfritt".into(),
                exploitation: "Ingår inte".into(),
                essential: true,
            },
        ],
        foreground_exceptions: Vec::new(),
        milestones: vec![
            Milestone {
                code: "M1".into(),
                title: "Panelen låst och studieprotokoll godkänt".into(),
                kind: MilestoneKind::Milestone,
                due: start + Duration::days(60),
                responsible: company,
                acceptance: "Styrgruppen godkänner specifikationen".into(),
            },
            Milestone {
                code: "D1".into(),
                title: "Valideringsrapport".into(),
                kind: MilestoneKind::Deliverable,
                due: end - Duration::days(30),
                responsible: university,
                acceptance: "Rapporten godkänd av båda parter".into(),
            },
        ],
        obligations: vec![Obligation {
            code: "R".into(),
            kind: ObligationKind::ProgressReport,
            responsible: company,
            first_due: start + Duration::days(180),
            every_months: 6,
            until: None,
        }],
        trl_start: Some(5),
        annexes: Vec::new(),
        negotiated: Default::default(),
    })
}

/// Cellvia and Umeå University: a small service collaboration, still a draft.
fn cellvia_and_umea(d: &Demo, start: NaiveDate) -> Result<Terms, SeedError> {
    let (company, university) = (d.organisation("cellvia")?, d.organisation("umu")?);
    Ok(Terms {
        title: "Bildanalys av cellprover med Umeås plattform (demo)".into(),
        purpose: "att pröva Cellvias provberedning mot nodens bildanalysplattform".into(),
        language: Language::Sv,
        start: Some(start),
        end: kernel::dates::add_months(start, 12),
        parties: vec![
            Party {
                organisation: company,
                name: "Cellvia Diagnostics AB (fictional)".into(),
                kind: PartyKind::SpinOut,
                organisation_number: "559901-0021".into(),
                role: PartyRole::Coordinator,
                size: Some(CompanySize::Micro),
                signatories: vec![signatory(
                    d.person("Oskar Wik")?,
                    "Oskar Wik",
                    "VD",
                    Authority::Statutory,
                    1,
                )],
            },
            Party {
                organisation: university,
                name: "Umeå University".into(),
                kind: PartyKind::University,
                organisation_number: "202100-2874".into(),
                role: PartyRole::Partner,
                size: None,
                signatories: Vec::new(),
            },
        ],
        contributions: vec![
            cash(company, chrono::Datelike::year(&start), 150_000, FundingSource::Own, "Plattformstid"),
            hours(university, chrono::Datelike::year(&start), 200, 800, "Bildanalytiker"),
        ],
        trl_start: Some(6),
        ..Terms::default()
    })
}

fn model_with(models: &[CollaborationModel], rule: IpRule) -> Result<CollaborationModel, SeedError> {
    models
        .iter()
        .find(|m| m.ip_rule == rule)
        .cloned()
        .ok_or_else(|| SeedError::BadData(format!("no example model with {rule:?}")))
}

/// Creates one agreement outside a call (the demo has no selected proposal yet).
async fn create(db: &Db, admin: PersonId, terms: Terms, at: DateTime<Utc>) -> Result<i64, SeedError> {
    let plan = ApprovalPlan {
        roles: vec![ApprovalRole::Legal, ApprovalRole::Finance],
        order: ApprovalOrder::InOrder,
    };
    let mut insert = crate::db::Sql::default();
    insert.push("INSERT INTO agreements (started_by, started_at, updated_at) VALUES (");
    insert.bind(crate::db::Bind::Int(admin.get())).push(", ");
    insert.bind(crate::db::Bind::Text(crate::db::timestamp(at))).push(", ");
    insert.bind(crate::db::Bind::Text(crate::db::timestamp(at))).push(") RETURNING id");
    let actor = actor_of(db, admin).await?;
    let (id, _) = workflow::create::<Agreement>(
        db,
        insert,
        &actor,
        Command::CreateOutsideCall { approval: plan, terms },
        at,
    )
    .await
    .map_err(refused)?;
    Ok(id)
}

/// Takes one agreement from its draft through the internal review and the parties'
/// acceptance to being out for signature.
async fn to_signature(
    db: &Db,
    d: &Demo,
    id: i64,
    model: CollaborationModel,
    at: DateTime<Utc>,
) -> Result<(), SeedError> {
    let minutes = |n: i64| at + Duration::minutes(n);
    let maria = d.person("Maria Lund")?;
    act(db, id, maria, Command::ChooseModel { model }, minutes(1)).await?;
    act(db, id, maria, PersonCommand::SendForInternalReview.into(), minutes(2)).await?;
    act(
        db,
        id,
        d.person("Lena Juhl")?,
        PersonCommand::Approve { role: ApprovalRole::Legal }.into(),
        minutes(60),
    )
    .await?;
    act(
        db,
        id,
        d.person("Fredrik Ström")?,
        PersonCommand::Approve { role: ApprovalRole::Finance }.into(),
        minutes(120),
    )
    .await?;
    // The version the review passed is the one the parties read (it froze when sent).
    let version = 1;
    let nordbiotix = d.organisation("nordbiotix")?;
    let lund = d.organisation("lu")?;
    act(
        db,
        id,
        d.person("Emma Novak")?,
        PersonCommand::AcceptVersion { party: nordbiotix, version }.into(),
        minutes(200),
    )
    .await?;
    act(
        db,
        id,
        d.person("Helena Vik")?,
        PersonCommand::AcceptVersion { party: lund, version }.into(),
        minutes(300),
    )
    .await?;
    act(db, id, maria, PersonCommand::SendForSignature.into(), minutes(310)).await?;
    Ok(())
}

/// Signs the agreement out for signature in the order its rules ask: the researcher's
/// undertaking, then the company, then the university.
async fn sign_all(db: &Db, d: &Demo, id: i64, at: DateTime<Utc>) -> Result<(), SeedError> {
    let mut conn = db.read().await?;
    let (agreement, _) = workflow::load::<Agreement>(&mut conn, id).await.map_err(refused)?;
    drop(conn);
    let round = agreement
        .signing
        .clone()
        .ok_or_else(|| SeedError::BadData("the demo agreement is not out for signature".into()))?;
    let lund = d.organisation("lu")?;
    let steps = [
        ("David Okafor", "david-okafor", Capacity::Undertaking { university: lund }),
        ("Emma Novak", "emma-novak", Capacity::Party { organisation: d.organisation("nordbiotix")? }),
        ("Helena Vik", "helena-vik", Capacity::Party { organisation: lund }),
    ];
    for (n, (name, subject, capacity)) in steps.into_iter().enumerate() {
        let when = at + Duration::hours(n as i64 + 1);
        act(
            db,
            id,
            d.person(name)?,
            demo_sign(capacity, round.version, round.hash.clone(), subject, when),
            when,
        )
        .await?;
    }
    Ok(())
}

/// The demo's three agreements, the legal and finance approvers, and the example models.
pub async fn seed_demo_agreements(db: &Db) -> Result<(), SeedError> {
    let now = Utc::now();
    let mut conn = db.read().await?;
    crate::agreements::store::seed_models(&mut conn, now).await?;
    let models = crate::agreements::store::models(&mut conn).await?;
    let people: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, display_name FROM people WHERE is_demo = 1").fetch_all(&mut *conn).await?;
    let organisations: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, slug FROM organisations").fetch_all(&mut *conn).await?;
    drop(conn);
    let d = Demo {
        people: people.into_iter().map(|(id, name)| (name, PersonId(id))).collect(),
        organisations: organisations.into_iter().map(|(id, slug)| (slug, OrganisationId(id))).collect(),
    };
    for (role, name) in [(ApprovalRole::Legal, "Lena Juhl"), (ApprovalRole::Finance, "Fredrik Ström")] {
        sqlx::query("INSERT INTO agreement_approvers (role, person_id) VALUES ($1, $2)")
            .bind(role.code())
            .bind(d.person(name)?.get())
            .execute(db.pool())
            .await?;
    }
    let maria = d.person("Maria Lund")?;
    let today = kernel::stockholm::date(now);
    let mail_before: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM notifications").fetch_one(db.pool()).await?;

    // Active, its first milestone a month overdue.
    let started = now - Duration::days(150);
    let terms =
        nordbiotix_and_lund(&d, "Tidig upptäckt av sepsis på akuten (demo)", today - Duration::days(90), 24)?;
    let active = create(db, maria, terms, started).await?;
    to_signature(db, &d, active, model_with(&models, IpRule::AcademicOwnsExclusiveOption)?, started).await?;
    sign_all(db, &d, active, started + Duration::days(10)).await?;

    // Out for signature, nobody has signed yet.
    let sent = now - Duration::days(5);
    let terms = nordbiotix_and_lund(
        &d,
        "Snabbtest för troponin i primärvården (demo)",
        today + Duration::days(30),
        18,
    )?;
    let waiting = create(db, maria, terms, sent).await?;
    to_signature(db, &d, waiting, model_with(&models, IpRule::CompanyOwnsResearchUseKept)?, sent).await?;

    // A draft with its model chosen.
    let drafted = now - Duration::days(2);
    let draft = create(db, maria, cellvia_and_umea(&d, today + Duration::days(60))?, drafted).await?;
    act(
        db,
        draft,
        maria,
        Command::ChooseModel { model: model_with(&models, IpRule::CompanyOwnsContractResearch)? },
        drafted + Duration::minutes(5),
    )
    .await?;
    // The demo's history is in the past: the mail it caused is not waiting to go.
    sqlx::query("DELETE FROM notifications WHERE id > $1")
        .bind(mail_before.unwrap_or(0))
        .execute(db.pool())
        .await?;
    Ok(())
}
