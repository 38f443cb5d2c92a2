//! What events record before and after a change, as stored in `audit_events.before_json` and
//! `after_json`. Each is read back leniently (`#[serde(default)]`): a row written before a
//! field existed still reads, with that field empty.

use serde::{Deserialize, Serialize};

/// A role by name; on a client's own user, which client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleNamed {
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// A member's (or client user's) standing; on a client's own user, which client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Standing {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// One person's role on one client (`None`: no access).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientRole {
    pub client: String,
    pub client_id: i64,
    pub role: Option<String>,
}

/// [`ClientRole`] with the day it ends (`2027-01-31`'s "31 Jan 2027"; `None`: no end).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientRoleEnds {
    pub client: String,
    pub client_id: i64,
    pub role: Option<String>,
    pub ends: Option<String>,
}

/// A bulk action: the role given (`None`: access removed), its undo record and the filter
/// it covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkChange {
    pub role: Option<String>,
    pub role_id: Option<i64>,
    pub batch_id: i64,
    pub scope: BulkScope,
}

/// The matrix's filter a bulk action covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkScope {
    pub search: String,
    pub plan: String,
    pub access: String,
}

/// An undo: the record it undid, and what it took away, client by client (access the
/// undone change had given: when, by whom). Read by the audit log and the leaver report.
/// (Events written before the list was kept read with it empty.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Undone {
    pub batch_id: i64,
    pub removed: Vec<HeldAccess>,
}

/// Whose access a copy came from, and how (`add`, `replace`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CopySource {
    pub from: String,
    pub from_user_id: i64,
    pub mode: String,
}

/// What a copy changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CopyOutcome {
    pub batch_id: i64,
    pub changes: i64,
    pub replaced: i64,
    pub ends: Option<String>,
}

/// An invitation as sent: whom, as what, into which client (none: the practice).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invited {
    pub name: String,
    pub role: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// What an accepted invitation joined: the role, and which client (none: the practice).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Joined {
    pub role: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// Who the main user is, and their role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MainUser {
    pub main_user: String,
    pub role: String,
}

/// A custom role: its name and the keys of what it permits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleDefinition {
    pub name: String,
    pub permissions: Vec<String>,
}

/// Where a deleted role's uses went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleMove {
    pub moved_to: String,
    pub uses_moved: i64,
}

/// A client's name and plan (its stored value, or on creation its label).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientDetails {
    pub name: String,
    pub plan: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Archived {
    pub archived: bool,
}

/// The clients an import added, as (name, plan).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Imported {
    pub clients: Vec<(String, String)>,
}

/// Where a failed sign-in came from, and which step failed (none: the password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInFailure {
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// Two-step sign-in on or off (`"on"`, `"off"`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TwoStepState {
    pub two_step: String,
    /// Turned off with a reset link: the name of the admin who sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_from: Option<String>,
}

/// The access-change emails on or off (the practice's setting, or a person's own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessEmails {
    pub access_emails: bool,
}

/// The practice's "Require two-step sign-in for all staff".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequireTwoStep {
    pub require_two_step: bool,
}

/// An export's filters in words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DownloadFilters {
    pub filters: String,
}

/// A leaver as they were before offboarding: standing, role, and every client they held.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Leaving {
    pub status: String,
    pub role: String,
    pub assignments: Vec<HeldAccess>,
    /// Their own logins to the practice's clients (as a client's user), ended with them;
    /// each `role` is the client role.
    pub client_logins: Vec<HeldAccess>,
}

/// One client someone held: a leaver's when they were offboarded, or what an undo took.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeldAccess {
    pub client_id: i64,
    pub client: String,
    pub role: String,
    pub granted_at: Option<i64>,
    pub granted_by: Option<String>,
}

/// A leaver after offboarding: what else ended with their access.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Left {
    pub status: String,
    pub sessions_ended: i64,
    pub invitations_revoked: i64,
    pub client_logins_ended: i64,
}

/// A login's own name, before or after it changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Named {
    pub name: String,
}

/// A login's email, before or after it changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailAddressed {
    pub email: String,
}

/// An access request: the client, the role and end asked for (or, approved, given), the
/// asker's reason, and a decliner's note.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Requested {
    pub client: String,
    pub client_id: i64,
    pub role: String,
    /// The last day of access (`YYYY-MM-DD`), if it ends.
    pub ends: Option<String>,
    pub reason: String,
    pub note: Option<String>,
}

/// The practice setting "Staff may request access".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffMayRequest {
    pub staff_may_request: bool,
}
