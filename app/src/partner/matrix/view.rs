//! The matrix page: the staff picker beside the selected person's clients × roles.

use leptos::prelude::*;
use leptos_meta::Title;

use super::*;
use crate::frame::address::{Go, go, use_query};
use crate::frame::forms::action_error;
use crate::frame::icons::{Calendar, Person, Tick};
use crate::frame::widgets::{
    LinkPager, address_with, kept_as_hidden_fields, thousands, url_encode, use_replace_address,
};
use crate::partner::plans::PlanSelect;

/// Which staff the picker shows: its search and filters, kept in the address with the
/// chosen person (`?staff=<id>&q=…&role=…&status=…`) so reload, back and forward work.
#[derive(Clone, Debug, Default, PartialEq)]
struct StaffQuery {
    q: String,
    role: String,
    status: String,
}

impl StaffQuery {
    fn from_query(q: &leptos_router::params::ParamsMap) -> Self {
        Self {
            q: q.get("q").unwrap_or_default(),
            role: q.get("role").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
        }
    }

    fn matches(&self, s: &StaffRow) -> bool {
        let q = self.q.trim().to_lowercase();
        (q.is_empty() || s.name.to_lowercase().contains(&q) || s.email.to_lowercase().contains(&q))
            && (self.role.is_empty() || s.role_name == self.role)
            && match self.status.as_str() {
                "active" => s.active,
                "deactivated" => !s.active,
                _ => true,
            }
    }

    fn url(&self, staff: Option<i64>) -> String {
        let mut parts = Vec::new();
        if let Some(id) = staff {
            parts.push(format!("staff={id}"));
        }
        for (key, value) in [("q", self.q.trim()), ("role", &self.role), ("status", &self.status)] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", url_encode(value)));
            }
        }
        if parts.is_empty() {
            "/partner/users".to_owned()
        } else {
            format!("/partner/users?{}", parts.join("&"))
        }
    }
}

/// A matrix row as drawn, and its role and end as they change (a click, an end date).
#[derive(Clone)]
struct RowEntry {
    row: MatrixRow,
    state: RwSignal<(Option<i64>, Option<i64>)>,
}

/// The page: its title and heading on the server, the rest one island.
#[component]
pub fn MatrixPage() -> impl IntoView {
    view! {
        <Title text="Users · Clients"/>
        <div class="page-head">
            <div>
                <p class="crumbs">"Partner › Clients"</p>
                <h1>"Users"</h1>
            </div>
        </div>
        <MatrixWorkspace/>
    }
}

