//! Something shown only once (the recovery codes of turning two-step sign-in on), carried
//! from a plain form post to the page it returns to in a five-minute cookie (HttpOnly,
//! SameSite=Strict); its value is the caller's, sealed.

use cookie::SameSite;

use super::kept::KEPT_SECS;
use crate::platform::http::cookies::{named_cookie, write_cookie};
use crate::platform::http::request::serves_https;

fn shown_once_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-pa_shown_once"
    } else {
        "pa_shown_once"
    }
}

/// Keeps `value` for the next page this browser loads (see [`take_shown_once`]).
pub fn keep_shown_once(value: &str) {
    let secure = serves_https();
    write_cookie(shown_once_cookie(secure), value, KEPT_SECS, secure, SameSite::Strict);
}

/// What [`keep_shown_once`] kept, if this request carries it; the cookie is cleared, so it
/// is shown once.
pub fn take_shown_once() -> Option<String> {
    let secure = serves_https();
    let value = named_cookie(shown_once_cookie(secure))?;
    write_cookie(shown_once_cookie(secure), "", 0, secure, SameSite::Strict);
    Some(value)
}
