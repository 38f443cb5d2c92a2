//! Password hashing with Argon2id (OWASP parameters), run off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

/// Passwords shorter than this are refused.
pub const MIN_LENGTH: usize = 8;

/// A few of the most common passwords; enough to stop the obvious ones.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "11111111",
    "abc12345",
    "letmein1",
    "welcome1",
    "admin123",
    "passw0rd",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno1",
    "00000000",
    "87654321",
    "superman",
    "starwars",
    "whatever",
    "changeme",
    "monkey123",
    "dragon123",
];

/// Why a new password is refused, in words for the form.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("Use at least {MIN_LENGTH} characters."));
    }
    if password.len() > 1024 {
        return Err("That password is too long.".into());
    }
    if COMMON.contains(&password.to_lowercase().as_str()) {
        return Err("That password is too common; choose another.".into());
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // OWASP: Argon2id, m = 19 MiB, t = 2, p = 1.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid params"),
    )
}

/// A PHC-format hash. Never serialised: it only travels between this module and the database.
pub struct PasswordHashString(pub String);

pub async fn hash(password: String) -> PasswordHashString {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 hashing cannot fail with valid params");
        PasswordHashString(hash.to_string())
    })
    .await
    .expect("hashing task panicked")
}

/// Verifies against a stored hash; `None` (no password set) burns the same time so the
/// answer time does not reveal whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    // No password this long is ever set (check_strength): refuse it, spending the time of
    // one ordinary hash rather than hashing megabytes.
    let (password, stored) = if password.len() > 1024 {
        (String::new(), None)
    } else {
        (password, stored)
    };
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => match PasswordHash::new(&stored) {
            Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        },
        None => {
            let salt = SaltString::generate(&mut OsRng);
            let _ = hasher().hash_password(password.as_bytes(), &salt);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("Password123").is_err());
        assert!(check_strength("correct horse battery").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse battery".into()).await;
        assert!(h.0.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.0.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h.0)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
