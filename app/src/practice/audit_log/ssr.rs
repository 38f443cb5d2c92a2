//! The audit log's queries: a practice's events, newest first, by cursor, narrowed by
//! person, client, action and dates; each told as a sentence; and the same events in
//! chunks for the CSV export.

use super::*;
use crate::access::actor::PracticeActor;
use crate::domain::audit::{Event, Target};
use crate::platform::dates::format_time;
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
    target_type: Option<String>,
    target_id: Option<i64>,
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

/// The filters, checked and ready to bind as `$3` to `$8` of [`MATCHES`].
#[derive(Clone)]
pub struct Filters {
    search: String,
    staff: i64,
    client: String,
    action: String,
    from: i64,
    to: i64,
}

impl Filters {
    pub fn parse(q: &AuditQuery) -> Result<Self, AppError> {
        let staff = match q.staff.trim() {
            "" => 0,
            s => s
                .parse()
                .map_err(|_| AppError::invalid("staff", "Choose a staff member from the list."))?,
        };
        let action = match q.action.trim() {
            "" => String::new(),
            REQUESTS => REQUESTS.to_owned(),
            a => AuditAction::parse(a)
                .ok_or_else(|| AppError::invalid("action", "Choose an action from the list."))?
                .as_str()
                .to_owned(),
        };
        let day = |text: &str, field: &'static str| -> Result<i64, AppError> {
            match text.trim() {
                "" => Ok(0),
                d => crate::platform::dates::end_of_day(d)
                    .ok_or_else(|| AppError::invalid(field, "Enter a date such as 2027-01-31.")),
            }
        };
        // "From" a day includes it (from its start); "To" a day includes it (to its end).
        let from = day(&q.from, "from")?;
        let from = if from == 0 { 0 } else { from - 86_400 };
        let to = day(&q.to, "to")?;
        Ok(Self {
            search: like_pattern(&q.search),
            staff,
            client: match q.client.trim() {
                "" => String::new(),
                c => like_pattern(c),
            },
            action,
            from,
            to,
        })
    }
}

