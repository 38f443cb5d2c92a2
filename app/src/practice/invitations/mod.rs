//! Invitations into a practice: a single-use, expiring link emailed to the invitee, who
//! sets a password (or signs in with the one they have) to join. Only the token's hash is
//! stored; resending issues a new token, so the old link stops working.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;
use crate::platform::form_return::KeptForm;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply, reply_keeping};

/// After a refused invitation without JavaScript, its name, email and role come back (on
/// the practice's Manage users and a client's).
pub const KEPT: KeptForm = KeptForm::new("pa_invite_fields");

/// What the page says after inviting and resending (with JavaScript from the action's
/// answer, without it from the page's notice).
pub const INVITATION_SENT: &str = "Invitation sent.";
pub const INVITATION_SENT_AGAIN: &str = "Invitation sent again with a new link; the old link no longer works.";

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::AcceptInvitationPage;

/// Invitation links expire after this many days.
pub const VALID_DAYS: i64 = 7;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InvitationState {
    /// Can be accepted. Whether the email already has a login is not said: holding the
    /// link proves nothing about the login's owner. The form asks for "the password":
    /// a new one, or the existing login's (checked through the sign-in throttle).
    Open,
    Expired,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub practice_name: String,
    /// The business the invitee joins: the practice, or one of its clients.
    pub account_name: String,
    pub role_name: String,
    pub name: String,
    pub email: String,
    pub state: InvitationState,
}

#[server(endpoint = "invite_user")]
pub async fn invite_user(name: String, email: String, role_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let invited = ssr::invite(&actor, ssr::Scope::Practice, &name, &email, role_id).await;
    reply_keeping(KEPT, &[&name, &email, &role_id.to_string()], invited, |_| {
        Notice::say(INVITATION_SENT).closing(&["open"])
    })
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::resend(&actor, ssr::Scope::Practice, invitation_id).await, |_| {
        Notice::say(INVITATION_SENT_AGAIN)
    })
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::revoke(&actor, ssr::Scope::Practice, invitation_id).await
}

#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::view_by_token(&state.db, &token).await
}

/// Accepts with a new password (no login yet) or the existing login's password (and, when
/// it has two-step sign-in, its `code`, checked before anything is committed); signs in.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    password: String,
    #[server(default)] code: Option<String>,
) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let (user_id, joined) = ssr::accept(&state, &token, password, code.as_deref()).await?;
    // Every step of signing in is done: the session starts here.
    crate::identity::session::start(&state, user_id, joined).await?;
    leptos_axum::redirect("/");
    Ok(())
}
