//! Links sent to a login's own address that change how it signs in (`login_links`): a
//! two-step sign-in reset an admin asked for, a forgotten password, a new address to
//! confirm. Each is single use and short-lived; only its token's hash is stored. With SMTP
//! the token is issued by the outbox worker as the message goes out (the body holds a
//! placeholder until then), so no live link is ever stored; without SMTP (local use) the
//! message is kept with its link for the Sent email page. A newer link of the same purpose
//! for the same login replaces the older.

use sqlx::AnyConnection;

use crate::platform::db::now;
use crate::platform::mail::{LINK_PLACEHOLDER, LinkTo, LoginPurpose, OutgoingEmail, enqueue};
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

/// A link to send.
pub struct NewLink<'a> {
    pub purpose: LoginPurpose,
    pub user_id: i64,
    /// Where the message goes (the login's address; for an email change, the new one).
    pub to: &'a str,
    /// For an email change: the address being confirmed.
    pub new_email: Option<&'a str>,
    /// Who asked, when it was not the login's owner: a practice and its admin.
    pub practice_id: Option<i64>,
    pub requested_by: Option<i64>,
}

/// A message around a link: subject, text and HTML, each given the link (or its
/// placeholder) to put where it belongs.
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Creates `link` (replacing an unused one of the same purpose for the login) and queues
/// its message, composed by `compose` around the link. Returns the link's id.
pub async fn send(
    conn: &mut AnyConnection,
    state: &AppState,
    link: NewLink<'_>,
    compose: impl FnOnce(&str) -> Message,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let smtp = state.config.smtp_url.is_some();
    sqlx::query(r#"UPDATE login_links SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL"#)
        .bind(t)
        .bind(link.user_id)
        .bind(link.purpose.as_str())
        .execute(&mut *conn)
        .await?;
    let token = new_token();
    // With SMTP, a hash no token maps to until the worker issues the real one.
    let stored = if smtp {
        format!("unissued-{}", new_token())
    } else {
        hash_token(&token)
    };
    let id: i64 = sqlx::query_scalar(
        r#"INSERT INTO login_links (purpose, user_id, token_hash, new_email, practice_id, requested_by, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"#,
    )
    .bind(link.purpose.as_str())
    .bind(link.user_id)
    .bind(stored)
    .bind(link.new_email)
    .bind(link.practice_id)
    .bind(link.requested_by)
    .bind(t)
    .bind(t + link.purpose.lifetime())
    .fetch_one(&mut *conn)
    .await?;
    let url = if smtp {
        LINK_PLACEHOLDER.to_owned()
    } else {
        format!("{}/{}/{token}", state.config.app_base_url, link.purpose.path())
    };
    let message = compose(&url);
    enqueue(
        conn,
        OutgoingEmail {
            practice_id: link.practice_id,
            link: smtp.then_some(LinkTo::Login(id)),
            to: link.to,
            subject: &message.subject,
            text: &message.text,
            html: &message.html,
        },
        smtp,
    )
    .await?;
    Ok(id)
}

/// Where a link stands, for the page it opens (before it is used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Open,
    /// Used, replaced, expired or never issued: all answer the same.
    Gone,
}

/// Whether the link behind `token` is open for `purpose`.
pub async fn state(conn: &mut AnyConnection, purpose: LoginPurpose, token: &str) -> Result<LinkState, sqlx::Error> {
    let open: i64 = sqlx::query_scalar(
        r#"SELECT COUNT(*) FROM login_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"#,
    )
    .bind(hash_token(token))
    .bind(purpose.as_str())
    .bind(now())
    .fetch_one(conn)
    .await?;
    Ok(if open > 0 { LinkState::Open } else { LinkState::Gone })
}

/// A link that was just used.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Used {
    pub id: i64,
    pub user_id: i64,
    pub new_email: Option<String>,
    pub practice_id: Option<i64>,
    pub requested_by: Option<i64>,
}

/// Uses the link behind `token` for `purpose`, in the caller's transaction: of two uses at
/// once only one finds it open. `None`: not open (used, replaced, expired, unknown).
pub async fn take(conn: &mut AnyConnection, purpose: LoginPurpose, token: &str) -> Result<Option<Used>, sqlx::Error> {
    let t = now();
    sqlx::query_as(
        r#"UPDATE login_links SET used_at = $1
           WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
           RETURNING id, user_id, new_email, practice_id, requested_by"#,
    )
    .bind(t)
    .bind(hash_token(token))
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await
}

/// Ends every open link of `user_id` (resets, email changes): after the login's email or
/// password changes, or it signs out everywhere else, a link sent before is no way in.
pub async fn end_all_for_user(conn: &mut AnyConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query(r#"UPDATE login_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL"#)
            .bind(crate::platform::db::now())
            .bind(user_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
