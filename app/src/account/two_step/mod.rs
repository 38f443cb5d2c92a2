//! Two-step sign-in: a time-based code (TOTP, RFC 6238) from an authenticator app after
//! the password, or one of ten one-time recovery codes. Anyone turns it on for their own
//! login from the account menu; a practice can require it of all its staff, and its
//! admins can send a member a link that resets theirs (a lost phone; audited).
//!
//! Every door that checks a password and then starts a session goes through
//! [`ssr::sign_in_or_challenge`]: with two-step sign-in on, the session starts only after
//! the code (`verify_sign_in`), whose wrong guesses the sign-in throttle counts like
//! wrong passwords.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{TwoStepPage, TwoStepResetPage, VerifySignInPage};

/// How many recovery codes a login gets when it turns two-step sign-in on.
pub const RECOVERY_CODES: usize = 10;

/// What the Two-step sign-in page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoStepStatus {
    pub enabled: bool,
    /// False when the server has no `SECRET_KEY`: two-step sign-in cannot be turned on.
    pub available: bool,
    /// Practices of this user's that require it (they cannot turn it off).
    pub required_by: Vec<String>,
    pub recovery_codes_left: i64,
    /// While it is off: the key to add to an authenticator app.
    pub setup: Option<TwoStepSetup>,
    /// The recovery codes of turning it on just now, when that was a plain form post (the
    /// page it returns to shows them, once); with the WASM they come in the answer itself.
    pub new_recovery_codes: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    /// The `otpauth://` address as a QR code (SVG, drawn on the server).
    pub qr_svg: String,
    /// The same key as text, in groups of four ("Can't scan? Enter this key").
    pub key: String,
}

/// The page's state, with the key being set up when this session asked for one
/// (`start_two_step`).
#[server(endpoint = "get_two_step")]
pub async fn get_two_step() -> Result<TwoStepStatus, AppError> {
    let (state, session) = crate::identity::session::require_for_two_step_setup().await?;
    ssr::status(&state, &session).await
}

/// Shows the key to add to an authenticator app, after the password is entered again: the
/// key belongs to this session alone, for 15 minutes.
#[server(endpoint = "start_two_step")]
pub async fn start_two_step(password: String) -> Result<TwoStepSetup, AppError> {
    let (state, session) = crate::identity::session::require_for_two_step_setup().await?;
    ssr::start(&state, &session, password).await
}

/// Turns two-step sign-in on with a code from the key this session was shown; answers the
/// recovery codes, shown this once. A password, when given, must be right too.
#[server(endpoint = "confirm_two_step")]
pub async fn confirm_two_step(
    #[server(default)] password: Option<String>,
    code: String,
) -> Result<Vec<String>, AppError> {
    let (state, session) = crate::identity::session::require_for_two_step_setup().await?;
    ssr::confirm(&state, &session, password, &code).await
}

/// Turns two-step sign-in off, with the password and a current code or a recovery code.
#[server(endpoint = "turn_off_two_step")]
pub async fn turn_off_two_step(password: String, code: String) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require_for_two_step_setup().await?;
    ssr::turn_off(&state, &session, password, &code).await
}

/// The second step of signing in: the code for the sign-in whose password was right
/// (named by a short-lived cookie). Starts the session.
#[server(endpoint = "verify_sign_in")]
pub async fn verify_sign_in(code: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::verify_sign_in(&state, &code).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Whether a two-step reset link (`/two-step-reset/<token>`) may still be used: `NotFound`
/// when it was used, replaced, has expired or never was (all answer the same).
#[server(endpoint = "get_two_step_reset")]
pub async fn get_two_step_reset(token: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::reset::check(&state, &token).await
}

/// Turns off the two-step sign-in of the login a reset link was sent to, and ends its
/// sessions; then to signing in, with the password alone.
#[server(endpoint = "use_two_step_reset")]
pub async fn use_two_step_reset(token: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::reset::use_link(&state, &token).await?;
    leptos_axum::redirect("/login?two_step=off");
    Ok(())
}
