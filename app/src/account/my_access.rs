//! "My access" (account menu): every client the signed-in user can open, with their role
//! there and when it ends. A GET search form and page links, so it works without
//! JavaScript and survives a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use serde::{Deserialize, Serialize};

use crate::domain::plans::Plan;
use crate::platform::error::AppError;
use crate::platform::words::thousands;
use crate::ui::forms::action_error;
use crate::ui::widgets::{AutoSubmit, LinkPager, url_encode};

/// One client the signed-in user can open, on "My access".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyClientAccess {
    pub client_id: i64,
    pub client: String,
    pub plan: Option<Plan>,
    pub role_name: String,
    /// Unix seconds; `None`: no end date.
    pub ends_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyAccess {
    pub rows: Vec<MyClientAccess>,
    pub matching: i64,
    pub total: i64,
    /// The person's own choice: email me when my client access changes.
    pub access_emails: bool,
    /// Staff of a practice (only they are told about changes to their access).
    pub is_staff: bool,
}

/// Clients per page of "My access".
pub const MY_ACCESS_PAGE: i64 = 100;

/// "My access": every client the signed-in user can open, with the role there, whose name
/// contains `search`, a page at a time.
#[server(endpoint = "list_my_access")]
pub async fn list_my_access(
    #[server(default)] search: String,
    #[server(default)] page: i64,
) -> Result<MyAccess, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    ssr::my_access(&state.db, &session, &search, page).await
}

/// "Email me when my client access changes" (My access): the signed-in person's own
/// choice for themselves; a practice that turned these emails off sends none either way.
#[server(endpoint = "set_my_access_emails")]
pub async fn set_my_access_emails(#[server(default)] enabled: bool) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    ssr::set_own_access_emails(&state.db, &session, enabled).await
}

