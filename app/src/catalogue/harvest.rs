//! Harvesting a node's catalogue: fetch every page (with limits on time, size and count),
//! read it as DCAT, then bring the node's harvested records in step in one transaction.
//! A run that fails anywhere before that transaction changes no record; every run is kept.

use super::dcat::{self, CatalogueFormat, HarvestedDataset};
use super::model::{HarvestOutcome, harvested_slug};
use super::outbound::OutboundPolicy;
use super::store::{self, NewRecord};
use crate::audit::{NewEvent, record_in};
use crate::config::PortalConfig;
use crate::db::{self, Db};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How much a harvest may fetch, and from where.
#[derive(Debug, Clone)]
pub struct HarvestLimits {
    pub timeout: Duration,
    pub max_page_bytes: u64,
    pub max_pages: usize,
    pub outbound: OutboundPolicy,
}

impl HarvestLimits {
    pub fn from_config(config: &PortalConfig) -> HarvestLimits {
        let mut allowed = config.harvest_allowed_hosts.clone();
        if !config.is_production() {
            // The demo's node catalogues are served by the portal itself.
            allowed.extend(host_of(&config.public_url));
        }
        HarvestLimits {
            timeout: Duration::from_secs(u64::from(config.harvest_timeout_seconds.max(1))),
            max_page_bytes: config.harvest_max_page_bytes.max(1024),
            max_pages: config.harvest_max_pages.max(1) as usize,
            outbound: OutboundPolicy::allowing(&allowed, !config.is_production()),
        }
    }
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url).ok()?.host_str().map(str::to_owned)
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    Schedule,
    Person(i64),
}

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("no such node")]
    NoSuchNode,
    #[error("the node has no catalogue URL")]
    NoCatalogue,
    #[error("a harvest of this node is already running")]
    AlreadyRunning,
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// What a finished run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub pages: i64,
    pub datasets_seen: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub run_id: i64,
    pub outcome: HarvestOutcome,
    pub counts: RunCounts,
    pub error: Option<String>,
}

/// A run left "running" longer than this was cut off (its replica died); it is closed as
/// failed so the node can be harvested again.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(30);
/// How long reading one catalogue may take in all (well under [`ABANDONED_AFTER`]).
const RUN_BUDGET: Duration = Duration::from_secs(15 * 60);
/// More datasets than this in one catalogue fail the run (a node has hundreds, not millions).
const MAX_DATASETS: usize = 50_000;
/// Notes kept per run; the rest are counted.
const MAX_WARNINGS: usize = 100;

/// Everything read from a catalogue before anything is written.
struct Fetched {
    pages: i64,
    datasets: Vec<HarvestedDataset>,
    warnings: Vec<String>,
}

/// Harvests one node's catalogue now.
pub async fn harvest_node(
    db: &Db,
    limits: HarvestLimits,
    node_slug: &str,
    initiator: Initiator,
) -> Result<RunReport, HarvestError> {
    let node: Option<(i64, Option<String>, i64)> =
        sqlx::query_as("SELECT id, catalogue_url, catalogue_is_demo FROM nodes WHERE slug = $1")
            .bind(node_slug)
            .fetch_optional(db.pool())
            .await?;
    let (node_id, url, is_demo) = node.ok_or(HarvestError::NoSuchNode)?;
    let url = url.filter(|u| !u.trim().is_empty()).ok_or(HarvestError::NoCatalogue)?;
    let run_id = start_run(db, node_id, &url, initiator).await?;
    let actor = match initiator {
        Initiator::Person(id) => Some(id),
        Initiator::Schedule => None,
    };
    // A whole run ends well before another replica would call it abandoned.
    let fetched = match tokio::time::timeout(RUN_BUDGET, fetch_catalogue(&url, &limits)).await {
        Ok(fetched) => fetched,
        Err(_) => {
            Err((0, format!("the catalogue took longer than {} minutes to read", RUN_BUDGET.as_secs() / 60)))
        }
    };
    let fetched = match fetched {
        Ok(fetched) if fetched.datasets.is_empty() && has_listed_records(db, node_id).await? => Err((
            fetched.pages,
            "the catalogue lists no datasets; nothing was withdrawn (an empty catalogue is more likely a fault at the node)"
                .to_owned(),
        )),
        other => other,
    };
    match fetched {
        Ok(fetched) => {
            let pages = fetched.pages;
            match apply(db, node_id, node_slug, is_demo == 1, run_id, actor, fetched).await {
                Ok(counts) => {
                    Ok(RunReport { run_id, outcome: HarvestOutcome::Succeeded, counts, error: None })
                }
                Err(error) => {
                    // The transaction rolled back; close the run so the node can be harvested again.
                    let reason = format!("the records could not be saved: {error}");
                    if let Err(also) = fail_run(db, run_id, pages, &reason, actor, node_slug).await {
                        tracing::error!(%also, run_id, "could not close a failed harvest run");
                    }
                    Err(error.into())
                }
            }
        }
        Err((pages, error)) => {
            fail_run(db, run_id, pages, &error, actor, node_slug).await?;
            let counts = RunCounts { pages, ..RunCounts::default() };
            Ok(RunReport { run_id, outcome: HarvestOutcome::Failed, counts, error: Some(error) })
        }
    }
}

