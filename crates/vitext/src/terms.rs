//! Multi-syllable terms learned from a corpus by association (pointwise mutual information and
//! t-score over syllable bigrams, then trigrams built on accepted bigrams), and a segmenter
//! that joins the syllables of known terms (`người dân` → `người_dân`).

use crate::features::FnvBuild;
use crate::tokens::{self, Kind};
use std::collections::HashMap;

/// Thresholds of [`Lexicon::learn`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LearnOptions {
    /// Minimum number of occurrences of the term.
    pub min_count: u32,
    /// Minimum pointwise mutual information (natural log).
    pub min_pmi: f64,
    /// Minimum t-score.
    pub min_t: f64,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            min_count: 3,
            min_pmi: 2.5,
            min_t: 1.4,
        }
    }
}

/// A set of multi-syllable terms (lower case, syllables joined by one space) with scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lexicon {
    terms: HashMap<String, f32, FnvBuild>,
    /// Longest term (in syllables) starting with each first syllable.
    starts: HashMap<String, usize, FnvBuild>,
    max_len: usize,
}

/// One segment of a text: a known term or a single syllable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Lower-case syllables joined by one space.
    pub term: String,
    /// Byte offset of the first syllable.
    pub start: usize,
    /// Byte offset just after the last syllable.
    pub end: usize,
    /// Number of syllables.
    pub syllables: usize,
}

fn association(c_xy: f64, c_x: f64, c_y: f64, n: f64) -> (f64, f64) {
    let pmi = (c_xy * n / (c_x * c_y)).ln();
    let t = (c_xy - c_x * c_y / n) / c_xy.sqrt();
    (pmi, t)
}

