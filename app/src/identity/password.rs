//! Password hashing with Argon2id (OWASP parameters), run off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::platform::error::AppError;

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

/// How many hashes may wait for a turn, per core, before the next is refused as busy (503,
/// nothing done) rather than queued: at tens of milliseconds a hash, the last in a full
/// queue waits about a second. A flood of sign-ins then costs real ones a quick "try again"
/// instead of a wait with no end.
pub const MOST_WAITING_PER_CORE: usize = 32;

/// Turns at hashing: [`hashes_at_once`] run, up to `most_waiting` wait, the rest are refused.
pub struct HashTurns {
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    most_waiting: usize,
    /// Hashes running now, and the most that ever ran at once (read by tests).
    running: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    most_running: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// A place in the queue for one hash, taken before anything is spent on it (a sign-in's
/// throttle attempts): when the queue is full the caller is refused before that, so there
/// is nothing to give back. Dropping it gives the place back.
pub struct HashPlace<'a> {
    turns: &'a HashTurns,
}

impl Drop for HashPlace<'_> {
    fn drop(&mut self) {
        self.turns.waiting.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl HashTurns {
    pub fn new(at_once: usize, most_waiting: usize) -> Self {
        Self {
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(at_once)),
            waiting: Default::default(),
            most_waiting,
            running: Default::default(),
            most_running: Default::default(),
        }
    }

    /// The process's turns: one hash per core, [`MOST_WAITING_PER_CORE`] waiting per core.
    fn process() -> &'static Self {
        static TURNS: std::sync::OnceLock<HashTurns> = std::sync::OnceLock::new();
        TURNS.get_or_init(|| Self::new(hashes_at_once(), MOST_WAITING_PER_CORE * hashes_at_once()))
    }

    /// The most hashes that have run at once.
    pub fn most_seen_at_once(&self) -> usize {
        self.most_running.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A place in the queue, or `Busy` when `most_waiting` places are taken already (by
    /// callers still on their way to the hash, or waiting for a turn): a burst is bounded
    /// even while turns are free.
    pub fn place(&self) -> Result<HashPlace<'_>, AppError> {
        use std::sync::atomic::Ordering::SeqCst;
        let waiting = self.waiting.fetch_add(1, SeqCst);
        let place = HashPlace { turns: self };
        if waiting >= self.most_waiting {
            tracing::warn!(waiting, "busy: too many password hashes waiting");
            return Err(AppError::Busy);
        }
        Ok(place)
    }
}

impl HashPlace<'_> {
    /// Runs `work` (one hash) on a blocking thread once a turn is free; the turn is held
    /// until the hash ends, even if the caller stops waiting. `Internal` if it panicked.
    async fn run<T: Send + 'static>(self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        use std::sync::atomic::Ordering::SeqCst;
        let turns = self.turns;
        let turn = turns
            .turns
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        drop(self);
        let (running, most_running) = (turns.running.clone(), turns.most_running.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, SeqCst) + 1;
            most_running.fetch_max(now, SeqCst);
            let done = work();
            running.fetch_sub(1, SeqCst);
            drop(turn);
            done
        })
        .await
        .map_err(|_| AppError::Internal)
    }

    pub async fn hash(self, password: String) -> Result<PasswordHashString, AppError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            let hash = hasher()
                .hash_password(password.as_bytes(), &salt)
                .expect("argon2 hashing cannot fail with valid params");
            PasswordHashString(hash.to_string())
        })
        .await
    }

    /// Verifies against a stored hash; `None` (no password set) burns the same time so
    /// the answer time does not reveal whether an account exists.
    pub async fn verify(self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        // No password this long is ever set (check_strength): refuse it, spending the time
        // of one ordinary hash rather than hashing megabytes.
        let (password, stored) = if password.len() > 1024 {
            (String::new(), None)
        } else {
            (password, stored)
        };
        self.run(move || match stored {
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
    }
}

/// A place in the process's queue for one hash (see [`HashPlace`]).
pub fn place() -> Result<HashPlace<'static>, AppError> {
    HashTurns::process().place()
}

/// Hashes a new password, once a place and a turn are free.
pub async fn hash(password: String) -> Result<PasswordHashString, AppError> {
    place()?.hash(password).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let turns = std::sync::Arc::new(HashTurns::new(2, 64));
        let checks: Vec<_> = (0..8)
            .map(|_| {
                let turns = turns.clone();
                tokio::spawn(async move { turns.place()?.verify("correct horse battery".into(), None).await })
            })
            .collect();
        for check in checks {
            assert_eq!(check.await.unwrap(), Ok(false));
        }
        let most = turns.most_seen_at_once();
        assert!((1..=2).contains(&most), "{most} at once, 2 allowed");
    }

    /// Past the waiting places a check is refused a place at once as busy, before anything
    /// runs; those that waited are all answered, and the places come back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_past_the_waiting_places_is_refused_as_busy() {
        let turns = std::sync::Arc::new(HashTurns::new(1, 3));
        // One runs (held until told), three wait.
        let (go, hold) = std::sync::mpsc::channel::<()>();
        let held = {
            let turns = turns.clone();
            tokio::spawn(async move { turns.place()?.run(move || hold.recv().is_ok()).await })
        };
        while turns.turns.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let turns = turns.clone();
                tokio::spawn(async move { turns.place()?.verify("correct horse battery".into(), None).await })
            })
            .collect();
        while turns.waiting.load(std::sync::atomic::Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(turns.place(), Err(AppError::Busy)));
        // Places are taken before the work that comes ahead of a hash (a sign-in's throttle):
        // a burst is refused past them even while a turn is free.
        let free = HashTurns::new(1, 2);
        let (_a, _b) = (free.place().unwrap(), free.place().unwrap());
        assert_eq!(free.turns.available_permits(), 1);
        assert!(matches!(free.place(), Err(AppError::Busy)));
        go.send(()).unwrap();
        assert_eq!(held.await.unwrap(), Ok(true));
        for w in waiting {
            assert_eq!(w.await.unwrap(), Ok(false));
        }
        assert_eq!(turns.waiting.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(
            turns
                .place()
                .unwrap()
                .hash("correct horse battery".into())
                .await
                .is_ok(),
            "places are back"
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
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.0.starts_with("$argon2id$"));
        let check = |password: &str, stored: Option<String>| place().unwrap().verify(password.into(), stored);
        assert_eq!(check("correct horse battery", Some(h.0.clone())).await, Ok(true));
        assert_eq!(check("wrong horse battery", Some(h.0)).await, Ok(false));
        assert_eq!(check("anything", None).await, Ok(false));
    }
}
