//! Settings → Sent email, for admins: with no SMTP server configured (the embedded default) this is
//! where an invitation link can be read and followed.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SentEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub created_at: i64,
    /// Attempts at sending so far; with `pending`, more than none reads "Retrying".
    pub attempts: i64,
    /// What the SMTP server (or the worker) said at the last failed attempt.
    pub last_error: Option<String>,
}

#[server(endpoint = "list_sent_email")]
pub async fn list_sent_email() -> Result<(bool, Vec<SentEmail>), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::list(&actor).await
}

/// Sends a failed message again (an Admin's, after an outage outlasted its retries): it is
/// retried as a new message would be, for another day or while its link is valid.
#[server(endpoint = "resend_email")]
pub async fn resend_email(email_id: i64) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    crate::platform::form_return::reply(ssr::resend(&actor, email_id).await, |_| {
        crate::platform::form_return::Notice::say("The message will be sent again.")
    })
}

fn status_label(m: &SentEmail) -> &'static str {
    use crate::platform::mail::MailStatus;
    match MailStatus::parse(&m.status).unwrap_or(MailStatus::Kept) {
        MailStatus::Pending if m.attempts > 0 => "Retrying",
        status => status.label(),
    }
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let resend = ServerAction::<ResendEmail>::new();
    let mail = Resource::new(move || resend.version().get(), |_| list_sent_email());
    let resend_error = crate::ui::forms::action_error(resend);
    view! {
        <Title text="Sent email"/>
        <h1>"Sent email"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || mail.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok((smtp, list)) => view! {
                    <p class="muted">{if smtp {
                        "Messages go out through the configured SMTP server; failed attempts are retried."
                    } else {
                        "No SMTP server is configured, so messages are kept here instead of being sent. Follow the links below to act on them."
                    }}</p>
                    <crate::ui::forms::FormError error=resend_error/>
                    {list.is_empty().then(|| view! { <p>"No email yet."</p> })}
                    {list.into_iter().map(|m| {
                        let label = status_label(&m);
                        let failed = m.status == "failed";
                        let error = m.last_error.clone().filter(|_| m.status != "sent");
                        let again = format!("Send again: {} to {}", m.subject, m.to);
                        view! {
                            <article class="card email" aria-label=format!("Email to {}: {}", m.to, m.subject)>
                                <h2>{m.subject.clone()}</h2>
                                <p class="muted">{format!("To {} · ", m.to)}<span class=format!("mail-status {}", label.to_lowercase().replace(' ', "-"))>{label}</span></p>
                                {error.map(|e| view! { <p class="mail-error">{format!("Last error: {e}")}</p> })}
                                {(failed && smtp).then(|| view! {
                                    <ActionForm action=resend>
                                        <input type="hidden" name="email_id" value=m.id/>
                                        <button type="submit" class="secondary" aria-label=again>"Send again"</button>
                                    </ActionForm>
                                })}
                                <pre class="email-body">{linkify(&m.body)}</pre>
                            </article>
                        }
                    }).collect_view()}
                }.into_any(),
            })}
        </Transition>
    }
}

