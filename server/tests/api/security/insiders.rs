//! The inside doors: what a signed-in member with some rights can reach. A manager who is
//! not an Admin never changes an Admin's access, whichever way they try.

use super::*;
use crate::helpers::Client;

/// A practice with an Admin who holds a role on one client, and a manager (users.manage,
/// expenses.list) with a role of their own to give ("Clerk": expenses.list).
pub(super) struct Setup {
    pub(super) admin: Admin,
    pub(super) manager: Client,
    pub(super) client: i64,
    pub(super) clerk: i64,
    pub(super) colleague: i64,
}

pub(super) async fn setup(app: &TestApp, tag: &str) -> Setup {
    let admin = app.sign_up(tag).await;
    let (manager, _, _) = super::grants::office_manager(app, &admin, tag).await;
    let clerk = create_role(app, &admin, "Clerk", &["expenses.list"]).await;
    let (status, body) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "Admin's Client Ltd"), ("plan", "small")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let colleague = crate::helpers::seed_staff(app, admin.practice_id, tag).await;
    let (status, body) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &admin.user_id.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &clerk.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    Setup {
        admin,
        manager,
        client,
        clerk,
        colleague,
    }
}

/// The Admin's grants, as (client, role).
async fn admins_access(app: &TestApp, s: &Setup) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT client_id, role_id FROM client_assignments WHERE user_id = $1 ORDER BY client_id")
        .bind(s.admin.user_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

/// Refused with 403 and the one rule's words.
fn refused(status: reqwest::StatusCode, body: &serde_json::Value, path: &str) {
    assert_eq!(status, 403, "{path}: {body}");
    assert!(
        body.to_string().contains("Only an Admin can change an Admin"),
        "{path}: {body}"
    );
}

async fn a_manager_cannot_change_an_admins_access_by_any_path(app: &TestApp) {
    let s = setup(app, "insider-admin").await;
    let before = admins_access(app, &s).await;
    let admin = s.admin.user_id.to_string();
    let client = s.client.to_string();
    let clerk = s.clerk.to_string();
    // One click: taking the access away, or changing it to a role the manager may give.
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &admin), ("client_id", &client)],
        )
        .await;
    refused(status, &body, "set_client_role without a role");
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &admin), ("client_id", &client), ("role_id", &clerk)],
        )
        .await;
    refused(status, &body, "set_client_role with a role");
    // A bulk action, previewed or applied.
    for name in ["preview_bulk", "apply_bulk"] {
        let (status, body) = app
            .call(&s.manager, name, &[("user_id", &admin), ("search", ""), ("plan", "")])
            .await;
        refused(status, &body, name);
    }
    // A copy onto the Admin, adding or replacing.
    let colleague = s.colleague.to_string();
    for mode in ["add", "replace"] {
        for name in ["preview_copy", "apply_copy"] {
            let (status, body) = app
                .call(
                    &s.manager,
                    name,
                    &[("user_id", &admin), ("from_user_id", &colleague), ("mode", mode)],
                )
                .await;
            refused(status, &body, &format!("{name} {mode}"));
        }
    }
    // An end date.
    let (status, body) = app
        .call(
            &s.manager,
            "set_access_end",
            &[("user_id", &admin), ("client_id", &client), ("ends_on", "2099-01-31")],
        )
        .await;
    refused(status, &body, "set_access_end");
    // The Admin's own bulk action on themself, undone by the manager.
    let (status, body) = app
        .call(
            &s.admin.client,
            "apply_bulk",
            &[("user_id", &admin), ("search", ""), ("plan", ""), ("role_id", &clerk)],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let batch = body["batch_id"].as_i64().unwrap();
    let (status, body) = app
        .call(&s.manager, "undo_bulk", &[("batch_id", &batch.to_string())])
        .await;
    refused(status, &body, "undo_bulk");
    assert_eq!(admins_access(app, &s).await, before, "the Admin's access is as it was");
    // The manager's matrix of the Admin says so and offers nothing; a colleague's offers.
    let (status, body) = app
        .call(
            &s.manager,
            "get_matrix",
            &[("user_id", &admin), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(
        body["read_only"], "Only an Admin can change an Admin's client access.",
        "{body}"
    );
    let (status, body) = app
        .call(
            &s.manager,
            "get_matrix",
            &[("user_id", &colleague), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert!(body["read_only"].is_null(), "{body}");
    // Another staff member's access stays the manager's to change.
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &colleague), ("client_id", &client), ("role_id", &clerk)],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

/// The admin's second session, acting in client `client` (the first stays in the practice).
pub(super) async fn acting_in_client(app: &TestApp, admin: &Admin, client: i64) -> Client {
    let (second, status, body) = app.sign_in(&admin.email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    crate::client_users::switch_to_client(app, &second, client).await;
    second
}

pub(super) async fn an_acme_client(app: &TestApp, admin: &Admin) -> i64 {
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    let client = body.as_i64().unwrap();
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    crate::client_users::give(app, admin, admin.user_id, client, admin_role).await;
    client
}

pub(super) async fn client_users_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM client_users cu JOIN users u ON u.id = cu.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

pub(super) async fn accepting(app: &TestApp, token: &str, who: &Client) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(who, "accept_invitation", &[("token", token), ("password", PASSWORD)])
        .await
}

/// A custom role an Admin holds on a client is theirs too: a manager can neither rewrite
/// it nor delete it and move its holders (both would change the Admin's access).
async fn a_manager_cannot_change_an_admins_access_through_a_role(app: &TestApp) {
    let s = setup(app, "insider-role").await;
    let before = admins_access(app, &s).await;
    let other = create_role(app, &s.admin, "Clerk two", &["expenses.list"]).await;
    let (status, body) = app
        .call_json(
            &s.manager,
            "save_role",
            serde_json::json!({ "role_id": s.clerk, "name": "Clerk", "permissions": [] }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("a role an Admin holds"), "{body}");
    let (status, body) = app
        .call(
            &s.manager,
            "delete_role",
            &[("role_id", &s.clerk.to_string()), ("move_to", &other.to_string())],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(admins_access(app, &s).await, before);
    // A role no Admin holds stays the manager's to edit.
    let (status, body) = app
        .call_json(
            &s.manager,
            "save_role",
            serde_json::json!({ "role_id": other, "name": "Clerk two", "permissions": [] }),
        )
        .await;
    assert!(status.is_success(), "{body}");
}

/// Someone who became one of a client's own users while deactivated is not made staff
/// again until that login goes.
async fn reactivating_a_clients_own_user_is_refused(app: &TestApp) {
    let admin = app.sign_up("insider-reactivate").await;
    let acme = an_acme_client(app, &admin).await;
    let in_acme = acting_in_client(app, &admin, acme).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (_, sam) = crate::helpers::join(app, &admin, "Sam Staff", "sam.reactivate@example.com", employee).await;
    let sam_id = sam.to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "set_member_active",
            &[("user_id", &sam_id), ("active", "false")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let link = crate::client_users::invite(app, &in_acme, "Sam Staff", "sam.reactivate@example.com", employee).await;
    let (sam_login, _, _) = app.sign_in("sam.reactivate@example.com", PASSWORD).await;
    let (status, body) = accepting(app, &link, &sam_login).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let (status, body) = app
        .call(
            &admin.client,
            "set_member_active",
            &[("user_id", &sam_id), ("active", "true")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("own users"), "{body}");
}

crate::on_both_backends!(
    a_manager_cannot_change_an_admins_access_by_any_path,
    a_manager_cannot_change_an_admins_access_through_a_role,
    reactivating_a_clients_own_user_is_refused,
);
