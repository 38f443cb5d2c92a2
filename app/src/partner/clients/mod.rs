//! Client accounts (Partner → Clients → Client overview): the businesses whose books a
//! practice keeps. Listing with search and paging, adding, editing, archiving and importing.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::plans::Plan;
use crate::partner::csv_import::RejectedLine;
use crate::platform::error::AppError;
use crate::platform::form_return::KeptForm;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply, reply_keeping};

/// After a refused new client without JavaScript, its name and plan come back.
pub const KEPT: KeptForm = KeptForm::new("pa_add_client_fields");

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::ClientOverviewPage;

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
    /// The client's own active users (Small, Medium and Large plans invite their own).
    pub client_users: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientList {
    pub rows: Vec<ClientRow>,
    /// Clients matching the filter, and all unarchived clients.
    pub matching: i64,
    pub total: i64,
    /// What a plain form post (without JavaScript) that returned here did, shown once.
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported(u64),
    Rejected(Vec<RejectedLine>),
}

#[server(endpoint = "list_clients")]
pub async fn list_clients(search: String, plan: String, archived: bool, page: i64) -> Result<ClientList, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let mut list = ssr::list(&actor, &search, &plan, archived, page).await?;
    list.notice = crate::platform::form_return::take_notice();
    Ok(list)
}

#[server(endpoint = "add_client")]
pub async fn add_client(name: String, plan: String) -> Result<i64, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let added_id = ssr::add(&actor, &name, &plan).await;
    reply_keeping(KEPT, &[&name, &plan], added_id, |_| {
        Notice::say(added(&name)).closing(&["open"])
    })
}

/// What the page says once a client is added.
pub fn added(name: &str) -> String {
    format!("Added the client {}.", name.trim())
}

/// Renames a client or changes its plan. Answers what the change means for people, if
/// anything: a move to Practice Edition says how many client users keep their access.
#[server(endpoint = "update_client")]
pub async fn update_client(client_id: i64, name: String, plan: String) -> Result<Option<String>, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::update(&actor, client_id, &name, &plan).await, |said| {
        match said {
            Some(text) => Notice::say(text.clone()),
            None => Notice::quiet(),
        }
        .closing(&["edit"])
    })
}

#[server(endpoint = "set_client_archived")]
pub async fn set_client_archived(client_id: i64, archived: bool) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::set_archived(&actor, client_id, archived).await, |_| {
        Notice::quiet()
    })
}

#[server(endpoint = "import_clients")]
pub async fn import_clients(csv: String) -> Result<ImportOutcome, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    reply(ssr::import(&actor, &csv).await, |outcome| {
        // Imported: the panel closes; refused: it stays open for the corrected text.
        let said = Notice::say(outcome.summary());
        if matches!(outcome, ImportOutcome::Imported(_)) {
            said.closing(&["open"])
        } else {
            said
        }
    })
}

/// "Nothing was imported: 3 lines need fixing."
pub fn rejected_heading(lines: usize) -> String {
    if lines == 1 {
        "Nothing was imported: 1 line needs fixing.".to_owned()
    } else {
        format!("Nothing was imported: {lines} lines need fixing.")
    }
}

impl ImportOutcome {
    /// The outcome in one paragraph, for the page a plain form post returns to: at most
    /// ten rejected lines are named (the WASM lists them all).
    pub fn summary(&self) -> String {
        match self {
            Self::Imported(n) => format!("Imported {}.", crate::platform::words::clients(*n as i64)),
            Self::Rejected(lines) => {
                let named: Vec<String> = lines.iter().take(10).map(|l| l.describe()).collect();
                let more = match lines.len().saturating_sub(10) {
                    0 => String::new(),
                    n => format!("; and {n} more"),
                };
                format!("{} {}{more}.", rejected_heading(lines.len()), named.join("; "))
            }
        }
    }
}
