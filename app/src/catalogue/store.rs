//! SQL for nodes, cohorts and datasets: writing records, searching them, and the node pages.

use super::model::{
    AccessRights, CatalogueOverview, CohortSummary, ConsentCode, DatasetDetail, DatasetQuery, DatasetRecord,
    DatasetSearchResult, DatasetSummary, DuoTerm, Facet, FacetCount, FacetGroup, HarvestOutcome,
    HarvestRunView, Localized, NodeChanges, NodeDetail, NodeRef, NodeSummary, Origin, SEARCH_PAGE_SIZE,
    SizeRange, SortOrder, vocabulary,
};
use crate::db::{self, Backend, Bind, Db, Sql};
use crate::i18n::Lang;
use sqlx::{AnyConnection, Row};
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
    // The home page shows the national cohorts entered here; the catalogue page has the rest.
    let cohorts: Vec<CohortRow> = sqlx::query_as(
        "SELECT id, slug, acronym, title_sv, title_en, description_sv, description_en, participants, age_min, age_max, illustrative \
         FROM cohorts WHERE origin = 'entered' AND withdrawn_at IS NULL ORDER BY participants DESC, slug LIMIT 24",
    )
    .fetch_all(pool)
    .await?;
    let list = id_list(&cohorts.iter().map(|c| c.id).collect::<Vec<_>>());
    let list = if list.is_empty() { "0".to_owned() } else { list };
    let cohort_nodes: Vec<(i64, i64)> =
        sqlx::query_as(&format!("SELECT cohort_id, node_id FROM cohort_nodes WHERE cohort_id IN ({list})"))
            .fetch_all(pool)
            .await?;
    let held: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT cn.node_id, COUNT(*) FROM cohort_nodes cn JOIN cohorts c ON c.id = cn.cohort_id \
         WHERE c.withdrawn_at IS NULL GROUP BY cn.node_id",
    )
    .fetch_all(pool)
    .await?;
    let data_types: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT cohort_id, value FROM cohort_facets WHERE facet = 'data_type' AND cohort_id IN ({list}) ORDER BY value"
    ))
    .fetch_all(pool)
    .await?;
    let codes: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT cohort_id, code, disease_term FROM cohort_consent_codes WHERE cohort_id IN ({list})"
    ))
    .fetch_all(pool)
    .await?;

    // Each child table is grouped by its parent id once, so assembling is linear.
    let mut universities =
        group(organisations.iter().filter(|o| o.1 == "university").map(|o| (o.0, o.2.clone())));
    let mut hospitals = group(organisations.iter().filter(|o| o.1 == "hospital").map(|o| (o.0, o.2.clone())));
    let mut services = group(services);
    let mut data_types = group(data_types);
    let mut codes = group(codes.into_iter().map(|(cohort, code, disease)| (cohort, (code, disease))));
    let cohort_counts: HashMap<i64, i64> = held.into_iter().collect();
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

// ---------------------------------------------------------------------------------------
// Writing records

/// A record to insert, with where it came from.
pub struct NewRecord<'a> {
    pub slug: &'a str,
    pub record: &'a DatasetRecord,
    pub origin: Origin,
    pub illustrative: bool,
    pub node_ids: &'a [i64],
    pub source_node_id: Option<i64>,
    pub source_iri: Option<&'a str>,
    pub digest: Option<&'a str>,
}

async fn node_names(conn: &mut AnyConnection, node_ids: &[i64]) -> Result<Vec<String>, sqlx::Error> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT name_sv, name_en, city FROM nodes WHERE id IN ({})",
        id_list(node_ids)
    ))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().flat_map(|(sv, en, city)| [sv, en, city]).collect())
}

/// The columns a record's content fills, with their values: one list for insert and update.
fn content_columns(
    record: &DatasetRecord,
    digest: Option<&str>,
    search: (String, String),
    now: &str,
) -> Vec<(&'static str, Bind)> {
    let text = |value: &str| Bind::Text(value.to_owned());
    let (search_title, search_body) = search;
    vec![
        ("acronym", text(&record.acronym)),
        ("title_sv", text(&record.title.sv)),
        ("title_en", text(&record.title.en)),
        ("description_sv", text(&record.description.sv)),
        ("description_en", text(&record.description.en)),
        ("population_sv", text(&record.population.sv)),
        ("population_en", text(&record.population.en)),
        ("participants", Bind::Int(record.participants)),
        ("age_min", Bind::MaybeInt(record.age_min)),
        ("age_max", Bind::MaybeInt(record.age_max)),
        ("access_conditions_sv", text(&record.access_conditions.sv)),
        ("access_conditions_en", text(&record.access_conditions.en)),
        ("catalogue_entry_url", Bind::MaybeText(record.landing_page.clone())),
        ("last_modified", text(record.last_modified.as_deref().unwrap_or(now))),
        ("access_committee", Bind::MaybeText(record.access_committee.clone())),
        ("access_rights", text(record.access_rights.code())),
        ("source_digest", Bind::MaybeText(digest.map(str::to_owned))),
        ("search_title", Bind::Text(search_title)),
        ("search_body", Bind::Text(search_body)),
        ("updated_at", text(now)),
    ]
}

