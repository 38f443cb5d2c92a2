//! Outgoing email through a database outbox.
//!
//! A message is written to `email_outbox` in the same transaction as what caused it (an
//! invitation), so it is never lost and never sent for a change that rolled back. A worker
//! in every app server claims due messages with a lease and sends them over SMTP, retrying
//! with back-off; without `SMTP_URL` messages are kept for admins to read in the app.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyConnection;

use crate::platform::config::Config;
use crate::platform::db::{Db, now};
use crate::platform::outbox::MailStatus;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed message is reserved for the worker that claimed it.
const LEASE_SECS: i64 = 120;

/// Stands in an invitation email's body for its link until the worker sends it.
pub const LINK_PLACEHOLDER: &str = "{{invitation_link}}";

pub struct OutgoingEmail<'a> {
    pub practice_id: Option<i64>,
    /// An invitation whose link the worker issues and writes over [`LINK_PLACEHOLDER`]
    /// as it sends the message.
    pub invitation_id: Option<i64>,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Queues a message inside the caller's transaction.
pub async fn enqueue(
    conn: &mut AnyConnection,
    email: OutgoingEmail<'_>,
    smtp_configured: bool,
) -> Result<i64, sqlx::Error> {
    // Without SMTP there is nowhere to send: the message is kept for the outbox page.
    let status = if smtp_configured {
        MailStatus::Pending
    } else {
        MailStatus::Kept
    };
    sqlx::query_scalar(
        r#"INSERT INTO email_outbox (practice_id, to_address, subject, body_text, body_html, status, attempts, next_attempt_at, created_at, invitation_id)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8) RETURNING id"#,
    )
    .bind(email.practice_id)
    .bind(email.to)
    .bind(email.subject)
    .bind(email.text)
    .bind(email.html)
    .bind(status.as_str())
    .bind(now())
    .bind(email.invitation_id)
    .fetch_one(conn)
    .await
}

/// Gives a pending invitation a fresh token as its email goes out and returns the token
/// (only its hash is stored); `None` when the invitation is no longer pending. A retry
/// issues another: a link that never reached anyone dies unseen.
async fn issue_invitation_token(db: &Db, invitation_id: i64) -> Result<Option<String>, sqlx::Error> {
    let token = crate::identity::session::new_token();
    let updated = sqlx::query(r#"UPDATE invitations SET token_hash = $1 WHERE id = $2 AND status = 'pending'"#)
        .bind(crate::identity::session::hash_token(&token))
        .bind(invitation_id)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok((updated == 1).then_some(token))
}

/// Escapes text for HTML bodies.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    to_address: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
    invitation_id: Option<i64>,
}

/// Wakes the worker early when this process queued something.
#[derive(Clone, Debug, Default)]
pub struct OutboxSignal(pub Arc<tokio::sync::Notify>);

/// Runs forever: sends due messages, then sleeps until woken or a few seconds pass.
pub async fn run_worker(db: Db, config: Arc<Config>, signal: OutboxSignal) {
    let Some(url) = config.smtp_url.clone() else { return };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&url) {
        Ok(builder) => builder.timeout(Some(Duration::from_secs(20))).build(),
        Err(error) => {
            tracing::error!(%error, "SMTP_URL is not usable; email stays in the outbox");
            return;
        }
    };
    let from: Mailbox = match config.mail_from.parse() {
        Ok(m) => m,
        Err(error) => {
            tracing::error!(%error, "MAIL_FROM is not an address; email stays in the outbox");
            return;
        }
    };
    loop {
        match send_due(&db, &transport, &from, &config.app_base_url).await {
            Ok(sent) if sent > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "outbox pass failed"),
        }
        tokio::select! {
            _ = signal.0.notified() => {},
            _ = tokio::time::sleep(Duration::from_secs(3)) => {},
        }
    }
}

/// One pass: claim up to ten due messages and try each once. Returns how many were sent.
pub async fn send_due(
    db: &Db,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    base_url: &str,
) -> Result<usize, sqlx::Error> {
    let t = now();
    // The lease condition is repeated outside the subquery so that, on PostgreSQL, a second
    // server racing for the same rows re-checks it after waiting for the first one's lock.
    let claimed: Vec<Claimed> = sqlx::query_as(
        r#"UPDATE email_outbox SET claimed_until = $1
           WHERE id IN (SELECT id FROM email_outbox
                        WHERE status = $3 AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2)
                        ORDER BY id LIMIT 10)
             AND status = $3 AND (claimed_until IS NULL OR claimed_until < $2)
           RETURNING id, to_address, subject, body_text, body_html, attempts, invitation_id"#,
    )
    .bind(t + LEASE_SECS)
    .bind(t)
    .bind(MailStatus::Pending.as_str())
    .fetch_all(db.pool())
    .await?;
    let mut sent = 0;
    for mut message in claimed {
        if let Some(invitation) = message.invitation_id {
            match issue_invitation_token(db, invitation).await? {
                Some(token) => {
                    let link = format!("{base_url}/invite/{token}");
                    message.body_text = message.body_text.replace(LINK_PLACEHOLDER, &link);
                    message.body_html = message.body_html.replace(LINK_PLACEHOLDER, &escape_html(&link));
                }
                None => {
                    // Revoked, accepted or replaced before it went out: nothing to send.
                    sqlx::query(
                        r#"UPDATE email_outbox SET status = $1, claimed_until = NULL, last_error = $2 WHERE id = $3"#,
                    )
                    .bind(MailStatus::Failed.as_str())
                    .bind("the invitation was no longer pending when this message was due")
                    .bind(message.id)
                    .execute(db.pool())
                    .await?;
                    continue;
                }
            }
        }
        match deliver(transport, from, &message).await {
            Ok(()) => {
                sqlx::query(r#"UPDATE email_outbox SET status = $1, sent_at = $2, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = $3"#)
                    .bind(MailStatus::Sent.as_str())
                    .bind(now())
                    .bind(message.id)
                    .execute(db.pool())
                    .await?;
                sent += 1;
            }
            Err(error) => {
                let attempts = message.attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS {
                    MailStatus::Failed
                } else {
                    MailStatus::Pending
                };
                // Back-off: 10 s, 20 s, 40 s … capped at an hour.
                let delay = (10_i64 << (attempts - 1).min(9)).min(3600);
                tracing::warn!(id = message.id, attempts, %error, "sending email failed");
                sqlx::query(
                    r#"UPDATE email_outbox SET status = $1, attempts = $2, next_attempt_at = $3, claimed_until = NULL, last_error = $4 WHERE id = $5"#,
                )
                .bind(status.as_str())
                .bind(attempts)
                .bind(now() + delay)
                .bind(error.chars().take(500).collect::<String>())
                .bind(message.id)
                .execute(db.pool())
                .await?;
            }
        }
    }
    Ok(sent)
}

async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    message: &Claimed,
) -> Result<(), String> {
    let to: Mailbox = message.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
    let email = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            message.body_html.clone(),
        ))
        .map_err(|e| format!("cannot build message: {e}"))?;
    transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
}
