//! A client's admin invites the client's own users, who see only that client; the client's
//! side cannot touch practice staff or give more than it holds.

use super::*;

async fn a_client_admin_invites_a_client_user_who_sees_only_that_client(app: &TestApp) {
    let s = setup(app, "cu-invite").await;
    let token = invite(app, &s.admin.client, "Owen Owner", "owen@example.com", s.admin_role).await;
    let message = app.smtp.as_ref().unwrap().messages().pop().unwrap();
    assert!(
        message.data.contains("invited you to Acme Ltd on Practice Access"),
        "{}",
        message.data
    );
    let (_, view) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
    assert_eq!(view["account_name"], "Acme Ltd");
    assert_eq!(view["state"], json!("Open"));

    let list = app.call(&s.admin.client, "list_client_users", &[]).await.1;
    assert_eq!(line(&list, "owen@example.com")["status"], "Invited");
    // The practice's own Manage users does not list the client's invitation.
    switch_practice(app, &s.admin).await;
    let practice = app.call(&s.admin.client, "list_practice_users", &[]).await.1;
    assert!(!practice.to_string().contains("owen@example.com"), "{practice}");

    let owen = accept(app, &token).await;
    let me = app.me(&owen).await;
    assert_eq!(me["current"]["name"], "Acme Ltd");
    assert_eq!(me["current"]["kind"], "Client");
    let names: Vec<&str> = me["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Ltd"], "only that client");
    assert_eq!(me["can_manage_users"], true, "Admin of the client");
    // The client user is no member of the practice: every practice function refuses.
    for name in ["list_practice_users", "list_staff"] {
        let (status, body) = app.call(&owen, name, &[]).await;
        assert_eq!(status, 403, "{name}");
        assert!(
            body.to_string().contains("the account you have open is a client's"),
            "{name} says why: {body}"
        );
    }

    // Owen now runs the client's users himself; the practice's staff shows read-only.
    let list = app.call(&owen, "list_client_users", &[]).await.1;
    assert_eq!(list["client_name"], "Acme Ltd");
    let owen_line = line(&list, "owen@example.com");
    assert_eq!(owen_line["status"], "Active");
    assert_eq!(owen_line["practice_staff"], false);
    let staff_line = line(&list, &s.admin.email);
    assert_eq!(staff_line["practice_staff"], true);
    assert_eq!(staff_line["role_name"], "Admin");

    let token = invite(app, &owen, "Bea Books", "bea@example.com", s.employee_role).await;
    let bea = accept(app, &token).await;
    assert_eq!(app.me(&bea).await["current"]["role_name"], "Employee (predefined)");
    let bea_id = line(&app.call(&owen, "list_client_users", &[]).await.1, "bea@example.com")["user_id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .call(
            &owen,
            "change_client_user_role",
            &[("user_id", &bea_id.to_string()), ("role_id", &s.admin_role.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&bea).await["current"]["role_name"], "Admin");
    // Deactivating takes the client away on the next request; reactivating gives it back.
    let (status, body) = app
        .call(
            &owen,
            "set_client_user_active",
            &[("user_id", &bea_id.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&bea).await["accounts"], json!([]));
    assert_eq!(app.call(&bea, "list_client_users", &[]).await.0, 404);
    app.call(
        &owen,
        "set_client_user_active",
        &[("user_id", &bea_id.to_string()), ("active", "true")],
    )
    .await;
    assert_eq!(app.me(&bea).await["current"]["name"], "Acme Ltd");

    let actions: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT action, target_label FROM audit_events WHERE practice_id = $1 ORDER BY id")
            .bind(s.admin.practice_id)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    for expected in [
        "invitation.created",
        "invitation.accepted",
        "client_user.role_changed",
        "client_user.deactivated",
        "client_user.reactivated",
    ] {
        assert!(actions.iter().any(|(a, _)| a == expected), "{expected} in {actions:?}");
    }
    assert!(
        actions
            .iter()
            .any(|(a, l)| a == "client_user.deactivated" && l.as_deref() == Some("bea@example.com on Acme Ltd")),
        "{actions:?}"
    );
}

async fn the_client_side_cannot_touch_practice_staff_or_escalate(app: &TestApp) {
    let s = setup(app, "cu-line").await;
    // An Employee client user cannot manage users at all.
    let token = invite(app, &s.admin.client, "Eve Employee", "eve@example.com", s.employee_role).await;
    let eve = accept(app, &token).await;
    assert_eq!(app.me(&eve).await["can_manage_users"], false);
    for (name, form) in [
        ("list_client_users", vec![]),
        (
            "invite_client_user",
            vec![("name", "X"), ("email", "x@example.com"), ("role_id", "1")],
        ),
        ("set_client_user_active", vec![("user_id", "1"), ("active", "false")]),
    ] {
        assert_eq!(app.call(&eve, name, &form).await.0, 403, "{name}");
    }

    // A client Admin cannot change practice staff from the client's side, nor themselves.
    let token = invite(app, &s.admin.client, "Owen Owner", "owen@example.com", s.admin_role).await;
    let owen = accept(app, &token).await;
    let owen_id = line(&app.call(&owen, "list_client_users", &[]).await.1, "owen@example.com")["user_id"]
        .as_i64()
        .unwrap();
    for user in [s.admin.user_id, owen_id] {
        let (status, body) = app
            .call(
                &owen,
                "set_client_user_active",
                &[("user_id", &user.to_string()), ("active", "false")],
            )
            .await;
        assert!(status == 404 || status == 403, "{user}: {status} {body}");
        let (status, _) = app
            .call(
                &owen,
                "change_client_user_role",
                &[
                    ("user_id", &user.to_string()),
                    ("role_id", &s.employee_role.to_string()),
                ],
            )
            .await;
        assert!(status == 404 || status == 403, "{user}: {status}");
    }
    // Inviting practice staff from the client's side answers as any invitation (the client
    // must not learn who the practice's staff are); accepting it is refused, as the matrix
    // gives them access (security::insiders). From the practice's side it is refused at once.
    let (status, body) = app
        .call(
            &owen,
            "invite_client_user",
            &[
                ("name", "Ada"),
                ("email", &s.admin.email),
                ("role_id", &s.employee_role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app
        .call(
            &s.admin.client,
            "invite_client_user",
            &[
                ("name", "Ada"),
                ("email", &s.admin.email),
                ("role_id", &s.employee_role.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("given by the practice"), "{body}");
    // Another practice's role is refused.
    let other = app.sign_up("cu-other").await;
    let foreign_role = app.role_id(other.practice_id, "Employee").await;
    let (status, _) = app
        .call(
            &owen,
            "invite_client_user",
            &[
                ("name", "Zed"),
                ("email", "zed@example.com"),
                ("role_id", &foreign_role.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422);

    // An Employee-role manager (custom role with Manage users) cannot hand out Admin.
    switch_practice(app, &s.admin).await;
    let manager_role = crate::manage_users::create_role(app, &s.admin, "Office manager", &["users.manage"]).await;
    let token = invite(app, &owen, "Mo Manager", "mo@example.com", manager_role).await;
    let mo = accept(app, &token).await;
    let (status, body) = app
        .call(
            &mo,
            "invite_client_user",
            &[
                ("name", "Al"),
                ("email", "al@example.com"),
                ("role_id", &s.admin_role.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // ...nor act on an Admin.
    let (status, _) = app
        .call(
            &mo,
            "set_client_user_active",
            &[("user_id", &owen_id.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(status, 403);

    // The practice's invitation functions do not reach the client's invitations.
    invite(app, &owen, "Pat Pending", "pat@example.com", s.employee_role).await;
    let pending = line(&app.call(&owen, "list_client_users", &[]).await.1, "pat@example.com")["invitation_id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .call(
            &s.admin.client,
            "revoke_invitation",
            &[("invitation_id", &pending.to_string())],
        )
        .await;
    assert_eq!(status, 404, "a practice function does not revoke a client's invitation");
    // Nor does another client's admin (here of another practice), with this client's ids.
    let stranger = setup(app, "cu-stranger").await;
    for (name, form) in [
        ("revoke_client_invitation", vec![("invitation_id", pending.to_string())]),
        ("resend_client_invitation", vec![("invitation_id", pending.to_string())]),
        (
            "set_client_user_active",
            vec![("user_id", owen_id.to_string()), ("active", "false".into())],
        ),
        (
            "change_client_user_role",
            vec![
                ("user_id", owen_id.to_string()),
                ("role_id", stranger.employee_role.to_string()),
            ],
        ),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(app.call(&stranger.admin.client, name, &form).await.0, 404, "{name}");
    }
    let (status, body) = app
        .call(
            &owen,
            "revoke_client_invitation",
            &[("invitation_id", &pending.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let list = app.call(&owen, "list_client_users", &[]).await.1;
    assert!(!list.to_string().contains("pat@example.com"), "revoked: {list}");
}

crate::on_both_backends!(
    a_client_admin_invites_a_client_user_who_sees_only_that_client,
    the_client_side_cannot_touch_practice_staff_or_escalate,
);
