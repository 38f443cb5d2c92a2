//! The Partner module matrix and client overview: rules, tenancy, bulk actions, undo,
//! concurrency, and access as the staff member sees it.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp, join_all};
use crate::manage_users::create_role;

/// A practice with `n` clients (half Practice Edition, half Small) and an active employee.
struct Setup {
    admin: Admin,
    staff: Client,
    staff_id: i64,
    employee: i64,
    clients: Vec<i64>,
}

async fn setup(app: &TestApp, tag: &str, n: usize) -> Setup {
    let admin = app.sign_up(tag).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let email = format!("staff.{tag}@example.com");
    let token = app.invite_and_read_link(&admin, "Sam Staff", &email, employee).await;
    let staff = app.client();
    let (status, _) = app
        .call(
            &staff,
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let csv: String = (0..n)
        .map(|i| {
            format!(
                "Client {i:04},{}\n",
                if i % 2 == 0 { "Practice Edition" } else { "Small" }
            )
        })
        .collect();
    let (status, body) = app.call(&admin.client, "import_clients", &[("csv", &csv)]).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!({ "Imported": n }));
    let clients: Vec<i64> = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1 ORDER BY name")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    Setup {
        admin,
        staff,
        staff_id,
        employee,
        clients,
    }
}

async fn roles_of(app: &TestApp, user_id: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT client_id, role_id FROM client_assignments WHERE user_id = $1 ORDER BY client_id")
        .bind(user_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn set(app: &TestApp, admin: &Admin, user: i64, client: i64, role: Option<i64>) -> (reqwest::StatusCode, Value) {
    let (u, c) = (user.to_string(), client.to_string());
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("client_id", c.as_str())];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    app.call(&admin.client, "set_client_role", &form).await
}

async fn bulk(
    app: &TestApp,
    admin: &Admin,
    name: &str,
    user: i64,
    role: Option<i64>,
    search: &str,
    plan: &str,
) -> Value {
    let u = user.to_string();
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("search", search), ("plan", plan)];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    let (status, body) = app.call(&admin.client, name, &form).await;
    assert!(status.is_success(), "{name}: {status} {body}");
    body
}

async fn a_click_grants_one_role_per_client_replacing_the_previous_one_and_is_audited(app: &TestApp) {
    let s = setup(app, "one", 3).await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &["expenses.list"]).await;
    assert!(
        set(app, &s.admin, s.staff_id, s.clients[0], Some(s.employee))
            .await
            .0
            .is_success()
    );
    assert!(
        set(app, &s.admin, s.staff_id, s.clients[0], Some(bookkeeper))
            .await
            .0
            .is_success()
    );
    assert_eq!(roles_of(app, s.staff_id).await, vec![(s.clients[0], bookkeeper)]);
    let (before, after): (String, String) = sqlx::query_as(
        "SELECT before_json, after_json FROM audit_events WHERE action = 'access.set' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(
        before.contains("Employee (predefined)") && after.contains("Bookkeeper"),
        "{before} -> {after}"
    );
    assert!(set(app, &s.admin, s.staff_id, s.clients[0], None).await.0.is_success());
    assert!(roles_of(app, s.staff_id).await.is_empty());
    let m = app
        .call(
            &s.admin.client,
            "get_matrix",
            &[
                ("user_id", &s.staff_id.to_string()),
                ("search", ""),
                ("plan", ""),
                ("page", "0"),
            ],
        )
        .await
        .1;
    assert_eq!(m["matching"], 3);
    let names: Vec<&str> = m["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Admin", "Employee (predefined)", "User", "Bookkeeper"]);
}

