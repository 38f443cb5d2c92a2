//! The audit log page's server function: newest first, one practice only, searchable.

use serde_json::Value;

use crate::helpers::TestApp;

async fn the_audit_log_lists_this_practices_changes_newest_first_with_before_and_after(app: &TestApp) {
    let admin = app.sign_up("audit").await;
    let other = app.sign_up("other-audit").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    app.call(
        &admin.client,
        "invite_user",
        &[("name", "Ida"), ("email", "ida@example.com"), ("role_id", &employee)],
    )
    .await;
    let (status, page) = app.call(&admin.client, "list_audit_events", &[("search", "")]).await;
    assert!(status.is_success(), "{page}");
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["invitation.created", "practice.created"],
        "newest first, this practice only"
    );
    let first = &page["entries"][0];
    assert_eq!(first["actor"], "Ada Admin");
    assert_eq!(first["target"], "ida@example.com");
    assert!(first["after"].as_str().unwrap().contains("Employee"));
    let (_, found) = app
        .call(&admin.client, "list_audit_events", &[("search", "IDA@")])
        .await;
    assert_eq!(found["entries"].as_array().unwrap().len(), 1);
    let (_, theirs) = app.call(&other.client, "list_audit_events", &[("search", "")]).await;
    assert!(!theirs.to_string().contains("ida@example.com"));
    assert_eq!(
        app.call(&app.client(), "list_audit_events", &[("search", "")]).await.0,
        401
    );
}

