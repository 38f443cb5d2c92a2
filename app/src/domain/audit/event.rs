//! The typed audit events: one variant per action, carrying what it records. Writers build
//! one and hand it to their write (`access::write`); the audit log, its CSV export and the
//! leaver report read rows back as events (`Event::read`) and never look into JSON by key.

use super::payload::*;

/// What an event is about, as stored: `target_type`, `target_id` and the label shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub id: Option<i64>,
    pub label: String,
}

/// The kinds of thing an event is about (`audit_events.target_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetKind {
    Practice,
    /// A member of the practice, by their login.
    #[default]
    User,
    /// A client's own user.
    ClientUser,
    Invitation,
    Role,
    Client,
    /// One staff member's client access (the matrix).
    StaffAccess,
    /// An email address that may have no login (a failed sign-in).
    Email,
}

impl TargetKind {
    const ALL: [Self; 8] = [
        Self::Practice,
        Self::User,
        Self::ClientUser,
        Self::Invitation,
        Self::Role,
        Self::Client,
        Self::StaffAccess,
        Self::Email,
    ];

    /// The stored `target_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::User => "user",
            Self::ClientUser => "client_user",
            Self::Invitation => "invitation",
            Self::Role => "role",
            Self::Client => "client",
            Self::StaffAccess => "staff_access",
            Self::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl Target {
    pub fn new(kind: TargetKind, id: i64, label: impl Into<String>) -> Self {
        Self {
            kind,
            id: Some(id),
            label: label.into(),
        }
    }

    /// A member (or any login) by their id and email.
    pub fn user(id: i64, email: impl Into<String>) -> Self {
        Self::new(TargetKind::User, id, email)
    }

    /// One staff member's client access, by their id and name.
    pub fn staff_access(user_id: i64, name: impl Into<String>) -> Self {
        Self::new(TargetKind::StaffAccess, user_id, name)
    }

    /// An email address without an id.
    pub fn email(address: impl Into<String>) -> Self {
        Self {
            kind: TargetKind::Email,
            id: None,
            label: address.into(),
        }
    }
}

/// One audit event, by action, with what it records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    PracticeCreated {
        practice: Target,
    },
    MainUserTransferred {
        member: Target,
        before: MainUser,
        after: MainUser,
    },
    InvitationCreated {
        invitation: Target,
        after: Invited,
    },
    InvitationResent {
        invitation: Target,
    },
    InvitationRevoked {
        invitation: Target,
    },
    /// `user` is a member (`User`) or a client's own user (`ClientUser`).
    InvitationAccepted {
        user: Target,
        after: Joined,
    },
    MemberRoleChanged {
        member: Target,
        before: RoleNamed,
        after: RoleNamed,
    },
    MemberDeactivated {
        member: Target,
        before: Standing,
        after: Standing,
    },
    MemberReactivated {
        member: Target,
        before: Standing,
        after: Standing,
    },
    MemberOffboarded {
        member: Target,
        before: Leaving,
        after: Left,
        clients: i64,
    },
    ClientUserRoleChanged {
        user: Target,
        before: RoleNamed,
        after: RoleNamed,
    },
    ClientUserDeactivated {
        user: Target,
        before: Standing,
        after: Standing,
    },
    ClientUserReactivated {
        user: Target,
        before: Standing,
        after: Standing,
    },
    RoleCreated {
        role: Target,
        after: RoleDefinition,
    },
    RoleUpdated {
        role: Target,
        before: RoleDefinition,
        after: RoleDefinition,
    },
    /// `uses`: people, grants and invitations that held the role (moved to `moved`).
    RoleDeleted {
        role: Target,
        before: RoleDefinition,
        moved: Option<RoleMove>,
        uses: i64,
    },
    ClientCreated {
        client: Target,
        after: ClientDetails,
    },
    ClientUpdated {
        client: Target,
        before: ClientDetails,
        after: ClientDetails,
    },
    ClientArchived {
        client: Target,
        before: Archived,
        after: Archived,
    },
    ClientRestored {
        client: Target,
        before: Archived,
        after: Archived,
    },
    ClientsImported {
        practice_id: i64,
        after: Imported,
        count: i64,
    },
    AccessSet {
        staff: Target,
        before: ClientRole,
        after: ClientRole,
    },
    AccessBulkAssigned {
        staff: Target,
        after: BulkChange,
        changed: i64,
    },
    AccessBulkRemoved {
        staff: Target,
        after: BulkChange,
        changed: i64,
    },
    AccessBulkUndone {
        staff: Target,
        after: Undone,
        back: i64,
    },
    AccessCopied {
        staff: Target,
        before: CopySource,
        after: CopyOutcome,
        changes: i64,
    },
    AccessEndSet {
        staff: Target,
        before: ClientRoleEnds,
        after: ClientRoleEnds,
    },
    AccessExpired {
        staff: Target,
        before: ClientRoleEnds,
        after: ClientRole,
    },
    /// A wrong password, or a wrong two-step code after a right one.
    SignInFailed {
        email: Target,
        after: SignInFailure,
    },
    AccessEmailsChanged {
        before: AccessEmails,
        after: AccessEmails,
    },
    RequestsSettingChanged {
        before: StaffMayRequest,
        after: StaffMayRequest,
    },
    TwoStepEnabled {
        user: Target,
    },
    TwoStepDisabled {
        user: Target,
    },
    TwoStepReset {
        member: Target,
        before: TwoStepState,
        after: TwoStepState,
    },
    /// An admin asked for a member's two-step sign-in to be reset: a link went to them.
    TwoStepResetSent {
        member: Target,
    },
    /// A login's owner set a new password with an emailed reset link.
    PasswordReset {
        user: Target,
    },
    PasswordChanged {
        user: Target,
    },
    EmailChanged {
        user: Target,
        before: EmailAddressed,
        after: EmailAddressed,
    },
    NameChanged {
        user: Target,
        before: Named,
        after: Named,
    },
    /// `staff` asked for access (the actor is the asker).
    AccessRequested {
        staff: Target,
        after: Requested,
    },
    /// An approver gave `staff` what `after` says (role and end as given).
    AccessRequestApproved {
        staff: Target,
        after: Requested,
    },
    AccessRequestDeclined {
        staff: Target,
        after: Requested,
    },
    /// By the asker, or by offboarding them.
    AccessRequestWithdrawn {
        staff: Target,
        before: Requested,
    },
    /// Unanswered for 14 days (nobody acts).
    AccessRequestExpired {
        staff: Target,
        before: Requested,
    },
    /// A login's owner signed out `sessions` of their other sessions.
    SessionsEnded {
        user: Target,
        sessions: i64,
    },
    TwoStepRequirementChanged {
        before: RequireTwoStep,
        after: RequireTwoStep,
    },
    LeaverReportDownloaded {
        member: Target,
        clients: i64,
    },
    AuditLogDownloaded {
        after: Option<DownloadFilters>,
    },
    OwnAccessEmailsChanged {
        user: Target,
        before: AccessEmails,
        after: AccessEmails,
    },
}

impl Event {
    /// A member's standing changed (`active`: reactivated).
    pub fn member_standing(member: Target, from: &str, to: &str, active: bool) -> Self {
        let (before, after) = (standing(from, None), standing(to, None));
        if active {
            Self::MemberReactivated { member, before, after }
        } else {
            Self::MemberDeactivated { member, before, after }
        }
    }

    /// A client's own user's standing changed (`active`: reactivated).
    pub fn client_user_standing(user: Target, from: &str, to: &str, client: &str, active: bool) -> Self {
        let (before, after) = (standing(from, None), standing(to, Some(client)));
        if active {
            Self::ClientUserReactivated { user, before, after }
        } else {
            Self::ClientUserDeactivated { user, before, after }
        }
    }
}

fn standing(status: &str, client: Option<&str>) -> Standing {
    Standing {
        status: status.to_owned(),
        client: client.map(str::to_owned),
    }
}
