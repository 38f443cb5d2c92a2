//! Server-side sessions and the one authorisation helper every server function calls.
//!
//! The cookie carries a random 256-bit token; the database keeps only its SHA-256, so a
//! leaked database does not leak live sessions. Any app server can resolve any session.

use axum::extract::ConnectInfo;
use cookie::{Cookie, SameSite};
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use leptos::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::identity::KeptForm;
use crate::platform::db::now;
use crate::platform::error::AppError;
use crate::platform::state::AppState;
use crate::practice::permissions::RoleKind;

/// The session cookie's name over plain http (local use and tests).
pub const SESSION_COOKIE: &str = "pa_session";
/// Over https the name carries the `__Host-` prefix: browsers then accept it only when
/// Secure, for this exact host and path `/`, so a sibling subdomain cannot plant or
/// shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-pa_session";

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// The cookie of a sign-in waiting for its two-step code (same prefix rule as the session's).
pub const CHALLENGE_COOKIE: &str = "pa_two_step";
pub const SECURE_CHALLENGE_COOKIE: &str = "__Host-pa_two_step";

fn challenge_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_CHALLENGE_COOKIE
    } else {
        CHALLENGE_COOKIE
    }
}
/// A session unused for this long ends.
pub const IDLE_TIMEOUT_SECS: i64 = 2 * 60 * 60;
/// No session lives longer than this, however busy.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 12 * 60 * 60;
/// `last_seen_at` is written at most this often, to spare the database a write per request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A random token, hex encoded (256 bits): sessions and invitation links.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

fn cookie_token(secure: bool) -> Option<String> {
    named_cookie(cookie_name(secure))
}

/// The token of the sign-in waiting for its two-step code, if the browser holds one.
pub fn challenge_token(secure: bool) -> Option<String> {
    named_cookie(challenge_cookie_name(secure))
}

/// Sets (or with `max_age` 0, clears) the cookie of a sign-in waiting for its code.
pub fn set_challenge_cookie(value: &str, max_age: i64, secure: bool) {
    write_cookie(challenge_cookie_name(secure), value, max_age, secure, SameSite::Strict);
}

/// The cookie of a [`KeptForm`]: hex, five minutes, HttpOnly and SameSite=Strict; over
/// https a `__Host-` name, as the session's, so no other host (a sibling subdomain) can
/// plant one.
fn kept_form_cookie(form: KeptForm, secure: bool) -> &'static str {
    match (form, secure) {
        (KeptForm::SignIn, false) => "pa_sign_in_email",
        (KeptForm::SignIn, true) => "__Host-pa_sign_in_email",
        (KeptForm::SignUp, false) => "pa_sign_up_fields",
        (KeptForm::SignUp, true) => "__Host-pa_sign_up_fields",
        (KeptForm::Invite, false) => "pa_invite_fields",
        (KeptForm::Invite, true) => "__Host-pa_invite_fields",
        (KeptForm::AddClient, false) => "pa_add_client_fields",
        (KeptForm::AddClient, true) => "__Host-pa_add_client_fields",
    }
}

const KEPT_FORM_SECS: i64 = 5 * 60;
/// The most a kept form may hold (before hex): a longer value is not kept.
const KEPT_FORM_BYTES: usize = 1024;

fn serves_https() -> bool {
    use_context::<AppState>().is_some_and(|s| s.config.serves_https())
}

/// `result` of a form's server function, passed on: when it failed and the request is a
/// plain form post (a browser without the WASM asks for HTML; the WASM asks for JSON and
/// keeps its form as it was), `values` are kept for the form's next showing (the browser's
/// form post loses what was typed); when it went through, what an earlier attempt kept is
/// cleared. Values are joined by a NUL, which no field may hold.
pub fn keep_form_if_failed<T>(form: KeptForm, values: &[&str], result: Result<T, AppError>) -> Result<T, AppError> {
    let secure = serves_https();
    let name = kept_form_cookie(form, secure);
    let from_a_plain_form = is_plain_form_post();
    let owner = kept_form_owner();
    let joined = std::iter::once(owner.as_str())
        .chain(values.iter().map(|v| v.trim()))
        .collect::<Vec<_>>()
        .join("\0");
    if result.is_err() && from_a_plain_form && joined.len() <= KEPT_FORM_BYTES + owner.len() + 1 {
        write_cookie(name, &hex::encode(joined), KEPT_FORM_SECS, secure, SameSite::Strict);
    } else if named_cookie(name).is_some() && (result.is_ok() || from_a_plain_form) {
        // Gone through, or too long to keep: an earlier attempt's values do not come back.
        write_cookie(name, "", 0, secure, SameSite::Strict);
    }
    result
}

