//! Home → Manage users in the partner account: the practice's staff and pending
//! invitations, inviting, resending, revoking, role changes, deactivation and the main user.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::frame::forms::{Field, FormError, action_error};
use crate::platform::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Expired,
    Active,
    Deactivated,
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::Expired => "Expired",
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
        }
    }
}

/// One line of the users table: a member (`user_id`) or a pending invitation (`invitation_id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserLine {
    pub user_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub role_id: i64,
    pub role_name: String,
    pub status: UserStatus,
    pub is_main: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsersPage {
    pub practice_name: String,
    pub lines: Vec<UserLine>,
    pub roles: Vec<RoleOption>,
    pub my_user_id: i64,
    pub i_am_main: bool,
}

#[server(endpoint = "list_practice_users")]
pub async fn list_practice_users() -> Result<UsersPage, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::users_page(&actor).await
}

#[server(endpoint = "invite_user")]
pub async fn invite_user(name: String, email: String, role_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::invite(&actor, &name, &email, role_id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::resend(&actor, invitation_id).await.map_err(AppError::respond)
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::revoke(&actor, invitation_id).await.map_err(AppError::respond)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: i64, role_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::change_role(&actor, user_id, role_id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "set_member_active")]
pub async fn set_member_active(user_id: i64, active: bool) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::set_active(&actor, user_id, active)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transfer_main_user")]
pub async fn transfer_main_user(user_id: i64) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::transfer_main(&actor, user_id).await.map_err(AppError::respond)
}

/// Home › Manage users: the practice's users in the partner account, or the client's own
/// users in a client account.
#[component]
pub fn ManageUsersRoute() -> impl IntoView {
    let me = crate::frame::layout::use_me();
    view! {
        <Transition fallback=|| ()>
            {move || me.0.get().map(|r| {
                let in_client = matches!(&r, Ok(Some(m)) if m.current.as_ref().is_some_and(|a| a.kind == crate::identity::accounts::AccountKind::Client));
                if in_client { view! { <crate::partner::client_users::ClientUsersPage/> }.into_any() } else { view! { <ManageUsersPage/> }.into_any() }
            })}
        </Transition>
    }
}

