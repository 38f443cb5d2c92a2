//! Server-side sessions: who the caller is.
//!
//! The cookie carries a random 256-bit token; the database keeps only its SHA-256, so a
//! leaked database does not leak live sessions. Any app server can resolve any session.
//! A session's life (start, end, idling) is in [`life`]; the cookie of a sign-in waiting
//! for its two-step code in [`challenge`]. What the caller may do is the access layer's.

use std::sync::Arc;

use crate::platform::db::now;
use crate::platform::error::AppError;
use crate::platform::http::cookies::{session_token, session_token_in};
use crate::platform::http::request::app_state;
use crate::platform::in_flight::InFlightSlot;
use crate::platform::state::AppState;
use crate::platform::tokens::hash_token;

pub mod challenge;
pub mod life;

pub use life::{ABSOLUTE_LIFETIME_SECS, IDLE_TIMEOUT_SECS, end, end_all_for_user, end_others_for_user, start};

use life::TOUCH_EVERY_SECS;

/// A signed-in user, resolved from the session cookie.
#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub current_practice_id: Option<i64>,
    pub current_client_id: Option<i64>,
    /// A practice this user is staff of requires two-step sign-in and it is not on yet:
    /// nothing but setting it up (and signing out) is allowed.
    pub must_set_up_two_step: bool,
    /// The user's active membership of `current_practice_id` (role id, role kind, is main),
    /// read in the same statement as the session: the practice guard needs no query of its own.
    pub membership: Option<(i64, String, bool)>,
    /// This request's place among the person's requests in progress on this server
    /// (`InFlight`): given back when the last copy of this session is dropped, as the
    /// request ends.
    _in_flight: Arc<InFlightSlot>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    name: String,
    email: String,
    current_practice_id: Option<i64>,
    current_client_id: Option<i64>,
    last_seen_at: i64,
    expires_at: i64,
    must_set_up_two_step: i64,
    member_role_id: Option<i64>,
    member_role_kind: Option<String>,
    member_is_main: Option<i64>,
}

/// The session of this request, if it is signed in and not expired.
pub async fn current(state: &AppState) -> Result<Option<Session>, AppError> {
    current_with(state, Activity::Person).await
}

/// Who is behind a request: a person (whose activity keeps the session alive) or the
/// page polling in the background (which must not keep an idle session alive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    Person,
    Background,
}

async fn current_with(state: &AppState, activity: Activity) -> Result<Option<Session>, AppError> {
    let Some(token) = session_token(state.config.serves_https()) else {
        return Ok(None);
    };
    by_token(state, &token, activity).await
}

/// The session behind a request's raw `Cookie` header, for routes outside server
/// functions (file downloads): the same checks as every server function's.
pub async fn from_cookie_header(state: &AppState, header: &str) -> Result<Option<Session>, AppError> {
    match session_token_in(header, state.config.serves_https()) {
        Some(token) => by_token(state, &token, Activity::Person).await,
        None => Ok(None),
    }
}

async fn by_token(state: &AppState, token: &str, activity: Activity) -> Result<Option<Session>, AppError> {
    let token_hash = hash_token(token);
    let row: Option<SessionRow> = sqlx::query_as(
        r#"SELECT s.user_id, u.name, u.email, s.current_practice_id, s.current_client_id, s.last_seen_at, s.expires_at,
                  CASE WHEN u.totp_secret IS NULL AND EXISTS (
                      SELECT 1 FROM practice_members m JOIN practices p ON p.id = m.practice_id
                      WHERE m.user_id = u.id AND m.status = 'active' AND p.require_two_step = 1
                  ) THEN 1 ELSE 0 END AS must_set_up_two_step,
                  m.role_id AS member_role_id, r.kind AS member_role_kind, m.is_main AS member_is_main
           FROM sessions s JOIN users u ON u.id = s.user_id
           LEFT JOIN practice_members m ON m.user_id = s.user_id AND m.practice_id = s.current_practice_id AND m.status = 'active'
           LEFT JOIN roles r ON r.id = m.role_id
           WHERE s.token_hash = $1"#,
    )
    .bind(&token_hash)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let t = now();
    if row.expires_at <= t || row.last_seen_at + IDLE_TIMEOUT_SECS <= t {
        state
            .db
            .execute_write(sqlx::query(r#"DELETE FROM sessions WHERE token_hash = $1"#).bind(&token_hash))
            .await?;
        return Ok(None);
    }
    // Before anything that may wait (the touch below writes).
    let Some(in_flight) = state.in_flight.enter(row.user_id) else {
        return Err(AppError::InProgress);
    };
    if activity == Activity::Person && t - row.last_seen_at >= TOUCH_EVERY_SECS {
        state
            .db
            .execute_write(
                sqlx::query(r#"UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2"#)
                    .bind(t)
                    .bind(&token_hash),
            )
            .await?;
    }
    Ok(Some(Session {
        token_hash,
        user_id: row.user_id,
        name: row.name,
        email: row.email,
        current_practice_id: row.current_practice_id,
        current_client_id: row.current_client_id,
        must_set_up_two_step: row.must_set_up_two_step == 1,
        membership: match (row.member_role_id, row.member_role_kind, row.member_is_main) {
            (Some(role_id), Some(kind), Some(is_main)) => Some((role_id, kind, is_main == 1)),
            _ => None,
        },
        _in_flight: Arc::new(in_flight),
    }))
}

/// The signed-in session, or `Unauthenticated` (answered 401).
pub async fn require() -> Result<(AppState, Session), AppError> {
    require_with(Activity::Person).await
}

pub async fn require_with(activity: Activity) -> Result<(AppState, Session), AppError> {
    let (state, session) = require_signed_in(activity).await?;
    if session.must_set_up_two_step {
        return Err(two_step_first().respond());
    }
    Ok((state, session))
}

/// The signed-in session even while two-step sign-in still has to be set up: only for
/// setting it up.
pub async fn require_for_two_step_setup() -> Result<(AppState, Session), AppError> {
    require_signed_in(Activity::Person).await
}

async fn require_signed_in(activity: Activity) -> Result<(AppState, Session), AppError> {
    let state = app_state()?;
    match current_with(&state, activity).await? {
        Some(session) => Ok((state, session)),
        None => Err(AppError::Unauthenticated.respond()),
    }
}

/// The refusal of everything but setting up two-step sign-in, for someone whose practice
/// requires it and who has not turned it on.
pub fn two_step_first() -> AppError {
    AppError::NotAllowed("Your practice requires two-step sign-in. Turn it on under Two-step sign-in first.".into())
}