/// Inserts a record with its nodes, facets and consent codes; answers its id.
pub async fn insert_record(conn: &mut AnyConnection, new: NewRecord<'_>) -> Result<i64, sqlx::Error> {
    let now = db::now();
    let record = new.record;
    let search = record.search_text(&node_names(conn, new.node_ids).await?);
    let mut columns = content_columns(record, new.digest, search, &now);
    columns.extend([
        ("slug", Bind::Text(new.slug.to_owned())),
        ("origin", Bind::Text(new.origin.code().to_owned())),
        ("illustrative", Bind::Int(i64::from(new.illustrative))),
        ("created_at", Bind::Text(now.clone())),
        ("source_node_id", Bind::MaybeInt(new.source_node_id)),
        ("source_iri", Bind::MaybeText(new.source_iri.map(str::to_owned))),
    ]);
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let mut sql = Sql::default();
    sql.push(&format!("INSERT INTO cohorts ({}) VALUES (", names.join(", ")));
    for (i, (_, value)) in columns.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(value);
    }
    sql.push(") RETURNING id");
    let id: i64 = sql.query().fetch_one(&mut *conn).await?.try_get(0)?;
    for node_id in new.node_ids {
        sqlx::query("INSERT INTO cohort_nodes (cohort_id, node_id) VALUES ($1, $2)")
            .bind(id)
            .bind(node_id)
            .execute(&mut *conn)
            .await?;
    }
    write_children(conn, id, record).await?;
    Ok(id)
}

