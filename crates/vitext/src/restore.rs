//! Diacritic restoration for Vietnamese typed without marks (`nguoi dan phan anh` →
//! `người dân phản ánh`): a syllable trigram model with stupid backoff, and a Viterbi search
//! over the accented forms each folded syllable has in the training text.
//!
//! The default model ([`Model::default_model`]) is trained, the first time it is used, on the
//! corpus bundled with this crate (`corpus/`, original text written for duluan, MIT OR
//! Apache-2.0, see `corpus/PROVENANCE.md`); training takes a few milliseconds. A deployment
//! can train on its own clean text with [`Model::train`] and save the result with
//! [`Model::to_bytes`].
//!
//! ```
//! use duluan_vitext::restore::Model;
//! let model = Model::default_model();
//! assert_eq!(model.restore("Nguoi dan phan anh ve gia dien"), "Người dân phản ánh về giá điện");
//! ```

use crate::tokens::{self, Kind};
use std::collections::HashMap;
use std::sync::OnceLock;

const BOS: u32 = 0;
const EOS: u32 = 1;
const UNK: u32 = u32::MAX;
const BACKOFF: f64 = 0.4;
const MAX_CANDIDATES: usize = 8;
/// Longest run of words decoded at once.
const MAX_PHRASE: usize = 256;

/// A trained restoration model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    vocab: Vec<String>,
    index: HashMap<String, u32>,
    by_fold: HashMap<String, Vec<u32>>,
    uni: Vec<u32>,
    bi: HashMap<(u32, u32), u32>,
    tri: HashMap<(u32, u32, u32), u32>,
    total: u64,
}

/// Error reading a serialised model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError(pub String);

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid restoration model / mô hình khôi phục dấu không hợp lệ: {}",
            self.0
        )
    }
}

impl std::error::Error for ModelError {}

/// The bundled corpus (all files of `corpus/`, one sentence or paragraph per line).
pub fn bundled_corpus() -> impl Iterator<Item = &'static str> {
    crate::corpus::lines()
}

impl Model {
    fn empty() -> Model {
        let mut m = Model::default();
        m.intern("<s>");
        m.intern("</s>");
        m
    }

    fn intern(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.index.get(w) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.push(w.to_string());
        self.index.insert(w.to_string(), id);
        self.uni.push(0);
        if id > EOS {
            self.by_fold
                .entry(tokens::fold_lower(w))
                .or_default()
                .push(id);
        }
        id
    }

