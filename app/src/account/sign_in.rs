//! Sign-in and sign-out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::platform::error::AppError;
use crate::platform::form_return::{KeptForm, kept_values};
use crate::ui::forms::{Field, FormError, action_error};

/// After a failed sign-in without JavaScript, the email typed comes back.
pub const KEPT: KeptForm = KeptForm::new("pa_sign_in_email");

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    let signed_in = ssr::sign_in(&state, &email, password).await;
    let user_id = crate::platform::form_return::keep_if_failed(KEPT, &[&email], signed_in)?;
    let account = crate::identity::accounts::starting_account(&state.db, user_id).await?;
    let next = crate::account::two_step::ssr::sign_in_or_challenge(&state, user_id, account).await?;
    leptos_axum::redirect(next);
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = crate::platform::http::request::app_state()?;
    crate::identity::session::end(&state).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    // After a failed sign-in without JavaScript, the email typed.
    let [email] = kept_values(KEPT);
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {(leptos_router::hooks::use_query_map().with_untracked(|q| q.get("two_step").as_deref() == Some("off"))).then(|| view! {
                <p class="alert success" role="status">"Two-step sign-in is off for your login. Sign in with your password, then set it up again."</p>
            })}
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="username" value=email/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <p>"New practice? "<A href="/signup">"Create practice account"</A></p>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::access::write::{By, Write};
    use crate::domain::audit::payload::SignInFailure;
    use crate::domain::audit::{Event, Target};
    use crate::identity::throttle;
    use crate::platform::error::AppError;
    use crate::platform::http::request::client_ip;
    use crate::platform::names::EmailAddress;
    use crate::platform::state::AppState;

    /// The login with this email: its id and password hash (`None` before a password is set).
    pub async fn find_login(
        db: &crate::platform::db::Db,
        email: &EmailAddress,
    ) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
        sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
            .bind(email.as_str())
            .fetch_optional(db.pool())
            .await
    }

    /// Checks email and password through the throttle; the same answer whether or not
    /// the email has a login. Returns the user.
    pub async fn sign_in(state: &AppState, email: &str, password: String) -> Result<i64, AppError> {
        let wrong = || AppError::invalid("password", "Email or password is incorrect.");
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        let address = client_ip();
        let user = find_login(&state.db, &email).await?;
        let stored = user.as_ref().and_then(|(_, h)| h.clone());
        let right = throttle::check_password(&state.db, email.as_str(), stored, password, &address).await?;
        match user {
            Some((user_id, _)) if right => Ok(user_id),
            _ => {
                let mut tx = Write::begin(&state.db, By::default()).await?;
                tx.record_about_login(
                    user.map(|(id, _)| id),
                    None,
                    Event::SignInFailed {
                        email: Target::email(email.as_str()),
                        after: SignInFailure { address, step: None },
                    },
                )
                .await?;
                tx.commit().await?;
                Err(wrong())
            }
        }
    }
}
