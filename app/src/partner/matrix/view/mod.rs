//! The matrix page: the staff picker beside the selected person's clients × roles.
//!
//! Choosing a person, filtering, paging, a bulk action with its confirmation, copying
//! access, an end date and Undo are each a link or a form, so all of it works without
//! JavaScript; with it, the islands router makes each in place (no new document). Two
//! islands react in the browser: the staff picker ([`staff`]: filtering as you type, Enter,
//! `[` and `]`) and the matrix ([`island`]: a click grants at once, arrows move between
//! cells, other admins' changes appear within three seconds).

use leptos::prelude::*;
use leptos_meta::Title;

use super::*;
use crate::ui::address::use_query;

mod grid;
mod island;
mod panels;
mod staff;

use grid::{MatrixPanel, PanelData};
use staff::{StaffPickerFor, StaffQuery};

/// The address parameters of the page's panels: a bulk action asked for (`bulk`), the copy
/// panel and its choices (`copy`, `from`, `mode`, `copy_ends`, `preview`), a row's end date
/// (`ends`). A form that opens one panel leaves the others behind.
const PANELS: [&str; 7] = ["bulk", "copy", "from", "mode", "copy_ends", "preview", "ends"];

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
                        Ok(table) => view! { <StaffPickerFor table=table.clone() filter=filter.clone() selected/> }.into_any(),
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
    }
}
