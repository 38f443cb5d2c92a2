//! Copying another staff member's access: added to or replacing the target's, previewed,
//! set-based, undoable like a bulk action.

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::MemberLock;
use crate::access::policy::may_grant_all;
use crate::access::policy::refuse_if_deactivated;
use crate::domain::audit::payload::{CopyOutcome, CopySource};
use crate::domain::audit::{Event, Target};
use crate::partner::clients::ssr::count_unarchived;
use crate::platform::db::now;

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
        let target = staff_member_to_preview(actor, &mut conn, to).await?;
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
    let mut tx = actor.write().await?;
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
               role_id = excluded.role_id, granted_by = excluded.granted_by, granted_at = excluded.granted_at, request_id = NULL,
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
    tx.record(Event::AccessCopied {
        staff: Target::staff_access(to, &target.name),
        before: CopySource {
            from: source.name.clone(),
            from_user_id: from,
            mode: mode.as_str().to_owned(),
        },
        after: CopyOutcome {
            batch_id,
            changes,
            replaced: overwrites,
            ends: ends_at.map(crate::platform::dates::last_day),
        },
        changes,
    })
    .await?;
    let line = format!(
        "{} changed: access copied from {} (by {})",
        crate::platform::words::clients(changes),
        source.name,
        actor.session.name
    );
    crate::partner::access_notices::ssr::note(&mut tx, actor, to, &line, true).await?;
    tx.commit().await?;
    Ok((preview, Some(batch_id)))
}
