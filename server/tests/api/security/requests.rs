//! Requests as an attacker sends them: from another site, oversized, over https, with a
//! session acting elsewhere, polling to keep a session alive, across two app servers.

use super::*;

async fn a_request_from_another_site_is_refused_before_any_work(app: &TestApp) {
    let admin = app.sign_up("csrf").await;
    let post = |headers: Vec<(&'static str, String)>| {
        let mut request = admin
            .client
            .http
            .post(format!("{}/api/add_client", app.address))
            .header("Accept", "application/json")
            .form(&[("name", "Forged Ltd"), ("plan", "small")]);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        request.send()
    };
    let refused = post(vec![("Origin", "https://evil.example".into())]).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap(), json!("CrossSite"));
    let refused = post(vec![
        ("Sec-Fetch-Site", "cross-site".into()),
        ("Origin", app.address.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), 403, "Sec-Fetch-Site wins when present");
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clients, 0, "nothing was done");
    // The app's own pages, with or without JavaScript, and scripts without a browser.
    let same = post(vec![("Origin", app.address.clone())]).await.unwrap();
    assert!(same.status().is_success(), "{}", same.status());
    let form = post(vec![("Sec-Fetch-Site", "same-origin".into())]).await.unwrap();
    assert_eq!(form.status(), 422, "reaches the function (the name is taken now)");
}

