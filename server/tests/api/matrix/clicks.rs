//! One click in the matrix: one role per client, audited, refused outside the caller's
//! practice, and clicks at once each standing or falling alone.

use super::*;

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

/// Clicks that arrive together (sharing transactions, on both backends) stand or fall each
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
    }
    // On PostgreSQL the clicks form groups as they arrive (nothing holds them back): the
    // broken one takes its own group's clicks with it, answered busy, and no others.
    assert_eq!(
        done.len() + busy.len(),
        others.len() - 1,
        "every other click answered 200 or 503"
    );
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

crate::on_both_backends!(
    a_click_grants_one_role_per_client_replacing_the_previous_one_and_is_audited,
    the_matrix_refuses_anything_outside_the_callers_practice,
    concurrent_clicks_from_two_admins_end_in_one_role,
    clicks_at_once_each_stand_or_fall_alone,
    access_reaches_the_staff_member_on_the_next_request_and_practice_edition_has_no_manage_users,
);
