//! Small tools: a page asked for again, tokens read out of links, futures run together,
//! waiting until a request waits for a lock.

use super::*;

/// A GET of a page, asked again if it does not answer within 20 s (at most three times).
///
/// Rarely (a few times in a thousand page loads on this 2-core machine) a server-rendered
/// page never finishes: Leptos 0.8's resources have a lost-wake race between the task that
/// loads a resource and the render that awaits it (leptos-rs/leptos#4647; fixed upstream
/// in 0.9.0-beta by 22be2a689, not released for 0.8). The product bug is known and written
/// down (README, *Known limits*); a GET changes nothing, so asking again is what a user's
/// reload does, and the tests stay about behaviour. A page that never answers three times
/// still fails the test.
pub async fn get_page(http: &reqwest::Client, url: &str) -> reqwest::Response {
    const ATTEMPT: std::time::Duration = std::time::Duration::from_secs(20);
    for attempt in 1..=3 {
        match http.get(url).timeout(ATTEMPT).send().await {
            Ok(answer) => return answer,
            Err(e) if e.is_timeout() && attempt < 3 => {
                eprintln!("GET {url}: no answer within {ATTEMPT:?} (attempt {attempt}); asking again");
            }
            Err(e) => panic!("GET {url}: {e}"),
        }
    }
    unreachable!()
}

/// A page's HTML as a reader sees it: without the comments Leptos marks its views' branches
/// with (`<!--bo-…-->`, `<!>`: the islands router diffs pages by them).
pub fn without_markers(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let comment = rest.find("<!--");
        let empty = rest.find("<!>");
        let (at, len) = match (comment, empty) {
            (None, None) => break,
            (Some(c), e) if e.is_none_or(|e| c < e) => (c, rest[c..].find("-->").map_or(rest.len() - c, |e| e + 3)),
            (_, Some(e)) => (e, 3),
            (Some(_), None) => unreachable!("taken by the arm above"),
        };
        out.push_str(&rest[..at]);
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

/// The invitation token from an email body.
pub fn invitation_token(body: &str) -> String {
    link_token(body, "/invite/")
}

/// The token after the first `path` (`/invite/`, `/signup/confirm/`) in `text`.
pub fn link_token(text: &str, path: &str) -> String {
    let start = text.find(path).unwrap_or_else(|| panic!("no {path} link in {text}")) + path.len();
    let token: String = text[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(token.len(), 64, "token in {text}");
    token
}

/// Polls all `futures` concurrently on this task (so the requests overlap) and collects them.
pub async fn join_all<F: std::future::Future<Output = T>, T>(futures: Vec<F>) -> Vec<T> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<T>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(results.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(results.iter_mut().map(|r| r.take().unwrap()).collect())
        }
    })
    .await
}

/// Waits until a request to the server is waiting for a row lock on PostgreSQL (or has
/// answered: then it did not wait, which the caller's assertions catch).
pub async fn until_waiting_for_a_lock<T>(app: &TestApp, request: &tokio::task::JoinHandle<T>) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        if waiting > 0 || request.is_finished() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the request neither waited for the lock nor answered");
}
