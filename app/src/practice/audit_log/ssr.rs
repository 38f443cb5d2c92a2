//! The audit log's query: a practice's events, newest first, by cursor.

use super::*;
use crate::identity::session::PracticeActor;
use crate::platform::db::like_pattern;

/// Before/after values longer than this are shortened for the page (bulk actions record
/// every affected row; the full record stays in the database).
const SHOWN_CHARS: usize = 240;

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    created_at: i64,
    actor: Option<String>,
    action: String,
    target_label: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    affected_count: Option<i64>,
}

fn shorten(text: String) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        text
    } else {
        format!("{}…", text.chars().take(SHOWN_CHARS).collect::<String>())
    }
}

/// The events older than `before_id` (all when `None`) whose target, actor or action
/// contains `search`.
pub async fn page(actor: &PracticeActor, before_id: Option<i64>, search: &str) -> Result<AuditPage, AppError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        r#"SELECT e.id, e.created_at, u.name AS actor, e.action, e.target_label, e.before_json, e.after_json, e.affected_count
           FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE e.practice_id = $1 AND ($2 = 0 OR e.id < $2)
             AND (LOWER(COALESCE(e.target_label, '')) LIKE $3 ESCAPE '\'
                  OR LOWER(COALESCE(u.name, '')) LIKE $3 ESCAPE '\'
                  OR LOWER(e.action) LIKE $3 ESCAPE '\')
           ORDER BY e.id DESC LIMIT $4"#,
    )
    .bind(actor.practice_id)
    .bind(before_id.unwrap_or(0))
    .bind(like_pattern(search))
    .bind(PAGE_SIZE + 1)
    .fetch_all(actor.state.db.pool())
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| AuditEntry {
            id: r.id,
            at: r.created_at,
            actor: r.actor,
            action: r.action,
            target: r.target_label,
            before: r.before_json.map(shorten),
            after: r.after_json.map(shorten),
            count: r.affected_count,
        })
        .collect();
    let next = if more { entries.last().map(|e| e.id) } else { None };
    Ok(AuditPage { entries, next })
}
