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

crate::on_both_backends!(
    names_that_differ_only_in_a_case_the_database_folds_are_refused_not_a_500,
    a_list_refusal_answers_with_its_own_status_not_500,
    client_names_are_unique_ignoring_case_even_when_added_at_once,
    an_import_with_a_quoted_line_break_keeps_its_line_numbers,
);