/// Replaces a record's content (its nodes stay), and brings it back if it was withdrawn.
pub async fn update_record(
    conn: &mut AnyConnection,
    id: i64,
    record: &DatasetRecord,
    digest: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = db::now();
    let node_ids: Vec<i64> =
        sqlx::query_scalar("SELECT node_id FROM cohort_nodes WHERE cohort_id = $1 ORDER BY node_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let search = record.search_text(&node_names(conn, &node_ids).await?);
    let mut sql = Sql::default();
    sql.push("UPDATE cohorts SET withdrawn_at = NULL");
    for (name, value) in content_columns(record, digest, search, &now) {
        sql.push(&format!(", {name} = ")).bind(value);
    }
    sql.push(" WHERE id = ").bind(Bind::Int(id));
    sql.query().execute(&mut *conn).await?;
    sqlx::query("DELETE FROM cohort_facets WHERE cohort_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM cohort_consent_codes WHERE cohort_id = $1").bind(id).execute(&mut *conn).await?;
    write_children(conn, id, record).await
}

async fn write_children(
    conn: &mut AnyConnection,
    id: i64,
    record: &DatasetRecord,
) -> Result<(), sqlx::Error> {
    let facets = [
        ("data_type", &record.data_types),
        ("sample_type", &record.sample_types),
        ("disease_area", &record.disease_areas),
        ("keyword", &record.keywords),
    ];
    for (facet, values) in facets {
        for value in values {
            sqlx::query("INSERT INTO cohort_facets (cohort_id, facet, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(facet)
                .bind(value)
                .execute(&mut *conn)
                .await?;
        }
    }
    for code in &record.consent_codes {
        sqlx::query(
            "INSERT INTO cohort_consent_codes (cohort_id, code, disease_term) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(code.term.abbreviation())
        .bind(&code.disease_term)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Marks a record withdrawn from its node's catalogue (it stays: others refer to it).
pub async fn withdraw_record(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    let now = db::now();
    sqlx::query("UPDATE cohorts SET withdrawn_at = $1, updated_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A slug not yet taken: `base`, else `base-2`, `base-3`…
pub async fn free_slug(conn: &mut AnyConnection, base: &str) -> Result<String, sqlx::Error> {
    let taken: Vec<String> = sqlx::query_scalar("SELECT slug FROM cohorts WHERE slug = $1 OR slug LIKE $2")
        .bind(base)
        .bind(format!("{base}-%"))
        .fetch_all(&mut *conn)
        .await?;
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_owned());
    }
    Ok((2..).map(|n| format!("{base}-{n}")).find(|s| !taken.contains(s)).unwrap_or_else(|| base.to_owned()))
}

/// Rewrites the search text of records that have none (rows from before full-text search).
pub async fn fill_missing_search_text(db: &Db) -> Result<usize, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, slug, source_digest FROM cohorts WHERE search_title = ''")
            .fetch_all(db.pool())
            .await?;
    for (id, slug, digest) in &rows {
        // Read first, then take a connection for the write: one pooled connection suffices.
        let Some(detail) = dataset(db, slug).await? else { continue };
        let mut tx = db.pool().begin().await?;
        update_record(&mut tx, *id, &detail.record, digest.as_deref()).await?;
        tx.commit().await?;
    }
    Ok(rows.len())
}

// ---------------------------------------------------------------------------------------
// Reading records

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    slug: String,
    acronym: String,
    title_sv: String,
    title_en: String,
    description_sv: String,
    description_en: String,
    population_sv: String,
    population_en: String,
    participants: i64,
    age_min: Option<i64>,
    age_max: Option<i64>,
    access_conditions_sv: String,
    access_conditions_en: String,
    catalogue_entry_url: Option<String>,
    origin: String,
    illustrative: i64,
    last_modified: String,
    updated_at: String,
    access_committee: Option<String>,
    access_rights: String,
    source_node_id: Option<i64>,
    source_iri: Option<String>,
    withdrawn_at: Option<String>,
}

const RECORD_COLUMNS: &str = "c.id, c.slug, c.acronym, c.title_sv, c.title_en, c.description_sv, c.description_en, \
     c.population_sv, c.population_en, c.participants, c.age_min, c.age_max, c.access_conditions_sv, \
     c.access_conditions_en, c.catalogue_entry_url, c.origin, c.illustrative, c.last_modified, c.updated_at, \
     c.access_committee, c.access_rights, c.source_node_id, c.source_iri, c.withdrawn_at";

/// The children of some records, fetched once per table for all of them.
struct Children {
    nodes: HashMap<i64, Vec<NodeRef>>,
    facets: HashMap<i64, Vec<(String, String)>>,
    codes: HashMap<i64, Vec<ConsentCode>>,
}

fn id_list(ids: &[i64]) -> String {
    // Ids are integers from our own query, never input, so listing them inline is safe.
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

async fn children(db: &Db, ids: &[i64]) -> Result<Children, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Children { nodes: HashMap::new(), facets: HashMap::new(), codes: HashMap::new() });
    }
    let list = id_list(ids);
    let pool = db.pool();
    let nodes: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
        "SELECT cn.cohort_id, n.slug, n.name_sv, n.name_en FROM cohort_nodes cn JOIN nodes n ON n.id = cn.node_id \
         WHERE cn.cohort_id IN ({list}) ORDER BY n.sort_order, n.slug"
    ))
    .fetch_all(pool)
    .await?;
    let facets: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT cohort_id, facet, value FROM cohort_facets WHERE cohort_id IN ({list}) ORDER BY value"
    ))
    .fetch_all(pool)
    .await?;
    let codes: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT cohort_id, code, disease_term FROM cohort_consent_codes WHERE cohort_id IN ({list})"
    ))
    .fetch_all(pool)
    .await?;
    let mut codes = group(codes.into_iter().filter_map(|(id, code, disease_term)| {
        Some((id, ConsentCode { term: DuoTerm::parse(&code)?, disease_term }))
    }));
    for list in codes.values_mut() {
        list.sort_by_key(|c| (!c.term.is_primary(), DuoTerm::ALL.iter().position(|t| *t == c.term)));
    }
    Ok(Children {
        nodes: group(
            nodes.into_iter().map(|(id, slug, sv, en)| (id, NodeRef { slug, name: Localized::new(sv, en) })),
        ),
        facets: group(facets.into_iter().map(|(id, facet, value)| (id, (facet, value)))),
        codes,
    })
}

impl Children {
    fn facet(&self, id: i64, facet: &str) -> Vec<String> {
        self.facets
            .get(&id)
            .map(|f| f.iter().filter(|(k, _)| k == facet).map(|(_, v)| v.clone()).collect())
            .unwrap_or_default()
    }

    fn record(&self, row: &RecordRow) -> DatasetRecord {
        DatasetRecord {
            acronym: row.acronym.clone(),
            title: Localized::new(&row.title_sv, &row.title_en),
            description: Localized::new(&row.description_sv, &row.description_en),
            population: Localized::new(&row.population_sv, &row.population_en),
            participants: row.participants,
            age_min: row.age_min,
            age_max: row.age_max,
            data_types: self.facet(row.id, "data_type"),
            sample_types: self.facet(row.id, "sample_type"),
            disease_areas: self.facet(row.id, "disease_area"),
            keywords: self.facet(row.id, "keyword"),
            consent_codes: self.codes.get(&row.id).cloned().unwrap_or_default(),
            access_conditions: Localized::new(&row.access_conditions_sv, &row.access_conditions_en),
            access_committee: row.access_committee.clone(),
            access_rights: AccessRights::parse(&row.access_rights).unwrap_or_default(),
            landing_page: row.catalogue_entry_url.clone(),
            last_modified: Some(row.last_modified.clone()),
        }
    }

