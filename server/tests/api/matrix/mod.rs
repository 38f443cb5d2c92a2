//! The Partner module matrix and client overview: rules, tenancy, bulk actions, undo,
//! concurrency, and access as the staff member sees it.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp, join_all};
use crate::manage_users::create_role;

mod bulk;
mod clicks;
mod overview;
mod undo;

/// A practice with `n` clients (half Practice Edition, half Small) and an active employee.
struct Setup {
    admin: Admin,
    staff: Client,
    staff_id: i64,
    employee: i64,
    clients: Vec<i64>,
}

async fn setup(app: &TestApp, tag: &str, n: usize) -> Setup {
    let admin = app.sign_up(tag).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let email = format!("staff.{tag}@example.com");
    let token = app.invite_and_read_link(&admin, "Sam Staff", &email, employee).await;
    let staff = app.client();
    let (status, _) = app
        .call(
            &staff,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let csv: String = (0..n)
        .map(|i| {
            format!(
                "Client {i:04},{}\n",
                if i % 2 == 0 { "Practice Edition" } else { "Small" }
            )
        })
        .collect();
    let (status, body) = app.call(&admin.client, "import_clients", &[("csv", &csv)]).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!({ "Imported": n }));
    let clients: Vec<i64> = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1 ORDER BY name")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    Setup {
        admin,
        staff,
        staff_id,
        employee,
        clients,
    }
}

async fn roles_of(app: &TestApp, user_id: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT client_id, role_id FROM client_assignments WHERE user_id = $1 ORDER BY client_id")
        .bind(user_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn set(app: &TestApp, admin: &Admin, user: i64, client: i64, role: Option<i64>) -> (reqwest::StatusCode, Value) {
    let (u, c) = (user.to_string(), client.to_string());
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("client_id", c.as_str())];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    app.call(&admin.client, "set_client_role", &form).await
}

async fn bulk(
    app: &TestApp,
    admin: &Admin,
    name: &str,
    user: i64,
    role: Option<i64>,
    search: &str,
    plan: &str,
) -> Value {
    let u = user.to_string();
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("search", search), ("plan", plan)];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    let (status, body) = app.call(&admin.client, name, &form).await;
    assert!(status.is_success(), "{name}: {status} {body}");
    body
}

async fn bulk_all(app: &TestApp, s: &Setup, role: Option<i64>) -> i64 {
    let u = s.staff_id.to_string();
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("search", ""), ("plan", "")];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    let (status, body) = app.call(&s.admin.client, "apply_bulk", &form).await;
    assert!(status.is_success(), "{body}");
    body["batch_id"].as_i64().unwrap()
}

async fn undo(app: &TestApp, s: &Setup, batch: i64) -> (reqwest::StatusCode, Value) {
    app.call(&s.admin.client, "undo_bulk", &[("batch_id", &batch.to_string())])
        .await
}
