//! Manage users: who may call what, invitations over a real SMTP conversation, and the
//! rules about members and the main user.

use serde_json::json;

use crate::helpers::{Admin, PASSWORD, TestApp};

mod invitations;
mod members;

/// Every Manage users server function with harmless arguments.
fn manage_users_calls(role_id: i64) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        ("list_practice_users", vec![]),
        (
            "invite_user",
            vec![
                ("name", "X".into()),
                ("email", "x@example.com".into()),
                ("role_id", role_id.to_string()),
            ],
        ),
        ("resend_invitation", vec![("invitation_id", "1".into())]),
        ("revoke_invitation", vec![("invitation_id", "1".into())]),
        (
            "change_member_role",
            vec![("user_id", "1".into()), ("role_id", role_id.to_string())],
        ),
        (
            "set_member_active",
            vec![("user_id", "1".into()), ("active", "false".into())],
        ),
        ("transfer_main_user", vec![("user_id", "1".into())]),
        ("list_roles", vec![]),
        ("delete_role", vec![("role_id", role_id.to_string())]),
        ("list_sent_email", vec![]),
    ]
}

async fn every_manage_users_function_refuses_anonymous_callers_and_staff_without_the_permission(app: &TestApp) {
    let admin = app.sign_up("authz").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Sam", "sam.authz@example.com", employee)
        .await;
    let sam = app.client();
    let (status, _) = app
        .call(&sam, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection());
    let anonymous = app.client();
    for (name, args) in manage_users_calls(employee) {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = app.call(&anonymous, name, &args).await;
        assert_eq!(status, 401, "anonymous {name}: {body}");
        assert_eq!(body, json!("Unauthenticated"), "anonymous {name}");
        let (status, body) = app.call(&sam, name, &args).await;
        assert_eq!(status, 403, "employee {name}: {body}");
    }
    let (status, _) = app
        .call_json(
            &anonymous,
            "save_role",
            json!({ "role_id": null, "name": "X", "permissions": [] }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call_json(
            &sam,
            "save_role",
            json!({ "role_id": null, "name": "X", "permissions": [] }),
        )
        .await;
    assert_eq!(status, 403);
}

async fn an_admin_of_another_practice_cannot_reach_this_practices_users_roles_or_invitations(app: &TestApp) {
    let a = app.sign_up("tenant-a").await;
    let b = app.sign_up("tenant-b").await;
    let a_employee = app.role_id(a.practice_id, "Employee").await;
    app.invite_and_read_link(&a, "Pat", "pat.tenant@example.com", a_employee)
        .await;
    let invitation: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE practice_id = $1")
        .bind(a.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let a_custom = create_role(app, &a, "Bookkeeper", &["expenses.list"]).await;
    // B acting on A's ids finds nothing, and changes nothing.
    let inv = invitation.to_string();
    let a_user = a.user_id.to_string();
    let checks: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("revoke_invitation", vec![("invitation_id", &inv)]),
        ("resend_invitation", vec![("invitation_id", &inv)]),
        ("set_member_active", vec![("user_id", &a_user), ("active", "false")]),
        ("transfer_main_user", vec![("user_id", &a_user)]),
    ];
    for (name, args) in checks {
        let (status, body) = app.call(&b.client, name, &args).await;
        assert_eq!(status, 404, "{name}: {body}");
    }
    let a_custom_text = a_custom.to_string();
    let (status, _) = app.call(&b.client, "delete_role", &[("role_id", &a_custom_text)]).await;
    assert_eq!(status, 404);
    // Inviting into B with A's role is refused.
    let (status, body) = app
        .call(
            &b.client,
            "invite_user",
            &[("name", "Q"), ("email", "q@example.com"), ("role_id", &a_custom_text)],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let listed = app.call(&b.client, "list_practice_users", &[]).await.1;
    assert!(
        !listed.to_string().contains("pat.tenant@example.com"),
        "B sees only its own people"
    );
    let still: (String, i64) =
        sqlx::query_as("SELECT status, (SELECT COUNT(*) FROM roles WHERE id = $2) FROM invitations WHERE id = $1")
            .bind(invitation)
            .bind(a_custom)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(still, ("pending".to_owned(), 1));
}

pub async fn create_role(app: &TestApp, admin: &Admin, name: &str, permissions: &[&str]) -> i64 {
    let (status, body) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": null, "name": name, "permissions": permissions }),
        )
        .await;
    assert!(status.is_success(), "create role: {status} {body}");
    body.as_i64().expect("role id")
}

crate::on_both_backends!(
    every_manage_users_function_refuses_anonymous_callers_and_staff_without_the_permission,
    an_admin_of_another_practice_cannot_reach_this_practices_users_roles_or_invitations,
);
