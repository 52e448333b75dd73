//! The syllable n-gram language model behind [`super::Model`]: counting, interpolated modified
//! Kneser-Ney smoothing (Chen & Goodman), storage in backoff form (each n-gram's probability
//! and each context's backoff weight, quantised to 16 bits), open-addressing hash tables for
//! lookup, and a compact serialisation (sorted keys, delta-coded).
//!
//! Word ids are below 2^16 and an n-gram of order `n ≤ 4` is packed into one `u64` (16 bits
//! per word, each id stored plus one so that no key is zero), one table per order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Highest order supported by the packing.
pub const MAX_ORDER: usize = 4;
/// Largest vocabulary (ids `0..MAX_VOCAB`).
pub const MAX_VOCAB: usize = 65_535;
/// Log-probabilities and backoff weights (natural logarithms) are clamped to `[-RANGE, 0]`.
const RANGE: f32 = 30.0;

/// A multiplicative hasher for packed keys (the std SipHash is several times slower here).
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = mix(k);
    }
}

pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

fn mix(k: u64) -> u64 {
    let k = (k ^ (k >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (k ^ (k >> 32)).wrapping_mul(0x94D0_49BB_1331_11EB)
}

/// Packs word ids (oldest first) into a key.
pub fn key(ids: &[u32]) -> u64 {
    ids.iter().fold(0u64, |k, &id| (k << 16) | (id as u64 + 1))
}

/// The key of the last `n - 1` words of an `n`-gram key (drops the oldest word).
fn suffix(k: u64, n: usize) -> u64 {
    if n <= 1 {
        0
    } else {
        k & ((1u64 << (16 * (n - 1))) - 1)
    }
}

/// The key of the first `n - 1` words (drops the newest word).
fn prefix(k: u64) -> u64 {
    k >> 16
}

/// First (oldest) word id of an `n`-gram key.
fn first(k: u64, n: usize) -> u32 {
    (((k >> (16 * (n - 1))) & 0xffff) as u32).wrapping_sub(1)
}

pub fn quantise(x: f64) -> u16 {
    ((-x).clamp(0.0, RANGE as f64) / RANGE as f64 * 65535.0).round() as u16
}

pub fn dequantise(q: u16) -> f32 {
    -(q as f32) * RANGE / 65535.0
}

/// One order's n-grams: open addressing over packed keys, value = `(log p << 16) | backoff`
/// both quantised.
#[derive(Clone, Default, PartialEq)]
pub struct Table {
    keys: Vec<u64>,
    vals: Vec<u32>,
    len: usize,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} entries)", self.len)
    }
}

impl Table {
    pub fn build(entries: &[(u64, u16, u16)]) -> Table {
        let size = (entries.len() * 2).next_power_of_two().max(4);
        let mut t = Table {
            keys: vec![0; size],
            vals: vec![0; size],
            len: entries.len(),
        };
        let mask = size - 1;
        for &(k, p, b) in entries {
            let mut i = mix(k) as usize & mask;
            while t.keys[i] != 0 && t.keys[i] != k {
                i = (i + 1) & mask;
            }
            t.keys[i] = k;
            t.vals[i] = ((p as u32) << 16) | b as u32;
        }
        t
    }

    #[inline]
    pub fn get(&self, k: u64) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut i = mix(k) as usize & mask;
        loop {
            let x = self.keys[i];
            if x == k {
                return Some(self.vals[i]);
            }
            if x == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries sorted by key.
    pub fn sorted(&self) -> Vec<(u64, u16, u16)> {
        let mut v: Vec<(u64, u16, u16)> = self
            .keys
            .iter()
            .zip(&self.vals)
            .filter(|(k, _)| **k != 0)
            .map(|(&k, &v)| (k, (v >> 16) as u16, v as u16))
            .collect();
        v.sort_unstable_by_key(|e| e.0);
        v
    }
}

/// Log-probability of `w` after `ctx` (oldest first, at most `order - 1` words), backing off.
pub fn log_prob(tables: &[Table], ctx: &[u32], w: u32, floor: f32) -> f32 {
    let order = tables.len();
    let ctx = &ctx[ctx.len().saturating_sub(order.saturating_sub(1))..];
    let mut acc = 0.0;
    for k in (0..=ctx.len()).rev() {
        let h = &ctx[ctx.len() - k..];
        let mut full = key(h);
        full = (full << 16) | (w as u64 + 1);
        if let Some(v) = tables[k].get(full) {
            return acc + dequantise((v >> 16) as u16);
        }
        if k > 0
            && let Some(v) = tables[k - 1].get(key(h))
        {
            acc += dequantise(v as u16);
        }
    }
    acc + floor
}

/// Discounts `D1, D2, D3+` from the counts of counts (Chen & Goodman), with safe fallbacks.
fn discounts(counts: &KeyMap<u32>) -> [f64; 3] {
    let mut c = [0f64; 5];
    for &v in counts.values() {
        if (1..=4).contains(&v) {
            c[v as usize] += 1.0;
        }
    }
    let fallback = [0.5, 1.0, 1.5];
    if c[1] == 0.0 || c[2] == 0.0 || c[3] == 0.0 || c[4] == 0.0 {
        return fallback;
    }
    let y = c[1] / (c[1] + 2.0 * c[2]);
    let d = [
        1.0 - 2.0 * y * c[2] / c[1],
        2.0 - 3.0 * y * c[3] / c[2],
        3.0 - 4.0 * y * c[4] / c[3],
    ];
    let mut out = fallback;
    for i in 0..3 {
        if d[i].is_finite() && d[i] > 0.0 && d[i] < (i + 1) as f64 {
            out[i] = d[i];
        }
    }
    out
}

fn discount(d: &[f64; 3], c: u32) -> f64 {
    match c {
        0 => 0.0,
        1 => d[0],
        2 => d[1],
        _ => d[2],
    }
}

/// Raw counts of every order up to `order`, keyed by packed ids.
pub struct Counts {
    pub order: usize,
    pub raw: Vec<KeyMap<u32>>,
}

impl Counts {
    pub fn new(order: usize) -> Counts {
        Counts {
            order,
            raw: (0..order).map(|_| KeyMap::default()).collect(),
        }
    }