    /// Trains a model on clean, fully accented text (lines, sentences or documents).
    pub fn train<'a>(texts: impl IntoIterator<Item = &'a str>) -> Model {
        let mut m = Model::empty();
        m.add(texts);
        m
    }

    /// Adds more training text to the model.
    pub fn add<'a>(&mut self, texts: impl IntoIterator<Item = &'a str>) {
        for text in texts {
            for phrase in tokens::phrases(text) {
                let mut ids = vec![BOS];
                ids.extend(phrase.iter().map(|w| self.intern(w)));
                ids.push(EOS);
                for (i, &w) in ids.iter().enumerate() {
                    self.uni[w as usize] += 1;
                    self.total += 1;
                    if i >= 1 {
                        *self.bi.entry((ids[i - 1], w)).or_default() += 1;
                    }
                    if i >= 2 {
                        *self.tri.entry((ids[i - 2], ids[i - 1], w)).or_default() += 1;
                    }
                }
            }
        }
        for list in self.by_fold.values_mut() {
            list.sort_by(|a, b| {
                self.uni[*b as usize]
                    .cmp(&self.uni[*a as usize])
                    .then(a.cmp(b))
            });
        }
    }

    /// The default model, trained on the bundled corpus at first use.
    pub fn default_model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::train(bundled_corpus()))
    }

    /// Number of distinct syllables known.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len().saturating_sub(2)
    }

    fn count_uni(&self, w: u32) -> f64 {
        if w == UNK {
            0.0
        } else {
            self.uni[w as usize] as f64
        }
    }

    fn log_prob(&self, u: u32, v: u32, w: u32) -> f64 {
        if u != UNK
            && v != UNK
            && w != UNK
            && let Some(&c) = self.tri.get(&(u, v, w))
        {
            let ctx = self.bi.get(&(u, v)).copied().unwrap_or(c).max(c);
            return (c as f64 / ctx as f64).ln();
        }
        if v != UNK
            && w != UNK
            && let Some(&c) = self.bi.get(&(v, w))
        {
            let ctx = self.count_uni(v).max(c as f64);
            return BACKOFF.ln() + (c as f64 / ctx).ln();
        }
        2.0 * BACKOFF.ln() + ((self.count_uni(w) + 0.1) / (self.total as f64 + 1.0)).ln()
    }

    /// Candidate ids for one written word: its accented forms when it carries no mark.
    fn candidates(&self, lower: &str) -> Vec<u32> {
        let marked = lower.chars().any(crate::chars::has_mark);
        if !marked && let Some(list) = self.by_fold.get(lower) {
            return list.iter().copied().take(MAX_CANDIDATES).collect();
        }
        vec![self.index.get(lower).copied().unwrap_or(UNK)]
    }

    /// Best sequence of forms for one phrase of lower-case words (Viterbi over trigram states).
    fn best(&self, words: &[String]) -> Vec<Option<u32>> {
        if words.is_empty() {
            return Vec::new();
        }
        let cands: Vec<Vec<u32>> = words.iter().map(|w| self.candidates(w)).collect();
        // state at position i: (index in cands[i-1] or 0 for BOS, index in cands[i]).
        let prev_ids = |i: usize, p: usize| if i == 0 { BOS } else { cands[i - 1][p] };
        let width = |i: usize| if i == 0 { 1 } else { cands[i - 1].len() };
        let mut score: Vec<Vec<f64>> = vec![vec![0.0; cands[0].len()]];
        for (c, &w) in cands[0].iter().enumerate() {
            score[0][c] = self.log_prob(BOS, BOS, w);
        }
        // back[i][p * len_i + c] = index in cands[i-2] (or 0).
        let mut back: Vec<Vec<usize>> = vec![vec![0; cands[0].len()]];
        for i in 1..cands.len() {
            let (np, nc) = (cands[i - 1].len(), cands[i].len());
            let mut s = vec![f64::NEG_INFINITY; np * nc];
            let mut b = vec![0usize; np * nc];
            for pp in 0..width(i - 1) {
                for p in 0..np {
                    let base = score[i - 1][pp * np + p];
                    if base == f64::NEG_INFINITY {
                        continue;
                    }
                    let u = prev_ids(i - 1, pp);
                    let v = cands[i - 1][p];
                    for (c, &w) in cands[i].iter().enumerate() {
                        let x = base + self.log_prob(u, v, w);
                        if x > s[p * nc + c] {
                            s[p * nc + c] = x;
                            b[p * nc + c] = pp;
                        }
                    }
                }
            }
            score.push(s);
            back.push(b);
        }
        let last = cands.len() - 1;
        let nl = cands[last].len();
        let mut best = (f64::NEG_INFINITY, 0, 0);
        for p in 0..width(last) {
            for c in 0..nl {
                let x =
                    score[last][p * nl + c] + self.log_prob(prev_ids(last, p), cands[last][c], EOS);
                if x > best.0 {
                    best = (x, p, c);
                }
            }
        }
        let mut out = vec![0usize; cands.len()];
        let (mut p, mut c) = (best.1, best.2);
        for i in (0..cands.len()).rev() {
            out[i] = c;
            if i == 0 {
                break;
            }
            let pp = back[i][p * cands[i].len() + c];
            c = p;
            p = pp;
        }
        out.iter()
            .enumerate()
            .map(|(i, &c)| Some(cands[i][c]).filter(|&id| id != UNK))
            .collect()
    }

    /// Restores the marks of a text, keeping everything else (case, spacing, punctuation,
    /// words that already carry marks and words the model does not know).
    pub fn restore(&self, text: &str) -> String {
        let toks = tokens::tokenize(text);
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        let mut last = 0;
        let mut i = 0;
        while i < toks.len() {
            if toks[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < toks.len() && toks[j].kind == Kind::Word {
                j += 1;
            }
            let lowers: Vec<String> = toks[i..j].iter().map(|t| tokens::lower(t.text)).collect();
            // Very long phrases are decoded in windows so that memory stays bounded.
            let chosen: Vec<Option<u32>> = lowers
                .chunks(MAX_PHRASE)
                .flat_map(|c| self.best(c))
                .collect();
            for (k, t) in toks[i..j].iter().enumerate() {
                out.push_str(&text[last..t.start]);
                match chosen[k] {
                    Some(id) => out.push_str(&apply_case(t.text, &self.vocab[id as usize])),
                    None => out.push_str(t.text),
                }
                last = t.end;
            }
            i = j;
        }
        out.push_str(&text[last..]);
        out
    }

    /// Serialises the model compactly (varint-coded counts, sorted and delta-coded n-grams).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"VTRS1".to_vec();
        put(&mut out, self.vocab.len() as u64);
        for (w, &c) in self.vocab.iter().zip(&self.uni) {
            put(&mut out, w.len() as u64);
            out.extend_from_slice(w.as_bytes());
            put(&mut out, c as u64);
        }
        let mut bi: Vec<_> = self.bi.iter().map(|(&(a, b), &c)| (a, b, c)).collect();
        bi.sort_unstable();
        put(&mut out, bi.len() as u64);
        let mut prev = 0u32;
        for (a, b, c) in bi {
            put(&mut out, (a - prev) as u64);
            prev = a;
            put(&mut out, b as u64);
            put(&mut out, c as u64);
        }
        let mut tri: Vec<_> = self
            .tri
            .iter()
            .map(|(&(a, b, c), &n)| (a, b, c, n))
            .collect();
        tri.sort_unstable();
        put(&mut out, tri.len() as u64);
        let mut prev = 0u32;
        for (a, b, c, n) in tri {
            put(&mut out, (a - prev) as u64);
            prev = a;
            put(&mut out, b as u64);
            put(&mut out, c as u64);
            put(&mut out, n as u64);
        }
        out
    }

    /// Reads what [`Model::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { b: bytes, at: 0 };
        if !bytes.starts_with(b"VTRS1") {
            return Err(ModelError("missing header VTRS1".into()));
        }
        r.at = 5;
        let n = r.get()? as usize;
        if n < 2 || n > bytes.len() {
            return Err(ModelError(format!("vocabulary size {n}")));
        }
        let mut m = Model::default();
        for _ in 0..n {
            let len = r.get()? as usize;
            let at = r.at;
            let w = r.take(len)?;
            let w = std::str::from_utf8(w)
                .map_err(|_| ModelError(format!("word at byte {at} is not UTF-8")))?;
            let id = m.intern(w);
            if id as usize != m.vocab.len() - 1 {
                return Err(ModelError(format!("duplicate word {w:?}")));
            }
            m.uni[id as usize] = r.get_u32()?;
            m.total += m.uni[id as usize] as u64;
        }
        let check = |id: u32| {
            if (id as usize) < n {
                Ok(id)
            } else {
                Err(ModelError(format!("word id {id} out of range")))
            }
        };
        let nb = r.get()? as usize;
        let mut prev = 0u32;
        for _ in 0..nb.min(bytes.len()) {
            let a = check(
                prev.checked_add(r.get_u32()?)
                    .ok_or_else(|| ModelError("id overflow".into()))?,
            )?;
            prev = a;
            let b = check(r.get_u32()?)?;
            let c = r.get_u32()?;
            m.bi.insert((a, b), c);
        }
        let nt = r.get()? as usize;
        let mut prev = 0u32;
        for _ in 0..nt.min(bytes.len()) {
            let a = check(
                prev.checked_add(r.get_u32()?)
                    .ok_or_else(|| ModelError("id overflow".into()))?,
            )?;
            prev = a;
            let b = check(r.get_u32()?)?;
            let c = check(r.get_u32()?)?;
            let k = r.get_u32()?;
            m.tri.insert((a, b, c), k);
        }
        for list in m.by_fold.values_mut() {
            list.sort_by(|a, b| m.uni[*b as usize].cmp(&m.uni[*a as usize]).then(a.cmp(b)));
        }
        Ok(m)
    }
}

