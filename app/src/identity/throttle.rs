//! Sign-in throttling, per account and per address, kept in the database so that every
//! app server sees the same counters.

use crate::platform::db::{Db, now};

/// Failures allowed within the window before the key is locked.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const WINDOW_SECS: i64 = 15 * 60;
pub const LOCK_SECS: i64 = 15 * 60;

pub fn account_key(email: &str) -> String {
    format!("email:{email}")
}

pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Minutes left on the longest lock among `keys`, if any is locked.
pub async fn locked_minutes(db: &Db, keys: &[String]) -> Result<Option<i64>, sqlx::Error> {
    let t = now();
    let mut longest: Option<i64> = None;
    for key in keys {
        let until: Option<Option<i64>> =
            sqlx::query_scalar(r#"SELECT locked_until FROM login_throttle WHERE throttle_key = $1"#)
                .bind(key)
                .fetch_optional(db.pool())
                .await?;
        if let Some(Some(until)) = until
            && until > t
        {
            let minutes = (until - t + 59) / 60;
            longest = Some(longest.map_or(minutes, |m| m.max(minutes)));
        }
    }
    Ok(longest)
}

/// Counts one failure against `key`, locking it when it reaches `limit` within the window.
pub async fn record_failure(db: &Db, key: &str, limit: i64) -> Result<(), sqlx::Error> {
    let t = now();
    let failures: i64 = sqlx::query_scalar(
        r#"INSERT INTO login_throttle (throttle_key, failures, window_started, locked_until)
           VALUES ($1, 1, $2, NULL)
           ON CONFLICT (throttle_key) DO UPDATE SET
               failures = CASE WHEN login_throttle.window_started < $3 THEN 1 ELSE login_throttle.failures + 1 END,
               window_started = CASE WHEN login_throttle.window_started < $3 THEN $2 ELSE login_throttle.window_started END
           RETURNING failures"#,
    )
    .bind(key)
    .bind(t)
    .bind(t - WINDOW_SECS)
    .fetch_one(db.pool())
    .await?;
    if failures >= limit {
        sqlx::query(
            r#"UPDATE login_throttle SET locked_until = $1, failures = 0, window_started = $2 WHERE throttle_key = $3"#,
        )
        .bind(t + LOCK_SECS)
        .bind(t)
        .bind(key)
        .execute(db.pool())
        .await?;
    }
    Ok(())
}

/// Forgets the failures of `key` after a successful sign-in.
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(r#"DELETE FROM login_throttle WHERE throttle_key = $1"#)
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}