async fn the_matrix_refuses_anything_outside_the_callers_practice(app: &TestApp) {
    let a = setup(app, "ta", 2).await;
    let b = setup(app, "tb", 2).await;
    // B's admin with A's staff, A's client or A's role.
    assert_eq!(
        set(app, &b.admin, a.staff_id, b.clients[0], Some(b.employee)).await.0,
        404
    );
    assert_eq!(
        set(app, &b.admin, b.staff_id, a.clients[0], Some(b.employee)).await.0,
        404
    );
    assert_eq!(
        set(app, &b.admin, b.staff_id, b.clients[0], Some(a.employee)).await.0,
        422
    );
    let (status, _) = app
        .call(
            &b.admin.client,
            "apply_bulk",
            &[("user_id", &a.staff_id.to_string()), ("search", ""), ("plan", "")],
        )
        .await;
    assert_eq!(status, 404);
    assert!(roles_of(app, a.staff_id).await.is_empty() && roles_of(app, b.staff_id).await.is_empty());
    // Anonymous callers and staff without Manage users are refused everywhere.
    let u = a.staff_id.to_string();
    let c = a.clients[0].to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("list_staff", vec![]),
        (
            "get_matrix",
            vec![("user_id", &u), ("search", ""), ("plan", ""), ("page", "0")],
        ),
        ("set_client_role", vec![("user_id", &u), ("client_id", &c)]),
        ("preview_bulk", vec![("user_id", &u), ("search", ""), ("plan", "")]),
        ("apply_bulk", vec![("user_id", &u), ("search", ""), ("plan", "")]),
        ("undo_bulk", vec![("batch_id", "1")]),
        ("matrix_version", vec![("user_id", &u)]),
        (
            "list_clients",
            vec![("search", ""), ("plan", ""), ("archived", "false"), ("page", "0")],
        ),
        ("add_client", vec![("name", "X"), ("plan", "small")]),
        (
            "update_client",
            vec![("client_id", &c), ("name", "X"), ("plan", "small")],
        ),
        ("set_client_archived", vec![("client_id", &c), ("archived", "true")]),
        ("import_clients", vec![("csv", "X,Small")]),
    ];
    for (name, args) in calls {
        assert_eq!(app.call(&app.client(), name, &args).await.0, 401, "anonymous {name}");
        assert_eq!(app.call(&a.staff, name, &args).await.0, 403, "employee {name}");
    }
}

async fn concurrent_clicks_from_two_admins_end_in_one_role(app: &TestApp) {
    let s = setup(app, "race", 1).await;
    let admin_role = app.role_id(s.admin.practice_id, "Admin").await;
    let token = app
        .invite_and_read_link(&s.admin, "Second Admin", "second.race@example.com", admin_role)
        .await;
    let second = app.client();
    app.call(
        &second,
        "accept_invitation",
        &[("token", &token), ("password", PASSWORD)],
    )
    .await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &[]).await;
    let user_role = app.role_id(s.admin.practice_id, "User").await;
    let (u, c) = (s.staff_id.to_string(), s.clients[0].to_string());
    let mut calls = Vec::new();
    for i in 0..20 {
        let who = if i % 2 == 0 { &s.admin.client } else { &second };
        let role = [Some(s.employee), Some(bookkeeper), None, Some(user_role)][i % 4].map(|r| r.to_string());
        let (u, c) = (u.clone(), c.clone());
        calls.push(async move {
            let mut form = vec![("user_id", u.as_str()), ("client_id", c.as_str())];
            if let Some(r) = &role {
                form.push(("role_id", r.as_str()));
            }
            app.call(who, "set_client_role", &form).await.0
        });
    }
    for status in join_all(calls).await {
        assert!(status.is_success(), "every click is answered: {status}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1 AND client_id = $2")
        .bind(s.staff_id)
        .bind(s.clients[0])
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(rows <= 1, "never two roles for one pair");
}

