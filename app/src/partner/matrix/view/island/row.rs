//! One client's row, its click (shown at once, saved through the grid's action, put back
//! with the reason if refused) and its arrow keys; and the column heads with their bulk
//! actions.

use leptos::html;
use leptos::prelude::*;

use super::super::super::*;
use super::{Grid, RowState};
use crate::ui::icons::{Calendar, Person, Tick};

/// The grid's saves: each dispatch saves one row until what it shows is what the server
/// has (a click made while the row's earlier one is on its way is sent after it, so the
/// last click wins in the order it was made). A refusal puts the row back, says why, and
/// has the page read again at the next look (the client may be gone: archived, deleted).
pub(super) fn save_action(
    user_id: i64,
    error: RwSignal<Option<String>>,
    known: StoredValue<i64>,
) -> Action<RowState, ()> {
    Action::new(move |row: &RowState| {
        let row = row.clone();
        async move {
            if row.sending.get_value() {
                return;
            }
            row.sending.set_value(true);
            loop {
                let wanted = row.role.get_untracked();
                if wanted == row.saved.get_value() {
                    break;
                }
                match set_client_role(user_id, row.client_id, wanted).await {
                    Ok(()) => row.saved.set_value(wanted),
                    Err(refused) => {
                        // Put back, unless a later click has changed it again.
                        if row.role.get_untracked() == wanted {
                            row.role.set(row.saved.get_value());
                        }
                        error.set(Some(format!("Could not change access to {}: {refused}", row.name)));
                        known.set_value(i64::MIN);
                        break;
                    }
                }
            }
            row.sending.set_value(false);
        }
    })
}

impl Grid {
    /// A click on `row`'s cell for `role` (`None`: N/A).
    fn choose(&self, row: &RowState, role: Option<i64>) {
        if row.role.get_untracked() == role {
            return;
        }
        self.clicks.update_value(|n| *n += 1);
        row.touched.set_value(true);
        row.role.set(role);
        self.error.set(None);
        self.saved_once.set(true);
        self.save.dispatch(row.clone());
    }

    /// Arrow keys between cells: up and down the same column, left and right along the row.
    fn step(&self, client_id: i64, column: usize, key: &str) {
        let Some(at) = self.position(client_id) else { return };
        let (row, col) = match key {
            "ArrowUp" => (at.checked_sub(1), Some(column)),
            "ArrowDown" => (Some(at + 1), Some(column)),
            "ArrowLeft" => (Some(at), column.checked_sub(1)),
            "ArrowRight" => (Some(at), Some(column + 1)),
            _ => return,
        };
        let target = row.zip(col).and_then(|(row, col)| {
            self.rows
                .with_untracked(|rows| rows.get(row).and_then(|r| r.cells.get(col).copied()))
        });
        if let Some(cell) = target.and_then(|c| c.get_untracked()) {
            let _ = cell.focus();
        }
    }
}

/// The column heads with their bulk actions: all as Employee and remove from all under
/// N/A, "Assign all" under each role. Each submits `bulk-ask` with its action.
#[component]
pub(super) fn ColumnHeads(columns: Vec<RoleColumn>, read_only: bool) -> impl IntoView {
    let employee = columns
        .iter()
        .find(|c| c.is_employee)
        .map(|c| c.id)
        .filter(|_| !read_only);
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
                    {(!read_only).then(|| view! {
                        <button type="submit" form="bulk-ask" name="bulk" value="none" class="icon remove" title="Remove from all clients" aria-label="Remove from all clients">
                            <Person remove=true/>
                        </button>
                    })}
                </span>
            </th>
            {columns.into_iter().map(|c| {
                let name = c.name.clone();
                view! {
                    <th scope="col" class="cell-col">
                        <span>{c.name}</span>
                        // The visible words must be part of the accessible name (WCAG 2.5.3,
                        // for speech input): "Assign all" is, "Assign to all" would not be.
                        {(!read_only).then(|| view! {
                            <button type="submit" form="bulk-ask" name="bulk" value=c.id.to_string() class="link assign-all" aria-label=format!("Assign all clients to {name}")>
                                "Assign all"
                            </button>
                        })}
                    </th>
                }
            }).collect_view()}
        </tr></thead>
    }
}

