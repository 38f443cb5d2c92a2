//! Two app servers on one database (PostgreSQL, the deployment that outgrows one machine):
//! the same signed-in clients toggling, half on each server, then a check that every
//! acknowledged click is in the database and in the audit log exactly once.

use super::*;
use crate::load::report_load;

/// Starts a second server of the database at `url`; answers its base address.
async fn second_server(url: &str) -> String {
    let (listener, addr, state) = prepared_server(url).await;
    tokio::spawn(server::run(state, listener));
    format!("http://{addr}")
}

/// One worker's clicks: each acknowledged (client, role) in order, and the failed ones.
struct Clicks {
    acked: Vec<(i64, i64)>,
    latencies: Vec<Duration>,
    failed: u64,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn two_servers(
    db: &app::platform::db::Db,
    url: &str,
    first: &str,
    login: &app::demo::DemoLogin,
    staff: i64,
    clients: i64,
    employee: i64,
    custom: i64,
) {
    let second = second_server(url).await;
    let (workers, secs) = load_size();
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_events")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let held_before = held_roles(db, staff).await;
    // One session for all (sessions live in the database: either server serves it), so
    // the sign-in throttle is not spent again.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap();
    call(
        &http,
        first,
        "sign_in",
        &[("email", login.email.clone()), ("password", login.password.clone())],
    )
    .await;
    let mut tasks = Vec::new();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    for w in 0..workers {
        // Half the clients on each server; worker w alone clicks clients w + 1, w + 1 +
        // workers, … (so each client's clicks have one order: its worker's).
        let base = if w % 2 == 0 { first.to_owned() } else { second.clone() };
        let http = reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap();
        tasks.push(tokio::spawn(async move {
            let url = format!("{base}/api/set_client_role");
            let mut clicks = Clicks {
                acked: Vec::new(),
                latencies: Vec::new(),
                failed: 0,
            };
            let mut i = 0_i64;
            while Instant::now() < deadline {
                // Each worker's own clients, round after round; each round gives the other
                // role, so every click changes something.
                let per = (clients / workers).max(1);
                let client = 1 + w + workers * (i % per);
                let role = if (i / per) % 2 == 0 { employee } else { custom };
                let (took, ok) = super::load::toggle(&http, &url, staff, client, role).await;
                clicks.latencies.push(took);
                if ok {
                    clicks.acked.push((client, role));
                } else {
                    clicks.failed += 1;
                }
                i += 1;
            }
            clicks
        }));
    }
    let mut all = Vec::new();
    let mut acked = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let c = t.await.unwrap();
        all.extend(c.latencies);
        acked.extend(c.acked);
        failed += c.failed;
    }
    let elapsed = started.elapsed();
    // Each worker's own clients: the last role it was told was given is the one held.
    let mut last: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for (client, role) in &acked {
        last.insert(*client, *role);
    }
    let held = held_roles(db, staff).await;
    // What the audit log must hold: one event per acknowledged click that changed the role
    // (clients are each one worker's, so a client's clicks are in its worker's order).
    let mut now_held = held_before;
    let mut changes = 0_i64;
    for (client, role) in &acked {
        if now_held.insert(*client, *role) != Some(*role) {
            changes += 1;
        }
    }
    let lost = last.iter().filter(|(c, r)| held.get(c) != Some(r)).count();
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE id > $1 AND action = 'access.set' AND target_id = $2",
    )
    .bind(before)
    .bind(staff)
    .fetch_one(db.pool())
    .await
    .unwrap();
    let label = format!("two servers, {workers} clients (half each), {secs} s:");
    report_load(&label, all, failed, elapsed);
    println!(
        "  acknowledged {} clicks ({changes} changes); in the audit log {recorded} (exactly once: {}); \
         last acknowledged role not held on {lost} of {} clients (nothing lost: {})",
        acked.len(),
        if recorded == changes { "yes" } else { "NO" },
        last.len(),
        if lost == 0 { "yes" } else { "NO" },
    );
}

async fn held_roles(db: &app::platform::db::Db, staff: i64) -> std::collections::HashMap<i64, i64> {
    sqlx::query_as::<_, (i64, i64)>("SELECT client_id, role_id FROM client_assignments WHERE user_id = $1")
        .bind(staff)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}
