#![recursion_limit = "256"]
//! The HTTP server: wires configuration, the database and the Leptos app into axum.
//! `main.rs` only reads the configuration and calls [`run`]; integration tests call it too.

use std::sync::Arc;

use app::platform::config::Config;
use app::platform::db::{Db, DbError};
use app::platform::error::AppError;
use app::platform::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

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
        .build();
    Ok(AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        outbox: Default::default(),
    })
}

/// The complete router: health check, server functions, pages and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let server_fn_state = state.clone();
    Router::new()
        .route("/health", get(health))
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
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Server functions are routed by `leptos_routes` (one route each), so the status
        // mapping wraps the whole router and acts only on server-function errors.
        .layer(axum::middleware::map_response(error_status))
        .with_state(state)
}

/// Server functions answer every error with 500. An expected outcome (`AppError`: not
/// signed in, forbidden, invalid input, conflict, rate limited) gets its own status here,
/// in one place, so no endpoint can forget it and scripts can rely on the status alone.
async fn error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes of JSON; anything larger is not ours to read.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Serves until the process is stopped.
pub async fn run(state: AppState, listener: TcpListener) -> Result<(), StartError> {
    tokio::spawn(app::platform::email::run_worker(
        state.db.clone(),
        state.config.clone(),
        state.outbox.clone(),
    ));
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

/// Liveness and readiness: answers 200 only when the database answers.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.schema_version().await {
        Ok(version) => (
            StatusCode::OK,
            Json(
                serde_json::json!({ "status": "ok", "database": state.db.backend().name(), "schema_version": version }),
            ),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
        }
    }
}
