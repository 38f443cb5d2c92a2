//! Events as rows of `audit_events` and back. [`Event::stored`] writes exactly what the
//! trail has always held (the same keys in the same JSON), and [`Event::read`] reads every
//! row stored so far, including those written before a field existed.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::action::AuditAction;
use super::event::{Event, Target, TargetKind};
use super::payload::*;

/// An event as a row, without who acted and in which practice (the writer adds those).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub action: AuditAction,
    pub target: Option<Target>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub count: Option<i64>,
}

fn json(payload: &impl Serialize) -> Option<String> {
    // Through a `Value`, as the trail was always written: keys in their stored order.
    serde_json::to_value(payload).ok().map(|v| v.to_string())
}

fn read<T: DeserializeOwned + Default>(text: Option<&str>) -> T {
    text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
}

impl Event {
    pub fn action(&self) -> AuditAction {
        self.stored().action
    }

    /// The row this event is stored as.
    pub fn stored(&self) -> Stored {
        use AuditAction as A;
        let row = |action, target: &Target| Stored {
            action,
            target: Some(target.clone()),
            before: None,
            after: None,
            count: None,
        };
        let changed = |action, target: &Target, before: Option<String>, after: Option<String>| Stored {
            before,
            after,
            ..row(action, target)
        };
        let untargeted = |action, before: Option<String>, after: Option<String>| Stored {
            action,
            target: None,
            before,
            after,
            count: None,
        };
        match self {
            Self::PracticeCreated { practice } => row(A::PracticeCreated, practice),
            Self::MainUserTransferred { member, before, after } => {
                changed(A::MainUserTransferred, member, json(before), json(after))
            }
            Self::InvitationCreated { invitation, after } => {
                changed(A::InvitationCreated, invitation, None, json(after))
            }
            Self::InvitationResent { invitation } => row(A::InvitationResent, invitation),
            Self::InvitationRevoked { invitation } => changed(
                A::InvitationRevoked,
                invitation,
                json(&Standing {
                    status: "invited".into(),
                    client: None,
                }),
                json(&Standing {
                    status: "revoked".into(),
                    client: None,
                }),
            ),
            Self::InvitationAccepted { user, after } => changed(A::InvitationAccepted, user, None, json(after)),
            Self::MemberRoleChanged { member, before, after } => {
                changed(A::MemberRoleChanged, member, json(before), json(after))
            }
            Self::MemberDeactivated { member, before, after } => {
                changed(A::MemberDeactivated, member, json(before), json(after))
            }
            Self::MemberReactivated { member, before, after } => {
                changed(A::MemberReactivated, member, json(before), json(after))
            }
            Self::MemberOffboarded {
                member,
                before,
                after,
                clients,
            } => Stored {
                count: Some(*clients),
                ..changed(A::MemberOffboarded, member, json(before), json(after))
            },
            Self::ClientUserRoleChanged { user, before, after } => {
                changed(A::ClientUserRoleChanged, user, json(before), json(after))
            }
            Self::ClientUserDeactivated { user, before, after } => {
                changed(A::ClientUserDeactivated, user, json(before), json(after))
            }
            Self::ClientUserReactivated { user, before, after } => {
                changed(A::ClientUserReactivated, user, json(before), json(after))
            }
            Self::RoleCreated { role, after } => changed(A::RoleCreated, role, None, json(after)),
            Self::RoleUpdated { role, before, after } => changed(A::RoleUpdated, role, json(before), json(after)),
            Self::RoleDeleted {
                role,
                before,
                moved,
                uses,
            } => Stored {
                count: Some(*uses),
                ..changed(A::RoleDeleted, role, json(before), moved.as_ref().and_then(json))
            },
            Self::ClientCreated { client, after } => changed(A::ClientCreated, client, None, json(after)),
            Self::ClientUpdated { client, before, after } => {
                changed(A::ClientUpdated, client, json(before), json(after))
            }
            Self::ClientArchived { client, before, after } => {
                changed(A::ClientArchived, client, json(before), json(after))
            }
            Self::ClientRestored { client, before, after } => {
                changed(A::ClientRestored, client, json(before), json(after))
            }
            Self::ClientsImported {
                practice_id,
                after,
                count,
            } => Stored {
                action: A::ClientsImported,
                target: Some(Target {
                    kind: TargetKind::Practice,
                    id: Some(*practice_id),
                    label: String::new(),
                }),
                before: None,
                after: json(after),
                count: Some(*count),
            },
            Self::AccessSet { staff, before, after } => Stored {
                count: Some(1),
                ..changed(A::AccessSet, staff, json(before), json(after))
            },
            Self::AccessBulkAssigned {
                staff,
                after,
                changed: n,
            } => Stored {
                count: Some(*n),
                ..changed(A::AccessBulkAssigned, staff, None, json(after))
            },
            Self::AccessBulkRemoved {
                staff,
                after,
                changed: n,
            } => Stored {
                count: Some(*n),
                ..changed(A::AccessBulkRemoved, staff, None, json(after))
            },
            Self::AccessBulkUndone { staff, after, back } => Stored {
                count: Some(*back),
                ..changed(A::AccessBulkUndone, staff, None, json(after))
            },
            Self::AccessCopied {
                staff,
                before,
                after,
                changes,
            } => Stored {
                count: Some(*changes),
                ..changed(A::AccessCopied, staff, json(before), json(after))
            },
            Self::AccessEndSet { staff, before, after } => Stored {
                count: Some(1),
                ..changed(A::AccessEndSet, staff, json(before), json(after))
            },
            Self::AccessExpired { staff, before, after } => Stored {
                count: Some(1),
                ..changed(A::AccessExpired, staff, json(before), json(after))
            },
            Self::SignInFailed { email, after } => changed(A::SignInFailed, email, None, json(after)),
            Self::AccessEmailsChanged { before, after } => {
                untargeted(A::AccessEmailsChanged, json(before), json(after))
            }
            Self::RequestsSettingChanged { before, after } => {
                untargeted(A::RequestsSettingChanged, json(before), json(after))
            }
            Self::TwoStepEnabled { user } => row(A::TwoStepEnabled, user),
            Self::TwoStepDisabled { user } => row(A::TwoStepDisabled, user),
            Self::TwoStepReset { member, before, after } => changed(A::TwoStepReset, member, json(before), json(after)),
            Self::TwoStepResetSent { member } => row(A::TwoStepResetSent, member),
            Self::PasswordReset { user } => row(A::PasswordReset, user),
            Self::PasswordChanged { user } => row(A::PasswordChanged, user),
            Self::AccessRequested { staff, after } => changed(A::AccessRequested, staff, None, json(after)),
            Self::AccessRequestApproved { staff, after } => changed(A::AccessRequestApproved, staff, None, json(after)),
            Self::AccessRequestDeclined { staff, after } => changed(A::AccessRequestDeclined, staff, None, json(after)),
            Self::AccessRequestWithdrawn { staff, before } => {
                changed(A::AccessRequestWithdrawn, staff, json(before), None)
            }
            Self::AccessRequestExpired { staff, before } => changed(A::AccessRequestExpired, staff, json(before), None),
            Self::EmailChanged { user, before, after } => changed(A::EmailChanged, user, json(before), json(after)),
            Self::NameChanged { user, before, after } => changed(A::NameChanged, user, json(before), json(after)),
            Self::SessionsEnded { user, sessions } => Stored {
                count: Some(*sessions),
                ..row(A::SessionsEnded, user)
            },
            Self::TwoStepRequirementChanged { before, after } => {
                untargeted(A::TwoStepRequirementChanged, json(before), json(after))
            }
            Self::LeaverReportDownloaded { member, clients } => Stored {
                count: Some(*clients),
                ..row(A::LeaverReportDownloaded, member)
            },
            Self::AuditLogDownloaded { after } => {
                untargeted(A::AuditLogDownloaded, None, after.as_ref().and_then(json))
            }
            Self::OwnAccessEmailsChanged { user, before, after } => {
                changed(A::OwnAccessEmailsChanged, user, json(before), json(after))
            }
        }
    }