/// Whether this request is a browser's plain form post (without the WASM it asks for HTML;
/// the WASM asks for JSON). Its answer is a redirect back to the form's page.
pub fn is_plain_form_post() -> bool {
    request_parts().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// The cookie that carries something shown only once (the recovery codes of turning
/// two-step sign-in on) from a plain form post to the page it returns to: five minutes,
/// HttpOnly, SameSite=Strict, over https a `__Host-` name. Its value is the caller's, sealed.
fn shown_once_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-pa_shown_once"
    } else {
        "pa_shown_once"
    }
}

/// Keeps `value` for the next page this browser loads (see [`take_shown_once`]).
pub fn keep_shown_once(value: &str) {
    let secure = serves_https();
    write_cookie(
        shown_once_cookie(secure),
        value,
        KEPT_FORM_SECS,
        secure,
        SameSite::Strict,
    );
}

/// What [`keep_shown_once`] kept, if this request carries it; the cookie is cleared, so it
/// is shown once.
pub fn take_shown_once() -> Option<String> {
    let secure = serves_https();
    let value = named_cookie(shown_once_cookie(secure))?;
    write_cookie(shown_once_cookie(secure), "", 0, secure, SameSite::Strict);
    Some(value)
}

/// The cookie that carries a notice ("Invitation sent.") from a plain form post to the page
/// it returns to: five minutes, HttpOnly, SameSite=Strict, over https a `__Host-` name.
fn notice_cookie(secure: bool) -> &'static str {
    if secure { "__Host-pa_notice" } else { "pa_notice" }
}

/// For a plain form post that went through (a browser without the WASM; the WASM shows
/// the server function's answer itself): `notice` is shown once on the page the browser
/// returns to ([`take_notice`]), and that page comes back without the address parameters
/// named in `close` (the panel the form was opened in, `?open=invite` or `?edit=7`, closes).
/// Does nothing for the WASM's requests.
pub fn after_plain_form_post(notice: Option<&str>, close: &[&str]) {
    if !is_plain_form_post() {
        return;
    }
    let referer = request_parts().and_then(|p| {
        p.headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    // Only ever back to a page of this site (the framework would follow any Referer).
    let back = referer
        .as_deref()
        .and_then(|r| same_site_return(r, close))
        .unwrap_or_else(|| "/".to_owned());
    if let Some(notice) = notice {
        // For that page only (not another page, not a server function's own call), and
        // cut to fit rather than lost.
        // For that page only, and for this session (not the next person to sign in on a
        // shared browser within the five minutes).
        let path = back.split('?').next().unwrap_or("/");
        let kept = format!(
            "{}\0{path}\0{}",
            kept_form_owner(),
            cut(notice, KEPT_FORM_BYTES - path.len().min(KEPT_FORM_BYTES))
        );
        let secure = serves_https();
        write_cookie(
            notice_cookie(secure),
            &hex::encode(kept),
            KEPT_FORM_SECS,
            secure,
            SameSite::Strict,
        );
    }
    leptos_axum::redirect(&back);
}

/// The path and query of `referer` without the parameters named in `close` (and without
/// an earlier failure's `__path`/`__err`), to redirect to: only a path on this site, never
/// another host (`//evil.example` is refused).
pub fn same_site_return(referer: &str, close: &[&str]) -> Option<String> {
    let uri: http::Uri = referer.parse().ok()?;
    let path = uri.path();
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return None;
    }
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !close.contains(&key) && key != "__path" && key != "__err"
        })
        .collect();
    Some(if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    })
}

