//! Practices, clients and staff made straight in the database, for tests at size.

use super::*;

/// A practice with its admin, one staff member, one client and one custom role.
pub struct Practice {
    pub id: i64,
    pub admin: i64,
    pub staff: i64,
    pub client: i64,
    pub employee_role: i64,
    pub custom_role: i64,
}

/// Creates a [`Practice`] directly in the database; `tag` keeps emails unique.
pub async fn seed_practice(db: &Db, tag: &str) -> Practice {
    use app::domain::plans::Plan;
    use app::domain::roles::RoleKind;
    use app::platform::names::{DisplayName, EmailAddress};

    let name = |s: &str| DisplayName::parse(s, "name", 200).unwrap();
    let email = |s: &str| EmailAddress::parse(&format!("{s}.{tag}@example.com")).unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let admin = app::identity::users::ssr::create_user(&mut tx, &email("admin"), &name("Ada Admin"), None)
        .await
        .unwrap();
    let id = app::access::practices::create_practice(&mut tx, &name(&format!("Practice {tag}")), admin)
        .await
        .unwrap();
    let employee_role = app::access::practices::predefined_role_id(&mut tx, id, RoleKind::Employee)
        .await
        .unwrap();
    let staff = app::identity::users::ssr::create_user(&mut tx, &email("staff"), &name("Sam Staff"), None)
        .await
        .unwrap();
    app::access::members::add_member(&mut tx, id, staff, employee_role, false)
        .await
        .unwrap();
    let custom_role = app::practice::roles::ssr::create_custom_role(
        &mut tx,
        id,
        &name("Bookkeeper"),
        &[app::domain::permissions::Permission::ExpensesList],
    )
    .await
    .unwrap();
    app::partner::clients::ssr::insert_clients(&mut tx, id, &[(format!("Acme {tag} Ltd"), Plan::PracticeEdition)])
        .await
        .unwrap();
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Practice {
        id,
        admin,
        staff,
        client,
        employee_role,
        custom_role,
    }
}

/// Adds `n` clients on the Small plan, named `<prefix> 00000` onwards, directly in the
/// database (one statement: the size tests seed 10,000).
pub async fn seed_clients(app: &TestApp, practice_id: i64, prefix: &str, n: usize) {
    let clients: Vec<(String, app::domain::plans::Plan)> = (0..n)
        .map(|i| (format!("{prefix} {i:05}"), app::domain::plans::Plan::Small))
        .collect();
    let mut tx = app.db.begin_write().await.unwrap();
    app::partner::clients::ssr::insert_clients(&mut tx, practice_id, &clients)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Adds an active staff member (Employee, no password) to the practice, directly in the
/// database; returns their user id.
pub async fn seed_staff(app: &TestApp, practice_id: i64, tag: &str) -> i64 {
    use app::platform::names::{DisplayName, EmailAddress};
    let mut tx = app.db.begin_write().await.unwrap();
    let email = EmailAddress::parse(&format!("staff.{tag}@example.com")).unwrap();
    let name = DisplayName::parse("Sam Staff", "name", 200).unwrap();
    let user = app::identity::users::ssr::create_user(&mut tx, &email, &name, None)
        .await
        .unwrap();
    let role = app::access::practices::predefined_role_id(&mut tx, practice_id, app::domain::roles::RoleKind::Employee)
        .await
        .unwrap();
    app::access::members::add_member(&mut tx, practice_id, user, role, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    user
}

/// `name` at `email` accepts an invitation to the admin's practice with `role`: their
/// signed-in client and user id.
pub async fn join(app: &TestApp, admin: &Admin, name: &str, email: &str, role: i64) -> (Client, i64) {
    let token = app.invite_and_read_link(admin, name, email, role).await;
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (who, id)
}
