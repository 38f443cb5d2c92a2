//! Home › Audit log: who changed what, when, and what it was before and after, for the
//! practice's admins. Newest first, searchable, paged by cursor.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// Events per page.
pub const PAGE_SIZE: i64 = 50;
/// Before/after values longer than this are shortened for the page (bulk actions record
/// every affected row; the full record stays in the database).
#[cfg(feature = "ssr")]
const SHOWN_CHARS: usize = 240;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub count: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before_id` to get the next (older) page.
    pub next: Option<i64>,
}

#[server(endpoint = "list_audit_events")]
pub async fn list_audit_events(before_id: Option<i64>, search: String) -> Result<AuditPage, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    let pattern = crate::partner::clients::ssr::like_pattern(&search);
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
    .bind(&pattern)
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

#[cfg(feature = "ssr")]
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

#[cfg(feature = "ssr")]
fn shorten(text: String) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        text
    } else {
        format!("{}…", text.chars().take(SHOWN_CHARS).collect::<String>())
    }
}

/// What an action is called on the page.
pub fn describe(action: &str) -> &str {
    match action {
        "practice.created" => "Created the practice",
        "practice.main_user_transferred" => "Transferred the main user",
        "invitation.created" => "Invited a user",
        "invitation.resent" => "Resent an invitation",
        "invitation.revoked" => "Revoked an invitation",
        "invitation.accepted" => "Accepted an invitation",
        "member.role_changed" => "Changed a user's role",
        "member.deactivated" => "Deactivated a user",
        "member.reactivated" => "Reactivated a user",
        "role.created" => "Created a role",
        "role.updated" => "Edited a role",
        "role.deleted" => "Deleted a role",
        "client.created" => "Added a client",
        "client.updated" => "Edited a client",
        "client.archived" => "Archived a client",
        "client.restored" => "Restored a client",
        "client.imported" => "Imported clients",
        "access.set" => "Changed client access",
        "access.bulk_assigned" => "Gave client access in bulk",
        "access.bulk_removed" => "Removed client access in bulk",
        "access.bulk_undone" => "Undid a bulk change",
        other => other,
    }
}

/// Unix seconds as "2026-11-28 03:52 UTC" (civil-from-days, proleptic Gregorian).
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    // Cursors of the pages visited, so "Newer events" can go back.
    let cursors = RwSignal::new(vec![None::<i64>]);
    let page = Resource::new(
        move || (cursors.with(|c| *c.last().unwrap_or(&None)), search.get()),
        |(before, s)| list_audit_events(before, s),
    );
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="muted">"Every change to users, roles, clients and client access, newest first. The record cannot be edited or deleted."</p>
        <div class="filters" role="search">
            <div class="field">
                <label for="audit-search">"Search by person, client or action"</label>
                <input id="audit-search" type="search" prop:value=move || search.get()
                    on:change=move |ev| { search.set(event_target_value(&ev)); cursors.set(vec![None]); }/>
            </div>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || page.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => {
                    let next = data.next;
                    view! {
                        <div class="table-wrap">
                            <table class="data audit">
                                <caption>"Audit events"</caption>
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                    <th scope="col">"Target"</th><th scope="col">"Before → after"</th>
                                </tr></thead>
                                <tbody>
                                    {data.entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="nowrap">{format_time(e.at)}</td>
                                            <td>{e.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                            <th scope="row">{describe(&e.action).to_owned()}{e.count.filter(|c| *c > 1).map(|c| format!(" ({} clients)", crate::partner::clients::thousands(c)))}</th>
                                            <td>{e.target.clone().unwrap_or_default()}</td>
                                            <td class="change">
                                                {e.before.clone().map(|b| view! { <code>{b}</code> })}
                                                {(e.before.is_some() && e.after.is_some()).then_some(" → ")}
                                                {e.after.clone().map(|a| view! { <code>{a}</code> })}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <nav class="pager" aria-label="Pages">
                            <button type="button" class="secondary" disabled=move || cursors.with(|c| c.len() <= 1)
                                on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer events"</button>
                            <button type="button" class="secondary" disabled=next.is_none()
                                on:click=move |_| cursors.update(|c| c.push(next))>"Older events"</button>
                        </nav>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_seconds_as_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_time(1_795_837_920), "2026-11-28 03:52 UTC");
    }

    #[test]
    fn every_recorded_action_has_words() {
        for action in [
            "access.set",
            "access.bulk_assigned",
            "role.deleted",
            "invitation.accepted",
        ] {
            assert_ne!(describe(action), action);
        }
    }
}
