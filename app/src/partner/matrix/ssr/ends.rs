//! When one person's access to one client ends.

use super::*;
use crate::access::actor::PracticeActor;
use crate::access::members::MemberLock;
use crate::domain::audit::payload::ClientRoleEnds;
use crate::domain::audit::{Event, Target};
use crate::platform::db::now;

/// Sets (or with an empty `ends_on`, clears) when `user_id`'s access to `client_id` ends.
/// Only someone who may give the role held there may change how long it lasts.
pub async fn set_end(
    actor: &PracticeActor,
    user_id: i64,
    client_id: i64,
    ends_on: &str,
) -> Result<Option<i64>, AppError> {
    use crate::platform::dates::{end_of_day, last_day};
    let ends_at = match ends_on.trim() {
        "" => None,
        day => {
            let end =
                end_of_day(day).ok_or_else(|| AppError::invalid("ends_on", "Enter a date such as 2027-01-31."))?;
            if end <= now() {
                return Err(AppError::invalid("ends_on", "Choose today or a later date."));
            }
            Some(end)
        }
    };
    let mut tx = actor.write().await?;
    let staff = staff_member_to_change(actor, &mut tx, user_id, MemberLock::Share).await?;
    let held: Option<(String, i64, Option<i64>)> = sqlx::query_as(
        r#"SELECT c.name, a.role_id, a.ends_at FROM current_assignments a JOIN clients c ON c.id = a.client_id
           WHERE a.user_id = $1 AND a.client_id = $2 AND a.practice_id = $3"#,
    )
    .bind(user_id)
    .bind(client_id)
    .bind(actor.practice_id)
    .fetch_optional(&mut *tx)
    .await?;
    if !staff.is_active() {
        return Err(AppError::Conflict(
            "This staff member is deactivated. Reactivate them before changing their access.".into(),
        ));
    }
    let Some((client, role_id, before)) = held else {
        return Err(AppError::Conflict(format!(
            "{} has no access to that client, so there is nothing to end.",
            staff.name
        )));
    };
    let role = practice_role(actor, &mut tx, role_id).await?;
    if before == ends_at {
        return Ok(ends_at);
    }
    sqlx::query(r#"UPDATE client_assignments SET ends_at = $1 WHERE user_id = $2 AND client_id = $3"#)
        .bind(ends_at)
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    let held = |ends: Option<i64>| ClientRoleEnds {
        client: client.clone(),
        client_id,
        role: Some(role.clone()),
        ends: ends.map(last_day),
    };
    tx.record(Event::AccessEndSet {
        staff: Target::staff_access(user_id, &staff.name),
        before: held(before),
        after: held(ends_at),
    })
    .await?;
    let line = match ends_at {
        Some(end) => format!(
            "{client}: your access ends after {} (set by {})",
            last_day(end),
            actor.session.name
        ),
        None => format!(
            "{client}: your access no longer has an end date (by {})",
            actor.session.name
        ),
    };
    crate::partner::access_notices::ssr::note(&mut tx, actor, user_id, &line, false).await?;
    tx.commit().await?;
    Ok(ends_at)
}
