//! A forgotten password: the same answer for every email, a link that works once for an
//! hour, and a new password that signs out every other place.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Admin, PASSWORD, TestApp, link_token};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn ask(app: &TestApp, email: &str) -> (StatusCode, Value) {
    app.call(&app.client(), "request_password_reset", &[("email", email)])
        .await
}

async fn reset_link(app: &TestApp, email: &str, seen: usize) -> String {
    let mail = app.smtp.as_ref().unwrap().wait_for(email, seen).await;
    assert!(mail.data.contains("Choose a new password"), "{}", mail.data);
    link_token(&mail.data, "/reset-password/")
}

async fn a_forgotten_password_is_reset_by_an_emailed_link(app: &TestApp) {
    let admin: Admin = app.sign_up("reset").await;
    let (elsewhere, _, _) = app.sign_in(&admin.email, PASSWORD).await;
    // The same answer for an email with a login and one without.
    let seen = app.mail_count(&admin.email);
    let known = ask(app, &admin.email).await;
    let unknown = ask(app, "nobody.reset@example.com").await;
    assert!(known.0.is_success() || known.0.is_redirection(), "{known:?}");
    assert_eq!(known, unknown);
    let token = reset_link(app, &admin.email, seen).await;
    assert_eq!(app.mail_count("nobody.reset@example.com"), 0);

    let (status, _) = app
        .call(&app.client(), "get_password_reset", &[("token", &token)])
        .await;
    assert!(status.is_success());
    // A weak password is refused and leaves the link open.
    let here = app.client();
    let (status, body) = app
        .call(&here, "reset_password", &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .call(
            &here,
            "reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert!(app.me(&here).await.is_object(), "this browser is signed in");
    assert_eq!(app.me(&admin.client).await, Value::Null, "every other session ended");
    assert_eq!(app.me(&elsewhere).await, Value::Null);
    // The link works once; the old password no longer signs in, the new one does.
    let (status, _) = app
        .call(
            &app.client(),
            "reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, 404);
    let (_, status, _) = app.sign_in(&admin.email, PASSWORD).await;
    assert_eq!(status, 422);
    let (again, status, body) = app.sign_in(&admin.email, NEW_PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let (_, log) = app
        .call(&again, "list_audit_events", &[("action", "user.password_reset")])
        .await;
    assert_eq!(
        log["entries"][0]["sentence"], "Ada Admin set a new password with a reset link",
        "{log}"
    );
}

async fn asking_is_limited_per_email_the_same_with_or_without_a_login(app: &TestApp) {
    let admin = app.sign_up("reset-limit").await;
    for email in [admin.email.as_str(), "nobody.limit@example.com"] {
        for _ in 0..3 {
            let (status, body) = ask(app, email).await;
            assert!(status.is_success() || status.is_redirection(), "{body}");
        }
        let (status, body) = ask(app, email).await;
        assert_eq!(status, 429, "{email}: {body}");
    }
    // Not an email: said so, whatever the allowance.
    let garbage = ask(app, "not an email").await;
    assert_eq!(garbage.0, 422);
}

async fn with_two_step_sign_in_the_code_comes_next(app: &TestApp) {
    let admin = app.sign_up("reset-2fa").await;
    crate::two_step::turn_on(app, &admin.client).await;
    let seen = app.mail_count(&admin.email);
    ask(app, &admin.email).await;
    let token = reset_link(app, &admin.email, seen).await;
    let here = app.client();
    let page = format!("{}/reset-password/{token}", app.address);
    let (status, location, _) = crate::clients::post_plain_form(
        app,
        &here,
        "reset_password",
        &page,
        &[("token", token.as_str()), ("password", NEW_PASSWORD)],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, "/login/two-step");
    assert_eq!(app.me(&here).await, Value::Null, "not signed in before the code");
}

crate::on_both_backends!(
    a_forgotten_password_is_reset_by_an_emailed_link,
    asking_is_limited_per_email_the_same_with_or_without_a_login,
    with_two_step_sign_in_the_code_comes_next,
);
