//! Partner → Clients → Client overview → "Staff with access": the client's side of the
//! matrix. Every staff member with a role on one client (role, since when, who granted
//! it), "Remove <staff name>" per row and "Add staff". Changes go through the matrix's
//! own `set_client_role`, so the same rules and audit apply. The client's own users (people
//! of the business itself) are listed below; on Practice Edition, where the client has no
//! Manage users of its own, the practice deactivates and reactivates them here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::partner::matrix::SetClientRole;
use crate::platform::error::AppError;
use crate::practice::manage_users::RoleOption;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffAccess {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role_name: String,
    pub since: i64,
    pub granted_by: Option<String>,
    pub ends_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffOption {
    pub user_id: i64,
    pub name: String,
}

/// One of the client's own users (not practice staff).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnUser {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role_name: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientStaff {
    pub client_id: i64,
    pub client_name: String,
    pub archived: bool,
    pub rows: Vec<StaffAccess>,
    /// Active staff without a role here, for "Add staff".
    pub others: Vec<StaffOption>,
    pub roles: Vec<RoleOption>,
    /// The client's own users, active ones first.
    pub own_users: Vec<OwnUser>,
    /// The client manages its own users (every plan but Practice Edition); else the
    /// practice does, here.
    pub manages_own_users: bool,
}

#[server(endpoint = "list_client_staff")]
pub async fn list_client_staff(client_id: i64) -> Result<ClientStaff, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::client_staff(&actor, client_id).await
}

