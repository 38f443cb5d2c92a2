//! Where a person or an invitation stands: a member's (or client user's) standing, an
//! invitation's state, and the status Manage users shows for a line.

use serde::{Deserialize, Serialize};

/// A member's standing in a practice (`practice_members.status`; client users use the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberStatus {
    Active,
    Deactivated,
}

impl MemberStatus {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    /// Active, or deactivated.
    pub fn of(active: bool) -> Self {
        if active { Self::Active } else { Self::Deactivated }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "deactivated" => Some(Self::Deactivated),
            _ => None,
        }
    }
}

/// Where an invitation stands (`invitations.status`). A pending one past its expiry is
/// shown as expired but stays pending until replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
}

impl InvitationStatus {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Accepted, Self::Revoked]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// The status Manage users shows (and filters by) for a line: a member or an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Expired,
    Active,
    Deactivated,
}

impl UserStatus {
    pub const ALL: [Self; 4] = [Self::Active, Self::Invited, Self::Expired, Self::Deactivated];

    /// The value in the address and the `status` filter of `list_practice_users`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Expired => "expired",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::Expired => "Expired",
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
        }
    }
}

/// An access request nobody answers expires after this many days.
pub const REQUEST_EXPIRE_DAYS: i64 = 14;
