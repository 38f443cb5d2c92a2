//! Access requests on the server: what "Request access" offers, asking, the lists, and
//! withdrawing ([`decide`]: approving and declining; [`expiry`]: requests nobody answered).

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::policy::may_grant;
use crate::access::roles::{PracticeRole, chosen_role, practice_roles};
use crate::domain::audit::payload::Requested;
use crate::domain::audit::{Event, Target};
use crate::domain::permissions::Permission;
use crate::domain::roles::{RoleKind, display_role_name};
use crate::platform::dates::last_day;
use crate::platform::db::like_pattern;
use crate::platform::db::now;

mod decide;
mod expiry;

pub use decide::{approve, decline};
pub use expiry::{expire_unanswered, run_sweeper};

/// When a pending request asked at `asked_at` is past answering.
pub fn expired(asked_at: i64, t: i64) -> bool {
    asked_at <= t - EXPIRE_DAYS * 24 * 3600
}

/// The roles of the practice `actor` may ask for or give: none with more than their own
/// role permits (only an Admin, the Admin role).
async fn roles_for(conn: &mut AnyConnection, actor: &PracticeActor) -> Result<Vec<PracticeRole>, AppError> {
    let mut out = Vec::new();
    for role in practice_roles(conn, actor.practice_id).await? {
        if may_grant(conn, actor, &role).await.is_ok() {
            out.push(role);
        }
    }
    Ok(out)
}

fn choices(roles: &[PracticeRole]) -> Vec<RoleChoice> {
    roles
        .iter()
        .map(|r| RoleChoice {
            id: r.id,
            name: r.display_name(),
        })
        .collect()
}

async fn takes_requests(conn: &mut AnyConnection, practice_id: i64) -> Result<bool, sqlx::Error> {
    let on: i64 = sqlx::query_scalar(r#"SELECT staff_may_request FROM practices WHERE id = $1"#)
        .bind(practice_id)
        .fetch_one(conn)
        .await?;
    Ok(on == 1)
}

/// Unarchived clients of the practice `user_id` cannot open yet (`only`: just that one).
const REQUESTABLE: &str = r#"SELECT c.id, c.name FROM clients c
    WHERE c.practice_id = $1 AND c.archived = 0
      AND ($2 = '' OR LOWER(c.name) LIKE $3 ESCAPE '\')
      AND ($4 = 0 OR c.id = $4)
      AND NOT EXISTS (SELECT 1 FROM current_assignments a WHERE a.user_id = $5 AND a.client_id = c.id)
    ORDER BY LOWER(c.name), c.id LIMIT $6"#;

pub async fn form(actor: &PracticeActor, search: &str, client: Option<i64>) -> Result<RequestForm, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let enabled = takes_requests(&mut conn, actor.practice_id).await?;
    let search: String = search.trim().chars().take(200).collect();
    let find = |term: &str, only: i64, limit: i64| {
        sqlx::query_as::<_, ClientChoice>(REQUESTABLE)
            .bind(actor.practice_id)
            .bind(term.to_owned())
            .bind(like_pattern(term))
            .bind(only)
            .bind(actor.user_id())
            .bind(limit)
    };
    // Turned off: nothing to choose (and no list of clients to read).
    let limit = if enabled { CLIENT_CHOICES + 1 } else { 0 };
    let mut clients = find(&search, 0, limit).fetch_all(&mut *conn).await?;
    let more = clients.len() as i64 > CLIENT_CHOICES;
    clients.truncate(CLIENT_CHOICES as usize);
    // The client a link named ("Request access" on its line) comes first.
    if let Some(id) = client.filter(|id| *id > 0 && enabled) {
        clients.retain(|c| c.id != id);
        if let Some(chosen) = find("", id, 1).fetch_optional(&mut *conn).await? {
            clients.insert(0, chosen);
        }
    }
    let roles = roles_for(&mut conn, actor).await?;
    let default_role = roles
        .iter()
        .find(|r| r.is(RoleKind::Employee))
        .or(roles.first())
        .map(|r| r.id);
    Ok(RequestForm {
        enabled,
        clients,
        more,
        roles: choices(&roles),
        default_role,
        notice: crate::platform::form_return::take_notice(),
    })
}

/// The practice's members who may decide requests (they may manage users), but `asker`.
async fn approvers(conn: &mut AnyConnection, practice_id: i64, asker: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        r#"SELECT m.user_id FROM practice_members m JOIN roles r ON r.id = m.role_id
           WHERE m.practice_id = $1 AND m.status = 'active' AND m.user_id <> $2
             AND (r.kind = 'admin' OR (r.kind = 'custom' AND EXISTS (
                  SELECT 1 FROM role_permissions p WHERE p.role_id = r.id AND p.permission = $3)))
           ORDER BY m.user_id"#,
    )
    .bind(practice_id)
    .bind(asker)
    .bind(Permission::ManageUsers.key())
    .fetch_all(conn)
    .await
}

