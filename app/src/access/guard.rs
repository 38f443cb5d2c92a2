//! The guards every server function starts with: they resolve the session, the account it
//! acts in and the caller's role there, check one permission, and yield the actor that every
//! later query is scoped by. The practice (or client) always comes from the session, never
//! from request input.

use crate::access::actor::{ClientActor, PracticeActor};
use crate::access::roles::role_permissions;
use crate::domain::permissions::Permission;
use crate::domain::plans::Plan;
use crate::domain::roles::RoleKind;
use crate::identity::accounts::{AccountKind, current_account};
use crate::identity::session::{Activity, Session, require, require_with, two_step_first};
use crate::platform::error::AppError;
use crate::platform::state::AppState;

/// Resolves the caller's practice (the session's: the one the top bar shows, chosen at
/// sign-in and in the Accounts switcher; never another one) and checks `permission` there. The practice always comes from the session and
/// membership, never from request input, so a caller can act only in their own practice.
pub async fn require_practice(permission: Option<Permission>) -> Result<PracticeActor, AppError> {
    require_practice_for(permission, Activity::Person).await
}

/// [`require_practice`] for requests a page makes on its own (polling): they do not count
/// as activity, so an idle session still ends on time.
pub async fn require_practice_for(
    permission: Option<Permission>,
    activity: Activity,
) -> Result<PracticeActor, AppError> {
    let (state, session) = require_with(activity).await?;
    practice_actor(state, session, permission).await
}

/// [`require_practice`] for a session already resolved (routes outside server functions).
pub async fn practice_actor(
    state: AppState,
    session: Session,
    permission: Option<Permission>,
) -> Result<PracticeActor, AppError> {
    if session.must_set_up_two_step {
        return Err(two_step_first().respond());
    }
    let mut session = session;
    if session.current_practice_id.is_none() && session.current_client_id.is_none() {
        adopt_first_practice(&state, &mut session).await?;
        if session.must_set_up_two_step {
            return Err(two_step_first().respond());
        }
    }
    // The active membership of the session's practice, read with the session itself.
    let (Some(practice_id), Some((role_id, kind, is_main))) = (session.current_practice_id, session.membership.clone())
    else {
        return Err(no_practice_open(&state, &session).await?.respond());
    };
    let role_kind = RoleKind::parse(&kind).ok_or(AppError::Internal)?;
    let permissions = match role_kind.predefined_permissions() {
        Some(permissions) => permissions,
        None => {
            let mut conn = state.db.pool().acquire().await?;
            role_permissions(&mut conn, role_id, role_kind).await?
        }
    };
    let actor = PracticeActor {
        state,
        session,
        practice_id,
        role_id,
        role_kind,
        is_main,
        permissions,
    };
    if let Some(p) = permission
        && !actor.can(p)
    {
        return Err(AppError::Forbidden.respond());
    }
    Ok(actor)
}

/// A session that acts in no account (its person had none when signing in: deactivated, or
/// every access ended) whose person is a practice's active member now (reactivated, say):
/// it acts from now on in the account the top bar shows (`current_account`, which falls back
/// to the person's first account) when that is a practice, rather than refusing the
/// practice's pages until the next sign-in. The session row is written only while it still
/// acts in no account and the membership is still active (a deactivation deletes the
/// session, a switch sets an account: either wins), and a practice that requires two-step
/// sign-in of someone without it is refused as at any other request.
async fn adopt_first_practice(state: &AppState, session: &mut Session) -> Result<(), AppError> {
    let shown = current_account(&state.db, session).await?;
    let Some(practice_id) = shown.filter(|a| a.kind == AccountKind::Practice).map(|a| a.id) else {
        return Ok(());
    };
    let membership: Option<(i64, String, i64, i64)> = sqlx::query_as(
        r#"SELECT m.role_id, r.kind, m.is_main,
                  CASE WHEN p.require_two_step = 1 AND u.totp_secret IS NULL THEN 1 ELSE 0 END
           FROM practice_members m JOIN roles r ON r.id = m.role_id
           JOIN practices p ON p.id = m.practice_id JOIN users u ON u.id = m.user_id
           WHERE m.practice_id = $1 AND m.user_id = $2 AND m.status = 'active'"#,
    )
    .bind(practice_id)
    .bind(session.user_id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some((role_id, kind, is_main, must_set_up_two_step)) = membership else {
        return Ok(());
    };
    if must_set_up_two_step == 1 {
        session.must_set_up_two_step = true;
        return Ok(());
    }
    let adopted = state
        .db
        .execute_write(
            sqlx::query(
                r#"UPDATE sessions SET current_practice_id = $1
                   WHERE token_hash = $2 AND current_practice_id IS NULL AND current_client_id IS NULL
                     AND EXISTS (SELECT 1 FROM practice_members m
                                 WHERE m.practice_id = $1 AND m.user_id = $3 AND m.role_id = $4 AND m.status = 'active')"#,
            )
            .bind(practice_id)
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(role_id),
        )
        .await?
        .rows_affected();
    if adopted == 1 {
        session.current_practice_id = Some(practice_id);
        session.membership = Some((role_id, kind, is_main == 1));
    }
    Ok(())
}

/// Why someone signed in with no practice open is refused a practice's page or action,
/// in words they can act on. All are answered 403, as a missing permission is.
async fn no_practice_open(state: &AppState, session: &Session) -> Result<AppError, AppError> {
    let shown = current_account(&state.db, session).await?;
    Ok(AppError::NotAllowed(match shown.map(|a| a.kind) {
        Some(AccountKind::Client) => {
            "This page is for a practice's staff, and the account you have open is a client's.".into()
        }
        Some(AccountKind::Practice) => {
            "Your access to this practice has ended or changed. Open an account from the Accounts menu.".into()
        }
        None => "You do not have access to any practice at the moment. Ask your practice's admin for access.".into(),
    }))
}

/// Resolves [`ClientActor`]: `NotFound` outside a client account or on a Practice Edition
/// client (which has no Manage users), `Forbidden` without `permission` there.
pub async fn require_client(permission: Permission) -> Result<ClientActor, AppError> {
    let (state, session) = require().await?;
    let current = current_account(&state.db, &session).await?;
    let Some(client) = current.filter(|a| a.kind == AccountKind::Client) else {
        return Err(AppError::NotFound("A client account".into()).respond());
    };
    if !client.plan.is_some_and(Plan::has_own_user_management) {
        return Err(AppError::NotFound("Manage users on a Practice Edition client".into()).respond());
    }
    let (practice_id, kind): (i64, String) = sqlx::query_as(
        r#"SELECT c.practice_id, r.kind FROM clients c JOIN roles r ON r.id = $2 AND r.practice_id = c.practice_id
           WHERE c.id = $1"#,
    )
    .bind(client.id)
    .bind(client.role_id)
    .fetch_one(state.db.pool())
    .await?;
    let role_kind = RoleKind::parse(&kind).ok_or(AppError::Internal)?;
    let mut conn = state.db.pool().acquire().await?;
    let permissions = role_permissions(&mut conn, client.role_id, role_kind).await?;
    drop(conn);
    let actor = PracticeActor {
        state,
        session,
        practice_id,
        role_id: client.role_id,
        role_kind,
        is_main: false,
        permissions,
    };
    if !actor.can(permission) {
        return Err(AppError::Forbidden.respond());
    }
    Ok(ClientActor {
        actor,
        client_id: client.id,
        client_name: client.name,
    })
}