/// The sentences of the first page of events matching `pairs`.
async fn only(app: &TestApp, admin: &crate::helpers::Admin, pairs: &[(&'static str, String)]) -> Vec<String> {
    let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = app.call(&admin.client, "list_audit_events", &form).await;
    assert!(status.is_success(), "{page}");
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect()
}

/// A staff member who accepted an invitation; their user id.
async fn join(app: &TestApp, admin: &crate::helpers::Admin, name: &str, email: &str) -> i64 {
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let token = app.invite_and_read_link(admin, name, email, employee).await;
    app.call(
        &app.client(),
        "accept_invitation",
        &[("token", &token), ("password", crate::helpers::PASSWORD)],
    )
    .await;
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn events_read_as_sentences_filter_and_export_every_match_as_safe_csv(app: &TestApp) {
    let admin = app.sign_up("sentences").await;
    let sam = join(app, &admin, "Sam Staff", "sam.sentences@example.com").await;
    let kim = join(app, &admin, "Kim Keen", "kim.sentences@example.com").await;
    let bookkeeper = crate::manage_users::create_role(app, &admin, "Bookkeeper", &["expenses.list"]).await;
    let mut clients = Vec::new();
    for name in ["Acme Ltd", "Birch Ltd", "=HYPERLINK(\"x\") Ltd"] {
        let (_, id) = app
            .call(&admin.client, "add_client", &[("name", name), ("plan", "small")])
            .await;
        clients.push(id.as_i64().unwrap());
    }
    let set = |user: i64, client: i64, role: Option<i64>| {
        let mut form = vec![("user_id", user.to_string()), ("client_id", client.to_string())];
        if let Some(r) = role {
            form.push(("role_id", r.to_string()));
        }
        form
    };
    for form in [
        set(sam, clients[0], Some(bookkeeper)),
        set(kim, clients[1], Some(bookkeeper)),
        set(sam, clients[2], Some(bookkeeper)),
        set(sam, clients[2], None),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call(&admin.client, "set_client_role", &form).await;
    }
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    app.call(
        &admin.client,
        "apply_bulk",
        &[
            ("user_id", &sam.to_string()),
            ("role_id", &admin_role.to_string()),
            ("search", ""),
            ("plan", ""),
        ],
    )
    .await;

    let (status, page) = app.call(&admin.client, "list_audit_events", &[]).await;
    assert!(status.is_success(), "{page}");
    let sentences: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sentence"].as_str().unwrap())
        .collect();
    for expected in [
        "Ada Admin gave Sam Staff Bookkeeper on Acme Ltd",
        "Ada Admin removed Sam Staff's access to =HYPERLINK(\"x\") Ltd",
        "Ada Admin moved Sam Staff to Admin on 3 clients",
        "Ada Admin invited sam.sentences@example.com as Employee",
    ] {
        assert!(sentences.contains(&expected), "{expected:?} in {sentences:#?}");
    }

    // Filters: a staff member (by or about them), a client, an action, dates.
    let kims = only(app, &admin, &[("staff", kim.to_string())]).await;
    assert!(kims.iter().all(|s| s.contains("Kim") || s.contains("kim.")), "{kims:?}");
    assert!(
        kims.iter()
            .any(|s| s == "Ada Admin gave Kim Keen Bookkeeper on Birch Ltd"),
        "{kims:?}"
    );
    let birch = only(app, &admin, &[("client", "birch".into())]).await;
    assert_eq!(
        birch,
        [
            "Ada Admin gave Kim Keen Bookkeeper on Birch Ltd",
            "Ada Admin added the client Birch Ltd"
        ]
    );
    let bulk = only(app, &admin, &[("action", "access.bulk_assigned".into())]).await;
    assert_eq!(bulk.len(), 1);
    let today = app::platform::dates::last_day_iso((app::platform::db::now() / 86_400 + 1) * 86_400);
    assert!(
        !only(app, &admin, &[("from", today.clone()), ("to", today.clone())])
            .await
            .is_empty()
    );
    assert!(only(app, &admin, &[("to", "2000-01-01".into())]).await.is_empty());
    for (field, bad) in [("action", "no.such"), ("from", "yesterday"), ("staff", "x")] {
        assert_eq!(
            app.call(&admin.client, "list_audit_events", &[(field, bad)]).await.0,
            422,
            "{field}"
        );
    }

    // The export: every matching event, not only a page (here past one chunk of 1,000),
    // with a header row and formulas made inert.
    let mut tx = app.db.begin_write().await.unwrap();
    for i in 0..1_100 {
        sqlx::query(
            "INSERT INTO audit_events (practice_id, actor_user_id, action, target_type, target_id, target_label, created_at)
             VALUES ($1, $2, 'client.updated', 'client', 0, $3, $4)",
        )
        .bind(admin.practice_id)
        .bind(admin.user_id)
        .bind(format!("Filler {i}"))
        .bind(app::platform::db::now())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let response = admin
        .client
        .http
        .get(format!("{}/reports/audit.csv", app.address))
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
    let csv = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "When (UTC)",
            "Who",
            "Action",
            "What happened",
            "Target",
            "Clients",
            "Before",
            "After"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, total, "every event, across chunks");
    assert!(
        records.iter().all(|r| !r.iter().any(|cell| cell.starts_with('='))),
        "no cell starts a formula"
    );
    assert!(csv.contains("'=HYPERLINK"), "made inert, still readable");
    // Filtered like the page.
    let filtered = app.get_text(&admin.client, "/reports/audit.csv?client=birch").await;
    assert_eq!(
        filtered.lines().count(),
        3,
        "a header and Birch's two events: {filtered}"
    );
    // Each download is on record, with its filters in words, and holds the trail as it was
    // when asked for (not its own record).
    let downloads = only(app, &admin, &[("action", "report.audit_downloaded".into())]).await;
    assert_eq!(
        downloads,
        [
            "Ada Admin downloaded the audit log (clients matching \"birch\")",
            "Ada Admin downloaded the audit log",
        ]
    );
    // Compressed as browsers ask for it, the stream reads to its end (an unfused stream
    // panicked when the compression layer polled it after its end: a reset connection).
    for encoding in ["br", "gzip"] {
        let compressed = admin
            .client
            .http
            .get(format!("{}/reports/audit.csv", app.address))
            .header("Accept-Encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(compressed.headers()["content-encoding"], encoding);
        let bytes = compressed.bytes().await;
        assert!(bytes.is_ok_and(|b| b.len() > 1_000), "{encoding}: read to its end");
    }
    let again = app.get_text(&admin.client, "/reports/audit.csv").await;
    assert_eq!(
        csv::Reader::from_reader(again.as_bytes()).records().count() as i64,
        total + 4,
        "the four downloads before it, not itself"
    );
    // Who may export: not a stranger, not staff without Manage users, not another practice.
    let url = format!("{}/reports/audit.csv", app.address);
    assert_eq!(app.client().http.get(&url).send().await.unwrap().status(), 401);
    let (kim_client, _, _) = app.sign_in("kim.sentences@example.com", crate::helpers::PASSWORD).await;
    assert_eq!(kim_client.http.get(&url).send().await.unwrap().status(), 403);
    let other = app.sign_up("sentences-b").await;
    let theirs = other.client.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("Sam Staff"), "another practice sees only its own");
    let cross_site = admin
        .client
        .http
        .get(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(cross_site, 403, "another site cannot start a download");
    let bad = format!("{}/reports/audit.csv?action=nope", app.address);
    assert_eq!(admin.client.http.get(&bad).send().await.unwrap().status(), 422);
}

/// Paging goes both ways by cursor (`before_id`, in the page's address): each page says
/// where the older and the newer page start, and the newer page of a page is the one it was
/// reached from, whatever the filters.
async fn pages_go_older_and_back_newer_by_cursor(app: &TestApp) {
    let admin = app.sign_up("audit-pages").await;
    let size = app::practice::audit_log::PAGE_SIZE as usize;
    // Two pages and a bit of "added the client" events (and sign-up's own).
    for i in 0..(2 * size + 5) {
        let name = format!("Client {i:03}");
        let (status, body) = app
            .call(&admin.client, "add_client", &[("name", &name), ("plan", "small")])
            .await;
        assert!(status.is_success(), "{status} {body}");
    }
    let admin = &admin;
    let page = |before: Option<i64>| {
        let before = before.map(|b| b.to_string());
        async move {
            let mut form = vec![("action", "client.created")];
            if let Some(b) = before.as_deref() {
                form.push(("before_id", b));
            }
            let (status, page) = app.call(&admin.client, "list_audit_events", &form).await;
            assert!(status.is_success(), "{page}");
            page
        }
    };
    let ids = |p: &Value| {
        p["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let first = page(None).await;
    assert_eq!(first["newer"], Value::Null, "the first page has nothing newer");
    assert_eq!(ids(&first).len(), size);
    let second = page(first["next"].as_i64()).await;
    assert_eq!(second["newer"], 0, "newer than the second page: the first");
    let third = page(second["next"].as_i64()).await;
    assert_eq!(ids(&third).len(), 5);
    assert_eq!(third["next"], Value::Null, "the last page");
    let back = page(third["newer"].as_i64()).await;
    assert_eq!(ids(&back), ids(&second), "back to the page it came from");
    assert!(
        ids(&first).iter().zip(ids(&first).iter().skip(1)).all(|(a, b)| a > b),
        "newest first"
    );
}

crate::on_both_backends!(
    pages_go_older_and_back_newer_by_cursor,
    the_audit_log_lists_this_practices_changes_newest_first_with_before_and_after,
    events_read_as_sentences_filter_and_export_every_match_as_safe_csv,
);
