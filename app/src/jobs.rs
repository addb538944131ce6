//! Background jobs. Any replica may run the loop; a job runs only on the replica that wins
//! its lease row, so several replicas never run the same job at once.

use crate::config::PortalConfig;
use crate::db::{self, Db};
use crate::identity::{sessions::SessionPolicy, store};
use chrono::{Duration, Utc};

/// A job and how often it is due.
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    pub name: &'static str,
    pub every: Duration,
    /// How long a lease lasts: a replica that dies mid-job frees the job after this.
    pub lease: Duration,
}

pub const SESSION_CLEANUP: JobSpec =
    JobSpec { name: "session_cleanup", every: Duration::minutes(15), lease: Duration::minutes(5) };

pub const CATALOGUE_HARVEST_NAME: &str = "catalogue_harvest";

/// Ends access periods that are over.
pub const ACCESS_EXPIRY: JobSpec =
    JobSpec { name: "access_expiry", every: Duration::minutes(60), lease: Duration::minutes(15) };

/// Sends queued mail (or, without a mail server, moves it to the demo outbox).
pub const MAIL_DELIVERY: JobSpec =
    JobSpec { name: "mail_delivery", every: Duration::seconds(20), lease: Duration::minutes(5) };

/// Queues reminders: deadlines near, access about to end, yearly progress reports.
pub const ACCESS_REMINDERS: JobSpec =
    JobSpec { name: "access_reminders", every: Duration::minutes(60), lease: Duration::minutes(15) };

/// Agreements: reminders of milestones and obligations (two weeks before, on the day,
/// overdue, each once) and expiry at the end date.
pub const AGREEMENT_FOLLOW_UP: JobSpec =
    JobSpec { name: "agreement_follow_up", every: Duration::minutes(60), lease: Duration::minutes(15) };

/// Stores each KPI's figure for every month that has closed (the first run fills the
/// history); hourly, so a month is stored within the hour after it closes.
pub const KPI_SNAPSHOTS: JobSpec =
    JobSpec { name: "kpi_snapshots", every: Duration::minutes(60), lease: Duration::minutes(15) };

/// The jobs this deployment runs: the harvest only when its interval is not 0.
pub fn jobs(config: &PortalConfig) -> Vec<JobSpec> {
    let mut jobs = vec![
        SESSION_CLEANUP,
        ACCESS_EXPIRY,
        ACCESS_REMINDERS,
        AGREEMENT_FOLLOW_UP,
        MAIL_DELIVERY,
        KPI_SNAPSHOTS,
    ];
    if config.harvest_interval_minutes > 0 {
        jobs.push(JobSpec {
            name: CATALOGUE_HARVEST_NAME,
            every: Duration::minutes(i64::from(config.harvest_interval_minutes)),
            // Long enough for every node at the page limits; a dead replica frees it after this.
            lease: Duration::minutes(60),
        });
    }
    jobs
}

