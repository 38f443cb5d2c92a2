//! Partner → Clients → Users: one staff member's access to every client, as a matrix of
//! clients (rows) by N/A and every role (columns). Server functions live here; the page is
//! in `view.rs`, the SQL in `ssr.rs`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::plans::Plan;
use crate::platform::error::AppError;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply};

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::MatrixPage as MatrixPageView;

/// Matrix rows per page: enough to work through quickly, few enough to render at once.
pub const PAGE_SIZE: i64 = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role_name: String,
    pub active: bool,
    /// Clients this person has a role on.
    pub clients: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffTable {
    pub staff: Vec<StaffRow>,
    /// Unarchived clients of the practice.
    pub total_clients: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleColumn {
    pub id: i64,
    /// As shown in the column head: "Employee (predefined)" for the predefined Employee.
    pub name: String,
    pub is_employee: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub client_id: i64,
    pub name: String,
    pub plan: Plan,
    /// `None`: N/A.
    pub role_id: Option<i64>,
    /// When this access ends (Unix seconds, the midnight UTC after its last day); `None`:
    /// no end date.
    pub ends_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub staff_name: String,
    pub columns: Vec<RoleColumn>,
    pub rows: Vec<MatrixRow>,
    /// Clients matching the filter, and all unarchived clients.
    pub matching: i64,
    pub total: i64,
    /// The newest change to this person's access: polled to show other admins' changes.
    pub version: i64,
    /// What a plain form post (without JavaScript) that returned here did ("Changed 10
    /// clients."), shown once.
    #[serde(default)]
    pub notice: Option<String>,
    /// Why the viewer may not change this person's access (an Admin's, for anyone but an
    /// Admin), when they may not: the matrix is shown, not offered.
    #[serde(default)]
    pub read_only: Option<String>,
}

/// Which clients a bulk action covers: all of them, or those the filter shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub search: String,
    pub plan: String,
    /// `with`: only clients the staff member has access to; `without`: only those they
    /// have none on; empty: all ([`AccessFilter`]).
    #[serde(default)]
    pub access: String,
}

impl Scope {
    pub fn is_filtered(&self) -> bool {
        !self.search.trim().is_empty() || !self.plan.is_empty() || !self.access.is_empty()
    }
}

/// The matrix's "Filter by access": all clients, or only those the staff member has (or
/// has no) access to, so a person's 50 clients among 10,000 are one choice away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFilter {
    All,
    With,
    Without,
}

impl AccessFilter {
    pub const ALL: [Self; 3] = [Self::All, Self::With, Self::Without];

    /// The address's and the API's value (`access=with`); anything else is refused.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text {
            "" => Ok(Self::All),
            "with" => Ok(Self::With),
            "without" => Ok(Self::Without),
            _ => Err(AppError::invalid(
                "access",
                "Choose all clients, those with access (with) or those without (without).",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "",
            Self::With => "with",
            Self::Without => "without",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All clients",
            Self::With => "With access",
            Self::Without => "Without access",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPreview {
    /// Clients whose state would change.
    pub changes: i64,
    /// Of those, clients that already had a role which would be replaced or removed.
    pub overwrites: i64,
    /// Clients in scope.
    pub in_scope: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkResult {
    pub batch_id: i64,
    pub changed: i64,
}

#[server(endpoint = "list_staff")]
pub async fn list_staff() -> Result<StaffTable, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::staff_table(&actor).await
}

#[server(endpoint = "get_matrix")]
pub async fn get_matrix(
    user_id: i64,
    search: String,
    plan: String,
    page: i64,
    #[server(default)] access: String,
) -> Result<Matrix, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let mut matrix = ssr::matrix(&actor, user_id, &Scope { search, plan, access }, page).await?;
    matrix.notice = crate::platform::form_return::take_notice();
    Ok(matrix)
}

/// Grants `role_id` on one client (replacing any other role), or removes access (`None`).
#[server(endpoint = "set_client_role")]
pub async fn set_client_role(user_id: i64, client_id: i64, role_id: Option<i64>) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::set_one(&actor, user_id, client_id, role_id).await
}

/// Sets the day one staff member's access to one client ends (`YYYY-MM-DD`; it lasts
/// through that day, UTC), or clears it (empty). Answers the new end.
#[server(endpoint = "set_access_end")]
pub async fn set_access_end(
    user_id: i64,
    client_id: i64,
    #[server(default)] ends_on: String,
) -> Result<Option<i64>, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    // The row's end date was opened by address (`?ends=`): back to the page, closed.
    reply(ssr::set_end(&actor, user_id, client_id, &ends_on).await, |ends| {
        Notice::say(match ends {
            Some(e) => format!("Access ends after {}.", crate::platform::dates::last_day(*e)),
            None => "The end date is removed.".to_owned(),
        })
        .closing(&["ends"])
    })
}

