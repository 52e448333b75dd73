//! Online clustering of short items into candidate opinion streams: one pass, each item joins
//! the most similar cluster (cosine of TF-IDF vectors over folded syllable uni- and bi-grams)
//! or starts a new one, clusters are re-merged periodically, and each cluster is labelled by
//! its distinctive terms.
//!
//! ```
//! use duluan_vitext::cluster::{Clusterer, Options};
//! let mut c = Clusterer::new(Options::default());
//! for t in ["giá điện tăng cao", "người dân lo giá điện tăng", "đường ngập sau mưa", "mưa lớn đường ngập sâu", "giá điện tháng này tăng"] {
//!     c.add(t);
//! }
//! let streams = c.clusters(1);
//! assert_eq!(streams.len(), 2);
//! assert_eq!(streams[0].size, 3);
//! assert!(streams[0].label.iter().any(|t| t.contains("điện")));
//! ```

use crate::features::ngrams;
use crate::stopwords::is_stopword;
use std::collections::HashMap;

/// Parameters of the clusterer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Minimum cosine similarity to join a cluster.
    pub join: f64,
    /// Minimum cosine similarity between two centroids to merge them at re-merge time.
    pub merge: f64,
    /// Re-merge every this many items (0: never during the pass; [`Clusterer::clusters`] always re-merges).
    pub remerge_every: usize,
    /// Number of terms in a label.
    pub label_terms: usize,
    /// Centroids keep at most this many features (the heaviest).
    pub max_centroid_features: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            join: 0.2,
            merge: 0.5,
            remerge_every: 5000,
            label_terms: 4,
            max_centroid_features: 300,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Centroid {
    weights: HashMap<u64, f32>,
    norm: f32,
    members: Vec<usize>,
    alive: bool,
}

impl Centroid {
    fn recompute_norm(&mut self) {
        self.norm = self.weights.values().map(|w| w * w).sum::<f32>().sqrt();
    }
}

/// A cluster of items: its members (item numbers in insertion order) and label terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Number of items.
    pub size: usize,
    /// Item numbers (0-based, in insertion order).
    pub members: Vec<usize>,
    /// Distinctive terms (lower case, as written, with marks when any item had them), most
    /// distinctive first.
    pub label: Vec<String>,
}

/// Single-pass clusterer with periodic re-merging.
#[derive(Clone, Debug)]
pub struct Clusterer {
    options: Options,
    df: HashMap<u64, u32>,
    docs: u32,
    surface: HashMap<u64, String>,
    clusters: Vec<Centroid>,
    postings: HashMap<u64, Vec<usize>>,
    items: usize,
}

const POSTING_CAP: usize = 64;
/// Weight multiplier of two-syllable terms when choosing labels.
const LABEL_BIGRAM_BONUS: f32 = 1.6;
/// Pseudo-documents added to the IDF so that the first items of a stream are not dominated by chance.
const IDF_PRIOR: f32 = 100.0;
const LOOKUP_FEATURES: usize = 8;

impl Clusterer {
    /// A new, empty clusterer.
    pub fn new(options: Options) -> Clusterer {
        Clusterer {
            options,
            df: HashMap::new(),
            docs: 0,
            surface: HashMap::new(),
            clusters: Vec::new(),
            postings: HashMap::new(),
            items: 0,
        }
    }

    fn vector(&mut self, text: &str) -> Vec<(u64, f32)> {
        let mut tf: HashMap<u64, f32> = HashMap::new();
        // Folded features; labels keep the written (accented) form, preferring one with marks.
        for ((h, _), (_, written)) in ngrams(text, true).into_iter().zip(ngrams(text, false)) {
            if written.split(' ').all(is_stopword) {
                continue;
            }
            *tf.entry(h).or_default() += 1.0;
            match self.surface.get(&h) {
                Some(old)
                    if old.chars().any(crate::chars::has_mark)
                        || !written.chars().any(crate::chars::has_mark) => {}
                _ => {
                    self.surface.insert(h, written);
                }
            }
        }
        self.docs += 1;
        for h in tf.keys() {
            *self.df.entry(*h).or_default() += 1;
        }
        let n = self.docs as f32;
        let mut v: Vec<(u64, f32)> = tf
            .into_iter()
            .map(|(h, c)| {
                (
                    h,
                    (1.0 + c.ln()) * ((n + IDF_PRIOR) / (self.df[&h] as f32 + 1.0)).ln().max(0.1),
                )
            })
            .collect();
        let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt().max(1e-6);
        for x in &mut v {
            x.1 /= norm;
        }
        v.sort_unstable_by_key(|x| x.0);
        v
    }