/// Harvests every node that has a catalogue, one after another.
pub async fn harvest_all(db: &Db, limits: HarvestLimits) -> Result<Vec<(String, RunReport)>, sqlx::Error> {
    let slugs: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM nodes WHERE catalogue_url IS NOT NULL AND catalogue_url <> '' ORDER BY sort_order, slug",
    )
    .fetch_all(db.pool())
    .await?;
    let mut reports = Vec::new();
    for slug in slugs {
        match harvest_node(db, limits.clone(), &slug, Initiator::Schedule).await {
            Ok(report) => reports.push((slug, report)),
            // One node's trouble must not stop the others' harvests.
            Err(HarvestError::Sql(error)) => {
                tracing::error!(node = %slug, %error, "harvest could not be saved")
            }
            Err(other) => tracing::info!(node = %slug, reason = %other, "harvest skipped"),
        }
    }
    Ok(reports)
}

async fn has_listed_records(db: &Db, node_id: i64) -> Result<bool, sqlx::Error> {
    let listed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cohorts WHERE source_node_id = $1 AND withdrawn_at IS NULL")
            .bind(node_id)
            .fetch_one(db.pool())
            .await?;
    Ok(listed > 0)
}

async fn start_run(db: &Db, node_id: i64, url: &str, initiator: Initiator) -> Result<i64, HarvestError> {
    let now = chrono::Utc::now();
    sqlx::query(
        "UPDATE harvest_runs SET outcome = 'failed', finished_at = $1, error = 'abandoned: the run did not finish' \
         WHERE node_id = $2 AND outcome = 'running' AND started_at < $3",
    )
    .bind(db::timestamp(now))
    .bind(node_id)
    .bind(db::timestamp(now - ABANDONED_AFTER))
    .execute(db.pool())
    .await?;
    let (initiated_by, requested_by) = match initiator {
        Initiator::Schedule => ("schedule", None),
        Initiator::Person(id) => ("manual", Some(id)),
    };
    let inserted = sqlx::query_scalar(
        "INSERT INTO harvest_runs (node_id, initiated_by, requested_by, source_url, started_at, outcome) \
         VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id",
    )
    .bind(node_id)
    .bind(initiated_by)
    .bind(requested_by)
    .bind(url)
    .bind(db::timestamp(now))
    .fetch_one(db.pool())
    .await;
    match inserted {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(HarvestError::AlreadyRunning),
        Err(e) => Err(e.into()),
    }
}

