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

/// How many hashes may run at once: one per core. A hash takes a core and 19 MiB for its
/// whole run, so more at once finish no sooner; a burst of sign-ins (from many addresses,
/// past the per-address throttle) then queues here instead of taking a thread and 19 MiB
/// each.
pub fn hashes_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Hashes running now, and the most that ever ran at once (read by tests).
static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static MOST_RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The most hashes that have run at once in this process.
pub fn most_hashes_seen_at_once() -> usize {
    MOST_RUNNING.load(std::sync::atomic::Ordering::SeqCst)
}

/// Runs `work` (one hash) on a blocking thread once a turn is free; the turn is held until
/// the hash ends, even if the caller stops waiting.
/// `None` if the hash panicked.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    use std::sync::atomic::Ordering::SeqCst;
    static TURNS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(hashes_at_once())));
    let turn = turns
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        let now = RUNNING.fetch_add(1, SeqCst) + 1;
        MOST_RUNNING.fetch_max(now, SeqCst);
        let done = work();
        RUNNING.fetch_sub(1, SeqCst);
        drop(turn);
        done
    })
    .await
    .ok()
}

pub async fn hash(password: String) -> PasswordHashString {
    in_turn(move || {
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
    in_turn(move || match stored {
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let many = 4 * hashes_at_once().max(2);
        let checks: Vec<_> = (0..many)
            .map(|_| tokio::spawn(verify("correct horse battery".into(), None)))
            .collect();
        for check in checks {
            assert!(!check.await.unwrap());
        }
        let most = most_hashes_seen_at_once();
        assert!(
            (1..=hashes_at_once()).contains(&most),
            "{most} at once, {} allowed",
            hashes_at_once()
        );
    }

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
