//! Client accounts (Partner → Clients → Client overview): the businesses whose books a
//! practice keeps. Listing with search and paging, adding, editing, archiving and importing.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::frame::forms::{Field, FormError, action_error};
use crate::partner::csv_import::RejectedLine;
use crate::partner::plans::Plan;
use crate::platform::error::AppError;

/// Rows per page in client lists.
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub plan: Plan,
    pub archived: bool,
    /// Staff of the practice with a role on this client.
    pub staff_with_access: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientList {
    pub rows: Vec<ClientRow>,
    /// Clients matching the filter, and all unarchived clients.
    pub matching: i64,
    pub total: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported(u64),
    Rejected(Vec<RejectedLine>),
}

#[server(endpoint = "list_clients")]
pub async fn list_clients(search: String, plan: String, archived: bool, page: i64) -> Result<ClientList, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::list(&actor, &search, &plan, archived, page).await
}

#[server(endpoint = "add_client")]
pub async fn add_client(name: String, plan: String) -> Result<i64, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::add(&actor, &name, &plan).await.map_err(AppError::respond)
}

#[server(endpoint = "update_client")]
pub async fn update_client(client_id: i64, name: String, plan: String) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::update(&actor, client_id, &name, &plan)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "set_client_archived")]
pub async fn set_client_archived(client_id: i64, archived: bool) -> Result<(), AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::set_archived(&actor, client_id, archived)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "import_clients")]
pub async fn import_clients(csv: String) -> Result<ImportOutcome, AppError> {
    let actor = crate::identity::session::require_practice(Some(crate::practice::permissions::MANAGE_USERS)).await?;
    ssr::import(&actor, &csv).await.map_err(AppError::respond)
}

/// The plan `<select>` used by forms and filters.
#[component]
pub fn PlanSelect(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(optional)] any_label: Option<&'static str>,
    #[prop(default = None)] selected: Option<Plan>,
    #[prop(optional, into)] on_change: Option<Callback<String>>,
) -> impl IntoView {
    view! {
        <select id=id name=name on:change=move |ev| if let Some(cb) = on_change { cb.run(event_target_value(&ev)) }>
            {any_label.map(|l| view! { <option value="">{l}</option> })}
            {Plan::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=selected == Some(p)>{p.label()}</option> }).collect_view()}
        </select>
    }
}

