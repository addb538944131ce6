//! The data-access layer: one sqlx pool over SQLite or PostgreSQL, chosen by the URL.
//! Queries are written once in the SQL both engines share (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`); times are stored as RFC 3339 UTC text so they sort and compare alike.
//!
//! A request holds at most one connection at a time: [`Db::read`] hands out a connection,
//! [`Db::write`] a transaction that holds the write lock from its first statement, and
//! store functions take the connection they are given (`&mut AnyConnection`), so nothing
//! can wait for a second connection while holding a first (the stall under load).

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

/// A pooled connection of either backend.
pub type Conn = PoolConnection<Any>;
/// A transaction of either backend, holding its connection.
pub type Tx = Transaction<'static, Any>;

/// How long a request waits for a connection before it is told to come back (503).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("could not create the folder for the SQLite file: {0}")]
    CreateDir(#[from] std::io::Error),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A cheap-to-clone handle on the pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// What `/readyz` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub reachable: bool,
    pub migrations_expected: usize,
    pub migrations_applied: usize,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.reachable && self.migrations_applied == self.migrations_expected
    }
}

/// A stable 64-bit key for an advisory lock (FNV-1a of the topic's name).
fn advisory_key(topic: &str) -> i64 {
    let hash = topic.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    i64::from_ne_bytes(hash.to_ne_bytes())
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed). Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; foreign keys are
                        // off by default in SQLite; the busy timeout queues writers instead
                        // of failing them at once; FULL syncs every commit, so what was
                        // acknowledged survives a power cut, not only a crash of the process.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Db { pool, backend })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// The pool itself: for migrations, start-up work and tests. Request code uses
    /// [`Db::read`] and [`Db::write`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// One connection to read with; pass it on as `&mut *conn`.
    pub async fn read(&self) -> Result<Conn, sqlx::Error> {
        self.pool.acquire().await
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads first and writes later could not upgrade its
    /// lock while another writer waits, and would fail with "database is locked" instead of
    /// waiting its turn.
    pub async fn write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A write transaction that first reads to decide what it may insert (a name or number
    /// that must be unique, checked with a message for the person): writers of one `topic`
    /// go one at a time, so two at once cannot both pass the check. SQLite's write lock
    /// does that already; on PostgreSQL a transaction-scoped advisory lock does.
    pub async fn write_one_at_a_time(&self, topic: &str) -> Result<Tx, sqlx::Error> {
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(advisory_key(topic))
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// How many connections are open and how many of them are idle (for metrics).
    pub fn pool_use(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn readiness(&self) -> Readiness {
        let expected = self.backend.migrator().iter().filter(|m| m.migration_type.is_up_migration()).count();
        let reachable = sqlx::query("SELECT 1").execute(&self.pool).await.is_ok();
        let applied: i64 = if reachable {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .unwrap_or(0)
        } else {
            0
        };
        Readiness { reachable, migrations_expected: expected, migrations_applied: applied as usize }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    let parent = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| !path.is_empty() && path != ":memory:") {
        std::fs::create_dir_all(parent)?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// SQL text with numbered parameters, built piece by piece. Values never enter the text.
#[derive(Default, Clone)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

/// Binds a built statement's parameters in order (sqlx's query kinds share no binding
/// trait, so one macro serves all three).
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(n) => query.bind(*n),
                Bind::MaybeText(text) => query.bind(text.clone()),
                Bind::MaybeInt(n) => query.bind(*n),
            };
        }
        query
    }};
}

/// A value for a numbered parameter.
#[derive(Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
    MaybeText(Option<String>),
    MaybeInt(Option<i64>),
}

impl Sql {
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.text.push_str(&format!("${}", self.binds.len()));
        self
    }

    pub fn bind_list(&mut self, values: &[String]) -> &mut Self {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Bind::Text(value.clone()));
        }
        self
    }

    /// A list of integer parameters, `NULL` when empty (so `IN (NULL)` matches nothing).
    pub fn bind_ints(&mut self, values: &[i64]) -> &mut Self {
        if values.is_empty() {
            return self.push("NULL");
        }
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Bind::Int(*value));
        }
        self
    }

    /// The statement, answering rows as `T`.
    pub fn query_as<T>(&self) -> sqlx::query::QueryAs<'_, sqlx::Any, T, sqlx::any::AnyArguments<'_>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        bind_all!(sqlx::query_as(&self.text), &self.binds)
    }

    /// The statement, answering one value per row.
    pub fn query_scalar<T>(&self) -> sqlx::query::QueryScalar<'_, sqlx::Any, T, sqlx::any::AnyArguments<'_>>
    where
        T: sqlx::Type<sqlx::Any> + for<'r> sqlx::Decode<'r, sqlx::Any> + Send + Unpin,
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        bind_all!(sqlx::query_scalar(&self.text), &self.binds)
    }

    pub fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        bind_all!(sqlx::query(&self.text), &self.binds)
    }
}

/// The one way times are written to the database.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn now() -> String {
    timestamp(Utc::now())
}

pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_chosen_by_url() {
        assert_eq!(Backend::from_url("sqlite://data/portal.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://postgres@127.0.0.1/portal").unwrap(), Backend::Postgres);
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        assert_eq!(prepare_sqlite_url("sqlite::memory:").unwrap(), "sqlite::memory:?mode=rwc");
        assert_eq!(prepare_sqlite_url("sqlite://x.db?mode=ro").unwrap(), "sqlite://x.db?mode=ro");
    }

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let early = timestamp(DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().into());
        let late = timestamp(DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z").unwrap().into());
        assert!(early < late);
        assert_eq!(parse_timestamp(&early).map(timestamp), Some(early));
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names =
            |m: &Migrator| m.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>();
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
    }
}
