//! The layers every answer passes through: cross-site requests refused first, bodies
//! capped, error statuses mapped from `AppError`, caching and security headers.

use std::sync::Arc;

use app::platform::error::AppError;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};

/// Pages are per user and change with every action: never stored by shared caches, and
/// always revalidated by the browser.
pub(crate) async fn cache_policy(mut response: Response) -> Response {
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !response.headers().contains_key(CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache, private"));
    }
    use axum::http::{HeaderValue, header};
    for (name, value) in [
        // Links out of the app never carry its addresses (a sign-up or invitation link
        // holds a token in its path).
        (header::REFERRER_POLICY, "same-origin"),
        // No other site may show these pages in a frame (a click on a tick must be the
        // admin's own, not one drawn over by a page that frames the matrix): the header
        // every browser knows and its CSP successor.
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        // A file is what its type says.
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        response.headers_mut().insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Server functions answer every error with 500. An expected outcome (`AppError`: not
/// signed in, forbidden, invalid input, conflict, rate limited) gets its own status here,
/// in one place, so no endpoint can forget it and scripts can rely on the status alone.
pub(crate) async fn error_status(response: Response) -> Response {
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
        if let Some(secs) = error.retry_after_secs() {
            parts
                .headers
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// `scheme://host[:port]` of a base URL: what browsers send as `Origin`.
pub(crate) fn origin_of(base_url: &str) -> String {
    match base_url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
        None => base_url.to_owned(),
    }
}

/// Refuses a state-changing request that a browser sent from another site (cross-site
/// request forgery), before any work is done. Browsers say where a request comes from:
/// `Sec-Fetch-Site` (current ones; trusted when present) or `Origin`, which must then be
/// `APP_BASE_URL`'s. A request with neither header does not come from a web page (a script,
/// curl) and so cannot ride on a victim's cookies. Same-site forms without JavaScript carry
/// `Sec-Fetch-Site: same-origin` and pass.
pub(crate) async fn refuse_cross_site(
    State(app_origin): State<Arc<str>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // Read into owned values: a borrow of the request must not live across an await (the
    // body is not Sync, so the future would not be Send).
    let (site, origin) = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        (header("sec-fetch-site"), header("origin"))
    };
    let allowed = match (site, &origin) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => origin.as_str() == &*app_origin,
        (None, None) => true,
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), ?origin, "refused a cross-site request");
    (StatusCode::FORBIDDEN, Json(AppError::CrossSite)).into_response()
}

/// Refuses a body larger than [`MAX_BODY_BYTES`]: by its declared length before it is read
/// (413), and otherwise by cutting the reading off at the limit (the server function then
/// fails to read its arguments: a 4xx). Server functions read bodies whole, so without
/// this one request could fill the memory.
pub(crate) async fn limit_body(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, Json(AppError::TooLarge)).into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES));
    next.run(axum::extract::Request::from_parts(parts, limited)).await
}
