//! Manage users: who may call what, invitations over a real SMTP conversation, and the
//! rules about members and the main user.

use serde_json::json;

use crate::helpers::{Admin, PASSWORD, TestApp};

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

async fn an_invitation_email_carries_a_single_use_link_that_signs_the_invitee_in(app: &TestApp) {
    let admin = app.sign_up("invite").await;
    let role = create_role(app, &admin, "Bookkeeper", &["expenses.list", "expenses.drafts.list"]).await;
    let token = app
        .invite_and_read_link(&admin, "Nia Newcomer", "nia@example.com", role)
        .await;
    let message = app.smtp.as_ref().unwrap().messages().pop().unwrap();
    assert!(
        message
            .data
            .contains("Subject: Ada Admin invited you to Practice invite on Practice Access"),
        "{}",
        message.data
    );
    assert!(
        message.data.contains("text/plain") && message.data.contains("text/html"),
        "plain and HTML parts"
    );
    assert!(
        message.data.contains(&format!("{}/invite/{token}", app.address)),
        "link built from APP_BASE_URL"
    );
    assert!(
        !message.data.to_lowercase().contains("password:"),
        "no password is ever emailed"
    );
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations WHERE email = 'nia@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_ne!(stored, token, "only a hash of the token is stored");

    let nia = app.client();
    let (_, view) = app.call(&nia, "get_invitation", &[("token", &token)]).await;
    assert_eq!(view["practice_name"], "Practice invite");
    assert_eq!(view["role_name"], "Bookkeeper");
    assert_eq!(view["state"], json!("Open"));
    let (status, body) = app
        .call(&nia, "accept_invitation", &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .call(&nia, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection());
    let me = app.me(&nia).await;
    assert_eq!(me["email"], "nia@example.com");
    assert_eq!(me["current"]["role_name"], "Bookkeeper");

    // Single use: the same link now fails, and the invitee can sign in normally.
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    let (_, status, _) = app.sign_in("nia@example.com", PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    let list = app.call(&admin.client, "list_practice_users", &[]).await.1;
    let line = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == "nia@example.com")
        .unwrap()
        .clone();
    assert_eq!(line["status"], "Active");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE practice_id = $1 ORDER BY id")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for expected in [
        "practice.created",
        "role.created",
        "invitation.created",
        "invitation.accepted",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

async fn inviting_a_member_or_an_already_invited_email_says_so(app: &TestApp) {
    let admin = app.sign_up("dup").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Me"),
                ("email", &admin.email.to_uppercase()),
                ("role_id", &employee),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("already a member"),
        "{body}"
    );
    app.invite_and_read_link(&admin, "Kim", "kim@example.com", employee.parse().unwrap())
        .await;
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", "Kim"), ("email", "kim@example.com"), ("role_id", &employee)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("pending invitation"),
        "{body}"
    );
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", ""), ("email", "x@example.com"), ("role_id", &employee)],
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["Invalid"]["field"].as_str()),
        (422, Some("name"))
    );
}

