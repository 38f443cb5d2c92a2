use crate::helpers::TestApp;

async fn health_answers_ok_with_the_backend_and_applied_schema(app: &TestApp) {
    let response = app.http.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.db.backend().name());
    assert!(body["schema_version"].as_i64().unwrap() >= 1, "{body}");
}

async fn the_home_page_is_server_rendered(app: &TestApp) {
    let response = crate::helpers::get_page(&app.http, &app.address).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Give your staff the right access to every client"),
        "{html}"
    );
    assert!(html.contains("/pkg/practice-access.js"), "hydration script missing");
}

async fn an_unknown_page_answers_404(app: &TestApp) {
    let response = crate::helpers::get_page(&app.http, &format!("{}/no/such/page", app.address)).await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

crate::on_both_backends!(
    health_answers_ok_with_the_backend_and_applied_schema,
    the_home_page_is_server_rendered,
    an_unknown_page_answers_404,
);
