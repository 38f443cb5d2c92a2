//! The Accounts switcher: every business the signed-in user belongs to (their practice and
//! each client they were given a role on), and which one they are acting in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::partner::plans::Plan;
use crate::platform::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountKind {
    Practice,
    Client,
}

impl AccountKind {
    /// The name used in requests and in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::Client => "client",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "practice" => Some(Self::Practice),
            "client" => Some(Self::Client),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub kind: AccountKind,
    pub id: i64,
    pub name: String,
    /// Clients only.
    pub plan: Option<Plan>,
    /// The user's role there.
    pub role_id: i64,
    pub role_name: String,
    pub current: bool,
}

/// Accounts whose name contains `search` (at most `ssr::MENU_LIMIT`), for the menu's search.
#[server(endpoint = "list_accounts")]
pub async fn list_accounts(search: String) -> Result<Vec<Account>, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    Ok(ssr::accounts_for(&state.db, &session, &search, ssr::MENU_LIMIT)
        .await?
        .0)
}

/// One client the signed-in user can open, on "My access".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyClientAccess {
    pub client_id: i64,
    pub client: String,
    pub plan: Option<Plan>,
    pub role_name: String,
    /// Unix seconds; `None`: no end date.
    pub ends_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyAccess {
    pub rows: Vec<MyClientAccess>,
    pub matching: i64,
    pub total: i64,
    /// The person's own choice: email me when my client access changes.
    pub access_emails: bool,
    /// Staff of a practice (only they are told about changes to their access).
    pub is_staff: bool,
}

/// Clients per page of "My access".
pub const MY_ACCESS_PAGE: i64 = 100;

/// "My access": every client the signed-in user can open, with the role there, whose name
/// contains `search`, a page at a time.
#[server(endpoint = "list_my_access")]
pub async fn list_my_access(
    #[server(default)] search: String,
    #[server(default)] page: i64,
) -> Result<MyAccess, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    ssr::my_access(&state.db, &session, &search, page).await
}

/// "Email me when my client access changes" (My access): the signed-in person's own
/// choice for themselves; a practice that turned these emails off sends none either way.
#[server(endpoint = "set_my_access_emails")]
pub async fn set_my_access_emails(#[server(default)] enabled: bool) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    ssr::set_own_access_emails(&state.db, &session, enabled).await
}