async fn resending_replaces_the_link_and_revoking_kills_it(app: &TestApp) {
    let admin = app.sign_up("resend").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let first = app
        .invite_and_read_link(&admin, "Lee", "lee@example.com", employee)
        .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'lee@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &admin.client,
            "resend_invitation",
            &[("invitation_id", &id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let second =
        crate::helpers::invitation_token(&app.smtp.as_ref().unwrap().wait_for("lee@example.com", 1).await.data);
    assert_ne!(first, second);
    let (_, old) = app.call(&app.client(), "get_invitation", &[("token", &first)]).await;
    assert!(old.get("NotFound").is_some(), "the old link no longer works: {old}");
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &first), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = app
        .call(
            &admin.client,
            "revoke_invitation",
            &[("invitation_id", &id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &second), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409, "a revoked invitation cannot be accepted");
}

async fn an_expired_invitation_shows_as_expired_and_cannot_be_accepted(app: &TestApp) {
    let admin = app.sign_up("expired").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Old", "old@example.com", employee)
        .await;
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE email = 'old@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let list = app.call(&admin.client, "list_practice_users", &[]).await.1;
    assert!(
        list["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["email"] == "old@example.com" && l["status"] == "Expired")
    );
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("expired"));
}

async fn deactivating_ends_sessions_at_once_and_reactivating_restores_access(app: &TestApp) {
    let admin = app.sign_up("deact").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Dee", "dee@example.com", employee)
        .await;
    let dee = app.client();
    app.call(&dee, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    let dee_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'dee@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &admin.client,
            "set_member_active",
            &[("user_id", &dee_id.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success());
    assert_eq!(
        app.me(&dee).await,
        serde_json::Value::Null,
        "the session ended immediately"
    );
    let (again, _, _) = app.sign_in("dee@example.com", PASSWORD).await;
    assert_eq!(
        app.me(&again).await["current"],
        serde_json::Value::Null,
        "no account to act in while deactivated"
    );
    let (status, body) = app.call(&again, "list_staff", &[]).await;
    assert_eq!(status, 403);
    assert!(
        body.to_string()
            .contains("You do not have access to any practice at the moment"),
        "says why in words: {body}"
    );
    app.call(
        &admin.client,
        "set_member_active",
        &[("user_id", &dee_id.to_string()), ("active", "true")],
    )
    .await;
    assert_eq!(app.me(&again).await["current"]["kind"], "Practice");
    // The session that signed in with no account now acts in the practice its top bar
    // shows, with Dee's role there (made Admin here, so the practice's pages open).
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let (status, body) = app
        .call(
            &admin.client,
            "change_member_role",
            &[("user_id", &dee_id.to_string()), ("role_id", &admin_role.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.call(&again, "list_staff", &[]).await;
    assert_eq!(
        status, 200,
        "the practice's pages open without signing in again: {body}"
    );
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('member.deactivated', 'member.reactivated')",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(audit, 2);
}

async fn the_main_user_can_be_neither_deactivated_nor_demoted_only_transferred(app: &TestApp) {
    let admin = app.sign_up("main").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let token = app
        .invite_and_read_link(&admin, "Mo", "mo@example.com", admin_role)
        .await;
    let mo = app.client();
    app.call(&mo, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    let main = admin.user_id.to_string();
    let (status, _) = app
        .call(&mo, "set_member_active", &[("user_id", &main), ("active", "false")])
        .await;
    assert_eq!(status, 409);
    let (status, _) = app
        .call(
            &mo,
            "change_member_role",
            &[("user_id", &main), ("role_id", &employee.to_string())],
        )
        .await;
    assert_eq!(status, 409);
    let mo_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'mo@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // Only the main user hands the role over.
    let (status, _) = app
        .call(&mo, "transfer_main_user", &[("user_id", &mo_id.to_string())])
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(&admin.client, "transfer_main_user", &[("user_id", &mo_id.to_string())])
        .await;
    assert!(status.is_success());
    let main_now: i64 =
        sqlx::query_scalar("SELECT user_id FROM practice_members WHERE practice_id = $1 AND is_main = 1")
            .bind(admin.practice_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(main_now, mo_id);
    let (status, _) = app
        .call(
            &mo,
            "change_member_role",
            &[("user_id", &main), ("role_id", &employee.to_string())],
        )
        .await;
    assert!(status.is_success(), "the former main user can now be demoted");
}

async fn an_smtp_outage_loses_no_invitation_and_does_not_fail_the_request(app: &TestApp) {
    // This app's SMTP_URL points at a port nobody listens on.
    let admin = app.sign_up("outage").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", "Oz"), ("email", "oz@example.com"), ("role_id", &employee)],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let mut attempts = 0;
    for _ in 0..100 {
        let row: (String, i64, Option<String>) =
            sqlx::query_as("SELECT status, attempts, last_error FROM email_outbox WHERE to_address = 'oz@example.com'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        attempts = row.1;
        if attempts > 0 {
            assert_eq!(row.0, "pending", "kept for a retry");
            assert!(row.2.is_some(), "the failure is recorded");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(attempts > 0, "the worker tried to send");
}

async fn without_smtp_mail_is_kept_for_admins_to_read(app: &TestApp) {
    let admin = app.sign_up("kept").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    app.call(
        &admin.client,
        "invite_user",
        &[("name", "Kai"), ("email", "kai@example.com"), ("role_id", &employee)],
    )
    .await;
    let (status, body) = app.call(&admin.client, "list_sent_email", &[]).await;
    assert!(status.is_success());
    assert_eq!(body[0], false, "no SMTP configured");
    let mail = &body[1][0];
    assert_eq!(mail["to"], "kai@example.com");
    assert_eq!(mail["status"], "kept");
    let token = crate::helpers::invitation_token(mail["body"].as_str().unwrap());
    let (_, view) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
    assert_eq!(view["email"], "kai@example.com");
}

async fn manage_users_searches_filters_and_pages_a_large_practice(app: &TestApp) {
    let admin = app.sign_up("atsize").await;
    let mut staff = Vec::new();
    for i in 0..60 {
        staff.push(crate::helpers::seed_staff(app, admin.practice_id, &format!("s{i}")).await);
    }
    sqlx::query("UPDATE practice_members SET status = 'deactivated' WHERE user_id = $1")
        .bind(staff[0])
        .execute(app.db.pool())
        .await
        .unwrap();
    let employee = app.role_id(admin.practice_id, "Employee").await;
    for email in ["ivy.invited@example.com", "eve.expired@example.com"] {
        let (status, body) = app
            .call(
                &admin.client,
                "invite_user",
                &[
                    ("name", "Invitee"),
                    ("email", email),
                    ("role_id", &employee.to_string()),
                ],
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    sqlx::query("UPDATE invitations SET expires_at = 0 WHERE email = 'eve.expired@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let list = |search: &str, role: String, status: &str, page: &str| {
        let form = [
            ("search", search.to_owned()),
            ("role", role),
            ("status", status.to_owned()),
            ("page", page.to_owned()),
        ];
        let client = &admin.client;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(client, "list_practice_users", &pairs).await
        }
    };
    let counts = |body: &serde_json::Value| {
        (
            body["matching"].as_i64().unwrap(),
            body["total"].as_i64().unwrap(),
            body["lines"].as_array().unwrap().len(),
        )
    };
    // 1 admin + 60 staff + 2 invitations, 50 to a page.
    let (_, all) = list("", String::new(), "", "0").await;
    assert_eq!(counts(&all), (63, 63, 50));
    let (_, second) = list("", String::new(), "", "1").await;
    assert_eq!(counts(&second), (63, 63, 13));
    // Name or email, any case; wildcards are plain characters.
    let (_, found) = list("STAFF.S1", String::new(), "", "0").await;
    assert_eq!(counts(&found).0, 11, "staff.s1 and staff.s10 to s19");
    let (_, found) = list("ada adm", String::new(), "", "0").await;
    assert_eq!(counts(&found).0, 1);
    assert_eq!(found["lines"][0]["email"], admin.email);
    let (_, found) = list("%", String::new(), "", "0").await;
    assert_eq!(counts(&found).0, 0);
    // Role and status filters, combined with the search.
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let (_, found) = list("", admin_role.to_string(), "", "0").await;
    assert_eq!(counts(&found).0, 1);
    for (status, expected) in [("active", 60), ("deactivated", 1), ("invited", 1), ("expired", 1)] {
        let (code, found) = list("", String::new(), status, "0").await;
        assert!(code.is_success(), "{found}");
        assert_eq!(counts(&found).0, expected, "{status}");
    }
    let (_, found) = list("eve", employee.to_string(), "expired", "0").await;
    assert_eq!(counts(&found).0, 1);
    assert_eq!(found["lines"][0]["status"], "Expired");
    // A request that still sends no filters gets everything (scripts call it so).
    let (_, bare) = app.call(&admin.client, "list_practice_users", &[]).await;
    assert_eq!(counts(&bare), (63, 63, 50));
    // Garbage is a clear 422.
    let (code, body) = list("", String::new(), "sleeping", "0").await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "status");
    let (code, body) = list("", "admin".into(), "", "0").await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "role");
}

crate::on_both_backends!(
    manage_users_searches_filters_and_pages_a_large_practice,
    every_manage_users_function_refuses_anonymous_callers_and_staff_without_the_permission,
    an_admin_of_another_practice_cannot_reach_this_practices_users_roles_or_invitations,
    an_invitation_email_carries_a_single_use_link_that_signs_the_invitee_in,
    inviting_a_member_or_an_already_invited_email_says_so,
    resending_replaces_the_link_and_revoking_kills_it,
    an_expired_invitation_shows_as_expired_and_cannot_be_accepted,
    deactivating_ends_sessions_at_once_and_reactivating_restores_access,
    the_main_user_can_be_neither_deactivated_nor_demoted_only_transferred,
);

crate::on_both_backends_with_smtp!(
    smtp_down, Some("smtp://127.0.0.1:9".to_owned());
    an_smtp_outage_loses_no_invitation_and_does_not_fail_the_request
);
crate::on_both_backends_with_smtp!(no_smtp, None; without_smtp_mail_is_kept_for_admins_to_read);

/// On PostgreSQL reading a member does not wait for a transaction changing it. A demotion,
/// deactivation or offboarding of someone who is being made the main user must wait for
/// the handover and then be refused: the main user is always an active Admin, so the
/// practice never ends up without one. And a second handover by the same main user waits,
/// then finds they are no longer the main user. SQLite runs one writer at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_to_who_the_admins_are_wait_for_a_handover_of_the_main_user_on_postgres() {
    use app::platform::db::Backend;
    let app = crate::helpers::spawn_app(Backend::Postgres).await;
    crate::helpers::bounded(async {
        let admin = app.sign_up("race-main").await;
        let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
        let admin_role = app.role_id(admin.practice_id, "Admin").await;
        let new_admin = |tag: String| {
            let app = &app;
            async move {
                let id = crate::helpers::seed_staff(app, admin.practice_id, &tag).await;
                sqlx::query("UPDATE practice_members SET role_id = $1 WHERE user_id = $2")
                    .bind(admin_role)
                    .bind(id)
                    .execute(app.db.pool())
                    .await
                    .unwrap();
                id
            }
        };
        // (what, endpoint, its other field, whether it acts on the incoming main user, why refused)
        let races = [
            ("transfer", "transfer_main_user", None, false, "Your own role changed"),
            (
                "demote",
                "change_member_role",
                Some(("role_id", employee)),
                true,
                "main user",
            ),
            (
                "deactivate",
                "set_member_active",
                Some(("active", "false".to_owned())),
                true,
                "main user",
            ),
            ("offboard", "offboard_member", None, true, "main user"),
        ];
        let mut main = admin.user_id;
        for (tag, endpoint, field, on_next, why) in races {
            let next = new_admin(format!("race-main-{tag}")).await;
            // The handover, half done as `transfer_main` writes it: the practice held, the
            // main user moved, not yet committed.
            let mut handover = app.db.pool().begin().await.unwrap();
            sqlx::query("SELECT 1 FROM practices WHERE id = $1 FOR NO KEY UPDATE")
                .bind(admin.practice_id)
                .execute(&mut *handover)
                .await
                .unwrap();
            for (is_main, user) in [(0, main), (1, next)] {
                sqlx::query("UPDATE practice_members SET is_main = $1 WHERE practice_id = $2 AND user_id = $3")
                    .bind(is_main)
                    .bind(admin.practice_id)
                    .bind(user)
                    .execute(&mut *handover)
                    .await
                    .unwrap();
            }
            let target = if on_next {
                next
            } else {
                new_admin(format!("race-main-{tag}-other")).await
            };
            let mut form = vec![("user_id", target.to_string())];
            form.extend(field);
            let request = app.call_in_background(&admin.client, endpoint, form);
            crate::helpers::until_waiting_for_a_lock(&app, &request).await;
            handover.commit().await.unwrap();
            let (status, body) = request.await.unwrap();
            assert_eq!(status, 409, "{tag}: refused once the handover committed: {body}");
            assert!(body.contains(why), "{tag}: says why: {body}");
            let mains: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT m.user_id, r.kind, m.status FROM practice_members m JOIN roles r ON r.id = m.role_id
                 WHERE m.practice_id = $1 AND m.is_main = 1",
            )
            .bind(admin.practice_id)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
            assert_eq!(mains, [(next, "admin".to_owned(), "active".to_owned())], "{tag}");
            main = next;
        }
    })
    .await;
    app.cleanup().await;
}
