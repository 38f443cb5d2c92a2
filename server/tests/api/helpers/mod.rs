//! `spawn_app()`: a real server on a free port with a database of its own.

use app::platform::config::Config;
use app::platform::db::{Backend, Db};
use rand::Rng;
use rand::distributions::Alphanumeric;
use reqwest::StatusCode;
use serde_json::Value;

use crate::smtp_sink::SmtpSink;

mod calls;
mod seed;
mod util;

pub use calls::*;
pub use seed::*;
pub use util::*;

/// Runs each named `async fn name(app: TestApp)` of the calling module on both backends,
/// as `<module>::sqlite::<name>` and `<module>::postgres::<name>`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::platform::db::Backend::Sqlite).await;
                    $crate::helpers::bounded(super::$name(&app)).await;
                    app.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::platform::db::Backend::Postgres).await;
                    $crate::helpers::bounded(super::$name(&app)).await;
                    app.cleanup().await;
                }
            )*
        }
    };
}

/// Like `on_both_backends!`, for apps started with `SMTP_URL` = `$smtp` (an
/// `Option<String>`; `None` keeps mail in the outbox), in a module of its own.
#[macro_export]
macro_rules! on_both_backends_with_smtp {
    ($module:ident, $smtp:expr; $($name:ident),* $(,)?) => {
        mod $module {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let app = $crate::helpers::spawn_app_with(app::platform::db::Backend::Sqlite, $smtp, None).await;
                        $crate::helpers::bounded(super::super::$name(&app)).await;
                        app.cleanup().await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let app = $crate::helpers::spawn_app_with(app::platform::db::Backend::Postgres, $smtp, None).await;
                        $crate::helpers::bounded(super::super::$name(&app)).await;
                        app.cleanup().await;
                    }
                )*
            }
        }
    };
}

/// A request the server has not answered in this long fails its test instead of hanging
/// the whole suite (and CI with it).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs one test's body, failing it if it takes longer than any test should.
pub async fn bounded(test: impl std::future::Future<Output = ()>) {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(300);
    if tokio::time::timeout(LIMIT, test).await.is_err() {
        panic!("the test did not finish in {} s", LIMIT.as_secs());
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: Db,
    pub http: reqwest::Client,
    /// The SMTP server this app sends to (`None` when started without SMTP).
    pub smtp: Option<SmtpSink>,
    /// The database this app (and any second server of it) uses.
    pub database_url: String,
    scratch: Scratch,
    /// The app's `SECRET_KEY` (a second server of it needs the same).
    secret_key: String,
}

enum Scratch {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn random_suffix() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect::<String>()
        .to_lowercase()
}

/// The server PostgreSQL tests create their databases on (CI: trust auth on 127.0.0.1).
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    spawn_app_with(backend, Some(url), Some(sink)).await
}

/// Starts the app with `smtp_url` (None: keep mail in the outbox).
pub async fn spawn_app_with(backend: Backend, smtp_url: Option<String>, smtp: Option<SmtpSink>) -> TestApp {
    spawn_app_configured(backend, smtp_url, smtp, &[]).await
}

/// Starts the app with `smtp_url` and further settings (`APP_BASE_URL`, …).
pub async fn spawn_app_configured(
    backend: Backend,
    smtp_url: Option<String>,
    smtp: Option<SmtpSink>,
    settings: &[(&str, &str)],
) -> TestApp {
    // Server-side errors (a 500's cause) show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
        .with_test_writer()
        .try_init();
    let (database_url, scratch) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (
                format!("sqlite://{}/test.db", dir.path().display()),
                Scratch::Sqlite(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("pa_test_{}", random_suffix());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin_url}/postgres"))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {admin_url} (set TEST_POSTGRES_URL): {e}"));
            sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
                .execute(&mut conn)
                .await
                .expect("create test database");
            (format!("{admin_url}/{name}"), Scratch::Postgres { admin_url, name })
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let bound = listener.local_addr().expect("addr").to_string();
    // Each app its own key, as each deployment has: nothing secret is in the repository.
    let secret_key = hex::encode(rand::random::<[u8; 32]>());
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "SITE_ADDR" => Some(bound.clone()),
        "LOG_LEVEL" => Some("warn".to_owned()),
        "SMTP_URL" => smtp_url.clone(),
        // A setting given as "" is unset (as an empty environment variable is).
        other => match settings.iter().find(|(k, _)| *k == other) {
            Some((_, v)) => (!v.is_empty()).then(|| (*v).to_owned()),
            None => (other == "SECRET_KEY").then(|| secret_key.clone()),
        },
    })
    .expect("test config");
    let state = server::prepare_state(config).await.expect("server state");
    let db = state.db.clone();
    let address = format!("http://{bound}");
    tokio::spawn(server::run(state, listener));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("http client");
    TestApp {
        address,
        database_url: database_url.clone(),
        db,
        http,
        smtp,
        scratch,
        secret_key,
    }
}

impl TestApp {
    /// Starts another app server on this app's database (as several stateless servers
    /// behind a load balancer would run) and returns its address.
    pub async fn second_server(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let bound = listener.local_addr().expect("addr").to_string();
        let config = Config::from_lookup(|key| match key {
            "DATABASE_URL" => Some(self.database_url.clone()),
            "SITE_ADDR" => Some(bound.clone()),
            "LOG_LEVEL" => Some("warn".to_owned()),
            "SECRET_KEY" => Some(self.secret_key.clone()),
            _ => None,
        })
        .expect("test config");
        let state = server::prepare_state(config).await.expect("server state");
        tokio::spawn(server::run(state, listener));
        format!("http://{bound}")
    }

    /// Drops the PostgreSQL database (SQLite's folder goes with the TempDir).
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Scratch::Postgres { admin_url, name } = &self.scratch
            && let Ok(mut conn) =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin_url}/postgres")).await
        {
            let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut conn)
                .await;
        }
    }
}
