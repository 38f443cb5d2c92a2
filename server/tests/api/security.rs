//! The doors an attacker tries: every password check shares one throttle that counts
//! before it checks, nobody grants more than they hold, cross-site requests are refused,
//! the session acts where the top bar says, and polling does not keep a session alive.

use serde_json::json;

use crate::helpers::{Admin, PASSWORD, TestApp, join_all, spawn_app_configured};
use crate::manage_users::create_role;
use app::identity::throttle;
use app::platform::db::Backend;

/// Signs `email` up as a practice of its own, through the API.
async fn sign_up_as(app: &TestApp, practice: &str, email: &str) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(
        &app.client(),
        "sign_up",
        &[
            ("practice_name", practice),
            ("name", "Vic Victim"),
            ("email", email),
            ("password", PASSWORD),
        ],
    )
    .await
}

async fn a_locked_login_stays_locked_through_every_door_even_for_the_right_password(app: &TestApp) {
    let victim = app.sign_up("victimlock").await;
    for _ in 0..throttle::PER_LOGIN.attempts {
        let (_, status, _) = app.sign_in(&victim.email, "not the password").await;
        assert_eq!(status, 422);
    }
    // Sign-in, sign-up with the existing login and accepting an invitation all refuse.
    let (_, status, _) = app.sign_in(&victim.email, PASSWORD).await;
    assert_eq!(status, 429);
    let token = app.sign_up_token(&app.client(), "Second practice", &victim.email).await;
    let (status, body) = app
        .call(
            &app.client(),
            "confirm_sign_up",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 429, "confirming a sign-up is a door too: {body}");
    let attacker = app.sign_up("attackerlock").await;
    let employee = app.role_id(attacker.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&attacker, "Vic Victim", &victim.email, employee)
        .await;
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 429, "accepting with an existing login is a door too: {body}");
    let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practice_members WHERE user_id = $1")
        .bind(victim.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(practices, 1, "no door let the caller in");
}

async fn guessing_through_sign_up_or_an_invitation_counts_like_sign_in(app: &TestApp) {
    let victim = app.sign_up("victimguess").await;
    // Whoever holds the link (here: as if the mailbox had leaked) guesses at the login's
    // password through the confirmation page.
    let token = app.sign_up_token(&app.client(), "Guess Ltd", &victim.email).await;
    for _ in 0..throttle::PER_LOGIN.attempts {
        let (status, body) = app
            .call(
                &app.client(),
                "confirm_sign_up",
                &[("token", &token), ("password", "a wrong guess 123")],
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["Invalid"]["field"], "password", "{body}");
    }
    let (_, status, _) = app.sign_in(&victim.email, PASSWORD).await;
    assert_eq!(status, 429, "sign-up guesses lock the login for sign-in too");
}

async fn sign_up_answers_the_same_whether_or_not_the_email_has_a_login(app: &TestApp) {
    let victim = app.sign_up("enumerate").await;
    let existing = app.start_sign_up(&app.client(), "Probe Ltd", &victim.email).await;
    let new = app
        .start_sign_up(&app.client(), "Probe Ltd", "nobody.yet@example.com")
        .await;
    assert_eq!(existing, "/signup/sent");
    assert_eq!(existing, new, "the same answer for both");
    // Nothing exists until the owner of the mailbox confirms.
    let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices WHERE name = 'Probe Ltd'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let logins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'nobody.yet@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!((practices, logins), (0, 0));
    // Both mailboxes get their link.
    let sink = app.smtp.as_ref().unwrap();
    for email in [victim.email.as_str(), "nobody.yet@example.com"] {
        let message = sink.wait_for(email, if email == victim.email { 1 } else { 0 }).await;
        assert!(message.data.contains("/signup/confirm/"), "{}", message.data);
        assert!(message.data.contains("Probe Ltd"), "{}", message.data);
    }
}

