//! Plans and roles: Practice Edition hides the client's Manage users (its users keep access,
//! the practice manages them), and deleting a role moves its client users.

use super::*;

async fn practice_edition_hides_the_page_and_the_client_users_keep_access(app: &TestApp) {
    let s = setup(app, "cu-plan").await;
    let mut tokens = Vec::new();
    for (name, email) in [
        ("Owen Owner", "owen@example.com"),
        ("Bea Books", "bea@example.com"),
        ("Cy Clerk", "cy@example.com"),
    ] {
        tokens.push(invite(app, &s.admin.client, name, email, s.employee_role).await);
    }
    let mut people = Vec::new();
    for t in &tokens {
        people.push(accept(app, t).await);
    }
    // A pending one stays pending, and cannot be accepted while the client has no page.
    let dee_token = invite(app, &s.admin.client, "Dee Later", "dee@example.com", s.employee_role).await;

    switch_practice(app, &s.admin).await;
    let listed = app
        .call(
            &s.admin.client,
            "list_clients",
            &[("search", ""), ("plan", ""), ("archived", "false"), ("page", "0")],
        )
        .await
        .1;
    let row = &listed["rows"][0];
    assert_eq!(row["client_users"], 3, "the overview counts client users: {row}");
    assert_eq!(row["staff_with_access"], 1);
    // The matrix shows practice staff only.
    let staff = app.call(&s.admin.client, "list_staff", &[]).await.1;
    assert!(!staff.to_string().contains("owen@example.com"), "{staff}");

    let (status, notice) = app
        .call(
            &s.admin.client,
            "update_client",
            &[
                ("client_id", &s.client_id.to_string()),
                ("name", "Acme Ltd"),
                ("plan", "practice_edition"),
            ],
        )
        .await;
    assert!(status.is_success(), "{notice}");
    assert_eq!(
        notice,
        json!("3 client users keep access; the practice now manages them, in the client's Staff with access.")
    );
    for who in &people {
        assert_eq!(app.me(who).await["current"]["name"], "Acme Ltd", "access kept");
    }
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &dee_token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    switch_to_client(app, &s.admin.client, s.client_id).await;
    assert_eq!(app.me(&s.admin.client).await["can_manage_users"], false);
    for (name, form) in [
        ("list_client_users", vec![]),
        (
            "invite_client_user",
            vec![("name", "X"), ("email", "x@example.com"), ("role_id", "1")],
        ),
        ("revoke_client_invitation", vec![("invitation_id", "1")]),
    ] {
        assert_eq!(app.call(&s.admin.client, name, &form).await.0, 404, "{name}");
    }

    // Back to Small: the page and its people return; renaming says nothing.
    switch_practice(app, &s.admin).await;
    let (_, notice) = app
        .call(
            &s.admin.client,
            "update_client",
            &[
                ("client_id", &s.client_id.to_string()),
                ("name", "Acme Ltd"),
                ("plan", "small"),
            ],
        )
        .await;
    assert_eq!(notice, Value::Null);
    switch_to_client(app, &s.admin.client, s.client_id).await;
    let list = app.call(&s.admin.client, "list_client_users", &[]).await.1;
    assert_eq!(line(&list, "dee@example.com")["status"], "Invited");
    assert_eq!(line(&list, "cy@example.com")["status"], "Active");
}

