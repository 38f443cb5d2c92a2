//! Platform: the ground every other layer stands on. It names no feature area.
//!
//! Configuration, the database (connecting and migrating, the write turn, group commit,
//! SQL helpers, constraint mapping), the error type of the server-function boundary,
//! dates, input newtypes, tokens, the HTTP request (cookies, context, client address), the
//! plain-form round trip, in-flight limits, the mail machinery (outbox and worker), the
//! audit store, CSV export and the app state.

pub mod audit;
pub mod dates;
pub mod error;
pub mod form_return;
pub mod mail;
pub mod names;
pub mod words;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod csv_export;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod in_flight;
#[cfg(feature = "ssr")]
pub mod secret_box;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod tokens;
