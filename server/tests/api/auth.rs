//! Sign-up, sign-in, sessions and throttling.

use crate::helpers::{PASSWORD, TestApp};

async fn signing_up_creates_a_practice_whose_creator_is_the_admin_main_user_and_is_signed_in(app: &TestApp) {
    let admin = app.sign_up("signup").await;
    let (role, is_main): (String, i64) = sqlx::query_as(
        "SELECT r.kind, m.is_main FROM practice_members m JOIN roles r ON r.id = m.role_id WHERE m.user_id = $1",
    )
    .bind(admin.user_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((role.as_str(), is_main), ("admin", 1));
    let me = app.me(&admin.client).await;
    assert_eq!(me["email"], admin.email);
    assert_eq!(me["current"]["name"], "Practice signup");
    assert_eq!(me["can_manage_users"], true);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$"),
        "passwords are stored as argon2id hashes"
    );
}

async fn sign_up_refuses_bad_input_field_by_field_and_creates_nothing(app: &TestApp) {
    let c = app.client();
    let cases = [
        (("", "Ann", "ann@example.com", PASSWORD), "practice_name"),
        (("P", "Ann", "not-an-email", PASSWORD), "email"),
        (("P", "Ann", "ann@example.com", "short"), "password"),
        (("P", "Ann", "ann@example.com", "password123"), "password"),
    ];
    for ((practice, name, email, password), field) in cases {
        let (status, body) = app
            .call(
                &c,
                "sign_up",
                &[
                    ("practice_name", practice),
                    ("name", name),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(practices, 0);
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: &TestApp) {
    let admin = app.sign_up("wrong").await;
    let (_, wrong_status, wrong) = app.sign_in(&admin.email, "not the password").await;
    let (_, unknown_status, unknown) = app.sign_in("nobody@example.com", "not the password").await;
    assert_eq!(wrong_status, 422);
    assert_eq!((wrong_status, &wrong), (unknown_status, &unknown));
    assert_eq!(wrong["Invalid"]["message"], "Email or password is incorrect.");
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(failures, 2, "failed sign-ins are audited");
}

async fn signing_in_starts_a_fresh_http_only_session(app: &TestApp) {
    let admin = app.sign_up("signin").await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/sign_in", app.address))
        .header("Accept", "application/json")
        .form(&[("email", admin.email.as_str()), ("password", PASSWORD)])
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
    assert!(cookie.starts_with("pa_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http base URL: no Secure flag");
    let (client, status, _) = app.sign_in(&admin.email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(app.me(&client).await["email"], admin.email);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 3, "sign-up, and two sign-ins from two browsers");
}

async fn signing_out_ends_the_session_on_the_server(app: &TestApp) {
    let admin = app.sign_up("signout").await;
    let token_hashes_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    app.call(&admin.client, "sign_out", &[]).await;
    assert_eq!(app.me(&admin.client).await, serde_json::Value::Null);
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(after, token_hashes_before - 1);
}

async fn an_idle_session_expires(app: &TestApp) {
    let admin = app.sign_up("idle").await;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1 WHERE user_id = $2")
        .bind(app::identity::session::IDLE_TIMEOUT_SECS + 1)
        .bind(admin.user_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(app.me(&admin.client).await, serde_json::Value::Null);
    let (status, body) = app.call(&admin.client, "list_practice_users", &[]).await;
    assert_eq!(status, 401, "{body}");
}

async fn repeated_failures_lock_the_account_even_for_the_right_password(app: &TestApp) {
    let admin = app.sign_up("lock").await;
    for _ in 0..app::identity::throttle::PER_LOGIN.attempts {
        let (_, status, _) = app.sign_in(&admin.email, "not the password").await;
        assert_eq!(status, 422);
    }
    let (_, status, body) = app.sign_in(&admin.email, PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    let minutes = body["RateLimited"]["minutes"].as_i64().unwrap();
    assert!(minutes > 0);
    // Scripts are told when to try again, in seconds.
    let locked = app
        .client()
        .http
        .post(format!("{}/api/sign_in", app.address))
        .header("Accept", "application/json")
        .form(&[("email", admin.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);
    let retry: i64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, minutes * 60);
    // Unknown emails lock the same way, so the lock reveals nothing either.
    for _ in 0..app::identity::throttle::PER_LOGIN.attempts {
        app.sign_in("ghost@example.com", "x").await;
    }
    let (_, status, _) = app.sign_in("ghost@example.com", "x").await;
    assert_eq!(status, 429);
}

crate::on_both_backends!(
    signing_up_creates_a_practice_whose_creator_is_the_admin_main_user_and_is_signed_in,
    sign_up_refuses_bad_input_field_by_field_and_creates_nothing,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    signing_in_starts_a_fresh_http_only_session,
    signing_out_ends_the_session_on_the_server,
    an_idle_session_expires,
    repeated_failures_lock_the_account_even_for_the_right_password,
);
