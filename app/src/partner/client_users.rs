//! A client account's own Manage users page. Clients on Small, Medium and Large keep one;
//! on Practice Edition it does not exist (and its server function refuses): the practice
//! manages access in Partner › Clients › Users.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientPerson {
    pub name: String,
    pub email: String,
    pub role_name: String,
    /// "Client user" or "Practice staff".
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientUsers {
    pub client_name: String,
    pub people: Vec<ClientPerson>,
}

#[server(endpoint = "list_client_users")]
pub async fn list_client_users() -> Result<ClientUsers, AppError> {
    use crate::identity::accounts::AccountKind;
    let (state, session) = crate::identity::session::require().await?;
    let current = crate::identity::accounts::ssr::current_account(&state.db, &session).await?;
    let Some(client) = current.filter(|a| a.kind == AccountKind::Client) else {
        return Err(AppError::NotFound("A client account".into()));
    };
    if !client
        .plan
        .is_some_and(crate::partner::plans::Plan::has_own_user_management)
    {
        return Err(AppError::NotFound("Manage users on a Practice Edition client".into()));
    }
    if !crate::identity::accounts::ssr::can_manage_users(&state.db, session.user_id, &client).await? {
        return Err(AppError::Forbidden);
    }
    Ok(ssr::people(&state.db, client).await?)
}

#[component]
pub fn ClientUsersPage() -> impl IntoView {
    let people = Resource::new(|| (), |_| list_client_users());
    view! {
        <Title text="Manage users"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || people.get().map(|r| match r {
                Err(AppError::NotFound(_)) => view! {
                    <section class="card narrow">
                        <h1>"No Manage users here"</h1>
                        <p>"This client is on Practice Edition: its users are managed by the practice, in Partner › Clients › Users."</p>
                    </section>
                }.into_any(),
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => view! {
                    <h1>"Manage users"</h1>
                    <div class="table-wrap">
                        <table class="data">
                            <caption>{format!("People with access to {}", data.client_name)}</caption>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Access through"</th></tr></thead>
                            <tbody>
                                {data.people.into_iter().map(|p| view! {
                                    <tr><th scope="row">{p.name}</th><td>{p.email}</td><td>{p.role_name}</td><td>{p.source}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Transition>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::identity::accounts::Account;
    use crate::platform::db::Db;
    use crate::practice::practices::MemberStatus;
    use crate::practice::roles::display_role_name;

    /// Everyone with access to `client`: its own users, then practice staff given a role
    /// on it through the Partner module.
    pub async fn people(db: &Db, client: Account) -> Result<ClientUsers, sqlx::Error> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            r#"SELECT u.name, u.email, r.kind, r.name, 'Client user' FROM client_users cu
                 JOIN users u ON u.id = cu.user_id JOIN roles r ON r.id = cu.role_id
               WHERE cu.client_id = $1 AND cu.status = $2
               UNION ALL
               SELECT u.name, u.email, r.kind, r.name, 'Practice staff' FROM client_assignments a
                 JOIN users u ON u.id = a.user_id JOIN roles r ON r.id = a.role_id
               WHERE a.client_id = $1
               ORDER BY 5, 1"#,
        )
        .bind(client.id)
        .bind(MemberStatus::Active.as_str())
        .fetch_all(db.pool())
        .await?;
        Ok(ClientUsers {
            client_name: client.name,
            people: rows
                .into_iter()
                .map(|(name, email, kind, role, source)| ClientPerson {
                    name,
                    email,
                    role_name: display_role_name(&kind, &role),
                    source,
                })
                .collect(),
        })
    }
}
