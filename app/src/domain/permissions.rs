//! The permission catalogue: what a role can grant, grouped in sections, with dependencies.
//!
//! The catalogue is code, not data: permissions are checked by code, so a permission only
//! exists when code checks it. Custom roles store the keys they grant; predefined roles'
//! sets are derived from it (`roles::RoleKind::predefined_permissions`) so a new permission reaches
//! Admin without a migration.

use serde::{Deserialize, Serialize};

/// A section of the catalogue, as the role editor shows it.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub name: &'static str,
    pub permissions: &'static [Permission],
}

/// Declares [`Permission`] and [`CATALOGUE`] from one table: each permission's variant, its
/// stored key, its label and the permissions it only works with.
macro_rules! catalogue {
    ($($section:literal => { $($variant:ident = $key:literal, $label:literal, [$($needs:ident),*];)* })*) => {
        /// One permission of the catalogue. Stored (custom roles) by its [`Permission::key`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission {
            $($($variant,)*)*
        }

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$($(Permission::$variant,)*)*];

            /// The key stored in `role_permissions.permission`.
            pub fn key(self) -> &'static str {
                match self {
                    $($(Permission::$variant => $key,)*)*
                }
            }

            /// How the role editor names it.
            pub fn label(self) -> &'static str {
                match self {
                    $($(Permission::$variant => $label,)*)*
                }
            }

            /// The permissions this one only works with.
            pub fn requires(self) -> &'static [Permission] {
                match self {
                    $($(Permission::$variant => &[$(Permission::$needs),*],)*)*
                }
            }
        }

        /// The catalogue by section, as the role editor shows it.
        pub const CATALOGUE: &[Section] = &[
            $(Section { name: $section, permissions: &[$(Permission::$variant),*] },)*
        ];
    };
}

catalogue! {
    "Sales" => {
        SalesInvoicesList = "sales.invoices.list", "List invoices", [];
        SalesInvoicesEdit = "sales.invoices.edit", "Create and edit invoices", [SalesInvoicesList];
        SalesQuotesList = "sales.quotes.list", "List quotes", [];
        SalesQuotesEdit = "sales.quotes.edit", "Create and edit quotes", [SalesQuotesList];
        SalesCreditNotesEdit = "sales.credit_notes.edit", "Issue credit notes", [SalesInvoicesList];
    }
    "Purchases" => {
        PurchasesBillsList = "purchases.bills.list", "List bills", [];
        PurchasesBillsEdit = "purchases.bills.edit", "Create and edit bills", [PurchasesBillsList];
        PurchasesPaymentsEdit = "purchases.payments.edit", "Record supplier payments", [PurchasesBillsList];
    }
    "Expenses" => {
        ExpensesList = "expenses.list", "List expenses", [];
        ExpensesDraftsList = "expenses.drafts.list", "List draft expenses", [ExpensesList];
        ExpensesEdit = "expenses.edit", "Create and edit expenses", [ExpensesList];
        ExpensesApprove = "expenses.approve", "Approve expenses", [ExpensesList, ExpensesDraftsList];
    }
    "Banking" => {
        BankingAccountsList = "banking.accounts.list", "View bank accounts", [];
        BankingReconcile = "banking.reconcile", "Reconcile transactions", [BankingAccountsList];
        BankingImport = "banking.import", "Import bank statements", [BankingAccountsList];
    }
    "Reports" => {
        ReportsView = "reports.view", "View reports", [];
        ReportsExport = "reports.export", "Export reports", [ReportsView];
    }
    "VAT" => {
        VatView = "vat.view", "View VAT returns", [];
        VatSubmit = "vat.submit", "Submit VAT returns", [VatView];
    }
    "Payroll" => {
        PayrollView = "payroll.view", "View payroll", [];
        PayrollRun = "payroll.run", "Run payroll", [PayrollView];
    }
    "Contacts" => {
        ContactsList = "contacts.list", "List contacts", [];
        ContactsEdit = "contacts.edit", "Create and edit contacts", [ContactsList];
    }
    "Settings" => {
        SettingsView = "settings.view", "View settings", [];
        SettingsEdit = "settings.edit", "Change settings", [SettingsView];
    }
    "Manage users" => {
        ManageUsers = "users.manage", "Manage users, roles and client access", [];
    }
}

impl Permission {
    /// The permission stored as `key`; `None` for a key this version does not know.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.key() == key)
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

/// Checks a requested set of keys: every key known, every dependency granted too.
/// Dependencies are refused rather than added silently, so what is saved is what the
/// admin saw; the form ticks dependencies for them as they go. Answers the set in key order.
pub fn validate(keys: &[String]) -> Result<Vec<Permission>, PermissionSetError> {
    let mut out = Vec::new();
    for key in keys {
        let perm = Permission::parse(key).ok_or_else(|| PermissionSetError::Unknown(key.clone()))?;
        if !out.contains(&perm) {
            out.push(perm);
        }
    }
    for perm in &out {
        if let Some(missing) = perm.requires().iter().find(|r| !out.contains(r)) {
            return Err(PermissionSetError::MissingDependency {
                permission: perm.label().to_owned(),
                requires: missing.label().to_owned(),
            });
        }
    }
    out.sort_unstable_by_key(|p| p.key());
    Ok(out)
}

/// Ticking a permission ticks what it needs; unticking one unticks what needs it.
pub fn toggle(set: &mut std::collections::BTreeSet<String>, key: &str, on: bool) {
    let Some(perm) = Permission::parse(key) else {
        return;
    };
    if on {
        if set.insert(key.to_owned()) {
            for r in perm.requires() {
                toggle(set, r.key(), true);
            }
        }
    } else if set.remove(key) {
        for p in Permission::ALL.iter().filter(|p| p.requires().contains(&perm)) {
            toggle(set, p.key(), false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_read_back() {
        let mut keys: Vec<_> = Permission::ALL.iter().map(|p| p.key()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.key()), Some(*p));
        }
        assert_eq!(Permission::ManageUsers.key(), "users.manage");
    }

    #[test]
    fn every_permission_is_in_one_section() {
        let listed: usize = CATALOGUE.iter().map(|s| s.permissions.len()).sum();
        assert_eq!(listed, Permission::ALL.len());
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
    fn ticking_brings_what_a_permission_needs_and_unticking_takes_what_needs_it() {
        let mut set = std::collections::BTreeSet::new();
        toggle(&mut set, "expenses.approve", true);
        assert_eq!(set.len(), 3, "{set:?}");
        toggle(&mut set, "expenses.list", false);
        assert!(set.is_empty(), "{set:?}");
    }
}
