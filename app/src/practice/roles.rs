//! Roles: the predefined Admin, Employee and User, and a practice's custom roles with
//! their permission sets (Manage users → View roles).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::frame::forms::FormError;
use crate::platform::error::AppError;
use crate::practice::permissions::{CATALOGUE, RoleKind, find};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleDetail {
    pub id: i64,
    pub kind: RoleKind,
    pub name: String,
    pub permissions: Vec<String>,
    /// Staff with this role in the practice, client assignments with it, pending invitations.
    pub members: i64,
    pub assignments: i64,
    pub invitations: i64,
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleDetail>, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::list(&actor).await
}

/// Creates (`role_id` = None) or updates a custom role.
#[server(endpoint = "save_role", input = leptos::server_fn::codec::Json)]
pub async fn save_role(role_id: Option<i64>, name: String, permissions: Vec<String>) -> Result<i64, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::save(&actor, role_id, &name, &permissions)
        .await
        .map_err(AppError::respond)
}

/// Deletes a custom role. While it is still in use, `move_to` must name the role that
/// takes over its users, client assignments and invitations.
#[server(endpoint = "delete_role")]
pub async fn delete_role(role_id: i64, move_to: Option<i64>) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::delete(&actor, role_id, move_to).await.map_err(AppError::respond)
}

/// Ticking a permission ticks what it needs; unticking one unticks what needs it.
fn toggle(set: &mut BTreeSet<String>, key: &str, on: bool) {
    if on {
        if set.insert(key.to_owned())
            && let Some(p) = find(key)
        {
            for r in p.requires {
                toggle(set, r, true);
            }
        }
    } else if set.remove(key) {
        for p in crate::practice::permissions::all().filter(|p| p.requires.contains(&key)) {
            toggle(set, p.key, false);
        }
    }
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_roles());
    // The editor: None = closed; Some(None) = new role; Some(Some(id)) = editing that role.
    let editing = RwSignal::new(None::<Option<i64>>);
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let save_error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let open_editor = move |role: Option<RoleDetail>| {
        save.clear();
        match role {
            Some(r) => {
                name.set(r.name);
                chosen.set(r.permissions.into_iter().collect());
                editing.set(Some(Some(r.id)));
            }
            None => {
                name.set(String::new());
                chosen.set(BTreeSet::new());
                editing.set(Some(None));
            }
        }
    };

    view! {
        <Title text="Roles"/>
        <div class="page-head">
            <div>
                <p class="crumbs"><A href="/manage-users">"Manage users"</A>" › Roles"</p>
                <h1>"Roles"</h1>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| open_editor(None)>"Create role"</button>
            </div>
        </div>
        <Show when=move || editing.get().is_some()>
            <section class="card" aria-labelledby="role-editor-heading">
                <h2 id="role-editor-heading">{move || if matches!(editing.get(), Some(Some(_))) { "Edit role" } else { "Create role" }}</h2>
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(SaveRole {
                        role_id: editing.get_untracked().flatten(),
                        name: name.get_untracked(),
                        permissions: chosen.get_untracked().into_iter().collect(),
                    });
                }>
                    <FormError error=save_error/>
                    <div class="field" class:invalid=move || save_error.get().and_then(|e| e.for_field("name")).is_some()>
                        <label for="role-name">"Role name"</label>
                        <input id="role-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) aria-describedby="role-name-error"/>
                        <p class="field-error" id="role-name-error">{move || save_error.get().and_then(|e| e.for_field("name"))}</p>
                    </div>
                    <div class="sections">
                        {CATALOGUE
                            .iter()
                            .map(|section| {
                                let keys: Vec<&'static str> = section.permissions.iter().map(|p| p.key).collect();
                                let all_on = {
                                    let keys = keys.clone();
                                    move || chosen.with(|c| keys.iter().all(|k| c.contains(*k)))
                                };
                                view! {
                                    <fieldset class="perm-section">
                                        <legend>{section.name}</legend>
                                        <label class="select-all">
                                            <input
                                                type="checkbox"
                                                aria-label=format!("Select all {}", section.name)
                                                prop:checked=all_on
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    chosen.update(|c| for k in &keys { toggle(c, k, on); });
                                                }
                                            />
                                            "Select all"
                                        </label>
                                        {section
                                            .permissions
                                            .iter()
                                            .map(|p| {
                                                let key = p.key;
                                                let on = move || chosen.with(|c| c.contains(key));
                                                view! {
                                                    <label class="perm">
                                                        <input type="checkbox" prop:checked=on on:change=move |ev| {
                                                            let checked = event_target_checked(&ev);
                                                            chosen.update(|c| toggle(c, key, checked));
                                                        }/>
                                                        <span>{p.label}</span>
                                                        <span class="perm-state" aria-hidden="true">{move || if on() { "Full" } else { "None" }}</span>
                                                    </label>
                                                }
                                            })
                                            .collect_view()}
                                    </fieldset>
                                }
                            })
                            .collect_view()}
                    </div>
                    <div class="form-actions">
                        <button type="submit" disabled=move || save.pending().get()>"Save role"</button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                    </div>
                </form>
            </section>
        </Show>
        <Transition fallback=|| view! { <p>"Loading roles…"</p> }>
            {move || roles.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(list) => view! { <RolesTable list delete on_edit=Callback::new(move |r| open_editor(Some(r)))/> }.into_any(),
            })}
        </Transition>
    }
}

