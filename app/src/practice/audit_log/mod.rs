//! Home › Audit log: who changed what, when, and what it was before and after, for the
//! practice's admins. Newest first, searchable, paged by cursor.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::audit::AuditAction;
use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::AuditLogPage;

/// Events per page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub count: Option<i64>,
    /// The event as a sentence: "Ada Admin gave Sam Staff Bookkeeper on Acme Ltd".
    pub sentence: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before_id` to get the next (older) page.
    pub next: Option<i64>,
    /// Pass as `before_id` to get the page just newer than this one (0: the first page);
    /// `None` on the first page.
    #[serde(default)]
    pub newer: Option<i64>,
    /// The practice's members, for the "Staff member" filter.
    pub staff: Vec<(i64, String)>,
}

/// The audit log's filters, as in the address (`?q=&staff=&client=&action=&from=&to=`)
/// and the CSV export's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Person, client or action text.
    pub search: String,
    /// A member's user id: events by or about them.
    pub staff: String,
    /// Text of a client's name.
    pub client: String,
    /// An action's stored name (`access.set`, …).
    pub action: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

impl AuditQuery {
    /// The query string (without `?`) of these filters.
    pub fn query_string(&self) -> String {
        [
            ("q", &self.search),
            ("staff", &self.staff),
            ("client", &self.client),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::ui::widgets::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A page of events, newest first: `search` (person, client or action text), `staff` (a
/// member's id: by or about them), `client` (name text), `action` (stored name), `from` and
/// `to` (`YYYY-MM-DD`, inclusive); all optional.
#[server(endpoint = "list_audit_events")]
pub async fn list_audit_events(
    #[server(default)] before_id: Option<i64>,
    #[server(default)] search: String,
    #[server(default)] staff: String,
    #[server(default)] client: String,
    #[server(default)] action: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<AuditPage, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let q = AuditQuery {
        search,
        staff,
        client,
        action,
        from,
        to,
    };
    ssr::page(&actor, before_id, &q).await
}

/// The Action filter's choice "Requests": every step of access requests (asked, approved,
/// declined, withdrawn, expired, the setting).
pub const REQUESTS: &str = "requests";

/// What an action is called on the page; an action this version does not know keeps its
/// stored name.
pub fn describe(action: &str) -> String {
    AuditAction::parse(action).map_or_else(|| action.to_owned(), |a| a.label().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_actions_are_described_in_words_and_unknown_ones_as_they_are() {
        assert_eq!(describe("access.set"), "Changed client access");
        assert_eq!(describe("something.new"), "something.new");
    }
}
