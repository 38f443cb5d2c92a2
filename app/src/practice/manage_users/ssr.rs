use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{Member, find_member};
use crate::access::policy::{hold_practice, keep_an_admin, only_admins_act_on_admins};
use crate::access::policy::{may_grant, may_grant_all};
use crate::access::practices::practice_name;
use crate::access::roles::{chosen_role, practice_roles};
use crate::domain::audit::payload::{MainUser, RoleNamed};
use crate::domain::audit::{Event, Target};
use crate::domain::roles::RoleKind;
use crate::domain::roles::display_role_name;
use crate::domain::statuses::InvitationStatus;
use crate::domain::statuses::MemberStatus;
use crate::identity::session::end_all_for_user;
use crate::platform::db::now;

#[derive(sqlx::FromRow)]
struct LineRow {
    user_id: Option<i64>,
    invitation_id: Option<i64>,
    name: String,
    email: String,
    role_id: i64,
    role_kind: String,
    role_name: String,
    /// The status the page shows, decided once in [`LINES`] (the filter uses it too).
    shown: String,
    is_main: i64,
    two_step: i64,
}

/// Members and pending invitations as one set, each with the status the page shows
/// (`$1` practice, `$2` pending, `$3` now).
const LINES: &str = r#"
    SELECT m.user_id AS user_id, CAST(NULL AS BIGINT) AS invitation_id, u.name, u.email, r.id AS role_id, r.kind AS role_kind,
           r.name AS role_name, m.status, m.is_main, CAST(NULL AS BIGINT) AS expires_at,
           CASE WHEN m.status = 'active' THEN 'active' ELSE 'deactivated' END AS shown,
           CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS two_step
    FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
    WHERE m.practice_id = $1
    UNION ALL
    SELECT CAST(NULL AS BIGINT), i.id, i.name, i.email, r.id, r.kind, r.name, i.status, 0, i.expires_at,
           CASE WHEN i.expires_at > $3 THEN 'invited' ELSE 'expired' END, 0
    FROM invitations i JOIN roles r ON r.id = i.role_id
    WHERE i.practice_id = $1 AND i.status = $2 AND i.client_id IS NULL"#;

/// The search and filters over [`LINES`] (`$4` pattern, `$5` role id or 0, `$6` status or '').
const LINE_MATCHES: &str = r#"(LOWER(l.name) LIKE $4 ESCAPE '\' OR LOWER(l.email) LIKE $4 ESCAPE '\') AND ($5 = 0 OR l.role_id = $5) AND ($6 = '' OR l.shown = $6)"#;

