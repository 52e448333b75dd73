//! Near-duplicate detection: 64-bit SimHash over shingles of three folded syllables (so that
//! the same text with or without diacritics, or with another tone convention, gets the same
//! fingerprint), and an index that finds earlier items within a Hamming distance.

use crate::features::hash64;
use std::collections::HashMap;

/// SimHash fingerprint of a text over folded syllable 3-shingles (single syllables for texts
/// shorter than three syllables). An empty text has fingerprint 0.
///
/// ```
/// use duluan_vitext::dedup::{simhash, hamming};
/// let a = simhash("Người dân phường An Khánh phản ánh đường ngập sâu sau cơn mưa lớn chiều qua");
/// let b = simhash("nguoi dan phuong An Khanh phan anh duong ngap sau sau con mua lon chieu nay");
/// assert!(hamming(a, b) <= 12);
/// ```
pub fn simhash(text: &str) -> u64 {
    let words: Vec<String> = crate::features::phrase_syllables(text, true)
        .into_iter()
        .flatten()
        .collect();
    if words.is_empty() {
        return 0;
    }
    let mut acc = [0i32; 64];
    let mut add = |h: u64| {
        for (bit, a) in acc.iter_mut().enumerate() {
            if h >> bit & 1 == 1 { *a += 1 } else { *a -= 1 }
        }
    };
    if words.len() < 3 {
        for w in &words {
            add(hash64(w.as_bytes()));
        }
    } else {
        for win in words.windows(3) {
            add(hash64(
                format!("{} {} {}", win[0], win[1], win[2]).as_bytes(),
            ));
        }
    }
    acc.iter()
        .enumerate()
        .fold(0u64, |f, (bit, &a)| if a > 0 { f | 1 << bit } else { f })
}

/// Fingerprints further apart than this many bits are not compared further: the texts of a
/// reshare stay within it (see `tests/dedup_quality.rs`), and about one pair of unrelated texts
/// in forty does not.
pub const PREFILTER_DISTANCE: u32 = 24;

/// The [`resemblance`] from which two texts are taken for the same post, measured on the
/// constructed set of `tests/dedup_quality.rs` (edited reshares against distinct posts of the
/// same topics); a deployment may change it.
pub const DEFAULT_RESEMBLANCE: f64 = 0.35;

/// Whether two texts are the same post: fingerprints within [`PREFILTER_DISTANCE`] and
/// [`resemblance`] of their [`shingles`] at least `threshold`.
pub fn same_post(a: (u64, &[u64]), b: (u64, &[u64]), threshold: f64) -> bool {
    hamming(a.0, b.0) <= PREFILTER_DISTANCE && resemblance(a.1, b.1) >= threshold
}

/// How much two texts have in common, 0 to 1: the Jaccard resemblance of their sets of folded
/// syllable pairs (see [`shingles`]). A reshare with a word dropped or changed stays near 0.8; two
/// posts on the same topic in other words stay well under 0.3.
pub fn resemblance(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

/// The sorted, distinct hashes of a text's folded syllable pairs (single syllables for a text of
/// one syllable): what [`resemblance`] compares.
pub fn shingles(text: &str) -> Vec<u64> {
    let words: Vec<String> = crate::features::phrase_syllables(text, true)
        .into_iter()
        .flatten()
        .collect();
    let mut out: Vec<u64> = if words.len() < 2 {
        words.iter().map(|w| hash64(w.as_bytes())).collect()
    } else {
        words
            .windows(2)
            .map(|w| hash64(format!("{} {}", w[0], w[1]).as_bytes()))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Number of differing bits.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// An index of fingerprints for "have we seen this (almost) before?" over a stream of items.
///
/// Fingerprints are split into `max_distance + 1` bands: two fingerprints within the distance
/// share at least one band exactly (pigeonhole), so only items sharing a band are compared.
#[derive(Clone, Debug)]
pub struct NearDupIndex {
    max_distance: u32,
    bands: Vec<HashMap<u64, Vec<usize>>>,
    prints: Vec<u64>,
}

impl NearDupIndex {
    /// A new index that treats fingerprints within `max_distance` bits (at most 15) as near duplicates.
    pub fn new(max_distance: u32) -> NearDupIndex {
        let max_distance = max_distance.min(15);
        NearDupIndex {
            max_distance,
            bands: vec![HashMap::new(); max_distance as usize + 1],
            prints: Vec::new(),
        }
    }

    fn band(&self, f: u64, b: usize) -> u64 {
        let n = self.bands.len() as u32;
        let width = 64 / n;
        let start = b as u32 * width;
        let w = if b as u32 == n - 1 { 64 - start } else { width };
        let mask = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
        (f >> start) & mask
    }

    /// Adds an item's text; returns its number (0, 1, 2 …) and the number of the closest earlier
    /// near duplicate, if any.
    pub fn insert(&mut self, text: &str) -> (usize, Option<usize>) {
        let f = simhash(text);
        let found = self.find(f);
        let id = self.prints.len();
        self.prints.push(f);
        for b in 0..self.bands.len() {
            let key = self.band(f, b);
            self.bands[b].entry(key).or_default().push(id);
        }
        (id, found)
    }

    /// The closest earlier item within the distance of fingerprint `f`.
    pub fn find(&self, f: u64) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for b in 0..self.bands.len() {
            if let Some(ids) = self.bands[b].get(&self.band(f, b)) {
                for &id in ids {
                    let d = hamming(f, self.prints[id]);
                    if d <= self.max_distance && best.is_none_or(|(bd, bid)| (d, id) < (bd, bid)) {
                        best = Some((d, id));
                    }
                }
            }
        }
        best.map(|(_, id)| id)
    }

    /// Number of items inserted.
    pub fn len(&self) -> usize {
        self.prints.len()
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.prints.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_are_found_and_others_are_not() {
        let mut idx = NearDupIndex::new(6);
        assert_eq!(idx.insert("Người dân phường Cái Khế phản ánh rác thải ùn ứ nhiều ngày ở đầu hẻm 12, bốc mùi hôi thối"), (0, None));
        assert_eq!(idx.insert("Giá xăng tăng liên tục khiến tiểu thương chợ Xuân Khánh lo lắng về chi phí vận chuyển hàng hóa"), (1, None));
        let (_, dup) = idx.insert("nguoi dan phuong Cai Khe phan anh rac thai un u nhieu ngay o dau hem 12, boc mui hoi thoi!");
        assert_eq!(dup, Some(0));
        assert_eq!(
            idx.insert(
                "Học sinh được miễn học phí từ năm học mới, phụ huynh phấn khởi đón nhận chủ trương"
            )
            .1,
            None
        );
        assert_eq!(simhash(""), 0);
        assert_eq!(hamming(0, u64::MAX), 64);
    }
}
