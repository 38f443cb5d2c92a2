//! A write that cannot have its turn at SQLite's write lock in time (another writer holds
//! it past the busy timeout) is answered 503 with Retry-After and changes nothing; the
//! same request goes through once the lock is free. Grouped writes (matrix clicks) that
//! nobody waits for any more are never run.

use app::platform::db::Backend;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_cannot_get_its_turn_is_answered_busy_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.sign_up("busy").await;
    // Another writer of the same server holds the write lock for longer than the timeout.
    let held = app.db.begin_write().await.unwrap();
    let response = admin
        .client
        .http
        .post(format!("{}/api/add_client", app.address))
        .header("Accept", "application/json")
        .form(&[("name", "Queue Ltd"), ("plan", "small")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned()),
        Some("1".to_owned())
    );
    let body = response.text().await.unwrap();
    let error: app::platform::error::AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error.to_string(),
        "The server is busy. Nothing was changed; please try again in a moment."
    );
    drop(held);
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE name = 'Queue Ltd'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clients, 0, "nothing was done");
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Queue Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    app.cleanup().await;
}

/// A grouped write (a matrix click) whose caller goes away while it waits is taken back
/// out of the queue and never runs later; one that cannot get its turn in time is answered
/// busy and withdrawn too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_write_nobody_waits_for_is_never_run() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use app::platform::db::Step;
    use app::platform::error::AppError;

    let app = spawn_app(Backend::Sqlite).await;
    let held = app.db.begin_write().await.unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let gone = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        app.db.write_grouped(move |_conn| {
            Box::pin(async move {
                flag.store(true, Ordering::SeqCst);
                Ok::<_, AppError>(Step::Done(()))
            })
        }),
    )
    .await;
    assert!(gone.is_err(), "it was still waiting when its caller left");
    assert_eq!(app.db.waiting_writes(), 0, "and it left the queue with its caller");
    // Still held: the next one waits its full turn and is answered busy.
    let started = std::time::Instant::now();
    let late = app
        .db
        .write_grouped(|_conn| Box::pin(async { Ok::<_, AppError>(Step::Done(())) }))
        .await;
    assert!(matches!(late, Err(AppError::Busy)), "{late:?}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(9));
    assert_eq!(app.db.waiting_writes(), 0);
    drop(held);
    let answer = app
        .db
        .write_grouped(|_conn| Box::pin(async { Ok::<_, AppError>(Step::Done(7)) }))
        .await;
    assert_eq!(answer.unwrap(), 7);
    assert!(!ran.load(Ordering::SeqCst), "the abandoned write never ran");
    app.cleanup().await;
}

/// One person's requests in progress are capped per server: a script that sends many at
/// once cannot fill the write queue (or the database pool) for every other practice. The
/// request past the cap is answered 429 at once, with nothing done; everyone else, and the
/// same person once their requests finish, is answered as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_persons_requests_in_progress_are_capped() {
    use app::platform::in_flight::MOST_IN_FLIGHT_PER_PERSON as MOST;

    let app = spawn_app(Backend::Sqlite).await;
    crate::helpers::bounded(async {
        let admin = app.sign_up("inflight").await;
        let other = app.sign_up("inflight-other").await;
        let staff = crate::helpers::seed_staff(&app, admin.practice_id, "inflight").await;
        let (status, client) = app
            .call(
                &admin.client,
                "add_client",
                &[("name", "Flight Ltd"), ("plan", "small")],
            )
            .await;
        assert!(status.is_success(), "{client}");
        let employee = app.role_id(admin.practice_id, "Employee").await;
        let click = || {
            app.call_in_background(
                &admin.client,
                "set_client_role",
                vec![
                    ("user_id", staff.to_string()),
                    ("client_id", client.to_string()),
                    ("role_id", employee.to_string()),
                ],
            )
        };
        // The clicks wait behind a writer that holds the lock: all of them in progress.
        let held = app.db.begin_write().await.unwrap();
        let clicks: Vec<_> = (0..MOST).map(|_| click()).collect();
        for _ in 0..400 {
            if app.db.waiting_writes() == MOST {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(app.db.waiting_writes(), MOST);

        // One more, even a read, is refused at once and does nothing.
        let (status, body) = app
            .call(&admin.client, "matrix_version", &[("user_id", &staff.to_string())])
            .await;
        assert_eq!(status, 429, "{body}");
        let error: app::platform::error::AppError = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(error, app::platform::error::AppError::InProgress, "{body}");
        assert!(error.to_string().contains("too many requests in progress"), "{body}");
        assert_eq!(click().await.unwrap().0, 429);
        // The refusal says when to try again; a page loaded meanwhile says what is wrong
        // instead of offering to sign in someone who is signed in.
        let refused = admin
            .client
            .http
            .post(format!("{}/api/matrix_version", app.address))
            .header("Accept", "application/json")
            .form(&[("user_id", staff.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 429);
        assert_eq!(
            refused.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let page = app.get_text(&admin.client, "/manage-users").await;
        assert!(page.contains("You have too many requests in progress."), "{page}");
        assert!(!page.contains("Create practice account"), "{page}");
        assert_eq!(app.db.waiting_writes(), MOST, "the refused click was never queued");
        // Someone else is answered as usual meanwhile.
        let (status, body) = app.call(&other.client, "get_me", &[]).await;
        assert!(status.is_success(), "{status} {body}");
        assert_eq!(body["email"], other.email.as_str());

        drop(held);
        for c in clicks {
            assert_eq!(c.await.unwrap().0, 200);
        }
        // Their places are given back.
        let (status, body) = app
            .call(&admin.client, "matrix_version", &[("user_id", &staff.to_string())])
            .await;
        assert!(status.is_success(), "{status} {body}");
    })
    .await;
    app.cleanup().await;
}

/// On PostgreSQL a write waits for a row lock at most as long as a SQLite write waits for
/// its turn (`lock_timeout`, 10 s): then it is answered busy, 503 with Retry-After, nothing
/// changed, instead of holding a pooled connection for as long as the lock's holder runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_cannot_get_its_row_lock_in_time_is_answered_busy_on_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    crate::helpers::bounded(async {
        let admin = app.sign_up("lock-busy").await;
        let staff = crate::helpers::seed_staff(&app, admin.practice_id, "lock-busy").await;
        let (status, client) = app
            .call(&admin.client, "add_client", &[("name", "Held Ltd"), ("plan", "small")])
            .await;
        assert!(status.is_success(), "{client}");
        let employee = app.role_id(admin.practice_id, "Employee").await;
        let form = [
            ("user_id", staff.to_string()),
            ("client_id", client.to_string()),
            ("role_id", employee.to_string()),
        ];
        // Someone holds the person's row and does not let go.
        let mut held = app.db.pool().begin().await.unwrap();
        sqlx::query("SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR UPDATE")
            .bind(admin.practice_id)
            .bind(staff)
            .execute(&mut *held)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let refused = admin
            .client
            .http
            .post(format!("{}/api/set_client_role", app.address))
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 503);
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(9),
            "it waited its time"
        );
        assert_eq!(
            refused.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let error: app::platform::error::AppError = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
        assert_eq!(error, app::platform::error::AppError::Busy);
        held.rollback().await.unwrap();
        let granted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1")
            .bind(staff)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(granted, 0, "nothing was done");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = app.call(&admin.client, "set_client_role", &form).await;
        assert!(status.is_success(), "the same click once the lock is free: {body}");
    })
    .await;
    app.cleanup().await;
}

