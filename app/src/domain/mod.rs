//! Domain types shared by every layer above the platform: roles and the permission
//! catalogue, plans, statuses, and the audit trail's vocabulary. Pure types: no database,
//! no request.

pub mod audit;
pub mod permissions;
pub mod plans;
pub mod roles;
pub mod statuses;
