//! The audit log page's server function: newest first, one practice only, searchable.

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

crate::on_both_backends!(the_audit_log_lists_this_practices_changes_newest_first_with_before_and_after);
