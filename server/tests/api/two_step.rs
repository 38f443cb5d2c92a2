//! Two-step sign-in: turning it on, signing in with a code or a recovery code, codes used
//! once, the throttle on codes, every password door, the practice requirement and an
//! admin's reset. Codes are computed for chosen times (the clock under the test's
//! control): a code of the step before or after now is accepted, older or newer ones not.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp};
use app::account::two_step::ssr::{code_at, key_bytes};

fn now() -> u64 {
    app::platform::db::now() as u64
}

/// Turns two-step sign-in on for `who`; returns the key and the recovery codes.
async fn turn_on(app: &TestApp, who: &Client) -> (Vec<u8>, Vec<String>) {
    let (status, page) = app.call(who, "get_two_step", &[]).await;
    assert!(status.is_success(), "{page}");
    assert_eq!(page["enabled"], false);
    let setup = &page["setup"];
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
async fn password_step(app: &TestApp, email: &str) -> Client {
    let (who, status, body) = app.sign_in(email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    assert_eq!(app.me(&who).await, Value::Null, "not signed in before the code");
    who
}

async fn verify(app: &TestApp, who: &Client, code: &str) -> (reqwest::StatusCode, Value) {
    app.call(who, "verify_sign_in", &[("code", code)]).await
}

async fn signing_in_asks_for_a_code_that_works_once(app: &TestApp) {
    let admin = app.sign_up("ts-on").await;
    let (key, codes) = turn_on(app, &admin.client).await;
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT totp_secret, totp_pending_secret FROM users WHERE id = $1")
            .bind(admin.user_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let sealed = stored.0.expect("on");
    assert!(stored.1.is_none());
    let text = app::account::two_step::ssr::key_text(&key);
    assert!(!sealed.contains(&text), "the key is stored sealed, not as text");
    let page = app.call(&admin.client, "get_two_step", &[]).await.1;
    assert_eq!(page["enabled"], true);
    assert_eq!(page["recovery_codes_left"], 10);
    assert_eq!(page["setup"], Value::Null, "the key is never shown again");

    // The password alone no longer signs in.
    let who = password_step(app, &admin.email).await;
    for when in [now() - 90, now() + 90] {
        let (status, body) = verify(app, &who, &code_at(&key, when)).await;
        assert_eq!(status, 422, "a code three steps away ({when}): {body}");
    }
    // The confirming code's step is spent: the next step's code (clock drift) is accepted.
    let next = code_at(&key, now() + 30);
    let (status, body) = verify(app, &who, &next).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&who).await["email"], admin.email);
    // The same code cannot sign in a second time.
    let other = password_step(app, &admin.email).await;
    let (status, _) = verify(app, &other, &next).await;
    assert_eq!(status, 422, "a code works once");

    // A recovery code, typed in capitals with spaces, works once.
    let typed = format!(" {} ", codes[3].to_uppercase());
    let (status, body) = verify(app, &other, &typed).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let third = password_step(app, &admin.email).await;
    assert_eq!(verify(app, &third, &codes[3]).await.0, 422, "spent");
    assert_eq!(app.call(&other, "get_two_step", &[]).await.1["recovery_codes_left"], 9);

    // Turning it off asks for a code too.
    let (status, _) = app
        .call(
            &other,
            "turn_off_two_step",
            &[("password", PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .call(
            &other,
            "turn_off_two_step",
            &[("password", "wrong one"), ("code", &codes[0])],
        )
        .await;
    assert_eq!(status, 422, "a session alone cannot remove the phone");
    let (status, body) = app
        .call(
            &other,
            "turn_off_two_step",
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (fresh, _, _) = app.sign_in(&admin.email, PASSWORD).await;
    assert_eq!(app.me(&fresh).await["email"], admin.email, "password alone again");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE actor_user_id = $1")
        .bind(admin.user_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(actions.iter().any(|a| a == "auth.two_step_enabled"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "auth.two_step_disabled"), "{actions:?}");
}

async fn wrong_codes_are_throttled_like_wrong_passwords(app: &TestApp) {
    let admin = app.sign_up("ts-throttle").await;
    let (key, _) = turn_on(app, &admin.client).await;
    // Without the password step there is nothing to verify.
    let (status, _) = verify(app, &app.client(), &code_at(&key, now() + 30)).await;
    assert_eq!(status, 409);
    let who = password_step(app, &admin.email).await;
    let wrong = if code_at(&key, now()) == "123456" {
        "654321"
    } else {
        "123456"
    };
    for attempt in 1..=5 {
        let (status, body) = verify(app, &who, wrong).await;
        assert_eq!(status, 422, "attempt {attempt}: {body}");
    }
    let (status, body) = verify(app, &who, &code_at(&key, now() + 30)).await;
    assert_eq!(status, 429, "locked even for the right code: {body}");
    assert_eq!(app.me(&who).await, Value::Null);
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed' AND target_label = $1",
    )
    .bind(&admin.email)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(failed, 5, "wrong codes are audited");

    // A sign-in left waiting past its time must start again.
    let admin2 = app.sign_up("ts-expire").await;
    let (key2, _) = turn_on(app, &admin2.client).await;
    let waiting = password_step(app, &admin2.email).await;
    sqlx::query("UPDATE sign_in_challenges SET expires_at = $1")
        .bind(app::platform::db::now() - 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = verify(app, &waiting, &code_at(&key2, now() + 30)).await;
    assert_eq!(status, 409, "{body}");
}

async fn every_password_door_asks_for_the_code(app: &TestApp) {
    let owner = app.sign_up("ts-doors").await;
    let (key, _) = turn_on(app, &owner.client).await;
    // Another practice invites the same login: accepting with the password waits for the code.
    let other = app.sign_up("ts-doors-b").await;
    let employee = app.role_id(other.practice_id, "Employee").await;
    let token = app.invite_and_read_link(&other, "Owner", &owner.email, employee).await;
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&who).await, Value::Null, "no session before the code");
    let (status, body) = verify(app, &who, &code_at(&key, now() + 30)).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let me = app.me(&who).await;
    assert_eq!(
        me["current"]["name"], "Practice ts-doors-b",
        "the session starts where it joined: {me}"
    );

    // Confirming a sign-up with the existing login's password waits for the code too.
    let fresh = app.client();
    let token = app.sign_up_token(&fresh, "Third practice", &owner.email).await;
    let (status, body) = app
        .call(&fresh, "confirm_sign_up", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&fresh).await, Value::Null);
}

async fn a_practice_can_require_it_and_admins_can_reset_it(app: &TestApp) {
    let admin = app.sign_up("ts-req").await;
    let staff = invite_staff(app, &admin, "ts-req").await;
    let (key, _) = turn_on(app, &staff).await;

    // An Employee cannot change the setting nor reset anyone.
    let (status, _) = app.call(&staff, "set_two_step_required", &[("required", "true")]).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(&staff, "reset_two_step", &[("user_id", &admin.user_id.to_string())])
        .await;
    assert_eq!(status, 403);

    // Nor can a manager whose custom role has Manage users: the requirement is an Admin's.
    let manager_role = crate::manage_users::create_role(app, &admin, "Office manager", &["users.manage"]).await;
    let manager = invite_as(app, &admin, "mgr.ts-req@example.com", manager_role).await;
    let (status, _) = app
        .call(&manager, "set_two_step_required", &[("required", "true")])
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .call(&admin.client, "set_two_step_required", &[("required", "true")])
        .await;
    assert!(status.is_success(), "{body}");
    // The admin has not set it up: only setting it up is open to them now.
    let me = app.me(&admin.client).await;
    assert_eq!(me["must_set_up_two_step"], true);
    let (status, body) = app.call(&admin.client, "list_practice_users", &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("requires two-step sign-in"), "{body}");
    let (admin_key, _) = turn_on(app, &admin.client).await;
    assert_eq!(app.me(&admin.client).await["must_set_up_two_step"], false);
    let list = app.call(&admin.client, "list_practice_users", &[]).await.1;
    assert_eq!(list["two_step_required"], true);
    let staff_line = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == "staff.ts-req@example.com")
        .unwrap()
        .clone();
    assert_eq!(staff_line["two_step"], true);
    // Staff cannot turn it off while the practice requires it.
    let (status, _) = app
        .call(
            &staff,
            "turn_off_two_step",
            &[("password", PASSWORD), ("code", &code_at(&key, now() + 30))],
        )
        .await;
    assert_eq!(status, 403);
    let _ = admin_key;
    // A sign-in of theirs waiting for its code when the reset comes must start again.
    let waiting = password_step(app, "staff.ts-req@example.com").await;

    // A lost phone: the admin resets it; the member's sessions end and the password alone
    // signs in, straight to setting it up again.
    let staff_id = staff_line["user_id"].as_i64().unwrap();
    let (status, body) = app
        .call(&admin.client, "reset_two_step", &[("user_id", &staff_id.to_string())])
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(app.me(&staff).await, Value::Null, "sessions ended");
    let (status, body) = verify(app, &waiting, &code_at(&key, now() + 30)).await;
    assert_eq!(status, 409, "the waiting sign-in went with the reset: {body}");
    assert_eq!(app.me(&waiting).await, Value::Null);
    let (again, _, _) = app.sign_in("staff.ts-req@example.com", PASSWORD).await;
    assert_eq!(app.me(&again).await["must_set_up_two_step"], true);
    let (status, _) = app
        .call(&admin.client, "reset_two_step", &[("user_id", &staff_id.to_string())])
        .await;
    assert_eq!(status, 409, "nothing left to reset");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for expected in ["practice.two_step_required", "member.two_step_reset"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }

    // A login that also belongs to another practice is not this practice's to weaken.
    turn_on(app, &again).await;
    let other = app.sign_up("ts-req-b").await;
    let employee = app.role_id(other.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&other, "Staff", "staff.ts-req@example.com", employee)
        .await;
    app.call(
        &app.client(),
        "accept_invitation",
        &[("token", &token), ("password", PASSWORD)],
    )
    .await;
    let (status, body) = app
        .call(&admin.client, "reset_two_step", &[("user_id", &staff_id.to_string())])
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        app.call(&admin.client, "set_two_step_required", &[]).await.0.as_u16(),
        200,
        "an unticked box turns the requirement off"
    );
    assert_eq!(list_required(app, &admin).await, json!(false));
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

async fn without_a_secret_key_it_cannot_be_turned_on(app: &TestApp) {
    let admin = app.sign_up("ts-nokey").await;
    let page = app.call(&admin.client, "get_two_step", &[]).await.1;
    assert_eq!(page["available"], false, "{page}");
    assert_eq!(page["setup"], Value::Null);
    let (status, _) = app
        .call(
            &admin.client,
            "confirm_two_step",
            &[("password", PASSWORD), ("code", "123456")],
        )
        .await;
    assert_eq!(status, 403);
    // Requiring what nobody can set up would lock everyone out: refused.
    let (status, _) = app
        .call(&admin.client, "set_two_step_required", &[("required", "true")])
        .await;
    assert_eq!(status, 403);
}

/// Without the WASM, turning it on is a plain form post answered with a redirect back to
/// the page: the page shows the recovery codes (once), and they are the login's codes.
async fn without_javascript_turning_it_on_shows_the_recovery_codes_once(app: &TestApp) {
    let admin = app.sign_up("ts-nojs").await;
    let (_, page) = app.call(&admin.client, "get_two_step", &[]).await;
    let key = key_bytes(page["setup"]["key"].as_str().unwrap()).unwrap();
    let page_url = format!("{}/account/two-step", app.address);
    let shown = admin
        .client
        .http
        .post(format!("{}/api/confirm_two_step", app.address))
        .header("Accept", "text/html")
        .header("Referer", &page_url)
        .form(&[("password", PASSWORD), ("code", &code_at(&key, now()))])
        .send()
        .await
        .unwrap();
    assert!(shown.status().is_redirection(), "{}", shown.status());
    let kept = shown
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("pa_shown_once="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("the codes are kept for the page");
    let back = shown.headers()["location"].to_str().unwrap();
    assert!(back.starts_with(&page_url), "back to the page: {back}");
    let page = crate::helpers::get_page(&admin.client.http, &page_url).await;
    assert_eq!(page.headers()["cache-control"], "no-store", "the browser keeps no copy");
    let html = page.text().await.unwrap();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|item| item.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    assert!(html.contains("they are shown only now"), "{html}");
    let again = app.get_text(&admin.client, "/account/two-step").await;
    assert!(!again.contains("<li><code>"), "shown once: {again}");
    assert!(again.contains("Recovery codes left: 10."), "{again}");
    // They are the login's own: one signs in in place of a code.
    let who = password_step(app, &admin.email).await;
    let (status, body) = verify(app, &who, &codes[3]).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    assert_eq!(app.me(&who).await["email"], admin.email.as_str());
    // A copy of the cookie shows nothing in another session, even the same person's.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let other = Client {
        http: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let (status, body) = app
        .call(&other, "sign_in", &[("email", &admin.email), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    let (status, body) = verify(app, &other, &codes[4]).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    jar.add_cookie_str(&format!("pa_shown_once={kept}; Path=/"), &app.address.parse().unwrap());
    let replayed = crate::helpers::get_page(&other.http, &page_url)
        .await
        .text()
        .await
        .unwrap();
    assert!(replayed.contains("Recovery codes left: 8."), "{replayed}");
    assert!(!replayed.contains("<li><code>"), "{replayed}");
}

/// The practice setting's box submits its form (`AutoSubmit`): an admin who requires
/// two-step sign-in without having it goes straight to setting it up; the WASM's own call
/// gets its answer, not a redirect.
async fn requiring_it_with_the_box_leads_an_admin_without_it_to_set_it_up(app: &TestApp) {
    let admin = app.sign_up("requirebox").await;
    let page = format!("{}/manage-users", app.address);
    let (status, location, _) = crate::clients::post_plain_form(
        app,
        &admin.client,
        "set_two_step_required",
        &page,
        &[("required", "true")],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, "/account/two-step");

    let other = app.sign_up("requirecall").await;
    let (status, body) = app
        .call(&other.client, "set_two_step_required", &[("required", "true")])
        .await;
    assert!(status.is_success(), "{status} {body}");
}

crate::on_both_backends!(
    requiring_it_with_the_box_leads_an_admin_without_it_to_set_it_up,
    signing_in_asks_for_a_code_that_works_once,
    without_javascript_turning_it_on_shows_the_recovery_codes_once,
    wrong_codes_are_throttled_like_wrong_passwords,
    every_password_door_asks_for_the_code,
    a_practice_can_require_it_and_admins_can_reset_it,
);

mod no_secret_key {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let sink = crate::smtp_sink::SmtpSink::start().await;
        let url = sink.url();
        let app = crate::helpers::spawn_app_configured(
            app::platform::db::Backend::Sqlite,
            Some(url),
            Some(sink),
            &[("SECRET_KEY", "")],
        )
        .await;
        super::without_a_secret_key_it_cannot_be_turned_on(&app).await;
        app.cleanup().await;
    }
}
