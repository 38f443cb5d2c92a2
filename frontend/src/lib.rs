#![recursion_limit = "256"]
//! The browser entry point. Pages are rendered on the server; in the browser only the
//! islands (components marked `#[island]` in `app`) hydrate. Everything else lives in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions redirect only when who-is-signed-in or the current account changed
    // (sign-in, sign-out, switching accounts): reload the page so everything reflects it.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    leptos::mount::hydrate_islands();
    // Also what links `app`, and with it its islands' exports, into this module: nothing else
    // here names it.
    app::ui::hydration::mark_hydrated_after_islands();
}