impl Lexicon {
    /// Learns terms from texts (any number of lines or documents).
    ///
    /// ```
    /// use duluan_vitext::terms::{Lexicon, LearnOptions};
    /// let corpus = ["người dân phản ánh", "người dân lo lắng", "nhiều người dân", "người dân đồng tình"];
    /// let lex = Lexicon::learn(corpus, &LearnOptions { min_count: 3, min_pmi: 0.5, min_t: 0.5 });
    /// assert!(lex.contains("người dân"));
    /// ```
    pub fn learn<'a>(texts: impl IntoIterator<Item = &'a str>, options: &LearnOptions) -> Lexicon {
        let phrases: Vec<Vec<String>> = texts.into_iter().flat_map(tokens::phrases).collect();
        let mut uni: HashMap<&str, u32> = HashMap::new();
        let mut bi: HashMap<(&str, &str), u32> = HashMap::new();
        let mut tri: HashMap<(&str, &str, &str), u32> = HashMap::new();
        let mut n = 0u64;
        for p in &phrases {
            for (i, w) in p.iter().enumerate() {
                n += 1;
                *uni.entry(w).or_default() += 1;
                if i + 1 < p.len() {
                    *bi.entry((w, &p[i + 1])).or_default() += 1;
                }
                if i + 2 < p.len() {
                    *tri.entry((w, &p[i + 1], &p[i + 2])).or_default() += 1;
                }
            }
        }
        let n = n.max(1) as f64;
        let mut terms: HashMap<String, f32, FnvBuild> = HashMap::default();
        for (&(x, y), &c) in &bi {
            if c < options.min_count {
                continue;
            }
            let (pmi, t) = association(c as f64, uni[x] as f64, uni[y] as f64, n);
            if pmi >= options.min_pmi && t >= options.min_t {
                terms.insert(format!("{x} {y}"), pmi as f32);
            }
        }
        let mut max_len = if terms.is_empty() { 1 } else { 2 };
        for (&(x, y, z), &c) in &tri {
            if c < options.min_count {
                continue;
            }
            // Both halves must mostly occur inside the trigram (no cut-off words).
            let dependent =
                |pair: (&str, &str)| bi.get(&pair).is_some_and(|&b| c as f64 >= 0.5 * b as f64);
            if !dependent((x, y)) || !dependent((y, z)) {
                continue;
            }
            let left = terms.contains_key(&format!("{x} {y}"));
            let right = terms.contains_key(&format!("{y} {z}"));
            let (pmi, t) = if left {
                association(c as f64, bi[&(x, y)] as f64, uni[z] as f64, n)
            } else if right {
                association(c as f64, uni[x] as f64, bi[&(y, z)] as f64, n)
            } else {
                continue;
            };
            if pmi >= options.min_pmi && t >= options.min_t {
                terms.insert(format!("{x} {y} {z}"), pmi as f32);
                max_len = 3;
            }
        }
        let mut lex = Lexicon {
            terms,
            starts: HashMap::default(),
            max_len,
        };
        lex.reindex();
        lex
    }

    /// The default lexicon: terms learned from the bundled corpus at first use.
    ///
    /// ```
    /// use duluan_vitext::terms::Lexicon;
    /// assert!(Lexicon::default_lexicon().contains("người dân"));
    /// ```
    pub fn default_lexicon() -> &'static Lexicon {
        static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
        LEX.get_or_init(|| Lexicon::learn(crate::corpus::lines(), &LearnOptions::default()))
    }

    /// Builds a lexicon from a list of terms (any case, syllables separated by spaces).
    pub fn from_terms<'a>(list: impl IntoIterator<Item = &'a str>) -> Lexicon {
        let mut lex = Lexicon::default();
        for t in list {
            lex.insert(t, 1.0);
        }
        lex
    }

    fn reindex(&mut self) {
        self.starts.clear();
        for t in self.terms.keys() {
            let n = t.split(' ').count();
            let first = t.split(' ').next().unwrap_or("").to_string();
            let e = self.starts.entry(first).or_insert(0);
            *e = (*e).max(n);
        }
    }

    /// Longest term starting with `first` (0 if none).
    fn longest_from(&self, first: &str) -> usize {
        self.starts.get(first).copied().unwrap_or(0)
    }

    /// Adds one term.
    pub fn insert(&mut self, term: &str, score: f32) {
        let words: Vec<String> = term.split_whitespace().map(tokens::lower).collect();
        if words.len() >= 2 {
            self.max_len = self.max_len.max(words.len());
            let e = self.starts.entry(words[0].clone()).or_insert(0);
            *e = (*e).max(words.len());
            self.terms.insert(words.join(" "), score);
        }
    }

    /// Whether a lower-case term (syllables separated by one space) is known.
    pub fn contains(&self, term: &str) -> bool {
        self.terms.contains_key(term)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there is no term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Terms sorted by decreasing score.
    pub fn terms(&self) -> Vec<(&str, f32)> {
        let mut v: Vec<(&str, f32)> = self.terms.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    /// Serialises as text: one `term<TAB>score` line per term, sorted.
    pub fn to_text(&self) -> String {
        let mut v = self.terms();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.iter().map(|(t, s)| format!("{t}\t{s:.3}\n")).collect()
    }

    /// Reads what [`Lexicon::to_text`] wrote (lines without a score get 1.0; bad lines are skipped).
    pub fn from_text(text: &str) -> Lexicon {
        let mut lex = Lexicon::default();
        for line in text.lines() {
            let mut parts = line.split('\t');
            let term = parts.next().unwrap_or("");
            let score = parts
                .next()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(1.0);
            lex.insert(term, score);
        }
        lex
    }

    /// Segments a text: within each phrase, the longest known term starting at each syllable
    /// (greedy, left to right), single syllables otherwise.
    ///
    /// ```
    /// use duluan_vitext::terms::Lexicon;
    /// let lex = Lexicon::from_terms(["người dân", "ủy ban nhân dân"]);
    /// assert_eq!(lex.segment_joined("Người dân gặp Ủy ban nhân dân xã."), "người_dân gặp ủy_ban_nhân_dân xã");
    /// ```
    pub fn segment(&self, text: &str) -> Vec<Segment> {
        let toks = tokens::tokenize(text);
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            let mut run_end = i;
            while run_end < toks.len() && toks[run_end].kind == Kind::Word {
                run_end += 1;
            }
            let lowers: Vec<String> = toks[i..run_end]
                .iter()
                .map(|t| tokens::lower(t.text))
                .collect();
            let mut j = 0;
            while j < lowers.len() {
                let mut len = 1;
                let longest = self.longest_from(&lowers[j]).min(lowers.len() - j);
                for l in (2..=longest).rev() {
                    if self.terms.contains_key(&lowers[j..j + l].join(" ")) {
                        len = l;
                        break;
                    }
                }
                out.push(Segment {
                    term: lowers[j..j + len].join(" "),
                    start: toks[i + j].start,
                    end: toks[i + j + len - 1].end,
                    syllables: len,
                });
                j += len;
            }
            i = run_end;
        }
        out
    }

    /// Segments and joins the syllables of each term with `_`, segments with a space (the
    /// output format of pyvi's `ViTokenizer.tokenize`, without punctuation).
    pub fn segment_joined(&self, text: &str) -> String {
        // Lower-case once; tokens are then slices of the lower-case text.
        let low = tokens::lower(text);
        let toks = tokens::tokenize(&low);
        let mut out = String::with_capacity(low.len() + 8);
        let mut key = String::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            let mut run_end = i;
            while run_end < toks.len() && toks[run_end].kind == Kind::Word {
                run_end += 1;
            }
            let words = &toks[i..run_end];
            let mut j = 0;
            while j < words.len() {
                let mut len = 1;
                for l in (2..=self.longest_from(words[j].text).min(words.len() - j)).rev() {
                    key.clear();
                    for (n, w) in words[j..j + l].iter().enumerate() {
                        if n > 0 {
                            key.push(' ');
                        }
                        key.push_str(w.text);
                    }
                    if self.terms.contains_key(key.as_str()) {
                        len = l;
                        break;
                    }
                }
                if !out.is_empty() {
                    out.push(' ');
                }
                for (n, w) in words[j..j + len].iter().enumerate() {
                    if n > 0 {
                        out.push('_');
                    }
                    out.push_str(w.text);
                }
                j += len;
            }
            i = run_end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_collocations_not_chance_pairs() {
        let mut corpus = Vec::new();
        for i in 0..20 {
            corpus.push(format!(
                "người dân xã {} phản ánh về ô nhiễm môi trường",
                ["an", "bình", "hòa", "phú"][i % 4]
            ));
            corpus.push(format!(
                "cán bộ {} tiếp nhận ý kiến",
                ["xã", "phường", "tỉnh", "huyện", "ấp"][i % 5]
            ));
        }
        let lex = Lexicon::learn(corpus.iter().map(String::as_str), &LearnOptions::default());
        for t in [
            "người dân",
            "ô nhiễm",
            "môi trường",
            "ý kiến",
            "cán bộ",
            "tiếp nhận",
            "ô nhiễm môi",
        ] {
            assert!(lex.contains(t), "{t}: {:?}", lex.terms());
        }
        let back = Lexicon::from_text(&lex.to_text());
        assert_eq!(back.len(), lex.len());
    }

    #[test]
    fn segmenter_positions() {
        let lex = Lexicon::from_terms(["giá điện", "người dân"]);
        let s = lex.segment("Người dân: giá điện tăng");
        let got: Vec<(&str, usize, usize)> = s
            .iter()
            .map(|s| (s.term.as_str(), s.start, s.end))
            .collect();
        assert_eq!(
            got,
            vec![("người dân", 0, 13), ("giá điện", 15, 27), ("tăng", 28, 33)]
        );
        assert!(lex.segment("").is_empty());
    }
}
