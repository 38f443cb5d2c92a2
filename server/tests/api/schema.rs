//! The schema enforces the product's invariants itself, whatever the code above it does.

use sqlx::error::ErrorKind;

use crate::helpers::{TestApp, seed_practice};

fn kind_of(result: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> ErrorKind {
    match result {
        Err(sqlx::Error::Database(e)) => e.kind(),
        other => panic!("expected a database error, got {other:?}"),
    }
}

async fn assign(
    app: &TestApp,
    practice: i64,
    user: i64,
    client: i64,
    role: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    sqlx::query(
        "INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_at) VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(practice)
    .bind(user)
    .bind(client)
    .bind(role)
    .execute(app.db.pool())
    .await
}

async fn a_second_role_for_the_same_staff_member_and_client_is_rejected(app: &TestApp) {
    let p = seed_practice(&app.db, "pair").await;
    assign(app, p.id, p.staff, p.client, p.employee_role)
        .await
        .expect("first role is accepted");
    let second = assign(app, p.id, p.staff, p.client, p.custom_role).await;
    assert_eq!(kind_of(second), ErrorKind::UniqueViolation);
}

async fn an_assignment_across_practices_is_rejected(app: &TestApp) {
    let a = seed_practice(&app.db, "a").await;
    let b = seed_practice(&app.db, "b").await;
    // A's staff member on B's client, claimed as either practice's row.
    assert_eq!(
        kind_of(assign(app, a.id, a.staff, b.client, a.employee_role).await),
        ErrorKind::ForeignKeyViolation
    );
    assert_eq!(
        kind_of(assign(app, b.id, a.staff, b.client, b.employee_role).await),
        ErrorKind::ForeignKeyViolation
    );
    // A's client with B's role.
    assert_eq!(
        kind_of(assign(app, a.id, a.staff, a.client, b.custom_role).await),
        ErrorKind::ForeignKeyViolation
    );
    // The same-practice assignment is fine.
    assign(app, a.id, a.staff, a.client, a.custom_role)
        .await
        .expect("same-practice assignment");
}

async fn a_practice_has_at_most_one_main_user(app: &TestApp) {
    let p = seed_practice(&app.db, "main").await;
    let second_main = sqlx::query("UPDATE practice_members SET is_main = 1 WHERE practice_id = $1 AND user_id = $2")
        .bind(p.id)
        .bind(p.staff)
        .execute(app.db.pool())
        .await;
    assert_eq!(kind_of(second_main), ErrorKind::UniqueViolation);
    let mains: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practice_members WHERE practice_id = $1 AND is_main = 1")
        .bind(p.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(mains, 1);
    let main_user: i64 =
        sqlx::query_scalar("SELECT user_id FROM practice_members WHERE practice_id = $1 AND is_main = 1")
            .bind(p.id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(main_user, p.admin, "the practice's creator stays its main user");
}

async fn an_email_has_at_most_one_pending_invitation_per_practice(app: &TestApp) {
    let p = seed_practice(&app.db, "inv").await;
    let invite = |token: &'static str, status: &'static str| {
        sqlx::query(
            "INSERT INTO invitations (practice_id, email, name, role_id, token_hash, status, created_at, expires_at)
             VALUES ($1, 'new@example.com', 'New', $2, $3, $4, 0, 1)",
        )
        .bind(p.id)
        .bind(p.employee_role)
        .bind(token)
        .bind(status)
        .execute(app.db.pool())
    };
    invite("t1", "revoked").await.unwrap();
    invite("t2", "pending").await.unwrap();
    assert_eq!(kind_of(invite("t3", "pending").await), ErrorKind::UniqueViolation);
}

async fn role_names_are_unique_in_a_practice_ignoring_case(app: &TestApp) {
    let p = seed_practice(&app.db, "roles").await;
    let dup = sqlx::query(
        "INSERT INTO roles (practice_id, kind, name, name_key, created_at, updated_at) VALUES ($1, 'custom', 'BOOKKEEPER', 'bookkeeper', 0, 0)",
    )
    .bind(p.id)
    .execute(app.db.pool())
    .await;
    assert_eq!(kind_of(dup), ErrorKind::UniqueViolation);
}

async fn the_audit_log_cannot_be_edited_or_deleted(app: &TestApp) {
    let p = seed_practice(&app.db, "audit").await;
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE practice_id = $1")
        .bind(p.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(events >= 1, "creating a practice is audited");
    let update = sqlx::query("UPDATE audit_events SET action = 'forged'")
        .execute(app.db.pool())
        .await;
    assert!(update.is_err(), "update must fail");
    let delete = sqlx::query("DELETE FROM audit_events").execute(app.db.pool()).await;
    assert!(delete.is_err(), "delete must fail");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE practice_id = $1")
        .bind(p.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(after, events);
}

/// A bulk action's undo record is the detail of its audit event: rows cannot be changed or
/// removed, nor the batch's fixed columns; only its count and undo time are set.
async fn a_bulk_actions_record_cannot_be_edited_or_deleted(app: &TestApp) {
    let p = seed_practice(&app.db, "bulkrec").await;
    let batch: i64 = sqlx::query_scalar(
        "INSERT INTO bulk_batches (practice_id, user_id, actor_user_id, new_role_id, changed, created_at)
         VALUES ($1, $2, $3, $4, 0, 0) RETURNING id",
    )
    .bind(p.id)
    .bind(p.staff)
    .bind(p.admin)
    .bind(p.employee_role)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    sqlx::query("INSERT INTO bulk_batch_rows (batch_id, client_id, previous_role_id) VALUES ($1, $2, NULL)")
        .bind(batch)
        .bind(p.client)
        .execute(app.db.pool())
        .await
        .unwrap();
    let forged = sqlx::query("UPDATE bulk_batch_rows SET previous_role_id = $1 WHERE batch_id = $2")
        .bind(p.custom_role)
        .bind(batch)
        .execute(app.db.pool())
        .await;
    assert!(forged.is_err(), "a row must not change");
    let removed = sqlx::query("DELETE FROM bulk_batch_rows WHERE batch_id = $1")
        .bind(batch)
        .execute(app.db.pool())
        .await;
    assert!(removed.is_err(), "a row must not go");
    let moved = sqlx::query("UPDATE bulk_batches SET user_id = $1 WHERE id = $2")
        .bind(p.admin)
        .bind(batch)
        .execute(app.db.pool())
        .await;
    assert!(moved.is_err(), "whose access it was must not change");
    assert!(
        sqlx::query("DELETE FROM bulk_batches WHERE id = $1")
            .bind(batch)
            .execute(app.db.pool())
            .await
            .is_err()
    );
    // What the app itself sets still works.
    sqlx::query("UPDATE bulk_batches SET changed = 1, undone_at = 5 WHERE id = $1")
        .bind(batch)
        .execute(app.db.pool())
        .await
        .unwrap();
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM bulk_batch_rows WHERE batch_id = $1 AND previous_role_id IS NULL")
            .bind(batch)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(rows, 1);
}

async fn an_unknown_plan_is_rejected(app: &TestApp) {
    let p = seed_practice(&app.db, "plan").await;
    let bad = sqlx::query(
        "INSERT INTO clients (practice_id, name, plan, created_at, updated_at) VALUES ($1, 'X', 'enterprise', 0, 0)",
    )
    .bind(p.id)
    .execute(app.db.pool())
    .await;
    assert_eq!(kind_of(bad), ErrorKind::CheckViolation);
}

crate::on_both_backends!(
    a_second_role_for_the_same_staff_member_and_client_is_rejected,
    an_assignment_across_practices_is_rejected,
    a_practice_has_at_most_one_main_user,
    an_email_has_at_most_one_pending_invitation_per_practice,
    role_names_are_unique_in_a_practice_ignoring_case,
    the_audit_log_cannot_be_edited_or_deleted,
    a_bulk_actions_record_cannot_be_edited_or_deleted,
    an_unknown_plan_is_rejected,
);