/// "1 user", "3 users".
fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[component]
fn RolesTable(list: Vec<RoleDetail>, delete: ServerAction<DeleteRole>, on_edit: Callback<RoleDetail>) -> impl IntoView {
    let confirming = RwSignal::new(None::<i64>);
    let delete_error = Signal::derive(move || delete.value().get().and_then(|r| r.err()));
    let options = list.clone();
    view! {
            <Show when=move || delete_error.get().is_some()>
                <div class="alert error" role="alert">{move || delete_error.get().map(|e| e.to_string())}</div>
            </Show>
            <div class="table-wrap">
                <table class="data">
                    <caption>"Roles of the practice"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Permissions"</th>
                            <th scope="col">"In use"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|role| {
                            let in_use = role.members + role.assignments + role.invitations;
                            let id = role.id;
                            let name = role.name.clone();
                            let others: Vec<(i64, String)> = options.iter().filter(|o| o.id != id).map(|o| (o.id, o.name.clone())).collect();
                            let summary = if role.kind == RoleKind::Admin { "Every permission".to_owned() } else { format!("{} permissions", role.permissions.len()) };
                            let move_to = RwSignal::new(others.first().map(|o| o.0));
                            let detail = role.clone();
                            view! {
                                <tr>
                                    <th scope="row">{role.name.clone()}{(role.kind != RoleKind::Custom).then(|| view! { <span class="badge">"Predefined"</span> })}</th>
                                    <td>{summary}</td>
                                    <td>{format!("{}, {}, {}", count(role.members, "user"), count(role.assignments, "client assignment"), count(role.invitations, "invitation"))}</td>
                                    <td>
    <div class="row-actions">
                                        {(role.kind == RoleKind::Custom).then(|| view! {
                                            <button type="button" class="link" aria-label=format!("Edit {name}") on:click=move |_| on_edit.run(detail.clone())>"Edit"</button>
                                            <button type="button" class="link danger" aria-label=format!("Delete {name}") on:click=move |_| {
                                                if in_use == 0 { delete.dispatch(DeleteRole { role_id: id, move_to: None }); } else { confirming.set(Some(id)); }
                                            }>"Delete"</button>
                                            <Show when=move || confirming.get() == Some(id)>
                                                <div class="confirm" role="group" aria-label="Move users before deleting">
                                                    <label>
                                                        {format!("Move {in_use} uses to ")}
                                                        <select on:change=move |ev| move_to.set(event_target_value(&ev).parse().ok())>
                                                            {others.clone().into_iter().map(|(oid, oname)| view! { <option value=oid.to_string()>{oname}</option> }).collect_view()}
                                                        </select>
                                                    </label>
                                                    <button type="button" class="danger" on:click=move |_| {
                                                        delete.dispatch(DeleteRole { role_id: id, move_to: move_to.get_untracked() });
                                                        confirming.set(None);
                                                    }>"Move and delete"</button>
                                                    <button type="button" class="secondary" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                                </div>
                                            </Show>
                                        })}
                                    </div>
    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use super::*;
    use crate::identity::session::{PracticeActor, role_permissions};
    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::db::now;
    use crate::platform::names::DisplayName;

    /// Creates a custom role with an already validated permission set.
    pub async fn create_custom_role(
        conn: &mut AnyConnection,
        practice_id: i64,
        name: &DisplayName,
        permissions: &[&str],
    ) -> Result<i64, sqlx::Error> {
        let t = now();
        let role_id: i64 = sqlx::query_scalar(
            r#"INSERT INTO roles (practice_id, kind, name, name_key, created_at, updated_at)
               VALUES ($1, 'custom', $2, $3, $4, $4) RETURNING id"#,
        )
        .bind(practice_id)
        .bind(name.as_str())
        .bind(name.as_str().to_lowercase())
        .bind(t)
        .fetch_one(&mut *conn)
        .await?;
        set_permissions(conn, practice_id, role_id, permissions).await?;
        Ok(role_id)
    }

    async fn set_permissions(
        conn: &mut AnyConnection,
        practice_id: i64,
        role_id: i64,
        permissions: &[&str],
    ) -> Result<(), sqlx::Error> {
        sqlx::query(r#"DELETE FROM role_permissions WHERE role_id = $1"#)
            .bind(role_id)
            .execute(&mut *conn)
            .await?;
        if permissions.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO role_permissions (practice_id, role_id, permission) VALUES {}",
            crate::platform::db::values_placeholders(permissions.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for key in permissions {
            q = q.bind(practice_id).bind(role_id).bind(*key);
        }
        q.execute(conn).await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct RoleRow {
        id: i64,
        kind: String,
        name: String,
        members: i64,
        assignments: i64,
        invitations: i64,
    }

    pub async fn list(actor: &PracticeActor) -> Result<Vec<RoleDetail>, AppError> {
        let rows: Vec<RoleRow> = sqlx::query_as(
            r#"SELECT r.id, r.kind, r.name,
                      (SELECT COUNT(*) FROM practice_members m WHERE m.role_id = r.id) AS members,
                      (SELECT COUNT(*) FROM client_assignments a WHERE a.role_id = r.id) AS assignments,
                      (SELECT COUNT(*) FROM invitations i WHERE i.role_id = r.id AND i.status = 'pending') AS invitations
               FROM roles r WHERE r.practice_id = $1
               ORDER BY CASE r.kind WHEN 'admin' THEN 0 WHEN 'employee' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, r.name_key"#,
        )
        .bind(actor.practice_id)
        .fetch_all(actor.state.db.pool())
        .await?;
        let mut conn = actor.state.db.pool().acquire().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let kind = RoleKind::parse(&r.kind).ok_or(AppError::Internal)?;
            out.push(RoleDetail {
                id: r.id,
                kind,
                name: crate::identity::accounts::ssr::display_role_name(&r.kind, &r.name),
                permissions: role_permissions(&mut conn, r.id, kind).await?,
                members: r.members,
                assignments: r.assignments,
                invitations: r.invitations,
            });
        }
        Ok(out)
    }

    async fn custom_role(
        actor: &PracticeActor,
        conn: &mut AnyConnection,
        role_id: i64,
    ) -> Result<(String, Vec<String>), AppError> {
        let row: Option<(String, String)> =
            sqlx::query_as(r#"SELECT kind, name FROM roles WHERE id = $1 AND practice_id = $2"#)
                .bind(role_id)
                .bind(actor.practice_id)
                .fetch_optional(&mut *conn)
                .await?;
        match row {
            None => Err(AppError::NotFound("That role".into())),
            Some((kind, _)) if kind != "custom" => {
                Err(AppError::Conflict("Predefined roles cannot be changed.".into()))
            }
            Some((_, name)) => {
                let perms = role_permissions(conn, role_id, RoleKind::Custom).await?;
                Ok((name, perms))
            }
        }
    }

    fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }

    pub async fn save(
        actor: &PracticeActor,
        role_id: Option<i64>,
        name: &str,
        permissions: &[String],
    ) -> Result<i64, AppError> {
        let name = DisplayName::parse(name, "role name", 60).map_err(|m| AppError::invalid("name", m))?;
        let keys = crate::practice::permissions::validate(permissions)
            .map_err(|e| AppError::invalid("permissions", e.to_string()))?;
        let taken = || AppError::invalid("name", format!("There is already a role called {}.", name.as_str()));
        let mut tx = actor.state.db.begin_write().await?;
        let (id, action, before) = match role_id {
            None => {
                let id = create_custom_role(&mut tx, actor.practice_id, &name, &keys)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            taken()
                        } else {
                            AppError::from(e)
                        }
                    })?;
                (id, "role.created", None)
            }
            Some(id) => {
                let (old_name, old_perms) = custom_role(actor, &mut tx, id).await?;
                sqlx::query(r#"UPDATE roles SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4"#)
                    .bind(name.as_str())
                    .bind(name.as_str().to_lowercase())
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            taken()
                        } else {
                            AppError::from(e)
                        }
                    })?;
                set_permissions(&mut tx, actor.practice_id, id, &keys).await?;
                (
                    id,
                    "role.updated",
                    Some(serde_json::json!({ "name": old_name, "permissions": old_perms })),
                )
            }
        };
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("role"),
                target_id: Some(id),
                target_label: Some(name.as_str()),
                before,
                after: Some(serde_json::json!({ "name": name.as_str(), "permissions": keys })),
                ..actor.audit(action)
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete(actor: &PracticeActor, role_id: i64, move_to: Option<i64>) -> Result<(), AppError> {
        let mut tx = actor.state.db.begin_write().await?;
        let (name, perms) = custom_role(actor, &mut tx, role_id).await?;
        let in_use: i64 = sqlx::query_scalar(
            r#"SELECT (SELECT COUNT(*) FROM practice_members WHERE role_id = $1)
                    + (SELECT COUNT(*) FROM client_assignments WHERE role_id = $1)
                    + (SELECT COUNT(*) FROM invitations WHERE role_id = $1)"#,
        )
        .bind(role_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut moved_to = None;
        if in_use > 0 {
            let Some(target) = move_to.filter(|t| *t != role_id) else {
                return Err(AppError::Conflict(format!(
                    "{name} is still in use. Choose the role its users and client assignments move to."
                )));
            };
            let target_name: String =
                sqlx::query_scalar(r#"SELECT name FROM roles WHERE id = $1 AND practice_id = $2"#)
                    .bind(target)
                    .bind(actor.practice_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| AppError::invalid("move_to", "Choose one of the practice's roles."))?;
            for table in ["practice_members", "client_assignments", "invitations"] {
                sqlx::query(&format!("UPDATE {table} SET role_id = $1 WHERE role_id = $2"))
                    .bind(target)
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await?;
            }
            moved_to = Some(target_name);
        }
        sqlx::query(r#"DELETE FROM roles WHERE id = $1"#)
            .bind(role_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("role"),
                target_id: Some(role_id),
                target_label: Some(&name),
                before: Some(serde_json::json!({ "name": name, "permissions": perms })),
                after: moved_to.map(|t| serde_json::json!({ "moved_to": t, "uses_moved": in_use })),
                affected_count: Some(in_use),
                ..actor.audit("role.deleted")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
