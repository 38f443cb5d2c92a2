//! What an audit event records: each action's stored name and how the audit log names it.

use serde::{Deserialize, Serialize};

/// What an audit event records. Stored by [`AuditAction::as_str`]; the audit log shows
/// [`AuditAction::label`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    PracticeCreated,
    MainUserTransferred,
    InvitationCreated,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    MemberRoleChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberOffboarded,
    ClientUserRoleChanged,
    ClientUserDeactivated,
    ClientUserReactivated,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    ClientCreated,
    ClientUpdated,
    ClientArchived,
    ClientRestored,
    ClientsImported,
    AccessSet,
    AccessBulkAssigned,
    AccessBulkRemoved,
    AccessBulkUndone,
    AccessCopied,
    AccessEndSet,
    AccessExpired,
    SignInFailed,
    AccessEmailsChanged,
    TwoStepEnabled,
    TwoStepDisabled,
    TwoStepReset,
    TwoStepRequirementChanged,
    LeaverReportDownloaded,
    AuditLogDownloaded,
    OwnAccessEmailsChanged,
    TwoStepResetSent,
    PasswordReset,
    PasswordChanged,
    EmailChanged,
    NameChanged,
    SessionsEnded,
}

impl AuditAction {
    pub const ALL: [AuditAction; 43] = [
        Self::PracticeCreated,
        Self::MainUserTransferred,
        Self::InvitationCreated,
        Self::InvitationResent,
        Self::InvitationRevoked,
        Self::InvitationAccepted,
        Self::MemberRoleChanged,
        Self::MemberDeactivated,
        Self::MemberReactivated,
        Self::MemberOffboarded,
        Self::ClientUserRoleChanged,
        Self::ClientUserDeactivated,
        Self::ClientUserReactivated,
        Self::RoleCreated,
        Self::RoleUpdated,
        Self::RoleDeleted,
        Self::ClientCreated,
        Self::ClientUpdated,
        Self::ClientArchived,
        Self::ClientRestored,
        Self::ClientsImported,
        Self::AccessSet,
        Self::AccessBulkAssigned,
        Self::AccessBulkRemoved,
        Self::AccessBulkUndone,
        Self::AccessCopied,
        Self::AccessEndSet,
        Self::AccessExpired,
        Self::SignInFailed,
        Self::AccessEmailsChanged,
        Self::TwoStepEnabled,
        Self::TwoStepDisabled,
        Self::TwoStepReset,
        Self::TwoStepRequirementChanged,
        Self::LeaverReportDownloaded,
        Self::AuditLogDownloaded,
        Self::OwnAccessEmailsChanged,
        Self::TwoStepResetSent,
        Self::PasswordReset,
        Self::PasswordChanged,
        Self::EmailChanged,
        Self::NameChanged,
        Self::SessionsEnded,
    ];

