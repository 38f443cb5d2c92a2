//! The inside doors: what a signed-in member with some rights can reach. A manager who is
//! not an Admin never changes an Admin's access, whichever way they try.

use super::*;
use crate::helpers::Client;

/// A practice with an Admin who holds a role on one client, and a manager (users.manage,
/// expenses.list) with a role of their own to give ("Clerk": expenses.list).
struct Setup {
    admin: Admin,
    manager: Client,
    client: i64,
    clerk: i64,
    colleague: i64,
}

async fn setup(app: &TestApp, tag: &str) -> Setup {
    let admin = app.sign_up(tag).await;
    let (manager, _, _) = super::grants::office_manager(app, &admin, tag).await;
    let clerk = create_role(app, &admin, "Clerk", &["expenses.list"]).await;
    let (status, body) = app
        .call(
            &admin.client,
            "add_client",
            &[("name", "Admin's Client Ltd"), ("plan", "small")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(admin.practice_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let colleague = crate::helpers::seed_staff(app, admin.practice_id, tag).await;
    let (status, body) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &admin.user_id.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &clerk.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    Setup {
        admin,
        manager,
        client,
        clerk,
        colleague,
    }
}

/// The Admin's grants, as (client, role).
async fn admins_access(app: &TestApp, s: &Setup) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT client_id, role_id FROM client_assignments WHERE user_id = $1 ORDER BY client_id")
        .bind(s.admin.user_id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

/// Refused with 403 and the one rule's words.
fn refused(status: reqwest::StatusCode, body: &serde_json::Value, path: &str) {
    assert_eq!(status, 403, "{path}: {body}");
    assert!(
        body.to_string().contains("Only an Admin can change an Admin"),
        "{path}: {body}"
    );
}

async fn a_manager_cannot_change_an_admins_access_by_any_path(app: &TestApp) {
    let s = setup(app, "insider-admin").await;
    let before = admins_access(app, &s).await;
    let admin = s.admin.user_id.to_string();
    let client = s.client.to_string();
    let clerk = s.clerk.to_string();
    // One click: taking the access away, or changing it to a role the manager may give.
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &admin), ("client_id", &client)],
        )
        .await;
    refused(status, &body, "set_client_role without a role");
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &admin), ("client_id", &client), ("role_id", &clerk)],
        )
        .await;
    refused(status, &body, "set_client_role with a role");
    // A bulk action, previewed or applied.
    for name in ["preview_bulk", "apply_bulk"] {
        let (status, body) = app
            .call(&s.manager, name, &[("user_id", &admin), ("search", ""), ("plan", "")])
            .await;
        refused(status, &body, name);
    }
    // A copy onto the Admin, adding or replacing.
    let colleague = s.colleague.to_string();
    for mode in ["add", "replace"] {
        for name in ["preview_copy", "apply_copy"] {
            let (status, body) = app
                .call(
                    &s.manager,
                    name,
                    &[("user_id", &admin), ("from_user_id", &colleague), ("mode", mode)],
                )
                .await;
            refused(status, &body, &format!("{name} {mode}"));
        }
    }
    // An end date.
    let (status, body) = app
        .call(
            &s.manager,
            "set_access_end",
            &[("user_id", &admin), ("client_id", &client), ("ends_on", "2099-01-31")],
        )
        .await;
    refused(status, &body, "set_access_end");
    // The Admin's own bulk action on themself, undone by the manager.
    let (status, body) = app
        .call(
            &s.admin.client,
            "apply_bulk",
            &[("user_id", &admin), ("search", ""), ("plan", ""), ("role_id", &clerk)],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let batch = body["batch_id"].as_i64().unwrap();
    let (status, body) = app
        .call(&s.manager, "undo_bulk", &[("batch_id", &batch.to_string())])
        .await;
    refused(status, &body, "undo_bulk");
    assert_eq!(admins_access(app, &s).await, before, "the Admin's access is as it was");
    // The manager's matrix of the Admin says so and offers nothing; a colleague's offers.
    let (status, body) = app
        .call(
            &s.manager,
            "get_matrix",
            &[("user_id", &admin), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_eq!(
        body["read_only"], "Only an Admin can change an Admin's client access.",
        "{body}"
    );
    let (status, body) = app
        .call(
            &s.manager,
            "get_matrix",
            &[("user_id", &colleague), ("search", ""), ("plan", ""), ("page", "0")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert!(body["read_only"].is_null(), "{body}");
    // Another staff member's access stays the manager's to change.
    let (status, body) = app
        .call(
            &s.manager,
            "set_client_role",
            &[("user_id", &colleague), ("client_id", &client), ("role_id", &clerk)],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

/// The admin's second session, acting in client `client` (the first stays in the practice).
async fn acting_in_client(app: &TestApp, admin: &Admin, client: i64) -> Client {
    let (second, status, body) = app.sign_in(&admin.email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    crate::client_users::switch_to_client(app, &second, client).await;
    second
}

async fn an_acme_client(app: &TestApp, admin: &Admin) -> i64 {
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    let client = body.as_i64().unwrap();
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    crate::client_users::give(app, admin, admin.user_id, client, admin_role).await;
    client
}

async fn client_users_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM client_users cu JOIN users u ON u.id = cu.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn accepting(app: &TestApp, token: &str, who: &Client) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(who, "accept_invitation", &[("token", token), ("password", PASSWORD)])
        .await
}

/// Nobody is both practice staff and one of its clients' own users, whatever the order of
/// the invitations: each is checked when it is sent and again when it is accepted.
async fn invitations_check_who_may_be_what_again_when_accepted(app: &TestApp) {
    let admin = app.sign_up("accept-recheck").await;
    let acme = an_acme_client(app, &admin).await;
    let in_acme = acting_in_client(app, &admin, acme).await;
    let employee = app.role_id(admin.practice_id, "Employee").await;

    // Sam is invited to Acme, then joins the practice's staff, then accepts Acme's link.
    let acme_link = crate::client_users::invite(app, &in_acme, "Sam Staff", "sam.recheck@example.com", employee).await;
    let (sam, _) = crate::helpers::join(app, &admin, "Sam Staff", "sam.recheck@example.com", employee).await;
    let (status, body) = accepting(app, &acme_link, &sam).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("given by the practice"), "{body}");
    assert_eq!(client_users_of(app, "sam.recheck@example.com").await, 0);

    // Cleo is one of Acme's own users: the practice cannot invite her to its staff...
    let link = crate::client_users::invite(app, &in_acme, "Cleo Client", "cleo.recheck@example.com", employee).await;
    crate::client_users::accept(app, &link).await;
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Cleo Client"),
                ("email", "cleo.recheck@example.com"),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("own users"), "{body}");
    // ...and a practice invitation sent before she became one is refused when accepted.
    let practice_link = app
        .invite_and_read_link(&admin, "Dan Dual", "dan.recheck@example.com", employee)
        .await;
    let link = crate::client_users::invite(app, &in_acme, "Dan Dual", "dan.recheck@example.com", employee).await;
    let dan = crate::client_users::accept(app, &link).await;
    let (status, body) = accepting(app, &practice_link, &dan).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("own users"), "{body}");
    let staff: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM practice_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'dan.recheck@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(staff, 0, "Dan did not join the staff");
}

/// A client's own user sends invitations from the client's allowance: resending until
/// refused leaves the practice's own allowance whole.
async fn a_clients_user_draws_on_the_clients_invitation_allowance(app: &TestApp) {
    let admin = app.sign_up("client-allowance").await;
    let acme = an_acme_client(app, &admin).await;
    let in_acme = acting_in_client(app, &admin, acme).await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let link = crate::client_users::invite(app, &in_acme, "Owen Owner", "owen.allowance@example.com", admin_role).await;
    let owen = crate::client_users::accept(app, &link).await;
    let (status, body) = app
        .call(
            &owen,
            "invite_client_user",
            &[
                ("name", "Bea"),
                ("email", "bea.allowance@example.com"),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let invitation: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'bea.allowance@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let mut sent = 1;
    loop {
        let (status, body) = app
            .call(
                &owen,
                "resend_client_invitation",
                &[("invitation_id", &invitation.to_string())],
            )
            .await;
        if status == 429 {
            assert!(body.to_string().contains("Acme Ltd has sent"), "{body}");
            break;
        }
        assert!(status.is_success(), "{body}");
        sent += 1;
        assert!(sent <= 50, "never refused");
    }
    assert_eq!(sent, 20, "a client's allowance is 20 an hour");
    // The practice's allowance is its own.
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[
                ("name", "Nia New"),
                ("email", "nia.allowance@example.com"),
                ("role_id", &employee.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

/// What a client's user or a link's holder learns about people: nothing they could not
/// see already.
async fn no_enumeration_from_inside(app: &TestApp) {
    let admin = app.sign_up("no-enum").await;
    let acme = an_acme_client(app, &admin).await;
    let in_acme = acting_in_client(app, &admin, acme).await;
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let link = crate::client_users::invite(app, &in_acme, "Owen Owner", "owen.noenum@example.com", admin_role).await;
    let owen = crate::client_users::accept(app, &link).await;
    // Inviting the practice's staff from the client's side answers as any invitation does.
    let (_, colleague) = crate::helpers::join(app, &admin, "Cal Colleague", "cal.noenum@example.com", employee).await;
    let _ = colleague;
    let mut answers = Vec::new();
    for email in ["cal.noenum@example.com", "nobody.noenum@example.com"] {
        answers.push(
            app.call(
                &owen,
                "invite_client_user",
                &[
                    ("name", "Someone"),
                    ("email", email),
                    ("role_id", &employee.to_string()),
                ],
            )
            .await,
        );
    }
    assert!(answers[0].0.is_success(), "{:?}", answers[0]);
    assert_eq!(answers[0], answers[1], "staff or not, the same answer");

    // A used or revoked link answers as an unknown one: no name, email, role or practice.
    let (_, unknown) = app
        .call(&app.client(), "get_invitation", &[("token", &"0".repeat(64))])
        .await;
    let (status, used) = app.call(&app.client(), "get_invitation", &[("token", &link)]).await;
    assert_eq!(status, 404, "{used}");
    assert_eq!(used, unknown);
    let revoked = app
        .invite_and_read_link(&admin, "Rex Revoked", "rex.noenum@example.com", employee)
        .await;
    let invitation: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'rex.noenum@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .call(
            &admin.client,
            "revoke_invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.call(&app.client(), "get_invitation", &[("token", &revoked)]).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body, unknown);
    assert!(!body.to_string().contains("rex"), "{body}");
}

crate::on_both_backends!(
    a_manager_cannot_change_an_admins_access_by_any_path,
    no_enumeration_from_inside,
    invitations_check_who_may_be_what_again_when_accepted,
    a_clients_user_draws_on_the_clients_invitation_allowance,
);
