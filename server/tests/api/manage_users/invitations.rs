//! Invitations from Manage users: the emailed single-use link, refusals, resend and revoke,
//! expiry, and mail that survives an SMTP outage or stays for admins without SMTP.

use super::*;

async fn an_invitation_email_carries_a_single_use_link_that_signs_the_invitee_in(app: &TestApp) {
    let admin = app.sign_up("invite").await;
    let role = create_role(app, &admin, "Bookkeeper", &["expenses.list", "expenses.drafts.list"]).await;
    let token = app
        .invite_and_read_link(&admin, "Nia Newcomer", "nia@example.com", role)
        .await;
    let message = app.smtp.as_ref().unwrap().messages().pop().unwrap();
    assert!(
        message
            .data
            .contains("Subject: Ada Admin invited you to Practice invite on Practice Access"),
        "{}",
        message.data
    );
    assert!(
        message.data.contains("text/plain") && message.data.contains("text/html"),
        "plain and HTML parts"
    );
    assert!(
        message.data.contains(&format!("{}/invite/{token}", app.address)),
        "link built from APP_BASE_URL"
    );
    assert!(
        !message.data.to_lowercase().contains("password:"),
        "no password is ever emailed"
    );
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations WHERE email = 'nia@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_ne!(stored, token, "only a hash of the token is stored");

    let nia = app.client();
    let (_, view) = app.call(&nia, "get_invitation", &[("token", &token)]).await;
    assert_eq!(view["practice_name"], "Practice invite");
    assert_eq!(view["role_name"], "Bookkeeper");
    assert_eq!(view["state"], json!("Open"));
    let (status, body) = app
        .call(&nia, "accept_invitation", &[("token", &token), ("password", "short")])
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .call(&nia, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection());
    let me = app.me(&nia).await;
    assert_eq!(me["email"], "nia@example.com");
    assert_eq!(me["current"]["role_name"], "Bookkeeper");

    // Single use: the same link now fails, and the invitee can sign in normally.
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    let (_, status, _) = app.sign_in("nia@example.com", PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    let list = app.call(&admin.client, "list_practice_users", &[]).await.1;
    let line = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == "nia@example.com")
        .unwrap()
        .clone();
    assert_eq!(line["status"], "Active");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE practice_id = $1 ORDER BY id")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for expected in [
        "practice.created",
        "role.created",
        "invitation.created",
        "invitation.accepted",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

async fn inviting_a_member_or_an_already_invited_email_says_so(app: &TestApp) {
    let admin = app.sign_up("dup").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Me"),
                ("email", &admin.email.to_uppercase()),
                ("role_id", &employee),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("already a member"),
        "{body}"
    );
    app.invite_and_read_link(&admin, "Kim", "kim@example.com", employee.parse().unwrap())
        .await;
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", "Kim"), ("email", "kim@example.com"), ("role_id", &employee)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("pending invitation"),
        "{body}"
    );
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", ""), ("email", "x@example.com"), ("role_id", &employee)],
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["Invalid"]["field"].as_str()),
        (422, Some("name"))
    );
}

async fn resending_replaces_the_link_and_revoking_kills_it(app: &TestApp) {
    let admin = app.sign_up("resend").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let first = app
        .invite_and_read_link(&admin, "Lee", "lee@example.com", employee)
        .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'lee@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &admin.client,
            "resend_invitation",
            &[("invitation_id", &id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let second =
        crate::helpers::invitation_token(&app.smtp.as_ref().unwrap().wait_for("lee@example.com", 1).await.data);
    assert_ne!(first, second);
    let (_, old) = app.call(&app.client(), "get_invitation", &[("token", &first)]).await;
    assert!(old.get("NotFound").is_some(), "the old link no longer works: {old}");
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &first), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = app
        .call(
            &admin.client,
            "revoke_invitation",
            &[("invitation_id", &id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &second), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409, "a revoked invitation cannot be accepted");
}

async fn an_expired_invitation_shows_as_expired_and_cannot_be_accepted(app: &TestApp) {
    let admin = app.sign_up("expired").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Old", "old@example.com", employee)
        .await;
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE email = 'old@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let list = app.call(&admin.client, "list_practice_users", &[]).await.1;
    assert!(
        list["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["email"] == "old@example.com" && l["status"] == "Expired")
    );
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("expired"));
}

async fn an_smtp_outage_loses_no_invitation_and_does_not_fail_the_request(app: &TestApp) {
    // This app's SMTP_URL points at a port nobody listens on.
    let admin = app.sign_up("outage").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", "Oz"), ("email", "oz@example.com"), ("role_id", &employee)],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let mut attempts = 0;
    for _ in 0..100 {
        let row: (String, i64, Option<String>) =
            sqlx::query_as("SELECT status, attempts, last_error FROM email_outbox WHERE to_address = 'oz@example.com'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        attempts = row.1;
        if attempts > 0 {
            assert_eq!(row.0, "pending", "kept for a retry");
            assert!(row.2.is_some(), "the failure is recorded");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(attempts > 0, "the worker tried to send");
}

async fn without_smtp_mail_is_kept_for_admins_to_read(app: &TestApp) {
    let admin = app.sign_up("kept").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    app.call(
        &admin.client,
        "invite_user",
        &[("name", "Kai"), ("email", "kai@example.com"), ("role_id", &employee)],
    )
    .await;
    let (status, body) = app.call(&admin.client, "list_sent_email", &[]).await;
    assert!(status.is_success());
    assert_eq!(body[0], false, "no SMTP configured");
    let mail = &body[1][0];
    assert_eq!(mail["to"], "kai@example.com");
    assert_eq!(mail["status"], "kept");
    let token = crate::helpers::invitation_token(mail["body"].as_str().unwrap());
    let (_, view) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
    assert_eq!(view["email"], "kai@example.com");
}

crate::on_both_backends_with_smtp!(
    smtp_down, Some("smtp://127.0.0.1:9".to_owned());
    an_smtp_outage_loses_no_invitation_and_does_not_fail_the_request
);
crate::on_both_backends_with_smtp!(no_smtp, None; without_smtp_mail_is_kept_for_admins_to_read);

crate::on_both_backends!(
    an_invitation_email_carries_a_single_use_link_that_signs_the_invitee_in,
    inviting_a_member_or_an_already_invited_email_says_so,
    resending_replaces_the_link_and_revoking_kills_it,
    an_expired_invitation_shows_as_expired_and_cannot_be_accepted,
);
