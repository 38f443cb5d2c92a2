//! Sign-up, sign-in and sign-out, and `get_me`, which tells every page who is signed in.

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
    }))
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(practice_name: String, name: String, email: String, password: String) -> Result<(), AppError> {
    use crate::identity::{password as pw, session, users};
    use crate::platform::names::{DisplayName, EmailAddress};
    use crate::practice::practices;

    let state = session::app_state()?;
    let practice_name =
        DisplayName::parse(&practice_name, "practice name", 200).map_err(|m| AppError::invalid("practice_name", m))?;
    let name = DisplayName::parse(&name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
    let email = EmailAddress::parse(&email).map_err(|m| AppError::invalid("email", m))?;
    pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;

    // One login can belong to several businesses: an existing login may create a practice
    // with its own password. The answer must not reveal whether the email has a login.
    let existing: Option<(i64, Option<String>)> =
        sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
            .bind(email.as_str())
            .fetch_optional(state.db.pool())
            .await?;
    let new_hash = match &existing {
        None => Some(pw::hash(password.clone()).await),
        Some((_, stored)) => {
            if !pw::verify(password.clone(), stored.clone()).await {
                return Err(AppError::invalid(
                    "email",
                    "We could not create an account with this email and password. If this email already has a login, enter its password.",
                ));
            }
            None
        }
    };
    let mut tx = state.db.begin_write().await?;
    let user_id = match existing {
        Some((id, _)) => id,
        None => users::ssr::create_user(&mut tx, &email, &name, new_hash.as_ref()).await?,
    };
    let practice_id = practices::ssr::create_practice(&mut tx, &practice_name, user_id).await?;
    tx.commit().await?;
    session::start(&state, user_id, Some(practice_id)).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::identity::{password as pw, session, throttle};
    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::names::EmailAddress;

    let state = session::app_state()?;
    let wrong = || AppError::invalid("password", "Email or password is incorrect.");
    let email = EmailAddress::parse(&email).map_err(|m| AppError::invalid("email", m))?;
    let account_key = throttle::account_key(email.as_str());
    let address_key = throttle::address_key(&session::client_ip());
    if let Some(minutes) = throttle::locked_minutes(&state.db, &[account_key.clone(), address_key.clone()]).await? {
        return Err(AppError::RateLimited { minutes });
    }
    let user: Option<(i64, Option<String>)> = sqlx::query_as(r#"SELECT id, password_hash FROM users WHERE email = $1"#)
        .bind(email.as_str())
        .fetch_optional(state.db.pool())
        .await?;
    let stored = user.as_ref().and_then(|(_, h)| h.clone());
    let verified = pw::verify(password, stored).await;
    let Some((user_id, _)) = user.filter(|_| verified) else {
        throttle::record_failure(&state.db, &account_key, throttle::MAX_FAILURES_PER_ACCOUNT).await?;
        throttle::record_failure(&state.db, &address_key, throttle::MAX_FAILURES_PER_ADDRESS).await?;
        let mut conn = state.db.pool().acquire().await?;
        audit::record(
            &mut conn,
            AuditEvent {
                target_type: Some("email"),
                target_label: Some(email.as_str()),
                after: Some(serde_json::json!({ "address": session::client_ip() })),
                ..AuditEvent::new(crate::platform::audit::AuditAction::SignInFailed)
            },
        )
        .await?;
        return Err(wrong());
    };
    throttle::clear(&state.db, &account_key).await?;
    session::start(&state, user_id, None).await?;
    leptos_axum::redirect("/");
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
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    view! {
        <Title text="Create practice account"/>
        <section class="card narrow">
            <h1>"Create your practice account"</h1>
            <p class="muted">"You become the practice's main user, with the Admin role."</p>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Practice name" name="practice_name" error=error autocomplete="organization"/>
                <Field label="Your name" name="name" error=error autocomplete="name"/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="email"/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="new-password"/>
                <p class="hint">"At least 8 characters."</p>
                <button type="submit" disabled=move || action.pending().get()>"Create practice account"</button>
            </ActionForm>
            <p>"Already have a login? "<A href="/login">"Sign in"</A></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                <Field label="Email" name="email" kind="email" error=error autocomplete="username"/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p>"New practice? "<A href="/signup">"Create practice account"</A></p>
        </section>
    }
}
