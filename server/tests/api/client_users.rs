//! A client's own Manage users (Small, Medium, Large): client-side invitations, the line
//! between practice staff and client users, and what a move to Practice Edition does.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp, invitation_token};

/// A practice whose admin has Admin on a Small client and acts in it.
struct Setup {
    admin: Admin,
    client_id: i64,
    admin_role: i64,
    employee_role: i64,
}

async fn setup(app: &TestApp, tag: &str) -> Setup {
    let admin = app.sign_up(tag).await;
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    let client_id = body.as_i64().unwrap();
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee_role = app.role_id(admin.practice_id, "Employee").await;
    give(app, &admin, admin.user_id, client_id, admin_role).await;
    switch_to_client(app, &admin.client, client_id).await;
    Setup {
        admin,
        client_id,
        admin_role,
        employee_role,
    }
}

async fn give(app: &TestApp, admin: &Admin, user: i64, client: i64, role: i64) {
    let (status, body) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &user.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

async fn switch_to_client(app: &TestApp, who: &Client, client: i64) {
    let (status, body) = app
        .call(
            who,
            "switch_account",
            &[("kind", "client"), ("id", &client.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
}

/// Invites from the client's page and returns the emailed link's token.
async fn invite(app: &TestApp, who: &Client, name: &str, email: &str, role: i64) -> String {
    let seen = app.mail_count(email);
    let (status, body) = app
        .call(
            who,
            "invite_client_user",
            &[("name", name), ("email", email), ("role_id", &role.to_string())],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let message = app.smtp.as_ref().unwrap().wait_for(email, seen).await;
    invitation_token(&message.data)
}

async fn accept(app: &TestApp, token: &str) -> Client {
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    who
}

fn line<'a>(list: &'a Value, email: &str) -> &'a Value {
    list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email)
        .unwrap_or_else(|| panic!("{email} not in {list}"))
}

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

async fn switch_practice(app: &TestApp, admin: &Admin) {
    let (status, _) = app
        .call(
            &admin.client,
            "switch_account",
            &[("kind", "practice"), ("id", &admin.practice_id.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
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
    // Inviting practice staff from the client's side is refused: the matrix gives them access.
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
    a_client_admin_invites_a_client_user_who_sees_only_that_client,
    the_client_side_cannot_touch_practice_staff_or_escalate,
    practice_edition_hides_the_page_and_the_client_users_keep_access,
);
