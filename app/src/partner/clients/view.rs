//! Partner → Clients → Client overview: filters, the client table with inline editing, and
//! the add and import panels. Everything here works without JavaScript too: the filters
//! and page live in the address (a GET form), the panels open by address (`?open=add`,
//! `?open=import`, `?edit=<client>`), and every change is a form posted to its server
//! function, which returns the browser here.

use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::*;
use crate::platform::words::thousands;
use crate::ui::forms::{Field, FormError, action_error};
use crate::ui::plan_select::PlanSelect;
use crate::ui::widgets::{AutoSubmit, LinkPager, PanelButton, TextFileInput, address_with, panel_is_open};

/// The table's search, filters and page, as in the address (`q`, `plan`, `archived=1`,
/// `page`).
#[derive(Clone, Debug, Default, PartialEq)]
struct ClientsQuery {
    q: String,
    plan: String,
    archived: bool,
    page: i64,
}

impl ClientsQuery {
    fn from_query(q: &ParamsMap) -> Self {
        Self {
            q: q.get("q").unwrap_or_default(),
            plan: q.get("plan").unwrap_or_default(),
            archived: q.get_str("archived").is_some_and(|a| a == "1" || a == "true"),
            page: q
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0)
                .clamp(0, 1_000_000),
        }
    }

    fn url(&self) -> String {
        let page = if self.page > 0 {
            self.page.to_string()
        } else {
            String::new()
        };
        address_with(
            "/partner/clients",
            &ParamsMap::new(),
            &[
                ("q", self.q.trim()),
                ("plan", &self.plan),
                ("archived", if self.archived { "1" } else { "" }),
                ("page", &page),
            ],
        )
    }
}