async fn after_sign_in_the_top_bar_and_the_actions_are_in_the_same_practice(app: &TestApp) {
    // Ada's own practice "Zeta" (created first), and "Alpha", which invites her.
    let ada = app.sign_up("zeta").await;
    let alpha = app.sign_up("alpha").await;
    let admin_role = app.role_id(alpha.practice_id, "Admin").await;
    sqlx::query("UPDATE practices SET name = 'Zeta practice' WHERE id = $1")
        .bind(ada.practice_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE practices SET name = 'Alpha practice' WHERE id = $1")
        .bind(alpha.practice_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let token = app
        .invite_and_read_link(&alpha, "Ada Admin", &ada.email, admin_role)
        .await;
    let (status, _) = app
        .call(
            &app.client(),
            "accept_invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let shown_and_acted = |client: crate::helpers::Client| async move {
        let me = app.me(&client).await;
        let (_, users) = app.call(&client, "list_practice_users", &[]).await;
        (
            me["current"]["name"].as_str().unwrap().to_owned(),
            users["practice_name"].as_str().unwrap().to_owned(),
            client,
        )
    };
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    let (shown, acted, client) = shown_and_acted(client).await;
    assert_eq!(shown, acted, "what the top bar shows is where actions land");
    assert_eq!(
        shown, "Alpha practice",
        "no account chosen yet: the first practice by name"
    );
    // Choosing the other one is remembered for the next sign-in.
    let (status, _) = app
        .call(
            &client,
            "switch_account",
            &[("kind", "practice"), ("id", &ada.practice_id.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Zeta practice", "Zeta practice"));
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Zeta practice", "Zeta practice"));
    // Signed in while she had no account (deactivated in both), then given both back: the
    // session acts where the top bar says (the first practice by name), not where she was
    // last (Zeta).
    let set_status = |status: &'static str| async move {
        sqlx::query("UPDATE practice_members SET status = $1 WHERE user_id = $2")
            .bind(status)
            .bind(ada.user_id)
            .execute(app.db.pool())
            .await
            .unwrap();
    };
    set_status("deactivated").await;
    let (client, _, _) = app.sign_in(&ada.email, PASSWORD).await;
    assert_eq!(app.me(&client).await["current"], serde_json::Value::Null);
    set_status("active").await;
    let (shown, acted, _) = shown_and_acted(client).await;
    assert_eq!((shown.as_str(), acted.as_str()), ("Alpha practice", "Alpha practice"));
}

async fn polling_does_not_keep_an_idle_session_alive(app: &TestApp) {
    let admin = app.sign_up("poll").await;
    let old = app::platform::db::now() - 600;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2")
        .bind(old)
        .bind(admin.user_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, _) = app
        .call(
            &admin.client,
            "matrix_version",
            &[("user_id", &admin.user_id.to_string())],
        )
        .await;
    assert!(status.is_success());
    let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen, old, "a poll is not activity");
    app.call(&admin.client, "list_staff", &[]).await;
    let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(seen > old, "a person's request is");
}

async fn an_oversized_body_is_refused_before_it_is_read(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Raw HTTP: the server answers from the declared length and closes, which a client
    // still writing 16 MB would see as a broken pipe instead of the answer.
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/import_clients HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\ncsv=",
        server::MAX_BODY_BYTES + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

async fn an_oversized_body_without_a_declared_length_is_cut_off_with_a_4xx(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let admin = app.sign_up("chunked").await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/add_client HTTP/1.1\r\nHost: {address}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, "a".repeat(1 << 20));
    // The server may answer and close before all of it is written: that is the point.
    for _ in 0..(server::MAX_BODY_BYTES >> 20) + 2 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).await.unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    // Cut off at the cap, the request cannot be read (400); read whole, it would have
    // reached the function and been refused as a long name (422).
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clients, 0);
}

async fn over_https_the_session_cookie_is_host_prefixed(backend: Backend) {
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_configured(
        backend,
        Some(url),
        Some(sink),
        &[("APP_BASE_URL", "https://practice.example")],
    )
    .await;
    let token = app
        .sign_up_token(&app.client(), "Secure Ltd", "sam@secure.example")
        .await;
    let response = app
        .client()
        .http
        .post(format!("{}/api/confirm_sign_up", app.address))
        .header("Accept", "application/json")
        .form(&[("token", token.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-pa_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_session_cookie_is_host_prefixed_on_sqlite() {
    over_https_the_session_cookie_is_host_prefixed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_session_cookie_is_host_prefixed_on_postgres() {
    over_https_the_session_cookie_is_host_prefixed(Backend::Postgres).await;
}

/// Two app servers on one PostgreSQL database: sessions, changes and the throttle are the
/// database's, not one process's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_servers_share_sessions_changes_and_the_throttle() {
    let app = crate::helpers::spawn_app(Backend::Postgres).await;
    let other = app.second_server().await;
    let admin = app.sign_up("scaleout").await;
    // A session made on the first server works on the second.
    let (status, me) = app.call_at(&other, &admin.client, "get_me", &[]).await;
    assert!(status.is_success());
    assert_eq!(me["email"], admin.email);
    // A change made on the first shows in the second's matrix.
    let (status, client) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "Shared Ltd"), ("plan", "small")],
        )
        .await;
    assert!(status.is_success());
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let user = admin.user_id.to_string();
    let client = client.as_i64().unwrap().to_string();
    let (status, _) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &user),
                ("client_id", &client),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success());
    let (status, matrix) = app
        .call_at(
            &other,
            &admin.client,
            "get_matrix",
            &[("user_id", &user), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success());
    assert_eq!(matrix["rows"][0]["role_id"], employee);
    // Wrong guesses on both servers add up.
    for i in 0..throttle::PER_LOGIN.attempts {
        let server = if i % 2 == 0 { &app.address } else { &other };
        let (status, _) = app
            .call_at(
                server,
                &app.client(),
                "sign_in",
                &[("email", &admin.email), ("password", "a wrong guess")],
            )
            .await;
        assert_eq!(status, 422);
    }
    let (status, _) = app
        .call_at(
            &other,
            &app.client(),
            "sign_in",
            &[("email", &admin.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 429);
    app.cleanup().await;
}

crate::on_both_backends!(
    an_oversized_body_without_a_declared_length_is_cut_off_with_a_4xx,
    a_request_from_another_site_is_refused_before_any_work,
    after_sign_in_the_top_bar_and_the_actions_are_in_the_same_practice,
    polling_does_not_keep_an_idle_session_alive,
    an_oversized_body_is_refused_before_it_is_read,
);
