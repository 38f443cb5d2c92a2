//! The matrix in the browser: one reactive island over the chosen person's page of clients.
//! Its rows are data ([`MatrixRow`]) held in signals, one per row for its role and one for
//! its end, drawn with a keyed `<For>`. The server draws it first (the same view, so it
//! works as forms without JavaScript: each tick is a submit button of its row's form); in
//! the browser:
//! - a click shows the tick at once and saves it through an action (`set_client_role`),
//!   putting it back with the reason if the server refuses; "Saving…" and "All changes
//!   saved" come from the action ([`row`]);
//! - arrow keys move between cells ([`row`]);
//! - every three seconds `matrix_version` is asked, and when another admin changed this
//!   person's access the page of rows is read again as data (`get_matrix`) and only the
//!   rows that changed are patched ([`live`]).
//!
//! It lives as long as its element: a navigation that replaces it ends its poll
//! (`ui::island::scoped`).

use leptos::html;
use leptos::prelude::*;

use super::super::*;
use crate::ui::island::scoped;

mod live;
mod row;

use row::{ColumnHeads, RowView};

/// One client's row in the browser: its data, what it shows now, and what the server has.
#[derive(Clone)]
pub(super) struct RowState {
    pub client_id: i64,
    pub name: String,
    pub plan: Plan,
    /// The role the tick shows (`None`: N/A).
    pub role: RwSignal<Option<i64>>,
    /// When the access ends (Unix seconds).
    pub ends: RwSignal<Option<i64>>,
    /// The role the server last confirmed.
    pub saved: StoredValue<Option<i64>>,
    /// A save of this row is on its way (later clicks wait for it, then the last one goes).
    pub sending: StoredValue<bool>,
    /// Changed here since the page was drawn (kept in place under an access filter).
    pub touched: StoredValue<bool>,
    /// The row's cells, N/A first, for the arrow keys.
    pub cells: Vec<NodeRef<html::Button>>,
}

impl RowState {
    fn new(row: MatrixRow, columns: usize) -> Self {
        Self {
            client_id: row.client_id,
            name: row.name,
            plan: row.plan,
            role: RwSignal::new(row.role_id),
            ends: RwSignal::new(row.ends_at),
            saved: StoredValue::new(row.role_id),
            sending: StoredValue::new(false),
            touched: StoredValue::new(false),
            cells: (0..=columns).map(|_| NodeRef::new()).collect(),
        }
    }
}

/// What the island shares with its rows.
#[derive(Clone, Copy)]
pub(super) struct Grid {
    pub user_id: i64,
    pub rows: RwSignal<Vec<RowState>>,
    /// The role ids of the columns after N/A, in order.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub columns: StoredValue<Vec<i64>>,
    /// The latest refusal, with the client it was about.
    pub error: RwSignal<Option<String>>,
    /// Saves of clicks (one per row at a time; "Saving…" while any is on its way).
    pub save: Action<RowState, ()>,
    /// A click has been saved since the page was drawn ("All changes saved").
    pub saved_once: RwSignal<bool>,
    /// Clicks made here: a reading of the page that a click overtook is dropped.
    pub clicks: StoredValue<u64>,
    /// The row whose end date is open (`?ends=`).
    pub ends_open: Option<i64>,
    /// The version of this person's access the rows show (`i64::MIN`: read them again).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub known: StoredValue<i64>,
    /// Nothing here may be changed by the viewer (an Admin's access, for a non-Admin).
    pub read_only: bool,
}

/// The chosen person's page of clients × N/A and every role.
#[island]
pub fn MatrixGrid(
    user_id: i64,
    staff_name: String,
    columns: Vec<RoleColumn>,
    rows: Vec<MatrixRow>,
    version: i64,
    scope: Scope,
    page: i64,
    ends_open: Option<i64>,
    /// The viewer may not change this person's access: shown, every control disabled.
    read_only: bool,
) -> impl IntoView {
    scoped(move || {
        let width = columns.len();
        let error = RwSignal::new(None);
        let known = StoredValue::new(version);
        let grid = Grid {
            user_id,
            rows: RwSignal::new(rows.into_iter().map(|r| RowState::new(r, width)).collect()),
            columns: StoredValue::new(columns.iter().map(|c| c.id).collect()),
            error,
            save: row::save_action(user_id, error, known),
            saved_once: RwSignal::new(false),
            clicks: StoredValue::new(0),
            ends_open,
            known,
            read_only,
        };
        let ended = live::poll(grid, scope, page);
        let status = move || {
            if grid.save.pending().get() {
                "Saving…"
            } else if grid.saved_once.get() {
                "All changes saved"
            } else {
                ""
            }
        };
        let columns = StoredValue::new(columns);
        view! {
            <div class="matrix-grid">
                <p class="save-state" role="status">{status}</p>
                <div class="alert error" role="alert" hidden=move || grid.error.with(Option::is_none)>
                    {move || grid.error.get()}
                </div>
                {move || ended.get().then(|| view! {
                    <div class="alert error" role="alert">
                        "Your session has ended, so changes by others no longer appear here. "
                        <a href="/login">"Sign in again"</a>
                    </div>
                })}
                <div class="table-wrap matrix-wrap">
                    <table class="data matrix">
                        <caption class="sr-only">{format!("Roles of {staff_name} on each client")}</caption>
                        <ColumnHeads columns=columns.get_value() read_only/>
                        <tbody>
                            <For each=move || grid.rows.get() key=|r| r.client_id let:row>
                                <RowView grid row columns/>
                            </For>
                        </tbody>
                    </table>
                </div>
                <p class="empty" hidden=move || grid.rows.with(|r| !r.is_empty())>"No clients match."</p>
            </div>
        }
    })
}

impl Grid {
    /// Where row `client_id` is in the page, if it is.
    pub fn position(&self, client_id: i64) -> Option<usize> {
        self.rows
            .with_untracked(|rows| rows.iter().position(|r| r.client_id == client_id))
    }
}
