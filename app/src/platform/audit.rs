//! The append-only audit trail. Every change to access writes one event in the same
//! transaction as the change, so the trail and the data cannot disagree.

use sqlx::AnyConnection;

use crate::platform::db::now;

#[derive(Debug, Default)]
pub struct AuditEvent<'a> {
    pub practice_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<i64>,
    pub target_label: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub affected_count: Option<i64>,
}

pub async fn record(conn: &mut AnyConnection, event: AuditEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO audit_events
               (practice_id, actor_user_id, action, target_type, target_id, target_label,
                before_json, after_json, affected_count, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
    )
    .bind(event.practice_id)
    .bind(event.actor_user_id)
    .bind(event.action)
    .bind(event.target_type)
    .bind(event.target_id)
    .bind(event.target_label)
    .bind(event.before.map(|v| v.to_string()))
    .bind(event.after.map(|v| v.to_string()))
    .bind(event.affected_count)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}
