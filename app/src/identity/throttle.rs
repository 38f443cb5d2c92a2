//! The one throttle on every door that checks a secret, and the rate limits of actions
//! that cost others something. Counters live in the database, so every app server counts
//! the same attempts.
//!
//! A password is checked at sign-in, when a sign-up is confirmed, and when an invitation
//! is accepted by an existing login: all three take an attempt from
//! the login's allowance and from the caller's address's before the password is checked.
//! Taking an attempt counts it and checks the limit in one statement, so a burst of
//! parallel guesses cannot all pass a check made before any of them was counted; a locked
//! key answers 429 whichever door is used, even for the right password.

use sqlx::AnyConnection;

use crate::platform::db::now;
use crate::platform::error::AppError;

/// How many attempts a key may make within a window, and how long it is locked after.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub attempts: i64,
    pub window_secs: i64,
    pub lock_secs: i64,
}

/// Password guesses against one login.
pub const PER_LOGIN: Limit = Limit {
    attempts: 5,
    window_secs: 15 * 60,
    lock_secs: 15 * 60,
};
/// Password guesses from one address, against any logins.
pub const PER_ADDRESS: Limit = Limit {
    attempts: 20,
    window_secs: 15 * 60,
    lock_secs: 15 * 60,
};
/// Invitation emails (new and resent) one practice sends.
pub const INVITATIONS_PER_PRACTICE: Limit = Limit {
    attempts: 50,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};
/// Invitation emails (new and resent) one client's own users send, together: the
/// client's allowance, apart from its practice's.
pub const INVITATIONS_PER_CLIENT: Limit = Limit {
    attempts: 20,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};
/// Password reset emails asked for one email (with a login or not: the same).
/// Access requests one person sends (asked, or asked again) an hour: each emails every
/// approver, so a loop of ask and withdraw must not become a stream of mail.
pub const ACCESS_REQUESTS_PER_PERSON: Limit = Limit {
    attempts: 30,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};

/// The throttle key of `user_id`'s access requests.
pub fn access_requests_key(user_id: i64) -> String {
    format!("access-requests:{user_id}")
}

pub const PASSWORD_RESETS_PER_EMAIL: Limit = Limit {
    attempts: 3,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};
/// Password reset requests from one address.
pub const PASSWORD_RESETS_PER_ADDRESS: Limit = Limit {
    attempts: 20,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};
/// Sign-ups (new practices) from one address.
pub const SIGN_UPS_PER_ADDRESS: Limit = Limit {
    attempts: 10,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};

/// Sign-up confirmation emails to one address (nobody fills another's mailbox).
pub const SIGN_UP_MAILS_PER_EMAIL: Limit = Limit {
    attempts: 5,
    window_secs: 60 * 60,
    lock_secs: 60 * 60,
};

pub fn login_key(email: &str) -> String {
    format!("email:{email}")
}

/// Two-step codes guessed for one login: apart from the password's counter, so a right
/// password (which clears that one) never gives code guesses back; only a right code does.
pub fn two_step_key(user_id: i64) -> String {
    format!("two-step:{user_id}")
}

pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

pub fn invitations_key(practice_id: i64) -> String {
    format!("invite:{practice_id}")
}

pub fn password_resets_key(email: &str) -> String {
    format!("reset:{email}")
}

pub fn email_changes_key(user_id: i64) -> String {
    format!("email-change:{user_id}")
}

pub fn password_resets_by_address_key(ip: &str) -> String {
    format!("reset-ip:{ip}")
}

pub fn client_invitations_key(client_id: i64) -> String {
    format!("invite-client:{client_id}")
}

pub fn sign_ups_key(ip: &str) -> String {
    format!("signup:{ip}")
}

pub fn sign_up_mails_key(email: &str) -> String {
    format!("signup-mail:{email}")
}

