//! The matrix page's one island: what must happen at once in the browser, over the page
//! the server drew (`view.rs`). Everything here is a shortcut for something the page does
//! without it; none of it draws the page. It works on the server's HTML by its ids and
//! data attributes:
//!
//! - a click on a cell (or a row's "Remove") grants at once: the row shows the choice
//!   before the server answers (`set_client_role`), "Saving…" then "All changes saved";
//!   refused, the row goes back and the page says why;
//! - arrow keys move between cells (one tab stop for the table, the chosen cell's);
//! - "Search staff" and its filters narrow the list as you type (`data-find`, `data-role`,
//!   `data-active` on each person), Enter chooses the first one found, `[` and `]` the
//!   previous and next person;
//! - a GET form of the page (the filters, a person, a panel) leaves its empty fields out
//!   of the address, so addresses stay short enough to read and share; leaving the page
//!   (a form, a link) waits until the clicks on their way are saved (leaving would cancel
//!   them), and a filter changed from the keyboard keeps the focus on the next page;
//! - every three seconds the person's access version (`matrix_version`) is compared with
//!   the page's (`data-version`): when another admin changed it, the page is read again
//!   and its rows, count and the staff list's counts replaced, focus kept. A reading that
//!   a click overtook is dropped (it is older than the tick shown). Under an access filter
//!   a row this admin changed stays where it was, so the next click does not land on
//!   another client.

use leptos::prelude::*;