async fn confirming_a_sign_up_with_an_existing_login_adds_the_practice_to_it(app: &TestApp) {
    let owner = app.sign_up("twopractices").await;
    let token = app.sign_up_token(&app.client(), "Second Ltd", &owner.email).await;
    let (status, body) = app.call(&app.client(), "get_sign_up", &[("token", &token)]).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body["state"], "Open");
    assert_eq!(body["practice_name"], "Second Ltd");
    // The login's own password is asked for, not the one typed at sign-up (PASSWORD):
    // whoever signs up with someone's email learns nothing and gets nothing.
    let own = "the owner's own password";
    let hash = app::identity::password::hash(own.to_owned()).await.unwrap();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash.0)
        .bind(owner.user_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &app.client(),
            "confirm_sign_up",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let client = app.client();
    let (status, body) = app
        .call(&client, "confirm_sign_up", &[("token", &token), ("password", own)])
        .await;
    assert!(status.is_success(), "{body}");
    let memberships: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practice_members WHERE user_id = $1")
        .bind(owner.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(memberships, 2, "one login, two practices");
    let logins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(&owner.email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 1);
    assert_eq!(
        app.me(&client).await["current"]["name"],
        "Second Ltd",
        "signed in to the new practice"
    );
    // The link works once.
    let (status, _) = app
        .call(
            &app.client(),
            "confirm_sign_up",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    let (_, body) = app.call(&app.client(), "get_sign_up", &[("token", &token)]).await;
    assert_eq!(body["state"], "Invalid");
    let (status, _) = app
        .call(
            &app.client(),
            "confirm_sign_up",
            &[("token", &token), ("password", own)],
        )
        .await;
    assert_eq!(status, 409);
}

async fn a_sign_up_keeps_no_secret_in_plain_text_and_its_link_expires(app: &TestApp) {
    let token = app
        .sign_up_token(&app.client(), "Secretive Ltd", "secretive@example.com")
        .await;
    let (token_hash, password_hash): (String, String) =
        sqlx::query_as("SELECT token_hash, password_hash FROM sign_up_requests WHERE email = 'secretive@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_ne!(token_hash, token);
    assert!(password_hash.starts_with("$argon2id$"), "{password_hash}");
    let leaked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE body_text LIKE $1 OR body_html LIKE $1 OR body_text LIKE $2",
    )
    .bind(format!("%{token}%"))
    .bind(format!("%{PASSWORD}%"))
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(leaked, 0, "the outbox holds neither the link nor the password");
    sqlx::query("UPDATE sign_up_requests SET expires_at = 0 WHERE email = 'secretive@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let (_, body) = app.call(&app.client(), "get_sign_up", &[("token", &token)]).await;
    assert_eq!(body["state"], "Expired");
    let (status, body) = app
        .call(
            &app.client(),
            "confirm_sign_up",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let logins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'secretive@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 0);
}

async fn nobody_fills_another_s_mailbox_with_sign_up_emails(app: &TestApp) {
    for i in 0..throttle::SIGN_UP_MAILS_PER_EMAIL.attempts {
        let (status, body) = sign_up_as(app, &format!("Flood {i} Ltd"), "flooded@example.com").await;
        assert!(status.is_success(), "{body}");
    }
    let (status, body) = sign_up_as(app, "Flood Ltd", "flooded@example.com").await;
    assert_eq!(status, 429, "{body}");
    let requests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_up_requests WHERE email = 'flooded@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(requests, throttle::SIGN_UP_MAILS_PER_EMAIL.attempts);
}

async fn a_burst_of_parallel_guesses_cannot_pass_the_limit(app: &TestApp) {
    let victim = app.sign_up("burst").await;
    let clients: Vec<_> = (0..20).map(|_| app.client()).collect();
    let calls = clients
        .iter()
        .map(|c| {
            let form = [("email", victim.email.as_str()), ("password", "a wrong guess")];
            async move { app.call(c, "sign_in", &form).await.0 }
        })
        .collect();
    let statuses = join_all(calls).await;
    let checked = statuses.iter().filter(|s| s.as_u16() == 422).count();
    let refused = statuses.iter().filter(|s| s.as_u16() == 429).count();
    assert!(
        checked as i64 <= throttle::PER_LOGIN.attempts,
        "at most {} guesses were checked, not {checked}",
        throttle::PER_LOGIN.attempts
    );
    assert_eq!(checked + refused, statuses.len(), "{statuses:?}");
}

async fn the_right_password_gives_the_address_its_attempt_back(app: &TestApp) {
    let admin = app.sign_up("refund").await;
    // More sign-ins from one address than its limit, all right: an office behind one
    // address is not locked out by its own people.
    for _ in 0..throttle::PER_ADDRESS.attempts + 5 {
        let (_, status, body) = app.sign_in(&admin.email, PASSWORD).await;
        assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    }
}

/// A member whose custom role may manage users and list expenses, nothing else.
async fn office_manager(app: &TestApp, admin: &Admin, tag: &str) -> (crate::helpers::Client, i64, i64) {
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

async fn simultaneous_sign_ups_for_one_new_email_leave_one_login_and_no_500(app: &TestApp) {
    let mut tokens = Vec::new();
    for i in 0..4 {
        tokens.push(
            app.sign_up_token(&app.client(), &format!("Race {i} Ltd"), "rae.race@example.com")
                .await,
        );
    }
    let clients: Vec<_> = (0..4).map(|_| app.client()).collect();
    let calls = clients
        .iter()
        .zip(&tokens)
        .map(|(c, token)| async move {
            let form = [("token", token.as_str()), ("password", PASSWORD)];
            app.call(c, "confirm_sign_up", &form).await.0
        })
        .collect();
    let statuses = join_all(calls).await;
    assert!(statuses.iter().all(|s| s.as_u16() < 500), "{statuses:?}");
    let confirmed = statuses.iter().filter(|s| s.is_success()).count() as i64;
    assert!(confirmed >= 1, "{statuses:?}");
    let logins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'rae.race@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(logins, 1);
    let practices: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM practice_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'rae.race@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        practices, confirmed,
        "each confirmed sign-up made its practice, on the one login"
    );
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

async fn a_request_from_another_site_is_refused_before_any_work(app: &TestApp) {
    let admin = app.sign_up("csrf").await;
    let post = |headers: Vec<(&'static str, String)>| {
        let mut request = admin
            .client
            .http
            .post(format!("{}/api/add_client", app.address))
            .header("Accept", "application/json")
            .form(&[("name", "Forged Ltd"), ("plan", "small")]);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        request.send()
    };
    let refused = post(vec![("Origin", "https://evil.example".into())]).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap(), json!("CrossSite"));
    let refused = post(vec![
        ("Sec-Fetch-Site", "cross-site".into()),
        ("Origin", app.address.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), 403, "Sec-Fetch-Site wins when present");
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clients, 0, "nothing was done");
    // The app's own pages, with or without JavaScript, and scripts without a browser.
    let same = post(vec![("Origin", app.address.clone())]).await.unwrap();
    assert!(same.status().is_success(), "{}", same.status());
    let form = post(vec![("Sec-Fetch-Site", "same-origin".into())]).await.unwrap();
    assert_eq!(form.status(), 422, "reaches the function (the name is taken now)");
}

async fn after_sign_in_the_top_bar_and_the_actions_are_in_the_same_practice(app: &TestApp) {
    // Ada's own practice "Zeta" (created first), and "Alpha", which invites her.
    let ada = app.sign_up("zeta").await;
    let alpha = app.sign_up("alpha").await;
    let admin_role = app.role_id(alpha.practice_id, "Admin").await;
    sqlx::query("UPDATE practices SET name = 'Zeta practice' WHERE id = $1")
        .bind(ada.practice_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE practices SET name = 'Alpha practice' WHERE id = $1")
        .bind(alpha.practice_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let token = app
        .invite_and_read_link(&alpha, "Ada Admin", &ada.email, admin_role)
        .await;
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let shown_and_acted = |client: crate::helpers::Client| async move {
        let me = app.me(&client).await;
        let (_, users) = app.call(&client, "list_practice_users", &[]).await;
        (
            me["current"]["name"].as_str().unwrap().to_owned(),
            users["practice_name"].as_str().unwrap().to_owned(),
            client,
        )
    };
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    let (shown, acted, client) = shown_and_acted(client).await;
    assert_eq!(shown, acted, "what the top bar shows is where actions land");
    assert_eq!(
        shown, "Alpha practice",
        "no account chosen yet: the first practice by name"
    );
    // Choosing the other one is remembered for the next sign-in.
    let (status, _) = app
        .call(
            &client,
            "switch_account",
            &[("kind", "practice"), ("id", &ada.practice_id.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Zeta practice", "Zeta practice"));
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Zeta practice", "Zeta practice"));
    // Signed in while she had no account (deactivated in both), then given both back: the
    // session acts where the top bar says (the first practice by name), not where she was
    // last (Zeta).
    let set_status = |status: &'static str| async move {
        sqlx::query("UPDATE practice_members SET status = $1 WHERE user_id = $2")
            .bind(status)
            .bind(ada.user_id)
            .execute(app.db.pool())
            .await
            .unwrap();
    };
    set_status("deactivated").await;
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    assert_eq!(app.me(&client).await["current"], serde_json::Value::Null);
    set_status("active").await;
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Alpha practice", "Alpha practice"));
}

async fn polling_does_not_keep_an_idle_session_alive(app: &TestApp) {
    let admin = app.sign_up("poll").await;
    let old = app::platform::db::now() - 600;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2")
        .bind(old)
        .bind(admin.user_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &admin.client,
            "matrix_version",
            &[("user_id", &admin.user_id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen, old, "a poll is not activity");
    app.call(&admin.client, "list_staff", &[]).await;
    let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(seen > old, "a person's request is");
}

async fn invitations_and_sign_ups_are_rate_limited(app: &TestApp) {
    let admin = app.sign_up("ratelimit").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    // As if the practice had sent its hour's allowance already.
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, window_started, locked_until) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, window_started = excluded.window_started",
    )
    .bind(throttle::invitations_key(admin.practice_id))
    .bind(throttle::INVITATIONS_PER_PRACTICE.attempts)
    .bind(app::platform::db::now())
    .execute(app.db.pool())
    .await
    .unwrap();
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "One Too Many"),
                ("email", "toomany@example.com"),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["TooMany"]
            .as_str()
            .unwrap()
            .contains("invitations in the last hour"),
        "{body}"
    );
    let invitations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE email = 'toomany@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(invitations, 0, "nothing half-done");
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, window_started, locked_until) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, window_started = excluded.window_started",
    )
    .bind(throttle::sign_ups_key("127.0.0.1"))
    .bind(10_i64)
    .bind(app::platform::db::now())
    .execute(app.db.pool())
    .await
    .unwrap();
    let (status, _) = sign_up_as(app, "Spam Ltd", "spam@example.com").await;
    assert_eq!(status, 429);
}

async fn an_oversized_body_is_refused_before_it_is_read(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Raw HTTP: the server answers from the declared length and closes, which a client
    // still writing 16 MB would see as a broken pipe instead of the answer.
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/import_clients HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\ncsv=",
        server::MAX_BODY_BYTES + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

async fn with_smtp_the_sent_email_page_shows_no_live_link(app: &TestApp) {
    let admin = app.sign_up("hidelink").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Lin Link", "lin@example.com", employee)
        .await;
    let (status, body) = app.call(&admin.client, "list_sent_email", &[]).await;
    assert!(status.is_success());
    let text = body.to_string();
    assert!(!text.contains(&token), "the live token is not shown: {text}");
    assert!(text.contains("(link hidden)"), "{text}");
}

async fn an_invitation_link_does_not_tell_whether_its_email_has_a_login(app: &TestApp) {
    let inviter = app.sign_up("linkowner").await;
    let existing = app.sign_up("haslogin").await;
    let employee = app.role_id(inviter.practice_id, "Employee").await;
    let to_existing = app
        .invite_and_read_link(&inviter, "Has Login", &existing.email, employee)
        .await;
    let to_new = app
        .invite_and_read_link(&inviter, "New Person", "new.person@example.com", employee)
        .await;
    let view = |token: String| async move {
        let (status, body) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
        assert!(status.is_success());
        body["state"].clone()
    };
    assert_eq!(view(to_existing).await, view(to_new).await);
}

async fn with_smtp_no_live_link_is_stored_in_the_outbox(app: &TestApp) {
    let admin = app.sign_up("atrest").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Ria Rest", "ria@example.com", employee)
        .await;
    let bodies: Vec<(String, String)> = sqlx::query_as("SELECT body_text, body_html FROM email_outbox")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(!bodies.is_empty());
    for (text, html) in &bodies {
        assert!(
            !text.contains(&token) && !html.contains(&token),
            "the live token is not at rest"
        );
        assert!(text.contains(app::platform::mail::LINK_PLACEHOLDER));
    }
    // The link that was mailed is the one that works.
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
}

async fn an_oversized_body_without_a_declared_length_is_cut_off_with_a_4xx(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let admin = app.sign_up("chunked").await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/add_client HTTP/1.1\r\nHost: {address}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, "a".repeat(1 << 20));
    // The server may answer and close before all of it is written: that is the point.
    for _ in 0..(server::MAX_BODY_BYTES >> 20) + 2 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).await.unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    // Cut off at the cap, the request cannot be read (400); read whole, it would have
    // reached the function and been refused as a long name (422).
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clients, 0);
}

crate::on_both_backends!(
    an_oversized_body_without_a_declared_length_is_cut_off_with_a_4xx,
    with_smtp_no_live_link_is_stored_in_the_outbox,
    an_invitation_link_does_not_tell_whether_its_email_has_a_login,
    with_smtp_the_sent_email_page_shows_no_live_link,
    a_locked_login_stays_locked_through_every_door_even_for_the_right_password,
    guessing_through_sign_up_or_an_invitation_counts_like_sign_in,
    a_burst_of_parallel_guesses_cannot_pass_the_limit,
    the_right_password_gives_the_address_its_attempt_back,
    nobody_grants_more_than_they_hold,
    nobody_gives_back_what_they_could_not_give,
    simultaneous_sign_ups_for_one_new_email_leave_one_login_and_no_500,
    sign_up_answers_the_same_whether_or_not_the_email_has_a_login,
    confirming_a_sign_up_with_an_existing_login_adds_the_practice_to_it,
    a_sign_up_keeps_no_secret_in_plain_text_and_its_link_expires,
    nobody_fills_another_s_mailbox_with_sign_up_emails,
    an_admin_cannot_change_their_own_role,
    a_request_from_another_site_is_refused_before_any_work,
    after_sign_in_the_top_bar_and_the_actions_are_in_the_same_practice,
    polling_does_not_keep_an_idle_session_alive,
    invitations_and_sign_ups_are_rate_limited,
    an_oversized_body_is_refused_before_it_is_read,
);

/// Without SMTP nobody proves they own an email, so a server users reach from elsewhere
/// refuses sign-up (a local one, for trying the app, goes straight to confirmation).
async fn without_smtp_only_a_local_server_signs_up(backend: Backend) {
    let app = spawn_app_configured(backend, None, None, &[("APP_BASE_URL", "https://practice.example")]).await;
    let (status, body) = app
        .call(
            &app.client(),
            "sign_up",
            &[
                ("practice_name", "Remote Ltd"),
                ("name", "Rem Ote"),
                ("email", "rem@remote.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["NotAllowed"].as_str().unwrap().contains("SMTP_URL"), "{body}");
    let requests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_up_requests")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(requests, 0);
    app.cleanup().await;
    let local = spawn_app_configured(backend, None, None, &[]).await;
    let location = local
        .start_sign_up(&local.client(), "Local Ltd", "loc@local.example")
        .await;
    assert!(location.starts_with("/signup/confirm/"), "{location}");
    local.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_only_a_local_server_signs_up_on_sqlite() {
    without_smtp_only_a_local_server_signs_up(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_only_a_local_server_signs_up_on_postgres() {
    without_smtp_only_a_local_server_signs_up(Backend::Postgres).await;
}

async fn over_https_the_session_cookie_is_host_prefixed(backend: Backend) {
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_configured(
        backend,
        Some(url),
        Some(sink),
        &[("APP_BASE_URL", "https://practice.example")],
    )
    .await;
    let token = app
        .sign_up_token(&app.client(), "Secure Ltd", "sam@secure.example")
        .await;
    let response = app
        .client()
        .http
        .post(format!("{}/api/confirm_sign_up", app.address))
        .header("Accept", "application/json")
        .form(&[("token", token.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-pa_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_session_cookie_is_host_prefixed_on_sqlite() {
    over_https_the_session_cookie_is_host_prefixed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_session_cookie_is_host_prefixed_on_postgres() {
    over_https_the_session_cookie_is_host_prefixed(Backend::Postgres).await;
}

/// Two app servers on one PostgreSQL database: sessions, changes and the throttle are the
/// database's, not one process's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_servers_share_sessions_changes_and_the_throttle() {
    let app = crate::helpers::spawn_app(Backend::Postgres).await;
    let other = app.second_server().await;
    let admin = app.sign_up("scaleout").await;
    // A session made on the first server works on the second.
    let (status, me) = app.call_at(&other, &admin.client, "get_me", &[]).await;
    assert!(status.is_success());
    assert_eq!(me["email"], admin.email);
    // A change made on the first shows in the second's matrix.
    let (status, client) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "Shared Ltd"), ("plan", "small")],
        )
        .await;
    assert!(status.is_success());
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let user = admin.user_id.to_string();
    let client = client.as_i64().unwrap().to_string();
    let (status, _) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &user),
                ("client_id", &client),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (status, matrix) = app
        .call_at(
            &other,
            &admin.client,
            "get_matrix",
            &[("user_id", &user), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success());
    assert_eq!(matrix["rows"][0]["role_id"], employee);
    // Wrong guesses on both servers add up.
    for i in 0..throttle::PER_LOGIN.attempts {
        let server = if i % 2 == 0 { &app.address } else { &other };
        let (status, _) = app
            .call_at(
                server,
                &app.client(),
                "sign_in",
                &[("email", &admin.email), ("password", "a wrong guess")],
            )
            .await;
        assert_eq!(status, 422);
    }
    let (status, _) = app
        .call_at(
            &other,
            &app.client(),
            "sign_in",
            &[("email", &admin.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 429);
    app.cleanup().await;
}

/// Without SMTP the Sent email page keeps invitation links (local use); only Admins, who
/// may give any role, see them.
async fn without_smtp_only_admins_see_kept_links(app: &TestApp) {
    let admin = app.sign_up("keptlinks").await;
    let role = create_role(app, &admin, "Office manager", &["users.manage", "expenses.list"]).await;
    let (status, _) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Mo Manager"),
                ("email", "mo.kept@example.com"),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (_, mail) = app.call(&admin.client, "list_sent_email", &[]).await;
    let text = mail.to_string();
    let start = text.find("/invite/").expect("an Admin sees the kept link") + "/invite/".len();
    let token: String = text[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(token.len(), 64, "{text}");
    let manager = app.client();
    let (status, _) = app
        .call(
            &manager,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (status, _) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Ada Two"),
                ("email", "ada.two@example.com"),
                ("role_id", &app.role_id(admin.practice_id, "Admin").await.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (status, mail) = app.call(&manager, "list_sent_email", &[]).await;
    assert!(status.is_success());
    let text = mail.to_string();
    assert!(!text.contains(&token), "{text}");
    assert!(
        !text.contains("/invite/") || text.contains("(link hidden)"),
        "a manager sees no live link: {text}"
    );
    let hex_after_invite = text
        .match_indices("/invite/")
        .any(|(i, _)| text[i + 8..].chars().take_while(|c| c.is_ascii_hexdigit()).count() == 64);
    assert!(!hex_after_invite, "{text}");
}

crate::on_both_backends_with_smtp!(no_smtp, None; without_smtp_only_admins_see_kept_links);
