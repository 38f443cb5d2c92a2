//! Files a member downloads (the leaver report, the audit log as CSV): plain GET routes
//! with the same checks as every server function, recorded before they are sent.

use app::platform::error::AppError;
use app::platform::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

/// "Download leaver report": the leaver report of `?user=<id>` as a CSV file, for a member
/// with Manage users in the session's practice (the same checks as the page's server
/// function; a plain GET route because a download is a file, not a server function's JSON).
pub(crate) async fn leaver_csv(
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
pub(crate) async fn audit_csv(
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
