//! Diacritic restoration for Vietnamese typed without marks (`nguoi dan phan anh` →
//! `người dân phản ánh`): syllable 4-gram language models with interpolated modified
//! Kneser-Ney smoothing ([`ngram`]), mixed linearly, and a beam search over the accented forms
//! each folded syllable has in the training text.
//!
//! The default model ([`Model::default_model`]) is built into the crate
//! (`models/restore-vi.bin`, read at first use). It mixes a model of all its training text —
//! the bundled corpus (`corpus/`, original public-life text written for duluan, MIT OR
//! Apache-2.0) and the Vietnamese translations of LibreOffice, Firefox and Thunderbird
//! (MPL-2.0) and Chromium (BSD-3-Clause) — with a model of the corpus alone; each text is
//! decoded leaning on either and the more probable reading is kept. `models/NOTICE.md` names
//! the sources; `models/build.sh` rebuilds the file from the Debian packages. A deployment can
//! add its own clean text to it with [`Model::with_text`], or train on its text alone with
//! [`Model::train`], and save the result with [`Model::to_bytes`].
//!
//! ```
//! use duluan_vitext::restore::Model;
//! let model = Model::default_model();
//! assert_eq!(model.restore("Nguoi dan phan anh ve gia dien"), "Người dân phản ánh về giá điện");
//! ```

pub mod ngram;

use crate::tokens::{self, Kind};
use ngram::{Counts, Reader, Table};
use std::collections::HashMap;
use std::sync::OnceLock;

const BOS: u32 = 0;
const EOS: u32 = 1;
const UNK: u32 = 2;
/// Weight of the model of the bundled corpus alone (public-life text, the domain of duluan) in
/// the built-in mixture; the other part is a model of all the training text
/// ([`Model::train_with_corpus`]).
pub const CORPUS_MIX: f64 = 0.1;
/// Phrases of lower-case words, each with the number of times it is counted.
type Phrases = Vec<(Vec<String>, u32)>;

/// Entries of the per-text cache of each part's probabilities before it is emptied (bounds
/// the memory of a very long text).
const MAX_CACHE: usize = 100_000;
/// Most parts a mixture can have.
const MAX_PARTS: usize = 8;
/// Weight a part gets in the alternative readings tried for each text ([`Model::restore`]).
const PROFILE_WEIGHT: f32 = 0.97;
/// Order of the n-grams [`Model::train`] counts.
pub const ORDER: usize = 4;
/// Accented forms tried per folded syllable (the most frequent ones).
const MAX_CANDIDATES: usize = 12;
/// Hypotheses kept per position of the beam search.
const BEAM: usize = 16;
/// Longest run of words decoded at once.
const MAX_PHRASE: usize = 256;
/// The model built into the crate.
static BUILT_IN: &[u8] = include_bytes!("../../models/restore-vi.bin");

/// A trained restoration model.
#[derive(Clone, Default, PartialEq)]
pub struct Model {
    vocab: Vec<String>,
    index: HashMap<String, u32>,
    by_fold: HashMap<String, Vec<u32>>,
    parts: Vec<Part>,
}

/// One n-gram model of a mixture: its interpolation weight (natural log), its tables and the
/// log-probability of a word it never saw.
#[derive(Clone, Default, PartialEq)]
struct Part {
    weight: f32,
    tables: Vec<Table>,
    floor: f32,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("vocabulary", &self.vocabulary_size())
            .field(
                "ngrams",
                &self
                    .parts
                    .iter()
                    .map(|p| (p.weight.exp(), p.tables.iter().map(Table::len).collect()))
                    .collect::<Vec<(f32, Vec<usize>)>>(),
            )
            .finish()
    }
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

/// Options of [`Model::train_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainOptions {
    /// N-gram order, 1 to 4.
    pub order: usize,
    /// Raw count below which an n-gram of each order (from 1) is dropped; unigrams are kept.
    pub min_count: Vec<u32>,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            order: ORDER,
            min_count: vec![1, 1, 1, 1],
        }
    }
}

