//! Custom roles: permission dependencies, unique names, and deleting a role in use.

use serde_json::json;

use crate::helpers::TestApp;
use crate::manage_users::create_role;

async fn a_permission_without_the_one_it_needs_is_refused_with_a_clear_message(app: &TestApp) {
    let admin = app.sign_up("deps").await;
    let (status, body) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": null, "name": "Drafts", "permissions": ["expenses.drafts.list"] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["Invalid"]["message"],
        "\"List draft expenses\" needs \"List expenses\": grant both or neither"
    );
    let (status, body) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": null, "name": "Odd", "permissions": ["no.such"] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let roles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE practice_id = $1 AND kind = 'custom'")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(roles, 0, "nothing saved");
}

async fn role_names_are_unique_ignoring_case_and_predefined_roles_cannot_be_edited(app: &TestApp) {
    let admin = app.sign_up("names").await;
    create_role(app, &admin, "Bookkeeper", &[]).await;
    let (status, body) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": null, "name": "bookkeeper", "permissions": [] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["Invalid"]["field"], "name");
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let (status, _) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": admin_role, "name": "Boss", "permissions": [] }),
        )
        .await;
    assert_eq!(status, 409);
}

async fn editing_a_role_changes_its_name_and_permissions_and_is_audited(app: &TestApp) {
    let admin = app.sign_up("edit").await;
    let id = create_role(app, &admin, "Clerk", &["sales.invoices.list"]).await;
    let (status, body) = app
        .call_json(
            &admin.client,
            "save_role",
            json!({ "role_id": id, "name": "Senior clerk", "permissions": ["reports.view", "reports.export"] }),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let roles = app.call(&admin.client, "list_roles", &[]).await.1;
    let role = roles.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(role["name"], "Senior clerk");
    assert_eq!(role["permissions"], json!(["reports.export", "reports.view"]));
    let (before, after): (String, String) =
        sqlx::query_as("SELECT before_json, after_json FROM audit_events WHERE action = 'role.updated'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(
        before.contains("Clerk") && before.contains("sales.invoices.list"),
        "{before}"
    );
    assert!(after.contains("Senior clerk"), "{after}");
}

async fn deleting_a_role_in_use_asks_where_its_users_go_and_moves_them(app: &TestApp) {
    let admin = app.sign_up("delete").await;
    let doomed = create_role(app, &admin, "Temp", &[]).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    app.invite_and_read_link(&admin, "Tia", "tia@example.com", doomed).await;
    let (status, body) = app
        .call(&admin.client, "delete_role", &[("role_id", &doomed.to_string())])
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains("still in use"));
    let (status, body) = app
        .call(
            &admin.client,
            "delete_role",
            &[("role_id", &doomed.to_string()), ("move_to", &employee.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let role_of_invite: i64 = sqlx::query_scalar("SELECT role_id FROM invitations WHERE email = 'tia@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(role_of_invite, employee);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE id = $1")
        .bind(doomed)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
    let unused = create_role(app, &admin, "Unused", &[]).await;
    let (status, _) = app
        .call(&admin.client, "delete_role", &[("role_id", &unused.to_string())])
        .await;
    assert!(status.is_success(), "an unused role goes without questions");
}

crate::on_both_backends!(
    a_permission_without_the_one_it_needs_is_refused_with_a_clear_message,
    role_names_are_unique_ignoring_case_and_predefined_roles_cannot_be_edited,
    editing_a_role_changes_its_name_and_permissions_and_is_audited,
    deleting_a_role_in_use_asks_where_its_users_go_and_moves_them,
);