/// Takes one attempt from `key`'s allowance: counts it and, in the same statement, locks
/// the key when the count passes the limit. `Err(minutes)` when the key is locked (this
/// attempt included): the caller must not go ahead.
pub async fn take(conn: &mut AnyConnection, key: &str, limit: Limit) -> Result<Result<(), i64>, sqlx::Error> {
    let t = now();
    // Every SET expression reads the row as it was before this statement (both backends).
    let (locked_until,): (Option<i64>,) = sqlx::query_as(
        r#"INSERT INTO login_throttle (throttle_key, failures, window_started, locked_until)
           VALUES ($1, 1, $2, CASE WHEN 1 > $4 THEN $2 + $5 ELSE NULL END)
           ON CONFLICT (throttle_key) DO UPDATE SET
               failures = CASE
                   WHEN login_throttle.locked_until > $2 THEN login_throttle.failures
                   WHEN login_throttle.window_started <= $3 THEN 1
                   ELSE login_throttle.failures + 1 END,
               window_started = CASE
                   WHEN login_throttle.locked_until > $2 THEN login_throttle.window_started
                   WHEN login_throttle.window_started <= $3 THEN $2
                   ELSE login_throttle.window_started END,
               locked_until = CASE
                   WHEN login_throttle.locked_until > $2 THEN login_throttle.locked_until
                   WHEN login_throttle.window_started > $3 AND login_throttle.failures + 1 > $4 THEN $2 + $5
                   ELSE NULL END
           RETURNING locked_until"#,
    )
    .bind(key)
    .bind(t)
    .bind(t - limit.window_secs)
    .bind(limit.attempts)
    .bind(limit.lock_secs)
    .fetch_one(conn)
    .await?;
    Ok(match locked_until {
        Some(until) if until > t => Err((until - t + 59) / 60),
        _ => Ok(()),
    })
}

/// Takes an attempt from every key (all are counted, whatever the first answers) and
/// answers 429 with the longest wait if any is locked.
pub async fn take_all(conn: &mut AnyConnection, keys: &[(&str, Limit)]) -> Result<(), AppError> {
    let mut longest = None;
    for (key, limit) in keys {
        if let Err(minutes) = take(conn, key, *limit).await? {
            longest = Some(longest.map_or(minutes, |m: i64| m.max(minutes)));
        }
    }
    match longest {
        Some(minutes) => Err(AppError::RateLimited { minutes }),
        None => Ok(()),
    }
}

/// After the right password: the login starts afresh, and the address gets back the
/// attempt it spent (an office of many people behind one address is not locked out by
/// its own successful sign-ins).
pub async fn passed(conn: &mut AnyConnection, login: &str, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"DELETE FROM login_throttle WHERE throttle_key = $1 AND (locked_until IS NULL OR locked_until <= $2)"#,
    )
    .bind(login)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        r#"UPDATE login_throttle SET failures = failures - 1
           WHERE throttle_key = $1 AND failures > 0 AND (locked_until IS NULL OR locked_until <= $2)"#,
    )
    .bind(address)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The one way a password is checked: takes an attempt from the login (`email`) and from
/// the caller's `address` first, then compares with `stored` (a hash, or `None` for no
/// login or no password yet: still hashed, so the answer takes as long). `Ok(false)` for a
/// wrong password; a locked login or address is refused with 429 before any comparison.
pub async fn check_password(
    db: &crate::platform::db::Db,
    email: &str,
    stored: Option<String>,
    password: String,
    address: &str,
) -> Result<bool, AppError> {
    let (login, address) = (login_key(email), address_key(address));
    // A place in the hash queue first: when it is full the caller is told the server is
    // busy before an attempt is spent on a check that would not be made.
    let place = crate::identity::password::place()?;
    let mut conn = db.pool().acquire().await?;
    take_all(&mut conn, &[(&login, PER_LOGIN), (&address, PER_ADDRESS)]).await?;
    drop(conn);
    let right = place.verify(password, stored).await?;
    if right {
        let mut conn = db.pool().acquire().await?;
        passed(&mut conn, &login, &address).await?;
    }
    Ok(right)
}
