//! What a plain form post that went through did ("Invitation sent."), said once on the
//! page the browser returns to, and the return itself: only ever to a page of this site.

use cookie::SameSite;

use super::kept::{KEPT_BYTES, KEPT_SECS, owner};
use crate::platform::http::cookies::{named_cookie, write_cookie};
use crate::platform::http::request::{is_plain_form_post, request_parts, serves_https};

/// What a server function that went through says on the page a plain form post returns
/// to, and which of the address's parameters go (the panel the form was opened in,
/// `?open=invite` or `?edit=7`, closes). A value: [`super::reply`] applies it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Notice {
    text: Option<String>,
    close: &'static [&'static str],
}

impl Notice {
    /// Says `text` once on the page.
    pub fn say(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            close: &[],
        }
    }

    /// Says nothing: the page itself shows the change.
    pub fn quiet() -> Self {
        Self::default()
    }

    /// Drops these parameters from the address the browser returns to.
    pub fn closing(self, close: &'static [&'static str]) -> Self {
        Self { close, ..self }
    }

    /// For a plain form post (a browser without the WASM): keeps the text for the page it
    /// returns to ([`take_notice`]) and sends the browser back there. Nothing for the
    /// WASM's requests, which show the answer themselves.
    pub(super) fn apply(self) {
        if !is_plain_form_post() {
            return;
        }
        let referer = request_parts().and_then(|p| {
            p.headers
                .get(http::header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        // Only ever back to a page of this site (the framework would follow any Referer).
        let back = referer
            .as_deref()
            .and_then(|r| same_site_return(r, self.close))
            .unwrap_or_else(|| "/".to_owned());
        if let Some(text) = self.text {
            // For that page only (not another page, not a server function's own call), for
            // this session (not the next person to sign in on a shared browser within the
            // five minutes), and cut to fit rather than lost.
            let path = back.split('?').next().unwrap_or("/");
            let kept = format!(
                "{}\0{path}\0{}",
                owner(),
                cut(&text, KEPT_BYTES - path.len().min(KEPT_BYTES))
            );
            let secure = serves_https();
            write_cookie(
                notice_cookie(secure),
                &hex::encode(kept),
                KEPT_SECS,
                secure,
                SameSite::Strict,
            );
        }
        leptos_axum::redirect(&back);
    }
}

/// The cookie that carries a notice: five minutes, HttpOnly, SameSite=Strict.
fn notice_cookie(secure: bool) -> &'static str {
    if secure { "__Host-pa_notice" } else { "pa_notice" }
}

/// The path and query of `referer` without the parameters named in `close` (and without
/// an earlier failure's `__path`/`__err`), to redirect to: only a path on this site, never
/// another host (`//evil.example` is refused).
pub fn same_site_return(referer: &str, close: &[&str]) -> Option<String> {
    let uri: http::Uri = referer.parse().ok()?;
    let path = uri.path();
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return None;
    }
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !close.contains(&key) && key != "__path" && key != "__err"
        })
        .collect();
    Some(if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    })
}

/// At most `max` bytes of `text`, cut at a character boundary and marked with "…".
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The notice kept for this request, if it is the browser loading the page it was kept
/// for, in the session that kept it (a page's own server-side rendering: not another page,
/// not the WASM's calls, not a script reading the page again); the cookie is then cleared,
/// so it is shown once.
pub fn take_notice() -> Option<String> {
    let secure = serves_https();
    let value = named_cookie(notice_cookie(secure))?;
    let parts = request_parts()?;
    // A page read by a script is not the page being shown; a page the islands router
    // fetches to show is.
    let dest = parts.headers.get("sec-fetch-dest").and_then(|v| v.to_str().ok());
    if dest.is_some_and(|d| d != "document") && !crate::platform::http::request::is_router_navigation() {
        return None;
    }
    let text = String::from_utf8(hex::decode(value).ok()?).ok()?;
    let (kept_by, rest) = text.split_once('\0')?;
    let (path, notice) = rest.split_once('\0')?;
    if parts.uri.path() != path || kept_by != owner() {
        return None;
    }
    write_cookie(notice_cookie(secure), "", 0, secure, SameSite::Strict);
    Some(notice.to_owned())
}

#[cfg(test)]
mod tests {
    use super::same_site_return;

    #[test]
    fn a_plain_form_post_returns_to_a_path_of_this_site_without_the_closed_panel() {
        let back = |r: &str| same_site_return(r, &["open", "edit"]);
        assert_eq!(
            back("http://127.0.0.1:3000/manage-users?q=ann&open=invite&page=2").as_deref(),
            Some("/manage-users?q=ann&page=2")
        );
        assert_eq!(
            back("https://x.example/partner/clients?edit=7").as_deref(),
            Some("/partner/clients")
        );
        // An earlier failure's error, carried in the address, goes too.
        assert_eq!(
            back("/manage-users?open=invite&__path=%2Fapi%2Finvite_user&__err=x").as_deref(),
            Some("/manage-users")
        );
        // Only ever a path on this site: another host's address becomes a path here; what
        // a browser could read as another host (`//host`, `/\\host`) never comes back.
        assert_eq!(back("https://evil.example/phish").as_deref(), Some("/phish"));
        for tricky in [
            "//evil.example/phish",
            "/\\evil.example/phish",
            "///evil.example",
            "not a url at all",
            "",
        ] {
            let answer = back(tricky);
            assert!(
                answer
                    .as_deref()
                    .is_none_or(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\')),
                "{tricky:?} gave {answer:?}"
            );
        }
    }
}
