//! Identity: who the caller is. Sessions (and their cookie), passwords, the throttle on
//! every door that checks a secret, logins (users), and the accounts a login can act in.

pub mod accounts;
pub mod users;

#[cfg(feature = "ssr")]
pub mod login_links;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
