//! The page's address. Pages are rendered on the server, where the router knows the
//! address; each panel, filter and page of a list is a parameter of it (`?open=invite`,
//! `?staff=7&page=2`), read while the page renders. In the browser only islands run, and
//! none of them reads the address through the router.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The address's query parameters, as a signal.
pub fn use_query() -> Signal<ParamsMap> {
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || query.get())
}
