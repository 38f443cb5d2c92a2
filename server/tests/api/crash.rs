//! Crash safety: the server process is killed (SIGKILL, no shutdown) while a bulk action
//! over 10,000 clients is running; after a restart all of it or none of it happened.

use std::process::Stdio;
use std::time::Duration;

use crate::helpers::TestApp;

const CLIENTS: usize = 10_000;

/// The server binary of this package, started on `database_url`; returns it and its address.
async fn start_server(database_url: &str) -> (tokio::process::Child, String) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_LEVEL", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server binary");
    let address = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("{address}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server binary did not answer /health");
}

/// (assignments of the staff member, batches, rows in batches): all or nothing of one
/// bulk action means (0, 0, 0) or (10,000, 1, 10,000) on top of what was there.
async fn state(app: &TestApp, staff: i64) -> (i64, i64, i64) {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(staff)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    (
        count("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1").await,
        count("SELECT COUNT(*) FROM bulk_batches WHERE user_id = $1").await,
        count("SELECT COUNT(*) FROM bulk_batch_rows r JOIN bulk_batches b ON b.id = r.batch_id WHERE b.user_id = $1")
            .await,
    )
}

async fn a_bulk_action_killed_midway_happened_all_or_not_at_all(app: &TestApp) {
    let admin = app.sign_up("crash").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "crash").await;
    crate::helpers::seed_clients(app, admin.practice_id, "Crash client", CLIENTS).await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    let user = staff.to_string();

    let mut landed = 0;
    // Kill after different delays: early, while the statements run, and late.
    for delay_ms in [5_u64, 40, 150, 400] {
        let before = state(app, staff).await;
        let (mut child, address) = start_server(&app.database_url).await;
        let request = {
            let http = admin.client.http.clone();
            let form = [
                ("user_id", user.clone()),
                ("role_id", employee.clone()),
                ("search", String::new()),
                ("plan", String::new()),
            ];
            let remove = before.0 > 0;
            tokio::spawn(async move {
                let mut form = form.to_vec();
                if remove {
                    form.retain(|(k, _)| *k != "role_id"); // no role: remove from all
                }
                http.post(format!("{address}/api/apply_bulk"))
                    .header("Accept", "application/json")
                    .form(&form)
                    .send()
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        child.start_kill().expect("SIGKILL");
        child.wait().await.unwrap();
        let _ = request.await;
        // Restart on the same database: it opens, and the bulk action is all or nothing.
        let (mut restarted, _) = start_server(&app.database_url).await;
        let after = state(app, staff).await;
        let batches = after.1 - before.1;
        assert!(
            batches == 0 || batches == 1,
            "after {delay_ms} ms: {before:?} -> {after:?}"
        );
        if batches == 1 {
            landed += 1;
            assert_eq!(after.2 - before.2, CLIENTS as i64, "the undo record is whole");
            let expected = if before.0 > 0 { 0 } else { CLIENTS as i64 };
            assert_eq!(after.0, expected, "every client changed, after {delay_ms} ms");
        } else {
            assert_eq!(after, before, "nothing changed, after {delay_ms} ms");
        }
        restarted.start_kill().unwrap();
        restarted.wait().await.unwrap();
    }
    eprintln!("crash test: {landed} of 4 killed bulk actions had committed before the kill");
}

crate::on_both_backends!(a_bulk_action_killed_midway_happened_all_or_not_at_all);
