//! Client overview and the Accounts menu.

use super::*;

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

crate::on_both_backends!(
    the_accounts_menu_lists_a_few_accounts_and_searches_the_rest,
    client_overview_adds_edits_archives_and_imports_all_or_nothing,
);
