//! Shared per-process state handed to axum handlers and, as Leptos context, to server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::mail::OutboxSignal;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// Wakes this process's outbox worker when a request queued email.
    pub outbox: OutboxSignal,
    /// The signed-in app's WASM and JavaScript files (under `/pkg/`), named by their
    /// content, which a page sent without the WASM asks the browser to fetch when idle
    /// (see `pages::prefetch_hints`). Empty when the files are not named by content (a
    /// development build): a name that may change meaning is not worth fetching ahead.
    pub prefetch: Arc<[String]>,
    /// The build this server serves (its WASM's content hash; `dev` when files are not
    /// named by content): pages carry it, and the islands router loads a page of another
    /// build in full.
    pub build: Arc<str>,
    /// Each signed-in person's requests in progress on this server, capped per person.
    pub in_flight: Arc<crate::platform::in_flight::InFlight>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