    fn summary(&self, row: &RecordRow) -> DatasetSummary {
        DatasetSummary {
            slug: row.slug.clone(),
            acronym: row.acronym.clone(),
            title: Localized::new(&row.title_sv, &row.title_en),
            description: Localized::new(&row.description_sv, &row.description_en),
            participants: row.participants,
            age_min: row.age_min,
            age_max: row.age_max,
            nodes: self.nodes.get(&row.id).cloned().unwrap_or_default(),
            data_types: self.facet(row.id, "data_type"),
            consent_codes: self.codes.get(&row.id).cloned().unwrap_or_default(),
            origin: origin(&row.origin),
            illustrative: row.illustrative == 1,
            last_modified: row.last_modified.clone(),
        }
    }
}

fn origin(code: &str) -> Origin {
    if code == "harvested" { Origin::Harvested } else { Origin::Entered }
}

/// Summaries of records, in the order of `ids`.
async fn summaries(db: &Db, ids: &[i64]) -> Result<Vec<DatasetSummary>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<RecordRow> =
        sqlx::query_as(&format!("SELECT {RECORD_COLUMNS} FROM cohorts c WHERE c.id IN ({})", id_list(ids)))
            .fetch_all(db.pool())
            .await?;
    let children = children(db, ids).await?;
    let by_id: HashMap<i64, &RecordRow> = rows.iter().map(|r| (r.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.get(id)).map(|row| children.summary(row)).collect())
}

pub async fn dataset(db: &Db, slug: &str) -> Result<Option<DatasetDetail>, sqlx::Error> {
    let row: Option<RecordRow> =
        sqlx::query_as(&format!("SELECT {RECORD_COLUMNS} FROM cohorts c WHERE c.slug = $1"))
            .bind(slug)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let children = children(db, &[row.id]).await?;
    let source: Option<(String, String, String, Option<String>)> = match row.source_node_id {
        Some(node_id) => {
            sqlx::query_as("SELECT slug, name_sv, name_en, catalogue_site_url FROM nodes WHERE id = $1")
                .bind(node_id)
                .fetch_optional(db.pool())
                .await?
        }
        None => None,
    };
    let deciding: Option<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT n.slug, n.name_sv, n.name_en FROM cohorts c JOIN nodes n ON n.id = {} WHERE c.id = $1",
        crate::cohort_access::store::DECIDING_NODE
    ))
    .bind(row.id)
    .fetch_optional(db.pool())
    .await?;
    Ok(Some(DatasetDetail {
        deciding_node: deciding.map(|(slug, sv, en)| NodeRef { slug, name: Localized::new(sv, en) }),
        slug: row.slug.clone(),
        record: children.record(&row),
        nodes: children.nodes.get(&row.id).cloned().unwrap_or_default(),
        origin: origin(&row.origin),
        source_catalogue_site: source.as_ref().and_then(|s| s.3.clone()),
        source_node: source.map(|(slug, sv, en, _)| NodeRef { slug, name: Localized::new(sv, en) }),
        source_iri: row.source_iri.clone(),
        withdrawn_at: row.withdrawn_at.clone(),
        illustrative: row.illustrative == 1,
        updated_at: row.updated_at.clone(),
    }))
}

// ---------------------------------------------------------------------------------------
// Search

/// The full-text expression for the search terms: every term, as a prefix.
fn text_match(backend: Backend, terms: &[String]) -> String {
    match backend {
        Backend::Sqlite => terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "),
        Backend::Postgres => terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "),
    }
}

/// `WHERE …` for a query, leaving out one facet (facet counts ignore their own facet, so
/// choosing a node still shows how many records the other nodes have).
fn where_clause(
    sql: &mut Sql,
    backend: Backend,
    query: &DatasetQuery,
    except: Option<Facet>,
    text_joined: bool,
) {
    sql.push(" WHERE c.withdrawn_at IS NULL");
    let terms = query.search_terms();
    if !terms.is_empty() && !text_joined {
        let expression = text_match(backend, &terms);
        match backend {
            Backend::Sqlite => {
                sql.push(" AND c.id IN (SELECT rowid FROM cohort_search WHERE cohort_search MATCH ")
                    .bind(Bind::Text(expression))
                    .push(")");
            }
            Backend::Postgres => {
                sql.push(" AND c.search_vector @@ to_tsquery('simple', ")
                    .bind(Bind::Text(expression))
                    .push(")");
            }
        }
    }
    for facet in Facet::ALL {
        let selected = query.selected(facet);
        if selected.is_empty() || Some(facet) == except {
            continue;
        }
        match facet {
            Facet::Node => {
                sql.push(" AND c.id IN (SELECT cn.cohort_id FROM cohort_nodes cn JOIN nodes n ON n.id = cn.node_id WHERE n.slug IN (")
                    .bind_list(&selected)
                    .push("))");
            }
            Facet::DataType | Facet::SampleType | Facet::DiseaseArea => {
                sql.push(" AND c.id IN (SELECT cohort_id FROM cohort_facets WHERE facet = ")
                    .bind(Bind::Text(facet.param().to_owned()))
                    .push(" AND value IN (")
                    .bind_list(&selected)
                    .push("))");
            }
            Facet::Duo => {
                sql.push(" AND c.id IN (SELECT cohort_id FROM cohort_consent_codes WHERE code IN (")
                    .bind_list(&selected)
                    .push("))");
            }
            Facet::Size => {
                sql.push(" AND (");
                for (i, range) in query.sizes.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    let (low, high) = range.bounds();
                    sql.push("(c.participants >= ").bind(Bind::Int(low));
                    if let Some(high) = high {
                        sql.push(" AND c.participants < ").bind(Bind::Int(high));
                    }
                    sql.push(")");
                }
                sql.push(")");
            }
        }
    }
}

