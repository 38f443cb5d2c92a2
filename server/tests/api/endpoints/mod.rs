//! Every registered server function, walked from the server-function registry (not a hand
//! list: a new endpoint without a case here fails `every_endpoint_refuses_...`). Each
//! non-public one refuses an anonymous caller (401), a member without the permission
//! (403), and an admin of another practice using this practice's ids (a 4xx, nothing
//! changed); and no endpoint answers garbage with a 5xx.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Client, PASSWORD, TestApp};
use crate::manage_users::create_role;

mod cases;

pub(crate) use cases::{Case, Door, Ids, case};

/// Every registered server function's name (`/api/<name>`).
pub(crate) fn registered() -> Vec<String> {
    let mut names: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .filter_map(|(path, _)| path.strip_prefix("/api/").map(str::to_owned))
        .collect();
    names.sort();
    names
}

pub(crate) async fn call(
    app: &TestApp,
    client: &Client,
    name: &str,
    form: &[(&'static str, String)],
) -> (StatusCode, Value) {
    if name == "save_role" {
        let role_id = form
            .iter()
            .find(|(k, _)| *k == "role_id")
            .map(|(_, v)| v.parse::<i64>().ok());
        let body = serde_json::json!({ "role_id": role_id.flatten(), "name": "Walked", "permissions": [] });
        return app.call_json(client, name, body).await;
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call(client, name, &form).await
}

/// A summary of practice A's records: equal before and after means nothing changed.
pub(crate) async fn fingerprint(app: &TestApp, practice_id: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM clients WHERE practice_id = $1",
        "SELECT COUNT(*) FROM clients WHERE practice_id = $1 AND archived = 1",
        "SELECT COUNT(*) FROM client_assignments WHERE practice_id = $1",
        "SELECT CAST(COALESCE(SUM(role_id), 0) AS BIGINT) FROM client_assignments WHERE practice_id = $1",
        "SELECT COUNT(*) FROM roles WHERE practice_id = $1",
        "SELECT COUNT(*) FROM invitations WHERE practice_id = $1 AND status = 'pending'",
        "SELECT CAST(COALESCE(SUM(role_id), 0) AS BIGINT) FROM practice_members WHERE practice_id = $1",
        "SELECT COUNT(*) FROM practice_members WHERE practice_id = $1 AND status = 'active'",
        "SELECT COUNT(*) FROM audit_events WHERE practice_id = $1",
        "SELECT COUNT(*) FROM access_requests WHERE practice_id = $1 AND status = 'pending'",
    ] {
        out.push(
            sqlx::query_scalar::<_, i64>(sql)
                .bind(practice_id)
                .fetch_one(app.db.pool())
                .await
                .unwrap(),
        );
    }
    out
}

async fn every_endpoint_refuses_strangers_members_without_permission_and_other_practices(app: &TestApp) {
    // Practice A: an admin, an employee (no Manage users), a client, a custom role, a
    // pending invitation and a bulk batch. Practice B: another admin.
    let a = app.sign_up("walka").await;
    let employee_role = app.role_id(a.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&a, "Eli Employee", "eli.walk@example.com", employee_role)
        .await;
    let employee = app.client();
    let (status, _) = app
        .call(
            &employee,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let staff: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'eli.walk@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let role = create_role(app, &a, "Walk role", &["expenses.list"]).await;
    let (_, client) = app
        .call(&a.client, "add_client", &[("name", "Acme Walk Ltd"), ("plan", "small")])
        .await;
    // The employee asks for the client (before the bulk action below gives it to them).
    let client_id = client.as_i64().expect("client id").to_string();
    let (status, body) = app
        .call(
            &employee,
            "request_access",
            &[
                ("client_id", &client_id),
                ("role_id", &employee_role.to_string()),
                ("reason", "Cover"),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let request: i64 = sqlx::query_scalar("SELECT MAX(id) FROM access_requests")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &a.client,
            "invite_user",
            &[
                ("name", "Pending"),
                ("email", "pending.walk@example.com"),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let invitation: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'pending.walk@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (_, batch) = app
        .call(
            &a.client,
            "apply_bulk",
            &[
                ("user_id", &staff.to_string()),
                ("role_id", &role.to_string()),
                ("search", ""),
                ("plan", ""),
            ],
        )
        .await;
    let ids = Ids {
        staff: staff.to_string(),
        client: client.as_i64().expect("client id").to_string(),
        role: role.to_string(),
        invitation: invitation.to_string(),
        batch: batch["batch_id"].as_i64().expect("batch id").to_string(),
        email: sqlx::query_scalar::<_, i64>(
            "SELECT MAX(id) FROM email_outbox WHERE to_address = 'pending.walk@example.com'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .to_string(),
        request: request.to_string(),
    };
    let b = app.sign_up("walkb").await;
    let anonymous = app.client();

    let names = registered();
    assert!(names.len() >= 30, "the registry lists every server function: {names:?}");
    let missing: Vec<&String> = names.iter().filter(|n| case(n, &ids).is_none()).collect();
    assert!(
        missing.is_empty(),
        "new endpoints need a case here (who may call them, with what): {missing:?}"
    );
    for name in &names {
        let Case { door, form, names_ids } = case(name, &ids).unwrap();
        if door == Door::Public {
            continue;
        }
        let before = fingerprint(app, a.practice_id).await;
        let (status, body) = call(app, &anonymous, name, &form).await;
        assert_eq!(status, 401, "anonymous {name}: {body}");
        if door == Door::ManageUsers {
            let (status, body) = call(app, &employee, name, &form).await;
            assert_eq!(status, 403, "employee without Manage users {name}: {body}");
        }
        if door == Door::ClientManageUsers {
            // Acting in the practice, not in a client with Manage users: refused.
            let (status, body) = call(app, &employee, name, &form).await;
            assert!(
                [403, 404].contains(&status.as_u16()),
                "employee {name}: {status} {body}"
            );
        }
        if names_ids {
            let (status, body) = call(app, &b.client, name, &form).await;
            assert!(
                [403, 404, 409, 422].contains(&status.as_u16()),
                "another practice's admin with this practice's ids, {name}: {status} {body}"
            );
        }
        assert_eq!(
            before,
            fingerprint(app, a.practice_id).await,
            "{name} changed practice A"
        );
    }
}

async fn no_endpoint_answers_garbage_with_a_server_error(app: &TestApp) {
    let admin = app.sign_up("garbage").await;
    let long = "x".repeat(100_000);
    let garbage: Vec<String> = vec![
        String::new(),
        "-1".into(),
        "99999999999999999999999".into(),
        "9223372036854775807".into(),
        "not a number".into(),
        "'; DROP TABLE users; --".into(),
        "%00\u{0}\u{202e}\u{fffd}".into(),
        long,
    ];
    let ids = Ids {
        staff: "1".into(),
        client: "1".into(),
        role: "1".into(),
        invitation: "1".into(),
        batch: "1".into(),
        email: "1".into(),
        request: "1".into(),
    };
    for name in registered() {
        let Some(Case { form, .. }) = case(&name, &ids) else {
            continue;
        };
        if name == "sign_out" {
            continue; // would end the admin's session for the rest of the walk
        }
        // Every field replaced by each garbage value in turn, then no fields at all, then
        // a body of the wrong encoding.
        for value in &garbage {
            let bad: Vec<(&'static str, String)> = form.iter().map(|(k, _)| (*k, value.clone())).collect();
            let (status, body) = call(app, &admin.client, &name, &bad).await;
            assert!(
                status.is_client_error() || status.is_success(),
                "{name} with {:.40?}: {status} {body}",
                value
            );
        }
        let (status, body) = app.call(&admin.client, &name, &[]).await;
        assert!(status.as_u16() < 500, "{name} with no fields: {status} {body}");
        let (status, body) = app
            .call_json(&admin.client, &name, serde_json::json!([1, {"a": null}]))
            .await;
        assert!(status.as_u16() < 500, "{name} with a JSON array: {status} {body}");
    }
}

crate::on_both_backends!(
    every_endpoint_refuses_strangers_members_without_permission_and_other_practices,
    no_endpoint_answers_garbage_with_a_server_error,
);
