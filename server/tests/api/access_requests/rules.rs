//! The rules of access requests, each refusal with its clear error: bad input, another
//! practice's or an archived client, a role above one's own, access already held, the
//! setting, the limit of pending requests, one pending per client, deciding one's own,
//! expiry, a deactivated asker, offboarding, and the leaver report.

use super::*;

async fn every_refusal_is_clear_and_changes_nothing(app: &TestApp) {
    let s = setup(app, "req-rules").await;
    let until = day_from_now(5);
    let field = |body: &Value| body["Invalid"]["field"].as_str().unwrap_or_default().to_owned();
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, "   ", "").await;
    assert_eq!((status, field(&body)), (422, "reason".to_owned()), "{body}");
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, &"x".repeat(501), "").await;
    assert_eq!((status, field(&body)), (422, "reason".to_owned()), "{body}");
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, "Cover", "2020-01-01").await;
    assert_eq!((status, field(&body)), (422, "until".to_owned()), "{body}");
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, "Cover", "not a date").await;
    assert_eq!((status, field(&body)), (422, "until".to_owned()), "{body}");
    let admin_role = app.role_id(s.admin.practice_id, "Admin").await;
    let (status, body) = ask(app, &s.staff, s.acme, admin_role, "Cover", "").await;
    assert_eq!(
        (status, field(&body)),
        (422, "role_id".to_owned()),
        "not above one's own: {body}"
    );
    // Another practice's client and role are not this practice's.
    let other = app.sign_up("req-rules-other").await;
    let theirs = super::add_client(app, &other, "Their Ltd").await;
    let (status, body) = ask(app, &s.staff, theirs, s.employee, "Cover", "").await;
    assert_eq!((status, field(&body)), (422, "client_id".to_owned()), "{body}");
    let their_role = app.role_id(other.practice_id, "Employee").await;
    let (status, body) = ask(app, &s.staff, s.acme, their_role, "Cover", "").await;
    assert_eq!((status, field(&body)), (422, "role_id".to_owned()), "{body}");
    let (_, form) = app
        .call(&s.staff, "get_request_form", &[("client", &theirs.to_string())])
        .await;
    assert!(!form.to_string().contains("Their Ltd"), "{form}");
    // An archived client cannot be asked for.
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_client_archived",
            &[("client_id", &s.cedar.to_string()), ("archived", "true")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = ask(app, &s.staff, s.cedar, s.employee, "Cover", "").await;
    assert_eq!((status, field(&body)), (422, "client_id".to_owned()), "{body}");
    assert!(mine(app, &s.staff).await.is_empty(), "nothing asked");

    // One pending request per person and client: asking again updates it.
    assert_eq!(ask(app, &s.staff, s.acme, s.employee, "Cover", "").await.0, 200);
    assert_eq!(
        ask(app, &s.staff, s.acme, s.employee, "Cover for Ann, year end", &until)
            .await
            .0,
        200
    );
    let lines = mine(app, &s.staff).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["reason"], "Cover for Ann, year end");
    let request = lines[0]["id"].as_i64().unwrap();

    // Nobody decides their own request: the admin asks, and cannot approve it.
    let (status, _) = ask(app, &s.admin.client, s.birch, s.employee, "Checking Birch", "").await;
    assert_eq!(status, 200);
    let (_, all) = app.call(&s.admin.client, "list_access_requests", &[]).await;
    let own = all["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["client_name"] == "Birch Ltd")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = decide(app, &s.admin.client, own, &[("decision", "approve")]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        app.me(&s.admin.client).await["requests_waiting"],
        1,
        "one's own does not count"
    );
    // Garbage decisions and other practices' approvers.
    let (status, _) = decide(app, &s.admin.client, request, &[("decision", "maybe")]).await;
    assert_eq!(status, 422);
    let (status, _) = decide(app, &other.client, request, &[("decision", "approve")]).await;
    assert_eq!(status, 404, "another practice's request is not found");
    let (status, body) = decide(
        app,
        &s.admin.client,
        request,
        &[("decision", "approve"), ("until", "2020-01-01")],
    )
    .await;
    assert_eq!((status, field(&body)), (422, "until".to_owned()), "{body}");
    let (status, body) = decide(
        app,
        &s.admin.client,
        request,
        &[("decision", "approve"), ("role_id", &their_role.to_string())],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        mine(app, &s.staff).await[0]["status"],
        "pending",
        "a refused approval leaves it waiting"
    );
    // Approved with another role and for good (the end cleared).
    let user_role = app.role_id(s.admin.practice_id, "User").await;
    let (status, body) = decide(
        app,
        &s.admin.client,
        request,
        &[
            ("decision", "approve"),
            ("role_id", &user_role.to_string()),
            ("until", ""),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, access) = app.call(&s.staff, "list_my_access", &[]).await;
    assert_eq!(access["rows"][0]["role_name"], "User", "{access}");
    assert_eq!(access["rows"][0]["ends_at"], Value::Null);
    let (status, body) = ask(app, &s.staff, s.acme, s.employee, "More", "").await;
    assert_eq!(status, 409, "access already held: {body}");
    // The leaver report says where that access came from.
    let (_, report) = app
        .call(
            &s.admin.client,
            "get_leaver_report",
            &[("user_id", &s.staff_id.to_string())],
        )
        .await;
    assert!(report.to_string().contains("approving a request"), "{report}");

    // The setting: off, nobody asks; on again.
    let (status, _) = app.call(&s.admin.client, "set_staff_may_request", &[]).await;
    assert!(status.is_success());
    let (status, body) = ask(app, &s.staff, s.birch, s.employee, "Cover", "").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(app.call(&s.staff, "get_request_form", &[]).await.1["enabled"], false);
    let (status, _) = app
        .call(&s.admin.client, "set_staff_may_request", &[("enabled", "true")])
        .await;
    assert!(status.is_success());
    assert!(
        sentences(app, &s.admin.client, "request.setting")
            .await
            .contains(&"Ada Admin stopped staff requesting access to clients".to_owned())
    );
}