/// Clicks that arrive together (on SQLite they share one transaction) stand or fall each
/// on its own: a refused click is refused, a click whose write fails gets an error, and
/// every other click is either done and audited (answered 200) or not done at all
/// (answered 503, busy: its group was rolled back), never half done.
async fn clicks_at_once_each_stand_or_fall_alone(app: &TestApp) {
    let s = setup(app, "group", 24).await;
    let (archived, broken) = (s.clients[0], s.clients[s.clients.len() - 1]);
    sqlx::query("UPDATE clients SET archived = 1 WHERE id = $1")
        .bind(archived)
        .execute(app.db.pool())
        .await
        .unwrap();
    // A write that fails after the click's checks passed: the database refuses one row.
    let sqlite = app.db.backend() == app::platform::db::Backend::Sqlite;
    let breaks: &[String] = &if sqlite {
        vec![format!(
            "CREATE TRIGGER broken BEFORE INSERT ON client_assignments WHEN NEW.client_id = {broken}
             BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END"
        )]
    } else {
        vec![
            format!(
                "CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.client_id = {broken} THEN RAISE EXCEPTION 'the disk is on fire'; END IF; RETURN NEW; END $$"
            ),
            "CREATE TRIGGER broken BEFORE INSERT ON client_assignments FOR EACH ROW EXECUTE FUNCTION broken()".to_owned(),
        ]
    };
    for ddl in breaks {
        sqlx::query(ddl).execute(app.db.pool()).await.unwrap();
    }
    // On SQLite the clicks wait behind the write lock until all are queued, the broken one
    // last, so that they run as one group.
    let queued = |n: usize| async move {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while sqlite && app.db.waiting_writes() < n {
            assert!(std::time::Instant::now() < deadline, "{n} clicks never queued");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let held = app.db.begin_write().await.unwrap();
    let (admin, staff, employee) = (&s.admin, s.staff_id, s.employee);
    let others: Vec<i64> = s.clients.iter().copied().filter(|&c| c != broken).collect();
    let first = join_all(
        others
            .iter()
            .map(|&client| async move { (client, set(app, admin, staff, client, Some(employee)).await) })
            .collect(),
    );
    let last = async {
        queued(others.len()).await;
        (broken, set(app, admin, staff, broken, Some(employee)).await)
    };
    let release = async {
        queued(others.len() + 1).await;
        drop(held);
    };
    let (mut answers, last, ()) = tokio::join!(first, last, release);
    answers.push(last);
    let mut done = Vec::new();
    let mut busy = Vec::new();
    for (client, (status, body)) in answers {
        if client == archived {
            assert_eq!(status, 409, "{body}");
            assert!(body.to_string().contains("is archived"), "{body}");
        } else if client == broken {
            assert_eq!(status, 500, "{body}");
        } else if status == 503 {
            busy.push(client);
        } else {
            assert_eq!(status, 200, "{body}");
            done.push(client);
        }
    }
    if sqlite {
        assert!(
            done.is_empty(),
            "the failed write took its whole group with it: {done:?}"
        );
    } else {
        assert!(busy.is_empty(), "each click is its own transaction: {busy:?}");
    }
    let held: Vec<i64> = roles_of(app, s.staff_id).await.into_iter().map(|(c, _)| c).collect();
    let mut expected = done.clone();
    expected.sort();
    assert_eq!(held, expected, "exactly the clicks answered 200 are held");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.set' AND target_id = $1")
            .bind(s.staff_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audited, done.len() as i64, "each of them audited once, nothing else");
    // Busy means nothing was changed: the same clicks go through now.
    for client in busy {
        assert_eq!(set(app, &s.admin, s.staff_id, client, Some(s.employee)).await.0, 200);
    }
    assert_eq!(roles_of(app, s.staff_id).await.len(), s.clients.len() - 2);
}

async fn bulk_actions_cover_every_client_in_one_audited_transaction_and_can_be_undone(app: &TestApp) {
    let s = setup(app, "bulk", 40).await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &[]).await;
    set(app, &s.admin, s.staff_id, s.clients[0], Some(bookkeeper)).await;

    let p = bulk(app, &s.admin, "preview_bulk", s.staff_id, Some(s.employee), "", "").await;
    assert_eq!(p, json!({ "changes": 40, "overwrites": 1, "in_scope": 40 }));
    let r = bulk(app, &s.admin, "apply_bulk", s.staff_id, Some(s.employee), "", "").await;
    assert_eq!(r["changed"], 40);
    assert!(
        roles_of(app, s.staff_id)
            .await
            .iter()
            .all(|(_, role)| *role == s.employee)
    );
    assert_eq!(roles_of(app, s.staff_id).await.len(), 40);
    let (count, after): (i64, String) = sqlx::query_as(
        "SELECT affected_count, after_json FROM audit_events WHERE action = 'access.bulk_assigned' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(count, 40);
    // The event names its batch; the batch's undo record lists every client changed.
    let batch = serde_json::from_str::<Value>(&after).unwrap()["batch_id"]
        .as_i64()
        .unwrap();
    assert_eq!(batch, r["batch_id"].as_i64().unwrap());
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bulk_batch_rows WHERE batch_id = $1")
        .bind(batch)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(recorded, 40, "affected rows are recorded");

    // Assign to all with the custom role, then undo: back to all Employee.
    let r2 = bulk(app, &s.admin, "apply_bulk", s.staff_id, Some(bookkeeper), "", "").await;
    assert_eq!(r2["changed"], 40);
    let (status, restored) = app
        .call(
            &s.admin.client,
            "undo_bulk",
            &[("batch_id", &r2["batch_id"].to_string())],
        )
        .await;
    assert!(status.is_success());
    assert_eq!(restored, 40);
    assert!(
        roles_of(app, s.staff_id)
            .await
            .iter()
            .all(|(_, role)| *role == s.employee)
    );
    let (status, _) = app
        .call(
            &s.admin.client,
            "undo_bulk",
            &[("batch_id", &r2["batch_id"].to_string())],
        )
        .await;
    assert_eq!(status, 409, "undo happens once");

    // Undoing the first bulk restores the one Bookkeeper row and the 39 N/A rows.
    app.call(
        &s.admin.client,
        "undo_bulk",
        &[("batch_id", &r["batch_id"].to_string())],
    )
    .await;
    assert_eq!(roles_of(app, s.staff_id).await, vec![(s.clients[0], bookkeeper)]);

    let removed = bulk(app, &s.admin, "apply_bulk", s.staff_id, None, "", "").await;
    assert_eq!(removed["changed"], 1);
    assert!(roles_of(app, s.staff_id).await.is_empty());
}

async fn with_a_filter_bulk_actions_touch_only_the_shown_clients(app: &TestApp) {
    let s = setup(app, "filter", 10).await;
    let p = bulk(app, &s.admin, "preview_bulk", s.staff_id, Some(s.employee), "", "small").await;
    assert_eq!(p["in_scope"], 5);
    bulk(app, &s.admin, "apply_bulk", s.staff_id, Some(s.employee), "", "small").await;
    let plans: Vec<String> = sqlx::query_scalar(
        "SELECT c.plan FROM client_assignments a JOIN clients c ON c.id = a.client_id WHERE a.user_id = $1",
    )
    .bind(s.staff_id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(plans.len(), 5);
    assert!(plans.iter().all(|p| p == "small"));
    // Search is by name, case-insensitively, with LIKE wildcards taken literally.
    let m = app
        .call(
            &s.admin.client,
            "get_matrix",
            &[
                ("user_id", &s.staff_id.to_string()),
                ("search", "CLIENT 000"),
                ("plan", ""),
                ("page", "0"),
            ],
        )
        .await
        .1;
    assert_eq!(m["matching"], 10);
    let m = app
        .call(
            &s.admin.client,
            "get_matrix",
            &[
                ("user_id", &s.staff_id.to_string()),
                ("search", "%"),
                ("plan", ""),
                ("page", "0"),
            ],
        )
        .await
        .1;
    assert_eq!(m["matching"], 0);
}

/// "Filter by access": the matrix shows, counts and acts on only the clients the person
/// has (or has no) access to; a bulk action under it touches only those.
async fn the_access_filter_shows_and_acts_on_only_the_clients_a_person_has_or_lacks(app: &TestApp) {
    let s = setup(app, "access", 10).await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &[]).await;
    // Employee on the five Small clients (odd positions), N/A on the rest.
    bulk(app, &s.admin, "apply_bulk", s.staff_id, Some(s.employee), "", "small").await;
    let user = s.staff_id.to_string();
    let admin = &s.admin.client;
    let matrix = |access: &'static str| {
        let user = user.clone();
        async move {
            app.call(
                admin,
                "get_matrix",
                &[
                    ("user_id", user.as_str()),
                    ("search", ""),
                    ("plan", ""),
                    ("page", "0"),
                    ("access", access),
                ],
            )
            .await
        }
    };
    for (access, matching, granted) in [("", 10, 5), ("with", 5, 5), ("without", 5, 0)] {
        let (status, m) = matrix(access).await;
        assert!(status.is_success(), "{access}: {m}");
        assert_eq!(m["matching"], matching, "{access}");
        assert_eq!(m["total"], 10, "{access}: the total stays all clients");
        let rows = m["rows"].as_array().unwrap();
        assert_eq!(rows.len(), matching, "{access}");
        assert_eq!(
            rows.iter().filter(|r| !r["role_id"].is_null()).count(),
            granted,
            "{access}"
        );
    }
    let act = |name: &'static str, role: Option<i64>, access: &'static str| {
        let user = user.clone();
        async move {
            let role = role.map(|r| r.to_string());
            let mut form = vec![
                ("user_id", user.as_str()),
                ("search", ""),
                ("plan", ""),
                ("access", access),
            ];
            if let Some(r) = &role {
                form.push(("role_id", r.as_str()));
            }
            app.call(admin, name, &form).await
        }
    };
    // Their clients move to Bookkeeper; the clients they lack stay N/A.
    let (_, p) = act("preview_bulk", Some(bookkeeper), "with").await;
    assert_eq!(p, json!({ "changes": 5, "overwrites": 5, "in_scope": 5 }));
    let (status, r) = act("apply_bulk", Some(bookkeeper), "with").await;
    assert!(status.is_success(), "{r}");
    assert_eq!(r["changed"], 5);
    let roles = roles_of(app, s.staff_id).await;
    assert_eq!(roles.len(), 5);
    assert!(roles.iter().all(|(_, role)| *role == bookkeeper), "{roles:?}");
    // "Remove from all" among the clients they lack removes nothing.
    let (_, r) = act("apply_bulk", None, "without").await;
    assert_eq!(r["changed"], 0);
    assert_eq!(roles_of(app, s.staff_id).await.len(), 5);
    // Employee on the clients they lack: the other five, their Bookkeeper kept.
    let (_, p) = act("preview_bulk", Some(s.employee), "without").await;
    assert_eq!(p, json!({ "changes": 5, "overwrites": 0, "in_scope": 5 }));
    act("apply_bulk", Some(s.employee), "without").await;
    let roles = roles_of(app, s.staff_id).await;
    assert_eq!(roles.iter().filter(|(_, role)| *role == bookkeeper).count(), 5);
    assert_eq!(roles.iter().filter(|(_, role)| *role == s.employee).count(), 5);
    // The filter is in the bulk action's audit event.
    let after: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE action = 'access.bulk_assigned' AND practice_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(s.admin.practice_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(after.contains(r#""access":"without""#), "{after}");
    // Garbage is a clear 422 naming the field, and changes nothing.
    for name in ["get_matrix", "preview_bulk", "apply_bulk"] {
        let (status, body) = if name == "get_matrix" {
            matrix("everyone").await
        } else {
            act(name, None, "everyone").await
        };
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["Invalid"]["field"], "access", "{name}: {body}");
    }
    assert_eq!(roles_of(app, s.staff_id).await.len(), 10);
    // "Remove from all" among the clients they have removes all ten.
    let (_, r) = act("apply_bulk", None, "with").await;
    assert_eq!(r["changed"], 10);
    assert_eq!(roles_of(app, s.staff_id).await.len(), 0);
}

async fn access_reaches_the_staff_member_on_the_next_request_and_practice_edition_has_no_manage_users(app: &TestApp) {
    let s = setup(app, "side", 2).await;
    // clients[0] is Practice Edition, clients[1] is Small.
    let admin_role = app.role_id(s.admin.practice_id, "Admin").await;
    for c in &s.clients {
        set(app, &s.admin, s.staff_id, *c, Some(admin_role)).await;
    }
    let me = app.me(&s.staff).await;
    let names: Vec<&str> = me["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Practice side", "Client 0000", "Client 0001"]);

    for (client, has_manage_users) in [(s.clients[0], false), (s.clients[1], true)] {
        let (status, _) = app
            .call(
                &s.staff,
                "switch_account",
                &[("kind", "client"), ("id", &client.to_string())],
            )
            .await;
        assert!(status.is_success() || status.is_redirection());
        let me = app.me(&s.staff).await;
        assert_eq!(me["current"]["id"], client);
        assert_eq!(me["can_manage_users"], has_manage_users);
        let (status, _) = app.call(&s.staff, "list_client_users", &[]).await;
        assert_eq!(status.is_success(), has_manage_users, "client {client}: {status}");
    }

    // Removing access: gone from the switcher at once, and switching to it is refused.
    set(app, &s.admin, s.staff_id, s.clients[1], None).await;
    let me = app.me(&s.staff).await;
    assert_eq!(me["current"]["kind"], "Practice", "the current client fell away");
    assert!(!me["accounts"].to_string().contains("Client 0001"));
    let (status, _) = app
        .call(
            &s.staff,
            "switch_account",
            &[("kind", "client"), ("id", &s.clients[1].to_string())],
        )
        .await;
    assert_eq!(status, 404);
    // Archiving a client removes it from the switcher too.
    app.call(
        &s.admin.client,
        "set_client_archived",
        &[("client_id", &s.clients[0].to_string()), ("archived", "true")],
    )
    .await;
    assert!(!app.me(&s.staff).await["accounts"].to_string().contains("Client 0000"));
}

async fn client_overview_adds_edits_archives_and_imports_all_or_nothing(app: &TestApp) {
    let admin = app.sign_up("overview").await;
    let (status, id) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "  Acme   Ltd "), ("plan", "practice_edition")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "acme ltd"), ("plan", "small")])
        .await;
    assert_eq!(
        (status.as_u16(), body["Invalid"]["field"].as_str()),
        (422, Some("name"))
    );
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Beta"), ("plan", "enterprise")])
        .await;
    assert_eq!(
        (status.as_u16(), body["Invalid"]["field"].as_str()),
        (422, Some("plan"))
    );
    let (status, _) = app
        .call(
            &admin.client,
            "update_client",
            &[
                ("client_id", &id.to_string()),
                ("name", "Acme Holdings"),
                ("plan", "large"),
            ],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = app
        .call(
            &admin.client,
            "import_clients",
            &[(
                "csv",
                "name,plan\nGood Co,Small\nBad Co,Huge\n,Large\nacme holdings,Small",
            )],
        )
        .await;
    assert!(status.is_success());
    let lines: Vec<i64> = body["Rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5]);
    let list = app
        .call(
            &admin.client,
            "list_clients",
            &[("search", ""), ("plan", ""), ("archived", "false"), ("page", "0")],
        )
        .await
        .1;
    assert_eq!(list["total"], 1, "nothing from the bad file was imported");
    assert_eq!(list["rows"][0]["name"], "Acme Holdings");
    assert_eq!(list["rows"][0]["plan"], "Large");
    app.call(
        &admin.client,
        "set_client_archived",
        &[("client_id", &id.to_string()), ("archived", "true")],
    )
    .await;
    let list = app
        .call(
            &admin.client,
            "list_clients",
            &[("search", ""), ("plan", ""), ("archived", "false"), ("page", "0")],
        )
        .await
        .1;
    assert_eq!(list["matching"], 0);
    let archived = app
        .call(
            &admin.client,
            "list_clients",
            &[("search", ""), ("plan", ""), ("archived", "true"), ("page", "0")],
        )
        .await
        .1;
    assert_eq!(archived["rows"][0]["archived"], true);
}

async fn the_accounts_menu_lists_a_few_accounts_and_searches_the_rest(app: &TestApp) {
    let s = setup(app, "menu", 45).await;
    bulk(app, &s.admin, "apply_bulk", s.staff_id, Some(s.employee), "", "").await;
    let me = app.me(&s.staff).await;
    assert_eq!(me["accounts_total"], 46, "the practice and 45 clients");
    assert_eq!(
        me["accounts"].as_array().unwrap().len() as i64,
        app::identity::accounts::MENU_LIMIT
    );
    let (_, found) = app.call(&s.staff, "list_accounts", &[("search", "client 0044")]).await;
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Client 0044"]);
    // A client beyond the first page can still be chosen, and becomes current.
    let last = s.clients[44].to_string();
    let (status, _) = app
        .call(&s.staff, "switch_account", &[("kind", "client"), ("id", &last)])
        .await;
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(app.me(&s.staff).await["current"]["name"], "Client 0044");
}

async fn bulk_all(app: &TestApp, s: &Setup, role: Option<i64>) -> i64 {
    let u = s.staff_id.to_string();
    let r = role.map(|r| r.to_string());
    let mut form = vec![("user_id", u.as_str()), ("search", ""), ("plan", "")];
    if let Some(r) = &r {
        form.push(("role_id", r.as_str()));
    }
    let (status, body) = app.call(&s.admin.client, "apply_bulk", &form).await;
    assert!(status.is_success(), "{body}");
    body["batch_id"].as_i64().unwrap()
}

async fn undo(app: &TestApp, s: &Setup, batch: i64) -> (reqwest::StatusCode, Value) {
    app.call(&s.admin.client, "undo_bulk", &[("batch_id", &batch.to_string())])
        .await
}

async fn undo_reverts_only_what_is_still_as_the_bulk_action_left_it(app: &TestApp) {
    let s = setup(app, "undolater", 4).await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &[]).await;
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    // Later, someone moves one client to another role and removes another.
    set(app, &s.admin, s.staff_id, s.clients[0], Some(bookkeeper)).await;
    set(app, &s.admin, s.staff_id, s.clients[1], None).await;
    let (status, body) = undo(app, &s, batch).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!(2), "only the two untouched clients went back");
    assert_eq!(
        roles_of(app, s.staff_id).await,
        vec![(s.clients[0], bookkeeper)],
        "the later change wins; the rest is back to no access"
    );
}

