//! Offboarding in SQL: one transaction that deactivates, removes every client assignment,
//! ends sessions and revokes invitations; and the leaver report, read from the assignments
//! and the audit trail.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{Member, MemberLock, lock_member};
use crate::access::policy::{hold_practice, keep_an_admin, only_admins_act_on_admins};
use crate::domain::audit::payload::{HeldAccess, Leaving, Left};
use crate::domain::audit::{AuditAction, Event, Target};
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
    Ok(Offboarding {
        user_id: m.user_id,
        name: m.name.clone(),
        email: m.email.clone(),
        clients,
        sessions,
        invitations,
    })
}

pub async fn preview(actor: &PracticeActor, user_id: i64) -> Result<Offboarding, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let m = leaver(actor, &mut conn, user_id).await?;
    counts(actor, &mut conn, &m).await
}

#[derive(sqlx::FromRow)]
struct Held {
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
                  g.name AS granted_by
           FROM current_assignments a JOIN clients c ON c.id = a.client_id JOIN roles r ON r.id = a.role_id
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
    sqlx::query(r#"UPDATE practice_members SET status = $1 WHERE practice_id = $2 AND user_id = $3"#)
        .bind(MemberStatus::Deactivated.as_str())
        .bind(actor.practice_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    end_all_for_user(&mut tx, user_id).await?;
    // Nothing more is told to someone who has left.
    sqlx::query(r#"DELETE FROM access_notices WHERE practice_id = $1 AND user_id = $2 AND sent_at IS NULL"#)
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
        },
        after: Left {
            status: MemberStatus::Deactivated.as_str().to_owned(),
            sessions_ended: done.sessions,
            invitations_revoked: done.invitations,
        },
        clients: done.clients,
    })
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// The leaver report reads at most this many of the person's newest access events.
const EVENTS_READ: i64 = 20_000;

/// An audit event about the person's client access, as the report reads it.
#[derive(sqlx::FromRow)]
struct AccessEvent {
    action: String,
    actor: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    created_at: i64,
}

/// Every client `user_id` (a member or past member) could reach in the last
/// [`REPORT_DAYS`] days: what they hold now (or held until offboarding) with when and who
/// granted it, and every role that ended in that time by a click, a bulk action or
/// offboarding, from the audit trail. A start before the records reach is left empty.
pub async fn report(actor: &PracticeActor, user_id: i64) -> Result<LeaverReport, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let m = member(actor, &mut conn, user_id).await?;
    let t = now();
    let since = t - REPORT_DAYS * 86_400;
    let mut rows = Vec::new();

