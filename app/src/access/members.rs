//! A practice's members as the access layer reads and holds them: one member with their
//! login and role, adding one, and the row locks that keep a change to someone's access and
//! a change to their membership from both committing unseen by each other.

use sqlx::AnyConnection;

use crate::domain::statuses::MemberStatus;
use crate::platform::db::now;

/// Adds an active member; `is_main` marks the practice's main user.
pub async fn add_member(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    role_id: i64,
    is_main: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO practice_members (practice_id, user_id, role_id, status, is_main, joined_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
    )
    .bind(practice_id)
    .bind(user_id)
    .bind(role_id)
    .bind(MemberStatus::Active.as_str())
    .bind(i64::from(is_main))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    name: String,
    email: String,
    role_id: i64,
    role_kind: String,
    role_name: String,
    status: String,
    is_main: i64,
}

/// A member of a practice, with their login and role there.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role_id: i64,
    pub role_kind: String,
    pub role_name: String,
    pub status: MemberStatus,
    pub is_main: bool,
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }
}

/// How a write transaction holds a member's row until it ends, so that a change to
/// someone's access and a change to their membership never both commit unseen by each
/// other. PostgreSQL only: reading a member does not wait for a writer there, so a
/// click could read "active" while an offboarding removes every grant, and its grant
/// would outlive the offboarding. SQLite runs one writer at a time already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberLock {
    /// A change to one client's access (a click, an end date): any number at once,
    /// but never while their membership or all their access is changing.
    Share,
    /// A change to their membership (offboarding) or to many clients' access at once (a
    /// bulk action, its undo, a copy): it waits for the changes in progress, and later
    /// ones wait for it and then see it.
    Update,
}

/// Takes `lock` on member `user_id`'s row (no row: nothing to lock; the caller's own
/// read then finds nobody). Take it before reading what it guards: on PostgreSQL each
/// statement after it sees what the transactions it waited for committed.
pub async fn lock_member(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    lock: MemberLock,
) -> Result<bool, sqlx::Error> {
    if conn.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        return Ok(true);
    }
    let sql = match lock {
        MemberLock::Share => "SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR SHARE",
        MemberLock::Update => "SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR UPDATE",
    };
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(practice_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// [`lock_member`] shared and, in the same statement, role `role_id` of the practice as
/// `roles::hold_role` holds it: a click's two locks in one round trip (PostgreSQL only).
/// Answers whether each was found (and so is held).
pub async fn hold_member_and_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    role_id: i64,
) -> Result<(bool, bool), sqlx::Error> {
    if conn.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        return Ok((true, true));
    }
    let (member, role): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR SHARE) AS member,
                (SELECT 1 FROM roles WHERE id = $3 AND practice_id = $1 FOR SHARE) AS role",
    )
    .bind(practice_id)
    .bind(user_id)
    .bind(role_id)
    .fetch_one(conn)
    .await?;
    Ok((member.is_some(), role.is_some()))
}

/// Holds the practice's row until the transaction ends, so changes to who its Admins
/// and its main user are (a role change, a deactivation, an offboarding, a transfer of
/// the main user) run one after another, each reading what the one before committed.
/// PostgreSQL only (SQLite runs one writer at a time already): there, two of them at once
/// each read the other's member unchanged, and together could leave the main user
/// without the Admin role. Take it first, before any member lock. `NO KEY UPDATE`: it
/// does not hold up the key-share locks every insert naming the practice takes (a
/// click's grant, an audit event), which would stall the practice's writes behind it.
pub async fn lock_practice(conn: &mut AnyConnection, practice_id: i64) -> Result<(), sqlx::Error> {
    if conn.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        return Ok(());
    }
    sqlx::query("SELECT 1 FROM practices WHERE id = $1 FOR NO KEY UPDATE")
        .bind(practice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Member `user_id` of the practice; `None` for anyone else (another practice's staff too).
pub async fn find_member(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
) -> Result<Option<Member>, sqlx::Error> {
    let row: Option<MemberRow> = sqlx::query_as(
        r#"SELECT u.name, u.email, m.role_id, r.kind AS role_kind, r.name AS role_name, m.status, m.is_main
           FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
           WHERE m.practice_id = $1 AND m.user_id = $2"#,
    )
    .bind(practice_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Member {
        user_id,
        name: r.name,
        email: r.email,
        role_id: r.role_id,
        role_kind: r.role_kind,
        role_name: r.role_name,
        status: MemberStatus::parse(&r.status).unwrap_or(MemberStatus::Deactivated),
        is_main: r.is_main == 1,
    }))
}
