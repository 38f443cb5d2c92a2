//! Creating a practice account, confirmed by email.
//!
//! The form's answer never says whether the email already has a login: every sign-up is
//! held as a request and answered "Check your email"; the link in that email opens a page
//! that asks for the password (the one just chosen, or the existing login's, checked
//! through the sign-in throttle) and only then creates the practice, adding it to the
//! existing login when there is one. Without SMTP (local use) there is no mailbox to prove,
//! so the answer goes straight to the confirmation page, still the same for every email.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;
use crate::ui::forms::{Field, FormError, action_error};

/// Confirmation links expire after this many hours.
pub const VALID_HOURS: i64 = 24;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SignUpState {
    Open,
    Expired,
    /// Confirmed already, or never existed: both look the same.
    Invalid,
}

/// What the holder of a confirmation link sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignUpView {
    pub practice_name: String,
    pub email: String,
    pub state: SignUpState,
}

/// Starts a sign-up: answers the same whether or not `email` has a login.
/// After a refused sign-up without JavaScript, the practice name, name and email come back.
pub const KEPT: crate::platform::form_return::KeptForm =
    crate::platform::form_return::KeptForm::new("pa_sign_up_fields");

#[server(endpoint = "sign_up")]
pub async fn sign_up(practice_name: String, name: String, email: String, password: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let requested = ssr::request(&state, &practice_name, &name, &email, password).await;
    let fields = [practice_name.as_str(), name.as_str(), email.as_str()];
    let next = crate::platform::form_return::keep_if_failed(KEPT, &fields, requested)?;
    leptos_axum::redirect(&next);
    Ok(())
}

#[server(endpoint = "get_sign_up")]
pub async fn get_sign_up(token: String) -> Result<SignUpView, AppError> {
    let state = crate::platform::http::request::app_state()?;
    ssr::view_by_token(&state.db, &token).await
}

/// Creates the practice of the sign-up behind `token` once the password is given (and,
/// for an existing login with two-step sign-in, its `code`, checked before anything is
/// created); signs in.
#[server(endpoint = "confirm_sign_up")]
pub async fn confirm_sign_up(
    token: String,
    password: String,
    #[server(default)] code: Option<String>,
) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let (user_id, practice_id) = ssr::confirm(&state, &token, password, code.as_deref()).await?;
    // Every step of signing in is done: the session starts here.
    crate::identity::session::start(&state, user_id, (Some(practice_id), None)).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    // After a failed sign-up without JavaScript, what was typed (not the password).
    let [practice_name, name, email] = crate::platform::form_return::kept_values(KEPT);
    view! {
        <Title text="Create practice account"/>
        <section class="card narrow">
            <h1>"Create your practice account"</h1>
            <p class="muted">"You become the practice's main user, with the Admin role."</p>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Practice name" name="practice_name" error=error autocomplete="organization" value=practice_name/>
                <Field label="Your name" name="name" error=error autocomplete="name" value=name/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="email" value=email/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="new-password"/>
                <p class="hint">"At least 8 characters. We email you a link to confirm."</p>
                <button type="submit" disabled=move || action.pending().get()>"Create practice account"</button>
            </ActionForm>
            <p>"Already have a login? "<A href="/login">"Sign in"</A></p>
        </section>
    }
}

#[component]
pub fn SignUpSentPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="card narrow">
            <h1>"Check your email"</h1>
            <p>
                {format!(
                    "We sent a link to the address you gave. Open it within {VALID_HOURS} hours to finish creating your practice account.",
                )}
            </p>
            <p class="muted">"Nothing arrived after a few minutes? Look in your spam folder, or "<A href="/signup">"sign up again"</A>"."</p>
        </section>
    }
}