/// At most `max` bytes of `text`, cut at a character boundary and marked with "…".
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The notice [`after_plain_form_post`] kept, if this request is the browser loading the
/// page it was kept for, in the session that kept it (a page's own server-side rendering:
/// not another page, not the WASM's calls, not a script reading the page again); the
/// cookie is then cleared, so it is shown once.
pub fn take_notice() -> Option<String> {
    let secure = serves_https();
    let value = named_cookie(notice_cookie(secure))?;
    let parts = request_parts()?;
    // A page read by a script (the matrix's live updates) is not the page being shown.
    let dest = parts.headers.get("sec-fetch-dest").and_then(|v| v.to_str().ok());
    if dest.is_some_and(|d| d != "document") {
        return None;
    }
    let text = String::from_utf8(hex::decode(value).ok()?).ok()?;
    let (owner, rest) = text.split_once('\0')?;
    let (path, notice) = rest.split_once('\0')?;
    if parts.uri.path() != path || owner != kept_form_owner() {
        return None;
    }
    write_cookie(notice_cookie(secure), "", 0, secure, SameSite::Strict);
    Some(notice.to_owned())
}

/// The values [`keep_form_if_failed`] kept for `form`, if this request carries them:
/// `count` of them, or none when the cookie holds anything else.
pub fn kept_form(form: KeptForm, count: usize) -> Option<Vec<String>> {
    let bytes = hex::decode(named_cookie(kept_form_cookie(form, serves_https()))?).ok()?;
    let text = String::from_utf8(bytes)
        .ok()
        .filter(|t| t.len() <= KEPT_FORM_BYTES + 64)?;
    let mut values = text.split('\0').map(str::to_owned);
    // Kept for the session that typed them only: not for the next person to sign in on a
    // shared browser within the five minutes.
    if values.next()? != kept_form_owner() {
        return None;
    }
    let values: Vec<String> = values.collect();
    (values.len() == count).then_some(values)
}

/// Whose typed values a kept form holds: a digest of this request's session token (empty
/// when not signed in, as on the sign-in and sign-up pages).
fn kept_form_owner() -> String {
    let token = named_cookie(SECURE_SESSION_COOKIE).or_else(|| named_cookie(SESSION_COOKIE));
    token.map(|t| hash_token(&t)[..16].to_owned()).unwrap_or_default()
}

/// Whether the request carries a session cookie (valid or not: nothing is looked up).
pub fn has_session_cookie() -> bool {
    named_cookie(SESSION_COOKIE).is_some() || named_cookie(SECURE_SESSION_COOKIE).is_some()
}

fn named_cookie(name: &str) -> Option<String> {
    let parts = request_parts()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// The caller's address, for per-address throttling: the peer, or, when the peer is one
/// of `TRUSTED_PROXIES`, the last address in `X-Forwarded-For` that is not a trusted proxy
/// (the entries before it were written by the client and prove nothing).
pub fn client_ip() -> String {
    let Some(parts) = request_parts() else {
        return "unknown".to_owned();
    };
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
    else {
        return "unknown".to_owned();
    };
    let trusted = use_context::<AppState>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    // Lossy: one non-ASCII byte a client wrote must not make the whole line (with the
    // proxy's own entry for the real address) unreadable.
    let lines: Vec<String> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    address_key_of(forwarded_client(peer, &trusted, lines.iter().map(String::as_str)))
}

/// The throttling key of an address: IPv4 as it is, IPv6 by its /64 (one subscriber
/// usually holds a whole /64 and could otherwise rotate through it).
fn address_key_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The client behind `peer`: walks `X-Forwarded-For` from the right while the hop is trusted.
fn forwarded_client<'a>(
    peer: std::net::IpAddr,
    trusted: &[std::net::IpAddr],
    headers: impl Iterator<Item = &'a str>,
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers.flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // An entry that is not an address was not written by a proxy of ours: the last
        // hop we could read stands.
        let Ok(hop) = hop.parse::<std::net::IpAddr>().map(|ip| ip.to_canonical()) else {
            break;
        };
        client = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    client
}