#[island]
pub fn MatrixEnhancer() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::start();
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::collections::HashSet;
    use std::rc::Rc;

    use leptos::prelude::{document, window};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen_futures::{JsFuture, spawn_local};
    use web_sys::{Element, Event, HtmlElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent};

    use crate::partner::matrix::{matrix_version, set_client_role};
    use crate::platform::error::AppError;
    use crate::platform::words::thousands;

    thread_local! {
        /// Single changes on their way to the server.
        static SAVING: Cell<u32> = const { Cell::new(0) };
        /// Where to go once they are saved (a form or a link used meanwhile).
        static AFTER_SAVING: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
    }

    /// Where the focus was when a GET form of this page was sent (the field's id), for the
    /// page it loads.
    const FOCUS_KEY: &str = "pa-matrix-focus";

    /// What the island keeps while a person's matrix is open.
    struct Page {
        user_id: i64,
        /// Clicks made since the page was drawn.
        clicks: Cell<u32>,
        /// Clients this admin changed since the page was drawn (their `data-client`).
        touched: RefCell<HashSet<String>>,
        /// The live updates stopped (the session ended).
        stopped: Cell<bool>,
        refreshing: Cell<bool>,
    }

    pub fn start() {
        leaving_waits();
        staff_list();
        let user_id = by_id("matrix-live")
            .and_then(|e| e.get_attribute("data-user"))
            .and_then(|u| u.parse::<i64>().ok());
        if let Some(user_id) = user_id {
            let page = Rc::new(Page {
                user_id,
                clicks: Cell::new(0),
                touched: RefCell::new(HashSet::new()),
                stopped: Cell::new(false),
                refreshing: Cell::new(false),
            });
            cells(page.clone());
            poll(page);
            // The heading has the focus (`autofocus`, when no panel is open). On a narrow
            // window, where the matrix comes below the staff list, it goes to the top of the
            // window, so the matrix is in view rather than its first line.
            if let Some(heading) = by_id("matrix-heading")
                && document().active_element().as_ref() == Some(&heading)
                && heading.get_bounding_client_rect().top()
                    > window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0) / 2.0
            {
                heading.scroll_into_view();
            }
        }
        // A filter or search sent from the keyboard: the focus stays on it.
        if let Ok(Some(storage)) = window().session_storage()
            && let Ok(Some(id)) = storage.get_item(FOCUS_KEY)
        {
            let _ = storage.remove_item(FOCUS_KEY);
            if let Some(field) = by_id(&id).and_then(|f| f.dyn_into::<HtmlElement>().ok()) {
                let _ = field.focus();
            }
        }
    }

    fn by_id(id: &str) -> Option<Element> {
        document().get_element_by_id(id)
    }

    fn listen(target: &web_sys::EventTarget, event: &str, handler: impl FnMut(Event) + 'static) {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        // For the page's life: the listeners go with it.
        closure.forget();
    }

    fn all(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
            .collect()
    }

    fn target_element(ev: &Event) -> Option<Element> {
        ev.target().and_then(|t| t.dyn_into::<Element>().ok())
    }

    fn in_a_field(ev: &Event) -> bool {
        target_element(ev).is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
    }

    fn set_text(id: &str, text: &str) {
        if let Some(e) = by_id(id) {
            e.set_text_content(Some(text));
        }
    }

    fn set_hidden(el: &Element, hidden: bool) {
        if let Some(el) = el.dyn_ref::<HtmlElement>() {
            el.set_hidden(hidden);
        }
    }

    // ---- Saving, and leaving the page ----

    fn saving() -> u32 {
        SAVING.with(Cell::get)
    }

    fn save_state() {
        set_text("save-state", if saving() > 0 { "Saving…" } else { "All changes saved" });
    }

    /// Runs `then` now, or once the changes on their way are saved.
    fn when_saved(then: impl FnOnce() + 'static) {
        if saving() == 0 {
            then();
        } else {
            AFTER_SAVING.with(|a| *a.borrow_mut() = Some(Box::new(then)));
        }
    }

    fn one_on_its_way() {
        SAVING.with(|s| s.set(s.get() + 1));
        save_state();
    }

    fn one_saved() {
        SAVING.with(|s| s.set(s.get().saturating_sub(1)));
        save_state();
        if saving() == 0
            && let Some(then) = AFTER_SAVING.with(|a| a.borrow_mut().take())
        {
            then();
        }
    }

    /// Forms and links of the page: a GET form's address without its empty fields
    /// (`?clients=&plan=&access=with` is `?access=with`), and nothing leaves the page while
    /// a click is on its way.
    fn leaving_waits() {
        listen(&document(), "submit", |ev| {
            if ev.default_prevented() {
                return;
            }
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
                return;
            };
            let submitter = ev.dyn_ref::<web_sys::SubmitEvent>().and_then(|s| s.submitter());
            if form.method() != "get" {
                // A post (a confirmation, Undo, an end date) is sent once the clicks are saved.
                if saving() > 0 {
                    ev.prevent_default();
                    when_saved(move || {
                        let _ = form.request_submit_with_submitter(submitter.as_ref());
                    });
                }
                return;
            }
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            // The button that sent it counts (a person, a bulk action).
            if let Some(button) = &submitter
                && let Some(name) = button.get_attribute("name")
            {
                let _ = data.append_with_str(&name, &button.get_attribute("value").unwrap_or_default());
            }
            let Ok(params) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data) else {
                return;
            };
            let query: String = js_sys::Object::to_string(&params).into();
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty() && !p.ends_with('='))
                .collect();
            let path = form
                .get_attribute("action")
                .unwrap_or_else(|| "/partner/users".to_owned());
            ev.prevent_default();
            let address = if kept.is_empty() {
                path
            } else {
                format!("{path}?{}", kept.join("&"))
            };
            // The field that sent it (a filter, a search) has the focus on the next page too.
            if let Some(id) = document()
                .active_element()
                .filter(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT"))
                .map(|e| e.id())
                .filter(|id| !id.is_empty())
                && let Ok(Some(storage)) = window().session_storage()
            {
                let _ = storage.set_item(FOCUS_KEY, &id);
            }
            when_saved(move || {
                let _ = window().location().assign(&address);
            });
        });
        listen(&document(), "click", |ev| {
            if saving() == 0 || ev.default_prevented() {
                return;
            }
            let plain = ev
                .dyn_ref::<web_sys::MouseEvent>()
                .is_some_and(|m| m.button() == 0 && !m.ctrl_key() && !m.meta_key() && !m.shift_key() && !m.alt_key());
            let Some(href) = target_element(&ev)
                .and_then(|t| t.closest("a[href]").ok().flatten())
                .and_then(|a| a.get_attribute("href"))
            else {
                return;
            };
            if plain && href.starts_with('/') && !href.starts_with("//") {
                ev.prevent_default();
                when_saved(move || {
                    let _ = window().location().assign(&href);
                });
            }
        });
    }

    // ---- The staff list ----

    fn field_value(id: &str) -> String {
        let Some(el) = by_id(id) else { return String::new() };
        if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
            input.value()
        } else if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
            select.value()
        } else {
            String::new()
        }
    }

    /// Whether a person of the list matches the search and filters: the same test as the
    /// server's (`view.rs`: `StaffQuery::matches`).
    fn matches_search(li: &Element) -> bool {
        let q = field_value("staff-search").trim().to_lowercase();
        let role = field_value("staff-role");
        let status = field_value("staff-status");
        let attr = |name: &str| li.get_attribute(name).unwrap_or_default();
        (q.is_empty() || attr("data-find").contains(&q))
            && (role.is_empty() || attr("data-role") == role)
            && match status.as_str() {
                "active" => attr("data-active") == "true",
                "deactivated" => attr("data-active") != "true",
                _ => true,
            }
    }

    /// The people the list shows now, in order.
    fn shown_people() -> Vec<Element> {
        let Some(list) = by_id("staff-list") else {
            return Vec::new();
        };
        all(&list, ":scope > li:not([hidden])")
    }

    fn choose(li: &Element) {
        if let Some(button) = li
            .query_selector("button.staff-button")
            .ok()
            .flatten()
            .and_then(|b| b.dyn_into::<HtmlElement>().ok())
        {
            button.click();
        }
    }

    fn filter_staff() {
        let Some(list) = by_id("staff-list") else { return };
        let mut shown = 0;
        for li in all(&list, ":scope > li") {
            let visible = matches_search(&li) || li.class_list().contains("selected");
            set_hidden(&li, !visible);
            shown += i64::from(visible);
        }
        let everyone = by_id("staff-count")
            .and_then(|c| c.get_attribute("data-everyone"))
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0);
        set_text(
            "staff-count",
            &format!("Showing {} of {} staff", thousands(shown), thousands(everyone)),
        );
        if let Some(empty) = by_id("staff-empty") {
            set_hidden(&empty, shown != 0);
        }
        chosen_in_view(&list);
    }

    /// The chosen person in view in the list (the list scrolls, not the page).
    fn chosen_in_view(list: &Element) {
        if let Some(li) = list.query_selector(":scope > li.selected").ok().flatten() {
            let (outer, inner) = (list.get_bounding_client_rect(), li.get_bounding_client_rect());
            let offset = inner.top() - outer.top() - (outer.height() - inner.height()) / 2.0;
            list.set_scroll_top(list.scroll_top() + offset as i32);
        }
    }

    fn staff_list() {
        let Some(list) = by_id("staff-list") else { return };
        for (id, event) in [
            ("staff-search", "input"),
            ("staff-role", "change"),
            ("staff-status", "change"),
        ] {
            if let Some(field) = by_id(id) {
                listen(&field, event, |_| filter_staff());
            }
        }
        // Enter in the search (or a filter) chooses the first person found; a person's own
        // button goes through as it is.
        if let Some(form) = by_id("staff-form") {
            listen(&form, "submit", |ev| {
                let by_a_person = ev
                    .dyn_ref::<web_sys::SubmitEvent>()
                    .and_then(|s| s.submitter())
                    .is_some_and(|s| s.class_list().contains("staff-button"));
                if by_a_person {
                    return;
                }
                ev.prevent_default();
                // The first one found (the chosen person is listed whatever the search).
                if let Some(first) = shown_people().iter().find(|li| matches_search(li)) {
                    choose(first);
                }
            });
        }
        // `[` and `]`: the previous and next person in the list, from anywhere but a field.
        listen(&document(), "keydown", |ev| {
            let Some(key) = ev.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            let k = key.key();
            if (k != "[" && k != "]") || key.ctrl_key() || key.meta_key() || key.alt_key() || in_a_field(&ev) {
                return;
            }
            let people = shown_people();
            let at = people.iter().position(|li| li.class_list().contains("selected"));
            let next = match (k.as_str(), at) {
                ("]", Some(i)) => people.get(i + 1),
                ("[", Some(i)) if i > 0 => people.get(i - 1),
                ("]", None) => people.first(),
                _ => None,
            };
            if let Some(li) = next {
                ev.prevent_default();
                choose(li);
            }
        });
        chosen_in_view(&list);
    }

    // ---- The matrix ----

    /// A row's cells (N/A first), as buttons.
    fn row_cells(row: &Element) -> Vec<Element> {
        all(row, "button.tick-button")
    }

    fn chosen_cell(cells: &[Element]) -> Option<usize> {
        cells
            .iter()
            .position(|b| b.get_attribute("aria-checked").as_deref() == Some("true"))
    }

    /// Draws `choice` (a cell's index; 0 is N/A) as the row's role.
    fn show_choice(row: &Element, choice: Option<usize>) {
        let cells = row_cells(row);
        for (i, cell) in cells.iter().enumerate() {
            let checked = Some(i) == choice;
            let _ = cell.set_attribute("aria-checked", if checked { "true" } else { "false" });
            let _ = cell.set_attribute("tabindex", if checked { "0" } else { "-1" });
            let _ = cell.class_list().toggle_with_force("granted", checked && i > 0);
            let _ = cell.class_list().toggle_with_force("none", checked && i == 0);
        }
        // The row says its role in words too, and its end date and Remove are for a role.
        let role = choice.filter(|c| *c > 0).and_then(|c| {
            let table = row.closest("table").ok().flatten()?;
            let head = all(&table, "thead th.cell-col > span:first-child").into_iter().nth(c)?;
            head.text_content()
        });
        if let Some(label) = row.query_selector(".row-role").ok().flatten() {
            label.set_text_content(Some(&role.as_ref().map(|r| format!(" · {r}")).unwrap_or_default()));
        }
        for button in all(row, "button.end-date, button.row-remove") {
            if role.is_some() {
                let _ = button.remove_attribute("disabled");
            } else {
                let _ = button.set_attribute("disabled", "");
            }
        }
    }

    /// Says `text` where the page's messages go (an error: announced at once), in place of
    /// the island's earlier one; the server's notice (with its Undo) stays.
    fn say_error(text: &str) -> Option<Element> {
        let area = by_id("matrix-message")?;
        for earlier in all(&area, ".island-alert") {
            earlier.remove();
        }
        let alert = document().create_element("div").ok()?;
        alert.set_class_name("alert error island-alert");
        let _ = alert.set_attribute("role", "alert");
        alert.set_text_content(Some(text));
        let _ = area.append_child(&alert);
        Some(alert)
    }

    fn grant(page: &Rc<Page>, row: Element, choice: usize) {
        let cells = row_cells(&row);
        let before = chosen_cell(&cells);
        let Some(cell) = cells.get(choice) else { return };
        if before == Some(choice) {
            return;
        }
        let role_id = cell.get_attribute("value").and_then(|v| v.parse::<i64>().ok());
        let Some(client) = row.get_attribute("data-client") else {
            return;
        };
        let Ok(client_id) = client.parse::<i64>() else { return };
        let name = row.get_attribute("data-name").unwrap_or_default();
        show_choice(&row, Some(choice));
        page.touched.borrow_mut().insert(client.clone());
        page.clicks.set(page.clicks.get() + 1);
        one_on_its_way();
        let page = page.clone();
        spawn_local(async move {
            let result = set_client_role(page.user_id, client_id, role_id).await;
            if let Err(e) = result {
                // The tick goes back at once, and the table is read again: with two clicks
                // on a row on their way, "before" may itself have been a guess.
                if row.is_connected() {
                    show_choice(&row, before);
                }
                page.touched.borrow_mut().remove(&client);
                let _ = say_error(&format!("Could not change access to {name}: {e}"));
                one_saved();
                refresh(&page).await;
            } else {
                one_saved();
            }
        });
    }

    /// The cell an arrow key moves to from `cell`.
    fn neighbour(cell: &Element, key: &str) -> Option<Element> {
        let row = cell.closest("tr").ok().flatten()?;
        let col = row_cells(&row).iter().position(|c| c == cell)?;
        let (row, col) = match key {
            "ArrowRight" => (row, col + 1),
            "ArrowLeft" => (row, col.checked_sub(1)?),
            "ArrowDown" => (row.next_element_sibling()?, col),
            "ArrowUp" => (row.previous_element_sibling()?, col),
            _ => return None,
        };
        row_cells(&row).into_iter().nth(col)
    }

    fn cells(page: Rc<Page>) {
        let clicks = page.clone();
        listen(&document(), "click", move |ev| {
            let Some(button) = target_element(&ev).and_then(|t| {
                t.closest("#matrix-live button.tick-button, #matrix-live button.row-remove")
                    .ok()
                    .flatten()
            }) else {
                return;
            };
            ev.prevent_default();
            if button.has_attribute("disabled") {
                return;
            }
            let Some(row) = button.closest("tr").ok().flatten() else {
                return;
            };
            // "Remove <client>" is the row's N/A.
            let choice = if button.class_list().contains("row-remove") {
                Some(0)
            } else {
                row_cells(&row).iter().position(|c| *c == button)
            };
            if let Some(choice) = choice {
                grant(&clicks, row, choice);
            }
        });
        listen(&document(), "keydown", |ev| {
            let Some(cell) =
                target_element(&ev).filter(|t| t.matches("#matrix-live button.tick-button").unwrap_or(false))
            else {
                return;
            };
            let Some(key) = ev.dyn_ref::<KeyboardEvent>().map(|k| k.key()) else {
                return;
            };
            if !key.starts_with("Arrow") {
                return;
            }
            ev.prevent_default();
            if let Some(next) = neighbour(&cell, &key).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                let _ = next.focus();
            }
        });
    }

    // ---- Other admins' changes ----

    fn poll(page: Rc<Page>) {
        let tick = Closure::<dyn FnMut()>::new(move || {
            if page.stopped.get() || saving() > 0 || page.refreshing.get() {
                return;
            }
            let page = page.clone();
            spawn_local(async move {
                match matrix_version(page.user_id).await {
                    Ok(version) => {
                        let shown = by_id("matrix-live").and_then(|l| l.get_attribute("data-version"));
                        if shown.is_some_and(|v| v != version.to_string()) && saving() == 0 {
                            refresh(&page).await;
                        }
                    }
                    // The session ended (idle, signed out elsewhere, deactivated) or no longer
                    // acts in this practice: stop asking and say so, instead of failing
                    // silently every 3 seconds.
                    Err(e @ (AppError::Unauthenticated | AppError::Forbidden | AppError::NotAllowed(_))) => {
                        page.stopped.set(true);
                        if matches!(e, AppError::Unauthenticated) {
                            let alert =
                                say_error("Your session has ended, so changes by others no longer appear here. ");
                            if let Some(alert) = alert
                                && let Ok(link) = document().create_element("a")
                            {
                                let _ = link.set_attribute("href", "/login");
                                link.set_text_content(Some("Sign in again"));
                                let _ = alert.append_child(&link);
                                let _ = alert.append_with_str_1(" to keep working.");
                            }
                        } else {
                            let _ = say_error(&format!("Changes by others no longer appear here: {e}"));
                        }
                    }
                    Err(_) => {}
                }
            });
        });
        let _ = window().set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 3000);
        tick.forget();
    }

    /// Reads this page again and puts its rows, pager and counts in place of these.
    async fn refresh(page: &Rc<Page>) {
        if page.refreshing.replace(true) {
            return;
        }
        let _ = read_again(page).await;
        page.refreshing.set(false);
    }

    async fn read_again(page: &Page) -> Option<()> {
        let clicks = page.clicks.get();
        let href = window().location().href().ok()?;
        let answer: web_sys::Response = JsFuture::from(window().fetch_with_str(&href))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
        if !answer.ok() || answer.redirected() {
            return None;
        }
        let text = JsFuture::from(answer.text().ok()?).await.ok()?.as_string()?;
        // A click made meanwhile: what was read is older than the tick it shows. The next
        // poll reads again.
        if page.clicks.get() != clicks || saving() > 0 {
            return None;
        }
        let fresh = web_sys::DomParser::new()
            .ok()?
            .parse_from_string(&text, web_sys::SupportedType::TextHtml)
            .ok()?;
        let new_live = fresh.get_element_by_id("matrix-live")?;
        let live = by_id("matrix-live")?;
        // Where the focus was: a cell, by client and column.
        let focused = document()
            .active_element()
            .filter(|e| live.contains(Some(e)) && e.matches("button.tick-button").unwrap_or(false))
            .and_then(|cell| {
                let row = cell.closest("tr").ok().flatten()?;
                let col = row_cells(&row).iter().position(|c| *c == cell)?;
                Some((row.get_attribute("data-client")?, col))
            });
        // Under an access filter, rows this admin changed stay where they were.
        let filtered_by_access = window()
            .location()
            .search()
            .ok()
            .is_some_and(|s| s.split(['?', '&']).any(|p| p.starts_with("access=") && p.len() > 7));
        let kept: Vec<(usize, Element)> = if filtered_by_access {
            let touched = page.touched.borrow();
            all(&live, "tbody > tr")
                .into_iter()
                .enumerate()
                .filter(|(_, r)| r.get_attribute("data-client").is_some_and(|c| touched.contains(&c)))
                .collect()
        } else {
            Vec::new()
        };
        live.set_inner_html(&new_live.inner_html());
        if let Some(version) = new_live.get_attribute("data-version") {
            let _ = live.set_attribute("data-version", &version);
        }
        if let Some(body) = live.query_selector("tbody").ok().flatten() {
            for (at, row) in kept {
                let client = row.get_attribute("data-client").unwrap_or_default();
                if all(&body, "tr")
                    .iter()
                    .any(|r| r.get_attribute("data-client").as_deref() == Some(&client))
                {
                    continue;
                }
                let before = body.children().item(at as u32);
                let _ = body.insert_before(&row, before.as_ref().map(|b| b.as_ref()));
                if let Some(empty) = live.query_selector("p.empty").ok().flatten() {
                    set_hidden(&empty, true);
                }
            }
        }
        if let Some(count) = fresh.get_element_by_id("matrix-count").and_then(|c| c.text_content()) {
            set_text("matrix-count", &count);
        }
        // The staff list's "N of M clients" too.
        if let Some(list) = fresh.get_element_by_id("staff-list") {
            for meta in all(&list, ":scope > li > .staff-meta") {
                let id = meta.parent_element().map(|li| li.id()).unwrap_or_default();
                if let Some(here) = by_id(&id).and_then(|li| li.query_selector(".staff-meta").ok().flatten()) {
                    here.set_text_content(meta.text_content().as_deref());
                }
            }
        }
        if let Some((client, col)) = focused
            && let Some(row) = all(&live, "tbody > tr")
                .into_iter()
                .find(|r| r.get_attribute("data-client").as_deref() == Some(&client))
            && let Some(cell) = row_cells(&row)
                .into_iter()
                .nth(col)
                .and_then(|c| c.dyn_into::<HtmlElement>().ok())
        {
            let _ = cell.focus();
        }
        Some(())
    }
}
