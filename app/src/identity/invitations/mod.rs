//! Invitations into a practice: a single-use, expiring link emailed to the invitee, who
//! sets a password (or signs in with the one they have) to join. Only the token's hash is
//! stored; resending issues a new token, so the old link stops working.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::AcceptInvitationPage;

/// Invitation links expire after this many days.
pub const VALID_DAYS: i64 = 7;

/// Where an invitation stands (`invitations.status`). A pending one past its expiry is
/// shown as expired but stays pending until replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
}

impl InvitationStatus {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InvitationState {
    /// Can be accepted; `has_login` tells whether to ask for the existing password.
    Open {
        has_login: bool,
    },
    Expired,
    /// Accepted, revoked, replaced by a resend, or never existed: all look the same.
    Invalid,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub practice_name: String,
    pub role_name: String,
    pub name: String,
    pub email: String,
    pub state: InvitationState,
}

#[server(endpoint = "invite_user")]
pub async fn invite_user(name: String, email: String, role_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::invite(&actor, &name, &email, role_id).await
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::resend(&actor, invitation_id).await
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::revoke(&actor, invitation_id).await
}

#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    let state = crate::identity::session::app_state()?;
    let invalid = || AppError::NotFound("This invitation link".into());
    let row = ssr::find_by_token(&state.db, &token).await?.ok_or_else(invalid)?;
    let view_state = if row.status != "pending" {
        InvitationState::Invalid
    } else if row.expires_at <= crate::platform::db::now() {
        InvitationState::Expired
    } else {
        let has_login: Option<Option<String>> =
            sqlx::query_scalar(r#"SELECT password_hash FROM users WHERE email = $1"#)
                .bind(&row.email)
                .fetch_optional(state.db.pool())
                .await?;
        InvitationState::Open {
            has_login: matches!(has_login, Some(Some(_))),
        }
    };
    Ok(InvitationView {
        practice_name: row.practice_name,
        role_name: row.role_name,
        name: row.name,
        email: row.email,
        state: view_state,
    })
}

/// Accepts with a new password (no login yet) or the existing login's password.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String, password: String) -> Result<(), AppError> {
    use crate::identity::{password as pw, session, users};
    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::names::{DisplayName, EmailAddress};
    use crate::practice::practices;

    let state = session::app_state()?;
    let gone = || AppError::Conflict("This invitation link is no longer valid. Ask for a new invitation.".into());
    let row = ssr::find_by_token(&state.db, &token).await?.ok_or_else(gone)?;
    if row.status != "pending" {
        return Err(gone());
    }
    if row.expires_at <= crate::platform::db::now() {
        return Err(AppError::Conflict(
            "This invitation has expired. Ask for a new invitation.".into(),
        ));
    }
    let existing: Option<(i64, Option<String>)> =
        sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
            .bind(&row.email)
            .fetch_optional(state.db.pool())
            .await?;
    let new_hash = match &existing {
        Some((_, Some(stored))) => {
            if !pw::verify(password, Some(stored.clone())).await {
                return Err(AppError::invalid("password", "That is not the password of this login."));
            }
            None
        }
        _ => {
            pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;
            Some(pw::hash(password).await)
        }
    };

    let mut tx = state.db.begin_write().await?;
    // Claim the invitation first: of two concurrent accepts, only one changes the row.
    let claimed = sqlx::query(
        r#"UPDATE invitations SET status = 'accepted', accepted_at = $1 WHERE id = $2 AND status = 'pending'"#,
    )
    .bind(crate::platform::db::now())
    .bind(row.id)
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
            users::ssr::create_user(&mut tx, &email, &name, new_hash.as_ref()).await?
        }
    };
    let already: Option<i64> =
        sqlx::query_scalar(r#"SELECT user_id FROM practice_members WHERE practice_id = $1 AND user_id = $2"#)
            .bind(row.practice_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    if already.is_some() {
        return Err(AppError::Conflict("You are already a member of this practice.".into()));
    }
    practices::ssr::add_member(&mut tx, row.practice_id, user_id, row.role_id, false).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            practice_id: Some(row.practice_id),
            actor_user_id: Some(user_id),
            target_type: Some("user"),
            target_id: Some(user_id),
            target_label: Some(&row.email),
            after: Some(serde_json::json!({ "role": row.role_name, "status": "active" })),
            ..AuditEvent::new(crate::platform::audit::AuditAction::InvitationAccepted)
        },
    )
    .await?;
    tx.commit().await?;
    session::start(&state, user_id, Some(row.practice_id)).await?;
    leptos_axum::redirect("/");
    Ok(())
}
