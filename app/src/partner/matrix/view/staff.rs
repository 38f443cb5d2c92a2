//! The staff picker: "Search staff" and the role and status filters (kept in the address
//! with the chosen person), and the compact list of staff, each a link to their matrix.
//!
//! Drawn by the server with the filters applied, so it works without JavaScript (a GET
//! form; each person is a submit button with their id). As an island it filters as you
//! type (everyone is in the list; those left out are hidden), keeps the filters in the
//! address (`history.replaceState`), chooses the first person found on Enter, and goes to
//! the previous or next person with `[` and `]`: each a click on the person's button, whose
//! form the islands router sends in place.

use leptos::html;
use leptos::prelude::*;

use super::*;
use crate::platform::words::thousands;
use crate::ui::island::scoped;
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
}

/// Whether `s` is one of the staff the search and filters show.
fn matches(q: &str, role: &str, status: &str, s: &StaffRow) -> bool {
    let q = q.trim().to_lowercase();
    (q.is_empty() || s.name.to_lowercase().contains(&q) || s.email.to_lowercase().contains(&q))
        && (role.is_empty() || s.role_name == role)
        && match status {
            "active" => s.active,
            "deactivated" => !s.active,
            _ => true,
        }
}

/// The picker, from the server's staff table and the address's filters.
#[component]
pub(super) fn StaffPickerFor(table: StaffTable, filter: StaffQuery, selected: Option<i64>) -> impl IntoView {
    view! {
        <StaffPicker staff=table.staff total=table.total_clients selected q=filter.q role=filter.role status=filter.status/>
    }
}