#[component]
pub fn ClientOverviewPage() -> impl IntoView {
    let add = ServerAction::<AddClient>::new();
    let update = ServerAction::<UpdateClient>::new();
    let archive = ServerAction::<SetClientArchived>::new();
    let import = ServerAction::<ImportClients>::new();
    let search = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let show_archived = RwSignal::new(false);
    let page = RwSignal::new(0_i64);
    let list = Resource::new(
        move || {
            (
                search.get(),
                plan.get(),
                show_archived.get(),
                page.get(),
                add.version().get(),
                update.version().get(),
                archive.version().get(),
                import.version().get(),
            )
        },
        |(s, p, a, pg, ..)| list_clients(s, p, a, pg),
    );
    let show_add = RwSignal::new(false);
    let show_import = RwSignal::new(false);
    let editing = RwSignal::new(None::<i64>);
    let add_error = action_error(add);
    let update_error = action_error(update);
    let csv_text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            show_add.set(false);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(None);
        }
    });
    view! {
        <Title text="Client overview"/>
        <div class="page-head">
            <div>
                <p class="crumbs">"Partner › Clients"</p>
                <h1>"Client overview"</h1>
            </div>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| show_import.update(|s| *s = !*s)>"Import clients"</button>
                <button type="button" on:click=move |_| show_add.update(|s| *s = !*s)>"Add client"</button>
            </div>
        </div>
        <Show when=move || show_add.get()>
            <section class="card" aria-labelledby="add-client-heading">
                <h2 id="add-client-heading">"Add a client"</h2>
                <ActionForm action=add attr:novalidate="true" attr:class="inline-form">
                    <FormError error=add_error/>
                    <Field label="Client name" name="name" error=add_error/>
                    <div class="field">
                        <label for="add-plan">"Plan"</label>
                        <PlanSelect id="add-plan" name="plan" selected=Some(Plan::PracticeEdition)/>
                    </div>
                    <button type="submit" disabled=move || add.pending().get()>"Add client"</button>
                </ActionForm>
            </section>
        </Show>
        <Show when=move || show_import.get()>
            <section class="card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import clients from CSV"</h2>
                <p class="muted">"One client per line: name, plan (Practice Edition, Small, Medium or Large). A header line is optional. If any line cannot be used, nothing is imported and every such line is listed."</p>
                <crate::partner::clients::CsvFileInput text=csv_text/>
                <div class="field">
                    <label for="csv-text">"CSV"</label>
                    <textarea id="csv-text" rows="6" prop:value=move || csv_text.get() on:input=move |ev| csv_text.set(event_target_value(&ev))></textarea>
                </div>
                <button type="button" disabled=move || import.pending().get() on:click=move |_| { import.dispatch(ImportClients { csv: csv_text.get_untracked() }); }>"Import"</button>
                <div role="status" aria-live="polite">
                    {move || import.value().get().map(|r| match r {
                        Ok(ImportOutcome::Imported(n)) => view! { <p class="notice">{format!("Imported {n} clients.")}</p> }.into_any(),
                        Ok(ImportOutcome::Rejected(lines)) => view! {
                            <div class="alert error">
                                <p><strong>{format!("Nothing was imported: {} lines need fixing.", lines.len())}</strong></p>
                                <ul class="rejected">
                                    {lines.into_iter().map(|l| view! { <li>{if l.line == 0 { l.reason } else { format!("Line {}: {}", l.line, l.reason) }}</li> }).collect_view()}
                                </ul>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <div class="alert error">{e.to_string()}</div> }.into_any(),
                    })}
                </div>
            </section>
        </Show>
        <div class="filters" role="search">
            <div class="field">
                <label for="client-search">"Search clients"</label>
                <input id="client-search" type="search" prop:value=move || search.get() on:input=move |ev| { search.set(event_target_value(&ev)); page.set(0); }/>
            </div>
            <div class="field">
                <label for="client-plan">"Plan"</label>
                <PlanSelect id="client-plan" name="plan-filter" any_label="All plans" on_change=Callback::new(move |v| { plan.set(v); page.set(0); })/>
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=move || show_archived.get() on:change=move |ev| { show_archived.set(event_target_checked(&ev)); page.set(0); }/>
                "Show archived clients"
            </label>
        </div>
        <Show when=move || update_error.get().is_some()>
            <div class="alert error" role="alert">{move || update_error.get().map(|e| e.to_string())}</div>
        </Show>
        <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
            {move || list.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => {
                    let pages = (data.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                    view! {
                        <p class="count" role="status">{format!("Showing {} of {} clients", crate::partner::clients::thousands(data.matching), crate::partner::clients::thousands(data.total))}</p>
                        <div class="table-wrap">
                            <table class="data">
                                <thead><tr>
                                    <th scope="col">"Client"</th><th scope="col">"Plan"</th><th scope="col">"Staff with access"</th><th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>
                                    {data.rows.into_iter().map(|c| {
                                        let id = c.id;
                                        let name = c.name.clone();
                                        view! {
                                            <tr>
                                                {move || if editing.get() == Some(id) {
                                                    let name = name.clone();
                                                    view! {
                                                        <td colspan="2">
                                                            <ActionForm action=update attr:class="inline-form">
                                                                <input type="hidden" name="client_id" value=id.to_string()/>
                                                                <div class="field"><label for=format!("edit-name-{id}")>"Client name"</label><input id=format!("edit-name-{id}") name="name" value=name/></div>
                                                                <div class="field"><label for=format!("edit-plan-{id}")>"Plan"</label><PlanSelect id=format!("edit-plan-{id}") name="plan" selected=Some(c.plan)/></div>
                                                                <button type="submit">"Save"</button>
                                                                <button type="button" class="secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                                                            </ActionForm>
                                                        </td>
                                                    }.into_any()
                                                } else {
                                                    view! {
                                                        <th scope="row">{name.clone()}{c.archived.then(|| view! { <span class="badge">"Archived"</span> })}</th>
                                                        <td>{c.plan.label()}</td>
                                                    }.into_any()
                                                }}
                                                <td>{c.staff_with_access}</td>
                                                <td><div class="row-actions">
                                                    <button type="button" class="link" aria-label=format!("Edit {}", c.name) on:click=move |_| editing.set(Some(id))>"Edit"</button>
                                                    {if c.archived {
                                                        view! { <button type="button" class="link" aria-label=format!("Restore {}", c.name) on:click=move |_| { archive.dispatch(SetClientArchived { client_id: id, archived: false }); }>"Restore"</button> }.into_any()
                                                    } else {
                                                        view! { <button type="button" class="link danger" aria-label=format!("Archive {}", c.name) on:click=move |_| { archive.dispatch(SetClientArchived { client_id: id, archived: true }); }>"Archive"</button> }.into_any()
                                                    }}
                                                </div></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <crate::partner::clients::Pager page pages/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// "Page 2 of 24" with previous and next buttons.
#[component]
pub fn Pager(page: RwSignal<i64>, pages: i64) -> impl IntoView {
    view! {
        <Show when=move || { pages > 1 }>
            <nav class="pager" aria-label="Pages">
                <button type="button" class="secondary" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p -= 1)>"Previous page"</button>
                <span>{move || format!("Page {} of {}", page.get() + 1, pages)}</span>
                <button type="button" class="secondary" disabled=move || page.get() + 1 >= pages on:click=move |_| page.update(|p| *p += 1)>"Next page"</button>
            </nav>
        </Show>
    }
}

/// 1190 → "1,190".
pub fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A file picker that reads the chosen CSV into `text` in the browser.
#[component]
pub fn CsvFileInput(text: RwSignal<String>) -> impl IntoView {
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
    view! {
        <div class="field">
            <label for="csv-file">"CSV file"</label>
            <input id="csv-file" type="file" accept=".csv,text/csv,text/plain" on:change=move |_ev| {
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    let input: web_sys::HtmlInputElement = _ev.target().expect("target").unchecked_into();
                    if let Some(file) = input.files().and_then(|f| f.get(0)) {
                        leptos::task::spawn_local(async move {
                            if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                                && let Some(s) = value.as_string()
                            {
                                text.set(s);
                            }
                        });
                    }
                }
            }/>
        </div>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use super::*;
    use crate::identity::session::PracticeActor;
    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::db::{now, values_placeholders};
    use crate::platform::names::DisplayName;

    /// Inserts many clients with one statement per chunk (set-based, not row by row).
    pub async fn insert_clients(
        conn: &mut AnyConnection,
        practice_id: i64,
        clients: &[(String, Plan)],
    ) -> Result<u64, sqlx::Error> {
        // 5 bound values per row; stay well below SQLite's 32,766-parameter limit.
        const CHUNK: usize = 2000;
        let t = now();
        let mut inserted = 0;
        for chunk in clients.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO clients (practice_id, name, plan, created_at, updated_at) VALUES {}",
                values_placeholders(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (name, plan) in chunk {
                query = query
                    .bind(practice_id)
                    .bind(name.as_str())
                    .bind(plan.as_str())
                    .bind(t)
                    .bind(t);
            }
            inserted += query.execute(&mut *conn).await?.rows_affected();
        }
        Ok(inserted)
    }

    /// `%term%` for a case-insensitive `LIKE … ESCAPE '\'`, with wildcards in the term escaped.
    pub fn like_pattern(term: &str) -> String {
        let escaped = term
            .trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    }

    /// The plan filter: empty for all plans, else a known plan.
    pub fn plan_filter(plan: &str) -> Result<String, AppError> {
        if plan.is_empty() {
            return Ok(String::new());
        }
        Plan::parse(plan)
            .map(|p| p.as_str().to_owned())
            .ok_or_else(|| AppError::invalid("plan", "Choose a plan."))
    }

    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        name: String,
        plan: String,
        archived: i64,
        staff_with_access: i64,
    }

    pub async fn list(
        actor: &PracticeActor,
        search: &str,
        plan: &str,
        archived: bool,
        page: i64,
    ) -> Result<ClientList, AppError> {
        let db = actor.state.db.pool();
        let plan = plan_filter(plan)?;
        let pattern = like_pattern(search);
        let archived = i64::from(archived);
        let filter = r#"c.practice_id = $1 AND c.archived = $2 AND LOWER(c.name) LIKE $3 ESCAPE '\' AND ($4 = '' OR c.plan = $4)"#;
        let matching: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM clients c WHERE {filter}"))
            .bind(actor.practice_id)
            .bind(archived)
            .bind(&pattern)
            .bind(&plan)
            .fetch_one(db)
            .await?;
        let total: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM clients WHERE practice_id = $1 AND archived = 0"#)
            .bind(actor.practice_id)
            .fetch_one(db)
            .await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            r#"SELECT c.id, c.name, c.plan, c.archived,
                      (SELECT COUNT(*) FROM client_assignments a WHERE a.client_id = c.id) AS staff_with_access
               FROM clients c WHERE {filter}
               ORDER BY LOWER(c.name), c.id LIMIT $5 OFFSET $6"#
        ))
        .bind(actor.practice_id)
        .bind(archived)
        .bind(&pattern)
        .bind(&plan)
        .bind(PAGE_SIZE)
        .bind(page.max(0) * PAGE_SIZE)
        .fetch_all(db)
        .await?;
        Ok(ClientList {
            rows: rows
                .into_iter()
                .map(|r| ClientRow {
                    id: r.id,
                    name: r.name,
                    plan: Plan::parse(&r.plan).unwrap_or(Plan::PracticeEdition),
                    archived: r.archived == 1,
                    staff_with_access: r.staff_with_access,
                })
                .collect(),
            matching,
            total,
        })
    }

    fn parse_input(name: &str, plan: &str) -> Result<(DisplayName, Plan), AppError> {
        let name = DisplayName::parse(name, "client name", 200).map_err(|m| AppError::invalid("name", m))?;
        let plan = Plan::parse(plan).ok_or_else(|| AppError::invalid("plan", "Choose a plan."))?;
        Ok((name, plan))
    }

    async fn name_taken(
        conn: &mut AnyConnection,
        practice_id: i64,
        name: &str,
        except: i64,
    ) -> Result<bool, sqlx::Error> {
        let found: Option<i64> =
            sqlx::query_scalar(r#"SELECT id FROM clients WHERE practice_id = $1 AND LOWER(name) = $2 AND id <> $3"#)
                .bind(practice_id)
                .bind(name.to_lowercase())
                .bind(except)
                .fetch_optional(conn)
                .await?;
        Ok(found.is_some())
    }

    pub async fn add(actor: &PracticeActor, name: &str, plan: &str) -> Result<i64, AppError> {
        let (name, plan) = parse_input(name, plan)?;
        let mut tx = actor.state.db.begin_write().await?;
        if name_taken(&mut tx, actor.practice_id, name.as_str(), 0).await? {
            return Err(AppError::invalid(
                "name",
                format!("There is already a client called {}.", name.as_str()),
            ));
        }
        let t = now();
        let id: i64 = sqlx::query_scalar(
            r#"INSERT INTO clients (practice_id, name, plan, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id"#,
        )
        .bind(actor.practice_id)
        .bind(name.as_str())
        .bind(plan.as_str())
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("client"),
                target_id: Some(id),
                target_label: Some(name.as_str()),
                after: Some(serde_json::json!({ "name": name.as_str(), "plan": plan.label() })),
                ..actor.audit("client.created")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn client(
        actor: &PracticeActor,
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<(String, String, i64), AppError> {
        sqlx::query_as(r#"SELECT name, plan, archived FROM clients WHERE id = $1 AND practice_id = $2"#)
            .bind(id)
            .bind(actor.practice_id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::NotFound("That client".into()))
    }

    pub async fn update(actor: &PracticeActor, id: i64, name: &str, plan: &str) -> Result<(), AppError> {
        let (name, plan) = parse_input(name, plan)?;
        let mut tx = actor.state.db.begin_write().await?;
        let (old_name, old_plan, _) = client(actor, &mut tx, id).await?;
        if name_taken(&mut tx, actor.practice_id, name.as_str(), id).await? {
            return Err(AppError::invalid(
                "name",
                format!("There is already a client called {}.", name.as_str()),
            ));
        }
        sqlx::query(r#"UPDATE clients SET name = $1, plan = $2, updated_at = $3 WHERE id = $4"#)
            .bind(name.as_str())
            .bind(plan.as_str())
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("client"),
                target_id: Some(id),
                target_label: Some(name.as_str()),
                before: Some(serde_json::json!({ "name": old_name, "plan": old_plan })),
                after: Some(serde_json::json!({ "name": name.as_str(), "plan": plan.as_str() })),
                ..actor.audit("client.updated")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_archived(actor: &PracticeActor, id: i64, archived: bool) -> Result<(), AppError> {
        let mut tx = actor.state.db.begin_write().await?;
        let (name, _, was) = client(actor, &mut tx, id).await?;
        sqlx::query(r#"UPDATE clients SET archived = $1, updated_at = $2 WHERE id = $3"#)
            .bind(i64::from(archived))
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("client"),
                target_id: Some(id),
                target_label: Some(&name),
                before: Some(serde_json::json!({ "archived": was == 1 })),
                after: Some(serde_json::json!({ "archived": archived })),
                ..actor.audit(if archived { "client.archived" } else { "client.restored" })
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn import(actor: &PracticeActor, csv: &str) -> Result<ImportOutcome, AppError> {
        if csv.len() > 4 * 1024 * 1024 {
            return Err(AppError::invalid("csv", "The file is larger than 4 MB."));
        }
        let mut tx = actor.state.db.begin_write().await?;
        let existing: Vec<String> = sqlx::query_scalar(r#"SELECT name FROM clients WHERE practice_id = $1"#)
            .bind(actor.practice_id)
            .fetch_all(&mut *tx)
            .await?;
        let rows = match crate::partner::csv_import::parse(csv, &existing) {
            Ok(rows) => rows,
            Err(rejected) => return Ok(ImportOutcome::Rejected(rejected)),
        };
        let inserted = insert_clients(&mut tx, actor.practice_id, &rows).await?;
        audit::record(
            &mut tx,
            AuditEvent {
                target_type: Some("practice"),
                target_id: Some(actor.practice_id),
                after: Some(serde_json::json!({ "clients": rows.iter().map(|(n, p)| serde_json::json!([n, p.label()])).collect::<Vec<_>>() })),
                affected_count: Some(inserted as i64),
                ..actor.audit("client.imported")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ImportOutcome::Imported(inserted))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1190), "1,190");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
