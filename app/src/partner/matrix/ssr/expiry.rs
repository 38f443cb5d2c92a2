//! Access past its end: swept and recorded, and the access emails that are due queued.

use crate::access::write::{By, Write};
use crate::domain::audit::payload::{ClientRole, ClientRoleEnds};
use crate::domain::audit::{Event, Target};
use crate::domain::roles::display_role_name;
use crate::platform::db::now;
use crate::platform::error::AppError;

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
pub async fn sweep_ended(db: &crate::platform::db::Db) -> Result<u64, AppError> {
    let t = now();
    // Nobody acts: each lapse is recorded in its own practice's trail.
    let mut tx = Write::begin(db, By::default()).await?;
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
        tx.record_in(
            l.practice_id,
            Event::AccessExpired {
                staff: Target::staff_access(l.user_id, &l.staff),
                before: ClientRoleEnds {
                    client: l.client.clone(),
                    client_id: l.client_id,
                    role: Some(display_role_name(&l.role_kind, &l.role_name)),
                    ends: Some(crate::platform::dates::last_day(l.ends_at)),
                },
                after: ClientRole {
                    client: l.client,
                    client_id: l.client_id,
                    role: None,
                },
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
