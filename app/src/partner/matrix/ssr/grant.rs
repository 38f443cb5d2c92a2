//! One click: a role given on one client (or taken away), checked, audited and noted for
//! the access email, grouped with the clicks that arrive together.

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{MemberLock, hold_member_and_role, lock_member};
use crate::access::policy::{may_change_access_of, may_grant_role_with, refuse_if_inactive};
use crate::access::roles::{PracticeRole, hold_role, permission_keys_sql, permissions_from_keys};
use crate::access::write::GroupedWrite;
use crate::domain::audit::payload::ClientRole;
use crate::domain::audit::{Event, Target};
use crate::domain::roles::RoleKind;
use crate::domain::roles::display_role_name;
use crate::domain::statuses::MemberStatus;
use crate::partner::access_notices::ssr as access_notices;
use crate::platform::db::{AnyQuery, Held, Step, now};

/// The statement writing a role for one pair (`role`: a role given; else removed), its
/// values numbered from `$first`: practice, person, client, role, by whom, when (removing:
/// person, client). One statement either way, so two admins clicking the same row at once
/// end with one row holding the last click.
fn pair_sql(role: bool, first: usize) -> String {
    let [practice, user, client, role_id, by, at] = std::array::from_fn(|i| first + i);
    if role {
        format!(
            r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
               VALUES (${practice}, ${user}, ${client}, ${role_id}, ${by}, ${at})
               ON CONFLICT (user_id, client_id) DO UPDATE SET
                   role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at, request_id = NULL,
                   ends_at = {}"#,
            keep_live_end("excluded.granted_at")
        )
    } else {
        format!(
            r#"DELETE FROM client_assignments WHERE user_id = ${} AND client_id = ${}"#,
            first,
            first + 1
        )
    }
}

/// `query` with the values of [`pair_sql`] bound.
fn bind_pair<'q>(
    query: AnyQuery<'q>,
    practice_id: i64,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
    actor: i64,
) -> AnyQuery<'q> {
    match role_id {
        Some(role) => query
            .bind(practice_id)
            .bind(user_id)
            .bind(client_id)
            .bind(role)
            .bind(actor)
            .bind(now()),
        None => query.bind(user_id).bind(client_id),
    }
}

/// Writes a role for one pair; `None` removes it (see [`pair_sql`]).
async fn write_pair(
    conn: &mut AnyConnection,
    practice_id: i64,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
    actor: i64,
) -> Result<(), sqlx::Error> {
    let sql = pair_sql(role_id.is_some(), 1);
    bind_pair(sqlx::query(&sql), practice_id, user_id, client_id, role_id, actor)
        .execute(conn)
        .await?;
    Ok(())
}

/// A click's writes: the pair, its audit event, and the line for the person's next access
/// email when they are told (`notice`: the line and when it is due at the latest).
///
/// On PostgreSQL one statement (a data-modifying `WITH`): a group's clicks go one after
/// another over its one connection, so each round trip is the group's time, and a click
/// needs one here instead of three. SQLite cannot write inside a `WITH`, and a statement
/// there costs no round trip: three statements. Every click test runs on both backends.
async fn write_click(
    w: &mut GroupedWrite<'_>,
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
    event: Event,
    notice: Option<(String, i64)>,
) -> Result<(), AppError> {
    let (practice_id, by) = (actor.practice_id, actor.user_id());
    if w.conn.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        write_pair(w.conn, practice_id, user_id, client_id, role_id, by).await?;
        w.record(event).await?;
        if let Some((line, due)) = notice {
            access_notices::gather_line(w.conn, practice_id, user_id, &line, due).await?;
        }
        return Ok(());
    }
    // The event is $1 to $10; the pair from $11 (six values given, two removed); the line after.
    let pair_values = if role_id.is_some() { 6 } else { 2 };
    let mut with = format!("WITH pair AS ({})", pair_sql(role_id.is_some(), 11));
    if notice.is_some() {
        with.push_str(&format!(
            ", line AS ({})",
            access_notices::insert_line_sql(11 + pair_values)
        ));
    }
    w.record_with(event, &with, move |query| {
        let query = bind_pair(query, practice_id, user_id, client_id, role_id, by);
        match notice {
            Some((line, due)) => {
                access_notices::bind_line(query, practice_id, user_id, access_notices::ACCESS, line, due)
            }
            None => query,
        }
    })
    .await
}

