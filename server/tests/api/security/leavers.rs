//! A leaver with a day's notice: offboarding ends every way back (their own logins to the
//! practice's clients, the client invitations they sent), and the leaver report shows all
//! they held and every client login they let in.

use serde_json::Value;

use super::*;
use crate::client_users::{accept, give, invite, switch_to_client};
use crate::helpers::join;

async fn add_client(app: &TestApp, admin: &Admin, name: &str) -> i64 {
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    body.as_i64().unwrap()
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(app.db.pool()).await.unwrap()
}

async fn report(app: &TestApp, admin: &Admin, user: i64) -> Value {
    let (status, report) = app
        .call(&admin.client, "get_leaver_report", &[("user_id", &user.to_string())])
        .await;
    assert!(status.is_success(), "{report}");
    report
}

async fn offboarding_ends_the_leavers_client_logins_and_the_client_invitations_they_sent(app: &TestApp) {
    let admin = app.sign_up("leaver-logins").await;
    let manager = create_role(app, &admin, "Office manager", &["users.manage"]).await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let acme = add_client(app, &admin, "Acme Ltd").await;
    let (lee, lee_id) = join(app, &admin, "Lee Leaver", "lee.leaver@example.com", manager).await;
    // Lee runs Acme's own users (Admin there), and before leaving lets in a login of
    // their own and invites a friend who has not accepted yet.
    give(app, &admin, lee_id, acme, admin_role).await;
    switch_to_client(app, &lee, acme).await;
    let token = invite(app, &lee, "Lee Personal", "lee.personal@example.com", admin_role).await;
    accept(app, &token).await;
    invite(app, &lee, "Fay Friend", "fay.friend@example.com", employee).await;
    // And, from the practice's side, a login of their own into the staff.
    let (lee_at_practice, _, _) = app.sign_in("lee.leaver@example.com", PASSWORD).await;
    let seen = app.mail_count("lee.staff@example.com");
    let (status, body) = app
        .call(
            &lee_at_practice,
            "invite_user",
            &[
                ("name", "Lee Again"),
                ("email", "lee.staff@example.com"),
                ("role_id", &manager.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let mail = app.smtp.as_ref().unwrap().wait_for("lee.staff@example.com", seen).await;
    accept(app, &crate::helpers::invitation_token(&mail.data)).await;
    // And Lee is a client user of Acme with this very account (as someone invited to a
    // client before joining the practice is).
    sqlx::query(
        "INSERT INTO client_users (practice_id, client_id, user_id, role_id, status, joined_at) VALUES ($1, $2, $3, $4, 'active', 0)",
    )
    .bind(admin.practice_id)
    .bind(acme)
    .bind(lee_id)
    .bind(employee)
    .execute(app.db.pool())
    .await
    .unwrap();

    let (status, preview) = app
        .call(
            &admin.client,
            "preview_offboarding",
            &[("user_id", &lee_id.to_string())],
        )
        .await;
    assert!(status.is_success(), "{preview}");
    assert_eq!(preview["client_logins"], 1, "{preview}");
    assert_eq!(preview["invitations"], 1, "Fay's, pending: {preview}");
    let (status, body) = app
        .call(&admin.client, "offboard_member", &[("user_id", &lee_id.to_string())])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");

    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM client_users WHERE user_id = $1", lee_id).await,
        0,
        "Lee's own login to Acme ended"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM invitations WHERE email = 'fay.friend@example.com' AND status = 'pending' AND practice_id = $1",
            admin.practice_id
        )
        .await,
        0,
        "the client invitation Lee sent is revoked"
    );
    // Signing in again reaches nothing.
    let (again, _, _) = app.sign_in("lee.leaver@example.com", PASSWORD).await;
    let me = app.me(&again).await;
    assert!(me["current"].is_null(), "{me}");

    let report = report(app, &admin, lee_id).await;
    // (Lee also let a personal login into the practice's staff: listed for review.)
    let invited = report["invited_logins"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"));
    let login = |email: &str| {
        invited
            .iter()
            .find(|l| l["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {report}"))
    };
    assert_eq!(login("lee.personal@example.com")["account"], "Acme Ltd");
    assert_eq!(login("lee.personal@example.com")["state"], "Active login");
    assert_eq!(login("fay.friend@example.com")["state"], "Invitation revoked");
    assert_eq!(login("lee.staff@example.com")["state"], "Active member of the staff");
    let practice: String = sqlx::query_scalar("SELECT name FROM practices WHERE id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(login("lee.staff@example.com")["account"], practice.as_str());
    let rows = report["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["client"] == "Acme Ltd"
            && r["role"] == "Client user: Employee (predefined)"
            && r["to"].is_i64()),
        "the client login they held: {report}"
    );
}

async fn the_leaver_report_lists_access_given_in_bulk_or_by_copy_then_undone(app: &TestApp) {
    let admin = app.sign_up("leaver-undo").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let clerk = create_role(app, &admin, "Clerk", &["expenses.list"]).await;
    let acme = add_client(app, &admin, "Acme Ltd").await;
    let birch = add_client(app, &admin, "Birch Ltd").await;
    let (_, lee_id) = join(app, &admin, "Lee Leaver", "lee.undo@example.com", employee).await;
    let (_, colleague) = join(app, &admin, "Cal Colleague", "cal.undo@example.com", employee).await;
    give(app, &admin, colleague, birch, clerk).await;
    let lee = lee_id.to_string();
    let undo = |batch: &Value| {
        let batch = batch["batch_id"].as_i64().unwrap().to_string();
        let client = &admin.client;
        async move {
            let (status, body) = app.call(client, "undo_bulk", &[("batch_id", &batch)]).await;
            assert!(status.is_success(), "{body}");
        }
    };
    // Everyone as Employee, undone; then Cal's access copied, undone.
    let (status, batch) = app
        .call(
            &admin.client,
            "apply_bulk",
            &[
                ("user_id", &lee),
                ("search", ""),
                ("plan", ""),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{batch}");
    undo(&batch).await;
    let (status, batch) = app
        .call(
            &admin.client,
            "apply_copy",
            &[
                ("user_id", &lee),
                ("from_user_id", &colleague.to_string()),
                ("mode", "add"),
            ],
        )
        .await;
    assert!(status.is_success(), "{batch}");
    undo(&batch).await;
    let _ = acme;

    let report = report(app, &admin, lee_id).await;
    let rows = report["rows"].as_array().unwrap();
    let had = |client: &str, role: &str| {
        rows.iter()
            .find(|r| r["client"] == client && r["role"] == role)
            .unwrap_or_else(|| panic!("{client} as {role} in {report}"))
    };
    for client in ["Acme Ltd", "Birch Ltd"] {
        let row = had(client, "Employee (predefined)");
        assert!(row["from"].is_i64() && row["to"].is_i64(), "{row}");
        assert_eq!(row["granted_by"], "Ada Admin", "{row}");
    }
    assert!(had("Birch Ltd", "Clerk")["to"].is_i64());
    // The audit log's record of the undo says what it removed, client by client.
    let removed: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE action = 'access.bulk_undone' AND practice_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(admin.practice_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(
        removed.contains("Acme Ltd") && removed.contains("Birch Ltd"),
        "{removed}"
    );
}

crate::on_both_backends!(
    offboarding_ends_the_leavers_client_logins_and_the_client_invitations_they_sent,
    the_leaver_report_lists_access_given_in_bulk_or_by_copy_then_undone,
);