fn order_clause(sql: &mut Sql, backend: Backend, query: &DatasetQuery, lang: Lang) {
    let title = match lang {
        Lang::Sv => "c.title_sv",
        Lang::En => "c.title_en",
    };
    let terms = query.search_terms();
    match query.sort {
        SortOrder::Relevance if !terms.is_empty() => match backend {
            Backend::Sqlite => {
                // The rank comes from the join in `search`; bm25 is lower for better matches.
                sql.push(" ORDER BY ranked.rank, c.participants DESC, c.id");
            }
            Backend::Postgres => {
                sql.push(" ORDER BY ts_rank(c.search_vector, to_tsquery('simple', ")
                    .bind(Bind::Text(text_match(backend, &terms)))
                    .push(")) DESC, c.participants DESC, c.id");
            }
        },
        SortOrder::Relevance | SortOrder::Participants => {
            sql.push(" ORDER BY c.participants DESC, c.id");
        }
        SortOrder::Title => {
            sql.push(&format!(" ORDER BY LOWER({title}), c.id"));
        }
        SortOrder::Modified => {
            sql.push(" ORDER BY c.last_modified DESC, c.id");
        }
    }
}

/// One page of results with the total and the facet counts.
pub async fn search(db: &Db, query: &DatasetQuery, lang: Lang) -> Result<DatasetSearchResult, sqlx::Error> {
    let backend = db.backend();
    let pool = db.pool();

    let mut ids_sql = Sql::default();
    let terms = query.search_terms();
    let ranked_by_fts5 =
        backend == Backend::Sqlite && !terms.is_empty() && query.sort == SortOrder::Relevance;
    if ranked_by_fts5 {
        // One pass over the index gives both the matches and their rank.
        ids_sql
            .push("SELECT c.id FROM cohorts c JOIN (SELECT rowid AS id, bm25(cohort_search, 5.0, 1.0) AS rank FROM cohort_search WHERE cohort_search MATCH ")
            .bind(Bind::Text(text_match(backend, &terms)))
            .push(") ranked ON ranked.id = c.id");
    } else {
        ids_sql.push("SELECT c.id FROM cohorts c");
    }
    where_clause(&mut ids_sql, backend, query, None, ranked_by_fts5);
    order_clause(&mut ids_sql, backend, query, lang);
    ids_sql
        .push(" LIMIT ")
        .bind(Bind::Int(SEARCH_PAGE_SIZE))
        .push(" OFFSET ")
        .bind(Bind::Int(query.offset()));
    let mut total_sql = Sql::default();
    total_sql.push("SELECT COUNT(*) FROM cohorts c");
    where_clause(&mut total_sql, backend, query, None, false);

    // The page, the total and the six facet counts are independent: ask for them at once,
    // each on its own pooled connection.
    let ids = async {
        ids_sql
            .query()
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<Vec<_>, _>>()
    };
    let total = async { total_sql.query().fetch_one(pool).await?.try_get::<i64, _>(0) };
    let (ids, total, node, data_type, sample_type, disease_area, duo, size) = tokio::try_join!(
        ids,
        total,
        facet_counts(db, query, Facet::Node),
        facet_counts(db, query, Facet::DataType),
        facet_counts(db, query, Facet::SampleType),
        facet_counts(db, query, Facet::DiseaseArea),
        facet_counts(db, query, Facet::Duo),
        facet_counts(db, query, Facet::Size),
    )?;
    let facets = vec![node, data_type, sample_type, disease_area, duo, size];
    Ok(DatasetSearchResult {
        query: query.clone(),
        total,
        page_size: SEARCH_PAGE_SIZE,
        items: summaries(db, &ids).await?,
        facets,
    })
}

