//! What was typed into a form whose plain post was refused, kept for five minutes in a
//! cookie (HttpOnly, SameSite=Strict) for the form's next showing, and only for the session
//! that typed it (not the next person to sign in on a shared browser).

/// A form whose typed values (never a password) survive a failed plain-form post: the
/// sign-in's email, the sign-up's practice name, name and email, an invitation's name,
/// email and role, a new client's name and plan. Each feature names its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptForm {
    /// The cookie's name over plain http; over https it carries the `__Host-` prefix.
    cookie: &'static str,
}

impl KeptForm {
    pub const fn new(cookie: &'static str) -> Self {
        Self { cookie }
    }

    #[cfg(feature = "ssr")]
    fn cookie_name(self, secure: bool) -> String {
        if secure {
            format!("__Host-{}", self.cookie)
        } else {
            self.cookie.to_owned()
        }
    }
}

/// The `N` values a failed plain-form post of `form` kept for this request, or empty ones
/// (always in the browser: the WASM keeps its form as it is).
pub fn kept_values<const N: usize>(form: KeptForm) -> [String; N] {
    #[cfg(feature = "ssr")]
    if let Some(Ok(values)) = ssr::kept(form, N).map(<[String; N]>::try_from) {
        return values;
    }
    let _ = form;
    std::array::from_fn(|_| String::new())
}

#[cfg(feature = "ssr")]
pub use ssr::keep_if_failed;
#[cfg(feature = "ssr")]
pub(super) use ssr::{KEPT_BYTES, KEPT_SECS, owner};

#[cfg(feature = "ssr")]
mod ssr {
    use cookie::SameSite;

    use super::KeptForm;
    use crate::platform::error::AppError;
    use crate::platform::http::cookies::{named_cookie, session_token, write_cookie};
    use crate::platform::http::request::{is_plain_form_post, serves_https};
    use crate::platform::tokens::hash_token;

    /// How long kept values (and notices) wait for the page to show them.
    pub const KEPT_SECS: i64 = 5 * 60;
    /// The most a kept form may hold (before hex): a longer value is not kept.
    pub const KEPT_BYTES: usize = 1024;

    /// `result` of a form's server function, passed on: when it failed and the request is a
    /// plain form post, `values` are kept for the form's next showing; when it went through,
    /// what an earlier attempt kept is cleared. Values are joined by a NUL, which no field
    /// may hold.
    pub fn keep_if_failed<T>(form: KeptForm, values: &[&str], result: Result<T, AppError>) -> Result<T, AppError> {
        let secure = serves_https();
        let name = form.cookie_name(secure);
        let from_a_plain_form = is_plain_form_post();
        let owner = owner();
        let joined = std::iter::once(owner.as_str())
            .chain(values.iter().map(|v| v.trim()))
            .collect::<Vec<_>>()
            .join("\0");
        if result.is_err() && from_a_plain_form && joined.len() <= KEPT_BYTES + owner.len() + 1 {
            write_cookie(&name, &hex::encode(joined), KEPT_SECS, secure, SameSite::Strict);
        } else if named_cookie(&name).is_some() && (result.is_ok() || from_a_plain_form) {
            // Gone through, or too long to keep: an earlier attempt's values do not come back.
            write_cookie(&name, "", 0, secure, SameSite::Strict);
        }
        result
    }

    /// The values [`keep_if_failed`] kept for `form`, if this request carries them:
    /// `count` of them, or none when the cookie holds anything else.
    pub fn kept(form: KeptForm, count: usize) -> Option<Vec<String>> {
        let bytes = hex::decode(named_cookie(&form.cookie_name(serves_https()))?).ok()?;
        let text = String::from_utf8(bytes).ok().filter(|t| t.len() <= KEPT_BYTES + 64)?;
        let mut values = text.split('\0').map(str::to_owned);
        // Kept for the session that typed them only: not for the next person to sign in on
        // a shared browser within the five minutes.
        if values.next()? != owner() {
            return None;
        }
        let values: Vec<String> = values.collect();
        (values.len() == count).then_some(values)
    }

    /// Whose typed values (or notice) a cookie holds: a digest of this request's session
    /// token (empty when not signed in, as on the sign-in and sign-up pages).
    pub fn owner() -> String {
        let token = session_token(true).or_else(|| session_token(false));
        token.map(|t| hash_token(&t)[..16].to_owned()).unwrap_or_default()
    }
}
