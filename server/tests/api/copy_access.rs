//! Copying one staff member's access to another: both modes, the preview's counts, an end
//! date on what is given, undo, and who may copy what.

use std::collections::BTreeMap;

use crate::helpers::{Admin, PASSWORD, TestApp};

async fn member(app: &TestApp, admin: &Admin, email: &str, role: i64) -> i64 {
    let token = app.invite_and_read_link(admin, "Someone", email, role).await;
    let (status, body) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn access(app: &TestApp, user: i64) -> BTreeMap<i64, (i64, Option<i64>)> {
    let rows: Vec<(i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT client_id, role_id, ends_at FROM current_assignments WHERE user_id = $1")
            .bind(user)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    rows.into_iter().map(|(c, r, e)| (c, (r, e))).collect()
}

async fn grant(app: &TestApp, admin: &Admin, user: i64, client: i64, role: i64) {
    let (status, body) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &user.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

async fn copy(
    app: &TestApp,
    admin: &Admin,
    name: &str,
    to: i64,
    from: i64,
    mode: &str,
    ends_on: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(
        &admin.client,
        name,
        &[
            ("user_id", &to.to_string()),
            ("from_user_id", &from.to_string()),
            ("mode", mode),
            ("ends_on", ends_on),
        ],
    )
    .await
}

async fn copying_adds_or_replaces_previews_its_count_and_can_be_undone(app: &TestApp) {
    let admin = app.sign_up("copy").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let user_role = app.role_id(admin.practice_id, "User").await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let ann = member(app, &admin, "ann.copy@example.com", employee).await;
    let ben = member(app, &admin, "ben.copy@example.com", employee).await;
    let mut c = Vec::new();
    for name in ["C1 Ltd", "C2 Ltd", "C3 Ltd", "C4 Ltd"] {
        let (_, id) = app
            .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
            .await;
        c.push(id.as_i64().unwrap());
    }
    grant(app, &admin, ann, c[0], employee).await;
    grant(app, &admin, ann, c[1], employee).await;
    grant(app, &admin, ann, c[2], admin_role).await;
    grant(app, &admin, ben, c[1], user_role).await;
    grant(app, &admin, ben, c[3], employee).await;
    let before = access(app, ben).await;

    // Add: only where Ben has nothing.
    let (status, preview) = copy(app, &admin, "preview_copy", ben, ann, "add", "").await;
    assert!(status.is_success(), "{preview}");
    assert_eq!(
        (preview["changes"].as_i64(), preview["overwrites"].as_i64()),
        (Some(2), Some(0))
    );
    let (status, done) = copy(app, &admin, "apply_copy", ben, ann, "add", "").await;
    assert!(status.is_success(), "{done}");
    assert_eq!(done["changed"], 2);
    let after = access(app, ben).await;
    assert_eq!(after[&c[0]].0, employee);
    assert_eq!(after[&c[1]].0, user_role, "kept: add does not replace");
    assert_eq!(after[&c[2]].0, admin_role);
    assert_eq!(after[&c[3]].0, employee, "kept");
    let (status, back) = app
        .call(
            &admin.client,
            "undo_bulk",
            &[("batch_id", &done["batch_id"].to_string())],
        )
        .await;
    assert!(status.is_success(), "{back}");
    assert_eq!(back, 2);
    assert_eq!(access(app, ben).await, before, "undone exactly");

    // Replace, with an end date on what it gives: Ben's access becomes Ann's.
    let (_, preview) = copy(app, &admin, "preview_copy", ben, ann, "replace", "").await;
    assert_eq!(
        (preview["changes"].as_i64(), preview["overwrites"].as_i64()),
        (Some(4), Some(2))
    );
    let day = app::platform::dates::last_day_iso((app::platform::db::now() / 86_400 + 30) * 86_400);
    let (status, done) = copy(app, &admin, "apply_copy", ben, ann, "replace", &day).await;
    assert!(status.is_success(), "{done}");
    let after = access(app, ben).await;
    let roles: Vec<(i64, i64)> = after.iter().map(|(c, (r, _))| (*c, *r)).collect();
    assert_eq!(roles, vec![(c[0], employee), (c[1], employee), (c[2], admin_role)]);
    assert!(
        after.values().all(|(_, e)| e.is_some()),
        "the end date is on what was given: {after:?}"
    );
    let event: (i64, String) = sqlx::query_as(
        "SELECT affected_count, before_json FROM audit_events WHERE action = 'access.copied' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(event.0, 4);
    assert!(event.1.contains("replace"), "{}", event.1);
    app.call(
        &admin.client,
        "undo_bulk",
        &[("batch_id", &done["batch_id"].to_string())],
    )
    .await;
    let restored: Vec<(i64, i64)> = access(app, ben).await.iter().map(|(c, (r, _))| (*c, *r)).collect();
    assert_eq!(restored, vec![(c[1], user_role), (c[3], employee)]);

    // Refusals: oneself, an unknown mode, a past end date, someone of another practice.
    assert_eq!(copy(app, &admin, "apply_copy", ben, ben, "add", "").await.0, 422);
    assert_eq!(copy(app, &admin, "apply_copy", ben, ann, "merge", "").await.0, 422);
    assert_eq!(
        copy(app, &admin, "apply_copy", ben, ann, "add", "2020-01-01").await.0,
        422
    );
    let other = app.sign_up("copy-b").await;
    assert_eq!(
        copy(app, &admin, "apply_copy", ben, other.user_id, "add", "").await.0,
        404
    );
    assert_eq!(copy(app, &other, "apply_copy", ben, ann, "add", "").await.0, 404);

    // Nobody copies a role they could not give: a manager without Admin copying Ann's Admin.
    let manager_role = crate::manage_users::create_role(app, &admin, "Copier", &["users.manage"]).await;
    let token = app
        .invite_and_read_link(&admin, "Mo", "mo.copy@example.com", manager_role)
        .await;
    let mo = app.client();
    app.call(&mo, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    let (status, body) = app
        .call(
            &mo,
            "apply_copy",
            &[
                ("user_id", &ben.to_string()),
                ("from_user_id", &ann.to_string()),
                ("mode", "add"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(access(app, ben).await.len(), 2, "nothing changed by the refused copy");
}

/// The matrix page is drawn on the server and its panels open by address, so copying,
/// undoing and an end date are plain forms: each previews or opens on a GET, posts, and
/// comes back to the page with the panel closed and what it did said once (with Undo for
/// the copy).
async fn copy_undo_and_an_end_date_go_through_as_plain_forms_from_the_matrix_page(app: &TestApp) {
    let admin = app.sign_up("plaincopy").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let ann = member(app, &admin, "ann.plaincopy@example.com", employee).await;
    let (_, client) = app
        .call(&admin.client, "add_client", &[("name", "Plain Ltd"), ("plan", "small")])
        .await;
    let client = client.as_i64().unwrap();
    grant(app, &admin, admin.user_id, client, employee).await;
    let back = format!("/partner/users?staff={ann}");

    // The copy panel previews on a GET.
    let asked = format!(
        "{back}&copy=open&from={}&mode=replace&copy_ends=&preview=1",
        admin.user_id
    );
    let html = app.get_text(&admin.client, &asked).await;
    assert!(html.contains("This changes 1 client"), "{html}");
    assert!(html.contains(r#"action="/api/apply_copy""#), "{html}");
    assert!(access(app, ann).await.is_empty(), "a preview changes nothing");

    let from = admin.user_id.to_string();
    let (status, location, notice) = crate::clients::post_plain_form(
        app,
        &admin.client,
        "apply_copy",
        &format!("{}{asked}", app.address),
        &[
            ("user_id", &ann.to_string()),
            ("from_user_id", &from),
            ("mode", "replace"),
            ("ends_on", ""),
        ],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, back, "the panel closes");
    assert!(notice.is_some());
    assert_eq!(access(app, ann).await.get(&client).map(|a| a.0), Some(employee));
    // The page read again by a script (the matrix's live updates) leaves the notice for the
    // page the browser shows.
    let read_again = admin
        .client
        .http
        .get(format!("{}{back}", app.address))
        .header("Sec-Fetch-Dest", "empty")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!read_again.contains("Copied:"), "{read_again}");
    let html = app.get_text(&admin.client, &back).await;
    assert!(html.contains("Copied: changed 1 client."), "{html}");
    let batch = html
        .split(r#"name="batch_id" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an Undo form")
        .to_owned();
    // Said once.
    assert!(!app.get_text(&admin.client, &back).await.contains("Copied:"));

    let (status, location, _) = crate::clients::post_plain_form(
        app,
        &admin.client,
        "undo_bulk",
        &format!("{}{back}", app.address),
        &[("batch_id", &batch)],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, back);
    assert!(access(app, ann).await.is_empty(), "undone");
    let html = app.get_text(&admin.client, &back).await;
    assert!(html.contains("Undone: 1 clients are back as they were."), "{html}");

    // An end date opens on its row by address and saves with a post.
    grant(app, &admin, ann, client, employee).await;
    let opened = format!("{back}&ends={client}");
    let html = app.get_text(&admin.client, &opened).await;
    assert!(html.contains("Access ends on"), "{html}");
    assert!(html.contains(r#"action="/api/set_access_end""#), "{html}");
    // The row's end-date form, posted from the page that opened it.
    let admin_client = &admin.client;
    let post_end = |ends_on: &'static str| {
        let (referer, ann, client) = (format!("{}{opened}", app.address), ann.to_string(), client.to_string());
        async move {
            crate::clients::post_plain_form(
                app,
                admin_client,
                "set_access_end",
                &referer,
                &[("user_id", &ann), ("client_id", &client), ("ends_on", ends_on)],
            )
            .await
        }
    };
    let (status, location, _) = post_end("2999-01-31").await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, back, "the row's end date closes");
    let html = app.get_text(&admin.client, &back).await;
    assert!(html.contains("Access ends after 31 Jan 2999."), "{html}");
    assert!(html.contains("until 31 Jan 2999"), "{html}");

    // A refused end date comes back to the open row with the reason.
    let (status, location, notice) = post_end("not a day").await;
    assert!(status.is_redirection(), "{status}");
    // The framework's way: back to the form's page with the error in the address.
    let location = location.strip_prefix(&app.address).unwrap_or(&location);
    assert!(location.starts_with(&format!("{opened}&__path=")), "{location}");
    assert!(notice.is_none());
    let html = app.get_text(&admin.client, location).await;
    assert!(html.contains(r#"role="alert""#), "{html}");
    assert!(html.contains("Access ends on"), "still open: {html}");
}

crate::on_both_backends!(
    copying_adds_or_replaces_previews_its_count_and_can_be_undone,
    copy_undo_and_an_end_date_go_through_as_plain_forms_from_the_matrix_page,
);
