//! Decryption of an encrypted submission with the form's private key (ODK's scheme, as ODK
//! Collect encrypts and ODK Central and Briefcase decrypt), no IO:
//!
//! - the submission's 256-bit AES key is `base64EncryptedKey`, encrypted with RSA-OAEP (SHA-256,
//!   MGF1 with SHA-256: Java's `RSA/NONE/OAEPWithSHA256AndMGF1Padding` with Bouncy Castle, which
//!   Collect requires);
//! - each file is AES-256 in CFB mode with 128-bit segments and PKCS#5 padding
//!   (`AES/CFB/PKCS5Padding`); its IV comes from a seed, the MD5 of the instance id's UTF-8 bytes
//!   followed by the AES key: before each file (the media in the manifest's order, then the
//!   instance last) byte `i % 16` of the seed is incremented (wrapping), `i` counting files
//!   from 0, and the seed is the IV;
//! - the signature is the MD5 of the lines `form id`, `version` (when there is one),
//!   `base64EncryptedKey`, `instance id`, then `name::md5` for each media file and for the
//!   instance (names without `.enc`, MD5 of the decrypted bytes in 32 hex digits), each line
//!   ending in `\n`, encrypted with RSA-OAEP as the key is.
//!
//! The private key is parsed here and dropped with its [`PrivateKey`]; nothing keeps it.

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use base64::Engine as _;
use md5::{Digest as _, Md5};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};

use super::manifest::Manifest;

/// Largest private key file accepted (a 4096-bit PEM key is about 3.3 KiB).
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// A private RSA key given at export time.
pub struct PrivateKey {
    key: RsaPrivateKey,
    /// The base64 DER SubjectPublicKeyInfo of its public key (as a form's `public_key`).
    public: String,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(…)")
    }
}

impl PrivateKey {
    /// Reads a PEM private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`); `Err` is a message key.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, &'static str> {
        let pem = pem.trim();
        if pem.len() > MAX_KEY_BYTES {
            return Err("surveys-encrypted-key-too-large");
        }
        if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            return Err("surveys-encrypted-key-protected");
        }
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| "surveys-encrypted-key-unreadable")?;
        let public = RsaPublicKey::from(&key)
            .to_public_key_der()
            .map_err(|_| "surveys-encrypted-key-unreadable")?;
        let public = base64::engine::general_purpose::STANDARD.encode(public.as_bytes());
        Ok(PrivateKey { key, public })
    }

    /// Whether this is the private key of `public_key` (a form's normalised `public_key`).
    pub fn opens(&self, public_key: &str) -> bool {
        self.public == public_key
    }

    fn unwrap(&self, base64: &str) -> Option<Vec<u8>> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64.trim())
            .ok()?;
        // Blinded: the time taken does not depend on the key's secret exponent.
        self.key
            .decrypt_blinded(
                &mut rsa::rand_core::OsRng,
                Oaep::new::<sha2::Sha256>(),
                &bytes,
            )
            .ok()
    }
}

/// Why a submission did not decrypt (a message key for `errors.csv`, with the file concerned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Its AES key does not open with this private key.
    Key,
    /// A file the manifest names has not arrived.
    Missing(String),
    /// A file's padding is wrong after decryption (changed or truncated ciphertext).
    Padding(String),
    /// The decrypted files are not those the device signed.
    Signature,
}

impl Failure {
    /// The message key and the file concerned.
    pub fn key_and_file(&self) -> (&'static str, &str) {
        match self {
            Failure::Key => ("surveys-encrypted-fail-key", ""),
            Failure::Missing(f) => ("surveys-encrypted-fail-missing", f),
            Failure::Padding(f) => ("surveys-encrypted-fail-padding", f),
            Failure::Signature => ("surveys-encrypted-fail-signature", ""),
        }
    }
}

/// A decrypted submission.
#[derive(Debug)]
pub struct Decrypted {
    /// The instance XML.
    pub xml: Vec<u8>,
    /// The media files: name without `.enc`, bytes.
    pub media: Vec<(String, Vec<u8>)>,
}

/// The IVs of a submission's files, in order (see the module's documentation).
fn ivs(instance_id: &str, aes_key: &[u8], n: usize) -> Vec<[u8; 16]> {
    let mut seed: [u8; 16] = Md5::new()
        .chain_update(instance_id.as_bytes())
        .chain_update(aes_key)
        .finalize()
        .into();
    (0..n)
        .map(|i| {
            seed[i % 16] = seed[i % 16].wrapping_add(1);
            seed
        })
        .collect()
}