    /// The event a stored row records; `None` for an action this version does not know
    /// (written by a newer one). What a row lacks reads as empty.
    pub fn read(
        action: &str,
        target: Option<Target>,
        before: Option<&str>,
        after: Option<&str>,
        count: Option<i64>,
    ) -> Option<Self> {
        use AuditAction as A;
        let t = target.unwrap_or_default();
        let n = count.unwrap_or(0);
        Some(match AuditAction::parse(action)? {
            A::PracticeCreated => Self::PracticeCreated { practice: t },
            A::MainUserTransferred => Self::MainUserTransferred {
                member: t,
                before: read(before),
                after: read(after),
            },
            A::InvitationCreated => Self::InvitationCreated {
                invitation: t,
                after: read(after),
            },
            A::InvitationResent => Self::InvitationResent { invitation: t },
            A::InvitationRevoked => Self::InvitationRevoked { invitation: t },
            A::InvitationAccepted => Self::InvitationAccepted {
                user: t,
                after: read(after),
            },
            A::MemberRoleChanged => Self::MemberRoleChanged {
                member: t,
                before: read(before),
                after: read(after),
            },
            A::MemberDeactivated => Self::MemberDeactivated {
                member: t,
                before: read(before),
                after: read(after),
            },
            A::MemberReactivated => Self::MemberReactivated {
                member: t,
                before: read(before),
                after: read(after),
            },
            A::MemberOffboarded => Self::MemberOffboarded {
                member: t,
                before: read(before),
                after: read(after),
                clients: n,
            },
            A::ClientUserRoleChanged => Self::ClientUserRoleChanged {
                user: t,
                before: read(before),
                after: read(after),
            },
            A::ClientUserDeactivated => Self::ClientUserDeactivated {
                user: t,
                before: read(before),
                after: read(after),
            },
            A::ClientUserReactivated => Self::ClientUserReactivated {
                user: t,
                before: read(before),
                after: read(after),
            },
            A::RoleCreated => Self::RoleCreated {
                role: t,
                after: read(after),
            },
            A::RoleUpdated => Self::RoleUpdated {
                role: t,
                before: read(before),
                after: read(after),
            },
            A::RoleDeleted => Self::RoleDeleted {
                role: t,
                before: read(before),
                moved: after.map(|a| read(Some(a))),
                uses: n,
            },
            A::ClientCreated => Self::ClientCreated {
                client: t,
                after: read(after),
            },
            A::ClientUpdated => Self::ClientUpdated {
                client: t,
                before: read(before),
                after: read(after),
            },
            A::ClientArchived => Self::ClientArchived {
                client: t,
                before: read(before),
                after: read(after),
            },
            A::ClientRestored => Self::ClientRestored {
                client: t,
                before: read(before),
                after: read(after),
            },
            A::ClientsImported => Self::ClientsImported {
                practice_id: t.id.unwrap_or(0),
                after: read(after),
                count: n,
            },
            A::AccessSet => Self::AccessSet {
                staff: t,
                before: read(before),
                after: read(after),
            },
            A::AccessBulkAssigned => Self::AccessBulkAssigned {
                staff: t,
                after: read(after),
                changed: n,
            },
            A::AccessBulkRemoved => Self::AccessBulkRemoved {
                staff: t,
                after: read(after),
                changed: n,
            },
            A::AccessBulkUndone => Self::AccessBulkUndone {
                staff: t,
                after: read(after),
                back: n,
            },
            A::AccessCopied => Self::AccessCopied {
                staff: t,
                before: read(before),
                after: read(after),
                changes: n,
            },
            A::AccessEndSet => Self::AccessEndSet {
                staff: t,
                before: read(before),
                after: read(after),
            },
            A::AccessExpired => Self::AccessExpired {
                staff: t,
                before: read(before),
                after: read(after),
            },
            A::SignInFailed => Self::SignInFailed {
                email: t,
                after: read(after),
            },
            A::AccessEmailsChanged => Self::AccessEmailsChanged {
                before: read(before),
                after: read(after),
            },
            A::RequestsSettingChanged => Self::RequestsSettingChanged {
                before: read(before),
                after: read(after),
            },
            A::TwoStepEnabled => Self::TwoStepEnabled { user: t },
            A::TwoStepDisabled => Self::TwoStepDisabled { user: t },
            A::TwoStepReset => Self::TwoStepReset {
                member: t,
                before: read(before),
                after: read(after),
            },
            A::TwoStepRequirementChanged => Self::TwoStepRequirementChanged {
                before: read(before),
                after: read(after),
            },
            A::LeaverReportDownloaded => Self::LeaverReportDownloaded { member: t, clients: n },
            A::TwoStepResetSent => Self::TwoStepResetSent { member: t },
            A::PasswordReset => Self::PasswordReset { user: t },
            A::PasswordChanged => Self::PasswordChanged { user: t },
            A::AccessRequested => Self::AccessRequested {
                staff: t,
                after: read(after),
            },
            A::AccessRequestApproved => Self::AccessRequestApproved {
                staff: t,
                after: read(after),
            },
            A::AccessRequestDeclined => Self::AccessRequestDeclined {
                staff: t,
                after: read(after),
            },
            A::AccessRequestWithdrawn => Self::AccessRequestWithdrawn {
                staff: t,
                before: read(before),
            },
            A::AccessRequestExpired => Self::AccessRequestExpired {
                staff: t,
                before: read(before),
            },
            A::EmailChanged => Self::EmailChanged {
                user: t,
                before: read(before),
                after: read(after),
            },
            A::NameChanged => Self::NameChanged {
                user: t,
                before: read(before),
                after: read(after),
            },
            A::SessionsEnded => Self::SessionsEnded { user: t, sessions: n },
            A::AuditLogDownloaded => Self::AuditLogDownloaded {
                after: after.map(|a| read(Some(a))),
            },
            A::OwnAccessEmailsChanged => Self::OwnAccessEmailsChanged {
                user: t,
                before: read(before),
                after: read(after),
            },
        })
    }
}

impl Target {
    /// A stored target (`target_type`, `target_id`, `target_label`); `None` when the row
    /// has none.
    pub fn read(kind: Option<&str>, id: Option<i64>, label: Option<&str>) -> Option<Self> {
        if kind.is_none() && label.is_none() {
            return None;
        }
        Some(Self {
            kind: kind.and_then(TargetKind::parse).unwrap_or_default(),
            id,
            label: label.unwrap_or_default().to_owned(),
        })
    }
}
