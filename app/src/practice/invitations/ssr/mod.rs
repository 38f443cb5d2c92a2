//! Invitations' SQL: finding one by its link (here), accepting it ([`accept`]), and issuing,
//! resending and revoking them from Manage users ([`send`]).

use sqlx::AnyConnection;

use super::*;
use crate::access::practices::practice_name;
use crate::domain::statuses::InvitationStatus;
use crate::platform::db::{Db, now};
use crate::platform::tokens::hash_token;

mod accept;
mod send;

pub use accept::accept;
pub use send::{invite, issue_link, resend, revoke};

#[derive(sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub practice_id: i64,
    /// An invitation into a client's own users; `None`: into the practice.
    pub client_id: Option<i64>,
    pub practice_name: String,
    /// The business the invitee joins: the client's name, or the practice's.
    pub account_name: String,
    pub email: String,
    pub name: String,
    pub role_id: i64,
    pub role_name: String,
    pub status: String,
    pub expires_at: i64,
    /// Who sent it (`None`: their login is gone).
    pub invited_by: Option<i64>,
}

pub async fn find_by_token(db: &Db, token: &str) -> Result<Option<InvitationRow>, sqlx::Error> {
    if token.len() != 64 {
        return Ok(None);
    }
    sqlx::query_as(
        r#"SELECT i.id, i.practice_id, i.client_id, p.name AS practice_name, COALESCE(c.name, p.name) AS account_name,
                  i.email, i.name, i.role_id, r.name AS role_name, i.status, i.expires_at, i.invited_by
           FROM invitations i JOIN practices p ON p.id = i.practice_id JOIN roles r ON r.id = i.role_id
                LEFT JOIN clients c ON c.id = i.client_id
           WHERE i.token_hash = $1"#,
    )
    .bind(hash_token(token))
    .fetch_optional(db.pool())
    .await
}

impl InvitationRow {
    fn is_pending(&self) -> bool {
        self.status == InvitationStatus::Pending.as_str()
    }
}

/// What the holder of a link sees before accepting.
pub async fn view_by_token(db: &Db, token: &str) -> Result<InvitationView, AppError> {
    // A link used, revoked or replaced answers as one that never was: whoever holds an old
    // link (a forwarded email, a shared inbox) learns nothing of whom it named.
    let row = find_by_token(db, token)
        .await?
        .filter(|row| row.is_pending())
        .ok_or_else(|| AppError::NotFound("This invitation link".into()))?;
    let state = if row.expires_at <= now() {
        InvitationState::Expired
    } else {
        InvitationState::Open
    };
    Ok(InvitationView {
        practice_name: row.practice_name,
        account_name: row.account_name,
        role_name: row.role_name,
        name: row.name,
        email: row.email,
        state,
    })
}

/// The account an accepted invitation joined, as (practice, client).
pub type JoinedAccount = (Option<i64>, Option<i64>);

/// Where an invitation leads: into the practice, or into one client's own users.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Practice,
    Client { id: i64, name: &'a str },
}

impl Scope<'_> {
    /// The value of `COALESCE(invitations.client_id, 0)` for invitations of this scope.
    fn client_key(self) -> i64 {
        match self {
            Self::Practice => 0,
            Self::Client { id, .. } => id,
        }
    }

    fn client_id(self) -> Option<i64> {
        match self {
            Self::Practice => None,
            Self::Client { id, .. } => Some(id),
        }
    }

    /// The name the email gives the business the invitee joins.
    async fn account_name(self, conn: &mut AnyConnection, practice_id: i64) -> Result<String, sqlx::Error> {
        match self {
            Self::Practice => practice_name(conn, practice_id).await,
            Self::Client { name, .. } => Ok(name.to_owned()),
        }
    }
}
