//! Roles: the predefined Admin, Employee and User, and a practice's custom roles with
//! their permission sets (Manage users → View roles).

use std::collections::BTreeSet;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::permissions::{CATALOGUE, toggle};
use crate::domain::roles::RoleKind;
use crate::platform::error::AppError;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply};

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::RolesPage;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleDetail {
    pub id: i64,
    pub kind: RoleKind,
    pub name: String,
    pub permissions: Vec<String>,
    /// Staff with this role in the practice, client assignments with it, pending invitations.
    pub members: i64,
    pub assignments: i64,
    pub invitations: i64,
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleDetail>, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::list(&actor).await
}

/// Creates (`role_id` = None) or updates a custom role.
#[server(endpoint = "save_role", input = leptos::server_fn::codec::Json)]
pub async fn save_role(role_id: Option<i64>, name: String, permissions: Vec<String>) -> Result<i64, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::save(&actor, role_id, &name, &permissions).await
}

/// [`save_role`] for a plain HTML form (the role editor without JavaScript): the
/// permissions come as the editor's ticked boxes (`permissions[3]=clients.view`, one field
/// each, none when none is ticked; a permission brings what it needs, as ticking it does
/// with JavaScript). Returns to the roles page, its editor closed.
#[server(endpoint = "save_role_form")]
pub async fn save_role_form(
    #[server(default)] role_id: Option<i64>,
    name: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<i64, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    // As in the editor with JavaScript, a ticked permission brings what it needs.
    let mut chosen = BTreeSet::new();
    for key in &permissions {
        toggle(&mut chosen, key, true);
    }
    let permissions: Vec<String> = chosen.into_iter().collect();
    reply(ssr::save(&actor, role_id, &name, &permissions).await, |_| {
        Notice::quiet().closing(&["role"])
    })
}

/// Deletes a custom role. While it is still in use, `move_to` must name the role that
/// takes over its users, client assignments and invitations.
#[server(endpoint = "delete_role")]
pub async fn delete_role(role_id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::delete(&actor, role_id, move_to).await, |_| {
        Notice::quiet().closing(&["delete"])
    })
}

/// How a role is named in lists: the predefined Employee is "Employee (predefined)".
pub fn display_role_name(kind: &str, name: &str) -> String {
    if kind == RoleKind::Employee.as_str() {
        format!("{name} (predefined)")
    } else {
        name.to_owned()
    }
}
