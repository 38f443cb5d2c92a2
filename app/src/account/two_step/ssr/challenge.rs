//! The sign-in challenge: after the right password, a short-lived cookie names the sign-in
//! waiting for its code; the right code starts the session.

use super::*;
use crate::access::write::{By, Write};
use crate::domain::audit::payload::SignInFailure;
use crate::domain::audit::{Event, Target};
use crate::identity::session::challenge::{challenge_token, set_challenge_cookie};
use crate::identity::throttle;
use crate::platform::db::now;
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

/// After a right password: starts the session in `account` (practice, client), or, when
/// the login has two-step sign-in, holds the sign-in for its code. Answers where to go.
pub async fn sign_in_or_challenge(
    state: &AppState,
    user_id: i64,
    account: (Option<i64>, Option<i64>),
) -> Result<&'static str, AppError> {
    let secret: Option<String> = sqlx::query_scalar(r#"SELECT totp_secret FROM users WHERE id = $1"#)
        .bind(user_id)
        .fetch_one(state.db.pool())
        .await?;
    if secret.is_none() {
        crate::identity::session::start(state, user_id, account).await?;
        return Ok("/");
    }
    let token = new_token();
    let t = now();
    let mut tx = Write::begin(&state.db, By::default()).await?;
    sqlx::query(r#"DELETE FROM sign_in_challenges WHERE user_id = $1 AND expires_at <= $2"#)
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        r#"INSERT INTO sign_in_challenges (token_hash, user_id, practice_id, client_id, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(account.0)
    .bind(account.1)
    .bind(t)
    .bind(t + CHALLENGE_SECS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    set_challenge_cookie(&token, CHALLENGE_SECS, state.config.serves_https());
    Ok("/login/two-step")
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    user_id: i64,
    practice_id: Option<i64>,
    client_id: Option<i64>,
    expires_at: i64,
    email: String,
    totp_secret: Option<String>,
}

pub async fn verify_sign_in(state: &AppState, code: &str) -> Result<(), AppError> {
    let secure = state.config.serves_https();
    let timed_out = || AppError::Conflict("This sign-in has timed out. Sign in again with your password.".into());
    let token = challenge_token(secure).ok_or_else(timed_out)?;
    let found: Option<ChallengeRow> = sqlx::query_as(
        r#"SELECT c.user_id, c.practice_id, c.client_id, c.expires_at, u.email, u.totp_secret
           FROM sign_in_challenges c JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1"#,
    )
    .bind(hash_token(&token))
    .fetch_optional(state.db.pool())
    .await?;
    let Some(c) = found.filter(|c| c.expires_at > now()) else {
        set_challenge_cookie("", 0, secure);
        return Err(timed_out());
    };
    let Some(sealed) = c.totp_secret.clone() else {
        // Turned off or reset meanwhile (which also drops waiting sign-ins): start again.
        set_challenge_cookie("", 0, secure);
        return Err(timed_out());
    };
    let (login, address) = take_attempt(state, c.user_id).await?;
    let mut tx = Write::begin(&state.db, By::default()).await?;
    if !check_code(&mut tx, state, c.user_id, &sealed, code).await? {
        tx.record_about_login(
            Some(c.user_id),
            None,
            Event::SignInFailed {
                email: Target::email(&c.email),
                after: SignInFailure {
                    address: address.clone(),
                    step: Some("two-step code".to_owned()),
                },
            },
        )
        .await?;
        tx.commit().await?;
        return Err(wrong_code());
    }
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    finish(state, &token, &c).await
}

async fn finish(state: &AppState, token: &str, c: &ChallengeRow) -> Result<(), AppError> {
    let used = Write::one(
        &state.db,
        sqlx::query(r#"DELETE FROM sign_in_challenges WHERE token_hash = $1"#).bind(hash_token(token)),
    )
    .await?
    .rows_affected();
    if used != 1 {
        return Err(AppError::Conflict(
            "This sign-in has timed out. Sign in again with your password.".into(),
        ));
    }
    set_challenge_cookie("", 0, state.config.serves_https());
    crate::identity::session::start(state, c.user_id, (c.practice_id, c.client_id)).await
}

/// The second step at a door that commits something after a login's password (accepting
/// an invitation, confirming a sign-up with an existing login): with two-step sign-in on,
/// the code (or a recovery code) is checked, through the sign-in throttle, before anything
/// is committed. Without two-step sign-in, nothing to ask.
pub async fn second_step(state: &AppState, user_id: i64, code: Option<&str>) -> Result<(), AppError> {
    let found: Option<(String, Option<String>)> =
        sqlx::query_as(r#"SELECT email, totp_secret FROM users WHERE id = $1"#)
            .bind(user_id)
            .fetch_optional(state.db.pool())
            .await?;
    let Some((email, Some(sealed))) = found else {
        return Ok(());
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(AppError::invalid(
            "code",
            "Your login has two-step sign-in: enter the code from your authenticator app (or a recovery code) too.",
        ));
    };
    let (login, address) = take_attempt(state, user_id).await?;
    let mut tx = Write::begin(&state.db, By::default()).await?;
    if !check_code(&mut tx, state, user_id, &sealed, code).await? {
        tx.record_about_login(
            Some(user_id),
            None,
            Event::SignInFailed {
                email: Target::email(&email),
                after: SignInFailure {
                    address: address.clone(),
                    step: Some("two-step code".to_owned()),
                },
            },
        )
        .await?;
        tx.commit().await?;
        return Err(wrong_code());
    }
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    Ok(())
}