/// On PostgreSQL several groups of clicks run at once (and app servers sharing a database
/// each run their own). Two that wait for each other's rows deadlock; the database rolls
/// one back, and its clicks are answered busy (nothing of them kept, try again) while the
/// other group goes on and commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_that_deadlock_on_postgres_answer_busy_and_keep_nothing() {
    use app::platform::db::Step;
    use app::platform::error::AppError;

    let app = spawn_app(Backend::Postgres).await;
    crate::helpers::bounded(async {
        let admin = app.sign_up("deadlock").await;
        let mut ids = Vec::new();
        for name in ["Left Ltd", "Right Ltd"] {
            let (status, id) = app
                .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
                .await;
            assert!(status.is_success(), "{id}");
            ids.push(id.as_i64().unwrap());
        }
        let (left, right) = (ids[0], ids[1]);
        // Each group renames one client, then the other: the first group holds Left when the
        // second starts (in a group of its own) and holds Right.
        let (first_holds, first_held) = tokio::sync::oneshot::channel::<()>();
        let (second_holds, second_held) = tokio::sync::oneshot::channel::<()>();
        let rename = |order: [i64; 2],
                      holds: tokio::sync::oneshot::Sender<()>,
                      go_on: Option<tokio::sync::oneshot::Receiver<()>>| {
            let db = app.db.clone();
            tokio::spawn(async move {
                db.write_grouped(move |group| {
                    Box::pin(async move {
                        let (mut holds, mut go_on) = (Some(holds), go_on);
                        for id in order {
                            sqlx::query("UPDATE clients SET name = name || '.' WHERE id = $1")
                                .bind(id)
                                .execute(&mut *group.conn)
                                .await?;
                            if let Some(holds) = holds.take() {
                                let _ = holds.send(());
                            }
                            if let Some(go_on) = go_on.take() {
                                let _ = go_on.await;
                            }
                        }
                        Ok::<_, AppError>(Step::Done(()))
                    })
                })
                .await
            })
        };
        let first = rename([left, right], first_holds, Some(second_held));
        first_held.await.unwrap();
        let second = rename([right, left], second_holds, None);
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        let answers = [&first, &second];
        assert_eq!(
            answers.iter().filter(|a| matches!(a, Err(AppError::Busy))).count(),
            1,
            "one group was rolled back and answered busy: {answers:?}"
        );
        assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{answers:?}");
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM clients WHERE id IN ($1, $2) ORDER BY id")
            .bind(left)
            .bind(right)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
        assert_eq!(names, ["Left Ltd.", "Right Ltd."], "only the committed group's renames");
    })
    .await;
    app.cleanup().await;
}
