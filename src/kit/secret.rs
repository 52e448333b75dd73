//! Secrets handed out in links (a respondent's one-time link, an invitee's reply link): random,
//! unambiguous to read aloud, and stored only as their SHA-256.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A new secret: 22 characters from an alphabet without look-alikes (about 129 bits).
pub fn new_secret() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..22)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// SHA-256 of a secret, hex: only this is stored for tokens and resume cookies.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_differ_and_hash_to_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
        assert_eq!(hash_secret("abc").len(), 64);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