/// A reason as stored: trimmed, one line, at most [`REASON_MAX`] characters.
fn clean_text(text: &str, field: &str, required: bool) -> Result<String, AppError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if required && text.is_empty() {
        return Err(AppError::invalid(field, "Say why you need access."));
    }
    if text.chars().count() > REASON_MAX {
        return Err(AppError::invalid(
            field,
            format!("Use at most {REASON_MAX} characters."),
        ));
    }
    Ok(text)
}

/// An end date typed in field `field` (`YYYY-MM-DD`, empty: none).
fn end_in(text: &str, field: &str) -> Result<Option<i64>, AppError> {
    crate::partner::matrix::ssr::parse_end(text).map_err(|e| match e {
        AppError::Invalid { message, .. } => AppError::invalid(field, message),
        other => other,
    })
}

pub async fn ask(
    actor: &PracticeActor,
    client_id: i64,
    role_id: i64,
    reason: &str,
    until: &str,
) -> Result<String, AppError> {
    let reason = clean_text(reason, "reason", true)?;
    let ends = end_in(until, "until")?;
    let mut tx = actor.write().await?;
    // Held until this commits: an offboarding of the asker waits, then withdraws this too
    // (or came first, and the asker is no longer active).
    crate::access::members::lock_member(
        &mut tx,
        actor.practice_id,
        actor.user_id(),
        crate::access::members::MemberLock::Share,
    )
    .await?;
    let active: Option<i64> = sqlx::query_scalar(
        r#"SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 AND status = 'active'"#,
    )
    .bind(actor.practice_id)
    .bind(actor.user_id())
    .fetch_optional(&mut *tx)
    .await?;
    if active.is_none() {
        return Err(AppError::NotAllowed(
            "You are no longer active staff of this practice.".into(),
        ));
    }
    if !takes_requests(&mut tx, actor.practice_id).await? {
        return Err(AppError::NotAllowed(
            "Your practice does not take access requests. Ask whoever manages its users.".into(),
        ));
    }
    let client: Option<(String, i64)> =
        sqlx::query_as(r#"SELECT name, archived FROM clients WHERE id = $1 AND practice_id = $2"#)
            .bind(client_id)
            .bind(actor.practice_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((client, 0)) = client else {
        return Err(AppError::invalid("client_id", "Choose one of the practice's clients."));
    };
    let holds: Option<i64> =
        sqlx::query_scalar(r#"SELECT 1 FROM current_assignments WHERE user_id = $1 AND client_id = $2"#)
            .bind(actor.user_id())
            .bind(client_id)
            .fetch_optional(&mut *tx)
            .await?;
    if holds.is_some() {
        return Err(AppError::Conflict(format!("You already have access to {client}.")));
    }
    let role = chosen_role(&mut tx, actor.practice_id, role_id, "role_id").await?;
    may_grant(&mut tx, actor, &role).await.map_err(|e| match e {
        AppError::NotAllowed(_) => AppError::invalid("role_id", "Ask for a role that gives no more than your own."),
        other => other,
    })?;
    let waiting: i64 = sqlx::query_scalar(
        r#"SELECT COUNT(*) FROM access_requests
           WHERE user_id = $1 AND practice_id = $2 AND status = 'pending' AND client_id <> $3 AND created_at > $4"#,
    )
    .bind(actor.user_id())
    .bind(actor.practice_id)
    .bind(client_id)
    .bind(now() - EXPIRE_DAYS * 24 * 3600)
    .fetch_one(&mut *tx)
    .await?;
    if waiting >= PENDING_MAX {
        return Err(AppError::Conflict(format!(
            "You have {PENDING_MAX} requests waiting. Withdraw one, or wait for answers, before asking again."
        )));
    }
    crate::identity::throttle::take_all(
        &mut tx,
        &[(
            &crate::identity::throttle::access_requests_key(actor.user_id()),
            crate::identity::throttle::ACCESS_REQUESTS_PER_PERSON,
        )],
    )
    .await?;
    let t = now();
    // A second request for the client, while the first waits, updates it (it keeps when it
    // was first asked: asking again does not put off its expiry).
    let updated = sqlx::query(
        r#"UPDATE access_requests SET role_id = $1, reason = $2, ends_at = $3, updated_at = $4
           WHERE user_id = $5 AND client_id = $6 AND status = 'pending'"#,
    )
    .bind(role.id)
    .bind(&reason)
    .bind(ends)
    .bind(t)
    .bind(actor.user_id())
    .bind(client_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        sqlx::query(
            r#"INSERT INTO access_requests (practice_id, user_id, client_id, role_id, reason, ends_at, status, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)"#,
        )
        .bind(actor.practice_id)
        .bind(actor.user_id())
        .bind(client_id)
        .bind(role.id)
        .bind(&reason)
        .bind(ends)
        .bind(t)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            crate::platform::db::on_constraint(e, &ONE_PENDING, || {
                AppError::Conflict("You asked for this client a moment ago. Reload to see it.".into())
            })
        })?;
    }
    let role_name = role.display_name();
    tx.record(Event::AccessRequested {
        staff: Target::staff_access(actor.user_id(), &actor.session.name),
        after: Requested {
            client: client.clone(),
            client_id,
            role: role_name.clone(),
            ends: ends.map(last_day),
            reason: reason.clone(),
            note: None,
        },
    })
    .await?;
    let subject = format!("{} asks for access to {client}", actor.session.name);
    let until = ends.map(|e| format!(" until {}", last_day(e))).unwrap_or_default();
    let detail = format!("{role_name}{until}. Reason: {reason}");
    for approver in approvers(&mut tx, actor.practice_id, actor.user_id()).await? {
        crate::partner::access_notices::ssr::note_request(&mut tx, actor.practice_id, approver, &subject, &detail)
            .await?;
    }
    tx.commit().await?;
    Ok(client)
}

/// The one pending request per person and client (`access_requests_one_pending`).
pub const ONE_PENDING: crate::platform::db::Unique = crate::platform::db::Unique {
    name: "access_requests_one_pending",
    sqlite_columns: Some("access_requests.user_id, access_requests.client_id"),
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    staff_id: i64,
    staff_name: String,
    client_id: i64,
    client_name: String,
    role_id: i64,
    role_kind: String,
    role_name: String,
    ends_at: Option<i64>,
    reason: String,
    status: String,
    asked_at: i64,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    note: Option<String>,
}

/// How many of a list are shown: every pending one, then the latest decided.
const LISTED: i64 = 200;

pub async fn list(actor: &PracticeActor, mine: bool) -> Result<AccessRequests, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let rows: Vec<Row> = sqlx::query_as(
        r#"SELECT r.id, r.user_id AS staff_id, u.name AS staff_name, r.client_id, c.name AS client_name,
                  r.role_id, ro.kind AS role_kind, ro.name AS role_name, r.ends_at, r.reason, r.status,
                  r.created_at AS asked_at, d.name AS decided_by, r.decided_at, r.outcome_note AS note
           FROM access_requests r JOIN users u ON u.id = r.user_id JOIN clients c ON c.id = r.client_id
                JOIN roles ro ON ro.id = r.role_id LEFT JOIN users d ON d.id = r.decided_by
           WHERE r.practice_id = $1 AND ($2 = 0 OR r.user_id = $3)
           ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END,
                    CASE WHEN r.status = 'pending' THEN r.created_at ELSE -r.updated_at END, r.id
           LIMIT $4"#,
    )
    .bind(actor.practice_id)
    .bind(i64::from(mine))
    .bind(actor.user_id())
    .bind(LISTED)
    .fetch_all(&mut *conn)
    .await?;
    let t = now();
    let lines: Vec<AccessRequestLine> = rows
        .into_iter()
        .map(|r| AccessRequestLine {
            // Past answering, though not yet swept: as it will be recorded.
            status: if r.status == "pending" && expired(r.asked_at, t) {
                RequestStatus::Expired.as_str().to_owned()
            } else {
                r.status
            },
            id: r.id,
            staff_id: r.staff_id,
            staff_name: r.staff_name,
            client_id: r.client_id,
            client_name: r.client_name,
            role_id: r.role_id,
            role_name: display_role_name(&r.role_kind, &r.role_name),
            ends_at: r.ends_at,
            reason: r.reason,
            asked_at: r.asked_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            note: r.note,
        })
        .collect();
    let waiting = lines.iter().filter(|l| l.status() == RequestStatus::Pending).count() as i64;
    let roles = if mine {
        Vec::new()
    } else {
        choices(&roles_for(&mut conn, actor).await?)
    };
    Ok(AccessRequests {
        lines,
        waiting,
        roles,
        notice: crate::platform::form_return::take_notice(),
    })
}

