//! Secrets the server must read back (two-step sign-in keys) are stored sealed with
//! `SECRET_KEY` (XChaCha20-Poly1305: a random nonce per seal, authenticated). Each sealed
//! value is bound to what it belongs to (associated data, e.g. the user id), so a value
//! copied into another row does not open there. A leaked database alone reveals nothing.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The 256-bit key from configuration (`SECRET_KEY`, 64 hex digits). Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    /// Reads 64 hex digits (e.g. from `openssl rand -hex 32`).
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim()).map_err(|_| "must be 64 hex digits (openssl rand -hex 32)".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 64 hex digits: 32 random bytes (openssl rand -hex 32)".to_owned())?;
        Ok(Self(key))
    }

    /// Seals `plain` for `context`: hex of nonce then ciphertext.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .expect("sealing in memory cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    /// A one-way digest of `data` keyed with this key (hex): a leaked database alone cannot
    /// be searched for short secrets such as recovery codes.
    pub fn keyed_hash(&self, context: &[u8], data: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.0);
        h.update((context.len() as u64).to_be_bytes());
        h.update(context);
        h.update(data);
        hex::encode(h.finalize())
    }

    /// Opens what [`SecretKey::seal`] sealed for the same `context`; `None` if it was
    /// sealed with another key, for another context, or altered.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < 24 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::parse_hex(&hex::encode([byte; 32])).unwrap()
    }

    #[test]
    fn opens_only_with_the_same_key_and_context() {
        let sealed = key(1).seal(b"JBSWY3DPEHPK3PXP", b"user:7");
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            key(1).open(&sealed, b"user:7").as_deref(),
            Some(&b"JBSWY3DPEHPK3PXP"[..])
        );
        assert_eq!(key(1).open(&sealed, b"user:8"), None, "bound to its row");
        assert_eq!(key(2).open(&sealed, b"user:7"), None, "another key");
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(key(1).open(&String::from_utf8(altered).unwrap(), b"user:7"), None);
        assert_eq!(key(1).open("zz", b"user:7"), None);
    }

    #[test]
    fn keyed_hashes_differ_by_key_and_context() {
        let a = key(1).keyed_hash(b"user:1", b"abcde-fghij");
        assert_eq!(a, key(1).keyed_hash(b"user:1", b"abcde-fghij"));
        assert_ne!(a, key(2).keyed_hash(b"user:1", b"abcde-fghij"));
        assert_ne!(a, key(1).keyed_hash(b"user:2", b"abcde-fghij"));
    }

    #[test]
    fn a_key_is_exactly_64_hex_digits_and_never_printed() {
        assert!(SecretKey::parse_hex("abc").is_err());
        assert!(SecretKey::parse_hex(&"0".repeat(66)).is_err());
        assert!(SecretKey::parse_hex(&"g".repeat(64)).is_err());
        assert_eq!(format!("{:?}", key(3)), "SecretKey(***)");
    }
}
