//! Identity: who the caller is. Sign-up and sign-in, sessions and the one authorisation
//! helper, passwords, the throttle on every door that checks a secret, invitations, and
//! the Accounts switcher (which businesses a login can open), and two-step sign-in.

pub mod accounts;
pub mod auth;
pub mod invitations;
pub mod my_access;
pub mod sign_up;
pub mod two_step;
pub mod users;

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;

/// A form whose typed values (never a password) survive a failed plain-form post (every
/// form but the islands' posts plainly): the sign-in's email, the sign-up's practice name,
/// name and email, an invitation's name, email and role, a new client's name and plan (see
/// `session::keep_form_if_failed`).
#[derive(Clone, Copy, Debug)]
pub enum KeptForm {
    SignIn,
    SignUp,
    Invite,
    AddClient,
}

/// The `N` values a failed plain-form post of `form` kept for this request, or empty ones
/// (always in the browser: the WASM keeps its form as it is).
pub fn kept_values<const N: usize>(form: KeptForm) -> [String; N] {
    #[cfg(feature = "ssr")]
    if let Some(Ok(values)) = session::kept_form(form, N).map(<[String; N]>::try_from) {
        return values;
    }
    let _ = form;
    std::array::from_fn(|_| String::new())
}
