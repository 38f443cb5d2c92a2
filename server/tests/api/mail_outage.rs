//! Mail is not lost to an SMTP outage. A message is retried, backing off to at most ten
//! minutes between attempts, for as long as what it carries is valid (an invitation: its
//! seven days); meanwhile the Sent email page says "Retrying" with the last error; past
//! that it is failed, and an Admin can send it again. The clock is the test's own: the
//! outbox pass runs at chosen times, so half an hour of outage passes at once (the app's
//! own worker, on the real clock, sends to the same dead server and changes nothing).

use app::platform::mail::worker::{MAX_BACKOFF_SECS, Smtp, send_due_at};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::smtp_sink::SmtpSink;

const FROM: &str = "Practice Access <noreply@example.com>";

/// An SMTP address where nothing listens (the discard port).
const DOWN: &str = "smtp://127.0.0.1:9";

#[derive(sqlx::FromRow, Debug)]
struct Row {
    id: i64,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: i64,
    claimed_until: Option<i64>,
}

/// The newest message to `to` as the Sent email page lists it to `who` (null when absent).
async fn listed_to(app: &TestApp, who: &crate::helpers::Client, to: &str) -> Value {
    let (_, listed) = app.call(who, "list_sent_email", &[]).await;
    listed[1]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == to)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn newest_to(app: &TestApp, to: &str) -> Row {
    sqlx::query_as(
        "SELECT id, status, attempts, last_error, next_attempt_at, claimed_until FROM email_outbox
         WHERE to_address = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

async fn invite(app: &TestApp, admin: &crate::helpers::Admin, email: &str) {
    let employee = app.role_id(admin.practice_id, "Employee").await;
    let (status, body) = app
        .call(
            &admin.client,
            "invite_user",
            &[("name", "Olive"), ("email", email), ("role_id", &employee.to_string())],
        )
        .await;
    assert!(status.is_success(), "{body}");
}

/// Runs outbox passes on the test's clock from `from` until `until`, each when the message
/// is next due; answers the clock of the last pass and the waits between passes.
async fn outage(app: &TestApp, down: &Smtp, to: &str, from: i64, until: i64) -> (i64, Vec<i64>) {
    let mut t = from;
    let mut waits = Vec::new();
    while t < until {
        let row = newest_to(app, to).await;
        assert_eq!(row.status, "pending", "still being retried at +{} s: {row:?}", t - from);
        // When it is next due (or the app's own worker's lease has run out).
        let due = row
            .next_attempt_at
            .max(row.claimed_until.map_or(0, |c| c + 1))
            .max(t + 1);
        if row.attempts > 0 {
            waits.push(row.next_attempt_at - t);
        }
        t = due;
        send_due_at(&app.db, down, &app.address, t).await.unwrap();
    }
    (t, waits)
}

async fn an_outage_longer_than_the_old_retries_loses_no_invitation(app: &TestApp) {
    let admin = app.sign_up("outage").await;
    invite(app, &admin, "olive@example.com").await;
    let down = Smtp::new(DOWN, FROM).unwrap();
    let start = app::platform::db::now();
    // Half an hour: the old worker gave up after eight attempts, about 21 minutes.
    let (t, waits) = outage(app, &down, "olive@example.com", start, start + 30 * 60).await;
    let row = newest_to(app, "olive@example.com").await;
    assert_eq!(row.status, "pending");
    assert!(row.attempts > 8, "more attempts than the old limit: {row:?}");
    assert!(
        waits.iter().all(|w| *w <= MAX_BACKOFF_SECS),
        "back-off capped at ten minutes: {waits:?}"
    );
    assert!(
        waits.contains(&MAX_BACKOFF_SECS),
        "the back-off reaches its cap: {waits:?}"
    );
    let error = row.last_error.clone().expect("the last error is kept");
    assert!(!error.is_empty());

    // The Sent email page says it is being retried, and why.
    let mail = listed_to(app, &admin.client, "olive@example.com").await;
    assert_eq!(mail["status"], "pending", "{mail}");
    assert!(mail["attempts"].as_i64().unwrap() > 8, "{mail}");
    assert_eq!(mail["last_error"], error.as_str());
    let page = app.get_text(&admin.client, "/outbox").await;
    assert!(page.contains("Retrying"), "{page}");
    assert!(page.contains("Last error: "), "{page}");
    // A manager who is not an Admin sees that it is retried, not what the server said.
    let manager_role = crate::manage_users::create_role(app, &admin, "Mail manager", &["users.manage"]).await;
    let manager_id = crate::helpers::seed_staff(app, admin.practice_id, "outage-manager").await;
    let hash = app::identity::password::hash(crate::helpers::PASSWORD.to_owned())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash.0)
        .bind(manager_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE practice_members SET role_id = $1 WHERE user_id = $2")
        .bind(manager_role)
        .bind(manager_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (manager, status, body) = app
        .sign_in("staff.outage-manager@example.com", crate::helpers::PASSWORD)
        .await;
    assert!(status.is_success(), "{body}");
    let seen = listed_to(app, &manager, "olive@example.com").await;
    assert_eq!(seen["attempts"], mail["attempts"], "{seen}");
    assert_eq!(seen["last_error"], Value::Null, "{seen}");
    let page = app.get_text(&manager, "/outbox").await;
    assert!(page.contains("Retrying"), "{page}");
    assert!(!page.contains("Last error: "), "{page}");

    // The server comes back: the next pass delivers it, with a link that works.
    let sink = SmtpSink::start().await;
    let up = Smtp::new(&sink.url(), FROM).unwrap();
    let due = newest_to(app, "olive@example.com").await.next_attempt_at.max(t + 1);
    assert_eq!(send_due_at(&app.db, &up, &app.address, due).await.unwrap(), 1);
    assert_eq!(newest_to(app, "olive@example.com").await.status, "sent");
    let message = sink.wait_for("olive@example.com", 0).await;
    let token = crate::helpers::invitation_token(&message.data);
    let (status, body) = app.call(&app.client(), "get_invitation", &[("token", &token)]).await;
    assert!(status.is_success(), "{body}");
}

/// Past what it carries (the invitation's end), a message is failed; an Admin sends it
/// again, and nobody else can, nor any message of another practice or one not failed.
async fn past_its_link_it_fails_and_an_admin_sends_it_again(app: &TestApp) {
    let admin = app.sign_up("outage-end").await;
    invite(app, &admin, "pat@example.com").await;
    let down = Smtp::new(DOWN, FROM).unwrap();
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM invitations WHERE email = 'pat@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // Retried up to the end of the invitation (days later, as long as it is valid) …
    let (t, _) = outage(
        app,
        &down,
        "pat@example.com",
        expires - 3 * MAX_BACKOFF_SECS,
        expires - MAX_BACKOFF_SECS,
    )
    .await;
    // … and not past it.
    let row = newest_to(app, "pat@example.com").await;
    if row.status == "pending" {
        send_due_at(&app.db, &down, &app.address, row.next_attempt_at.max(t + 1))
            .await
            .unwrap();
    }
    let row = newest_to(app, "pat@example.com").await;
    assert_eq!(row.status, "failed", "{row:?}");
    assert!(row.last_error.is_some());
    let page = app.get_text(&admin.client, "/outbox").await;
    assert!(page.contains("Failed"), "{page}");
    assert!(
        page.contains("Send again"),
        "an Admin is offered to send it again: {page}"
    );

    let id = row.id.to_string();
    let (status, _) = app.call(&app.client(), "resend_email", &[("email_id", &id)]).await;
    assert_eq!(status, 401, "not signed in");
    // (Members without Manage users are refused by the endpoint walk, `endpoints`.)
    let other = app.sign_up("outage-other").await;
    let (status, _) = app.call(&other.client, "resend_email", &[("email_id", &id)]).await;
    assert_eq!(status, 404, "another practice's message is not found");
    for garbage in ["", "x", "-1", "99999999999999999999"] {
        let (status, _) = app.call(&admin.client, "resend_email", &[("email_id", garbage)]).await;
        assert!(status == 400 || status == 404 || status == 422, "{garbage:?}: {status}");
    }
    let (status, body) = app.call(&admin.client, "resend_email", &[("email_id", &id)]).await;
    assert!(status.is_success(), "{body}");
    let row = newest_to(app, "pat@example.com").await;
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("pending", 0),
        "queued again: {row:?}"
    );
    let (status, _) = app.call(&admin.client, "resend_email", &[("email_id", &id)]).await;
    assert_eq!(status, 404, "only a failed message is sent again");
    // On the real clock the invitation is valid: the server, back, delivers it.
    let sink = SmtpSink::start().await;
    let up = Smtp::new(&sink.url(), FROM).unwrap();
    // (The app's own worker, woken by the resend, may try the dead server first: the test's
    // pass comes when the message is next due.)
    let mut delivered = 0;
    for _ in 0..5 {
        let row = newest_to(app, "pat@example.com").await;
        let t = app::platform::db::now()
            .max(row.next_attempt_at)
            .max(row.claimed_until.unwrap_or(0) + 1);
        delivered += send_due_at(&app.db, &up, &app.address, t).await.unwrap();
        if delivered > 0 {
            break;
        }
    }
    assert_eq!(delivered, 1);
    sink.wait_for("pat@example.com", 0).await;
}

/// A permanent refusal (an SMTP 5xx: no such mailbox) is not retried: failed at once,
/// with what the server said.
async fn a_permanent_refusal_is_not_retried(app: &TestApp) {
    let admin = app.sign_up("outage-permanent").await;
    invite(app, &admin, "no-such-mailbox@example.com").await;
    let sink = SmtpSink::start().await;
    let up = Smtp::new(&sink.url(), FROM).unwrap();
    // (The app's own worker, on the dead server, may hold it a moment: the test's pass
    // comes when it is next due.)
    for _ in 0..5 {
        let row = newest_to(app, "no-such-mailbox@example.com").await;
        if row.status != "pending" {
            break;
        }
        let t = app::platform::db::now()
            .max(row.next_attempt_at)
            .max(row.claimed_until.unwrap_or(0) + 1);
        send_due_at(&app.db, &up, &app.address, t).await.unwrap();
    }
    let row = newest_to(app, "no-such-mailbox@example.com").await;
    assert_eq!(row.status, "failed", "{row:?}");
    assert!(row.last_error.unwrap_or_default().contains("No such mailbox"));
}

crate::on_both_backends_with_smtp!(
    smtp_down, Some("smtp://127.0.0.1:9".to_owned());
    an_outage_longer_than_the_old_retries_loses_no_invitation,
    past_its_link_it_fails_and_an_admin_sends_it_again,
    a_permanent_refusal_is_not_retried,
);
