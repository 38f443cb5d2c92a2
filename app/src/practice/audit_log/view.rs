//! Home → Audit log: a searchable table of events, newest first, paged by cursor.

use leptos_meta::Title;

use super::*;
use crate::frame::widgets::thousands;

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
                                            <th scope="row">{describe(&e.action)}{e.count.filter(|c| *c > 1).map(|c| format!(" ({} clients)", thousands(c)))}</th>
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
