//! A write that cannot have its turn at SQLite's write lock in time (another writer holds
//! it past the busy timeout) is answered 503 with Retry-After and changes nothing; the
//! same request goes through once the lock is free.

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
