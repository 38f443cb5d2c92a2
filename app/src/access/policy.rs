//! Every rule about who may change whose access, in one place. Each path that gives,
//! changes or takes away someone's access (a click, a bulk action, a copy, an undo, an end
//! date, a role change, a deactivation, an offboarding, an invitation, a client's own
//! users) asks these; none writes a rule out itself.
//!
//! - Nobody gives a role carrying a permission their own role lacks, and only an Admin gives
//!   the Admin role ([`may_grant`]).
//! - Only an Admin acts on an Admin ([`only_admins_act_on_admins`]): their role, their
//!   status, and their client access by every path ([`may_change_access_of`]).
//! - The practice always keeps an active Admin ([`keep_an_admin`]); the main user keeps the
//!   Admin role and is never deactivated.
//! - A change to who the Admins are runs one at a time, re-reading the actor's own
//!   membership first ([`hold_practice`]).
//! - Nobody is given access while deactivated ([`refuse_if_inactive`]).
//! - Nobody is both the practice's staff and one of its clients' own users (the matrix
//!   alone gives staff their clients): an invitation is checked when it is sent and again
//!   when it is accepted ([`invitation_clash`]).
//! - Only an Admin changes the practice's settings ([`only_admins_change_settings`]): they
//!   decide how every member signs in and is told about access.

use sqlx::AnyConnection;

use crate::access::actor::PracticeActor;
use crate::access::members::{Member, lock_practice};
use crate::access::roles::{PracticeRole, find_practice_role, role_permissions};
use crate::domain::permissions::Permission;
use crate::domain::roles::RoleKind;
use crate::domain::statuses::MemberStatus;
use crate::platform::error::AppError;

/// Refuses a permission set with anything the actor's own role lacks: nobody hands out
/// more than they hold.
pub fn may_grant_permissions(actor: &PracticeActor, permissions: &[Permission]) -> Result<(), AppError> {
    match permissions.iter().find(|p| !actor.can(**p)) {
        None => Ok(()),
        Some(missing) => Err(AppError::NotAllowed(format!(
            "You cannot give a permission your own role does not have ({}).",
            missing.label()
        ))),
    }
}

/// Refuses unless the actor may give `role` to someone (in the practice, on a client, or
/// by invitation): only Admins give the Admin role, and nobody gives a role carrying a
/// permission their own lacks.
pub async fn may_grant(conn: &mut AnyConnection, actor: &PracticeActor, role: &PracticeRole) -> Result<(), AppError> {
    let kind = RoleKind::parse(&role.kind).ok_or(AppError::Internal)?;
    let keys = role_permissions(conn, role.id, kind).await?;
    may_grant_role_with(actor, role, &keys)
}

/// [`may_grant`] for a role whose permissions the caller has read already (with the rest
/// of what it checks, in one statement).
pub fn may_grant_role_with(
    actor: &PracticeActor,
    role: &PracticeRole,
    permissions: &[Permission],
) -> Result<(), AppError> {
    if role.is(RoleKind::Admin) && actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed("Only an Admin can give the Admin role.".into()));
    }
    may_grant_permissions(actor, permissions)
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

/// Holds the practice (`lock_practice`) for a change to who its Admins are, then reads the
/// actor's own membership again: a change to their role, their main-user flag or their
/// access that committed before this (while it waited, on PostgreSQL) must not be acted
/// past with the powers their session was read with.
pub async fn hold_practice(conn: &mut sqlx::AnyConnection, actor: &PracticeActor) -> Result<(), AppError> {
    lock_practice(&mut *conn, actor.practice_id).await?;
    let now: Option<(i64, i64, String)> = sqlx::query_as(
        r#"SELECT role_id, is_main, status FROM practice_members WHERE practice_id = $1 AND user_id = $2"#,
    )
    .bind(actor.practice_id)
    .bind(actor.user_id())
    .fetch_optional(&mut *conn)
    .await?;
    let unchanged = now.is_some_and(|(role_id, is_main, status)| {
        role_id == actor.role_id && (is_main == 1) == actor.is_main && status == MemberStatus::Active.as_str()
    });
    if !unchanged {
        return Err(AppError::Conflict(
            "Your own role changed while this was being done, so nothing was changed. Reload the page.".into(),
        ));
    }
    Ok(())
}

/// Refuses to leave the practice without an active Admin: `m` must not be the last one
/// when they lose the role or their access.
pub async fn keep_an_admin(conn: &mut sqlx::AnyConnection, actor: &PracticeActor, m: &Member) -> Result<(), AppError> {
    if !(m.is_active() && m.role_kind == RoleKind::Admin.as_str()) {
        return Ok(());
    }
    let admins: i64 = sqlx::query_scalar(
        r#"SELECT COUNT(*) FROM practice_members m JOIN roles r ON r.id = m.role_id
           WHERE m.practice_id = $1 AND m.status = $2 AND r.kind = $3"#,
    )
    .bind(actor.practice_id)
    .bind(MemberStatus::Active.as_str())
    .bind(RoleKind::Admin.as_str())
    .fetch_one(conn)
    .await?;
    if admins <= 1 {
        return Err(AppError::Conflict(format!(
            "{} is the last active Admin of the practice. Make someone else an Admin first.",
            m.name
        )));
    }
    Ok(())
}

