//! The matrix's SQL. Every statement is scoped to the caller's practice; bulk actions are
//! set-based (a handful of statements whatever the number of clients) and undoable.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{Member, MemberLock, find_member, lock_member};
use crate::access::policy::{may_grant, may_grant_all};
use crate::access::policy::{refuse_if_deactivated, refuse_if_inactive};
use crate::access::roles::{chosen_role, practice_roles};
use crate::domain::audit::{self, AuditAction, AuditEvent};
use crate::domain::roles::display_role_name;
use crate::domain::statuses::MemberStatus;
use crate::partner::clients::ssr::{ClientFilter, MATCHES_FILTER, count_unarchived};
use crate::platform::db::{Backend, Step, now, page_offset};

/// How long after a bulk action "Undo" is offered.
pub const UNDO_WINDOW_SECS: i64 = 15 * 60;

/// Each client `c` with the staff member's (`$2`) live grant on it, if any, as `a`.
const STAFF_GRANT: &str = "LEFT JOIN current_assignments a ON a.client_id = c.id AND a.user_id = $2";

/// The `WHERE` of "clients in scope" of the matrix and its bulk actions: the unarchived
/// clients matching the filter (`$1` practice, `$3` name pattern, `$4` plan; `$2` is the
/// staff member) and, for an access filter, with or without the staff member's live grant
/// `a` (a query filtering by access joins [`STAFF_GRANT`]).
fn in_scope(access: AccessFilter) -> String {
    let access = match access {
        AccessFilter::All => "",
        AccessFilter::With => " AND a.role_id IS NOT NULL",
        AccessFilter::Without => " AND a.role_id IS NULL",
    };
    format!("{MATCHES_FILTER} AND c.archived = 0{access}")
}

#[derive(sqlx::FromRow)]
struct StaffSql {
    user_id: i64,
    name: String,
    email: String,
    role_kind: String,
    role_name: String,
    status: String,
    clients: i64,
}

pub async fn staff_table(actor: &PracticeActor) -> Result<StaffTable, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let rows: Vec<StaffSql> = sqlx::query_as(
        r#"SELECT m.user_id, u.name, u.email, r.kind AS role_kind, r.name AS role_name, m.status,
                  (SELECT COUNT(*) FROM current_assignments a JOIN clients c ON c.id = a.client_id AND c.archived = 0
                   WHERE a.user_id = m.user_id AND a.practice_id = m.practice_id) AS clients
           FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
           WHERE m.practice_id = $1
           ORDER BY CASE m.status WHEN $2 THEN 0 ELSE 1 END, LOWER(u.name)"#,
    )
    .bind(actor.practice_id)
    .bind(MemberStatus::Active.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let total_clients = count_unarchived(&mut conn, actor.practice_id).await?;
    Ok(StaffTable {
        staff: rows
            .into_iter()
            .map(|r| StaffRow {
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                role_name: display_role_name(&r.role_kind, &r.role_name),
                active: MemberStatus::parse(&r.status) == Some(MemberStatus::Active),
                clients: r.clients,
            })
            .collect(),
        total_clients,
    })
}

