//! Shared text features: stable 64-bit hashes (FNV-1a + a final mixer) and hashed syllable
//! uni- and bi-gram features of a text, folded or not.

use crate::tokens;

/// FNV-1a 64-bit hash of bytes, then a SplitMix64 finaliser (stable across platforms and runs).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// A fast, deterministic hasher for hash maps keyed by short strings (FNV-1a; not resistant to
/// adversarial keys, which is fine for term tables built from trusted text).
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` of [`Fnv`].
pub type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// SplitMix64 finaliser.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Lower-case (and, if `folded`, diacritic-free) syllables of each phrase of a text.
pub fn phrase_syllables(text: &str, folded: bool) -> Vec<Vec<String>> {
    let mut phrases = tokens::phrases(text);
    if folded {
        for p in &mut phrases {
            for w in p.iter_mut() {
                *w = crate::chars::fold(w);
            }
        }
    }
    phrases
}

/// Uni- and bi-gram features of a text as `(hash, surface)`: unigrams are syllables, bigrams
/// are two adjacent syllables of one phrase joined by a space.
pub fn ngrams(text: &str, folded: bool) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for p in phrase_syllables(text, folded) {
        for (i, w) in p.iter().enumerate() {
            out.push((hash64(w.as_bytes()), w.clone()));
            if i + 1 < p.len() {
                let bi = format!("{w} {}", p[i + 1]);
                out.push((hash64(bi.as_bytes()), bi));
            }
        }
    }
    out
}

/// Words that negate what follows them (`không hài lòng`, `chưa được giải quyết`). Only
/// `khong` is recognised without diacritics: `chua`, `chang`, `cha`, `dung` are also other
/// words (`chùa`, `chàng`, `cha`, `đúng`).
const NEGATORS: [&str; 6] = ["không", "chưa", "chẳng", "chả", "đừng", "khong"];
/// Syllables after a negator that it governs (within its phrase).
const NEGATION_SCOPE: usize = 3;

/// Negation features: each syllable within three syllables after a negator, folded
/// and marked as negated (`không được giải quyết` → `¬duoc`, `¬giai`, `¬quyet`), as
/// `(hash, surface)`. A direction model then tells `hài lòng` from `không hài lòng` beyond
/// the adjacent bigram.
pub fn negated(text: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for p in tokens::phrases(text) {
        let mut left = 0;
        for w in &p {
            if NEGATORS.contains(&w.as_str()) {
                left = NEGATION_SCOPE;
                continue;
            }
            if left > 0 {
                left -= 1;
                let f = format!("¬{}", crate::chars::fold(w));
                out.push((hash64(f.as_bytes()), f));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hashes_and_ngrams() {
        assert_eq!(hash64(b"abc"), hash64(b"abc"));
        assert_ne!(hash64(b"abc"), hash64(b"abd"));
        let g: Vec<String> = ngrams("Giá điện, tăng", true)
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(g, ["gia", "gia dien", "dien", "tang"]);
    }

    #[test]
    fn negation_scope() {
        let g = |t: &str| -> Vec<String> { negated(t).into_iter().map(|x| x.1).collect() };
        assert_eq!(g("Người dân không hài lòng"), ["¬hai", "¬long"]);
        assert_eq!(
            g("chưa được giải quyết triệt để"),
            ["¬duoc", "¬giai", "¬quyet"]
        );
        assert_eq!(g("khong hai long, rat buc"), ["¬hai", "¬long"]);
        assert_eq!(g("chua chùa hài lòng"), Vec::<String>::new());
        assert!(g("rất hài lòng").is_empty());
    }
}
