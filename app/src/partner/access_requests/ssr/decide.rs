//! Deciding a request: approving gives the access through the matrix's own path (one
//! grant, and its end date), so every rule of the matrix holds (nobody grants more than
//! they hold, only an Admin changes an Admin's access, a deactivated person gets nothing);
//! declining records the reason. Either way the asker is emailed.

use sqlx::AnyConnection;

use super::*;
use crate::platform::mail::{OutgoingEmail, enqueue, escape_html};

/// A pending request of the actor's practice, with what telling its asker needs.
#[derive(sqlx::FromRow)]
struct Pending {
    user_id: i64,
    client_id: i64,
    role_id: i64,
    reason: String,
    ends_at: Option<i64>,
    created_at: i64,
    staff_name: String,
    staff_email: String,
    client_name: String,
}

/// The request `request_id` while it waits: another practice's, a decided one or one that
/// never was are not found; one past answering expired; the asker decides nothing of their own.
async fn pending(conn: &mut AnyConnection, actor: &PracticeActor, request_id: i64) -> Result<Pending, AppError> {
    let found: Option<Pending> = sqlx::query_as(
        r#"SELECT r.user_id, r.client_id, r.role_id, r.reason, r.ends_at, r.created_at,
                  u.name AS staff_name, u.email AS staff_email, c.name AS client_name
           FROM access_requests r JOIN users u ON u.id = r.user_id JOIN clients c ON c.id = r.client_id
           WHERE r.id = $1 AND r.practice_id = $2 AND r.status = 'pending'"#,
    )
    .bind(request_id)
    .bind(actor.practice_id)
    .fetch_optional(conn)
    .await?;
    let p = found.ok_or_else(|| AppError::NotFound("No request waiting for an answer has that id.".into()))?;
    if expired(p.created_at, now()) {
        return Err(AppError::Conflict("This request expired unanswered.".into()));
    }
    if p.user_id == actor.user_id() {
        return Err(AppError::NotAllowed(
            "You cannot decide your own request: someone else who manages users must.".into(),
        ));
    }
    Ok(p)
}

/// Marks the request decided (from pending) in one statement: of two approvers deciding at
/// once, one does.
async fn claim(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    request_id: i64,
    status: RequestStatus,
    role_id: i64,
    ends: Option<i64>,
    note: Option<&str>,
) -> Result<(), AppError> {
    let t = now();
    let claimed = sqlx::query(
        r#"UPDATE access_requests SET status = $1, decided_by = $2, decided_at = $3, updated_at = $3,
                  role_id = $4, ends_at = $5, outcome_note = $6
           WHERE id = $7 AND practice_id = $8 AND status = 'pending'"#,
    )
    .bind(status.as_str())
    .bind(actor.user_id())
    .bind(t)
    .bind(role_id)
    .bind(ends)
    .bind(note)
    .bind(request_id)
    .bind(actor.practice_id)
    .execute(conn)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Err(AppError::Conflict(
            "Someone decided this request meanwhile. Reload to see how.".into(),
        ));
    }
    Ok(())
}

pub async fn approve(
    actor: &PracticeActor,
    request_id: i64,
    role_id: Option<i64>,
    until: Option<&str>,
) -> Result<(bool, String, String), AppError> {
    let ends = end_in(until.unwrap_or(""), "until")?;
    // One transaction: the request claimed, the access given with its end (through the
    // matrix's own checks), the approval recorded and the asker told; any refusal on the
    // way leaves all of it as it was.
    let mut tx = actor.write().await?;
    let p = pending(&mut tx, actor, request_id).await?;
    let role_id = role_id.unwrap_or(p.role_id);
    claim(&mut tx, actor, request_id, RequestStatus::Approved, role_id, ends, None).await?;
    crate::partner::matrix::ssr::grant_in(&mut tx, actor, p.user_id, p.client_id, role_id, ends).await?;
    // The access came from this request (the leaver report says so) until changed by hand.
    sqlx::query(r#"UPDATE client_assignments SET request_id = $1 WHERE user_id = $2 AND client_id = $3"#)
        .bind(request_id)
        .bind(p.user_id)
        .bind(p.client_id)
        .execute(&mut *tx)
        .await?;
    let role = chosen_role(&mut tx, actor.practice_id, role_id, "role_id")
        .await?
        .display_name();
    tx.record(Event::AccessRequestApproved {
        staff: Target::staff_access(p.user_id, &p.staff_name),
        after: requested(&p.client_name, p.client_id, role.clone(), ends, &p.reason, None),
    })
    .await?;
    let until = ends.map(|e| format!(" until {}", last_day(e))).unwrap_or_default();
    tell(
        &mut tx,
        actor,
        &p,
        &format!("Your request for access to {} was approved", p.client_name),
        &format!(
            "{} approved your request: {role} on {}{until}. Open it from the Accounts menu.",
            actor.session.name, p.client_name
        ),
    )
    .await?;
    tx.commit().await?;
    actor.state.outbox.0.notify_one();
    Ok((true, p.staff_name, p.client_name))
}

pub async fn decline(actor: &PracticeActor, request_id: i64, note: &str) -> Result<(bool, String, String), AppError> {
    let note = clean_text(note, "note", false)?;
    let note = Some(note).filter(|n| !n.is_empty());
    let mut tx = actor.write().await?;
    let p = pending(&mut tx, actor, request_id).await?;
    claim(
        &mut tx,
        actor,
        request_id,
        RequestStatus::Declined,
        p.role_id,
        p.ends_at,
        note.as_deref(),
    )
    .await?;
    let (kind, name): (String, String) = sqlx::query_as(r#"SELECT kind, name FROM roles WHERE id = $1"#)
        .bind(p.role_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.record(Event::AccessRequestDeclined {
        staff: Target::staff_access(p.user_id, &p.staff_name),
        after: requested(
            &p.client_name,
            p.client_id,
            display_role_name(&kind, &name),
            p.ends_at,
            &p.reason,
            note.clone(),
        ),
    })
    .await?;
    let why = note.map(|n| format!(" Their reason: {n}")).unwrap_or_default();
    tell(
        &mut tx,
        actor,
        &p,
        &format!("Your request for access to {} was declined", p.client_name),
        &format!(
            "{} declined your request for access to {}.{why}",
            actor.session.name, p.client_name
        ),
    )
    .await?;
    tx.commit().await?;
    actor.state.outbox.0.notify_one();
    Ok((false, p.staff_name, p.client_name))
}

/// Emails the asker how their request was decided.
async fn tell(
    conn: &mut AnyConnection,
    actor: &PracticeActor,
    p: &Pending,
    subject: &str,
    what: &str,
) -> Result<(), AppError> {
    let base = &actor.state.config.app_base_url;
    let text = format!(
        "Hello {},\n\n{what}\n\nYour requests and every client you can open: {base}/account/access\n",
        p.staff_name
    );
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p><a href=\"{}/account/access\">Your requests and every client you can open</a></p>",
        escape_html(&p.staff_name),
        escape_html(what),
        escape_html(base)
    );
    enqueue(
        conn,
        OutgoingEmail {
            practice_id: Some(actor.practice_id),
            link: None,
            to: &p.staff_email,
            subject,
            text: &text,
            html: &html,
        },
        actor.state.config.smtp_url.is_some(),
    )
    .await?;
    Ok(())
}
