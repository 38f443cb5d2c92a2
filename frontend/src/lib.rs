#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered page. Everything else lives in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions redirect only when who-is-signed-in or the current account changed
    // (sign-in, sign-out, switching accounts): reload the page so everything reflects it.
    // Set before the router would install its client-side navigation hook.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    // Lazy: the current page's WASM chunk is fetched before hydrating (see app::pages).
    leptos::mount::hydrate_lazy(app::App);
}