    // Held now.
    let held: Vec<Held> = sqlx::query_as(
        r#"SELECT a.client_id, c.name AS client, r.kind AS role_kind, r.name AS role_name, a.granted_at,
                  g.name AS granted_by
           FROM current_assignments a JOIN clients c ON c.id = a.client_id JOIN roles r ON r.id = a.role_id
                LEFT JOIN users g ON g.id = a.granted_by
           WHERE a.practice_id = $1 AND a.user_id = $2"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.extend(held.into_iter().map(|h| ReachRow {
        client: h.client,
        role: display_role_name(&h.role_kind, &h.role_name),
        from: Some(h.granted_at),
        to: None,
        granted_by: h.granted_by,
    }));

    // Ended, from the trail: every access event about this person, oldest first, so a
    // role that ended can be matched with the click that gave it.
    let events: Vec<AccessEvent> = sqlx::query_as(
        r#"SELECT e.action, u.name AS actor, e.before_json, e.after_json, e.created_at
           FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE e.practice_id = $1 AND e.target_id = $2 AND e.target_type IN ('staff_access', 'user')
             AND e.action IN ($3, $4, $5) AND e.created_at >= $6
           ORDER BY e.id DESC LIMIT $7"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(AuditAction::AccessSet.as_str())
    .bind(AuditAction::MemberOffboarded.as_str())
    .bind(AuditAction::AccessExpired.as_str())
    // A year back finds the clicks that gave what ended in the last 90 days; the newest
    // events, bounded, keep the report's cost fixed however busy the person was.
    .bind(since - 365 * 86_400)
    .bind(EVENTS_READ)
    .fetch_all(&mut *conn)
    .await?;
    let events: Vec<AccessEvent> = events.into_iter().rev().collect();
    let mut offboarded_at = None;
    // The latest single click that gave (client id, role), for when and by whom.
    let mut given: HashMap<(i64, String), (i64, Option<String>)> = HashMap::new();
    for e in events {
        let event = Event::read(&e.action, None, e.before_json.as_deref(), e.after_json.as_deref(), None);
        // What a click or a lapse changed on one client: the role before and after.
        let (old, new) = match &event {
            Some(Event::AccessSet { before, after, .. }) => (before.role.clone(), after),
            Some(Event::AccessExpired { before, after, .. }) => (before.role.clone(), after),
            Some(Event::MemberOffboarded { before, .. }) => {
                offboarded_at = Some(e.created_at);
                if e.created_at >= since {
                    rows.extend(before.assignments.iter().map(|a| ReachRow {
                        client: a.client.clone(),
                        role: a.role.clone(),
                        from: a.granted_at,
                        to: Some(e.created_at),
                        granted_by: a.granted_by.clone(),
                    }));
                }
                continue;
            }
            _ => continue,
        };
        if let Some(old) = old
            && e.created_at >= since
        {
            let (from, by) = given.get(&(new.client_id, old.clone())).cloned().unzip();
            rows.push(ReachRow {
                client: new.client.clone(),
                role: old,
                from,
                to: Some(e.created_at),
                granted_by: by.flatten(),
            });
        }
        if let Some(role) = &new.role {
            given.insert((new.client_id, role.clone()), (e.created_at, e.actor.clone()));
        }
    }

    // Ended by bulk actions (bulk remove, or a bulk assign replacing a role): the batch
    // rows say which clients and which role each had.
    let bulk: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        r#"SELECT c.name, r.kind, r.name, b.created_at
           FROM bulk_batches b JOIN bulk_batch_rows br ON br.batch_id = b.id
                JOIN clients c ON c.id = br.client_id
                LEFT JOIN roles r ON r.id = br.previous_role_id
           WHERE b.practice_id = $1 AND b.user_id = $2 AND b.created_at >= $3
             AND br.previous_role_id IS NOT NULL
           LIMIT 20000"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    rows.extend(bulk.into_iter().map(|(client, kind, name, at)| ReachRow {
        client,
        role: match (kind, name) {
            (Some(k), Some(n)) => display_role_name(&k, &n),
            _ => "A role since deleted".to_owned(),
        },
        from: None,
        to: Some(at),
        granted_by: None,
    }));

    rows.sort_by(|a, b| {
        a.client
            .to_lowercase()
            .cmp(&b.client.to_lowercase())
            .then(a.from.unwrap_or(0).cmp(&b.from.unwrap_or(0)))
            .then(a.to.unwrap_or(i64::MAX).cmp(&b.to.unwrap_or(i64::MAX)))
    });
    Ok(LeaverReport {
        user_id,
        name: m.name,
        email: m.email,
        since,
        generated_at: t,
        offboarded_at,
        rows,
    })
}

/// The report as CSV (formulas made inert), for "Download leaver report".
pub fn report_csv(report: &LeaverReport) -> String {
    use crate::platform::dates::format_time;
    crate::platform::csv_export::to_csv(
        &["Client", "Role", "From", "To", "Granted by"],
        report.rows.iter().map(|r| {
            vec![
                r.client.clone(),
                r.role.clone(),
                r.from.map(format_time).unwrap_or_default(),
                r.to.map(format_time).unwrap_or_else(|| "still has access".to_owned()),
                r.granted_by.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// Records that `actor` is downloading `rep` (whose, and how many clients it names), before
/// it is sent: a download that cannot be recorded is refused.
pub async fn record_download(actor: &PracticeActor, rep: &LeaverReport) -> Result<(), AppError> {
    let clients: std::collections::HashSet<&str> = rep.rows.iter().map(|r| r.client.as_str()).collect();
    let mut tx = actor.write().await?;
    tx.record(Event::LeaverReportDownloaded {
        member: Target::user(rep.user_id, &rep.email),
        clients: clients.len() as i64,
    })
    .await?;
    tx.commit().await?;
    Ok(())
}
