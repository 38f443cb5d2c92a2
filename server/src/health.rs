//! Liveness and readiness.

use app::platform::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};

/// Liveness and readiness: answers 200 only when the database answers.
pub(crate) async fn health(State(state): State<AppState>) -> impl IntoResponse {
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
