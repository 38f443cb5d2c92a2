//! Settings → Sent email, for admins: with no SMTP server configured (the embedded default) this is
//! where an invitation link can be read and followed.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub created_at: i64,
}

#[server(endpoint = "list_sent_email")]
pub async fn list_sent_email() -> Result<(bool, Vec<SentEmail>), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::list(&actor).await
}

fn status_label(status: &str) -> &'static str {
    use crate::platform::mail::MailStatus;
    MailStatus::parse(status).unwrap_or(MailStatus::Kept).label()
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| list_sent_email());
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
                    {list.is_empty().then(|| view! { <p>"No email yet."</p> })}
                    {list.into_iter().map(|m| view! {
                        <article class="card email" aria-label=format!("Email to {}: {}", m.to, m.subject)>
                            <h2>{m.subject.clone()}</h2>
                            <p class="muted">{format!("To {} · {}", m.to, status_label(&m.status))}</p>
                            <pre class="email-body">{linkify(&m.body)}</pre>
                        </article>
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
        let rows: Vec<(i64, String, String, String, String, i64)> = sqlx::query_as(
            r#"SELECT id, to_address, subject, body_text, status, created_at FROM email_outbox
               WHERE practice_id = $1 ORDER BY id DESC LIMIT 100"#,
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
                .map(|(id, to, subject, body, status, created_at)| SentEmail {
                    id,
                    to,
                    subject,
                    // With SMTP the invitee gets the link by mail (the stored body holds only a
                    // placeholder; older mail held the link): an admin reading this page must
                    // not be able to use it in their place.
                    body: shown_body(&body, smtp, admin, local),
                    status,
                    created_at,
                })
                .collect(),
        ))
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
