//! Access: what the caller may do. The actors (a person acting in a practice or in a
//! client account), the guards every server function starts with, the one policy module
//! holding every rule about who may change whose access, what those rules read (the
//! practice's members and roles), and the one way a change is written with its audit event.

pub mod actor;
pub mod guard;
pub mod members;
pub mod policy;
pub mod practices;
pub mod roles;
pub mod write;
