//! Accepting an invitation: a new login's password set, or an existing login's checked,
//! and the membership (of the practice, or of one client) added.

use super::*;
use crate::access::write::{By, Write};
use crate::domain::audit::payload::Joined;
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::statuses::{InvitationStatus, MemberStatus};
use crate::identity::{password as pw, throttle, users};
use crate::platform::db::now;
use crate::platform::names::{DisplayName, EmailAddress};
use crate::platform::state::AppState;

/// Accepts the invitation behind `token`: sets the password of a new login, or checks the
/// existing login's. Returns the user and the account they joined, as (practice, client)
/// for [`crate::identity::session::start`]: a practice, or one client of it.
pub async fn accept(
    state: &AppState,
    token: &str,
    password: String,
    code: Option<&str>,
) -> Result<(i64, JoinedAccount), AppError> {
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
    // An existing login with two-step sign-in gives its code before anything is committed:
    // its password alone joins nothing.
    if let Some((id, Some(_))) = &existing {
        // What would refuse the accept is asked first (and again below, where it counts):
        // a recovery code is used up by the step, and must not be spent on a refusal.
        let mut conn = state.db.pool().acquire().await?;
        refuse_if_clash(&mut conn, &row).await?;
        drop(conn);
        crate::account::two_step::ssr::second_step(state, *id, code).await?;
    }

    let mut tx = Write::begin(&state.db, By::default()).await?;
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
    // Who may be what, again: what was true when it was sent may not be now.
    refuse_if_clash(&mut tx, &row).await?;
    let joined = match row.client_id {
        None => {
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
    let by = By {
        practice_id: Some(row.practice_id),
        actor_user_id: Some(user_id),
    };
    let kind = if row.client_id.is_some() {
        TargetKind::ClientUser
    } else {
        TargetKind::User
    };
    tx.record_by(
        by,
        Event::InvitationAccepted {
            user: Target::new(kind, user_id, &row.email),
            after: Joined {
                role: row.role_name.clone(),
                status: "active".to_owned(),
                client: row.client_id.map(|_| row.account_name.clone()),
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, joined))
}

/// Refuses an accept that may not happen now: the invitee is already what it would make
/// them, or could not be both (see `policy::invitation_clash`), or whoever invited them can
/// no longer give access.
async fn refuse_if_clash(conn: &mut sqlx::AnyConnection, row: &InvitationRow) -> Result<(), AppError> {
    use crate::access::policy::{Clash, invitation_clash};
    let account = &row.account_name;
    let why = match invitation_clash(&mut *conn, row.practice_id, row.client_id, &row.email).await? {
        None => None,
        Some(Clash::Member) => Some("You are already a member of this practice.".to_owned()),
        Some(Clash::Staff) => Some(format!(
            "You are on the practice's staff, so your access to {account} is given by the practice, not by this invitation."
        )),
        Some(Clash::ClientUser) => Some(format!("You are already a user of {account}.")),
        Some(Clash::ClientUserOf(of)) => Some(format!(
            "You are one of {of}'s own users, and a client's own user cannot also join the practice's staff. Ask {of} to remove your login there first."
        )),
    };
    if let Some(why) = why {
        return Err(AppError::Conflict(why));
    }
    // And the inviter may still give access: an invitation from someone deactivated or
    // gone since is no longer theirs to give (offboarding revokes theirs; this is for
    // every other way of leaving).
    let still_there: i64 = match row.invited_by {
        None => 0,
        Some(inviter) => sqlx::query_scalar(
            r#"SELECT (SELECT COUNT(*) FROM practice_members WHERE practice_id = $1 AND user_id = $2 AND status = $4)
                        + (SELECT COUNT(*) FROM client_users WHERE client_id = $3 AND user_id = $2 AND status = $4)"#,
        )
        .bind(row.practice_id)
        .bind(inviter)
        .bind(row.client_id.unwrap_or(0))
        .bind(MemberStatus::Active.as_str())
        .fetch_one(&mut *conn)
        .await?,
    };
    if still_there == 0 {
        return Err(AppError::Conflict(format!(
            "The person who invited you can no longer give access to {account}. Ask its admin for a new invitation."
        )));
    }
    Ok(())
}