fn client(limits: &HarvestLimits) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
        .redirect(limits.outbound.redirects())
        .dns_resolver(limits.outbound.resolver())
        // A system proxy would resolve the name itself, past the resolver's check.
        .no_proxy()
        .user_agent(concat!("precision-medicine-portal-harvester/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("could not set up the HTTP client: {e}"))
}

/// Fetches and reads every page. On failure: how many pages were read, and why it failed.
async fn fetch_catalogue(first_page: &str, limits: &HarvestLimits) -> Result<Fetched, (i64, String)> {
    let client = client(limits).map_err(|e| (0, e))?;
    let mut fetched = Fetched { pages: 0, datasets: Vec::new(), warnings: Vec::new() };
    let mut seen_datasets: HashSet<String> = HashSet::new();
    let mut visited: HashSet<String> = HashSet::new();
    let mut next = Some(first_page.to_owned());
    while let Some(url) = next.take() {
        if !visited.insert(url.clone()) {
            fetched.warnings.push(format!("page {url} was linked again; paging stopped there"));
            break;
        }
        if visited.len() > limits.max_pages {
            return Err((fetched.pages, format!("the catalogue has more than {} pages", limits.max_pages)));
        }
        limits.outbound.check_url(&url).map_err(|e| (fetched.pages, e))?;
        let (bytes, format, page_url) =
            fetch_page(&client, &url, limits).await.map_err(|e| (fetched.pages, e))?;
        let page = tokio::task::spawn_blocking(move || dcat::read_page(&bytes, format, &page_url))
            .await
            .map_err(|e| (fetched.pages, format!("reading the page failed: {e}")))?
            .map_err(|e| (fetched.pages, format!("page {url}: {e}")))?;
        fetched.pages += 1;
        fetched.warnings.extend(page.warnings);
        if fetched.datasets.len() + page.datasets.len() > MAX_DATASETS {
            return Err((fetched.pages, format!("the catalogue lists more than {MAX_DATASETS} datasets")));
        }
        for dataset in page.datasets {
            if seen_datasets.insert(dataset.iri.clone()) {
                fetched.datasets.push(dataset);
            } else {
                fetched
                    .warnings
                    .push(format!("{} is listed more than once; the first was used", dataset.iri));
            }
        }
        next = page.next_page;
    }
    Ok(fetched)
}

async fn fetch_page(
    client: &reqwest::Client,
    url: &str,
    limits: &HarvestLimits,
) -> Result<(Vec<u8>, CatalogueFormat, String), String> {
    let accept =
        "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, application/n-triples;q=0.5";
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(|e| describe_transport_error(url, &e, limits))?;
    if !response.status().is_success() {
        return Err(format!("{url} answered HTTP {}", response.status().as_u16()));
    }
    let too_large = || format!("{url} is larger than the limit of {} bytes", limits.max_page_bytes);
    if response.content_length().is_some_and(|n| n > limits.max_page_bytes) {
        return Err(too_large());
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let format =
        CatalogueFormat::detect(content_type.as_deref(), response.url().as_str()).ok_or_else(|| {
            format!(
                "{url} is not in an RDF format the portal reads (content type {})",
                content_type.as_deref().unwrap_or("missing")
            )
        })?;
    // Relative links on the page resolve against where it was finally found.
    let final_url = response.url().to_string();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe_transport_error(url, &e, limits))? {
        if body.len() as u64 + chunk.len() as u64 > limits.max_page_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, format, final_url))
}

/// One message for every way a connection fails (refused, reset, unresolvable, refused by
/// the outbound policy), so a harvest's error cannot be used to tell closed ports from
/// open ones or inward addresses from unreachable ones.
fn describe_transport_error(url: &str, error: &reqwest::Error, limits: &HarvestLimits) -> String {
    if error.is_timeout() {
        format!("{url} did not answer within {} seconds", limits.timeout.as_secs())
    } else if error.is_redirect() {
        format!("{url} redirected too often or to an address the portal does not fetch from")
    } else {
        format!("{url} could not be reached")
    }
}

fn digest(record: &super::model::DatasetRecord) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// A record the node's catalogue gave before: id, slug, IRI there, digest, withdrawn at.
type HarvestedRow = (i64, String, String, Option<String>, Option<String>);