/// The staff picker and the chosen person's matrix: the one island of the page. It keeps
/// its state in the address (`frame::address`), so it needs no props: the server renders
/// it for the request's address, its data (the staff list, the matrix) goes with the page,
/// and in the browser it hydrates from that data. Lazy: its code is a WASM chunk of its
/// own (the release build splits the module, scripts/build-release.sh), fetched by the
/// pages that show it, so no other page downloads the matrix.
#[island(lazy)]
fn MatrixWorkspace() -> impl IntoView {
    // Hydrated after the page's other islands (its chunk comes first): it marks the page
    // hydrated itself (`pages::mark_hydrated_after_islands`).
    #[cfg(feature = "hydrate")]
    crate::pages::mark_hydrated_soon();
    let query = use_query();
    let selected = Memo::new(move |_| query.with(|q| q.get("staff").and_then(|s| s.parse::<i64>().ok())));
    let filter = RwSignal::new(query.with_untracked(StaffQuery::from_query));
    // Back and forward bring their search with them.
    Effect::new(move |_| {
        let from_address = query.with(StaffQuery::from_query);
        if filter.get_untracked() != from_address {
            filter.set(from_address);
        }
    });
    // A refused plain confirmation of a bulk action comes back with `__path` and `__err` in
    // the address; on the server the router hands them to `ServerAction::new`, in the
    // browser (no router in an island) this does, so both draw the same error.
    #[cfg(feature = "hydrate")]
    if let Some((path, err)) = query.with_untracked(|q| Some((q.get("__path")?, q.get("__err")?))) {
        provide_context(leptos::server::ServerActionError::new(&path, &err));
    }
    let panel = PanelData::new(query, selected);
    // Bumped after any change so "N of M clients" in the staff list stays true.
    let changes = RwSignal::new(0_u32);
    let staff = Resource::new(move || changes.get(), |_| list_staff());
    // The people the list shows, in order (the chosen one stays, whatever the filter).
    let shown = Memo::new(move |_| {
        let f = filter.get();
        let chosen = selected.get();
        staff
            .get()
            .and_then(Result::ok)
            .map(|t| {
                t.staff
                    .into_iter()
                    .filter(|s| f.matches(s) || Some(s.user_id) == chosen)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    // Everyone access can be copied from.
    let others = Signal::derive(move || {
        staff
            .get()
            .and_then(Result::ok)
            .map(|t| t.staff.into_iter().map(|s| (s.user_id, s.name)).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let select = Callback::new(move |id: i64| go(&filter.get_untracked().url(Some(id)), Go::default()));
    // `[` and `]`: the previous and next person in the list, from anywhere but a field.
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let key = ev.key();
            if (key != "[" && key != "]") || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let in_field = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            if in_field {
                return;
            }
            let ids: Vec<i64> = shown.with_untracked(|s| s.iter().map(|r| r.user_id).collect());
            let at = selected
                .get_untracked()
                .and_then(|id| ids.iter().position(|x| *x == id));
            let next = match (key.as_str(), at) {
                ("]", Some(i)) => ids.get(i + 1),
                ("[", Some(i)) if i > 0 => ids.get(i - 1),
                ("]", None) => ids.first(),
                _ => None,
            };
            if let Some(id) = next {
                ev.prevent_default();
                select.run(*id);
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <div class="matrix-layout">
            <aside class="staff-pane" aria-labelledby="staff-heading">
                <h2 id="staff-heading">"Employee role manager"</h2>
                <Transition fallback=|| view! { <p>"Loading staff…"</p> }>
                    {move || staff.get().map(|r| match r {
                        Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(table) => view! { <StaffPicker table shown filter selected select/> }.into_any(),
                    })}
                </Transition>
            </aside>
            <div class="matrix-pane">
                {move || match selected.get() {
                    Some(user_id) => view! { <MatrixPanel user_id data=panel changes others/> }.into_any(),
                    None => view! { <p class="choose-hint">"Choose a staff member to see and change their role on each client."</p> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The search, the filters and the compact, scrollable list of staff. A GET form, so it
/// works without JavaScript; with it, typing filters at once and a choice navigates.
#[component]
fn StaffPicker(
    table: StaffTable,
    shown: Memo<Vec<StaffRow>>,
    filter: RwSignal<StaffQuery>,
    selected: Memo<Option<i64>>,
    select: Callback<i64>,
) -> impl IntoView {
    let total = table.total_clients;
    let everyone = table.staff.len() as i64;
    let mut roles: Vec<String> = table.staff.iter().map(|s| s.role_name.clone()).collect();
    roles.sort();
    roles.dedup();
    let initial = filter.get_untracked();
    // The chosen person is scrolled into the list's view when chosen or when the list
    // changes around them.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let _ = shown.get();
        if let Some(id) = selected.get()
            && let Some(el) = document().get_element_by_id(&format!("staff-{id}"))
        {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
    view! {
        <form method="get" action="/partner/users" class="staff-search" role="search" aria-label="Staff"
            on:submit=move |ev| {
                ev.prevent_default();
                // Enter in the search chooses the first person it found.
                let f = filter.get_untracked();
                if let Some(first) = shown.with_untracked(|s| s.iter().find(|r| f.matches(r)).map(|r| r.user_id)) {
                    select.run(first);
                }
            }>
            <div class="field">
                <label for="staff-search">"Search staff"</label>
                <input id="staff-search" name="q" type="search" autocomplete="off" placeholder="Name or email"
                    value=initial.q.clone()
                    prop:value=move || filter.with(|f| f.q.clone())
                    on:input=move |ev| filter.update(|f| f.q = event_target_value(&ev))/>
            </div>
            <div class="filter-row">
                <div class="field">
                    <label for="staff-role">"Filter by role"</label>
                    <select id="staff-role" name="role" on:change=move |ev| filter.update(|f| f.role = event_target_value(&ev))>
                        <option value="" selected=initial.role.is_empty()>"All roles"</option>
                        {roles.into_iter().map(|r| {
                            let chosen = r == initial.role;
                            view! { <option value=r.clone() selected=chosen>{r.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="staff-status">"Filter by status"</label>
                    <select id="staff-status" name="status" on:change=move |ev| filter.update(|f| f.status = event_target_value(&ev))>
                        <option value="" selected=initial.status.is_empty()>"All"</option>
                        <option value="active" selected=initial.status == "active">"Active"</option>
                        <option value="deactivated" selected=initial.status == "deactivated">"Deactivated"</option>
                    </select>
                </div>
            </div>
            <noscript><button type="submit" class="secondary">"Search"</button></noscript>
            <p class="count" role="status">
                {move || format!("Showing {} of {} staff", thousands(shown.with(|s| s.len()) as i64), thousands(everyone))}
            </p>
            <ul class="staff-list" aria-labelledby="staff-heading">
                <For each=move || shown.get() key=|s| (s.user_id, s.clients, s.active) let:s>
                    {
                        let id = s.user_id;
                        let is_chosen = move || selected.get() == Some(id);
                        view! {
                            <li id=format!("staff-{id}") class:selected=is_chosen>
                                <button type="submit" name="staff" value=id.to_string() class="link staff-button"
                                    aria-current=move || is_chosen().then_some("true")
                                    on:click=move |ev| { ev.prevent_default(); select.run(id); }>
                                    {s.name.clone()}
                                </button>
                                {(!s.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
                                <span class="muted small staff-email">{s.email.clone()}</span>
                                <span class="small staff-meta">{format!("{} · {} of {} clients", s.role_name, thousands(s.clients), thousands(total))}</span>
                            </li>
                        }
                    }
                </For>
            </ul>
            {move || shown.with(|s| s.is_empty()).then(|| view! { <p class="empty">"Nobody matches."</p> })}
            <p class="hint keys">"Press "<kbd>"["</kbd>" or "<kbd>"]"</kbd>" for the previous or next person."</p>
        </form>
    }
}

/// A bulk action waiting for the admin to confirm it.
#[derive(Clone, Debug, PartialEq)]
struct PendingBulk {
    role_id: Option<i64>,
    /// The clients the preview counted: Confirm acts on these, whatever the filters show by then.
    scope: Scope,
    what: String,
    preview: BulkPreview,
}

/// What the chosen person's matrix reads: the address's client filters and page, a bulk
/// action asked for by address, the matrix and that action's preview. Made in the island's
/// own body, not in the panel drawn for the chosen person: only resources made there go
/// with the server's page (a resource made while the view renders is not sent, and the
/// browser would read it again and find the server's table in its way).
#[derive(Clone, Copy)]
struct PanelData {
    search: Memo<String>,
    plan: Memo<String>,
    access: Memo<String>,
    page: Memo<i64>,
    reload: RwSignal<u32>,
    /// The matrix, with whose it is: it follows the chosen person.
    matrix: Resource<Result<(i64, Matrix), AppError>>,
    asked_preview: Resource<Result<AskedPreview, AppError>>,
}

/// A bulk action asked for by address: its role (none: remove access) and its preview.
type AskedPreview = Option<(Option<i64>, BulkPreview)>;

impl PanelData {
    fn new(query: Signal<leptos_router::params::ParamsMap>, selected: Memo<Option<i64>>) -> Self {
        // The client search, plan filter and page live in the address (`clients`, `plan`,
        // `page`): a GET form without JavaScript, and a reload keeps them.
        let search = Memo::new(move |_| query.with(|q| q.get("clients").unwrap_or_default()));
        let plan = Memo::new(move |_| query.with(|q| q.get("plan").unwrap_or_default()));
        let access = Memo::new(move |_| query.with(|q| q.get("access").unwrap_or_default()));
        let page = Memo::new(move |_| {
            query.with(|q| {
                q.get("page")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(0)
                    .clamp(0, 1_000_000)
            })
        });
        // Without JavaScript a column head's bulk action is a GET of this page with `bulk` (a
        // role's id, or `none` to remove access): the server draws its preview and a form
        // that confirms it (a GET never changes anything).
        let asked = Memo::new(move |_| query.with(|q| q.get("bulk")));
        let nobody = || AppError::invalid("staff", "Choose a staff member.");
        let asked_preview = Resource::new(
            move || (selected.get(), asked.get(), search.get(), plan.get(), access.get()),
            move |(user_id, asked, s, p, a)| async move {
                let Some(asked) = asked else { return Ok(None) };
                let user_id = user_id.ok_or_else(nobody)?;
                let role_id = match asked.as_str() {
                    "none" => None,
                    id => Some(
                        id.parse::<i64>()
                            .map_err(|_| AppError::invalid("bulk", "Choose a bulk action from a column head."))?,
                    ),
                };
                preview_bulk(user_id, role_id, s, p, a)
                    .await
                    .map(|p| Some((role_id, p)))
            },
        );
        let reload = RwSignal::new(0_u32);
        let matrix = Resource::new(
            move || {
                (
                    selected.get(),
                    search.get(),
                    plan.get(),
                    page.get(),
                    access.get(),
                    reload.get(),
                )
            },
            move |(u, s, p, pg, a, _)| async move {
                let u = u.ok_or_else(nobody)?;
                get_matrix(u, s, p, pg, a).await.map(|m| (u, m))
            },
        );
        Self {
            search,
            plan,
            access,
            page,
            reload,
            matrix,
            asked_preview,
        }
    }
}

#[component]
fn MatrixPanel(
    user_id: i64,
    data: PanelData,
    changes: RwSignal<u32>,
    others: Signal<Vec<(i64, String)>>,
) -> impl IntoView {
    let PanelData {
        search,
        plan,
        access,
        page,
        reload,
        matrix: answer,
        asked_preview,
    } = data;
    let query = use_query();
    // This person's matrix: until the answer for them comes, an earlier person's is not drawn.
    let matrix = Signal::derive(move || {
        answer.get().and_then(|r| match r {
            Ok((u, m)) if u == user_id => Some(Ok(m)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    });
    // A refused confirmation comes back to the same address with its error (read in the
    // island's body: `MatrixWorkspace`).
    let asked_error = action_error(ServerAction::<ApplyBulk>::new());
    // The rows as shown, each with its own signal for its role and end: seeded from the
    // server as the matrix renders (so the server's HTML has them too), and a click changes
    // its row's signal at once (optimistic), so only that row's cells are redrawn: the cost
    // of a click does not grow with the rows on the page.
    let rows = RwSignal::new(Vec::<RowEntry>::new());
    // Rows this admin changed since the table was drawn (a click, an end date), by client,
    // as changed; and whether the next drawing is a live update (another admin's change,
    // or this admin's own click coming back). Under an access filter a live update keeps
    // a row this admin changed where it is, even if the filter no longer matches it (a
    // grant under "Without access"): a row must not leave from under the pointer, and the
    // next click land on another client.
    let touched = StoredValue::new(std::collections::HashMap::<i64, (Option<i64>, Option<i64>)>::new());
    let live = StoredValue::new(false);
    let version = RwSignal::new(0_i64);
    let message = RwSignal::new(None::<(bool, String)>);
    let confirm = RwSignal::new(None::<PendingBulk>);
    // A confirmation is for the clients its preview counted: changing a filter withdraws it.
    Effect::new(move |previous: Option<(String, String, String)>| {
        let filters = (search.get(), plan.get(), access.get());
        if previous.is_some_and(|p| p != filters) {
            confirm.set(None);
        }
        filters
    });
    let undo = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    // Single changes on their way to the server; `None` until the first one.
    let saving = RwSignal::new(None::<u32>);
    let scope = move || Scope {
        search: search.get_untracked(),
        plan: plan.get_untracked(),
        access: access.get_untracked(),
    };

    // The heading takes focus once this person's matrix is there, so a screen reader
    // announces it and the keyboard carries on from it.
    #[cfg(feature = "hydrate")]
    {
        let focused = StoredValue::new(false);
        Effect::new(move |_| {
            if matches!(matrix.get(), Some(Ok(_))) && !focused.get_value() {
                focused.set_value(true);
                request_animation_frame(move || {
                    use wasm_bindgen::JsCast;
                    if let Some(h) = document()
                        .get_element_by_id("matrix-heading")
                        .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = h.focus();
                    }
                });
            }
        });
    }
    // Why the live updates stopped, if they did.
    let stopped = RwSignal::new(None::<AppError>);
    // Another admin's change appears without a reload: poll the access version.
    #[cfg(feature = "hydrate")]
    {
        let handle = StoredValue::new_local(None::<leptos::leptos_dom::helpers::IntervalHandle>);
        let interval = set_interval_with_handle(
            move || {
                if stopped.with_untracked(Option::is_some) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let answer = matrix_version(user_id).await;
                    // By the time the answer comes, another person may be chosen and this
                    // one's signals disposed: then the answer is dropped (`try_` reads).
                    match answer {
                        Ok(v)
                            if version.try_get_untracked().is_some_and(|current| current != v)
                                && busy.try_get_untracked() == Some(false) =>
                        {
                            live.try_set_value(true);
                            reload.try_update(|r| *r += 1);
                            changes.try_update(|c| *c += 1);
                        }
                        // The session ended (idle, signed out elsewhere, deactivated) or no
                        // longer acts in this practice: stop asking and say so, instead of
                        // failing silently every 3 seconds.
                        Err(e @ (AppError::Unauthenticated | AppError::Forbidden | AppError::NotAllowed(_))) => {
                            stopped.try_set(Some(e));
                            if let Some(h) = handle.try_get_value().flatten() {
                                h.clear();
                            }
                        }
                        _ => {}
                    }
                });
            },
            std::time::Duration::from_secs(3),
        );
        if let Ok(interval) = interval {
            handle.set_value(Some(interval));
            on_cleanup(move || interval.clear());
        }
    }

    let grant = move |index: usize, role_id: Option<i64>| {
        let Some((client_id, name, state)) =
            rows.with_untracked(|r| r.get(index).map(|e| (e.row.client_id, e.row.name.clone(), e.state)))
        else {
            return;
        };
        let Some((before, _)) = state.try_get_untracked() else {
            return;
        };
        if before == role_id {
            return;
        }
        state.update(|s| s.0 = role_id);
        let ends = state.get_untracked().1;
        touched.update_value(|t| {
            t.insert(client_id, (role_id, ends));
        });
        saving.update(|s| *s = Some(s.unwrap_or(0) + 1));
        leptos::task::spawn_local(async move {
            let result = set_client_role(user_id, client_id, role_id).await;
            saving.update(|s| *s = s.map(|n| n.saturating_sub(1)));
            match result {
                Ok(()) => changes.update(|c| *c += 1),
                Err(e) => {
                    // The tick goes back at once, and the table is read again: with two
                    // clicks on a row on their way, "before" may itself have been a guess.
                    state.try_update(|s| s.0 = before);
                    touched.try_update_value(|t| {
                        t.remove(&client_id);
                    });
                    message.set(Some((false, format!("Could not change access to {name}: {e}"))));
                    reload.try_update(|r| *r += 1);
                }
            }
        });
    };

    // "Set end date for <client>": saved at once; the row then says "until 31 Jan 2027".
    let set_end = Callback::new(move |(client_id, ends_on): (i64, String)| {
        leptos::task::spawn_local(async move {
            match set_access_end(user_id, client_id, ends_on).await {
                Ok(ends) => {
                    let state = rows
                        .try_with_untracked(|r| r.iter().find(|x| x.row.client_id == client_id).map(|x| x.state))
                        .flatten();
                    if let Some(state) = state {
                        state.try_update(|s| s.1 = ends);
                        if let Some((role, _)) = state.try_get_untracked() {
                            touched.try_update_value(|t| {
                                t.insert(client_id, (role, ends));
                            });
                        }
                    }
                    changes.update(|c| *c += 1);
                }
                Err(e) => message.set(Some((false, format!("Could not set the end date: {e}")))),
            }
        });
    });

    // An optional end date for the access bulk actions give.
    let bulk_ends = RwSignal::new(String::new());
    let run_bulk = Callback::new(move |(role_id, s): (Option<i64>, Scope)| {
        busy.set(true);
        // Everything the request needs is read now: by the time a task runs or its answer
        // comes, another person may be chosen and these signals disposed. After an await
        // only `set`/`update` (a no-op on a disposed signal) and `try_` calls are used.
        let ends = bulk_ends.get_untracked();
        leptos::task::spawn_local(async move {
            match apply_bulk(user_id, role_id, s.search, s.plan, ends, s.access).await {
                Ok(result) => {
                    message.set(Some((true, bulk_done(result.changed))));
                    undo.set(Some(result.batch_id));
                    reload.update(|r| *r += 1);
                    changes.update(|c| *c += 1);
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
            busy.set(false);
        });
    });

    let start_bulk = Callback::new(move |(role_id, what): (Option<i64>, String)| {
        confirm.set(None);
        message.set(None);
        undo.set(None);
        let s = scope();
        let filtered = s.is_filtered();
        leptos::task::spawn_local(async move {
            match preview_bulk(user_id, role_id, s.search.clone(), s.plan.clone(), s.access.clone()).await {
                Err(e) => message.set(Some((false, e.to_string()))),
                Ok(p) if p.changes == 0 => message.set(Some((
                    true,
                    "Nothing to change: every client in view is already so.".into(),
                ))),
                // Changing existing access, or acting on a filtered view, is said first.
                Ok(p) if p.overwrites > 0 || filtered => confirm.set(Some(PendingBulk {
                    role_id,
                    scope: s,
                    what,
                    preview: p,
                })),
                Ok(_) => {
                    run_bulk.try_run((role_id, s));
                }
            }
        });
    });

    view! {
        {move || stopped.get().map(|e| view! {
            <div class="alert error" role="alert">{match e {
                AppError::Unauthenticated => view! {
                    "Your session has ended, so changes by others no longer appear here. "
                    <a href="/login">"Sign in again"</a>" to keep working."
                }.into_any(),
                e => format!("Changes by others no longer appear here: {e}").into_any(),
            }}</div>
        })}
        <section class="card matrix-card" aria-labelledby="matrix-heading">
            <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
                {move || matrix.get().map(|r| match r {
                    Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                    Ok(m) => {
                        let mut list = m.rows.clone();
                        let live_update = live.get_value();
                        live.set_value(false);
                        if live_update && !access.get_untracked().is_empty() {
                            // Rows this admin changed that the access filter no longer
                            // matches stay where they were, as changed (see `touched`).
                            let before: Vec<MatrixRow> = rows.with_untracked(|r| r.iter().map(|e| e.row.clone()).collect());
                            for (at, row) in before.into_iter().enumerate() {
                                let Some((role_id, ends_at)) = touched.with_value(|t| t.get(&row.client_id).copied()) else {
                                    continue;
                                };
                                if !list.iter().any(|r| r.client_id == row.client_id) {
                                    list.insert(at.min(list.len()), MatrixRow { role_id, ends_at, ..row });
                                }
                            }
                        } else if !live_update {
                            touched.set_value(Default::default());
                        }
                        let entries: Vec<RowEntry> = list
                            .iter()
                            .map(|row| RowEntry {
                                row: row.clone(),
                                state: RwSignal::new((row.role_id, row.ends_at)),
                            })
                            .collect();
                        rows.set(entries.clone());
                        version.set(m.version);
                        let filtered = scope().is_filtered();
                        let pages = (m.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                        let columns = StoredValue::new(m.columns.clone());
                        let staff_name = m.staff_name.clone();
                        view! {
                            <h2 id="matrix-heading" tabindex="-1">{format!("Client access for {}", m.staff_name)}</h2>
                            <MatrixFilters search plan access saving matching=m.matching total=m.total/>
                            {filtered.then(|| view! { <p class="filter-note">{format!("A filter is active: actions in the column heads apply to the {} clients shown only.", thousands(m.matching))}</p> })}
                            // The column heads' bulk actions submit this form without JavaScript.
                            <form id="bulk-ask" method="get" action="/partner/users" hidden>
                                {kept_as_hidden_fields(&["bulk", "page"])}
                            </form>
                            <div class="matrix-tools">
                                <CopyAccess user_id others message undo reload changes/>
                                <div class="field bulk-ends">
                                    <label for="bulk-ends">"Access given in bulk ends on (optional)"</label>
                                    <input id="bulk-ends" type="date" prop:value=move || bulk_ends.get()
                                        on:change=move |ev| bulk_ends.set(event_target_value(&ev))/>
                                </div>
                            </div>
                            <BulkFeedback confirm message undo filtered run_bulk reload changes/>
                            // After a bulk action confirmed without JavaScript: what it did.
                            {m.notice.clone().map(|n| view! { <div class="alert success" role="status">{n}</div> })}
                            {move || asked_preview.get().map(|r| match r {
                                Ok(Some((role_id, p))) => view! {
                                    {asked_error.get().map(|e| view! { <div class="alert error" role="alert">{e.to_string()}</div> })}
                                    <AskedBulk user_id staff_name=staff_name.clone() role_id preview=p columns=columns.get_value() filtered scope=scope()/>
                                }.into_any(),
                                Ok(None) => ().into_any(),
                                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                            })}
                            <div class="table-wrap matrix-wrap">
                                <table class="data matrix">
                                    <caption class="sr-only">{format!("Roles of {} on each client", m.staff_name)}</caption>
                                    <ColumnHeads columns=m.columns.clone() busy start_bulk/>
                                    <tbody>
                                        // Drawn once per answer from the server (a reload draws the
                                        // table again); a click changes its row's signal only.
                                        {entries.into_iter().enumerate().map(|(i, RowEntry { row, state })| view! {
                                            <MatrixRowView user_id index=i row state=state.read_only() columns grant set_end/>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {list.is_empty().then(|| view! { <p class="empty">"No clients match."</p> })}
                            <LinkPager page=page.get_untracked() pages
                                href=Callback::new(move |p: i64| query.with_untracked(|q| address_with("/partner/users", q, &[("page", &p.to_string())])))/>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

/// Search, plan and access filters (a GET form; with JavaScript each change applies at once), the
/// save state of single clicks, and the count shown.
#[component]
fn MatrixFilters(
    search: Memo<String>,
    plan: Memo<String>,
    access: Memo<String>,
    saving: RwSignal<Option<u32>>,
    matching: i64,
    total: i64,
) -> impl IntoView {
    let query = use_query();
    let navigate = use_replace_address();
    let go = move |key: &'static str, value: String| {
        navigate(&query.with_untracked(|q| address_with("/partner/users", q, &[(key, &value), ("page", "")])));
    };
    let go_plan = go.clone();
    let go_access = go.clone();
    let chosen_access = access.get_untracked();
    // The other parts of the address ride along as hidden fields.
    let kept = kept_as_hidden_fields(&["clients", "plan", "access", "page"]);
    view! {
        <form method="get" action="/partner/users" class="filters" role="search" aria-label="Clients"
            on:submit=move |ev| ev.prevent_default()>
            {kept}
            <div class="field">
                <label for="matrix-search">"Search clients"</label>
                <input id="matrix-search" name="clients" type="search" value=search.get_untracked()
                    on:change=move |ev| go("clients", event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="matrix-plan">"Filter by plan"</label>
                <PlanSelect id="matrix-plan" name="plan" any_label="All plans" selected=Plan::parse(&plan.get_untracked())
                    on_change=Callback::new(move |v| go_plan("plan", v))/>
            </div>
            <div class="field">
                <label for="matrix-access">"Filter by access"</label>
                <select id="matrix-access" name="access" on:change=move |ev| go_access("access", event_target_value(&ev))>
                    {AccessFilter::ALL.into_iter().map(|a| view! {
                        <option value=a.as_str() selected=a.as_str() == chosen_access>{a.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <noscript><button type="submit" class="secondary">"Show"</button></noscript>
            <p class="save-state" role="status">
                {move || match saving.get() {
                    Some(0) => "All changes saved",
                    Some(_) => "Saving…",
                    None => "",
                }}
            </p>
            <p class="count" role="status">{format!("Showing {} of {}", thousands(matching), thousands(total))}</p>
        </form>
    }
}

/// "Copy access from…": another staff member's client access, added to this person's or
/// replacing it, with an optional end date; previewed first, then undoable like a bulk
/// action.
#[component]
fn CopyAccess(
    user_id: i64,
    others: Signal<Vec<(i64, String)>>,
    message: RwSignal<Option<(bool, String)>>,
    undo: RwSignal<Option<i64>>,
    reload: RwSignal<u32>,
    changes: RwSignal<u32>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let from = RwSignal::new(None::<i64>);
    let mode = RwSignal::new(CopyMode::Add);
    let ends = RwSignal::new(String::new());
    let pending = RwSignal::new(None::<BulkPreview>);
    let choices = Memo::new(move |_| {
        others
            .get()
            .into_iter()
            .filter(|(id, _)| *id != user_id)
            .collect::<Vec<_>>()
    });
    let chosen = move || from.get().or_else(|| choices.with(|c| c.first().map(|(id, _)| *id)));
    let preview = move |_| {
        let Some(source) = chosen() else { return };
        pending.set(None);
        let mode = mode.get_untracked().as_str().to_owned();
        leptos::task::spawn_local(async move {
            match preview_copy(user_id, source, mode).await {
                Ok(p) if p.changes == 0 => {
                    message.set(Some((true, "Nothing to copy: the access already matches.".into())))
                }
                Ok(p) => pending.set(Some(p)),
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let apply = move |_| {
        let Some(source) = chosen() else { return };
        pending.set(None);
        let (mode, ends) = (mode.get_untracked().as_str().to_owned(), ends.get_untracked());
        leptos::task::spawn_local(async move {
            match apply_copy(user_id, source, mode, ends).await {
                Ok(r) => {
                    open.set(false);
                    message.set(Some((
                        true,
                        format!("Copied: changed {}.", crate::frame::widgets::clients(r.changed)),
                    )));
                    undo.set(Some(r.batch_id));
                    reload.update(|x| *x += 1);
                    changes.update(|c| *c += 1);
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <div class="copy-access">
            <button type="button" class="secondary" aria-expanded=move || open.get().to_string()
                on:click=move |_| { open.update(|o| *o = !*o); pending.set(None); }>"Copy access from…"</button>
            <Show when=move || open.get()>
                <div class="copy-panel" role="group" aria-label="Copy access">
                    <div class="field">
                        <label for="copy-from">"Copy from"</label>
                        <select id="copy-from" on:change=move |ev| { from.set(event_target_value(&ev).parse().ok()); pending.set(None); }>
                            {move || choices.get().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="modes">
                        <legend>"How"</legend>
                        {[CopyMode::Add, CopyMode::Replace].into_iter().map(|m| view! {
                            <label class="check">
                                <input type="radio" name="copy-mode" value=m.as_str() checked=m == CopyMode::Add
                                    on:change=move |_| { mode.set(m); pending.set(None); }/>
                                {m.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="copy-ends">"Copied access ends on (optional)"</label>
                        <input id="copy-ends" type="date" on:change=move |ev| ends.set(event_target_value(&ev))/>
                    </div>
                    <button type="button" on:click=preview>"Preview copy"</button>
                    {move || pending.get().map(|p| view! {
                        <div class="confirm-bar" role="alertdialog" aria-label="Confirm copy">
                            <p>
                                <strong>{format!("This changes {}", crate::frame::widgets::clients(p.changes))}</strong>
                                {if p.overwrites > 0 { format!(": {} of them have another role now.", thousands(p.overwrites)) } else { ".".to_owned() }}
                            </p>
                            <button type="button" on:click=apply>"Copy access"</button>
                            <button type="button" class="secondary" on:click=move |_| pending.set(None)>"Cancel"</button>
                        </div>
                    })}
                </div>
            </Show>
        </div>
    }
}

/// The confirmation a bulk action waits for, and the outcome of the last one with its Undo.
#[component]
fn BulkFeedback(
    confirm: RwSignal<Option<PendingBulk>>,
    message: RwSignal<Option<(bool, String)>>,
    undo: RwSignal<Option<i64>>,
    filtered: bool,
    run_bulk: Callback<(Option<i64>, Scope)>,
    reload: RwSignal<u32>,
    changes: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <div class="bulk-feedback" aria-live="polite">
            {move || confirm.get().map(|p| view! {
                <div class="confirm-bar" role="alertdialog" aria-label="Confirm bulk change">
                    <p>
                        <strong>{format!("This changes {}", crate::frame::widgets::clients(p.preview.changes))}</strong>
                        {format!(
                            ": {}.{}{}",
                            p.what,
                            if p.preview.overwrites > 0 { format!(" {} of them have another role now.", thousands(p.preview.overwrites)) } else { String::new() },
                            if filtered { format!(" Only the {} shown clients are affected.", thousands(p.preview.in_scope)) } else { String::new() },
                        )}
                    </p>
                    <button type="button" on:click={
                        let scope = p.scope.clone();
                        move |_| { confirm.set(None); run_bulk.run((p.role_id, scope.clone())); }
                    }>"Confirm"</button>
                    <button type="button" class="secondary" on:click=move |_| confirm.set(None)>"Cancel"</button>
                </div>
            })}
            {move || message.get().map(|(ok, text)| view! {
                <div class=if ok { "alert success" } else { "alert error" } role=if ok { "status" } else { "alert" }>
                    {text}
                    {move || undo.get().map(|batch| view! {
                        " "
                        <button type="button" class="link" on:click=move |_| {
                            undo.set(None);
                            leptos::task::spawn_local(async move {
                                match undo_bulk(batch).await {
                                    Ok(n) => message.set(Some((true, format!("Undone: {} clients are back as they were.", thousands(n))))),
                                    Err(e) => message.set(Some((false, e.to_string()))),
                                }
                                reload.update(|r| *r += 1);
                                changes.update(|c| *c += 1);
                            });
                        }>"Undo"</button>
                    })}
                </div>
            })}
        </div>
    }
}

/// A bulk action asked for without JavaScript (`?bulk=`): what it would change, and a form
/// that confirms it (posted to `apply_bulk` with the scope the preview counted) or a link
/// that cancels it.
#[component]
fn AskedBulk(
    user_id: i64,
    staff_name: String,
    role_id: Option<i64>,
    preview: BulkPreview,
    columns: Vec<RoleColumn>,
    filtered: bool,
    scope: Scope,
) -> impl IntoView {
    let cancel = use_query().with_untracked(|q| address_with("/partner/users", q, &[("bulk", "")]));
    let what = match role_id.and_then(|r| columns.iter().find(|c| c.id == r)) {
        Some(c) => format!("give them the role {}", c.name),
        None => "remove access".to_owned(),
    };
    if preview.changes == 0 {
        return view! {
            <div class="alert success" role="status">
                "Nothing to change: every client in view is already so. "<a href=cancel>"Back"</a>
            </div>
        }
        .into_any();
    }
    view! {
        <form method="post" action="/api/apply_bulk" class="confirm-bar" role="alertdialog" aria-label="Confirm bulk change">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            {role_id.map(|r| view! { <input type="hidden" name="role_id" value=r.to_string()/> })}
            <input type="hidden" name="search" value=scope.search/>
            <input type="hidden" name="plan" value=scope.plan/>
            <input type="hidden" name="access" value=scope.access/>
            <p>
                <strong>{format!("This changes {} for {staff_name}", crate::frame::widgets::clients(preview.changes))}</strong>
                {format!(
                    ": {what}.{}{}",
                    if preview.overwrites > 0 { format!(" {} of them have another role now.", thousands(preview.overwrites)) } else { String::new() },
                    if filtered { format!(" Only the {} shown clients are affected.", thousands(preview.in_scope)) } else { String::new() },
                )}
            </p>
            <div class="field bulk-ends">
                <label for="asked-bulk-ends">"Access given ends on (optional)"</label>
                <input id="asked-bulk-ends" name="ends_on" type="date"/>
            </div>
            <button type="submit">"Confirm"</button>
            <a class="button secondary" href=cancel>"Cancel"</a>
        </form>
    }
    .into_any()
}

/// The column heads with their bulk actions: all as Employee and remove from all under
/// N/A, "Assign all" under each role.
#[component]
fn ColumnHeads(
    columns: Vec<RoleColumn>,
    busy: RwSignal<bool>,
    start_bulk: Callback<(Option<i64>, String)>,
) -> impl IntoView {
    let employee = columns.iter().find(|c| c.is_employee).map(|c| c.id);
    view! {
        <thead><tr>
            <th scope="col">"Client"</th>
            <th scope="col" class="cell-col">
                <span>"N/A"</span>
                <span class="head-actions">
                    {employee.map(|e| view! {
                        <button type="submit" form="bulk-ask" name="bulk" value=e.to_string() class="icon grant" title="Give access to all clients as Employee" aria-label="Give access to all clients as Employee"
                            disabled=move || busy.get()
                            on:click=move |ev| { ev.prevent_default(); start_bulk.run((Some(e), "give access as Employee (predefined)".into())) }>
                            <Person/>
                        </button>
                    })}
                    <button type="submit" form="bulk-ask" name="bulk" value="none" class="icon remove" title="Remove from all clients" aria-label="Remove from all clients"
                        disabled=move || busy.get()
                        on:click=move |ev| { ev.prevent_default(); start_bulk.run((None, "remove access".into())) }>
                        <Person remove=true/>
                    </button>
                </span>
            </th>
            {columns.into_iter().map(|c| {
                let id = c.id;
                let name = c.name.clone();
                view! {
                    <th scope="col" class="cell-col">
                        <span>{c.name}</span>
                        <button type="submit" form="bulk-ask" name="bulk" value=id.to_string() class="link assign-all" aria-label=format!("Assign all clients to {name}")
                            disabled=move || busy.get()
                            on:click=move |ev| { ev.prevent_default(); start_bulk.run((Some(id), format!("assign {name}"))) }>
                            // The visible words must be part of the accessible name (WCAG 2.5.3,
                            // for speech input): "Assign all" is, "Assign to all" would not be.
                            "Assign all"
                        </button>
                    </th>
                }
            }).collect_view()}
        </tr></thead>
    }
}

/// Moves focus between cells: arrows move, the cell keeps its own Space/Enter.
fn move_focus(row: usize, col: usize, key: &str) -> bool {
    let (r, c) = match key {
        "ArrowRight" => (row as i64, col as i64 + 1),
        "ArrowLeft" => (row as i64, col as i64 - 1),
        "ArrowDown" => (row as i64 + 1, col as i64),
        "ArrowUp" => (row as i64 - 1, col as i64),
        _ => return false,
    };
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id(&format!("cell-{r}-{c}"))
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (r, c);
    true
}

/// One client's row. Every cell is a submit button of the row's form (a POST to
/// `set_client_role`), so a grant works without JavaScript too; with it, a click is
/// handled on the page at once (optimistically) and the form is not sent.
#[component]
fn MatrixRowView(
    user_id: i64,
    index: usize,
    row: MatrixRow,
    /// The row's role and end as they change (a click, an end date): only what depends on
    /// them is redrawn.
    state: ReadSignal<(Option<i64>, Option<i64>)>,
    columns: StoredValue<Vec<RoleColumn>>,
    grant: impl Fn(usize, Option<i64>) + Copy + Send + Sync + 'static,
    set_end: Callback<(i64, String)>,
) -> impl IntoView {
    let current = move || state.get().0;
    let ends_at = move || state.get().1;
    // The row says its role in words too: with many roles, or on a narrow window, the
    // chosen tick may sit in a column scrolled out of view.
    let role_name =
        move || current().and_then(|id| columns.with_value(|c| c.iter().find(|c| c.id == id).map(|c| c.name.clone())));
    let editing_end = RwSignal::new(false);
    let end_field = format!("ends-{}", row.client_id);
    let client = row.name.clone();
    let form_id = format!("grant-{}", row.client_id);
    let client_id = row.client_id;
    let cell = {
        let form_id = form_id.clone();
        move |col: usize, role_id: Option<i64>, column_name: String| {
            let form_id = form_id.clone();
            let checked = move || current() == role_id;
            let label = format!("{client}: {column_name}");
            view! {
                <td class="cell">
                    <button
                        type="submit"
                        role="radio"
                        id=format!("cell-{index}-{col}")
                        class="tick-button"
                        class:granted=move || checked() && role_id.is_some()
                        class:none=move || checked() && role_id.is_none()
                        aria-checked=move || checked().to_string()
                        aria-label=label
                        tabindex=move || if checked() { "0" } else { "-1" }
                        form=form_id.clone()
                        name=role_id.map(|_| "role_id")
                        value=role_id.map(|r| r.to_string())
                        on:click=move |ev| {
                            ev.prevent_default();
                            grant(index, role_id)
                        }
                        on:keydown=move |ev| {
                            if move_focus(index, col, &ev.key()) {
                                ev.prevent_default();
                            }
                        }
                    >
                        <Tick/>
                    </button>
                </td>
            }
        }
    };
    view! {
        <tr>
            <th scope="row">
                <form id=form_id.clone() method="post" action="/api/set_client_role" class="row-form">
                    <input type="hidden" name="user_id" value=user_id.to_string()/>
                    <input type="hidden" name="client_id" value=client_id.to_string()/>
                </form>
                <div class="client-head">
                    <span class="client-name">
                        {row.name.clone()}<small>{row.plan.label()}{move || role_name().map(|r| format!(" · {r}"))}</small>
                        {move || ends_at().map(|e| view! { <small class="ends">{format!("until {}", crate::platform::dates::last_day(e))}</small> })}
                    </span>
                    <button type="button" class="icon end-date" aria-label=format!("Set end date for {}", row.name) title=format!("Set end date for {}", row.name)
                        aria-expanded=move || editing_end.get().to_string()
                        disabled=move || current().is_none() on:click=move |_| editing_end.update(|o| *o = !*o)>
                        <Calendar/>
                    </button>
                    <button type="submit" form=form_id.clone() class="icon remove" aria-label=format!("Remove {}", row.name) title=format!("Remove {}", row.name)
                        disabled=move || current().is_none() on:click=move |ev| { ev.prevent_default(); grant(index, None) }>
                        <Person remove=true/>
                    </button>
                </div>
                <Show when=move || editing_end.get()>
                    {
                        let end_field = end_field.clone();
                        let input = NodeRef::<leptos::html::Input>::new();
                        view! {
                            <div class="end-date-form">
                                <label for=end_field.clone()>"Access ends on"</label>
                                <input type="date" id=end_field.clone() node_ref=input value=state.get_untracked().1.map(crate::platform::dates::last_day_iso).unwrap_or_default()/>
                                <button type="button" class="secondary" on:click=move |_| {
                                    let day = input.get_untracked().map(|i| i.value()).unwrap_or_default();
                                    editing_end.set(false);
                                    set_end.run((client_id, day));
                                }>"Save end date"</button>
                                {move || ends_at().is_some().then(|| view! {
                                    <button type="button" class="link" on:click=move |_| { editing_end.set(false); set_end.run((client_id, String::new())); }>"No end date"</button>
                                })}
                            </div>
                        }
                    }
                </Show>
            </th>
            {cell(0, None, "N/A".into())}
            {columns.get_value().into_iter().enumerate().map(|(i, c)| cell(i + 1, Some(c.id), c.name)).collect_view()}
        </tr>
    }
}
