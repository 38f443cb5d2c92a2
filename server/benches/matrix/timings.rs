//! One practice at size, timed request by request: the matrix, a click, each bulk action
//! beside the same change as one raw statement (its floor).

use super::*;

pub(crate) async fn bench(target: Target, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let url = target.database_url.replace("{dir}", &dir.path().display().to_string());
    let (listener, addr, state) = prepared_server(&url).await;
    let seeded_at = Instant::now();
    let login = app::demo::seed_if_empty(&state.db, clients)
        .await
        .unwrap()
        .expect("empty database");
    let seed_time = seeded_at.elapsed();
    let db = state.db.clone();
    tokio::spawn(server::run(state, listener));
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    call(
        &http,
        &base,
        "sign_in",
        &[("email", login.email.clone()), ("password", login.password.clone())],
    )
    .await;

    let staff: i64 = sqlx::query_scalar("SELECT MAX(user_id) FROM practice_members")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (employee, custom): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT id FROM roles WHERE kind = 'employee'), (SELECT MIN(id) FROM roles WHERE kind = 'custom')",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let u = staff.to_string();
    let matrix = |search: &str, plan: &str, page: i64| {
        vec![
            ("user_id", u.clone()),
            ("search", search.to_owned()),
            ("plan", plan.to_owned()),
            ("page", page.to_string()),
        ]
    };
    let bulk = |role: Option<i64>| {
        let mut f = vec![
            ("user_id", u.clone()),
            ("search", String::new()),
            ("plan", String::new()),
        ];
        if let Some(r) = role {
            f.push(("role_id", r.to_string()));
        }
        f
    };

    println!(
        "\n{} — {} clients, {} staff (seeded in {:.1} s)",
        target.name,
        clients,
        login.staff,
        seed_time.as_secs_f64()
    );
    println!("{:<58} {:>12}", "operation (median of 5 unless noted)", "time");
    let row = |what: &str, d: Duration| println!("{what:<58} {}", ms(d));

    row(
        "staff table (list_staff)",
        median(5, || async {
            call(&http, &base, "list_staff", &[]).await;
        })
        .await,
    );
    row(
        "matrix, first page of 100 rows (get_matrix)",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("", "", 0)).await;
        })
        .await,
    );
    row(
        "matrix, last page",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("", "", (clients as i64 - 1) / 100)).await;
        })
        .await,
    );
    row(
        "matrix, search \"bakery\" + plan Small",
        median(5, || async {
            call(&http, &base, "get_matrix", &matrix("bakery", "small", 0)).await;
        })
        .await,
    );
    // Alternate roles so every click really changes the row.
    let mut clicks = 0;
    row(
        "one click (set_client_role)",
        median(6, || {
            clicks += 1;
            let role = if clicks % 2 == 0 { custom } else { employee };
            let form = [
                ("user_id", u.clone()),
                ("client_id", "1".to_owned()),
                ("role_id", role.to_string()),
            ];
            let (http, base) = (http.clone(), base.clone());
            async move {
                call(&http, &base, "set_client_role", &form).await;
            }
        })
        .await,
    );
    row(
        "bulk preview over all clients (preview_bulk)",
        median(5, || async {
            call(&http, &base, "preview_bulk", &bulk(Some(employee))).await;
        })
        .await,
    );

    let timed = |name: &'static str, form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let start = Instant::now();
            let body = call(&http, &base, name, &form).await;
            (start.elapsed(), body)
        }
    };
    // The floor: the same change as one SQL statement on the same database, with no HTTP,
    // no session, no undo record and no audit event.
    let practice: i64 = sqlx::query_scalar("SELECT practice_id FROM practice_members WHERE user_id = $1")
        .bind(staff)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let raw = |sql: &'static str, role: Option<i64>| {
        let db = db.clone();
        async move {
            let start = Instant::now();
            let mut q = sqlx::query(sql).bind(staff).bind(practice);
            if let Some(r) = role {
                q = q.bind(r).bind(app::platform::db::now());
            }
            q.execute(db.pool()).await.unwrap();
            start.elapsed()
        }
    };
    const RAW_INSERT_ALL: &str =
        "INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
         SELECT practice_id, $1, id, $3, NULL, $4 FROM clients WHERE practice_id = $2 AND archived = 0
         ON CONFLICT (user_id, client_id) DO UPDATE SET role_id = excluded.role_id, granted_at = excluded.granted_at";
    const RAW_UPDATE_ALL: &str =
        "UPDATE client_assignments SET role_id = $3, granted_at = $4 WHERE user_id = $1 AND practice_id = $2";
    const RAW_DELETE_ALL: &str = "DELETE FROM client_assignments WHERE user_id = $1 AND practice_id = $2";
    // Two floors: the bare statement, and the statement with the undo record every bulk
    // action must write (Undo is part of the product), both raw SQL on the same database.
    println!(
        "\n{:<58} {:>12} {:>12} {:>7} {:>10}",
        "bulk action over all clients (median of 5 rounds)", "server", "raw SQL", "ratio", "+undo rec."
    );
    let compare = |what: &str, server: Duration, floor: Option<Duration>, record: Duration| match floor {
        Some(f) => println!(
            "{what:<58} {} {} {:>6.1}x {:>9.1}x",
            ms(server),
            ms(f),
            server.as_secs_f64() / f.as_secs_f64().max(1e-9),
            server.as_secs_f64() / (f + record).as_secs_f64().max(1e-9)
        ),
        None => println!("{what:<58} {} {:>12} {:>7} {:>10}", ms(server), "-", "-", "-"),
    };
    // Each bulk action once per round, five rounds, medians: one run of 10,000 rows is at
    // the mercy of a checkpoint or a neighbour on the machine.
    const ROUNDS: usize = 5;
    let mut t: [Vec<Duration>; 8] = Default::default();
    let (mut given, mut assigned, mut restored, mut removed, mut recorded) = (0, 0, 0, 0, 0);
    for round in 0..ROUNDS {
        // From no access: give everything as Employee; then the same raw, from no access again.
        let (d, r) = timed("apply_bulk", bulk(Some(employee))).await;
        t[0].push(d);
        given = r["changed"].as_i64().unwrap_or(0);
        t[1].push(raw(RAW_DELETE_ALL, None).await);
        t[2].push(raw(RAW_INSERT_ALL, Some(employee)).await);
        // From all Employee: move everything to a custom role; the floor moves it back and
        // there again.
        let (d, r) = timed("apply_bulk", bulk(Some(custom))).await;
        t[3].push(d);
        assigned = r["changed"].as_i64().unwrap_or(0);
        t[4].push(raw(RAW_UPDATE_ALL, Some(employee)).await);
        raw(RAW_UPDATE_ALL, Some(custom)).await;
        let (d, n) = timed("undo_bulk", vec![("batch_id", r["batch_id"].to_string())]).await;
        t[5].push(d);
        restored = n.as_i64().unwrap_or(0);
        let (d, r) = timed("apply_bulk", bulk(None)).await;
        t[6].push(d);
        removed = r["changed"].as_i64().unwrap_or(0);
        // What every bulk action writes besides the change itself: its undo record, one
        // row per client changed, here alone as raw SQL (under a batch id of its own).
        let start = Instant::now();
        recorded = sqlx::query(
            "INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id, previous_ends_at)
             SELECT $3, c.id, a.role_id, a.ends_at
             FROM clients c LEFT JOIN client_assignments a ON a.client_id = c.id AND a.user_id = $1
             WHERE c.practice_id = $2 AND c.archived = 0
             ORDER BY c.id",
        )
        .bind(staff)
        .bind(practice)
        .bind(-1 - round as i64)
        .execute(db.pool())
        .await
        .unwrap()
        .rows_affected();
        t[7].push(start.elapsed());
    }
    let [
        give,
        remove_floor,
        give_floor,
        assign,
        assign_floor,
        undo,
        remove,
        record,
    ] = t.map(|mut times| {
        times.sort();
        times[times.len() / 2]
    });
    compare(
        &format!("give access to all as Employee ({given} changed)"),
        give,
        Some(give_floor),
        record,
    );
    compare(
        &format!("assign all to a custom role ({assigned} changed)"),
        assign,
        Some(assign_floor),
        record,
    );
    compare(&format!("undo that ({restored} restored)"), undo, None, record);
    compare(
        &format!("remove from all clients ({removed} changed)"),
        remove,
        Some(remove_floor),
        record,
    );
    println!(
        "{:<58} {:>12} {}",
        format!("  the undo record alone ({recorded} rows), raw SQL"),
        "",
        ms(record)
    );
    println!();
    row(
        "matrix version poll (matrix_version)",
        median(5, || async {
            call(&http, &base, "matrix_version", &[("user_id", u.clone())]).await;
        })
        .await,
    );

    if db.backend() == app::platform::db::Backend::Postgres {
        // Side by side in one run: one transaction per click, one group at a time, then
        // (the default) several groups at once. A first round warms every pooled
        // connection's statement cache, so that none of the three pays for it.
        println!("\nwarm-up (not compared)");
        load(&base, &login, staff, clients as i64, employee, custom).await;
        println!("\none transaction per click");
        db.set_postgres_groups(0);
        load(&base, &login, staff, clients as i64, employee, custom).await;
        println!("\nclicks arriving together share a transaction and a commit, one group at a time");
        db.set_postgres_groups(1);
        load(&base, &login, staff, clients as i64, employee, custom).await;
        db.set_postgres_groups(4);
        println!("\nthe same, four groups at once (the default)");
    }
    load(&base, &login, staff, clients as i64, employee, custom).await;
    load_floor(&db, practice, staff, clients as i64, employee, custom).await;
    if db.backend() == app::platform::db::Backend::Postgres {
        servers::two_servers(&db, &url, &base, &login, staff, clients as i64, employee, custom).await;
    }

    db.close().await;
    if let Some((admin, name)) = target.cleanup
        && let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin}/postgres")).await
    {
        let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .execute(&mut c)
            .await;
    }
}