#[server(endpoint = "preview_bulk")]
pub async fn preview_bulk(
    user_id: i64,
    role_id: Option<i64>,
    search: String,
    plan: String,
    #[server(default)] access: String,
) -> Result<BulkPreview, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::preview(&actor, user_id, role_id, &Scope { search, plan, access }).await
}

/// Moves every client in scope to `role_id` (`None`: removes access), in one transaction;
/// `ends_on` (optional, `YYYY-MM-DD`) ends the access it gives after that day. The scope is
/// the search, the plan and `access` (optional: `with`, `without`) the matrix shows.
#[server(endpoint = "apply_bulk")]
pub async fn apply_bulk(
    user_id: i64,
    role_id: Option<i64>,
    search: String,
    plan: String,
    #[server(default)] ends_on: String,
    #[server(default)] access: String,
) -> Result<BulkResult, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let result = ssr::apply(&actor, user_id, role_id, &Scope { search, plan, access }, &ends_on).await;
    // Without JavaScript the bulk action was confirmed on the page (`?bulk=`): back to it,
    // the confirmation gone, saying what changed.
    reply(result, |done| {
        Notice::say(with_undo(&bulk_done(done.changed), done.batch_id)).closing(&["bulk"])
    })
}

/// Marks where a notice's Undo batch starts (`with_undo`).
const UNDO_MARK: char = '\u{1}';

/// A notice for the matrix page that offers Undo of `batch` (none for 0: nothing changed).
#[cfg(feature = "ssr")]
fn with_undo(notice: &str, batch: i64) -> String {
    if batch > 0 {
        format!("{notice}{UNDO_MARK}{batch}")
    } else {
        notice.to_owned()
    }
}

/// A notice's text and the batch its Undo would restore ([`with_undo`]).
pub fn split_notice(notice: &str) -> (String, Option<i64>) {
    match notice.split_once(UNDO_MARK) {
        Some((text, batch)) => (text.to_owned(), batch.parse().ok()),
        None => (notice.to_owned(), None),
    }
}

/// What the page says once a bulk action went through.
pub fn bulk_done(changed: i64) -> String {
    format!("Changed {}.", crate::platform::words::clients(changed))
}

/// How a copy treats the target's access: add the source's where the target has none, or
/// make the target's access exactly the source's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CopyMode {
    Add,
    Replace,
}

impl CopyMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "add" => Some(Self::Add),
            "replace" => Some(Self::Replace),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
        }
    }

    /// The choice as the page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Add => "Add to current access",
            Self::Replace => "Replace current access",
        }
    }
}

/// What copying `from_user_id`'s access to `user_id` would change (`mode`: add, replace).
#[server(endpoint = "preview_copy")]
pub async fn preview_copy(user_id: i64, from_user_id: i64, mode: String) -> Result<BulkPreview, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::copy(&actor, user_id, from_user_id, &mode, None, false)
        .await
        .map(|(p, _)| p)
}

/// Copies `from_user_id`'s client access to `user_id` in one set-based transaction, with an
/// optional end date (`YYYY-MM-DD`) on what it gives; undone like a bulk action.
#[server(endpoint = "apply_copy")]
pub async fn apply_copy(
    user_id: i64,
    from_user_id: i64,
    mode: String,
    #[server(default)] ends_on: String,
) -> Result<BulkResult, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let (preview, batch) = ssr::copy(&actor, user_id, from_user_id, &mode, Some(&ends_on), true).await?;
    let result = BulkResult {
        batch_id: batch.unwrap_or(0),
        changed: preview.changes,
    };
    // The copy was confirmed on the page (`?copy=open&…&preview=1`): back to it, closed.
    reply(Ok(result), |done| {
        Notice::say(with_undo(
            &format!("Copied: changed {}.", crate::platform::words::clients(done.changed)),
            done.batch_id,
        ))
        .closing(&["copy", "from", "mode", "copy_ends", "preview"])
    })
}

#[server(endpoint = "undo_bulk")]
pub async fn undo_bulk(batch_id: i64) -> Result<i64, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::undo(&actor, batch_id).await, |restored| {
        Notice::say(format!(
            "Undone: {} clients are back as they were.",
            crate::platform::words::thousands(*restored)
        ))
    })
}

#[server(endpoint = "matrix_version")]
pub async fn matrix_version(user_id: i64) -> Result<i64, AppError> {
    // Polled every few seconds by an open matrix: not a sign that anyone is there.
    let actor = crate::access::guard::require_practice_for(
        Some(crate::domain::permissions::Permission::ManageUsers),
        crate::identity::session::Activity::Background,
    )
    .await?;
    ssr::version(&actor, user_id).await
}
