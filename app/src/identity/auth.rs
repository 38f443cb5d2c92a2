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
    let state = crate::identity::session::app_state()?;
    let (user_id, practice_id) = ssr::sign_up(&state, &practice_name, &name, &email, password).await?;
    crate::identity::session::start(&state, user_id, (Some(practice_id), None)).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = crate::identity::session::app_state()?;
    let user_id = ssr::sign_in(&state, &email, password).await?;
    let account = crate::identity::accounts::ssr::starting_account(&state.db, user_id).await?;
    crate::identity::session::start(&state, user_id, account).await?;
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

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::identity::session::client_ip;
    use crate::identity::{password as pw, throttle, users};
    use crate::platform::audit::{self, AuditAction, AuditEvent};
    use crate::platform::db::on_constraint;
    use crate::platform::error::AppError;
    use crate::platform::names::{DisplayName, EmailAddress};
    use crate::platform::state::AppState;
    use crate::practice::practices;

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

    /// Creates a practice with the caller as its main user: a new login, or an existing one
    /// whose password the caller gives (through the sign-in throttle). Returns the user and
    /// the practice.
    pub async fn sign_up(
        state: &AppState,
        practice_name: &str,
        name: &str,
        email: &str,
        password: String,
    ) -> Result<(i64, i64), AppError> {
        let practice_name = DisplayName::parse(practice_name, "practice name", 200)
            .map_err(|m| AppError::invalid("practice_name", m))?;
        let name = DisplayName::parse(name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        pw::check_strength(&password).map_err(|m| AppError::invalid("password", m))?;
        let address = client_ip();
        {
            let mut conn = state.db.pool().acquire().await?;
            let key = throttle::sign_ups_key(&address);
            let limit = throttle::Limit {
                attempts: state.config.sign_ups_per_hour,
                ..throttle::SIGN_UPS_PER_ADDRESS
            };
            throttle::take_all(&mut conn, &[(&key, limit)]).await?;
        }
        let taken = || {
            AppError::invalid(
                "email",
                "We could not create an account with this email and password. If this email already has a login, enter its password.",
            )
        };
        // One login can belong to several businesses: an existing login may create a
        // practice with its own password, checked like a sign-in.
        let existing = find_login(&state.db, &email).await?;
        let new_hash = match &existing {
            None => Some(pw::hash(password).await),
            Some((_, stored)) => {
                if !throttle::check_password(&state.db, email.as_str(), stored.clone(), password, &address).await? {
                    return Err(taken());
                }
                None
            }
        };
        let mut tx = state.db.begin_write().await?;
        let user_id = match existing {
            Some((id, _)) => id,
            // Another sign-up for this email won the race: the same answer as for a login
            // whose password does not match.
            None => users::ssr::create_user(&mut tx, &email, &name, new_hash.as_ref())
                .await
                .map_err(|e| on_constraint(e, &users::ssr::UNIQUE_EMAIL, taken))?,
        };
        let practice_id = practices::ssr::create_practice(&mut tx, &practice_name, user_id).await?;
        tx.commit().await?;
        Ok((user_id, practice_id))
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
