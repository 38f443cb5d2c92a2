//! Subscription plans of client accounts. On Practice Edition the client has no user
//! management of its own: access reaches it only through the Partner module matrix.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Plan {
    PracticeEdition,
    Small,
    Medium,
    Large,
}

impl Plan {
    pub const ALL: [Plan; 4] = [Plan::PracticeEdition, Plan::Small, Plan::Medium, Plan::Large];

    /// The value stored in `clients.plan`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PracticeEdition => "practice_edition",
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PracticeEdition => "Practice Edition",
            Self::Small => "Small",
            Self::Medium => "Medium",
            Self::Large => "Large",
        }
    }

    /// Accepts the stored value or the label, ignoring case and spacing (CSV imports).
    pub fn parse(text: &str) -> Option<Self> {
        let norm: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().replace('_', "") == norm || p.label().replace(' ', "").to_lowercase() == norm)
    }

    /// Whether the client keeps its own "Manage users" menu.
    pub fn has_own_user_management(self) -> bool {
        self != Self::PracticeEdition
    }
}

/// The plan filter of a list: empty for all plans, else a known plan's stored value.
pub fn plan_filter(plan: &str) -> Result<&'static str, AppError> {
    if plan.is_empty() {
        return Ok("");
    }
    Plan::parse(plan)
        .map(Plan::as_str)
        .ok_or_else(|| AppError::invalid("plan", "Choose a plan."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stored_values_and_labels() {
        for plan in Plan::ALL {
            assert_eq!(Plan::parse(plan.as_str()), Some(plan));
            assert_eq!(Plan::parse(plan.label()), Some(plan));
        }
        assert_eq!(Plan::parse(" practice edition "), Some(Plan::PracticeEdition));
        assert_eq!(Plan::parse("Enterprise"), None);
    }

    #[test]
    fn the_plan_filter_takes_empty_or_a_known_plan() {
        assert_eq!(plan_filter(""), Ok(""));
        assert_eq!(plan_filter("Small"), Ok("small"));
        assert!(plan_filter("Enterprise").is_err());
    }

    #[test]
    fn only_practice_edition_lacks_its_own_user_management() {
        assert!(!Plan::PracticeEdition.has_own_user_management());
        assert!(Plan::Small.has_own_user_management());
    }
}
