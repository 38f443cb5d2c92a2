//! The matrix page: the staff picker beside the selected person's clients × roles.
//!
//! Drawn on the server only: choosing a person, filtering, paging, a bulk action with its
//! confirmation, copying access, an end date and Undo are each a link or a form, so all of
//! it works without JavaScript and nothing of it is in the WASM. In the browser one small
//! island ([`super::enhance::MatrixEnhancer`]) adds what must be immediate: a click grants at
//! once (the tick turns green before the server answers), arrows move between cells, the
//! staff list filters as you type, `[` and `]` go through it, and other admins' changes
//! appear within three seconds.

use leptos::prelude::*;
use leptos_meta::Title;

use super::*;
use crate::ui::address::use_query;
use crate::ui::forms::action_error;
use crate::ui::icons::{Calendar, Person, Tick};
use crate::ui::plan_select::PlanSelect;
use crate::ui::widgets::{AutoSubmit, LinkPager, address_with, kept_as_hidden_fields, thousands};
use leptos_router::params::ParamsMap;

/// The address parameters of the page's panels: a bulk action asked for (`bulk`), the copy
/// panel and its choices (`copy`, `from`, `mode`, `copy_ends`, `preview`), a row's end date
/// (`ends`). A form that opens one panel leaves the others behind.
const PANELS: [&str; 7] = ["bulk", "copy", "from", "mode", "copy_ends", "preview", "ends"];

/// Which staff the picker shows: its search and filters, kept in the address with the
/// chosen person (`?staff=<id>&q=…&role=…&status=…`) so reload, back and forward work.
#[derive(Clone, Debug, Default, PartialEq)]
struct StaffQuery {
    q: String,
    role: String,
    status: String,
}

impl StaffQuery {
    fn from_query(q: &ParamsMap) -> Self {
        Self {
            q: q.get("q").unwrap_or_default(),
            role: q.get("role").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
        }
    }

    /// The same test the island makes as you type (`enhance.rs`: the row's `data-find`,
    /// `data-role` and `data-active`).
    fn matches(&self, s: &StaffRow) -> bool {
        let q = self.q.trim().to_lowercase();
        (q.is_empty() || find_text(s).contains(&q))
            && (self.role.is_empty() || s.role_name == self.role)
            && match self.status.as_str() {
                "active" => s.active,
                "deactivated" => !s.active,
                _ => true,
            }
    }
}

/// What "Search staff" looks in: the name and the email, in lower case.
fn find_text(s: &StaffRow) -> String {
    format!("{}\n{}", s.name.to_lowercase(), s.email.to_lowercase())
}

/// The page: everything the server knows is drawn at once (the route renders in full
/// before it is sent), then the island.
#[component]
pub fn MatrixPage() -> impl IntoView {
    let query = use_query().get_untracked();
    let selected = query.get("staff").and_then(|s| s.parse::<i64>().ok());
    let filter = StaffQuery::from_query(&query);
    let workspace = Suspend::new(async move {
        let staff = list_staff().await;
        let panel = match selected {
            Some(user_id) => Some(PanelData::load(user_id, &query).await),
            None => None,
        };
        view! {
            <div class="matrix-layout">
                <aside class="staff-pane" aria-labelledby="staff-heading">
                    <h2 id="staff-heading">"Employee role manager"</h2>
                    {match &staff {
                        Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(table) => view! { <StaffPicker table=table.clone() filter=filter.clone() selected/> }.into_any(),
                    }}
                </aside>
                <div class="matrix-pane">
                    {match panel {
                        Some(data) => {
                            let others = staff.map(|t| t.staff.into_iter().map(|s| (s.user_id, s.name)).collect()).unwrap_or_default();
                            view! { <MatrixPanel data others query=query.clone()/> }.into_any()
                        }
                        None => view! { <p class="choose-hint">"Choose a staff member to see and change their role on each client."</p> }.into_any(),
                    }}
                </div>
            </div>
        }
    });
    view! {
        <Title text="Users · Clients"/>
        <div class="page-head">
            <div>
                <p class="crumbs">"Partner › Clients"</p>
                <h1>"Users"</h1>
            </div>
        </div>
        <Suspense fallback=|| view! { <p>"Loading staff…"</p> }>{workspace}</Suspense>
        <super::enhance::MatrixEnhancer/>
    }
}

