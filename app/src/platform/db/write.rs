//! The write turn: a transaction that will write. On SQLite the writers of this process
//! queue for the one write lock here, in order, and each starts the moment the previous one
//! commits, instead of polling SQLite's lock in its busy handler.

use sqlx::{Any, Transaction};

use super::{BUSY_TIMEOUT, Backend, Db};

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
        query: super::AnyQuery<'q>,
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
}
