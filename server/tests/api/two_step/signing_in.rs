//! Signing in with two-step sign-in: a code that works once, throttled like a password, at
//! every door that takes a password.

use super::*;

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

/// Members of a practice the login joins, and practices it has: what a door committed.
async fn memberships(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM practice_members m JOIN users u ON u.id = m.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Accepting an invitation or confirming a sign-up with an existing login that has two-step
/// sign-in asks for the code with the password, before anything is committed: the password
/// alone joins nothing, a wrong code joins nothing (and is counted), the right code joins
/// and signs in.
async fn every_password_door_asks_for_the_code(app: &TestApp) {
    let owner = app.sign_up("ts-doors").await;
    let (key, recovery) = turn_on(app, &owner.client).await;
    let other = app.sign_up("ts-doors-b").await;
    let employee = app.role_id(other.practice_id, "Employee").await;
    let token = app.invite_and_read_link(&other, "Owner", &owner.email, employee).await;
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "code", "{body}");
    assert_eq!(app.me(&who).await, Value::Null, "no session before the code");
    assert_eq!(
        memberships(app, &owner.email).await,
        1,
        "nothing joined before the code"
    );
    let (status, body) = app
        .call(
            &who,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        memberships(app, &owner.email).await,
        1,
        "nothing joined with a wrong code"
    );
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed' AND target_label = $1",
    )
    .bind(&owner.email)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(failed >= 1, "the wrong code is on record");
    let (status, body) = app
        .call(
            &who,
            "accept_invitation",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("code", &code_at(&key, now() + 30)),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let me = app.me(&who).await;
    assert_eq!(
        me["current"]["name"], "Practice ts-doors-b",
        "the session starts where it joined: {me}"
    );
    assert_eq!(memberships(app, &owner.email).await, 2);

    // Confirming a sign-up with the existing login's password asks for the code too.
    let fresh = app.client();
    let token = app.sign_up_token(&fresh, "Third practice", &owner.email).await;
    let (status, body) = app
        .call(&fresh, "confirm_sign_up", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "code", "{body}");
    assert_eq!(app.me(&fresh).await, Value::Null);
    assert_eq!(
        memberships(app, &owner.email).await,
        2,
        "no practice created before the code"
    );
    let (status, body) = app
        .call(
            &fresh,
            "confirm_sign_up",
            &[("token", &token), ("password", PASSWORD), ("code", &recovery[0])],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&fresh).await["current"]["name"], "Third practice");
    assert_eq!(memberships(app, &owner.email).await, 3);
}

/// An accept that would be refused anyway (the login became a member meanwhile) is refused
/// before the code is asked for: a recovery code given with it is not used up.
async fn a_refused_accept_spends_no_recovery_code(app: &TestApp) {
    let owner = app.sign_up("ts-spent").await;
    let (_, recovery) = turn_on(app, &owner.client).await;
    let other = app.sign_up("ts-spent-b").await;
    let employee = app.role_id(other.practice_id, "Employee").await;
    let token = app.invite_and_read_link(&other, "Owner", &owner.email, employee).await;
    // Meanwhile the login joined the practice another way.
    sqlx::query("INSERT INTO practice_members (practice_id, user_id, role_id, status, is_main, joined_at) VALUES ($1, $2, $3, 'active', 0, 0)")
        .bind(other.practice_id)
        .bind(owner.user_id)
        .bind(employee)
        .execute(app.db.pool())
        .await
        .unwrap();
    let unused = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(owner.user_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let before = unused().await;
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD), ("code", &recovery[0])],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("already a member"), "{body}");
    assert_eq!(unused().await, before, "the recovery code is still there to use");
}

crate::on_both_backends!(
    signing_in_asks_for_a_code_that_works_once,
    wrong_codes_are_throttled_like_wrong_passwords,
    every_password_door_asks_for_the_code,
    a_refused_accept_spends_no_recovery_code,
);
