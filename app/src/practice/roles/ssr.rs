use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::policy::{may_grant, may_grant_permissions};
use crate::access::roles::{chosen_role, find_practice_role, role_permissions};
use crate::domain::audit::payload::{RoleDefinition, RoleMove};
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::permissions::Permission;
use crate::platform::db::now;
use crate::platform::db::{Unique, on_constraint};
use crate::platform::names::DisplayName;

/// The unique index that keeps role names unique in a practice, ignoring case.
const UNIQUE_NAME: Unique = Unique {
    name: "roles_practice_id_name_key_key",
    sqlite_columns: Some("roles.practice_id, roles.name_key"),
};

/// Creates a custom role with an already validated permission set.
pub async fn create_custom_role(
    conn: &mut AnyConnection,
    practice_id: i64,
    name: &DisplayName,
    permissions: &[Permission],
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
    permissions: &[Permission],
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
        q = q.bind(practice_id).bind(role_id).bind(key.key());
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
            permissions: keys(&role_permissions(&mut conn, r.id, kind).await?),
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
            Ok((role.name, keys(&perms)))
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
    let chosen = crate::domain::permissions::validate(permissions)
        .map_err(|e| AppError::invalid("permissions", e.to_string()))?;
    let taken = || AppError::invalid("name", format!("There is already a role called {}.", name.as_str()));
    may_grant_permissions(actor, &chosen)?;
    let mut tx = actor.write().await?;
    let (id, before) = match role_id {
        None => {
            let id = create_custom_role(&mut tx, actor.practice_id, &name, &chosen)
                .await
                .map_err(|e| on_constraint(e, &UNIQUE_NAME, taken))?;
            (id, None)
        }
        Some(id) => {
            // What the actor may do is read again, held against a change of it meanwhile.
            crate::access::policy::hold_practice(&mut tx, actor).await?;
            let (old_name, old_perms) = custom_role(actor, &mut tx, id).await?;
            if id == actor.role_id {
                return Err(AppError::NotAllowed("You cannot change the role you hold.".into()));
            }
            crate::access::policy::may_change_role_held_by_admins(&mut tx, actor, id).await?;
            sqlx::query(r#"UPDATE roles SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4"#)
                .bind(name.as_str())
                .bind(name.as_str().to_lowercase())
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| on_constraint(e, &UNIQUE_NAME, taken))?;
            set_permissions(&mut tx, actor.practice_id, id, &chosen).await?;
            (
                id,
                Some(RoleDefinition {
                    name: old_name,
                    permissions: old_perms,
                }),
            )
        }
    };
    let role = Target::new(TargetKind::Role, id, name.as_str());
    let after = RoleDefinition {
        name: name.as_str().to_owned(),
        permissions: keys(&chosen),
    };
    tx.record(match before {
        None => Event::RoleCreated { role, after },
        Some(before) => Event::RoleUpdated { role, before, after },
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete(actor: &PracticeActor, role_id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    if role_id == actor.role_id {
        return Err(AppError::NotAllowed("You cannot delete the role you hold.".into()));
    }
    let mut tx = actor.write().await?;
    crate::access::policy::hold_practice(&mut tx, actor).await?;
    crate::access::roles::lock_role_to_delete(&mut tx, actor.practice_id, role_id).await?;
    let (name, perms) = custom_role(actor, &mut tx, role_id).await?;
    crate::access::policy::may_change_role_held_by_admins(&mut tx, actor, role_id).await?;
    let in_use: i64 = sqlx::query_scalar(
        r#"SELECT (SELECT COUNT(*) FROM practice_members WHERE role_id = $1)
                + (SELECT COUNT(*) FROM client_assignments WHERE role_id = $1)
                + (SELECT COUNT(*) FROM client_users WHERE role_id = $1)
                + (SELECT COUNT(*) FROM invitations WHERE role_id = $1)
                + (SELECT COUNT(*) FROM access_requests WHERE role_id = $1)"#,
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
        // Access requests for it too (they would go with the role, unrecorded): one waiting
        // asks for the role the holders move to, as the approver will see.
        for table in [
            "practice_members",
            "client_assignments",
            "client_users",
            "invitations",
            "access_requests",
        ] {
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
    tx.record(Event::RoleDeleted {
        role: Target::new(TargetKind::Role, role_id, &name),
        before: RoleDefinition {
            name: name.clone(),
            permissions: perms,
        },
        moved: moved_to.map(|t| RoleMove {
            moved_to: t,
            uses_moved: in_use,
        }),
        uses: in_use,
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Permissions by their stored keys, as the wire and the audit trail carry them.
fn keys(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(|p| p.key().to_owned()).collect()
}