pub async fn set_one(
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
) -> Result<(), AppError> {
    // Clicks are many and small: the ones waiting at the same moment share one transaction
    // and one commit (`write_grouped`). Each is checked inside it, where the check counts:
    // one statement reads all a click depends on, after the row locks it needs (taken once
    // per group). A refused click writes nothing and leaves the others be.
    let actor = actor.clone();
    actor
        .clone()
        .write_grouped(move |mut w| {
            Box::pin(async move {
                let conn = &mut *w.conn;
                let checked = match check_one(&actor, conn, w.held, user_id, client_id, role_id).await {
                    Ok(checked) => checked,
                    // A database error may have cost the transaction itself (SQLite rolls back
                    // on some): the group must not go on as if nothing happened.
                    Err(error @ (AppError::Internal | AppError::Busy)) => return Err(error),
                    Err(refused) => return Ok(Step::Refused(refused)),
                };
                if checked.before.as_ref().map(|b| b.0) == role_id {
                    return Ok(Step::Done(())); // Already so: nothing to change or audit.
                }
                let client_name = &checked.client_name;
                let line = match &checked.new_role {
                    Some(role) => format!("{client_name}: {role} (given by {})", actor.session.name),
                    None => format!("{client_name}: access removed (by {})", actor.session.name),
                };
                let held = |role| ClientRole {
                    client: client_name.clone(),
                    client_id,
                    role,
                };
                let event = Event::AccessSet {
                    staff: Target::staff_access(user_id, &checked.staff_name),
                    before: held(checked.before.map(|(_, k, n)| display_role_name(&k, &n))),
                    after: held(checked.new_role.clone()),
                };
                let notice = access_notices::due(&actor, checked.access_emails, user_id, false).map(|due| (line, due));
                write_click(&mut w, &actor, user_id, client_id, role_id, event, notice).await?;
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

/// Refuses a click on someone outside the practice, an Admin by a non-Admin, a deactivated
/// person (unless removing), another practice's client, an archived client (unless
/// removing), or a role the actor may not give. One statement reads the person, the client,
/// the role and its permissions, the practice's setting and the role held now.
///
/// On PostgreSQL it first holds the person's membership (shared: an offboarding or a bulk
/// action over their clients waits, or came first) and the role given (a deletion of it
/// waits, or came first), each once per transaction (`held`). They are statements of their
/// own, before the read: a statement that waits for a row lock reads the other rows as they
/// were before it waited, so a read in the same statement could miss what a bulk action
/// that committed meanwhile changed.
async fn check_one(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    held: &mut Held,
    user_id: i64,
    client_id: i64,
    role_id: Option<i64>,
) -> Result<OneChange, AppError> {
    #[derive(sqlx::FromRow)]
    struct Found {
        staff_name: String,
        staff_kind: String,
        status: String,
        access_emails: i64,
        client_name: Option<String>,
        archived: Option<i64>,
        role_id: Option<i64>,
        role_kind: Option<String>,
        role_name: Option<String>,
        role_permissions: Option<String>,
        before_id: Option<i64>,
        before_kind: Option<String>,
        before_name: Option<String>,
    }
    let practice_id = actor.practice_id;
    let member = !held.holds("member", practice_id, user_id);
    let role = role_id.filter(|&role| !held.holds("role", practice_id, role));
    let (member_held, role_held) = match (member, role) {
        (true, Some(role)) => hold_member_and_role(conn, practice_id, user_id, role).await?,
        (true, None) => (lock_member(conn, practice_id, user_id, MemberLock::Share).await?, false),
        (false, Some(role)) => (false, hold_role(conn, practice_id, role).await?),
        (false, None) => (false, false),
    };
    // Only what was found is held: someone who is not a member yet may be by the next click.
    if member_held {
        held.took("member", practice_id, user_id);
    }
    if let (Some(role), true) = (role, role_held) {
        held.took("role", practice_id, role);
    }
    let found: Option<Found> = sqlx::query_as(&format!(
        r#"SELECT u.name AS staff_name, sr.kind AS staff_kind, m.status, p.access_emails, c.name AS client_name, c.archived,
                  r.id AS role_id, r.kind AS role_kind, r.name AS role_name, {} AS role_permissions,
                  a.role_id AS before_id, br.kind AS before_kind, br.name AS before_name
           FROM practice_members m
           JOIN users u ON u.id = m.user_id
           JOIN practices p ON p.id = m.practice_id
           JOIN roles sr ON sr.id = m.role_id
           LEFT JOIN clients c ON c.id = $3 AND c.practice_id = m.practice_id
           LEFT JOIN roles r ON r.id = $4 AND r.practice_id = m.practice_id
           LEFT JOIN current_assignments a ON a.user_id = m.user_id AND a.client_id = c.id
           LEFT JOIN roles br ON br.id = a.role_id
           WHERE m.practice_id = $1 AND m.user_id = $2"#,
        permission_keys_sql(conn, "r.id")
    ))
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(client_id)
    .bind(role_id.unwrap_or(0))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else {
        return Err(AppError::NotFound("That staff member".into()));
    };
    may_change_access_of(actor, &found.staff_kind)?;
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
            let role_kind = RoleKind::parse(&kind).ok_or(AppError::Internal)?;
            let permissions = permissions_from_keys(role_kind, found.role_permissions.as_deref());
            let role = PracticeRole { id, kind, name };
            may_grant_role_with(actor, &role, &permissions)?;
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

/// One grant of `role_id` with its end (`ends_at`, none: for good), inside the caller's
/// transaction, checked and recorded as a click and its end date are: for a change that
/// must give the access and record why in one commit (approving an access request). The
/// caller's transaction is rolled back on a refusal, so nothing of it stays.
pub async fn grant_in(
    w: &mut crate::access::write::Write,
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    role_id: i64,
    ends_at: Option<i64>,
) -> Result<(), AppError> {
    use crate::domain::audit::payload::ClientRoleEnds;
    use crate::platform::dates::last_day;
    let checked = check_one(actor, w, &mut Held::default(), user_id, client_id, Some(role_id)).await?;
    let client_name = checked.client_name.clone();
    write_pair(w, actor.practice_id, user_id, client_id, Some(role_id), actor.user_id()).await?;
    sqlx::query(r#"UPDATE client_assignments SET ends_at = $1 WHERE user_id = $2 AND client_id = $3"#)
        .bind(ends_at)
        .bind(user_id)
        .bind(client_id)
        .execute(&mut **w)
        .await?;
    let before_role = checked.before.as_ref().map(|(_, k, n)| display_role_name(k, n));
    let held = |role| ClientRole {
        client: client_name.clone(),
        client_id,
        role,
    };
    w.record(Event::AccessSet {
        staff: Target::staff_access(user_id, &checked.staff_name),
        before: held(before_role),
        after: held(checked.new_role.clone()),
    })
    .await?;
    if let Some(end) = ends_at {
        let ends = |ends: Option<i64>| ClientRoleEnds {
            client: client_name.clone(),
            client_id,
            role: checked.new_role.clone(),
            ends: ends.map(last_day),
        };
        w.record(Event::AccessEndSet {
            staff: Target::staff_access(user_id, &checked.staff_name),
            before: ends(None),
            after: ends(Some(end)),
        })
        .await?;
    }
    let until = ends_at.map(|e| format!(" until {}", last_day(e))).unwrap_or_default();
    let line = format!(
        "{client_name}: {}{until} (given by {})",
        checked.new_role.as_deref().unwrap_or("access"),
        actor.session.name
    );
    access_notices::note_if(w, actor, checked.access_emails, user_id, &line, false).await?;
    Ok(())
}
