//! The matrix page's reads: the staff list, one page of rows, the role columns, and the
//! version an open matrix polls.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::roles::practice_roles;
use crate::domain::roles::display_role_name;
use crate::domain::statuses::MemberStatus;
use crate::partner::clients::ssr::{ClientFilter, count_unarchived};
use crate::platform::db::page_offset;

#[derive(sqlx::FromRow)]
struct StaffSql {
    user_id: i64,
    name: String,
    email: String,
    role_kind: String,
    role_name: String,
    status: String,
    clients: i64,
}

pub async fn staff_table(actor: &PracticeActor) -> Result<StaffTable, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let rows: Vec<StaffSql> = sqlx::query_as(
        r#"SELECT m.user_id, u.name, u.email, r.kind AS role_kind, r.name AS role_name, m.status,
                  (SELECT COUNT(*) FROM current_assignments a JOIN clients c ON c.id = a.client_id AND c.archived = 0
                   WHERE a.user_id = m.user_id AND a.practice_id = m.practice_id) AS clients
           FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
           WHERE m.practice_id = $1
           ORDER BY CASE m.status WHEN $2 THEN 0 ELSE 1 END, LOWER(u.name)"#,
    )
    .bind(actor.practice_id)
    .bind(MemberStatus::Active.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let total_clients = count_unarchived(&mut conn, actor.practice_id).await?;
    Ok(StaffTable {
        staff: rows
            .into_iter()
            .map(|r| StaffRow {
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                role_name: display_role_name(&r.role_kind, &r.role_name),
                active: MemberStatus::parse(&r.status) == Some(MemberStatus::Active),
                clients: r.clients,
            })
            .collect(),
        total_clients,
    })
}

pub async fn columns(actor: &PracticeActor, conn: &mut AnyConnection) -> Result<Vec<RoleColumn>, AppError> {
    Ok(practice_roles(conn, actor.practice_id)
        .await?
        .into_iter()
        .map(|r| RoleColumn {
            id: r.id,
            is_employee: r.is(crate::domain::roles::RoleKind::Employee),
            name: r.display_name(),
        })
        .collect())
}

/// The newest change to the staff member's access; refused (404) for anyone who is not a
/// member of the caller's practice. One statement: an open matrix polls it every few seconds.
pub async fn version(actor: &PracticeActor, user_id: i64) -> Result<i64, AppError> {
    sqlx::query_scalar(
        r#"SELECT (SELECT COALESCE(MAX(e.id), 0) FROM audit_events e
                   WHERE e.practice_id = m.practice_id AND e.target_type = 'staff_access' AND e.target_id = m.user_id)
           FROM practice_members m WHERE m.practice_id = $1 AND m.user_id = $2"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .fetch_optional(actor.state.db.pool())
    .await?
    .ok_or_else(|| AppError::NotFound("That staff member".into()))
}

#[derive(sqlx::FromRow)]
struct RowSql {
    id: i64,
    name: String,
    plan: String,
    role_id: Option<i64>,
    ends_at: Option<i64>,
}

pub async fn matrix(actor: &PracticeActor, user_id: i64, scope: &Scope, page: i64) -> Result<Matrix, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let staff = staff_member(actor, &mut conn, user_id).await?;
    let read_only = crate::access::policy::may_change_access_of(actor, &staff.role_kind)
        .err()
        .map(|e| e.to_string());
    let staff_name = staff.name;
    let filter = ClientFilter::parse(&scope.search, &scope.plan)?;
    let access = AccessFilter::parse(&scope.access)?;
    let rows: Vec<RowSql> = scoped!(
        sqlx::query_as(&format!(
            r#"SELECT c.id, c.name, c.plan, a.role_id, a.ends_at
           FROM clients c {STAFF_GRANT}
           WHERE {}
           ORDER BY LOWER(c.name), c.id LIMIT $5 OFFSET $6"#,
            in_scope(access)
        )),
        actor,
        user_id,
        filter
    )
    .bind(PAGE_SIZE)
    .bind(page_offset(page, PAGE_SIZE))
    .fetch_all(&mut *conn)
    .await?;
    // The scope numbers its parameters $1, $3 and $4 (it is shared with queries where $2 is
    // the staff member); `$2 = $2` keeps that numbering valid here, where $2 is unused
    // unless the count is by access (then it joins the staff member's grants).
    let join = match access {
        AccessFilter::All => "",
        _ => STAFF_GRANT,
    };
    let matching: i64 = scoped!(
        sqlx::query_scalar(&format!(
            r#"SELECT COUNT(*) FROM clients c {join} WHERE $2 = $2 AND {}"#,
            in_scope(access)
        )),
        actor,
        user_id,
        filter
    )
    .fetch_one(&mut *conn)
    .await?;
    let total = count_unarchived(&mut conn, actor.practice_id).await?;
    let columns = columns(actor, &mut conn).await?;
    drop(conn);
    Ok(Matrix {
        staff_name,
        columns,
        rows: rows
            .into_iter()
            .map(|r| MatrixRow {
                client_id: r.id,
                name: r.name,
                plan: Plan::parse(&r.plan).unwrap_or(Plan::PracticeEdition),
                role_id: r.role_id,
                ends_at: r.ends_at,
            })
            .collect(),
        matching,
        total,
        version: version(actor, user_id).await?,
        notice: None,
        read_only,
    })
}
