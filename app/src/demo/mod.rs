//! `portal seed-demo`: loads the illustrative demo data into an empty database.

use crate::audit::{NewEvent, record_in};
use crate::catalogue::model::{ConsentCode, DatasetRecord, DuoTerm, Localized, Origin, vocabulary};
use crate::catalogue::store::{NewRecord, insert_record};
use crate::db::{self, Db};
use crate::identity::model::Role;
use serde::Deserialize;
use std::collections::HashMap;

mod access_history;
mod agreements;

pub use access_history::{APPLICATIONS as HISTORY_APPLICATIONS, DECIDED as HISTORY_DECIDED};

const DEMO_DATA: &str = include_str!("demo-data.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoData {
    pub nodes: Vec<DemoNode>,
    pub organisations: Vec<DemoOrganisation>,
    pub cohorts: Vec<DemoCohort>,
    pub people: Vec<DemoPersonSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoNode {
    pub slug: String,
    pub name_sv: String,
    pub name_en: String,
    pub city: String,
    pub sort_order: i64,
    pub contact_email: String,
    pub description_sv: String,
    pub description_en: String,
    pub services: Vec<String>,
    /// A page of `server/demo-catalogues/`, e.g. `uppsala/page-1.ttl`.
    pub demo_catalogue: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoOrganisation {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub company_kind: Option<String>,
    pub node: Option<String>,
    pub city: Option<String>,
    #[serde(default)]
    pub illustrative: bool,
    /// Companies: a made-up organisation number (with a valid check digit) and size.
    pub org_number: Option<String>,
    pub size: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConsent {
    pub code: String,
    pub disease: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCohort {
    pub slug: String,
    pub acronym: String,
    pub title_sv: String,
    pub title_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub population_sv: String,
    pub population_en: String,
    pub participants: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub nodes: Vec<String>,
    pub data_types: Vec<String>,
    pub sample_types: Vec<String>,
    pub disease_areas: Vec<String>,
    pub keywords: Vec<String>,
    pub consent: Vec<DemoConsent>,
    pub access_conditions_sv: String,
    pub access_conditions_en: String,
    pub access_committee: Option<String>,
    /// The node whose committee decides on it (else the first of `nodes`).
    pub deciding_node: Option<String>,
}

impl DemoCohort {
    pub fn record(&self) -> DatasetRecord {
        DatasetRecord {
            acronym: self.acronym.clone(),
            title: Localized::new(&self.title_sv, &self.title_en),
            description: Localized::new(&self.description_sv, &self.description_en),
            population: Localized::new(&self.population_sv, &self.population_en),
            participants: self.participants,
            age_min: self.age_min,
            age_max: self.age_max,
            data_types: self.data_types.clone(),
            sample_types: self.sample_types.clone(),
            disease_areas: self.disease_areas.clone(),
            keywords: self.keywords.clone(),
            consent_codes: self
                .consent
                .iter()
                .filter_map(|c| {
                    Some(ConsentCode { term: DuoTerm::parse(&c.code)?, disease_term: c.disease.clone() })
                })
                .collect(),
            access_conditions: Localized::new(&self.access_conditions_sv, &self.access_conditions_en),
            access_committee: self.access_committee.clone(),
            access_rights: Default::default(),
            landing_page: None,
            last_modified: None,
        }
        .normalized()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRole {
    pub role: String,
    pub node: Option<String>,
    pub cohort: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPersonSpec {
    pub subject: String,
    pub display_name: String,
    pub email: String,
    pub home_organisation: String,
    pub organisations: Vec<String>,
    pub lang: String,
    /// What the person declared in their profile (absent: no answer).
    #[serde(default)]
    pub gender: Option<String>,
    pub roles: Vec<DemoRole>,
}

/// The issuer demo people carry: they cannot collide with any real identity provider.
pub const DEMO_ISSUER: &str = "urn:portal:demo";

pub fn demo_data() -> Result<DemoData, String> {
    let data: DemoData = toml::from_str(DEMO_DATA).map_err(|e| e.to_string())?;
    data.check()?;
    Ok(data)
}

impl DemoData {
    /// Cross-references and vocabularies: a broken demo file fails here, not half-way in.
    pub fn check(&self) -> Result<(), String> {
        let nodes: Vec<&str> = self.nodes.iter().map(|n| n.slug.as_str()).collect();
        let orgs: Vec<&str> = self.organisations.iter().map(|o| o.slug.as_str()).collect();
        let cohorts: Vec<&str> = self.cohorts.iter().map(|c| c.slug.as_str()).collect();
        let in_vocabulary = |facet: &str, value: &str| vocabulary(facet).is_some_and(|v| v.contains(&value));
        for node in &self.nodes {
            for service in &node.services {
                if !in_vocabulary("service", service) {
                    return Err(format!("node {}: unknown service {service}", node.slug));
                }
            }
        }
        for org in &self.organisations {
            if let Some(node) = org.node.as_deref().filter(|n| !nodes.contains(n)) {
                return Err(format!("organisation {}: unknown node {node}", org.slug));
            }
        }
        for cohort in &self.cohorts {
            if let Some(node) = cohort.deciding_node.as_ref().filter(|n| !cohort.nodes.contains(n)) {
                return Err(format!("cohort {}: decided by {node}, which does not hold it", cohort.slug));
            }
            for node in &cohort.nodes {
                if !nodes.contains(&node.as_str()) {
                    return Err(format!("cohort {}: unknown node {node}", cohort.slug));
                }
            }
            for (facet, values) in [
                ("data_type", &cohort.data_types),
                ("sample_type", &cohort.sample_types),
                ("disease_area", &cohort.disease_areas),
            ] {
                if let Some(value) = values.iter().find(|v| !in_vocabulary(facet, v)) {
                    return Err(format!("cohort {}: unknown {facet} {value}", cohort.slug));
                }
            }
            for consent in &cohort.consent {
                let term = DuoTerm::parse(&consent.code)
                    .ok_or_else(|| format!("cohort {}: unknown DUO code {}", cohort.slug, consent.code))?;
                if (term == DuoTerm::Ds) != consent.disease.is_some() {
                    return Err(format!("cohort {}: DS, and only DS, names a disease", cohort.slug));
                }
            }
        }
        for person in &self.people {
            if let Some(org) = person.organisations.iter().find(|o| !orgs.contains(&o.as_str())) {
                return Err(format!("person {}: unknown organisation {org}", person.subject));
            }
            for role in &person.roles {
                Role::parse(&role.role)
                    .ok_or_else(|| format!("person {}: unknown role {}", person.subject, role.role))?;
                if role.node.as_deref().is_some_and(|n| !nodes.contains(&n))
                    || role.cohort.as_deref().is_some_and(|c| !cohorts.contains(&c))
                {
                    return Err(format!(
                        "person {}: role scope names an unknown node or cohort",
                        person.subject
                    ));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Loaded { nodes: usize, organisations: usize, cohorts: usize, people: usize },
    SkippedNotEmpty,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the demo data file is broken: {0}")]
    BadData(String),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

async fn insert_id<'a>(
    tx: &'a mut sqlx::Transaction<'_, sqlx::Any>,
    query: sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>>,
) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    let row = query.fetch_one(&mut **tx).await?;
    row.try_get::<i64, _>(0)
}

/// Loads the demo data in one transaction, unless the database already has nodes. With a
/// base URL, the nodes that have a demo catalogue point at the portal's own fixture copy
/// of it (`/demo-catalogues/…`, served in demo mode), so harvesting works out of the box.
/// Was this database made by `portal seed-demo`? Only then may anyone sign in as anyone.
pub async fn is_demo_database(db: &Db) -> Result<bool, sqlx::Error> {
    let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM portal_marks WHERE mark = 'demo_database'")
        .fetch_one(db.pool())
        .await?;
    Ok(marks > 0)
}

pub async fn seed_demo(db: &Db, demo_catalogue_base: Option<&str>) -> Result<SeedOutcome, SeedError> {
    seed(db, demo_catalogue_base, true).await
}

/// The demo without its two years of access history: for tests whose own scenario counts
/// a whole committee queue, outbox or entitlement list.
pub async fn seed_demo_without_history(
    db: &Db,
    demo_catalogue_base: Option<&str>,
) -> Result<SeedOutcome, SeedError> {
    seed(db, demo_catalogue_base, false).await
}

async fn seed(
    db: &Db,
    demo_catalogue_base: Option<&str>,
    with_history: bool,
) -> Result<SeedOutcome, SeedError> {
    let data = demo_data().map_err(SeedError::BadData)?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nodes").fetch_one(db.pool()).await?;
    if existing > 0 {
        return Ok(SeedOutcome::SkippedNotEmpty);
    }
    let now = db::now();
    let mut tx = db.pool().begin().await?;
    let mut node_ids: HashMap<&str, i64> = HashMap::new();
    for node in &data.nodes {
        let id = insert_id(&mut tx, sqlx::query(
            "INSERT INTO nodes (slug, name_sv, name_en, city, description_sv, description_en, contact_email, sort_order, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(&node.slug).bind(&node.name_sv).bind(&node.name_en).bind(&node.city)
        .bind(&node.description_sv).bind(&node.description_en).bind(&node.contact_email)
        .bind(node.sort_order).bind(&now)).await?;
        for service in &node.services {
            sqlx::query("INSERT INTO node_services (node_id, service) VALUES ($1, $2)")
                .bind(id)
                .bind(service)
                .execute(&mut *tx)
                .await?;
        }
        node_ids.insert(&node.slug, id);
    }
    let mut org_ids: HashMap<&str, i64> = HashMap::new();
    for org in &data.organisations {
        let id = insert_id(&mut tx, sqlx::query(
            "INSERT INTO organisations (slug, name, kind, company_kind, node_id, city, illustrative, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&org.slug).bind(&org.name).bind(&org.kind).bind(&org.company_kind)
        .bind(org.node.as_deref().map(|n| node_ids[n])).bind(&org.city)
        .bind(i64::from(org.illustrative)).bind(&now)).await?;
        org_ids.insert(&org.slug, id);
        if let (Some(number), Some(size)) = (&org.org_number, &org.size) {
            sqlx::query(
                "INSERT INTO company_profiles (organisation_id, org_number, size, contact_name, contact_email, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'Demo contact (fictional)', $4, $5, $5)",
            )
            .bind(id)
            .bind(number)
            .bind(size)
            .bind(format!("contact@{}.example.com", org.slug))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut cohort_ids: HashMap<&str, i64> = HashMap::new();
    for cohort in &data.cohorts {
        let nodes: Vec<i64> = cohort.nodes.iter().map(|n| node_ids[n.as_str()]).collect();
        let record = cohort.record();
        let id = insert_record(
            &mut tx,
            NewRecord {
                slug: &cohort.slug,
                record: &record,
                origin: Origin::Entered,
                illustrative: true,
                node_ids: &nodes,
                source_node_id: None,
                source_iri: None,
                digest: None,
            },
        )
        .await?;
        if let Some(node) = &cohort.deciding_node {
            sqlx::query("UPDATE cohorts SET deciding_node_id = $1 WHERE id = $2")
                .bind(node_ids[node.as_str()])
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        cohort_ids.insert(&cohort.slug, id);
    }
    // The demo committees are small: one vote carries a decision.
    let rules = kernel::access::NodeRules {
        votes: kernel::access::votes::VoteRule { quorum: 1, ..Default::default() },
        ..Default::default()
    };
    for id in node_ids.values() {
        crate::cohort_access::store::set_node_rules(&mut tx, kernel::NodeId(*id), rules).await?;
    }
    if let Some(base) = demo_catalogue_base {
        for node in &data.nodes {
            let Some(path) = &node.demo_catalogue else { continue };
            let folder = path.split('/').next().unwrap_or_default();
            sqlx::query(
                "UPDATE nodes SET catalogue_url = $1, catalogue_site_url = $2, catalogue_is_demo = 1 WHERE id = $3",
            )
            .bind(format!("{}/demo-catalogues/{path}", base.trim_end_matches('/')))
            .bind(format!("{}/demo-catalogues/{folder}/", base.trim_end_matches('/')))
            .bind(node_ids[node.slug.as_str()])
            .execute(&mut *tx)
            .await?;
        }
    }
    for person in &data.people {
        let id = insert_id(&mut tx, sqlx::query(
            "INSERT INTO people (issuer, subject, display_name, email, home_organisation, preferred_lang, gender, is_demo, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING id",
        )
        .bind(DEMO_ISSUER).bind(&person.subject).bind(&person.display_name).bind(&person.email)
        .bind(&person.home_organisation).bind(&person.lang).bind(&person.gender).bind(&now)).await?;
        for org in &person.organisations {
            sqlx::query("INSERT INTO memberships (person_id, organisation_id) VALUES ($1, $2)")
                .bind(id)
                .bind(org_ids[org.as_str()])
                .execute(&mut *tx)
                .await?;
        }
        for role in &person.roles {
            sqlx::query(
                "INSERT INTO role_assignments (person_id, role, scope_node_id, scope_cohort_id, granted_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id).bind(&role.role)
            .bind(role.node.as_deref().map(|n| node_ids[n]))
            .bind(role.cohort.as_deref().map(|c| cohort_ids[c]))
            .bind(&now).execute(&mut *tx).await?;
        }
    }
    record_in(
        &mut tx,
        NewEvent {
            actor_id: None,
            subject_kind: "database",
            subject_id: "demo".into(),
            action: "demo_data_loaded",
            from_state: Some("empty".into()),
            to_state: Some("demo".into()),
            reason: Some("portal seed-demo".into()),
            summary: Some("demo nodes, organisations, cohorts and people loaded".into()),
            nodes: Vec::new(),
        },
    )
    .await?;
    // Demo sign-in works only on a database marked as the demo's (see is_demo_database).
    sqlx::query(
        "INSERT INTO portal_marks (mark, value, created_at) VALUES ('demo_database', 'portal seed-demo', $1)",
    )
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    seed_demo_call(db).await?;
    agreements::seed_demo_agreements(db).await?;
    if with_history {
        access_history::seed_access_history(db, chrono::Utc::now()).await?;
    }
    kpi_targets(db).await?;
    Ok(SeedOutcome::Loaded {
        nodes: data.nodes.len(),
        organisations: data.organisations.len(),
        cohorts: data.cohorts.len(),
        people: data.people.len(),
    })
}

/// The board's targets for this year (illustrative): decisions within the legal limit,
/// and how many agreements should come into force; and one action the board agreed.
async fn kpi_targets(db: &Db) -> Result<(), SeedError> {
    use kernel::kpi::Kpi;
    use kernel::kpi::notes::{Note, NoteKind};
    use kernel::kpi::targets::{Target, TargetPeriod};
    let board: i64 = sqlx::query_scalar("SELECT id FROM people WHERE display_name = 'Per Almqvist'")
        .fetch_one(db.pool())
        .await?;
    let year = TargetPeriod::Year(chrono::Datelike::year(&kernel::stockholm::date(chrono::Utc::now())));
    let targets = [
        (
            Kpi::DecidedWithinLimit,
            0.9,
            "The access committees' chairs",
            "EHDS: every decision within three months of a complete application.",
        ),
        (
            Kpi::DaysToAccessDecision,
            60.0,
            "The access committees' chairs",
            "Half of the decisions within two months.",
        ),
        (
            Kpi::AgreementsSigned,
            4.0,
            "The co-creation office",
            "Four selected projects under agreement this year.",
        ),
    ];
    let mut tx = db.write().await?;
    for (kpi, value, owner, rationale) in targets {
        let target = Target {
            kpi,
            period: year,
            direction: kpi.usual_direction(),
            value,
            owner: owner.into(),
            rationale: rationale.into(),
        };
        crate::kpi::store::set_target(&mut tx, kernel::PersonId(board), &target).await?;
    }
    let note = Note {
        kpi: Kpi::DecidedWithinLimit,
        period: year,
        kind: NoteKind::Action,
        text: "Uppsala's committee adds a second handler and meets every two weeks until its decisions are back within the limit.".into(),
    };
    crate::kpi::store::add_note(&mut tx, kernel::PersonId(board), &note).await?;
    tx.commit().await?;
    Ok(())
}

/// One open co-creation call, from two weeks ago to two months ahead, with the default criteria.
async fn seed_demo_call(db: &Db) -> Result<(), SeedError> {
    use crate::co_creation::scoring::HalfPoints;
    let admin: Option<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN role_assignments r ON r.person_id = p.id WHERE r.role = 'administrator' ORDER BY p.id",
    )
    .fetch_optional(db.pool())
    .await?;
    let Some(admin) = admin else { return Ok(()) };
    let now = chrono::Utc::now();
    let three = HalfPoints::new(6).unwrap_or(HalfPoints::MAX);
    let criteria =
        crate::co_creation::store::default_criteria().into_iter().map(|row| (row, three, 1)).collect();
    let input = crate::co_creation::store::CallInput {
        title_sv: "Precisionsdiagnostik för tidigare upptäckt 2027 (demo)".into(),
        title_en: "Precision diagnostics for earlier detection 2027 (demo)".into(),
        body_sv: DEMO_CALL_SV.into(),
        body_en: DEMO_CALL_EN.into(),
        opens_at: now - chrono::Duration::days(14),
        closes_at: now + chrono::Duration::days(60),
        trl_min: 5,
        trl_max: 9,
        disease_areas: "Cancer, Cardiovascular disease, Sepsis".into(),
        expression_of_interest: false,
        overall_threshold: three,
        reviewers_per_proposal: 3,
        published: true,
        criteria: Some(criteria),
    };
    crate::co_creation::store::save_call(db, kernel::PersonId(admin), None, &input).await.map_err(
        |error| match error {
            crate::co_creation::store::StoreError::Sql(error) => SeedError::from(error),
            other => SeedError::BadData(other.to_string()),
        },
    )?;
    Ok(())
}

const DEMO_CALL_EN: &str = "This is a **demo call**: its text, dates and budget are illustrative.\n\n\
The cluster invites companies to co-create diagnostics that find disease earlier, with the nodes' \
technology platforms, national cohorts and clinical expertise. Projects run for up to two years \
with co-funding from the company.";
const DEMO_CALL_SV: &str = "Det här är en **demoutlysning**: text, datum och budget är påhittade.\n\n\
Klustret bjuder in företag att tillsammans med noderna ta fram diagnostik som upptäcker sjukdom \
tidigare, med nodernas teknikplattformar, nationella kohorter och kliniska expertis. Projekten \
pågår i upp till två år med medfinansiering från företaget.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_is_complete_and_consistent() {
        let data = demo_data().unwrap();
        assert_eq!(data.nodes.len(), 7, "the seven nodes");
        assert!(data.cohorts.len() >= 8);
        for required in ["scapis", "u-can"] {
            assert!(data.cohorts.iter().any(|c| c.slug == required), "{required}");
        }
        for kind in ["spin_out", "sme", "pharma", "infrastructure_provider"] {
            let companies =
                data.organisations.iter().filter(|o| o.company_kind.as_deref() == Some(kind)).count();
            assert!(companies >= 2, "{kind}: {companies}");
        }
        for kind in ["university", "hospital", "region"] {
            assert!(data.organisations.iter().filter(|o| o.kind == kind).count() >= 7, "{kind}");
        }
        for role in Role::ALL {
            assert!(
                data.people.iter().any(|p| p.roles.iter().any(|r| r.role == role.code())),
                "no demo person is {role:?}"
            );
        }
        assert!(data.people.iter().any(|p| p.roles.is_empty()), "a plain applicant");
    }

    #[test]
    fn a_broken_reference_is_reported() {
        let mut data = demo_data().unwrap();
        data.cohorts[0].nodes.push("atlantis".into());
        assert!(data.check().unwrap_err().contains("atlantis"));
    }
}
