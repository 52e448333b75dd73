//! Training: a model from clean accented text, weighted mixtures of models, and a
//! deployment's text added to a trained model.

use super::{
    BOS, CORPUS_MIX, EOS, MAX_PARTS, Model, ORDER, Part, Phrases, TrainOptions, UNK, ngram,
};
use crate::tokens;
use ngram::Counts;
use std::collections::HashMap;

impl Model {
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
}
