//! Newtypes that parse user input at the boundary, so invalid values never reach SQL.

use serde::{Deserialize, Serialize};

/// A lower-cased, trimmed email address of plausible shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, String> {
        let email = text.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        if email.len() > 254 {
            return Err("That email address is too long.".into());
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            }
            None => false,
        };
        if valid {
            Ok(Self(email))
        } else {
            Err("Enter an email address like name@example.com.".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: a person's, a practice's, a client's or a role's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    /// Trims, collapses inner runs of whitespace and checks the length.
    pub fn parse(text: &str, what: &str, max: usize) -> Result<Self, String> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(format!("Enter a {what}."));
        }
        if name.chars().count() > max {
            return Err(format!("The {what} can be at most {max} characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(format!("The {what} contains characters that are not allowed."));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ann",
            "@x.com",
            "ann@",
            "ann@@x.com",
            "a nn@x.com",
            "ann@.com",
            "<a@x.com>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn names_are_normalised_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Acme   Ltd ", "client name", 200)
                .unwrap()
                .as_str(),
            "Acme Ltd"
        );
        assert_eq!(
            DisplayName::parse("   ", "client name", 200).unwrap_err(),
            "Enter a client name."
        );
        assert!(DisplayName::parse(&"x".repeat(61), "role name", 60).is_err());
    }
}
