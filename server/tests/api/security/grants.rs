//! Nobody grants more than they hold, nor gives back what they could not give.

use super::*;

/// A member whose custom role may manage users and list expenses, nothing else.
pub(super) async fn office_manager(app: &TestApp, admin: &Admin, tag: &str) -> (crate::helpers::Client, i64, i64) {
    let role = create_role(app, admin, "Office manager", &["users.manage", "expenses.list"]).await;
    let email = format!("manager.{tag}@example.com");
    let token = app.invite_and_read_link(admin, "Mo Manager", &email, role).await;
    let manager = app.client();
    let (status, _) = app
        .call(
            &manager,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (manager, id, role)
}

async fn nobody_grants_more_than_they_hold(app: &TestApp) {
    let admin = app.sign_up("escalate").await;
    let (manager, manager_id, manager_role) = office_manager(app, &admin, "escalate").await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee_role = app.role_id(admin.practice_id, "Employee").await;
    // Their own role: neither changed on them nor edited by them.
    let (status, body) = app
        .call(
            &manager,
            "change_member_role",
            &[
                ("user_id", &manager_id.to_string()),
                ("role_id", &admin_role.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = app
        .call_json(
            &manager,
            "save_role",
            json!({ "role_id": manager_role, "name": "Office manager", "permissions": ["users.manage", "expenses.list", "payroll.view"] }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // A role with a permission they lack: not created, not given by invitation.
    let (status, body) = app
        .call_json(
            &manager,
            "save_role",
            json!({ "role_id": null, "name": "Payroll", "permissions": ["payroll.view"] }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    for role in [admin_role, employee_role] {
        let (status, body) = app
            .call(
                &manager,
                "invite_user",
                &[
                    ("name", "Eve"),
                    ("email", "eve@example.com"),
                    ("role_id", &role.to_string()),
                ],
            )
            .await;
        assert_eq!(status, 403, "inviting with role {role}: {body}");
    }
    // Nor on a client, one click or in bulk.
    let (status, _) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success());
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &manager,
            "set_client_role",
            &[
                ("user_id", &manager_id.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &admin_role.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &manager,
            "apply_bulk",
            &[
                ("user_id", &manager_id.to_string()),
                ("role_id", &employee_role.to_string()),
                ("search", ""),
                ("plan", ""),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &manager,
            "change_member_role",
            &[
                ("user_id", &admin.user_id.to_string()),
                ("role_id", &manager_role.to_string()),
            ],
        )
        .await;
    assert!(
        status == 403 || status == 409,
        "an Admin's role is not theirs to change"
    );
    // What they hold, they may give.
    let (status, body) = app
        .call(
            &manager,
            "set_client_role",
            &[
                ("user_id", &manager_id.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &manager_role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let assignments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1")
        .bind(manager_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(assignments, 1, "only the allowed grant landed");
    let role_now: i64 = sqlx::query_scalar("SELECT role_id FROM practice_members WHERE user_id = $1")
        .bind(manager_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(role_now, manager_role);
}

async fn nobody_gives_back_what_they_could_not_give(app: &TestApp) {
    let admin = app.sign_up("giveback").await;
    let (manager, _, _) = office_manager(app, &admin, "giveback").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "giveback").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (status, _) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "Give Back Ltd"), ("plan", "small")],
        )
        .await;
    assert!(status.is_success());
    let admin_client = &admin.client;
    let bulk = |role: Option<i64>| {
        let role = role.map(|r| r.to_string());
        async move {
            let user = staff.to_string();
            let mut form = vec![("user_id", user.as_str()), ("search", ""), ("plan", "")];
            if let Some(r) = &role {
                form.push(("role_id", r.as_str()));
            }
            let (status, body) = app.call(admin_client, "apply_bulk", &form).await;
            assert!(status.is_success(), "{body}");
            body["batch_id"].as_i64().unwrap().to_string()
        }
    };
    bulk(Some(employee)).await;
    let removal = bulk(None).await;
    // Undo would give Employee back on the client: not the manager's to give.
    let (status, body) = app.call(&manager, "undo_bulk", &[("batch_id", &removal)]).await;
    assert_eq!(status, 403, "{body}");
    // Reactivating an Employee gives them their role back: the same.
    let (status, _) = app
        .call(
            &admin.client,
            "set_member_active",
            &[("user_id", &staff.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = app
        .call(
            &manager,
            "set_member_active",
            &[("user_id", &staff.to_string()), ("active", "true")],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // Resending an Employee invitation issues a new link to that role: the same.
    let (status, _) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Ivy"),
                ("email", "ivy.giveback@example.com"),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let invitation: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'ivy.giveback@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &manager,
            "resend_invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(roles_of_staff(app, staff).await.is_empty());
}

async fn roles_of_staff(app: &TestApp, staff: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT role_id FROM client_assignments WHERE user_id = $1")
        .bind(staff)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn an_admin_cannot_change_their_own_role(app: &TestApp) {
    let admin = app.sign_up("selfrole").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (status, _) = app
        .call(
            &admin.client,
            "change_member_role",
            &[
                ("user_id", &admin.user_id.to_string()),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 403);
}

crate::on_both_backends!(
    nobody_grants_more_than_they_hold,
    nobody_gives_back_what_they_could_not_give,
    an_admin_cannot_change_their_own_role,
);
