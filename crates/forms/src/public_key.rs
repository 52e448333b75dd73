//! The public key of an encrypted form (XLSForm `settings` column `public_key`, ODK's
//! `base64RsaPublicKey`): the base64 of a DER `SubjectPublicKeyInfo` holding an RSA key, as
//! `openssl rsa -pubout` writes between its header lines. Checked here by reading the DER
//! structure (no cryptography is needed to know what the key is and how long its modulus is):
//! devices encrypt every submission with it, so a key they cannot use must be refused at import,
//! not discovered in the field.

use base64::Engine as _;

/// The shortest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// The DER of the object identifier `rsaEncryption` (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

/// Why a public key was refused: in English and in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// English.
    pub en: String,
    /// Vietnamese (NFC).
    pub vi: String,
}

fn err(en: &str, vi: &str) -> KeyError {
    KeyError {
        en: en.to_string(),
        vi: vi.to_string(),
    }
}

/// One DER element: `(tag, content, rest)`. Definite lengths only, at most 4 length bytes.
fn tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = buf.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The key with white space removed, checked: `Ok(normalised key, modulus bits)`.
pub fn check_public_key(raw: &str) -> Result<(String, usize), KeyError> {
    let key: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if key.starts_with("-----") {
        return Err(err(
            "write only the base64 text between the `-----BEGIN PUBLIC KEY-----` and `-----END PUBLIC KEY-----` lines",
            "chỉ ghi phần base64 nằm giữa hai dòng `-----BEGIN PUBLIC KEY-----` và `-----END PUBLIC KEY-----`",
        ));
    }
    if key.len() > 8192 {
        return Err(err("the key is too long", "khóa quá dài"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(&key)
        .map_err(|_| {
            err(
                "the key is not base64 text",
                "khóa không phải văn bản base64",
            )
        })?;
    let not_spki = || {
        err(
            "the key is not an RSA public key (SubjectPublicKeyInfo, as `openssl rsa -pubout` writes)",
            "khóa không phải khóa công khai RSA (SubjectPublicKeyInfo, như `openssl rsa -pubout` xuất ra)",
        )
    };
    let bits = rsa_modulus_bits(&der).ok_or_else(not_spki)?;
    if bits < MIN_RSA_BITS {
        return Err(KeyError {
            en: format!("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed"),
            vi: format!("khóa RSA chỉ có {bits} bit; cần ít nhất {MIN_RSA_BITS} bit"),
        });
    }
    Ok((key, bits))
}

/// The modulus length in bits of a DER `SubjectPublicKeyInfo` of an RSA key, if it is one.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    let (0x30, spki, rest) = tlv(der)? else {
        return None;
    };
    if !rest.is_empty() {
        return None;
    }
    let (0x30, algorithm, rest) = tlv(spki)? else {
        return None;
    };
    let (0x06, oid, params) = tlv(algorithm)? else {
        return None;
    };
    if oid != RSA_ENCRYPTION || !(params.is_empty() || params == [0x05, 0x00]) {
        return None;
    }
    let (0x03, bits, rest) = tlv(rest)? else {
        return None;
    };
    if !rest.is_empty() {
        return None;
    }
    let (&0, key) = bits.split_first()? else {
        return None;
    };
    let (0x30, rsa, rest) = tlv(key)? else {
        return None;
    };
    if !rest.is_empty() {
        return None;
    }
    let (0x02, modulus, rest) = tlv(rsa)? else {
        return None;
    };
    let (0x02, exponent, rest) = tlv(rest)? else {
        return None;
    };
    if !rest.is_empty() {
        return None;
    }
    // INTEGERs are signed (a leading 0x00 keeps a set top bit positive): both must be
    // positive, and the exponent odd.
    let unsigned = |n: &[u8]| -> Option<Vec<u8>> {
        if n.first().is_none_or(|b| b & 0x80 != 0) {
            return None;
        }
        let v: Vec<u8> = n.iter().skip_while(|b| **b == 0).copied().collect();
        (!v.is_empty()).then_some(v)
    };
    let n = unsigned(modulus)?;
    let e = unsigned(exponent)?;
    if e.last().is_some_and(|b| b & 1 == 0) {
        return None;
    }
    Some(n.len() * 8 - n[0].leading_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2048-bit key made for these tests with `openssl genrsa 2048 | openssl rsa -pubout`.
    const KEY_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAi7AHqlylloWAmXgCZr9yLyCFmzvNxS1Wq9VF9vFQciY2QPbmjZ5/oYXQiiJbOte0+kNRy+TYCN9JBE/VGWdyLZdmo4i1T3qtGg+ok1+6bhxPbND1C7UR19FjyAckYam77sppDw7GgJw23nJq2GV7NHztBVbY0xHlBCEKaAWdWtzbQrCxfMDk5ONYNY824okJuS1kKeZHKZ2i9r0fRYiNAaskcysm0V9cyBwThoTJP/TMjJiIRuEh6BPa/uvqiIjPxq8ry0UiRjo3cT4HNRf2iuM2Db025GNqiJr8MIwLm+psb2aBsn5p66P2wY0dnGKOgi/6vpv0Bdllo84nfz27BwIDAQAB";
    /// A 1024-bit key, too short.
    const KEY_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCyqMCYLVOaS+dUmtZoT1Bl9la3WHJwvFRL2lwhguuBJA++j432Lp4GjPqYrHyB5yjKkhlmvUNo5Cwchc3zpRxa1l1LuHgvAo3TqEbNqbWXNwh9zS/g3eZ7Bq4+9/o/8LH9465hJhrZpGzim23K0PqgQlB3ZlS6be3pgpeZWxkRiQIDAQAB";

    #[test]
    fn keys_are_read_and_checked() {
        assert_eq!(check_public_key(KEY_2048).unwrap().1, 2048);
        // White space (a key pasted over several lines) is removed.
        let wrapped = format!("{}\n  {}", &KEY_2048[..64], &KEY_2048[64..]);
        assert_eq!(check_public_key(&wrapped).unwrap(), (KEY_2048.into(), 2048));
        assert!(
            check_public_key(KEY_1024)
                .unwrap_err()
                .en
                .contains("1024 bits")
        );
        assert!(
            check_public_key("not base64!")
                .unwrap_err()
                .en
                .contains("base64")
        );
        assert!(
            check_public_key("AAAA")
                .unwrap_err()
                .en
                .contains("RSA public key")
        );
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{KEY_2048}\n-----END PUBLIC KEY-----");
        assert!(check_public_key(&pem).unwrap_err().en.contains("BEGIN"));
        // A truncated key, and one with a byte changed in the algorithm, are not keys.
        assert!(check_public_key(&KEY_2048[..300]).is_err());
        let other = KEY_2048.replacen("9w0BAQEFAA", "9w0BAQsFAA", 1);
        assert!(
            check_public_key(&other)
                .unwrap_err()
                .en
                .contains("RSA public key")
        );
    }
}
