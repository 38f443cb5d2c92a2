#![recursion_limit = "256"]
//! Integration tests: each test starts the real server on port 0 against its own fresh
//! database, once on SQLite and once on PostgreSQL (see `on_both_backends!`).

mod helpers;
mod smtp_sink;

mod access_end;
mod access_requests;
mod audit_log;
mod auth;
mod busy;
mod client_users;
mod clients;
mod copy_access;
mod crash;
mod delivery;
mod endpoints;
mod health;
mod insider_walk;
mod mail_outage;
mod manage_users;
mod matrix;
mod notices;
mod offboarding;
mod password_reset;
mod roles;
mod schema;
mod security;
mod two_step;
mod your_account;
