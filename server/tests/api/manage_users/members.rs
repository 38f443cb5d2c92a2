//! Members: deactivation and reactivation, the main user, and the users table at size.

use super::*;

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

crate::on_both_backends!(
    manage_users_searches_filters_and_pages_a_large_practice,
    deactivating_ends_sessions_at_once_and_reactivating_restores_access,
    the_main_user_can_be_neither_deactivated_nor_demoted_only_transferred,
);
