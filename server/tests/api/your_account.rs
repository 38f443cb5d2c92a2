//! Your account: name, email (by a link to the new address; the old one is told), password
//! (the current one first; the other sessions end) and where the login is signed in.

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, link_token};

async fn sentences(app: &TestApp, who: &crate::helpers::Client, action: &str) -> Vec<String> {
    let (_, log) = app.call(who, "list_audit_events", &[("action", action)]).await;
    log["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect()
}

async fn name_password_and_sessions(app: &TestApp) {
    let admin = app.sign_up("account").await;
    let (second, _, _) = app.sign_in(&admin.email, PASSWORD).await;
    let (third, _, _) = app.sign_in(&admin.email, PASSWORD).await;
    let (status, account) = app.call(&admin.client, "get_your_account", &[]).await;
    assert!(status.is_success(), "{account}");
    assert_eq!(account["email"], admin.email.as_str());
    let sessions = account["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{account}");
    assert_eq!(sessions.iter().filter(|s| s["this"] == true).count(), 1);

    // The name.
    let (status, body) = app
        .call(&admin.client, "change_name", &[("name", "Ada Lovelace")])
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&admin.client).await["name"], "Ada Lovelace");
    let (status, _) = app.call(&admin.client, "change_name", &[("name", "   ")]).await;
    assert_eq!(status, 422);

    // Signing out one other session, by its id.
    let other = sessions.iter().find(|s| s["this"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = app
        .call(&admin.client, "sign_out_session", &[("session", &other)])
        .await;
    assert!(status.is_success(), "{body}");
    let signed_in = [app.me(&second).await.is_object(), app.me(&third).await.is_object()];
    assert_eq!(
        signed_in.iter().filter(|s| **s).count(),
        1,
        "one of the two is signed out"
    );
    let (status, _) = app
        .call(&admin.client, "sign_out_session", &[("session", &other)])
        .await;
    assert_eq!(status, 404, "gone already");
    // Another login's session is not found by its id.
    let stranger = app.sign_up("account-stranger").await;
    let (_, theirs) = app.call(&stranger.client, "get_your_account", &[]).await;
    let theirs = theirs["sessions"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(&admin.client, "sign_out_session", &[("session", &theirs)])
        .await;
    assert_eq!(status, 404);
    assert!(app.me(&stranger.client).await.is_object());

    // The password: the current one first; then every other session ends.
    let (status, body) = app
        .call(
            &admin.client,
            "change_password",
            &[
                ("current_password", "wrong guess"),
                ("new_password", "a fresh passphrase"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "current_password", "{body}");
    let (status, body) = app
        .call(
            &admin.client,
            "change_password",
            &[("current_password", PASSWORD), ("new_password", "a fresh passphrase")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert!(app.me(&admin.client).await.is_object(), "this session stays");
    assert_eq!(app.me(&second).await, Value::Null);
    assert_eq!(app.me(&third).await, Value::Null);
    let (_, status, _) = app.sign_in(&admin.email, "a fresh passphrase").await;
    assert!(status.is_success() || status.is_redirection());
    let (_, status, _) = app.sign_in(&admin.email, "a fresh passphrase").await;
    assert!(status.is_success() || status.is_redirection());
    let (status, ended) = app.call(&admin.client, "sign_out_other_sessions", &[]).await;
    assert_eq!((status.as_u16(), ended), (200, serde_json::json!(2)));

    assert_eq!(
        sentences(app, &admin.client, "user.password_changed").await,
        ["Ada Lovelace changed their password"]
    );
    assert_eq!(
        sentences(app, &admin.client, "user.name_changed").await,
        ["Ada Lovelace changed their name from Ada Admin to Ada Lovelace"]
    );
    assert_eq!(
        sentences(app, &admin.client, "user.sessions_ended").await,
        [
            "Ada Lovelace signed out 2 of their other sessions",
            "Ada Lovelace signed out one of their other sessions"
        ]
    );
}

async fn an_email_changes_only_with_the_link_sent_to_it(app: &TestApp) {
    let admin = app.sign_up("account-email").await;
    let new = "ada.new.account@example.com";
    // A session alone cannot move the login to another mailbox: the password is asked.
    let (status, body) = app
        .call(
            &admin.client,
            "request_email_change",
            &[("email", new), ("password", "not it")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        app.call(&admin.client, "get_your_account", &[]).await.1["pending_email"],
        Value::Null
    );
    // A reset link sent to the old address before the change dies with it.
    let seen = app.mail_count(&admin.email);
    let (status, _) = app
        .call(&app.client(), "request_password_reset", &[("email", &admin.email)])
        .await;
    assert!(status.is_success() || status.is_redirection());
    let reset = app.smtp.as_ref().unwrap().wait_for(&admin.email, seen).await;
    let reset = link_token(&reset.data, "/reset-password/");
    let (status, body) = app
        .call(
            &admin.client,
            "request_email_change",
            &[("email", new), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (_, account) = app.call(&admin.client, "get_your_account", &[]).await;
    assert_eq!(account["email"], admin.email.as_str(), "nothing changes yet");
    assert_eq!(account["pending_email"], new);
    let mail = app.smtp.as_ref().unwrap().wait_for(new, 0).await;
    let token = link_token(&mail.data, "/confirm-email/");
    let (status, shown) = app.call(&app.client(), "get_email_change", &[("token", &token)]).await;
    assert!(status.is_success());
    assert_eq!(shown, new);
    let seen = app.mail_count(&admin.email);
    let (status, body) = app
        .call(&app.client(), "confirm_email_change", &[("token", &token)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&admin.client).await["email"], new);
    let told = app.smtp.as_ref().unwrap().wait_for(&admin.email, seen).await;
    assert!(told.data.contains("was changed from"), "{}", told.data);
    let (_, status, _) = app.sign_in(new, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    let (status, _) = app
        .call(&app.client(), "confirm_email_change", &[("token", &token)])
        .await;
    assert_eq!(status, 404, "used once");
    let (status, _) = app
        .call(&app.client(), "get_password_reset", &[("token", &reset)])
        .await;
    assert_eq!(status, 404, "the reset link sent to the old address is dead");
    // Another login's email: the link is sent (nothing is told to the asker), and refused
    // when opened.
    let other = app.sign_up("account-taken").await;
    let seen = app.mail_count(&other.email);
    let (status, _) = app
        .call(
            &admin.client,
            "request_email_change",
            &[("email", &other.email), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success());
    let mail = app.smtp.as_ref().unwrap().wait_for(&other.email, seen).await;
    let token = link_token(&mail.data, "/confirm-email/");
    let (status, body) = app
        .call(&app.client(), "confirm_email_change", &[("token", &token)])
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.me(&admin.client).await["email"], new);
    assert_eq!(
        sentences(app, &admin.client, "user.email_changed").await,
        [format!("Ada Admin changed their email from {} to {new}", admin.email)]
    );
}

async fn two_step_on_or_off_ends_the_other_sessions_and_keys_are_not_stored(app: &TestApp) {
    let admin = app.sign_up("account-2fa").await;
    let (second, _, _) = app.sign_in(&admin.email, PASSWORD).await;
    // (The key's page and answers are `no-store`: two_step::setting_up.)
    crate::two_step::turn_on(app, &admin.client).await;
    assert!(app.me(&admin.client).await.is_object());
    assert_eq!(app.me(&second).await, Value::Null, "the other session ended");
}

crate::on_both_backends!(
    name_password_and_sessions,
    an_email_changes_only_with_the_link_sent_to_it,
    two_step_on_or_off_ends_the_other_sessions_and_keys_are_not_stored,
);