    /// Counts one sentence of ids that starts with `<s>` and ends with `</s>`, `times` times.
    pub fn add(&mut self, ids: &[u32], times: u32) {
        for i in 1..ids.len() {
            let mut k = 0u64;
            for n in 1..=self.order.min(i + 1) {
                k |= (ids[i + 1 - n] as u64 + 1) << (16 * (n - 1));
                *self.raw[n - 1].entry(k).or_default() += times;
            }
        }
    }

    /// Interpolated modified Kneser-Ney, in backoff form. `bos` is the id of `<s>`;
    /// `vocab` the number of words that can be predicted. Entries of order ≥ 2 whose raw count
    /// is below `min_count[n - 1]` are dropped (those still needed as contexts are kept).
    /// Returns the tables and the log-probability of a word never seen.
    pub fn estimate(&self, bos: u32, vocab: usize, min_count: &[u32]) -> (Vec<Table>, f32) {
        let order = self.order;
        // Adjusted counts: continuation counts below the highest order, raw counts for the
        // highest order and for n-grams that start with <s>.
        let mut adj: Vec<KeyMap<u32>> = Vec::with_capacity(order);
        for n in 1..=order {
            if n == order {
                adj.push(self.raw[n - 1].clone());
                continue;
            }
            let mut a: KeyMap<u32> = KeyMap::default();
            for &k in self.raw[n].keys() {
                *a.entry(suffix(k, n + 1)).or_default() += 1;
            }
            for (&k, &c) in &self.raw[n - 1] {
                if first(k, n) == bos {
                    a.insert(k, c);
                }
            }
            adj.push(a);
        }
        // Probabilities (natural log), order by order.
        let mut probs: Vec<KeyMap<f64>> = Vec::with_capacity(order);
        let mut gammas: Vec<KeyMap<f64>> = Vec::with_capacity(order);
        let uniform = 1.0 / vocab.max(1) as f64;
        let mut floor = uniform.ln();
        for n in 1..=order {
            let d = discounts(&adj[n - 1]);
            // Per context: total, and how many words follow it once, twice, more.
            let mut stats: KeyMap<(f64, [f64; 3])> = KeyMap::default();
            for (&k, &c) in &adj[n - 1] {
                let s = stats.entry(prefix(k)).or_default();
                s.0 += c as f64;
                s.1[(c.min(3) - 1) as usize] += 1.0;
            }
            let gamma: KeyMap<f64> = stats
                .iter()
                .map(|(&h, (t, nn))| (h, (d[0] * nn[0] + d[1] * nn[1] + d[2] * nn[2]) / t))
                .collect();
            let mut p: KeyMap<f64> = KeyMap::default();
            for (&k, &c) in &adj[n - 1] {
                let h = prefix(k);
                let (t, _) = stats[&h];
                let lower = if n == 1 {
                    uniform
                } else {
                    probs[n - 2].get(&suffix(k, n)).copied().unwrap_or(uniform)
                };
                let pr = (c as f64 - discount(&d, c)).max(0.0) / t + gamma[&h] * lower;
                p.insert(k, pr);
            }
            if n == 1 {
                floor = (gamma.get(&0).copied().unwrap_or(1.0) * uniform).ln();
            }
            probs.push(p);
            gammas.push(gamma);
        }
        // Pruning, highest order first; keep what a kept entry needs as its context.
        let mut keep: Vec<KeyMap<()>> = (0..order).map(|_| KeyMap::default()).collect();
        for n in (1..=order).rev() {
            let min = min_count.get(n - 1).copied().unwrap_or(1).max(1);
            let needed: Vec<u64> = keep
                .get(n)
                .map(|m| m.keys().copied().collect())
                .unwrap_or_default();
            let kept = &mut keep[n - 1];
            for (&k, &c) in &self.raw[n - 1] {
                if n == 1 || c >= min {
                    kept.insert(k, ());
                }
            }
            for k in needed {
                kept.insert(prefix(k), ());
            }
        }
        // <s> as a context: its backoff weight needs an entry.
        let bos_key = key(&[bos]);
        keep[0].insert(bos_key, ());
        let tables = (1..=order)
            .map(|n| {
                let mut entries: Vec<(u64, u16, u16)> = keep[n - 1]
                    .keys()
                    .map(|&k| {
                        let p = probs[n - 1].get(&k).copied().unwrap_or(0.0);
                        let lp = if p > 0.0 { p.ln() } else { -(RANGE as f64) };
                        let g = gammas.get(n).and_then(|g| g.get(&k)).copied();
                        let b = g.map(|g| if g > 0.0 { g.ln() } else { -(RANGE as f64) });
                        (k, quantise(lp), quantise(b.unwrap_or(0.0)))
                    })
                    .collect();
                entries.sort_unstable_by_key(|e| e.0);
                Table::build(&entries)
            })
            .collect();
        (tables, floor as f32)
    }
}

/// Appends the tables to `out`: per order, the number of entries, then each entry as the
/// delta of its key to the previous one (varint), its log-probability and, below the
/// highest order, its backoff weight (16 bits each, little-endian).
pub fn write(out: &mut Vec<u8>, tables: &[Table]) {
    for (i, t) in tables.iter().enumerate() {
        let entries = t.sorted();
        put(out, entries.len() as u64);
        let mut prev = 0u64;
        for (k, p, b) in entries {
            put(out, k - prev);
            prev = k;
            out.extend_from_slice(&p.to_le_bytes());
            if i + 1 < tables.len() {
                out.extend_from_slice(&b.to_le_bytes());
            }
        }
    }
}

/// Reads what [`write()`] wrote, checking every key against the vocabulary size.
pub fn read(r: &mut Reader<'_>, order: usize, vocab: usize) -> Result<Vec<Table>, String> {
    let mut tables = Vec::with_capacity(order);
    for n in 1..=order {
        let count = r.get()? as usize;
        let width = if n < order { 4 } else { 2 };
        if count > r.remaining() / (width + 1) {
            return Err(format!("order {n}: {count} entries cannot fit"));
        }
        let mut entries = Vec::with_capacity(count);
        let mut prev = 0u64;
        for _ in 0..count {
            let delta = r.get()?;
            if delta == 0 {
                return Err(format!("order {n}: keys not increasing at byte {}", r.at));
            }
            let k = prev
                .checked_add(delta)
                .ok_or_else(|| format!("order {n}: key overflow at byte {}", r.at))?;
            prev = k;
            if n < MAX_ORDER && k >> (16 * n) != 0 {
                return Err(format!("order {n}: key too wide at byte {}", r.at));
            }
            for j in 0..n {
                let id = (k >> (16 * j)) & 0xffff;
                if id == 0 || id as usize > vocab {
                    return Err(format!("order {n}: word id out of range at byte {}", r.at));
                }
            }
            let p = r.u16()?;
            let b = if n < order { r.u16()? } else { 0 };
            entries.push((k, p, b));
        }
        tables.push(Table::build(&entries));
    }
    Ok(tables)
}

pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub struct Reader<'a> {
    pub b: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.at)
    }
    pub fn get(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .b
                .get(self.at)
                .ok_or_else(|| format!("truncated at byte {}", self.at))?;
            self.at += 1;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err(format!("bad number at byte {}", self.at))
    }
    pub fn u16(&mut self) -> Result<u16, String> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_pack_and_split() {
        let k = key(&[3, 4, 5]);
        assert_eq!(prefix(k), key(&[3, 4]));
        assert_eq!(suffix(k, 3), key(&[4, 5]));
        assert_eq!(first(k, 3), 3);
        assert_eq!(key(&[0]), 1);
    }

    #[test]
    fn quantisation_is_fine_enough() {
        for x in [0.0, -0.001, -1.5, -12.25, -29.9] {
            assert!((dequantise(quantise(x)) as f64 - x).abs() < 0.001, "{x}");
        }
        assert_eq!(dequantise(quantise(-100.0)), -RANGE);
    }

    #[test]
    fn kneser_ney_distributions_sum_to_one() {
        // ids: 0 <s>, 1 </s>, 2..6 words.
        let mut c = Counts::new(3);
        for s in [
            vec![0, 2, 3, 4, 1],
            vec![0, 2, 3, 5, 1],
            vec![0, 3, 4, 1],
            vec![0, 6, 3, 4, 2, 3, 1],
        ] {
            c.add(&s, 1);
        }
        let (tables, floor) = c.estimate(0, 6, &[1, 1, 1]);
        for ctx in [vec![], vec![3], vec![2, 3], vec![0], vec![0, 2], vec![6]] {
            let sum: f64 = (1..7)
                .map(|w| (log_prob(&tables, &ctx, w, floor) as f64).exp())
                .sum();
            assert!((sum - 1.0).abs() < 0.01, "{ctx:?}: {sum}");
        }
        let mut out = Vec::new();
        write(&mut out, &tables);
        let back = read(&mut Reader { b: &out, at: 0 }, 3, 7).unwrap();
        assert_eq!(back, tables);
    }
}
