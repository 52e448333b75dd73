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

mod decode;
pub mod ngram;
mod serial;
mod train;

use crate::tokens::{self, Kind};
use ngram::Table;
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
mod tests;
