//! The body's `data-hydrated` mark: end-to-end tests, the browser benchmark and the menus'
//! CSS (style/main.css) wait for it before they interact.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// In the browser, after `hydrate_islands()`: Leptos's loader hydrates each
/// `<leptos-island>` of the page right after the entry point returns, in one chain of
/// microtasks; a timer runs after that chain. The body is marked `data-hydrated` then, when
/// every island answers: end-to-end tests, the browser benchmark and the menus' CSS
/// (style/main.css) use the mark.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated_after_islands() {
    mark_hydrated_soon();
}

/// Marks the body `data-hydrated` once the work in progress (an island's hydration) has
/// ended.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated_soon() {
    set_timeout(
        || {
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
