use sqlx::AnyConnection;

use super::*;
use crate::access::actor::PracticeActor;
use crate::domain::audit::payload::{Archived, ClientDetails, Imported};
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::plans::plan_filter;
use crate::platform::db::{Unique, like_pattern, now, on_constraint, page_offset, values_placeholders};
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

/// The clients of practice `$1` whose name contains pattern `$3` and whose plan is `$4`
/// ('' for all plans), over `clients c`: the filter of every client list. `$2` is the
/// caller's (the archived flag here, the staff member in the matrix). No search is the
/// pattern `%%` ([`like_pattern`] of nothing), which skips lowering every name.
pub const MATCHES_FILTER: &str =
    r#"c.practice_id = $1 AND ($3 = '%%' OR LOWER(c.name) LIKE $3 ESCAPE '\') AND ($4 = '' OR c.plan = $4)"#;

/// A list's search and plan filter, checked and ready to bind as `$3` and `$4` of
/// [`MATCHES_FILTER`].
pub struct ClientFilter {
    pub pattern: String,
    pub plan: &'static str,
}

impl ClientFilter {
    pub fn parse(search: &str, plan: &str) -> Result<Self, AppError> {
        Ok(Self {
            pattern: like_pattern(search),
            plan: plan_filter(plan)?,
        })
    }
}

/// How many unarchived clients the practice has: the "of 1,190" of every count.
pub async fn count_unarchived(conn: &mut AnyConnection, practice_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(r#"SELECT COUNT(*) FROM clients WHERE practice_id = $1 AND archived = 0"#)
        .bind(practice_id)
        .fetch_one(conn)
        .await
}

/// The unique index on client names in a practice, ignoring case (migration 0003).
const UNIQUE_NAME: Unique = Unique {
    name: "clients_unique_name",
    sqlite_columns: None,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    plan: String,
    archived: i64,
    staff_with_access: i64,
    client_users: i64,
}

pub async fn list(
    actor: &PracticeActor,
    search: &str,
    plan: &str,
    archived: bool,
    page: i64,
) -> Result<ClientList, AppError> {
    let filter = ClientFilter::parse(search, plan)?;
    let archived = i64::from(archived);
    let mut conn = actor.state.db.pool().acquire().await?;
    let matching: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM clients c WHERE {MATCHES_FILTER} AND c.archived = $2"
    ))
    .bind(actor.practice_id)
    .bind(archived)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .fetch_one(&mut *conn)
    .await?;
    let total = count_unarchived(&mut conn, actor.practice_id).await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        r#"SELECT c.id, c.name, c.plan, c.archived,
                  (SELECT COUNT(*) FROM current_assignments a WHERE a.client_id = c.id) AS staff_with_access,
                  (SELECT COUNT(*) FROM client_users cu WHERE cu.client_id = c.id AND cu.status = 'active') AS client_users
           FROM clients c WHERE {MATCHES_FILTER} AND c.archived = $2
           ORDER BY LOWER(c.name), c.id LIMIT $5 OFFSET $6"#
    ))
    .bind(actor.practice_id)
    .bind(archived)
    .bind(&filter.pattern)
    .bind(filter.plan)
    .bind(PAGE_SIZE)
    .bind(page_offset(page, PAGE_SIZE))
    .fetch_all(&mut *conn)
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
                client_users: r.client_users,
            })
            .collect(),
        matching,
        total,
        notice: None,
    })
}

fn parse_input(name: &str, plan: &str) -> Result<(DisplayName, Plan), AppError> {
    let name = DisplayName::parse(name, "client name", 200).map_err(|m| AppError::invalid("name", m))?;
    let plan = Plan::parse(plan).ok_or_else(|| AppError::invalid("plan", "Choose a plan."))?;
    Ok((name, plan))
}

/// The answer when a name is taken: checked by the schema, so two simultaneous requests
/// for one name get it too.
fn name_taken(name: &DisplayName) -> AppError {
    AppError::invalid("name", format!("There is already a client called {}.", name.as_str()))
}