    fn cosine(&self, v: &[(u64, f32)], c: &Centroid) -> f64 {
        if c.norm <= 0.0 {
            return 0.0;
        }
        let dot: f32 = v
            .iter()
            .filter_map(|(h, w)| c.weights.get(h).map(|cw| cw * w))
            .sum();
        (dot / c.norm) as f64
    }

    /// Adds one item; returns the number of the cluster it joined (clusters may later merge).
    pub fn add(&mut self, text: &str) -> usize {
        let v = self.vector(text);
        let item = self.items;
        self.items += 1;
        // Candidate clusters through the postings of the item's rarest features.
        // Shared features only (seen in an earlier item), rarest first.
        let mut look: Vec<&(u64, f32)> = v
            .iter()
            .filter(|(h, _)| self.postings.contains_key(h))
            .collect();
        look.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut best: Option<(f64, usize)> = None;
        let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
        for (h, _) in look.into_iter().take(LOOKUP_FEATURES) {
            if let Some(ps) = self.postings.get(h) {
                for &c in ps {
                    let c = self.resolve(c);
                    if !seen.insert(c) {
                        continue;
                    }
                    let s = self.cosine(&v, &self.clusters[c]);
                    if s >= self.options.join && best.is_none_or(|b| s > b.0) {
                        best = Some((s, c));
                    }
                }
            }
        }
        let cid = match best {
            Some((_, c)) => c,
            None => {
                self.clusters.push(Centroid {
                    alive: true,
                    ..Centroid::default()
                });
                self.clusters.len() - 1
            }
        };
        let max_features = self.options.max_centroid_features;
        let cl = &mut self.clusters[cid];
        cl.members.push(item);
        for (h, w) in &v {
            *cl.weights.entry(*h).or_default() += w;
        }
        if cl.weights.len() > max_features * 2 {
            prune(&mut cl.weights, max_features);
        }
        cl.recompute_norm();
        for (h, _) in &v {
            let p = self.postings.entry(*h).or_default();
            if !p.contains(&cid) {
                if p.len() >= POSTING_CAP {
                    p.remove(0);
                }
                p.push(cid);
            }
        }
        if self.options.remerge_every > 0 && self.items.is_multiple_of(self.options.remerge_every) {
            self.remerge();
        }
        cid
    }

    /// Follows merges: the live cluster that absorbed `c`.
    fn resolve(&self, mut c: usize) -> usize {
        let mut guard = 0;
        while !self.clusters[c].alive && guard < 64 {
            match self.clusters[c].members.first() {
                Some(&target) => c = target,
                None => break,
            }
            guard += 1;
        }
        c
    }

    /// Merges clusters whose centroids are similar enough (larger absorbs smaller).
    pub fn remerge(&mut self) {
        let mut live: Vec<usize> = (0..self.clusters.len())
            .filter(|&c| self.clusters[c].alive && !self.clusters[c].members.is_empty())
            .collect();
        live.sort_by_key(|&c| std::cmp::Reverse(self.clusters[c].members.len()));
        for a in live {
            if !self.clusters[a].alive {
                continue;
            }
            // Candidates: clusters sharing one of a's heaviest features.
            let mut feats: Vec<(u64, f32)> = self.clusters[a]
                .weights
                .iter()
                .map(|(h, w)| (*h, *w))
                .collect();
            feats.sort_by(|x, y| y.1.total_cmp(&x.1));
            let mut cands: Vec<usize> = Vec::new();
            for (h, _) in feats.iter().take(LOOKUP_FEATURES) {
                if let Some(ps) = self.postings.get(h) {
                    for &c in ps {
                        let c = self.resolve(c);
                        if c != a
                            && self.clusters[c].alive
                            && !cands.contains(&c)
                            && self.clusters[c].members.len() <= self.clusters[a].members.len()
                        {
                            cands.push(c);
                        }
                    }
                }
            }
            for b in cands {
                let (ca, cb) = (&self.clusters[a], &self.clusters[b]);
                if ca.norm <= 0.0 || cb.norm <= 0.0 {
                    continue;
                }
                let dot: f32 = cb
                    .weights
                    .iter()
                    .filter_map(|(h, w)| ca.weights.get(h).map(|x| x * w))
                    .sum();
                if (dot / (ca.norm * cb.norm)) as f64 >= self.options.merge {
                    let taken = std::mem::take(&mut self.clusters[b]);
                    let max_features = self.options.max_centroid_features;
                    let ca = &mut self.clusters[a];
                    for (h, w) in taken.weights {
                        *ca.weights.entry(h).or_default() += w;
                    }
                    ca.members.extend(taken.members);
                    if ca.weights.len() > max_features * 2 {
                        prune(&mut ca.weights, max_features);
                    }
                    ca.recompute_norm();
                    // A dead cluster points at its absorber through its first member slot.
                    self.clusters[b] = Centroid {
                        members: vec![a],
                        alive: false,
                        ..Centroid::default()
                    };
                }
            }
        }
    }

