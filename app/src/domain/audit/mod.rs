//! The audit trail's vocabulary. Every change writes one event, in the same transaction as
//! the change (`access::write`), into the platform's append-only store.
//!
//! - [`action`]: what an event records, by its stored name;
//! - [`event`]: the typed events, each variant carrying its fields, and [`Target`], what an
//!   event is about;
//! - [`payload`]: what a variant records before and after, as stored (JSON);
//! - [`stored`]: an event as a row (`Event::stored`) and a row read back as an event
//!   (`Event::read`), for every row stored so far;
//! - [`sentence`]: an event as the audit log tells it.

pub mod action;
pub mod event;
pub mod payload;
pub mod sentence;
#[cfg(feature = "ssr")]
pub mod stored;

pub use action::AuditAction;
pub use event::{Event, Target, TargetKind};
#[cfg(feature = "ssr")]
pub use stored::Stored;

#[cfg(all(test, feature = "ssr"))]
mod tests;
