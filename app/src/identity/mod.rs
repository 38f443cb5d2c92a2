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
