//! A client account's own Manage users (Home → Manage users while acting in a client).
//! Clients on Small, Medium and Large keep one: the business invites its own people, sets
//! their roles and deactivates them. Practice staff who reach the client through the
//! Partner matrix are listed too, but only the practice changes them. On Practice Edition
//! the page does not exist and every function here refuses: the practice manages access
//! in Partner › Clients › Users.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::statuses::UserStatus;
use crate::platform::error::AppError;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply, reply_keeping};
use crate::practice::manage_users::RoleOption;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::ClientUsersPage;

/// One line of the client's users: a client user (`user_id`), a pending invitation
/// (`invitation_id`), or practice staff with a role here (`practice_staff`, read-only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientUserLine {
    pub user_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub role_id: i64,
    pub role_name: String,
    pub status: UserStatus,
    pub practice_staff: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientUsers {
    pub client_name: String,
    /// The practice that keeps the client's books (and manages its staff's access).
    pub practice_name: String,
    /// The client's own users and pending invitations, then practice staff.
    pub lines: Vec<ClientUserLine>,
    /// The roles that can be given here (the practice's roles, reused on its clients).
    pub roles: Vec<RoleOption>,
    pub my_user_id: i64,
    /// What a plain form post (without JavaScript) that returned here did, shown once.
    #[serde(default)]
    pub notice: Option<String>,
}

#[server(endpoint = "list_client_users")]
pub async fn list_client_users() -> Result<ClientUsers, AppError> {
    let actor = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    let mut users = ssr::list(&actor).await?;
    users.notice = crate::platform::form_return::take_notice();
    Ok(users)
}

/// Invites someone into the client's own users with one of the roles offered.
#[server(endpoint = "invite_client_user")]
pub async fn invite_client_user(name: String, email: String, role_id: i64) -> Result<(), AppError> {
    let c = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    let invited = crate::practice::invitations::ssr::invite(&c.actor, ssr::scope(&c), &name, &email, role_id).await;
    reply_keeping(
        crate::practice::invitations::KEPT,
        &[&name, &email, &role_id.to_string()],
        invited,
        |_| Notice::say(crate::practice::invitations::INVITATION_SENT).closing(&["open"]),
    )
}

#[server(endpoint = "resend_client_invitation")]
pub async fn resend_client_invitation(invitation_id: i64) -> Result<(), AppError> {
    let c = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    let resent = crate::practice::invitations::ssr::resend(&c.actor, ssr::scope(&c), invitation_id).await;
    reply(resent, |_| {
        Notice::say(crate::practice::invitations::INVITATION_SENT_AGAIN)
    })
}

#[server(endpoint = "revoke_client_invitation")]
pub async fn revoke_client_invitation(invitation_id: i64) -> Result<(), AppError> {
    let c = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    crate::practice::invitations::ssr::revoke(&c.actor, ssr::scope(&c), invitation_id).await
}

#[server(endpoint = "change_client_user_role")]
pub async fn change_client_user_role(user_id: i64, role_id: i64) -> Result<(), AppError> {
    let c = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    ssr::change_role(&c, user_id, role_id).await
}

#[server(endpoint = "set_client_user_active")]
pub async fn set_client_user_active(user_id: i64, active: bool) -> Result<(), AppError> {
    let c = crate::access::guard::require_client(crate::domain::permissions::Permission::ManageUsers).await?;
    ssr::set_active(&c, user_id, active).await
}
