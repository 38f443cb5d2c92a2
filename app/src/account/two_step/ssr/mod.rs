//! Two-step sign-in on the server: keys sealed with `SECRET_KEY`, codes checked once each,
//! recovery codes stored as hashes ([`setup`]: turning it on and off), and the sign-in
//! challenge between password and code ([`challenge`]); a reset with the link an admin
//! sent ([`reset`]).

use sqlx::AnyConnection;
use totp_rs::{Algorithm, Secret, TOTP};

use super::*;
use crate::identity::session::Session;
use crate::identity::throttle;
use crate::platform::db::now;
use crate::platform::secret_box::SecretKey;
use crate::platform::state::AppState;

/// Seconds per code; codes of the step before and after are accepted too (clock drift).
mod challenge;
pub mod reset;
mod setup;

pub use challenge::{second_step, sign_in_or_challenge, verify_sign_in};
pub use setup::{PENDING_SECS, clear, confirm, start, status, turn_off};

pub const STEP_SECS: u64 = 30;
/// A sign-in has this long between the right password and the code.
pub const CHALLENGE_SECS: i64 = 5 * 60;
const ISSUER: &str = "Practice Access";

/// The six-digit code of `secret` for the time step containing `unix_time`.
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP_SECS, secret.to_vec()).generate(unix_time)
}

/// The base32 text of a key (what authenticator apps take), without padding.
pub fn key_text(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(text) => text.trim_end_matches('=').to_owned(),
        Secret::Raw(_) => String::new(),
    }
}

/// The key behind [`key_text`] (spaces allowed, as the page groups it); `None` if it is not base32.
pub fn key_bytes(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Secret::Encoded(compact.to_uppercase()).to_bytes().ok()
}

fn key(state: &AppState) -> Result<&SecretKey, AppError> {
    state.config.secret_key.as_ref().ok_or_else(|| {
        AppError::NotAllowed(
            "Two-step sign-in is not available on this server (it has no SECRET_KEY). Ask your administrator.".into(),
        )
    })
}

/// What a sealed key is bound to: it opens only on its own user's row.
fn context(user_id: i64) -> Vec<u8> {
    format!("two-step:{user_id}").into_bytes()
}

fn open(state: &AppState, user_id: i64, sealed: &str) -> Result<Vec<u8>, AppError> {
    key(state)?.open(sealed, &context(user_id)).ok_or_else(|| {
        tracing::error!("the two-step key of user {user_id} does not open with SECRET_KEY (was it changed?)");
        AppError::Internal
    })
}

/// Digits only (apps show "123 456"); recovery codes keep their letters.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The time step a six-digit `code` of `secret` belongs to, if it is the code of now, the
/// step before or the step after.
fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Option<i64> {
    let current = unix_time / STEP_SECS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| same(&code_at(secret, step * STEP_SECS), code))
        .map(|step| step as i64)
}

/// Whether `code` is right for `user_id` now: a TOTP code not used before (its step is
/// recorded, so the same code cannot sign in twice), or an unused recovery code (spent).
async fn check_code(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: i64,
    sealed: &str,
    code: &str,
) -> Result<bool, AppError> {
    let code = normalise(code);
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let secret = open(state, user_id, sealed)?;
        let Some(step) = matching_step(&secret, &code, now() as u64) else {
            return Ok(false);
        };
        let taken = sqlx::query(
            r#"UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"#,
        )
        .bind(step)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected();
        return Ok(taken == 1);
    }
    let spent = sqlx::query(
        r#"UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL"#,
    )
    .bind(now())
    .bind(user_id)
    .bind(recovery_hash(state, user_id, &code)?)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(spent == 1)
}

/// A recovery code as stored: keyed with `SECRET_KEY` and bound to its user.
fn recovery_hash(state: &AppState, user_id: i64, normalised: &str) -> Result<String, AppError> {
    Ok(key(state)?.keyed_hash(&context(user_id), normalised.as_bytes()))
}

/// Checks the login's own password (through the sign-in throttle) before its two-step
/// sign-in changes: a session alone (a borrowed computer) must not enrol or remove a phone.
/// Checks the session's own login's password, through the sign-in throttle.
pub async fn check_own_password(state: &AppState, session: &Session, password: String) -> Result<(), AppError> {
    let stored: Option<String> = sqlx::query_scalar(r#"SELECT password_hash FROM users WHERE id = $1"#)
        .bind(session.user_id)
        .fetch_one(state.db.pool())
        .await?;
    let address = crate::platform::http::request::client_ip();
    if throttle::check_password(&state.db, &session.email, stored, password, &address).await? {
        Ok(())
    } else {
        Err(AppError::invalid("password", "That is not your password."))
    }
}

/// Takes an attempt from the login's code allowance and the address's (shared with
/// password guesses): a right password does not give code guesses back.
async fn take_attempt(state: &AppState, user_id: i64) -> Result<(String, String), AppError> {
    let (login, address) = (
        throttle::two_step_key(user_id),
        throttle::address_key(&crate::platform::http::request::client_ip()),
    );
    let mut conn = state.db.pool().acquire().await?;
    throttle::take_all(
        &mut conn,
        &[(&login, throttle::PER_LOGIN), (&address, throttle::PER_ADDRESS)],
    )
    .await?;
    Ok((login, address))
}

fn wrong_code() -> AppError {
    AppError::invalid(
        "code",
        "That code is not right. Enter the current code from your authenticator app, or an unused recovery code.",
    )
}

/// Refuses when this server cannot set two-step sign-in up (it has no `SECRET_KEY`).
pub fn available(state: &AppState) -> Result<(), AppError> {
    key(state).map(|_| ())
}

/// Whether `user_id` has no two-step sign-in of their own (none set up yet).
pub async fn lacks_two_step(state: &AppState, user_id: i64) -> Result<bool, AppError> {
    let secret: Option<String> = sqlx::query_scalar(r#"SELECT totp_secret FROM users WHERE id = $1"#)
        .bind(user_id)
        .fetch_one(state.db.pool())
        .await?;
    Ok(secret.is_none())
}

#[cfg(test)]
mod tests {
    use super::setup::new_recovery_codes;
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890": 94287082 at T = 59 s,
        // 07081804 at 1111111109; six digits are the last six.
        let key = b"12345678901234567890";
        assert_eq!(code_at(key, 59), "287082");
        assert_eq!(code_at(key, 1_111_111_109), "081804");
        assert_eq!(code_at(key, 1_234_567_890), "005924");
    }

    #[test]
    fn a_code_counts_for_its_step_and_the_ones_beside_it_only() {
        let key = b"12345678901234567890";
        let t = 1_111_111_109_u64;
        let step = (t / STEP_SECS) as i64;
        assert_eq!(matching_step(key, &code_at(key, t), t), Some(step));
        assert_eq!(matching_step(key, &code_at(key, t - 30), t), Some(step - 1));
        assert_eq!(matching_step(key, &code_at(key, t + 30), t), Some(step + 1));
        assert_eq!(matching_step(key, &code_at(key, t - 90), t), None, "too old");
        assert_eq!(matching_step(key, &code_at(key, t + 90), t), None, "too new");
        assert_eq!(
            matching_step(key, "000000", t).filter(|_| code_at(key, t) != "000000"),
            None
        );
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(normalise(" 123 456 "), "123456");
        assert_eq!(normalise("K7QM2-X2FH9"), "k7qm2x2fh9");
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn the_key_text_is_base32() {
        assert_eq!(key_text(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}
