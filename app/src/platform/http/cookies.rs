//! Cookies: reading one by name from the request, and setting one on the answer. Every
//! cookie of the app is HttpOnly, path `/`, Secure over https, and there named with the
//! `__Host-` prefix, so browsers accept it only for this exact host (a sibling subdomain
//! cannot plant or shadow it).

use cookie::{Cookie, SameSite};
use http::header::{COOKIE, SET_COOKIE};
use leptos::prelude::*;

use crate::platform::http::request::request_parts;

/// The session cookie's name over plain http (local use and tests).
pub const SESSION_COOKIE: &str = "pa_session";
/// The session cookie's name over https.
pub const SECURE_SESSION_COOKIE: &str = "__Host-pa_session";

/// The session cookie's name when the app is served over https (`secure`) or not.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

/// The session token this request carries, if any (valid or not: nothing is looked up).
pub fn session_token(secure: bool) -> Option<String> {
    named_cookie(session_cookie_name(secure))
}

/// Whether the request carries a session cookie (valid or not: nothing is looked up).
pub fn has_session_cookie() -> bool {
    named_cookie(SESSION_COOKIE).is_some() || named_cookie(SECURE_SESSION_COOKIE).is_some()
}

/// Sets (or with `max_age` 0, clears) the session cookie: SameSite=Lax, so a link from
/// another site (an emailed link) arrives signed in, while its posts are refused anyway.
pub fn set_session_cookie(value: &str, max_age: i64, secure: bool) {
    write_cookie(session_cookie_name(secure), value, max_age, secure, SameSite::Lax);
}

/// The session token in a raw `Cookie` header (routes outside server functions).
pub fn session_token_in(header: &str, secure: bool) -> Option<String> {
    let name = session_cookie_name(secure);
    Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// The value of the request's cookie `name`, when it has a non-empty one.
pub fn named_cookie(name: &str) -> Option<String> {
    let parts = request_parts()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// Sets cookie `name` on the answer (`max_age` 0 clears it).
pub fn write_cookie(name: &str, value: &str, max_age: i64, secure: bool, same_site: SameSite) {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(secure)
            .max_age(cookie::time::Duration::seconds(max_age))
            .build();
        if let Ok(header) = http::HeaderValue::from_str(&cookie.to_string()) {
            resp.append_header(SET_COOKIE, header);
        }
    }
}
