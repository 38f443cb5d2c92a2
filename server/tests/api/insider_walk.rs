//! The registry walked from inside (see `endpoints`): every endpoint that names a person
//! (`user_id`, `from_user_id`) or a change to a person's access (`batch_id`) is called by
//! a manager who is not an Admin against an Admin, and by a client's own user against the
//! practice's staff. Each states its answer here, so a new endpoint must state its rule.

use reqwest::StatusCode;

use crate::endpoints::{Door, Ids, call, case, fingerprint, registered};
use crate::helpers::{Client, PASSWORD, TestApp, join};
use crate::manage_users::create_role;

/// What an insider gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// Refused: only an Admin acts on an Admin (403), nothing changed.
    Refused,
    /// Read only, and allowed: seeing is not changing (200).
    Shown,
    /// Not the caller's to find (404): the person is not what the endpoint acts on.
    NotFound,
}

/// A manager (Manage users, not an Admin) calling `name` with an Admin as the person.
fn manager_against_an_admin(name: &str) -> Option<Answer> {
    use Answer::*;
    Some(match name {
        "set_client_role" | "set_access_end" | "preview_bulk" | "apply_bulk" | "undo_bulk" | "preview_copy"
        | "apply_copy" => Refused,
        "change_member_role"
        | "set_member_active"
        | "transfer_main_user"
        | "reset_two_step"
        | "preview_offboarding"
        | "offboard_member" => Refused,
        "get_matrix" | "matrix_version" | "get_leaver_report" => Shown,
        // A client's own user on the client's staff page: an Admin of the practice is not one.
        "set_own_user_active" => NotFound,
        // The client side's endpoints: a practice's staff member is never a client's user.
        "change_client_user_role" | "set_client_user_active" => NotFound,
        _ => return None,
    })
}

fn names_a_person(form: &[(&'static str, String)]) -> bool {
    form.iter()
        .any(|(k, _)| ["user_id", "from_user_id", "batch_id"].contains(k))
}

fn expect(status: StatusCode, answer: Answer) -> bool {
    match answer {
        Answer::Refused => status == 403,
        Answer::Shown => status.is_success(),
        Answer::NotFound => [403, 404].contains(&status.as_u16()),
    }
}

async fn every_endpoint_naming_a_person_keeps_insiders_inside_their_rights(app: &TestApp) {
    let ada = app.sign_up("insider-walk").await;
    let admin_role = app.role_id(ada.practice_id, "Admin").await;
    let employee = app.role_id(ada.practice_id, "Employee").await;
    let manager_role = create_role(app, &ada, "Office manager", &["users.manage", "expenses.list"]).await;
    let role = create_role(app, &ada, "Clerk", &["expenses.list"]).await;
    let (_, abe) = join(app, &ada, "Abe Admin", "abe.insider@example.com", admin_role).await;
    let (manager, _) = join(app, &ada, "Mo Manager", "mo.insider@example.com", manager_role).await;
    let (_, eli) = join(app, &ada, "Eli Employee", "eli.insider@example.com", employee).await;
    let (_, client) = app
        .call(
            &ada.client,
            "add_client",
            &[("name", "Acme Insider Ltd"), ("plan", "small")],
        )
        .await;
    let client = client.as_i64().unwrap();
    // Abe holds the Clerk role on the client, and a bulk action of Ada's on Abe to undo.
    crate::client_users::give(app, &ada, abe, client, role).await;
    let (_, batch) = app
        .call(
            &ada.client,
            "apply_bulk",
            &[
                ("user_id", &abe.to_string()),
                ("role_id", &role.to_string()),
                ("search", ""),
                ("plan", ""),
            ],
        )
        .await;
    let batch = batch["batch_id"].as_i64().unwrap_or(0);
    // Owen: one of the client's own users, its Admin there.
    crate::client_users::give(app, &ada, ada.user_id, client, admin_role).await;
    let (in_client, status, _) = app.sign_in(&ada.email, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection());
    crate::client_users::switch_to_client(app, &in_client, client).await;
    let link = crate::client_users::invite(app, &in_client, "Owen Owner", "owen.insider@example.com", admin_role).await;
    let owen: Client = crate::client_users::accept(app, &link).await;

    let against_abe = Ids {
        staff: abe.to_string(),
        client: client.to_string(),
        role: role.to_string(),
        invitation: "0".into(),
        batch: batch.to_string(),
        email: "0".into(),
        request: "0".into(),
    };
    let against_eli = Ids {
        staff: eli.to_string(),
        ..against_abe_clone(&against_abe)
    };
    let mut walked = 0;
    for name in registered() {
        let Some(mut c) = case(&name, &against_abe) else {
            continue;
        };
        if !names_a_person(&c.form) || c.door == Door::Public {
            continue;
        }
        // A copy onto the Admin comes from someone else.
        for (k, v) in c.form.iter_mut() {
            if *k == "from_user_id" {
                *v = eli.to_string();
            }
        }
        let answer = manager_against_an_admin(&name)
            .unwrap_or_else(|| panic!("{name} names a person: state what a manager gets against an Admin"));
        walked += 1;
        let before = fingerprint(app, ada.practice_id).await;
        let (status, body) = call(app, &manager, &name, &c.form).await;
        assert!(
            expect(status, answer),
            "manager against an Admin, {name}: {status} {body} (expected {answer:?})"
        );
        if answer != Answer::Shown {
            assert_eq!(
                before,
                fingerprint(app, ada.practice_id).await,
                "{name} changed something"
            );
        }
        // A client's own user against the practice's staff: never theirs to act on.
        let c = case(&name, &against_eli).unwrap();
        let before = fingerprint(app, ada.practice_id).await;
        let (status, body) = call(app, &owen, &name, &c.form).await;
        assert!(
            [403, 404].contains(&status.as_u16()),
            "a client's user against staff, {name}: {status} {body}"
        );
        assert_eq!(
            before,
            fingerprint(app, ada.practice_id).await,
            "{name} changed something"
        );
    }
    assert!(walked >= 18, "every endpoint naming a person was walked ({walked})");
}

fn against_abe_clone(ids: &Ids) -> Ids {
    Ids {
        staff: ids.staff.clone(),
        client: ids.client.clone(),
        role: ids.role.clone(),
        invitation: ids.invitation.clone(),
        batch: ids.batch.clone(),
        email: ids.email.clone(),
        request: ids.request.clone(),
    }
}

crate::on_both_backends!(every_endpoint_naming_a_person_keeps_insiders_inside_their_rights,);
