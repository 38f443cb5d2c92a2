//! The pages of access requests: "Request access" (Accounts menu), "Access requests"
//! (Home menu, for those who may manage users) and the asker's own list on "My access".
//! Every step is a plain form, so each works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::platform::dates::{format_time, last_day, last_day_iso};
use crate::ui::forms::{FormError, action_error};

fn until_text(ends_at: Option<i64>) -> String {
    ends_at
        .map(|e| format!("until {}", last_day(e)))
        .unwrap_or_else(|| "for good".to_owned())
}

/// "Request access": find a client, choose a role, say why and until when.
#[component]
pub fn RequestAccessPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("search").unwrap_or_default(),
                q.get("client").and_then(|c| c.parse::<i64>().ok()),
            )
        })
    });
    let send = ServerAction::<RequestAccess>::new();
    // After a refused request without JavaScript: what was chosen and typed.
    let [kept_client, kept_role, kept_reason, kept_until] = crate::platform::form_return::kept_values(KEPT);
    let (kept_client, kept_role) = (kept_client.parse::<i64>().ok(), kept_role.parse::<i64>().ok());
    let form = Resource::new(
        move || (params.get(), send.version().get()),
        |((search, client), _)| get_request_form(search, client),
    );
    let error = action_error(send);
    view! {
        <Title text="Request access"/>
        <h1>"Request access"</h1>
        <p class="muted">"Ask for a client you cannot open yet. Whoever manages your practice's users approves or declines it, and you are emailed the answer."</p>
        <form method="get" action="/access-requests/new" class="filters" role="search" aria-label="Clients to request">
            <div class="field">
                <label for="request-search">"Search clients"</label>
                <input id="request-search" name="search" type="search" value=move || params.get().0/>
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || form.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(f) if !f.enabled => view! {
                    <p class="alert info" role="status">"Your practice does not take access requests. Ask whoever manages its users."</p>
                }.into_any(),
                Ok(f) => {
                    let chosen = params.get_untracked().1.or(kept_client);
                    let none = f.clients.is_empty();
                    let more = f.more;
                    let default_role = kept_role.or(f.default_role);
                    let (reason, until) = (kept_reason.clone(), kept_until.clone());
                    view! {
                        {f.notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
                        <section class="card narrow">
                            <ActionForm action=send attr:novalidate="true" attr:class="request-form">
                                <FormError error=error/>
                                <div class="field">
                                    <label for="field-client_id">"Client"</label>
                                    <select id="field-client_id" name="client_id" required=true>
                                        {f.clients.into_iter().enumerate().map(|(i, c)| {
                                            let selected = chosen == Some(c.id) || (chosen.is_none() && i == 0);
                                            view! { <option value=c.id selected=selected>{c.name}</option> }
                                        }).collect_view()}
                                    </select>
                                    <FieldMessage error=error name="client_id"/>
                                    {none.then(|| view! { <p class="hint">"No client you cannot open matches. Search for another."</p> })}
                                    {more.then(|| view! { <p class="hint">{format!("Showing the first {CLIENT_CHOICES}: search to find others.")}</p> })}
                                </div>
                                <div class="field">
                                    <label for="field-role_id">"Role"</label>
                                    <select id="field-role_id" name="role_id">
                                        {f.roles.into_iter().map(|role| view! {
                                            <option value=role.id selected=default_role == Some(role.id)>{role.name}</option>
                                        }).collect_view()}
                                    </select>
                                    <FieldMessage error=error name="role_id"/>
                                </div>
                                <div class="field">
                                    <label for="field-reason">"Reason"</label>
                                    <textarea id="field-reason" name="reason" rows="3" maxlength=REASON_MAX.to_string() required=true
                                        aria-describedby="field-reason-error">{reason}</textarea>
                                    <FieldMessage error=error name="reason"/>
                                </div>
                                <div class="field">
                                    <label for="field-until">"Until"</label>
                                    <input id="field-until" name="until" type="date" value=until aria-describedby="field-until-error"/>
                                    <FieldMessage error=error name="until"/>
                                    <p class="hint">"Leave empty to ask for access with no end date."</p>
                                </div>
                                <button type="submit" disabled=move || send.pending().get()>"Send request"</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// A field's error under it, announced (for fields drawn without [`crate::ui::forms::Field`]).
#[component]
fn FieldMessage(#[prop(into)] error: Signal<Option<AppError>>, name: &'static str) -> impl IntoView {
    view! {
        <p class="field-error" id=format!("field-{name}-error") role="alert">
            {move || error.get().and_then(|e| e.for_field(name))}
        </p>
    }
}

/// Home → "Access requests": the practice's requests, pending first, each with "Approve"
/// (its role and end can be changed first) and "Decline" (with an optional reason).
#[component]
pub fn AccessRequestsPage() -> impl IntoView {
    let decide = ServerAction::<DecideAccessRequest>::new();
    let data = Resource::new(move || decide.version().get(), |_| list_access_requests(false));
    let error = action_error(decide);
    view! {
        <Title text="Access requests"/>
        <h1>"Access requests"</h1>
        <p class="muted">"Staff ask for clients they cannot open. Approving gives the access as the matrix does, with the same rules; the asker is emailed either way."</p>
        <FormError error=error/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(d) => {
                    let roles = d.roles.clone();
                    let (waiting, decided): (Vec<_>, Vec<_>) =
                        d.lines.into_iter().partition(|l| l.status() == RequestStatus::Pending);
                    view! {
                        {d.notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
                        <p class="count" role="status">{match d.waiting {
                            0 => "No requests are waiting.".to_owned(),
                            1 => "1 request is waiting.".to_owned(),
                            n => format!("{n} requests are waiting."),
                        }}</p>
                        {waiting.into_iter().map(|l| view! { <PendingRequest line=l roles=roles.clone() decide/> }).collect_view()}
                        {(!decided.is_empty()).then(|| view! {
                            <h2>"Decided lately"</h2>
                            <RequestsTable lines=decided caption="Decided access requests" show_staff=true withdraw=None/>
                        })}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn PendingRequest(
    line: AccessRequestLine,
    roles: Vec<RoleChoice>,
    decide: ServerAction<DecideAccessRequest>,
) -> impl IntoView {
    let who = format!("{}'s request for {}", line.staff_name, line.client_name);
    let heading = format!("{} asks for access to {}", line.staff_name, line.client_name);
    let summary = format!(
        "{} · {} · asked {}",
        line.role_name,
        until_text(line.ends_at),
        format_time(line.asked_at)
    );
    let id = line.id.to_string();
    let (role_field, until_field, note_field) = (format!("role-{id}"), format!("until-{id}"), format!("note-{id}"));
    let (approve_label, decline_label) = (format!("Approve {who}"), format!("Decline {who}"));
    let end = line.ends_at.map(last_day_iso).unwrap_or_default();
    let asked_role = line.role_id;
    let (label, approve_id) = (heading.clone(), id.clone());
    view! {
        <article class="card request" aria-label=label>
            <h2>{heading}</h2>
            <p>{summary}</p>
            <blockquote class="reason">{line.reason}</blockquote>
            <div class="decide">
                <ActionForm action=decide attr:class="inline-form">
                    <input type="hidden" name="request_id" value=approve_id/>
                    <input type="hidden" name="decision" value="approve"/>
                    <div class="field">
                        <label for=role_field.clone()>"Role"</label>
                        <select id=role_field name="role_id">
                            {roles.into_iter().map(|r| view! { <option value=r.id selected=r.id == asked_role>{r.name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=until_field.clone()>"Until"</label>
                        <input id=until_field name="until" type="date" value=end/>
                    </div>
                    <button type="submit" aria-label=approve_label>"Approve"</button>
                </ActionForm>
                <ActionForm action=decide attr:class="inline-form">
                    <input type="hidden" name="request_id" value=id/>
                    <input type="hidden" name="decision" value="decline"/>
                    <div class="field">
                        <label for=note_field.clone()>"Reason for declining (optional)"</label>
                        <input id=note_field name="note" type="text" maxlength=REASON_MAX.to_string()/>
                    </div>
                    <button type="submit" class="danger" aria-label=decline_label>"Decline"</button>
                </ActionForm>
            </div>
        </article>
    }
}

#[component]
fn RequestsTable(
    lines: Vec<AccessRequestLine>,
    caption: &'static str,
    show_staff: bool,
    withdraw: Option<ServerAction<WithdrawAccessRequest>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data stack">
                <caption>{caption}</caption>
                <thead><tr>
                    {show_staff.then(|| view! { <th scope="col">"Staff"</th> })}
                    <th scope="col">"Client"</th><th scope="col">"Role"</th><th scope="col">"Until"</th>
                    <th scope="col">"Reason"</th><th scope="col">"Asked"</th><th scope="col">"Status"</th>
                    {withdraw.is_some().then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let status = l.status();
                        let outcome = match (&l.decided_by, &l.note) {
                            (Some(by), Some(note)) => format!("{} by {by}: {note}", status.label()),
                            (Some(by), None) => format!("{} by {by}", status.label()),
                            _ => status.label().to_owned(),
                        };
                        let client = l.client_name.clone();
                        view! {
                            <tr>
                                {show_staff.then(|| view! { <td data-label="Staff">{l.staff_name.clone()}</td> })}
                                <th scope="row">{l.client_name.clone()}</th>
                                <td data-label="Role">{l.role_name.clone()}</td>
                                <td data-label="Until">{until_text(l.ends_at)}</td>
                                <td data-label="Reason">{l.reason.clone()}</td>
                                <td data-label="Asked">{format_time(l.asked_at)}</td>
                                <td data-label="Status"><span class=format!("request-status {}", status.as_str())>{outcome}</span></td>
                                {withdraw.map(|action| view! {
                                    <td>
                                        {(status == RequestStatus::Pending).then(|| view! {
                                            <ActionForm action=action attr:class="row-form">
                                                <input type="hidden" name="request_id" value=l.id.to_string()/>
                                                <button type="submit" class="link danger" aria-label=format!("Withdraw request for {client}")>"Withdraw"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// "Your access requests" on My access: each of one's requests and its outcome.
#[component]
pub fn MyRequests() -> impl IntoView {
    let withdraw = ServerAction::<WithdrawAccessRequest>::new();
    let data = Resource::new(move || withdraw.version().get(), |_| list_access_requests(true));
    let error = action_error(withdraw);
    view! {
        <section aria-labelledby="my-requests-heading" class="my-requests">
            <h2 id="my-requests-heading">"Your access requests"</h2>
            <p><a href="/access-requests/new" class="button secondary">"Request access"</a></p>
            <FormError error=error/>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || data.get().map(|r| match r {
                    // Not staff of a practice (a client's own user): nothing to ask here.
                    Err(_) => ().into_any(),
                    Ok(d) if d.lines.is_empty() => view! {
                        {d.notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
                        <p class="empty">"You have not asked for access."</p>
                    }.into_any(),
                    Ok(d) => view! {
                        {d.notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
                        <RequestsTable lines=d.lines caption="Your access requests" show_staff=false withdraw=Some(withdraw)/>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
