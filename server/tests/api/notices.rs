//! Telling staff when their access changes: clicks within five minutes make one email
//! (the clock is the test's: it flushes as if five minutes had passed), a bulk action one
//! at once; none when the practice turns them off or people change their own access.

use crate::helpers::{PASSWORD, TestApp};
use app::partner::access_notices::ssr::flush_due;

/// How many messages wait for `user` (one per kind with lines noted).
async fn open_notices(app: &TestApp, user: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(DISTINCT kind) FROM access_notice_lines WHERE user_id = $1")
        .bind(user)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn staff_hear_about_changes_to_their_access_once_per_gathering(app: &TestApp) {
    let admin = app.sign_up("notice").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (_, sam) = crate::helpers::join(app, &admin, "Sam Staff", "sam.notice@example.com", employee).await;
    let mut clients = Vec::new();
    for name in ["Acme Ltd", "Birch Ltd", "Cedar Ltd"] {
        let (_, id) = app
            .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
            .await;
        clients.push(id.as_i64().unwrap());
    }
    let click = |client: i64, role: Option<i64>| {
        let mut form = vec![("user_id", sam.to_string()), ("client_id", client.to_string())];
        if let Some(r) = role {
            form.push(("role_id", r.to_string()));
        }
        form
    };
    for form in [
        click(clients[0], Some(employee)),
        click(clients[1], Some(employee)),
        click(clients[1], None),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = app.call(&admin.client, "set_client_role", &form).await;
        assert!(status.is_success(), "{body}");
    }
    let t = app::platform::db::now();
    let mailed = app.mail_count("sam.notice@example.com");
    assert_eq!(flush_due(&app.db, true, &app.address, t).await.unwrap(), 0, "gathering");
    assert_eq!(open_notices(app, sam).await, 1, "three clicks, one message");
    assert_eq!(flush_due(&app.db, true, &app.address, t + 301).await.unwrap(), 1);
    let message = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for("sam.notice@example.com", mailed)
        .await;
    assert!(
        message.data.contains("Your client access at Practice notice changed"),
        "{}",
        message.data
    );
    for line in [
        "Acme Ltd: Employee (predefined) (given by Ada Admin)",
        "Birch Ltd: access removed (by Ada Admin)",
    ] {
        assert!(message.data.contains(line), "{line} in {}", message.data);
    }
    assert_eq!(
        flush_due(&app.db, true, &app.address, t + 600).await.unwrap(),
        0,
        "sent once"
    );

    // A bulk action: one message at once.
    let mailed = app.mail_count("sam.notice@example.com");
    app.call(
        &admin.client,
        "apply_bulk",
        &[
            ("user_id", &sam.to_string()),
            ("role_id", &employee.to_string()),
            ("search", ""),
            ("plan", ""),
        ],
    )
    .await;
    assert_eq!(
        flush_due(&app.db, true, &app.address, app::platform::db::now())
            .await
            .unwrap(),
        1
    );
    let message = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for("sam.notice@example.com", mailed)
        .await;
    assert!(
        message
            .data
            .contains("Employee (predefined) on 2 clients (by Ada Admin)"),
        "{}",
        message.data
    );

    // Changing one's own access tells nobody; a practice can turn the emails off.
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    app.call(
        &admin.client,
        "set_client_role",
        &[
            ("user_id", &admin.user_id.to_string()),
            ("client_id", &clients[2].to_string()),
            ("role_id", &admin_role.to_string()),
        ],
    )
    .await;
    assert_eq!(open_notices(app, admin.user_id).await, 0);
    let (status, body) = app.call(&admin.client, "set_access_emails", &[]).await;
    assert!(status.is_success(), "an unticked box turns them off: {body}");
    assert_eq!(
        app.call(&admin.client, "list_practice_users", &[]).await.1["access_emails"],
        false
    );
    app.call(
        &admin.client,
        "set_client_role",
        &[
            ("user_id", &sam.to_string()),
            ("client_id", &clients[2].to_string()),
            ("role_id", &employee.to_string()),
        ],
    )
    .await;
    assert_eq!(open_notices(app, sam).await, 0, "turned off");
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE practice_id = $1 AND action = 'practice.access_emails'",
    )
    .bind(admin.practice_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 1, "the setting's change is audited");

    // Only an Admin may silence them.
    let manager_role = crate::manage_users::create_role(app, &admin, "Quiet manager", &["users.manage"]).await;
    let token = app
        .invite_and_read_link(&admin, "Mo", "mo.notice@example.com", manager_role)
        .await;
    let mo = app.client();
    app.call(&mo, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert_eq!(app.call(&mo, "set_access_emails", &[("enabled", "true")]).await.0, 403);

    // A leaver is told nothing more: open notices go with offboarding.
    app.call(&admin.client, "set_access_emails", &[("enabled", "true")])
        .await;
    app.call(
        &admin.client,
        "set_client_role",
        &[("user_id", &sam.to_string()), ("client_id", &clients[2].to_string())],
    )
    .await;
    assert_eq!(open_notices(app, sam).await, 1);
    app.call(&admin.client, "offboard_member", &[("user_id", &sam.to_string())])
        .await;
    assert_eq!(open_notices(app, sam).await, 0, "nothing more to a leaver");
}

/// A morning of clicks on one person: the message lists the first changes and counts the
/// rest. A line moved from a notice of before (several changes in one row) counts as many.
async fn a_long_run_of_changes_is_listed_then_counted(app: &TestApp) {
    use app::partner::access_notices::LISTED_CHANGES;
    let admin = app.sign_up("many").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let mia = crate::helpers::seed_staff(app, admin.practice_id, "many").await;
    let mia_email = "staff.many@example.com";
    let (_, client) = app
        .call(&admin.client, "add_client", &[("name", "Oak Ltd"), ("plan", "small")])
        .await;
    let (user, client) = (mia.to_string(), client.to_string());
    let clicks = LISTED_CHANGES + 5;
    for i in 0..clicks {
        let mut form = vec![("user_id", user.as_str()), ("client_id", client.as_str())];
        let role = employee.to_string();
        if i % 2 == 0 {
            form.push(("role_id", role.as_str()));
        }
        let (status, body) = app.call(&admin.client, "set_client_role", &form).await;
        assert!(status.is_success(), "{body}");
    }
    let waiting: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(changes) AS BIGINT) FROM access_notice_lines WHERE user_id = $1")
            .bind(mia)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(waiting, clicks, "each click noted once");
    let mailed = app.mail_count(mia_email);
    let t = app::platform::db::now();
    assert_eq!(flush_due(&app.db, true, &app.address, t + 301).await.unwrap(), 1);
    let message = app.smtp.as_ref().unwrap().wait_for(mia_email, mailed).await;
    assert!(message.data.contains("and 5 more changes"), "{}", message.data);
    // The plain-text part lists each change on a line of its own.
    assert_eq!(
        message.data.matches("- Oak Ltd: ").count(),
        LISTED_CHANGES as usize,
        "{}",
        message.data
    );
}

