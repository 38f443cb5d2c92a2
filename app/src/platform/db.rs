//! The database handle: one `AnyPool` over SQLite (embedded default) or PostgreSQL.
//!
//! How the two backends share code: all application SQL is portable (`$1` placeholders,
//! `INSERT … ON CONFLICT`, `RETURNING`, integers for flags and Unix-second timestamps), so
//! each query is written once and runs through sqlx's `Any` driver on either backend.
//! Only the DDL differs, so each backend has its own append-only migrations folder
//! (`migrations/sqlite`, `migrations/postgres`) with the same numbered steps.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::platform::error::AppError;

/// How long a writer waits for SQLite's write lock (and for its turn at it) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

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
    /// SQLite: writes waiting to be run together by whoever holds the write turn next
    /// ([`Db::write_grouped`]).
    waiting: std::sync::Arc<std::sync::Mutex<Waiting>>,
}

/// The most writes one group runs in one transaction; the rest wait for the next group.
const MOST_IN_A_GROUP: usize = 128;

/// A boxed future borrowing the connection it runs on.
pub type BoxFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// What the work given to [`Db::write_grouped`] ends with.
pub enum Step<T, E> {
    /// Done (whether or not it wrote): its answer, given once the group has committed.
    Done(T),
    /// Refused before it wrote anything: the group goes on without it.
    Refused(E),
}

/// A queued write. Given the group's connection it runs and says how it went; given
/// `None` it is not run and answers busy (its group failed before it, or it waited too long).
type Job = Box<dyn for<'c> FnOnce(Option<&'c mut sqlx::AnyConnection>) -> BoxFuture<'c, Ran> + Send>;

/// Answers a job's caller once the group's fate is known (`true`: committed).
type Answer = Box<dyn FnOnce(bool) + Send>;

enum Ran {
    /// Refused, or not run: answered already.
    Answered,
    /// Done: answered when the group commits, or as busy if it is rolled back.
    Done(Answer),
    /// A statement failed after the job may have written: the group is rolled back.
    Failed(Answer),
}

#[derive(Default)]
struct Waiting {
    next_id: u64,
    /// Each with its id and when it was queued.
    jobs: std::collections::VecDeque<(u64, tokio::time::Instant, Job)>,
}

/// The most writes that may wait at once; more are answered busy straight away.
const MOST_WAITING: usize = 2048;

/// Takes a queued write back out when its caller goes away (or gives up) before a group
/// has taken it: a click nobody waits for any more is never run later.
struct Withdraw<'a> {
    waiting: &'a std::sync::Mutex<Waiting>,
    id: u64,
}

impl Withdraw<'_> {
    /// Whether the write was still queued (and is now withdrawn, never to run).
    fn now(&self) -> bool {
        let mut waiting = self.waiting.lock().expect("write queue");
        let at = waiting.jobs.iter().position(|(queued, _, _)| *queued == self.id);
        at.and_then(|at| waiting.jobs.remove(at)).is_some()
    }
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} waiting writes", self.jobs.len())
    }
}

/// The error a write gets when its group could not commit: nothing of it was kept.
fn busy() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
}

