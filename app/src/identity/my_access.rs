//! "My access" (account menu): every client the signed-in user can open, with their role
//! there and when it ends. A GET search form and page links, so it works without
//! JavaScript and survives a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::frame::forms::action_error;
use crate::frame::widgets::{AutoSubmit, LinkPager, thousands, url_encode};
use crate::identity::accounts::{MY_ACCESS_PAGE, SetMyAccessEmails, list_my_access};

#[component]
pub fn MyAccessPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("q").unwrap_or_default(),
                q.get("page")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(0)
                    .clamp(0, 1_000_000),
            )
        })
    });
    let emails = ServerAction::<SetMyAccessEmails>::new();
    // Read again after each save, refused or not, so the switch shows what is stored (as
    // the practice's switches do).
    let data = Resource::new(
        move || (filters.get(), emails.version().get()),
        |((q, page), _)| list_my_access(q, page),
    );
    let emails_error = action_error(emails);
    view! {
        <Title text="My access"/>
        <h1>"My access"</h1>
        <p class="muted">"Every client you can open, and your role there. Practice staff get these from the practice's Partner › Clients › Users; a client's own users from its Manage users."</p>
        <form method="get" action="/account/access" class="filters" role="search" aria-label="My clients">
            <div class="field">
                <label for="my-access-search">"Search clients"</label>
                <input id="my-access-search" name="q" type="search" value=move || filters.get().0/>
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(d) => {
                    let (q, page) = filters.get_untracked();
                    let pages = (d.matching + MY_ACCESS_PAGE - 1) / MY_ACCESS_PAGE;
                    let no_rows = d.rows.is_empty();
                    let enabled = d.access_emails;
                    view! {
                        {d.is_staff.then(|| view! {
                            <ActionForm action=emails attr:class="setting">
                                <AutoSubmit>
                                <label class="check">
                                    <input type="checkbox" name="enabled" value="true" checked=enabled
                                        on:change=move |ev| { emails.dispatch(SetMyAccessEmails { enabled: event_target_checked(&ev) }); }/>
                                    "Email me when my client access changes"
                                </label>
                                </AutoSubmit>
                                <noscript><button type="submit" class="secondary">"Save"</button></noscript>
                                <span class="muted">" If your practice sends these at all."</span>
                            </ActionForm>
                        })}
                        {move || emails_error.get().map(|e| view! { <div class="alert error" role="alert">{e.to_string()}</div> })}
                        <p class="count" role="status">{format!("{} of {} clients", thousands(d.matching), thousands(d.total))}</p>
                        {d.rows.is_empty().then(|| view! { <p class="empty">"No clients."</p> })}
                        <div class="table-wrap" hidden=no_rows>
                            <table class="data stack">
                                <caption>"Clients you can open"</caption>
                                <thead><tr><th scope="col">"Client"</th><th scope="col">"Plan"</th><th scope="col">"Role"</th><th scope="col">"Ends"</th></tr></thead>
                                <tbody>
                                    {d.rows.into_iter().map(|a| view! {
                                        <tr>
                                            <th scope="row">{a.client}</th>
                                            <td>{a.plan.map(|p| p.label()).unwrap_or("")}</td>
                                            <td>{a.role_name}</td>
                                            <td>{a.ends_at.map(|e| format!("until {}", crate::platform::dates::last_day(e))).unwrap_or_else(|| "No end date".to_owned())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <LinkPager page pages href=Callback::new(move |p: i64| {
                            let mut url = format!("/account/access?page={p}");
                            if !q.is_empty() { url.push_str(&format!("&q={}", url_encode(&q))); }
                            url
                        })/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
