//! Invitation links: never shown to someone who could use them in the invitee's place, and
//! never telling whether an email has a login.

use super::*;

async fn with_smtp_the_sent_email_page_shows_no_live_link(app: &TestApp) {
    let admin = app.sign_up("hidelink").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Lin Link", "lin@example.com", employee)
        .await;
    let (status, body) = app.call(&admin.client, "list_sent_email", &[]).await;
    assert!(status.is_success());
    let text = body.to_string();
    assert!(!text.contains(&token), "the live token is not shown: {text}");
    assert!(text.contains("(link hidden)"), "{text}");
}

async fn an_invitation_link_does_not_tell_whether_its_email_has_a_login(app: &TestApp) {
    let inviter = app.sign_up("linkowner").await;
    let existing = app.sign_up("haslogin").await;
    let employee = app.role_id(inviter.practice_id, "Employee").await;
    let to_existing = app
        .invite_and_read_link(&inviter, "Has Login", &existing.email, employee)
        .await;
    let to_new = app
        .invite_and_read_link(&inviter, "New Person", "new.person@example.com", employee)
        .await;
    let view = |token: String| async move {
        let (status, body) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
        assert!(status.is_success());
        body["state"].clone()
    };
    assert_eq!(view(to_existing).await, view(to_new).await);
}

async fn with_smtp_no_live_link_is_stored_in_the_outbox(app: &TestApp) {
    let admin = app.sign_up("atrest").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app
        .invite_and_read_link(&admin, "Ria Rest", "ria@example.com", employee)
        .await;
    let bodies: Vec<(String, String)> = sqlx::query_as("SELECT body_text, body_html FROM email_outbox")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(!bodies.is_empty());
    for (text, html) in &bodies {
        assert!(
            !text.contains(&token) && !html.contains(&token),
            "the live token is not at rest"
        );
        assert!(text.contains(app::platform::mail::LINK_PLACEHOLDER));
    }
    // The link that was mailed is the one that works.
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
}

/// Without SMTP the Sent email page keeps invitation links (local use); only Admins, who
/// may give any role, see them.
async fn without_smtp_only_admins_see_kept_links(app: &TestApp) {
    let admin = app.sign_up("keptlinks").await;
    let role = create_role(app, &admin, "Office manager", &["users.manage", "expenses.list"]).await;
    let (status, _) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Mo Manager"),
                ("email", "mo.kept@example.com"),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (_, mail) = app.call(&admin.client, "list_sent_email", &[]).await;
    let text = mail.to_string();
    let start = text.find("/invite/").expect("an Admin sees the kept link") + "/invite/".len();
    let token: String = text[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(token.len(), 64, "{text}");
    let manager = app.client();
    let (status, _) = app
        .call(
            &manager,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (status, _) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Ada Two"),
                ("email", "ada.two@example.com"),
                ("role_id", &app.role_id(admin.practice_id, "Admin").await.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (status, mail) = app.call(&manager, "list_sent_email", &[]).await;
    assert!(status.is_success());
    let text = mail.to_string();
    assert!(!text.contains(&token), "{text}");
    assert!(
        !text.contains("/invite/") || text.contains("(link hidden)"),
        "a manager sees no live link: {text}"
    );
    let hex_after_invite = text
        .match_indices("/invite/")
        .any(|(i, _)| text[i + 8..].chars().take_while(|c| c.is_ascii_hexdigit()).count() == 64);
    assert!(!hex_after_invite, "{text}");
}

crate::on_both_backends_with_smtp!(no_smtp, None; without_smtp_only_admins_see_kept_links);

crate::on_both_backends!(
    with_smtp_no_live_link_is_stored_in_the_outbox,
    an_invitation_link_does_not_tell_whether_its_email_has_a_login,
    with_smtp_the_sent_email_page_shows_no_live_link,
);
