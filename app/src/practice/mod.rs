//! The practice (the partner account): its members (Home → Manage users), its roles and
//! the permission catalogue they draw on, offboarding leavers, and its audit log.

pub mod audit_log;
pub mod manage_users;
pub mod offboarding;
pub mod permissions;
pub mod practices;
pub mod roles;