async fn limits_expiry_and_leavers(app: &TestApp) {
    let s = setup(app, "req-limits").await;
    crate::helpers::seed_clients(app, s.admin.practice_id, "Many", 21).await;
    let (_, form) = app.call(&s.staff, "get_request_form", &[("search", "Many")]).await;
    let many: Vec<i64> = form["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(many.len(), 21);
    for (i, client) in many.iter().take(20).enumerate() {
        let (status, body) = ask(app, &s.staff, *client, s.employee, "Cover", "").await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
    let (status, body) = ask(app, &s.staff, many[20], s.employee, "Cover", "").await;
    assert_eq!(status, 409, "at most 20 waiting: {body}");
    assert!(body.to_string().contains("20 requests waiting"), "{body}");

    // Unanswered for 14 days: expired, undecidable, on record.
    let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM access_requests WHERE user_id = $1")
        .bind(s.staff_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE access_requests SET created_at = created_at - 15 * 86400 WHERE id = $1")
        .bind(first)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = decide(app, &s.admin.client, first, &[("decision", "approve")]).await;
    assert_eq!(status, 409, "{body}");
    let expired = mine(app, &s.staff)
        .await
        .into_iter()
        .find(|l| l["id"] == first)
        .unwrap();
    assert_eq!(expired["status"], "expired");
    let swept = app::partner::access_requests::ssr::expire_unanswered(&app.db, app::platform::db::now())
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert_eq!(
        sentences(app, &s.admin.client, "request.expired").await.len(),
        1,
        "expired, once"
    );
    // With one expired, there is room for the 21st.
    assert_eq!(ask(app, &s.staff, many[20], s.employee, "Cover", "").await.0, 200);

    // Offboarding withdraws what the leaver still waits for; a deactivated person cannot ask.
    let (status, body) = app
        .call(
            &s.admin.client,
            "offboard_member",
            &[("user_id", &s.staff_id.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_requests WHERE user_id = $1 AND status = 'pending'")
            .bind(s.staff_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(waiting, 0);
    assert_eq!(sentences(app, &s.admin.client, "request.withdrawn").await.len(), 20);
    let (status, _) = ask(app, &s.staff, s.acme, s.employee, "Cover", "").await;
    assert!(status == 401 || status == 403, "{status}");
}

/// Deleting a custom role that a request asks for moves the request with the role's
/// holders (it waits on, for the role they move to) instead of deleting it unrecorded.
async fn a_deleted_role_moves_its_requests_with_its_holders(app: &TestApp) {
    let s = setup(app, "req-role").await;
    let reviewer = crate::manage_users::create_role(app, &s.admin, "Reviewer", &["expenses.list"]).await;
    let (status, body) = ask(app, &s.staff, s.acme, reviewer, "Month end", "").await;
    assert_eq!(status, 200, "{body}");
    let reviewer_text = reviewer.to_string();
    let (status, body) = app
        .call(&s.admin.client, "delete_role", &[("role_id", reviewer_text.as_str())])
        .await;
    assert_eq!(
        status, 409,
        "the request uses it: a role to move to is asked for: {body}"
    );
    let employee = s.employee.to_string();
    let (status, body) = app
        .call(
            &s.admin.client,
            "delete_role",
            &[("role_id", reviewer_text.as_str()), ("move_to", employee.as_str())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let waiting: Vec<(i64, String)> =
        sqlx::query_as("SELECT role_id, status FROM access_requests WHERE user_id = $1 AND client_id = $2")
            .bind(s.staff_id)
            .bind(s.acme)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        waiting,
        [(s.employee, "pending".to_owned())],
        "still waiting, for Employee"
    );
    let sentences = sentences(app, &s.admin.client, "role.deleted").await;
    assert_eq!(sentences.len(), 1, "{sentences:?}");
}

crate::on_both_backends!(
    every_refusal_is_clear_and_changes_nothing,
    limits_expiry_and_leavers,
    a_deleted_role_moves_its_requests_with_its_holders,
);
