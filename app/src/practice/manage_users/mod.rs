//! Home → Manage users in the partner account: the practice's staff and pending
//! invitations, inviting, resending, revoking, role changes, deactivation and the main user.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{ManageUsersPage, ManageUsersRoute};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Expired,
    Active,
    Deactivated,
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::Expired => "Expired",
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
        }
    }
}

/// One line of the users table: a member (`user_id`) or a pending invitation (`invitation_id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserLine {
    pub user_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub role_id: i64,
    pub role_name: String,
    pub status: UserStatus,
    pub is_main: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsersPage {
    pub practice_name: String,
    pub lines: Vec<UserLine>,
    pub roles: Vec<RoleOption>,
    pub my_user_id: i64,
    pub i_am_main: bool,
}

#[server(endpoint = "list_practice_users")]
pub async fn list_practice_users() -> Result<UsersPage, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::users_page(&actor).await
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: i64, role_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::change_role(&actor, user_id, role_id).await
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(user_id: i64, active: bool) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::set_active(&actor, user_id, active).await
}

#[server(endpoint = "transfer_main_user")]
pub async fn transfer_main_user(user_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::transfer_main(&actor, user_id).await
}