impl Model {
    fn with_vocab(vocab: Vec<String>) -> Model {
        let mut m = Model {
            vocab,
            ..Model::default()
        };
        for (id, w) in m.vocab.iter().enumerate() {
            m.index.insert(w.clone(), id as u32);
            if id as u32 > UNK {
                m.by_fold
                    .entry(tokens::fold_lower(w))
                    .or_default()
                    .push(id as u32);
            }
        }
        m
    }

    /// Sorts each folded syllable's forms by their unigram probability, most likely first.
    fn rank_forms(&mut self) {
        let uni: Vec<f32> = (0..self.vocab.len() as u32)
            .map(|id| self.log_prob(&[], id))
            .collect();
        for list in self.by_fold.values_mut() {
            list.sort_by(|a, b| uni[*b as usize].total_cmp(&uni[*a as usize]).then(a.cmp(b)));
        }
    }

    /// Trains a model on clean, fully accented text (lines, sentences or documents).
    pub fn train<'a>(texts: impl IntoIterator<Item = &'a str>) -> Model {
        Model::train_with(texts, &TrainOptions::default())
    }

    /// Trains with explicit options (order, pruning).
    pub fn train_with<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        options: &TrainOptions,
    ) -> Model {
        Model::train_weighted(texts.into_iter().map(|t| (t, 1)), options)
    }

    /// Trains on texts each counted a number of times (a small text of the deployment's own
    /// domain can weigh more than a large general one).
    pub fn train_weighted<'a>(
        texts: impl IntoIterator<Item = (&'a str, u32)>,
        options: &TrainOptions,
    ) -> Model {
        Model::train_parts(vec![(texts.into_iter().collect(), 1.0)], options)
    }

    /// Trains one n-gram model per source (on a shared vocabulary) and interpolates them
    /// linearly with the given weights (normalised to sum to one): a small text of the
    /// deployment's own domain keeps its say beside a large general one.
    pub fn train_mixture<'a>(
        sources: impl IntoIterator<Item = (Vec<&'a str>, f64)>,
        options: &TrainOptions,
    ) -> Model {
        let parts = sources
            .into_iter()
            .map(|(texts, w)| (texts.into_iter().map(|t| (t, 1)).collect(), w))
            .collect();
        Model::train_parts(parts, options)
    }

    /// How the built-in model is trained: a mixture of a model of all the text (`general` and
    /// `corpus`) and a model of `corpus` alone, at [`CORPUS_MIX`].
    pub fn train_with_corpus<'a>(general: &[&'a str], corpus: &[&'a str]) -> Model {
        let all: Vec<&str> = general.iter().chain(corpus).copied().collect();
        Model::train_mixture(
            [(all, 1.0 - CORPUS_MIX), (corpus.to_vec(), CORPUS_MIX)],
            &TrainOptions::default(),
        )
    }

    /// This model with a deployment's own clean, accented text added: a new part trained on
    /// `texts` (its words that this model lacks join the vocabulary) at `weight` (0 to 1), the
    /// existing parts sharing the rest. The built-in model keeps what it knows and learns the
    /// deployment's names and phrasing. A model has at most eight parts: past that, the last
    /// part added is replaced.
    ///
    /// ```
    /// use duluan_vitext::restore::Model;
    /// let base = Model::default_model();
    /// let own = base.with_text(["Ông Tư Sang mở quán hủ tiếu ở chợ Xóm Củi."], 0.3);
    /// assert_eq!(own.restore("quan hu tieu o cho Xom Cui"), "quán hủ tiếu ở chợ Xóm Củi");
    /// ```
    pub fn with_text<'a>(&self, texts: impl IntoIterator<Item = &'a str>, weight: f64) -> Model {
        let weight = weight.clamp(0.01, 0.99);
        let phrases: Vec<Vec<String>> = texts.into_iter().flat_map(tokens::phrases).collect();
        let mut vocab = self.vocab.clone();
        if vocab.len() < 3 {
            vocab = ["<s>", "</s>", "<unk>"].map(str::to_string).to_vec();
        }
        let mut known: std::collections::HashSet<String> = vocab.iter().cloned().collect();
        for w in phrases.iter().flatten() {
            if vocab.len() < ngram::MAX_VOCAB && known.insert(w.clone()) {
                vocab.push(w.clone());
            }
        }
        let mut m = Model::with_vocab(vocab);
        let mut parts = self.parts.clone();
        if parts.len() == MAX_PARTS {
            parts.pop();
        }
        let total: f32 = parts.iter().map(|p| p.weight.exp()).sum();
        for p in &mut parts {
            p.weight = (p.weight.exp() / total * (1.0 - weight as f32)).ln();
        }
        let order = if self.order() == 0 {
            ORDER
        } else {
            self.order()
        };
        let mut counts = Counts::new(order);
        let mut ids = Vec::new();
        for phrase in &phrases {
            ids.clear();
            ids.push(BOS);
            ids.extend(
                phrase
                    .iter()
                    .map(|w| m.index.get(w).copied().unwrap_or(UNK)),
            );
            ids.push(EOS);
            counts.add(&ids, 1);
        }
        let (tables, floor) = counts.estimate(BOS, m.vocab.len() - 1, &[1; ngram::MAX_ORDER]);
        parts.push(Part {
            weight: (weight as f32).ln(),
            tables,
            floor,
        });
        m.parts = parts;
        m.rank_forms();
        m
    }

    fn train_parts(sources: Vec<(Vec<(&str, u32)>, f64)>, options: &TrainOptions) -> Model {
        let order = options.order.clamp(1, ngram::MAX_ORDER);
        let total: f64 = sources.iter().map(|s| s.1.max(0.0)).sum();
        let sources: Vec<(Phrases, f64)> = sources
            .into_iter()
            .map(|(texts, w)| {
                let phrases = texts
                    .into_iter()
                    .flat_map(|(t, n)| tokens::phrases(t).into_iter().map(move |p| (p, n.max(1))))
                    .collect();
                let w = if total > 0.0 { w.max(0.0) / total } else { 1.0 };
                (phrases, w)
            })
            .filter(|(_, w)| *w > 0.0)
            .collect();
        let mut freq: HashMap<&str, u64> = HashMap::new();
        for (p, times) in sources.iter().flat_map(|s| &s.0) {
            for w in p {
                *freq.entry(w.as_str()).or_default() += *times as u64;
            }
        }
        let mut words: Vec<(&str, u64)> = freq.into_iter().collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        words.truncate(ngram::MAX_VOCAB - 3);
        let vocab: Vec<String> = ["<s>", "</s>", "<unk>"]
            .into_iter()
            .chain(words.iter().map(|w| w.0))
            .map(str::to_string)
            .collect();
        let mut m = Model::with_vocab(vocab);
        let mut ids = Vec::new();
        for (phrases, weight) in &sources {
            let mut counts = Counts::new(order);
            for (phrase, times) in phrases {
                ids.clear();
                ids.push(BOS);
                ids.extend(
                    phrase
                        .iter()
                        .map(|w| m.index.get(w).copied().unwrap_or(UNK)),
                );
                ids.push(EOS);
                counts.add(&ids, *times);
            }
            let (tables, floor) = counts.estimate(BOS, m.vocab.len() - 1, &options.min_count);
            m.parts.push(Part {
                weight: weight.ln() as f32,
                tables,
                floor,
            });
        }
        m.rank_forms();
        m
    }

    /// The default model, built into the crate, read at first use.
    pub fn default_model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::from_bytes(BUILT_IN).expect("the built-in restoration model is valid")
        })
    }

    /// Number of distinct syllables known.
    pub fn vocabulary_size(&self) -> usize {
        self.vocab.len().saturating_sub(3)
    }

    /// N-gram order of the model.
    pub fn order(&self) -> usize {
        self.parts.first().map_or(0, |p| p.tables.len())
    }

    fn log_prob(&self, ctx: &[u32], w: u32) -> f32 {
        let weights: Vec<f32> = self.parts.iter().map(|p| p.weight).collect();
        self.log_prob_with(&weights, ctx, w)
    }

    /// [`Model::log_prob_with`], each part's log-probability of `w` after `ctx` kept in
    /// `cache` for the other weightings of the same text.
    fn cached(
        &self,
        weights: &[f32],
        ctx: &[u32],
        w: u32,
        cache: &mut ngram::KeyMap<[f32; MAX_PARTS]>,
    ) -> f32 {
        if self.parts.len() < 2 {
            return self.log_prob_with(weights, ctx, w);
        }
        // Ids are below 2^16 - 1: three of context and the word fill 64 bits.
        let mut k = 0u64;
        for i in 0..3 {
            let id = if ctx.len() + i >= 3 {
                ctx[ctx.len() + i - 3]
            } else {
                0xffff
            };
            k = (k << 16) | (id as u64 & 0xffff);
        }
        k = (k << 16) | w as u64;
        if cache.len() > MAX_CACHE {
            cache.clear();
        }
        let lp = cache.entry(k).or_insert_with(|| {
            let mut v = [0f32; MAX_PARTS];
            for (x, p) in v.iter_mut().zip(&self.parts) {
                *x = ngram::log_prob(&p.tables, ctx, w, p.floor);
            }
            v
        });
        let mut acc = f32::NEG_INFINITY;
        for (x, weight) in lp.iter().zip(weights) {
            let x = weight + x;
            let (hi, lo) = if x > acc { (x, acc) } else { (acc, x) };
            acc = hi + (lo - hi).exp().ln_1p();
        }
        acc
    }

    /// Log-probability under the mixture with the given weights (natural logs, one per part).
    fn log_prob_with(&self, weights: &[f32], ctx: &[u32], w: u32) -> f32 {
        match self.parts.as_slice() {
            [] => 0.0,
            [p] => ngram::log_prob(&p.tables, ctx, w, p.floor),
            parts => {
                let mut acc = f32::NEG_INFINITY;
                for (p, weight) in parts.iter().zip(weights) {
                    let x = weight + ngram::log_prob(&p.tables, ctx, w, p.floor);
                    let (hi, lo) = if x > acc { (x, acc) } else { (acc, x) };
                    acc = hi + (lo - hi).exp().ln_1p();
                }
                acc
            }
        }
    }

    /// Candidate ids for one written word: its accented forms when it carries no mark.
    fn candidates(&self, lower: &str) -> Vec<u32> {
        let marked = lower.chars().any(crate::chars::has_mark);
        if !marked && let Some(list) = self.by_fold.get(lower) {
            return list.iter().copied().take(MAX_CANDIDATES).collect();
        }
        vec![self.index.get(lower).copied().unwrap_or(UNK)]
    }

    /// Best sequence of forms for one phrase of lower-case words (beam search, hypotheses
    /// that share their last `order - 1` words recombined). `None` for words left as written.
    fn best(
        &self,
        words: &[String],
        weights: &[f32],
        cache: &mut ngram::KeyMap<[f32; MAX_PARTS]>,
    ) -> (Vec<Option<u32>>, f32) {
        #[derive(Clone, Copy)]
        struct Hyp {
            score: f32,
            /// Last words, oldest first, `u32::MAX` where there is none.
            ctx: [u32; 3],
            back: u32,
            word: u32,
        }
        fn context(h: &Hyp) -> &[u32] {
            let start = h.ctx.iter().position(|&w| w != u32::MAX).unwrap_or(3);
            &h.ctx[start..]
        }
        if words.is_empty() {
            return (Vec::new(), 0.0);
        }
        let keep = self.order().saturating_sub(1).min(3);
        let shift = |ctx: [u32; 3], w: u32| -> [u32; 3] {
            let mut c = [ctx[1], ctx[2], w];
            for x in c.iter_mut().take(3 - keep) {
                *x = u32::MAX;
            }
            c
        };
        let start = Hyp {
            score: 0.0,
            ctx: shift([u32::MAX; 3], BOS),
            back: 0,
            word: BOS,
        };
        let mut steps: Vec<Vec<Hyp>> = Vec::with_capacity(words.len());
        let mut beam = vec![start];
        let mut next: Vec<Hyp> = Vec::new();
        for w in words {
            let cands = self.candidates(w);
            next.clear();
            for (bi, h) in beam.iter().enumerate() {
                for &c in &cands {
                    next.push(Hyp {
                        score: h.score + self.cached(weights, context(h), c, cache),
                        ctx: shift(h.ctx, c),
                        back: bi as u32,
                        word: c,
                    });
                }
            }
            next.sort_by(|a, b| b.score.total_cmp(&a.score));
            let mut kept: Vec<Hyp> = Vec::with_capacity(BEAM);
            for h in &next {
                if kept.len() == BEAM {
                    break;
                }
                if !kept.iter().any(|k| k.ctx == h.ctx) {
                    kept.push(*h);
                }
            }
            steps.push(std::mem::replace(&mut beam, kept));
        }
        let (mut at, score) = beam
            .iter()
            .enumerate()
            .map(|(i, h)| (i, h.score + self.cached(weights, context(h), EOS, cache)))
            .fold((0, f32::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let mut out = vec![None; words.len()];
        steps.push(beam);
        for i in (0..words.len()).rev() {
            let h = steps[i + 1][at];
            out[i] = Some(h.word).filter(|&id| id != UNK);
            at = h.back as usize;
        }
        (out, score)
    }

    /// Mixture weights tried for each text: for each part, that part at [`PROFILE_WEIGHT`]
    /// and the others sharing what is left (the trained weights for a single model).
    fn profiles(&self) -> Vec<Vec<f32>> {
        let n = self.parts.len();
        if n < 2 {
            return vec![self.parts.iter().map(|p| p.weight).collect()];
        }
        let rest = ((1.0 - PROFILE_WEIGHT) / (n - 1) as f32).ln();
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { PROFILE_WEIGHT.ln() } else { rest })
                    .collect()
            })
            .collect()
    }

    /// Restores the marks of a text, keeping everything else (case, spacing, punctuation,
    /// words that already carry marks and words the model does not know). A mixture model
    /// decodes the whole text once per part, that part weighing 0.97, and keeps the most
    /// probable reading: public-life text leans on the corpus model, software text on the
    /// general one.
    pub fn restore(&self, text: &str) -> String {
        let toks = tokens::tokenize(text);
        let mut phrases: Vec<Vec<&tokens::Token<'_>>> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            // A phrase: words, also when joined by `_` or `-` without spaces (`tùy_chọn`, the
            // segmenter's `người_dân`, `Rịa-Vũng`).
            let mut j = i + 1;
            while j < toks.len() {
                let joined = |k: usize| {
                    matches!(toks[k].text, "_" | "-")
                        && toks[k].start == toks[k - 1].end
                        && toks[k - 1].kind == Kind::Word
                        && toks
                            .get(k + 1)
                            .is_some_and(|n| n.kind == Kind::Word && n.start == toks[k].end)
                };
                if toks[j].kind == Kind::Word || joined(j) {
                    j += 1;
                } else {
                    break;
                }
            }
            phrases.push(toks[i..j].iter().filter(|t| t.kind == Kind::Word).collect());
            i = j;
        }
        let lowers: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| p.iter().map(|t| tokens::lower(t.text)).collect())
            .collect();
        let mut best: (f32, Vec<Option<u32>>) = (f32::NEG_INFINITY, Vec::new());
        let mut cache = ngram::KeyMap::default();
        for weights in self.profiles() {
            let mut score = 0.0;
            let mut chosen = Vec::new();
            for l in &lowers {
                // Very long phrases are decoded in windows so that memory stays bounded.
                for c in l.chunks(MAX_PHRASE) {
                    let (ids, s) = self.best(c, &weights, &mut cache);
                    chosen.extend(ids);
                    score += s;
                }
            }
            if score > best.0 || best.1.len() != chosen.len() {
                best = (score, chosen);
            }
        }
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        let mut last = 0;
        for (t, id) in phrases.iter().flatten().zip(best.1) {
            out.push_str(&text[last..t.start]);
            match id {
                Some(id) => out.push_str(&apply_case(t.text, &self.vocab[id as usize])),
                None => out.push_str(t.text),
            }
            last = t.end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// Serialises the model: `VTRS2`, the order, the number of mixed models with each one's
    /// weight and floor, the vocabulary, then each model's n-gram tables ([`ngram::write`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"VTRS2".to_vec();
        ngram::put(&mut out, self.order() as u64);
        ngram::put(&mut out, self.parts.len() as u64);
        for p in &self.parts {
            out.extend_from_slice(&p.weight.to_le_bytes());
            out.extend_from_slice(&p.floor.to_le_bytes());
        }
        ngram::put(&mut out, self.vocab.len() as u64);
        for w in &self.vocab {
            ngram::put(&mut out, w.len() as u64);
            out.extend_from_slice(w.as_bytes());
        }
        for p in &self.parts {
            ngram::write(&mut out, &p.tables);
        }
        out
    }

    /// Reads what [`Model::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.starts_with(b"VTRS1") {
            return Err(ModelError(
                "a model of an older release (VTRS1): train it again from its text".into(),
            ));
        }
        if !bytes.starts_with(b"VTRS2") {
            return Err(ModelError("missing header VTRS2".into()));
        }
        let mut r = Reader { b: bytes, at: 5 };
        let e = ModelError;
        let order = r.get().map_err(e)? as usize;
        if !(1..=ngram::MAX_ORDER).contains(&order) {
            return Err(ModelError(format!("order {order}")));
        }
        let count = r.get().map_err(e)? as usize;
        if !(1..=MAX_PARTS).contains(&count) {
            return Err(ModelError(format!("{count} mixed models")));
        }
        let mut parts = Vec::with_capacity(count);
        for _ in 0..count {
            let mut f32s = [0f32; 2];
            for x in &mut f32s {
                let b = r.take(4).map_err(e)?;
                *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if !x.is_finite() || *x > 0.0 {
                    return Err(ModelError(format!("weight or floor {x}")));
                }
            }
            parts.push(Part {
                weight: f32s[0],
                tables: Vec::new(),
                floor: f32s[1],
            });
        }
        let n = r.get().map_err(e)? as usize;
        if !(3..=ngram::MAX_VOCAB).contains(&n) || n > bytes.len() {
            return Err(ModelError(format!("vocabulary size {n}")));
        }
        let mut vocab = Vec::with_capacity(n);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..n {
            let len = r.get().map_err(e)? as usize;
            let at = r.at;
            let w = r.take(len).map_err(e)?;
            let w = std::str::from_utf8(w)
                .map_err(|_| ModelError(format!("word at byte {at} is not UTF-8")))?;
            if !seen.insert(w) {
                return Err(ModelError(format!("duplicate word {w:?}")));
            }
            vocab.push(w.to_string());
        }
        for p in &mut parts {
            p.tables = ngram::read(&mut r, order, n).map_err(e)?;
        }
        let mut m = Model::with_vocab(vocab);
        m.parts = parts;
        m.rank_forms();
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

