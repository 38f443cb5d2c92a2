//! The practice (the partner account): its members (Home → Manage users) and the
//! invitations that bring them in, its roles, offboarding leavers, its audit log, and its
//! settings.

pub mod audit_log;
pub mod invitations;
pub mod manage_users;
pub mod offboarding;
pub mod roles;
pub mod settings;
