//! The staff picker: its search and filters (kept in the address with the chosen person)
//! and the compact list of staff.

use leptos::prelude::*;

use super::*;
use crate::platform::words::thousands;
use leptos_router::params::ParamsMap;

/// Which staff the picker shows: its search and filters, kept in the address with the
/// chosen person (`?staff=<id>&q=…&role=…&status=…`) so reload, back and forward work.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct StaffQuery {
    q: String,
    role: String,
    status: String,
}

impl StaffQuery {
    pub(super) fn from_query(q: &ParamsMap) -> Self {
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

/// The search, the filters and the compact, scrollable list of staff: a GET form (each
/// person is a submit button with their id). Everyone is listed; those the search and
/// filters leave out are hidden, so the island can filter as you type without asking the
/// server. The chosen person stays in the list, whatever the filter.
#[component]
pub(super) fn StaffPicker(table: StaffTable, filter: StaffQuery, selected: Option<i64>) -> impl IntoView {
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