async fn facet_counts(db: &Db, query: &DatasetQuery, facet: Facet) -> Result<FacetGroup, sqlx::Error> {
    let mut sql = Sql::default();
    match facet {
        Facet::Node => {
            sql.push("SELECT n.slug, COUNT(*) FROM cohorts c JOIN cohort_nodes cn ON cn.cohort_id = c.id JOIN nodes n ON n.id = cn.node_id");
        }
        Facet::DataType | Facet::SampleType | Facet::DiseaseArea => {
            sql.push("SELECT f.value, COUNT(*) FROM cohorts c JOIN cohort_facets f ON f.cohort_id = c.id AND f.facet = ")
                .bind(Bind::Text(facet.param().to_owned()));
        }
        Facet::Duo => {
            sql.push(
                "SELECT k.code, COUNT(*) FROM cohorts c JOIN cohort_consent_codes k ON k.cohort_id = c.id",
            );
        }
        Facet::Size => {
            sql.push("SELECT CASE");
            for range in SizeRange::ALL {
                let (low, high) = range.bounds();
                sql.push(" WHEN c.participants >= ").bind(Bind::Int(low));
                if let Some(high) = high {
                    sql.push(" AND c.participants < ").bind(Bind::Int(high));
                }
                sql.push(" THEN ").bind(Bind::Text(range.code().to_owned()));
            }
            sql.push(" END AS bucket, COUNT(*) FROM cohorts c");
        }
    }
    where_clause(&mut sql, db.backend(), query, Some(facet), false);
    sql.push(" GROUP BY 1");
    let rows = sql.query().fetch_all(db.pool()).await?;
    let mut counts: HashMap<String, i64> = HashMap::new();
    for row in rows {
        let value: Option<String> = row.try_get(0)?;
        if let Some(value) = value {
            counts.insert(value, row.try_get(1)?);
        }
    }
    let selected = query.selected(facet);
    // Every value of the vocabulary is offered, in its order, so the list does not jump.
    let values: Vec<(String, Option<Localized>)> = match facet {
        Facet::Node => {
            let nodes: Vec<(String, String, String)> =
                sqlx::query_as("SELECT slug, name_sv, name_en FROM nodes ORDER BY sort_order, slug")
                    .fetch_all(db.pool())
                    .await?;
            nodes.into_iter().map(|(slug, sv, en)| (slug, Some(Localized::new(sv, en)))).collect()
        }
        Facet::Duo => DuoTerm::ALL.iter().map(|t| (t.abbreviation().to_owned(), None)).collect(),
        Facet::Size => SizeRange::ALL.iter().map(|s| (s.code().to_owned(), None)).collect(),
        other => {
            vocabulary(other.param()).unwrap_or_default().iter().map(|v| ((*v).to_owned(), None)).collect()
        }
    };
    let values = values
        .into_iter()
        .map(|(value, label)| FacetCount {
            count: counts.get(&value).copied().unwrap_or(0),
            selected: selected.contains(&value),
            value,
            label,
        })
        .filter(|v| v.count > 0 || v.selected)
        .collect();
    Ok(FacetGroup { facet, values })
}

// ---------------------------------------------------------------------------------------
// Nodes

#[derive(sqlx::FromRow)]
struct NodeDetailRow {
    id: i64,
    slug: String,
    name_sv: String,
    name_en: String,
    city: String,
    description_sv: String,
    description_en: String,
    contact_name: Option<String>,
    contact_email: Option<String>,
    catalogue_site_url: Option<String>,
    catalogue_url: Option<String>,
    catalogue_is_demo: i64,
}

const NODE_COLUMNS: &str = "id, slug, name_sv, name_en, city, description_sv, description_en, contact_name, contact_email, \
     catalogue_site_url, catalogue_url, catalogue_is_demo";

/// Every node with its organisations and services (no datasets or runs: see [`node`]).
pub async fn nodes(db: &Db) -> Result<Vec<NodeDetail>, sqlx::Error> {
    let rows: Vec<NodeDetailRow> =
        sqlx::query_as(&format!("SELECT {NODE_COLUMNS} FROM nodes ORDER BY sort_order, slug"))
            .fetch_all(db.pool())
            .await?;
    let organisations: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT node_id, kind, name FROM organisations WHERE node_id IS NOT NULL AND kind IN ('university', 'hospital') ORDER BY name",
    )
    .fetch_all(db.pool())
    .await?;
    let services: Vec<(i64, String)> =
        sqlx::query_as("SELECT node_id, service FROM node_services ORDER BY service")
            .fetch_all(db.pool())
            .await?;
    let mut universities =
        group(organisations.iter().filter(|o| o.1 == "university").map(|o| (o.0, o.2.clone())));
    let mut hospitals = group(organisations.iter().filter(|o| o.1 == "hospital").map(|o| (o.0, o.2.clone())));
    let mut services = group(services);
    Ok(rows
        .into_iter()
        .map(|row| NodeDetail {
            universities: universities.remove(&row.id).unwrap_or_default(),
            hospitals: hospitals.remove(&row.id).unwrap_or_default(),
            services: services.remove(&row.id).unwrap_or_default(),
            slug: row.slug,
            name: Localized::new(row.name_sv, row.name_en),
            city: row.city,
            description: Localized::new(row.description_sv, row.description_en),
            contact_name: row.contact_name,
            contact_email: row.contact_email,
            catalogue_site_url: row.catalogue_site_url,
            catalogue_url: row.catalogue_url,
            catalogue_is_demo: row.catalogue_is_demo == 1,
            datasets: Vec::new(),
            harvest_runs: Vec::new(),
            can_edit: false,
        })
        .collect())
}