#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let add = ServerAction::<AddClient>::new();
    let update = ServerAction::<UpdateClient>::new();
    let archive = ServerAction::<SetClientArchived>::new();
    let import = ServerAction::<ImportClients>::new();
    let query = use_query_map();
    let filters = Memo::new(move |_| query.with(ClientsQuery::from_query));
    let list = Resource::new(
        move || {
            (
                filters.get(),
                add.version().get(),
                update.version().get(),
                archive.version().get(),
                import.version().get(),
            )
        },
        |(f, ..)| list_clients(f.q, f.plan, f.archived, f.page),
    );
    let show_add = RwSignal::new(panel_is_open("open", "add"));
    let show_import = RwSignal::new(panel_is_open("open", "import"));
    // The client being edited in place (`?edit=<id>`), kept while the table reloads.
    let editing = RwSignal::new(use_query_map().with_untracked(|q| q.get("edit").and_then(|e| e.parse::<i64>().ok())));
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            editing.set(None);
        }
    });
    let update_error = action_error(update);
    let archive_error = action_error(archive);
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
                <PanelButton label="Import clients" key="open" value="import" open=show_import class="secondary"
                    toggle=Callback::new(move |()| show_import.update(|s| *s = !*s))/>
                <PanelButton label="Add client" key="open" value="add" open=show_add
                    toggle=Callback::new(move |()| show_add.update(|s| *s = !*s))/>
            </div>
        </div>
        <Show when=move || show_add.get()>
            <AddClientForm add/>
        </Show>
        <Show when=move || show_import.get()>
            <ImportPanel import/>
        </Show>
        <ClientFilters filters/>
        <Show when=move || update_error.get().or(archive_error.get()).is_some()>
            <div class="alert error" role="alert">{move || update_error.get().or(archive_error.get()).map(|e| e.to_string())}</div>
        </Show>
        // What a change means for people (a move to Practice Edition: client users keep access).
        <p role="status" class="notice">{move || update.value().get().and_then(|r| r.ok().flatten())}</p>
        <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => {
                    let pages = (data.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                    let f = filters.get_untracked();
                    view! {
                        // After a form posted without JavaScript: what it did.
                        {data.notice.clone().map(|n| view! { <p role="status" class="notice">{n}</p> })}
                        <p class="count" role="status">{format!("Showing {} of {} clients", thousands(data.matching), thousands(data.total))}</p>
                        <ClientTable rows=data.rows update archive editing/>
                        <LinkPager page=f.page pages href=Callback::new(move |p| ClientsQuery { page: p, ..f.clone() }.url())/>
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
    // What a refused post typed, back in its fields.
    let [name, plan] = crate::platform::form_return::kept_values::<2>(super::KEPT);
    let plan = Plan::parse(&plan).unwrap_or(Plan::PracticeEdition);
    view! {
        <section class="card" aria-labelledby="add-client-heading">
            <h2 id="add-client-heading">"Add a client"</h2>
            <ActionForm action=add attr:novalidate="true" attr:class="inline-form">
                <FormError error=add_error/>
                <Field label="Client name" name="name" error=add_error value=name/>
                <div class="field">
                    <label for="add-plan">"Plan"</label>
                    <PlanSelect id="add-plan" name="plan" selected=Some(plan)/>
                </div>
                <button type="submit" disabled=move || add.pending().get()>"Add client"</button>
            </ActionForm>
        </section>
    }
}

/// "Import clients from CSV": a file or pasted text; all or nothing, every bad line listed.
/// A form posting the text (`csv`): the file picker reads a chosen file into the text box
/// in the browser; without JavaScript, the file's text is pasted.
#[component]
fn ImportPanel(import: ServerAction<ImportClients>) -> impl IntoView {
    let import_error = action_error(import);
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import clients from CSV"</h2>
            <p class="muted">"One client per line: name, plan (Practice Edition, Small, Medium or Large). A header line is optional. If any line cannot be used, nothing is imported and every such line is listed."</p>
            <ActionForm action=import attr:class="import-form">
                <CsvField/>
                <button type="submit" disabled=move || import.pending().get()>"Import"</button>
            </ActionForm>
            <div role="status" aria-live="polite">
                {move || import.value().get().map(|r| match r {
                    Ok(outcome @ ImportOutcome::Imported(_)) => view! { <p class="notice">{outcome.summary()}</p> }.into_any(),
                    Ok(ImportOutcome::Rejected(lines)) => view! {
                        <div class="alert error">
                            <p><strong>{rejected_heading(lines.len())}</strong></p>
                            <ul class="rejected">
                                {lines.into_iter().map(|l| view! { <li>{l.describe()}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any(),
                    Err(_) => ().into_any(),
                })}
                {move || import_error.get().map(|e| view! { <div class="alert error">{e.to_string()}</div> })}
            </div>
        </section>
    }
}

/// Search, plan and archived filters: a GET form of this page (rendered on the server); a
/// choice applies as it changes (`AutoSubmit`), the search on Enter or "Show". Any change
/// goes back to the first page (the form carries no page).
#[component]
fn ClientFilters(filters: Memo<ClientsQuery>) -> impl IntoView {
    let initial = filters.get_untracked();
    view! {
        <form method="get" action="/partner/clients" class="filters" role="search" aria-label="Clients">
            <div class="field">
                <label for="client-search">"Search clients"</label>
                <input id="client-search" name="q" type="search" autocomplete="off" value=initial.q.clone()/>
            </div>
            <AutoSubmit>
            <div class="field">
                <label for="client-plan">"Filter by plan"</label>
                <PlanSelect id="client-plan" name="plan" any_label="All plans" selected=Plan::parse(&initial.plan)/>
            </div>
            <label class="check">
                <input type="checkbox" name="archived" value="1" checked=initial.archived/>
                "Show archived clients"
            </label>
            </AutoSubmit>
            <button type="submit" class="secondary">"Show"</button>
        </form>
    }
}

/// The clients of one page; "Edit" turns a row into a form in place.
#[component]
fn ClientTable(
    rows: Vec<ClientRow>,
    update: ServerAction<UpdateClient>,
    archive: ServerAction<SetClientArchived>,
    editing: RwSignal<Option<i64>>,
) -> impl IntoView {
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
                        let is_editing = Signal::derive(move || editing.get() == Some(id));
                        view! {
                            <tr>
                                {move || if is_editing.get() {
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
                                    <PanelButton label="Edit" key="edit" value=id.to_string() open=is_editing class="link"
                                        aria_label=format!("Edit {}", c.name)
                                        toggle=Callback::new(move |()| editing.update(|e| *e = if *e == Some(id) { None } else { Some(id) }))/>
                                    <ActionForm action=archive attr:class="row-form">
                                        <input type="hidden" name="client_id" value=id.to_string()/>
                                        <input type="hidden" name="archived" value=(!c.archived).to_string()/>
                                        {if c.archived {
                                            view! { <button type="submit" class="link" aria-label=format!("Restore {}", c.name)>"Restore"</button> }.into_any()
                                        } else {
                                            view! { <button type="submit" class="link danger" aria-label=format!("Archive {}", c.name)>"Archive"</button> }.into_any()
                                        }}
                                    </ActionForm>
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
    // Cancel is a link to this address without `edit` (a form cannot hold another form).
    let cancel = use_query_map().with_untracked(|q| address_with("/partner/clients", q, &[("edit", "")]));
    view! {
        <ActionForm action=update attr:class="inline-form">
            <input type="hidden" name="client_id" value=id.to_string()/>
            <div class="field"><label for=format!("edit-name-{id}")>"Client name"</label><input id=format!("edit-name-{id}") name="name" value=name/></div>
            <div class="field"><label for=format!("edit-plan-{id}")>"Plan"</label><PlanSelect id=format!("edit-plan-{id}") name="plan" selected=Some(plan)/></div>
            <button type="submit">"Save"</button>
            <a class="button secondary" href=cancel on:click=move |ev| { ev.prevent_default(); editing.set(None); }>"Cancel"</a>
        </ActionForm>
    }
}

/// The import's file picker and text box: an island, so a chosen file is read into the box
/// in the browser; the form posts the box.
#[island]
fn CsvField() -> impl IntoView {
    let csv_text = RwSignal::new(String::new());
    view! {
        <TextFileInput id="csv-file" label="CSV file" accept=".csv,text/csv,text/plain" text=csv_text/>
        <noscript><p class="hint">"Without JavaScript, paste the file's text below."</p></noscript>
        <div class="field">
            <label for="csv-text">"CSV"</label>
            <textarea id="csv-text" name="csv" rows="6" prop:value=move || csv_text.get() on:input=move |ev| csv_text.set(event_target_value(&ev))></textarea>
        </div>
    }
}
