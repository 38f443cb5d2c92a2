//! Every door that checks a password counts against one throttle, before it checks.

use super::*;

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

crate::on_both_backends!(
    a_locked_login_stays_locked_through_every_door_even_for_the_right_password,
    guessing_through_sign_up_or_an_invitation_counts_like_sign_in,
    a_burst_of_parallel_guesses_cannot_pass_the_limit,
    the_right_password_gives_the_address_its_attempt_back,
    invitations_and_sign_ups_are_rate_limited,
);
