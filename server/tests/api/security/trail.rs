//! What the audit log tells a practice about its people: failed sign-ins and wrong
//! two-step codes of its members appear in its own log; a bulk action records its filter
//! as used, not whatever the request carried.

use super::*;

async fn log(app: &TestApp, admin: &Admin, action: &str) -> Vec<serde_json::Value> {
    let (status, body) = app
        .call(&admin.client, "list_audit_events", &[("action", action)])
        .await;
    assert!(status.is_success(), "{body}");
    body["entries"].as_array().unwrap().clone()
}

async fn a_members_failed_sign_ins_appear_in_the_practices_log(app: &TestApp) {
    let admin = app.sign_up("trail-signin").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    crate::helpers::join(app, &admin, "Sam Staff", "sam.trail@example.com", employee).await;
    let other = app.sign_up("trail-other").await;
    app.sign_in("sam.trail@example.com", "not the password").await;
    app.sign_in("nobody.trail@example.com", "not the password").await;
    let entries = log(app, &admin, "auth.sign_in_failed").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["sentence"], "A sign-in as sam.trail@example.com failed");
    assert!(
        log(app, &other, "auth.sign_in_failed").await.is_empty(),
        "not another practice's"
    );
    // A wrong two-step code too.
    let (key, _) = crate::two_step::turn_on(app, &admin.client).await;
    let _ = key;
    let waiting = crate::two_step::password_step(app, &admin.email).await;
    let (status, _) = crate::two_step::verify(app, &waiting, "000000").await;
    assert_eq!(status, 422);
    let entries = log(app, &admin, "auth.sign_in_failed").await;
    assert!(
        entries
            .iter()
            .any(|e| e["sentence"] == format!("A sign-in as {} failed", admin.email)),
        "{entries:?}"
    );
}

async fn a_bulk_action_records_its_filter_as_used(app: &TestApp) {
    let admin = app.sign_up("trail-bulk").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "trail-bulk").await;
    let search = format!("  Acme\u{7}{}", "z".repeat(5000));
    let (status, body) = app
        .call(
            &admin.client,
            "apply_bulk",
            &[("user_id", &staff.to_string()), ("search", &search), ("plan", "")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let after: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE practice_id = $1 AND action = 'access.bulk_removed'",
    )
    .bind(admin.practice_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    let recorded = after["scope"]["search"].as_str().unwrap();
    assert_eq!(recorded.chars().count(), 200, "{} characters", recorded.chars().count());
    assert!(
        recorded.starts_with("Acmez"),
        "trimmed, control characters gone: {recorded}"
    );
}

crate::on_both_backends!(
    a_members_failed_sign_ins_appear_in_the_practices_log,
    a_bulk_action_records_its_filter_as_used,
);
