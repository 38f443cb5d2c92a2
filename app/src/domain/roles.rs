//! Roles: the three every practice has (Admin, Employee, User) and custom ones, and how a
//! role is named in lists.

use serde::{Deserialize, Serialize};

use crate::domain::permissions::Permission;

/// The three roles every practice has; custom roles are the fourth kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleKind {
    Admin,
    Employee,
    User,
    Custom,
}

impl RoleKind {
    pub const PREDEFINED: [RoleKind; 3] = [RoleKind::Admin, RoleKind::Employee, RoleKind::User];

    /// The value stored in `roles.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Employee => "employee",
            Self::User => "user",
            Self::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Self::Admin),
            "employee" => Some(Self::Employee),
            "user" => Some(Self::User),
            "custom" => Some(Self::Custom),
            _ => None,
        }
    }

    /// The name a predefined role is created with.
    pub fn default_name(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Employee => "Employee",
            Self::User => "User",
            Self::Custom => "Custom",
        }
    }

    /// Permissions of a predefined role; `None` for custom roles (stored per role).
    pub fn predefined_permissions(self) -> Option<Vec<Permission>> {
        let keep = |keep: &dyn Fn(Permission) -> bool| Permission::ALL.iter().copied().filter(|p| keep(*p)).collect();
        match self {
            Self::Admin => Some(keep(&|_| true)),
            // Bookkeeping staff: everything except people, settings changes and payroll.
            Self::Employee => Some(keep(&|p| {
                p != Permission::ManageUsers && p != Permission::SettingsEdit && !p.key().starts_with("payroll.")
            })),
            // Read-only, plus recording one's own expenses.
            Self::User => Some(keep(&|p| {
                p.key().ends_with(".list") || p.key().ends_with(".view") || p == Permission::ExpensesEdit
            })),
            Self::Custom => None,
        }
    }
}

/// How a role is named in lists: the predefined Employee is "Employee (predefined)".
pub fn display_role_name(kind: &str, name: &str) -> String {
    if kind == RoleKind::Employee.as_str() {
        format!("{name} (predefined)")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::validate;

    #[test]
    fn predefined_sets_satisfy_their_own_dependencies() {
        for kind in RoleKind::PREDEFINED {
            let keys: Vec<String> = kind
                .predefined_permissions()
                .unwrap()
                .into_iter()
                .map(|p| p.key().to_owned())
                .collect();
            validate(&keys).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }

    #[test]
    fn only_admin_manages_users_among_predefined_roles() {
        let has = |k: RoleKind| k.predefined_permissions().unwrap().contains(&Permission::ManageUsers);
        assert!(has(RoleKind::Admin));
        assert!(!has(RoleKind::Employee));
        assert!(!has(RoleKind::User));
    }
}