/// How many of a node's runs its page lists.
pub const RUNS_SHOWN: i64 = 10;

/// One node with the records it holds and its latest harvest runs.
pub async fn node(db: &Db, slug: &str) -> Result<Option<NodeDetail>, sqlx::Error> {
    let Some(mut node) = nodes(db).await?.into_iter().find(|n| n.slug == slug) else {
        return Ok(None);
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM cohorts c JOIN cohort_nodes cn ON cn.cohort_id = c.id JOIN nodes n ON n.id = cn.node_id \
         WHERE n.slug = $1 AND c.withdrawn_at IS NULL ORDER BY c.participants DESC, c.id LIMIT 500",
    )
    .bind(slug)
    .fetch_all(db.pool())
    .await?;
    node.datasets = summaries(db, &ids).await?;
    node.harvest_runs = harvest_runs(db, slug, RUNS_SHOWN).await?;
    Ok(Some(node))
}

/// A node with the slugs of the cohorts its committee decides.
#[derive(Debug, Clone)]
pub struct NodeCohorts {
    pub id: i64,
    pub slug: String,
    pub name_sv: String,
    pub name_en: String,
    pub cohorts: Vec<String>,
}

/// Every node in order, with the cohorts each decides (what committee queues offer).
pub async fn nodes_with_decided_cohorts(conn: &mut AnyConnection) -> Result<Vec<NodeCohorts>, sqlx::Error> {
    let nodes: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, slug, name_sv, name_en FROM nodes ORDER BY sort_order, slug")
            .fetch_all(&mut *conn)
            .await?;
    let decided: Vec<(Option<i64>, String)> = sqlx::query_as(&format!(
        "SELECT {} AS node_id, c.slug FROM cohorts c WHERE c.withdrawn_at IS NULL ORDER BY c.slug",
        crate::cohort_access::store::DECIDING_NODE
    ))
    .fetch_all(&mut *conn)
    .await?;
    Ok(nodes
        .into_iter()
        .map(|(id, slug, name_sv, name_en)| {
            let cohorts = decided.iter().filter(|(n, _)| *n == Some(id)).map(|(_, c)| c.clone()).collect();
            NodeCohorts { id, slug, name_sv, name_en, cohorts }
        })
        .collect())
}

pub async fn node_id(conn: &mut AnyConnection, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM nodes WHERE slug = $1").bind(slug).fetch_optional(&mut *conn).await
}

