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
        .hash_files(hash_file_beside_binary())
        .build();
    check_site_files(&config.site_root, leptos_options.hash_files);
    let pkg = std::path::Path::new(&config.site_root).join("pkg");
    drop_stale_twins(&pkg);
    let prefetch = if leptos_options.hash_files {
        files_to_prefetch(&pkg, &build_hashes()).into()
    } else {
        Arc::from([])
    };
    Ok(AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        outbox: Default::default(),
        prefetch,
        in_flight: Default::default(),
    })
}

/// The content hashes of this binary's build (`hash.txt` beside it, written by
/// cargo-leptos): `js`, `wasm`, `css`, `manifest` and `split` to their hash.
fn build_hashes() -> std::collections::HashMap<String, String> {
    hash_file()
        .and_then(|file| std::fs::read_to_string(file).ok())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_owned(), hash.trim().to_owned()))
        .collect()
}

/// The WASM and JavaScript files of this build (by `hashes`, so files an earlier build
/// left in `pkg/` are never among them): the main module, the split loader, then every
/// chunk its manifest names (a lazy island's; none today). Only files that exist; compressed twins are left out
/// (the browser asks for the file and the server picks its twin).
pub fn files_to_prefetch(pkg: &std::path::Path, hashes: &std::collections::HashMap<String, String>) -> Vec<String> {
    let hash = |kind: &str| hashes.get(kind).filter(|h| has_content_hash(&format!("x.{h}.x")));
    let mut files = vec![];
    if let Some(h) = hash("js") {
        files.push(format!("practice-access.{h}.js"));
    }
    if let Some(h) = hash("wasm") {
        files.push(format!("practice-access.{h}.wasm"));
    }
    if let Some(h) = hash("split") {
        files.push(format!("__wasm_split.{h}.js"));
    }
    // {"<page>": ["chunk_6.<hash>", …, "split_<page>.<hash>"], …}
    let chunks: std::collections::BTreeSet<String> = hash("manifest")
        .and_then(|h| std::fs::read_to_string(pkg.join(format!("__wasm_split_manifest.{h}.json"))).ok())
        .and_then(|text| serde_json::from_str::<std::collections::HashMap<String, Vec<String>>>(&text).ok())
        .unwrap_or_default()
        .into_values()
        .flatten()
        .filter(|name| has_content_hash(name) && !name.contains(['/', '\\']))
        .map(|name| format!("{name}.wasm"))
        .collect();
    files.extend(chunks);
    files.retain(|name| pkg.join(name).is_file());
    files
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

/// Whether the release build named the site's files by their content: cargo-leptos
/// (`hash-files`) then writes `hash.txt` beside the server binary, and the pages must ask
/// for `practice-access.<hash>.wasm` and so on. A binary built by plain `cargo build`
/// without that file asks for the plain names.
fn hash_file_beside_binary() -> bool {
    hash_file().is_some_and(|file| file.is_file())
}

/// Where cargo-leptos writes `hash.txt`: beside the server binary.
fn hash_file() -> Option<std::path::PathBuf> {
    std::env::current_exe().ok()?.parent().map(|dir| dir.join("hash.txt"))
}

/// Warns at start-up when the site does not hold the files the pages will ask for (a
/// `hash.txt` from another build, or a site copied without its binary's): pages would
/// load without their WASM and never become interactive.
fn check_site_files(site_root: &str, hashed: bool) {
    let pkg = std::path::Path::new(site_root).join("pkg");
    let mut wanted = vec![];
    if hashed {
        for (ext, hash) in build_hashes() {
            if matches!(ext.as_str(), "js" | "wasm" | "css") {
                wanted.push(format!("practice-access.{hash}.{ext}"));
            }
        }
    } else {
        wanted.extend(["practice-access.js", "practice-access.wasm", "practice-access.css"].map(String::from));
    }
    let missing: Vec<_> = wanted.iter().filter(|f| !pkg.join(f).is_file()).collect();
    if !missing.is_empty() {
        tracing::warn!(
            site = %pkg.display(),
            ?missing,
            "the site lacks files the pages ask for: build it with scripts/build-release.sh and keep hash.txt beside the server"
        );
    }
}

/// Static files of the compiled site, served precompressed where a `.br` or `.gz` sits
/// beside them. A name that carries its content's hash (`practice-access.<hash>.wasm`)
/// never changes meaning, so browsers keep it for a year without asking; any other name
/// is kept but revalidated (`no-cache` with Last-Modified: a 304 costs a round trip).
fn static_files(dir: &str) -> axum::routing::MethodRouter {
    use tower_http::set_header::SetResponseHeaderLayer;
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    axum::routing::get_service(
        tower::ServiceBuilder::new()
            .layer(axum::middleware::from_fn(static_cache_control))
            // The body depends on Accept-Encoding: a shared cache must key on it.
            .layer(SetResponseHeaderLayer::appending(
                axum::http::header::VARY,
                axum::http::HeaderValue::from_static("accept-encoding"),
            ))
            .service(files),
    )
}

async fn static_cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let immutable = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    let value = if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        // A missing file may exist after the next deployment: nobody keeps the miss.
        "no-store"
    } else if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static(value),
    );
    response
}

