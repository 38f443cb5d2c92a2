//! The HTTP request a server function or page is answering: its cookies, its context (the
//! request's parts, the app state, whether it is a plain form post) and the caller's address.

pub mod cookies;
pub mod request;
pub mod user_agent;
