//! Which pages come with the WASM. Pages are rendered on the server only (Leptos
//! islands): every page works as HTML, links and forms; only its interactive parts, the
//! components marked `#[island]` (the matrix's clicks and live updates, the top bar's
//! menus, the role editor, the live filters, …), hydrate in the browser, from one small
//! WASM module.

use leptos::prelude::*;

/// The pages a visitor meets before signing in: signing up and in, confirming a sign-up,
/// accepting an invitation. Each is one form that posts to its server function and shows
/// its errors from the server's answer, so it works the same without JavaScript and loses
/// nothing on an error but the password (a failed sign-in keeps its email, a failed
/// sign-up its other three fields: `platform::form_return::reply_keeping`; the other forms ask only for a
/// password). They hold no island, so to someone not signed in the server sends them
/// without the WASM: the first page anyone sees is ready as soon as its HTML is. Signed in,
/// the top bar's menus are islands, so these pages load the WASM as every other page does.
pub fn ships_no_script(path: &str, signed_in: bool) -> bool {
    !signed_in
        && (matches!(
            path,
            "/login" | "/signup" | "/signup/sent" | "/forgot-password" | "/forgot-password/sent"
        ) || path.starts_with("/signup/confirm/")
            || path.starts_with("/invite/")
            || path.starts_with("/two-step-reset/")
            || path.starts_with("/reset-password/")
            || path.starts_with("/confirm-email/"))
}

/// [`ships_no_script`] for the request being rendered (never in the browser). "Signed in"
/// means a session cookie came with the request: a stale one only costs the WASM.
pub fn ships_no_script_to_this_request() -> bool {
    #[cfg(feature = "ssr")]
    {
        if let Some(parts) = use_context::<http::request::Parts>() {
            // A page the islands router fetches goes into a document that has the WASM
            // already: its head stays the same (signing out leads there).
            if crate::platform::http::request::is_router_navigation() {
                return false;
            }
            let signed_in = crate::platform::http::cookies::has_session_cookie();
            return ships_no_script(parts.uri.path(), signed_in);
        }
    }
    false
}

/// The build the server runs (its WASM's content hash; `dev` for an unhashed build).
pub fn build_id() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::platform::state::AppState>() {
        return state.build.to_string();
    }
    "dev".to_owned()
}

/// For a page sent without the WASM: `<link rel="prefetch">` for the signed-in app's files
/// (`AppState::prefetch`). The browser fetches them when idle, at the lowest priority,
/// while the visitor types, so the page after signing in (or confirming, or accepting)
/// finds them in its cache.
pub fn prefetch_hints() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let files: Vec<String> = use_context::<crate::platform::state::AppState>()
        .map(|s| s.prefetch.to_vec())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let files: Vec<String> = vec![];
    files
        .into_iter()
        .map(|file| view! { <link rel="prefetch" href=format!("/pkg/{file}")/> })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::ships_no_script;

    #[test]
    fn only_the_pages_before_sign_in_ship_no_script_and_only_to_visitors() {
        for path in [
            "/login",
            "/signup",
            "/signup/sent",
            "/signup/confirm/abc",
            "/invite/abc",
        ] {
            assert!(ships_no_script(path, false), "{path}");
            assert!(!ships_no_script(path, true), "{path} signed in");
        }
        for path in [
            "/",
            "/signup/",
            "/login/two-step",
            "/partner/users",
            "/invite",
            "/signup/confirmed",
            "/loginx",
        ] {
            assert!(!ships_no_script(path, false), "{path}");
        }
    }
}
