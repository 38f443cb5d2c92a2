//! Signing up: the same answer whatever the email, nothing secret kept in plain text,
//! nobody's mailbox filled, one login per email however many at once.

use super::*;

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

crate::on_both_backends!(
    simultaneous_sign_ups_for_one_new_email_leave_one_login_and_no_500,
    sign_up_answers_the_same_whether_or_not_the_email_has_a_login,
    confirming_a_sign_up_with_an_existing_login_adds_the_practice_to_it,
    a_sign_up_keeps_no_secret_in_plain_text_and_its_link_expires,
    nobody_fills_another_s_mailbox_with_sign_up_emails,
);
