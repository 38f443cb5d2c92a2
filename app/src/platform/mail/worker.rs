//! The outbox worker: every app server claims due messages with a lease, issues their
//! links as they go out, and sends them over SMTP with retries and back-off, for as long
//! as what a message carries is valid: an SMTP outage delays mail, it does not lose it.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{LINK_PLACEHOLDER, LinkTo, MailStatus, OutboxSignal, escape_html};
use crate::platform::config::Config;
use crate::platform::db::{Db, now};
use crate::platform::tokens::{hash_token, new_token};

/// The longest wait between two attempts at one message.
pub const MAX_BACKOFF_SECS: i64 = 10 * 60;
/// How long mail without a link of its own is retried (as mail servers do).
pub const OTHER_MAIL_SECS: i64 = 24 * 3600;

/// The wait after the `attempts`-th failed attempt: 10 s, 20 s, 40 s … capped at
/// [`MAX_BACKOFF_SECS`].
pub fn backoff(attempts: i64) -> i64 {
    (10_i64 << (attempts.max(1) - 1).min(10)).min(MAX_BACKOFF_SECS)
}
/// How long a claimed message is reserved for the worker that claimed it.
const LEASE_SECS: i64 = 120;

/// Gives what `link` opens a fresh token as its email goes out and returns the link (only
/// the token's hash is stored); `None` when it is no longer open (an invitation accepted,
/// revoked or replaced; a sign-up confirmed). A retry issues another token: a link that
/// never reached anyone dies unseen.
async fn issue_link(db: &Db, link: LinkTo, base_url: &str, t: i64) -> Result<Option<String>, sqlx::Error> {
    let token = new_token();
    if let LinkTo::Login(id) = link {
        // A login link's path is its purpose's; one used or expired is no longer open.
        let purpose: Option<String> = sqlx::query_scalar(
            r#"UPDATE login_links SET token_hash = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $3
               RETURNING purpose"#,
        )
        .bind(hash_token(&token))
        .bind(id)
        .bind(t)
        .fetch_optional(db.pool())
        .await?;
        return Ok(purpose
            .and_then(|p| super::LoginPurpose::parse(&p))
            .map(|p| format!("{base_url}/{}/{token}", p.path())));
    }
    let (sql, id, path) = match link {
        LinkTo::Invitation(id) => (
            r#"UPDATE invitations SET token_hash = $1 WHERE id = $2 AND status = 'pending' AND expires_at > $3"#,
            id,
            "invite",
        ),
        LinkTo::SignUp(id) => (
            r#"UPDATE sign_up_requests SET token_hash = $1 WHERE id = $2 AND confirmed_at IS NULL AND expires_at > $3"#,
            id,
            "signup/confirm",
        ),
        LinkTo::Login(_) => unreachable!("answered above"),
    };
    let updated = sqlx::query(sql)
        .bind(hash_token(&token))
        .bind(id)
        .bind(t)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok((updated == 1).then(|| format!("{base_url}/{path}/{token}")))
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
    sign_up_request_id: Option<i64>,
    login_link_id: Option<i64>,
}

impl Claimed {
    fn link(&self) -> Option<LinkTo> {
        self.invitation_id
            .map(LinkTo::Invitation)
            .or(self.sign_up_request_id.map(LinkTo::SignUp))
            .or(self.login_link_id.map(LinkTo::Login))
    }
}

/// The SMTP server mail goes out through, and whom it is from.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// From `SMTP_URL` and `MAIL_FROM`; why not, when either is unusable.
    pub fn new(url: &str, mail_from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = mail_from
            .parse()
            .map_err(|e| format!("MAIL_FROM is not an address: {e}"))?;
        Ok(Self { transport, from })
    }
}