#[component]
pub fn ConfirmSignUpPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let request = Resource::new(token, get_sign_up);
    let action = ServerAction::<ConfirmSignUp>::new();
    let error = action_error(action);
    view! {
        <Title text="Confirm your practice account"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    request.get().map(|result| match result {
                        Err(_) | Ok(SignUpView { state: SignUpState::Invalid, .. }) => view! {
                            <h1>"This link is not valid"</h1>
                            <p>"It may have been used already. "<A href="/login">"Sign in"</A>" or "<A href="/signup">"sign up again"</A>"."</p>
                        }
                        .into_any(),
                        Ok(SignUpView { state: SignUpState::Expired, .. }) => view! {
                            <h1>"This link has expired"</h1>
                            <p><A href="/signup">"Sign up again"</A>" to get a new one."</p>
                        }
                        .into_any(),
                        Ok(SignUpView { state: SignUpState::Open, practice_name, email }) => view! {
                            <h1>"Confirm your practice account"</h1>
                            <p>"Create "<strong>{practice_name}</strong>" with the login "<strong>{email}</strong>"."</p>
                            <ActionForm action=action attr:novalidate="true">
                                <FormError error=error/>
                                <input type="hidden" name="token" value=token()/>
                                <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                                <crate::ui::forms::CodeWhenAsked error=error/>
                                <p class="hint">"The password you chose when signing up. If this email already had a login, that login's password: the new practice is added to it."</p>
                                <button type="submit" disabled=move || action.pending().get()>"Confirm and sign in"</button>
                            </ActionForm>
                        }
                        .into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::access::write::{By, Write};
    use crate::account::sign_in::ssr::find_login;
    use crate::identity::{password as pw, throttle, users};
    use crate::platform::db::{Db, now, violates};
    use crate::platform::http::request::client_ip;
    use crate::platform::mail::{LINK_PLACEHOLDER, LinkTo, OutgoingEmail, enqueue, escape_html};
    use crate::platform::names::{DisplayName, EmailAddress};
    use crate::platform::state::AppState;
    use crate::platform::tokens::{hash_token, new_token};

    #[derive(sqlx::FromRow)]
    struct RequestRow {
        id: i64,
        email: String,
        name: String,
        practice_name: String,
        password_hash: String,
        expires_at: i64,
        confirmed_at: Option<i64>,
    }

    async fn find_by_token(db: &Db, token: &str) -> Result<Option<RequestRow>, sqlx::Error> {
        if token.len() != 64 {
            return Ok(None);
        }
        sqlx::query_as(
            r#"SELECT id, email, name, practice_name, password_hash, expires_at, confirmed_at
               FROM sign_up_requests WHERE token_hash = $1"#,
        )
        .bind(hash_token(token))
        .fetch_optional(db.pool())
        .await
    }

    /// Holds a sign-up until its email is confirmed and returns where the caller goes
    /// next: the same place for every email, with or without a login. The password is
    /// hashed either way, so the answer takes as long.
    pub async fn request(
        state: &AppState,
        practice_name: &str,
        name: &str,
        email: &str,
        password: String,
    ) -> Result<String, AppError> {
        let practice_name = DisplayName::parse(practice_name, "practice name", 200)
            .map_err(|m| AppError::invalid("practice_name", m))?;
        let name = DisplayName::parse(name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;
        let smtp = state.config.smtp_url.is_some();
        if !smtp && !state.config.is_local() {
            // Without email nobody proves they own the address: only for local use.
            return Err(AppError::NotAllowed(
                "Sign-up needs email, and this server has no SMTP_URL set. Ask its operator.".into(),
            ));
        }
        // A place in the hash queue before the allowances below are spent: when it is full
        // the caller is told the server is busy with nothing spent.
        let place = pw::place()?;
        {
            let mut conn = state.db.pool().acquire().await?;
            let by_address = throttle::sign_ups_key(&client_ip());
            let by_address_limit = throttle::Limit {
                attempts: state.config.sign_ups_per_hour,
                ..throttle::SIGN_UPS_PER_ADDRESS
            };
            // The address first: a locked address does not spend anyone's email allowance.
            throttle::take_all(&mut conn, &[(&by_address, by_address_limit)]).await?;
            let to_email = throttle::sign_up_mails_key(email.as_str());
            throttle::take_all(&mut conn, &[(&to_email, throttle::SIGN_UP_MAILS_PER_EMAIL)]).await?;
            // Requests a week past their expiry are gone (their mail was long sent or failed).
            sqlx::query(r#"DELETE FROM sign_up_requests WHERE expires_at < $1"#)
                .bind(now() - 7 * 86_400)
                .execute(&mut *conn)
                .await?;
        }
        let hash = place.hash(password).await?;
        let token = new_token();
        // With SMTP the worker issues the token as the email goes out; until then the
        // request holds a hash no token maps to.
        let stored_hash = if smtp {
            format!("unissued-{}", new_token())
        } else {
            hash_token(&token)
        };
        let t = now();
        let mut tx = Write::begin(&state.db, By::default()).await?;
        let id: i64 = sqlx::query_scalar(
            r#"INSERT INTO sign_up_requests (email, name, practice_name, password_hash, token_hash, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"#,
        )
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(practice_name.as_str())
        .bind(&hash.0)
        .bind(stored_hash)
        .bind(t)
        .bind(t + VALID_HOURS * 3600)
        .fetch_one(&mut *tx)
        .await?;
        if smtp {
            let text = format!(
                "Hello {name},\n\nTo finish creating the practice account {practice} on Practice Access, open this link and enter your password:\n{LINK_PLACEHOLDER}\n\n\
                 If this email already has a Practice Access login, enter that login's password: the new practice is added to it.\n\n\
                 The link works once and expires in {VALID_HOURS} hours. If you did not sign up, ignore this email: nothing is created.\n",
                name = name.as_str(),
                practice = practice_name.as_str(),
            );
            let html = format!(
                "<p>Hello {n},</p><p>To finish creating the practice account <strong>{p}</strong> on Practice Access, open this link and enter your password:</p>\
                 <p><a href=\"{LINK_PLACEHOLDER}\">Confirm your practice account</a></p>\
                 <p>If this email already has a Practice Access login, enter that login's password: the new practice is added to it.</p>\
                 <p>The link works once and expires in {VALID_HOURS} hours. If you did not sign up, ignore this email: nothing is created.</p>",
                n = escape_html(name.as_str()),
                p = escape_html(practice_name.as_str()),
            );
            enqueue(
                &mut tx,
                OutgoingEmail {
                    practice_id: None,
                    link: Some(LinkTo::SignUp(id)),
                    to: email.as_str(),
                    subject: "Confirm your Practice Access sign-up",
                    text: &text,
                    html: &html,
                },
                true,
            )
            .await?;
        }
        tx.commit().await?;
        if smtp {
            state.outbox.0.notify_one();
            Ok("/signup/sent".to_owned())
        } else {
            Ok(format!("/signup/confirm/{token}"))
        }
    }

    pub async fn view_by_token(db: &Db, token: &str) -> Result<SignUpView, AppError> {
        let row = find_by_token(db, token)
            .await?
            .ok_or_else(|| AppError::NotFound("This sign-up link".into()))?;
        let state = if row.confirmed_at.is_some() {
            SignUpState::Invalid
        } else if row.expires_at <= now() {
            SignUpState::Expired
        } else {
            SignUpState::Open
        };
        Ok(SignUpView {
            practice_name: row.practice_name,
            email: row.email,
            state,
        })
    }

    /// Creates the practice once the password is right: the one chosen at sign-up for a
    /// new login, the login's own for an existing one (through the sign-in throttle
    /// either way). Returns the user and the practice.
    pub async fn confirm(
        state: &AppState,
        token: &str,
        password: String,
        code: Option<&str>,
    ) -> Result<(i64, i64), AppError> {
        let gone = || AppError::Conflict("This link is no longer valid. Sign in, or sign up again.".into());
        let row = find_by_token(&state.db, token).await?.ok_or_else(gone)?;
        if row.confirmed_at.is_some() {
            return Err(gone());
        }
        if row.expires_at <= now() {
            return Err(AppError::Conflict(
                "This link has expired. Sign up again to get a new one.".into(),
            ));
        }
        let email = EmailAddress::parse(&row.email).map_err(|_| AppError::Internal)?;
        let name = DisplayName::parse(&row.name, "name", 200).map_err(|_| AppError::Internal)?;
        let practice_name =
            DisplayName::parse(&row.practice_name, "practice name", 200).map_err(|_| AppError::Internal)?;
        let address = client_ip();
        // Twice at most: when a login for this email appears between the check and the
        // insert (another confirmation won), the password is checked again against it.
        for _ in 0..2 {
            let existing = find_login(&state.db, &email).await?;
            // The login's own password when the email has one (a login without a password,
            // added but never joined, cannot be claimed this way: no password matches);
            // the one chosen at sign-up for a new login.
            let stored = match &existing {
                Some((_, hash)) => hash.clone(),
                None => Some(row.password_hash.clone()),
            };
            if !throttle::check_password(&state.db, email.as_str(), stored, password.clone(), &address).await? {
                return Err(AppError::invalid(
                    "password",
                    "That password is not right for this sign-up.",
                ));
            }
            // An existing login with two-step sign-in gives its code before the practice
            // is created: its password alone commits nothing.
            if let Some((id, _)) = &existing {
                crate::account::two_step::ssr::second_step(state, *id, code).await?;
            }
            let mut tx = Write::begin(&state.db, By::default()).await?;
            // Claim the request first: of two concurrent confirmations, one changes the row.
            let claimed =
                sqlx::query(r#"UPDATE sign_up_requests SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL"#)
                    .bind(now())
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if claimed != 1 {
                return Err(gone());
            }
            let user_id = match existing {
                Some((id, _)) => id,
                None => {
                    let hash = pw::PasswordHashString(row.password_hash.clone());
                    match users::ssr::create_user(&mut tx, &email, &name, Some(&hash)).await {
                        Ok(id) => id,
                        // Another confirmation for this email created the login first.
                        Err(e) if violates(&e, &users::ssr::UNIQUE_EMAIL) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            let practice_id = crate::access::practices::create_practice(&mut tx, &practice_name, user_id).await?;
            tx.commit().await?;
            return Ok((user_id, practice_id));
        }
        Err(AppError::Conflict(
            "A login for this email was created a moment ago. Try again.".into(),
        ))
    }
}
