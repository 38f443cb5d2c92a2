//! The client's own users in SQL: listing them with practice staff, role changes and
//! (de)activation. Invitations go through `identity::invitations` with a client scope.

use super::*;
use crate::access::actor::ClientActor;
use crate::access::policy::{may_grant, may_grant_all};
use crate::access::practices::practice_name;
use crate::access::roles::chosen_role;
use crate::domain::audit::payload::RoleNamed;
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::roles::RoleKind;
use crate::domain::roles::display_role_name;
use crate::domain::statuses::InvitationStatus;
use crate::domain::statuses::MemberStatus;
use crate::platform::db::now;
use crate::practice::invitations::ssr::Scope;

/// Invitations made from this client's page belong to it alone.
pub fn scope(c: &ClientActor) -> Scope<'_> {
    Scope::Client {
        id: c.client_id,
        name: &c.client_name,
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    user_id: Option<i64>,
    invitation_id: Option<i64>,
    name: String,
    email: String,
    role_id: i64,
    role_kind: String,
    role_name: String,
    shown: String,
    staff: i64,
}

pub async fn list(c: &ClientActor) -> Result<ClientUsers, AppError> {
    let db = &c.actor.state.db;
    let rows: Vec<LineRow> = sqlx::query_as(
        r#"SELECT l.* FROM (
             SELECT cu.user_id AS user_id, CAST(NULL AS BIGINT) AS invitation_id, u.name, u.email, r.id AS role_id,
                    r.kind AS role_kind, r.name AS role_name,
                    CASE WHEN cu.status = 'active' THEN 'active' ELSE 'deactivated' END AS shown, 0 AS staff
             FROM client_users cu JOIN users u ON u.id = cu.user_id JOIN roles r ON r.id = cu.role_id
             WHERE cu.client_id = $1
             UNION ALL
             SELECT CAST(NULL AS BIGINT), i.id, i.name, i.email, r.id, r.kind, r.name,
                    CASE WHEN i.expires_at > $3 THEN 'invited' ELSE 'expired' END, 0
             FROM invitations i JOIN roles r ON r.id = i.role_id
             WHERE i.client_id = $1 AND i.status = $2
             UNION ALL
             SELECT a.user_id, CAST(NULL AS BIGINT), u.name, u.email, r.id, r.kind, r.name, 'active', 1
             FROM current_assignments a
             JOIN practice_members m ON m.practice_id = a.practice_id AND m.user_id = a.user_id AND m.status = 'active'
             JOIN users u ON u.id = a.user_id JOIN roles r ON r.id = a.role_id
             WHERE a.client_id = $1
           ) l
           ORDER BY l.staff, LOWER(l.name), l.email"#,
    )
    .bind(c.client_id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(now())
    .fetch_all(db.pool())
    .await?;
    let mut conn = db.pool().acquire().await?;
    Ok(ClientUsers {
        client_name: c.client_name.clone(),
        practice_name: practice_name(&mut conn, c.actor.practice_id).await?,
        lines: rows
            .into_iter()
            .map(|r| ClientUserLine {
                user_id: r.user_id,
                invitation_id: r.invitation_id,
                name: r.name,
                email: r.email,
                role_id: r.role_id,
                role_name: display_role_name(&r.role_kind, &r.role_name),
                status: UserStatus::parse(&r.shown).unwrap_or(UserStatus::Deactivated),
                practice_staff: r.staff == 1,
            })
            .collect(),
        roles: crate::practice::manage_users::ssr::role_options(&mut conn, c.actor.practice_id).await?,
        my_user_id: c.actor.user_id(),
        notice: None,
    })
}

/// One of the client's own users (practice staff are not: the practice's matrix owns them).
struct ClientUser {
    email: String,
    role_id: i64,
    role_kind: String,
    role_name: String,
    status: String,
}

async fn client_user(c: &ClientActor, conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<ClientUser, AppError> {
    if user_id == c.actor.user_id() {
        return Err(AppError::NotAllowed(
            "You cannot change your own access to this client.".into(),
        ));
    }
    let row: Option<(String, i64, String, String, String)> = sqlx::query_as(
        r#"SELECT u.email, r.id, r.kind, r.name, cu.status
           FROM client_users cu JOIN users u ON u.id = cu.user_id JOIN roles r ON r.id = cu.role_id
           WHERE cu.client_id = $1 AND cu.user_id = $2"#,
    )
    .bind(c.client_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    let (email, role_id, role_kind, role_name, status) =
        row.ok_or_else(|| AppError::NotFound("That user of this client".into()))?;
    // Taking an Admin's role or access away is power over that person too.
    if role_kind == RoleKind::Admin.as_str() && c.actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed(
            "Only an Admin can change an Admin's access.".into(),
        ));
    }
    Ok(ClientUser {
        email,
        role_id,
        role_kind,
        role_name,
        status,
    })
}

/// What the audit log names: "nia@example.com on Acme Ltd".
fn label(c: &ClientActor, email: &str) -> String {
    format!("{email} on {}", c.client_name)
}

pub async fn change_role(c: &ClientActor, user_id: i64, role_id: i64) -> Result<(), AppError> {
    let mut tx = c.actor.write().await?;
    let user = client_user(c, &mut tx, user_id).await?;
    let role = chosen_role(&mut tx, c.actor.practice_id, role_id, "role_id").await?;
    may_grant(&mut tx, &c.actor, &role).await?;
    sqlx::query(r#"UPDATE client_users SET role_id = $1 WHERE client_id = $2 AND user_id = $3"#)
        .bind(role_id)
        .bind(c.client_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let label = label(c, &user.email);
    tx.record(Event::ClientUserRoleChanged {
        user: Target::new(TargetKind::ClientUser, user_id, label),
        before: RoleNamed {
            role: display_role_name(&user.role_kind, &user.role_name),
            client: None,
        },
        after: RoleNamed {
            role: role.display_name(),
            client: Some(c.client_name.clone()),
        },
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivating takes effect on the next request: access to a client is looked up on
/// every request, so no session needs ending (the login may work in other accounts).
pub async fn set_active(c: &ClientActor, user_id: i64, active: bool) -> Result<(), AppError> {
    let mut tx = c.actor.write().await?;
    let user = client_user(c, &mut tx, user_id).await?;
    if active {
        // Reactivating gives the role back: only someone who could give it does.
        may_grant_all(&mut tx, &c.actor, &[user.role_id]).await?;
    }
    let status = MemberStatus::of(active);
    sqlx::query(r#"UPDATE client_users SET status = $1 WHERE client_id = $2 AND user_id = $3"#)
        .bind(status.as_str())
        .bind(c.client_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let label = label(c, &user.email);
    tx.record(Event::client_user_standing(
        Target::new(TargetKind::ClientUser, user_id, label),
        &user.status,
        status.as_str(),
        &c.client_name,
        active,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How many of its own users a client has (active ones): the client overview shows it, and
/// a move to Practice Edition says they keep their access.
pub async fn active_count(conn: &mut sqlx::AnyConnection, client_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(r#"SELECT COUNT(*) FROM client_users WHERE client_id = $1 AND status = $2"#)
        .bind(client_id)
        .bind(MemberStatus::Active.as_str())
        .fetch_one(conn)
        .await
}
