//! Offboarding a leaver (complete and in one step, refused where it must be) and the
//! leaver report (its contents, and its CSV with formulas made inert).

use serde_json::Value;

use crate::helpers::{Admin, PASSWORD, TestApp, join, until_waiting_for_a_lock};

async fn add_client(app: &TestApp, admin: &Admin, name: &str) -> i64 {
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    body.as_i64().unwrap()
}

async fn set(app: &TestApp, admin: &Admin, user: i64, client: i64, role: Option<i64>) {
    let (u, c) = (user.to_string(), client.to_string());
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("client_id", c.as_str())];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    let (status, body) = app.call(&admin.client, "set_client_role", &form).await;
    assert!(status.is_success(), "{body}");
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(app.db.pool()).await.unwrap()
}

async fn offboarding_removes_everything_at_once_in_one_audited_step(app: &TestApp) {
    let admin = app.sign_up("off").await;
    let manager_role = crate::manage_users::create_role(app, &admin, "Office manager", &["users.manage"]).await;
    let (sam, sam_id) = join(app, &admin, "Sam Leaver", "sam.off@example.com", manager_role).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let clients = [
        add_client(app, &admin, "Acme Ltd").await,
        add_client(app, &admin, "Birch Ltd").await,
        add_client(app, &admin, "Cedar Ltd").await,
    ];
    set(app, &admin, sam_id, clients[0], Some(employee)).await;
    set(app, &admin, sam_id, clients[1], Some(manager_role)).await;
    // Sam invited someone who has not accepted yet: that invitation goes with Sam.
    let (status, body) = app
        .call(
            &sam,
            "invite_user",
            &[
                ("name", "Nell New"),
                ("email", "nell.off@example.com"),
                ("role_id", &manager_role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (sam_elsewhere, _, _) = app.sign_in("sam.off@example.com", PASSWORD).await;

    let (status, preview) = app
        .call(
            &admin.client,
            "preview_offboarding",
            &[("user_id", &sam_id.to_string())],
        )
        .await;
    assert!(status.is_success(), "{preview}");
    assert_eq!(preview["clients"], 2);
    assert_eq!(preview["invitations"], 1);
    assert!(preview["sessions"].as_i64().unwrap() >= 2, "{preview}");
    let audit_before = count(
        app,
        "SELECT COUNT(*) FROM audit_events WHERE practice_id = $1",
        admin.practice_id,
    )
    .await;

    let (status, body) = app
        .call(&admin.client, "offboard_member", &[("user_id", &sam_id.to_string())])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    for who in [&sam, &sam_elsewhere] {
        assert_eq!(app.me(who).await, Value::Null, "every session ended");
    }
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM client_assignments WHERE user_id = $1",
            sam_id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM invitations WHERE invited_by = $1 AND status = 'pending'",
            sam_id
        )
        .await,
        0
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM practice_members WHERE user_id = $1 AND practice_id = $2")
            .bind(sam_id)
            .bind(admin.practice_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "deactivated");
    let (_, status, _) = app.sign_in("sam.off@example.com", PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    // One audit event, listing what was removed.
    let events: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT action, affected_count, before_json FROM audit_events WHERE practice_id = $1 ORDER BY id",
    )
    .bind(admin.practice_id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(events.len() as i64, audit_before + 1, "one event: {events:?}");
    let (action, affected, before) = events.last().unwrap();
    assert_eq!(action, "member.offboarded");
    assert_eq!(*affected, Some(2));
    let before: Value = serde_json::from_str(before.as_deref().unwrap()).unwrap();
    let removed: Vec<&str> = before["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["Acme Ltd", "Birch Ltd"]);

    // Refused: oneself, and the main user (by another Admin); nothing changes.
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let (second, _) = join(app, &admin, "Ann Other", "ann.off@example.com", admin_role).await;
    let (status, _) = app
        .call(
            &admin.client,
            "offboard_member",
            &[("user_id", &admin.user_id.to_string())],
        )
        .await;
    assert_eq!(status, 403, "not oneself");
    let (status, body) = app
        .call(&second, "offboard_member", &[("user_id", &admin.user_id.to_string())])
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("main user"), "{body}");
    assert!(app.me(&admin.client).await["email"].is_string(), "the main user stays");
}

async fn the_leaver_report_lists_every_client_they_could_reach_and_downloads_as_safe_csv(app: &TestApp) {
    let admin = app.sign_up("report").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (_sam, sam_id) = join(app, &admin, "Sam Leaver", "sam.report@example.com", employee).await;
    let evil = add_client(app, &admin, "=cmd|' /C calc'!A0").await;
    let birch = add_client(app, &admin, "Birch Ltd").await;
    let cedar = add_client(app, &admin, "Cedar Ltd").await;
    set(app, &admin, sam_id, evil, Some(employee)).await; // held until offboarding
    set(app, &admin, sam_id, birch, Some(employee)).await;
    set(app, &admin, sam_id, birch, None).await; // ended by a click
    // Given and taken in bulk (Cedar only, by search).
    for role in [Some(employee), None] {
        let mut form = vec![
            ("user_id", sam_id.to_string()),
            ("search", "Cedar".to_owned()),
            ("plan", String::new()),
        ];
        if let Some(r) = role {
            form.push(("role_id", r.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = app.call(&admin.client, "apply_bulk", &form).await;
        assert!(status.is_success(), "{body}");
    }
    let _ = cedar;
    app.call(&admin.client, "offboard_member", &[("user_id", &sam_id.to_string())])
        .await;

    // Produced later from the past member's row.
    let (status, report) = app
        .call(&admin.client, "get_leaver_report", &[("user_id", &sam_id.to_string())])
        .await;
    assert!(status.is_success(), "{report}");
    let rows = report["rows"].as_array().unwrap();
    let find = |client: &str| {
        rows.iter()
            .find(|r| r["client"] == client)
            .unwrap_or_else(|| panic!("{client} in {report}"))
    };
    let held = find("=cmd|' /C calc'!A0");
    assert_eq!(held["role"], "Employee (predefined)");
    assert!(held["from"].is_i64() && held["to"].is_i64(), "{held}");
    assert_eq!(held["granted_by"], "Ada Admin");
    let clicked = find("Birch Ltd");
    assert!(clicked["from"].is_i64(), "the click that gave it: {clicked}");
    assert_eq!(clicked["granted_by"], "Ada Admin");
    let bulk = find("Cedar Ltd");
    assert!(bulk["to"].is_i64(), "{bulk}");
    assert!(report["offboarded_at"].is_i64());
    assert_eq!(rows.len(), 3, "{report}");

    // The CSV: a header row, and a name that would be a formula made inert.
    let response = admin
        .client
        .http
        .get(format!("{}/reports/leaver.csv?user={sam_id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment; filename=\"leaver-report-sam.report-example.com.csv\"")
    );
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("Client,Role,From,To,Granted by\r\n"), "{csv}");
    assert!(csv.contains("\r\n'=cmd|' /C calc'!A0,"), "{csv}");
    assert!(!csv.contains("\r\n=cmd"), "{csv}");
    // The download is on record: the report leaves the app, the trail says who took it.
    let (_, log) = app
        .call(
            &admin.client,
            "list_audit_events",
            &[("action", "report.leaver_downloaded")],
        )
        .await;
    assert_eq!(
        log["entries"][0]["sentence"], "Ada Admin downloaded sam.report@example.com's leaver report (3 clients)",
        "{log}"
    );
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");

    // Who may download it: not a stranger, not staff without Manage users, not another practice.
    let anonymous = app.client();
    let url = format!("{}/reports/leaver.csv?user={sam_id}", app.address);
    assert_eq!(anonymous.http.get(&url).send().await.unwrap().status(), 401);
    let (employee_client, _) = join(app, &admin, "Eve Employee", "eve.report@example.com", employee).await;
    assert_eq!(employee_client.http.get(&url).send().await.unwrap().status(), 403);
    let other = app.sign_up("report-b").await;
    assert_eq!(other.client.http.get(&url).send().await.unwrap().status(), 404);
    let garbage = format!("{}/reports/leaver.csv?user=%27%3B", app.address);
    assert_eq!(admin.client.http.get(&garbage).send().await.unwrap().status(), 422);
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'report.leaver_downloaded'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(recorded, 1, "a refused download is not recorded as one");
}

async fn a_clients_staff_with_access_and_my_access(app: &TestApp) {
    let admin = app.sign_up("reach").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (sam, sam_id) = join(app, &admin, "Sam Staff", "sam.reach@example.com", employee).await;
    let acme = add_client(app, &admin, "Acme Ltd").await;
    let birch = add_client(app, &admin, "Birch Ltd").await;
    set(app, &admin, sam_id, acme, Some(employee)).await;

    let (status, page) = app
        .call(&admin.client, "list_client_staff", &[("client_id", &acme.to_string())])
        .await;
    assert!(status.is_success(), "{page}");
    assert_eq!(page["client_name"], "Acme Ltd");
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "Sam Staff");
    assert_eq!(rows[0]["role_name"], "Employee (predefined)");
    assert_eq!(rows[0]["granted_by"], "Ada Admin");
    let others: Vec<&str> = page["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(others, ["Ada Admin"], "Add staff offers those without access");
    // Another practice sees nothing of it.
    let other = app.sign_up("reach-b").await;
    let (status, _) = app
        .call(&other.client, "list_client_staff", &[("client_id", &acme.to_string())])
        .await;
    assert_eq!(status, 404);

    // "My access": the staff member's own list, searchable.
    set(app, &admin, sam_id, birch, Some(employee)).await;
    let mine = app.call(&sam, "list_my_access", &[]).await.1;
    assert_eq!(mine["total"], 2, "{mine}");
    let names: Vec<&str> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["client"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Ltd", "Birch Ltd"]);
    let found = app.call(&sam, "list_my_access", &[("search", "birch")]).await.1;
    assert_eq!(found["matching"], 1);
    assert_eq!(found["rows"][0]["role_name"], "Employee (predefined)");
    assert_eq!(app.call(&app.client(), "list_my_access", &[]).await.0, 401);
}

crate::on_both_backends!(
    a_clients_staff_with_access_and_my_access,
    offboarding_removes_everything_at_once_in_one_audited_step,
    the_leaver_report_lists_every_client_they_could_reach_and_downloads_as_safe_csv,
);

/// On PostgreSQL reading a row does not wait for a transaction changing it. A click that
/// comes while an offboarding (or deactivation) of its person is being written must wait
/// for it and then be refused, not grant access to someone who has just left.
async fn a_click_during_an_offboarding_waits_and_is_refused(app: &TestApp) {
    let admin = app.sign_up("race-click").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "race-click").await;
    let client = add_client(app, &admin, "Raced Ltd").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    // The offboarding, half done: the member's row changed, not yet committed.
    let mut offboarding = app.db.pool().begin().await.unwrap();
    sqlx::query("UPDATE practice_members SET status = 'deactivated' WHERE practice_id = $1 AND user_id = $2")
        .bind(admin.practice_id)
        .bind(staff)
        .execute(&mut *offboarding)
        .await
        .unwrap();
    let click = app.call_in_background(
        &admin.client,
        "set_client_role",
        vec![
            ("user_id", staff.to_string()),
            ("client_id", client.to_string()),
            ("role_id", employee.to_string()),
        ],
    );
    until_waiting_for_a_lock(app, &click).await;
    offboarding.commit().await.unwrap();
    let (status, body) = click.await.unwrap();
    assert_eq!(
        status, 409,
        "the click was refused once the offboarding committed: {body}"
    );
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM client_assignments WHERE user_id = $1", staff).await,
        0
    );
}

/// The other order: a click being written when the offboarding comes. The offboarding
/// waits for it, then removes its grant too: nothing outlives an offboarding.
async fn an_offboarding_during_a_click_waits_and_removes_its_grant(app: &TestApp) {
    let admin = app.sign_up("race-off").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (_, staff) = join(app, &admin, "Lee Leaver", "lee.race@example.com", employee).await;
    let client = add_client(app, &admin, "Raced Ltd").await;
    // The click, half done: it has checked its person (holding their row as clicks do)
    // and written its grant, not yet committed.
    let mut click = app.db.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR SHARE")
        .bind(admin.practice_id)
        .bind(staff)
        .execute(&mut *click)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(admin.practice_id)
    .bind(staff)
    .bind(client)
    .bind(employee)
    .bind(admin.user_id)
    .execute(&mut *click)
    .await
    .unwrap();
    let offboarding = app.call_in_background(&admin.client, "offboard_member", vec![("user_id", staff.to_string())]);
    until_waiting_for_a_lock(app, &offboarding).await;
    click.commit().await.unwrap();
    let (status, body) = offboarding.await.unwrap();
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM client_assignments WHERE user_id = $1", staff).await,
        0,
        "the grant committed while the offboarding waited is gone too"
    );
}

/// Both races exist only on PostgreSQL: SQLite runs one writer at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_to_access_and_to_membership_are_ordered_on_postgres() {
    let app = crate::helpers::spawn_app(app::platform::db::Backend::Postgres).await;
    crate::helpers::bounded(async {
        a_click_during_an_offboarding_waits_and_is_refused(&app).await;
        an_offboarding_during_a_click_waits_and_removes_its_grant(&app).await;
    })
    .await;
    app.cleanup().await;
}
