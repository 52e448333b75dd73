//! Learning from few labels and many unlabelled items: a multinomial naive Bayes model over
//! the same folded uni- and bigram features is fitted to the analysts' labels and refined by
//! expectation-maximisation over the unlabelled items (Nigam, McCallum, Thrun & Mitchell,
//! 2000); the unlabelled items it is surest of, a balanced number per label, then join the
//! labels as pseudo-labels and the logistic regression of [`Classifier`] is trained on both.
//! The analysts' labels are never changed.

use super::{Classifier, ModelError, TrainOptions};
use crate::features::{FnvBuild, negated, ngrams};
use std::collections::HashMap;

/// Parameters of [`self_train`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SelfTrainOptions {
    /// Training of the final logistic regression.
    pub train: TrainOptions,
    /// Expectation-maximisation rounds over the unlabelled items.
    pub rounds: usize,
    /// Weight of an unlabelled item against a labelled one in the naive Bayes counts.
    pub unlabelled_weight: f64,
    /// Pseudo-labels taken per label (the surest items, balanced so that no label swallows
    /// the rest).
    pub per_label: usize,
}

impl Default for SelfTrainOptions {
    fn default() -> Self {
        SelfTrainOptions {
            train: TrainOptions::default(),
            rounds: 5,
            unlabelled_weight: 1.0,
            per_label: 50,
        }
    }
}

/// Naive Bayes: per feature, the log-probability under each label.
struct NaiveBayes {
    labels: usize,
    log_p: HashMap<u64, Vec<f64>, FnvBuild>,
    log_prior: Vec<f64>,
}

const ALPHA: f64 = 0.1;

impl NaiveBayes {
    /// Fits on documents given as (weight per label, features).
    fn fit(docs: &[(Vec<f64>, &[u64])], labels: usize) -> NaiveBayes {
        let mut counts: HashMap<u64, Vec<f64>, FnvBuild> = HashMap::default();
        let mut total = vec![0f64; labels];
        let mut prior = vec![1f64; labels];
        for (w, features) in docs {
            for c in 0..labels {
                prior[c] += w[c];
            }
            for h in *features {
                let e = counts.entry(*h).or_insert_with(|| vec![0.0; labels]);
                for c in 0..labels {
                    e[c] += w[c];
                    total[c] += w[c];
                }
            }
        }
        let v = counts.len() as f64;
        let sum: f64 = prior.iter().sum();
        let log_p = counts
            .into_iter()
            .map(|(h, e)| {
                let l = (0..labels)
                    .map(|c| ((e[c] + ALPHA) / (total[c] + ALPHA * v)).ln())
                    .collect();
                (h, l)
            })
            .collect();
        NaiveBayes {
            labels,
            log_p,
            log_prior: prior.iter().map(|p| (p / sum).ln()).collect(),
        }
    }

    /// Posterior probability of each label.
    fn posterior(&self, features: &[u64]) -> Vec<f64> {
        let mut z = self.log_prior.clone();
        for h in features {
            if let Some(l) = self.log_p.get(h) {
                for c in 0..self.labels {
                    z[c] += l[c];
                }
            }
        }
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = z.iter().map(|x| (x - m).exp()).sum();
        z.iter().map(|x| (x - m).exp() / s).collect()
    }
}

fn features(text: &str) -> Vec<u64> {
    ngrams(text, true)
        .into_iter()
        .chain(negated(text))
        .map(|x| x.0)
        .collect()
}