/// The search, the filters and the compact, scrollable list of staff: a GET form (each
/// person is a submit button with their id). Everyone is listed; those the search and
/// filters leave out are hidden, so the island can filter as you type without asking the
/// server. The chosen person stays in the list, whatever the filter.
#[component]
fn StaffPicker(table: StaffTable, filter: StaffQuery, selected: Option<i64>) -> impl IntoView {
    let total = table.total_clients;
    let everyone = table.staff.len() as i64;
    let mut roles: Vec<String> = table.staff.iter().map(|s| s.role_name.clone()).collect();
    roles.sort();
    roles.dedup();
    let shown = table
        .staff
        .iter()
        .filter(|s| filter.matches(s) || Some(s.user_id) == selected)
        .count() as i64;
    view! {
        <form method="get" action="/partner/users" id="staff-form" class="staff-search" role="search" aria-label="Staff">
            <div class="field">
                <label for="staff-search">"Search staff"</label>
                <input id="staff-search" name="q" type="search" autocomplete="off" placeholder="Name or email" value=filter.q.clone()/>
            </div>
            <div class="filter-row">
                <div class="field">
                    <label for="staff-role">"Filter by role"</label>
                    <select id="staff-role" name="role">
                        <option value="" selected=filter.role.is_empty()>"All roles"</option>
                        {roles.into_iter().map(|r| {
                            let chosen = r == filter.role;
                            let label = r.clone();
                            view! { <option value=r selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="staff-status">"Filter by status"</label>
                    <select id="staff-status" name="status">
                        <option value="" selected=filter.status.is_empty()>"All"</option>
                        <option value="active" selected=filter.status == "active">"Active"</option>
                        <option value="deactivated" selected=filter.status == "deactivated">"Deactivated"</option>
                    </select>
                </div>
            </div>
            <noscript><button type="submit" class="secondary">"Search"</button></noscript>
            <p class="count" role="status" id="staff-count" data-everyone=everyone.to_string()>
                {format!("Showing {} of {} staff", thousands(shown), thousands(everyone))}
            </p>
            <ul class="staff-list" id="staff-list" aria-labelledby="staff-heading">
                {table.staff.into_iter().map(|s| {
                    let id = s.user_id;
                    let chosen = selected == Some(id);
                    let hidden = !chosen && !filter.matches(&s);
                    let find = find_text(&s);
                    view! {
                        <li id=format!("staff-{id}") class:selected=chosen hidden=hidden
                            data-find=find data-role=s.role_name.clone() data-active=s.active.to_string()>
                            <button type="submit" name="staff" value=id.to_string() class="link staff-button"
                                aria-current=chosen.then_some("true")>
                                {s.name}
                            </button>
                            {(!s.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
                            <span class="muted small staff-email">{s.email}</span>
                            <span class="small staff-meta">{format!("{} · {} of {} clients", s.role_name, thousands(s.clients), thousands(total))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="empty" id="staff-empty" hidden=shown != 0>"Nobody matches."</p>
            <p class="hint keys">"Press "<kbd>"["</kbd>" or "<kbd>"]"</kbd>" for the previous or next person."</p>
        </form>
    }
}

/// What the chosen person's side of the page shows, read before it is drawn: the matrix for
/// the address's filters and page, and the preview of a bulk action or a copy the address
/// asks for.
struct PanelData {
    user_id: i64,
    scope: Scope,
    page: i64,
    matrix: Result<Matrix, AppError>,
    /// A bulk action asked for (`?bulk=<role id|none>`): its role and preview.
    asked_bulk: Option<Result<(Option<i64>, BulkPreview), AppError>>,
    /// A copy asked for (`?copy=open&from=…&mode=…&preview=1`): its preview.
    asked_copy: Option<Result<BulkPreview, AppError>>,
}

impl PanelData {
    async fn load(user_id: i64, query: &ParamsMap) -> Self {
        let get = |key: &str| query.get(key).unwrap_or_default();
        let scope = Scope {
            search: get("clients"),
            plan: get("plan"),
            access: get("access"),
        };
        let page = get("page").parse::<i64>().unwrap_or(0).clamp(0, 1_000_000);
        let matrix = get_matrix(
            user_id,
            scope.search.clone(),
            scope.plan.clone(),
            page,
            scope.access.clone(),
        )
        .await;
        let asked_bulk = query.get("bulk").map(|asked| match asked.as_str() {
            "none" => Ok(None),
            id => id
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::invalid("bulk", "Choose a bulk action from a column head.")),
        });
        let asked_bulk = match asked_bulk {
            None => None,
            Some(Err(e)) => Some(Err(e)),
            Some(Ok(role_id)) => Some(
                preview_bulk(
                    user_id,
                    role_id,
                    scope.search.clone(),
                    scope.plan.clone(),
                    scope.access.clone(),
                )
                .await
                .map(|p| (role_id, p)),
            ),
        };
        let asked_copy = match (
            query.get("preview"),
            query.get("from").and_then(|f| f.parse::<i64>().ok()),
        ) {
            (Some(_), Some(from)) => Some(preview_copy(user_id, from, get("mode")).await),
            (Some(_), None) => Some(Err(AppError::invalid("from", "Choose whom to copy from."))),
            _ => None,
        };
        Self {
            user_id,
            scope,
            page,
            matrix,
            asked_bulk,
            asked_copy,
        }
    }
}

#[component]
fn MatrixPanel(data: PanelData, others: Vec<(i64, String)>, query: ParamsMap) -> impl IntoView {
    let PanelData {
        user_id,
        scope,
        page,
        matrix,
        asked_bulk,
        asked_copy,
    } = data;
    let m = match matrix {
        Ok(m) => m,
        Err(e) => {
            return view! {
                <section class="card matrix-card">
                    <div class="alert error" role="alert">{e.to_string()}</div>
                </section>
            }
            .into_any();
        }
    };
    // A refused confirmation (a bulk action, a copy, an end date) comes back to the same
    // address with its error.
    let refused = [
        action_error(ServerAction::<ApplyBulk>::new()).get_untracked(),
        action_error(ServerAction::<ApplyCopy>::new()).get_untracked(),
        action_error(ServerAction::<SetAccessEnd>::new()).get_untracked(),
        action_error(ServerAction::<UndoBulk>::new()).get_untracked(),
        action_error(ServerAction::<SetClientRole>::new()).get_untracked(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|e| view! { <div class="alert error" role="alert">{e.to_string()}</div> });
    let filtered = scope.is_filtered();
    let pages = (m.matching + PAGE_SIZE - 1) / PAGE_SIZE;
    let (notice, undo) = m.notice.as_deref().map(split_notice).unzip();
    let undo = undo.flatten();
    let ends_open = query.get("ends").and_then(|e| e.parse::<i64>().ok());
    // The heading takes the focus (a screen reader announces whose matrix this is, the
    // keyboard carries on from it), unless a panel asks for it.
    let focus_heading = asked_bulk.is_none() && ends_open.is_none() && query.get("copy").is_none();
    let pager_query = query.clone();
    let columns = m.columns.clone();
    view! {
        <section class="card matrix-card" aria-labelledby="matrix-heading">
            <h2 id="matrix-heading" tabindex="-1" autofocus=focus_heading>{format!("Client access for {}", m.staff_name)}</h2>
            <MatrixFilters scope=scope.clone() matching=m.matching total=m.total/>
            {filtered.then(|| view! { <p class="filter-note">{format!("A filter is active: actions in the column heads apply to the {} clients shown only.", thousands(m.matching))}</p> })}
            // The column heads' bulk actions and the rows' end dates submit these forms.
            <form id="bulk-ask" method="get" action="/partner/users" hidden>
                {kept_as_hidden_fields(&PANELS.iter().copied().chain(["page"]).collect::<Vec<_>>())}
            </form>
            <form id="ends-ask" method="get" action="/partner/users" hidden>
                {kept_as_hidden_fields(&PANELS)}
            </form>
            <CopyAccess user_id others query=query.clone() asked=asked_copy/>
            <div id="matrix-message" aria-live="polite">
                {refused}
                {notice.map(|n| view! {
                    <div class="alert success" role="status">
                        {n}
                        {undo.map(|batch| view! {
                            " "
                            <form method="post" action="/api/undo_bulk" class="undo-form">
                                <input type="hidden" name="batch_id" value=batch.to_string()/>
                                <button type="submit" class="link">"Undo"</button>
                            </form>
                        })}
                    </div>
                })}
            </div>
            {asked_bulk.map(|r| match r {
                Ok((role_id, p)) => view! {
                    <AskedBulk user_id staff_name=m.staff_name.clone() role_id preview=p columns=columns.clone() filtered scope=scope.clone() query=query.clone()/>
                }.into_any(),
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
            })}
            <div id="matrix-live" data-user=user_id.to_string() data-version=m.version.to_string()>
                <div class="table-wrap matrix-wrap">
                    <table class="data matrix">
                        <caption class="sr-only">{format!("Roles of {} on each client", m.staff_name)}</caption>
                        <ColumnHeads columns=m.columns.clone()/>
                        <tbody>
                            {m.rows.iter().map(|row| view! {
                                <MatrixRowView user_id row=row.clone() columns=&columns editing_end=ends_open == Some(row.client_id)/>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="empty" hidden=!m.rows.is_empty()>"No clients match."</p>
                <LinkPager page pages
                    href=Callback::new(move |p: i64| {
                        // Another page closes any panel.
                        let page = p.to_string();
                        let changes: Vec<(&str, &str)> = PANELS.iter().map(|k| (*k, "")).chain([("page", page.as_str())]).collect();
                        address_with("/partner/users", &pager_query, &changes)
                    })/>
            </div>
        </section>
    }
    .into_any()
}

/// Search, plan and access filters: a GET form; a choice applies as it changes
/// (`AutoSubmit`), the search on Enter. With the count shown, and the save state of single
/// clicks (written by the island).
#[component]
fn MatrixFilters(scope: Scope, matching: i64, total: i64) -> impl IntoView {
    // The other parts of the address ride along as hidden fields; a new filter starts at the
    // first page and closes any panel.
    let kept = kept_as_hidden_fields(
        &PANELS
            .iter()
            .copied()
            .chain(["clients", "plan", "access", "page"])
            .collect::<Vec<_>>(),
    );
    view! {
        <form method="get" action="/partner/users" class="filters" role="search" aria-label="Clients">
            {kept}
            <div class="field">
                <label for="matrix-search">"Search clients"</label>
                <input id="matrix-search" name="clients" type="search" value=scope.search.clone()/>
            </div>
            <AutoSubmit>
                <div class="field">
                    <label for="matrix-plan">"Filter by plan"</label>
                    <PlanSelect id="matrix-plan" name="plan" any_label="All plans" selected=Plan::parse(&scope.plan)/>
                </div>
                <div class="field">
                    <label for="matrix-access">"Filter by access"</label>
                    <select id="matrix-access" name="access">
                        {AccessFilter::ALL.into_iter().map(|a| view! {
                            <option value=a.as_str() selected=a.as_str() == scope.access>{a.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            </AutoSubmit>
            <noscript><button type="submit" class="secondary">"Show"</button></noscript>
            <p class="save-state" role="status" id="save-state"></p>
            <p class="count" role="status" id="matrix-count">{format!("Showing {} of {}", thousands(matching), thousands(total))}</p>
        </form>
    }
}

/// "Copy access from…": another staff member's client access, added to this person's or
/// replacing it, with an optional end date; previewed first (`?copy=open&…&preview=1`),
/// then undoable like a bulk action. The panel opens by address.
#[component]
fn CopyAccess(
    user_id: i64,
    others: Vec<(i64, String)>,
    query: ParamsMap,
    asked: Option<Result<BulkPreview, AppError>>,
) -> impl IntoView {
    let open = query.get("copy").is_some();
    let from = query.get("from").and_then(|f| f.parse::<i64>().ok());
    let mode = CopyMode::parse(&query.get("mode").unwrap_or_default()).unwrap_or(CopyMode::Add);
    let ends = query.get("copy_ends").unwrap_or_default();
    let choices: Vec<(i64, String)> = others.into_iter().filter(|(id, _)| *id != user_id).collect();
    let leave = PANELS;
    let cancel = address_with("/partner/users", &query, &[("preview", "")]);
    view! {
        <div class="copy-access">
            <form method="get" action="/partner/users" class="panel-toggle">
                {kept_as_hidden_fields(&leave)}
                <button type="submit" class="secondary" name=(!open).then_some("copy") value="open"
                    aria-expanded=open.to_string()>"Copy access from…"</button>
            </form>
            {open.then(|| view! {
                <form method="get" action="/partner/users" class="copy-panel" role="group" aria-label="Copy access">
                    {kept_as_hidden_fields(&leave)}
                    <input type="hidden" name="copy" value="open"/>
                    <div class="field">
                        <label for="copy-from">"Copy from"</label>
                        <select id="copy-from" name="from" autofocus=asked.is_none()>
                            {choices.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=from == Some(id)>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="modes">
                        <legend>"How"</legend>
                        {[CopyMode::Add, CopyMode::Replace].into_iter().map(|m| view! {
                            <label class="check">
                                <input type="radio" name="mode" value=m.as_str() checked=m == mode/>
                                {m.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="copy-ends">"Copied access ends on (optional)"</label>
                        <input id="copy-ends" name="copy_ends" type="date" value=ends.clone()/>
                    </div>
                    <button type="submit" name="preview" value="1">"Preview copy"</button>
                </form>
            })}
            {asked.map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(p) if p.changes == 0 => view! {
                    <div class="alert success" role="status">"Nothing to copy: the access already matches."</div>
                }.into_any(),
                Ok(p) => view! {
                    <form method="post" action="/api/apply_copy" class="confirm-bar" role="alertdialog" aria-label="Confirm copy">
                        <input type="hidden" name="user_id" value=user_id.to_string()/>
                        <input type="hidden" name="from_user_id" value=from.unwrap_or_default().to_string()/>
                        <input type="hidden" name="mode" value=mode.as_str()/>
                        <input type="hidden" name="ends_on" value=ends.clone()/>
                        <p>
                            <strong>{format!("This changes {}", crate::ui::widgets::clients(p.changes))}</strong>
                            {if p.overwrites > 0 { format!(": {} of them have another role now.", thousands(p.overwrites)) } else { ".".to_owned() }}
                        </p>
                        <button type="submit" autofocus>"Copy access"</button>
                        <a class="button secondary" href=cancel.clone()>"Cancel"</a>
                    </form>
                }.into_any(),
            })}
        </div>
    }
}

/// A bulk action asked for from a column head (`?bulk=`): what it would change, and a form
/// that confirms it (posted to `apply_bulk` with the scope the preview counted: a change of
/// filter is a new address, which withdraws it) or a link that cancels it.
#[component]
fn AskedBulk(
    user_id: i64,
    staff_name: String,
    role_id: Option<i64>,
    preview: BulkPreview,
    columns: Vec<RoleColumn>,
    filtered: bool,
    scope: Scope,
    query: ParamsMap,
) -> impl IntoView {
    let cancel = address_with("/partner/users", &query, &[("bulk", "")]);
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
                <strong>{format!("This changes {} for {staff_name}", crate::ui::widgets::clients(preview.changes))}</strong>
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
            <button type="submit" autofocus>"Confirm"</button>
            <a class="button secondary" href=cancel>"Cancel"</a>
        </form>
    }
    .into_any()
}

/// The column heads with their bulk actions: all as Employee and remove from all under
/// N/A, "Assign all" under each role. Each submits `bulk-ask` with its action.
#[component]
fn ColumnHeads(columns: Vec<RoleColumn>) -> impl IntoView {
    let employee = columns.iter().find(|c| c.is_employee).map(|c| c.id);
    view! {
        <thead><tr>
            <th scope="col">"Client"</th>
            <th scope="col" class="cell-col">
                <span>"N/A"</span>
                <span class="head-actions">
                    {employee.map(|e| view! {
                        <button type="submit" form="bulk-ask" name="bulk" value=e.to_string() class="icon grant" title="Give access to all clients as Employee" aria-label="Give access to all clients as Employee">
                            <Person/>
                        </button>
                    })}
                    <button type="submit" form="bulk-ask" name="bulk" value="none" class="icon remove" title="Remove from all clients" aria-label="Remove from all clients">
                        <Person remove=true/>
                    </button>
                </span>
            </th>
            {columns.into_iter().map(|c| {
                let name = c.name.clone();
                view! {
                    <th scope="col" class="cell-col">
                        <span>{c.name}</span>
                        // The visible words must be part of the accessible name (WCAG 2.5.3,
                        // for speech input): "Assign all" is, "Assign to all" would not be.
                        <button type="submit" form="bulk-ask" name="bulk" value=c.id.to_string() class="link assign-all" aria-label=format!("Assign all clients to {name}")>
                            "Assign all"
                        </button>
                    </th>
                }
            }).collect_view()}
        </tr></thead>
    }
}

/// One client's row. Every cell is a submit button of the row's form (a POST to
/// `set_client_role`), so a grant works without JavaScript too; with it, the island
/// handles the click on the page at once (optimistically) and the form is not sent. The
/// calendar opens the row's end date by address (`?ends=<client>`).
#[component]
fn MatrixRowView<'a>(user_id: i64, row: MatrixRow, columns: &'a [RoleColumn], editing_end: bool) -> impl IntoView {
    let role_name = row
        .role_id
        .and_then(|id| columns.iter().find(|c| c.id == id).map(|c| format!(" · {}", c.name)));
    let form_id = format!("grant-{}", row.client_id);
    let client_id = row.client_id;
    let has_role = row.role_id.is_some();
    let cell = |role_id: Option<i64>, column_name: &str| {
        let checked = row.role_id == role_id;
        view! {
            <td class="cell">
                <button
                    type="submit"
                    role="radio"
                    class="tick-button"
                    class:granted=checked && role_id.is_some()
                    class:none=checked && role_id.is_none()
                    aria-checked=checked.to_string()
                    aria-label=format!("{}: {column_name}", row.name)
                    tabindex=if checked { "0" } else { "-1" }
                    form=form_id.clone()
                    name=role_id.map(|_| "role_id")
                    value=role_id.map(|r| r.to_string())
                >
                    <Tick/>
                </button>
            </td>
        }
    };
    let cells = std::iter::once(cell(None, "N/A"))
        .chain(columns.iter().map(|c| cell(Some(c.id), &c.name)))
        .collect_view();
    let ends_iso = row
        .ends_at
        .map(crate::platform::dates::last_day_iso)
        .unwrap_or_default();
    view! {
        <tr data-client=client_id.to_string() data-name=row.name.clone()>
            <th scope="row">
                <form id=form_id.clone() method="post" action="/api/set_client_role" class="row-form">
                    <input type="hidden" name="user_id" value=user_id.to_string()/>
                    <input type="hidden" name="client_id" value=client_id.to_string()/>
                </form>
                <div class="client-head">
                    <span class="client-name">
                        {row.name.clone()}<small>{row.plan.label()}<span class="row-role">{role_name}</span></small>
                        {row.ends_at.map(|e| view! { <small class="ends">{format!("until {}", crate::platform::dates::last_day(e))}</small> })}
                    </span>
                    <button type="submit" form="ends-ask" name=(!editing_end).then_some("ends") value=client_id.to_string()
                        class="icon end-date" aria-label=format!("Set end date for {}", row.name) title=format!("Set end date for {}", row.name)
                        aria-expanded=editing_end.to_string() disabled=!has_role>
                        <Calendar/>
                    </button>
                    <button type="submit" form=form_id.clone() class="icon remove row-remove" aria-label=format!("Remove {}", row.name) title=format!("Remove {}", row.name)
                        disabled=!has_role>
                        <Person remove=true/>
                    </button>
                </div>
                {(editing_end && has_role).then(|| {
                    let end_field = format!("ends-{client_id}");
                    view! {
                        <form method="post" action="/api/set_access_end" class="end-date-form">
                            <input type="hidden" name="user_id" value=user_id.to_string()/>
                            <input type="hidden" name="client_id" value=client_id.to_string()/>
                            <label for=end_field.clone()>"Access ends on"</label>
                            <input type="date" id=end_field name="ends_on" value=ends_iso.clone() autofocus/>
                            <button type="submit" class="secondary">"Save end date"</button>
                        </form>
                        {row.ends_at.is_some().then(|| view! {
                            <form method="post" action="/api/set_access_end" class="end-date-form">
                                <input type="hidden" name="user_id" value=user_id.to_string()/>
                                <input type="hidden" name="client_id" value=client_id.to_string()/>
                                <input type="hidden" name="ends_on" value=""/>
                                <button type="submit" class="link">"No end date"</button>
                            </form>
                        })}
                    }
                })}
            </th>
            {cells}
        </tr>
    }
}
