//! Two-step sign-in on the server: keys sealed with `SECRET_KEY`, codes checked once each,
//! recovery codes stored as hashes, and the sign-in challenge between password and code.

use rand::RngCore;
use sqlx::AnyConnection;
use totp_rs::{Algorithm, Secret, TOTP};

use super::*;
use crate::domain::audit::{self, AuditAction, AuditEvent};
use crate::identity::session::Session;
use crate::identity::session::challenge::{challenge_token, set_challenge_cookie};
use crate::identity::throttle;
use crate::platform::db::now;
use crate::platform::secret_box::SecretKey;
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

/// Seconds per code; codes of the step before and after are accepted too (clock drift).
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
async fn check_own_password(state: &AppState, session: &Session, password: String) -> Result<(), AppError> {
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

/// Practices of `user_id` (active staff) that require two-step sign-in.
async fn requiring_practices(state: &AppState, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        r#"SELECT p.name FROM practice_members m JOIN practices p ON p.id = m.practice_id
           WHERE m.user_id = $1 AND m.status = 'active' AND p.require_two_step = 1 ORDER BY p.name"#,
    )
    .bind(user_id)
    .fetch_all(state.db.pool())
    .await
}

/// A key being set up is shown for this long; then the page makes a new one.
pub const PENDING_SECS: i64 = 15 * 60;

struct TwoStepRow {
    secret: Option<String>,
    /// The key being set up, while it has not expired.
    pending: Option<String>,
}

async fn row(state: &AppState, user_id: i64) -> Result<TwoStepRow, sqlx::Error> {
    let (secret, pending, expires): (Option<String>, Option<String>, Option<i64>) =
        sqlx::query_as(r#"SELECT totp_secret, totp_pending_secret, totp_pending_expires_at FROM users WHERE id = $1"#)
            .bind(user_id)
            .fetch_one(state.db.pool())
            .await?;
    Ok(TwoStepRow {
        secret,
        pending: pending.filter(|_| expires.is_some_and(|e| e > now())),
    })
}

/// The QR code of the `otpauth://` address for `secret`, as an SVG element.
fn qr_svg(email: &str, secret: &[u8]) -> Result<String, AppError> {
    let label = url_component(&format!("{ISSUER}:{email}"));
    let uri = format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        key_text(secret),
        url_component(ISSUER)
    );
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| {
        tracing::error!("QR code: {e}");
        AppError::Internal
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The renderer writes an XML declaration first: inline SVG in HTML starts at <svg.
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned()))
}

fn url_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn status(state: &AppState, session: &Session) -> Result<TwoStepStatus, AppError> {
    let r = row(state, session.user_id).await?;
    let required_by = requiring_practices(state, session.user_id).await?;
    let available = state.config.secret_key.is_some();
    let recovery_codes_left: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"#)
            .bind(session.user_id)
            .fetch_one(state.db.pool())
            .await?;
    let enabled = r.secret.is_some();
    let setup = if enabled || !available {
        None
    } else {
        // The key being set up is kept until confirmed: a reload shows the same QR code.
        let secret = match r.pending.as_deref().and_then(|p| open(state, session.user_id, p).ok()) {
            Some(secret) => secret,
            None => {
                let mut secret = vec![0u8; 20];
                rand::rngs::OsRng.fill_bytes(&mut secret);
                let sealed = key(state)?.seal(&secret, &context(session.user_id));
                state
                    .db
                    .execute_write(
                        sqlx::query(
                            r#"UPDATE users SET totp_pending_secret = $1, totp_pending_expires_at = $2 WHERE id = $3"#,
                        )
                        .bind(sealed)
                        .bind(now() + PENDING_SECS)
                        .bind(session.user_id),
                    )
                    .await?;
                secret
            }
        };
        let text = key_text(&secret);
        let grouped = text
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Some(TwoStepSetup {
            qr_svg: qr_svg(&session.email, &secret)?,
            key: grouped,
        })
    };
    Ok(TwoStepStatus {
        enabled,
        available,
        required_by,
        recovery_codes_left,
        setup,
        // Taken (and cleared) on every showing; shown only while it is on.
        new_recovery_codes: codes_kept_for_the_page(state, session).filter(|_| enabled),
    })
}

/// Ten codes like `k7qm-x2fh9`: 50 random bits each, easy to type.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

fn two_step_event<'a>(session: &'a Session, action: AuditAction) -> AuditEvent<'a> {
    AuditEvent {
        practice_id: session.current_practice_id,
        actor_user_id: Some(session.user_id),
        target_type: Some("user"),
        target_id: Some(session.user_id),
        target_label: Some(&session.email),
        ..AuditEvent::new(action)
    }
}

