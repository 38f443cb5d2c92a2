//! The leaver report: every client the person could reach in the last [`REPORT_DAYS`]
//! days (held now, ended by a click, a lapse, a bulk action, an undo or offboarding, their
//! own client logins), and every login to the practice's clients they invited.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::super::*;
use super::{Held, client_logins};
use crate::access::actor::PracticeActor;
use crate::domain::audit::payload::HeldAccess;
use crate::domain::audit::{AuditAction, Event, Target};
use crate::domain::roles::display_role_name;
use crate::domain::statuses::{InvitationStatus, MemberStatus};
use crate::platform::db::now;
use crate::practice::manage_users::ssr::member;

/// A row of the report for access held as `held` says, as `role`, until `to`.
fn ended(held: &HeldAccess, role: String, to: i64) -> ReachRow {
    ReachRow {
        client: held.client.clone(),
        role,
        from: held.granted_at,
        to: Some(to),
        granted_by: held.granted_by.clone(),
    }
}

/// How the report names a client login's role: "Client user: Employee (predefined)".
fn as_client_user(role: &str) -> String {
    format!("Client user: {role}")
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
                  CASE WHEN q.request_id IS NOT NULL THEN g.name || ' (approving a request)' ELSE g.name END AS granted_by
           FROM current_assignments a JOIN client_assignments q ON q.user_id = a.user_id AND q.client_id = a.client_id JOIN clients c ON c.id = a.client_id JOIN roles r ON r.id = a.role_id
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
    // Their own logins to the practice's clients, held now.
    rows.extend(
        client_logins(&mut conn, actor.practice_id, user_id)
            .await?
            .into_iter()
            .map(|l| ReachRow {
                client: l.client,
                role: as_client_user(&l.role),
                from: l.granted_at,
                to: None,
                granted_by: None,
            }),
    );

    // Ended, from the trail: every access event about this person, oldest first, so a
    // role that ended can be matched with the click that gave it.
    let events: Vec<AccessEvent> = sqlx::query_as(
        r#"SELECT e.action, u.name AS actor, e.before_json, e.after_json, e.created_at
           FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE e.practice_id = $1 AND e.target_id = $2 AND e.target_type IN ('staff_access', 'user')
             AND e.action IN ($3, $4, $5, $8) AND e.created_at >= $6
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
    .bind(AuditAction::AccessBulkUndone.as_str())
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
                    rows.extend(
                        before
                            .assignments
                            .iter()
                            .map(|a| ended(a, a.role.clone(), e.created_at)),
                    );
                    rows.extend(
                        before
                            .client_logins
                            .iter()
                            .map(|l| ended(l, as_client_user(&l.role), e.created_at)),
                    );
                }
                continue;
            }
            // What an undo took away: access a bulk action or a copy had given.
            Some(Event::AccessBulkUndone { after, .. }) => {
                if e.created_at >= since {
                    rows.extend(after.removed.iter().map(|a| ended(a, a.role.clone(), e.created_at)));
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
    let invited_logins = invited_logins(&mut conn, actor.practice_id, user_id, t).await?;
    Ok(LeaverReport {
        user_id,
        name: m.name,
        email: m.email,
        since,
        generated_at: t,
        offboarded_at,
        rows,
        invited_logins,
    })
}

/// Every login `user_id` invited into the practice or one of its clients (at most 1,000,
/// newest first), and where it stands now.
async fn invited_logins(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    t: i64,
) -> Result<Vec<InvitedLogin>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Invited {
        account: String,
        to_client: i64,
        name: String,
        email: String,
        invited_at: i64,
        expires_at: i64,
        status: String,
        login: Option<String>,
    }
    let rows: Vec<Invited> = sqlx::query_as(
        r#"SELECT COALESCE(c.name, p.name) AS account, CASE WHEN i.client_id IS NULL THEN 0 ELSE 1 END AS to_client,
                  i.name, i.email, i.created_at AS invited_at, i.expires_at, i.status,
                  COALESCE(cu.status, m.status) AS login
           FROM invitations i JOIN practices p ON p.id = i.practice_id
           LEFT JOIN clients c ON c.id = i.client_id
           LEFT JOIN users u ON u.email = i.email
           LEFT JOIN client_users cu ON i.client_id IS NOT NULL AND cu.client_id = i.client_id AND cu.user_id = u.id
           LEFT JOIN practice_members m ON i.client_id IS NULL AND m.practice_id = i.practice_id AND m.user_id = u.id
           WHERE i.practice_id = $1 AND i.invited_by = $2
           ORDER BY i.created_at DESC, i.id DESC LIMIT 1000"#,
    )
    .bind(practice_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|i| {
            let staff = i.to_client == 0;
            let state = match (InvitationStatus::parse(&i.status), i.login.as_deref()) {
                (Some(InvitationStatus::Accepted), Some(s)) if s == MemberStatus::Active.as_str() => {
                    if staff {
                        "Active member of the staff"
                    } else {
                        "Active login"
                    }
                }
                (Some(InvitationStatus::Accepted), Some(_)) => {
                    if staff {
                        "Member deactivated"
                    } else {
                        "Login deactivated"
                    }
                }
                (Some(InvitationStatus::Accepted), None) => "Login ended",
                (Some(InvitationStatus::Pending), _) if i.expires_at <= t => "Invitation expired",
                (Some(InvitationStatus::Pending), _) => "Invitation pending",
                _ => "Invitation revoked",
            };
            InvitedLogin {
                account: i.account,
                name: i.name,
                email: i.email,
                invited_at: i.invited_at,
                state: state.to_owned(),
            }
        })
        .collect())
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
