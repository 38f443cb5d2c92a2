//! Access requests: a staff member asks for a client with a reason and an end; an approver
//! approves (through the matrix's path and rules) or declines; the asker is told, sees the
//! outcome, can withdraw; every step is on record ([`rules`]: every refusal, the setting,
//! the limit, expiry, offboarding).

use serde_json::Value;

use crate::helpers::{Admin, Client, TestApp};

mod rules;

pub(crate) struct Setup {
    admin: Admin,
    staff: Client,
    staff_id: i64,
    employee: i64,
    acme: i64,
    birch: i64,
    cedar: i64,
}

async fn add_client(app: &TestApp, admin: &Admin, name: &str) -> i64 {
    let (status, id) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", name), ("plan", "practice_edition")],
        )
        .await;
    assert!(status.is_success(), "{id}");
    id.as_i64().unwrap()
}

/// A practice with three clients and one Employee, Sam Staff, who can open none of them.
pub(crate) async fn setup(app: &TestApp, tag: &str) -> Setup {
    let admin = app.sign_up(tag).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let acme = add_client(app, &admin, "Acme Ltd").await;
    let birch = add_client(app, &admin, "Birch Ltd").await;
    let cedar = add_client(app, &admin, "Cedar Ltd").await;
    let (staff, staff_id) =
        crate::helpers::join(app, &admin, "Sam Staff", &format!("sam.{tag}@example.com"), employee).await;
    Setup {
        admin,
        staff,
        staff_id,
        employee,
        acme,
        birch,
        cedar,
    }
}

pub(crate) async fn ask(
    app: &TestApp,
    who: &Client,
    client: i64,
    role: i64,
    reason: &str,
    until: &str,
) -> (u16, Value) {
    let (status, body) = app
        .call(
            who,
            "request_access",
            &[
                ("client_id", &client.to_string()),
                ("role_id", &role.to_string()),
                ("reason", reason),
                ("until", until),
            ],
        )
        .await;
    (status.as_u16(), body)
}

pub(crate) async fn mine(app: &TestApp, who: &Client) -> Vec<Value> {
    let (status, list) = app.call(who, "list_access_requests", &[("mine", "true")]).await;
    assert!(status.is_success(), "{list}");
    list["lines"].as_array().unwrap().clone()
}

pub(crate) async fn decide(app: &TestApp, who: &Client, id: i64, form: &[(&str, &str)]) -> (u16, Value) {
    let id = id.to_string();
    let mut all = vec![("request_id", id.as_str())];
    all.extend_from_slice(form);
    let (status, body) = app.call(who, "decide_access_request", &all).await;
    (status.as_u16(), body)
}

/// A day `days` from now, as a date field takes it.
pub(crate) fn day_from_now(days: i64) -> String {
    app::platform::dates::last_day_iso(app::platform::db::now() + days * 86_400)
}

