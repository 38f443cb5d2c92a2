//! The matrix page: the staff table, then the selected person's clients × roles.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::*;
use crate::frame::icons::{Person, Tick};
use crate::frame::widgets::{Pager, thousands};
use crate::partner::plans::PlanSelect;

#[component]
pub fn MatrixPage() -> impl IntoView {
    let query = use_query_map();
    let selected = Memo::new(move |_| query.with(|q| q.get("staff").and_then(|s| s.parse::<i64>().ok())));
    // Bumped after any change so "N of M clients" in the staff table stays true.
    let changes = RwSignal::new(0_u32);
    let staff = Resource::new(move || changes.get(), |_| list_staff());
    let navigate = use_navigate();
    let select = Callback::new(move |id: i64| navigate(&format!("/partner/users?staff={id}"), Default::default()));
    view! {
        <Title text="Users · Clients"/>
        <div class="page-head">
            <div>
                <p class="crumbs">"Partner › Clients"</p>
                <h1>"Users"</h1>
            </div>
        </div>
        <p class="muted">"Choose a staff member to see and change their role on each client."</p>
        <Transition fallback=|| view! { <p>"Loading staff…"</p> }>
            {move || staff.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(table) => view! { <StaffList table selected select/> }.into_any(),
            })}
        </Transition>
        {move || selected.get().map(|user_id| view! { <MatrixPanel user_id changes/> })}
    }
}

