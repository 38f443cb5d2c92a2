//! A two-step sign-in reset by its owner, with the link an admin had sent them
//! (`practice::manage_users::ssr::reset_two_step`).

use super::*;
use crate::access::write::{By, Write};
use crate::domain::audit::payload::TwoStepState;
use crate::domain::audit::{Event, Target};
use crate::identity::login_links::{self, LinkState};
use crate::identity::session::end_all_for_user;
use crate::platform::mail::LoginPurpose;

fn gone() -> AppError {
    AppError::NotFound("This link".into())
}

/// Answers whether the link behind `token` may still be used (`NotFound` when not).
pub async fn check(state: &AppState, token: &str) -> Result<(), AppError> {
    let mut conn = state.db.pool().acquire().await?;
    match login_links::state(&mut conn, LoginPurpose::TwoStepReset, token).await? {
        LinkState::Open => Ok(()),
        LinkState::Gone => Err(gone()),
    }
}

/// Uses the link: the login's two-step sign-in goes, and with it every session and
/// sign-in waiting for a code. On record in the trail of the practice whose admin sent it.
pub async fn use_link(state: &AppState, token: &str) -> Result<(), AppError> {
    let mut tx = Write::begin(&state.db, By::default()).await?;
    let used = login_links::take(&mut tx, LoginPurpose::TwoStepReset, token)
        .await?
        .ok_or_else(gone)?;
    let (email, had): (String, Option<String>) =
        sqlx::query_as(r#"SELECT email, totp_secret FROM users WHERE id = $1"#)
            .bind(used.user_id)
            .fetch_one(&mut *tx)
            .await?;
    let from: Option<String> = match used.requested_by {
        Some(admin) => {
            sqlx::query_scalar(r#"SELECT name FROM users WHERE id = $1"#)
                .bind(admin)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    clear(&mut tx, used.user_id).await?;
    end_all_for_user(&mut tx, used.user_id).await?;
    let on_off = |on: bool| if on { "on" } else { "off" }.to_owned();
    tx.record_by(
        By {
            practice_id: used.practice_id,
            actor_user_id: Some(used.user_id),
        },
        Event::TwoStepReset {
            member: Target::user(used.user_id, &email),
            before: TwoStepState {
                two_step: on_off(had.is_some()),
                link_from: None,
            },
            after: TwoStepState {
                two_step: on_off(false),
                link_from: Some(from.unwrap_or_else(|| "an admin".to_owned())),
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
