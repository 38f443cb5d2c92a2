//! Offboarding in SQL: one transaction that deactivates, removes every client assignment
//! and the person's own client logins, ends sessions and revokes invitations; and the
//! leaver report ([`report`]), read from the assignments and the audit trail.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{Member, MemberLock, lock_member};
use crate::access::policy::{hold_practice, keep_an_admin, only_admins_act_on_admins};
use crate::domain::audit::payload::{HeldAccess, Leaving, Left, Requested};
use crate::domain::audit::{Event, Target};
use crate::domain::roles::display_role_name;
use crate::domain::statuses::InvitationStatus;
use crate::domain::statuses::MemberStatus;
use crate::identity::session::end_all_for_user;
use crate::platform::db::now;
use crate::practice::manage_users::ssr::member;

/// The member to offboard, if they may be: not oneself, not the main user, not the last
/// active Admin, and an Admin only by an Admin.
async fn leaver(actor: &PracticeActor, conn: &mut AnyConnection, user_id: i64) -> Result<Member, AppError> {
    if user_id == actor.user_id() {
        return Err(AppError::NotAllowed("You cannot offboard yourself.".into()));
    }
    let m = member(actor, conn, user_id).await?;
    if m.is_main {
        return Err(AppError::Conflict(
            "The main user cannot be offboarded. Transfer the main user first.".into(),
        ));
    }
    only_admins_act_on_admins(actor, &m, "offboard an Admin")?;
    keep_an_admin(conn, actor, &m).await?;
    Ok(m)
}

/// Pending invitations that go with the leaver: those they sent, and any naming them.
const LEAVERS_INVITATIONS: &str = r#"practice_id = $1 AND status = $2 AND (invited_by = $3 OR email = $4)"#;

async fn counts(actor: &PracticeActor, conn: &mut AnyConnection, m: &Member) -> Result<Offboarding, AppError> {
    let clients: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM current_assignments WHERE practice_id = $1 AND user_id = $2"#)
            .bind(actor.practice_id)
            .bind(m.user_id)
            .fetch_one(&mut *conn)
            .await?;
    let sessions: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2"#)
        .bind(m.user_id)
        .bind(now())
        .fetch_one(&mut *conn)
        .await?;
    let invitations: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM invitations WHERE {LEAVERS_INVITATIONS}"))
        .bind(actor.practice_id)
        .bind(InvitationStatus::Pending.as_str())
        .bind(m.user_id)
        .bind(&m.email)
        .fetch_one(&mut *conn)
        .await?;
    let client_logins: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM client_users WHERE practice_id = $1 AND user_id = $2"#)
            .bind(actor.practice_id)
            .bind(m.user_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Offboarding {
        user_id: m.user_id,
        name: m.name.clone(),
        email: m.email.clone(),
        clients,
        sessions,
        invitations,
        client_logins,
    })
}

pub async fn preview(actor: &PracticeActor, user_id: i64) -> Result<Offboarding, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let m = leaver(actor, &mut conn, user_id).await?;
    counts(actor, &mut conn, &m).await
}

#[derive(sqlx::FromRow)]
pub(super) struct Held {
    client_id: i64,
    client: String,
    role_kind: String,
    role_name: String,
    granted_at: i64,
    granted_by: Option<String>,
}