/// "Deactivate <name>" / "Reactivate <name>" of a Practice Edition client's own user, by
/// the practice (Manage users). Refused on other plans: the client manages its own users.
#[server(endpoint = "set_own_user_active")]
pub async fn set_own_user_active(client_id: i64, user_id: i64, active: bool) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::set_own_user_active(&actor, client_id, user_id, active).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::access::actor::{ClientActor, PracticeActor};

    use crate::domain::plans::Plan;
    use crate::domain::roles::display_role_name;
    use crate::domain::statuses::MemberStatus;

    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: i64,
        name: String,
        email: String,
        role_kind: String,
        role_name: String,
        since: i64,
        granted_by: Option<String>,
        ends_at: Option<i64>,
    }

    pub async fn client_staff(actor: &PracticeActor, client_id: i64) -> Result<ClientStaff, AppError> {
        let mut conn = actor.state.db.pool().acquire().await?;
        let client: Option<(String, i64, String)> =
            sqlx::query_as(r#"SELECT name, archived, plan FROM clients WHERE id = $1 AND practice_id = $2"#)
                .bind(client_id)
                .bind(actor.practice_id)
                .fetch_optional(&mut *conn)
                .await?;
        let (client_name, archived, plan) = client.ok_or_else(|| AppError::NotFound("That client".into()))?;
        let rows: Vec<Row> = sqlx::query_as(
            r#"SELECT a.user_id, u.name, u.email, r.kind AS role_kind, r.name AS role_name, a.granted_at AS since,
                      g.name AS granted_by, a.ends_at
               FROM current_assignments a JOIN users u ON u.id = a.user_id JOIN roles r ON r.id = a.role_id
                    LEFT JOIN users g ON g.id = a.granted_by
               WHERE a.practice_id = $1 AND a.client_id = $2
               ORDER BY LOWER(u.name), u.email"#,
        )
        .bind(actor.practice_id)
        .bind(client_id)
        .fetch_all(&mut *conn)
        .await?;
        let others: Vec<(i64, String)> = sqlx::query_as(
            r#"SELECT m.user_id, u.name FROM practice_members m JOIN users u ON u.id = m.user_id
               WHERE m.practice_id = $1 AND m.status = 'active'
                 AND NOT EXISTS (SELECT 1 FROM current_assignments a WHERE a.user_id = m.user_id AND a.client_id = $2)
               ORDER BY LOWER(u.name), u.email"#,
        )
        .bind(actor.practice_id)
        .bind(client_id)
        .fetch_all(&mut *conn)
        .await?;
        let own_users: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
            r#"SELECT cu.user_id, u.name, u.email, r.kind, r.name, cu.status
               FROM client_users cu JOIN users u ON u.id = cu.user_id JOIN roles r ON r.id = cu.role_id
               WHERE cu.client_id = $1
               ORDER BY CASE WHEN cu.status = 'active' THEN 0 ELSE 1 END, LOWER(u.name), u.email"#,
        )
        .bind(client_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(ClientStaff {
            client_id,
            own_users: own_users
                .into_iter()
                .map(|(user_id, name, email, kind, role, status)| OwnUser {
                    user_id,
                    name,
                    email,
                    role_name: display_role_name(&kind, &role),
                    active: status == MemberStatus::Active.as_str(),
                })
                .collect(),
            manages_own_users: Plan::parse(&plan).is_none_or(Plan::has_own_user_management),
            client_name,
            archived: archived == 1,
            rows: rows
                .into_iter()
                .map(|r| StaffAccess {
                    user_id: r.user_id,
                    name: r.name,
                    email: r.email,
                    role_name: display_role_name(&r.role_kind, &r.role_name),
                    since: r.since,
                    granted_by: r.granted_by,
                    ends_at: r.ends_at,
                })
                .collect(),
            others: others
                .into_iter()
                .map(|(user_id, name)| StaffOption { user_id, name })
                .collect(),
            roles: crate::practice::manage_users::ssr::role_options(&mut conn, actor.practice_id).await?,
        })
    }

    /// The practice acting on one of a Practice Edition client's own users, with the
    /// client's own rules (`client_users::ssr::set_active`: an Admin only by an Admin, a
    /// role given back only by someone who could give it; audited on the client).
    pub async fn set_own_user_active(
        actor: &PracticeActor,
        client_id: i64,
        user_id: i64,
        active: bool,
    ) -> Result<(), AppError> {
        let client: Option<(String, String, i64)> =
            sqlx::query_as(r#"SELECT name, plan, archived FROM clients WHERE id = $1 AND practice_id = $2"#)
                .bind(client_id)
                .bind(actor.practice_id)
                .fetch_optional(actor.state.db.pool())
                .await?;
        let (client_name, plan, archived) = client.ok_or_else(|| AppError::NotFound("That client".into()))?;
        if Plan::parse(&plan).is_none_or(Plan::has_own_user_management) {
            return Err(AppError::NotAllowed(format!(
                "{client_name} manages its own users, in its own Manage users."
            )));
        }
        // As the matrix gives no access on an archived client; taking it away is fine.
        if active && archived == 1 {
            return Err(AppError::NotAllowed(format!(
                "{client_name} is archived: restore it first."
            )));
        }
        let on_client = ClientActor {
            actor: actor.clone(),
            client_id,
            client_name,
        };
        crate::partner::client_users::ssr::set_active(&on_client, user_id, active).await
    }
}

/// `/partner/clients/staff?client=<id>`. Every control is a form posting to
/// `set_client_role`, so the page works without JavaScript too.
#[component]
pub fn ClientStaffPage() -> impl IntoView {
    let query = use_query_map();
    let client = Memo::new(move |_| query.with(|q| q.get("client").and_then(|c| c.parse::<i64>().ok()).unwrap_or(0)));
    let change = ServerAction::<SetClientRole>::new();
    let own = ServerAction::<SetOwnUserActive>::new();
    let data = Resource::new(
        move || (client.get(), change.version().get(), own.version().get()),
        |(c, _, _)| list_client_staff(c),
    );
    let error = crate::ui::forms::action_error(change);
    let own_error = crate::ui::forms::action_error(own);
    view! {
        <Title text="Staff with access"/>
        <p class="crumbs"><A href="/partner/clients">"Partner › Clients › Client overview"</A></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(d) => {
                    let client_id = d.client_id.to_string();
                    let heading = format!("{}: staff with access", d.client_name);
                    let own_users = own_users_section(&d, own, own_error);
                    let no_rows = d.rows.is_empty();
                    view! {
                        <h1>{heading.clone()}</h1>
                        <Show when=move || error.get().is_some()>
                            <div class="alert error" role="alert">{move || error.get().map(|e| e.to_string())}</div>
                        </Show>
                        {(!d.archived && !d.others.is_empty()).then(|| {
                            let client_id = client_id.clone();
                            view! {
                                <section class="card" aria-labelledby="add-staff-heading">
                                    <h2 id="add-staff-heading">"Add staff"</h2>
                                    <ActionForm action=change attr:class="inline-form">
                                        <input type="hidden" name="client_id" value=client_id/>
                                        <div class="field">
                                            <label for="add-staff-user">"Staff member"</label>
                                            <select id="add-staff-user" name="user_id">
                                                {d.others.iter().map(|s| view! { <option value=s.user_id.to_string()>{s.name.clone()}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for="add-staff-role">"Role"</label>
                                            <select id="add-staff-role" name="role_id">
                                                {d.roles.iter().map(|r| view! { <option value=r.id.to_string()>{r.name.clone()}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <button type="submit" disabled=move || change.pending().get()>"Add staff"</button>
                                    </ActionForm>
                                </section>
                            }
                        })}
                        <p class="count" role="status">{match d.rows.len() { 0 => "No staff have access to this client.".to_owned(), 1 => "1 staff member has access.".to_owned(), n => format!("{n} staff members have access.") }}</p>
                        <div class="table-wrap" hidden=no_rows>
                            <table class="data stack">
                                <caption>{heading}</caption>
                                <thead><tr>
                                    <th scope="col">"Staff member"</th><th scope="col">"Role"</th><th scope="col">"Since"</th>
                                    <th scope="col">"Granted by"</th><th scope="col">"Ends"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {d.rows.into_iter().map(|row| {
                                        let client_id = client_id.clone();
                                        view! {
                                            <tr>
                                                <th scope="row">{row.name.clone()}<small class="muted">{format!(" {}", row.email)}</small></th>
                                                <td>{row.role_name.clone()}</td>
                                                <td data-label="Since">{crate::platform::dates::format_time(row.since)}</td>
                                                <td data-label="Granted by">{row.granted_by.clone().unwrap_or_else(|| "–".to_owned())}</td>
                                                <td>{row.ends_at.map(|e| format!("until {}", crate::platform::dates::last_day(e))).unwrap_or_else(|| "No end date".to_owned())}</td>
                                                <td>
                                                    <ActionForm action=change attr:class="row-form">
                                                        <input type="hidden" name="client_id" value=client_id/>
                                                        <input type="hidden" name="user_id" value=row.user_id.to_string()/>
                                                        <button type="submit" class="link danger" aria-label=format!("Remove {}", row.name)>"Remove"</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {own_users}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The client's own users: read-only when the client manages them, with "Deactivate
/// <name>" / "Reactivate <name>" on Practice Edition, where the practice does.
fn own_users_section(
    d: &ClientStaff,
    own: ServerAction<SetOwnUserActive>,
    error: Signal<Option<AppError>>,
) -> Option<impl IntoView + use<>> {
    if d.own_users.is_empty() {
        return None;
    }
    let manages = d.manages_own_users;
    let archived = d.archived;
    let client_id = d.client_id.to_string();
    let heading = format!("{}: the client's own users", d.client_name);
    let about = if manages {
        "People of the business itself. The client manages them in its own Manage users."
    } else {
        "People of the business itself. The client is on Practice Edition, so the practice manages them here."
    };
    let rows = d
        .own_users
        .iter()
        .cloned()
        .map(|u| {
            let client_id = client_id.clone();
            let (label, class) = if u.active {
                ("Deactivate", "link danger")
            } else {
                ("Reactivate", "link")
            };
            let action_label = format!("{label} {}", u.name);
            let (user_id, next) = (u.user_id.to_string(), (!u.active).to_string());
            view! {
                <tr>
                    <th scope="row">{u.name}<small class="muted">{format!(" {}", u.email)}</small></th>
                    <td>{u.role_name}</td>
                    <td>{if u.active { "Active" } else { "Deactivated" }}</td>
                    // An archived client gives no access: nobody is reactivated there.
                    {(!manages).then(move || view! {
                        <td>
                            {(u.active || !archived).then(move || view! {
                                <ActionForm action=own attr:class="row-form">
                                    <input type="hidden" name="client_id" value=client_id/>
                                    <input type="hidden" name="user_id" value=user_id/>
                                    <input type="hidden" name="active" value=next/>
                                    <button type="submit" class=class aria-label=action_label>{label}</button>
                                </ActionForm>
                            })}
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <section class="card" aria-labelledby="own-users-heading">
            <h2 id="own-users-heading">{heading}</h2>
            <p class="muted">{about}</p>
            <Show when=move || error.get().is_some()>
                <div class="alert error" role="alert">{move || error.get().map(|e| e.to_string())}</div>
            </Show>
            <div class="table-wrap">
                <table class="data stack">
                    <thead><tr>
                        <th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                        {(!manages).then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    })
}