/// Staff member `user_id` of the caller's practice.
async fn staff_member(actor: &PracticeActor, conn: &mut AnyConnection, user_id: i64) -> Result<Member, AppError> {
    find_member(conn, actor.practice_id, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That staff member".into()))
}

/// [`staff_member`] in a transaction that changes their access: their row is held until
/// it ends, so an offboarding or deactivation cannot commit in between unseen. One client's
/// change holds it shared (`MemberLock::Share`: many at once); a change over many clients
/// (a bulk action, its undo, a copy) holds it alone (`MemberLock::Update`), so two of them
/// never write the same rows in different orders at once (on PostgreSQL a deadlock, one of
/// them failed).
async fn staff_member_to_change(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    user_id: i64,
    lock: MemberLock,
) -> Result<Member, AppError> {
    lock_member(conn, actor.practice_id, user_id, lock).await?;
    staff_member(actor, conn, user_id).await
}

/// The column name of role `role_id`, refused unless it is one of the practice's and the
/// actor may give it (nobody grants on a client more than they hold themselves).
async fn practice_role(actor: &PracticeActor, conn: &mut AnyConnection, role_id: i64) -> Result<String, AppError> {
    let role = chosen_role(conn, actor.practice_id, role_id, "role_id").await?;
    may_grant(conn, actor, &role).await?;
    Ok(role.display_name())
}

pub async fn columns(actor: &PracticeActor, conn: &mut AnyConnection) -> Result<Vec<RoleColumn>, AppError> {
    Ok(practice_roles(conn, actor.practice_id)
        .await?
        .into_iter()
        .map(|r| RoleColumn {
            id: r.id,
            is_employee: r.is(crate::domain::roles::RoleKind::Employee),
            name: r.display_name(),
        })
        .collect())
}

/// The newest change to the staff member's access; refused (404) for anyone who is not a
/// member of the caller's practice. One statement: an open matrix polls it every few seconds.
pub async fn version(actor: &PracticeActor, user_id: i64) -> Result<i64, AppError> {
    sqlx::query_scalar(
        r#"SELECT (SELECT COALESCE(MAX(e.id), 0) FROM audit_events e
                   WHERE e.practice_id = m.practice_id AND e.target_type = 'staff_access' AND e.target_id = m.user_id)
           FROM practice_members m WHERE m.practice_id = $1 AND m.user_id = $2"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .fetch_optional(actor.state.db.pool())
    .await?
    .ok_or_else(|| AppError::NotFound("That staff member".into()))
}

#[derive(sqlx::FromRow)]
struct RowSql {
    id: i64,
    name: String,
    plan: String,
    role_id: Option<i64>,
    ends_at: Option<i64>,
}

pub async fn matrix(actor: &PracticeActor, user_id: i64, scope: &Scope, page: i64) -> Result<Matrix, AppError> {
    let mut conn = actor.state.db.pool().acquire().await?;
    let staff_name = staff_member(actor, &mut conn, user_id).await?.name;
    let filter = ClientFilter::parse(&scope.search, &scope.plan)?;
    let access = AccessFilter::parse(&scope.access)?;
    let rows: Vec<RowSql> = sqlx::query_as(&format!(
        r#"SELECT c.id, c.name, c.plan, a.role_id, a.ends_at
           FROM clients c {STAFF_GRANT}
           WHERE {}
           ORDER BY LOWER(c.name), c.id LIMIT $5 OFFSET $6"#,
        in_scope(access)
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .bind(PAGE_SIZE)
    .bind(page_offset(page, PAGE_SIZE))
    .fetch_all(&mut *conn)
    .await?;
    // The scope numbers its parameters $1, $3 and $4 (it is shared with queries where $2 is
    // the staff member); `$2 = $2` keeps that numbering valid here, where $2 is unused
    // unless the count is by access (then it joins the staff member's grants).
    let join = match access {
        AccessFilter::All => "",
        _ => STAFF_GRANT,
    };
    let matching: i64 = sqlx::query_scalar(&format!(
        r#"SELECT COUNT(*) FROM clients c {join} WHERE $2 = $2 AND {}"#,
        in_scope(access)
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .fetch_one(&mut *conn)
    .await?;
    let total = count_unarchived(&mut conn, actor.practice_id).await?;
    let columns = columns(actor, &mut conn).await?;
    drop(conn);
    Ok(Matrix {
        staff_name,
        columns,
        rows: rows
            .into_iter()
            .map(|r| MatrixRow {
                client_id: r.id,
                name: r.name,
                plan: Plan::parse(&r.plan).unwrap_or(Plan::PracticeEdition),
                role_id: r.role_id,
                ends_at: r.ends_at,
            })
            .collect(),
        matching,
        total,
        version: version(actor, user_id).await?,
        notice: None,
    })
}

/// On a role change, a live end date stays with the grant; an end date already passed
/// (a row the sweeper has not removed yet) does not carry over to the new grant, given at
/// `granted_at` (an SQL expression).
fn keep_live_end(granted_at: &str) -> String {
    format!("CASE WHEN client_assignments.ends_at > {granted_at} THEN client_assignments.ends_at ELSE NULL END")
}

/// Writes a role for one pair; `None` removes it. One statement either way, so two admins
/// clicking the same row at once end with one row holding the last click.
async fn write_pair(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
    actor: i64,
) -> Result<(), sqlx::Error> {
    match role_id {
        Some(role) => {
            sqlx::query(&format!(
                r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
                   VALUES ($1, $2, $3, $4, $5, $6)
                   ON CONFLICT (user_id, client_id) DO UPDATE SET
                       role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at,
                       ends_at = {}"#,
                keep_live_end("excluded.granted_at")
            ))
            .bind(practice_id)
            .bind(user_id)
            .bind(client_id)
            .bind(role)
            .bind(actor)
            .bind(now())
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query(r#"DELETE FROM client_assignments WHERE user_id = $1 AND client_id = $2"#)
                .bind(user_id)
                .bind(client_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

pub async fn set_one(
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
) -> Result<(), AppError> {
    // Clicks are many and small: on SQLite the ones waiting at the same moment share one
    // transaction and one commit (`write_grouped`). Each is checked inside it, where the
    // check counts: one statement reads all a click depends on (plus, for a custom role,
    // its permissions). A refused click writes nothing and leaves the others be.
    let actor = actor.clone();
    let db = actor.state.db.clone();
    db.write_grouped(move |conn| {
        Box::pin(async move {
            let checked = match check_one(&actor, conn, user_id, client_id, role_id).await {
                Ok(checked) => checked,
                // A database error may have cost the transaction itself (SQLite rolls back
                // on some): the group must not go on as if nothing happened.
                Err(error @ (AppError::Internal | AppError::Busy)) => return Err(error),
                Err(refused) => return Ok(Step::Refused(refused)),
            };
            if checked.before.as_ref().map(|b| b.0) == role_id {
                return Ok(Step::Done(())); // Already so: nothing to change or audit.
            }
            write_pair(conn, actor.practice_id, user_id, client_id, role_id, actor.user_id()).await?;
            let client_name = &checked.client_name;
            let line = match &checked.new_role {
                Some(role) => format!("{client_name}: {role} (given by {})", actor.session.name),
                None => format!("{client_name}: access removed (by {})", actor.session.name),
            };
            audit::record(
                conn,
                AuditEvent {
                    before: Some(serde_json::json!({ "client": client_name, "client_id": client_id, "role": checked.before.map(|(_, k, n)| display_role_name(&k, &n)) })),
                    after: Some(serde_json::json!({ "client": client_name, "client_id": client_id, "role": checked.new_role })),
                    affected_count: Some(1),
                    ..actor.audit_on(AuditAction::AccessSet, "staff_access", user_id, &checked.staff_name)
                },
            )
            .await?;
            // Last: on PostgreSQL it locks the person's pending notice row until commit, and
            // other clicks for the same person wait for that row.
            crate::partner::access_notices::ssr::note_if(conn, &actor, checked.access_emails, user_id, &line, false)
                .await?;
            Ok(Step::Done(()))
        })
    })
    .await
}

/// One click, checked: who, which client, which role (its column name), what was held
/// before (id, kind, name) and whether the practice sends access emails.
struct OneChange {
    staff_name: String,
    client_name: String,
    new_role: Option<String>,
    before: Option<(i64, String, String)>,
    access_emails: bool,
}

/// Refuses a click on someone outside the practice, a deactivated person (unless removing),
/// another practice's client, an archived client (unless removing), or a role the actor
/// may not give. One statement reads the person, the client, the role, the practice's
/// setting and the role held now.
async fn check_one(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
) -> Result<OneChange, AppError> {
    #[derive(sqlx::FromRow)]
    struct Found {
        staff_name: String,
        status: String,
        access_emails: i64,
        client_name: Option<String>,
        archived: Option<i64>,
        role_id: Option<i64>,
        role_kind: Option<String>,
        role_name: Option<String>,
        before_id: Option<i64>,
        before_kind: Option<String>,
        before_name: Option<String>,
    }
    lock_member(conn, actor.practice_id, user_id, MemberLock::Share).await?;
    let found: Option<Found> = sqlx::query_as(
        r#"SELECT u.name AS staff_name, m.status, p.access_emails, c.name AS client_name, c.archived,
                  r.id AS role_id, r.kind AS role_kind, r.name AS role_name,
                  a.role_id AS before_id, br.kind AS before_kind, br.name AS before_name
           FROM practice_members m
           JOIN users u ON u.id = m.user_id
           JOIN practices p ON p.id = m.practice_id
           LEFT JOIN clients c ON c.id = $3 AND c.practice_id = m.practice_id
           LEFT JOIN roles r ON r.id = $4 AND r.practice_id = m.practice_id
           LEFT JOIN current_assignments a ON a.user_id = m.user_id AND a.client_id = c.id
           LEFT JOIN roles br ON br.id = a.role_id
           WHERE m.practice_id = $1 AND m.user_id = $2"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(client_id)
    .bind(role_id.unwrap_or(0))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else {
        return Err(AppError::NotFound("That staff member".into()));
    };
    refuse_if_inactive(found.status == MemberStatus::Active.as_str(), role_id)?;
    let (Some(client_name), Some(archived)) = (found.client_name, found.archived) else {
        return Err(AppError::NotFound("That client".into()));
    };
    if archived == 1 && role_id.is_some() {
        return Err(AppError::Conflict(format!(
            "{client_name} is archived. Restore it before granting access."
        )));
    }
    let new_role = match role_id {
        Some(_) => {
            let (Some(id), Some(kind), Some(name)) = (found.role_id, found.role_kind, found.role_name) else {
                return Err(AppError::invalid("role_id", "Choose one of the practice's roles."));
            };
            let role = crate::access::roles::PracticeRole { id, kind, name };
            may_grant(conn, actor, &role).await?;
            Some(role.display_name())
        }
        None => None,
    };
    let before = match (found.before_id, found.before_kind, found.before_name) {
        (Some(id), Some(kind), Some(name)) => Some((id, kind, name)),
        _ => None,
    };
    Ok(OneChange {
        staff_name: found.staff_name,
        client_name,
        new_role,
        before,
        access_emails: found.access_emails == 1,
    })
}

pub async fn preview(
    actor: &PracticeActor,
    user_id: i64,
    role_id: Option<i64>,
    scope: &Scope,
) -> Result<BulkPreview, AppError> {
    let filter = ClientFilter::parse(&scope.search, &scope.plan)?;
    let access = AccessFilter::parse(&scope.access)?;
    let mut conn = actor.state.db.pool().acquire().await?;
    let staff = staff_member(actor, &mut conn, user_id).await?;
    refuse_if_deactivated(&staff, role_id)?;
    if let Some(r) = role_id {
        practice_role(actor, &mut conn, r).await?;
    }
    let (changes, overwrites, in_scope): (i64, i64, i64) = sqlx::query_as(&format!(
        r#"SELECT COALESCE(SUM(CASE WHEN COALESCE(a.role_id, 0) <> $5 THEN 1 ELSE 0 END), 0),
                  COALESCE(SUM(CASE WHEN a.role_id IS NOT NULL AND a.role_id <> $5 THEN 1 ELSE 0 END), 0),
                  COUNT(*)
           FROM clients c {STAFF_GRANT}
           WHERE {}"#,
        in_scope(access)
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .bind(role_id.unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?;
    Ok(BulkPreview {
        changes,
        overwrites,
        in_scope,
    })
}

/// An optional end date from a form (`YYYY-MM-DD`, empty: none) as the moment access
/// ends; refused unless it is a real date from today on.
pub fn parse_end(ends_on: &str) -> Result<Option<i64>, AppError> {
    match ends_on.trim() {
        "" => Ok(None),
        day => {
            let end = crate::platform::dates::end_of_day(day)
                .ok_or_else(|| AppError::invalid("ends_on", "Enter a date such as 2027-01-31."))?;
            if end <= now() {
                return Err(AppError::invalid("ends_on", "Choose today or a later date."));
            }
            Ok(Some(end))
        }
    }
}

/// A bulk action; `ends_on` (optional) is when the access it gives ends.
pub async fn apply(
    actor: &PracticeActor,
    user_id: i64,
    role_id: Option<i64>,
    scope: &Scope,
    ends_on: &str,
) -> Result<BulkResult, AppError> {
    let ends_at = parse_end(ends_on)?;
    let filter = ClientFilter::parse(&scope.search, &scope.plan)?;
    let access = AccessFilter::parse(&scope.access)?;
    let mut tx = actor.state.db.begin_write().await?;
    let staff = staff_member_to_change(actor, &mut tx, user_id, MemberLock::Update).await?;
    refuse_if_deactivated(&staff, role_id)?;
    let role_name = match role_id {
        Some(r) => Some(practice_role(actor, &mut tx, r).await?),
        None => None,
    };
    let t = now();
    let batch_id: i64 = sqlx::query_scalar(
        r#"INSERT INTO bulk_batches (practice_id, user_id, actor_user_id, new_role_id, changed, created_at)
           VALUES ($1, $2, $3, $4, 0, $5) RETURNING id"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(actor.user_id())
    .bind(role_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    let changed = if role_id.is_none() && actor.state.db.backend() == Backend::Postgres {
        // Removal on PostgreSQL: one statement deletes the live grants in scope and writes
        // what they were into the undo record (a data-modifying `WITH`), one pass over the
        // staff member's grants instead of a join for the record and a delete by it.
        sqlx::query(&format!(
            r#"WITH gone AS (
                   DELETE FROM current_assignments a USING clients c
                   WHERE a.user_id = $2 AND c.id = a.client_id AND {}
                   RETURNING a.client_id, a.role_id, a.ends_at)
               INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id, previous_ends_at)
               SELECT $5, client_id, role_id, ends_at FROM gone ORDER BY client_id"#,
            in_scope(access)
        ))
        .bind(actor.practice_id)
        .bind(user_id)
        .bind(&filter.pattern)
        .bind(filter.plan)
        .bind(batch_id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64
    } else {
        record_then_change(&mut tx, actor, user_id, role_id, (&filter, access), batch_id, ends_at).await?
    };
    sqlx::query(r#"UPDATE bulk_batches SET changed = $1 WHERE id = $2"#)
        .bind(changed)
        .bind(batch_id)
        .execute(&mut *tx)
        .await?;
    if changed > 0 {
        let line = match &role_name {
            Some(role) => format!(
                "{role} on {} (by {})",
                crate::ui::widgets::clients(changed),
                actor.session.name
            ),
            None => format!(
                "Access removed from {} (by {})",
                crate::ui::widgets::clients(changed),
                actor.session.name
            ),
        };
        crate::partner::access_notices::ssr::note(&mut tx, actor, user_id, &line, true).await?;
    }
    // Which clients changed, and what each had before, is the batch's undo record
    // (`bulk_batch_rows`, kept for good): the event names the batch rather than copying
    // thousands of rows into JSON.
    audit::record(
        &mut tx,
        AuditEvent {
            after: Some(serde_json::json!({
                "role": role_name, "role_id": role_id, "batch_id": batch_id,
                "scope": { "search": scope.search, "plan": scope.plan, "access": access.as_str() }
            })),
            affected_count: Some(changed),
            ..actor.audit_on(
                if role_id.is_some() {
                    AuditAction::AccessBulkAssigned
                } else {
                    AuditAction::AccessBulkRemoved
                },
                "staff_access",
                user_id,
                &staff.name,
            )
        },
    )
    .await?;
    tx.commit().await?;
    Ok(BulkResult { batch_id, changed })
}

/// A bulk action in two statements: 1. remember what is about to change (the undo record),
/// in the record's key order (batch, client): appended, not inserted here and there, which
/// costs a third less at 10,000 rows on SQLite; 2. change exactly those clients. Returns
/// how many changed.
async fn record_then_change(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    user_id: i64,
    role_id: Option<i64>,
    (filter, access): (&ClientFilter, AccessFilter),
    batch_id: i64,
    ends_at: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let changed = sqlx::query(&format!(
        r#"INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id, previous_ends_at)
           SELECT $6, c.id, a.role_id, a.ends_at
           FROM clients c {STAFF_GRANT}
           WHERE {} AND COALESCE(a.role_id, 0) <> $5
           ORDER BY c.id"#,
        in_scope(access)
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .bind(role_id.unwrap_or(0))
    .bind(batch_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    match role_id {
        Some(role) => upsert_from_batch(conn, actor, user_id, batch_id, changed, role, ends_at).await?,
        None => {
            sqlx::query(
                r#"DELETE FROM client_assignments
                   WHERE user_id = $1 AND client_id IN (SELECT client_id FROM bulk_batch_rows WHERE batch_id = $2)"#,
            )
            .bind(user_id)
            .bind(batch_id)
            .execute(conn)
            .await?;
        }
    }
    Ok(changed as i64)
}

/// Gives `user_id` `role` on every client of bulk batch `batch_id`: the clients that had a
/// role are updated in place (cheaper than an insert that conflicts), the rest inserted
/// (an upsert, as a grant past its end may still be there for the sweeper), and so is one
/// whose row went meanwhile (on PostgreSQL another transaction may have removed it).
/// `batch_rows` is how many clients the batch holds.
async fn upsert_from_batch(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    user_id: i64,
    batch_id: i64,
    batch_rows: u64,
    role: i64,
    ends_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let t = now();
    let updated = sqlx::query(&format!(
        r#"UPDATE client_assignments SET
               role_id = $1, granted_by = $2, granted_at = $3, ends_at = COALESCE($4, {})
           WHERE user_id = $5
             AND client_id IN (SELECT client_id FROM bulk_batch_rows WHERE batch_id = $6 AND previous_role_id IS NOT NULL)"#,
        keep_live_end("$3")
    ))
    .bind(role)
    .bind(actor.user_id())
    .bind(t)
    .bind(ends_at)
    .bind(user_id)
    .bind(batch_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // Every client of the batch had a role and still has its row, now updated: nothing
    // to insert (a move of everyone from one role to another skips a pass over the batch).
    if updated == batch_rows {
        return Ok(());
    }
    sqlx::query(&format!(
        r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at, ends_at)
           SELECT $1, $2, b.client_id, $3, $4, $5, $7 FROM bulk_batch_rows b
           WHERE b.batch_id = $6
             AND (b.previous_role_id IS NULL
                  OR NOT EXISTS (SELECT 1 FROM client_assignments ca WHERE ca.user_id = $2 AND ca.client_id = b.client_id))
           ON CONFLICT (user_id, client_id) DO UPDATE SET
               role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at,
               ends_at = COALESCE(excluded.ends_at, {})"#,
        keep_live_end("excluded.granted_at")
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(role)
    .bind(actor.user_id())
    .bind(t)
    .bind(batch_id)
    .bind(ends_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Undoes bulk batch `batch_id`, client by client, where the access is still as the batch
/// left it: a later change by anyone wins. Clients archived since and roles deleted since
/// are left as they are, like a click would; a deactivated staff member is refused like a
/// click would be. Returns how many clients went back.
pub async fn undo(actor: &PracticeActor, batch_id: i64) -> Result<i64, AppError> {
    let mut tx = actor.state.db.begin_write().await?;
    let t = now();
    // Claim the batch in one statement: of two simultaneous undos only one finds it not yet
    // undone (on PostgreSQL the second waits for the first's row lock, then sees it done).
    let claimed: Option<(i64, Option<i64>)> = sqlx::query_as(
        r#"UPDATE bulk_batches SET undone_at = $1
           WHERE id = $2 AND practice_id = $3 AND undone_at IS NULL AND created_at >= $4
           RETURNING user_id, new_role_id"#,
    )
    .bind(t)
    .bind(batch_id)
    .bind(actor.practice_id)
    .bind(t - UNDO_WINDOW_SECS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id, new_role)) = claimed else {
        let undone: Option<Option<i64>> =
            sqlx::query_scalar(r#"SELECT undone_at FROM bulk_batches WHERE id = $1 AND practice_id = $2"#)
                .bind(batch_id)
                .bind(actor.practice_id)
                .fetch_optional(&mut *tx)
                .await?;
        return Err(match undone {
            None => AppError::NotFound("That change".into()),
            Some(Some(_)) => AppError::Conflict("That change has already been undone.".into()),
            Some(None) => AppError::Conflict("That change is too old to undo; change the access directly.".into()),
        });
    };
    let staff = staff_member_to_change(actor, &mut tx, user_id, MemberLock::Update).await?;
    if !staff.is_active() {
        let grants: i64 = sqlx::query_scalar(
            r#"SELECT COUNT(*) FROM bulk_batch_rows WHERE batch_id = $1 AND previous_role_id IS NOT NULL"#,
        )
        .bind(batch_id)
        .fetch_one(&mut *tx)
        .await?;
        if grants > 0 {
            refuse_if_deactivated(&staff, Some(0))?;
        }
    }
    // Giving roles back is granting them: nobody restores a role they could not give.
    let restoring: Vec<i64> = sqlx::query_scalar(
        r#"SELECT DISTINCT previous_role_id FROM bulk_batch_rows WHERE batch_id = $1 AND previous_role_id IS NOT NULL"#,
    )
    .bind(batch_id)
    .fetch_all(&mut *tx)
    .await?;
    may_grant_all(&mut tx, actor, &restoring).await?;
    // Clients that had no access before: remove what the batch gave, if it is still that.
    // (A copy records each client's new role in its row; a bulk action's one role is `$3`.)
    let removed = sqlx::query(
        r#"DELETE FROM client_assignments WHERE user_id = $1
             AND EXISTS (SELECT 1 FROM bulk_batch_rows br
                         WHERE br.batch_id = $2 AND br.client_id = client_assignments.client_id
                           AND br.previous_role_id IS NULL
                           AND COALESCE(br.new_role_id, $3) = client_assignments.role_id)"#,
    )
    .bind(user_id)
    .bind(batch_id)
    .bind(new_role)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    // Clients that had a role: give it back where the access is still what the batch left
    // (its new role, or none when it removed access), the client is not archived and the
    // role still exists.
    let restored = sqlx::query(
        r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at, ends_at)
           SELECT $1, $2, b.client_id, b.previous_role_id, $4, $5, b.previous_ends_at
           FROM bulk_batch_rows b
           JOIN roles r ON r.id = b.previous_role_id AND r.practice_id = $1
           JOIN clients c ON c.id = b.client_id AND c.practice_id = $1 AND c.archived = 0
           LEFT JOIN current_assignments a ON a.user_id = $2 AND a.client_id = b.client_id
           WHERE b.batch_id = $6 AND b.previous_role_id IS NOT NULL
             AND ((a.role_id IS NULL AND COALESCE(b.new_role_id, $3) IS NULL) OR a.role_id = COALESCE(b.new_role_id, $3))
             -- Access whose end has passed since is not given back.
             AND (b.previous_ends_at IS NULL OR b.previous_ends_at > $5)
           ON CONFLICT (user_id, client_id) DO UPDATE SET
               role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at,
               ends_at = excluded.ends_at"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(new_role)
    .bind(actor.user_id())
    .bind(t)
    .bind(batch_id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    let back = removed + restored;
    if back > 0 {
        let line = format!(
            "A change to your access was undone: {} back as before (by {})",
            crate::ui::widgets::clients(back),
            actor.session.name
        );
        crate::partner::access_notices::ssr::note(&mut tx, actor, user_id, &line, true).await?;
    }
    audit::record(
        &mut tx,
        AuditEvent {
            after: Some(serde_json::json!({ "batch_id": batch_id })),
            affected_count: Some(back),
            ..actor.audit_on(AuditAction::AccessBulkUndone, "staff_access", user_id, &staff.name)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(back)
}

/// Sets (or with an empty `ends_on`, clears) when `user_id`'s access to `client_id` ends.
/// Only someone who may give the role held there may change how long it lasts.
pub async fn set_end(
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    ends_on: &str,
) -> Result<Option<i64>, AppError> {
    use crate::platform::dates::{end_of_day, last_day};
    let ends_at = match ends_on.trim() {
        "" => None,
        day => {
            let end =
                end_of_day(day).ok_or_else(|| AppError::invalid("ends_on", "Enter a date such as 2027-01-31."))?;
            if end <= now() {
                return Err(AppError::invalid("ends_on", "Choose today or a later date."));
            }
            Some(end)
        }
    };
    let mut tx = actor.state.db.begin_write().await?;
    let staff = staff_member_to_change(actor, &mut tx, user_id, MemberLock::Share).await?;
    let held: Option<(String, i64, Option<i64>)> = sqlx::query_as(
        r#"SELECT c.name, a.role_id, a.ends_at FROM current_assignments a JOIN clients c ON c.id = a.client_id
           WHERE a.user_id = $1 AND a.client_id = $2 AND a.practice_id = $3"#,
    )
    .bind(user_id)
    .bind(client_id)
    .bind(actor.practice_id)
    .fetch_optional(&mut *tx)
    .await?;
    if !staff.is_active() {
        return Err(AppError::Conflict(
            "This staff member is deactivated. Reactivate them before changing their access.".into(),
        ));
    }
    crate::access::policy::only_admins_act_on_admins(actor, &staff, "change how long an Admin's access lasts")?;
    let Some((client, role_id, before)) = held else {
        return Err(AppError::Conflict(format!(
            "{} has no access to that client, so there is nothing to end.",
            staff.name
        )));
    };
    let role = practice_role(actor, &mut tx, role_id).await?;
    if before == ends_at {
        return Ok(ends_at);
    }
    sqlx::query(r#"UPDATE client_assignments SET ends_at = $1 WHERE user_id = $2 AND client_id = $3"#)
        .bind(ends_at)
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        AuditEvent {
            before: Some(serde_json::json!({ "client": client, "client_id": client_id, "role": role, "ends": before.map(last_day) })),
            after: Some(serde_json::json!({ "client": client, "client_id": client_id, "role": role, "ends": ends_at.map(last_day) })),
            affected_count: Some(1),
            ..actor.audit_on(AuditAction::AccessEndSet, "staff_access", user_id, &staff.name)
        },
    )
    .await?;
    let line = match ends_at {
        Some(end) => format!(
            "{client}: your access ends after {} (set by {})",
            last_day(end),
            actor.session.name
        ),
        None => format!(
            "{client}: your access no longer has an end date (by {})",
            actor.session.name
        ),
    };
    crate::partner::access_notices::ssr::note(&mut tx, actor, user_id, &line, false).await?;
    tx.commit().await?;
    Ok(ends_at)
}

#[derive(sqlx::FromRow)]
struct Lapsed {
    practice_id: i64,
    user_id: i64,
    client_id: i64,
    ends_at: i64,
    staff: String,
    client: String,
    role_kind: String,
    role_name: String,
}

/// Removes every grant whose end has passed, recording "access.expired" for each (the
/// access itself was already gone: every query reads `current_assignments`). Returns how
/// many lapsed. Safe to run on several servers at once: a row is audited by whoever
/// deletes it.
pub async fn sweep_ended(db: &crate::platform::db::Db) -> Result<u64, sqlx::Error> {
    let t = now();
    let mut tx = db.begin_write().await?;
    let lapsed: Vec<Lapsed> = sqlx::query_as(
        r#"SELECT a.practice_id, a.user_id, a.client_id, a.ends_at, u.name AS staff, c.name AS client,
                  r.kind AS role_kind, r.name AS role_name
           FROM client_assignments a JOIN users u ON u.id = a.user_id JOIN clients c ON c.id = a.client_id
                JOIN roles r ON r.id = a.role_id
           WHERE a.ends_at IS NOT NULL AND a.ends_at <= $1
           ORDER BY a.ends_at LIMIT 1000"#,
    )
    .bind(t)
    .fetch_all(&mut *tx)
    .await?;
    let mut count = 0;
    for l in lapsed {
        let gone =
            sqlx::query(r#"DELETE FROM client_assignments WHERE user_id = $1 AND client_id = $2 AND ends_at = $3"#)
                .bind(l.user_id)
                .bind(l.client_id)
                .bind(l.ends_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if gone == 0 {
            continue;
        }
        count += 1;
        audit::record(
            &mut tx,
            AuditEvent {
                practice_id: Some(l.practice_id),
                target_type: Some("staff_access"),
                target_id: Some(l.user_id),
                target_label: Some(&l.staff),
                before: Some(serde_json::json!({
                    "client": l.client, "client_id": l.client_id,
                    "role": display_role_name(&l.role_kind, &l.role_name),
                    "ends": crate::platform::dates::last_day(l.ends_at),
                })),
                after: Some(serde_json::json!({ "client": l.client, "client_id": l.client_id, "role": null })),
                affected_count: Some(1),
                ..AuditEvent::new(AuditAction::AccessExpired)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Every 30 seconds: sweeps lapsed grants (for the audit trail's sake: correctness does
/// not wait for it) and queues the access-change emails that are due.
pub async fn run_sweeper(db: crate::platform::db::Db, config: std::sync::Arc<crate::platform::config::Config>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        if let Err(error) = sweep_ended(&db).await {
            tracing::warn!(%error, "sweeping ended access failed; trying again shortly");
        }
        let smtp = config.smtp_url.is_some();
        if let Err(error) = crate::partner::access_notices::ssr::flush_due(&db, smtp, &config.app_base_url, now()).await
        {
            tracing::warn!(%error, "queueing access-change emails failed; trying again shortly");
        }
    }
}

/// Copies `from`'s access to `to` (`apply`), or only counts what would change. The rows
/// that change are written once, set-based, into the undo record with their previous and
/// new role; then exactly those are upserted or removed. Only roles the actor may give are
/// copied; archived clients are left alone.
pub async fn copy(
    actor: &PracticeActor,
    to: i64,
    from: i64,
    mode: &str,
    ends_on: Option<&str>,
    apply: bool,
) -> Result<(BulkPreview, Option<i64>), AppError> {
    let mode = CopyMode::parse(mode)
        .ok_or_else(|| AppError::invalid("mode", "Choose Add to current access or Replace current access."))?;
    if to == from {
        return Err(AppError::invalid("from_user_id", "Choose someone else to copy from."));
    }
    let ends_at = parse_end(ends_on.unwrap_or(""))?;
    // What changes, as (client, previous role, new role): one query for both modes.
    let changes_sql = match mode {
        CopyMode::Add => {
            r#"SELECT s.client_id AS client_id, CAST(NULL AS BIGINT) AS previous_role_id, s.role_id AS new_role_id,
                      CAST(NULL AS BIGINT) AS previous_ends_at, s.ends_at AS source_ends
               FROM current_assignments s JOIN clients c ON c.id = s.client_id AND c.archived = 0
               WHERE s.practice_id = $1 AND s.user_id = $2
                 AND NOT EXISTS (SELECT 1 FROM current_assignments t WHERE t.user_id = $3 AND t.client_id = s.client_id)"#
        }
        CopyMode::Replace => {
            r#"SELECT c.id AS client_id, t.role_id AS previous_role_id, s.role_id AS new_role_id,
                      t.ends_at AS previous_ends_at, s.ends_at AS source_ends
               FROM clients c
               LEFT JOIN current_assignments s ON s.client_id = c.id AND s.user_id = $2
               LEFT JOIN current_assignments t ON t.client_id = c.id AND t.user_id = $3
               WHERE c.practice_id = $1 AND c.archived = 0 AND COALESCE(s.role_id, 0) <> COALESCE(t.role_id, 0)"#
        }
    };
    if !apply {
        // A preview only reads (it is a GET of the matrix page too): no write lock.
        let mut conn = actor.state.db.pool().acquire().await?;
        let target = staff_member(actor, &mut conn, to).await?;
        staff_member(actor, &mut conn, from).await?;
        refuse_if_deactivated(&target, Some(0))?;
        let in_scope = count_unarchived(&mut conn, actor.practice_id).await?;
        let (changes, overwrites): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.previous_role_id IS NOT NULL THEN 1 ELSE 0 END), 0) FROM ({changes_sql}) x"
        ))
        .bind(actor.practice_id)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?;
        let giving: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT x.new_role_id FROM ({changes_sql}) x WHERE x.new_role_id IS NOT NULL"
        ))
        .bind(actor.practice_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        may_grant_all(&mut conn, actor, &giving).await?;
        return Ok((
            BulkPreview {
                changes,
                overwrites,
                in_scope,
            },
            None,
        ));
    }
    let mut tx = actor.state.db.begin_write().await?;
    let target = staff_member_to_change(actor, &mut tx, to, MemberLock::Update).await?;
    let source = staff_member(actor, &mut tx, from).await?;
    refuse_if_deactivated(&target, Some(0))?;
    let in_scope = count_unarchived(&mut tx, actor.practice_id).await?;
    // The change is written once into the undo record, and everything after reads that
    // record: what is checked, counted and applied is the same set of rows.
    let t = now();
    let batch_id: i64 = sqlx::query_scalar(
        r#"INSERT INTO bulk_batches (practice_id, user_id, actor_user_id, new_role_id, changed, created_at)
           VALUES ($1, $2, $3, NULL, 0, $4) RETURNING id"#,
    )
    .bind(actor.practice_id)
    .bind(to)
    .bind(actor.user_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    // What it gives ends when the source's access ends, or on the chosen day if earlier.
    // Written in the record's key order, as a bulk action's (appended, not inserted).
    sqlx::query(&format!(
        "INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id, new_role_id, previous_ends_at, new_ends_at)
         SELECT $4, x.client_id, x.previous_role_id, x.new_role_id, x.previous_ends_at,
                CASE WHEN x.new_role_id IS NULL THEN NULL
                     WHEN x.source_ends IS NULL THEN $5
                     WHEN $5 IS NULL OR x.source_ends < $5 THEN x.source_ends
                     ELSE $5 END
         FROM ({changes_sql}) x
         ORDER BY x.client_id"
    ))
    .bind(actor.practice_id)
    .bind(from)
    .bind(to)
    .bind(batch_id)
    .bind(ends_at)
    .execute(&mut *tx)
    .await?;
    let (changes, overwrites): (i64, i64) = sqlx::query_as(
        r#"SELECT COUNT(*), COALESCE(SUM(CASE WHEN previous_role_id IS NOT NULL THEN 1 ELSE 0 END), 0)
           FROM bulk_batch_rows WHERE batch_id = $1"#,
    )
    .bind(batch_id)
    .fetch_one(&mut *tx)
    .await?;
    let preview = BulkPreview {
        changes,
        overwrites,
        in_scope,
    };
    // Nobody copies a role they could not give.
    let giving: Vec<i64> = sqlx::query_scalar(
        r#"SELECT DISTINCT new_role_id FROM bulk_batch_rows WHERE batch_id = $1 AND new_role_id IS NOT NULL"#,
    )
    .bind(batch_id)
    .fetch_all(&mut *tx)
    .await?;
    may_grant_all(&mut tx, actor, &giving).await?;
    if changes == 0 {
        // Nothing to do: the transaction (with its empty batch) is dropped.
        return Ok((preview, None));
    }
    sqlx::query(r#"UPDATE bulk_batches SET changed = $1 WHERE id = $2"#)
        .bind(changes)
        .bind(batch_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at, ends_at)
           SELECT $1, $2, b.client_id, b.new_role_id, $3, $4, b.new_ends_at FROM bulk_batch_rows b
           WHERE b.batch_id = $5 AND b.new_role_id IS NOT NULL
           ON CONFLICT (user_id, client_id) DO UPDATE SET
               role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at,
               ends_at = excluded.ends_at"#,
    )
    .bind(actor.practice_id)
    .bind(to)
    .bind(actor.user_id())
    .bind(t)
    .bind(batch_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        r#"DELETE FROM client_assignments
           WHERE user_id = $1 AND client_id IN (SELECT client_id FROM bulk_batch_rows WHERE batch_id = $2 AND new_role_id IS NULL)"#,
    )
    .bind(to)
    .bind(batch_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        AuditEvent {
            before: Some(serde_json::json!({ "from": source.name, "from_user_id": from, "mode": mode.as_str() })),
            after: Some(serde_json::json!({
                "batch_id": batch_id, "changes": changes, "replaced": overwrites,
                "ends": ends_at.map(crate::platform::dates::last_day),
            })),
            affected_count: Some(changes),
            ..actor.audit_on(AuditAction::AccessCopied, "staff_access", to, &target.name)
        },
    )
    .await?;
    let line = format!(
        "{} changed: access copied from {} (by {})",
        crate::ui::widgets::clients(changes),
        source.name,
        actor.session.name
    );
    crate::partner::access_notices::ssr::note(&mut tx, actor, to, &line, true).await?;
    tx.commit().await?;
    Ok((preview, Some(batch_id)))
}