/// Runs forever: sends due messages, then sleeps until woken or a few seconds pass.
pub async fn run_worker(db: Db, config: Arc<Config>, signal: OutboxSignal) {
    let Some(url) = config.smtp_url.clone() else { return };
    let smtp = match Smtp::new(&url, &config.mail_from) {
        Ok(smtp) => smtp,
        Err(error) => {
            tracing::error!(%error, "email stays in the outbox");
            return;
        }
    };
    loop {
        match send_due(&db, &smtp, &config.app_base_url).await {
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
pub async fn send_due(db: &Db, smtp: &Smtp, base_url: &str) -> Result<usize, sqlx::Error> {
    send_due_at(db, smtp, base_url, now()).await
}

/// Until when a message is retried: while what it carries is valid (the end of the
/// invitation, sign-up or login link it carries), other mail [`OTHER_MAIL_SECS`] from when
/// it was queued or sent again.
async fn retry_deadline(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        r#"SELECT COALESCE(
                  (SELECT expires_at FROM invitations WHERE id = o.invitation_id),
                  (SELECT expires_at FROM sign_up_requests WHERE id = o.sign_up_request_id),
                  (SELECT expires_at FROM login_links WHERE id = o.login_link_id),
                  o.retry_until,
                  o.created_at + $2)
           FROM email_outbox o WHERE o.id = $1"#,
    )
    .bind(id)
    .bind(OTHER_MAIL_SECS)
    .fetch_one(db.pool())
    .await
}

/// [`send_due`] with the clock at `t` (a test moves it on without waiting).
pub async fn send_due_at(db: &Db, smtp: &Smtp, base_url: &str, t: i64) -> Result<usize, sqlx::Error> {
    // The lease condition is repeated outside the subquery so that, on PostgreSQL, a second
    // server racing for the same rows re-checks it after waiting for the first one's lock.
    // A writing statement: on SQLite it takes its turn at the write lock (Db::begin_write).
    let mut tx = db.begin_write().await?;
    let claimed: Vec<Claimed> = sqlx::query_as(
        r#"UPDATE email_outbox SET claimed_until = $1
           WHERE id IN (SELECT id FROM email_outbox
                        WHERE status = $3 AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2)
                        ORDER BY id LIMIT 10)
             AND status = $3 AND (claimed_until IS NULL OR claimed_until < $2)
           RETURNING id, to_address, subject, body_text, body_html, attempts, invitation_id, sign_up_request_id,
                     login_link_id"#,
    )
    .bind(t + LEASE_SECS)
    .bind(t)
    .bind(MailStatus::Pending.as_str())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut sent = 0;
    for mut message in claimed {
        if let Some(link) = message.link() {
            match issue_link(db, link, base_url, t).await? {
                Some(link) => {
                    message.body_text = message.body_text.replace(LINK_PLACEHOLDER, &link);
                    message.body_html = message.body_html.replace(LINK_PLACEHOLDER, &escape_html(&link));
                }
                None => {
                    // Closed before it went out: nothing to send.
                    db.execute_write(sqlx::query(
                        r#"UPDATE email_outbox SET status = $1, claimed_until = NULL, last_error = $2 WHERE id = $3"#,
                    )
                    .bind(MailStatus::Failed.as_str())
                    .bind("what its link opens was no longer open when this message was due")
                    .bind(message.id)
                    )
                    .await?;
                    continue;
                }
            }
        }
        match deliver(&smtp.transport, &smtp.from, &message).await {
            Ok(()) => {
                db.execute_write(sqlx::query(r#"UPDATE email_outbox SET status = $1, sent_at = $2, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = $3"#)
                    .bind(MailStatus::Sent.as_str())
                    .bind(t)
                    .bind(message.id)
                    )
                    .await?;
                sent += 1;
            }
            Err(Undelivered { error, permanent }) => {
                let attempts = message.attempts + 1;
                let next = t + backoff(attempts);
                // Retried while the next attempt still falls within what it carries; a
                // permanent refusal (an SMTP 5xx: no such mailbox, relaying denied, a
                // recipient that is no address) is not retried at all.
                let status = if !permanent && next < retry_deadline(db, message.id).await? {
                    MailStatus::Pending
                } else {
                    MailStatus::Failed
                };
                tracing::warn!(id = message.id, attempts, %error, "sending email failed");
                db.execute_write(sqlx::query(
                    // Only while this worker's lease holds: a failure that comes late (after
                    // another server took the message over) must not undo its outcome.
                    r#"UPDATE email_outbox SET status = $1, attempts = $2, next_attempt_at = $3, claimed_until = NULL, last_error = $4
                       WHERE id = $5 AND status = 'pending' AND claimed_until = $6"#,
                )
                .bind(status.as_str())
                .bind(attempts)
                .bind(next)
                .bind(error.chars().take(500).collect::<String>())
                .bind(message.id)
                .bind(t + LEASE_SECS)
                )
                .await?;
            }
        }
    }
    Ok(sent)
}

/// Why a message did not go: what was said, and whether trying again cannot help.
struct Undelivered {
    error: String,
    permanent: bool,
}

impl Undelivered {
    fn permanent(error: String) -> Self {
        Self { error, permanent: true }
    }
}

async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    message: &Claimed,
) -> Result<(), Undelivered> {
    let to: Mailbox = message
        .to_address
        .parse()
        .map_err(|e| Undelivered::permanent(format!("bad recipient: {e}")))?;
    let email = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            message.body_html.clone(),
        ))
        .map_err(|e| Undelivered::permanent(format!("cannot build message: {e}")))?;
    transport.send(email).await.map(|_| ()).map_err(|e| Undelivered {
        permanent: e.is_permanent(),
        error: e.to_string(),
    })
}
