//! A client's own Manage users (Small, Medium, Large): client-side invitations, the line
//! between practice staff and client users, and what a move to Practice Edition does.

use serde_json::{Value, json};

use crate::helpers::{Admin, Client, PASSWORD, TestApp, invitation_token};

mod inviting;
mod plans;

/// A practice whose admin has Admin on a Small client and acts in it.
struct Setup {
    admin: Admin,
    client_id: i64,
    admin_role: i64,
    employee_role: i64,
}

async fn setup(app: &TestApp, tag: &str) -> Setup {
    let admin = app.sign_up(tag).await;
    let (status, body) = app
        .call(&admin.client, "add_client", &[("name", "Acme Ltd"), ("plan", "small")])
        .await;
    assert!(status.is_success(), "{body}");
    let client_id = body.as_i64().unwrap();
    let admin_role = app.role_id(admin.practice_id, "Admin").await;
    let employee_role = app.role_id(admin.practice_id, "Employee").await;
    give(app, &admin, admin.user_id, client_id, admin_role).await;
    switch_to_client(app, &admin.client, client_id).await;
    Setup {
        admin,
        client_id,
        admin_role,
        employee_role,
    }
}

pub(crate) async fn give(app: &TestApp, admin: &Admin, user: i64, client: i64, role: i64) {
    let (status, body) = app
        .call(
            &admin.client,
            "set_client_role",
            &[
                ("user_id", &user.to_string()),
                ("client_id", &client.to_string()),
                ("role_id", &role.to_string()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

pub(crate) async fn switch_to_client(app: &TestApp, who: &Client, client: i64) {
    let (status, body) = app
        .call(
            who,
            "switch_account",
            &[("kind", "client"), ("id", &client.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
}

/// Invites from the client's page and returns the emailed link's token.
pub(crate) async fn invite(app: &TestApp, who: &Client, name: &str, email: &str, role: i64) -> String {
    let seen = app.mail_count(email);
    let (status, body) = app
        .call(
            who,
            "invite_client_user",
            &[("name", name), ("email", email), ("role_id", &role.to_string())],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let message = app.smtp.as_ref().unwrap().wait_for(email, seen).await;
    invitation_token(&message.data)
}

pub(crate) async fn accept(app: &TestApp, token: &str) -> Client {
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    who
}

fn line<'a>(list: &'a Value, email: &str) -> &'a Value {
    list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email)
        .unwrap_or_else(|| panic!("{email} not in {list}"))
}

async fn switch_practice(app: &TestApp, admin: &Admin) {
    let (status, _) = app
        .call(
            &admin.client,
            "switch_account",
            &[("kind", "practice"), ("id", &admin.practice_id.to_string())],
        )
        .await;
    assert!(status.is_success() || status.is_redirection());
}