/// Saves a coordinator's changes; answers the names of the fields that changed.
pub async fn update_node(
    conn: &mut AnyConnection,
    node_id: i64,
    changes: &NodeChanges,
) -> Result<Vec<&'static str>, sqlx::Error> {
    let row: NodeDetailRow = sqlx::query_as(&format!("SELECT {NODE_COLUMNS} FROM nodes WHERE id = $1"))
        .bind(node_id)
        .fetch_one(&mut *conn)
        .await?;
    let services: Vec<String> =
        sqlx::query_scalar("SELECT service FROM node_services WHERE node_id = $1 ORDER BY service")
            .bind(node_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut changed = Vec::new();
    let pairs: [(&'static str, Option<&str>, Option<&str>); 6] = [
        ("description_sv", Some(row.description_sv.as_str()), Some(changes.description.sv.as_str())),
        ("description_en", Some(row.description_en.as_str()), Some(changes.description.en.as_str())),
        ("contact_name", row.contact_name.as_deref(), changes.contact_name.as_deref()),
        ("contact_email", row.contact_email.as_deref(), changes.contact_email.as_deref()),
        ("catalogue_site_url", row.catalogue_site_url.as_deref(), changes.catalogue_site_url.as_deref()),
        ("catalogue_url", row.catalogue_url.as_deref(), changes.catalogue_url.as_deref()),
    ];
    for (field, before, after) in pairs {
        if before != after {
            changed.push(field);
        }
    }
    if services != changes.services {
        changed.push("services");
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    // A catalogue URL someone typed is theirs, not a demo fixture any more.
    let still_demo = row.catalogue_is_demo == 1 && !changed.contains(&"catalogue_url");
    sqlx::query(
        "UPDATE nodes SET description_sv = $1, description_en = $2, contact_name = $3, contact_email = $4, \
         catalogue_site_url = $5, catalogue_url = $6, catalogue_is_demo = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&changes.description.sv)
    .bind(&changes.description.en)
    .bind(&changes.contact_name)
    .bind(&changes.contact_email)
    .bind(&changes.catalogue_site_url)
    .bind(&changes.catalogue_url)
    .bind(i64::from(still_demo))
    .bind(db::now())
    .bind(node_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM node_services WHERE node_id = $1").bind(node_id).execute(&mut *conn).await?;
    for service in &changes.services {
        sqlx::query("INSERT INTO node_services (node_id, service) VALUES ($1, $2)")
            .bind(node_id)
            .bind(service)
            .execute(&mut *conn)
            .await?;
    }
    Ok(changed)
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    initiated_by: String,
    requested_by_name: Option<String>,
    source_url: String,
    started_at: String,
    finished_at: Option<String>,
    outcome: String,
    pages: i64,
    datasets_seen: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    withdrawn: i64,
    error: Option<String>,
    warnings: String,
}

pub async fn harvest_runs(db: &Db, node_slug: &str, limit: i64) -> Result<Vec<HarvestRunView>, sqlx::Error> {
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT r.id, r.initiated_by, p.display_name AS requested_by_name, r.source_url, r.started_at, r.finished_at, \
         r.outcome, r.pages, r.datasets_seen, r.created, r.updated, r.unchanged, r.withdrawn, r.error, r.warnings \
         FROM harvest_runs r JOIN nodes n ON n.id = r.node_id LEFT JOIN people p ON p.id = r.requested_by \
         WHERE n.slug = $1 ORDER BY r.id DESC LIMIT $2",
    )
    .bind(node_slug)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HarvestRunView {
            id: r.id,
            initiated_by: r.initiated_by,
            requested_by: r.requested_by_name,
            source_url: r.source_url,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: HarvestOutcome::parse(&r.outcome).unwrap_or(HarvestOutcome::Failed),
            pages: r.pages,
            datasets_seen: r.datasets_seen,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            withdrawn: r.withdrawn,
            error: r.error,
            warnings: serde_json::from_str(&r.warnings).unwrap_or_default(),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Publishing

/// Records the national catalogue publishes (not withdrawn), a page at a time, oldest first
/// so pages stay stable while records are added.
pub async fn published_page(
    db: &Db,
    page: i64,
    page_size: i64,
) -> Result<(i64, Vec<super::dcat::PublishedDataset>), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cohorts WHERE withdrawn_at IS NULL")
        .fetch_one(db.pool())
        .await?;
    let rows: Vec<RecordRow> = sqlx::query_as(&format!(
        "SELECT {RECORD_COLUMNS} FROM cohorts c WHERE c.withdrawn_at IS NULL ORDER BY c.id LIMIT $1 OFFSET $2"
    ))
    .bind(page_size)
    .bind((page - 1) * page_size)
    .fetch_all(db.pool())
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let children = children(db, &ids).await?;
    let publishing = publishing_facts(db, &ids).await?;
    let datasets = rows
        .iter()
        .map(|row| super::dcat::PublishedDataset {
            slug: row.slug.clone(),
            record: children.record(row),
            nodes: children
                .nodes
                .get(&row.id)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|n| (n.slug, n.name))
                .collect(),
            source_iri: row.source_iri.clone(),
            updated_at: row.updated_at.clone(),
            deciding_node: publishing
                .get(&row.id)
                .map(|p| (p.deciding_slug.clone(), p.deciding_name.clone())),
            contact: publishing.get(&row.id).map(|p| p.contact.clone()).unwrap_or_default(),
            harvested_from: publishing.get(&row.id).and_then(|p| p.harvested_from.clone()),
        })
        .collect();
    Ok((total, datasets))
}

/// What the catalogue says about who is behind each record.
struct Publishing {
    deciding_slug: String,
    deciding_name: Localized,
    contact: super::dcat::NodeContact,
    harvested_from: Option<String>,
}

/// For each record: the deciding node, the publishing node's contact (the first node that
/// holds it, as the publisher is), and the catalogue it was harvested from.
async fn publishing_facts(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Publishing>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    type Row = (i64, String, String, String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT c.id, d.slug, d.name_sv, d.name_en, p.contact_name, p.contact_email, \
         CASE WHEN c.source_node_id IS NOT NULL THEN s.catalogue_url END \
         FROM cohorts c \
         JOIN nodes d ON d.id = {deciding} \
         LEFT JOIN nodes p ON p.id = (SELECT cn.node_id FROM cohort_nodes cn JOIN nodes pn ON pn.id = cn.node_id \
              WHERE cn.cohort_id = c.id ORDER BY pn.sort_order, pn.slug LIMIT 1) \
         LEFT JOIN nodes s ON s.id = c.source_node_id \
         WHERE c.id IN ({list})",
        deciding = crate::cohort_access::store::DECIDING_NODE,
        list = id_list(ids)
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, sv, en, name, email, harvested_from)| {
            let contact = super::dcat::NodeContact { name, email };
            (
                id,
                Publishing {
                    deciding_slug: slug,
                    deciding_name: Localized::new(sv, en),
                    contact,
                    harvested_from,
                },
            )
        })
        .collect())
}
