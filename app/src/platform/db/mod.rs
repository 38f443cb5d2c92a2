//! The database handle: one `AnyPool` over SQLite (embedded default) or PostgreSQL.
//!
//! How the two backends share code: all application SQL is portable (`$1` placeholders,
//! `INSERT … ON CONFLICT`, `RETURNING`, integers for flags and Unix-second timestamps), so
//! each query is written once and runs through sqlx's `Any` driver on either backend.
//! Only the DDL differs, so each backend has its own append-only migrations folder
//! (`migrations/sqlite`, `migrations/postgres`) with the same numbered steps.
//!
//! - connecting and migrating: here and [`migrate`];
//! - the write turn (a transaction that will write): [`write`];
//! - clicks that share one transaction and one commit: [`group`];
//! - SQL helpers (placeholders, search patterns, pages): [`sql`];
//! - a named unique violation as the message the user sees: [`constraint`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub mod constraint;
pub mod group;
mod migrate;
pub mod sql;
pub mod write;

pub use constraint::{Unique, on_constraint, violates};
pub use group::{BoxFuture, GroupTx, Held, Step};

/// A statement for either backend, with some of its values bound.
pub type AnyQuery<'a> = sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>>;
pub use sql::{MAX_SEARCH_CHARS, like_pattern, page_offset, search_term, values_placeholders};
pub use write::WriteTx;

/// How long a writer waits for SQLite's write lock (and for its turn at it) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (expected sqlite: or postgres://)")]
    UnsupportedUrl,
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A cloneable handle to the pool; cheap to pass into every request.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: the one write lock, taken in this process first. Writers then queue here,
    /// in order, and start the moment the previous one commits, instead of polling
    /// SQLite's lock in its busy handler (which sleeps between tries: the lock sits idle
    /// and a waiting click can lose many rounds in a row).
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Writes waiting to be run together by whoever holds the write turn next
    /// ([`Db::write_grouped`]).
    waiting: std::sync::Arc<std::sync::Mutex<group::Waiting>>,
    /// PostgreSQL: the turns of the groups running at once (see `group::POSTGRES_GROUPS`).
    group_turns: std::sync::Arc<tokio::sync::Semaphore>,
    /// PostgreSQL: how many groups run at once; 0, one transaction per click (the
    /// benchmark compares them in one run).
    postgres_groups: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) when missing.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or(DbError::UnsupportedUrl)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(DbError::Connect)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer at a time; a few connections serve concurrent readers.
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed during a write; the busy timeout makes
                        // writers queue instead of failing; foreign keys are per connection.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    } else {
                        // A statement waits at most as long for a row lock as a SQLite write
                        // waits for its turn: then it fails (55P03), answered busy, instead of
                        // holding a pooled connection for as long as the lock's holder runs.
                        conn.execute("SET lock_timeout = '10s'").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Self {
            pool,
            backend,
            writer: Default::default(),
            waiting: Default::default(),
            group_turns: std::sync::Arc::new(tokio::sync::Semaphore::new(group::POSTGRES_GROUPS as usize)),
            postgres_groups: std::sync::Arc::new(std::sync::atomic::AtomicU32::new(group::POSTGRES_GROUPS)),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// PostgreSQL: how many groups of clicks run at once, 1, 2 or 4 (the default, see
    /// `group::POSTGRES_GROUPS`), or 0 for one transaction per click: for the benchmark's
    /// comparisons in one run. SQLite always runs one group at a time.
    pub fn set_postgres_groups(&self, groups: u32) {
        assert!(
            groups == 0 || group::POSTGRES_GROUPS.is_multiple_of(groups),
            "a divisor of {}",
            group::POSTGRES_GROUPS
        );
        self.postgres_groups.store(groups, std::sync::atomic::Ordering::Relaxed);
    }

    /// Number of migrations applied, for the health endpoint.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure the folder of a SQLite file exists and asks sqlx to create the file.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mut url = url.to_owned();
    if !query.contains("mode=") {
        url.push(if query.is_empty() { '?' } else { '&' });
        url.push_str("mode=rwc");
    }
    Ok(url)
}

/// Seconds since the Unix epoch: the one time representation stored in the database.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_backends_by_url() {
        assert_eq!(Backend::of_url("sqlite://data/app.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_urls_gain_create_mode_once() {
        let dir = std::env::temp_dir().join(format!("pa-url-{}", std::process::id()));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        let with_mode = format!("{url}?mode=ro");
        assert_eq!(prepare_sqlite_url(&with_mode).unwrap(), with_mode);
        std::fs::remove_dir_all(dir).ok();
    }
}
