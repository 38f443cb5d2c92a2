//! Races between insiders get a clear answer, never a 500 (PostgreSQL: SQLite runs one
//! writer at a time, so these cannot happen there).

use super::*;
use crate::helpers::{bounded, spawn_app};

/// Eight invitations of one email at once: one is sent, the others are told it is pending.
async fn simultaneous_invitations_to_one_email(app: &TestApp) {
    let admin = app.sign_up("race-invite").await;
    let employee = app.role_id(admin.practice_id, "Employee").await.to_string();
    for round in 0..3 {
        let email = format!("twice{round}.race@example.com");
        let calls = (0..8)
            .map(|_| {
                let (admin, email, employee) = (&admin, &email, &employee);
                async move {
                    let form = [
                        ("name", "Tess Twice"),
                        ("email", email.as_str()),
                        ("role_id", employee.as_str()),
                    ];
                    app.call(&admin.client, "invite_user", &form).await
                }
            })
            .collect();
        let answers = join_all(calls).await;
        let sent = answers.iter().filter(|(s, _)| s.is_success()).count();
        assert_eq!(sent, 1, "{answers:?}");
        for (status, body) in answers.iter().filter(|(s, _)| !s.is_success()) {
            assert_eq!(*status, 422, "{body}");
            assert!(body.to_string().contains("already has a pending invitation"), "{body}");
        }
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE email = $1 AND status = 'pending'")
                .bind(&email)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(pending, 1);
    }
}

/// A role deleted (its holders moved to Employee) while clicks give it: each click is
/// either done before the delete (and its grant moved) or refused as a role that is gone.
async fn deleting_a_role_while_clicks_grant_it(app: &TestApp) {
    let admin = app.sign_up("race-role").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "race-role")
        .await
        .to_string();
    crate::helpers::seed_clients(app, admin.practice_id, "Race", 12).await;
    let clients: Vec<i64> = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1 ORDER BY id")
        .bind(admin.practice_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for round in 0..3 {
        let doomed = create_role(app, &admin, &format!("Doomed {round}"), &["expenses.list"])
            .await
            .to_string();
        let ids: Vec<String> = clients.iter().map(|c| c.to_string()).collect();
        let clicks = ids.iter().map(|client| {
            let (admin, staff, doomed) = (&admin, &staff, &doomed);
            async move {
                let form = [
                    ("user_id", staff.as_str()),
                    ("client_id", client.as_str()),
                    ("role_id", doomed.as_str()),
                ];
                app.call(&admin.client, "set_client_role", &form).await
            }
        });
        let employee = employee.to_string();
        let delete = async {
            let form = [("role_id", doomed.as_str()), ("move_to", employee.as_str())];
            app.call(&admin.client, "delete_role", &form).await
        };
        let (answers, deleted) = tokio::join!(join_all(clicks.collect()), delete);
        for (status, body) in &answers {
            assert!(status.is_success() || *status == 422, "a click: {status} {body}");
        }
        assert!(
            deleted.0.is_success() || deleted.0 == 409,
            "the delete: {} {}",
            deleted.0,
            deleted.1
        );
        if deleted.0.is_success() {
            let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_assignments WHERE role_id = $1")
                .bind(doomed.parse::<i64>().unwrap())
                .fetch_one(app.db.pool())
                .await
                .unwrap();
            assert_eq!(left, 0, "nothing holds a deleted role");
        }
    }
}

/// A click that waits for a bulk removal of its person's access acts on what the removal
/// left: giving back the role the client had before is a change (written and audited from
/// "no access"), not "already so". (A click reads the cell after it holds the person, in a
/// statement of its own: one that waited for the lock reads as of before it waited.)
async fn a_click_waiting_for_a_bulk_removal_acts_on_what_it_left(app: &TestApp) {
    let admin = app.sign_up("race-bulk").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let staff = crate::helpers::seed_staff(app, admin.practice_id, "race-bulk").await;
    crate::helpers::seed_clients(app, admin.practice_id, "Bulk", 1).await;
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let form = vec![
        ("user_id", staff.to_string()),
        ("client_id", client.to_string()),
        ("role_id", employee.to_string()),
    ];
    let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.call(&admin.client, "set_client_role", &borrowed).await.0, 200);
    // The removal, half done as a bulk action does it: the person held, their grants gone.
    let mut removal = app.db.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM practice_members WHERE practice_id = $1 AND user_id = $2 FOR UPDATE")
        .bind(admin.practice_id)
        .bind(staff)
        .execute(&mut *removal)
        .await
        .unwrap();
    sqlx::query("DELETE FROM client_assignments WHERE user_id = $1")
        .bind(staff)
        .execute(&mut *removal)
        .await
        .unwrap();
    let click = app.call_in_background(&admin.client, "set_client_role", form);
    crate::helpers::until_waiting_for_a_lock(app, &click).await;
    removal.commit().await.unwrap();
    let (status, body) = click.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_assignments WHERE user_id = $1 AND role_id = $2")
        .bind(staff)
        .bind(employee)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(held, 1, "the click came last: the client is held again");
    let before: String = sqlx::query_scalar(
        "SELECT before_json FROM audit_events WHERE action = 'access.set' AND target_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(staff)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(before.contains(r#""role":null"#), "audited from no access: {before}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn races_between_insiders_get_clear_answers_on_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    bounded(async {
        simultaneous_invitations_to_one_email(&app).await;
        deleting_a_role_while_clicks_grant_it(&app).await;
        a_click_waiting_for_a_bulk_removal_acts_on_what_it_left(&app).await;
    })
    .await;
    app.cleanup().await;
}
