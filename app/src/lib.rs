#![recursion_limit = "256"]
//! Practice Access: the application crate, in layers, each using only those below it:
//!
//! ```text
//! shell      routes, the HTML document, the top bar, the start page
//! partner    Client overview, the Clients → Users matrix, client users      (features)
//! practice   Manage users, invitations, roles, offboarding, audit log, settings
//! account    sign-up, sign-in, two-step, me, the switcher, My access
//! access     actors, guards, the policy (who may change whose access), members, roles
//! identity   who the caller is: sessions, passwords, throttle, logins, accounts
//! ui         widgets, form pieces, icons, the address (names no feature)
//! domain     permissions and roles, plans, statuses, the audit vocabulary
//! platform   config, db, errors, http, the form round trip, mail, audit store, state
//! ```
//!
//! `demo` (the demo practice) sits above them all. `app/tests/layers.rs` keeps the rule.

#[cfg(feature = "ssr")]
pub mod access;
pub mod account;
#[cfg(feature = "ssr")]
pub mod demo;
pub mod domain;
pub mod identity;
pub mod partner;
pub mod platform;
pub mod practice;
pub mod shell;
pub mod ui;

pub use shell::{App, shell};