#[component]
fn StaffList(table: StaffTable, selected: Memo<Option<i64>>, select: Callback<i64>) -> impl IntoView {
    let total = table.total_clients;
    view! {
        <div class="table-wrap staff-table">
            <table class="data">
                <caption>"Employee role manager"</caption>
                <thead><tr>
                    <th scope="col">"Staff member"</th>
                    <th scope="col">"Role in the practice"</th>
                    <th scope="col">"Clients"</th>
                </tr></thead>
                <tbody>
                    {table.staff.into_iter().map(|s| {
                        let id = s.user_id;
                        view! {
                            <tr class:selected=move || selected.get() == Some(id)>
                                <th scope="row">
                                    <button type="button" class="link staff-button" aria-pressed=move || (selected.get() == Some(id)).to_string() on:click=move |_| select.run(id)>
                                        {s.name.clone()}
                                    </button>
                                    <span class="muted small">{s.email.clone()}</span>
                                    {(!s.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
                                </th>
                                <td>{s.role_name.clone()}</td>
                                <td>{format!("{} of {} clients", thousands(s.clients), thousands(total))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A bulk action waiting for the admin to confirm it.
#[derive(Clone, Debug, PartialEq)]
struct PendingBulk {
    role_id: Option<i64>,
    what: String,
    preview: BulkPreview,
}

#[component]
fn MatrixPanel(user_id: i64, changes: RwSignal<u32>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let page = RwSignal::new(0_i64);
    let reload = RwSignal::new(0_u32);
    let matrix = Resource::new(
        move || (user_id, search.get(), plan.get(), page.get(), reload.get()),
        |(u, s, p, pg, _)| get_matrix(u, s, p, pg),
    );
    // The rows as shown: seeded from the server, changed at once on a click (optimistic).
    let rows = RwSignal::new(Vec::<MatrixRow>::new());
    let version = RwSignal::new(0_i64);
    Effect::new(move |_| {
        if let Some(Ok(m)) = matrix.get() {
            rows.set(m.rows.clone());
            version.set(m.version);
        }
    });
    let message = RwSignal::new(None::<(bool, String)>);
    let confirm = RwSignal::new(None::<PendingBulk>);
    let undo = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    // Single changes on their way to the server; `None` until the first one.
    let saving = RwSignal::new(None::<u32>);
    let scope = move || Scope {
        search: search.get_untracked(),
        plan: plan.get_untracked(),
    };

    let session_ended = RwSignal::new(false);
    // Another admin's change appears without a reload: poll the access version.
    #[cfg(feature = "hydrate")]
    {
        let handle = StoredValue::new_local(None::<leptos::leptos_dom::helpers::IntervalHandle>);
        let interval = set_interval_with_handle(
            move || {
                if session_ended.get_untracked() {
                    return;
                }
                leptos::task::spawn_local(async move {
                    match matrix_version(user_id).await {
                        Ok(v) if v != version.get_untracked() && !busy.get_untracked() => {
                            reload.update(|r| *r += 1);
                            changes.update(|c| *c += 1);
                        }
                        // The session ended (idle, signed out elsewhere, deactivated): stop
                        // asking and say so, instead of failing silently every 3 seconds.
                        Err(AppError::Unauthenticated) | Err(AppError::Forbidden) => {
                            session_ended.set(true);
                            if let Some(h) = handle.get_value() {
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
        let Some(row) = rows.with_untracked(|r| r.get(index).cloned()) else {
            return;
        };
        if row.role_id == role_id {
            return;
        }
        rows.update(|r| r[index].role_id = role_id);
        saving.update(|s| *s = Some(s.unwrap_or(0) + 1));
        leptos::task::spawn_local(async move {
            let result = set_client_role(user_id, row.client_id, role_id).await;
            saving.update(|s| *s = s.map(|n| n.saturating_sub(1)));
            match result {
                Ok(()) => changes.update(|c| *c += 1),
                Err(e) => {
                    rows.update(|r| {
                        if let Some(x) = r.iter_mut().find(|x| x.client_id == row.client_id) {
                            x.role_id = row.role_id;
                        }
                    });
                    message.set(Some((false, format!("Could not change access to {}: {e}", row.name))));
                }
            }
        });
    };

    let run_bulk = Callback::new(move |role_id: Option<i64>| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let s = scope();
            match apply_bulk(user_id, role_id, s.search, s.plan).await {
                Ok(result) => {
                    message.set(Some((true, format!("Changed {} clients.", thousands(result.changed)))));
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
        leptos::task::spawn_local(async move {
            let s = scope();
            let filtered = s.is_filtered();
            match preview_bulk(user_id, role_id, s.search, s.plan).await {
                Err(e) => message.set(Some((false, e.to_string()))),
                Ok(p) if p.changes == 0 => message.set(Some((
                    true,
                    "Nothing to change: every client in view is already so.".into(),
                ))),
                // Changing existing access, or acting on a filtered view, is said first.
                Ok(p) if p.overwrites > 0 || filtered => confirm.set(Some(PendingBulk {
                    role_id,
                    what,
                    preview: p,
                })),
                Ok(_) => run_bulk.run(role_id),
            }
        });
    });

    view! {
        <Show when=move || session_ended.get()>
            <div class="alert error" role="alert">
                "Your session has ended, so changes by others no longer appear here. "
                <a href="/login">"Sign in again"</a>" to keep working."
            </div>
        </Show>
        <section class="card matrix-card" aria-labelledby="matrix-heading">
            <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
                {move || matrix.get().map(|r| match r {
                    Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                    Ok(m) => {
                        let filtered = !search.get_untracked().trim().is_empty() || !plan.get_untracked().is_empty();
                        let pages = (m.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                        let columns = StoredValue::new(m.columns.clone());
                        view! {
                            <h2 id="matrix-heading">{format!("Client access for {}", m.staff_name)}</h2>
                            <MatrixFilters search plan page saving matching=m.matching total=m.total/>
                            {filtered.then(|| view! { <p class="filter-note">{format!("A filter is active: actions in the column heads apply to the {} clients shown only.", thousands(m.matching))}</p> })}
                            <BulkFeedback confirm message undo filtered run_bulk reload changes/>
                            <div class="table-wrap matrix-wrap">
                                <table class="data matrix">
                                    <caption class="sr-only">{format!("Roles of {} on each client", m.staff_name)}</caption>
                                    <ColumnHeads columns=m.columns.clone() busy start_bulk/>
                                    <tbody>
                                        {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                                            view! { <MatrixRowView index=i row columns grant/> }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {m.rows.is_empty().then(|| view! { <p class="empty">"No clients match."</p> })}
                            <Pager page pages/>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

/// Search and plan filter, the save state of single clicks, and the count shown.
#[component]
fn MatrixFilters(
    search: RwSignal<String>,
    plan: RwSignal<String>,
    page: RwSignal<i64>,
    saving: RwSignal<Option<u32>>,
    matching: i64,
    total: i64,
) -> impl IntoView {
    view! {
        <div class="filters" role="search">
            <div class="field">
                <label for="matrix-search">"Search clients"</label>
                <input id="matrix-search" type="search" prop:value=move || search.get()
                    on:change=move |ev| { search.set(event_target_value(&ev)); page.set(0); }/>
            </div>
            <div class="field">
                <label for="matrix-plan">"Filter by plan"</label>
                <PlanSelect id="matrix-plan" name="plan" any_label="All plans" selected=Plan::parse(&plan.get_untracked())
                    on_change=Callback::new(move |v| { plan.set(v); page.set(0); })/>
            </div>
            <p class="save-state" role="status">
                {move || match saving.get() {
                    Some(0) => "All changes saved",
                    Some(_) => "Saving…",
                    None => "",
                }}
            </p>
            <p class="count" role="status">{format!("Showing {} of {}", thousands(matching), thousands(total))}</p>
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
    run_bulk: Callback<Option<i64>>,
    reload: RwSignal<u32>,
    changes: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <div class="bulk-feedback" aria-live="polite">
            {move || confirm.get().map(|p| view! {
                <div class="confirm-bar" role="alertdialog" aria-label="Confirm bulk change">
                    <p>
                        <strong>{format!("This changes {} clients", thousands(p.preview.changes))}</strong>
                        {format!(
                            ": {}.{}{}",
                            p.what,
                            if p.preview.overwrites > 0 { format!(" {} of them have another role now.", thousands(p.preview.overwrites)) } else { String::new() },
                            if filtered { format!(" Only the {} shown clients are affected.", thousands(p.preview.in_scope)) } else { String::new() },
                        )}
                    </p>
                    <button type="button" on:click=move |_| { confirm.set(None); run_bulk.run(p.role_id); }>"Confirm"</button>
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
                        <button type="button" class="icon grant" title="Give access to all clients as Employee" aria-label="Give access to all clients as Employee"
                            disabled=move || busy.get()
                            on:click=move |_| start_bulk.run((Some(e), "give access as Employee (predefined)".into()))>
                            <Person/>
                        </button>
                    })}
                    <button type="button" class="icon remove" title="Remove from all clients" aria-label="Remove from all clients"
                        disabled=move || busy.get()
                        on:click=move |_| start_bulk.run((None, "remove access".into()))>
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
                        <button type="button" class="link assign-all" aria-label=format!("Assign all clients to {name}")
                            disabled=move || busy.get()
                            on:click=move |_| start_bulk.run((Some(id), format!("assign {name}")))>
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

#[component]
fn MatrixRowView(
    index: usize,
    row: MatrixRow,
    columns: StoredValue<Vec<RoleColumn>>,
    grant: impl Fn(usize, Option<i64>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let current = row.role_id;
    let client = row.name.clone();
    let cell = move |col: usize, role_id: Option<i64>, column_name: String| {
        let checked = current == role_id;
        let label = format!("{client}: {column_name}");
        view! {
            <td class="cell">
                <button
                    type="button"
                    role="radio"
                    id=format!("cell-{index}-{col}")
                    class="tick-button"
                    class:granted=checked && role_id.is_some()
                    class:none=checked && role_id.is_none()
                    aria-checked=checked.to_string()
                    aria-label=label
                    tabindex=if checked { "0" } else { "-1" }
                    on:click=move |_| grant(index, role_id)
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
    };
    view! {
        <tr>
            <th scope="row">
                <div class="client-head">
                    <span class="client-name">{row.name.clone()}<small>{row.plan.label()}</small></span>
                    <button type="button" class="icon remove" aria-label=format!("Remove {}", row.name) title=format!("Remove {}", row.name)
                        disabled=current.is_none() on:click=move |_| grant(index, None)>
                        <Person remove=true/>
                    </button>
                </div>
            </th>
            {cell(0, None, "N/A".into())}
            {columns.get_value().into_iter().enumerate().map(|(i, c)| cell(i + 1, Some(c.id), c.name)).collect_view()}
        </tr>
    }
}
