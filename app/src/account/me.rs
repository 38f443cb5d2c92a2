//! Who is signed in, and where they are acting: what the top bar and every page show
//! (`get_me`, read once per page load and shared as context).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::identity::accounts::Account;
use crate::platform::error::AppError;

/// Who is signed in, and where they are acting: what the top bar shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    /// The account selected in the Accounts switcher.
    pub current: Option<Account>,
    /// Whether the current account lets this user manage its users.
    pub can_manage_users: bool,
    /// The first accounts the user can switch to (the Accounts menu searches for more).
    pub accounts: Vec<Account>,
    /// How many accounts the user has in all.
    pub accounts_total: i64,
    /// What the user's role in the current account permits (labels).
    pub permissions: Vec<String>,
    /// A practice requires two-step sign-in and this login has not set it up: every page
    /// but Two-step sign-in sends them there.
    pub must_set_up_two_step: bool,
    /// Access requests waiting in the current practice, for those who may decide them.
    pub requests_waiting: i64,
    /// Staff of the current practice, which takes access requests.
    pub may_request_access: bool,
}

#[server(endpoint = "get_me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    let state = crate::platform::http::request::app_state()?;
    let Some(s) = crate::identity::session::current(&state).await? else {
        return Ok(None);
    };
    let (accounts, accounts_total) =
        crate::identity::accounts::accounts_for(&state.db, &s, "", crate::identity::accounts::MENU_LIMIT).await?;
    let current = crate::identity::accounts::current_account(&state.db, &s).await?;
    let can_manage_users = match &current {
        Some(a) => ssr::can_manage_users(&state.db, s.user_id, a).await?,
        None => false,
    };
    let permissions = match &current {
        Some(a) => ssr::permission_labels(&state.db, a.role_id).await?,
        None => Vec::new(),
    };
    let in_practice = current
        .as_ref()
        .filter(|a| a.kind == crate::identity::accounts::AccountKind::Practice);
    let (requests_waiting, may_request_access) = match in_practice {
        Some(a) => ssr::requests(&state.db, a.id, s.user_id, can_manage_users).await?,
        None => (0, false),
    };
    Ok(Some(Me {
        requests_waiting,
        may_request_access,
        name: s.name,
        email: s.email,
        current,
        can_manage_users,
        accounts,
        accounts_total,
        permissions,
        must_set_up_two_step: s.must_set_up_two_step,
    }))
}

/// Who is signed in, loaded once per page load and shared with every page.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

pub fn provide_me() -> MeResource {
    let me = MeResource(Resource::new(|| (), |_| get_me()));
    provide_context(me);
    me
}

pub fn use_me() -> MeResource {
    expect_context::<MeResource>()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::access::roles::role_permissions;
    use crate::domain::permissions::Permission;
    use crate::domain::plans::Plan;
    use crate::domain::roles::RoleKind;
    use crate::domain::statuses::MemberStatus;
    use crate::identity::accounts::{Account, AccountKind};
    use crate::platform::db::Db;

    /// The labels of what a role permits, in catalogue order.
    pub async fn permission_labels(db: &Db, role_id: i64) -> Result<Vec<String>, sqlx::Error> {
        let kind: Option<String> = sqlx::query_scalar(r#"SELECT kind FROM roles WHERE id = $1"#)
            .bind(role_id)
            .fetch_optional(db.pool())
            .await?;
        let Some(kind) = kind.as_deref().and_then(RoleKind::parse) else {
            return Ok(Vec::new());
        };
        let mut conn = db.pool().acquire().await?;
        let held = role_permissions(&mut conn, role_id, kind).await?;
        Ok(Permission::ALL
            .iter()
            .filter(|p| held.contains(p))
            .map(|p| p.label().to_owned())
            .collect())
    }

    /// Whether `user_id` may manage the users of `account`. A Practice Edition client has
    /// no user management of its own at all.
    /// In practice `practice_id`: how many access requests wait for `user_id` to decide
    /// (when they may, `deciding`), and whether the practice takes requests.
    pub async fn requests(db: &Db, practice_id: i64, user_id: i64, deciding: bool) -> Result<(i64, bool), sqlx::Error> {
        let (waiting, on): (i64, i64) = sqlx::query_as(
            r#"SELECT (SELECT COUNT(*) FROM access_requests
                       WHERE practice_id = $1 AND status = 'pending' AND user_id <> $2 AND created_at > $3 AND $4 = 1),
                      staff_may_request
               FROM practices WHERE id = $1"#,
        )
        .bind(practice_id)
        .bind(user_id)
        .bind(crate::platform::db::now() - crate::domain::statuses::REQUEST_EXPIRE_DAYS * 24 * 3600)
        .bind(i64::from(deciding))
        .fetch_one(db.pool())
        .await?;
        Ok((waiting, on == 1))
    }

    pub async fn can_manage_users(db: &Db, user_id: i64, account: &Account) -> Result<bool, sqlx::Error> {
        let role: Option<(i64, String)> = match account.kind {
            AccountKind::Practice => {
                sqlx::query_as(
                    r#"SELECT r.id, r.kind FROM practice_members m JOIN roles r ON r.id = m.role_id
                       WHERE m.practice_id = $1 AND m.user_id = $2 AND m.status = $3"#,
                )
                .bind(account.id)
                .bind(user_id)
                .bind(MemberStatus::Active.as_str())
                .fetch_optional(db.pool())
                .await?
            }
            AccountKind::Client => {
                if !account.plan.is_some_and(Plan::has_own_user_management) {
                    return Ok(false);
                }
                sqlx::query_as(
                    r#"SELECT r.id, r.kind FROM current_assignments a JOIN roles r ON r.id = a.role_id
                       WHERE a.client_id = $1 AND a.user_id = $2
                       UNION ALL
                       SELECT r.id, r.kind FROM client_users cu JOIN roles r ON r.id = cu.role_id
                       WHERE cu.client_id = $1 AND cu.user_id = $2 AND cu.status = $3"#,
                )
                .bind(account.id)
                .bind(user_id)
                .bind(MemberStatus::Active.as_str())
                .fetch_optional(db.pool())
                .await?
            }
        };
        let Some((role_id, kind)) = role else { return Ok(false) };
        let Some(kind) = RoleKind::parse(&kind) else {
            return Ok(false);
        };
        let mut conn = db.pool().acquire().await?;
        Ok(role_permissions(&mut conn, role_id, kind)
            .await?
            .contains(&Permission::ManageUsers))
    }
}