/// Makes `id` of `kind` the account the user acts in, if they belong to it.
#[server(endpoint = "switch_account")]
pub async fn switch_account(kind: String, id: i64) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    let kind = AccountKind::parse(&kind).ok_or_else(|| AppError::invalid("kind", "Unknown account kind."))?;
    ssr::switch(&state.db, &session, kind, id).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::identity::session::{Session, role_permissions};
    use crate::platform::db::Db;
    use crate::practice::permissions::{MANAGE_USERS, RoleKind};
    use crate::practice::practices::MemberStatus;
    use crate::practice::roles::display_role_name;

    #[derive(sqlx::FromRow)]
    struct AccountRow {
        kind: String,
        id: i64,
        name: String,
        plan: Option<String>,
        role_id: i64,
        role_kind: String,
        role_name: String,
    }

    /// Every business user `$1` can act in, as rows of (kind, id, name, plan, role_id,
    /// role_kind, role_name). A client needs an unarchived client and, through the Partner
    /// module, an active membership of its practice.
    fn accounts() -> String {
        format!(
            r#"(
        SELECT 'practice' AS kind, p.id, p.name, CAST(NULL AS TEXT) AS plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name
        FROM practice_members m
        JOIN practices p ON p.id = m.practice_id
        JOIN roles r ON r.id = m.role_id
        WHERE m.user_id = $1 AND m.status = '{active}'
        UNION ALL
        SELECT 'client' AS kind, c.id, c.name, c.plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name
        FROM current_assignments a
        JOIN practice_members m ON m.practice_id = a.practice_id AND m.user_id = a.user_id AND m.status = '{active}'
        JOIN clients c ON c.id = a.client_id AND c.archived = 0
        JOIN roles r ON r.id = a.role_id
        WHERE a.user_id = $1
        UNION ALL
        SELECT 'client' AS kind, c.id, c.name, c.plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name
        FROM client_users cu
        JOIN clients c ON c.id = cu.client_id AND c.archived = 0
        JOIN roles r ON r.id = cu.role_id
        WHERE cu.user_id = $1 AND cu.status = '{active}'
          AND NOT EXISTS (SELECT 1 FROM current_assignments a2 WHERE a2.user_id = $1 AND a2.client_id = c.id)
    ) acc"#,
            active = MemberStatus::Active.as_str()
        )
    }

    const COLUMNS: &str = "acc.kind, acc.id, acc.name, acc.plan, acc.role_id, acc.role_kind, acc.role_name";
    const ORDER: &str = "ORDER BY CASE acc.kind WHEN 'practice' THEN 0 ELSE 1 END, LOWER(acc.name), acc.id";

    /// The Accounts menu lists at most this many at once and searches for the rest, so a
    /// person with access to thousands of clients does not download them on every page.
    pub const MENU_LIMIT: i64 = 30;

    fn to_account(r: AccountRow) -> Account {
        Account {
            kind: AccountKind::parse(&r.kind).unwrap_or(AccountKind::Client),
            id: r.id,
            name: r.name,
            plan: r.plan.as_deref().and_then(Plan::parse),
            role_id: r.role_id,
            role_name: display_role_name(&r.role_kind, &r.role_name),
            current: false,
        }
    }

    /// The account of `kind` and `id`, if the user can act in it now.
    pub async fn find_account(
        db: &Db,
        user_id: i64,
        kind: AccountKind,
        id: i64,
    ) -> Result<Option<Account>, sqlx::Error> {
        let row: Option<AccountRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM {} WHERE acc.kind = $2 AND acc.id = $3",
            accounts()
        ))
        .bind(user_id)
        .bind(kind.as_str())
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
        Ok(row.map(to_account))
    }

    /// The account the session acts in: the chosen client while access lasts, else the
    /// chosen practice, else the first account the user has.
    pub async fn current_account(db: &Db, session: &Session) -> Result<Option<Account>, sqlx::Error> {
        let mut found = None;
        if let Some(client) = session.current_client_id {
            found = find_account(db, session.user_id, AccountKind::Client, client).await?;
        }
        if found.is_none()
            && let Some(practice) = session.current_practice_id
        {
            found = find_account(db, session.user_id, AccountKind::Practice, practice).await?;
        }
        if found.is_none() {
            let row: Option<AccountRow> =
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM {} {ORDER} LIMIT 1", accounts()))
                    .bind(session.user_id)
                    .fetch_optional(db.pool())
                    .await?;
            found = row.map(to_account);
        }
        Ok(found.map(|a| Account { current: true, ..a }))
    }

    /// Up to `limit` accounts whose name contains `search`, practices first, then clients by
    /// name, with the current one marked; and how many accounts the user has in all.
    pub async fn accounts_for(
        db: &Db,
        session: &Session,
        search: &str,
        limit: i64,
    ) -> Result<(Vec<Account>, i64), sqlx::Error> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            r#"SELECT {COLUMNS} FROM {} WHERE LOWER(acc.name) LIKE $2 ESCAPE '\' {ORDER} LIMIT $3"#,
            accounts()
        ))
        .bind(session.user_id)
        .bind(crate::platform::db::like_pattern(search))
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", accounts()))
            .bind(session.user_id)
            .fetch_one(db.pool())
            .await?;
        let current = current_account(db, session).await?;
        let accounts = rows
            .into_iter()
            .map(to_account)
            .map(|a| {
                let is_current = current.as_ref().is_some_and(|c| c.kind == a.kind && c.id == a.id);
                Account {
                    current: is_current,
                    ..a
                }
            })
            .collect();
        Ok((accounts, total))
    }

    pub async fn my_access(db: &Db, session: &Session, search: &str, page: i64) -> Result<MyAccess, AppError> {
        let pattern = crate::platform::db::like_pattern(search);
        let (total, matching): (i64, i64) = sqlx::query_as(&format!(
            r#"SELECT COUNT(*), COALESCE(SUM(CASE WHEN LOWER(acc.name) LIKE $2 ESCAPE '\' THEN 1 ELSE 0 END), 0)
               FROM {} WHERE acc.kind = 'client'"#,
            accounts()
        ))
        .bind(session.user_id)
        .bind(&pattern)
        .fetch_one(db.pool())
        .await?;
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            r#"SELECT {COLUMNS} FROM {} WHERE acc.kind = 'client' AND LOWER(acc.name) LIKE $2 ESCAPE '\' {ORDER} LIMIT $3 OFFSET $4"#,
            accounts()
        ))
        .bind(session.user_id)
        .bind(&pattern)
        .bind(MY_ACCESS_PAGE)
        .bind(crate::platform::db::page_offset(page, MY_ACCESS_PAGE))
        .fetch_all(db.pool())
        .await?;
        // End dates belong to grants through the practice's matrix.
        let ends: std::collections::HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
            r#"SELECT client_id, ends_at FROM current_assignments WHERE user_id = $1 AND ends_at IS NOT NULL"#,
        )
        .bind(session.user_id)
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .collect();
        let (access_emails, staff_of): (i64, i64) = sqlx::query_as(
            r#"SELECT u.access_emails,
                      (SELECT COUNT(*) FROM practice_members m WHERE m.user_id = u.id AND m.status = 'active')
               FROM users u WHERE u.id = $1"#,
        )
        .bind(session.user_id)
        .fetch_one(db.pool())
        .await?;
        Ok(MyAccess {
            is_staff: staff_of > 0,
            access_emails: access_emails == 1,
            rows: rows
                .into_iter()
                .map(to_account)
                .map(|a| MyClientAccess {
                    ends_at: ends.get(&a.id).copied(),
                    client_id: a.id,
                    client: a.name,
                    plan: a.plan,
                    role_name: a.role_name,
                })
                .collect(),
            matching,
            total,
        })
    }

    /// [`set_my_access_emails`]: a change is on record in the audit log of every practice
    /// the person is staff of (where someone may wonder why they were not told).
    pub async fn set_own_access_emails(db: &Db, session: &Session, enabled: bool) -> Result<(), AppError> {
        use crate::platform::audit::{self, AuditAction, AuditEvent};
        let mut tx = db.begin_write().await?;
        let was: i64 = sqlx::query_scalar(r#"SELECT access_emails FROM users WHERE id = $1"#)
            .bind(session.user_id)
            .fetch_one(&mut *tx)
            .await?;
        if (was == 1) == enabled {
            return Ok(());
        }
        sqlx::query(r#"UPDATE users SET access_emails = $1 WHERE id = $2"#)
            .bind(i64::from(enabled))
            .bind(session.user_id)
            .execute(&mut *tx)
            .await?;
        let practices: Vec<i64> =
            sqlx::query_scalar(r#"SELECT practice_id FROM practice_members WHERE user_id = $1 AND status = 'active'"#)
                .bind(session.user_id)
                .fetch_all(&mut *tx)
                .await?;
        for practice_id in practices {
            audit::record(
                &mut tx,
                AuditEvent {
                    practice_id: Some(practice_id),
                    actor_user_id: Some(session.user_id),
                    target_type: Some("user"),
                    target_id: Some(session.user_id),
                    target_label: Some(&session.email),
                    before: Some(serde_json::json!({ "access_emails": !enabled })),
                    after: Some(serde_json::json!({ "access_emails": enabled })),
                    ..AuditEvent::new(AuditAction::OwnAccessEmailsChanged)
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

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
        let keys = role_permissions(&mut conn, role_id, kind).await?;
        Ok(crate::practice::permissions::all()
            .filter(|p| keys.iter().any(|k| k == p.key))
            .map(|p| p.label.to_owned())
            .collect())
    }

    /// Makes the account of `kind` and `id` the one the session acts in, if the user can.
    pub async fn switch(db: &Db, session: &Session, kind: AccountKind, id: i64) -> Result<(), AppError> {
        let Some(target) = find_account(db, session.user_id, kind, id).await? else {
            return Err(AppError::NotFound("That account".into()));
        };
        let (practice, client) = match target.kind {
            AccountKind::Practice => (Some(target.id), None),
            // Acting in a client reached through a practice acts in that practice too, so
            // the Partner pages never work in a practice other than the client's.
            AccountKind::Client => {
                let owner: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT c.practice_id FROM clients c JOIN practice_members m ON m.practice_id = c.practice_id
                     WHERE c.id = $1 AND m.user_id = $2 AND m.status = '{}'",
                    MemberStatus::Active.as_str()
                ))
                .bind(target.id)
                .bind(session.user_id)
                .fetch_optional(db.pool())
                .await?;
                (owner.or(session.current_practice_id), Some(target.id))
            }
        };
        let mut tx = db.begin_write().await?;
        sqlx::query(r#"UPDATE sessions SET current_practice_id = $1, current_client_id = $2 WHERE token_hash = $3"#)
            .bind(practice)
            .bind(client)
            .bind(&session.token_hash)
            .execute(&mut *tx)
            .await?;
        // The next session starts here too.
        sqlx::query(r#"UPDATE users SET last_practice_id = $1, last_client_id = $2 WHERE id = $3"#)
            .bind(practice)
            .bind(client)
            .bind(session.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Where a new session of `user_id` starts, as (practice, client): the account last
    /// chosen while the user can still open it, else their first practice by name (the
    /// Accounts menu's order), else no practice (a client user: the top bar shows their
    /// first client).
    pub async fn starting_account(db: &Db, user_id: i64) -> Result<(Option<i64>, Option<i64>), sqlx::Error> {
        let last: Option<(Option<i64>, Option<i64>)> =
            sqlx::query_as(r#"SELECT last_practice_id, last_client_id FROM users WHERE id = $1"#)
                .bind(user_id)
                .fetch_optional(db.pool())
                .await?;
        let (last_practice, last_client) = last.unwrap_or((None, None));
        let mut practice = None;
        if let Some(p) = last_practice
            && find_account(db, user_id, AccountKind::Practice, p).await?.is_some()
        {
            practice = Some(p);
        }
        if practice.is_none() {
            practice = sqlx::query_scalar(&format!(
                "SELECT acc.id FROM {} WHERE acc.kind = $2 {ORDER} LIMIT 1",
                accounts()
            ))
            .bind(user_id)
            .bind(AccountKind::Practice.as_str())
            .fetch_optional(db.pool())
            .await?;
        }
        let mut client = None;
        if let Some(c) = last_client
            && find_account(db, user_id, AccountKind::Client, c).await?.is_some()
        {
            client = Some(c);
        }
        Ok((practice, client))
    }

    /// Whether `user_id` may manage the users of `account`. A Practice Edition client has
    /// no user management of its own at all.
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
            .iter()
            .any(|p| p == MANAGE_USERS))
    }
}
