//! Outgoing email through a database outbox.
//!
//! A message is written to `email_outbox` in the same transaction as what caused it (an
//! invitation), so it is never lost and never sent for a change that rolled back. A worker
//! in every app server ([`worker`]) claims due messages with a lease and sends them over
//! SMTP, retrying with back-off; without `SMTP_URL` messages are kept for admins to read
//! in the app (the practice's Sent email page).

#[cfg(feature = "ssr")]
use std::sync::Arc;

#[cfg(feature = "ssr")]
use sqlx::AnyConnection;

#[cfg(feature = "ssr")]
use crate::platform::db::now;

#[cfg(feature = "ssr")]
pub mod worker;

/// Stands in a message's body for its link until the worker sends it.
pub const LINK_PLACEHOLDER: &str = "{{invitation_link}}";

/// What a message's link opens; the worker issues its token as it sends the message and
/// writes the link over [`LINK_PLACEHOLDER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkTo {
    /// `/invite/<token>`, for a pending invitation.
    Invitation(i64),
    /// `/signup/confirm/<token>`, for an unconfirmed sign-up request.
    SignUp(i64),
}

pub struct OutgoingEmail<'a> {
    pub practice_id: Option<i64>,
    /// The link the worker issues as it sends (SMTP only; kept mail carries its link).
    pub link: Option<LinkTo>,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Queues a message inside the caller's transaction.
#[cfg(feature = "ssr")]
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
        r#"INSERT INTO email_outbox (practice_id, to_address, subject, body_text, body_html, status, attempts, next_attempt_at, created_at, invitation_id, sign_up_request_id)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8, $9) RETURNING id"#,
    )
    .bind(email.practice_id)
    .bind(email.to)
    .bind(email.subject)
    .bind(email.text)
    .bind(email.html)
    .bind(status.as_str())
    .bind(now())
    .bind(match email.link {
        Some(LinkTo::Invitation(id)) => Some(id),
        _ => None,
    })
    .bind(match email.link {
        Some(LinkTo::SignUp(id)) => Some(id),
        _ => None,
    })
    .fetch_one(conn)
    .await
}

/// Escapes text for HTML bodies.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Where a message in the outbox stands (`email_outbox.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailStatus {
    /// Waiting for the worker to send it over SMTP.
    Pending,
    /// No SMTP server is configured: kept for this page.
    Kept,
    Sent,
    /// Gave up after the last retry.
    Failed,
}

impl MailStatus {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Kept => "kept",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Kept, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Sent => "Sent",
            Self::Pending => "Waiting to send",
            Self::Failed => "Failed",
            Self::Kept => "Kept here (no SMTP server)",
        }
    }
}

/// Wakes the worker early when this process queued something.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct OutboxSignal(pub Arc<tokio::sync::Notify>);