/// One client's row. Every cell is the submit button of a form of its own (a POST to
/// `set_client_role`), so a grant works without JavaScript too; with it, the click is
/// taken here and the form is not sent. (Not one form per row with `form="…"` buttons: a
/// browser resolves each such button's form by id as it is inserted, which made drawing a
/// page of rows six times slower.) The calendar opens the row's end date by address
/// (`?ends=<client>`).
#[component]
pub(super) fn RowView(grid: Grid, row: RowState, columns: StoredValue<Vec<RoleColumn>>) -> impl IntoView {
    let client_id = row.client_id;
    let user_id = grid.user_id;
    let role = row.role;
    let ends = row.ends;
    let editing_end = grid.ends_open == Some(client_id);
    let has_role = move || role.get().is_some();
    let role_name = move || {
        role.get().and_then(|id| {
            columns.with_value(|cols| cols.iter().find(|c| c.id == id).map(|c| format!(" · {}", c.name)))
        })
    };
    let choices: Vec<(Option<i64>, String)> = std::iter::once((None, "N/A".to_owned()))
        .chain(columns.get_value().into_iter().map(|c| (Some(c.id), c.name)))
        .collect();
    let cells = choices
        .into_iter()
        .enumerate()
        .map(|(column, (choice, column_name))| {
            let cell: NodeRef<html::Button> = row.cells[column];
            let row = row.clone();
            let checked = move || role.get() == choice;
            view! {
                <td class="cell">{grant_form(user_id, client_id, view! {
                    <button
                        type="submit"
                        role="radio"
                        class="tick-button"
                        class:granted=move || checked() && choice.is_some()
                        class:none=move || checked() && choice.is_none()
                        aria-checked=move || checked().to_string()
                        aria-label=format!("{}: {column_name}", row.name)
                        tabindex=move || if checked() { "0" } else { "-1" }
                        disabled=grid.read_only
                        name=choice.map(|_| "role_id")
                        value=choice.map(|r| r.to_string())
                        node_ref=cell
                        on:click=move |ev| {
                            ev.prevent_default();
                            grid.choose(&row, choice);
                        }
                        on:keydown=move |ev| {
                            let key = ev.key();
                            if key.starts_with("Arrow") {
                                ev.prevent_default();
                                grid.step(client_id, column, &key);
                            }
                        }
                    >
                        <Tick/>
                    </button>
                })}</td>
            }
        })
        .collect_view();
    let remove = row.clone();
    view! {
        <tr>
            <th scope="row">
                <div class="client-head">
                    <span class="client-name">
                        {row.name.clone()}<small>{row.plan.label()}<span class="row-role">{role_name}</span></small>
                        {move || ends.get().map(|e| view! { <small class="ends">{format!("until {}", crate::platform::dates::last_day(e))}</small> })}
                    </span>
                    <button type="submit" form="ends-ask" name=(!editing_end).then_some("ends") value=client_id.to_string()
                        class="icon end-date" aria-label=format!("Set end date for {}", row.name) title=format!("Set end date for {}", row.name)
                        aria-expanded=editing_end.to_string() disabled=move || grid.read_only || !has_role()>
                        <Calendar/>
                    </button>
                    {grant_form(user_id, client_id, view! {
                        <button type="submit" class="icon remove row-remove" aria-label=format!("Remove {}", row.name) title=format!("Remove {}", row.name)
                            disabled=move || grid.read_only || !has_role()
                            on:click=move |ev| {
                                ev.prevent_default();
                                grid.choose(&remove, None);
                            }>
                            <Person remove=true/>
                        </button>
                    })}
                </div>
                {editing_end.then(|| view! { <EndDateForms user_id=grid.user_id client_id ends=ends.get_untracked()/> })}
            </th>
            {cells}
        </tr>
    }
}

/// A form that sets `user_id`'s role on `client_id` to its button's `role_id` (none: N/A).
fn grant_form(user_id: i64, client_id: i64, button: impl IntoView) -> impl IntoView {
    view! {
        <form method="post" action="/api/set_client_role" class="grant-form">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <input type="hidden" name="client_id" value=client_id.to_string()/>
            {button}
        </form>
    }
}

/// A row's end date, open by address (`?ends=<client>`): plain forms to `set_access_end`.
#[component]
fn EndDateForms(user_id: i64, client_id: i64, ends: Option<i64>) -> impl IntoView {
    let end_field = format!("ends-{client_id}");
    let ends_iso = ends.map(crate::platform::dates::last_day_iso).unwrap_or_default();
    view! {
        <form method="post" action="/api/set_access_end" class="end-date-form">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <input type="hidden" name="client_id" value=client_id.to_string()/>
            <label for=end_field.clone()>"Access ends on"</label>
            <input type="date" id=end_field name="ends_on" value=ends_iso autofocus/>
            <button type="submit" class="secondary">"Save end date"</button>
        </form>
        {ends.is_some().then(|| view! {
            <form method="post" action="/api/set_access_end" class="end-date-form">
                <input type="hidden" name="user_id" value=user_id.to_string()/>
                <input type="hidden" name="client_id" value=client_id.to_string()/>
                <input type="hidden" name="ends_on" value=""/>
                <button type="submit" class="link">"No end date"</button>
            </form>
        })}
    }
}