/// Refuses a non-Admin acting on an Admin (`what` says how, for the message): taking the
/// role or the access away is power over that person too.
pub fn only_admins_act_on_admins(actor: &PracticeActor, m: &Member, what: &str) -> Result<(), AppError> {
    if m.role_kind == RoleKind::Admin.as_str() && actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed(format!("Only an Admin can {what}.")));
    }
    Ok(())
}

/// Refuses a non-Admin any change to an Admin's client access: a click (giving, changing
/// or taking away), a bulk action, a copy onto them, an undo, an end date. Every path that
/// changes someone's client access asks this, with the role kind of the person changed.
pub fn may_change_access_of(actor: &PracticeActor, staff_role_kind: &str) -> Result<(), AppError> {
    if staff_role_kind == RoleKind::Admin.as_str() && actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed(
            "Only an Admin can change an Admin's client access.".into(),
        ));
    }
    Ok(())
}

/// Refuses a non-Admin a change to a custom role that an Admin holds on a client (editing
/// its permissions, or deleting it and moving its holders): that would change the Admin's
/// client access by another path (see [`may_change_access_of`]).
pub async fn may_change_role_held_by_admins(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    role_id: i64,
) -> Result<(), AppError> {
    if actor.role_kind == RoleKind::Admin {
        return Ok(());
    }
    let held_by_admins: i64 = sqlx::query_scalar(
        r#"SELECT COUNT(*) FROM client_assignments a
           JOIN practice_members m ON m.practice_id = a.practice_id AND m.user_id = a.user_id
           JOIN roles r ON r.id = m.role_id
           WHERE a.practice_id = $1 AND a.role_id = $2 AND r.kind = $3"#,
    )
    .bind(actor.practice_id)
    .bind(role_id)
    .bind(RoleKind::Admin.as_str())
    .fetch_one(conn)
    .await?;
    if held_by_admins > 0 {
        return Err(AppError::NotAllowed(
            "Only an Admin can change a role an Admin holds on a client.".into(),
        ));
    }
    Ok(())
}

pub fn refuse_if_deactivated(staff: &Member, role_id: Option<i64>) -> Result<(), AppError> {
    refuse_if_inactive(staff.is_active(), role_id)
}

/// Nobody is given access while deactivated (removing it is always allowed).
pub fn refuse_if_inactive(active: bool, role_id: Option<i64>) -> Result<(), AppError> {
    if !active && role_id.is_some() {
        return Err(AppError::Conflict(
            "This staff member is deactivated. Reactivate them before granting access.".into(),
        ));
    }
    Ok(())
}

/// Refuses anyone but an Admin a change to the practice's settings (how every member signs
/// in, whether staff are told of changes to their access).
pub fn only_admins_change_settings(actor: &PracticeActor) -> Result<(), AppError> {
    if actor.role_kind != RoleKind::Admin {
        return Err(AppError::NotAllowed(
            "Only an Admin can change this practice setting.".into(),
        ));
    }
    Ok(())
}

/// Why `email` may not join the practice (`client`: `None`) or one of its clients' own
/// users (`Some(id)`), if they may not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clash {
    /// Already a member of the practice (active or not).
    Member,
    /// On the practice's active staff: their access to a client is the matrix's.
    Staff,
    /// Already one of this client's users.
    ClientUser,
    /// One of the own users of this client of the practice (its name).
    ClientUserOf(String),
}

/// Who may be what, for an invitation of `email` into `practice_id` (`client`: `None`) or
/// into client `client`'s own users, asked when it is sent and again when it is accepted
/// (what was true then may not be now).
pub async fn invitation_clash(
    conn: &mut AnyConnection,
    practice_id: i64,
    client: Option<i64>,
    email: &str,
) -> Result<Option<Clash>, AppError> {
    let member: Option<String> = sqlx::query_scalar(
        r#"SELECT m.status FROM practice_members m JOIN users u ON u.id = m.user_id WHERE m.practice_id = $1 AND u.email = $2"#,
    )
    .bind(practice_id)
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(client_id) = client else {
        if member.is_some() {
            return Ok(Some(Clash::Member));
        }
        // A client's own login (active or not: it could be made active again) stays apart.
        let own: Option<String> = sqlx::query_scalar(
            r#"SELECT c.name FROM client_users cu JOIN users u ON u.id = cu.user_id JOIN clients c ON c.id = cu.client_id
               WHERE cu.practice_id = $1 AND u.email = $2 ORDER BY LOWER(c.name) LIMIT 1"#,
        )
        .bind(practice_id)
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
        return Ok(own.map(Clash::ClientUserOf));
    };
    if member.is_some_and(|status| status == MemberStatus::Active.as_str()) {
        return Ok(Some(Clash::Staff));
    }
    let user: Option<i64> = sqlx::query_scalar(
        r#"SELECT cu.user_id FROM client_users cu JOIN users u ON u.id = cu.user_id WHERE cu.client_id = $1 AND u.email = $2"#,
    )
    .bind(client_id)
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(user.map(|_| Clash::ClientUser))
}