/// Trains on `labelled` `(label, text)` pairs and the `unlabelled` texts (see the module
/// documentation). With no unlabelled text it is [`Classifier::train`].
///
/// ```
/// use duluan_vitext::classify::{self_train, SelfTrainOptions};
/// let labelled = [("giá cả", "giá xăng tăng"), ("giao thông", "kẹt xe ở ngã tư")];
/// let unlabelled = ["giá gas tăng mạnh", "giá xăng lại tăng", "kẹt xe kéo dài", "ngã tư kẹt cứng"];
/// let m = self_train(&labelled, &unlabelled, &SelfTrainOptions::default()).unwrap();
/// assert_eq!(m.predict("gia gas tang").label, "giá cả");
/// ```
pub fn self_train<L: AsRef<str>, T: AsRef<str>, U: AsRef<str>>(
    labelled: &[(L, T)],
    unlabelled: &[U],
    options: &SelfTrainOptions,
) -> Result<Classifier, ModelError> {
    let mut examples: Vec<(String, String)> = labelled
        .iter()
        .map(|(l, t)| (l.as_ref().to_string(), t.as_ref().to_string()))
        .collect();
    let mut labels: Vec<String> = examples.iter().map(|e| e.0.clone()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(ModelError::NotEnoughLabels(labels.len()));
    }
    if !unlabelled.is_empty() {
        let k = labels.len();
        let lf: Vec<Vec<u64>> = examples.iter().map(|e| features(&e.1)).collect();
        let uf: Vec<Vec<u64>> = unlabelled.iter().map(|t| features(t.as_ref())).collect();
        let base: Vec<(Vec<f64>, &[u64])> = examples
            .iter()
            .zip(&lf)
            .map(|((l, _), f)| {
                let w = labels.iter().map(|x| (x == l) as u8 as f64).collect();
                (w, f.as_slice())
            })
            .collect();
        let mut nb = NaiveBayes::fit(&base, k);
        for _ in 0..options.rounds {
            let mut docs = base.clone();
            for f in &uf {
                let p = nb.posterior(f);
                docs.push((
                    p.iter().map(|x| x * options.unlabelled_weight).collect(),
                    f.as_slice(),
                ));
            }
            nb = NaiveBayes::fit(&docs, k);
        }
        let mut by_label: Vec<Vec<(f64, usize)>> = vec![Vec::new(); k];
        for (i, f) in uf.iter().enumerate() {
            let p = nb.posterior(f);
            let best = (0..k).fold(0, |a, c| if p[c] > p[a] { c } else { a });
            by_label[best].push((p[best], i));
        }
        for (c, mut list) in by_label.into_iter().enumerate() {
            list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, i) in list.into_iter().take(options.per_label) {
                examples.push((labels[c].clone(), unlabelled[i].as_ref().to_string()));
            }
        }
    }
    Classifier::train(&examples, &options.train)
}

/// Labelled examples made from a taxonomy's keyword lists (`(label, "word word …")`), each
/// list repeated `copies` times so that it weighs like that many labelled items: add them to
/// the analysts' labels before [`Classifier::train`] or [`self_train`].
pub fn keyword_examples<'a>(
    lists: &[(&'a str, &'a str)],
    copies: usize,
) -> Vec<(&'a str, &'a str)> {
    lists
        .iter()
        .flat_map(|&(l, k)| std::iter::repeat_n((l, k), copies))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_labels_spread_what_few_labels_know() {
        let labelled = [
            ("giá cả", "giá xăng tăng cao"),
            ("giao thông", "kẹt xe ở ngã tư"),
        ];
        // "gas" and "cứng" are only in unlabelled items, next to words the labels know.
        let unlabelled = [
            "giá gas tăng cao",
            "giá gas lại tăng",
            "kẹt cứng ở ngã tư",
            "ngã tư kẹt cứng",
            "xe kẹt cứng",
        ];
        let options = SelfTrainOptions {
            per_label: 2,
            ..SelfTrainOptions::default()
        };
        let m = self_train(&labelled, &unlabelled, &options).unwrap();
        assert_eq!(m.predict("gas").label, "giá cả");
        assert_eq!(m.predict("cung").label, "giao thông");
        let none: [&str; 0] = [];
        let plain = self_train(&labelled, &none, &options).unwrap();
        assert_eq!(plain, Classifier::train(&labelled, &options.train).unwrap());
        assert!(self_train(&labelled[..1], &unlabelled, &options).is_err());
    }

    #[test]
    fn keyword_lists_become_examples() {
        let k = keyword_examples(&[("giá cả", "giá xăng điện"), ("giao thông", "kẹt xe")], 2);
        assert_eq!(k.len(), 4);
        assert_eq!(k[1], ("giá cả", "giá xăng điện"));
        let m = Classifier::train(&k, &TrainOptions::default()).unwrap();
        assert_eq!(m.predict("ket xe qua").label, "giao thông");
    }
}
