//! Undo of a bulk action or a copy, client by client where the access is still as the batch
//! left it.

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::MemberLock;
use crate::access::policy::may_grant_all;
use crate::access::policy::refuse_if_deactivated;
use crate::domain::audit::payload::{HeldAccess, Undone};
use crate::domain::audit::{Event, Target};
use crate::domain::roles::display_role_name;
use crate::platform::db::now;

/// Undoes bulk batch `batch_id`, client by client, where the access is still as the batch
/// left it: a later change by anyone wins. Clients archived since and roles deleted since
/// are left as they are, like a click would; a deactivated staff member is refused like a
/// click would be. Returns how many clients went back.
pub async fn undo(actor: &PracticeActor, batch_id: i64) -> Result<i64, AppError> {
    let mut tx = actor.write().await?;
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
    let removed_list = taken_back(&mut tx, actor, user_id, batch_id, new_role, t).await?;
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
               role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at, request_id = NULL,
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
            crate::platform::words::clients(back),
            actor.session.name
        );
        crate::partner::access_notices::ssr::note(&mut tx, actor, user_id, &line, true).await?;
    }
    tx.record(Event::AccessBulkUndone {
        staff: Target::staff_access(user_id, &staff.name),
        after: Undone {
            batch_id,
            removed: removed_list,
        },
        back,
    })
    .await?;
    tx.commit().await?;
    Ok(back)
}

/// What the undo takes away, client by client, read before it does: the access the batch
/// gave that is still as it left it (removed where the client had none before, replaced by
/// the role it had otherwise), with when and by whom the batch gave it.
async fn taken_back(
    conn: &mut sqlx::AnyConnection,
    actor: &PracticeActor,
    user_id: i64,
    batch_id: i64,
    new_role: Option<i64>,
    t: i64,
) -> Result<Vec<HeldAccess>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Taken {
        client_id: i64,
        client: String,
        role_kind: String,
        role_name: String,
        given_at: i64,
        given_by: Option<String>,
    }
    // The same clients as the removal and the restoring below choose.
    let taken: Vec<Taken> = sqlx::query_as(
        r#"SELECT a.client_id, c.name AS client, r.kind AS role_kind, r.name AS role_name,
                  bb.created_at AS given_at, u.name AS given_by
           FROM bulk_batch_rows b
           JOIN bulk_batches bb ON bb.id = b.batch_id
           LEFT JOIN users u ON u.id = bb.actor_user_id
           JOIN current_assignments a ON a.user_id = $2 AND a.client_id = b.client_id
           JOIN clients c ON c.id = b.client_id AND c.practice_id = $1
           JOIN roles r ON r.id = a.role_id
           LEFT JOIN roles pr ON pr.id = b.previous_role_id AND pr.practice_id = $1
           WHERE b.batch_id = $3 AND a.role_id = COALESCE(b.new_role_id, $4)
             AND (b.previous_role_id IS NULL
                  OR (pr.id IS NOT NULL AND c.archived = 0
                      AND (b.previous_ends_at IS NULL OR b.previous_ends_at > $5)))
           ORDER BY LOWER(c.name), c.id"#,
    )
    .bind(actor.practice_id)
    .bind(user_id)
    .bind(batch_id)
    .bind(new_role)
    .bind(t)
    .fetch_all(&mut *conn)
    .await?;
    Ok(taken
        .into_iter()
        .map(|x| HeldAccess {
            client_id: x.client_id,
            client: x.client,
            role: display_role_name(&x.role_kind, &x.role_name),
            granted_at: Some(x.given_at),
            granted_by: x.given_by,
        })
        .collect())
}
