//! Matrix benchmark: a practice with 10,000 clients and 200 staff, served by the real
//! server, timed over HTTP as a browser would call it. Prints numbers; asserts nothing.
//!
//!     make bench            (SQLite, and PostgreSQL when TEST_POSTGRES_URL answers)
//!     BENCH_CLIENTS=50000 make bench

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

fn ms(d: Duration) -> String {
    format!("{:>9.1} ms", d.as_secs_f64() * 1000.0)
}

async fn bench(target: Target, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let url = target.database_url.replace("{dir}", &dir.path().display().to_string());
    let config = Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.clone()),
        "SITE_ADDR" => Some(addr.clone()),
        "LOG_LEVEL" => Some("error".into()),
        _ => None,
    })
    .unwrap();
    let state = server::prepare_state(config).await.expect("state");
    let seeded_at = Instant::now();
    let login = app::demo::seed_if_empty(&state.db, clients)
        .await
        .unwrap()
        .expect("empty database");
    let seed_time = seeded_at.elapsed();
    let db = state.db.clone();
    tokio::spawn(server::run(state, listener));
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    call(
        &http,
        &base,
        "sign_in",
        &[("email", login.email.clone()), ("password", login.password.clone())],
    )
    .await;

    let staff: i64 = sqlx::query_scalar("SELECT MAX(user_id) FROM practice_members")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (employee, custom): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT id FROM roles WHERE kind = 'employee'), (SELECT MIN(id) FROM roles WHERE kind = 'custom')",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let u = staff.to_string();
    let matrix = |search: &str, plan: &str, page: i64| {
        vec![
            ("user_id", u.clone()),
            ("search", search.to_owned()),
            ("plan", plan.to_owned()),
            ("page", page.to_string()),
        ]
    };
    let bulk = |role: Option<i64>| {
        let mut f = vec![
            ("user_id", u.clone()),
            ("search", String::new()),
            ("plan", String::new()),
        ];
        if let Some(r) = role {
            f.push(("role_id", r.to_string()));
        }
        f
    };

    println!(
        "\n{} — {} clients, {} staff (seeded in {:.1} s)",
        target.name,
        clients,
        login.staff,
        seed_time.as_secs_f64()
    );
    println!("{:<58} {:>12}", "operation (median of 5 unless noted)", "time");
    let row = |what: &str, d: Duration| println!("{what:<58} {}", ms(d));

    row(
        "staff table (list_staff)",
        median(5, || async {
            call(&http, &base, "list_staff", &[]).await;
        })
        .await,
    );
    row(
        "matrix, first page of 100 rows (get_matrix)",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("", "", 0)).await;
        })
        .await,
    );
    row(
        "matrix, last page",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("", "", (clients as i64 - 1) / 100)).await;
        })
        .await,
    );
    row(
        "matrix, search \"bakery\" + plan Small",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("bakery", "small", 0)).await;
        })
        .await,
    );
    // Alternate roles so every click really changes the row.
    let mut clicks = 0;
    row(
        "one click (set_client_role)",
        median(6, || {
            clicks += 1;
            let role = if clicks % 2 == 0 { custom } else { employee };
            let form = [
                ("user_id", u.clone()),
                ("client_id", "1".to_owned()),
                ("role_id", role.to_string()),
            ];
            let (http, base) = (http.clone(), base.clone());
            async move {
                call(&http, &base, "set_client_role", &form).await;
            }
        })
        .await,
    );
    row(
        "bulk preview over all clients (preview_bulk)",
        median(5, || async {
            call(&http, &base, "preview_bulk", &bulk(Some(employee))).await;
        })
        .await,
    );

    let timed = |name: &'static str, form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let start = Instant::now();
            let body = call(&http, &base, name, &form).await;
            (start.elapsed(), body)
        }
    };
    // The floor: the same change as one SQL statement on the same database, with no HTTP,
    // no session, no undo record and no audit event.
    let practice: i64 = sqlx::query_scalar("SELECT practice_id FROM practice_members WHERE user_id = $1")
        .bind(staff)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let raw = |sql: &'static str, role: Option<i64>| {
        let db = db.clone();
        async move {
            let start = Instant::now();
            let mut q = sqlx::query(sql).bind(staff).bind(practice);
            if let Some(r) = role {
                q = q.bind(r).bind(app::platform::db::now());
            }
            q.execute(db.pool()).await.unwrap();
            start.elapsed()
        }
    };
    const RAW_INSERT_ALL: &str =
        "INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
         SELECT practice_id, $1, id, $3, NULL, $4 FROM clients WHERE practice_id = $2 AND archived = 0
         ON CONFLICT (user_id, client_id) DO UPDATE SET role_id = excluded.role_id, granted_at = excluded.granted_at";
    const RAW_UPDATE_ALL: &str =
        "UPDATE client_assignments SET role_id = $3, granted_at = $4 WHERE user_id = $1 AND practice_id = $2";
    const RAW_DELETE_ALL: &str = "DELETE FROM client_assignments WHERE user_id = $1 AND practice_id = $2";
    // Two floors: the bare statement, and the statement with the undo record every bulk
    // action must write (Undo is part of the product), both raw SQL on the same database.
    println!(
        "\n{:<58} {:>12} {:>12} {:>7} {:>10}",
        "bulk action over all clients (median of 5 rounds)", "server", "raw SQL", "ratio", "+undo rec."
    );
    let compare = |what: &str, server: Duration, floor: Option<Duration>, record: Duration| match floor {
        Some(f) => println!(
            "{what:<58} {} {} {:>6.1}x {:>9.1}x",
            ms(server),
            ms(f),
            server.as_secs_f64() / f.as_secs_f64().max(1e-9),
            server.as_secs_f64() / (f + record).as_secs_f64().max(1e-9)
        ),
        None => println!("{what:<58} {} {:>12} {:>7} {:>10}", ms(server), "-", "-", "-"),
    };
    // Each bulk action once per round, five rounds, medians: one run of 10,000 rows is at
    // the mercy of a checkpoint or a neighbour on the machine.
    const ROUNDS: usize = 5;
    let mut t: [Vec<Duration>; 8] = Default::default();
    let (mut given, mut assigned, mut restored, mut removed, mut recorded) = (0, 0, 0, 0, 0);
    for round in 0..ROUNDS {
        // From no access: give everything as Employee; then the same raw, from no access again.
        let (d, r) = timed("apply_bulk", bulk(Some(employee))).await;
        t[0].push(d);
        given = r["changed"].as_i64().unwrap_or(0);
        t[1].push(raw(RAW_DELETE_ALL, None).await);
        t[2].push(raw(RAW_INSERT_ALL, Some(employee)).await);
        // From all Employee: move everything to a custom role; the floor moves it back and
        // there again.
        let (d, r) = timed("apply_bulk", bulk(Some(custom))).await;
        t[3].push(d);
        assigned = r["changed"].as_i64().unwrap_or(0);
        t[4].push(raw(RAW_UPDATE_ALL, Some(employee)).await);
        raw(RAW_UPDATE_ALL, Some(custom)).await;
        let (d, n) = timed("undo_bulk", vec![("batch_id", r["batch_id"].to_string())]).await;
        t[5].push(d);
        restored = n.as_i64().unwrap_or(0);
        let (d, r) = timed("apply_bulk", bulk(None)).await;
        t[6].push(d);
        removed = r["changed"].as_i64().unwrap_or(0);
        // What every bulk action writes besides the change itself: its undo record, one
        // row per client changed, here alone as raw SQL (under a batch id of its own).
        let start = Instant::now();
        recorded = sqlx::query(
            "INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id, previous_ends_at)
             SELECT $3, c.id, a.role_id, a.ends_at
             FROM clients c LEFT JOIN client_assignments a ON a.client_id = c.id AND a.user_id = $1
             WHERE c.practice_id = $2 AND c.archived = 0
             ORDER BY c.id",
        )
        .bind(staff)
        .bind(practice)
        .bind(-1 - round as i64)
        .execute(db.pool())
        .await
        .unwrap()
        .rows_affected();
        t[7].push(start.elapsed());
    }
    let [
        give,
        remove_floor,
        give_floor,
        assign,
        assign_floor,
        undo,
        remove,
        record,
    ] = t.map(|mut times| {
        times.sort();
        times[times.len() / 2]
    });
    compare(
        &format!("give access to all as Employee ({given} changed)"),
        give,
        Some(give_floor),
        record,
    );
    compare(
        &format!("assign all to a custom role ({assigned} changed)"),
        assign,
        Some(assign_floor),
        record,
    );
    compare(&format!("undo that ({restored} restored)"), undo, None, record);
    compare(
        &format!("remove from all clients ({removed} changed)"),
        remove,
        Some(remove_floor),
        record,
    );
    println!(
        "{:<58} {:>12} {}",
        format!("  the undo record alone ({recorded} rows), raw SQL"),
        "",
        ms(record)
    );
    println!();
    row(
        "matrix version poll (matrix_version)",
        median(5, || async {
            call(&http, &base, "matrix_version", &[("user_id", u.clone())]).await;
        })
        .await,
    );

    load(&base, &login, staff, clients as i64, employee, custom).await;
    load_floor(&db, practice, staff, clients as i64, employee, custom).await;

    db.close().await;
    if let Some((admin, name)) = target.cleanup
        && let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin}/postgres")).await
    {
        let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .execute(&mut c)
            .await;
    }
}