async fn deleting_a_role_moves_the_client_users_who_hold_it(app: &TestApp) {
    let s = setup(app, "cu-role").await;
    switch_practice(app, &s.admin).await;
    let custom = crate::manage_users::create_role(app, &s.admin, "Owner role", &["expenses.list"]).await;
    switch_to_client(app, &s.admin.client, s.client_id).await;
    let token = invite(app, &s.admin.client, "Owen Owner", "owen@example.com", custom).await;
    let owen = accept(app, &token).await;
    assert_eq!(app.me(&owen).await["current"]["role_name"], "Owner role");
    switch_practice(app, &s.admin).await;
    let (status, body) = app
        .call(&s.admin.client, "delete_role", &[("role_id", &custom.to_string())])
        .await;
    assert_eq!(status, 409, "a client user holds it: {body}");
    let (status, body) = app
        .call(
            &s.admin.client,
            "delete_role",
            &[
                ("role_id", &custom.to_string()),
                ("move_to", &s.employee_role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&owen).await["current"]["role_name"], "Employee (predefined)");
}

/// On Practice Edition the client has no Manage users: its own users are listed in the
/// client's Staff with access, where the practice deactivates and reactivates them (the
/// client's own rules and audit). On other plans they are listed read-only and the
/// practice is refused: the client manages its own.
async fn on_practice_edition_the_practice_manages_the_clients_own_users(app: &TestApp) {
    let s = setup(app, "cu-own").await;
    let token = invite(app, &s.admin.client, "Owen Owner", "owen@example.com", s.employee_role).await;
    let owen = accept(app, &token).await;
    let owen_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'owen@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    switch_practice(app, &s.admin).await;
    let (client, owen_s) = (s.client_id.to_string(), owen_id.to_string());
    let set_active = |active: &'static str| {
        let form = [
            ("client_id", client.clone()),
            ("user_id", owen_s.clone()),
            ("active", active.to_owned()),
        ];
        let who = &s.admin.client;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(who, "set_own_user_active", &form).await
        }
    };
    let page = app
        .call(&s.admin.client, "list_client_staff", &[("client_id", &client)])
        .await
        .1;
    assert_eq!(page["manages_own_users"], true, "{page}");
    assert_eq!(page["own_users"][0]["email"], "owen@example.com", "{page}");
    let (status, body) = set_active("false").await;
    assert_eq!(status, 403, "a Small client manages its own users: {body}");
    assert!(body.to_string().contains("manages its own users"), "{body}");

    let (status, body) = app
        .call(
            &s.admin.client,
            "update_client",
            &[
                ("client_id", &client),
                ("name", "Acme Ltd"),
                ("plan", "practice_edition"),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let page = app
        .call(&s.admin.client, "list_client_staff", &[("client_id", &client)])
        .await
        .1;
    assert_eq!(page["manages_own_users"], false, "{page}");
    assert_eq!(page["own_users"][0]["active"], true);
    let (status, body) = set_active("false").await;
    assert!(status.is_success(), "{body}");
    assert_eq!(
        app.me(&owen).await["current"],
        Value::Null,
        "Owen no longer reaches Acme Ltd"
    );
    let page = app
        .call(&s.admin.client, "list_client_staff", &[("client_id", &client)])
        .await
        .1;
    assert_eq!(page["own_users"][0]["active"], false, "{page}");
    let (_, log) = app
        .call(
            &s.admin.client,
            "list_audit_events",
            &[("action", "client_user.deactivated")],
        )
        .await;
    assert_eq!(
        log["entries"][0]["sentence"], "Ada Admin deactivated owen@example.com on Acme Ltd",
        "{log}"
    );
    let (status, body) = set_active("true").await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&owen).await["current"]["name"], "Acme Ltd", "back");

    // Only the client's own users, and only this practice's clients.
    let sam = crate::helpers::seed_staff(app, s.admin.practice_id, "cu-own").await;
    give(app, &s.admin, sam, s.client_id, s.employee_role).await;
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_own_user_active",
            &[
                ("client_id", &client),
                ("user_id", &sam.to_string()),
                ("active", "false"),
            ],
        )
        .await;
    assert_eq!(status, 404, "practice staff are the matrix's");
    let other = app.sign_up("cu-own-b").await;
    let (status, _) = app
        .call(
            &other.client,
            "set_own_user_active",
            &[("client_id", &client), ("user_id", &owen_s), ("active", "false")],
        )
        .await;
    assert_eq!(status, 404, "another practice's client");
    assert_eq!(app.me(&owen).await["current"]["name"], "Acme Ltd", "nothing changed");

    // An archived client gives no access: its users can be deactivated, not reactivated.
    let (status, body) = app
        .call(
            &s.admin.client,
            "set_client_archived",
            &[("client_id", &client), ("archived", "true")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert!(set_active("false").await.0.is_success());
    let (status, body) = set_active("true").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("archived"), "{body}");
}

crate::on_both_backends!(
    deleting_a_role_moves_the_client_users_who_hold_it,
    on_practice_edition_the_practice_manages_the_clients_own_users,
    practice_edition_hides_the_page_and_the_client_users_keep_access,
);
