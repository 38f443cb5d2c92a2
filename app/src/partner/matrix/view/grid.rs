//! The chosen person's side: what it shows (read before it is drawn), the column heads
//! with their bulk actions, and one row per client.

use leptos::prelude::*;

use super::*;
use crate::platform::words::thousands;
use crate::ui::forms::action_error;
use crate::ui::icons::{Calendar, Person, Tick};
use crate::ui::widgets::{LinkPager, address_with, kept_as_hidden_fields};
use leptos_router::params::ParamsMap;

use super::panels::{AskedBulk, CopyAccess, MatrixFilters};

/// What the chosen person's side of the page shows, read before it is drawn: the matrix for
/// the address's filters and page, and the preview of a bulk action or a copy the address
/// asks for.
pub(super) struct PanelData {
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
    pub(super) async fn load(user_id: i64, query: &ParamsMap) -> Self {
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
pub(super) fn MatrixPanel(data: PanelData, others: Vec<(i64, String)>, query: ParamsMap) -> impl IntoView {
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
