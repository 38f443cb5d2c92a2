//! Invitations' SQL: issuing, resending and revoking (Manage users), finding one by its
//! link, and accepting it.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::policy::{may_grant, may_grant_all};
use crate::access::practices::practice_name;
use crate::access::roles::chosen_role;
use crate::domain::audit::{self, AuditAction, AuditEvent};
use crate::domain::statuses::{InvitationStatus, MemberStatus};
use crate::identity::{password as pw, throttle, users};
use crate::platform::db::{Db, now};
use crate::platform::mail::{LINK_PLACEHOLDER, LinkTo, OutgoingEmail, enqueue, escape_html};
use crate::platform::names::{DisplayName, EmailAddress};
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

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
}

pub async fn find_by_token(db: &Db, token: &str) -> Result<Option<InvitationRow>, sqlx::Error> {
    if token.len() != 64 {
        return Ok(None);
    }
    sqlx::query_as(
        r#"SELECT i.id, i.practice_id, i.client_id, p.name AS practice_name, COALESCE(c.name, p.name) AS account_name,
                  i.email, i.name, i.role_id, r.name AS role_name, i.status, i.expires_at
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
    let row = find_by_token(db, token)
        .await?
        .ok_or_else(|| AppError::NotFound("This invitation link".into()))?;
    let state = if !row.is_pending() {
        InvitationState::Invalid
    } else if row.expires_at <= now() {
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

/// Accepts the invitation behind `token`: sets the password of a new login, or checks the
/// existing login's. Returns the user and the account they joined, as (practice, client)
/// for [`crate::identity::session::start`]: a practice, or one client of it.
pub async fn accept(state: &AppState, token: &str, password: String) -> Result<(i64, JoinedAccount), AppError> {
    let gone = || AppError::Conflict("This invitation link is no longer valid. Ask for a new invitation.".into());
    let row = find_by_token(&state.db, token).await?.ok_or_else(gone)?;
    if !row.is_pending() {
        return Err(gone());
    }
    if row.expires_at <= now() {
        return Err(AppError::Conflict(
            "This invitation has expired. Ask for a new invitation.".into(),
        ));
    }
    let existing: Option<(i64, Option<String>)> =
        sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
            .bind(&row.email)
            .fetch_optional(state.db.pool())
            .await?;
    // Strength first, whoever the email belongs to: a weak password gets the same answer
    // with or without a login (every password ever set passed this check).
    pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;
    let new_hash = match &existing {
        Some((_, Some(stored))) => {
            // Through the sign-in throttle: holding a link must not allow unlimited guesses
            // at the password of the login it was sent to.
            let address = crate::platform::http::request::client_ip();
            if !throttle::check_password(&state.db, &row.email, Some(stored.clone()), password, &address).await? {
                return Err(AppError::invalid("password", "That is not the password of this login."));
            }
            None
        }
        _ => Some(pw::hash(password).await?),
    };

    let mut tx = state.db.begin_write().await?;
    // Claim the invitation first: of two concurrent accepts, only one changes the row.
    let claimed = sqlx::query(r#"UPDATE invitations SET status = $1, accepted_at = $2 WHERE id = $3 AND status = $4"#)
        .bind(InvitationStatus::Accepted.as_str())
        .bind(now())
        .bind(row.id)
        .bind(InvitationStatus::Pending.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed != 1 {
        return Err(gone());
    }
    let user_id = match existing {
        Some((id, None)) => {
            sqlx::query(r#"UPDATE users SET password_hash = $1 WHERE id = $2"#)
                .bind(new_hash.as_ref().map(|h| h.0.clone()))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        Some((id, Some(_))) => id,
        None => {
            let email = EmailAddress::parse(&row.email).map_err(|_| AppError::Internal)?;
            let name = DisplayName::parse(&row.name, "name", 200).map_err(|_| AppError::Internal)?;
            users::ssr::create_user(&mut tx, &email, &name, new_hash.as_ref())
                .await
                .map_err(|e| {
                    crate::platform::db::on_constraint(e, &users::ssr::UNIQUE_EMAIL, || {
                        AppError::Conflict("A login for this email was just created. Try again.".into())
                    })
                })?
        }
    };
    let joined = match row.client_id {
        None => {
            if crate::access::members::find_member(&mut tx, row.practice_id, user_id)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict("You are already a member of this practice.".into()));
            }
            crate::access::members::add_member(&mut tx, row.practice_id, user_id, row.role_id, false).await?;
            (Some(row.practice_id), None)
        }
        Some(client_id) => {
            // The client may have moved to Practice Edition or been archived since.
            let open: Option<(String, i64)> =
                sqlx::query_as(r#"SELECT plan, archived FROM clients WHERE id = $1 AND practice_id = $2"#)
                    .bind(client_id)
                    .bind(row.practice_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let still_open = open.is_some_and(|(plan, archived)| {
                archived == 0
                    && crate::domain::plans::Plan::parse(&plan)
                        .is_some_and(crate::domain::plans::Plan::has_own_user_management)
            });
            if !still_open {
                return Err(gone());
            }
            let inserted = sqlx::query(
                r#"INSERT INTO client_users (practice_id, client_id, user_id, role_id, status, joined_at)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (client_id, user_id) DO NOTHING"#,
            )
            .bind(row.practice_id)
            .bind(client_id)
            .bind(user_id)
            .bind(row.role_id)
            .bind(MemberStatus::Active.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted != 1 {
                return Err(AppError::Conflict(format!(
                    "You are already a user of {}.",
                    row.account_name
                )));
            }
            (None, Some(client_id))
        }
    };
    audit::record(
        &mut tx,
        AuditEvent {
            practice_id: Some(row.practice_id),
            actor_user_id: Some(user_id),
            target_type: Some(if row.client_id.is_some() { "client_user" } else { "user" }),
            target_id: Some(user_id),
            target_label: Some(&row.email),
            after: Some(match row.client_id {
                None => serde_json::json!({ "role": row.role_name, "status": "active" }),
                Some(_) => serde_json::json!({ "role": row.role_name, "status": "active", "client": row.account_name }),
            }),
            ..AuditEvent::new(AuditAction::InvitationAccepted)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, joined))
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

/// Queues invitation `id`'s email (new or resent), counted against the practice's allowance
/// (a client's invitations count there too).
async fn send_invitation_email(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    scope: Scope<'_>,
    id: i64,
) -> Result<(), AppError> {
    count_invitation_email(conn, actor.practice_id).await?;
    let account = scope.account_name(conn, actor.practice_id).await?;
    issue_link(conn, &actor.state, id, &account, &actor.session.name).await?;
    Ok(())
}

/// Counts one invitation email against the practice's hourly allowance.
async fn count_invitation_email(conn: &mut AnyConnection, practice_id: i64) -> Result<(), AppError> {
    let limit = throttle::INVITATIONS_PER_PRACTICE;
    match throttle::take(conn, &throttle::invitations_key(practice_id), limit).await? {
        Ok(()) => Ok(()),
        Err(minutes) => Err(AppError::TooMany(format!(
            "This practice has sent {} invitations in the last hour. Try again in {minutes} minutes.",
            limit.attempts
        ))),
    }
}

/// Gives invitation `id` a fresh expiry and queues the email with its link. With SMTP the
/// link's token is issued by the outbox worker as the message goes out, so no live link is
/// ever stored; without SMTP (local use) the message is kept with its link for the Sent
/// email page.
pub async fn issue_link(
    conn: &mut AnyConnection,
    state: &AppState,
    id: i64,
    practice_name: &str,
    inviter_name: &str,
) -> Result<(), sqlx::Error> {
    let smtp = state.config.smtp_url.is_some();
    let token = new_token();
    let t = now();
    // A hash no token maps to, until the worker issues the real one.
    let stored_hash = if smtp {
        format!("unissued-{}", new_token())
    } else {
        hash_token(&token)
    };
    let (email, name, role_name, practice_id): (String, String, String, i64) = sqlx::query_as(
        r#"UPDATE invitations SET token_hash = $1, expires_at = $2, created_at = $3
           WHERE id = $4
           RETURNING email, name, (SELECT r.name FROM roles r WHERE r.id = invitations.role_id), practice_id"#,
    )
    .bind(stored_hash)
    .bind(t + VALID_DAYS * 86_400)
    .bind(t)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let link = if smtp {
        LINK_PLACEHOLDER.to_owned()
    } else {
        format!("{}/invite/{token}", state.config.app_base_url)
    };
    let subject = format!("{inviter_name} invited you to {practice_name} on Practice Access");
    let text = format!(
        "Hello {name},\n\n{inviter_name} has invited you to join {practice_name} as {role_name}.\n\n\
         Accept the invitation and set your password here:\n{link}\n\n\
         The link works once and expires in {days} days. If you were not expecting this, ignore this email.\n",
        days = VALID_DAYS,
    );
    let html = format!(
        "<p>Hello {n},</p><p>{i} has invited you to join <strong>{p}</strong> as <strong>{r}</strong>.</p>\
         <p><a href=\"{l}\">Accept the invitation and set your password</a></p>\
         <p>The link works once and expires in {days} days. If you were not expecting this, ignore this email.</p>",
        n = escape_html(&name),
        i = escape_html(inviter_name),
        p = escape_html(practice_name),
        r = escape_html(&role_name),
        l = escape_html(&link),
        days = VALID_DAYS,
    );
    enqueue(
        conn,
        OutgoingEmail {
            practice_id: Some(practice_id),
            link: smtp.then_some(LinkTo::Invitation(id)),
            to: &email,
            subject: &subject,
            text: &text,
            html: &html,
        },
        smtp,
    )
    .await?;
    Ok(())
}

/// Invites `email` into the practice or, for `Scope::Client`, into that client's own users;
/// `actor` is the inviter with their role in that account.
pub async fn invite(
    actor: &PracticeActor,
    scope: Scope<'_>,
    name: &str,
    email: &str,
    role_id: i64,
) -> Result<(), AppError> {
    let name = DisplayName::parse(name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    let state = &actor.state;
    let mut tx = state.db.begin_write().await?;
    let role = chosen_role(&mut tx, actor.practice_id, role_id, "role_id").await?;
    may_grant(&mut tx, actor, &role).await?;
    already_in(&mut tx, actor, scope, &email).await?;
    let pending: Option<(i64, i64)> = sqlx::query_as(
        r#"SELECT id, expires_at FROM invitations
           WHERE practice_id = $1 AND email = $2 AND status = $3 AND COALESCE(client_id, 0) = $4"#,
    )
    .bind(actor.practice_id)
    .bind(email.as_str())
    .bind(InvitationStatus::Pending.as_str())
    .bind(scope.client_key())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((old_id, expires_at)) = pending {
        if expires_at > now() {
            return Err(AppError::invalid(
                "email",
                format!(
                    "{} already has a pending invitation. Resend it from the list instead.",
                    email.as_str()
                ),
            ));
        }
        // An expired invitation makes way for the new one.
        sqlx::query(r#"UPDATE invitations SET status = $1 WHERE id = $2"#)
            .bind(InvitationStatus::Revoked.as_str())
            .bind(old_id)
            .execute(&mut *tx)
            .await?;
    }
    let t = now();
    let id: i64 = sqlx::query_scalar(
        r#"INSERT INTO invitations (practice_id, email, name, role_id, token_hash, status, invited_by, created_at, expires_at, client_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id"#,
    )
    .bind(actor.practice_id)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(role_id)
    // A placeholder hash that no token maps to; issue_link replaces it at once.
    .bind(format!("unissued-{}", new_token()))
    .bind(InvitationStatus::Pending.as_str())
    .bind(actor.user_id())
    .bind(t)
    .bind(scope.client_id())
    .fetch_one(&mut *tx)
    .await?;
    send_invitation_email(&mut tx, actor, scope, id).await?;
    let mut after = serde_json::json!({ "name": name.as_str(), "role": role.name, "status": "invited" });
    if let Scope::Client { name: client, .. } = scope {
        after["client"] = serde_json::json!(client);
    }
    audit::record(
        &mut tx,
        AuditEvent {
            after: Some(after),
            ..actor.audit_on(AuditAction::InvitationCreated, "invitation", id, email.as_str())
        },
    )
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(())
}

/// Refuses an invitation to someone already in the account: a member of the practice, or
/// for a client, one of its users or one of the practice's staff (whose access to the
/// client comes from the practice's matrix).
async fn already_in(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    scope: Scope<'_>,
    email: &EmailAddress,
) -> Result<(), AppError> {
    let member: Option<String> = sqlx::query_scalar(
        r#"SELECT m.status FROM practice_members m JOIN users u ON u.id = m.user_id WHERE m.practice_id = $1 AND u.email = $2"#,
    )
    .bind(actor.practice_id)
    .bind(email.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Scope::Client {
        id: client_id,
        name: client,
    } = scope
    else {
        return match member {
            Some(_) => Err(AppError::invalid(
                "email",
                format!("{} is already a member of this practice.", email.as_str()),
            )),
            None => Ok(()),
        };
    };
    // Active practice staff reach clients through the practice's matrix only.
    if member.is_some_and(|status| status == MemberStatus::Active.as_str()) {
        return Err(AppError::invalid(
            "email",
            format!(
                "{} cannot be invited here: their access to {client} is given by the practice.",
                email.as_str()
            ),
        ));
    }
    let user: Option<i64> = sqlx::query_scalar(
        r#"SELECT cu.user_id FROM client_users cu JOIN users u ON u.id = cu.user_id WHERE cu.client_id = $1 AND u.email = $2"#,
    )
    .bind(client_id)
    .bind(email.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    match user {
        Some(_) => Err(AppError::invalid(
            "email",
            format!("{} is already a user of {client}.", email.as_str()),
        )),
        None => Ok(()),
    }
}

/// Pending invitation `id` of the actor's practice in `scope` (a practice's invitations
/// and each client's are apart: neither side reaches the other's). Returns its email.
async fn pending_invitation(
    actor: &PracticeActor,
    conn: &mut sqlx::AnyConnection,
    scope: Scope<'_>,
    id: i64,
) -> Result<String, AppError> {
    let found: Option<(String, i64)> = sqlx::query_as(
        r#"SELECT email, role_id FROM invitations
           WHERE id = $1 AND practice_id = $2 AND status = $3 AND COALESCE(client_id, 0) = $4"#,
    )
    .bind(id)
    .bind(actor.practice_id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(scope.client_key())
    .fetch_optional(&mut *conn)
    .await?;
    let (email, role_id) = found.ok_or_else(|| AppError::NotFound("That invitation".into()))?;
    // Resending issues a new link to the role: only someone who may give it does.
    may_grant_all(conn, actor, &[role_id]).await?;
    Ok(email)
}

pub async fn resend(actor: &PracticeActor, scope: Scope<'_>, id: i64) -> Result<(), AppError> {
    let state = &actor.state;
    let mut tx = state.db.begin_write().await?;
    let email = pending_invitation(actor, &mut tx, scope, id).await?;
    send_invitation_email(&mut tx, actor, scope, id).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            ..actor.audit_on(AuditAction::InvitationResent, "invitation", id, &email)
        },
    )
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(())
}

pub async fn revoke(actor: &PracticeActor, scope: Scope<'_>, id: i64) -> Result<(), AppError> {
    let mut tx = actor.state.db.begin_write().await?;
    let email = pending_invitation(actor, &mut tx, scope, id).await?;
    sqlx::query(r#"UPDATE invitations SET status = $1 WHERE id = $2"#)
        .bind(InvitationStatus::Revoked.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        AuditEvent {
            before: Some(serde_json::json!({ "status": "invited" })),
            after: Some(serde_json::json!({ "status": "revoked" })),
            ..actor.audit_on(AuditAction::InvitationRevoked, "invitation", id, &email)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
