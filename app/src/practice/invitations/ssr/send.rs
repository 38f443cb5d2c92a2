//! Sending invitations from Manage users (the practice's, or a client's own): issuing one,
//! its email and link, resending (a new link) and revoking.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::policy::{may_grant, may_grant_all};
use crate::access::roles::chosen_role;
use crate::domain::audit::payload::Invited;
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::statuses::InvitationStatus;
use crate::identity::throttle;
use crate::platform::db::{Unique, now, on_constraint};
use crate::platform::mail::{LINK_PLACEHOLDER, LinkTo, OutgoingEmail, enqueue, escape_html};
use crate::platform::names::{DisplayName, EmailAddress};
use crate::platform::state::AppState;
use crate::platform::tokens::{hash_token, new_token};

/// Queues invitation `id`'s email (new or resent), counted against the sender's allowance
/// ([`count_invitation_email`]).
async fn send_invitation_email(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    scope: Scope<'_>,
    id: i64,
) -> Result<(), AppError> {
    count_invitation_email(conn, actor, scope).await?;
    let account = scope.account_name(conn, actor.practice_id).await?;
    issue_link(conn, &actor.state, id, &account, &actor.session.name).await?;
    Ok(())
}

/// Counts one invitation email against the hourly allowance of whoever sends it: the
/// practice's for its staff (into the practice or into a client), the client's for the
/// client's own users (who cannot spend the practice's).
async fn count_invitation_email(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    scope: Scope<'_>,
) -> Result<(), AppError> {
    let staff = sent_by_staff(conn, actor).await?;
    let (key, limit, sender) = match scope {
        Scope::Client { id, name } if !staff => (
            throttle::client_invitations_key(id),
            throttle::INVITATIONS_PER_CLIENT,
            name.to_owned(),
        ),
        _ => (
            throttle::invitations_key(actor.practice_id),
            throttle::INVITATIONS_PER_PRACTICE,
            "This practice".to_owned(),
        ),
    };
    match throttle::take(conn, &key, limit).await? {
        Ok(()) => Ok(()),
        Err(minutes) => Err(AppError::TooMany(format!(
            "{sender} has sent {} invitations in the last hour. Try again in {minutes} minutes.",
            limit.attempts
        ))),
    }
}

/// Whether `actor` is on their practice's active staff (and not only one of a client's
/// own users).
async fn sent_by_staff(conn: &mut AnyConnection, actor: &PracticeActor) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        r#"SELECT COUNT(*) FROM practice_members WHERE practice_id = $1 AND user_id = $2 AND status = $3"#,
    )
    .bind(actor.practice_id)
    .bind(actor.user_id())
    .bind(crate::domain::statuses::MemberStatus::Active.as_str())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
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

/// One pending invitation per email in an account (the practice, or one of its clients).
const ONE_PENDING_PER_EMAIL: Unique = Unique {
    name: "invitations_one_pending_per_email",
    sqlite_columns: None,
};

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
    let mut tx = actor.write().await?;
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
    let already_pending = || {
        AppError::invalid(
            "email",
            format!(
                "{} already has a pending invitation. Resend it from the list instead.",
                email.as_str()
            ),
        )
    };
    if let Some((old_id, expires_at)) = pending {
        if expires_at > now() {
            return Err(already_pending());
        }
        // An expired invitation makes way for the new one (on record, as any revocation).
        sqlx::query(r#"UPDATE invitations SET status = $1 WHERE id = $2"#)
            .bind(InvitationStatus::Revoked.as_str())
            .bind(old_id)
            .execute(&mut *tx)
            .await?;
        tx.record(Event::InvitationRevoked {
            invitation: Target::new(TargetKind::Invitation, old_id, email.as_str()),
        })
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
    .await
    // Two invitations of one email at once (PostgreSQL: both found none pending above):
    // the second is told, as if it had come after.
    .map_err(|e| on_constraint(e, &ONE_PENDING_PER_EMAIL, already_pending))?;
    send_invitation_email(&mut tx, actor, scope, id).await?;
    tx.record(Event::InvitationCreated {
        invitation: Target::new(TargetKind::Invitation, id, email.as_str()),
        after: Invited {
            name: name.as_str().to_owned(),
            role: role.name.clone(),
            status: "invited".to_owned(),
            client: match scope {
                Scope::Client { name: client, .. } => Some(client.to_owned()),
                Scope::Practice => None,
            },
        },
    })
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(())
}

/// Refuses an invitation to someone already in the account, or who may not be there
/// (`policy::invitation_clash`): a member of the practice, one of its clients' own users
/// for the practice; for a client, one of its users or, when the practice's staff sends
/// it, one of the practice's staff (whose access to the client comes from the matrix).
async fn already_in(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    scope: Scope<'_>,
    email: &EmailAddress,
) -> Result<(), AppError> {
    use crate::access::policy::{Clash, invitation_clash};
    let client = match scope {
        Scope::Client { name, .. } => name,
        Scope::Practice => "",
    };
    let email = email.as_str();
    let why = match invitation_clash(conn, actor.practice_id, scope.client_id(), email).await? {
        None => return Ok(()),
        Some(Clash::Member) => format!("{email} is already a member of this practice."),
        // A client's own user is not told who the practice's staff are: the invitation goes
        // as any other, and is refused when accepted (see `accept`).
        Some(Clash::Staff) if !sent_by_staff(conn, actor).await? => return Ok(()),
        Some(Clash::Staff) => {
            format!("{email} cannot be invited here: their access to {client} is given by the practice.")
        }
        Some(Clash::ClientUser) => format!("{email} is already a user of {client}."),
        Some(Clash::ClientUserOf(of)) => format!(
            "{email} is one of {of}'s own users, and a client's own user cannot also be the practice's staff. Remove them from {of}'s users first."
        ),
    };
    Err(AppError::invalid("email", why))
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
    let mut tx = actor.write().await?;
    let email = pending_invitation(actor, &mut tx, scope, id).await?;
    send_invitation_email(&mut tx, actor, scope, id).await?;
    tx.record(Event::InvitationResent {
        invitation: Target::new(TargetKind::Invitation, id, email),
    })
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(())
}

pub async fn revoke(actor: &PracticeActor, scope: Scope<'_>, id: i64) -> Result<(), AppError> {
    let mut tx = actor.write().await?;
    let email = pending_invitation(actor, &mut tx, scope, id).await?;
    sqlx::query(r#"UPDATE invitations SET status = $1 WHERE id = $2"#)
        .bind(InvitationStatus::Revoked.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.record(Event::InvitationRevoked {
        invitation: Target::new(TargetKind::Invitation, id, email),
    })
    .await?;
    tx.commit().await?;
    Ok(())
}