/// A transaction that will write ([`Db::begin_write`]); on SQLite it holds this process's
/// turn at the write lock until it commits or is dropped (rolled back). Used like the
/// transaction itself: `&mut *tx` is its connection.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
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
        })
    }

    /// Applies pending migrations of this backend's folder; fails on any error.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // On a connection of its own with no lock timeout: a migration may wait for another
        // server's; closed after, not returned to the pool with that setting.
        let mut conn = self.pool.acquire().await.map_err(DbError::Connect)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET lock_timeout = 0")
                .execute(&mut *conn)
                .await
                .map_err(DbError::Connect)?;
        }
        let ran = migrator.run(&mut *conn).await;
        let _ = conn.close().await;
        ran?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write.
    ///
    /// On SQLite a plain (deferred) `BEGIN` that reads before it writes can fail with
    /// SQLITE_BUSY when another writer committed meanwhile; `BEGIN IMMEDIATE` takes the
    /// write lock up front. Writers of this process first queue for their turn (see
    /// `writer`); SQLite's busy timeout still covers writers outside it (autocommit
    /// statements, another process). A turn not given within the busy timeout is an error,
    /// as the lock itself would be.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = tokio::time::timeout(BUSY_TIMEOUT, self.writer.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                Ok(WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                })
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            }),
        }
    }

    /// Runs one writing statement on its own (no transaction of the caller's). On SQLite it
    /// takes its turn at the write lock like [`Db::begin_write`]; left to SQLite's busy
    /// handler it could lose the lock to queued writers again and again under load.
    pub async fn execute_write<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let mut tx = self.begin_write().await?;
                let done = query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done)
            }
            Backend::Postgres => query.execute(&self.pool).await,
        }
    }

    /// Runs `work` in a write transaction, on SQLite together with the other writes waiting
    /// at that moment: one transaction, one commit and one turn at the write lock for the
    /// whole group (a click is small, and SQLite's lock and commit cost more than its
    /// statements). `work` answers [`Step::Refused`] for what it refuses before writing;
    /// the group goes on without it. An error after it may have written rolls the whole
    /// group back: that write gets its error, the others [`sqlx::Error::PoolTimedOut`]
    /// (busy: nothing was changed). A done write is answered after the commit. Each write
    /// waits at most the busy timeout for its group, as [`Db::begin_write`] does. A group
    /// holding others' writes runs in a task of its own, so a caller that goes away does
    /// not cut it short; a write alone runs in its caller.
    /// On PostgreSQL each write is its own transaction.
    pub async fn write_grouped<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> BoxFuture<'c, Result<Step<T, E>, E>> + Send + 'static,
    {
        if self.backend == Backend::Postgres {
            let mut tx = self.pool.begin().await?;
            return match work(&mut tx).await? {
                Step::Done(answer) => {
                    tx.commit().await?;
                    Ok(answer)
                }
                Step::Refused(error) => Err(error),
            };
        }
        let (send, mut answer) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let Some(conn) = conn else {
                    let _ = send.send(Err(busy().into()));
                    return Ran::Answered;
                };
                match work(conn).await {
                    Ok(Step::Refused(error)) => {
                        let _ = send.send(Err(error));
                        Ran::Answered
                    }
                    Ok(Step::Done(value)) => Ran::Done(Box::new(move |committed| {
                        let _ = send.send(if committed { Ok(value) } else { Err(busy().into()) });
                    })),
                    Err(error) => Ran::Failed(Box::new(move |_| {
                        let _ = send.send(Err(error));
                    })),
                }
            })
        });
        let queued_at = tokio::time::Instant::now();
        let id = {
            let mut waiting = self.waiting.lock().expect("write queue");
            if waiting.jobs.len() >= MOST_WAITING {
                return Err(busy().into());
            }
            waiting.next_id += 1;
            let id = waiting.next_id;
            waiting.jobs.push_back((id, queued_at, job));
            id
        };
        let withdraw = Withdraw {
            waiting: &self.waiting,
            id,
        };
        let deadline = queued_at + BUSY_TIMEOUT;
        loop {
            tokio::select! {
                biased;
                done = &mut answer => return done.unwrap_or_else(|_| Err(busy().into())),
                turn = self.writer.clone().lock_owned() => {
                    if let Ok(done) = answer.try_recv() {
                        return done;
                    }
                    if tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    // Nobody has run this write yet: run the group it is in.
                    let alone = {
                        let waiting = self.waiting.lock().expect("write queue");
                        waiting.jobs.len() == 1 && waiting.jobs.front().is_some_and(|(queued, _, _)| *queued == id)
                    };
                    if alone {
                        // Only this write: run it here (if this caller goes away, nobody
                        // else's write goes with it). Others that come meanwhile wait.
                        self.run_group(turn, 1).await;
                    } else {
                        // In a task of its own: the group must not stop halfway because
                        // this caller went away.
                        let db = self.clone();
                        let _ = tokio::spawn(async move { db.run_group(turn, MOST_IN_A_GROUP).await }).await;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        if withdraw.now() {
            return Err(busy().into());
        }
        // A group has it: every write a group takes is answered (done, refused, failed, or
        // busy when not run), and a group never waits for a lock of ours.
        answer.await.unwrap_or_else(|_| Err(busy().into()))
    }

    /// How many writes wait for their group now (SQLite; always 0 on PostgreSQL).
    pub fn waiting_writes(&self) -> usize {
        self.waiting.lock().expect("write queue").jobs.len()
    }

    /// Runs the first `most` waiting writes in one transaction, holding the write turn, and
    /// answers every one of them. A write that has waited past the busy timeout is not run
    /// (its caller has stopped waiting); when the group fails, the writes it has not run
    /// yet are not run either: all of those are answered busy.
    async fn run_group(&self, _turn: tokio::sync::OwnedMutexGuard<()>, most: usize) {
        let mut jobs: std::collections::VecDeque<(u64, tokio::time::Instant, Job)> = {
            let mut waiting = self.waiting.lock().expect("write queue");
            let n = waiting.jobs.len().min(most);
            waiting.jobs.drain(..n).collect()
        };
        if jobs.is_empty() {
            return;
        }
        // SQLite only (PostgreSQL writes are not grouped): see `begin_write` for IMMEDIATE.
        let mut tx = match self.pool.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(error) => {
                tracing::warn!(%error, "cannot start a write transaction");
                for (_, _, job) in jobs {
                    job(None).await;
                }
                return;
            }
        };
        let mut done: Vec<Answer> = Vec::with_capacity(jobs.len());
        while let Some((_, queued_at, job)) = jobs.pop_front() {
            if queued_at.elapsed() >= BUSY_TIMEOUT {
                job(None).await;
                continue;
            }
            match job(Some(&mut tx)).await {
                Ran::Answered => {}
                Ran::Done(answer) => done.push(answer),
                Ran::Failed(answer) => {
                    drop(tx); // rolled back
                    answer(false);
                    for answer in done {
                        answer(false);
                    }
                    for (_, _, job) in jobs {
                        job(None).await;
                    }
                    return;
                }
            }
        }
        let committed = match tx.commit().await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(%error, "a group of writes did not commit");
                false
            }
        };
        for answer in done {
            answer(committed);
        }
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

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` values: multi-row `VALUES` lists in the
/// `$N` style both backends read (sqlx's `QueryBuilder` writes `?` for `Any`, which
/// PostgreSQL rejects).
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// The longest search term used; the rest of a longer one is ignored.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The text a search looks for: trimmed, without control characters (they never match a
/// name, and PostgreSQL refuses NUL in text outright), at most `MAX_SEARCH_CHARS` long.
pub fn search_term(term: &str) -> String {
    term.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SEARCH_CHARS)
        .collect()
}

/// `%term%` for a case-insensitive `LIKE … ESCAPE '\'`, with wildcards in the term escaped
/// and the term cut to [`MAX_SEARCH_CHARS`].
pub fn like_pattern(term: &str) -> String {
    let escaped = search_term(term)
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The `OFFSET` of page `page` (from 0) of `size` rows; a negative or absurd page number
/// gives the first or a past-the-end page, never an overflow.
pub fn page_offset(page: i64, size: i64) -> i64 {
    page.clamp(0, i64::MAX / size.max(1)) * size
}

/// A unique index or constraint of the schema, as each backend names it when violated.
pub struct Unique {
    /// The index or constraint name (PostgreSQL reports it; SQLite reports it for indexes
    /// on expressions).
    pub name: &'static str,
    /// How SQLite names a unique index on plain columns: `table.column, table.column`.
    pub sqlite_columns: Option<&'static str>,
}

/// Turns a violation of `unique` into `conflict()` (an expected outcome the user can act
/// on), and any other error into `Internal`. Checking first and inserting second is not
/// enough: two simultaneous requests both pass the check, and the schema decides.
///
/// PostgreSQL reports the violated constraint's name. SQLite reports none through sqlx, only
/// its message "UNIQUE constraint failed: <index 'name' | table.column, …>": there the part
/// after the colon is compared with the index's name or columns.
pub fn on_constraint(error: sqlx::Error, unique: &Unique, conflict: impl FnOnce() -> AppError) -> AppError {
    if violates(&error, unique) {
        return conflict();
    }
    AppError::from(error)
}

/// Whether `error` is a violation of `unique` (see [`on_constraint`]).
pub fn violates(error: &sqlx::Error, unique: &Unique) -> bool {
    let sqlx::Error::Database(db_error) = error else {
        return false;
    };
    if db_error.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return false;
    }
    match db_error.constraint() {
        Some(name) => name == unique.name,
        None => db_error
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .is_some_and(|what| what == format!("index '{}'", unique.name) || Some(what) == unique.sqlite_columns),
    }
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
    fn values_placeholders_number_every_value_once() {
        assert_eq!(values_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_placeholders(1, 1), "($1)");
    }

    #[test]
    fn page_offsets_never_overflow() {
        assert_eq!(page_offset(2, 50), 100);
        assert_eq!(page_offset(-5, 50), 0);
        assert!(page_offset(i64::MAX, 50) > 0);
    }

    #[test]
    fn like_patterns_escape_wildcards_and_ignore_case() {
        assert_eq!(like_pattern("  Acme "), "%acme%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(&"x".repeat(10_000)).len(), MAX_SEARCH_CHARS + 2);
        assert_eq!(like_pattern("a\0b"), "%ab%");
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
