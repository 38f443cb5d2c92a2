//! Clicks under load: signed-in clients toggling cells for a while, a ladder of what a
//! click costs, and the same clicks as raw statements (the floor).

use super::*;

/// One click in the matrix over HTTP: how long it took and whether it succeeded.
pub(crate) async fn toggle(http: &reqwest::Client, url: &str, staff: i64, client: i64, role: i64) -> (Duration, bool) {
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
pub(crate) async fn load(
    base: &str,
    login: &app::demo::DemoLogin,
    staff: i64,
    clients: i64,
    employee: i64,
    custom: i64,
) {
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
pub(crate) async fn load_floor(
    db: &app::platform::db::Db,
    practice: i64,
    staff: i64,
    clients: i64,
    employee: i64,
    custom: i64,
) {
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

pub(crate) fn report_load(what: &str, mut all: Vec<Duration>, errors: u64, elapsed: Duration) {
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{what:<52} {:>6.0}/s   p50 {}   p99 {}   errors {errors}",
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)).trim(),
        ms(pct(0.99)).trim()
    );
}