pub async fn users_page(
    actor: &PracticeActor,
    search: &str,
    role: &str,
    status: &str,
    page: i64,
) -> Result<UsersPage, AppError> {
    let role_id: i64 = match role.trim() {
        "" => 0,
        id => id
            .parse()
            .map_err(|_| AppError::invalid("role", "Choose a role from the list."))?,
    };
    let status = match status.trim() {
        "" => "",
        s => UserStatus::parse(s)
            .ok_or_else(|| AppError::invalid("status", "Choose Active, Invited, Expired or Deactivated."))?
            .as_str(),
    };
    let pattern = crate::platform::db::like_pattern(search);
    let t = now();
    let mut conn = actor.state.db.pool().acquire().await?;
    let practice_name = practice_name(&mut conn, actor.practice_id).await?;
    let (total, matching): (i64, i64) = sqlx::query_as(&format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN {LINE_MATCHES} THEN 1 ELSE 0 END), 0) FROM ({LINES}) l"
    ))
    .bind(actor.practice_id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(t)
    .bind(&pattern)
    .bind(role_id)
    .bind(status)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<LineRow> = sqlx::query_as(&format!(
        "SELECT l.user_id, l.invitation_id, l.name, l.email, l.role_id, l.role_kind, l.role_name, l.shown, l.is_main, l.two_step
         FROM ({LINES}) l WHERE {LINE_MATCHES}
         ORDER BY LOWER(l.name), l.email LIMIT $7 OFFSET $8"
    ))
    .bind(actor.practice_id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(t)
    .bind(&pattern)
    .bind(role_id)
    .bind(status)
    .bind(PAGE_SIZE)
    .bind(crate::platform::db::page_offset(page, PAGE_SIZE))
    .fetch_all(&mut *conn)
    .await?;
    let lines = rows
        .into_iter()
        .map(|r| UserLine {
            status: UserStatus::parse(&r.shown).unwrap_or(UserStatus::Deactivated),
            user_id: r.user_id,
            invitation_id: r.invitation_id,
            name: r.name,
            email: r.email,
            role_id: r.role_id,
            role_name: display_role_name(&r.role_kind, &r.role_name),
            is_main: r.is_main == 1,
            two_step: r.two_step == 1,
        })
        .collect();
    let (two_step_required, access_emails, staff_may_request): (i64, i64, i64) =
        sqlx::query_as(r#"SELECT require_two_step, access_emails, staff_may_request FROM practices WHERE id = $1"#)
            .bind(actor.practice_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(UsersPage {
        practice_name,
        lines,
        matching,
        total,
        roles: role_options(&mut conn, actor.practice_id).await?,
        my_user_id: actor.user_id(),
        i_am_main: actor.is_main,
        two_step_required: two_step_required == 1,
        access_emails: access_emails == 1,
        staff_may_request: staff_may_request == 1,
        notice: None,
    })
}

/// Member `user_id` of the caller's practice.
pub(crate) async fn member(
    actor: &PracticeActor,
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
) -> Result<Member, AppError> {
    find_member(conn, actor.practice_id, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))
}

pub async fn change_role(actor: &PracticeActor, user_id: i64, role_id: i64) -> Result<(), AppError> {
    if user_id == actor.user_id() {
        return Err(AppError::NotAllowed("You cannot change your own role.".into()));
    }
    let mut tx = actor.write().await?;
    hold_practice(&mut tx, actor).await?;
    let m = member(actor, &mut tx, user_id).await?;
    let role = chosen_role(&mut tx, actor.practice_id, role_id, "role_id").await?;
    if m.is_main && !role.is(RoleKind::Admin) {
        return Err(AppError::Conflict(
            "The main user keeps the Admin role. Transfer the main user first.".into(),
        ));
    }
    may_grant(&mut tx, actor, &role).await?;
    only_admins_act_on_admins(actor, &m, "change an Admin's role")?;
    if !role.is(RoleKind::Admin) {
        keep_an_admin(&mut tx, actor, &m).await?;
    }
    sqlx::query(r#"UPDATE practice_members SET role_id = $1 WHERE practice_id = $2 AND user_id = $3"#)
        .bind(role_id)
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.record(Event::MemberRoleChanged {
        member: Target::user(user_id, &m.email),
        before: RoleNamed {
            role: m.role_name.clone(),
            client: None,
        },
        after: RoleNamed {
            role: role.name.clone(),
            client: None,
        },
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_active(actor: &PracticeActor, user_id: i64, active: bool) -> Result<(), AppError> {
    let mut tx = actor.write().await?;
    hold_practice(&mut tx, actor).await?;
    let m = member(actor, &mut tx, user_id).await?;
    if m.is_main && !active {
        return Err(AppError::Conflict(
            "The main user cannot be deactivated. Transfer the main user first.".into(),
        ));
    }
    if user_id == actor.user_id() && !active {
        return Err(AppError::Conflict("You cannot deactivate yourself.".into()));
    }
    only_admins_act_on_admins(actor, &m, "deactivate or reactivate an Admin")?;
    if !active {
        keep_an_admin(&mut tx, actor, &m).await?;
    } else {
        // Reactivating gives back the member's role and every client role they kept:
        // nobody gives back what they could not give.
        let mut roles: Vec<i64> = sqlx::query_scalar(
            r#"SELECT DISTINCT role_id FROM client_assignments WHERE practice_id = $1 AND user_id = $2"#,
        )
        .bind(actor.practice_id)
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        roles.push(m.role_id);
        may_grant_all(&mut tx, actor, &roles).await?;
        // Nobody is both staff and one of the practice's clients' own users (one may have
        // become one while deactivated): that login goes first.
        let own_login: Option<String> = sqlx::query_scalar(
            r#"SELECT c.name FROM client_users cu JOIN clients c ON c.id = cu.client_id
               WHERE cu.practice_id = $1 AND cu.user_id = $2 ORDER BY LOWER(c.name) LIMIT 1"#,
        )
        .bind(actor.practice_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(client) = own_login {
            return Err(AppError::Conflict(format!(
                "{} is one of {client}'s own users, and a client's own user cannot also be the practice's staff. Remove that login from {client}'s users first.",
                m.name
            )));
        }
    }
    let status = MemberStatus::of(active);
    sqlx::query(r#"UPDATE practice_members SET status = $1 WHERE practice_id = $2 AND user_id = $3"#)
        .bind(status.as_str())
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if !active {
        // Deactivation takes effect now: every session of that login ends, and the
        // invitations they sent and nobody has accepted yet go with their rights.
        end_all_for_user(&mut tx, user_id).await?;
        let revoked: Vec<(i64, String)> = sqlx::query_as(
            r#"UPDATE invitations SET status = $1
               WHERE practice_id = $2 AND invited_by = $3 AND status = $4
               RETURNING id, email"#,
        )
        .bind(crate::domain::statuses::InvitationStatus::Revoked.as_str())
        .bind(actor.practice_id)
        .bind(user_id)
        .bind(crate::domain::statuses::InvitationStatus::Pending.as_str())
        .fetch_all(&mut *tx)
        .await?;
        for (id, email) in revoked {
            tx.record(Event::InvitationRevoked {
                invitation: Target::new(crate::domain::audit::TargetKind::Invitation, id, &email),
            })
            .await?;
        }
    }
    tx.record(Event::member_standing(
        Target::user(user_id, &m.email),
        m.status.as_str(),
        status.as_str(),
        active,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn transfer_main(actor: &PracticeActor, user_id: i64) -> Result<(), AppError> {
    if !actor.is_main {
        return Err(AppError::Forbidden);
    }
    let mut tx = actor.write().await?;
    hold_practice(&mut tx, actor).await?;
    let m = member(actor, &mut tx, user_id).await?;
    if !m.is_active() {
        return Err(AppError::Conflict(
            "Only an active member can become the main user.".into(),
        ));
    }
    if user_id == actor.user_id() {
        return Ok(());
    }
    let admin_role = crate::access::practices::predefined_role_id(&mut tx, actor.practice_id, RoleKind::Admin).await?;
    // Clear the old main user first: the schema allows one main user per practice.
    sqlx::query(r#"UPDATE practice_members SET is_main = 0 WHERE practice_id = $1 AND user_id = $2"#)
        .bind(actor.practice_id)
        .bind(actor.user_id())
        .execute(&mut *tx)
        .await?;
    sqlx::query(r#"UPDATE practice_members SET is_main = 1, role_id = $1 WHERE practice_id = $2 AND user_id = $3"#)
        .bind(admin_role)
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.record(Event::MainUserTransferred {
        member: Target::user(user_id, &m.email),
        before: MainUser {
            main_user: actor.session.email.clone(),
            role: m.role_name.clone(),
        },
        after: MainUser {
            main_user: m.email.clone(),
            role: "Admin".to_owned(),
        },
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member's lost phone: sends them a link that turns their two-step sign-in off (24
/// hours, single use). The login is its owner's and may belong to other businesses too, so
/// a practice never clears it itself, and the answer is the same whatever else the login
/// belongs to. Using the link ends the login's sessions (`account::two_step`).
pub async fn reset_two_step(actor: &PracticeActor, user_id: i64) -> Result<(), AppError> {
    use crate::identity::login_links::{Message, NewLink, send};
    use crate::platform::mail::{LoginPurpose, escape_html};
    if user_id == actor.user_id() {
        return Err(AppError::NotAllowed(
            "Use Two-step sign-in in your own account menu to change your own.".into(),
        ));
    }
    let mut tx = actor.write().await?;
    crate::access::policy::hold_practice(&mut tx, actor).await?;
    let m = member(actor, &mut tx, user_id).await?;
    only_admins_act_on_admins(actor, &m, "reset an Admin's two-step sign-in")?;
    let had: Option<String> = sqlx::query_scalar(r#"SELECT totp_secret FROM users WHERE id = $1"#)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    if had.is_none() {
        return Err(AppError::Conflict(format!(
            "{} has no two-step sign-in to reset.",
            m.name
        )));
    }
    let practice = crate::access::practices::practice_name(&mut tx, actor.practice_id).await?;
    let admin = actor.session.name.clone();
    let name = m.name.clone();
    send(
        &mut tx,
        &actor.state,
        NewLink {
            purpose: LoginPurpose::TwoStepReset,
            user_id,
            to: &m.email,
            new_email: None,
            practice_id: Some(actor.practice_id),
            requested_by: Some(actor.user_id()),
        },
        |link| Message {
            subject: format!("Reset your two-step sign-in for {practice}"),
            text: format!(
                "Hello {name},\n\n{admin} at {practice} asked for your two-step sign-in to be reset, \
                 as when a phone is lost. To turn it off, open this link:\n{link}\n\n\
                 Then sign in with your password and set two-step sign-in up again. The link works once \
                 and expires in 24 hours. If you did not ask for this, ignore this email: nothing changes.\n"
            ),
            html: format!(
                "<p>Hello {n},</p><p>{a} at <strong>{p}</strong> asked for your two-step sign-in to be reset, \
                 as when a phone is lost.</p><p><a href=\"{l}\">Turn off my two-step sign-in</a></p>\
                 <p>Then sign in with your password and set two-step sign-in up again. The link works once \
                 and expires in 24 hours. If you did not ask for this, ignore this email: nothing changes.</p>",
                n = escape_html(&name),
                a = escape_html(&admin),
                p = escape_html(&practice),
                l = escape_html(link),
            ),
        },
    )
    .await?;
    tx.record(Event::TwoStepResetSent {
        member: Target::user(user_id, &m.email),
    })
    .await?;
    tx.commit().await?;
    actor.state.outbox.0.notify_one();
    Ok(())
}

/// The practice's roles as a role select offers them (in list order), on the practice's
/// Manage users, a client's, and a client's staff with access.
pub async fn role_options(conn: &mut sqlx::AnyConnection, practice_id: i64) -> Result<Vec<RoleOption>, sqlx::Error> {
    Ok(practice_roles(conn, practice_id)
        .await?
        .into_iter()
        .map(|r| RoleOption {
            name: r.display_name(),
            id: r.id,
        })
        .collect())
}
