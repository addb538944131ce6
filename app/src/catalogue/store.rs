//! SQL for nodes and cohorts.

use super::model::{CatalogueOverview, CohortSummary, ConsentCode, DuoTerm, NodeSummary};
use crate::db::Db;
use crate::i18n::Lang;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct NodeRow {
    id: i64,
    slug: String,
    name_sv: String,
    name_en: String,
    city: String,
}

#[derive(sqlx::FromRow)]
struct CohortRow {
    id: i64,
    slug: String,
    acronym: String,
    title_sv: String,
    title_en: String,
    description_sv: String,
    description_en: String,
    participants: i64,
    age_min: Option<i64>,
    age_max: Option<i64>,
    illustrative: i64,
}

/// Groups (parent id, value) pairs by parent id, keeping their order.
fn group<T>(pairs: impl IntoIterator<Item = (i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut groups: HashMap<i64, Vec<T>> = HashMap::new();
    for (id, value) in pairs {
        groups.entry(id).or_default().push(value);
    }
    groups
}

fn pick(lang: Lang, sv: String, en: String) -> String {
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// Nodes with their organisations and services, and cohorts with their nodes, data types
/// and consent codes: one query per table, joined here.
pub async fn overview(db: &Db, lang: Lang) -> Result<CatalogueOverview, sqlx::Error> {
    let pool = db.pool();
    let nodes: Vec<NodeRow> =
        sqlx::query_as("SELECT id, slug, name_sv, name_en, city FROM nodes ORDER BY sort_order, slug")
            .fetch_all(pool)
            .await?;
    let organisations: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT node_id, kind, name FROM organisations WHERE node_id IS NOT NULL AND kind IN ('university', 'hospital') ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let services: Vec<(i64, String)> =
        sqlx::query_as("SELECT node_id, service FROM node_services ORDER BY service").fetch_all(pool).await?;
    let cohort_nodes: Vec<(i64, i64)> =
        sqlx::query_as("SELECT cohort_id, node_id FROM cohort_nodes").fetch_all(pool).await?;
    let cohorts: Vec<CohortRow> = sqlx::query_as(
        "SELECT id, slug, acronym, title_sv, title_en, description_sv, description_en, participants, age_min, age_max, illustrative \
         FROM cohorts ORDER BY participants DESC, slug",
    )
    .fetch_all(pool)
    .await?;
    let data_types: Vec<(i64, String)> =
        sqlx::query_as("SELECT cohort_id, value FROM cohort_facets WHERE facet = 'data_type' ORDER BY value")
            .fetch_all(pool)
            .await?;
    let codes: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT cohort_id, code, disease_term FROM cohort_consent_codes")
            .fetch_all(pool)
            .await?;

    // Each child table is grouped by its parent id once, so assembling is linear.
    let mut universities =
        group(organisations.iter().filter(|o| o.1 == "university").map(|o| (o.0, o.2.clone())));
    let mut hospitals = group(organisations.iter().filter(|o| o.1 == "hospital").map(|o| (o.0, o.2.clone())));
    let mut services = group(services);
    let mut data_types = group(data_types);
    let mut codes = group(codes.into_iter().map(|(cohort, code, disease)| (cohort, (code, disease))));
    let mut cohort_counts: HashMap<i64, i64> = HashMap::new();
    for (_, node_id) in &cohort_nodes {
        *cohort_counts.entry(*node_id).or_default() += 1;
    }
    let node_names: HashMap<i64, String> =
        nodes.iter().map(|n| (n.id, pick(lang, n.name_sv.clone(), n.name_en.clone()))).collect();
    let mut node_names_by_cohort = group(
        cohort_nodes.iter().filter_map(|(cohort, node)| Some((*cohort, node_names.get(node)?.clone()))),
    );

    let node_summaries = nodes
        .into_iter()
        .map(|node| NodeSummary {
            universities: universities.remove(&node.id).unwrap_or_default(),
            hospitals: hospitals.remove(&node.id).unwrap_or_default(),
            services: services.remove(&node.id).unwrap_or_default(),
            cohort_count: cohort_counts.get(&node.id).copied().unwrap_or(0),
            slug: node.slug,
            name: pick(lang, node.name_sv, node.name_en),
            city: node.city,
        })
        .collect();
    let cohort_summaries = cohorts
        .into_iter()
        .map(|c| {
            let mut consent_codes: Vec<ConsentCode> = codes
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(code, disease_term)| {
                    Some(ConsentCode { term: DuoTerm::parse(&code)?, disease_term })
                })
                .collect();
            consent_codes.sort_by_key(|code| {
                (!code.term.is_primary(), DuoTerm::ALL.iter().position(|t| *t == code.term))
            });
            CohortSummary {
                node_names: node_names_by_cohort.remove(&c.id).unwrap_or_default(),
                data_types: data_types.remove(&c.id).unwrap_or_default(),
                consent_codes,
                slug: c.slug,
                acronym: c.acronym,
                title: pick(lang, c.title_sv, c.title_en),
                description: pick(lang, c.description_sv, c.description_en),
                participants: c.participants,
                age_min: c.age_min,
                age_max: c.age_max,
                illustrative: c.illustrative == 1,
            }
        })
        .collect();
    Ok(CatalogueOverview { nodes: node_summaries, cohorts: cohort_summaries })
}
