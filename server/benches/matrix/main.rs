//! Matrix benchmark: a practice with 10,000 clients and 200 staff, served by the real
//! server, timed over HTTP as a browser would call it. Prints numbers; asserts nothing.
//!
//!     make bench            (SQLite, and PostgreSQL when TEST_POSTGRES_URL answers)
//!     BENCH_CLIENTS=50000 make bench
//!     BENCH_BACKENDS=postgres make bench-server     (one backend only: sqlite or postgres)

mod load;
use load::{load, load_floor};
mod servers;
mod timings;
use timings::bench;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::platform::config::Config;

struct Target {
    name: &'static str,
    database_url: String,
    cleanup: Option<(String, String)>,
}

async fn call(http: &reqwest::Client, base: &str, name: &str, form: &[(&str, String)]) -> serde_json::Value {
    let response = http
        .post(format!("{base}/api/{name}"))
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    assert!(status.is_success(), "{name}: {status} {body}");
    body
}

/// Runs `f` `n` times and returns the median duration.
async fn median<F, Fut>(n: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[n / 2]
}

/// A server of the database at `url`, ready to run on a port of its own: its listener,
/// address and state (migrated; started with `server::run`).
async fn prepared_server(url: &str) -> (tokio::net::TcpListener, String, app::platform::state::AppState) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let config = Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.to_owned()),
        "SITE_ADDR" => Some(addr.clone()),
        "LOG_LEVEL" => Some("error".into()),
        _ => None,
    })
    .unwrap();
    let state = server::prepare_state(config).await.expect("server state");
    (listener, addr, state)
}

fn ms(d: Duration) -> String {
    format!("{:>9.1} ms", d.as_secs_f64() * 1000.0)
}

/// `BENCH_LOAD_CLIENTS` (32) and `BENCH_LOAD_SECS` (20).
fn load_size() -> (i64, u64) {
    let workers = std::env::var("BENCH_LOAD_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let secs = std::env::var("BENCH_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    (workers, secs)
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let clients: usize = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    if backends.contains("sqlite") {
        bench(
            Target {
                name: "SQLite",
                database_url: "sqlite://{dir}/bench.db".into(),
                cleanup: None,
            },
            clients,
        )
        .await;
    }
    if !backends.contains("postgres") {
        return;
    }

    let admin = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("pa_bench_{}", std::process::id());
    match <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin}/postgres")).await {
        Ok(mut c) => {
            sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
                .execute(&mut c)
                .await
                .unwrap();
            let url = format!("{admin}/{name}");
            bench(
                Target {
                    name: "PostgreSQL",
                    database_url: url,
                    cleanup: Some((admin, name)),
                },
                clients,
            )
            .await;
        }
        Err(e) => println!("\nPostgreSQL skipped: {e}"),
    }
}
