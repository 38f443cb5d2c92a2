//! A forgotten password: "Forgot your password?" on the sign-in page asks for the email and
//! answers "Check your email" whatever it is (the same status, text and work: a login's
//! existence is never told); a login gets a link (single use, one hour) to "Choose a new
//! password". Setting it ends every session of the login and signs this browser in (with
//! the two-step code next when it is on). A deactivated member may reset: the memberships
//! decide what the login reaches, not the password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::platform::error::AppError;
use crate::ui::forms::{Field, FormError, action_error};

/// After a refused request without JavaScript, the email typed.
pub const KEPT: crate::platform::form_return::KeptForm = crate::platform::form_return::KeptForm::new("pa_reset_fields");

/// Emails a reset link to `email`'s login, if it has one; the same answer either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let requested = ssr::request(&state, &email)
        .await
        .map(|()| "/forgot-password/sent".to_owned());
    let next = crate::platform::form_return::keep_if_failed(KEPT, &[email.as_str()], requested)?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// Whether a reset link may still be used (`NotFound` when it was used, replaced, has
/// expired or never was: all answer the same).
#[server(endpoint = "get_password_reset")]
pub async fn get_password_reset(token: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::check(&state, &token).await
}

/// Sets a new password with a reset link, ends the login's sessions and signs in here.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let user_id = ssr::reset(&state, &token, password).await?;
    let next = crate::account::two_step::ssr::sign_in_or_challenge(&state, user_id, (None, None)).await?;
    leptos_axum::redirect(next);
    Ok(())
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    let [email] = crate::platform::form_return::kept_values(KEPT);
    view! {
        <Title text="Forgot your password?"/>
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p>"Enter the email you sign in with. If it has a login, we email it a link to choose a new password."</p>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="username" value=email autofocus=true/>
                <button type="submit" disabled=move || action.pending().get()>"Email me a link"</button>
            </ActionForm>
            <p><A href="/login">"Back to sign in"</A></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordSentPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="card narrow">
            <h1>"Check your email"</h1>
            <p>"If that email has a login, a link to choose a new password is on its way. It works once, for one hour."</p>
            <p class="muted">"Nothing there? Check the spam folder, or ask again in a few minutes."</p>
            <p><A href="/login">"Back to sign in"</A></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let link = Resource::new(token, get_password_reset);
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || link.get().map(|open| match open {
                    Err(_) => view! {
                        <h1>"This link is not valid"</h1>
                        <p>"It may have been used already, replaced by a newer one, or have expired (a link works for one hour). "
                            <A href="/forgot-password">"Ask for a new link"</A>"."</p>
                    }.into_any(),
                    Ok(()) => view! {
                        <h1>"Choose a new password"</h1>
                        <ActionForm action=action attr:novalidate="true">
                            <FormError error=error/>
                            <input type="hidden" name="token" value=token()/>
                            <Field label="New password" name="password" kind="password" error=error autocomplete="new-password" autofocus=true/>
                            <p class="hint">"At least 8 characters. Every place this login is signed in is signed out."</p>
                            <button type="submit" disabled=move || action.pending().get()>"Set new password"</button>
                        </ActionForm>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::access::write::{By, Write};
    use crate::domain::audit::{Event, Target};
    use crate::identity::login_links::{self, LinkState, Message, NewLink};
    use crate::identity::{password as pw, session::end_all_for_user, throttle};
    use crate::platform::error::AppError;
    use crate::platform::http::request::client_ip;
    use crate::platform::mail::{LoginPurpose, escape_html};
    use crate::platform::names::EmailAddress;
    use crate::platform::state::AppState;

    fn gone() -> AppError {
        AppError::NotFound("This link".into())
    }

    /// Asks for a reset of `email`'s login. The same answer, and the same work up to the
    /// message, for an email with a login and one without: the allowances are spent by the
    /// address and by the email typed, and a message is queued only for a login.
    pub async fn request(state: &AppState, email: &str) -> Result<(), AppError> {
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        let mut tx = Write::begin(&state.db, By::default()).await?;
        // The address first: a locked address does not spend anyone's email allowance.
        throttle::take_all(
            &mut tx,
            &[(
                &throttle::password_resets_by_address_key(&client_ip()),
                throttle::PASSWORD_RESETS_PER_ADDRESS,
            )],
        )
        .await?;
        throttle::take_all(
            &mut tx,
            &[(
                &throttle::password_resets_key(email.as_str()),
                throttle::PASSWORD_RESETS_PER_EMAIL,
            )],
        )
        .await?;
        let login: Option<(i64, String, Option<i64>)> = sqlx::query_as(
            r#"SELECT u.id, u.name,
                      (SELECT MIN(p.practice_id) FROM (SELECT practice_id FROM practice_members WHERE user_id = u.id
                                                       UNION SELECT practice_id FROM client_users WHERE user_id = u.id) p)
               FROM users u WHERE u.email = $1"#,
        )
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((user_id, name, practice_id)) = login {
            login_links::send(
                &mut tx,
                state,
                NewLink {
                    purpose: LoginPurpose::PasswordReset,
                    user_id,
                    to: email.as_str(),
                    new_email: None,
                    // Kept mail (no SMTP, local use) shows on that practice's Sent email page.
                    practice_id,
                    requested_by: None,
                },
                |link| Message {
                    subject: "Choose a new password for Practice Access".to_owned(),
                    text: format!(
                        "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your Practice Access login.\n\
                         Choose a new password here:\n{link}\n\n\
                         The link works once and expires in one hour. If you did not ask, ignore this email: \
                         your password stays as it is.\n"
                    ),
                    html: format!(
                        "<p>Hello {n},</p><p>Someone (we hope you) asked to reset the password of your Practice Access login.</p>\
                         <p><a href=\"{l}\">Choose a new password</a></p>\
                         <p>The link works once and expires in one hour. If you did not ask, ignore this email: \
                         your password stays as it is.</p>",
                        n = escape_html(&name),
                        l = escape_html(link),
                    ),
                },
            )
            .await?;
        }
        tx.commit().await?;
        state.outbox.0.notify_one();
        Ok(())
    }

    pub async fn check(state: &AppState, token: &str) -> Result<(), AppError> {
        let mut conn = state.db.pool().acquire().await?;
        match login_links::state(&mut conn, LoginPurpose::PasswordReset, token).await? {
            LinkState::Open => Ok(()),
            LinkState::Gone => Err(gone()),
        }
    }

    /// Sets the password of the login behind the link `token`; ends its sessions and its
    /// sign-ins waiting for a code; on record in each practice the login belongs to.
    /// Returns the login.
    pub async fn reset(state: &AppState, token: &str, password: String) -> Result<i64, AppError> {
        // The rule first: a weak password does not spend the link.
        pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;
        check(state, token).await?;
        let hash = pw::hash(password).await?;
        let mut tx = Write::begin(&state.db, By::default()).await?;
        let used = login_links::take(&mut tx, LoginPurpose::PasswordReset, token)
            .await?
            .ok_or_else(gone)?;
        let email: String = sqlx::query_scalar(r#"UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING email"#)
            .bind(&hash.0)
            .bind(used.user_id)
            .fetch_one(&mut *tx)
            .await?;
        end_all_for_user(&mut tx, used.user_id).await?;
        sqlx::query(r#"DELETE FROM sign_in_challenges WHERE user_id = $1"#)
            .bind(used.user_id)
            .execute(&mut *tx)
            .await?;
        tx.record_about_login(
            Some(used.user_id),
            Some(used.user_id),
            Event::PasswordReset {
                user: Target::user(used.user_id, &email),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(used.user_id)
    }
}
