//! The Partner module: the practice's client accounts and their plans (Client overview,
//! CSV import), the Clients → Users matrix, and a client account's own users.

pub mod access_notices;
pub mod client_staff;
pub mod client_users;
pub mod clients;
pub mod csv_import;
pub mod matrix;
pub mod plans;
