//! Your account (`/account`, "Your account" in the person menu): the login's own name, its
//! email (changed with a link to the new address; the old one is told), its password
//! (the current one first, through the sign-in throttle; the other sessions end), and
//! where it is signed in, each session with its browser, address and times, to sign out
//! one or all the others. Every change is on record in each practice the login belongs to.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply};

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{ConfirmEmailPage, YourAccountPage};

/// What the page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct YourAccount {
    pub name: String,
    pub email: String,
    /// An address waiting for its confirmation link to be opened.
    pub pending_email: Option<String>,
    pub sessions: Vec<SessionLine>,
    /// What the form just sent did ("Your password is changed, …"), shown once.
    pub notice: Option<String>,
}

/// One place the login is signed in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionLine {
    /// What names it to sign it out (not its secret).
    pub id: String,
    /// The session this page was asked from.
    pub this: bool,
    /// Unix seconds.
    pub started: i64,
    pub last_used: i64,
    /// "Firefox on Windows".
    pub device: String,
    pub address: String,
}

pub const NAME_CHANGED: &str = "Your name is changed.";
pub const PASSWORD_CHANGED: &str = "Your password is changed, and every other place you were signed in is signed out.";

#[server(endpoint = "get_your_account")]
pub async fn get_your_account() -> Result<YourAccount, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    ssr::your_account(&state, &session).await
}

#[server(endpoint = "change_name")]
pub async fn change_name(name: String) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    reply(ssr::change_name(&state, &session, &name).await, |_| {
        Notice::say(NAME_CHANGED)
    })
}

/// Sends a link to `email`; the login's email changes only when it is opened.
#[server(endpoint = "request_email_change")]
pub async fn request_email_change(email: String, password: String) -> Result<String, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    reply(
        ssr::request_email_change(&state, &session, &email, password).await,
        |to| {
            Notice::say(format!(
                "We sent a link to {to}. Your email changes when you open it (within 24 hours)."
            ))
        },
    )
}

/// The new address of an email-change link still open (`NotFound` otherwise).
#[server(endpoint = "get_email_change")]
pub async fn get_email_change(token: String) -> Result<String, AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::email_change(&state, &token).await
}

/// Changes the login's email to the one the link was sent to; the old address is told.
#[server(endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::confirm_email_change(&state, &token).await?;
    leptos_axum::redirect("/account?email=changed");
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    reply(
        ssr::change_password(&state, &session, current_password, new_password).await,
        |_| Notice::say(PASSWORD_CHANGED),
    )
}

/// Signs out one other session of the login (`session`: its id on the page).
#[server(endpoint = "sign_out_session")]
pub async fn sign_out_session(session: String) -> Result<(), AppError> {
    let (state, me) = crate::identity::session::require().await?;
    reply(ssr::sign_out_session(&state, &me, &session).await, |_| {
        Notice::say("That session is signed out.")
    })
}

/// Signs out every session of the login but this one.
#[server(endpoint = "sign_out_other_sessions")]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    let (state, me) = crate::identity::session::require().await?;
    reply(ssr::sign_out_other_sessions(&state, &me).await, |n| {
        Notice::say(match n {
            0 => "You were signed in nowhere else.".to_owned(),
            1 => "Signed out 1 other session.".to_owned(),
            n => format!("Signed out {n} other sessions."),
        })
    })
}
