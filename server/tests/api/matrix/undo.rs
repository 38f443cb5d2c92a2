//! Undo of a bulk action: only what is still as the action left it, once.

use super::*;

async fn undo_reverts_only_what_is_still_as_the_bulk_action_left_it(app: &TestApp) {
    let s = setup(app, "undolater", 4).await;
    let bookkeeper = create_role(app, &s.admin, "Bookkeeper", &[]).await;
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    // Later, someone moves one client to another role and removes another.
    set(app, &s.admin, s.staff_id, s.clients[0], Some(bookkeeper)).await;
    set(app, &s.admin, s.staff_id, s.clients[1], None).await;
    let (status, body) = undo(app, &s, batch).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!(2), "only the two untouched clients went back");
    assert_eq!(
        roles_of(app, s.staff_id).await,
        vec![(s.clients[0], bookkeeper)],
        "the later change wins; the rest is back to no access"
    );
}

async fn undo_survives_a_role_deleted_since_and_skips_archived_clients(app: &TestApp) {
    let s = setup(app, "undogone", 3).await;
    let old = create_role(app, &s.admin, "Old role", &[]).await;
    bulk_all(app, &s, Some(old)).await;
    // Move everyone to Employee, then delete the old role: the undo record names it.
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    let (status, body) = app
        .call(&s.admin.client, "delete_role", &[("role_id", &old.to_string())])
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = undo(app, &s, batch).await;
    assert!(
        status.is_success(),
        "a deleted role is not a server error: {status} {body}"
    );
    assert_eq!(body, json!(0), "nothing to give back: the role is gone");
    // Archived since: left alone, like a click on an archived client.
    let batch = bulk_all(app, &s, None).await;
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_client_archived",
            &[("client_id", &s.clients[0].to_string()), ("archived", "true")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = undo(app, &s, batch).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(body, json!(2));
    let clients: Vec<i64> = roles_of(app, s.staff_id).await.into_iter().map(|(c, _)| c).collect();
    assert_eq!(clients, vec![s.clients[1], s.clients[2]]);
}

async fn undo_refuses_a_deactivated_staff_member_like_a_click(app: &TestApp) {
    let s = setup(app, "undodeact", 2).await;
    bulk_all(app, &s, Some(s.employee)).await;
    let batch = bulk_all(app, &s, None).await;
    let (status, _) = app
        .call(
            &s.admin.client,
            "set_member_active",
            &[("user_id", &s.staff_id.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success());
    let (status, body) = undo(app, &s, batch).await;
    assert_eq!(status, 409, "{body}");
    assert!(roles_of(app, s.staff_id).await.is_empty());
}

async fn two_simultaneous_undos_of_one_batch_apply_once(app: &TestApp) {
    let s = setup(app, "undotwice", 20).await;
    let batch = bulk_all(app, &s, Some(s.employee)).await;
    let answers = join_all((0..4).map(|_| undo(app, &s, batch)).collect()).await;
    let applied = answers.iter().filter(|(status, _)| status.is_success()).count();
    assert_eq!(applied, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(status, _)| status.is_success() || *status == 409),
        "{answers:?}"
    );
    let undone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.bulk_undone'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(undone, 1);
}

crate::on_both_backends!(
    undo_reverts_only_what_is_still_as_the_bulk_action_left_it,
    undo_survives_a_role_deleted_since_and_skips_archived_clients,
    undo_refuses_a_deactivated_staff_member_like_a_click,
    two_simultaneous_undos_of_one_batch_apply_once,
);