async fn apply(
    db: &Db,
    node_id: i64,
    node_slug: &str,
    is_demo: bool,
    run_id: i64,
    actor: Option<i64>,
    fetched: Fetched,
) -> Result<RunCounts, sqlx::Error> {
    let mut counts = RunCounts {
        pages: fetched.pages,
        datasets_seen: fetched.datasets.len() as i64,
        ..RunCounts::default()
    };
    let mut tx = db.pool().begin().await?;
    // Write first, so SQLite takes its write lock before this transaction reads anything.
    sqlx::query("UPDATE harvest_runs SET pages = $1 WHERE id = $2")
        .bind(fetched.pages)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    let existing: Vec<HarvestedRow> = sqlx::query_as(
        "SELECT id, slug, source_iri, source_digest, withdrawn_at FROM cohorts WHERE source_node_id = $1 AND source_iri IS NOT NULL",
    )
    .bind(node_id)
    .fetch_all(&mut *tx)
    .await?;
    let by_iri: HashMap<&str, &HarvestedRow> = existing.iter().map(|row| (row.2.as_str(), row)).collect();
    let listed: HashSet<&str> = fetched.datasets.iter().map(|d| d.iri.as_str()).collect();

    for dataset in &fetched.datasets {
        let digest = digest(&dataset.record);
        match by_iri.get(dataset.iri.as_str()) {
            None => {
                let slug = store::free_slug(&mut tx, &harvested_slug(node_slug, &dataset.iri)).await?;
                store::insert_record(
                    &mut tx,
                    NewRecord {
                        slug: &slug,
                        record: &dataset.record,
                        origin: super::model::Origin::Harvested,
                        illustrative: is_demo,
                        node_ids: &[node_id],
                        source_node_id: Some(node_id),
                        source_iri: Some(&dataset.iri),
                        digest: Some(&digest),
                    },
                )
                .await?;
                let event =
                    NewEvent::transition(actor, "dataset", &slug, "dataset_harvested", None, Some("listed"));
                record_in(
                    &mut tx,
                    NewEvent { summary: Some(format!("new from the {node_slug} catalogue")), ..event },
                )
                .await?;
                counts.created += 1;
            }
            Some((id, slug, _, old_digest, withdrawn_at)) => {
                if old_digest.as_deref() == Some(digest.as_str()) && withdrawn_at.is_none() {
                    counts.unchanged += 1;
                    continue;
                }
                store::update_record(&mut tx, *id, &dataset.record, Some(&digest)).await?;
                let from = if withdrawn_at.is_some() { "withdrawn" } else { "listed" };
                let event = NewEvent::transition(
                    actor,
                    "dataset",
                    slug,
                    "dataset_updated_from_source",
                    Some(from),
                    Some("listed"),
                );
                record_in(
                    &mut tx,
                    NewEvent { summary: Some(format!("updated from the {node_slug} catalogue")), ..event },
                )
                .await?;
                counts.updated += 1;
            }
        }
    }
    for (id, slug, iri, _, withdrawn_at) in &existing {
        if withdrawn_at.is_none() && !listed.contains(iri.as_str()) {
            store::withdraw_record(&mut tx, *id).await?;
            let event = NewEvent::transition(
                actor,
                "dataset",
                slug,
                "dataset_withdrawn_at_source",
                Some("listed"),
                Some("withdrawn"),
            );
            record_in(
                &mut tx,
                NewEvent { reason: Some(format!("no longer in the {node_slug} catalogue")), ..event },
            )
            .await?;
            counts.withdrawn += 1;
        }
    }
    let mut warnings = fetched.warnings.clone();
    if warnings.len() > MAX_WARNINGS {
        let more = warnings.len() - MAX_WARNINGS;
        warnings.truncate(MAX_WARNINGS);
        warnings.push(format!("… and {more} more notes"));
    }
    let warnings = serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into());
    let closed = sqlx::query(
        "UPDATE harvest_runs SET outcome = 'succeeded', finished_at = $1, datasets_seen = $2, created = $3, updated = $4, \
         unchanged = $5, withdrawn = $6, warnings = $7 WHERE id = $8 AND outcome = 'running'",
    )
    .bind(db::now())
    .bind(counts.datasets_seen)
    .bind(counts.created)
    .bind(counts.updated)
    .bind(counts.unchanged)
    .bind(counts.withdrawn)
    .bind(warnings)
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    if closed.rows_affected() == 0 {
        // Someone closed the run meanwhile (abandoned): leave the records as they were.
        tx.rollback().await?;
        return Err(sqlx::Error::Protocol("the harvest run was closed by another replica".into()));
    }
    let summary = format!(
        "{node_slug}: {} pages, {} datasets ({} new, {} updated, {} unchanged, {} withdrawn)",
        counts.pages,
        counts.datasets_seen,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.withdrawn
    );
    let event = NewEvent::transition(
        actor,
        "harvest_run",
        run_id,
        "harvest_finished",
        Some("running"),
        Some("succeeded"),
    );
    record_in(&mut tx, NewEvent { summary: Some(summary), ..event }).await?;
    tx.commit().await?;
    Ok(counts)
}

async fn fail_run(
    db: &Db,
    run_id: i64,
    pages: i64,
    error: &str,
    actor: Option<i64>,
    node_slug: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE harvest_runs SET outcome = 'failed', finished_at = $1, pages = $2, error = $3 WHERE id = $4",
    )
    .bind(db::now())
    .bind(pages)
    .bind(error)
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    let event = NewEvent::transition(
        actor,
        "harvest_run",
        run_id,
        "harvest_finished",
        Some("running"),
        Some("failed"),
    );
    record_in(
        &mut tx,
        NewEvent {
            reason: Some(error.to_owned()),
            summary: Some(format!("{node_slug}: harvest failed")),
            ..event
        },
    )
    .await?;
    tx.commit().await
}
