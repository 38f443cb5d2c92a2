//! Turning it on: not without a server key, and without JavaScript the recovery codes are
//! shown once.

use super::*;

async fn without_a_secret_key_it_cannot_be_turned_on(app: &TestApp) {
    let admin = app.sign_up("ts-nokey").await;
    let page = app.call(&admin.client, "get_two_step", &[]).await.1;
    assert_eq!(page["available"], false, "{page}");
    assert_eq!(page["setup"], Value::Null);
    let (status, _) = app
        .call(&admin.client, "start_two_step", &[("password", PASSWORD)])
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &admin.client,
            "confirm_two_step",
            &[("password", PASSWORD), ("code", "123456")],
        )
        .await;
    assert_eq!(status, 403);
    // Requiring what nobody can set up would lock everyone out: refused.
    let (status, _) = app
        .call(&admin.client, "set_two_step_required", &[("required", "true")])
        .await;
    assert_eq!(status, 403);
}

/// Without the WASM, turning it on is a plain form post answered with a redirect back to
/// the page: the page shows the recovery codes (once), and they are the login's codes.
async fn without_javascript_turning_it_on_shows_the_recovery_codes_once(app: &TestApp) {
    let admin = app.sign_up("ts-nojs").await;
    let (_, setup) = app
        .call(&admin.client, "start_two_step", &[("password", PASSWORD)])
        .await;
    let key = key_bytes(setup["key"].as_str().unwrap()).unwrap();
    let page_url = format!("{}/account/two-step", app.address);
    let shown = admin
        .client
        .http
        .post(format!("{}/api/confirm_two_step", app.address))
        .header("Accept", "text/html")
        .header("Referer", &page_url)
        .form(&[("password", PASSWORD), ("code", &code_at(&key, now()))])
        .send()
        .await
        .unwrap();
    assert!(shown.status().is_redirection(), "{}", shown.status());
    let kept = shown
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("pa_shown_once="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("the codes are kept for the page");
    let back = shown.headers()["location"].to_str().unwrap();
    assert!(back.starts_with(&page_url), "back to the page: {back}");
    let page = crate::helpers::get_page(&admin.client.http, &page_url).await;
    assert_eq!(page.headers()["cache-control"], "no-store", "the browser keeps no copy");
    let html = crate::helpers::without_markers(&page.text().await.unwrap());
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|item| item.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    assert!(html.contains("they are shown only now"), "{html}");
    let again = app.get_text(&admin.client, "/account/two-step").await;
    assert!(!again.contains("<li><code>"), "shown once: {again}");
    assert!(again.contains("Recovery codes left: 10."), "{again}");
    // They are the login's own: one signs in in place of a code.
    let who = password_step(app, &admin.email).await;
    let (status, body) = verify(app, &who, &codes[3]).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    assert_eq!(app.me(&who).await["email"], admin.email.as_str());
    // A copy of the cookie shows nothing in another session, even the same person's.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let other = Client {
        http: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let (status, body) = app
        .call(&other, "sign_in", &[("email", &admin.email), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    let (status, body) = verify(app, &other, &codes[4]).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    jar.add_cookie_str(&format!("pa_shown_once={kept}; Path=/"), &app.address.parse().unwrap());
    let replayed = crate::helpers::get_page(&other.http, &page_url)
        .await
        .text()
        .await
        .unwrap();
    assert!(replayed.contains("Recovery codes left: 8."), "{replayed}");
    assert!(!replayed.contains("<li><code>"), "{replayed}");
}

/// The key being set up belongs to the session that entered the password for it: another
/// session of the same login (a borrowed computer left signed in) neither sees nor
/// confirms it, and every answer holding it is kept by no cache.
async fn the_key_being_set_up_belongs_to_one_session(app: &TestApp) {
    let admin = app.sign_up("ts-own").await;
    let (other, status, _) = app.sign_in(&admin.email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    let started = admin
        .client
        .http
        .post(format!("{}/api/start_two_step", app.address))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(started.status().is_success());
    assert_eq!(
        started.headers()["cache-control"],
        "no-store",
        "the answer holds the key"
    );
    let setup: Value = started.json().await.unwrap();
    let key = key_bytes(setup["key"].as_str().unwrap()).unwrap();
    let page = app.call(&other, "get_two_step", &[]).await.1;
    assert_eq!(page["setup"], Value::Null, "not shown to another session: {page}");
    let (status, body) = app
        .call(&other, "confirm_two_step", &[("code", &code_at(&key, now()))])
        .await;
    assert_eq!(status, 409, "not confirmed by another session: {body}");
    let html = crate::helpers::get_page(&admin.client.http, &format!("{}/account/two-step", app.address)).await;
    assert_eq!(html.headers()["cache-control"], "no-store", "the page holds the key");
    // The session that asked confirms with the code alone.
    let (status, codes) = app
        .call(&admin.client, "confirm_two_step", &[("code", &code_at(&key, now()))])
        .await;
    assert!(status.is_success(), "{codes}");
    // Turning it on ended the other session.
    assert_eq!(app.me(&other).await, Value::Null, "the other session ended");
}

crate::on_both_backends!(
    without_javascript_turning_it_on_shows_the_recovery_codes_once,
    the_key_being_set_up_belongs_to_one_session,
);

mod no_secret_key {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let sink = crate::smtp_sink::SmtpSink::start().await;
        let url = sink.url();
        let app = crate::helpers::spawn_app_configured(
            app::platform::db::Backend::Sqlite,
            Some(url),
            Some(sink),
            &[("SECRET_KEY", "")],
        )
        .await;
        super::without_a_secret_key_it_cannot_be_turned_on(&app).await;
        app.cleanup().await;
    }
}