/// Whether a file name holds a content hash as cargo-leptos writes it: a 22-character
/// URL-safe base64 MD5 between dots (`name.<hash>.wasm`) or after `__wasm_split.`.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('.').any(|part| {
        part.len() == 22
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && part.bytes().any(|b| b != b'_')
    })
}

/// Removes `.br` and `.gz` files older than the file they compress (a build without
/// `scripts/build-release.sh`, such as `cargo leptos watch`), so a stale twin is never
/// served in place of the current file.
fn drop_stale_twins(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let twin = entry.path();
        let Some(ext) = twin.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "br" && ext != "gz" {
            continue;
        }
        let source = twin.with_extension("");
        let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let stale = match (modified(&source), modified(&twin)) {
            (Some(source), Some(twin)) => twin < source,
            (None, _) => true,
            _ => false,
        };
        if stale {
            match std::fs::remove_file(&twin) {
                Ok(()) => tracing::info!(file = %twin.display(), "removed a compressed file older than its source"),
                Err(error) => {
                    tracing::warn!(file = %twin.display(), %error, "a compressed file is older than its source and cannot be removed; it will be served")
                }
            }
        }
    }
}

/// Pages are per user and change with every action: never stored by shared caches, and
/// always revalidated by the browser.
async fn cache_policy(mut response: Response) -> Response {
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
fn origin_of(base_url: &str) -> String {
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
async fn refuse_cross_site(
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
async fn limit_body(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
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

/// "Download leaver report": the leaver report of `?user=<id>` as a CSV file, for a member
/// with Manage users in the session's practice (the same checks as the page's server
/// function; a plain GET route because a download is a file, not a server function's JSON).
async fn leaver_csv(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    use app::practice::offboarding::ssr::{record_download, report, report_csv};
    let answer = async {
        let actor = download_actor(&state, &headers).await?;
        let user_id: i64 = query
            .get("user")
            .and_then(|u| u.parse().ok())
            .ok_or_else(|| AppError::invalid("user", "Choose a member."))?;
        let rep = report(&actor, user_id).await?;
        record_download(&actor, &rep).await?;
        Ok::<_, AppError>((rep.email.clone(), report_csv(&rep)))
    };
    match answer.await {
        Ok((email, csv)) => {
            let file = format!(
                "leaver-report-{}.csv",
                email
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' })
                    .collect::<String>()
            );
            (
                [
                    (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                    (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                csv,
            )
                .into_response()
        }
        Err(e) => download_error(e),
    }
}

/// A download's refusal: its status, its Retry-After when waiting helps, and its message
/// as plain text (a browser shows it in place of the file).
fn download_error(e: AppError) -> Response {
    let mut response = (e.status(), e.to_string()).into_response();
    if let Some(secs) = e.retry_after_secs() {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
    response
}

/// The member behind a download request: signed in, with Manage users in the session's
/// practice (the checks every server function makes). A download another site starts is
/// refused: it could not read the file, but it has no business starting one.
async fn download_actor(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<app::access::actor::PracticeActor, AppError> {
    use app::identity::session;
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site")
    {
        return Err(AppError::Forbidden);
    }
    let cookies = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let session = session::from_cookie_header(state, &cookies)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    app::access::guard::practice_actor(
        state.clone(),
        session,
        Some(app::domain::permissions::Permission::ManageUsers),
    )
    .await
}

/// "Export CSV" on the audit log: every event matching the page's filters (the same
/// query parameters), streamed a chunk at a time so a long history never sits in memory.
async fn audit_csv(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    use app::practice::audit_log::AuditQuery;
    use app::practice::audit_log::ssr::{Filters, csv_chunk, csv_header, record_download};
    use futures_util::StreamExt as _;
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let q = AuditQuery {
        search: get("q"),
        staff: get("staff"),
        client: get("client"),
        action: get("action"),
        from: get("from"),
        to: get("to"),
    };
    let start = async {
        let actor = download_actor(&state, &headers).await?;
        let filters = Filters::parse(&q)?;
        let recorded = record_download(&actor, &q, &filters).await?;
        Ok::<_, AppError>((actor, filters, recorded))
    };
    let (actor, filters, recorded) = match start.await {
        Ok(found) => found,
        Err(e) => return download_error(e),
    };
    enum Step {
        Header,
        Chunk(i64),
        Done,
    }
    let body = futures_util::stream::unfold(Step::Header, move |step| {
        let (actor, filters) = (actor.clone(), filters.clone());
        async move {
            match step {
                Step::Header => Some((Ok::<_, std::io::Error>(csv_header()), Step::Chunk(recorded))),
                Step::Chunk(before) => match csv_chunk(&actor, &filters, before).await {
                    Ok((rows, Some(next))) => Some((Ok(rows), Step::Chunk(next))),
                    Ok((rows, None)) => Some((Ok(rows), Step::Done)),
                    Err(e) => {
                        tracing::error!(error = %e, "audit export stopped");
                        Some((Err(std::io::Error::other("audit export stopped")), Step::Done))
                    }
                },
                Step::Done => None,
            }
        }
    });
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        // Fused: the compression layer may poll once more after the end, and a bare unfold
        // panics then (the connection was reset mid-download for brotli and gzip).
        Body::from_stream(body.fuse()),
    )
        .into_response()
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

#[cfg(test)]
mod tests {
    use super::files_to_prefetch;

    #[test]
    fn only_this_builds_wasm_and_javascript_is_prefetched_main_module_first() {
        let dir = tempfile::tempdir().unwrap();
        let (main, split, manifest, chunk, page, old) = (
            "IlJbLSex_pdt-bAqj3tp4A",
            "iS0yIH10VSyQiM-9NVwycw",
            "HXoym_sj0hBsdQXKIaPaag",
            "XVPpKTvQvLeIwaTuWovg3g",
            "VDOhMlzxiljmrXdljzMwdg",
            "5ts322CGRsJevM8qX_iMKw",
        );
        for name in [
            format!("practice-access.{main}.wasm"),
            format!("practice-access.{main}.js"),
            format!("practice-access.{main}.css"),
            format!("__wasm_split.{split}.js"),
            format!("chunk_6.{chunk}.wasm"),
            format!("chunk_6.{chunk}.wasm.br"),
            format!("split_account_view_1.{page}.wasm"),
            // An earlier build's files, left behind by a deployment that copies over.
            format!("practice-access.{old}.wasm"),
            format!("chunk_7.{old}.wasm"),
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::write(
            dir.path().join(format!("__wasm_split_manifest.{manifest}.json")),
            format!(
                r#"{{"account_view_1":["chunk_6.{chunk}","split_account_view_1.{page}"],"matrix_view_2":["chunk_6.{chunk}","chunk_9.{chunk}","../secret"]}}"#
            ),
        )
        .unwrap();
        let hashes = [
            ("js", main),
            ("wasm", main),
            ("css", main),
            ("split", split),
            ("manifest", manifest),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        assert_eq!(
            files_to_prefetch(dir.path(), &hashes),
            vec![
                format!("practice-access.{main}.js"),
                format!("practice-access.{main}.wasm"),
                format!("__wasm_split.{split}.js"),
                format!("chunk_6.{chunk}.wasm"),
                format!("split_account_view_1.{page}.wasm"),
            ],
            "chunk_9 is named but missing; the earlier build's files are not this build's"
        );
        assert!(files_to_prefetch(dir.path(), &Default::default()).is_empty());
    }
}