    /// Re-merges, then returns the clusters with at least `min_size` items, largest first, each
    /// labelled by the terms with the highest centroid weight (already IDF-weighted).
    pub fn clusters(&mut self, min_size: usize) -> Vec<Cluster> {
        self.remerge();
        let mut out: Vec<Cluster> = self
            .clusters
            .iter()
            .filter(|c| c.alive && c.members.len() >= min_size.max(1))
            .map(|c| {
                // Two-syllable terms read better than single syllables: they get a bonus.
                let mut feats: Vec<(&u64, f32)> = c
                    .weights
                    .iter()
                    .map(|(h, w)| {
                        let two = self.surface.get(h).is_some_and(|s| s.contains(' '));
                        (h, if two { w * LABEL_BIGRAM_BONUS } else { *w })
                    })
                    .collect();
                feats.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(y.0)));
                let mut label: Vec<String> = Vec::new();
                for (h, _) in feats {
                    if label.len() >= self.options.label_terms {
                        break;
                    }
                    let Some(s) = self.surface.get(h) else {
                        continue;
                    };
                    let padded = format!(" {s} ");
                    if label.iter().any(|l| {
                        format!(" {l} ").contains(&padded) || padded.contains(&format!(" {l} "))
                    }) {
                        continue;
                    }
                    label.push(s.clone());
                }
                let mut members = c.members.clone();
                members.sort_unstable();
                Cluster {
                    size: members.len(),
                    members,
                    label,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.size
                .cmp(&a.size)
                .then(a.members.first().cmp(&b.members.first()))
        });
        out
    }

    /// Number of items added.
    pub fn len(&self) -> usize {
        self.items
    }

    /// Whether no item was added.
    pub fn is_empty(&self) -> bool {
        self.items == 0
    }
}

fn prune(weights: &mut HashMap<u64, f32>, keep: usize) {
    let mut v: Vec<(u64, f32)> = weights.iter().map(|(h, w)| (*h, *w)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(keep);
    *weights = v.into_iter().collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_topics_and_labels_them() {
        let mut c = Clusterer::new(Options {
            remerge_every: 3,
            ..Options::default()
        });
        let texts = [
            "Giá xăng tăng mạnh, tiểu thương lo lắng",
            "Đường Nguyễn Văn Cừ ngập sâu sau mưa lớn",
            "giá xăng tăng làm chi phí vận chuyển tăng",
            "Mưa lớn khiến nhiều tuyến đường ngập sâu",
            "Người dân bức xúc vì giá xăng tăng liên tục",
            "Học sinh được miễn học phí",
            "Đường ngập sâu, xe chết máy hàng loạt",
        ];
        for t in texts {
            c.add(t);
        }
        let cl = c.clusters(2);
        assert_eq!(cl.len(), 2, "{cl:?}");
        assert_eq!(cl[0].members, vec![0, 2, 4]);
        assert_eq!(cl[1].members, vec![1, 3, 6]);
        assert!(
            cl[0].label.iter().any(|l| l.contains("xăng")),
            "{:?}",
            cl[0].label
        );
        assert!(
            cl[1].label.iter().any(|l| l.contains("ngập")),
            "{:?}",
            cl[1].label
        );
        assert_eq!(c.len(), 7);
    }

    #[test]
    fn empty_items_do_not_break_anything() {
        let mut c = Clusterer::new(Options::default());
        c.add("");
        c.add("!!!");
        c.add("và của");
        let cl = c.clusters(1);
        assert!(cl.iter().map(|x| x.size).sum::<usize>() == 3);
    }
}
