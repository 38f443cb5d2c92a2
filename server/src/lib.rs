#![recursion_limit = "256"]
//! The HTTP server: wires configuration, the database and the Leptos app into axum.
//! `main.rs` only reads the configuration and calls [`run`]; integration tests call it too.

mod downloads;
mod health;
mod middleware;
mod site;

use std::sync::Arc;

use app::platform::config::Config;
use app::platform::db::{Db, DbError};
use app::platform::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use crate::downloads::{audit_csv, leaver_csv};
use crate::health::health;
use crate::middleware::{cache_policy, error_status, limit_body, origin_of, refuse_cross_site};
use crate::site::{build_hashes, check_site_files, drop_stale_twins, hash_file_beside_binary, static_files};

pub use crate::middleware::MAX_BODY_BYTES;
pub use crate::site::files_to_prefetch;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot serve HTTP: {0}")]
    Serve(#[from] std::io::Error),
}

/// Connects to the database and applies migrations; start-up stops on any failure.
pub async fn prepare_state(config: Config) -> Result<AppState, StartError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let leptos_options = LeptosOptions::builder()
        .output_name("practice-access")
        .site_root(config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .hash_files(hash_file_beside_binary())
        .build();
    check_site_files(&config.site_root, leptos_options.hash_files);
    let pkg = std::path::Path::new(&config.site_root).join("pkg");
    drop_stale_twins(&pkg);
    let (prefetch, build): (Arc<[String]>, Arc<str>) = if leptos_options.hash_files {
        let hashes = build_hashes();
        let build = hashes.get("wasm").cloned().unwrap_or_else(|| "dev".to_owned());
        (files_to_prefetch(&pkg, &hashes).into(), build.into())
    } else {
        (Arc::from([]), "dev".into())
    };
    Ok(AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        outbox: Default::default(),
        prefetch,
        build,
        in_flight: Default::default(),
    })
}

/// The complete router: health check, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let app_origin: Arc<str> = origin_of(&state.config.app_base_url).into();
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let server_fn_state = state.clone();
    Router::new()
        .route("/health", get(health))
        .route("/reports/leaver.csv", get(leaver_csv))
        .route("/reports/audit.csv", get(audit_csv))
        .route(
            "/api/{*fn_name}",
            axum::routing::post(move |req| {
                let state = server_fn_state.clone();
                leptos_axum::handle_server_fns_with_context(move || provide_context(state.clone()), req)
            }),
        )
        .leptos_routes_with_context(&state, routes, move || provide_context(context_state.clone()), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // The WASM, JS and CSS: brotli or gzip files made at build time when the browser
        // takes them (no per-request compression), revalidated by Last-Modified.
        .nest_service("/pkg", static_files(&format!("{}/pkg", state.config.site_root)))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Server functions are routed by `leptos_routes` (one route each), so the status
        // mapping wraps the whole router and acts only on server-function errors.
        .layer(axum::middleware::map_response(error_status))
        // Pages and server-function answers: compressed per request (brotli, then gzip, by
        // Accept-Encoding); responses already encoded (the static files above) pass as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::map_response(cache_policy))
        // No request body is read past this size (a CSV import of 4 MB, URL-encoded, is the
        // largest legitimate one); larger ones are answered 413 before any work.
        .layer(axum::middleware::from_fn(limit_body))
        // Outermost: a cross-site request is refused before anything else runs.
        .layer(axum::middleware::from_fn_with_state(app_origin, refuse_cross_site))
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn run(state: AppState, listener: TcpListener) -> Result<(), StartError> {
    tokio::spawn(app::platform::mail::worker::run_worker(
        state.db.clone(),
        state.config.clone(),
        state.outbox.clone(),
    ));
    tokio::spawn(app::partner::matrix::ssr::run_sweeper(
        state.db.clone(),
        state.config.clone(),
    ));
    tokio::spawn(app::partner::access_requests::ssr::run_sweeper(state.db.clone()));
    // Connect info gives server functions the caller's address for sign-in throttling.
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
