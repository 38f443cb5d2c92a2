//! The practice's roles as the access layer reads them: a practice's roles in list order,
//! one role chosen by id (only ever the practice's own), and what a role permits.

use sqlx::AnyConnection;

use crate::domain::permissions::Permission;
use crate::domain::roles::{RoleKind, display_role_name};
use crate::platform::error::AppError;

/// The order of every role list: the predefined Admin, Employee and User, then custom
/// roles by name. For `ORDER BY` over `roles` (unqualified columns).
pub const ROLE_ORDER: &str =
    "CASE kind WHEN 'admin' THEN 0 WHEN 'employee' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, name_key";

/// A role of one practice.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PracticeRole {
    pub id: i64,
    pub kind: String,
    pub name: String,
}

impl PracticeRole {
    pub fn display_name(&self) -> String {
        display_role_name(&self.kind, &self.name)
    }

    pub fn is(&self, kind: RoleKind) -> bool {
        self.kind == kind.as_str()
    }
}

/// Every role of the practice, in [`ROLE_ORDER`].
pub async fn practice_roles(conn: &mut AnyConnection, practice_id: i64) -> Result<Vec<PracticeRole>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, kind, name FROM roles WHERE practice_id = $1 ORDER BY {ROLE_ORDER}"
    ))
    .bind(practice_id)
    .fetch_all(conn)
    .await
}

/// The role `role_id`, if it belongs to the practice; `None` for another practice's role.
/// On PostgreSQL the role is held (`FOR SHARE`) until the transaction ends: what is given
/// with it is written before a deletion of the role can begin, or the deletion comes first
/// and the role is not found (see [`lock_role_to_delete`]). SQLite runs one writer at a time.
pub async fn find_practice_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    role_id: i64,
) -> Result<Option<PracticeRole>, sqlx::Error> {
    let hold = if is_postgres(conn) { " FOR SHARE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT id, kind, name FROM roles WHERE id = $1 AND practice_id = $2{hold}"
    ))
    .bind(role_id)
    .bind(practice_id)
    .fetch_optional(conn)
    .await
}

/// Holds role `role_id` of the practice (`FOR SHARE`, PostgreSQL; SQLite runs one writer at
/// a time) as [`find_practice_role`] does, without reading it: for a change that reads the
/// role in a statement of its own after this (a click, whose check reads everything at once).
/// Answers whether the role was found (and so is held).
pub async fn hold_role(conn: &mut AnyConnection, practice_id: i64, role_id: i64) -> Result<bool, sqlx::Error> {
    if !is_postgres(conn) {
        return Ok(true);
    }
    let found: Option<i64> = sqlx::query_scalar(r#"SELECT 1 FROM roles WHERE id = $1 AND practice_id = $2 FOR SHARE"#)
        .bind(role_id)
        .bind(practice_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Holds role `role_id` of the practice for the transaction that is about to delete it
/// (PostgreSQL): grants with it in progress finish first (and are then moved with its other
/// holders), and later ones wait and then find it gone.
pub async fn lock_role_to_delete(conn: &mut AnyConnection, practice_id: i64, role_id: i64) -> Result<(), sqlx::Error> {
    if is_postgres(conn) {
        sqlx::query(r#"SELECT 1 FROM roles WHERE id = $1 AND practice_id = $2 FOR UPDATE"#)
            .bind(role_id)
            .bind(practice_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME
}

/// The role chosen in the form field `field`, refused unless it is one of the practice's.
pub async fn chosen_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    role_id: i64,
    field: &str,
) -> Result<PracticeRole, AppError> {
    find_practice_role(conn, practice_id, role_id)
        .await?
        .ok_or_else(|| AppError::invalid(field, "Choose one of the practice's roles."))
}

/// A scalar subquery for a larger statement: the permission keys of role `role` (an SQL
/// expression), comma-separated, NULL when none (read with [`permissions_from_keys`]). The
/// one word that differs: PostgreSQL's `string_agg` is SQLite's `group_concat`.
pub fn permission_keys_sql(conn: &AnyConnection, role: &str) -> String {
    let concat = if is_postgres(conn) {
        "string_agg"
    } else {
        "group_concat"
    };
    format!("(SELECT {concat}(rp.permission, ',') FROM role_permissions rp WHERE rp.role_id = {role})")
}

/// [`role_permissions`] from keys read with [`permission_keys_sql`].
pub fn permissions_from_keys(kind: RoleKind, keys: Option<&str>) -> Vec<Permission> {
    match kind.predefined_permissions() {
        Some(permissions) => permissions,
        // A key this version no longer knows grants nothing.
        None => {
            // In key order, as `role_permissions` reads them (a refusal names the first missing).
            let mut keys: Vec<&str> = keys.unwrap_or_default().split(',').collect();
            keys.sort_unstable();
            keys.into_iter().filter_map(Permission::parse).collect()
        }
    }
}

/// The permissions a role grants: predefined ones from code, custom ones from the table.
pub async fn role_permissions(
    conn: &mut AnyConnection,
    role_id: i64,
    kind: RoleKind,
) -> Result<Vec<Permission>, sqlx::Error> {
    match kind.predefined_permissions() {
        Some(permissions) => Ok(permissions),
        None => {
            let keys: Vec<String> =
                sqlx::query_scalar(r#"SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission"#)
                    .bind(role_id)
                    .fetch_all(conn)
                    .await?;
            // A key this version no longer knows grants nothing.
            Ok(keys.iter().filter_map(|k| Permission::parse(k)).collect())
        }
    }
}
