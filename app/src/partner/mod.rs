//! The Partner module: the practice's client accounts (Client overview, CSV import), the
//! Clients → Users matrix, the staff with access to one client, a client account's own
//! users, the emails that tell staff when their access changes, and access requests.

pub mod access_notices;
pub mod access_requests;
pub mod client_staff;
pub mod client_users;
pub mod clients;
pub mod csv_import;
pub mod matrix;
