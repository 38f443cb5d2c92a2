//! Your account in SQL: each change to the login, on record in every practice it belongs to.

use super::*;
use crate::access::write::{By, Write};
use crate::domain::audit::payload::{EmailAddressed, Named};
use crate::domain::audit::{Event, Target};
use crate::identity::login_links::{self, LinkState, Message, NewLink};
use crate::identity::password as pw;
use crate::identity::session::{Session, end_others_for_user};
use crate::platform::db::now;
use crate::platform::mail::{LoginPurpose, OutgoingEmail, enqueue, escape_html};
use crate::platform::names::{DisplayName, EmailAddress};
use crate::platform::state::AppState;

/// How a session is named on the page: the start of its token's hash (never the token).
const SESSION_ID_CHARS: usize = 16;

/// A change by the login to itself.
async fn own_change(state: &AppState, session: &Session) -> Result<Write, AppError> {
    Write::begin(
        &state.db,
        By {
            practice_id: None,
            actor_user_id: Some(session.user_id),
        },
    )
    .await
}

pub async fn your_account(state: &AppState, session: &Session) -> Result<YourAccount, AppError> {
    let mut conn = state.db.pool().acquire().await?;
    let (name, email): (String, String) = sqlx::query_as(r#"SELECT name, email FROM users WHERE id = $1"#)
        .bind(session.user_id)
        .fetch_one(&mut *conn)
        .await?;
    let pending_email: Option<String> = sqlx::query_scalar(
        r#"SELECT new_email FROM login_links WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
           ORDER BY id DESC LIMIT 1"#,
    )
    .bind(session.user_id)
    .bind(LoginPurpose::EmailChange.as_str())
    .bind(now())
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let t = now();
    #[derive(sqlx::FromRow)]
    struct Row {
        token_hash: String,
        created_at: i64,
        last_seen_at: i64,
        user_agent: Option<String>,
        address: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        r#"SELECT token_hash, created_at, last_seen_at, user_agent, address FROM sessions
           WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
           ORDER BY last_seen_at DESC, created_at DESC"#,
    )
    .bind(session.user_id)
    .bind(t)
    .bind(t - crate::identity::session::IDLE_TIMEOUT_SECS)
    .fetch_all(&mut *conn)
    .await?;
    let sessions = rows
        .into_iter()
        .map(|r| SessionLine {
            id: r.token_hash.chars().take(SESSION_ID_CHARS).collect(),
            this: r.token_hash == session.token_hash,
            started: r.created_at,
            last_used: r.last_seen_at,
            device: crate::platform::http::user_agent::describe(r.user_agent.as_deref().unwrap_or("")),
            address: r.address.unwrap_or_else(|| "unknown".to_owned()),
        })
        .collect();
    Ok(YourAccount {
        name,
        email,
        pending_email,
        sessions,
        notice: crate::platform::form_return::take_notice(),
    })
}

pub async fn change_name(state: &AppState, session: &Session, name: &str) -> Result<(), AppError> {
    let name = DisplayName::parse(name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
    let mut tx = own_change(state, session).await?;
    let before: String = sqlx::query_scalar(r#"SELECT name FROM users WHERE id = $1"#)
        .bind(session.user_id)
        .fetch_one(&mut *tx)
        .await?;
    if before == name.as_str() {
        return Ok(());
    }
    sqlx::query(r#"UPDATE users SET name = $1 WHERE id = $2"#)
        .bind(name.as_str())
        .bind(session.user_id)
        .execute(&mut *tx)
        .await?;
    tx.record_about_login(
        Some(session.user_id),
        Some(session.user_id),
        Event::NameChanged {
            user: Target::user(session.user_id, &session.email),
            before: Named { name: before },
            after: Named {
                name: name.as_str().to_owned(),
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a confirmation link to `email` (the same answer whether or not it has a login of
/// its own: that is found out only when the link is opened, by its owner). Answers it.
pub async fn request_email_change(
    state: &AppState,
    session: &Session,
    email: &str,
    password: String,
) -> Result<String, AppError> {
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    if email.as_str() == session.email {
        return Err(AppError::invalid("email", "That is your email already."));
    }
    // A session alone (a borrowed computer left signed in) must not move the login to
    // another mailbox, from which its password could then be reset.
    crate::account::two_step::ssr::check_own_password(state, session, password).await?;
    let mut tx = own_change(state, session).await?;
    crate::identity::throttle::take_all(
        &mut tx,
        &[(
            &crate::identity::throttle::email_changes_key(session.user_id),
            crate::identity::throttle::PASSWORD_RESETS_PER_EMAIL,
        )],
    )
    .await?;
    let name = session.name.clone();
    let new = email.as_str().to_owned();
    login_links::send(
        &mut tx,
        state,
        NewLink {
            purpose: LoginPurpose::EmailChange,
            user_id: session.user_id,
            to: email.as_str(),
            new_email: Some(email.as_str()),
            practice_id: None,
            requested_by: None,
        },
        |link| Message {
            subject: "Confirm your new email for Practice Access".to_owned(),
            text: format!(
                "Hello {name},\n\nTo make {new} the email of your Practice Access login, open this link:\n{link}\n\n\
                 The link works once and expires in 24 hours. If you did not ask for this, ignore this email.\n"
            ),
            html: format!(
                "<p>Hello {n},</p><p>To make <strong>{e}</strong> the email of your Practice Access login:</p>\
                 <p><a href=\"{l}\">Confirm my new email</a></p>\
                 <p>The link works once and expires in 24 hours. If you did not ask for this, ignore this email.</p>",
                n = escape_html(&name),
                e = escape_html(&new),
                l = escape_html(link),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(email.as_str().to_owned())
}

pub async fn email_change(state: &AppState, token: &str) -> Result<String, AppError> {
    let mut conn = state.db.pool().acquire().await?;
    if login_links::state(&mut conn, LoginPurpose::EmailChange, token).await? == LinkState::Gone {
        return Err(AppError::NotFound("This link".into()));
    }
    let new: Option<String> = sqlx::query_scalar(r#"SELECT new_email FROM login_links WHERE token_hash = $1"#)
        .bind(crate::platform::tokens::hash_token(token))
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    new.ok_or_else(|| AppError::NotFound("This link".into()))
}

/// Uses an email-change link: the login's email becomes the new one (unless another login
/// took it meanwhile), the old address is told, and it is on record.
pub async fn confirm_email_change(state: &AppState, token: &str) -> Result<(), AppError> {
    let mut tx = Write::begin(&state.db, By::default()).await?;
    let used = login_links::take(&mut tx, LoginPurpose::EmailChange, token)
        .await?
        .ok_or_else(|| AppError::NotFound("This link".into()))?;
    let new = used.new_email.clone().ok_or(AppError::Internal)?;
    let (old, name): (String, String) = sqlx::query_as(r#"SELECT email, name FROM users WHERE id = $1"#)
        .bind(used.user_id)
        .fetch_one(&mut *tx)
        .await?;
    // Every other link sent before (a reset to the old address, another change) dies.
    login_links::end_all_for_user(&mut tx, used.user_id).await?;
    sqlx::query(r#"UPDATE users SET email = $1 WHERE id = $2"#)
        .bind(&new)
        .bind(used.user_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            crate::platform::db::on_constraint(e, &crate::identity::users::ssr::UNIQUE_EMAIL, || {
                AppError::Conflict(format!(
                    "{new} is the email of another login, so it cannot be yours too."
                ))
            })
        })?;
    let smtp = state.config.smtp_url.is_some();
    let text = format!(
        "Hello {name},\n\nThe email of your Practice Access login was changed from {old} to {new}.\n\
         If you did not do this, reset your password at once and tell your practice's admin.\n"
    );
    let html = format!(
        "<p>Hello {n},</p><p>The email of your Practice Access login was changed from {o} to <strong>{e}</strong>.</p>\
         <p>If you did not do this, reset your password at once and tell your practice's admin.</p>",
        n = escape_html(&name),
        o = escape_html(&old),
        e = escape_html(&new),
    );
    enqueue(
        &mut tx,
        OutgoingEmail {
            practice_id: None,
            link: None,
            to: &old,
            subject: "The email of your Practice Access login was changed",
            text: &text,
            html: &html,
        },
        smtp,
    )
    .await?;
    tx.record_about_login(
        Some(used.user_id),
        Some(used.user_id),
        Event::EmailChanged {
            user: Target::user(used.user_id, &new),
            before: EmailAddressed { email: old },
            after: EmailAddressed { email: new },
        },
    )
    .await?;
    tx.commit().await?;
    state.outbox.0.notify_one();
    Ok(())
}

/// The current password (through the sign-in throttle), then the new one: the other
/// sessions end, this one stays.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    current: String,
    new: String,
) -> Result<(), AppError> {
    pw::check_strength(&new).map_err(|m| AppError::invalid("new_password", m))?;
    crate::account::two_step::ssr::check_own_password(state, session, current)
        .await
        .map_err(|e| match e {
            AppError::Invalid { message, .. } => AppError::invalid("current_password", message),
            other => other,
        })?;
    let hash = pw::hash(new).await?;
    let mut tx = own_change(state, session).await?;
    sqlx::query(r#"UPDATE users SET password_hash = $1 WHERE id = $2"#)
        .bind(&hash.0)
        .bind(session.user_id)
        .execute(&mut *tx)
        .await?;
    end_others_for_user(&mut tx, session.user_id, &session.token_hash).await?;
    login_links::end_all_for_user(&mut tx, session.user_id).await?;
    tx.record_about_login(
        Some(session.user_id),
        Some(session.user_id),
        Event::PasswordChanged {
            user: Target::user(session.user_id, &session.email),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sign_out_session(state: &AppState, me: &Session, id: &str) -> Result<(), AppError> {
    let id: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(SESSION_ID_CHARS)
        .collect();
    if id.len() != SESSION_ID_CHARS {
        return Err(AppError::NotFound("That session".into()));
    }
    if me.token_hash.starts_with(&id) {
        return Err(AppError::invalid(
            "session",
            "To sign out here, use Sign out in the menu.",
        ));
    }
    let mut tx = own_change(state, me).await?;
    let ended = sqlx::query(r#"DELETE FROM sessions WHERE user_id = $1 AND SUBSTR(token_hash, 1, 16) = $2"#)
        .bind(me.user_id)
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if ended == 0 {
        return Err(AppError::NotFound("That session".into()));
    }
    record_sessions_ended(&mut tx, me, ended).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sign_out_other_sessions(state: &AppState, me: &Session) -> Result<u64, AppError> {
    let mut tx = own_change(state, me).await?;
    let ended = end_others_for_user(&mut tx, me.user_id, &me.token_hash).await?;
    login_links::end_all_for_user(&mut tx, me.user_id).await?;
    if ended > 0 {
        record_sessions_ended(&mut tx, me, ended).await?;
    }
    tx.commit().await?;
    Ok(ended)
}

async fn record_sessions_ended(tx: &mut Write, me: &Session, ended: u64) -> Result<(), AppError> {
    tx.record_about_login(
        Some(me.user_id),
        Some(me.user_id),
        Event::SessionsEnded {
            user: Target::user(me.user_id, &me.email),
            sessions: ended as i64,
        },
    )
    .await
}
