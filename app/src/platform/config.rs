//! Typed configuration, read once from the environment at start-up.
//!
//! Every setting has one home here; nothing else reads environment variables. Secrets
//! (database and SMTP credentials) are redacted in `Debug` so the config can be logged.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Where the embedded default keeps its data when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/app.db";

#[derive(Clone)]
pub struct Config {
    /// `sqlite://path` or `postgres://user@host/db`.
    pub database_url: String,
    /// The address the HTTP server binds to.
    pub site_addr: SocketAddr,
    /// Public base URL used to build links in emails (no trailing slash).
    pub app_base_url: String,
    /// `smtp://host:port` or `smtps://user:pass@host:465`; `None` keeps mail in the outbox.
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    pub mail_from: String,
    /// A `tracing_subscriber::EnvFilter` directive, e.g. `info` or `app=debug,info`.
    pub log_level: String,
    /// Where cargo-leptos put the compiled site (WASM, JS, CSS, assets).
    pub site_root: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed. A request from any other peer
    /// is keyed (for throttling) by the peer address itself, so a client cannot choose its
    /// own address by sending the header.
    pub trusted_proxies: Vec<IpAddr>,
    /// New practices one address may sign up in an hour.
    pub sign_ups_per_hour: i64,
    /// Seals stored secrets (two-step sign-in keys): `SECRET_KEY`, 64 hex digits. Without
    /// it two-step sign-in cannot be turned on (and logins that have it cannot finish
    /// signing in), so every deployment sets one and keeps it.
    pub secret_key: Option<crate::platform::secret_box::SecretKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads the configuration through `lookup`, so tests need not touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let site_addr_text = lookup("SITE_ADDR")
            .or_else(|| lookup("LEPTOS_SITE_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let site_addr: SocketAddr = site_addr_text.parse().map_err(|e| ConfigError::Invalid {
            name: "SITE_ADDR",
            reason: format!("{site_addr_text:?}: {e}"),
        })?;

        let database_url = lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: "must start with sqlite:, postgres:// or postgresql://".to_owned(),
            });
        }

        let app_base_url = lookup("APP_BASE_URL")
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(app_base_url.starts_with("http://") || app_base_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "APP_BASE_URL",
                reason: "must start with http:// or https://".to_owned(),
            });
        }

        let smtp_url = lookup("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError::Invalid {
                name: "SMTP_URL",
                reason: "must start with smtp:// or smtps://".to_owned(),
            });
        }

        let trusted_proxies = match lookup("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<IpAddr>().map_err(|e| ConfigError::Invalid {
                        name: "TRUSTED_PROXIES",
                        reason: format!("{s:?}: {e} (a comma-separated list of IP addresses)"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let sign_ups_per_hour = match lookup("SIGN_UPS_PER_HOUR") {
            None => 10,
            Some(n) => n
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "SIGN_UPS_PER_HOUR",
                    reason: format!("{n:?} is not a positive whole number"),
                })?,
        };

        let secret_key = match lookup("SECRET_KEY") {
            None => None,
            Some(text) => Some(
                crate::platform::secret_box::SecretKey::parse_hex(&text).map_err(|reason| ConfigError::Invalid {
                    name: "SECRET_KEY",
                    reason,
                })?,
            ),
        };

        Ok(Self {
            secret_key,
            trusted_proxies,
            sign_ups_per_hour,
            database_url,
            site_addr,
            app_base_url,
            smtp_url,
            mail_from: lookup("MAIL_FROM").unwrap_or_else(|| "Practice Access <no-reply@localhost>".to_owned()),
            log_level: lookup("LOG_LEVEL")
                .or_else(|| lookup("RUST_LOG"))
                .unwrap_or_else(|| "info".to_owned()),
            site_root: lookup("LEPTOS_SITE_ROOT").unwrap_or_else(default_site_root),
        })
    }

    /// True when links we hand out are https, so cookies must be `Secure`.
    pub fn serves_https(&self) -> bool {
        self.app_base_url.starts_with("https://")
    }

    /// True when users reach this server on this machine only (`APP_BASE_URL` is
    /// localhost or a loopback address): local use, where sign-up may skip the email.
    pub fn is_local(&self) -> bool {
        let host = self
            .app_base_url
            .split_once("://")
            .map_or(self.app_base_url.as_str(), |(_, rest)| rest);
        let host = host.split('/').next().unwrap_or(host);
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h),
        };
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// Replaces the password part of `scheme://user:password@host` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("site_addr", &self.site_addr)
            .field("app_base_url", &self.app_base_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("log_level", &self.log_level)
            .field("site_root", &self.site_root)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("sign_ups_per_hour", &self.sign_ups_per_hour)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

/// The compiled site when `LEPTOS_SITE_ROOT` is unset: `site/` beside the executable (a
/// `make dist` folder, started from anywhere), else `target/site` (a source checkout).
fn default_site_root() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("site")))
        .filter(|site| site.join("pkg").is_dir())
        .map(|site| site.display().to_string())
        .unwrap_or_else(|| "target/site".to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_base_urls_are_local() {
        let local = |url: &str| {
            super::Config::from_lookup(|k| (k == "APP_BASE_URL").then(|| url.to_owned()))
                .unwrap()
                .is_local()
        };
        assert!(local("http://127.0.0.1:3000"));
        assert!(local("http://localhost:3000/"));
        assert!(local("http://[::1]:3000"));
        assert!(!local("https://practice.example"));
        assert!(!local("http://10.0.0.5:3000"));
        assert!(!local("http://localhost.evil.example"));
    }

    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_the_embedded_sqlite_database_on_port_3000() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.app_base_url, "http://127.0.0.1:3000");
        assert!(c.smtp_url.is_none());
    }

    #[test]
    fn rejects_a_database_url_of_an_unknown_kind() {
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
    }

    #[test]
    fn rejects_an_smtp_url_without_an_smtp_scheme() {
        assert!(config(&[("SMTP_URL", "http://mail")]).is_err());
        assert!(config(&[("SMTP_URL", "smtp://127.0.0.1:2525")]).is_ok());
    }

    #[test]
    fn debug_output_hides_passwords() {
        let c = config(&[
            ("DATABASE_URL", "postgres://app:hunter2@db/app"),
            ("SMTP_URL", "smtps://mailer:s3cret@mail:465"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://app:***@db/app"));
        let key = "ab".repeat(32);
        let shown = format!("{:?}", config(&[("SECRET_KEY", &key)]).unwrap());
        assert!(!shown.contains(&key) && shown.contains("SecretKey(***)"), "{shown}");
        assert!(config(&[("SECRET_KEY", "short")]).is_err());
    }

    #[test]
    fn trusted_proxies_are_a_list_of_addresses() {
        let c = config(&[("TRUSTED_PROXIES", "10.0.0.1, ::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(config(&[]).unwrap().trusted_proxies.is_empty());
        assert!(config(&[("TRUSTED_PROXIES", "proxy.local")]).is_err());
        assert!(config(&[("SIGN_UPS_PER_HOUR", "0")]).is_err());
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        let c = config(&[("APP_BASE_URL", "https://access.example.com/")]).unwrap();
        assert_eq!(c.app_base_url, "https://access.example.com");
        assert!(c.serves_https());
    }
}
