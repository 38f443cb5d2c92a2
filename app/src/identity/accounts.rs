//! The accounts a login can act in: its practices (as an active member) and each client it
//! was given a role on (through a practice's matrix, or as the client's own user), and which
//! one a session acts in now.

use serde::{Deserialize, Serialize};

use crate::domain::plans::Plan;

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
    /// When access through the practice's matrix ends (clients only; Unix seconds).
    #[serde(default)]
    pub ends_at: Option<i64>,
    pub current: bool,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::roles::display_role_name;
    use crate::domain::statuses::MemberStatus;
    use crate::identity::session::Session;
    use crate::platform::db::Db;
    use crate::platform::error::AppError;

    #[derive(sqlx::FromRow)]
    struct AccountRow {
        kind: String,
        id: i64,
        name: String,
        plan: Option<String>,
        role_id: i64,
        role_kind: String,
        role_name: String,
        ends_at: Option<i64>,
    }

    /// Every business user `$1` can act in, as rows of (kind, id, name, plan, role_id,
    /// role_kind, role_name). A client needs an unarchived client and, through the Partner
    /// module, an active membership of its practice.
    fn accounts() -> String {
        format!(
            r#"(
        SELECT 'practice' AS kind, p.id, p.name, CAST(NULL AS TEXT) AS plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name,
               CAST(NULL AS BIGINT) AS ends_at
        FROM practice_members m
        JOIN practices p ON p.id = m.practice_id
        JOIN roles r ON r.id = m.role_id
        WHERE m.user_id = $1 AND m.status = '{active}'
        UNION ALL
        SELECT 'client' AS kind, c.id, c.name, c.plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name,
               a.ends_at
        FROM current_assignments a
        JOIN practice_members m ON m.practice_id = a.practice_id AND m.user_id = a.user_id AND m.status = '{active}'
        JOIN clients c ON c.id = a.client_id AND c.archived = 0
        JOIN roles r ON r.id = a.role_id
        WHERE a.user_id = $1
        UNION ALL
        SELECT 'client' AS kind, c.id, c.name, c.plan, r.id AS role_id, r.kind AS role_kind, r.name AS role_name,
               CAST(NULL AS BIGINT) AS ends_at
        FROM client_users cu
        JOIN clients c ON c.id = cu.client_id AND c.archived = 0
        JOIN roles r ON r.id = cu.role_id
        WHERE cu.user_id = $1 AND cu.status = '{active}'
          AND NOT EXISTS (SELECT 1 FROM current_assignments a2 WHERE a2.user_id = $1 AND a2.client_id = c.id)
    ) acc"#,
            active = MemberStatus::Active.as_str()
        )
    }

    const COLUMNS: &str =
        "acc.kind, acc.id, acc.name, acc.plan, acc.role_id, acc.role_kind, acc.role_name, acc.ends_at";
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
            ends_at: r.ends_at,
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

    /// One page of the clients `user_id` can open whose name matches `pattern` (a `LIKE`
    /// pattern), by name: the page, how many match, and how many there are in all.
    pub async fn client_accounts(
        db: &Db,
        user_id: i64,
        pattern: &str,
        page_size: i64,
        offset: i64,
    ) -> Result<(Vec<Account>, i64, i64), sqlx::Error> {
        let (total, matching): (i64, i64) = sqlx::query_as(&format!(
            r#"SELECT COUNT(*), COALESCE(SUM(CASE WHEN LOWER(acc.name) LIKE $2 ESCAPE '\' THEN 1 ELSE 0 END), 0)
               FROM {} WHERE acc.kind = 'client'"#,
            accounts()
        ))
        .bind(user_id)
        .bind(pattern)
        .fetch_one(db.pool())
        .await?;
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            r#"SELECT {COLUMNS} FROM {} WHERE acc.kind = 'client' AND LOWER(acc.name) LIKE $2 ESCAPE '\' {ORDER} LIMIT $3 OFFSET $4"#,
            accounts()
        ))
        .bind(user_id)
        .bind(pattern)
        .bind(page_size)
        .bind(offset)
        .fetch_all(db.pool())
        .await?;
        Ok((rows.into_iter().map(to_account).collect(), matching, total))
    }
}
