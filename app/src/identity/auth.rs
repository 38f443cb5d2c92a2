//! Sign-in and sign-out, and `get_me`, which tells every page who is signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::frame::forms::{Field, FormError, action_error};
use crate::identity::accounts::Account;
use crate::platform::error::AppError;

/// Who is signed in, and where they are acting: what the top bar shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    /// The account selected in the Accounts switcher.
    pub current: Option<Account>,
    /// Whether the current account lets this user manage its users.
    pub can_manage_users: bool,
    /// The first accounts the user can switch to (the Accounts menu searches for more).
    pub accounts: Vec<Account>,
    /// How many accounts the user has in all.
    pub accounts_total: i64,
    /// What the user's role in the current account permits (labels).
    pub permissions: Vec<String>,
    /// A practice requires two-step sign-in and this login has not set it up: every page
    /// but Two-step sign-in sends them there.
    pub must_set_up_two_step: bool,
}

#[server(endpoint = "get_me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use crate::identity::session;
    let state = session::app_state()?;
    let Some(s) = session::current(&state).await? else {
        return Ok(None);
    };
    let (accounts, accounts_total) =
        crate::identity::accounts::ssr::accounts_for(&state.db, &s, "", crate::identity::accounts::ssr::MENU_LIMIT)
            .await?;
    let current = crate::identity::accounts::ssr::current_account(&state.db, &s).await?;
    let can_manage_users = match &current {
        Some(a) => crate::identity::accounts::ssr::can_manage_users(&state.db, s.user_id, a).await?,
        None => false,
    };
    let permissions = match &current {
        Some(a) => crate::identity::accounts::ssr::permission_labels(&state.db, a.role_id).await?,
        None => Vec::new(),
    };
    Ok(Some(Me {
        name: s.name,
        email: s.email,
        current,
        can_manage_users,
        accounts,
        accounts_total,
        permissions,
        must_set_up_two_step: s.must_set_up_two_step,
    }))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = crate::identity::session::app_state()?;
    let signed_in = ssr::sign_in(&state, &email, password).await;
    let user_id = crate::identity::session::keep_form_if_failed(super::KeptForm::SignIn, &[&email], signed_in)?;
    let account = crate::identity::accounts::ssr::starting_account(&state.db, user_id).await?;
    let next = crate::identity::two_step::ssr::sign_in_or_challenge(&state, user_id, account).await?;
    leptos_axum::redirect(next);
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = crate::identity::session::app_state()?;
    crate::identity::session::end(&state).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    // After a failed sign-in without JavaScript, the email typed.
    let [email] = super::kept_values(super::KeptForm::SignIn);
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="username" value=email/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p>"New practice? "<A href="/signup">"Create practice account"</A></p>
        </section>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::identity::session::client_ip;
    use crate::identity::throttle;
    use crate::platform::audit::{self, AuditAction, AuditEvent};
    use crate::platform::error::AppError;
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
                let mut conn = state.db.pool().acquire().await?;
                audit::record(
                    &mut conn,
                    AuditEvent {
                        target_type: Some("email"),
                        target_label: Some(email.as_str()),
                        after: Some(serde_json::json!({ "address": address })),
                        ..AuditEvent::new(AuditAction::SignInFailed)
                    },
                )
                .await?;
                Err(wrong())
            }
        }
    }
}