/// Whether a text was typed without Vietnamese marks and is worth a restored reading: at least
/// four words of Latin letters, fewer than one in twenty of them with a mark. A text already
/// marked, a number, a code or a text in another script is left alone.
pub fn lacks_marks(text: &str) -> bool {
    let (mut words, mut marked) = (0usize, 0usize);
    for w in text.split(|c: char| !crate::chars::is_letter(c)) {
        let latin = |c: char| matches!(c as u32, 0..=0x24F | 0x1E00..=0x1EFF);
        if w.is_empty() || !w.chars().all(latin) {
            continue;
        }
        words += 1;
        if w.chars().any(crate::chars::has_mark) {
            marked += 1;
        }
    }
    words >= 4 && marked * 20 < words
}

/// The restored reading of a text typed without marks, by the built-in model, when it differs
/// from the text (`None` for a marked text, or when nothing changes).
pub fn reading(text: &str) -> Option<String> {
    reading_with(Model::default_model(), text)
}

/// [`reading`] by the given model (a deployment's, [`Model::with_text`]).
pub fn reading_with(model: &Model, text: &str) -> Option<String> {
    if !lacks_marks(text) {
        return None;
    }
    let restored = model.restore(text);
    (restored != text).then_some(restored)
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_text_typed_without_marks_gets_a_reading() {
        assert!(lacks_marks("nguoi dan phan anh gia dien tang cao"));
        assert!(!lacks_marks("người dân phản ánh giá điện tăng cao"));
        assert!(!lacks_marks("ok 123"));
        assert!(!lacks_marks("人民反映电价上涨很高"));
        let r = reading("nguoi dan phan anh gia dien tang cao").unwrap();
        assert!(r.contains("người dân"), "{r}");
        assert_eq!(reading("Người dân phản ánh giá điện tăng cao"), None);
    }

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
        check(&m, "nguoi_dan phan-anh, - gia", "người_dân phản-ánh, - giá");
        check(&m, "", "");
        check(&m, "…", "…");
    }

    #[test]
    fn serialisation_round_trip_and_errors() {
        let m = toy();
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.restore("nguoi dan lo lang"), "người dân lo lắng");
        assert_eq!(back.vocabulary_size(), m.vocabulary_size());
        assert!(Model::from_bytes(b"").is_err());
        assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
        for cut in [6, 7, 20, 100] {
            let _ = Model::from_bytes(&bytes[..cut.min(bytes.len())]);
        }
    }

    #[test]
    fn a_mixture_leans_on_the_part_that_fits_the_text() {
        let general = [
            "Gói phần mềm được cài đặt.",
            "Gói này phụ thuộc vào gói khác.",
            "Bạn có thể gọi hàm này.",
        ];
        let domain = [
            "Người dân gọi điện phản ánh.",
            "Người dân gọi đường dây nóng.",
        ];
        let m = Model::train_with_corpus(&general, &domain);
        assert_eq!(m.order(), ORDER);
        check(&m, "goi phan mem", "gói phần mềm");
        check(&m, "nguoi dan goi dien", "người dân gọi điện");
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back, m);
        check(&back, "goi nay phu thuoc", "gói này phụ thuộc");
        assert!(format!("{m:?}").contains("0.9"));
    }

    #[test]
    fn the_built_in_model_reads_and_restores() {
        let m = Model::default_model();
        assert!(m.vocabulary_size() > 5000, "{m:?}");
        check(
            m,
            "Tiep nhan y kien cua nguoi dan",
            "Tiếp nhận ý kiến của người dân",
        );
        check(m, "Mo tep tin", "Mở tệp tin");
    }

    #[test]
    fn a_deployment_text_adds_to_a_model() {
        let base = Model::default_model();
        let input = "ong Tu Sang mo quan hu tieu o cho Xom Cui";
        let expected = "ông Tư Sang mở quán hủ tiếu ở chợ Xóm Củi";
        assert_ne!(base.restore(input), expected);
        let own = base.with_text(["Ông Tư Sang mở quán hủ tiếu ở chợ Xóm Củi."], 0.3);
        check(&own, input, expected);
        assert_eq!(own.parts.len(), base.parts.len() + 1);
        let sum: f32 = own.parts.iter().map(|p| p.weight.exp()).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{sum}");
        check(
            &own,
            "Tiep nhan y kien cua nguoi dan",
            "Tiếp nhận ý kiến của người dân",
        );
        let back = Model::from_bytes(&own.to_bytes()).unwrap();
        check(&back, input, expected);
        let mut m = Model::default().with_text(["Người dân lo lắng."], 0.5);
        check(&m, "nguoi dan lo lang", "người dân lo lắng");
        for _ in 0..10 {
            m = m.with_text(["Giá điện tăng."], 0.2);
        }
        assert_eq!(m.parts.len(), MAX_PARTS);
        check(&m, "gia dien tang", "giá điện tăng");
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
            let mut v = b"VTRS2".to_vec();
            v.extend(b);
            let _ = Model::from_bytes(&v);
        }
    }
}