fn set_cookie(value: &str, max_age: i64, secure: bool) {
    write_cookie(cookie_name(secure), value, max_age, secure, SameSite::Lax);
}

fn write_cookie(name: &'static str, value: &str, max_age: i64, secure: bool, same_site: SameSite) {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(secure)
            .max_age(cookie::time::Duration::seconds(max_age))
            .build();
        if let Ok(header) = http::HeaderValue::from_str(&cookie.to_string()) {
            resp.append_header(SET_COOKIE, header);
        }
    }
}

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
    /// read in the same statement as the session: [`practice_actor`] needs no query of its own.
    membership: Option<(i64, String, bool)>,
    /// This request's place among the person's requests in progress on this server
    /// (`InFlight`): given back when the last copy of this session is dropped, as the
    /// request ends.
    _in_flight: std::sync::Arc<InFlightSlot>,
}

/// How many requests one signed-in person may have in progress at once on one server.
/// A page makes a handful; a script may make many, but not so many that it fills the
/// write queue (2,048 on SQLite) or the database pool for every other practice on the
/// server: the request after these is answered 429 at once, with nothing done.
pub const MOST_IN_FLIGHT_PER_PERSON: usize = 64;

/// The requests in progress per person on this server (`AppState::in_flight`).
#[derive(Debug, Default)]
pub struct InFlight(std::sync::Mutex<std::collections::HashMap<i64, usize>>);

/// One request's place in [`InFlight`]; dropping it gives the place back.
#[derive(Debug)]
pub struct InFlightSlot {
    of: std::sync::Arc<InFlight>,
    user_id: i64,
}

impl InFlight {
    /// A place for one more request of `user_id`, or `None` when they have
    /// [`MOST_IN_FLIGHT_PER_PERSON`] in progress already.
    pub fn enter(self: &std::sync::Arc<Self>, user_id: i64) -> Option<InFlightSlot> {
        let mut counts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counts.entry(user_id).or_default();
        if *count >= MOST_IN_FLIGHT_PER_PERSON {
            return None;
        }
        *count += 1;
        Some(InFlightSlot {
            of: self.clone(),
            user_id,
        })
    }
}

