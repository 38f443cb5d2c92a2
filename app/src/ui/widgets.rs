//! Widgets every page shares: the pager, number formatting and a file picker that reads
//! text in the browser.

use leptos::prelude::*;

/// "Page 2 of 24" with previous and next buttons.
#[component]
pub fn Pager(page: RwSignal<i64>, pages: i64) -> impl IntoView {
    view! {
        <Show when=move || { pages > 1 }>
            <nav class="pager" aria-label="Pages">
                <button type="button" class="secondary" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p -= 1)>"Previous page"</button>
                <span>{move || format!("Page {} of {}", page.get() + 1, pages)}</span>
                <button type="button" class="secondary" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|p| *p += 1)>"Next page"</button>
            </nav>
        </Show>
    }
}

/// "Page 2 of 24" with previous and next links (`href` gives a page's address), for
/// lists whose page is in the address: they work without JavaScript.
#[component]
pub fn LinkPager(page: i64, pages: i64, href: Callback<i64, String>) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 0).then(|| view! { <a class="button secondary" href=href.run(page - 1)>"Previous page"</a> })}
                <span>{format!("Page {} of {}", page + 1, pages)}</span>
                {(page + 1 < pages).then(|| view! { <a class="button secondary" href=href.run(page + 1)>"Next page"</a> })}
            </nav>
        }
    })
}

/// A button that opens or closes a panel of the page ("Invite users", "Edit Birch Ltd"),
/// saying which with `aria-expanded`. With JavaScript it toggles in place (`toggle`);
/// without, it is a GET of this page with `key=value` added to the address (the other
/// parameters kept), which the page renders with the panel open ([`panel_is_open`]); when
/// open, the same button leaves `key` out, closing it. A form that posts from the panel
/// returns to the page without `key` once it went through
/// (`platform::form_return`).
#[component]
pub fn PanelButton(
    #[prop(into)] label: String,
    key: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] open: Signal<bool>,
    toggle: Callback<()>,
    #[prop(optional)] class: &'static str,
    #[prop(optional, into)] aria_label: Option<String>,
) -> impl IntoView {
    view! {
        <form method="get" class="panel-toggle">
            {kept_as_hidden_fields(&[key])}
            <button type="submit" class=class aria-label=aria_label
                name=move || (!open.get()).then_some(key) value=value
                aria-expanded=move || open.get().to_string()
                on:click=move |ev| { ev.prevent_default(); toggle.run(()); }>{label}</button>
        </form>
    }
}

/// Submits its form as soon as one of its choices changes (a select, a checkbox, a radio
/// button): an island around fields of a server-rendered form, so a filter applies, a
/// setting saves, a role changes without a button. The button stays for a browser without
/// JavaScript (`<noscript>`); a text field still waits for Enter.
#[island]
pub fn AutoSubmit(children: Children) -> impl IntoView {
    view! {
        <div class="auto-submit" on:change=move |_ev| {
            #[cfg(feature = "hydrate")]
            submit_form_of(&_ev);
        }>{children()}</div>
    }
}

#[cfg(feature = "hydrate")]
fn submit_form_of(ev: &leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    let Some(field) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return;
    };
    let is_choice = match field.tag_name().as_str() {
        "SELECT" => true,
        "INPUT" => matches!(field.get_attribute("type").as_deref(), Some("checkbox" | "radio")),
        _ => false,
    };
    if !is_choice {
        return;
    }
    if let Some(form) = field
        .closest("form")
        .ok()
        .flatten()
        .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
    {
        let _ = form.request_submit();
    }
}

/// The address's parameters but those in `leaving` (and an earlier failure's `__path` and
/// `__err`) as hidden fields: a GET form that sets some of them keeps the others.
pub fn kept_as_hidden_fields(leaving: &[&str]) -> impl IntoView + use<> {
    crate::ui::address::use_query().with_untracked(|q| {
        q.latest_values()
            .filter(|(k, _)| !leaving.contains(&k.as_ref()) && !k.starts_with("__"))
            .map(|(k, v)| view! { <input type="hidden" name=k.to_string() value=v.to_owned()/> })
            .collect_view()
    })
}

/// Whether the address says `key=value` (a [`PanelButton`]'s panel, opened without
/// JavaScript or kept open by a failed form post, which returns to the same address).
pub fn panel_is_open(key: &str, value: &str) -> bool {
    crate::ui::address::use_query().with_untracked(|q| q.get_str(key) == Some(value))
}

/// Percent-encodes `text` for a query string (everything but unreserved characters).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?query` from `params` with `changes` applied; an empty value drops its key. For
/// pages whose filters live in the address. An earlier failure's `__path`/`__err` go.
pub fn address_with(path: &str, params: &leptos_router::params::ParamsMap, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .latest_values()
        .map(|(k, v)| (k.to_string(), v.to_owned()))
        // An earlier failed form post's error (`__path`, `__err`) is not carried on.
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k) && !k.starts_with("__"))
        .collect();
    pairs.extend(changes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let query: Vec<String> = pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", url_encode(&k), url_encode(&v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// A labelled file picker that reads the chosen file into `text` in the browser (the file
/// never travels on its own; the page sends the text with its form).
#[component]
pub fn TextFileInput(
    id: &'static str,
    label: &'static str,
    accept: &'static str,
    text: RwSignal<String>,
) -> impl IntoView {
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="file" accept=accept on:change=move |_ev| {
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    let Some(target) = _ev.target() else { return };
                    let input: web_sys::HtmlInputElement = target.unchecked_into();
                    if let Some(file) = input.files().and_then(|f| f.get(0)) {
                        leptos::task::spawn_local(async move {
                            if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                                && let Some(s) = value.as_string()
                            {
                                text.set(s);
                            }
                        });
                    }
                }
            }/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::url_encode("Ann O'Neil & co"), "Ann%20O%27Neil%20%26%20co");
        assert_eq!(super::url_encode("é"), "%C3%A9");
    }
}
