//! Turning two-step sign-in on (a key shown once as a QR code, confirmed with a code, ten
//! recovery codes) and off, and clearing it (an admin's reset).

use rand::RngCore;
use sqlx::AnyConnection;

use super::*;
use crate::access::write::{By, Write};
use crate::domain::audit::{Event, Target};
use crate::identity::session::Session;
use crate::identity::throttle;
use crate::platform::db::now;
use crate::platform::state::AppState;

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
    /// The key being set up by this session, while it has not expired (another session's
    /// key is not this one's to see or confirm).
    pending: Option<String>,
}

async fn row(state: &AppState, session: &Session) -> Result<TwoStepRow, sqlx::Error> {
    let (secret, pending, expires, owner): (Option<String>, Option<String>, Option<i64>, Option<String>) =
        sqlx::query_as(
            r#"SELECT totp_secret, totp_pending_secret, totp_pending_expires_at, totp_pending_session
               FROM users WHERE id = $1"#,
        )
        .bind(session.user_id)
        .fetch_one(state.db.pool())
        .await?;
    Ok(TwoStepRow {
        secret,
        pending: pending
            .filter(|_| expires.is_some_and(|e| e > now()))
            .filter(|_| owner.as_deref() == Some(session.token_hash.as_str())),
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

/// The key as the page shows it: a QR code and the text in groups of four. The answer
/// holding it is never stored by the browser.
fn setup_of(_state: &AppState, session: &Session, secret: &[u8]) -> Result<TwoStepSetup, AppError> {
    let text = key_text(secret);
    let grouped = text
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    no_store();
    Ok(TwoStepSetup {
        qr_svg: qr_svg(&session.email, secret)?,
        key: grouped,
    })
}

/// Starts setting up two-step sign-in: with the password entered again, a new key for
/// this session alone (another key being set up, by any session, is replaced).
pub async fn start(state: &AppState, session: &Session, password: String) -> Result<TwoStepSetup, AppError> {
    key(state)?;
    let r = row(state, session).await?;
    if r.secret.is_some() {
        return Err(AppError::Conflict("Two-step sign-in is already on.".into()));
    }
    check_own_password(state, session, password).await?;
    let secret = match r.pending.as_deref().and_then(|p| open(state, session.user_id, p).ok()) {
        Some(secret) => secret,
        None => {
            let mut secret = vec![0u8; 20];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            let sealed = key(state)?.seal(&secret, &context(session.user_id));
            Write::one(
                &state.db,
                sqlx::query(
                    r#"UPDATE users SET totp_pending_secret = $1, totp_pending_expires_at = $2,
                              totp_pending_session = $3
                       WHERE id = $4 AND totp_secret IS NULL"#,
                )
                .bind(sealed)
                .bind(now() + PENDING_SECS)
                .bind(&session.token_hash)
                .bind(session.user_id),
            )
            .await?;
            secret
        }
    };
    setup_of(state, session, &secret)
}

pub async fn status(state: &AppState, session: &Session) -> Result<TwoStepStatus, AppError> {
    let r = row(state, session).await?;
    let required_by = requiring_practices(state, session.user_id).await?;
    let available = state.config.secret_key.is_some();
    let recovery_codes_left: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"#)
            .bind(session.user_id)
            .fetch_one(state.db.pool())
            .await?;
    let enabled = r.secret.is_some();
    // The key being set up is shown only to the session that asked for it with the
    // password (`start`), and kept until confirmed: a reload shows the same QR code.
    let setup = match r.pending.as_deref() {
        Some(pending) if !enabled && available => {
            Some(setup_of(state, session, &open(state, session.user_id, pending)?)?)
        }
        _ => None,
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
pub(super) fn new_recovery_codes() -> Vec<String> {
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

/// A change to one's own two-step sign-in, by them, in the practice they have open.
async fn own_change(state: &AppState, session: &Session) -> Result<Write, AppError> {
    let by = By {
        practice_id: session.current_practice_id,
        actor_user_id: Some(session.user_id),
    };
    Write::begin(&state.db, by).await
}

pub async fn confirm(
    state: &AppState,
    session: &Session,
    password: Option<String>,
    code: &str,
) -> Result<Vec<String>, AppError> {
    key(state)?;
    let r = row(state, session).await?;
    if r.secret.is_some() {
        return Err(AppError::Conflict("Two-step sign-in is already on.".into()));
    }
    let Some(pending) = r.pending else {
        return Err(AppError::Conflict(
            "No key is being set up in this browser, or it has expired. Enter your password again for a new one."
                .into(),
        ));
    };
    // The password was entered to see the key; entered again here, it must be right too.
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        check_own_password(state, session, password).await?;
    }
    let (login, address) = take_attempt(state, session.user_id).await?;
    let secret = open(state, session.user_id, &pending)?;
    let Some(step) = matching_step(&secret, &normalise(code), now() as u64) else {
        return Err(wrong_code());
    };
    let codes = new_recovery_codes();
    let mut tx = own_change(state, session).await?;
    let turned_on = sqlx::query(
        r#"UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,
                  totp_pending_expires_at = NULL, totp_pending_session = NULL, totp_last_step = $1
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
    // Turned on: every other session of the login ends (one signed in without it, or by
    // someone else, must not outlive the change), on record in each practice.
    crate::identity::session::end_others_for_user(&mut tx, session.user_id, &session.token_hash).await?;
    tx.record_about_login(
        Some(session.user_id),
        Some(session.user_id),
        Event::TwoStepEnabled {
            user: Target::user(session.user_id, &session.email),
        },
    )
    .await?;
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    no_store();
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
    no_store();
    Some(codes.split(' ').map(str::to_owned).collect())
}

/// This answer (a page or a server function's) holds a key or recovery codes: the browser
/// keeps no copy of it, not even for its back button.
pub(super) fn no_store() {
    if let Some(resp) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        resp.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
}

/// Clears every trace of a login's two-step sign-in (key, key being set up, last step,
/// recovery codes, sign-ins waiting for a code).
pub async fn clear(conn: &mut AnyConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_pending_expires_at = NULL, totp_pending_session = NULL,
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
    let Some(sealed) = row(state, session).await?.secret else {
        return Ok(());
    };
    check_own_password(state, session, password).await?;
    let (login, address) = take_attempt(state, session.user_id).await?;
    let mut tx = own_change(state, session).await?;
    if !check_code(&mut tx, state, session.user_id, &sealed, code).await? {
        return Err(wrong_code());
    }
    clear(&mut tx, session.user_id).await?;
    crate::identity::session::end_others_for_user(&mut tx, session.user_id, &session.token_hash).await?;
    tx.record_about_login(
        Some(session.user_id),
        Some(session.user_id),
        Event::TwoStepDisabled {
            user: Target::user(session.user_id, &session.email),
        },
    )
    .await?;
    throttle::passed(&mut tx, &login, &address).await?;
    tx.commit().await?;
    Ok(())
}