/// Takes the job's lease if the job is due and nobody holds it. True when this holder won.
pub async fn try_acquire(db: &Db, job: &JobSpec, holder: &str) -> Result<bool, sqlx::Error> {
    let now = Utc::now();
    let result = sqlx::query(
        "INSERT INTO job_leases (job, holder, leased_until, last_started_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, leased_until = excluded.leased_until, \
             last_started_at = excluded.last_started_at \
         WHERE job_leases.leased_until <= $4 \
           AND (job_leases.last_finished_at IS NULL OR job_leases.last_finished_at <= $5)",
    )
    .bind(job.name)
    .bind(holder)
    .bind(db::timestamp(now + job.lease))
    .bind(db::timestamp(now))
    .bind(db::timestamp(now - job.every))
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Releases the lease and notes the outcome; only the holder can.
pub async fn finish(db: &Db, job: &JobSpec, holder: &str, outcome: &str) -> Result<(), sqlx::Error> {
    let now = db::now();
    sqlx::query(
        "UPDATE job_leases SET leased_until = $1, last_finished_at = $1, last_outcome = $2 WHERE job = $3 AND holder = $4",
    )
    .bind(&now)
    .bind(outcome)
    .bind(job.name)
    .bind(holder)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Refused forms kept to be shown again live a quarter of an hour.
async fn delete_old_refused_forms(db: &Db) -> Result<u64, sqlx::Error> {
    let before =
        crate::db::timestamp(Utc::now() - chrono::Duration::minutes(crate::failed_form::KEPT_MINUTES));
    let removed = sqlx::query("DELETE FROM refused_forms WHERE created_at < $1")
        .bind(before)
        .execute(db.pool())
        .await?;
    Ok(removed.rows_affected())
}

async fn run(db: &Db, config: &PortalConfig, job: &JobSpec) -> Result<String, sqlx::Error> {
    match job.name {
        "session_cleanup" => {
            let removed = store::delete_dead_sessions(db, &SessionPolicy::from_config(config)).await?;
            let abandoned = crate::identity::oidc::delete_stale_sign_ins(db).await?;
            let refused = delete_old_refused_forms(db).await?;
            Ok(format!(
                "removed {removed} sessions, {abandoned} unfinished sign-ins and {refused} refused forms"
            ))
        }
        "access_expiry" => match crate::cohort_access::store::expire_due(db, Utc::now()).await {
            Ok(expired) => Ok(format!("ended {expired} access periods")),
            Err(crate::cohort_access::store::ExecuteError::Sql(error)) => Err(error),
            Err(other) => Ok(format!("failed: {other}")),
        },
        "access_reminders" => {
            let queued = crate::cohort_access::notices::queue_reminders(db, Utc::now()).await?;
            Ok(format!("queued {queued} reminders"))
        }
        "agreement_follow_up" => {
            use crate::agreements::store::{expire_ended, send_due_reminders};
            let now = Utc::now();
            let outcome = match (send_due_reminders(db, now).await, expire_ended(db, now).await) {
                (Ok(queued), Ok(expired)) => {
                    format!("queued {queued} reminders, expired {expired} agreements")
                }
                (Err(crate::workflow::ExecuteError::Sql(error)), _)
                | (_, Err(crate::workflow::ExecuteError::Sql(error))) => {
                    return Err(error);
                }
                (Err(other), _) | (_, Err(other)) => format!("failed: {other}"),
            };
            Ok(outcome)
        }
        "mail_delivery" => {
            let done = crate::notifications::delivery::deliver_due(db, config).await?;
            Ok(format!(
                "sent {}, kept {} in the outbox, {} attempts failed",
                done.sent, done.kept, done.failed
            ))
        }
        "kpi_snapshots" => match crate::kpi::store::take_snapshots(db, Utc::now()).await {
            Ok(stored) => Ok(format!("stored {stored} KPI snapshots")),
            Err(crate::kpi::store::FactsError::Sql(error)) => Err(error),
            Err(other) => Ok(format!("failed: {other}")),
        },
        CATALOGUE_HARVEST_NAME => {
            let limits = crate::catalogue::harvest::HarvestLimits::from_config(config);
            let reports = crate::catalogue::harvest::harvest_all(db, limits).await?;
            let failed = reports.iter().filter(|(_, r)| r.error.is_some()).count();
            Ok(format!("harvested {} node catalogues, {failed} failed", reports.len()))
        }
        other => Ok(format!("unknown job {other}")),
    }
}

/// Runs every due job this replica can lease; answers what ran and how it went.
pub async fn run_due_jobs(db: &Db, config: &PortalConfig, holder: &str) -> Vec<(&'static str, String)> {
    let mut ran = Vec::new();
    for job in &jobs(config) {
        match try_acquire(db, job, holder).await {
            Ok(true) => {
                let outcome = match run(db, config, job).await {
                    Ok(outcome) => outcome,
                    Err(error) => format!("failed: {error}"),
                };
                tracing::info!(job = job.name, %outcome, "background job finished");
                if let Err(error) = finish(db, job, holder, &outcome).await {
                    tracing::warn!(job = job.name, %error, "could not release job lease");
                }
                ran.push((job.name, outcome));
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(job = job.name, %error, "could not try job lease"),
        }
    }
    ran
}