#[island]
fn StaffPicker(
    staff: Vec<StaffRow>,
    total: i64,
    selected: Option<i64>,
    q: String,
    role: String,
    status: String,
) -> impl IntoView {
    scoped(move || {
        let everyone = staff.len() as i64;
        let mut roles: Vec<String> = staff.iter().map(|s| s.role_name.clone()).collect();
        roles.sort();
        roles.dedup();
        let (q, role, status) = (RwSignal::new(q), RwSignal::new(role), RwSignal::new(status));
        let links: Vec<NodeRef<html::Button>> = staff.iter().map(|_| NodeRef::new()).collect();
        let staff = StoredValue::new(staff);
        let links = StoredValue::new(links);
        let shown = move |s: &StaffRow| Some(s.user_id) == selected || matches(&q.get(), &role.get(), &status.get(), s);
        let count = move || staff.with_value(|all| all.iter().filter(|s| shown(s)).count() as i64);
        // The people shown, in order, with their links: for Enter and `[` `]`.
        let visible = move || {
            staff.with_value(|all| {
                all.iter()
                    .zip(links.get_value())
                    .filter(|(s, _)| {
                        Some(s.user_id) == selected
                            || matches(&q.get_untracked(), &role.get_untracked(), &status.get_untracked(), s)
                    })
                    .map(|(s, link)| (s.user_id, link))
                    .collect::<Vec<_>>()
            })
        };
        let go = move |link: NodeRef<html::Button>| {
            if let Some(a) = link.get_untracked() {
                a.click();
            }
        };
        // Enter in the search chooses the first person found (not the form's first button).
        let on_enter = move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" {
                ev.prevent_default();
                if let Some((_, link)) = visible().into_iter().find(|(id, _)| Some(*id) != selected) {
                    go(link);
                }
            }
        };
        #[cfg(feature = "hydrate")]
        keys_and_address(selected, q, role, status, visible, go);
        #[cfg(feature = "hydrate")]
        scroll_to_chosen(selected, staff, links);
        view! {
            <form method="get" action="/partner/users" id="staff-form" class="staff-search" role="search" aria-label="Staff">
                <div class="field">
                    <label for="staff-search">"Search staff"</label>
                    <input id="staff-search" name="q" type="search" autocomplete="off" placeholder="Name or email"
                        prop:value=move || q.get() value=q.get_untracked()
                        on:input=move |ev| q.set(event_target_value(&ev)) on:keydown=on_enter/>
                </div>
                <div class="filter-row">
                    <div class="field">
                        <label for="staff-role">"Filter by role"</label>
                        <select id="staff-role" name="role" on:change=move |ev| role.set(event_target_value(&ev))>
                            <option value="" selected=role.get_untracked().is_empty()>"All roles"</option>
                            {roles.into_iter().map(|r| {
                                let chosen = r == role.get_untracked();
                                let label = r.clone();
                                view! { <option value=r selected=chosen>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="staff-status">"Filter by status"</label>
                        <select id="staff-status" name="status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="" selected=status.get_untracked().is_empty()>"All"</option>
                            <option value="active" selected=status.get_untracked() == "active">"Active"</option>
                            <option value="deactivated" selected=status.get_untracked() == "deactivated">"Deactivated"</option>
                        </select>
                    </div>
                </div>
                <noscript><button type="submit" class="secondary">"Search"</button></noscript>
                <p class="count" role="status">
                    {move || format!("Showing {} of {} staff", thousands(count()), thousands(everyone))}
                </p>
                <ul class="staff-list" aria-labelledby="staff-heading">
                    {staff.get_value().into_iter().zip(links.get_value()).map(|(s, link)| {
                        let id = s.user_id;
                        let chosen = selected == Some(id);
                        let row = s.clone();
                        view! {
                            <li class:selected=chosen hidden=move || !shown(&row)>
                                <button type="submit" name="staff" value=id.to_string() class="link staff-button"
                                    aria-current=chosen.then_some("true") node_ref=link>
                                    {s.name}
                                </button>
                                {(!s.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
                                <span class="muted small staff-email">{s.email}</span>
                                <span class="small staff-meta">{format!("{} · {} of {} clients", s.role_name, thousands(s.clients), thousands(total))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="empty" hidden=move || count() != 0>"Nobody matches."</p>
                <p class="hint keys">"Press "<kbd>"["</kbd>" or "<kbd>"]"</kbd>" for the previous or next person."</p>
            </form>
        }
    })
}

/// `[` and `]` (not while typing) go to the previous and next person shown; the filters
/// follow into the address as they change, so a reload or a shared link keeps them.
#[cfg(feature = "hydrate")]
fn keys_and_address(
    selected: Option<i64>,
    q: RwSignal<String>,
    role: RwSignal<String>,
    status: RwSignal<String>,
    visible: impl Fn() -> Vec<(i64, NodeRef<html::Button>)> + Clone + 'static,
    go: impl Fn(NodeRef<html::Button>) + Clone + 'static,
) {
    let _ = selected;
    use wasm_bindgen::JsCast;
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key();
        if (key != "[" && key != "]") || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing {
            return;
        }
        let shown = visible();
        let at = shown.iter().position(|(id, _)| Some(*id) == selected);
        let next = match (at, key.as_str()) {
            (Some(i), "[") => i.checked_sub(1),
            (Some(i), _) => Some(i + 1),
            (None, _) => Some(0),
        };
        if let Some((_, link)) = next.and_then(|i| shown.get(i).copied()) {
            ev.prevent_default();
            go(link);
        }
    });
    on_cleanup(move || keys.remove());
    Effect::new(move |first: Option<()>| {
        let chosen = [("q", q.get()), ("role", role.get()), ("status", status.get())];
        if first.is_none() {
            return;
        }
        // The address's other parameters (the matrix's filters and page) stay as they are.
        let location = window().location();
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()) else {
            return;
        };
        for (key, value) in chosen {
            match value.trim() {
                "" => params.delete(key),
                v => params.set(key, v),
            }
        }
        let query = String::from(params.to_string());
        let url = match query.as_str() {
            "" => location.pathname().unwrap_or_default(),
            q => format!("{}?{q}", location.pathname().unwrap_or_default()),
        };
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    });
}

/// The chosen person in view in the list (it scrolls on its own).
#[cfg(feature = "hydrate")]
fn scroll_to_chosen(
    selected: Option<i64>,
    staff: StoredValue<Vec<StaffRow>>,
    links: StoredValue<Vec<NodeRef<html::Button>>>,
) {
    let Some(at) = staff.with_value(|all| all.iter().position(|s| Some(s.user_id) == selected)) else {
        return;
    };
    let link = links.with_value(|l| l[at]);
    request_animation_frame(move || {
        if let Some(a) = link.get_untracked() {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            a.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}