#[component]
pub fn ManageUsersPage() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let set_active = ServerAction::<SetMemberActive>::new();
    let transfer = ServerAction::<TransferMainUser>::new();
    let page = Resource::new(
        move || {
            (
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                change_role.version().get(),
                set_active.version().get(),
                transfer.version().get(),
            )
        },
        |_| list_practice_users(),
    );
    let show_form = RwSignal::new(false);
    let invite_error = action_error(invite);
    // Close the form after a successful invitation.
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            show_form.set(false);
        }
    });
    let row_error = Signal::derive(move || {
        [
            action_error(resend).get(),
            action_error(revoke).get(),
            action_error(change_role).get(),
            action_error(set_active).get(),
            action_error(transfer).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            notice.set(Some("Invitation sent.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = resend.value().get() {
            notice.set(Some(
                "Invitation sent again with a new link; the old link no longer works.".into(),
            ));
        }
    });

    view! {
        <Title text="Manage users"/>
        <div class="page-head">
            <h1>"Manage users"</h1>
            <div class="actions">
                <A href="/manage-users/roles" attr:class="button secondary">"View roles"</A>
                <button type="button" on:click=move |_| show_form.update(|s| *s = !*s) aria-expanded=move || show_form.get().to_string()>
                    "Invite users"
                </button>
            </div>
        </div>
        <p role="status" class="notice">{move || notice.get()}</p>
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || {
                page.get().map(|result| match result {
                    Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                    Ok(data) => {
                        let roles = StoredValue::new(data.roles.clone());
                        view! {
                            <Show when=move || show_form.get()>
                                <section class="card" aria-labelledby="invite-heading">
                                    <h2 id="invite-heading">"Invite a user"</h2>
                                    <ActionForm action=invite attr:novalidate="true" attr:class="inline-form">
                                        <FormError error=invite_error/>
                                        <Field label="Name" name="name" error=invite_error autocomplete="off"/>
                                        <Field label="Email" name="email" kind="email" error=invite_error autocomplete="off"/>
                                        <div class="field">
                                            <label for="field-role_id">"Role"</label>
                                            <select id="field-role_id" name="role_id">
                                                {roles.get_value().into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <button type="submit" disabled=move || invite.pending().get()>"Invite user"</button>
                                    </ActionForm>
                                </section>
                            </Show>
                            <Show when=move || row_error.get().is_some()>
                                <div class="alert error" role="alert">{move || row_error.get().map(|e| e.to_string())}</div>
                            </Show>
                            <UsersTable data resend revoke change_role set_active transfer/>
                        }
                        .into_any()
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn UsersTable(
    data: UsersPage,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    change_role: ServerAction<ChangeMemberRole>,
    set_active: ServerAction<SetMemberActive>,
    transfer: ServerAction<TransferMainUser>,
) -> impl IntoView {
    let UsersPage {
        practice_name,
        lines,
        roles,
        my_user_id,
        i_am_main,
    } = data;
    view! {
        <div class="table-wrap">
            <table class="data">
                <caption>{format!("Users of {practice_name}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {lines
                        .into_iter()
                        .map(|line| {
                            let roles = roles.clone();
                            let status_class = format!("status status-{}", line.status.label().to_lowercase());
                            let name = line.name.clone();
                            let role_cell = match line.user_id {
                                Some(user_id) if !line.is_main && line.status == UserStatus::Active => {
                                    let current = line.role_id;
                                    view! {
                                        <select
                                            aria-label=format!("Role of {name}")
                                            on:change=move |ev| {
                                                if let Ok(role_id) = event_target_value(&ev).parse::<i64>() {
                                                    change_role.dispatch(ChangeMemberRole { user_id, role_id });
                                                }
                                            }
                                        >
                                            {roles.into_iter().map(|r| view! { <option value=r.id.to_string() selected=r.id == current>{r.name}</option> }).collect_view()}
                                        </select>
                                    }
                                    .into_any()
                                }
                                _ => view! { <span>{line.role_name.clone()}</span> }.into_any(),
                            };
                            let actions = match (line.user_id, line.invitation_id) {
                                (_, Some(invitation_id)) => view! {
                                    <button type="button" class="link" aria-label=format!("Resend invitation to {name}") on:click=move |_| { resend.dispatch(ResendInvitation { invitation_id }); }>"Resend"</button>
                                    <button type="button" class="link danger" aria-label=format!("Revoke invitation to {name}") on:click=move |_| { revoke.dispatch(RevokeInvitation { invitation_id }); }>"Revoke"</button>
                                }
                                .into_any(),
                                (Some(_), None) if line.is_main => view! { <span class="muted">"Main user"</span> }.into_any(),
                                (Some(user_id), None) => {
                                    let active = line.status == UserStatus::Active;
                                    let me = user_id == my_user_id;
                                    view! {
                                        {(!me).then(|| if active {
                                            view! { <button type="button" class="link danger" aria-label=format!("Deactivate {name}") on:click=move |_| { set_active.dispatch(SetMemberActive { user_id, active: false }); }>"Deactivate"</button> }.into_any()
                                        } else {
                                            view! { <button type="button" class="link" aria-label=format!("Reactivate {name}") on:click=move |_| { set_active.dispatch(SetMemberActive { user_id, active: true }); }>"Reactivate"</button> }.into_any()
                                        })}
                                        {(i_am_main && active && !me).then(|| view! {
                                            <button type="button" class="link" aria-label=format!("Make {name} the main user") on:click=move |_| { transfer.dispatch(TransferMainUser { user_id }); }>"Transfer main user"</button>
                                        })}
                                    }
                                    .into_any()
                                }
                                (None, None) => ().into_any(),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{line.name.clone()}{line.is_main.then(|| view! { <span class="badge">"Main user"</span> })}</th>
                                    <td>{line.email.clone()}</td>
                                    <td>{role_cell}</td>
                                    <td><span class=status_class>{line.status.label()}</span></td>
                                    <td><div class="row-actions">{actions}</div></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::identity::accounts::ssr::display_role_name;
    use crate::identity::session::{PracticeActor, end_all_for_user};
    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::db::now;
    use crate::platform::names::{DisplayName, EmailAddress};
    use crate::practice::permissions::RoleKind;

    #[derive(sqlx::FromRow)]
    struct LineRow {
        user_id: Option<i64>,
        invitation_id: Option<i64>,
        name: String,
        email: String,
        role_id: i64,
        role_kind: String,
        role_name: String,
        status: String,
        is_main: i64,
        expires_at: Option<i64>,
    }

    pub async fn users_page(actor: &PracticeActor) -> Result<UsersPage, AppError> {
        let db = &actor.state.db;
        let practice_name: String = sqlx::query_scalar(r#"SELECT name FROM practices WHERE id = $1"#)
            .bind(actor.practice_id)
            .fetch_one(db.pool())
            .await?;
        let rows: Vec<LineRow> = sqlx::query_as(
            r#"SELECT m.user_id AS user_id, CAST(NULL AS BIGINT) AS invitation_id, u.name, u.email, r.id AS role_id, r.kind AS role_kind,
                      r.name AS role_name, m.status, m.is_main, CAST(NULL AS BIGINT) AS expires_at
               FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
               WHERE m.practice_id = $1
               UNION ALL
               SELECT CAST(NULL AS BIGINT), i.id, i.name, i.email, r.id, r.kind, r.name, i.status, 0, i.expires_at
               FROM invitations i JOIN roles r ON r.id = i.role_id
               WHERE i.practice_id = $1 AND i.status = 'pending'
               ORDER BY 3, 4"#,
        )
        .bind(actor.practice_id)
        .fetch_all(db.pool())
        .await?;
        let t = now();
        let lines = rows
            .into_iter()
            .map(|r| UserLine {
                status: match (r.invitation_id, r.status.as_str()) {
                    (Some(_), _) if r.expires_at.unwrap_or(0) <= t => UserStatus::Expired,
                    (Some(_), _) => UserStatus::Invited,
                    (None, "active") => UserStatus::Active,
                    _ => UserStatus::Deactivated,
                },
                user_id: r.user_id,
                invitation_id: r.invitation_id,
                name: r.name,
                email: r.email,
                role_id: r.role_id,
                role_name: display_role_name(&r.role_kind, &r.role_name),
                is_main: r.is_main == 1,
            })
            .collect();
        Ok(UsersPage {
            practice_name,
            lines,
            roles: role_options(actor).await?,
            my_user_id: actor.user_id(),
            i_am_main: actor.is_main,
        })
    }

    pub async fn role_options(actor: &PracticeActor) -> Result<Vec<RoleOption>, AppError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            r#"SELECT id, kind, name FROM roles WHERE practice_id = $1
               ORDER BY CASE kind WHEN 'admin' THEN 0 WHEN 'employee' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, name_key"#,
        )
        .bind(actor.practice_id)
        .fetch_all(actor.state.db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, name)| RoleOption {
                id,
                name: display_role_name(&kind, &name),
            })
            .collect())
    }

    /// The role, if it belongs to the actor's practice.
    async fn practice_role(
        actor: &PracticeActor,
        conn: &mut sqlx::AnyConnection,
        role_id: i64,
    ) -> Result<(String, String), AppError> {
        sqlx::query_as(r#"SELECT kind, name FROM roles WHERE id = $1 AND practice_id = $2"#)
            .bind(role_id)
            .bind(actor.practice_id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::invalid("role_id", "Choose one of the practice's roles."))
    }

    async fn practice_name(actor: &PracticeActor, conn: &mut sqlx::AnyConnection) -> Result<String, AppError> {
        Ok(sqlx::query_scalar(r#"SELECT name FROM practices WHERE id = $1"#)
            .bind(actor.practice_id)
            .fetch_one(conn)
            .await?)
    }

    pub async fn invite(actor: &PracticeActor, name: &str, email: &str, role_id: i64) -> Result<(), AppError> {
        let name = DisplayName::parse(name, "name", 200).map_err(|m| AppError::invalid("name", m))?;
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
        let state = &actor.state;
        let mut tx = state.db.begin_write().await?;
        let (_, role_name) = practice_role(actor, &mut tx, role_id).await?;
        let member: Option<i64> = sqlx::query_scalar(
            r#"SELECT m.user_id FROM practice_members m JOIN users u ON u.id = m.user_id WHERE m.practice_id = $1 AND u.email = $2"#,
        )
        .bind(actor.practice_id)
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if member.is_some() {
            return Err(AppError::invalid(
                "email",
                format!("{} is already a member of this practice.", email.as_str()),
            ));
        }
        let pending: Option<(i64, i64)> = sqlx::query_as(
            r#"SELECT id, expires_at FROM invitations WHERE practice_id = $1 AND email = $2 AND status = 'pending'"#,
        )
        .bind(actor.practice_id)
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((old_id, expires_at)) = pending {
            if expires_at > now() {
                return Err(AppError::invalid(
                    "email",
                    format!(
                        "{} already has a pending invitation. Resend it from the list instead.",
                        email.as_str()
                    ),
                ));
            }
            // An expired invitation makes way for the new one.
            sqlx::query(r#"UPDATE invitations SET status = 'revoked' WHERE id = $1"#)
                .bind(old_id)
                .execute(&mut *tx)
                .await?;
        }
        let t = now();
        let id: i64 = sqlx::query_scalar(
            r#"INSERT INTO invitations (practice_id, email, name, role_id, token_hash, status, invited_by, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $7) RETURNING id"#,
        )
        .bind(actor.practice_id)
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(role_id)
        // A placeholder hash that no token maps to; issue_link replaces it at once.
        .bind(format!("unissued-{}", crate::identity::session::new_token()))
        .bind(actor.user_id())
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        let practice = practice_name(actor, &mut tx).await?;
        crate::identity::invitations::ssr::issue_link(&mut tx, state, id, &practice, &actor.session.name).await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("invitation"),
                target_id: Some(id),
                target_label: Some(email.as_str()),
                after: Some(serde_json::json!({ "name": name.as_str(), "role": role_name, "status": "invited" })),
                ..actor.audit("invitation.created")
            },
        )
        .await?;
        tx.commit().await?;
        state.outbox.0.notify_one();
        Ok(())
    }

    async fn pending_invitation(
        actor: &PracticeActor,
        conn: &mut sqlx::AnyConnection,
        id: i64,
    ) -> Result<String, AppError> {
        sqlx::query_scalar(r#"SELECT email FROM invitations WHERE id = $1 AND practice_id = $2 AND status = 'pending'"#)
            .bind(id)
            .bind(actor.practice_id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::NotFound("That invitation".into()))
    }

    pub async fn resend(actor: &PracticeActor, id: i64) -> Result<(), AppError> {
        let state = &actor.state;
        let mut tx = state.db.begin_write().await?;
        let email = pending_invitation(actor, &mut tx, id).await?;
        let practice = practice_name(actor, &mut tx).await?;
        crate::identity::invitations::ssr::issue_link(&mut tx, state, id, &practice, &actor.session.name).await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("invitation"),
                target_id: Some(id),
                target_label: Some(&email),
                ..actor.audit("invitation.resent")
            },
        )
        .await?;
        tx.commit().await?;
        state.outbox.0.notify_one();
        Ok(())
    }

    pub async fn revoke(actor: &PracticeActor, id: i64) -> Result<(), AppError> {
        let mut tx = actor.state.db.begin_write().await?;
        let email = pending_invitation(actor, &mut tx, id).await?;
        sqlx::query(r#"UPDATE invitations SET status = 'revoked' WHERE id = $1"#)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("invitation"),
                target_id: Some(id),
                target_label: Some(&email),
                before: Some(serde_json::json!({ "status": "invited" })),
                after: Some(serde_json::json!({ "status": "revoked" })),
                ..actor.audit("invitation.revoked")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct MemberRow {
        email: String,
        role_name: String,
        status: String,
        is_main: i64,
    }

    async fn member(
        actor: &PracticeActor,
        conn: &mut sqlx::AnyConnection,
        user_id: i64,
    ) -> Result<MemberRow, AppError> {
        sqlx::query_as(
            r#"SELECT u.email, r.name AS role_name, m.status, m.is_main
               FROM practice_members m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
               WHERE m.practice_id = $1 AND m.user_id = $2"#,
        )
        .bind(actor.practice_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))
    }

    pub async fn change_role(actor: &PracticeActor, user_id: i64, role_id: i64) -> Result<(), AppError> {
        let mut tx = actor.state.db.begin_write().await?;
        let m = member(actor, &mut tx, user_id).await?;
        let (kind, role_name) = practice_role(actor, &mut tx, role_id).await?;
        if m.is_main == 1 && kind != RoleKind::Admin.as_str() {
            return Err(AppError::Conflict(
                "The main user keeps the Admin role. Transfer the main user first.".into(),
            ));
        }
        sqlx::query(r#"UPDATE practice_members SET role_id = $1 WHERE practice_id = $2 AND user_id = $3"#)
            .bind(role_id)
            .bind(actor.practice_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("user"),
                target_id: Some(user_id),
                target_label: Some(&m.email),
                before: Some(serde_json::json!({ "role": m.role_name })),
                after: Some(serde_json::json!({ "role": role_name })),
                ..actor.audit("member.role_changed")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_active(actor: &PracticeActor, user_id: i64, active: bool) -> Result<(), AppError> {
        let mut tx = actor.state.db.begin_write().await?;
        let m = member(actor, &mut tx, user_id).await?;
        if m.is_main == 1 && !active {
            return Err(AppError::Conflict(
                "The main user cannot be deactivated. Transfer the main user first.".into(),
            ));
        }
        if user_id == actor.user_id() && !active {
            return Err(AppError::Conflict("You cannot deactivate yourself.".into()));
        }
        let status = if active { "active" } else { "deactivated" };
        sqlx::query(r#"UPDATE practice_members SET status = $1 WHERE practice_id = $2 AND user_id = $3"#)
            .bind(status)
            .bind(actor.practice_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if !active {
            // Deactivation takes effect now: every session of that login ends.
            end_all_for_user(&mut tx, user_id).await?;
        }
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("user"),
                target_id: Some(user_id),
                target_label: Some(&m.email),
                before: Some(serde_json::json!({ "status": m.status })),
                after: Some(serde_json::json!({ "status": status })),
                ..actor.audit(if active {
                    "member.reactivated"
                } else {
                    "member.deactivated"
                })
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn transfer_main(actor: &PracticeActor, user_id: i64) -> Result<(), AppError> {
        if !actor.is_main {
            return Err(AppError::Forbidden);
        }
        let mut tx = actor.state.db.begin_write().await?;
        let m = member(actor, &mut tx, user_id).await?;
        if m.status != "active" {
            return Err(AppError::Conflict(
                "Only an active member can become the main user.".into(),
            ));
        }
        if user_id == actor.user_id() {
            return Ok(());
        }
        let admin_role =
            crate::practice::practices::ssr::predefined_role_id(&mut tx, actor.practice_id, RoleKind::Admin).await?;
        // Clear the old main user first: the schema allows one main user per practice.
        sqlx::query(r#"UPDATE practice_members SET is_main = 0 WHERE practice_id = $1 AND user_id = $2"#)
            .bind(actor.practice_id)
            .bind(actor.user_id())
            .execute(&mut *tx)
            .await?;
        sqlx::query(r#"UPDATE practice_members SET is_main = 1, role_id = $1 WHERE practice_id = $2 AND user_id = $3"#)
            .bind(admin_role)
            .bind(actor.practice_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("user"),
                target_id: Some(user_id),
                target_label: Some(&m.email),
                before: Some(serde_json::json!({ "main_user": actor.session.email, "role": m.role_name })),
                after: Some(serde_json::json!({ "main_user": m.email, "role": "Admin" })),
                ..actor.audit("practice.main_user_transferred")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