/// Turns the lines of a plain-text body that are links into anchors.
fn linkify(body: &str) -> impl IntoView + use<> {
    body.lines()
        .map(|line| {
            let line = line.to_owned();
            if line.starts_with("http://") || line.starts_with("https://") {
                let href = line.clone();
                view! { <a href=href>{line}</a>"\n"}.into_any()
            } else {
                view! { {line}"\n" }.into_any()
            }
        })
        .collect_view()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::access::actor::PracticeActor;

    /// The practice's newest mail, and whether an SMTP server is configured.
    pub async fn list(actor: &PracticeActor) -> Result<(bool, Vec<SentEmail>), AppError> {
        let rows: Vec<SentEmail> = sqlx::query_as(
            r#"SELECT id, to_address AS "to", subject, body_text AS body, status, created_at, attempts, last_error
               FROM email_outbox WHERE practice_id = $1 ORDER BY id DESC LIMIT 100"#,
        )
        .bind(actor.practice_id)
        .fetch_all(actor.state.db.pool())
        .await?;
        let smtp = actor.state.config.smtp_url.is_some();
        // A kept link (no SMTP) is a way into the practice with the invitation's role: only
        // Admins, who may give any role, see it. A login link (a password or two-step
        // reset, an email to confirm) is a way into someone's login: it shows only on a
        // server for local use (`make run`), where there is no one else's login to take.
        let admin = actor.role_kind == crate::domain::roles::RoleKind::Admin;
        let local = actor.state.config.is_local();
        Ok((
            smtp,
            rows.into_iter()
                // With SMTP the invitee gets the link by mail (the stored body holds only a
                // placeholder; older mail held the link): an admin reading this page must not
                // be able to use it in their place.
                // What the mail server said (its name, its replies) is for Admins, who can
                // send the message again; others see that it is being retried, or failed.
                .map(|m| SentEmail {
                    body: shown_body(&m.body, smtp, admin, local),
                    last_error: m.last_error.filter(|_| admin),
                    ..m
                })
                .collect(),
        ))
    }

    /// Puts a failed message of the practice back in the queue: Admins only (the page shows
    /// every message of the practice); a message not failed, or another practice's, is not
    /// found.
    pub async fn resend(actor: &PracticeActor, email_id: i64) -> Result<(), AppError> {
        if actor.role_kind != crate::domain::roles::RoleKind::Admin {
            return Err(AppError::NotAllowed("Only an Admin can send a message again.".into()));
        }
        if actor.state.config.smtp_url.is_none() {
            return Err(AppError::Conflict(
                "No SMTP server is configured: messages are kept here, not sent.".into(),
            ));
        }
        let t = crate::platform::db::now();
        let queued = crate::access::write::Write::one(
            &actor.state.db,
            sqlx::query(
                r#"UPDATE email_outbox SET status = $1, attempts = 0, next_attempt_at = $2, retry_until = $3,
                          claimed_until = NULL
                   WHERE id = $4 AND practice_id = $5 AND status = $6"#,
            )
            .bind(crate::platform::mail::MailStatus::Pending.as_str())
            .bind(t)
            .bind(t + crate::platform::mail::worker::OTHER_MAIL_SECS)
            .bind(email_id)
            .bind(actor.practice_id)
            .bind(crate::platform::mail::MailStatus::Failed.as_str()),
        )
        .await?
        .rows_affected();
        if queued != 1 {
            return Err(AppError::NotFound(
                "No failed message of this practice has that id.".into(),
            ));
        }
        actor.state.outbox.0.notify_one();
        Ok(())
    }

    /// What the page shows of a message's body: with SMTP no link (the recipient gets it by
    /// mail); without, invitation links to Admins only, and login links only on a server
    /// for local use.
    pub fn shown_body(body: &str, smtp: bool, admin: bool, local: bool) -> String {
        let body = body.replace(crate::platform::mail::LINK_PLACEHOLDER, "(link hidden)");
        let body = if smtp || !admin || !local {
            hide_login_link_tokens(&body)
        } else {
            body
        };
        if smtp || !admin { hide_links(&body) } else { body }
    }

    /// `…/invite/<token>` becomes `…/invite/(link hidden)`, and so does every login link.
    pub fn hide_links(body: &str) -> String {
        hide_login_link_tokens(&hide_after(body, "/invite/"))
    }

    /// Every login link's token hidden (`/two-step-reset/`, `/reset-password/`,
    /// `/confirm-email/`).
    pub fn hide_login_link_tokens(body: &str) -> String {
        let mut body = body.to_owned();
        for purpose in crate::platform::mail::LoginPurpose::ALL {
            body = hide_after(&body, &format!("/{}/", purpose.path()));
        }
        body
    }

    fn hide_after(body: &str, marker: &str) -> String {
        let mut out = String::with_capacity(body.len());
        let mut rest = body;
        while let Some(at) = rest.find(marker) {
            let (before, after) = rest.split_at(at + marker.len());
            out.push_str(before);
            let token_len = after.chars().take_while(char::is_ascii_hexdigit).count();
            if token_len > 0 {
                out.push_str("(link hidden)");
            }
            rest = &after[token_len..];
        }
        out.push_str(rest);
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn login_links_show_only_to_an_admin_of_a_local_server_without_smtp() {
            let body = "Invite: http://x/invite/ab12 Reset: http://x/reset-password/cd34";
            let shown = |smtp, admin, local| super::shown_body(body, smtp, admin, local);
            assert_eq!(shown(false, true, true), body);
            assert_eq!(
                shown(false, true, false),
                "Invite: http://x/invite/ab12 Reset: http://x/reset-password/(link hidden)"
            );
            for (smtp, admin) in [(true, true), (false, false)] {
                assert_eq!(
                    shown(smtp, admin, true),
                    "Invite: http://x/invite/(link hidden) Reset: http://x/reset-password/(link hidden)"
                );
            }
        }

        #[test]
        fn invitation_links_are_hidden() {
            assert_eq!(
                super::hide_links("Accept here:\nhttp://x/invite/abc123ef\nThanks /invite/ x"),
                "Accept here:\nhttp://x/invite/(link hidden)\nThanks /invite/ x"
            );
            assert_eq!(
                super::hide_links("Reset: http://x/reset-password/0f0f and http://x/two-step-reset/abc"),
                "Reset: http://x/reset-password/(link hidden) and http://x/two-step-reset/(link hidden)"
            );
        }
    }
}
