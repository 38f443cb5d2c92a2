//! Platform: what every feature stands on. Configuration, the database and its SQL helpers,
//! the error type of the server-function boundary, the audit recorder, email and its outbox,
//! input newtypes, CSV, and the demo seed.

pub mod audit;
pub mod dates;
pub mod error;
pub mod names;
pub mod outbox;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod csv_export;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod email;
#[cfg(feature = "ssr")]
pub mod secret_box;
#[cfg(feature = "ssr")]
pub mod state;
