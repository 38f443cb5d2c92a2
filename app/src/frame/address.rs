//! The page's address for islands. Pages are rendered on the server, where the router
//! knows the address; in the browser only islands run, and they have no router. An island
//! that keeps its state in the address (the matrix: the chosen person, the filters, the
//! page) reads it with [`use_query`] and changes it with [`go`]: on the server the
//! router's query, in the browser one shared signal over `location.search` that
//! [`go`] (the History API, no page load) and Back and Forward (`popstate`) update.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The address's query parameters, as a signal.
pub fn use_query() -> Signal<ParamsMap> {
    #[cfg(not(feature = "hydrate"))]
    {
        let query = leptos_router::hooks::use_query_map();
        Signal::derive(move || query.get())
    }
    #[cfg(feature = "hydrate")]
    {
        let query = browser::query();
        Signal::derive(move || query.get())
    }
}

/// How [`go`] changes the address.
#[derive(Clone, Copy, Default)]
pub struct Go {
    /// In place of the current history entry (a filter that follows typing must not add a
    /// step to Back), rather than as a new one.
    pub replace: bool,
}

/// Goes to `address` (a path on this site, with its query). Another path is a page load; a
/// new query for this page changes [`use_query`]'s signal, and with it the islands that
/// read it, without one. On the server it does nothing (nothing runs there after render).
pub fn go(address: &str, how: Go) {
    #[cfg(feature = "hydrate")]
    browser::go(address, how);
    #[cfg(not(feature = "hydrate"))]
    let _ = (address, how);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;

    use leptos::prelude::*;
    use leptos_router::location::{BrowserUrl, LocationProvider};
    use leptos_router::params::ParamsMap;

    use super::Go;

    thread_local! {
        static QUERY: RefCell<Option<ArcRwSignal<ParamsMap>>> = const { RefCell::new(None) };
    }

    fn current() -> ParamsMap {
        BrowserUrl::current()
            .map(|url| url.search_params().clone())
            .unwrap_or_default()
    }

    pub fn query() -> ArcRwSignal<ParamsMap> {
        QUERY.with(|cell| {
            cell.borrow_mut()
                .get_or_insert_with(|| {
                    let query = ArcRwSignal::new(current());
                    // Back and Forward between addresses this page pushed.
                    let on_pop = query.clone();
                    let listener = window_event_listener_untyped("popstate", move |_| on_pop.set(current()));
                    // For the page's lifetime, as the signal.
                    std::mem::forget(listener);
                    query
                })
                .clone()
        })
    }

    pub fn go(address: &str, how: Go) {
        // A path of this site only (`/…`, not `//host/…` or another scheme).
        if !address.starts_with('/') || address.starts_with("//") || address.starts_with("/\\") {
            return;
        }
        let Ok(url) = BrowserUrl::parse(address) else {
            return;
        };
        let location = window().location();
        if location.pathname().ok().as_deref() != Some(url.path()) {
            let _ = location.set_href(address);
            return;
        }
        let Ok(history) = window().history() else {
            let _ = location.set_href(address);
            return;
        };
        let done = if how.replace {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(address))
        } else {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(address))
        };
        if done.is_err() {
            let _ = location.set_href(address);
            return;
        }
        query().set(url.search_params().clone());
    }
}
