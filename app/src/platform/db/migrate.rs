//! Migrations: each backend's append-only folder, applied at start-up.

use sqlx::migrate::Migrator;

use super::{Backend, Db, DbError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
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
}
