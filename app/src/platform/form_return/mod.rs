//! The plain-form round trip: a browser without the WASM posts a form to its server
//! function and must come back to the page it was sent from. Gone through, the page comes
//! back with the panel the form was opened in closed (its address parameter dropped) and
//! what it did said once (a [`Notice`]); refused, it comes back with what was typed (a
//! [`KeptForm`], never a password) and the error beside its field.
//!
//! Server functions say what they did as a value ([`Notice`]) and hand their outcome to
//! [`reply`] (or [`reply_keeping`]): the one place that applies it. With the WASM (a JSON
//! request) nothing happens here: the island shows the answer itself.

mod kept;
#[cfg(feature = "ssr")]
mod notice;
#[cfg(feature = "ssr")]
mod shown_once;

#[cfg(feature = "ssr")]
pub use kept::keep_if_failed;
pub use kept::{KeptForm, kept_values};
#[cfg(feature = "ssr")]
pub use notice::{Notice, same_site_return, take_notice};
#[cfg(feature = "ssr")]
pub use shown_once::{keep_shown_once, take_shown_once};

#[cfg(feature = "ssr")]
use crate::platform::error::AppError;

/// A server function's outcome, answered: when it went through and the request is a plain
/// form post, `notice` (what it did, which panel closes) is kept for the page the browser
/// returns to, and the browser is sent back there. The one place notices are applied.
#[cfg(feature = "ssr")]
pub fn reply<T>(result: Result<T, AppError>, notice: impl FnOnce(&T) -> Notice) -> Result<T, AppError> {
    if let Ok(value) = &result {
        notice(value).apply();
    }
    result
}

/// [`reply`] for a form whose typed values come back after a refusal (`values`, in the
/// form's order): a refused plain form post keeps them for the form's next showing (the
/// browser's post loses what was typed); one that went through clears what an earlier
/// attempt kept.
#[cfg(feature = "ssr")]
pub fn reply_keeping<T>(
    form: KeptForm,
    values: &[&str],
    result: Result<T, AppError>,
    notice: impl FnOnce(&T) -> Notice,
) -> Result<T, AppError> {
    reply(kept::keep_if_failed(form, values, result), notice)
}
