//! An event as a sentence people read: "Ada Admin gave Sam Staff Bookkeeper on Acme Ltd",
//! "Ada Admin moved Sam Staff to Admin on 1,190 clients", "Sam Staff's access to Birch Ltd
//! ended". Every event has one (the match is exhaustive).

use super::event::{Event, Target};
use crate::domain::plans::Plan;
use crate::platform::words::clients;

/// The label of `target`, or `fallback` when it has none.
fn label<'a>(target: &'a Target, fallback: &'a str) -> &'a str {
    if target.label.is_empty() {
        fallback
    } else {
        &target.label
    }
}

/// " until <day>" when access ends, else nothing.
fn until(ends: &Option<String>) -> String {
    ends.as_ref().map(|d| format!(" until {d}")).unwrap_or_default()
}

/// A plan's stored value (or a label, as older rows have) as the page names it.
fn plan_label(plan: &str) -> String {
    Plan::parse(plan).map_or_else(|| plan.to_owned(), |p| p.label().to_owned())
}

impl Event {
    /// This event told as a sentence; `actor` is who did it (none: the system, or a
    /// login since deleted).
    pub fn sentence(&self, actor: Option<&str>) -> String {
        let who = actor.unwrap_or("Someone");
        let on = |client: &Option<String>| client.as_ref().map(|c| format!(" on {c}")).unwrap_or_default();
        match self {
            Self::AccessSet { staff, before, after } => {
                let whom = label(staff, "someone");
                let client = Some(after.client.clone())
                    .filter(|c| !c.is_empty())
                    .or(Some(before.client.clone()).filter(|c| !c.is_empty()));
                match (&after.role, client) {
                    (Some(role), c) => format!("{who} gave {whom} {role}{}", on(&c)),
                    (None, Some(c)) => format!("{who} removed {whom}'s access to {c}"),
                    (None, None) => format!("{who} removed {whom}'s access to a client"),
                }
            }
            Self::AccessBulkAssigned { staff, after, changed } => format!(
                "{who} moved {} to {} on {}",
                label(staff, "someone"),
                after.role.as_deref().unwrap_or("a role"),
                clients(*changed)
            ),
            Self::AccessBulkRemoved { staff, changed, .. } => {
                format!(
                    "{who} removed {}'s access to {}",
                    label(staff, "someone"),
                    clients(*changed)
                )
            }
            Self::AccessBulkUndone { staff, back, .. } => format!(
                "{who} undid a change to {}'s access ({} back)",
                label(staff, "someone"),
                clients(*back)
            ),
            Self::AccessCopied {
                staff, before, changes, ..
            } => format!(
                "{who} copied {}'s access to {} ({}, {})",
                if before.from.is_empty() {
                    "someone"
                } else {
                    &before.from
                },
                label(staff, "someone"),
                clients(*changes),
                if before.mode == "replace" {
                    "replacing theirs"
                } else {
                    "added to theirs"
                }
            ),
            Self::AccessEndSet { staff, before, after } => {
                let whom = label(staff, "someone");
                let client = [&after.client, &before.client].into_iter().find(|c| !c.is_empty());
                match (&after.ends, client) {
                    (Some(day), Some(c)) => format!("{who} set {whom}'s access to {c} to end on {day}"),
                    (None, Some(c)) => format!("{who} removed the end date of {whom}'s access to {c}"),
                    _ => format!("{who} changed when {whom}'s access ends"),
                }
            }
            Self::AccessExpired { staff, before, after } => {
                let whom = label(staff, "someone");
                match [&after.client, &before.client].into_iter().find(|c| !c.is_empty()) {
                    Some(c) => format!("{whom}'s access to {c} ended"),
                    None => format!("{whom}'s access to a client ended"),
                }
            }
            Self::MemberOffboarded { member, clients: n, .. } => format!(
                "{who} offboarded {}, removing access to {}",
                label(member, "someone"),
                clients(*n)
            ),
            Self::InvitationCreated { invitation, after } => {
                let whom = label(invitation, "someone");
                let role = if after.role.is_empty() { "a role" } else { &after.role };
                match &after.client {
                    Some(c) => format!("{who} invited {whom} to {c} as {role}"),
                    None => format!("{who} invited {whom} as {role}"),
                }
            }
            Self::InvitationAccepted { user, after } => match &after.client {
                Some(c) => format!("{} accepted an invitation to {c}", label(user, "someone")),
                None => format!("{} accepted an invitation", label(user, "someone")),
            },
            Self::InvitationResent { invitation } => {
                format!("{who} resent the invitation to {}", label(invitation, "someone"))
            }
            Self::InvitationRevoked { invitation } => {
                format!("{who} revoked the invitation to {}", label(invitation, "someone"))
            }
            Self::MemberRoleChanged {
                member: whom,
                before,
                after,
            }
            | Self::ClientUserRoleChanged {
                user: whom,
                before,
                after,
            } => {
                let or_unknown = |r: &str| if r.is_empty() { "?".to_owned() } else { r.to_owned() };
                format!(
                    "{who} changed {}'s role from {} to {}",
                    label(whom, "someone"),
                    or_unknown(&before.role),
                    or_unknown(&after.role)
                )
            }
            Self::MemberDeactivated { member: whom, .. } | Self::ClientUserDeactivated { user: whom, .. } => {
                format!("{who} deactivated {}", label(whom, "someone"))
            }
            Self::MemberReactivated { member: whom, .. } | Self::ClientUserReactivated { user: whom, .. } => {
                format!("{who} reactivated {}", label(whom, "someone"))
            }
            Self::MainUserTransferred { member, .. } => {
                format!("{who} made {} the main user", label(member, "someone"))
            }
            Self::SignInFailed { email, .. } => format!("A sign-in as {} failed", label(email, "someone")),
            Self::TwoStepEnabled { .. } => format!("{who} turned on two-step sign-in"),
            Self::TwoStepDisabled { .. } => format!("{who} turned off two-step sign-in"),
            Self::TwoStepReset { member, after, .. } => match &after.link_from {
                Some(from) => format!("{who} turned off their two-step sign-in with the reset link {from} sent"),
                None => format!("{who} reset {}'s two-step sign-in", label(member, "someone")),
            },
            Self::PasswordReset { .. } => format!("{who} set a new password with a reset link"),
            Self::PasswordChanged { .. } => format!("{who} changed their password"),
            Self::AccessRequested { after, .. } => format!(
                "{who} asked for {} on {}{}: \u{201c}{}\u{201d}",
                after.role,
                after.client,
                until(&after.ends),
                after.reason
            ),
            Self::AccessRequestApproved { staff, after } => format!(
                "{who} approved {}'s request: {} on {}{}",
                label(staff, "someone"),
                after.role,
                after.client,
                until(&after.ends)
            ),
            Self::AccessRequestDeclined { staff, after } => match &after.note {
                Some(note) => format!(
                    "{who} declined {}'s request for {}: \u{201c}{note}\u{201d}",
                    label(staff, "someone"),
                    after.client
                ),
                None => format!(
                    "{who} declined {}'s request for {}",
                    label(staff, "someone"),
                    after.client
                ),
            },
            Self::AccessRequestWithdrawn { staff, before } => match label(staff, "someone") {
                whom if whom == who => format!("{who} withdrew their request for {}", before.client),
                whom => format!("{who} withdrew {whom}'s request for {}", before.client),
            },
            Self::AccessRequestExpired { staff, before } => format!(
                "{}'s request for {} expired unanswered",
                label(staff, "someone"),
                before.client
            ),
            Self::EmailChanged { before, after, .. } => {
                format!("{who} changed their email from {} to {}", before.email, after.email)
            }
            Self::NameChanged { before, after, .. } => {
                format!("{who} changed their name from {} to {}", before.name, after.name)
            }
            Self::SessionsEnded { sessions, .. } => match sessions {
                1 => format!("{who} signed out one of their other sessions"),
                n => format!("{who} signed out {n} of their other sessions"),
            },
            Self::TwoStepResetSent { member } => format!(
                "{who} sent {} a link to reset their two-step sign-in",
                label(member, "someone")
            ),
            Self::TwoStepRequirementChanged { after, .. } => {
                if after.require_two_step {
                    format!("{who} required two-step sign-in for all staff")
                } else {
                    format!("{who} stopped requiring two-step sign-in")
                }
            }
            Self::ClientCreated { client, .. } => format!("{who} added the client {}", label(client, "someone")),
            Self::ClientUpdated { client, before, after } => {
                let mut changes = vec![];
                if !before.name.is_empty() && !after.name.is_empty() && before.name != after.name {
                    changes.push(format!("renamed the client {} to {}", before.name, after.name));
                }
                let (old, new) = (plan_label(&before.plan), plan_label(&after.plan));
                if !old.is_empty() && !new.is_empty() && old != new {
                    let what = if changes.is_empty() {
                        format!("the client {}", label(client, "someone"))
                    } else {
                        "it".to_owned()
                    };
                    changes.push(format!("moved {what} from {old} to {new}"));
                }
                if changes.is_empty() {
                    format!("{who} edited the client {}", label(client, "someone"))
                } else {
                    format!("{who} {}", changes.join(" and "))
                }
            }
            Self::RequestsSettingChanged { after, .. } => {
                if after.staff_may_request {
                    format!("{who} let staff request access to clients")
                } else {
                    format!("{who} stopped staff requesting access to clients")
                }
            }
            Self::AccessEmailsChanged { after, .. } => {
                if after.access_emails {
                    format!("{who} turned on the emails that tell staff of changes to their access")
                } else {
                    format!("{who} stopped the emails that tell staff of changes to their access")
                }
            }
            Self::ClientArchived { client, .. } => format!("{who} archived the client {}", label(client, "someone")),
            Self::ClientRestored { client, .. } => format!("{who} restored the client {}", label(client, "someone")),
            Self::ClientsImported { count, .. } => format!("{who} imported {}", clients(*count)),
            Self::RoleCreated { role, .. } => format!("{who} created the role {}", label(role, "someone")),
            Self::RoleUpdated { role, .. } => format!("{who} edited the role {}", label(role, "someone")),
            Self::RoleDeleted { role, .. } => format!("{who} deleted the role {}", label(role, "someone")),
            Self::PracticeCreated { practice } => format!("{who} created the practice {}", label(practice, "someone")),
            Self::LeaverReportDownloaded { member, clients: n } => format!(
                "{who} downloaded {}'s leaver report ({})",
                label(member, "someone"),
                clients(*n)
            ),
            Self::OwnAccessEmailsChanged { after, .. } => {
                if after.access_emails {
                    format!("{who} asked for emails about changes to their access again")
                } else {
                    format!("{who} stopped their emails about changes to their access")
                }
            }
            Self::AuditLogDownloaded { after } => match after.as_ref().filter(|f| !f.filters.is_empty()) {
                Some(f) => format!("{who} downloaded the audit log ({})", f.filters),
                None => format!("{who} downloaded the audit log"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::payload::{AccessEmails, ClientDetails};
    use crate::domain::audit::{Target, TargetKind};

    /// A client's edit says what changed; the practice's email switch says which way.
    #[test]
    fn a_client_edit_and_the_practice_email_switch_read_as_sentences() {
        let birch = Target::new(TargetKind::Client, 1, "Birch Ltd");
        let edit = |before: (&str, &str), after: (&str, &str)| {
            Event::ClientUpdated {
                client: birch.clone(),
                before: ClientDetails {
                    name: before.0.into(),
                    plan: before.1.into(),
                },
                after: ClientDetails {
                    name: after.0.into(),
                    plan: after.1.into(),
                },
            }
            .sentence(Some("Ada Admin"))
        };
        assert_eq!(
            edit(("Birch Ltd", "small"), ("Birch Ltd", "practice_edition")),
            "Ada Admin moved the client Birch Ltd from Small to Practice Edition"
        );
        assert_eq!(
            edit(("Birch", "small"), ("Birch Ltd", "large")),
            "Ada Admin renamed the client Birch to Birch Ltd and moved it from Small to Large"
        );
        assert_eq!(
            edit(("Birch", "small"), ("Birch Ltd", "small")),
            "Ada Admin renamed the client Birch to Birch Ltd"
        );
        assert_eq!(
            Event::AccessEmailsChanged {
                before: AccessEmails { access_emails: true },
                after: AccessEmails { access_emails: false },
            }
            .sentence(Some("Ada Admin")),
            "Ada Admin stopped the emails that tell staff of changes to their access"
        );
    }
}
