//! The one way a change is written: [`Write`] takes the write turn (`Db::begin_write`),
//! carries the change's statements, and records its typed audit events
//! (`domain::audit::Event`) in the same transaction, so the change and its record commit
//! together or not at all. An actor opens one with [`PracticeActor::write`]; a change
//! nobody signed in makes (the expiry sweeper, a failed sign-in, an accepted invitation)
//! with [`Write::begin`] and whom it is [`By`]. Clicks that arrive together share one
//! transaction through [`PracticeActor::write_grouped`], each still recording
//! its own event.

use sqlx::AnyConnection;

use crate::access::actor::PracticeActor;
use crate::domain::audit::Event;
use crate::platform::audit::{StoredEvent, insert, insert_returning_id, insert_with};
use crate::platform::db::{AnyQuery, BoxFuture, Db, Held, Step, WriteTx};
use crate::platform::error::AppError;

/// Who a change is by, and in which practice it is recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct By {
    pub practice_id: Option<i64>,
    pub actor_user_id: Option<i64>,
}

impl By {
    /// Nobody: the system (the sweeper), in `practice_id`'s trail.
    pub fn system(practice_id: i64) -> Self {
        Self {
            practice_id: Some(practice_id),
            actor_user_id: None,
        }
    }
}

/// A change in progress: a write transaction (deref it for its connection) in which its
/// events are recorded. Dropped without [`Write::commit`], nothing of it is kept.
pub struct Write {
    tx: WriteTx,
    by: By,
}

impl Write {
    /// Takes the write turn for a change by `by`.
    pub async fn begin(db: &Db, by: By) -> Result<Self, AppError> {
        Ok(Self {
            tx: db.begin_write().await?,
            by,
        })
    }

    /// Records `event` in this change's transaction: it commits with the change, or not at all.
    pub async fn record(&mut self, event: Event) -> Result<(), AppError> {
        Ok(insert(&mut self.tx, stored(self.by, &event)).await?)
    }

    /// Records `event` in another practice's trail (a person's own change, told to each
    /// practice they belong to; a sweep over every practice).
    pub async fn record_in(&mut self, practice_id: i64, event: Event) -> Result<(), AppError> {
        let by = By {
            practice_id: Some(practice_id),
            ..self.by
        };
        self.record_by(by, event).await
    }

    /// Records `event` by someone known only once the change is under way (the login an
    /// accepted invitation just made).
    pub async fn record_by(&mut self, by: By, event: Event) -> Result<(), AppError> {
        Ok(insert(&mut self.tx, stored(by, &event)).await?)
    }

    /// Records `event` about a login (a failed sign-in, a wrong two-step code) in the trail
    /// of every practice the login belongs to, as a member or as one of its clients' own
    /// users: each practice sees what happens to its people. An event about no login, or
    /// one that belongs nowhere, is recorded once, in no practice's trail.
    /// `actor`: the login itself when it acted (a password reset); `None` for an attempt.
    pub async fn record_about_login(
        &mut self,
        user_id: Option<i64>,
        actor: Option<i64>,
        event: Event,
    ) -> Result<(), AppError> {
        let practices: Vec<i64> = match user_id {
            Some(id) => {
                sqlx::query_scalar(
                    r#"SELECT practice_id FROM practice_members WHERE user_id = $1
                       UNION SELECT practice_id FROM client_users WHERE user_id = $1"#,
                )
                .bind(id)
                .fetch_all(&mut *self.tx)
                .await?
            }
            None => Vec::new(),
        };
        if practices.is_empty() {
            let by = By {
                practice_id: None,
                actor_user_id: actor,
            };
            return self.record_by(by, event).await;
        }
        for practice_id in practices {
            let by = By {
                practice_id: Some(practice_id),
                actor_user_id: actor,
            };
            self.record_by(by, event.clone()).await?;
        }
        Ok(())
    }

    /// [`Write::record`], answering the event's id (what came before it is older).
    pub async fn record_returning_id(&mut self, event: Event) -> Result<i64, AppError> {
        Ok(insert_returning_id(&mut self.tx, stored(self.by, &event)).await?)
    }

    /// A change of one statement that records nothing (a key being set up, a sign-in's
    /// challenge spent): it takes its write turn like any other, and commits at once.
    pub async fn one<'q>(db: &Db, statement: AnyQuery<'q>) -> Result<sqlx::any::AnyQueryResult, AppError> {
        Ok(db.execute_write(statement).await?)
    }

    /// Commits the change and what it recorded.
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// One click's part of a group of writes (see [`PracticeActor::write_grouped`]): the
/// group's connection, the row locks it holds already, and its event recorded in it.
pub struct GroupedWrite<'c> {
    pub conn: &'c mut AnyConnection,
    pub held: &'c mut Held,
    by: By,
}

impl GroupedWrite<'_> {
    /// Records `event` in the group's transaction: it commits with the click, or not at all.
    pub async fn record(&mut self, event: Event) -> Result<(), AppError> {
        Ok(insert(self.conn, stored(self.by, &event)).await?)
    }

    /// [`GroupedWrite::record`] in one statement with the writes of `with` (a `WITH …`
    /// whose values are numbered from `$11` and bound by `more`): PostgreSQL only (see
    /// `platform::audit::insert_with`).
    pub async fn record_with(
        &mut self,
        event: Event,
        with: &str,
        more: impl for<'a> FnOnce(AnyQuery<'a>) -> AnyQuery<'a>,
    ) -> Result<(), AppError> {
        Ok(insert_with(self.conn, with, stored(self.by, &event), more).await?)
    }
}

/// Records `event` by `by` on `conn`, a transaction that is not a [`Write`] of its own: a
/// step inside a larger change (a practice created inside a sign-up or a seed).
pub async fn record_on(conn: &mut AnyConnection, by: By, event: &Event) -> Result<(), sqlx::Error> {
    insert(conn, stored(by, event)).await
}

fn stored(by: By, event: &Event) -> StoredEvent {
    let row = event.stored();
    let target = row.target;
    StoredEvent {
        practice_id: by.practice_id,
        actor_user_id: by.actor_user_id,
        action: row.action.as_str(),
        target_type: target.as_ref().map(|t| t.kind.as_str().to_owned()),
        target_id: target.as_ref().and_then(|t| t.id),
        target_label: target.map(|t| t.label).filter(|l| !l.is_empty()),
        before: row.before,
        after: row.after,
        affected_count: row.count,
    }
}

impl PracticeActor {
    /// Who this actor's changes are by: them, in their practice.
    pub fn by(&self) -> By {
        By {
            practice_id: Some(self.practice_id),
            actor_user_id: Some(self.user_id()),
        }
    }

    /// Starts a change by this actor (see [`Write`]).
    pub async fn write(&self) -> Result<Write, AppError> {
        Write::begin(&self.state.db, self.by()).await
    }

    /// A small change (a click) that may share its transaction and commit with others
    /// waiting at the same moment (group commit, `Db::write_grouped`): `work`
    /// checks, writes and records its event, and answers [`Step::Refused`] for what it
    /// refuses before writing (the group goes on without it).
    pub async fn write_grouped<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(GroupedWrite<'c>) -> BoxFuture<'c, Result<Step<T, AppError>, AppError>> + Send + 'static,
    {
        let by = self.by();
        self.state
            .db
            .write_grouped(move |group| {
                work(GroupedWrite {
                    conn: group.conn,
                    held: group.held,
                    by,
                })
            })
            .await
    }
}
