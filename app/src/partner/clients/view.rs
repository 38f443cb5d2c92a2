//! Partner → Clients → Client overview: filters, the client table with inline editing, and
//! the add and import panels.

use leptos_meta::Title;

use super::*;
use crate::frame::forms::{Field, FormError, action_error};
use crate::frame::widgets::{Pager, TextFileInput, thousands};
use crate::partner::plans::PlanSelect;

#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let add = ServerAction::<AddClient>::new();
    let update = ServerAction::<UpdateClient>::new();
    let archive = ServerAction::<SetClientArchived>::new();
    let import = ServerAction::<ImportClients>::new();
    let search = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let show_archived = RwSignal::new(false);
    let page = RwSignal::new(0_i64);
    let list = Resource::new(
        move || {
            (
                search.get(),
                plan.get(),
                show_archived.get(),
                page.get(),
                add.version().get(),
                update.version().get(),
                archive.version().get(),
                import.version().get(),
            )
        },
        |(s, p, a, pg, ..)| list_clients(s, p, a, pg),
    );
    let show_add = RwSignal::new(false);
    let show_import = RwSignal::new(false);
    let update_error = action_error(update);
    // Close the form once the client is added. This lives here, not in the form: a form
    // opened again would see the last result and close at once.
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            show_add.set(false);
        }
    });
    view! {
        <Title text="Client overview"/>
        <div class="page-head">
            <div>
                <p class="crumbs">"Partner › Clients"</p>
                <h1>"Client overview"</h1>
            </div>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| show_import.update(|s| *s = !*s)>"Import clients"</button>
                <button type="button" on:click=move |_| show_add.update(|s| *s = !*s)>"Add client"</button>
            </div>
        </div>
        <Show when=move || show_add.get()>
            <AddClientForm add/>
        </Show>
        <Show when=move || show_import.get()>
            <ImportPanel import/>
        </Show>
        <ClientFilters search plan show_archived page/>
        <Show when=move || update_error.get().is_some()>
            <div class="alert error" role="alert">{move || update_error.get().map(|e| e.to_string())}</div>
        </Show>
        // What a change means for people (a move to Practice Edition: client users keep access).
        <p role="status" class="notice">{move || update.value().get().and_then(|r| r.ok().flatten())}</p>
        <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => {
                    let pages = (data.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                    view! {
                        <p class="count" role="status">{format!("Showing {} of {} clients", thousands(data.matching), thousands(data.total))}</p>
                        <ClientTable rows=data.rows update archive/>
                        <Pager page pages/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// "Add a client": name and plan.
#[component]
fn AddClientForm(add: ServerAction<AddClient>) -> impl IntoView {
    let add_error = action_error(add);
    view! {
        <section class="card" aria-labelledby="add-client-heading">
            <h2 id="add-client-heading">"Add a client"</h2>
            <ActionForm action=add attr:novalidate="true" attr:class="inline-form">
                <FormError error=add_error/>
                <Field label="Client name" name="name" error=add_error/>
                <div class="field">
                    <label for="add-plan">"Plan"</label>
                    <PlanSelect id="add-plan" name="plan" selected=Some(Plan::PracticeEdition)/>
                </div>
                <button type="submit" disabled=move || add.pending().get()>"Add client"</button>
            </ActionForm>
        </section>
    }
}

/// "Import clients from CSV": a file or pasted text; all or nothing, every bad line listed.
#[component]
fn ImportPanel(import: ServerAction<ImportClients>) -> impl IntoView {
    let csv_text = RwSignal::new(String::new());
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import clients from CSV"</h2>
            <p class="muted">"One client per line: name, plan (Practice Edition, Small, Medium or Large). A header line is optional. If any line cannot be used, nothing is imported and every such line is listed."</p>
            <TextFileInput id="csv-file" label="CSV file" accept=".csv,text/csv,text/plain" text=csv_text/>
            <div class="field">
                <label for="csv-text">"CSV"</label>
                <textarea id="csv-text" rows="6" prop:value=move || csv_text.get() on:input=move |ev| csv_text.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" disabled=move || import.pending().get() on:click=move |_| { import.dispatch(ImportClients { csv: csv_text.get_untracked() }); }>"Import"</button>
            <div role="status" aria-live="polite">
                {move || import.value().get().map(|r| match r {
                    Ok(ImportOutcome::Imported(n)) => view! { <p class="notice">{format!("Imported {n} clients.")}</p> }.into_any(),
                    Ok(ImportOutcome::Rejected(lines)) => view! {
                        <div class="alert error">
                            <p><strong>{format!("Nothing was imported: {} lines need fixing.", lines.len())}</strong></p>
                            <ul class="rejected">
                                {lines.into_iter().map(|l| view! { <li>{if l.line == 0 { l.reason } else { format!("Line {}: {}", l.line, l.reason) }}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <div class="alert error">{e.to_string()}</div> }.into_any(),
                })}
            </div>
        </section>
    }
}

/// Search, plan and archived filters; any change goes back to the first page.
#[component]
fn ClientFilters(
    search: RwSignal<String>,
    plan: RwSignal<String>,
    show_archived: RwSignal<bool>,
    page: RwSignal<i64>,
) -> impl IntoView {
    view! {
        <div class="filters" role="search">
            <div class="field">
                <label for="client-search">"Search clients"</label>
                <input id="client-search" type="search" prop:value=move || search.get() on:input=move |ev| { search.set(event_target_value(&ev)); page.set(0); }/>
            </div>
            <div class="field">
                <label for="client-plan">"Filter by plan"</label>
                <PlanSelect id="client-plan" name="plan-filter" any_label="All plans" on_change=Callback::new(move |v| { plan.set(v); page.set(0); })/>
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=move || show_archived.get() on:change=move |ev| { show_archived.set(event_target_checked(&ev)); page.set(0); }/>
                "Show archived clients"
            </label>
        </div>
    }
}

/// The clients of one page; "Edit" turns a row into a form in place.
#[component]
fn ClientTable(
    rows: Vec<ClientRow>,
    update: ServerAction<UpdateClient>,
    archive: ServerAction<SetClientArchived>,
) -> impl IntoView {
    let editing = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            editing.set(None);
        }
    });
    view! {
        <div class="table-wrap">
            <table class="data stack">
                <thead><tr>
                    <th scope="col">"Client"</th><th scope="col">"Plan"</th><th scope="col">"Staff with access"</th><th scope="col">"Client users"</th><th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|c| {
                        let id = c.id;
                        let name = c.name.clone();
                        view! {
                            <tr>
                                {move || if editing.get() == Some(id) {
                                    view! { <td colspan="2" class="full"><EditClientForm id name=name.clone() plan=c.plan update editing/></td> }.into_any()
                                } else {
                                    view! {
                                        <th scope="row">{name.clone()}{c.archived.then(|| view! { <span class="badge">"Archived"</span> })}</th>
                                        <td>{c.plan.label()}</td>
                                    }.into_any()
                                }}
                                <td>{c.staff_with_access}" "<a href=format!("/partner/clients/staff?client={id}")>"Staff with access"</a></td>
                                <td data-label="Client users">{c.client_users}</td>
                                <td class="full"><div class="row-actions">
                                    <button type="button" class="link" aria-label=format!("Edit {}", c.name) on:click=move |_| editing.set(Some(id))>"Edit"</button>
                                    {if c.archived {
                                        view! { <button type="button" class="link" aria-label=format!("Restore {}", c.name) on:click=move |_| { archive.dispatch(SetClientArchived { client_id: id, archived: false }); }>"Restore"</button> }.into_any()
                                    } else {
                                        view! { <button type="button" class="link danger" aria-label=format!("Archive {}", c.name) on:click=move |_| { archive.dispatch(SetClientArchived { client_id: id, archived: true }); }>"Archive"</button> }.into_any()
                                    }}
                                </div></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn EditClientForm(
    id: i64,
    name: String,
    plan: Plan,
    update: ServerAction<UpdateClient>,
    editing: RwSignal<Option<i64>>,
) -> impl IntoView {
    view! {
        <ActionForm action=update attr:class="inline-form">
            <input type="hidden" name="client_id" value=id.to_string()/>
            <div class="field"><label for=format!("edit-name-{id}")>"Client name"</label><input id=format!("edit-name-{id}") name="name" value=name/></div>
            <div class="field"><label for=format!("edit-plan-{id}")>"Plan"</label><PlanSelect id=format!("edit-plan-{id}") name="plan" selected=Some(plan)/></div>
            <button type="submit">"Save"</button>
            <button type="button" class="secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
        </ActionForm>
    }
}
