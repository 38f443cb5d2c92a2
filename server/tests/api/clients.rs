//! Client overview: expected refusals answer with their own status, and client names are
//! unique per practice ignoring case, decided by the schema.

use serde_json::{Value, json};

use crate::helpers::{TestApp, join_all};

async fn a_list_refusal_answers_with_its_own_status_not_500(app: &TestApp) {
    let admin = app.sign_up("liststatus").await;
    let (status, body) = app
        .call(
            &admin.client,
            "list_clients",
            &[
                ("search", ""),
                ("plan", "Enterprise"),
                ("archived", "false"),
                ("page", "0"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "plan", "{body}");
    // Arguments that are not even the right type are the caller's fault too.
    let (status, _) = app
        .call(
            &admin.client,
            "list_clients",
            &[("search", ""), ("plan", ""), ("archived", "maybe"), ("page", "x")],
        )
        .await;
    assert_eq!(status, 422);
}

async fn client_names_are_unique_ignoring_case_even_when_added_at_once(app: &TestApp) {
    let admin = app.sign_up("uniquename").await;
    let names = ["Acme Ltd", "ACME LTD", "acme ltd", "Acme ltd"];
    let client = &admin.client;
    let calls = names
        .iter()
        .map(|name| {
            let form = [("name", *name), ("plan", "small")];
            async move { app.call(client, "add_client", &form).await }
        })
        .collect();
    let answers: Vec<(reqwest::StatusCode, Value)> = join_all(calls).await;
    let added = answers.iter().filter(|(s, _)| s.is_success()).count();
    assert_eq!(added, 1, "exactly one of the simultaneous adds wins: {answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| !s.is_success()) {
        assert_eq!(*status, 422, "{body}");
        assert_eq!(body["Invalid"]["field"], "name");
        assert!(
            body["Invalid"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("There is already a client called")),
            "{body}"
        );
    }
    // Renaming another client onto the name is refused the same way.
    let (status, id) = app
        .call(&admin.client, "add_client", &[("name", "Birch Ltd"), ("plan", "large")])
        .await;
    assert!(status.is_success());
    let id = id.as_i64().unwrap().to_string();
    let (status, body) = app
        .call(
            &admin.client,
            "update_client",
            &[("client_id", &id), ("name", "aCmE lTd"), ("plan", "large")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .call(
            &admin.client,
            "update_client",
            &[("client_id", &id), ("name", "Birch & Sons"), ("plan", "large")],
        )
        .await;
    assert!(status.is_success());
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 2);
}

async fn an_import_with_a_quoted_line_break_keeps_its_line_numbers(app: &TestApp) {
    let admin = app.sign_up("csvquote").await;
    let csv = "name,plan\n\"Smith, Jones\",Small\n\"Line\nbreak\",Small\nGood Co,Enterprise\n";
    let (status, body) = app.call(&admin.client, "import_clients", &[("csv", csv)]).await;
    assert!(status.is_success(), "{body}");
    let lines: Vec<i64> = body["Rejected"]
        .as_array()
        .expect("rejected lines")
        .iter()
        .map(|l| l["line"].as_i64().unwrap())
        .collect();
    // The quoted name spans lines 3 and 4 and is one name; the bad plan is on line 5 of
    // the file, not line 4 as a line-by-line reader would say.
    assert_eq!(lines, vec![5], "{body}");
    let fixed = csv.replace("Enterprise", "Large");
    let (status, body) = app.call(&admin.client, "import_clients", &[("csv", &fixed)]).await;
    assert!(status.is_success());
    assert_eq!(body, json!({ "Imported": 3 }));
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM clients WHERE practice_id = $1 ORDER BY name")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(names, vec!["Good Co", "Line break", "Smith, Jones"]);
}

async fn names_that_differ_only_in_a_case_the_database_folds_are_refused_not_a_500(app: &TestApp) {
    let admin = app.sign_up("sigma").await;
    // Rust and PostgreSQL fold a final sigma differently; whichever decides, the answer is
    // an import or a clear refusal.
    let (status, body) = app
        .call(&admin.client, "import_clients", &[("csv", "ΟΔΟΣ,Small\nοδοσ,Small\n")])
        .await;
    assert!(status.is_success() || status == 422, "{status} {body}");
}

/// Posts `form` to `/api/<name>` as a browser without the WASM does (it asks for HTML),
/// from the page `referer`; the answer's status, `Location`, and the notice cookie set.
pub(crate) async fn post_plain_form(
    app: &TestApp,
    client: &crate::helpers::Client,
    name: &str,
    referer: &str,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, String, Option<String>) {
    let answer = client
        .http
        .post(format!("{}/api/{name}", app.address))
        .header("Accept", "text/html")
        .header("Referer", referer)
        .form(form)
        .send()
        .await
        .unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let notice = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("pa_notice="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .filter(|v| !v.is_empty());
    (answer.status(), location, notice)
}

/// Without the WASM, Client overview's forms post and come back: to the page they were
/// sent from, its filters kept and the panel they were in closed once they went through,
/// saying once what they did; a refused form comes back with its panel open. Only ever to
/// a page of this site.
async fn a_plain_form_post_returns_to_its_page_with_a_notice_and_its_panel_closed(app: &TestApp) {
    let admin = app.sign_up("plainform").await;
    let page = format!("{}/partner/clients?q=birch&open=add", app.address);
    let (status, location, notice) = post_plain_form(
        app,
        &admin.client,
        "add_client",
        &page,
        &[("name", ""), ("plan", "small")],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert!(
        location.contains("open=add") && location.contains("__err="),
        "refused: the panel stays open: {location}"
    );
    assert_eq!(notice, None);

    let (status, location, notice) = post_plain_form(
        app,
        &admin.client,
        "add_client",
        &page,
        &[("name", "Birch Ltd"), ("plan", "small")],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, "/partner/clients?q=birch");
    assert!(notice.is_some(), "a notice for the page");
    let html = app.get_text(&admin.client, "/partner/clients?q=birch").await;
    assert!(html.contains("Added the client Birch Ltd."), "{html}");
    assert!(html.contains(r#"<th scope="row">Birch Ltd"#), "the row: {html}");
    let again = app.get_text(&admin.client, "/partner/clients?q=birch").await;
    assert!(!again.contains("Added the client Birch Ltd."), "shown once");

    // The import's outcome, refused or not, is said on the page.
    let import_page = format!("{}/partner/clients?open=import", app.address);
    let (_, location, _) = post_plain_form(
        app,
        &admin.client,
        "import_clients",
        &import_page,
        &[("csv", "Cedar,Small\nDune,Enterprise")],
    )
    .await;
    assert_eq!(
        location, "/partner/clients?open=import",
        "refused lines: the panel stays open"
    );
    let html = app.get_text(&admin.client, &location).await;
    assert!(
        html.contains("Nothing was imported: 1 line needs fixing. Line 2: "),
        "{html}"
    );

    // Never to another site, whatever the Referer says.
    for (i, referer) in [
        "https://evil.example/phish?open=add",
        "//evil.example/phish",
        "nonsense",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("Elm {i} Ltd");
        let (status, location, _) = post_plain_form(
            app,
            &admin.client,
            "add_client",
            referer,
            &[("name", &name), ("plan", "small")],
        )
        .await;
        assert!(status.is_redirection(), "{status}");
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{referer} → {location}"
        );
    }
    // The WASM's own requests (JSON) get their answer, not a redirect.
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{status} {body}");
}

/// The one signed in on `client` signs out and `email` signs in on the same browser.
async fn next_person(app: &TestApp, client: &crate::helpers::Client, email: &str) {
    let (status, _) = app.call(client, "sign_out", &[]).await;
    assert!(status.is_success(), "{status}");
    let (status, _) = app.sign_in_on(client, email, crate::helpers::PASSWORD).await;
    assert!(status.is_success(), "{status}");
}

/// A refused plain post (every form outside the islands posts plainly, with JavaScript
/// too) comes back with what was typed in its fields: a new client's name and plan, an
/// invitation's name, email and role. Only to the same browser, and only until one goes
/// through.
async fn a_refused_plain_post_keeps_what_was_typed(app: &TestApp) {
    let admin = app.sign_up("keptform").await;
    let (status, _) = app
        .call(&admin.client, "add_client", &[("name", "Birch Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{status}");
    let page = format!("{}/partner/clients?open=add", app.address);
    let (_, location, _) = post_plain_form(
        app,
        &admin.client,
        "add_client",
        &page,
        &[("name", "birch ltd"), ("plan", "medium")],
    )
    .await;
    assert!(location.contains("__err="), "refused: {location}");
    let html = app
        .get_text(&admin.client, location.trim_start_matches(&app.address))
        .await;
    assert!(html.contains(r#"value="birch ltd""#), "the name: {html}");
    let medium = html.split("<option").find(|o| o.contains(r#"value="medium""#)).unwrap();
    assert!(medium.contains("selected"), "the plan: {medium}");
    let other = app.sign_up("keptother").await;
    let html = app.get_text(&other.client, "/partner/clients?open=add").await;
    assert!(
        html.contains("Add a client") && !html.contains("birch ltd"),
        "another browser sees nothing"
    );

    let page = format!("{}/manage-users?open=invite", app.address);
    let (_, location, _) = post_plain_form(
        app,
        &admin.client,
        "invite_user",
        &page,
        &[
            ("name", "Nora Newby"),
            ("email", "not-an-email"),
            ("role_id", &app.role_id(admin.practice_id, "Employee").await.to_string()),
        ],
    )
    .await;
    assert!(location.contains("__err="), "refused: {location}");
    let html = app
        .get_text(&admin.client, location.trim_start_matches(&app.address))
        .await;
    assert!(
        html.contains(r#"value="Nora Newby""#) && html.contains(r#"value="not-an-email""#),
        "{html}"
    );

    // The next person to sign in on this browser does not see them.
    next_person(app, &admin.client, &other.email).await;
    let html = app.get_text(&admin.client, "/manage-users?open=invite").await;
    assert!(html.contains("Invite a user") && !html.contains("Nora Newby"), "{html}");
    next_person(app, &admin.client, &admin.email).await;

    // Gone through: the values do not come back.
    let (_, location, _) = post_plain_form(
        app,
        &admin.client,
        "add_client",
        &page,
        &[("name", "Cedar Ltd"), ("plan", "medium")],
    )
    .await;
    assert!(!location.contains("__err="), "{location}");
    let html = app.get_text(&admin.client, "/partner/clients?open=add").await;
    assert!(!html.contains(r#"value="birch ltd""#), "cleared: {html}");
}

crate::on_both_backends!(
    a_refused_plain_post_keeps_what_was_typed,
    a_plain_form_post_returns_to_its_page_with_a_notice_and_its_panel_closed,
    names_that_differ_only_in_a_case_the_database_folds_are_refused_not_a_500,
    a_list_refusal_answers_with_its_own_status_not_500,
    client_names_are_unique_ignoring_case_even_when_added_at_once,
    an_import_with_a_quoted_line_break_keeps_its_line_numbers,
);
