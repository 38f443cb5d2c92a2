//! A practice that requires it, and admins who reset a member's.

use super::*;

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

    // A lost phone: the admin sends a reset link; nothing changes until the member opens it
    // (the login is theirs). Then their sessions end and the password alone signs in,
    // straight to setting it up again.
    let staff_id = staff_line["user_id"].as_i64().unwrap();
    let seen = app.mail_count("staff.ts-req@example.com");
    let (status, body) = app
        .call(&admin.client, "reset_two_step", &[("user_id", &staff_id.to_string())])
        .await;
    assert!(status.is_success(), "{body}");
    assert!(app.me(&staff).await.is_object(), "nothing changed yet");
    let mail = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for("staff.ts-req@example.com", seen)
        .await;
    assert!(
        mail.data.contains("asked for your two-step sign-in to be reset"),
        "{}",
        mail.data
    );
    let link = crate::helpers::link_token(&mail.data, "/two-step-reset/");
    let (status, body) = app.call(&app.client(), "get_two_step_reset", &[("token", &link)]).await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.call(&app.client(), "use_two_step_reset", &[("token", &link)]).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(app.me(&staff).await, Value::Null, "sessions ended");
    let (status, body) = verify(app, &waiting, &code_at(&key, now() + 30)).await;
    assert_eq!(status, 409, "the waiting sign-in went with the reset: {body}");
    assert_eq!(app.me(&waiting).await, Value::Null);
    // The link works once.
    let (status, _) = app.call(&app.client(), "use_two_step_reset", &[("token", &link)]).await;
    assert_eq!(status, 404);
    let (status, _) = app.call(&app.client(), "get_two_step_reset", &[("token", &link)]).await;
    assert_eq!(status, 404);
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
    for expected in [
        "practice.two_step_required",
        "member.two_step_reset_sent",
        "member.two_step_reset",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
    let (_, log) = app
        .call(
            &admin.client,
            "list_audit_events",
            &[("action", "member.two_step_reset")],
        )
        .await;
    assert_eq!(
        log["entries"][0]["sentence"], "Sam Staff turned off their two-step sign-in with the reset link Ada Admin sent",
        "{log}"
    );

    // A login that also belongs to another practice gets the same answer: the link goes to
    // its owner, whatever else it belongs to (the practice learns nothing of that).
    let (key, _) = turn_on(app, &again).await;
    let other = app.sign_up("ts-req-b").await;
    let employee = app.role_id(other.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&other, "Staff", "staff.ts-req@example.com", employee)
        .await;
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("code", &code_at(&key, now() + 30)),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let (status, body) = app
        .call(&admin.client, "reset_two_step", &[("user_id", &staff_id.to_string())])
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(
        app.call(&admin.client, "set_two_step_required", &[]).await.0.as_u16(),
        200,
        "an unticked box turns the requirement off"
    );
    assert_eq!(list_required(app, &admin).await, json!(false));
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
    a_practice_can_require_it_and_admins_can_reset_it,
);
