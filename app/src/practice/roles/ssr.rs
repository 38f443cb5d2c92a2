use sqlx::AnyConnection;

use super::*;
use crate::identity::session::{PracticeActor, role_permissions};
use crate::platform::audit::{self, AuditAction, AuditEvent};
use crate::platform::db::now;
use crate::platform::db::{Unique, on_constraint};
use crate::platform::names::DisplayName;

/// The order of every role list: the predefined Admin, Employee and User, then custom
/// roles by name. For `ORDER BY` over `roles` (unqualified columns).
pub const ROLE_ORDER: &str =
    "CASE kind WHEN 'admin' THEN 0 WHEN 'employee' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, name_key";

/// The unique index that keeps role names unique in a practice, ignoring case.
const UNIQUE_NAME: Unique = Unique {
    name: "roles_practice_id_name_key_key",
    sqlite_columns: Some("roles.practice_id, roles.name_key"),
};

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
pub async fn find_practice_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    role_id: i64,
) -> Result<Option<PracticeRole>, sqlx::Error> {
    sqlx::query_as(r#"SELECT id, kind, name FROM roles WHERE id = $1 AND practice_id = $2"#)
        .bind(role_id)
        .bind(practice_id)
        .fetch_optional(conn)
        .await
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

/// Refuses a permission set with anything the actor's own role lacks: nobody hands out
/// more than they hold.
pub fn may_grant_permissions(actor: &PracticeActor, keys: &[impl AsRef<str>]) -> Result<(), AppError> {
    match keys.iter().find(|k| !actor.can(k.as_ref())) {
        None => Ok(()),
        Some(key) => {
            let label = crate::practice::permissions::find(key.as_ref()).map_or(key.as_ref(), |p| p.label);
            Err(AppError::NotAllowed(format!(
                "You cannot give a permission your own role does not have ({label})."
            )))
        }
    }
}

/// Refuses unless the actor may give `role` to someone (in the practice, on a client, or
/// by invitation): only Admins give the Admin role, and nobody gives a role carrying a
/// permission their own lacks.
pub async fn may_grant(conn: &mut AnyConnection, actor: &PracticeActor, role: &PracticeRole) -> Result<(), AppError> {
    if role.is(RoleKind::Admin) && actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed("Only an Admin can give the Admin role.".into()));
    }
    let kind = RoleKind::parse(&role.kind).ok_or(AppError::Internal)?;
    let keys = role_permissions(conn, role.id, kind).await?;
    may_grant_permissions(actor, &keys)
}

/// [`may_grant`] for every role in `role_ids` (of the practice; ids of roles deleted since
/// are skipped): for actions that give several roles back at once (undo, reactivation).
pub async fn may_grant_all(conn: &mut AnyConnection, actor: &PracticeActor, role_ids: &[i64]) -> Result<(), AppError> {
    for id in role_ids {
        if let Some(role) = find_practice_role(conn, actor.practice_id, *id).await? {
            may_grant(conn, actor, &role).await?;
        }
    }
    Ok(())
}

/// Creates a custom role with an already validated permission set.
pub async fn create_custom_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    name: &DisplayName,
    permissions: &[&str],
) -> Result<i64, sqlx::Error> {
    let t = now();
    let role_id: i64 = sqlx::query_scalar(
        r#"INSERT INTO roles (practice_id, kind, name, name_key, created_at, updated_at)
           VALUES ($1, 'custom', $2, $3, $4, $4) RETURNING id"#,
    )
    .bind(practice_id)
    .bind(name.as_str())
    .bind(name.as_str().to_lowercase())
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    set_permissions(conn, practice_id, role_id, permissions).await?;
    Ok(role_id)
}

async fn set_permissions(
    conn: &mut AnyConnection,
    practice_id: i64,
    role_id: i64,
    permissions: &[&str],
) -> Result<(), sqlx::Error> {
    sqlx::query(r#"DELETE FROM role_permissions WHERE role_id = $1"#)
        .bind(role_id)
        .execute(&mut *conn)
        .await?;
    if permissions.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO role_permissions (practice_id, role_id, permission) VALUES {}",
        crate::platform::db::values_placeholders(permissions.len(), 3)
    );
    let mut q = sqlx::query(&sql);
    for key in permissions {
        q = q.bind(practice_id).bind(role_id).bind(*key);
    }
    q.execute(conn).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: i64,
    kind: String,
    name: String,
    members: i64,
    assignments: i64,
    invitations: i64,
}