pub async fn add(actor: &PracticeActor, name: &str, plan: &str) -> Result<i64, AppError> {
    let (name, plan) = parse_input(name, plan)?;
    let mut tx = actor.write().await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        r#"INSERT INTO clients (practice_id, name, plan, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id"#,
    )
    .bind(actor.practice_id)
    .bind(name.as_str())
    .bind(plan.as_str())
    .bind(t)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| on_constraint(e, &UNIQUE_NAME, || name_taken(&name)))?;
    tx.record(Event::ClientCreated {
        client: Target::new(TargetKind::Client, id, name.as_str()),
        after: ClientDetails {
            name: name.as_str().to_owned(),
            plan: plan.label().to_owned(),
        },
    })
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn client(actor: &PracticeActor, conn: &mut AnyConnection, id: i64) -> Result<(String, String, i64), AppError> {
    sqlx::query_as(r#"SELECT name, plan, archived FROM clients WHERE id = $1 AND practice_id = $2"#)
        .bind(id)
        .bind(actor.practice_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("That client".into()))
}

pub async fn update(actor: &PracticeActor, id: i64, name: &str, plan: &str) -> Result<Option<String>, AppError> {
    let (name, plan) = parse_input(name, plan)?;
    let mut tx = actor.write().await?;
    let (old_name, old_plan, _) = client(actor, &mut tx, id).await?;
    sqlx::query(r#"UPDATE clients SET name = $1, plan = $2, updated_at = $3 WHERE id = $4"#)
        .bind(name.as_str())
        .bind(plan.as_str())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| on_constraint(e, &UNIQUE_NAME, || name_taken(&name)))?;
    tx.record(Event::ClientUpdated {
        client: Target::new(TargetKind::Client, id, name.as_str()),
        before: ClientDetails {
            name: old_name,
            plan: old_plan.clone(),
        },
        after: ClientDetails {
            name: name.as_str().to_owned(),
            plan: plan.as_str().to_owned(),
        },
    })
    .await?;
    // The client's own users keep their access on Practice Edition; their page goes, and
    // the practice manages them in the client's Staff with access.
    let moved_to_practice_edition = old_plan != plan.as_str() && !plan.has_own_user_management();
    let keeping = if moved_to_practice_edition {
        crate::partner::client_users::ssr::active_count(&mut tx, id).await?
    } else {
        0
    };
    tx.commit().await?;
    Ok(match keeping {
        0 => None,
        1 => Some(
            "1 client user keeps access; the practice now manages them, in the client's Staff with access.".to_owned(),
        ),
        n => Some(format!(
            "{n} client users keep access; the practice now manages them, in the client's Staff with access."
        )),
    })
}

pub async fn set_archived(actor: &PracticeActor, id: i64, archived: bool) -> Result<(), AppError> {
    let mut tx = actor.write().await?;
    let (name, _, was) = client(actor, &mut tx, id).await?;
    sqlx::query(r#"UPDATE clients SET archived = $1, updated_at = $2 WHERE id = $3"#)
        .bind(i64::from(archived))
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let client = Target::new(TargetKind::Client, id, name);
    let (before, after) = (Archived { archived: was == 1 }, Archived { archived });
    tx.record(if archived {
        Event::ClientArchived { client, before, after }
    } else {
        Event::ClientRestored { client, before, after }
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn import(actor: &PracticeActor, csv: &str) -> Result<ImportOutcome, AppError> {
    if csv.len() > 4 * 1024 * 1024 {
        return Err(AppError::invalid("csv", "The file is larger than 4 MB."));
    }
    let mut tx = actor.write().await?;
    let existing: Vec<String> = sqlx::query_scalar(r#"SELECT name FROM clients WHERE practice_id = $1"#)
        .bind(actor.practice_id)
        .fetch_all(&mut *tx)
        .await?;
    let rows = match crate::partner::csv_import::parse(csv, &existing) {
        Ok(rows) => rows,
        Err(rejected) => return Ok(ImportOutcome::Rejected(rejected)),
    };
    // The file was checked against names ignoring case as Rust folds it; the database may
    // fold some letters differently (final sigma, dotted I), and a client may be added
    // meanwhile: the index has the last word, as a clear refusal.
    let inserted = insert_clients(&mut tx, actor.practice_id, &rows).await.map_err(|e| {
        on_constraint(e, &UNIQUE_NAME, || {
            AppError::invalid(
                "csv",
                "Nothing was imported: a name in the file matches another client's (names are unique ignoring case).",
            )
        })
    })?;
    tx.record(Event::ClientsImported {
        practice_id: actor.practice_id,
        after: Imported {
            clients: rows.iter().map(|(n, p)| (n.clone(), p.label().to_owned())).collect(),
        },
        count: inserted as i64,
    })
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome::Imported(inserted))
}
