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
    /// A login link (`identity::login_links`): its path is its purpose's.
    Login(i64),
}

/// What a login link (`login_links.purpose`) is for, and where it opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginPurpose {
    /// An admin asked for the login's two-step sign-in to be reset (a lost phone).
    TwoStepReset,
    /// A forgotten password.
    PasswordReset,
    /// A new email address to confirm.
    EmailChange,
}

impl LoginPurpose {
    pub const ALL: [Self; 3] = [Self::TwoStepReset, Self::PasswordReset, Self::EmailChange];

    /// The value stored in `login_links.purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TwoStepReset => "two_step_reset",
            Self::PasswordReset => "password_reset",
            Self::EmailChange => "email_change",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// Where its link opens (`/<path>/<token>`).
    pub fn path(self) -> &'static str {
        match self {
            Self::TwoStepReset => "two-step-reset",
            Self::PasswordReset => "reset-password",
            Self::EmailChange => "confirm-email",
        }
    }

    /// How long its link lives, in seconds.
    pub fn lifetime(self) -> i64 {
        match self {
            Self::TwoStepReset => 24 * 3600,
            Self::PasswordReset => 3600,
            Self::EmailChange => 24 * 3600,
        }
    }
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
        r#"INSERT INTO email_outbox (practice_id, to_address, subject, body_text, body_html, status, attempts, next_attempt_at, created_at, invitation_id, sign_up_request_id, login_link_id)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8, $9, $10) RETURNING id"#,
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
    .bind(match email.link {
        Some(LinkTo::Login(id)) => Some(id),
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

#[cfg(test)]
mod login_purpose_tests {
    use super::LoginPurpose;

    #[test]
    fn each_purpose_reads_back_and_opens_its_own_page() {
        let mut paths = Vec::new();
        for p in LoginPurpose::ALL {
            assert_eq!(LoginPurpose::parse(p.as_str()), Some(p));
            assert!(p.lifetime() > 0 && p.lifetime() <= 24 * 3600);
            paths.push(p.path());
        }
        paths.dedup();
        assert_eq!(paths.len(), LoginPurpose::ALL.len());
        assert_eq!(LoginPurpose::parse("invitation"), None);
        assert_eq!(LoginPurpose::PasswordReset.lifetime(), 3600, "a reset lives an hour");
    }
}