#[component]
pub fn MyAccessPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("q").unwrap_or_default(),
                q.get("page")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(0)
                    .clamp(0, 1_000_000),
            )
        })
    });
    let emails = ServerAction::<SetMyAccessEmails>::new();
    // Read again after each save, refused or not, so the switch shows what is stored (as
    // the practice's switches do).
    let data = Resource::new(
        move || (filters.get(), emails.version().get()),
        |((q, page), _)| list_my_access(q, page),
    );
    let emails_error = action_error(emails);
    view! {
        <Title text="My access"/>
        <h1>"My access"</h1>
        <p class="muted">"Every client you can open, and your role there. Practice staff get these from the practice's Partner › Clients › Users; a client's own users from its Manage users."</p>
        <form method="get" action="/account/access" class="filters" role="search" aria-label="My clients">
            <div class="field">
                <label for="my-access-search">"Search clients"</label>
                <input id="my-access-search" name="q" type="search" value=move || filters.get().0/>
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(d) => {
                    let (q, page) = filters.get_untracked();
                    let pages = (d.matching + MY_ACCESS_PAGE - 1) / MY_ACCESS_PAGE;
                    let no_rows = d.rows.is_empty();
                    let enabled = d.access_emails;
                    view! {
                        {d.is_staff.then(|| view! {
                            <ActionForm action=emails attr:class="setting">
                                <AutoSubmit>
                                <label class="check">
                                    <input type="checkbox" name="enabled" value="true" checked=enabled
                                        on:change=move |ev| { emails.dispatch(SetMyAccessEmails { enabled: event_target_checked(&ev) }); }/>
                                    "Email me when my client access changes"
                                </label>
                                </AutoSubmit>
                                <noscript><button type="submit" class="secondary">"Save"</button></noscript>
                                <span class="muted">" If your practice sends these at all."</span>
                            </ActionForm>
                        })}
                        {move || emails_error.get().map(|e| view! { <div class="alert error" role="alert">{e.to_string()}</div> })}
                        <p class="count" role="status">{format!("{} of {} clients", thousands(d.matching), thousands(d.total))}</p>
                        {d.rows.is_empty().then(|| view! { <p class="empty">"No clients."</p> })}
                        <div class="table-wrap" hidden=no_rows>
                            <table class="data stack">
                                <caption>"Clients you can open"</caption>
                                <thead><tr><th scope="col">"Client"</th><th scope="col">"Plan"</th><th scope="col">"Role"</th><th scope="col">"Ends"</th></tr></thead>
                                <tbody>
                                    {d.rows.into_iter().map(|a| view! {
                                        <tr>
                                            <th scope="row">{a.client}</th>
                                            <td>{a.plan.map(|p| p.label()).unwrap_or("")}</td>
                                            <td>{a.role_name}</td>
                                            <td>{a.ends_at.map(|e| format!("until {}", crate::platform::dates::last_day(e))).unwrap_or_else(|| "No end date".to_owned())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <LinkPager page pages href=Callback::new(move |p: i64| {
                            let mut url = format!("/account/access?page={p}");
                            if !q.is_empty() { url.push_str(&format!("&q={}", url_encode(&q))); }
                            url
                        })/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::access::write::{By, Write};
    use crate::domain::audit::payload::AccessEmails;
    use crate::domain::audit::{Event, Target};
    use crate::identity::session::Session;
    use crate::platform::db::Db;

    pub async fn my_access(db: &Db, session: &Session, search: &str, page: i64) -> Result<MyAccess, AppError> {
        let pattern = crate::platform::db::like_pattern(search);
        let (rows, matching, total) = crate::identity::accounts::client_accounts(
            db,
            session.user_id,
            &pattern,
            MY_ACCESS_PAGE,
            crate::platform::db::page_offset(page, MY_ACCESS_PAGE),
        )
        .await?;
        // End dates belong to grants through the practice's matrix.
        let ends: std::collections::HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
            r#"SELECT client_id, ends_at FROM current_assignments WHERE user_id = $1 AND ends_at IS NOT NULL"#,
        )
        .bind(session.user_id)
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .collect();
        let (access_emails, staff_of): (i64, i64) = sqlx::query_as(
            r#"SELECT u.access_emails,
                      (SELECT COUNT(*) FROM practice_members m WHERE m.user_id = u.id AND m.status = 'active')
               FROM users u WHERE u.id = $1"#,
        )
        .bind(session.user_id)
        .fetch_one(db.pool())
        .await?;
        Ok(MyAccess {
            is_staff: staff_of > 0,
            access_emails: access_emails == 1,
            rows: rows
                .into_iter()
                .map(|a| MyClientAccess {
                    ends_at: ends.get(&a.id).copied(),
                    client_id: a.id,
                    client: a.name,
                    plan: a.plan,
                    role_name: a.role_name,
                })
                .collect(),
            matching,
            total,
        })
    }

    /// [`set_my_access_emails`]: a change is on record in the audit log of every practice
    /// the person is staff of (where someone may wonder why they were not told).
    pub async fn set_own_access_emails(db: &Db, session: &Session, enabled: bool) -> Result<(), AppError> {
        let by = By {
            practice_id: None,
            actor_user_id: Some(session.user_id),
        };
        let mut tx = Write::begin(db, by).await?;
        let was: i64 = sqlx::query_scalar(r#"SELECT access_emails FROM users WHERE id = $1"#)
            .bind(session.user_id)
            .fetch_one(&mut *tx)
            .await?;
        if (was == 1) == enabled {
            return Ok(());
        }
        sqlx::query(r#"UPDATE users SET access_emails = $1 WHERE id = $2"#)
            .bind(i64::from(enabled))
            .bind(session.user_id)
            .execute(&mut *tx)
            .await?;
        // On record in every practice the login belongs to (or once, in none).
        tx.record_about_login(
            Some(session.user_id),
            Some(session.user_id),
            Event::OwnAccessEmailsChanged {
                user: Target::user(session.user_id, &session.email),
                before: AccessEmails {
                    access_emails: !enabled,
                },
                after: AccessEmails { access_emails: enabled },
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
