//! Home → Audit log: what happened, in sentences, newest first; filters by staff member,
//! client, action and dates (a GET form, so they live in the address and work without
//! JavaScript); "Export CSV" downloads every matching event.

use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::platform::dates::format_time;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| AuditQuery {
            search: q.get("q").unwrap_or_default(),
            staff: q.get("staff").unwrap_or_default(),
            client: q.get("client").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
        })
    });
    // The page is in the address too (`before`: events older than that id), so paging works
    // without JavaScript and a reload or a shared link keeps it.
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok()).filter(|b| *b > 0)));
    let page = Resource::new(
        move || (before.get(), filters.get()),
        |(before, f)| list_audit_events(before, f.search, f.staff, f.client, f.action, f.from, f.to),
    );
    let page_url = move |before: i64| {
        let q = filters.with_untracked(|f| f.query_string());
        match (q.is_empty(), before) {
            (true, 0) => "/audit".to_owned(),
            (false, 0) => format!("/audit?{q}"),
            (true, b) => format!("/audit?before={b}"),
            (false, b) => format!("/audit?{q}&before={b}"),
        }
    };
    view! {
        <Title text="Audit log"/>
        <div class="page-head">
            <div>
                <h1>"Audit log"</h1>
                <p class="muted">"Every change to users, roles, clients and client access, newest first. The record cannot be edited or deleted."</p>
            </div>
            <div class="actions">
                <a class="button secondary" download="" href=move || {
                    let q = filters.get().query_string();
                    if q.is_empty() { "/reports/audit.csv".to_owned() } else { format!("/reports/audit.csv?{q}") }
                }>"Export CSV"</a>
            </div>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || page.get().map(|r| {
                // The filters are drawn with the page, the staff member's choices coming with
                // it; a refused filter (a date that is not one) keeps the form, to correct it.
                // (Drawn here once: a second call site of the component, one per branch, made
                // the optimiser keep every page's HTML text in the WASM, 82 KB.)
                let staff = r.as_ref().map(|d| d.staff.clone()).unwrap_or_default();
                view! {
                    <AuditFilters staff initial=filters.get_untracked()/>
                    {match r {
                        Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(data) => {
                            let next = data.next;
                            let newer = data.newer;
                            let no_rows = data.entries.is_empty();
                            view! {
                                {data.entries.is_empty().then(|| view! { <p class="empty">"No events match."</p> })}
                                <div class="table-wrap" hidden=no_rows>
                                    <table class="data audit stack">
                                        <caption>"Audit events"</caption>
                                        <thead><tr>
                                            <th scope="col">"When"</th><th scope="col">"What happened"</th><th scope="col">"Details"</th>
                                        </tr></thead>
                                        <tbody>
                                            {data.entries.into_iter().map(|e| view! {
                                                <tr>
                                                    <td class="when">{
                                                        // Day and time each on one line: a narrow window puts them on two.
                                                        let at = format_time(e.at);
                                                        let (day, time) = at.split_once(' ').unwrap_or((&at, ""));
                                                        view! { <span>{day.to_owned()}</span>" "<span>{time.to_owned()}</span> }
                                                    }</td>
                                                    <th scope="row">{e.sentence.clone()}<small class="muted">{format!(" · {}", describe(&e.action))}</small></th>
                                                    <td class="change">
                                                        {(e.before.is_some() || e.after.is_some()).then(|| view! {
                                                            <details>
                                                                <summary>"Before → after"</summary>
                                                                {e.before.clone().map(|b| view! { <code>{b}</code> })}
                                                                {(e.before.is_some() && e.after.is_some()).then_some(" → ")}
                                                                {e.after.clone().map(|a| view! { <code>{a}</code> })}
                                                            </details>
                                                        })}
                                                    </td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {(newer.is_some() || next.is_some()).then(|| view! {
                                    <nav class="pager" aria-label="Pages">
                                        {newer.map(|b| view! { <a class="button secondary" href=page_url(b)>"Newer events"</a> })}
                                        {next.map(|b| view! { <a class="button secondary" href=page_url(b)>"Older events"</a> })}
                                    </nav>
                                })}
                            }.into_any()
                        }
                    }}
                }
            })}
        </Transition>
    }
}

/// The filters: a GET form, so they live in the address and work without JavaScript. The
/// staff member's choices come with the page's events.
#[component]
fn AuditFilters(staff: Vec<(i64, String)>, initial: AuditQuery) -> impl IntoView {
    view! {
        <form method="get" action="/audit" class="filters audit-filters" role="search" aria-label="Audit events">
            <div class="field">
                <label for="audit-staff">"Staff member"</label>
                <select id="audit-staff" name="staff">
                    <option value="">"Anyone"</option>
                    {staff.into_iter().map(|(id, name)| {
                        let id = id.to_string();
                        let selected = id == initial.staff;
                        view! { <option value=id selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-client">"Client"</label>
                <input id="audit-client" name="client" type="search" value=initial.client.clone() placeholder="Client name"/>
            </div>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action">
                    <option value="">"Any action"</option>
                    <option value=super::REQUESTS selected=initial.action == super::REQUESTS>"Requests"</option>
                    {AuditAction::ALL.into_iter().map(|a| view! {
                        <option value=a.as_str() selected=initial.action == a.as_str()>{a.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" name="from" type="date" value=initial.from.clone()/>
            </div>
            <div class="field">
                <label for="audit-to">"To"</label>
                <input id="audit-to" name="to" type="date" value=initial.to.clone()/>
            </div>
            <div class="field">
                <label for="audit-search">"Search"</label>
                <input id="audit-search" name="q" type="search" value=initial.search.clone() placeholder="Person, client or action"/>
            </div>
            <button type="submit" class="secondary">"Show"</button>
        </form>
    }
}