/// One click in the matrix over HTTP: how long it took and whether it succeeded.
async fn toggle(http: &reqwest::Client, url: &str, staff: i64, client: i64, role: i64) -> (Duration, bool) {
    let start = Instant::now();
    let ok = http
        .post(url)
        .header("Accept", "application/json")
        .form(&[
            ("user_id", staff.to_string()),
            ("client_id", client.to_string()),
            ("role_id", role.to_string()),
        ])
        .send()
        .await
        .is_ok_and(|r| r.status().is_success());
    (start.elapsed(), ok)
}

/// Many admins clicking at once: `BENCH_LOAD_CLIENTS` (32) signed-in clients toggle cells
/// of one staff member's matrix for `BENCH_LOAD_SECS` (20) seconds, each on its own clients.
async fn load(base: &str, login: &app::demo::DemoLogin, staff: i64, clients: i64, employee: i64, custom: i64) {
    let (workers, secs) = load_size();
    let sign_in = || async {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        call(
            &http,
            base,
            "sign_in",
            &[("email", login.email.clone()), ("password", login.password.clone())],
        )
        .await;
        http
    };
    let url = format!("{base}/api/set_client_role");
    // One client alone: the latency a user feels on an idle server.
    let alone = sign_in().await;
    let mut single = Vec::new();
    for i in 0..200 {
        let role = if i % 2 == 0 { custom } else { employee };
        single.push(toggle(&alone, &url, staff, 1 + i % clients, role).await.0);
    }
    single.sort();
    println!(
        "one client toggling alone (200 clicks): p50 {}   p99 {}",
        ms(single[100]).trim(),
        ms(single[197]).trim()
    );
    // Every worker signs in first (password hashing is slow on purpose), then all start.
    let mut signed_in = Vec::new();
    for _ in 0..workers {
        signed_in.push(sign_in().await);
    }
    let toggles = {
        let url = url.clone();
        Arc::new(move |http: reqwest::Client, w: i64, i: i64| {
            let url = url.clone();
            Box::pin(async move {
                // Worker w clicks its own clients (w, w + workers, …), alternating roles.
                let client = 1 + (w + i * workers) % clients;
                let role = if i % 2 == 0 { custom } else { employee };
                toggle(&http, &url, staff, client, role).await
            }) as Request
        })
    };
    hammer(
        &format!("{workers} clients toggling over HTTP, {secs} s:"),
        &signed_in,
        secs,
        toggles,
    )
    .await;
    // Where a toggle's time goes: the same clients asking for less and less.
    let version_url = format!("{base}/api/matrix_version");
    let version = Arc::new(move |http: reqwest::Client, _w: i64, _i: i64| {
        let url = version_url.clone();
        Box::pin(async move {
            let start = Instant::now();
            let ok = http
                .post(&url)
                .header("Accept", "application/json")
                .form(&[("user_id", staff.to_string())])
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            (start.elapsed(), ok)
        }) as Request
    });
    hammer(
        &format!("  one read behind the session (matrix_version), {} s:", secs / 2),
        &signed_in,
        secs / 2,
        version,
    )
    .await;
    let health_url = format!("{base}/health");
    let health = Arc::new(move |http: reqwest::Client, _w: i64, _i: i64| {
        let url = health_url.clone();
        Box::pin(async move {
            let start = Instant::now();
            let ok = http.get(&url).send().await.is_ok_and(|r| r.status().is_success());
            (start.elapsed(), ok)
        }) as Request
    });
    hammer(
        &format!("  HTTP and one read, no session (/health), {} s:", secs / 2),
        &signed_in,
        secs / 2,
        health,
    )
    .await;
}

