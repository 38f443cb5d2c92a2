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
    // Lazy: the current page's WASM chunk is fetched before its part of the page is
    // hydrated (see app::pages), so hydration ends only once that chunk has come. The body
    // is marked `data-hydrated` then, when every button of the page answers: end-to-end
    // tests and the browser benchmark wait for the mark. (An effect in `App` ran before the
    // page's chunk had come, and a click in between was lost.)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "");
    });
}
