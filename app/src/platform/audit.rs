//! The audit store: the append-only `audit_events` table (triggers refuse updates and
//! deletes). Every change to access writes one row in the same transaction as the change,
//! so the trail and the data cannot disagree. What a row says is the domain's
//! (`domain::audit`); here it is only stored.

#[cfg(feature = "ssr")]
pub use ssr::{StoredEvent, insert, insert_returning_id, insert_with};

#[cfg(feature = "ssr")]
mod ssr {
    use sqlx::AnyConnection;

    use crate::platform::db::{AnyQuery, now};

    /// One row of `audit_events` as stored: its action's stored name and its before/after
    /// as JSON text.
    #[derive(Debug)]
    pub struct StoredEvent {
        pub practice_id: Option<i64>,
        pub actor_user_id: Option<i64>,
        pub action: &'static str,
        pub target_type: Option<String>,
        pub target_id: Option<i64>,
        pub target_label: Option<String>,
        pub before: Option<String>,
        pub after: Option<String>,
        pub affected_count: Option<i64>,
    }

    pub async fn insert(conn: &mut AnyConnection, event: StoredEvent) -> Result<(), sqlx::Error> {
        bind(INSERT, event).execute(conn).await?;
        Ok(())
    }

    /// [`insert`] as the last part of one statement that begins with `with`: `WITH …` of
    /// writes (PostgreSQL's data-modifying `WITH`) that are kept with the event, in one
    /// round trip. The event's values are `$1` to `$10`; `with`'s are numbered from `$11`
    /// and bound by `more`.
    pub async fn insert_with(
        conn: &mut AnyConnection,
        with: &str,
        event: StoredEvent,
        more: impl for<'a> FnOnce(AnyQuery<'a>) -> AnyQuery<'a>,
    ) -> Result<(), sqlx::Error> {
        let sql = format!("{with} {INSERT}");
        more(bind(&sql, event)).execute(conn).await?;
        Ok(())
    }

    /// [`insert`], answering the event's id (what came before it is older).
    pub async fn insert_returning_id(conn: &mut AnyConnection, event: StoredEvent) -> Result<i64, sqlx::Error> {
        use sqlx::Row;
        bind(INSERT_RETURNING_ID, event).fetch_one(conn).await?.try_get(0)
    }

    /// `sql` (one of the two statements below) with the event's values bound.
    fn bind(sql: &str, event: StoredEvent) -> AnyQuery<'_> {
        sqlx::query(sql)
            .bind(event.practice_id)
            .bind(event.actor_user_id)
            .bind(event.action)
            .bind(event.target_type)
            .bind(event.target_id)
            .bind(event.target_label)
            .bind(event.before)
            .bind(event.after)
            .bind(event.affected_count)
            .bind(now())
    }

    const INSERT: &str = r#"INSERT INTO audit_events
           (practice_id, actor_user_id, action, target_type, target_id, target_label,
            before_json, after_json, affected_count, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#;
    const INSERT_RETURNING_ID: &str = r#"INSERT INTO audit_events
           (practice_id, actor_user_id, action, target_type, target_id, target_label,
            before_json, after_json, affected_count, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"#;
}