type Request = std::pin::Pin<Box<dyn std::future::Future<Output = (Duration, bool)> + Send>>;

/// Every client sends `request` (worker, sequence number) again and again for `secs`
/// seconds, all at once; prints requests per second, p50, p99 and errors.
async fn hammer(
    label: &str,
    clients: &[reqwest::Client],
    secs: u64,
    request: Arc<dyn Fn(reqwest::Client, i64, i64) -> Request + Send + Sync>,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, http) in clients.iter().enumerate() {
        let (http, request) = (http.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0_u64;
            let mut i = 0_i64;
            while Instant::now() < deadline {
                let (d, ok) = request(http.clone(), w as i64, i).await;
                latencies.push(d);
                errors += u64::from(!ok);
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    report_load(label, all, errors, started.elapsed());
}

/// The floor under load: the same clicks as one upsert each in its own write transaction
/// (the server's queue for the write lock included), from as many tasks, with no HTTP, no
/// session, no checks and no audit event.
async fn load_floor(db: &app::platform::db::Db, practice: i64, staff: i64, clients: i64, employee: i64, custom: i64) {
    let (workers, secs) = load_size();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0_i64;
            while Instant::now() < deadline {
                let client = 1 + (w + i * workers) % clients;
                let role = if i % 2 == 0 { custom } else { employee };
                let start = Instant::now();
                let mut tx = db.begin_write().await.unwrap();
                sqlx::query(
                    "INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
                     VALUES ($1, $2, $3, $4, NULL, $5)
                     ON CONFLICT (user_id, client_id) DO UPDATE SET role_id = excluded.role_id, granted_at = excluded.granted_at",
                )
                .bind(practice)
                .bind(staff)
                .bind(client)
                .bind(role)
                .bind(app::platform::db::now())
                .execute(&mut *tx)
                .await
                .unwrap();
                tx.commit().await.unwrap();
                latencies.push(start.elapsed());
                i += 1;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    report_load(
        &format!("the floor: {workers} tasks, one raw upsert each, {secs} s:"),
        all,
        0,
        started.elapsed(),
    );
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

fn report_load(what: &str, mut all: Vec<Duration>, errors: u64, elapsed: Duration) {
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{what:<52} {:>6.0}/s   p50 {}   p99 {}   errors {errors}",
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)).trim(),
        ms(pct(0.99)).trim()
    );
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let clients: usize = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    bench(
        Target {
            name: "SQLite",
            database_url: "sqlite://{dir}/bench.db".into(),
            cleanup: None,
        },
        clients,
    )
    .await;

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