/// A notice waiting when the lines table came in was moved into it as one row holding its
/// listed lines and how many changes it stood for: it is sent as it would have been, and
/// lines noted after it join the same message.
async fn a_notice_moved_from_before_is_sent_whole(app: &TestApp) {
    let admin = app.sign_up("moved").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let mia = crate::helpers::seed_staff(app, admin.practice_id, "moved").await;
    let t = app::platform::db::now();
    sqlx::query(
        "INSERT INTO access_notice_lines (practice_id, user_id, kind, line, changes, send_after)
         VALUES ($1, $2, 'access', $3, 50, $4)",
    )
    .bind(admin.practice_id)
    .bind(mia)
    .bind("Old Ltd: Employee (predefined) (given by Ada Admin)\nElm Ltd: access removed (by Ada Admin)")
    .bind(t + 60)
    .execute(app.db.pool())
    .await
    .unwrap();
    let (_, client) = app
        .call(&admin.client, "add_client", &[("name", "New Ltd"), ("plan", "small")])
        .await;
    let form = [
        ("user_id", mia.to_string()),
        ("client_id", client.to_string()),
        ("role_id", employee.to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = app.call(&admin.client, "set_client_role", &form).await;
    assert!(status.is_success(), "{body}");
    let email = "staff.moved@example.com";
    let mailed = app.mail_count(email);
    assert_eq!(
        flush_due(&app.db, true, &app.address, t + 59).await.unwrap(),
        0,
        "not due yet"
    );
    assert_eq!(
        flush_due(&app.db, true, &app.address, t + 60).await.unwrap(),
        1,
        "due with its first line"
    );
    let message = app.smtp.as_ref().unwrap().wait_for(email, mailed).await;
    let data = message.data.replace("=\r\n", "");
    let at = |text: &str| data.find(text).unwrap_or_else(|| panic!("{text} in {data}"));
    assert!(at("- Old Ltd: Employee") < at("- Elm Ltd: access removed"));
    assert!(
        at("- Elm Ltd: access removed") < at("- New Ltd: Employee"),
        "in the order noted"
    );
    assert!(data.contains("and 48 more changes"), "50 + 1 changes, 3 listed: {data}");
    assert_eq!(open_notices(app, mia).await, 0, "all of it sent");
}

/// Each person can stop their own emails (My access); turned back on, the next change is
/// mailed again, and every message says where to stop them.
async fn a_person_can_stop_their_own_access_emails(app: &TestApp) {
    let admin = app.sign_up("own-notice").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (sam_client, sam) = crate::helpers::join(app, &admin, "Sam Staff", "sam.own@example.com", employee).await;
    app.call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    let who = &admin.client;
    let bulk = |role: Option<i64>| {
        let mut form = vec![
            ("user_id", sam.to_string()),
            ("search", String::new()),
            ("plan", String::new()),
        ];
        form.extend(role.map(|r| ("role_id", r.to_string())));
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = app.call(who, "apply_bulk", &form).await;
            assert!(status.is_success(), "{body}");
        }
    };
    let now = app::platform::db::now;
    assert_eq!(
        app.call(&sam_client, "list_my_access", &[]).await.1["access_emails"],
        true
    );

    let outbox = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM email_outbox WHERE to_address = 'sam.own@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let (status, body) = app.call(&sam_client, "set_my_access_emails", &[]).await;
    assert!(status.is_success(), "an unticked box turns them off: {body}");
    let mine = app.call(&sam_client, "list_my_access", &[]).await.1;
    assert_eq!(
        (&mine["access_emails"], &mine["is_staff"]),
        (&false.into(), &true.into()),
        "{mine}"
    );
    // On record where someone may wonder why Sam was not told; saying it twice adds nothing.
    app.call(&sam_client, "set_my_access_emails", &[]).await;
    let (_, log) = app
        .call(&admin.client, "list_audit_events", &[("action", "user.access_emails")])
        .await;
    let sentences: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sentence"].as_str().unwrap())
        .collect();
    assert_eq!(
        sentences,
        ["Sam Staff stopped their emails about changes to their access"]
    );
    let queued = outbox().await;
    let mailed = app.mail_count("sam.own@example.com");
    bulk(Some(employee)).await;
    // The server's own sweeper may flush it first: either way nothing is queued for Sam.
    flush_due(&app.db, true, &app.address, now()).await.unwrap();
    assert_eq!(outbox().await, queued, "not sent");
    assert_eq!(open_notices(app, sam).await, 0, "and not kept for later");

    let (status, body) = app
        .call(&sam_client, "set_my_access_emails", &[("enabled", "true")])
        .await;
    assert!(status.is_success(), "{body}");
    bulk(None).await;
    flush_due(&app.db, true, &app.address, now()).await.unwrap();
    assert_eq!(outbox().await, queued + 1, "sent");
    let message = app.smtp.as_ref().unwrap().wait_for("sam.own@example.com", mailed).await;
    assert!(message.data.contains("stop these emails"), "{}", message.data);
    // Only one's own: nobody signed out sets anything.
    assert_eq!(app.call(&app.client(), "set_my_access_emails", &[]).await.0, 401);
}

/// The practice setting's box submits its form as it changes (`AutoSubmit`, or its Save
/// button without JavaScript): ticked it posts `enabled=true`, unticked nothing at all,
/// which turns the setting off; the page it came from says once what the setting now is.
async fn the_access_emails_setting_posted_as_a_form_saves_unticked_as_off(app: &TestApp) {
    let admin = app.sign_up("settingform").await;
    let page = format!("{}/manage-users", app.address);
    for (form, said, ticked) in [
        (
            &[][..],
            "Staff are no longer emailed when their client access changes.",
            false,
        ),
        (
            &[("enabled", "true")][..],
            "Staff are now emailed when their client access changes.",
            true,
        ),
    ] {
        let (status, location, notice) =
            crate::clients::post_plain_form(app, &admin.client, "set_access_emails", &page, form).await;
        assert!(status.is_redirection(), "{status}");
        assert_eq!(location, "/manage-users");
        assert!(notice.is_some(), "a notice for the page");
        let html = app.get_text(&admin.client, "/manage-users").await;
        assert!(html.contains(said), "{said}: {html}");
        let tag = html
            .split("<input")
            .find(|t| t.contains(r#"name="enabled""#))
            .expect("the setting's box");
        let tag = &tag[..tag.find('>').unwrap()];
        assert_eq!(tag.contains("checked"), ticked, "{tag}");
    }
}

crate::on_both_backends!(
    the_access_emails_setting_posted_as_a_form_saves_unticked_as_off,
    staff_hear_about_changes_to_their_access_once_per_gathering,
    a_long_run_of_changes_is_listed_then_counted,
    a_notice_moved_from_before_is_sent_whole,
    a_person_can_stop_their_own_access_emails,
);