/// A request of the practice as it stood, for the trail.
pub(super) fn requested(
    client: &str,
    client_id: i64,
    role: String,
    ends: Option<i64>,
    reason: &str,
    note: Option<String>,
) -> Requested {
    Requested {
        client: client.to_owned(),
        client_id,
        role,
        ends: ends.map(last_day),
        reason: reason.to_owned(),
        note,
    }
}

pub async fn withdraw(actor: &PracticeActor, request_id: i64) -> Result<String, AppError> {
    let mut tx = actor.write().await?;
    let found: Option<(i64, i64, Option<i64>, String)> = sqlx::query_as(
        r#"UPDATE access_requests SET status = 'withdrawn', updated_at = $1
           WHERE id = $2 AND user_id = $3 AND practice_id = $4 AND status = 'pending'
           RETURNING client_id, role_id, ends_at, reason"#,
    )
    .bind(now())
    .bind(request_id)
    .bind(actor.user_id())
    .bind(actor.practice_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((client_id, role_id, ends, reason)) = found else {
        return Err(AppError::NotFound(
            "No request of yours that is waiting has that id.".into(),
        ));
    };
    let (client, kind, role): (String, String, String) =
        sqlx::query_as(r#"SELECT c.name, r.kind, r.name FROM clients c, roles r WHERE c.id = $1 AND r.id = $2"#)
            .bind(client_id)
            .bind(role_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.record(Event::AccessRequestWithdrawn {
        staff: Target::staff_access(actor.user_id(), &actor.session.name),
        before: requested(&client, client_id, display_role_name(&kind, &role), ends, &reason, None),
    })
    .await?;
    tx.commit().await?;
    Ok(client)
}
