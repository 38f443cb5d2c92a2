//! The cookie of a sign-in waiting for its two-step code: SameSite=Strict, HttpOnly, over
//! https with the `__Host-` prefix (as the session's).

use cookie::SameSite;

use crate::platform::http::cookies::{named_cookie, write_cookie};

pub const CHALLENGE_COOKIE: &str = "pa_two_step";
pub const SECURE_CHALLENGE_COOKIE: &str = "__Host-pa_two_step";

fn challenge_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_CHALLENGE_COOKIE
    } else {
        CHALLENGE_COOKIE
    }
}

/// The token of the sign-in waiting for its two-step code, if the browser holds one.
pub fn challenge_token(secure: bool) -> Option<String> {
    named_cookie(challenge_cookie_name(secure))
}

/// Sets (or with `max_age` 0, clears) the cookie of a sign-in waiting for its code.
pub fn set_challenge_cookie(value: &str, max_age: i64, secure: bool) {
    write_cookie(challenge_cookie_name(secure), value, max_age, secure, SameSite::Strict);
}