impl Drop for InFlightSlot {
    fn drop(&mut self) {
        let mut counts = self.of.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
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

/// Starts a new session for `user_id` (a new id at every sign-in) acting in `account`
/// (practice, client), ending the one the request came with, and sets the cookie.
pub async fn start(state: &AppState, user_id: i64, account: (Option<i64>, Option<i64>)) -> Result<(), AppError> {
    let (practice_id, client_id) = account;
    let token = new_token();
    let t = now();
    let mut tx = state.db.begin_write().await?;
    if let Some(old) = cookie_token(state.config.serves_https()) {
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
        r#"INSERT INTO sessions (token_hash, user_id, current_practice_id, current_client_id, created_at, last_seen_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $5, $6)"#,
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(practice_id)
    .bind(client_id)
    .bind(t)
    .bind(t + ABSOLUTE_LIFETIME_SECS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    set_cookie(&token, ABSOLUTE_LIFETIME_SECS, state.config.serves_https());
    Ok(())
}

/// Ends the request's session and clears the cookie.
pub async fn end(state: &AppState) -> Result<(), AppError> {
    if let Some(token) = cookie_token(state.config.serves_https()) {
        state
            .db
            .execute_write(sqlx::query(r#"DELETE FROM sessions WHERE token_hash = $1"#).bind(hash_token(&token)))
            .await?;
    }
    set_cookie("", 0, state.config.serves_https());
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
    let Some(token) = cookie_token(state.config.serves_https()) else {
        return Ok(None);
    };
    by_token(state, &token, activity).await
}

/// The session behind a request's raw `Cookie` header, for routes outside server
/// functions (file downloads): the same checks as every server function's.
pub async fn from_cookie_header(state: &AppState, header: &str) -> Result<Option<Session>, AppError> {
    let name = cookie_name(state.config.serves_https());
    let token = Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned());
    match token {
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
        _in_flight: std::sync::Arc::new(in_flight),
    }))
}

/// The signed-in session, or `Unauthenticated` (answered 401).
pub async fn require() -> Result<(AppState, Session), AppError> {
    require_with(Activity::Person).await
}

async fn require_with(activity: Activity) -> Result<(AppState, Session), AppError> {
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

/// A signed-in, active member of a practice, acting in that practice.
#[derive(Clone, Debug)]
pub struct PracticeActor {
    pub state: AppState,
    pub session: Session,
    pub practice_id: i64,
    pub role_id: i64,
    pub role_kind: RoleKind,
    pub is_main: bool,
    pub permissions: Vec<String>,
}

impl PracticeActor {
    pub fn user_id(&self) -> i64 {
        self.session.user_id
    }

    /// An audit event by this actor in their practice; the caller fills in the rest.
    pub fn audit<'a>(&self, action: crate::platform::audit::AuditAction) -> crate::platform::audit::AuditEvent<'a> {
        crate::platform::audit::AuditEvent {
            practice_id: Some(self.practice_id),
            actor_user_id: Some(self.user_id()),
            ..crate::platform::audit::AuditEvent::new(action)
        }
    }

    /// An audit event by this actor about one target (`target_type` `id`, shown as `label`).
    pub fn audit_on<'a>(
        &self,
        action: crate::platform::audit::AuditAction,
        target_type: &'a str,
        id: i64,
        label: &'a str,
    ) -> crate::platform::audit::AuditEvent<'a> {
        crate::platform::audit::AuditEvent {
            target_type: Some(target_type),
            target_id: Some(id),
            target_label: Some(label),
            ..self.audit(action)
        }
    }

    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// The permissions a role grants: predefined ones from code, custom ones from the table.
pub async fn role_permissions(
    conn: &mut AnyConnection,
    role_id: i64,
    kind: RoleKind,
) -> Result<Vec<String>, sqlx::Error> {
    match kind.predefined_permissions() {
        Some(keys) => Ok(keys.into_iter().map(str::to_owned).collect()),
        None => {
            sqlx::query_scalar(r#"SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission"#)
                .bind(role_id)
                .fetch_all(conn)
                .await
        }
    }
}

/// Resolves the caller's practice (the session's: the one the top bar shows, chosen at
/// sign-in and in the Accounts switcher; never another one) and checks `permission` there. The practice always comes from the session and
/// membership, never from request input, so a caller can act only in their own practice.
pub async fn require_practice(permission: Option<&str>) -> Result<PracticeActor, AppError> {
    require_practice_for(permission, Activity::Person).await
}

/// [`require_practice`] for requests a page makes on its own (polling): they do not count
/// as activity, so an idle session still ends on time.
pub async fn require_practice_for(permission: Option<&str>, activity: Activity) -> Result<PracticeActor, AppError> {
    let (state, session) = require_with(activity).await?;
    practice_actor(state, session, permission).await
}

/// [`require_practice`] for a session already resolved (routes outside server functions).
pub async fn practice_actor(
    state: AppState,
    session: Session,
    permission: Option<&str>,
) -> Result<PracticeActor, AppError> {
    if session.must_set_up_two_step {
        return Err(two_step_first().respond());
    }
    let mut session = session;
    if session.current_practice_id.is_none() && session.current_client_id.is_none() {
        adopt_first_practice(&state, &mut session).await?;
        if session.must_set_up_two_step {
            return Err(two_step_first().respond());
        }
    }
    // The active membership of the session's practice, read with the session itself.
    let (Some(practice_id), Some((role_id, kind, is_main))) = (session.current_practice_id, session.membership.clone())
    else {
        return Err(no_practice_open(&state, &session).await?.respond());
    };
    let role_kind = RoleKind::parse(&kind).ok_or(AppError::Internal)?;
    let permissions = match role_kind.predefined_permissions() {
        Some(keys) => keys.into_iter().map(str::to_owned).collect(),
        None => {
            let mut conn = state.db.pool().acquire().await?;
            role_permissions(&mut conn, role_id, role_kind).await?
        }
    };
    let actor = PracticeActor {
        state,
        session,
        practice_id,
        role_id,
        role_kind,
        is_main,
        permissions,
    };
    if let Some(p) = permission
        && !actor.can(p)
    {
        return Err(AppError::Forbidden.respond());
    }
    Ok(actor)
}

/// A session that acts in no account (its person had none when signing in: deactivated, or
/// every access ended) whose person is a practice's active member now (reactivated, say):
/// it acts from now on in the account the top bar shows (`current_account`, which falls back
/// to the person's first account) when that is a practice, rather than refusing the
/// practice's pages until the next sign-in. The session row is written only while it still
/// acts in no account and the membership is still active (a deactivation deletes the
/// session, a switch sets an account: either wins), and a practice that requires two-step
/// sign-in of someone without it is refused as at any other request.
async fn adopt_first_practice(state: &AppState, session: &mut Session) -> Result<(), AppError> {
    use crate::identity::accounts::AccountKind;
    let shown = crate::identity::accounts::ssr::current_account(&state.db, session).await?;
    let Some(practice_id) = shown.filter(|a| a.kind == AccountKind::Practice).map(|a| a.id) else {
        return Ok(());
    };
    let membership: Option<(i64, String, i64, i64)> = sqlx::query_as(
        r#"SELECT m.role_id, r.kind, m.is_main,
                  CASE WHEN p.require_two_step = 1 AND u.totp_secret IS NULL THEN 1 ELSE 0 END
           FROM practice_members m JOIN roles r ON r.id = m.role_id
           JOIN practices p ON p.id = m.practice_id JOIN users u ON u.id = m.user_id
           WHERE m.practice_id = $1 AND m.user_id = $2 AND m.status = 'active'"#,
    )
    .bind(practice_id)
    .bind(session.user_id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some((role_id, kind, is_main, must_set_up_two_step)) = membership else {
        return Ok(());
    };
    if must_set_up_two_step == 1 {
        session.must_set_up_two_step = true;
        return Ok(());
    }
    let adopted = state
        .db
        .execute_write(
            sqlx::query(
                r#"UPDATE sessions SET current_practice_id = $1
                   WHERE token_hash = $2 AND current_practice_id IS NULL AND current_client_id IS NULL
                     AND EXISTS (SELECT 1 FROM practice_members m
                                 WHERE m.practice_id = $1 AND m.user_id = $3 AND m.role_id = $4 AND m.status = 'active')"#,
            )
            .bind(practice_id)
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(role_id),
        )
        .await?
        .rows_affected();
    if adopted == 1 {
        session.current_practice_id = Some(practice_id);
        session.membership = Some((role_id, kind, is_main == 1));
    }
    Ok(())
}

/// The refusal of everything but setting up two-step sign-in, for someone whose practice
/// requires it and who has not turned it on.
fn two_step_first() -> AppError {
    AppError::NotAllowed("Your practice requires two-step sign-in. Turn it on under Two-step sign-in first.".into())
}

/// Why someone signed in with no practice open is refused a practice's page or action,
/// in words they can act on. All are answered 403, as a missing permission is.
async fn no_practice_open(state: &AppState, session: &Session) -> Result<AppError, AppError> {
    use crate::identity::accounts::AccountKind;
    let shown = crate::identity::accounts::ssr::current_account(&state.db, session).await?;
    Ok(AppError::NotAllowed(match shown.map(|a| a.kind) {
        Some(AccountKind::Client) => {
            "This page is for a practice's staff, and the account you have open is a client's.".into()
        }
        Some(AccountKind::Practice) => {
            "Your access to this practice has ended or changed. Open an account from the Accounts menu.".into()
        }
        None => "You do not have access to any practice at the moment. Ask your practice's admin for access.".into(),
    }))
}

/// A signed-in user acting in a client account with their role there: the client the
/// session acts in (never one named by the request), on a plan with user management of its
/// own, with `permission` in that role. `actor` carries the role on the client and the
/// client's practice, so the practice's rules (who may grant what, audit) apply unchanged.
#[derive(Clone, Debug)]
pub struct ClientActor {
    pub actor: PracticeActor,
    pub client_id: i64,
    pub client_name: String,
}

/// Resolves [`ClientActor`]: `NotFound` outside a client account or on a Practice Edition
/// client (which has no Manage users), `Forbidden` without `permission` there.
pub async fn require_client(permission: &str) -> Result<ClientActor, AppError> {
    use crate::identity::accounts::AccountKind;
    let (state, session) = require().await?;
    let current = crate::identity::accounts::ssr::current_account(&state.db, &session).await?;
    let Some(client) = current.filter(|a| a.kind == AccountKind::Client) else {
        return Err(AppError::NotFound("A client account".into()).respond());
    };
    if !client
        .plan
        .is_some_and(crate::partner::plans::Plan::has_own_user_management)
    {
        return Err(AppError::NotFound("Manage users on a Practice Edition client".into()).respond());
    }
    let (practice_id, kind): (i64, String) = sqlx::query_as(
        r#"SELECT c.practice_id, r.kind FROM clients c JOIN roles r ON r.id = $2 AND r.practice_id = c.practice_id
           WHERE c.id = $1"#,
    )
    .bind(client.id)
    .bind(client.role_id)
    .fetch_one(state.db.pool())
    .await?;
    let role_kind = RoleKind::parse(&kind).ok_or(AppError::Internal)?;
    let mut conn = state.db.pool().acquire().await?;
    let permissions = role_permissions(&mut conn, client.role_id, role_kind).await?;
    drop(conn);
    let actor = PracticeActor {
        state,
        session,
        practice_id,
        role_id: client.role_id,
        role_kind,
        is_main: false,
        permissions,
    };
    if !actor.can(permission) {
        return Err(AppError::Forbidden.respond());
    }
    Ok(ClientActor {
        actor,
        client_id: client.id,
        client_name: client.name,
    })
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::{forwarded_client, same_site_return};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_plain_form_post_returns_to_a_path_of_this_site_without_the_closed_panel() {
        let back = |r: &str| same_site_return(r, &["open", "edit"]);
        assert_eq!(
            back("http://127.0.0.1:3000/manage-users?q=ann&open=invite&page=2").as_deref(),
            Some("/manage-users?q=ann&page=2")
        );
        assert_eq!(
            back("https://x.example/partner/clients?edit=7").as_deref(),
            Some("/partner/clients")
        );
        // An earlier failure's error, carried in the address, goes too.
        assert_eq!(
            back("/manage-users?open=invite&__path=%2Fapi%2Finvite_user&__err=x").as_deref(),
            Some("/manage-users")
        );
        // Only ever a path on this site: another host's address becomes a path here; what
        // a browser could read as another host (`//host`, `/\\host`) never comes back.
        assert_eq!(back("https://evil.example/phish").as_deref(), Some("/phish"));
        for tricky in [
            "//evil.example/phish",
            "/\\evil.example/phish",
            "///evil.example",
            "not a url at all",
            "",
        ] {
            let answer = back(tricky);
            assert!(
                answer
                    .as_deref()
                    .is_none_or(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\')),
                "{tricky:?} gave {answer:?}"
            );
        }
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        // A client talking to us directly cannot pick its address with the header.
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), &[proxy], ["1.2.3.4"].into_iter()),
            ip("203.0.113.9")
        );
        // Behind the proxy: the last hop the proxy saw, not what the client wrote before it.
        assert_eq!(
            forwarded_client(proxy, &[proxy], ["6.6.6.6, 198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            forwarded_client(proxy, &[proxy, ip("10.0.0.2")], ["198.51.100.7, 10.0.0.2"].into_iter()),
            ip("198.51.100.7")
        );
        // A trusted proxy that forwards nothing: the proxy itself.
        assert_eq!(forwarded_client(proxy, &[proxy], std::iter::empty()), proxy);
        // Garbage a client wrote left of the proxy's entry does not hide the real address.
        assert_eq!(
            forwarded_client(proxy, &[proxy], ["\u{e9}garbage, 198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ipv6_addresses_are_keyed_by_their_64() {
        assert_eq!(super::address_key_of(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(super::address_key_of(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(super::address_key_of(ip("203.0.113.9")), "203.0.113.9");
    }
}
