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
