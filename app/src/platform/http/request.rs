//! The request being answered, as server functions and pages see it through Leptos's
//! context: its parts, the app state, what kind of request it is, and who sent it.

use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;

use crate::platform::error::AppError;
use crate::platform::state::AppState;

/// The request's method, address and headers (none outside a request).
pub fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The app's state (pool, configuration), given to every request as context.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

/// Whether the app is served over https (its cookies are then Secure and `__Host-`).
pub fn serves_https() -> bool {
    use_context::<AppState>().is_some_and(|s| s.config.serves_https())
}

/// Whether this request is the islands router fetching a page to patch into the document
/// the browser shows (a link, a GET form or a form's post followed: `Islands-Router`).
pub fn is_router_navigation() -> bool {
    request_parts().is_some_and(|p| p.headers.contains_key("islands-router"))
}

/// Whether this request is a browser's plain form post (without the WASM it asks for HTML;
/// the WASM asks for JSON). Its answer is a redirect back to the form's page.
pub fn is_plain_form_post() -> bool {
    request_parts().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// The caller's address, for per-address throttling: the peer, or, when the peer is one
/// of `TRUSTED_PROXIES`, the last address in `X-Forwarded-For` that is not a trusted proxy
/// (the entries before it were written by the client and prove nothing).
pub fn client_ip() -> String {
    let Some(parts) = request_parts() else {
        return "unknown".to_owned();
    };
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
    else {
        return "unknown".to_owned();
    };
    let trusted = use_context::<AppState>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    // Lossy: one non-ASCII byte a client wrote must not make the whole line (with the
    // proxy's own entry for the real address) unreadable.
    let lines: Vec<String> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    address_key_of(forwarded_client(peer, &trusted, lines.iter().map(String::as_str)))
}

/// The throttling key of an address: IPv4 as it is, IPv6 by its /64 (one subscriber
/// usually holds a whole /64 and could otherwise rotate through it).
fn address_key_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The client behind `peer`: walks `X-Forwarded-For` from the right while the hop is trusted.
fn forwarded_client<'a>(
    peer: std::net::IpAddr,
    trusted: &[std::net::IpAddr],
    headers: impl Iterator<Item = &'a str>,
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers.flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // An entry that is not an address was not written by a proxy of ours: the last
        // hop we could read stands.
        let Ok(hop) = hop.parse::<std::net::IpAddr>().map(|ip| ip.to_canonical()) else {
            break;
        };
        client = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::forwarded_client;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        // A client talking to us directly cannot pick its address with the header.
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), &[proxy], ["1.2.3.4"].into_iter()),
            ip("203.0.113.9")
        );
        // Behind the proxy: the last hop the proxy saw, not what the client wrote before it.
        assert_eq!(
            forwarded_client(proxy, &[proxy], ["6.6.6.6, 198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            forwarded_client(proxy, &[proxy, ip("10.0.0.2")], ["198.51.100.7, 10.0.0.2"].into_iter()),
            ip("198.51.100.7")
        );
        // A trusted proxy that forwards nothing: the proxy itself.
        assert_eq!(forwarded_client(proxy, &[proxy], std::iter::empty()), proxy);
        // Garbage a client wrote left of the proxy's entry does not hide the real address.
        assert_eq!(
            forwarded_client(proxy, &[proxy], ["\u{e9}garbage, 198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ipv6_addresses_are_keyed_by_their_64() {
        assert_eq!(super::address_key_of(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(super::address_key_of(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(super::address_key_of(ip("203.0.113.9")), "203.0.113.9");
    }
}
