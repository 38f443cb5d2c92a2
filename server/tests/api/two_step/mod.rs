//! Two-step sign-in: turning it on, signing in with a code or a recovery code, codes used
//! once, the throttle on codes, every password door, the practice requirement and an
//! admin's reset. Codes are computed for chosen times (the clock under the test's
//! control): a code of the step before or after now is accepted, older or newer ones not.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp};
use app::account::two_step::ssr::{code_at, key_bytes};

mod required;
mod setting_up;
mod signing_in;

fn now() -> u64 {
    app::platform::db::now() as u64
}

/// Turns two-step sign-in on for `who`; returns the key and the recovery codes.
pub(crate) async fn turn_on(app: &TestApp, who: &Client) -> (Vec<u8>, Vec<String>) {
    let (status, page) = app.call(who, "get_two_step", &[]).await;
    assert!(status.is_success(), "{page}");
    assert_eq!(page["enabled"], false);
    assert_eq!(
        page["setup"],
        Value::Null,
        "no key before the password is entered again"
    );
    let (status, body) = app
        .call(who, "start_two_step", &[("password", "not the password")])
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(app.call(who, "get_two_step", &[]).await.1["setup"], Value::Null);
    let (status, setup) = app.call(who, "start_two_step", &[("password", PASSWORD)]).await;
    assert!(status.is_success(), "{setup}");
    assert!(setup["qr_svg"].as_str().unwrap().starts_with("<svg"), "{setup}");
    let key = key_bytes(setup["key"].as_str().unwrap()).expect("base32 key");
    // A reload shows the same key until it is confirmed.
    let again = app.call(who, "get_two_step", &[]).await.1;
    assert_eq!(again["setup"]["key"], setup["key"]);

    let (status, body) = app
        .call(
            who,
            "confirm_two_step",
            &[("password", "not the password"), ("code", &code_at(&key, now()))],
        )
        .await;
    assert_eq!(status, 422, "the password is asked for too: {body}");
    assert!(body.to_string().contains("password"), "{body}");
    let (status, body) = app
        .call(
            who,
            "confirm_two_step",
            &[("password", PASSWORD), ("code", &code_at(&key, now() - 120))],
        )
        .await;
    assert_eq!(status, 422, "an old code: {body}");
    let (status, codes) = app
        .call(
            who,
            "confirm_two_step",
            &[("password", PASSWORD), ("code", &code_at(&key, now()))],
        )
        .await;
    assert!(status.is_success(), "{codes}");
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    (key, codes)
}

/// Signs in with the password only; the session waits for the code.
pub(crate) async fn password_step(app: &TestApp, email: &str) -> Client {
    let (who, status, body) = app.sign_in(email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    assert_eq!(app.me(&who).await, Value::Null, "not signed in before the code");
    who
}

pub(crate) async fn verify(app: &TestApp, who: &Client, code: &str) -> (reqwest::StatusCode, Value) {
    app.call(who, "verify_sign_in", &[("code", code)]).await
}

async fn list_required(app: &TestApp, admin: &Admin) -> Value {
    app.call(&admin.client, "list_practice_users", &[]).await.1["two_step_required"].clone()
}

/// Invites `staff.<tag>@example.com` as Employee and signs them in.
async fn invite_staff(app: &TestApp, admin: &Admin, tag: &str) -> Client {
    let employee = app.role_id(admin.practice_id, "Employee").await;
    invite_as(app, admin, &format!("staff.{tag}@example.com"), employee).await
}

/// Invites `email` with `role` and signs them in.
async fn invite_as(app: &TestApp, admin: &Admin, email: &str, role: i64) -> Client {
    let token = app.invite_and_read_link(admin, "Sam Staff", email, role).await;
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    who
}
