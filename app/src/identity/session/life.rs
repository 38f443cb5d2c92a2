//! A session's life: started at sign-in (a new token every time), touched by use, ended
//! by signing out, by idling, by its absolute lifetime, or for every session of a person
//! (deactivation, offboarding, a reset of two-step sign-in).

use sqlx::AnyConnection;

use crate::platform::db::now;
use crate::platform::error::AppError;
use crate::platform::http::cookies::{session_token, set_session_cookie};
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

/// A session unused for this long ends.
pub const IDLE_TIMEOUT_SECS: i64 = 2 * 60 * 60;
/// No session lives longer than this, however busy.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 12 * 60 * 60;
/// `last_seen_at` is written at most this often, to spare the database a write per request.
pub(super) const TOUCH_EVERY_SECS: i64 = 60;

/// Starts a new session for `user_id` (a new id at every sign-in) acting in `account`
/// (practice, client), ending the one the request came with, and sets the cookie.
pub async fn start(state: &AppState, user_id: i64, account: (Option<i64>, Option<i64>)) -> Result<(), AppError> {
    let (practice_id, client_id) = account;
    let token = new_token();
    let t = now();
    let mut tx = state.db.begin_write().await?;
    if let Some(old) = session_token(state.config.serves_https()) {
        sqlx::query(r#"DELETE FROM sessions WHERE token_hash = $1"#)
            .bind(hash_token(&old))
            .execute(&mut *tx)
            .await?;
    }
    // Expired sessions of this user are swept here rather than by a timer.
    sqlx::query(r#"DELETE FROM sessions WHERE user_id = $1 AND (expires_at < $2 OR last_seen_at < $3)"#)
        .bind(user_id)
        .bind(t)
        .bind(t - IDLE_TIMEOUT_SECS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        r#"INSERT INTO sessions (token_hash, user_id, current_practice_id, current_client_id, created_at, last_seen_at, expires_at,
                                 user_agent, address)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)"#,
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(practice_id)
    .bind(client_id)
    .bind(t)
    .bind(t + ABSOLUTE_LIFETIME_SECS)
    .bind(crate::platform::http::user_agent::of_request())
    .bind(crate::platform::http::request::client_ip())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    set_session_cookie(&token, ABSOLUTE_LIFETIME_SECS, state.config.serves_https());
    Ok(())
}

/// Ends every session of `user_id` but `keep` (the one asking: a change of password,
/// two-step sign-in turned on or off, "Sign out everywhere else"). Answers how many ended.
pub async fn end_others_for_user(conn: &mut AnyConnection, user_id: i64, keep: &str) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query(r#"DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"#)
            .bind(user_id)
            .bind(keep)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Ends the request's session and clears the cookie.
pub async fn end(state: &AppState) -> Result<(), AppError> {
    if let Some(token) = session_token(state.config.serves_https()) {
        state
            .db
            .execute_write(sqlx::query(r#"DELETE FROM sessions WHERE token_hash = $1"#).bind(hash_token(&token)))
            .await?;
    }
    set_session_cookie("", 0, state.config.serves_https());
    Ok(())
}

/// Ends every session of a user (deactivation, password change), and every sign-in of
/// theirs still waiting for its two-step code.
pub async fn end_all_for_user(conn: &mut AnyConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(r#"DELETE FROM sessions WHERE user_id = $1"#)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(r#"DELETE FROM sign_in_challenges WHERE user_id = $1"#)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
