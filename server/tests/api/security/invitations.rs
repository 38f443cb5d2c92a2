//! Invitations from inside: who may be what is checked when an invitation is sent and
//! again when it is accepted; a client's own users spend their client's allowance and
//! learn nothing about the practice's staff; an invitation lives no longer than its
//! inviter's rights.

use super::insiders::{accepting, acting_in_client, an_acme_client, client_users_of, setup};
use super::*;

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

/// A deactivated inviter's pending invitations go with their rights, and an invitation
/// whose inviter can no longer give access is refused when accepted.
async fn an_invitation_lives_no_longer_than_its_inviters_rights(app: &TestApp) {
    let s = setup(app, "insider-inviter").await;
    let manager_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'manager.insider-inviter@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let clerk = s.clerk.to_string();
    let invite = |email: &'static str| {
        let (manager, clerk) = (&s.manager, &clerk);
        async move {
            let seen = app.mail_count(email);
            let (status, body) = app
                .call(
                    manager,
                    "invite_user",
                    &[("name", "Fay Friend"), ("email", email), ("role_id", clerk)],
                )
                .await;
            assert!(status.is_success(), "{body}");
            let mail = app.smtp.as_ref().unwrap().wait_for(email, seen).await;
            crate::helpers::invitation_token(&mail.data)
        }
    };
    let first = invite("fay.inviter@example.com").await;
    // Deactivating the manager revokes it.
    let (status, body) = app
        .call(
            &s.admin.client,
            "set_member_active",
            &[("user_id", &manager_id.to_string()), ("active", "false")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, _) = accepting(app, &first, &app.client()).await;
    assert_eq!(status, 409, "revoked with the inviter's rights");
    // However an inviter loses their standing, what they sent is checked when accepted.
    let (status, body) = app
        .call(
            &s.admin.client,
            "set_member_active",
            &[("user_id", &manager_id.to_string()), ("active", "true")],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (manager, _, _) = app.sign_in("manager.insider-inviter@example.com", PASSWORD).await;
    let seen = app.mail_count("gus.inviter@example.com");
    let (status, body) = app
        .call(
            &manager,
            "invite_user",
            &[
                ("name", "Gus"),
                ("email", "gus.inviter@example.com"),
                ("role_id", &clerk),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    let mail = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for("gus.inviter@example.com", seen)
        .await;
    let second = crate::helpers::invitation_token(&mail.data);
    sqlx::query("UPDATE practice_members SET status = 'deactivated' WHERE user_id = $1")
        .bind(manager_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = accepting(app, &second, &app.client()).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("can no longer give access"), "{body}");
}

crate::on_both_backends!(
    invitations_check_who_may_be_what_again_when_accepted,
    a_clients_user_draws_on_the_clients_invitation_allowance,
    no_enumeration_from_inside,
    an_invitation_lives_no_longer_than_its_inviters_rights,
);