/// Events of practice `$1` older than `$2` (0: all) matching the filters `$3`..`$8`.
const MATCHES: &str = r#"e.practice_id = $1 AND ($2 = 0 OR e.id < $2)
    AND (LOWER(COALESCE(e.target_label, '')) LIKE $3 ESCAPE '\'
         OR LOWER(COALESCE(u.name, '')) LIKE $3 ESCAPE '\'
         OR LOWER(e.action) LIKE $3 ESCAPE '\')
    AND ($4 = 0 OR e.actor_user_id = $4
         OR (e.target_type IN ('staff_access', 'user', 'client_user') AND e.target_id = $4))
    AND ($5 = '' OR LOWER(COALESCE(e.before_json, '') || ' ' || COALESCE(e.after_json, '') || ' ' || COALESCE(e.target_label, '')) LIKE $5 ESCAPE '\')
    AND ($6 = '' OR e.action = $6 OR ($6 = 'requests' AND e.action LIKE 'request.%'))
    AND ($7 = 0 OR e.created_at >= $7)
    AND ($8 = 0 OR e.created_at < $8)"#;

/// `query` with `$1` to `$8` of [`MATCHES`] bound: the practice, the cursor and the filters.
macro_rules! bind_matches {
    ($query:expr, $actor:expr, $before:expr, $f:expr) => {
        $query
            .bind($actor.practice_id)
            .bind($before)
            .bind(&$f.search)
            .bind($f.staff)
            .bind(&$f.client)
            .bind(&$f.action)
            .bind($f.from)
            .bind($f.to)
    };
}

async fn rows(actor: &PracticeActor, f: &Filters, before_id: i64, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let sql = format!(
        r#"SELECT e.id, e.created_at, u.name AS actor, e.action, e.target_type, e.target_id, e.target_label,
                  e.before_json, e.after_json, e.affected_count
           FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE {MATCHES}
           ORDER BY e.id DESC LIMIT $9"#
    );
    bind_matches!(sqlx::query_as(&sql), actor, before_id, f)
        .bind(limit)
        .fetch_all(actor.state.db.pool())
        .await
}

fn entry(r: EventRow) -> AuditEntry {
    let target = Target::read(r.target_type.as_deref(), r.target_id, r.target_label.as_deref());
    let event = Event::read(
        &r.action,
        target,
        r.before_json.as_deref(),
        r.after_json.as_deref(),
        r.affected_count,
    );
    AuditEntry {
        // An action this version does not know (written by a newer one): its name and target.
        sentence: match event {
            Some(event) => event.sentence(r.actor.as_deref()),
            None => format!(
                "{}: {} {}",
                r.actor.as_deref().unwrap_or("Someone"),
                r.action,
                r.target_label.as_deref().unwrap_or("")
            ),
        },
        id: r.id,
        at: r.created_at,
        actor: r.actor,
        action: r.action,
        target: r.target_label,
        before: r.before_json,
        after: r.after_json,
        count: r.affected_count,
    }
}

/// One page of the events older than `before_id` (all when `None`) matching `q`.
pub async fn page(actor: &PracticeActor, before_id: Option<i64>, q: &AuditQuery) -> Result<AuditPage, AppError> {
    let f = Filters::parse(q)?;
    let found = rows(actor, &f, before_id.unwrap_or(0), PAGE_SIZE + 1).await?;
    let more = found.len() as i64 > PAGE_SIZE;
    let entries: Vec<AuditEntry> = found
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(entry)
        .map(|e| AuditEntry {
            before: e.before.map(shorten),
            after: e.after.map(shorten),
            ..e
        })
        .collect();
    let next = if more { entries.last().map(|e| e.id) } else { None };
    let newer = match (before_id, entries.first()) {
        (Some(_), Some(first)) => newer_page(actor, &f, first.id).await?,
        _ => None,
    };
    let staff: Vec<(i64, String)> = sqlx::query_as(
        r#"SELECT m.user_id, u.name FROM practice_members m JOIN users u ON u.id = m.user_id
           WHERE m.practice_id = $1 ORDER BY LOWER(u.name), u.email"#,
    )
    .bind(actor.practice_id)
    .fetch_all(actor.state.db.pool())
    .await?;
    Ok(AuditPage {
        entries,
        next,
        newer,
        staff,
    })
}

/// The `before_id` of the page just newer than one whose newest event is `newest` (0: the
/// first page), or `None` when nothing newer matches: the page of the next `PAGE_SIZE`
/// newer events ends at the newest of them.
async fn newer_page(actor: &PracticeActor, f: &Filters, newest: i64) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!(
        r#"SELECT e.id FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
           WHERE {MATCHES} AND e.id > $9
           ORDER BY e.id ASC LIMIT $10"#
    );
    let ids: Vec<i64> = bind_matches!(sqlx::query_scalar(&sql), actor, 0_i64, f)
        .bind(newest)
        .bind(PAGE_SIZE + 1)
        .fetch_all(actor.state.db.pool())
        .await?;
    Ok(match ids.len() as i64 {
        0 => None,
        n if n <= PAGE_SIZE => Some(0),
        _ => Some(ids[PAGE_SIZE as usize - 1] + 1),
    })
}

/// Events per chunk of the CSV export.
pub const CSV_CHUNK: i64 = 1000;

/// The CSV header row of the export.
pub fn csv_header() -> String {
    crate::platform::csv_export::to_csv(
        &[
            "When (UTC)",
            "Who",
            "Action",
            "What happened",
            "Target",
            "Clients",
            "Before",
            "After",
        ],
        std::iter::empty(),
    )
}

/// The next chunk of the export older than `before_id` (0: from the newest): its CSV rows
/// and where the next chunk starts (`None`: done).
pub async fn csv_chunk(actor: &PracticeActor, f: &Filters, before_id: i64) -> Result<(String, Option<i64>), AppError> {
    let found = rows(actor, f, before_id, CSV_CHUNK).await?;
    let next = (found.len() as i64 == CSV_CHUNK)
        .then(|| found.last().map(|r| r.id))
        .flatten();
    let csv = crate::platform::csv_export::to_csv(
        &[],
        found.into_iter().map(entry).map(|e| {
            vec![
                format_time(e.at),
                e.actor.unwrap_or_default(),
                describe(&e.action),
                e.sentence,
                e.target.unwrap_or_default(),
                e.count.map(|c| c.to_string()).unwrap_or_default(),
                e.before.unwrap_or_default(),
                e.after.unwrap_or_default(),
            ]
        }),
    );
    Ok((csv, next))
}

/// Records that `actor` is downloading the audit log with these filters, before any of it
/// is sent (a download that cannot be recorded is refused). Answers the event's id: the
/// download holds the events before it, the trail as it was when asked for.
pub async fn record_download(actor: &PracticeActor, q: &AuditQuery, f: &Filters) -> Result<i64, AppError> {
    use crate::domain::audit::Event;
    use crate::domain::audit::payload::DownloadFilters;
    let staff: Option<String> = match f.staff {
        0 => None,
        id => {
            sqlx::query_scalar(
                r#"SELECT u.name FROM users u JOIN practice_members m ON m.user_id = u.id
                   WHERE m.practice_id = $1 AND u.id = $2"#,
            )
            .bind(actor.practice_id)
            .bind(id)
            .fetch_optional(actor.state.db.pool())
            .await?
        }
    };
    let words = filters_in_words(q, staff.as_deref());
    let mut tx = actor.write().await?;
    let id = tx
        .record_returning_id(Event::AuditLogDownloaded {
            after: (!words.is_empty()).then_some(DownloadFilters { filters: words }),
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The audit log's filters as words for the record of a download: `matching "acme", by or
/// about Sam Staff, from 2027-01-01`. Typed text as the search reads it (`search_term`),
/// so the record says what the export was narrowed by, and nothing when it was not; quoted
/// with its own quotes escaped, so it cannot pose as another filter.
fn filters_in_words(q: &AuditQuery, staff: Option<&str>) -> String {
    use crate::platform::db::search_term;
    let mut parts = Vec::new();
    let search = search_term(&q.search);
    if !search.is_empty() {
        parts.push(format!("matching {search:?}"));
    }
    if let Some(name) = staff {
        parts.push(format!("by or about {name}"));
    }
    let client = search_term(&q.client);
    if !client.is_empty() {
        parts.push(format!("clients matching {client:?}"));
    }
    if let Some(action) = AuditAction::parse(q.action.trim()) {
        parts.push(format!("\"{}\" only", action.label()));
    } else if q.action.trim() == REQUESTS {
        parts.push("access requests only".to_owned());
    }
    for (word, day) in [("from", &q.from), ("to", &q.to)] {
        if !day.trim().is_empty() {
            parts.push(format!("{word} {}", day.trim()));
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record of a download says what the export was narrowed by, as the search reads
    /// it: text that searches for nothing (blank, control characters) says nothing.
    #[test]
    fn a_downloads_filters_are_put_in_words_as_the_search_reads_them() {
        let q = |search: &str, client: &str, action: &str| AuditQuery {
            search: search.into(),
            client: client.into(),
            action: action.into(),
            from: " 2027-01-01 ".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            filters_in_words(&q(" acme ", "Birch\u{1}", "access.set"), Some("Sam Staff")),
            "matching \"acme\", by or about Sam Staff, clients matching \"Birch\", \"Changed client access\" only, from 2027-01-01"
        );
        assert_eq!(filters_in_words(&q("\u{1}", "  ", ""), None), "from 2027-01-01");
        assert_eq!(
            filters_in_words(&q("x\", by or about Ada Admin", "", ""), None),
            "matching \"x\\\", by or about Ada Admin\", from 2027-01-01"
        );
        let long = "x".repeat(500);
        let words = filters_in_words(&q(&long, "", ""), None);
        assert!(words.len() < 300, "typed text is cut as the search cuts it: {words}");
    }
}