/// Copies the letter case of `written` onto `form` (same number of letters after folding).
fn apply_case(written: &str, form: &str) -> String {
    let mut out = String::with_capacity(form.len());
    let mut w = written.chars();
    for c in form.chars() {
        match w.next() {
            Some(x) if x.is_uppercase() => out.extend(c.to_uppercase()),
            _ => out.push(c),
        }
    }
    out
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn get(&mut self) -> Result<u64, ModelError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .b
                .get(self.at)
                .ok_or_else(|| ModelError(format!("truncated at byte {}", self.at)))?;
            self.at += 1;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err(ModelError(format!("bad number at byte {}", self.at)))
    }
    fn get_u32(&mut self) -> Result<u32, ModelError> {
        u32::try_from(self.get()?)
            .map_err(|_| ModelError(format!("number too large at byte {}", self.at)))
    }
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| ModelError(format!("truncated at byte {}", self.at)))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
}

/// Syllable accuracy of `model` on held-out clean text: each line is folded (marks removed),
/// restored, and compared word by word (ignoring case). Returns `(correct, total)`.
pub fn evaluate<'a>(model: &Model, held_out: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
    let (mut ok, mut total) = (0, 0);
    for line in held_out {
        let folded = crate::chars::fold(line);
        let restored = model.restore(&folded);
        let a = tokens::tokenize(line);
        let b = tokens::tokenize(&restored);
        for (x, y) in a.iter().zip(b.iter()).filter(|(x, _)| x.kind == Kind::Word) {
            total += 1;
            if tokens::lower(x.text) == tokens::lower(y.text) {
                ok += 1;
            }
        }
    }
    (ok, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Model {
        Model::train([
            "Người dân phản ánh về giá điện tăng cao.",
            "Người dân lo lắng về giá xăng.",
            "Cán bộ xã tiếp nhận ý kiến của người dân.",
            "Ma túy là mối lo của gia đình.",
            "Mùa lũ năm nay nước lên cao.",
        ])
    }

    fn check(model: &Model, input: &str, expected: &str) {
        assert_eq!(model.restore(input), expected, "{input}");
    }

    #[test]
    fn restores_with_context_and_keeps_the_rest() {
        let m = toy();
        check(
            &m,
            "nguoi dan phan anh ve gia dien",
            "người dân phản ánh về giá điện",
        );
        check(
            &m,
            "NGUOI DAN lo lang, gia xang!",
            "NGƯỜI DÂN lo lắng, giá xăng!",
        );
        check(
            &m,
            "Can bo xa 123 tiep nhan y kien",
            "Cán bộ xã 123 tiếp nhận ý kiến",
        );
        check(&m, "người dan xyz  abc", "người dân xyz  abc");
        check(&m, "", "");
        check(&m, "…", "…");
    }

    #[test]
    fn serialisation_round_trip_and_errors() {
        let m = toy();
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.restore("nguoi dan lo lang"), "người dân lo lắng");
        assert_eq!(back.vocabulary_size(), m.vocabulary_size());
        assert!(Model::from_bytes(b"").is_err());
        assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
        for cut in [6, 7, 20, 100] {
            let _ = Model::from_bytes(&bytes[..cut.min(bytes.len())]);
        }
    }

    #[test]
    fn evaluation_counts_words() {
        let m = toy();
        assert_eq!(evaluate(&m, ["Người dân lo lắng."]), (4, 4));
    }

    proptest::proptest! {
        #[test]
        fn restore_never_panics_and_keeps_folded_text(s in "\\PC{0,60}") {
            let m = toy();
            let r = m.restore(&s);
            proptest::prop_assert_eq!(crate::chars::fold(&r).to_lowercase(), crate::chars::fold(&s).to_lowercase());
        }

        #[test]
        fn from_bytes_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = Model::from_bytes(&b);
            let mut v = b"VTRS1".to_vec();
            v.extend(b);
            let _ = Model::from_bytes(&v);
        }
    }
}
