//! Offboarding a leaver (Home → Manage users → "Offboard <name>"): in one transaction the
//! person is deactivated, every client assignment removed, their own logins to the
//! practice's clients (as a client's user) ended, every session ended and the pending
//! invitations they sent (to the practice or to its clients) or that name them revoked,
//! recorded as one audit event listing what was removed. Then the leaver report: every
//! client they could reach in the last 90 days, with role, from when to when, and who
//! granted it, and every client login they invited; a page and a CSV.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{LeaverReportPage, OffboardPage};

/// The leaver report looks back this many days.
pub const REPORT_DAYS: i64 = 90;

/// What offboarding will do (shown before "Offboard"), or did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offboarding {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// Clients whose access goes.
    pub clients: i64,
    /// Sessions that end.
    pub sessions: i64,
    /// Pending invitations revoked.
    pub invitations: i64,
    /// Their own logins to the practice's clients (as a client's user), ended.
    #[serde(default)]
    pub client_logins: i64,
}

impl Offboarding {
    /// "Removes access to 37 clients, ends their sessions, revokes 1 pending invitation".
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "Removes access to {}",
            crate::platform::words::clients(self.clients)
        )];
        parts.push(match self.sessions {
            0 => "ends their sessions (none open now)".to_owned(),
            _ => "ends their sessions".to_owned(),
        });
        if self.client_logins > 0 {
            parts.push(format!(
                "ends their own {} to {}",
                if self.client_logins == 1 { "login" } else { "logins" },
                crate::platform::words::clients(self.client_logins)
            ));
        }
        if self.invitations > 0 {
            parts.push(format!(
                "revokes {}",
                crate::platform::words::count(self.invitations, "pending invitation")
            ));
        }
        parts.join(", ")
    }
}

/// One client the person could reach, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReachRow {
    pub client: String,
    pub role: String,
    /// Unix seconds; `None`: before the records reach.
    pub from: Option<i64>,
    /// Unix seconds; `None`: they still have it.
    pub to: Option<i64>,
    pub granted_by: Option<String>,
}

/// A login the person invited, into the practice's staff or into one of its clients' own
/// users, for the admin to review when they leave: a leaver may have let someone in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitedLogin {
    /// The practice (for its staff) or the client.
    pub account: String,
    pub name: String,
    pub email: String,
    /// Unix seconds.
    pub invited_at: i64,
    /// "Active member of the staff", "Member deactivated", "Active login", "Login
    /// deactivated", "Login ended", "Invitation pending", "Invitation expired" or
    /// "Invitation revoked".
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaverReport {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// The report covers access held at any time from here to `generated_at`.
    pub since: i64,
    pub generated_at: i64,
    pub offboarded_at: Option<i64>,
    pub rows: Vec<ReachRow>,
    /// Logins they invited (to the staff or to a client), newest first.
    #[serde(default)]
    pub invited_logins: Vec<InvitedLogin>,
}

#[server(endpoint = "preview_offboarding")]
pub async fn preview_offboarding(user_id: i64) -> Result<Offboarding, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::preview(&actor, user_id).await
}

/// Offboards `user_id` and goes to their leaver report.
#[server(endpoint = "offboard_member")]
pub async fn offboard_member(user_id: i64) -> Result<Offboarding, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let done = ssr::offboard(&actor, user_id).await?;
    leptos_axum::redirect(&format!("/manage-users/leaver-report?user={user_id}"));
    Ok(done)
}

#[server(endpoint = "get_leaver_report")]
pub async fn get_leaver_report(user_id: i64) -> Result<LeaverReport, AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::report(&actor, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_will_happen_in_words() {
        let o = Offboarding {
            user_id: 1,
            name: "Sam".into(),
            email: "s@example.com".into(),
            clients: 37,
            sessions: 2,
            invitations: 1,
            client_logins: 0,
        };
        assert_eq!(
            o.summary(),
            "Removes access to 37 clients, ends their sessions, revokes 1 pending invitation"
        );
        let one = Offboarding {
            clients: 1,
            sessions: 0,
            invitations: 0,
            ..o.clone()
        };
        assert_eq!(
            one.summary(),
            "Removes access to 1 client, ends their sessions (none open now)"
        );
        let logins = Offboarding { client_logins: 2, ..o };
        assert_eq!(
            logins.summary(),
            "Removes access to 37 clients, ends their sessions, ends their own logins to 2 clients, revokes 1 pending invitation"
        );
    }
}