/// AES-256-CFB decryption of one file, its PKCS#5 padding checked and removed.
fn decrypt_file(aes_key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Option<Vec<u8>> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return None;
    }
    let mut buf = ciphertext.to_vec();
    cfb_mode::Decryptor::<aes::Aes256>::new(aes_key.into(), iv.into()).decrypt(&mut buf);
    let pad = *buf.last()? as usize;
    if pad == 0 || pad > 16 || !buf[buf.len() - pad..].iter().all(|b| *b as usize == pad) {
        return None;
    }
    buf.truncate(buf.len() - pad);
    Some(buf)
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Decrypts a submission: `file(name)` gives the bytes of each `.enc` file that arrived.
pub fn decrypt<'a>(
    key: &PrivateKey,
    m: &Manifest,
    file: impl Fn(&str) -> Option<&'a [u8]>,
) -> Result<Decrypted, Failure> {
    let aes_key: [u8; 32] = key
        .unwrap(&m.encrypted_key)
        .and_then(|k| k.try_into().ok())
        .ok_or(Failure::Key)?;
    let names: Vec<&str> = m.files().collect();
    let ivs = ivs(&m.instance_id, &aes_key, names.len());
    let mut plain = Vec::with_capacity(names.len());
    for (name, iv) in names.iter().zip(&ivs) {
        let ct = file(name).ok_or_else(|| Failure::Missing(name.to_string()))?;
        let bytes =
            decrypt_file(&aes_key, iv, ct).ok_or_else(|| Failure::Padding(name.to_string()))?;
        plain.push((name.trim_end_matches(".enc").to_string(), bytes));
    }
    let mut lines = format!("{}\n", m.form_id);
    if let Some(v) = &m.version {
        lines.push_str(&format!("{v}\n"));
    }
    lines.push_str(&format!("{}\n{}\n", m.encrypted_key.trim(), m.instance_id));
    for (name, bytes) in &plain {
        lines.push_str(&format!("{name}::{}\n", md5_hex(bytes)));
    }
    let signed = key.unwrap(&m.signature).ok_or(Failure::Signature)?;
    if signed[..] != Md5::digest(lines.as_bytes())[..] {
        return Err(Failure::Signature);
    }
    let (_, xml) = plain.pop().ok_or(Failure::Signature)?;
    Ok(Decrypted { xml, media: plain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iv_seed_steps_one_byte_per_file() {
        let key = [7u8; 32];
        let ivs = ivs("uuid:x", &key, 18);
        let seed: [u8; 16] = Md5::new()
            .chain_update(b"uuid:x")
            .chain_update(key)
            .finalize()
            .into();
        assert_eq!(ivs[0][0], seed[0].wrapping_add(1));
        assert_eq!(ivs[0][1..], seed[1..]);
        assert_eq!(ivs[1][1], seed[1].wrapping_add(1));
        // After 16 files every byte went up once; the 17th raises byte 0 a second time.
        assert_eq!(ivs[16][0], seed[0].wrapping_add(2));
        assert_eq!(ivs[17][1], seed[1].wrapping_add(2));
    }

    #[test]
    fn padding_is_checked() {
        let key = [1u8; 32];
        let iv = [2u8; 16];
        // Encrypt "abc" + 13 bytes of padding, by hand: CFB-128 on one block is XOR with E(IV).
        use aes::cipher::{BlockEncrypt, KeyInit};
        let mut block = aes::Block::from(iv);
        aes::Aes256::new(&key.into()).encrypt_block(&mut block);
        let mut plain = b"abc".to_vec();
        plain.extend([13u8; 13]);
        let ct: Vec<u8> = plain.iter().zip(block.iter()).map(|(p, k)| p ^ k).collect();
        assert_eq!(decrypt_file(&key, &iv, &ct).as_deref(), Some(&b"abc"[..]));
        let mut bad = ct.clone();
        bad[15] ^= 0x40;
        assert_eq!(decrypt_file(&key, &iv, &bad), None);
        assert_eq!(decrypt_file(&key, &iv, &ct[..15]), None);
    }
}
