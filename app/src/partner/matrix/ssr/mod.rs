//! The matrix's SQL. Every statement is scoped to the caller's practice; bulk actions are
//! set-based (a handful of statements whatever the number of clients) and undoable.
//!
//! - the page's reads (staff, rows, columns, the version polled): [`page`];
//! - one click: [`grant`]; a bulk action over the clients in scope: [`bulk`];
//! - copying another person's access: [`copy`]; undoing a bulk action or a copy: [`undo`];
//! - when access ends: [`ends`]; lapsed access swept and access emails queued: [`expiry`].

use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::{Member, MemberLock, find_member, lock_member};
use crate::access::policy::{may_change_access_of, may_grant};
use crate::access::roles::chosen_role;
use crate::partner::clients::ssr::MATCHES_FILTER;
use crate::platform::db::now;

/// `query` with the scope's `$1` to `$4` bound (see [`in_scope`]): the practice, the staff
/// member, the name pattern and the plan.
macro_rules! scoped {
    ($query:expr, $actor:expr, $user_id:expr, $filter:expr) => {
        $query
            .bind($actor.practice_id)
            .bind($user_id)
            .bind(&$filter.pattern)
            .bind($filter.plan)
    };
}

mod bulk;
mod copy;
mod ends;
mod expiry;
mod grant;
mod page;
mod undo;

pub use bulk::{apply, preview};
pub use copy::copy;
pub use ends::set_end;
pub use expiry::{run_sweeper, sweep_ended};
pub use grant::{grant_in, set_one};
pub use page::{columns, matrix, staff_table, version};
pub use undo::undo;

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
///
/// Refused when the actor may not change this person's access at all (an Admin's, for
/// anyone but an Admin: `policy::may_change_access_of`).
async fn staff_member_to_change(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    user_id: i64,
    lock: MemberLock,
) -> Result<Member, AppError> {
    lock_member(conn, actor.practice_id, user_id, lock).await?;
    let staff = staff_member(actor, conn, user_id).await?;
    may_change_access_of(actor, &staff.role_kind)?;
    Ok(staff)
}

/// [`staff_member`] whose access the actor may change, for a preview (no lock: it only
/// reads).
async fn staff_member_to_preview(
    actor: &PracticeActor,
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Member, AppError> {
    let staff = staff_member(actor, conn, user_id).await?;
    may_change_access_of(actor, &staff.role_kind)?;
    Ok(staff)
}

/// The column name of role `role_id`, refused unless it is one of the practice's and the
/// actor may give it (nobody grants on a client more than they hold themselves).
async fn practice_role(actor: &PracticeActor, conn: &mut AnyConnection, role_id: i64) -> Result<String, AppError> {
    let role = chosen_role(conn, actor.practice_id, role_id, "role_id").await?;
    may_grant(conn, actor, &role).await?;
    Ok(role.display_name())
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

/// On a role change, a live end date stays with the grant; an end date already passed
/// (a row the sweeper has not removed yet) does not carry over to the new grant, given at
/// `granted_at` (an SQL expression).
fn keep_live_end(granted_at: &str) -> String {
    format!("CASE WHEN client_assignments.ends_at > {granted_at} THEN client_assignments.ends_at ELSE NULL END")
}
