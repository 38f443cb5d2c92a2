//! Access requests: a staff member asks for a client ("Request access": the client, a
//! role, a reason, optionally until when); everyone who may manage the practice's users is
//! emailed and sees it under Home → "Access requests", where they approve it (through the
//! matrix's own path and rules, with the role and end changed first if they wish) or
//! decline it (with an optional reason). The asker is emailed the outcome and sees every
//! request of theirs in "My access". Unanswered requests expire after 14 days; a leaver's
//! pending ones are withdrawn. Each step is an audit sentence.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;
use crate::platform::form_return::KeptForm;
#[cfg(feature = "ssr")]
use crate::platform::form_return::{Notice, reply, reply_keeping};

/// After a refused request without JavaScript, what was chosen and typed comes back
/// (client, role, reason, until).
pub const KEPT: KeptForm = KeptForm::new("pa_request_fields");

#[cfg(feature = "ssr")]
pub mod ssr;
mod view;

pub use view::{AccessRequestsPage, MyRequests, RequestAccessPage};

/// A reason is at most this long (characters).
pub const REASON_MAX: usize = 500;
/// A request nobody answers expires after this many days.
pub const EXPIRE_DAYS: i64 = crate::domain::statuses::REQUEST_EXPIRE_DAYS;
/// A person has at most this many requests waiting at once.
pub const PENDING_MAX: i64 = 20;
/// The Client list of "Request access" shows this many clients matching the search.
pub const CLIENT_CHOICES: i64 = 50;

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    Pending,
    Approved,
    Declined,
    Withdrawn,
    Expired,
}

impl RequestStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Approved,
        Self::Declined,
        Self::Withdrawn,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// As "My access" and "Access requests" show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Approved => "Approved",
            Self::Declined => "Declined",
            Self::Withdrawn => "Withdrawn",
            Self::Expired => "Expired",
        }
    }
}

/// One request, as its asker and its approvers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccessRequestLine {
    pub id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub client_id: i64,
    pub client_name: String,
    pub role_id: i64,
    pub role_name: String,
    /// The end asked for (or, approved, given): Unix seconds of the end of that day.
    pub ends_at: Option<i64>,
    pub reason: String,
    /// A [`RequestStatus`] value.
    pub status: String,
    pub asked_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// A decliner's reason.
    pub note: Option<String>,
}

impl AccessRequestLine {
    pub fn status(&self) -> RequestStatus {
        RequestStatus::parse(&self.status).unwrap_or(RequestStatus::Expired)
    }
}

/// A role one may ask for, or give when approving.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub id: i64,
    pub name: String,
}

/// The requests of a list: the practice's (approvers) or one's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessRequests {
    /// Pending first (oldest first), then the latest decided ones.
    pub lines: Vec<AccessRequestLine>,
    /// How many are pending.
    pub waiting: i64,
    /// For approvers: the roles they may give.
    pub roles: Vec<RoleChoice>,
    /// What a plain form post that returned here did, shown once.
    pub notice: Option<String>,
}

/// What "Request access" offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestForm {
    /// The practice takes requests ("Staff may request access").
    pub enabled: bool,
    /// Unarchived clients matching the search that the asker has no access to, by name.
    pub clients: Vec<ClientChoice>,
    /// More match than are listed.
    pub more: bool,
    pub roles: Vec<RoleChoice>,
    /// The role chosen at first.
    pub default_role: Option<i64>,
    /// What a plain form post that returned here did, shown once.
    pub notice: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ClientChoice {
    pub id: i64,
    pub name: String,
}

/// What "Request access" offers the signed-in staff member: the clients matching `search`
/// they cannot open yet (and `client`, when named, first), and the roles they may ask for.
#[server(endpoint = "get_request_form")]
pub async fn get_request_form(
    #[server(default)] search: String,
    #[server(default)] client: Option<i64>,
) -> Result<RequestForm, AppError> {
    let actor = crate::access::guard::require_practice(None).await?;
    ssr::form(&actor, &search, client).await
}

/// Asks for `role_id` on `client_id` with a `reason` and, optionally, `until` (a date,
/// `YYYY-MM-DD`): a second request for the same client, while the first waits, updates it.
/// Answers the client's name.
#[server(endpoint = "request_access")]
pub async fn request_access(
    client_id: i64,
    role_id: i64,
    reason: String,
    #[server(default)] until: String,
) -> Result<String, AppError> {
    let actor = crate::access::guard::require_practice(None).await?;
    let sent = ssr::ask(&actor, client_id, role_id, &reason, &until).await;
    let fields = [client_id.to_string(), role_id.to_string(), reason, until];
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    reply_keeping(KEPT, &fields, sent, |client| {
        Notice::say(sent_message(client)).closing(&["client", "search"])
    })
}

/// What "Request access" says once a request for `client` is sent.
pub fn sent_message(client: &str) -> String {
    format!("Your request for {client} is sent. You will be emailed when it is decided; it shows in My access.")
}

/// The practice's requests (`mine` false: for those who may manage users) or the signed-in
/// person's own (`mine` true).
#[server(endpoint = "list_access_requests")]
pub async fn list_access_requests(#[server(default)] mine: bool) -> Result<AccessRequests, AppError> {
    use crate::domain::permissions::Permission;
    let actor = crate::access::guard::require_practice((!mine).then_some(Permission::ManageUsers)).await?;
    ssr::list(&actor, mine).await
}

/// Approves (`decision` "approve": with `role_id`, else the role asked for, and `until`, a
/// date `YYYY-MM-DD`: empty or absent gives access for good; the page fills in the end
/// asked for) or declines (`decision` "decline", with an optional `note`) a pending
/// request of the practice.
#[server(endpoint = "decide_access_request")]
pub async fn decide_access_request(
    request_id: i64,
    decision: String,
    #[server(default)] role_id: Option<i64>,
    #[server(default)] until: Option<String>,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let decided = match decision.as_str() {
        "approve" => ssr::approve(&actor, request_id, role_id, until.as_deref()).await,
        "decline" => ssr::decline(&actor, request_id, &note).await,
        _ => Err(AppError::invalid("decision", "Choose approve or decline.")),
    };
    reply(decided, |(approved, who, client)| {
        Notice::say(if *approved {
            format!("Approved: {who} can now open {client}.")
        } else {
            format!("Declined {who}'s request for {client}.")
        })
    })
    .map(|_| ())
}

/// Withdraws one of the signed-in person's own pending requests.
#[server(endpoint = "withdraw_access_request")]
pub async fn withdraw_access_request(request_id: i64) -> Result<(), AppError> {
    let actor = crate::access::guard::require_practice(None).await?;
    let withdrawn = ssr::withdraw(&actor, request_id).await;
    reply(withdrawn, |client| {
        Notice::say(format!("Your request for {client} is withdrawn."))
    })
    .map(|_| ())
}