    /// The value stored in `audit_events.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PracticeCreated => "practice.created",
            Self::MainUserTransferred => "practice.main_user_transferred",
            Self::InvitationCreated => "invitation.created",
            Self::InvitationResent => "invitation.resent",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvitationAccepted => "invitation.accepted",
            Self::MemberRoleChanged => "member.role_changed",
            Self::MemberDeactivated => "member.deactivated",
            Self::MemberReactivated => "member.reactivated",
            Self::MemberOffboarded => "member.offboarded",
            Self::ClientUserRoleChanged => "client_user.role_changed",
            Self::ClientUserDeactivated => "client_user.deactivated",
            Self::ClientUserReactivated => "client_user.reactivated",
            Self::RoleCreated => "role.created",
            Self::RoleUpdated => "role.updated",
            Self::RoleDeleted => "role.deleted",
            Self::ClientCreated => "client.created",
            Self::ClientUpdated => "client.updated",
            Self::ClientArchived => "client.archived",
            Self::ClientRestored => "client.restored",
            Self::ClientsImported => "client.imported",
            Self::AccessSet => "access.set",
            Self::AccessBulkAssigned => "access.bulk_assigned",
            Self::AccessBulkRemoved => "access.bulk_removed",
            Self::AccessBulkUndone => "access.bulk_undone",
            Self::AccessCopied => "access.copied",
            Self::AccessEndSet => "access.end_set",
            Self::AccessExpired => "access.expired",
            Self::SignInFailed => "auth.sign_in_failed",
            Self::AccessEmailsChanged => "practice.access_emails",
            Self::TwoStepEnabled => "auth.two_step_enabled",
            Self::TwoStepDisabled => "auth.two_step_disabled",
            Self::TwoStepReset => "member.two_step_reset",
            Self::TwoStepRequirementChanged => "practice.two_step_required",
            Self::LeaverReportDownloaded => "report.leaver_downloaded",
            Self::AuditLogDownloaded => "report.audit_downloaded",
            Self::OwnAccessEmailsChanged => "user.access_emails",
            Self::TwoStepResetSent => "member.two_step_reset_sent",
            Self::PasswordReset => "user.password_reset",
            Self::PasswordChanged => "user.password_changed",
            Self::EmailChanged => "user.email_changed",
            Self::NameChanged => "user.name_changed",
            Self::SessionsEnded => "user.sessions_ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// How the audit log names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::PracticeCreated => "Created the practice",
            Self::MainUserTransferred => "Transferred the main user",
            Self::InvitationCreated => "Invited a user",
            Self::InvitationResent => "Resent an invitation",
            Self::InvitationRevoked => "Revoked an invitation",
            Self::InvitationAccepted => "Accepted an invitation",
            Self::MemberRoleChanged => "Changed a user's role",
            Self::MemberDeactivated => "Deactivated a user",
            Self::MemberReactivated => "Reactivated a user",
            Self::MemberOffboarded => "Offboarded a user",
            Self::ClientUserRoleChanged => "Changed a client user's role",
            Self::ClientUserDeactivated => "Deactivated a client user",
            Self::ClientUserReactivated => "Reactivated a client user",
            Self::RoleCreated => "Created a role",
            Self::RoleUpdated => "Edited a role",
            Self::RoleDeleted => "Deleted a role",
            Self::ClientCreated => "Added a client",
            Self::ClientUpdated => "Edited a client",
            Self::ClientArchived => "Archived a client",
            Self::ClientRestored => "Restored a client",
            Self::ClientsImported => "Imported clients",
            Self::AccessSet => "Changed client access",
            Self::AccessBulkAssigned => "Gave client access in bulk",
            Self::AccessBulkRemoved => "Removed client access in bulk",
            Self::AccessBulkUndone => "Undid a bulk change",
            Self::AccessCopied => "Copied client access",
            Self::AccessEndSet => "Set when client access ends",
            Self::AccessExpired => "Client access ended on its end date",
            Self::SignInFailed => "Failed sign-in",
            Self::AccessEmailsChanged => "Changed the access-change emails setting",
            Self::TwoStepEnabled => "Turned on two-step sign-in",
            Self::TwoStepDisabled => "Turned off two-step sign-in",
            Self::TwoStepReset => "Reset a user's two-step sign-in",
            Self::TwoStepRequirementChanged => "Changed the two-step sign-in requirement",
            Self::LeaverReportDownloaded => "Downloaded a leaver report",
            Self::AuditLogDownloaded => "Downloaded the audit log",
            Self::OwnAccessEmailsChanged => "Changed their own access-change emails",
            Self::TwoStepResetSent => "Sent a link to reset a user's two-step sign-in",
            Self::PasswordReset => "Set a new password with a reset link",
            Self::PasswordChanged => "Changed their password",
            Self::EmailChanged => "Changed their email",
            Self::NameChanged => "Changed their name",
            Self::SessionsEnded => "Signed out their other sessions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_action_reads_back_and_has_words() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert_ne!(action.label(), action.as_str());
        }
        assert_eq!(AuditAction::parse("nonsense"), None);
    }
}
