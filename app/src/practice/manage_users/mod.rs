//! Home → Manage users in the partner account: the practice's staff and pending
//! invitations, inviting, resending, revoking, role changes, deactivation and the main user.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::statuses::UserStatus;
use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{InviteFields, ManageUsersPage};

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
    /// Two-step sign-in is on for this member's login.
    pub two_step: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: i64,
    pub name: String,
}

/// Users per page of the table.
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsersPage {
    pub practice_name: String,
    /// One page of the lines that match the search and filters.
    pub lines: Vec<UserLine>,
    /// Lines matching the search and filters, and all lines (members and pending invitations).
    pub matching: i64,
    pub total: i64,
    pub roles: Vec<RoleOption>,
    pub my_user_id: i64,
    pub i_am_main: bool,
    /// The practice setting "Require two-step sign-in for all staff".
    pub two_step_required: bool,
    /// The practice setting "Notify staff when their client access changes".
    pub access_emails: bool,
    /// The practice setting "Staff may request access".
    pub staff_may_request: bool,
    /// What a plain form post (without JavaScript) that returned here did ("Invitation
    /// sent."), shown once; the WASM shows its actions' answers itself.
    #[serde(default)]
    pub notice: Option<String>,
}

/// What the page says after resetting someone's two-step sign-in (with JavaScript from the
/// action's answer, without it from [`UsersPage::notice`]).
pub const TWO_STEP_RESET: &str = "A link to reset their two-step sign-in was emailed to them: once they open it, they sign in with their password and set it up again.";

/// One page of the practice's users: `search` matches name or email, `role` is a role id
/// (empty: any), `status` one of active, invited, expired, deactivated (empty: any).
#[server(endpoint = "list_practice_users")]
pub async fn list_practice_users(
    #[server(default)] search: String,
    #[server(default)] role: String,
    #[server(default)] status: String,
    #[server(default)] page: i64,
) -> Result<UsersPage, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let mut page = ssr::users_page(&actor, &search, &role, &status, page).await?;
    page.notice = crate::platform::form_return::take_notice();
    Ok(page)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: i64, role_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::change_role(&actor, user_id, role_id).await
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(user_id: i64, active: bool) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::set_active(&actor, user_id, active).await
}

#[server(endpoint = "transfer_main_user")]
pub async fn transfer_main_user(user_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::transfer_main(&actor, user_id).await
}

/// Clears a member's two-step sign-in (a lost phone): they sign in with their password
/// and set it up again. Ends their sessions.
#[server(endpoint = "reset_two_step")]
pub async fn reset_two_step(user_id: i64) -> Result<(), AppError> {
    use crate::platform::form_return::{Notice, reply};
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::reset_two_step(&actor, user_id).await, |_| {
        Notice::say(TWO_STEP_RESET)
    })
}
