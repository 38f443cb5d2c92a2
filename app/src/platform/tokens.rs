//! Random tokens and their stored form: sessions, invitation and sign-up links, kept forms.
//!
//! A token is 256 random bits, hex encoded; the database keeps only its SHA-256, so a
//! leaked database does not leak live sessions or links.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random token, hex encoded (256 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database stores of a token: its SHA-256, hex encoded.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_new_each_time_and_stored_only_as_hashes() {
        let (a, b) = (super::new_token(), super::new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(super::hash_token(&a), super::hash_token(&a));
        assert_ne!(super::hash_token(&a), a);
    }
}