async fn undo_survives_a_role_deleted_since_and_skips_archived_clients(app: &TestApp) {
    let s = setup(app, "undogone", 3).await;
    let old = create_role(app, &s.admin, "Old role", &[]).await;
    bulk_all(app, &s, Some(old)).await;
    // Move everyone to Employee, then delete the old role: the undo record names it.
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    let (status, body) = app
        .call(&s.admin.client, "delete_role", &[("role_id", &old.to_string())])
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = undo(app, &s, batch).await;
    assert!(
        status.is_success(),
        "a deleted role is not a server error: {status} {body}"
    );
    assert_eq!(body, json!(0), "nothing to give back: the role is gone");
    // Archived since: left alone, like a click on an archived client.
    let batch = bulk_all(app, &s, None).await;
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_client_archived",
            &[("client_id", &s.clients[0].to_string()), ("archived", "true")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = undo(app, &s, batch).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!(2));
    let clients: Vec<i64> = roles_of(app, s.staff_id).await.into_iter().map(|(c, _)| c).collect();
    assert_eq!(clients, vec![s.clients[1], s.clients[2]]);
}

async fn undo_refuses_a_deactivated_staff_member_like_a_click(app: &TestApp) {
    let s = setup(app, "undodeact", 2).await;
    bulk_all(app, &s, Some(s.employee)).await;
    let batch = bulk_all(app, &s, None).await;
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_member_active",
            &[("user_id", &s.staff_id.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = undo(app, &s, batch).await;
    assert_eq!(status, 409, "{body}");
    assert!(roles_of(app, s.staff_id).await.is_empty());
}

async fn two_simultaneous_undos_of_one_batch_apply_once(app: &TestApp) {
    let s = setup(app, "undotwice", 20).await;
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    let answers = join_all((0..4).map(|_| undo(app, &s, batch)).collect()).await;
    let applied = answers.iter().filter(|(status, _)| status.is_success()).count();
    assert_eq!(applied, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(status, _)| status.is_success() || *status == 409),
        "{answers:?}"
    );
    let undone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.bulk_undone'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(undone, 1);
}

/// Every bulk path at the size the product is for: 10,000 clients. The integration tests
/// otherwise use a few clients, where any query plan is fast; a plan that goes quadratic
/// (a nested loop over the undo record, say) only shows at this size, and then as a
/// request that does not finish: `REQUEST_TIMEOUT` fails it. Nothing here is timed.
async fn every_bulk_path_and_its_undo_works_over_ten_thousand_clients(app: &TestApp) {
    const N: i64 = 10_000;
    let admin = app.sign_up("scale").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "scale").await;
    let other = crate::helpers::seed_staff(app, admin.practice_id, "scale-other").await;
    crate::helpers::seed_clients(app, admin.practice_id, "Scale client", N as usize).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let bookkeeper = create_role(app, &admin, "Bookkeeper", &[]).await;
    let all_as = |role: i64| async move {
        let n =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1 AND role_id = $2")
                .bind(staff)
                .bind(role)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        n == N
    };
    // Undoes a batch: every one of the N clients goes back.
    let caller = &admin.client;
    let undo_all = |done: Value| async move {
        let (status, body) = app
            .call(caller, "undo_bulk", &[("batch_id", &done["batch_id"].to_string())])
            .await;
        assert!(status.is_success(), "{body}");
        assert_eq!(body, json!(N));
    };

    let p = bulk(app, &admin, "preview_bulk", staff, Some(employee), "", "").await;
    assert_eq!(p, json!({ "changes": N, "overwrites": 0, "in_scope": N }));
    let given = bulk(app, &admin, "apply_bulk", staff, Some(employee), "", "").await;
    assert_eq!(given["changed"], N);
    assert!(all_as(employee).await);
    // Moving every client to another role reads the rows just written.
    let moved = bulk(app, &admin, "apply_bulk", staff, Some(bookkeeper), "", "").await;
    assert_eq!(moved["changed"], N);
    assert!(all_as(bookkeeper).await);
    undo_all(moved).await;
    assert!(all_as(employee).await, "the undo put every client back as Employee");

    // Copying all of it to someone else, and undoing that.
    let (to, from) = (other.to_string(), staff.to_string());
    let form = [
        ("user_id", to.as_str()),
        ("from_user_id", from.as_str()),
        ("mode", "add"),
        ("ends_on", ""),
    ];
    let (status, copied) = app.call(&admin.client, "apply_copy", &form).await;
    assert!(status.is_success(), "{copied}");
    assert_eq!(copied["changed"], N);
    undo_all(copied).await;
    assert!(roles_of(app, other).await.is_empty());

    // The last page of the matrix, then removing all and undoing that.
    let (status, page) = app
        .call(
            &admin.client,
            "get_matrix",
            &[("user_id", &from), ("search", ""), ("plan", ""), ("page", "99")],
        )
        .await;
    assert!(status.is_success(), "{page}");
    assert_eq!(page["matching"], N);
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[99]["name"], "Scale client 09999");
    assert_eq!(rows[99]["role_id"], employee);
    let removed = bulk(app, &admin, "apply_bulk", staff, None, "", "").await;
    assert_eq!(removed["changed"], N);
    assert!(roles_of(app, staff).await.is_empty());
    undo_all(removed).await;
    assert!(all_as(employee).await);
}

crate::on_both_backends!(
    undo_reverts_only_what_is_still_as_the_bulk_action_left_it,
    undo_survives_a_role_deleted_since_and_skips_archived_clients,
    undo_refuses_a_deactivated_staff_member_like_a_click,
    two_simultaneous_undos_of_one_batch_apply_once,
    every_bulk_path_and_its_undo_works_over_ten_thousand_clients,
    the_accounts_menu_lists_a_few_accounts_and_searches_the_rest,
    a_click_grants_one_role_per_client_replacing_the_previous_one_and_is_audited,
    the_matrix_refuses_anything_outside_the_callers_practice,
    concurrent_clicks_from_two_admins_end_in_one_role,
    clicks_at_once_each_stand_or_fall_alone,
    bulk_actions_cover_every_client_in_one_audited_transaction_and_can_be_undone,
    with_a_filter_bulk_actions_touch_only_the_shown_clients,
    the_access_filter_shows_and_acts_on_only_the_clients_a_person_has_or_lacks,
    access_reaches_the_staff_member_on_the_next_request_and_practice_edition_has_no_manage_users,
    client_overview_adds_edits_archives_and_imports_all_or_nothing,
);