pub async fn confirm(
    state: &AppState,
    session: &Session,
    password: String,
    code: &str,
) -> Result<Vec<String>, AppError> {
    key(state)?;
    let r = row(state, session.user_id).await?;
    if r.secret.is_some() {
        return Err(AppError::Conflict("Two-step sign-in is already on.".into()));
    }
    let Some(pending) = r.pending else {
        return Err(AppError::Conflict(
            "The key shown has expired. Reload the page for a new one, then enter its code.".into(),
        ));
    };
    check_own_password(state, session, password).await?;
    let (login, address) = take_attempt(state, session.user_id).await?;
    let secret = open(state, session.user_id, &pending)?;
    let Some(step) = matching_step(&secret, &normalise(code), now() as u64) else {
        return Err(wrong_code());
    };
    let codes = new_recovery_codes();
    let mut tx = state.db.begin_write().await?;
    let turned_on = sqlx::query(
        r#"UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,
                  totp_pending_expires_at = NULL, totp_last_step = $1
           WHERE id = $2 AND totp_secret IS NULL AND totp_pending_secret = $3"#,
    )
    .bind(step)
    .bind(session.user_id)
    .bind(&pending)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if turned_on != 1 {
        return Err(AppError::Conflict(
            "Two-step sign-in changed meanwhile. Open the page again.".into(),
        ));
    }
    sqlx::query(r#"DELETE FROM recovery_codes WHERE user_id = $1"#)
        .bind(session.user_id)
        .execute(&mut *tx)
        .await?;
    for c in &codes {
        sqlx::query(r#"INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)"#)
            .bind(session.user_id)
            .bind(recovery_hash(state, session.user_id, &normalise(c))?)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut tx, two_step_event(session, AuditAction::TwoStepEnabled)).await?;
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    if crate::platform::http::request::is_plain_form_post() {
        // Answered with a redirect back to the page: the codes go there, sealed, once.
        let plain = format!("{} {}", now(), codes.join(" "));
        let sealed = key(state)?.seal(plain.as_bytes(), &codes_context(session));
        crate::platform::form_return::keep_shown_once(&sealed);
    }
    Ok(codes)
}

/// Sealed for one session of one user: a copy of the cookie opens nowhere else.
fn codes_context(session: &Session) -> Vec<u8> {
    format!("two-step-recovery-codes:{}:{}", session.user_id, session.token_hash).into_bytes()
}

/// How long kept codes can be shown: the cookie's own lifetime.
const CODES_KEPT_SECS: i64 = 5 * 60;

/// The recovery codes a plain form post turning two-step sign-in on kept for this page, if
/// they were sealed for this session in the last five minutes; shown once (the cookie is
/// cleared whatever it held), on a page the browser must not store.
fn codes_kept_for_the_page(state: &AppState, session: &Session) -> Option<Vec<String>> {
    let sealed = crate::platform::form_return::take_shown_once()?;
    let plain = state
        .config
        .secret_key
        .as_ref()?
        .open(&sealed, &codes_context(session))?;
    let text = String::from_utf8(plain).ok()?;
    let (issued, codes) = text.split_once(' ')?;
    if now() - issued.parse::<i64>().ok()? > CODES_KEPT_SECS {
        return None;
    }
    if let Some(resp) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        resp.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
    Some(codes.split(' ').map(str::to_owned).collect())
}

/// Clears every trace of a login's two-step sign-in (key, key being set up, last step,
/// recovery codes, sign-ins waiting for a code).
pub async fn clear(conn: &mut AnyConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_pending_expires_at = NULL,
                  totp_last_step = NULL
           WHERE id = $1"#,
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(r#"DELETE FROM recovery_codes WHERE user_id = $1"#)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(r#"DELETE FROM sign_in_challenges WHERE user_id = $1"#)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn turn_off(state: &AppState, session: &Session, password: String, code: &str) -> Result<(), AppError> {
    let required_by = requiring_practices(state, session.user_id).await?;
    if let Some(practice) = required_by.first() {
        return Err(AppError::NotAllowed(format!(
            "{practice} requires two-step sign-in for all staff: it cannot be turned off."
        )));
    }
    let Some(sealed) = row(state, session.user_id).await?.secret else {
        return Ok(());
    };
    check_own_password(state, session, password).await?;
    let (login, address) = take_attempt(state, session.user_id).await?;
    let mut tx = state.db.begin_write().await?;
    if !check_code(&mut tx, state, session.user_id, &sealed, code).await? {
        return Err(wrong_code());
    }
    clear(&mut tx, session.user_id).await?;
    audit::record(&mut tx, two_step_event(session, AuditAction::TwoStepDisabled)).await?;
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    Ok(())
}

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
    let mut tx = state.db.begin_write().await?;
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
    let mut tx = state.db.begin_write().await?;
    if !check_code(&mut tx, state, c.user_id, &sealed, code).await? {
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("email"),
                target_label: Some(&c.email),
                after: Some(serde_json::json!({ "address": address, "step": "two-step code" })),
                ..AuditEvent::new(AuditAction::SignInFailed)
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
    let used = state
        .db
        .execute_write(sqlx::query(r#"DELETE FROM sign_in_challenges WHERE token_hash = $1"#).bind(hash_token(token)))
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