/// The sentences of the practice's audit log under the Action filter `action`.
pub(crate) async fn sentences(app: &TestApp, who: &Client, action: &str) -> Vec<String> {
    let (_, log) = app.call(who, "list_audit_events", &[("action", action)]).await;
    log["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect()
}

/// Queues the approvers' gathered messages now (they wait two minutes to gather more).
async fn flush_requests(app: &TestApp) {
    app::partner::access_notices::ssr::flush_due(&app.db, true, &app.address, app::platform::db::now() + 600)
        .await
        .unwrap();
}

async fn a_request_is_asked_approved_declined_and_withdrawn(app: &TestApp) {
    let s = setup(app, "req-flow").await;
    let sink = app.smtp.as_ref().unwrap();
    // "Request access" offers the clients Sam cannot open, found by name, and the roles
    // Sam may ask for (not Admin: nobody asks for more than they hold).
    let (status, form) = app.call(&s.staff, "get_request_form", &[("search", "acm")]).await;
    assert!(status.is_success(), "{form}");
    assert_eq!(form["enabled"], true);
    let names: Vec<&str> = form["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Ltd"]);
    let roles: Vec<&str> = form["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(!roles.contains(&"Admin"), "{roles:?}");
    assert_eq!(form["default_role"], s.employee);

    let until = day_from_now(10);
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, "Year-end cover for Ann", &until).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "Acme Ltd");
    let lines = mine(app, &s.staff).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "pending");
    let request = lines[0]["id"].as_i64().unwrap();
    // Approvers are emailed, and the Home menu counts what waits.
    let seen = app.mail_count(&s.admin.email);
    flush_requests(app).await;
    let mail = sink.wait_for(&s.admin.email, seen).await;
    assert!(
        mail.data.contains("Subject: Sam Staff asks for access to Acme Ltd"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("Year-end cover for Ann"), "{}", mail.data);
    assert_eq!(app.me(&s.admin.client).await["requests_waiting"], 1);
    let (_, listed) = app.call(&s.admin.client, "list_access_requests", &[]).await;
    assert_eq!(listed["waiting"], 1, "{listed}");
    assert_eq!(listed["lines"][0]["reason"], "Year-end cover for Ann");

    // Approved as asked: the access and its end appear at once in the asker's menu.
    let seen = app.mail_count(&s.staff_email(app).await);
    let (status, body) = decide(
        app,
        &s.admin.client,
        request,
        &[("decision", "approve"), ("until", &until)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let me = app.me(&s.staff).await;
    let accounts: Vec<&str> = me["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&"Acme Ltd"), "{me}");
    let acme = me["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Acme Ltd")
        .unwrap();
    assert!(acme["ends_at"].as_i64().is_some(), "with its end date: {acme}");
    let (_, access) = app.call(&s.staff, "list_my_access", &[]).await;
    assert_eq!(access["rows"][0]["client"], "Acme Ltd");
    assert!(
        access["rows"][0]["ends_at"].as_i64().is_some(),
        "with its end: {access}"
    );
    let told = sink.wait_for(&s.staff_email(app).await, seen).await;
    assert!(told.data.contains("was approved"), "{}", told.data);
    assert_eq!(mine(app, &s.staff).await[0]["status"], "approved");
    let (status, _) = decide(app, &s.admin.client, request, &[("decision", "approve")]).await;
    assert_eq!(status, 404, "decided once");

    // Declined, with a reason the asker reads.
    ask(app, &s.staff, s.birch, s.employee, "Query from Birch", "").await;
    let birch = mine(app, &s.staff)
        .await
        .into_iter()
        .find(|l| l["client_name"] == "Birch Ltd")
        .unwrap();
    let seen = app.mail_count(&s.staff_email(app).await);
    let (status, body) = decide(
        app,
        &s.admin.client,
        birch["id"].as_i64().unwrap(),
        &[("decision", "decline"), ("note", "Ann handles Birch")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let birch = mine(app, &s.staff)
        .await
        .into_iter()
        .find(|l| l["client_name"] == "Birch Ltd")
        .unwrap();
    assert_eq!(birch["status"], "declined");
    assert_eq!(birch["note"], "Ann handles Birch");
    let told = sink.wait_for(&s.staff_email(app).await, seen).await;
    assert!(
        told.data.contains("was declined") && told.data.contains("Ann handles Birch"),
        "{}",
        told.data
    );

    // Withdrawn by the asker, and by nobody else.
    ask(app, &s.staff, s.cedar, s.employee, "Cover", "").await;
    let cedar = mine(app, &s.staff)
        .await
        .into_iter()
        .find(|l| l["client_name"] == "Cedar Ltd")
        .unwrap();
    let id = cedar["id"].as_i64().unwrap().to_string();
    let (status, _) = app
        .call(&s.admin.client, "withdraw_access_request", &[("request_id", &id)])
        .await;
    assert_eq!(status, 404, "only the asker withdraws");
    let (status, body) = app
        .call(&s.staff, "withdraw_access_request", &[("request_id", &id)])
        .await;
    assert!(status.is_success(), "{body}");
    let (status, _) = app
        .call(&s.staff, "withdraw_access_request", &[("request_id", &id)])
        .await;
    assert_eq!(status, 404, "withdrawn once");

    // On record, under the Action filter "Requests" (and nothing else there).
    let said = sentences(app, &s.admin.client, "requests").await;
    let until = app::platform::dates::last_day(app::platform::dates::end_of_day(&until).unwrap());
    let expected = [
        "Sam Staff withdrew their request for Cedar Ltd".to_owned(),
        "Sam Staff asked for Employee (predefined) on Cedar Ltd: \u{201c}Cover\u{201d}".to_owned(),
        "Ada Admin declined Sam Staff's request for Birch Ltd: \u{201c}Ann handles Birch\u{201d}".to_owned(),
        "Sam Staff asked for Employee (predefined) on Birch Ltd: \u{201c}Query from Birch\u{201d}".to_owned(),
        format!("Ada Admin approved Sam Staff's request: Employee (predefined) on Acme Ltd until {until}"),
        format!(
            "Sam Staff asked for Employee (predefined) on Acme Ltd until {until}: \u{201c}Year-end cover for Ann\u{201d}"
        ),
    ];
    assert_eq!(said, expected);
    let csv = app
        .get_text(&s.admin.client, "/reports/audit.csv?action=requests")
        .await;
    assert!(
        csv.contains("approved Sam Staff's request") && !csv.contains("gave Sam Staff"),
        "{csv}"
    );
}

impl Setup {
    async fn staff_email(&self, app: &TestApp) -> String {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(self.staff_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    }
}

crate::on_both_backends!(a_request_is_asked_approved_declined_and_withdrawn,);