pub async fn list(actor: &PracticeActor) -> Result<Vec<RoleDetail>, AppError> {
    let rows: Vec<RoleRow> = sqlx::query_as(
        r#"SELECT r.id, r.kind, r.name,
                  (SELECT COUNT(*) FROM practice_members m WHERE m.role_id = r.id) AS members,
                  (SELECT COUNT(*) FROM client_assignments a WHERE a.role_id = r.id) AS assignments,
                  (SELECT COUNT(*) FROM invitations i WHERE i.role_id = r.id AND i.status = 'pending') AS invitations
           FROM roles r WHERE r.practice_id = $1
           ORDER BY CASE r.kind WHEN 'admin' THEN 0 WHEN 'employee' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, r.name_key"#,
    )
    .bind(actor.practice_id)
    .fetch_all(actor.state.db.pool())
    .await?;
    let mut conn = actor.state.db.pool().acquire().await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind = RoleKind::parse(&r.kind).ok_or(AppError::Internal)?;
        out.push(RoleDetail {
            id: r.id,
            kind,
            name: display_role_name(&r.kind, &r.name),
            permissions: role_permissions(&mut conn, r.id, kind).await?,
            members: r.members,
            assignments: r.assignments,
            invitations: r.invitations,
        });
    }
    Ok(out)
}

async fn custom_role(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    role_id: i64,
) -> Result<(String, Vec<String>), AppError> {
    match find_practice_role(conn, actor.practice_id, role_id).await? {
        None => Err(AppError::NotFound("That role".into())),
        Some(role) if !role.is(RoleKind::Custom) => {
            Err(AppError::Conflict("Predefined roles cannot be changed.".into()))
        }
        Some(role) => {
            let perms = role_permissions(conn, role_id, RoleKind::Custom).await?;
            Ok((role.name, perms))
        }
    }
}

pub async fn save(
    actor: &PracticeActor,
    role_id: Option<i64>,
    name: &str,
    permissions: &[String],
) -> Result<i64, AppError> {
    let name = DisplayName::parse(name, "role name", 60).map_err(|m| AppError::invalid("name", m))?;
    let keys = crate::practice::permissions::validate(permissions)
        .map_err(|e| AppError::invalid("permissions", e.to_string()))?;
    let taken = || AppError::invalid("name", format!("There is already a role called {}.", name.as_str()));
    may_grant_permissions(actor, &keys)?;
    let mut tx = actor.state.db.begin_write().await?;
    let (id, action, before) = match role_id {
        None => {
            let id = create_custom_role(&mut tx, actor.practice_id, &name, &keys)
                .await
                .map_err(|e| on_constraint(e, &UNIQUE_NAME, taken))?;
            (id, AuditAction::RoleCreated, None)
        }
        Some(id) => {
            let (old_name, old_perms) = custom_role(actor, &mut tx, id).await?;
            if id == actor.role_id {
                return Err(AppError::NotAllowed("You cannot change the role you hold.".into()));
            }
            sqlx::query(r#"UPDATE roles SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4"#)
                .bind(name.as_str())
                .bind(name.as_str().to_lowercase())
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| on_constraint(e, &UNIQUE_NAME, taken))?;
            set_permissions(&mut tx, actor.practice_id, id, &keys).await?;
            (
                id,
                AuditAction::RoleUpdated,
                Some(serde_json::json!({ "name": old_name, "permissions": old_perms })),
            )
        }
    };
    audit::record(
        &mut tx,
        AuditEvent {
            before,
            after: Some(serde_json::json!({ "name": name.as_str(), "permissions": keys })),
            ..actor.audit_on(action, "role", id, name.as_str())
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete(actor: &PracticeActor, role_id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    if role_id == actor.role_id {
        return Err(AppError::NotAllowed("You cannot delete the role you hold.".into()));
    }
    let mut tx = actor.state.db.begin_write().await?;
    let (name, perms) = custom_role(actor, &mut tx, role_id).await?;
    let in_use: i64 = sqlx::query_scalar(
        r#"SELECT (SELECT COUNT(*) FROM practice_members WHERE role_id = $1)
                + (SELECT COUNT(*) FROM client_assignments WHERE role_id = $1)
                + (SELECT COUNT(*) FROM client_users WHERE role_id = $1)
                + (SELECT COUNT(*) FROM invitations WHERE role_id = $1)"#,
    )
    .bind(role_id)
    .fetch_one(&mut *tx)
    .await?;
    let mut moved_to = None;
    if in_use > 0 {
        let Some(target) = move_to.filter(|t| *t != role_id) else {
            return Err(AppError::Conflict(format!(
                "{name} is still in use. Choose the role its users and client assignments move to."
            )));
        };
        let target_role = chosen_role(&mut tx, actor.practice_id, target, "move_to").await?;
        // Moving people to a role gives it to them.
        may_grant(&mut tx, actor, &target_role).await?;
        let target_name = target_role.name;
        for table in ["practice_members", "client_assignments", "client_users", "invitations"] {
            sqlx::query(&format!("UPDATE {table} SET role_id = $1 WHERE role_id = $2"))
                .bind(target)
                .bind(role_id)
                .execute(&mut *tx)
                .await?;
        }
        moved_to = Some(target_name);
    }
    sqlx::query(r#"DELETE FROM roles WHERE id = $1"#)
        .bind(role_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        AuditEvent {
            before: Some(serde_json::json!({ "name": name, "permissions": perms })),
            after: moved_to.map(|t| serde_json::json!({ "moved_to": t, "uses_moved": in_use })),
            affected_count: Some(in_use),
            ..actor.audit_on(AuditAction::RoleDeleted, "role", role_id, &name)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
