//! The permission catalogue: what a role can grant, grouped in sections, with dependencies.
//!
//! The catalogue is code, not data: permissions are checked by code, so a permission only
//! exists when code checks it. Custom roles store the keys they grant; predefined roles'
//! sets are derived here so a new permission reaches Admin without a migration.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    pub key: &'static str,
    pub label: &'static str,
    /// Keys this permission only works with.
    pub requires: &'static [&'static str],
}

#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub name: &'static str,
    pub permissions: &'static [Permission],
}

const fn p(key: &'static str, label: &'static str, requires: &'static [&'static str]) -> Permission {
    Permission { key, label, requires }
}

/// Gates the Manage users pages and every server function that changes access.
pub const MANAGE_USERS: &str = "users.manage";

pub const CATALOGUE: &[Section] = &[
    Section {
        name: "Sales",
        permissions: &[
            p("sales.invoices.list", "List invoices", &[]),
            p(
                "sales.invoices.edit",
                "Create and edit invoices",
                &["sales.invoices.list"],
            ),
            p("sales.quotes.list", "List quotes", &[]),
            p("sales.quotes.edit", "Create and edit quotes", &["sales.quotes.list"]),
            p(
                "sales.credit_notes.edit",
                "Issue credit notes",
                &["sales.invoices.list"],
            ),
        ],
    },
    Section {
        name: "Purchases",
        permissions: &[
            p("purchases.bills.list", "List bills", &[]),
            p(
                "purchases.bills.edit",
                "Create and edit bills",
                &["purchases.bills.list"],
            ),
            p(
                "purchases.payments.edit",
                "Record supplier payments",
                &["purchases.bills.list"],
            ),
        ],
    },
    Section {
        name: "Expenses",
        permissions: &[
            p("expenses.list", "List expenses", &[]),
            p("expenses.drafts.list", "List draft expenses", &["expenses.list"]),
            p("expenses.edit", "Create and edit expenses", &["expenses.list"]),
            p(
                "expenses.approve",
                "Approve expenses",
                &["expenses.list", "expenses.drafts.list"],
            ),
        ],
    },
    Section {
        name: "Banking",
        permissions: &[
            p("banking.accounts.list", "View bank accounts", &[]),
            p(
                "banking.reconcile",
                "Reconcile transactions",
                &["banking.accounts.list"],
            ),
            p("banking.import", "Import bank statements", &["banking.accounts.list"]),
        ],
    },
    Section {
        name: "Reports",
        permissions: &[
            p("reports.view", "View reports", &[]),
            p("reports.export", "Export reports", &["reports.view"]),
        ],
    },
    Section {
        name: "VAT",
        permissions: &[
            p("vat.view", "View VAT returns", &[]),
            p("vat.submit", "Submit VAT returns", &["vat.view"]),
        ],
    },
    Section {
        name: "Payroll",
        permissions: &[
            p("payroll.view", "View payroll", &[]),
            p("payroll.run", "Run payroll", &["payroll.view"]),
        ],
    },
    Section {
        name: "Contacts",
        permissions: &[
            p("contacts.list", "List contacts", &[]),
            p("contacts.edit", "Create and edit contacts", &["contacts.list"]),
        ],
    },
    Section {
        name: "Settings",
        permissions: &[
            p("settings.view", "View settings", &[]),
            p("settings.edit", "Change settings", &["settings.view"]),
        ],
    },
    Section {
        name: "Manage users",
        permissions: &[p(MANAGE_USERS, "Manage users, roles and client access", &[])],
    },
];

pub fn all() -> impl Iterator<Item = &'static Permission> {
    CATALOGUE.iter().flat_map(|s| s.permissions.iter())
}

pub fn find(key: &str) -> Option<&'static Permission> {
    all().find(|p| p.key == key)
}

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
    pub fn predefined_permissions(self) -> Option<Vec<&'static str>> {
        let keys = |keep: &dyn Fn(&Permission) -> bool| all().filter(|p| keep(p)).map(|p| p.key).collect();
        match self {
            Self::Admin => Some(keys(&|_| true)),
            // Bookkeeping staff: everything except people, settings changes and payroll.
            Self::Employee => Some(keys(&|p| {
                p.key != MANAGE_USERS && p.key != "settings.edit" && !p.key.starts_with("payroll.")
            })),
            // Read-only, plus recording one's own expenses.
            Self::User => Some(keys(&|p| {
                p.key.ends_with(".list") || p.key.ends_with(".view") || p.key == "expenses.edit"
            })),
            Self::Custom => None,
        }
    }
}

/// What is wrong with a requested permission set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PermissionSetError {
    #[error("unknown permission {0:?}")]
    Unknown(String),
    #[error("\"{permission}\" needs \"{requires}\": grant both or neither")]
    MissingDependency { permission: String, requires: String },
}

/// Checks a requested set: every key known, every dependency granted too.
/// Dependencies are refused rather than added silently, so what is saved is what the
/// admin saw; the form ticks dependencies for them as they go.
pub fn validate(keys: &[String]) -> Result<Vec<&'static str>, PermissionSetError> {
    let mut out = Vec::new();
    for key in keys {
        let perm = find(key).ok_or_else(|| PermissionSetError::Unknown(key.clone()))?;
        if !out.contains(&perm.key) {
            out.push(perm.key);
        }
    }
    for key in &out {
        let perm = find(key).expect("validated above");
        if let Some(missing) = perm.requires.iter().find(|r| !out.contains(r)) {
            return Err(PermissionSetError::MissingDependency {
                permission: perm.label.to_owned(),
                requires: find(missing).map(|m| m.label).unwrap_or(missing).to_owned(),
            });
        }
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dependency_names_a_permission_in_the_catalogue() {
        for perm in all() {
            for req in perm.requires {
                assert!(find(req).is_some(), "{} requires unknown {}", perm.key, req);
            }
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = all().map(|p| p.key).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn draft_expenses_without_expenses_is_refused_with_both_names() {
        let err = validate(&["expenses.drafts.list".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"List draft expenses\" needs \"List expenses\": grant both or neither"
        );
        assert!(validate(&["expenses.drafts.list".into(), "expenses.list".into()]).is_ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert_eq!(
            validate(&["nope".into()]),
            Err(PermissionSetError::Unknown("nope".into()))
        );
    }

    #[test]
    fn predefined_sets_satisfy_their_own_dependencies() {
        for kind in RoleKind::PREDEFINED {
            let keys: Vec<String> = kind
                .predefined_permissions()
                .unwrap()
                .into_iter()
                .map(String::from)
                .collect();
            validate(&keys).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }

    #[test]
    fn only_admin_manages_users_among_predefined_roles() {
        assert!(
            RoleKind::Admin
                .predefined_permissions()
                .unwrap()
                .contains(&MANAGE_USERS)
        );
        assert!(
            !RoleKind::Employee
                .predefined_permissions()
                .unwrap()
                .contains(&MANAGE_USERS)
        );
        assert!(!RoleKind::User.predefined_permissions().unwrap().contains(&MANAGE_USERS));
    }
}