pub async fn offboard(actor: &PracticeActor, user_id: i64) -> Result<Offboarding, AppError> {
    let mut tx = actor.write().await?;
    // Changes to who the practice's Admins are, one at a time (see `hold_practice`).
    hold_practice(&mut tx, actor).await?;
    // Then exclusive: a click or bulk action on this person's access in progress
    // finishes before the grants are removed below, and none starts until this commits.
    lock_member(&mut tx, actor.practice_id, user_id, MemberLock::Update).await?;
    let m = leaver(actor, &mut tx, user_id).await?;
    let done = counts(actor, &mut tx, &m).await?;
    let held: Vec<Held> = sqlx::query_as(
        r#"SELECT a.client_id, c.name AS client, r.kind AS role_kind, r.name AS role_name, a.granted_at,
                  CASE WHEN q.request_id IS NOT NULL THEN g.name || ' (approving a request)' ELSE g.name END AS granted_by
           FROM current_assignments a JOIN client_assignments q ON q.user_id = a.user_id AND q.client_id = a.client_id JOIN clients c ON c.id = a.client_id JOIN roles r ON r.id = a.role_id
                LEFT JOIN users g ON g.id = a.granted_by
           WHERE a.practice_id = $1 AND a.user_id = $2
           ORDER BY LOWER(c.name)"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(r#"DELETE FROM client_assignments WHERE practice_id = $1 AND user_id = $2"#)
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    // Their own logins to the practice's clients (a client's user, however they became
    // one): no way back in through a client.
    let logins = client_logins(&mut tx, actor.practice_id, user_id).await?;
    sqlx::query(r#"DELETE FROM client_users WHERE practice_id = $1 AND user_id = $2"#)
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(r#"UPDATE practice_members SET status = $1 WHERE practice_id = $2 AND user_id = $3"#)
        .bind(MemberStatus::Deactivated.as_str())
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    end_all_for_user(&mut tx, user_id).await?;
    // Nothing more is told to someone who has left.
    sqlx::query(r#"DELETE FROM access_notice_lines WHERE practice_id = $1 AND user_id = $2"#)
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "UPDATE invitations SET status = $5 WHERE {LEAVERS_INVITATIONS}"
    ))
    .bind(actor.practice_id)
    .bind(InvitationStatus::Pending.as_str())
    .bind(user_id)
    .bind(&m.email)
    .bind(InvitationStatus::Revoked.as_str())
    .execute(&mut *tx)
    .await?;
    // Their requests still waiting are withdrawn, each on record.
    let requests: Vec<(i64, String, String, String, Option<i64>, String)> = sqlx::query_as(
        r#"SELECT r.client_id, c.name, ro.kind, ro.name, r.ends_at, r.reason
           FROM access_requests r JOIN clients c ON c.id = r.client_id JOIN roles ro ON ro.id = r.role_id
           WHERE r.practice_id = $1 AND r.user_id = $2 AND r.status = 'pending' ORDER BY r.id"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        r#"UPDATE access_requests SET status = 'withdrawn', updated_at = $3, decided_by = $4, decided_at = $3,
                  outcome_note = 'Offboarded'
           WHERE practice_id = $1 AND user_id = $2 AND status = 'pending'"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(now())
    .bind(actor.user_id())
    .execute(&mut *tx)
    .await?;
    for (client_id, client, kind, role, ends, reason) in requests {
        tx.record(Event::AccessRequestWithdrawn {
            staff: Target::staff_access(user_id, &m.name),
            before: Requested {
                client,
                client_id,
                role: display_role_name(&kind, &role),
                ends: ends.map(crate::platform::dates::last_day),
                reason,
                note: Some("Offboarded".to_owned()),
            },
        })
        .await?;
    }
    let assignments: Vec<HeldAccess> = held
        .iter()
        .map(|h| HeldAccess {
            client_id: h.client_id,
            client: h.client.clone(),
            role: display_role_name(&h.role_kind, &h.role_name),
            granted_at: Some(h.granted_at),
            granted_by: h.granted_by.clone(),
        })
        .collect();
    tx.record(Event::MemberOffboarded {
        member: Target::user(user_id, &m.email),
        before: Leaving {
            status: m.status.as_str().to_owned(),
            role: m.role_name.clone(),
            assignments,
            client_logins: logins,
        },
        after: Left {
            status: MemberStatus::Deactivated.as_str().to_owned(),
            sessions_ended: done.sessions,
            invitations_revoked: done.invitations,
            client_logins_ended: done.client_logins,
        },
        clients: done.clients,
    })
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// `user_id`'s own logins to the practice's clients (as a client's user), with their
/// client role ("since" is when they joined the client).
pub(super) async fn client_logins(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
) -> Result<Vec<HeldAccess>, AppError> {
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        r#"SELECT cu.client_id, c.name, r.kind, r.name, cu.joined_at
           FROM client_users cu JOIN clients c ON c.id = cu.client_id JOIN roles r ON r.id = cu.role_id
           WHERE cu.practice_id = $1 AND cu.user_id = $2
           ORDER BY LOWER(c.name), c.id"#,
    )
    .bind(practice_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(client_id, client, kind, name, joined)| HeldAccess {
            client_id,
            client,
            role: display_role_name(&kind, &name),
            granted_at: Some(joined),
            granted_by: None,
        })
        .collect())
}

mod report;

pub use report::{record_download, report, report_csv};
