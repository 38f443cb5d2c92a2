//! Requests nobody answered within [`EXPIRE_DAYS`]: expired and recorded, by whichever
//! server marks them (safe on several at once). Until then the lists already show them
//! expired, and nobody can decide them.

use super::*;
use crate::access::write::{By, Write};

#[derive(sqlx::FromRow)]
struct Stale {
    id: i64,
    practice_id: i64,
    user_id: i64,
    staff: String,
    client_id: i64,
    client: String,
    role_kind: String,
    role_name: String,
    ends_at: Option<i64>,
    reason: String,
}

/// Expires every pending request asked at least [`EXPIRE_DAYS`] before `t`; answers how many.
pub async fn expire_unanswered(db: &crate::platform::db::Db, t: i64) -> Result<u64, AppError> {
    // Nobody acts: each is recorded in its own practice's trail.
    let mut tx = Write::begin(db, By::default()).await?;
    let stale: Vec<Stale> = sqlx::query_as(
        r#"SELECT r.id, r.practice_id, r.user_id, u.name AS staff, r.client_id, c.name AS client,
                  ro.kind AS role_kind, ro.name AS role_name, r.ends_at, r.reason
           FROM access_requests r JOIN users u ON u.id = r.user_id JOIN clients c ON c.id = r.client_id
                JOIN roles ro ON ro.id = r.role_id
           WHERE r.status = 'pending' AND r.created_at <= $1
           ORDER BY r.created_at LIMIT 500"#,
    )
    .bind(t - EXPIRE_DAYS * 24 * 3600)
    .fetch_all(&mut *tx)
    .await?;
    let mut count = 0;
    for s in stale {
        let marked = sqlx::query(
            r#"UPDATE access_requests SET status = 'expired', updated_at = $1 WHERE id = $2 AND status = 'pending'"#,
        )
        .bind(t)
        .bind(s.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            continue;
        }
        count += 1;
        tx.record_in(
            s.practice_id,
            Event::AccessRequestExpired {
                staff: Target::staff_access(s.user_id, &s.staff),
                before: requested(
                    &s.client,
                    s.client_id,
                    display_role_name(&s.role_kind, &s.role_name),
                    s.ends_at,
                    &s.reason,
                    None,
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Every minute: expires the requests nobody answered.
pub async fn run_sweeper(db: crate::platform::db::Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(error) = expire_unanswered(&db, now()).await {
            tracing::warn!(%error, "expiring unanswered access requests failed; trying again shortly");
        }
    }
}
