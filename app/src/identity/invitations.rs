//! Invitations into a practice: a single-use, expiring link emailed to the invitee, who
//! sets a password (or signs in with the one they have) to join. Only the token's hash is
//! stored; resending issues a new token, so the old link stops working.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::frame::forms::{Field, FormError, action_error};
use crate::platform::error::AppError;

/// Invitation links expire after this many days.
pub const VALID_DAYS: i64 = 7;

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
    let gone =
        || AppError::Conflict("This invitation link is no longer valid. Ask for a new invitation.".into()).respond();
    let row = ssr::find_by_token(&state.db, &token).await?.ok_or_else(gone)?;
    if row.status != "pending" {
        return Err(gone());
    }
    if row.expires_at <= crate::platform::db::now() {
        return Err(AppError::Conflict("This invitation has expired. Ask for a new invitation.".into()).respond());
    }
    let existing: Option<(i64, Option<String>)> =
        sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
            .bind(&row.email)
            .fetch_optional(state.db.pool())
            .await?;
    let new_hash = match &existing {
        Some((_, Some(stored))) => {
            if !pw::verify(password, Some(stored.clone())).await {
                return Err(AppError::invalid("password", "That is not the password of this login.").respond());
            }
            None
        }
        _ => {
            pw::check_strength(&password).map_err(|m| AppError::invalid("password", m).respond())?;
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
        return Err(AppError::Conflict("You are already a member of this practice.".into()).respond());
    }
    practices::ssr::add_member(&mut tx, row.practice_id, user_id, row.role_id, false).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            practice_id: Some(row.practice_id),
            actor_user_id: Some(user_id),
            action: "invitation.accepted",
            target_type: Some("user"),
            target_id: Some(user_id),
            target_label: Some(&row.email),
            after: Some(serde_json::json!({ "role": row.role_name, "status": "active" })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    session::start(&state, user_id, Some(row.practice_id)).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = Resource::new(token, get_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = action_error(action);
    view! {
        <Title text="Accept invitation"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading invitation…"</p> }>
                {move || {
                    invitation.get().map(|result| match result {
                        Err(_) | Ok(InvitationView { state: InvitationState::Invalid, .. }) => view! {
                            <h1>"This invitation link is not valid"</h1>
                            <p>"It may have been used already, revoked, or replaced by a newer invitation. Ask your practice's admin to send a new one."</p>
                        }
                        .into_any(),
                        Ok(InvitationView { state: InvitationState::Expired, practice_name, .. }) => view! {
                            <h1>"This invitation has expired"</h1>
                            <p>{format!("Ask an admin of {practice_name} to resend it.")}</p>
                        }
                        .into_any(),
                        Ok(InvitationView { state: InvitationState::Open { has_login }, practice_name, role_name, email, .. }) => view! {
                            <h1>{format!("Join {practice_name}")}</h1>
                            <p>
                                "You have been invited as "<strong>{role_name}</strong>" with the email "
                                <strong>{email}</strong>"."
                            </p>
                            <ActionForm action=action attr:novalidate="true">
                                <FormError error=error/>
                                <input type="hidden" name="token" value=token()/>
                                {if has_login {
                                    view! {
                                        <p>"This email already has a login. Enter its password to accept."</p>
                                        <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                                        <button type="submit">"Sign in and accept"</button>
                                    }
                                    .into_any()
                                } else {
                                    view! {
                                        <Field label="Choose a password" name="password" kind="password" error=error autocomplete="new-password"/>
                                        <p class="hint">"At least 8 characters."</p>
                                        <button type="submit">"Set password and join"</button>
                                    }
                                    .into_any()
                                }}
                            </ActionForm>
                        }
                        .into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::identity::session::{hash_token, new_token};
    use crate::platform::db::{Db, now};
    use crate::platform::email::{OutgoingEmail, enqueue, escape_html};
    use crate::platform::state::AppState;

    #[derive(sqlx::FromRow)]
    pub struct InvitationRow {
        pub id: i64,
        pub practice_id: i64,
        pub practice_name: String,
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
            r#"SELECT i.id, i.practice_id, p.name AS practice_name, i.email, i.name, i.role_id, r.name AS role_name, i.status, i.expires_at
               FROM invitations i JOIN practices p ON p.id = i.practice_id JOIN roles r ON r.id = i.role_id
               WHERE i.token_hash = $1"#,
        )
        .bind(hash_token(token))
        .fetch_optional(db.pool())
        .await
    }

    /// Gives invitation `id` a fresh token and expiry and queues the email with its link.
    pub async fn issue_link(
        conn: &mut AnyConnection,
        state: &AppState,
        id: i64,
        practice_name: &str,
        inviter_name: &str,
    ) -> Result<(), sqlx::Error> {
        let token = new_token();
        let t = now();
        let (email, name, role_name, practice_id): (String, String, String, i64) = sqlx::query_as(
            r#"UPDATE invitations SET token_hash = $1, expires_at = $2, created_at = $3
               WHERE id = $4
               RETURNING email, name, (SELECT r.name FROM roles r WHERE r.id = invitations.role_id), practice_id"#,
        )
        .bind(hash_token(&token))
        .bind(t + super::VALID_DAYS * 86_400)
        .bind(t)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let link = format!("{}/invite/{token}", state.config.app_base_url);
        let subject = format!("{inviter_name} invited you to {practice_name} on Practice Access");
        let text = format!(
            "Hello {name},\n\n{inviter_name} has invited you to join {practice_name} as {role_name}.\n\n\
             Accept the invitation and set your password here:\n{link}\n\n\
             The link works once and expires in {days} days. If you were not expecting this, ignore this email.\n",
            days = super::VALID_DAYS,
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
            days = super::VALID_DAYS,
        );
        enqueue(
            conn,
            OutgoingEmail {
                practice_id: Some(practice_id),
                to: &email,
                subject: &subject,
                text: &text,
                html: &html,
            },
            state.config.smtp_url.is_some(),
        )
        .await?;
        Ok(())
    }
}
